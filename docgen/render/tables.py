"""Tables at render time: repairs after row and column loops, and ``{% vm %}`` merges.

A column loop changes how many cells a row has, but ``w:tblGrid`` still lists the
template's columns; Word then draws ragged tables. Row tags (``{%tr if %}``,
``{%tr for %}``) may remove every row of a table, and column tags every cell of a
row: the schema lets ``w:tbl`` and ``w:tr`` be empty, but Word refuses such a file
("unreadable content"), so a row left without cells and a table left without rows
are removed (a cell that then ends without a paragraph gets an empty one, which Word
requires). Only parts that hold row or column tags pay for these passes, and a part
with row tags only is parsed again just when the rendered text shows an empty table.
"""
from __future__ import annotations

import re
from typing import Any

from jinja2 import TemplateRuntimeError
from jinja2.runtime import LoopContext
from lxml import etree

from ..errors import Msg
from ..messages import N_
from ..ooxml.xml import PARSER
from .heal import W_P
from .wordml import W_TC, W_TCPR, W_TR, W

_PARSER = PARSER  # docgen.ooxml: the one hardened parser
W_TBL = W + "tbl"
# After a table's grid: its end with no row (or nested table) in between.
_NO_ROW_AFTER_GRID = re.compile(r"(?:(?!<w:tr[\s>/]|<w:tbl[\s>]).)*?</w:tbl>", re.DOTALL)


def _has_empty_table(xml: str) -> bool:
    """Whether some table of the rendered ``xml`` has no row (found by text: cheap)."""
    for end_of_grid in ("</w:tblGrid>", "<w:tblGrid/>"):
        i = xml.find(end_of_grid)
        while i >= 0:
            i += len(end_of_grid)
            if _NO_ROW_AFTER_GRID.match(xml, i):
                return True
            i = xml.find(end_of_grid, i)
    return False


def _row_width(tr: etree._Element) -> int:
    width = 0
    for tc in tr.findall(W_TC):
        span = tc.find(f"{W_TCPR}/{W}gridSpan")
        value = span.get(W + "val") if span is not None else None
        width += int(value) if value and value.isdigit() else 1
    return width


def fix_tables(xml: str, *, rows: bool, cells: bool) -> str:
    """Repair the tables of a rendered part: ``rows`` when it holds row tags,
    ``cells`` when it holds column loops (see the module docstring)."""
    if not cells and not (rows and _has_empty_table(xml)):
        return xml
    root = etree.fromstring(xml.encode("utf-8"), _PARSER)
    changed = _drop_empty(root)
    if cells:
        changed = _fix_grids(root) or changed
    if not changed:
        return xml
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out.decode("utf-8")


def _drop_empty(root: etree._Element) -> bool:
    """Remove rows without cells, then tables without rows, innermost first."""
    changed = False
    for tbl in reversed(list(root.iter(W_TBL))):
        for tr in tbl.findall(W_TR):
            if tr.find(W_TC) is None:
                tbl.remove(tr)
                changed = True
        if tbl.find(W_TR) is not None:
            continue
        parent = tbl.getparent()
        if parent is None:
            continue
        # Bookmarks and other range marks the table held stay where it was.
        index = parent.index(tbl)
        for child in [c for c in tbl if isinstance(c.tag, str) and "bookmark" in c.tag]:
            parent.insert(index, child)
            index += 1
        parent.remove(tbl)
        if parent.tag == W_TC and (len(parent) == 0 or parent[-1].tag != W_P):
            etree.SubElement(parent, W_P)
        changed = True
    return changed


def _fix_grids(root: etree._Element) -> bool:
    changed = False
    for tbl in root.iter(W_TBL):
        grid = tbl.find(W + "tblGrid")
        rows = tbl.findall(W_TR)
        if grid is None or not rows:
            continue
        cols = grid.findall(W + "gridCol")
        widest = max(_row_width(tr) for tr in rows)
        if widest == 0 or widest == len(cols):
            continue
        total = sum(int(c.get(W + "w") or 0) for c in cols)
        for c in cols:
            grid.remove(c)
        for _ in range(widest):
            col = etree.SubElement(grid, W + "gridCol")
            if total:
                col.set(W + "w", str(total // widest))
        changed = True
    return changed

VM_OUTSIDE_LOOP = N_(
    "'{tag}' merges a cell down over the rows a loop writes; put it in a row inside a "
    "row loop ('{loop}')")


HM_OUTSIDE_LOOP = N_(
    "'{tag}' merges a cell across the columns a loop writes; put it in a cell inside a "
    "column loop ('{loop}')")


class MergeOutsideLoop(TemplateRuntimeError):
    """``{% vm %}`` or ``{% hm %}`` where no loop is: its ``message`` is a :class:`Msg`,
    so the render error that reports it is translated with it."""

    def __init__(self, detail: Msg) -> None:
        super().__init__(str(detail))
        self.args = (detail,)  # jinja2.TemplateError.message is args[0]


def hmerge_loop(loop: Any) -> Any:
    """The column loop ``{% hm %}`` merges over (its cell is written once, spanning
    ``loop.length`` columns); outside a loop, the error that says where it belongs
    instead of "'loop' is not in the data"."""
    if not isinstance(loop, LoopContext):
        raise MergeOutsideLoop(Msg(HM_OUTSIDE_LOOP, {"tag": "{% hm %}",
                                                     "loop": "{%tc for … %}"}))
    return loop


_VM_STATE = "_docgen_vm"  # per loop run: cell -> the key of the last row it wrote


def vmerge_starts(loop: Any, cell: int, key: Any, typed: str, inner: Any = None) -> bool:
    """``{% vm %}`` / ``{% vm key %}`` of template cell ``cell``, for the row being
    written by row loop ``loop``: True when it starts a merge (``w:vMerge restart``),
    False when it continues the one above.

    A merge starts on the first row this run of the loop writes (not ``loop.first``:
    a ``{%tr if %}`` inside the loop may drop that row, and a ``continue`` with no
    ``restart`` would merge into the row above the loop), and wherever ``key``
    differs from the row before. Each run of a loop (each group of a nested loop)
    starts afresh, whatever its rows print. ``inner`` is Jinja's innermost loop
    there: a column loop (``{%tc for %}``) makes one merge per column it writes."""
    if not isinstance(loop, LoopContext):
        tag = "{% vm " + typed + " %}" if typed else "{% vm %}"
        raise MergeOutsideLoop(Msg(VM_OUTSIDE_LOOP, {"tag": tag, "loop": "{%tr for … %}"}))
    state: dict[Any, Any] = loop.__dict__.setdefault(_VM_STATE, {})
    slot: Any = cell
    if isinstance(inner, LoopContext) and inner is not loop:
        slot = (cell, inner.index0)  # a column loop: one merge per column
    starts = slot not in state or state[slot] != key
    state[slot] = key
    return bool(starts)
