"""The ledger pages through the test client: a document issued from the kind form
(twice: two numbers in sequence, as ``docgen render --issue`` takes them), the job's
timeline, the jobs list and receivables — each showing only the clients the user may
see (a job of another client is 404, totals never count another AE's client)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import yaml
from lxml import etree
from starlette.testclient import TestClient

from docgen.ledger import open_ledger
from docgen.profile import load_profile
from docgen.web import create_app, security
from docgen.web.settings import WebSettings
from tests.ledger.issuing import brief, invoice, issue

ROOT = Path(__file__).resolve().parents[2]


def _toml(tmp: Path) -> Path:
    path = tmp / "docgen.toml"
    path.write_text(f'[ledger]\nurl = "sqlite:///{tmp / "ledger.db"}"\narchive = "archive"\n'
                    '[ledger.series]\nbrief = "WO-{yyyy}-{seq:03}"\n', encoding="utf-8")
    return path


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    profile = load_profile(_toml(tmp_path))
    app = create_app(WebSettings(work_dir=tmp_path / "work", secret_key=b"k" * 32,
                                 profile_path=tmp_path / "docgen.toml", profile=profile))
    with TestClient(app) as c:
        yield c, profile
    for name in ("ops_jobs", "ops_ledger"):
        found = getattr(app.state, name, None)
        if found is not None:
            found.close()


def csrf(client: TestClient) -> str:
    got = re.search(r'name="csrf-token" content="([^"]*)"', client.get("/ledger").text)
    assert got
    return got.group(1)


def form_items(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A record as the kind form posts it: dotted names, item rows by index, a list of
    strings as one text (a line each), dates as ISO text."""
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += form_items(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            out.append((prefix, "\n".join(str(v) for v in value)))
        else:
            for i, v in enumerate(value):
                out += form_items(v, f"{prefix}.{i}")
    elif isinstance(value, (dt.date, dt.datetime)):
        out.append((prefix, value.isoformat()))
    elif value is not None:
        out.append((prefix, str(value).lower() if isinstance(value, bool) else str(value)))
    return out


def docx_text(data: bytes) -> str:
    """Every w:t of the body and the headers (the number and client sit in a header)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [n for n in zf.namelist() if re.fullmatch(r"word/(document|header\d+)\.xml", n)]
        root = [etree.fromstring(zf.read(n)) for n in parts]
    return "\n".join("".join(r.itertext()) for r in root)


def sample_brief() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "samples" / "brief" / "ko.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data.pop("document_number", None)
    return data


def post_issue(client: TestClient, record: dict[str, Any]) -> Any:
    token = csrf(client)
    return client.post("/kind/brief/issue", data={**dict(form_items(record)), "csrf_token": token},
                       headers={"X-CSRF-Token": token})


def test_issue_twice_two_numbers_and_the_timeline(app_client: tuple[TestClient, Any],
                                                  tmp_path: Path) -> None:
    client, profile = app_client
    record = sample_brief()
    first = post_issue(client, record)
    assert first.status_code == 200, first.text
    second = post_issue(client, record)
    assert second.status_code == 200, second.text
    numbers = [re.search(r'id="issued-number" data-number="([^"]+)"', r.text) for r in
               (first, second)]
    assert numbers[0] and numbers[1]
    year = dt.date.today().year
    assert [n.group(1) for n in numbers if n] == [f"WO-{year}-001", f"WO-{year}-002"]
    assert "second work order" in second.text or "issue-warnings" in second.text
    # the issued Word file, with its number, from the link on the page
    link = re.search(r'href="(/issued/[^"]+\.docx)"', first.text)
    assert link
    doc = client.get(link.group(1))
    assert doc.status_code == 200
    text = docx_text(doc.content)
    assert f"WO-{year}-001" in text and "한라식품" in text
    # the ledger holds both, as the CLI would have recorded them
    ledger = open_ledger(profile.ledger.url, archive=profile.ledger.archive)
    try:
        assert [d["number"] for d in ledger.documents("brief")] == \
            [f"WO-{year}-001", f"WO-{year}-002"]
    finally:
        ledger.close()
    tl = client.get(f"/ledger/job/{record['job_number']}")
    assert tl.status_code == 200
    assert f'data-number="WO-{year}-001"' in tl.text and f'data-number="WO-{year}-002"' in tl.text
    listing = client.get("/ledger")
    assert f'data-job="{record["job_number"]}"' in listing.text and "한라식품" in listing.text


def test_issue_refuses_an_invalid_record_with_its_problems(
        app_client: tuple[TestClient, Any]) -> None:
    client, profile = app_client
    record = sample_brief()
    record["issued_date"] = "2026-02-30"
    r = post_issue(client, record)
    assert r.status_code == 400 and 'id="issue-problems"' in r.text
    ledger = open_ledger(profile.ledger.url, archive=profile.ledger.archive)
    try:
        assert ledger.documents("brief") == []  # nothing taken, nothing recorded
    finally:
        ledger.close()


def test_issue_for_a_client_not_yours_is_refused(app_client: tuple[TestClient, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = app_client
    token = csrf(client)
    ae = security.User(id=3, login="mina", name="Mina", role="ae",
                       clients=frozenset({"누리식품"}))
    monkeypatch.setattr(security, "current_user", lambda request: ae)
    r = client.post("/kind/brief/issue", data={**dict(form_items(sample_brief())),
                                               "csrf_token": token},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 403


def _two_clients(profile: Any) -> None:
    ledger = open_ledger(profile.ledger.url, archive=profile.ledger.archive)
    try:
        for job, client, price, ae in (("J-100", "한빛전자", 1_000_000, "김지현"),
                                       ("J-200", "누리식품", 2_500_000, "박서준")):
            issue(ledger, "brief", brief(job, client, ae=ae), checks=False)
            issue(ledger, "invoice", invoice(job, client, price=price, ae=ae), checks=False)
    finally:
        ledger.close()


def test_lists_show_only_the_users_clients(app_client: tuple[TestClient, Any],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    client, profile = app_client
    _two_clients(profile)
    everyone = client.get("/receivables?as_of=2026-12-31")
    assert everyone.status_code == 200
    assert "한빛전자" in everyone.text and "누리식품" in everyone.text
    ae = security.User(id=3, login="mina", name="Mina", role="ae",
                       clients=frozenset({"누리식품"}))
    finance = security.User(id=4, login="fin", name="Fin", role="finance", clients=None)
    monkeypatch.setattr(security, "current_user", lambda request: ae)
    jobs = client.get("/ledger")
    assert 'data-job="J-200"' in jobs.text and 'data-job="J-100"' not in jobs.text
    assert "한빛전자" not in jobs.text
    assert client.get("/ledger/job/J-100").status_code == 404  # another AE's: as unknown
    assert client.get("/ledger/job/J-999").status_code == 404
    assert client.get("/ledger/job/J-200").status_code == 200
    mine = client.get("/receivables?as_of=2026-12-31")
    if security.may_use(ae, "receivables"):  # the role table is security's
        assert "누리식품" in mine.text and "한빛전자" not in mine.text
    else:
        assert mine.status_code == 403 and "누리식품" not in mine.text
    monkeypatch.setattr(security, "current_user", lambda request: finance)
    wb = client.get("/receivables.xlsx?as_of=2026-12-31")
    assert wb.status_code == 200 and "attachment" in wb.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(wb.content))
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert "한빛전자" in cells and "누리식품" in cells


def test_receivables_totals_count_only_visible_invoices(app_client: tuple[TestClient, Any],
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    from docgen.web import views_ledger

    client, profile = app_client
    _two_clients(profile)
    ae = security.User(id=3, login="mina", name="Mina", role="ae",
                       clients=frozenset({"누리식품"}))

    class Req:  # what visible_receivables reads of a request
        app = client.app
    report = views_ledger.visible_receivables(Req(), ae, dt.date(2026, 12, 31), None)  # type: ignore[arg-type]
    assert [i.client for i in report.invoices] == ["누리식품"]
    assert [t.label for t in report.by_client] == ["누리식품"]
    assert [t.label for t in report.by_ae] == ["박서준"]
    (krw,) = report.by_currency
    assert krw.count == 1 and krw.total == report.invoices[0].outstanding
