"""Cross-field rules of the `brief` kind."""
from __future__ import annotations

from typing import Any

from ...messages import N_
from ...rules import Findings, check_amount, date_at, items, number_at


def check(data: dict[str, Any], findings: Findings) -> None:
    budget = data.get("budget")
    amount = number_at(budget, "amount")
    if isinstance(budget, dict) and amount is not None:
        check_amount(findings, ("budget", "amount"), amount, budget.get("currency"), N_(
            "the budget ({amount}) is too large: it must be less than {limit} (Excel keeps "
            "15 digits)"))
    issued, due = date_at(data, "issued_date"), date_at(data, "due_date")
    if issued is not None and due is not None and due < issued:
        findings.error(("due_date",), "due_before_issue",
                       N_("must be on or after the issue date ({date})"), date=issued.isoformat())
    for i, item in items(data, "deliverables"):
        item_due = date_at(item, "due")
        if item_due is None:
            continue
        if due is not None and item_due > due:
            findings.warning(("deliverables", i, "due"), "after_order_due",
                             N_("{due} is after the order's due date ({date})"),
                             due=item_due.isoformat(), date=due.isoformat())
        elif issued is not None and item_due < issued:
            findings.warning(("deliverables", i, "due"), "due_before_issue",
                             N_("{due} is before the issue date ({date})"),
                             due=item_due.isoformat(), date=issued.isoformat())
