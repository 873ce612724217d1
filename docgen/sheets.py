"""Records from spreadsheets: ``.csv`` and ``.xlsx``, one record per row.

AEs keep their data in Excel. A sheet's header row names the fields, either as field
paths (``client``, ``client.tax_id``, ``items.quantity``) or as the labels the
kind's schema gives in any language (``고객사``, ``客户``, ``Tax ID``), so a sheet
made for Korean colleagues works as it is. Each value is located by row (CSV) or by
``Sheet!cell`` (Excel), so a problem points at the cell to fix.

Values are read by the type the schema expects: numbers written with separators
(``1,500,000``) become numbers, ``예``/``是``/``yes`` booleans, Excel dates dates;
anything that does not fit is passed on unchanged for validation to report.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from .errors import InputError, Problem, SourceLocation
from .i18n.locale import DocLocale
from .i18n.money import parse_grouped
from .inputs import PathKey, SourceMap, detect_legacy
from .messages import N_, tr
from .validation import subschema

SHEET_SUFFIXES = (".csv", ".xlsx")
_TRUE = {"true", "yes", "y", "1", "예", "네", "o", "○", "是", "對", "对", "v", "✓", "✔"}
_FALSE = {"false", "no", "n", "0", "아니오", "아니요", "x", "×", "否", "不是", ""}
ENCODINGS = ("utf-8", "cp949", "euc-kr", "gbk", "gb18030", "big5")


@dataclass
class TableSource(SourceMap):
    """Where each value of one record came from: a row (CSV) or a cell (Excel)."""

    cells: dict[PathKey, SourceLocation] = field(default_factory=dict)
    row_location: Optional[SourceLocation] = None
    is_table = True  # messages say "column", not "line"

    def locate(self, path: PathKey) -> SourceLocation:
        for n in range(len(path), 0, -1):
            found = self.cells.get(tuple(path[:n]))
            if found is not None:
                return found
        return self.row_location or SourceLocation(file=self.file)

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


def find_field(index: dict[str, PathKey], name: str) -> Optional[PathKey]:
    """The field a header (or a command-line option) names, from :func:`header_index`."""
    return index.get(_norm(name))


def header_index(schema: dict[str, Any]) -> dict[str, PathKey]:
    """Every name a header may use for a field: its dotted path, title and labels."""
    index: dict[str, PathKey] = {}

    def add(node: dict[str, Any], path: PathKey) -> None:
        dotted = ".".join(str(p) for p in path if p != "*")
        names = [dotted, node.get("title", "")]
        names += list((node.get("x-labels") or {}).values())
        names += list(node.get("x-aliases") or [])  # other words users put in headers
        for name in names:
            if name:
                index.setdefault(_norm(name), path)

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


def _node(schema: dict[str, Any], path: PathKey) -> dict[str, Any]:
    """The schema of a column's field (``*``, a list's item, is any item)."""
    return subschema(schema, tuple(0 if key == "*" else key for key in path))


def convert(value: Any, node: dict[str, Any]) -> Any:
    """A cell value as the schema's type wants it; unchanged when it does not fit."""
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
    """Records read from a sheet, with problems found in its header."""

    records: list[tuple[dict[str, Any], TableSource]]
    problems: list[Problem]


def read_table(path: Union[str, Path], schema: dict[str, Any], *, sheet: Optional[str] = None,
               encoding: Optional[str] = None, locale: Optional[DocLocale] = None) -> Table:
    """One record per row of ``path`` (.csv or .xlsx), fields named by the header row."""
    p = Path(path)
    file = str(path)
    if p.suffix.lower() == ".csv":
        rows = _csv_rows(p, file, encoding)
    else:
        rows = _xlsx_rows(p, file, sheet)
    index = header_index(schema)
    header: Optional[list[Column]] = None
    records: list[tuple[dict[str, Any], TableSource]] = []
    problems: list[Problem] = []
    for cells in rows:
        if all(value in (None, "") for value, _ in cells):
            continue
        if header is None:
            header = _header(cells, index, problems, locale)
            continue
        records.append(_record(cells, header, schema, file))
    if header is None:
        raise InputError("the sheet has no header row (a row of field names or labels)",
                         SourceLocation(file=file), code="empty")
    return Table(records, problems)


def _header(cells: list[tuple[Any, SourceLocation]], index: dict[str, PathKey],
            problems: list[Problem], locale: Optional[DocLocale]) -> list[Column]:
    columns = []
    for value, where in cells:
        text = "" if value is None else str(value).strip()
        found = find_field(index, text) if text else None
        if text and found is None:
            close = difflib.get_close_matches(_norm(text), list(index), n=1, cutoff=0.75)
            if close:
                message = N_("unknown column '{name}' (did you mean '{suggestion}'?); it is "
                             "ignored")
                params = {"name": text, "suggestion": ".".join(
                    str(k) for k in index[close[0]] if k != "*")}
            else:
                message, params = N_("unknown column '{name}'; it is ignored"), {"name": text}
            problems.append(Problem(path="", code="unknown_column",
                                    message=tr(locale, message, **params), severity="warning",
                                    location=where))
        columns.append(Column(text, found, where))
    return columns


def _record(cells: list[tuple[Any, SourceLocation]], header: list[Column],
            schema: dict[str, Any], file: str) -> tuple[dict[str, Any], TableSource]:
    data: dict[str, Any] = {}
    source = TableSource(file, row_location=cells[0][1] if cells else None)
    for (value, where), column in zip(cells, header):
        if column.path is None or value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        keys = _put(data, column.path, convert(value, _node(schema, column.path)))
        if keys is not None:
            source.cells[keys] = where
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


def _csv_rows(p: Path, file: str, encoding: Optional[str]) -> Iterator[list[tuple[Any, SourceLocation]]]:
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError("cannot read the file: {detail}", SourceLocation(file=file),
                         code="read", params={"detail": exc.strerror}) from None
    text = decode_csv(raw, file, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for row in reader:
        where = SourceLocation(file=file, row=line)
        line = reader.line_num + 1
        yield [(value, where) for value in row]


def decode_csv(raw: bytes, file: str, encoding: Optional[str] = None) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), CP949/EUC-KR, GBK/GB18030 or Big5
    detected, or the ``encoding`` given."""
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise InputError("unknown encoding '{encoding}' (use e.g. utf-8, cp949, gb18030, big5)",
                             SourceLocation(file=file), code="encoding",
                             params={"encoding": encoding}) from None
        except UnicodeDecodeError as exc:
            raise InputError("the file cannot be read as {encoding} (byte {position})",
                             SourceLocation(file=file), code="encoding",
                             params={"encoding": encoding, "position": exc.start}) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        found = detect_legacy(raw)
        if found is None:
            raise InputError("cannot tell the file's encoding; give it with --encoding "
                             "(e.g. cp949, gb18030, big5)", SourceLocation(file=file),
                             code="encoding") from None
        return raw.decode(found[0])


def _xlsx_rows(p: Path, file: str, sheet: Optional[str]) -> Iterator[list[tuple[Any, SourceLocation]]]:
    """Rows of one sheet, read straight from the SpreadsheetML (several times faster
    than openpyxl for big task sheets): shared strings, numbers, booleans, and dates
    where the cell's number format shows a date."""
    import zipfile

    from lxml import etree

    from .render import formula as fx
    from .render.sml import PARSER, R_NS, S, read_rels, resolve_target, si_text
    from .render.xlsx_styles import Styles

    def fail(exc: Exception) -> InputError:
        return InputError("not a readable .xlsx file ({detail})", SourceLocation(file=file),
                          code="read", params={"detail": type(exc).__name__})

    try:
        zf = zipfile.ZipFile(p)
    except FileNotFoundError:
        raise InputError("file not found", SourceLocation(file=file), code="not_found") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail(exc) from None
    with zf:
        try:
            names = set(zf.namelist())
            book = etree.fromstring(zf.read("xl/workbook.xml"), PARSER)
            rels = read_rels(zf.read("xl/_rels/workbook.xml.rels"))
            sheets = [(el.get("name") or "", resolve_target(
                "xl/workbook.xml", rels[el.get(f"{{{R_NS}}}id") or ""][1]))
                for el in book.iter(S + "sheet")]
            strings = ([si_text(si) for si in etree.fromstring(
                zf.read("xl/sharedStrings.xml"), PARSER).iter(S + "si")]
                if "xl/sharedStrings.xml" in names else [])
            styles = Styles(zf.read("xl/styles.xml") if "xl/styles.xml" in names else None)
        except (KeyError, etree.XMLSyntaxError) as exc:
            raise fail(exc) from None
        if sheet is not None and sheet not in [n for n, _ in sheets]:
            raise InputError("there is no sheet '{sheet}' (sheets: {sheets})",
                             SourceLocation(file=file), code="sheet",
                             params={"sheet": sheet, "sheets": ", ".join(n for n, _ in sheets)})
        title, part = next((s for s in sheets if sheet is None or s[0] == sheet), ("", ""))
        date_styles: dict[Optional[str], bool] = {}
        try:
            stream = zf.open(part)
        except KeyError as exc:
            raise fail(exc) from None
        with stream:
            try:
                for _, row in etree.iterparse(stream, events=("end",), tag=S + "row",
                                              resolve_entities=False, huge_tree=True):
                    r = int(row.get("r") or 0)
                    cells: list[tuple[Any, SourceLocation]] = []
                    for c in row.iter(S + "c"):
                        ref = c.get("r") or ""
                        col = fx.parse_cell(ref)[1] if ref else len(cells) + 1
                        while len(cells) < col - 1:  # empty cells are not written
                            gap = fx.col_letters(len(cells) + 1)
                            cells.append((None, SourceLocation(file=file, sheet=title,
                                                               cell=f"{gap}{r}")))
                        style = c.get("s")
                        if style not in date_styles:
                            date_styles[style] = styles.is_date(style)
                        cells.append((_cell_value(c, strings, date_styles[style], S, si_text),
                                      SourceLocation(file=file, sheet=title, cell=ref)))
                    row.clear()
                    yield cells
            except etree.XMLSyntaxError as exc:
                raise fail(exc) from None


def _cell_value(c: Any, strings: list[str], is_date: bool, S: str, si_text: Any) -> Any:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        node = c.find(S + "is")
        return si_text(node) if node is not None else None
    v = c.findtext(S + "v")
    if v is None:
        return None
    if kind == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            return None
    if kind == "b":
        return v == "1"
    if kind in ("str", "e"):
        return v
    try:
        number = float(v)
    except ValueError:
        return v
    if is_date:
        stamp = dt.datetime(1899, 12, 30) + dt.timedelta(days=number)
        return stamp.replace(microsecond=0)
    return int(number) if number.is_integer() and "." not in v and "E" not in v.upper() else number
