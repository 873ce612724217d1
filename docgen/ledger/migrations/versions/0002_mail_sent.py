"""E-mails sent of reports (docgen send): mail_sent.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from docgen.ledger.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_sent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(600), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("client", sa.Text, nullable=True),
        sa.Column("client_key", sa.String(400), nullable=True),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text, nullable=True),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("sent_by", sa.String(200), nullable=True),
        sa.UniqueConstraint("key", name="uq_mail_sent_key"),
    )
    op.create_index("ix_mail_sent_client_key", "mail_sent", ["client_key"])


def downgrade() -> None:
    op.drop_index("ix_mail_sent_client_key", table_name="mail_sent")
    op.drop_table("mail_sent")
