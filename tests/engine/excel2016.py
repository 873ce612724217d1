"""Workbooks written the way Excel 2016+ writes them, for the engine's tests.

openpyxl writes a plain dialect; a template an AE saves from Excel carries far more:
``mc:Ignorable`` with x14ac/xr/xr2/xr3, ``x14ac:dyDescent`` on every row, ``xr:uid``
GUIDs, row ``spans``, an ``extLst`` with x14 conditional formats and validations,
``mc:AlternateContent`` (form controls, the workbook's absPath), a theme, styles with
dxfs, a table part, defined names and a calcChain. :func:`parts` gives those parts as
text (the layout of a file saved by Excel for Microsoft 365, CRLF after the XML
declaration included), so a test can change one part; :func:`package` zips them.

The sheet ``Invoice`` (the template tags are in shared strings):

1. ``Invoice for {{ client }}`` in A1, merged A1:D1, rich text with the tag split
   across two runs;
2. ``Date`` | ``{{ issued }}`` (a date format);
3. ``Item`` | ``Qty`` | ``Price`` | ``Amount``: the header of table ``Items`` (A3:D4);
4. ``{%tr for it in items %}{{ it.name }}`` | ``{{ it.qty }}`` | ``{{ it.price }}`` |
   ``=B4*C4`` | ``{{ loop.index }}{%tr endfor %}``, a taller row;
5. C5 ``Total``, D5 ``=SUM(D4:D4)``;
6. ``Note: {{ note }}``;
7. ``42`` | ``Signature`` (merged B7:D7), a row with a style.

Conditional formats: D4 > 1000 (dxf 0), a data bar on B4 with its x14 twin in the
extLst; an x14 list validation on E4 from ``Lists!$A$1:$A$3``. Defined names: the
print area and ``Prices`` (C4). The sheet ``Lists`` holds three statuses and a form
check box (VML + ctrlProp + ``mc:AlternateContent`` controls).
"""
from __future__ import annotations

import io
import zipfile

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
XR2 = "http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"
XR3 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision3"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
DATABAR_ID = "{5B3A5E38-7E0C-4C5A-9E0B-3E7C0A1F2D11}"

SHEET_ROOT = (
    f'<worksheet xmlns="{MAIN}" xmlns:r="{R}" xmlns:mc="{MC}" '
    'mc:Ignorable="x14ac xr xr2 xr3" '
    f'xmlns:x14ac="{X14AC}" xmlns:xr="{XR}" xmlns:xr2="{XR2}" xmlns:xr3="{XR3}" ')

STRINGS = [
    # 0: rich text, the tag split across two runs with different fonts (as Excel keeps
    # a partly bold title)
    '<si><r><rPr><b/><sz val="14"/><color theme="1"/><rFont val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></rPr><t xml:space="preserve">Invoice for {{ cli</t></r>'
    '<r><rPr><sz val="14"/><color theme="1"/><rFont val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></rPr><t>ent }}</t></r></si>',
    "<si><t>Date</t></si>",
    "<si><t>{{ issued }}</t></si>",
    "<si><t>Item</t></si>", "<si><t>Qty</t></si>", "<si><t>Price</t></si>",
    "<si><t>Amount</t></si>",
    "<si><t>{%tr for it in items %}{{ it.name }}</t></si>",  # 7
    "<si><t>{{ it.qty }}</t></si>", "<si><t>{{ it.price }}</t></si>",
    "<si><t>{{ loop.index }}{%tr endfor %}</t></si>",  # 10
    "<si><t>Total</t></si>",
    '<si><t xml:space="preserve">Note: {{ note }}</t></si>',  # 12
    "<si><t>Signature</t></si>",
    "<si><t>Draft</t></si>", "<si><t>Sent</t></si>", "<si><t>Paid</t></si>",  # 14-16
]


def _row(n: int, cells: str, extra: str = "") -> str:
    return f'<row r="{n}" spans="1:5"{extra} x14ac:dyDescent="0.25">{cells}</row>'


def _s(ref: str, index: int, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="s"><v>{index}</v></c>'


def sheet1() -> str:
    rows = "".join([
        _row(1, _s("A1", 0, 3) + '<c r="B1" s="3"/><c r="C1" s="3"/><c r="D1" s="3"/>',
             ' ht="18.75"'),
        _row(2, _s("A2", 1) + _s("B2", 2, 1)),
        _row(3, _s("A3", 3) + _s("B3", 4) + _s("C3", 5) + _s("D3", 6)),
        _row(4, _s("A4", 7) + _s("B4", 8) + _s("C4", 9, 2)
             + '<c r="D4" s="2"><f>B4*C4</f><v>0</v></c>' + _s("E4", 10),
             ' ht="20.25" customHeight="1"'),
        _row(5, _s("C5", 11, 3) + '<c r="D5" s="2"><f>SUM(D4:D4)</f><v>0</v></c>'),
        _row(6, _s("A6", 12)),
        _row(7, '<c r="A7"><v>42</v></c>' + _s("B7", 13) + '<c r="C7" s="3"/>',
             ' s="3" customFormat="1"'),
    ])
    return DECL + SHEET_ROOT + 'xr:uid="{8C1D6C02-4B2C-4E6E-9D1B-2E8A6C1B7F01}">' + (
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:E7"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
        '<cols><col min="1" max="1" width="24.7109375" customWidth="1"/>'
        '<col min="3" max="4" width="12.7109375" customWidth="1"/></cols>'
        f"<sheetData>{rows}</sheetData>"
        '<mergeCells count="2"><mergeCell ref="A1:D1"/><mergeCell ref="B7:D7"/></mergeCells>'
        '<conditionalFormatting sqref="D4"><cfRule type="cellIs" dxfId="0" priority="2" '
        'operator="greaterThan"><formula>1000</formula></cfRule></conditionalFormatting>'
        '<conditionalFormatting sqref="B4"><cfRule type="dataBar" priority="1"><dataBar>'
        '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
        f'<ext uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}" xmlns:x14="{X14}">'
        f"<x14:id>{DATABAR_ID}</x14:id></ext></extLst></cfRule></conditionalFormatting>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/><pageSetup paperSize="9" fitToHeight="0" orientation="portrait"/>'
        '<tableParts count="1"><tablePart r:id="rId1"/></tableParts><extLst>'
        f'<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}">'
        f'<x14:cfRule type="dataBar" id="{DATABAR_ID}"><x14:dataBar minLength="0" '
        'maxLength="100" gradient="0"><x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
        '<x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
        "</x14:dataBar></x14:cfRule><xm:sqref>B4</xm:sqref></x14:conditionalFormatting>"
        "</x14:conditionalFormattings></ext>"
        f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
        f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
        'allowBlank="1" showInputMessage="1" showErrorMessage="1" '
        'xr:uid="{1F0B8A3C-5D2E-4C7B-8E9A-6B1C2D3E4F50}"><x14:formula1>'
        "<xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>E4</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>")


def sheet2() -> str:
    """Statuses and a form check box: Excel's controls sit in mc:AlternateContent."""
    rows = "".join(_row(n, _s(f"A{n}", 13 + n)).replace('spans="1:5"', 'spans="1:1"')
                   for n in (1, 2, 3))
    anchor = ("<from><xdr:col>2</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>"
              "<xdr:rowOff>0</xdr:rowOff></from><to><xdr:col>3</xdr:col><xdr:colOff>304800"
              "</xdr:colOff><xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></to>")
    return DECL + SHEET_ROOT.replace("<worksheet ", f'<worksheet xmlns:xdr="{XDR}" '
                                     f'xmlns:x14="{X14}" ') + (
        'xr:uid="{2D4E6F80-1A3B-4C5D-8E7F-9A0B1C2D3E4F}"><dimension ref="A1:A3"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
        f"<sheetData>{rows}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/><legacyDrawing r:id="rId1"/>'
        '<mc:AlternateContent xmlns:mc="' + MC + '"><mc:Choice Requires="x14"><controls>'
        '<mc:AlternateContent xmlns:mc="' + MC + '"><mc:Choice Requires="x14">'
        '<control shapeId="1025" r:id="rId2" name="Check Box 1"><controlPr defaultSize="0" '
        f'autoFill="0" autoLine="0" autoPict="0"><anchor moveWithCells="1">{anchor}</anchor>'
        "</controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice>"
        "</mc:AlternateContent></worksheet>")


VML = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
    'office" xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n <o:shapelayout v:ext="edit">'
    '\r\n  <o:idmap v:ext="edit" data="1"/>\r\n </o:shapelayout><v:shapetype id="_x0000_t201" '
    'coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">\r\n  <v:stroke '
    'joinstyle="miter"/>\r\n  <v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
    'o:connecttype="rect"/>\r\n  <o:lock v:ext="edit" shapetype="t"/>\r\n </v:shapetype><v:shape '
    'id="_x0000_s1025" type="#_x0000_t201" style="position:absolute;margin-left:96pt;'
    'margin-top:15pt;width:72pt;height:15pt;z-index:1" filled="f" stroked="f" o:insetmode="auto">'
    '\r\n  <v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:'
    'left"><font face="Calibri" size="220" color="#000000">Sent</font></div></v:textbox>\r\n  '
    '<x:ClientData ObjectType="Checkbox"><x:Anchor>2, 0, 1, 0, 3, 20, 2, 0</x:Anchor>'
    "<x:AutoFill>False</x:AutoFill><x:AutoLine>False</x:AutoLine><x:TextVAlign>Center"
    "</x:TextVAlign><x:NoThreeD/></x:ClientData>\r\n </v:shape></xml>")


def _theme() -> str:
    colors = "".join(f"<a:{n}><a:srgbClr val=\"{v}\"/></a:{n}>" for n, v in (
        ("accent1", "4472C4"), ("accent2", "ED7D31"), ("accent3", "A5A5A5"),
        ("accent4", "FFC000"), ("accent5", "5B9BD5"), ("accent6", "70AD47"),
        ("hlink", "0563C1"), ("folHlink", "954F72")))
    fonts = "".join(
        f'<a:{kind}Font><a:latin typeface="{face}" panose="020F0302020204030204"/>'
        f'<a:ea typeface=""/><a:cs typeface=""/><a:font script="Hang" typeface="맑은 고딕"/>'
        f'<a:font script="Hans" typeface="等线"/></a:{kind}Font>'
        for kind, face in (("major", "Calibri Light"), ("minor", "Calibri")))
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    lines = "".join(f'<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr">{fill}'
                    '<a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>'
                    for w in (6350, 12700, 19050))
    return DECL + (
        f'<a:theme xmlns:a="{A}" name="Office Theme"><a:themeElements>'
        '<a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
        '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1><a:dk2><a:srgbClr '
        'val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2>'
        f"{colors}</a:clrScheme><a:fontScheme name=\"Office\">{fonts}</a:fontScheme>"
        f'<a:fmtScheme name="Office"><a:fillStyleLst>{fill * 3}</a:fillStyleLst>'
        f"<a:lnStyleLst>{lines}</a:lnStyleLst><a:effectStyleLst>"
        + "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3
        + f"</a:effectStyleLst><a:bgFillStyleLst>{fill * 3}</a:bgFillStyleLst></a:fmtScheme>"
        '</a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/><a:extLst><a:ext '
        'uri="{05A4C25C-085E-4340-85A3-A5531E510DB2}"><thm15:themeFamily xmlns:thm15="http://'
        'schemas.microsoft.com/office/thememl/2012/main" name="Office Theme" '
        'id="{62F939B6-93AF-4DB8-9C6B-D6C7DFDC589F}" vid="{4A3C46E8-61CC-4603-A589-7422A47A8E4A}"/>'
        "</a:ext></a:extLst></a:theme>")


STYLES = DECL + (
    f'<styleSheet xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="x14ac x16r2 xr" '
    f'xmlns:x14ac="{X14AC}" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/'
    f'2015/02/main" xmlns:xr="{XR}">'
    '<fonts count="2" x14ac:knownFonts="1"><font><sz val="11"/><color theme="1"/>'
    '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font><font><b/>'
    '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill '
    'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
    'applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles><dxfs count="1"><dxf><font><color rgb="FF9C0006"/></font>'
    '<fill><patternFill><bgColor rgb="FFFFC7CE"/></patternFill></fill></dxf></dxfs>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
    'defaultPivotStyle="PivotStyleLight16"/><extLst>'
    f'<ext uri="{{EB79DEF2-80B8-43e5-95BD-54CBDDF9020C}}" xmlns:x14="{X14}">'
    '<x14:slicerStyles defaultSlicerStyle="SlicerStyleLight1"/></ext>'
    '<ext uri="{9260A510-F301-46a8-8635-F512D64BE5F5}" xmlns:x15="http://schemas.microsoft.com/'
    'office/spreadsheetml/2010/11/main"><x15:timelineStyles '
    'defaultTimelineStyle="TimeSlicerStyleLight1"/></ext></extLst></styleSheet>')

WORKBOOK = DECL + (
    f'<workbook xmlns="{MAIN}" xmlns:r="{R}" xmlns:mc="{MC}" mc:Ignorable="x15 xr xr6 xr10 xr2" '
    'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
    f'xmlns:xr="{XR}" xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/'
    'revision6" xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10" '
    f'xmlns:xr2="{XR2}"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" '
    'rupBuild="27425"/><workbookPr defaultThemeVersion="166925"/>'
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x15"><x15ac:absPath '
    'url="C:\\Users\\ae\\Documents\\" xmlns:x15ac="http://schemas.microsoft.com/office/'
    'spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent>'
    '<xr:revisionPtr revIDLastSave="0" documentId="13_ncr:1_{6E0C4B7A-2F1D-4E8B-9C3A-'
    '5D7E8F9A0B1C}" xr6:coauthVersionLast="47" xr6:coauthVersionMax="47" '
    'xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/><bookViews><workbookView '
    'xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight="15840" '
    'xr2:uid="{A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D}"/></bookViews><sheets>'
    '<sheet name="Invoice" sheetId="1" r:id="rId1"/><sheet name="Lists" sheetId="2" '
    'r:id="rId2"/></sheets><definedNames><definedName name="_xlnm.Print_Area" '
    'localSheetId="0">Invoice!$A$1:$E$7</definedName><definedName name="Prices">'
    'Invoice!$C$4</definedName></definedNames><calcPr calcId="191029"/><extLst>'
    '<ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" xmlns:x15="http://schemas.microsoft.'
    'com/office/spreadsheetml/2010/11/main"><x15:workbookPr chartTrackingRefBase="1"/></ext>'
    '<ext uri="{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}" xmlns:xcalcf="http://schemas.microsoft.'
    'com/office/spreadsheetml/2018/calcfeatures"><xcalcf:calcFeatures><xcalcf:feature '
    'name="microsoft.com:RD"/><xcalcf:feature name="microsoft.com:LET_WF"/></xcalcf:'
    "calcFeatures></ext></extLst></workbook>")

TABLE = DECL + (
    f'<table xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="xr xr3" xmlns:xr="{XR}" '
    f'xmlns:xr3="{XR3}" id="1" xr:uid="{{3C5E7A91-2B4D-4F6A-8C0E-1D3F5A7B9C02}}" name="Items" '
    'displayName="Items" ref="A3:D4" totalsRowShown="0"><autoFilter ref="A3:D4" '
    'xr:uid="{4D6F8B02-3C5E-4A7B-9D1F-2E4A6B8C0D13}"/><tableColumns count="4">'
    + "".join(f'<tableColumn id="{i}" xr3:uid="{{5E7A9C1{i}-4D6F-4B8C-AE2A-3F5B7C9D1E24}}" '
              f'name="{n}"/>' for i, n in enumerate(("Item", "Qty", "Price", "Amount"), 1))
    + '</tableColumns><tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" '
    'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>')


def _rels(*rels: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{x}"/>' for i, t, x in rels)
    return DECL + f'<Relationships xmlns="{PKG_R}">{body}</Relationships>'


OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument."


def parts() -> dict[str, str]:
    """Every part of the workbook by name, in the order Excel zips them."""
    sst = (f'<sst xmlns="{MAIN}" count="{len(STRINGS)}" uniqueCount="{len(STRINGS)}">'
           + "".join(STRINGS) + "</sst>")
    overrides = [
        ("/xl/workbook.xml", CT + "spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", CT + "spreadsheetml.worksheet+xml"),
        ("/xl/worksheets/sheet2.xml", CT + "spreadsheetml.worksheet+xml"),
        ("/xl/theme/theme1.xml", CT + "theme+xml"),
        ("/xl/styles.xml", CT + "spreadsheetml.styles+xml"),
        ("/xl/sharedStrings.xml", CT + "spreadsheetml.sharedStrings+xml"),
        ("/xl/tables/table1.xml", CT + "spreadsheetml.table+xml"),
        ("/xl/calcChain.xml", CT + "spreadsheetml.calcChain+xml"),
        ("/xl/ctrlProps/ctrlProp1.xml", "application/vnd.ms-excel.controlproperties+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml", CT + "extended-properties+xml"),
    ]
    content_types = DECL + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="vml" ContentType="{CT}vmlDrawing"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
        + "</Types>")
    core = DECL + (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://'
        'purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://'
        'www.w3.org/2001/XMLSchema-instance"><dc:creator>김지은</dc:creator><cp:lastModifiedBy>'
        '김지은</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-02T01:'
        '12:40Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-20T08:03:'
        "11Z</dcterms:modified></cp:coreProperties>")
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    app = DECL + (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        f'properties" xmlns:vt="{vt}"><Application>Microsoft Excel</Application><DocSecurity>'
        "0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size=\"4\" "
        'baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
        '<vt:variant><vt:i4>2</vt:i4></vt:variant><vt:variant><vt:lpstr>Named Ranges</vt:lpstr>'
        '</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>'
        '<TitlesOfParts><vt:vector size="3" baseType="lpstr"><vt:lpstr>Invoice</vt:lpstr>'
        "<vt:lpstr>Lists</vt:lpstr><vt:lpstr>Invoice!Print_Area</vt:lpstr></vt:vector>"
        "</TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>"
        "false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300"
        "</AppVersion></Properties>")
    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": _rels(
            ("rId3", OD + "extended-properties", "docProps/app.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                     "core-properties", "docProps/core.xml"),
            ("rId1", OD + "officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": _rels(
            ("rId3", OD + "theme", "theme/theme1.xml"),
            ("rId2", OD + "worksheet", "worksheets/sheet2.xml"),
            ("rId1", OD + "worksheet", "worksheets/sheet1.xml"),
            ("rId6", OD + "calcChain", "calcChain.xml"),
            ("rId5", OD + "sharedStrings", "sharedStrings.xml"),
            ("rId4", OD + "styles", "styles.xml")),
        "xl/worksheets/sheet1.xml": sheet1(),
        "xl/worksheets/sheet2.xml": sheet2(),
        "xl/theme/theme1.xml": _theme(),
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": DECL + sst,
        "xl/worksheets/_rels/sheet1.xml.rels": _rels(
            ("rId1", OD + "table", "../tables/table1.xml")),
        "xl/worksheets/_rels/sheet2.xml.rels": _rels(
            ("rId2", OD + "ctrlProp", "../ctrlProps/ctrlProp1.xml"),
            ("rId1", OD + "vmlDrawing", "../drawings/vmlDrawing1.vml")),
        "xl/tables/table1.xml": TABLE,
        "xl/drawings/vmlDrawing1.vml": VML,
        "xl/ctrlProps/ctrlProp1.xml": DECL + (
            f'<formControlPr xmlns="{X14}" objectType="CheckBox" checked="Checked" '
            'lockText="1" noThreeD="1"/>'),
        "xl/calcChain.xml": DECL + f'<calcChain xmlns="{MAIN}"><c r="D4" i="1"/><c r="D5"/>'
                                   "</calcChain>",
        "docProps/core.xml": core,
        "docProps/app.xml": app,
    }


def package(members: dict[str, str]) -> bytes:
    """Zip ``members`` (name -> XML text) as an .xlsx, deflated like Excel's."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def workbook() -> bytes:
    """The whole Excel 2016 invoice template as .xlsx bytes."""
    return package(parts())
