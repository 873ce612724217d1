"""Computed fields of the `invoice` kind (DOMAIN.md §1.6 and §4).

Added to the context (names are a contract with the templates):

``country``                 ``"KR"``/``"CN"``/``"TW"`` from ``client.country``, else from
                            the currency (KRW→KR, CNY→CN, TWD→TW), else None
``vat_rate``                Decimal: as given, else 0 for ``zero_rated``/``exempt``
                            invoices, else KR 0.10 / CN 0.06 / TW 0.05 / unknown 0
``vat_percent``             Decimal, the rate in percent for display (``10``, ``6``, ``5.5``)
``payment_terms_days``      int, 45 when absent
``items[i].quantity``       Decimal
``items[i].unit_price``     Decimal
``items[i].amount``         Decimal, quantity × unit price rounded half-up to the
                            currency's document unit
``subtotal``                Decimal, the sum of the line amounts (공급가액 / 金额)
``vat``                     Decimal, subtotal × rate: KR truncates below the currency
                            unit (원 미만 절사), CN/TW/other round half-up
``total``                   Decimal, subtotal + vat (합계금액 / 价税合计 / 總計)
``amount_words``            the total in words in the document's primary language
``amount_words_secondary``  the same in the secondary language of a bilingual
                            document, else None
``due_date``                date, issue_date + payment_terms_days

All arithmetic is Decimal; input numbers (int, float or Decimal) go through
``money.to_decimal`` so a YAML ``0.1`` stays exactly 0.1.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Optional

from ...i18n.locale import DocLocale
from ...i18n.money import minor_digits, round_money, to_decimal
from ...i18n.words import amount_in_words

DEFAULT_PAYMENT_TERMS_DAYS = 45

# Standard rate for agency services by country (DOMAIN.md §4): KR 부가가치세 10%,
# CN 增值税 6% (一般纳税人, 现代服务), TW 營業稅 5%.
DEFAULT_VAT_RATES = {"KR": Decimal("0.10"), "CN": Decimal("0.06"), "TW": Decimal("0.05")}

# Country implied by the invoice currency when the client gives none. USD says
# nothing about where the invoice is issued, so it implies no country.
CURRENCY_COUNTRIES = {"KRW": "KR", "CNY": "CN", "TWD": "TW"}

# Invoice types that carry no VAT unless a rate is given explicitly.
UNTAXED_TYPES = frozenset({"zero_rated", "exempt"})

# Countries whose VAT is cut off below the currency unit instead of rounded:
# Korean practice is 세액 = 공급가액 × 10%, 원 미만 절사.
TRUNCATING_COUNTRIES = frozenset({"KR"})


# Top-level names compute() adds (``docgen template check --kind`` accepts them).
COMPUTED_FIELDS = (
    "country",
    "vat_percent",
    "subtotal",
    "vat",
    "total",
    "amount_words",
    "amount_words_secondary",
    "due_date",
)


def compute(context: dict[str, Any], locale: DocLocale) -> None:
    """Add the invoice's computed fields to ``context`` (see the module docstring)."""
    currency = str(context["currency"]).strip().upper()
    context["currency"] = currency
    country = invoice_country(context.get("client"), currency)
    context["country"] = country

    rate = vat_rate(context.get("vat_rate"), country, context.get("invoice_type"))
    context["vat_rate"] = rate
    context["vat_percent"] = _plain(rate * 100)

    subtotal = Decimal(0)
    for item in context.get("items") or []:
        quantity = to_decimal(item["quantity"])
        unit_price = to_decimal(item["unit_price"])
        item["quantity"] = quantity
        item["unit_price"] = unit_price
        item["amount"] = round_money(quantity * unit_price, currency)
        subtotal += item["amount"]
    # The line amounts are already at the minor unit; this only fixes the exponent
    # (an empty list would otherwise give a bare Decimal(0) for CNY).
    subtotal = round_money(subtotal, currency)
    vat = vat_amount(subtotal, rate, currency, country)
    total = subtotal + vat
    context["subtotal"] = subtotal
    context["vat"] = vat
    context["total"] = total
    context["amount_words"] = amount_in_words(total, currency, locale.primary)
    context["amount_words_secondary"] = (
        amount_in_words(total, currency, locale.secondary) if locale.secondary else None
    )

    terms = context.get("payment_terms_days")
    days = DEFAULT_PAYMENT_TERMS_DAYS if terms is None else int(terms)
    context["payment_terms_days"] = days
    issue_date = context.get("issue_date")
    context["due_date"] = (
        issue_date + dt.timedelta(days=days) if isinstance(issue_date, dt.date) else None
    )


def invoice_country(client: Any, currency: str) -> Optional[str]:
    """The client's country, else the one the currency implies, else None."""
    if isinstance(client, dict) and client.get("country"):
        return str(client["country"]).strip().upper()
    return CURRENCY_COUNTRIES.get(currency)


def vat_rate(given: Any, country: Optional[str], invoice_type: Any = None) -> Decimal:
    """The VAT rate as a Decimal fraction: the given one, else the default."""
    if given is not None:
        return to_decimal(given)
    if invoice_type in UNTAXED_TYPES:
        return Decimal(0)
    return DEFAULT_VAT_RATES.get(country or "", Decimal(0))


def vat_amount(subtotal: Decimal, rate: Decimal, currency: str, country: Optional[str]) -> Decimal:
    """VAT on ``subtotal`` at the currency's document unit.

    The unit comes from the currency (KRW/TWD whole, CNY/USD cents); the rounding
    rule from the country (KR truncates, everyone else rounds half-up).
    """
    quantum = Decimal(1).scaleb(-minor_digits(currency))
    rounding = ROUND_DOWN if country in TRUNCATING_COUNTRIES else ROUND_HALF_UP
    vat = (subtotal * rate).quantize(quantum, rounding=rounding)
    return vat.copy_abs() if vat.is_zero() else vat


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and without exponent notation (10, not 1E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
