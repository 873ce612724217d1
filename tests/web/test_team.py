"""Team mode through the test client: log-in, log-out, sessions, throttling, CSRF on
every POST route, roles, and access control — one AE never reads another AE's client.

Every route of the app is classified in :data:`ACCESS` (area, and how its client data
is kept from other AEs); a route nobody classified fails
:func:`test_every_route_is_classified`, so a new page cannot slip past these tests.
The ledger (users, documents) is SQLite in tmp_path, and PostgreSQL when
$DOCGEN_TEST_POSTGRES_URL is set (tests/web/test_users.py's ``users_db``).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import openpyxl
import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from docgen.ledger import open_ledger
from docgen.ledger.store import Ledger
from docgen.profile import load_profile
from docgen.web import create_app, security
from docgen.web import users as store
from docgen.web.settings import WebSettings
from tests.ledger.issuing import brief, invoice, issue
from tests.web.test_ledger_web import form_items, sample_brief
from tests.web.test_users import config_url, users_db  # noqa: F401  (fixtures, both backends)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse 1"
A_CLIENT, B_CLIENT = "한빛전자", "누리식품"  # ana's and ben's clients


# --- the route table ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """How a route is guarded: ``area`` (None: public or any logged-in user) and
    ``data``: how other clients' data is kept out — "none" (the route shows none),
    "filtered" (a list: only visible clients), "item" (one client's item: 404),
    "record" (renders a posted record: 403 for another client), "owner" (a job of its
    user only: 404), "sheet" (a run over a sheet: another client's rows refused)."""

    area: Optional[str]
    data: str = "none"
    public: bool = False


PUBLIC = Rule(None, public=True)
ANY_USER = Rule(None)

ACCESS: dict[tuple[str, str], Rule] = {
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): ANY_USER,
    # documents (W-CORE): the kind list and forms carry no client data; validation
    # answers about the user's own typing; a render is refused for another's client
    ("GET", "/"): Rule("documents"),
    ("GET", "/kind/{kind}"): Rule("documents"),
    ("POST", "/kind/{kind}"): Rule("documents"),
    ("POST", "/kind/{kind}/validate"): Rule("documents"),
    ("POST", "/kind/{kind}/preview"): Rule("documents", "record"),
    ("POST", "/kind/{kind}/download"): Rule("documents", "record"),
    # users (W-TEAM)
    ("GET", "/users"): Rule("users"),
    ("POST", "/users"): Rule("users"),
    ("POST", "/users/{login}/assign"): Rule("users"),
    ("POST", "/users/{login}/unassign"): Rule("users"),
    ("POST", "/users/{login}/disable"): Rule("users"),
    ("POST", "/users/{login}/enable"): Rule("users"),
    ("POST", "/users/{login}/password"): Rule("users"),
    # batch (W-OPS): jobs belong to their user
    ("GET", "/batch"): Rule("batch", "owner"),
    ("POST", "/batch"): Rule("batch", "sheet"),
    ("GET", "/batch/{job}"): Rule("batch", "owner"),
    ("GET", "/batch/{job}/progress"): Rule("batch", "owner"),
    ("GET", "/batch/{job}/download"): Rule("batch", "owner"),
    # ledger (W-OPS)
    ("POST", "/kind/{kind}/issue"): Rule("ledger", "record"),
    ("GET", "/issued/{job}/{name}"): Rule("ledger", "owner"),
    ("GET", "/ledger"): Rule("ledger", "filtered"),
    ("GET", "/ledger/job/{number:path}"): Rule("ledger", "item"),
    ("GET", "/receivables"): Rule("receivables", "filtered"),
    ("GET", "/receivables.xlsx"): Rule("receivables", "filtered"),
    # mail (W-OPS)
    ("GET", "/mail"): Rule("mail", "owner"),
    ("POST", "/mail"): Rule("mail", "sheet"),
    ("GET", "/mail/{job}"): Rule("mail", "owner"),
    ("GET", "/mail/{job}/progress"): Rule("mail", "owner"),
    ("GET", "/mail/{job}/download"): Rule("mail", "owner"),
}
# A value for each path parameter, so every route can be requested.
PARAMS = {"kind": "brief", "login": "ana", "job": "no-such-job", "name": "x.docx",
          "number:path": "J-100"}


def app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Mount):
            found.add(("GET", route.path))
        elif isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return found


def url(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: PARAMS[m.group(1)], path)


# --- fixtures ----------------------------------------------------------------------------

@dataclass
class Team:
    app: Any
    ledger: Ledger
    profile: Any
    accounts: dict[str, store.Account]

    def client(self, login: Optional[str] = None, **options: Any) -> "Browser":
        browser = Browser(TestClient(self.app, **options))
        if login is not None:
            response = browser.log_in(login, PASSWORD)
            assert response.status_code == 303, response.text
        return browser


class Browser:
    """A test client that keeps the page's CSRF token like docgen.js does."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def token(self, path: str = "/login") -> str:
        page = self.http.get(path)
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert found, page.text[:300]
        return found.group(1)

    def log_in(self, login: str, password: str, **headers: str) -> Any:
        token = self.token()
        return self.http.post("/login", data={"login": login, "password": password,
                                              "csrf_token": token},
                              headers=headers, follow_redirects=False)

    def post(self, path: str, data: Any = None, files: Any = None, **kwargs: Any) -> Any:
        token = self.token("/")
        return self.http.post(path, data={**(dict(data or {})), "csrf_token": token},
                              files=files, follow_redirects=False, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(path, follow_redirects=False, **kwargs)


def _config(tmp_path: Path, url_: str) -> Path:
    path = tmp_path / "docgen.toml"
    path.write_text(f'[ledger]\nurl = "{url_}"\narchive = "{(tmp_path / "archive").as_posix()}"\n'
                    '[ledger.series]\nbrief = "WO-{yyyy}-{seq:03}"\n', encoding="utf-8")
    return path


def _close(app: Any) -> None:
    for name in ("ops_jobs", "ops_ledger"):
        found = getattr(app.state, name, None)
        if found is not None:
            found.close()
    guard = getattr(app.state, "security", None)
    if guard is not None and guard.ledger is not None:
        guard.ledger.close()


@pytest.fixture
def team_factory(users_db: str, config_url: str,
                 tmp_path: Path) -> Iterator[Callable[..., Team]]:
    config = _config(tmp_path, config_url)
    profile = load_profile(config)
    ledger = open_ledger(users_db, archive=tmp_path / "archive")
    accounts = {
        "boss": store.add_user(ledger, "boss", role="admin", name="Boss", password=PASSWORD),
        "fin": store.add_user(ledger, "fin", role="finance", name="Fin", password=PASSWORD),
        "ana": store.add_user(ledger, "ana", role="ae", name="Ana", password=PASSWORD,
                              clients=[A_CLIENT]),
        "ben": store.add_user(ledger, "ben", role="ae", name="Ben", password=PASSWORD,
                              clients=[B_CLIENT]),
    }
    for job, client, price, ae in (("J-100", A_CLIENT, 1_000_000, "Ana"),
                                   ("J-200", B_CLIENT, 2_500_000, "Ben")):
        issue(ledger, "brief", brief(job, client, ae=ae), checks=False)
        issue(ledger, "invoice", invoice(job, client, price=price, ae=ae), checks=False)
    apps: list[Any] = []

    def make(**settings: Any) -> Team:
        app = create_app(WebSettings(work_dir=tmp_path / f"work{len(apps)}",
                                     secret_key=b"s" * 32, profile_path=config,
                                     profile=profile, team=True, **settings))
        apps.append(app)
        return Team(app, ledger, profile, accounts)
    try:
        yield make
    finally:
        for app in apps:
            _close(app)
        ledger.close()


@pytest.fixture
def team(team_factory: Callable[..., Team]) -> Team:
    return team_factory()


# --- the table itself -----------------------------------------------------------------

def test_every_route_is_classified(team: Team) -> None:
    """A new route must be added to ACCESS (with its rule) before it can pass."""
    routes = app_routes(team.app)
    unclassified = sorted(routes - set(ACCESS))
    assert not unclassified, f"routes without an access rule in ACCESS: {unclassified}"
    gone = sorted(set(ACCESS) - routes)
    assert not gone, f"ACCESS names routes the app does not have: {gone}"
    for rule in ACCESS.values():
        assert rule.area is None or rule.area in security.AREAS


# --- log-in, sessions ---------------------------------------------------------------------

def test_anonymous_goes_to_log_in(team: Team) -> None:
    browser = team.client()
    for (method, path), rule in ACCESS.items():
        if rule.public:
            continue
        response = (browser.get(url(path)) if method == "GET"
                    else browser.http.post(url(path), follow_redirects=False))
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (method, path)
    assert browser.get("/static/docgen.css").status_code == 200
    assert browser.get("/login").status_code == 200
    # the page asked for comes back after log-in (never another site)
    start = browser.get("/ledger?open=1")
    assert start.headers["location"] == "/login?next=%2Fledger%3Fopen%3D1"
    token = browser.token()
    done = browser.http.post("/login", data={"login": "ana", "password": PASSWORD,
                                             "csrf_token": token, "next": "/ledger?open=1"},
                             follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ledger?open=1"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = team.client()
        token = other.token()
        r = other.http.post("/login", data={"login": "ana", "password": PASSWORD,
                                            "csrf_token": token, "next": evil},
                            follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_log_in_and_out(team: Team) -> None:
    browser = team.client()
    before = browser.http.cookies.get(security.SESSION_COOKIE)
    r = browser.log_in("ANA", PASSWORD)  # the log-in name's case does not matter
    assert r.status_code == 303
    after = browser.http.cookies.get(security.SESSION_COOKIE)
    assert after and after != before
    page = browser.get("/ledger")
    assert page.status_code == 200 and "Ana" in page.text
    kept = dict(browser.http.cookies)
    token = browser.token("/")
    out = browser.http.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/ledger").status_code == 303
    # the cookie from before the log-out opens nothing any more (the session is gone)
    replay = TestClient(team.app, cookies=kept)
    assert replay.get("/ledger", follow_redirects=False).status_code == 303


def test_a_session_planted_before_log_in_stays_anonymous(team: Team) -> None:
    """Session fixation: a cookie an attacker got (or set) before the victim logged in
    is not the logged-in session."""
    browser = team.client()
    browser.token()  # the anonymous session exists now
    planted = dict(browser.http.cookies)
    assert browser.log_in("ana", PASSWORD).status_code == 303
    attacker = TestClient(team.app, cookies=planted)
    assert attacker.get("/ledger", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("login, password", [("ana", "wrong password"), ("nobody", PASSWORD),
                                             ("", "")])
def test_wrong_password_says_the_same_for_everyone(team: Team, login: str,
                                                   password: str) -> None:
    browser = team.client()
    r = browser.log_in(login, password, **{"Accept-Language": "ko-KR,ko;q=0.9"})
    assert r.status_code == 401
    assert "로그인 이름 또는 비밀번호가 틀렸습니다." in r.text
    assert browser.get("/ledger").status_code == 303


def test_a_disabled_user_is_out_at_once(team: Team) -> None:
    browser = team.client("ana")
    assert browser.get("/ledger").status_code == 200
    store.set_active(team.ledger, "ana", False)
    assert browser.get("/ledger").status_code == 303  # the open session ended
    assert team.client().log_in("ana", PASSWORD).status_code == 401


def test_throttling(team: Team) -> None:
    guard = team.app.state.security
    now = [1000.0]
    guard.by_login.clock = guard.by_address.clock = lambda: now[0]
    browser = team.client()
    for _ in range(5):
        assert browser.log_in("ana", "wrong password").status_code == 401
    # the sixth attempt waits, even with the right password, in the user's language
    r = browser.log_in("ana", PASSWORD, **{"Accept-Language": "zh-TW"})
    assert r.status_code == 429
    assert "登入失敗次數過多：請在 5 分鐘後重試。" in r.text
    assert 1 <= int(r.headers["Retry-After"]) <= 300
    # another user is not locked out by ana's failures
    assert team.client().log_in("ben", PASSWORD).status_code == 303
    now[0] += 301
    assert browser.log_in("ana", PASSWORD).status_code == 303


def test_throttling_per_address() -> None:
    throttle = security.Throttle(limit=3, window=60.0, clock=lambda: clock[0])
    clock = [0.0]
    for _ in range(3):
        assert throttle.wait("k") == 0
        throttle.fail("k")
    assert 0 < throttle.wait("k") <= 60
    clock[0] = 60.5
    assert throttle.wait("k") == 0


@pytest.mark.parametrize("https_only", [False, True])
def test_session_cookie_flags(team_factory: Callable[..., Team], https_only: bool) -> None:
    team = team_factory(https_only=https_only)
    base = "https://testserver" if https_only else "http://testserver"
    browser = team.client(base_url=base)
    r = browser.log_in("ana", PASSWORD)
    cookie = next(v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith(security.SESSION_COOKIE + "="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= flags
    assert "samesite=lax" in cookie.lower()
    assert ("secure" in flags) is https_only
    assert browser.get("/ledger").status_code == 200


def test_the_session_cookie_is_signed(team: Team) -> None:
    browser = team.client("ana")
    value = browser.http.cookies[security.SESSION_COOKIE]
    payload, _, signature = value.partition(".")
    forged = TestClient(team.app, cookies={security.SESSION_COOKIE: payload + ".x.y"})
    assert forged.get("/ledger", follow_redirects=False).status_code == 303


def test_team_mode_needs_a_ledger(tmp_path: Path) -> None:
    from docgen.errors import UsageError
    from docgen.profile import Profile

    with pytest.raises(UsageError):
        create_app(WebSettings(work_dir=tmp_path, secret_key=b"s" * 32, profile=Profile(),
                               team=True))


# --- CSRF ------------------------------------------------------------------------------

def _posts(app: Any) -> list[str]:
    return sorted(path for method, path in app_routes(app) if method == "POST")


def test_csrf_on_every_post_route(team: Team) -> None:
    browser = team.client("boss")
    right = browser.token("/")
    paths = _posts(team.app)
    assert len(paths) >= 10
    for path in paths:
        if path == "/login":
            continue
        for headers, data in (({}, {}), ({}, {"csrf_token": "wrong"}),
                              ({"X-CSRF-Token": "wrong"}, {}),
                              ({"X-CSRF-Token": right[:-1]}, {"csrf_token": right[:-1]})):
            r = browser.http.post(url(path), data=data, headers=headers, follow_redirects=False)
            assert r.status_code == 403, (path, headers, data, r.status_code)
    # log-in itself: no token, no log-in (login CSRF)
    anonymous = team.client()
    anonymous.token()
    r = anonymous.http.post("/login", data={"login": "ana", "password": PASSWORD},
                            follow_redirects=False)
    assert r.status_code == 403
    # the token of one session is worthless in another
    other = team.client("fin")
    r = other.http.post("/logout", data={"csrf_token": right}, follow_redirects=False)
    assert r.status_code == 403
    assert browser.http.post("/logout", headers={"X-CSRF-Token": right},
                             follow_redirects=False).status_code == 303


def test_csrf_in_local_mode(tmp_path: Path) -> None:
    app = create_app(WebSettings(work_dir=tmp_path, secret_key=b"s" * 32))
    try:
        client = TestClient(app)
        assert client.get("/users").status_code == 404  # no users without team mode
        page = client.get("/")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        for path in _posts(app):
            r = client.post(url(path), data={}, follow_redirects=False)
            assert r.status_code == 403, path
            r = client.post(url(path), data={"csrf_token": "x" * 43}, follow_redirects=False)
            assert r.status_code == 403, path
        ok = client.post("/kind/brief/validate", data={"csrf_token": token.group(1)})
        assert ok.status_code == 200
        # DNS rebinding: a page of another name pointing at 127.0.0.1 gets nothing
        assert client.get("/", headers={"Host": "evil.example:8750"}).status_code == 400
        assert client.get("/", headers={"Host": "127.0.0.1:8750"}).status_code == 200
        assert client.get("/", headers={"Host": "[::1]:8750"}).status_code == 200
        assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    finally:
        _close(app)


# --- roles ------------------------------------------------------------------------------

ROLE_USERS = {"admin": "boss", "finance": "fin", "ae": "ana"}


def test_roles_open_their_areas_only(team: Team) -> None:
    for role, login in ROLE_USERS.items():
        browser = team.client(login)
        for (method, path), rule in ACCESS.items():
            if rule.area is None or (method, path) not in app_routes(team.app):
                continue
            allowed = role in security.AREAS[rule.area]
            if method == "GET":
                r = browser.get(url(path))
            else:
                r = browser.post(url(path))
            if allowed:
                assert r.status_code != 403 or rule.data == "record", (role, method, path)
            else:
                assert r.status_code == 403, (role, method, path, r.status_code)


def test_nav_shows_the_roles_areas(team: Team) -> None:
    ae = team.client("ana").get("/").text
    assert 'data-nav="users"' not in ae and 'data-nav="receivables"' not in ae
    assert 'data-nav="ledger"' in ae
    admin = team.client("boss").get("/").text
    assert 'data-nav="users"' in admin and 'data-nav="receivables"' in admin


def test_admin_manages_users_in_the_page(team: Team) -> None:
    admin = team.client("boss")
    r = admin.post("/users", {"login": "cho", "name": "Cho", "role": "ae",
                              "clients": f"{A_CLIENT}\n{B_CLIENT}", "password": PASSWORD,
                              "password2": PASSWORD})
    assert r.status_code == 303
    page = admin.get("/users", headers={"Accept-Language": "ko"}).text
    assert "사용자 cho을(를) 추가했습니다." in page and 'data-login="cho"' in page
    cho = team.client("cho")
    assert B_CLIENT in cho.get("/ledger").text
    assert admin.post("/users/cho/unassign", {"client": B_CLIENT}).status_code == 303
    assert B_CLIENT not in cho.get("/ledger").text  # at the next request
    assert admin.post("/users/cho/assign", {"clients": "Gamma Co"}).status_code == 303
    account = store.get_user(team.ledger, "cho")
    assert account is not None and account.clients == ("Gamma Co", A_CLIENT)
    bad = admin.post("/users", {"login": "cho", "role": "ae", "password": PASSWORD,
                                "password2": PASSWORD}, headers={"Accept-Language": "zh-CN"})
    assert bad.status_code == 400 and "用户“cho”已存在" in bad.text
    differ = admin.post("/users", {"login": "dan", "role": "ae", "password": PASSWORD,
                                   "password2": PASSWORD + "x"})
    assert differ.status_code == 400 and store.get_user(team.ledger, "dan") is None
    assert admin.post("/users/cho/password", {"password": "brand new pw",
                                              "password2": "brand new pw"}).status_code == 303
    assert cho.get("/ledger").status_code == 303  # a new password ends the sessions
    assert team.client().log_in("cho", "brand new pw").status_code == 303
    assert admin.post("/users/cho/disable").status_code == 303
    assert team.client().log_in("cho", "brand new pw").status_code == 401
    assert admin.post("/users/cho/enable").status_code == 303
    last = admin.post("/users/boss/disable")
    assert last.status_code == 400 and "last active admin" in last.text
    assert admin.post("/users/nobody/disable").status_code == 400


# --- one AE never reads another AE's client -------------------------------------------------

def _job_of(team: Team, owner: str, task: str, archive: Optional[str] = None) -> Any:
    """A finished job of ``owner`` in the app's job runner (as the batch, issue and mail
    pages make them), with a file to download."""
    from docgen.web.jobs import OUTCOME, JobRunner, Outcome

    runner = getattr(team.app.state, "ops_jobs", None)
    if not isinstance(runner, JobRunner):
        runner = JobRunner(Path(team.app.state.settings.work_dir))
        team.app.state.ops_jobs = runner
    job = runner.new(team.accounts[owner].id, task, "sheet.xlsx")
    if archive:
        (job.folder / archive).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    import pickle
    (job.folder / OUTCOME).write_bytes(pickle.dumps(Outcome(True, archive=archive)))
    (job.folder / "progress.json").write_text('{"phase": "done", "done": 1, "total": 1}')
    job.process = subprocess.Popen(["true"])  # a process that has ended
    job.process.wait()
    return job


def probe_ledger(team: Team) -> None:
    ana, fin = team.client("ana"), team.client("fin")
    listing = ana.get("/ledger")
    assert listing.status_code == 200
    assert 'data-job="J-100"' in listing.text and A_CLIENT in listing.text
    assert 'data-job="J-200"' not in listing.text and B_CLIENT not in listing.text
    assert ana.get("/ledger/job/J-100").status_code == 200
    other = ana.get("/ledger/job/J-200")
    assert other.status_code == 404 and B_CLIENT not in other.text
    assert ana.get("/ledger/job/J-404").status_code == 404  # the same as none
    assert B_CLIENT in fin.get("/ledger").text
    assert fin.get("/ledger/job/J-200").status_code == 200


def probe_receivables(team: Team) -> None:
    for login in ("ana", "ben"):
        ae = team.client(login)
        for path in ("/receivables?as_of=2026-12-31", "/receivables.xlsx?as_of=2026-12-31"):
            r = ae.get(path)
            assert r.status_code == 403 and A_CLIENT not in r.text and B_CLIENT not in r.text
    fin = team.client("fin")
    page = fin.get("/receivables?as_of=2026-12-31")
    assert page.status_code == 200 and A_CLIENT in page.text and B_CLIENT in page.text
    book = openpyxl.load_workbook(io.BytesIO(fin.get("/receivables.xlsx?as_of=2026-12-31").content))
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert A_CLIENT in cells and B_CLIENT in cells


def _record(client: str) -> dict[str, Any]:
    record = sample_brief()
    if isinstance(record.get("client"), dict):
        record["client"] = {**record["client"], "name": client}
    else:
        record["client"] = client
    return record


def probe_records(team: Team) -> None:
    """Rendering (and issuing) a record is refused for a client the AE does not have."""
    ana = team.client("ana")
    for path in ("/kind/brief/download?format=docx", "/kind/brief/preview?format=html",
                 "/kind/brief/issue"):
        refused = ana.post(path, form_items(_record(B_CLIENT)))
        assert refused.status_code == 403, (path, refused.status_code, re.findall(r"<p class=\"error-message[^>]*>([^<]*)", refused.text), re.findall(r"<li>([^<]*)</li>", refused.text))
    mine = ana.post("/kind/brief/download?format=docx", form_items(_record(A_CLIENT)))
    assert mine.status_code == 200, mine.text[:500]
    assert mine.content[:2] == b"PK"
    # a record without a client at all is nobody else's
    nobody = _record(A_CLIENT)
    nobody.pop("client")
    r = ana.post("/kind/brief/validate", form_items(nobody))
    assert r.status_code == 200


def probe_jobs(team: Team) -> None:
    """Batch, issue and mail jobs: another user's job is 404, as an unknown one."""
    from docgen.web.views_batch import BATCH_TASK
    from docgen.web.views_ledger import ISSUE_TASK

    ana, ben = team.client("ana"), team.client("ben")
    batch = _job_of(team, "ben", BATCH_TASK, archive="out.zip")
    for path in (f"/batch/{batch.id}", f"/batch/{batch.id}/progress",
                 f"/batch/{batch.id}/download"):
        assert ana.get(path).status_code == 404, path
    assert batch.id not in ana.get("/batch").text
    assert batch.id in ben.get("/batch").text
    assert ben.get(f"/batch/{batch.id}/progress").status_code == 200
    issued = _job_of(team, "ben", ISSUE_TASK, archive="brief_WO-1.docx")
    assert ana.get(f"/issued/{issued.id}/brief_WO-1.docx").status_code == 404
    from docgen.web import views_mail

    mail = _job_of(team, "ben", getattr(views_mail, "MAIL_TASK"), archive="drafts.zip")
    for path in (f"/mail/{mail.id}", f"/mail/{mail.id}/progress", f"/mail/{mail.id}/download"):
        assert ana.get(path).status_code == 404, path
    assert mail.id not in ana.get("/mail").text
    assert mail.id in ben.get("/mail").text


def _sheet(client: str) -> bytes:
    """The bundled weekly batch sheet's first client, renamed ``client``."""
    lines = (ROOT / "samples" / "batch" / "weekly_tasks.csv").read_text(
        encoding="utf-8-sig").splitlines()
    first = lines[1].split(",")[0]
    rows = [lines[0]] + [line.replace(first, client) for line in lines[1:]
                         if line.startswith(first + ",")]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _outcome(browser: Browser, started: Any) -> tuple[dict[str, Any], str]:
    """Follow a started job to its end (its progress JSON); its state and page."""
    import time

    assert started.status_code == 303, started.text[:500]
    page = started.headers["location"]
    for _ in range(600):
        state = browser.get(page + "/progress").json()
        if state["finished"]:
            return state, browser.get(page).text
        time.sleep(0.1)
    raise AssertionError("the job did not end")


def probe_sheets(team: Team) -> None:
    """A batch or mail run over a sheet naming another AE's client stops with that
    client named, nothing made; the same sheet with the AE's own client runs."""
    ana = team.client("ana")

    def upload(client: str) -> dict[str, Any]:
        return {"file": ("weekly.csv", _sheet(client), "text/csv")}
    state, _ = _outcome(ana, ana.post("/batch", {"kind": "weekly", "group_by": "client",
                                                 "formats": "docx"}, files=upload(A_CLIENT)))
    assert state["ok"] is True, state
    state, page = _outcome(ana, ana.post("/batch", {"kind": "weekly", "group_by": "client",
                                                    "formats": "docx"}, files=upload(B_CLIENT)))
    assert state["ok"] is False and state["download"] is None, state
    assert B_CLIENT in page
    state, page = _outcome(ana, ana.post("/mail", {"kind": "weekly", "action": "drafts"},
                                         files=upload(B_CLIENT)))
    assert state["ok"] is False and state["download"] is None, state
    assert B_CLIENT in page


PROBES: dict[str, Callable[[Team], None]] = {
    "ledger": probe_ledger, "receivables": probe_receivables, "records": probe_records,
    "jobs": probe_jobs, "sheets": probe_sheets,
}
# Which probe proves each route's rule (every route with client data has one).
PROBED_BY = {
    ("GET", "/ledger"): "ledger", ("GET", "/ledger/job/{number:path}"): "ledger",
    ("GET", "/receivables"): "receivables", ("GET", "/receivables.xlsx"): "receivables",
    ("POST", "/kind/{kind}/preview"): "records", ("POST", "/kind/{kind}/download"): "records",
    ("POST", "/kind/{kind}/issue"): "records",
    ("GET", "/batch"): "jobs", ("GET", "/batch/{job}"): "jobs",
    ("GET", "/batch/{job}/progress"): "jobs", ("GET", "/batch/{job}/download"): "jobs",
    ("GET", "/issued/{job}/{name}"): "jobs",
    ("GET", "/mail"): "jobs", ("GET", "/mail/{job}"): "jobs",
    ("GET", "/mail/{job}/progress"): "jobs", ("GET", "/mail/{job}/download"): "jobs",
    ("POST", "/batch"): "sheets", ("POST", "/mail"): "sheets",
}


def test_every_client_route_has_a_probe() -> None:
    with_data = {key for key, rule in ACCESS.items() if rule.data != "none"}
    assert with_data == set(PROBED_BY)


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_an_ae_never_reads_another_clients_data(team: Team, probe: str) -> None:
    PROBES[probe](team)
