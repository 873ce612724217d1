"""HTML pages: the Jinja environment of the web UI, its language, and ``render_page``.

This environment is *not* the document sandbox (:mod:`docgen.template`): it renders
our own page templates from ``docgen/web/templates`` with autoescaping on, so every
value from a record, an upload or a query string is escaped. ``StrictUndefined``
turns a misspelt name in a page template into an error in the tests, not a blank.

The UI language of a request (:func:`ui_locale`): ``?ui=`` (remembered in the
``docgen_ui`` cookie by :class:`UiCookieMiddleware`), else the cookie, else the
browser's Accept-Language, else the profile's ``[defaults] locale``, else English.
UI strings are gettext messages (domain ``messages``): page templates call
``t("…")`` with an msgid that :data:`UI_STRINGS` (or the view) marks with ``N_``, so
translators find it and tests/test_catalogs.py checks it is translated.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..i18n.catalog import translations
from ..i18n.locale import DocLocale, UnknownLocale, normalize
from ..messages import N_
from . import security

if TYPE_CHECKING:
    from .settings import WebSettings

TEMPLATES = Path(__file__).resolve().parent / "templates"
UI_COOKIE = "docgen_ui"
UI_PARAM = "ui"
UI_LOCALES = ("ko", "zh-CN", "zh-TW", "en")
# Each language named in itself (never translated: a reader must find their own).
NATIVE_NAMES = {"ko": "한국어", "zh-CN": "简体中文", "zh-TW": "繁體中文", "en": "English"}
COOKIE_AGE = 365 * 24 * 3600

# The pages' words (base.html and the document pages); views add their own with N_.
UI_STRINGS = (
    N_("Documents"), N_("Batch"), N_("Ledger"), N_("Receivables"), N_("E-mail"),
    N_("Users"), N_("Language"), N_("Log out"), N_("Company profile"),
    N_("no company profile (docgen.toml) in use"), N_("Choose a document kind"),
    N_("user kind"), N_("New document"), N_("Load sample"), N_("Check"),
    N_("Quick preview"), N_("Preview PDF"), N_("Preview image"), N_("Download Word"),
    N_("Download Excel"), N_("Download PDF"), N_("Add row"), N_("Remove row"),
    N_("Custom template (.docx or .xlsx, used for this document only)"),
    N_("Required"), N_("Problems"), N_("No problems found."), N_("Yes"), N_("No"),
    N_("One entry per line."),
    N_("Markdown allowed: - bullets, 1. numbered lists, **bold**, *italic*."),
    N_("Page not found."), N_("You may not open this page."),
    N_("The upload is too large (the limit is {limit})."),
    N_("Something went wrong on the server; nothing was written. Please try again."),
    N_("Back to the start page"), N_("Error"), N_("This request could not be handled."),
    N_("Please log in."), N_("Preview"), N_("Working…"), N_("Issue"),
    N_("Use this profile"),
    N_("Issuing (the ledger), e-mail and team settings always use the first profile: "
       "{primary}."),
)


def settings_of(request: Request) -> "WebSettings":
    """The server's settings (``create_app`` keeps them in ``app.state``)."""
    found: "WebSettings" = request.app.state.settings
    return found


# --- the UI language -----------------------------------------------------------------

def _ui_code(text: Optional[str]) -> Optional[str]:
    """The UI locale ``text`` names (``ko``, ``zh-Hant``…), or None (bilingual codes
    name the first language: the UI speaks one)."""
    if not text:
        return None
    try:
        code = normalize(text.split("+")[0].strip())
    except UnknownLocale:
        return None
    return code if code in UI_LOCALES else None


def _accept_language(header: str) -> Optional[str]:
    """The first supported language of an Accept-Language header, by q-value."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, n, tag.strip()))
    for _, _, tag in sorted(ranked):
        code = _ui_code(tag)
        if code is None and tag.lower().startswith("zh"):  # zh-HK, zh-Hant-HK, zh-SG…
            code = _ui_code(tag.replace("-", "_"))
        if code is not None:
            return code
    return None


def ui_locale(request: Request) -> DocLocale:
    """The UI language of ``request`` (see the module docstring)."""
    cached = getattr(request.state, "ui_locale", None)
    if isinstance(cached, DocLocale):
        return cached
    code = (_ui_code(request.query_params.get(UI_PARAM))
            or _ui_code(request.cookies.get(UI_COOKIE))
            or _accept_language(request.headers.get("accept-language", "")))
    if code is None:
        app_state = getattr(request.app, "state", None)
        settings = getattr(app_state, "settings", None)
        profile = getattr(settings, "profile", None)
        code = _ui_code(getattr(profile, "default_locale", None)) or "en"
    loc = DocLocale(code)
    request.state.ui_locale = loc
    return loc


class UiCookieMiddleware:
    """Remembers ``?ui=`` in the ``docgen_ui`` cookie on whatever page answers it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = _ui_code(Request(scope).query_params.get(UI_PARAM))
        if chosen is None:
            await self.app(scope, receive, send)
            return

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = (f"{UI_COOKIE}={chosen}; Max-Age={COOKIE_AGE}; Path=/; "
                          "SameSite=Lax")
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, remember)


@lru_cache(maxsize=8)
def _gettext(code: str) -> Callable[[str], str]:
    return translations("messages", code).gettext


def translator(loc: DocLocale) -> Callable[..., str]:
    """``t(msgid, **params)`` in ``loc``'s language (English: the msgid itself)."""
    gettext = _gettext(loc.primary)

    def t(message: str, /, **params: Any) -> str:
        text = gettext(message)
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return message.format(**params)
        return text
    return t


# --- pages -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The page templates' environment (one per process)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def _route_names(request: Request) -> set[str]:
    names = getattr(request.app.state, "route_names", None)
    return names if isinstance(names, set) else set()


def url_with_ui(request: Request, code: str) -> str:
    """This page's URL with ``?ui=code`` (the other query parameters kept)."""
    if request.method not in ("GET", "HEAD"):  # a POST's answer: its URL takes no GET
        return f"/?{urlencode([(UI_PARAM, code)])}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != UI_PARAM]
    params.append((UI_PARAM, code))
    return f"{request.url.path}?{urlencode(params)}"


# The nav: (route name, label msgid, area for security.may_use). A page another
# helper has not built yet is simply not linked (its route name is not in the app).
NAV = (("documents", N_("Documents"), "documents"), ("batch", N_("Batch"), "batch"),
       ("ledger", N_("Ledger"), "ledger"), ("receivables", N_("Receivables"), "receivables"),
       ("mail", N_("E-mail"), "mail"), ("users", N_("Users"), "users"))


def _may_use(user: security.User, area: str) -> bool:
    check = getattr(security, "may_use", None)
    return True if check is None else bool(check(user, area))


def page_context(request: Request) -> dict[str, Any]:
    """What every page template sees: ``ui``, ``lang``, ``t``, ``user``,
    ``csrf_token``, ``languages``, ``nav``, ``team``, ``request``, ``url_for``."""
    loc = ui_locale(request)
    t = translator(loc)
    user = security.current_user(request)
    names = _route_names(request)
    settings = settings_of(request)
    is_team = getattr(security, "is_team", None)
    team = bool(is_team(request)) if is_team is not None else settings.team
    nav = []
    for name, label, area in NAV:
        if name == "users" and not team:
            continue  # users exist in team mode only (local mode: one local user)
        if name in names and _may_use(user, area):
            path = request.url_for(name).path
            here = request.url.path
            nav.append({"name": name, "label": t(label), "url": path,
                        "current": here == path or (path != "/" and here.startswith(path))})
    languages = [{"code": code, "name": NATIVE_NAMES[code], "url": url_with_ui(request, code),
                  "current": code == loc.primary} for code in UI_LOCALES]
    return {"request": request, "ui": loc.primary, "lang": loc.primary, "t": t, "user": user,
            "csrf_token": security.csrf_token(request), "languages": languages, "nav": nav,
            "team": team,
            "logout": "logout" in names, "url_for": request.url_for}


def render_text(request: Request, name: str, **context: Any) -> str:
    """The template ``name`` as text, with :func:`page_context` (fragments too)."""
    return environment().get_template(name).render({**page_context(request), **context})


def render_page(request: Request, name: str, *, status_code: int = 200,
                headers: Optional[dict[str, str]] = None, **context: Any) -> HTMLResponse:
    """The page ``name`` (a template under docgen/web/templates) for ``request``."""
    return HTMLResponse(render_text(request, name, **context), status_code=status_code,
                        headers={"Cache-Control": "no-store", **(headers or {})})
