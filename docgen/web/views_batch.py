"""The batch page: upload a sheet, run ``docgen batch`` on it in the background, watch
its progress, download the zip (documents + manifest.json) or read its problems.

The run is :func:`docgen.web.jobs.batch_task` — the CLI's :func:`docgen.batch.run_batch`
with the form's options, in the upload's folder — so the page says what ``docgen batch``
says: all or nothing, and every problem located in the sheet as the CLI prints it
(:func:`problem_lines`). This module also holds what the ledger and mail pages share:
the job runner of the server, the upload and the problem lines.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional, Sequence

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import Problem, SourceLocation
from ..i18n.locale import DocLocale
from ..messages import N_, tr
from ..output import sanitize
from . import security
from .jobs import Busy, Job, JobRunner, Outcome
from .pages import render_page, settings_of, ui_locale

BATCH_TASK = "docgen.web.jobs:batch_task"
SHEET_TYPES = (".xlsx", ".csv")
FORMAT_CHOICES = ("docx", "xlsx", "pdf")
DOC_LOCALES = ("ko", "zh-CN", "zh-TW", "en")
DEFAULTS: dict[str, Any] = {"kind": "weekly", "group_by": "client", "sheet": "", "name": "",
                            "locale": "", "formats": ["docx"]}

# Words of the batch, job and mail pages (their templates call t() with these).
UI_STRINGS = (
    N_("Batch: one document per row or group"), N_("Sheet (.xlsx or .csv)"),
    N_("Document kind"), N_("One document per value of (--group-by)"),
    N_("Sheet name (.xlsx, optional)"), N_("Formats"),
    N_("File name pattern (optional), e.g. {client}_{week_start}"),
    N_("Document language"), N_("Each record's own (automatic)"), N_("Start"),
    N_("Your jobs"), N_("No jobs yet."), N_("Waiting…"), N_("Reading and checking…"),
    N_("Rendering {done} of {total}…"), N_("Packing the zip…"), N_("Sending…"),
    N_("Done."), N_("Failed."), N_("Download the zip ({count} file(s) + manifest.json)"),
    N_("Files in the zip"), N_("Warnings"), N_("Start another"),
    N_("Upload a .xlsx or .csv sheet."), N_("Choose a file to upload."),
    N_("You already have a job running; wait for it to finish."), N_("Open"),
    N_("The job is removed after its download or after an hour."),
)


# --- shared by the batch, ledger and mail pages --------------------------------------------

_RUNNER_LOCK = threading.Lock()


def runner(request: Request) -> JobRunner:
    """The server's job runner (one per app, in ``app.state.ops_jobs``)."""
    state = request.app.state
    found = getattr(state, "ops_jobs", None)
    if isinstance(found, JobRunner):
        return found
    with _RUNNER_LOCK:
        found = getattr(state, "ops_jobs", None)
        if not isinstance(found, JobRunner):
            found = JobRunner(Path(settings_of(request).work_dir))
            state.ops_jobs = found
    return found


def problem_lines(problems: Sequence[Problem], loc: DocLocale) -> list[dict[str, Any]]:
    """Each problem as ``docgen`` prints it on stderr (``FILE:PLACE: [warning: ]text``,
    then the cell's or paragraph's text), for the page."""
    out = []
    for p in problems:
        prefix = "" if p.is_error else tr(loc, N_("note") if p.severity == "note"
                                          else N_("warning")) + ": "
        out.append({"text": f"{p.location}: {prefix}{p.text(loc)}", "excerpt": p.excerpt,
                    "severity": p.severity})
    return out


def failure_lines(outcome: Outcome, loc: DocLocale) -> tuple[list[dict[str, Any]], str]:
    """What the CLI says when the run stopped: the problems and its closing line."""
    if outcome.failure == "validation":
        return problem_lines(outcome.problems, loc), tr(
            loc, N_("Error: {count} problem(s) found; nothing was written."),
            count=sum(p.is_error for p in outcome.problems))
    if outcome.failure == "error" and outcome.problems:
        p = outcome.problems[0]
        text = p.text(loc)
        if p.location != SourceLocation():
            text = f"{p.location}: {text}"
        return [], tr(loc, N_("Error: {message}"), message=text)
    if outcome.failure == "internal":
        return [], tr(loc, N_("Something went wrong on the server; nothing was written. "
                              "Please try again."))
    return problem_lines(outcome.problems, loc), ""


async def save_upload(request: Request, form: Any, job: Job, field: str = "file",
                      types: Sequence[str] = SHEET_TYPES,
                      wrong_type: str = N_("Upload a .xlsx or .csv sheet.")
                      ) -> tuple[str, Optional[str]]:
    """The uploaded file of ``field`` into ``job.folder/input`` under its own (safe)
    name: ``(name, None)``, or ``("", msgid)`` saying what is wrong. 413 above the
    limit."""
    upload = form.get(field)
    if upload is None or isinstance(upload, str) or not upload.filename:
        return "", N_("Choose a file to upload.")
    name = sanitize(Path(str(upload.filename).replace("\\", "/")).name)
    if Path(name).suffix.lower() not in types:
        return "", wrong_type
    limit = settings_of(request).upload_limit
    size = 0
    with (job.folder / "input" / name).open("wb") as out:
        while True:
            chunk = await upload.read(1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise HTTPException(status_code=413)
            out.write(chunk)
    return name, None


def progress_json(job: Job, request: Request, download: str) -> JSONResponse:
    state = job.progress()
    outcome = job.outcome() if state["phase"] in ("done", "failed") else None
    finished = outcome is not None
    return JSONResponse({**state, "finished": finished,
                         "ok": outcome.ok if outcome is not None else None,
                         "download": request.url_for(download, job=job.id).path
                         if outcome is not None and outcome.archive else None},
                        headers={"Cache-Control": "no-store"})


def download_archive(request: Request, job: Job) -> Response:
    """The job's zip; the job and its files are removed once it is sent."""
    outcome = job.outcome()
    if outcome is None or outcome.archive is None:
        raise HTTPException(status_code=404)
    return FileResponse(job.folder / outcome.archive, media_type="application/zip",
                        filename=outcome.archive,
                        background=BackgroundTask(runner(request).discard, job))


def job_state(job: Job, loc: DocLocale) -> dict[str, Any]:
    """A job for the page: its progress, and once ended its outcome in words."""
    state = job.progress()
    outcome = job.outcome() if state["phase"] in ("done", "failed") else None
    lines, closing = failure_lines(outcome, loc) if outcome is not None and not outcome.ok \
        else ([], "")
    return {"id": job.id, "label": job.label, "progress": state, "outcome": outcome,
            "problems": lines, "closing": closing,
            "notes": problem_lines(outcome.problems, loc) if outcome is not None
            and outcome.ok else [],
            "warnings": problem_lines(outcome.warnings, loc) if outcome is not None else []}


# --- the batch pages -----------------------------------------------------------------------

def _kinds(request: Request) -> list[dict[str, str]]:
    from .. import kinds as kinds_mod

    profile = settings_of(request).profile
    loc = ui_locale(request)
    out = []
    for name in kinds_mod.available(profile):
        kind = kinds_mod.get(name, profile)
        if kind is not None:
            out.append({"name": name, "label": kind.label(loc.primary)})
    return out


def _form_page(request: Request, *, error: Optional[str] = None, status: int = 200,
               values: Optional[dict[str, Any]] = None) -> Response:
    user = security.current_user(request)
    loc = ui_locale(request)
    jobs = [job_state(j, loc) for j in runner(request).owned(user.id, BATCH_TASK)]
    return render_page(request, "batch.html", status_code=status, kinds=_kinds(request),
                       formats=FORMAT_CHOICES, doc_locales=DOC_LOCALES, jobs=jobs,
                       error=error, values={**DEFAULTS, **(values or {})})


def _require_area(user: security.User, area: str) -> None:
    check = getattr(security, "require_area", None)  # W-TEAM's, once it is there
    if check is not None:
        check(user, area)


async def batch_page(request: Request) -> Response:
    _require_area(security.current_user(request), "batch")
    return _form_page(request)


async def batch_start(request: Request) -> Response:
    await security.check_csrf(request)
    user = security.current_user(request)
    _require_area(user, "batch")
    form = await request.form()
    values: dict[str, Any] = {"kind": str(form.get("kind") or ""), "group_by": str(form.get("group_by") or ""),
              "sheet": str(form.get("sheet") or ""), "name": str(form.get("name") or ""),
              "locale": str(form.get("locale") or ""),
              "formats": [str(f) for f in form.getlist("formats")
                          if str(f) in FORMAT_CHOICES] or ["docx"]}
    if values["kind"] not in {k["name"] for k in _kinds(request)}:
        raise HTTPException(status_code=404)
    jobs = runner(request)
    try:
        job = jobs.new(user.id, BATCH_TASK, "")
    except Busy as busy:
        return _form_page(request, error=str(busy.detail), status=409, values=values)
    try:
        job.label, error = await save_upload(request, form, job)
    except BaseException:
        jobs.discard(job)
        raise
    if error is not None:
        jobs.discard(job)
        return _form_page(request, error=error, status=400, values=values)
    settings = settings_of(request)
    locale = DocLocale.parse(values["locale"]) if values["locale"] in DOC_LOCALES else None
    jobs.start(job, {"kind": values["kind"], "file": job.label, "profile": settings.profile,
                     "group_by": values["group_by"].strip() or None,
                     "sheet": values["sheet"].strip() or None,
                     "name": values["name"].strip() or None, "formats": values["formats"],
                     "locale": locale, "user": user})
    job.meta.update(group_by=values["group_by"].strip() or None,
                    sheet=values["sheet"].strip() or None, kind=values["kind"])
    return RedirectResponse(request.url_for("batch_job", job=job.id).path, status_code=303)


async def batch_job(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "batch")
    job = runner(request).get(user.id, request.path_params["job"])
    return render_page(request, "batch_job.html", job=job_state(job, ui_locale(request)),
                       progress_url=request.url_for("batch_progress", job=job.id).path,
                       download_url=request.url_for("batch_download", job=job.id).path)


async def batch_progress(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "batch")
    job = runner(request).get(user.id, request.path_params["job"])
    return progress_json(job, request, "batch_download")


async def batch_download(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "batch")
    return download_archive(request, runner(request).get(user.id, request.path_params["job"]))


routes: list[BaseRoute] = [
    Route("/batch", batch_page, methods=["GET"], name="batch"),
    Route("/batch", batch_start, methods=["POST"], name="batch_start"),
    Route("/batch/{job}", batch_job, methods=["GET"], name="batch_job"),
    Route("/batch/{job}/progress", batch_progress, methods=["GET"], name="batch_progress"),
    Route("/batch/{job}/download", batch_download, methods=["GET"], name="batch_download"),
]
