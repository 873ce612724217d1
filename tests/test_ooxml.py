"""docgen.ooxml: the one hardened parser, package limits (issue 10, point 6)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from docgen import InputError, TemplateError, Template
from docgen.ooxml import (
    PARSER,
    BadPackage,
    Limits,
    UnsafeXml,
    ZipReader,
    iterparse,
    parse,
    read_members,
    read_rels,
    read_shared_strings,
    resolve_target,
)
from docgen.ooxml.rels import add_override, content_types, drop_override

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b"<w:document xmlns:w='urn:x'><w:body>&lol2;</w:body></w:document>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<r>&x;</r>")


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL, b"<!DOCTYPE r><r/>",
                                 b"\xef\xbb\xbf<!-- c --><?pi x?>\n<!DOCTYPE r><r/>",
                                 "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE r><r/>"
                                 .encode("utf-16")])
def test_parser_refuses_a_doctype(xml: bytes) -> None:
    with pytest.raises(UnsafeXml):
        parse(xml, "word/document.xml")
    with pytest.raises(UnsafeXml):
        list(iterparse(io.BytesIO(xml), "sheet1"))


def test_parser_settings() -> None:
    # lxml exposes no getters for its options: check what they do instead.
    root = etree.fromstring(LAUGHS, PARSER)  # the bare parser: entities stay unexpanded
    assert b"lollol" not in etree.tostring(root)
    assert parse(b"<r a='1'><!-- c --><x/></r>").get("a") == "1"
    deep = b"<a>" * 300 + b"</a>" * 300  # huge_tree off: libxml2's depth limit holds
    with pytest.raises(etree.XMLSyntaxError):
        parse(deep)


def test_doctype_inside_text_is_not_a_doctype() -> None:
    assert parse(b"<r>&lt;!DOCTYPE x&gt;</r>").text == "<!DOCTYPE x>"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_package_refuses_unsafe_parts_and_bombs() -> None:
    with pytest.raises(BadPackage, match="DOCTYPE"):
        read_members(_zip({"word/document.xml": LAUGHS}))
    assert read_members(_zip({"media/a.bin": b"<!DOCTYPE anything"})) == [
        ("media/a.bin", b"<!DOCTYPE anything")]  # only XML parts are XML
    bomb = _zip({"big.xml": b"<r>" + b" " * (3 << 20) + b"</r>"})
    with pytest.raises(BadPackage, match="to 1"):
        read_members(bomb)
    with pytest.raises(BadPackage, match="more than the limit of 4"):
        read_members(_zip({f"{i}.txt": b"x" for i in range(5)}), Limits(members=4))
    with pytest.raises(BadPackage, match="when unpacked"):
        read_members(_zip({"a.txt": b"x" * 100}), Limits(total_size=99))
    with pytest.raises(BadPackage):
        read_members(b"not a zip")


def _docx_with_doctype() -> bytes:
    doc = Document()
    doc.add_paragraph("{{ x }}")
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b"?><!DOCTYPE w:document>", 1)
            zf.writestr(info, data)
    return out.getvalue()


def test_a_template_with_a_doctype_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        Template(_docx_with_doctype())


def test_an_input_workbook_with_a_doctype_is_an_input_error(tmp_path: Path) -> None:
    import openpyxl

    from docgen.sheetio import xlsx_rows

    wb = openpyxl.Workbook()
    wb.active["A1"] = "title"
    path = tmp_path / "in.xlsx"
    wb.save(str(path))
    src = zipfile.ZipFile(path)
    members = {i.filename: src.read(i) for i in src.infolist()}
    src.close()
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = (sheet.replace(b"?>", b"?><!DOCTYPE worksheet>", 1)
                                           if sheet.startswith(b"<?xml")
                                           else b"<!DOCTYPE worksheet>" + sheet)
    path.write_bytes(_zip(members))
    with pytest.raises(InputError) as err:
        xlsx_rows(path, str(path), None)
    assert err.value.code == "read"


def test_rels_content_types_and_strings() -> None:
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="t/image" Target="../media/a.png"/>'
            b'<Relationship Id="rId2" Type="t/link" Target="http://x" TargetMode="External"/>'
            b"</Relationships>")
    assert read_rels(rels) == {"rId1": ("t/image", "../media/a.png")}
    assert resolve_target("word/document.xml", "../media/a.png") == "media/a.png"
    assert resolve_target("xl/workbook.xml", "/xl/worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    ct = (b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="XML" ContentType="application/xml"/></Types>')
    added = add_override(ct, "/word/document.xml", "doc")
    defaults, overrides = content_types(added)
    assert defaults == {"xml": "application/xml"} and overrides == {"/word/document.xml": "doc"}
    assert content_types(drop_override(added, "/word/document.xml"))[1] == {}
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b"<si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r><rPh><t>x</t></rPh></si></sst>")
    assert read_shared_strings(sst) == ["a", "bc"]


def test_zip_reader_streams() -> None:
    with ZipReader(_zip({"a.xml": b"<r/>", "b.txt": b"hi"})) as reader:
        assert "a.xml" in reader and reader.names == ["a.xml", "b.txt"]
        with reader.open("b.txt") as fh:
            assert fh.read() == b"hi"
        with pytest.raises(KeyError):
            reader.read("missing.xml")


def test_every_part_parser_is_the_hardened_one() -> None:
    """No module parses template or input XML with a parser of its own."""
    import re

    root = Path(__file__).resolve().parent.parent / "docgen"
    own = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.parent.name == "ooxml":
            continue
        if re.search(r"XMLParser\(|huge_tree\s*=\s*True", text):
            own.append(path.name)
    assert own == []
