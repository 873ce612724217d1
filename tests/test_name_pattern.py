"""``--name``: only field paths of the kind; an unknown one (a typo, a sheet header)
is a usage error (exit 2) naming it, a likely meant field and the fields there are,
before anything is read or written — never an empty name."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from docgen.errors import InputError, UsageError
from docgen.cli import main
from docgen.output import name_fields, output_name
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
