"""Ledger fixtures: every ledger test runs on SQLite and on PostgreSQL.

``ledger_url`` is a fresh, empty ledger database: a file in the test's tmp folder, or a
new PostgreSQL database on the server $DOCGEN_TEST_POSTGRES_URL names (``.ci/run``
starts one on 127.0.0.1); without that variable the PostgreSQL half is skipped
locally and fails in CI. ``ledger`` is that database opened, with an archive folder.
"""
from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import sqlalchemy

import pytest

POSTGRES_ENV = "DOCGEN_TEST_POSTGRES_URL"


def postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"${POSTGRES_ENV} is required in CI; .ci/run starts PostgreSQL")
        pytest.skip(f"${POSTGRES_ENV} is not set: the PostgreSQL half of the ledger tests "
                    "is skipped")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database on ``backend``: a SQLite file in ``folder``, or a new
    PostgreSQL database, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'ledger.db'}"
        return
    import sqlalchemy as sa

    base = sa.make_url(postgres_base_url()).set(drivername="postgresql+psycopg")
    name = f"docgen_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).set(drivername="postgresql").render_as_string(
            hide_password=False)
    finally:
        try:
            _drop(admin, name)
        finally:
            admin.dispose()


def _drop(admin: "sqlalchemy.engine.Engine", name: str) -> None:
    """Drop the test database, ending the connections a test left. An autovacuum worker
    busy in it cannot be ended by a role that is not a superuser (before PostgreSQL 17
    it counts as one): it finishes within moments, so try again for a while."""
    import sqlalchemy as sa

    deadline = time.monotonic() + 30
    while True:
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except sa.exc.ProgrammingError as exc:
            if "InsufficientPrivilege" not in type(exc.orig).__name__ or \
                    time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def ledger_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty ledger database on ``backend``."""
    with empty_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def ledger(ledger_url: str, archive_dir: Path) -> Iterator["object"]:
    """The ledger at ``ledger_url``, opened (tables created) with ``archive_dir``."""
    from docgen.ledger import open_ledger

    opened = open_ledger(ledger_url, archive=archive_dir)
    try:
        yield opened
    finally:
        opened.close()
