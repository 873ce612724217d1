"""Compiled Excel templates: parse and compile once, render to .xlsx bytes many times.

Work is done on the SpreadsheetML itself, not through an object model, so whatever
a template holds — shapes, header images, form controls, themes, cell styles,
extension lists — reaches the output untouched; only what rendering must change is
rewritten:

* cells with tags: ``{{ expr }}`` alone gives a typed cell (number, date, bool) in
  the template cell's style; any other text with tags gives a string;
* row blocks: ``{%tr for x in xs %}`` in a row's first cell … ``{%tr endfor %}`` at
  the end of the same or a later row repeat those rows (``{%tr if %}`` … ``{%tr
  endif %}`` keeps or drops them). A row that holds nothing but such a tag is a
  control row and is not written (docxtpl's style);
* everything addressed by row follows the rows: formulas (a reference into a
  repeated block points at the same repetition; a range over the block grows),
  merged cells, conditional formats, data validations, hyperlinks, defined names
  and the print area, page breaks, drawing anchors, table ranges, the dimension;
* formula cells get cached values computed by :mod:`.formula`, and the workbook
  asks for a full recalculation on open; ``calcChain.xml`` is dropped.

Values never become formulas: rendered text is written as an inline string, so
``=HYPERLINK(…)`` typed into a client name stays text.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, Union

import jinja2
import jinja2.meta
from jinja2 import Undefined
from lxml import etree
from markupsafe import Markup

from ..errors import DocgenWarning, SourceLocation, TemplateError
from ..i18n.locale import DocLocale
from . import formula as fx
from .docx import CompiledPart, _template_line
from .fonts import DEFAULT_EAST_ASIAN_FONTS
from .environment import PROVIDED_NAMES, finalize_plain, make_environment
from .images import (
    IMAGE_REL, ImageSink, PlacedImage, add_content_defaults, add_relationships, free_id,
    media_names, rel_ids_of, rels_name, relative_target,
)
from .package import BadPackage, Member, make_member, read_package
from .wordml import LoweringError, lower_plain_part, normalize_delimiters

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S = "{%s}" % S_NS
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
XDR = "{%s}" % XDR_NS
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
MAX_CELL_CHARS = 32_767
_ARRAY = ' t="array"'

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_TR_TAG = re.compile(r"\{%-?\s*tr\s+(.*?)\s*-?%\}", re.DOTALL)
_ONLY_EXPR = re.compile(r"^\s*\{\{-?\s*(.*?)\s*-?\}\}\s*$", re.DOTALL)
_ANY_TAG = re.compile(r"\{\{|\{%|\{#")
_FOR = re.compile(r"^for\s+(.+?)\s+in\s+(.+)$", re.DOTALL)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DIMENSION = re.compile(r'<dimension\b[^>]*/>')
_DEFAULT_NS_DECL = f' xmlns="{S_NS}"'
# Built-in number formats that show dates or times (ECMA-376 §18.8.30, with the
# East Asian ids 27–36 and 50–58 Excel uses for 年月日 formats).
_DATE_FMT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_SUFFIX_ORDER = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter",
    "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)


RenderWarning = DocgenWarning  # the name tests and library users import from here


def _finalize_text(value: Any) -> str:
    """Printed values inside mixed cell text: plain text (escaped when written)."""
    if value is None:
        return ""
    if isinstance(value, PlacedImage):
        value.sink.place(value)
        return ""
    if isinstance(value, Markup):
        return str(value.unescape())
    return value if type(value) is str else str(value)


def _finalize_header(value: Any) -> str:
    """Header/footer text: ``&`` starts a code there, so a literal one is doubled."""
    return _finalize_text(value).replace("&", "&&")


_TEXT_ENV = make_environment(_finalize_text)
_HEADER_ENV = make_environment(_finalize_header)


def _esc(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _FORBIDDEN.sub("", text)


def _attr_esc(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _serialize(el: etree._Element) -> str:
    text: str = etree.tostring(el, encoding="unicode")
    return text.replace(_DEFAULT_NS_DECL, "")


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return bool(re.search(r"[dmyhsDMYHS]", code)) and "General" not in code


# --------------------------------------------------------------------------------------
# Compiled pieces


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
    source: str = ""  # the cell's Jinja text (tagged cells)
    expr_source: str = ""  # the expression of an expr cell


@dataclass
class Row:
    index: int
    attrs: str
    cells: list[Cell]
    control: bool = False
    program: Optional["RowProgram"] = None


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
                        % (cell.col, i, cell.source))
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

    def cell_at(self, lineno: Optional[int]) -> Optional[Cell]:
        if lineno is None:
            return None
        found = None
        for first, cell in zip(self.first_lines, self.cells):
            if first <= lineno:
                found = cell
        return found

    def run(self, scope: Mapping[str, Any]) -> list[Any]:
        module = self.template.make_module(dict(scope))
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


IterKey = tuple[tuple[int, int], ...]


@dataclass
class OutCell:
    cell: Cell
    xml: str = ""  # complete for non-formula cells
    value: fx.Value = None
    key: IterKey = ()


@dataclass
class OutRow:
    row: Row
    number: int
    key: IterKey
    cells: list[OutCell]


class RowMap:
    """Where each template row went: template row → [(iteration key, output row)].

    Rows inside a row block exist only as their repetitions (none when the block ran
    zero times). Every other template row — including rows the template never wrote
    (empty, between or after its rows) — sits at a fixed offset from the last
    row written before it, so ``A1:A1000`` or a print area past the last cell still
    moves by what the blocks added.
    """

    def __init__(self, dynamic: frozenset[int] = frozenset()) -> None:
        self.rows: dict[int, list[tuple[IterKey, int]]] = {}
        self.identity = True
        self.dynamic = dynamic  # template rows inside row blocks
        self._marks: list[tuple[int, int]] = []  # (template row consumed, output row)
        self._sorted: Optional[list[int]] = None

    def add(self, template_row: int, key: IterKey, number: int) -> None:
        self.rows.setdefault(template_row, []).append((key, number))
        if key or number != template_row:
            self.identity = False

    def mark(self, template_row: int, number: int) -> None:
        """The expansion has consumed template rows up to ``template_row`` and written
        output rows up to ``number``."""
        self._marks.append((template_row, number))
        if template_row != number:
            self.identity = False

    def _virtual(self, row: int) -> int:
        out = row
        for t, n in self._marks:  # marks grow with t; the last one before row wins
            if t < row:
                out = n + (row - t)
            else:
                break
        return out

    def find(self, row: int, key: IterKey, last: bool) -> Optional[int]:
        entries = self.rows.get(row)
        if not entries:
            return None if row in self.dynamic else self._virtual(row)
        if len(entries) == 1:
            return entries[0][1]
        chosen = _compatible(entries, key)
        return max(chosen) if last else min(chosen)

    def span(self, first: int, last: int, key: IterKey) -> Optional[tuple[int, int]]:
        """Output rows covered by template rows ``first..last``: a range grows to
        every repetition of the rows inside it (those of ``key``'s own repetition
        when the range is written inside the block)."""
        found: list[int] = []
        for t in (first, last):
            if t not in self.rows and t not in self.dynamic:
                found.append(self._virtual(t))
        if self._sorted is None:
            self._sorted = sorted(self.rows)
        lo_i = bisect.bisect_left(self._sorted, first)
        hi_i = bisect.bisect_right(self._sorted, last)
        for t in self._sorted[lo_i:hi_i]:
            chosen = _compatible(self.rows[t], key)
            found.append(min(chosen))
            found.append(max(chosen))
        if not found:
            return None
        return min(found), max(found)


def _compatible(entries: list[tuple[IterKey, int]], key: IterKey) -> list[int]:
    """Output rows of the entries that share most enclosing repetitions with ``key``."""
    if len(entries) == 1:
        return [entries[0][1]]
    best, chosen = -1, []
    for k, n in entries:
        common = 0
        for a, b in zip(k, key):
            if a != b:
                break
            common += 1
        if common > best:
            best, chosen = common, [n]
        elif common == best:
            chosen.append(n)
    return chosen


class SheetTemplate:
    """One worksheet: prefix XML, compiled rows and the elements after the rows."""

    def __init__(self, book: "XlsxTemplate", name: str, part: str, root: etree._Element,
                 raw: str) -> None:
        self.book = book
        self.name = name
        self.part = part
        start = raw.find("<sheetData")
        if start < 0:
            raise book.error("broken worksheet (no sheetData)", name, None, "xml")
        self.prefix = raw[:start]
        sheet_data = root.find(S + "sheetData")
        assert sheet_data is not None
        self.suffix: list[tuple[str, etree._Element]] = []
        after = False
        for child in root:
            if child is sheet_data:
                after = True
            elif after and isinstance(child.tag, str):
                self.suffix.append((etree.QName(child).localname, child))
        self.sources: list[str] = []  # Jinja source of every tag, for fields()
        self.header_templates: dict[int, jinja2.Template] = {}  # child index -> template
        for local, el in self.suffix:
            if local == "headerFooter":
                for i, sub in enumerate(el):
                    if sub.text and _ANY_TAG.search(normalize_delimiters(sub.text)):
                        text = normalize_delimiters(sub.text)
                        self.header_templates[i] = self._compile_text(
                            text, f"{etree.QName(sub).localname}", _HEADER_ENV)
                        self.sources.append(text)
        self.loops = 0
        self.loops_found: list[Loop] = []
        self.max_col = 1
        self.body = self._compile_rows(sheet_data)
        self.loop_rows = frozenset(r for lp in self.loops_found
                                   for r in range(lp.first, lp.last + 1))
        self.has_loops = self.loops > 0
        dim = re.search(r'<dimension\b[^>]*\bref="[^"]*?([A-Z]{1,3})\d*"', self.prefix)
        if dim:  # the template's used range may be wider than its cells (merges, shapes)
            self.max_col = max(self.max_col, fx.col_index(dim.group(1)))
        self.drawing_part: Optional[str] = None  # set by the workbook
        self.drawing_rid: Optional[str] = None
        self.table_parts: list[str] = []
        self.has_legacy = any(local in ("legacyDrawing",) for local, _ in self.suffix)

    # -- compiling -------------------------------------------------------------------

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
                                  detail=exc.message, excerpt=text) from None

    def _compile_rows(self, sheet_data: etree._Element) -> Block:
        root = Block()
        stack: list[tuple[Block, Optional[Loop]]] = [(root, None)]
        for row_el in sheet_data.iter(S + "row"):
            index = int(row_el.get("r") or 0)
            if not index:
                raise self.book.error("rows without numbers are not supported", self.name,
                                      None, "xml")
            attrs = "".join(f' {k}="{_attr_esc(v)}"' for k, v in row_el.attrib.items()
                            if k not in ("r", "spans"))
            cells: list[Cell] = []
            openers: list[tuple[str, str]] = []
            closers: list[tuple[str, str]] = []
            for c_el in row_el.iter(S + "c"):
                cell, tr_tags = self._compile_cell(c_el, index)
                for tag in tr_tags:
                    (closers if tag.split()[0] in ("endfor", "endif") else openers).append(
                        (tag, cell.where))
                cells.append(cell)
                self.max_col = max(self.max_col, cell.col)
            for tag, _ in openers:
                self.sources.append("{% " + tag + " %}")
            self.sources.extend(c.source for c in cells if c.source)
            for tag, _ in closers:
                self.sources.append("{% " + tag + " %}")
            for tag, where in openers:
                head = tag.split()[0]
                if head not in ("for", "if"):
                    raise self.book.error(
                        "'{{%tr {tag} %}}' is not supported in a sheet (use for/endfor or "
                        "if/endif)", self.name, where, "syntax", tag=tag)
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
                    self._locate_syntax_error(dynamic)  # raises, naming the cell
                    row.program = None  # cells compiled alone are still correct, just slower
            stack[-1][0].items.append(row)
            for tag, where in closers:
                head = tag.split()[0]
                _, open_loop = stack[-1]
                if open_loop is None or (head == "endfor") != (open_loop.kind == "for"):
                    raise self.book.error("'{{%tr {tag} %}}' without a matching opening tag",
                                          self.name, where, "unclosed", tag=tag)
                open_loop.last = index
                stack.pop()
        if len(stack) > 1:
            unclosed = stack[-1][1]
            assert unclosed is not None
            raise self.book.error("'{{%tr {tag} %}}' is never closed (add {{%tr end{tag} %}})",
                                  self.name, unclosed.where, "unclosed", tag=unclosed.kind)
        return root

    def _locate_syntax_error(self, cells: list[Cell]) -> None:
        """Parse each cell alone to report a row's syntax error at its cell."""
        for cell in cells:
            source = "{{ (%s) }}" % cell.expr_source if cell.kind == "expr" else cell.source
            try:
                _TEXT_ENV.parse(source)
            except jinja2.TemplateSyntaxError as exc:
                raise self.book.error("template syntax error: {detail}", self.name, cell.where,
                                      "syntax", detail=exc.message, excerpt=cell.source) from None

    def _compile_loop(self, tag: str, row: int, where: str) -> Loop:
        self.loops += 1
        env = self.book.env
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
                            cond, row, Block(), where=where)
            expr = tag[2:].strip()
            return Loop(self.loops, "if", [], self.book.expression(expr),
                        None, row, Block(), where=where)
        except jinja2.TemplateSyntaxError as exc:
            raise self.book.error("template syntax error: {detail}", self.name, where, "syntax",
                                  detail=exc.message, excerpt="{%tr " + tag + " %}") from None

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
        if text is not None and (_ANY_TAG.search(text) or "｛" in text):
            text = normalize_delimiters(text)
            tr_tags = [m.group(1) for m in _TR_TAG.finditer(text)]
            rest = _TR_TAG.sub("", text)
            cell.source = rest
            self._compile_tagged(cell, rest)
            return cell, tr_tags
        if f_el is not None:
            self._compile_formula(cell, c_el, f_el, r, col)
            return cell, []
        # Static cell: kept as written; its value feeds formula evaluation.
        attrs = "".join(f' {k}="{_attr_esc(v)}"' for k, v in c_el.attrib.items() if k != "r")
        inner = "".join(_serialize(ch) for ch in c_el)
        cell.static_xml = f'{attrs}>{inner}</c>' if inner else f'{attrs}/>'
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
        if _ANY_TAG.search(text):
            cell.kind = "text"  # compiled with its row (RowProgram)
            return
        cell.kind = "static"  # only tr tags were there: the rest is plain text
        cell.value = text
        cell.static_xml = self._string_xml(cell.style, text)

    @staticmethod
    def _string_xml(style: Optional[str], text: str) -> str:
        s = f' s="{style}"' if style else ""
        if not text:
            return f"{s}/>"
        return f'{s} t="inlineStr"><is><t xml:space="preserve">{_esc(text)}</t></is></c>'

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
            attrs = "".join(f' {k}="{_attr_esc(v)}"' for k, v in c_el.attrib.items() if k != "r")
            cell.static_xml = f'{attrs}>{"".join(_serialize(ch) for ch in c_el)}</c>'
            return
        else:
            cell.tokens = fx.tokenize(text)
            if kind == "array":
                cell.formula_attrs = _ARRAY
        keep = [k for k in ("aca", "ca", "bx") if f_el.get(k) is not None]
        cell.formula_attrs += "".join(f' {k}="{f_el.get(k)}"' for k in keep)

    # -- rendering ---------------------------------------------------------------------

    def expand(self, context: Mapping[str, Any], sink: ImageSink) -> tuple[list[OutRow], RowMap]:
        rows: list[OutRow] = []
        rowmap = RowMap(self.loop_rows)
        state = [0, 0]  # last output row, last template row consumed
        self._expand_block(self.body, context, (), rows, rowmap, state, sink)
        return rows, rowmap

    def _expand_block(self, block: Block, scope: Mapping[str, Any], key: IterKey,
                      rows: list[OutRow], rowmap: RowMap, state: list[int],
                      sink: ImageSink) -> None:
        for item in block.items:
            if isinstance(item, Row):
                if item.control:
                    continue
                state[0] += item.index - state[1]
                state[1] = item.index
                rowmap.add(item.index, key, state[0])
                if not key:
                    rowmap.mark(item.index, state[0])
                rows.append(self._render_row(item, scope, key, state[0], sink))
                continue
            loop = item
            state[0] += max(0, loop.first - state[1] - 1)
            first_body = next((r.index for r in _rows_of(loop.body) if not r.control),
                              loop.first)
            for i, inner in enumerate(self._iterations(loop, scope)):
                state[1] = first_body - 1
                self._expand_block(loop.body, inner, key + ((loop.ident, i),), rows, rowmap,
                                   state, sink)
            state[1] = loop.last
            if not key:
                rowmap.mark(loop.last, state[0])

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
            raise self.book.runtime_error(exc, self.name, loop.where) from exc

    def _render_row(self, row: Row, scope: Mapping[str, Any], key: IterKey, number: int,
                    sink: ImageSink) -> OutRow:
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
                        raise self.book.runtime_error(exc, self.name, cell.where) from exc
                sink.current_anchor = (self.name, number, cell.col)
                out.append(self._typed_cell(cell, value, key, number))
        return OutRow(row, number, key, out)

    def _program_values(self, program: RowProgram, scope: Mapping[str, Any], number: int,
                        sink: ImageSink) -> Iterator[Any]:
        """The row's tagged cells evaluated in one go (the usual path)."""
        sink.current_anchor = (self.name, number, 0)
        try:
            return iter(program.run(scope))
        except TemplateError:
            raise
        except Exception as exc:
            cell = program.cell_at(_template_line(exc.__traceback__, program.filename))
            raise self.book.runtime_error(exc, self.name, cell.where if cell else f"{number}") \
                from exc

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
                        cell.text = self._compile_text(cell.source, cell.where, _TEXT_ENV)
                    value = cell.text.render(scope)
            except TemplateError:
                raise
            except Exception as exc:
                raise self.book.runtime_error(exc, self.name, cell.where) from exc
            yield value

    def _typed_cell(self, cell: Cell, value: Any, key: IterKey, number: int) -> OutCell:
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
        text = _finalize_text(value)
        if len(text) > MAX_CELL_CHARS:
            warnings.warn(DocgenWarning(
                "text cut to Excel's limit of {limit} characters",
                SourceLocation(file=self.book.file, sheet=self.name,
                               cell=f"{cell.letters}{number}"), limit=MAX_CELL_CHARS),
                stacklevel=2)
            text = text[:MAX_CELL_CHARS]
        return OutCell(cell, self._string_xml(style, text), text, key)

    def header_texts(self, context: Mapping[str, Any]) -> dict[int, str]:
        out = {}
        for ident, tpl in self.header_templates.items():
            try:
                out[ident] = tpl.render(context)
            except Exception as exc:
                raise self.book.runtime_error(exc, self.name, "headerFooter") from exc
        return out


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


# --------------------------------------------------------------------------------------
# Styles: date variants of cell formats


class Styles:
    """``xl/styles.xml``: which cell formats show dates, plus date variants added at
    compile time for typed cells whose template format is not a date format."""

    def __init__(self, xml: Optional[bytes]) -> None:
        self.root = etree.fromstring(xml, _PARSER) if xml else None
        self.changed = False
        self._variants: dict[tuple[Optional[str], str], str] = {}
        self.custom: dict[int, str] = {}
        self.xfs: list[etree._Element] = []
        if self.root is None:
            return
        num_fmts = self.root.find(S + "numFmts")
        if num_fmts is not None:
            for nf in num_fmts:
                self.custom[int(nf.get("numFmtId", "0"))] = nf.get("formatCode", "")
        cell_xfs = self.root.find(S + "cellXfs")
        if cell_xfs is not None:
            self.xfs = list(cell_xfs)

    def is_date(self, style: Optional[str]) -> bool:
        if not self.xfs:
            return False
        xf = self.xfs[int(style or 0)] if int(style or 0) < len(self.xfs) else None
        if xf is None:
            return False
        fmt_id = int(xf.get("numFmtId", "0"))
        if fmt_id in self.custom:
            return _is_date_code(self.custom[fmt_id])
        return fmt_id in _DATE_FMT_IDS

    def date_variants(self, style: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        if self.root is None or self.is_date(style):
            return None, None
        return self._variant(style, "yyyy-mm-dd"), self._variant(style, "yyyy-mm-dd hh:mm")

    def _variant(self, style: Optional[str], code: str) -> Optional[str]:
        key = (style, code)
        if key in self._variants:
            return self._variants[key]
        assert self.root is not None
        fmt_id = next((i for i, c in self.custom.items() if c == code), None)
        if fmt_id is None:
            fmt_id = max([163, *self.custom]) + 1
            num_fmts = self.root.find(S + "numFmts")
            if num_fmts is None:
                num_fmts = etree.Element(S + "numFmts")
                self.root.insert(0, num_fmts)
            etree.SubElement(num_fmts, S + "numFmt", numFmtId=str(fmt_id), formatCode=code)
            num_fmts.set("count", str(len(num_fmts)))
            self.custom[fmt_id] = code
        cell_xfs = self.root.find(S + "cellXfs")
        if cell_xfs is None:
            return None
        base = self.xfs[int(style or 0)] if int(style or 0) < len(self.xfs) else None
        xf = etree.SubElement(cell_xfs, S + "xf") if base is None else _append_copy(cell_xfs, base)
        xf.set("numFmtId", str(fmt_id))
        xf.set("applyNumberFormat", "1")
        self.xfs.append(xf)
        cell_xfs.set("count", str(len(self.xfs)))
        self.changed = True
        index = str(len(self.xfs) - 1)
        self._variants[key] = index
        return index

    def xml(self) -> bytes:
        assert self.root is not None
        out: bytes = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)
        return out


def _append_copy(parent: etree._Element, el: etree._Element) -> etree._Element:
    import copy
    new = copy.deepcopy(el)
    parent.append(new)
    return new


# --------------------------------------------------------------------------------------
# The workbook


class XlsxTemplate:
    """A .xlsx template: static members pre-deflated, worksheets compiled."""

    def __init__(self, data: bytes, file: str = "<template>") -> None:
        self.file = file
        self.env = _TEXT_ENV
        self.shared_masters: dict[tuple[str, str], tuple[int, int, list[fx.Token]]] = {}
        self.compiled_exprs: dict[str, Any] = {}
        self.compiled_texts: dict[tuple[int, str], jinja2.Template] = {}
        self.compiled_rows: dict[str, jinja2.Template] = {}
        self.unevaluated: set[tuple[str, str]] = set()  # formula cells already reported
        try:
            members = read_package(data)
        except BadPackage as exc:
            raise TemplateError("not a readable .xlsx file ({detail})", SourceLocation(file=file),
                                code="package", params={"detail": str(exc)}) from None
        self.raw = dict(members)
        if "xl/workbook.xml" not in self.raw:
            raise TemplateError("not an Excel workbook (no xl/workbook.xml)",
                                SourceLocation(file=file), code="package")
        self.order = [n for n, _ in members if n != "xl/calcChain.xml"]
        self.shared_strings = self._read_shared_strings()
        self.styles = Styles(self.raw.get("xl/styles.xml"))
        self.workbook = self._xml("xl/workbook.xml")
        self.sheets: list[SheetTemplate] = []
        sheet_parts = self._sheet_parts()
        for name, part in sheet_parts:
            raw = self.raw.get(part)
            if raw is None:
                continue
            root = self._xml(part)
            self.sheets.append(SheetTemplate(self, name, part, root, raw.decode("utf-8")))
        self._link_drawings()
        self.core: Optional[CompiledPart] = None
        core = self.raw.get("docProps/core.xml")
        if core and b"{" in core:
            try:
                lowered = lower_plain_part(etree.fromstring(core, _PARSER))
            except LoweringError as exc:
                raise TemplateError(exc.message, SourceLocation(file=file, part="docProps/core.xml"),
                                    code="unclosed", params=exc.params) from None
            if lowered.has_tags:
                self.core = CompiledPart("docProps/core.xml", lowered,
                                         make_environment(finalize_plain), file)
        self.sst_xml = self._clean_shared_strings()
        self.workbook_xml = self._workbook_static()
        self._static: dict[str, Member] = {}
        self._styles_by_font: dict[str, Member] = {}
        dynamic = {s.part for s in self.sheets} | {"xl/workbook.xml", "docProps/core.xml"}
        for name in self.order:
            if name in dynamic and (name != "docProps/core.xml" or self.core is not None):
                continue
            blob = self.raw[name]
            if name == "xl/sharedStrings.xml" and self.sst_xml is not None:
                blob = self.sst_xml
            elif name == "xl/styles.xml" and self.styles.changed:
                blob = self.styles.xml()
            elif name == "[Content_Types].xml":
                blob = blob.replace(
                    b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>', b"")
            elif name == "xl/_rels/workbook.xml.rels":
                blob = _drop_rel(blob, "calcChain")
            self._static[name] = make_member(name, blob)
        self._warn_unmovable()

    # -- reading -----------------------------------------------------------------------

    def _xml(self, name: str) -> etree._Element:
        try:
            return etree.fromstring(self.raw[name], _PARSER)
        except etree.XMLSyntaxError as exc:
            raise TemplateError("broken XML in the template: {detail}",
                                SourceLocation(file=self.file, part=name), code="xml",
                                params={"detail": str(exc)}) from None

    def expression(self, source: str) -> Any:
        """A compiled Jinja expression, shared by every use of the same source (layout
        variants of a template repeat the same expressions many times)."""
        found = self.compiled_exprs.get(source)
        if found is None:
            found = self.compiled_exprs[source] = self.env.compile_expression(
                source, undefined_to_none=False)
        return found

    def error(self, message: str, sheet: Optional[str], cell: Optional[str], code: str,
              excerpt: Optional[str] = None, **params: Any) -> TemplateError:
        return TemplateError(message, SourceLocation(file=self.file, sheet=sheet, cell=cell),
                             code=code, excerpt=excerpt, params=params)

    def runtime_error(self, exc: Exception, sheet: str, cell: str) -> TemplateError:
        if isinstance(exc, jinja2.UndefinedError):
            return self.error("undefined variable: {detail}", sheet, cell, "undefined",
                              detail=exc.message)
        if isinstance(exc, jinja2.exceptions.SecurityError):
            return self.error("not allowed in a template: {detail}", sheet, cell, "sandbox",
                              detail=str(exc))
        if isinstance(exc, jinja2.TemplateError):
            return self.error("template error: {detail}", sheet, cell, "render",
                              detail=exc.message)
        return self.error("cannot render: {detail}", sheet, cell, "render",
                          detail=f"{type(exc).__name__}: {exc}")

    def _read_shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.raw:
            return []
        root = self._xml("xl/sharedStrings.xml")
        return [_si_text(si) for si in root.iter(S + "si")]

    def cell_text(self, c_el: etree._Element) -> Optional[str]:
        t = c_el.get("t")
        if t == "s":
            v = c_el.findtext(S + "v")
            try:
                return self.shared_strings[int(v or "")]
            except (ValueError, IndexError):
                return None
        if t == "inlineStr":
            is_el = c_el.find(S + "is")
            return _si_text(is_el) if is_el is not None else ""
        if t == "str":
            return c_el.findtext(S + "v") or ""
        return None

    def _sheet_parts(self) -> list[tuple[str, str]]:
        rels = _rels(self.raw.get("xl/_rels/workbook.xml.rels"))
        out = []
        sheets = self.workbook.find(S + "sheets")
        for sh in (sheets if sheets is not None else []):
            rid = sh.get(f"{{{R_NS}}}id")
            target = rels.get(rid or "")
            if target is None:
                continue
            out.append((sh.get("name") or "", _resolve("xl/workbook.xml", target[1])))
        return out

    def _link_drawings(self) -> None:
        for sheet in self.sheets:
            rels = _rels(self.raw.get(rels_name(sheet.part)))
            for rid, (rtype, target) in rels.items():
                if rtype.endswith("/drawing"):
                    sheet.drawing_part = _resolve(sheet.part, target)
                    sheet.drawing_rid = rid
                elif rtype.endswith("/table"):
                    sheet.table_parts.append(_resolve(sheet.part, target))

    def _warn_unmovable(self) -> None:
        for sheet in self.sheets:
            if sheet.has_loops and sheet.has_legacy:
                warnings.warn(DocgenWarning(
                    "sheet '{sheet}' has comments or form controls; they keep their "
                    "template rows when row loops insert rows",
                    SourceLocation(file=self.file), sheet=sheet.name), stacklevel=3)

    def _clean_shared_strings(self) -> Optional[bytes]:
        """Shared strings that held tags are blanked: no tag syntax reaches the output."""
        if not any(_ANY_TAG.search(normalize_delimiters(t)) for t in self.shared_strings):
            return None
        root = self._xml("xl/sharedStrings.xml")
        for si in root.iter(S + "si"):
            if _ANY_TAG.search(normalize_delimiters(_si_text(si))):
                for child in list(si):
                    si.remove(child)
                etree.SubElement(si, S + "t")
        out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return out

    def _workbook_static(self) -> etree._Element:
        wb = self.workbook
        calc = wb.find(S + "calcPr")
        if calc is None:
            calc = etree.Element(S + "calcPr")
            anchor = None
            for name in ("definedNames", "sheets"):
                anchor = wb.find(S + name)
                if anchor is not None:
                    break
            if anchor is not None:
                anchor.addnext(calc)
            else:
                wb.append(calc)
        calc.set("fullCalcOnLoad", "1")  # cached values are docgen's; let Excel redo them
        return wb

    # -- rendering ---------------------------------------------------------------------

    def fields(self) -> set[str]:
        names: set[str] = set()
        for sheet in self.sheets:
            try:
                ast = self.env.parse("\n".join(sheet.sources))
            except jinja2.TemplateSyntaxError:
                continue
            names |= jinja2.meta.find_undeclared_variables(ast)
        if self.core is not None:
            names |= self.core.fields()
        return names - PROVIDED_NAMES

    def _localized_styles(self, locale: Optional[DocLocale],
                          fonts: Optional[Mapping[str, str]]) -> Optional[Member]:
        """``xl/styles.xml`` with the locale's font, cached per locale."""
        if locale is None or "xl/styles.xml" not in self._static:
            return None
        font = {**DEFAULT_EAST_ASIAN_FONTS, **(fonts or {})}.get(locale.primary)
        if not font:
            return None
        member = self._styles_by_font.get(font)
        if member is None:
            blob = _inflate(self._static["xl/styles.xml"])
            member = make_member("xl/styles.xml", localize_sheet_fonts(blob, font))
            self._styles_by_font[font] = member
        return member

    def render_members(self, context: Mapping[str, Any], sink: ImageSink,
                       locale: Optional[DocLocale] = None,
                       fonts: Optional[Mapping[str, str]] = None) -> list[Member]:
        context = {**context, "docgen_at": sink.at}
        expanded = []
        maps: dict[str, RowMap] = {}
        for sheet in self.sheets:
            rows, rowmap = sheet.expand(context, sink)
            expanded.append((sheet, rows, rowmap))
            maps[sheet.name] = rowmap
        grid = _Grid(expanded, maps)
        dynamic: dict[str, bytes] = {}
        extra: list[Member] = []
        images_by_sheet: dict[str, list[tuple[int, int, PlacedImage]]] = {}
        for anchor, placed in sink.anchored:
            images_by_sheet.setdefault(anchor[0], []).append((anchor[1], anchor[2], placed))
        names = media_names(sink, "xl/media/docgen-image", set(self.order)) if sink.anchored else []
        content_types = _inflate(self._static["[Content_Types].xml"])
        ct_changed = False
        for sheet, rows, rowmap in expanded:
            sheet_images = images_by_sheet.get(sheet.name, [])
            drawing_xml = None
            taken = rel_ids_of(self.raw.get(rels_name(sheet.drawing_part))) \
                if sheet.drawing_part else set()
            image_rids: dict[int, str] = {}
            for _, _, placed in sheet_images:
                if placed.index not in image_rids:
                    image_rids[placed.index] = free_id(f"rIdDocgenImg{placed.index + 1}",
                                                       taken | set(image_rids.values()))
            if sheet.drawing_part and (not rowmap.identity or sheet_images):
                drawing_xml = _move_anchors(self.raw[sheet.drawing_part], rowmap, sheet_images,
                                            image_rids)
            elif sheet_images:
                drawing_xml = _move_anchors(None, rowmap, sheet_images, image_rids)
            add_drawing_rel = sheet_images and sheet.drawing_part is None
            drawing_part = sheet.drawing_part or f"xl/drawings/docgen-drawing-{self.sheets.index(sheet) + 1}.xml"
            dynamic[sheet.part] = self._sheet_xml(sheet, rows, rowmap, grid, context,
                                                  "rIdDocgenDrawing" if add_drawing_rel else None)
            if drawing_xml is not None:
                dynamic[drawing_part] = drawing_xml
                if sheet_images:
                    drels = rels_name(drawing_part)
                    dynamic[drels] = add_relationships(
                        self.raw.get(drels) if sheet.drawing_part else None,
                        [(rid, IMAGE_REL, relative_target(drawing_part, names[i]))
                         for i, rid in sorted(image_rids.items())])
                if add_drawing_rel:
                    srels = rels_name(sheet.part)
                    dynamic[srels] = add_relationships(
                        self.raw.get(srels), [("rIdDocgenDrawing", DRAWING_REL,
                                               relative_target(sheet.part, drawing_part))])
                    content_types = _add_override(content_types, "/" + drawing_part, DRAWING_CT)
                    ct_changed = True
            for table in sheet.table_parts if not rowmap.identity else []:
                dynamic[table] = _move_table(self.raw[table], rowmap)
        if sink.anchored:
            used_ext = {sink.images[p.index].ext: sink.images[p.index].content_type
                        for _, p in sink.anchored}
            content_types = add_content_defaults(content_types, used_ext)
            ct_changed = True
        dynamic["xl/workbook.xml"] = self._workbook_xml(maps)
        styles = self._localized_styles(locale, fonts)
        if self.core is not None:
            dynamic["docProps/core.xml"] = self.core.render(context).encode("utf-8")
        members = []
        for name in self.order:
            if name in dynamic:
                members.append(make_member(name, dynamic.pop(name)))
            elif name == "[Content_Types].xml" and ct_changed:
                members.append(make_member(name, content_types))
            elif name == "xl/styles.xml" and styles is not None:
                members.append(styles)
            else:
                members.append(self._static[name])
        for name in sorted(dynamic):  # parts the template did not have
            members.append(make_member(name, dynamic[name]))
        if sink.anchored:
            import zlib
            for i in sorted({p.index for _, p in sink.anchored}):
                blob = sink.images[i].blob
                members.append(Member(names[i], zlib.crc32(blob), len(blob), blob, method=0))
        members.extend(extra)
        return members

    def _sheet_xml(self, sheet: SheetTemplate, rows: list[OutRow], rowmap: RowMap,
                   grid: "_Grid", context: Mapping[str, Any], drawing_rid: Optional[str]) -> bytes:
        parts = []
        last_row = 0
        max_col = sheet.max_col
        for out in rows:
            cells = []
            for oc in out.cells:
                ref = f"{oc.cell.letters}{out.number}"
                if oc.cell.kind == "formula":
                    cells.append(f'<c r="{ref}"{grid.formula_xml(sheet, out, oc)}')
                elif oc.cell.kind == "empty" and not oc.cell.style:
                    continue
                else:
                    cells.append(f'<c r="{ref}"{oc.xml}')
            parts.append(f'<row r="{out.number}"{out.row.attrs}>{"".join(cells)}</row>'
                         if cells or out.row.attrs else "")
            last_row = max(last_row, out.number)
        prefix = sheet.prefix
        if not rowmap.identity:
            dim = f"A1:{fx.col_letters(max_col)}{max(last_row, 1)}"
            prefix = _DIMENSION.sub(f'<dimension ref="{dim}"/>', prefix, count=1)
        headers = sheet.header_texts(context) if sheet.header_templates else {}
        suffix = [_suffix_xml(local, el, rowmap, sheet, headers) for local, el in sheet.suffix]
        if drawing_rid:
            locals_ = [local for local, _ in sheet.suffix]
            pos = len(locals_)
            for i, local in enumerate(locals_):
                if _SUFFIX_ORDER.index(local) > _SUFFIX_ORDER.index("drawing") \
                        if local in _SUFFIX_ORDER else False:
                    pos = i
                    break
            suffix.insert(pos, f'<drawing xmlns:r="{R_NS}" r:id="{drawing_rid}"/>')
        root_close = f"</{_root_tag(sheet.prefix)}>"
        xml = f'{prefix}<sheetData>{"".join(parts)}</sheetData>{"".join(suffix)}{root_close}'
        return xml.encode("utf-8")

    def _workbook_xml(self, maps: dict[str, RowMap]) -> bytes:
        wb = self.workbook
        names = wb.find(S + "definedNames")
        saved = []
        if names is not None and not all(m.identity for m in maps.values()):
            sheet_names = [s.name for s in self.sheets]
            for dn in names:
                saved.append((dn, dn.text))
                if dn.text:
                    local = dn.get("localSheetId")
                    default_sheet = (sheet_names[int(local)] if local is not None
                                     and int(local) < len(sheet_names) else None)
                    dn.text = fx.translate(fx.tokenize(dn.text),
                                           _mapper(maps, default_sheet, (), expand=True))
        out: bytes = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
        for dn, text in saved:  # the compiled tree stays the template's
            dn.text = text
        return out


# --------------------------------------------------------------------------------------
# Row-dependent pieces


class _Grid:
    """Output cell values by (sheet, row, col); formulas evaluated on demand."""

    def __init__(self, expanded: list[tuple[SheetTemplate, list[OutRow], RowMap]],
                 maps: dict[str, RowMap]) -> None:
        self.maps = maps
        self.cells: dict[tuple[str, int, int], tuple[SheetTemplate, OutRow, OutCell]] = {}
        for sheet, rows, _ in expanded:
            for out in rows:
                for oc in out.cells:
                    self.cells[(sheet.name, out.number, oc.cell.col)] = (sheet, out, oc)
        self.results: dict[tuple[str, int, int], tuple[str, Optional[fx.Value], Optional[str]]] = {}
        self.active: set[tuple[str, int, int]] = set()

    def value(self, sheet: Optional[str], row: int, col: int) -> fx.Value:
        found = self.cells.get((sheet or "", row, col))
        if found is None:
            return None
        sh, out, oc = found
        if oc.cell.kind != "formula":
            return oc.value
        _, value, error = self._evaluate(sh, out, oc)
        if error:
            raise fx.ExcelError(error)
        if value is None and (sh.name, row, col) in self.results \
                and self.results[(sh.name, row, col)][2] is None \
                and self.results[(sh.name, row, col)][1] is None:
            raise fx.FormulaError("depends on a formula docgen cannot evaluate")
        return value

    def _evaluate(self, sheet: SheetTemplate, out: OutRow,
                  oc: OutCell) -> tuple[str, Optional[fx.Value], Optional[str]]:
        key = (sheet.name, out.number, oc.cell.col)
        done = self.results.get(key)
        if done is not None:
            return done
        mapper = _mapper(self.maps, sheet.name, oc.key, expand=False)
        tokens = fx.translate_tokens(oc.cell.tokens, mapper)
        text = "".join(t.text for t in tokens)
        if key in self.active:  # a circular reference: leave it to Excel
            raise fx.FormulaError("circular reference")
        self.active.add(key)
        value: Optional[fx.Value] = None
        error = None
        try:
            value = fx.evaluate(tokens, self.value, sheet.name)
        except fx.ExcelError as exc:
            error = exc.code
        except fx.FormulaError as exc:
            value = None
            self._not_evaluated(sheet, oc.cell, str(exc))
        finally:
            self.active.discard(key)
        result = (text, value, error)
        self.results[key] = result
        return result

    def _not_evaluated(self, sheet: SheetTemplate, cell: Cell, reason: str) -> None:
        """Say once per template cell that readers which do not recalculate will see no
        value there (Excel and LibreOffice compute it on open)."""
        reported = sheet.book.unevaluated
        if (sheet.name, cell.where) in reported:
            return
        reported.add((sheet.name, cell.where))
        warnings.warn(DocgenWarning(
            "formula not evaluated ({reason}): Excel and LibreOffice compute it on open, "
            "other readers see no value", SourceLocation(file=sheet.book.file, sheet=sheet.name,
                                                         cell=cell.where), reason=reason),
            stacklevel=2)

    def formula_xml(self, sheet: SheetTemplate, out: OutRow, oc: OutCell) -> str:
        text, value, error = self._evaluate(sheet, out, oc)
        style = f' s="{oc.cell.style}"' if oc.cell.style else ""
        attrs = oc.cell.formula_attrs
        if attrs.startswith(_ARRAY):  # a one-cell array formula: its range is the cell
            attrs = f'{_ARRAY} ref="{oc.cell.letters}{out.number}"' + attrs[len(_ARRAY):]
        f = f"<f{attrs}>{_esc(text)}</f>"
        if error:
            return f'{style} t="e">{f}<v>{_esc(error)}</v></c>'
        if value is None:
            return f"{style}>{f}</c>"
        if isinstance(value, bool):
            return f'{style} t="b">{f}<v>{int(value)}</v></c>'
        if isinstance(value, Decimal):
            return f"{style}>{f}<v>{fx.format_number(value)}</v></c>"
        return f'{style} t="str">{f}<v>{_esc(str(value))}</v></c>'


def _mapper(maps: dict[str, RowMap], sheet: Optional[str], key: IterKey,
            expand: bool) -> fx.RefMapper:
    """Reference mover for a formula written in ``sheet`` at iteration ``key``.

    ``expand`` (names, validations, conditional formats, print areas): a single cell
    inside a repeated block covers every repetition."""
    def move(ref: fx.Ref) -> Optional[fx.Ref]:
        target = ref.sheet_name if ref.sheet else sheet
        rowmap = maps.get(target or "")
        if rowmap is None or rowmap.identity or ref.r1 is None:
            return ref
        assert ref.r1 is not None
        if not ref.is_range and not expand:
            n = rowmap.find(ref.r1, key, last=False)
            if n is None:
                return None
            return fx.Ref(ref.sheet, n, ref.c1, abs_r1=ref.abs_r1, abs_c1=ref.abs_c1)
        r2 = ref.r2 if ref.is_range else ref.r1
        assert r2 is not None
        lo_t, hi_t = min(ref.r1, r2), max(ref.r1, r2)
        span = rowmap.span(lo_t, hi_t, key)
        if span is None:
            return None
        lo, hi = span
        if not ref.is_range:
            if lo == hi:
                return fx.Ref(ref.sheet, lo, ref.c1, abs_r1=ref.abs_r1, abs_c1=ref.abs_c1)
            return fx.Ref(ref.sheet, lo, ref.c1, hi, ref.c1, ref.abs_r1, ref.abs_c1,
                          ref.abs_r1, ref.abs_c1, is_range=True)
        return fx.Ref(ref.sheet, lo, ref.c1, hi, ref.c2, ref.abs_r1, ref.abs_c1, ref.abs_r2,
                      ref.abs_c2, is_range=True)

    return move


def _move_sqref(sqref: str, rowmap: RowMap) -> str:
    out = []
    for part in sqref.split():
        moved = fx.translate(fx.tokenize(part), _mapper({"": rowmap}, "", (), expand=True))
        if "#REF!" not in moved:
            out.append(moved)
    return " ".join(out)


def _suffix_xml(local: str, el: etree._Element, rowmap: RowMap, sheet: SheetTemplate,
                headers: dict[int, str]) -> str:
    if local == "headerFooter" and headers:
        import copy
        el2 = copy.deepcopy(el)
        for i, sub in enumerate(el2):
            if i in headers:
                sub.text = headers[i]
        return _serialize(el2)
    if rowmap.identity:
        return _serialize(el)
    import copy
    el = copy.deepcopy(el)
    mapper = _mapper({"": rowmap}, "", (), expand=True)
    if local == "mergeCells":
        seen = set()
        for mc in list(el):
            ref = mc.get("ref") or ""
            el.remove(mc)
            try:
                (r1, c1), (r2, c2) = (fx.parse_cell(x) for x in ref.split(":"))
            except ValueError:
                continue
            for key, top in rowmap.rows.get(r1, []):
                bottom = rowmap.find(r2, key, last=True)
                if bottom is None or bottom < top:
                    continue
                new = f"{fx.col_letters(c1)}{top}:{fx.col_letters(c2)}{bottom}"
                if new not in seen:
                    seen.add(new)
                    etree.SubElement(el, S + "mergeCell", ref=new)
        el.set("count", str(len(el)))
    elif local in ("conditionalFormatting", "dataValidations"):
        items = [el] if local == "conditionalFormatting" else list(el)
        for item in items:
            if item.get("sqref"):
                item.set("sqref", _move_sqref(item.get("sqref") or "", rowmap))
            for f in item.iter(S + "formula", S + "formula1", S + "formula2"):
                if f.text:
                    f.text = fx.translate(fx.tokenize(f.text),
                                          _mapper({"": rowmap}, "", (), expand=False))
    elif local == "hyperlinks":
        for h in el:
            if h.get("ref"):
                h.set("ref", fx.translate(fx.tokenize(h.get("ref") or ""), mapper))
    elif local == "autoFilter" and el.get("ref"):
        el.set("ref", fx.translate(fx.tokenize(el.get("ref") or ""), mapper))
    elif local == "rowBreaks":
        for brk in el:
            n = rowmap.find(int(brk.get("id") or 0), (), last=True)
            if n is not None:
                brk.set("id", str(n))
    elif local == "extLst":
        pass  # x14 extensions (sparklines, x14 validations) keep template addresses
    return _serialize(el)


def _move_anchors(xml: Optional[bytes], rowmap: RowMap,
                  images: list[tuple[int, int, PlacedImage]], rids: dict[int, str]) -> bytes:
    """Drawing anchors follow their rows (repeated with repeated rows); images placed
    by ``image()`` are added as one-cell anchors at their cells."""
    import copy
    if xml is None:
        root = etree.Element(XDR + "wsDr", nsmap={
            "xdr": XDR_NS, "a": "http://schemas.openxmlformats.org/drawingml/2006/main"})
    else:
        root = etree.fromstring(xml, _PARSER)
    if not rowmap.identity:
        for anchor in list(root):
            start = anchor.find(XDR + "from")
            if start is None:
                continue
            row_el = start.find(XDR + "row")
            if row_el is None or row_el.text is None:
                continue
            t1 = int(row_el.text) + 1
            end = anchor.find(XDR + "to")
            end_row = end.find(XDR + "row") if end is not None else None
            t2 = int(end_row.text) + 1 if end_row is not None and end_row.text else None
            instances = rowmap.rows.get(t1, [])
            if not instances:
                root.remove(anchor)
                continue
            position = root.index(anchor)
            root.remove(anchor)
            for i, (key, top) in enumerate(instances):
                copy_ = copy.deepcopy(anchor) if i else anchor
                copy_.find(XDR + "from").find(XDR + "row").text = str(top - 1)  # type: ignore[union-attr]
                if t2 is not None:
                    bottom = rowmap.find(t2, key, last=True)
                    if bottom is None:
                        bottom = top + (t2 - t1)
                    copy_.find(XDR + "to").find(XDR + "row").text = str(bottom - 1)  # type: ignore[union-attr]
                root.insert(position + i, copy_)
    ids = [int(x) for x in root.xpath(".//@id") if str(x).isdigit()] if len(root) else []
    next_id = max([0, *ids]) + 1
    for row, col, placed in images:
        root.append(_one_cell_anchor(row, col, placed, rids[placed.index], next_id))
        next_id += 1
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _one_cell_anchor(row: int, col: int, placed: PlacedImage, rid: str, pic_id: int) -> etree._Element:
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    xml = (
        f'<xdr:oneCellAnchor xmlns:xdr="{XDR_NS}" xmlns:a="{a}" xmlns:r="{R_NS}">'
        f'<xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>36000</xdr:colOff>'
        f'<xdr:row>{row - 1}</xdr:row><xdr:rowOff>36000</xdr:rowOff></xdr:from>'
        f'<xdr:ext cx="{placed.cx}" cy="{placed.cy}"/>'
        f'<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{pic_id}" name="Picture {pic_id}"/>'
        '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
        f'<xdr:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        '</xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{placed.cx}" cy="{placed.cy}"/></a:xfrm><a:prstGeom prst="rect">'
        '<a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>'
    )
    return etree.fromstring(xml)


def _move_table(xml: bytes, rowmap: RowMap) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    mapper = _mapper({"": rowmap}, "", (), expand=True)
    for el in [root, *root.iter(S + "autoFilter")]:
        if el.get("ref"):
            el.set("ref", fx.translate(fx.tokenize(el.get("ref") or ""), mapper))
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


# --------------------------------------------------------------------------------------
# Small helpers


def _si_text(si: etree._Element) -> str:
    """Text of a shared/inline string (rich runs joined; phonetic guides ignored)."""
    parts = []
    for t in si.iter(S + "t"):
        parent = t.getparent()
        if parent is not None and etree.QName(parent).localname == "rPh":
            continue
        parts.append(t.text or "")
    return "".join(parts)


def _rels(xml: Optional[bytes]) -> dict[str, tuple[str, str]]:
    if not xml:
        return {}
    root = etree.fromstring(xml, _PARSER)
    return {el.get("Id") or "": (el.get("Type") or "", el.get("Target") or "")
            for el in root if el.get("TargetMode") != "External"}


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    folder = part.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            folder = folder[:-1]
        elif piece not in ("", "."):
            folder.append(piece)
    return "/".join(folder)


def _drop_rel(xml: bytes, kind: str) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    for el in list(root):
        if (el.get("Type") or "").endswith("/" + kind):
            root.remove(el)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _add_override(xml: bytes, part: str, ctype: str) -> bytes:
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    root = etree.fromstring(xml, _PARSER)
    if not any(el.get("PartName") == part for el in root):
        etree.SubElement(root, f"{{{ct}}}Override", PartName=part, ContentType=ctype)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def _inflate(member: Member) -> bytes:
    import zlib
    if member.method == 0:
        return member.deflated
    return zlib.decompress(member.deflated, -15)


def _root_tag(prefix: str) -> str:
    m = re.search(r"<([A-Za-z_][\w.-]*:)?worksheet\b", prefix)
    return (m.group(1) or "") + "worksheet" if m else "worksheet"


def localize_sheet_fonts(xml: bytes, font: str) -> bytes:
    """Every cell font set to ``font`` (a CJK face with Latin glyphs, as Korean and
    Chinese Excel default to), sizes and weights kept. Theme-font references are
    removed, or Excel would take the theme's (Western) font instead of the name."""
    root = etree.fromstring(xml, _PARSER)
    fonts = root.find(S + "fonts")
    for f in (fonts if fonts is not None else []):
        name = f.find(S + "name")
        if name is None:
            name = etree.SubElement(f, S + "name")
        name.set("val", font)
        for extra in f.findall(S + "scheme") + f.findall(S + "charset") + f.findall(S + "family"):
            f.remove(extra)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out
