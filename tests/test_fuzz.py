"""Fuzz (hypothesis) over records of every built-in kind and over mutated sample files
(issue 15, "Done when"; issue 16: validate passes => render succeeds).

Records: strategies derived from each kind's schema.yaml (strings with CJK, control
characters (U+0000-U+001F, U+007F), half surrogates, U+FFFE/FFFF, full-width digits,
very long text and markdown; numbers: huge integers, 10^15 and around it, 1e30, NaN and
infinities as float and Decimal, -0, floats mixed with Decimals; dates near 9999-12-31
(the invoice's due date, the weekly report's week and the Monday after it) and
0001-01-01; times with full-width digits, 25:61; missing and extra fields), for every
kind, through the library API. The only allowed outcomes are a clean result or a
:class:`docgen.DocgenError`; when ``validate_record`` reports no error,
``render_record`` must succeed and its .docx must open with python-docx, its .xlsx with
openpyxl, and every XML part must parse. The same records written as JSON (``NaN`` and
``Infinity`` included) go through ``docgen validate`` and ``docgen render``: validate
exit 0 => render exit 0 with both files; exit 1 => render exit 1, nothing written.

Sample files: the bytes of ``samples/<kind>/*.yaml`` mutated (byte flips, truncation,
``:``/``&``/``*``/tab insertions, a BOM, invalid UTF-8, deep nesting) and given to
``docgen validate`` through click's CliRunner: exit 0 or 1, never 70, no traceback.

The budget is fixed (derandomized, no example database, sized max_examples: 70 records
per kind through the API, 12 per kind as JSON files through the CLI, 400 mutated files) so CI
runs the same examples every time in well under 60 s; every call is time-guarded.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import math
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, TypeVar

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

import docgen
from docgen.cli import main
from docgen.kinds import builtin, builtin_names

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
KINDS = sorted(builtin_names())
CALL_LIMIT = 10.0  # seconds: one call slower than this is a hang

T = TypeVar("T")

def fuzz(examples: int) -> settings:
    return settings(derandomize=True, database=None, deadline=None, print_blob=True,
                    max_examples=examples, suppress_health_check=list(HealthCheck))


def timed(what: str, call: Callable[[], T]) -> T:
    start = time.monotonic()
    try:
        return call()
    finally:
        spent = time.monotonic() - start
        assert spent < CALL_LIMIT, f"{what} took {spent:.1f} s (a hang)"


# --- values -------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F)
FULL_WIDTH = st.characters(min_codepoint=0xFF10, max_codepoint=0xFF1A)  # ０-９ and ：
ODD = st.sampled_from(["\u200b", "\ufeff", "\u202e", "\ud800", "\udfff", "\x7f", "\x85",
                       "\u2028", "\uffff", "\ufffe", "\U0001f600", "&", "<", ">", '"', "'",
                       "{{", "}}", "{%", "%}", "\\", "$", "\t", "\r\n", "\x0b", "\x0c",
                       "\x00", "\udbff\udc00"])
MARKDOWN = st.sampled_from(["**bold**", "*it*", "_x_", "# h", "- a\n- b", "1. one\n2. two",
                            "`code`", "[l](http://x)", "![i](x.png)", "> q", "***", "\n\n",
                            "| a | b |\n|---|---|", "~~s~~", "**unclosed", "<b>x</b>"])
TEXT = st.one_of(
    st.text(max_size=20),
    st.lists(st.one_of(CJK, HANGUL, CONTROL, ODD, FULL_WIDTH), max_size=20).map("".join),
    st.tuples(st.text(max_size=8), ODD, st.text(max_size=8)).map("".join),
    st.lists(st.one_of(MARKDOWN, st.text(max_size=5)), max_size=6).map("".join),
    st.integers(1000, 30000).map(lambda n: "가나다라 長い text " * (n // 16)),
    st.sampled_from(["", " ", "NaN", "nan", "inf", "-Infinity", "1e400", "0x10", "١٢٣",
                     "9" * 400, "-0", "null", "~", "true", "2024-02-30", "0000-00-00"]),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "1900-02-29", "2000-02-29", "2023-02-29",
                     "2024-13-01", "2024-00-10", "10000-01-01", "-0001-01-01", "2024-1-1",
                     "2024/01/01", "2024.01.01", "20240101", "2024-01-01T25:00", "", "x",
                     # the last weeks and due dates (weekly: 9999-12-20 is the last Monday)
                     "9999-12-20", "9999-12-26", "9999-12-27", "9999-11-17", "9999-10-01",
                     "9990-01-01", "0001-01-07", "１９９９-０１-０１", "2026-11-27"]),
    st.dates(),
    st.dates(min_value=dt.date(9999, 10, 1)).map(lambda d: d.isoformat()),
    st.dates(min_value=dt.date(9999, 12, 1)),
    TEXT,
)
TIMES = st.one_of(
    st.times().map(lambda t: t.isoformat()),
    st.sampled_from(["00:00", "23:59", "24:00", "25:61", "9:5", "12:00:60", "", "noon",
                     "１４:３０", "１４：３０", "０９:００", "오후 ２시", "２５:６１", "9:05"]),
    st.times(),
    TEXT,
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(-(10 ** 30), 10 ** 30),
    st.sampled_from([10 ** 400, -(10 ** 400), 2 ** 63, -(2 ** 63) - 1, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 5e-324, -0.0, 1e30, 1e16, 1e15,
                     999999999999999.9, 1e-14, 1.5, 2.25]),
    # the 15-digit limit (values.MAX_NUMBER) and around it, as int, float and Decimal
    st.sampled_from([10 ** 15 - 1, 10 ** 15, 10 ** 16, 10 ** 13, 10 ** 13 - 1, 10 ** 20]),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=0, max_value=10 ** 16, places=2),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-0"),
                     Decimal("1E+30"), Decimal("1E-30"), Decimal("2.25"), Decimal("1E+400"),
                     Decimal("999999999999999.99")]),
    st.sampled_from(["NaN", "1e400", "1,000", "₩1000", "12.5%", "", "0x1F", "1_000"]),
    st.booleans(),
)
ANY: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, DATES),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)


def for_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for ``schema``: mostly of its type (enum members, formats), sometimes
    anything at all."""
    good = _typed(schema, depth)
    return st.one_of(good, good, good, ANY) if depth < 4 else good


def _typed(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "anyOf" in schema:
        return st.one_of([for_schema(s, depth + 1) for s in schema["anyOf"]])
    if "enum" in schema:
        labels = [lab for per in schema.get("x-enum-labels", {}).values()
                  for lab in per.values()]
        return st.one_of(st.sampled_from(schema["enum"]),
                         st.sampled_from(labels) if labels else TEXT, TEXT)
    kind = schema.get("type")
    if kind == "object":
        return record_of(schema, depth + 1)
    if kind == "array":
        items = schema.get("items", {})
        return st.lists(for_schema(items, depth + 1), max_size=4 if depth < 2 else 2)
    if kind in ("number", "integer"):
        return NUMBERS
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["yes", "예", "是", 1, 0, "x"]))
    fmt = schema.get("format")
    if fmt == "date":
        return DATES
    if fmt == "time":
        return TIMES
    if fmt == "image":
        return st.sampled_from(["logo.png", "missing.png", "/etc/passwd", "../../x.png",
                                "", "logo.png\x00", "C:\\x.png", "/dev/zero", "."])
    if fmt == "markdown":
        return st.one_of(MARKDOWN, TEXT)
    return TEXT


def record_of(schema: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = {name: for_schema(sub, depth) for name, sub in props.items()}

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, strategy in fields.items():
            # required fields are nearly always there, optional ones half the time
            if draw(st.integers(0, 9)) < (9 if name in required else 5):
                out[name] = draw(strategy)
        if draw(st.integers(0, 9)) == 0:
            out.update(draw(st.dictionaries(st.text(max_size=8), ANY, max_size=2)))
        return out

    return build()


def sample(kind: str) -> dict[str, Any]:
    data = yaml.safe_load((SAMPLES / kind / "ko.yaml").read_bytes())
    assert isinstance(data, dict)
    return data


@st.composite
def record_for(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A record of ``kind``: its sample with a few fields replaced, dropped or added
    (so many records are valid and get rendered), or one built from the schema alone."""
    k = builtin(kind)
    assert k is not None
    props: dict[str, Any] = k.schema.get("properties", {})
    if draw(st.integers(0, 3)) == 0:
        return draw(record_of(k.schema, 0))
    data = sample(kind)
    for name in draw(st.lists(st.sampled_from(sorted(props)), max_size=3, unique=True)):
        choice = draw(st.integers(0, 5))
        if choice == 0:
            data.pop(name, None)
        else:
            data[name] = draw(for_schema(props[name], 1))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(max_size=10))] = draw(ANY)
    return data


def check_package(fmt: str, blob: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises on a part that is not XML
    if fmt == "docx":
        docx.Document(io.BytesIO(blob))
    else:
        openpyxl.load_workbook(io.BytesIO(blob)).close()


@pytest.mark.parametrize("kind", KINDS)
@fuzz(70)
@given(draw=st.data())
def test_records_of_every_kind(kind: str, draw: st.DataObject) -> None:
    data = draw.draw(record_for(kind), label="record")
    try:
        problems = timed("validate_record", lambda: docgen.validate_record(kind, data))
    except docgen.DocgenError:
        event("validate raised a DocgenError")
        return
    if any(p.is_error for p in problems):
        event("invalid")
        return
    event("valid: rendered")
    # issue 16: validate passes => render succeeds, and the outputs are sound
    out = timed("render_record", lambda: docgen.render_record(
        kind, data, ("docx", "xlsx"), base_dir=SAMPLES))
    assert set(out) == {"docx", "xlsx"}
    for fmt, blob in out.items():
        check_package(fmt, blob)


def as_json(value: Any) -> Any:
    """``value`` as JSON can hold it: dates and times as text, Decimals as numbers
    (``NaN`` and ``Infinity`` as JSON's extension writes them)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if not value.is_snan() else math.nan
    return value


@pytest.mark.parametrize("kind", KINDS)
@fuzz(12)
@given(draw=st.data())
def test_json_records_through_the_cli(tmp_path_factory: pytest.TempPathFactory, kind: str,
                                      draw: st.DataObject) -> None:
    """The command line on the same records as JSON files: validate exit 0 => render
    exit 0 with the .docx and .xlsx; validate exit 1 => render exit 1, nothing written."""
    data = as_json(draw.draw(record_for(kind), label="record"))
    folder = tmp_path_factory.mktemp("json")
    path = folder / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: \ud800 stays a half
    runner = CliRunner()
    env = {"DOCGEN_LOCALE": "en"}
    checked = timed("docgen validate", lambda: runner.invoke(
        main, ["validate", kind, str(path)], env=env))
    out = folder / "out"
    rendered = timed("docgen render", lambda: runner.invoke(
        main, ["render", kind, str(path), "-f", "docx,xlsx", "-o", str(out)], env=env))
    texts = [r.output + (r.stderr if r.stderr_bytes is not None else "")
             for r in (checked, rendered)]
    assert all("Traceback" not in t for t in texts), texts
    assert checked.exit_code in (0, 1), texts[0]
    written = sorted(p.suffix for p in out.iterdir()) if out.exists() else []
    event(f"validate exit {checked.exit_code}")
    if checked.exit_code == 0:
        assert rendered.exit_code == 0, texts
        assert written == [".docx", ".xlsx"], written
        for p in out.iterdir():
            check_package(p.suffix[1:], p.read_bytes())
    else:
        assert rendered.exit_code == 1, texts
        assert written == [], written


# --- mutated sample files -----------------------------------------------------------------

SAMPLE_FILES = sorted(SAMPLES.glob("*/*.yaml"))
INSERTS = [b":", b": ", b"&", b"&a ", b"*", b"*a", b"\t", b"\xef\xbb\xbf", b"\xff", b"\xc3",
           b"\xed\xa0\x80", b"\x00", b"\n", b"- ", b"? ", b"|", b">", b"!!python/object:x ",
           b"!!binary ", b"%YAML 9\n", b"---\n", b"...\n", b"{", b"[", b"'", b'"', b"#",
           b"<<: *a\n", b"9" * 500, b"\\u0000"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(SAMPLE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 5))
        at = draw(st.integers(0, len(data)))
        if op == 0 and data:
            i = min(at, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == 1:
            data = data[:at]
        elif op == 2:
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif op == 3:
            data = bytearray(b"\xef\xbb\xbf") + data
        elif op == 4:
            n = draw(st.integers(50, 800))
            data[at:at] = draw(st.sampled_from([b"[" * n, b"{a: " * n, b"- " * n]))
        else:
            data[at:at] = draw(st.binary(max_size=8))
    return path.parent.name, bytes(data)


@fuzz(400)
@given(mutated())
def test_mutated_samples(tmp_path_factory: pytest.TempPathFactory,
                         case: tuple[str, bytes]) -> None:
    kind, blob = case
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "data.yaml").write_bytes(blob)
    runner = CliRunner()
    result = timed("docgen validate", lambda: runner.invoke(
        main, ["validate", kind, str(folder / "data.yaml")], env={"DOCGEN_LOCALE": "en"}))
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    assert result.exit_code in (0, 1), (result.exit_code, text, result.exception)
    event(f"exit {result.exit_code}")


# --- what the fuzz found (fixed), kept as plain regression tests ----------------------------

@pytest.mark.parametrize("name,blob", [
    ("deep.yaml", b"[" * 3000 + b"\n"),
    ("deep.yaml", b"{a: " * 500 + b"\n"),
    ("deep.yaml", b"- " * 500 + b"x\n"),
    ("deep.json", b"[" * 100000 + b"]" * 100000),
    ("deep.json", b'{"a": ' * 100000 + b"1" + b"}" * 100000),
])
def test_deep_nesting_is_an_input_error(tmp_path: Path, name: str, blob: bytes) -> None:
    (tmp_path / name).write_bytes(blob)
    out = tmp_path / "out"
    for args in (["validate", "brief", str(tmp_path / name)],
                 ["render", "brief", str(tmp_path / name), "-o", str(out)]):
        result = CliRunner().invoke(main, args, env={"DOCGEN_LOCALE": "en"})
        assert result.exit_code == 1, result.output
        assert "nested too deeply" in result.output and "Traceback" not in result.output
        assert str(tmp_path / name) in result.output  # the file named
    assert not out.exists() or not any(out.iterdir())


def test_huge_payment_terms_is_invalid_not_an_overflow() -> None:
    data = sample("invoice") | {"payment_terms_days": 10 ** 9}
    problems = docgen.validate_record("invoice", data, locale="en")
    assert [p.path for p in problems if p.is_error] == ["payment_terms_days"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_locale_validates_and_renders(blank: str) -> None:
    data = sample("invoice") | {"locale": blank}
    assert not [p for p in docgen.validate_record("invoice", data) if p.is_error]
    out = docgen.render_record("invoice", data, ("docx", "xlsx"))
    for fmt, blob in out.items():
        check_package(fmt, blob)
