"""The template filters of :class:`docgen.i18n.format.Formatter`, in every locale.

Expected strings are DOMAIN.md section 5 (Babel 2.19 / CLDR 49) and DESIGN.md
section 4, with the document rules on top: half-up rounding, NT$ whole dollars,
naive datetimes as local wall time, Thursday-rule / ISO weeks, plain spaces.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from docgen.i18n.format import Formatter, get_formatter

LOCALES = ("ko", "zh-CN", "zh-TW", "en")
DAY = date(2026, 11, 23)  # a Monday
MOMENT = datetime(2026, 11, 23, 14, 5)  # naive: wall time in the document's zone


@pytest.fixture(params=LOCALES)
def fmt(request: pytest.FixtureRequest) -> Formatter:
    return Formatter(request.param)


# --- construction -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "tz"),
    [
        ("ko", "ko", "Asia/Seoul"),
        ("ko_KR", "ko", "Asia/Seoul"),
        ("zh-CN", "zh-CN", "Asia/Shanghai"),
        ("zh_Hant", "zh-TW", "Asia/Taipei"),
        ("en", "en", "UTC"),
    ],
)
def test_locale_and_default_zone(text: str, code: str, tz: str) -> None:
    formatter = Formatter(text)
    assert (formatter.locale, formatter.tz) == (code, tz)


@pytest.mark.parametrize(("locale", "tz"), [("fr", None), ("ko", "Nowhere/Nothing")])
def test_bad_construction(locale: str, tz: str | None) -> None:
    with pytest.raises(ValueError):
        Formatter(locale, tz)


def test_filters_and_shared_instances() -> None:
    formatter = get_formatter("ko")
    assert get_formatter("ko") is formatter
    assert set(formatter.filters()) == {
        "date",
        "time",
        "datetime",
        "number",
        "percent",
        "money",
        "amount_words",
        "week",
        "daterange",
    }
    assert formatter.filters()["money"](3850000) == "₩3,850,000"


# --- date ---------------------------------------------------------------------------

DATES = {  # DOMAIN 5.1
    "ko": (
        "26. 11. 23.",
        "2026. 11. 23.",
        "2026년 11월 23일",
        "2026년 11월 23일 월요일",
    ),
    "zh-CN": ("2026/11/23", "2026年11月23日", "2026年11月23日", "2026年11月23日星期一"),
    "zh-TW": (
        "2026/11/23",
        "2026年11月23日",
        "2026年11月23日",
        "2026年11月23日 星期一",
    ),
    "en": (
        "11/23/26",
        "Nov 23, 2026",
        "November 23, 2026",
        "Monday, November 23, 2026",
    ),
}


@pytest.mark.parametrize(
    ("locale", "style", "expected"),
    [
        (loc, style, DATES[loc][i])
        for loc in LOCALES
        for i, style in enumerate(("short", "medium", "long", "full"))
    ],
)
def test_date_named_formats(locale: str, style: str, expected: str) -> None:
    assert Formatter(locale).date(DAY, style) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ko", "2026.11.23(월)"),
        ("zh-CN", "2026.11.23(周一)"),
        ("zh-TW", "2026.11.23(週一)"),
        ("en", "2026.11.23(Mon)"),
    ],
)
def test_date_cldr_pattern(locale: str, expected: str) -> None:
    assert Formatter(locale).date(DAY, "yyyy.MM.dd(E)") == expected


def test_date_default_is_long(fmt: Formatter) -> None:
    assert fmt.date(DAY) == DATES[fmt.locale][2]


@pytest.mark.parametrize(
    "value",
    [
        DAY,
        "2026-11-23",
        " 2026-11-23 ",
        "20261123",
        MOMENT,
        "2026-11-23T14:05",
        "2026-11-23 23:59:59",
    ],
)
def test_date_inputs(value: object) -> None:
    assert Formatter("ko").date(value) == "2026년 11월 23일"


def test_aware_datetime_is_converted_to_the_local_date() -> None:
    utc_evening = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 01:00 next day in Seoul
    assert Formatter("ko").date(utc_evening) == "2026년 11월 24일"
    assert Formatter("en").date(utc_evening) == "November 23, 2026"
    assert Formatter("zh-CN").date("2026-11-23T23:30:00-05:00") == "2026年11月24日"


@pytest.mark.parametrize(
    ("value", "style", "message"),
    [
        ("2026-13-01", "long", "2026-13-01"),
        ("yesterday", "long", "yesterday"),
        (20261123, "long", "20261123"),
        (Decimal(1), "long", "Decimal"),
        (DAY, "longg", "longg"),  # Babel would print "lon2461368"
        (DAY, "HH:mm", "H"),  # time fields in a date
        (DAY, "", "''"),
        (DAY, "'no fields'", "no fields"),
        (DAY, "'unterminated", "unterminated"),
        (DAY, 5, "5"),
    ],
)
def test_date_errors(value: object, style: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Formatter("ko").date(value, style)  # type: ignore[arg-type]


# --- time and datetime -------------------------------------------------------------

DATETIME_SHORT = {  # DOMAIN 5.1, special spaces normalised
    "ko": "26. 11. 23. 오후 2:05",
    "zh-CN": "2026/11/23 14:05",
    "zh-TW": "2026/11/23 下午2:05",
    "en": "11/23/26, 2:05 PM",
}
TIME_SHORT = {"ko": "오후 2:05", "zh-CN": "14:05", "zh-TW": "下午2:05", "en": "2:05 PM"}


def test_datetime_short_keeps_wall_time(fmt: Formatter) -> None:
    # Babel alone reads a naive datetime as UTC and prints 23:05 in Seoul.
    assert fmt.datetime(MOMENT, "short") == DATETIME_SHORT[fmt.locale]
    assert fmt.datetime("2026-11-23T14:05", "short") == DATETIME_SHORT[fmt.locale]


@pytest.mark.parametrize(
    "value", [time(14, 5), "14:05", "14:05:00", MOMENT, "2026-11-23T14:05"]
)
def test_time_short(fmt: Formatter, value: object) -> None:
    assert fmt.time(value) == TIME_SHORT[fmt.locale]


@pytest.mark.parametrize(
    ("locale", "style", "expected"),
    [
        ("ko", "medium", "2026. 11. 23. 오후 2:05:00"),
        ("ko", "long", "2026년 11월 23일 오후 2시 5분 0초 +0900"),
        ("ko", "full", "2026년 11월 23일 월요일 오후 2시 5분 0초 한국 표준시"),
        ("zh-CN", "medium", "2026年11月23日 14:05:00"),
        # Babel alone: "UTC 14:05:00"
        ("zh-CN", "long", "2026年11月23日 +0800 14:05:00"),
        ("zh-TW", "medium", "2026年11月23日 下午2:05:00"),
        ("zh-TW", "long", "2026年11月23日 下午2:05:00 [+0800]"),
        ("en", "medium", "Nov 23, 2026, 2:05:00 PM"),
        # en has no real zone unless one is given: a naive time gets none printed.
        ("en", "long", "November 23, 2026, 2:05:00 PM"),
        ("en", "full", "Monday, November 23, 2026, 2:05:00 PM"),
        ("ko", "yyyy.MM.dd HH:mm", "2026.11.23 14:05"),
        ("en", "yyyy-MM-dd HH:mm z", "2026-11-23 14:05"),
    ],
)
def test_datetime_formats(locale: str, style: str, expected: str) -> None:
    assert Formatter(locale).datetime(MOMENT, style) == expected


def test_datetime_default_is_medium(fmt: Formatter) -> None:
    assert fmt.datetime(MOMENT) == fmt.datetime(MOMENT, "medium")


@pytest.mark.parametrize(
    "style", ["short", "medium", "long", "full", "HH:mm z", "HH:mm zzzz"]
)
def test_naive_values_never_print_utc(fmt: Formatter, style: str) -> None:
    for text in (fmt.datetime(MOMENT, style), fmt.time(time(14, 5), style)):
        assert "UTC" not in text and "Coordinated" not in text, text


def test_aware_values_are_converted() -> None:
    utc = datetime(2026, 11, 23, 5, 5, tzinfo=UTC)
    assert Formatter("ko").datetime(utc, "short") == "26. 11. 23. 오후 2:05"
    assert Formatter("zh-CN").datetime(utc, "short") == "2026/11/23 13:05"
    assert Formatter("zh-CN").time("2026-11-23T06:05:00+00:00") == "14:05"
    assert Formatter("en").datetime(utc, "long") == "November 23, 2026, 5:05:00 AM UTC"
    seoul = timezone(timedelta(hours=9))
    assert (
        Formatter("en").datetime(datetime(2026, 11, 23, 14, 5, tzinfo=seoul), "short")
        == "11/23/26, 5:05 AM"
    )


def test_explicit_zone() -> None:
    assert (
        Formatter("en", tz="Asia/Seoul").datetime(MOMENT, "long")
        == "November 23, 2026, 2:05:00 PM +0900"
    )
    assert (
        Formatter("en", tz="UTC").datetime(MOMENT, "long")
        == "November 23, 2026, 2:05:00 PM UTC"
    )
    assert (
        Formatter("ko", tz="Asia/Shanghai").datetime(MOMENT, "short")
        == "26. 11. 23. 오후 2:05"
    )


def test_date_becomes_midnight() -> None:
    assert Formatter("zh-CN").datetime(DAY, "short") == "2026/11/23 00:00"


@pytest.mark.parametrize(
    ("method", "value", "style", "message"),
    [
        ("time", "25:00", "short", "25:00"),
        ("time", DAY, "short", "datetime.date"),
        ("time", time(14, 5), "yyyy HH", "y"),  # date field in a time
        ("time", time(14, 5), "tt", "tt"),
        ("datetime", "2026-11-31T10:00", "short", "2026-11-31"),
        ("datetime", "soon", "short", "soon"),
        ("datetime", MOMENT, "HH:mm:ss jj", "jj"),
        ("datetime", MOMENT, None, "None"),
    ],
)
def test_time_errors(method: str, value: object, style: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(Formatter("ko"), method)(value, style)


# --- number and percent ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1234567, None, "1,234,567"),
        (Decimal("1234567.891"), None, "1,234,567.891"),  # DOMAIN 5.3
        ("1234567.891", None, "1,234,567.891"),
        (1234567.891, None, "1,234,567.891"),
        ("0.0005", None, "0.001"),  # half-up at Babel's 3 digits (Babel alone: 0)
        ("-0.0001", None, "0"),  # never "-0"
        ("1234.5", 2, "1,234.50"),
        ("2.5", 0, "3"),  # Babel alone: 2
        ("0.125", 2, "0.13"),
        (-1234.5, 0, "-1,235"),
        (0, 2, "0.00"),
    ],
)
def test_number(
    fmt: Formatter, value: object, digits: int | None, expected: str
) -> None:
    assert fmt.number(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.1, None, "10%"),  # DOMAIN 5.3
        (0.06, None, "6%"),
        ("0.125", None, "13%"),  # half-up (Babel alone: 12%)
        ("0.12345", 1, "12.3%"),
        ("0.5", 2, "50.00%"),
        (1, None, "100%"),
        (Decimal("0.105"), 0, "11%"),
    ],
)
def test_percent(
    fmt: Formatter, value: object, digits: int | None, expected: str
) -> None:
    assert fmt.percent(value, digits) == expected


@pytest.mark.parametrize(
    ("method", "value", "digits", "message"),
    [
        ("number", "abc", None, "abc"),
        ("number", "1,234", None, "1,234"),
        ("number", True, None, "True"),
        ("number", float("nan"), None, "nan"),
        ("number", [], None, "[]"),
        ("number", 1, -1, "-1"),
        ("number", 1, "2", "'2'"),
        ("number", 1, True, "True"),
        ("number", 1, 99, "99"),
        ("percent", "ten", None, "ten"),
        ("number", "1e30", 10, "1e30"),
    ],
)
def test_number_errors(
    method: str, value: object, digits: object, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(Formatter("en"), method)(value, digits)


# --- money --------------------------------------------------------------------------

MONEY = [
    # locale, value, currency, expected
    ("ko", 3850000, "KRW", "₩3,850,000"),  # DESIGN 4
    ("ko", "1234.5", "USD", "US$1,234.50"),
    ("ko", "1680.32", "CNY", "CN¥1,680.32"),
    ("ko", 36000, "TWD", "NT$36,000"),
    ("zh-CN", "1680.32", "CNY", "¥1,680.32"),  # DESIGN 4: half-width ¥
    ("zh-CN", 3850000, "KRW", "₩3,850,000"),
    ("zh-CN", "1234.5", "USD", "US$1,234.50"),
    ("zh-CN", 36000, "TWD", "NT$36,000"),
    ("zh-TW", 36000, "TWD", "NT$36,000"),  # Babel alone: "$36,000.00"
    ("zh-TW", 1050, "TWD", "NT$1,050"),  # DOMAIN 5.2
    ("zh-TW", "1680.32", "CNY", "CN¥1,680.32"),
    ("zh-TW", "1234.5", "USD", "US$1,234.50"),
    ("zh-TW", 3850000, "KRW", "￦3,850,000"),  # CLDR's full-width won for zh_Hant_TW
    ("en", "1234.5", "USD", "$1,234.50"),
    ("en", 3850000, "KRW", "₩3,850,000"),
    ("en", "1680.32", "CNY", "CN¥1,680.32"),
    ("en", 36000, "TWD", "NT$36,000"),
    ("en", "1234.5", "usd", "$1,234.50"),
    ("en", 1000, "JPY", "¥1,000"),
    ("ko", "12.5", "EUR", "€12.50"),
]


@pytest.mark.parametrize(("locale", "value", "currency", "expected"), MONEY)
def test_money(locale: str, value: object, currency: str, expected: str) -> None:
    assert Formatter(locale).money(value, currency) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ko", "₩1,235"),
        ("zh-CN", "¥1,234.50"),
        ("zh-TW", "NT$1,235"),
        ("en", "$1,234.50"),
    ],
)
def test_money_default_currency(locale: str, expected: str) -> None:
    assert Formatter(locale).money("1234.5") == expected


@pytest.mark.parametrize(
    ("locale", "value", "currency", "expected"),
    [
        ("zh-CN", "0.125", "CNY", "¥0.13"),  # Babel alone: ¥0.12
        ("zh-CN", "10.005", "CNY", "¥10.01"),  # Babel alone: ¥10.00
        ("zh-CN", 0.125, "CNY", "¥0.13"),
        ("ko", "2.5", "KRW", "₩3"),  # Babel alone: ₩2
        ("ko", "3.5", "KRW", "₩4"),
        ("ko", "1234567.891", "KRW", "₩1,234,568"),
        ("zh-TW", "36000.5", "TWD", "NT$36,001"),
        ("zh-TW", "1049.49", "TWD", "NT$1,049"),
        ("en", 2.675, "USD", "$2.68"),  # float via str(): 2.675, not 2.67499…
        ("en", "-0.001", "USD", "$0.00"),  # never "-$0.00"
    ],
)
def test_money_rounds_half_up(
    locale: str, value: object, currency: str, expected: str
) -> None:
    assert Formatter(locale).money(value, currency) == expected


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("en", "-1234.5", "-$1,234.50"),
        ("zh-TW", "-1234.5", "-NT$1,235"),
        ("ko", -2.5, "-₩3"),
    ],
)
def test_money_negative(locale: str, value: object, expected: str) -> None:
    assert Formatter(locale).money(value) == expected


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        ("abc", None, "abc"),
        (1, "XYZ", "XYZ"),
        (1, "", "''"),
        (True, None, "True"),
        (float("nan"), None, "nan"),
        (DAY, None, "datetime.date"),
    ],
)
def test_money_errors(value: object, currency: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Formatter("ko").money(value, currency)


# --- amount_words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "value", "currency", "expected"),
    [
        ("ko", 1234000, None, "일금 일백이십삼만사천원정"),
        ("zh-CN", "1680.32", None, "人民币壹仟陆佰捌拾元零叁角贰分"),
        ("zh-TW", 36000, None, "新臺幣參萬陸仟元整"),
        (
            "en",
            "1234.5",
            None,
            "US Dollars One Thousand Two Hundred Thirty-Four and Fifty Cents Only",
        ),
        ("zh-CN", "1234.5", "USD", "美元壹仟贰佰叁拾肆元伍角整"),
        ("ko", "1234.5", "USD", "일금 일천이백삼십사달러오십센트정"),
        ("en", 1000000, "KRW", "Korean Won One Million Only"),
    ],
)
def test_amount_words(
    locale: str, value: object, currency: str | None, expected: str
) -> None:
    assert Formatter(locale).amount_words(value, currency) == expected


def test_amount_words_errors() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Formatter("zh-CN").amount_words(-1)
    with pytest.raises(ValueError, match="XYZ"):
        Formatter("zh-CN").amount_words(1, "XYZ")


# --- week ---------------------------------------------------------------------------

WEEKS = {  # DOMAIN 5.4 and DESIGN 4
    date(2026, 11, 23): (
        "2026년 11월 4주차",
        "2026年第48周",
        "2026年第48週",
        "Week 48, 2026",
    ),
    date(2026, 11, 30): (
        "2026년 12월 1주차",
        "2026年第49周",
        "2026年第49週",
        "Week 49, 2026",
    ),
    date(2026, 11, 1): (
        "2026년 10월 5주차",
        "2026年第44周",
        "2026年第44週",
        "Week 44, 2026",
    ),
    date(2027, 1, 1): (
        "2026년 12월 5주차",
        "2026年第53周",
        "2026年第53週",
        "Week 53, 2026",
    ),
    date(2026, 1, 1): (
        "2026년 1월 1주차",
        "2026年第1周",
        "2026年第1週",
        "Week 1, 2026",
    ),
}


@pytest.mark.parametrize(
    ("locale", "day", "expected"),
    [
        (loc, day, labels[i])
        for day, labels in WEEKS.items()
        for i, loc in enumerate(LOCALES)
    ],
)
def test_week(locale: str, day: date, expected: str) -> None:
    assert Formatter(locale).week(day) == expected
    assert Formatter(locale).week(day.isoformat()) == expected


def test_week_of_datetime_uses_local_date() -> None:
    # Sunday 2026-11-29 20:00 UTC is Monday 11-30 05:00 in Seoul: next week.
    assert (
        Formatter("ko").week(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
        == "2026년 12월 1주차"
    )
    assert Formatter("ko").week(datetime(2026, 11, 29, 20, 0)) == "2026년 11월 4주차"


def test_week_errors() -> None:
    with pytest.raises(ValueError, match="someday"):
        Formatter("zh-CN").week("someday")


# --- daterange ----------------------------------------------------------------------

RANGES = [
    ("ko", DAY, date(2026, 11, 27), "2026. 11. 23. ~ 11. 27."),  # DESIGN 4, exact
    ("ko", date(2026, 11, 30), date(2026, 12, 4), "2026. 11. 30. ~ 12. 4."),
    ("ko", date(2026, 12, 28), date(2027, 1, 3), "2026. 12. 28. ~ 2027. 1. 3."),
    ("ko", DAY, DAY, "2026. 11. 23."),
    # DOMAIN 5.5, spaces normalised
    ("zh-CN", DAY, date(2026, 11, 27), "2026年11月23日 – 27日"),
    ("zh-CN", date(2026, 11, 30), date(2026, 12, 4), "2026年11月30日 – 12月4日"),
    ("zh-CN", date(2026, 12, 28), date(2027, 1, 3), "2026年12月28日 – 2027年1月3日"),
    ("zh-TW", DAY, date(2026, 11, 27), "2026年11月23日至27日"),  # DOMAIN 5.5
    ("zh-TW", date(2026, 12, 28), date(2027, 1, 3), "2026年12月28日至2027年1月3日"),
    ("zh-TW", DAY, DAY, "2026年11月23日"),
    # DOMAIN 5.5, spaces normalised
    ("en", DAY, date(2026, 11, 27), "Nov 23 – 27, 2026"),
    ("en", date(2026, 11, 30), date(2026, 12, 4), "Nov 30 – Dec 4, 2026"),
    ("en", date(2026, 12, 28), date(2027, 1, 3), "Dec 28, 2026 – Jan 3, 2027"),
]


@pytest.mark.parametrize(("locale", "start", "end", "expected"), RANGES)
def test_daterange(locale: str, start: date, end: date, expected: str) -> None:
    formatter = Formatter(locale)
    assert formatter.daterange(start, end) == expected
    assert formatter.daterange(start.isoformat(), end.isoformat()) == expected


def test_daterange_errors() -> None:
    with pytest.raises(ValueError, match="before"):
        Formatter("ko").daterange("2026-11-27", "2026-11-23")
    with pytest.raises(ValueError, match="never"):
        Formatter("en").daterange("2026-11-23", "never")


# --- every filter, every locale -----------------------------------------------------


def _every_output(formatter: Formatter) -> list[str]:
    out = [formatter.date(MOMENT, s) for s in ("short", "medium", "long", "full")]
    out += [formatter.time(MOMENT, s) for s in ("short", "medium", "long", "full")]
    out += [formatter.datetime(MOMENT, s) for s in ("short", "medium", "long", "full")]
    out += [
        formatter.number("1234567.891"),
        formatter.percent("0.1"),
        formatter.money("1234.5"),
    ]
    out += [formatter.amount_words("1234.5"), formatter.week(DAY)]
    out += [
        formatter.daterange(DAY, date(2026, 11, 27)),
        formatter.daterange(DAY, date(2027, 1, 3)),
    ]
    return out


def test_no_special_spaces_anywhere(fmt: Formatter) -> None:
    for text in _every_output(fmt):
        assert text and "\u202f" not in text and "\u2009" not in text, text


def test_none_gives_empty_text(fmt: Formatter) -> None:
    for name, function in fmt.filters().items():
        if name != "daterange":
            assert function(None) == "", name
    assert fmt.daterange(DAY, None) == ""
