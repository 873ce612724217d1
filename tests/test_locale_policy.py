"""One locale policy, one row per locale (issue 10, point 4).

``-l`` > the record's ``locale`` > the profile's ``[defaults] locale`` >
``$DOCGEN_LOCALE`` > ``ko``, decided by one function; one run speaks one language;
a fifth locale is one row, and what it lacks rules for is an error, not a fallback.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.i18n import locale as locale_mod
from docgen.i18n.format import Formatter
from docgen.i18n.locale import (
    BABEL_IDS,
    CATALOG_DIRS,
    EAST_ASIAN_FONTS,
    LANG_TAGS,
    LOCALES,
    DocLocale,
    LocaleRow,
    NoLocaleRule,
    UnknownLocale,
    normalize,
    resolve,
    resolve_leniently,
)
from docgen.i18n.words import amount_in_words

PACKAGE = Path(__file__).resolve().parent.parent / "docgen"

# --- the policy, as a table ----------------------------------------------------------

SOURCES = ("option", "record", "profile", "environment")
VALUES = {"option": "en", "record": "zh-TW", "profile": "zh-CN", "environment": "en+ko"}


def _cases() -> Iterator[tuple[tuple[bool, ...], str]]:
    """Every combination of the four sources present or absent, with the winner."""
    for present in itertools.product((False, True), repeat=4):
        winner = next((VALUES[s] for s, on in zip(SOURCES, present) if on), "ko")
        yield present, winner


@pytest.mark.parametrize("present,expected", list(_cases()),
                         ids=["".join("x" if p else "-" for p in c) for c, _ in _cases()])
def test_policy_table(present: tuple[bool, ...], expected: str) -> None:
    given = {s: (VALUES[s] if on else None) for s, on in zip(SOURCES, present)}
    environ = {"DOCGEN_LOCALE": given["environment"]} if given["environment"] else {}
    got = resolve(given["option"], given["record"], given["profile"], environ=environ)
    assert got == DocLocale.parse(expected)


def test_empty_values_are_absent_and_option_may_be_parsed() -> None:
    assert resolve("", "  ", None, environ={"DOCGEN_LOCALE": ""}) == DocLocale("ko")
    assert resolve(DocLocale("zh-CN"), "en", environ={}) == DocLocale("zh-CN")


def test_process_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_LOCALE", "zh_Hant")
    assert resolve() == DocLocale("zh-TW")
    assert resolve(None, None, "en") == DocLocale("en")


@pytest.mark.parametrize("source", SOURCES)
def test_unknown_value_says_which_source(source: str) -> None:
    given: dict[str, Optional[str]] = {s: None for s in SOURCES}
    given[source] = "xx-YY"
    environ = {"DOCGEN_LOCALE": "xx-YY"} if source == "environment" else {}
    with pytest.raises(UnknownLocale) as err:
        resolve(given["option"], given["record"], given["profile"], environ=environ)
    assert err.value.source == source and err.value.text == "xx-YY"


def test_lenient_resolution_skips_what_names_no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    assert resolve_leniently(None, "klingon", "zh-CN") == DocLocale("zh-CN")
    monkeypatch.setenv("DOCGEN_LOCALE", "klingon")
    assert resolve_leniently(None, None, None) == DocLocale("ko")


def test_only_the_policy_reads_the_environment() -> None:
    """No module but i18n/locale.py names DOCGEN_LOCALE in code (docs may)."""
    readers = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"environ(\.get)?\s*[\[(]\s*['\"]DOCGEN_LOCALE|getenv\(\s*['\"]DOCGEN_LOCALE",
                     text):
            readers.append(path.relative_to(PACKAGE).as_posix())
        if "ENV_VAR" in text and path.name != "locale.py":
            readers.append(path.relative_to(PACKAGE).as_posix())
    assert readers == []
    assert 'env.get(ENV_VAR)' in (PACKAGE / "i18n" / "locale.py").read_text(encoding="utf-8")


# --- one run, one language (the reported bug) ------------------------------------------

BAD_MINUTES = "title: x\ndate: 2026-13-01\n"


@pytest.fixture
def zh_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    (tmp_path / "docgen.toml").write_text('[defaults]\nlocale = "zh-CN"\n', encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_MINUTES, encoding="utf-8")
    return bad


def _hangul(text: str) -> bool:
    return re.search(r"[\uac00-\ud7a3]", text) is not None


def test_profile_locale_speaks_the_whole_render_run(zh_profile: Path) -> None:
    result = CliRunner().invoke(main, ["render", "minutes", str(zh_profile)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert "参会人员" in lines[0]
    assert lines[-1].startswith("错误") and "2" in lines[-1]
    assert not any(_hangul(line) for line in lines), lines  # the summary was Korean


def test_profile_locale_speaks_the_whole_validate_run(zh_profile: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "minutes", str(zh_profile)])
    assert result.exit_code == 1
    assert result.stderr.strip() and not _hangul(result.stderr)


def test_option_beats_the_profile_for_messages(zh_profile: Path) -> None:
    result = CliRunner().invoke(main, ["render", "minutes", str(zh_profile), "-l", "en"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: 2 problem(s) found; nothing was written.")
    assert "attendees: required but missing" in result.stderr


def test_record_locale_beats_the_profile_for_messages(zh_profile: Path) -> None:
    zh_profile.write_text(BAD_MINUTES + "locale: en\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", "minutes", str(zh_profile)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 2 problem(s)")


def test_environment_when_no_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCGEN_LOCALE", "zh-TW")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_MINUTES, encoding="utf-8")
    result = CliRunner().invoke(main, ["render", "minutes", str(bad)])
    assert result.exit_code == 1 and "與會人員" in result.stderr and not _hangul(result.stderr)


# --- one row per locale ------------------------------------------------------------------

def test_every_per_locale_fact_reads_the_rows() -> None:
    from docgen.i18n import format as fmt
    from docgen.i18n import money
    from docgen.render import fonts

    for code, row in LOCALES.items():
        assert BABEL_IDS[code] == row.babel_id and LANG_TAGS[code] == row.lang_tag
        assert CATALOG_DIRS[code] == row.catalog
        assert money.DEFAULT_CURRENCY[code] == row.currency
        assert fmt.DEFAULT_TIMEZONES[code] == row.timezone
        assert fonts.DEFAULT_EAST_ASIAN_FONTS.get(code) == row.east_asian_font
        assert normalize(row.code) == code
        for alias in row.aliases:
            assert normalize(alias) == code and normalize(alias.upper().replace("_", "-")) == code
    assert "en" not in EAST_ASIAN_FONTS  # no East Asian font: the template's stay


JA = LocaleRow("ja", "ja_JP", "ja-JP", "游ゴシック", "JPY", "Asia/Tokyo", ("ja", "ja_JP", "jpn"),
               "ja")


@pytest.fixture
def fifth_locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocaleRow]:
    monkeypatch.setitem(LOCALES, "ja", JA)
    yield JA


def test_a_fifth_locale_is_one_row(fifth_locale: LocaleRow) -> None:
    from docgen.render import fonts

    loc = DocLocale.parse("JA-jp")
    assert loc == DocLocale("ja") and loc.lang_tag == "ja-JP" and str(loc.babel) == "ja_JP"
    assert DocLocale.parse("ko+jpn").secondary == "ja"
    assert fonts.DEFAULT_EAST_ASIAN_FONTS["ja"] == "游ゴシック"
    f = Formatter("ja")
    assert f.currency == "JPY" and f.tz == "Asia/Tokyo"
    assert f.date(dt.date(2026, 11, 27), "long") == "2026年11月27日"  # Babel's CLDR data
    assert "1,500" in f.money(1500)


def test_fifth_locale_without_week_rules_is_an_error(fifth_locale: LocaleRow) -> None:
    with pytest.raises(NoLocaleRule, match="week labels.*'ja'"):
        Formatter("ja").week(dt.date(2026, 11, 30))


def test_fifth_locale_without_amount_words_is_an_error(fifth_locale: LocaleRow) -> None:
    with pytest.raises(NoLocaleRule, match="amounts in words.*'ja'"):
        amount_in_words(1500, "JPY", "ja")
    with pytest.raises(NoLocaleRule):
        Formatter("ja").amount_words(1500)


def test_fifth_locale_in_a_template_is_a_located_template_error(
        fifth_locale: LocaleRow) -> None:
    from docx import Document

    import io

    from docgen import Template, TemplateError

    doc = Document()
    doc.add_paragraph("{{ day | week }}")
    buf = io.BytesIO()
    doc.save(buf)
    tpl = Template(buf.getvalue())
    assert tpl.render({"day": dt.date(2026, 11, 30)}, "ko")  # the four have rules
    with pytest.raises(TemplateError) as err:
        tpl.render({"day": dt.date(2026, 11, 30)}, "ja")
    assert "week labels" in str(err.value) and "'ja'" in str(err.value)


def test_rows_are_the_only_table() -> None:
    """The old per-locale dicts are views of the rows, not copies."""
    assert set(BABEL_IDS) == set(LOCALES) == set(locale_mod.SUPPORTED)
    row: Any = LOCALES["ko"]
    assert BABEL_IDS["ko"] is row.babel_id
