"""The Excel engine: typed cells, row loops moving everything below, cached formula
values, formula injection, images, errors located by sheet and cell."""
from __future__ import annotations

import datetime as dt
import functools
import io
import re
import struct
import subprocess
import warnings
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

import docgen
from docgen.errors import DocgenWarning as RenderWarning
from docgen.errors import TemplateError
from docgen.render import formula as fx
from docgen.template import Template
from tests import ooxml_schema


@pytest.fixture(scope="module", autouse=True)
def _every_output_validates() -> Iterator[None]:
    """Every workbook these tests render validates against ECMA-376."""
    with ooxml_schema.validating_writes():
        yield


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def load(data: bytes, values: bool = False) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=values)


def sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(f"xl/worksheets/sheet{n}.xml").decode()


def all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                       if n.endswith(".xml"))


def png(w: int = 40, h: int = 20) -> bytes:
    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * w for _ in range(h))

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


ITEMS = [{"description": f"item {i}", "quantity": Decimal(i), "unit_price": Decimal("1000.5")}
         for i in (1, 2, 3)]


@functools.lru_cache(maxsize=None)  # openpyxl stamps the save time: build it once
def invoice_book() -> bytes:
    """Header, a one-row loop with a formula, totals below, merges, validation,
    conditional format, print area, a taller loop row and a second sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoice"
    ws["A1"] = "Invoice for {{ client }}"
    ws.merge_cells("A1:D1")
    ws["A3"], ws["B3"], ws["C3"], ws["D3"] = "Item", "Qty", "Price", "Amount"
    ws["A4"] = "{%tr for it in items %}{{ it.description }}"
    ws["B4"] = "{{ it.quantity }}"
    ws["C4"] = "{{ it.unit_price }}"
    ws["C4"].number_format = "#,##0.00"
    ws["D4"] = "=B4*C4"
    ws["E4"] = "{{ loop.index }}{%tr endfor %}"
    ws.merge_cells("F4:G4")
    ws.row_dimensions[4].height = 25
    ws["C5"], ws["D5"] = "Subtotal", "=SUM(D4:D4)"
    ws["C6"], ws["D6"] = "VAT", "=ROUNDDOWN(D5*0.1,0)"
    ws["C7"], ws["D7"] = "Total", "=D5+D6"
    ws["A9"] = "Signature"
    ws.merge_cells("A9:B10")
    dv = DataValidation(type="list", formula1='"a,b"')
    ws.add_data_validation(dv)
    dv.add("B4")
    ws.conditional_formatting.add(
        "D4", CellIsRule(operator="greaterThan", formula=["$D$5"],
                         fill=PatternFill("solid", fgColor="FF0000")))
    ws.print_area = "A1:G10"
    other = wb.create_sheet("Summary")
    other["A1"] = "=Invoice!D7"
    other["A2"] = "=SUM(Invoice!D4:D4)"
    return save(wb)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return Template(invoice_book()).render({"client": "Hanil", "items": ITEMS}, "ko")


def test_loop_repeats_rows_and_moves_formulas(rendered: bytes) -> None:
    ws = load(rendered)["Invoice"]
    assert [ws.cell(r, 1).value for r in range(4, 7)] == ["item 1", "item 2", "item 3"]
    assert [ws.cell(r, 4).value for r in range(4, 7)] == ["=B4*C4", "=B5*C5", "=B6*C6"]
    assert [ws.cell(r, 5).value for r in range(4, 7)] == [1, 2, 3]
    assert ws["D7"].value == "=SUM(D4:D6)"          # the SUM grew over the repeated rows
    assert ws["D8"].value == "=ROUNDDOWN(D7*0.1,0)"  # references below moved
    assert ws["D9"].value == "=D7+D8"
    assert ws["C9"].value == "Total"
    summary = load(rendered)["Summary"]
    assert summary["A1"].value == "=Invoice!D9"      # other sheets follow too
    assert summary["A2"].value == "=SUM(Invoice!D4:D6)"


def test_cached_values_are_right_without_recalculation(rendered: bytes) -> None:
    ws = load(rendered, values=True)["Invoice"]
    assert [ws.cell(r, 4).value for r in range(4, 7)] == [1000.5, 2001, 3001.5]
    assert ws["D7"].value == 6003
    assert ws["D8"].value == 600
    assert ws["D9"].value == 6603
    assert load(rendered, values=True)["Summary"]["A1"].value == 6603


def test_merges_validations_formats_and_print_area_follow(rendered: bytes) -> None:
    ws = load(rendered)["Invoice"]
    merges = {str(r) for r in ws.merged_cells.ranges}
    assert merges == {"A1:D1", "F4:G4", "F5:G5", "F6:G6", "A11:B12"}
    assert str(ws.data_validations.dataValidation[0].sqref) == "B4:B6"
    (cf,) = list(ws.conditional_formatting)
    assert str(cf.sqref) == "D4:D6"
    assert cf.rules[0].formula == ["$D$7"]
    assert ws.print_area == "'Invoice'!$A$1:$G$12"
    assert [ws.row_dimensions[r].height for r in (4, 5, 6)] == [25, 25, 25]
    assert ws["C4"].number_format == ws["C6"].number_format == "#,##0.00"
    assert ws.max_row == 12
    assert '<dimension ref="A1:G12"/>' in sheet_xml(rendered)


def test_empty_loop_removes_its_rows(rendered: bytes) -> None:
    data = Template(invoice_book()).render({"client": "Hanil", "items": []})
    ws = load(data)["Invoice"]
    assert ws["C4"].value == "Subtotal"
    assert ws["D5"].value == "=ROUNDDOWN(D4*0.1,0)"
    assert "F4:G4" not in {str(r) for r in ws.merged_cells.ranges}


def test_no_tag_syntax_left_anywhere(rendered: bytes) -> None:
    assert not re.search(r"\{\{|\{%|%\}|\}\}", all_text(rendered))


def test_same_input_same_bytes(rendered: bytes) -> None:
    again = Template(invoice_book()).render({"client": "Hanil", "items": ITEMS}, "ko")
    assert again == rendered


@pytest.mark.parametrize("evil", [
    "=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0",
])
def test_values_never_become_formulas(evil: str) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ v }}"
    wb.active["A2"] = "note: {{ v }}"
    data = Template(save(wb)).render({"v": evil})
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    cell = load(data).active["A1"]
    assert cell.data_type == "s"
    assert cell.value == evil.replace("\r", "\n") or cell.value == evil


def test_typed_values_keep_template_formats() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, name in enumerate(["int", "dec", "flt", "day", "stamp", "yes", "none", "text"], 1):
        ws.cell(i, 1, "{{ %s }}" % name)
    ws["A2"].number_format = "#,##0.00"
    ws["A4"].number_format = "yyyy\"년\" m\"월\" d\"일\""
    ws["A9"] = "Total: {{ dec }}"
    data = Template(save(wb)).render({
        "int": 42, "dec": Decimal("1234.5"), "flt": 0.25, "day": dt.date(2026, 11, 27),
        "stamp": dt.datetime(2026, 11, 30, 12, 0), "yes": True, "none": None, "text": "가나다"})
    ws = load(data).active
    assert ws["A1"].value == 42 and ws["A1"].data_type == "n"
    assert ws["A2"].value == 1234.5 and ws["A2"].number_format == "#,##0.00"
    assert ws["A3"].value == 0.25
    assert ws["A4"].value == dt.datetime(2026, 11, 27)
    assert ws["A4"].number_format == "yyyy\"년\" m\"월\" d\"일\""  # the template's date format
    assert ws["A5"].value == dt.datetime(2026, 11, 30, 12, 0)
    assert ws["A5"].is_date                                    # general cell: a date format added
    assert ws["A6"].value is True
    assert ws["A7"].value is None
    assert ws["A8"].value == "가나다"
    assert ws["A9"].value == "Total: 1234.5" and ws["A9"].data_type == "s"


def test_forbidden_characters_dropped_and_long_text_cut() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ a }}"
    wb.active["A2"] = "{{ b }}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = Template(save(wb)).render({"a": "x\x00y\x0bz\ufffe", "b": "가" * 40000})
    ws = load(data).active
    assert ws["A1"].value == "xyz"
    assert len(ws["A2"].value) == 32767
    assert any(issubclass(w.category, RenderWarning) and "32767" in str(w.message) for w in caught)


def test_header_footer_tags_are_filled() -> None:
    wb = openpyxl.Workbook()
    wb.active.oddHeader.center.text = "{{ client }}"
    wb.active.oddFooter.right.text = "Page &P"
    data = Template(save(wb)).render({"client": "AT&T 코리아"})
    ws = load(data).active
    assert ws.oddHeader.center.text == "AT&&T 코리아"  # & is a code there: doubled
    assert ws.oddFooter.right.text == "Page &P"


def test_control_rows_nested_loops_and_if_blocks() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for g in groups %}"                     # a control row (docxtpl style)
    ws["A2"] = "{{ g.name }}"
    ws["A3"] = "{%tr for t in g.tasks %}{{ t }}"
    ws["B3"] = "=LEN(A3)"
    ws["C3"] = "{%tr endfor %}"
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "{%tr if show %}shown{%tr endif %}"
    ws["A6"] = "end"
    ws["B6"] = "=COUNTA(A1:A5)"
    data = Template(save(wb)).render(
        {"groups": [{"name": "G1", "tasks": ["a", "b"]}, {"name": "G2", "tasks": ["c"]}],
         "show": False})
    ws = load(data).active
    assert [ws.cell(r, 1).value for r in range(1, 7)] == ["G1", "a", "b", "G2", "c", "end"]
    assert [ws.cell(r, 2).value for r in (2, 3, 5)] == ["=LEN(A2)", "=LEN(A3)", "=LEN(A5)"]
    assert ws["B6"].value == "=COUNTA(A1:A5)"
    assert load(data, values=True).active["B6"].value == 5


def test_shared_formulas_are_expanded_and_moved() -> None:
    # openpyxl cannot write shared formulas: patch the XML like Excel writes it.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for x in xs %}{{ x }}{%tr endfor %}"
    for r in (2, 3, 4):
        ws.cell(r, 1, r)
        ws.cell(r, 2, 0)
    blob = save(wb)
    src = zipfile.ZipFile(io.BytesIO(blob))
    xml = src.read("xl/worksheets/sheet1.xml").decode()
    xml = xml.replace('<c r="B2" t="n"><v>0</v></c>', '<c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>0</v></c>')
    xml = xml.replace('<c r="B3" t="n"><v>0</v></c>', '<c r="B3"><f t="shared" si="0"/><v>0</v></c>')
    xml = xml.replace('<c r="B4" t="n"><v>0</v></c>', '<c r="B4"><f t="shared" si="0"/><v>0</v></c>')
    assert xml.count("<f") == 3
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            dst.writestr(n, xml if n == "xl/worksheets/sheet1.xml" else src.read(n))
    data = Template(out.getvalue()).render({"xs": [10, 20]})
    ws = load(data).active
    assert [ws.cell(r, 2).value for r in (3, 4, 5)] == ["=A3*2", "=A4*2", "=A5*2"]
    assert [load(data, values=True).active.cell(r, 2).value for r in (3, 4, 5)] == [4, 6, 8]


@pytest.mark.parametrize("cell, text, code", [
    ("B2", "{{ client. }}", "syntax"),
    ("C3", "{%tr for x in xs %}{{ x }}", "unclosed"),
    ("A1", "{%tr endfor %}", "unclosed"),
    ("D4", "{%tr while x %}", "syntax"),
])
def test_template_errors_name_sheet_and_cell(cell: str, text: str, code: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "견적"
    wb.active[cell] = text
    with pytest.raises(TemplateError) as err:
        Template(save(wb), name="t.xlsx")
    assert err.value.code == code
    assert err.value.location is not None
    assert (err.value.location.sheet, err.value.location.cell) == ("견적", cell)


def test_render_errors_name_the_cell() -> None:
    wb = openpyxl.Workbook()
    wb.active["C7"] = "{{ clinet }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb), name="t.xlsx").render({"client": "x"})
    assert err.value.code == "undefined"
    assert err.value.location.cell == "C7"  # type: ignore[union-attr]
    assert "clinet" in err.value.text(str)


LOOP_ROW = {"A3": "{%tr for it in items %}{{ it.name }}", "B3": "{{ it.qty|number(2) }}",
            "C3": "t {{ it.unit }}", "D3": "{{ loop.index }}{%tr endfor %}"}


@pytest.mark.parametrize("item, cell, code, excerpt", [
    ({"qty": 1, "unit": "u"}, "A3", "undefined", "{{ it.name }}"),
    ({"name": "a", "qty": "lots", "unit": "u"}, "B3", "render", "{{ it.qty|number(2) }}"),
    ({"name": "a", "qty": 1}, "C3", "undefined", "t {{ it.unit }}"),
])
def test_render_errors_in_loop_rows_name_the_template_cell(item: dict[str, Any], cell: str, code: str,
                                                           excerpt: str) -> None:
    wb = openpyxl.Workbook()
    for ref, text in LOOP_ROW.items():
        wb.active[ref] = text
    good = {"name": "a", "qty": 1, "unit": "u"}
    with pytest.raises(TemplateError) as err:  # fails on the 2nd repetition
        Template(save(wb), name="t.xlsx").render({"items": [good, item]})
    assert err.value.code == code
    assert str(err.value.location) == f"t.xlsx:Sheet!{cell}"
    assert err.value.excerpt == excerpt  # the cell's tags (row tags left out)


@pytest.mark.parametrize("ref", ["A1", "B1", "C1", "D1", "E1"])
def test_render_errors_name_the_cell_in_a_row_of_many(ref: str) -> None:
    wb = openpyxl.Workbook()
    texts = {"A1": "{{ a }}", "B1": "{{ b.x }}", "C1": "{{ c | money }}", "D1": "t {{ d }}",
             "E1": "{{ e }}"}
    for r, text in texts.items():
        wb.active[r] = text
    context = {"a": 1, "b": {"x": 1}, "c": 1, "d": 1, "e": 1}
    del context[ref[0].lower()]
    with pytest.raises(TemplateError) as err:
        Template(save(wb)).render(context)
    assert err.value.location.cell == ref  # type: ignore[union-attr]
    assert err.value.excerpt == texts[ref]


def test_render_errors_in_loop_sources_and_headers_are_located() -> None:
    wb = openpyxl.Workbook()
    wb.active["A2"] = "{%tr for it in itemz %}{{ it }}{%tr endfor %}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb), name="t.xlsx").render({"items": []})
    assert str(err.value.location) == "t.xlsx:Sheet!A2"
    assert err.value.excerpt == "{%tr for it in itemz %}"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.active.oddFooter.center.text = "Page {{ page_label }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb), name="t.xlsx").render({})
    assert err.value.code == "undefined"
    assert str(err.value.location) == "t.xlsx:Sheet!oddFooter"
    assert "page_label" in (err.value.excerpt or "")


def test_an_unknown_filter_is_a_load_error_at_its_cell() -> None:
    wb = openpyxl.Workbook()
    wb.active["A4"] = "{{ a }}"
    wb.active["B4"] = "{{ b | no_such_filter }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb), name="t.xlsx")
    assert err.value.code == "syntax"
    assert str(err.value.location) == "t.xlsx:Sheet!B4"
    assert "no_such_filter" in err.value.text(str)


def test_sandbox_applies_to_cells() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ ''.__class__.__mro__ }}"
    with pytest.raises(TemplateError) as err:
        Template(save(wb)).render({})
    assert err.value.code in ("sandbox", "undefined", "render")


def test_fields_lists_top_level_names_only() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{%tr for it in items %}{{ it.name }} {{ loop.index }}{%tr endfor %}"
    wb.active["A2"] = "{{ client.name }} {{ total|money }}"
    assert Template(save(wb)).fields() == {"items", "client", "total"}


def test_image_in_a_cell_and_drawings_follow_rows(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(png())
    (tmp_path / "pic.png").write_bytes(png(10, 10))
    # A template that already holds a picture at C4, below a loop: made by docgen itself
    # (openpyxl needs Pillow for pictures), with the tags of the real template as text.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{{ first }}"
    ws["A2"] = "{{ loop_tags }}"
    ws["C4"] = "{{ image('pic.png', 10) }}"
    template = Template(save(wb)).render(
        {"first": "{{ image('logo.png', 30) }}",
         "loop_tags": "{%tr for x in xs %}{{ x }}{%tr endfor %}"}, base_dir=tmp_path)
    data = Template(template).render({"xs": [1, 2, 3]}, base_dir=tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        drawings = [n for n in zf.namelist()
                    if n.startswith("xl/drawings/") and n.endswith(".xml")]
        assert len(drawings) == 1
        xml = zf.read(drawings[0]).decode()
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
    rows = sorted(int(m) for m in re.findall(r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+"
                                             r"</xdr:colOff><xdr:row>(\d+)</xdr:row>", xml))
    assert rows == [0, 5]                            # logo at A1; template picture moved 3→5
    assert len(media) == 2
    assert load(data).active["A1"].value is None
    widths = sorted(int(cx) for cx in re.findall(r'<xdr:ext cx="(\d+)"', xml))
    assert widths == [10 * 36000, 30 * 36000]
    assert len(set(re.findall(r'r:embed="([^"]+)"', xml))) == 2  # two pictures, two ids


def test_image_paths_cannot_leave_the_data_folder(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ image('../secret.png', 30) }}"
    (tmp_path / "data").mkdir()
    (tmp_path / "secret.png").write_bytes(png())
    with pytest.raises(TemplateError) as err:
        Template(save(wb)).render({}, base_dir=tmp_path / "data")
    assert "outside" in err.value.text(str)


def test_locale_sets_the_cell_font() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ x }}"
    wb.active["A1"].font = Font(name="Arial", bold=True, size=14)
    ws = load(Template(save(wb)).render({"x": "가"}, "ko")).active
    assert ws["A1"].font.name == "맑은 고딕" and ws["A1"].font.b and ws["A1"].font.sz == 14
    ws = load(Template(save(wb)).render({"x": "中"}, "zh-CN")).active
    assert ws["A1"].font.name == "微软雅黑"


def test_parts_openpyxl_does_not_know_survive() -> None:
    blob = invoice_book()
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n))
        dst.writestr("customXml/item1.xml", "<agency-metadata>keep me</agency-metadata>")
    data = Template(out.getvalue()).render({"client": "x", "items": ITEMS})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("customXml/item1.xml") == b"<agency-metadata>keep me</agency-metadata>"


def test_libreoffice_opens_and_agrees(rendered: bytes, soffice: str, tmp_path: Path) -> None:
    src = tmp_path / "invoice.xlsx"
    src.write_bytes(rendered)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    rows = (tmp_path / "invoice.csv").read_text().splitlines()
    assert rows[3].startswith("item 1,1,")
    assert rows[6].split(",")[2:4] == ["Subtotal", "6003"]
    assert rows[8].split(",")[2:4] == ["Total", "6603"]


def test_header_pictures_and_vml_are_kept_where_openpyxl_drops_them() -> None:
    """A header logo lives in a VML part referenced by <legacyDrawingHF>; openpyxl
    loses it on load/save, docgen keeps every byte of it."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{%tr for x in xs %}{{ x }}{%tr endfor %}"
    wb.active.oddHeader.left.text = "&G"
    src = zipfile.ZipFile(io.BytesIO(save(wb)))
    vml = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
           'office:office"><v:shape id="LH" o:spid="_x0000_s1025" type="#_x0000_t75" '
           'style="width:60pt;height:20pt"><v:imagedata o:relid="rId1" o:title="logo"/>'
           '</v:shape></xml>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            blob = src.read(n)
            if n == "xl/worksheets/sheet1.xml":
                blob = blob.replace(b"</worksheet>", b'<legacyDrawingHF xmlns:r="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships" '
                                    b'r:id="rIdHF"/></worksheet>')
            elif n == "[Content_Types].xml":
                blob = blob.replace(b"</Types>", b'<Default Extension="vml" ContentType="'
                                    b'application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
                                    b'<Default Extension="png" ContentType="image/png"/></Types>')
            dst.writestr(n, blob)
        dst.writestr("xl/worksheets/_rels/sheet1.xml.rels",
                     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                     'relationships"><Relationship Id="rIdHF" Type="http://schemas.openxmlformats'
                     '.org/officeDocument/2006/relationships/vmlDrawing" Target="../drawings/'
                     'vmlDrawingHF1.vml"/></Relationships>')
        dst.writestr("xl/drawings/vmlDrawingHF1.vml", vml)
        dst.writestr("xl/drawings/_rels/vmlDrawingHF1.vml.rels",
                     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                     'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                     '.org/officeDocument/2006/relationships/image" Target="../media/hf.png"/>'
                     '</Relationships>')
        dst.writestr("xl/media/hf.png", png())
    template = out.getvalue()

    round_trip = io.BytesIO()
    load(template).save(round_trip)                      # what an openpyxl pipeline does
    assert "xl/drawings/vmlDrawingHF1.vml" not in zipfile.ZipFile(round_trip).namelist()

    data = Template(template).render({"xs": [1, 2]})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("xl/drawings/vmlDrawingHF1.vml").decode() == vml
        assert zf.read("xl/media/hf.png") == png()
        assert "vmlDrawingHF1.vml" in zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        assert '<legacyDrawingHF' in zf.read("xl/worksheets/sheet1.xml").decode()
    assert load(data).active["A2"].value == 2


def test_range_over_alternative_rows_in_a_loop() -> None:
    """Rows chosen per item by {%tr if %} interleave; a SUM below covers all of them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for x in xs %}{%tr if x.big %}{{ x.v }}{%tr endif %}"
    ws["A2"] = "{%tr if not x.big %}{{ x.v }}{%tr endif %}{%tr endfor %}"
    ws["A3"] = "=SUM(A1:A2)"
    data = Template(save(wb)).render({"xs": [{"big": False, "v": 1}, {"big": True, "v": 2},
                                             {"big": False, "v": 4}]})
    assert load(data).active["A4"].value == "=SUM(A1:A3)"
    assert load(data, values=True).active["A4"].value == 7


def test_conditional_expression_in_a_loop_list() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{%tr for n in [3 if wide else 1] if n > 0 %}{{ n }}{%tr endfor %}"
    ws = load(Template(save(wb)).render({"wide": True})).active
    assert ws["A1"].value == 3


def test_ranges_and_print_area_past_the_last_written_row_move_too() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for x in xs %}{{ x }}{%tr endfor %}"
    ws["B2"] = "=COUNT(A1:A100)"
    ws.print_area = "A1:D60"
    data = Template(save(wb)).render({"xs": [1, 2, 3, 4]})
    ws = load(data).active
    assert ws["B5"].value == "=COUNT(A1:A103)"
    assert ws.print_area == "'Sheet'!$A$1:$D$63"
    assert load(data, values=True).active["B5"].value == 4


def test_numbers_typed_as_text_count_in_arithmetic() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ rate }}"
    wb.active["A2"] = "=A1*2"
    wb.active["A3"] = "{{ amount }}"
    wb.active["A4"] = "=A3+1"
    data = Template(save(wb)).render({"rate": "1.8%", "amount": "1,234"})
    ws = load(data, values=True).active
    assert ws["A2"].value == pytest.approx(0.036) and ws["A4"].value == 1235


def test_cell_by_cell_path_gives_the_same_workbook(monkeypatch: pytest.MonkeyPatch,
                                                   rendered: bytes) -> None:
    """Rows normally render through one compiled RowProgram; when a row's cells cannot
    be compiled together they render one by one, with the same result."""
    import jinja2

    from docgen.render import sheet

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise jinja2.TemplateSyntaxError("forced", 1)

    monkeypatch.setattr(sheet.RowProgram, "__init__", refuse)
    again = Template(invoice_book()).render({"client": "Hanil", "items": ITEMS}, "ko")
    assert again == rendered


def test_named_ranges_widths_and_sheet_settings_follow_or_stay() -> None:
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.load_workbook(io.BytesIO(invoice_book()))
    ws = wb["Invoice"]
    ws.column_dimensions["A"].width = 31
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    wb.defined_names["GrandTotal"] = DefinedName("GrandTotal", attr_text="Invoice!$D$7")
    wb.defined_names["Lines"] = DefinedName("Lines", attr_text="Invoice!$A$4:$E$4")
    data = Template(save(wb)).render({"client": "x", "items": ITEMS})
    out = load(data)
    assert out.defined_names["GrandTotal"].attr_text == "Invoice!$D$9"
    assert out.defined_names["Lines"].attr_text == "Invoice!$A$4:$E$6"
    ws = out["Invoice"]
    assert ws.column_dimensions["A"].width == 31
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape"


@pytest.mark.parametrize("formula, moved, value", [
    ("SUM(D4:D4)", "0", 0),
    ("SUM(D4:D4)*2+1", "0*2+1", 1),
    ("SUM(D4:D4,E1)", "SUM(E1)", 5),
    ("SUM(E1, D4:D4)", "SUM(E1)", 5),
    ("SUM(E1,D4,E1)", "SUM(E1,E1)", 10),
    ("COUNT(D4:D4,D4)", "0", 0),
    ('COUNTIF(D4:D4,">1")', "0", 0),
    ("SUMIF(C4:C4,\"x\",D4:D4)", "0", 0),
    ("SUMPRODUCT(C4:C4,D4:D4)", "0", 0),
    ("ROUND(SUBTOTAL(109,D4:D4),2)", "ROUND(0,2)", 0),
    ("MAX(D4:D4)", "0", 0),
    ("_xlfn.CONCAT(D4:D4)", '""', ""),
    ("SUBTOTAL(1,D4:D4)", "SUBTOTAL(1,#REF!)", None),  # an average of no cells
    ("D4+1", "#REF!+1", None),  # not an argument: what Excel makes of deleted rows
    ("VLOOKUP(1,C4:D4,2,0)", "VLOOKUP(1,#REF!,2,0)", None),
])
def test_references_to_no_rows_are_no_cells_in_aggregates(formula: str, moved: str,
                                                         value: object) -> None:
    """A zero-times loop: a reference to its rows alone is an empty range to SUM,
    COUNT… (left out of the arguments; a call left without data is its value over no
    cells), and #REF! anywhere else."""
    gone = lambda r: None if r.r1 == 4 else r  # noqa: E731
    tokens = fx.translate_tokens(fx.tokenize(formula), gone)
    assert "".join(t.text for t in tokens) == moved
    grid = lambda sheet, row, col: Decimal(5) if (row, col) == (1, 5) else None  # noqa: E731
    if value is None:
        with pytest.raises(fx.ExcelError):
            fx.evaluate(tokens, grid)
    else:
        assert fx.evaluate(tokens, grid) == value
