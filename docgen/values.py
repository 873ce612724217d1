"""Plain values as records write them: ISO dates and ``HH:MM`` times.

Shared by validation (is it a date?), rules (compare two dates) and computed fields;
a module of its own so that none of those imports another for it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any, Optional

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")

# Characters no document can hold: XML 1.0 forbids the C0 controls except tab, line
# feed and carriage return, lone surrogates (half of a character pair: broken text)
# and U+FFFE/U+FFFF; DEL (U+007F) is allowed by XML but is an invisible key-press
# that no one means to print. Validation reports each (the AE must know it is
# there: it cannot be seen), and never strips it silently.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVALID_CHARACTERS = re.compile("[\ud800-\udfff\ufffe\uffff]")

# The largest number a record may hold (in absolute value), 10^15: Excel keeps 15
# significant digits (a larger whole number loses its last digits in the .xlsx), and
# the number and money filters round within the 28 digits of the decimal context.
MAX_NUMBER = 10 ** 15


def bad_character(text: str) -> Optional[tuple[str, int, bool]]:
    """The first character of ``text`` no document can hold: ``(U+000B, position
    from 1, is_control)``; None when there is none."""
    control = CONTROL_CHARACTERS.search(text)
    invalid = INVALID_CHARACTERS.search(text)
    found = min((m for m in (control, invalid) if m is not None), key=lambda m: m.start(),
                default=None)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X}", found.start() + 1, found is control


def money_limit(minor_digits: int) -> Decimal:
    """The largest amount (exclusive) of a currency with ``minor_digits`` decimals:
    15 significant digits in all (KRW 10^15, CNY/USD 10^13), what Excel keeps exactly."""
    return Decimal(10) ** max(15 - minor_digits, 0)


def parse_date(value: Any) -> Optional[dt.date]:
    """An ISO ``YYYY-MM-DD`` date (or a date object) that exists, else None."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_time(value: Any) -> Optional[dt.time]:
    """An ``HH:MM`` time (or a time object) that exists, else None. Full-width digits
    and colon (``１４：３０``, as Korean and Chinese input methods type them) read as
    their ASCII forms (NFKC)."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        m = _TIME_RE.match(unicodedata.normalize("NFKC", value).strip())
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return dt.time(int(m.group(1)), int(m.group(2)))
    return None
