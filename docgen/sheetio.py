"""Cells out of sheet files: ``.csv`` text and ``.xlsx`` SpreadsheetML, each cell with
the place it was typed.

Only reading happens here (encodings, shared strings, dates by number format, merged
cells); what the cells mean — which row is the header, which a total — is
:mod:`docgen.sheets`' business.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, NamedTuple, Optional

from .errors import InputError, Problem, SourceLocation
from .i18n.locale import DocLocale
from .inputs import (MAX_TEXT_CHARS, OLE2_MAGIC, check_file_size, detect_legacy, legacy_office,
                     utf16_without_bom)
from .messages import N_

ENCODINGS = ("utf-8", "cp949", "euc-kr", "gbk", "gb18030", "big5")


class Cell(NamedTuple):
    """One cell: its value, where it was typed, and whether it was filled from the
    first cell of a merge above it (the row itself holds nothing there)."""

    value: Any
    where: SourceLocation
    merged: bool = False
    percent: bool = False  # shown as a percentage: Excel stores 40% as 0.4


Row = list[Cell]


# --- CSV ------------------------------------------------------------------------------

# Excel's sheet: a CSV wider or longer than this is no spreadsheet anyone typed (and
# 1,000,000 commas on one line would otherwise be a row of a million cells).
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_TOO_LONG_CELL = N_("the text in column {column} is {size} characters long, more than docgen "
                    "takes in one value ({limit} characters): shorten it")
_TOO_WIDE = N_("row {row} has {count} columns, more than a sheet holds ({limit}): is this "
               "file really CSV (values separated by commas)?")
_TOO_MANY_ROWS = N_("the file has more than {limit} rows, more than a sheet holds: split it "
                    "into several files")


def _letters(column: int) -> str:
    from .render.formula import col_letters
    return col_letters(column)


def _check_cell(value: Any, where: SourceLocation, column: int) -> None:
    """A cell's text over :data:`~docgen.inputs.MAX_TEXT_CHARS` is an input error at
    the cell (the same limit as a YAML/JSON value)."""
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise InputError(_TOO_LONG_CELL, where, code="too_long",
                         params={"column": _letters(column), "size": f"{len(value):,}",
                                 "limit": f"{MAX_TEXT_CHARS:,}"})


def csv_rows(p: Path, file: str, encoding: Optional[str]) -> tuple[list[Row], str]:
    """The rows of a CSV file (cells located by row and column) and its text."""
    check_file_size(p, file)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", SourceLocation(file=file), code="not_found") from None
    except OSError as exc:
        raise InputError("cannot read the file: {detail}", SourceLocation(file=file),
                         code="read", params={"detail": exc.strerror}) from None
    if raw.startswith((OLE2_MAGIC, b"PK\x03\x04")):  # a workbook renamed to .csv
        message = legacy_office(raw, ".xls") if raw.startswith(OLE2_MAGIC) else None
        raise InputError(message or N_("this is an Excel workbook, not CSV text: rename it "
                                       "to .xlsx"), SourceLocation(file=file), code="file_type")
    text = decode_csv(raw, file, encoding)
    # Python's csv refuses a field over 131,072 characters (a crash, exit 70): allow any
    # field this file can hold, and refuse a too-long one below, at its cell, with its
    # size. The limit is the process's; it is only ever raised, never lowered.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    line = 1
    for values in reader:
        if len(values) > MAX_COLUMNS:
            raise InputError(_TOO_WIDE, SourceLocation(file=file, row=line), code="too_large",
                             params={"row": line, "count": f"{len(values):,}",
                                     "limit": f"{MAX_COLUMNS:,}"})
        if len(rows) >= MAX_ROWS:
            raise InputError(_TOO_MANY_ROWS, SourceLocation(file=file, row=line),
                             code="too_large", params={"limit": f"{MAX_ROWS:,}"})
        cells = []
        for n, value in enumerate(values, 1):
            where = SourceLocation(file=file, row=line, column=n)
            _check_cell(value, where, n)
            cells.append(Cell(value, where))
        rows.append(cells)
        line = reader.line_num + 1
    return rows, text


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
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16, marked
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: detected below
    elif b"\x00" in raw[:8192] and utf16_without_bom(raw):  # reads as UTF-8 full of NULs
        raise InputError("the file is saved as {encoding}, not UTF-8: save it again as UTF-8",
                         SourceLocation(file=file), code="encoding",
                         params={"encoding": "UTF-16"})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        found = detect_legacy(raw)
        if found is None:
            raise InputError("cannot tell the file's encoding; give it with --encoding "
                             "(e.g. cp949, gb18030, big5)", SourceLocation(file=file),
                             code="encoding") from None
        return raw.decode(found[0])


# Excel's "CSV (Comma delimited)" writes the computer's code page: every character
# outside it becomes '?'. What is left: runs of '?' ("???" for 한일식품), or a '?'
# between two CJK characters (한?식품). One '?' after a word is an ordinary question.
_CJK = r"\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LOST = re.compile(rf"(?<![A-Za-z?])\?{{2,}}|[{_CJK}]\?+[{_CJK}]")


def lost_characters(rows: list[Row], locale: Optional[DocLocale]) -> Optional[Problem]:
    """A warning when the CSV shows that characters were replaced by '?' on export."""
    for row in rows:
        for cell in row:
            if isinstance(cell.value, str) and "?" in cell.value and _LOST.search(cell.value):
                return Problem(path="", code="lost_characters", severity="warning",
                               location=cell.where, locale=locale, message=N_(
                                   "'{text}': characters were replaced by '?' when this file "
                                   "was saved, so that text is lost. In Excel, save the sheet "
                                   "again as \"CSV UTF-8\" (or as .xlsx) and use that file"),
                               params={"text": cell.value})
    return None


# --- XLSX -----------------------------------------------------------------------------

def xlsx_rows(p: Path, file: str, sheet: Optional[str]) -> list[Row]:
    """Rows of one sheet, read straight from the SpreadsheetML (several times faster
    than openpyxl for big task sheets): shared strings, numbers, booleans, dates where
    the cell's number format shows a date, and merged cells (see :func:`_merge_down`)."""
    from lxml import etree

    from .ooxml import BadPackage, ZipReader, parse, read_rels, read_shared_strings, resolve_target
    from .ooxml.strings import S, si_text
    from .render.sml import R_NS
    from .render.xlsx_styles import Styles

    def fail(exc: Exception) -> InputError:
        if isinstance(exc, BadPackage):  # its reason and part, translated (H-XML, issue 16)
            return InputError("not a readable .xlsx file ({detail})",
                              SourceLocation(file=file, part=exc.part), code="read",
                              params={"detail": exc.detail})
        return InputError("not a readable .xlsx file ({detail})", SourceLocation(file=file),
                          code="read", params={"detail": type(exc).__name__})

    try:
        with p.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(OLE2_MAGIC):  # .xls (or a protected workbook) named .xlsx
                message = legacy_office(head + fh.read(), p.suffix)
                assert message is not None  # every compound file has one
                raise InputError(message, SourceLocation(file=file), code="file_type")
        zf = ZipReader(p)
    except FileNotFoundError:
        raise InputError("file not found", SourceLocation(file=file), code="not_found") from None
    except (BadPackage, OSError) as exc:
        raise fail(exc) from None
    with zf:
        try:
            book = parse(zf.read("xl/workbook.xml"), "xl/workbook.xml")
            rels = read_rels(zf.read("xl/_rels/workbook.xml.rels"))
            sheets = [(el.get("name") or "", resolve_target(
                "xl/workbook.xml", rels[el.get(f"{{{R_NS}}}id") or ""][1]))
                for el in book.iter(S + "sheet")]
            strings = (read_shared_strings(zf.read("xl/sharedStrings.xml"))
                       if "xl/sharedStrings.xml" in zf else [])
            styles = Styles(zf.read("xl/styles.xml") if "xl/styles.xml" in zf else None)
        except (KeyError, etree.XMLSyntaxError, BadPackage, ValueError) as exc:
            raise fail(exc) from None
        if sheet is not None and sheet not in [n for n, _ in sheets]:
            raise InputError("there is no sheet '{sheet}' (sheets: {sheets})",
                             SourceLocation(file=file), code="sheet",
                             params={"sheet": sheet, "sheets": ", ".join(n for n, _ in sheets)})
        title, part = next((s for s in sheets if sheet is None or s[0] == sheet), ("", ""))
        try:
            stream = zf.open(part)
        except KeyError as exc:
            raise fail(exc) from None
        with stream:
            try:
                rows, merges = _sheet_rows(stream, file, title, strings, styles, S, si_text)
            except (etree.XMLSyntaxError, ValueError) as exc:  # ValueError: UnsafeXml
                raise fail(exc) from None
    _merge_down(rows, merges)
    return [rows[r] for r in sorted(rows)]


def _sheet_rows(stream: Any, file: str, title: str, strings: list[str], styles: Any, S: str,
                si_text: Any) -> tuple[dict[int, Row], list[str]]:
    from .ooxml.xml import iterparse
    from .render import formula as fx

    rows: dict[int, Row] = {}
    merges: list[str] = []
    date_styles: dict[Optional[str], bool] = {}
    percent_styles: dict[Optional[str], bool] = {}
    last = 0
    for _, el in iterparse(stream, title, events=("end",), tag=(S + "row", S + "mergeCell")):
        if el.tag == S + "mergeCell":
            merges.append(el.get("ref") or "")
            continue
        r = int(el.get("r") or last + 1)
        last = r
        cells: Row = []
        for c in el.iter(S + "c"):
            ref = c.get("r") or ""
            col = fx.parse_cell(ref)[1] if ref else len(cells) + 1
            while len(cells) < col - 1:  # empty cells are not written
                n = len(cells) + 1
                cells.append(Cell(None, _at(file, title, r, n)))
            style = c.get("s")
            if style not in date_styles:
                date_styles[style] = styles.is_date(style)
                percent_styles[style] = _is_percent(styles, style)
            value = _cell_value(c, strings, date_styles[style], S, si_text)
            where = SourceLocation(file=file, sheet=title, cell=ref, row=r, column=col) \
                if ref else _at(file, title, r, col)
            _check_cell(value, where, col)
            cells.append(Cell(value, where,
                              percent=percent_styles[style] and isinstance(value, (int, float))))
        el.clear()
        rows[r] = cells
    return rows, merges


def _is_percent(styles: Any, style: Optional[str]) -> bool:
    """Whether the cell format shows the number as a percentage (built-in 9 and 10, or
    a custom format with '%' outside quotes)."""
    index = int(style or 0)
    if index >= len(styles.xfs):
        return False
    fmt_id = int(styles.xfs[index].get("numFmtId", "0"))
    if fmt_id in (9, 10):
        return True
    code = re.sub(r'"[^"]*"|\\.', "", styles.custom.get(fmt_id, ""))
    return "%" in code


def _at(file: str, sheet: str, row: int, column: int) -> SourceLocation:
    from .render.formula import col_letters

    # row and column too: problems sort by place (B10 after B9, not before B2).
    return SourceLocation(file=file, sheet=sheet, cell=f"{col_letters(column)}{row}", row=row,
                          column=column)


def _merge_down(rows: dict[int, Row], merges: list[str]) -> None:
    """Give a merge's value to every row it covers, in its first column: a client name
    merged down over its rows belongs to each of them. Columns right of the first stay
    empty: a value merged across is one value, not one per column."""
    from .render import formula as fx

    for ref in merges:
        try:
            (top, left), (bottom, _) = (fx.parse_cell(part) for part in ref.split(":"))
        except ValueError:
            continue
        first = rows.get(top)
        if first is None or len(first) < left or first[left - 1].value in (None, ""):
            continue
        anchor = first[left - 1]
        for r in range(top + 1, bottom + 1):
            row = rows.get(r)
            if row is None:
                continue  # a row Excel did not write holds nothing else either
            while len(row) < left:
                row.append(Cell(None, _at(anchor.where.file or "", anchor.where.sheet or "", r,
                                          len(row) + 1)))
            if row[left - 1].value in (None, ""):
                row[left - 1] = Cell(anchor.value, anchor.where, merged=True)


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
