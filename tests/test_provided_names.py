"""Names docgen provides (image, locale, _, gettext, ngettext) give way to the data;
docgen's helpers stay reachable as ``docgen.…``; internal names are refused clearly;
``template fields`` lists them."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document

import docgen
from docgen.cli import main
from docgen.errors import InputError
from tests.support import SAMPLES, plain_docx as _docx


def _texts(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_data_named_image_wins_and_docgen_image_still_places_a_picture(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "logo.png", tmp_path / "logo.png")
    tpl = docgen.Template(_docx("圖片：{{ image }}", "{{ docgen.image('logo.png', 20) }}"))
    out = tpl.render({"image": "產品照片.jpg"}, "zh-TW", base_dir=tmp_path)
    assert _texts(out)[0] == "圖片：產品照片.jpg"  # not "<bound method …>"
    doc = Document(io.BytesIO(out))
    assert len(doc.inline_shapes) == 1


def test_data_named_gettext_and_underscore_win() -> None:
    tpl = docgen.Template(_docx("{{ _ }}|{{ gettext }}|{{ ngettext }}|{{ docgen.gettext('Total') }}"))
    out = tpl.render({"_": "u", "gettext": "g", "ngettext": "n"}, "ko")
    parts = _texts(out)[0].split("|")
    assert parts[:3] == ["u", "g", "n"]
    assert parts[3] and parts[3] != "Total"  # docgen's label, in Korean


def test_without_such_data_the_helpers_are_there() -> None:
    tpl = docgen.Template(_docx("{{ locale }}|{{ docgen.locale }}|{{ _('Total') == docgen.gettext('Total') }}"))
    assert _texts(tpl.render({}, "zh-CN")) == ["zh-CN|zh-CN|True"]


@pytest.mark.parametrize("value, option, shown", [
    ("zh_Hant", None, "zh-TW"), ("ko_KR", None, "ko"), ("ko", "en", "en"),
    ("ko+zh-CN", None, "ko+zh-CN")])
def test_locale_in_the_data_is_the_document_language_resolved(value: str, option: str,
                                                              shown: str) -> None:
    tpl = docgen.Template(_docx("{{ locale }}|{{ amount|money }}"))
    out = tpl.render({"locale": value, "amount": 1000}, option)
    assert _texts(out)[0].split("|")[0] == shown


def test_a_locale_that_is_no_locale_is_an_error_not_replaced() -> None:
    tpl = docgen.Template(_docx("{{ locale }}"))
    with pytest.raises(InputError) as info:
        tpl.render({"locale": "Taipei office"}, "zh-TW")
    assert info.value.exit_code == 1
    assert "'Taipei office', not a locale" in str(info.value)


@pytest.mark.parametrize("name", ["docgen_at", "_docgen"])
def test_internal_names_in_the_data_are_refused(name: str) -> None:
    with pytest.raises(InputError) as info:
        docgen.Template(_docx("x")).render({name: 1})
    assert str(info.value) == (f"'{name}' is a name docgen uses internally; rename this field "
                               "of the data")


def test_fill_cli_data_image_wins_and_bad_locale_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    tpl = tmp_path / "t.docx"
    tpl.write_bytes(_docx("{{ image }} / {{ locale }}"))
    data = tmp_path / "d.yaml"
    data.write_text("image: 外觀圖.png\nlocale: zh-Hant\n", encoding="utf-8")
    out = tmp_path / "o.docx"
    result = _run(runner, "fill", str(tpl), str(data), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert _texts(out.read_bytes()) == ["外觀圖.png / zh-TW"]
    data.write_text("locale: 台北\n", encoding="utf-8")
    bad = _run(runner, "fill", str(tpl), str(data), "-o", str(tmp_path / "o2.docx"), "-l", "en")
    assert bad.exit_code == 1
    assert bad.stderr == ("Error: the data's 'locale' is '台北', not a locale (ko, zh-CN, zh-TW, "
                          "en, or A+B): docgen reads 'locale' as the document's language\n")
    assert not (tmp_path / "o2.docx").exists()


@pytest.mark.parametrize("locale, note", [("en", "provided by docgen unless the data has it"),
                                          ("ko", "데이터에 없으면 docgen이 제공"),
                                          ("zh-CN", "数据中没有时由 docgen 提供")])
def test_template_fields_lists_provided_names_with_a_note(runner: CliRunner, tmp_path: Path,
                                                         locale: str, note: str) -> None:
    tpl = tmp_path / "t.docx"
    tpl.write_bytes(_docx("{{ title }} {{ image(photo, 20) }} {{ locale }} {{ _('Total') }}",
                          "{{ docgen.locale }}"))
    result = _run(runner, "template", "fields", str(tpl), "-l", locale)
    assert result.exit_code == 0
    # _() is a label call, not a name (Jinja's i18n reads it as such)
    assert result.stdout.splitlines() == ["photo", "title", f"docgen\t{note}",
                                          f"image\t{note}", f"locale\t{note}"]


def test_built_in_templates_still_render_with_their_helpers(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    result = _run(runner, "render", "weekly", str(SAMPLES / "weekly" / "zh-TW.yaml"),
                  "-o", str(tmp_path), "-f", "docx,xlsx")
    assert result.exit_code == 0, result.stderr
    docx_path = next(tmp_path.glob("*.docx"))
    assert "<bound method" not in "\n".join(_texts(docx_path.read_bytes()))
