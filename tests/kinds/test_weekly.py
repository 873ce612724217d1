"""Weekly report computed fields: the week (Mon–Sun), its label, send time, task groups."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import pytest

from docgen.i18n.locale import DocLocale
from docgen.kinds.weekly.compute import STATUSES, compute

from .support import context

TASKS = [
    {"task": "A", "status": "planned"},
    {"task": "B", "status": "done", "progress": 100},
    {"task": "C", "status": "blocked", "progress": 20},
    {"task": "D", "status": "in_progress", "progress": 55.5},
    {"task": "E", "status": "done"},
    {"task": "F", "status": "planned", "owner": "최유나"},
]


def weekly(week_start: str, tasks: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    return {"client": "한라식품", "week_start": week_start, "author": "최유나",
            "tasks": TASKS if tasks is None else tasks}


@pytest.mark.parametrize("given", ["2026-11-23", "2026-11-25", "2026-11-29"])
def test_week_start_moves_to_monday(given: str) -> None:
    # Monday itself, a Wednesday and the Sunday all report the week of 11-23.
    ctx = context("weekly", weekly(given))
    monday, sunday = dt.date(2026, 11, 23), dt.date(2026, 11, 29)
    assert ctx["week_start"] == monday and ctx["week_end"] == sunday
    assert ctx["period"] == {"start": monday, "end": sunday}
    assert ctx["send_at"] == dt.datetime(2026, 11, 30, 12, 0)
    assert ctx["send_at"].tzinfo is None


@pytest.mark.parametrize(("given", "locale", "label"), [
    ("2026-11-23", "ko", "2026년 11월 4주차"),
    ("2026-11-30", "ko", "2026년 12월 1주차"),   # Thursday rule: not 11월 5주차
    ("2026-12-02", "ko", "2026년 12월 1주차"),   # a Wednesday of the same week
    ("2026-11-01", "ko", "2026년 10월 5주차"),   # Sunday: the week of 10-26
    ("2027-01-01", "ko", "2026년 12월 5주차"),
    ("2026-11-23", "zh-CN", "2026年第48周"),
    ("2026-11-30", "zh-CN", "2026年第49周"),
    ("2027-01-01", "zh-CN", "2026年第53周"),      # ISO week-year, not CLDR's week 1
    ("2026-11-23", "zh-TW", "2026年第48週"),
    ("2026-11-23", "en", "Week 48, 2026"),
    ("2026-11-23", "ko+zh-CN", "2026년 11월 4주차"),  # formats follow the primary language
])
def test_week_label(given: str, locale: str, label: str) -> None:
    assert context("weekly", weekly(given), locale)["week_label"] == label


def test_send_at_across_the_year_end() -> None:
    ctx = context("weekly", weekly("2027-01-01"))
    assert ctx["week_start"] == dt.date(2026, 12, 28)
    assert ctx["week_end"] == dt.date(2027, 1, 3)
    assert ctx["send_at"] == dt.datetime(2027, 1, 4, 12, 0)


def test_tasks_grouped_by_status_in_input_order() -> None:
    ctx = context("weekly", weekly("2026-11-23"))
    groups = ctx["tasks_by_status"]
    assert list(groups) == ["done", "in_progress", "planned", "blocked"]
    assert [[t["task"] for t in groups[s]] for s in STATUSES] == [["B", "E"], ["D"],
                                                                  ["A", "F"], ["C"]]
    assert ctx["status_counts"] == {"done": 2, "in_progress": 1, "planned": 2, "blocked": 1}
    assert list(ctx["status_counts"]) == list(STATUSES)
    assert [t["task"] for t in ctx["this_week"]] == ["B", "C", "D", "E"]
    assert [t["task"] for t in ctx["next_week"]] == ["A", "F"]
    # The groups hold the context's own task dicts.
    assert groups["done"][0] is ctx["tasks"][1]


def test_all_status_keys_present_when_empty() -> None:
    ctx = context("weekly", weekly("2026-11-23", [{"task": "X", "status": "done"}]))
    assert ctx["tasks_by_status"] == {"done": [ctx["tasks"][0]], "in_progress": [],
                                      "planned": [], "blocked": []}
    assert ctx["status_counts"] == {"done": 1, "in_progress": 0, "planned": 0, "blocked": 0}
    assert ctx["next_week"] == []


def test_progress_left_as_given() -> None:
    ctx = context("weekly", weekly("2026-11-23"))
    assert [t["progress"] for t in ctx["tasks"]] == [None, 100, 20, 55.5, None, None]


@pytest.mark.parametrize(("locale", "labels"), [
    ("ko", ["예정", "완료", "보류", "진행 중"]),
    ("zh-CN", ["计划中", "已完成", "受阻", "进行中"]),
    ("zh-TW", ["規劃中", "已完成", "受阻", "進行中"]),
    ("en", ["Planned", "Done", "Blocked", "In progress"]),
    ("ko+zh-CN", ["예정 / 计划中", "완료 / 已完成", "보류 / 受阻", "진행 중 / 进行中"]),
])
def test_status_labels(locale: str, labels: list[str]) -> None:
    ctx = context("weekly", weekly("2026-11-23"), locale)
    assert [t["status_label"] for t in ctx["tasks"][:4]] == labels


def test_compute_directly_on_a_context() -> None:
    ctx: dict[str, Any] = {"week_start": dt.date(2026, 11, 29),
                           "tasks": [{"task": "a", "status": "blocked", "progress": None}]}
    compute(ctx, DocLocale("zh-CN"))
    assert ctx["week_start"] == dt.date(2026, 11, 23)
    assert ctx["week_label"] == "2026年第48周"
    assert ctx["status_counts"]["blocked"] == 1
    assert ctx["this_week"] == ctx["tasks"] and ctx["next_week"] == []
