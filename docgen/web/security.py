"""Who is asking, and what they may see: sessions, log-in, CSRF, roles and clients.

Local mode (``docgen serve`` on 127.0.0.1) has one user, :data:`LOCAL_USER`, who sees
every client. Its requests must name a loopback host (``Host: 127.0.0.1``,
``localhost``, ``[::1]``): a page of another site whose name an attacker re-points to
127.0.0.1 (DNS rebinding) is refused, so it can read neither pages nor tokens.

Team mode (``--team``, or a host that is not loopback) keeps users in the ledger's
database (:mod:`docgen.web.users`). Every request but ``/login`` and ``/static/…``
needs a session: anonymous GETs are sent to ``/login?next=…``, anything else is 401.
The session cookie (``docgen_session``; Starlette's SessionMiddleware, signed with
itsdangerous; HttpOnly, SameSite=Lax, Secure with ``https_only``) carries a random
session token whose SHA-256 the database keeps: log-in opens a new session (a token
planted before log-in is never promoted), log-out deletes it, and disabling a user or
changing a password ends their sessions at once. Failed log-ins are throttled per
log-in name and per client address (:class:`Throttle`).

CSRF, both modes: a random token per session (in the signed cookie), sent back on
every POST as the form field ``csrf_token`` or the header ``X-CSRF-Token`` and
compared in constant time (:func:`check_csrf`); 403 otherwise — any web page an AE
visits could post to the server.

Roles (:data:`AREAS`): an AE works on the clients assigned to them only (documents,
batch, ledger, mail); finance sees every client's ledger and receivables and makes
documents; admin does everything, users too. ``User.clients`` holds ledger client
keys (:func:`docgen.ledger.client_key`), ``None`` for every client.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Union
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..ledger.store import client_key, client_name
from ..messages import N_, tr

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..ledger.store import Ledger
    from .settings import WebSettings
    from .users import Account

from . import ROLES as ROLES
# What each role may open; views call require_area(user, area), the nav may_use().
AREAS: Mapping[str, tuple[str, ...]] = {
    "documents": ("ae", "finance", "admin"),
    "batch": ("ae", "admin"),
    "ledger": ("ae", "finance", "admin"),
    "receivables": ("finance", "admin"),
    "mail": ("ae", "admin"),
    "users": ("admin",),
}
SESSION_COOKIE = "docgen_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login"})
PUBLIC_PREFIXES = ("/static/",)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1",
                            "testserver"})  # Starlette's TestClient
_USER_KEY = "docgen.user"  # the request scope's logged-in User (team mode)


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str
    role: str  # one of ROLES ("" for ANONYMOUS: no area at all)
    clients: Optional[frozenset[str]]  # ledger client keys; None: every client


LOCAL_USER = User(id=0, login="local", name="", role="admin", clients=None)
# Nobody logged in (team mode, on /login): may open no area and see no client.
ANONYMOUS = User(id=-1, login="", name="", role="", clients=frozenset())


# --- throttling of failed log-ins ------------------------------------------------------

@dataclass
class Throttle:
    """At most ``limit`` failures per key within ``window`` seconds; then
    :meth:`wait` says how long until the oldest failure no longer counts. Kept in the
    server process (a restart forgets it; several workers each count their own)."""

    limit: int = 5
    window: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _fails: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        fails = self._fails.get(key)
        if fails is None:
            return deque()
        while fails and fails[0] <= now - self.window:
            fails.popleft()
        if not fails:
            del self._fails[key]
        return fails

    def wait(self, key: str) -> float:
        """Seconds ``key`` must wait before the next attempt (0: go ahead)."""
        with self._lock:
            now = self.clock()
            fails = self._recent(key, now)
            if len(fails) < self.limit:
                return 0.0
            return max(fails[-self.limit] + self.window - now, 1.0)

    def fail(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._fails) > 10000:  # an attack over many names: forget the old ones
                for old in list(self._fails):
                    self._recent(old, now)
            self._recent(key, now)
            self._fails.setdefault(key, deque()).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


@dataclass
class Guard:
    """The security state of one app (``app.state.security``)."""

    team: bool
    ledger: Optional["Ledger"] = None
    by_login: Throttle = field(default_factory=Throttle)
    by_address: Throttle = field(default_factory=lambda: Throttle(limit=20))

    def login_wait(self, login: str, address: str) -> float:
        return max(self.by_login.wait(login), self.by_address.wait(address))

    def login_failed(self, login: str, address: str) -> None:
        self.by_login.fail(login)
        self.by_address.fail(address)


def guard(request: HTTPConnection) -> Optional[Guard]:
    found = getattr(request.app.state, "security", None)
    return found if isinstance(found, Guard) else None


def is_team(request: HTTPConnection) -> bool:
    found = guard(request)
    return found is not None and found.team


def team_ledger(request: HTTPConnection) -> "Ledger":
    """The ledger keeping the users (team mode only; 404 in local mode)."""
    found = guard(request)
    if found is None or found.ledger is None:
        raise HTTPException(status_code=404)
    return found.ledger


# --- installing ---------------------------------------------------------------------------

def _subkey(secret: bytes, purpose: bytes) -> str:
    return hmac.new(secret, b"docgen-web:" + purpose, hashlib.sha256).hexdigest()


def install(app: "Starlette", settings: "WebSettings") -> None:
    """Add the middleware of ``settings``' mode to ``app`` (once, before it starts).

    Team mode opens the ledger that keeps the users; without a ``[ledger]`` in the
    profile it raises :class:`~docgen.errors.UsageError` (said by ``docgen serve``)."""
    from .users import SESSION_MAX_AGE, users_ledger, warm_up

    state = Guard(team=settings.team)
    if settings.team:
        state.ledger = users_ledger(settings.profile)
        warm_up()
        app.add_middleware(_LoginGate, guard=state)
    app.add_middleware(SessionMiddleware, secret_key=_subkey(settings.secret_key, b"session"),
                       session_cookie=SESSION_COOKIE, same_site="lax",
                       https_only=bool(getattr(settings, "https_only", False)),
                       max_age=SESSION_MAX_AGE if settings.team else None)
    if not settings.team:
        app.add_middleware(_LoopbackOnly)
    app.state.security = state


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            text = str(value.decode("latin-1")).strip().lower()
            if text.startswith("["):  # [::1]:8750
                return text[1:text.find("]")] if "]" in text else text
            return text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return ""


class _LoopbackOnly:
    """Local mode: refuse a request whose Host is not a loopback name (DNS rebinding)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _host(scope) not in LOOPBACK_HOSTS:
            text = tr(_ui(Request(scope, receive)),
                      N_("This docgen serve answers only at 127.0.0.1 and localhost (a "
                         "server for a team: docgen serve --team)."))
            response = PlainTextResponse(text, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class _LoginGate:
    """Team mode: the session's user into the scope; anonymous requests for anything
    but the public paths go to /login (GET) or get 401."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)  # static files: no database look-up
            return
        from .users import session_user

        session: dict[str, Any] = scope.get("session") or {}
        token = session.get("sid")
        account = None
        if isinstance(token, str) and self.guard.ledger is not None:
            account = await run_in_threadpool(session_user, self.guard.ledger, token)
            if account is None:
                scope["session"].pop("sid", None)  # ended elsewhere (log-out, disabled)
        if account is not None:
            scope[_USER_KEY] = as_user(account)
        elif not _public(scope["path"]):
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response = RedirectResponse("/login?next=" + quote(target, safe=""),
                                        status_code=303)
        else:
            response = PlainTextResponse(tr(_ui(request), N_("Please log in.")), status_code=401)
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


def _ui(request: Request) -> Any:
    from .pages import ui_locale
    return ui_locale(request)


def as_user(account: "Account") -> User:
    """The request's view of a stored account."""
    return User(id=account.id, login=account.login, name=account.name, role=account.role,
                clients=None if account.role in ("finance", "admin") else account.client_keys)


# --- who is asking ----------------------------------------------------------------------

def current_user(request: HTTPConnection) -> User:
    """The logged-in user (team mode; :data:`ANONYMOUS` on the public pages) or
    :data:`LOCAL_USER` (local mode)."""
    if not is_team(request):
        return LOCAL_USER
    found = request.scope.get(_USER_KEY)
    return found if isinstance(found, User) else ANONYMOUS


def csrf_token(request: HTTPConnection) -> str:
    """This session's CSRF token (made on first use), for every form and fetch."""
    session = request.session
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every POST handler awaits this first: 403 unless the request carries this
    session's token (header ``X-CSRF-Token``, else the form field ``csrf_token``)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent: Any = request.headers.get(CSRF_HEADER)
    if sent is None:
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
    if not (isinstance(expected, str) and expected and isinstance(sent, str)
            and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))):
        raise HTTPException(status_code=403, detail="csrf")


# --- what they may see ---------------------------------------------------------------

def may_use(user: User, area: str) -> bool:
    """Whether ``user``'s role opens ``area`` (a key of :data:`AREAS`)."""
    return user.role in AREAS.get(area, ())


def require_area(user: User, area: str) -> None:
    """403 unless ``user`` may use ``area``."""
    if not may_use(user, area):
        raise HTTPException(status_code=403)


def may_see_client(user: User, client: Union[str, Mapping[str, Any], None]) -> bool:
    """Whether ``user`` sees ``client`` (a name, a record's client mapping, or a ledger
    client key), compared as the ledger compares client names. No client at all is
    seen only by those who see every client."""
    if user.clients is None:
        return True
    key = client_key(client)
    return key is not None and key in user.clients


def require_record_client(user: User, record: Mapping[str, Any]) -> None:
    """403 when ``record`` names a client ``user`` does not see (a record without a
    client passes: nobody's data is in it but the user's own)."""
    client = record.get("client")
    if client_name(client) and not may_see_client(user, client):
        raise HTTPException(status_code=403)


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(status_code=403)


__all__ = ["ANONYMOUS", "AREAS", "LOCAL_USER", "ROLES", "Throttle", "User", "as_user",
           "check_csrf", "csrf_token", "current_user", "install", "is_team", "may_see_client",
           "may_use", "require_area", "require_record_client", "require_role", "team_ledger"]
