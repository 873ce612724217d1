"""The company profile (docgen.toml): loading, per-locale texts, errors, use in renders."""
from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from docgen.errors import InputError
from docgen.i18n.locale import DocLocale
from docgen.profile import Profile, ProfileInvalid, find_config, load_profile
from docgen.template import Template
from tests.support import REPO

SAMPLE = REPO / "samples" / "docgen.toml"


def test_sample_profile_loads_with_texts_per_locale() -> None:
    profile = load_profile(SAMPLE)
    ko = profile.context(DocLocale.parse("ko"))
    zh = profile.context(DocLocale.parse("zh-CN"))
    tw = profile.context(DocLocale.parse("zh-TW"))
    assert ko["name"] == "한빛애드 주식회사"
    assert zh["name"] == "韩光广告有限公司" and tw["name"] == "韓光廣告有限公司"
    assert zh["bank"]["name"] == "Shinhan Bank, Gangnam Central"  # no zh text: falls back to en
    assert ko["tax_id"] == "214-86-12341"
    assert ko["logo"] == str((REPO / "samples" / "logo.png").resolve())
    assert profile.default_locale == "ko"
    assert profile.fonts == {"ko": "맑은 고딕", "zh-CN": "微软雅黑", "zh-TW": "微軟正黑體"}


def test_no_profile_gives_the_same_keys_all_empty() -> None:
    ctx = Profile().context(DocLocale.parse("ko"))
    assert set(ctx) >= {"name", "address", "tax_id", "logo", "bank"}
    assert ctx["name"] is None and ctx["logo"] is None and ctx["bank"]["account"] is None


def test_config_is_found_in_the_working_directory(tmp_path: Path) -> None:
    assert find_config(None, tmp_path) is None
    (tmp_path / "docgen.toml").write_text("[company]\nname = 'X'\n", encoding="utf-8")
    assert find_config(None, tmp_path) == tmp_path / "docgen.toml"
    with pytest.raises(InputError):
        find_config(tmp_path / "missing.toml")


@pytest.mark.parametrize("text, fragment", [
    ("[company\nname = 'x'", "section header must end with ']'"),
    ("[compnay]\nname = 'x'", "unknown section"),
    ("[company]\nnmae = 'x'", "unknown field"),
    ("[company]\nname = 3", "must be text"),
    ("[company]\nlogo = 'nowhere.png'", "logo image not found"),
    ("[defaults]\nlocale = 'fr'", "unknown locale"),
    ("[fonts]\nko = 3", "must be a font name"),
])
def test_bad_profiles_are_reported(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "docgen.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert fragment in err.value.text(str)
    assert err.value.location is not None and err.value.location.file == str(path)


def _letterhead_docx(tmp: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("{% if company.logo %}{{ image(company.logo, 30) }}{% endif %}{{ company.name or '' }}")
    d.add_paragraph("{{ company.address or '' }}")
    path = tmp / "letter.docx"
    d.save(str(path))
    return path


def test_profile_letterhead_in_word_with_logo(tmp_path: Path) -> None:
    profile = load_profile(SAMPLE)
    loc = DocLocale.parse("zh-TW")
    data = Template(_letterhead_docx(tmp_path)).render({"company": profile.context(loc)}, loc)
    doc = docx.Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "韓光廣告有限公司"
    assert doc.paragraphs[1].text == "首爾市江南區德黑蘭路123號7樓"
    (shape,) = doc.inline_shapes
    assert round(shape.width.mm) == 30 and round(shape.height.mm) == 10  # 240×80 px kept
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("word/media/docgen-image1.png") == (REPO / "samples" / "logo.png").read_bytes()
        assert "image/png" in zf.read("[Content_Types].xml").decode() or \
            'Extension="png"' in zf.read("[Content_Types].xml").decode()


def test_templates_work_without_a_profile(tmp_path: Path) -> None:
    data = Template(_letterhead_docx(tmp_path)).render(
        {"company": Profile().context(DocLocale.parse("ko"))}, "ko")
    doc = docx.Document(io.BytesIO(data))
    assert [p.text for p in doc.paragraphs] == ["", ""]
    assert not doc.inline_shapes


def test_profile_in_excel_with_logo(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{% if company.logo %}{{ image(company.logo, 25) }}{% endif %}"
    wb.active["B1"] = "{{ company.name }}"
    buf = io.BytesIO()
    wb.save(buf)
    loc = DocLocale.parse("ko")
    data = Template(buf.getvalue()).render({"company": load_profile(SAMPLE).context(loc)}, loc)
    assert openpyxl.load_workbook(io.BytesIO(data)).active["B1"].value == "한빛애드 주식회사"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert any(n.startswith("xl/media/") for n in names)
        drawing = next(n for n in names if n.startswith("xl/drawings/") and n.endswith(".xml"))
        assert "<xdr:pic>" in zf.read(drawing).decode()


def test_render_uses_config_from_the_working_directory(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.cli import main
    shutil.copy(SAMPLE, tmp_path / "docgen.toml")
    shutil.copy(REPO / "samples" / "logo.png", tmp_path / "logo.png")
    monkeypatch.chdir(tmp_path)
    sample = REPO / "samples" / "invoice" / "ko.yaml"
    result = runner.invoke(main, ["render", "invoice", str(sample), "-o", "out"])
    assert result.exit_code == 0, result.output
    (path,) = [Path(p) for p in result.stdout.splitlines()]
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    text += "\n".join(p.text for s in doc.sections for p in s.header.paragraphs)
    assert "한빛애드 주식회사" in text


def test_bad_config_option_exits_1(tmp_path: Path, runner: CliRunner) -> None:
    from docgen.cli import main
    sample = REPO / "samples" / "minutes" / "ko.yaml"
    result = runner.invoke(main, ["render", "minutes", str(sample), "-o", str(tmp_path),
                                  "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert "none.toml" in result.stderr
    assert not list(tmp_path.glob("*.docx"))


BROKEN = """# header comment
[company]
nmae = "Hanbit"
name = { ko = "한빛", kr = "x", zh_CN = "韩光", en = 3 }
phone = 8225550100
logo = "nowhere.png"

[company.bank]
acount = "1"

[defautls]
locale = "ko"

[defaults]
locale = "fr"
job_number_pattern = "[A-Z"
colour = 1

[fonts]
ko = 3
cn = "微软雅黑"
"""


def _problems(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    path = tmp_path / "docgen.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileInvalid) as err:
        load_profile(path)
    assert err.value.exit_code == 1
    out = []
    for p in err.value.problems:
        assert p.location is not None and p.location.file == str(path)
        assert p.location.line is not None
        out.append((p.location.line, p.text(str)))
    return out


def test_every_problem_is_reported_at_once_each_at_its_line(tmp_path: Path) -> None:
    found = _problems(tmp_path, BROKEN)
    assert found == [
        (3, "unknown field company.nmae (did you mean 'name'?)"),
        (4, "unknown locale 'kr' (did you mean 'ko'?)"),
        (4, "company.name.en must be text, not a number"),
        (5, "company.phone must be text or a table of texts per locale, not a number"),
        (6, f"logo image not found: {(tmp_path / 'nowhere.png').resolve()}"),
        (9, "unknown field company.bank.acount (did you mean 'account'?)"),
        (11, "unknown section [defautls] (did you mean [defaults]?)"),
        (15, "unknown locale 'fr' (use ko, zh-CN, zh-TW, en, or A+B)"),
        (16, "defaults.job_number_pattern is not a valid regular expression: "
             "unterminated character set at position 0"),
        (17, "unknown field defaults.colour (known fields: locale, job_number_pattern)"),
        (20, "fonts.ko must be a font name"),
        (21, "unknown locale 'cn' (did you mean 'zh-CN'?)"),
    ]


def test_inline_table_keys_have_their_own_column(tmp_path: Path) -> None:
    path = tmp_path / "docgen.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ProfileInvalid) as err:
        load_profile(path)
    kr = next(p for p in err.value.problems if "'kr'" in p.text(str))
    assert kr.location is not None and (kr.location.line, kr.location.column) == (4, 21)
    assert str(kr.location).endswith("docgen.toml:4:21")


@pytest.mark.parametrize("text, line, column, fragment", [
    ("[company]\nname = 한빛애드\n", 2, 8, "put text in double quotes"),
    ('[company]\nlogo = "C:\\logos\\a.png"\n', 2, 13, "backslash"),
    ('[company]\nname = "a"\ntax_id = "1"\nname = "b"\n', 4, 1, "'company.name' is given twice"),
    ('[fonts]\nko = "a"\n\n[fonts]\nen = "b"\n', 4, 1, "'fonts' is given twice"),
    ('[company]\nname = "a" "b"\n', 2, 12, "something follows the value"),
    ('[company]\nname = { ko = "a", en = "b"\n', 2, 28, "not closed"),
    ('[company]\nname = "abc\n', 2, 12, "closing quote"),
])
def test_toml_syntax_errors_are_located_and_say_what_to_change(
        tmp_path: Path, text: str, line: int, column: int, fragment: str) -> None:
    path = tmp_path / "docgen.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileInvalid) as err:
        load_profile(path)
    (problem,) = err.value.problems
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (line, column)
    assert fragment in err.value.text(str)


def test_a_key_outside_any_section_says_where_it_belongs(tmp_path: Path) -> None:
    assert _problems(tmp_path, 'name = "Hanbit"\n[company]\ntax_id = "1"\n') == [
        (1, "'name' belongs in a section: put it under [company]")]


def test_locale_keys_of_text_tables_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "docgen.toml"
    path.write_text('[company]\nname = { ko_KR = "한빛", zh_CN = "韩光", EN = "Hanbit" }\n'
                    '[fonts]\nzh_cn = "SimSun"\n', encoding="utf-8")
    profile = load_profile(path)
    assert profile.context(DocLocale.parse("zh-CN"))["name"] == "韩光"
    assert profile.context(DocLocale.parse("ko"))["name"] == "한빛"
    assert profile.fonts == {"zh-CN": "SimSun"}


def test_broken_profile_in_the_users_language_exits_1_writes_nothing(tmp_path: Path, runner: CliRunner) -> None:
    from docgen.cli import main
    config = tmp_path / "docgen.toml"
    config.write_text(BROKEN, encoding="utf-8")
    sample = REPO / "samples" / "minutes" / "ko.yaml"
    out = tmp_path / "out"
    result = runner.invoke(main, ["render", "minutes", str(sample), "-o", str(out),
                                  "-l", "ko", "--config", str(config)])
    assert result.exit_code == 1
    err = result.stderr
    assert "설정 파일에 문제가 12개 있습니다" in err
    assert f"{config}:3:1: 알 수 없는 항목 company.nmae ('name'을(를) 뜻하셨나요?)" in err
    assert f"{config}:15:1: 알 수 없는 언어 'fr'" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    zh = runner.invoke(main, ["validate", "minutes", str(REPO / "samples" / "minutes" / "zh-CN.yaml"),
                              "-l", "zh-CN", "--config", str(config)])
    assert zh.exit_code == 1
    assert "配置文件中有 12 个问题" in zh.stderr and "未知的节 [defautls]" in zh.stderr
