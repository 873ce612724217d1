"""The ledger's reports as text for a terminal: receivables, jobs, a job's timeline.

Labels come from the catalogs in the run's language; amounts are formatted with the
locale's money format (:mod:`docgen.i18n.format`), always next to their own currency
(totals are per currency, never summed across). Columns are aligned by display width,
so Hangul and Han (two columns each) line up with Latin text.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Callable, Mapping, Optional, Sequence

from ..i18n.format import Formatter, get_formatter
from ..i18n.locale import DocLocale
from ..messages import N_, tr
from .aging import BUCKETS, BucketTotals, Receivables
from .jobs import STAGES, JobState, Timeline
from .labels import bucket_label, bucket_labels, header, state_label, status_label, unnamed


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows of cells as aligned lines (two spaces between columns); the columns in
    ``right`` are right-aligned (amounts, counts)."""
    if not rows:
        return []
    widths = [max(_width(r[i]) if i < len(r) else 0 for r in rows)
              for i in range(max(len(r) for r in rows))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


def _kind_label(locale: DocLocale) -> Callable[[str], str]:
    from .. import kinds

    def label(name: str) -> str:
        kind = kinds.get(name)
        return kind.label(locale.primary) if kind is not None else name
    return label


def _money(fmt: Formatter, amount: Decimal, currency: str) -> str:
    if not currency:
        return fmt.number(amount)
    try:
        return fmt.money(amount, currency)
    except ValueError:  # a currency docgen does not format: the amount and its code
        return f"{fmt.number(amount)} {currency}"


def _amounts(fmt: Formatter, by_currency: Mapping[str, Decimal]) -> str:
    return ", ".join(_money(fmt, amount, cur) for cur, amount in sorted(by_currency.items()))


def _totals_rows(fmt: Formatter, locale: DocLocale, groups: Sequence[BucketTotals],
                 first: Optional[str]) -> list[list[str]]:
    head = ([first] if first else []) + [header(locale, "currency")] + bucket_labels(locale) \
        + [header(locale, "outstanding"), header(locale, "count")]
    rows = [head]
    none = unnamed(locale)
    for g in groups:
        rows.append(([g.label or none] if first else []) + [g.currency]
                    + [_money(fmt, a, g.currency) for a in g.amounts]
                    + [_money(fmt, g.total, g.currency), str(g.count)])
    return rows


def receivables_text(report: Receivables, locale: DocLocale) -> str:
    """The aging report: open invoices, then totals by client, by AE and per currency."""
    fmt = get_formatter(locale.primary)
    out = [tr(locale, N_("Receivables as of {date}"), date=report.as_of.isoformat()), ""]
    if not report.invoices:
        out.append(tr(locale, N_("No unpaid invoices.")))
        return "\n".join(out) + "\n"
    names = ("number", "job_number", "client", "ae", "issue_date", "due_date", "age_days",
             "past_due_days", "bucket", "total", "outstanding")
    rows = [[header(locale, n) for n in names]]
    none = unnamed(locale)
    for inv in report.invoices:
        rows.append([inv.number, inv.job_number or "", inv.client, inv.ae or none,
                     inv.issue_date.isoformat(), inv.due_date.isoformat() if inv.due_date else "",
                     str(inv.age_days), str(inv.past_due_days), bucket_label(locale, inv.bucket),
                     _money(fmt, inv.total, inv.currency),
                     _money(fmt, inv.outstanding, inv.currency)])
    out += table(rows, frozenset({6, 7, 9, 10}))
    amounts = frozenset(range(2, 3 + len(BUCKETS) + 1))
    for title, groups, first in ((N_("By client"), report.by_client, header(locale, "client")),
                                 (N_("By AE"), report.by_ae, header(locale, "ae"))):
        out += ["", tr(locale, title)]
        out += table(_totals_rows(fmt, locale, groups, first), amounts)
    out += ["", tr(locale, N_("Totals per currency"))]
    out += table(_totals_rows(fmt, locale, report.by_currency, None),
                 frozenset(range(1, 2 + len(BUCKETS) + 1)))
    return "\n".join(out) + "\n"


def jobs_text(states: Sequence[JobState], locale: DocLocale) -> str:
    """One line per job: its client, state, brief, delivery and signature dates, and
    the amounts invoiced and still owed."""
    if not states:
        return tr(locale, N_("No jobs.")) + "\n"
    fmt = get_formatter(locale.primary)
    rows = [[header(locale, "job_number"), header(locale, "client"), tr(locale, N_("State")),
             tr(locale, N_("Brief")), state_label(locale, "delivered"),
             state_label(locale, "signed"), state_label(locale, "invoiced"),
             header(locale, "outstanding")]]
    for s in states:
        rows.append([s.job_number, s.client, state_label(locale, s.state), s.brief or "-",
                     s.delivered.isoformat() if s.delivered else "-",
                     s.signed.isoformat() if s.signed else "-",
                     _amounts(fmt, s.invoiced) or "-", _amounts(fmt, s.outstanding) or "-"])
    return "\n".join(table(rows)) + "\n"


def timeline_text(tl: Timeline, locale: DocLocale) -> str:
    """The job's documents in date order, each revision and its status, with payments."""
    fmt = get_formatter(locale.primary)
    kind = _kind_label(locale)
    job = tl.job
    stages = " · ".join(("✓ " if done else "✗ ") + state_label(locale, stage)
                        for stage, done in job.stages.items() if stage in STAGES)
    out = [tr(locale, N_("Job {job} — {client}"), job=job.job_number, client=job.client),
           stages, ""]
    rows: list[list[str]] = []
    for e in tl.entries:
        status = status_label(locale, e.status)
        if e.superseded:
            status = tr(locale, N_("{status}, superseded"), status=status)
        detail = []
        if e.status == "void" and e.void_reason:
            detail.append(tr(locale, N_("reason: {reason}"), reason=e.void_reason))
        if e.budget is not None:
            amount, currency = e.budget
            detail.append(tr(locale, N_("budget {amount}"),
                             amount=_money(fmt, amount, currency or "")))
        if e.kind == "signoff":
            detail.append(tr(locale, N_("client signed {date}"), date=e.signed.isoformat())
                          if e.signed else tr(locale, N_("not signed by the client")))
        if e.total is not None:
            detail.append(tr(locale, N_("total {amount}"),
                             amount=_money(fmt, e.total, e.currency or "")))
        if e.due_date is not None:
            detail.append(tr(locale, N_("due {date}"), date=e.due_date.isoformat()))
        rows.append([e.issue_date.isoformat() if e.issue_date else "", kind(e.kind), e.number,
                     status, "; ".join(detail)])
        paid = Decimal(0)
        for p in e.payments:
            paid += p.amount
            rows.append(["", "", "", "", tr(locale, N_("paid {amount} on {date}"),
                                             amount=_money(fmt, p.amount, p.currency),
                                             date=p.paid_date.isoformat())])
        if e.kind == "invoice" and e.total is not None and e.status == "issued" \
                and not e.superseded:
            owed = e.total - paid
            rows.append(["", "", "", "", tr(locale, N_("outstanding {amount}"),
                                             amount=_money(fmt, owed, e.currency or ""))
                         if owed > 0 else tr(locale, N_("paid in full"))])
    out += table(rows)
    return "\n".join(out) + "\n"
