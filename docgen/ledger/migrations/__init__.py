"""Alembic migrations of the ledger, applied by :func:`docgen.ledger.store.open_ledger`."""
