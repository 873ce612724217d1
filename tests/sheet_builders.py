"""Workbooks the way Excel 2016+ writes them, built from raw SpreadsheetML parts.

openpyxl writes tidy files; Excel writes shared strings with rich runs and phonetic
guides, rows with ``spans`` and ``x14ac:dyDescent``, ``mc:Ignorable`` roots, number
formats by id (14 for dates, 9 for percentages) and custom date formats such as
``yyyy"년" m"월" d"일"``, dates as serial numbers, and merges after the sheet data. The
reader must cope with all of it, so the tests build such files here.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"

# cellXfs: 0 General, 1 date (numFmtId 14), 2 percent (9), 3 yyyy"년" m"월" d"일" (176),
# 4 #,##0 (3)
STYLE_DATE, STYLE_PERCENT, STYLE_KO_DATE, STYLE_THOUSANDS = 1, 2, 3, 4


def serial(day: dt.date) -> int:
    """Excel's serial number of a date (1900 system)."""
    return (day - dt.date(1899, 12, 30)).days


def col(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


class Rich:
    """A shared string typed with mixed formatting (two runs) — Excel stores runs."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts


class Styled:
    """A value with a cell style index (a date serial with STYLE_DATE…)."""

    def __init__(self, value: Any, style: int) -> None:
        self.value, self.style = value, style


def excel_workbook(path: Path, rows: Sequence[Sequence[Any]], *, sheet: str = "Sheet1",
                   merges: Sequence[str] = (), first_row: int = 1,
                   extra_sheets: Sequence[str] = ()) -> Path:
    """Write ``rows`` (starting at ``first_row``; None = empty cell, [] = a row Excel
    leaves out) as an Excel 2016 workbook: strings shared (with a phonetic guide on
    the first), Rich strings as runs, Styled values with their style."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(xml: str) -> int:
        if xml not in index:
            index[xml] = len(strings)
            strings.append(xml)
        return index[xml]

    body = []
    width = max((len(r) for r in rows), default=1)
    for offset, row in enumerate(rows):
        r = first_row + offset
        if not row:
            continue
        cells = []
        for c, value in enumerate(row, 1):
            style = 0
            if isinstance(value, Styled):
                value, style = value.value, value.style
            ref = f"{col(c)}{r}"
            s_attr = f' s="{style}"' if style else ""
            if value is None:
                if style:
                    cells.append(f'<c r="{ref}"{s_attr}/>')
                continue
            if isinstance(value, Rich):
                runs = "".join(f'<r><rPr><b/><sz val="11"/><rFont val="맑은 고딕"/></rPr>'
                               f'<t xml:space="preserve">{escape(p)}</t></r>' for p in value.parts)
                cells.append(f'<c r="{ref}"{s_attr} t="s"><v>{shared(runs)}</v></c>')
            elif isinstance(value, str):
                cells.append(f'<c r="{ref}"{s_attr} t="s"><v>{shared(f"<t>{escape(value)}</t>")}'
                             f'</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}"{s_attr} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="{style or STYLE_DATE}"><v>{serial(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{s_attr}><v>{value}</v></c>')
        body.append(f'<row r="{r}" spans="1:{width}" x14ac:dyDescent="0.3">{"".join(cells)}</row>')
    if strings:  # Excel keeps the reading of a name as a phonetic guide: not part of it
        strings[0] = strings[0] + '<rPh sb="0" eb="1"><t>ふりがな</t></rPh>'
    merge_xml = (f'<mergeCells count="{len(merges)}">'
                 + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
                 if merges else "")
    last = first_row + len(rows) - 1
    sheet_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" mc:Ignorable="x14ac xr" '
        f'xmlns:x14ac="{X14AC}" xmlns:xr="{XR}" xr:uid="{{00000000-0001-0000-0000-000000000000}}">'
        f'<dimension ref="A1:{col(width)}{last}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>'
        '</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="16.5" x14ac:dyDescent="0.3"/>'
        '<cols><col min="1" max="1" width="18.625" customWidth="1"/></cols>'
        f'<sheetData>{"".join(body)}</sheetData>{merge_xml}'
        '<phoneticPr fontId="1" type="noConversion"/>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape"/>'
        '</worksheet>')
    names = [sheet, *extra_sheets]
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" mc:Ignorable="x15 xr xr6 xr10 xr2" '
        'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
        '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        '<workbookPr defaultThemeVersion="166925"/>'
        '<bookViews><workbookView xWindow="-110" yWindow="-110" windowWidth="38620" '
        'windowHeight="21100"/></bookViews><sheets>'
        + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                  for i, n in enumerate(names, 1))
        + '</sheets><calcPr calcId="191029"/></workbook>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
            + f'<Relationship Id="rId90" Type="{REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId91" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>')
    styles = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="x14ac x16r2" '
        f'xmlns:x14ac="{X14AC}">'
        '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;년&quot; '
        'm&quot;월&quot; d&quot;일&quot;"/></numFmts>'
        '<fonts count="2" x14ac:knownFonts="1"><font><sz val="11"/><name val="맑은 고딕"/>'
        '<family val="2"/><charset val="129"/><scheme val="minor"/></font>'
        '<font><sz val="8"/><name val="맑은 고딕"/><family val="3"/><charset val="129"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="5">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="표준" xfId="0" builtinId="0"/>'
        '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si>{s}</si>" for s in strings) + "</sst>")
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, len(names) + 1))
        + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                 'Target="xl/workbook.xml"/></Relationships>')
    empty_sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/styles.xml", styles)
        zf.writestr("xl/sharedStrings.xml", sst)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for i in range(2, len(names) + 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", empty_sheet)
    return path


def ole2_file(path: Path, stream: str = "Workbook", size: int = 4096) -> Path:
    """A compound file (Office 97-2003) whose directory names ``stream``: what an .xls
    (``Workbook``), a .doc (``WordDocument``) or a password-protected .xlsx
    (``EncryptedPackage``) starts like — enough for a reader that looks at the format."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    directory = "Root Entry".encode("utf-16-le").ljust(128, b"\0")
    directory += stream.encode("utf-16-le").ljust(128, b"\0")
    data = header.ljust(512, b"\xff") + directory
    path.write_bytes(data.ljust(size, b"\0"))
    return path
