"""Records from spreadsheets: ``.csv`` and ``.xlsx``, one record per row.

AEs keep their data in Excel, the way Excel invites: a title row above the header,
blank rows between clients, a client name merged down over its rows, a 합계 / 合计 /
Total row at the bottom. The header is the first row that names enough known columns,
either as field paths (``client``, ``client.tax_id``, ``items.quantity``) or as the
labels the kind's schema gives in any language (``고객사``, ``客户``, ``Tax ID``,
``진행률`` for ``진행률(%)``); rows above it are titles, blank rows are skipped, and total
rows are skipped with a note. Each value is located by row (CSV) or by ``Sheet!cell``
(Excel), and remembers its column's header as typed, so a problem names both.

Values are read by the type the schema expects: numbers written with separators
(``1,500,000``) become numbers, ``예``/``是``/``yes`` booleans, Excel dates dates,
percentages shown as ``40%`` 40 for a 0-100 field, enum labels (``완료``) their code;
anything that does not fit is passed on unchanged for validation to report.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional, Union

from .errors import InputError, Problem, SourceLocation
from .i18n.locale import DocLocale
from .i18n.money import parse_grouped
from .inputs import PathKey, SourceMap
from .messages import N_
from .sheetio import ENCODINGS, Row, csv_rows, decode_csv, lost_characters, xlsx_rows
from .validation import enum_code, subschema

__all__ = ["ENCODINGS", "SHEET_SUFFIXES", "Table", "TableSource", "convert", "decode_csv",
           "find_field", "header_index", "read_table"]

SHEET_SUFFIXES = (".csv", ".xlsx")
_TRUE = {"true", "yes", "y", "1", "예", "네", "o", "○", "是", "對", "对", "v", "✓", "✔"}
_FALSE = {"false", "no", "n", "0", "아니오", "아니요", "x", "×", "否", "不是", ""}
# What a total row says in its first cell (compared without spaces, case or ':').
TOTAL_WORDS = frozenset({"합계", "총계", "소계", "총합계", "합", "계", "누계", "合计", "合計", "总计",
                         "總計", "小计", "小計", "共计", "共計", "总额", "總額", "total", "totals",
                         "subtotal", "grandtotal", "sum"})
HEADER_SEARCH_ROWS = 30  # a title block above the header is a few rows, not pages


@dataclass
class TableSource(SourceMap):
    """Where each value of one record came from: a row (CSV) or a cell (Excel); the
    empty cells of known columns (a required value missing there is reported at its
    cell); and each column's header as the user typed it."""

    cells: dict[PathKey, SourceLocation] = field(default_factory=dict)
    row_location: Optional[SourceLocation] = None
    blanks: dict[PathKey, SourceLocation] = field(default_factory=dict)
    headers: dict[PathKey, str] = field(default_factory=dict)
    is_table = True  # messages say "column", not "line"

    def locate(self, path: PathKey) -> SourceLocation:
        exact = self.cells.get(tuple(path)) or self.blanks.get(tuple(path))
        if exact is not None:
            return exact
        for n in range(len(path) - 1, 0, -1):
            found = self.cells.get(tuple(path[:n]))
            if found is not None:
                return found
        return self.row_location or SourceLocation(file=self.file)

    def header(self, path: PathKey) -> Optional[str]:
        return self.headers.get(tuple(path))

    def within(self, index: int) -> "SourceMap":  # a table record has no nested records
        return self


@dataclass
class Column:
    """A header cell: the field path it names (``*`` for the item of a list)."""

    header: str
    path: Optional[PathKey]
    location: SourceLocation


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s*＊]", "", text)


def _bare(text: str) -> str:
    """A header without its unit in parentheses: ``진행률(%)`` → ``진행률``."""
    return re.sub(r"\([^()]*\)", "", unicodedata.normalize("NFKC", str(text))).strip()


def find_field(index: dict[str, PathKey], name: str) -> Optional[PathKey]:
    """The field a header (or a command-line option) names, from :func:`header_index`;
    a unit in parentheses may be added or left out (``금액(원)``, ``진행률``)."""
    return index.get(_norm(name)) or (index.get(_norm(_bare(name))) if _bare(name) else None)


def header_names(schema: dict[str, Any]) -> dict[str, tuple[PathKey, str]]:
    """Every name a header may use for a field (its dotted path, title, labels and
    aliases, also without a unit in parentheses), normalised, with the field and the
    name as the schema spells it."""
    index: dict[str, tuple[PathKey, str]] = {}

    def add(node: dict[str, Any], path: PathKey) -> None:
        dotted = ".".join(str(p) for p in path if p != "*")
        names = [dotted, node.get("title", "")]
        names += list((node.get("x-labels") or {}).values())
        names += list(node.get("x-aliases") or [])  # other words users put in headers
        names += [_bare(name) for name in names if name and _bare(name) != name]
        for name in names:
            if name:
                index.setdefault(_norm(name), (path, str(name)))

    def walk(node: dict[str, Any], path: PathKey) -> None:
        for branch in node.get("anyOf", []):
            if branch.get("type") == "object":
                walk(branch, path)
        for name, sub in (node.get("properties") or {}).items():
            sub_path = path + (name,)
            add(sub, sub_path)
            walk(sub, sub_path)
        items = node.get("items")
        if node.get("type") == "array" and isinstance(items, dict) and items.get("properties"):
            walk(items, path + ("*",))

    walk(schema, ())
    return index


def header_index(schema: dict[str, Any]) -> dict[str, PathKey]:
    """Every name a header may use for a field, normalised (see :func:`find_field`)."""
    return {name: path for name, (path, _) in header_names(schema).items()}


def _node(schema: dict[str, Any], path: PathKey) -> dict[str, Any]:
    """The schema of a column's field (``*``, a list's item, is any item)."""
    return subschema(schema, tuple(0 if key == "*" else key for key in path))


def convert(value: Any, node: dict[str, Any], percent: bool = False) -> Any:
    """A cell value as the schema's type wants it; unchanged when it does not fit.
    ``percent``: the cell shows a percentage (0.4 as 40%), which a 0-100 field wants
    as 40."""
    if percent and node.get("maximum") == 100 and isinstance(value, (int, float)):
        value = Decimal(repr(float(value))) * 100
        return int(value) if value == value.to_integral_value() else value.normalize()
    if "enum" in node and value not in node["enum"]:
        code = enum_code(value.strip() if isinstance(value, str) else value, node)
        if code is not None:  # 완료, 已完成, Done: the code they name
            return code
    kind = node.get("type")
    if "anyOf" in node:
        kind = "string" if any(b.get("type") == "string" for b in node["anyOf"]) else kind
    fmt = node.get("format")
    if isinstance(value, dt.datetime):
        if fmt == "time":
            return value.strftime("%H:%M")
        return value.date() if (fmt == "date" or value.time() == dt.time()) else value
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if kind in ("number", "integer"):
        if isinstance(value, float):
            return int(value) if value.is_integer() else Decimal(repr(value))
        number = parse_grouped(value) if isinstance(value, str) else None
        if number is not None:
            return int(number) if number == number.to_integral_value() else number
        return value
    if kind == "boolean" and isinstance(value, str):
        text = _norm(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return value
    if kind == "array" and isinstance(value, str):
        return [part.strip() for part in re.split(r"[\n;]", value) if part.strip()]
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


@dataclass
class Table:
    """Records read from a sheet, with problems found around them: unknown columns,
    total rows skipped, text lost in a CSV export."""

    records: list[tuple[dict[str, Any], TableSource]]
    problems: list[Problem]


def read_table(path: Union[str, Path], schema: dict[str, Any], *, sheet: Optional[str] = None,
               encoding: Optional[str] = None, locale: Optional[DocLocale] = None) -> Table:
    """One record per data row of ``path`` (.csv or .xlsx), fields named by the header
    row (see the module docstring for the rows that are not records)."""
    p = Path(path)
    file = str(path)
    problems: list[Problem] = []
    if p.suffix.lower() == ".csv":
        rows, _ = csv_rows(p, file, encoding)
        lost = lost_characters(rows, locale)
        if lost is not None:
            problems.append(lost)
    else:
        rows = xlsx_rows(p, file, sheet)
    names = header_names(schema)
    index = {name: path for name, (path, _) in names.items()}
    at = _header_row(rows, index)
    if at is None:
        raise InputError("the sheet has no header row (a row of field names or labels)",
                         SourceLocation(file=file), code="empty")
    header = _header(rows[at], names, index, problems, locale)
    nodes = [_node(schema, c.path) if c.path is not None else {} for c in header]
    records: list[tuple[dict[str, Any], TableSource]] = []
    for cells in rows[at + 1:]:
        own = [c for c in cells if not c.merged and c.value not in (None, "")
               and not (isinstance(c.value, str) and not c.value.strip())]
        if not own:
            continue  # blank (what a merge above gives it is not the row's own data)
        first = own[0]
        if isinstance(first.value, str) and _total_word(first.value):
            problems.append(Problem(path="", code="total_row", severity="note",
                                    location=first.where, message=N_(
                                        "row {row} is a total row ('{text}'): it is skipped, "
                                        "not read as a record"), locale=locale,
                                    params={"row": first.where.row,
                                            "text": first.value.strip()}))
            continue
        records.append(_record(cells, header, nodes, file))
    return Table(records, problems)


def _total_word(text: str) -> bool:
    return re.sub(r"[\s:：.]", "", unicodedata.normalize("NFKC", text)).casefold() in TOTAL_WORDS


def _known(row: Row, index: dict[str, PathKey]) -> int:
    return sum(1 for c in row if isinstance(c.value, str) and c.value.strip()
               and find_field(index, c.value.strip()) is not None)


def _header_row(rows: list[Row], index: dict[str, PathKey]) -> Optional[int]:
    """The header: the first row naming as many known columns as any row near the top
    does, at least two (one for a one-column sheet) — a title row names none; with no
    known column anywhere, the first non-blank row (its columns are then reported)."""
    filled = [i for i, row in enumerate(rows) if any(c.value not in (None, "") for c in row)]
    if not filled:
        return None
    near = filled[:HEADER_SEARCH_ROWS]
    counts = {i: _known(rows[i], index) for i in near}
    best = max(counts.values())
    if best == 0:
        return filled[0]
    enough = min(best, 2)
    return next(i for i in near if counts[i] >= enough)


def _header(cells: Row, names: dict[str, tuple[PathKey, str]], index: dict[str, PathKey],
            problems: list[Problem], locale: Optional[DocLocale]) -> list[Column]:
    columns = []
    for cell in cells:
        text = "" if cell.value is None else str(cell.value).strip()
        found = find_field(index, text) if text else None
        if text and found is None:
            problems.append(_unknown_column(text, cell.where, names, locale))
        columns.append(Column(text, found, cell.where))
    return columns


def _unknown_column(text: str, where: SourceLocation, names: dict[str, tuple[PathKey, str]],
                    locale: Optional[DocLocale]) -> Problem:
    """A warning naming the column, with the closest known name (진행율 → 진행률)."""
    key = _norm(_bare(text) or text)
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    if close:
        path, spelled = names[close[0]]
        dotted = ".".join(str(k) for k in path if k != "*")
        if _norm(spelled) == _norm(dotted):
            message = N_("unknown column '{name}' (did you mean '{suggestion}'?); it is ignored")
            params = {"name": text, "suggestion": dotted}
        else:
            message = N_("unknown column '{name}' (did you mean '{suggestion}', the field "
                         "{field}?); it is ignored")
            params = {"name": text, "suggestion": spelled, "field": dotted}
    else:
        message, params = N_("unknown column '{name}'; it is ignored"), {"name": text}
    return Problem(path="", code="unknown_column", message=message, params=params,
                   severity="warning", location=where, locale=locale)


def _record(cells: Row, header: list[Column], nodes: list[dict[str, Any]],
            file: str) -> tuple[dict[str, Any], TableSource]:
    """One row's record; ``nodes`` are the schemas of the header's columns."""
    data: dict[str, Any] = {}
    source = TableSource(file, row_location=cells[0].where if cells else None)
    for cell, column, node in zip(cells, header, nodes):
        if column.path is None:
            continue
        value = cell.value.strip() if isinstance(cell.value, str) else cell.value
        concrete = tuple(0 if k == "*" else k for k in column.path)
        if value is None or value == "":
            source.blanks.setdefault(concrete, cell.where)
            source.headers.setdefault(concrete, column.header)
            continue
        keys = _put(data, column.path, convert(value, node, cell.percent))
        if keys is not None:
            source.cells[keys] = cell.where
            source.headers[keys] = column.header
    return data, source


def _put(data: dict[str, Any], path: PathKey, value: Any) -> Optional[PathKey]:
    """Store ``value`` at ``path`` (``*``: the row's one item of a list); the key path
    it landed at, or None when another column already holds a different shape there."""
    target: Any = data
    keys: PathKey = ()
    for i, key in enumerate(path[:-1]):
        if key == "*":
            if not target:
                target.append({})
            target, keys = target[0], keys + (0,)
            continue
        want_list = path[i + 1] == "*"
        existing = target.get(key)
        if existing is None:
            existing = target[key] = [] if want_list else {}
        elif isinstance(existing, str) and not want_list:  # client: "X" plus client.tax_id
            existing = target[key] = {"name": existing}
        if not isinstance(existing, list if want_list else dict):
            return None
        target, keys = existing, keys + (key,)
    last = path[-1]
    if isinstance(target.get(last), dict) and isinstance(value, str):
        target[last].setdefault("name", value)  # client.tax_id came first
    else:
        target[last] = value
    return keys + (last,)
