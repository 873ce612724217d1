"""Real-browser tests of docgen serve: Debian's chromium through Selenium (issue 14, point 4).

Every test here is marked ``browser`` (tests/web/conftest.py): skipped locally when
chromium/chromedriver are not installed, a failure in CI.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import LiveServer, docgen_app, serve, wait_for_download

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from starlette.requests import Request
    from starlette.responses import Response

WAIT = 20  # seconds a page may take to react (2 shared cores, LibreOffice next door)


def _wait(browser: "WebDriver", timeout: float = WAIT) -> "WebDriverWait[WebDriver]":
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout)


if TYPE_CHECKING:
    from selenium.webdriver.support.ui import WebDriverWait


# --- the fixtures themselves, against a plain Starlette app ---------------------------

_PLAIN_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>시험</title></head><body>
<h1 id="title">회의록 작성</h1>
<p id="lang"></p>
<input id="date" name="date" value="">
<p id="error" hidden></p>
<a id="dl" href="/file.txt">내려받기</a>
<script>
document.getElementById("lang").textContent = navigator.language;
document.getElementById("date").addEventListener("input", (e) => {
  const ok = /^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$/.test(e.target.value);
  const err = document.getElementById("error");
  err.hidden = ok;
  err.textContent = ok ? "" : "날짜 형식이 잘못되었습니다";
});
</script></body></html>"""


def _plain_app() -> object:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, PlainTextResponse
    from starlette.routing import Route

    async def page(request: "Request") -> "Response":
        return HTMLResponse(_PLAIN_PAGE + f"<!-- {request.headers.get('accept-language')} -->")

    async def file(request: "Request") -> "Response":
        return PlainTextResponse("내용 content\n", headers={
            "Content-Disposition": "attachment; filename*=UTF-8''%ED%9A%8C%EC%9D%98%EB%A1%9D.txt"})

    return Starlette(routes=[Route("/", page), Route("/file.txt", file)])


def test_fixtures_serve_a_plain_app_to_a_korean_chromium(
        browser: "WebDriver", downloads: Path, tmp_path: Path, screenshot_dir: Path) -> None:
    """The live server, the browser's language, as-you-type JS and downloads work at all
    (independent of docgen's app, so a failure here is the infrastructure's)."""
    from selenium.webdriver.common.by import By

    with serve(_plain_app(), tmp_path) as server:  # type: ignore[arg-type]
        browser.get(server("/"))
        assert browser.find_element(By.ID, "title").text == "회의록 작성"
        assert browser.find_element(By.ID, "lang").text.startswith("ko")
        assert "ko-KR" in browser.page_source  # Accept-Language sent by chromium
        field = browser.find_element(By.ID, "date")
        field.send_keys("2026-13-40")
        error = browser.find_element(By.ID, "error")
        _wait(browser).until(lambda _: error.is_displayed())
        assert "날짜" in error.text
        field.clear()
        field.send_keys("2026-03-04")
        _wait(browser).until(lambda _: not error.is_displayed())
        browser.find_element(By.ID, "dl").click()
        got = wait_for_download(downloads, ".txt")
        assert got.name == "회의록.txt"
        assert got.read_text(encoding="utf-8") == "내용 content\n"
        browser.save_screenshot(str(screenshot_dir / "plain-app.png"))
    # the server is gone once the block ends
    import httpx

    with pytest.raises(httpx.TransportError):
        httpx.get(server("/"), timeout=2)


# --- docgen's pages -----------------------------------------------------------------

def _lang(browser: "WebDriver") -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def _kind_label(browser: "WebDriver", kind: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'#kinds [data-kind="{kind}"]').text


def test_language_switch_is_remembered_after_reload(
        browser: "WebDriver", live_server: LiveServer, screenshot_dir: Path) -> None:
    """ko (the browser's own language) → zh-CN → en through the switcher; each choice
    stays after a reload and on a page opened without ``?ui=``."""
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(live_server("/"))
    assert _lang(browser) == "ko"  # from chromium's Accept-Language (ko-KR)
    assert _kind_label(browser, "minutes") == "회의록"
    headings = {"ko": browser.find_element(By.TAG_NAME, "h1").text}
    for code, label in (("zh-CN", "会议纪要"), ("en", "Meeting Minutes")):
        switch = browser.find_element(By.CSS_SELECTOR, f'[data-ui-switch="{code}"]')
        switch.click()
        _wait(browser).until(lambda b: _lang(b) == code)
        assert _kind_label(browser, "minutes") == label
        headings[code] = browser.find_element(By.TAG_NAME, "h1").text
        if code == "zh-CN":
            browser.save_screenshot(str(screenshot_dir / "ui-zh-CN.png"))
        browser.refresh()
        assert _lang(browser) == code and _kind_label(browser, "minutes") == label
        browser.get(live_server("/"))  # no ?ui=: the cookie decides
        assert _lang(browser) == code and _kind_label(browser, "minutes") == label
        cookie = browser.get_cookie("docgen_ui")
        assert cookie is not None and cookie["value"] == code
    # the page's own words are translated too, not only the kinds' labels
    assert len(set(headings.values())) == 3, headings
    browser.delete_all_cookies()
    browser.get(live_server("/"))
    assert _lang(browser) == "ko"  # forgotten with the cookie: Accept-Language again


def _route_exists(server: LiveServer, path: str) -> bool:
    import httpx

    return httpx.get(server(path), timeout=30).status_code != 404


def test_batch_upload_shows_progress_to_100_percent_and_downloads_the_zip(
        browser: "WebDriver", live_server: LiveServer, downloads: Path,
        screenshot_dir: Path) -> None:
    """The bundled sample sheet (four clients, one row per task) uploaded through the
    batch page: the bar moves to its end, the zip holds one .docx per client and the
    manifest."""
    import hashlib
    import json
    import zipfile

    from docx import Document
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.support import SAMPLES

    if not _route_exists(live_server, "/batch"):
        pytest.skip("the batch page (/batch, W-OPS) is not in the app yet")
    browser.get(live_server("/batch?ui=ko"))
    browser.find_element(By.ID, "batch-file").send_keys(
        str(SAMPLES / "batch" / "weekly_tasks.xlsx"))
    Select(browser.find_element(By.ID, "batch-kind")).select_by_value("weekly")
    group_by = browser.find_element(By.ID, "batch-group-by")
    group_by.clear()
    group_by.send_keys("고객사")  # the sheet's own header, as in the README
    browser.find_element(By.ID, "batch-start").click()
    _wait(browser).until(lambda b: "/batch/" in b.current_url)

    seen: list[tuple[str, str, str]] = []  # (phase, value, max) as the page showed them

    def finished(b: "WebDriver") -> bool:
        try:
            box = b.find_element(By.ID, "job")
            bar = b.find_element(By.ID, "job-progress")
            state = (box.get_attribute("data-phase") or "", bar.get_attribute("value") or "",
                     bar.get_attribute("max") or "")
        except Exception:  # the page is reloading
            return False
        if not seen or seen[-1] != state:
            seen.append(state)
        return state[0] in ("done", "failed") and bool(b.find_elements(By.ID, "job-phase"))

    _wait(browser, 120).until(finished)
    browser.save_screenshot(str(screenshot_dir / "batch-done.png"))
    phase, value, top = seen[-1]
    problems = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#job-problems li")]
    assert phase == "done", (seen, problems)
    assert value == top == "4", seen  # 100 %: four clients rendered of four
    # the job page speaks the UI language (Korean here), not English
    assert browser.find_element(By.ID, "job-phase").text.strip() not in ("", "Done."), \
        browser.find_element(By.ID, "job-phase").text
    link = browser.find_element(By.ID, "job-download")
    assert "4" in link.text
    link.click()
    archive = wait_for_download(downloads, ".zip")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert "manifest.json" in names, names
        docs = sorted(n for n in names if n.endswith(".docx"))
        assert len(docs) == 4, names
        manifest = json.loads(zf.read("manifest.json"))
        texts = []
        for name in docs:
            with zf.open(name) as fh:
                doc = Document(fh)
            texts.append("\n".join(p.text for p in doc.paragraphs)
                         + "\n".join(c.text for t in doc.tables for r in t.rows
                                     for c in r.cells))
        hashes = {Path(n).name: hashlib.sha256(zf.read(n)).hexdigest() for n in docs}
    assert manifest["kind"] == "weekly" and len(manifest["documents"]) == 4
    outputs = {o["path"]: o["sha256"] for d in manifest["documents"] for o in d["outputs"]}
    assert outputs == hashes  # the manifest names every file of the zip, bytes as sent
    for client in ("한일식품", "上海华阳化妆品", "台北山嵐咖啡", "Northline Sports Korea"):
        assert sum(client in text for text in texts) == 1, client


# --- the minutes form, in Korean ------------------------------------------------------

TITLE = "2027 S/S 루미엘 글로우 세럼 런칭 캠페인 킥오프 회의"


def type_date(field: "WebElement", iso: str) -> None:
    """Type ``iso`` (YYYY-MM-DD) into an <input type=date> with the keyboard, in whichever
    order this chromium's date field wants (its format follows the browser's own locale,
    not the page's: month/day/year in a headless en-US build, year. month. day. in ko)."""
    from selenium.webdriver.common.keys import Keys

    year, month, day = iso.split("-")
    for keys in ((month, day, year), (year, Keys.ARROW_RIGHT, month, day), (day, month, year)):
        field.clear()
        field.send_keys(*keys)
        if field.get_attribute("value") == iso:
            return
    raise AssertionError(f"could not type {iso} into the date field "
                         f"(got {field.get_attribute('value')!r})")


def _error(browser: "WebDriver", name: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'.field [data-error-for="{name}"]').text.strip()


def _problem_paths(browser: "WebDriver") -> list[str]:
    from selenium.webdriver.common.by import By

    return [li.get_attribute("data-path") or ""
            for li in browser.find_elements(By.CSS_SELECTOR, "#problems li[data-path]")]


def _fill_minutes(browser: "WebDriver") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def field(name: str) -> "WebElement":
        return browser.find_element(By.ID, f"f-{name}")

    field("title").send_keys(TITLE)
    Select(field("meeting_type")).select_by_value("client")
    field("client.name").send_keys("아리아코스메틱")
    type_date(field("date"), "2026-11-23")
    field("start_time").send_keys("1400")
    field("end_time").send_keys("1530")
    field("location").send_keys("아리아코스메틱 본사 12층 대회의실")
    field("attendees.0.name").send_keys("박지현")
    field("attendees.0.organization").send_keys("아리아코스메틱 마케팅본부")
    browser.find_element(By.CSS_SELECTOR, 'button[data-add-row="attendees"]').click()
    field("attendees.1.name").send_keys("김민수")
    field("attendees.1.organization").send_keys("한빛애드 AE팀")
    field("agenda").send_keys("캠페인 목표 확인\n크리에이티브 방향 논의")
    field("decisions").send_keys("B안으로 확정한다.")


def test_minutes_form_in_korean_errors_as_you_type_then_the_pdf(
        browser: "WebDriver", live_server: LiveServer, downloads: Path, screenshot_dir: Path,
        soffice: str, pdftotext: str) -> None:
    """An AE fills the minutes form (Korean UI); a date typed without separators and a
    cleared title show their located messages under the inputs while typing; once fixed
    they go, and the PDF downloaded from the page has the Korean title in its text."""
    import subprocess

    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(live_server("/kind/minutes"))
    assert _lang(browser) == "ko"
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("회의록")
    _fill_minutes(browser)
    ok = browser.find_element(By.ID, "validation")
    _wait(browser).until(lambda b: b.find_elements(By.ID, "problems-ok"))
    assert _problem_paths(browser) == []
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(screenshot_dir / "form-ko.png"))

    # mistakes, as typed: the date without separators, the title deleted
    date = browser.find_element(By.ID, "f-date")
    date.clear()
    date.send_keys("20261340")
    title = browser.find_element(By.ID, "f-title")
    title.clear()
    _wait(browser).until(lambda b: _error(b, "date") and _error(b, "title"))
    assert "회의 일자" in _error(browser, "date") and "날짜" in _error(browser, "date")
    assert "회의명" in _error(browser, "title") and "필수" in _error(browser, "title")
    assert set(_problem_paths(browser)) == {"date", "title"}
    assert not browser.find_elements(By.ID, "problems-ok")
    browser.find_element(By.CSS_SELECTOR, '.field[data-field="date"]').location_once_scrolled_into_view
    browser.save_screenshot(str(screenshot_dir / "form-error.png"))

    # fixed: the messages go
    type_date(date, "2026-11-23")
    title.send_keys(TITLE)
    _wait(browser).until(lambda b: not _error(b, "date") and not _error(b, "title"))
    _wait(browser).until(lambda b: b.find_elements(By.ID, "problems-ok"))
    assert ok.is_displayed()

    browser.find_element(By.ID, "download-pdf").click()
    pdf = wait_for_download(downloads, ".pdf", timeout=120)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    squeezed = "".join(text.split())
    assert "".join(TITLE.split()) in squeezed, text[:500]
    assert "회의록" in squeezed and "박지현" in squeezed and "아리아코스메틱" in squeezed


# --- team mode: the log-in page -------------------------------------------------------

def test_team_mode_log_in_page_in_korean(browser: "WebDriver", tmp_path: Path,
                                         screenshot_dir: Path) -> None:
    """``docgen serve --team``: a visitor is sent to the log-in page (Korean); a wrong
    password is refused there with a message, the right one opens the documents with the
    user's name and a log-out button; log-out leads back to the log-in page."""
    from selenium.webdriver.common.by import By

    try:
        from docgen.web import users as store
    except ImportError:
        pytest.skip("team mode's user store (docgen.web.users, W-TEAM) does not exist yet")
    from docgen.ledger import open_ledger
    from docgen.profile import load_profile

    config = tmp_path / "docgen.toml"
    db = f"sqlite:///{(tmp_path / 'ledger.db').as_posix()}"
    config.write_text(f'[ledger]\nurl = "{db}"\narchive = "{(tmp_path / "archive").as_posix()}"\n',
                      encoding="utf-8")
    ledger = open_ledger(db, archive=tmp_path / "archive")
    try:
        store.add_user(ledger, "jihyun", role="ae", name="박지현", password="correct horse 1",
                       clients=["아리아코스메틱"])
    finally:
        ledger.close()
    app = docgen_app(tmp_path / "work", profile_path=config, profile=load_profile(config),
                     team=True)
    try:
        with serve(app, tmp_path / "work") as server:  # type: ignore[arg-type]
            browser.delete_all_cookies()
            browser.get(server("/kind/minutes"))
            _wait(browser).until(lambda b: "/login" in b.current_url)
            assert _lang(browser) == "ko"
            assert browser.find_element(By.TAG_NAME, "h1").text == "로그인"
            # nobody is logged in yet: nothing to log out of
            assert not [b for b in browser.find_elements(By.CSS_SELECTOR, ".logout")
                        if b.is_displayed()], "a log-out button on the log-in page"
            browser.find_element(By.ID, "login").send_keys("jihyun")
            browser.find_element(By.ID, "password").send_keys("wrong password")
            browser.find_element(By.ID, "login-submit").click()
            error = _wait(browser).until(lambda b: b.find_element(By.ID, "login-error"))
            assert error.text and "password" not in error.text.lower()  # Korean, not English
            browser.save_screenshot(str(screenshot_dir / "team-login-refused.png"))
            browser.find_element(By.ID, "password").send_keys("correct horse 1")
            login = browser.find_element(By.ID, "login")
            if not login.get_attribute("value"):
                login.send_keys("jihyun")
            browser.find_element(By.ID, "login-submit").click()
            _wait(browser).until(lambda b: "/login" not in b.current_url)
            assert browser.find_element(By.CSS_SELECTOR, ".logout .user").text == "박지현"
            assert browser.find_element(By.TAG_NAME, "h1").text.startswith("회의록")
            browser.find_element(By.CSS_SELECTOR, ".logout button[type=submit]").click()
            _wait(browser).until(lambda b: "/login" in b.current_url
                                 or b.find_elements(By.ID, "login-form"))
            browser.get(server("/"))
            _wait(browser).until(lambda b: "/login" in b.current_url)
    finally:
        _close_app(app)


def _close_app(app: object) -> None:
    """What the team app holds open (job runners, the users' ledger)."""
    state = getattr(app, "state", None)
    for name in ("ops_jobs", "ops_ledger"):
        found = getattr(state, name, None)
        if found is not None:
            found.close()
    guard = getattr(state, "security", None)
    if guard is not None and getattr(guard, "ledger", None) is not None:
        guard.ledger.close()
