"""The built-in Excel templates (templates/<kind>/<kind>.xlsx, built by tools/build_xlsx.py).

Every sample renders to a clean workbook: no template syntax left anywhere, the kind's
title and the record's key values present, live formulas whose cached values are the
document's figures (invoice totals recomputed here from DOMAIN.md §4, not from the
kind's compute hook), one row per list entry, pictures where a logo is given. The committed files are
the source of truth (tests/test_builtin_templates.py checks them as files).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterator, Optional

import openpyxl
import pytest

from docgen import kinds
from docgen.enrich import build_context, letterhead
from docgen.i18n.catalog import Labels, translations
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.profile import ImagePath
from docgen.template import Template
from tests.support import REPO, SAMPLES

KINDS = ("minutes", "brief", "weekly", "signoff", "invoice")
CODES = ("ko", "zh-CN", "zh-TW", "en", "ko+zh-CN")
CASES = [(k, c) for k in KINDS for c in CODES]
TITLES = {"minutes": "Meeting Minutes", "brief": "Creative Brief", "weekly": "Weekly Report",
          "signoff": "Acceptance Sheet", "invoice": "Invoice Request"}
# The kinds' names as a Korean / Chinese reader expects them (DOMAIN.md §1).
KO_TITLES = {"minutes": "회의록", "brief": "크리에이티브 브리프", "weekly": "주간 업무 보고",
             "signoff": "검수확인서", "invoice": "세금계산서 발행 요청서"}
ZH_CN_TITLES = {"minutes": "会议纪要", "brief": "创意简报", "weekly": "工作周报",
                "signoff": "签收确认单", "invoice": "开票申请单"}
TAGS = ("{{", "{%", "}}", "%}")
NO_COMPANY: dict[str, Any] = {
    **{k: None for k in ("name", "legal_name", "representative", "address", "tax_id", "phone",
                         "email", "website", "logo")},
    "bank": {k: None for k in ("name", "account", "holder", "swift")},
}


def _template_path(kind: str) -> Path:
    return REPO / "templates" / kind / f"{kind}.xlsx"


_TEMPLATES: dict[str, Template] = {}


def _template(kind: str) -> Template:
    if kind not in _TEMPLATES:
        _TEMPLATES[kind] = Template(_template_path(kind))
    return _TEMPLATES[kind]


def _context(kind: str, code: str, company: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    path = SAMPLES / kind / f"{code}.yaml"
    if not path.is_file():
        pytest.skip(f"no sample {kind}/{code}.yaml yet")
    found = kinds.get(kind)
    assert found is not None
    record = read_record(path)
    ctx = build_context(record.data, found.schema, locale=DocLocale.parse(code),
                        compute=found.compute, data_file=record.source.file)
    # the letterhead lines docgen.enrich adds to every profile's company
    ctx["company"] = letterhead(company if company is not None else NO_COMPANY,
                                DocLocale.parse(code))
    return ctx


def _sample(kind: str, code: str) -> dict[str, Any]:
    """The sample record as written (no computed fields)."""
    path = SAMPLES / kind / f"{code}.yaml"
    if not path.is_file():
        pytest.skip(f"no sample {kind}/{code}.yaml yet")
    data: dict[str, Any] = read_record(path).data
    return data


_RENDERED: dict[tuple[str, str], bytes] = {}


def _render(kind: str, code: str) -> bytes:
    key = (kind, code)
    if key not in _RENDERED:
        ctx = _context(kind, code)
        _RENDERED[key] = _template(kind).render(ctx, code)
    return _RENDERED[key]


_SHEETS: dict[tuple[bytes, bool], Any] = {}


def _sheet(data: bytes, data_only: bool = False) -> Any:
    """The workbook's one sheet as openpyxl reads it (read once per output: the tests
    only look at it)."""
    key = (data, data_only)
    if key not in _SHEETS:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)
        assert len(wb.worksheets) == 1
        _SHEETS[key] = wb.worksheets[0]
    return _SHEETS[key]


def _values(ws: Any) -> Iterator[tuple[str, Any]]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                yield cell.coordinate, cell.value


def _texts(ws: Any) -> list[str]:
    return [v for _, v in _values(ws) if isinstance(v, str)]


def _label(msgid: str, code: str) -> str:
    return Labels(DocLocale.parse(code)).gettext(msgid)


def _row_of(ws: Any, text: str, column: int = 1) -> int:
    rows = [int(c.row) for c in ws[openpyxl.utils.get_column_letter(column)] if c.value == text]
    assert len(rows) == 1, (text, rows)
    return rows[0]


# --------------------------------------------------------------------------------------
# Every kind and locale


@pytest.mark.parametrize(("kind", "code"), CASES)
def test_no_template_syntax_is_left(kind: str, code: str) -> None:
    data = _render(kind, code)
    ws = _sheet(data)
    for where, value in _values(ws):
        if isinstance(value, str):
            assert not any(t in value for t in TAGS), (where, value)
    headers = [ws.oddHeader.left.text, ws.oddHeader.right.text, ws.oddFooter.left.text,
               ws.oddFooter.right.text]
    for text in headers:
        assert not any(t in (text or "") for t in TAGS), text
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
                xml = zf.read(name).decode("utf-8")
                for tag in TAGS:
                    assert tag not in xml, (name, tag)


@pytest.mark.parametrize(("kind", "code"), CASES)
def test_title_and_key_values_are_shown(kind: str, code: str) -> None:
    ws = _sheet(_render(kind, code))
    texts = _texts(ws)
    loc = DocLocale.parse(code)
    sample = _sample(kind, code)
    msgid = TITLES[kind]
    if kind == "brief" and sample["order_type"] != "creative":
        msgid = "Work Order"  # research and media orders (as in the Word template)
    title = translations("labels", loc.primary).gettext(msgid)
    assert any(title in t for t in texts), title
    if loc.secondary:
        second = translations("labels", loc.secondary).gettext(msgid)
        assert _label(msgid, code) == f"{title} / {second}"
        assert _label(msgid, code) in texts
    if loc.primary == "ko":
        assert KO_TITLES[kind] in title
    if "zh-CN" in (loc.primary, loc.secondary) and msgid == TITLES[kind]:
        assert any(ZH_CN_TITLES[kind] in t for t in texts)
    assert title in (ws.oddHeader.left.text or "")
    client = sample.get("client")
    name = client if isinstance(client, str) else (client or {}).get("name")
    if name:
        assert name in texts
        assert name in (ws.oddHeader.left.text or "")
    if sample.get("job_number"):
        assert sample["job_number"] in texts
        assert sample["job_number"] in (ws.oddHeader.right.text or "")
    assert ws.oddFooter.right.text.endswith("&P / &N")


@pytest.mark.parametrize(("kind", "code"), CASES)
def test_sheet_is_set_up_for_a4_printing(kind: str, code: str) -> None:
    ws = _sheet(_render(kind, code))
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    # The print area follows the rows the loops added.
    area = ws.print_area
    assert area is not None
    found = re.search(r"\$(\d+)$", area if isinstance(area, str) else area[0])
    assert found is not None, area
    last = int(found.group(1))
    assert last == ws.max_row


@pytest.mark.parametrize(("kind", "code"), CASES)
def test_formulas_have_cached_values(kind: str, code: str) -> None:
    data = _render(kind, code)
    ws, cached = _sheet(data), _sheet(data, data_only=True)
    for where, value in _values(ws):
        if isinstance(value, str) and value.startswith("="):
            assert "#REF!" not in value, (where, value)
            if "IFERROR" not in value:  # a KPI given as text ("1.8%") gives ""
                assert cached[where].value is not None, (where, value)


@pytest.mark.parametrize("kind", KINDS)
def test_template_uses_only_fields_the_kind_provides(kind: str) -> None:
    found = kinds.get(kind)
    assert found is not None
    fields = _template(kind).fields()
    assert fields <= found.provided_names(), fields - found.provided_names()


# Records with only the required fields: every optional section is left out cleanly.
MINIMAL: dict[str, dict[str, Any]] = {
    "minutes": {"title": "Kick-off", "date": "2026-11-23", "attendees": [{"name": "Kim"}]},
    "brief": {"job_number": "J-1", "order_type": "media", "client": "ACME", "project": "P",
              "issued_date": "2026-11-01", "due_date": "2026-11-03",
              "deliverables": [{"item": "Banner"}]},
    "weekly": {"client": "ACME", "week_start": "2026-11-25", "author": "Lee",
               "tasks": [{"task": "Plan", "status": "planned"}]},
    "signoff": {"job_number": "J-1", "client": "ACME", "deliverable": {"title": "KV"},
                "delivered_date": "2026-11-01", "stages": [{"stage": "Design", "owner": "Kim"}]},
    "invoice": {"job_number": "J-1", "client": {"name": "ACME", "tax_id": "123"},
                "issue_date": "2026-11-01", "currency": "USD",
                "items": [{"description": "Fee", "quantity": 3, "unit_price": 10.255}]},
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", ("ko", "zh-TW", "en"))
def test_minimal_records_render_cleanly(kind: str, code: str) -> None:
    found = kinds.get(kind)
    assert found is not None
    ctx = build_context(MINIMAL[kind], found.schema, locale=DocLocale.parse(code),
                        compute=found.compute)
    ctx["company"] = NO_COMPANY
    data = _template(kind).render(ctx, code)
    ws, cached = _sheet(data), _sheet(data, data_only=True)
    for where, value in _values(ws):
        if isinstance(value, str):
            assert not any(t in value for t in TAGS + ("None", "#REF!")), (where, value)
            if value.startswith("="):
                assert cached[where].value is not None, (where, value)
    title = "Work Order" if kind == "brief" else TITLES[kind]  # MINIMAL's brief is media
    assert any(t.startswith(_label(title, code)) for t in _texts(ws))


# --------------------------------------------------------------------------------------
# Invoice: line rows and the totals, recomputed from DOMAIN.md §4


def _expected_totals(sample: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    currency = sample["currency"].upper()
    digits = 0 if currency in ("KRW", "TWD") else 2
    quantum = Decimal(1).scaleb(-digits)
    client = sample["client"]
    country = str(client.get("country") or {"KRW": "KR", "CNY": "CN", "TWD": "TW"}.get(currency))
    if sample.get("vat_rate") is not None:
        rate = Decimal(str(sample["vat_rate"]))
    elif sample.get("invoice_type") in ("zero_rated", "exempt"):
        rate = Decimal(0)
    else:
        rate = {"KR": Decimal("0.10"), "CN": Decimal("0.06"), "TW": Decimal("0.05")}.get(
            country, Decimal(0))
    subtotal = sum((
        (Decimal(str(i["quantity"])) * Decimal(str(i["unit_price"]))).quantize(
            quantum, ROUND_HALF_UP) for i in sample["items"]), Decimal(0))
    # KR: 원 미만 절사; CN: 四舍五入 to 分; TW: 四捨五入 to 元.
    vat = (subtotal * rate).quantize(quantum, ROUND_DOWN if country == "KR" else ROUND_HALF_UP)
    return subtotal, vat, subtotal + vat


@pytest.mark.parametrize("code", CODES)
def test_invoice_totals_are_live_formulas_with_the_right_values(code: str) -> None:
    sample = _sample("invoice", code)
    data = _render("invoice", code)
    ws, cached = _sheet(data), _sheet(data, data_only=True)
    subtotal, vat, total = _expected_totals(sample)
    rows = {
        "Subtotal": _row_of(ws, _label("Subtotal", code)),
        "VAT": _row_of(ws, _label("VAT", code)),
        "Total": _row_of(ws, _label("Total", code)),
    }
    assert ws[f"H{rows['Subtotal']}"].value.startswith("=SUM(")
    vat_formula = ws[f"H{rows['VAT']}"].value
    country = sample["client"].get("country")
    assert vat_formula.startswith("=ROUNDDOWN(" if country == "KR" else "=ROUND("), vat_formula
    assert ws[f"H{rows['Total']}"].value.startswith("=")
    assert Decimal(str(cached[f"H{rows['Subtotal']}"].value)) == subtotal
    assert Decimal(str(cached[f"H{rows['VAT']}"].value)) == vat
    assert Decimal(str(cached[f"H{rows['Total']}"].value)) == total
    # The same figures the kind computed (and the amount in words is spelled from).
    ctx = _context("invoice", code)
    assert (ctx["subtotal"], ctx["vat"], ctx["total"]) == (subtotal, vat, total)
    assert any(ctx["amount_words"] in t for t in _texts(ws))


@pytest.mark.parametrize("code", CODES)
def test_invoice_has_one_row_per_item_with_a_line_formula(code: str) -> None:
    sample = _sample("invoice", code)
    data = _render("invoice", code)
    ws, cached = _sheet(data), _sheet(data, data_only=True)
    lines = [c.row for c in ws["H"] if isinstance(c.value, str)
             and re.fullmatch(rf"=ROUND\(E{c.row}\*G{c.row},[02]\)", c.value)]
    assert len(lines) == len(sample["items"])
    digits = 0 if sample["currency"] in ("KRW", "TWD") else 2
    for row, item in zip(lines, sample["items"]):
        assert ws[f"A{row}"].value == lines.index(row) + 1
        assert ws[f"B{row}"].value.startswith(item["description"])
        assert Decimal(str(ws[f"E{row}"].value)) == Decimal(str(item["quantity"]))
        assert Decimal(str(ws[f"G{row}"].value)) == Decimal(str(item["unit_price"]))
        expected = (Decimal(str(item["quantity"])) * Decimal(str(item["unit_price"]))).quantize(
            Decimal(1).scaleb(-digits), ROUND_HALF_UP)
        assert Decimal(str(cached[f"H{row}"].value)) == expected
        fmt = "#,##0" if digits == 0 else "#,##0.00"
        assert ws[f"H{row}"].number_format == fmt and ws[f"G{row}"].number_format == fmt


def test_invoice_dates_are_real_dates() -> None:
    sample = _sample("invoice", "ko")
    ws = _sheet(_render("invoice", "ko"))
    dates = {v.date(): where for where, v in _values(ws) if isinstance(v, dt.datetime)}
    issue = sample["issue_date"]
    issue = issue if isinstance(issue, dt.date) else dt.date.fromisoformat(issue)
    assert issue in dates
    due = issue + dt.timedelta(days=sample.get("payment_terms_days") or 45)
    assert due in dates
    assert ws[dates[due]].number_format == "yyyy-mm-dd"


# --------------------------------------------------------------------------------------
# Weekly: one row per task, status counts as COUNTIF formulas


@pytest.mark.parametrize("code", CODES)
def test_weekly_has_one_row_per_task(code: str) -> None:
    sample = _sample("weekly", code)
    ctx = _context("weekly", code)
    data = _render("weekly", code)
    ws = _sheet(data)
    task_rows = [c.row for c in ws["B"] if c.value in {t["task"] for t in sample["tasks"]}
                 and isinstance(ws[f"A{c.row}"].value, int)]
    assert len(task_rows) == len(sample["tasks"])
    by_text = {t["task"]: t for t in ctx["tasks"]}
    for row in task_rows:
        task = by_text[ws[f"B{row}"].value]
        assert ws[f"E{row}"].value == task["status_label"]
        if task.get("progress") is not None:
            assert ws[f"F{row}"].number_format == "0%"
            assert Decimal(str(ws[f"F{row}"].value)) * 100 == Decimal(str(task["progress"]))
    # Status summary: COUNTIF formulas whose cached values are the counts.
    cached = _sheet(data, data_only=True)
    counts = [(where, v) for where, v in _values(ws)
              if isinstance(v, str) and v.startswith("=COUNTIF(")]
    assert len(counts) == 4
    got = sorted(int(cached[where].value) for where, _ in counts)
    assert got == sorted(ctx["status_counts"].values())
    assert sum(got) == len(sample["tasks"])


# --------------------------------------------------------------------------------------
# Brief, signoff: a formula and the signature marks


@pytest.mark.parametrize("code", CODES)
def test_brief_days_until_due_is_a_formula(code: str) -> None:
    ctx = _context("brief", code)
    data = _render("brief", code)
    ws, cached = _sheet(data), _sheet(data, data_only=True)
    days = [where for where, v in _values(ws) if isinstance(v, str) and v.startswith("=SUM(G")]
    assert len(days) == 1
    assert cached[days[0]].value == ctx["days_until_due"]


@pytest.mark.parametrize("code", CODES)
def test_signoff_shows_every_stage_and_the_signature_mark(code: str) -> None:
    sample = _sample("signoff", code)
    ws = _sheet(_render("signoff", code))
    texts = _texts(ws)
    for stage in sample["stages"]:
        assert stage["stage"] in texts
    assert texts.count(_label("(Signature)", code)) >= 2  # client and agency blocks
    acceptance = _context("signoff", code)["acceptance_label"]
    if acceptance:
        assert any(t.startswith("■") and acceptance.split(" / ")[0] in t for t in texts)


# --------------------------------------------------------------------------------------
# Pictures: the company logo and stage signatures


def _png(path: Path, width: int = 60, height: int = 20) -> Path:
    raw = b"".join(b"\x00" + b"\x1f\x3a\x5f" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def _pictures(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        drawings = [n for n in names if re.fullmatch(r"xl/drawings/[^/]+\.xml", n)]
        pics = []
        for name in drawings:
            xml = zf.read(name).decode("utf-8")
            pics += re.findall(r"<xdr:pic>.*?r:embed=\"([^\"]+)\"", xml)
        assert any(n.startswith("xl/media/") and n.endswith(".png") for n in names) or not pics
        return pics


@pytest.mark.parametrize("kind", KINDS)
def test_company_logo_becomes_a_picture(kind: str, tmp_path: Path) -> None:
    logo = _png(tmp_path / "logo.png")
    company = {**NO_COMPANY, "name": "한빛애드", "legal_name": "주식회사 한빛애드",
               "tax_id": "104-81-00000", "logo": ImagePath(logo)}
    ctx = _context(kind, "ko", company)
    data = _template(kind).render(ctx, "ko")
    assert len(_pictures(data)) == 1
    texts = _texts(_sheet(data))
    assert "한빛애드" in texts
    assert any("104-81-00000" in t for t in texts)
    # Without a logo there is no picture, and without a profile no letterhead.
    assert _pictures(_render(kind, "ko")) == []
    assert "한빛애드" not in _texts(_sheet(_render(kind, "ko")))


def test_stage_signature_images_become_pictures(tmp_path: Path) -> None:
    sign = _png(tmp_path / "sign.png", 90, 30)
    ctx = _context("signoff", "ko")
    for stage in ctx["stages"][:2]:
        stage["signature_image"] = ImagePath(sign)
    data = _template("signoff").render(ctx, "ko")
    assert len(_pictures(data)) == 2
