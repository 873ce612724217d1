"""Run-level tags that share their run, tags split over two paragraphs, and the
``\\a`` / ``\\f`` escapes in values (issue 9, points 2, 3, 5, 6).

Templates are built the way Word 2016 stores typed text: revision ids on runs and
paragraphs, ``w14:paraId``, proofing marks between the pieces of a tag. Every output
is opened with python-docx, checked for structure (paragraphs, run formatting, page
breaks) and, when the ECMA-376 schemas are present, validated.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any, Optional, Sequence

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

import docgen
from docgen.errors import TemplateError
from tests import ooxml_schema
from tests.engine.docx_builders import (
    W,
    Fragment,
    assert_well_formed,
    body_docx,
    body_element,
    body_paragraph_count,
    body_texts,
    build_docx,
    hyperlink,
    ins,
    p,
    paragraphs,
    part_root,
    part_texts,
    proof_err,
    run,
    run_is,
    runs_of,
    table_matrix,
    tables,
    tbl,
)

DOC = "word/document.xml"
HEADER = "word/header1.xml"


RENDERED_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml")


def render(template: bytes, context: dict[str, Any]) -> bytes:
    """Render, check the package opens, and validate the parts docgen rendered (the
    rest is python-docx's skeleton, whose settings.xml the schema rejects)."""
    out = docgen.Template(template).render(context)
    assert_well_formed(out)
    if ooxml_schema.available():
        with zipfile.ZipFile(io.BytesIO(out)) as z:
            problems = [msg for name in z.namelist() if RENDERED_PARTS.fullmatch(name)
                        for msg in ooxml_schema.validate_part(name, z.read(name))]
        assert not problems, problems
    return out


def compile_error(template: bytes) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        docgen.Template(template)
    return info.value


def run_texts(para: Any) -> list[str]:
    return ["".join(t.text or "" for t in r.iter(W + "t")) for r in runs_of(para)]


def word2016_paragraph(*children: str, rsid: str = "00A1B2C3") -> str:
    return p(*children, para_id="1A2B3C4D", rsid=rsid)


# ============================================================ {{r x}} (point 2)

def test_r_value_keeps_the_text_sharing_its_run() -> None:
    tpl = body_docx(p(run("Before {{r x }} after.", bold=True)))
    out = render(tpl, {"x": "X"})
    assert body_texts(out) == ["Before X after."]
    (para,) = paragraphs(body_element(out))
    assert run_texts(para) == ["Before ", "X", " after."]
    assert all(run_is(r, "b") for r in runs_of(para))  # every piece keeps the run's format


def test_r_value_split_over_runs_word2016_style() -> None:
    # What Word 2016 writes for "Before {{r x}} after." typed with a spell-check
    # squiggle under "x" and the tag's letters typed in two sessions.
    tpl = body_docx(word2016_paragraph(
        run("Before ", rsid="00A1B2C3"), run("{{r ", italic=True, rsid="00D4E5F6"),
        proof_err("spellStart"), run("x", italic=True, rsid="00D4E5F6"),
        proof_err("spellEnd"), run(" }}", rsid="00A1B2C3"), run(" after.", rsid="00A1B2C3")))
    out = render(tpl, {"x": "Seoul"})
    assert body_texts(out) == ["Before Seoul after."]
    (para,) = paragraphs(body_element(out))
    value = [r for r in runs_of(para) if run_texts_of(r) == "Seoul"]
    assert len(value) == 1 and run_is(value[0], "i")  # the formatting where the tag starts


def run_texts_of(r: Any) -> str:
    return "".join(t.text or "" for t in r.iter(W + "t"))


def test_several_r_values_and_other_run_content_in_one_run() -> None:
    tpl = body_docx(p(
        "<w:r><w:rPr><w:u w:val=\"single\"/></w:rPr>"
        "<w:t xml:space=\"preserve\">A {{r a }} B {{r b}}</w:t><w:tab/>"
        "<w:t xml:space=\"preserve\">C {{ c }}</w:t></w:r>"))
    out = render(tpl, {"a": 1, "b": "two", "c": "three"})
    assert body_texts(out) == ["A 1 B two\tC three"]
    (para,) = paragraphs(body_element(out))
    assert all(run_is(r, "u") for r in runs_of(para))


def test_r_value_in_table_header_and_with_a_newline() -> None:
    tpl = build_docx([tbl([["Cell {{r v }} end"]])],
                     header=[p(run("Head {{r v }} tail", bold=True))])
    out = render(tpl, {"v": "1\n2"})
    assert table_matrix(tables(out)[0]) == [["Cell 1\n2 end"]]
    assert part_texts(out, HEADER) == ["Head 1\n2 tail"]


def test_r_value_alone_in_its_run_is_unchanged() -> None:
    tpl = body_docx(p(run("Total: "), run("{{r amount }}", bold=True), run(" KRW")))
    out = render(tpl, {"amount": "1,000"})
    (para,) = paragraphs(body_element(out))
    assert run_texts(para) == ["Total: ", "1,000", " KRW"]
    assert [run_is(r, "b") for r in runs_of(para)] == [False, True, False]


# ========================================================= {%r … %} (point 3)

@pytest.mark.parametrize("vip, expected", [(True, "Total: VIP end"), (False, "Total: end")])
def test_r_statements_typed_inside_one_run(vip: bool, expected: str) -> None:
    tpl = body_docx(p(run("Total: {%r if vip %}VIP {%r endif %}end", italic=True)))
    out = render(tpl, {"vip": vip})
    assert body_texts(out) == [expected]
    (para,) = paragraphs(body_element(out))
    assert all(run_is(r, "i") for r in runs_of(para))


@pytest.mark.parametrize("vip, expected", [(True, "Dear VIP Kim, hi"), (False, "Dear Kim, hi")])
def test_r_statements_in_different_runs_of_one_paragraph(vip: bool, expected: str) -> None:
    tpl = body_docx(word2016_paragraph(
        run("Dear {%r if vip %}VIP ", rsid="00112233"), proof_err(),
        run("{%r endif %}{{ name }}, hi", bold=True, rsid="00445566")))
    out = render(tpl, {"vip": vip, "name": "Kim"})
    assert body_texts(out) == [expected]


def test_r_for_loop_inside_one_run() -> None:
    tpl = body_docx(p(run("Items: {%r for i in items %}[{{ i }}]{%r endfor %} done")))
    out = render(tpl, {"items": ["a", "b", "c"]})
    assert body_texts(out) == ["Items: [a][b][c] done"]


# ================================================ split over paragraphs (point 5)

def test_value_tag_split_over_two_paragraphs_is_joined() -> None:
    tpl = body_docx(word2016_paragraph(run("Dear {{ client.")),
                    word2016_paragraph(run("name }}, hello")), p("Next"))
    out = render(tpl, {"client": {"name": "ACME"}})
    assert body_texts(out) == ["Dear ACME, hello", "Next"]
    assert body_paragraph_count(out) == 2


@pytest.mark.parametrize("first, second", [("{% if", "x %}yes{% endif %}"),
                                           ("{% if ", "x %}yes{% endif %}"),
                                           ("{% if x", " %}yes{% endif %}")])
def test_statement_split_over_two_paragraphs_is_joined(first: str, second: str) -> None:
    tpl = body_docx(p(run(first)), p(run(second, bold=True)))
    assert body_texts(render(tpl, {"x": True})) == ["yes"]
    assert body_texts(render(tpl, {"x": False})) == []


def test_paragraph_tag_split_over_two_paragraphs_is_joined() -> None:
    tpl = body_docx(p("{%p if"), p("show %}"), p("Shown"), p("{%p endif %}"), p("After"))
    assert body_texts(render(tpl, {"show": True})) == ["Shown", "After"]
    assert body_texts(render(tpl, {"show": False})) == ["After"]


@pytest.mark.parametrize("first, second, why", [
    (p(run("Dear {{ client."), style="Heading1"), p(run("name }}")), "formatting"),
    (p(run("Dear {{ cli")), p(run("ent }}")), "inside a name"),
    (p(run('{{ "Dear')), p(run('Sir" }}')), "inside a string"),
    (p(run("A {{ x"), ppr_extra='<w:sectPr><w:type w:val="nextPage"/></w:sectPr>'),
     p(run("}}")), "section break"),
    (p(run("A {{ x"), ppr_extra='<w:rPr><w:ins w:id="9" w:author="R" '
                                'w:date="2024-01-01T00:00:00Z"/></w:rPr>'),
     p(run("}}")), "tracked paragraph mark"),
])
def test_tag_split_over_paragraphs_that_cannot_be_joined_is_a_located_error(
        first: Fragment, second: Fragment, why: str) -> None:
    exc = compile_error(body_docx(p("Intro"), first, second))
    assert exc.exit_code == 3, why
    assert exc.location is not None and exc.location.paragraph == 2
    text = str(exc)
    assert "retype the tag within one paragraph" in text
    assert "¶" in exc.params["tag"]
    assert exc.excerpt is not None
    lines = exc.excerpt.split("\n")  # both paragraphs quoted
    assert len(lines) == 2 and lines[1].strip()


def test_tag_split_over_two_table_cells_is_an_error_quoting_both() -> None:
    exc = compile_error(build_docx([tbl([["a {{ x", "y }} b"]])]))
    assert exc.params["tag"] == "{{ x¶y }}"
    assert exc.excerpt is not None
    assert "a {{ x" in exc.excerpt and "y }} b" in exc.excerpt


def test_template_check_reports_a_split_tag_once(tmp_path: Path) -> None:
    from docgen.diagnostics import check_template

    path = tmp_path / "split.docx"
    path.write_bytes(body_docx(p(run("Dear {{ client."), style="Heading1"), p("name }}")))
    problems = [x for x in check_template(str(path)) if x.is_error]
    assert len(problems) == 1
    assert "retype" in problems[0].message and problems[0].location.paragraph == 1


def test_unclosed_tag_is_still_reported_as_unclosed() -> None:
    exc = compile_error(body_docx(p("Dear {{ client."), p("no closer here")))
    assert "not closed" in str(exc)


# ====================================================== \a and \f (point 6)

def _docx(out: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(out))


def _style_names(paras: Sequence[Paragraph]) -> list[Optional[str]]:
    return [q.style.name if q.style is not None else None for q in paras]


def test_bel_in_a_value_starts_a_new_paragraph_with_the_same_formatting() -> None:
    tpl = body_docx(p(run("A: {{ x }}", bold=True), run(" tail", italic=True),
                      style="Heading1", para_id="0A0B0C0D", rsid="00AA00AA"))
    out = render(tpl, {"x": "one\atwo"})
    d = _docx(out)
    assert [q.text for q in d.paragraphs] == ["A: one", "two tail"]
    assert _style_names(d.paragraphs) == ["Heading 1", "Heading 1"]
    second = d.paragraphs[1].runs
    assert second[0].text == "two" and second[0].bold
    assert second[1].text == " tail" and second[1].italic
    ids = [q.get("{http://schemas.microsoft.com/office/word/2010/wordml}paraId")
           for q in paragraphs(body_element(out))]
    assert len(set(ids)) == len(ids)  # w14:paraId stays unique


def test_form_feed_in_a_value_is_a_page_break_in_the_run() -> None:
    tpl = body_docx(p(run("A{{ x }}B", bold=True)))
    out = render(tpl, {"x": "1\f2"})
    d = _docx(out)
    assert [q.text for q in d.paragraphs] == ["A12B"]  # one paragraph, text kept
    (para,) = paragraphs(body_element(out))
    brs = list(para.iter(W + "br"))
    assert [b.get(W + "type") for b in brs] == ["page"]
    assert brs[0].getparent().tag == W + "r"  # in the value's own run
    assert len(d.paragraphs[0].runs) == 1 and d.paragraphs[0].runs[0].bold


def test_all_escapes_together() -> None:
    tpl = body_docx(p(run("{{ x }}")))
    out = render(tpl, {"x": "a\nb\tc\fd\ae\a\af"})
    d = _docx(out)
    assert [q.text for q in d.paragraphs] == ["a\nb\tcd", "e", "", "f"]
    assert [b.get(W + "type") for b in body_element(out).iter(W + "br")] == [None, "page"]


def test_bel_at_the_start_and_end_of_a_value() -> None:
    tpl = body_docx(p(run("[{{ x }}]")))
    out = render(tpl, {"x": "\amiddle\a"})
    assert [q.text for q in _docx(out).paragraphs] == ["[", "middle", "]"]


def test_bel_in_a_table_cell_and_a_header() -> None:
    tpl = build_docx([tbl([["{{ x }}", "plain"]])], header=[p(run("H {{ x }}"))])
    out = render(tpl, {"x": "1\a2"})
    assert table_matrix(tables(out)[0]) == [["1\n2", "plain"]]
    cell = tables(out)[0].find(f"{W}tr/{W}tc")
    assert len(cell.findall(W + "p")) == 2
    assert part_texts(out, HEADER) == ["H 1", "2"]


def test_bel_in_a_p_value_and_an_r_value() -> None:
    tpl = body_docx(p(run("{{p x }}", bold=True), style="Title"),
                    p(run("Before {{r y }} after.", italic=True)))
    out = render(tpl, {"x": "T1\aT2", "y": "1\a2"})
    d = _docx(out)
    assert [q.text for q in d.paragraphs] == ["T1", "T2", "Before 1", "2 after."]
    assert _style_names(d.paragraphs[:2]) == ["Title", "Title"]
    assert all(r.italic for q in d.paragraphs[2:] for r in q.runs)


def test_bel_inside_a_paragraph_loop() -> None:
    tpl = body_docx(p("{%p for i in items %}"), p(run("- {{ i }}")), p("{%p endfor %}"))
    out = render(tpl, {"items": ["a\ab", "c"]})
    assert body_texts(out) == ["- a", "b", "- c"]


@pytest.mark.parametrize("where", ["hyperlink", "tracked insertion", "field"])
def test_bel_where_no_paragraph_can_start_is_a_line_break(where: str) -> None:
    if where == "hyperlink":
        para = p(run("Go "), hyperlink(run("{{ x }}")), run(" now"))
    elif where == "tracked insertion":
        para = p(run("Go "), ins(run("{{ x }}")), run(" now"))
    else:
        para = p(run("Go "), '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                 '<w:r><w:instrText xml:space="preserve"> QUOTE "x" </w:instrText></w:r>',
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', run("{{ x }}"),
                 '<w:r><w:fldChar w:fldCharType="end"/></w:r>', run(" now"))
    out = render(body_docx(para), {"x": "1\a2"})
    assert body_texts(out) == ["Go 1\n2 now"]
    assert body_paragraph_count(out) == 1
    assert b"docgen-para" not in _member(out, DOC)


def _member(out: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        return z.read(name)


def test_bel_in_the_paragraph_that_ends_a_section_moves_the_section_end() -> None:
    sect = ('<w:sectPr><w:type w:val="nextPage"/><w:pgSz w:w="11906" w:h="16838"/>'
            "</w:sectPr>")
    tpl = body_docx(p(run("{{ x }}"), ppr_extra=sect), p("Second section"))
    out = render(tpl, {"x": "1\a2"})
    paras = paragraphs(body_element(out))
    assert [bool(q.find(f"{W}pPr/{W}sectPr") is not None) for q in paras] == [
        False, True, False]
    assert body_texts(out) == ["1", "2", "Second section"]


def test_values_without_escapes_leave_the_part_as_rendered() -> None:
    tpl = body_docx(p(run("{{ x }}")))
    out = render(tpl, {"x": "plain"})
    assert _member(out, DOC).startswith(b'<?xml version="1.0" encoding="UTF-8"')


# ================================================== values in attributes

@pytest.mark.parametrize("color, fill", [("FF0000", "FF0000"), ("#00ff00", "00FF00"),
                                         ("auto", "auto")])
def test_cellbg_colour_forms(color: str, fill: str) -> None:
    tpl = build_docx([tbl([["{% cellbg color %}X"]])])
    out = render(tpl, {"color": color})
    shd = tables(out)[0].find(f"{W}tr/{W}tc/{W}tcPr/{W}shd")
    assert shd.get(W + "fill") == fill


@pytest.mark.parametrize("color", ['red" w:val="x', "FF00\n00", "red"])
def test_cellbg_that_is_not_a_colour_is_an_error_not_broken_xml(color: str) -> None:
    tpl = build_docx([tbl([["{% cellbg color %}X"]])])
    with pytest.raises(TemplateError) as info:
        docgen.Template(tpl).render({"color": color})
    assert "cellbg" in str(info.value)


@pytest.mark.parametrize("span", [0, "x", 1.5])
def test_colspan_that_is_not_a_count_is_an_error(span: object) -> None:
    tpl = build_docx([tbl([["{% colspan n %}X", "Y"]])])
    with pytest.raises(TemplateError):
        docgen.Template(tpl).render({"n": span})


# ============================== blocks whose tags would cut the XML apart

@pytest.mark.parametrize("para", [
    p(hyperlink(run("a {%r if x %}b")), run("c {%r endif %}d")),
    p(ins(run("a {%r if x %}b")), run("c {%r endif %}d")),
    p(hyperlink(run("a {% if x %}b")), run("c {% endif %}d")),
    p(run("a {% for i in xs %}"), hyperlink(run("{{ i }}{% endfor %}"))),
], ids=["r_if_hyperlink", "r_if_tracked_insertion", "if_hyperlink", "for_into_hyperlink"])
def test_block_whose_tags_sit_at_different_levels_is_a_template_error(para: Fragment) -> None:
    exc = compile_error(body_docx(p("Intro"), para))
    assert exc.exit_code == 3
    assert exc.location is not None
    assert exc.location.paragraph == 2
    assert "different places" in str(exc) and exc.excerpt


def test_blocks_over_runs_and_paragraphs_at_the_same_level_are_fine() -> None:
    tpl = body_docx(p(run("a {% if x %}b", bold=True), proof_err(), run("c {% endif %}d")),
                    p(run("{% for i in xs %}[{{ i }}]")), p(run("{% endfor %}end")))
    out = render(tpl, {"x": False, "xs": [1, 2]})
    assert body_texts(out) == ["a d", "[1]", "[2]", "end"]


def test_template_check_reports_a_misplaced_block(tmp_path: Path) -> None:
    from docgen.diagnostics import check_template

    path = tmp_path / "link.docx"
    path.write_bytes(body_docx(p(hyperlink(run("a {% if x %}b")), run("c {% endif %}d"))))
    problems = [x for x in check_template(str(path)) if x.is_error]
    assert [x.location.paragraph for x in problems] == [1]
    assert "different places" in problems[0].message
