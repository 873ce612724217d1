"""Build the built-in meeting-minutes template, ``templates/minutes/minutes.docx``.

Run ``python tools/build_minutes.py`` after editing; the output is byte-identical
for the same script (fixed core properties and zip timestamps), so the .docx can be
committed and diffed.

What must stay true:
- Every Jinja tag is written as one whole run, so the template is clean for any
  docxtpl-compatible engine.
- Latin fonts only (Arial). No ``w:eastAsia`` font and no ``w:lang``: the engine sets
  the East Asian font and the language per locale at render time (DOMAIN.md §6).
- Labels come from ``_()`` (gettext domain ``labels``); values only from minutes
  fields (``docgen/kinds/minutes/schema.yaml``). Nested optional fields are read with
  ``|default(…)`` so a missing key and ``None`` behave alike.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

OUT = Path(__file__).resolve().parent.parent / "templates" / "minutes" / "minutes.docx"

FONT = "Arial"
ACCENT = "1F3A5F"        # headings, title-block rule
TEXT_GREY = "595959"     # secondary text: meta labels, header, footer
HEAD_FILL = "DCE4EE"     # table header rows
LABEL_FILL = "F2F4F7"    # label cells, clause box
RULE = "A9B4C2"          # table lines

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = Mm(20), Mm(22), Mm(20)
BODY_W = PAGE_W - 2 * MARGIN_X          # 170 mm
FIELD_TAB = Mm(34)                      # label column of label/value lines
LIST_INDENT = Mm(7)

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# Reused template expressions.
LIST_SEP = '"、" if locale[:2] == "zh" else ", "'   # enumeration comma
TIME_RANGE = ('{% if start_time %}  {{ start_time|time("HH:mm") }}{% if end_time %}'
              '{{ "~" if locale[:2] == "ko" else "–" }}{{ end_time|time("HH:mm") }}'
              '{% endif %}{% endif %}')
MEETING_TYPE = ('{{ {"client": _("Client meeting"), "internal": _("Internal meeting"), '
                '"call": _("Phone call"), "visit": _("Site visit")}[meeting_type] '
                'if meeting_type else "—" }}')
CLAUSE = ('{% if confirm_by %}{{ _("If you have any objections, please reply by {date}; '
          'otherwise these minutes are deemed confirmed.").format(date=confirm_by|date("long")) }}'
          '{% else %}{{ _("If you have any objections, please let us know; '
          'otherwise these minutes are deemed confirmed.") }}{% endif %}')
# "Page {page} of {pages}": the text around the placeholders comes from the catalog,
# the numbers from PAGE / NUMPAGES fields. A bilingual "A / B" label would repeat the
# placeholders, so bilingual documents use the neutral "1 / 3".
PAGE_SPLIT = ('{% set pg = "{page} / {pages}" if "+" in locale else _("Page {page} of {pages}") %}'
              '{% set pa = pg.partition("{page}") %}{% set pb = pa[2].partition("{pages}") %}')

RunSpec = Union[str, tuple]

# w:pPr children that follow w:autoSpaceDE, in schema order (insertion points).
P_PR_AFTER_AUTOSPACE = (
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange")


# ---------------------------------------------------------------- XML helpers

def _el(tag: str, **attrs: str) -> OxmlElement:
    el = OxmlElement(tag)
    for key, val in attrs.items():
        el.set(qn(f"w:{key}"), val)
    return el


def _border_set(parent_tag: str, **sides: Optional[tuple]) -> OxmlElement:
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


def para_border(style_or_par, **sides: tuple) -> None:
    """Paragraph border; ``sides``: name -> (size 1/8 pt, colour, space pt)."""
    p_pr = style_or_par.element.get_or_add_pPr()
    box = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            size, color, space = sides[side]
            box.append(_el(f"w:{side}", val="single", sz=str(size), space=str(space), color=color))
    p_pr.insert_element_before(
        box, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
        "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange")


def para_shading(style, fill: str) -> None:
    p_pr = style.element.get_or_add_pPr()
    p_pr.insert_element_before(
        _el("w:shd", val="clear", color="auto", fill=fill), "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
        "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
        "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
        "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def table_look(table: Table, borders: OxmlElement, cell_margins: Sequence[int]) -> None:
    """Add borders and cell margins (twips: top, left, bottom, right) in schema order."""
    tbl_pr = table._tbl.tblPr
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar",
                                 "w:tblLook", "w:tblCaption", "w:tblDescription")
    mar = OxmlElement("w:tblCellMar")
    for side, val in zip(("top", "left", "bottom", "right"), cell_margins):
        mar.append(_el(f"w:{side}", w=str(val), type="dxa"))
    tbl_pr.insert_element_before(mar, "w:tblLook", "w:tblCaption", "w:tblDescription")


def set_table_width(table: Table, widths: Sequence[Mm]) -> None:
    """Fixed layout; widths on tblW, gridCol and every cell (Word reads tcW, LibreOffice gridCol)."""
    table.autofit = False
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in widths)))
    tbl_w.set(qn("w:type"), "dxa")
    for col, width in zip(table.columns, widths):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def preserve_spaces(root) -> None:
    """Mark every w:t as space-preserving: rendered values may start or end with spaces."""
    for t in root.iter(qn("w:t")):
        t.set(qn("xml:space"), "preserve")


# ---------------------------------------------------------------- styles

def define_styles(doc: docx.document.Document) -> None:
    styles = doc.styles
    normal = styles["Normal"]
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

    def pstyle(name: str, size: float, *, bold: bool = False, color: Optional[str] = None,
               before: float = 0, after: float = 0, base: str = "Normal"):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = styles[base]
        st.quick_style = True
        st.font.size = Pt(size)
        if bold:
            st.font.bold = True
        if color:
            st.font.color.rgb = RGBColor.from_string(color)
        st.paragraph_format.space_before = Pt(before)
        st.paragraph_format.space_after = Pt(after)
        return st

    kind = pstyle("Minutes Kind", 9, bold=True, color=ACCENT, after=2)
    kind.element.get_or_add_rPr().insert_element_before(
        _el("w:spacing", val="20"), "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
        "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
        "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")

    title = pstyle("Minutes Title", 16, bold=True, color="1A1A1A", after=10)
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.line_spacing = 1.0

    pstyle("Minutes Meta Label", 8, color=TEXT_GREY)
    pstyle("Minutes Meta Value", 10, bold=True)

    heading = pstyle("Minutes Heading", 11, bold=True, color=ACCENT, before=14, after=5)
    heading.paragraph_format.keep_with_next = True
    para_border(heading, left=(24, ACCENT, 6))
    heading.paragraph_format.left_indent = Mm(2.5)
    heading.element.get_or_add_pPr().append(_el("w:outlineLvl", val="0"))

    pstyle("Minutes Label", 9, bold=True, color="333333")
    pstyle("Minutes Cell", 9.5)

    lst = pstyle("Minutes List", 10, after=3)
    lst.paragraph_format.left_indent = LIST_INDENT
    lst.paragraph_format.first_line_indent = -LIST_INDENT
    lst.paragraph_format.tab_stops.add_tab_stop(LIST_INDENT)

    topic = pstyle("Minutes Topic", 10, bold=True, before=4, after=2, base="Minutes List")
    topic.paragraph_format.keep_with_next = True

    body = pstyle("Minutes Body", 10, after=6)
    body.paragraph_format.left_indent = LIST_INDENT

    field = pstyle("Minutes Field", 10, after=3)
    field.paragraph_format.left_indent = FIELD_TAB
    field.paragraph_format.first_line_indent = -FIELD_TAB
    field.paragraph_format.tab_stops.add_tab_stop(FIELD_TAB)

    clause = pstyle("Minutes Clause", 9, before=16, color="333333")
    para_border(clause, top=(4, RULE, 4), left=(4, RULE, 4), bottom=(4, RULE, 4),
                right=(4, RULE, 4))
    para_shading(clause, LABEL_FILL)
    # Inset a little so the box border does not stick out past the body margin.
    clause.paragraph_format.left_indent = clause.paragraph_format.right_indent = Pt(5)

    header = pstyle("Minutes Header", 8.5, color=TEXT_GREY)
    header.paragraph_format.tab_stops.add_tab_stop(BODY_W, WD_TAB_ALIGNMENT.RIGHT)
    para_border(header, bottom=(4, RULE, 4))

    pstyle("Minutes Footer", 8, color=TEXT_GREY)


# ---------------------------------------------------------------- building blocks

def fill(par: Paragraph, runs: Iterable[RunSpec]) -> Paragraph:
    """Append runs; a run is text, or (text, "b") for bold. A tag is always one run."""
    for spec in runs:
        if isinstance(spec, tuple):
            text, fmt = spec
            run = par.add_run(text)
            run.bold = "b" in fmt
        else:
            par.add_run(spec)
    return par


def add_par(doc, style: str, *runs: RunSpec) -> Paragraph:
    return fill(doc.add_paragraph(style=style), runs)


def tag_par(doc, tag: str) -> Paragraph:
    """A paragraph holding only a ``{%p … %}`` tag; the engine replaces the paragraph."""
    return add_par(doc, "Normal", tag)


def cell_text(cell: _Cell, style: str, *runs: RunSpec,
              align: Optional[WD_ALIGN_PARAGRAPH] = None) -> None:
    par = cell.paragraphs[0]
    par.style = style
    fill(par, runs)
    if align is not None:
        par.alignment = align


def new_table(doc, widths: Sequence[Mm], *, grid: bool) -> Table:
    """A fixed-layout table; ``grid`` draws all lines, else horizontal lines only."""
    table = doc.add_table(rows=0, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    set_table_width(table, widths)
    line = (4, RULE)
    if grid:
        borders = _border_set("w:tblBorders", top=line, left=line, bottom=line, right=line,
                              insideH=line, insideV=line)
    else:
        borders = _border_set("w:tblBorders", top=(8, ACCENT), left=None, bottom=line,
                              right=None, insideH=line, insideV=None)
    table_look(table, borders, (45, 100, 45, 100))
    table._widths = widths  # remembered for new rows
    return table


def add_row(table: Table, *, header: bool = False):
    row = table.add_row()
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader"))
    for cell, width in zip(row.cells, table._widths):
        cell.width = width
        # Centred: a Latin-only line is shorter than a CJK one, so top alignment
        # would put the baselines of a row at different heights.
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return row


def tag_row(table: Table, tag: str) -> None:
    """A row holding only a ``{%tr … %}`` tag (merged to one cell for readability)."""
    row = add_row(table)
    cell = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
    cell_text(cell, "Minutes Cell", tag)


def header_row(table: Table, labels: Sequence[str],
               aligns: Sequence[Optional[WD_ALIGN_PARAGRAPH]]) -> None:
    row = add_row(table, header=True)
    for cell, msgid, align in zip(row.cells, labels, aligns):
        shade(cell, HEAD_FILL)
        cell_text(cell, "Minutes Label", f'{{{{ _("{msgid}") }}}}', align=align)


def add_field(par: Paragraph, instr: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES); ``shown`` is the cached result."""
    def fld(kind: str):
        par.add_run()._r.append(_el("w:fldChar", fldCharType=kind))
    fld("begin")
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    par.add_run()._r.append(instr_el)
    fld("separate")
    par.add_run(shown)
    fld("end")


# ---------------------------------------------------------------- the document

def build_header_footer(doc) -> None:
    section = doc.sections[0]
    hdr = section.header.paragraphs[0]
    hdr.style = "Minutes Header"
    fill(hdr, ["{% if client %}{{ client.name }}{% endif %}", "\t",
               '{{ _("Meeting Minutes") }}{% if job_number %}  ·  {{ job_number }}{% endif %}'])

    footer = section.footer
    foot = footer.paragraphs[0]
    foot.style = "Minutes Footer"
    # Borderless two-cell table: the confidentiality line may wrap (bilingual) without
    # pushing the page numbers around.
    table = footer.add_table(rows=1, cols=2, width=BODY_W)
    set_table_width(table, (Mm(130), Mm(40)))
    table_look(table, _border_set("w:tblBorders", top=(4, RULE), left=None, bottom=None,
                                  right=None, insideH=None, insideV=None), (60, 0, 0, 0))
    left, right = table.rows[0].cells
    cell_text(left, "Minutes Footer",
              '{{ _("Confidential. For the named recipients only; do not forward without permission.") }}')
    pages = right.paragraphs[0]
    pages.style = "Minutes Footer"
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
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


def build_title_block(doc) -> None:
    add_par(doc, "Minutes Kind", '{{ _("Meeting Minutes") }}')
    add_par(doc, "Minutes Title", "{{ title }}")
    strip = new_table(doc, [Mm(52), Mm(34), Mm(52), Mm(32)], grid=False)
    row = add_row(strip)
    cells = [
        ("Client", '{{ client.name if client else "—" }}'),
        ("Brand", '{{ brand or "—" }}'),
        ("Project", '{{ project or "—" }}'),
        ("Job No.", '{{ job_number or "—" }}'),
    ]
    for cell, (msgid, value) in zip(row.cells, cells):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP  # labels on one line
        cell_text(cell, "Minutes Meta Label", f'{{{{ _("{msgid}") }}}}')
        fill(cell.add_paragraph(style="Minutes Meta Value"), [value])


def build_facts(doc) -> None:
    add_par(doc, "Normal")  # breathing space between the strip and the facts grid
    facts = new_table(doc, [Mm(36), Mm(49), Mm(36), Mm(49)], grid=True)

    def label(cell: _Cell, msgid: str) -> None:
        shade(cell, LABEL_FILL)
        cell_text(cell, "Minutes Label", f'{{{{ _("{msgid}") }}}}')

    def wide_row(msgid: str, value: str) -> None:
        row = add_row(facts)
        label(row.cells[0], msgid)
        cell_text(row.cells[1].merge(row.cells[3]), "Minutes Cell", value)

    def pair_row(a: tuple, b: tuple) -> None:
        row = add_row(facts)
        label(row.cells[0], a[0])
        cell_text(row.cells[1], "Minutes Cell", a[1])
        label(row.cells[2], b[0])
        cell_text(row.cells[3], "Minutes Cell", b[1])

    wide_row("Date and Time", '{{ date|date("full") }}' + TIME_RANGE)
    tag_row(facts, "{%tr if location %}")   # a phone call has no place
    wide_row("Location", "{{ location }}")
    tag_row(facts, "{%tr endif %}")
    pair_row(("Meeting Type", MEETING_TYPE), ("Chair", '{{ chair or "—" }}'))
    pair_row(("Recorded By", '{{ recorder or "—" }}'),
             ("Equipment", "{% if equipment %}{{ equipment|join(" + LIST_SEP + ") }}"
                           "{% else %}—{% endif %}"))
    tag_row(facts, "{%tr if cc %}")
    wide_row("Distribution", "{{ cc|join(" + LIST_SEP + ") }}")
    tag_row(facts, "{%tr endif %}")


def build_attendees(doc) -> None:
    add_par(doc, "Minutes Heading", '{{ _("Attendees") }}')
    table = new_table(doc, [Mm(14), Mm(64), Mm(46), Mm(46)], grid=False)
    center = WD_ALIGN_PARAGRAPH.CENTER
    header_row(table, ["No.", "Organization", "Position", "Name"], [center, None, None, None])
    tag_row(table, "{%tr for a in attendees %}")
    row = add_row(table)
    cell_text(row.cells[0], "Minutes Cell", "{{ loop.index }}", align=center)
    cell_text(row.cells[1], "Minutes Cell", '{{ a.organization|default("", true) }}')
    cell_text(row.cells[2], "Minutes Cell", '{{ a.role|default("", true) }}')
    cell_text(row.cells[3], "Minutes Cell", "{{ a.name }}")
    tag_row(table, "{%tr endfor %}")


def numbered_list(doc, var: str, msgid: str) -> None:
    tag_par(doc, f"{{%p if {var} %}}")
    add_par(doc, "Minutes Heading", f'{{{{ _("{msgid}") }}}}')
    tag_par(doc, f"{{%p for item in {var} %}}")
    add_par(doc, "Minutes List", "{{ loop.index }}.", "\t", "{{ item }}")
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p endif %}")


def build_discussion(doc) -> None:
    tag_par(doc, "{%p if discussion %}")
    add_par(doc, "Minutes Heading", '{{ _("Discussion") }}')
    tag_par(doc, "{%p for d in discussion %}")
    add_par(doc, "Minutes Topic", "{{ loop.index }}.", "\t", '{{ d.topic|default("", true) }}')
    add_par(doc, "Minutes Body", '{{ d.notes|default("", true) }}')
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p endif %}")


def build_action_items(doc) -> None:
    tag_par(doc, "{%p if action_items %}")
    add_par(doc, "Minutes Heading", '{{ _("Action Items") }}')
    table = new_table(doc, [Mm(14), Mm(90), Mm(32), Mm(34)], grid=False)
    center = WD_ALIGN_PARAGRAPH.CENTER
    header_row(table, ["No.", "Task", "Owner", "Due"], [center, None, None, None])
    tag_row(table, "{%tr for ai in action_items %}")
    row = add_row(table)
    cell_text(row.cells[0], "Minutes Cell", "{{ loop.index }}", align=center)
    cell_text(row.cells[1], "Minutes Cell", "{{ ai.task }}")
    cell_text(row.cells[2], "Minutes Cell", "{{ ai.owner }}")
    cell_text(row.cells[3], "Minutes Cell",
              '{% if ai.due|default(none) %}{{ ai.due|date("medium") }}{% endif %}')
    tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_closing(doc) -> None:
    numbered_list(doc, "issues", "Issues and Risks")

    tag_par(doc, "{%p if next_meeting %}")
    add_par(doc, "Minutes Heading", '{{ _("Next Meeting") }}')
    tag_par(doc, "{%p if next_meeting.date|default(none) %}")
    add_par(doc, "Minutes Field", ('{{ _("Date and Time") }}', "b"), "\t",
            '{{ next_meeting.date|date("full") }}{% if next_meeting.time|default(none) %}'
            '  {{ next_meeting.time|time("HH:mm") }}{% endif %}')
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p if next_meeting.location|default(none) %}")
    add_par(doc, "Minutes Field", ('{{ _("Location") }}', "b"), "\t",
            "{{ next_meeting.location }}")
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if outcome %}")
    add_par(doc, "Minutes Heading", '{{ _("Outcome") }}')
    tag_par(doc, "{%p if outcome.objective_met|default(none) is not none %}")
    add_par(doc, "Minutes Field", ('{{ _("Objective Met") }}', "b"), "\t",
            '{{ _("Yes") if outcome.objective_met else _("No") }}')
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p if outcome.notes|default(none) %}")
    add_par(doc, "Minutes Body", "{{ outcome.notes }}").paragraph_format.left_indent = Mm(0)
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p endif %}")

    numbered_list(doc, "attachments", "Attachments")

    # Internal meetings need no client confirmation unless a reply-by date is given.
    tag_par(doc, '{%p if confirm_by or meeting_type != "internal" %}')
    add_par(doc, "Minutes Clause", CLAUSE)
    tag_par(doc, "{%p endif %}")


def build() -> bytes:
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

    define_styles(doc)
    build_header_footer(doc)
    build_title_block(doc)
    build_facts(doc)
    build_attendees(doc)
    numbered_list(doc, "agenda", "Agenda")
    build_discussion(doc)
    numbered_list(doc, "decisions", "Decisions")
    build_action_items(doc)
    build_closing(doc)

    for part in (doc.element, section.header._element, section.footer._element):
        preserve_spaces(part)

    props = doc.core_properties
    props.title = "Meeting minutes"
    props.subject = "docgen built-in template: minutes"
    props.author = props.last_modified_by = "docgen"
    props.keywords = "docgen; minutes"
    props.comments = "Generated by templates/build_minutes.py"
    props.created = props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1

    raw = io.BytesIO()
    doc.save(raw)
    return _normalize_zip(raw.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps and member order, for identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in names if n == "[Content_Types].xml"]
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def main(argv: Sequence[str] = ()) -> int:
    out = Path(argv[0]) if argv else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
