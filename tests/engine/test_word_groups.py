"""Grouped tables in Word: ``{%tr for g in tasks|groupby("owner") %}`` with a group
header row, the first column merged over each group (``{% vm %}``, ``{% vm key %}``),
and row tags in one-column tables (a table that loses every row is removed).

Templates are built two ways: with python-docx's own table API (``add_table``,
``cell.merge``), and as Word saves them (rsids, ``w14:paraId``, ``tblLook``, a header
row marked ``w:tblHeader``, AutoCorrect's curly quotes in a tag, spelling marks
splitting a tag). Outputs are read back with python-docx (rows, cell text, merged
cells through ``cell._tc``), with lxml (``w:vMerge``/``w:gridSpan`` per row), checked
against the ECMA-376 schemas, and opened in LibreOffice (PDF text, a PNG, and a
LibreOffice re-save read back with python-docx).
"""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Optional

import docx
import pytest
from lxml import etree

import docgen
from docgen.errors import TemplateError
from docgen.i18n.catalog import translations
from tests import ooxml_schema
from tests.engine.docx_builders import W, build_docx, p, tables, tbl

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"

TASKS = [
    {"owner": "김민수", "title": "海报设计", "due": "11-30"},
    {"owner": "김민수", "title": "文案撰写", "due": "12-01"},
    {"owner": "이서연", "title": "媒体投放", "due": "12-02"},
    {"owner": "박지훈", "title": "市场调研", "due": "12-03"},
    {"owner": "박지훈", "title": "竞品分析", "due": "12-04"},
    {"owner": "박지훈", "title": "客户汇报", "due": "12-05"},
]
GROUPS = ["김민수", "박지훈", "이서연"]  # groupby sorts by the key


# ------------------------------------------------------------------- helpers

def render(template: bytes, ctx: dict[str, Any], locale: str = "ko") -> bytes:
    out = docgen.Template(template).render(ctx, locale=locale)
    ooxml_schema.require()
    ooxml_schema.assert_valid(out)
    docx.Document(io.BytesIO(out))  # python-docx opens it
    return out


def vmerge(tc: etree._Element) -> Optional[str]:
    el = tc.find(f"{W}tcPr/{W}vMerge")
    if el is None:
        return None
    return el.get(W + "val") or "continue"  # no w:val means continue


def span(tc: etree._Element) -> int:
    el = tc.find(f"{W}tcPr/{W}gridSpan")
    return int(el.get(W + "val")) if el is not None else 1


def cell_text(tc: etree._Element) -> str:
    return "".join(tc.itertext()).strip()


def rows_of(tbl_el: etree._Element) -> list[list[tuple[str, Optional[str], int]]]:
    """Per row, per cell: (text, vMerge value, gridSpan)."""
    return [[(cell_text(tc), vmerge(tc), span(tc)) for tc in tr.findall(W + "tc")]
            for tr in tbl_el.findall(W + "tr")]


def assert_merges_well_formed(tbl_el: etree._Element) -> None:
    """Every ``continue`` has a ``restart`` or ``continue`` right above it in the same
    grid column (no dangling continue merging into an unrelated cell)."""
    above: dict[int, Optional[str]] = {}
    for tr in tbl_el.findall(W + "tr"):
        col = 0
        for tc in tr.findall(W + "tc"):
            value = vmerge(tc)
            if value == "continue":
                assert above.get(col) in ("restart", "continue"), \
                    f"dangling vMerge continue at grid column {col}"
            above[col] = value
            col += span(tc)


def vm_column(tbl_el: etree._Element, start_row: int = 1) -> list[tuple[str, Optional[str]]]:
    return [(cell_text(tr.findall(W + "tc")[0]), vmerge(tr.findall(W + "tc")[0]))
            for tr in tbl_el.findall(W + "tr")[start_row:]]


# -------------------------------------------------- templates: python-docx API

def python_docx_grouped(header_merge: bool = True) -> bytes:
    """Owner | Task | Due; a group header row (3 cells merged with cell.merge), then
    the group's rows with the owner merged down the first column."""
    d = docx.Document()
    rows = [["담당자", "업무", "기한"],
            ['{%tr for g in tasks|groupby("owner") %}', "", ""],
            ["▶ {{ g.grouper }} ({{ g.list|length }})", "", ""],
            ["{%tr for t in g.list %}", "", ""],
            ["{% vm %}{{ g.grouper }}", "{{ t.title }}", "{{ t.due }}"],
            ["{%tr endfor %}", "", ""],
            ["{%tr endfor %}", "", ""],
            ["합계", "{{ tasks|length }}", ""]]
    t = d.add_table(rows=len(rows), cols=3)
    t.style = "Table Grid"
    for row, values in zip(t.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    if header_merge:
        t.cell(2, 0).merge(t.cell(2, 2))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ------------------------------------------------- templates: as Word saves them

_PARA_ID = [0x1A2B3C00]


def _ids() -> str:
    _PARA_ID[0] += 1
    return f'w14:paraId="{_PARA_ID[0]:08X}" w14:textId="77777777"'


def word_p(*runs: str) -> str:
    return (f'<w:p {_ids()} w:rsidR="00A81B2C" w:rsidRDefault="00A81B2C" '
            f'w:rsidP="004F1E22">{"".join(runs)}</w:p>')


def word_r(text: str, rsid: str = "00A81B2C", lang: bool = False) -> str:
    rpr = '<w:rPr><w:lang w:eastAsia="ko-KR"/></w:rPr>' if lang else ""
    return f'<w:r w:rsidR="{rsid}">{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def word_tc(paragraph: str, width: int, span: int = 1) -> str:
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}</w:tcPr>'
            f"{paragraph}</w:tc>")


def word_tr(*cells: str, header: bool = False) -> str:
    trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    return (f'<w:tr w:rsidR="00A81B2C" w:rsidTr="004F1E22" {_ids()}>{trpr}'
            f'{"".join(cells)}</w:tr>')


def word_table(rows: list[str], widths: tuple[int, ...]) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
            f'<w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def tag_row(widths: tuple[int, ...], *runs: str) -> str:
    """A row holding only tags in its first cell (the others empty), as Word saves it."""
    cells = [word_tc(word_p(*runs), widths[0])]
    cells += [word_tc(word_p(), w) for w in widths[1:]]
    return word_tr(*cells)


def word_saved_grouped() -> bytes:
    """The grouped table typed in Word: curly quotes in groupby(“owner”), the loop tag
    split by a spelling mark and an rsid change, the header cell a merged (gridSpan)
    cell, the first row a repeating header row."""
    wd = (1800, 4200, 1800)
    rows = [
        word_tr(*(word_tc(word_p(word_r(h, lang=True)), w)
                  for h, w in zip(("담당자", "업무", "기한"), wd)), header=True),
        tag_row(wd, word_r("{%tr for g in tasks|"), '<w:proofErr w:type="spellStart"/>',
                word_r("groupby", "00C3D4E5"), '<w:proofErr w:type="spellEnd"/>',
                word_r("(“owner”) %}")),
        word_tr(word_tc(word_p(word_r("{{ g."), word_r("grouper }}", "00C3D4E5")),
                        sum(wd), span=3)),
        tag_row(wd, word_r("{%tr for t in "), word_r("g.list %}", "00C3D4E5")),
        word_tr(word_tc(word_p(word_r("{% vm %}"), word_r("{{ g.grouper }}")), wd[0]),
                word_tc(word_p(word_r("{{ t.title }}")), wd[1]),
                word_tc(word_p(word_r("{{ t.due }}")), wd[2])),
        tag_row(wd, word_r("{%tr endfor %}"), word_r("{%tr endfor %}", "00C3D4E5")),
    ]
    return build_docx([word_p(word_r("업무 분담")), word_table(rows, wd), word_p()])


# --------------------------------------------------------------------- grouped

def test_python_docx_grouped_table_header_rows_and_merged_owner() -> None:
    out = render(python_docx_grouped(), {"tasks": TASKS})
    table = docx.Document(io.BytesIO(out)).tables[0]
    grid = rows_of(tables(out)[0])
    expected: list[list[tuple[str, Optional[str], int]]] = [
        [("담당자", None, 1), ("업무", None, 1), ("기한", None, 1)]]
    for owner in GROUPS:
        items = [t for t in TASKS if t["owner"] == owner]
        expected.append([(f"▶ {owner} ({len(items)})", None, 3)])
        for i, t in enumerate(items):
            expected.append([(owner if i == 0 else "", "restart" if i == 0 else "continue", 1),
                             (t["title"], None, 1), (t["due"], None, 1)])
    expected.append([("합계", None, 1), ("6", None, 1), ("", None, 1)])
    assert grid == expected
    assert_merges_well_formed(tables(out)[0])
    # python-docx sees the merges: the merged rows share the restart cell's element.
    assert len(table.rows) == 1 + 3 + 6 + 1
    assert table.cell(2, 0)._tc is table.cell(3, 0)._tc  # 김민수 over 2 rows
    assert table.cell(2, 0).text == "김민수"
    assert table.cell(3, 0)._tc is not table.cell(5, 0)._tc  # next group: own merge
    assert table.cell(5, 0)._tc is table.cell(7, 0)._tc  # 박지훈 over 3 rows
    assert table.cell(1, 0)._tc is table.cell(1, 2)._tc  # header row spans all columns
    assert table.cell(1, 0).text.strip() == "▶ 김민수 (2)"  # merge() kept 3 paragraphs


def test_word_saved_template_renders_the_same_groups() -> None:
    out = render(word_saved_grouped(), {"tasks": TASKS})
    tbl_el = tables(out)[0]
    grid = rows_of(tbl_el)
    # The owner prints in the restart cell; here {% vm %} and {{ g.grouper }} are in
    # two runs, so as in docxtpl the continue cells keep the text (Word and
    # LibreOffice show only the restart cell's: see the LibreOffice test).
    assert [r[0][0] for r in grid if r[0][1] != "continue"] == [
        "담당자", "김민수", "김민수", "박지훈", "박지훈", "이서연", "이서연"]
    assert [len(r) for r in grid] == [3, 1, 3, 3, 1, 3, 3, 3, 1, 3]
    assert [r[0][2] for r in grid if len(r) == 1] == [3, 3, 3]
    assert [r[0][1] for r in grid if len(r) == 3][1:] == [
        "restart", "continue", "restart", "continue", "continue", "restart"]
    assert_merges_well_formed(tbl_el)
    # Only the template's header row repeats on each page; the grid is unchanged.
    headers = [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in tbl_el.findall(W + "tr")]
    assert headers == [True] + [False] * 9
    assert [c.get(W + "w") for c in tbl_el.iter(W + "gridCol")] == ["1800", "4200", "1800"]
    assert tbl_el.find(f"{W}tblPr/{W}tblLook") is not None
    table = docx.Document(io.BytesIO(out)).tables[0]
    assert [c.text for c in table.columns[0].cells][1:4] == ["김민수"] * 3  # merged
    assert [c.text for c in table.columns[1].cells] == [
        "업무", "김민수", "海报设计", "文案撰写", "박지훈", "市场调研", "竞品分析", "客户汇报",
        "이서연", "媒体投放"]


def test_adjacent_groups_printing_the_same_text_stay_two_merges() -> None:
    # Two owners with the same name (told apart by id): two groups, two merges.
    tasks = [{"id": 1, "name": "김민수", "title": "海报"}, {"id": 1, "name": "김민수", "title": "文案"},
             {"id": 2, "name": "김민수", "title": "投放"}, {"id": 2, "name": "김민수", "title": "调研"}]
    t = tbl([['{%tr for g in tasks|groupby("id") %}{%tr for t in g.list %}', ""],
             ["{% vm %}{{ t.name }}", "{{ t.title }}"],
             ["{%tr endfor %}{%tr endfor %}", ""]])
    out = render(build_docx([t]), {"tasks": tasks})
    assert vm_column(tables(out)[0], 0) == [
        ("김민수", "restart"), ("", "continue"), ("김민수", "restart"), ("", "continue")]
    table = docx.Document(io.BytesIO(out)).tables[0]
    assert table.cell(0, 0)._tc is table.cell(1, 0)._tc
    assert table.cell(1, 0)._tc is not table.cell(2, 0)._tc


def test_group_of_one_row_is_a_plain_restart() -> None:
    tasks = [{"owner": "王芳", "title": "海报"}, {"owner": "李娜", "title": "文案"},
             {"owner": "李娜", "title": "投放"}]
    t = tbl([["负责人", "任务"],
             ['{%tr for g in tasks|groupby("owner") %}', ""],
             ["{%tr for t in g.list %}", ""],
             ["{% vm %}{{ g.grouper }}", "{{ t.title }}"],
             ["{%tr endfor %}", ""], ["{%tr endfor %}", ""],
             ["备注", "—"]])
    out = render(build_docx([t]), {"tasks": tasks}, locale="zh-CN")
    tbl_el = tables(out)[0]
    assert vm_column(tbl_el) == [("李娜", "restart"), ("", "continue"), ("王芳", "restart"),
                                 ("备注", None)]
    assert_merges_well_formed(tbl_el)


def test_vm_with_a_key_merges_equal_neighbours_of_a_flat_list() -> None:
    tasks = [{"owner": "A", "n": 1}, {"owner": "A", "n": 2}, {"owner": "B", "n": 3},
             {"owner": "A", "n": 4}, {"owner": "A", "n": 5}]
    t = tbl([["{%tr for t in tasks %}", ""],
             ["{% vm t.owner %}{{ t.owner }}", "{{ t.n }}"],
             ["{%tr endfor %}", ""]])
    out = render(build_docx([t]), {"tasks": tasks})
    assert vm_column(tables(out)[0], 0) == [
        ("A", "restart"), ("", "continue"), ("B", "restart"), ("A", "restart"),
        ("", "continue")]


def test_two_merged_columns_in_one_row_are_independent() -> None:
    rows = [{"team": "创意", "owner": "김", "t": 1}, {"team": "创意", "owner": "김", "t": 2},
            {"team": "创意", "owner": "이", "t": 3}, {"team": "媒介", "owner": "이", "t": 4}]
    t = tbl([["{%tr for r in rows %}", "", ""],
             ["{% vm r.team %}{{ r.team }}", "{% vm (r.team, r.owner) %}{{ r.owner }}",
              "{{ r.t }}"],
             ["{%tr endfor %}", "", ""]])
    out = render(build_docx([t]), {"rows": rows})
    grid = rows_of(tables(out)[0])
    assert [(c[0][1], c[1][1]) for c in grid] == [
        ("restart", "restart"), ("continue", "continue"), ("continue", "restart"),
        ("restart", "restart")]
    assert [(c[0][0], c[1][0]) for c in grid] == [
        ("创意", "김"), ("", ""), ("", "이"), ("媒介", "이")]


def test_first_row_of_a_loop_dropped_by_a_condition_leaves_no_dangling_continue() -> None:
    tasks = [{"owner": "A", "open": False}, {"owner": "A", "open": True},
             {"owner": "A", "open": True}]
    t = tbl([["Owner", "Open"],
             ['{%tr for g in tasks|groupby("owner") %}{%tr for t in g.list %}', ""],
             ["{%tr if t.open %}", ""],
             ["{% vm %}{{ g.grouper }}", "{{ t.open }}"],
             ["{%tr endif %}", ""],
             ["{%tr endfor %}{%tr endfor %}", ""]])
    out = render(build_docx([t]), {"tasks": tasks})
    assert vm_column(tables(out)[0]) == [("A", "restart"), ("", "continue")]
    assert_merges_well_formed(tables(out)[0])


def test_docxtpl_vm_at_the_end_of_the_cell_still_merges_the_whole_loop() -> None:
    t = tbl([["{%tr for i in items %}", ""], ["{{ category }}{% vm %}", "{{ i }}"],
             ["{%tr endfor %}", ""]])
    out = render(build_docx([t]), {"items": ["x", "y", "z"], "category": "Book"})
    assert vm_column(tables(out)[0], 0) == [("Book", "restart"), ("", "continue"),
                                            ("", "continue")]


def test_row_tags_in_different_cells_of_one_row() -> None:
    t = tbl([['{%tr for g in tasks|groupby("owner") %}', "{%tr for t in g.list %}"],
             ["{% vm %}{{ g.grouper }}", "{{ t.title }}"],
             ["{%tr endfor %}", "{%tr endfor %}"]])
    out = render(build_docx([t]), {"tasks": TASKS[:3]})
    assert [r[1][0] for r in rows_of(tables(out)[0])] == ["海报设计", "文案撰写", "媒体投放"]


@pytest.mark.parametrize("tag, loop", [("{% vm %}", "{%tr for … %}"),
                                       ("{% hm %}", "{%tc for … %}")])
def test_a_merge_outside_a_loop_is_a_located_template_error_in_the_users_language(
        tag: str, loop: str) -> None:
    """What the tag needs and where it is — for {% hm %} it used to be "'loop' is not in
    the data"."""
    t = tbl([["Owner", "Task"], [tag + "{{ owner }}", "x"]])
    template = docgen.Template(build_docx([p("intro"), t]))
    with pytest.raises(TemplateError) as info:
        template.render({"owner": "김"}, locale="ko")
    assert info.value.location is not None
    assert info.value.location.paragraph == 4  # intro, Owner, Task, then the merge cell
    assert info.value.exit_code == 3
    assert info.value.code == "render"
    assert tag in str(info.value) and loop in str(info.value)
    assert "'loop'" not in str(info.value)
    korean = info.value.localized(translations("messages", "ko").gettext)
    assert "병합" in korean and tag in korean and loop in korean


def test_a_cell_tag_outside_a_table_says_where_it_works() -> None:
    with pytest.raises(TemplateError) as info:
        docgen.Template(build_docx([p("intro"), p("{% colspan 2 %}{{ title }}")]))
    assert info.value.location is not None and info.value.location.paragraph == 2
    assert "'{% colspan %}' works only in a cell of a Word table" in str(info.value)


def test_hm_inside_a_column_loop_spans_the_columns_it_writes() -> None:
    t = tbl([["{%tc for q in quarters %}", "{% hm %}{{ title }}", "{%tc endfor %}"],
             ["{%tc for q in quarters %}", "{{ q }}", "{%tc endfor %}"]])
    out = render(build_docx([t]), {"title": "2027", "quarters": ["Q1", "Q2", "Q3"]})
    assert rows_of(tables(out)[0]) == [[("2027", None, 3)],
                                       [("Q1", None, 1), ("Q2", None, 1),
                                        ("Q3", None, 1)]]


def test_group_header_made_with_colspan_in_a_one_cell_row() -> None:
    t = tbl([["Owner", "Task", "Due"],
             ['{%tr for g in tasks|groupby("owner") %}', "", ""],
             ["{% colspan 3 %}{{ g.grouper }}"],
             ["{%tr for t in g.list %}", "", ""],
             ["{% vm %}{{ g.grouper }}", "{{ t.title }}", "{{ t.due }}"],
             ["{%tr endfor %}{%tr endfor %}", "", ""]])
    out = render(build_docx([t]), {"tasks": TASKS[:3]})
    grid = rows_of(tables(out)[0])
    assert grid[1] == [("김민수", None, 3)] and grid[4] == [("이서연", None, 3)]
    assert [len(r) for r in grid] == [3, 1, 3, 3, 1, 3]
    assert len(tables(out)[0].findall(f"{W}tblGrid/{W}gridCol")) == 3


def test_vm_inside_a_column_loop_merges_each_column_down_the_row_loop() -> None:
    t = tbl([["{%tr for r in rows %}", "", "", ""],
             ["{%tc for c in r.cells %}", "{% vm r.g %}{{ c }}", "{%tc endfor %}", "{{ r.g }}"],
             ["{%tr endfor %}", "", "", ""]])
    rows = [{"g": 1, "cells": ["甲", "乙"]}, {"g": 1, "cells": ["丙", "丁"]},
            {"g": 2, "cells": ["戊", "己"]}]
    out = render(build_docx([t]), {"rows": rows})
    tbl_el = tables(out)[0]
    assert rows_of(tbl_el) == [
        [("甲", "restart", 1), ("乙", "restart", 1), ("1", None, 1)],
        [("", "continue", 1), ("", "continue", 1), ("1", None, 1)],
        [("戊", "restart", 1), ("己", "restart", 1), ("2", None, 1)]]
    assert_merges_well_formed(tbl_el)


# ------------------------------------------- tags that would lose what is with them

@pytest.mark.parametrize("rows, tag, other", [
    # the Excel habit: loop tags on the row they repeat
    ([["{%tr for t in ts %}{{ t.a }}", "{{ t.b }}{%tr endfor %}"]],
     "{%tr for t in ts %}", "{{ t.a }}"),
    ([["{%tr for t in ts %}", "{{ t.a }}"], ["{{ t.b }}", ""], ["{%tr endfor %}", ""]],
     "{%tr for t in ts %}", "{{ t.a }}"),
])
def test_a_value_in_a_row_tags_row_is_an_error_not_silently_lost(
        rows: list[list[str]], tag: str, other: str) -> None:
    with pytest.raises(TemplateError) as info:
        docgen.Template(build_docx([tbl(rows)]))
    assert info.value.exit_code == 3
    assert info.value.params["tag"] == tag and info.value.params["other"] == other
    korean = info.value.localized(translations("messages", "ko").gettext)
    assert "출력되지 않습니다" in korean and tag in korean


def test_a_block_opened_and_closed_in_one_cell_is_an_error() -> None:
    t = tbl([["{%tc for x in xs %}{%tc endfor %}", "b"]])
    with pytest.raises(TemplateError) as info:
        docgen.Template(build_docx([t]))
    assert (info.value.params["tag"], info.value.params["other"]) == (
        "{%tc for x in xs %}", "{%tc endfor %}")


def test_template_check_reports_every_lost_value() -> None:
    from docgen.diagnostics import check_template

    t = tbl([["{%tr for t in ts %}{{ t.a }}", "{{ t.b }}"], ["{{ t.c }}", ""],
             ["{%tr endfor %}", ""]])
    problems = check_template(build_docx([p("intro"), t]), name="t.docx")
    assert [(x.params["other"], x.location.paragraph) for x in problems] == [
        ("{{ t.a }}", 2), ("{{ t.b }}", 3)]


# ---------------------------------------------------------- one-column tables

def _one_column(*rows: str) -> str:
    return tbl([[r] for r in rows])


@pytest.mark.parametrize("show", [True, False])
def test_one_column_table_with_a_conditional_row(show: bool) -> None:
    t = _one_column("Notes", "{%tr if show %}", "{{ note }}", "{%tr endif %}", "End")
    out = render(build_docx([p("a"), t, p("b")]), {"show": show, "note": "备注内容"})
    assert rows_of(tables(out)[0]) == (
        [[("Notes", None, 1)], [("备注内容", None, 1)], [("End", None, 1)]] if show
        else [[("Notes", None, 1)], [("End", None, 1)]])


def test_one_column_table_whose_rows_all_go_away_is_removed() -> None:
    t = _one_column("{%tr if show %}", "{{ note }}", "{%tr endif %}")
    loop = _one_column("{%tr for n in notes %}", "{{ n }}", "{%tr endfor %}")
    out = render(build_docx([p("before"), t, p("middle"), loop, p("after")]),
                 {"show": False, "note": "x", "notes": []})
    assert tables(out) == []
    d = docx.Document(io.BytesIO(out))
    assert [x.text for x in d.paragraphs] == ["before", "middle", "after"]
    shown = render(build_docx([p("before"), t, p("middle"), loop, p("after")]),
                   {"show": True, "note": "x", "notes": ["하나", "둘"]})
    assert [rows_of(x) for x in tables(shown)] == [
        [[("x", None, 1)]], [[("하나", None, 1)], [("둘", None, 1)]]]


def test_nested_table_that_goes_away_leaves_its_cell_a_paragraph() -> None:
    inner = _one_column("{%tr for n in notes %}", "{{ n }}", "{%tr endfor %}")
    outer = tbl([["Title", [inner]]])  # the inner table is the cell's only content
    template = build_docx([outer])
    out = render(template, {"notes": []})
    outer_el = tables(out)[0]
    cell = outer_el.findall(W + "tr")[0].findall(W + "tc")[1]
    assert cell.find(W + "tbl") is None and cell[-1].tag == W + "p"


def test_table_that_goes_away_keeps_its_bookmarks_paired() -> None:
    t = _one_column("{%tr if show %}", "x", "{%tr endif %}").replace(
        "</w:tblGrid>", '</w:tblGrid><w:bookmarkStart w:id="7" w:name="notes"/>', 1)
    template = build_docx([p("a"), t, p('<w:bookmarkEnd w:id="7"/>', "b")])
    out = render(template, {"show": False})
    assert tables(out) == []
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml"))
    assert [b.get(W + "name") for b in body.iter(W + "bookmarkStart")] == ["notes"]
    assert len(list(body.iter(W + "bookmarkEnd"))) == 1


def test_cell_loop_over_nothing_removes_the_row_and_then_the_table() -> None:
    t = tbl([["{%tc for x in xs %}", "{{ x }}", "{%tc endfor %}"]])
    out = render(build_docx([p("a"), t, p("b")]), {"xs": []})
    assert tables(out) == []
    out2 = render(build_docx([p("a"), t, p("b")]), {"xs": ["甲", "乙"]})
    assert rows_of(tables(out2)[0]) == [[("甲", None, 1), ("乙", None, 1)]]
    assert len(tables(out2)[0].findall(f"{W}tblGrid/{W}gridCol")) == 2


def test_cell_condition_leaving_a_row_empty_in_a_bigger_table() -> None:
    t = tbl([["Head", "H2"], ["{%tc if x %}", "{{ x }}"], ["{%tc endif %}", ""], ["End", "E"]])
    out = render(build_docx([t]), {"x": ""})
    texts = [[c[0] for c in r] for r in rows_of(tables(out)[0])]
    assert texts[0] == ["Head", "H2"] and texts[-1] == ["End", "E"]
    assert all(r for r in texts)  # no row without cells


# ------------------------------------------------------------------ LibreOffice

def _lo_convert(soffice: str, src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--nologo",
         "--nodefault", "--nolockcheck", "--norestore", "--convert-to", fmt,
         "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180)
    return outdir / (src.stem + "." + fmt.split(":")[0])


def test_libreoffice_reads_the_grouped_table(soffice: str, pdftotext: str,
                                             tmp_path: Path) -> None:
    out = render(word_saved_grouped(), {"tasks": TASKS})
    src = tmp_path / "grouped.docx"
    src.write_bytes(out)
    profile = tmp_path / "profile"
    pdf = _lo_convert(soffice, src, "pdf", tmp_path / "pdf", profile)
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    for word in ("담당자", "海报设计", "客户汇报", "媒体投放", "박지훈"):
        assert word in text
    # Each owner is printed twice: its group header row and its merged cell, never
    # once per task row.
    assert text.count("박지훈") == 2 and text.count("김민수") == 2
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / "page")], check=True, timeout=60)
        assert any(tmp_path.glob("page*.png"))
    # LibreOffice's own re-save keeps the merges it understood.
    resaved = _lo_convert(soffice, src, "docx:MS Word 2007 XML", tmp_path / "re", profile)
    table = docx.Document(str(resaved)).tables[0]
    col0 = [c._tc for c in table.columns[0].cells]
    assert col0[2] is col0[3]  # 김민수 merged over its two rows
    assert col0[3] is not col0[5]  # 박지훈 starts its own merge
    assert col0[5] is col0[6] is col0[7]
    assert table.cell(1, 0)._tc is table.cell(1, 2)._tc  # header row spans the table
