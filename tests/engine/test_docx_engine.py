"""Black-box tests of the Word engine: ``docgen.Template(...).render(context) -> bytes``.

Every test builds a template with :mod:`docx_builders`, renders it through the public
API only, and asserts on what a reader of the output would see (paragraph texts per
part, table cells, line breaks, core properties), after checking that the output is a
well-formed package python-docx can open.
"""
from __future__ import annotations

import copy
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

import docgen
from docgen.errors import SourceLocation, TemplateError
from tests.engine.docx_builders import (
    FULLWIDTH_CLOSE,
    FULLWIDTH_OPEN,
    XML_SPACE,
    W,
    Fragment,
    all_xml_text,
    assert_well_formed,
    body_docx,
    body_element,
    body_paragraph_count,
    body_texts,
    build_docx,
    core_title,
    deleted_tag_paragraph,
    fullwidth_tag_paragraph,
    ins,
    p,
    paragraph_text,
    paragraphs,
    part_root,
    part_texts,
    proof_err,
    run,
    run_is,
    runs_of,
    split_tag_variants,
    table_matrix,
    tables,
    tbl,
    zip_names,
)

DOC = "word/document.xml"
HEADER = "word/header1.xml"
FOOTER = "word/footer1.xml"
FOOTNOTES = "word/footnotes.xml"


# ------------------------------------------------------------------------ helpers

def render(template: bytes, context: dict[str, Any], **kw: Any) -> bytes:
    """Render through the public API and check the result is a sound .docx."""
    out = docgen.Template(template).render(context, **kw)
    assert isinstance(out, bytes), f"render() must return bytes, got {type(out)!r}"
    assert_well_formed(out)
    return out


def render_error(template: bytes, context: dict[str, Any]) -> TemplateError:
    """The TemplateError raised while compiling *or* rendering ``template``."""
    with pytest.raises(TemplateError) as info:
        docgen.Template(template).render(context)
    return info.value


def all_texts(data: bytes, part: str = DOC) -> list[str]:
    return part_texts(data, part)


def text_nodes(data: bytes, part: str = DOC) -> list[Any]:
    return list(part_root(data, part).iter(W + "t"))


SPLIT_VARIANTS = split_tag_variants("name")


# ============================================================ split-tag healing

@pytest.mark.parametrize("variant", sorted(SPLIT_VARIANTS))
def test_split_tag_is_healed_in_body(variant: str) -> None:
    out = render(body_docx(SPLIT_VARIANTS[variant]), {"name": "World"})
    assert body_texts(out) == ["Hello World!"]
    assert body_paragraph_count(out) == 1


@pytest.mark.parametrize("variant", sorted(SPLIT_VARIANTS))
def test_split_tag_is_healed_in_table_header_footer_and_footnote(variant: str) -> None:
    para = SPLIT_VARIANTS[variant]
    tpl = build_docx(
        [tbl([["Cell", para]])],
        header=[para],
        footer=[para],
        footnotes=[[para]],
    )
    out = render(tpl, {"name": "World"})
    assert table_matrix(tables(out)[0]) == [["Cell", "Hello World!"]]
    assert all_texts(out, HEADER) == ["Hello World!"]
    assert all_texts(out, FOOTER) == ["Hello World!"]
    assert all_texts(out, FOOTNOTES) == ["Hello World!"]


def test_text_around_a_split_tag_keeps_its_own_formatting() -> None:
    tpl = body_docx(p(run("Dear ", italic=True), run("{{ "), run("na", bold=True),
                      run("me }}", italic=True), run("!", bold=True)))
    out = render(tpl, {"name": "Kim"})
    (para,) = paragraphs(body_element(out))
    assert paragraph_text(para) == "Dear Kim!"
    texts = {(paragraph_text_of_run(r)): r for r in runs_of(para) if paragraph_text_of_run(r)}
    assert "Dear " in texts and run_is(texts["Dear "], "i") and not run_is(texts["Dear "], "b")
    assert "!" in texts and run_is(texts["!"], "b") and not run_is(texts["!"], "i")


def paragraph_text_of_run(r: Any) -> str:
    return "".join(t.text or "" for t in r.iter(W + "t"))


def test_deleted_text_inside_a_split_tag_is_not_part_of_the_tag() -> None:
    # "{{ na" <del>XYZ</del> "me }}" is {{ name }}; "naXYZme" would be undefined.
    out = render(body_docx(SPLIT_VARIANTS["tracked_deletion_inside_tag"]), {"name": "World"})
    assert body_texts(out) == ["Hello World!"]
    assert "naXYZme" not in all_xml_text(out)


def test_tracked_deletion_next_to_a_tag_does_not_join_it() -> None:
    # deleted "old text {" before "{{ name }}" must not make "{{{ name }}"
    out = render(body_docx(SPLIT_VARIANTS["tracked_deletion_next_to_tag"]), {"name": "World"})
    assert body_texts(out) == ["Hello World!"]


def test_a_deleted_tag_is_not_evaluated() -> None:
    # {{ ghost }} exists only as tracked-deleted text; ghost is not in the context
    out = render(body_docx(deleted_tag_paragraph()), {"name": "World"})
    assert body_texts(out) == ["Hello World!"]


def test_inserted_text_counts_as_text_of_the_tag() -> None:
    tpl = body_docx(p(run("{% if "), ins(run("flag")), run(" %}yes{% else %}no{% endif %}")))
    assert body_texts(render(tpl, {"flag": True})) == ["yes"]
    assert body_texts(render(tpl, {"flag": False})) == ["no"]


# ---------------------------------------------------------------- curly quotes

@pytest.mark.parametrize("shape", ["one_run", "split"])
def test_curly_double_quotes_inside_an_expression(shape: str) -> None:
    if shape == "one_run":
        para = p(run("Say \u201chi\u201d: {{ \u201cx\u201d }}{{ \u201c-\u201d ~ name }}"))
    else:
        para = p(run("Say \u201chi\u201d: {{ \u201c"), run("x", bold=True),
                 run("\u201d }}{{ \u201c-\u201d "), proof_err(), run("~ name }}"))
    out = render(body_docx(para), {"name": "Lee"})
    # quotes outside tags are text and stay curly; inside tags they are string quotes
    assert body_texts(out) == ["Say \u201chi\u201d: x-Lee"]


@pytest.mark.parametrize("value, expected", [("b", "match"), ("c", "other")])
def test_curly_single_quotes_inside_a_statement(value: str, expected: str) -> None:
    tpl = body_docx(p(run("{% if a == \u2018b\u2019 %}match{% else %}other{% endif %}")))
    assert body_texts(render(tpl, {"a": value})) == [expected]


def test_comparison_and_ampersand_inside_tags_are_read_unescaped() -> None:
    # in the XML these are stored as &lt; &gt; &amp;
    tpl = body_docx(
        p(run("{% if n < 5 %}small{% endif %}{% if n > 1 %}+{% endif %}")),
        p(run('{{ "a & b" }} {{ n >= 2 }}')),
    )
    assert body_texts(render(tpl, {"n": 3})) == ["small+", "a & b True"]


# ------------------------------------------------------- full-width (IME) braces

@pytest.mark.parametrize("split", [False, True], ids=["one_run", "split"])
def test_fullwidth_braces_are_rendered_or_rejected_never_left(split: bool) -> None:
    tpl = body_docx(fullwidth_tag_paragraph("name", split=split))
    try:
        out = docgen.Template(tpl).render({"name": "World"})
    except TemplateError:
        return  # rejected with a template error: acceptable
    assert_well_formed(out)
    texts = body_texts(out)
    assert not any(FULLWIDTH_OPEN in t or FULLWIDTH_CLOSE in t for t in texts), texts
    assert texts == ["Hello World!"]


def test_single_fullwidth_braces_are_ordinary_text() -> None:
    tpl = body_docx(p(run("备注\uff5b见附件\uff5d {{ name }}")))
    assert body_texts(render(tpl, {"name": "张三"})) == ["备注\uff5b见附件\uff5d 张三"]


# ===================================================================== values

@pytest.mark.parametrize("value", [
    "<a & b>",
    "Tom & Jerry's \"best\" <show>",
    "]]> &amp; &#x41; <![CDATA[x]]>",
    "</w:t></w:r><w:r><w:t>injected",
])
def test_values_are_xml_escaped_and_shown_literally(value: str) -> None:
    out = render(body_docx(p(run("["), run("{{ v }}"), run("]"))), {"v": value})
    assert body_texts(out) == [f"[{value}]"]
    assert body_paragraph_count(out) == 1


def test_value_that_looks_like_a_tag_is_not_evaluated() -> None:
    value = "{{ secret }} {% if x %}y{% endif %} {# c #}"
    out = render(body_docx(p("Note: {{ v }}")), {"v": value, "secret": "LEAKED"})
    assert body_texts(out) == [f"Note: {value}"]
    assert "LEAKED" not in all_xml_text(out)


def test_value_is_not_touched_by_literal_brace_escapes() -> None:
    # {_{ }_} is template syntax for literal braces; in a *value* it is just text
    value = "{_{ z }_} {_% y %_}"
    out = render(body_docx(p("Note: {{ v }}")), {"v": value})
    assert body_texts(out) == [f"Note: {value}"]


def test_newline_in_value_becomes_line_break_in_same_paragraph() -> None:
    tpl = body_docx(p(run("Address: "), run("{{ addr }}", bold=True), run(" (KR)")))
    out = render(tpl, {"addr": "12 Teheran-ro\nGangnam-gu\nSeoul"})
    (para,) = paragraphs(body_element(out))
    assert paragraph_text(para) == "Address: 12 Teheran-ro\nGangnam-gu\nSeoul (KR)"
    assert len(list(para.iter(W + "br"))) == 2
    assert not any("\n" in (t.text or "") for t in para.iter(W + "t"))
    # the broken value keeps the tag's formatting
    for r in runs_of(para):
        txt = paragraph_text_of_run(r)
        if txt and txt in ("12 Teheran-ro", "Gangnam-gu", "Seoul"):
            assert run_is(r, "b"), f"{txt!r} lost bold"


def test_tab_in_value_becomes_tab_element() -> None:
    out = render(body_docx(p("{{ v }}")), {"v": "Qty\t3"})
    (para,) = paragraphs(body_element(out))
    assert paragraph_text(para) == "Qty\t3"
    assert len([t for t in para.iter(W + "tab")]) == 1
    assert not any("\t" in (t.text or "") for t in para.iter(W + "t"))


def test_characters_xml_forbids_are_dropped() -> None:
    # (\x07 and \x0c are left out on purpose: docxtpl gives them a meaning, \a and \f)
    value = "A\x00B\x01C\x08D\x0bE\x0eF\x1fG\ufffeH\uffffI"
    out = render(body_docx(p("[{{ v }}]")), {"v": value})
    assert body_texts(out) == ["[ABCDEFGHI]"]
    assert body_paragraph_count(out) == 1


def test_lone_surrogate_is_dropped() -> None:
    # json.loads('"\\ud800"') yields a lone surrogate; it is not an XML character
    out = render(body_docx(p("[{{ v }}]")), {"v": "x\ud800y"})
    assert body_texts(out) == ["[xy]"]


def test_allowed_unicode_is_kept() -> None:
    value = "한글 简体 繁體 é \u00a0 \U0001F600 \u200b"
    out = render(body_docx(p("{{ v }}")), {"v": value})
    assert body_texts(out) == [value]


def test_forbidden_characters_dropped_in_header_and_core_title() -> None:
    tpl = build_docx([p("body")], header=[p("H{{ v }}")], core_title="T{{ v }}")
    out = render(tpl, {"v": "a\x00b\x1bc"})
    assert all_texts(out, HEADER) == ["Habc"]
    assert core_title(out) == "Tabc"


def test_spaces_around_values_are_preserved() -> None:
    tpl = body_docx(
        # the tag's w:t has no xml:space="preserve" in the template
        p(run("Dear"), run("{{ name }}", preserve=False), run(",")),
        p(run("Total: {{ amount }} KRW")),
        p(run("Name: {"), run("{ name"), run(" }}  "), run("end")),
    )
    out = render(tpl, {"name": "  Kim  ", "amount": 100})
    assert body_texts(out) == ["Dear  Kim  ,", "Total: 100 KRW", "Name:   Kim    end"]
    for t in text_nodes(out):
        s = t.text or ""
        if s and s != s.strip(" \t\u3000"):
            assert t.get(XML_SPACE) == "preserve", f"w:t {s!r} lacks xml:space=preserve"


def test_non_string_values_print_like_jinja() -> None:
    # (None is left out: how it prints is the engine's choice)
    out = render(body_docx(p("{{ i }}|{{ f }}|{{ b }}|{{ d }}|{{ l }}")),
                 {"i": 42, "f": 1.5, "b": True, "d": {"k": "v"}, "l": [1, "a"]})
    assert body_texts(out) == ["42|1.5|True|{'k': 'v'}|[1, 'a']"]


HOSTILE = "<b>R&D</b> </w:t></w:r></w:p><w:p>"


@pytest.mark.parametrize("expr, expected", [
    ("{{ v | e }}", HOSTILE),
    ("{{ v | upper }}", HOSTILE.upper()),
    ("{{ v ~ '!' }}", HOSTILE + "!"),
    ("{{ [v, v] | join('|') }}", HOSTILE + "|" + HOSTILE),
    ("{{ v | replace('R', 'r') }}", HOSTILE.replace("R", "r")),
])
def test_filtered_values_are_escaped_once(expr: str, expected: str) -> None:
    out = render(body_docx(p("X " + expr)), {"v": HOSTILE})
    assert body_texts(out) == ["X " + expected]


def test_safe_filter_cannot_inject_markup() -> None:
    # a template is data: |safe must not let a value write raw WordprocessingML.
    # Either the value shows literally or the template is refused; never a broken file.
    tpl = body_docx(p("X {{ v | safe }}"))
    try:
        out = docgen.Template(tpl).render({"v": HOSTILE})
    except TemplateError:
        return
    assert_well_formed(out)
    assert body_texts(out) == ["X " + HOSTILE]


# ========================================================= paragraph-level tags

@pytest.mark.parametrize("show, expected", [
    (True, ["Before", "Body", "After"]),
    (False, ["Before", "After"]),
])
def test_p_if_paragraphs_vanish_and_body_is_kept_or_removed(show: bool, expected: list[str]) -> None:
    tpl = body_docx(p("Before"), p("{%p if show %}"), p("Body"), p("{%p endif %}"), p("After"))
    out = render(tpl, {"show": show})
    assert body_texts(out, keep_empty=True) == expected
    assert body_paragraph_count(out) == len(expected)


@pytest.mark.parametrize("paid, expected", [(True, "Paid in full"), (False, "Payment due")])
def test_p_if_else(paid: bool, expected: str) -> None:
    tpl = body_docx(p("{%p if paid %}"), p("Paid in full"), p("{%p else %}"),
                    p("Payment due"), p("{%p endif %}"))
    out = render(tpl, {"paid": paid})
    assert body_texts(out, keep_empty=True) == [expected]


def test_p_tags_split_over_runs() -> None:
    tpl = body_docx(p("A"), p(run("{%"), run("p if "), run("show", bold=True), run(" %}")),
                    p("B"), p(run("{%p end"), proof_err(), run("if %}")), p("C"))
    assert body_texts(render(tpl, {"show": False}), keep_empty=True) == ["A", "C"]


def test_p_for_repeats_paragraphs_with_their_paragraph_style() -> None:
    tpl = body_docx(
        p("Agenda"),
        p("{%p for item in agenda %}"),
        p(run("{{ loop.index }}. "), run("{{ item }}", bold=True), style="ListBullet"),
        p("{%p endfor %}"),
        p("End"),
    )
    out = render(tpl, {"agenda": ["Budget", "Timeline", "Risks"]})
    assert body_texts(out, keep_empty=True) == [
        "Agenda", "1. Budget", "2. Timeline", "3. Risks", "End"]
    styles = []
    for para in paragraphs(body_element(out))[1:4]:
        ps = para.find(f"{W}pPr/{W}pStyle")
        styles.append(None if ps is None else ps.get(W + "val"))
    assert styles == ["ListBullet"] * 3


def test_p_for_over_empty_list_leaves_nothing() -> None:
    tpl = body_docx(p("Start"), p("{%p for x in xs %}"), p("{{ x }}"), p("{%p endfor %}"),
                    p("End"))
    out = render(tpl, {"xs": []})
    assert body_texts(out, keep_empty=True) == ["Start", "End"]


def test_p_for_over_several_paragraphs_and_inline_loop() -> None:
    tpl = body_docx(
        p("{%p for m in meetings %}"),
        p("{{ m.title }}"),
        p("Attendees: {% for a in m.people %}{{ a }}{% if not loop.last %}, {% endif %}"
          "{% endfor %}"),
        p("{%p endfor %}"),
    )
    ctx = {"meetings": [{"title": "Kickoff", "people": ["Kim", "Lee"]},
                        {"title": "Review", "people": ["Wang"]}]}
    assert body_texts(render(tpl, ctx), keep_empty=True) == [
        "Kickoff", "Attendees: Kim, Lee", "Review", "Attendees: Wang"]


# ----------------------------------------------------------------- table rows

def _order_table() -> Fragment:
    return tbl([
        ["Item", "Qty"],
        ["{%tr for r in rows %}", ""],
        ["{{ r.name }}", "{{ r.qty }}"],
        ["{%tr endfor %}", ""],
        ["Total", "{{ total }}"],
    ])


def test_tr_for_repeats_rows_and_tag_rows_vanish() -> None:
    out = render(build_docx([_order_table()]),
                 {"rows": [{"name": "Poster A1", "qty": 2}, {"name": "Banner", "qty": 5}],
                  "total": 7})
    assert table_matrix(tables(out)[0]) == [
        ["Item", "Qty"], ["Poster A1", "2"], ["Banner", "5"], ["Total", "7"]]


def test_tr_for_over_empty_list() -> None:
    out = render(build_docx([_order_table()]), {"rows": [], "total": 0})
    assert table_matrix(tables(out)[0]) == [["Item", "Qty"], ["Total", "0"]]


def test_tr_if_removes_row() -> None:
    t = tbl([["A", "1"], ["{%tr if extra %}", ""], ["B", "2"], ["{%tr endif %}", ""],
             ["C", "3"]])
    out_no = render(build_docx([t]), {"extra": False})
    out_yes = render(build_docx([t]), {"extra": True})
    assert table_matrix(tables(out_no)[0]) == [["A", "1"], ["C", "3"]]
    assert table_matrix(tables(out_yes)[0]) == [["A", "1"], ["B", "2"], ["C", "3"]]


def test_values_in_table_cells_and_nested_table() -> None:
    inner = tbl([["{{ a }}", "x{{ b }}y"]])
    outer = tbl([["Outer {{ a }}", [p("before"), inner, p("after")]]])
    out = render(build_docx([outer]), {"a": "AA", "b": "BB"})
    outer_el, inner_el = tables(out)
    assert table_matrix(inner_el) == [["AA", "xBBy"]]
    assert table_matrix(outer_el)[0][0] == "Outer AA"
    assert body_texts(out) == ["Outer AA", "before", "AA", "xBBy", "after"]


# -------------------------------------------------------------- table columns

def _column_table() -> Fragment:
    return tbl([
        ["Label", "{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}"],
        ["Row", "{%tc for c in cols %}", "{{ c | upper }}", "{%tc endfor %}"],
    ])


def test_tc_for_repeats_cells_and_tag_cells_vanish() -> None:
    out = render(build_docx([_column_table()]), {"cols": ["q1", "q2", "q3"]})
    assert table_matrix(tables(out)[0]) == [
        ["Label", "q1", "q2", "q3"], ["Row", "Q1", "Q2", "Q3"]]


@pytest.mark.parametrize("n", [1, 6])
def test_tc_for_table_grid_matches_cell_count(n: int) -> None:
    out = render(build_docx([_column_table()]), {"cols": [f"c{i}" for i in range(n)]})
    t = tables(out)[0]
    grid = t.findall(f"{W}tblGrid/{W}gridCol")
    assert [len(r) for r in table_matrix(t)] == [n + 1, n + 1]
    assert len(grid) == n + 1


# ---------------------------------------------------------------- comments

def test_comment_paragraph_is_removed() -> None:
    tpl = body_docx(p("A"), p("{#p note for template authors: keep this short #}"), p("B"))
    out = render(tpl, {})
    assert body_texts(out, keep_empty=True) == ["A", "B"]
    assert body_paragraph_count(out) == 2


def test_inline_comment_is_removed() -> None:
    tpl = body_docx(
        p("Hello {# a remark #}world"),
        p(run("Hi {"), run("# split ", bold=True), run("remark #"), run("}there")),
    )
    assert body_texts(render(tpl, {})) == ["Hello world", "Hi there"]


# ----------------------------------------------------- paragraph merging {%- -%}

@pytest.mark.parametrize("flag, expected", [(True, "StartMiddleEnd"), (False, "StartEnd")])
def test_dash_tags_merge_paragraphs(flag: bool, expected: str) -> None:
    tpl = body_docx(p("Start"), p("{%- if flag -%}"), p("Middle"), p("{%- endif -%}"),
                    p("End"))
    out = render(tpl, {"flag": flag})
    assert body_texts(out, keep_empty=True) == [expected]
    assert body_paragraph_count(out) == 1


# --------------------------------------------------------------- run-level {%r %}

@pytest.mark.parametrize("vip, expected", [(True, "Total: VIP 100"), (False, "Total: 100")])
def test_r_tags_keep_or_drop_the_runs_between_them(vip: bool, expected: str) -> None:
    tpl = body_docx(p(run("Total: "), run("{%r if vip %}"), run("VIP ", bold=True),
                      run("{%r endif %}"), run("{{ amount }}")))
    out = render(tpl, {"vip": vip, "amount": 100})
    assert body_texts(out) == [expected]
    (para,) = paragraphs(body_element(out))
    vip_runs = [r for r in runs_of(para) if paragraph_text_of_run(r) == "VIP "]
    assert len(vip_runs) == (1 if vip else 0)
    if vip:
        assert run_is(vip_runs[0], "b")


# ======================================================= headers, footers, …

def test_values_in_header_footer_footnotes_and_core_title() -> None:
    tpl = build_docx(
        [p("Body for {{ client }}")],
        header=[p(run("Client: "), run("{{ cli"), run("ent }}", bold=True))],
        footer=[p("Prepared by {{ author }}")],
        footnotes=[[p("Source: {{ source }}")], [p(run("Second "), run("{{ author }}"))]],
        core_title="Report \u2013 {{ client }}",
    )
    out = render(tpl, {"client": "ACME 주식회사", "author": "Kim", "source": "Q3 data"})
    assert body_texts(out) == ["Body for ACME 주식회사", "Notes:"]
    assert all_texts(out, HEADER) == ["Client: ACME 주식회사"]
    assert all_texts(out, FOOTER) == ["Prepared by Kim"]
    assert all_texts(out, FOOTNOTES) == ["Source: Q3 data", "Second Kim"]
    assert core_title(out) == "Report \u2013 ACME 주식회사"


def test_first_page_header_is_rendered_too() -> None:
    tpl = build_docx([p("x")], header=[p("{{ a }}")], first_page_header=[p("First {{ b }}")])
    out = render(tpl, {"a": "default", "b": "page"})
    hdr_texts = sorted(
        t for n in zip_names(out) if n.startswith("word/header")
        for t in all_texts(out, n))
    assert hdr_texts == ["First page", "default"]


def test_values_in_header_and_core_title_are_escaped() -> None:
    tpl = build_docx([p("x")], header=[p("{{ v }}")], core_title="{{ v }}")
    out = render(tpl, {"v": "<R&D \"team\">"})
    assert all_texts(out, HEADER) == ["<R&D \"team\">"]
    assert core_title(out) == "<R&D \"team\">"


# ======================================================================= errors

def test_undefined_variable_is_a_template_error_naming_it() -> None:
    tpl = body_docx(p("Intro"), p("Second"), p("Hello {{ missing_var }}"))
    err = render_error(tpl, {"name": "x"})
    assert "missing_var" in err.message
    assert isinstance(err.location, SourceLocation)
    assert err.location.part == DOC
    assert err.location.paragraph == 3


def test_undefined_variable_in_split_runs_is_located() -> None:
    tpl = body_docx(p("One"), p(run("Two {{ "), run("miss", bold=True), proof_err(),
                                run("ing_client }}")), p("Three"))
    err = render_error(tpl, {})
    assert "missing_client" in err.message
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (DOC, 2)


def test_undefined_variable_in_header_is_located_in_the_header() -> None:
    tpl = build_docx([p("ok {{ a }}")], header=[p("{{ header_only }}")])
    err = render_error(tpl, {"a": 1})
    assert "header_only" in err.message
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (HEADER, 1)


@pytest.mark.parametrize("source, name", [
    ("{{ client.phone }}", "phone"),
    ("{% if vip_flag %}x{% endif %}", "vip_flag"),
    ("{% for i in line_items %}{{ i }}{% endfor %}", "line_items"),
    ("{{ missing_amount + 1 }}", "missing_amount"),
])
def test_undefined_in_attributes_tests_and_loops_is_an_error(source: str, name: str) -> None:
    err = render_error(body_docx(p(source)), {"client": {"name": "ACME"}})
    assert name in err.message
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (DOC, 1)


def test_default_filter_handles_undefined_variable() -> None:
    out = render(body_docx(p('{{ nickname | default("n/a") }}')), {})
    assert body_texts(out) == ["n/a"]


@pytest.mark.parametrize("source", [
    "Total {{ amount ) }}",
    "{% endif %}",
    "{{ }}",
    "{% for x in %}{% endfor %}",
])
def test_jinja_syntax_error_is_a_located_template_error(source: str) -> None:
    tpl = body_docx(p("First paragraph"), p(source), p("Third"))
    err = render_error(tpl, {"amount": 1, "x": 1})
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (DOC, 2)
    assert err.message


def test_unclosed_block_is_a_template_error() -> None:
    err = render_error(body_docx(p("{% if flag %}"), p("never closed")), {"flag": True})
    assert err.location is not None and err.location.part == DOC


def test_syntax_error_in_footer_names_the_footer() -> None:
    err = render_error(build_docx([p("ok")], footer=[p("{{ page ) }}")]), {"page": 1})
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (FOOTER, 1)


def test_unknown_filter_is_a_template_error() -> None:
    err = render_error(body_docx(p("a"), p("{{ name | no_such_filter }}")), {"name": "x"})
    assert "no_such_filter" in err.message
    assert err.location is not None
    assert err.location.part == DOC


def test_bad_filter_argument_is_a_located_template_error() -> None:
    tpl = body_docx(p("a"), p("b"), p('{{ price | round("two") }}'))
    err = render_error(tpl, {"price": 3.75})
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (DOC, 3)


@pytest.mark.parametrize("expr", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ name.__class__ }}",
    "{{ (1).__class__.__base__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{% for c in ''.__class__.__mro__ %}{{ c.__name__ }}{% endfor %}",
    "{{ '{0.__class__}'.format(name) }}",
])
def test_sandbox_blocks_dunder_access(expr: str) -> None:
    tpl = body_docx(p("Start"), p(expr))
    with pytest.raises(TemplateError):
        out = docgen.Template(tpl).render({"name": "x"})
        # if it did not raise, at least nothing of Python's internals got out
        pytest.fail(f"rendered instead of raising: {body_texts(out)!r}")


@pytest.mark.parametrize("part, source, context, code", [
    (HEADER, '{{ price | round("two") }}', {"price": 3.75}, "render"),
    (HEADER, "{{ amount | money }}", {"amount": "lots"}, "render"),
    (FOOTER, "Page {{ missing_in_footer }}", {}, "undefined"),
    (FOOTER, "{{ ''.__class__.__mro__ }}", {}, "sandbox"),
    (FOOTER, "{{ total | number(digits) }}", {"total": 1}, "undefined"),
])
def test_render_errors_in_headers_and_footers_are_located(part: str, source: str, context: dict[str, Any], code: str) -> None:
    paragraphs = [p("first"), p(source)]
    tpl = build_docx([p("body")], header=paragraphs if part == HEADER else None,
                     footer=paragraphs if part == FOOTER else None)
    err = render_error(tpl, context)
    assert err.code == code
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (part, 2)
    assert err.excerpt == source  # the paragraph's text is quoted


def test_render_error_in_a_footnote_and_a_table_row_loop_are_located() -> None:
    err = render_error(build_docx([p("x")], footnotes=[[p("{{ note.missing }}")]]),
                       {"note": {}})
    assert err.location is not None
    assert err.code == "undefined" and err.location.part == FOOTNOTES
    tpl = body_docx(p("before"), tbl([["{%tr for r in rows %}"], ["{{ r.nmae }}"],
                                       ["{%tr endfor %}"]]))
    err = render_error(tpl, {"rows": [{"name": "a"}]})
    assert err.location is not None
    assert (err.code, err.location.part, err.location.paragraph) == ("undefined", DOC, 3)
    assert err.excerpt == "{{ r.nmae }}"


# =================================================================== fields()

def test_fields_lists_undeclared_top_level_names() -> None:
    tpl = build_docx(
        [p("Dear {{ client }}"),
         p("{% for it in items %}{{ it.name }}{% endfor %}"),
         p(run("Sum: {{ tot"), run("al", bold=True), run(" }}")),
         p("{% set local_value = 3 %}{{ local_value }}"),
         p("{%p if show_notes %}"), p("notes"), p("{%p endif %}")],
        header=[p("{{ title }}")],
        footer=[p('{{ footer_note | default("") }}')],
        footnotes=[[p("{{ source }}")]],
    )
    fields = docgen.Template(tpl).fields()
    assert set(fields) == {"client", "items", "total", "show_notes", "title", "footer_note",
                           "source"}


def test_fields_include_core_title() -> None:
    tpl = build_docx([p("{{ a }}")], core_title="{{ doc_title }}")
    assert set(docgen.Template(tpl).fields()) == {"a", "doc_title"}


def test_fields_of_template_without_tags_is_empty() -> None:
    assert set(docgen.Template(body_docx(p("plain"))).fields()) == set()


# ======================================================= API, package, determinism

def test_template_accepts_str_path_and_bytes(tmp_path: Path) -> None:
    data = body_docx(p("Hi {{ n }}"))
    f = tmp_path / "t.docx"
    f.write_bytes(data)
    outs = [docgen.Template(x).render({"n": "K"}) for x in (str(f), f, data)]
    for o in outs:
        assert body_texts(o) == ["Hi K"]
    assert outs[0] == outs[1] == outs[2]
    assert f.read_bytes() == data, "rendering must not modify the template file"


def test_template_without_tags_keeps_its_text() -> None:
    tpl = build_docx([p("Plain & simple <text>"), tbl([["a", "b"]])],
                     header=[p("Header")], footer=[p("Footer")])
    out = render(tpl, {})
    for part in (DOC, HEADER, FOOTER):
        assert all_texts(out, part) == all_texts(tpl, part)


def test_output_zip_has_the_same_members_as_the_template() -> None:
    tpl = build_docx([p("{{ a }}")], header=[p("{{ a }}")], footer=[p("f")],
                     footnotes=[[p("{{ a }}")]], core_title="{{ a }}")
    out = render(tpl, {"a": "x"})
    assert sorted(zip_names(out)) == sorted(zip_names(tpl))


def test_locale_argument_is_accepted() -> None:
    tpl = body_docx(p("{{ a }}"))
    for loc in (None, "ko", "zh-CN", "zh-TW", "en"):
        assert body_texts(docgen.Template(tpl).render({"a": "x"}, locale=loc)) == ["x"]


def _rich_template() -> bytes:
    return build_docx(
        [p("Client: {{ client }}"),
         tbl([["Item", "Qty"], ["{%tr for r in rows %}", ""], ["{{ r.name }}", "{{ r.qty }}"],
              ["{%tr endfor %}", ""]]),
         p("{%p if note %}"), p("Note: {{ note }}"), p("{%p endif %}")],
        header=[p("{{ client }}")],
        footer=[p("{{ client }} confidential")],
        footnotes=[[p("For {{ client }}")]],
        core_title="{{ client }} report",
    )


CTX_A = {"client": "ALPHA-CORP", "note": "ALPHA-NOTE",
         "rows": [{"name": "ALPHA-ITEM-1", "qty": 1}, {"name": "ALPHA-ITEM-2", "qty": 2},
                  {"name": "ALPHA-ITEM-3", "qty": 3}]}
CTX_B = {"client": "BRAVO-LTD", "note": "", "rows": [{"name": "BRAVO-ITEM", "qty": 9}]}


def test_render_twice_gives_identical_bytes_even_seconds_apart() -> None:
    t = docgen.Template(_rich_template())
    first = t.render(copy.deepcopy(CTX_A))
    time.sleep(2.1)  # ZIP timestamps have a 2-second resolution
    second = t.render(copy.deepcopy(CTX_A))
    assert first == second


def test_two_template_objects_from_the_same_file_give_identical_bytes(tmp_path: Path) -> None:
    f = tmp_path / "t.docx"
    f.write_bytes(_rich_template())
    a = docgen.Template(f).render(copy.deepcopy(CTX_A))
    b = docgen.Template(f).render(copy.deepcopy(CTX_A))
    assert a == b


def test_renders_are_independent_no_data_leaks_between_them() -> None:
    t = docgen.Template(_rich_template())
    a1 = t.render(copy.deepcopy(CTX_A))
    b = t.render(copy.deepcopy(CTX_B))
    a2 = t.render(copy.deepcopy(CTX_A))
    assert_well_formed(b)
    assert "ALPHA" in all_xml_text(a1)
    assert "ALPHA" not in all_xml_text(b)
    assert body_texts(b) == ["Client: BRAVO-LTD", "Item", "Qty", "BRAVO-ITEM", "9", "Notes:"]
    assert table_matrix(tables(b)[0]) == [["Item", "Qty"], ["BRAVO-ITEM", "9"]]
    assert all_texts(b, HEADER) == ["BRAVO-LTD"]
    assert all_texts(b, FOOTNOTES) == ["For BRAVO-LTD"]
    assert core_title(b) == "BRAVO-LTD report"
    assert a1 == a2, "rendering B in between changed the output for A"


def test_render_does_not_modify_the_context() -> None:
    ctx = copy.deepcopy(CTX_A)
    docgen.Template(_rich_template()).render(ctx, locale="ko")
    assert ctx == CTX_A


def test_error_in_one_render_does_not_break_the_next() -> None:
    t = docgen.Template(body_docx(p("{{ client.name }}")))
    with pytest.raises(TemplateError):
        t.render({})
    assert body_texts(t.render({"client": {"name": "OK"}})) == ["OK"]


def test_output_is_a_plain_zip_python_docx_can_edit_and_save() -> None:
    out = render(_rich_template(), copy.deepcopy(CTX_A))
    from tests.engine.docx_builders import open_with_python_docx
    d = open_with_python_docx(out)
    d.add_paragraph("appended")
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as z:
        assert "word/document.xml" in z.namelist()
