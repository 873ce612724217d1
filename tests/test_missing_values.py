"""Values a template reads that the data lacks: all reported at once, each located;
``--missing blank`` / ``missing="blank"`` renders them empty with a warning each."""
from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any, Optional, Protocol

import openpyxl
import pytest
from click.testing import CliRunner, Result
from docx import Document

import docgen
from docgen.cli import main
from docgen.errors import DocgenWarning, SourceLocation, TemplateError
from docgen.render.missing import MissingValuesError
from tests.support import SAMPLES, plain_docx as _docx

DOC = "word/document.xml"


def _xlsx(cells: dict[str, str]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "견적"
    for ref, text in cells.items():
        ws[ref] = text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _texts(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


class _Located(Protocol):
    @property
    def location(self) -> Optional[SourceLocation]: ...


def _at(item: _Located) -> SourceLocation:
    """Where an error or warning is (each one here has a location)."""
    assert item.location is not None
    return item.location


def _blank(tpl: docgen.Template, context: dict[str, Any], **kw: object) -> tuple[bytes, list[DocgenWarning]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DocgenWarning)
        out = tpl.render(context, missing="blank", **kw)  # type: ignore[arg-type]
    return out, [w.message for w in caught if isinstance(w.message, DocgenWarning)]


LETTER = _docx("Dear {{ name }},", "Client: {{ clinet }} / {{ client.tax_id }}",
               "{% for t in tasks %}{{ t }}{% endfor %}{{ budget|money }}",
               "Total {{ (qty * price)|number }}")


# ---------------------------------------------------------------- strict: every one

def test_every_missing_value_is_reported_at_once_each_at_its_paragraph() -> None:
    with pytest.raises(MissingValuesError) as info:
        docgen.Template(LETTER, name="letter.docx").render({"name": "왕", "client": {}})
    err = info.value
    assert err.code == "undefined" and err.exit_code == 3
    found = [(_at(e).paragraph, e.params["detail"].params["name"]) for e in err.errors]
    assert found == [(2, "clinet"), (2, "tax_id"), (3, "tasks"), (3, "budget"), (4, "qty"),
                     (4, "price")]
    assert all(_at(e).part == DOC for e in err.errors)
    assert err.errors[0].excerpt == "Client: {{ clinet }} / {{ client.tax_id }}"
    text = str(err)
    assert text.startswith("6 values the template reads are not in the data")
    assert "letter.docx:word/document.xml:¶2: undefined variable: 'clinet' is not in the data" in text
    assert "¶2: undefined variable: the value has no field 'tax_id'" in text


def test_one_missing_value_reads_as_before() -> None:
    with pytest.raises(TemplateError) as info:
        docgen.Template(_docx("a", "{{ x }}"), name="t.docx").render({})
    assert str(info.value) == ("t.docx:word/document.xml:¶2: undefined variable: 'x' is not in "
                               "the data (check the spelling, or add it to the data)\n    {{ x }}")


def test_a_missing_value_in_a_table_loop_is_reported_once() -> None:
    tpl = docgen.Template(_docx("{% for r in rows %}{{ r.name }}{{ r.nmae }}{% endfor %}"))
    with pytest.raises(MissingValuesError) as info:
        tpl.render({"rows": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})
    assert [e.params["detail"].params["name"] for e in info.value.errors] == ["nmae"]


def test_excel_every_missing_value_at_its_template_cell() -> None:
    book = _xlsx({"A1": "{{ title }}", "B1": "작성: {{ author }}",
                  "A3": "{%tr for it in items %}{{ it.name }}", "B3": "{{ it.qty|number(2) }}",
                  "C3": "t {{ it.unit }}{%tr endfor %}",
                  "A5": "{%tr for r in rows %}{{ r }}{%tr endfor %}"})
    with pytest.raises(MissingValuesError) as info:
        docgen.Template(book, name="q.xlsx").render({"items": [{"name": "a"}, {"qty": 1}]})
    found = [(_at(e).sheet, _at(e).cell, e.params["detail"].params["name"])
             for e in info.value.errors]
    assert found == [("견적", "A1", "title"), ("견적", "B1", "author"), ("견적", "A3", "name"),
                     ("견적", "B3", "qty"), ("견적", "C3", "unit"), ("견적", "A5", "rows")]


def test_defaults_and_defined_tests_are_not_missing() -> None:
    tpl = docgen.Template(_docx('{{ nick|default("n/a") }}{% if x is defined %}{{ x }}{% endif %}'))
    assert _texts(tpl.render({})) == ["n/a"]


def test_the_sandbox_still_refuses_in_blank_mode() -> None:
    with pytest.raises(TemplateError) as info:
        docgen.Template(_docx("{{ ''.__class__.__mro__ }}")).render({}, missing="blank")
    assert info.value.code == "sandbox"


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        docgen.Template(_docx("x")).render({}, missing="empty")


# ---------------------------------------------------------------------- blank: drafts

def test_blank_mode_word_leaves_values_empty_and_warns_about_each() -> None:
    tpl = docgen.Template(_docx(
        "Dear {{ name }}, {{ client.tax_id }}|{{ boss.name.first }}|",
        "{% for t in tasks %}<{{ t.title }}>{% endfor %}|{{ tasks|length }}|{{ tasks|join(', ') }}",
        "{{ budget|money }}|{{ due|date('long') }}|{{ memo|upper }}|{{ (qty * 2 + 1)|number }}",
        "{% if vip %}VIP{% else %}regular{% endif %}|{{ items|sum(attribute='x') }}",
        "{{ image(logo, 30) }}|{{ docgen.image(logo, 30) }}|end"), name="d.docx")
    out, caught = _blank(tpl, {"name": "왕", "client": {}, "items": [{"x": 1}, {"y": 2}]},
                         locale="zh-CN")
    assert _texts(out) == ["Dear 왕, ||", "|0|", "|||", "regular|", "||end"]
    names = [w.params["detail"].params["name"] for w in caught]
    assert names == ["tax_id", "boss", "tasks", "budget", "due", "memo", "qty", "vip", "x",
                     "logo"]
    assert all(w.location is not None and w.location.part == DOC for w in caught)
    assert [_at(w).paragraph for w in caught][:3] == [1, 1, 2]


def test_blank_mode_excel_cells_are_empty_and_numbers_stay_numbers() -> None:
    book = _xlsx({"A1": "{{ title }}", "B1": "{{ total }}", "C1": "x{{ note }}y",
                  "A3": "{%tr for it in items %}{{ it.name }}", "B3": "{{ it.qty }}{%tr endfor %}"})
    out, caught = _blank(docgen.Template(book, name="q.xlsx"),
                         {"total": 12.5, "items": [{"name": "a", "qty": 2}, {"qty": 3}]})
    ws = openpyxl.load_workbook(io.BytesIO(out)).active
    assert (ws["A1"].value, ws["B1"].value, ws["C1"].value) == (None, 12.5, "xy")
    assert [(ws[f"A{r}"].value, ws[f"B{r}"].value) for r in (3, 4)] == [("a", 2), (None, 3)]
    assert [(_at(w).cell, w.params["detail"].params["name"]) for w in caught] == [
        ("A1", "title"), ("C1", "note"), ("A3", "name")]


# ----------------------------------------------------------------------------- CLI

def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def letter(tmp_path: Path) -> tuple[Path, Path]:
    tpl = tmp_path / "letter.docx"
    tpl.write_bytes(_docx("Dear {{ name }},", "Budget: {{ budgte }}", "Due {{ due|date }}"))
    data = tmp_path / "d.yaml"
    data.write_text("name: 왕 팀장\n", encoding="utf-8")
    return tpl, data


@pytest.mark.parametrize("locale, head, line", [
    ("en", "Error: 2 values the template reads are not in the data (add them, or use "
           "--missing blank for a draft):",
     "undefined variable: 'budgte' is not in the data (check the spelling, or add it to the data)"),
    ("ko", "오류: 템플릿이 읽는 값 2개가 데이터에 없습니다 (데이터에 추가하거나, 초안이면 "
           "--missing blank를 쓰세요):",
     "정의되지 않은 변수: 'budgte'이(가) 데이터에 없습니다(철자를 확인하거나 데이터에 추가하세요)"),
])
def test_fill_lists_every_missing_value_and_writes_nothing(runner: CliRunner, tmp_path: Path,
                                                           letter: tuple[Path, Path],
                                                           locale: str, head: str,
                                                           line: str) -> None:
    tpl, data = letter
    out = tmp_path / "out.docx"
    result = _run(runner, "fill", str(tpl), str(data), "-o", str(out), "-l", locale)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == head
    assert f"  {tpl}:word/document.xml:¶2: " in result.stderr and line in result.stderr
    assert f"  {tpl}:word/document.xml:¶3: " in result.stderr and "'due'" in result.stderr
    assert "      Budget: {{ budgte }}" in lines
    assert not out.exists()


@pytest.mark.parametrize("locale, left_blank", [("en", "left blank: "), ("ko", "빈칸으로 둠: "),
                                                 ("zh-TW", "已留空：")])
def test_fill_missing_blank_writes_the_draft_and_warns(runner: CliRunner, tmp_path: Path,
                                                       letter: tuple[Path, Path], locale: str,
                                                       left_blank: str) -> None:
    tpl, data = letter
    out = tmp_path / "out.docx"
    result = _run(runner, "fill", str(tpl), str(data), "-o", str(out), "-l", locale,
                  "--missing", "blank")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert _texts(out.read_bytes()) == ["Dear 왕 팀장,", "Budget: ", "Due "]
    warned = [ln for ln in result.stderr.splitlines() if left_blank in ln]
    assert len(warned) == 2
    assert f"{tpl}:word/document.xml:¶2: {left_blank}" in warned[0] and "budgte" in warned[0]
    assert f"{tpl}:word/document.xml:¶3: {left_blank}" in warned[1] and "due" in warned[1]


def test_render_with_a_custom_template_missing_blank(runner: CliRunner, tmp_path: Path) -> None:
    tpl = tmp_path / "w.xlsx"
    tpl.write_bytes(_xlsx({"A1": "{{ client.name }}", "B1": "{{ po_number }}"}))
    out = tmp_path / "o"
    args = ["render", "weekly", str(SAMPLES / "weekly" / "ko.yaml"), "-o", str(out), "-f", "xlsx",
            "--template", str(tpl), "-l", "en"]
    strict = _run(runner, *args)
    assert strict.exit_code == 3
    assert f"{tpl}:견적!B1: undefined variable: 'po_number' is not in the data" in strict.stderr
    assert not out.exists() or not list(out.iterdir())
    draft = _run(runner, *args, "--missing", "blank")
    assert draft.exit_code == 0, draft.stderr
    assert f"Warning: {tpl}:견적!B1: left blank: 'po_number'" in draft.stderr
    ws = openpyxl.load_workbook(draft.stdout.strip()).active
    assert (ws["A1"].value, ws["B1"].value) == ("한라식품", None)


def test_batch_missing_blank_and_strict(runner: CliRunner, tmp_path: Path) -> None:
    tpl = tmp_path / "w.docx"
    tpl.write_bytes(_docx("{{ client.name }}", "PO {{ po_number }}"))
    data = SAMPLES / "batch" / "weekly_tasks.xlsx"
    strict = _run(runner, "batch", "weekly", str(data), "--group-by", "고객사", "-j", "1",
                  "--template", str(tpl), "-o", str(tmp_path / "a"), "-l", "en", "-q")
    assert strict.exit_code == 3
    assert "'po_number' is not in the data" in strict.stderr
    assert not list((tmp_path / "a").glob("*.docx"))
    draft = _run(runner, "batch", "weekly", str(data), "--group-by", "고객사", "-j", "1",
                 "--template", str(tpl), "-o", str(tmp_path / "b"), "-l", "en", "-q",
                 "--missing", "blank")
    assert draft.exit_code == 0, draft.stderr
    written = sorted((tmp_path / "b").glob("*.docx"))
    assert len(written) == 4
    assert all(_texts(p.read_bytes())[1] == "PO " for p in written)
    assert "left blank: 'po_number'" in draft.stderr


def test_batch_workers_warnings_reach_the_terminal_once(runner: CliRunner, tmp_path: Path) -> None:
    # Pool workers' warnings are returned with their results and said again by the parent:
    # four documents missing the same value give one warning, not none and not four.
    tpl = tmp_path / "w.docx"
    tpl.write_bytes(_docx("{{ client.name }}", "PO {{ po_number }}"))
    data = SAMPLES / "batch" / "weekly_tasks.xlsx"
    draft = _run(runner, "batch", "weekly", str(data), "--group-by", "고객사", "-j", "2",
                 "--template", str(tpl), "-o", str(tmp_path / "b"), "-l", "en", "-q",
                 "--missing", "blank")
    assert draft.exit_code == 0, draft.stderr
    assert len(sorted((tmp_path / "b").glob("*.docx"))) == 4
    warned = [ln for ln in draft.stderr.splitlines() if "left blank: 'po_number'" in ln]
    assert len(warned) == 1, draft.stderr
