"""Formatted values (:mod:`.textmodel`) as one rich-text Excel cell.

A cell holds one string of runs, no paragraphs or list numbering, so the blocks are
laid out as text: paragraphs and list items on lines of their own (``\\n``; the cell
wraps), bullets as ``• `` (nested ``  ◦ ``, ``    ▪ ``), numbered items as
``1. `` (or as their marker was typed: ``1、``, ``（1）``, ``① ``:
:class:`.textmodel.NumberMarker`)
counted per list and level as Word counts (each list restarts at its
``start``, a nested list under each parent item), a link as
``text (url)`` (a cell carries at most one hyperlink, and a value may hold several).
Each run's ``<rPr>`` starts from the cell's own font (see
:func:`.xlsx_styles.run_properties`). Every text is escaped when written; characters
XML forbids are dropped (:func:`.sml.esc`).
"""
from __future__ import annotations

from typing import Optional

from ..i18n.catalog import strip_language_marks
from .sml import FORBIDDEN, esc
from .textmodel import PLAIN, Block, Style
from .xlsx_styles import RunFont, run_properties

BULLETS = ("•", "◦", "▪")
INDENT = "  "  # per nesting level


def layout(blocks: list[Block]) -> list[tuple[Style, str]]:
    """The blocks as (style, text) runs of one cell, adjacent equal styles joined."""
    runs: list[tuple[Style, str]] = []

    def add(style: Style, text: str) -> None:
        if not text:
            return
        text = strip_language_marks(text.replace("\r\n", "\n").replace("\r", "\n"))
        text = FORBIDDEN.sub("", text.replace("\x01", ""))
        if not text:
            return
        if runs and runs[-1][0] == style:
            runs[-1] = (style, runs[-1][1] + text)
        else:
            runs.append((style, text))

    counters: dict[tuple[int, int], int] = {}
    for i, block in enumerate(blocks):
        if i:
            add(PLAIN, "\n")
        level = max(0, block.level)
        if block.kind == "bullet":
            add(PLAIN, INDENT * level + BULLETS[level % len(BULLETS)] + " ")
        elif block.kind == "number":
            key = (block.list_id, level)
            counters[key] = counters[key] + 1 if key in counters else block.start
            add(PLAIN, INDENT * level + block.marker.label(counters[key]))
        if block.kind != "paragraph":  # deeper lists start again under each item (Word)
            for key in [k for k in counters if k[1] > level]:
                del counters[key]
        for span in block.spans:
            add(span.style, span.text)
            if span.link and span.link not in (span.text, "mailto:" + span.text):
                add(span.style, f" ({span.link})")
    return runs


def rich_string(blocks: list[Block], base: RunFont, limit: int) -> tuple[str, str, bool]:
    """``<is>…</is>`` for ``blocks`` in a cell whose font is ``base``, the plain text,
    and whether it was cut to ``limit`` characters (Excel's cell limit)."""
    runs = layout(blocks)
    cut = sum(len(t) for _, t in runs) > limit
    room = limit
    kept: list[tuple[Style, str]] = []
    for style, text in runs:
        if room <= 0:
            break
        kept.append((style, text[:room]))
        room -= len(text)
    plain = "".join(t for _, t in kept)
    xml = "".join(f'<r>{run_properties(base, style)}<t xml:space="preserve">{esc(t)}</t></r>'
                  for style, t in kept)
    return f"<is>{xml}</is>", plain, cut


def plain_text(value: object) -> Optional[str]:
    """A Formatted value's plain text (mixed cell text, headers); None for others."""
    plain = getattr(value, "plain", None)
    if callable(plain) and callable(getattr(value, "blocks", None)):
        return str(plain())
    return None
