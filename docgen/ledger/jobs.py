"""Jobs: the job number that links a brief to its minutes, signoffs and invoices.

The issued brief (work order) opens a job and names its client and budget; every other
document carrying the job number attaches to it. Facts the ledger row does not hold —
the brief's budget, the client's signature on a signoff — are read from the archived
records (the archive is the source of truth, so nothing is copied twice).

:func:`checks_for` gives the cross-document checks run inside the issuing transaction
(see :meth:`docgen.ledger.store.Ledger.issue`), as the trade expects them:

* a document whose client is not the job's client — an **error**: never mention client
  A to client B;
* an invoice for a job no issued brief opened — an **error** (the work order is what
  makes the work billable; usually the job number is mistyped);
* an invoice before the client signed the job's signoff — an **error** (finance invoices
  delivered, approved work), as is one dated before the signature;
* invoices of a job above the brief's budget — a **warning**: budgets move with change
  orders, so the AE is told (and finance sees it) but the invoice is not blocked;
* a signoff for a job with no brief, or a second brief for an opened job — warnings.
"""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping, Optional, Sequence

from sqlalchemy import Connection, bindparam, case, func, literal, select
from sqlalchemy.engine import Row

from ..errors import DocgenWarning, Problem
from ..messages import N_
from .archive import Archive
from .errors import LedgerInputError
from .numbering import shown, split
from .receivables import INVOICE, _EPSILON, _latest, _money, _paid_by_number
from .schema import documents, payments
from .store import client_key, client_name

Checks = Callable[[Connection, str, Mapping[str, Any]], Sequence[Problem]]
# Where a record may carry its own number (to tell a revision from a new document).
NUMBER_FIELDS = ("request_number", "number", "document_number", "doc_number")
STAGES = ("briefed", "delivered", "signed", "invoiced", "paid")


# --- reading the archived records ------------------------------------------------------

# Archived records by (archive root, sha256). Objects are content-addressed and never
# rewritten, so a record read once stays right; a batch of invoices for one job would
# otherwise read and parse the job's brief and signoff again for every invoice.
_RECORDS: dict[tuple[str, str], Mapping[str, Any]] = {}
_RECORDS_MAX = 4096


def _record(archive: Optional[Archive], digest: Optional[str]) -> Mapping[str, Any]:
    """The archived record, or ``{}`` when the archive cannot give it (``archive verify``
    reports that; a check must not crash on it). Callers copy before changing it."""
    if archive is None or not digest:
        return {}
    key = (str(getattr(archive, "root", id(archive))), digest)
    found = _RECORDS.get(key)
    if found is not None:
        return found
    try:
        data = json.loads(archive.get(digest))
    except (OSError, ValueError):
        return {}  # not cached: it may be restored
    record: Mapping[str, Any] = data if isinstance(data, dict) else {}
    if len(_RECORDS) >= _RECORDS_MAX:
        _RECORDS.clear()
    _RECORDS[key] = record
    return record


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _decimal(value: Any) -> Optional[Decimal]:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def signed_date(record: Mapping[str, Any]) -> Optional[dt.date]:
    """When the client signed a signoff record; ``None`` when unsigned or rejected."""
    if record.get("acceptance") == "rejected":
        return None
    signatory = record.get("client_signatory")
    if not isinstance(signatory, Mapping):
        return None
    return _date(signatory.get("signed_date"))


def budget_of(record: Mapping[str, Any]) -> tuple[Optional[Decimal], Optional[str]]:
    """A brief record's budget amount and currency (either may be absent)."""
    budget = record.get("budget")
    if not isinstance(budget, Mapping):
        return None, None
    currency = budget.get("currency")
    return _decimal(budget.get("amount")), (str(currency).upper() if currency else None)


def invoice_total(record: Mapping[str, Any]) -> Optional[Decimal]:
    """The invoice's total with VAT: the computed ``total`` when the record has it, else
    computed here, on a copy, the way the invoice kind computes it."""
    given = _decimal(record.get("total"))
    if given is not None:
        return given
    from ..i18n.locale import DocLocale
    from ..kinds.invoice.compute import compute
    context = copy.deepcopy(dict(record))
    try:
        compute(context, DocLocale.parse("ko"))
    except Exception:  # an invalid record is validation's to report, not this check's
        return None
    return _decimal(context.get("total"))


def _own_number(record: Mapping[str, Any]) -> Optional[str]:
    for name in NUMBER_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return split(value)[0]
    return None


# --- the checks at issue ---------------------------------------------------------------

def _job_documents_query() -> Any:
    d = documents.alias("d")
    return (select(d).where(d.c.job_number == bindparam("job"), d.c.status == "issued",
                            _latest(d))
            .order_by(d.c.issue_date, d.c.id))


# Built once: SQLAlchemy then compiles it once per dialect (its statement cache), instead
# of building and compiling an aliased query with a subquery for every document issued.
_JOB_DOCUMENTS = _job_documents_query()


def _job_documents(conn: Connection, job_number: str) -> list[Row[Any]]:
    """The latest revision of every issued document of the job, oldest first."""
    return list(conn.execute(_JOB_DOCUMENTS, {"job": job_number}).all())


def _known_jobs(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        select(documents.c.job_number).where(documents.c.kind == "brief",
                                             documents.c.status == "issued")
        .distinct()).all() if r[0]]


def _problem(code: str, message: str, severity: str = "error", **params: Any) -> Problem:
    return Problem("job_number", f"job_{code}", message, severity, params=params)


def check_issue(conn: Connection, archive: Optional[Archive], kind: str,
                record: Mapping[str, Any]) -> list[Problem]:
    """Cross-document problems of issuing ``record`` as a ``kind`` (errors block it)."""
    job = str(record.get("job_number") or "").strip()
    if not job:
        return []
    docs = _job_documents(conn, job)
    own = _own_number(record)
    others = [d for d in docs if not (d.kind == kind and own is not None and d.number == own)]
    briefs = [d for d in others if d.kind == "brief"]
    problems: list[Problem] = []

    # The job's client: its brief's, else that of the first document that named it.
    reference = briefs[0] if briefs else (others[0] if others else None)
    key = client_key(record.get("client"))
    if reference is not None and key and reference.client_key and key != reference.client_key:
        problems.append(_problem(
            "client_mismatch", N_("job {job} is client {job_client}'s ({document}); this {kind} "
                                  "is for {client}: one client's job number must never appear "
                                  "on another client's document"),
            job=job, job_client=reference.client or reference.client_key,
            document=shown(reference.number, reference.revision), kind=kind,
            client=client_name(record.get("client")) or key))

    if kind == "brief" and briefs:
        problems.append(_problem(
            "second_brief", N_("job {job} was already opened by brief {brief}; this brief is "
                               "a second work order for it"), "warning",
            job=job, brief=shown(briefs[0].number, briefs[0].revision)))
    elif kind == "signoff" and not briefs:
        problems.append(_problem(
            "no_brief_signoff", N_("no issued brief opened job {job}: check the job number"),
            "warning", job=job))
    elif kind == INVOICE:
        problems += _invoice_checks(conn, archive, job, record, own, others, briefs)
    return problems


def _invoice_checks(conn: Connection, archive: Optional[Archive], job: str,
                    record: Mapping[str, Any], own: Optional[str], others: list[Row[Any]],
                    briefs: list[Row[Any]]) -> list[Problem]:
    problems: list[Problem] = []
    if not briefs:
        close = difflib.get_close_matches(job, _known_jobs(conn), n=3, cutoff=0.6)
        if close:
            problems.append(_problem(
                "no_brief_suggest", N_("no issued brief opened job {job}, so it cannot be "
                                       "invoiced (did you mean {suggestions}?)"),
                job=job, suggestions=", ".join(close)))
        else:
            problems.append(_problem(
                "no_brief", N_("no issued brief opened job {job}, so it cannot be invoiced: "
                               "issue the job's brief (work order) first"), job=job))

    issue_date = _date(record.get("issue_date"))
    signoffs = [d for d in others if d.kind == "signoff"]
    signed = sorted(s for s in (signed_date(_record(archive, d.record_sha256))
                                for d in signoffs) if s is not None)
    if not signoffs:
        problems.append(_problem(
            "no_signoff", N_("job {job} has no issued signoff sheet: invoice only work the "
                             "client has signed off"), job=job))
    elif not signed:
        problems.append(_problem(
            "unsigned", N_("the client has not signed the signoff of job {job} ({document}): "
                           "invoice only work the client has signed off"),
            job=job, document=", ".join(shown(d.number, d.revision) for d in signoffs)))
    elif issue_date is not None and issue_date < signed[0]:
        problems.append(_problem(
            "before_signoff", N_("the invoice is dated {date}, before the client signed the "
                                 "signoff of job {job} on {signed}"),
            job=job, date=issue_date.isoformat(), signed=signed[0].isoformat()))

    if briefs:
        amount, currency = budget_of(_record(archive, briefs[0].record_sha256))
        total = invoice_total(record)
        inv_currency = str(record.get("currency") or "").strip().upper()
        if amount is not None and total is not None and (currency in (None, inv_currency)):
            before = sum((_money(d.total, inv_currency) for d in others
                          if d.kind == INVOICE and (d.currency or "") == inv_currency),
                         Decimal(0))
            if before + total > amount:
                problems.append(_problem(
                    "over_budget", N_("invoices of job {job} come to {invoiced} {currency} with "
                                      "this one, above the brief's budget of {budget} {currency}"),
                    "warning", job=job, invoiced=before + total, budget=amount,
                    currency=inv_currency))
        elif amount is not None and currency and inv_currency and currency != inv_currency:
            problems.append(_problem(
                "budget_currency", N_("the brief's budget of job {job} is in {budget_currency}, "
                                      "the invoice in {currency}: the budget was not checked"),
                "warning", job=job, budget_currency=currency, currency=inv_currency))
    return problems


def checks_for(ledger: Any) -> Checks:
    """The ``checks`` hook of :meth:`Ledger.issue` for ``ledger`` (it reads the archived
    briefs and signoffs through ``ledger.archive``)."""
    archive: Optional[Archive] = getattr(ledger, "archive", None)

    def checks(conn: Connection, kind: str, record: Mapping[str, Any]) -> list[Problem]:
        problems = check_issue(conn, archive, kind, record)
        if not any(p.is_error for p in problems):
            # The issue goes ahead: its warnings are said now, in the run's language (with
            # errors, the caller reports every problem together).
            for p in problems:
                warnings.warn(DocgenWarning(p.template, **dict(p.params)), stacklevel=2)
        return problems

    return checks


# --- listing jobs and a job's timeline -------------------------------------------------

@dataclass
class JobState:
    """One job and how far it got."""

    job_number: str
    client: str
    client_key: str
    brief: Optional[str]  # the opening brief's number
    opened: Optional[dt.date]
    documents: int
    invoices: int
    unpaid: int
    delivered: Optional[dt.date] = None
    signed: Optional[dt.date] = None
    invoiced: dict[str, Decimal] = field(default_factory=dict)  # per currency
    outstanding: dict[str, Decimal] = field(default_factory=dict)

    @property
    def stages(self) -> dict[str, bool]:
        return {"briefed": self.brief is not None, "delivered": self.delivered is not None,
                "signed": self.signed is not None, "invoiced": self.invoices > 0,
                "paid": self.invoices > 0 and self.unpaid == 0}

    @property
    def state(self) -> str:
        """The furthest stage reached (``opened`` when none: documents but no brief)."""
        reached = [s for s, done in self.stages.items() if done]
        return reached[-1] if reached else "opened"

    @property
    def is_open(self) -> bool:
        return not self.stages["paid"]


def _matches(state: JobState, client: str) -> bool:
    key = client_key(client) or ""
    return key == state.client_key or key in (client_key(state.client) or "")


def list_jobs(conn: Connection, archive: Optional[Archive], *, client: Optional[str] = None,
              open_only: bool = False, job_number: Optional[str] = None) -> list[JobState]:
    """Every job number the ledger knows (or just ``job_number``) with its state, sorted
    by job number; ``client`` keeps the jobs of clients whose name contains it."""
    d = documents.alias("d")
    paid = _paid_by_number(None)
    owed = d.c.total - func.coalesce(paid.c.paid, literal(0))
    issued = d.c.status == "issued"
    is_invoice = (d.c.kind == INVOICE) & issued

    def count(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    rows = conn.execute(
        select(d.c.job_number,
               func.min(case((d.c.kind == "brief", d.c.client), else_=None)).label("brief_client"),
               func.min(case((d.c.kind == "brief", d.c.client_key), else_=None)).label("brief_key"),
               func.min(d.c.client).label("client"), func.min(d.c.client_key).label("key"),
               func.min(case(((d.c.kind == "brief") & issued, d.c.number), else_=None))
               .label("brief"),
               func.min(case(((d.c.kind == "brief") & issued, d.c.issue_date), else_=None))
               .label("opened"),
               func.min(case(((d.c.kind == "signoff") & issued, d.c.issue_date), else_=None))
               .label("delivered"),
               func.count().label("documents"), count(is_invoice).label("invoices"),
               count(is_invoice & (owed > _EPSILON)).label("unpaid"))
        .select_from(d.outerjoin(paid, (paid.c.number == d.c.number) & (d.c.kind == INVOICE)))
        .where(d.c.job_number.is_not(None) if job_number is None
               else d.c.job_number == job_number, _latest(d))
        .group_by(d.c.job_number).order_by(d.c.job_number)).all()
    states = []
    for r in rows:
        state = JobState(r.job_number, r.brief_client or r.client or "",
                         r.brief_key or r.key or "", r.brief, r.opened, int(r.documents),
                         int(r.invoices or 0), int(r.unpaid or 0), delivered=r.delivered)
        if client is not None and not _matches(state, client):
            continue
        states.append(state)
    if not states:
        return []
    by_job = {s.job_number: s for s in states}
    _add_money(conn, by_job)
    _add_signatures(conn, archive, by_job)
    return [s for s in states if s.is_open] if open_only else states


def _add_money(conn: Connection, by_job: dict[str, JobState]) -> None:
    """Invoiced and outstanding amounts per job and currency (one grouped query)."""
    d = documents.alias("d")
    paid = _paid_by_number(None)
    owed = d.c.total - func.coalesce(paid.c.paid, literal(0))
    for r in conn.execute(
            select(d.c.job_number, d.c.currency, func.sum(d.c.total).label("total"),
                   func.sum(owed).label("owed"))
            .select_from(d.outerjoin(paid, paid.c.number == d.c.number))
            .where(d.c.kind == INVOICE, d.c.status == "issued", d.c.job_number.is_not(None),
                   _latest(d))
            .group_by(d.c.job_number, d.c.currency)).all():
        state = by_job.get(r.job_number)
        if state is None:
            continue
        currency = r.currency or ""
        state.invoiced[currency] = _money(r.total, currency)
        owed_amount = _money(r.owed, currency)
        if owed_amount > 0:
            state.outstanding[currency] = owed_amount


def _add_signatures(conn: Connection, archive: Optional[Archive],
                    by_job: dict[str, JobState]) -> None:
    """The client's earliest signature per job, read from the archived signoffs."""
    d = documents.alias("d")
    for r in conn.execute(select(d.c.job_number, d.c.record_sha256)
                          .where(d.c.kind == "signoff", d.c.status == "issued",
                                 d.c.job_number.is_not(None), _latest(d))).all():
        state = by_job.get(r.job_number)
        if state is None:
            continue
        signed = signed_date(_record(archive, r.record_sha256))
        if signed is not None and (state.signed is None or signed < state.signed):
            state.signed = signed


@dataclass(frozen=True)
class PaymentEntry:
    paid_date: dt.date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class TimelineEntry:
    """One document revision of a job, with its payments (invoices)."""

    kind: str
    number: str  # as shown, with its revision suffix
    revision: int
    status: str
    issue_date: Optional[dt.date]
    due_date: Optional[dt.date]
    issued_at: dt.datetime
    issued_by: Optional[str]
    client: str
    currency: Optional[str]
    total: Optional[Decimal]
    void_reason: Optional[str]
    superseded: bool
    signed: Optional[dt.date] = None  # signoffs: the client's signature
    budget: Optional[tuple[Decimal, Optional[str]]] = None  # briefs
    payments: tuple[PaymentEntry, ...] = ()


@dataclass(frozen=True)
class Timeline:
    job: JobState
    entries: list[TimelineEntry]


def timeline(conn: Connection, archive: Optional[Archive], job_number: str) -> Timeline:
    """Every document revision of ``job_number`` in date order, with payments; an unknown
    job is a :class:`LedgerInputError` (with the nearest job numbers)."""
    job = job_number.strip()
    states = {s.job_number: s for s in list_jobs(conn, archive, job_number=job)}
    if job not in states:
        every = [r[0] for r in conn.execute(select(documents.c.job_number).distinct()).all()
                 if r[0]]
        close = difflib.get_close_matches(job, every, n=3, cutoff=0.6)
        if close:
            raise LedgerInputError(N_("no document in the ledger has job number {job} (did you "
                                      "mean {suggestions}?)"), code="unknown-job",
                                   params={"job": job, "suggestions": ", ".join(close)})
        raise LedgerInputError(N_("no document in the ledger has job number {job}"),
                               code="unknown-job", params={"job": job})
    rows = conn.execute(select(documents).where(documents.c.job_number == job)
                        .order_by(documents.c.issue_date, documents.c.id)).all()
    latest: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.revision >= latest.get((r.kind, r.number), -1):
            latest[(r.kind, r.number)] = r.revision
    paid_rows = conn.execute(
        select(documents.c.number, payments.c.paid_date, payments.c.amount, payments.c.currency)
        .select_from(payments.join(documents, payments.c.document_id == documents.c.id))
        .where(documents.c.job_number == job, documents.c.kind == INVOICE)
        .order_by(payments.c.paid_date, payments.c.id)).all()
    by_number: dict[str, list[PaymentEntry]] = {}
    for p in paid_rows:
        by_number.setdefault(p.number, []).append(
            PaymentEntry(p.paid_date, _money(p.amount, p.currency or ""), p.currency or ""))
    entries = []
    for r in rows:
        is_latest = latest[(r.kind, r.number)] == r.revision
        record = _record(archive, r.record_sha256) if r.kind in ("signoff", "brief") else {}
        budget = budget_of(record) if r.kind == "brief" else (None, None)
        entries.append(TimelineEntry(
            kind=r.kind, number=shown(r.number, r.revision), revision=r.revision,
            status=r.status, issue_date=r.issue_date, due_date=r.due_date,
            issued_at=r.issued_at, issued_by=r.issued_by, client=r.client or "",
            currency=r.currency,
            total=_money(r.total, r.currency or "") if r.total is not None else None,
            void_reason=r.void_reason, superseded=not is_latest,
            signed=signed_date(record) if r.kind == "signoff" else None,
            budget=(budget[0], budget[1]) if budget[0] is not None else None,
            payments=tuple(by_number.get(r.number, ())) if r.kind == INVOICE and is_latest
            else ()))
    return Timeline(states[job], entries)
