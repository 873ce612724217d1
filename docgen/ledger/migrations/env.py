"""Alembic environment: docgen runs migrations itself, on the connection it opened
(``config.attributes["connection"]``, already inside a transaction), never from a URL
in alembic.ini. Imported outside a migration run (tests import every module), it does
nothing."""
from __future__ import annotations

from alembic import context

from docgen.ledger.schema import metadata


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # alembic's proxy has it only while migrating
    run()
