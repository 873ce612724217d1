"""Where template rows went, and everything that follows them.

A render turns template rows into output rows (a row block may repeat or vanish).
:class:`RowMap` records that; the functions here move what points at rows: formula
references, merged cells, conditional formats, data validations, hyperlinks, page
breaks, drawing anchors and table ranges.
"""
from __future__ import annotations

import bisect
import copy
from typing import Iterable, Optional

from lxml import etree

from . import formula as fx
from .images import PlacedImage
from .sml import PARSER, R_NS, XDR, XDR_NS, S, serialize

IterKey = tuple[tuple[int, int], ...]  # (loop id, iteration) of each enclosing row block


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
        # merges the render adds ({% vm %}): (first row, first col, last row, last col)
        self.merges: list[tuple[int, int, int, int]] = []
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
        chosen = compatible(entries, key)
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
            chosen = compatible(self.rows[t], key)
            found.append(min(chosen))
            found.append(max(chosen))
        if not found:
            return None
        return min(found), max(found)


def compatible(entries: list[tuple[IterKey, int]], key: IterKey) -> list[int]:
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


def ref_mover(maps: dict[str, RowMap], sheet: Optional[str], key: IterKey,
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


def added_merges(rowmap: RowMap, main_decl: str) -> str:
    """A ``<mergeCells>`` for the merges a render added, for a sheet without one."""
    cells = "".join(f'<mergeCell ref="{fx.col_letters(c1)}{r1}:{fx.col_letters(c2)}{r2}"/>'
                    for r1, c1, r2, c2 in rowmap.merges)
    return f'<mergeCells{main_decl} count="{len(rowmap.merges)}">{cells}</mergeCells>'


def move_sqref(sqref: str, rowmap: RowMap) -> str:
    out = []
    for part in sqref.split():
        moved = fx.translate(fx.tokenize(part), ref_mover({"": rowmap}, "", (), expand=True))
        if "#REF!" not in moved:
            out.append(moved)
    return " ".join(out)


def suffix_xml(local: str, el: etree._Element, rowmap: RowMap, headers: dict[int, str],
               as_written: str, gone_names: frozenset[str] = frozenset()) -> str:
    """A worksheet element after ``sheetData``, with its row addresses moved (and the
    rendered header/footer texts put in); ``as_written`` is its template XML.

    What a zero-times loop leaves pointing at no row is dropped, and so is a container
    left empty (the schema wants at least one merge, validation or rule in each)."""
    if local == "headerFooter" and headers:
        el2 = copy.deepcopy(el)
        for i, sub in enumerate(el2):
            if i in headers:
                sub.text = headers[i]
        return serialize(el2)
    if (rowmap.identity and not (local == "mergeCells" and rowmap.merges)) or local not in _MOVED:
        return as_written
    el = copy.deepcopy(el)
    mapper = ref_mover({"": rowmap}, "", (), expand=True)
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
                if any(m1 <= top and bottom <= m2 and n1 <= c1 and c2 <= n2
                       for m1, n1, m2, n2 in rowmap.merges):
                    continue  # a one-row merge a vertical merge took over ({% vm %})
                new = f"{fx.col_letters(c1)}{top}:{fx.col_letters(c2)}{bottom}"
                if new not in seen:
                    seen.add(new)
                    etree.SubElement(el, S + "mergeCell", ref=new)
        for r1, c1, r2, c2 in rowmap.merges:
            etree.SubElement(el, S + "mergeCell",
                             ref=f"{fx.col_letters(c1)}{r1}:{fx.col_letters(c2)}{r2}")
        if not len(el):
            return ""
        el.set("count", str(len(el)))
    elif local in ("conditionalFormatting", "dataValidations"):
        items = [el] if local == "conditionalFormatting" else list(el)
        for item in items:
            if item.get("sqref"):
                sqref = move_sqref(item.get("sqref") or "", rowmap)
                if not sqref:  # every cell it applied to is gone
                    if item is el:
                        return ""
                    el.remove(item)
                    continue
                item.set("sqref", sqref)
            _move_formulas(item.iter(S + "formula", S + "formula1", S + "formula2"), rowmap,
                           gone_names)
        if not len(el):
            return ""
        if el.get("count") is not None:
            el.set("count", str(len(el)))
    elif local == "hyperlinks":
        for h in list(el):
            if h.get("ref"):
                ref = fx.translate(fx.tokenize(h.get("ref") or ""), mapper)
                if "#REF!" in ref:
                    el.remove(h)
                else:
                    h.set("ref", ref)
        if not len(el):
            return ""
    elif local == "autoFilter" and el.get("ref"):
        el.set("ref", fx.translate(fx.tokenize(el.get("ref") or ""), mapper))
    elif local == "rowBreaks":
        for brk in el:
            n = rowmap.find(int(brk.get("id") or 0), (), last=True)
            if n is not None:
                brk.set("id", str(n))
    elif local == "extLst":
        _move_x14(el, rowmap, gone_names)
        if not len(el):
            return ""
    return serialize(el)


# Worksheet children that hold row addresses.
_MOVED = frozenset(("mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks",
                    "autoFilter", "rowBreaks", "extLst"))
X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
XM = "{http://schemas.microsoft.com/office/excel/2006/main}"


def _move_formulas(formulas: Iterable[etree._Element], rowmap: RowMap,
                   gone_names: frozenset[str] = frozenset()) -> None:
    mover = ref_mover({"": rowmap}, "", (), expand=False)
    for f in formulas:
        if f.text:
            f.text = "".join(t.text for t in fx.translate_tokens(fx.tokenize(f.text), mover,
                                                                 gone_names))


def _move_x14(ext_lst: etree._Element, rowmap: RowMap,
              gone_names: frozenset[str] = frozenset()) -> None:
    """Excel 2010 conditional formats and validations (data bars, icon sets, lists
    from another sheet) follow their rows like the main ones. Sparklines and other
    extensions keep their template addresses."""
    for holder_name, item_name in (("conditionalFormattings", "conditionalFormatting"),
                                   ("dataValidations", "dataValidation")):
        for holder in list(ext_lst.iter(X14 + holder_name)):
            for item in holder.findall(X14 + item_name):
                sq = item.find(XM + "sqref")
                if sq is not None and sq.text:
                    sq.text = move_sqref(sq.text, rowmap)
                    if not sq.text:
                        holder.remove(item)
                        continue
                _move_formulas(item.iter(XM + "f"), rowmap, gone_names)
            if holder.get("count") is not None:
                holder.set("count", str(len(holder.findall(X14 + item_name))))
            if holder.find(X14 + item_name) is None:  # nothing left: the whole extension goes
                ext = holder.getparent()
                if ext is not None and ext.getparent() is ext_lst:
                    ext_lst.remove(ext)


def move_anchors(xml: Optional[bytes], rowmap: RowMap,
                 images: list[tuple[int, int, PlacedImage]], rids: dict[int, str]) -> bytes:
    """Drawing anchors follow their rows (repeated with repeated rows); images placed
    by ``image()`` are added as one-cell anchors at their cells."""
    if xml is None:
        root = etree.Element(XDR + "wsDr", nsmap={
            "xdr": XDR_NS, "a": "http://schemas.openxmlformats.org/drawingml/2006/main"})
    else:
        root = etree.fromstring(xml, PARSER)
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
    return etree.fromstring(xml, PARSER)  # docgen's own markup, through the one parser


def move_table(xml: bytes, rowmap: RowMap) -> bytes:
    root = etree.fromstring(xml, PARSER)
    mapper = ref_mover({"": rowmap}, "", (), expand=True)
    for el in [root, *root.iter(S + "autoFilter")]:
        if el.get("ref"):
            el.set("ref", fx.translate(fx.tokenize(el.get("ref") or ""), mapper))
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out
