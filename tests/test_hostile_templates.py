"""Hostile templates (issue 15): a block tag whose start and end sit at different
depths of the document (a paragraph and a table cell, a paragraph and a content
control), docxtpl's ``{%-``/``-%}`` joins across a table, and the last line of
defence behind them: every rendered part must parse before anything is written.

Each case is either rendered into a well-formed file (read back with lxml and
python-docx) or refused at compile time, located (part and paragraph), exit 3,
by ``docgen render`` and ``docgen template check`` alike, with no output file.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from lxml import etree

import docgen
from docgen.cli import main
from docgen.errors import TemplateError
from docgen.i18n.locale import DocLocale
from docgen.messages import localize_error
from tests.engine.docx_builders import build_docx, p, run, tbl
from tests.support import REPO

DOC = "word/document.xml"
SAMPLE = REPO / "samples" / "minutes" / "en.yaml"
TABLE_MESSAGE = "are not in the same table cell"
STRUCTURE_MESSAGE = "sit at different places of the document's structure"


def sdt(*content: str) -> str:
    """A content control (w:sdt) around runs or paragraphs."""
    return ('<w:sdt><w:sdtPr><w:alias w:val="box"/></w:sdtPr><w:sdtContent>'
            + "".join(content) + "</w:sdtContent></w:sdt>")


# name -> (body, opening tag as typed, the paragraph it is in, message)
REFUSED: dict[str, tuple[list[str], str, int, str]] = {
    "if_in_paragraph_endif_in_cell": (
        [p(run("{% if title %}")), tbl([["a", "{% endif %}"]]), p(run("after"))],
        "{% if title %}", 1, TABLE_MESSAGE),
    "p_if_in_paragraph_p_endif_in_cell": (
        [p(run("{%p if title %}")), tbl([["a", "{%p endif %}"]]), p(run("after"))],
        "{%p if title %}", 1, TABLE_MESSAGE),
    "for_in_paragraph_endfor_in_cell": (
        [p(run("{% for a in attendees %}")), tbl([["{{ a.name }}", "{% endfor %}"]])],
        "{% for a in attendees %}", 1, TABLE_MESSAGE),
    "p_for_in_paragraph_p_endfor_in_cell": (
        [p(run("{%p for a in attendees %}")), tbl([["{{ a.name }}", "{%p endfor %}"]])],
        "{%p for a in attendees %}", 1, TABLE_MESSAGE),
    "if_in_cell_endif_in_paragraph": (
        [tbl([["{% if title %}", "a"]]), p(run("{% endif %}"))],
        "{% if title %}", 1, TABLE_MESSAGE),
    "endif_in_content_control_run": (
        [p(run("{% if title %}shown"), sdt(run("more{% endif %}")))],
        "{% if title %}", 1, STRUCTURE_MESSAGE),
    "endif_in_content_control_paragraph": (
        [p(run("{% if title %}shown")), sdt(p(run("more{% endif %}")))],
        "{% if title %}", 1, STRUCTURE_MESSAGE),
    "p_endif_in_content_control": (
        [p(run("{%p if title %}")), sdt(p(run("{%p endif %}")))],
        "{%p if title %}", 1, STRUCTURE_MESSAGE),
}


def _run_cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def _no_crash(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code != 70, result.output


def _well_formed(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(z.read(name))
    docx.Document(io.BytesIO(data))  # python-docx opens it


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_block_across_depths_is_refused_at_compile_time(name: str) -> None:
    body, tag, paragraph, message = REFUSED[name]
    with pytest.raises(TemplateError) as info:
        docgen.Template(build_docx(body))
    err = info.value
    assert err.exit_code == 3
    assert err.location is not None
    assert (err.location.part, err.location.paragraph) == (DOC, paragraph)
    text = str(err)  # the tag as Jinja reads it, the paragraph as typed below
    assert message in text and "'%s'" % tag.replace("{%p ", "{% ") in text, text
    assert err.excerpt is not None and tag in err.excerpt


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_render_and_template_check_report_it_and_write_nothing(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    body, tag, paragraph, message = REFUSED[name]
    template = tmp_path / "t.docx"
    template.write_bytes(build_docx(body))
    out = tmp_path / "out"
    result = _run_cli("render", "minutes", str(SAMPLE), "--template", str(template),
                      "-o", str(out), "-l", "en")
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert f"{template}:{DOC}:¶{paragraph}:" in result.stderr, result.stderr
    assert message in result.stderr
    assert not out.exists() or not any(out.iterdir())

    check = _run_cli("template", "check", str(template), "-l", "en", "--json")
    _no_crash(check)
    assert check.exit_code == 3, check.output
    problems = json.loads(check.stdout)
    assert [(p["part"], p["paragraph"]) for p in problems if message in p["message"]] \
        == [(DOC, paragraph)], problems


def test_the_message_is_translated() -> None:
    body, _, _, _ = REFUSED["if_in_paragraph_endif_in_cell"]
    with pytest.raises(TemplateError) as info:
        docgen.Template(build_docx(body))
    texts = {code: localize_error(info.value, DocLocale.parse(code))
             for code in ("ko", "zh-CN", "zh-TW")}
    assert all(TABLE_MESSAGE not in t and "{% if title %}" in t for t in texts.values()), texts
    assert len(set(texts.values())) == 3


# docxtpl's {%- / -%} join a tag's paragraph with the one before/after it; next to
# a table that join would cut the table apart: the tag then only trims whitespace.
JOINS = {
    "dash_open_after_table": [tbl([["cell"]]), p(run("{%- if title %}x")), p(run("{% endif %}"))],
    "dash_close_before_table": [p(run("{% if title -%}")), tbl([["cell"]]), p(run("y{% endif %}"))],
    "dash_endif_after_table": [p(run("{% if title %}")), tbl([["cell"]]), p(run("{%- endif %}"))],
}


@pytest.mark.parametrize("name", sorted(JOINS))
@pytest.mark.parametrize("title", ["Review", ""])
def test_a_join_never_cuts_a_table(name: str, title: str) -> None:
    out = docgen.Template(build_docx(JOINS[name])).render({"title": title})
    _well_formed(out)
    document = docx.Document(io.BytesIO(out))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    texts = [para.text for para in document.paragraphs]
    assert not any("{%" in t for t in texts + cells)
    if name == "dash_open_after_table":
        assert cells == ["cell"] and ("x" in "".join(texts)) == bool(title)
    elif name == "dash_close_before_table":
        assert (cells == ["cell"]) == bool(title) and ("y" in "".join(texts)) == bool(title)
    else:
        assert (cells == ["cell"]) == bool(title)


def test_a_join_between_paragraphs_still_joins() -> None:
    out = docgen.Template(build_docx([p(run("before")), p(run("{%- if title %}x{% endif %}"))])
                          ).render({"title": "T"})
    texts = [para.text for para in docx.Document(io.BytesIO(out)).paragraphs]
    assert texts == ["beforex"]


# --- the last line of defence -------------------------------------------------------

def test_a_part_that_does_not_parse_after_rendering_is_a_located_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the compile-time check switched off (as if it missed a case), the broken
    part is still caught after rendering: exit 3 naming the part, nothing written."""
    from docgen.render import wordml

    monkeypatch.setattr(wordml, "misplaced_blocks", lambda source: [])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    data = build_docx([p(run("{% if not title %}")), tbl([["a", "{% endif %}"]]), p(run("z"))])
    tpl = docgen.Template(data)  # compiles: the check is off
    tpl.render({"title": ""})  # true: nothing is cut
    with pytest.raises(TemplateError) as info:
        tpl.render({"title": "T"})
    assert info.value.code == "rendered_xml"
    assert info.value.location is not None and info.value.location.part == DOC
    assert "is not well-formed XML after rendering" in str(info.value)

    template = tmp_path / "t.docx"
    template.write_bytes(data)
    out = tmp_path / "out"
    result = _run_cli("render", "minutes", str(SAMPLE), "--template", str(template),
                      "-o", str(out), "-l", "en")
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert f"{template}:{DOC}:" in result.stderr and DOC + " is not well-formed" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_correct_blocks_render_and_parse() -> None:
    """The check passes every sound template (blocks in one cell, across paragraphs,
    row loops), so it never refuses a good file."""
    body = [p(run("{% if title %}")), p(run("{{ title }}")), p(run("{% endif %}")),
            tbl([["{% for a in attendees %}{{ a.name }}; {% endfor %}", "x"]]),
            tbl([["{%tr for a in attendees %}", ""], ["{{ a.name }}", "n"], ["{%tr endfor %}", ""]])]
    out = docgen.Template(build_docx(body)).render(
        {"title": "T", "attendees": [{"name": "Kim"}, {"name": "Lee"}]})
    _well_formed(out)
    document = docx.Document(io.BytesIO(out))
    assert [para.text for para in document.paragraphs if para.text] == ["T"]
    assert [[c.text for c in r.cells] for r in document.tables[1].rows] == [["Kim", "n"], ["Lee", "n"]]
