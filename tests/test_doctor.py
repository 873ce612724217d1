"""docgen doctor: what is missing, said in the user's language, with install commands.

The machine is changed from outside, as a user's would be: a PATH without soffice, a
FONTCONFIG_FILE that knows no fonts, a ledger URL to a port nobody listens on, a local
SMTP server (aiosmtpd) or none."""
from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from docgen.cli import main
from docgen.doctor import (EXIT_NOT_READY, MISSING, OK, WARN, check_font_aliases, check_fonts,
                           check_ledger, check_libreoffice, check_mail, check_output)
from docgen.profile import load_profile


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def no_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with fontconfig's tools and nothing else (so no soffice), in an empty
    working folder."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("fc-list", "fc-match"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("DOCGEN_SOFFICE", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fontconfig configured with no font folder at all."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    conf = tmp_path / "empty-fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig>\n'
                    f'  <cachedir>{tmp_path / "fc-cache"}</cachedir>\n</fontconfig>\n',
                    encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    return conf


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- LibreOffice ---------------------------------------------------------------------------

@pytest.mark.parametrize("code, words", [
    ("ko", ["찾을 수 없습니다", "LibreOffice(PDF 출력)", "준비 안 됨"]),
    ("en", ["not found: PDF output needs LibreOffice's soffice", "Not ready"]),
])
def test_no_soffice_is_missing_with_install_commands_for_each_platform(
        no_soffice: Path, runner: CliRunner, code: str, words: list[str]) -> None:
    result = run(runner, "doctor", "-l", code)
    assert result.exit_code == EXIT_NOT_READY
    lines = result.stdout.splitlines()
    soffice = next(i for i, line in enumerate(lines) if "LibreOffice" in line)
    assert lines[soffice].startswith("MISSING  ")
    hints = "\n".join(lines[soffice + 1:soffice + 4])
    assert "Debian/Ubuntu: sudo apt-get install libreoffice-writer libreoffice-calc" in hints
    assert "macOS: brew install --cask libreoffice" in hints
    assert "Windows: winget install -e --id TheDocumentFoundation.LibreOffice" in hints
    for word in words:
        assert word in result.stdout


def test_docgen_soffice_pointing_nowhere_is_named(no_soffice: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_SOFFICE", "/opt/nowhere/soffice")
    check = check_libreoffice()
    assert check.status == MISSING and check.needed
    assert check.message.params == {"path": "/opt/nowhere/soffice"}


def test_deep_converts_a_korean_and_chinese_test_document(soffice: str) -> None:
    check = check_libreoffice(deep=True)
    assert check.status == OK, check.message
    assert check.details["path"] and float(check.details["seconds"]) > 0
    assert any("CJK" in font for font in check.details["fonts"])  # the text got a CJK face


# --- fonts ---------------------------------------------------------------------------------

def test_no_cjk_fonts_are_missing_and_docgens_aliases_unused(no_fonts: Path) -> None:
    fonts = check_fonts()
    assert fonts.status == MISSING and fonts.needed
    assert "Noto Sans CJK KR" in fonts.message.params["fonts"]
    assert fonts.hints["debian"] == "sudo apt-get install fonts-noto-cjk"
    assert "brew install --cask font-noto-sans-cjk" in fonts.hints["macos"]
    assert "Language.Fonts.Kore" in fonts.hints["windows"]
    aliases = check_font_aliases()
    assert aliases.status == WARN and not aliases.needed
    assert aliases.message.params["path"] == str(no_fonts)


def test_no_cjk_fonts_in_the_cli_in_chinese(no_fonts: Path, no_soffice: Path,
                                            runner: CliRunner) -> None:
    result = run(runner, "doctor", "-l", "zh-TW")
    assert result.exit_code == EXIT_NOT_READY
    line = next(x for x in result.stdout.splitlines() if "中日韓（CJK）字型" in x)
    assert line.startswith("MISSING") and "找不到" in line


def test_this_machines_fonts_and_aliases_are_ok() -> None:
    if not (shutil.which("fc-match") and Path("/etc/fonts/fonts.conf").is_file()):
        pytest.skip("fontconfig is not set up here")
    if os.environ.get("FONTCONFIG_FILE"):
        pytest.skip("FONTCONFIG_FILE is set")
    fonts = check_fonts()
    if fonts.status != OK:
        if os.environ.get("CI"):
            pytest.fail(f"CI installs fonts-noto-cjk: {fonts.message}")
        pytest.skip("Noto CJK fonts are not installed")
    aliases = check_font_aliases()
    assert aliases.status == OK, aliases.message
    assert "바탕 → Noto Serif CJK KR" in aliases.message.params["found"]


# --- the ledger's database --------------------------------------------------------------------

def test_a_postgresql_ledger_on_a_closed_port_fails_quickly_and_clearly(
        tmp_path: Path, runner: CliRunner, no_soffice: Path) -> None:
    port = closed_port()
    (no_soffice / "docgen.toml").write_text(
        f'[ledger]\nurl = "postgresql://docgen@127.0.0.1:{port}/books"\narchive = "archive"\n',
        encoding="utf-8")
    profile = load_profile(no_soffice / "docgen.toml")
    start = time.monotonic()
    check = check_ledger(profile, timeout=2)
    assert check is not None and time.monotonic() - start < 5
    assert check.status == MISSING and check.needed
    assert check.message.params["url"] == f"postgresql://docgen@127.0.0.1:{port}/books"
    assert check.message.params["detail"]
    assert "postgresql" in check.hints["debian"]  # a local server: how to install one
    result = run(runner, "doctor", "--json", "--timeout", "2", "-l", "ko")
    assert result.exit_code == EXIT_NOT_READY
    report = json.loads(result.stdout)
    ledger = next(c for c in report["checks"] if c["name"] == "ledger")
    assert ledger["status"] == MISSING and ledger["message"].startswith(
        f"postgresql://docgen@127.0.0.1:{port}/books에 연결할 수 없습니다")


def test_a_sqlite_ledger_folder_that_can_take_files_is_ok(tmp_path: Path) -> None:
    (tmp_path / "docgen.toml").write_text('[ledger]\nurl = "sqlite:///books.db"\n',
                                          encoding="utf-8")
    check = check_ledger(load_profile(tmp_path / "docgen.toml"), timeout=2)
    assert check is not None and check.status == OK
    assert not (tmp_path / "books.db").exists()  # checking creates nothing


def test_no_ledger_no_ledger_check(tmp_path: Path) -> None:
    from docgen.profile import Profile
    assert check_ledger(Profile(), timeout=1) is None


# --- SMTP ---------------------------------------------------------------------------------------

@pytest.fixture
def smtp_server() -> Iterator[int]:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    port = closed_port()
    controller = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _mail_profile(tmp_path: Path, port: int, security: str = "none") -> Any:
    (tmp_path / "docgen.toml").write_text(
        f'[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        'user = "ae"\npassword_env = "DOCGEN_TEST_SMTP_PASSWORD"\n', encoding="utf-8")
    return load_profile(tmp_path / "docgen.toml")


def test_an_smtp_server_that_answers_ehlo_is_ok_without_logging_in(
        smtp_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_TEST_SMTP_PASSWORD", raising=False)
    check = check_mail(_mail_profile(tmp_path, smtp_server), timeout=3, deep=False)
    assert check is not None
    assert check.status == OK, check.message
    assert check.message.params["code"] == 250
    assert "login not tried" in check.message.message


def test_deep_tries_the_login_and_says_why_it_failed(
        smtp_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_TEST_SMTP_PASSWORD", raising=False)
    check = check_mail(_mail_profile(tmp_path, smtp_server), timeout=3, deep=True)
    assert check is not None and check.status == MISSING
    assert check.message.params.get("env") == "DOCGEN_TEST_SMTP_PASSWORD"  # no password
    monkeypatch.setenv("DOCGEN_TEST_SMTP_PASSWORD", "secret")
    check = check_mail(_mail_profile(tmp_path, smtp_server), timeout=3, deep=True)
    assert check is not None and check.status == MISSING  # this server offers no AUTH
    assert "secret" not in str(check.message.params)


def test_an_smtp_server_that_is_not_there_is_missing(tmp_path: Path) -> None:
    start = time.monotonic()
    check = check_mail(_mail_profile(tmp_path, closed_port()), timeout=2, deep=False)
    assert check is not None and check.status == MISSING and check.needed
    assert time.monotonic() - start < 5
    assert check.message.params["server"].startswith("127.0.0.1:")


def test_starttls_to_a_server_without_it_is_reported(smtp_server: int, tmp_path: Path,
                                                     runner: CliRunner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    profile = _mail_profile(tmp_path, smtp_server, "starttls")
    check = check_mail(profile, timeout=3, deep=False)
    assert check is not None and check.status == MISSING
    assert "STARTTLS" in check.message.message
    monkeypatch.chdir(tmp_path)
    result = run(runner, "doctor", "--json", "-l", "ko")
    mail = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "mail")
    assert mail["status"] == MISSING and "STARTTLS" in mail["message"]
    assert result.exit_code == EXIT_NOT_READY


def test_no_mail_section_no_mail_check() -> None:
    from docgen.profile import Profile
    assert check_mail(Profile(), timeout=1, deep=True) is None


# --- the output folder and the whole report -----------------------------------------------------

def test_an_output_folder_under_a_file_is_missing(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    check = check_output(blocker / "out")
    assert check.status == MISSING and check.needed
    assert check_output(tmp_path / "new" / "folder").status == OK
    assert not (tmp_path / "new").exists()


def test_json_report_shape(no_soffice: Path, runner: CliRunner) -> None:
    result = run(runner, "doctor", "--json", "-l", "zh-CN")
    assert result.exit_code == EXIT_NOT_READY
    report = json.loads(result.stdout)
    assert report["ready"] is False and report["exit_code"] == EXIT_NOT_READY
    names = [c["name"] for c in report["checks"]]
    assert names[0] == "libreoffice" and "output" in names and "ledger" not in names
    for check in report["checks"]:
        assert set(check) == {"name", "title", "status", "needed", "message", "hints",
                              "details"}
        assert check["status"] in (OK, WARN, MISSING)
    soffice = report["checks"][0]
    assert soffice["status"] == MISSING and "未找到" in soffice["message"]
    assert set(soffice["hints"]) == {"debian", "macos", "windows"}


def test_a_ready_machine_exits_0(soffice: str, runner: CliRunner, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "doctor", "-l", "en")
    fonts_ok = check_fonts().status == OK
    if not fonts_ok and not os.environ.get("CI"):
        pytest.skip("Noto CJK fonts are not installed")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("Ready:")
    assert result.stdout.splitlines()[0].startswith("OK       LibreOffice")
