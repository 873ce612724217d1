"""The job ledger: document numbers taken at issue, an archive of everything issued.

``open_ledger(url, archive=…)`` gives a :class:`~docgen.ledger.store.Ledger`; the
tables are in :mod:`docgen.ledger.schema`, the content-addressed archive in
:mod:`docgen.ledger.archive`.
"""
from __future__ import annotations

from .errors import LedgerError, LedgerInputError, LedgerStorageError
from .store import Ledger, client_key, open_ledger

__all__ = ["Ledger", "LedgerError", "LedgerInputError", "LedgerStorageError", "client_key",
           "open_ledger"]
