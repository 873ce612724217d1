"""Log-in, log-out and the admin's users page (team mode; :mod:`docgen.web.security`).

In local mode there is nobody to log in: ``/login`` and ``/logout`` lead to the start
page and ``/users`` is 404. Every POST checks the CSRF token first; the users page
and its actions are the ``users`` area (admin). Failed log-ins say the same thing
for an unknown name, a disabled user and a wrong password.
"""
from __future__ import annotations

import math
import secrets
from typing import Any, Optional
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import DocgenError
from ..messages import N_
from . import users as store
from .pages import render_page, translator, ui_locale
from .security import (check_csrf, current_user, guard, is_team, require_area, team_ledger)

# The words of login.html and users.html.
UI_STRINGS = (
    N_("Log in"), N_("Log-in name"), N_("Password"), N_("Password again"),
    N_("Wrong log-in name or password."),
    N_("Too many failed log-ins: try again in {minutes} minute(s)."),
    N_("Users"), N_("Add a user"), N_("Name"), N_("Role"), N_("Clients"),
    N_("One client per line (for AE)."), N_("Add"), N_("Assign"), N_("Remove"),
    N_("Disable"), N_("Enable"), N_("Set password"), N_("active"), N_("disabled"),
    N_("every client"), N_("Last seen"), N_("never"), N_("Actions"),
    N_("the two passwords differ; nothing was changed"),
    N_("User {login} added."), N_("Clients of {login} changed."),
    N_("User {login} disabled."), N_("User {login} enabled."),
    N_("Password of {login} changed."),
)


def _next(value: Optional[str]) -> str:
    """Where to go after log-in: a path of this server only (never another site)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return value


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _login_page(request: Request, *, error: Optional[str] = None, login: str = "",
                next_url: str = "/", status_code: int = 200,
                headers: Optional[dict[str, str]] = None) -> Response:
    return render_page(request, "login.html", status_code=status_code, headers=headers,
                       error=error, login=login, next_url=next_url)


async def login_form(request: Request) -> Response:
    next_url = _next(request.query_params.get("next"))
    if not is_team(request) or current_user(request).id > 0:
        return RedirectResponse(next_url, status_code=303)
    return _login_page(request, next_url=next_url)


async def login_post(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    next_url = _next(str(form.get("next") or "/"))
    state = guard(request)
    if state is None or not state.team or state.ledger is None:
        return RedirectResponse(next_url, status_code=303)
    login = str(form.get("login") or "")
    password = str(form.get("password") or "")
    t = translator(ui_locale(request))
    key = store.normalise_login(login)[:store.LOGIN_MAX * 4]
    address = _address(request)
    wait = state.login_wait(key, address)
    if wait > 0:
        return _login_page(request, login=login, next_url=next_url, status_code=429,
                           headers={"Retry-After": str(math.ceil(wait))},
                           error=t(N_("Too many failed log-ins: try again in {minutes} "
                                      "minute(s)."), minutes=math.ceil(wait / 60)))
    account = await run_in_threadpool(store.authenticate, state.ledger, login, password)
    if account is None:
        state.login_failed(key, address)
        return _login_page(request, login=login, next_url=next_url, status_code=401,
                           error=t(N_("Wrong log-in name or password.")))
    state.by_login.reset(key)
    token = await run_in_threadpool(store.open_session, state.ledger, account.id)
    # A new session: nothing from before the log-in (a planted cookie, its CSRF token)
    # carries over.
    request.session.clear()
    request.session["sid"] = token
    request.session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse(next_url, status_code=303)


async def logout(request: Request) -> Response:
    await check_csrf(request)
    token = request.session.get("sid")
    state = guard(request)
    if state is not None and state.ledger is not None and isinstance(token, str):
        await run_in_threadpool(store.close_session, state.ledger, token)
    request.session.clear()
    return RedirectResponse("/login" if is_team(request) else "/", status_code=303)


# --- the users page (admin) --------------------------------------------------------------

def _users_page(request: Request, *, error: Optional[str] = None, status_code: int = 200,
                form: Optional[dict[str, str]] = None) -> Response:
    ledger = team_ledger(request)
    t = translator(ui_locale(request))
    flash = request.session.pop("flash", None)
    done = t(flash[0], **flash[1]) if isinstance(flash, list) and len(flash) == 2 else None
    accounts = store.list_users(ledger)
    rows = [{"login": a.login, "name": a.name, "role": a.role,
             "role_label": t(store.ROLE_LABELS[a.role]), "clients": list(a.clients),
             "every": a.role != "ae", "active": a.active,
             "seen": a.seen_at.strftime("%Y-%m-%d %H:%M UTC") if a.seen_at else None}
            for a in accounts]
    roles = [{"code": r, "label": t(store.ROLE_LABELS[r])} for r in store.ROLES]
    return render_page(request, "users.html", status_code=status_code, rows=rows, roles=roles,
                       error=error, done=done, form=form or {"login": "", "name": "",
                                                             "role": "ae", "clients": ""})


def _admin(request: Request) -> None:
    team_ledger(request)  # 404 in local mode: there are no users
    require_area(current_user(request), "users")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _done(request: Request, message: str, **params: Any) -> Response:
    request.session["flash"] = [message, params]
    return RedirectResponse("/users", status_code=303)


async def users_page(request: Request) -> Response:
    _admin(request)
    return _users_page(request)


async def _action(request: Request, form_values: Optional[dict[str, str]], run: Any,
                  message: str, login: str) -> Response:
    """Run a store change; its error re-shows the page with the message (400)."""
    try:
        await run_in_threadpool(run)
    except DocgenError as exc:
        t = translator(ui_locale(request))
        return _users_page(request, error=exc.localized(t), status_code=400, form=form_values)
    return _done(request, message, login=store.normalise_login(login))


async def users_add(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("login", "name", "role", "clients")}
    password, again = str(form.get("password") or ""), str(form.get("password2") or "")
    ledger = team_ledger(request)
    if password != again:
        t = translator(ui_locale(request))
        return _users_page(request, status_code=400, form=values,
                           error=t(N_("the two passwords differ; nothing was changed")))

    def run() -> None:
        store.add_user(ledger, values["login"], role=values["role"], name=values["name"],
                       password=password, clients=_lines(values["clients"]))
    return await _action(request, values, run, N_("User {login} added."), values["login"])


async def users_assign(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    login = request.path_params["login"]
    clients = _lines(str((await request.form()).get("clients") or ""))
    ledger = team_ledger(request)
    return await _action(request, None, lambda: store.assign(ledger, login, clients),
                         N_("Clients of {login} changed."), login)


async def users_unassign(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    login = request.path_params["login"]
    clients = _lines(str((await request.form()).get("client") or ""))
    ledger = team_ledger(request)
    return await _action(request, None, lambda: store.unassign(ledger, login, clients),
                         N_("Clients of {login} changed."), login)


async def users_disable(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    login = request.path_params["login"]
    ledger = team_ledger(request)
    return await _action(request, None, lambda: store.set_active(ledger, login, False),
                         N_("User {login} disabled."), login)


async def users_enable(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    login = request.path_params["login"]
    ledger = team_ledger(request)
    return await _action(request, None, lambda: store.set_active(ledger, login, True),
                         N_("User {login} enabled."), login)


async def users_password(request: Request) -> Response:
    await check_csrf(request)
    _admin(request)
    login = request.path_params["login"]
    form = await request.form()
    password, again = str(form.get("password") or ""), str(form.get("password2") or "")
    ledger = team_ledger(request)
    if password != again:
        t = translator(ui_locale(request))
        return _users_page(request, status_code=400,
                           error=t(N_("the two passwords differ; nothing was changed")))

    return await _action(request, None, lambda: store.set_password(ledger, login, password),
                         N_("Password of {login} changed."), login)


routes: list[BaseRoute] = [
    Route("/login", login_form, methods=["GET"], name="login"),
    Route("/login", login_post, methods=["POST"], name="login_post"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/users", users_page, methods=["GET"], name="users"),
    Route("/users", users_add, methods=["POST"], name="users_add"),
    Route("/users/{login}/assign", users_assign, methods=["POST"], name="users_assign"),
    Route("/users/{login}/unassign", users_unassign, methods=["POST"], name="users_unassign"),
    Route("/users/{login}/disable", users_disable, methods=["POST"], name="users_disable"),
    Route("/users/{login}/enable", users_enable, methods=["POST"], name="users_enable"),
    Route("/users/{login}/password", users_password, methods=["POST"], name="users_password"),
]
