"""Plain values as records write them: ISO dates and ``HH:MM`` times.

Shared by validation (is it a date?), rules (compare two dates) and computed fields;
a module of its own so that none of those imports another for it.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


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
    """An ``HH:MM`` time (or a time object) that exists, else None."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return dt.time(int(m.group(1)), int(m.group(2)))
    return None
