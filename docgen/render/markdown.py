"""A small Markdown subset for notes typed by people, parsed into :mod:`textmodel` blocks.

What is read (everything else is printed as the text it is):

- ``- ``, ``* ``, ``+ `` bullets, and ``・`` ``•`` ``·`` ``ㆍ`` (and ``●○◦▪■``) at the
  start of a line, as Korean and Chinese users type them (no space needed after those);
  items nest by indentation: two or more spaces (or a tab) deeper than the item above
  make a sub-list (3- and 4-space indents work too); nesting stops at 9 levels (Word's);
- numbered items, the first number kept, the number written as typed (see below);
- ``**bold**`` / ``__bold__``, ``*italic*`` / ``_italic_`` (``_`` never inside a word:
  ``snake_case`` stays), ``~~strike~~``; ``*`` works next to any letter, so
  ``**중요**합니다`` is bold;
- ``[text](url)`` links and ``<url>`` autolinks for http, https and mailto URLs only
  (any other link is printed as typed);
- backslash escapes (``\\*``), hard line breaks (two trailing spaces or a trailing
  backslash);
- a blank line starts a new paragraph, and a single newline inside a paragraph is a
  line break, not a space as in CommonMark: notes are typed line by line and every
  line is meant to stay one.

Numbered items start with one to three digits, ASCII (``1``) or full width (``１``),
in one of these markers:

- ``1.`` ``1)``: Markdown's, a space must follow (``1.5 million`` is text);
- ``1、`` ``1．`` ``1。`` ``1）`` ``（1）`` ``(1)``, as Chinese and Korean users type them:
  no space needed (``1、确认预算``), as after CJK bullets; but a digit right after
  ``、`` ``．`` ``。`` makes the line text, a series or a decimal (``1、2月份`` is January
  and February, ``1．5倍`` one and a half times): type ``1、 2024年…`` for an item that
  starts with a number.

- ``①`` .. ``⑳`` (U+2460..U+2473), circled digits as Korean and Chinese users number
  items, the number the digit's value (``③`` starts at 3), no space needed after it
  (``①예산 확정``); a circled digit right after it makes the line text (``①② 순서``),
  and so does one anywhere but the start of a line.

More digits are a year, not a number: ``2024. 3. 5.``, ``2024、`` and ``2024年3月5日``
at the start of a line stay text (so does anything not followed by a marker:
``3月5日``).

Items keep the marker they were typed with (:class:`~.textmodel.NumberMarker`):
``1、`` items print ``1、`` ``2、`` in Word and Excel, ``１．`` items ``１．`` ``２．``;
``①`` items ``①`` ``②`` (past ⑳, when such a list counts on, ``21.`` ``22.``);
``1.`` items print in the document's list style as they always have, and so do ``1)``
items (Markdown's other spelling of ``1.``). A different marker starts a new list,
which keeps its first number: ``1、`` ``2、``, a blank line, ``（1）`` ``（2）`` are two
lists, and a slip of the input method (``1、a`` then ``2．b``) prints as typed,
``1、a`` ``2．b``, never renumbered. A sub-list of another marker (``（1）`` under
``1、``) is the next level of its parent's list, nested by indentation as any
sub-list; the same level under a later parent item typed otherwise again (``1）``) is
a list of its own.

Inline code, headings and HTML are not interpreted (``<b>`` stays visible text).
An indented line right under a list item continues that item (a line break in it);
an unindented one starts a paragraph, which ends the lists above it. Blank lines
between items keep the list going (its numbering continues).

The parser runs in linear time on any input (no backtracking regular expressions,
no recursion on nesting depth), so a pasted megabyte or ten thousand ``*`` in a row
cost what their length costs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from .textmodel import (CIRCLED_FIRST, CIRCLED_MAX, DOT, Block, BlockKind, NumberMarker,
                        Span, Style)

MAX_LEVEL = 8  # Word's list levels are 0..8

_ASCII_BULLETS = "-*+"
_CJK_BULLETS = "・･•·ㆍ‧●○◦▪■"
_SPACES = " \t\u3000"
_ASCII_DIGITS = "0123456789"
_WIDE_DIGITS = "０１２３４５６７８９"
_MAX_DIGITS = 3  # more is a year (2024. 3. 5.), not an item number
_SPACED_DELIMITERS = ".)"  # ASCII: a space must follow, as in Markdown (1.5 is a number)
_CJK_DELIMITERS = "、．。）"  # typed by CJK input methods: no space needed
_SERIES_DELIMITERS = "、．。"  # followed by a digit: a series or a decimal (1、2月, 1．5)
_ENCLOSING = {"(": ")", "（": "）"}  # (1), （1）
_TAB_WIDTH = 4
_CIRCLED = "".join(chr(CIRCLED_FIRST + i) for i in range(CIRCLED_MAX))  # ① .. ⑳
CIRCLED = NumberMarker("", "", circled=True)


# -- blocks ---------------------------------------------------------------------------

@dataclass
class _OpenList:
    kind: BlockKind
    list_id: int
    start: int
    marker: NumberMarker = DOT  # a numbered item typed otherwise starts a new list


@dataclass
class _Pending:
    kind: BlockKind
    lines: list[str]
    level: int = 0
    list_id: int = -1
    start: int = 1
    marker: NumberMarker = DOT


@dataclass(frozen=True)
class _ItemStart:
    """A list item's start: its kind, first number, marker and the text after it."""
    kind: BlockKind
    number: int
    content: str
    marker: NumberMarker = DOT


def parse_markdown(text: str) -> list[Block]:
    """Parse ``text`` (the subset in this module's docstring) into paragraphs and list
    items; an empty or blank text gives no block."""
    return _BlockParser().parse(text)


class _BlockParser:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.pending: Optional[_Pending] = None
        self.indents: list[int] = []  # indent of the open list item at each depth
        self.lists: list[_OpenList] = []  # the open list at each depth
        self.next_id = 0
        self.after_blank = False
        # the marker of each level of each list (Word numbers a level one way)
        self.markers: dict[tuple[int, int], NumberMarker] = {}

    def parse(self, text: str) -> list[Block]:
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            self._line(line)
        self._flush()
        return self.blocks

    def _line(self, line: str) -> None:
        if not line.strip():
            self._flush()
            self.after_blank = True
            return
        indent, rest = _measure(line)
        marker = _list_marker(rest)
        if marker is not None:
            self._flush()
            self.pending = self._item(marker, self._depth(indent))
        elif self.pending is not None and not self.after_blank and (
                self.pending.kind == "paragraph" or indent >= 2):
            self.pending.lines.append(rest)
        else:
            self._flush()
            self.indents.clear()
            self.lists.clear()
            self.pending = _Pending("paragraph", [rest])
        self.after_blank = False

    def _depth(self, indent: int) -> int:
        """The nesting depth of an item indented by ``indent`` columns."""
        stack = self.indents
        while stack and stack[-1] > indent + 1:
            stack.pop()
        if not stack or indent >= stack[-1] + 2:
            stack.append(indent)
        del self.lists[len(stack):]
        return len(stack) - 1

    def _item(self, item: _ItemStart, depth: int) -> _Pending:
        kind, number, marker = item.kind, item.number, item.marker
        level = min(depth, MAX_LEVEL)
        lists = self.lists
        if len(lists) > depth and lists[depth].kind == kind and lists[depth].marker == marker:
            open_list = lists[depth]
        else:
            parent = lists[depth - 1] if 0 < depth <= len(lists) else None
            if parent is not None and parent.kind == kind and self._fits(parent, level, marker):
                # a sub-list of the same kind is the same Word list, one level down,
                # so Word restarts its numbers after each parent item
                open_list = _OpenList(kind, parent.list_id, number, marker)
            else:
                open_list = _OpenList(kind, self.next_id, number, marker)
                self.next_id += 1
            del lists[depth:]
            lists.append(open_list)
            self.markers.setdefault((open_list.list_id, level), marker)
        if kind != "number":
            return _Pending(kind, [item.content], level, open_list.list_id)
        return _Pending(kind, [item.content], level, open_list.list_id, open_list.start,
                        marker)

    def _fits(self, parent: _OpenList, level: int, marker: NumberMarker) -> bool:
        """Whether a sub-list typed with ``marker`` can be level ``level`` of
        ``parent``'s list: Word numbers a level one way, so a sub-list typed otherwise
        than an earlier one under the same list (``（1）``, then ``1）``) is a list of
        its own."""
        return self.markers.get((parent.list_id, level), marker) == marker

    def _flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        lines = pending.lines
        for i in range(len(lines) - 1):  # a trailing backslash is a hard line break
            line = lines[i]
            if line.endswith("\\") and (len(line) - len(line.rstrip("\\"))) % 2 == 1:
                lines[i] = line[:-1]
        spans = parse_inline("\n".join(lines))
        self.blocks.append(Block(pending.kind, spans, pending.level, pending.list_id,
                                 pending.start, marker=pending.marker))


def _measure(line: str) -> tuple[int, str]:
    """The indentation of ``line`` in columns (a tab to the next multiple of four, an
    ideographic space two) and the rest of it without trailing spaces."""
    column = 0
    i = 0
    for i, ch in enumerate(line):
        if ch == " ":
            column += 1
        elif ch == "\t":
            column += _TAB_WIDTH - column % _TAB_WIDTH
        elif ch == "\u3000":
            column += 2
        else:
            break
    return column, line[i:].rstrip(_SPACES)


def _list_marker(rest: str) -> Optional[_ItemStart]:
    """The list item ``rest`` starts, if it starts one."""
    first = rest[0]
    if first in _ASCII_BULLETS:
        if len(rest) > 2 and rest[1] in _SPACES:
            content = rest[2:].lstrip(_SPACES)
            return _ItemStart("bullet", 1, content) if content else None
        return None
    if first in _CJK_BULLETS:
        content = rest[1:].lstrip(_SPACES)
        return _ItemStart("bullet", 1, content) if content else None
    if first in _ASCII_DIGITS or first in _WIDE_DIGITS or first in _ENCLOSING:
        return _numbered(rest)
    if first in _CIRCLED:
        content = rest[1:].lstrip(_SPACES)
        if not content or rest[1] in _CIRCLED:  # ①② is a series, not an item
            return None
        return _ItemStart("number", _CIRCLED.index(first) + 1, content, CIRCLED)
    return None


def _numbered(rest: str) -> Optional[_ItemStart]:
    """A numbered item's start (the forms in the module docstring). A scan of a few
    characters, no regular expression: nothing to backtrack."""
    before = rest[0] if rest[0] in _ENCLOSING else ""
    end = _digits_end(rest, len(before))
    if end is None or end >= len(rest):
        return None
    digits, after = rest[len(before):end], rest[end]
    if before:
        if after != _ENCLOSING[before]:
            return None
    elif after not in _SPACED_DELIMITERS and after not in _CJK_DELIMITERS:
        return None
    content = _item_text(before, after, rest[end + 1:])
    if content is None:
        return None
    wide = digits[0] in _WIDE_DIGITS
    if not before and after == ")":
        after = "."  # Markdown's 1) has always printed as 1.: documents stay as they were
    # int() reads full-width digits as the numbers they are
    return _ItemStart("number", int(digits), content, NumberMarker(before, after, wide))


def _item_text(before: str, after: str, text: str) -> Optional[str]:
    """The item's text after its marker; ``None`` when what follows makes the marker
    no marker: no space after ``1.`` (``1.5``), a digit after ``1、`` (``1、2月``)."""
    if not text:
        return None
    if not before and after in _SPACED_DELIMITERS:
        if text[0] not in _SPACES:
            return None
    elif after in _SERIES_DELIMITERS and (text[0] in _ASCII_DIGITS or text[0] in _WIDE_DIGITS):
        return None
    return text.lstrip(_SPACES) or None


def _digits_end(text: str, start: int) -> Optional[int]:
    """Where the digits at ``start`` end: one to three, all ASCII or all full width
    (``1２`` is no number); ``None`` when there are none or more (a year)."""
    if start >= len(text):
        return None
    first = text[start]
    digits = (_ASCII_DIGITS if first in _ASCII_DIGITS
              else _WIDE_DIGITS if first in _WIDE_DIGITS else "")
    if not digits:
        return None
    end = start + 1
    while end < len(text) and text[end] in digits:
        end += 1
        if end - start > _MAX_DIGITS:
            return None
    return end


# -- inline ---------------------------------------------------------------------------

_SPECIAL = re.compile(r"[\\*_~\[<]")
_BRACKET = re.compile(r"[\[\]]")
# a link target: no spaces, no brackets (so scans never overlap), one level of
# balanced parentheses (Wikipedia URLs); linear: the alternatives start differently
_TARGET = re.compile(r"((?:[^\s()<>\[\]]|\([^\s()<>\[\]]*\))+)\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]{1,2048})>", re.IGNORECASE)
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SCHEMES = ("http://", "https://", "mailto:")
_B, _I, _S = 0, 1, 2  # counters: bold, italic, strike


class _Run:
    """A run of ``*``, ``_`` or ``~``: some of it opens or closes emphasis."""

    __slots__ = ("char", "left", "closes", "opens")

    def __init__(self, char: str, count: int) -> None:
        self.char = char
        self.left = count  # characters not used yet (printed as text in the end)
        self.closes = [0, 0, 0]
        self.opens = [0, 0, 0]


@dataclass(frozen=True)
class _Link:
    url: str
    spans: tuple[Span, ...]


_Piece = Union[str, _Run, _Link]


def is_link_target(url: str) -> bool:
    """An absolute http, https or mailto URL: the only links a value may carry."""
    lower = url.lower()
    return any(lower.startswith(s) and len(url) > len(s) for s in _SCHEMES)


def parse_inline(text: str, links: bool = True) -> tuple[Span, ...]:
    """The spans of one paragraph's text (emphasis, strike, links, escapes)."""
    pieces: list[_Piece] = []
    openers: list[_Run] = []  # runs that may still open, in order
    by_char: dict[str, list[_Run]] = {"*": [], "_": [], "~": []}
    n = len(text)
    pos = 0
    buf: list[str] = []
    while pos < n:
        m = _SPECIAL.search(text, pos)
        if m is None:
            buf.append(text[pos:])
            break
        i = m.start()
        if i > pos:
            buf.append(text[pos:i])
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and text[i + 1] in _ESCAPABLE:
                buf.append(text[i + 1])
                pos = i + 2
            else:
                buf.append("\\")
                pos = i + 1
            continue
        if ch == "[" and links:
            link = _link_at(text, i)
            if link is not None:
                link_piece, pos = link
                _flush_text(buf, pieces)
                pieces.append(link_piece)
                continue
            buf.append("[")
            pos = i + 1
            continue
        if ch == "<" and links:
            auto = _AUTOLINK.match(text, i)
            if auto is not None:
                _flush_text(buf, pieces)
                url = auto.group(1)
                pieces.append(_Link(url, (Span(url),)))
                pos = auto.end()
                continue
            buf.append("<")
            pos = i + 1
            continue
        if ch in "[<":
            buf.append(ch)
            pos = i + 1
            continue
        j = i + 1
        while j < n and text[j] == ch:
            j += 1
        count = j - i
        if ch == "~" and count != 2:
            buf.append(text[i:j])
            pos = j
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[j] if j < n else " "
        can_open = not after.isspace()
        can_close = not before.isspace()
        if ch == "_":
            can_open = can_open and not before.isalnum()
            can_close = can_close and not after.isalnum()
        if not (can_open or can_close):
            buf.append(text[i:j])
            pos = j
            continue
        _flush_text(buf, pieces)
        run = _Run(ch, count)
        pieces.append(run)
        if can_close:
            _close(run, openers, by_char)
        if can_open and run.left:
            openers.append(run)
            by_char[ch].append(run)
        pos = j
    _flush_text(buf, pieces)
    return _spans(pieces)


def _flush_text(buf: list[str], pieces: list[_Piece]) -> None:
    if buf:
        pieces.append("".join(buf))
        buf.clear()


def _close(run: _Run, openers: list[_Run], by_char: dict[str, list[_Run]]) -> None:
    """Match ``run`` as a closer against the nearest openers of its character; openers
    of other characters in between can no longer match (emphasis nests, never
    crosses) and stay text. Every opener leaves the stack once: linear overall."""
    same = by_char[run.char]
    while run.left and same:
        opener = same[-1]
        while openers[-1] is not opener:
            dropped = openers.pop()
            by_char[dropped.char].pop()
        if run.char == "~":
            used, kind = 2, _S
        elif run.left >= 2 and opener.left >= 2:
            used, kind = 2, _B
        else:
            used, kind = 1, _I
        opener.left -= used
        run.left -= used
        opener.opens[kind] += 1
        run.closes[kind] += 1
        if not opener.left:
            openers.pop()
            same.pop()


def _link_at(text: str, i: int) -> Optional[tuple[_Link, int]]:
    """``[text](url)`` at ``i`` with an allowed URL: the link and where it ends."""
    close = _BRACKET.search(text, i + 1)
    if close is None or text[close.start()] != "]":
        return None
    j = close.start()
    if j + 1 >= len(text) or text[j + 1] != "(":
        return None
    target = _TARGET.match(text, j + 2)
    if target is None:
        return None
    url = target.group(1)
    if not is_link_target(url):
        return None
    label = text[i + 1:j]
    spans = parse_inline(label, links=False) if label.strip() else (Span(url),)
    return _Link(url, spans), target.end()


def _spans(pieces: list[_Piece]) -> tuple[Span, ...]:
    """Sweep the pieces once, counting open emphasis, into merged spans."""
    counts = [0, 0, 0]
    out: list[Span] = []

    def add(text: str, style: Style, link: Optional[str] = None) -> None:
        if not text:
            return
        if out and out[-1].style == style and out[-1].link == link:
            out[-1] = Span(out[-1].text + text, style, link)
        else:
            out.append(Span(text, style, link))

    styles: dict[tuple[bool, bool, bool], Style] = {}

    def current() -> Style:
        key = (counts[_B] > 0, counts[_I] > 0, counts[_S] > 0)
        style = styles.get(key)
        if style is None:
            style = styles[key] = Style(bold=key[0], italic=key[1], strike=key[2])
        return style

    for piece in pieces:
        if isinstance(piece, str):
            add(piece, current())
        elif isinstance(piece, _Run):
            for k in (_B, _I, _S):
                counts[k] -= piece.closes[k]
            add(piece.char * piece.left, current())
            for k in (_B, _I, _S):
                counts[k] += piece.opens[k]
        else:
            outer = current()
            for span in piece.spans:
                inner = span.style
                add(span.text, Style(bold=outer.bold or inner.bold,
                                     italic=outer.italic or inner.italic,
                                     strike=outer.strike or inner.strike), piece.url)
    return tuple(out)


# -- plain text -----------------------------------------------------------------------

def list_prefixes(blocks: list[Block]) -> list[str]:
    """What each block starts with as plain text: ``""`` for a paragraph, ``"• "`` or
    ``"3. "`` (``"3、"``: the item's marker) for a list item, two spaces per nesting
    level before it. Numbers count like Word counts them: per list and level,
    restarting under each parent item."""
    prefixes: list[str] = []
    counters: dict[tuple[int, int], int] = {}
    for block in blocks:
        if block.kind == "paragraph":
            prefixes.append("")
            continue
        indent = "  " * block.level
        if block.kind == "bullet":
            prefixes.append(indent + "• ")
        else:
            key = (block.list_id, block.level)
            counters[key] = counters[key] + 1 if key in counters else block.start
            prefixes.append(indent + block.marker.label(counters[key]))
        # deeper levels of every list restart after this item
        for key in [k for k in counters if k[1] > block.level]:
            del counters[key]
    return prefixes


def span_plain(span: Span) -> str:
    """A span as plain text: a link as ``text (url)`` unless the text is the URL."""
    if span.link and span.text != span.link:
        return f"{span.text} ({span.link})"
    return span.text


def blocks_plain(blocks: list[Block]) -> str:
    """Blocks as readable plain text: list items prefixed (see :func:`list_prefixes`),
    a blank line between two paragraphs, a newline between anything else."""
    parts: list[str] = []
    previous: Optional[Block] = None
    for block, prefix in zip(blocks, list_prefixes(blocks)):
        if previous is not None:
            both_paragraphs = previous.kind == "paragraph" and block.kind == "paragraph"
            parts.append("\n\n" if both_paragraphs else "\n")
        text = "".join(span_plain(s) for s in block.spans)
        if prefix:  # continuation lines of an item line up under its text
            text = text.replace("\n", "\n" + " " * len(prefix))
        parts.append(prefix + text)
        previous = block
    return "".join(parts)


class MarkdownText(str):
    """A string meant as Markdown (a ``format: markdown`` field, the ``md`` filter):
    still a ``str`` everywhere, printed with formatting by the engines that know
    :class:`~docgen.render.textmodel.Formatted`."""

    _blocks: Optional[list[Block]] = None

    def blocks(self) -> list[Block]:
        """The parsed blocks (parsed once per value)."""
        if self._blocks is None:
            self._blocks = parse_markdown(str(self))
        return list(self._blocks)

    def plain(self) -> str:
        """Readable plain text: bullets as ``• ``, numbers as ``1. ``, markers gone."""
        return blocks_plain(self.blocks())
