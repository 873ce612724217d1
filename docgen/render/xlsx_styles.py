"""``xl/styles.xml``: which cell formats show dates, date variants for typed cells,
and the cell font per locale."""
from __future__ import annotations

import copy
import re
from typing import Optional

from lxml import etree

from .sml import PARSER, S

# Built-in number formats that show dates or times (ECMA-376 §18.8.30, with the
# East Asian ids 27–36 and 50–58 Excel uses for 年月日 formats).
DATE_FMT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))


def is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return bool(re.search(r"[dmyhsDMYHS]", code)) and "General" not in code


class Styles:
    """``xl/styles.xml``: which cell formats show dates, plus date variants added at
    compile time for typed cells whose template format is not a date format."""

    def __init__(self, xml: Optional[bytes]) -> None:
        self.root = etree.fromstring(xml, PARSER) if xml else None
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
            return is_date_code(self.custom[fmt_id])
        return fmt_id in DATE_FMT_IDS

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
    new = copy.deepcopy(el)
    parent.append(new)
    return new


def localize_sheet_fonts(xml: bytes, font: str) -> bytes:
    """Every cell font set to ``font`` (a CJK face with Latin glyphs, as Korean and
    Chinese Excel default to), sizes and weights kept. Theme-font references are
    removed, or Excel would take the theme's (Western) font instead of the name."""
    root = etree.fromstring(xml, PARSER)
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
