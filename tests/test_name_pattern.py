"""``--name``: only field paths of the kind; an unknown one (a typo, a sheet header)
is a usage error (exit 2) naming it, a likely meant field and the fields there are,
before anything is read or written — never an empty name."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from docgen.errors import InputError, UsageError
from docgen.cli import main
from docgen.output import name_fields, output_name, sanitize, unique_stem
from tests.support import SAMPLES

WEEKLY = str(SAMPLES / "weekly" / "ko.yaml")
BATCH = str(SAMPLES / "batch" / "weekly_tasks.xlsx")


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("pattern, locale, message", [
    ("{clinet}_{week_start}", "en",
     "Error: --name: 'clinet' is not a field (did you mean 'client'?); fields: author, client, "),
    ("{고객사}_{week_start}", "en",
     "Error: --name: '고객사' is not a field (did you mean 'client'?); fields: "),
    ("{clinet}", "ko",
     "오류: --name: 'clinet'은(는) 필드가 아닙니다 ('client'을(를) 뜻했나요?). 사용할 수 있는 필드: "),
    ("{고객사}", "zh-CN", "错误：--name：“고객사”不是字段（您是指“client”吗？）；可用字段："),
])
def test_render_unknown_field_is_a_usage_error_naming_it(runner: CliRunner, tmp_path: Path,
                                                         pattern: str, locale: str,
                                                         message: str) -> None:
    out = tmp_path / "out"
    result = _run(runner, "render", "weekly", WEEKLY, "-o", str(out), "--name", pattern,
                  "-l", locale)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert "week_label" in result.stderr and "client.tax_id" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("pattern, shown", [
    ("{title.__class__}", "'{title.__class__}' is not a field name; only field paths"),
    ("{client.__dict__}", "'{client.__dict__}' is not a field name"),
    ("{_docgen}", "'{_docgen}' is not a field name"),
    ("{_}", "'{_}' is not a field name"),
    ("{client._name}", "'{client._name}' is not a field name"),
    ("{tasks[0]}", "'{tasks[0]}' is not a field name; only field paths may stand in braces"),
    ("{client!r}", "'{client!r}' is not a field name"),
    ("{week_start:%Y}", "'{week_start:%Y}' is not a field name"),
    ("{}", "'{}' is not a field name"),
    ("report_{client", "cannot read the pattern 'report_{client'"),
])
def test_render_refuses_anything_but_field_paths(runner: CliRunner, tmp_path: Path,
                                                 pattern: str, shown: str) -> None:
    result = _run(runner, "render", "weekly", WEEKLY, "-o", str(tmp_path / "o"),
                  "--name", pattern, "-l", "en")
    assert result.exit_code == 2
    assert shown in result.stderr
    assert not (tmp_path / "o").exists()


def test_render_with_field_paths(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, "render", "weekly", WEEKLY, "-o", str(tmp_path),
                  "--name", "{client}_{client.legal_name}_{week_start}", "-f", "docx")
    assert result.exit_code == 0, result.stderr
    assert [Path(p).name for p in result.stdout.splitlines()] == [
        "한라식품_주식회사 한라식품_2026-11-23.docx"]


@pytest.mark.parametrize("locale, message", [
    ("en", "Error: --name: '고객사' is not a field (did you mean 'client'?)"),
    ("ko", "오류: --name: '고객사'은(는) 필드가 아닙니다 ('client'을(를) 뜻했나요?)"),
])
def test_batch_sheet_header_in_name_is_a_usage_error(runner: CliRunner, tmp_path: Path,
                                                     locale: str, message: str) -> None:
    out = tmp_path / "out"
    result = _run(runner, "batch", "weekly", BATCH, "--group-by", "고객사", "--name",
                  "{고객사}_{week_start}", "-o", str(out), "-l", locale, "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert not out.exists() or not list(out.iterdir())


def test_batch_with_a_good_pattern(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, "batch", "weekly", BATCH, "--group-by", "고객사", "--name",
                  "{client}_{week_label}", "-o", str(tmp_path), "-q", "-j", "1")
    assert result.exit_code == 0, result.stderr
    names = sorted(Path(p).name for p in result.stdout.splitlines())
    assert len(names) == 4 and all("_" in n and not n.startswith("_") for n in names)


def test_name_fields_and_output_name() -> None:
    assert name_fields("{client}_{client.tax_id}-{{literal}}") == ["client", "client.tax_id"]
    record = {"client": {"name": "한빛"}, "week": "W48", "memo": None}
    assert output_name("{client}_{week}_{memo}", record) == "한빛_W48_"
    with pytest.raises(UsageError) as info:
        output_name("{clinet}", record)
    assert info.value.exit_code == 2 and "did you mean 'client'" in str(info.value)
    with pytest.raises(InputError) as empty:  # never an empty name
        output_name("{memo}", record)
    assert str(empty.value) == "--name '{memo}' gives this record no name: memo has no value"


# --- issue 16, point 9: what a produced name may hold ---------------------------------

EN_WEEKLY = SAMPLES / "weekly" / "en.yaml"


def _weekly_with(tmp_path: Path, **fields: Any) -> Path:
    record = yaml.safe_load(EN_WEEKLY.read_text(encoding="utf-8"))
    record.update(fields)
    path = tmp_path / "data.json"
    path.write_text(json.dumps(record, default=str, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("project, name", [
    ("CON", "_CON"), ("con.txt", "_con.txt"), ("Nul . docx", "_Nul . docx"),
    ("aux", "_aux"), ("PRN.", "_PRN"), ("COM1", "_COM1"), ("com9.tar.gz", "_com9.tar.gz"),
    ("LPT0", "_LPT0"), ("COM\u00b9", "_COM\u00b9"), ("lpt\u00b3.x", "_lpt\u00b3.x"),
    ("CONIN$", "_CONIN$"), ("conout$ .log", "_conout$ .log"), ("COM10", "COM10"),
    ("invoice\u202excod.exe", "invoicexcod.exe"),  # right-to-left override: "exe.docx" shown
    ("a\u2066b\u2069c\u200ed\u200fe\u061cf\u202ag\u202bh\u202ci\u202dj", "abcdefghij"),
    ("zero\u200bwidth\u200c\u200d\ufeff\u2060\u00ad!", "zerowidth!"),
    ("\U000e0041tag", "tag"),
])
def test_render_names_are_stripped_of_devices_and_invisible_characters(
        runner: CliRunner, tmp_path: Path, project: str, name: str) -> None:
    data = _weekly_with(tmp_path, project=project)
    out = tmp_path / "out"
    result = _run(runner, "render", "weekly", str(data), "-o", str(out), "--name", "{project}",
                  "-f", "docx", "-l", "en")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in out.iterdir()] == [name + ".docx"]
    assert output_name("{project}", {"project": project}) == name  # the API alike


def test_control_characters_and_lone_surrogates_in_a_name_are_replaced() -> None:
    """Validation refuses these in a kind's data; ``fill`` data and the API do not."""
    assert output_name("{a}", {"a": "tab\there\x0bvt\x1bq\x85"}) == "tab_here_vt_q_"
    assert output_name("{a}", {"a": "x\ud800y"}) == "x_y"
    assert sanitize("\udfff") == "_"


def test_client_name_and_no_attributes(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = _run(runner, "render", "weekly", str(EN_WEEKLY), "-o", str(out),
                  "--name", "{client.name}", "-f", "docx")
    assert result.exit_code == 0, result.stderr
    assert len(list(out.iterdir())) == 1
    assert output_name("{client.name}", {"client": {"name": "Halla"}}) == "Halla"
    for pattern in ("{title.__class__}", "{client._secret}", "{__import__}"):
        with pytest.raises(UsageError):
            output_name(pattern, {"title": "t", "client": {"_secret": "s"}})


def test_a_list_field_is_no_name(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = _run(runner, "render", "weekly", str(EN_WEEKLY), "-o", str(out),
                  "--name", "{this_week_grouped}", "-f", "docx", "-l", "en")
    assert result.exit_code == 2
    assert "'this_week_grouped' is a list or a group of fields, not one value" in result.stderr
    assert not out.exists()
    with pytest.raises(UsageError):
        output_name("{image}", {"image": len})  # a helper function is no value either


# --- issue 16, point 2: two records of one long name ----------------------------------

LONG_NAMES = {
    "hangul": "가" * 85,  # 255 bytes
    "han": "漢" * 66,  # 198 bytes
    "ascii": "a" * 230,
    "mixed": "Halla 한라식품 漢字 " * 8,  # about 190 bytes
}


def _batch_list(tmp_path: Path, project: str, n: int) -> Path:
    record = yaml.safe_load(EN_WEEKLY.read_text(encoding="utf-8"))
    path = tmp_path / "list.json"
    path.write_text(json.dumps([dict(record, project=project)] * n, default=str,
                               ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("script", sorted(LONG_NAMES))
def test_batch_of_one_long_name_makes_distinct_files(tmp_path: Path, script: str,
                                                     n: int) -> None:
    data = _batch_list(tmp_path, LONG_NAMES[script], n)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "docgen", "batch", "weekly", str(data),
                          "--name", "{project}", "-o", str(out), "-f", "docx,xlsx", "-q",
                          "-j", "1", "-l", "en"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    files = sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    assert len(files) == 2 * n and len({f.casefold() for f in files}) == 2 * n
    assert all(len(f.encode("utf-8")) <= 255 for f in files)
    stems = {f.rsplit(".", 1)[0] for f in files}
    assert len(stems) == n and all(len(s.encode("utf-8")) <= 200 for s in stems)


def test_batch_of_a_thousand_records_of_one_name_finishes(tmp_path: Path) -> None:
    data = _batch_list(tmp_path, LONG_NAMES["hangul"], 1000)
    out = tmp_path / "out"
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "docgen", "batch", "weekly", str(data),
                          "--name", "{project}", "-o", str(out), "-f", "docx", "-q",
                          "-l", "en"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    files = [p.name for p in out.iterdir() if p.name != "manifest.json"]
    assert len(files) == 1000 and len({f.casefold() for f in files}) == 1000
    assert max(len(f.encode("utf-8")) for f in files) <= 255
    assert time.monotonic() - start < 300


@pytest.mark.parametrize("script", sorted(LONG_NAMES))
def test_unique_stem_shortens_on_a_character_boundary(script: str) -> None:
    stem = sanitize(LONG_NAMES[script])
    taken: set[str] = set()
    start = time.monotonic()
    names = [unique_stem(stem, taken) for _ in range(1000)]
    assert time.monotonic() - start < 5  # doubling and halving, not a scan per name
    assert len({n.casefold() for n in names}) == 1000 == len(taken)
    for n in names:
        size = len(n.encode("utf-8"))  # it encodes: no character cut in half
        assert size <= 200 and size + len(".docx") <= 255
        assert sanitize(n) == n
    assert names[1].endswith("_2") and names[999].endswith("_1000")
    assert names[999][:-5] == stem[:len(names[999]) - 5]  # a prefix of the stem
