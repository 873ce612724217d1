"""The application factory: routes from every view module, static files, security,
error pages.

Error pages are always HTML in the user's language: a 404/403/413 says what
happened, a :class:`~docgen.errors.DocgenError` is shown with its located message
(the CLI's text), and anything else is a 500 page that never shows a traceback.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import DocgenError, OutputError, Problem, ValidationFailed
from ..i18n.locale import DocLocale
from ..messages import N_
from . import security
from .pages import UiCookieMiddleware, render_page, translator, ui_locale
from .settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"
# The modules whose ``routes`` make the application (each must exist and define
# ``routes: list[BaseRoute]``); a new page module is one more name here.
VIEW_MODULES: tuple[str, ...] = (
    "docgen.web.views_documents",
    "docgen.web.auth_views",
    "docgen.web.views_batch",
    "docgen.web.views_ledger",
    "docgen.web.views_mail",
)
# Room for the form fields around an upload (the limit is the file's).
FORM_MARGIN = 256 * 1024
log = logging.getLogger("docgen.web")

MESSAGES = {
    400: N_("This request could not be handled."),
    401: N_("Please log in."),
    403: N_("You may not open this page."),
    404: N_("Page not found."),
    413: N_("The upload is too large (the limit is {limit})."),
    500: N_("Something went wrong on the server; nothing was written. Please try again."),
}


def collect_routes(modules: tuple[str, ...] = VIEW_MODULES) -> list[BaseRoute]:
    """Every view module's ``routes``, in the order the modules are listed."""
    routes: list[BaseRoute] = []
    for name in modules:
        module = importlib.import_module(name)
        routes.extend(getattr(module, "routes"))
    return routes


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


class BodyLimit:
    """413 for a request body over the upload limit, before any of it is parsed:
    a Content-Length too big fails at once, a body streamed without one fails when
    it passes the limit (the handler reading it gets the 413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: Optional[int] = None
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared > self.limit:
                raise HTTPException(status_code=413)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited, send)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status: int, message: str, *,
               problems: Optional[list[str]] = None,
               headers: Optional[dict[str, str]] = None) -> Response:
    """The error page (or ``{"error": …}`` for a fetch that asked for JSON)."""
    if _wants_json(request):
        return JSONResponse({"error": message, "problems": problems or []},
                            status_code=status, headers=headers)
    try:
        return render_page(request, "error.html", status_code=status, headers=headers,
                           status=status, message=message, problems=problems or [])
    except Exception:  # the page itself failed: still no traceback, still translated
        log.exception("the error page could not be rendered")
        t = translator(ui_locale(request))
        return HTMLResponse(f"<!doctype html><title>{status}</title><p>{t(MESSAGES[500])}</p>",
                            status_code=status)


def problem_line(p: Problem, loc: DocLocale) -> str:
    """A problem as the page lists it: a template's with its place (part and
    paragraph, sheet and cell) and text, as ``docgen template check`` prints it; a
    form's with its field (the field is its place)."""
    text = p.text(loc)
    if p.location.part or p.location.sheet:
        text = f"{p.location}: {text}"
    return f"{text}\n    {p.excerpt}" if p.excerpt else text


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    t = translator(ui_locale(request))
    status = exc.status_code
    if status == 413:
        message = t(MESSAGES[413], limit=_size(request.app.state.settings.upload_limit))
    elif exc.detail and exc.detail != _phrase(status):
        message = t(exc.detail)  # views raise with an N_-marked msgid
    else:
        message = t(MESSAGES.get(status, MESSAGES[400]))
    return error_page(request, status, message, headers=dict(exc.headers or {}))


def _phrase(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def docgen_error(request: Request, exc: Exception) -> Response:
    """A docgen error said as the CLI says it (located, in the UI language)."""
    assert isinstance(exc, DocgenError)
    loc = ui_locale(request)
    t = translator(loc)
    if isinstance(exc, ValidationFailed):
        problems = [problem_line(p, loc) for p in exc.problems]
        return error_page(request, 400, exc.text(t), problems=problems)
    status = 500 if isinstance(exc, OutputError) else 400
    return error_page(request, status, exc.localized(t))


async def internal_error(request: Request, exc: Exception) -> Response:
    log.log(logging.ERROR, "internal error on %s %s", request.method, request.url.path,
            exc_info=exc)
    t = translator(ui_locale(request))
    return error_page(request, 500, t(MESSAGES[500]))


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """At shutdown: close what the pages keep in ``app.state`` (W-OPS's job runner
    and ledger), so no job process or file outlives the server."""
    yield
    for name in ("ops_jobs", "ops_ledger"):
        thing = getattr(app.state, name, None)
        if thing is not None:
            try:
                thing.close()
            except Exception:  # closing one must not keep the other open
                log.exception("closing app.state.%s failed", name)


def create_app(settings: WebSettings, *, modules: tuple[str, ...] = VIEW_MODULES) -> Starlette:
    """The Starlette application of one server."""
    routes: list[BaseRoute] = collect_routes(modules)
    routes.append(Mount("/static", StaticFiles(directory=str(STATIC)), name="static"))
    handlers: dict[Any, Any] = {HTTPException: http_error, DocgenError: docgen_error,
                                Exception: internal_error}
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=_lifespan)
    app.state.settings = settings
    app.state.route_names = {r.name for r in routes if isinstance(r, (Route, Mount)) and r.name}
    # Inner to outer: the body limit runs inside the sessions security adds, so its
    # 413 page has the user's session; the UI cookie wraps everything.
    app.add_middleware(BodyLimit, limit=settings.upload_limit + FORM_MARGIN)
    security.install(app, settings)
    app.add_middleware(UiCookieMiddleware)
    return app
