"""render -f docx,xlsx,pdf and template new -f xlsx, through the CLI."""
from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from docgen.cli import main
from tests.support import REPO, builtin_kind

KINDS = ["minutes", "brief", "weekly", "signoff", "invoice"]


@pytest.mark.parametrize("kind", KINDS)
def test_render_word_and_excel_together(kind: str, runner: CliRunner, tmp_path: Path) -> None:
    sample = REPO / "samples" / kind / "ko.yaml"
    result = runner.invoke(main, ["render", kind, str(sample), "-o", str(tmp_path),
                                  "-f", "docx,xlsx"])
    assert result.exit_code == 0, result.stderr
    paths = [Path(p) for p in result.stdout.splitlines()]
    assert [p.suffix for p in paths] == [".docx", ".xlsx"]
    assert paths[0].stem == paths[1].stem
    docx.Document(str(paths[0]))
    wb = openpyxl.load_workbook(paths[1])
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not any("{{" in c or "{%" in c for c in cells)


def test_custom_excel_template_replaces_only_the_excel_one(runner: CliRunner, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ title }} / {{ company.name or '-' }}"
    wb.save(tmp_path / "mine.xlsx")
    sample = REPO / "samples" / "minutes" / "en.yaml"
    result = runner.invoke(main, ["render", "minutes", str(sample), "-o", str(tmp_path / "out"),
                                  "-f", "xlsx", "--template", str(tmp_path / "mine.xlsx")])
    assert result.exit_code == 0, result.stderr
    (path,) = [Path(p) for p in result.stdout.splitlines()]
    title = openpyxl.load_workbook(path).active["A1"].value
    assert title.endswith(" / -") and len(title) > 4


def test_template_of_the_wrong_format_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "mine.xlsx")
    sample = REPO / "samples" / "minutes" / "en.yaml"
    result = runner.invoke(main, ["render", "minutes", str(sample), "-o", str(tmp_path / "out"),
                                  "-f", "docx", "--template", str(tmp_path / "mine.xlsx"), "-l", "en"])
    assert result.exit_code == 2
    assert "xlsx" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_template_new_copies_the_builtin(fmt: str, runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / f"my_invoice.{fmt}"
    result = runner.invoke(main, ["template", "new", "invoice", "-f", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == (REPO / "templates" / "invoice" / f"invoice.{fmt}").read_bytes()
    again = runner.invoke(main, ["template", "new", "invoice", "-f", fmt, "-o", str(target)])
    assert again.exit_code == 4                      # never overwritten without --force


def test_invalid_input_writes_neither_format(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("job_number: HL-2026-0001\nclient: {name: X}\n", encoding="utf-8")
    result = runner.invoke(main, ["render", "invoice", str(bad), "-o", str(tmp_path / "out"),
                                  "-f", "docx,xlsx"])
    assert result.exit_code == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_excel_totals_are_cached_for_readers(runner: CliRunner, tmp_path: Path) -> None:
    from docgen import kinds
    from docgen.enrich import build_context
    from docgen.i18n.locale import DocLocale
    from docgen.inputs import read_record
    sample = REPO / "samples" / "invoice" / "zh-CN.yaml"
    result = runner.invoke(main, ["render", "invoice", str(sample), "-o", str(tmp_path), "-f", "xlsx"])
    assert result.exit_code == 0, result.stderr
    kind = builtin_kind("invoice")
    rec = read_record(sample)
    ctx = build_context(rec.data, kind.schema, locale=DocLocale.parse("zh-CN"), compute=kind.compute)
    wb = openpyxl.load_workbook(Path(result.stdout.strip()), data_only=True)
    numbers = {round(float(c.value), 2) for ws in wb for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float))}
    for name in ("subtotal", "vat", "total"):
        assert float(ctx[name]) in numbers, name


def test_excel_warnings_and_errors_in_the_users_language(runner: CliRunner, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "견적"
    wb.active["B2"] = "{{ long }}{{ long }}"  # one value holds at most 32,767 (a cell's)
    wb.save(tmp_path / "t.xlsx")
    (tmp_path / "d.yaml").write_text("long: " + "가" * 20000 + "\n", encoding="utf-8")
    result = runner.invoke(main, ["fill", str(tmp_path / "t.xlsx"), str(tmp_path / "d.yaml"),
                                  "-o", str(tmp_path / "o.xlsx"), "-l", "ko"])
    assert result.exit_code == 0, result.stderr
    assert "경고: " in result.stderr and "견적!B2" in result.stderr and "32767자" in result.stderr
    assert "Traceback" not in result.stderr

    wb.active["C3"] = "{%tr for x in xs %}{{ x }}"
    wb.save(tmp_path / "bad.xlsx")
    result = runner.invoke(main, ["template", "check", str(tmp_path / "bad.xlsx")],
                           env={"DOCGEN_LOCALE": "zh-CN"})
    assert result.exit_code == 3
    assert "견적!C3" in result.stderr
    assert "没有结束" in result.stderr


def test_missing_signature_image_is_a_validation_error(runner: CliRunner, tmp_path: Path) -> None:
    import yaml
    data = yaml.safe_load((REPO / "samples" / "signoff" / "ko.yaml").read_text(encoding="utf-8"))
    data["stages"][0]["signature_image"] = "signs/nobody.png"
    src = tmp_path / "signoff.yaml"
    src.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = runner.invoke(main, ["render", "signoff", str(src), "-o", str(tmp_path / "out"),
                                  "-f", "docx,xlsx"])
    assert result.exit_code == 1
    assert "stages[0].signature_image" in result.stderr and "signs/nobody.png" in result.stderr
    assert "이미지 파일을 찾을 수 없습니다" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_locale_specific_builtin_template_overrides_the_shared_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil

    from docgen import kinds, pipeline
    from docgen.i18n.locale import DocLocale
    root = tmp_path / "templates"
    shutil.copytree(REPO / "templates" / "invoice", root / "invoice")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "TW layout {{ job_number }}"
    wb.save(root / "invoice" / "invoice.zh-TW.xlsx")
    monkeypatch.setattr(kinds, "resource_dir", lambda name: tmp_path / name)
    kind = builtin_kind("invoice")
    assert kind is not None
    tw = pipeline.load_templates(kind, ["xlsx"], locale=DocLocale.parse("zh-TW"))["xlsx"]
    ko = pipeline.load_templates(kind, ["xlsx"], locale=DocLocale.parse("ko"))["xlsx"]
    assert tw.name.endswith("invoice.zh-TW.xlsx") and ko.name.endswith("invoice.xlsx")
    assert kind.template_path("xlsx", "zh-TW+en").name == "invoice.zh-TW.xlsx"


def test_formulas_docgen_cannot_evaluate_are_reported_once(runner: CliRunner, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{%tr for x in xs %}{{ x }}"
    wb.active["B1"] = "=VLOOKUP(A1,$D:$E,2,FALSE)"
    wb.active["C1"] = "{%tr endfor %}"
    wb.save(tmp_path / "t.xlsx")
    (tmp_path / "d.yaml").write_text("xs: [1, 2, 3]\n", encoding="utf-8")
    result = runner.invoke(main, ["fill", str(tmp_path / "t.xlsx"), str(tmp_path / "d.yaml"),
                                  "-o", str(tmp_path / "o.xlsx"), "-l", "en"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("formula not evaluated") == 1 and "Sheet!B1" in result.stderr
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    assert [ws.cell(r, 2).value for r in (1, 2, 3)] == [
        "=VLOOKUP(A1,$D:$E,2,FALSE)", "=VLOOKUP(A2,$D:$E,2,FALSE)", "=VLOOKUP(A3,$D:$E,2,FALSE)"]
