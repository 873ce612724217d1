"""The ledger's errors, in docgen's one family (exit codes are the CLI contract)."""
from __future__ import annotations

from ..errors import DocgenError, InputError, OutputError


class LedgerError(DocgenError):
    """Something the ledger refused; nothing was changed."""

    exit_code = 1


class LedgerInputError(LedgerError, InputError):
    """Bad input for the ledger: an unknown number, voiding twice, a number the ledger
    never issued… (exit 1; nothing changed)."""

    exit_code = 1


class LedgerStorageError(LedgerError, OutputError):
    """The database or the archive cannot be opened, read or written, or the archive
    no longer matches the ledger (exit 4)."""

    exit_code = 4
