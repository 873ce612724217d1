"""Payments: partial and full; every refusal is a clear message and changes nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from docgen.ledger.errors import LedgerInputError
from docgen.ledger.receivables import parse_amount, record_payment
from docgen.ledger.schema import payments
from tests.ledger.issuing import brief, cli, invoice, issue  # noqa: F401 (cli: a fixture)

TODAY = dt.date(2026, 12, 31)
NOW = dt.datetime(2026, 12, 31, 9, 0, tzinfo=dt.timezone.utc)
ISSUED = dt.date(2026, 10, 25)  # invoice() default; total 1,100,000 KRW


def pay(ledger: Any, number: str, amount: str, day: dt.date = dt.date(2026, 11, 30)) -> Any:
    with ledger.connection() as conn:
        return record_payment(conn, number, paid_date=day, amount=parse_amount(amount),
                              today=TODAY, recorded_at=NOW, recorded_by="kim")


def payment_rows(ledger: Any) -> int:
    with ledger.reading() as conn:
        return len(conn.execute(payments.select()).all())


@pytest.fixture
def number(ledger: Any) -> str:
    return str(issue(ledger, "invoice", invoice("J-1"), checks=False)["number"])


def test_partial_payments_then_in_full(ledger: Any, number: str) -> None:
    first = pay(ledger, number, "600,000")
    assert (first.amount, first.outstanding, first.currency) == (600_000, 500_000, "KRW")
    second = pay(ledger, number, "500000", dt.date(2026, 12, 15))
    assert second.outstanding == 0 and second.paid == 1_100_000
    assert payment_rows(ledger) == 2


def refused(ledger: Any, number: str, amount: str, day: dt.date = dt.date(2026, 11, 30)
            ) -> LedgerInputError:
    before = payment_rows(ledger)
    with pytest.raises(LedgerInputError) as exc:
        pay(ledger, number, amount, day)
    assert payment_rows(ledger) == before  # nothing changed
    assert exc.value.exit_code == 1
    return exc.value


def test_over_payment_is_refused(ledger: Any, number: str) -> None:
    pay(ledger, number, "1000000")
    err = refused(ledger, number, "100001")
    assert err.code == "over-payment"
    assert "100000" in str(err) and number in str(err)


def test_paying_twice_is_refused(ledger: Any, number: str) -> None:
    pay(ledger, number, "1100000")
    err = refused(ledger, number, "1")
    assert err.code == "paid-twice"
    assert "이미 전액 입금" in err.localized(_ko())


def test_paying_a_void_invoice_is_refused(ledger: Any, number: str) -> None:
    ledger.void(number, "금액 오류")
    err = refused(ledger, number, "1000")
    assert err.code == "void" and "금액 오류" in str(err)


def test_a_date_before_issue_or_in_the_future_is_refused(ledger: Any, number: str) -> None:
    err = refused(ledger, number, "1000", ISSUED - dt.timedelta(days=1))
    assert err.code == "date-before-issue" and "2026-10-24" in str(err)
    assert refused(ledger, number, "1000", TODAY + dt.timedelta(days=1)).code == "date-future"
    assert pay(ledger, number, "1000", ISSUED).outstanding == 1_099_000  # the issue day is fine


def test_unknown_numbers_and_other_kinds_are_refused(ledger: Any, number: str) -> None:
    err = refused(ledger, "INV-2026-9999", "1000")
    assert err.code == "unknown-number" and "INV-2026-9999" in str(err)
    brief_number = str(issue(ledger, "brief", brief("J-1"), checks=False)["number"])
    err = refused(ledger, brief_number, "1000")
    assert err.code == "not-invoice" and "brief" in str(err)


@pytest.mark.parametrize("amount, code", [("0", "amount"), ("-5", "amount"),
                                          ("100.5", "amount")])
def test_amounts_that_are_not_money_are_refused(ledger: Any, number: str, amount: str,
                                                code: str) -> None:
    assert refused(ledger, number, amount).code == code


def test_cents_where_the_currency_has_them(ledger: Any) -> None:
    number = str(issue(ledger, "invoice", invoice("J-2", currency="CNY", price=1585.2),
                       checks=False)["number"])
    assert pay(ledger, number, "1680.30").outstanding == Decimal("0.01")
    assert pay(ledger, number, "0.01").outstanding == 0


def test_a_payment_counts_for_the_corrected_invoice(ledger: Any, number: str) -> None:
    pay(ledger, number, "100000")
    issue(ledger, "invoice", {**invoice("J-1", price=500_000), "request_number": number},
          checks=False)  # corrected: 550,000
    assert pay(ledger, number, "450000").outstanding == 0


@pytest.mark.parametrize("text", ["abc", "", "1e400x", "NaN", "inf"])
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(LedgerInputError):
        parse_amount(text)


def _ko() -> Any:
    from docgen.i18n.catalog import translations
    return translations("messages", "ko").gettext


# --- the command ---------------------------------------------------------------------------

def test_paid_command_in_korean(ledger: Any, number: str, cli: Any) -> None:
    result = cli("paid", number, "--date", "2026-11-30", "--amount", "600000", "-l", "ko")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"청구서 {number}에 2026-11-30 입금 ₩600,000을(를) "
                                     "기록했습니다. 남은 미수금: ₩500,000.")
    result = cli("paid", number, "--date", "2026-12-01", "--amount", "600000", "-l", "zh-CN")
    assert result.exit_code == 1
    assert "超额收款" in result.output and "Traceback" not in result.output
    assert payment_rows(ledger) == 1
    result = cli("paid", "INV-2026-0404", "--amount", "1", "-l", "en")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no invoice numbered INV-2026-0404 in the ledger"
    result = cli("paid", number, "--amount", "lots", "-l", "en")
    assert result.exit_code == 1 and "'lots' is not an amount" in result.output


def test_receivables_command_text_and_workbook(ledger: Any, number: str, cli: Any,
                                               tmp_path: Any) -> None:
    import openpyxl
    pay(ledger, number, "100000")
    result = cli("receivables", "--as-of", "2026-12-31", "-l", "ko")
    assert result.exit_code == 0, result.output
    assert "₩1,000,000" in result.output and "60일 초과" in result.output
    assert "가장 오래된" not in result.output  # under the default limit: every invoice
    short = cli("receivables", "--as-of", "2026-12-31", "--limit", "0", "-l", "en")
    assert short.exit_code == 0 and "The 0 oldest of 1 unpaid invoices" in short.output
    assert number not in short.output and "₩1,000,000" in short.output
    every = cli("receivables", "--as-of", "2026-12-31", "--limit", "0", "--all", "-l", "en")
    assert number in every.output and "oldest" not in every.output
    out = tmp_path / "ar.xlsx"
    result = cli("receivables", "--as-of", "2026-12-31", "-f", "xlsx", "-o", str(out))
    assert result.exit_code == 0 and result.output.strip() == str(out)
    assert openpyxl.load_workbook(out).worksheets[0]["A3"].value == number
    again = cli("receivables", "-f", "xlsx", "-o", str(out), "-l", "en")
    assert again.exit_code == 4, again.output  # an existing file is never overwritten without --force
    assert cli("receivables", "-f", "xlsx", "-o", str(out), "--force").exit_code == 0
