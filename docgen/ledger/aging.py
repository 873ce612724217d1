"""Receivables as plain data: aging buckets, open invoices, totals (no database here).

An invoice's *age* is the days since its issue date; its *days past due* the days since
its due date (issue date + payment terms, 45 days by default), never negative. Ages
fall in four buckets, the ones finance asks about: 0–30, 31–45 (still within the usual
45-day terms), 46–60 and over 60 days.

Amounts of different currencies are never added: every total is per currency.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, NamedTuple, Optional

# Upper bound (inclusive, in days of age) of each bucket but the last.
BUCKET_LIMITS = (30, 45, 60)
BUCKETS = ("0-30", "31-45", "46-60", "60+")


def bucket_index(age_days: int) -> int:
    """The bucket (0–3) of an invoice ``age_days`` old: 30 → 0, 31 → 1, 61 → 3."""
    for i, limit in enumerate(BUCKET_LIMITS):
        if age_days <= limit:
            return i
    return len(BUCKET_LIMITS)


def bucket_starts(as_of: date) -> tuple[date, ...]:
    """The earliest issue date of buckets 0–2 on ``as_of``: an invoice issued on or after
    ``starts[i]`` is in bucket ``i`` or a younger one (how SQL sorts without date math)."""
    return tuple(as_of - timedelta(days=limit) for limit in BUCKET_LIMITS)


def days_past_due(due: Optional[date], as_of: date) -> int:
    """Days after ``due`` on ``as_of``; 0 when not yet due or no due date."""
    if due is None or as_of <= due:
        return 0
    return (as_of - due).days


class OpenInvoice(NamedTuple):
    """One invoice with money still owed on ``as_of`` (the latest revision, not void);
    a tuple, as there are as many as the ledger has open invoices."""

    number: str
    revision: int
    job_number: Optional[str]
    client: str
    client_key: str
    ae: str
    currency: str
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    issue_date: date
    due_date: Optional[date]
    age_days: int
    past_due_days: int
    bucket: int


@dataclass
class BucketTotals:
    """Outstanding amounts of one group (a client, an AE, or everything) in one currency,
    per bucket."""

    key: str  # client_key, AE, or "" for the grand total
    label: str  # the name shown (client display name, AE)
    currency: str
    amounts: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * len(BUCKETS))
    count: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    def add(self, bucket: int, amount: Decimal, count: int = 1) -> None:
        self.amounts[bucket] += amount
        self.count += count


@dataclass(frozen=True)
class Receivables:
    """The aging report on ``as_of``: every open invoice, then totals per client, per AE
    and per currency (each list sorted by name, then currency)."""

    as_of: date
    invoices: list[OpenInvoice]
    by_client: list[BucketTotals]
    by_ae: list[BucketTotals]
    by_currency: list[BucketTotals]

    @property
    def currencies(self) -> list[str]:
        return [t.currency for t in self.by_currency]


@dataclass(frozen=True)
class GroupSum:
    """One row of the SQL aggregate: outstanding of a (client, AE, currency, bucket)."""

    client_key: str
    client: str
    ae: str
    currency: str
    bucket: int
    amount: Decimal
    count: int


def group_sums(invoices: Iterable[OpenInvoice]) -> list[GroupSum]:
    """The outstanding amounts of ``invoices`` summed per (client, AE, currency, bucket),
    exactly (Decimal); a group's client name is the smallest of its invoices' names."""
    sums: dict[tuple[str, str, str, int], list[Any]] = {}
    for inv in invoices:
        key = (inv.client_key, inv.ae, inv.currency, inv.bucket)
        got = sums.get(key)
        if got is None:
            sums[key] = [inv.client, inv.outstanding, 1]
        else:
            got[1] += inv.outstanding
            got[2] += 1
            if inv.client < got[0]:
                got[0] = inv.client
    return [GroupSum(key, name, ae, currency, bucket, amount, count)
            for (key, ae, currency, bucket), (name, amount, count) in sums.items()]


def roll_up(rows: Iterable[GroupSum]) -> tuple[list[BucketTotals], list[BucketTotals],
                                                list[BucketTotals]]:
    """Totals per client, per AE and per currency from the grouped sums (a few rows per
    client and AE, so this is cheap whatever the ledger's size)."""
    clients: dict[tuple[str, str], BucketTotals] = {}
    aes: dict[tuple[str, str], BucketTotals] = {}
    currencies: dict[str, BucketTotals] = {}
    for row in rows:
        client = clients.setdefault((row.client_key, row.currency),
                                    BucketTotals(row.client_key, row.client, row.currency))
        client.add(row.bucket, row.amount, row.count)
        ae = aes.setdefault((row.ae, row.currency), BucketTotals(row.ae, row.ae, row.currency))
        ae.add(row.bucket, row.amount, row.count)
        cur = currencies.setdefault(row.currency, BucketTotals("", "", row.currency))
        cur.add(row.bucket, row.amount, row.count)

    def ordered(groups: Iterable[BucketTotals]) -> list[BucketTotals]:
        return sorted(groups, key=lambda t: (t.label.casefold(), t.key, t.currency))

    return ordered(clients.values()), ordered(aes.values()), ordered(currencies.values())
