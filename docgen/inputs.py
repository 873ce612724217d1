"""Readers: YAML and JSON files → records, each with a map from key path to source line.

Validation problems point at ``file:line`` through :class:`SourceMap`; the readers
are the only place that knows about lines.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from .errors import InputError, SourceLocation

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
    """Line (and column) of every key path in one input file."""

    file: str
    lines: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> SourceLocation:
        """The location of ``path``, or of its nearest ancestor that has one."""
        for n in range(len(path), -1, -1):
            pos = self.lines.get(tuple(path[:n]))
            if pos is not None:
                return SourceLocation(file=self.file, line=pos[0], column=pos[1])
        return SourceLocation(file=self.file)

    def within(self, index: int) -> "SourceMap":
        """The map of list element ``index``, with paths relative to that element."""
        return SourceMap(self.file, {k[1:]: v for k, v in self.lines.items() if k and k[0] == index})


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


def _build(loader: _Loader, node: yaml.Node, path: PathKey, lines: dict[PathKey, tuple[int, int]]) -> Any:
    lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            sub = path + (key,)
            lines[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _build(loader, value_node, sub, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _decode(data: bytes, file: str) -> str:
    if b"\x00" in data[:4096]:
        raise InputError("this is not a text file (it contains binary data)",
                         SourceLocation(file=file), code="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("the file is not UTF-8 text; save it as UTF-8",
                         SourceLocation(file=file, line=line), code="encoding") from None


def parse_yaml(text: str, file: str) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse YAML text into data and a line map; raises :class:`InputError`."""
    loader = _Loader(text)
    lines: dict[PathKey, tuple[int, int]] = {}
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(loader, node, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = SourceLocation(file=file, line=mark.line + 1 if mark else None,
                             column=mark.column + 1 if mark else None)
        raise InputError("YAML syntax error: {detail}", loc, code="syntax",
                         params={"detail": str(exc.problem or exc.context)}) from None
    except yaml.YAMLError as exc:
        raise InputError("YAML syntax error: {detail}", SourceLocation(file=file), code="syntax",
                         params={"detail": str(exc)}) from None
    finally:
        loader.dispose()
    return data, lines


def parse_json(text: str, file: str) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse JSON strictly; line numbers come from a YAML reading of the same text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("JSON syntax error: {detail}",
                         SourceLocation(file=file, line=exc.lineno, column=exc.colno),
                         code="syntax", params={"detail": exc.msg}) from None
    try:
        _, lines = parse_yaml(text, file)
    except InputError:
        lines = {}
    return data, lines


READERS = {".yaml": parse_yaml, ".yml": parse_yaml, ".json": parse_json}


def read_data(path: Union[str, Path]) -> tuple[Any, SourceMap]:
    """Read a YAML/JSON file into plain data and its source map."""
    p = Path(path)
    file = str(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise InputError(
            "unsupported file type '{suffix}': use .yaml, .yml or .json",
            SourceLocation(file=file), code="file_type", params={"suffix": p.suffix or p.name})
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
        raise InputError("the file is empty", SourceLocation(file=file), code="empty")
    data, lines = reader(text, file)
    return data, SourceMap(file, lines)


def read_record(path: Union[str, Path]) -> Record:
    """Read exactly one record (a mapping at the top of the file)."""
    data, source = read_data(path)
    if not isinstance(data, dict):
        raise InputError(
            "expected one record (a mapping of field: value), but the file holds {what}",
            source.locate(()), code="not_a_record",
            params={"what": "a list" if isinstance(data, list) else type(data).__name__})
    return Record(data, source)
