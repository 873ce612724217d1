"""Where things are in a TOML file: key paths → line/column, and located syntax errors.

``tomllib`` gives values without positions, and its syntax errors as English text with
"(at line L, column C)". A small line scanner finds each key's line — ``[section]``
headers, ``key = …`` lines (dotted keys too) and the keys of one-line inline tables
``{ ko = "…", en = "…" }`` — which is all docgen.toml needs; written by hand because no
maintained TOML reader for Python keeps positions and tomllib is the standard one.
"""
from __future__ import annotations

import re
from typing import Optional

from .errors import InputError, SourceLocation
from .messages import N_

Path = tuple[str, ...]

_BARE = r"[A-Za-z0-9_-]+"
_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^(\s*)\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY = re.compile(rf"^(\s*)({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"([{{,]\s*)({_DOTTED})\s*=")
_SPLIT = re.compile(_PART)
_AT = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def _parts(dotted: str) -> Path:
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in _SPLIT.findall(dotted))


class SourceMap:
    """Line and column (1-based) of every key path and section of a TOML text."""

    def __init__(self, text: str) -> None:
        self.places: dict[Path, list[tuple[int, int]]] = {}
        table: Path = ()
        closing: Optional[str] = None  # inside a multi-line string ending with this
        for number, line in enumerate(text.splitlines(), start=1):
            if closing is not None:
                if line.count(closing) % 2 == 1:
                    closing = None
                continue
            header = _HEADER.match(line)
            if header:
                table = _parts(header.group(2))
                self._add(table, number, len(header.group(1)) + 1)
                continue
            key = _KEY.match(line)
            if not key:
                continue
            path = table + _parts(key.group(2))
            self._add(path, number, len(key.group(1)) + 1)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    closing = quote
            if rest.lstrip().startswith("{"):
                offset = key.end()
                for inner in _INLINE_KEY.finditer(rest):
                    self._add(path + _parts(inner.group(2)), number,
                              offset + inner.start(2) + 1)

    def _add(self, path: Path, line: int, column: int) -> None:
        self.places.setdefault(path, []).append((line, column))

    def find(self, path: Path) -> Optional[tuple[int, int]]:
        """The first place of ``path``, else of its nearest enclosing table."""
        for end in range(len(path), 0, -1):
            found = self.places.get(path[:end])
            if found:
                return found[0]
        return None

    def locate(self, file: str, path: Path) -> SourceLocation:
        place = self.find(path)
        if place is None:
            return SourceLocation(file=file)
        return SourceLocation(file=file, line=place[0], column=place[1])

    def repeated(self) -> list[tuple[Path, tuple[int, int]]]:
        """Keys given twice: each path with the place of its second occurrence.

        A ``[section]`` written twice counts; ``[a]`` followed by ``[a.b]`` does not."""
        return [(path, places[1]) for path, places in self.places.items() if len(places) > 1]


# tomllib's messages (Python 3.11–3.13) → what to change, in the user's language.
_SYNTAX: list[tuple[tuple[str, ...], str]] = [
    (("Expected ']' at the end of a table declaration", "Expected ']]' at the end"),
     N_("a section header must end with ']': write [section]")),
    (("Invalid value",),
     N_("this value is not valid TOML: put text in double quotes, e.g. name = \"...\"")),
    (("Unterminated string", "Illegal character"),
     N_("a text value is not closed: add the closing quote on the same line")),
    (("Unescaped '\\' in a string",),
     N_("a backslash inside \"...\" must be written \\\\; or put the text in single "
        "quotes '...'")),
    (("Expected newline or end of document after a statement",),
     N_("something follows the value on this line: put the whole text in one pair of "
        "quotes, or start a comment with #")),
    (("Expected '=' after a key", "Invalid statement", "Invalid initial character for a key"),
     N_("this line is not 'key = value': add ' = ' after the key, and quote text values")),
    (("Unclosed inline table",),
     N_("a table in curly braces is not closed: it must end with a closing brace on the "
        "same line")),
    (("Unclosed array",),
     N_("'[' is not closed: add ']' at the end of the list")),
]
_TWICE = ("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key",
          "Cannot redefine namespace", "Cannot mutate immutable namespace")


def syntax_error(exc: ValueError, text: str, file: str) -> InputError:
    """A ``tomllib.TOMLDecodeError`` as a located InputError saying what to change."""
    detail = str(exc)
    match = _AT.search(detail)
    bare = detail[: match.start()] if match else detail
    lines = text.splitlines() or [""]
    if match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    else:  # "at end of document": the last line with content
        line = max((i for i, t in enumerate(lines, 1) if t.strip()), default=1)
        column = 0
    if bare.startswith(_TWICE):
        repeated = SourceMap(text).repeated()
        if repeated:
            path, (line, column) = repeated[0]
            return InputError(N_("'{key}' is given twice: keep one of them"),
                              SourceLocation(file=file, line=line, column=column),
                              code="config", params={"key": ".".join(path)})
        return InputError(N_("a key or section is given twice: keep one of them"),
                          SourceLocation(file=file, line=line, column=column or None),
                          code="config")
    where = SourceLocation(file=file, line=line, column=column or None)
    for starts, message in _SYNTAX:
        if bare.startswith(starts):
            return InputError(message, where, code="config")
    return InputError(N_("broken TOML: {detail}"), where, code="config", params={"detail": bare})
