"""Payments and the aging of unpaid invoices, straight from the ledger's tables.

:func:`receivables` runs two queries whatever the ledger's size: the open invoices
(outstanding = total − payments up to the report date, bucket chosen in SQL by comparing
the issue date with precomputed dates, so both backends run the same SQL with no date
arithmetic), and the outstanding sums grouped by client, AE, currency and bucket, which
:func:`~.aging.roll_up` turns into the per-client, per-AE and per-currency totals.

:func:`record_payment` checks everything before it writes one row: an unknown number, a
document that is not an invoice, a void invoice, a date before the issue date or in
the future, an amount that is not positive, finer than the currency's unit, or more
than what is still owed — each refused with a clear message, nothing changed.

Only the latest revision of an invoice counts (a corrected invoice replaces the old
one); payments count for the number, whichever revision they were recorded against.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import (Connection, Float, Select, and_, case, exists, func, insert, literal,
                        select)
from sqlalchemy.sql.elements import ColumnElement

from ..i18n.money import minor_digits
from ..messages import N_
from .aging import (GroupSum, OpenInvoice, Receivables, bucket_starts, days_past_due,
                    roll_up)
from .errors import LedgerInputError
from .schema import documents, payments

INVOICE = "invoice"
# Payment terms of an invoice recorded without a due date (DESIGN.md §1: 45 days).
DEFAULT_TERMS_DAYS = 45
# Amounts are stored to 4 places: anything below half of that is rounding noise of
# SQLite's float sums, not money owed.
# (a float literal: as a Money bind it would be rounded to 4 places, to zero).
_EPSILON = literal(0.00005, Float)


@dataclass(frozen=True)
class Payment:
    """A payment recorded against an invoice, and what is still owed after it."""

    number: str
    paid_date: dt.date
    amount: Decimal
    currency: str
    total: Decimal
    paid: Decimal  # all payments of the number so far, this one included

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid


def _latest(doc: Any) -> ColumnElement[bool]:
    """``doc`` is the newest revision of its number (no later revision exists)."""
    later = documents.alias("later")
    return ~exists().where(later.c.kind == doc.c.kind, later.c.number == doc.c.number,
                           later.c.revision > doc.c.revision)


def _paid_by_number(as_of: Optional[dt.date]) -> Any:
    """Sum of payments per invoice number (all revisions), up to ``as_of``."""
    inv = documents.alias("paid_doc")
    query = (select(inv.c.number.label("number"), func.sum(payments.c.amount).label("paid"))
             .select_from(payments.join(inv, payments.c.document_id == inv.c.id))
             .where(inv.c.kind == INVOICE))
    if as_of is not None:
        query = query.where(payments.c.paid_date <= as_of)
    return query.group_by(inv.c.number).subquery("paid")


def _open_invoices(as_of: dt.date) -> Select[Any]:
    """Latest, issued, not fully paid invoices on ``as_of``, with their bucket."""
    d = documents.alias("d")
    paid = _paid_by_number(as_of)
    paid_amount = func.coalesce(paid.c.paid, literal(0))
    d30, d45, d60 = bucket_starts(as_of)
    bucket = case((d.c.issue_date >= d30, 0), (d.c.issue_date >= d45, 1),
                  (d.c.issue_date >= d60, 2), else_=3)
    blank = literal("")
    return (select(d.c.number, d.c.revision, d.c.job_number, d.c.client, d.c.client_key,
                   d.c.ae, d.c.currency, d.c.total, d.c.issue_date, d.c.due_date,
                   paid_amount.label("paid"), (d.c.total - paid_amount).label("outstanding"),
                   bucket.label("bucket"),
                   # the grouping keys, computed once (PostgreSQL compares GROUP BY
                   # expressions literally, bound parameters included)
                   func.coalesce(d.c.client_key, d.c.client, blank).label("group_client"),
                   func.coalesce(d.c.client, blank).label("group_name"),
                   func.coalesce(d.c.ae, blank).label("group_ae"),
                   func.coalesce(d.c.currency, blank).label("group_currency"))
            .select_from(d.outerjoin(paid, paid.c.number == d.c.number))
            .where(d.c.kind == INVOICE, d.c.status == "issued", d.c.issue_date <= as_of,
                   _latest(d), d.c.total - paid_amount > _EPSILON))


@lru_cache(maxsize=64)
def _quantum(currency: str) -> Optional[Decimal]:
    """The currency's document unit (KRW 1, CNY 0.01); ``None`` for an unknown code."""
    try:
        return Decimal(1).scaleb(-minor_digits(currency)) if currency else None
    except ValueError:
        return None


def _money(value: Any, currency: str) -> Decimal:
    """A stored amount rounded half-up to the currency's unit (as
    :func:`~docgen.i18n.money.round_money`; inlined: it runs once per open invoice)."""
    if isinstance(value, Decimal):
        amount = value
    else:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value or 0))
    quantum = _quantum(currency)
    if quantum is None:
        return amount
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def receivables(conn: Connection, as_of: dt.date) -> Receivables:
    """The aging report on ``as_of``: invoices issued on or before it, minus the
    payments dated on or before it."""
    open_q = _open_invoices(as_of).subquery("open")
    # Sorted here, not in SQL: the backends collate Hangul and Han differently.
    rows = sorted(conn.execute(select(open_q)).all(),
                  key=lambda r: ((r.client or "").casefold(), r.issue_date, r.number))
    invoices = []
    for r in rows:
        currency = r.currency or ""
        due = r.due_date or r.issue_date + dt.timedelta(days=DEFAULT_TERMS_DAYS)
        total, paid = _money(r.total, currency), _money(r.paid, currency)
        invoices.append(OpenInvoice(
            number=r.number, revision=r.revision, job_number=r.job_number,
            client=r.client or "", client_key=r.client_key or r.client or "", ae=r.ae or "",
            currency=currency, total=total, paid=paid, outstanding=total - paid,
            issue_date=r.issue_date,
            due_date=due, age_days=(as_of - r.issue_date).days,
            past_due_days=days_past_due(due, as_of), bucket=int(r.bucket)))
    o = open_q.c
    grouped = conn.execute(
        select(o.group_client, func.min(o.group_name).label("client"), o.group_ae,
               o.group_currency, o.bucket, func.sum(o.outstanding).label("amount"),
               func.count().label("n"))
        .group_by(o.group_client, o.group_ae, o.group_currency, o.bucket)).all()
    sums = [GroupSum(g.group_client, g.client, g.group_ae, g.group_currency, int(g.bucket),
                     _money(g.amount, g.group_currency), int(g.n)) for g in grouped]
    by_client, by_ae, by_currency = roll_up(sums)
    return Receivables(as_of, invoices, by_client, by_ae, by_currency)


def parse_amount(text: str) -> Decimal:
    """An amount typed on the command line: ``1500000``, ``1,500,000``, ``1680.32``."""
    try:
        amount = Decimal(text.replace(",", "").replace("_", "").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise LedgerInputError(N_("'{text}' is not an amount"), code="amount",
                               params={"text": text})
    return amount


def record_payment(conn: Connection, number: str, *, paid_date: dt.date, amount: Decimal,
                   today: dt.date, recorded_at: dt.datetime,
                   recorded_by: Optional[str] = None) -> Payment:
    """Record a payment (partial or in full) of invoice ``number`` inside ``conn``'s
    transaction; every refusal raises :class:`LedgerInputError` before anything is
    written."""
    d = documents.alias("d")
    doc = conn.execute(select(d).where(d.c.number == number, _latest(d))
                       .order_by(d.c.kind == INVOICE)).all()
    invoice = next((row for row in doc if row.kind == INVOICE), None)
    if invoice is None:
        if doc:
            raise LedgerInputError(N_("{number} is a {kind}, not an invoice: only invoices "
                                      "are paid"), code="not-invoice",
                                   params={"number": number, "kind": doc[0].kind})
        raise LedgerInputError(N_("no invoice numbered {number} in the ledger"),
                               code="unknown-number", params={"number": number})
    params: dict[str, Any] = {"number": number, "date": paid_date.isoformat()}
    if invoice.status == "void":
        raise LedgerInputError(N_("invoice {number} is void ({reason}): no payment can be "
                                  "recorded against it"), code="void",
                               params={**params, "reason": invoice.void_reason or "-"})
    if invoice.issue_date is not None and paid_date < invoice.issue_date:
        raise LedgerInputError(N_("payment date {date} is before invoice {number} was issued "
                                  "({issued})"), code="date-before-issue",
                               params={**params, "issued": invoice.issue_date.isoformat()})
    if paid_date > today:
        raise LedgerInputError(N_("payment date {date} is in the future (today is {today})"),
                               code="date-future", params={**params, "today": today.isoformat()})
    currency = invoice.currency or ""
    if amount <= 0:
        raise LedgerInputError(N_("a payment must be more than zero (got {amount})"),
                               code="amount", params={**params, "amount": str(amount)})
    digits = minor_digits(currency) if currency else 4
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise LedgerInputError(N_("{amount} has more decimals than {currency} allows "
                                  "({digits})"), code="amount",
                               params={**params, "amount": str(amount), "currency": currency,
                                       "digits": digits})
    total = _money(invoice.total, currency)
    inv = documents.alias("inv")
    before = _money(conn.execute(
        select(func.coalesce(func.sum(payments.c.amount), literal(0)))
        .select_from(payments.join(inv, payments.c.document_id == inv.c.id))
        .where(and_(inv.c.kind == INVOICE, inv.c.number == number))).scalar_one(), currency)
    owed = total - before
    if owed <= 0:
        raise LedgerInputError(N_("invoice {number} is already paid in full ({total} {currency})"),
                               code="paid-twice",
                               params={**params, "total": total, "currency": currency})
    if amount > owed:
        raise LedgerInputError(N_("over-payment: {amount} {currency} is more than the {owed} "
                                  "{currency} still owed on invoice {number}"),
                               code="over-payment",
                               params={**params, "amount": amount, "owed": owed,
                                       "currency": currency})
    conn.execute(insert(payments).values(
        document_id=invoice.id, paid_date=paid_date, amount=amount, currency=currency,
        recorded_at=recorded_at, recorded_by=recorded_by))
    return Payment(number, paid_date, amount, currency, total, before + amount)
