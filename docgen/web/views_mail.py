"""The weekly e-mail page: ``docgen send weekly DATA`` from the browser.

Upload the week's data (or take the sheet of one of your batch jobs), then build the
``.eml`` drafts (downloaded as a zip), send them through ``[mail.smtp]``, or "send
what is due" (``--due``: only reports whose send time has come and that were not sent
yet — safe to press twice). The run is :func:`docgen.web.jobs.mail_task`, the CLI's
:func:`docgen.mail.run.send_reports`, in a job process; the page then lists what
happened to each message. Sending needs the role ``ae`` (own clients only: a record of
another client stops the run before anything is sent) or ``admin``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..messages import N_
from . import security
from .jobs import Busy
from .pages import render_page, settings_of, ui_locale
from .views_batch import (BATCH_TASK, SHEET_TYPES, download_archive, job_state, progress_json,
                          runner, save_upload)

MAIL_TASK = "docgen.web.jobs:mail_task"
DATA_TYPES = (*SHEET_TYPES, ".yaml", ".yml", ".json")
ATTACH = ("pdf", "docx", "xlsx")
ACTIONS = ("drafts", "send", "due")

# What happened to a message, as the results list says it.
STATES = {"sent": N_("sent"), "failed": N_("not sent"),
          "unconfirmed": N_("unconfirmed (an earlier run may have sent it)"),
          "not_attempted": N_("not sent (the run stopped)"),
          "already_sent": N_("already sent"), "not_due": N_("not due yet")}

UI_STRINGS = (
    N_("Weekly reports by e-mail"), N_("Weekly data (.xlsx, .csv, .yaml or .json)"),
    N_("or the sheet of a batch job"), N_("(none)"), N_("Attach"),
    N_("Build drafts (.eml, as a zip)"), N_("Send now"), N_("Send what is due"),
    N_("Sending needs [mail.smtp] in docgen.toml; without it the buttons build drafts."),
    N_("Download the drafts ({count} .eml file(s))"), N_("Client"), N_("Week"),
    N_("Recipients"), N_("Result"), N_("E-mail"), N_("Upload a data file."),
    N_("Messages"),
)


def _require_area(user: security.User, area: str) -> None:
    check = getattr(security, "require_area", None)
    if check is not None:
        check(user, area)


def _smtp_configured(request: Request) -> bool:
    profile = settings_of(request).profile
    return profile is not None and profile.mail is not None and profile.mail.smtp is not None


def _batch_jobs(request: Request, user: security.User) -> list[Any]:
    """The user's finished batch jobs whose sheet is still there (usable as data)."""
    out = []
    for job in runner(request).owned(user.id, BATCH_TASK):
        outcome = job.outcome()
        if outcome is not None and (job.folder / "input" / job.label).is_file():
            out.append(job)
    return out


def _form_page(request: Request, *, error: Optional[str] = None, status: int = 200) -> Response:
    user = security.current_user(request)
    loc = ui_locale(request)
    return render_page(request, "mail.html", status_code=status, error=error,
                       attach=ATTACH, smtp=_smtp_configured(request),
                       batches=[{"id": j.id, "label": j.label}
                                for j in _batch_jobs(request, user)],
                       jobs=[job_state(j, loc) for j in runner(request).owned(user.id, MAIL_TASK)])


async def mail_page(request: Request) -> Response:
    _require_area(security.current_user(request), "mail")
    return _form_page(request)


async def mail_start(request: Request) -> Response:
    await security.check_csrf(request)
    user = security.current_user(request)
    _require_area(user, "mail")
    form = await request.form()
    action = str(form.get("action") or "drafts")
    if action not in ACTIONS:
        raise HTTPException(status_code=400)
    smtp = action in ("send", "due") and _smtp_configured(request)
    if smtp:
        security.require_role(user, "ae", "admin")
    attach = [str(a) for a in form.getlist("attach") if str(a) in ATTACH] or ["pdf"]
    jobs = runner(request)
    source = str(form.get("batch_job") or "")
    batch = jobs.get(user.id, source) if source else None  # another user's: 404
    try:
        job = jobs.new(user.id, MAIL_TASK, "")
    except Busy as busy:
        return _form_page(request, error=str(busy.detail), status=409)
    group_by = str(form.get("group_by") or "").strip() or None
    sheet = str(form.get("sheet") or "").strip() or None
    try:
        if batch is not None:
            job.label = batch.label
            shutil.copy(batch.folder / "input" / batch.label, job.folder / "input" / job.label)
            group_by = group_by or batch.meta.get("group_by")
            sheet = sheet or batch.meta.get("sheet")
            error = None
        else:
            job.label, error = await save_upload(request, form, job, types=DATA_TYPES,
                                                 wrong_type=N_("Upload a data file."))
    except BaseException:
        jobs.discard(job)
        raise
    if error is not None:
        jobs.discard(job)
        return _form_page(request, error=error, status=400)
    settings = settings_of(request)
    log_dir = Path(settings.profile_path).parent if settings.profile_path else \
        Path(settings.work_dir) / "mail"
    log_dir.mkdir(parents=True, exist_ok=True)
    jobs.start(job, {"kind": "weekly", "file": job.label, "profile": settings.profile,
                     "group_by": group_by, "sheet": sheet, "attach": attach, "smtp": smtp,
                     "due": action == "due", "log_dir": str(log_dir), "user": user,
                     "sender_factory": getattr(request.app.state, "ops_sender_factory", None)})
    return RedirectResponse(request.url_for("mail_job", job=job.id).path, status_code=303)


def _results(outcome: Any, loc: Any) -> list[dict[str, Any]]:
    from .pages import translator

    t = translator(loc)
    out = []
    for r in (outcome.detail.get("results") or []) if outcome is not None else []:
        problem = r.get("problem")
        out.append({"state": r["state"], "label": t(STATES.get(r["state"], r["state"])),
                    "client": r["client"], "period": r["period"],
                    "recipients": ", ".join(r["recipients"]),
                    "message": problem.text(loc) if problem is not None else ""})
    return out


async def mail_job(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "mail")
    job = runner(request).get(user.id, request.path_params["job"])
    if job.task != MAIL_TASK:
        raise HTTPException(status_code=404)
    loc = ui_locale(request)
    state = job_state(job, loc)
    return render_page(request, "mail_job.html", job=state,
                       results=_results(state["outcome"], loc),
                       progress_url=request.url_for("mail_progress", job=job.id).path,
                       download_url=request.url_for("mail_download", job=job.id).path)


async def mail_progress(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "mail")
    job = runner(request).get(user.id, request.path_params["job"])
    if job.task != MAIL_TASK:
        raise HTTPException(status_code=404)
    return progress_json(job, request, "mail_download")


async def mail_download(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "mail")
    job = runner(request).get(user.id, request.path_params["job"])
    if job.task != MAIL_TASK:
        raise HTTPException(status_code=404)
    return download_archive(request, job)


routes: list[BaseRoute] = [
    Route("/mail", mail_page, methods=["GET"], name="mail"),
    Route("/mail", mail_start, methods=["POST"], name="mail_start"),
    Route("/mail/{job}", mail_job, methods=["GET"], name="mail_job"),
    Route("/mail/{job}/progress", mail_progress, methods=["GET"], name="mail_progress"),
    Route("/mail/{job}/download", mail_download, methods=["GET"], name="mail_download"),
]
