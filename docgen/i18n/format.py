"""Locale-aware formatting filters for templates (DESIGN.md section 4).

A :class:`Formatter` is bound to one canonical locale code and one time zone; its
methods are the template filters ``date``, ``time``, ``datetime``, ``number``,
``percent``, ``money``, ``amount_words``, ``week`` and ``daterange``. Values come
from Babel/CLDR, with the document conventions Babel lacks layered on top:

* amounts are rounded half-up before Babel sees them (Babel rounds half-even);
* TWD is whole NT$ with an ``NT$`` prefix (CLDR zh_Hant_TW prints a bare ``$``);
* naive datetimes are wall time in the locale's zone (Babel would read them as UTC);
* weeks use the Korean Thursday rule / ISO 8601 instead of CLDR week data;
* U+202F and U+2009 are replaced with plain spaces (DOMAIN.md 5.8).

Every filter returns ``""`` for ``None`` (an optional field left empty) and raises
``ValueError`` with a short English message naming the value for bad input.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date as Date
from datetime import datetime as DateTime
from datetime import time as Time
from datetime import tzinfo as TzInfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import Locale
from babel.dates import (
    PATTERN_CHARS,
    DateTimePattern,
    format_datetime,
    format_interval,
    format_time,
    get_timezone,
    parse_pattern,
)
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern

from .locale import BABEL_IDS, TIMEZONES, NoLocaleRule, normalize
from .money import (
    DEFAULT_CURRENCY,
    minor_digits,
    normalize_currency,
    round_money,
    to_decimal,
)
from .weeks import iso_week, korean_week
from .words import amount_in_words

DEFAULT_TIMEZONES = TIMEZONES  # the locale's row
NAMED_FORMATS = ("short", "medium", "long", "full")

# Currency symbols that CLDR gets wrong for documents, by (locale, currency).
_SYMBOL_OVERRIDES = {("zh-TW", "TWD"): "NT$"}

_SPACES = str.maketrans({"\u202f": " ", "\u2009": " "})

_DATE_FIELDS = frozenset("GyYuUrQqMLwWdDFgEec")
_TIME_FIELDS = frozenset("aBbhHKkmsSAzZOvVXx")
_ALL_FIELDS = _DATE_FIELDS | _TIME_FIELDS

_QUOTED = re.compile(r"('[^']*')")
_ZONE_RUN = re.compile(r"[\s\u202f\u2009]*[\[(]?[zZOvVXx]+[\])]?")

_MAX_DIGITS = 15


def _clean(text: str) -> str:
    return text.translate(_SPACES)


@lru_cache(maxsize=256)
def _without_zone(pattern: str) -> str:
    """Drop zone fields (with the space and brackets around them) from a pattern."""
    parts = _QUOTED.split(pattern)  # odd indexes are quoted literals: keep them
    kept = (part if i % 2 else _ZONE_RUN.sub("", part) for i, part in enumerate(parts))
    return "".join(kept).strip()


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(BABEL_IDS[code])


@lru_cache(maxsize=1024)
def _custom_pattern(fmt: str, kind: str) -> DateTimePattern:
    """Validate and parse a CLDR date/time pattern once.

    Babel silently prints unknown letters as text ("longg" -> "lon2461368"), so
    every unquoted ASCII letter must be a field letter allowed for ``kind``.
    """
    allowed = {"date": _DATE_FIELDS, "time": _TIME_FIELDS}.get(kind, _ALL_FIELDS)
    fields: set[str] = set()
    quoted = False
    for ch in fmt:
        if ch == "'":
            quoted = not quoted  # '' (an escaped quote) toggles twice: net no change
        elif not quoted and ch.isascii() and ch.isalpha():
            if ch not in PATTERN_CHARS:
                raise ValueError(f"bad {kind} format: {fmt!r}")
            if ch not in allowed:
                raise ValueError(
                    f"{kind} format {fmt!r} uses field {ch!r}, not allowed in a {kind}"
                )
            fields.add(ch)
    if quoted or not fields:
        raise ValueError(f"bad {kind} format: {fmt!r}")
    return parse_pattern(fmt)


@lru_cache(maxsize=256)
def _number_pattern(code: str, kind: str, digits: int | None) -> NumberPattern:
    """The locale's decimal/percent pattern, with ``digits`` fixed fraction digits."""
    locale = _babel_locale(code)
    base = (
        locale.decimal_formats[None]
        if kind == "decimal"
        else locale.percent_formats[None]
    )
    pattern: NumberPattern = copy.copy(base)  # locale data is shared: never mutate it
    if digits is not None:
        pattern.frac_prec = (digits, digits)
    return pattern


@lru_cache(maxsize=256)
def _money_pattern(code: str, currency: str) -> NumberPattern:
    """The locale's currency pattern with the document minor digits and symbol."""
    locale = _babel_locale(code)
    text = locale.currency_formats["standard"].pattern
    symbol = _SYMBOL_OVERRIDES.get((code, currency))
    if symbol is not None:
        text = text.replace("¤", "'" + symbol.replace("'", "''") + "'")
    pattern: NumberPattern = parse_number_pattern(text)
    digits = minor_digits(currency)
    pattern.frac_prec = (digits, digits)
    return pattern


def _check_digits(digits: int | None) -> int | None:
    if digits is None:
        return None
    if (
        isinstance(digits, bool)
        or not isinstance(digits, int)
        or not 0 <= digits <= _MAX_DIGITS
    ):
        raise ValueError(
            f"digits must be an integer from 0 to {_MAX_DIGITS}: {digits!r}"
        )
    return digits


def _round_half_up(amount: Decimal, places: int, original: object) -> Decimal:
    # Babel quantizes half-even; rounding half-up first makes its step a no-op.
    try:
        rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"number too large: {original!r}") from None
    return rounded.copy_abs() if rounded.is_zero() else rounded  # no "-0"


class Formatter:
    """Template filters for one locale (``ko``, ``zh-CN``, ``zh-TW``, ``en``).

    ``tz`` is the zone naive datetimes are read in and aware ones converted to;
    by default Asia/Seoul, Asia/Shanghai, Asia/Taipei, or UTC for ``en``.
    Instances are immutable and cheap to reuse; see :func:`get_formatter`.
    """

    def __init__(self, locale: str, tz: str | None = None) -> None:
        self.locale: str = normalize(locale)
        self.tz: str = tz or DEFAULT_TIMEZONES[self.locale]
        try:
            self._tzinfo: TzInfo = get_timezone(self.tz)
        except LookupError:
            raise ValueError(f"unknown time zone: {self.tz!r}") from None
        # With no tz given, en falls back to UTC as a placeholder, not a known zone:
        # a naive value then gets no zone printed rather than a false "UTC".
        self._zone_known = tz is not None or self.tz != "UTC"
        self.currency: str = DEFAULT_CURRENCY[self.locale]
        self._babel = _babel_locale(self.locale)

    def __repr__(self) -> str:
        return f"Formatter({self.locale!r}, tz={self.tz!r})"

    def filters(self) -> dict[str, Callable[..., str]]:
        """The filters by template name, ready for ``jinja_env.filters.update``."""
        return {
            "date": self.date,
            "time": self.time,
            "datetime": self.datetime,
            "number": self.number,
            "percent": self.percent,
            "money": self.money,
            "amount_words": self.amount_words,
            "week": self.week,
            "daterange": self.daterange,
        }

    # --- value parsing -------------------------------------------------------

    def _local(self, value: DateTime) -> DateTime:
        """An aware datetime in this formatter's zone; naive means local wall time."""
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=self._tzinfo)
        return value.astimezone(self._tzinfo)

    def _to_date(self, value: object) -> Date:
        if isinstance(value, DateTime):
            return self._local(value).date()
        if isinstance(value, Date):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                return Date.fromisoformat(text)
            except ValueError:
                pass
            try:
                return self._local(DateTime.fromisoformat(text)).date()
            except ValueError:
                pass
        raise ValueError(f"not a date: {value!r}")

    def _to_datetime(self, value: object) -> tuple[DateTime, bool]:
        """An aware datetime in this zone, and whether the input was naive."""
        if isinstance(value, DateTime):
            return self._local(value), value.utcoffset() is None
        if isinstance(value, Date):
            return DateTime(
                value.year, value.month, value.day, tzinfo=self._tzinfo
            ), True
        if isinstance(value, str):
            try:
                parsed = DateTime.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                return self._local(parsed), parsed.utcoffset() is None
        raise ValueError(f"not a date and time: {value!r}")

    def _to_time(self, value: object) -> tuple[Time | DateTime, bool]:
        """A time (wall clock) or aware datetime, and whether the input was naive."""
        if isinstance(value, DateTime):
            return self._to_datetime(value)
        if isinstance(value, Time):
            return value, value.tzinfo is None
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = Time.fromisoformat(text)
            except ValueError:
                pass
            else:
                return parsed, parsed.tzinfo is None
            try:
                return self._to_datetime(text)
            except ValueError:
                pass
        raise ValueError(f"not a time: {value!r}")

    def _pattern(self, fmt: str, kind: str) -> DateTimePattern:
        if not isinstance(fmt, str):
            raise ValueError(f"bad {kind} format: {fmt!r}")  # noqa: TRY004 -- filters report ValueError
        if fmt in NAMED_FORMATS:
            formats = (
                self._babel.date_formats if kind == "date" else self._babel.time_formats
            )
            pattern: DateTimePattern = formats[fmt]
            return pattern
        return _custom_pattern(fmt, kind)

    # --- dates and times -----------------------------------------------------

    def date(self, value: object, fmt: str = "long") -> str:
        """Format a date: ``short``/``medium``/``long``/``full``, ``compact`` (the
        shortest that reads well in a table: ``short`` for Chinese, whose ``medium``
        spells 年月日, else ``medium``) or a CLDR pattern."""
        if value is None:
            return ""
        if fmt == "compact":
            fmt = "short" if self.locale.startswith("zh") else "medium"
        pattern = self._pattern(fmt, "date")
        return _clean(pattern.apply(self._to_date(value), self._babel))

    def time(self, value: object, fmt: str = "short") -> str:
        """Format a time (``time``, ``datetime`` or ``"14:05"``) in the local zone."""
        if value is None:
            return ""
        moment, naive = self._to_time(value)
        pattern = self._pattern(fmt, "time").pattern
        if naive and not self._zone_known:
            pattern = _without_zone(pattern)
        # format_time (not pattern.apply) attaches the zone to a bare time for z/Z fields.
        return _clean(
            format_time(moment, pattern, tzinfo=self._tzinfo, locale=self._babel)
        )

    def datetime(self, value: object, fmt: str = "medium") -> str:
        """Format a date and time; a naive value is wall time in the locale's zone."""
        if value is None:
            return ""
        moment, naive = self._to_datetime(value)
        hide_zone = naive and not self._zone_known
        if not isinstance(fmt, str):
            raise ValueError(f"bad datetime format: {fmt!r}")  # noqa: TRY004 -- filters report ValueError
        locale = self._babel
        if fmt not in NAMED_FORMATS:
            pattern = _custom_pattern(fmt, "datetime")
            if hide_zone:
                pattern = parse_pattern(_without_zone(pattern.pattern))
            return _clean(pattern.apply(moment, locale))
        if not hide_zone:
            return _clean(
                format_datetime(moment, fmt, tzinfo=self._tzinfo, locale=locale)
            )
        # Babel's own date + time glue, with the zone-less time pattern.
        time_text = parse_pattern(
            _without_zone(locale.time_formats[fmt].pattern)
        ).apply(moment, locale)
        date_text = locale.date_formats[fmt].apply(moment, locale)
        glue: str = locale.datetime_formats[fmt]
        return _clean(
            glue.replace("'", "").replace("{0}", time_text).replace("{1}", date_text)
        )

    def week(self, value: object) -> str:
        """The week label: ``2026년 12월 1주차`` / ``2026年第49周`` / ``Week 49, 2026``."""
        if value is None:
            return ""
        day = self._to_date(value)
        label = _WEEK_LABELS.get(self.locale)
        if label is None:
            raise NoLocaleRule("week labels", self.locale)
        return label(day)

    def daterange(self, start: object, end: object) -> str:
        """A date span: ``2026. 11. 23. ~ 11. 27.`` (ko), CLDR ``yMMMd`` intervals otherwise.

        A one-day span prints the single date.
        """
        if start is None or end is None:
            return ""
        first, last = self._to_date(start), self._to_date(end)
        if last < first:
            raise ValueError(f"date range ends before it starts: {start!r} ~ {end!r}")
        if self.locale != "ko":
            return _clean(format_interval(first, last, "yMMMd", locale=self._babel))
        # No CLDR skeleton gives the Korean office style, so join two CLDR patterns:
        # medium "y. M. d." for the start, "M. d." for the end within the same year.
        medium = self._babel.date_formats["medium"]
        if first == last:
            return _clean(medium.apply(first, self._babel))
        tail = (
            medium if first.year != last.year else self._babel.datetime_skeletons["Md"]
        )
        return _clean(
            f"{medium.apply(first, self._babel)} ~ {tail.apply(last, self._babel)}"
        )

    # --- numbers and money ---------------------------------------------------

    def number(self, value: object, digits: int | None = None) -> str:
        """Group digits (``1,234,567``); ``digits`` fixes the fraction digits."""
        if value is None:
            return ""
        pattern = _number_pattern(self.locale, "decimal", _check_digits(digits))
        amount = _round_half_up(to_decimal(value), pattern.frac_prec[1], value)
        return _clean(pattern.apply(amount, self._babel))

    def percent(self, value: object, digits: int | None = None) -> str:
        """A fraction as a percentage: 0.1 -> ``10%``; ``digits`` fraction digits."""
        if value is None:
            return ""
        pattern = _number_pattern(self.locale, "percent", _check_digits(digits))
        # The pattern multiplies by 100, so round at two more places than it shows.
        amount = _round_half_up(to_decimal(value), pattern.frac_prec[1] + 2, value)
        return _clean(pattern.apply(amount, self._babel))

    def money(self, value: object, currency: str | None = None) -> str:
        """Format an amount, rounded half-up to the document unit: ``₩3,850,000``."""
        if value is None:
            return ""
        code = self.currency if currency is None else normalize_currency(currency)
        amount = round_money(value, code)
        pattern = _money_pattern(self.locale, code)
        return _clean(
            pattern.apply(amount, self._babel, currency=code, currency_digits=False)
        )

    def amount_words(self, value: object, currency: str | None = None) -> str:
        """The amount in words in this locale's language (see :mod:`.words`)."""
        if value is None:
            return ""
        code = self.currency if currency is None else currency
        return amount_in_words(value, code, self.locale)


def _korean_week_label(day: Date) -> str:
    year, month, n = korean_week(day)
    return f"{year}년 {month}월 {n}주차"


def _iso_week_label(pattern: str) -> Callable[[Date], str]:
    def label(day: Date) -> str:
        year, week = iso_week(day)
        return pattern.format(year=year, week=week)
    return label


# How each locale names a week (DOMAIN.md 5.4); a locale without a rule is an error,
# never another locale's label.
_WEEK_LABELS: dict[str, Callable[[Date], str]] = {
    "ko": _korean_week_label,
    "zh-CN": _iso_week_label("{year}年第{week}周"),
    "zh-TW": _iso_week_label("{year}年第{week}週"),
    "en": _iso_week_label("Week {week}, {year}"),
}


@lru_cache(maxsize=64)
def get_formatter(locale: str, tz: str | None = None) -> Formatter:
    """A shared :class:`Formatter` for ``locale`` and ``tz`` (built once, then reused)."""
    return Formatter(locale, tz)
