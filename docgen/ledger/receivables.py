"""Payments and the aging of unpaid invoices, straight from the ledger's tables.

:func:`receivables` reads the open invoices in one query (outstanding = total −
payments up to the report date, bucket chosen in SQL by comparing the issue date with
precomputed dates, so both backends run the same SQL with no date arithmetic), as the
driver's raw values: amounts are rounded to the currency's unit once per invoice and
dates converted once per distinct date. The totals per client, AE and currency are
the exact sums of those rounded amounts — added up in Python when every invoice is
read, or, when only the oldest few are listed (``limit``), summed in SQL as integers
of each currency's unit, rounded the same way (:func:`_sql_totals`).

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
from operator import itemgetter
from typing import Any, Callable, Optional

from sqlalchemy import (BigInteger, Connection, Float, Select, and_, case, cast, exists, func,
                        insert, literal, literal_column, select, type_coerce)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType, TypeDecorator

from ..i18n.money import minor_digits
from ..messages import N_
from .aging import (GroupSum, OpenInvoice, Receivables, bucket_starts, days_past_due,
                    group_sums, roll_up)
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
    return (select(d.c.id, d.c.number, d.c.revision, d.c.job_number, d.c.client, d.c.client_key,
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
    """A stored amount read as the Money column does (4 places), then rounded half-up
    to the currency's unit (as :func:`~docgen.i18n.money.round_money`; inlined: it runs
    once per open invoice). ``value`` is what the driver returns: a float on SQLite, a
    Decimal on PostgreSQL, ``None`` for no payment."""
    if value is None:
        return _ZERO
    if isinstance(value, Decimal):
        amount = value
    else:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value))
    amount = amount.quantize(_PLACES)
    quantum = _quantum(currency)
    if quantum is None:
        return amount
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


_ZERO = Decimal(0)
_PLACES = Decimal("0.0001")  # the Money column's scale
_sort_key = itemgetter(0, 1, 2)
_TEN_THOUSAND: ColumnElement[Any] = literal_column("10000")  # not a Money bind: SQLite would get a float


def _reader(currency: str) -> Callable[[Any], Decimal]:
    """:func:`_money` for one currency, with a shortcut for the common case of a
    whole amount (KRW, TWD: SQLite's NUMERIC column hands those back as integers),
    giving the same Decimal, exponent included."""
    quantum = _quantum(currency)
    if quantum is None:
        return lambda value: _money(value, currency)
    whole_unit = quantum == 1

    def read(value: Any) -> Decimal:
        if value is None:
            return _ZERO
        if type(value) is int:
            return Decimal(value) if whole_unit else Decimal(value).quantize(quantum)
        return _money(value, currency)
    return read


class _Raw(TypeDecorator[Any]):
    """A column read as the driver returns it: no Money or Date conversion per row
    (that is done here once per distinct value, or per invoice in :func:`_money`)."""

    impl = NullType
    cache_ok = True


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return type_coerce(column, _Raw())


class _Dates:
    """Issue and due dates as the driver returns them (ISO text on SQLite, dates on
    PostgreSQL), each distinct one converted once: a ledger has many invoices but few
    distinct dates."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.days: dict[Any, dt.date] = {}
        # (issue, due) -> (issue date, due date, age, days past due)
        self.facts: dict[tuple[Any, Any], tuple[dt.date, dt.date, int, int]] = {}

    def day(self, value: Any) -> dt.date:
        day = self.days.get(value)
        if day is None:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            self.days[value] = day
        return day

    def of(self, issue: Any, due: Any) -> tuple[dt.date, dt.date, int, int]:
        key = (issue, due)
        got = self.facts.get(key)
        if got is None:
            issued = self.day(issue)
            due_day = (self.day(due) if due is not None
                       else issued + dt.timedelta(days=DEFAULT_TERMS_DAYS))
            got = (issued, due_day, (self.as_of - issued).days,
                   days_past_due(due_day, self.as_of))
            self.facts[key] = got
        return got


def receivables(conn: Connection, as_of: dt.date, *,
                limit: Optional[int] = None) -> Receivables:
    """The aging report on ``as_of``: invoices issued on or before it, minus the
    payments dated on or before it.

    The totals per client, AE and currency are always over every open invoice: the
    exact sums of each invoice's amounts rounded to its currency's unit (what the
    report lists adds up to what it totals). ``limit`` keeps only that many invoices
    in :attr:`~.aging.Receivables.invoices`, the oldest (earliest issued) ones; the
    totals are then summed in SQL (:func:`_sql_totals`), so a large ledger is never
    read row by row."""
    o = _open_invoices(as_of).subquery("open")
    cols = (o.c.number, o.c.revision, o.c.job_number, o.c.client, o.c.client_key, o.c.ae,
            o.c.currency, o.c.total, o.c.paid, o.c.issue_date, o.c.due_date, o.c.bucket)
    query = select(*(_raw(c) for c in cols))
    if limit is not None:
        query = query.order_by(o.c.issue_date, o.c.id).limit(max(limit, 0))
    invoices = _read_invoices(conn, query, as_of)
    sums = group_sums(invoices) if limit is None else _sql_totals(conn, o)
    by_client, by_ae, by_currency = roll_up(sums)
    return Receivables(as_of, invoices, by_client, by_ae, by_currency)


def _read_invoices(conn: Connection, query: Select[Any], as_of: dt.date) -> list[OpenInvoice]:
    """The rows of ``query`` (the columns :func:`receivables` selects) as invoices,
    sorted by client, issue date and number."""
    result = conn.execute(query)
    try:  # the driver's own tuples: no Row object per invoice (nothing to convert)
        rows = result.cursor.fetchall()
    finally:
        result.close()
    dates = _Dates(as_of)
    readers: dict[str, Callable[[Any], Decimal]] = {}
    folded: dict[str, str] = {}
    keyed = []
    make = OpenInvoice
    for (number, revision, job, client, key, ae, currency, total, paid, issue, due,
         bucket) in rows:
        client = client or ""
        currency = currency or ""
        read = readers.get(currency)
        if read is None:
            read = readers[currency] = _reader(currency)
        fold = folded.get(client)
        if fold is None:
            fold = folded[client] = client.casefold()
        issued, due_day, age, late = dates.of(issue, due)
        total, paid = read(total), read(paid)
        keyed.append((fold, issued, number, make(
            number, revision, job, client, key or client, ae or "", currency, total, paid,
            total - paid, issued, due_day, age, late, bucket)))
    # Sorted here, not in SQL: the backends collate Hangul and Han differently.
    keyed.sort(key=_sort_key)
    return [k[3] for k in keyed]


def _units(amount: ColumnElement[Any], scale: int) -> ColumnElement[Any]:
    """A stored amount (>= 0) as a whole number of units of ``10**-(4 - log10 scale)``,
    rounded half-up exactly as :func:`_money` rounds it: first to the Money column's 4
    places (a SQLite float is within 1e-6 of those), then integer arithmetic, the
    same on both backends."""
    places = cast(func.round(amount * _TEN_THOUSAND), BigInteger)
    if scale == 1:
        return places
    return (places + scale // 2) // scale  # integer division on both backends


def _sql_totals(conn: Connection, o: Any) -> list[GroupSum]:
    """The outstanding sums per (client, AE, currency, bucket) of the open invoices in
    ``o``, computed in SQL as exact integers of each currency's unit (each invoice's
    total and payments rounded first, as :func:`receivables` rounds them)."""
    currencies = [c for (c,) in conn.execute(
        select(documents.c.currency).where(documents.c.kind == INVOICE).distinct())]
    digits = {c or "": _digits(c or "") for c in currencies}

    def units(amount: ColumnElement[Any]) -> ColumnElement[Any]:
        whens = [(o.c.group_currency == c, _units(amount, 10 ** (4 - n)))
                 for c, n in sorted(digits.items()) if n < 4]
        plain = _units(amount, 1)
        return case(*whens, else_=plain) if whens else plain
    owed = func.sum(units(o.c.total)) - func.sum(units(o.c.paid))
    grouped = conn.execute(
        select(o.c.group_client, _raw(func.min(o.c.group_name)), o.c.group_ae,
               o.c.group_currency, o.c.bucket, _raw(owed), _raw(func.count()))
        .group_by(o.c.group_client, o.c.group_ae, o.c.group_currency, o.c.bucket)).all()
    return [GroupSum(key, name, ae, cur, int(bucket),
                     Decimal(int(amount)).scaleb(-digits.get(cur, 4)), int(n))
            for key, name, ae, cur, bucket, amount, n in grouped]


def _digits(currency: str) -> int:
    """Places :func:`_money` keeps for ``currency`` (4, the column's, when unknown)."""
    try:
        return min(minor_digits(currency), 4) if currency else 4
    except ValueError:
        return 4


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
