"""render/batch --issue and drafts through the CLI, on both backends: numbers in the
documents, the draft mark, revisions, void, read back with python-docx/openpyxl."""
from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from docgen.cli import main
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
    import json
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["number"] for e in manifest["documents"]] == [r["number"] for r in rows]


def test_batch_without_issue_is_drafts(work: Path) -> None:
    done = CliRunner().invoke(main, ["batch", "minutes", "m.yaml", "-o", "out", "-q", "-j", "1"])
    assert done.exit_code == 0, done.output
    (out,) = (work / "out").glob("*.docx")
    assert "초안" in _text(out)
