"""Several processes issuing at once on one ledger (SQLite file or PostgreSQL): every
number once, none skipped; an issue that fails part-way leaves nothing behind."""
from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path
from typing import Any, Mapping

import pytest
import sqlalchemy as sa

from docgen.ledger import open_ledger
from docgen.ledger.store import Ledger

PROCESSES, EACH = 4, 25
RECORD = {"job_number": "HL-2026-0417", "client": "Acme", "date": dt.date(2026, 5, 4)}


def _issue_many(url: str, archive: str, worker: int) -> list[str]:
    ledger = open_ledger(url, archive=archive)
    try:
        return [ledger.issue("minutes", {**RECORD, "title": f"{worker}-{i}"},
                             {"docx": f"{worker}-{i}".encode()},
                             number_field="document_number")["number"]
                for i in range(EACH)]
    finally:
        ledger.close()


@pytest.mark.slow
def test_concurrent_issues_give_every_number_once(ledger_url: str, archive_dir: Path) -> None:
    open_ledger(ledger_url, archive=archive_dir).close()  # tables first; racing opens are
    ctx = multiprocessing.get_context("spawn")            # covered by the next test
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(_issue_many, [(ledger_url, str(archive_dir), w)
                                             for w in range(PROCESSES)])
    numbers = [n for part in results for n in part]
    expected = [f"MIN-2026-{i:04}" for i in range(1, PROCESSES * EACH + 1)]
    assert sorted(numbers) == expected  # no duplicate, no gap
    ledger = open_ledger(ledger_url, archive=archive_dir)
    rows = ledger.documents()
    assert sorted(r["number"] for r in rows) == expected
    assert sorted(r["seq"] for r in rows) == list(range(1, PROCESSES * EACH + 1))
    ledger.close()


def _open_and_issue(url: str, archive: str) -> str:
    return _issue_many(url, archive, 99)[0]


@pytest.mark.slow
def test_first_opens_race_safely(ledger_url: str, archive_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        firsts = pool.starmap(_open_and_issue, [(ledger_url, str(archive_dir))] * 3)
    assert len(set(firsts)) == 3


def _failing(stage: str) -> dict[str, Any]:
    def render(number: str, record: Mapping[str, Any]) -> dict[str, bytes]:
        if stage == "render":
            raise RuntimeError("render failed")
        return {"docx": b"doc " + number.encode()}

    def deliver(row: Any, files: Mapping[str, bytes]) -> list[Path]:
        raise OSError("disk full")

    return {"outputs": render, "deliver": deliver if stage == "deliver" else None}


@pytest.mark.parametrize("stage", ["render", "deliver"])
def test_a_failed_issue_leaves_no_number_and_no_row(ledger: Ledger, stage: str) -> None:
    parts = _failing(stage)
    with pytest.raises((RuntimeError, OSError)):
        ledger.issue("minutes", {**RECORD, "title": "x"}, parts["outputs"],
                     number_field="document_number", deliver=parts["deliver"])
    assert ledger.documents() == []
    row = ledger.issue("minutes", {**RECORD, "title": "y"}, {"docx": b"ok"},
                       number_field="document_number")
    assert row["number"] == "MIN-2026-0001"  # the failed issue gave its number back


def test_a_failed_commit_removes_the_files_deliver_wrote(
        ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = tmp_path / "out.docx"

    def deliver(row: Any, files: Mapping[str, bytes]) -> list[Path]:
        written.write_bytes(files["docx"])
        return [written]

    def no_commit(self: Any) -> None:
        self.connection.dbapi_connection.rollback()  # the server never saw the COMMIT
        raise OSError("connection lost at commit")

    with monkeypatch.context() as patch:
        patch.setattr(sa.engine.Connection, "_commit_impl", no_commit)
        with pytest.raises(OSError):
            ledger.issue("minutes", {**RECORD, "title": "x"}, {"docx": b"a"},
                         number_field="document_number", deliver=deliver)
    assert not written.exists()
    assert ledger.documents() == []
    ledger.issue("minutes", {**RECORD, "title": "x"}, {"docx": b"a"},
                 number_field="document_number", deliver=deliver)
    assert written.read_bytes() == b"a" and len(ledger.documents()) == 1
