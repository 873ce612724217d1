"""The minutes kind end to end: each locale's document has its language, fonts and data."""
from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document
from lxml import etree

from docgen import pipeline
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.template import Template
from tests.support import SAMPLES, builtin_kind

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
KIND = builtin_kind("minutes")
assert KIND is not None

# Labels every minutes document must show, per language (from the labels catalog).
LABELS = {
    "ko": ["회의록", "참석자", "담당자"],
    "zh-CN": ["会议纪要", "参会人员", "负责人"],
    "zh-TW": ["會議紀錄", "與會人員", "負責人"],
    "en": ["Meeting Minutes", "Attendees", "Owner"],
}
LANG = {"ko": "ko-KR", "zh-CN": "zh-CN", "zh-TW": "zh-TW"}


def render_sample(name: str, locale: str) -> tuple[bytes, dict[str, Any]]:
    data = yaml.safe_load((SAMPLES / "minutes" / name).read_text(encoding="utf-8"))
    tpl = Template(KIND.template_path("docx"))
    loc = DocLocale.parse(locale)
    context = build_context(data, KIND.schema, locale=loc, compute=KIND.compute)
    return tpl.render(context, loc), data


def all_text(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        parts = [n for n in zf.namelist() if n.startswith("word/") and n.endswith(".xml")]
        return "\n".join("".join(etree.fromstring(zf.read(n)).itertext()) for n in parts)


@pytest.mark.parametrize("locale", ["ko", "zh-CN", "zh-TW", "en"])
def test_document_in_its_language(locale: str) -> None:
    docx, data = render_sample(f"{locale}.yaml", locale)
    text = all_text(docx)
    for label in LABELS[locale]:
        assert label in text, (locale, label)
    for other, labels in LABELS.items():
        if other != locale and not (locale == "zh-TW" and other == "zh-CN"):
            assert labels[0] not in text, (locale, other)
    assert "{{" not in text and "{%" not in text and "\ue000" not in text
    doc = Document(io.BytesIO(docx))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert data["title"] in body
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    for item in data["action_items"]:
        assert item["task"] in cells and item["owner"] in cells
    for person in data["attendees"]:
        assert person["name"] in cells


@pytest.mark.parametrize("locale", ["ko", "zh-CN", "zh-TW"])
def test_east_asian_font_and_language_tag(locale: str) -> None:
    docx, _ = render_sample(f"{locale}.yaml", locale)
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        styles = etree.fromstring(zf.read("word/styles.xml"))
        settings = etree.fromstring(zf.read("word/settings.xml"))
    rpr = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert rpr is not None
    fonts = rpr.find(f"{W}rFonts")
    lang = rpr.find(f"{W}lang")
    assert fonts is not None and lang is not None
    assert fonts.get(f"{W}eastAsia") and fonts.get(f"{W}eastAsiaTheme") is None
    assert lang.get(f"{W}eastAsia") == LANG[locale]
    for style_fonts in styles.iter(f"{W}rFonts"):
        assert style_fonts.get(f"{W}eastAsiaTheme") is None
    tfl = settings.find(f"{W}themeFontLang")
    assert tfl is None or tfl.get(f"{W}eastAsia") == LANG[locale]


def test_bilingual_labels() -> None:
    docx, _ = render_sample("ko+zh-CN.yaml", "ko+zh-CN")
    text = all_text(docx)
    assert "회의록 / 会议纪要" in text
    assert "참석자 / 参会人员" in text


def test_same_input_same_bytes() -> None:
    a, _ = render_sample("ko.yaml", "ko")
    b, _ = render_sample("ko.yaml", "ko")
    assert a == b


def test_no_leak_between_records() -> None:
    """Rendering client A then client B with one template: B's file has nothing of A."""
    tpl = Template(KIND.template_path("docx"))
    a = yaml.safe_load((SAMPLES / "minutes" / "ko.yaml").read_text(encoding="utf-8"))
    b = yaml.safe_load((SAMPLES / "minutes" / "en.yaml").read_text(encoding="utf-8"))
    ko = DocLocale("ko")
    tpl.render(build_context(a, KIND.schema, locale=ko, compute=KIND.compute), ko)
    out_b = all_text(tpl.render(build_context(b, KIND.schema, locale=ko, compute=KIND.compute), ko))
    client_a = a["client"]["name"] if isinstance(a["client"], dict) else a["client"]
    assert client_a not in out_b
    assert a["title"] not in out_b


@pytest.mark.parametrize("locale", ["ko", "zh-CN", "zh-TW", "en"])
def test_pdf_through_libreoffice(soffice: str, pdftotext: str, tmp_path: Path, locale: str) -> None:
    """A real reader: LibreOffice opens the document and the text survives into the PDF."""
    paths = pipeline.render_file(kind_name="minutes", file=SAMPLES / "minutes" / f"{locale}.yaml",
                                 out_dir=tmp_path, formats=["docx", "pdf"], name=locale)
    pdf = tmp_path / f"{locale}.pdf"
    assert pdf in paths and pdf.stat().st_size > 1000
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    compact = "".join(text.split())
    data = yaml.safe_load((SAMPLES / "minutes" / f"{locale}.yaml").read_text(encoding="utf-8"))
    assert "".join(LABELS[locale][0].split()) in compact
    assert "".join(data["attendees"][0]["name"].split()) in compact
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=False).stdout
    if locale != "en":
        assert "CJK" in fonts, fonts  # a real CJK face was embedded, not tofu
