"""Invoice computed fields: line amounts, VAT by country, totals, words, due date.

Expected figures are DOMAIN.md §4 "Verified arithmetic" plus cases derived by hand
from the rules there: KR VAT 원 미만 절사, CN 四舍五入 to 分, TW 四捨五入 to 元.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

import pytest

from docgen.i18n.locale import DocLocale
from docgen.kinds.invoice.compute import compute, vat_amount

from .support import context


def invoice(currency: str, items: list[tuple[Any, Any]], country: Optional[str] = None,
            **extra: Any) -> dict[str, Any]:
    client: dict[str, Any] = {"name": "Client", "tax_id": "000"}
    if country is not None:
        client["country"] = country
    data: dict[str, Any] = {
        "job_number": "HL-2026-0417", "client": client, "issue_date": "2026-11-27",
        "currency": currency,
        "items": [{"description": f"line {i}", "quantity": q, "unit_price": p}
                  for i, (q, p) in enumerate(items, 1)],
    }
    data.update(extra)
    return data


# (currency, client country, items, locale) -> (subtotal, vat, total, words)
DOMAIN_CASES = [
    ("KRW", "KR", [(1, 1234567)], "ko",
     ("1234567", "123456", "1358023", "일금 일백삼십오만팔천이십삼원정")),
    ("CNY", "CN", [(1, 12345.67)], "zh-CN",
     ("12345.67", "740.74", "13086.41", "人民币壹万叁仟零捌拾陆元肆角壹分")),
    ("TWD", "TW", [(1, 2100)], "zh-TW",
     ("2100", "105", "2205", "新臺幣貳仟貳佰零伍元整")),
]


@pytest.mark.parametrize(("currency", "country", "items", "locale", "expected"), DOMAIN_CASES)
def test_domain_verified_arithmetic(currency: str, country: str, items: list[tuple[Any, Any]],
                                    locale: str, expected: tuple[str, str, str, str]) -> None:
    ctx = context("invoice", invoice(currency, items, country), locale)
    subtotal, vat, total, words = expected
    assert ctx["subtotal"] == Decimal(subtotal) and str(ctx["subtotal"]) == subtotal
    assert str(ctx["vat"]) == vat
    assert str(ctx["total"]) == total
    assert ctx["amount_words"] == words
    assert ctx["country"] == country


@pytest.mark.parametrize(("currency", "country"), [("KRW", "KR"), ("CNY", "CN"),
                                                   ("TWD", "TW"), ("USD", None)])
def test_country_inferred_from_currency(currency: str, country: Optional[str]) -> None:
    ctx = context("invoice", invoice(currency, [(1, 100)]))
    assert ctx["country"] == country


def test_client_country_beats_currency() -> None:
    # A TW client billed in USD: TW rate and half-up, at the USD cent.
    ctx = context("invoice", invoice("USD", [(1, "1000.10")], "TW"), "en")
    assert ctx["country"] == "TW"
    assert ctx["vat_rate"] == Decimal("0.05")
    assert str(ctx["vat"]) == "50.01"  # 50.005 -> 50.01


@pytest.mark.parametrize(("country", "rate", "percent"), [
    ("KR", "0.10", "10"), ("CN", "0.06", "6"), ("TW", "0.05", "5"), (None, "0", "0"),
])
def test_default_vat_rate(country: Optional[str], rate: str, percent: str) -> None:
    currency = {"KR": "KRW", "CN": "CNY", "TW": "TWD", None: "USD"}[country]
    ctx = context("invoice", invoice(currency, [(1, 1000)]))
    assert ctx["vat_rate"] == Decimal(rate) and isinstance(ctx["vat_rate"], Decimal)
    assert str(ctx["vat_percent"]) == percent


def test_given_vat_rate_is_exact_decimal() -> None:
    # CN 小规模纳税人 3%; a YAML float must not bring binary noise into the VAT.
    ctx = context("invoice", invoice("CNY", [(1, 10000.00)], "CN", vat_rate=0.03), "zh-CN")
    assert ctx["vat_rate"] == Decimal("0.03")
    assert str(ctx["vat"]) == "300.00" and str(ctx["total"]) == "10300.00"
    ctx = context("invoice", invoice("KRW", [(1, 3000000)], vat_rate=0.1))
    assert str(ctx["vat"]) == "300000" and str(ctx["total"]) == "3300000"
    half = context("invoice", invoice("KRW", [(1, 1000)], vat_rate=0.055))
    assert str(half["vat_percent"]) == "5.5"


@pytest.mark.parametrize("invoice_type", ["zero_rated", "exempt"])
def test_untaxed_invoice_types_default_to_zero(invoice_type: str) -> None:
    ctx = context("invoice", invoice("KRW", [(1, 5000000)], "KR", invoice_type=invoice_type))
    assert ctx["vat_rate"] == 0 and ctx["vat"] == 0 and str(ctx["total"]) == "5000000"
    # An explicit rate still wins.
    ctx = context("invoice", invoice("KRW", [(1, 5000000)], "KR", invoice_type=invoice_type,
                                     vat_rate=0.1))
    assert str(ctx["vat"]) == "500000"


# Rounding of the VAT: KR truncates, CN/TW round half-up (not half-even).
VAT_CASES = [
    # KR 1,234,569 x 10% = 123,456.9 -> 123,456 (원 미만 절사)
    ("KRW", "KR", "1234569", "123456", "1358025"),
    # KR 1,234,565 x 10% = 123,456.5 -> 123,456; half-up would say 123,457
    ("KRW", "KR", "1234565", "123456", "1358021"),
    # CN 1,000.75 x 6% = 60.045 -> 60.05 (half-even would give 60.04)
    ("CNY", "CN", "1000.75", "60.05", "1060.80"),
    # CN 1,000.08 x 6% = 60.0048 -> 60.00
    ("CNY", "CN", "1000.08", "60.00", "1060.08"),
    # TW 2,130 x 5% = 106.5 -> 107 (half-even would give 106)
    ("TWD", "TW", "2130", "107", "2237"),
    # TW 2,109 x 5% = 105.45 -> 105
    ("TWD", "TW", "2109", "105", "2214"),
    # TW 496,170 x 5% = 24,808.5 -> 24,809 (the zh-TW sample)
    ("TWD", "TW", "496170", "24809", "520979"),
    # USD billed to a KR client: KR truncation at the cent: 123.456 -> 123.45
    ("USD", "KR", "1234.56", "123.45", "1358.01"),
]


@pytest.mark.parametrize(("currency", "country", "subtotal", "vat", "total"), VAT_CASES)
def test_vat_rounding_by_country(currency: str, country: str, subtotal: str, vat: str,
                                 total: str) -> None:
    ctx = context("invoice", invoice(currency, [(1, Decimal(subtotal))], country))
    assert str(ctx["subtotal"]) == subtotal
    assert str(ctx["vat"]) == vat
    assert str(ctx["total"]) == total


def test_vat_amount_helper() -> None:
    assert vat_amount(Decimal("1234569"), Decimal("0.10"), "KRW", "KR") == Decimal("123456")
    assert vat_amount(Decimal("1234565"), Decimal("0.10"), "KRW", "CN") == Decimal("123457")
    assert str(vat_amount(Decimal("0"), Decimal("0.06"), "CNY", "CN")) == "0.00"


def test_multi_line_tax_on_subtotal() -> None:
    # DOMAIN.md §4: 3 x 10.25 @6%: tax on the total is 1.85 (per line it would be 1.86).
    ctx = context("invoice", invoice("CNY", [(3, 10.25)], "CN"), "zh-CN")
    assert str(ctx["items"][0]["amount"]) == "30.75"
    assert str(ctx["vat"]) == "1.85" and str(ctx["total"]) == "32.60"
    ctx = context("invoice", invoice("CNY", [(1, 10.25)] * 3, "CN"), "zh-CN")
    assert str(ctx["subtotal"]) == "30.75" and str(ctx["vat"]) == "1.85"


def test_multi_line_korean_invoice() -> None:
    # The ko sample: 35,000,000 + 4 x 18,500,000 + 3 x 2,750,000 + 386,417.
    items = [(1, 35000000), (4, 18500000), (3, 2750000), (1, 386417)]
    ctx = context("invoice", invoice("KRW", items, "KR"))
    assert [str(i["amount"]) for i in ctx["items"]] == ["35000000", "74000000", "8250000",
                                                        "386417"]
    assert str(ctx["subtotal"]) == "117636417"
    assert str(ctx["vat"]) == "11763641"  # 11,763,641.7 truncated
    assert str(ctx["total"]) == "129400058"
    assert ctx["amount_words"] == "일금 일억이천구백사십만오십팔원정"


def test_multi_line_chinese_invoice() -> None:
    items = [(3, 28500.00), (2, 46800.00), (6, 3250.50), (1, 12345.67)]
    ctx = context("invoice", invoice("CNY", items, "CN"), "zh-CN")
    assert [str(i["amount"]) for i in ctx["items"]] == ["85500.00", "93600.00", "19503.00",
                                                        "12345.67"]
    assert str(ctx["subtotal"]) == "210948.67"
    assert str(ctx["vat"]) == "12656.92"  # 12,656.9202
    assert str(ctx["total"]) == "223605.59"
    assert ctx["amount_words"] == "人民币贰拾贰万叁仟陆佰零伍元伍角玖分"


@pytest.mark.parametrize(("currency", "quantity", "price", "amount"), [
    ("KRW", 2.5, 6840000, "17100000"),   # 2.5 man-months
    ("KRW", 1.5, 333, "500"),            # 499.5 -> 500, half-up
    ("KRW", 0.5, 999, "500"),            # 499.5 -> 500
    ("CNY", 3, "3.335", "10.01"),        # 10.005 -> 10.01
    ("CNY", 0.333, 100, "33.30"),
    ("TWD", 1.5, 1001, "1502"),          # 1501.5 -> 1502
    ("USD", 7.5, 19.99, "149.93"),       # 149.925 -> 149.93
])
def test_line_amount_half_up(currency: str, quantity: Any, price: Any, amount: str) -> None:
    ctx = context("invoice", invoice(currency, [(quantity, price)]))
    line = ctx["items"][0]
    assert str(line["amount"]) == amount
    assert line["quantity"] == Decimal(str(quantity))
    assert line["unit_price"] == Decimal(str(price))


def test_everything_is_decimal_never_float() -> None:
    ctx = context("invoice", invoice("CNY", [(2, 0.1), (3, 0.2)], "CN", vat_rate=0.06), "zh-CN")
    for item in ctx["items"]:
        for key in ("quantity", "unit_price", "amount"):
            assert type(item[key]) is Decimal, key
    for key in ("vat_rate", "vat_percent", "subtotal", "vat", "total"):
        assert type(ctx[key]) is Decimal, key
    # 2 x 0.1 + 3 x 0.2 is exactly 0.80 (binary floats would not say so).
    assert str(ctx["subtotal"]) == "0.80" and str(ctx["vat"]) == "0.05"


@pytest.mark.parametrize(("terms", "due"), [
    (None, dt.date(2027, 1, 11)),  # default 45 days from 2026-11-27
    (30, dt.date(2026, 12, 27)),
    (0, dt.date(2026, 11, 27)),
    (60, dt.date(2027, 1, 26)),
])
def test_due_date(terms: Optional[int], due: dt.date) -> None:
    extra: dict[str, Any] = {} if terms is None else {"payment_terms_days": terms}
    ctx = context("invoice", invoice("KRW", [(1, 1000)], **extra))
    assert ctx["payment_terms_days"] == (45 if terms is None else terms)
    assert ctx["due_date"] == due and type(ctx["due_date"]) is dt.date


@pytest.mark.parametrize(("locale", "primary", "secondary"), [
    ("ko", "일금 일백삼십오만팔천이십삼원정", None),
    ("en", "Korean Won One Million Three Hundred Fifty-Eight Thousand Twenty-Three Only", None),
    ("zh-CN", "韩元壹佰叁拾伍万捌仟零贰拾叁元整", None),
    ("ko+zh-CN", "일금 일백삼십오만팔천이십삼원정", "韩元壹佰叁拾伍万捌仟零贰拾叁元整"),
])
def test_amount_words_in_document_language(locale: str, primary: str,
                                           secondary: Optional[str]) -> None:
    ctx = context("invoice", invoice("KRW", [(1, 1234567)], "KR"), locale)
    assert ctx["amount_words"] == primary
    assert ctx["amount_words_secondary"] == secondary


def test_usd_without_country_has_no_vat() -> None:
    ctx = context("invoice", invoice("USD", [(2, 1234.5)]), "en")
    assert ctx["country"] is None and ctx["vat_rate"] == 0
    assert str(ctx["subtotal"]) == "2469.00" and str(ctx["vat"]) == "0.00"
    assert ctx["amount_words"] == "US Dollars Two Thousand Four Hundred Sixty-Nine Only"


def test_compute_directly_on_a_context() -> None:
    ctx: dict[str, Any] = {
        "currency": "TWD", "client": {"name": "山嵐咖啡", "tax_id": "53029184", "country": None},
        "issue_date": dt.date(2026, 12, 21), "vat_rate": None, "payment_terms_days": 30,
        "invoice_type": None,
        "items": [{"description": "焦點團體座談", "quantity": 2, "unit_price": 95500}],
    }
    compute(ctx, DocLocale("zh-TW"))
    assert ctx["country"] == "TW"
    assert ctx["items"][0]["amount"] == Decimal("191000")
    assert ctx["vat"] == Decimal("9550") and ctx["total"] == Decimal("200550")
    assert ctx["amount_words"] == "新臺幣貳拾萬零伍佰伍拾元整"
    assert ctx["due_date"] == dt.date(2027, 1, 20)
