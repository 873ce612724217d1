"""Bilingual documents (ko+zh-CN): the second language's labels are tagged with their
own language, so LibreOffice draws 会议纪要 with Chinese, not Korean, glyph forms."""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx
import pytest
from lxml import etree

from docgen import kinds
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.render.wordml import W
from docgen.template import Template

HAN = re.compile(r"[\u4e00-\u9fff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _render(kind_name: str, fmt: str) -> bytes:
    kind = kinds.get(kind_name)
    assert kind is not None
    rec = read_record(kind.sample_path("ko+zh-CN"))
    loc = DocLocale.parse("ko+zh-CN")
    ctx = build_context(rec.data, kind.schema, locale=loc, compute=kind.compute,
                        data_file=rec.source.file)
    return Template(kind.template_path(fmt)).render(ctx, loc)


@pytest.mark.parametrize("kind_name", ["minutes", "invoice", "signoff"])
def test_second_language_labels_carry_their_language(kind_name: str) -> None:
    data = _render(kind_name, "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    tagged = 0
    for run in root.iter(W + "r"):
        text = "".join(t.text or "" for t in run.iter(W + "t"))
        lang = run.find(f"{W}rPr/{W}lang")
        if lang is not None and lang.get(W + "eastAsia") == "zh-CN":
            tagged += 1
            # Chinese text; a value formatted into a label (the confirmation clause's
            # date) follows the first language in both halves, so Hangul may appear.
            assert HAN.search(text), text
    assert tagged >= 5
    title = {"minutes": "会议纪要", "invoice": "开票申请单", "signoff": "签收确认单"}[kind_name]
    runs = [r for r in root.iter(W + "r")
            if "".join(t.text or "" for t in r.iter(W + "t")).strip() == title]
    assert runs and all(r.find(f"{W}rPr/{W}lang").get(W + "eastAsia") == "zh-CN" for r in runs)


def test_text_and_formatting_are_unchanged() -> None:
    data = _render("minutes", "docx")
    doc = docx.Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "회의록 / 会议纪要"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    for run in root.iter(W + "r"):
        lang = run.find(f"{W}rPr/{W}lang")
        if lang is None or lang.get(W + "eastAsia") != "zh-CN":
            continue
        before = run.getprevious()
        if before is None or before.tag != W + "r":
            continue
        mine, theirs = run.find(W + "rPr"), before.find(W + "rPr")

        def strip(rpr: Any) -> list[bytes]:
            return [etree.tostring(c) for c in (rpr if rpr is not None else [])
                    if c.tag != W + "lang"]

        assert strip(mine) == strip(theirs)  # bold, size, colour kept for the Chinese half


def test_no_marks_leak_into_any_output() -> None:
    for kind_name in ("minutes", "invoice"):
        for fmt in ("docx", "xlsx"):
            with zipfile.ZipFile(io.BytesIO(_render(kind_name, fmt))) as zf:
                for name in zf.namelist():
                    if name.endswith(".xml"):
                        text = zf.read(name).decode("utf-8")
                        assert "\ue010" not in text and "\ue011" not in text, (kind_name, name)
