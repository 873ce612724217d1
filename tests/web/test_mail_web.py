"""The weekly e-mail page through the test client: drafts zipped and parsed back with
the standard library (policy.default), each to its own client only; sending through a
local aiosmtpd server with the per-recipient results; "send what is due" sends nothing
twice; sending is for AEs (own clients only) and admins."""
from __future__ import annotations

import io
import re
import shutil
import socket
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from docgen.profile import load_profile
from docgen.web import create_app, security
from docgen.web.settings import WebSettings
from tests.web.test_batch_web import CLIENTS, SHEET, XLSX, docx_text, upload, wait

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = {"한일식품": "marketing@hanil-foods.example",
             "上海华阳化妆品": "brand@huayang-cosmetics.example",
             "台北山嵐咖啡": "pr@shanlan-coffee.example",
             "Northline Sports Korea": "emma.collins@northline.example"}


class Recorder:
    """aiosmtpd handler keeping every accepted envelope."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((list(envelope.rcpt_tos),
                               bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted"


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


def _profile_dir(tmp: Path, port: int | None = None) -> Path:
    folder = tmp / "profile"
    folder.mkdir()
    shutil.copy(ROOT / "samples" / "logo.png", folder / "logo.png")
    text = (ROOT / "samples" / "docgen.toml").read_text(encoding="utf-8")
    if port is not None:
        text += f'\n[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    (folder / "docgen.toml").write_text(text, encoding="utf-8")
    return folder / "docgen.toml"


def _client(tmp: Path, toml: Path) -> TestClient:
    profile = load_profile(toml)
    return TestClient(create_app(WebSettings(work_dir=tmp / "work", secret_key=b"k" * 32,
                                             profile_path=toml, profile=profile)))


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf-token" content="([^"]*)"', client.get("/mail").text)
    assert found
    return found.group(1)


def post_mail(client: TestClient, action: str, **fields: Any) -> Any:
    token = _token(client)
    data = {"group_by": "client", "attach": ["docx"], "action": action,
            "csrf_token": token, **fields}
    if "batch_job" in data:
        return client.post("/mail", data=data, headers={"X-CSRF-Token": token},
                           follow_redirects=False)
    with SHEET.open("rb") as fh:
        return client.post("/mail", data=data, files={"file": (SHEET.name, fh, XLSX)},
                           headers={"X-CSRF-Token": token}, follow_redirects=False)


def _results(page: str) -> list[tuple[str, str, str]]:
    rows = re.findall(r'<tr data-state="([^"]+)"><td>(.*?)</td><td>.*?</td><td>(.*?)</td>',
                      page)
    return [(state, client, rcpts) for state, client, rcpts in rows]


def _parts(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.iter_attachments() if isinstance(p, EmailMessage)]


def test_drafts_zip_each_to_its_own_client(tmp_path: Path) -> None:
    with _client(tmp_path, _profile_dir(tmp_path)) as client:
        page = client.get("/mail")
        assert page.status_code == 200 and 'id="mail-send"' not in page.text  # no SMTP
        r = post_mail(client, "drafts")
        assert r.status_code == 303, r.text
        state = wait(client, r.headers["location"])
        assert state["ok"] is True and state["download"], state
        got = client.get(state["download"])
        assert got.status_code == 200
        with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
            drafts = {n: zf.read(n) for n in zf.namelist()}
    assert len(drafts) == 4 and all(n.endswith(".eml") for n in drafts)
    seen = set()
    for name, blob in drafts.items():
        msg = message_from_bytes(blob, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        (to,) = msg["To"].addresses
        own = next(c for c, a in ADDRESSES.items() if a == to.addr_spec)
        seen.add(own)
        assert own in name
        (part,) = _parts(msg)
        text = docx_text(part.get_content())
        assert own in text
        assert not [c for c in CLIENTS if c != own and (c in text or c in str(msg["Subject"]))]
    assert seen == set(CLIENTS)


def test_send_through_smtp_with_results_and_due_once(tmp_path: Path,
                                                     smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    with _client(tmp_path, _profile_dir(tmp_path, port)) as client:
        assert 'id="mail-send"' in client.get("/mail").text
        r = post_mail(client, "send")
        assert r.status_code == 303
        state = wait(client, r.headers["location"])
        assert state["ok"] is True, client.get(r.headers["location"]).text
        rows = _results(client.get(r.headers["location"]).text)
        assert sorted(c for s, c, _ in rows if s == "sent") == sorted(CLIENTS)
        for s, c, rcpts in rows:
            assert ADDRESSES[c] in rcpts
        assert len(handler.envelopes) == 4
        for envelope_to, data in handler.envelopes:
            msg = message_from_bytes(data, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            (to,) = msg["To"].addresses
            own = next(c for c, a in ADDRESSES.items() if a == to.addr_spec)
            assert envelope_to == [to.addr_spec]  # to its own client only
            text = docx_text(_parts(msg)[0].get_content())
            assert own in text and not [c for c in CLIENTS if c != own and c in text]
        # "send what is due": each report is either sent already or not due: none again
        again = post_mail(client, "due")
        state = wait(client, again.headers["location"])
        rows = _results(client.get(again.headers["location"]).text)
        assert state["ok"] is True and len(rows) == 4
        assert {s for s, _, _ in rows} <= {"already_sent", "not_due"}
        assert len(handler.envelopes) == 4


def test_sending_is_for_aes_of_their_own_clients(tmp_path: Path,
                                                 smtp_server: tuple[Recorder, int],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    handler, port = smtp_server
    with _client(tmp_path, _profile_dir(tmp_path, port)) as client:
        token = _token(client)
        finance = security.User(id=5, login="fin", name="Fin", role="finance", clients=None)
        monkeypatch.setattr(security, "current_user", lambda request: finance)
        with SHEET.open("rb") as fh:
            r = client.post("/mail", data={"action": "send", "group_by": "client",
                                           "csrf_token": token},
                            files={"file": (SHEET.name, fh, XLSX)},
                            headers={"X-CSRF-Token": token}, follow_redirects=False)
        assert r.status_code == 403
        ae = security.User(id=6, login="mina", name="Mina", role="ae",
                           clients=frozenset({"한일식품"}))
        monkeypatch.setattr(security, "current_user", lambda request: ae)
        r = post_mail(client, "send")
        assert r.status_code == 303
        state = wait(client, r.headers["location"])
        page = client.get(r.headers["location"]).text
        assert state["ok"] is False and 'id="job-problems"' in page
        for other in ("上海华阳化妆品", "台北山嵐咖啡", "Northline Sports Korea"):
            assert other in page  # each refused record named, at its row
        assert "weekly_tasks.xlsx:" in page
        assert handler.envelopes == []  # nothing sent


def test_mail_from_a_batch_job_and_another_users_job(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with _client(tmp_path, _profile_dir(tmp_path)) as client:
        batch = upload(client, SHEET)
        wait(client, batch.headers["location"])
        job_id = batch.headers["location"].rsplit("/", 1)[1]
        assert f'value="{job_id}"' in client.get("/mail").text
        r = post_mail(client, "drafts", batch_job=job_id)
        assert r.status_code == 303
        assert wait(client, r.headers["location"])["ok"] is True
        other = security.User(id=9, login="jun", name="Jun", role="ae", clients=None)
        monkeypatch.setattr(security, "current_user", lambda request: other)
        assert post_mail(client, "drafts", batch_job=job_id).status_code == 404
        assert client.get(r.headers["location"]).status_code == 404
