"""Decimal money helpers: parsing, document minor units and half-up rounding.

Every amount docgen prints or spells goes through :func:`round_money` first:
accounting practice in all three markets is 四舍五入 / round half up, while Babel
rounds half to even (``¥0.12`` for 0.125). Arithmetic is Decimal only; a float is
converted through ``str()`` so ``0.1`` stays ``0.1`` and not ``0.1000000000000000055…``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Optional

from babel.numbers import get_currency_precision, is_currency

from .locale import CURRENCIES

# Default document currency of each canonical locale code (the locale's row).
DEFAULT_CURRENCY = CURRENCIES

# Minor digits on *documents*, where they differ from ISO 4217 / CLDR: TWD has
# 2 decimals in CLDR, but Taiwanese invoices and cheques are whole NT$.
_DOCUMENT_DIGITS = {"KRW": 0, "TWD": 0, "CNY": 2, "USD": 2}


# A number as people type it in a sheet or a form: a sign, thousands separated by
# commas, decimals ("1,500,000", "-12.5").
GROUPED_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_GROUPED = re.compile(rf"^\s*{GROUPED_NUMBER}\s*$")


def parse_grouped(text: str) -> Optional[Decimal]:
    """The number in ``text`` written with optional thousands separators, or None."""
    if not _GROUPED.match(text):
        return None
    return Decimal(text.strip().replace(",", ""))


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as a finite Decimal.

    Accepts int, Decimal, float (via ``str()``, never binary arithmetic) and numeric
    strings such as ``"1234.50"``. Raises ``ValueError`` for anything else, including
    booleans, NaN and infinities.
    """
    if isinstance(value, bool):  # bool is an int subclass; True is not an amount
        raise ValueError(f"not a number: {value!r}")  # noqa: TRY004 -- filters report ValueError
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")  # noqa: TRY004 -- filters report ValueError
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def normalize_currency(currency: str) -> str:
    """Return the upper-case ISO 4217 code; ``ValueError`` if it is not one."""
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if not _is_currency(code):
        raise ValueError(f"unknown currency: {currency!r}")
    return code


@lru_cache(maxsize=512)
def _is_currency(code: str) -> bool:
    return len(code) == 3 and is_currency(code)


def minor_digits(currency: str) -> int:
    """Decimal places used for ``currency`` on documents (KRW 0, TWD 0, CNY 2, USD 2…).

    Currencies not listed above use CLDR's precision (JPY 0, EUR 2, KWD 3…).
    """
    return _minor_digits(normalize_currency(currency))


@lru_cache(maxsize=512)
def _minor_digits(code: str) -> int:
    digits = _DOCUMENT_DIGITS.get(code)
    return get_currency_precision(code) if digits is None else digits


def round_money(value: object, currency: str) -> Decimal:
    """Round ``value`` half-up to the document minor unit of ``currency``.

    >>> round_money("0.125", "CNY"), round_money("2.5", "KRW")
    (Decimal('0.13'), Decimal('3'))
    """
    amount = to_decimal(value)
    quantum = Decimal(1).scaleb(-minor_digits(currency))
    try:
        rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        raise ValueError(f"amount too large: {value!r}") from None
    # -0.001 rounds to -0.00; a document must never show "-¥0.00".
    return rounded.copy_abs() if rounded.is_zero() else rounded
