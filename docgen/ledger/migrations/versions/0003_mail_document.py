"""The issued document a report's e-mail carries (docgen send with a ledger).

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mail_sent", sa.Column("document_id", sa.Integer, nullable=True))
    op.add_column("mail_sent", sa.Column("document_number", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_sent") as batch:
        batch.drop_column("document_number")
        batch.drop_column("document_id")
