"""image(): pictures in Word (body, header, table cells), sizes, reuse, paths, errors."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest

from docgen.errors import TemplateError
from docgen.template import Template
from tests.engine.test_xlsx_engine import png


def word(*paragraphs: str, header: str = "") -> bytes:
    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text)
    if header:
        d.sections[0].header.paragraphs[0].text = header
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "logo.png").write_bytes(png(40, 20))
    (tmp_path / "sign.png").write_bytes(png(30, 30))
    return tmp_path


def test_picture_in_body_and_header(folder: Path) -> None:
    tpl = word("Logo {{ image('logo.png', 30) }} end", header="{{ image('logo.png', 10) }}")
    data = Template(tpl).render({}, base_dir=folder)
    doc = docx.Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "Logo  end"            # text around the picture stays
    (shape,) = doc.inline_shapes
    assert round(shape.width.mm) == 30 and round(shape.height.mm) == 15
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header_rels = zf.read("word/_rels/header1.xml.rels").decode()
        header = zf.read("word/header1.xml").decode()
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
    (rid,) = re.findall(r'r:embed="([^"]+)"', header)
    assert f'Id="{rid}"' in header_rels and "media/docgen-image1.png" in header_rels
    assert media == ["word/media/docgen-image1.png"]       # one file for both uses


def test_same_picture_twice_and_two_pictures(folder: Path) -> None:
    tpl = word("{% for s in signers %}{{ image(s, 12, 12) }}{% endfor %}")
    data = Template(tpl).render({"signers": ["sign.png", "logo.png", "sign.png"]}, base_dir=folder)
    doc = docx.Document(io.BytesIO(data))
    assert len(doc.inline_shapes) == 3
    assert {round(s.width.mm) for s in doc.inline_shapes} == {12}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        body = zf.read("word/document.xml").decode()
    ids = re.findall(r'<wp:docPr id="(\d+)"', body)
    assert len(set(ids)) == 3                               # drawing ids unique


def test_a_rendered_document_can_be_a_template_again(folder: Path) -> None:
    first = Template(word("{{ image('logo.png', 20) }}", "{{ again }}")).render(
        {"again": "{{ image('sign.png', 20) }}"}, base_dir=folder)
    second = Template(first).render({}, base_dir=folder)
    doc = docx.Document(io.BytesIO(second))
    assert len(doc.inline_shapes) == 2
    with zipfile.ZipFile(io.BytesIO(second)) as zf:
        rels = zf.read("word/_rels/document.xml.rels").decode()
        blobs = {zf.read(n) for n in zf.namelist() if n.startswith("word/media/")}
    assert len(re.findall(r'Id="rIdDocgenImg', rels)) == 2   # no id reused for two pictures
    assert blobs == {png(40, 20), png(30, 30)}


@pytest.mark.parametrize("call, fragment", [
    ("image('missing.png', 20)", "not found"),
    ("image('notes.txt', 20)", "not a PNG"),
    ("image('logo.png', 'wide')", "millimetres"),
    ("image('logo.png', -3)", "between"),
    ("image('/etc/hostname', 20)", "outside the data folder"),
    ("image(nothing, 20)", "nothing"),
])
def test_bad_pictures_are_template_errors(folder: Path, call: str, fragment: str) -> None:
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        Template(word("x {{ %s }}" % call), name="t.docx").render({}, base_dir=folder)
    assert fragment in err.value.text(str)
    assert err.value.location is not None and err.value.location.paragraph == 1


def test_profile_paths_are_trusted_anywhere(tmp_path: Path) -> None:
    from docgen.profile import ImagePath
    elsewhere = tmp_path / "brand" / "logo.png"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(png())
    data = Template(word("{{ image(logo, 25) }}")).render(
        {"logo": ImagePath(elsewhere)}, base_dir=tmp_path / "data")
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 1
