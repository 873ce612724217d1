"""Block tags that would cut the XML apart: found when a Word part is compiled.

A block (``{% if %}``, ``{% for %}``…) removes or repeats everything between its
tags, XML included. That is sound only when both tags sit at the same place of the
element structure: ``{% if %}`` in one run and ``{% endif %}`` in another run of the
same paragraph is fine (the part between them closes a run and opens another), but
``{% if %}`` inside a hyperlink or a tracked insertion with ``{% endif %}`` after it
would drop the hyperlink's end tag when the condition is false, and Word would get a
broken file. Such a pair is reported (exit 3) instead, at the paragraph of its
opening tag; a pair with one tag in a table cell and the other outside it (or in
another table) gets a message of its own. The check reads the compiled Jinja source
once; rendering pays nothing.

docxtpl's ``{%-`` / ``-%}`` join a tag's paragraph with the one before/after it by
cutting the XML between them; :func:`joins_paragraphs_only` says whether such a cut
is sound (it only ends and starts paragraphs, never a table, row or cell).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..messages import N_

MISPLACED_BLOCK = N_(
    "'{tag}' and its '{other}' sit at different places of the document's structure "
    "(one inside a hyperlink, field, tracked change, content control or text box, the "
    "other outside it), which would give a broken file; move them so both are inside "
    "it or both outside")

MISPLACED_BLOCK_TABLE = N_(
    "'{tag}' and its '{other}' are not in the same table cell (one is in a table, the "
    "other outside it or in another cell), which would give a broken file; put both in "
    "one cell or both outside the table (to repeat or hide rows, give each tag a row of "
    "its own with {{%tr …%}})")

_TABLE = frozenset({"w:tbl", "w:tr", "w:tc"})
_OPENERS = frozenset("if for with macro call filter autoescape trans block".split())
_MIDDLES = frozenset({"elif", "else", "pluralize"})

_SCAN = re.compile(
    r"\{#@(?P<para>\d+)\n#\}"
    r"|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}"
    r"|\{#.*?#\}|\{\{.*?\}\}"
    r"|(?P<stmt>\{%[-+]?\s*(?P<head>\w+).*?%\})"
    r"|<(?P<close>/?)(?P<name>[A-Za-z][\w.:-]*)(?:\"[^\"]*\"|'[^']*'|[^>\"'])*?(?P<empty>/?)>",
    re.DOTALL,
)


@dataclass
class _Open:
    head: str
    tag: str
    path: tuple[str, ...]


@dataclass
class MisplacedBlock:
    paragraph: Optional[int]
    tag: str
    other: str
    in_table: bool = False  # the paths differ by a table, row or cell

    @property
    def message(self) -> str:
        return MISPLACED_BLOCK_TABLE if self.in_table else MISPLACED_BLOCK


def _table_path(path: tuple[str, ...]) -> list[str]:
    return [name for name in path if name in _TABLE]


_TAG = re.compile(r"<(/?)([A-Za-z][\w.:-]*)(?:\"[^\"]*\"|'[^']*'|[^>\"'])*?(/?)>")


def joins_paragraphs_only(span: str) -> bool:
    """Whether removing ``span`` (XML from inside one ``w:t`` to inside another) keeps
    the XML well-formed and the tables whole: the elements it ends are the ones it
    starts again, in mirror order, and none is a table, row or cell."""
    opened: list[str] = []
    closed: list[str] = []
    for m in _TAG.finditer(span):
        if m.group(3):
            continue
        name = m.group(2)
        if not m.group(1):
            opened.append(name)
        elif opened:
            if opened[-1] != name:
                return False
            opened.pop()
        else:
            closed.append(name)
    return closed == opened[::-1] and not _TABLE & set(closed)


def misplaced_blocks(source: str) -> list[MisplacedBlock]:
    """Every block whose tags are at different element paths of ``source``."""
    found: list[MisplacedBlock] = []
    xml: list[str] = []
    blocks: list[tuple[_Open, Optional[int]]] = []
    paragraph: Optional[int] = None
    for m in _SCAN.finditer(source):
        if m.group("para"):
            paragraph = int(m.group("para"))
        elif m.group("name"):
            if m.group("empty"):
                continue
            if not m.group("close"):
                xml.append(m.group("name"))
            elif xml and xml[-1] == m.group("name"):
                xml.pop()
            else:
                return found  # not the XML docgen writes: leave it to the parser
        elif m.group("stmt"):
            head = m.group("head")
            if head in _OPENERS or (head == "set" and "=" not in m.group("stmt")):
                blocks.append((_Open(head, m.group("stmt"), tuple(xml)), paragraph))
            elif blocks and (head in _MIDDLES or head == "end" + blocks[-1][0].head):
                opened, where = blocks[-1]
                if tuple(xml) != opened.path:
                    found.append(MisplacedBlock(
                        where, opened.tag, m.group("stmt"),
                        _table_path(tuple(xml)) != _table_path(opened.path)))
                    blocks.pop()  # reported once
                elif head.startswith("end"):
                    blocks.pop()
    return found
