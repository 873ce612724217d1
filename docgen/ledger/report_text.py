"""The ledger's reports as text for a terminal: receivables, jobs, a job's timeline.

Labels come from the catalogs in the run's language; amounts are formatted with the
locale's money format (:mod:`docgen.i18n.format`), always next to their own currency
(totals are per currency, never summed across). Columns are aligned by display width,
so Hangul and Han (two columns each) line up with Latin text.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Mapping, Optional, Sequence

from ..i18n.format import Formatter, get_formatter
from ..i18n.locale import DocLocale
from ..i18n.money import minor_digits
from ..messages import N_, tr
from .aging import BUCKETS, BucketTotals, Receivables
from .jobs import STAGES, JobState, Timeline
from .labels import bucket_label, bucket_labels, header, state_label, status_label, unnamed


# Display width of the characters that are not ASCII (ASCII is one column each).
_NOT_ASCII = {i: None for i in range(128)}
_char_widths: dict[str, int] = {}


def _char_width(ch: str) -> int:
    width = _char_widths.get(ch)
    if width is None:
        width = _char_widths[ch] = (2 if unicodedata.east_asian_width(ch) in ("W", "F") else
                                    0 if unicodedata.combining(ch) else 1)
    return width


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    rest = text.translate(_NOT_ASCII)
    return len(text) - len(rest) + sum(map(_char_width, rest))


def table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows of cells as aligned lines (two spaces between columns); the columns in
    ``right`` are right-aligned (amounts, counts)."""
    if not rows:
        return []
    count = max(len(r) for r in rows)
    if any(len(r) != count for r in rows):
        rows = [list(r) + [""] * (count - len(r)) for r in rows]
    columns = []
    for i, column in enumerate(zip(*rows)):
        # the header apart: its words are often wide (Hangul, Han) when no value is
        head, body = column[0], column[1:]
        head_width = _width(head)
        widths = _widths(body)
        if widths is None:
            width = max(head_width, max(map(len, body), default=0))
            pad = " " * (width - head_width)
            columns.append([pad + head if i in right else head + pad]
                           + ([c.rjust(width) for c in body] if i in right
                              else [c.ljust(width) for c in body]))
            continue
        widths.insert(0, head_width)
        width = max(widths)
        columns.append([" " * (width - w) + c for c, w in zip(column, widths)] if i in right
                       else [c + " " * (width - w) for c, w in zip(column, widths)])
    return ["  ".join(cells).rstrip() for cells in zip(*columns)]


def _widths(column: Sequence[str]) -> Optional[list[int]]:
    """Each cell's display width; ``None`` when that is its length (no character in
    the column is wide or combining: numbers, dates, ₩/¥ amounts), so the column is
    measured and padded by str methods, not character by character."""
    joined = "".join(column)
    if joined.isascii() or all(_char_width(ch) == 1 for ch in set(joined.translate(_NOT_ASCII))):
        return None
    seen: dict[str, int] = {}  # names repeat (clients, AEs, bucket labels)
    out = []
    for cell in column:
        width = seen.get(cell)
        if width is None:
            width = seen[cell] = _width(cell)
        out.append(width)
    return out


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


# Amounts :func:`_fast_money` must format exactly as the locale's formatter does.
_PROBES = tuple(Decimal(p) for p in ("0", "0.5", "1", "7.125", "12.345", "999.995", "1000",
                                     "1234.5", "1680.315", "1100000", "99999999.994",
                                     "123456789012.5"))


def _fast_money(fmt: Formatter, currency: str) -> Callable[[Decimal], str]:
    """:func:`_money` for one currency, its pattern worked out once: the text before and
    after the digits and the two separators, read from the formatter's own output for
    a sample amount; digits grouped by Decimal's formatting after the same half-up
    rounding. Checked against the formatter on amounts with every rounding case; if
    any differs (a pattern this does not cover), or for a negative amount, every
    amount goes through the formatter."""
    def slow(amount: Decimal) -> str:
        return _money(fmt, amount, currency)
    try:
        digits = minor_digits(currency)
        sample = fmt.money(Decimal("1234567.89" if digits else "1234567"), currency)
    except ValueError:
        return slow
    start, end = sample.find("1"), max(sample.rfind("9"), sample.rfind("7"))
    body = sample[start:end + 1]
    prefix, suffix = sample[:start], sample[end + 1:]
    group = body[1:2]
    point = body[-3:-2] if digits else ""
    if start < 0 or group.isdigit() or (digits and point.isdigit()):
        return slow
    quantum = Decimal(1).scaleb(-digits)
    other = {k: v for k, v in ((",", group), (".", point)) if v and v != k}
    table = str.maketrans(other) if other else None

    def fast(amount: Decimal) -> str:
        if amount < 0:
            return slow(amount)
        text = format(amount.quantize(quantum, rounding=ROUND_HALF_UP), ",f")
        return prefix + (text.translate(table) if table else text) + suffix
    if any(fast(p) != slow(p) for p in _PROBES):
        return slow
    return fast


class _Money:
    """Formatters per currency for one report, each built on first use."""

    def __init__(self, fmt: Formatter) -> None:
        self.fmt = fmt
        self.by_currency: dict[str, Callable[[Decimal], str]] = {}

    def __call__(self, amount: Decimal, currency: str) -> str:
        return self.of(currency)(amount)

    def of(self, currency: str) -> Callable[[Decimal], str]:
        got = self.by_currency.get(currency)
        if got is None:
            got = self.by_currency[currency] = _fast_money(self.fmt, currency)
        return got


def _amounts(fmt: Formatter, by_currency: Mapping[str, Decimal]) -> str:
    return ", ".join(_money(fmt, amount, cur) for cur, amount in sorted(by_currency.items()))


def _totals_rows(money: _Money, locale: DocLocale, groups: Sequence[BucketTotals],
                 first: Optional[str]) -> list[list[str]]:
    head = ([first] if first else []) + [header(locale, "currency")] + bucket_labels(locale) \
        + [header(locale, "outstanding"), header(locale, "count")]
    rows = [head]
    none = unnamed(locale)
    for g in groups:
        rows.append(([g.label or none] if first else []) + [g.currency]
                    + [money(a, g.currency) for a in g.amounts]
                    + [money(g.total, g.currency), str(g.count)])
    return rows


def receivables_text(report: Receivables, locale: DocLocale) -> str:
    """The aging report: open invoices, then totals by client, by AE and per currency."""
    money = _Money(get_formatter(locale.primary))
    out = [tr(locale, N_("Receivables as of {date}"), date=report.as_of.isoformat()), ""]
    count = sum(t.count for t in report.by_currency)
    if not count:
        out.append(tr(locale, N_("No unpaid invoices.")))
        return "\n".join(out) + "\n"
    if len(report.invoices) < count:
        out += [tr(locale, N_("The {shown} oldest of {count} unpaid invoices (--all lists "
                              "every one; the totals below count them all):"),
                   shown=f"{len(report.invoices):,}", count=f"{count:,}"), ""]
    names = ("number", "job_number", "client", "ae", "issue_date", "due_date", "age_days",
             "past_due_days", "bucket", "total", "outstanding")
    rows = [[header(locale, n) for n in names]] if report.invoices else []
    none = unnamed(locale)
    buckets = bucket_labels(locale)
    iso: dict[date, str] = {}
    for inv in report.invoices:
        issued, due = iso.get(inv.issue_date), iso.get(inv.due_date) if inv.due_date else ""
        if issued is None:
            issued = iso[inv.issue_date] = inv.issue_date.isoformat()
        if due is None and inv.due_date is not None:
            due = iso[inv.due_date] = inv.due_date.isoformat()
        amount = money.of(inv.currency)
        rows.append([inv.number, inv.job_number or "", inv.client, inv.ae or none,
                     issued, due or "", str(inv.age_days), str(inv.past_due_days),
                     buckets[inv.bucket], amount(inv.total), amount(inv.outstanding)])
    out += table(rows, frozenset({6, 7, 9, 10}))
    amounts = frozenset(range(2, 3 + len(BUCKETS) + 1))
    for title, groups, first in ((N_("By client"), report.by_client, header(locale, "client")),
                                 (N_("By AE"), report.by_ae, header(locale, "ae"))):
        out += ["", tr(locale, title)]
        out += table(_totals_rows(money, locale, groups, first), amounts)
    out += ["", tr(locale, N_("Totals per currency"))]
    out += table(_totals_rows(money, locale, report.by_currency, None),
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
