"""Data too big to read (issue 16, point 3, the data side): a YAML alias bomb of a few
hundred bytes, numbers of thousands of digits, CSV fields over Python's 128 KB default,
a CSV with NUL bytes, in UTF-16 without a BOM, of a million empty rows or one 10 MB line,
a 10 MB text value in YAML, JSON, CSV, an Excel cell and the API (the limit of one value
is an Excel cell's, 32,767 characters). Each is bad data:
exit 1 with the file and the place named, in the user's language, nothing written,
within a time guard where a hang or a memory blow-up is the risk (a real process with
a timeout). At the limit the document is written whole (no cell cut) and opens in
python-docx, openpyxl and LibreOffice.

Every hostile file is built in ``tmp_path``; real processes run from cwd ``/``."""
from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

import docgen
from docgen.errors import InputError
from docgen.inputs import MAX_ALIAS_NODES, MAX_DATA_BYTES, MAX_TEXT_CHARS, parse_yaml, read_data
from docgen.sheetio import MAX_COLUMNS
from tests.support import REPO, SAMPLES

PY = sys.executable
TIMEOUT = 60  # a hang or a blow-up (the alias bomb took minutes and 7 GB) fails here


def env(locale: str = "en") -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
    e.update(DOCGEN_LOCALE=locale, PYTHONPATH=str(REPO))
    return e


def run(*args: str, locale: str = "en", timeout: int = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "docgen", *args], cwd="/", env=env(locale),
                          capture_output=True, text=True, timeout=timeout)


def assert_input_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 1, every needle in the message, no traceback; the message."""
    text = result.stdout + result.stderr
    assert result.returncode == 1, (result.returncode, text[-2000:])
    assert "Traceback" not in text and "Internal error" not in text, text[-2000:]
    for needle in needles:
        assert needle in text, (needle, text[-2000:])
    return text


def nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())


BRIEF = (SAMPLES / "brief" / "en.yaml").read_text(encoding="utf-8")
TONE = "tone: Energetic, honest, no exaggerated performance claims"
assert TONE in BRIEF


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- YAML aliases ---------------------------------------------------------------------

def laughs(depth: int = 9, width: int = 9) -> str:
    """The billion laughs: each line a list of ``width`` aliases to the line above."""
    lines = ["a: &a [" + ",".join(['"lol"'] * width) + "]"]
    for prev, name in zip("abcdefghijklmnop", "bcdefghijklmnopq"[:depth - 1]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast_at_the_alias(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs(), encoding="utf-8")
    assert bomb.stat().st_size < 400
    out = tmp_path / "out"
    started = time.monotonic()
    for args in (["validate", "brief", str(bomb)],
                 ["render", "brief", str(bomb), "-o", str(out), "-f", "docx,xlsx"],
                 ["batch", "brief", str(bomb), "-o", str(out), "-q"]):
        text = assert_input_error(run(*args), f"{bomb}:", "aliases", f"{MAX_ALIAS_NODES:,}")
        line = int(re.search(re.escape(str(bomb)) + r":(\d+):\d+", text).group(1))  # type: ignore[union-attr]
        assert 2 <= line <= 9  # the line whose aliases pass the limit
    assert time.monotonic() - started < 30
    nothing_written(out)
    # the same in Korean
    assert_input_error(run("validate", "brief", str(bomb), locale="ko"), "별칭")


def test_alias_bomb_costs_milliseconds_in_process() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        parse_yaml(laughs(), "bomb.yaml")
    assert time.perf_counter() - started < 2
    assert caught.value.code == "too_large" and caught.value.location is not None
    assert caught.value.location.line is not None


@pytest.mark.parametrize("text", ["a: &a [1, *a]\n", "a: &a {x: *a}\n", "a: &a\n  - b: *a\n"])
def test_an_alias_inside_its_own_value_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "loop.yaml")
    assert "repeat itself forever" in str(caught.value)
    assert caught.value.location is not None and caught.value.location.line is not None


def test_anchors_for_repeated_values_still_work() -> None:
    """What real data does with anchors: one address block for many records (here 10,000
    records of a 10-field block, 210,000 values repeated, under the limit) and merge keys
    overriding a field."""
    block = "\n".join(f"  f{i}: value {i}" for i in range(10))
    text = f"us: &us\n{block}\nrecords:\n" + "".join(
        f"  - n: {i}\n    seller: *us\n" for i in range(10_000))
    started = time.perf_counter()
    data, lines = parse_yaml(text, "many.yaml")
    assert time.perf_counter() - started < 15
    assert len(data["records"]) == 10_000
    assert data["records"][9_999]["seller"]["f9"] == "value 9"


def test_merge_keys_merge_and_locate() -> None:
    text = ("base: &b {name: ACME, city: Seoul}\n"
            "other: &o {city: Busan, phone: '1'}\n"
            "client:\n"
            "  <<: [*b, *o]\n"
            "  name: ACME Korea\n")
    data, lines = parse_yaml(text, "m.yaml")
    assert data["client"] == {"name": "ACME Korea", "city": "Seoul", "phone": "1"}
    assert lines[("client", "name")][0] == 5  # its own line
    assert lines[("client", "city")][0] == 1  # where the merged value is written
    assert lines[("client", "phone")][0] == 2


def test_merging_a_big_mapping_many_times_is_counted(tmp_path: Path) -> None:
    big = "\n".join(f"  k{i}: {i}" for i in range(1000))
    text = f"big: &big\n{big}\n" + "".join(f"c{i}: {{<<: *big}}\n" for i in range(1000))
    path = tmp_path / "merge.yaml"
    path.write_text(text, encoding="utf-8")
    assert_input_error(run("validate", "brief", str(path)), f"{path}:", "aliases")


def test_merge_of_a_scalar_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("a: &a 1\nclient:\n  <<: *a\n", encoding="utf-8")
    assert_input_error(run("validate", "brief", str(path)), f"{path}:3:", "'<<' merges")


# --- numbers of thousands of digits ---------------------------------------------------

def brief_json(amount: str) -> str:
    data = yaml.safe_load(BRIEF)
    text = json.dumps(data, default=str, ensure_ascii=False, indent=1)
    assert '"amount": 320000000' in text
    return text.replace('"amount": 320000000', '"amount": ' + amount)


NUMBERS: dict[str, tuple[str, str, str]] = {
    "yaml int 5,000 digits": ("n.yaml", BRIEF.replace("amount: 320000000", "amount: " + "9" * 5000),
                              "5000 digits"),
    "yaml float 5,000 digits": ("n.yaml", BRIEF.replace("amount: 320000000",
                                                        "amount: " + "9" * 5000 + ".5"),
                                "too large to read"),
    "yaml 1e999999": ("n.yaml", BRIEF.replace("amount: 320000000", "amount: 1.0e+999999"),
                      "the number 1.0e+999999 is too large to read"),
    "json 10^5 digits": ("n.json", brief_json("9" * 100_000), "100000 digits"),
    "json 1e999999": ("n.json", brief_json("1e999999"), "the number 1e999999 is too large"),
    "json -1e999999": ("n.json", brief_json("-1e999999"), "the number -1e999999 is too large"),
}


@pytest.mark.parametrize("case", list(NUMBERS))
def test_huge_numbers_are_input_errors_at_their_line(tmp_path: Path, case: str) -> None:
    name, text, needle = NUMBERS[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    line = line_of(text, '"amount"' if name.endswith(".json") else "amount:")
    out = tmp_path / "out"
    for args in (["validate", "brief", str(path)],
                 ["render", "brief", str(path), "-o", str(out), "-f", "docx,xlsx"]):
        assert_input_error(run(*args), f"{path}:{line}:", needle)
    nothing_written(out)


# --- sheets ---------------------------------------------------------------------------

WEEKLY = (SAMPLES / "batch" / "weekly_tasks.csv").read_text(encoding="utf-8-sig")
HEAD, ROW = WEEKLY.splitlines()[0], WEEKLY.splitlines()[1]
TASK = "설 선물세트 TV 광고 시안 확정"  # the 업무 내용 (task) cell of ROW, column F
assert TASK in ROW and next(csv.reader([ROW])).index(TASK) == 5


def csv_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "tasks.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_field_over_128k_is_a_located_input_error(tmp_path: Path) -> None:
    """Python's csv limit (131,072 characters) was exit 70; now the field is read and
    refused at its row and column with its size."""
    path = csv_file(tmp_path, f"{HEAD}\n{ROW.replace(TASK, 'x' * 200_000)}\n")
    assert_input_error(run("validate", "weekly", str(path)), f"{path}:2:", "column F",
                       "200,000 characters", f"{MAX_TEXT_CHARS:,}")


def test_csv_field_at_the_limit_is_written_whole(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW.replace(TASK, '가' * MAX_TEXT_CHARS)}\n")
    out = tmp_path / "out"
    result = run("batch", "weekly", str(path), "-o", str(out), "-q", "-f", "docx,xlsx")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cut" not in result.stderr
    import docx
    written = list(out.glob("*.docx"))
    assert len(written) == 1
    document = docx.Document(str(written[0]))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("가" * MAX_TEXT_CHARS in t for t in texts)
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert any(c.value == "가" * MAX_TEXT_CHARS for ws in book for row in ws.iter_rows()
               for c in row)


@pytest.mark.parametrize("where", ["task", "extra column"])
def test_csv_field_of_10_mb_is_a_located_input_error(tmp_path: Path, where: str) -> None:
    row = ROW.replace(TASK, "x" * 10_000_000) if where == "task" else ROW + "," + "y" * 10_000_000
    path = csv_file(tmp_path, f"{HEAD}\n{row}\n")
    column = "F" if where == "task" else "L"
    out = tmp_path / "out"
    for args in (["validate", "weekly", str(path)],
                 ["batch", "weekly", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args), f"{path}:2:", f"column {column}", "10,000,00",
                           f"{MAX_TEXT_CHARS:,}")
    nothing_written(out)
    assert_input_error(run("validate", "weekly", str(path), locale="zh-CN"), f"第 {column} 列")


@pytest.mark.parametrize("number,needle", [("9" * 5000, "too large"),
                                           ("1e999999", "must be a number")])
def test_huge_numbers_in_csv_are_located(tmp_path: Path, number: str, needle: str) -> None:
    assert ",100," in ROW  # 진행률(%), column I
    path = csv_file(tmp_path, f"{HEAD}\n{ROW.replace(',100,', ',' + number + ',')}\n")
    out = tmp_path / "out"
    for args in (["validate", "weekly", str(path)],
                 ["batch", "weekly", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args), f"{path}:2:", "진행률", needle)
    nothing_written(out)


def test_csv_with_nul_bytes_is_located(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW.replace('TV 광고', 'TV' + chr(0) + '광고')}\n")
    out = tmp_path / "out"
    for args in (["validate", "weekly", str(path)],
                 ["batch", "weekly", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args), f"{path}:2:", "U+0000")
    nothing_written(out)


def test_csv_in_utf16_without_bom_is_an_encoding_error(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW}\n", "utf-16-le")
    out = tmp_path / "out"
    for args in (["validate", "weekly", str(path)],
                 ["batch", "weekly", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args), str(path), "UTF-16", "UTF-8")
    nothing_written(out)
    assert_input_error(run("validate", "weekly", str(path), locale="ko"), "UTF-16", "UTF-8")


def test_csv_in_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW}\n", "utf-16")  # with its BOM
    result = run("validate", "weekly", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_csv_of_a_million_empty_rows_is_read_in_time(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW}\n" + "\n" * 1_000_000)
    started = time.monotonic()
    result = run("validate", "weekly", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 30


def test_csv_of_a_million_commas_is_refused(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{HEAD}\n{ROW}\n" + "," * 1_000_000 + "\n")
    text = assert_input_error(run("validate", "weekly", str(path)), f"{path}:3:",
                              "1,000,001", f"{MAX_COLUMNS:,}")
    assert "CSV" in text


def random_hangul(count: int) -> str:
    """Random syllables: a run of one repeated character would be refused as a zip bomb."""
    return "".join(chr(0xAC00 + n) for n in random.Random(16).choices(range(11172), k=count))


def test_xlsx_cell_of_100000_characters_is_located(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SAMPLES / "batch" / "weekly_tasks.xlsx")
    ws = wb.worksheets[0]
    target = next(c for row in ws.iter_rows() for c in row if c.value == TASK)
    target.value = "PLACEHOLDER"  # openpyxl cuts a text to 32,767 characters: put it in after
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    path = tmp_path / "tasks.xlsx"  # a crafted file (Excel itself never writes one)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml"):
                data = data.replace(b"PLACEHOLDER", random_hangul(100_000).encode())
            dst.writestr(info, data)
    out = tmp_path / "out"
    for args in (["validate", "weekly", str(path)],
                 ["batch", "weekly", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args), f"{ws.title}!{target.coordinate}", "100,000")
    nothing_written(out)


# --- 10 MB text values ----------------------------------------------------------------

def test_10_mb_text_in_yaml_is_an_input_error_everywhere(tmp_path: Path) -> None:
    """Was: exit 3 'the document made from this template would be broken' (libxml2's
    10 MB text node limit) — a template error for bad data."""
    text = BRIEF.replace(TONE, "tone: " + "x" * 10_000_000)
    path = tmp_path / "brief.yaml"
    path.write_text(text, encoding="utf-8")
    at = f"{path}:{line_of(BRIEF, TONE)}:"
    out = tmp_path / "out"
    for args in (["validate", "brief", str(path)],
                 ["render", "brief", str(path), "-o", str(out), "-f", "docx,xlsx"],
                 ["batch", "brief", str(path), "-o", str(out), "-q"]):
        assert_input_error(run(*args, timeout=120), at, "tone", "10,000,000 characters",
                           f"{MAX_TEXT_CHARS:,}")
    nothing_written(out)
    template = tmp_path / "t.docx"
    template.write_bytes((REPO / "templates" / "brief" / "brief.docx").read_bytes())
    target = out / "filled.docx"
    assert_input_error(run("fill", str(template), str(path), "-o", str(target), timeout=120),
                       at, "tone")
    nothing_written(out)
    ko = assert_input_error(run("validate", "brief", str(path), locale="zh-TW", timeout=120),
                            "個字元")
    assert "tone" in ko


def test_10_mb_text_in_json_names_the_field(tmp_path: Path) -> None:
    data = yaml.safe_load(BRIEF)
    data["deliverables"][1]["spec"] = "가" * 3_500_000  # 10.5 MB of UTF-8
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(data, default=str, ensure_ascii=False, indent=1), encoding="utf-8")
    line = line_of(path.read_text(encoding="utf-8"), "가가가")
    assert_input_error(run("validate", "brief", str(path)), f"{path}:{line}:",
                       "deliverables[1].spec", "3,500,000 characters")


def test_the_api_refuses_a_value_over_the_limit() -> None:
    data = yaml.safe_load(BRIEF)
    data["client"]["name"] = "x" * (MAX_TEXT_CHARS + 1)
    for call in (docgen.validate_record, docgen.render_record):
        with pytest.raises(InputError) as caught:
            call("brief", data)  # type: ignore[operator]
        assert caught.value.exit_code == 1 and "client.name" in str(caught.value)


def test_a_data_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:  # sparse: nothing is written, only the size
        fh.truncate(MAX_DATA_BYTES + 1)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_data(path)
    assert time.perf_counter() - started < 1
    assert caught.value.code == "too_large" and f"{MAX_DATA_BYTES + 1:,}" in str(caught.value)
    csv_path = tmp_path / "big.csv"
    csv_path.write_bytes(b"")
    os.truncate(csv_path, MAX_DATA_BYTES + 1)
    assert_input_error(run("validate", "weekly", str(csv_path)), str(csv_path), "bytes")


# --- at the limit: written whole, and it opens ------------------------------------------

def at_the_limit(tmp_path: Path, char: str, formats: str = "docx") -> Path:
    text = BRIEF.replace(TONE, "tone: '" + char * MAX_TEXT_CHARS + "'")
    path = tmp_path / "limit.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", "brief", str(path), "-o", str(out), "-f", formats)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cut" not in result.stderr  # an Excel cell holds it whole
    return out


def longest_text(path: Path) -> tuple[int, Any]:
    import docx
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    longest = max(texts, key=len)
    return len(longest), longest


@pytest.mark.parametrize("char", ["가", "&"])  # 3 bytes of UTF-8; 5 bytes as '&amp;'
def test_a_value_at_the_limit_renders_whole_in_docx_and_xlsx(tmp_path: Path, char: str) -> None:
    out = at_the_limit(tmp_path, char, "docx,xlsx")
    size, text = longest_text(next(out.glob("*.docx")))
    assert size == MAX_TEXT_CHARS and set(text) == {char}
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert any(c.value == char * MAX_TEXT_CHARS for ws in book for row in ws.iter_rows()
               for c in row)


def test_one_character_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "over.yaml"
    path.write_text(BRIEF.replace(TONE, "tone: " + "가" * (MAX_TEXT_CHARS + 1)), encoding="utf-8")
    out = tmp_path / "out"
    assert_input_error(run("render", "brief", str(path), "-o", str(out), "-f", "xlsx"),
                       f"{path}:{line_of(BRIEF, TONE)}:", "tone", f"{MAX_TEXT_CHARS + 1:,}")
    nothing_written(out)


def test_a_value_at_the_limit_converts_in_libreoffice(tmp_path: Path, soffice: str) -> None:
    """LibreOffice lays the value out as one paragraph: 32,767 CJK characters take ~7 s
    (16 pages); 1,000,000 took more than 10 minutes, so the limit is not higher."""
    docx_path = next(at_the_limit(tmp_path, "가").glob("*.docx"))
    pdf_dir = tmp_path / "pdf"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(pdf_dir), str(docx_path)],
                   check=True, capture_output=True, timeout=300)
    pdf = pdf_dir / (docx_path.stem + ".pdf")
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 10_000


# --- nesting: an explicit limit, not the interpreter's ------------------------------------

def _nested_yaml(levels: int) -> str:
    """``levels`` mappings inside each other, in block style, a value at the bottom."""
    return "".join("  " * i + f"k{i}:\n" for i in range(levels - 1)) + \
        "  " * (levels - 1) + "k: 1\n"


@pytest.mark.parametrize("recursion_limit", [None, 50_000])
@pytest.mark.parametrize("fmt", ["yaml", "json", "flow"])
def test_nesting_past_the_limit_is_refused_whatever_the_recursion_limit(
        tmp_path: Path, fmt: str, recursion_limit: Any) -> None:
    """100 levels are read, 101 are "nested too deeply" — also when the program runs
    with a high recursion limit (a RecursionError used to be the only guard, so what
    was refused depended on the caller's stack and limit)."""
    from docgen.inputs import MAX_DEPTH

    own = sys.getrecursionlimit()
    if recursion_limit is not None:
        sys.setrecursionlimit(recursion_limit)
    try:
        for levels, refused in ((MAX_DEPTH, False), (MAX_DEPTH + 1, True), (500, True)):
            if fmt == "yaml":
                path, text = tmp_path / "deep.yaml", _nested_yaml(levels)
            elif fmt == "flow":
                path, text = tmp_path / "deep.yaml", "{a: " * levels + "1" + "}" * levels
            else:
                path, text = tmp_path / "deep.json", '{"a": ' * levels + "1" + "}" * levels
            path.write_text(text, encoding="utf-8")
            if not refused:
                read_data(path)
                continue
            with pytest.raises(InputError) as caught:
                read_data(path)
            assert caught.value.code == "too_deep"
            assert f"more than {MAX_DEPTH} levels deep" in str(caught.value)
            assert caught.value.location is not None and caught.value.location.file == str(path)
            if fmt == "yaml":  # at the mapping that is one too deep
                assert caught.value.location.line == MAX_DEPTH + 1
    finally:
        sys.setrecursionlimit(own)
