"""The ledger's storage on both backends: tables, numbering, revisions, void, reads."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import RowMapping

from docgen.ledger import LedgerInputError, open_ledger
from docgen.ledger.schema import documents, files, series
from docgen.ledger.store import Ledger

INVOICE = {"job_number": "HL-2026-0417", "client": {"name": "Acme Korea", "tax_id": "1"},
           "issue_date": dt.date(2026, 3, 2), "currency": "KRW", "requested_by": "Kim"}


def issue(ledger: Ledger, record: dict[str, Any] = INVOICE, blob: bytes = b"docx-bytes",
          **kw: Any) -> RowMapping:
    return ledger.issue("invoice", record, {"docx": blob}, number_field="request_number",
                        locale="ko", **kw)


def test_open_creates_the_five_tables_and_reopens(ledger: Ledger, ledger_url: str,
                                                  archive_dir: Path) -> None:
    names = set(sa.inspect(ledger.engine).get_table_names())
    assert {"series", "documents", "files", "jobs", "payments"} <= names
    again = open_ledger(ledger_url, archive=archive_dir)
    assert again.documents() == []
    again.close()


def test_issue_records_the_row_and_archives_record_and_files(ledger: Ledger) -> None:
    row = issue(ledger, facts={"total": Decimal("3850000"), "due_date": dt.date(2026, 4, 16)})
    assert (row["kind"], row["number"], row["revision"], row["status"]) == (
        "invoice", "INV-2026-0001", 0, "issued")
    assert row["job_number"] == "HL-2026-0417" and row["client"] == "Acme Korea"
    assert row["client_key"] == "acmekorea" and row["ae"] == "Kim" and row["locale"] == "ko"
    assert row["total"] == Decimal("3850000") and row["due_date"] == dt.date(2026, 4, 16)
    assert row["issue_date"] == dt.date(2026, 3, 2) and row["issued_at"].tzinfo is not None
    assert row["docgen_version"] and row["issued_by"]
    (f,) = ledger.files_of(row["id"])
    assert (f["format"], f["size"]) == ("docx", len(b"docx-bytes"))
    assert ledger.archive.get(f["sha256"]) == b"docx-bytes"
    assert b'"request_number":"INV-2026-0001"' in ledger.archive.get(row["record_sha256"])
    assert ledger.document("INV-2026-0001")["id"] == row["id"]  # type: ignore[index]
    assert ledger.documents(kind="invoice", client_key="acmekorea")[0]["id"] == row["id"]
    assert ledger.document("INV-2026-0002") is None


def test_numbers_follow_the_series_per_year(ledger: Ledger) -> None:
    numbers = [issue(ledger)["number"] for _ in range(3)]
    later = issue(ledger, {**INVOICE, "issue_date": dt.date(2027, 1, 4)})["number"]
    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    assert later == "INV-2027-0001"
    with ledger.reading() as conn:
        rows = conn.execute(sa.select(series.c.year, series.c.last_seq)
                            .order_by(series.c.year)).all()
    assert [tuple(r) for r in rows] == [(2026, 3), (2027, 1)]


def test_reissue_makes_a_linked_revision(ledger: Ledger) -> None:
    first = issue(ledger)
    second = issue(ledger, {**INVOICE, "request_number": "INV-2026-0001"}, b"corrected")
    third = issue(ledger, {**INVOICE, "request_number": "INV-2026-0001-R1"}, b"again")
    assert (second["number"], second["revision"], second["supersedes"]) == (
        "INV-2026-0001", 1, first["id"])
    assert (third["revision"], third["supersedes"]) == (2, second["id"])
    assert ledger.document("INV-2026-0001")["revision"] == 2  # type: ignore[index]
    assert ledger.document("INV-2026-0001-R1")["id"] == second["id"]  # type: ignore[index]
    assert len(ledger.documents(kind="invoice")) == 3
    assert issue(ledger)["number"] == "INV-2026-0002"  # revisions take no new number


def test_unknown_number_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    with pytest.raises(LedgerInputError) as caught:
        issue(ledger, {**INVOICE, "request_number": "INV-2026-0042"})
    assert caught.value.code == "ledger_unknown_number" and caught.value.exit_code == 1
    assert ledger.documents() == []
    assert issue(ledger)["number"] == "INV-2026-0001"


def test_void_keeps_number_and_reason(ledger: Ledger) -> None:
    issue(ledger)
    row = ledger.void("INV-2026-0001", "issued to the wrong client")
    assert (row["status"], row["void_reason"]) == ("void", "issued to the wrong client")
    assert ledger.document("INV-2026-0001")["status"] == "void"  # type: ignore[index]
    for number, code in (("INV-2026-0001", "ledger_void_twice"),
                         ("INV-2026-0099", "ledger_unknown")):
        with pytest.raises(LedgerInputError) as caught:
            ledger.void(number, "again")
        assert caught.value.code == code
    with pytest.raises(LedgerInputError) as caught:
        issue(ledger, {**INVOICE, "request_number": "INV-2026-0001"})
    assert caught.value.code == "ledger_void_number"
    assert issue(ledger)["number"] == "INV-2026-0002"  # the voided number stays taken


def test_void_needs_a_reason(ledger: Ledger) -> None:
    issue(ledger)
    with pytest.raises(LedgerInputError):
        ledger.void("INV-2026-0001", "  ")
    assert ledger.document("INV-2026-0001")["status"] == "issued"  # type: ignore[index]


def test_failing_checks_roll_the_number_back(ledger: Ledger) -> None:
    from docgen.errors import Problem, ValidationFailed

    def refuse(conn, kind, record):  # type: ignore[no-untyped-def]
        assert record["request_number"] == "INV-2026-0001"
        return [Problem("client", "client_mismatch", "no")]

    with pytest.raises(ValidationFailed):
        issue(ledger, checks=refuse)
    assert ledger.documents() == []
    assert issue(ledger, checks=lambda c, k, r: [])["number"] == "INV-2026-0001"


def test_connection_is_one_transaction(ledger: Ledger) -> None:
    issue(ledger)
    with pytest.raises(RuntimeError):
        with ledger.connection() as conn:
            conn.execute(documents.update().values(status="void"))
            raise RuntimeError("stop")
    assert ledger.document("INV-2026-0001")["status"] == "issued"  # type: ignore[index]
    with ledger.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(files)).scalar_one() == 1
