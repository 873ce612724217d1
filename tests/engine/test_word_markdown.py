"""Formatted values in Word (issue 12, point 1): Markdown notes printed as real
paragraphs, lists with their own numbering, styled runs and hyperlinks.

Outputs are read with python-docx and lxml (numbering.xml, relationships), validated
against the ECMA-376 schemas, and once converted by LibreOffice to check that each
loop item's numbered list reads 1., 2. again.
"""
from __future__ import annotations

import io
import re
import subprocess
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import docx
import pytest
from lxml import etree

import docgen
from docgen.errors import DocgenWarning, TemplateError
from docgen.i18n.catalog import SECONDARY_CLOSE, SECONDARY_OPEN
from docgen.render.markdown import MarkdownText
from docgen.render.missing import MissingValuesError
from docgen.render.textmodel import Block, Span, Style
from tests import ooxml_schema
from tests.engine.docx_builders import W, body_docx, build_docx, hyperlink, ins, p, read_member, run

DOC = "word/document.xml"
NUMBERING = "word/numbering.xml"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
NOTES = ("Intro **bold** and *italic* ~~gone~~\n"
         "- first\n"
         "  - nested\n"
         "    - deeper\n"
         "- second\n"
         "1. one\n"
         "2. two")


def render(template: bytes, context: dict[str, Any], locale: str = "ko") -> bytes:
    out = docgen.Template(template).render(context, locale)
    if ooxml_schema.available():
        ooxml_schema.assert_valid(out)
    return out


def document(out: bytes) -> Any:
    return docx.Document(io.BytesIO(out))


def body(out: bytes) -> etree._Element:
    return etree.fromstring(read_member(out, DOC)).find(W + "body")


def numbering(out: bytes) -> etree._Element:
    return etree.fromstring(read_member(out, NUMBERING))


def num_pr(par: Any) -> Optional[tuple[int, int]]:
    """``(numId, ilvl)`` of a python-docx paragraph, or ``None``."""
    ppr = par._p.pPr
    if ppr is None or ppr.numPr is None:
        return None
    return int(ppr.numPr.numId.val), int(ppr.numPr.ilvl.val)


def level_of(par: Any) -> Optional[int]:
    """The list level of a python-docx paragraph, ``None`` outside a list."""
    found = num_pr(par)
    return None if found is None else found[1]


def num_def(out: bytes, num_id: int) -> tuple[int, dict[int, int]]:
    """The abstractNumId and the startOverride per level of ``w:num`` ``num_id``."""
    root = numbering(out)
    (num,) = [n for n in root.iter(W + "num") if n.get(W + "numId") == str(num_id)]
    abstract = int(num.find(W + "abstractNumId").get(W + "val"))
    starts = {int(o.get(W + "ilvl")): int(o.find(W + "startOverride").get(W + "val"))
              for o in num.iter(W + "lvlOverride")}
    return abstract, starts


def level_format(out: bytes, abstract_id: int, level: int) -> str:
    root = numbering(out)
    (ab,) = [a for a in root.iter(W + "abstractNum")
             if a.get(W + "abstractNumId") == str(abstract_id)]
    (lvl,) = [lv for lv in ab.iter(W + "lvl") if lv.get(W + "ilvl") == str(level)]
    return str(lvl.find(W + "numFmt").get(W + "val"))


def level_def(out: bytes, num_id: int, level: int) -> etree._Element:
    """The ``w:lvl`` that numbers level ``level`` of ``w:num`` ``num_id``."""
    abstract, _ = num_def(out, num_id)
    (ab,) = [a for a in numbering(out).iter(W + "abstractNum")
             if a.get(W + "abstractNumId") == str(abstract)]
    (lvl,) = [lv for lv in ab.iter(W + "lvl") if lv.get(W + "ilvl") == str(level)]
    return lvl


def lvl_look(lvl: etree._Element) -> tuple[str, str]:
    """``(numFmt, lvlText)`` of a level definition."""
    return lvl.find(W + "numFmt").get(W + "val"), lvl.find(W + "lvlText").get(W + "val")


def lvl_indent(lvl: etree._Element) -> tuple[int, int]:
    ind = lvl.find(f"{W}pPr/{W}ind")
    return int(ind.get(W + "left")), int(ind.get(W + "hanging"))


def rels(out: bytes, part: str = "word/_rels/document.xml.rels") -> list[etree._Element]:
    return list(etree.fromstring(read_member(out, part)).iter(REL_NS + "Relationship"))


def without_numbering(template: bytes) -> bytes:
    """The template without word/numbering.xml (its relationship and content type)."""
    src = zipfile.ZipFile(io.BytesIO(template))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name == NUMBERING:
                continue
            if name == "word/_rels/document.xml.rels":
                data = re.sub(rb'<Relationship [^>]*numbering[^>]*/>', b"", data)
            if name == "[Content_Types].xml":
                data = re.sub(rb'<Override [^>]*numbering[^>]*/>', b"", data)
            if name == "word/styles.xml":  # list styles without their numbering
                data = re.sub(rb"<w:numPr>.*?</w:numPr>", b"", data, flags=re.DOTALL)
            z.writestr(name, data)
    return buf.getvalue()


def with_hyperlink_style(template: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(template))
    buf = io.BytesIO()
    style = (b'<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/>'
             b'<w:rPr><w:color w:val="0000FF"/><w:u w:val="single"/></w:rPr></w:style>')
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name == "word/styles.xml":
                data = data.replace(b"</w:styles>", style + b"</w:styles>")
            z.writestr(name, data)
    return buf.getvalue()


# ============================================================== paragraphs and lists

def test_p_tag_becomes_paragraphs_and_list_items() -> None:
    out = render(body_docx(p("{{p notes|md }}", jc="center")), {"notes": NOTES})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == [
        "Intro bold and italic gone", "first", "nested", "deeper", "second", "one", "two"]
    assert [level_of(x) for x in pars] == [None, 0, 1, 2, 0, 0, 0]
    bullets, numbers = num_pr(pars[1]), num_pr(pars[5])
    assert bullets and numbers and bullets[0] != numbers[0]
    assert num_pr(pars[4]) == (bullets[0], 0) and num_pr(pars[6]) == (numbers[0], 0)
    assert all(x.alignment is not None and x.alignment == 1 for x in pars)  # pPr kept
    runs = pars[0].runs
    assert [(r.text, r.bold, r.italic, r.font.strike) for r in runs] == [
        ("Intro ", None, None, None), ("bold", True, None, None), (" and ", None, None, None),
        ("italic", None, True, None), (" ", None, None, None), ("gone", None, None, True)]
    bullet_abstract, _ = num_def(out, bullets[0])
    number_abstract, starts = num_def(out, numbers[0])
    assert level_format(out, bullet_abstract, 0) == "bullet"
    assert level_format(out, number_abstract, 0) == "decimal"
    assert starts[0] == 1


def test_text_before_and_after_the_tag_stays() -> None:
    out = render(body_docx(p(run("Before {{ notes|md }} after.", bold=True), jc="right")),
                 {"notes": "- a\n- b"})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["Before ", "a", "b", "after."]
    assert [bool(num_pr(x)) for x in pars] == [False, True, True, False]
    assert all(x.alignment == 2 for x in pars)
    assert all(r.bold for x in pars for r in x.runs)  # the tag run's rPr everywhere


def spaced_texts_preserved(out: bytes) -> bool:
    """Every w:t of the body with leading or trailing white space keeps it."""
    spaced = [t for t in body(out).iter(W + "t") if t.text and t.text != t.text.strip()]
    return bool(spaced) and all(
        t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve" for t in spaced)


def test_sentence_then_bullets_after_text_continue_its_paragraph() -> None:
    """"Summary: {{ notes|md }}" with a sentence, then bullets: the sentence continues
    the paragraph after "Summary: " (no paragraph break the notes do not have), the
    bullets are list paragraphs of their own."""
    tpl = body_docx(p(run("Summary: {{ notes|md }}", preserve=False), jc="right"), p("end"))
    out = render(tpl, {"notes": "A **short** sentence.\n\n- one\n- two"})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["Summary: A short sentence.", "one", "two", "end"]
    assert [bool(num_pr(x)) for x in pars] == [False, True, True, False]
    assert [(r.text, r.bold) for r in pars[0].runs] == [
        ("Summary: ", None), ("A ", None), ("short", True), (" sentence.", None)]
    assert all(x.alignment == 2 for x in pars[:3])  # the tag paragraph's pPr
    assert spaced_texts_preserved(out)  # "Summary: " keeps its space


def test_text_after_the_tag_continues_the_last_paragraph() -> None:
    tpl = body_docx(p(run("Notes: {{ n|md }} (end)", preserve=False)))
    out = render(tpl, {"n": "- one\n- two\n\nClosing *words*."})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["Notes: ", "one", "two", "Closing words. (end)"]
    assert [bool(num_pr(x)) for x in pars] == [False, True, True, False]
    assert [(r.text, r.italic) for r in pars[3].runs] == [
        ("Closing ", None), ("words", True), (".", None), (" (end)", None)]
    assert spaced_texts_preserved(out)


def test_paragraphs_between_text_split_only_between_them() -> None:
    """Two Markdown paragraphs between text: "See p1" / "p2 here", as a plain value
    with \\a gives (and docxtpl's \\a)."""
    tpl = body_docx(p("See {{ n|md }} here", style="Quote"))
    out = render(tpl, {"n": "first **one**\n\nsecond"})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["See first one", "second here"]
    assert [x.style.name for x in pars] == ["Quote", "Quote"]
    plain = render(body_docx(p("See {{ n }} here", style="Quote")), {"n": "first one\asecond"})
    assert [x.text for x in document(plain).paragraphs] == [x.text for x in pars]
    assert spaced_texts_preserved(out)


def test_a_list_between_text_keeps_both_sides_and_the_section() -> None:
    sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
    tpl = body_docx(p("Intro {{ n|md }} outro", ppr_extra=sect), p("next"))
    out = render(tpl, {"n": "text\n\n- a\n- b\n\nmore"})
    pars = body(out).findall(W + "p")
    assert [x.text for x in document(out).paragraphs] == [
        "Intro text", "a", "b", "more outro", "next"]
    assert [x.find(f"{W}pPr/{W}sectPr") is not None for x in pars] == [
        False, False, False, True, False]


def test_numbered_list_restarts_for_each_loop_item() -> None:
    tpl = body_docx(p("{%p for d in discussion %}"), p("{{ d.topic }}"),
                    p("{{p d.notes|md }}"), p("{%p endfor %}"))
    items = [{"topic": f"Topic {i}", "notes": "1. x\n2. y\n   1. sub\n3. z"} for i in range(3)]
    out = render(tpl, {"discussion": items})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == [
        t for i in range(3) for t in (f"Topic {i}", "x", "y", "sub", "z")]
    per_item = [[num_pr(x) for x in pars[i * 5 + 1:i * 5 + 5]] for i in range(3)]
    ids = [item[0][0] for item in per_item]  # type: ignore[index]
    assert len(set(ids)) == 3  # a w:num of its own per loop item
    for num_id, item in zip(ids, per_item):
        assert item == [(num_id, 0), (num_id, 0), (num_id, 1), (num_id, 0)]
        abstract, starts = num_def(out, num_id)
        assert starts == {0: 1, 1: 1}  # every level the list uses restarts
    assert len({num_def(out, i)[0] for i in ids}) == 1  # one definition shared


def test_start_number_is_kept() -> None:
    out = render(body_docx(p("{{p n|md }}")), {"n": "3. c\n4. d"})
    found = {num_pr(x) for x in document(out).paragraphs}
    assert None not in found
    ((num_id, _),) = [f for f in found if f is not None]
    assert num_def(out, num_id)[1][0] == 3


def test_every_list_of_a_value_has_its_own_num() -> None:
    out = render(body_docx(p("{{p n|md }}")), {"n": "1. a\n\ntext\n\n1. b"})
    pars = document(out).paragraphs
    first, second = num_pr(pars[0]), num_pr(pars[2])
    assert first and second and first[0] != second[0]


def test_template_list_styles_give_the_levels() -> None:
    # python-docx's default template: "List Bullet" etc. have single-level definitions
    tpl = body_docx(p("{{p n|md }}"))
    out = render(tpl, {"n": "- a\n  - b\n1. c\n   1. d"})
    pars = document(out).paragraphs
    bullet_abs = num_def(out, num_pr(pars[0])[0])[0]  # type: ignore[index]
    number_abs = num_def(out, num_pr(pars[2])[0])[0]  # type: ignore[index]
    template_numbering = etree.fromstring(read_member(tpl, NUMBERING))
    template_abstracts = {a.get(W + "abstractNumId") for a in template_numbering.iter(W + "abstractNum")}
    assert str(bullet_abs) not in template_abstracts  # docgen's own, copied from the styles
    root = numbering(out)
    (ab,) = [a for a in root.iter(W + "abstractNum") if a.get(W + "abstractNumId") == str(number_abs)]
    lvl1 = [lv for lv in ab.iter(W + "lvl") if lv.get(W + "ilvl") == "1"][0]
    assert lvl1.find(W + "lvlText").get(W + "val") == "%2."  # "%1." of List Number 2, moved
    assert lvl1.find(W + "pStyle") is None
    ind0 = [lv for lv in ab.iter(W + "lvl") if lv.get(W + "ilvl") == "0"][0].find(f"{W}pPr/{W}ind")
    assert ind0.get(W + "left") == "360"  # python-docx's List Number


def test_template_without_numbering_part_gets_one() -> None:
    tpl = without_numbering(body_docx(p("{{p n|md }}")))
    assert NUMBERING not in zipfile.ZipFile(io.BytesIO(tpl)).namelist()
    out = render(tpl, {"n": "- a\n  - b\n    - c\n1. x\n   1. y\n      1. z"})
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    assert NUMBERING in names
    assert any(r.get("Type", "").endswith("/numbering") and r.get("Target") == "numbering.xml"
               for r in rels(out))
    assert b'PartName="/word/numbering.xml"' in read_member(out, "[Content_Types].xml")
    pars = document(out).paragraphs
    bullet_abs = num_def(out, num_pr(pars[0])[0])[0]  # type: ignore[index]
    number_abs = num_def(out, num_pr(pars[3])[0])[0]  # type: ignore[index]
    assert [level_format(out, bullet_abs, i) for i in range(3)] == ["bullet"] * 3
    assert [level_format(out, number_abs, i) for i in range(3)] == [
        "decimal", "lowerLetter", "lowerRoman"]
    texts = [lv.find(W + "lvlText").get(W + "val") for a in numbering(out).iter(W + "abstractNum")
             if a.get(W + "abstractNumId") == str(bullet_abs) for lv in a.iter(W + "lvl")]
    assert texts[:3] == ["•", "◦", "▪"]


def test_numbering_xml_keeps_schema_order() -> None:
    out = render(body_docx(p("{{p n|md }}")), {"n": "- a\n1. b"})
    tags = [etree.QName(el).localname for el in numbering(out)
            if isinstance(el.tag, str)]
    assert tags.index("num") > max(i for i, t in enumerate(tags) if t == "abstractNum")


def test_header_lists_share_the_numbering_part() -> None:
    tpl = build_docx([p("{{p n|md }}")], header=[p("{{p n|md }}")])
    out = render(tpl, {"n": "1. a\n2. b"})
    header = etree.fromstring(read_member(out, "word/header1.xml"))
    doc_ids = {x[0] for x in map(num_pr, document(out).paragraphs) if x}
    header_ids = {int(n.get(W + "val")) for n in header.iter(W + "numId")}
    assert len(doc_ids) == 1 and len(header_ids) == 1 and doc_ids != header_ids
    all_ids = [n.get(W + "numId") for n in numbering(out).iter(W + "num")]
    assert len(all_ids) == len(set(all_ids))


def test_indented_tag_paragraph_indents_the_list() -> None:
    out = render(body_docx(p("{{p n|md }}", ppr_extra='<w:ind w:left="400" w:right="100"/>')),
                 {"n": "- a\n  - b\ntext"})
    pars = body(out).findall(W + "p")
    inds = [x.find(f"{W}pPr/{W}ind") for x in pars]
    assert [(i.get(W + "left"), i.get(W + "hanging"), i.get(W + "right")) for i in inds[:2]] == [
        ("760", "360", "100"), ("1120", "360", "100")]  # 400 + the level's 360 / 720
    assert inds[2].get(W + "left") == "400"  # a plain paragraph keeps the template's


def test_list_in_a_table_cell_plain_tag() -> None:
    from tests.engine.docx_builders import tbl
    out = render(build_docx([tbl([["Notes", "{{ n|md }}"]])]), {"n": "- a\n- b"})
    cell = document(out).tables[0].cell(0, 1)
    assert [x.text for x in cell.paragraphs] == ["a", "b"]
    assert all(num_pr(x) for x in cell.paragraphs)


def test_section_break_paragraph_keeps_its_section_last() -> None:
    sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
    out = render(body_docx(p("{{p n|md }}", ppr_extra=sect), p("next")), {"n": "- a\n- b"})
    pars = body(out).findall(W + "p")
    assert [x.find(f"{W}pPr/{W}sectPr") is not None for x in pars] == [False, True, False]


# ============================================================== markers typed in CJK

CJK_NOTES = "1、确认预算\n2、提交创意方案"


def valid(out: bytes) -> bytes:
    ooxml_schema.require()
    ooxml_schema.assert_valid(out)
    return out


def test_ideographic_comma_items_are_a_word_list_numbered_as_typed() -> None:
    out = valid(render(body_docx(p("{{p n|md }}")), {"n": CJK_NOTES + "\n\n说明\n\n1. 另一\n2. 列表"},
                       locale="zh-CN"))
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["确认预算", "提交创意方案", "说明", "另一", "列表"]
    comma, dot = num_pr(pars[0]), num_pr(pars[3])
    assert comma and dot and comma[0] != dot[0]
    assert num_pr(pars[1]) == (comma[0], 0) and num_pr(pars[2]) is None
    assert lvl_look(level_def(out, comma[0], 0)) == ("decimal", "%1、")
    assert lvl_look(level_def(out, dot[0], 0)) == ("decimal", "%1.")  # 1. as before
    assert num_def(out, comma[0])[1] == {0: 1}
    assert num_def(out, comma[0])[0] != num_def(out, dot[0])[0]  # a definition each


def test_the_templates_list_number_style_gives_the_look_the_marker_the_text() -> None:
    """python-docx's template: "List Number" is ``%1.`` at left 360, hanging 360 with a
    number tab at 360. A ``1、`` list keeps that level (alignment, the tab stop) but
    writes ``%1、``, the hanging indent widened for the full-width comma."""
    tpl = body_docx(p("{{p n|md }}"))
    out = valid(render(tpl, {"n": "1、a\n2、b\n\nx\n\n1. c"}, locale="zh-CN"))
    pars = document(out).paragraphs
    comma = level_def(out, num_pr(pars[0])[0], 0)  # type: ignore[index]
    dot = level_def(out, num_pr(pars[3])[0], 0)  # type: ignore[index]
    assert lvl_look(dot) == ("decimal", "%1.") and lvl_indent(dot) == (360, 360)
    assert lvl_look(comma) == ("decimal", "%1、")
    left, hanging = lvl_indent(comma)
    assert left - hanging == 0 and hanging >= 420  # the number where it was, more room
    assert comma.find(f"{W}pPr/{W}tabs/{W}tab").get(W + "pos") == str(left)
    assert comma.find(W + "lvlJc").get(W + "val") == dot.find(W + "lvlJc").get(W + "val")


def test_nested_and_full_width_markers_in_docgens_own_levels() -> None:
    tpl = without_numbering(body_docx(p("{{p n|md }}")))
    out = valid(render(tpl, {"n": "1、a\n  （1）x\n  （2）y\n2、b\n    - z\n\n备注\n\n１．c\n２．d"},
                       locale="zh-CN"))
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["a", "x", "y", "b", "z", "备注", "c", "d"]
    (num_id, _), (sub_id, sub_level) = num_pr(pars[0]), num_pr(pars[1])  # type: ignore[misc]
    assert (sub_id, sub_level) == (num_id, 1)  # the sub-list is the list's next level
    assert lvl_look(level_def(out, num_id, 0)) == ("decimal", "%1、")
    assert lvl_look(level_def(out, num_id, 1)) == ("decimal", "（%2）")  # not docgen's "a."
    assert lvl_look(level_def(out, num_id, 2)) == ("lowerRoman", "%3.")  # untyped: docgen's
    assert lvl_indent(level_def(out, num_id, 1))[1] >= 660  # room for （1）
    wide = num_pr(pars[6])
    assert wide and lvl_look(level_def(out, wide[0], 0)) == ("decimalFullWidth", "%1．")


def test_cjk_lists_restart_for_each_loop_item_sharing_one_definition() -> None:
    tpl = body_docx(p("{%p for d in discussion %}"), p("{{ d.topic }}"),
                    p("{{p d.notes|md }}"), p("{%p endfor %}"))
    items = [{"topic": f"议题{i}", "notes": CJK_NOTES} for i in range(3)]
    out = valid(render(tpl, {"discussion": items}, locale="zh-CN"))
    ids = [n for n in (num_pr(x) for x in document(out).paragraphs) if n]
    assert len(ids) == 6 and len({i for i, _ in ids}) == 3
    for num_id, _ in ids:
        assert num_def(out, num_id)[1] == {0: 1}
        assert lvl_look(level_def(out, num_id, 0)) == ("decimal", "%1、")
    assert len({num_def(out, i)[0] for i, _ in ids}) == 1


def test_an_other_marker_is_a_list_of_its_own_keeping_its_number() -> None:
    out = valid(render(body_docx(p("{{p n|md }}")), {"n": "1、a\n2．b"}, locale="zh-CN"))
    first, second = (num_pr(x) for x in document(out).paragraphs)
    assert first and second and first[0] != second[0]
    assert lvl_look(level_def(out, second[0], 0)) == ("decimal", "%1．")
    assert num_def(out, second[0])[1] == {0: 2}


def test_indented_tag_paragraph_indents_a_cjk_list_with_room_for_its_marker() -> None:
    out = valid(render(body_docx(p("{{p n|md }}", ppr_extra='<w:ind w:left="400"/>')),
                       {"n": "（1）a\n（2）b"}, locale="zh-CN"))
    pars = body(out).findall(W + "p")
    ind = pars[0].find(f"{W}pPr/{W}ind")
    left, hanging = lvl_indent(level_def(out, num_pr(document(out).paragraphs[0])[0], 0))  # type: ignore[index]
    assert (int(ind.get(W + "left")), int(ind.get(W + "hanging"))) == (400 + left, hanging)
    assert hanging >= 660


def test_where_it_cannot_split_cjk_numbers_are_written_as_typed() -> None:
    out = render(body_docx(p(ins(run("{{ n|md }}")))), {"n": "1、a\n2、b\n  （1）c"})
    assert "".join(t.text for t in body(out).iter(W + "t")) == "1、a2、b  （1）c"


# ============================================================== circled digits

CIRCLED_NOTES = "① 예산 확정\n② 일정 공유\n③ 결과 보고"


def test_circled_items_are_a_word_list_numbered_in_circled_digits() -> None:
    notes = CIRCLED_NOTES + "\n\n메모\n\n1. 다른\n2. 목록"
    out = valid(render(body_docx(p("{{p n|md }}")), {"n": notes}))
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["예산 확정", "일정 공유", "결과 보고", "메모", "다른", "목록"]
    circled, dot = num_pr(pars[0]), num_pr(pars[4])
    assert circled and dot and circled[0] != dot[0]
    assert num_pr(pars[1]) == num_pr(pars[2]) == (circled[0], 0)
    lvl = level_def(out, circled[0], 0)
    assert lvl_look(lvl) == ("decimalEnclosedCircle", "%1")
    assert lvl.find(W + "numFmt").attrib == {W + "val": "decimalEnclosedCircle"}
    assert lvl_look(level_def(out, dot[0], 0)) == ("decimal", "%1.")  # 1. as before
    assert num_def(out, circled[0])[1] == {0: 1}
    assert lvl_indent(lvl)[1] >= 300  # room for a full-width circled digit


def test_circled_sub_list_and_start_in_docgens_own_levels() -> None:
    tpl = without_numbering(body_docx(p("{{p n|md }}")))
    out = valid(render(tpl, {"n": "1. 예산\n   ③ 확정\n   ④ 공유\n2. 일정"}))
    pars = document(out).paragraphs
    (num_id, _), sub = num_pr(pars[0]), num_pr(pars[1])  # type: ignore[misc]
    assert sub == (num_id, 1) and num_pr(pars[3]) == (num_id, 0)
    assert lvl_look(level_def(out, num_id, 0)) == ("decimal", "%1.")
    assert lvl_look(level_def(out, num_id, 1)) == ("decimalEnclosedCircle", "%2")
    assert num_def(out, num_id)[1] == {0: 1, 1: 3}


def test_where_it_cannot_split_circled_numbers_are_written_as_typed() -> None:
    out = render(body_docx(p(ins(run("{{ n|md }}")))), {"n": "① a\n① b"})
    assert "".join(t.text for t in body(out).iter(W + "t")) == "① a② b"


# ============================================================== runs and fonts

def test_runs_keep_the_template_runs_fonts_and_language() -> None:
    rpr = ('<w:rPr><w:rFonts w:ascii="Arial" w:eastAsia="Malgun Gothic"/>'
           '<w:color w:val="112233"/><w:lang w:val="en-US" w:eastAsia="ko-KR"/></w:rPr>')
    tpl = body_docx(p(f'<w:r>{rpr}<w:t xml:space="preserve">{{{{p n|md }}}}</w:t></w:r>'))
    out = render(tpl, {"n": "**중요** 사항\n- *항목* 하나"})
    runs = list(body(out).iter(W + "r"))
    assert len(runs) == 4
    for r in runs:
        fonts = r.find(f"{W}rPr/{W}rFonts")
        lang = r.find(f"{W}rPr/{W}lang")
        assert fonts.get(W + "eastAsia") == "Malgun Gothic" and fonts.get(W + "ascii") == "Arial"
        assert lang.get(W + "eastAsia") == "ko-KR"
        assert r.find(f"{W}rPr/{W}color").get(W + "val") == "112233"
    assert runs[0].find(f"{W}rPr/{W}b") is not None and runs[1].find(f"{W}rPr/{W}b") is None
    assert runs[2].find(f"{W}rPr/{W}i") is not None


def test_bold_template_run_stays_bold_and_md_bold_adds_bcs() -> None:
    out = render(body_docx(p(run("{{ n|md }}", italic=True))), {"n": "a **b**"})
    runs = document(out).paragraphs[0].runs
    assert [(r.text, r.bold, r.italic) for r in runs] == [("a ", None, True), ("b", True, True)]
    assert runs[1]._r.rPr.find(W + "bCs") is not None


@dataclass
class Rich:
    """A Formatted value as H-RT's RichText gives it: any Style, \\f and \\t in spans."""
    spans: tuple[Span, ...]

    def blocks(self) -> list[Block]:
        return [Block("paragraph", self.spans)]

    def plain(self) -> str:
        return "".join(s.text for s in self.spans)


def test_every_style_field_and_breaks() -> None:
    value = Rich((
        Span("big red ", Style(color="FF0000", size=14.5, highlight="yellow")),
        Span("mono", Style(font="Courier New", underline="double")),
        Span("2", Style(vert_align="superscript", char_style="Strong")),
        Span("\ttab\fpage\nline"),
    ))
    rpr = '<w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:eastAsia="SimSun"/></w:rPr>'
    out = render(body_docx(p(f'<w:r>{rpr}<w:t>{{{{ v }}}}</w:t></w:r>')), {"v": value})
    runs = list(body(out).iter(W + "r"))
    first = runs[0].find(W + "rPr")
    assert first.find(W + "color").get(W + "val") == "FF0000"
    assert first.find(W + "sz").get(W + "val") == "29" and first.find(W + "szCs").get(W + "val") == "29"
    assert first.find(W + "highlight").get(W + "val") == "yellow"
    fonts = runs[1].find(f"{W}rPr/{W}rFonts")
    assert fonts.get(W + "ascii") == fonts.get(W + "hAnsi") == fonts.get(W + "cs") == "Courier New"
    assert fonts.get(W + "eastAsia") == "SimSun" and fonts.get(W + "asciiTheme") is None
    assert runs[1].find(f"{W}rPr/{W}u").get(W + "val") == "double"
    assert runs[2].find(f"{W}rPr/{W}vertAlign").get(W + "val") == "superscript"
    assert runs[2].find(f"{W}rPr/{W}rStyle").get(W + "val") == "Strong"
    last = [etree.QName(c).localname for c in runs[3] if c.tag != W + "rPr"]
    assert last == ["tab", "t", "br", "t", "br", "t"]
    assert runs[3].findall(W + "br")[0].get(W + "type") == "page"


def test_shading_goes_into_rpr_in_schema_order() -> None:
    value = Rich((Span("shaded", Style(shading="FFCC99", underline="single", highlight="red",
                                       vert_align="subscript", color="112233", bold=True)),))
    rpr = '<w:rPr><w:shd w:val="solid" w:color="FF0000" w:fill="000000"/><w:lang w:val="ko-KR"/></w:rPr>'
    out = render(body_docx(p(f'<w:r>{rpr}<w:t>{{{{ v }}}}</w:t></w:r>')), {"v": value})
    (r,) = body(out).iter(W + "r")
    names = [etree.QName(c).localname for c in r.find(W + "rPr")]
    assert names == ["b", "bCs", "color", "highlight", "u", "shd", "vertAlign", "lang"]
    shd = r.find(f"{W}rPr/{W}shd")  # the template's shading replaced, not doubled
    assert dict(shd.attrib) == {W + "val": "clear", W + "color": "auto", W + "fill": "FFCC99"}


@dataclass
class Paragraphs:
    """A Formatted value of whole blocks (paragraph styles, lists)."""
    items: tuple[Block, ...]

    def blocks(self) -> list[Block]:
        return list(self.items)

    def plain(self) -> str:
        return "\n".join(b.text for b in self.items)


def test_block_paragraph_style_replaces_the_tag_paragraphs() -> None:
    value = Paragraphs((
        Block("paragraph", (Span("title"),), para_style="Heading 1"),  # by name
        Block("paragraph", (Span("body"),)),
        Block("bullet", (Span("item"),), list_id=0, para_style="Heading2"),  # by id
        Block("paragraph", (Span("closing"),), para_style="heading 3"),  # any case
    ))
    tpl = body_docx(p("{{p v }}", style="Quote", jc="center"), p("end"))
    out = render(tpl, {"v": value})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == ["title", "body", "item", "closing", "end"]
    assert [x.style.name for x in pars] == [
        "Heading 1", "Quote", "Heading 2", "Heading 3", "Normal"]
    assert all(x.alignment == 1 for x in pars[:4])  # the tag paragraph's other pPr
    assert num_pr(pars[2]) is not None
    assert all(len(x._p.findall(f"{W}pPr/{W}pStyle")) == 1 for x in pars[:4])


def test_one_block_with_a_paragraph_style_styles_the_tag_paragraph() -> None:
    value = Paragraphs((Block("paragraph", (Span("Heading"),), para_style="Heading1"),))
    out = render(body_docx(p("{{p v }}", style="Quote")), {"v": value})
    (par,) = document(out).paragraphs
    assert (par.text, par.style.name) == ("Heading", "Heading 1")


def test_unknown_paragraph_style_keeps_the_tag_paragraphs_and_warns() -> None:
    value = Paragraphs(tuple(Block("paragraph", (Span(t),), para_style="Nope") for t in "ab"))
    with pytest.warns(DocgenWarning, match="'Nope'") as caught:
        out = render(body_docx(p("{{p v }}", style="Quote")), {"v": value})
    assert len([w for w in caught if "Nope" in str(w.message)]) == 1  # once per render
    warning = caught[0].message
    assert isinstance(warning, DocgenWarning)
    assert "word/document.xml" in str(warning.location)
    pars = document(out).paragraphs
    assert [(x.text, x.style.name) for x in pars] == [("a", "Quote"), ("b", "Quote")]
    assert b"Nope" not in read_member(out, DOC)


def test_secondary_language_tagging_still_works() -> None:
    value = MarkdownText(f"**회의 {SECONDARY_OPEN}会议{SECONDARY_CLOSE}** 끝")
    rpr = '<w:rPr><w:lang w:eastAsia="ko-KR"/></w:rPr>'
    out = render(body_docx(p(f'<w:r>{rpr}<w:t>{{{{ v }}}}</w:t></w:r>')), {"v": value},
                 locale="ko+zh-CN")
    runs = document(out).paragraphs[0].runs
    assert [(r.text, r.bold) for r in runs] == [("회의 ", True), ("会议", True), (" 끝", None)]
    langs = [r._r.rPr.find(W + "lang").get(W + "eastAsia") for r in runs]
    assert langs == ["ko-KR", "zh-CN", "ko-KR"]


# ============================================================== links and escaping

def test_links_are_external_hyperlinks() -> None:
    url = "https://example.com/a?b=1&c=<2>"
    out = render(body_docx(p("See {{ n|md }}.")), {"n": f"[the site]({url.replace('<', '%3C').replace('>', '%3E')}) and <mailto:a@b.c>"})
    links = list(body(out).iter(W + "hyperlink"))
    assert len(links) == 2
    by_id = {r.get("Id"): r for r in rels(out)}
    targets = [by_id[x.get(R_ID)] for x in links]
    assert [t.get("Target") for t in targets] == [
        "https://example.com/a?b=1&c=%3C2%3E", "mailto:a@b.c"]
    assert all(t.get("TargetMode") == "External" and t.get("Type").endswith("/hyperlink")
               for t in targets)
    link_rpr = links[0].find(f"{W}r/{W}rPr")
    assert link_rpr.find(W + "u").get(W + "val") == "single"  # no Hyperlink style: blue
    assert link_rpr.find(W + "color").get(W + "val") == "0563C1"
    assert document(out).paragraphs[0].text == "See the site and mailto:a@b.c."


def test_links_use_the_templates_hyperlink_style() -> None:
    tpl = with_hyperlink_style(body_docx(p("{{ n|md }}")))
    out = render(tpl, {"n": "[x](https://a.b)"})
    (link,) = body(out).iter(W + "hyperlink")
    assert link.find(f"{W}r/{W}rPr/{W}rStyle").get(W + "val") == "Hyperlink"


def test_links_in_headers_go_to_the_headers_rels() -> None:
    tpl = build_docx([p("x")], header=[p("{{ n|md }}")])
    out = render(tpl, {"n": "[x](https://a.b)"})
    header = etree.fromstring(read_member(out, "word/header1.xml"))
    (link,) = header.iter(W + "hyperlink")
    header_rels = {r.get("Id"): r.get("Target") for r in rels(out, "word/_rels/header1.xml.rels")}
    assert header_rels[link.get(R_ID)] == "https://a.b"


def test_markup_in_data_stays_text() -> None:
    nasty = 'A & B <w:p><w:r><w:t>x</w:t></w:r></w:p> "q" <b>raw</b> \x01 ]]>'
    out = render(body_docx(p("{{p n|md }}")), {"n": f"- {nasty}\n- [<w:p>](javascript:x)"})
    pars = document(out).paragraphs
    assert [x.text for x in pars] == [nasty.replace("\x01", ""), "[<w:p>](javascript:x)"]
    assert len(body(out).findall(W + "p")) == 2
    assert not list(body(out).iter(W + "hyperlink"))


# ============================================================== where it cannot split

def test_inside_a_hyperlink_lists_fall_back_to_text_lines() -> None:
    out = render(body_docx(p("Go ", hyperlink(run("{{ n|md }}")))), {"n": "- a\n- [b](https://b.c)"})
    pars = body(out).findall(W + "p")
    assert len(pars) == 1
    (link,) = pars[0].iter(W + "hyperlink")
    texts = "".join(t.text for t in link.iter(W + "t"))
    assert texts == "• a• b (https://b.c)"
    assert len(list(link.iter(W + "br"))) == 1
    assert not list(link.iter(W + "hyperlink"))[1:]  # no hyperlink inside a hyperlink


def test_inside_a_tracked_insertion_lists_fall_back_to_text_lines() -> None:
    out = render(body_docx(p(ins(run("{{ n|md }}")))), {"n": "1. a\n2. **b**"})
    pars = body(out).findall(W + "p")
    assert len(pars) == 1
    runs = list(pars[0].iter(W + "r"))
    assert "".join(t.text for t in pars[0].iter(W + "t")) == "1. a2. b"
    assert any(r.find(f"{W}rPr/{W}b") is not None for r in runs)


# ============================================================== filter behaviour

def test_empty_and_none_print_nothing_like_p_does() -> None:
    for value in ("", None):
        plain = render(body_docx(p("a"), p("{{p n }}"), p("b")), {"n": value})
        md = render(body_docx(p("a"), p("{{p n|md }}"), p("b")), {"n": value})
        assert [x.text for x in document(md).paragraphs] == [
            x.text for x in document(plain).paragraphs] == ["a", "", "b"]
    blank = render(body_docx(p("a"), p("{{p n|md }}"), p("b")), {"n": "  \n "})
    assert [x.text for x in document(blank).paragraphs] == ["a", "", "b"]


def test_inline_value_stays_in_its_paragraph() -> None:
    out = render(body_docx(p("Result: {{ n|md }}!")), {"n": "**중요**합니다"})
    (par,) = document(out).paragraphs
    assert [(r.text, r.bold) for r in par.runs] == [("Result: ", None), ("중요", True),
                                                   ("합니다", None), ("!", None)]


def test_markdown_text_values_print_formatted_without_the_filter() -> None:
    out = render(body_docx(p("{{p n }}")), {"n": MarkdownText("- a\n- b")})
    assert all(num_pr(x) for x in document(out).paragraphs)


def test_plain_parts_print_the_plain_text() -> None:
    tpl = build_docx([p("x")], core_title="{{ n|md }}")
    out = render(tpl, {"n": "**Q3** plan & [site](https://a.b)"})
    assert document(out).core_properties.title == "Q3 plan & site (https://a.b)"


def test_missing_value_through_md_stays_missing() -> None:
    tpl = docgen.Template(body_docx(p("{{p nothere|md }}")))
    with pytest.raises(MissingValuesError) as info:
        tpl.render({})
    (error,) = info.value.errors  # one value, not one more for asking it for blocks()
    assert error.params["detail"].params["name"] == "nothere"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DocgenWarning)
        out = tpl.render({}, missing="blank")
    assert any(isinstance(w.message, DocgenWarning) for w in caught)
    assert [x.text for x in document(out).paragraphs] == [""]


def test_strict_template_error_is_still_located() -> None:
    with pytest.raises(TemplateError):
        docgen.Template(body_docx(p("{{ n|md(1) }}"))).render({"n": "x"})


# ============================================================== a real reader

def pdf_text(docx_blob: bytes, src: Path, soffice: str, pdftotext: str) -> str:
    """The text LibreOffice lays out for ``docx_blob`` (saved as ``src``), by pdftotext."""
    src.write_bytes(docx_blob)
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(src.parent),
                    str(src)], check=True, capture_output=True, timeout=180)
    return subprocess.run([pdftotext, "-layout", str(src.with_suffix(".pdf")), "-"],
                          check=True, capture_output=True, text=True).stdout


def test_libreoffice_numbers_each_loop_items_list_from_one(tmp_path: Path, soffice: str,
                                                           pdftotext: str) -> None:
    tpl = body_docx(p("{%p for d in discussion %}"), p("{{ d.topic }}"),
                    p("{{p d.notes|md }}"), p("{%p endfor %}"))
    topics = [("안건 하나", "1. 첫째\n2. 둘째\n- ・ 글머리"), ("议题二", "1. 第一\n2. 第二\n・要点"),
              ("Topic three", "1. alpha\n2. beta")]
    out = render(tpl, {"discussion": [{"topic": t, "notes": n} for t, n in topics]})
    text = pdf_text(out, tmp_path / "notes.docx", soffice, pdftotext)
    numbered = [line.split() for line in text.splitlines() if re.match(r"\s*\d+\.", line)]
    assert [words[0] for words in numbered] == ["1.", "2."] * 3, text
    assert [words[1] for words in numbered] == ["첫째", "둘째", "第一", "第二", "alpha", "beta"]


def test_libreoffice_prints_the_typed_cjk_markers(tmp_path: Path, soffice: str,
                                                 pdftotext: str) -> None:
    tpl = body_docx(p("{%p for d in discussion %}"), p("{{ d.topic }}"),
                    p("{{p d.notes|md }}"), p("{%p endfor %}"))
    notes = [CJK_NOTES + "\n   （1）主视觉\n   （2）礼盒", "1、第二个议题\n2、下次汇报"]
    out = render(tpl, {"discussion": [{"topic": f"议题{i}", "notes": n}
                                      for i, n in enumerate(notes)]}, locale="zh-CN")
    text = pdf_text(out, tmp_path / "cjk.docx", soffice, pdftotext)
    numbered = [line.split() for line in text.splitlines()
                if re.match(r"\s*(\d+、|（\d+）)", line)]
    assert [words[0] for words in numbered] == [
        "1、", "2、", "（1）", "（2）", "1、", "2、"], text
    assert [words[1] for words in numbered] == [
        "确认预算", "提交创意方案", "主视觉", "礼盒", "第二个议题", "下次汇报"]


def test_libreoffice_prints_circled_digits(tmp_path: Path, soffice: str,
                                           pdftotext: str) -> None:
    # both typed ①: the second prints ② only because it is a real list that counts
    out = render(body_docx(p("{{p n|md }}")), {"n": "① 예산 확정\n① 일정 공유"})
    text = pdf_text(out, tmp_path / "circled.docx", soffice, pdftotext)
    numbered = [line.split() for line in text.splitlines() if re.match(r"\s*[①②]", line)]
    assert [words[0] for words in numbered] == ["①", "②"], text
    assert [" ".join(words[1:]) for words in numbered] == ["예산 확정", "일정 공유"]
