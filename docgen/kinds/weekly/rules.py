"""Cross-field rules of the `weekly` kind."""
from __future__ import annotations

from typing import Any

from ...messages import N_
from ...rules import Findings, items


def check(data: dict[str, Any], findings: Findings) -> None:
    for i, task in items(data, "tasks"):
        progress = task.get("progress")
        if task.get("status") == "done" and isinstance(progress, (int, float)) \
                and not isinstance(progress, bool) and progress != 100:
            findings.warning(("tasks", i, "progress"), "done_not_100",
                             N_("the task is done but its progress is {progress}%"),
                             progress=progress)
