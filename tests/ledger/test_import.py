"""docgen ledger import: an earlier batch's manifest.json recorded into the ledger."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from docgen.cli import main
from docgen.ledger import open_ledger
from tests.support import SAMPLES


def test_import_records_the_batch_once(tmp_path: Path, ledger_url: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = yaml.safe_load((SAMPLES / "minutes" / "ko.yaml").read_text(encoding="utf-8"))
    records = [{**base, "title": f"회의 {i}"} for i in range(3)]
    (tmp_path / "all.yaml").write_text(yaml.safe_dump(records, allow_unicode=True),
                                       encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(main, ["batch", "minutes", "all.yaml", "-o", "out", "-q", "-j", "1",
                                "--name", "m_{title}"])
    assert done.exit_code == 0, done.output  # no docgen.toml yet: no ledger, no drafts
    (tmp_path / "out" / "m_회의 2.docx").unlink()  # one file lost since
    url = sa.make_url(ledger_url)
    if url.password:
        monkeypatch.setenv("DOCGEN_LEDGER_PASSWORD", str(url.password))
        url = sa.URL.create(url.drivername, url.username, None, url.host, url.port, url.database)
    (tmp_path / "docgen.toml").write_text(
        f'[ledger]\nurl = "{url.render_as_string(hide_password=False)}"\n', encoding="utf-8")
    first = runner.invoke(main, ["ledger", "import", "out/manifest.json", "-l", "en"])
    assert first.exit_code == 0, first.output
    assert "3 document(s) recorded, 0 already" in first.output
    again = runner.invoke(main, ["ledger", "import", "out/manifest.json", "-l", "en"])
    assert "0 document(s) recorded, 3 already" in again.output
    ledger = open_ledger(ledger_url, archive=tmp_path / "archive")
    rows = ledger.documents()
    assert [r["number"] for r in rows] == ["m_회의 0", "m_회의 1", "m_회의 2"]
    assert {r["source"] for r in rows} == {"import"} and rows[0]["client"]
    record = json.loads(ledger.archive.get(rows[1]["record_sha256"]))
    assert record["title"] == "회의 1"
    assert [len(ledger.files_of(r["id"])) for r in rows] == [1, 1, 0]
    assert ledger.verify() == []
    ledger.close()
    bad = runner.invoke(main, ["ledger", "import", "all.yaml", "-l", "ko"])
    assert bad.exit_code == 1 and "manifest.json" in bad.output and "Traceback" not in bad.output
