"""The Markdown subset parser (docgen.render.markdown): blocks, lists, inline styles."""
from __future__ import annotations

import time

import pytest

from docgen.render.markdown import MarkdownText, list_prefixes, parse_inline, parse_markdown
from docgen.render.textmodel import DOT, Block, Formatted, NumberMarker, Span, Style, is_inline

B = Style(bold=True)
I = Style(italic=True)
S = Style(strike=True)
P = Style()


def kinds(text: str) -> list[tuple[str, int, int]]:
    return [(b.kind, b.level, b.list_id) for b in parse_markdown(text)]


def texts(text: str) -> list[str]:
    return [b.text for b in parse_markdown(text)]


# -- blocks ---------------------------------------------------------------------------

def test_empty_and_blank_give_no_block() -> None:
    assert parse_markdown("") == []
    assert parse_markdown(" \n\t\n  ") == []


def test_one_line_is_one_inline_paragraph() -> None:
    blocks = parse_markdown("just text")
    assert blocks == [Block("paragraph", (Span("just text"),))]
    assert is_inline(blocks)


def test_single_newline_is_a_line_break_blank_line_a_paragraph() -> None:
    assert texts("a\nb\n\nc") == ["a\nb", "c"]
    assert texts("\n\na\r\nb\r\rc\n\n") == ["a\nb", "c"]


def test_hard_breaks_trailing_spaces_and_backslash() -> None:
    assert texts("a  \nb\\\nc") == ["a\nb\nc"]
    assert texts("a\\\\\nb") == ["a\\\nb"]  # an escaped backslash is no break
    assert texts("end\\") == ["end\\"]


@pytest.mark.parametrize("marker", ["-", "*", "+"])
def test_ascii_bullets(marker: str) -> None:
    assert kinds(f"{marker} a\n{marker} b") == [("bullet", 0, 0), ("bullet", 0, 0)]
    assert texts(f"{marker} a\n{marker} b") == ["a", "b"]


@pytest.mark.parametrize("marker", ["・", "•", "·", "ㆍ"])
def test_cjk_bullets_with_or_without_space(marker: str) -> None:
    assert texts(f"{marker} 항목\n{marker}项目") == ["항목", "项目"]
    assert kinds(f"{marker} 항목\n{marker}项目") == [("bullet", 0, 0)] * 2


def test_not_bullets() -> None:
    assert kinds("-a\n**bold** line\n--- \n-") == [("paragraph", 0, -1)]
    assert texts("-a\n**bold** line") == ["-a\nbold line"]


def test_nesting_two_three_four_spaces_and_tabs() -> None:
    for step in ("  ", "   ", "    ", "\t"):
        text = f"- a\n{step}- b\n{step * 2}- c\n{step}- d\n- e"
        assert [b.level for b in parse_markdown(text)] == [0, 1, 2, 1, 0], repr(step)


def test_one_space_more_is_a_sibling_and_odd_dedent_finds_the_nearest() -> None:
    assert [b.level for b in parse_markdown("- a\n - b")] == [0, 0]
    assert [b.level for b in parse_markdown("- a\n    - b\n  - c")] == [0, 1, 1]


def test_level_capped_at_eight() -> None:
    text = "\n".join("  " * i + f"- {i}" for i in range(12))
    assert [b.level for b in parse_markdown(text)] == list(range(9)) + [8, 8, 8]


def test_numbered_lists_keep_the_start_and_restart_after_a_paragraph() -> None:
    blocks = parse_markdown("3. a\n4) b\n\nx\n1. c")
    assert [(b.kind, b.start, b.list_id) for b in blocks] == [
        ("number", 3, 0), ("number", 3, 0), ("paragraph", 1, -1), ("number", 1, 1)]


def test_blank_lines_between_items_keep_the_list() -> None:
    assert kinds("1. a\n\n2. b") == [("number", 0, 0), ("number", 0, 0)]


def test_a_different_list_type_is_a_new_list() -> None:
    assert kinds("- a\n1. b\n- c") == [("bullet", 0, 0), ("number", 0, 1), ("bullet", 0, 2)]


def test_same_kind_sub_list_shares_the_list_other_kind_does_not() -> None:
    assert kinds("1. a\n   1. b\n2. c\n   1. d") == [
        ("number", 0, 0), ("number", 1, 0), ("number", 0, 0), ("number", 1, 0)]
    assert kinds("- a\n  1. b\n- c\n  1. d") == [
        ("bullet", 0, 0), ("number", 1, 1), ("bullet", 0, 0), ("number", 1, 2)]


def test_korean_dates_and_big_numbers_are_not_items() -> None:
    assert kinds("2024. 3. 5. 회의") == [("paragraph", 0, -1)]
    assert kinds("1.5 million") == [("paragraph", 0, -1)]
    assert kinds("999. x") == [("number", 0, 0)]


# -- numbered items as Chinese and Korean users type them -------------------------------

def numbers(text: str) -> list[tuple[str, int, int, int, str]]:
    """(kind, level, list_id, start, printed prefix) of every block."""
    blocks = parse_markdown(text)
    return [(b.kind, b.level, b.list_id, b.start, prefix)
            for b, prefix in zip(blocks, list_prefixes(blocks))]


@pytest.mark.parametrize("first,second", [
    ("1、", "2、"), ("1．", "2．"), ("1。", "2。"), ("1）", "2）"), ("（1）", "（2）"),
    ("(1)", "(2)"), ("１．", "２．"), ("１、", "２、"), ("（１）", "（２）"),
])
def test_cjk_numbered_items_keep_their_marker_with_or_without_a_space(
        first: str, second: str) -> None:
    text = f"{first}确认预算\n{second} 提交创意方案"
    assert texts(text) == ["确认预算", "提交创意方案"]
    assert kinds(text) == [("number", 0, 0), ("number", 0, 0)]
    space = " " if first.endswith(")") else ""  # an ASCII delimiter: a space after it
    assert list_prefixes(parse_markdown(text)) == [first + space, second + space]


def test_the_marker_is_on_the_blocks() -> None:
    assert [b.marker for b in parse_markdown("1、a\n（2）b\n３．c\n1. d\n1) e\n- f")] == [
        NumberMarker("", "、"), NumberMarker("（", "）"), NumberMarker("", "．", wide=True),
        DOT, DOT, DOT]
    assert parse_markdown("12、x")[0].start == 12
    assert parse_markdown("（１２）x")[0].start == 12
    assert kinds("999、x\n1000、y") == [("number", 0, 0), ("paragraph", 0, -1)]


@pytest.mark.parametrize("text", ["1.x", "1)x", "１.x", "１)x"])
def test_ascii_delimiters_still_need_a_space(text: str) -> None:
    assert kinds(text) == [("paragraph", 0, -1)]
    assert kinds(text[:-1] + " x") == [("number", 0, 0)]


@pytest.mark.parametrize("text", [
    "2024年3月5日 회의", "3月5日 周会", "2024、预算", "2024．3．5", "２０２４．３．５",
    "（2024）年度", "(2024) 年度", "1、2月份销售数据", "1．5倍", "１．５倍", "1。5",
    "1２、混合", "1、", "（1）", "1、 ", "（1)半角", "(1）混合", "1,000 원", "1·2", "一、开头",
])
def test_dates_years_series_and_half_markers_stay_text(text: str) -> None:
    assert kinds(text) == [("paragraph", 0, -1)]
    assert parse_markdown(text)[0].text == text.strip()


def test_a_space_makes_an_item_that_starts_with_a_number() -> None:
    assert numbers("1、 2024年预算\n2、 3月上线") == [
        ("number", 0, 0, 1, "1、"), ("number", 0, 0, 1, "2、")]
    assert texts("1、 2024年预算") == ["2024年预算"]
    assert texts("1）2026年启动") == ["2026年启动"]  # a closing bracket is no series


def test_a_different_marker_starts_a_new_list_that_keeps_its_number() -> None:
    assert numbers("1、a\n2、b\n\n（1）x\n（2）y") == [
        ("number", 0, 0, 1, "1、"), ("number", 0, 0, 1, "2、"),
        ("number", 0, 1, 1, "（1）"), ("number", 0, 1, 1, "（2）")]
    # an input method's slip is printed as typed, never renumbered
    assert numbers("1、a\n2．b\n3、c") == [
        ("number", 0, 0, 1, "1、"), ("number", 0, 1, 2, "2．"), ("number", 0, 2, 3, "3、")]
    assert numbers("1、a\n２、b") == [("number", 0, 0, 1, "1、"), ("number", 0, 1, 2, "２、")]
    # Markdown's 1. and 1) are one marker, as they always were
    assert numbers("1. a\n2) b") == [("number", 0, 0, 1, "1. "), ("number", 0, 0, 1, "2. ")]


def test_nested_cjk_markers_are_the_next_level_of_the_list() -> None:
    text = "1、a\n  （1）x\n  （2）y\n2、b\n  （1）z\n3、c\n  1）w\n  2）v\n\t- dot"
    assert numbers(text) == [
        ("number", 0, 0, 1, "1、"), ("number", 1, 0, 1, "  （1）"), ("number", 1, 0, 1, "  （2）"),
        ("number", 0, 0, 1, "2、"), ("number", 1, 0, 1, "  （1）"), ("number", 0, 0, 1, "3、"),
        # typed otherwise than the level's (1): a list of its own at that level
        ("number", 1, 1, 1, "  1）"), ("number", 1, 1, 1, "  2）"), ("bullet", 2, 2, 1, "    • ")]
    assert [b.level for b in parse_markdown("1、a\n    １．b\n\t\t（1）c\n 2、d")] == [0, 1, 2, 0]


def test_plain_text_keeps_the_typed_markers() -> None:
    text = "1、确认预算\n2、提交创意方案\n  （1）主视觉\n\n备注\n\n(1) a\n１．b"
    assert MarkdownText(text).plain() == (
        "1、确认预算\n2、提交创意方案\n  （1）主视觉\n备注\n(1) a\n１．b")
    assert MarkdownText("9、a\n10、b\n11、c").plain() == "9、a\n10、b\n11、c"


# -- circled digits: ① ② ③ -------------------------------------------------------------

CIRCLED = NumberMarker("", "", circled=True)


def test_circled_digits_are_one_numbered_list_from_one() -> None:
    text = "① 예산 확정\n② 일정 공유\n③ 결과 보고"
    blocks = parse_markdown(text)
    assert [b.text for b in blocks] == ["예산 확정", "일정 공유", "결과 보고"]
    assert numbers(text) == [("number", 0, 0, 1, "① "), ("number", 0, 0, 1, "② "),
                             ("number", 0, 0, 1, "③ ")]
    assert [b.marker for b in blocks] == [CIRCLED] * 3
    assert MarkdownText(text).plain() == text


def test_a_circled_list_keeps_its_first_number_with_or_without_a_space() -> None:
    assert numbers("③세 번째\n④ 네 번째") == [("number", 0, 0, 3, "③ "),
                                            ("number", 0, 0, 3, "④ ")]
    assert texts("③세 번째\n④ 네 번째") == ["세 번째", "네 번째"]
    assert parse_markdown("⑳ 끝")[0].start == 20
    # counting on past ⑳: 21. (circled digits stop at 20)
    assert MarkdownText("⑲ a\n⑳ b\n① c").plain() == "⑲ a\n⑳ b\n21. c"


@pytest.mark.parametrize("text", [
    "순서는 ①② 입니다", "①② 순서", "①", "① ", "안건 ① 예산", "㉑ 스물하나",
])
def test_circled_digits_not_starting_an_item_stay_text(text: str) -> None:
    assert kinds(text) == [("paragraph", 0, -1)]
    assert parse_markdown(text)[0].text == text.strip()


def test_circled_items_nest_under_a_numbered_item_and_are_a_marker_of_their_own() -> None:
    text = "1. 예산\n   ① 확정\n   ② 공유\n2. 일정\n   ① 킥오프"
    assert numbers(text) == [
        ("number", 0, 0, 1, "1. "), ("number", 1, 0, 1, "  ① "), ("number", 1, 0, 1, "  ② "),
        ("number", 0, 0, 1, "2. "), ("number", 1, 0, 1, "  ① ")]
    assert [b.marker for b in parse_markdown(text)] == [DOT, CIRCLED, CIRCLED, DOT, CIRCLED]
    # a different marker starts a new list, keeping its number
    assert numbers("1、a\n② b\n\n① x") == [
        ("number", 0, 0, 1, "1、"), ("number", 0, 1, 2, "② "), ("number", 0, 1, 2, "③ ")]


def test_indented_line_continues_an_item_unindented_starts_a_paragraph() -> None:
    assert texts("- a\n  more\nafter") == ["a\nmore", "after"]
    assert kinds("- a\n  more\nafter") == [("bullet", 0, 0), ("paragraph", 0, -1)]
    assert kinds("Intro:\n- a") == [("paragraph", 0, -1), ("bullet", 0, 0)]


def test_headings_code_and_html_are_text() -> None:
    assert texts("# Title\n`code` <b>x</b> <!-- c -->") == ["# Title\n`code` <b>x</b> <!-- c -->"]


# -- inline ---------------------------------------------------------------------------

def test_bold_italic_strike() -> None:
    assert parse_inline("**b** *i* __b__ _i_ ~~s~~") == (
        Span("b", B), Span(" "), Span("i", I), Span(" "), Span("b", B), Span(" "),
        Span("i", I), Span(" "), Span("s", S))


def test_bold_italic_nested() -> None:
    assert parse_inline("***x***") == (Span("x", Style(bold=True, italic=True)),)
    assert parse_inline("**a *b* c**") == (
        Span("a ", B), Span("b", Style(bold=True, italic=True)), Span(" c", B))


def test_bold_next_to_hangul_and_han() -> None:
    assert parse_inline("**중요**합니다") == (Span("중요", B), Span("합니다"))
    assert parse_inline("这是**重点**内容") == (Span("这是"), Span("重点", B), Span("内容"))
    assert parse_inline("全角　**강조**　텍스트") == (Span("全角　"), Span("강조", B), Span("　텍스트"))


def test_underscore_inside_words_stays() -> None:
    assert parse_inline("snake_case_name and __init__x") == (Span("snake_case_name and __init__x"),)


def test_unmatched_and_spaced_markers_are_text() -> None:
    assert parse_inline("5 * 3 * 2") == (Span("5 * 3 * 2"),)
    assert parse_inline("**open") == (Span("**open"),)
    assert parse_inline("10~20명 ~x~") == (Span("10~20명 ~x~"),)


def test_crossing_emphasis_does_not_cross() -> None:
    spans = parse_inline("*a _b* c_")
    assert "".join(s.text for s in spans) == "a _b c_"
    assert spans[0] == Span("a _b", I)


def test_escapes() -> None:
    assert parse_inline(r"\*not\* \_x\_ \[y](https://a.b) \q") == (
        Span("*not* _x_ [y](https://a.b) \\q"),)


def test_links() -> None:
    assert parse_inline("see [the **site**](https://ex.com/a_(b)) now") == (
        Span("see "), Span("the ", link="https://ex.com/a_(b)"),
        Span("site", B, "https://ex.com/a_(b)"), Span(" now"))
    assert parse_inline("[mail](mailto:a@b.c)") == (Span("mail", link="mailto:a@b.c"),)
    assert parse_inline("<https://a.b/c?d=1&e=2>") == (
        Span("https://a.b/c?d=1&e=2", link="https://a.b/c?d=1&e=2"),)


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "[x](file:///etc/passwd)", "[x](./rel.docx)",
    "[x](https://a b)", "<javascript:x>", "<b>bold</b>", "[x] (https://a.b)",
])
def test_other_links_are_text(text: str) -> None:
    spans = parse_inline(text)
    assert all(s.link is None for s in spans)
    assert "".join(s.text for s in spans) == text


def test_empty_link_text_shows_the_url() -> None:
    assert parse_inline("[](https://a.b)") == (Span("https://a.b", link="https://a.b"),)


# -- plain ----------------------------------------------------------------------------

def test_markdown_text_is_a_str_and_formatted() -> None:
    value = MarkdownText("- **a**")
    assert isinstance(value, str) and value == "- **a**"
    assert isinstance(value, Formatted)
    assert value.blocks() is not value.blocks()  # a copy: callers may not spoil the cache
    assert value.blocks() == parse_markdown("- **a**")


def test_plain_text() -> None:
    text = ("Intro **bold** [site](https://ex.com)\n- a\n  - b\n    continued\n"
            "1. one\n2. two\n   1. sub\n3. three\n\nend <https://x.y>")
    assert MarkdownText(text).plain() == (
        "Intro bold site (https://ex.com)\n• a\n  • b\n    continued\n"
        "1. one\n2. two\n  1. sub\n3. three\nend https://x.y")


def test_plain_paragraphs_keep_a_blank_line() -> None:
    assert MarkdownText("a\n\nb").plain() == "a\n\nb"


def test_prefixes_restart_sub_lists_under_each_parent() -> None:
    blocks = parse_markdown("1. a\n   1. x\n   2. y\n2. b\n   1. z\n\n7. q")
    assert list_prefixes(blocks) == ["1. ", "  1. ", "  2. ", "2. ", "  1. ", "3. "]


# -- pathological input ---------------------------------------------------------------

def _timed(text: str, runs: int = 3) -> float:
    """The best of ``runs`` parses: the least disturbed by other processes."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        parse_markdown(text)
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("make", [
    lambda n: "*" * n + "a" + "*" * n,
    lambda n: "*a " * n,
    lambda n: "a*" * n,
    lambda n: "_a *b " * n,
    lambda n: "[a](" * n,
    lambda n: "[a](x" * n,
    lambda n: "[" * n + "]" * n,
    lambda n: "<https://" * n,
    lambda n: "~~" * n,
    lambda n: "\\" * n,
    lambda n: "\n".join("  " * i + "- x" for i in range(n // 100)),
    lambda n: "\n".join("* " * i + "x" for i in range(n // 100)),
    lambda n: "\n".join("  " * i + ("1、x", "（1）x", "１．x")[i % 3] for i in range(n // 100)),
    lambda n: "\n".join(("1、x", "（2）x", "３．x", "(4) x", "5）x")[i % 5] for i in range(n // 5)),
    lambda n: "（" + "1" * n + "）x\n" + "1" * n + "、x",
], ids=["deep-stars", "open-stars", "word-stars", "mixed", "link-open", "link-target",
        "brackets", "autolink", "tildes", "backslashes", "deep-indent", "star-lines",
        "deep-cjk-numbers", "cjk-number-lines", "long-digits"])
def test_linear_time(make: object) -> None:
    assert callable(make)
    small, big = make(5_000), make(50_000)
    _timed(small)  # warm up
    per_char_small = max(_timed(small), 1e-4) / len(small)
    ratio = _timed(big) / len(big) / per_char_small
    assert ratio < 5, ratio  # time per character: quadratic would be ~10 and more


def test_ten_thousand_deep_stars() -> None:
    spans = parse_inline("*" * 10_000 + "deep" + "*" * 10_000)
    assert spans == (Span("deep", Style(bold=True)),)


def test_a_megabyte_of_notes_is_fast() -> None:
    line = "- **중요** 항목 with *italic*, [link](https://ex.com) and snake_case\n"
    text = line * (1_000_000 // len(line.encode("utf-8")) + 1)
    seconds = _timed(text, runs=1)
    assert seconds < 10, seconds
    assert len(parse_markdown(text)) == text.count("\n")
