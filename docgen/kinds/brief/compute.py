"""Computed fields of the `brief` kind (DOMAIN.md §1.3 and §1.4).

Added to the context (names are a contract with the templates):

``order_type_label``  the order type in the document's language(s): ``크리에이티브 제작``,
                      ``创意制作``, ``크리에이티브 제작 / 创意制作`` for ko+zh-CN
``work_type_label``   the same for ``work_type`` (신규 / 수정 / 재작업), or None
``days_until_due``    int, ``due_date − issued_date`` in days (from the brief's own
                      dates, never today's, so the document is reproducible); None
                      if either date is missing
``budget.amount``     Decimal when present
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...i18n.locale import DocLocale
from ...i18n.money import to_decimal
from .._labels import enum_label

# Top-level names compute() adds (``docgen template check --kind`` accepts them).
COMPUTED_FIELDS = (
    "order_type_label",
    "work_type_label",
    "days_until_due",
)


def compute(context: dict[str, Any], locale: DocLocale) -> None:
    """Add the brief's computed fields to ``context``."""
    context["order_type_label"] = enum_label("brief", ("order_type",), context.get("order_type"),
                                             locale)
    context["work_type_label"] = enum_label("brief", ("work_type",), context.get("work_type"),
                                            locale)

    issued, due = context.get("issued_date"), context.get("due_date")
    if isinstance(issued, dt.date) and isinstance(due, dt.date):
        context["days_until_due"] = (due - issued).days
    else:
        context["days_until_due"] = None

    budget = context.get("budget")
    if isinstance(budget, dict) and budget.get("amount") is not None:
        budget["amount"] = to_decimal(budget["amount"])
