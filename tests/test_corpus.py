"""The corpus of bad inputs (tests/corpus/, see its README.md), run in every locale.

Each data file ``tests/corpus/<kind>/<name>.yaml|.json`` has ``<name>.expected.yaml``
next to it: the exact problems ``docgen validate`` must report, in order. For every
file and locale this checks

* the problems (line, column when given, path, code, severity) equal the expectation;
* in ko / zh-CN / zh-TW every message differs from the English one, names the field by
  its label in that locale (the kind's schema ``x-labels``) and has no English word
  left, apart from what the user typed (quoted values, keys, input values, file
  names), the allowed values of the field and a few notations (YYYY, true…);
* ``docgen validate`` exits 1 when an error is expected and 0 with warnings only,
  prints each problem as ``FILE:LINE:…`` on stderr, never a traceback, and ``--json``
  gives the same paths and codes;
* ``docgen render`` of a file with an error writes nothing.

A case whose expectation file has ``xfail: "<reason>"`` is a known validator bug: the
expectation states what the user should get, not what docgen does today.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from docgen.cli import main
from docgen.errors import Problem
from docgen.i18n.locale import DocLocale
from docgen.pipeline import validate_files
from tests.support import LOCALES, REPO

CORPUS = REPO / "tests" / "corpus"
KINDS_DIR = REPO / "docgen" / "kinds"
DATA_SUFFIXES = (".yaml", ".json", ".csv", ".xlsx")
SHEET_SUFFIXES = (".csv", ".xlsx")
EXPECTED_SUFFIX = ".expected.yaml"
NON_ENGLISH = tuple(code for code in LOCALES if code != "en")

# Notations and literal values a translated message may keep in ASCII: date/time
# patterns, the characters of a credit code, YAML's true/false, format names.
NOTATION = {"YYYY", "XXXXX", "ABCDEFGHJKLMNPQRTUWXY", "true", "false", "JPEG", "YAML",
            "JSON", "Excel", "xlsx", "UTF", "docgen"}
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|「[^」]*」|『[^』]*』")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # a word, or a code such as zero_rated
_ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")


# --- the corpus -------------------------------------------------------------------

def _data_files() -> list[Path]:
    files = [p for p in sorted(CORPUS.glob("*/*"))
             if p.is_file() and p.suffix in DATA_SUFFIXES and not p.name.endswith(EXPECTED_SUFFIX)]
    assert files, "the corpus is empty"
    return files


def _expected_file(data: Path) -> Path:
    return data.with_name(data.stem + EXPECTED_SUFFIX)


@cache
def _expectation(data: Path) -> dict[str, Any]:
    spec = yaml.safe_load(_expected_file(data).read_text(encoding="utf-8"))
    assert isinstance(spec, dict) and isinstance(spec.get("problems"), list), data
    return spec


def _case_id(data: Path) -> str:
    return f"{data.parent.name}/{data.name}"


FILES = _data_files()


def _cases(*, locales: tuple[str, ...] = LOCALES, xfail: bool = True, strict_xfail: bool = True,
           only_errors: bool = False) -> list[Any]:
    """``pytest.param(file, locale)`` for every corpus file × locale; with ``xfail``, a
    case whose expectation file says ``xfail`` is marked so."""
    out = []
    for data in FILES:
        spec = _expectation(data)
        if only_errors and not any(p["severity"] == "error" for p in spec["problems"]):
            continue
        marks: tuple[Any, ...] = ()
        if xfail and spec.get("xfail"):
            marks = (pytest.mark.xfail(reason=str(spec["xfail"]), strict=strict_xfail),)
        for code in locales:
            out.append(pytest.param(data, code, marks=marks, id=f"{_case_id(data)}-{code}"))
    return out


@cache
def _problems(data: Path, code: str) -> tuple[Problem, ...]:
    return tuple(validate_files(data.parent.name, [data], DocLocale.parse(code)))


def _where(problem: Problem, expected: dict[str, Any]) -> dict[str, Any]:
    """Where ``problem`` is, as an expectation says it: ``cell`` (Sheet!A1) for Excel,
    ``row`` for CSV, else ``line``."""
    loc = problem.location
    if "cell" in expected:
        return {"cell": f"{loc.sheet}!{loc.cell}" if loc.cell else None}
    if "row" in expected:
        return {"row": loc.row}
    return {"line": loc.line}


def _as_expected(problem: Problem, expected: dict[str, Any]) -> dict[str, Any]:
    """``problem`` in the shape of one expectation entry (column only if it has one)."""
    got = {**_where(problem, expected), "path": problem.path, "code": problem.code,
           "severity": problem.severity}
    if "column" in expected:
        got["column"] = problem.location.column
    return got


# --- schema labels (read from the schema files, independently of docgen) --------------

@cache
def _schema(kind: str) -> dict[str, Any]:
    schema = yaml.safe_load((KINDS_DIR / kind / "schema.yaml").read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


def _path_parts(path: str) -> list[Any]:
    """``items[2].unit_price`` → ``["items", 2, "unit_price"]``."""
    parts: list[Any] = []
    for piece in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return parts


def _field_schema(kind: str, path: str) -> dict[str, Any] | None:
    """The schema node of ``path``, or None when the path is not a schema field."""
    node: Any = _schema(kind)
    for part in _path_parts(path):
        if "anyOf" in node:
            node = next((b for b in node["anyOf"] if b.get("type") == "object"), node)
        if isinstance(part, int):
            node = node.get("items")
        else:
            node = node.get("properties", {}).get(part)
        if not isinstance(node, dict):
            return None
    return dict(node)


def _label(kind: str, path: str, code: str) -> str | None:
    node = _field_schema(kind, path) if path else None
    labels = (node or {}).get("x-labels") or {}
    return labels.get(code)


def _enum_values(kind: str) -> set[str]:
    """Every allowed value of every enum of the kind (the words a user must type)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.get("enum", []):
                found.add(str(value))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(_schema(kind))
    return found


@cache
def _field_names(kind: str) -> set[str]:
    """The kind's field names (``tasks``, ``progress``): identifiers a message may name
    as they are, like the paths it starts with."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update((node.get("properties") or {}).keys())
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(_schema(kind))
    return found


# --- what came from the input -------------------------------------------------------

def _sheet_texts(data: Path) -> set[str]:
    """Every cell's text of a corpus sheet (read with the csv module or openpyxl, not
    docgen), the header's bare labels too (진행률 for 진행률(%))."""
    import csv
    import io
    import zipfile

    import openpyxl

    cells: set[str] = set()
    if data.suffix == ".csv":
        raw = data.read_bytes()
        for codec in ("utf-8-sig", "cp949", "gb18030", "big5"):
            try:
                text = raw.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        cells = {c for row in csv.reader(io.StringIO(text)) for c in row}
    else:
        try:
            book = openpyxl.load_workbook(data, read_only=True)
        except (zipfile.BadZipFile, OSError, KeyError):
            return set()
        cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                 for v in row if v is not None}
    return {c.strip() for c in cells if c.strip()}


@cache
def _input_texts(data: Path) -> tuple[str, ...]:
    """Keys and scalar values of the input file (empty when it cannot be read)."""
    if data.suffix in SHEET_SUFFIXES:
        found = {t for t in _sheet_texts(data) if len(t) >= 2}
        return tuple(sorted(found, key=len, reverse=True))
    try:
        text = data.read_text(encoding="utf-8")
        # BaseLoader: every scalar as the text typed (no dates, numbers or booleans)
        loaded = json.loads(text) if data.suffix == ".json" else yaml.load(text, yaml.BaseLoader)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError):
        return ()
    found = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                found.add(str(key))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif node is not None:
            found.add(str(node))

    walk(loaded)
    return tuple(sorted((t for t in found if len(t.strip()) >= 2), key=len, reverse=True))


def message_body(message: str, path: str) -> str:
    """The message without its ``path (label): `` prefix."""
    if path and message.startswith(path):
        rest = message[len(path):]
        if rest.startswith(" ("):  # the label may hold parentheses itself: 진행률(%)
            end = rest.find("): ")
            if end >= 0:
                return rest[end + 3:]
        if rest.startswith(": "):
            return rest[2:]
    if message.startswith("(record): "):
        return message[len("(record): "):]
    return message


def english_words(message: str, problem_path: str, data: Path) -> list[str]:
    """ASCII words of 4+ letters left in ``message`` once the path prefix, quoted
    values, text from the input, file names, the kind's enum values and notations
    are removed: what a reader of another language would have to understand."""
    text = message_body(message, problem_path)
    text = _QUOTED.sub(" ", text)
    for value in _input_texts(data):
        text = text.replace(value, " ")
    for name in (str(data), data.name, data.stem):
        text = text.replace(name, " ")
    allowed = NOTATION | _enum_values(data.parent.name) | _field_names(data.parent.name)
    return [word for token in _TOKEN.findall(text) if token not in allowed
            for word in _ENGLISH_WORD.findall(token)]


def test_english_words_helper() -> None:
    data = CORPUS / "invoice" / "many_problems.yaml"
    assert message_body("items[2].unit_price (단가): 숫자이어야 합니다", "items[2].unit_price") \
        == "숫자이어야 합니다"
    assert message_body("tasks[0].progress (진행률(%)): 100 이하여야 합니다", "tasks[0].progress") \
        == "100 이하여야 합니다"
    assert english_words("job_number (项目编号): '2026-HL-0417' 不是有效编号", "job_number", data) == []
    assert english_words("currency (币种): “RMB”不在可选值中：KRW, CNY, TWD, USD", "currency",
                         data) == []
    assert english_words("issue_date (开票日期): must be text", "issue_date", data) == ["must", "text"]
    assert english_words("x: Online film production 是输入", "x", data) == []  # an input value
    assert english_words("invoice_type (发票类型): “专票”不在可选值中：standard, zero_rated",
                         "invoice_type", data) == []


# --- the corpus itself ---------------------------------------------------------------

def test_corpus_layout() -> None:
    """Every data file has its expectation and every expectation its data file; the
    corpus covers every kind, YAML and JSON, warnings-only files and files with
    several problems."""
    expectations = sorted(CORPUS.glob(f"*/*{EXPECTED_SUFFIX}"))
    stems = {p.with_name(p.name[: -len(EXPECTED_SUFFIX)]) for p in expectations}
    data_stems = {p.with_suffix("") for p in FILES}
    assert stems == data_stems
    assert len(data_stems) == len(FILES), "two data files share a name"
    assert {p.parent.name for p in FILES} == {"minutes", "brief", "weekly", "signoff", "invoice"}
    assert len(FILES) >= 30
    assert sum(p.suffix == ".json" for p in FILES) >= 3
    specs = [_expectation(p)["problems"] for p in FILES]
    assert any(s and all(p["severity"] == "warning" for p in s) for s in specs)
    assert sum(len({p.get("line") for p in s}) >= 3 for s in specs) >= 5
    assert {".csv", ".xlsx"} <= {p.suffix for p in FILES}
    for data in FILES:
        for entry in _expectation(data)["problems"]:
            assert set(entry) <= {"line", "column", "cell", "row", "path", "code",
                                  "severity"}, data
            assert {"path", "code", "severity"} <= set(entry), data
            assert len({"line", "cell", "row"} & set(entry)) == 1, data
            assert entry["severity"] in ("error", "warning", "note"), data


# --- validation, every locale --------------------------------------------------------

@pytest.mark.parametrize("data, code", _cases())
def test_problems_match_expectation(data: Path, code: str) -> None:
    expected = _expectation(data)["problems"]
    problems = _problems(data, code)
    got = [_as_expected(p, e) for p, e in zip(problems, expected)]
    got += [_as_expected(p, {"column": None}) for p in problems[len(expected):]]
    assert got == expected


def _shown_location(entry: dict[str, Any]) -> str:
    """How ``docgen validate`` prints an expectation's place after the file name."""
    if "cell" in entry:
        return f":{entry['cell']}:"
    if "row" in entry:
        return f":{entry['row']}:"
    return f":{entry['line']}:" if entry["line"] is not None else ": "


def test_sheet_cases_are_located_by_cell_or_row() -> None:
    """Excel cases say Sheet!cell, CSV cases the row (a file that cannot be read: line
    null), so a problem in a sheet is never pointed at by a line number."""
    for data in FILES:
        if data.suffix in SHEET_SUFFIXES:
            for entry in _expectation(data)["problems"]:
                key = "cell" if data.suffix == ".xlsx" else "row"
                assert key in entry or entry.get("line", 0) is None, (data, entry)


@pytest.mark.parametrize("data, code", _cases(locales=NON_ENGLISH, xfail=False))
def test_messages_are_in_the_locale(data: Path, code: str) -> None:
    kind = data.parent.name
    problems = _problems(data, code)
    english = _problems(data, "en")
    assert [(p.path, p.code) for p in problems] == [(p.path, p.code) for p in english]
    bad = []
    for p, en in zip(problems, english):
        if p.message == en.message:
            bad.append(f"{p.path} [{p.code}] not translated: {p.message}")
            continue
        label = _label(kind, p.path, code)
        bare = re.sub(r"[(（][^()（）]*[)）]", "", label or "").strip()
        if label and label not in p.message and bare not in p.message:  # 진행률 for 진행률(%)
            bad.append(f"{p.path} [{p.code}] lacks the label {label!r}: {p.message}")
        words = english_words(p.message, p.path, data)
        if words:
            bad.append(f"{p.path} [{p.code}] has English words {words}: {p.message}")
    assert not bad, "\n".join(bad)


# --- the command line ----------------------------------------------------------------

def _invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def _no_crash(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code != 70, result.output  # internal error


@pytest.mark.parametrize("data, code", _cases(strict_xfail=False))
def test_cli_validate(data: Path, code: str, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray ./docgen.toml
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    expected = _expectation(data)["problems"]
    has_error = any(p["severity"] == "error" for p in expected)
    kind, file = data.parent.name, str(data)

    result = _invoke("validate", kind, file, "-l", code)
    _no_crash(result)
    assert result.exit_code == (1 if has_error else 0), result.output
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected), result.stderr
    for line, entry in zip(lines, expected):
        assert line.startswith(file + _shown_location(entry)), line

    as_json = _invoke("validate", kind, file, "-l", code, "--json")
    _no_crash(as_json)
    assert as_json.exit_code == result.exit_code
    listed = json.loads(as_json.stdout)
    assert [(p["path"], p["code"], p["severity"]) for p in listed] \
        == [(p["path"], p["code"], p["severity"]) for p in expected]
    for p, entry in zip(listed, expected):
        key = next(k for k in ("cell", "row", "line") if k in entry)
        assert p.get(key) == entry[key], (p, entry)


@pytest.mark.parametrize("data, code", _cases(strict_xfail=False, only_errors=True))
def test_render_writes_nothing_on_error(data: Path, code: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = _invoke("render", data.parent.name, str(data), "-o", str(out), "-l", code)
    _no_crash(result)
    assert result.exit_code == 1, result.output
    assert not out.exists() or not any(out.iterdir())
    assert result.stdout == ""
