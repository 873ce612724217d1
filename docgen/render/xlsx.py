"""Compiled Excel templates: parse and compile once, render to .xlsx bytes many times.

Work is done on the SpreadsheetML itself, not through an object model, so whatever
a template holds — shapes, header images, form controls, themes, cell styles,
extension lists — reaches the output untouched; only what rendering must change is
rewritten:

* cells with tags: ``{{ expr }}`` alone gives a typed cell (number, date, bool) in
  the template cell's style; any other text with tags gives a string (rich text
  keeps its runs: each run its formatting, a tag's output in the run where the tag
  starts, as Word's run healing does);
* row blocks: ``{%tr for x in xs %}`` in a row's first cell … ``{%tr endfor %}`` at
  the end of the same or a later row repeat those rows (``{%tr if %}`` … ``{%tr
  endif %}`` keeps or drops them). A row that holds nothing but such a tag is a
  control row and is not written (docxtpl's style). Loops nest (``groupby``: a
  group header row, then the group's rows); ``{% vm %}`` / ``{% vm expr %}`` in a
  cell merges it down over the rows of its loop's run (see :class:`.sheet.VMerge`);
* a formatted value (Markdown, RichText: :mod:`.textmodel`) alone in a cell becomes
  an inline rich string in a wrapping copy of the cell's format (:mod:`.xlsx_rich`);
* everything addressed by row follows the rows: formulas (a reference into a
  repeated block points at the same repetition; a range over the block grows),
  merged cells, conditional formats, data validations, hyperlinks, defined names
  and the print area, page breaks, drawing anchors, table ranges, the dimension.
  A block that runs zero times leaves no cells: ``SUM`` over them is 0 (see
  :func:`.formula.translate_tokens`), a name over them goes, and a table whose data
  rows they were keeps one empty row;
* formula cells get cached values computed by :mod:`.formula`, and the workbook
  asks for a full recalculation on open; ``calcChain.xml`` is dropped;
* what Excel 2010+ adds is written back as the template had it: prefixed
  attributes (``x14ac:dyDescent``, ``xr:uid``), the root's namespace declarations
  (which ``mc:Ignorable`` names), ``mc:AlternateContent`` and extension lists.

Values never become formulas: rendered text is written as an inline string, so
``=HYPERLINK(…)`` typed into a client name stays text.
"""
from __future__ import annotations

import re
import warnings
import zlib
from decimal import Decimal
from typing import Any, Mapping, Optional

import jinja2
import jinja2.meta
from lxml import etree

from ..errors import DocgenWarning, SourceLocation, TemplateError
from ..i18n.locale import DocLocale
from ..messages import N_
from . import formula as fx
from .docx import CompiledPart, package_error
from .environment import (
    PROVIDED_NAMES,
    finalize_plain,
    make_environment,
    undefined_detail,
)
from .limits import budgeted
from .fonts import DEFAULT_EAST_ASIAN_FONTS
from .images import (
    IMAGE_REL,
    ImageSink,
    PlacedImage,
    add_content_defaults,
    add_relationships,
    free_id,
    media_names,
    rel_ids_of,
    relative_target,
    rels_name,
)
from .package import BadPackage, Member, make_member, read_package
from .rowfit import needed_height, wrap_fonts
from .rowmap import RowMap, added_merges, move_anchors, move_table, ref_mover, suffix_xml
from .sheet import ANY_TAG, ARRAY, TEXT_ENV, Cell, OutCell, OutRow, RichCells, SheetTemplate
from .sml import (
    DRAWING_CT,
    DRAWING_REL,
    PARSER,
    R_NS,
    S,
    add_override,
    drop_override,
    drop_rel,
    esc,
    read_rels,
    resolve_target,
    si_text,
)
from .wordml import LoweringError, lower_plain_part, normalize_delimiters
from .xlsx_styles import Styles, add_wrap_variants, localize_sheet_fonts

_CORE_ENV = make_environment(finalize_plain)
# Parts without which no package is an Excel workbook (checked before anything is read).
REQUIRED_PARTS = (
    ("[Content_Types].xml", N_("not an Office package (no [Content_Types].xml)")),
    ("xl/workbook.xml", N_("not an Excel workbook (no xl/workbook.xml)")),
)
DIMENSION = re.compile(r'<([A-Za-z_][\w.-]*:)?dimension\b[^>]*/>')


MAX_ROW = 1_048_576  # Excel's grid: rows 1..1048576, columns A..XFD
MAX_COLUMN = 16_384
_ROW_NUMBER = re.compile(r"[1-9][0-9]{0,6}")
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")


def check_rows(root: etree._Element, file: str, sheet: str, part: str) -> None:
    """Refuse (a located :class:`TemplateError`) a worksheet whose row numbers are not
    whole numbers of Excel's grid in increasing order, or whose cell addresses are not
    in their row, within columns A..XFD, left to right: the engine moves rows by their
    numbers, and Excel rejects such a sheet."""
    where = SourceLocation(file=file, part=part)
    previous = 0
    for row in root.iter(S + "row"):
        text = row.get("r")
        if text is None:
            number = previous + 1  # a row without r follows the one before (ECMA-376)
        elif _ROW_NUMBER.fullmatch(text) and int(text) <= MAX_ROW:
            number = int(text)
        else:
            raise TemplateError(N_("the sheet '{sheet}' has a row numbered '{row}': row "
                                   "numbers are whole numbers from 1 to {limit}"), where,
                                code="rows", params={"sheet": sheet, "row": text,
                                                    "limit": MAX_ROW})
        if number <= previous:
            raise TemplateError(N_("the sheet '{sheet}' has row {row} after row "
                                   "{previous}: rows must be in increasing order"), where,
                                code="rows", params={"sheet": sheet, "row": number,
                                                    "previous": previous})
        previous = number
        column = 0
        for c in row.iter(S + "c"):
            ref = c.get("r")
            if ref is None:
                column += 1
                continue
            m = _CELL_REF.fullmatch(ref)
            col = fx.col_index(m.group(1)) if m else 0
            if m is None or int(m.group(2)) != number or not column < col <= MAX_COLUMN:
                raise TemplateError(N_("the sheet '{sheet}' has a cell '{cell}' in row "
                                       "{row}: a cell's address must be in its row, within "
                                       "columns A to XFD, left to right"), where,
                                    code="rows", params={"sheet": sheet, "cell": ref,
                                                        "row": number})
            column = col


class XlsxTemplate:
    """A .xlsx template: static members pre-deflated, worksheets compiled.

    The first problem found raises a :class:`TemplateError`. With ``problems`` given
    (template diagnostics), every bad cell, row block, header and broken sheet is
    appended there instead and compiling goes on; only an unreadable package or
    workbook still raises. Such a template is for inspection, not for rendering.
    """

    def __init__(self, data: bytes, file: str = "<template>", *,
                 problems: Optional[list[TemplateError]] = None) -> None:
        self.file = file
        self.problems = problems
        self.env = TEXT_ENV
        self.shared_masters: dict[tuple[str, str], tuple[int, int, list[fx.Token]]] = {}
        self.compiled_exprs: dict[str, Any] = {}
        self.compiled_texts: dict[tuple[int, str], jinja2.Template] = {}
        self.compiled_rows: dict[str, jinja2.Template] = {}
        self.unevaluated: set[tuple[str, str]] = set()  # formula cells already reported
        try:
            members = read_package(data)
        except BadPackage as exc:
            raise package_error(exc, file, "not a readable .xlsx file ({detail})") from None
        self.raw = dict(members)
        for required, message in REQUIRED_PARTS:
            if required not in self.raw:
                raise TemplateError(message, SourceLocation(file=file), code="package")
        self.order = [n for n, _ in members if n != "xl/calcChain.xml"]
        self.shared_strings = self._read_shared_strings()
        self.styles = Styles(self.raw.get("xl/styles.xml"))
        self.wrap_fonts = wrap_fonts(self.styles.root)
        self.workbook = self._xml("xl/workbook.xml")
        self.sheets: list[SheetTemplate] = []
        sheet_parts = self._sheet_parts()
        self.sheet_names = [name for name, _ in sheet_parts]  # in the workbook's order
        for name, part in sheet_parts:
            raw = self.raw.get(part)
            if raw is None:
                raise TemplateError(N_("the workbook names the sheet '{sheet}', but the "
                                       "package has no part for it ({part})"),
                                    SourceLocation(file=file, part=part or "xl/workbook.xml"),
                                    code="package", params={"sheet": name, "part": part})
            try:
                root = self._xml(part)
                check_rows(root, file, name, part)
                self.sheets.append(SheetTemplate(self, name, part, root, raw.decode("utf-8")))
            except TemplateError as exc:  # only when collecting: the sheet is left out
                if self.problems is None:
                    raise
                self.problems.append(exc)
        self._link_drawings()
        self.core: Optional[CompiledPart] = None
        core = self.raw.get("docProps/core.xml")
        if core and b"{" in core:
            try:
                lowered = lower_plain_part(etree.fromstring(core, PARSER))
                if lowered.has_tags:
                    self.core = CompiledPart("docProps/core.xml", lowered, _CORE_ENV, file)
            except LoweringError as exc:
                self.report(TemplateError(exc.message,
                                          SourceLocation(file=file, part="docProps/core.xml"),
                                          code="unclosed", params=exc.params))
            except etree.XMLSyntaxError as exc:
                self.report(TemplateError("broken XML in the template: {detail}",
                                          SourceLocation(file=file, part="docProps/core.xml"),
                                          code="xml", params={"detail": str(exc)}))
            except TemplateError as exc:
                self.report(exc)
        self.sst_xml = self._clean_shared_strings()
        self._workbook_static()
        self._workbook_bytes: bytes = etree.tostring(self.workbook, xml_declaration=True,
                                              encoding="UTF-8", standalone=True)
        self._static: dict[str, Member] = {}
        self._styles_by_font: dict[str, Member] = {}
        self._styles_wrapping: dict[tuple[Optional[str], tuple[Optional[str], ...]], Member] = {}
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
                blob = drop_override(blob, "/xl/calcChain.xml")
                self._content_types = blob  # extended per render when images are added
            elif name == "xl/_rels/workbook.xml.rels":
                blob = drop_rel(blob, "calcChain")
            self._static[name] = make_member(name, blob)
        self._warn_unmovable()

    # -- reading -----------------------------------------------------------------------

    def _xml(self, name: str) -> etree._Element:
        try:
            return etree.fromstring(self.raw[name], PARSER)
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

    def report(self, error: TemplateError) -> None:
        """Raise ``error``, or only record it when collecting every problem."""
        if self.problems is None:
            raise error
        self.problems.append(error)

    def error(self, message: str, sheet: Optional[str], cell: Optional[str], code: str,
              excerpt: Optional[str] = None, **params: Any) -> TemplateError:
        return TemplateError(message, SourceLocation(file=self.file, sheet=sheet, cell=cell),
                             code=code, excerpt=excerpt, params=params)

    def runtime_error(self, exc: Exception, sheet: str, cell: str,
                      excerpt: Optional[str] = None) -> TemplateError:
        """A render failure as a template error at ``sheet!cell`` (``excerpt``: the
        cell's tags)."""
        excerpt = excerpt or None
        if isinstance(exc, jinja2.UndefinedError):
            return self.error("undefined variable: {detail}", sheet, cell, "undefined",
                              excerpt, detail=undefined_detail(exc))
        if isinstance(exc, jinja2.exceptions.SecurityError):
            return self.error("not allowed in a template: {detail}", sheet, cell, "sandbox",
                              excerpt, detail=str(exc))
        if isinstance(exc, jinja2.TemplateError):
            return self.error("template error: {detail}", sheet, cell, "render", excerpt,
                              detail=exc.message)
        return self.error("cannot render: {detail}", sheet, cell, "render", excerpt,
                          detail=f"{type(exc).__name__}: {exc}")

    def _read_shared_strings(self) -> list[str]:
        self.shared_items: list[etree._Element] = []  # the <si>, for rich-text runs
        if "xl/sharedStrings.xml" not in self.raw:
            return []
        root = self._xml("xl/sharedStrings.xml")
        self.shared_items = list(root.iter(S + "si"))
        return [si_text(si) for si in self.shared_items]

    def cell_string(self, c_el: etree._Element) -> Optional[etree._Element]:
        """The string element of a text cell: its shared ``<si>`` or inline ``<is>``."""
        t = c_el.get("t")
        if t == "s":
            try:
                return self.shared_items[int(c_el.findtext(S + "v") or "")]
            except (ValueError, IndexError):
                return None
        if t == "inlineStr":
            return c_el.find(S + "is")
        return None

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
            return si_text(is_el) if is_el is not None else ""
        if t == "str":
            return c_el.findtext(S + "v") or ""
        return None

    def _sheet_parts(self) -> list[tuple[str, str]]:
        rels = read_rels(self.raw.get("xl/_rels/workbook.xml.rels"))
        out = []
        sheets = self.workbook.find(S + "sheets")
        for sh in (sheets if sheets is not None else []):
            rid = sh.get(f"{{{R_NS}}}id")
            target = rels.get(rid or "")
            if target is None:  # reported as a missing part by the caller
                out.append((sh.get("name") or "", ""))
                continue
            out.append((sh.get("name") or "", resolve_target("xl/workbook.xml", target[1])))
        return out

    def _link_drawings(self) -> None:
        for sheet in self.sheets:
            rels = read_rels(self.raw.get(rels_name(sheet.part)))
            for rid, (rtype, target) in rels.items():
                if rtype.endswith("/drawing"):
                    sheet.drawing_part = resolve_target(sheet.part, target)
                    sheet.drawing_rid = rid
                elif rtype.endswith("/table"):
                    sheet.table_parts.append(resolve_target(sheet.part, target))
            if sheet.table_parts and sheet.has_loops:
                sheet.note_tables([self.raw[t] for t in sheet.table_parts if t in self.raw])

    def _warn_unmovable(self) -> None:
        for sheet in self.sheets:
            if sheet.has_loops and sheet.has_legacy:
                warnings.warn(DocgenWarning(
                    "sheet '{sheet}' has comments or form controls; they keep their "
                    "template rows when row loops insert rows",
                    SourceLocation(file=self.file), sheet=sheet.name), stacklevel=3)

    def _clean_shared_strings(self) -> Optional[bytes]:
        """Shared strings that held tags are blanked: no tag syntax reaches the output."""
        if not any(ANY_TAG.search(normalize_delimiters(t)) for t in self.shared_strings):
            return None
        root = self._xml("xl/sharedStrings.xml")
        for si in root.iter(S + "si"):
            if ANY_TAG.search(normalize_delimiters(si_text(si))):
                for child in list(si):
                    si.remove(child)
                etree.SubElement(si, S + "t")
        out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return out

    def _workbook_static(self) -> None:
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
            blob = self.styles.xml() if self.styles.changed else self.raw["xl/styles.xml"]
            member = make_member("xl/styles.xml", localize_sheet_fonts(blob, font))
            self._styles_by_font[font] = member
        return member

    def _wrapping_styles(self, face: Optional[str], bases: tuple[Optional[str], ...]) -> Member:
        """``xl/styles.xml`` (with the locale's font) plus the wrapping copies of the
        cell formats ``bases`` that rich-text cells of a render use, cached."""
        key = (face, bases)
        member = self._styles_wrapping.get(key)
        if member is None:
            blob = self.styles.xml() if self.styles.changed else self.raw["xl/styles.xml"]
            if face:
                blob = localize_sheet_fonts(blob, face)
            member = make_member("xl/styles.xml", add_wrap_variants(blob, list(bases)))
            if len(self._styles_wrapping) < 64:
                self._styles_wrapping[key] = member
        return member

    @budgeted  # one time and output budget for all the sheets (render.limits)
    def render_members(self, context: Mapping[str, Any], sink: ImageSink,
                       locale: Optional[DocLocale] = None,
                       fonts: Optional[Mapping[str, str]] = None) -> list[Member]:
        context = {**context, "docgen_at": sink.at}
        expanded = []
        maps: dict[str, RowMap] = {}
        face = ({**DEFAULT_EAST_ASIAN_FONTS, **(fonts or {})}.get(locale.primary)
                if locale is not None else None)
        rich = RichCells(self.styles, face or None)
        for sheet in self.sheets:
            rows, rowmap = sheet.expand(context, sink, rich)
            expanded.append((sheet, rows, rowmap))
            maps[sheet.name] = rowmap
        names, gone_names = self._moved_names(maps)
        grid = Grid(expanded, maps, gone_names)
        dynamic: dict[str, bytes] = {}
        images_by_sheet: dict[str, list[tuple[int, int, PlacedImage]]] = {}
        for anchor, placed in sink.anchored:
            images_by_sheet.setdefault(anchor[0], []).append((anchor[1], anchor[2], placed))
        media = media_names(sink, "xl/media/docgen-image", set(self.order)) if sink.anchored else []
        content_types: Optional[bytes] = None  # the template's, unless images extend it
        # the locale's CJK face replaces every cell font (see _localized_styles)
        east_asian = bool(face)
        for n, (sheet, rows, rowmap) in enumerate(expanded, start=1):
            sheet_images = images_by_sheet.get(sheet.name, [])
            new_drawing = bool(sheet_images) and sheet.drawing_part is None
            dynamic[sheet.part] = self._sheet_xml(sheet, rows, rowmap, grid, context,
                                                  "rIdDocgenDrawing" if new_drawing else None,
                                                  gone_names, east_asian)
            if sheet_images or (sheet.drawing_part and not rowmap.identity):
                drawing_part = sheet.drawing_part or f"xl/drawings/docgen-drawing-{n}.xml"
                self._drawing(sheet, drawing_part, rowmap, sheet_images, media, dynamic)
                if new_drawing:
                    content_types = add_override(content_types or self._content_types,
                                                 "/" + drawing_part, DRAWING_CT)
            if not rowmap.identity:
                for table in sheet.table_parts:
                    dynamic[table] = move_table(self.raw[table], rowmap)
        if sink.anchored:
            used_ext = {sink.images[p.index].ext: sink.images[p.index].content_type
                        for _, p in sink.anchored}
            content_types = add_content_defaults(content_types or self._content_types, used_ext)
        dynamic["xl/workbook.xml"] = self._workbook_xml(names)
        styles = self._localized_styles(locale, fonts)
        if rich.wrapped and "xl/styles.xml" in self._static:  # rich cells' wrapping formats
            styles = self._wrapping_styles(face, tuple(rich.wrapped))
        if self.core is not None:
            dynamic["docProps/core.xml"] = self.core.render(context).encode("utf-8")
        members = []
        for name in self.order:
            if name in dynamic:
                members.append(make_member(name, dynamic.pop(name)))
            elif name == "[Content_Types].xml" and content_types is not None:
                members.append(make_member(name, content_types))
            elif name == "xl/styles.xml" and styles is not None:
                members.append(styles)
            else:
                members.append(self._static[name])
        for name in sorted(dynamic):  # parts the template did not have
            members.append(make_member(name, dynamic[name]))
        if sink.anchored:
            for i in sorted({p.index for _, p in sink.anchored}):
                blob = sink.images[i].blob
                members.append(Member(media[i], zlib.crc32(blob), len(blob), blob, method=0))
        return members

    def _drawing(self, sheet: SheetTemplate, part: str, rowmap: RowMap,
                 images: list[tuple[int, int, PlacedImage]], names: list[str],
                 dynamic: dict[str, bytes]) -> None:
        """The sheet's drawing with anchors moved and ``image()`` pictures added, plus
        the relationships those pictures (and a new drawing) need."""
        rels = rels_name(part)
        rids: dict[int, str] = {}
        if images:
            taken = rel_ids_of(self.raw.get(rels)) if sheet.drawing_part else set()
            for _, _, placed in images:
                if placed.index not in rids:
                    rids[placed.index] = free_id(f"rIdDocgenImg{placed.index + 1}",
                                                 taken | set(rids.values()))
        template = self.raw[sheet.drawing_part] if sheet.drawing_part else None
        dynamic[part] = move_anchors(template, rowmap, images, rids)
        if not images:
            return
        dynamic[rels] = add_relationships(
            self.raw.get(rels) if sheet.drawing_part else None,
            [(rid, IMAGE_REL, relative_target(part, names[i])) for i, rid in sorted(rids.items())])
        if sheet.drawing_part is None:
            sheet_rels = rels_name(sheet.part)
            dynamic[sheet_rels] = add_relationships(
                self.raw.get(sheet_rels),
                [("rIdDocgenDrawing", DRAWING_REL, relative_target(sheet.part, part))])

    def _sheet_xml(self, sheet: SheetTemplate, rows: list[OutRow], rowmap: RowMap,
                   grid: "Grid", context: Mapping[str, Any], drawing_rid: Optional[str],
                   gone_names: frozenset[str] = frozenset(),
                   east_asian: bool = False) -> bytes:
        parts = []
        last_row = 0
        max_col = sheet.max_col
        for out in rows:
            cells = []
            for oc in out.cells:
                ref = f"{oc.cell.letters}{out.number}"
                if oc.cell.kind == "formula":
                    cells.append(f'<c r="{ref}"{oc.cell.extra}{grid.formula_xml(sheet, out, oc)}')
                elif oc.cell.kind == "empty" and not oc.cell.style:
                    continue
                else:
                    cells.append(f'<c r="{ref}"{oc.cell.extra}{oc.xml}')
            attrs = (_fitted_attrs(out, east_asian) if out.row.fits or out.rich
                     else out.row.attrs)
            parts.append(f'<row r="{out.number}"{attrs}>{"".join(cells)}</row>'
                         if cells or attrs else "")
            last_row = max(last_row, out.number)
        prefix = sheet.prefix
        if not rowmap.identity:
            dim = f"A1:{fx.col_letters(max_col)}{max(last_row, 1)}"
            prefix = DIMENSION.sub(lambda m: f'<{m.group(1) or ""}dimension ref="{dim}"/>',
                                   prefix, count=1)
        headers = sheet.header_texts(context) if sheet.header_templates else {}
        suffix = [suffix_xml(local, el, rowmap, headers, written, gone_names)
                  for (local, el), written in zip(sheet.suffix, sheet.suffix_written)]
        if drawing_rid:
            suffix.insert(sheet.drawing_position,
                          f'<drawing{sheet.main_decl} xmlns:r="{R_NS}" r:id="{drawing_rid}"/>')
        if rowmap.merges and sheet.merge_position is not None:  # {% vm %}, no template merges
            suffix.insert(sheet.merge_position, added_merges(rowmap, sheet.main_decl))
        xml = (f'{prefix}<sheetData{sheet.main_decl}>{"".join(parts)}</sheetData>'
               f'{"".join(suffix)}{sheet.root_close}')
        return xml.encode("utf-8")

    def _moved_names(self, maps: dict[str, RowMap]
                     ) -> tuple[Optional[dict[int, Optional[str]]], frozenset[str]]:
        """Each defined name's text after the rows moved (by position; None: the name
        is left out), and the names left out (upper case); (None, ∅) when no row moved.

        A name whose cells all sat in row blocks that ran zero times is left out
        rather than kept as ``#REF!`` (what Excel makes of a name over deleted rows):
        a ``#REF!`` name is an error in Name Manager and turns every use into
        ``#REF!``. Its uses are treated like references to the gone rows instead, so
        ``SUM(Prices)`` over no items is 0 (see :func:`formula.translate_tokens`).
        Pointing it at the rows' old place would name cells of whatever follows. A
        name of several areas (a print area) keeps the areas that still exist."""
        names = self.workbook.find(S + "definedNames")
        if names is None or all(m.identity for m in maps.values()):
            return None, frozenset()
        sheet_names = [s.name for s in self.sheets]
        texts: dict[int, Optional[str]] = {}
        for i, dn in enumerate(names):
            if not dn.text:
                continue
            local = dn.get("localSheetId")
            default_sheet = (sheet_names[int(local)] if local is not None and local.isdigit()
                             and int(local) < len(sheet_names) else None)
            mover = ref_mover(maps, default_sheet, (), expand=True)
            tokens = fx.tokenize(dn.text)
            areas = _areas(tokens)
            if areas is not None:  # a list of references: drop the ones gone
                kept = [fx.translate([a], mover) for a in areas]
                kept = [k for k in kept if k != "#REF!"]
                texts[i] = ",".join(kept) if kept else None
            else:
                moved = fx.translate(tokens, mover)
                texts[i] = None if moved.strip() == "#REF!" else moved
        gone = {(dn.get("name") or "").upper() for i, dn in enumerate(names)
                if i in texts and texts[i] is None}
        # a name defined again elsewhere (another sheet's local name) that still exists
        gone -= {(dn.get("name") or "").upper() for i, dn in enumerate(names)
                 if texts.get(i, "") is not None}
        if gone:  # names defined over gone names
            again = frozenset(gone)
            for i, dn in enumerate(names):
                if texts.get(i) is not None:
                    moved = "".join(t.text for t in fx.translate_tokens(
                        fx.tokenize(texts[i] or ""), lambda r: r, again))
                    texts[i] = moved
        return texts, frozenset(gone)

    def _workbook_xml(self, texts: Optional[dict[int, Optional[str]]]) -> bytes:
        if texts is None:
            return self._workbook_bytes  # no row moved: the names stand as they are
        wb = self.workbook
        names = wb.find(S + "definedNames")
        assert names is not None
        saved = []
        for i, dn in enumerate(list(names)):
            if i not in texts:
                continue
            saved.append((i, dn, dn.text))
            if texts[i] is None:
                names.remove(dn)
            else:
                dn.text = texts[i]
        position = wb.index(names)
        if not len(names):
            wb.remove(names)
        out: bytes = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
        if names.getparent() is None:
            wb.insert(position, names)
        for i, dn, text in saved:  # the compiled tree stays the template's
            dn.text = text
            if dn.getparent() is None:
                names.insert(i, dn)
        return out


def _fitted_attrs(out: OutRow, east_asian: bool) -> str:
    """A row's attributes with the height its rendered wrapping text needs, when that
    is more than the template's (:mod:`.rowfit`)."""
    cells = out.cells
    texts = [(fit, value) for fit in out.row.fits
             if isinstance(value := cells[fit.position].value, str)]
    if out.rich:  # formatted values, in wrapping copies of their formats
        texts.extend((oc.cell.rich_fit, oc.value) for oc in cells
                     if oc.rich and oc.cell.rich_fit is not None and isinstance(oc.value, str))
    height = needed_height(texts, east_asian)
    if height <= out.row.min_height:
        return out.row.attrs
    return f'{out.row.base_attrs} ht="{fx.format_number(Decimal(str(height)))}" customHeight="1"'


def _areas(tokens: list[fx.Token]) -> Optional[list[fx.Token]]:
    """The references of a name that is only references joined by commas."""
    refs = []
    expect_ref = True
    for t in tokens:
        if t.kind == "ws":
            continue
        if expect_ref and t.kind == "ref":
            refs.append(t)
        elif not expect_ref and t.text == ",":
            pass
        else:
            return None
        expect_ref = not expect_ref
    return refs if refs and not expect_ref else None


class Grid:
    """Output cell values by (sheet, row, col); formulas evaluated on demand."""

    def __init__(self, expanded: list[tuple[SheetTemplate, list[OutRow], RowMap]],
                 maps: dict[str, RowMap], gone_names: frozenset[str] = frozenset()) -> None:
        self.maps = maps
        self.gone_names = gone_names
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
        if value is None:
            raise fx.FormulaError("depends on a formula docgen cannot evaluate")
        return value

    def _evaluate(self, sheet: SheetTemplate, out: OutRow,
                  oc: OutCell) -> tuple[str, Optional[fx.Value], Optional[str]]:
        key = (sheet.name, out.number, oc.cell.col)
        done = self.results.get(key)
        if done is not None:
            return done
        mapper = ref_mover(self.maps, sheet.name, oc.key, expand=False)
        tokens = fx.translate_tokens(oc.cell.tokens, mapper, self.gone_names)
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
        if attrs.startswith(ARRAY):  # a one-cell array formula: its range is the cell
            attrs = f'{ARRAY} ref="{oc.cell.letters}{out.number}"' + attrs[len(ARRAY):]
        f = f"<f{attrs}>{esc(text)}</f>"
        if error:
            return f'{style} t="e">{f}<v>{esc(error)}</v></c>'
        if value is None:
            return f"{style}>{f}</c>"
        if isinstance(value, bool):
            return f'{style} t="b">{f}<v>{int(value)}</v></c>'
        if isinstance(value, Decimal):
            return f"{style}>{f}<v>{fx.format_number(value)}</v></c>"
        return f'{style} t="str">{f}<v>{esc(str(value))}</v></c>'
