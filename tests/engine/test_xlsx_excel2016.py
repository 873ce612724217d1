"""Templates saved by Excel 2016+: what Excel writes beyond openpyxl's dialect
(x14ac/xr attributes, mc:Ignorable, extLst, mc:AlternateContent, tables, themes,
dxfs, rich-text shared strings) survives rendering, and the result opens in
openpyxl and LibreOffice and validates against ECMA-376."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree

from docgen.template import Template
from tests import ooxml_schema
from tests.engine import excel2016 as xl

# openpyxl drops what it does not model (x14 extensions) and says so: expected here.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

X14AC = "{%s}" % xl.X14AC
MC = "{%s}" % xl.MC
XR = "{%s}" % xl.XR
S = "{%s}" % xl.MAIN
X14 = "{%s}" % xl.X14
XM = "{%s}" % xl.XM

ITEMS = [{"name": f"item {i}", "qty": i, "price": Decimal("1500.5")} for i in (1, 2, 3)]
CONTEXT: dict[str, Any] = {"client": "한일상사", "issued": dt.date(2026, 11, 27),
                           "note": "thanks", "items": ITEMS}


def render(members: dict[str, str] | None = None, context: dict[str, Any] | None = None,
           locale: str = "ko") -> bytes:
    data = xl.package(members) if members is not None else xl.workbook()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here deserves a warning
        return Template(data).render(CONTEXT if context is None else context, locale)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def xml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(part(data, name))


def schema_problems(data: bytes) -> list[str]:
    ooxml_schema.require()
    return ooxml_schema.validate_package(data)


# -- openpyxl: values, loop rows, formulas, types -------------------------------------------

def test_openpyxl_reads_values_rows_and_grown_formulas(rendered: bytes) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(rendered))["Invoice"]
    assert ws["A1"].value == "Invoice for 한일상사"  # the tag split across rich-text runs
    assert [ws.cell(r, 1).value for r in range(4, 7)] == ["item 1", "item 2", "item 3"]
    assert [ws.cell(r, 4).value for r in range(4, 7)] == ["=B4*C4", "=B5*C5", "=B6*C6"]
    assert [ws.cell(r, 5).value for r in range(4, 7)] == [1, 2, 3]
    assert ws["C7"].value == "Total" and ws["D7"].value == "=SUM(D4:D6)"
    assert ws["A8"].value == "Note: thanks"
    assert ws["A9"].value == 42 and ws["B9"].value == "Signature"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:D1", "B9:D9"}
    assert ws.tables["Items"].ref == "A3:D6"
    values = openpyxl.load_workbook(io.BytesIO(rendered), data_only=True)["Invoice"]
    assert values["D7"].value == 9003  # cached: readers that do not recalculate see it


def test_numbers_and_dates_are_typed(rendered: bytes) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(rendered))["Invoice"]
    assert ws["B2"].value == dt.datetime(2026, 11, 27) and ws["B2"].is_date
    assert ws["B2"].number_format == "mm-dd-yy"  # built-in 14, the template's
    assert ws["B4"].value == 1 and ws["B4"].data_type == "n"
    assert ws["C5"].value == 1500.5 and ws["C5"].number_format == "#,##0.00"
    assert ws["E6"].value == 3 and ws["E6"].data_type == "n"


def test_a_datetime_in_a_general_cell_adds_a_date_style_and_keeps_styles_intact() -> None:
    members = xl.parts()
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        '<c r="B2" s="1" t="s">', '<c r="B2" t="s">')
    data = render(members, {**CONTEXT, "issued": dt.datetime(2026, 11, 27, 9, 30)})
    ws = openpyxl.load_workbook(io.BytesIO(data))["Invoice"]
    assert ws["B2"].value == dt.datetime(2026, 11, 27, 9, 30) and ws["B2"].is_date
    styles = xml(data, "xl/styles.xml")
    assert styles.get(MC + "Ignorable") == "x14ac x16r2 xr"
    assert styles.find(S + "fonts").get(X14AC + "knownFonts") == "1"
    assert len(styles.find(S + "dxfs")) == 1 and styles.find(S + "extLst") is not None
    assert not schema_problems(data)


# -- the XML itself: prefixes, namespaces, what Excel wrote --------------------------------

def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith((".xml", ".rels", ".vml"))}


def test_no_clark_names_and_every_ignorable_prefix_is_declared(rendered: bytes) -> None:
    for name, blob in xml_parts(rendered).items():
        assert not re.search(rb"\s\{[^}\s]*\}[\w.-]+=", blob), name  # {uri}dyDescent="…"
        root = etree.fromstring(blob)
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            assert not any(k.startswith("{") and "}" not in k for k in el.attrib)
            for prefix in (el.get(MC + "Ignorable") or "").split():
                assert prefix in el.nsmap, f"{name}: mc:Ignorable names undeclared {prefix}"
        reparsed = etree.tostring(root)
        assert b"{http" not in re.sub(rb'"[^"]*"', b'""', reparsed), name


def test_every_row_keeps_the_template_row_attributes(rendered: bytes) -> None:
    sheet = xml(rendered, "xl/worksheets/sheet1.xml")
    rows = {int(r.get("r")): r for r in sheet.iter(S + "row")}
    assert sorted(rows) == list(range(1, 10))
    for r in rows.values():
        assert r.get(X14AC + "dyDescent") == "0.25"
        assert r.get("spans") is None  # a hint for 16-row blocks the rows moved out of
    for n in (4, 5, 6):  # the repeated row's height, on every repetition
        assert (rows[n].get("ht"), rows[n].get("customHeight")) == ("20.25", "1")
    assert (rows[9].get("s"), rows[9].get("customFormat")) == ("3", "1")
    assert rows[7].get("ht") is None


def test_root_and_sheet_settings_are_kept_byte_for_byte(rendered: bytes) -> None:
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        template = xl.parts()[name]
        out = part(rendered, name).decode()
        head = template[:template.index("<dimension")]
        assert out.startswith(head)  # declaration, root with mc:Ignorable and xr:uid
        settings = template[template.index("<sheetViews"):template.index("<sheetData")]
        assert settings in out  # sheetFormatPr x14ac:dyDescent, cols
    for name in ("xl/theme/theme1.xml", "xl/drawings/vmlDrawing1.vml",
                 "xl/ctrlProps/ctrlProp1.xml", "docProps/app.xml"):
        assert part(rendered, name) == xl.parts()[name].encode()


def test_form_controls_in_alternate_content_are_kept(rendered: bytes) -> None:
    out = part(rendered, "xl/worksheets/sheet2.xml").decode()
    template = xl.parts()["xl/worksheets/sheet2.xml"]
    controls = template[template.index("<mc:AlternateContent"):template.index("</worksheet>")]
    assert controls in out
    assert out.index("<legacyDrawing") < out.index("<mc:AlternateContent")


def test_extensions_conditional_formats_and_validations_follow_the_rows(rendered: bytes) -> None:
    sheet = xml(rendered, "xl/worksheets/sheet1.xml")
    assert sorted(cf.get("sqref") for cf in sheet.findall(S + "conditionalFormatting")) == [
        "B4:B6", "D4:D6"]
    ext = sheet.find(S + "extLst")
    assert [e.get("uri") for e in ext] == ["{78C0D931-6437-407d-A8EE-F0AAD7539E65}",
                                           "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"]
    assert [s.text for s in ext.iter(XM + "sqref")] == ["B4:B6", "E4:E6"]
    assert [f.text for f in ext.iter(XM + "f")] == ["Lists!$A$1:$A$3"]
    rule = sheet.find(f"{S}conditionalFormatting/{S}cfRule/{S}extLst/{S}ext/{X14}id")
    assert rule is not None and rule.text == xl.DATABAR_ID  # its x14 twin still matches
    dv = ext.find(f".//{X14}dataValidation")
    assert dv.get(XR + "uid") == "{1F0B8A3C-5D2E-4C7B-8E9A-6B1C2D3E4F50}"


def test_workbook_table_and_package_parts(rendered: bytes) -> None:
    wb = xml(rendered, "xl/workbook.xml")
    assert wb.get(MC + "Ignorable") == "x15 xr xr6 xr10 xr2"
    assert wb.find(MC + "AlternateContent") is not None
    assert wb.find("{%s}revisionPtr" % xl.XR) is not None
    names = {d.get("name"): d.text for d in wb.iter(S + "definedName")}
    assert names == {"_xlnm.Print_Area": "Invoice!$A$1:$E$9", "Prices": "Invoice!$C$4:$C$6"}
    assert wb.find(S + "calcPr").get("fullCalcOnLoad") == "1"
    table = xml(rendered, "xl/tables/table1.xml")
    assert table.get("ref") == "A3:D6" and table.find(S + "autoFilter").get("ref") == "A3:D6"
    assert table.get(XR + "uid") and table.get(MC + "Ignorable") == "xr xr3"
    assert [c.get("name") for c in table.iter(S + "tableColumn")] == [
        "Item", "Qty", "Price", "Amount"]
    with zipfile.ZipFile(io.BytesIO(rendered)) as zf:
        assert "xl/calcChain.xml" not in zf.namelist()  # Excel rebuilds it
    assert b"calcChain" not in part(rendered, "[Content_Types].xml")
    assert b"calcChain" not in part(rendered, "xl/_rels/workbook.xml.rels")
    assert b"{{" not in part(rendered, "xl/sharedStrings.xml")


def without_table(members: dict[str, str]) -> dict[str, str]:
    members = dict(members)
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>', "")
    del members["xl/worksheets/_rels/sheet1.xml.rels"], members["xl/tables/table1.xml"]
    members["[Content_Types].xml"] = re.sub(
        r'<Override PartName="/xl/tables/table1.xml"[^>]*/>', "", members["[Content_Types].xml"])
    return members


def with_cells(members: dict[str, str], row: int, cells: str) -> dict[str, str]:
    """``cells`` added at the end of template row ``row`` of Invoice."""
    members = dict(members)
    sheet = members["xl/worksheets/sheet1.xml"]
    start = sheet.index(f'<row r="{row}" ')
    end = sheet.index("</row>", start)
    members["xl/worksheets/sheet1.xml"] = sheet[:end] + cells + sheet[end:]
    return members


def test_zero_repetitions_leave_nothing_empty_or_dangling() -> None:
    members = with_cells(without_table(xl.parts()), 5,
                         '<c r="E5"><f>SUM(Prices)+COUNT(B4:B4,A7)</f><v>0</v></c>'
                         '<c r="F5"><f>ROUND(SUBTOTAL(9,D4:D4),2)</f><v>0</v></c>')
    data = render(members, context={**CONTEXT, "items": []})
    ws = openpyxl.load_workbook(io.BytesIO(data))["Invoice"]
    assert [ws.cell(4, c).value for c in (1, 2, 3)] == [None, None, "Total"]
    # a SUM over no rows is 0, not SUM(#REF!); an argument with no rows is left out
    assert ws["D4"].value == "=0" and ws["E4"].value == "=0+COUNT(A6)"
    assert ws["F4"].value == "=ROUND(0,2)"
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Invoice"]
    assert [cached["D4"].value, cached["E4"].value, cached["F4"].value] == [0, 1, 0]
    # the name over the loop row has no cells left: gone, its uses count as no cells
    names = {d.get("name"): d.text for d in xml(data, "xl/workbook.xml").iter(S + "definedName")}
    assert names == {"_xlnm.Print_Area": "Invoice!$A$1:$E$6"}
    sheet = xml(data, "xl/worksheets/sheet1.xml")
    assert sheet.findall(S + "conditionalFormatting") == []  # both applied to the loop row only
    assert sheet.find(S + "extLst") is None  # each x14 extension lost its last item
    assert [m.get("ref") for m in sheet.iter(S + "mergeCell")] == ["A1:D1", "B6:D6"]
    assert b"#REF!" not in part(data, "xl/worksheets/sheet1.xml")
    assert not schema_problems(data)


def test_a_table_whose_rows_all_sat_in_an_empty_loop_keeps_one_empty_row() -> None:
    """A table is its header and at least one data row (Excel repairs a table of a
    header alone): the loop leaves its first row, empty, and what pointed into the
    loop points there."""
    data = render(context={**CONTEXT, "items": []})
    table = xml(data, "xl/tables/table1.xml")
    assert table.get("ref") == "A3:D4" and table.find(S + "autoFilter").get("ref") == "A3:D4"
    sheet = xml(data, "xl/worksheets/sheet1.xml")
    row4 = next(r for r in sheet.iter(S + "row") if r.get("r") == "4")
    assert (row4.get("ht"), row4.get("customHeight")) == ("20.25", "1")  # the loop row's
    assert all(c.find(S + "v") is None and c.find(S + "is") is None for c in row4)
    assert [c.get("s") for c in row4] == ["2", "2"]  # styles kept (A4/B4/E4 had none)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Invoice"]
    assert [ws.cell(4, c).value for c in range(1, 6)] == [None] * 5
    assert ws["C5"].value == "Total" and ws["D5"].value == "=SUM(D4:D4)"
    assert openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Invoice"]["D5"].value == 0
    names = {d.get("name"): d.text for d in xml(data, "xl/workbook.xml").iter(S + "definedName")}
    assert names["Prices"] == "Invoice!$C$4"
    assert not schema_problems(data)


def libreoffice_csv(data: bytes, soffice: str, tmp_path: Path) -> list[list[str]]:
    src = tmp_path / "book.xlsx"
    src.write_bytes(data)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    return list(csv.reader(io.StringIO((tmp_path / "book.csv").read_text("utf-8"))))


@pytest.mark.parametrize("table", [True, False])
def test_libreoffice_totals_zero_rows_as_0(table: bool, soffice: str, tmp_path: Path) -> None:
    members = xl.parts() if table else without_table(xl.parts())
    # (docgen does not evaluate names: Prices, still a name with a table, would warn)
    formula = "COUNT(B4:B4)" if table else "SUM(Prices)+COUNT(B4:B4)"
    members = with_cells(members, 5, f'<c r="E5"><f>{formula}</f><v>0</v></c>')
    rows = libreoffice_csv(render(members, {**CONTEXT, "items": []}), soffice, tmp_path)
    total = rows[4] if table else rows[3]
    assert total[2:5] == ["Total", "0.00", "0"], rows  # recomputed by LibreOffice, no Err/#REF!


# -- rich text ------------------------------------------------------------------------------

RICH_TITLE = (
    '<si><r><rPr><b/><sz val="14"/><color theme="1"/><rFont val="Calibri"/></rPr>'
    '<t xml:space="preserve">Invoice for {{ cli</t></r>'
    '<r><rPr><sz val="14"/><color rgb="FFFF0000"/><rFont val="Calibri"/></rPr>'
    '<t xml:space="preserve">ent }} </t></r>'
    '<r><rPr><i/><sz val="10"/><rFont val="Calibri"/></rPr><t>({{ note }})</t></r></si>')


def rich_members() -> dict[str, str]:
    members = xl.parts()
    sst = members["xl/sharedStrings.xml"]
    sst = sst.replace(xl.STRINGS[0], RICH_TITLE)
    sst = sst.replace(  # the loop tag, and a tag split over a bold and a plain run
        "<si><t>{%tr for it in items %}{{ it.name }}</t></si>",
        '<si><r><rPr><b/></rPr><t>{%tr for it in items %}{{ it.</t></r>'
        '<r><t xml:space="preserve">name }} </t></r><r><rPr><u/></rPr><t>ea</t></r></si>')
    sst = sst.replace(  # a tag alone in a rich cell: still a number
        "<si><t>{{ it.qty }}</t></si>", "<si><r><rPr><b/></rPr><t>{{ it.qty }}</t></r></si>")
    members["xl/sharedStrings.xml"] = sst
    return members


def runs(cell: Any) -> list[tuple[str, Any]]:
    """A rich-text cell's runs as (text, font); a run without properties has None."""
    return [(b, None) if isinstance(b, str) else (b.text, b.font) for b in cell.value]


def test_rich_text_cells_keep_their_runs() -> None:
    data = render(rich_members())
    ws = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)["Invoice"]
    title = runs(ws["A1"])
    # the tag's output goes to the run where the tag starts; the rest keep their text
    assert [t for t, _ in title] == ["Invoice for 한일상사", " ", "(thanks)"]
    (_, bold), (_, red), (_, small) = title
    assert bold.b and bold.sz == 14 and bold.color.theme == 1 and bold.rFont == "Calibri"
    assert not red.b and red.color.rgb == "FFFF0000"
    assert small.i and small.sz == 10
    for r in (4, 5, 6):  # in the loop rows too, each row its own text
        assert [(t, f and (f.b, f.u)) for t, f in runs(ws.cell(r, 1))] == [
            (f"item {r - 3}", (True, None)), (" ", None), ("ea", (False, "single"))]
        assert ws.cell(r, 2).value == r - 3 and ws.cell(r, 2).data_type == "n"
    plain = openpyxl.load_workbook(io.BytesIO(data))["Invoice"]
    assert plain["A1"].value == "Invoice for 한일상사 (thanks)"
    assert b"{{" not in part(data, "xl/sharedStrings.xml")
    assert not schema_problems(data)


def test_rich_text_with_a_block_tag_over_runs_and_markup_in_data() -> None:
    members = xl.parts()
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(
        xl.STRINGS[0], '<si><r><rPr><b/></rPr><t xml:space="preserve">{% if vip %}VIP </t></r>'
        '<r><rPr><i/></rPr><t>{% endif %}{{ client }}</t></r></si>')
    for vip, expected in ((True, [("VIP ", True), ("<b>&\x01", False)]),
                          (False, [("<b>&\x01", False)])):
        data = render(members, {**CONTEXT, "vip": vip, "client": "<b>&\x01"})
        ws = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)["Invoice"]
        assert [(t, bool(f.b)) for t, f in runs(ws["A1"])] == [
            (t.replace("\x01", ""), b) for t, b in expected]
        assert not schema_problems(data)


def test_libreoffice_reads_rich_text(soffice: str, tmp_path: Path) -> None:
    rows = libreoffice_csv(render(rich_members()), soffice, tmp_path)
    assert rows[0][0] == "Invoice for 한일상사 (thanks)"
    assert [r[0] for r in rows[3:6]] == ["item 1 ea", "item 2 ea", "item 3 ea"]  # 3 runs
    assert [r[1] for r in rows[3:6]] == ["1", "2", "3"]


def test_namespaces_declared_below_the_root_or_a_prefixed_root() -> None:
    """Not Excel's habit, but legal: a prefix declared on <sheetData>, and SpreadsheetML
    under a prefix (x:worksheet, as the Open XML SDK writes)."""
    members = xl.parts()
    sheet = members["xl/worksheets/sheet2.xml"]
    members["xl/worksheets/sheet2.xml"] = sheet.replace(
        "<sheetData>", '<sheetData xmlns:my="urn:example:rows">').replace(
        '<row r="1" ', '<row r="1" my:flag="yes" ')
    data = render(members)
    row = xml(data, "xl/worksheets/sheet2.xml").find(f"{S}sheetData/{S}row")
    assert row.get("{urn:example:rows}flag") == "yes"

    prefixed = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                f'<x:worksheet xmlns:x="{xl.MAIN}" xmlns:mc="{xl.MC}" xmlns:x14ac="{xl.X14AC}" '
                'mc:Ignorable="x14ac"><x:dimension ref="A1:A2"/><x:sheetData>'
                '<x:row r="1" x14ac:dyDescent="0.25"><x:c r="A1" t="s"><x:v>14</x:v></x:c></x:row>'
                '<x:row r="2"><x:c r="A2"><x:v>5</x:v></x:c></x:row>'
                '</x:sheetData><x:pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                'header="0.3" footer="0.3"/></x:worksheet>')
    members = xl.parts()
    members["xl/worksheets/sheet2.xml"] = prefixed
    for name in ("xl/worksheets/_rels/sheet2.xml.rels", "xl/drawings/vmlDrawing1.vml",
                 "xl/ctrlProps/ctrlProp1.xml"):
        del members[name]
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" '
        'ContentType="application/vnd.ms-excel.controlproperties+xml"/>', "")
    data = render(members)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Lists"]
    assert [ws["A1"].value, ws["A2"].value] == ["Draft", 5]
    assert not schema_problems(data)


# -- schema validation -----------------------------------------------------------------------

def test_the_template_itself_is_what_the_validator_accepts() -> None:
    assert not schema_problems(xl.workbook())


@pytest.mark.parametrize("locale", ["ko", "zh-CN", "en"])
def test_every_part_validates(locale: str) -> None:
    assert not schema_problems(render(locale=locale))


# -- LibreOffice -------------------------------------------------------------------------------

def test_libreoffice_shows_the_cells(rendered: bytes, soffice: str, tmp_path: Path) -> None:
    src = tmp_path / "invoice.xlsx"
    src.write_bytes(rendered)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    rows = list(csv.reader(io.StringIO((tmp_path / "invoice.csv").read_text("utf-8"))))
    assert rows[0][0] == "Invoice for 한일상사"
    assert [r[0] for r in rows[3:6]] == ["item 1", "item 2", "item 3"]
    assert [r[1] for r in rows[3:6]] == ["1", "2", "3"]
    assert rows[6][2:4] == ["Total", "9,003.00"]  # recomputed by LibreOffice, formatted
    assert re.fullmatch(r"11/27/(20)?26|2026-11-27|27\.11\.(20)?26", rows[1][1]), rows[1]
    assert rows[7][0] == "Note: thanks" and rows[8][:2] == ["42", "Signature"]


def test_cell_attributes_that_still_hold_are_kept() -> None:
    """``ph`` (show furigana) stays on a rewritten cell, ``cm`` (cell metadata: dynamic
    arrays) on a formula; ``vm`` described the template's value and goes."""
    members = xl.parts()
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        '<c r="A6" t="s">', '<c r="A6" t="s" ph="1" vm="1">').replace(
        '<c r="D5" s="2">', '<c r="D5" s="2" cm="1">')
    cells = {c.get("r"): c for c in xml(render(members), "xl/worksheets/sheet1.xml").iter(S + "c")}
    assert cells["A8"].get("ph") == "1" and cells["A8"].get("vm") is None
    assert cells["A8"].get("t") == "inlineStr"
    assert cells["D7"].get("cm") == "1" and cells["D7"].findtext(S + "f") == "SUM(D4:D6)"


def test_a_picture_goes_before_the_form_controls(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(_png())
    members = xl.parts()
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(
        "<si><t>Paid</t></si>", "<si><t>{{ image('logo.png', 20) }}</t></si>")
    data = Template(xl.package(members)).render(CONTEXT, "ko", base_dir=tmp_path)
    sheet = xml(data, "xl/worksheets/sheet2.xml")
    names = [etree.QName(el).localname for el in sheet]
    assert names[names.index("sheetData") + 1:] == [
        "pageMargins", "drawing", "legacyDrawing", "AlternateContent"]
    assert not schema_problems(data)


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    raw = b"".join(b"\x00" + b"\x1e\x64\xc8" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
