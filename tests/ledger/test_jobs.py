"""Jobs: the cross-document checks at issue, job states and the timeline (both backends)."""
from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.errors import DocgenWarning, ValidationFailed
from docgen.ledger import jobs
from docgen.ledger.receivables import record_payment
from tests.ledger.issuing import brief, cli, count_documents, invoice, issue, signoff  # noqa: F401 (cli: a fixture)
from tests.support import SAMPLES

JOB = "HB-2026-0001"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [p.code for p in exc.value.problems]


def pay(ledger: Any, number: str, amount: int, day: dt.date = dt.date(2026, 11, 30)) -> None:
    with ledger.connection() as conn:
        record_payment(conn, number, paid_date=day, amount=Decimal(amount),
                       today=dt.date(2026, 12, 31), recorded_at=NOW)


def signed_job(ledger: Any, job: str = JOB, client: str = "한빛전자") -> None:
    issue(ledger, "brief", brief(job, client))
    issue(ledger, "signoff", signoff(job, client))


# --- checks at issue ---------------------------------------------------------------------

def test_invoice_for_a_job_without_a_brief_is_refused_and_takes_no_number(ledger: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, "invoice", invoice("NO-SUCH-JOB"))
    assert "job_no_brief" in codes(exc)
    assert count_documents(ledger) == 0
    signed_job(ledger)
    row = issue(ledger, "invoice", invoice(JOB))
    assert row["number"] == "INV-2026-0001"  # the refused invoice gave its number back


def test_a_mistyped_job_number_is_answered_with_the_nearest_jobs(ledger: Any) -> None:
    signed_job(ledger)
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, "invoice", invoice("HB-2026-0010"))
    problem = next(p for p in exc.value.problems if p.code == "job_no_brief_suggest")
    assert JOB in problem.text("en")
    assert JOB in problem.text("ko") and "브리프" in problem.text("ko")


def test_invoice_before_any_signoff_is_an_error(ledger: Any) -> None:
    issue(ledger, "brief", brief(JOB))
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, "invoice", invoice(JOB))
    assert codes(exc) == ["job_no_signoff"]


@pytest.mark.parametrize("sheet", [signoff(JOB, signed=None),
                                   signoff(JOB, acceptance="rejected")])
def test_invoice_for_an_unsigned_or_rejected_signoff_is_an_error(ledger: Any,
                                                                 sheet: dict[str, Any]) -> None:
    issue(ledger, "brief", brief(JOB))
    issue(ledger, "signoff", sheet)
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, "invoice", invoice(JOB))
    assert codes(exc) == ["job_unsigned"]
    assert "SGN-2026-0001" in exc.value.problems[0].text("zh-CN")


def test_invoice_dated_before_the_client_signed_is_an_error(ledger: Any) -> None:
    signed_job(ledger)  # signed 2026-10-22
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, "invoice", invoice(JOB, day=dt.date(2026, 10, 21)))
    assert codes(exc) == ["job_before_signoff"]
    text = exc.value.problems[0].text("zh-TW")
    assert "2026-10-21" in text and "2026-10-22" in text
    assert issue(ledger, "invoice", invoice(JOB, day=dt.date(2026, 10, 22)))["number"]


@pytest.mark.parametrize("kind", ["signoff", "invoice", "minutes"])
def test_a_document_for_another_clients_job_is_an_error(ledger: Any, kind: str) -> None:
    signed_job(ledger)
    record = {"signoff": signoff(JOB, "상하이리테일"), "invoice": invoice(JOB, "상하이리테일"),
              "minutes": {"job_number": JOB, "client": "상하이리테일", "title": "회의",
                          "date": dt.date(2026, 10, 2), "attendees": [{"name": "김"}]}}[kind]
    before = count_documents(ledger)
    with pytest.raises(ValidationFailed) as exc:
        issue(ledger, kind, record)
    mismatch = [p for p in exc.value.problems if p.code == "job_client_mismatch"]
    assert mismatch and all(p.is_error for p in mismatch)
    assert "한빛전자" in mismatch[0].text("ko") and "상하이리테일" in mismatch[0].text("ko")
    assert count_documents(ledger) == before


def test_the_same_client_written_differently_is_the_same_client(ledger: Any) -> None:
    issue(ledger, "brief", brief(JOB, "Acme Korea"))
    issue(ledger, "signoff", signoff(JOB, {"name": "ACME  korea"}))
    assert issue(ledger, "invoice", invoice(JOB, "ａｃｍｅ Korea", price=100))["number"]


def test_invoices_above_the_budget_warn_but_are_issued(ledger: Any) -> None:
    signed_job(ledger)  # budget 5,000,000 KRW
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        issue(ledger, "invoice", invoice(JOB, price=4_000_000))  # 4,400,000 with VAT
        assert not seen
        row = issue(ledger, "invoice", invoice(JOB, price=1_000_000))  # 5,500,000 in all
    assert row["number"] == "INV-2026-0002"
    said = [w.message for w in seen if isinstance(w.message, DocgenWarning)]
    assert len(said) == 1
    assert "5500000" in str(said[0]) and "5000000" in str(said[0])


def test_a_corrected_invoice_replaces_its_first_revision_in_the_budget(ledger: Any) -> None:
    signed_job(ledger)
    first = issue(ledger, "invoice", invoice(JOB, price=4_000_000))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DocgenWarning)  # 4,510,000 alone: under budget
        again = issue(ledger, "invoice", {**invoice(JOB, price=4_100_000),
                                          "request_number": first["number"]})
    assert again["revision"] == 1


def test_check_issue_reports_the_budget_in_another_currency(ledger: Any) -> None:
    signed_job(ledger)
    with ledger.reading() as conn:
        problems = jobs.check_issue(conn, ledger.archive, "invoice",
                                    invoice(JOB, currency="CNY", price=100))
    assert [(p.code, p.severity) for p in problems] == [("job_budget_currency", "warning")]


def test_second_brief_and_signoff_without_brief_are_warnings(ledger: Any) -> None:
    issue(ledger, "brief", brief(JOB))
    with ledger.reading() as conn:
        second = jobs.check_issue(conn, ledger.archive, "brief", brief(JOB))
        orphan = jobs.check_issue(conn, ledger.archive, "signoff", signoff("OTHER-1"))
        revision = jobs.check_issue(conn, ledger.archive, "brief",
                                    {**brief(JOB), "document_number": "BRF-2026-0001"})
    assert [(p.code, p.severity) for p in second] == [("job_second_brief", "warning")]
    assert [(p.code, p.severity) for p in orphan] == [("job_no_brief_signoff", "warning")]
    assert revision == []


def test_documents_without_a_job_number_are_not_checked(ledger: Any) -> None:
    weekly = {"client": "상하이리테일", "week_start": dt.date(2026, 10, 5), "author": "김",
              "tasks": [{"task": "x", "status": "done"}]}
    assert issue(ledger, "weekly", weekly)["number"] == "WKR-2026-0001"


# --- states and timeline -----------------------------------------------------------------

def states(ledger: Any, **kw: Any) -> dict[str, str]:
    with ledger.reading() as conn:
        return {s.job_number: s.state for s in jobs.list_jobs(conn, ledger.archive, **kw)}


def test_a_job_moves_through_its_states(ledger: Any) -> None:
    issue(ledger, "brief", brief(JOB))
    assert states(ledger) == {JOB: "briefed"}
    issue(ledger, "signoff", signoff(JOB, signed=None))
    assert states(ledger) == {JOB: "delivered"}
    issue(ledger, "signoff", {**signoff(JOB), "document_number": "SGN-2026-0001"})  # now signed
    assert states(ledger) == {JOB: "signed"}
    issue(ledger, "invoice", invoice(JOB))  # 1,100,000 with VAT
    assert states(ledger) == {JOB: "invoiced"}
    pay(ledger, "INV-2026-0001", 600_000)
    assert states(ledger) == {JOB: "invoiced"}
    assert states(ledger, open_only=True) == {JOB: "invoiced"}
    pay(ledger, "INV-2026-0001", 500_000)
    assert states(ledger) == {JOB: "paid"}
    assert states(ledger, open_only=True) == {}


def test_jobs_filtered_by_client(ledger: Any) -> None:
    signed_job(ledger, JOB, "한빛전자")
    issue(ledger, "brief", brief("SH-2026-0001", "上海零售有限公司", currency="CNY"))
    assert set(states(ledger)) == {JOB, "SH-2026-0001"}
    assert set(states(ledger, client="上海零售")) == {"SH-2026-0001"}
    assert set(states(ledger, client="한빛")) == {JOB}


def test_timeline_lists_every_revision_status_and_payment(ledger: Any) -> None:
    signed_job(ledger)
    first = issue(ledger, "invoice", invoice(JOB, price=2_000_000))
    issue(ledger, "invoice", {**invoice(JOB, price=1_000_000), "request_number": first["number"]})
    issue(ledger, "invoice", invoice(JOB, price=10, day=dt.date(2026, 10, 26)))
    ledger.void("INV-2026-0002", "중복 발행")
    pay(ledger, "INV-2026-0001", 500_000)
    with ledger.reading() as conn:
        tl = jobs.timeline(conn, ledger.archive, JOB)
    shown = [(e.kind, e.number, e.status, e.superseded) for e in tl.entries]
    assert shown == [("brief", "BRF-2026-0001", "issued", False),
                     ("signoff", "SGN-2026-0001", "issued", False),
                     ("invoice", "INV-2026-0001", "issued", True),
                     ("invoice", "INV-2026-0001-R1", "issued", False),
                     ("invoice", "INV-2026-0002", "void", False)]
    assert tl.entries[0].budget == (Decimal(5_000_000), "KRW")
    assert tl.entries[1].signed == dt.date(2026, 10, 22)
    latest = tl.entries[3]
    assert latest.total == Decimal(1_100_000) and latest.due_date == dt.date(2026, 12, 9)
    assert [(p.paid_date, p.amount) for p in latest.payments] == [
        (dt.date(2026, 11, 30), Decimal(500_000))]
    assert tl.entries[4].void_reason == "중복 발행"


def test_timeline_of_an_unknown_job_suggests_the_nearest(ledger: Any) -> None:
    from docgen.ledger.errors import LedgerInputError
    issue(ledger, "brief", brief(JOB))
    with ledger.reading() as conn, pytest.raises(LedgerInputError) as exc:
        jobs.timeline(conn, ledger.archive, "HB-2026-0002")
    assert JOB in str(exc.value)


# --- the commands --------------------------------------------------------------------------

def test_jobs_and_job_commands_in_korean_and_chinese(ledger: Any, cli: Any) -> None:
    signed_job(ledger)
    issue(ledger, "invoice", invoice(JOB, price=3_000_000))
    pay(ledger, "INV-2026-0001", 1_000_000)
    result = cli("jobs", "-l", "ko")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "작업번호" in lines[0] or "Job" not in lines[0]
    assert JOB in lines[1] and "한빛전자" in lines[1] and "₩3,300,000" in lines[1]
    assert "₩2,300,000" in lines[1]
    assert cli("jobs", "--open", "--client", "없는회사", "-l", "ko").output.strip()
    result = cli("job", JOB, "-l", "zh-CN")
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("BRF-2026-0001", "SGN-2026-0001", "INV-2026-0001", "2026-10-22",
                 "₩1,000,000", "₩2,300,000", "2026-12-09"):
        assert text in out, (text, out)
    assert out.index("BRF-2026-0001") < out.index("SGN-2026-0001") < out.index("INV-2026-0001")


def test_job_command_for_an_unknown_job_is_a_clear_error(ledger: Any, cli: Any) -> None:
    issue(ledger, "brief", brief(JOB))
    result = cli("job", "NOPE-1", "-l", "en")
    assert result.exit_code == 1
    assert "Error: no document in the ledger has job number NOPE-1" in result.output


def test_commands_without_a_ledger_say_how_to_configure_one(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["receivables", "-l", "en"])
    assert result.exit_code == 1
    assert "[ledger]" in result.output and "Traceback" not in result.output


def test_check_problems_are_located_in_the_record_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A refused invoice names the file and the line of its job number, in render and batch.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    (tmp_path / "docgen.toml").write_text("[ledger]\n", encoding="utf-8")
    text = (SAMPLES / "invoice" / "en.yaml").read_text(encoding="utf-8")
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("request_number"))
    (tmp_path / "inv").mkdir()
    (tmp_path / "inv" / "a.yaml").write_text(text + "\n", encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("job_number"))
    runner = CliRunner()
    single = runner.invoke(main, ["render", "invoice", "inv/a.yaml", "--issue", "-o", "o1"])
    assert single.exit_code == 1
    assert f"inv/a.yaml:{line}:" in single.stderr and "<input>" not in single.stderr
    many = runner.invoke(main, ["batch", "invoice", "inv", "--issue", "-o", "o2", "-q"])
    assert many.exit_code == 1
    assert f"a.yaml:{line}:" in many.stderr and "<input>" not in many.stderr
