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


CHUNKS, PER_CHUNK = 3, 10


def _issue_chunks(url: str, archive: str, worker: int) -> list[str]:
    """Group commit, as batch --issue does: CHUNKS transactions of PER_CHUNK documents."""
    ledger = open_ledger(url, archive=archive)
    numbers: list[str] = []
    try:
        for c in range(CHUNKS):
            with ledger.chunk() as batch:
                for i in range(PER_CHUNK):
                    doc = batch.plan("minutes", {**RECORD, "title": f"{worker}-{c}-{i}"},
                                     number_field="document_number")
                    blob = f"{worker}-{c}-{i} {doc.shown}".encode()
                    batch.add_files(doc, {"docx": (f"{doc.shown}.docx", batch.put(blob),
                                                   len(blob))})
                    numbers.append(doc.shown)
        return numbers
    finally:
        ledger.close()


def _issue_either(url: str, archive: str, worker: int) -> list[str]:
    return _issue_chunks(url, archive, worker) if worker % 2 else \
        _issue_many(url, archive, worker)


@pytest.mark.slow
def test_concurrent_chunks_and_single_issues_give_every_number_once(
        ledger_url: str, archive_dir: Path) -> None:
    """Two processes issuing in chunks and two one by one, at once: every number once,
    none skipped, each chunk's numbers consecutive in its order."""
    open_ledger(ledger_url, archive=archive_dir).close()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(_issue_either, [(ledger_url, str(archive_dir), w)
                                               for w in range(4)])
    total = 2 * EACH + 2 * CHUNKS * PER_CHUNK
    expected = [f"MIN-2026-{i:04}" for i in range(1, total + 1)]
    assert sorted(n for part in results for n in part) == expected  # no duplicate, no gap
    for worker in (1, 3):
        seqs = [int(n.rsplit("-", 1)[1]) for n in results[worker]]
        for c in range(CHUNKS):  # a chunk holds the series for its whole transaction
            chunk = seqs[c * PER_CHUNK:(c + 1) * PER_CHUNK]
            assert chunk == list(range(chunk[0], chunk[0] + PER_CHUNK))
    ledger = open_ledger(ledger_url, archive=archive_dir)
    rows = ledger.documents()
    assert sorted(r["number"] for r in rows) == expected
    for row in rows:
        files = ledger.files_of(row["id"])
        if row["number"] in results[1] + results[3]:
            (f,) = files
            assert ledger.archive.get(f["sha256"]).endswith(row["number"].encode())
    assert ledger.verify() == []
    ledger.close()


def test_a_failed_chunk_gives_all_its_numbers_back(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError):
        with ledger.chunk() as batch:
            for i in range(5):
                batch.plan("minutes", {**RECORD, "title": str(i)},
                           number_field="document_number")
            raise RuntimeError("render failed")
    assert ledger.documents() == []
    with ledger.chunk() as batch:
        docs = [batch.plan("minutes", {**RECORD, "title": str(i)},
                           number_field="document_number") for i in range(3)]
    assert [d.shown for d in docs] == ["MIN-2026-0001", "MIN-2026-0002", "MIN-2026-0003"]
    assert [r["number"] for r in ledger.documents()] == [d.shown for d in docs]


def test_a_chunk_revises_a_document_issued_earlier_in_it(ledger: Ledger) -> None:
    """Two records of one chunk carrying the same issued number: -R1 then -R2."""
    first = ledger.issue("minutes", {**RECORD, "title": "a"}, {"docx": b"a"},
                         number_field="document_number")
    with ledger.chunk() as batch:
        docs = [batch.plan("minutes", {**RECORD, "title": t, "document_number": first["number"]},
                           number_field="document_number") for t in ("b", "c")]
        fresh = batch.plan("minutes", {**RECORD, "title": "d"}, number_field="document_number")
    assert [d.shown for d in docs] == ["MIN-2026-0001-R1", "MIN-2026-0001-R2"]
    assert fresh.shown == "MIN-2026-0002"
    latest = ledger.document("MIN-2026-0001")
    assert latest is not None and latest["revision"] == 2 and latest["supersedes"] == docs[0].id


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
