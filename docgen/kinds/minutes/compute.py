"""Computed fields of the `minutes` kind (DOMAIN.md §1.1).

Added to the context (names are a contract with the templates; ``meeting_type_label``
comes from docgen.enrich, as for every enum field):

``time_range``    the meeting's times: ``14:00~15:30`` in Korean, ``14:00–15:30``
                  otherwise; ``14:00`` without an end time, ``~15:30`` without a start
                  time, None without either
``next_meeting``  None when it gives no date, time or location (an empty one says
                  nothing, so no template shows its heading)
"""
from __future__ import annotations

from typing import Any

from ...i18n.format import get_formatter
from ...i18n.locale import DocLocale

# Top-level names compute() adds (``docgen template check --kind`` accepts them).
COMPUTED_FIELDS = ("time_range",)

# Korean writes a range with a tilde (14:00~15:30), the others with an en dash.
RANGE_MARKS = {"ko": "~"}


def compute(context: dict[str, Any], locale: DocLocale) -> None:
    """Add the minutes' computed fields to ``context``."""
    nxt = context.get("next_meeting")
    if isinstance(nxt, dict) and not any(nxt.get(k) for k in ("date", "time", "location")):
        context["next_meeting"] = None
    start, end = context.get("start_time"), context.get("end_time")
    fmt = get_formatter(locale.primary)
    text = fmt.time(start, "HH:mm") if start else ""
    if end:
        text += RANGE_MARKS.get(locale.primary[:2], "–") + fmt.time(end, "HH:mm")
    context["time_range"] = text or None
