"""Records of an AE's job, and issuing them into a ledger the way ``render --issue`` does
(the invoice's computed total, due date and currency passed as facts)."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import pytest
from click.testing import CliRunner, Result

from docgen.i18n.locale import DocLocale
from docgen.kinds.invoice.compute import compute
from docgen.ledger import jobs
from docgen.ledger.store import Ledger, canonical_json

# The field each kind keeps its own number in (a revision carries it).
NUMBER_FIELD = {"invoice": "request_number", "brief": "document_number",
                "signoff": "document_number",
                "minutes": "document_number", "weekly": "document_number"}


def brief(job: str, client: Any = "한빛전자", *, day: dt.date = dt.date(2026, 10, 1),
          budget: Optional[float] = 5_000_000, currency: Optional[str] = "KRW",
          ae: str = "김지현") -> dict[str, Any]:
    record: dict[str, Any] = {
        "job_number": job, "order_type": "creative", "client": client, "project": "가을 캠페인",
        "issued_date": day, "due_date": day + dt.timedelta(days=20), "ae": ae,
        "deliverables": [{"item": "포스터"}]}
    if budget is not None:
        record["budget"] = {"amount": budget, **({"currency": currency} if currency else {})}
    return record


def signoff(job: str, client: Any = "한빛전자", *, delivered: dt.date = dt.date(2026, 10, 20),
            signed: Optional[dt.date] = dt.date(2026, 10, 22),
            acceptance: str = "accepted") -> dict[str, Any]:
    record: dict[str, Any] = {
        "job_number": job, "client": client, "deliverable": {"title": "포스터 최종본"},
        "delivered_date": delivered, "stages": [{"stage": "디자인", "owner": "박디자인"}],
        "acceptance": acceptance}
    if signed is not None:
        record["client_signatory"] = {"name": "이확인", "signed_date": signed}
    return record


def invoice(job: str, client: Any = "한빛전자", *, day: dt.date = dt.date(2026, 10, 25),
            currency: str = "KRW", price: float = 1_000_000, terms: Optional[int] = None,
            ae: str = "김지현") -> dict[str, Any]:
    name = client if isinstance(client, str) else client["name"]
    record: dict[str, Any] = {
        "job_number": job, "client": {"name": name, "tax_id": "123-45-67890"},
        "issue_date": day, "currency": currency, "requested_by": ae,
        "items": [{"description": "포스터 제작", "quantity": 1, "unit_price": price}]}
    if terms is not None:
        record["payment_terms_days"] = terms
    return record


def facts_of(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    if kind != "invoice":
        return {}
    context = copy.deepcopy(dict(record))
    compute(context, DocLocale.parse("ko"))
    return {k: context[k] for k in ("total", "due_date", "currency")}


def issue(ledger: Ledger, kind: str, record: Mapping[str, Any], *,
          checks: bool = True) -> Any:
    """Issue ``record`` with the jobs checks (or without, like an import)."""
    return ledger.issue(kind, record, {"docx": canonical_json(record)},
                        checks=jobs.checks_for(ledger) if checks else None,
                        number_field=NUMBER_FIELD.get(kind), facts=facts_of(kind, record),
                        locale="ko")


def count_documents(ledger: Ledger) -> int:
    return len(ledger.documents())


def write_config(folder: Path, url: str, archive: Path) -> Path:
    """A docgen.toml in ``folder`` whose ledger is ``url`` (a PostgreSQL password moves
    to $DOCGEN_LEDGER_PASSWORD, as the profile requires; the caller sets it)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    shown = parsed._replace(password=None).render_as_string(hide_password=False) \
        if parsed.password else url
    path = folder / "docgen.toml"
    path.write_text(f'[ledger]\nurl = "{shown}"\narchive = "{archive}"\n',
                    encoding="utf-8")
    return path


def password_of(url: str) -> Optional[str]:
    import sqlalchemy as sa

    return sa.make_url(url).password


@pytest.fixture
def cli(ledger: Any, ledger_url: str, archive_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run docgen in a folder whose docgen.toml names the test's ledger."""
    work = tmp_path / "work"
    work.mkdir()
    write_config(work, ledger_url, archive_dir)
    password = password_of(ledger_url)
    if password:
        monkeypatch.setenv("DOCGEN_LEDGER_PASSWORD", password)
    monkeypatch.chdir(work)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)

    from docgen.cli import main

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return run
