"""Cross-field rules of the `invoice` kind (the tax number is checked for every kind)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...messages import N_
from ...rules import Findings


def check(data: dict[str, Any], findings: Findings) -> None:
    kind, rate = data.get("invoice_type"), data.get("vat_rate")
    if kind in ("zero_rated", "exempt") and rate not in (None, ""):
        try:
            positive = Decimal(str(rate)) > 0
        except InvalidOperation:
            return  # not a number: the schema reported it
        if positive:
            findings.warning(("vat_rate",), "vat_on_untaxed",
                             N_("zero-rated and exempt invoices normally carry no VAT"))
