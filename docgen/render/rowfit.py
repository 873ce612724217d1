"""Row heights for rendered text: a row whose wrapped cells got longer text grows.

Excel stores every row's height in the file and never grows a row for text in a
merged cell; LibreOffice keeps the stored height of a row marked ``customHeight``.
So a template row holding ``{{ remarks }}`` in a merged, wrapping cell would cut a
long remark. After a render, each row that holds *tagged* cells formatted with
``wrapText`` gets the height its text needs:

* the cell's width: its column (``<col width>`` or the sheet's default), or the sum
  of its merged columns; a merge over several rows is left alone;
* the cell's font size and weight (``styles.xml``: the xf's font), its indent;
* the text: explicit line breaks, words wrapped greedily at spaces, Han and Kana
  breakable between any two characters, East Asian wide characters counted as one
  em and Latin ones by a table of typical sans-serif advance widths;
* one line is ``LINE_FACTOR`` × the font size (more for CJK faces, whose line gap is
  larger), plus a little padding.

The height the template gives a row is a minimum: rows only grow. The estimate is
deterministic (no font files are read) and errs on the tall side, so that text is
never cut — at worst a row has a little air.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Optional, Sequence

from lxml import etree

from . import formula as fx
from .sml import S

# Excel's column-width unit is the default font's widest digit: 7 px for Arial 10 and
# Calibri 11 (the fonts templates start from); a pixel is 0.75 pt at 96 dpi.
DIGIT_PX = 7.0
PT_PER_PX = 0.75
CELL_PADDING_PT = 3.0  # left + right inner margin and the grid line
INDENT_PT = 9.0  # one indent level: three spaces of the default font (Excel)
DEFAULT_COL_WIDTH = 8.43  # characters, Excel's default without <sheetFormatPr>
DEFAULT_ROW_HEIGHT = 15.0
LINE_FACTOR = 1.3  # Latin faces: Arial 10 pt rows are 12.75 pt in Excel
CJK_LINE_FACTOR = 1.45  # Noto Sans CJK / Malgun Gothic lines are ~1.45 em
ROW_PADDING_PT = 4.0
# CJK characters are one em in every face; Latin widths vary by face, so they count
# a little wider than the table (a reader's font may be wider than Arial).
LATIN_SLACK = 1 / 0.94
BOLD_FACTOR = 1.06  # bold Latin; bold CJK keeps its one em

# Advance widths (em) of ASCII characters in a typical sans-serif face (Arial /
# Liberation Sans; Noto Sans CJK's Latin is close); anything else not wide: 0.6.
_NARROW = dict.fromkeys("iljI.,:;'!|`", 0.25)
_NARROW.update(dict.fromkeys("ftr()[]{}/\\-\"", 0.34))
_NARROW[" "] = 0.28
_WIDE_LATIN = dict.fromkeys("mwMW@%", 0.86)
_WIDE_LATIN.update(dict.fromkeys("ABCDEFGHJKLNOPQRSTUVXYZ&", 0.69))
_ASCII_EM: dict[str, float] = {chr(c): 0.56 for c in range(32, 127)}
_ASCII_EM.update(_NARROW)
_ASCII_EM.update(_WIDE_LATIN)


def char_em(ch: str) -> float:
    """The advance width of ``ch`` in em (see the table above), before slack."""
    found = _ASCII_EM.get(ch)
    if found is not None:
        return found
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufeff":
        return 0.0
    return 0.6


def _breaks_anywhere(ch: str) -> bool:
    """Han, Kana and full-width punctuation allow a line break before and after them;
    Hangul, like Latin, breaks at spaces (Korean word wrap)."""
    o = ord(ch)
    if 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xAC00 <= o <= 0xD7AF:
        return False
    return unicodedata.east_asian_width(ch) in ("W", "F")


def is_wide(ch: str) -> bool:
    return ord(ch) >= 0x1100 and unicodedata.east_asian_width(ch) in ("W", "F")


def _paragraph_lines(text: str, avail: float, latin: float) -> int:
    """Lines that one paragraph (no line breaks) takes at ``avail`` em per line; a
    character that is not wide counts ``latin`` times its table width."""
    lines, line, word, space = 1, 0.0, 0.0, 0.0

    def place(width: float) -> None:
        nonlocal lines, line
        if line and line + width > avail:
            lines += 1
            line = 0.0
        if width > avail:  # a word longer than a line is cut where it overflows
            extra = math.ceil(width / avail) - 1
            lines += extra
            line = width - extra * avail
        else:
            line += width

    for ch in text:
        if ch == " " or ch == "\t":
            if word:
                place(space + word if line else word)
                word, space = 0.0, 0.0
            space += char_em(" ") * latin
            continue
        if _breaks_anywhere(ch):
            w = char_em(ch)
            if word:
                place(space + word if line else word)
                word, space = 0.0, 0.0
            place(space + w if line else w)
            space = 0.0
            continue
        w = char_em(ch)
        word += w if w == 1.0 and is_wide(ch) else w * latin
    if word:
        place(space + word if line else word)
    return lines


@lru_cache(maxsize=8192)
def text_lines(text: str, width_pt: float, size_pt: float, bold: bool = False) -> int:
    """How many lines ``text`` takes in a wrapping cell ``width_pt`` wide (its usable
    width, inside the padding) at ``size_pt``: explicit breaks and word wrap."""
    if not text:
        return 1
    avail = max(width_pt / size_pt, 1.0)
    if len(text) * 1.0 <= avail and "\n" not in text:
        return 1  # fits even if every character were one em (the common short value)
    latin = LATIN_SLACK * (BOLD_FACTOR if bold else 1.0)
    return sum(_paragraph_lines(p, avail, latin) for p in text.replace("\r", "").split("\n"))


def line_height(size_pt: float, east_asian: bool) -> float:
    """The height of one wrapped line at ``size_pt``."""
    return size_pt * (CJK_LINE_FACTOR if east_asian else LINE_FACTOR)


def row_height(lines: int, size_pt: float, east_asian: bool) -> float:
    """A row's height for ``lines`` lines, rounded up to a quarter point."""
    return math.ceil((ROW_PADDING_PT + lines * line_height(size_pt, east_asian)) * 4) / 4


@dataclass(frozen=True)
class WrapFont:
    """What sizing needs of a wrapping cell format (an xf of ``cellXfs``)."""

    size: float
    bold: bool
    indent: int


def wrap_fonts(styles_root: Optional[etree._Element], every: bool = False
               ) -> dict[int, WrapFont]:
    """The cell formats that wrap text, by xf index (``c/@s``), with their font;
    ``every``: also those that do not (a rich-text value gets a wrapping copy)."""
    if styles_root is None:
        return {}
    fonts = styles_root.find(S + "fonts")
    font_list = list(fonts) if fonts is not None else []
    xfs = styles_root.find(S + "cellXfs")
    out: dict[int, WrapFont] = {}
    for i, xf in enumerate(xfs if xfs is not None else []):
        align = xf.find(S + "alignment")
        if align is None:
            if not every:
                continue
            align = etree.Element(S + "alignment")
        elif align.get("wrapText") not in ("1", "true") and not every:
            continue
        if align.get("shrinkToFit") in ("1", "true") or align.get("textRotation") not in (None, "0"):
            continue
        size, bold = 11.0, False
        try:
            font = font_list[int(xf.get("fontId") or 0)]
            sz = font.find(S + "sz")
            size = float(sz.get("val") or 11) if sz is not None else 11.0
            b = font.find(S + "b")
            bold = b is not None and b.get("val") not in ("0", "false")
        except (IndexError, ValueError):
            pass
        try:
            indent = int(align.get("indent") or 0)
        except ValueError:
            indent = 0
        out[i] = WrapFont(size, bold, indent)
    return out


class SheetGeometry:
    """Column widths (pt) and single-row merges of a worksheet."""

    def __init__(self, root: etree._Element) -> None:
        fmt = root.find(S + "sheetFormatPr")
        default = DEFAULT_COL_WIDTH
        self.default_row_height = DEFAULT_ROW_HEIGHT
        if fmt is not None:
            try:
                if fmt.get("defaultColWidth"):
                    default = float(fmt.get("defaultColWidth") or default)
                elif fmt.get("baseColWidth"):
                    # baseColWidth is in characters without padding (5 px)
                    default = float(fmt.get("baseColWidth") or 8) + 5 / DIGIT_PX
                if fmt.get("defaultRowHeight"):
                    self.default_row_height = float(fmt.get("defaultRowHeight") or 15)
            except ValueError:
                pass
        self.default_pt = default * DIGIT_PX * PT_PER_PX
        self.widths: dict[int, float] = {}
        cols = root.find(S + "cols")
        for col in (cols if cols is not None else []):
            try:
                lo, hi = int(col.get("min") or 0), int(col.get("max") or 0)
                width = float(col.get("width") or default)
            except ValueError:
                continue
            if col.get("hidden") in ("1", "true"):
                width = 0.0
            for c in range(lo, min(hi, lo + 16384) + 1):
                self.widths[c] = width * DIGIT_PX * PT_PER_PX
        # merges: (row, first col) -> last col for one-row merges; cells in taller
        # merges are not sized (their height is shared by several rows)
        self.merged_to: dict[tuple[int, int], int] = {}
        self.tall: set[tuple[int, int]] = set()
        merges = root.find(S + "mergeCells")
        for m in (merges if merges is not None else []):
            try:
                first, _, last = (m.get("ref") or "").partition(":")
                (r1, c1), (r2, c2) = fx.parse_cell(first), fx.parse_cell(last or first)
            except ValueError:
                continue
            if r1 == r2:
                self.merged_to[(r1, c1)] = c2
            else:
                for r in range(r1, min(r2, r1 + 1000) + 1):
                    self.tall.add((r, c1))

    def width(self, col: int) -> float:
        return self.widths.get(col, self.default_pt)

    def cell_width(self, row: int, col: int) -> Optional[float]:
        """A cell's usable text width in pt; None when it is in a multi-row merge."""
        if (row, col) in self.tall:
            return None
        last = self.merged_to.get((row, col), col)
        return sum(self.width(c) for c in range(col, last + 1)) - CELL_PADDING_PT


@dataclass(frozen=True)
class FitCell:
    """A wrapping cell of a template row: its place in the row's cells and metrics."""

    position: int
    width_pt: float
    font: WrapFont


def plan_row(row: int, cells: Sequence[tuple[int, Optional[str]]], geometry: SheetGeometry,
             fonts: Mapping[int, WrapFont]) -> list[FitCell]:
    """The wrapping cells of template row ``row`` (``cells``: column and style of each
    cell, in order) whose rendered text decides its height."""
    out = []
    for position, (col, style) in enumerate(cells):
        try:
            font = fonts.get(int(style or 0))
        except ValueError:
            continue
        if font is None:
            continue
        width = geometry.cell_width(row, col)
        if width is None:
            continue
        out.append(FitCell(position, max(width - font.indent * INDENT_PT, 1.0), font))
    return out


def needed_height(texts: Iterable[tuple[FitCell, str]], east_asian: bool) -> float:
    """The height a row needs for its wrapping cells' ``texts``; 0 when each fits on
    one line (a template row is drawn to hold one line: it keeps its height)."""
    best = 0.0
    for fit, text in texts:
        if not text:
            continue
        lines = text_lines(text, fit.width_pt, fit.font.size, fit.font.bold)
        if lines < 2:
            continue
        wide = east_asian or any(is_wide(ch) for ch in text)
        best = max(best, row_height(lines, fit.font.size, wide))
    return best
