"""Week numbering for reports (DOMAIN.md 5.4).

Babel's ``w``/``W`` fields follow CLDR locale week data (Sunday starts, 1 minimum
day), which matches neither business convention, so weeks are computed here:

* Korean ``M월 N주차``: Monday–Sunday weeks; a week belongs to the month that holds
  its Thursday (the ISO 8601 rule applied to months).
* Chinese ``第N周`` (GB/T 7408 = ISO 8601): ``date.isocalendar()``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta


def _as_date(d: date) -> date:
    # datetime is a date subclass; arithmetic on it would keep the time part.
    return d.date() if isinstance(d, datetime) else d


def week_bounds(d: date) -> tuple[date, date]:
    """Return the Monday and Sunday of the week containing ``d``."""
    day = _as_date(d)
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def korean_week(d: date) -> tuple[int, int, int]:
    """Return ``(year, month, n)`` for Korean ``N주차`` by the Thursday rule.

    2026-11-30 (Mon) -> ``(2026, 12, 1)``; 2027-01-01 (Fri) -> ``(2026, 12, 5)``.
    """
    monday, _ = week_bounds(d)
    thursday = monday + timedelta(days=3)
    # The month's first week is the one holding its first Thursday (day 1..7), so
    # the week number is how many Thursdays of that month fall on or before this one.
    return thursday.year, thursday.month, (thursday.day - 1) // 7 + 1


def iso_week(d: date) -> tuple[int, int]:
    """Return the ISO 8601 / GB/T 7408 ``(week-year, week)``: 2027-01-01 -> (2026, 53)."""
    year, week, _ = _as_date(d).isocalendar()
    return year, week
