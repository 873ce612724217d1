"""Formatted values (Markdown, RichText: the textmodel protocol) in Excel cells: one
inline rich string per cell, runs in the cell's font, lists laid out as lines, the
cell wrapping and its row grown; read back with openpyxl (rich text), lxml and
LibreOffice."""
from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from lxml import etree
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.styles import Alignment, Border, Font, Side

import docgen
from docgen.render.textmodel import Block, NumberMarker, Span, Style
from docgen.template import Template
from tests import ooxml_schema

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module", autouse=True)
def _every_output_validates() -> Iterator[None]:
    """Every workbook these tests render validates against ECMA-376."""
    with ooxml_schema.validating_writes():
        yield


class Fmt:
    """A stand-in Formatted value (what MarkdownText / RichText reduce to)."""

    def __init__(self, *blocks: Block) -> None:
        self._blocks = list(blocks)

    def blocks(self) -> list[Block]:
        return self._blocks

    def plain(self) -> str:
        return "\n".join(b.text for b in self._blocks)


B = Style(bold=True)
I = Style(italic=True)


def para(*spans: Span) -> Block:
    return Block("paragraph", tuple(spans))


def bullet(text: str, level: int = 0, list_id: int = 0, style: Style = Style()) -> Block:
    return Block("bullet", (Span(text, style),), level, list_id)


def number(text: str, level: int = 0, list_id: int = 1, start: int = 1) -> Block:
    return Block("number", (Span(text),), level, list_id, start)


NOTES = Fmt(
    para(Span("Decided: "), Span("ship v2", B), Span(" on "), Span("Friday", I)),
    bullet("API frozen"),
    bullet("docs", level=1),
    bullet("bold point", style=B),
    number("first"),
    number("second"),
    number("sub", level=1),
    number("third"),
)


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def book(cell: str = "{{ notes }}", font: Font = Font(name="Arial", size=10, color="FF203040"),
         wrap: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws["A1"] = "Notes"
    ws["B2"] = cell
    ws["B2"].font = font
    thin = Side(style="thin")
    ws["B2"].border = Border(left=thin, right=thin, top=thin, bottom=thin)
    if wrap:
        ws["B2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["B"].width = 40
    ws["C2"] = "{{ other }}"
    return save(wb)


def sheet_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))


def styles_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("xl/styles.xml"))


def rich_cell(data: bytes, ref: str = "B2") -> Any:
    wb = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    return wb.active[ref]


EXPECTED_TEXT = ("Decided: ship v2 on Friday\n• API frozen\n  ◦ docs\n• bold point\n"
                 "1. first\n2. second\n  1. sub\n3. third")


def test_formatted_value_becomes_rich_runs_in_the_cells_font() -> None:
    data = Template(book()).render({"notes": NOTES, "other": "x"})
    cell = rich_cell(data)
    value = cell.value
    assert isinstance(value, CellRichText)
    assert str(value) == EXPECTED_TEXT
    runs = [b for b in value if isinstance(b, TextBlock)]
    by_text = {r.text: r.font for r in runs}
    assert by_text["ship v2"].b and not by_text["ship v2"].i
    assert by_text["Friday"].i and not by_text["Friday"].b
    assert not by_text["Decided: "].b
    # every run repeats the cell font: Excel does not inherit it into runs
    for r in runs:
        assert r.font.rFont == "Arial"
        assert float(r.font.sz) == 10
        assert r.font.color.rgb == "FF203040"
    bold_point = next(r for r in runs if "bold point" in r.text)
    assert bold_point.font.b
    # the cell wraps (a copy of its format: borders kept) and is a string, not a formula
    assert cell.alignment.wrap_text
    assert cell.border.left.style == "thin"
    assert cell.data_type == "s"
    # the template's other cell format is untouched
    wb = openpyxl.load_workbook(io.BytesIO(book()))
    assert not wb.active["B2"].alignment.wrap_text


def test_row_grows_with_the_lines() -> None:
    data = Template(book()).render({"notes": NOTES, "other": "x"})
    row = sheet_xml(data).find(f"{S}sheetData/{S}row[@r='2']")
    assert row is not None
    assert row.get("customHeight") == "1"
    assert float(row.get("ht") or 0) >= 8 * 10 * 1.2  # eight lines of 10 pt
    # a one-line value keeps the template's height
    short = Template(book()).render({"notes": Fmt(para(Span("ok", B))), "other": "x"})
    row = sheet_xml(short).find(f"{S}sheetData/{S}row[@r='2']")
    assert row is not None and row.get("ht") is None


def test_wrapping_format_is_added_once_and_only_when_needed() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 4):
        ws.cell(r, 1, "{{ notes }}").font = Font(name="Arial", size=10)
    ws["B1"] = "{{ other }}"
    data = save(wb)
    plain = Template(data).render({"notes": "plain", "other": "x"})
    rich = Template(data).render({"notes": NOTES, "other": "x"})
    count = len(styles_xml(plain).find(f"{S}cellXfs"))
    xfs = styles_xml(rich).find(f"{S}cellXfs")
    assert len(xfs) == count + 1  # one wrapping copy for the three cells
    assert xfs.get("count") == str(count + 1)
    cells = sheet_xml(rich).findall(f"{S}sheetData/{S}row/{S}c")
    styles = {c.get("r"): c.get("s") for c in cells}
    assert styles["A1"] == styles["A2"] == styles["A3"] == str(count)
    # the same render twice: the same bytes
    assert Template(data).render({"notes": NOTES, "other": "x"}) == rich


def test_cell_that_already_wraps_keeps_its_format() -> None:
    data = book(wrap=True)
    before = len(styles_xml(Template(data).render({"notes": "a", "other": "x"})).find(
        f"{S}cellXfs"))
    out = Template(data).render({"notes": NOTES, "other": "x"})
    assert len(styles_xml(out).find(f"{S}cellXfs")) == before
    assert rich_cell(out).alignment.vertical == "top"


def test_korean_document_runs_keep_the_korean_font() -> None:
    notes = Fmt(bullet("결정 사항", style=B), bullet("다음 회의"))
    data = Template(book(font=Font(name="Calibri", size=11, scheme="minor"))).render(
        {"notes": notes, "other": "x"}, "ko")
    runs = [b for b in rich_cell(data).value if isinstance(b, TextBlock)]
    fonts = {r.font.rFont for r in runs}
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cell_font = wb.active["B2"].font.name
    assert fonts == {cell_font} and cell_font not in ("Calibri", None)
    assert all(r.font.scheme is None for r in runs)  # a theme font would win over the name
    raw = etree.tostring(sheet_xml(data), encoding="unicode")
    assert "<scheme" not in raw


def test_escaping_and_no_formula() -> None:
    evil = Fmt(para(Span("=HYPERLINK(\"http://x\",\"y\")"), Span("</t><f>1+1</f>\x00\x0b", B)))
    data = Template(book()).render({"notes": evil, "other": "x"})
    c = sheet_xml(data).find(f"{S}sheetData/{S}row/{S}c[@r='B2']")
    assert c is not None and c.get("t") == "inlineStr" and c.find(f"{S}f") is None
    text = "".join(c.itertext())
    assert text == '=HYPERLINK("http://x","y")</t><f>1+1</f>'
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.active["B2"].data_type == "s"


def test_links_print_their_address_and_colour_size_font() -> None:
    value = Fmt(para(Span("site", Style(color="C00000", size=14, font="Georgia",
                                        underline="single"), link="https://example.com"),
                     Span(" and "), Span("https://a.b", link="https://a.b")))
    data = Template(book()).render({"notes": value, "other": "x"})
    runs = [b for b in rich_cell(data).value if isinstance(b, TextBlock)]
    assert "".join(r.text for r in runs) == "site (https://example.com) and https://a.b"
    site = runs[0]
    assert site.font.color.rgb == "FFC00000" and float(site.font.sz) == 14
    assert site.font.rFont == "Georgia" and site.font.u == "single"
    assert runs[1].font.rFont == "Arial"


def test_formatted_value_in_mixed_text_prints_plain() -> None:
    data = Template(book(cell="Notes: {{ notes }}!")).render({"notes": NOTES, "other": "x"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.active["B2"].value == "Notes: " + NOTES.plain() + "!"


def test_empty_formatted_value_leaves_the_cell_empty() -> None:
    data = Template(book()).render({"notes": Fmt(), "other": "x"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.active["B2"].value is None
    assert wb.active["B2"].border.left.style == "thin"


def test_inside_a_row_loop() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for m in items %}{{ m.title }}"
    ws["B1"] = "{{ m.notes }}{%tr endfor %}"
    ws.column_dimensions["B"].width = 30
    items = [{"title": f"t{i}", "notes": Fmt(number("a"), number("b"))} for i in range(3)]
    data = Template(save(wb)).render({"items": items})
    out = openpyxl.load_workbook(io.BytesIO(data), rich_text=True).active
    for r in range(1, 4):  # each item's list numbers from 1
        assert str(out.cell(r, 2).value) == "1. a\n2. b"


def test_numbered_items_show_the_marker_they_were_typed_with() -> None:
    comma = NumberMarker("", "、")
    notes = Fmt(*(Block("number", (Span(t),), 0, 0, 1, marker=comma)
                  for t in ("确认预算", "提交创意方案")),
                Block("number", (Span("主视觉"),), 1, 0, 1, marker=NumberMarker("（", "）")),
                Block("number", (Span("礼盒"),), 0, 0, 1, marker=comma))
    data = Template(book()).render({"notes": notes, "other": "x"}, "zh-CN")
    assert str(rich_cell(data).value) == "1、确认预算\n2、提交创意方案\n  （1）主视觉\n3、礼盒"


def test_cjk_markdown_numbers_in_a_cell() -> None:
    text = ("1、确认预算\n2、提交创意方案\n   （1）主视觉\n   （2）礼盒\n\n备注\n\n"
            "(1) a\n(2) b\n\n１．全角\n\n1. dot\n2) dot")
    data = Template(book(cell="{{ notes|md }}")).render({"notes": text, "other": "x"}, "zh-CN")
    assert str(rich_cell(data).value) == (
        "1、确认预算\n2、提交创意方案\n  （1）主视觉\n  （2）礼盒\n备注\n"
        "(1) a\n(2) b\n１．全角\n1. dot\n2. dot")
    mixed = Template(book(cell="要点：{{ notes|md }}")).render(
        {"notes": "1、确认预算\n2、提交创意方案", "other": "x"}, "zh-CN")
    assert openpyxl.load_workbook(io.BytesIO(mixed)).active["B2"].value == \
        "要点：1、确认预算\n2、提交创意方案"


def test_circled_markdown_numbers_in_a_cell() -> None:
    text = "① 예산 확정\n② 일정 공유\n   ① 킥오프\n\n1. dot"
    data = Template(book(cell="{{ notes|md }}")).render({"notes": text, "other": "x"}, "ko")
    assert str(rich_cell(data).value) == "① 예산 확정\n② 일정 공유\n  ① 킥오프\n1. dot"
    circled = NumberMarker("", "", circled=True)
    notes = Fmt(*(Block("number", (Span(t),), 0, 0, 19, marker=circled) for t in "abc"))
    data = Template(book()).render({"notes": notes, "other": "x"}, "ko")
    assert str(rich_cell(data).value) == "⑲ a\n⑳ b\n21. c"  # past ⑳: 21.


def test_libreoffice_reads_bullets(soffice: str, tmp_path: Path) -> None:
    notes = Fmt(para(Span("회의 ", B), Span("요약")), bullet("결정: 출시"), bullet("讨论", 1),
                number("下一步"))
    src = tmp_path / "rich.xlsx"
    src.write_bytes(Template(book()).render({"notes": notes, "other": "x"}, "ko"))
    subprocess.run([soffice, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):"
                    "44,34,76", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=120)
    text = (tmp_path / "rich.csv").read_text("utf-8")
    assert "회의 요약\n• 결정: 출시\n  ◦ 讨论\n1. 下一步" in text


def test_md_filter_and_markdown_values_are_rich_in_cells() -> None:
    """The real parser's values: ``{{ x|md }}`` on plain text, and a MarkdownText
    (what a ``format: markdown`` field becomes) printed as it is."""
    from docgen.render.markdown import MarkdownText

    text = "회의 **결정**:\n\n- 출시 *금요일*\n  - 문서 ~~보류~~\n1. 첫째\n2. 둘째"
    for cell, value in (("{{ notes|md }}", text), ("{{ notes }}", MarkdownText(text))):
        data = Template(book(cell=cell)).render({"notes": value, "other": "x"}, "zh-CN")
        rich = rich_cell(data)
        assert str(rich.value) == "회의 결정:\n• 출시 금요일\n  ◦ 문서 보류\n1. 첫째\n2. 둘째"
        runs = {b.text: b.font for b in rich.value if isinstance(b, TextBlock)}
        assert runs["결정"].b and runs["금요일"].i and runs["보류"].strike
        assert rich.alignment.wrap_text
    # in mixed text the value prints plain, never its Markdown source
    data = Template(book(cell="메모: {{ notes|md }}")).render({"notes": text, "other": "x"})
    assert "**" not in str(openpyxl.load_workbook(io.BytesIO(data)).active["B2"].value)


def test_rich_text_objects_are_rich_in_cells() -> None:
    from docgen.richtext import RichText

    rt = RichText("Total ", bold=True)
    rt.add("₩1,500,000", color="C00000", size=28)  # docxtpl: half-points
    data = Template(book()).render({"notes": rt, "other": "x"})
    runs = [b for b in rich_cell(data).value if isinstance(b, TextBlock)]
    assert [r.text for r in runs] == ["Total ", "₩1,500,000"]
    assert runs[0].font.b and not runs[1].font.b
    assert runs[1].font.color.rgb == "FFC00000" and float(runs[1].font.sz) == 14
