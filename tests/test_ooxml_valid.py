"""Issue 9 point 18: every part docgen writes validates against ECMA-376 Transitional.

Every built-in kind × locale (and the bilingual ko+zh-CN sample) × {docx, xlsx} is
rendered as ``docgen render`` does (the bundled samples and samples/docgen.toml, so the
logo image parts are there too), and every built-in template file is checked as is.
The validator itself is tested first, so a validator that accepts everything fails here.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from docgen import kinds
from docgen.pipeline import render_file
from docgen.profile import load_profile
from tests import ooxml_schema
from tests.support import LOCALES, REPO, SAMPLES

CODES = [*LOCALES, "ko+zh-CN"]
KINDS = kinds.available()
FORMATS = ("docx", "xlsx")
SETTINGS = "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
S_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
MC_NS = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
X14AC = 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'


@pytest.fixture(scope="session")
def schemas() -> None:
    """The schemas, compiled once for the session (skipped locally when absent)."""
    ooxml_schema.require()
    ooxml_schema._schema()


@pytest.fixture(scope="module")
def rendered(schemas: None, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Path]:
    out = tmp_path_factory.mktemp("ooxml")
    profile = load_profile(SAMPLES / "docgen.toml")
    files = {}
    for kind_name in KINDS:
        kind = kinds.get(kind_name)
        assert kind is not None
        for code in CODES:
            paths = render_file(kind_name=kind_name, file=kind.sample_path(code), out_dir=out,
                                formats=FORMATS, name=f"{kind_name}_{code}", profile=profile)
            for path in paths:
                files[(kind_name, code, path.suffix[1:])] = path
    assert len(files) == len(KINDS) * len(CODES) * len(FORMATS)
    return files


def _worksheet(body: str, root_attrs: str = "") -> bytes:
    return (f'<worksheet {S_NS} {MC_NS} {X14AC} {root_attrs}><sheetData>{body}</sheetData>'
            '</worksheet>').encode()


# ---------------------------------------------------------------- the validator itself

def test_a_missing_required_attribute_is_reported_with_part_and_line(schemas: None) -> None:
    xml = f'<w:settings {W_NS}>\n<w:zoom w:val="bestFit"/>\n</w:settings>'.encode()
    problems = ooxml_schema.validate_part("word/settings.xml", xml, SETTINGS)
    assert len(problems) == 1
    assert problems[0].startswith("word/settings.xml:2: ")
    assert "w:percent" in problems[0] and "required" in problems[0]
    fixed = xml.replace(b'w:val="bestFit"', b'w:percent="100"')
    assert ooxml_schema.validate_part("word/settings.xml", fixed, SETTINGS) == []


def test_ignorable_namespaces_are_removed_and_others_are_not(schemas: None) -> None:
    row = '<row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>'
    assert ooxml_schema.validate_part("s.xml", _worksheet(row, 'mc:Ignorable="x14ac"')) == []
    problems = ooxml_schema.validate_part("s.xml", _worksheet(row))
    assert len(problems) == 1 and "dyDescent" in problems[0] and "not allowed" in problems[0]


def test_alternate_content_is_replaced_by_its_fallback(schemas: None) -> None:
    good = ('<mc:AlternateContent><mc:Choice Requires="x14ac"><x14ac:new/></mc:Choice>'
            '<mc:Fallback><row r="1"/></mc:Fallback></mc:AlternateContent>')
    assert ooxml_schema.validate_part("s.xml", _worksheet(good)) == []
    bad = good.replace('<row r="1"/>', "<bogus/>")
    problems = ooxml_schema.validate_part("s.xml", _worksheet(bad))
    assert len(problems) == 1 and "bogus" in problems[0]


def test_xml_space_is_allowed_on_sml_text_only(schemas: None) -> None:
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c></row>'
    assert ooxml_schema.validate_part("s.xml", _worksheet(cell)) == []
    on_cell = cell.replace('<c r="A1"', '<c xml:space="preserve" r="A1"')
    assert ooxml_schema.validate_part("s.xml", _worksheet(on_cell)) != []


def test_core_properties_dates_are_checked(schemas: None) -> None:
    with zipfile.ZipFile(REPO / "templates" / "invoice" / "invoice.xlsx") as zf:
        core = zf.read("docProps/core.xml")
    ctype = "application/vnd.openxmlformats-package.core-properties+xml"
    assert ooxml_schema.validate_part("docProps/core.xml", core, ctype) == []
    broken = core.replace(b"00Z</dcterms:created>", b"00Z tomorrow</dcterms:created>")
    assert broken != core
    assert ooxml_schema.validate_part("docProps/core.xml", broken, ctype) != []


def test_package_problems_name_their_part(schemas: None) -> None:
    source = REPO / "templates" / "invoice" / "invoice.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/settings.xml":
                data = data.replace(b'w:percent="100"', b'w:val="bestFit"')
            if item.filename == "word/styles.xml":
                data = data.replace(b"</w:styles>", b"<w:nonsense/></w:styles>")
            if item.filename == "docProps/app.xml":
                data = b"<unclosed>"
            zout.writestr(item, data)
    problems = ooxml_schema.validate_package(buf.getvalue())
    parts = sorted(p.split(":", 1)[0] for p in problems)
    assert parts == ["docProps/app.xml", "word/settings.xml", "word/styles.xml"], problems
    with pytest.raises(AssertionError, match="word/styles.xml"):
        ooxml_schema.assert_valid(buf.getvalue())


def test_a_part_holding_the_wrong_root_is_reported(schemas: None) -> None:
    xml = f'<w:styles {W_NS}/>'.encode()
    problems = ooxml_schema.validate_part("word/settings.xml", xml, SETTINGS)
    assert len(problems) == 1 and "needs root" in problems[0]


# ---------------------------------------------------------------- what docgen ships and writes

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind_name", KINDS)
def test_builtin_template_validates(schemas: None, kind_name: str, fmt: str) -> None:
    kind = kinds.get(kind_name)
    assert kind is not None
    ooxml_schema.assert_valid(kind.template_path(fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("kind_name", KINDS)
def test_rendered_document_validates(rendered: dict[tuple[str, str, str], Path],
                                     kind_name: str, code: str, fmt: str) -> None:
    path = rendered[(kind_name, code, fmt)]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    main = "word/document.xml" if fmt == "docx" else "xl/worksheets/sheet1.xml"
    assert main in names
    if fmt == "xlsx":  # the profile's logo: the drawing part is checked too
        assert any(n.startswith("xl/drawings/") and n.endswith(".xml") for n in names), names
    ooxml_schema.assert_valid(path)


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_a_template_made_with_python_docx_renders_valid(schemas: None, locale: str) -> None:
    # python-docx's default document writes <w:zoom w:val="bestFit"/> without the
    # w:percent CT_Zoom requires; such templates are common, so docgen completes it.
    import docx

    from docgen import Template

    doc = docx.Document()
    doc.add_paragraph("{{ client }} 귀하")
    buf = io.BytesIO()
    doc.save(buf)
    assert any("w:zoom" in p for p in ooxml_schema.validate_package(buf.getvalue()))
    out = Template(buf.getvalue()).render({"client": "한라식품"}, locale=locale)
    assert ooxml_schema.validate_package(out) == []
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        settings = zf.read("word/settings.xml").decode()
    assert 'w:percent="100"' in settings and 'w:val="bestFit"' in settings
