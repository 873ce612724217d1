"""Post-render repair of table grids after column loops (``{%tc for %}``, ``hm``).

A column loop changes how many cells a row has, but ``w:tblGrid`` still lists the
template's columns; Word then draws ragged tables. Only parts that hold column
loops pay for this pass.
"""
from __future__ import annotations

from lxml import etree

from ..ooxml.xml import PARSER
from .wordml import W_TC, W_TCPR, W_TR, W

_PARSER = PARSER  # docgen.ooxml: the one hardened parser


def _row_width(tr: etree._Element) -> int:
    width = 0
    for tc in tr.findall(W_TC):
        span = tc.find(f"{W_TCPR}/{W}gridSpan")
        value = span.get(W + "val") if span is not None else None
        width += int(value) if value and value.isdigit() else 1
    return width


def fix_table_grids(xml: str) -> str:
    """Make every table's grid have as many columns as its widest row."""
    root = etree.fromstring(xml.encode("utf-8"), _PARSER)
    changed = False
    for tbl in root.iter(W + "tbl"):
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
    if not changed:
        return xml
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out.decode("utf-8")
