"""Creative brief computed fields: localized order/work type, days to due, budget."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from docgen.i18n.locale import DocLocale
from docgen.kinds.brief.compute import compute

from .support import context


def brief(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "job_number": "HL-2026-0417", "order_type": "creative", "client": "한라식품",
        "project": "제주 한 모금", "issued_date": "2026-11-16", "due_date": "2026-12-18",
        "deliverables": [{"item": "키 비주얼"}],
    }
    data.update(extra)
    return data


ORDER_TYPE_LABELS = {
    "ko": {"creative": "크리에이티브 제작", "research": "조사·리서치", "media": "매체 집행"},
    "zh-CN": {"creative": "创意制作", "research": "市场调研", "media": "媒介投放"},
    "zh-TW": {"creative": "創意製作", "research": "市場調查", "media": "媒體投放"},
    "en": {"creative": "Creative", "research": "Research", "media": "Media"},
}


@pytest.mark.parametrize("locale", list(ORDER_TYPE_LABELS))
@pytest.mark.parametrize("order_type", ["creative", "research", "media"])
def test_order_type_label(locale: str, order_type: str) -> None:
    ctx = context("brief", brief(order_type=order_type), locale)
    assert ctx["order_type_label"] == ORDER_TYPE_LABELS[locale][order_type]


@pytest.mark.parametrize(("locale", "label"), [
    ("ko+zh-CN", "크리에이티브 제작 / 创意制作"),
    ("zh-CN+ko", "创意制作 / 크리에이티브 제작"),
    ("en+zh-TW", "Creative / 創意製作"),
])
def test_order_type_label_bilingual(locale: str, label: str) -> None:
    assert context("brief", brief(), locale)["order_type_label"] == label


@pytest.mark.parametrize(("locale", "work_type", "label"), [
    ("ko", "new", "신규"), ("ko", "revision", "수정"), ("ko", "rework", "재작업"),
    ("zh-CN", "rework", "返工"), ("zh-TW", "new", "新製"), ("en", "revision", "Revision"),
    ("ko+zh-CN", "rework", "재작업 / 返工"),
])
def test_work_type_label(locale: str, work_type: str, label: str) -> None:
    ctx = context("brief", brief(work_type=work_type), locale)
    assert ctx["work_type_label"] == label


def test_work_type_label_absent() -> None:
    assert context("brief", brief())["work_type_label"] is None


@pytest.mark.parametrize(("issued", "due", "days"), [
    ("2026-11-16", "2026-12-18", 32),
    ("2026-11-30", "2026-12-01", 1),
    ("2026-12-20", "2027-01-05", 16),   # across the year end
    ("2026-11-27", "2026-11-27", 0),
    ("2026-11-27", "2026-11-20", -7),   # an overdue re-issue stays truthful
])
def test_days_until_due(issued: str, due: str, days: int) -> None:
    ctx = context("brief", brief(issued_date=issued, due_date=due))
    assert ctx["days_until_due"] == days


@pytest.mark.parametrize(("amount", "expected"), [
    (185000000, Decimal("185000000")),
    (680000.5, Decimal("680000.5")),
    (Decimal("12345.67"), Decimal("12345.67")),
])
def test_budget_amount_decimal(amount: Any, expected: Decimal) -> None:
    ctx = context("brief", brief(budget={"amount": amount, "currency": "KRW"}))
    assert ctx["budget"]["amount"] == expected and type(ctx["budget"]["amount"]) is Decimal
    assert ctx["budget"]["currency"] == "KRW"


def test_budget_absent_or_without_amount() -> None:
    assert context("brief", brief())["budget"] is None
    ctx = context("brief", brief(budget={"currency": "CNY", "note": "TBD"}))
    assert ctx["budget"]["amount"] is None


def test_compute_directly_on_a_context() -> None:
    ctx: dict[str, Any] = {"order_type": "media", "work_type": None,
                           "issued_date": dt.date(2026, 11, 9), "due_date": dt.date(2026, 11, 30),
                           "budget": {"amount": 320000000, "currency": "KRW", "note": None}}
    compute(ctx, DocLocale("en"))
    assert ctx["order_type_label"] == "Media" and ctx["work_type_label"] is None
    assert ctx["days_until_due"] == 21
    assert ctx["budget"]["amount"] == Decimal("320000000")
