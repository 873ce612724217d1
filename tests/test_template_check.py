"""Template diagnostics (`docgen template check` / `template fields`): every problem
of a template at once, located by part and paragraph (Word) or sheet and cell
(Excel), in the user's language, never a traceback."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Optional

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl.comments import Comment

from docgen import kinds
from docgen.cli import main
from docgen.diagnostics import (
    UNKNOWN_VARIABLE,
    TemplateProblem,
    check_template,
    inspect_template,
)
from docgen.template import Template
from tests.engine.docx_builders import body_docx, build_docx, p, run, tbl
from tests.support import REPO

DOC = "word/document.xml"
HEADER = "word/header1.xml"
FOOTER = "word/footer1.xml"


def kind(name: str) -> kinds.Kind:
    found = kinds.get(name)
    assert found is not None
    return found


def where(problem: TemplateProblem) -> tuple[Any, ...]:
    """A problem's code and location, for exact comparisons."""
    loc = problem.location
    if loc.sheet is not None:
        return (problem.code, loc.sheet, loc.cell)
    return (problem.code, loc.part, loc.paragraph)


def check(data: bytes, kind_name: Optional[str] = None, name: str = "t.docx"
          ) -> list[TemplateProblem]:
    return check_template(data, kind(kind_name) if kind_name else None, name=name)


def save_book(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# ================================================================ Word: syntax

def test_a_syntax_error_is_located_with_the_paragraph_text() -> None:
    problems = check(body_docx(p("Hello"), p("Total: {{ amount ) }}"), p("Bye")))
    assert [where(x) for x in problems] == [("syntax", DOC, 2)]
    assert problems[0].excerpt == "Total: {{ amount ) }}"
    assert problems[0].is_error and problems[0].location.file == "t.docx"
    assert "unexpected ')'" in problems[0].text()


def test_every_broken_tag_of_a_part_is_reported() -> None:
    problems = check(body_docx(p("{{ a ) }}"), p("fine {{ b }}"), p("{{ }}"),
                               p("{% for x in %}{{ x }}{% endfor %}"), p("{{ c | }}")))
    assert [where(x) for x in problems] == [
        ("syntax", DOC, 1), ("syntax", DOC, 3), ("syntax", DOC, 4), ("syntax", DOC, 5)]
    assert [x.excerpt for x in problems] == [
        "{{ a ) }}", "{{ }}", "{% for x in %}{{ x }}{% endfor %}", "{{ c | }}"]


def test_a_broken_tag_split_over_runs_quotes_the_healed_paragraph() -> None:
    problems = check(body_docx(p("ok"), p(run("Dear {{ na", bold=True), run("me ) }}!"))))
    assert [where(x) for x in problems] == [("syntax", DOC, 2)]
    assert problems[0].excerpt == "Dear {{ name ) }}!"


def test_each_part_is_checked_on_its_own() -> None:
    tpl = build_docx([p("Body {{ a ) }}")], header=[p("Head"), p("{{ }}")],
                     footer=[p("{% if page %}")], core_title="{{ title ) }}")
    problems = check(tpl)
    assert [where(x) for x in problems] == [  # body, headers, footers, then the rest
        ("syntax", DOC, 1), ("syntax", HEADER, 2), ("unclosed", FOOTER, 1),
        ("syntax", "docProps/core.xml", None)]


def test_unclosed_tags_in_several_paragraphs_are_all_reported() -> None:
    problems = check(body_docx(p("Dear {{ name"), p("fine"), p("Total {{ total }"),
                               p("{% if x")))
    assert [where(x) for x in problems] == [
        ("unclosed", DOC, 1), ("unclosed", DOC, 3), ("unclosed", DOC, 4)]
    assert problems[0].excerpt == "Dear {{ name"
    assert problems[0].params["closer"] == "}}"


def test_an_unclosed_block_is_reported_at_its_opening_tag_once() -> None:
    problems = check(body_docx(p("Intro"), p("{% if vip %}"), p("VIP text"), p("The end")))
    assert [where(x) for x in problems] == [("unclosed", DOC, 2)]
    assert problems[0].params == {"tag": "{% if vip %}", "closer": "{% endif %}"}
    assert problems[0].text() == "'{% if vip %}' is never closed (add '{% endif %}')"


def test_level_tags_are_closed_with_their_level() -> None:
    tpl = body_docx(tbl([["{%tr for r in rows %}"], ["{{ r }}"]]), p("{%p if x %}"), p("x"))
    problems = check(tpl)
    assert [where(x) for x in problems] == [("unclosed", DOC, 1), ("unclosed", DOC, 3)]
    assert [x.params["closer"] for x in problems] == ["{%tr endfor %}", "{%p endif %}"]


def test_an_end_tag_without_opening_tag() -> None:
    problems = check(body_docx(p("a"), p("{% endfor %}"), p("b {{ c }}")))
    assert [where(x) for x in problems] == [("unclosed", DOC, 2)]
    assert problems[0].text() == "'{% endfor %}' has no matching opening tag"


def test_crossed_blocks_are_one_problem_at_the_misplaced_end_tag() -> None:
    problems = check(body_docx(p("{% if a %}"), p("{% for y in ys %}{{ y }}"),
                               p("{% endif %}"), p("{% endfor %}")))
    assert [where(x) for x in problems] == [("syntax", DOC, 3)]
    assert "endif" in problems[0].text()


def test_a_forgotten_end_tag_and_a_bad_expression_are_both_reported() -> None:
    problems = check(body_docx(p("{% for it in items %}"), p("{{ it.name ) }}"),
                               p("no endfor"), p("{{ total }}")))
    assert [where(x) for x in problems] == [("unclosed", DOC, 1), ("syntax", DOC, 2)]


# Correct tags around one broken paragraph: nothing but the broken one is reported.
CORRECT = [
    p("{% for it in items %}"), p("{{ loop.index }}. {{ it.name }}"), p("{% else %}none"),
    p("{% endfor %}"),
    p("{% if a %}A{% elif b %}B{% else %}C{% endif %}"),
    p("{%p if flag %}"), p("flagged"), p("{%p endif %}"),
    tbl([["{%tr for r in rows %}"], ["{{ r.x }}"], ["{%tr endfor %}"]]),
    p("{% set total = 3 %}{{ total }} {% set block %}text{% endset %}{{ block }}"),
    p("{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(1) }}"),
    p("{% raw %}{{ not a tag ) }}{% endraw %}"),
    p("{# a comment with {{ braces #}"),
    p("{{ _('Total') }} {{ amount|money }} {{ '%s'|format(1) }}"),
    p("{% with q = 1 %}{{ q }}{% endwith %} {% filter upper %}x{% endfilter %}"),
    p("literal {_{ braces }_} stay"),
]


def test_correct_tags_are_never_reported() -> None:
    assert check(body_docx(*CORRECT)) == []
    problems = check(body_docx(*CORRECT, p("broken {{ x ) }}"), *CORRECT))
    before = sum(fragment.count("<w:p>") for fragment in CORRECT)
    assert [where(x) for x in problems] == [("syntax", DOC, before + 1)]
    assert problems[0].excerpt == "broken {{ x ) }}"


def test_broken_xml_and_packages() -> None:
    good = body_docx(p("x"))
    src = io.BytesIO(good)
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == DOC:
                data = data.replace(b"</w:body>", b"<w:p>{{ x }}</w:body>")
            zout.writestr(n, data)
    assert [where(x) for x in check(out.getvalue())] == [("xml", DOC, None)]
    assert [x.code for x in check(b"not a zip")] == ["package"]


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    problems = check_template(tmp_path / "missing.docx")
    assert [x.code for x in problems] == ["read"]
    assert problems[0].location.file == str(tmp_path / "missing.docx")


def test_unknown_filters_are_reported_with_other_errors() -> None:
    problems = check(body_docx(p("{{ a | no_such_filter }}"), p("ok"), p("{{ b ) }}")))
    assert [where(x) for x in problems] == [("syntax", DOC, 1), ("syntax", DOC, 3)]
    assert "no_such_filter" in problems[0].text()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ a | no_such_filter }}"
    wb.active["B1"] = "{{ b }}"
    problems = check(save_book(wb), name="t.xlsx")
    assert [where(x) for x in problems] == [("syntax", "Sheet", "A1")]


def _mutants(data: bytes, member_names: tuple[str, ...], count: int,
             seed: str) -> list[bytes]:
    """Copies of a template with one to three tag characters dropped or doubled in
    the first of ``member_names`` that holds tags."""
    import random
    import re
    import zipfile
    rng = random.Random(seed)
    pattern = re.compile(r"\{\{|\}\}|\{%|%\}|\(|\)|\bendfor\b|\bendif\b|\|")
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    target = next(n for n in member_names if n in members and b"{{" in members[n])
    out = []
    for _ in range(count):
        text = members[target].decode("utf-8")
        for _ in range(rng.randint(1, 3)):
            at = rng.choice(list(pattern.finditer(text))).start()
            if rng.random() < 0.7:
                text = text[:at] + text[at + 1:]  # drop a character
            else:
                text = text[:at] + text[at] + text[at:]  # double it
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zout:
            for n, blob in members.items():
                zout.writestr(n, text.encode("utf-8") if n == target else blob)
        out.append(buf.getvalue())
    return out


@pytest.mark.parametrize("fmt, members, count", [
    ("docx", (DOC,), 40),
    ("xlsx", ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"), 6),
])
def test_check_agrees_with_the_engine_on_broken_variants(fmt: str, members: tuple[str, ...],
                                                         count: int) -> None:
    """Whenever loading fails, check reports errors (the first one among them); whenever
    it loads, check reports none."""
    import warnings
    from docgen.errors import TemplateError
    data = (REPO / "templates" / "invoice" / f"invoice.{fmt}").read_bytes()
    broken = 0
    for i, variant in enumerate(_mutants(data, members, count, fmt)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                Template(variant, name="t")
                first = None
            except TemplateError as exc:
                first = exc
        errors = [x for x in check_template(variant, name="t") if x.is_error]
        if first is None:
            assert errors == [], (i, [(where(x), x.text()) for x in errors])
        else:
            broken += 1
            assert errors, (i, str(first))
            assert first.location is not None
            if fmt == "xlsx":
                assert first.location in [x.location for x in errors], (i, str(first))
            else:
                assert first.location.part in {x.location.part for x in errors}, (i, str(first))
    assert broken > count // 2


# ======================================================= Word: unknown variables

def test_unknown_variables_with_a_kind() -> None:
    tpl = build_docx(
        [p("{{ titel }} on {{ date }}"),
         p("{% for it in action_items %}{{ it.owner }} {{ loop.index }}{% endfor %}"),
         p("{% set n = attendees|length %}{{ n }} {{ company.name }} {{ _('Total') }}"),
         p("Again {{ titel }} and {{ budget }}")],
        header=[p("{{ header_note }}")])
    problems = check(tpl, "minutes")
    assert [where(x) for x in problems] == [
        (UNKNOWN_VARIABLE, DOC, 1), (UNKNOWN_VARIABLE, DOC, 4), (UNKNOWN_VARIABLE, HEADER, 1)]
    assert [x.params["name"] for x in problems] == ["titel", "budget", "header_note"]
    assert problems[0].params["suggestion"] == "title"
    assert problems[0].text() == "'titel' is not a field of minutes (did you mean 'title'?)"
    assert problems[0].excerpt == "{{ titel }} on {{ date }}"
    assert "suggestion" not in problems[1].params
    assert problems[1].text() == "'budget' is not a field of minutes"
    assert check(tpl) == []  # without a kind nothing is unknown


def test_a_loop_variable_used_outside_its_loop_is_unknown() -> None:
    tpl = body_docx(p("{% for item in action_items %}{{ item }}{% endfor %}"),
                    p("Last: {{ item }}"))
    assert [where(x) for x in check(tpl, "minutes")] == [(UNKNOWN_VARIABLE, DOC, 2)]


def test_loops_over_paragraphs_and_rows_declare_their_variables() -> None:
    tpl = body_docx(p("{%p for a in attendees %}"), p("{{ a.name }}"), p("{%p endfor %}"),
                    tbl([["{%tr for d in decisions %}"], ["{{ d }} {{ loop.index }}"],
                         ["{%tr endfor %}"]]))
    assert check(tpl, "minutes") == []


def test_unknown_variables_are_found_in_a_broken_part_too() -> None:
    tpl = body_docx(p("{% for it in itemz %}"), p("{{ it.name }} {{ x ) }}"),
                    p("{% endfor %}"), p("{{ titel }}"))
    problems = check(tpl, "minutes")
    assert [where(x) for x in problems] == [
        (UNKNOWN_VARIABLE, DOC, 1), ("syntax", DOC, 2), (UNKNOWN_VARIABLE, DOC, 4)]
    assert [x.params.get("name") for x in problems] == ["itemz", None, "titel"]


def test_fields_match_the_engine() -> None:
    tpl = build_docx([p("{{ a }} {% for x in xs %}{{ x }}{% endfor %}")],
                     header=[p("{{ h }}")], core_title="{{ t }}")
    report = inspect_template(tpl)
    assert report.fields == Template(tpl).fields() == {"a", "xs", "h", "t"}


# ======================================================================== Excel

def test_every_bad_cell_and_row_block_is_reported_in_reading_order() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "견적"
    ws["B10"] = "{{ ok }} {{ bad ) }}"
    ws["B2"] = "{{ client. }}"
    ws["C2"] = "{{ a | }}"  # same row: both cells
    ws["A4"] = "{%tr for x in xs %}{{ x }}"
    ws["A6"] = "{%tr endif %}"
    ws["D3"] = "fine {{ good }}"
    two = wb.create_sheet("Two")
    two["A1"] = "{%tr while x %}"
    two["C1"] = "{{ y ) }}"
    two.oddHeader.center.text = "{{ page ) }}"
    problems = check(save_book(wb), name="t.xlsx")
    assert [where(x) for x in problems] == [
        ("syntax", "견적", "B2"), ("syntax", "견적", "C2"), ("unclosed", "견적", "A4"),
        ("unclosed", "견적", "A6"), ("syntax", "견적", "B10"),
        ("syntax", "Two", "A1"), ("syntax", "Two", "C1"), ("syntax", "Two", "oddHeader")]
    assert problems[0].excerpt == "{{ client. }}"
    assert problems[2].excerpt == "{%tr for x in xs %}"
    assert str(problems[0].location) == "t.xlsx:견적!B2"


def test_nested_unclosed_row_blocks_are_each_reported() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{%tr for g in groups %}{{ g }}"
    wb.active["A2"] = "{%tr if g.show %}{{ g.x }}"
    problems = check(save_book(wb), name="t.xlsx")
    assert [where(x) for x in problems] == [("unclosed", "Sheet", "A1"),
                                            ("unclosed", "Sheet", "A2")]


def test_excel_unknown_variables_by_cell() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{{ titel }}"
    ws["A2"] = "{% set z = 1 %}{{ z }} {{ date }}"
    ws["A3"] = "{%tr for it in itemz %}{{ it.name }}"
    ws["B3"] = "{{ loop.index }} {{ it.qty }}{%tr endfor %}"
    ws["B5"] = "{{ titel }} {{ company.name }}"
    ws.oddFooter.center.text = "{{ footer_note }}"
    problems = check(save_book(wb), "minutes", name="t.xlsx")
    assert [where(x) for x in problems] == [
        (UNKNOWN_VARIABLE, "Sheet", "A1"), (UNKNOWN_VARIABLE, "Sheet", "A3"),
        (UNKNOWN_VARIABLE, "Sheet", "oddFooter")]
    assert [x.params["name"] for x in problems] == ["titel", "itemz", "footer_note"]
    assert problems[0].params["suggestion"] == "title"
    assert problems[1].excerpt == "{% for it in itemz %}"


def test_excel_unknown_variables_in_a_sheet_with_bad_cells() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ titel }}"
    wb.active["A2"] = "{{ bad ) }}"
    wb.active["A3"] = "{%tr for it in action_items %}{{ it.owner }}{%tr endfor %}"
    problems = check(save_book(wb), "minutes", name="t.xlsx")
    assert [where(x) for x in problems] == [(UNKNOWN_VARIABLE, "Sheet", "A1"),
                                            ("syntax", "Sheet", "A2")]


def test_excel_layout_warnings_are_warnings_not_errors() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for x in xs %}{{ x }}{%tr endfor %}"
    ws["C5"] = "note"
    ws["C5"].comment = Comment("a comment", "me")
    problems = check(save_book(wb), name="t.xlsx")
    assert [(x.code, x.severity) for x in problems] == [("warning", "warning")]


# =========================================================================== CLI

@pytest.fixture
def broken_docx(tmp_path: Path) -> Path:
    path = tmp_path / "t.docx"
    path.write_bytes(build_docx([p("Hello"), p("Total: {{ amount ) }}"), p("{{ titel }}"),
                                 p("{{ x | }}")], header=[p("{{ }}")]))
    return path


def test_check_prints_every_problem_and_exits_3(broken_docx: Path, monkeypatch:
                                                pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken_docx.parent)
    result = run_cli("template", "check", "t.docx", "-l", "en")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "t.docx:word/document.xml:¶2: template syntax error: check the brackets, quotes and "
        "operators of this tag (unexpected ')')",
        "    Total: {{ amount ) }}",
        "t.docx:word/document.xml:¶4: template syntax error: check the brackets, quotes and "
        "operators of this tag (expected token 'name', got 'end of print statement')",
        "    {{ x | }}",
        "t.docx:word/header1.xml:¶1: template syntax error: check the brackets, quotes and "
        "operators of this tag (Expected an expression, got 'end of print statement')",
        "    {{ }}",
        "t.docx: 3 problem(s) found",
    ]
    assert result.stdout == ""


def test_check_with_kind_adds_unknown_variables(broken_docx: Path) -> None:
    result = run_cli("template", "check", str(broken_docx), "--kind", "minutes", "-l", "en")
    assert result.exit_code == 3
    assert (f"{broken_docx}:word/document.xml:¶3: 'titel' is not a field of minutes "
            "(did you mean 'title'?)") in result.stderr.splitlines()
    assert "Traceback" not in result.output


def test_check_json(broken_docx: Path) -> None:
    result = run_cli("template", "check", str(broken_docx), "--kind", "minutes", "--json",
                     "-l", "en")
    assert result.exit_code == 3
    items = json.loads(result.stdout)
    assert [(i["code"], i["part"], i["paragraph"]) for i in items] == [
        ("syntax", DOC, 2), (UNKNOWN_VARIABLE, DOC, 3), ("syntax", DOC, 4),
        ("syntax", HEADER, 1)]
    first, unknown = items[0], items[1]
    assert first["file"] == str(broken_docx) and first["severity"] == "error"
    assert first["excerpt"] == "Total: {{ amount ) }}"
    assert first["location"] == f"{broken_docx}:word/document.xml:¶2"
    assert unknown["variable"] == "titel" and unknown["suggestion"] == "title"


def test_check_json_for_excel(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["B2"] = "{{ a ) }}"
    path = tmp_path / "t.xlsx"
    path.write_bytes(save_book(wb))
    result = run_cli("template", "check", str(path), "--json")
    assert result.exit_code == 3
    (item,) = json.loads(result.stdout)
    assert (item["code"], item["cell"], item["sheet"]) == ("syntax", "Sheet!B2", "Sheet")


def test_check_ok_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.docx"
    doc = Document()
    doc.add_paragraph("{{ title }} {% for a in attendees %}{{ a.name }}{% endfor %}")
    doc.save(str(path))
    result = run_cli("template", "check", str(path), "--kind", "minutes", "-l", "en")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"{path}: OK"
    result = run_cli("template", "check", str(path), "--kind", "minutes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_check_usage_and_read_errors(tmp_path: Path) -> None:
    path = tmp_path / "ok.docx"
    Document().save(str(path))
    assert run_cli("template", "check", str(path), "--kind", "nokind").exit_code == 2
    missing = run_cli("template", "check", str(tmp_path / "missing.docx"), "-l", "en")
    assert missing.exit_code == 3
    assert "cannot read the template" in missing.stderr and "Traceback" not in missing.output
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"junk")
    result = run_cli("template", "check", str(junk), "-l", "en")
    assert result.exit_code == 3 and "not a readable .docx file" in result.stderr


def test_fields_lists_variables_or_every_problem(tmp_path: Path, broken_docx: Path) -> None:
    path = tmp_path / "ok.docx"
    doc = Document()
    doc.add_paragraph("{{ title }} {% for a in attendees %}{{ a.name }}{% endfor %}")
    doc.save(str(path))
    result = run_cli("template", "fields", str(path))
    assert result.exit_code == 0 and result.stdout.split() == ["attendees", "title"]
    result = run_cli("template", "fields", str(broken_docx), "-l", "en")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert sum(" template syntax error: " in line for line in result.stderr.splitlines()) == 3


# ============================================================ built-in templates

BUILT_IN = sorted((k, fmt) for k in kinds.available() for fmt in ("docx", "xlsx")
                  if (REPO / "templates" / k / f"{k}.{fmt}").is_file())


@pytest.mark.parametrize("kind_name, fmt", BUILT_IN)
def test_built_in_templates_check_clean(kind_name: str, fmt: str) -> None:
    path = REPO / "templates" / kind_name / f"{kind_name}.{fmt}"
    report = inspect_template(path, kind(kind_name))
    assert [(where(x), x.text()) for x in report.problems] == []
    assert report.fields == Template(path).fields()
    assert report.fields <= kind(kind_name).provided_names()


def test_every_built_in_template_is_covered() -> None:
    assert len(BUILT_IN) == 2 * len(kinds.available())


# ================================================================= localisation

def _all_new_messages(tmp_path: Path) -> Path:
    path = tmp_path / "t.docx"
    path.write_bytes(body_docx(p("{% if a %}"), p("{% endfor %}"), p("{{ titel }}")))
    return path


# Runs once the translations in /tmp/messages_template.yaml are merged into the catalogs.
@pytest.mark.parametrize("code", ["ko", "zh-CN", "zh-TW"])
def test_new_messages_are_localized_after_merge(code: str, tmp_path: Path) -> None:
    path = _all_new_messages(tmp_path)
    for args in (["--kind", "minutes"], []):
        result = run_cli("template", "check", str(path), *args, "-l", code)
        assert result.exit_code == 3
        for english in ("is never closed", "has no matching opening tag", "is not a field",
                        "did you mean", "problem(s) found"):
            assert english not in result.stderr, (code, english, result.stderr)
    en = run_cli("template", "check", str(path), "--kind", "minutes", "-l", "en").stderr
    assert "is never closed" in en and "has no matching opening tag" in en
    assert "did you mean 'title'?" in en and "problem(s) found" in en
