"""Cross-field rules of the `invoice` kind (the tax number is checked for every kind)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from ...messages import N_
from ...rules import Findings, check_amount, date_at, items, number_at
from .compute import DEFAULT_PAYMENT_TERMS_DAYS


def check(data: dict[str, Any], findings: Findings) -> None:
    kind, rate = data.get("invoice_type"), data.get("vat_rate")
    if kind in ("zero_rated", "exempt") and rate not in (None, ""):
        try:
            positive = Decimal(str(rate)) > 0
        except InvalidOperation:
            positive = False  # not a number: the schema reported it
        if positive:
            findings.warning(("vat_rate",), "vat_on_untaxed",
                             N_("zero-rated and exempt invoices normally carry no VAT"))
    check_amounts(data, findings)
    check_due_date(data, findings)


def check_amounts(data: dict[str, Any], findings: Findings) -> None:
    """Every line amount, and the total with VAT, small enough to write exactly (the
    amount in words, the money filter and Excel's 15 digits: values.money_limit)."""
    currency = data.get("currency")
    subtotal = Decimal(0)
    for i, item in items(data, "items"):
        quantity, price = number_at(item, "quantity"), number_at(item, "unit_price")
        if quantity is None or price is None:
            continue
        amount = quantity * price
        if not check_amount(findings, ("items", i, "unit_price"), amount, currency, N_(
                "the line amount ({amount}) is too large: an amount in {currency} must be "
                "less than {limit} (Excel keeps 15 digits)")):
            return
        subtotal += amount
    rate = number_at(data, "vat_rate") or Decimal("0.10")  # at most 1: the schema's maximum
    check_amount(findings, ("items",), subtotal * (1 + min(abs(rate), Decimal(1))), currency, N_(
        "the invoice total ({amount}) is too large: an amount in {currency} must be less "
        "than {limit} (Excel keeps 15 digits)"))


def check_due_date(data: dict[str, Any], findings: Findings) -> None:
    """The due date (issue date + payment terms) must exist: 9999-12-31 is the last."""
    issued = date_at(data, "issue_date")
    terms = data.get("payment_terms_days")
    given = terms is not None
    if not given:
        days = DEFAULT_PAYMENT_TERMS_DAYS
    elif isinstance(terms, int) and not isinstance(terms, bool) and 0 <= terms <= 3650:
        days = terms  # (3650: the schema's maximum)
    else:
        return  # terms the schema reported
    if issued is None:
        return
    if (dt.date.max - issued).days < days:
        findings.error(("payment_terms_days",) if given else ("issue_date",), "due_date_range",
                       N_("the due date ({date} + {days} days) would be after 9999-12-31, "
                          "the last date a document can show"), date=issued.isoformat(),
                       days=days)
