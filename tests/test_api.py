"""The record-level library API (issue 10, point 6), used directly — no CLI."""
from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from docx import Document

import docgen
from docgen import (
    DocgenError,
    InputError,
    Problem,
    TemplateError,
    UsageError,
    ValidationFailed,
    check_template,
    render_record,
    validate_record,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def sample(kind: str, code: str = "ko") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SAMPLES / kind / f"{code}.yaml").read_text("utf-8"))
    return data


def docx_text(blob: bytes) -> str:
    doc = Document(io.BytesIO(blob))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_exports() -> None:
    for name in ("validate_record", "render_record", "check_template", "Problem", "Template",
                 "DocgenError", "InputError", "TemplateError", "UsageError", "OutputError",
                 "ValidationFailed", "MissingValuesError"):
        assert name in docgen.__all__ and hasattr(docgen, name)
    assert issubclass(ValidationFailed, InputError) and issubclass(InputError, DocgenError)


# --- validate_record -----------------------------------------------------------------------

def test_valid_record_has_no_problems() -> None:
    assert validate_record("minutes", sample("minutes")) == []


def test_problems_are_data_said_in_any_language() -> None:
    problems = validate_record("minutes", {"title": "Kick-off", "date": "2026-13-01"},
                               locale="en")
    assert all(isinstance(p, Problem) for p in problems)
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"attendees", "date"}
    date = by_path["date"]
    assert date.code == "date" and date.is_error and date.location.file == "<data>"
    assert date.template.startswith("'{value}'") and date.params["value"] == "2026-13-01"
    assert date.message == date.text("en")
    assert date.text("en").startswith("date: '2026-13-01' is not a valid date")
    assert date.text("ko").startswith("date (회의 일자): ")
    assert date.text("ko") != date.text("en") and date.text("zh-CN") != date.text("zh-TW")


def test_validate_record_speaks_the_records_locale_by_default() -> None:
    (problem,) = validate_record("minutes", {**sample("minutes"), "date": "x", "locale": "zh-CN"})
    assert problem.locale == "zh-CN" and problem.message == problem.text("zh-CN")


def test_validate_record_does_not_modify_the_data() -> None:
    data = sample("weekly")
    data["tasks"][0]["status"] = "완료"  # a label, accepted as its code
    before = repr(data)
    assert validate_record("weekly", data) == []
    assert repr(data) == before


def test_unknown_kind_and_locale_are_usage_errors() -> None:
    with pytest.raises(UsageError) as err:
        validate_record("nokind", {})
    assert err.value.exit_code == 2 and "minutes" in str(err.value)
    with pytest.raises(UsageError):
        validate_record("minutes", {}, locale="xx")
    with pytest.raises(InputError):
        validate_record("minutes", ["not", "a", "record"])  # type: ignore[arg-type]


# --- render_record -------------------------------------------------------------------------

def test_render_record_gives_bytes_per_format() -> None:
    out = render_record("minutes", sample("minutes"), formats=("docx", "xlsx"))
    assert list(out) == ["docx", "xlsx"]
    assert "루미엘" in docx_text(out["docx"])
    book = openpyxl.load_workbook(io.BytesIO(out["xlsx"]))
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert any("루미엘" in v for v in cells)


def test_render_record_is_deterministic_and_follows_the_locale() -> None:
    data = sample("minutes", "en")
    a = render_record("minutes", data)["docx"]
    assert a == render_record("minutes", data)["docx"]
    zh = render_record("minutes", data, locale="zh-CN")["docx"]
    assert zh != a and "会议" in docx_text(zh)


def test_render_record_locale_policy_profile_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.profile import Profile

    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    data = {k: v for k, v in sample("minutes", "en").items() if k != "locale"}
    by_profile = render_record("minutes", data, profile=Profile(default_locale="zh-TW"))
    assert "會議" in docx_text(by_profile["docx"])
    monkeypatch.setenv("DOCGEN_LOCALE", "zh-CN")
    assert "会议" in docx_text(render_record("minutes", data)["docx"])


def test_render_record_invalid_data_raises_every_problem() -> None:
    with pytest.raises(ValidationFailed) as err:
        render_record("minutes", {"title": "x"})
    assert err.value.exit_code == 1
    assert {p.path for p in err.value.problems} >= {"attendees", "date"}


def test_render_record_with_a_custom_template() -> None:
    doc = Document()
    doc.add_paragraph("TITLE={{ title }} | {{ date | date('long') }}")
    buf = io.BytesIO()
    doc.save(buf)
    out = render_record("minutes", sample("minutes", "en"), template=docgen.Template(buf.getvalue()))
    assert "TITLE=" in docx_text(out["docx"]) and "2026" in docx_text(out["docx"])
    with pytest.raises(UsageError):  # a Word template, but only Excel asked for
        render_record("minutes", sample("minutes"), formats=("xlsx",),
                      template=docgen.Template(buf.getvalue()))


def test_render_record_missing_values() -> None:
    doc = Document()
    doc.add_paragraph("{{ title }} {{ nothing_here }}")
    buf = io.BytesIO()
    doc.save(buf)
    tpl = docgen.Template(buf.getvalue())
    with pytest.raises(TemplateError):
        render_record("minutes", sample("minutes"), template=tpl)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = render_record("minutes", sample("minutes"), template=tpl, missing="blank")
    assert out["docx"][:2] == b"PK"
    assert any(isinstance(w.message, docgen.DocgenWarning) for w in caught)


def test_render_record_bad_format() -> None:
    with pytest.raises(UsageError):
        render_record("minutes", sample("minutes"), formats=("odt",))


# --- check_template --------------------------------------------------------------------------

def test_check_template(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{{ titel }}")
    doc.add_paragraph("{% if x %}")  # x: not a field either
    path = tmp_path / "t.docx"
    doc.save(str(path))
    problems = check_template(path, "minutes")
    assert sorted(p.code for p in problems) == ["unclosed", "unknown_variable", "unknown_variable"]
    problems = [p for p in problems if p.params.get("name") != "x"]
    assert all(isinstance(p, Problem) for p in problems)
    assert problems[0].code == "unknown_variable" and problems[0].params["suggestion"] == "title"
    assert problems[0].location.paragraph == 1 and problems[0].excerpt == "{{ titel }}"
    assert check_template(path)[0].code == "unclosed"  # without a kind: syntax only
    assert check_template(path.read_bytes())[0].location.file == "<template>"


def test_builtin_templates_check_clean() -> None:
    from docgen.kinds import get

    kind = get("minutes")
    assert kind is not None
    assert [p for p in check_template(kind.template_path("docx"), "minutes") if p.is_error] == []


# --- the CLI and batch are built on these stages ----------------------------------------------

def test_render_file_and_batch_use_the_api_stages() -> None:
    import inspect

    from docgen import batch, pipeline

    source = inspect.getsource(pipeline.render_file)
    assert "prepare(" in source and "render_templates(" in source
    assert "build_context" not in inspect.getsource(pipeline)
    assert "build_context" not in inspect.getsource(batch)
    assert pipeline.load_templates is docgen.api.load_templates
    assert pipeline.get_kind is docgen.api.get_kind
