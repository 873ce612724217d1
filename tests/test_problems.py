"""One Problem, formatted only at the boundary; one printer, one JSON shape (issue 10, 5)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from docgen import diagnostics
from docgen.cli import main, problem_json
from docgen.errors import InputError, Msg, Problem, SourceLocation, Subject
from docgen.i18n.locale import DocLocale


def test_problem_keeps_msgid_and_params_until_asked() -> None:
    p = Problem("tasks[0].status", "enum", "'{value}' is not one of: {choices}", "error",
                SourceLocation(file="a.yaml", line=3), 0, params={"value": "x", "choices": "a, b"},
                subject=Subject("tasks[0].status", {"ko": "상태", "en": "Status"}, "Status"))
    assert p.template == "'{value}' is not one of: {choices}" and p.params["value"] == "x"
    assert p.text() == "tasks[0].status (Status): 'x' is not one of: a, b"
    assert p.text("ko").startswith("tasks[0].status (상태): ") and p.text("ko") != p.text()
    assert p.message == p.text()  # no producer locale: English
    assert str(p) == f"a.yaml:3: {p.message}"


def test_nested_messages_are_translated_with_the_problem() -> None:
    p = Problem("x", "type", "must be {expected}", params={"expected": Msg("a number")})
    assert p.text("en") == "must be a number"
    assert "a number" not in p.text("ko")


def test_errors_become_problems_without_translation() -> None:
    exc = InputError("file not found", SourceLocation(file="f.yaml"), code="not_found")
    p = Problem.from_error(exc, record=2)
    assert (p.code, p.template, p.record, p.location.file) == ("not_found", "file not found", 2,
                                                               "f.yaml")
    assert p.text("zh-CN") != "file not found"


def test_template_problems_are_problems() -> None:
    assert diagnostics.TemplateProblem is Problem


def test_one_json_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = Document()
    doc.add_paragraph("{{ titel }}")
    tpl = tmp_path / "t.docx"
    doc.save(str(tpl))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\n", encoding="utf-8")
    runner = CliRunner()
    checked = json.loads(runner.invoke(main, ["template", "check", str(tpl), "--kind", "minutes",
                                              "--json", "-l", "en"]).stdout)
    validated = json.loads(runner.invoke(main, ["validate", "minutes", str(bad), "--json",
                                                "-l", "en"]).stdout)
    common = {"file", "record", "path", "code", "severity", "message", "location"}
    for item in [*checked, *validated]:
        assert common <= set(item)
    assert checked[0]["part"] == "word/document.xml" and checked[0]["variable"] == "titel"
    assert validated[0]["line"] == 1 and validated[0]["location"] == f"{bad}:1:1"


def test_problem_json_speaks_the_given_locale() -> None:
    p = Problem("", "x", "file not found", location=SourceLocation(file="f", row=3))
    assert problem_json(p, DocLocale("en"))["message"] == "file not found"
    assert problem_json(p, DocLocale("ko"))["row"] == 3
    assert problem_json(p, DocLocale("ko"))["message"] != "file not found"


def test_the_boundary_maps_errors_to_exit_codes(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    missing = runner.invoke(main, ["render", "minutes", "nope.yaml", "-l", "en"])
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: nope.yaml")
    kind = runner.invoke(main, ["render", "nokind", "nope.yaml", "-l", "en"])
    assert kind.exit_code == 2 and "unknown kind 'nokind'" in kind.stderr
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"junk")
    assert runner.invoke(main, ["template", "check", str(junk)]).exit_code == 3
    assert "Traceback" not in missing.output + kind.output


def test_the_boundary_turns_a_bug_into_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "schema_of", broken)
    result = CliRunner().invoke(main, ["schema", "minutes"], env={"DOCGEN_LOCALE": "en"})
    assert result.exit_code == 70 and "boom" in result.stderr and "Traceback" not in result.output
