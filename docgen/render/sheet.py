"""One worksheet of an Excel template, compiled: its rows, row blocks and tagged
cells, and how a render expands them into output rows with typed values."""
from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional, Sequence, Union

import jinja2
from jinja2 import Undefined
from lxml import etree
from markupsafe import Markup

from ..errors import DocgenWarning, SourceLocation, TemplateError
from ..messages import N_
from ..i18n.catalog import SECONDARY_OPEN, strip_language_marks
from . import formula as fx
from .docx import template_line
from .environment import make_environment, syntax_detail
from .limits import MAX_SHEET_ROWS, TOO_MANY_ROWS, RenderLimitError, tick
from .book import Book
from .heal import heal_paragraph
from .images import ImageSink, PlacedImage
from .rowfit import FitCell, SheetGeometry, plan_row, text_lines, wrap_fonts
from .rowmap import IterKey, RowMap
from .sml import FORBIDDEN, PARSER, S, S_NS, attr_esc, esc, qualified_attrs, root_tag, serialize
from .textmodel import Formatted
from .wordml import normalize_delimiters
from .xlsx_rich import plain_text, rich_string
from .xlsx_styles import Styles, wraps


# Worksheet children after sheetData, in schema order (CT_Worksheet): where a new
# <drawing> element must go.
SUFFIX_ORDER = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter",
    "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)
MAX_CELL_CHARS = 32_767
ARRAY = ' t="array"'
_TR_TAG = re.compile(r"\{%-?\s*tr\s+(.*?)\s*-?%\}", re.DOTALL)
# docxtpl's vertical merge: "{% vm %}" / "{% vm expr %}" in a cell of a row loop.
_VM_TAG = re.compile(r"\{%-?\s*vm(?:\s+(.*?))?\s*-?%\}", re.DOTALL)
VM_OUTSIDE_LOOP = N_("'{tag}' merges a cell down over the rows a loop writes; put it in a "
                     "row inside a row loop ('{loop}')")
VM_IN_MERGE = N_("'{tag}' is in a merged cell ({ref}) that spans several rows or begins in "
                 "another cell; merge it across columns only, from the tagged cell")
VM_OVER_MERGE = N_("'{tag}' would merge cells over the merged cells {ref} of the loop's rows; "
                   "unmerge them or move the tag")
_ONLY_EXPR = re.compile(r"^\s*\{\{-?\s*(.*?)\s*-?\}\}\s*$", re.DOTALL)
ANY_TAG = re.compile(r"\{\{|\{%|\{#")
_FOR = re.compile(r"^for\s+(.+?)\s+in\s+(.+)$", re.DOTALL)
_SHEET_DATA = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
_ROW_SKIP = frozenset(("r", "spans"))
_CELL_SKIP = frozenset(("r",))
_HEIGHT_ATTRS = re.compile(r'\s(?:ht|customHeight)="[^"]*"')
_HT = re.compile(r'\sht="([^"]*)"')
# A rewritten cell gets a new type and value: what described the old value goes
# (vm: its rich value; cm: its metadata, kept for formulas, e.g. dynamic arrays).
_FORMULA_SKIP = frozenset(("r", "s", "t", "vm"))
_TAGGED_SKIP = frozenset(("r", "s", "t", "vm", "cm"))
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Rich-text cells: the Jinja source carries a mark where each run (after the first)
# begins, so the rendered text splits back into the template's runs. \x01 cannot
# come from data (finalize_text drops it; XML forbids it anyway).
_RUN_MARK = re.compile("\x01(\\d+)\x02")
# Statements that close or continue a block, at the start of a run: the run's mark
# goes after them, outside the block ("{% if %}VIP " | "{% endif %}{{ name }}").
_LEADING_CLOSERS = re.compile(r"^(?:\s*\{%-?\s*(?:end\w*|else|elif)\b.*?-?%\})+", re.DOTALL)


def finalize_text(value: Any) -> str:
    """Printed values inside mixed cell text: plain text (escaped when written)."""
    if value is None:
        return ""
    if isinstance(value, PlacedImage):
        value.sink.place(value)
        return ""
    if isinstance(value, Markup):
        text = strip_language_marks(str(value.unescape()))
    elif type(value) is str:
        text = strip_language_marks(value)
    else:  # a Formatted value (Markdown, RichText) among other text: its plain text
        formatted = plain_text(value)
        text = strip_language_marks(str(value) if formatted is None else formatted)
    return text.replace("\x01", "") if "\x01" in text else text


def _finalize_header(value: Any) -> str:
    """Header/footer text: ``&`` starts a code there, so a literal one is doubled."""
    return finalize_text(value).replace("&", "&&")


TEXT_ENV = make_environment(finalize_text)
_HEADER_ENV = make_environment(_finalize_header)


class RichCells:
    """What one render's rich-text cells need: the locale's font (every run repeats
    the cell font, see :func:`.xlsx_styles.run_properties`) and the wrapping variants
    of the cell formats they use — new ``cellXfs`` entries after the template's,
    numbered in the order a render first needs them, so the same data gives the same
    file and a render that prints no formatted value leaves ``styles.xml`` alone."""

    def __init__(self, styles: Styles, face: Optional[str]) -> None:
        self.styles = styles
        self.face = face
        self.wrapped: dict[Optional[str], str] = {}  # cell format -> its wrapping copy

    def wrapping(self, style: Optional[str]) -> Optional[str]:
        if self.styles.root is None or wraps(self.styles, style):
            return style
        found = self.wrapped.get(style)
        if found is None:
            found = self.wrapped[style] = str(len(self.styles.xfs) + len(self.wrapped))
        return found


@dataclass
class Cell:
    """One template cell, compiled."""

    col: int
    letters: str
    style: Optional[str]  # the ``s`` attribute
    kind: str  # static | formula | expr | text | empty
    static_xml: str = ""  # everything after r="…" for static cells
    value: fx.Value = None  # the value a formula sees (static cells)
    tokens: Sequence[fx.Token] = ()  # formula
    formula_attrs: str = ""  # extra <f> attributes kept (e.g. aca)
    expr: Any = None  # compiled expression
    text: Optional[jinja2.Template] = None
    date_style: Optional[str] = None
    datetime_style: Optional[str] = None
    where: str = ""  # A1 address in the template
    extra: str = ""  # attributes kept for a rewritten cell (ph, cm, extension ones)
    source: str = ""  # the cell's Jinja text (tagged cells)
    expr_source: str = ""  # the expression of an expr cell
    runs: Sequence[str] = ()  # rich text: each run's <rPr> XML ("" for none)
    jinja: str = ""  # rich text: ``source`` with the run marks (what is compiled)
    fit: Optional[FitCell] = None  # a wrapping cell of a row sized by its text
    vm: Optional["VMerge"] = None  # the cell merges down over its loop's rows
    rich_fit: Optional[FitCell] = None  # sizes its row when it prints a formatted value


@dataclass
class Row:
    index: int
    attrs: str
    cells: list[Cell]
    control: bool = False
    program: Optional["RowProgram"] = None
    fits: Sequence[FitCell] = ()  # wrapping cells whose rendered text sizes the row
    rich_fits: bool = False  # some cell (not wrapping in the template) may print rich text
    min_height: float = 0.0  # the template's height: rows only grow
    base_attrs: str = ""  # ``attrs`` without the height, for a grown row


class RowProgram:
    """All tagged cells of one row compiled into one Jinja template.

    Each cell becomes ``{% set docgen_cell_N = … %}`` on its own line(s); a render
    runs the template once (``make_module``) and reads the values back, so a row
    costs one Jinja context instead of one per cell. Expression values keep their
    Python type (numbers, dates); a failure is traced back to its cell by line.
    """

    def __init__(self, env: jinja2.Environment, cells: list[Cell], name: str,
                 cache: dict[str, jinja2.Template]) -> None:
        self.cells = cells
        lines: list[str] = []
        self.first_lines: list[int] = []
        for i, cell in enumerate(cells):
            self.first_lines.append(len(lines) + 1)
            if cell.kind == "expr":
                stmt = "{%% set docgen_cell_%d = (%s) %%}" % (i, cell.expr_source)
            else:  # text: docgen_at() tells image() which cell it is in
                stmt = ("{{ docgen_at(%d) }}{%% set docgen_cell_%d %%}%s{%% endset %%}"
                        % (cell.col, i, cell.jinja or cell.source))
            lines.extend(stmt.split("\n"))
        source = "\n".join(lines)
        self.filename = f"<docgen row {hash(source) & 0xFFFFFFFF:08x}>"
        template = cache.get(source)
        if template is None:  # identical rows (layout variants) share one compiled template
            code = env.compile(source, name=name, filename=self.filename)
            template = cache[source] = env.template_class.from_code(
                env, code, env.make_globals(None))
        self.template = template
        self.names = [f"docgen_cell_{i}" for i in range(len(cells))]

    def cell_of(self, exc: BaseException) -> Optional[Cell]:
        """The cell whose code raised ``exc`` (a render error inside :meth:`run`).

        ``make_module`` does not rewrite tracebacks to template lines as ``render``
        does: the frame's line is the generated Python's, mapped back here."""
        line = template_line(exc.__traceback__, self.filename)
        if line is None:
            return None
        return self.cell_at(self.template.get_corresponding_lineno(line))

    def cell_at(self, lineno: Optional[int]) -> Optional[Cell]:
        if lineno is None:
            return None
        found = None
        for first, cell in zip(self.first_lines, self.cells):
            if first <= lineno:
                found = cell
        return found

    def run(self, scope: Mapping[str, Any]) -> list[Any]:
        # Jinja copies the variables into the module's context itself: no copy here.
        module = self.template.make_module(scope if isinstance(scope, dict) else dict(scope))
        return [getattr(module, n) for n in self.names]


@dataclass
class Block:
    """A sequence of rows and nested row statements."""

    items: list[Union[Row, "Loop"]] = field(default_factory=list)


@dataclass
class Loop:
    """``{%tr for %}`` / ``{%tr if %}`` over template rows ``first``..``last``."""

    ident: int
    kind: str  # for | if
    targets: list[str]
    iterable: Any  # compiled expression (for) or condition (if)
    condition: Any
    first: int
    body: Block
    last: int = 0
    where: str = ""
    source: str = ""  # the tag as written, for error messages
    merges: list[VMerge] = field(default_factory=list)  # vm cells it is innermost for of


@dataclass
class VMerge:
    """``{% vm %}`` / ``{% vm expr %}`` in a template cell: merged down over the rows
    its innermost row loop writes in one run, from the first row it writes there;
    with ``expr``, over each stretch of consecutive iterations whose ``expr`` values
    are equal (``==``). The merged cell shows the first row's value; the cells it
    covers are written empty, in their own formats (borders kept)."""

    row: int
    col: int
    last_col: int  # a one-row template merge at the cell: the merge takes its columns
    key: Any  # compiled expression, or None (one merge per run)
    tag: str  # as typed, for messages
    where: str


class LoopInfo:
    """``loop`` inside a row loop, with the attributes Jinja's loop has."""

    def __init__(self, index0: int, length: int) -> None:
        self.index0 = index0
        self.index = index0 + 1
        self.length = length
        self.first = index0 == 0
        self.last = index0 == length - 1
        self.revindex = length - index0
        self.revindex0 = length - index0 - 1


@dataclass
class OutCell:
    cell: Cell
    xml: str = ""  # complete for non-formula cells
    value: fx.Value = None
    key: IterKey = ()
    rich: bool = False  # a formatted value: sized by ``cell.rich_fit`` when it has no fit


@dataclass
class OutRow:
    row: Row
    number: int
    key: IterKey
    cells: list[OutCell]
    rich: bool = False  # some cell printed a formatted value


class SheetTemplate:
    """One worksheet: prefix XML, compiled rows and the elements after the rows."""

    def __init__(self, book: Book, name: str, part: str, root: etree._Element,
                 raw: str) -> None:
        self.book = book
        self.name = name
        self.part = part
        found = _SHEET_DATA.search(raw)
        if found is None:
            raise book.error("broken worksheet (no sheetData)", name, None, "xml")
        self.prefix = raw[:found.start()]
        self.root_close = f"</{root_tag(self.prefix)}>"
        # Rows are written unprefixed: when the root does not make SpreadsheetML the
        # default namespace (x:worksheet…), <sheetData> does.
        self.main_decl = "" if root.nsmap.get(None) == S_NS else f' xmlns="{S_NS}"'
        sheet_data = root.find(S + "sheetData")
        assert sheet_data is not None
        self.suffix: list[tuple[str, etree._Element]] = []
        after = False
        for child in root:
            if child is sheet_data:
                after = True
            elif after and isinstance(child.tag, str):
                self.suffix.append((_suffix_name(child), child))
        self.suffix_written = [serialize(el) for _, el in self.suffix]
        self.sources: list[str] = []  # Jinja source of every tag, for fields()
        self.source_cells: list[str] = []  # where each of ``sources`` is (A1, oddHeader…)
        self.header_templates: dict[int, jinja2.Template] = {}  # child index -> template
        self.header_names: dict[int, tuple[str, str]] = {}  # index -> (oddHeader…, text)
        for local, el in self.suffix:
            if local == "headerFooter":
                for i, sub in enumerate(el):
                    if sub.text and ANY_TAG.search(normalize_delimiters(sub.text)):
                        text = normalize_delimiters(sub.text)
                        where = etree.QName(sub).localname
                        self._add_source(text, where)
                        try:
                            self.header_templates[i] = self._compile_text(
                                text, where, _HEADER_ENV)
                            self.header_names[i] = (where, text)
                        except TemplateError as exc:
                            self.book.report(exc)
        self.loops = 0
        self.loops_found: list[Loop] = []
        self.max_col = 1
        self.body = self._compile_rows(sheet_data)
        self.merges = _merges_of(root)
        if any(lp.merges for lp in self.loops_found):
            self._check_merges(self.merges)
        self._plan_heights(SheetGeometry(root))
        self.loop_rows = frozenset(r for lp in self.loops_found
                                   for r in range(lp.first, lp.last + 1))
        self.has_loops = self.loops > 0
        dim = re.search(r'<dimension\b[^>]*\bref="[^"]*?([A-Z]{1,3})\d*"', self.prefix)
        if dim:  # the template's used range may be wider than its cells (merges, shapes)
            self.max_col = max(self.max_col, fx.col_index(dim.group(1)))
        self.drawing_part: Optional[str] = None  # set by the workbook
        self.drawing_rid: Optional[str] = None
        self.table_parts: list[str] = []
        self.keep_one: set[int] = set()  # loops that keep an empty row (see note_tables)
        self.has_legacy = any(local in ("legacyDrawing",) for local, _ in self.suffix)
        rank = SUFFIX_ORDER.index("drawing")  # where image() inserts a new <drawing>
        self.drawing_position = next(
            (i for i, (local, _) in enumerate(self.suffix)
             if local in SUFFIX_ORDER and SUFFIX_ORDER.index(local) > rank), len(self.suffix))
        # where a new <mergeCells> goes ({% vm %} on a sheet without merged cells)
        rank = SUFFIX_ORDER.index("mergeCells")
        self.merge_position: Optional[int] = None if any(
            local == "mergeCells" for local, _ in self.suffix) else next(
            (i for i, (local, _) in enumerate(self.suffix)
             if local in SUFFIX_ORDER and SUFFIX_ORDER.index(local) > rank), len(self.suffix))

    def _plan_heights(self, geometry: SheetGeometry) -> None:
        """Mark the rows whose height follows their rendered text (see :mod:`.rowfit`):
        rows with tagged cells, sized by their wrapping cells (tagged or not)."""
        fonts = self.book.wrap_fonts
        every = wrap_fonts(self.book.styles.root, every=True)
        for row in _rows_of(self.body):
            if row.control or not any(c.kind in ("expr", "text") for c in row.cells):
                continue
            # a cell merged down over several rows shares their height: not sized
            row.fits = plan_row(row.index, [(c.col, "-" if c.vm else c.style)
                                            for c in row.cells], geometry,
                                fonts) if fonts else []
            for fit in row.fits:
                row.cells[fit.position].fit = fit
            # A cell alone with its value may print formatted text, in a wrapping copy
            # of its format: it sizes the row then.
            candidates = [(c.col, c.style if c.kind == "expr" and c.fit is None and not c.vm
                           else "-") for c in row.cells]  # "-": no format, left out
            for fit in plan_row(row.index, candidates, geometry, every):
                row.cells[fit.position].rich_fit = fit
                row.rich_fits = True
            if not row.fits and not row.rich_fits:
                continue
            found = _HT.search(row.attrs)
            try:
                row.min_height = float(found.group(1)) if found else geometry.default_row_height
            except ValueError:
                row.min_height = geometry.default_row_height
            row.base_attrs = _HEIGHT_ATTRS.sub("", row.attrs)

    def note_tables(self, tables: list[bytes]) -> None:
        """Find the row blocks that hold every data row of a table: run zero times,
        such a block leaves one empty row (the first of its rows, styles kept, no
        values) rather than none. A table's range is its header and at least one data
        row (Excel repairs a table of a header alone); Excel itself keeps one empty
        row when every data row of a table is deleted. References into the block
        point at that row, so ``SUM`` over it is 0 and names keep a place."""
        for xml in tables:
            try:
                root = etree.fromstring(xml, PARSER)
                first_ref, _, last_ref = (root.get("ref") or "").partition(":")
                (r1, _), (r2, _) = fx.parse_cell(first_ref), fx.parse_cell(last_ref or first_ref)
                first = r1 + int(root.get("headerRowCount") or 1)
                last = r2 - int(root.get("totalsRowCount") or 0)
            except (etree.XMLSyntaxError, ValueError):
                continue
            covering = [lp for lp in self.loops_found if lp.first <= first and last <= lp.last
                        and any(not r.control for r in _rows_of(lp.body))]
            if first <= last and covering:  # the outermost: it empties the table
                self.keep_one.add(min(covering, key=lambda lp: lp.first - lp.last).ident)

    def _empty_block_row(self, loop: Loop, number: int, rowmap: RowMap) -> OutRow:
        """The one row a table's block leaves when it runs zero times (note_tables)."""
        body = [r for r in _rows_of(loop.body) if not r.control]
        key: IterKey = ((loop.ident, 0),)
        for r in body:
            rowmap.add(r.index, key, number)
        cells = [OutCell(replace(c, kind="empty", extra="", value=None,
                                 static_xml=f' s="{c.style}"/>' if c.style else "/>"),
                         f' s="{c.style}"/>' if c.style else "/>", None, key)
                 for c in body[0].cells]
        return OutRow(body[0], number, key, cells)

    # -- compiling -------------------------------------------------------------------

    def _add_source(self, source: str, where: str) -> None:
        self.sources.append(source)
        self.source_cells.append(where)

    def _compile_text(self, text: str, where: str, env: jinja2.Environment) -> jinja2.Template:
        key = (id(env), text)
        found = self.book.compiled_texts.get(key)
        if found is not None:
            return found
        try:
            found = self.book.compiled_texts[key] = env.from_string(text)
            return found
        except jinja2.TemplateSyntaxError as exc:
            raise self.book.error("template syntax error: {detail}", self.name, where, "syntax",
                                  detail=syntax_detail(exc), excerpt=text) from None

    def _compile_rows(self, sheet_data: etree._Element) -> Block:
        root = Block()
        stack: list[tuple[Block, Optional[Loop]]] = [(root, None)]
        for row_el in sheet_data.iter(S + "row"):
            index = int(row_el.get("r") or 0)
            if not index:
                self.book.report(self.book.error("rows without numbers are not supported",
                                                 self.name, None, "xml"))
                continue
            # Every row written for this one carries its attributes (height, style,
            # x14ac:dyDescent…). ``spans`` is only a hint for the 16-row block a row
            # sits in, which moved rows leave: dropped, Excel does without it.
            attrs = qualified_attrs(row_el, _ROW_SKIP)
            cells: list[Cell] = []
            openers: list[tuple[str, str]] = []
            closers: list[tuple[str, str]] = []
            for c_el in row_el.iter(S + "c"):
                try:
                    cell, tr_tags = self._compile_cell(c_el, index)
                except TemplateError as exc:  # only when collecting: the cell is left out
                    self.book.report(exc)
                    continue
                for tag in tr_tags:
                    (closers if tag.split()[0] in ("endfor", "endif") else openers).append(
                        (tag, cell.where))
                cells.append(cell)
                self.max_col = max(self.max_col, cell.col)
            supported = []
            for tag, where in openers:
                if tag.split()[0] not in ("for", "if"):
                    self.book.report(self.book.error(
                        "'{{%tr {tag} %}}' is not supported in a sheet (use for/endfor or "
                        "if/endif)", self.name, where, "syntax", excerpt="{%tr " + tag + " %}",
                        tag=tag))
                    continue
                supported.append((tag, where))
                self._add_source("{% " + tag + " %}", where)
            for c in cells:
                if c.source:
                    self._add_source(c.source, c.where)
            for tag, where in closers:
                self._add_source("{% " + tag + " %}", where)
            for tag, where in supported:
                loop = self._compile_loop(tag, index, where)
                self.loops_found.append(loop)
                stack[-1][0].items.append(loop)
                stack.append((loop.body, loop))
            row = Row(index, attrs, cells,
                      control=bool(openers or closers) and all(c.kind == "empty" for c in cells))
            dynamic = [c for c in cells if c.kind in ("expr", "text")]
            if dynamic:
                try:
                    row.program = RowProgram(self.book.env, dynamic, f"{self.name}:{index}",
                                             self.book.compiled_rows)
                except jinja2.TemplateSyntaxError:
                    self._locate_syntax_error(dynamic)  # reports every bad cell of the row
                    row.program = None  # cells compiled alone are still correct, just slower
            stack[-1][0].items.append(row)
            self._attach_merges(cells, stack)
            for tag, where in closers:
                head = tag.split()[0]
                _, open_loop = stack[-1]
                if open_loop is None or (head == "endfor") != (open_loop.kind == "for"):
                    self.book.report(self.book.error(
                        "'{{%tr {tag} %}}' without a matching opening tag", self.name, where,
                        "unclosed", excerpt="{%tr " + tag + " %}", tag=tag))
                    continue
                open_loop.last = index
                stack.pop()
        for _, unclosed in reversed(stack[1:]):  # innermost first, as a render reports it
            assert unclosed is not None
            self.book.report(self.book.error(
                "'{{%tr {tag} %}}' is never closed (add {{%tr end{tag} %}})", self.name,
                unclosed.where, "unclosed", excerpt=unclosed.source or None, tag=unclosed.kind))
        return root

    def _locate_syntax_error(self, cells: list[Cell]) -> None:
        """Compile each cell alone to report a row's syntax errors (unknown filters
        too) at their cells (the first raises; when collecting, every bad cell is
        reported)."""
        for cell in cells:
            source = "{{ (%s) }}" % cell.expr_source if cell.kind == "expr" else cell.source
            try:
                TEXT_ENV.compile(source)
            except jinja2.TemplateSyntaxError as exc:
                self.book.report(self.book.error(
                    "template syntax error: {detail}", self.name, cell.where, "syntax",
                    detail=syntax_detail(exc), excerpt=cell.source))

    def _compile_loop(self, tag: str, row: int, where: str) -> Loop:
        self.loops += 1
        try:
            if tag.startswith("for"):
                m = _FOR.match(tag)
                if not m:
                    raise jinja2.TemplateSyntaxError(f"cannot read '{tag}'", 1)
                targets = [t.strip() for t in m.group(1).strip("() ").split(",")]
                if not all(re.match(r"^[A-Za-z_]\w*$", t) for t in targets):
                    raise jinja2.TemplateSyntaxError(f"bad loop variable in '{tag}'", 1)
                iterable, test = _split_loop_filter(m.group(2))
                cond = (self.book.expression(test)
                        if test else None)
                return Loop(self.loops, "for", targets,
                            self.book.expression(iterable),
                            cond, row, Block(), where=where, source="{%tr " + tag + " %}")
            expr = tag[2:].strip()
            return Loop(self.loops, "if", [], self.book.expression(expr),
                        None, row, Block(), where=where, source="{%tr " + tag + " %}")
        except jinja2.TemplateSyntaxError as exc:
            self.book.report(self.book.error(
                "template syntax error: {detail}", self.name, where, "syntax",
                detail=syntax_detail(exc), excerpt="{%tr " + tag + " %}"))
            # collecting: keep the block so that its closing tag still matches
            return Loop(self.loops, "for" if tag.startswith("for") else "if", [], None,
                        None, row, Block(), where=where, source="{%tr " + tag + " %}")

    def _compile_vm(self, found: "re.Match[str]", row: int, col: int, where: str) -> VMerge:
        """A cell's ``{% vm %}`` tag (its loop is attached by :meth:`_compile_rows`)."""
        source = (found.group(1) or "").strip()
        key = None
        if source:
            self._add_source("{{ " + source + " }}", where)
            try:
                key = self.book.expression(source)
            except jinja2.TemplateSyntaxError as exc:
                self.book.report(self.book.error(
                    "template syntax error: {detail}", self.name, where, "syntax",
                    detail=syntax_detail(exc), excerpt=found.group(0)))
        return VMerge(row, col, col, key, found.group(0), where)

    def _attach_merges(self, cells: list[Cell],
                       stack: list[tuple[Block, Optional[Loop]]]) -> None:
        """Give each ``{% vm %}`` cell of a row to the innermost row loop around it."""
        loop = next((lp for _, lp in reversed(stack) if lp is not None and lp.kind == "for"),
                    None)
        for cell in cells:
            if cell.vm is None:
                continue
            if loop is None:
                self.book.report(self.book.error(
                    VM_OUTSIDE_LOOP, self.name, cell.where, "syntax", excerpt=cell.vm.tag,
                    tag=cell.vm.tag, loop="{%tr for … %}"))
                cell.vm = None
                continue
            loop.merges.append(cell.vm)

    def _check_merges(self, merges: list[tuple[int, int, int, int]]) -> None:
        """The template's merged cells against its vm cells: a one-row merge that begins
        at a vm cell gives it its columns; any other merge in the columns the vm merge
        covers, on the loop's rows, would overlap it (Excel refuses overlapping merges)."""
        for loop in self.loops_found:
            for vm in loop.merges:
                own = next(((r1, c1, r2, c2) for r1, c1, r2, c2 in merges
                            if r1 <= vm.row <= r2 and c1 <= vm.col <= c2), None)
                if own is not None:
                    r1, c1, r2, c2 = own
                    if r1 != r2 or c1 != vm.col:
                        self.book.report(self.book.error(
                            VM_IN_MERGE, self.name, vm.where, "syntax", excerpt=vm.tag,
                            tag=vm.tag, ref=_ref(own)))
                        continue
                    vm.last_col = c2
                for m in merges:
                    r1, c1, r2, c2 = m
                    if m == own or r2 < loop.first or r1 > loop.last:
                        continue
                    if c1 <= vm.last_col and vm.col <= c2:
                        self.book.report(self.book.error(
                            VM_OVER_MERGE, self.name, vm.where, "syntax", excerpt=vm.tag,
                            tag=vm.tag, ref=_ref(m)))
                        break

    def _compile_cell(self, c_el: etree._Element, row: int) -> tuple[Cell, list[str]]:
        ref = c_el.get("r") or ""
        try:
            r, col = fx.parse_cell(ref)
        except ValueError:
            raise self.book.error("cells without a valid reference are not supported",
                                  self.name, ref or None, "xml") from None
        letters = fx.col_letters(col)
        style = c_el.get("s")
        where = f"{letters}{row}"
        cell = Cell(col, letters, style, "static", where=where)
        f_el = c_el.find(S + "f")
        ctype = c_el.get("t", "n")
        text = self.book.cell_text(c_el) if f_el is None else None
        if text is not None and (ANY_TAG.search(text) or "｛" in text):
            runs = self._rich_runs(c_el)
            if runs is not None:
                text = heal_paragraph([t for _, t in runs])  # each tag whole in one run
            text = normalize_delimiters(text)
            tr_tags = [m.group(1) for m in _TR_TAG.finditer(text)]
            rest = _TR_TAG.sub("", text)
            vm = _VM_TAG.search(rest)
            if vm:
                cell.vm = self._compile_vm(vm, row, col, where)
                rest = _VM_TAG.sub("", rest)
            cell.source = rest
            cell.extra = qualified_attrs(c_el, _TAGGED_SKIP)
            self._compile_tagged(cell, rest)
            if runs is not None and cell.kind == "text":
                self._compile_rich(cell, runs)
            return cell, tr_tags
        if f_el is not None:
            cell.extra = qualified_attrs(c_el, _FORMULA_SKIP)
            self._compile_formula(cell, c_el, f_el, r, col)
            return cell, []
        # Static cell: kept as written; its value feeds formula evaluation.
        cell.static_xml = _as_written(c_el)
        inner = len(c_el) > 0
        v = c_el.findtext(S + "v")
        if ctype == "n" and v is not None:
            try:
                cell.value = Decimal(v)
            except ArithmeticError:
                cell.value = None
        elif ctype == "b":
            cell.value = v == "1"
        elif text is not None:
            cell.value = text
        if v is None and text is None:
            cell.kind = "empty" if not inner else "static"
        return cell, []

    def _compile_tagged(self, cell: Cell, text: str) -> None:
        if not text.strip():
            cell.kind = "empty"
            cell.static_xml = f' s="{cell.style}"/>' if cell.style else "/>"
            return
        m = _ONLY_EXPR.match(text)
        if m and "}}" not in m.group(1) and "{{" not in m.group(1):
            cell.expr_source = m.group(1)  # compiled with its row (RowProgram)
            cell.kind = "expr"
            cell.date_style, cell.datetime_style = self.book.styles.date_variants(cell.style)
            return
        if ANY_TAG.search(text):
            cell.kind = "text"  # compiled with its row (RowProgram)
            return
        cell.kind = "static"  # only tr tags were there: the rest is plain text
        cell.value = text
        cell.static_xml = self._string_xml(cell.style, text)

    def _rich_runs(self, c_el: etree._Element) -> Optional[list[tuple[str, etree._Element]]]:
        """A rich-text cell's runs as (``<rPr>`` XML, a copy of the run's ``<t>``);
        None for plain text."""
        string = self.book.cell_string(c_el)
        if string is None or string.find(S + "r") is None:
            return None
        runs = []
        for r in string.iterchildren(S + "r"):
            rpr, t = r.find(S + "rPr"), r.find(S + "t")
            t_copy = etree.Element(S + "t")
            t_copy.text = t.text if t is not None else ""
            runs.append((_rpr_xml(rpr) if rpr is not None else "", t_copy))
        return runs

    @staticmethod
    def _compile_rich(cell: Cell, runs: list[tuple[str, etree._Element]]) -> None:
        """Keep the runs: the healed run texts, without tr tags, joined with run marks."""
        pieces = [_VM_TAG.sub("", _TR_TAG.sub("", normalize_delimiters(t.text or "")))
                  for _, t in runs]
        cell.runs = [rpr for rpr, _ in runs]
        marked = [pieces[0]]
        for i, piece in enumerate(pieces[1:], start=1):
            closers = _LEADING_CLOSERS.match(piece)
            cut = closers.end() if closers else 0
            marked.append(f"{piece[:cut]}\x01{i}\x02{piece[cut:]}")
        cell.jinja = "".join(marked)

    def _rich_xml(self, cell: Cell, value: Any, number: int) -> tuple[str, str]:
        """A rendered rich-text cell as an inline string with the template's runs (each
        run's rendered text in its own formatting); also the plain text."""
        raw = str(value.unescape()) if isinstance(value, Markup) else str(value)
        texts = [""] * len(cell.runs)
        at, pos = 0, 0
        for m in _RUN_MARK.finditer(raw):
            texts[at] += raw[pos:m.start()]
            at, pos = min(int(m.group(1)), len(texts) - 1), m.end()
        texts[at] += raw[pos:]
        texts = [finalize_text(t) for t in texts]
        total = sum(len(t) for t in texts)
        if total > MAX_CELL_CHARS:
            self._warn_cut(cell, number)
            room = MAX_CELL_CHARS
            for i, t in enumerate(texts):
                texts[i] = t[:room]
                room -= len(texts[i])
        s = f' s="{cell.style}"' if cell.style else ""
        plain = "".join(texts)
        if not plain:
            return f"{s}/>", ""
        runs = "".join(f'<r>{rpr}<t xml:space="preserve">{esc(t)}</t></r>'
                       for rpr, t in zip(cell.runs, texts) if t)
        return f'{s} t="inlineStr"><is>{runs}</is></c>', plain

    def _warn_cut(self, cell: Cell, number: int) -> None:
        warnings.warn(DocgenWarning(
            "text cut to Excel's limit of {limit} characters",
            SourceLocation(file=self.book.file, sheet=self.name,
                           cell=f"{cell.letters}{number}"), limit=MAX_CELL_CHARS),
            stacklevel=3)

    @staticmethod
    def _string_xml(style: Optional[str], text: str) -> str:
        s = f' s="{style}"' if style else ""
        if not text:
            return f"{s}/>"
        return f'{s} t="inlineStr"><is><t xml:space="preserve">{esc(text)}</t></is></c>'

    def _compile_formula(self, cell: Cell, c_el: etree._Element, f_el: etree._Element,
                         row: int, col: int) -> None:
        cell.kind = "formula"
        kind = f_el.get("t")
        text = f_el.text or ""
        if kind == "shared":
            si = f_el.get("si") or ""
            master = self.book.shared_masters.get((self.part, si))
            if text:
                master = (row, col, fx.tokenize(text))
                self.book.shared_masters[(self.part, si)] = master
            if master is None:
                raise self.book.error("a shared formula has no master cell", self.name,
                                      cell.where, "xml")
            m_row, m_col, m_tokens = master
            d_row, d_col = row - m_row, col - m_col
            cell.tokens = fx.tokenize(fx.translate(
                m_tokens, lambda ref: fx.shift_ref(ref, d_row, d_col)))
        elif kind == "dataTable":
            cell.kind = "static"  # what-if tables stay exactly as Excel wrote them
            cell.static_xml = _as_written(c_el)
            cell.extra = ""
            return
        else:
            cell.tokens = fx.tokenize(text)
            if kind == "array":
                cell.formula_attrs = ARRAY
        keep = [k for k in ("aca", "ca", "bx") if f_el.get(k) is not None]
        cell.formula_attrs += "".join(f' {k}="{f_el.get(k)}"' for k in keep)

    # -- rendering ---------------------------------------------------------------------

    def expand(self, context: Mapping[str, Any], sink: ImageSink,
               rich: Optional[RichCells] = None) -> tuple[list[OutRow], RowMap]:
        rows: list[OutRow] = []
        rowmap = RowMap(self.loop_rows)
        state = [0, 0]  # last output row, last template row consumed
        self._expand_block(self.body, context, (), rows, rowmap, state, sink,
                           rich or RichCells(self.book.styles, None))
        return rows, rowmap

    def _expand_block(self, block: Block, scope: Mapping[str, Any], key: IterKey,
                      rows: list[OutRow], rowmap: RowMap, state: list[int],
                      sink: ImageSink, rich: RichCells) -> None:
        for item in block.items:
            if isinstance(item, Row):
                if item.control:
                    continue
                state[0] += item.index - state[1]
                state[1] = item.index
                try:  # row loops inside row loops: the render's budget, Excel's rows
                    tick()
                    if state[0] > MAX_SHEET_ROWS:
                        raise RenderLimitError(TOO_MANY_ROWS, limit=MAX_SHEET_ROWS)
                except RenderLimitError as exc:
                    raise self.book.runtime_error(exc, self.name, str(item.index)) from None
                rowmap.add(item.index, key, state[0])
                if not key:
                    rowmap.mark(item.index, state[0])
                rows.append(self._render_row(item, scope, key, state[0], sink, rich))
                continue
            loop = item
            state[0] += max(0, loop.first - state[1] - 1)
            first_body = next((r.index for r in _rows_of(loop.body) if not r.control),
                              loop.first)
            iterations = self._iterations(loop, scope)
            written: list[tuple[Mapping[str, Any], int, int]] = []  # scope, rows[a:b]
            for i, inner in enumerate(iterations):
                state[1] = first_body - 1
                start = len(rows)
                self._expand_block(loop.body, inner, key + ((loop.ident, i),), rows, rowmap,
                                   state, sink, rich)
                if loop.merges and len(rows) > start:
                    written.append((inner, start, len(rows)))
            if written:
                self._merge_down(loop, written, rows, rowmap)
            if not iterations and not key and loop.ident in self.keep_one:
                state[0] += 1
                rows.append(self._empty_block_row(loop, state[0], rowmap))
            state[1] = loop.last
            if not key:
                rowmap.mark(loop.last, state[0])

    def _merge_down(self, loop: Loop, written: list[tuple[Mapping[str, Any], int, int]],
                    rows: list[OutRow], rowmap: RowMap) -> None:
        """The vertical merges of one run of ``loop`` (its ``{% vm %}`` cells): each
        stretch of iterations that follow one another with nothing written between
        them and with equal keys is one merge, from the vm cell's row in the first to
        the last row of the last; the cells it covers are emptied (formats kept)."""
        for vm in loop.merges:
            stretch: list[tuple[int, int, Any]] = []  # top row, last row, key value
            for scope, start, end in written:
                top = next((r.number for r in rows[start:end] if r.row.index == vm.row), None)
                if top is None:  # the vm cell's row was not written (an if inside)
                    continue
                value = self._vm_key(vm, scope)
                last = rows[end - 1].number
                first = rows[start].number
                if stretch and first == stretch[-1][1] + 1 and _same(value, stretch[-1][2]):
                    stretch[-1] = (stretch[-1][0], last, value)
                else:
                    stretch.append((top, last, value))
            covered: dict[int, OutRow] = {}
            for top, bottom, _ in stretch:
                if bottom <= top:
                    continue
                rowmap.merges.append((top, vm.col, bottom, vm.last_col))
                if not covered:
                    covered = {r.number: r for r in rows[written[0][1]:written[-1][2]]}
                for n in range(top + 1, bottom + 1):
                    out = covered.get(n)
                    if out is not None:
                        out.cells = [_emptied(oc) if vm.col <= oc.cell.col <= vm.last_col else oc
                                     for oc in out.cells]

    def _vm_key(self, vm: VMerge, scope: Mapping[str, Any]) -> Any:
        if vm.key is None:
            return None
        try:
            value = vm.key(scope)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            return value
        except TemplateError:
            raise
        except Exception as exc:
            raise self.book.runtime_error(exc, self.name, vm.where, vm.tag) from exc

    def _iterations(self, loop: Loop, scope: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        try:
            value = loop.iterable(scope)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            if loop.kind == "if":
                return [scope] if value else []
            kept: list[dict[str, Any]] = []
            for item in list(value):
                inner = dict(scope)
                if len(loop.targets) == 1:
                    inner[loop.targets[0]] = item
                else:
                    inner.update(zip(loop.targets, item))
                if loop.condition is None or loop.condition(inner):
                    kept.append(inner)
            for i, scope_i in enumerate(kept):
                scope_i["loop"] = LoopInfo(i, len(kept))
            return list(kept)
        except TemplateError:
            raise
        except Exception as exc:
            raise self.book.runtime_error(exc, self.name, loop.where, loop.source) from exc

    def _render_row(self, row: Row, scope: Mapping[str, Any], key: IterKey, number: int,
                    sink: ImageSink, rich: RichCells) -> OutRow:
        values = (self._program_values(row.program, scope, number, sink) if row.program
                  else self._cell_values(row, scope, number, sink))
        out: list[OutCell] = []
        for cell in row.cells:
            if cell.kind in ("static", "empty"):
                out.append(OutCell(cell, cell.static_xml, cell.value, key))
            elif cell.kind == "formula":
                out.append(OutCell(cell, "", None, key))
            else:
                value = next(values)
                if isinstance(value, Undefined):
                    try:
                        value._fail_with_undefined_error()
                    except Exception as exc:
                        raise self.book.runtime_error(exc, self.name, cell.where,
                                                      cell.source) from exc
                sink.current_anchor = (self.name, number, cell.col)
                out.append(self._typed_cell(cell, value, key, number, rich))
        return OutRow(row, number, key, out,
                      rich=row.rich_fits and any(oc.rich for oc in out))

    def _program_values(self, program: RowProgram, scope: Mapping[str, Any], number: int,
                        sink: ImageSink) -> Iterator[Any]:
        """The row's tagged cells evaluated in one go (the usual path)."""
        sink.current_anchor = (self.name, number, 0)
        try:
            return iter(program.run(scope))
        except TemplateError:
            raise
        except Exception as exc:
            cell = program.cell_of(exc)
            raise self.book.runtime_error(exc, self.name, cell.where if cell else f"{number}",
                                          cell.source if cell else None) from exc

    def _cell_values(self, row: Row, scope: Mapping[str, Any], number: int,
                     sink: ImageSink) -> Iterator[Any]:
        """Cell by cell, compiled on first use: rows whose cells do not compile together."""
        for cell in row.cells:
            if cell.kind not in ("expr", "text"):
                continue
            sink.current_anchor = (self.name, number, cell.col)
            try:
                if cell.kind == "expr":
                    if cell.expr is None:
                        cell.expr = self.book.expression(cell.expr_source)
                    value = cell.expr(scope)
                else:
                    if cell.text is None:
                        cell.text = self._compile_text(cell.jinja or cell.source,
                                                       cell.where, TEXT_ENV)
                    value = cell.text.render(scope)
            except TemplateError:
                raise
            except Exception as exc:
                raise self.book.runtime_error(exc, self.name, cell.where, cell.source) from exc
            yield value

    def _typed_cell(self, cell: Cell, value: Any, key: IterKey, number: int,
                    rich: RichCells) -> OutCell:
        style = cell.style
        if isinstance(value, PlacedImage):
            value.sink.place(value)
            value = None
        if value is None:
            return OutCell(cell, f' s="{style}"/>' if style else "/>", None, key)
        if isinstance(value, bool):
            return OutCell(cell, _typed(style, "b", "1" if value else "0"), value, key)
        if isinstance(value, (int, Decimal)) or (isinstance(value, float) and value == value
                                                 and value not in (float("inf"), float("-inf"))):
            num = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
            if not num.is_finite():
                return OutCell(cell, self._string_xml(style, str(value)), str(value), key)
            return OutCell(cell, _typed(style, None, fx.format_number(num)), num, key)
        if isinstance(value, (dt.date, dt.datetime)):
            serial = fx.date_serial(value)
            if isinstance(value, dt.datetime):
                style = cell.datetime_style or style
            else:
                style = cell.date_style or style
            return OutCell(cell, _typed(style, None, fx.format_number(serial)), serial, key)
        if isinstance(value, dt.time):
            secs = value.hour * 3600 + value.minute * 60 + value.second
            serial = (Decimal(secs) / 86400).quantize(Decimal("1e-10"))
            return OutCell(cell, _typed(style, None, fx.format_number(serial)), serial, key)
        if type(value) is not str and isinstance(value, Formatted):
            return self._formatted_cell(cell, value, key, number, rich)
        if cell.runs:
            xml, plain = self._rich_xml(cell, value, number)
            return OutCell(cell, xml, plain, key)
        if cell.fit is not None and isinstance(value, str) and SECONDARY_OPEN in value:
            value = _stack_languages(value, cell.fit)
        text = finalize_text(value)
        if len(text) > MAX_CELL_CHARS:
            self._warn_cut(cell, number)
            text = text[:MAX_CELL_CHARS]
        return OutCell(cell, self._string_xml(style, text), text, key)

    def _formatted_cell(self, cell: Cell, value: Formatted, key: IterKey, number: int,
                        rich: RichCells) -> OutCell:
        """A Markdown or RichText value alone in its cell: an inline rich string, each
        run in the cell's font plus the span's formatting, lists laid out as lines
        (:mod:`.xlsx_rich`), in a wrapping copy of the cell's format. Never a formula:
        text starting with ``=`` stays text."""
        try:
            blocks = value.blocks()
        except TemplateError:
            raise
        except Exception as exc:
            raise self.book.runtime_error(exc, self.name, cell.where, cell.source) from exc
        base = self.book.styles.run_font(cell.style, rich.face)
        inline, plain, cut = rich_string(blocks, base, MAX_CELL_CHARS)
        if cut:
            self._warn_cut(cell, number)
        if not plain:
            return OutCell(cell, f' s="{cell.style}"/>' if cell.style else "/>", None, key)
        style = rich.wrapping(cell.style)
        s = f' s="{style}"' if style else ""
        return OutCell(cell, f'{s} t="inlineStr">{inline}</c>', plain, key, rich=True)

    def header_texts(self, context: Mapping[str, Any]) -> dict[int, str]:
        out = {}
        for ident, tpl in self.header_templates.items():
            try:
                # as in cells: no character XML forbids (lxml refuses to write one)
                out[ident] = FORBIDDEN.sub("", tpl.render(context))
            except Exception as exc:
                where, text = self.header_names[ident]
                raise self.book.runtime_error(exc, self.name, where, text) from exc
        return out


_BILINGUAL_SEPARATOR = " / " + SECONDARY_OPEN


def _stack_languages(text: str, fit: FitCell) -> str:
    """A bilingual label ("회의록 / 会议纪要") too long for one line of its wrapping
    cell: each language on a line of its own, so that neither is broken mid-word."""
    if _BILINGUAL_SEPARATOR not in text:
        return text
    plain = strip_language_marks(text)
    if text_lines(plain, fit.width_pt, fit.font.size, fit.font.bold) < 2:
        return text
    return text.replace(_BILINGUAL_SEPARATOR, "\n" + SECONDARY_OPEN)


def _as_written(c_el: etree._Element) -> str:
    """A cell's XML after ``r="…"``: its other attributes and children as they are."""
    attrs = qualified_attrs(c_el, _CELL_SKIP)
    inner = "".join(serialize(ch) for ch in c_el)
    return f"{attrs}>{inner}</c>" if inner else f"{attrs}/>"


def _rpr_xml(rpr: etree._Element) -> str:
    """A run's properties as written, for an inline string: SpreadsheetML children
    with their (unprefixed) attributes, in the template's order."""
    parts = []
    for ch in rpr:
        if not isinstance(ch.tag, str):
            continue
        q = etree.QName(ch)
        if q.namespace != S_NS:
            continue
        attrs = "".join(f' {k}="{attr_esc(v)}"' for k, v in ch.attrib.items() if k[0] != "{")
        parts.append(f"<{q.localname}{attrs}/>")
    return f"<rPr>{''.join(parts)}</rPr>"


def _suffix_name(el: etree._Element) -> str:
    """A worksheet child's name for ordering: ``mc:AlternateContent`` (Excel wraps
    form controls and OLE objects in one) counts as the element its first choice holds."""
    qname = etree.QName(el)
    if qname.namespace == MC_NS and qname.localname == "AlternateContent":
        for choice in el:
            for inner in choice if isinstance(choice.tag, str) else ():
                if isinstance(inner.tag, str):
                    name: str = etree.QName(inner).localname
                    return name
        return "AlternateContent"
    local: str = qname.localname
    return local


def _split_loop_filter(text: str) -> tuple[str, Optional[str]]:
    """``xs|sort if x.ok`` → (``xs|sort``, ``x.ok``): Jinja's loop filter is the first
    ``if`` outside brackets and strings (``[1 if a else 2]`` is part of the list)."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and re.match(r"\sif\s", text[i:i + 4]):
            return text[:i].strip(), text[i + 4:].strip()
        i += 1
    return text.strip(), None


def _same(a: Any, b: Any) -> bool:
    """Two vm keys equal (a comparison that fails counts as different)."""
    try:
        return bool(a == b)
    except Exception:
        return False


def _emptied(oc: OutCell) -> OutCell:
    """A cell covered by a vertical merge: no value, its format kept."""
    style = oc.cell.style
    xml = f' s="{style}"/>' if style else "/>"
    return OutCell(replace(oc.cell, kind="empty", static_xml=xml, value=None, extra="",
                           runs=(), fit=None, rich_fit=None), xml, None, oc.key)


def _merges_of(root: etree._Element) -> list[tuple[int, int, int, int]]:
    """The template's merged cells as (first row, first col, last row, last col)."""
    out = []
    for mc in root.iter(S + "mergeCell"):
        first, _, last = (mc.get("ref") or "").partition(":")
        try:
            (r1, c1), (r2, c2) = fx.parse_cell(first), fx.parse_cell(last or first)
        except ValueError:
            continue
        out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return out


def _ref(m: tuple[int, int, int, int]) -> str:
    r1, c1, r2, c2 = m
    return f"{fx.col_letters(c1)}{r1}:{fx.col_letters(c2)}{r2}"


def _rows_of(block: Block) -> list[Row]:
    out: list[Row] = []
    for item in block.items:
        if isinstance(item, Row):
            out.append(item)
        else:
            out.extend(_rows_of(item.body))
    return out


def _typed(style: Optional[str], t: Optional[str], v: str) -> str:
    s = f' s="{style}"' if style else ""
    tt = f' t="{t}"' if t else ""
    return f"{s}{tt}><v>{v}</v></c>"
