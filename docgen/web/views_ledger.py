"""The ledger's pages: issue a document from the kind form, the jobs and a job's
timeline (``docgen jobs`` / ``docgen job``), receivables (``docgen receivables``, and
its workbook).

Issuing is :func:`docgen.web.jobs.issue_task` — what ``docgen render --issue`` calls
(:func:`docgen.ledger.issuing.issue_prepared`) — in a job process, awaited by the
request. The views read the ledger through the same functions as the CLI
(:mod:`docgen.ledger.jobs`, :mod:`docgen.ledger.receivables`) and then keep only what
the user may see: lists are filtered with :func:`security.may_see_client`, a job of a
client they may not see is 404 (like a job that does not exist), and receivables
totals are summed again over the visible invoices only.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from ..i18n.format import get_formatter
from ..i18n.locale import DocLocale
from ..ledger.aging import Receivables, group_sums, roll_up
from ..ledger.labels import bucket_labels, header, state_label, status_label, unnamed
from ..messages import N_, tr
from . import security
from .pages import render_page, settings_of, ui_locale
from .views_batch import failure_lines, problem_lines, runner

if TYPE_CHECKING:
    from ..ledger.store import Ledger

ISSUE_TASK = "docgen.web.jobs:issue_task"
ISSUE_TIMEOUT = 300.0  # seconds a request waits for its document to be issued
SHOWN_INVOICES = 100  # the page lists the oldest unpaid invoices (the CLI's --limit)

UI_STRINGS = (
    N_("Jobs"), N_("Only jobs not yet paid in full"), N_("Client contains"), N_("Filter"),
    N_("No jobs."), N_("Job {job} — {client}"), N_("Date"), N_("Document"), N_("Number"),
    N_("Status"), N_("Details"), N_("Issued: {number}"), N_("Download"),
    N_("The job's timeline"), N_("Receivables as of {date}"), N_("As of"),
    N_("Download the workbook (.xlsx)"), N_("No unpaid invoices."), N_("By client"),
    N_("By AE"), N_("Totals per currency"), N_("State"), N_("Brief"),
    N_("The document was not issued:"), N_("Back to the form"),
    N_("The {shown} oldest of {count} unpaid invoices are listed; the totals count them "
       "all."),
    N_("Give the date as YYYY-MM-DD."),
)


def _require_area(user: security.User, area: str) -> None:
    check = getattr(security, "require_area", None)
    if check is not None:
        check(user, area)


_LEDGER_LOCK = threading.Lock()


def ledger_of(request: Request) -> "Ledger":
    """The profile's ledger, opened once per server (``app.state.ops_ledger``); without
    ``[ledger]`` the CLI's error (said as a page)."""
    found = getattr(request.app.state, "ops_ledger", None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    from ..cli_receivables import open_profile_ledger
    from ..profile import Profile

    with _LEDGER_LOCK:
        found = getattr(request.app.state, "ops_ledger", None)
        if found is None:
            found = open_profile_ledger(settings_of(request).profile or Profile())
            request.app.state.ops_ledger = found
    return found  # type: ignore[no-any-return]


def _money(loc: DocLocale, amount: Optional[Decimal], currency: Optional[str]) -> str:
    if amount is None:
        return ""
    from ..ledger.report_text import _money as money_text  # the CLI's money format

    return money_text(get_formatter(loc.primary), amount, currency or "")


def _amounts(loc: DocLocale, by_currency: dict[str, Decimal]) -> str:
    return ", ".join(_money(loc, a, c) for c, a in sorted(by_currency.items())) or "-"


# --- issuing -------------------------------------------------------------------------------

async def issue(request: Request) -> Response:
    """``POST /kind/{kind}/issue``: the posted form issued as ``docgen render --issue``."""
    from .. import kinds as kinds_mod
    from .forms import record_from_form

    await security.check_csrf(request)
    user = security.current_user(request)
    _require_area(user, "documents")
    _require_area(user, "ledger")
    settings = settings_of(request)
    kind = kinds_mod.get(request.path_params["kind"], settings.profile)
    if kind is None:
        raise HTTPException(status_code=404)
    form = await request.form()
    record = record_from_form(kind.schema, form.multi_items())
    check = getattr(security, "require_record_client", None)
    if check is not None:
        check(user, record)
    elif not security.may_see_client(user, str(record.get("client") or "")):
        raise HTTPException(status_code=403)
    formats = [f for f in form.getlist("formats") if f in ("docx", "xlsx", "pdf")] \
        or [f for f in request.query_params.getlist("format") if f in ("docx", "xlsx", "pdf")] \
        or ["docx"]
    jobs = runner(request)
    job = jobs.new(user.id, ISSUE_TASK, kind.name, exclusive=False)
    jobs.start(job, {"kind": kind.name, "record": record, "profile": settings.profile,
                     "formats": formats})
    end = asyncio.get_running_loop().time() + ISSUE_TIMEOUT
    while (outcome := job.outcome()) is None:
        if asyncio.get_running_loop().time() > end:
            jobs.discard(job)
            raise HTTPException(status_code=500)
        await asyncio.sleep(0.05)
    loc = ui_locale(request)
    lines, closing = failure_lines(outcome, loc) if not outcome.ok else ([], "")
    if outcome.failure == "validation":  # a form, not a file: the field, not the place
        lines = [{"text": p.text(loc), "excerpt": None, "severity": p.severity}
                 for p in outcome.problems]
    files = [{"name": name, "url": request.url_for("issued_file", job=job.id,
                                                    name=name).path}
             for name in outcome.detail.get("files", [])]
    job_number = outcome.detail.get("job_number")
    if not outcome.ok:
        jobs.discard(job)
    return render_page(request, "ledger_issued.html", status_code=200 if outcome.ok else 400,
                       kind=kind.name, kind_label=kind.label(loc.primary), outcome=outcome,
                       problems=lines, closing=closing, files=files,
                       number=outcome.detail.get("number"),
                       timeline=request.url_for("ledger_job", number=job_number).path
                       if job_number else None,
                       warnings=problem_lines(outcome.warnings, loc))


async def issued_file(request: Request) -> Response:
    user = security.current_user(request)
    job = runner(request).get(user.id, request.path_params["job"])
    outcome = job.outcome()
    name = request.path_params["name"]
    if job.task != ISSUE_TASK or outcome is None or name not in outcome.detail.get("files", []):
        raise HTTPException(status_code=404)
    return FileResponse(job.folder / "out" / name, filename=name)


# --- jobs and a job's timeline ---------------------------------------------------------------

async def jobs_page(request: Request) -> Response:
    """``docgen jobs [--client NAME] [--open]``, only the user's clients."""
    from ..ledger import jobs as jobs_mod

    user = security.current_user(request)
    _require_area(user, "ledger")
    client = request.query_params.get("client", "").strip() or None
    open_only = request.query_params.get("open") in ("1", "on", "true")
    ledger = ledger_of(request)
    with ledger.reading() as conn:
        states = jobs_mod.list_jobs(conn, ledger.archive, client=client, open_only=open_only)
    loc = ui_locale(request)
    rows = [{"job": s.job_number, "client": s.client, "state": state_label(loc, s.state),
             "brief": s.brief or "-",
             "delivered": s.delivered.isoformat() if s.delivered else "-",
             "signed": s.signed.isoformat() if s.signed else "-",
             "invoiced": _amounts(loc, s.invoiced), "outstanding": _amounts(loc, s.outstanding),
             "url": request.url_for("ledger_job", number=s.job_number).path}
            for s in states if security.may_see_client(user, s.client)]
    heads = {"job_number": header(loc, "job_number"), "client": header(loc, "client"),
             "delivered": state_label(loc, "delivered"), "signed": state_label(loc, "signed"),
             "invoiced": state_label(loc, "invoiced"),
             "outstanding": header(loc, "outstanding")}
    return render_page(request, "ledger.html", rows=rows, heads=heads, client=client or "",
                       open_only=open_only)


def _details(loc: DocLocale, e: Any) -> list[str]:
    """A timeline entry's details, worded as ``docgen job`` words them."""
    out = []
    if e.status == "void" and e.void_reason:
        out.append(tr(loc, N_("reason: {reason}"), reason=e.void_reason))
    if e.budget is not None:
        out.append(tr(loc, N_("budget {amount}"), amount=_money(loc, e.budget[0], e.budget[1])))
    if e.kind == "signoff":
        out.append(tr(loc, N_("client signed {date}"), date=e.signed.isoformat()) if e.signed
                   else tr(loc, N_("not signed by the client")))
    if e.total is not None:
        out.append(tr(loc, N_("total {amount}"), amount=_money(loc, e.total, e.currency)))
    if e.due_date is not None:
        out.append(tr(loc, N_("due {date}"), date=e.due_date.isoformat()))
    paid = Decimal(0)
    for p in e.payments:
        paid += p.amount
        out.append(tr(loc, N_("paid {amount} on {date}"), amount=_money(loc, p.amount, p.currency),
                      date=p.paid_date.isoformat()))
    if e.kind == "invoice" and e.total is not None and e.status == "issued" \
            and not e.superseded:
        owed = e.total - paid
        out.append(tr(loc, N_("outstanding {amount}"), amount=_money(loc, owed, e.currency))
                   if owed > 0 else tr(loc, N_("paid in full")))
    return out


async def job_page(request: Request) -> Response:
    """``docgen job NUMBER``: 404 for a job of a client the user may not see."""
    from .. import kinds as kinds_mod
    from ..ledger import jobs as jobs_mod
    from ..ledger.errors import LedgerInputError

    user = security.current_user(request)
    _require_area(user, "ledger")
    ledger = ledger_of(request)
    try:
        with ledger.reading() as conn:
            tl = jobs_mod.timeline(conn, ledger.archive, request.path_params["number"])
    except LedgerInputError:
        raise HTTPException(status_code=404) from None  # never "did you mean" another's
    if not security.may_see_client(user, tl.job.client):
        raise HTTPException(status_code=404)
    loc = ui_locale(request)
    profile = settings_of(request).profile

    def kind_label(name: str) -> str:
        kind = kinds_mod.get(name, profile)
        return kind.label(loc.primary) if kind is not None else name

    entries = []
    for e in tl.entries:
        if e.client and not security.may_see_client(user, e.client):
            continue
        status = status_label(loc, e.status)
        if e.superseded:
            status = tr(loc, N_("{status}, superseded"), status=status)
        entries.append({"date": e.issue_date.isoformat() if e.issue_date else "",
                        "kind": kind_label(e.kind), "number": e.number, "status": status,
                        "void": e.status == "void", "details": _details(loc, e)})
    stages = [{"label": state_label(loc, stage), "done": done}
              for stage, done in tl.job.stages.items() if stage in jobs_mod.STAGES]
    return render_page(request, "ledger_job.html", job=tl.job.job_number, client=tl.job.client,
                       stages=stages, entries=entries)


# --- receivables ---------------------------------------------------------------------------

def _as_of(request: Request) -> dt.date:
    text = request.query_params.get("as_of", "").strip()
    if not text:
        return dt.date.today()  # the clock is read here, at the boundary
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(status_code=400, detail=N_("Give the date as YYYY-MM-DD.")) \
            from None


def visible_receivables(request: Request, user: security.User, day: dt.date,
                        limit: Optional[int]) -> Receivables:
    """``docgen receivables`` on ``day`` over the invoices of clients ``user`` sees:
    the CLI's report for those who see every client, else every open invoice read,
    filtered and totalled again (so no total includes another AE's client)."""
    from ..ledger import receivables as recv

    ledger = ledger_of(request)
    with ledger.reading() as conn:
        if user.clients is None:
            return recv.receivables(conn, day, limit=limit)
        report = recv.receivables(conn, day, limit=None)
    invoices = [i for i in report.invoices if security.may_see_client(user, i.client)]
    by_client, by_ae, by_currency = roll_up(group_sums(invoices))
    shown = sorted(invoices, key=lambda i: (i.issue_date, i.number))[:limit] \
        if limit is not None else invoices
    keep = {id(i) for i in shown}
    return replace(report, invoices=[i for i in invoices if id(i) in keep],
                   by_client=by_client, by_ae=by_ae, by_currency=by_currency)


def _totals(loc: DocLocale, groups: list[Any]) -> list[dict[str, Any]]:
    none = unnamed(loc)
    return [{"label": g.label or none, "currency": g.currency,
             "amounts": [_money(loc, a, g.currency) for a in g.amounts],
             "total": _money(loc, g.total, g.currency), "count": g.count} for g in groups]


async def receivables_page(request: Request) -> Response:
    user = security.current_user(request)
    _require_area(user, "receivables")
    day = _as_of(request)
    report = visible_receivables(request, user, day, SHOWN_INVOICES)
    loc = ui_locale(request)
    buckets = bucket_labels(loc)
    invoices = [{"number": i.number, "job": i.job_number or "", "client": i.client,
                 "ae": i.ae or unnamed(loc), "issued": i.issue_date.isoformat(),
                 "due": i.due_date.isoformat() if i.due_date else "", "age": i.age_days,
                 "late": i.past_due_days, "bucket": buckets[i.bucket],
                 "total": _money(loc, i.total, i.currency),
                 "outstanding": _money(loc, i.outstanding, i.currency)}
                for i in report.invoices]
    names = ("number", "job_number", "client", "ae", "issue_date", "due_date", "age_days",
             "past_due_days", "bucket", "total", "outstanding", "currency", "count")
    return render_page(request, "receivables.html", as_of=day.isoformat(), invoices=invoices,
                       count=sum(t.count for t in report.by_currency),
                       heads={n: header(loc, n) for n in names}, buckets=buckets,
                       by_client=_totals(loc, report.by_client),
                       by_ae=_totals(loc, report.by_ae),
                       by_currency=_totals(loc, report.by_currency))


async def receivables_xlsx(request: Request) -> Response:
    """``docgen receivables -f xlsx``: every visible open invoice in the workbook."""
    from ..ledger.report_xlsx import write_receivables_xlsx

    user = security.current_user(request)
    _require_area(user, "receivables")
    day = _as_of(request)
    report = visible_receivables(request, user, day, None)
    data = write_receivables_xlsx(report, ui_locale(request))
    name = f"receivables-{day.isoformat()}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route("/kind/{kind}/issue", issue, methods=["POST"], name="issue"),
    Route("/issued/{job}/{name}", issued_file, methods=["GET"], name="issued_file"),
    Route("/ledger", jobs_page, methods=["GET"], name="ledger"),
    Route("/ledger/job/{number:path}", job_page, methods=["GET"], name="ledger_job"),
    Route("/receivables", receivables_page, methods=["GET"], name="receivables"),
    Route("/receivables.xlsx", receivables_xlsx, methods=["GET"], name="receivables_xlsx"),
]

