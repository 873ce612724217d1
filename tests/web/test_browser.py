"""Real-browser tests of docgen serve: Debian's chromium through Selenium (issue 14, point 4).

Every test here is marked ``browser`` (tests/web/conftest.py): skipped locally when
chromium/chromedriver are not installed, a failure in CI.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import LiveServer, serve, wait_for_download

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
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
