"""``xl/styles.xml``: which cell formats show dates, date variants for typed cells,
and the cell font per locale."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Optional

from lxml import etree

from .sml import PARSER, S, attr_esc
from .textmodel import Style

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
        self._run_fonts: dict[tuple[Optional[str], Optional[str]], "RunFont"] = {}
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

    def run_font(self, style: Optional[str], face: Optional[str]) -> "RunFont":
        """The font of cell format ``style`` for rich-text runs (see :func:`run_font`)."""
        key = (style, face)
        found = self._run_fonts.get(key)
        if found is None:
            found = self._run_fonts[key] = run_font(self, style, face)
        return found

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


# -- rich-text cells ---------------------------------------------------------------------

@dataclass(frozen=True)
class RunFont:
    """A cell format's font as the starting point of a rich-text run's ``<rPr>``:
    Excel takes a run's font from its ``rPr`` alone (it does not inherit the cell's),
    so every run repeats the cell font with its own changes on top."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    underline: Optional[str] = None  # u/@val ("single" when the element has none)
    vert_align: Optional[str] = None
    size: Optional[str] = None  # sz/@val as written
    color: str = ""  # the font's <color …/> as written ("" for none)
    name: Optional[str] = None
    family: Optional[str] = None
    charset: Optional[str] = None
    scheme: Optional[str] = None


def _flag(font: etree._Element, tag: str) -> bool:
    el = font.find(S + tag)
    return el is not None and el.get("val") not in ("0", "false")


def run_font(styles: "Styles", style: Optional[str], face: Optional[str]) -> RunFont:
    """The font of cell format ``style`` (``c/@s``), with ``face`` (the locale's East
    Asian font) as its name the way :func:`localize_sheet_fonts` sets every cell font:
    theme scheme, charset and family dropped."""
    font: Optional[etree._Element] = None
    if styles.root is not None:
        fonts = styles.root.find(S + "fonts")
        font_list = list(fonts) if fonts is not None else []
        try:
            xf = styles.xfs[int(style or 0)] if styles.xfs else None
            font = font_list[int(xf.get("fontId") or 0)] if xf is not None else (
                font_list[0] if font_list else None)
        except (IndexError, ValueError):
            font = font_list[0] if font_list else None
    if font is None:
        return RunFont(name=face)

    def val(tag: str) -> Optional[str]:
        el = font.find(S + tag)  # type: ignore[union-attr]
        return el.get("val") if el is not None else None

    u = font.find(S + "u")
    color = font.find(S + "color")
    color_xml = ""
    if color is not None:
        attrs = "".join(f' {k}="{attr_esc(v)}"' for k, v in color.attrib.items() if k[0] != "{")
        color_xml = f"<color{attrs}/>"
    if face:
        return RunFont(_flag(font, "b"), _flag(font, "i"), _flag(font, "strike"),
                       (u.get("val") or "single") if u is not None else None,
                       val("vertAlign"), val("sz"), color_xml, face)
    return RunFont(_flag(font, "b"), _flag(font, "i"), _flag(font, "strike"),
                   (u.get("val") or "single") if u is not None else None, val("vertAlign"),
                   val("sz"), color_xml, val("name"), val("family"), val("charset"),
                   val("scheme"))


_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")
_UNDERLINES = {"double": "double", "singleAccounting": "singleAccounting",
               "doubleAccounting": "doubleAccounting"}


def run_properties(base: RunFont, style: Style) -> str:
    """``<rPr>`` of a rich-text run: the cell font, then the span's own formatting
    (bold/italic/strike add to the cell's, colour/size/font replace it). Word-only
    properties (highlight, character styles) have no place in a cell run."""
    parts = []
    if base.bold or style.bold:
        parts.append("<b/>")
    if base.italic or style.italic:
        parts.append("<i/>")
    if base.strike or style.strike:
        parts.append("<strike/>")
    underline = base.underline
    if style.underline is not None:
        underline = (None if style.underline == "none"
                     else _UNDERLINES.get(style.underline, "single"))
    if underline:
        parts.append("<u/>" if underline == "single" else f'<u val="{underline}"/>')
    vert = style.vert_align or base.vert_align
    if vert:
        parts.append(f'<vertAlign val="{attr_esc(vert)}"/>')
    if style.size is not None and style.size > 0:
        parts.append(f'<sz val="{_points(style.size)}"/>')
    elif base.size:
        parts.append(f'<sz val="{attr_esc(base.size)}"/>')
    if style.color and _HEX6.fullmatch(style.color):
        parts.append(f'<color rgb="FF{style.color.upper()}"/>')
    elif base.color:
        parts.append(base.color)
    if style.font:
        parts.append(f'<rFont val="{attr_esc(style.font[:31])}"/>')
    else:
        if base.name:
            parts.append(f'<rFont val="{attr_esc(base.name)}"/>')
        if base.family:
            parts.append(f'<family val="{attr_esc(base.family)}"/>')
        if base.charset:
            parts.append(f'<charset val="{attr_esc(base.charset)}"/>')
        if base.scheme:
            parts.append(f'<scheme val="{attr_esc(base.scheme)}"/>')
    return f"<rPr>{''.join(parts)}</rPr>"


def _points(size: float) -> str:
    text = f"{size:.2f}".rstrip("0").rstrip(".")
    return text or "1"


def wraps(styles: "Styles", style: Optional[str]) -> bool:
    """Whether cell format ``style`` wraps text already."""
    try:
        xf = styles.xfs[int(style or 0)] if styles.xfs else None
    except (IndexError, ValueError):
        return False
    align = xf.find(S + "alignment") if xf is not None else None
    return align is not None and align.get("wrapText") in ("1", "true")


def add_wrap_variants(xml: bytes, bases: list[Optional[str]]) -> bytes:
    """``styles.xml`` with a copy of each cell format of ``bases`` that wraps text,
    appended to ``cellXfs`` in that order (they become ``count``, ``count + 1``…)."""
    root = etree.fromstring(xml, PARSER)
    cell_xfs = root.find(S + "cellXfs")
    if cell_xfs is None:
        cell_xfs = etree.SubElement(root, S + "cellXfs")
    xfs = list(cell_xfs)
    for base in bases:
        try:
            source = xfs[int(base or 0)]
        except (IndexError, ValueError):
            source = None
        xf = (copy.deepcopy(source) if source is not None
              else etree.Element(S + "xf", numFmtId="0", fontId="0", fillId="0", borderId="0"))
        align = xf.find(S + "alignment")
        if align is None:
            align = etree.Element(S + "alignment")
            xf.insert(0, align)  # CT_Xf: alignment comes first
        align.set("wrapText", "1")
        xf.set("applyAlignment", "1")
        cell_xfs.append(xf)
    cell_xfs.set("count", str(len(cell_xfs)))
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out
