"""Done-when of issue 3, end to end: every kind × every locale × {docx, xlsx} validates,
renders, opens in python-docx / openpyxl and in LibreOffice, has no tag syntax left,
shows its title in that language, and (Excel) carries the right totals for readers
that do not recalculate."""
from __future__ import annotations

import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from docgen import kinds
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.template import Template
from docgen.validation import Validator

KINDS = ["minutes", "brief", "weekly", "signoff", "invoice"]
LOCALES = ["ko", "zh-CN", "zh-TW", "en"]
TAG = re.compile(r"\{\{|\{%|%\}|\}\}|\{#|#\}")
TITLES = {  # the document title each kind must show, by locale
    ("minutes", "ko"): "회의록", ("minutes", "zh-CN"): "会议纪要", ("minutes", "zh-TW"): "會議紀錄",
    ("minutes", "en"): "Meeting Minutes",
    ("weekly", "ko"): "주간", ("weekly", "zh-CN"): "周报", ("weekly", "zh-TW"): "週報",
    ("weekly", "en"): "Weekly",
    ("signoff", "ko"): "확인서", ("signoff", "zh-CN"): "确认", ("signoff", "zh-TW"): "確認",
    ("signoff", "en"): "Acceptance",
    ("invoice", "ko"): "세금계산서 발행 요청서", ("invoice", "zh-CN"): "开票申请单",
    ("invoice", "zh-TW"): "發票", ("invoice", "en"): "Invoice Request",
}


def _context(kind_name: str, code: str) -> tuple[dict[str, Any], DocLocale]:
    kind = kinds.get(kind_name)
    assert kind is not None
    rec = read_record(kind.sample_path(code))
    loc = DocLocale.parse(code)
    problems = Validator(kind.schema, loc).validate(rec.data, rec.source)
    assert not problems, problems
    return build_context(rec.data, kind.schema, locale=loc, compute=kind.compute,
                         data_file=rec.source.file), loc


# (kind, locale code, format) -> the rendered file
Rendered = dict[tuple[str, str, str], Path]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    out = tmp_path_factory.mktemp("every")
    files = {}
    for kind_name in KINDS:
        kind = kinds.get(kind_name)
        assert kind is not None
        templates = {fmt: Template(kind.template_path(fmt)) for fmt in ("docx", "xlsx")}
        for code in LOCALES:
            ctx, loc = _context(kind_name, code)
            for fmt, tpl in templates.items():
                path = out / f"{kind_name}_{code}.{fmt}"
                path.write_bytes(tpl.render(ctx, loc))
                files[(kind_name, code, fmt)] = path
    return files


def _docx_text(path: Path) -> str:
    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for s in doc.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
        parts += [c.text for t in s.header.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                     if c.value is not None)


@pytest.mark.parametrize("code", LOCALES)
@pytest.mark.parametrize("kind_name", KINDS)
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_document_reads_back(rendered: Rendered, kind_name: str, code: str, fmt: str) -> None:
    path = rendered[(kind_name, code, fmt)]
    text = _docx_text(path) if fmt == "docx" else _xlsx_text(path)
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                      if n.endswith(".xml"))
    assert not TAG.search(re.sub(r"<[^>]+>", "", xml)), "tag syntax left in the file"
    assert "None" not in text.split()
    title = TITLES.get((kind_name, code))
    if title is not None:
        assert title in text
    ctx, _ = _context(kind_name, code)
    client = ctx["client"]["name"] if isinstance(ctx.get("client"), dict) else None
    if client:
        assert client in text
    if ctx.get("job_number"):
        assert ctx["job_number"] in text


@pytest.mark.parametrize("code", LOCALES)
def test_excel_invoice_totals_without_recalculation(rendered: Rendered, code: str) -> None:
    ctx, _ = _context("invoice", code)
    wb = openpyxl.load_workbook(rendered[("invoice", code, "xlsx")], data_only=True)
    numbers = [Decimal(str(c.value)) for ws in wb for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    for name in ("subtotal", "vat", "total"):
        assert ctx[name] in numbers, (name, ctx[name])
    for item in ctx["items"]:
        assert item["amount"] in numbers


def test_libreoffice_opens_every_document(rendered: Rendered, soffice: str, pdftotext: str,
                                          tmp_path: Path) -> None:
    """One LibreOffice run converts all 40 files; each PDF has its title and client."""
    sources = sorted(rendered.values())
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *map(str, sources)], check=True, capture_output=True, timeout=600)
    for (kind_name, code, fmt), src in rendered.items():
        pdf = tmp_path / "pdf" / (src.stem + ".pdf")
        if fmt == "xlsx":  # docx and xlsx share a stem: LibreOffice writes one PDF name
            continue
        assert pdf.is_file(), pdf
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        title = TITLES.get((kind_name, code))
        if title is not None:
            assert title in text.replace("\n", ""), (kind_name, code)


def test_libreoffice_opens_every_workbook(rendered: Rendered, soffice: str, tmp_path: Path) -> None:
    sources = [p for (k, c, f), p in sorted(rendered.items()) if f == "xlsx"]
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *map(str, sources)], check=True, capture_output=True, timeout=600)
    for src in sources:
        pdf = tmp_path / "pdf" / (src.stem + ".pdf")
        assert pdf.is_file() and pdf.stat().st_size > 1000, pdf
