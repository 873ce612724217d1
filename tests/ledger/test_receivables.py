"""Receivables: aging buckets on specific dates, totals per client/AE/currency, the text
report and the workbook (schema-valid, read by openpyxl and LibreOffice)."""
from __future__ import annotations

import datetime as dt
import random
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from docgen.i18n.locale import DocLocale
from docgen.ledger.aging import BUCKETS, Receivables, bucket_index, days_past_due
from docgen.ledger.receivables import receivables, record_payment
from docgen.ledger.report_text import receivables_text
from docgen.ledger.report_xlsx import write_receivables_xlsx
from tests import ooxml_schema
from tests.ledger.issuing import invoice, issue

AS_OF = dt.date(2026, 12, 31)
NOW = dt.datetime(2026, 12, 31, 9, 0, tzinfo=dt.timezone.utc)


def imported(ledger: Any, age: int, **kw: Any) -> str:
    """An invoice issued ``age`` days before AS_OF (no job checks, as an import)."""
    row = issue(ledger, "invoice", invoice(kw.pop("job", "J-1"), day=AS_OF - dt.timedelta(days=age),
                                           **kw), checks=False)
    return str(row["number"])


def pay(ledger: Any, number: str, amount: str, day: dt.date) -> None:
    with ledger.connection() as conn:
        record_payment(conn, number, paid_date=day, amount=Decimal(amount),
                       today=dt.date(2027, 12, 31), recorded_at=NOW)


def report(ledger: Any, as_of: dt.date = AS_OF) -> Receivables:
    with ledger.reading() as conn:
        return receivables(conn, as_of)


@pytest.mark.parametrize("age, bucket", [(0, 0), (30, 0), (31, 1), (45, 1), (46, 2), (60, 2),
                                         (61, 3), (400, 3)])
def test_bucket_boundaries(age: int, bucket: int) -> None:
    assert bucket_index(age) == bucket


def test_days_past_due() -> None:
    due = dt.date(2026, 12, 1)
    assert days_past_due(due, dt.date(2026, 11, 30)) == 0
    assert days_past_due(due, due) == 0
    assert days_past_due(due, dt.date(2026, 12, 31)) == 30


def test_aging_on_specific_dates(ledger: Any) -> None:
    ages = [0, 30, 31, 45, 46, 60, 61, 200]
    numbers = [imported(ledger, age) for age in ages]
    imported(ledger, -1)  # issued after the report date: not in it
    got = report(ledger)
    assert [(i.number, i.age_days, i.bucket) for i in sorted(got.invoices,
                                                             key=lambda i: i.age_days)] == [
        (n, a, bucket_index(a)) for n, a in zip(numbers, ages)]
    by_age = {i.age_days: i for i in got.invoices}
    # due = issue + 45 days: 46 days old is 1 day past due, 45 days old is not yet
    assert by_age[45].past_due_days == 0 and by_age[46].past_due_days == 1
    assert by_age[200].past_due_days == 155
    assert by_age[0].due_date == AS_OF + dt.timedelta(days=45)
    (krw,) = got.by_currency
    each = Decimal(1_100_000)  # 1,000,000 + 10% VAT
    assert krw.amounts == [2 * each, 2 * each, 2 * each, 2 * each]
    assert krw.count == 8


def test_payment_terms_set_the_due_date(ledger: Any) -> None:
    imported(ledger, 40, terms=30)
    (inv,) = report(ledger).invoices
    assert inv.due_date == AS_OF - dt.timedelta(days=10) and inv.past_due_days == 10
    assert inv.bucket == 1  # the bucket follows the age since issue, not the due date


def test_payments_reduce_what_is_owed_up_to_the_report_date(ledger: Any) -> None:
    partly = imported(ledger, 50)
    settled = imported(ledger, 70)
    late = imported(ledger, 20)
    pay(ledger, partly, "400000", AS_OF - dt.timedelta(days=5))
    pay(ledger, settled, "1100000", AS_OF - dt.timedelta(days=1))
    pay(ledger, late, "1100000", AS_OF + dt.timedelta(days=3))  # after the report date
    got = {i.number: i for i in report(ledger).invoices}
    assert set(got) == {partly, late}
    assert got[partly].paid == Decimal(400_000) and got[partly].outstanding == Decimal(700_000)
    assert got[late].outstanding == Decimal(1_100_000)
    assert {i.number for i in report(ledger, AS_OF + dt.timedelta(days=3)).invoices} == {partly}


def test_void_and_superseded_invoices_are_not_owed(ledger: Any) -> None:
    void = imported(ledger, 10)
    ledger.void(void, "잘못 발행")
    first = imported(ledger, 10, price=2_000_000)
    pay(ledger, first, "1000000", AS_OF)
    again = issue(ledger, "invoice", {**invoice("J-1", day=AS_OF - dt.timedelta(days=10),
                                                price=1_500_000), "request_number": first},
                  checks=False)
    (inv,) = report(ledger).invoices
    assert inv.number == first and inv.revision == again["revision"] == 1
    # the correction's total with VAT, less what was paid against the first revision
    assert inv.total == Decimal(1_650_000) and inv.outstanding == Decimal(650_000)


def test_totals_per_client_ae_and_currency_never_mix_currencies(ledger: Any) -> None:
    imported(ledger, 10, client="한빛전자", ae="김지현")
    imported(ledger, 50, client="한빛전자", ae="이서준")
    imported(ledger, 70, client="上海零售", currency="CNY", price=1585.2, ae="김지현")
    got = report(ledger)
    assert [(t.currency, t.total) for t in got.by_currency] == [
        ("CNY", Decimal("1680.31")), ("KRW", Decimal(2_200_000))]
    assert [(t.label, t.currency, t.total) for t in got.by_client] == [
        ("上海零售", "CNY", Decimal("1680.31")), ("한빛전자", "KRW", Decimal(2_200_000))]
    assert [(t.label, t.currency, t.amounts) for t in got.by_ae] == [
        ("김지현", "CNY", [0, 0, 0, Decimal("1680.31")]),
        ("김지현", "KRW", [Decimal(1_100_000), 0, 0, 0]),
        ("이서준", "KRW", [0, 0, Decimal(1_100_000), 0])]


def test_text_report_in_korean_and_chinese(ledger: Any) -> None:
    imported(ledger, 70, client="한빛전자", ae="김지현")
    imported(ledger, 5, client="上海零售", currency="CNY", price=1585.2, ae="王芳")
    got = report(ledger)
    ko = receivables_text(got, DocLocale.parse("ko"))
    assert ko.splitlines()[0] == "미수금 현황 (기준일 2026-12-31)"
    for text in ("₩1,100,000", "60일 초과", "광고주별", "담당 AE별", "통화별 합계", "연체일",
                 "¥1,680.31"):
        assert text in ko, text
    zh = receivables_text(got, DocLocale.parse("zh-CN"))
    assert "应收账款（截至 2026-12-31）" in zh and "0–30天" in zh and "按币种合计" in zh
    assert "₩1,100,000" in zh and "¥1,680.31" in zh
    # the aligned table: every invoice line starts its amount column at the same width
    rows = [line for line in ko.splitlines() if line.startswith("INV-")]
    assert len(rows) == 2
    empty = receivables_text(report(ledger, dt.date(2026, 1, 1)), DocLocale.parse("en"))
    assert "No unpaid invoices." in empty


# --- the workbook -------------------------------------------------------------------------

def _workbook(ledger: Any, tmp_path: Path, locale: str = "ko") -> Path:
    imported(ledger, 70, client="한빛전자", ae="김지현")
    imported(ledger, 35, client="한빛전자", ae="김지현", price=2_000_000)
    imported(ledger, 5, client="上海零售", currency="CNY", price=1585.2, ae="王芳")
    path = tmp_path / "receivables.xlsx"
    path.write_bytes(write_receivables_xlsx(report(ledger), DocLocale.parse(locale)))
    return path


def test_workbook_is_valid_ooxml_with_a_chart_per_currency(ledger: Any, tmp_path: Path) -> None:
    ooxml_schema.require()
    path = _workbook(ledger, tmp_path)
    ooxml_schema.assert_valid(path)
    names = zipfile.ZipFile(path).namelist()
    assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/drawings/drawing1.xml",
            "xl/drawings/_rels/drawing1.xml.rels"} <= set(names)
    assert path.read_bytes() == write_receivables_xlsx(report(ledger), DocLocale.parse("ko"))


def test_workbook_reads_back_in_openpyxl(ledger: Any, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_workbook(ledger, tmp_path))
    invoices, summary = wb.worksheets
    assert invoices.title == "미수 청구서" and summary.title == "요약"
    rows = list(invoices.iter_rows(values_only=True))
    assert rows[0][0] == "미수금 현황 (기준일 2026-12-31)"
    assert rows[1][:3] == ("청구서", "작업번호", "광고주")
    first = rows[2]
    assert first[2] == "上海零售" and first[4] == "CNY"
    assert first[5] == dt.datetime(2026, 12, 26) and first[7] == 5
    assert first[12] == pytest.approx(1680.31)
    assert invoices.freeze_panes == "A3" and invoices.auto_filter.ref == "A2:M5"
    charts = summary._charts
    assert len(charts) == 2
    refs = [c.series[0].val.numRef.f for c in charts]
    assert refs == ["'요약'!$B$5:$E$5", "'요약'!$B$6:$E$6"]
    summary_rows = list(summary.iter_rows(values_only=True))
    assert summary_rows[3][1:5] == tuple(f"{b}일" if b != "60+" else "60일 초과"
                                         for b in ("0–30", "31–45", "46–60", "60+"))
    assert summary_rows[5][0] == "KRW"
    assert summary_rows[5][1:5] == (0, 2_200_000, 0, 1_100_000)
    assert summary_rows[5][5] == "=SUM(B6:E6)"


def test_workbook_opens_in_libreoffice(ledger: Any, tmp_path: Path, soffice: str) -> None:
    path = _workbook(ledger, tmp_path, "zh-TW")
    out = tmp_path / "lo"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    str(path)], check=True, capture_output=True, timeout=180)
    saved = out / "receivables.xlsx"
    assert saved.is_file()
    members = zipfile.ZipFile(saved).namelist()
    assert sum(1 for m in members if m.startswith("xl/charts/chart")) == 2
    wb = openpyxl.load_workbook(saved)
    assert wb.worksheets[0]["A1"].value == "應收帳款（截至 2026-12-31）"
    assert wb.worksheets[0]["C3"].value == "上海零售"
    assert len(BUCKETS) == 4


# --- the fast paths against a plain recomputation ------------------------------------------

def _seed_ledger(ledger: Any, rng: random.Random) -> tuple[list[dict[str, Any]],
                                                              list[dict[str, Any]]]:
    """About 4,000 rows straight into the tables: three currencies, amounts finer than
    their unit (rounding cases), revisions (payments against the first), voids, partial
    payments, payments after the report date and invoices issued after it."""
    from docgen.ledger.schema import documents, payments

    common = {"status": "issued", "record_sha256": "0" * 64, "issued_at": NOW,
              "source": "import", "kind": "invoice"}
    docs: list[dict[str, Any]] = []
    for i in range(2_400):
        currency = ("KRW", "CNY", "TWD")[i % 3]
        total = Decimal(rng.randrange(1, 5_000_000)).scaleb(-rng.choice((0, 0, 2, 3, 4)))
        issued = AS_OF - dt.timedelta(days=rng.randrange(-5, 120))
        client = ("한빛전자", "上海零售", "Acme", "台北書店", None)[i % 5]
        row: dict[str, Any] = {
            **common, "number": f"INV-{i:05d}", "revision": 0, "currency": currency,
            "total": total, "issue_date": issued, "client": client,
            "client_key": None if client is None or i % 7 else client.casefold(),
            "ae": ("김지현", "王芳", None)[i % 3 if i % 11 else 2],
            "due_date": issued + dt.timedelta(days=30) if i % 4 == 0 else None,
            "job_number": f"J-{i:05d}"}
        docs.append(row)
        if i % 9 == 0:  # corrected: the revision's total counts, the first's payments too
            docs.append({**row, "revision": 1, "total": (total * Decimal("0.8")).quantize(
                Decimal("0.0001"))})
        if i % 13 == 0:
            row["status"] = "void"
    with ledger.engine.begin() as conn:
        conn.execute(documents.insert(), docs)
        ids = {(n, r): i for i, n, r in conn.execute(
            select(documents.c.id, documents.c.number, documents.c.revision))}
        pays: list[dict[str, Any]] = []
        for row in docs:
            if row["revision"] or rng.random() < 0.3:
                continue
            share = Decimal(rng.choice(("1", "0.5", "0.25", "0.9999")))
            amount = (row["total"] * share).quantize(Decimal("0.0001"))
            day = row["issue_date"] + dt.timedelta(days=rng.randrange(0, 60))
            pays.append({"document_id": ids[(row["number"], 0)], "paid_date": day,
                         "amount": amount, "currency": row["currency"], "recorded_at": NOW})
        conn.execute(payments.insert(), pays)
    return docs, pays


def test_fast_paths_equal_a_plain_recomputation(ledger: Any) -> None:
    from docgen.i18n.money import round_money
    from docgen.ledger.schema import documents

    docs, pays = _seed_ledger(ledger, random.Random(4))
    latest: dict[str, dict[str, Any]] = {}
    for row in docs:
        if row["number"] not in latest or row["revision"] > latest[row["number"]]["revision"]:
            latest[row["number"]] = row
    with ledger.reading() as conn:
        number_of = dict(conn.execute(select(documents.c.id, documents.c.number)).all())
    paid: dict[str, Decimal] = {}
    for p in pays:
        if p["paid_date"] <= AS_OF:
            number = number_of[p["document_id"]]
            paid[number] = paid.get(number, Decimal(0)) + p["amount"]
    expected: dict[tuple[str, str, str], list[Decimal]] = {}
    open_numbers = []
    for number, row in latest.items():
        owed_raw = row["total"] - paid.get(number, Decimal(0))
        if row["status"] != "issued" or row["issue_date"] > AS_OF or owed_raw <= 0:
            continue
        open_numbers.append(number)
        owed = (round_money(row["total"], row["currency"])
                - round_money(paid.get(number, 0), row["currency"]))
        key = (row["client_key"] or row["client"] or "", row["ae"] or "", row["currency"])
        amounts = expected.setdefault(key, [Decimal(0)] * len(BUCKETS))
        amounts[bucket_index((AS_OF - row["issue_date"]).days)] += owed
    per_currency: dict[str, list[Decimal]] = {}
    for (_, _, currency), amounts in expected.items():
        into = per_currency.setdefault(currency, [Decimal(0)] * len(BUCKETS))
        for b, amount in enumerate(amounts):
            into[b] += amount
    full, oldest = report(ledger), None
    with ledger.reading() as conn:
        oldest = receivables(conn, AS_OF, limit=50)
    assert sorted(i.number for i in full.invoices) == sorted(open_numbers)
    assert 1_000 < len(full.invoices) and {i.currency for i in full.invoices} == {
        "KRW", "CNY", "TWD"}
    for got in (full, oldest):
        assert {t.currency: t.amounts for t in got.by_currency} == per_currency
        assert {t.currency: t.count for t in got.by_currency} == {
            c: sum(1 for n in open_numbers if latest[n]["currency"] == c) for c in per_currency}
        clients: dict[tuple[str, str], list[Decimal]] = {}
        for (client, _, currency), amounts in expected.items():
            into = clients.setdefault((client, currency), [Decimal(0)] * len(BUCKETS))
            for b, amount in enumerate(amounts):
                into[b] += amount
        assert {(t.key, t.currency): t.amounts for t in got.by_client} == clients
        assert sum(t.total for t in got.by_ae if t.currency == "CNY") == sum(
            per_currency["CNY"])
    # the limited report lists the 50 earliest issued, in the full report's order
    chosen = {i.number for i in sorted(full.invoices, key=lambda i: (i.issue_date, i.number))
              [:50]}
    assert len(oldest.invoices) == 50
    assert {i.issue_date for i in oldest.invoices} <= {
        i.issue_date for i in full.invoices if i.number in chosen}
    assert max(i.issue_date for i in oldest.invoices) == max(
        i.issue_date for i in full.invoices if i.number in chosen)
    assert oldest.invoices == [i for i in full.invoices if i in set(oldest.invoices)]
    for inv in full.invoices:
        assert inv.outstanding == inv.total - inv.paid
        assert inv.total == round_money(latest[inv.number]["total"], inv.currency)


def test_text_report_of_the_oldest_says_how_many_it_leaves_out(ledger: Any) -> None:
    imported(ledger, 70, client="한빛전자", ae="김지현")
    imported(ledger, 5, client="上海零售", currency="CNY", price=1585.2, ae="王芳")
    imported(ledger, 40, client="한빛전자", ae="김지현")
    with ledger.reading() as conn:
        got = receivables(conn, AS_OF, limit=2)
    assert [i.age_days for i in got.invoices] == [70, 40]  # the oldest, sorted by client
    text = receivables_text(got, DocLocale.parse("en"))
    assert "The 2 oldest of 3 unpaid invoices (--all lists every one" in text
    assert len([line for line in text.splitlines() if line.startswith("INV-")]) == 2
    assert "¥1,680.31" in text  # the totals count the invoice not listed
    ko = receivables_text(got, DocLocale.parse("ko"))
    assert "미수 청구서 3건 중 가장 오래된 2건" in ko
    with ledger.reading() as conn:
        none = receivables_text(receivables(conn, AS_OF, limit=0), DocLocale.parse("en"))
    assert "The 0 oldest of 3" in none and "INV-" not in none and "Totals per currency" in none
