"""Fixes to suggest for values typed the way people write them on paper or in Excel.

Validation still reports these values as errors (a number must be a number, a date
ISO ``YYYY-MM-DD``): docgen does not guess silently, but the message says exactly what
to write instead. Written by hand because the forms are conventions of Korean and
Chinese offices (``150만원`` is 1,500,000 won, ``1억 5천만`` 150,000,000), not something
Babel parses.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Optional, Sequence

# Currency written before the amount, and the unit words written after it.
_PREFIX = re.compile(r"^(?:US\$|NT\$|HK\$|RMB|CNY|KRW|TWD|NTD|USD|[₩¥$])\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*(?:원정|원|圓|圆|元整|元|块|塊|달러|美元|韩元|韓元|人民币|人民幣|新台币|"
                     r"新臺幣|台币|臺幣|RMB|CNY|KRW|TWD|NTD|USD|won|yuan|dollars?)\.?$",
                     re.IGNORECASE)
_BIG = {"조": 10 ** 12, "억": 10 ** 8, "亿": 10 ** 8, "億": 10 ** 8, "만": 10 ** 4, "万": 10 ** 4,
        "萬": 10 ** 4}
_SMALL = {"천": 1000, "千": 1000, "仟": 1000, "백": 100, "百": 100, "佰": 100, "십": 10, "十": 10,
          "拾": 10}
_PART = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([천千仟백百佰십十拾])?\s*([조억亿億만万萬])?\s*")
_PLAIN = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def _plain(number: Decimal) -> str:
    """``Decimal('85000.00')`` → ``85000``; ``1500000.5`` stays as it is."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def money_number(value: Any) -> Optional[str]:
    """The plain number for an amount written with a currency sign or word, or with
    Korean/Chinese units: ``150만원`` → ``1500000``, ``₩1,500,000`` → ``1500000``,
    ``¥85,000.00`` → ``85000``, ``1억 5천만`` → ``150000000``; None otherwise."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    stripped = _SUFFIX.sub("", _PREFIX.sub("", text)).strip()
    if not stripped or stripped == text and not any(u in text for u in (*_BIG, *_SMALL)):
        return None
    negative = stripped.startswith("-")
    stripped = stripped.lstrip("-").strip()
    if _PLAIN.match(stripped):
        total = Decimal(stripped.replace(",", ""))
    else:
        total, pos, last_big = Decimal(0), 0, None
        while pos < len(stripped):
            m = _PART.match(stripped, pos)
            if m is None or m.end() == pos:
                return None
            try:
                amount = Decimal(m.group(1).replace(",", ""))
            except InvalidOperation:
                return None
            if m.group(2):
                amount *= _SMALL[m.group(2)]
            big = _BIG.get(m.group(3) or "")
            if big is not None:
                if last_big is not None and big >= last_big:
                    return None  # 만 before 억: not a way amounts are written
                amount *= big
                last_big = big
            elif m.end() < len(stripped):
                return None  # a unit-less part must come last (1억 5000)
            total += amount
            pos = m.end()
    return _plain(-total if negative else total)


# Currency names people type instead of the ISO code.
CURRENCY_ALIASES = {
    "rmb": "CNY", "人民币": "CNY", "人民幣": "CNY", "元": "CNY", "위안": "CNY", "위안화": "CNY",
    "yuan": "CNY", "renminbi": "CNY", "cnh": "CNY",
    "원": "KRW", "원화": "KRW", "₩": "KRW", "won": "KRW", "韩元": "KRW", "韓元": "KRW",
    "한화": "KRW",
    "ntd": "TWD", "nt$": "TWD", "nt": "TWD", "新台币": "TWD", "新臺幣": "TWD", "新台幣": "TWD",
    "台币": "TWD", "臺幣": "TWD", "台幣": "TWD", "대만달러": "TWD",
    "$": "USD", "us$": "USD", "usd$": "USD", "달러": "USD", "미국달러": "USD", "美元": "USD",
    "dollar": "USD", "dollars": "USD",
}


def code_alias(value: Any, codes: Sequence[Any]) -> Optional[str]:
    """The enum code a common alias names (``RMB`` → ``CNY``), when it is allowed."""
    if not isinstance(value, str):
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()
    code = CURRENCY_ALIASES.get(key)
    return code if code is not None and code in codes else None


# --- dates ------------------------------------------------------------------------

_FULL = re.compile(r"^(\d{4}|\d{2})\s*[./\-년年]\s*(\d{1,2})\s*[./\-월月]\s*(\d{1,2})\s*[.일日号號]?$")
_NO_YEAR = re.compile(r"^(\d{1,2})\s*[./\-월月]\s*(\d{1,2})\s*[.일日号號]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def date_fix(value: Any, context: Iterable[dt.date], today: dt.date,
             ) -> Optional[tuple[str, Optional[int], bool]]:
    """The ISO date meant by ``2026/11/3``, ``2026.11.3``, ``2026년 11월 3일``, ``20261103``
    or ``11/3``: ``(iso, assumed_year, from_context)``; ``assumed_year`` is set when the
    text had no year (taken from the record's other dates, else the current year)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().rstrip(".").strip()
    if isinstance(value, bool) or not text:
        return None
    m = _FULL.match(text) or _COMPACT.match(text)
    if m:
        year = int(m.group(1))
        year += 2000 if year < 100 else 0
        found = _date(year, int(m.group(2)), int(m.group(3)))
        return (found.isoformat(), None, False) if found else None
    m = _NO_YEAR.match(text)
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    dates = sorted(context)
    if not dates:  # nothing to go by: this year
        found = _date(today.year, month, day)
        return (found.isoformat(), found.year, False) if found else None
    # The year that puts the date nearest the record's other dates (12/28 → 1/4 next year).
    reference = dates[len(dates) // 2]
    candidates = [d for d in (_date(reference.year + k, month, day) for k in (-1, 0, 1)) if d]
    if not candidates:
        return None
    best = min(candidates, key=lambda d: abs((d - reference).days))
    return best.isoformat(), best.year, True
