"""``docgen validate`` stays linear in the number of records (issue 15 point 3, issue 16
point 10). Speed itself is measured in benchmarks/bench_validate.py; these tests count
work instead (scanned text, validators built, schema checks), and compare one timing
ratio with bounds wide enough for a loaded machine."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from docgen import jsonlines, pipeline
from docgen.batch import validate_inputs
from docgen.inputs import json_item_positions, parse_yaml, read_data
from docgen.jsonlines import json_lines
from docgen.pipeline import get_kind
from docgen.validation import Validator

ROOT = Path(__file__).resolve().parent.parent


def _records(n: int) -> list[dict[str, Any]]:
    base = yaml.safe_load((ROOT / "samples/weekly/ko.yaml").read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        r = copy.deepcopy(base)
        r["project"] = f"{r.get('project', '')} #{i}"
        if i % 3 == 0:
            r["week_start"] = "2026-13-01"
        if i % 5 == 0:
            r.pop("client", None)
        out.append(r)
    return out


def _write(path: Path, data: Any, indent: Any = 1) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=indent),
                    encoding="utf-8")
    return path


def _yaml_positions(text: str) -> dict[Any, tuple[int, int]]:
    """What the positions were before: the YAML reading of the JSON text."""
    return parse_yaml(text.replace("\t", " "), "f")[1]


@pytest.mark.parametrize("text", [
    '{"a": [1, 2, {"b": "x\\"y"}], "c\\u00e9": {"d": []}, "e": {}}',
    '[\n  {"a":1},\n\t{"b": [ [1,2], [], "s" ]}\r\n, 3, null, true]',
    '  {"k": "a,b:[c]{d}", "l": -1.5e+3, "m": [{}, {"n": [{"o": 1}]}]}',
    '"just text"', "[]", "7",
    '{"a":\n\n  "x\\\\", "b": 2}',
    '{"a" :\n [ "x" , "y:z" ] , "b" : {"c":{"d":"e"}}}',
    '\n\n  [{"a": 1}, {"b": [2, {"c": 3}]},\n {"d": "x"}]',
    '[{"a":1},{"b":2},{"c":{"d":[1,2]}}]',
    '{"a\\\\": "\\\\\\"", "b": ["\\\\", "x"]}',
])
def test_positions_are_the_yaml_readings(text: str) -> None:
    expected = _yaml_positions(text)
    found = json_lines(text)
    assert {path: found.get(path) for path in expected} == expected


@pytest.mark.parametrize("indent", [1, None, "\t"])
def test_positions_of_many_records_are_the_yaml_readings(indent: Any) -> None:
    text = json.dumps(_records(30), ensure_ascii=False, default=str, indent=indent)
    expected = _yaml_positions(text)
    found = json_lines(text)
    assert len(expected) > 30 * 20
    assert {path: found.get(path) for path in expected} == expected
    starts = json_item_positions(text)
    assert {p: expected[p] for p in starts} == starts


def test_a_problem_in_one_record_scans_that_record_only(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps([{"n": i, "text": "x" * 50} for i in range(2000)])  # one line
    scanned: list[tuple[int, int]] = []
    real = jsonlines._offsets

    def counting(text: str, pos: int, endpos: int, prefix: Any) -> dict[Any, int]:
        scanned.append((pos, endpos))
        return real(text, pos, endpos, prefix)

    monkeypatch.setattr(jsonlines, "_offsets", counting)
    lines = json_lines(text)
    assert scanned == []  # nothing before a position is asked for
    column = text.index('{"n": 1234,')
    assert lines.get((1234, "text")) == (1, column + len('{"n": 1234, ') + 1)
    assert lines.get((1234, "n")) == (1, column + 2)
    assert len(scanned) == 1 and scanned[0][1] - scanned[0][0] < 100


def test_one_validator_per_locale_not_per_record(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    built: list[Any] = []
    real = pipeline.validator

    def counting(*args: Any, **kwargs: Any) -> Validator:
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "validator", counting)
    records = _records(300)
    for r in records[::2]:
        r["locale"] = "en"
    problems = validate_inputs(get_kind("weekly"), [_write(tmp_path / "w.json", records)])
    assert len(built) == 2
    assert {p.record for p in problems} >= set(range(0, 300, 3))


def _checks(tmp_path: Path, n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    calls = [0]
    real = Validator._check

    def counting(self: Validator, *args: Any) -> None:
        calls[0] += 1
        real(self, *args)

    monkeypatch.setattr(Validator, "_check", counting)
    problems = validate_inputs(get_kind("weekly"), [_write(tmp_path / f"w{n}.json", _records(n))])
    monkeypatch.setattr(Validator, "_check", real)
    return calls[0], len(problems)


def test_work_grows_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small, small_problems = _checks(tmp_path, 150, monkeypatch)
    big, big_problems = _checks(tmp_path, 600, monkeypatch)
    assert big == 4 * small
    assert big_problems == 4 * small_problems


def test_locations_of_many_records_are_right(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.json", _records(40))
    text = path.read_text(encoding="utf-8")
    expected = _yaml_positions(text)
    problems = validate_inputs(get_kind("weekly"), [path])
    dates = [p for p in problems if p.path == "week_start"]
    assert [p.record for p in dates] == list(range(0, 40, 3))
    for p in dates:
        assert (p.location.line, p.location.column) == expected[(p.record, "week_start")]
    _, source = read_data(path)
    assert source.locate((7, "client")).line == expected[(7, "client")][0]


def test_ten_times_the_records_takes_about_ten_times_as_long(tmp_path: Path) -> None:
    """Best of 3, 250 vs 1,000 records: linear is 4, quadratic 16; the bound is wide."""
    kind = get_kind("weekly")
    files = {n: _write(tmp_path / f"t{n}.json", _records(n)) for n in (250, 1000)}

    def best(f: Path) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            validate_inputs(kind, [f])
            times.append(time.perf_counter() - t)
        return min(times)

    best(files[250])  # warm up (imports, compiled patterns)
    assert best(files[1000]) / best(files[250]) < 9
