"""Formatted text from data, independent of Word and Excel.

A value that carries formatting (Markdown from a ``format: markdown`` field or the
``md`` filter, a :class:`docgen.RichText` built by an API user) is reduced to this
small model first; each engine then writes it its own way: Word as paragraphs, list
numbering and runs (``render.wordrich``), Excel as one rich-text cell
(``render.sheet``). Nothing here knows XML, so escaping stays in the engines, which
escape every span's text like any other value: formatting never lets data inject
markup.

The model:

- a :class:`Block` is one paragraph: plain, or an item of a bulleted or numbered list
  at a nesting ``level`` (0 = top);
- a :class:`Span` is a stretch of text with one :class:`Style` (and an optional link);
  ``"\\n"`` in a span's text is a line break inside the paragraph, ``"\\t"`` a tab.

A numbered item carries its :class:`NumberMarker`: how its number is written (``1.``,
``1、``, ``（1）``, ``①``…), as the user typed it; the same for every item of one list
level.

Items of one list share a ``list_id`` (numbered from 0 within one value); a numbered
list that follows another list or a paragraph starts a new ``list_id``, so each
restarts at its ``start`` number: a value rendered once per loop item numbers each
item's list from 1 (the engine gives every ``list_id`` of every printed value its
own numbering instance).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Protocol, runtime_checkable

BlockKind = Literal["paragraph", "bullet", "number"]

_WIDE_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
CIRCLED_FIRST = 0x2460  # ① (U+2460) .. ⑳ (U+2473): 1..20
CIRCLED_MAX = 20


@dataclass(frozen=True)
class NumberMarker:
    """How a numbered item's number is written: ``before`` + the number + ``after``,
    the digits full width (``１．``) when ``wide``; a circled digit (``①``, ``before``
    and ``after`` empty) when ``circled``. The default, ``1.``, is the one engines
    print in their own list style (Word: the template's "List Number" levels); any
    other marker is printed as typed."""

    before: str = ""
    after: str = "."
    wide: bool = False
    circled: bool = False

    @property
    def is_default(self) -> bool:
        return self == DOT

    def number(self, n: int) -> str:
        """``n`` as this marker writes it: ``3.``, ``3、``, ``（3）``, ``３．``, ``③``.
        Circled digits go to ⑳; a circled list that counts on past 20 writes ``21.``
        (Unicode's further circled numbers, ㉑ on, are not in every font)."""
        if self.circled:
            if 1 <= n <= CIRCLED_MAX:
                return chr(CIRCLED_FIRST + n - 1)
            return f"{n}."
        digits = str(n).translate(_WIDE_DIGITS) if self.wide else str(n)
        return f"{self.before}{digits}{self.after}"

    def label(self, n: int) -> str:
        """The number as text before an item's text: a space follows an ASCII
        delimiter (``3. ``, ``(3) ``) and a circled digit (``③ ``); a full-width one
        (``3、``, ``（3）``) has its own spacing built in, as Chinese text writes it."""
        space = " " if self.circled or self.after.isascii() else ""
        return self.number(n) + space


DOT = NumberMarker()


@dataclass(frozen=True)
class Style:
    """Character formatting of a span. ``None`` means "as the template's run"."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    underline: Optional[str] = None  # Word's w:u values: "single", "double", …
    color: Optional[str] = None  # "RRGGBB", upper case
    size: Optional[float] = None  # points
    highlight: Optional[str] = None  # Word's highlight names: "yellow", "green", …
    shading: Optional[str] = None  # "RRGGBB" background of the run (w:shd fill; docxtpl's
    # highlight="#hex"); engines that cannot shade a run ignore it
    font: Optional[str] = None  # a font family for every script
    vert_align: Optional[Literal["superscript", "subscript"]] = None
    char_style: Optional[str] = None  # a character style id of the template


PLAIN = Style()


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = PLAIN
    link: Optional[str] = None  # an absolute URL (http, https, mailto)


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    spans: tuple[Span, ...]
    level: int = 0  # list nesting, 0 = top (always 0 for a paragraph)
    list_id: int = -1  # which list of the value the item belongs to (-1: paragraph)
    start: int = 1  # a numbered list's first number (only on its items)
    para_style: Optional[str] = None  # a paragraph style id of the template (docxtpl's
    # RichTextParagraph parastyle); None: the tag paragraph's own properties
    marker: NumberMarker = DOT  # how a numbered item's number is written

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@runtime_checkable
class Formatted(Protocol):
    """A value an engine prints with formatting instead of as plain text."""

    def blocks(self) -> list[Block]:
        """The value as paragraphs (one block: inline text, printed where the tag is)."""
        ...

    def plain(self) -> str:
        """The value as plain text (file names, core properties, sheet names)."""
        ...


def is_inline(blocks: list[Block]) -> bool:
    """One plain paragraph: printed in the tag's own paragraph, between its text."""
    return len(blocks) == 1 and blocks[0].kind == "paragraph"
