"""Week numbering: Korean Thursday rule per month, ISO 8601 / GB/T 7408 weeks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from docgen.i18n.weeks import iso_week, korean_week, week_bounds

# DOMAIN.md 5.4: date, KR 주차 (Thursday rule), ISO / GB/T 7408.
DOMAIN_TABLE = [
    (date(2026, 11, 23), (2026, 11, 4), (2026, 48)),
    (date(2026, 11, 30), (2026, 12, 1), (2026, 49)),  # a naive count says 11월 5주차
    (date(2026, 11, 1), (2026, 10, 5), (2026, 44)),  # Sunday: belongs to 10-26's week
    (date(2027, 1, 1), (2026, 12, 5), (2026, 53)),
]


@pytest.mark.parametrize(("day", "korean", "iso"), DOMAIN_TABLE)
def test_domain_table(
    day: date, korean: tuple[int, int, int], iso: tuple[int, int]
) -> None:
    assert korean_week(day) == korean
    assert iso_week(day) == iso


@pytest.mark.parametrize(
    ("day", "korean"),
    [
        (date(2026, 1, 1), (2026, 1, 1)),  # Thursday the 1st: its week is week 1
        (date(2025, 12, 29), (2026, 1, 1)),  # ... even for the December days in it
        (date(2026, 4, 1), (2026, 4, 1)),  # Wednesday the 1st: Thursday is the 2nd
        (date(2026, 3, 30), (2026, 4, 1)),  # a March Monday in April's week 1
        (date(2026, 5, 1), (2026, 4, 5)),  # Friday the 1st: still April's last week
        (date(2026, 5, 4), (2026, 5, 1)),
        (date(2026, 2, 28), (2026, 2, 4)),  # 2026-02: Sunday the 1st, four full weeks
        (date(2026, 3, 1), (2026, 2, 4)),
        (date(2026, 10, 29), (2026, 10, 5)),  # a fifth Thursday
        (date(2026, 12, 31), (2026, 12, 5)),
    ],
)
def test_korean_thursday_rule(day: date, korean: tuple[int, int, int]) -> None:
    assert korean_week(day) == korean


@pytest.mark.parametrize(
    ("day", "iso"),
    [
        (date(2026, 12, 31), (2026, 53)),  # Babel's locale week 'w' says 1 here
        (date(2021, 1, 3), (2020, 53)),
        (date(2021, 1, 4), (2021, 1)),
        (date(2024, 12, 30), (2025, 1)),
        (date(2026, 1, 1), (2026, 1)),
        (date(2027, 1, 4), (2027, 1)),
    ],
)
def test_iso_week(day: date, iso: tuple[int, int]) -> None:
    assert iso_week(day) == iso


def test_whole_week_shares_one_label() -> None:
    monday = date(2026, 11, 23)
    for offset in range(7):
        day = monday + timedelta(days=offset)
        assert korean_week(day) == (2026, 11, 4)
        assert iso_week(day) == (2026, 48)
        assert week_bounds(day) == (monday, date(2026, 11, 29))


def test_datetime_input_is_its_date() -> None:
    moment = datetime(2026, 11, 29, 23, 59)
    assert week_bounds(moment) == (date(2026, 11, 23), date(2026, 11, 29))
    assert isinstance(week_bounds(moment)[0], date) and not isinstance(
        week_bounds(moment)[0], datetime
    )
    assert korean_week(moment) == (2026, 11, 4)
    assert iso_week(moment) == (2026, 48)


def test_korean_weeks_over_ten_years() -> None:
    """Every Monday 2020–2030: the label's month holds the Thursday, weeks count 1, 2, …"""
    monday = date(2020, 1, 6)
    previous = korean_week(monday - timedelta(days=7))
    while monday.year < 2031:
        year, month, n = korean_week(monday)
        thursday = monday + timedelta(days=3)
        assert (thursday.year, thursday.month) == (year, month)
        assert 1 <= n <= 5
        if (year, month) == previous[:2]:
            assert n == previous[2] + 1
        else:
            # week 1 holds the month's first Thursday
            assert n == 1 and thursday.day <= 7
        assert all(
            korean_week(monday + timedelta(days=k)) == (year, month, n)
            for k in range(7)
        )
        previous = (year, month, n)
        monday += timedelta(days=7)


def test_week_bounds_properties() -> None:
    day = date(2025, 12, 1)
    while day < date(2027, 2, 1):
        monday, sunday = week_bounds(day)
        assert monday.weekday() == 0 and sunday == monday + timedelta(days=6)
        assert monday <= day <= sunday
        day += timedelta(days=1)
