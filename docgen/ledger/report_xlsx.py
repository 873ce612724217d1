"""The receivables report as an .xlsx workbook an AE can send to finance.

Two sheets: every open invoice (dates and amounts as real dates and numbers, a filter
on the header, the header row frozen), and a summary — totals per currency, per client
and per AE across the aging buckets — with one bar chart of the buckets per currency
(amounts of different currencies never share an axis, as they are never added).

The package is written here, part by part (SpreadsheetML, DrawingML chart and drawing,
relationships, content types), because docgen must not depend on openpyxl at run time
and no other kept library writes charts; the parts follow ECMA-376 Transitional and the
tests validate them against its schemas. Same report, same locale → same bytes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional, Sequence, Union
from xml.sax.saxutils import escape, quoteattr

from ..i18n.locale import EAST_ASIAN_FONTS, DocLocale
from ..i18n.money import minor_digits
from ..messages import N_, tr
from ..render.package import make_member, write_package
from ..render.rowfit import is_wide
from .aging import BUCKETS, BucketTotals, Receivables
from .labels import bucket_labels, header, unnamed

_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CT = "application/vnd.openxmlformats-officedocument."
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Style indexes into cellXfs (see _styles).
_TEXT, _HEAD, _DATE, _MONEY0, _MONEY2, _TITLE, _INT, _BOLD_MONEY0, _BOLD_MONEY2, _BOLD = range(10)
_DATE_FORMAT_ID = 164

# Characters XML 1.0 forbids; dropped from text cells.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

Value = Union[str, int, Decimal, date, None]


@dataclass(frozen=True)
class Cell:
    value: Value
    style: int = _TEXT
    formula: Optional[str] = None


Row = Sequence[Cell]


def _text(value: str) -> str:
    return escape(_BAD_XML.sub("", value))


def _col(index: int) -> str:
    """Column letters of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text


def _cell_xml(ref: str, cell: Cell) -> str:
    value, style = cell.value, cell.style
    s = f' s="{style}"' if style else ""
    if cell.formula is not None:
        cached = _number(value) if isinstance(value, Decimal) else str(value or 0)
        return f'<c r="{ref}"{s}><f>{_text(cell.formula)}</f><v>{cached}</v></c>'
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, date):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        num = _number(value) if isinstance(value, Decimal) else str(value)
        return f'<c r="{ref}"{s}><v>{num}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>'


def _width(text: str) -> float:
    return sum(2.0 if is_wide(ch) else 1.0 for ch in text)


class _Sheet:
    """Rows of cells, column widths that fit them, and the sheet's extras."""

    def __init__(self, name: str) -> None:
        self.name = _SHEET_NAME_BAD.sub("_", name)[:31] or "Sheet"
        self.rows: list[Row] = []
        self.widths: dict[int, float] = {}
        self.freeze_rows = 0
        self.filter: Optional[str] = None
        self.drawing = False

    @property
    def next_row(self) -> int:
        """The 1-based number the next appended row gets."""
        return len(self.rows) + 1

    def append(self, cells: Row = ()) -> int:
        self.rows.append(list(cells))
        for i, cell in enumerate(cells):
            if isinstance(cell.value, str) and cell.style != _TITLE:
                self.widths[i] = max(self.widths.get(i, 0), _width(cell.value))
            elif isinstance(cell.value, (date, Decimal, int)):
                self.widths[i] = max(self.widths.get(i, 0), 12.0)
        return len(self.rows)

    def ref(self, name: str) -> str:
        """``name`` quoted for a formula or a chart reference."""
        return "'" + self.name.replace("'", "''") + "'"

    def xml(self) -> str:
        out = [_DECL, f'<worksheet xmlns="{_S}" xmlns:r="{_R}">']
        if self.freeze_rows:
            top = f"A{self.freeze_rows + 1}"
            out.append(f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{self.freeze_rows}"'
                       f' topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                       f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
                       '</sheetView></sheetViews>')
        else:
            out.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{min(w + 2.5, 60):.1f}"'
                           ' customWidth="1"/>' for i, w in sorted(self.widths.items()))
            out.append(f"<cols>{cols}</cols>")
        out.append("<sheetData>")
        for r, cells in enumerate(self.rows, start=1):
            body = "".join(_cell_xml(f"{_col(c)}{r}", cell) for c, cell in enumerate(cells))
            out.append(f'<row r="{r}">{body}</row>' if body else f'<row r="{r}"/>')
        out.append("</sheetData>")
        if self.filter:
            out.append(f'<autoFilter ref="{self.filter}"/>')
        out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
                   ' footer="0.3"/>')
        out.append('<pageSetup orientation="landscape" fitToHeight="0"/>')
        if self.drawing:
            out.append('<drawing r:id="rId1"/>')
        out.append("</worksheet>")
        return "".join(out)


@dataclass(frozen=True)
class _Chart:
    title: str
    categories: str  # a reference like 'Summary'!$B$4:$E$4
    values: str
    labels: list[str]
    amounts: list[Decimal]
    series_name: str
    digits: int


def _money_style(currency: str, bold: bool = False) -> int:
    if minor_digits(currency) == 0:
        return _BOLD_MONEY0 if bold else _MONEY0
    return _BOLD_MONEY2 if bold else _MONEY2


def _invoice_sheet(report: Receivables, locale: DocLocale) -> _Sheet:
    sheet = _Sheet(tr(locale, N_("Open invoices")))
    sheet.append([Cell(tr(locale, N_("Receivables as of {date}"), date=report.as_of.isoformat()),
                       _TITLE)])
    names = ("number", "job_number", "client", "ae", "currency", "issue_date", "due_date",
             "age_days", "past_due_days", "bucket", "total", "paid", "outstanding")
    head = sheet.append([Cell(header(locale, n), _HEAD) for n in names])
    sheet.freeze_rows = head
    buckets = bucket_labels(locale)
    none = unnamed(locale)
    for inv in report.invoices:
        money = _money_style(inv.currency)
        sheet.append([
            Cell(inv.number), Cell(inv.job_number or ""), Cell(inv.client), Cell(inv.ae or none),
            Cell(inv.currency), Cell(inv.issue_date, _DATE), Cell(inv.due_date, _DATE),
            Cell(inv.age_days, _INT), Cell(inv.past_due_days, _INT), Cell(buckets[inv.bucket]),
            Cell(inv.total, money), Cell(inv.paid, money), Cell(inv.outstanding, money),
        ])
    sheet.filter = f"A{head}:{_col(len(names) - 1)}{max(sheet.next_row - 1, head)}"
    return sheet


def _totals_block(sheet: _Sheet, locale: DocLocale, title: str, first: Optional[str],
                  groups: list[BucketTotals]) -> list[tuple[BucketTotals, int]]:
    """A titled table of bucket totals; returns each group with its row number."""
    sheet.append([Cell(title, _BOLD)])
    lead = [Cell(first, _HEAD)] if first else []
    sheet.append(lead + [Cell(header(locale, "currency"), _HEAD)]
                 + [Cell(b, _HEAD) for b in bucket_labels(locale)]
                 + [Cell(header(locale, "outstanding"), _HEAD), Cell(header(locale, "count"), _HEAD)])
    placed = []
    none = unnamed(locale)
    for group in groups:
        row = sheet.next_row
        money = _money_style(group.currency)
        start = len(lead) + 1
        first_col, last_col = _col(start), _col(start + len(BUCKETS) - 1)
        cells = ([Cell(group.label or none)] if first else []) + [Cell(group.currency)]
        cells += [Cell(amount, money) for amount in group.amounts]
        cells.append(Cell(group.total, _money_style(group.currency, bold=True),
                          formula=f"SUM({first_col}{row}:{last_col}{row})"))
        cells.append(Cell(group.count, _INT))
        sheet.append(cells)
        placed.append((group, row))
    sheet.append()
    return placed


def _summary_sheet(report: Receivables, locale: DocLocale) -> tuple[_Sheet, list[_Chart]]:
    sheet = _Sheet(tr(locale, N_("Summary")))
    sheet.append([Cell(tr(locale, N_("Receivables as of {date}"), date=report.as_of.isoformat()),
                       _TITLE)])
    sheet.append()
    header_row = sheet.next_row + 1  # the per-currency table's header, below its title
    placed = _totals_block(sheet, locale, tr(locale, N_("Totals per currency")), None,
                           report.by_currency)
    _totals_block(sheet, locale, tr(locale, N_("By client")), header(locale, "client"),
                  report.by_client)
    _totals_block(sheet, locale, tr(locale, N_("By AE")), header(locale, "ae"), report.by_ae)
    ref = sheet.ref(sheet.name)
    first, last = _col(1), _col(len(BUCKETS))
    charts = [
        _Chart(title=tr(locale, N_("Outstanding by age ({currency})"), currency=group.currency),
               categories=f"{ref}!${first}${header_row}:${last}${header_row}",
               values=f"{ref}!${first}${row}:${last}${row}",
               labels=bucket_labels(locale), amounts=list(group.amounts),
               series_name=group.currency, digits=minor_digits(group.currency))
        for group, row in placed
    ]
    sheet.drawing = bool(charts)
    return sheet, charts


def _chart_xml(chart: _Chart, font: Optional[str]) -> str:
    fmt = "#,##0" if chart.digits == 0 else "#,##0.00"
    cats = "".join(f'<c:pt idx="{i}"><c:v>{_text(label)}</c:v></c:pt>'
                   for i, label in enumerate(chart.labels))
    vals = "".join(f'<c:pt idx="{i}"><c:v>{_number(amount)}</c:v></c:pt>'
                   for i, amount in enumerate(chart.amounts))
    n = len(chart.labels)
    ea = f'<a:ea typeface={quoteattr(font)}/>' if font else ""
    return "".join([
        _DECL, f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">',
        '<c:roundedCorners val="0"/><c:chart>',
        f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr sz="1200" b="1">{ea}</a:defRPr>'
        f'</a:pPr><a:r><a:rPr lang="en-US" sz="1200" b="1">{ea}</a:rPr><a:t>{_text(chart.title)}</a:t>'
        '</a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>',
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>',
        '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>',
        '<c:ser><c:idx val="0"/><c:order val="0"/>',
        f'<c:tx><c:v>{_text(chart.series_name)}</c:v></c:tx>',
        '<c:spPr><a:solidFill><a:srgbClr val="4472C4"/></a:solidFill></c:spPr>',
        '<c:invertIfNegative val="0"/>',
        f'<c:cat><c:strRef><c:f>{_text(chart.categories)}</c:f><c:strCache><c:ptCount val="{n}"/>'
        f'{cats}</c:strCache></c:strRef></c:cat>',
        f'<c:val><c:numRef><c:f>{_text(chart.values)}</c:f><c:numCache><c:formatCode>{fmt}'
        f'</c:formatCode><c:ptCount val="{n}"/>{vals}</c:numCache></c:numRef></c:val>',
        '</c:ser><c:gapWidth val="80"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart>',
        '<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling>',
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>',
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>',
        f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900">{ea}</a:defRPr></a:pPr>'
        '<a:endParaRPr lang="en-US"/></a:p></c:txPr>',
        '<c:crossAx val="1002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>',
        '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>',
        '<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling>',
        '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>',
        f'<c:numFmt formatCode="{fmt}" sourceLinked="0"/><c:majorTickMark val="out"/>',
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="1001"/>',
        '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>',
        '</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>',
    ])


def _drawing_xml(count: int, first_col: int) -> str:
    """One anchor per chart, stacked down from column ``first_col``, 16 rows each."""
    anchors = []
    for i in range(count):
        top = 2 + i * 17
        anchors.append(
            f'<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>{first_col}</xdr:col>'
            f'<xdr:colOff>0</xdr:colOff><xdr:row>{top}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:to><xdr:col>{first_col + 8}</xdr:col><xdr:colOff>0</xdr:colOff>'
            f'<xdr:row>{top + 16}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 2}"'
            f' name="Chart {i + 1}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{_C}"><c:chart r:id="rId{i + 1}"/></a:graphicData>'
            '</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>')
    return (f'{_DECL}<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}" xmlns:c="{_C}" xmlns:r="{_R}">'
            + "".join(anchors) + "</xdr:wsDr>")


def _rels(targets: list[tuple[str, str]]) -> str:
    body = "".join(f'<Relationship Id="rId{i}" Type="{_REL}{kind}" Target="{target}"/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return f'{_DECL}<Relationships xmlns="{_PR}">{body}</Relationships>'


def _styles(font: str) -> str:
    fonts = (f'<font><sz val="11"/><name val={quoteattr(font)}/></font>'
             f'<font><b/><sz val="11"/><name val={quoteattr(font)}/></font>'
             f'<font><b/><sz val="14"/><name val={quoteattr(font)}/></font>')
    xfs = [  # (numFmtId, fontId, fillId, borderId), in the order of the _TEXT… constants
        (0, 0, 0, 0), (0, 1, 2, 1), (_DATE_FORMAT_ID, 0, 0, 0), (3, 0, 0, 0), (4, 0, 0, 0),
        (0, 2, 0, 0), (1, 0, 0, 0), (3, 1, 0, 0), (4, 1, 0, 0), (0, 1, 0, 0),
    ]
    cell_xfs = "".join(
        f'<xf numFmtId="{n}" fontId="{f}" fillId="{fi}" borderId="{b}" xfId="0"'
        + (' applyNumberFormat="1"' if n else "") + (' applyFont="1"' if f else "")
        + (' applyFill="1"' if fi else "") + (' applyBorder="1"' if b else "") + "/>"
        for n, f, fi, b in xfs)
    return (f'{_DECL}<styleSheet xmlns="{_S}">'
            f'<numFmts count="1"><numFmt numFmtId="{_DATE_FORMAT_ID}" formatCode="yyyy\\-mm\\-dd"/>'
            f'</numFmts><fonts count="3">{fonts}</fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/>'
            '<bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom>'
            '<diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(xfs)}">{cell_xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def write_receivables_xlsx(report: Receivables, locale: DocLocale) -> bytes:
    """The workbook's bytes (deterministic: fixed zip timestamps, fixed part order)."""
    font = EAST_ASIAN_FONTS.get(locale.primary) or "Calibri"
    invoices = _invoice_sheet(report, locale)
    summary, charts = _summary_sheet(report, locale)
    sheets = [invoices, summary]
    parts: list[tuple[str, str]] = []
    overrides = [("/xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
                 ("/xl/styles.xml", "spreadsheetml.styles+xml"),
                 ("/docProps/app.xml", "extended-properties+xml")]
    for i, sheet in enumerate(sheets, start=1):
        parts.append((f"xl/worksheets/sheet{i}.xml", sheet.xml()))
        overrides.append((f"/xl/worksheets/sheet{i}.xml", "spreadsheetml.worksheet+xml"))
    if charts:
        parts.append(("xl/worksheets/_rels/sheet2.xml.rels",
                      _rels([("drawing", "../drawings/drawing1.xml")])))
        parts.append(("xl/drawings/drawing1.xml", _drawing_xml(len(charts), 8)))
        overrides.append(("/xl/drawings/drawing1.xml", "drawing+xml"))
        parts.append(("xl/drawings/_rels/drawing1.xml.rels",
                      _rels([("chart", f"../charts/chart{i}.xml")
                             for i in range(1, len(charts) + 1)])))
        for i, chart in enumerate(charts, start=1):
            parts.append((f"xl/charts/chart{i}.xml", _chart_xml(chart, font)))
            overrides.append((f"/xl/charts/chart{i}.xml", "drawingml.chart+xml"))
    sheet_entries = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
                            for i, s in enumerate(sheets, start=1))
    defined = ""
    if invoices.filter:
        col_ref = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", invoices.filter)
        defined = ('<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0"'
                   f' hidden="1">{_text(invoices.ref(invoices.name))}!{col_ref}</definedName>'
                   '</definedNames>')
    workbook = (f'{_DECL}<workbook xmlns="{_S}" xmlns:r="{_R}"><bookViews><workbookView/>'
                f'</bookViews><sheets>{sheet_entries}</sheets>{defined}<calcPr calcId="191029"'
                ' fullCalcOnLoad="1"/></workbook>')
    workbook_rels = _rels([("worksheet", f"worksheets/sheet{i}.xml")
                           for i in range(1, len(sheets) + 1)] + [("styles", "styles.xml")])
    content_types = (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{_CT}{ctype}"/>'
                  for name, ctype in overrides)
        + "</Types>")
    app = (f'{_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           'extended-properties"><Application>docgen</Application></Properties>')
    root_rels = _rels([("officeDocument", "xl/workbook.xml")]).replace(
        "</Relationships>",
        f'<Relationship Id="rId2" Type="{_REL}extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>")
    members = [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels),
               ("docProps/app.xml", app), ("xl/workbook.xml", workbook),
               ("xl/_rels/workbook.xml.rels", workbook_rels), ("xl/styles.xml", _styles(font))]
    members += parts
    return write_package(make_member(name, text.encode("utf-8")) for name, text in members)
