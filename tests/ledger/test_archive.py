"""The archive: content-addressed, read-only, append-only; verify finds what changed."""
from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from docgen.cli import main
from docgen.ledger import LedgerStorageError, open_ledger
from docgen.ledger.archive import Archive, sha256
from docgen.ledger.store import Ledger, network_filesystem

RECORD = {"title": "Kick-off", "date": dt.date(2026, 5, 4), "client": "Acme"}


def test_put_is_idempotent_and_read_only(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    digest = archive.put(b"hello")
    assert digest == sha256(b"hello") and archive.put(b"hello") == digest
    path = archive.path(digest)
    assert path.parent.name == digest[:2] and path.read_bytes() == b"hello"
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert list(archive.objects()) == [digest]  # no temporary file left behind


def test_verify_reports_missing_and_changed(ledger: Ledger) -> None:
    a = ledger.issue("minutes", RECORD, {"docx": b"one", "xlsx": b"two"},
                     number_field="document_number")
    assert ledger.verify() == []
    files = {f["format"]: f for f in ledger.files_of(a["id"])}
    docx = ledger.archive.path(files["docx"]["sha256"])
    os.chmod(docx, 0o644)
    docx.write_bytes(b"tampered")
    os.chmod(ledger.archive.path(files["xlsx"]["sha256"]), 0o644)
    ledger.archive.path(files["xlsx"]["sha256"]).unlink()
    found = {(p.number, p.name, p.state) for p in ledger.verify()}
    assert found == {("MIN-2026-0001", files["docx"]["name"], "changed"),
                     ("MIN-2026-0001", files["xlsx"]["name"], "missing")}


def test_archive_verify_command_exits_4_on_damage(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docgen.toml").write_text("[ledger]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", archive=tmp_path / "archive")
    row = ledger.issue("minutes", RECORD, {"docx": b"x"}, number_field="document_number")
    ledger.close()
    runner = CliRunner()
    ok = runner.invoke(main, ["archive", "verify", "-l", "en"])
    assert ok.exit_code == 0 and "1 document(s) checked" in ok.output
    record = Archive(tmp_path / "archive").path(row["record_sha256"])
    os.chmod(record, 0o644)
    record.unlink()
    bad = runner.invoke(main, ["archive", "verify", "-l", "ko"])
    assert bad.exit_code == 4
    assert "MIN-2026-0001: record: 없음" in bad.output and "오류" in bad.output


MOUNTS = """/dev/sda1 / ext4 rw 0 0
server:/export /mnt/team nfs4 rw 0 0
//nas/share /mnt/nas cifs rw 0 0
"""


def test_network_shares_are_recognised() -> None:
    assert network_filesystem(Path("/mnt/team/ledger.db"), MOUNTS) == "nfs4"
    assert network_filesystem(Path("/mnt/nas/a/ledger.db"), MOUNTS) == "cifs"
    assert network_filesystem(Path("/home/ae/ledger.db"), MOUNTS) is None
    assert network_filesystem(Path("/mnt/teamwork/ledger.db"), MOUNTS) is None
    assert network_filesystem(Path("\\\\nas\\share\\ledger.db")) == "UNC"


def test_sqlite_on_a_share_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docgen.ledger.store as store
    monkeypatch.setattr(store, "network_filesystem", lambda path, mounts=None: "cifs")
    with pytest.raises(LedgerStorageError) as caught:
        open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", archive=tmp_path / "a")
    assert caught.value.exit_code == 4 and "PostgreSQL" in str(caught.value)
    assert not (tmp_path / "ledger.db").exists()
