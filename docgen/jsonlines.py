"""Line and column of every key path of a JSON text, in one linear pass.

The positions are the ones the YAML reading of the same text gives (a mapping entry at
its key, a list element and the document at their first character), so a problem in a
JSON file points where it did before, but found with one regular-expression scan over
the tokens instead of PyYAML's character-by-character parser (which took 17 s for a
1,000-record list)."""
from __future__ import annotations

import json
import re
from typing import Any, Optional, Union

PathKey = tuple[Union[str, int], ...]

_STR = r'"[^"\\]*(?:\\.[^"\\]*)*"'  # unrolled: no step per character
_SCALAR = r'[^\s\[\]{}:,"]+'
# A key with its ':' (and its value when that is a scalar: no position needed), a
# list's scalar element, or a bracket; ',' and ':' need no token of their own.
_TOKEN = re.compile(r'(%s)\s*:\s*(?:%s|%s)?|%s|%s|[\[\]{}]' % (_STR, _STR, _SCALAR, _STR, _SCALAR),
                    re.DOTALL)


def json_lines(text: str) -> dict[PathKey, tuple[int, int]]:
    """``{path: (line, column)}`` for a JSON text that ``json.loads`` accepted (1-based;
    columns count characters; lines are counted at ``\\n``).

    A top-level list's elements are scanned one by one, when a position inside one is
    first asked for: a problem in record 7 of 10,000 reads record 7 only."""
    start = len(text) - len(text.lstrip())
    if text[start:start + 1] == "[":
        return _LazyLines(text, start)
    return _to_lines(text, _offsets(text, 0, len(text), ()), 0, 1, 0)


def _offsets(text: str, pos: int, endpos: int, prefix: PathKey) -> dict[PathKey, int]:
    """The offset of every key path of the one JSON value in ``text[pos:endpos]``, the
    value itself being at ``prefix``."""
    offsets: dict[PathKey, int] = {}
    stack: list[tuple[PathKey, bool, int, str]] = []  # the enclosing containers
    path: PathKey = prefix
    is_dict = False
    index = 0  # the next element's index in a list
    key = ""  # the last key read in a mapping
    for m in _TOKEN.finditer(text, pos, endpos):
        quoted = m.group(1)
        if quoted is not None:  # a mapping's key
            key = json.loads(quoted) if "\\" in quoted else quoted[1:-1]
            offsets[path + (key,)] = m.start()
            continue
        c = text[m.start()]
        if c == "}" or c == "]":
            if stack:
                path, is_dict, index, key = stack.pop()
            continue
        if is_dict:  # the value of ``key``: a container (its position is the key's)
            here = path + (key,)
        elif stack:  # a list's element
            here = path + (index,)
            offsets[here] = m.start()
            index += 1
        else:  # the value itself
            here = prefix
            offsets.setdefault(here, m.start())
        if c == "{" or c == "[":
            stack.append((path, is_dict, index, key))
            path, is_dict, index = here, c == "{", 0
    return offsets


def _to_lines(text: str, offsets: dict[PathKey, int], last: int, line: int,
              line_start: int) -> dict[PathKey, tuple[int, int]]:
    """Offsets (increasing, from ``last`` on line ``line`` starting at ``line_start``) →
    (line, column), without scanning back to the start of the text for each one (a
    one-line file stays linear)."""
    out: dict[PathKey, tuple[int, int]] = {}
    for p, off in offsets.items():
        if off >= last:
            n = text.count("\n", last, off)
            if n:
                line += n
                line_start = text.rfind("\n", last, off) + 1
            last = off
            out[p] = (line, off - line_start + 1)
        else:  # pragma: no cover - offsets come in text order
            out[p] = (text.count("\n", 0, off) + 1, off - (text.rfind("\n", 0, off) + 1) + 1)
    return out


def list_elements(text: str, start: int) -> list[tuple[int, int, int, int]]:
    """``(start, end, line, line start)`` of each element of the JSON list whose ``[``
    is at ``start``, found with the C decoder in one pass (the line is tracked as the
    scan goes, so a one-line list stays linear); the scan stops at text that does not
    decode."""
    decoder, spans = json.JSONDecoder(), []
    i = start + 1
    line, last = text.count("\n", 0, start) + 1, i
    line_start = text.rfind("\n", 0, i) + 1
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n or text[i] == "]":
            break
        k = text.count("\n", last, i)
        if k:
            line += k
            line_start = text.rfind("\n", last, i) + 1
        last = i
        try:
            _, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            break
        spans.append((i, end, line, line_start))
        i = end
    return spans


class _LazyLines(dict[PathKey, tuple[int, int]]):
    """The positions of a top-level list, each element's found on first ``get``."""

    def __init__(self, text: str, start: int) -> None:
        super().__init__()
        self.text = text
        line_start = text.rfind("\n", 0, start) + 1
        self[()] = (text.count("\n", 0, start) + 1, start - line_start + 1)
        self._start = start
        # (start, end, line, line start) of each element, found on first use
        self._spans: Optional[list[tuple[int, int, int, int]]] = None
        self._done: set[int] = set()

    def _items(self) -> list[tuple[int, int, int, int]]:
        if self._spans is None:
            self._spans = list_elements(self.text, self._start)
        return self._spans

    def get(self, key: PathKey, default: Any = None) -> Any:  # type: ignore[override]
        if key and isinstance(key[0], int) and key[0] not in self._done:
            index = key[0]
            self._done.add(index)
            spans = self._items()
            if 0 <= index < len(spans):
                start, end, line, line_start = spans[index]
                self.update(_to_lines(self.text, _offsets(self.text, start, end, (index,)),
                                      start, line, line_start))
        return super().get(key, default)
