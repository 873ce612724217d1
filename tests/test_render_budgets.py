"""Templates that would take all the memory or time there is (issue 16, point 2).

``{{ 'a'*10**9 }}`` and friends used to hang even ``docgen template check``: Jinja
folded the constant while compiling. Now the sandbox refuses values over the limits
of :mod:`docgen.render.limits` before making them, and every document render has a
time and an output budget. Each case: exit 3, the template file and the place (part
and paragraph, or sheet!cell) named, in the user's language, nothing written — and
``template check`` finishes at once.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import docgen
from docgen.cli import main
from docgen.errors import TemplateError
from docgen.render import limits
from tests.engine.docx_builders import build_docx, p, run
from tests.sheet_builders import excel_workbook

# each of these made a value of gigabytes (or ran for hours), at compile time or at render
HOSTILE = [
    "{{ 'a'*10**9 }}",
    "{{ 'a'*999999999 }}",
    "{{ 10**(10**10) }}",  # Jinja's 10**10**10 is (10**10)**10: 10^100, harmless
    "{{ (10**10)**(10**10) }}",
    "{{ [1]*10**9 }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ range(10**9)|list }}",
    "{{ 'ab'|replace('', 'x'*10**7) }}",
    "{{ '%999999999s'|format(1) }}",
    "{{ '%.999999999f' % 1.5 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:>{w}}'.format(1, w=999999999) }}",
    "{{ 'a b'|wordwrap(1, wrapstring='x'*10**7) }}",
    "{{ 'x'|indent(999999999) }}",
    "{{ 'a'.ljust(999999999) }}",
    "{{ (1).to_bytes(999999999, 'big') }}",
    "{{ [1]|batch(999999999, 0)|list }}",
    "{{ [1]|slice(999999999)|list }}",
    "{{ [1, 2]|tojson(999999999) }}",
    "{{ 5|round(-999999999) }}",
    "{{ 5.5|round(999999999, 'ceil') }}",
    "{{ lipsum(999999999) }}",
    "{{ 2**20000 }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% for i in range(100000) %}{{ 'x'*5000 }}{% endfor %}",
    "{% macro m() %}{% for i in range(100000) %}{{ 'x'*5000 }}{% endfor %}{% endmacro %}"
    "{{ m() }}",
    "{{ title|number(999999999) }}",
]
# messages (English) the cases above end with, one of
LIMIT_TEXTS = ("the template makes a", "a width or precision of", "prints more than",
               "Range too big")


def _docx_template(tmp_path: Path, tag: str) -> Path:
    path = tmp_path / "hostile.docx"
    path.write_bytes(build_docx([p(run("Title: {{ title }}")), p(run(tag))]))
    return path


def _xlsx_template(tmp_path: Path, tag: str) -> Path:
    return excel_workbook(tmp_path / "hostile.xlsx", [["{{ title }}"], ["x", tag]],
                          sheet="Data")


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "data.yaml"
    path.write_text("title: Kick-off\n", encoding="utf-8")
    return path


def _fill(tmp_path: Path, template: Path, *extra: str) -> tuple[Result, Path]:
    out = tmp_path / ("out" + template.suffix)
    result = CliRunner().invoke(main, ["fill", str(template), str(_data(tmp_path)),
                                       "-o", str(out), *extra])
    return result, out


@pytest.mark.parametrize("tag", HOSTILE)
def test_hostile_value_in_word_is_a_located_template_error(tmp_path: Path, tag: str) -> None:
    template = _docx_template(tmp_path, tag)
    start = time.monotonic()
    result, out = _fill(tmp_path, template, "-l", "en")
    assert time.monotonic() - start < 20, "the limit must stop it at once"
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    # the output budget is counted where the part's output is joined: the part is named
    place = ":word/document.xml" + ("" if "prints more than" in result.stderr else ":¶2")
    assert f"{template}{place}" in result.stderr, result.stderr
    assert any(text in result.stderr for text in LIMIT_TEXTS), result.stderr
    assert not out.exists() and sorted(x.name for x in tmp_path.iterdir()) == [
        "data.yaml", "hostile.docx"]


@pytest.mark.parametrize("tag", ["{{ 'a'*10**9 }}", "{{ 'x'|center(999999999) }}",
                                 "{{ '{:>999999999}'.format(1) }}", "{{ 10**(10**10) }}"])
def test_hostile_value_in_excel_is_located_at_its_cell(tmp_path: Path, tag: str) -> None:
    template = _xlsx_template(tmp_path, tag)
    result, out = _fill(tmp_path, template, "-l", "en")
    assert result.exit_code == 3, result.output
    assert f"{template}:Data!B2" in result.stderr, result.stderr
    assert any(text in result.stderr for text in LIMIT_TEXTS), result.stderr
    assert not out.exists()


def test_message_in_the_users_language(tmp_path: Path) -> None:
    template = _docx_template(tmp_path, "{{ 'a'*10**9 }}")
    result, out = _fill(tmp_path, template, "-l", "ko")
    assert result.exit_code == 3
    assert "템플릿이 1,000,000,000자의 텍스트를 만듭니다. 한도는 10,000,000자입니다" in result.stderr
    result, out = _fill(tmp_path, template, "-l", "zh-CN")
    assert "模板生成了 1,000,000,000 个字符的文本；上限为 10,000,000" in result.stderr
    assert not out.exists()


def _docgen(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "docgen", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_template_check_and_render_finish_at_once_in_a_fresh_process(tmp_path: Path) -> None:
    """Constant folding happened in the compiler: a fresh process proves nothing was
    cached. Every hostile tag in one template: check passes quickly (no render), the
    render stops at the first, exit 3."""
    path = tmp_path / "all.docx"
    path.write_bytes(build_docx([p(run(tag)) for tag in HOSTILE]))
    start = time.monotonic()
    check = _docgen("template", "check", str(path), "-l", "en", timeout=30)
    assert "Traceback" not in check.stderr and check.returncode in (0, 3), check.stderr
    render = _docgen("fill", str(path), str(_data(tmp_path)), "-o", str(tmp_path / "o.docx"),
                     "-l", "en", timeout=60)
    assert render.returncode == 3, render.stderr
    assert f"{path}:word/document.xml:¶1" in render.stderr
    assert "Traceback" not in render.stderr
    assert not (tmp_path / "o.docx").exists()
    assert time.monotonic() - start < 60


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-second render budget (the real one, 120 s, is too long for a test)."""
    monkeypatch.setattr(limits, "RENDER_SECONDS", 1.0)


LOOPS = [
    "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}"
    "{{ m(40) }}",
    "{% for i in range(99999) %}{% for j in range(99999) %}{{ j|string|length }}"
    "{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("tag", LOOPS)
def test_a_render_that_runs_too_long_stops(tmp_path: Path, short_budget: None,
                                           tag: str) -> None:
    template = _docx_template(tmp_path, tag)
    start = time.monotonic()
    result, out = _fill(tmp_path, template, "-l", "en")
    assert time.monotonic() - start < 15
    assert result.exit_code == 3, result.output
    assert "rendering took more than 1 seconds" in result.stderr
    assert f"{template}:word/document.xml:¶2" in result.stderr, result.stderr
    assert not out.exists()


def test_excel_row_loops_inside_row_loops_stop(tmp_path: Path, short_budget: None) -> None:
    template = excel_workbook(tmp_path / "rows.xlsx", [
        ["{%tr for i in range(99999) %}"], ["{%tr for j in range(99999) %}"], ["static"],
        ["{%tr endfor %}"], ["{%tr endfor %}"]], sheet="Data")
    start = time.monotonic()
    result, out = _fill(tmp_path, template, "-l", "en")
    assert time.monotonic() - start < 20
    assert result.exit_code == 3, result.output
    assert ("rendering took more than 1 seconds" in result.stderr
            or "more than 1,048,576 rows" in result.stderr), result.stderr
    assert str(template) in result.stderr and "Data" in result.stderr
    assert not out.exists()


def test_excel_cell_loop_is_on_the_document_budget(tmp_path: Path, short_budget: None) -> None:
    template = _xlsx_template(tmp_path, LOOPS[0])
    result, out = _fill(tmp_path, template, "-l", "en")
    assert result.exit_code == 3, result.output
    assert f"{template}:Data!B2" in result.stderr
    assert "rendering took more than 1 seconds" in result.stderr
    assert not out.exists()


def test_api_raises_a_template_error(tmp_path: Path) -> None:
    template = docgen.Template(_docx_template(tmp_path, "{{ [1]*10**9 }}"))
    with pytest.raises(TemplateError) as info:
        template.render({"title": "x"})
    assert info.value.exit_code == 3
    assert "the template makes a list of 1,000,000,000 items; the limit is 1,000,000" in str(
        info.value)


@pytest.mark.parametrize("tag, printed", [
    ("{{ 'ab'*3 }}|{{ 2**10 }}|{{ '%5.1f' % 2.25 }}|{{ '{:>4}'.format(7) }}",
     "ababab|1024|  2.2|   7"),
    ("{{ [1, 2] + [3] }}|{{ 'x'|center(5) }}|{{ 'a b c'|wordwrap(1) }}", "[1, 2, 3]|  x  |a"),
    ("{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}",
     "1/3 2/3 3/3 "),
    ("{{ [3, 1, 2]|sort|join(', ') }}|{{ 'abc'|replace('b', 'xx') }}|{{ 7 // 2 }}-{{ -3 }}",
     "1, 2, 3|axxc|3--3"),
])
def test_ordinary_expressions_render_as_before(tmp_path: Path, tag: str, printed: str) -> None:
    template = docgen.Template(_docx_template(tmp_path, tag))
    import io
    import docx
    document = docx.Document(io.BytesIO(template.render({"title": "x"})))
    assert document.paragraphs[1].text.startswith(printed)
