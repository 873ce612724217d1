"""Computed fields of the `weekly` kind (DOMAIN.md §1.2 and §5.4).

Added to the context (names are a contract with the templates):

``week_start``         date, moved to the Monday of the given date's week
``week_end``           date, the Sunday of that week
``period``             ``{"start": Monday, "end": Sunday}``
``week_label``         the week in the primary language: ``2026년 11월 4주차`` (ko,
                       Thursday rule), ``2026年第48周`` (zh-CN), ``2026年第48週`` (zh-TW),
                       ``Week 48, 2026`` (en)
``send_at``            naive datetime, the Monday after the reported week at 12:00
``tasks[i].status_label``  the status in the document's language(s)
``kpis[i].attainment``  Decimal, value ÷ target (for ``|percent``) when both are numbers,
                       the target is not 0 and the ratio is under 10^15, else None
``tasks_by_status``    ``{"done": [...], "in_progress": [...], "planned": [...],
                       "blocked": [...]}``: always these four keys in this order, each
                       list in input order (the same dicts as in ``tasks``)
``status_counts``      the same keys → int
``this_week``          tasks whose status is not ``planned`` (금주 실적 / 本周工作)
``next_week``          ``planned`` tasks (차주 계획 / 下周计划)
``this_week_grouped``  the same tasks as ``this_week``, done first, then in progress,
                       then blocked (each group in input order)

Task ``progress`` is left as given (None when absent).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ...i18n.format import get_formatter
from ...i18n.locale import DocLocale
from ...i18n.weeks import week_bounds
from ...values import MAX_NUMBER
from .._labels import enum_label

STATUSES = ("done", "in_progress", "planned", "blocked")

# The report goes out at noon on the Monday after the reported week (DESIGN.md §7).
SEND_TIME = dt.time(12, 0)


# Top-level names compute() adds (``docgen template check --kind`` accepts them).
COMPUTED_FIELDS = (
    "week_end",
    "period",
    "week_label",
    "send_at",
    "tasks_by_status",
    "status_counts",
    "this_week",
    "next_week",
    "this_week_grouped",
)


def compute(context: dict[str, Any], locale: DocLocale) -> None:
    """Add the weekly report's computed fields to ``context``."""
    monday, sunday = week_bounds(context["week_start"])
    context["week_start"] = monday
    context["week_end"] = sunday
    context["period"] = {"start": monday, "end": sunday}
    context["week_label"] = get_formatter(locale.primary).week(monday)
    context["send_at"] = dt.datetime.combine(sunday + dt.timedelta(days=1), SEND_TIME)

    tasks: list[dict[str, Any]] = list(context.get("tasks") or [])
    by_status: dict[str, list[dict[str, Any]]] = {status: [] for status in STATUSES}
    for task in tasks:
        task["status_label"] = enum_label("weekly", ("tasks", "status"), task.get("status"),
                                          locale)
        # An unknown status cannot pass validation; if one gets here anyway it still
        # appears in this_week rather than disappearing from the report.
        if task.get("status") in by_status:
            by_status[task["status"]].append(task)
    context["tasks_by_status"] = by_status
    context["status_counts"] = {status: len(found) for status, found in by_status.items()}
    context["this_week"] = [t for t in tasks if t.get("status") != "planned"]
    context["next_week"] = [t for t in tasks if t.get("status") == "planned"]
    context["this_week_grouped"] = by_status["done"] + by_status["in_progress"] + by_status["blocked"]

    for kpi in context.get("kpis") or []:
        value: Any = kpi.get("value")
        target: Any = kpi.get("target")
        # as a template's ``value / target`` would (any number, Decimal included)
        numbers = (int, float, Decimal)
        both = isinstance(value, numbers) and isinstance(target, numbers)
        ratio = Decimal(str(value)) / Decimal(str(target)) if both and target else None
        # value ÷ target of two valid numbers can still be beyond any number a document
        # shows (1e14 ÷ 1e-14): then there is no meaningful attainment to print
        kpi["attainment"] = ratio if ratio is not None and abs(ratio) < MAX_NUMBER else None
