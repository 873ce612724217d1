"""Readers: YAML and JSON files → records, each with a map from key path to source line.

Validation problems point at ``file:line`` through :class:`SourceMap`; the readers
are the only place that knows about lines.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import yaml

from .errors import InputError, SourceLocation
from .jsonlines import json_lines, list_elements
from .messages import N_

PathKey = tuple[Union[str, int], ...]


def format_path(path: PathKey) -> str:
    """``("items", 2, "unit_price")`` → ``items[2].unit_price``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass
class SourceMap:
    """Line (and column) of every key path in one input file.

    ``build`` computes the lines on first use instead: a JSON file's positions are
    only needed when there is a problem to point at, and finding them costs more
    than reading the data."""

    file: str
    lines: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    build: Optional[Callable[[], dict[PathKey, tuple[int, int]]]] = field(
        default=None, repr=False, compare=False)

    def _lines(self) -> dict[PathKey, tuple[int, int]]:
        if self.build is not None:
            self.lines, self.build = self.build(), None
        return self.lines

    def locate(self, path: PathKey) -> SourceLocation:
        """The location of ``path``, or of its nearest ancestor that has one."""
        known = self.lines.get(tuple(path)) if self.build is not None else None
        if known is not None:  # found cheaply (a record's start): no need for the full map
            return SourceLocation(file=self.file, line=known[0], column=known[1])
        lines = self._lines()
        for n in range(len(path), -1, -1):
            pos = lines.get(tuple(path[:n]))
            if pos is not None:
                return SourceLocation(file=self.file, line=pos[0], column=pos[1])
        return SourceLocation(file=self.file)

    def header(self, path: PathKey) -> Optional[str]:
        """The sheet header (as typed) of the column ``path`` came from; None here: a
        YAML/JSON record has no columns."""
        return None

    def within(self, index: int) -> "SourceMap":
        """The map of list element ``index``, with paths relative to that element (a
        view: thousands of records share their file's one map)."""
        return _Within(self.file, parent=self, index=index)


@dataclass
class _Within(SourceMap):
    parent: Optional[SourceMap] = None
    index: int = 0

    def locate(self, path: PathKey) -> SourceLocation:
        assert self.parent is not None
        return self.parent.locate((self.index, *path))


@dataclass
class Record:
    """One input record: plain data plus where each value came from."""

    data: dict[str, Any]
    source: SourceMap
    index: Optional[int] = None  # position in a list of records


class _Loader(yaml.SafeLoader):
    """YAML 1.1 without sexagesimal numbers (``14:30`` must stay a time, not 870) and
    without implicit timestamps (dates stay text, so ``2026-13-01`` is reported by
    validation with its line instead of crashing the parser; JSON behaves the same)."""

    escapes = False  # the text has backslash-u escapes: a string may hold half a character
    file = ""
    composed = 0  # nodes written in the text
    expanded = 0  # nodes that aliases repeat (an alias to a list of 9 counts 10)
    built = 0  # nodes _build made
    depth = 0  # lists and mappings open where the composer is

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}  # id(node) -> its node count, aliases expanded
        self._done: set[int] = set()  # anchored nodes composed to their end

    def compose_node(self, parent: Optional[yaml.Node], index: int) -> Optional[yaml.Node]:
        """Count what aliases would repeat before anything is built: a "billion laughs"
        file (each line a list of nine aliases to the line above) of a few hundred bytes
        would otherwise build 10**9 values and take gigabytes."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:  # else PyYAML reports the undefined alias
                if id(node) not in self._done:
                    raise InputError(N_("'*{name}' is inside the value '&{name}' marks, so it "
                                        "would repeat itself forever: refer to another value"),
                                     _at(self.file, event.start_mark), code="alias",
                                     params={"name": event.anchor})
                self.expanded += _size(node, self._sizes)
                if self.expanded > MAX_ALIAS_NODES:
                    raise _alias_bomb(self.file, event.start_mark, self.expanded)
            return super().compose_node(parent, index)
        self.composed += 1
        opens = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if opens:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _too_deep(self.file, event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= opens
        if getattr(event, "anchor", None) is not None:
            self._done.add(id(node))
        return node


# Values (keys count too) that aliases may repeat in one YAML file. An anchor for a
# block of 10 fields used on every record of a 10,000-record list repeats 21 values
# 10,000 times: 210,000. Building that many takes under a second and ~65 MB; a
# "billion laughs" file (a few hundred bytes, 10**9 values, minutes and gigabytes) is
# refused when its aliases are read, before anything is built.
MAX_ALIAS_NODES = 250_000


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` builds (itself, and every key and value inside it, with
    aliases inside expanded), counted once per node: linear in the text."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_size(k, sizes) + _size(v, sizes) for k, v in node.value)
    sizes[id(node)] = total
    return total


def _alias_bomb(file: str, mark: Any, count: int) -> InputError:
    return InputError(N_("the aliases ('*name') of this file repeat {count} values or more, "
                         "more than docgen reads ({limit}): write the values out, or use "
                         "fewer aliases to long lists"), _at(file, mark), code="too_large",
                      params={"count": f"{count:,}", "limit": f"{MAX_ALIAS_NODES:,}"})


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers
          if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                         "tag:yaml.org,2002:timestamp")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
               r"|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


_MERGE = "tag:yaml.org,2002:merge"


def _build(loader: _Loader, node: yaml.Node, path: PathKey, lines: dict[PathKey, tuple[int, int]],
           file: str) -> Any:
    loader.built += 1  # a second guard, after compose_node's count: never build past it
    if loader.built > loader.composed + MAX_ALIAS_NODES:
        raise _alias_bomb(file, node.start_mark, loader.built - loader.composed)
    lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        merges: list[tuple[yaml.Node, tuple[int, int]]] = []
        for key_node, value_node in node.value:
            here = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key_node.tag == _MERGE:  # '<<: *base': after this mapping's own keys
                merges.append((value_node, here))
                continue
            key = _construct(loader, key_node, file)
            if not isinstance(key, str):
                key = str(key)
            sub = path + (key,)
            if key in result:  # YAML would keep the last one silently: a classic slip
                raise InputError("'{field}' appears twice (first on line {line}): keep only one",
                                 SourceLocation(file=file, line=here[0], column=here[1]),
                                 code="duplicate_key",
                                 params={"field": format_path(sub), "line": lines[sub][0]})
            lines[sub] = here
            result[key] = _build(loader, value_node, sub, lines, file)
        for value_node, here in merges:
            _merge(loader, value_node, here, result, path, lines, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    return _construct(loader, node, file)


def _merge(loader: _Loader, node: yaml.Node, here: tuple[int, int], result: dict[Any, Any],
           path: PathKey, lines: dict[PathKey, tuple[int, int]], file: str) -> None:
    """YAML's merge key: ``<<: *base`` (or ``<<: [*a, *b]``) adds the fields of the
    mappings named that the mapping does not write itself (the first mapping named wins
    over later ones), each located at its own line in the mapping it comes from."""
    sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for source in sources:
        if not isinstance(source, yaml.MappingNode):
            raise InputError(N_("'<<' merges the fields of a mapping into this one: write "
                                "'<<: *name', where '&name' marks a mapping"),
                             SourceLocation(file=file, line=here[0], column=here[1]),
                             code="syntax")
        own: dict[PathKey, tuple[int, int]] = {}
        merged = _build(loader, source, path, own, file)
        depth, taken = len(path), set()
        for key, value in merged.items():
            if key not in result:
                result[key] = value
                taken.add(key)
        for sub, pos in own.items():
            if len(sub) > depth and sub[depth] in taken:
                lines[sub] = pos


_TOO_MANY_DIGITS = N_("this number has {count} digits, more than docgen reads ({limit}): "
                      "if it is meant as text (a code, an account number), put it in quotes")
# Python's int/str conversion limit (sys.get_int_max_str_digits, 4300 by default).
_MAX_DIGITS = 4300
# A number beyond a float (about 1.8e308, e.g. 1e999999) reads as infinity: say so at
# its place instead of reporting an 'inf' the user never wrote.
TOO_BIG_NUMBER = N_("the number {number} is too large to read (more than 10^308): if it is "
                    "meant as text, put it in quotes")


def _shorten(number: str) -> str:
    return number if len(number) <= 24 else f"{number[:10]}…{number[-10:]}"


class _FloatOverflow(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _json_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _FloatOverflow(literal)
    return value


def _construct(loader: _Loader, node: yaml.Node, file: str) -> Any:
    """The value of a scalar ``node``; a number too long to read, or a string holding
    half a UTF-16 surrogate pair, is a located error."""
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:
        if not isinstance(node, yaml.ScalarNode):
            raise
        digits = sum(c.isdigit() for c in str(node.value))
        raise InputError(_TOO_MANY_DIGITS, _at(file, node.start_mark), code="syntax",
                         params={"count": digits, "limit": _MAX_DIGITS}) from None
    if isinstance(value, float) and math.isinf(value) and "inf" not in str(node.value).lower():
        raise InputError(TOO_BIG_NUMBER, _at(file, node.start_mark), code="syntax",
                         params={"number": _shorten(str(node.value))})
    if loader.escapes and isinstance(value, str) and _SURROGATE.search(value):
        try:  # "\ud83d\ude00" (JSON's way) is one character; "\ud800" alone is half of one
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError as exc:
            raise InputError(_LONE_SURROGATE, _at(file, node.start_mark), code="syntax",
                             params={"code": "%04x" % ord(value[exc.start // 2])}) from None
    return value


# --- Sizes ----------------------------------------------------------------------------

# One text value: what an Excel cell holds (32,767 characters), so a value fits in
# either output format (and no .xlsx input holds more). Also what LibreOffice lays out
# in reasonable time as one paragraph of a PDF: 32,767 CJK characters 7 s (16 pages),
# 100,000 53 s, 1,000,000 more than 10 minutes. Far under libxml2's 10 MB text node
# (python-docx cannot open a .docx beyond it). A field this long is ~15 pages of text.
MAX_TEXT_CHARS = 32_767
# One data file (YAML, JSON, CSV): a 10,000-record batch is ~15 MB of JSON.
MAX_DATA_BYTES = 100 * 1024 * 1024

TOO_LONG = N_("{field} is {size} characters long, more than docgen takes in one value "
              "({limit} characters): shorten it")
_TOO_BIG = N_("the file is {size} bytes, more than docgen reads in one data file "
              "({limit} bytes): split it into several files")


def check_file_size(p: Path, file: str) -> None:
    """Refuse a data file over :data:`MAX_DATA_BYTES` before reading it (a missing or
    unreadable file is left to the reader to report)."""
    try:
        size = p.stat().st_size
    except OSError:
        return
    if size > MAX_DATA_BYTES:
        raise InputError(_TOO_BIG, SourceLocation(file=file), code="too_large",
                         params={"size": f"{size:,}", "limit": f"{MAX_DATA_BYTES:,}"})


def check_text_sizes(data: Any, locate: Callable[[PathKey], SourceLocation],
                     prefix: PathKey = ()) -> None:
    """Raise a located :class:`InputError` at the first text (value or field name) in
    ``data`` longer than :data:`MAX_TEXT_CHARS`. Every reader calls it (YAML, JSON,
    CSV and Excel cells, the API's records), so validate, render, batch and fill all
    refuse the same values."""
    stack: list[tuple[PathKey, Any]] = [(prefix, data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_TEXT_CHARS:
                raise InputError(TOO_LONG, locate(path), code="too_long",
                                 params={"field": format_path(path), "size": f"{len(value):,}",
                                         "limit": f"{MAX_TEXT_CHARS:,}"})
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and len(key) > MAX_TEXT_CHARS:
                    raise InputError(TOO_LONG, locate(path), code="too_long",
                                     params={"field": format_path(path + (key[:20] + "…",)),
                                             "size": f"{len(key):,}",
                                             "limit": f"{MAX_TEXT_CHARS:,}"})
                stack.append((path + (key,), item))
        elif isinstance(value, (list, tuple)):
            stack.extend((path + (i,), item) for i, item in enumerate(value))


# --- Reading bytes as text -------------------------------------------------------------

_UTF16_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
               (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
# C0 control characters no text file holds (tab, line breaks, form feed and ESC allowed).
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _common_char(char: str, codec: str, low: int, high: int) -> bool:
    """Whether ``char`` is in the common-character block of a legacy CJK code page."""
    try:
        raw = char.encode(codec)
    except UnicodeEncodeError:
        return False
    return len(raw) == 2 and low <= int.from_bytes(raw, "big") <= high


# Legacy code pages an AE's Windows may save in: (codec, name shown, "a typical letter").
# Each decodes the others' bytes into *something*, so the test is whether the result is
# made of the language's common characters (KS X 1001 Hangul, GB2312 and Big5 level-1
# Hanzi), which text in another encoding is not.
_LEGACY: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    ("cp949", "EUC-KR (CP949)",
     lambda c: "\uac00" <= c <= "\ud7a3" and _common_char(c, "euc_kr", 0xB0A1, 0xC8FE)),
    ("gb18030", "GBK (GB18030)", lambda c: _common_char(c, "gb2312", 0xB0A1, 0xF7FE)),
    ("big5", "Big5", lambda c: _common_char(c, "big5", 0xA440, 0xC67E)),
)


def _legacy_encoding(data: bytes) -> Optional[str]:
    """The CJK code page ``data`` is most likely in, if it reads as CJK text in one."""
    found = detect_legacy(data)
    return found[1] if found else None


def detect_legacy(data: bytes) -> Optional[tuple[str, str]]:
    """``(codec, display name)`` of the CJK code page ``data`` most likely uses
    (CP949, GB18030, Big5), or None when it reads as CJK text in none of them."""
    best: Optional[tuple[str, str]] = None
    best_score = 0.0
    for codec, name, typical in _LEGACY:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        letters = [c for c in text if c > "\x7f" and unicodedata.category(c)[0] in "LC"]
        if not letters:
            continue
        score = sum(map(typical, letters)) / len(letters)
        if score >= 0.8 and name.startswith("EUC-KR"):
            return codec, name  # Korean first: Hangul bytes also read as common Hanzi in GBK
        if score > best_score:
            best, best_score = (codec, name), score
    return best if best_score >= 0.8 else None


def utf16_without_bom(data: bytes) -> bool:
    """Text in UTF-16 without its byte-order mark: many NUL bytes (ASCII and the line
    breaks have one each, as do many CJK characters), and read as UTF-16 in one byte
    order it is printable text with ASCII in it (the other order reads ASCII as CJK
    and line breaks as unassigned characters)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 4 or sample.count(0) < max(2, len(sample) // 50):
        return False
    for codec in ("utf-16-le", "utf-16-be"):
        text = sample[: half * 2].decode(codec, "replace").rstrip("\ufffd")  # a cut pair
        if not text or not all(c.isprintable() or c in "\t\r\n" for c in text):
            continue
        ascii_chars = sum(c < "\x80" for c in text)
        if ascii_chars > 0.3 * len(text) or ("\n" in text and ascii_chars >= 2):
            return True
    return False


def _decode(data: bytes, file: str) -> str:
    where = SourceLocation(file=file)
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            raise InputError("the file is saved as {encoding}, not UTF-8: save it again as UTF-8",
                             where, code="encoding", params={"encoding": name})
    if b"\x00" in data[:8192]:
        if utf16_without_bom(data):
            raise InputError("the file is saved as {encoding}, not UTF-8: save it again as UTF-8",
                             where, code="encoding", params={"encoding": "UTF-16"})
        raise InputError("this is not a text file (it contains binary data)", where, code="binary")
    sample = data[:8192]
    if len(_CONTROL.findall(sample)) > max(1, len(sample) // 100):  # one stray one is a typo
        raise InputError("this is not a text file (it contains binary data)", where, code="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        legacy = _legacy_encoding(data)
        if legacy is not None:
            raise InputError("the file is saved as {encoding}, not UTF-8: save it again as UTF-8",
                             where, code="encoding", params={"encoding": legacy}) from None
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise InputError("the file is not UTF-8 text; save it as UTF-8",
                         SourceLocation(file=file, line=line, column=column),
                         code="encoding") from None


# --- YAML ------------------------------------------------------------------------------

def _at(file: str, mark: Any) -> SourceLocation:  # a yaml.Mark, or None
    if mark is None:
        return SourceLocation(file=file)
    return SourceLocation(file=file, line=mark.line + 1, column=mark.column + 1)


def _char_at(text: str, mark: Optional[yaml.Mark]) -> str:
    if mark is None or not 0 <= mark.index < len(text):
        return ""
    return text[mark.index]


def _line_of(text: str, mark: yaml.Mark) -> str:
    lines = text.splitlines()
    return lines[mark.line] if mark.line < len(lines) else ""


def _previous_content_line(text: str, line: int) -> Optional[tuple[int, str]]:
    """The last line before 0-based ``line`` that is not blank or a comment."""
    lines = text.splitlines()
    for n in range(min(line, len(lines)) - 1, -1, -1):
        stripped = lines[n].strip()
        if stripped and not stripped.startswith("#"):
            return n, lines[n]
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_NO_SPACE_AFTER_COLON = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"\[\]{}]+:[^\s/\\]")
_KEY_WITH_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"\[\]{}][^:#]*:\s+[^\s#]")
_SPECIAL_START = "@`%*&!|>?,[]{}"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> InputError:
    """A PyYAML error as a sentence saying what to change, at the parser's position."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    mark, cmark = exc.problem_mark, exc.context_mark
    where = _at(file, mark)

    def syntax(message: str, at: SourceLocation = where, **params: Any) -> InputError:
        return InputError(message, at, code="syntax", params=params)

    flow = re.match(r"(?:did not find )?expected ',' or '([\]}])'", problem)
    if flow and cmark is not None:
        close = flow.group(1)
        return syntax(N_("'{open}' on line {line} is not closed: add '{close}', or put the "
                         "whole value in quotes"),
                      open="[" if close == "]" else "{", close=close, line=cmark.line + 1)
    if problem.startswith("mapping values are not allowed"):
        if mark is not None:
            before = _line_of(text, mark)[: mark.column]
            if ": " in before:
                return syntax(N_("this value contains ': ': put the whole value in quotes"))
            prev = _previous_content_line(text, mark.line)
            if prev is not None and _NO_SPACE_AFTER_COLON.match(prev[1]):
                return syntax(N_("a space is missing after ':' on line {line}: write "
                                 "'field: value'"), line=prev[0] + 1)
            if prev is not None and _KEY_WITH_VALUE.match(prev[1]) \
                    and _indent(_line_of(text, mark)) > _indent(prev[1]):
                return syntax(N_("this line is indented more than the field above it: give "
                                 "fields of the same record the same indentation"))
        return syntax(N_("unexpected ':' here: put a space after ':' in 'field: value', quote "
                         "a value that contains ':', and check this line's indentation"))
    if "'\\t'" in problem and "cannot start any token" in problem:
        return syntax(N_("a tab character is here: YAML allows only spaces (for indentation "
                         "and after ':'); replace the tab with spaces"))
    if "found unexpected end of stream" in problem and "quoted scalar" in context:
        quote = _char_at(text, cmark) or '"'
        return syntax(N_("the quote {quote} opened here is never closed: add the closing "
                         "{quote} at the end of the value"),
                      _at(file, cmark or mark), quote=quote)
    if "could not find expected ':'" in problem:
        bad = _line_of(text, cmark) if cmark is not None else ""
        if cmark is not None and _NO_SPACE_AFTER_COLON.match(bad):
            return syntax(N_("a space is missing after ':' on line {line}: write "
                             "'field: value'"), _at(file, cmark), line=cmark.line + 1)
        if "\uff1a" in bad:
            return syntax(N_("a full-width colon '\uff1a' is used: type ':' (half-width) and a "
                             "space after the field name"), _at(file, cmark))
        if re.match(r"\s*-[^\s-]", bad):
            return syntax(N_("put a space after '-' to start a list item ('- value')"),
                          _at(file, cmark))
        return syntax(N_("this line is not 'field: value': add ':' after the field name, or "
                         "indent the line if it continues the value above"),
                      _at(file, cmark or mark))
    if "found unknown escape character" in problem:
        char = re.search(r"character '(.+)'", problem)
        return syntax(N_("'\\{char}' is not a valid escape inside \"...\": write a backslash "
                         "as '\\\\', or use single quotes"), char=char.group(1) if char else "")
    if "found undefined alias" in problem:
        name = re.search(r"alias '(.*)'", problem)
        return syntax(N_("'*{name}' refers to nothing: a value that starts with '*' must be "
                         "in quotes"), name=name.group(1) if name else "")
    if problem.startswith("sequence entries are not allowed here"):
        return syntax(N_("a list cannot start on the line of its field: put each '- ' item on a "
                         "line of its own below the field, indented"))
    if context.startswith("expected a single document"):
        return syntax(N_("a second document starts here: remove this '---' line (several "
                         "records go in one list of '- ' items)"))
    if problem.startswith(("expected <block end>", "did not find expected key",
                           "did not find expected '-'")):  # PyYAML, libyaml
        if mark is not None:
            before = _line_of(text, mark)[: mark.column].rstrip()
            if before.endswith(("'", '"')) and "'<scalar>'" in problem:
                return syntax(N_("text follows the closing {quote}: put the whole value in the "
                                 "other kind of quotes (\"...\" or '...')"), quote=before[-1])
            if before.endswith(("]", "}")) and "'<scalar>'" in problem:
                return syntax(N_("text follows the closing '{char}': put the whole value in "
                                 "quotes"), char=before[-1])
            if re.match(r"\s*-[^\s-]", _line_of(text, mark)):
                return syntax(N_("put a space after '-' to start a list item ('- value')"))
        if "'-'" in problem or "<block sequence start>" in problem:
            return syntax(N_("this list item ('-') is not aligned with the lines above: indent "
                             "every item of a list by the same number of spaces"))
        return syntax(N_("this line is not aligned with the lines above: give fields of the "
                         "same level the same indentation (spaces)"))
    # A value starting with a character YAML reserves: where it starts, and the character.
    start: Optional[yaml.Mark] = None
    if "cannot start any token" in problem or problem.startswith(
            ("expected the node content", "mapping keys are not allowed")):
        start = mark
    elif context.startswith(("while scanning an alias", "while scanning an anchor",
                             "while scanning a block scalar", "while scanning a tag",
                             "while parsing a tag")) \
            or "found unhashable key" in problem:
        start = cmark
    elif "could not determine a constructor for the tag" in problem:
        start = mark
    special = _char_at(text, start)
    if special and special in _SPECIAL_START:
        return syntax(N_("a value cannot start with '{char}': put the value in quotes"),
                      _at(file, start), char=special)
    return syntax(N_("the YAML syntax is broken here ({detail})"),
                  detail="; ".join(part.strip() for part in (context, problem) if part.strip()))


def _control_char(text: str, position: int, file: str) -> InputError:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    char = "U+%04X" % ord(text[position])
    return InputError("an invisible control character ({char}) is here: delete it",
                      SourceLocation(file=file, line=line, column=column), code="syntax",
                      params={"char": char})


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> InputError:
    if isinstance(exc.position, int) and 0 <= exc.position < len(text):
        return _control_char(text, exc.position, file)
    return InputError(N_("the YAML syntax is broken here ({detail})"), SourceLocation(file=file),
                      code="syntax", params={"detail": str(exc)})


def _too_deep(file: str, mark: Any = None) -> InputError:  # a yaml.Mark, or None
    """Lists or mappings nested deeper than :data:`MAX_DEPTH` (found by fuzzing)."""
    return InputError(N_("the data is nested too deeply (lists or mappings inside each other "
                         "more than {limit} levels deep); flatten it"),
                      _at(file, mark), code="too_deep", params={"limit": MAX_DEPTH})


# Lists and mappings inside each other, at most. A record nests a few levels (a task
# list in a section in a report); the limit is explicit so that a deep file is refused
# the same way whatever the caller's stack and recursion limit (a RecursionError came
# or not depending on both), and everything after reading may recurse on the data.
MAX_DEPTH = 100


def _nested_past(value: Any, left: int) -> bool:
    """Whether ``value`` nests lists/mappings more than ``left`` levels deep (recursion
    bounded by ``left``; ~3 ms per MB of JSON)."""
    if left == 0:
        return True
    kind = type(value)
    items = value.values() if kind is dict else value if kind is list else ()
    for item in items:
        t = type(item)
        if (t is dict or t is list) and _nested_past(item, left - 1):
            return True
    return False


def parse_yaml(text: str, file: str) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse YAML text into data and a line map; raises :class:`InputError`."""
    lines: dict[PathKey, tuple[int, int]] = {}
    try:
        loader = _Loader(text)  # checks for unprintable characters first
        loader.escapes = "\\u" in text or "\\U" in text
        loader.file = file
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
                            and not node.value):  # nothing, or only '---'
            raise InputError("the file holds no data (it is empty or has only comments)",
                             SourceLocation(file=file), code="empty")
        data = _build(loader, node, (), lines, file)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise InputError(N_("the YAML syntax is broken here ({detail})"), SourceLocation(file=file),
                         code="syntax", params={"detail": str(exc)}) from None
    except RecursionError:
        raise _too_deep(file) from None
    finally:
        loader.dispose()
    return data, lines


# --- JSON ------------------------------------------------------------------------------

def _json_error(exc: json.JSONDecodeError, text: str, file: str) -> InputError:
    """A ``json`` error as a sentence saying what to change, at the parser's position."""
    msg, pos = exc.msg, exc.pos
    char = text[pos:pos + 1]
    before = text[:pos].rstrip()[-1:]
    where = SourceLocation(file=file, line=exc.lineno, column=exc.colno)

    def syntax(message: str, **params: Any) -> InputError:
        return InputError(message, where, code="syntax", params=params)

    if msg.startswith(("Expecting value", "Expecting property name", "Expecting ',' delimiter")):
        if char in ("]", "}") and before == ",":
            comma = text[:pos].rstrip()  # ends with the comma to remove: point there
            line = comma.count("\n") + 1
            where = SourceLocation(file=file, line=line, column=len(comma) - comma.rfind("\n") - 1)
            return InputError(N_("remove the ',' before '{char}': JSON allows no comma after the "
                                 "last item"), where, code="syntax", params={"char": char})
        if char == "'":
            return syntax(N_("use double quotes (\") in JSON, not single quotes (')"))
        if char in ("/", "#"):
            return syntax(N_("JSON allows no comments: remove this comment"))
        if not char or not text[pos:].strip():
            return syntax(N_("the file ends too early: a value or a closing '}' or ']' is "
                             "missing"))
    if msg.startswith("Expecting value"):
        if char.isalpha():
            return syntax(N_("text must be in double quotes (\"...\"); true, false and null are "
                             "written in lower case"))
        return syntax(N_("a value is missing here: write a number, \"text\", true, false, null, "
                         "[...] or {...}"))
    if msg.startswith("Expecting property name"):
        return syntax(N_("a field name must be in double quotes here: \"field\": value"))
    if msg.startswith("Expecting ',' delimiter"):
        return syntax(N_("a ',' is missing before this point (or a '\"' inside text is not "
                         "written as \\\")"))
    if msg.startswith("Expecting ':' delimiter"):
        return syntax(N_("':' is missing after the field name"))
    if msg.startswith("Unterminated string"):
        return syntax(N_("this text has no closing '\"'"))
    if msg.startswith("Invalid control character"):
        if char in ("\n", "\r"):
            return syntax(N_("the line ends inside text: close the text with '\"' (write a "
                             "line break inside text as \\n)"))
        if char == "\t":
            return syntax(N_("a tab inside text: write it as \\t"))
        return _control_char(text, pos, file)
    if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\uXXXX"):
        escaped = "u" if "uXXXX" in msg else text[pos + 1:pos + 2]
        return syntax(N_("'\\{char}' is not a valid escape inside \"...\": write a backslash "
                         "as '\\\\'"), char=escaped)
    if msg.startswith("Extra data"):
        if char in ("]", "}"):
            return syntax(N_("an extra '{char}' is here: remove it"), char=char)
        return syntax(N_("more data after the end of the JSON value: a file holds one {...} "
                         "record or one [...] list"))
    return syntax(N_("the JSON syntax is broken here ({detail})"), detail=msg)


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_LONE_SURROGATE = N_("'\\u{code}' is half of a character (a lone UTF-16 surrogate), which no "
                     "document can hold: remove it or write the whole character")
_LONG_NUMBER = re.compile(r"-?\d{%d,}" % (_MAX_DIGITS + 1))


def _position(text: str, i: int, file: str) -> SourceLocation:
    return SourceLocation(file=file, line=text.count("\n", 0, i) + 1,
                          column=i - (text.rfind("\n", 0, i) + 1) + 1)


def _no_lone_surrogates(text: str, file: str) -> None:
    """Raise a located :class:`InputError` at the first ``\\uD800``…``\\uDFFF`` escape
    that is not half of a pair (JSON reads it into a string no file can be written with)."""
    pending: Optional["re.Match[str]"] = None  # a high surrogate waiting for its low half
    for m in _ESCAPE.finditer(text):
        unit = int(m.group(1), 16) if m.group(1) else -1
        if pending is not None:
            if 0xDC00 <= unit <= 0xDFFF and m.start() == pending.end():
                pending = None
                continue
            break
        if 0xD800 <= unit <= 0xDBFF:
            pending = m
        elif 0xDC00 <= unit <= 0xDFFF:
            pending = m
            break
    if pending is not None:
        raise InputError(_LONE_SURROGATE, _position(text, pending.start(), file), code="syntax",
                         params={"code": pending.group(1)})


def _long_number(text: str, file: str) -> InputError:
    m = _LONG_NUMBER.search(text)
    where = _position(text, m.start(), file) if m else SourceLocation(file=file)
    count = len(m.group(0).lstrip("-")) if m else _MAX_DIGITS + 1
    return InputError(_TOO_MANY_DIGITS, where, code="syntax",
                      params={"count": count, "limit": _MAX_DIGITS})


def parse_json(text: str, file: str) -> tuple[Any, Callable[[], dict[PathKey, tuple[int, int]]]]:
    """Parse JSON strictly; line numbers come, when asked for, from one scan of the
    tokens (:func:`json_lines`: the positions a YAML reading gives); a duplicate key is
    reported at its line (found by the YAML reading, only then)."""
    def lines() -> dict[PathKey, tuple[int, int]]:
        return json_lines(text)  # the YAML reading's positions, in one linear pass

    def duplicate() -> None:
        try:  # JSON allows tabs between tokens, YAML does not: same columns with spaces
            parse_yaml(text.replace("\t", " "), file)
        except InputError as exc:
            if exc.code == "duplicate_key":
                raise

    if "\\u" in text:
        _no_lone_surrogates(text, file)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_json_float)
    except _FloatOverflow as exc:
        m = re.search(r"(?<![\w.\"])" + re.escape(exc.literal) + r"(?![\w.])", text)
        raise InputError(TOO_BIG_NUMBER, _position(text, m.start(), file) if m else
                         SourceLocation(file=file), code="syntax",
                         params={"number": _shorten(exc.literal)}) from None
    except json.JSONDecodeError as exc:
        raise _json_error(exc, text, file) from None
    except ValueError:  # an integer beyond Python's int/str conversion limit
        raise _long_number(text, file) from None
    except RecursionError:
        raise _too_deep(file) from None
    except _DuplicateKey:
        duplicate()  # raises the located duplicate-key error
        data = json.loads(text)  # pragma: no cover - the YAML reading always finds it
    if _nested_past(data, MAX_DEPTH):
        raise _too_deep(file)
    return data, lines


def json_item_positions(text: str) -> dict[PathKey, tuple[int, int]]:
    """Line and column of the document and of each element of a top-level JSON list
    (:func:`~.jsonlines.list_elements`: fast enough for thousands of records)."""
    start = len(text) - len(text.lstrip())
    out: dict[PathKey, tuple[int, int]] = {
        (): (text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start))}
    if text[start:start + 1] == "[":
        for index, (i, _end, line, line_start) in enumerate(list_elements(text, start)):
            out[(index,)] = (line, i - line_start + 1)
    return out


# --- files saved in a format docgen does not read ------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 (.xls, .doc), encrypted OOXML
_OLD_WORKBOOK = N_("this is an Excel 97-2003 workbook (.xls), which docgen cannot read: open it "
                   "in Excel and save it as an Excel Workbook (.xlsx)")
_OLD_DOCUMENT = N_("this is a Word 97-2003 document (.doc), which docgen cannot read: open it in "
                   "Word and save it as a Word Document (.docx)")
_ENCRYPTED = N_("the file is protected with a password (encrypted), so docgen cannot read it: "
                "open it, remove the password (File > Info) and save it again")


def legacy_office(data: bytes, suffix: str) -> Optional[str]:
    """The message for an Office file docgen cannot read (an Excel 97-2003 workbook or
    Word 97-2003 document, also when renamed to .xlsx/.docx, or a password-protected
    file), or None. ``data`` is the file's bytes (the start is enough for the magic)."""
    suffix = suffix.lower()
    if data.startswith(OLE2_MAGIC):
        # The compound file's directory names its streams in UTF-16.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return _ENCRYPTED
        if "WordDocument".encode("utf-16-le") in data or suffix in (".doc", ".docx", ".dot"):
            return _OLD_DOCUMENT
        return _OLD_WORKBOOK
    if suffix in (".xls", ".xlsb"):  # also Excel's XML 2003 and HTML "xls" files
        return _OLD_WORKBOOK
    if suffix == ".doc":
        return _OLD_DOCUMENT
    return None


READERS: dict[str, Callable[[str, str], tuple[Any, Any]]] = {
    ".yaml": parse_yaml, ".yml": parse_yaml, ".json": parse_json}


def read_data(path: Union[str, Path]) -> tuple[Any, SourceMap]:
    """Read a YAML/JSON file into plain data and its source map."""
    p = Path(path)
    file = str(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None and p.suffix.lower() in (".xls", ".xlsb", ".doc"):
        try:
            with p.open("rb") as fh:
                head = fh.read(1 << 16)
        except FileNotFoundError:
            raise InputError("file not found", SourceLocation(file=file),
                             code="not_found") from None
        except OSError:
            head = b""
        old = legacy_office(head, p.suffix)
        if old is not None:
            raise InputError(old, SourceLocation(file=file), code="file_type")
    if reader is None:
        raise InputError(
            "unsupported file type '{suffix}': use .yaml, .yml or .json",
            SourceLocation(file=file), code="file_type", params={"suffix": p.suffix or p.name})
    check_file_size(p, file)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", SourceLocation(file=file), code="not_found") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", SourceLocation(file=file),
                         code="not_found") from None
    except OSError as exc:
        raise InputError("cannot read the file: {detail}", SourceLocation(file=file),
                         code="read", params={"detail": exc.strerror}) from None
    text = _decode(raw, file)
    if not text.strip():
        raise InputError("the file holds no data (it is empty or has only comments)",
                         SourceLocation(file=file), code="empty")
    data, lines = reader(text, file)
    if callable(lines):  # JSON: record starts now, the full map when a problem needs it
        source = SourceMap(file, json_item_positions(text), build=lines)
    else:
        source = SourceMap(file, lines)
    if not isinstance(data, (dict, list)):  # neither one record nor a list of them
        if isinstance(data, str) and "\uff1a" in data:
            raise InputError("a full-width colon '\uff1a' is used: type ':' (half-width) and a "
                             "space after the field name", source.locate(()), code="not_a_record")
        if isinstance(data, str) and re.search(r"\w:[^\s/\\]", data):
            raise InputError("expected 'field: value' lines, but the file reads as one piece "
                             "of text: put a space after each ':'", source.locate(()),
                             code="not_a_record")
        raise InputError("expected 'field: value' lines, but the file holds a single value",
                         source.locate(()), code="not_a_record")
    check_text_sizes(data, source.locate)
    return data, source


def read_record(path: Union[str, Path]) -> Record:
    """Read exactly one record (a mapping at the top of the file)."""
    data, source = read_data(path)
    if not isinstance(data, dict):
        raise InputError(
            "expected one record of 'field: value' lines, but the file holds a list of "
            "{count} ('- ' items): give one record per file", source.locate(()),
            code="not_a_record", params={"count": len(data)})
    return Record(data, source)
