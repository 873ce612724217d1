"""Shared building blocks for the built-in Word templates (``tools/build_<kind>.py``).

Every builder writes one ``templates/<kind>/<kind>.docx`` with python-docx; this module
holds what they share: the page, the styles, tables and cells, the letterhead, the
running header, the footer with "Page X of Y", signature boxes, and a deterministic
save. The builders are scaffolding: the committed .docx files are the source of truth,
edited in Word or LibreOffice (running a builder overwrites such edits; compare with
``tools/dump_template.py``).

What must stay true for every template built with it:
- Every Jinja tag is written as one whole run, so the template is clean for any
  docxtpl-compatible engine.
- Latin fonts only (Arial). No ``w:eastAsia`` font and no ``w:lang``: the engine sets
  the East Asian font and the language per locale at render time (DOMAIN.md §6).
- Labels come from ``_()`` (gettext domain ``labels``); values only from the kind's
  fields and ``company`` (the agency profile, whose values may all be ``None``).
- Same script, same bytes: fixed core properties and zip timestamps, sorted members.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence, Tuple, Union
from weakref import WeakKeyDictionary

import docx
from docx.blkcntnr import BlockItemContainer
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.opc.part import Part
from docx.section import _Footer
from docx.shared import Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from stable_zip import normalize_zip  # tools/ is on sys.path: builders put it there

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

FONT = "Arial"
ACCENT = "1F3A5F"        # headings, title-block rule, letterhead
TEXT_GREY = "595959"     # secondary text: meta labels, header, footer
MARK_GREY = "8C8C8C"     # signature marks, placeholders
HEAD_FILL = "DCE4EE"     # table header rows
LABEL_FILL = "F2F4F7"    # label cells, clause box
TOTAL_FILL = "E8EEF5"    # grand-total rows
RULE = "A9B4C2"          # table lines
GREEN, BLUE, RED, AMBER = "2E7D32", "1F5FA8", "C62828", "9A6700"   # status colours

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = Mm(20), Mm(22), Mm(20)
BODY_W = Length(PAGE_W - 2 * MARGIN_X)  # 170 mm
FIELD_TAB = Mm(34)                      # label column of label/value lines
LIST_INDENT = Mm(7)
SIGN_HEIGHT = Mm(16)                    # room to sign or stamp in a signature box

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT

# Reused template expressions.
# Dates in narrow table columns: Chinese long dates (2026年12月18日) would wrap.
TABLE_DATE = 'date("short" if locale[:2] == "zh" else "medium")'

LIST_SEP = '"、" if locale[:2] == "zh" else ", "'   # enumeration comma
DASH = "—"                                       # an unknown value in a form cell
# "Page {page} of {pages}": the text around the placeholders comes from the catalog,
# the numbers from PAGE / NUMPAGES fields. A bilingual "A / B" label would repeat the
# placeholders, so bilingual documents use the neutral "1 / 3".
PAGE_SPLIT = ('{% set pg = "{page} / {pages}" if "+" in locale else _("Page {page} of {pages}") %}'
              '{% set pa = pg.partition("{page}") %}{% set pb = pa[2].partition("{pages}") %}')
# The letterhead shows when the profile names the agency or has a logo.
HAS_LETTERHEAD = "company.name or company.legal_name or company.logo"

# A run: plain text, or (text, fmt[, colour[, size pt]]) with "b" in fmt for bold.
RunSpec = Union[str, Tuple[str, str], Tuple[str, str, Optional[str]],
                Tuple[str, str, Optional[str], Optional[float]]]
# A value cell: one run or a list of runs.
Value = Union[RunSpec, "list[RunSpec]"]
# Where paragraphs and tables go: the document body, a cell, a header or a footer.
Where = Union[Document, BlockItemContainer]
# A line of a border: (size in 1/8 pt, colour).
Line = Tuple[int, str]

# w:pPr children that follow w:autoSpaceDE, in schema order (insertion points).
P_PR_AFTER_AUTOSPACE = (
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange")
P_PR_AFTER_BDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                  "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE") + P_PR_AFTER_AUTOSPACE
R_PR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                      "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
                      "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def label(msgid: str) -> str:
    """The tag printing a catalog label."""
    return f'{{{{ _("{msgid}") }}}}'


def label_or_tag(text: str) -> str:
    """A catalog msgid as a label tag; a text that already is a tag as it is."""
    return text if text.startswith("{") else label(text)


def stacked_label(msgid: str) -> str:
    """A label for a narrow cell: a bilingual "A / B" goes on two lines (A over B)
    instead of wrapping anywhere, e.g. in the middle of "（签字／盖章）"."""
    return f'{{{{ _("{msgid}")|replace(" / ", "\\n") }}}}'


def primary_label(msgid: str) -> str:
    """An expression giving a label in the primary language only (a bilingual
    document's labels are "A / B"; the letterhead's values are in one language)."""
    return f'_("{msgid}").split(" / ")|first'


# ---------------------------------------------------------------- XML helpers

def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    el = OxmlElement(tag)
    for key, val in attrs.items():
        el.set(qn(f"w:{key}"), val)
    return el


def border_set(parent_tag: str, **sides: Optional[Line]) -> BaseOxmlElement:
    """``sides``: name -> (size in 1/8 pt, colour) or None for no line."""
    box = OxmlElement(parent_tag)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if side not in sides:
            continue
        spec = sides[side]
        if spec is None:
            box.append(_el(f"w:{side}", val="nil"))
        else:
            size, color = spec
            box.append(_el(f"w:{side}", val="single", sz=str(size), space="0", color=color))
    return box


def shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.insert_element_before(_el("w:shd", val="clear", color="auto", fill=fill),
                                "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                                "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
                                "w:cellDel", "w:cellMerge", "w:tcPrChange")




def para_border(style: ParagraphStyle, **sides: Tuple[int, str, int]) -> None:
    """Paragraph border; ``sides``: name -> (size 1/8 pt, colour, space pt)."""
    p_pr = style.element.get_or_add_pPr()
    box = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            size, color, space = sides[side]
            box.append(_el(f"w:{side}", val="single", sz=str(size), space=str(space), color=color))
    p_pr.insert_element_before(box, *P_PR_AFTER_BDR)


def para_shading(style: ParagraphStyle, fill: str) -> None:
    p_pr = style.element.get_or_add_pPr()
    p_pr.insert_element_before(_el("w:shd", val="clear", color="auto", fill=fill),
                               *P_PR_AFTER_BDR[1:])


def table_look(table: Table, borders: BaseOxmlElement, cell_margins: Sequence[int]) -> None:
    """Add borders and cell margins (twips: top, left, bottom, right) in schema order."""
    tbl_pr = table._tbl.tblPr
    # Word 2010 layout (the template's compatibility mode) and LibreOffice put a
    # table's edge one cell margin left of the text margin; indent it back so lines
    # and text align with the page margin.
    tbl_pr.insert_element_before(_el("w:tblInd", w=str(cell_margins[1]), type="dxa"),
                                 "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
                                 "w:tblLook", "w:tblCaption", "w:tblDescription")
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar",
                                 "w:tblLook", "w:tblCaption", "w:tblDescription")
    mar = OxmlElement("w:tblCellMar")
    for side, val in zip(("top", "left", "bottom", "right"), cell_margins):
        mar.append(_el(f"w:{side}", w=str(val), type="dxa"))
    tbl_pr.insert_element_before(mar, "w:tblLook", "w:tblCaption", "w:tblDescription")


def set_table_width(table: Table, widths: Sequence[int]) -> None:
    """Fixed layout; widths on tblW, gridCol and every cell (Word reads tcW, LibreOffice gridCol)."""
    lengths = [Length(int(w)) for w in widths]   # Length arithmetic gives plain ints
    table.autofit = False
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in lengths)))
    tbl_w.set(qn("w:type"), "dxa")
    for col, width in zip(table.columns, lengths):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, lengths):
            cell.width = width


def preserve_spaces(root: BaseOxmlElement) -> None:
    """Mark every w:t as space-preserving: rendered values may start or end with spaces."""
    for t in root.iter(qn("w:t")):
        t.set(qn("xml:space"), "preserve")


# ---------------------------------------------------------------- styles

def _pstyle(doc: Document, name: str, size: float, *, bold: bool = False,
            color: Optional[str] = None, before: float = 0, after: float = 0,
            base: str = "Normal", align: Optional[WD_ALIGN_PARAGRAPH] = None) -> ParagraphStyle:
    styles = doc.styles
    st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(st, ParagraphStyle)
    st.base_style = styles[base]
    st.quick_style = True
    st.font.size = Pt(size)
    if bold:
        st.font.bold = True
    if color:
        st.font.color.rgb = RGBColor.from_string(color)
    st.paragraph_format.space_before = Pt(before)
    st.paragraph_format.space_after = Pt(after)
    if align is not None:
        st.paragraph_format.alignment = align
    return st


def define_styles(doc: Document) -> None:
    """The paragraph styles every template uses (names are what users see in Word)."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    pf.line_spacing = 1.15
    # No automatic gap between CJK and Latin/digits: dates such as 2026년 / 2026年 stay tight.
    p_pr = normal.element.get_or_add_pPr()
    p_pr.insert_element_before(_el("w:autoSpaceDE", val="0"), *P_PR_AFTER_AUTOSPACE)
    p_pr.insert_element_before(_el("w:autoSpaceDN", val="0"), *P_PR_AFTER_AUTOSPACE[1:])

    kind = _pstyle(doc, "Doc Kind", 9, bold=True, color=ACCENT, after=2)
    kind.element.get_or_add_rPr().insert_element_before(_el("w:spacing", val="20"),
                                                        *R_PR_AFTER_SPACING)
    title = _pstyle(doc, "Doc Title", 16, bold=True, color="1A1A1A", after=10)
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.line_spacing = 1.0

    _pstyle(doc, "Meta Label", 8, color=TEXT_GREY)
    _pstyle(doc, "Meta Value", 10, bold=True)
    _pstyle(doc, "Meta Value Large", 13, bold=True, color=ACCENT)

    heading = _pstyle(doc, "Section Heading", 11, bold=True, color=ACCENT, before=14, after=5)
    heading.paragraph_format.keep_with_next = True
    para_border(heading, left=(24, ACCENT, 6))
    heading.paragraph_format.left_indent = Mm(2.5)
    heading.element.get_or_add_pPr().append(_el("w:outlineLvl", val="0"))

    _pstyle(doc, "Table Label", 9, bold=True, color="333333")
    _pstyle(doc, "Table Cell", 9.5)
    _pstyle(doc, "Table Note", 8, color=TEXT_GREY)
    _pstyle(doc, "Table Total", 10, bold=True)

    lst = _pstyle(doc, "List Item", 10, after=3)
    lst.paragraph_format.left_indent = LIST_INDENT
    lst.paragraph_format.first_line_indent = -LIST_INDENT
    lst.paragraph_format.tab_stops.add_tab_stop(LIST_INDENT)

    topic = _pstyle(doc, "List Topic", 10, bold=True, before=4, after=2, base="List Item")
    topic.paragraph_format.keep_with_next = True

    body = _pstyle(doc, "Body Indent", 10, after=6)
    body.paragraph_format.left_indent = LIST_INDENT
    _pstyle(doc, "Body Text Block", 10, after=4)

    field = _pstyle(doc, "Field Line", 10, after=3)
    field.paragraph_format.left_indent = FIELD_TAB
    field.paragraph_format.first_line_indent = -FIELD_TAB
    field.paragraph_format.tab_stops.add_tab_stop(FIELD_TAB)

    clause = _pstyle(doc, "Clause Box", 9, before=12, color="333333")
    para_border(clause, top=(4, RULE, 4), left=(4, RULE, 4), bottom=(4, RULE, 4),
                right=(4, RULE, 4))
    para_shading(clause, LABEL_FILL)
    # Inset a little so the box border does not stick out past the body margin.
    clause.paragraph_format.left_indent = clause.paragraph_format.right_indent = Pt(5)

    header = _pstyle(doc, "Page Header", 8.5, color=TEXT_GREY)
    header.paragraph_format.tab_stops.add_tab_stop(BODY_W, WD_TAB_ALIGNMENT.RIGHT)
    para_border(header, bottom=(4, RULE, 4))
    _pstyle(doc, "Page Footer", 8, color=TEXT_GREY)

    _pstyle(doc, "Letterhead Name", 13, bold=True, color=ACCENT)
    _pstyle(doc, "Letterhead Detail", 7.5, color=TEXT_GREY, align=RIGHT)

    _pstyle(doc, "Sign Role", 8.5, bold=True, color="333333", align=CENTER)
    _pstyle(doc, "Sign Name", 9, align=CENTER)
    _pstyle(doc, "Sign Mark", 8, color=MARK_GREY, align=RIGHT)


CELL_MARGINS = (45, 100, 45, 100)          # twips: top, left, bottom, right
COMPACT_CELL_MARGINS = (30, 100, 30, 100)

# What the kit remembers about python-docx objects: a part's default cell margins
# (set by :func:`compact`) and a table's column widths (for the rows added later).
_PART_CELL_MARGINS: WeakKeyDictionary[Part, Sequence[int]] = WeakKeyDictionary()
_TABLE_WIDTHS: WeakKeyDictionary[Table, list[Length]] = WeakKeyDictionary()


def compact(doc: Document, before: float = 9, after: float = 4,
            cell_pt: Optional[float] = 9) -> None:
    """Less space around section headings and in table cells, for the forms that must
    fit on one page (and the minutes); ``cell_pt``: the table text size (9 matches the
    labels; None keeps 9.5). Call it before adding tables: they take
    :data:`COMPACT_CELL_MARGINS`."""
    pf = doc.styles["Section Heading"].paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    for name in ("Table Label", "Table Cell", "Table Total"):
        doc.styles[name].paragraph_format.line_spacing = 1.05
    if cell_pt is not None:
        doc.styles["Table Cell"].font.size = Pt(cell_pt)
    _PART_CELL_MARGINS[doc.part] = COMPACT_CELL_MARGINS


# ---------------------------------------------------------------- paragraphs and runs

def fill(par: Paragraph, runs: Iterable[RunSpec]) -> Paragraph:
    """Append runs (see :data:`RunSpec`). A tag is always one run."""
    for spec in runs:
        if isinstance(spec, tuple):
            run = par.add_run(spec[0])
            if "b" in spec[1]:
                run.bold = True
            color = spec[2] if len(spec) > 2 else None
            size = spec[3] if len(spec) > 3 else None
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
            if size:
                run.font.size = Pt(size)
        else:
            par.add_run(spec)
    return par


def second_line(value: str, condition: Optional[str] = None,
                size: float = 8) -> Tuple[str, str, Optional[str], Optional[float]]:
    """A smaller grey run starting a new line in the same paragraph, when ``value``
    (a Jinja expression; or ``condition``) is set: specs under an item, a comment
    under a name."""
    return (f'{{{{ ("\\n" ~ {value}) if {condition or value} else "" }}}}', "", TEXT_GREY, size)


def add_par(where: Where, style: str, *runs: RunSpec) -> Paragraph:
    """A new paragraph at the end of a document, cell, header or footer."""
    return fill(where.add_paragraph(style=style), runs)


def tag_par(where: Where, tag: str) -> Paragraph:
    """A paragraph holding only a ``{%p … %}`` tag; the engine replaces the paragraph."""
    return add_par(where, "Normal", tag)


def cell_text(cell: _Cell, style: str, *runs: RunSpec,
              align: Optional[WD_ALIGN_PARAGRAPH] = None) -> Paragraph:
    """Fill a cell's first paragraph."""
    par: Paragraph = cell.paragraphs[0]
    par.style = style
    fill(par, runs)
    if align is not None:
        par.alignment = align
    return par


def heading(doc: Document, msgid: str) -> Paragraph:
    return add_par(doc, "Section Heading", label(msgid))


def spacer(doc: Document, pt: float = 0) -> Paragraph:
    par = add_par(doc, "Normal")
    if pt:
        par.paragraph_format.line_spacing = Pt(pt)
    return par




def numbered_list(doc: Document, var: str, msgid: str, *, keep: bool = False) -> None:
    """A heading and a numbered list of strings, both left out when the list is empty;
    ``keep``: the list stays on the page of what follows it (a closing statement)."""
    tag_par(doc, f"{{%p if {var} %}}")
    heading(doc, msgid)
    tag_par(doc, f"{{%p for item in {var} %}}")
    item = add_par(doc, "List Item", "{{ loop.index }}.", "\t", "{{ item }}")
    if keep:
        item.paragraph_format.keep_with_next = True
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p endif %}")


def clause(doc: Document, *runs: RunSpec) -> Paragraph:
    """A shaded, boxed paragraph (confirmation clauses, statements)."""
    return add_par(doc, "Clause Box", *runs)


# ---------------------------------------------------------------- tables

def new_table(where: Where, widths: Sequence[int], *, grid: bool,
              margins: Optional[Sequence[int]] = None) -> Table:
    """A fixed-layout table; ``grid`` draws all lines, else horizontal lines only.
    ``margins``: cell margins in twips; by default the document's (see :func:`compact`)."""
    if margins is None:
        margins = _PART_CELL_MARGINS.get(where.part, CELL_MARGINS)
    if isinstance(where, (Document, _Cell)):
        table = where.add_table(rows=0, cols=len(widths))
    else:   # header or footer
        table = where.add_table(rows=0, cols=len(widths), width=Length(sum(widths)))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    set_table_width(table, widths)
    line = (4, RULE)
    if grid:
        borders = border_set("w:tblBorders", top=line, left=line, bottom=line, right=line,
                             insideH=line, insideV=line)
    else:
        borders = border_set("w:tblBorders", top=(8, ACCENT), left=None, bottom=line,
                             right=None, insideH=line, insideV=None)
    table_look(table, borders, margins)
    _TABLE_WIDTHS[table] = [Length(int(w)) for w in widths]  # remembered for new rows
    return table


def no_borders(table: Table) -> None:
    """Remove every line of a layout table."""
    tbl_pr = table._tbl.tblPr
    tbl_pr.remove(tbl_pr.find(qn("w:tblBorders")))
    tbl_pr.insert_element_before(
        border_set("w:tblBorders", top=None, left=None, bottom=None, right=None,
                   insideH=None, insideV=None),
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def add_row(table: Table, *, header: bool = False, height: Optional[Length] = None,
            valign: WD_CELL_VERTICAL_ALIGNMENT = WD_CELL_VERTICAL_ALIGNMENT.CENTER) -> _Row:
    # python-docx 1.2 leaves Table.add_row unannotated.
    row: _Row = table.add_row()  # type: ignore[no-untyped-call]
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader"))
    if height is not None:
        row.height = height
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for cell, width in zip(row.cells, _TABLE_WIDTHS[table]):
        cell.width = width
        # Centred by default: a Latin-only line is shorter than a CJK one, so top
        # alignment would put the baselines of a row at different heights.
        cell.vertical_alignment = valign
    return row


def keep_with_next(*rows: _Row) -> None:
    """Keep each row on the page of the row (or paragraph) after it."""
    for row in rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.paragraph_format.keep_with_next = True


def tag_row(table: Table, tag: str) -> None:
    """A row holding only a ``{%tr … %}`` tag (merged to one cell for readability)."""
    row = add_row(table)
    cell = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
    cell_text(cell, "Table Cell", tag)


def header_row(table: Table, labels: Sequence[str],
               aligns: Optional[Sequence[Optional[WD_ALIGN_PARAGRAPH]]] = None) -> _Row:
    """A repeated, shaded header row of catalog labels."""
    row = add_row(table, header=True)
    aligns = aligns or [None] * len(labels)
    for cell, msgid, align in zip(row.cells, labels, aligns):
        shade(cell, HEAD_FILL)
        # A narrow number column keeps the neutral "No." in bilingual documents.
        text = '{{ "No." if "+" in locale else _("No.") }}' if msgid == "No." else label(msgid)
        cell_text(cell, "Table Label", text, align=align)
    keep_with_next(row)   # never alone at the foot of a page
    return row


class FactsGrid:
    """A label/value grid of four columns (label, value, label, value)."""

    def __init__(self, doc: Document,
                 widths: Sequence[Length] = (Mm(34), Mm(51), Mm(34), Mm(51))) -> None:
        self.table = new_table(doc, widths, grid=True)

    def _label(self, cell: _Cell, msgid: str) -> None:
        shade(cell, LABEL_FILL)
        cell_text(cell, "Table Label", label(msgid))

    def wide(self, msgid: str, *value: RunSpec, style: str = "Table Cell") -> _Row:
        row = add_row(self.table)
        self._label(row.cells[0], msgid)
        cell_text(row.cells[1].merge(row.cells[3]), style, *value)
        return row

    def pair(self, a: Tuple[str, Value], b: Tuple[str, Value]) -> _Row:
        """``a``, ``b``: (msgid, value expression or RunSpec list)."""
        row = add_row(self.table)
        for (msgid, value), lab, val in ((a, row.cells[0], row.cells[1]),
                                         (b, row.cells[2], row.cells[3])):
            self._label(lab, msgid)
            runs = value if isinstance(value, list) else [value]
            cell_text(val, "Table Cell", *runs)
        return row

    def tag(self, tag: str) -> None:
        tag_row(self.table, tag)

    def optional_wide(self, condition: str, msgid: str, *value: RunSpec) -> None:
        """A wide row left out when ``condition`` is false."""
        self.tag(f"{{%tr if {condition} %}}")
        self.wide(msgid, *value)
        self.tag("{%tr endif %}")


def meta_strip(doc: Document, cells: Sequence[Tuple[str, RunSpec]], widths: Sequence[Length],
               large: Sequence[int] = ()) -> Table:
    """The row of small label / bold value pairs under the title (client, job no…);
    ``cells``: (msgid, value expression); ``large``: indexes shown big in the accent colour."""
    strip = new_table(doc, widths, grid=False)
    row = add_row(strip)
    for i, (cell, (msgid, value)) in enumerate(zip(row.cells, cells)):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP  # labels on one line
        cell_text(cell, "Meta Label", label(msgid))
        add_par(cell, "Meta Value Large" if i in large else "Meta Value", value)
    return strip


def title_block(doc: Document, kind_runs: Sequence[RunSpec], title: str,
                cells: Sequence[Tuple[str, RunSpec]], widths: Sequence[Length],
                large: Sequence[int] = ()) -> None:
    """Kind line, big title, and the meta strip."""
    add_par(doc, "Doc Kind", *kind_runs)
    add_par(doc, "Doc Title", title)
    meta_strip(doc, cells, widths, large)


def sign_boxes(where: Where, boxes: Sequence[Tuple[str, Value]], widths: Sequence[Length],
               *, height: Length = SIGN_HEIGHT, align: WD_TABLE_ALIGNMENT = WD_TABLE_ALIGNMENT.RIGHT,
               mark: bool = True) -> Table:
    """Approval / signature boxes side by side (Korean 결재란, Chinese 审批栏).

    ``boxes``: (role msgid or a tag, name expression or ""). Each box is a role label
    over a tall box holding the name and the locale's signature mark ("(인)",
    "签字／盖章"…) at its foot. The boxes never split across pages.
    """
    table = new_table(where, widths, grid=True, margins=(30, 60, 30, 60))
    table.alignment = align
    roles = add_row(table)
    for cell, (role, _name) in zip(roles.cells, boxes):
        shade(cell, LABEL_FILL)
        cell_text(cell, "Sign Role", label_or_tag(role)).paragraph_format.keep_with_next = True
    space = add_row(table, height=height, valign=WD_CELL_VERTICAL_ALIGNMENT.BOTTOM)
    for cell, (_role, name) in zip(space.cells, boxes):
        if name:
            cell_text(cell, "Sign Name", *(name if isinstance(name, list) else [name]))
            if mark:
                add_par(cell, "Sign Mark", stacked_label("(Signature)"))
        elif mark:
            cell_text(cell, "Sign Mark", stacked_label("(Signature)"))
    return table


def title_with_boxes(doc: Document, kind_runs: Sequence[RunSpec], title: str,
                     boxes: Sequence[Tuple[str, Value]], box_w: Length) -> None:
    """A form's title on the left and its approval boxes (결재란) on the right."""
    n = len(boxes)
    layout = new_table(doc, (BODY_W - box_w * n - Mm(4), box_w * n + Mm(4)), grid=False,
                       margins=(0, 0, 0, 0))
    no_borders(layout)
    row = add_row(layout, valign=WD_CELL_VERTICAL_ALIGNMENT.BOTTOM)
    left, right = row.cells
    if kind_runs:
        cell_text(left, "Doc Kind", *kind_runs)
        add_par(left, "Doc Title", title).paragraph_format.space_after = Pt(2)
    else:
        cell_text(left, "Doc Title", title).paragraph_format.space_after = Pt(2)
    stock = right.paragraphs[0]._p
    sign_boxes(right, boxes, [box_w] * n, height=Mm(12))
    right._tc.remove(stock)
    # The cell's closing paragraph (python-docx adds one after a nested table).
    right.paragraphs[-1].paragraph_format.line_spacing = Pt(1)
    spacer(doc, 4)


# ---------------------------------------------------------------- header, footer, letterhead

def add_field(par: Paragraph, instr: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES); ``shown`` is the cached result."""
    def fld(kind: str) -> None:
        par.add_run()._r.append(_el("w:fldChar", fldCharType=kind))
    fld("begin")
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    par.add_run()._r.append(instr_el)
    fld("separate")
    par.add_run(shown)
    fld("end")



def _running_header(par: Paragraph, kind: str, ref: str) -> None:
    par.style = "Page Header"
    fill(par, ["{% if client %}{{ client.name }}{% endif %}", "\t", label_or_tag(kind), ref])


def _footer(footer: _Footer) -> None:
    foot = footer.paragraphs[0]
    foot.style = "Page Footer"
    # Borderless two-cell table: the confidentiality line may wrap (bilingual) without
    # pushing the page numbers around.
    table = footer.add_table(rows=1, cols=2, width=BODY_W)
    set_table_width(table, (Mm(140), Mm(30)))
    table_look(table, border_set("w:tblBorders", top=(4, RULE), left=None, bottom=None,
                                 right=None, insideH=None, insideV=None), (60, 0, 0, 0))
    left, right = table.rows[0].cells
    cell_text(left, "Page Footer",
              label("Confidential. For the named recipients only; do not forward without permission."))
    pages = right.paragraphs[0]
    pages.style = "Page Footer"
    pages.alignment = RIGHT
    fill(pages, [PAGE_SPLIT, "{{ pa[0] }}"])
    add_field(pages, "PAGE", "1")
    pages.add_run("{{ pb[0] }}")
    add_field(pages, "NUMPAGES", "1")
    pages.add_run("{{ pb[2] }}")
    # The table must not be the last element of the footer: move the empty paragraph after it.
    footer._element.remove(foot._p)
    footer._element.append(foot._p)
    foot.paragraph_format.space_before = Pt(0)
    foot.paragraph_format.line_spacing = Pt(2)


def header_footer(doc: Document, kind_msgid: str, ref: str) -> None:
    """Running header (client ⇥ kind + ``ref``, e.g. " · job no.") and the footer;
    ``kind_msgid`` is a catalog msgid or a tag printing the kind's name.

    The first page carries the letterhead in the body instead of the running header;
    without a company profile it gets the running header like the other pages.
    """
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    _running_header(section.header.paragraphs[0], kind_msgid, ref)
    first = section.first_page_header
    fill(first.paragraphs[0], [f"{{%p if not ({HAS_LETTERHEAD}) %}}"])
    _running_header(first.add_paragraph(), kind_msgid, ref)
    tag_par(first, "{%p endif %}")
    # A header keeps one paragraph whatever the condition says.
    add_par(first, "Normal").paragraph_format.line_spacing = Pt(2)
    _footer(section.footer)
    _footer(section.first_page_footer)


def letterhead(doc: Document) -> None:
    """The agency's letterhead at the top of page 1: logo and name on the left, legal
    name, address, contacts and tax ID in small type on the right, over a rule.
    Left out entirely when the profile is empty."""
    tag_par(doc, f"{{%p if {HAS_LETTERHEAD} %}}")
    table = new_table(doc, (Mm(55), Mm(115)), grid=False, margins=(0, 0, 80, 0))
    table._tbl.tblPr.remove(table._tbl.tblPr.find(qn("w:tblBorders")))
    table._tbl.tblPr.insert_element_before(
        border_set("w:tblBorders", top=None, left=None, bottom=(12, ACCENT), right=None,
                   insideH=None, insideV=None),
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    row = add_row(table, valign=WD_CELL_VERTICAL_ALIGNMENT.BOTTOM)
    left, right = row.cells
    stock = [left.paragraphs[0]._p, right.paragraphs[0]._p]
    tag_par(left, "{%p if company.logo %}")
    logo = add_par(left, "Normal", "{{ image(company.logo, 30) }}")
    logo.paragraph_format.line_spacing = 1.0   # 1.15 would add a tenth of the logo below it
    logo.paragraph_format.space_after = Pt(2)
    tag_par(left, "{%p endif %}")
    add_par(left, "Letterhead Name", '{{ company.name or company.legal_name or "" }}')

    # Short lines, each shown only when known: who (legal name, representative, tax
    # ID), where, how to reach.
    other_legal = "company.legal_name and company.legal_name != company.name"
    # Each piece after the first shown starts with its separator.
    who = (f'{{% if {other_legal} %}}{{{{ company.legal_name }}}}{{% endif %}}'
           '{% if company.representative %}'
           f'{{% if {other_legal} %}}  ·  {{% endif %}}'
           f'{{{{ {primary_label("Representative")} }}}}\u00a0{{{{ company.representative }}}}'
           '{% endif %}{% if company.tax_id %}'
           f'{{% if {other_legal} or company.representative %}}  ·  {{% endif %}}'
           f'{{{{ {primary_label("Tax ID")} }}}}\u00a0{{{{ company.tax_id }}}}{{% endif %}}')
    lines = [
        (f"{other_legal} or company.representative or company.tax_id", who),
        ("company.address", "{{ company.address }}"),
        ("company.phone or company.email or company.website",
         '{{ [company.phone, company.email, company.website]|select|join("  ·  ") }}'),
    ]
    for condition, expr in lines:
        tag_par(right, f"{{%p if {condition} %}}")
        add_par(right, "Letterhead Detail", expr)
        tag_par(right, "{%p endif %}")
    # A cell must end with a paragraph the engine keeps.
    add_par(right, "Letterhead Detail").paragraph_format.line_spacing = Pt(1)
    for cell, p in zip((left, right), stock):
        cell._tc.remove(p)
    add_par(doc, "Normal").paragraph_format.line_spacing = Pt(6)
    tag_par(doc, "{%p endif %}")


# ---------------------------------------------------------------- document and saving

# Glyphs of the "List Bullet 2" / "List Bullet 3" styles' numbering, which docgen copies
# into the lists it prints from Markdown notes (a sub-bullet then looks different from
# its parent's bullet). Latin font: every locale's font has these.
NESTED_BULLETS = {"ListBullet2": "\u25e6", "ListBullet3": "\u25aa"}  # ◦ ▪ (as in Excel)


def nested_bullets(doc: Document) -> None:
    """Give the nested bullet styles' numbering levels the glyphs of NESTED_BULLETS."""
    numbering = doc.part.numbering_part.element
    for lvl in numbering.iter(qn("w:lvl")):
        style = lvl.find(qn("w:pStyle"))
        glyph = NESTED_BULLETS.get(style.get(qn("w:val")) if style is not None else "")
        text = lvl.find(qn("w:lvlText"))
        if glyph is None or text is None:
            continue
        text.set(qn("w:val"), glyph)
        fonts = lvl.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if fonts is not None:
            fonts.set(qn("w:ascii"), FONT)
            fonts.set(qn("w:hAnsi"), FONT)


def new_document() -> Document:
    """An A4 portrait document with the shared styles and no stock thumbnail."""
    doc = docx.Document()
    pkg = doc.part.package
    for r_id, rel in list(pkg.rels.items()):   # python-docx's stock thumbnail
        if rel.reltype == RT.THUMBNAIL:
            del pkg.rels[r_id]
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.left_margin = section.right_margin = MARGIN_X
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance = section.footer_distance = Mm(10)
    # python-docx's stock settings say <w:zoom w:val="bestFit"/>, but CT_Zoom requires
    # w:percent (ECMA-376 §17.15.1.94); Word itself writes the plain 100% view.
    zoom = doc.settings.element.find(qn("w:zoom"))
    if zoom is not None:
        zoom.attrib.clear()
        zoom.set(qn("w:percent"), "100")
    define_styles(doc)
    nested_bullets(doc)
    return doc


def finish(doc: Document, kind: str, title: str) -> bytes:
    """Fixed core properties, space-preserving text, deterministic zip bytes."""
    section = doc.sections[0]
    parts = [doc.element, section.header._element, section.footer._element]
    if section.different_first_page_header_footer:
        parts += [section.first_page_header._element, section.first_page_footer._element]
    for part in parts:
        preserve_spaces(part)
    props = doc.core_properties
    props.title = title
    props.subject = f"docgen built-in template: {kind}"
    props.author = props.last_modified_by = "docgen"
    props.keywords = f"docgen; {kind}"
    props.comments = f"Generated by tools/build_{kind}.py"
    props.created = props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return normalize_zip(raw.getvalue())


def main(kind: str, build: Callable[[], bytes], argv: Sequence[str] = ()) -> int:
    """Write ``templates/<kind>/<kind>.docx`` (or the path in ``argv``)."""
    out = Path(argv[0]) if argv else TEMPLATES / kind / f"{kind}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(out)
    return 0
