"""The document pages: the kind list, a kind's form, validate, preview, download.

Every POST handler awaits :func:`security.check_csrf` first, and every render of a
record goes through :func:`security.require_record_client` when W-TEAM's security
has it (an AE renders only their own clients' documents).
"""
from __future__ import annotations

import dataclasses
import secrets
import shutil
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import kinds as kinds_mod
from ..api import check_template, get_kind, validate_record
from ..errors import Problem, SourceLocation, TemplateError, UsageError, ValidationFailed
from ..i18n.locale import DocLocale
from ..inputs import read_record
from ..kinds import Kind
from ..messages import N_
from ..profile import Profile
from ..template import Template
from . import security
from .forms import build_form, extra_rows_from, input_name, record_from_form
from .pages import COOKIE_AGE, render_page, render_text, settings_of, translator, ui_locale
from .rendering import (Document, pdf_from_docx, png_available, png_of_first_page,
                        quick_blocks, render_document)
from .settings import ProfileChoice

FRAGMENT_HEADER = "x-docgen-fragment"  # docgen.js asks for a fragment, not a page
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "png": "image/png"}
TEMPLATE_FIELD = "template"
MSG_TEMPLATE_TYPE = N_("the custom template must be a .docx or .xlsx file")
MSG_FORMAT = N_("unknown format '{format}' (use docx, xlsx, pdf)")
PROFILE_FIELD = "profile"  # the form's choice of company profile (a key, never a path)
PROFILE_COOKIE = "docgen_profile"
_UNSET = object()
MSG_UNKNOWN_PROFILE = N_("unknown company profile '{name}': choose one of the list")


def choose_profile(request: Request, sent: Optional[str]) -> Optional[ProfileChoice]:
    """The company profile of this request: ``sent`` (the form's or the query's
    ``profile`` field) when given — one of the server's, else a 400 in the user's
    language, and remembered in the cookie — else the cookie's (a stale one is simply
    forgotten), else the primary. None: the server runs without a profile."""
    settings = settings_of(request)
    choices = settings.choices()
    choice: Optional[ProfileChoice] = None
    if sent:
        choice = settings.choice(sent)
        if choice is None:
            raise UsageError(MSG_UNKNOWN_PROFILE, code="profile", params={"name": sent[:60]})
        request.state.profile_remember = choice.key
    elif choices:
        choice = settings.choice(request.cookies.get(PROFILE_COOKIE)) or choices[0]
    request.state.profile_choice = choice
    return choice


def _choice(request: Request) -> Optional[ProfileChoice]:
    """The request's profile choice (a GET's from ``?profile=``, the cookie or the
    primary; a POST's is resolved first by :func:`_posted_profile`)."""
    found = getattr(request.state, "profile_choice", _UNSET)
    if found is _UNSET:
        return choose_profile(request, request.query_params.get(PROFILE_FIELD))
    assert found is None or isinstance(found, ProfileChoice)
    return found


async def _posted_profile(request: Request) -> None:
    """A POST's profile: its ``profile`` form field (after the CSRF check)."""
    await security.check_csrf(request)
    form = await request.form()
    sent = form.get(PROFILE_FIELD)
    choose_profile(request, sent if isinstance(sent, str) else
                   request.query_params.get(PROFILE_FIELD))


def remember_profile(request: Request, response: Response) -> Response:
    """The profile chosen in this request, kept in the ``docgen_profile`` cookie."""
    key = getattr(request.state, "profile_remember", None)
    if key:
        response.set_cookie(PROFILE_COOKIE, key, max_age=COOKIE_AGE, path="/",
                            samesite="lax", httponly=True)
    return response


def profile_of(request: Request) -> Optional[Profile]:
    """The company profile the documents of this request use (None: docgen's
    defaults)."""
    choice = _choice(request)
    return choice.profile if choice is not None else None


def profile_summary(request: Request, loc: DocLocale, *, in_form: bool = False) -> dict[str, Any]:
    """What the pages say about the profile in use: its file and company name, and
    the choice when the server has several (``in_form``: the select belongs to the
    document form, so it travels with every check, preview, download)."""
    settings = settings_of(request)
    choice = _choice(request)
    choices = settings.choices()
    path = choice.path if choice is not None else settings.profile_path
    company = choice.profile.context(loc).get("name") if choice is not None else None
    return {"path": str(path) if path else None, "company": company or "",
            "several": len(choices) > 1, "in_form": in_form,
            "primary": choices[0].label(loc) if choices else "",
            "choices": [{"key": c.key, "label": c.label(loc),
                         "selected": choice is not None and c.key == choice.key}
                        for c in choices]}


def _area(request: Request) -> security.User:
    user = security.current_user(request)
    check = getattr(security, "require_area", None)
    if check is not None:
        check(user, "documents")
    return user


def _kind(request: Request) -> Kind:
    """The kind of the URL; 404 for one that does not exist (built-in or the
    profile's)."""
    name = request.path_params["kind"]
    profile = profile_of(request)
    if name not in kinds_mod.available(profile):
        raise HTTPException(status_code=404)
    return get_kind(name, profile)


def _hidden(kind: Kind) -> list[str]:
    number = kind.schema.get("x-number-field")  # the ledger writes it at issue
    return [str(number)] if number else []


def _sample(kind: Kind, loc: DocLocale) -> dict[str, Any]:
    for code in (loc.code, loc.primary, "ko"):
        path = kind.sample_path(code)
        if path.is_file():
            data = read_record(str(path)).data
            return dict(data) if isinstance(data, dict) else {}
    return {}


def _formats(kind: Kind) -> dict[str, bool]:
    return {"docx": kind.template_path("docx").is_file(),
            "xlsx": kind.template_path("xlsx").is_file()}


# --- pages ---------------------------------------------------------------------------

async def index(request: Request) -> Response:
    """``/``: the kinds, labelled in the UI language, and the profile in use."""
    _area(request)
    loc = ui_locale(request)
    profile = profile_of(request)
    kinds = []
    for name in kinds_mod.available(profile):
        kind = get_kind(name, profile)
        kinds.append({"name": name, "label": kind.label(loc.primary), "user": kind.user,
                      "url": request.url_for("kind_form", kind=name).path})
    return remember_profile(request, render_page(request, "index.html", kinds=kinds,
                                                 profile=profile_summary(request, loc)))


def _issue_url(request: Request, kind: Kind) -> Optional[str]:
    """Where the form's "Issue" button posts (W-OPS's ledger page), when this server
    has a ledger and the user may issue; None hides the button."""
    profile = profile_of(request)
    choices = settings_of(request).choices()
    choice = _choice(request)
    if choices and choice is not None and choice.key != choices[0].key:
        return None  # the ledger is the primary profile's: issue with that one chosen
    if profile is None or profile.ledger is None or \
            "issue" not in getattr(request.app.state, "route_names", set()):
        return None
    may_use = getattr(security, "may_use", None)
    if may_use is not None and not may_use(security.current_user(request), "ledger"):
        return None
    return request.url_for("issue", kind=kind.name).path


def _form_page(request: Request, kind: Kind, values: dict[str, Any], *,
               problems: Optional[list[dict[str, str]]] = None,
               extra_rows: Optional[dict[str, int]] = None, status_code: int = 200) -> Response:
    loc = ui_locale(request)
    form = build_form(kind.name, kind.schema, loc, translator(loc), values,
                      extra_rows=extra_rows, hidden=_hidden(kind))
    base = f"/kind/{quote(kind.name)}"
    return remember_profile(request, render_page(
        request, "form.html", status_code=status_code, form=form, kind=kind.name, base=base,
        formats=_formats(kind), issue_url=_issue_url(request, kind), png=png_available(),
        problems=problems, profile=profile_summary(request, loc, in_form=True)))


async def kind_form(request: Request) -> Response:
    """``GET /kind/{kind}``: the empty form, or the bundled sample (``?sample=1``) in
    the UI language; ``POST``: the no-JS "add row" (the form again, one row more)."""
    _area(request)
    if request.method == "POST":
        await _posted_profile(request)
    kind = _kind(request)
    if request.method == "POST":
        form = await request.form()
        items = list(form.multi_items())
        return _form_page(request, kind, record_from_form(kind.schema, items),
                          extra_rows=extra_rows_from(items))
    values = _sample(kind, ui_locale(request)) if request.query_params.get("sample") else {}
    return _form_page(request, kind, values)


# --- validate ------------------------------------------------------------------------------

# The file-oriented hint of a missing field ("add a line 'title: …'") means nothing in a
# form: there the field is on the page, empty.
_FILE_HINTS = {"required but missing: add a line '{name}: …'": N_("a value is required")}


def _for_form(p: Problem) -> Problem:
    message = _FILE_HINTS.get(p.template)
    if message is None:
        return p
    return Problem(p.path, p.code, message, p.severity, p.location, p.record,
                   excerpt=p.excerpt, subject=p.subject, locale=p.locale)


def problem_items(problems: list[Problem], loc: DocLocale) -> list[dict[str, str]]:
    """Problems as the fragment lists them: the CLI's text (``p.text``) in the UI
    language — except file-oriented hints, said as a form would — and the input it is
    about."""
    return [{"text": _for_form(p).text(loc), "field": input_name(p.path),
             "severity": p.severity} for p in problems]


async def _record(request: Request, kind: Kind) -> tuple[dict[str, Any], FormData]:
    await security.check_csrf(request)
    form = await request.form()
    return record_from_form(kind.schema, form.multi_items()), form


async def validate(request: Request) -> Response:
    """``POST /kind/{kind}/validate``: the problems of the posted form (a fragment
    for docgen.js; the whole form page for a browser without JS)."""
    _area(request)
    await _posted_profile(request)
    kind = _kind(request)
    record, _ = await _record(request, kind)
    loc = ui_locale(request)
    problems = await run_in_threadpool(_validate, kind, record, profile_of(request), loc)
    items = problem_items(problems, loc)
    if request.headers.get(FRAGMENT_HEADER):
        return remember_profile(request, Response(
            render_text(request, "_problems.html", problems=items),
            media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}))
    return _form_page(request, kind, record, problems=items)


def _validate(kind: Kind, record: dict[str, Any], profile: Optional[Profile],
              loc: DocLocale) -> list[Problem]:
    """The record's problems as ``docgen validate -l UI`` finds them (the UI language
    is the messages' language: enum choices in a message are named in it too)."""
    return validate_record(kind, record, locale=loc, profile=profile)


# --- render: preview and download ---------------------------------------------------------

def _check_client(request: Request, record: dict[str, Any]) -> None:
    check = getattr(security, "require_record_client", None)
    if check is not None:
        check(security.current_user(request), record)


async def _custom_template(request: Request, form: FormData, kind: Kind,
                           folder: Path) -> Optional[Template]:
    """The uploaded template of this render, checked like ``docgen template check``
    (every problem, located); None when none was sent."""
    upload = form.get(TEMPLATE_FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise TemplateError(MSG_TEMPLATE_TYPE, SourceLocation(file=upload.filename),
                            code="template_type")
    limit = settings_of(request).upload_limit
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status_code=413)
    path = folder / f"{secrets.token_hex(8)}{suffix}"
    path.write_bytes(data)
    profile = profile_of(request)

    def check() -> Template:
        problems = [_named(p, upload.filename or path.name)
                    for p in check_template(path, kind, profile=profile) if p.is_error]
        if problems:
            raise ValidationFailed(problems)
        return Template(path, name=upload.filename)
    return await run_in_threadpool(check)


def _named(p: Problem, filename: str) -> Problem:
    """``p`` located in the file as the user named it (not the server's copy)."""
    return Problem(p.path, p.code, p.template, p.severity,
                   dataclasses.replace(p.location, file=filename), p.record, params=p.params,
                   excerpt=p.excerpt, subject=p.subject)


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` (RFC 6266 / RFC 5987): an
    ASCII fallback for old clients, the real (Korean, Chinese) name for the rest."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _render(request: Request, fmt: str) -> tuple[Document, Optional[bytes]]:
    """The posted record as a Word or Excel document (and its PDF for ``pdf``/``png``)."""
    _area(request)
    await _posted_profile(request)
    kind = _kind(request)
    record, form = await _record(request, kind)
    _check_client(request, record)
    problems = await run_in_threadpool(_validate, kind, record, profile_of(request),
                                       ui_locale(request))
    if any(p.is_error for p in problems):  # said in the UI language, nothing rendered
        raise ValidationFailed(problems)
    settings = settings_of(request)
    folder = settings.work_dir / "renders" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    try:
        custom = await _custom_template(request, form, kind, folder)
        source = "docx" if fmt in ("pdf", "png", "html") else fmt
        doc = await run_in_threadpool(render_document, kind, record, source,
                                      profile=profile_of(request), work_dir=folder,
                                      custom=custom)
        pdf = None
        if fmt in ("pdf", "png"):
            pdf = await run_in_threadpool(pdf_from_docx, doc.data, folder, settings.pdf_pool)
        return doc, pdf
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _format(request: Request, allowed: tuple[str, ...], default: str) -> str:
    fmt = request.query_params.get("format", default).strip().lower()
    if fmt not in allowed:
        raise UsageError(MSG_FORMAT, code="format", params={"format": fmt})
    return fmt


async def download(request: Request) -> Response:
    """``POST /kind/{kind}/download?format=docx|xlsx|pdf``: the document as a file."""
    fmt = _format(request, ("docx", "xlsx", "pdf"), "docx")
    doc, pdf = await _render(request, fmt)
    data = pdf if fmt == "pdf" and pdf is not None else doc.data
    return remember_profile(request, Response(data, media_type=MEDIA[fmt], headers={
        "Content-Disposition": content_disposition(f"{doc.stem}.{fmt}"),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}))


async def preview(request: Request) -> Response:
    """``POST /kind/{kind}/preview?format=html|pdf|png``: ``html`` is the quick
    preview (the Word document's text, no LibreOffice), ``pdf`` the PDF inline,
    ``png`` page 1 as an image."""
    fmt = _format(request, ("html", "pdf", "png"), "pdf")
    doc, pdf = await _render(request, fmt)
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if fmt == "html":
        blocks = await run_in_threadpool(quick_blocks, doc.data)
        return remember_profile(request, Response(
            render_text(request, "_quick.html", blocks=blocks),
            media_type="text/html; charset=utf-8", headers=headers))
    assert pdf is not None
    if fmt == "png":
        settings = settings_of(request)
        image = await run_in_threadpool(png_of_first_page, pdf, settings.work_dir)
        return remember_profile(request, Response(image, media_type=MEDIA["png"],
                                                  headers=headers))
    headers["Content-Disposition"] = content_disposition(f"{doc.stem}.pdf", "inline")
    return remember_profile(request, Response(pdf, media_type=MEDIA["pdf"], headers=headers))


routes: list[BaseRoute] = [
    Route("/", index, name="documents"),
    Route("/kind/{kind}", kind_form, methods=["GET", "POST"], name="kind_form"),
    Route("/kind/{kind}/validate", validate, methods=["POST"], name="kind_validate"),
    Route("/kind/{kind}/preview", preview, methods=["POST"], name="kind_preview"),
    Route("/kind/{kind}/download", download, methods=["POST"], name="kind_download"),
]
