"""The built-in Word templates of all five kinds (the committed files are the source of
truth; tools/build_<kind>.py was their scaffolding): they render every sample in every locale to a clean, labelled, data-complete document."""
from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from babel.messages.pofile import read_po
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from docgen import kinds
from docgen.enrich import build_context
from docgen.i18n.catalog import LOCALE_DIR, translations
from docgen.i18n.format import Formatter
from docgen.i18n.locale import CATALOG_DIRS, DocLocale
from docgen.inputs import read_record
from docgen.pipeline import render_file
from docgen.profile import ImagePath, Profile, load_profile
from docgen.template import Template
from tests.support import LOCALES, REPO, SAMPLES

KINDS = ("minutes", "brief", "weekly", "signoff", "invoice")
TAG_MARKS = ("{{", "{%", "}}", "%}", "{#", "#}")

# The document title of each kind, as literal text (a change here is a visible change
# in every client's document, so it is spelled out rather than read back).
TITLES = {
    "minutes": {"ko": "회의록", "zh-CN": "会议纪要", "zh-TW": "會議紀錄", "en": "Meeting Minutes"},
    "brief": {"ko": "크리에이티브 브리프", "zh-CN": "创意简报", "zh-TW": "創意簡報",
              "en": "Creative Brief"},
    "work order": {"ko": "작업 지시서", "zh-CN": "工作单", "zh-TW": "工作單", "en": "Work Order"},
    "weekly": {"ko": "주간 업무 보고", "zh-CN": "工作周报", "zh-TW": "工作週報",
               "en": "Weekly Report"},
    "signoff": {"ko": "검수확인서", "zh-CN": "签收确认单", "zh-TW": "簽收確認單",
                "en": "Acceptance Sheet"},
    "invoice": {"ko": "세금계산서 발행 요청서", "zh-CN": "开票申请单", "zh-TW": "開立發票申請單",
                "en": "Invoice Request"},
}
TITLE_MSGIDS = {"minutes": "Meeting Minutes", "brief": "Creative Brief",
                "work order": "Work Order", "weekly": "Weekly Report",
                "signoff": "Acceptance Sheet", "invoice": "Invoice Request"}
# Where each locale's signature or seal goes (DOMAIN.md §1.5).
SEAL_MARKS = {"ko": "(인)", "zh-CN": "签字", "zh-TW": "簽名", "en": "(signature)"}

# A profile whose name appears in no sample, so the letterhead can be told apart.
AGENCY = {"ko": "누리기획", "zh-CN": "努力传播", "zh-TW": "努力傳播", "en": "Nuri Creative"}
PROFILE = Profile(
    company={"name": AGENCY, "legal_name": {"ko": "주식회사 누리기획", "en": "Nuri Creative Inc."},
             "representative": "박누리", "address": "서울특별시 마포구 월드컵북로 1",
             "tax_id": "987-65-43210", "phone": "+82 2-555-0199",
             "email": "ae@nuri.example", "website": None},
    bank={"name": "우리은행", "account": "1005-301-234567", "holder": None, "swift": "HVBKKRSE"},
)

# Computed fields each kind's compute hook adds (DESIGN.md §7; docgen/kinds/*/compute.py).
COMPUTED = {
    "minutes": {"time_range"},
    "brief": {"order_type_label", "work_type_label", "days_until_due", "due_in",
              "has_brief_text"},
    "weekly": {"week_end", "period", "week_label", "send_at", "tasks_by_status",
               "status_counts", "this_week", "next_week", "this_week_grouped"},
    "signoff": {"signed_stages", "unsigned_stages", "all_stages_signed", "client_signed",
                "acceptance_label"},
    "invoice": {"country", "vat_percent", "subtotal", "vat", "total", "amount_words",
                "amount_words_secondary", "due_date"},
}
# Added to every kind's context by docgen.enrich: the footer's page words and each
# top-level enum field's display name.
ENRICHED = {
    "minutes": {"page_of", "meeting_type_label"},
    "brief": {"page_of", "order_type_label", "work_type_label"},
    "weekly": {"page_of"},
    "signoff": {"page_of", "acceptance_label"},
    "invoice": {"page_of", "invoice_type_label"},
}


# ---------------------------------------------------------------- helpers

def sample_path(kind: str, code: str) -> Path:
    """The kind's sample in ``code``; a bilingual locale falls back to its primary's."""
    path = SAMPLES / kind / f"{code}.yaml"
    if not path.is_file():
        path = SAMPLES / kind / f"{code.split('+')[0]}.yaml"
    if not path.is_file():
        pytest.skip(f"no {kind} sample for {code} yet")
    return path


def context(kind: str, code: str, profile: Optional[Profile] = PROFILE) -> dict[str, Any]:
    k = kinds.get(kind)
    if k is None:
        pytest.skip(f"kind {kind} has no schema yet")
    rec = read_record(sample_path(kind, code))
    return build_context(rec.data, k.schema, locale=DocLocale.parse(code), compute=k.compute,
                         profile=profile, data_file=rec.source.file)


def render(kind: str, code: str, ctx: dict[str, Any]) -> bytes:
    path = REPO / "templates" / kind / f"{kind}.docx"
    if not path.is_file():
        pytest.skip(f"no {kind} template yet")
    return Template(path).render(ctx, DocLocale.parse(code))


def _block_text(items: Any) -> Iterator[str]:
    for item in items:
        if isinstance(item, Paragraph):
            yield item.text
        elif isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from _block_text(cell.iter_inner_content())


def document_text(data: bytes) -> str:
    """Body, headers and footers (every section, first-page ones included), as
    python-docx reads them; tables are read cell by cell, nested tables too."""
    doc = Document(io.BytesIO(data))
    parts = list(_block_text(doc.iter_inner_content()))
    for section in doc.sections:
        for hf in (section.header, section.footer, section.first_page_header,
                   section.first_page_footer):
            if not hf.is_linked_to_previous:
                parts += list(_block_text(hf.iter_inner_content()))
    return "\n".join(parts)


def label(code: str, msgid: str) -> str:
    """A label as the engine shows it: ``A / B`` in a bilingual document."""
    loc = DocLocale.parse(code)
    text: str = translations("labels", loc.primary).gettext(msgid)
    if loc.secondary:
        other: str = translations("labels", loc.secondary).gettext(msgid)
        if other != text:
            text = f"{text} / {other}"
    return text


def title_key(kind: str, ctx: dict[str, Any]) -> str:
    if kind == "brief" and ctx.get("order_type") != "creative":
        return "work order"
    return kind


def template_msgids(kind: str) -> set[str]:
    with zipfile.ZipFile(REPO / "templates" / kind / f"{kind}.docx") as zf:
        text = "".join(re.sub(r"<[^>]+>", "", zf.read(n).decode("utf-8"))
                       for n in zf.namelist() if n.startswith("word/") and n.endswith(".xml"))
    return set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', text))


def png(path: Path, width: int = 60, height: int = 20) -> Path:
    """A small solid PNG (no imaging library needed)."""
    raw = b"".join(b"\x00" + b"\x1f\x3a\x5f" * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_every_label_is_in_every_catalog(kind: str) -> None:
    msgids = template_msgids(kind)
    assert msgids
    for code in LOCALES:
        po = LOCALE_DIR / CATALOG_DIRS[code] / "LC_MESSAGES" / "labels.po"
        with po.open("rb") as fh:
            known = {m.id for m in read_po(fh) if m.id and m.string}
        assert not msgids - known, (code, sorted(msgids - known))


@pytest.mark.parametrize("kind", KINDS)
def test_template_reads_only_known_fields(kind: str) -> None:
    k = kinds.get(kind)
    if k is None:
        pytest.skip(f"kind {kind} has no schema yet")
    fields = Template(REPO / "templates" / kind / f"{kind}.docx").fields()
    known = set(k.schema["properties"]) | COMPUTED[kind] | ENRICHED[kind] | {"company", "image"}
    assert fields <= known, fields - known


# ---------------------------------------------------------------- rendered samples

CASES = [(kind, code) for kind in KINDS for code in LOCALES] + [
    (kind, "ko+zh-CN") for kind in KINDS]


@pytest.mark.parametrize("kind,code", CASES)
def test_sample_renders_clean_and_complete(kind: str, code: str) -> None:
    ctx = context(kind, code)
    text = document_text(render(kind, code, ctx))
    for mark in TAG_MARKS:
        assert mark not in text, (mark, text[max(0, text.find(mark) - 80):text.find(mark) + 80])
    assert "None" not in text and "\ue000" not in text

    key = title_key(kind, ctx)
    assert label(code, TITLE_MSGIDS[key]) in text
    primary = DocLocale.parse(code).primary
    assert TITLES[key][primary] in text

    assert ctx["client"]["name"] in text
    if ctx.get("job_number"):
        assert ctx["job_number"] in text
    assert AGENCY[primary] in text   # letterhead

    fmt = Formatter(primary)
    if kind == "invoice":
        assert fmt.money(ctx["total"], ctx["currency"]) in text
        assert fmt.money(ctx["subtotal"], ctx["currency"]) in text
        assert ctx["amount_words"] in text
        assert ctx["client"]["tax_id"] in text
        assert "1005-301-234567" in text  # the agency's bank account from the profile
    if kind == "weekly":
        assert ctx["week_label"] in text
        for task in ctx["tasks"]:
            assert task["task"] in text
    if kind == "brief":
        for item in ctx["deliverables"]:
            assert item["item"] in text
    if kind == "signoff":
        assert ctx["deliverable"]["title"] in text
        for stage in ctx["stages"]:
            assert stage["stage"] in text
    if kind in ("signoff", "invoice", "brief"):
        assert SEAL_MARKS[primary] in text


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_company_profile(kind: str) -> None:
    """No profile: no letterhead and no 'None', and page 1 gets the running header."""
    ctx = context(kind, "ko", profile=None)
    data = render(kind, "ko", ctx)
    text = document_text(data)
    assert "None" not in text and AGENCY["ko"] not in text
    doc = Document(io.BytesIO(data))
    first = "\n".join(p.text for p in doc.sections[0].first_page_header.paragraphs)
    assert ctx["client"]["name"] in first


def test_invoice_and_signoff_details() -> None:
    ctx = context("invoice", "ko")
    text = document_text(render("invoice", "ko", ctx))
    assert "세금계산서 발행 요청서" in text and "일금 " in text and "원정" in text
    assert f"발행일로부터 {ctx['payment_terms_days']}일 이내" in text
    for role in ("요청자", "팀장", "재무"):
        assert role in text
    assert f"세액 ({Formatter('ko').percent(ctx['vat_rate'])})" in text
    assert ctx["vat_rate"] == Decimal("0.10")

    cn = context("invoice", "zh-CN")
    cn_text = document_text(render("invoice", "zh-CN", cn))
    assert "价税合计（大写）" in cn_text and "财务审核" in cn_text and "（签字／盖章）" in cn_text

    so = context("signoff", "ko")
    so_text = document_text(render("signoff", "ko", so))
    statement = translations("labels", "ko").gettext(
        {"accepted": "We have inspected the deliverable above and confirm that it is accepted.",
         "conditional": "We have inspected the deliverable above and accept it subject to the "
                        "conditions given in the remarks.",
         "rejected": "We have inspected the deliverable above and do not accept it, for the "
                     "reasons given in the remarks."}.get(so["acceptance"] or "accepted", ""))
    assert statement in so_text
    assert "■ " + (so["acceptance_label"] or "") in so_text


def test_bilingual_labels() -> None:
    text = document_text(render("invoice", "ko+zh-CN", context("invoice", "ko+zh-CN")))
    assert "세금계산서 발행 요청서 / 开票申请单" in text
    assert "공급받는자 / 购买方信息" in text


def test_logo_and_signature_images(tmp_path: Path) -> None:
    """With a logo in the profile and signature images on stages, pictures are placed."""
    logo = png(tmp_path / "logo.png")
    sign = png(tmp_path / "sign.png", 50, 16)
    profile = Profile(company=dict(PROFILE.company), bank=dict(PROFILE.bank), logo=logo)
    ctx = context("signoff", "ko", profile=profile)
    for stage in ctx["stages"][:2]:
        stage["signature_image"] = ImagePath(sign)
    data = render("signoff", "ko", ctx)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        body = zf.read("word/document.xml").decode("utf-8")
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
    assert body.count("<w:drawing>") == 3 and len(media) == 2
    for kind in ("minutes", "brief", "weekly", "invoice"):
        out = render(kind, "en", context(kind, "en", profile=profile))
        assert b"word/media/" in out


def test_pdf_through_libreoffice(soffice: str, pdftotext: str, tmp_path: Path) -> None:
    """LibreOffice opens every kind's Korean document; labels and data reach the PDF."""
    docs = []
    for kind in KINDS:
        path = tmp_path / f"{kind}.docx"
        path.write_bytes(render(kind, "ko", context(kind, "ko")))
        docs.append(path)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *map(str, docs)], check=True, capture_output=True, timeout=300)
    for kind in KINDS:
        pdf = tmp_path / f"{kind}.pdf"
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        compact = "".join(text.split())
        ctx = context(kind, "ko")
        assert "".join(TITLES[title_key(kind, ctx)]["ko"].split()) in compact, kind
        assert "".join(ctx["client"]["name"].split()) in compact, kind


def _pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf.read_bytes()))


def test_one_page_forms(soffice: str, tmp_path: Path) -> None:
    """The invoice request and the acceptance sheet are one-page forms: every sample,
    with the sample profile's letterhead (logo included) and without a profile, fits
    on one page as LibreOffice lays it out (docgen's PDF path)."""
    profiles = {"letterhead": load_profile(SAMPLES / "docgen.toml"), "plain": None}
    docs = []
    for kind in ("invoice", "signoff"):
        for code in LOCALES:
            for mode, profile in profiles.items():
                stem = f"{kind}_{code}_{mode}"
                (path,) = render_file(kind_name=kind, file=sample_path(kind, code),
                                      out_dir=tmp_path, name=stem, profile=profile)
                docs.append(path)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *map(str, docs)], check=True, capture_output=True, timeout=300)
    pages = {doc.stem: _pdf_pages(tmp_path / "pdf" / f"{doc.stem}.pdf") for doc in docs}
    assert not {stem: n for stem, n in pages.items() if n != 1}, pages
