"""Fixtures of the web tests: a live server (uvicorn in a thread) and a real browser.

The browser is Debian's ``chromium`` driven by Debian's ``chromedriver`` through
Selenium — never a downloaded browser: the driver's path is given to Selenium
explicitly (so Selenium Manager is never asked to find or fetch one) and Selenium
Manager is told to stay offline anyway. Tests that use the ``browser`` fixture are
marked ``browser`` (and ``slow``); like LibreOffice, a missing chromium/chromedriver
skips them locally and fails them in CI (``CI`` set; ``.ci/run`` installs both).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from starlette.types import ASGIApp

# Selenium Manager must never reach the network (the paths are explicit anyway).
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

# The UI language the browser asks for (Accept-Language, navigator.language).
BROWSER_LANG = "ko-KR"


# --- the live server --------------------------------------------------------------

@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    work_dir: Path

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@contextlib.contextmanager
def serve(app: "ASGIApp", work_dir: Path) -> Iterator[LiveServer]:
    """Run ``app`` with uvicorn in a thread on a free loopback port until the block ends.

    The socket is bound here (port 0: the kernel picks a free one) and handed to
    uvicorn, so there is no window in which another process could take the port.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"live-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if errors or not thread.is_alive():
            sock.close()
            raise RuntimeError(f"the live server did not start: {errors!r}")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise RuntimeError("the live server did not start within 20 s")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", work_dir=work_dir)
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        if thread.is_alive():
            server.force_exit = True
            thread.join(5)
        assert not thread.is_alive(), "the live server did not shut down"


def docgen_app(work_dir: Path, **settings: Any) -> "ASGIApp":
    """docgen's own web app (local mode unless ``team=True``) with ``work_dir``."""
    from docgen.web import create_app  # type: ignore[attr-defined,unused-ignore]
    from docgen.web.settings import WebSettings

    app: ASGIApp = create_app(WebSettings(work_dir=work_dir, secret_key=os.urandom(32),
                                          **settings))
    return app


def have_create_app() -> bool:
    try:
        import docgen.web as web
    except ImportError:
        return False
    return hasattr(web, "create_app")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """docgen serve's app on a free 127.0.0.1 port (one per test module)."""
    if not have_create_app():
        pytest.skip("docgen.web.create_app does not exist yet (W-CORE)")
    work_dir = tmp_path_factory.mktemp("web-work")
    with serve(docgen_app(work_dir), work_dir) as server:
        yield server


# --- the browser --------------------------------------------------------------------

def _find(env: str, *names: str) -> Optional[str]:
    given = os.environ.get(env)
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium() -> tuple[Optional[str], Optional[str]]:
    """(chromium, chromedriver) as installed by the system (Debian: /usr/bin/…);
    DOCGEN_CHROMIUM / DOCGEN_CHROMEDRIVER override."""
    return (_find("DOCGEN_CHROMIUM", "chromium", "chromium-browser"),
            _find("DOCGEN_CHROMEDRIVER", "chromedriver"))


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver; skipped locally when absent, a failure in CI."""
    binary, driver = find_chromium()
    missing = [name for name, path in (("chromium", binary), ("chromedriver", driver))
               if path is None]
    if missing:
        what = " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required in CI; .ci/run installs chromium and "
                        "chromium-driver")
        pytest.skip(f"{what} is not installed (apt-get install chromium chromium-driver): "
                    "real-browser tests skipped")
    assert binary is not None and driver is not None
    return binary, driver


def start_chromium(binary: str, driver: str, profile_dir: Path, downloads: Path,
                   lang: str = BROWSER_LANG) -> "WebDriver":
    """A headless chromium with a private profile, ``lang`` as its UI language and
    downloads going to ``downloads`` without asking."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", f"--user-data-dir={profile_dir}", f"--lang={lang}",
                "--window-size=1280,1024", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--password-store=basic"):
        options.add_argument(arg)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # chromium refuses to run as root otherwise
    options.add_experimental_option("prefs", {
        "intl.accept_languages": f"{lang},{lang.split('-')[0]}",
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "safebrowsing.enabled": False,
        "plugins.always_open_pdf_externally": True,  # a PDF link downloads, not views
    })
    service = webdriver.ChromeService(executable_path=driver,
                                      log_output=str(profile_dir.parent / "chromedriver.log"))
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(30)
    set_download_dir(browser, downloads)
    return browser


def set_download_dir(browser: "WebDriver", downloads: Path) -> None:
    downloads.mkdir(parents=True, exist_ok=True)
    browser.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True})


@pytest.fixture(scope="module")
def browser(chromium: tuple[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator["WebDriver"]:
    """One headless chromium per test module (UI language ko-KR)."""
    binary, driver = chromium
    base = tmp_path_factory.mktemp("chromium")
    profile = base / "profile"
    profile.mkdir()
    drv = start_chromium(binary, driver, profile, base / "downloads")
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture
def downloads(browser: "WebDriver", tmp_path: Path) -> Path:
    """This test's download folder (the module's browser saves there from now on)."""
    folder = tmp_path / "downloads"
    set_download_dir(browser, folder)
    return folder


def wait_for_download(folder: Path, suffix: str, timeout: float = 60) -> Path:
    """The first finished file ending in ``suffix`` that appears in ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}")
                if not p.name.endswith(".crdownload") and p.stat().st_size > 0]
        partial = list(folder.glob("*.crdownload"))
        if done and not partial:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {folder} within {timeout} s: "
                         f"{sorted(p.name for p in folder.iterdir()) if folder.exists() else []}")


def _screenshots(factory: pytest.TempPathFactory) -> Path:
    folder = factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests' screenshots go: <pytest's base temp>/screenshots."""
    return _screenshots(tmp_path_factory)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.stash[_CALL_FAILED] = bool(report.failed)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest,
                           tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """When a test that uses the browser fails, save what the page looked like."""
    yield
    drv: Optional[WebDriver] = getattr(request.node, "funcargs", {}).get("browser")
    if drv is None or not request.node.stash.get(_CALL_FAILED, False):
        return
    folder = _screenshots(tmp_path_factory)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
    path = folder / f"FAILED-{name}.png"
    with contextlib.suppress(Exception):
        drv.save_screenshot(str(path))
        (folder / f"FAILED-{name}.html").write_text(drv.page_source, encoding="utf-8")
        print(f"\nscreenshot of the failure: {path} (url {drv.current_url})")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
