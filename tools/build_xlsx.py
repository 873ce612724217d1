"""Build the built-in Excel templates, ``templates/<kind>/<kind>.xlsx``.

``python tools/build_xlsx.py`` rebuilds all five; ``python tools/build_xlsx.py OUTDIR
[KIND…]`` writes ``OUTDIR/<kind>/<kind>.xlsx`` instead. Same script, same bytes: fixed
document properties, fixed zip timestamps and member order.

Each workbook is "a working Excel file" an AE sends or keeps: one A4 portrait sheet,
fit to one page wide, print area, margins, running header (kind · client | job no.)
and footer (page X / Y), the agency letterhead (left out without a profile), the
title, a shaded label/value info block, tables with header rows and thin borders,
real numbers and dates (``#,##0`` / ``#,##0.00`` by currency, ``yyyy-mm-dd``) and live
formulas where a user would expect them (invoice line amounts, subtotal, VAT and
total; weekly status counts; the brief's days until due).

The template language is docgen's (``docgen/render/xlsx.py``): ``{{ expr }}`` alone in
a cell gives a typed cell, ``{%tr for %}`` / ``{%tr if %}`` in a row's first cell and
``{%tr endfor %}`` / ``{%tr endif %}`` at the end of the same or a later row repeat or
keep rows.

Row heights. Each row is written once, as tall as one line of its text; a cell
whose text may wrap has ``wrapText`` set, and docgen grows the row when the rendered
text needs more lines (``docgen/render/rowfit.py``). Formulas and ranges that must
cover a loop run from a plain row before it (the section heading) to a spacer row
after it.

This script is scaffolding: the committed workbooks are the source of truth, edited
in Excel or LibreOffice from now on (``tools/dump_template.py`` shows a change as
text). Running it again overwrites those edits.

Labels come from ``_()`` (catalog ``labels``; new msgids are declared in
``tools/labels/xlsx.yaml``); values only from the kind's fields, its computed fields
and ``company`` (the agency profile, whose values may all be None).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stable_zip import normalize_zip  # noqa: E402
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
KINDS = ("minutes", "brief", "weekly", "signoff", "invoice")

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# The palette of the Word templates (tools/docx_kit.py).
FONT = "Arial"           # the engine swaps in the locale's CJK font (Latin glyphs included)
ACCENT = "1F3A5F"
TEXT = "222222"
TEXT_GREY = "595959"
MARK_GREY = "8C8C8C"
HEAD_FILL = "DCE4EE"
LABEL_FILL = "F2F4F7"
TOTAL_FILL = "E8EEF5"
RULE = "A9B4C2"
GREEN, RED, AMBER = "2E7D32", "C62828", "9A6700"

MM_PER_PT = 25.4 / 72
DASH = "—"
LIST_SEP = '"、" if locale[:2] == "zh" else ", "'
HAS_LETTERHEAD = "company.name or company.legal_name or company.logo"
# Number formats. Key figures may be counts (1,234,567) or small decimals (2.35).
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
FMT_WHOLE = "#,##0"
FMT_CENTS = "#,##0.00"
FMT_FIGURE = "[>=1000]#,##0;[<=-1000]-#,##0;General"
FMT_PERCENT = "0%"
FMT_RATE = 'General"%"'  # a percentage given in percent (10, 5.5)
WHOLE_UNIT_CURRENCIES = '("KRW", "TWD")'  # no minor unit on documents (DOMAIN.md §4)


# --------------------------------------------------------------------------------------
# Styles


_thin = Side(style="thin", color=RULE)
_accent_thin = Side(style="thin", color=ACCENT)
_accent_thick = Side(style="medium", color=ACCENT)
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


@dataclass(frozen=True)
class Style:
    size: float = 10
    bold: bool = False
    color: str = TEXT
    italic: bool = False
    fill: Optional[str] = None
    border: Optional[Border] = BOX
    h: str = "left"
    v: str = "center"
    wrap: bool = True
    fmt: str = "General"
    indent: int = 0
    shrink: bool = False  # shrink to fit (one line that must not wrap: e-mail addresses)

    def apply(self, cell: Any) -> None:
        cell.font = Font(name=FONT, size=self.size, bold=self.bold, italic=self.italic,
                         color=self.color)
        if self.fill:
            cell.fill = PatternFill("solid", fgColor=self.fill)
        if self.border is not None:
            cell.border = self.border
        cell.alignment = Alignment(horizontal=self.h, vertical=self.v, wrap_text=self.wrap,
                                   indent=self.indent, shrink_to_fit=self.shrink or None)
        cell.number_format = self.fmt


def _with(style: Style, **changes: Any) -> Style:
    return Style(**{**style.__dict__, **changes})


VALUE = Style()
VALUE_B = _with(VALUE, bold=True)
EMAIL = _with(VALUE, wrap=False, shrink=True)
LABEL = Style(size=9, bold=True, color="333333", fill=LABEL_FILL)
HEAD = Style(size=9, bold=True, color="333333", fill=HEAD_FILL, h="center")
NO = _with(VALUE, h="center", color=TEXT_GREY, size=9)
CENTER = _with(VALUE, h="center")
DATE = _with(VALUE, h="center", fmt=FMT_DATE, wrap=False)
DATE_L = _with(DATE, h="left")
DATE_B = _with(DATE_L, bold=True)
DATETIME_L = _with(DATE_L, fmt=FMT_DATETIME)
WHOLE = _with(VALUE, h="right", fmt=FMT_WHOLE, wrap=False)
CENTS = _with(WHOLE, fmt=FMT_CENTS)
FIGURE = _with(VALUE, h="right", fmt=FMT_FIGURE, wrap=False)
PERCENT = _with(VALUE, h="center", fmt=FMT_PERCENT, wrap=False)
RATE = _with(VALUE, h="left", fmt=FMT_RATE, wrap=False)
INTEGER = _with(VALUE, h="left", fmt="0", wrap=False)
TOTAL_LABEL = Style(size=10, bold=True, fill=TOTAL_FILL, h="right")
SUB_LABEL = _with(VALUE, h="right", color="333333")
TOTAL_WHOLE = _with(WHOLE, bold=True, fill=TOTAL_FILL)
TOTAL_CENTS = _with(CENTS, bold=True, fill=TOTAL_FILL)
CHECK = _with(VALUE, h="center", bold=True, color=GREEN, size=11)
COUNT = _with(VALUE, h="center", bold=True, size=14, color=ACCENT, fmt="0", wrap=False)
STATUS = _with(VALUE, h="center", size=9)
NOTE = Style(size=9, color=TEXT_GREY, border=None)
CLAUSE = Style(size=9, color="333333", fill=LABEL_FILL)
SIGN_ROLE = _with(HEAD, fill=LABEL_FILL)
SIGN_BOX = Style(size=9, color=MARK_GREY, h="right", v="bottom")
SIGN_NAME = Style(size=10, color=TEXT, h="center", v="bottom")
TITLE = Style(size=18, bold=True, color=ACCENT, border=None, h="center", wrap=False)
TITLE_FORM = Style(size=18, bold=True, color=ACCENT, border=None, h="left", wrap=True)
SUBTITLE = Style(size=12, bold=True, color=TEXT, border=None, h="center")
SECTION = Style(size=11, bold=True, color=ACCENT, v="bottom", wrap=False,
                border=Border(bottom=_accent_thin))
LH_NAME = Style(size=14, bold=True, color=ACCENT, border=None, v="bottom", wrap=False)
LH_DETAIL = Style(size=8, color=TEXT_GREY, border=None, wrap=False)
LH_RULE = _with(LH_DETAIL, border=Border(bottom=_accent_thick))
BLANK = Style(border=None)
BLANK_RULE = Style(border=Border(bottom=_accent_thick))


def line_pt(size: float) -> float:
    """Height of one wrapped line: Noto Sans CJK's line gap is ~1.42 em."""
    return round(size * 1.42, 1)


def row_height(lines: int, size: float = 10) -> float:
    return round(4 + lines * line_pt(size), 1)


# --------------------------------------------------------------------------------------
# Sheet building


@dataclass
class Cell:
    """One cell (or merged span) of a template row.

    ``span``: ``"C"`` or ``"C:D"``; ``value``: text with tags, a formula (``"=…"``;
    ``{r}`` is replaced by the row's number), or None.
    """

    span: str
    value: Optional[str]
    style: Style = VALUE


def C(span: str, value: Optional[str], style: Style = VALUE, _fit: Optional[str] = None) -> Cell:
    return Cell(span, value, style)


def label(msgid: str) -> str:
    return f'{{{{ _("{msgid}") }}}}'


def label_or_tag(text: str) -> str:
    """A msgid as a label tag; text that already holds tags as it is."""
    return text if "{" in text else label(text)


NO_HEAD = '{{ _("No.").split(" / ")[0] }}'


class Sheet:
    """A worksheet being written top to bottom, with Jinja row blocks."""

    def __init__(self, ws: Worksheet, widths_mm: Sequence[float]) -> None:
        self.ws = ws
        self.widths = list(widths_mm)
        self.ncols = len(widths_mm)
        self.last = get_column_letter(self.ncols)
        self.row = 1
        self._pending: list[str] = []  # tags for the next row's first cell
        self._last_first_cell: Optional[tuple[int, int]] = None
        self.loops = 0  # depth of row loops being written
        for i, mm in enumerate(widths_mm, start=1):
            # Excel widths are in characters of the default font's digit (7 px at
            # 96 dpi for Arial 10) plus 5 px of padding.
            ws.column_dimensions[get_column_letter(i)].width = round(
                (mm / 25.4 * 96 - 5) / 7, 2)

    # -- geometry ---------------------------------------------------------------------

    def cols(self, span: str) -> tuple[int, int]:
        a, _, b = span.partition(":")
        return column_index_from_string(a), column_index_from_string(b or a)

    def width(self, span: str) -> float:
        c1, c2 = self.cols(span)
        return sum(self.widths[c1 - 1:c2])

    # -- blocks -----------------------------------------------------------------------

    def open(self, tag: str) -> None:
        """``{%tr … %}`` before the next row written."""
        self._pending.append("{%tr " + tag + " %}")

    def close(self, tag: str) -> None:
        """``{%tr end… %}`` after the last row written."""
        assert self._last_first_cell is not None, "nothing to close"
        r, c = self._last_first_cell
        cell = self.ws.cell(r, c)
        cell.value = (cell.value or "") + "{%tr " + tag + " %}"

    class _Block:
        def __init__(self, sheet: "Sheet", tag: str, end: str) -> None:
            self.sheet, self.tag, self.end = sheet, tag, end

        def __enter__(self) -> None:
            self.sheet.open(self.tag)
            if self.end == "endfor":
                self.sheet.loops += 1

        def __exit__(self, *exc: object) -> None:
            if self.end == "endfor":
                self.sheet.loops -= 1
            if exc[0] is None:
                self.sheet.close(self.end)

    def when(self, condition: str) -> "Sheet._Block":
        """Rows kept only when ``condition`` holds."""
        return Sheet._Block(self, f"if {condition}", "endif")

    def each(self, loop: str) -> "Sheet._Block":
        """Rows repeated ``for loop``; an ``if`` in the iterable would be read as a
        loop filter, so keep conditions out of it."""
        assert " if " not in loop, loop
        return Sheet._Block(self, f"for {loop}", "endfor")

    # -- rows -------------------------------------------------------------------------

    def _write(self, cells: Sequence[Cell], height: Optional[float]) -> int:
        r = self.row
        ws = self.ws
        first = True
        for spec in cells:
            c1, c2 = self.cols(spec.span)
            for c in range(c1, c2 + 1):
                spec.style.apply(ws.cell(r, c))
            value = spec.value
            if value is not None and value.startswith("="):
                value = value.replace("{r}", str(r))
            if first:
                assert not (value or "").startswith("="), "a row's first cell holds its tags"
                if self._pending:
                    value = "".join(self._pending) + (value or "")
                    self._pending = []
                self._last_first_cell = (r, c1)
                first = False
            if value is not None:
                ws.cell(r, c1).value = value
            if c2 > c1:
                ws.merge_cells(start_row=r, start_column=c1, end_row=r, end_column=c2)
        if height is not None:
            ws.row_dimensions[r].height = height
        self.row += 1
        return r

    def put(self, cells: Sequence[Cell], *, height: Optional[float] = None,
            min_height: float = 0, size: float = 10, **_unused: Any) -> list[int]:
        """Write one row, as tall as one line of its text (or ``height``): docgen
        grows a row whose wrapped text needs more lines when it renders.

        Returns the sheet rows written (one)."""
        h = height if height is not None else max(row_height(1, size), min_height)
        return [self._write(cells, h)]

    def gap(self, height: float = 6) -> int:
        """An empty row (a spacer); returns its number."""
        assert not self._pending
        self.ws.row_dimensions[self.row].height = height
        self.row += 1
        return self.row - 1

    # -- common pieces ----------------------------------------------------------------

    def letterhead(self, name_span: str, logo_col: str) -> None:
        """The agency's letterhead: name, legal details, contacts over a rule; the logo
        at the top right. Left out when the profile is empty."""
        # Pieces shown when known; each after the first starts with its separator.
        other = "company.legal_name and company.legal_name != company.name"
        details = (f'{{% if {other} %}}{{{{ company.legal_name }}}}{{% endif %}}'
                   f'{{% if company.representative %}}{{% if {other} %}}  ·  {{% endif %}}'
                   '{{ _("Representative") }} {{ company.representative }}{% endif %}'
                   f'{{% if company.address %}}{{% if {other} or company.representative %}}'
                   '  ·  {% endif %}{{ company.address }}{% endif %}')
        contacts = ('{{ [company.phone, company.email, company.website]|select|join("  ·  ") }}'
                    '{% if company.tax_id %}{% if company.phone or company.email or '
                    'company.website %}  ·  {% endif %}{{ _("Tax ID") }} {{ company.tax_id }}'
                    '{% endif %}')
        last = self.last
        logo = self.cols(logo_col)[0]
        with self.when(HAS_LETTERHEAD):
            self.put([Cell(name_span, "{{ company.name or company.legal_name }}", LH_NAME),
                      Cell(f"{get_column_letter(logo)}:{last}",
                           "{% if company.logo %}{{ image(company.logo, 30) }}{% endif %}",
                           BLANK)], height=24)
            self.put([Cell(f"A:{last}", details, LH_DETAIL)], height=13)
            self.put([Cell(f"A:{last}", contacts, LH_RULE)], height=14)
        assert logo == self.cols(name_span)[1] + 1
        self.gap(8)

    def title(self, msgid: str, subtitle: Optional[str] = None,
              subtitle_fit: Optional[str] = None) -> None:
        """The document's name (a msgid, or text with tags) and its own title."""
        self.put([Cell(f"A:{self.last}", label_or_tag(msgid), TITLE)], height=30)
        if subtitle:
            self.put([C(f"A:{self.last}", subtitle, SUBTITLE, subtitle_fit)], size=12)
        self.gap(6)

    def section(self, msgid: str) -> int:
        """A section heading (one row, never a height variant); returns its number."""
        return self.put([Cell(f"A:{self.last}", label(msgid), SECTION)], height=22)[0]

    def head(self, columns: Sequence[tuple[str, ...]]) -> None:
        """A table's header row: (span, msgid or text with tags[, fit expression]).
        "No." (a narrow column) shows the first language of a bilingual label only."""
        cells = [C(col[0], NO_HEAD if col[1] == "No." else
                   col[1] if col[1].startswith("{") else label(col[1]), HEAD,
                   col[2] if len(col) > 2 else None) for col in columns]
        self.put(cells, size=9)

    def info(self, *pairs: tuple[Any, ...], grid: Sequence[str] = ("A:B", "C:D", "E:F", "G:H"),
             size: float = 10, min_height: float = 0) -> list[int]:
        """A label/value row: one pair (value spanning to the last column) or two.

        A pair is (msgid, value[, style[, fit]])."""
        cells = []
        if len(pairs) == 1:
            spans = [grid[0], f"{grid[1].split(':')[0]}:{self.last}"]
        else:
            spans = list(grid)
        for i, pair in enumerate(pairs):
            msgid, value = pair[0], pair[1]
            style = pair[2] if len(pair) > 2 else VALUE
            fit = None
            cells.append(C(spans[2 * i], label(msgid), LABEL))
            cells.append(C(spans[2 * i + 1], value, style, fit))
        return self.put(cells, size=size, min_height=min_height)

    def text_block(self, msgid: str, expr: str, label_span: str = "A:B") -> None:
        """A long text (may hold newlines): label on the left, the text beside it."""
        value_span = f"{get_column_letter(self.cols(label_span)[1] + 1)}:{self.last}"
        with self.when(expr):
            self.put([C(label_span, label(msgid), LABEL),
                      C(value_span, f"{{{{ {expr} }}}}", VALUE)])

    def numbered(self, msgid: str, var: str) -> None:
        """A section with a numbered list of strings; left out when empty."""
        with self.when(var):
            self.section(msgid)
            with self.each(f"x in {var}"):
                self.put([Cell("A", "{{ loop.index }}", NO),
                          C(f"B:{self.last}", "{{ x }}", VALUE)])

    def title_with_boxes(self, msgid: str, title_span: str,
                         boxes: Sequence[tuple[str, str, Optional[str]]],
                         height: float = 40) -> None:
        """A form's title on the left and its approval boxes (결재란 / 审批栏) on the
        right: (span, role msgid, name expression or None) per box; each box is a
        role label over a tall cell with the name and the locale's signature mark."""
        # The boxes are narrow: the signature mark in the first language only.
        mark = '{{ _("(Signature)").split(" / ")[0] }}'
        top = self.put([Cell(title_span, label(msgid), TITLE_FORM)]
                       + [Cell(span, label(role), SIGN_ROLE) for span, role, _ in boxes],
                       height=18)[0]
        self.put([Cell(title_span, None, TITLE_FORM)]
                 + [Cell(span, f'{{{{ {name} or "" }}}}\n{mark}' if name else mark, SIGN_BOX)
                    for span, _, name in boxes], height=height)
        c1, c2 = self.cols(title_span)
        self.ws.unmerge_cells(start_row=top, start_column=c1, end_row=top, end_column=c2)
        self.ws.unmerge_cells(start_row=top + 1, start_column=c1, end_row=top + 1, end_column=c2)
        self.ws.merge_cells(start_row=top, start_column=c1, end_row=top + 1, end_column=c2)
        self.gap(6)

    # -- page ---------------------------------------------------------------------------

    def page(self, kind_msgid: str, ref: str) -> None:
        """A4 portrait, one page wide, margins, header/footer, print area, no grid."""
        ws = self.ws
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.55
        ws.page_margins.top = 0.75
        ws.page_margins.bottom = 0.7
        ws.page_margins.header = ws.page_margins.footer = 0.3
        ws.sheet_view.showGridLines = False
        ws.sheet_view.zoomScale = 100
        ws.oddHeader.left.text = (label_or_tag(kind_msgid)
                                  + '{% if client %}  ·  {{ client.name }}{% endif %}')
        ws.oddHeader.left.size = 8
        ws.oddHeader.left.color = TEXT_GREY
        ws.oddHeader.right.text = ref
        ws.oddHeader.right.size = 8
        ws.oddHeader.right.color = TEXT_GREY
        ws.oddFooter.left.text = "{{ company.name or company.legal_name or \"\" }}"
        ws.oddFooter.left.size = 8
        ws.oddFooter.left.color = TEXT_GREY
        ws.oddFooter.right.text = "&P / &N"
        ws.oddFooter.right.size = 8
        ws.oddFooter.right.color = TEXT_GREY
        ws.print_area = f"A1:{self.last}{self.row - 1}"


def choice(var: str, labels: Sequence[tuple[str, str]]) -> str:
    """An enum's label: ``{% if var == "code" %}{{ _("Label") }}{% elif … %}``."""
    parts = [f'{{% {"if" if i == 0 else "elif"} {var} == "{code}" %}}{label(msgid)}'
             for i, (code, msgid) in enumerate(labels)]
    return "".join(parts) + "{% endif %}"


def job_ref() -> str:
    return '{% if job_number %}{{ _("Job No.") }} {{ job_number }}{% endif %}'


# --------------------------------------------------------------------------------------
# The five workbooks


# Columns (mm, 180 in all) of the minutes-style grid: No. | label | … ; the info block
# is label A:B, value C:D, label E:F, value G:H (36 / 54 mm each side).
GRID = (9, 27, 30, 24, 22, 14, 22, 32)


def build_minutes(ws: Worksheet) -> Sheet:
    sh = Sheet(ws, GRID)
    sh.letterhead("A:G", "H")
    sh.title("Meeting Minutes", "{{ title }}")
    meeting_type = choice("meeting_type", (("client", "Client meeting"),
                                           ("internal", "Internal meeting"),
                                           ("call", "Phone call"), ("visit", "Site visit")))
    time_range = ('{{ start_time or "" }}{% if end_time %}{{ "~" if locale[:2] == "ko" else "–" }}'
                  '{{ end_time }}{% endif %}')
    sh.info(("Meeting Title", "{{ title }}", VALUE_B))
    sh.info(("Client", "{{ client.name if client else none }}", VALUE, "client and client.name"),
            ("Brand", "{{ brand }}"))
    with sh.when("project"):
        sh.info(("Project", "{{ project }}"))
    sh.info(("Job No.", "{{ job_number }}"), ("Meeting Type", meeting_type, VALUE, None))
    sh.put([C("A:B", label("Date and Time"), LABEL), Cell("C:D", "{{ date }}", DATE_L),
            Cell(f"E:{sh.last}", time_range, VALUE)])
    with sh.when("location"):
        sh.info(("Location", "{{ location }}"))
    sh.info(("Chair", "{{ chair }}"), ("Recorded By", "{{ recorder }}"))
    with sh.when("equipment"):
        sh.info(("Equipment", f"{{{{ equipment|join({LIST_SEP}) }}}}", VALUE,
                 'equipment|join(", ")'))
    with sh.when("cc"):
        sh.info(("Distribution", f"{{{{ cc|join({LIST_SEP}) }}}}", VALUE, 'cc|join(", ")'))

    sh.section("Attendees")
    sh.head([("A", "No."), ("B:D", "Organization"), ("E:G", "Position"), ("H", "Name")])
    with sh.each("a in attendees"):
        sh.put([Cell("A", "{{ loop.index }}", NO), C("B:D", "{{ a.organization }}"),
                C("E:G", "{{ a.role }}"), C("H", "{{ a.name }}", CENTER)])

    sh.numbered("Agenda", "agenda")

    with sh.when("discussion"):
        sh.section("Discussion")
        with sh.each("d in discussion"):
            sh.put([Cell("A", "{{ loop.index }}", _with(NO, fill=LABEL_FILL)),
                    C("B:H", "{{ d.topic }}", _with(VALUE_B, fill=LABEL_FILL))])
            with sh.when("d.notes"):
                sh.put([Cell("A", None, NO), C("B:H", "{{ d.notes }}")])

    sh.numbered("Decisions", "decisions")

    with sh.when("action_items"):
        sh.section("Action Items")
        sh.head([("A", "No."), ("B:E", "Task"), ("F:G", "Owner"), ("H", "Due")])
        with sh.each("t in action_items"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:E", "{{ t.task }}"),
                    C("F:G", "{{ t.owner }}", CENTER), Cell("H", "{{ t.due }}", DATE)])

    sh.numbered("Issues and Risks", "issues")

    with sh.when("next_meeting and (next_meeting.date or next_meeting.time "
                 "or next_meeting.location)"):
        sh.section("Next Meeting")
        sh.put([C("A:B", label("Date and Time"), LABEL),
                Cell("C:D", "{{ next_meeting.date }}", DATE_L),
                Cell(f"E:{sh.last}", '{{ next_meeting.time or "" }}', VALUE)])
        sh.info(("Location", "{{ next_meeting.location }}"))

    with sh.when("outcome and (outcome.objective_met is not none or outcome.notes)"):
        sh.section("Outcome")
        met = ('{{ (_("Yes") if outcome.objective_met else _("No")) '
               'if outcome.objective_met is not none else none }}')
        sh.info(("Objective Met", met, VALUE_B, None))
        with sh.when("outcome.notes"):
            sh.info(("Remarks", "{{ outcome.notes }}"))

    sh.numbered("Attachments", "attachments")

    sh.gap(8)
    clause = ('{% if confirm_by %}{{ _("If you have any objections, please reply by {date}; '
              'otherwise these minutes are deemed confirmed.").format(date=confirm_by|date("long")) }}'
              '{% else %}{{ _("If you have any objections, please let us know; otherwise these '
              'minutes are deemed confirmed.") }}{% endif %}')
    sh.put([C(f"A:{sh.last}", clause, CLAUSE)], size=9)
    sh.page("Meeting Minutes", job_ref())
    return sh


# A creative order is a "Creative Brief"; research and media orders are "Work Orders"
# followed by the order type (as in the Word template).
BRIEF_KIND = ('{% if order_type == "creative" %}{{ _("Creative Brief") }}{% else %}'
              '{{ _("Work Order") }} · {{ order_type_label or order_type }}{% endif %}')


def build_brief(ws: Worksheet) -> Sheet:
    sh = Sheet(ws, GRID)
    sh.letterhead("A:G", "H")
    sh.title(BRIEF_KIND, "{{ project }}")
    sh.info(("Job No.", "{{ job_number }}", VALUE_B), ("Order Type", "{{ order_type_label }}"))
    sh.info(("Client", "{{ client.name }}"), ("Brand", "{{ brand }}"))
    with sh.when("product or work_type"):
        sh.info(("Product", "{{ product }}"), ("Work Type", "{{ work_type_label }}"))
    sh.info(("Project", "{{ project }}"))
    dates = sh.info(("Brief Date", "{{ issued_date }}", DATE_L),
                    ("Final Due", "{{ due_date }}", DATE_B))
    # Days until due: a live formula over the two dates (= days_until_due).
    days = f"=SUM(G{dates[0]}:G{dates[-1]})-SUM(C{dates[0]}:C{dates[-1]})"
    sh.info(("Days Until Due", days, INTEGER, None),
            ("Account Executive", "{{ ae }}"))
    with sh.when("department or revisions is not none"):
        rounds = '{{ _("{n} rounds").format(n=revisions) if revisions is not none else none }}'
        sh.info(("Department", "{{ department }}"), ("Revisions Included", rounds, VALUE, None))
    with sh.when("client.get('contact')"):
        sh.info(("Contact", "{{ client.get('contact') }}"),
                ("Email", "{{ client.get('email') }}", EMAIL))
    with sh.when("budget and budget.amount is not none"):
        # The amount as the Word template shows it (₩3,850,000 / ¥1,680.32): one row
        # for every currency, whatever its minor unit.
        sh.put([C("A:B", label("Budget"), LABEL),
                Cell("C:E", "{{ budget.amount|money(budget.currency) }}", _with(VALUE_B, h="right")),
                C(f"F:{sh.last}", "{{ budget.note }}")])

    with sh.when("background or objective or target_audience or insight or key_message "
                 "or reason_to_believe or tone"):
        sh.section("Brief")
        for msgid, var in (("Background", "background"), ("Objective", "objective"),
                           ("Target Audience", "target_audience"),
                           ("Consumer Insight", "insight"), ("Key Message", "key_message"),
                           ("Reason to Believe", "reason_to_believe"),
                           ("Tone and Manner", "tone")):
            sh.text_block(msgid, var)

    sh.section("Deliverables")
    sh.head([("A", "No."), ("B:C", "Item"), ("D:F", "Specification"), ("G", "Quantity"),
             ("H", "Due")])
    with sh.each("d in deliverables"):
        sh.put([Cell("A", "{{ loop.index }}", NO), C("B:C", "{{ d.item }}"),
                C("D:F", "{{ d.spec }}"), Cell("G", "{{ d.quantity }}", _with(FIGURE, h="center")),
                Cell("H", "{{ d.due }}", DATE)])

    sh.numbered("Mandatories", "mandatories")
    sh.numbered("Competitors", "competitors")

    with sh.when("timeline"):
        sh.section("Timeline")
        sh.head([("A", "No."), ("B:F", "Milestone"), ("G:H", "Date")])
        with sh.each("m in timeline"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:F", "{{ m.milestone }}"),
                    Cell("G:H", "{{ m.date }}", DATE)])

    with sh.when("kpis"):
        sh.section("Success Metrics")
        sh.head([("A", "No."), ("B:F", "Metric"), ("G:H", "Target")])
        with sh.each("k in kpis"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:F", "{{ k.name }}"),
                    C("G:H", "{{ k.target }}", FIGURE)])

    with sh.when("approvals"):
        sh.section("Approvals")
        sh.head([("A", "No."), ("B:C", "Role"), ("D:E", "Name"), ("F:G", "Signature"),
                 ("H", "Date")])
        with sh.each("p in approvals"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:C", "{{ p.role }}", CENTER),
                    C("D:E", "{{ p.name }}", CENTER),
                    Cell("F:G", label("(Signature)"), SIGN_BOX), Cell("H", None, DATE)],
                   min_height=34)
    sh.page(BRIEF_KIND, job_ref())
    return sh


# Weekly: No. | task (B:C) | owner | status | progress | due | note.
WEEKLY_GRID = (9, 27, 34, 24, 18, 16, 22, 30)


def build_weekly(ws: Worksheet) -> Sheet:
    sh = Sheet(ws, WEEKLY_GRID)
    sh.letterhead("A:F", "G")
    sh.title("Weekly Report", '{{ client.name }}{% if week_label %}  ·  {{ week_label }}{% endif %}',
             subtitle_fit='client.name ~ "  ·  " ~ week_label')
    sh.info(("Client", "{{ client.name }}"), ("Project", "{{ project }}"))
    sh.put([C("A:B", label("Period"), LABEL), Cell("C", "{{ week_start }}", DATE_L),
            Cell("D", "{{ week_end }}", DATE_L), C("E:F", label("Week"), LABEL),
            C("G:H", "{{ week_label }}")])
    sh.info(("Reported By", "{{ author }}"), ("Team", "{{ team }}"))
    sh.info(("To", "{{ recipient }}"), ("Report Date", "{{ send_at }}", DATETIME_L))
    sh.text_block("Summary", "summary")

    # Status summary: live COUNTIFs over the status column of both task tables. The
    # status names are taken from the tasks themselves, so they match the cells exactly
    # (a status nobody has falls back to the catalog's word and counts 0 either way).
    sh.section("Status Summary")
    spans = ("A:B", "C", "D:E", "F:G", "H")
    names = [f'{{{{ (tasks_by_status.{status}|first).status_label '
             f'if tasks_by_status.{status} else _("{msgid}") }}}}'
             for status, msgid in (("done", "Done"), ("in_progress", "In progress"),
                                   ("blocked", "Blocked"), ("planned", "Planned"))]
    names_row = sh.put([Cell(s, n, HEAD) for s, n in zip(spans, names + [label("All Tasks")])],
                       size=9)[0]
    counts_row = sh.row
    sh._write([Cell(s, None, COUNT) for s in spans], 26)  # formulas set below

    # The task tables keep their header even when empty, so the COUNTIF ranges
    # (header row .. last task row) always exist.
    def task_table(msgid: str, var: str) -> str:
        first = sh.section(msgid)
        sh.head([("A", "No."), ("B:C", "Task"), ("D", "Owner"), ("E", "Status"),
                 ("F", "Progress"), ("G", "Due"), ("H", "Note")])
        with sh.each(f"t in {var}"):
            sh.put([
                Cell("A", "{{ loop.index }}", NO), C("B:C", "{{ t.task }}"),
                C("D", "{{ t.owner }}", _with(CENTER, size=9)),
                C("E", "{{ t.status_label }}", STATUS),
                Cell("F", "{{ t.progress / 100 if t.progress is not none else none }}", PERCENT),
                Cell("G", "{{ t.due }}", DATE), C("H", "{{ t.note }}", _with(VALUE, size=9))])
        # Ranges over the tasks run from the section heading to a spacer row after the
        # loop (see the invoice); the conditional formats' formulas are relative to it.
        end = sh.gap(4)
        rng = f"E{first}:E{end}"
        ws.conditional_formatting.add(rng, FormulaRule(
            formula=[f"E{first}=$A${names_row}"], font=Font(color=GREEN, bold=True)))
        ws.conditional_formatting.add(rng, FormulaRule(
            formula=[f"E{first}=$D${names_row}"], font=Font(color=RED, bold=True)))
        return rng

    ranges = [task_table("This Week", "this_week"), task_table("Next Week", "next_week")]
    for span in spans[:4]:
        col = span.split(":")[0]
        crit = f"${col}${names_row}"
        ws[f"{col}{counts_row}"] = "+".join(f"COUNTIF({r},{crit})" for r in ranges)
        ws[f"{col}{counts_row}"].value = "=" + ws[f"{col}{counts_row}"].value
    ws[f"H{counts_row}"] = f"=SUM(A{counts_row}:G{counts_row})"

    with sh.when("issues"):
        sh.section("Issues and Requests")
        sh.head([("A", "No."), ("B:C", "Issue"), ("D:E", "Impact"),
                 ("F:H", "Action / Support Needed")])
        with sh.each("i in issues"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:C", "{{ i.issue }}"),
                    C("D:E", "{{ i.impact }}"), C("F:H", "{{ i.action }}")])

    with sh.when("kpis"):
        sh.section("Key Figures")
        sh.head([("A", "No."), ("B:C", "Metric"), ("D", "Result"), ("E:F", "Target"),
                 ("G:H", "vs. Target")])
        with sh.each("k in kpis"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:C", "{{ k.name }}"),
                    C("D", "{{ k.value }}", FIGURE), C("E:F", "{{ k.target }}", FIGURE),
                    Cell("G:H", '=IFERROR(D{r}/E{r},"")', PERCENT)])

    with sh.when("milestones"):
        sh.section("Milestones")
        sh.head([("A", "No."), ("B:F", "Milestone"), ("G:H", "Date")])
        with sh.each("m in milestones"):
            sh.put([Cell("A", "{{ loop.index }}", NO), C("B:F", "{{ m.milestone }}"),
                    Cell("G:H", "{{ m.date }}", DATE)])

    with sh.when("remarks"):
        sh.section("Remarks")
        sh.put([C(f"A:{sh.last}", "{{ remarks }}")])
    sh.page("Weekly Report", '{{ week_label }}')
    return sh


def build_signoff(ws: Worksheet) -> Sheet:
    sh = Sheet(ws, GRID)
    sh.letterhead("A:G", "H")
    sh.title("Acceptance Sheet", "{{ deliverable.title }}")
    sh.info(("Document No.", "{{ document_number }}"), ("Job No.", "{{ job_number }}", VALUE_B))
    sh.info(("Contract / PO No.", "{{ contract_number }}"),
            ("Delivery Date", "{{ delivered_date }}", DATE_L))
    sh.info(("Client", "{{ client.name }}"), ("Contact", "{{ client.get('contact') }}"))
    with sh.when("project"):
        sh.info(("Project", "{{ project }}"))

    sh.section("Deliverable")
    sh.info(("Item", "{{ deliverable.title }}", VALUE_B))
    with sh.when("deliverable.version"):
        sh.info(("Version", "{{ deliverable.version }}"))
    with sh.when("deliverable.description"):
        sh.info(("Description", "{{ deliverable.description }}"))

    top = sh.section("Approval Stages")
    sh.head([("A", "No."), ("B", "Stage"), ("C", "Owner"), ("D:E", "Note"), ("F", "Signed"),
             ("G", "Date"), ("H", "Signature")])
    with sh.each("s in stages"):
        sh.put([Cell("A", "{{ loop.index }}", NO), C("B", "{{ s.stage }}", _with(VALUE_B, size=9)),
                C("C", "{{ s.owner }}", _with(VALUE, size=9)),
                C("D:E", "{{ s.comment }}", _with(VALUE, size=9)),
                Cell("F", '{{ "✓" if s.signed else _("Pending") }}', CHECK),
                Cell("G", "{{ s.signed_date }}", DATE),
                Cell("H", "{% if s.signature_image %}{{ image(s.signature_image, none, 8) }}"
                          "{% endif %}", CENTER)],
               min_height=30)
    # A stage not signed yet ("Pending") in amber; range from the section heading to
    # a spacer row (see the invoice), stage rows told apart by their number in A.
    end = sh.gap(4)
    ws.conditional_formatting.add(f"F{top}:F{end}", FormulaRule(
        formula=[f'AND(ISNUMBER($A{top}),F{top}<>"✓")'], font=Font(color=AMBER)))

    sh.section("Acceptance")
    boxes = []
    for value, msgid in (("accepted", "Accepted"), ("conditional", "Accepted with conditions"),
                         ("rejected", "Rejected")):
        boxes.append((f'{{{{ ("■ " if acceptance == "{value}" else "□ ") ~ _("{msgid}") }}}}',
                      f'"■ " ~ _("{msgid}")'))
    sh.put([C("A:B", label("Acceptance Result"), LABEL),
            C("C:D", boxes[0][0], VALUE_B, boxes[0][1]),
            C("E:F", boxes[1][0], VALUE_B, boxes[1][1]),
            C(f"G:{sh.last}", boxes[2][0], VALUE_B, boxes[2][1])])
    with sh.when("remarks"):
        sh.info(("Remarks", "{{ remarks }}"))
    statement = (
        '{% if acceptance == "rejected" %}{{ _("We have inspected the deliverable above and do '
        'not accept it, for the reasons given in the remarks.") }}'
        '{% elif acceptance == "conditional" %}{{ _("We have inspected the deliverable above and '
        'accept it subject to the conditions given in the remarks.") }}'
        '{% else %}{{ _("We have inspected the deliverable above and confirm that it is '
        'accepted.") }}{% endif %}')
    sh.gap(6)
    sh.put([C(f"A:{sh.last}", statement, _with(CLAUSE, size=10, bold=True, h="center"))])
    sh.gap(6)

    # Signature blocks: client (left) and agency (right).
    sh.put([Cell("A:D", label("Client (Party A)"), HEAD), Cell("E:H", label("Supplier"), HEAD)],
           height=20)
    sig = "client_signatory"
    sh.info(("Company", "{{ client.get('legal_name') or client.name }}", VALUE_B),
            ("Company", "{{ company.legal_name or company.name }}", VALUE_B))
    sh.info(("Name", f"{{{{ {sig}.name if {sig} else none }}}}", VALUE, f"{sig} and {sig}.name"),
            ("Name", None))
    sh.info(("Position", f"{{{{ {sig}.title if {sig} else none }}}}", VALUE,
             f"{sig} and {sig}.title"), ("Position", None))
    sh.info(("Date", f"{{{{ {sig}.signed_date if {sig} else none }}}}", DATE_L),
            ("Date", None))
    sh.put([C("A:B", label("Signature"), LABEL), Cell("C:D", label("(Signature)"), SIGN_BOX),
            C("E:F", label("Signature"), LABEL), Cell("G:H", label("(Signature)"), SIGN_BOX)],
           height=44)
    sh.page("Acceptance Sheet", job_ref())
    return sh


# Invoice: No. | description (B:C) | spec | qty | unit | unit price | amount.
# The approval boxes over E:F, G and H are 28 mm each.
INVOICE_GRID = (8, 25, 33, 30, 14, 14, 28, 28)


def build_invoice(ws: Worksheet) -> Sheet:
    sh = Sheet(ws, INVOICE_GRID)
    sh.letterhead("A:F", "G")
    sh.title_with_boxes("Invoice Request", "A:D", [("E:F", "Requester", "requested_by"),
                                                   ("G", "Team Lead", None), ("H", "Finance", None)])
    invoice_type = choice("invoice_type", (("standard", "Tax invoice (VAT)"),
                                           ("general", "Ordinary invoice"),
                                           ("zero_rated", "Zero-rated invoice"),
                                           ("exempt", "Tax-exempt invoice")))
    sh.section("Invoice Details")
    sh.info(("Request No.", "{{ request_number }}"), ("Job No.", "{{ job_number }}", VALUE_B))
    sh.info(("Contract No.", "{{ contract_number }}"),
            ("Invoice Date", "{{ issue_date }}", DATE_L))
    sh.info(("Client", "{{ client.name }}"), ("Invoice Type", invoice_type, VALUE, None))
    with sh.when("project"):
        sh.info(("Project", "{{ project }}"))
    sh.info(("Requester", '{{ requested_by or "" }}{% if department %} ({{ department }}){% endif %}',
             VALUE, 'requested_by ~ " (" ~ department ~ ")"'))
    sh.info(("Currency", "{{ currency }}"), ("VAT Rate", "{{ vat_percent }}", RATE))

    sh.section("Buyer")
    sh.info(("Legal Name", "{{ client.get('legal_name') or client.name }}", VALUE_B))
    sh.info(("Tax ID", "{{ client.get('tax_id') }}", VALUE_B),
            ("Representative", "{{ client.get('representative') }}"))
    with sh.when("client.get('address')"):
        sh.info(("Address", "{{ client.get('address') }}"))
    with sh.when("client.get('business_type') or client.get('business_item')"):
        sh.info(("Business Type", "{{ client.get('business_type') }}"),
                ("Business Item", "{{ client.get('business_item') }}"))
    with sh.when("client.get('contact') or client.get('phone')"):
        sh.info(("Contact", "{{ client.get('contact') }}"), ("Phone", "{{ client.get('phone') }}"))
    with sh.when("client.get('email')"):
        sh.info(("Invoice Email", "{{ client.get('email') }}"))
    with sh.when("client.get('bank_account')"):
        sh.info(("Bank and Account", "{{ client.get('bank_account') }}"))

    items_top = sh.section("Line Items")

    def money_head(msgid: str) -> tuple[str, str]:
        """A money column's header with the currency: text and fit expression."""
        return (f'{{{{ _("{msgid}") }}}} ({{{{ currency }}}})',
                f'_("{msgid}") ~ " (" ~ currency ~ ")"')

    sh.head([("A", "No."), ("B:C", "Item Description"), ("D", "Specification"),
             ("E", "Quantity"), ("F", "Unit"), ("G", *money_head("Unit Price")),
             ("H", *money_head("Amount"))])
    # Two versions of the table body: whole-unit currencies (KRW, TWD: #,##0, ROUND(…,0))
    # and the others (CNY, USD: #,##0.00, ROUND(…,2)). Only one is rendered.
    for whole in (True, False):
        digits = 0 if whole else 2
        money = WHOLE if whole else CENTS
        total_style = TOTAL_WHOLE if whole else TOTAL_CENTS
        cond = f"currency {'in' if whole else 'not in'} {WHOLE_UNIT_CURRENCIES}"
        with sh.when(cond):
            with sh.each("i in items"):
                desc = '{{ i.description }}{% if i.note %}\n({{ i.note }}){% endif %}'
                sh.put([Cell("A", "{{ loop.index }}", NO),
                        C("B:C", desc, VALUE,
                          'i.description ~ (i.note and "\\n(" ~ i.note ~ ")" or "")'),
                        C("D", "{{ i.spec }}", _with(VALUE, size=9)),
                        Cell("E", "{{ i.quantity }}", FIGURE),
                        C("F", "{{ i.unit }}", _with(CENTER, size=9)),
                        Cell("G", "{{ i.unit_price }}", money),
                        Cell("H", f"=ROUND(E{{r}}*G{{r}},{digits})", money)])
            # The sum runs from the section heading to a spacer row after the items
            # (text cells in between count nothing): the engine computes a range over
            # a loop from its first and last template rows, which comes out wrong when
            # iterations pick different height variants.
            end = sh.gap(3)
            sub = sh.put([Cell("A:G", label("Subtotal"), SUB_LABEL),
                          Cell("H", f"=SUM(H{items_top}:H{end})", _with(money, bold=True))])[0]
            vat_rows = []
            for kr in (True, False):
                fn = "ROUNDDOWN" if kr else "ROUND"
                with sh.when(f'country {"==" if kr else "!="} "KR"'):
                    vat_rows += sh.put([Cell("A:F", label("VAT"), SUB_LABEL),
                                        Cell("G", "{{ vat_percent }}", _with(RATE, h="center")),
                                        Cell("H", f"={fn}(H{sub}*G{{r}}/100,{digits})",
                                             _with(money, bold=True))])
            sh.put([Cell("A:G", label("Total"), TOTAL_LABEL),
                    Cell("H", f"=H{sub}+SUM(H{vat_rows[0]}:H{vat_rows[-1]})", total_style)],
                   height=22)
    sh.gap(6)
    words = ('{{ amount_words }}{% if amount_words_secondary %}\n{{ amount_words_secondary }}'
             '{% endif %}  ({{ total|money(currency) }})')
    sh.info(("Amount in Words", words, VALUE_B))

    sh.section("Payment")
    sh.info(("Payment Terms",
             '{{ _("Within {days} days of the invoice date").format(days=payment_terms_days) }}'),
            ("Payment Due", "{{ due_date }}", DATE_B))
    with sh.when("company.bank and company.bank.account"):
        account = ('{{ [company.bank.name, company.bank.account]|select|join("  ") }}'
                   '{% if company.bank.swift %}  (SWIFT {{ company.bank.swift }}){% endif %}')
        sh.info(("Payment Account", account, VALUE_B))
        sh.info(("Account Holder",
                 "{{ company.bank.holder or company.legal_name or company.name }}"))

    # Remarks and attachments as form rows (첨부: 계약서, 검수확인서, 견적서).
    sh.gap(6)
    sh.text_block("Remarks", "remarks")
    with sh.when("attachments"):
        sh.info(("Attachments", f"{{{{ attachments|join({LIST_SEP}) }}}}", VALUE,
                 'attachments|join(", ")'))

    sh.page("Invoice Request", job_ref())
    return sh


BUILDERS: dict[str, Callable[[Worksheet], Sheet]] = {
    "minutes": build_minutes, "brief": build_brief, "weekly": build_weekly,
    "signoff": build_signoff, "invoice": build_invoice,
}
SHEET_TITLES = {"minutes": "Minutes", "brief": "Brief", "weekly": "Weekly",
                "signoff": "Signoff", "invoice": "Invoice"}


# --------------------------------------------------------------------------------------
# Saving


def new_workbook() -> Workbook:
    wb = Workbook()
    # The default font decides Excel's column-width unit and the default row height.
    wb._fonts = IndexedList([Font(name=FONT, size=10, family=2)])
    wb._named_styles["Normal"].font = Font(name=FONT, size=10, family=2)
    return wb


def build(kind: str) -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET_TITLES[kind]
    BUILDERS[kind](ws)
    props = wb.properties
    props.creator = props.lastModifiedBy = "docgen"
    props.title = f"docgen built-in template: {kind}"
    props.description = "Generated by tools/build_xlsx.py"
    props.created = props.modified = FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    return normalize_zip(raw.getvalue())


def main(argv: Sequence[str] = ()) -> int:
    """``build_xlsx.py [OUTDIR] [KIND…]``: write ``OUTDIR/<kind>/<kind>.xlsx``
    (default OUTDIR: the repository's ``templates``; default kinds: all five)."""
    args = list(argv)
    out_dir = TEMPLATES
    if args and args[0] not in KINDS:
        out_dir = Path(args.pop(0))
    kinds = args or list(KINDS)
    for kind in kinds:
        if kind not in KINDS:
            print(f"unknown kind {kind!r} (use {', '.join(KINDS)})", file=sys.stderr)
            return 2
        path = out_dir / kind / f"{kind}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build(kind))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
