"""docgen send: e-mails of weekly reports built, parsed back, sent to a local SMTP server.

Messages are read back with the standard library's parser (``policy.default``), the
attachments with python-docx (and pdftotext for PDFs); SMTP runs against aiosmtpd on
127.0.0.1. The ledger half runs on SQLite, and on PostgreSQL when
$DOCGEN_TEST_POSTGRES_URL is set.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import socket
import subprocess
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator, Optional

import docx
import pytest
import yaml
from aiosmtpd.controller import Controller

from docgen.cli import main
from docgen.errors import ValidationFailed
from docgen.kinds import get as get_kind
from docgen.mail import run as mail_run
from docgen.mail.message import Attachment, build_message, encoded_words, message_bytes
from docgen.mail.sentlog import SENDING, SentLog
from docgen.mail.settings import parse_address
from docgen.mail.smtp import SmtpSender
from docgen.profile import LedgerSettings, ProfileInvalid, load_profile
from tests.ledger.conftest import backend, ledger_url  # noqa: F401  (fixtures)

WEEK = "2026-11-16"  # reported week: Mon 16 – Sun 22 November; due Mon 23 Nov 12:00
BEFORE_DUE = "2026-11-23T11:59"
AFTER_DUE = "2026-11-23T12:00"
EN = {"DOCGEN_LOCALE": "en"}  # messages in English; each record keeps its own locale

CLIENTS_KO = ["한빛전자", "누리식품", "가람건설", "다온화장품", "미래은행", "새봄출판", "온누리여행"]
CLIENTS_ZH = ["上海星辰", "北京华夏", "广州岭南", "深圳前海", "杭州西湖", "成都天府", "南京金陵"]
CLIENTS_TW = ["臺北晨曦", "新竹科技", "臺中綠地", "高雄港灣"]
CLIENTS_EN = ["Northline Sports", "Bluewater Foods", "Cedar Labs", "Orbit Telecom"]


# --- fixtures -------------------------------------------------------------------------

class Recorder:
    """aiosmtpd handler: keeps every accepted envelope; can refuse on cue."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt: dict[str, str] = {}  # address -> reply
        self.temporary_rcpt: list[str] = []  # replies for the next RCPTs, then fine
        self.temporary_data: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        if self.temporary_rcpt:
            return self.temporary_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.temporary_data:
            return self.temporary_data.pop(0)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos),
                               bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        out = []
        for _, rcpts, data in self.envelopes:
            msg = message_from_bytes(data, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append((rcpts, msg))
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _toml(tmp: Path, port: int = 2525, *, security: str = "none", extra: str = "") -> Path:
    path = tmp / "docgen.toml"
    path.write_text(f'''
[company]
name = {{ ko = "한빛애드", zh-CN = "韩光广告", zh-TW = "韓光廣告", en = "Hanbit Ad" }}
email = "ae@hanbit.example"

[mail]
from = "이소라 <sora@hanbit.example>"
cc = ["daniel@hanbit.example"]
reply_to = "ae-team@hanbit.example"
timezone = "Asia/Seoul"

[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
{extra}
''', encoding="utf-8")
    return path


def _record(client: str, email: str, locale: str, n: int = 0, **more: Any) -> dict[str, Any]:
    return {"client": {"name": client, "email": email, "contact": f"{client} 담당 {n}"},
            "locale": locale, "week_start": WEEK, "author": "이소라",
            "project": f"{client} 캠페인",
            "tasks": [{"task": f"{client} 전용 작업 M{n:03d}", "status": "done"},
                      {"task": f"{client} 다음 주 계획", "status": "planned"}], **more}


def _clients() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for names, loc in ((CLIENTS_KO, "ko"), (CLIENTS_ZH, "zh-CN"), (CLIENTS_TW, "zh-TW"),
                       (CLIENTS_EN, "en")):
        for name in names:
            out.append((name, f"client{len(out):02d}@c{len(out):02d}.example", loc))
    return out


def _data(tmp: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp / "weekly.yaml"
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    return path


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _plain_body(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None, "no text/plain body"
    return str(body.get_content())


def _filename(part: EmailMessage) -> str:
    name = part.get_filename()
    assert name is not None, "an attachment without a file name"
    return name


def _attachments(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.iter_attachments() if isinstance(p, EmailMessage)]


def _fast_sender(settings: Any, password: Optional[str]) -> SmtpSender:
    return SmtpSender(settings, password=password, retries=2, backoff=0.0)


# --- building and parsing back --------------------------------------------------------

def test_message_headers_decode_cjk_and_name_both_ways() -> None:
    name = "주간 업무 보고_한빛전자_上海星辰_2026-11-16.pdf"
    msg = build_message(
        sender=parse_address("이소라 <sora@hanbit.example>"),
        to=[parse_address('"김민지, 마케팅" <minji@hanbit-elec.example>')],
        cc=[parse_address("王伟 <wang@xingchen.example>")], bcc=[], reply_to=[],
        subject="한빛전자 주간 업무 보고 - 2026년 11월 3주차 工作周报", body="본문\n둘째 줄 <b>&",
        attachments=[Attachment(name, b"%PDF-1.4 test")],
        message_id="<weekly.2026-11-16.abc@hanbit.example>",
        date=dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc), draft=False)
    raw = message_bytes(msg)
    assert raw.isascii()  # 7-bit clean: every non-ASCII header encoded, bodies base64
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    back = message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == "한빛전자 주간 업무 보고 - 2026년 11월 3주차 工作周报"
    (to,) = back["To"].addresses
    assert (to.display_name, to.addr_spec) == ("김민지, 마케팅", "minji@hanbit-elec.example")
    assert back["Cc"].addresses[0].display_name == "王伟"
    assert back["From"].addresses[0].display_name == "이소라"
    assert back["Message-ID"] == "<weekly.2026-11-16.abc@hanbit.example>"
    assert back["Date"].datetime == dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
    assert "X-Unsent" not in back and "Bcc" not in back
    (part,) = _attachments(back)
    # RFC 2047 name= on Content-Type, RFC 2231 filename*= on Content-Disposition
    text = raw.decode("ascii")
    assert 'name="=?UTF-8?B?' in text
    assert "filename*=UTF-8''%EC%A3%BC%EA%B0%84" in text
    assert part.get_filename() == name
    assert part.get_param("name") == name
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == b"%PDF-1.4 test"
    html = back.get_body(("html",))
    assert html is not None and "&lt;b&gt;&amp;" in html.get_content()
    plain = back.get_body(("plain",))
    assert plain is not None and plain.get_content().splitlines()[1] == "둘째 줄 <b>&"


def test_encoded_words_stay_short_and_whole() -> None:
    words = encoded_words("가" * 100)
    assert all(len(w) <= 75 for w in words) and len(words) > 3
    import base64
    assert "".join(base64.b64decode(w[10:-2]).decode() for w in words) == "가" * 100


def test_drafts_one_per_client_in_its_language(tmp_path: Path, runner: Any) -> None:
    toml = _toml(tmp_path)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("上海星辰", "li@xc.example", "zh-CN", 1),
                            _record("臺北晨曦", "chen@tp.example", "zh-TW", 2),
                            _record("Northline Sports", "emma@nl.example", "en", 3)])
    out = tmp_path / "out"
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(out), "--config", str(toml)])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.eml"))
    assert [f.name for f in files] == sorted([
        "Weekly Report_Northline Sports_2026-11-16.eml", "주간 업무 보고_한빛전자_2026-11-16.eml",
        "工作周报_上海星辰_2026-11-16.eml", "工作週報_臺北晨曦_2026-11-16.eml"])
    subjects = {}
    for f in files:
        msg = message_from_bytes(f.read_bytes(), policy=policy.default)
        assert msg["X-Unsent"] == "1"  # Outlook opens it as a draft
        assert [a.addr_spec for a in msg["Cc"].addresses] == ["daniel@hanbit.example"]
        assert msg["Reply-To"].addresses[0].addr_spec == "ae-team@hanbit.example"
        (part,) = _attachments(msg)
        assert part.get_filename() == f.stem + ".docx"
        subjects[msg["To"].addresses[0].addr_spec] = (msg["Subject"], _plain_body(msg))
    assert subjects["kim@elec.example"][0] == \
        "한빛전자 주간 업무 보고 - 2026년 11월 3주차 (2026. 11. 16. ~ 11. 22.)"
    assert "한빛전자 담당 0님께" in subjects["kim@elec.example"][1]
    assert subjects["li@xc.example"][0].startswith("上海星辰 工作周报 - 2026年第47周")
    assert "请查收" in subjects["li@xc.example"][1] and "韩光广告" in subjects["li@xc.example"][1]
    assert "工作週報" in subjects["chen@tp.example"][0] and "敬請查收" in subjects["chen@tp.example"][1]
    assert subjects["emma@nl.example"][0].startswith("Northline Sports weekly report - Week 47")
    # nothing overwritten without --force; all-or-nothing
    again = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                 str(out), "--config", str(toml)], env=EN)
    assert again.exit_code == 4 and "file exists" in again.output
    forced = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(out), "--config", str(toml), "--force"])
    assert forced.exit_code == 0, forced.output


def test_profile_templates_override_per_locale(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "body.txt").write_text("BODY {{ client }} {{ week_label }}\n", encoding="utf-8")
    toml = _toml(tmp_path, extra='')
    text = toml.read_text(encoding="utf-8").replace(
        'timezone = "Asia/Seoul"',
        'timezone = "Asia/Seoul"\ntemplates = "mail"\n'
        'subject = { ko = "[보고] {{ client }}", en = "[Report] {{ client|upper }}" }')
    toml.write_text(text, encoding="utf-8")
    profile = load_profile(toml)
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("Cedar Labs", "c@cedar.example", "en", 1)])
    report = mail_run.send_reports(kind=kind, data=data, profile=profile,
                                   out_dir=tmp_path / "out", attach=["docx"])
    msgs = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in report.drafts]
    assert [m["Subject"] for m in msgs] == ["[보고] 한빛전자", "[Report] CEDAR LABS"]
    body = _plain_body(msgs[0])
    assert body.replace("\r\n", "\n") == "BODY 한빛전자 2026년 11월 3주차\n"  # CRLF: MIME text


def test_sandbox_and_unknown_names_in_templates(tmp_path: Path, runner: Any) -> None:
    toml = _toml(tmp_path)
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'timezone = "Asia/Seoul"',
        'timezone = "Asia/Seoul"\nsubject = "{{ clinet }} {{ \'\'.__class__.__mro__ }}"'),
        encoding="utf-8")
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(tmp_path / "out"), "--config", str(toml)], env=EN)
    assert result.exit_code == 3, result.output
    assert "e-mail template" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_no_header_injection(tmp_path: Path, runner: Any) -> None:
    toml = _toml(tmp_path)
    bad = _record("한빛전자", "kim@elec.example", "ko")
    bad["client"]["contact"] = "김민지\r\nBcc: evil@attacker.example"
    two = _record("누리식품", "kim@elec.example\nBcc: evil@attacker.example", "ko", 1)
    data = _data(tmp_path, [bad, two])
    out = tmp_path / "out"
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(out), "--config", str(toml)], env=EN)
    assert result.exit_code == 1, result.output
    assert "line break in a value that goes into an e-mail header" in result.output
    assert "is not an e-mail address" in result.output
    assert "client.contact" in result.output and "nothing was written" in result.output
    assert not out.exists() or not list(out.iterdir())
    # a line break in text a template prints into the subject is folded away
    rec = _record("가람건설", "ga@ram.example", "ko", 2)
    rec["client"]["name"] = "가람건설"
    rec["project"] = "봄 캠페인\nBcc: evil@attacker.example"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'timezone = "Asia/Seoul"', 'timezone = "Asia/Seoul"\nsubject = "{{ project }}"'),
        encoding="utf-8")
    data = _data(tmp_path, [rec])
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(out), "--config", str(toml)])
    assert result.exit_code == 0, result.output
    (eml,) = out.glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "봄 캠페인 Bcc: evil@attacker.example"
    assert "Bcc" not in msg and b"\nBcc:" not in eml.read_bytes()


def test_missing_address_is_located(tmp_path: Path, runner: Any) -> None:
    toml = _toml(tmp_path)
    rec = _record("한빛전자", "", "ko")
    del rec["client"]["email"]
    data = _data(tmp_path, [_record("누리식품", "nu@ri.example", "ko", 1), rec])
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(tmp_path / "out"), "--config", str(toml)], env=EN)
    assert result.exit_code == 1
    assert "weekly.yaml:" in result.output and "no e-mail address for 한빛전자" in result.output
    # the profile may give a client's addresses
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[mail.clients."한빛 전자"]\n'
                    'to = ["kim@elec.example"]\ncc = ["boss@elec.example"]\n', encoding="utf-8")
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(tmp_path / "out"), "--config", str(toml)])
    assert result.exit_code == 0, result.output
    eml = next((tmp_path / "out").glob("*한빛전자*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "kim@elec.example"
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["daniel@hanbit.example",
                                                          "boss@elec.example"]


def test_group_by_sheet_is_read_as_batch_reads_it(tmp_path: Path, runner: Any) -> None:
    sheet = tmp_path / "weekly.csv"
    sheet.write_text(
        "client.name,client.email,week_start,author,tasks.task,tasks.status\n"
        "한빛전자,kim@elec.example,2026-11-16,이소라,광고 집행,done\n"
        "한빛전자,kim@elec.example,2026-11-16,이소라,보고서 작성,planned\n"
        "누리식품,nu@ri.example,2026-11-16,이소라,촬영,in_progress\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, ["send", "weekly", str(sheet), "--group-by", "client.name",
                                  "--attach", "docx", "-o", str(out), "--config",
                                  str(_toml(tmp_path))])
    assert result.exit_code == 0, result.output
    emls = sorted(out.glob("*.eml"))
    assert len(emls) == 2
    msg = message_from_bytes(next(e for e in emls if "한빛" in e.name).read_bytes(),
                             policy=policy.default)
    text = _docx_text(_attachments(msg)[0].get_content())
    assert "광고 집행" in text and "보고서 작성" in text and "촬영" not in text


def test_profile_mail_section_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "docgen.toml"
    path.write_text('''[mail]
from = "not an address"
timezone = "Mars/Olympus"
subjekt = "x"
body = { ko = "{% if %}" }

[mail.smtp]
host = "smtp.example.com"
security = "none"
password = "hunter2"

[mail.clients."ACME"]
to = ["ok@acme.example", "bad@@acme"]
''', encoding="utf-8")
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(path)
    found = {(p.location.line if p.location else None, p.code)
             for p in caught.value.problems}
    text = "\n".join(p.localized(lambda s: s) for p in caught.value.problems)
    assert "'not an address' is not an e-mail address" in text
    assert "unknown time zone 'Mars/Olympus'" in text
    assert "subjekt" in text and "did you mean 'subject'" in text
    assert "mail.body: the template cannot be read" in text
    assert 'security = "none" sends in clear text' in text
    assert "password" in text and "'bad@@acme' is not an e-mail address" in text
    assert {line for line, _ in found} >= {2, 3, 4, 5, 9, 10, 13}


# --- isolation across clients -----------------------------------------------------------

@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "workers"])
def test_twenty_clients_each_get_only_their_own_report(tmp_path: Path,
                                                        smtp_server: tuple[Recorder, int],
                                                        parallel: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    handler, port = smtp_server
    # messages are built in worker processes from PARALLEL_FROM reports on
    monkeypatch.setattr(mail_run, "PARALLEL_FROM", 2 if parallel else 10 ** 6)
    clients = _clients()
    assert len(clients) >= 20
    profile = load_profile(_toml(tmp_path, port))
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record(n, e, loc, i) for i, (n, e, loc) in enumerate(clients)])
    report = mail_run.send_reports(kind=kind, data=data, profile=profile,
                                   out_dir=tmp_path / "out", attach=["docx"], smtp=True,
                                   sender_factory=_fast_sender)
    assert len(report.sent) == len(clients) and not report.failed
    received = handler.messages()
    assert len(received) == len(clients)
    names = [n for n, _, _ in clients]
    seen = set()
    for rcpts, msg in received:
        (to,) = msg["To"].addresses
        i = next(i for i, (_, e, _) in enumerate(clients) if e == to.addr_spec)
        own, email, _ = clients[i]
        seen.add(own)
        assert sorted(rcpts) == sorted([email, "daniel@hanbit.example"])
        assert own in msg["Subject"]
        (part,) = _attachments(msg)
        assert own in _filename(part)
        text = _docx_text(part.get_content())
        assert f"M{i:03d}" in text and own in text
        others = [n for n in names if n != own and n in text]
        assert not others, (own, others)
        assert not [n for n in names if n != own and n in msg["Subject"]]
        body = _plain_body(msg)
        assert not [n for n in names if n != own and n in body]
    assert seen == set(names)


def test_pdf_attachments_name_only_their_client(tmp_path: Path, soffice: str,
                                                pdftotext: str) -> None:
    clients = _clients()[:21]
    profile = load_profile(_toml(tmp_path))
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record(n, e, loc, i) for i, (n, e, loc) in enumerate(clients)])
    report = mail_run.send_reports(kind=kind, data=data, profile=profile,
                                   out_dir=tmp_path / "out", attach=["pdf", "docx"])
    assert len(report.drafts) == len(clients)
    names = [n for n, _, _ in clients]
    for path in report.drafts:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        to = msg["To"].addresses[0].addr_spec
        i = next(i for i, (_, e, _) in enumerate(clients) if e == to)
        pdf, word = _attachments(msg)
        assert pdf.get_content_type() == "application/pdf"
        assert _filename(pdf).endswith(".pdf") and clients[i][0] in _filename(pdf)
        target = tmp_path / f"{i}.pdf"
        target.write_bytes(pdf.get_content())
        text = subprocess.run([pdftotext, str(target), "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")
        squeezed = "".join(text.split())
        assert f"M{i:03d}" in squeezed and "".join(clients[i][0].split()) in squeezed
        assert not [n for n in names if n != clients[i][0] and "".join(n.split()) in squeezed]


# --- SMTP ------------------------------------------------------------------------------

def test_smtp_retry_after_temporary_failures(tmp_path: Path,
                                             smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    handler.temporary_rcpt = ["451 4.3.0 greylisted, try again"]
    handler.temporary_data = ["452 4.3.1 insufficient storage"]
    profile = load_profile(_toml(tmp_path, port))
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    report = mail_run.send_reports(kind=kind, data=data, profile=profile,
                                   out_dir=tmp_path / "out", attach=["docx"], smtp=True,
                                   sender_factory=_fast_sender)
    assert [p.client for p in report.sent] == ["한빛전자"] and not report.failed
    assert len(handler.envelopes) == 1  # delivered once, after two temporary refusals
    log = [json.loads(line) for line in (tmp_path / "out" / "sent-log.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert [e["state"] for e in log] == ["sending", "sent"]
    assert log[1]["message_id"] == handler.messages()[0][1]["Message-ID"]
    assert log[1]["recipients"] == ["kim@elec.example", "daniel@hanbit.example"]


def test_smtp_gives_up_after_retries(tmp_path: Path, smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    handler.temporary_data = ["451 4.3.0 later"] * 5
    profile = load_profile(_toml(tmp_path, port))
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("누리식품", "nu@ri.example", "ko", 1)])
    report = mail_run.send_reports(kind=kind, data=data, profile=profile,
                                   out_dir=tmp_path / "out", attach=["docx"], smtp=True,
                                   sender_factory=_fast_sender)
    (failed, exc), = report.failed
    assert failed.client == "한빛전자" and "failed 3 time(s)" in exc.message
    assert [p.client for p in report.not_attempted] == ["누리식품"]  # the server is down
    assert handler.envelopes == []


def test_permanent_refusal_of_one_recipient(tmp_path: Path, runner: Any,
                                            smtp_server: tuple[Recorder, int]) -> None:
    """A refused recipient: that client's message goes to no one (never to a part of
    its recipients); the other clients' messages are sent; exit 4."""
    handler, port = smtp_server
    handler.refuse_rcpt["gone@nuri.example"] = "550 5.1.1 no such user"
    toml = _toml(tmp_path, port)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("누리식품", "gone@nuri.example, ok@nuri.example", "ko", 1),
                            _record("가람건설", "ga@ram.example", "ko", 2)])
    out = tmp_path / "out"
    args = ["send", "weekly", str(data), "--attach", "docx", "-o", str(out), "--config",
            str(toml), "--smtp"]
    result = runner.invoke(main, args, env=EN)
    assert result.exit_code == 4, result.output
    assert "refused the recipient gone@nuri.example: 550 5.1.1 no such user" in result.output
    assert "누리식품 (2026-11-16)" in result.output and "sent to no one" in result.output
    assert "2 sent, 0 already sent, 0 not due yet, 1 failed" in result.output
    assert sorted(m["To"].addresses[0].addr_spec for _, m in handler.messages()) == [
        "ga@ram.example", "kim@elec.example"]
    assert all("ok@nuri.example" not in r for r, _ in handler.messages())
    # a rerun sends only the failed one (once its address is fixed)
    handler.refuse_rcpt.clear()
    again = runner.invoke(main, args, env=EN)
    assert again.exit_code == 0, again.output
    assert "1 sent, 2 already sent" in again.output
    assert len(handler.envelopes) == 3


def test_starttls_required_but_not_offered(tmp_path: Path, runner: Any,
                                           smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    toml = _toml(tmp_path, port, security="starttls")
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("누리식품", "nu@ri.example", "ko", 1)])
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(tmp_path / "out"), "--config", str(toml), "--smtp"], env=EN)
    assert result.exit_code == 4, result.output
    assert f"127.0.0.1:{port} does not offer STARTTLS" in result.output
    assert "nothing was sent in clear text" in result.output
    assert "not sent (the run stopped): 누리식품" in result.output
    assert handler.envelopes == []


def test_password_only_from_the_environment(tmp_path: Path, runner: Any,
                                            smtp_server: tuple[Recorder, int],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    handler, port = smtp_server
    toml = _toml(tmp_path, port, extra='user = "sora"\npassword_env = "TEST_SMTP_PW"')
    monkeypatch.delenv("TEST_SMTP_PW", raising=False)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    result = runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                  str(tmp_path / "out"), "--config", str(toml), "--smtp"], env=EN)
    assert result.exit_code == 4
    assert "no SMTP password: set the environment variable TEST_SMTP_PW" in result.output
    assert handler.envelopes == []
    help_text = runner.invoke(main, ["send", "--help"]).output
    assert "--password" not in help_text


# --- --due: idempotent, hourly --------------------------------------------------------

def _due_run(runner: Any, data: Path, toml: Path, out: Path, now: str,
             *more: str) -> Any:
    return runner.invoke(main, ["send", "weekly", str(data), "--attach", "docx", "-o",
                                str(out), "--config", str(toml), "--smtp", "--due",
                                "--now", now, *more], env=EN)


def test_due_with_sent_log_sends_once(tmp_path: Path, runner: Any,
                                      smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    toml = _toml(tmp_path, port)
    later = _record("누리식품", "nu@ri.example", "ko", 1, week_start="2026-11-23")
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"), later])
    out = tmp_path / "out"
    early = _due_run(runner, data, toml, out, BEFORE_DUE)
    assert early.exit_code == 0, early.output
    assert "0 sent, 0 already sent, 2 not due yet" in early.output and not handler.envelopes
    first = _due_run(runner, data, toml, out, AFTER_DUE)
    assert first.exit_code == 0, first.output
    assert "1 sent, 0 already sent, 1 not due yet" in first.output
    second = _due_run(runner, data, toml, out, "2026-11-23T13:00")
    assert second.exit_code == 0, second.output
    assert "0 sent, 1 already sent, 1 not due yet" in second.output
    assert len(handler.envelopes) == 1
    # an aware --now is read in [mail] timezone (Asia/Seoul): 03:00 UTC is noon there
    third = _due_run(runner, data, toml, out, "2026-11-30T03:00+00:00")
    assert "1 sent, 1 already sent, 0 not due yet" in third.output
    assert len(handler.envelopes) == 2


def test_due_unconfirmed_is_reported_not_resent(tmp_path: Path, runner: Any,
                                                smtp_server: tuple[Recorder, int]) -> None:
    """A run that stopped between the server's accept and the record leaves 'sending':
    the next run says so and sends nothing, unless --retry-unconfirmed."""
    handler, port = smtp_server
    toml = _toml(tmp_path, port)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    out = tmp_path / "out"
    crashed = {"done": False}
    real_finish = SentLog.finish

    def crash(self: SentLog, entry: Any, state: str, *, detail: Optional[str] = None) -> None:
        if not crashed["done"]:
            crashed["done"] = True
            raise KeyboardInterrupt  # the process dies right after the server's 250
        real_finish(self, entry, state, detail=detail)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SentLog, "finish", crash)
        killed = _due_run(runner, data, toml, out, AFTER_DUE)
    assert killed.exit_code == 130
    assert len(handler.envelopes) == 1
    states = SentLog.open(out)
    try:
        assert [e.state for e in states.states().values()] == [SENDING]
    finally:
        states.close()
    rerun = _due_run(runner, data, toml, out, "2026-11-23T13:00")
    assert rerun.exit_code == 4
    assert "an earlier run may have sent it" in rerun.output
    assert len(handler.envelopes) == 1
    retry = _due_run(runner, data, toml, out, "2026-11-23T14:00", "--retry-unconfirmed")
    assert retry.exit_code == 0, retry.output
    assert len(handler.envelopes) == 2
    # the same report keeps its Message-ID (a receiving server can drop the duplicate)
    ids = {m["Message-ID"] for _, m in handler.messages()}
    assert len(ids) == 1


def test_due_with_ledger_sends_once(tmp_path: Path, ledger_url: str,  # noqa: F811
                                    smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    profile = load_profile(_toml(tmp_path, port))
    profile = dataclasses.replace(profile, ledger=LedgerSettings(
        url=ledger_url, archive=tmp_path / "archive"))
    kind = get_kind("weekly", profile)
    assert kind is not None
    clients = _clients()[:5]
    data = _data(tmp_path, [_record(n, e, loc, i) for i, (n, e, loc) in enumerate(clients)])

    def run(now: str) -> mail_run.SendReport:
        return mail_run.send_reports(kind=kind, data=data, profile=profile,
                                     out_dir=tmp_path / "out", attach=["docx"], smtp=True,
                                     due=True, now=dt.datetime.fromisoformat(now),
                                     sender_factory=_fast_sender)

    assert len(run(BEFORE_DUE).not_due) == 5
    first = run(AFTER_DUE)
    assert len(first.sent) == 5 and first.log == ledger_url
    second = run("2026-11-23T15:00")
    assert (len(second.sent), len(second.already_sent)) == (0, 5)
    assert len(handler.envelopes) == 5
    assert not (tmp_path / "out" / "sent-log.jsonl").exists()
    from docgen.ledger import open_ledger
    import sqlalchemy as sa
    from docgen.ledger.schema import mail_sent
    ledger = open_ledger(ledger_url, archive=tmp_path / "archive")
    try:
        with ledger.reading() as conn:
            rows = conn.execute(sa.select(mail_sent).order_by(mail_sent.c.id)).mappings().all()
    finally:
        ledger.close()
    assert [r["state"] for r in rows] == ["sent"] * 5
    assert [r["client"] for r in rows] == [n for n, _, _ in clients]
    ids = {m["Message-ID"] for _, m in handler.messages()}
    assert {r["message_id"] for r in rows} == ids
    assert json.loads(rows[0]["recipients"]) == [clients[0][1], "daniel@hanbit.example"]


def test_due_drafts_are_written_once(tmp_path: Path, runner: Any) -> None:
    toml = _toml(tmp_path)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    out = tmp_path / "out"
    args = ["send", "weekly", str(data), "--attach", "docx", "-o", str(out), "--config",
            str(toml), "--due", "--now", AFTER_DUE]
    assert runner.invoke(main, args, env=EN).exit_code == 0
    again = runner.invoke(main, args, env=EN)
    assert again.exit_code == 0 and "0 draft(s) written" in again.output
    assert "1 already drafted" in again.output


def test_client_key_matches_the_ledger() -> None:
    from docgen.ledger import client_key
    for name in ("Acme  Korea", "ＡＣＭＥ korea", "한빛 전자", "上海 星辰"):
        assert mail_run.client_key(name) == client_key(name)


def test_duplicate_client_week_is_refused(tmp_path: Path) -> None:
    profile = load_profile(_toml(tmp_path))
    kind = get_kind("weekly", profile)
    assert kind is not None
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("한빛 전자", "other@elec.example", "ko", 1)])
    with pytest.raises(ValidationFailed) as caught:
        mail_run.send_reports(kind=kind, data=data, profile=profile,
                              out_dir=tmp_path / "out", attach=["docx"])
    assert caught.value.problems[0].code == "mail_duplicate"


# --- with a ledger: every report attached is issued ------------------------------------


@pytest.fixture
def ledger_env(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    """``ledger_url`` as docgen.toml may hold it: the password (PostgreSQL) goes in
    $DOCGEN_LEDGER_PASSWORD."""
    import sqlalchemy as sa
    url = sa.make_url(ledger_url)
    if url.password is None:
        return ledger_url
    monkeypatch.setenv("DOCGEN_LEDGER_PASSWORD", str(url.password))
    port = f":{url.port}" if url.port else ""
    return f"{url.drivername}://{url.username}@{url.host}{port}/{url.database}"

def _ledger_toml(tmp: Path, port: int, url: str) -> Path:
    return _toml(tmp, port, extra=f'\n[ledger]\nurl = "{url}"\narchive = "{tmp / "archive"}"\n')


def _ledger_rows(url: str, tmp: Path) -> tuple[list[Any], list[Any], dict[int, list[Any]]]:
    import sqlalchemy as sa

    from docgen.ledger import open_ledger
    from docgen.ledger.schema import mail_sent
    ledger = open_ledger(url, archive=tmp / "archive")
    try:
        docs = ledger.documents(kind="weekly")
        with ledger.reading() as conn:
            sent = list(conn.execute(sa.select(mail_sent).order_by(mail_sent.c.id))
                        .mappings().all())
        files = {d["id"]: ledger.files_of(d["id"]) for d in docs}
    finally:
        ledger.close()
    return docs, sent, files


def _send_args(data: Path, toml: Path, out: Path, now: str, *more: str) -> list[str]:
    return ["send", "weekly", str(data), "--attach", "docx", "-o", str(out), "--config",
            str(toml), "--due", "--now", now, *more]


def test_ledger_send_issues_each_report_once(tmp_path: Path, runner: Any,
                                             ledger_env: str,
                                             smtp_server: tuple[Recorder, int]) -> None:
    """Twice with --due: one number per client and week, archived, the mail_sent row
    names it, the attached Word file shows it and carries no draft mark."""
    handler, port = smtp_server
    toml = _ledger_toml(tmp_path, port, ledger_env)
    clients = _clients()[:3]
    data = _data(tmp_path, [_record(n, e, loc, i) for i, (n, e, loc) in enumerate(clients)])
    out = tmp_path / "out"
    first = runner.invoke(main, _send_args(data, toml, out, AFTER_DUE, "--smtp"), env=EN)
    assert first.exit_code == 0, first.output
    assert "3 sent, 0 already sent" in first.output
    for n in (1, 2, 3):
        assert f"issued WKR-2026-000{n}:" in first.output
    second = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T13:00", "--smtp"),
                           env=EN)
    assert second.exit_code == 0, second.output
    assert "0 sent, 3 already sent" in second.output and "issued WKR" not in second.output
    assert len(handler.envelopes) == 3
    docs, sent, files = _ledger_rows(ledger_env, tmp_path)
    assert sorted(d["number"] for d in docs) == ["WKR-2026-0001", "WKR-2026-0002",
                                                "WKR-2026-0003"]
    assert all(d["revision"] == 0 and d["issue_date"] == dt.date(2026, 11, 16) for d in docs)
    by_id = {d["id"]: d for d in docs}
    assert [r["state"] for r in sent] == ["sent"] * 3
    from docgen.ledger.archive import Archive
    archive = Archive(tmp_path / "archive")
    received = {m["To"].addresses[0].addr_spec: m for _, m in handler.messages()}
    for row, (name, email, _) in zip(sent, clients):
        doc = by_id[row["document_id"]]
        assert row["document_number"] == doc["number"] and doc["client"] == name
        (archived,) = files[doc["id"]]
        assert archived["format"] == "docx"
        msg = received[email]
        assert f"[{doc['number']}]" in msg["Subject"]
        (part,) = _attachments(msg)
        blob = part.get_content()
        assert archive.get(archived["sha256"]) == blob  # what was sent is what is archived
        text = _docx_text(blob) + "\n" + "\n".join(
            p.text for s in docx.Document(io.BytesIO(blob)).sections
            for p in s.header.paragraphs)
        assert doc["number"] in text
        assert not any(mark in text for mark in ("초안", "草稿", "DRAFT"))
    # the same record sent again with --force: the same document, no second number
    forced = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T14:00", "--smtp",
                                            "--force"), env=EN)
    assert forced.exit_code == 0, forced.output
    assert "3 sent" in forced.output and "issued WKR" not in forced.output
    assert len(_ledger_rows(ledger_env, tmp_path)[0]) == 3


def test_ledger_changed_report_after_sending(tmp_path: Path, runner: Any,
                                            ledger_env: str,
                                            smtp_server: tuple[Recorder, int]) -> None:
    """A report changed after it was sent is reported, not issued nor sent; with
    --resend-changed it becomes the next revision and is sent."""
    handler, port = smtp_server
    toml = _ledger_toml(tmp_path, port, ledger_env)
    record = _record("한빛전자", "kim@elec.example", "ko")
    data = _data(tmp_path, [record])
    out = tmp_path / "out"
    assert runner.invoke(main, _send_args(data, toml, out, AFTER_DUE, "--smtp"),
                         env=EN).exit_code == 0
    record["tasks"][0]["task"] = "한빛전자 수정된 작업"
    data = _data(tmp_path, [record])
    changed = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T13:00", "--smtp"),
                            env=EN)
    assert changed.exit_code == 0, changed.output
    assert "the report changed after WKR-2026-0001 was sent" in changed.output
    assert "0 sent" in changed.output and len(handler.envelopes) == 1
    assert len(_ledger_rows(ledger_env, tmp_path)[0]) == 1
    resent = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T14:00", "--smtp",
                                            "--resend-changed"), env=EN)
    assert resent.exit_code == 0, resent.output
    assert "issued WKR-2026-0001-R1:" in resent.output and "1 sent" in resent.output
    docs, sent, _ = _ledger_rows(ledger_env, tmp_path)
    assert [(d["number"], d["revision"]) for d in docs] == [("WKR-2026-0001", 0),
                                                          ("WKR-2026-0001", 1)]
    assert docs[1]["supersedes"] == docs[0]["id"]
    (row,) = sent
    assert (row["state"], row["document_number"], row["document_id"]) == (
        "sent", "WKR-2026-0001-R1", docs[1]["id"])
    (part,) = _attachments(handler.messages()[1][1])
    text = _docx_text(part.get_content())
    assert "수정된 작업" in text
    again = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T15:00", "--smtp",
                                           "--resend-changed"), env=EN)
    assert "0 sent, 1 already sent" in again.output and len(handler.envelopes) == 2


def test_ledger_issued_but_not_sent_is_sent_by_the_next_run(
        tmp_path: Path, runner: Any, ledger_env: str,
        smtp_server: tuple[Recorder, int]) -> None:
    """Numbers taken for messages SMTP then refused stay issued (recorded, reported);
    the next run sends the same document, or a changed record's revision (it was
    never sent), and takes no other number."""
    handler, port = smtp_server
    handler.refuse_rcpt["kim@elec.example"] = "550 5.1.1 no such user"
    toml = _ledger_toml(tmp_path, port, ledger_env)
    first_rec = _record("한빛전자", "kim@elec.example", "ko")
    second_rec = _record("누리식품", "nu@ri.example", "ko", 1)
    data = _data(tmp_path, [first_rec, second_rec])
    out = tmp_path / "out"
    failed = runner.invoke(main, _send_args(data, toml, out, AFTER_DUE, "--smtp"), env=EN)
    assert failed.exit_code == 4, failed.output
    assert "한빛전자 (2026-11-16): issued as WKR-2026-0001, not sent" in failed.output
    docs, sent, _ = _ledger_rows(ledger_env, tmp_path)
    assert len(docs) == 2
    assert [(r["state"], r["document_number"]) for r in sent] == [
        ("failed", "WKR-2026-0001"), ("sent", "WKR-2026-0002")]
    handler.refuse_rcpt.clear()
    second_rec["tasks"][0]["task"] = "누리식품 바뀐 작업"  # changed after sending: reported
    data = _data(tmp_path, [first_rec, second_rec])
    rerun = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T13:00", "--smtp"),
                          env=EN)
    assert rerun.exit_code == 0, rerun.output
    assert "1 sent" in rerun.output and "issued WKR" not in rerun.output
    docs, sent, _ = _ledger_rows(ledger_env, tmp_path)
    assert len(docs) == 2  # the failed one went out as WKR-2026-0001, no new number
    assert [(r["state"], r["document_number"]) for r in sent] == [
        ("sent", "WKR-2026-0001"), ("sent", "WKR-2026-0002")]
    assert "[WKR-2026-0001]" in handler.messages()[-1][1]["Subject"]


def test_ledger_changed_before_sending_is_a_revision(
        tmp_path: Path, runner: Any, ledger_env: str,
        smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    handler.refuse_rcpt["kim@elec.example"] = "550 5.1.1 no such user"
    toml = _ledger_toml(tmp_path, port, ledger_env)
    record = _record("한빛전자", "kim@elec.example", "ko")
    data = _data(tmp_path, [record])
    out = tmp_path / "out"
    assert runner.invoke(main, _send_args(data, toml, out, AFTER_DUE, "--smtp"),
                         env=EN).exit_code == 4
    handler.refuse_rcpt.clear()
    record["tasks"][0]["task"] = "한빛전자 고친 작업"
    data = _data(tmp_path, [record])
    fixed = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T13:00", "--smtp"),
                          env=EN)
    assert fixed.exit_code == 0, fixed.output
    assert "issued WKR-2026-0001-R1:" in fixed.output
    docs, sent, _ = _ledger_rows(ledger_env, tmp_path)
    assert [d["revision"] for d in docs] == [0, 1]
    assert [(r["state"], r["document_number"]) for r in sent] == [("sent", "WKR-2026-0001-R1")]
    assert len(handler.envelopes) == 1


def test_ledger_drafts_are_issued_and_handed_over(tmp_path: Path, runner: Any,
                                                 ledger_env: str,
                                                 smtp_server: tuple[Recorder, int]) -> None:
    """Drafts with a ledger are the issued documents (the AE sends them by hand): a
    rerun drafts nothing new and takes no number, a later --smtp run does not send
    them again."""
    handler, port = smtp_server
    toml = _ledger_toml(tmp_path, port, ledger_env)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    out = tmp_path / "out"
    drafted = runner.invoke(main, _send_args(data, toml, out, AFTER_DUE), env=EN)
    assert drafted.exit_code == 0, drafted.output
    assert "issued WKR-2026-0001:" in drafted.output and "1 draft(s) written" in drafted.output
    (eml,) = out.glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage) and msg["X-Unsent"] == "1"
    (part,) = _attachments(msg)
    blob = part.get_content()
    docs, sent, files = _ledger_rows(ledger_env, tmp_path)
    (doc,) = docs
    assert [(r["state"], r["document_number"]) for r in sent] == [("drafted", "WKR-2026-0001")]
    assert "WKR-2026-0001" in "\n".join(
        p.text for s in docx.Document(io.BytesIO(blob)).sections for p in s.header.paragraphs)
    from docgen.ledger.archive import Archive
    assert Archive(tmp_path / "archive").get(files[doc["id"]][0]["sha256"]) == blob
    eml.unlink()  # the AE sent it and deleted the draft
    again = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T13:00"), env=EN)
    assert again.exit_code == 0 and "0 draft(s) written" in again.output
    assert "1 already drafted" in again.output
    smtp = runner.invoke(main, _send_args(data, toml, out, "2026-11-23T14:00", "--smtp"),
                         env=EN)
    assert smtp.exit_code == 0 and "0 sent, 1 already sent" in smtp.output
    assert not handler.envelopes and len(_ledger_rows(ledger_env, tmp_path)[0]) == 1


def test_ledger_reuses_a_report_issued_by_batch(tmp_path: Path, runner: Any,
                                                ledger_env: str,
                                                smtp_server: tuple[Recorder, int]) -> None:
    """A report already issued (batch --issue) with the same record is the same
    document: send attaches it from the archive (a PDF or format not archived yet is
    added), and takes no second number."""
    handler, port = smtp_server
    toml = _ledger_toml(tmp_path, port, ledger_env)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko")])
    issued = runner.invoke(main, ["batch", "weekly", str(data), "-f", "docx", "--issue", "-o",
                                  str(tmp_path / "batch"), "--config", str(toml)], env=EN)
    assert issued.exit_code == 0, issued.output
    out = tmp_path / "out"
    sent = runner.invoke(main, _send_args(data, toml, out, AFTER_DUE, "--smtp", "--attach",
                                          "docx,xlsx"), env=EN)
    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output and "issued WKR" not in sent.output
    docs, rows, files = _ledger_rows(ledger_env, tmp_path)
    (doc,) = docs
    assert rows[0]["document_id"] == doc["id"]
    assert sorted(f["format"] for f in files[doc["id"]]) == ["docx", "xlsx"]
    batch_docx = next((tmp_path / "batch").glob("*.docx")).read_bytes()
    parts = _attachments(handler.messages()[0][1])
    assert parts[0].get_content() == batch_docx  # the very file batch issued


def test_ledger_invalid_run_takes_no_number(tmp_path: Path, runner: Any,
                                            ledger_env: str,
                                            smtp_server: tuple[Recorder, int]) -> None:
    _, port = smtp_server
    toml = _ledger_toml(tmp_path, port, ledger_env)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("누리식품", "not-an-address", "ko", 1)])
    result = runner.invoke(main, _send_args(data, toml, tmp_path / "out", AFTER_DUE,
                                            "--smtp"), env=EN)
    assert result.exit_code == 1, result.output
    docs, rows, _ = _ledger_rows(ledger_env, tmp_path)
    assert not docs and not rows


def test_ledger_pdf_attached_is_the_archived_issued_pdf(tmp_path: Path, runner: Any,
                                                        soffice: str, pdftotext: str,
                                                        smtp_server: tuple[Recorder, int]
                                                        ) -> None:
    handler, port = smtp_server
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    toml = _ledger_toml(tmp_path, port, url)
    data = _data(tmp_path, [_record("한빛전자", "kim@elec.example", "ko"),
                            _record("上海星辰", "xc@sh.example", "zh-CN", 1)])
    out = tmp_path / "out"
    for now in (AFTER_DUE, "2026-11-23T13:00"):
        result = runner.invoke(main, _send_args(data, toml, out, now, "--smtp", "--attach",
                                                "pdf,docx"), env=EN)
        assert result.exit_code == 0, result.output
    assert len(handler.envelopes) == 2
    docs, rows, files = _ledger_rows(url, tmp_path)
    assert len(docs) == 2 and [r["state"] for r in rows] == ["sent", "sent"]
    from docgen.ledger.archive import Archive
    archive = Archive(tmp_path / "archive")
    for (_, msg), doc in zip(handler.messages(), docs):
        pdf, _word = _attachments(msg)
        archived = {f["format"]: f for f in files[doc["id"]]}
        assert sorted(archived) == ["docx", "pdf"]
        assert archive.get(archived["pdf"]["sha256"]) == pdf.get_content()
        target = tmp_path / f"{doc['number']}.pdf"
        target.write_bytes(pdf.get_content())
        text = subprocess.run([pdftotext, str(target), "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")
        # (the weekly template prints the number in the header of pages after the first)
        assert doc["client"] in "".join(text.split())
        assert not any(mark in text for mark in ("초안", "草稿", "DRAFT"))
        word = docx.Document(io.BytesIO(_word.get_content()))
        assert archive.get(archived["docx"]["sha256"]) == _word.get_content()
        assert doc["number"] in "\n".join(p.text for p in word.sections[0].header.paragraphs)
