"""render/batch --issue and drafts through the CLI, on both backends: numbers in the
documents, the draft mark, revisions, void, read back with python-docx/openpyxl."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from docgen.cli import main
from docgen.errors import OutputError, SourceLocation
from docgen.ledger import open_ledger
from tests.support import SAMPLES

MINUTES = yaml.safe_load((SAMPLES / "minutes" / "ko.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def work(tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with docgen.toml naming the test's ledger, as the working directory
    (a PostgreSQL password goes in $DOCGEN_LEDGER_PASSWORD, never in the file)."""
    url = sa.make_url(ledger_url)
    if url.password:
        monkeypatch.setenv("DOCGEN_LEDGER_PASSWORD", str(url.password))
        url = sa.URL.create(url.drivername, url.username, None, url.host, url.port, url.database)
    (tmp_path / "docgen.toml").write_text(
        f'[ledger]\nurl = "{url.render_as_string(hide_password=False)}"\narchive = "archive"\n'
        '[ledger.series]\nminutes = "MTG-{yy}-{seq:03}"\n', encoding="utf-8")
    record = {k: v for k, v in MINUTES.items() if k != "document_number"}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    return "\n".join(p.text for p in d.paragraphs)


def test_without_issue_the_output_is_a_draft_and_takes_no_number(work: Path, ledger_url: str) -> None:
    done = CliRunner().invoke(main, ["render", "minutes", "m.yaml", "-f", "docx,xlsx", "-o", "out"])
    assert done.exit_code == 0, done.output
    assert "초안" in _text(work / "out" / next(p.name for p in (work / "out").glob("*.docx")))
    (xlsx,) = (work / "out").glob("*.xlsx")
    sheet = openpyxl.load_workbook(xlsx).active
    assert any("초안" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    ledger = open_ledger(ledger_url, archive=work / "archive")
    assert ledger.documents() == []
    ledger.close()


def test_issue_numbers_records_and_marks_nothing(work: Path, ledger_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["render", "minutes", "m.yaml", "--issue", "-o", "out"])
    second = runner.invoke(main, ["render", "minutes", "m.yaml", "--issue", "-o", "out",
                                  "-f", "docx,xlsx"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    year = str(MINUTES["date"])[2:4]
    assert first.output.strip() == str(Path("out") / f"minutes_MTG-{year}-001.docx")
    assert second.output.split() == [str(Path("out") / f"minutes_MTG-{year}-002.{f}")
                                     for f in ("docx", "xlsx")]
    assert "초안" not in _text(work / "out" / f"minutes_MTG-{year}-001.docx")
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents(kind="minutes")
    assert [r["number"] for r in rows] == [f"MTG-{year}-001", f"MTG-{year}-002"]
    assert rows[0]["template_sha256"] and rows[0]["locale"] == "ko"
    (f,) = ledger.files_of(rows[0]["id"])
    assert ledger.archive.get(f["sha256"]) == (work / "out" / f["name"]).read_bytes()
    ledger.close()


def test_reissue_is_a_revision_and_void_keeps_the_number(work: Path, ledger_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["render", "minutes", "m.yaml", "--issue", "-o", "out"]).exit_code == 0
    year = str(MINUTES["date"])[2:4]
    number = f"MTG-{year}-001"
    corrected = yaml.safe_load((work / "m.yaml").read_text(encoding="utf-8"))
    corrected["document_number"] = number
    corrected["title"] = corrected["title"] + " (수정)"
    (work / "fix.yaml").write_text(yaml.safe_dump(corrected, allow_unicode=True), encoding="utf-8")
    done = runner.invoke(main, ["render", "minutes", "fix.yaml", "--issue", "-o", "out"])
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(f"minutes_{number}-R1.docx")
    assert (work / "out" / f"minutes_{number}.docx").is_file()  # the original stays
    voided = runner.invoke(main, ["void", number, "--reason", "회의 취소"])
    assert voided.exit_code == 0, voided.output
    again = runner.invoke(main, ["void", number, "--reason", "x"])
    assert again.exit_code == 1 and "이미" in again.output and "Traceback" not in again.output
    unknown = runner.invoke(main, ["void", "MTG-99-999", "--reason", "x", "-l", "zh-CN"])
    assert unknown.exit_code == 1 and "MTG-99-999" in unknown.output
    ledger = open_ledger(ledger_url, archive=work / "archive")
    latest = ledger.document(number)
    assert latest is not None and (latest["revision"], latest["status"]) == (1, "void")
    assert latest["void_reason"] == "회의 취소"
    ledger.close()


def test_issue_without_a_ledger_is_a_usage_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MINUTES, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["render", "minutes", "m.yaml", "--issue", "-l", "en"])
    assert done.exit_code == 2 and "[ledger]" in done.output
    assert not list(tmp_path.glob("*.docx"))


def test_batch_issue_numbers_in_record_order(work: Path, ledger_url: str) -> None:
    records = []
    for i in range(5):
        r = yaml.safe_load((work / "m.yaml").read_text(encoding="utf-8"))
        r["title"] = f"회의 {i}"
        records.append(r)
    (work / "all.yaml").write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    done = CliRunner().invoke(main, ["batch", "minutes", "all.yaml", "--issue", "-o", "out", "-q"])
    assert done.exit_code == 0, done.output
    year = str(MINUTES["date"])[2:4]
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == [f"MTG-{year}-{i:03}" for i in range(1, 6)]
    for i, row in enumerate(rows):
        assert f"회의 {i}" in ledger.archive.get(row["record_sha256"]).decode()
    ledger.close()
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["number"] for e in manifest["documents"]] == [r["number"] for r in rows]


def test_batch_without_issue_is_drafts(work: Path) -> None:
    done = CliRunner().invoke(main, ["batch", "minutes", "m.yaml", "-o", "out", "-q", "-j", "1"])
    assert done.exit_code == 0, done.output
    (out,) = (work / "out").glob("*.docx")
    assert "초안" in _text(out)


# --- batch --issue: group commit ------------------------------------------------------

def _minutes(work: Path, count: int, **fields: Any) -> Path:
    """``count`` minutes records (title 회의 0, 회의 1…) in one YAML list file."""
    base = yaml.safe_load((work / "m.yaml").read_text(encoding="utf-8"))
    records = [{**base, "title": f"회의 {i}", **fields} for i in range(count)]
    path = work / f"batch{count}.yaml"
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    return path


def _all_text(path: Path) -> str:
    """Every w:t of the body, tables, headers and footers (lxml over the package)."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
    with zipfile.ZipFile(path) as z:
        parts = [n for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")]
        return "\n".join("".join(t.text or "" for t in etree.fromstring(z.read(n)).iter(w))
                         for n in parts)


def _year() -> str:
    return str(MINUTES["date"])[2:4]


@pytest.mark.parametrize("stage", ["render", "sync"])
def test_a_failed_chunk_rolls_back_and_keeps_the_chunks_before_it(
        work: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Chunks of 3; the second fails (rendering its second document, or flushing it to
    disk): the first stays issued and complete, the second leaves no number, row, file
    or temporary file, the batch exits 4, and the next issue takes the next number."""
    import docgen.ledger.batch_issue as batch_issue

    monkeypatch.setattr(batch_issue, "ISSUE_CHUNK", 3)
    year = _year()
    if stage == "render":
        from docgen.api import render_templates as real

        def render(*args: Any, **kwargs: Any) -> dict[str, bytes]:
            if kwargs.get("number") == f"MTG-{year}-005":
                raise OutputError("cannot write the file: {detail}",
                                  SourceLocation(file="x.docx"), code="write",
                                  params={"detail": "disk full"})
            return real(*args, **kwargs)
        monkeypatch.setattr(batch_issue, "render_templates", render)
    else:
        calls: list[int] = []

        def sync(folders: Any) -> None:
            calls.append(1)
            if len(calls) == 2:
                raise OSError(5, "I/O error")
        monkeypatch.setattr(batch_issue, "sync_folders", sync)
        monkeypatch.setattr(batch_issue, "group_sync", lambda: True)
    data = _minutes(work, 7)
    done = CliRunner().invoke(main, ["batch", "minutes", str(data), "--issue", "-o", "out",
                                     "-q", "-j", "1", "-l", "en"])
    assert done.exit_code == 4, done.output
    assert "Traceback" not in done.output
    first = [f"MTG-{year}-{i:03}" for i in (1, 2, 3)]
    assert sorted(p.name for p in (work / "out").iterdir()) == sorted(
        [f"minutes_{n}.docx" for n in first] + ["manifest.json"])  # no .part file either
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [e.get("number") for e in manifest["documents"]] == first + [None] * 4
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == first
    for i, row in enumerate(rows):
        assert f"회의 {i}" in ledger.archive.get(row["record_sha256"]).decode()
        (f,) = ledger.files_of(row["id"])
        assert ledger.archive.get(f["sha256"]) == (work / "out" / f["name"]).read_bytes()
    assert ledger.verify() == []
    ledger.close()
    verified = CliRunner().invoke(main, ["archive", "verify", "-l", "en"])
    assert verified.exit_code == 0, verified.output  # objects left unreferenced are no problem
    again = CliRunner().invoke(main, ["render", "minutes", "m.yaml", "--issue", "-o", "out"])
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith(f"minutes_MTG-{year}-004.docx")  # given back


def test_batch_issue_with_workers_numbers_in_input_order(
        work: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """-j 2, chunks of 4: each number goes to the record in its input position, and each
    signoff sheet shows its own record's deliverable and its own number, no other."""
    import docgen.ledger.batch_issue as batch_issue

    monkeypatch.setattr(batch_issue, "ISSUE_CHUNK", 4)
    base = yaml.safe_load((SAMPLES / "signoff" / "ko.yaml").read_text(encoding="utf-8"))
    base.pop("document_number", None)
    records = [{**base, "deliverable": {**base["deliverable"], "title": f"납품물 {i}"}}
               for i in range(10)]
    (work / "s.yaml").write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    done = CliRunner().invoke(main, ["batch", "signoff", "s.yaml", "--issue", "-o", "out",
                                     "-q", "-j", "2"])
    assert done.exit_code == 0, done.output
    year = str(base["delivered_date"])[:4]
    numbers = [f"SGN-{year}-{i:04}" for i in range(1, 11)]
    listed = [line for line in done.output.splitlines() if line.startswith("out")]
    assert listed == [str(Path("out") / f"signoff_{n}.docx") for n in numbers]
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == numbers
    for i, (row, number) in enumerate(zip(rows, numbers)):
        record = json.loads(ledger.archive.get(row["record_sha256"]))
        assert (record["deliverable"]["title"], record["document_number"]) == \
            (f"납품물 {i}", number)
        text = _all_text(work / "out" / f"signoff_{number}.docx")
        assert f"납품물 {i}" in text and number in text and "초안" not in text
        assert not any(n in text for n in numbers if n != number)
        assert not any(f"납품물 {j}" in text for j in range(10) if j != i)
    ledger.close()
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["number"] for e in manifest["documents"]] == numbers


@pytest.mark.slow
def test_a_300_record_batch_is_archived_complete(work: Path, ledger_url: str) -> None:
    """Every document of a 300-record batch (two chunks, -j 2, docx and xlsx): its
    record and both files in the archive, byte for byte what was written."""
    data = _minutes(work, 300)
    done = CliRunner().invoke(main, ["batch", "minutes", str(data), "--issue", "-o", "out",
                                     "-q", "-j", "2", "-f", "docx,xlsx"])
    assert done.exit_code == 0, done.output
    year = _year()
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == [f"MTG-{year}-{i:03}" for i in range(1, 301)]
    for i, row in enumerate(rows):
        record = json.loads(ledger.archive.get(row["record_sha256"]))
        assert record["title"] == f"회의 {i}"
        found = {f["format"]: f for f in ledger.files_of(row["id"])}
        assert sorted(found) == ["docx", "xlsx"]
        for fmt, f in found.items():
            assert f["name"] == f"minutes_{row['number']}.{fmt}"
            blob = (work / "out" / f["name"]).read_bytes()
            assert ledger.archive.get(f["sha256"]) == blob and f["size"] == len(blob)
    assert ledger.verify() == []
    ledger.close()
    sheet = openpyxl.load_workbook(work / "out" / f"minutes_MTG-{year}-300.xlsx").active
    assert any("회의 299" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert not list((work / "out").glob(".docgen-*"))


def test_checks_in_a_chunk_see_its_earlier_documents(work: Path, ledger_url: str) -> None:
    """One chunk: the first minutes of job J names client A; a later one for J naming
    client B is refused (it must see the first, not yet committed). Without
    --keep-going nothing is issued; with it the refused record takes no number."""
    base = yaml.safe_load((work / "m.yaml").read_text(encoding="utf-8"))
    other = {**base["client"], "name": "다른고객"} if isinstance(base["client"], dict) \
        else "다른고객"
    records = [{**base, "title": "회의 0", "job_number": "JB-2026-0001"},
               {**base, "title": "회의 1", "job_number": "JB-2026-0001", "client": other},
               {**base, "title": "회의 2", "job_number": "JB-2026-0001"}]
    (work / "mixed.yaml").write_text(yaml.safe_dump(records, allow_unicode=True),
                                     encoding="utf-8")
    refused = CliRunner().invoke(main, ["batch", "minutes", "mixed.yaml", "--issue", "-o",
                                        "out", "-q", "-j", "1", "-l", "en"])
    assert refused.exit_code == 1 and "JB-2026-0001" in refused.output, refused.output
    assert not (work / "out").exists() or not list((work / "out").iterdir())
    ledger = open_ledger(ledger_url, archive=work / "archive")
    assert ledger.documents() == []
    ledger.close()
    done = CliRunner().invoke(main, ["batch", "minutes", "mixed.yaml", "--issue", "-o", "out",
                                     "-q", "-j", "1", "--keep-going", "-l", "en"])
    assert done.exit_code == 1 and "JB-2026-0001" in done.output, done.output  # said, and skipped
    year = _year()
    ledger = open_ledger(ledger_url, archive=work / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == [f"MTG-{year}-001", f"MTG-{year}-002"]
    titles = [json.loads(ledger.archive.get(r["record_sha256"]))["title"] for r in rows]
    assert titles == ["회의 0", "회의 2"]
    ledger.close()


def test_an_issued_document_shows_its_number(work: Path, ledger_url: str) -> None:
    # The number taken at issue is printed in the page header of the Word and Excel file
    # (minutes, brief and weekly have no number box of their own).
    done = CliRunner().invoke(main, ["render", "minutes", "m.yaml", "--issue", "-o", "out",
                                     "-f", "docx,xlsx"])
    assert done.exit_code == 0, done.output
    number = f"MTG-{_year()}-001"
    header = "\n".join(p.text for s in docx.Document(str(work / "out" / f"minutes_{number}.docx")).sections
                       for p in s.header.paragraphs)
    assert number in header
    sheet = openpyxl.load_workbook(work / "out" / f"minutes_{number}.xlsx").active
    assert number in (sheet.oddHeader.right.text or "")
    draft = CliRunner().invoke(main, ["render", "minutes", "m.yaml", "-o", "draft"])
    assert draft.exit_code == 0, draft.output
    (path,) = (work / "draft").glob("*.docx")
    assert "MTG-" not in _all_text(path)
