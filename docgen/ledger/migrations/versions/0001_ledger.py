"""The ledger: series, documents, files, jobs, payments.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from docgen.ledger.schema import Money, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("kind", "company", "year", name="pk_series"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("supersedes", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("void_reason", sa.Text, nullable=True),
        sa.Column("voided_at", UTCDateTime, nullable=True),
        sa.Column("voided_by", sa.String(200), nullable=True),
        sa.Column("job_number", sa.String(200), nullable=True),
        sa.Column("client", sa.Text, nullable=True),
        sa.Column("client_key", sa.String(400), nullable=True),
        sa.Column("ae", sa.Text, nullable=True),
        sa.Column("locale", sa.String(32), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("total", Money, nullable=True),
        sa.Column("issue_date", sa.Date, nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("series_company", sa.String(200), nullable=True),
        sa.Column("series_year", sa.Integer, nullable=True),
        sa.Column("seq", sa.Integer, nullable=True),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=True),
        sa.Column("docgen_version", sa.String(64), nullable=True),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["supersedes"], ["documents.id"],
                                name="fk_documents_supersedes"),
        sa.UniqueConstraint("kind", "number", "revision",
                            name="uq_documents_kind_number_revision"),
        sa.UniqueConstraint("kind", "series_company", "series_year", "seq", "revision",
                            name="uq_documents_series_seq"),
    )
    op.create_index("ix_documents_job_number", "documents", ["job_number"])
    op.create_index("ix_documents_client_key", "documents", ["client_key"])
    op.create_table(
        "files",
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_files_document_id"),
        sa.PrimaryKeyConstraint("document_id", "format", name="pk_files"),
    )
    op.create_table(
        "jobs",
        sa.Column("job_number", sa.String(200), nullable=False),
        sa.Column("client", sa.Text, nullable=True),
        sa.Column("client_key", sa.String(400), nullable=True),
        sa.Column("opened_by_document", sa.Integer, nullable=True),
        sa.Column("budget", Money, nullable=True),
        sa.Column("budget_currency", sa.String(8), nullable=True),
        sa.Column("opened_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(["opened_by_document"], ["documents.id"],
                                name="fk_jobs_opened_by_document"),
        sa.PrimaryKeyConstraint("job_number", name="pk_jobs"),
    )
    op.create_index("ix_jobs_client_key", "jobs", ["client_key"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("paid_date", sa.Date, nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_payments_document_id"),
    )
    op.create_index("ix_payments_document_id", "payments", ["document_id"])


def downgrade() -> None:
    for index, table in (("ix_payments_document_id", "payments"),
                         ("ix_jobs_client_key", "jobs"),
                         ("ix_documents_client_key", "documents"),
                         ("ix_documents_job_number", "documents")):
        op.drop_index(index, table_name=table)
    for table in ("payments", "jobs", "files", "documents", "series"):
        op.drop_table(table)
