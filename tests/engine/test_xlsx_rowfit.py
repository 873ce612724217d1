"""The Excel engine sizes rows for their rendered wrapped text (docgen/render/rowfit.py).

Expected heights are worked out by hand from the model the module documents: a
column of width w holds w × 7 px × 0.75 pt, less 3 pt of padding; CJK characters are
1 em, Latin letters 0.56 em and a space 0.28 em, both over 0.94 of slack (× 1.06 in
bold); a line is 1.3 × the size (1.45 × for CJK text or a CJK locale) and a row adds
4 pt.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any, Optional

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font

from docgen.render import rowfit
from docgen.template import Template

WRAP = Alignment(wrap_text=True, vertical="top")
# Column A: 20 characters = 105 pt, usable 102 pt = 10.2 em at 10 pt. Columns C and D:
# 10 characters each (49.5 pt usable alone = 4.95 em; merged 10.2 em).
HANGUL_14 = "가나다라마바사아자차카타파하"  # one Korean "word" of 14 em: 2 lines
HAN_20 = "我们在会议上讨论了新产品的推广计划和预算"  # 20 Han, 10 a line: 2 lines
HAN_25 = HAN_20 + "和时间安排"  # 3 lines
LATIN_4_WORDS = "aaaa aaaa aaaa aaaa"  # 2.383 em words: three fit a line (7.745), not four


def book(cells: dict[str, Any], *, merges: tuple[str, ...] = (), heights: Optional[dict[int, float]] = None,
         size: float = 10, bold: bool = False, wrap: bool = True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 10
    for ref, value in cells.items():
        ws[ref] = value
        ws[ref].font = Font(name="Arial", size=size, bold=bold)
        if wrap:
            ws[ref].alignment = WRAP
    for m in merges:
        ws.merge_cells(m)
    for r, h in (heights or {}).items():
        ws.row_dimensions[r].height = h
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def heights(data: bytes) -> dict[int, Optional[float]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return {r: ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)}


def render(template: bytes, ctx: dict[str, Any], locale: Optional[str] = None) -> bytes:
    return Template(template).render(ctx, locale)


@pytest.mark.parametrize("text, locale, expected", [
    (HANGUL_14, "ko", 33.0),          # 4 + 2 × 14.5
    (HAN_25, "zh-CN", 47.5),          # 4 + 3 × 14.5
    (HAN_20, "zh-TW", 33.0),
    (LATIN_4_WORDS, "en", 30.0),      # 4 + 2 × 13
    (LATIN_4_WORDS, "ko", 33.0),      # a CJK locale's face has taller lines
    (HANGUL_14, "en", 33.0),          # CJK text in an English document: CJK lines
    ("a\nb\nc", "en", 43.0),          # explicit breaks: 3 lines
    ("aaaa aaaa aaaa\nbbb", "en", 30.0),  # one paragraph that fits + one more line
])
def test_wrapped_tagged_text_grows_its_row(text: str, locale: str, expected: float) -> None:
    out = render(book({"A1": "{{ v }}"}), {"v": text}, locale)
    assert heights(out)[1] == expected


@pytest.mark.parametrize("text", ["short", "가나다라마바사아자", "我们在会议上讨论", "", "aaaa aaaa aaaa"])
def test_text_on_one_line_keeps_the_height(text: str) -> None:
    out = render(book({"A1": "{{ v }}"}, heights={1: 18}), {"v": text}, "ko")
    assert heights(out)[1] == 18


def test_merged_cells_sum_their_columns() -> None:
    # C alone holds 4.95 em: "aaaa aaaa aaaa" (5.06 em for two words) takes 3 lines;
    # merged C:D (10.2 em) one.
    alone = render(book({"C1": "{{ v }}"}), {"v": "aaaa aaaa aaaa"}, "en")
    merged = render(book({"C1": "{{ v }}"}, merges=("C1:D1",)), {"v": "aaaa aaaa aaaa"}, "en")
    assert heights(alone)[1] == 43.0  # 4 + 3 × 13
    assert heights(merged)[1] is None or heights(merged)[1] == 15  # untouched
    long = render(book({"C1": "{{ v }}"}, merges=("C1:D1",)), {"v": LATIN_4_WORDS * 2}, "en")
    # 7 words (the middle pair joins: "aaaaaaaa", 4.77 em): 3 + 3 + 1 a line
    assert heights(long)[1] == 43.0


def test_a_merge_over_several_rows_is_left_alone() -> None:
    out = render(book({"A1": "{{ v }}"}, merges=("A1:A2",)), {"v": HAN_20 * 3}, "zh-CN")
    assert heights(out)[1] in (None, 15)


def test_the_template_height_is_a_minimum() -> None:
    out = render(book({"A1": "{{ v }}"}, heights={1: 60}), {"v": HANGUL_14}, "ko")
    assert heights(out)[1] == 60
    out = render(book({"A1": "{{ v }}"}, heights={1: 20}), {"v": HANGUL_14 * 3}, "ko")
    assert heights(out)[1] == 76.5  # one 42 em word cut into 5 lines: 4 + 5 × 14.5


def test_font_size_and_weight_count() -> None:
    # 14 pt: 102 / 14 = 7.29 em a line; "aaaa aaaa aaaa" (7.745 em) takes 2 lines.
    out = render(book({"A1": "{{ v }}"}, size=14), {"v": "aaaa aaaa aaaa"}, "en")
    assert heights(out)[1] == 40.5  # 4 + 2 × 18.2 = 40.4, up to a quarter point
    # "aaaa aaaa aaaa aaa" is 9.83 em: one line of 10.2; bold (× 1.06) 10.42 em, two
    out = render(book({"A1": "{{ v }}"}, bold=True), {"v": "aaaa aaaa aaaa aaa"}, "en")
    assert heights(out)[1] == 30.0
    out = render(book({"A1": "{{ v }}"}), {"v": "aaaa aaaa aaaa aaa"}, "en")
    assert heights(out)[1] is None


def test_only_wrapping_tagged_rows_are_resized() -> None:
    long = HAN_20 * 2  # 40 Han: 4 lines
    static = render(book({"A1": long, "A2": "{{ v }}"}), {"v": "x"}, "zh-CN")
    assert heights(static)[1] in (None, 15)  # no tag in the row: as the author left it
    nowrap = render(book({"A1": "{{ v }}"}, wrap=False), {"v": long}, "zh-CN")
    assert heights(nowrap)[1] in (None, 15)
    # a static wrapped label in a row with a tagged value counts too
    label = render(book({"A1": long, "B1": "{{ v }}"}), {"v": "x"}, "zh-CN")
    assert heights(label)[1] == 62.0  # 4 + 4 × 14.5


def test_loop_rows_are_sized_each_by_its_own_text() -> None:
    data = book({"A1": "{%tr for x in xs %}{{ x }}{%tr endfor %}", "A2": "end"})
    out = render(data, {"xs": ["one", HAN_25, "a\nb"]}, "zh-CN")
    h = heights(out)
    assert (h[1] in (None, 15), h[2], h[3]) == (True, 47.5, 33.0)
    assert render(data, {"xs": ["one", HAN_25, "a\nb"]}, "zh-CN") == out  # deterministic


def test_grown_rows_are_marked_custom() -> None:
    out = render(book({"A1": "{{ v }}"}), {"v": HAN_25}, "zh-CN")
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<row r="1" ht="47.5" customHeight="1">' in xml


def test_line_counts() -> None:
    lines = rowfit.text_lines
    assert lines("", 94.47, 10) == 1
    assert lines(HANGUL_14, 94.47, 10) == 2
    assert lines("가나다 라마바 사아자 차카타 파하", 94.47, 10) == 2  # breaks at spaces
    assert lines(HAN_25, 94.47, 10) == 3  # 9 a line
    assert lines(HAN_20 * 2, 94.47, 10, bold=True) == 5  # bold CJK keeps one em
    assert lines("序号", 18.8, 9) == 1  # a narrow column's header: 2 em in 2.09
    assert lines("x" * 40, 94.47, 10) == 3  # a long word is cut: 23.8 em / 9.447
    assert lines("회의록 / 会议纪要", 94.47, 10) == 1
