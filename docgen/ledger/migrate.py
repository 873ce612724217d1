"""Alembic, run by docgen at open: ``upgrade head`` when the database is behind.

Two runs opening a new ledger at once must not both create the tables: the upgrade
runs in a write transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction
advisory lock) and checks the revision again inside it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

if TYPE_CHECKING:
    from .store import Ledger

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x646F6367  # "docg": PostgreSQL advisory lock held while migrating


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def head() -> Optional[str]:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(conn: sa.Connection) -> Optional[str]:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(ledger: "Ledger") -> None:
    """Bring the ledger's tables to the newest revision (nothing to do: one read)."""
    with ledger.engine.connect() as conn:
        with conn.begin():
            if current(conn) == head():
                return
    with ledger.engine.connect().execution_options(docgen_write=True) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            if current(conn) == head():
                return
            cfg = config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
