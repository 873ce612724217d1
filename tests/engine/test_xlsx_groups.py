"""Grouped tables in Excel: ``groupby`` in nested row loops (a group header row, then
the group's rows), ``{% vm %}`` / ``{% vm expr %}`` merging a column down over a
loop run's rows, conditional rows in one-column tables; merges read back with
openpyxl and lxml, every output valid against ECMA-376."""
from __future__ import annotations

import io
import zipfile
from typing import Any, Iterator

import openpyxl
import pytest
from lxml import etree
from openpyxl.styles import Border, Side

import docgen
from docgen.errors import TemplateError
from docgen.template import Template
from tests import ooxml_schema

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module", autouse=True)
def _every_output_validates() -> Iterator[None]:
    """Every workbook these tests render validates against ECMA-376."""
    with ooxml_schema.validating_writes():
        yield


TASKS: list[dict[str, Any]] = [
    {"owner": "김지현", "title": "견적 검토", "due": "3/4", "open": True},
    {"owner": "王芳", "title": "合同草稿", "due": "3/5", "open": True},
    {"owner": "김지현", "title": "일정 공유", "due": "3/6", "open": False},
    {"owner": "王芳", "title": "发票", "due": "3/7", "open": True},
    {"owner": "Lee", "title": "kickoff", "due": "3/8", "open": True},
    {"owner": "김지현", "title": "회의록", "due": "3/9", "open": True},
]
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cell_of(error: TemplateError) -> str | None:
    return error.location.cell if error.location is not None else None


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def load(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def merged(ws: Any) -> list[str]:
    return sorted(str(r) for r in ws.merged_cells.ranges)


def sheet_root(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))


def grid(ws: Any, rows: range, cols: str = "ABC") -> list[list[Any]]:
    return [[ws[f"{c}{r}"].value for c in cols] for r in rows]


def table(a: str, b: str, c: str, *, title_merge: bool = True, header: bool = False) -> bytes:
    """Title (merged A1:C1 unless told), a header row, the loop row(s) in row 3 (and
    4 for a group header), a total row after."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tasks"
    ws["A1"] = "Tasks"
    if title_merge:
        ws.merge_cells("A1:C1")
    ws["A2"], ws["B2"], ws["C2"] = "Owner", "Task", "Due"
    row = 3
    if header:
        ws["A3"] = '{%tr for g in tasks|groupby("owner") %}{{ g.grouper }} ({{ g.list|length }})'
        row = 4
    ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = a, b, c
    for col in "ABC":
        ws[f"{col}{row}"].border = BOX
    ws[f"A{row + 1}"] = "end"
    ws[f"B{row + 1}"] = f"=COUNTA(B{row}:B{row})"
    return save(wb)


GROUPED = table('{%tr for g in tasks|groupby("owner") %}{%tr for t in g.list %}'
                "{% vm %}{{ g.grouper }}", "{{ t.title }}", "{{ t.due }}{%tr endfor %}{%tr endfor %}")


def test_groupby_with_the_first_column_merged_over_each_group() -> None:
    data = Template(GROUPED).render({"tasks": TASKS})
    ws = load(data)
    # groupby sorts by the key: Lee (1 task), 王芳 (2)... Python's sort order of the names
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in sorted(TASKS, key=lambda t: t["owner"]):
        groups.setdefault(t["owner"], []).append(t)
    expected, row, merges = [], 3, []
    for owner, items in groups.items():
        for i, t in enumerate(items):
            expected.append([owner if i == 0 else None, t["title"], t["due"]])
        if len(items) > 1:
            merges.append(f"A{row}:A{row + len(items) - 1}")
        row += len(items)
    assert grid(ws, range(3, 3 + len(TASKS))) == expected
    assert merged(ws) == sorted(["A1:C1", *merges])
    # covered cells keep their borders; rows below moved and the formula follows
    assert ws["A4"].border.left.style == "thin" and ws["A5"].border.bottom.style == "thin"
    assert ws[f"A{3 + len(TASKS)}"].value == "end"
    assert ws[f"B{3 + len(TASKS)}"].value == f"=COUNTA(B3:B{2 + len(TASKS)})"


def test_group_header_rows_then_the_groups_rows() -> None:
    tpl = table("{%tr for t in g.list %}", "{{ t.title }}", "{{ t.due }}{%tr endfor %}{%tr endfor %}",
                header=True)
    ws = load(Template(tpl).render({"tasks": TASKS}))
    values = [ws.cell(r, 1).value or ws.cell(r, 2).value for r in range(3, 3 + 3 + len(TASKS))]
    # groupby sorts by code point: Lee, 王芳 (U+738B), 김지현 (U+AE40)
    assert values == ["Lee (1)", "kickoff", "王芳 (2)", "合同草稿", "发票", "김지현 (3)",
                      "견적 검토", "일정 공유", "회의록"]
    assert ws.cell(12, 1).value == "end"


def test_vm_with_a_key_on_a_flat_sorted_list() -> None:
    tpl = table('{%tr for t in tasks|sort(attribute="owner") %}{% vm t.owner %}{{ t.owner }}',
                "{{ t.title }}", "{{ t.due }}{%tr endfor %}", title_merge=False)
    data = Template(tpl).render({"tasks": TASKS})
    ws = load(data)
    assert [ws.cell(r, 1).value for r in range(3, 9)] == ["Lee", "王芳", None, "김지현", None, None]
    assert merged(ws) == ["A4:A5", "A6:A8"]
    # the template had no merged cells: <mergeCells> is added in schema order
    names = [etree.QName(el).localname for el in sheet_root(data)]
    assert names.index("mergeCells") == names.index("sheetData") + 1
    assert sheet_root(data).find(f"{S}mergeCells").get("count") == "2"


def test_plain_vm_merges_the_whole_run_and_a_single_row_is_no_merge() -> None:
    tpl = table("{%tr for t in tasks %}{% vm %}{{ title }}", "{{ t.title }}",
                "{{ t.due }}{%tr endfor %}", title_merge=False)
    ws = load(Template(tpl).render({"tasks": TASKS[:3], "title": "Q1"}))
    assert merged(ws) == ["A3:A5"] and ws["A3"].value == "Q1" and ws["A4"].value is None
    one = load(Template(tpl).render({"tasks": TASKS[:1], "title": "Q1"}))
    assert merged(one) == [] and one["A3"].value == "Q1"
    none = Template(tpl).render({"tasks": [], "title": "Q1"})
    assert load(none)["A3"].value == "end" and sheet_root(none).find(f"{S}mergeCells") is None


def test_merge_starts_at_the_first_row_written() -> None:
    """An ``{%tr if %}`` inside the loop drops the first item: the merge begins at the
    first row the run writes, never above it (docxtpl's dangling continue)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for g in tasks|groupby('owner') %}{%tr for t in g.list %}"
    ws["A2"] = "{%tr if t.open %}{% vm %}{{ g.grouper }}"
    ws["B2"] = "{{ t.title }}{%tr endif %}"
    ws["A3"] = "{%tr endfor %}{%tr endfor %}"
    ws["A4"] = "after"
    out = load(Template(save(wb)).render({"tasks": TASKS}))
    # Lee: kickoff | 王芳: 合同草稿, 发票 | 김지현: 견적 검토, 회의록 (일정 공유 closed)
    assert grid(out, range(1, 7), "AB") == [
        ["Lee", "kickoff"], ["王芳", "合同草稿"], [None, "发票"], ["김지현", "견적 검토"],
        [None, "회의록"], ["after", None]]
    assert merged(out) == ["A2:A3", "A4:A5"]


def test_vm_in_a_cell_merged_across_columns_takes_its_columns() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for t in tasks %}{% vm t.owner %}{{ t.owner }}"
    ws.merge_cells("A1:B1")
    ws["C1"] = "{{ t.title }}{%tr endfor %}"
    ws.merge_cells("D1:E1")  # another merge in the row: repeated per row as before
    ws["A2"] = "after"
    ws.merge_cells("A2:B2")
    tasks = sorted(TASKS, key=lambda t: t["owner"])
    out = load(Template(save(wb)).render({"tasks": tasks}))
    # Lee | 王芳 ×2 | 김지현 ×3
    assert merged(out) == sorted(["A1:B1", "A2:B3", "A4:B6", "A7:B7"]
                                 + [f"D{r}:E{r}" for r in range(1, 7)])
    assert out["C6"].value == "회의록" and out["A5"].value is None and out["A7"].value == "after"


def test_vm_merges_over_a_two_row_body() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for t in tasks %}{% vm t.owner %}{{ t.owner }}"
    ws["B1"] = "{{ t.title }}"
    ws["B2"] = "{{ t.due }}{%tr endfor %}"
    tasks = [TASKS[0], TASKS[2], TASKS[1]]  # 김지현 ×2, 王芳
    out = load(Template(save(wb)).render({"tasks": tasks}))
    assert merged(out) == ["A1:A4", "A5:A6"]
    assert [out.cell(r, 2).value for r in range(1, 7)] == ["견적 검토", "3/4", "일정 공유", "3/6",
                                                          "合同草稿", "3/5"]


def test_conditional_rows_in_a_one_column_table() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Notes"
    ws["A2"] = "{%tr if a %}{{ a }}{%tr endif %}"
    ws["A3"] = "{%tr if b %}{{ b }}{%tr endif %}"
    ws["A4"] = "{%tr if c %}"
    ws["A5"] = "{{ c }}"
    ws["A6"] = "{%tr endif %}"
    ws["A7"] = "=COUNTA(A2:A5)"
    data = save(wb)
    out = load(Template(data).render({"a": "first", "b": "", "c": "third"}))
    assert [out.cell(r, 1).value for r in range(1, 5)] == ["Notes", "first", "third",
                                                           "=COUNTA(A2:A3)"]
    out = load(Template(data).render({"a": "", "b": "", "c": ""}))
    # every row gone: the count over them is 0 (see formula.translate_tokens)
    assert [out.cell(r, 1).value for r in range(1, 4)] == ["Notes", "=0", None]


def test_vm_outside_a_loop_is_a_located_error() -> None:
    wb = openpyxl.Workbook()
    wb.active["B3"] = "{% vm %}{{ x }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb))
    assert cell_of(err.value) == "B3"
    assert "{% vm %}" in str(err.value)


@pytest.mark.parametrize("tag", ["{% hm %}", "{% colspan 2 %}", "{% cellbg 'FF0000' %}"])
def test_a_word_cell_tag_in_a_sheet_says_where_it_works(tag: str) -> None:
    """docxtpl's cell tags work in Word table cells only; in a sheet the message says
    so (it was "'hm' is not a tag here (a block may be closed twice…)")."""
    wb = openpyxl.Workbook()
    wb.active["B3"] = tag + "{{ x }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb))
    assert cell_of(err.value) == "B3" and err.value.exit_code == 3
    name = tag.split()[1]
    assert f"'{{% {name} %}}' works only in a cell of a Word table" in str(err.value)
    assert "closed twice" not in str(err.value)


def test_vm_in_a_tall_merge_or_over_merges_is_a_located_error() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for t in tasks %}{% vm %}{{ t.owner }}"
    ws["C2"] = "{{ t.title }}{%tr endfor %}"
    ws.merge_cells("A1:A2")
    with pytest.raises(TemplateError) as err:
        Template(save(wb))
    assert cell_of(err.value) == "A1" and "A1:A2" in str(err.value)
    ws.unmerge_cells("A1:A2")
    ws.merge_cells("A2:B2")
    with pytest.raises(TemplateError) as err:
        Template(save(wb))
    assert "A2:B2" in str(err.value)


def test_vm_key_error_is_located() -> None:
    tpl = table("{%tr for t in tasks %}{% vm t.owner.nope() %}{{ t.owner }}", "{{ t.title }}",
                "{{ t.due }}{%tr endfor %}")
    with pytest.raises(TemplateError) as err:
        Template(tpl).render({"tasks": TASKS})
    assert cell_of(err.value) == "A3"


def test_fields_list_the_vm_key() -> None:
    tpl = table("{%tr for t in tasks %}{% vm t.owner or fallback %}{{ t.owner }}",
                "{{ t.title }}", "{{ t.due }}{%tr endfor %}")
    assert {"tasks", "fallback"} <= Template(tpl).fields()
