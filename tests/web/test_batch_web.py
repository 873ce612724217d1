"""The batch page through Starlette's test client: a sheet uploaded, run in the
background (its own process), progress polled to the end, the zip read back with
python-docx; a bad sheet says what ``docgen batch`` says, word for word; an upload
above the limit is 413; another user's job is 404 like one that never existed."""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any, Iterator

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from docgen.cli import main
from docgen.web import create_app, security
from docgen.web.jobs import PHASES
from docgen.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
SHEET = ROOT / "samples" / "batch" / "weekly_tasks.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLIENTS = ("한일식품", "上海华阳化妆品", "台北山嵐咖啡", "Northline Sports Korea")


def make_settings(tmp: Path, **more: Any) -> WebSettings:
    return WebSettings(work_dir=tmp / "work", secret_key=b"k" * 32, **more)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as c:
        yield c
    jobs = getattr(app.state, "ops_jobs", None)
    if jobs is not None:
        jobs.close()


def csrf(client: TestClient, page: str = "/batch") -> str:
    got = re.search(r'name="csrf-token" content="([^"]*)"', client.get(page).text)
    assert got, "no csrf-token meta on " + page
    return got.group(1)


def upload(client: TestClient, path: Path, **fields: Any) -> Any:
    data = {"kind": "weekly", "group_by": "client", "formats": ["docx"],
            "csrf_token": csrf(client), **fields}
    with path.open("rb") as fh:
        return client.post("/batch", data=data, files={"file": (path.name, fh, XLSX)},
                           headers={"X-CSRF-Token": data["csrf_token"]},
                           follow_redirects=False)


def wait(client: TestClient, job_url: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the job's progress JSON until it has finished; every answer checked."""
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = client.get(job_url + "/progress")
        assert r.status_code == 200
        state = r.json()
        assert state["phase"] in PHASES
        assert 0 <= state["done"] <= max(state["total"], 0) or state["total"] == 0
        seen.append(state["phase"])
        if state["finished"]:
            state["seen"] = seen
            return dict(state)
        time.sleep(0.1)
    raise AssertionError(f"the job did not finish: {seen[-5:]}")


def lines(page: str, element_id: str) -> list[str]:
    """The text of each <li> of the list ``element_id`` (unescaped, excerpt left out)."""
    found = re.search(rf'id="{element_id}">(.*?)</ul>', page, re.S)
    assert found, f"no #{element_id} on the page"
    items = re.findall(r"<li[^>]*>(.*?)(?:<pre>.*?</pre>)?</li>", found.group(1), re.S)
    return [html.unescape(i).strip() for i in items]


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_sample_sheet_to_zip_with_documents_and_manifest(client: TestClient) -> None:
    page = client.get("/batch")
    assert page.status_code == 200 and 'id="batch-form"' in page.text
    r = upload(client, SHEET)
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    assert re.fullmatch(r"/batch/[A-Za-z0-9_-]{20,}", job_url)
    assert client.get(job_url).status_code == 200
    state = wait(client, job_url)
    assert state["phase"] == "done" and state["ok"] is True, state
    assert state["done"] == state["total"] == 4
    page = client.get(job_url).text
    assert 'id="job-download"' in page
    got = client.get(state["download"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert "attachment" in got.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        names = sorted(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        documents = {n: zf.read(n) for n in names if n.endswith(".docx")}
    assert len(documents) == 4 and "manifest.json" in names
    assert manifest["kind"] == "weekly" and manifest["input"] == SHEET.name
    by_client = {d["client"]: d for d in manifest["documents"]}
    assert set(by_client) == set(CLIENTS)
    for name, blob in documents.items():
        entry = next(d for d in manifest["documents"] if d["outputs"][0]["path"] == name)
        text = docx_text(blob)
        own = entry["client"]
        assert own in text and own in name
        assert not [c for c in CLIENTS if c != own and c in text], name  # isolation
    # downloaded once: the job and its files are gone
    assert client.get(job_url).status_code == 404
    assert client.get(state["download"]).status_code == 404


def _bad_sheet(tmp: Path) -> Path:
    book = openpyxl.load_workbook(SHEET)
    sheet = book.active
    assert sheet is not None
    for row in range(2, 6):
        sheet[f"C{row}"] = "2026-13-45"  # the first group's week_start: not a date
    sheet["G6"] = "nearly"  # a status that is no status
    sheet["B9"] = "xx-YY"  # a locale that names no locale (and its group then disagrees)
    path = tmp / "주간_bad.xlsx"
    book.save(path)
    return path


def test_bad_sheet_says_what_the_cli_says(client: TestClient, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _bad_sheet(tmp_path)
    cli_dir = tmp_path / "cli"
    cli_dir.mkdir()
    shutil.copy(bad, cli_dir / bad.name)
    monkeypatch.chdir(cli_dir)
    monkeypatch.setenv("DOCGEN_LOCALE", "ko")
    # the page in the UI language, the run with -l as the CLI's
    for ui, lang in (("en", "en"), ("ko", "ko")):
        result = CliRunner().invoke(main, ["batch", "weekly", bad.name, "--group-by",
                                           "client", "-l", lang, "-o", "out"])
        cli_lines = [line for line in result.output.splitlines()
                     if line.startswith(bad.name + ":")]
        closing = result.output.strip().splitlines()[-1]
        assert result.exit_code == 1 and len(cli_lines) >= 4 and closing
        assert not (cli_dir / "out").exists()  # the CLI wrote nothing, and neither do we
        r = upload(client, bad, locale=lang)
        assert r.status_code == 303
        state = wait(client, r.headers["location"])
        assert state["phase"] == "failed" and state["ok"] is False and not state["download"]
        page = client.get(r.headers["location"] + f"?ui={ui}").text
        assert lines(page, "job-problems") == cli_lines
        found = re.search(r'id="job-closing">(.*?)</p>', page, re.S)
        assert found and html.unescape(found.group(1)).strip() == closing
    assert "2026-13-45" in " ".join(cli_lines)


def test_upload_above_the_limit_is_413(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, upload_limit=4096))
    big = tmp_path / "big.csv"
    big.write_text("client,week_start\n" + "x,2026-11-23\n" * 2000, encoding="utf-8")
    with TestClient(app) as c:
        r = upload(c, big)
        assert r.status_code == 413
        assert "413" in r.text or "too large" in r.text
        ko = c.get("/batch?ui=ko")
        assert ko.status_code == 200
        r = upload(c, big)
        assert r.status_code == 413 and '<html lang="ko">' in r.text  # in the user's language
        assert not list((tmp_path / "work").glob("jobs/*/input/*"))  # nothing kept


def test_not_a_sheet_is_refused_on_the_form(client: TestClient, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    r = upload(client, other)
    assert r.status_code == 400 and 'id="batch-error"' in r.text


def test_another_users_job_is_404(client: TestClient,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    r = upload(client, SHEET)
    job_url = r.headers["location"]
    wait(client, job_url)
    other = security.User(id=7, login="mina", name="Mina", role="ae",
                          clients=frozenset({"한일식품"}))
    monkeypatch.setattr(security, "current_user", lambda request: other)
    for suffix in ("", "/progress", "/download"):
        assert client.get(job_url + suffix).status_code == 404
    assert client.get("/batch/not-a-job/progress").status_code == 404
    assert job_url.rsplit("/", 1)[1] not in client.get("/batch").text
    monkeypatch.undo()
    assert client.get(job_url + "/progress").status_code == 200  # still the owner's


def test_one_job_at_a_time_per_user_but_users_side_by_side(client: TestClient,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    first = upload(client, SHEET)
    assert first.status_code == 303
    state = client.get(first.headers["location"] + "/progress").json()
    if not state["finished"]:
        again = upload(client, SHEET)
        assert again.status_code == 409
    other = security.User(id=8, login="jun", name="Jun", role="ae", clients=None)
    monkeypatch.setattr(security, "current_user", lambda request: other)
    second = upload(client, SHEET)
    assert second.status_code == 303
    assert wait(client, second.headers["location"])["ok"] is True
    monkeypatch.undo()
    assert wait(client, first.headers["location"])["ok"] is True
