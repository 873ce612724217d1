"""Computed fields of the `brief` kind (DOMAIN.md §1.3 and §1.4).

Added to the context (names are a contract with the templates):

``order_type_label``  the order type in the document's language(s): ``크리에이티브 제작``,
                      ``创意制作``, ``크리에이티브 제작 / 创意制作`` for ko+zh-CN
``work_type_label``   the same for ``work_type`` (신규 / 수정 / 재작업), or None
``days_until_due``    int, ``due_date − issued_date`` in days (from the brief's own
                      dates, never today's, so the document is reproducible); None
                      if either date is missing
``due_in``            those days in words: ``3일 후`` / ``in 3 days``, ``due today``,
                      ``2 days overdue`` (both languages in a bilingual brief); None
                      with ``days_until_due``
``has_brief_text``    bool: any of the brief's texts is given (background, objective,
                      target audience, insight, key message, reason to believe, tone)
``budget.amount``     Decimal when present
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...i18n.catalog import Labels
from ...i18n.locale import DocLocale
from ...i18n.money import to_decimal
from .._labels import enum_label

# Top-level names compute() adds (``docgen template check --kind`` accepts them).
# (order_type_label and work_type_label are docgen.enrich's, for every enum field; set
# again below without the second-language marks, so the documents stay as they were.)
COMPUTED_FIELDS = (
    "days_until_due",
    "due_in",
    "has_brief_text",
)

# The texts of the brief proper (its "Brief" section shows when any is given).
BRIEF_TEXTS = ("background", "objective", "target_audience", "insight", "key_message",
               "reason_to_believe", "tone")


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
    context["due_in"] = due_in(context["days_until_due"], Labels(locale, marked=True))

    context["has_brief_text"] = any(context.get(name) for name in BRIEF_TEXTS)

    budget = context.get("budget")
    if isinstance(budget, dict) and budget.get("amount") is not None:
        budget["amount"] = to_decimal(budget["amount"])


def due_in(days: Any, labels: Labels) -> Any:
    """``days`` until the due date in words (catalog labels), None for None."""
    if days is None:
        return None
    if days > 0:
        return labels.gettext("in {days} days", days=days)
    if days == 0:
        return labels.gettext("due today")
    return labels.gettext("{days} days overdue", days=-days)
