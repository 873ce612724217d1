"""The command-line contract of DESIGN.md §3: commands, outputs, exit codes, languages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from docx import Document

import docgen
from docgen.cli import main
from tests.support import LOCALES, SAMPLES


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert docgen.__version__ in result.output


def test_kinds_localized(runner: CliRunner) -> None:
    names = {"ko": "회의록", "zh-CN": "会议纪要", "zh-TW": "會議紀錄", "en": "Meeting Minutes"}
    for code, label in names.items():
        result = run(runner, "kinds", "-l", code)
        assert result.exit_code == 0
        assert f"minutes\t{label}" in result.output.splitlines()


def test_schema_is_json_with_labels(runner: CliRunner) -> None:
    result = run(runner, "schema", "minutes")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["required"]) >= {"title", "date", "attendees"}
    for name, prop in schema["properties"].items():
        assert prop.get("title"), name
        assert set(prop["x-labels"]) == set(LOCALES), name


def test_unknown_kind_is_usage_error(runner: CliRunner) -> None:
    result = run(runner, "schema", "nosuchkind")
    assert result.exit_code == 2
    assert "nosuchkind" in result.output


@pytest.mark.parametrize("code", LOCALES)
def test_sample_validates(runner: CliRunner, code: str, tmp_path: Path) -> None:
    result = run(runner, "sample", "minutes", "-l", code)
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["locale"] == code
    f = tmp_path / "s.yaml"
    f.write_text(result.output, encoding="utf-8")
    check = run(runner, "validate", "minutes", str(f))
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("sample", sorted(p.name for p in (SAMPLES / "minutes").glob("*.yaml")))
def test_render_each_sample(runner: CliRunner, sample: str, tmp_path: Path) -> None:
    result = run(runner, "render", "minutes", str(SAMPLES / "minutes" / sample), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert len(written) == 1 and written[0].suffix == ".docx" and written[0].is_file()
    doc = Document(str(written[0]))
    data = yaml.safe_load((SAMPLES / "minutes" / sample).read_text(encoding="utf-8"))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert data["title"] in body
    assert "{{" not in body and "{%" not in body


def test_render_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    src = str(SAMPLES / "minutes" / "en.yaml")
    first = run(runner, "render", "minutes", src, "-o", str(tmp_path))
    assert first.exit_code == 0
    out = Path(first.stdout.strip())
    before = out.read_bytes()
    out.write_bytes(b"user's edited file")
    second = run(runner, "render", "minutes", src, "-o", str(tmp_path), "-l", "en")
    assert second.exit_code == 4
    assert "--force" in second.stderr
    assert out.read_bytes() == b"user's edited file"
    third = run(runner, "render", "minutes", src, "-o", str(tmp_path), "--force")
    assert third.exit_code == 0
    assert out.read_bytes() == before  # deterministic: same input, same bytes


BAD = """title: Kick-off
date: 2026-02-30
start_time: "25:00"
meeting_type: party
attendees:
  - organization: Hanil
action_items:
  - task: Send deck
"""


def test_invalid_input_reports_all_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "render", "minutes", str(f), "-o", str(out), "-l", "en")
    assert result.exit_code == 1
    err = result.stderr
    assert f"{f}:2:" in err and "date" in err and "2026-02-30" in err
    assert f"{f}:3:" in err and "25:00" in err
    assert f"{f}:4:" in err and "party" in err
    assert "attendees[0].name" in err
    assert "action_items[0].owner" in err
    assert not out.exists() or not any(out.iterdir())
    assert "Traceback" not in result.output


def test_validate_json(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    result = run(runner, "validate", "minutes", str(f), "--json", "-l", "en")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    by_path = {p["path"]: p for p in problems}
    assert by_path["date"]["line"] == 2 and by_path["date"]["code"] == "date"
    assert by_path["meeting_type"]["code"] == "enum"
    assert by_path["attendees[0].name"]["code"] == "required"
    for p in problems:
        assert {"file", "record", "path", "code", "severity", "message", "line"} <= set(p)
        # One JSON shape for validate and template check: "location" (the printed place) too.
        assert set(p) <= {"file", "record", "path", "code", "severity", "message", "line", "column",
                          "location"}


@pytest.mark.parametrize("code,word", [("ko", "필수"), ("zh-CN", "必填"), ("zh-TW", "必填"),
                                       ("en", "required")])
def test_messages_in_chosen_locale(runner: CliRunner, tmp_path: Path, code: str, word: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("title: x\ndate: 2026-11-27\nattendees:\n  - role: PM\n", encoding="utf-8")
    result = run(runner, "validate", "minutes", str(f), "-l", code)
    assert result.exit_code == 1
    assert word in result.stderr


def test_record_locale_drives_messages(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("locale: zh-TW\ntitle: x\ndate: 2026-11-27\nattendees:\n  - role: PM\n",
                 encoding="utf-8")
    result = run(runner, "render", "minutes", str(f), "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "必填" in result.stderr and "姓名" in result.stderr


@pytest.mark.parametrize("content,expected", [
    ("title: [unclosed\n", "1"),
    ("", "empty"),
    ("- title: a\n- title: b\n", "list"),
])
def test_unreadable_input(runner: CliRunner, tmp_path: Path, content: str, expected: str) -> None:
    f = tmp_path / "x.yaml"
    f.write_text(content, encoding="utf-8")
    result = run(runner, "render", "minutes", str(f), "-o", str(tmp_path / "o"), "-l", "en")
    assert result.exit_code == 1
    assert str(f) in result.stderr and expected in result.stderr
    assert not (tmp_path / "o").exists()


def test_missing_and_unknown_files(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "render", "minutes", str(tmp_path / "nope.yaml"), "-l", "en")
    assert result.exit_code == 1 and "not found" in result.stderr
    txt = tmp_path / "data.txt"
    txt.write_text("title: x", encoding="utf-8")
    result = run(runner, "render", "minutes", str(txt), "-l", "en")
    assert result.exit_code == 1 and ".txt" in result.stderr
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04")
    result = run(runner, "render", "minutes", str(binary), "-l", "en")
    assert result.exit_code == 1 and "binary" in result.stderr


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    src = str(SAMPLES / "minutes" / "en.yaml")
    assert run(runner, "render", "minutes", src, "-f", "odt").exit_code == 2
    assert run(runner, "render", "minutes", src, "-l", "fr").exit_code == 2
    assert run(runner, "render", "minutes").exit_code == 2
    assert run(runner, "frobnicate").exit_code == 2


def test_broken_template_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "t.docx"
    doc = Document()
    doc.add_paragraph("Hello")
    doc.add_paragraph("{{ title }")
    doc.save(str(bad))
    result = run(runner, "render", "minutes", str(SAMPLES / "minutes" / "en.yaml"),
                 "--template", str(bad), "-o", str(tmp_path / "o"), "-l", "en")
    assert result.exit_code == 3
    assert "word/document.xml" in result.stderr and "¶2" in result.stderr
    assert not (tmp_path / "o").exists()


def test_undefined_variable_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    tpl = tmp_path / "t.docx"
    doc = Document()
    doc.add_paragraph("Title: {{ title }}")
    doc.add_paragraph("Budget: {{ budgte }}")
    doc.save(str(tpl))
    data = tmp_path / "d.yaml"
    data.write_text("title: x\n", encoding="utf-8")
    result = run(runner, "fill", str(tpl), str(data), "-o", str(tmp_path / "out.docx"), "-l", "en")
    assert result.exit_code == 3
    assert "budgte" in result.stderr and "¶2" in result.stderr
    assert not (tmp_path / "out.docx").exists()


def test_fill_any_template(runner: CliRunner, tmp_path: Path) -> None:
    tpl = tmp_path / "letter.docx"
    doc = Document()
    doc.add_paragraph("Dear {{ name }}, total {{ amount|money }} ({{ amount|amount_words }})")
    doc.save(str(tpl))
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"name": "왕 팀장", "amount": 1680.32}), encoding="utf-8")
    out = tmp_path / "letter-out.docx"
    result = run(runner, "fill", str(tpl), str(data), "-o", str(out), "-l", "zh-CN")
    assert result.exit_code == 0, result.output
    text = Document(str(out)).paragraphs[0].text
    assert text == "Dear 왕 팀장, total ¥1,680.32 (人民币壹仟陆佰捌拾元零叁角贰分)"


def test_template_fields_and_new(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "mine.docx"
    result = run(runner, "template", "new", "minutes", "-o", str(out))
    assert result.exit_code == 0 and out.is_file()
    fields = run(runner, "template", "fields", str(out)).stdout.split()
    assert {"title", "attendees", "action_items"} <= set(fields)
    assert "_" not in fields
    assert run(runner, "template", "new", "minutes", "-o", str(out)).exit_code == 4
    assert run(runner, "template", "check", str(out), "--kind", "minutes").exit_code == 0


def test_python_m_docgen() -> None:
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "docgen", "--version"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and docgen.__version__ in proc.stdout


def _letter(tmp_path: Path) -> Path:
    tpl = tmp_path / "t.docx"
    doc = Document()
    doc.add_paragraph("Hello {{ title }}")
    doc.add_paragraph("Total: {{ amount|money }}")
    doc.save(str(tpl))
    return tpl


def test_filter_on_missing_value_names_the_variable(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text("title: x\n", encoding="utf-8")
    result = run(runner, "fill", str(_letter(tmp_path)), str(data), "-o", str(tmp_path / "o.docx"),
                 "-l", "en")
    assert result.exit_code == 3
    assert "'amount' is not in the data" in result.stderr and "¶2" in result.stderr


def test_filter_on_bad_value_is_a_template_error(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text("title: x\namount: lots\n", encoding="utf-8")
    result = run(runner, "fill", str(_letter(tmp_path)), str(data), "-o", str(tmp_path / "o.docx"),
                 "-l", "en")
    assert result.exit_code == 3
    assert "money" in result.stderr and "lots" in result.stderr
    assert "Traceback" not in result.output


def test_output_folder_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run(runner, "render", "minutes", str(SAMPLES / "minutes" / "en.yaml"),
                 "-o", str(blocker), "-l", "en")
    assert result.exit_code == 4
    assert "cannot write" in result.stderr
