"""The ledger's tables (SQLAlchemy Core), the one description both backends share.

Column names are a contract (/work/notes/ledger-contract.md): the jobs and receivables
code reads them. The Alembic migrations in ``migrations/versions`` create exactly these
tables; a change here needs a new migration.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (Boolean, Column, Date, DateTime, Dialect, ForeignKey, Integer, MetaData,
                        Numeric, PrimaryKeyConstraint, String, Table, Text, UniqueConstraint)
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData(naming_convention={
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
})

_QUANTUM = Decimal("0.0001")


class Money(TypeDecorator[Decimal]):
    """An exact amount: NUMERIC(20, 4) on PostgreSQL. SQLite has no decimal type; its
    NUMERIC column keeps a float, exact to 4 places for any amount below 10^11, so the
    value is read back rounded to the 4 places it was written with (no driver warning,
    and SUM() still works in SQL on both backends)."""

    impl = Numeric(20, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(20, 4, asdecimal=False))
        return dialect.type_descriptor(Numeric(20, 4))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(_QUANTUM)
        return float(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Optional[Decimal]:
        if value is None:
            return None
        return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(_QUANTUM)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC: timestamptz on PostgreSQL, ISO text on SQLite; always aware
    when read back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Optional[dt.datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)  # type: ignore[no-any-return]
        return value.astimezone(dt.timezone.utc)  # type: ignore[no-any-return]


# Gapless numbering: one row per series; last_seq is taken and raised inside the
# transaction that records the document (a rollback gives the number back).
series = Table(
    "series", metadata,
    Column("kind", String(64), nullable=False),
    Column("company", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    PrimaryKeyConstraint("kind", "company", "year"),
)

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("number", String(200), nullable=False),
    Column("revision", Integer, nullable=False, default=0),  # 0 = the original
    Column("supersedes", Integer, ForeignKey("documents.id"), nullable=True),
    Column("status", String(16), nullable=False, default="issued"),  # issued | void
    Column("void_reason", Text, nullable=True),
    Column("voided_at", UTCDateTime, nullable=True),
    Column("voided_by", String(200), nullable=True),
    Column("job_number", String(200), nullable=True, index=True),
    Column("client", Text, nullable=True),  # display name
    Column("client_key", String(400), nullable=True, index=True),  # normalised name or tax id
    Column("ae", Text, nullable=True),
    Column("locale", String(32), nullable=True),
    Column("currency", String(8), nullable=True),
    Column("total", Money, nullable=True),  # invoice only
    Column("issue_date", Date, nullable=True),
    Column("due_date", Date, nullable=True),  # invoice only
    # the series the number came from (null: imported or typed by hand)
    Column("series_company", String(200), nullable=True),
    Column("series_year", Integer, nullable=True),
    Column("seq", Integer, nullable=True),
    Column("record_sha256", String(64), nullable=False),
    Column("template_sha256", String(64), nullable=True),
    Column("docgen_version", String(64), nullable=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("issued_by", String(200), nullable=True),
    Column("source", String(16), nullable=False, default="issue"),  # issue | import
    UniqueConstraint("kind", "number", "revision", name="uq_documents_kind_number_revision"),
    # the series' unique constraint behind the gapless counter
    UniqueConstraint("kind", "series_company", "series_year", "seq", "revision",
                     name="uq_documents_series_seq"),
)

files = Table(
    "files", metadata,
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Column("format", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    PrimaryKeyConstraint("document_id", "format"),
)

jobs = Table(
    "jobs", metadata,
    Column("job_number", String(200), primary_key=True),
    Column("client", Text, nullable=True),
    Column("client_key", String(400), nullable=True, index=True),
    Column("opened_by_document", Integer, ForeignKey("documents.id"), nullable=True),
    Column("budget", Money, nullable=True),
    Column("budget_currency", String(8), nullable=True),
    Column("opened_at", UTCDateTime, nullable=True),
)

payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False, index=True),
    Column("paid_date", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(8), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=True),
)

# E-mails of reports (docgen send, docgen/mail): one row per report and period,
# 'sending' before the SMTP transaction, 'sent' after the server accepted it, 'failed'
# when it surely did not; a 'sending' row left by a crash is never resent silently.
mail_sent = Table(
    "mail_sent", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(600), nullable=False),  # kind:client_key:period
    Column("kind", String(64), nullable=False),
    Column("client", Text, nullable=True),
    Column("client_key", String(400), nullable=True, index=True),
    Column("period", String(32), nullable=False),  # the week's Monday, ISO
    Column("record_sha256", String(64), nullable=False),
    Column("message_id", Text, nullable=True),
    Column("recipients", Text, nullable=False),  # JSON list of addresses
    Column("state", String(16), nullable=False),  # sending | sent | failed
    Column("detail", Text, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("sent_by", String(200), nullable=True),
    # the issued document the message carries (with a ledger: migration 0003)
    Column("document_id", Integer, nullable=True),
    Column("document_number", String(200), nullable=True),  # as shown (…-R1)
    UniqueConstraint("key", name="uq_mail_sent_key"),
)

# Team mode of docgen serve (docgen/web/users.py): who may log in, with which role, and
# which clients an AE sees (by client key, as documents.client_key). Web sessions are
# kept here too, so logging out (or disabling a user) ends a session for good.
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(200), nullable=False),  # NFKC, case-folded
    Column("name", Text, nullable=False, default=""),
    Column("role", String(16), nullable=False),  # ae | finance | admin
    Column("password_hash", Text, nullable=False),  # argon2id (argon2-cffi)
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("login", name="uq_users_login"),
)

user_clients = Table(
    "user_clients", metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("client_key", String(400), nullable=False),
    Column("client", Text, nullable=False),  # the name as typed
    PrimaryKeyConstraint("user_id", "client_key"),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)
