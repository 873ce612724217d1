"""Cross-field rules of the `weekly` kind."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...messages import N_
from ...rules import Findings, date_at, items, number_at
from ...values import MAX_NUMBER

# The report shows its week (Monday to Sunday) and goes out the Monday after: that
# Monday must exist, so the last week docgen can report starts on 9999-12-20.
LAST_MONDAY = dt.date.max - dt.timedelta(days=dt.date.max.weekday() + 7)


def check(data: dict[str, Any], findings: Findings) -> None:
    start = date_at(data, "week_start")
    if start is not None and start - dt.timedelta(days=start.weekday()) > LAST_MONDAY:
        findings.error(("week_start",), "week_range", N_(
            "the week of {date} ends after 9999-12-31, the last date a document can show "
            "(the last week is the one starting on {latest})"), date=start.isoformat(),
            latest=LAST_MONDAY.isoformat())
    for i, kpi in items(data, "kpis"):
        value, target = number_at(kpi, "value"), number_at(kpi, "target")
        if value is not None and target and abs(value / target) >= MAX_NUMBER:
            # the templates show value ÷ target (the .xlsx as a formula): it must be a
            # number a document can hold
            findings.error(("kpis", i, "target"), "attainment_range", N_(
                "the result divided by the target is too large to show (more than "
                "{limit}): check the target"), limit=f"{MAX_NUMBER:,}")
    for i, task in items(data, "tasks"):
        progress = number_at(task, "progress")  # None: absent, or reported (NaN)
        if task.get("status") == "done" and progress is not None and progress != 100:
            findings.warning(("tasks", i, "progress"), "done_not_100",
                             N_("the task is done but its progress is {progress}%"),
                             progress=progress)
