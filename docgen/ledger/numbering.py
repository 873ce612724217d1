"""Document numbers: a series' format (``INV-{yyyy}-{seq:04}``) and revision suffixes.

The counter itself lives in the ``series`` table and is raised inside the issuing
transaction (:meth:`docgen.ledger.store.Ledger.issue`); this module only formats and
parses numbers.
"""
from __future__ import annotations

import re
import string
from typing import Mapping, Optional

from ..messages import N_

# Built-in kinds' series; any other kind gets the first three letters of its name.
DEFAULT_SERIES: Mapping[str, str] = {
    "minutes": "MIN-{yyyy}-{seq:04}",
    "brief": "BRF-{yyyy}-{seq:04}",
    "weekly": "WKR-{yyyy}-{seq:04}",
    "signoff": "SGN-{yyyy}-{seq:04}",
    "invoice": "INV-{yyyy}-{seq:04}",
}
FIELDS = ("yyyy", "yy", "seq")
_REVISION = re.compile(r"^(?P<base>.+)-R(?P<rev>[1-9][0-9]*)$")


def default_format(kind: str) -> str:
    return DEFAULT_SERIES.get(kind, kind[:3].upper() + "-{yyyy}-{seq:04}")


def format_problem(fmt: str) -> Optional[str]:
    """``None`` when ``fmt`` is a usable series format, else what is wrong (a msgid
    with ``{fields}`` to fill)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None]
    except ValueError:
        return N_("the number format is not valid (use fields such as {fields})")
    if any(name not in FIELDS for name in names) or "seq" not in names:
        return N_("the number format must contain {{seq}} and may use only {fields}")
    try:
        number = format_number(fmt, 2026, 1)
    except (ValueError, KeyError, IndexError):
        return N_("the number format is not valid (use fields such as {fields})")
    if _REVISION.match(number):
        return N_("the number format must not end like a revision (-R1)")
    return None


def format_number(fmt: str, year: int, seq: int) -> str:
    return fmt.format(yyyy=f"{year:04d}", yy=f"{year % 100:02d}", seq=seq)


def shown(number: str, revision: int) -> str:
    """The number as documents show it: ``INV-2026-0007``, its revisions ``…-R1``."""
    return f"{number}-R{revision}" if revision else number


def split(text: str) -> tuple[str, Optional[int]]:
    """``INV-2026-0007-R2`` → (``INV-2026-0007``, 2); no suffix → (text, None)."""
    match = _REVISION.match(text.strip())
    if match:
        return match.group("base"), int(match.group("rev"))
    return text.strip(), None
