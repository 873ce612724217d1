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


# -- zip bombs: declared and actual sizes (issue 16, point 3) ---------------------------

def _repeated(head: bytes, chunk: bytes, count: int, tail: bytes) -> tuple[int, int, bytes]:
    """``(crc, size, raw deflate)`` of ``head + chunk * count + tail``, built cheaply:
    the chunk is deflated once, flushed to a byte boundary and its output repeated."""
    import zlib

    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return (zlib.crc32(tail, crc), len(head) + len(chunk) * count + len(tail),
            first + body * count + end)


BUILTIN_DOCX = Path(__file__).resolve().parent.parent / "templates" / "minutes" / "minutes.docx"
DOC_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
            b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
DOC_TAIL = b"</w:body></w:document>"


def _with_document(crc: int, size: int, deflated: bytes) -> bytes:
    """The built-in minutes template with its word/document.xml replaced (raw member)."""
    from docgen.render.package import Member, make_member, write_package

    members = []
    with zipfile.ZipFile(BUILTIN_DOCX) as src:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                members.append(Member(info.filename, crc, size, deflated))
            else:
                members.append(make_member(info.filename, src.read(info)))
    return write_package(members)


def _gigabytes_of_paragraphs() -> tuple[int, int, bytes]:
    para = b"<w:p><w:r><w:t>" + b"A" * 65000 + b"</w:t></w:r></w:p>"
    return _repeated(DOC_HEAD, para * 16, 2048, DOC_TAIL)  # ~2 GB in ~2.6 MB


def _refused_quickly(data: bytes, match: str) -> tuple[float, int]:
    import time
    import tracemalloc

    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(TemplateError) as err:
        Template(data, name="bomb.docx")
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert match in str(err.value), str(err.value)
    assert err.value.exit_code == 3
    return elapsed, peak


def test_a_zip_bomb_declared_honestly_is_refused_before_inflating() -> None:
    crc, size, deflated = _gigabytes_of_paragraphs()
    data = _with_document(crc, size, deflated)
    assert len(data) < 3_000_000 and size > 2_000_000_000
    elapsed, peak = _refused_quickly(data, "when unpacked, more than the limit of 1073741824")
    assert elapsed < 1.0 and peak < 50 << 20, (elapsed, peak)


def test_a_zip_bomb_whose_directory_lies_is_stopped_at_the_declared_size() -> None:
    crc, size, deflated = _gigabytes_of_paragraphs()
    data = _with_document(crc, 26_291, deflated)  # the size of the real document.xml
    elapsed, peak = _refused_quickly(
        data, "bomb.docx:word/document.xml: not a readable .docx file (its data inflates to "
              "more than the 26291 bytes")
    assert elapsed < 1.0 and peak < 50 << 20, (elapsed, peak)


def test_a_lie_just_under_the_part_limit_costs_at_most_that_limit() -> None:
    crc, size, deflated = _gigabytes_of_paragraphs()
    data = _with_document(crc, (100 << 20) - 1, deflated)
    elapsed, peak = _refused_quickly(data, "inflates to more than the 104857599 bytes")
    assert elapsed < 3.0 and peak < 250 << 20, (elapsed, peak)


def test_a_400_mb_document_xml_is_refused_by_the_part_limit() -> None:
    import random

    rnd = random.Random(16)
    paras = b"".join(b"<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % rnd.randbytes(6).hex().encode()
                     + b"<w:p><w:r><w:t>" + b"x" * 300 + b"</w:t></w:r></w:p>"
                     for _ in range(2600))
    crc, size, deflated = _repeated(DOC_HEAD, paras, (400 << 20) // len(paras), DOC_TAIL)
    assert size > 400_000_000 and size < 200 * len(deflated)  # honest, under the ratio limit
    elapsed, peak = _refused_quickly(
        _with_document(crc, size, deflated),
        f"word/document.xml: not a readable .docx file ({size} bytes, more than the limit of "
        f"{100 << 20} bytes for one XML part)")
    assert elapsed < 1.0, elapsed


def test_actual_sizes_short_or_damaged_are_refused() -> None:
    import zlib

    data = b"<r>" + b"x" * 5000 + b"</r>"
    deflated = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = deflated.compress(data) + deflated.flush()
    from docgen.render.package import Member, write_package

    short = write_package([Member("a.xml", zlib.crc32(data), len(data) + 10, raw)])
    with pytest.raises(BadPackage, match="cut short"):
        read_members(short)
    bad_crc = write_package([Member("a.xml", zlib.crc32(data) ^ 1, len(data), raw)])
    with pytest.raises(BadPackage, match="bad CRC"):
        read_members(bad_crc)
    garbage = write_package([Member("a.xml", 0, 100, b"\xff" * 50)])
    with pytest.raises(BadPackage, match="damaged"):
        read_members(garbage)
    assert read_members(write_package([Member("a.xml", zlib.crc32(data), len(data), raw)])) \
        == [("a.xml", data)]


def test_a_streamed_sheet_of_an_input_workbook_is_capped_too(tmp_path: Path) -> None:
    """Input workbooks stream their sheet (ZipReader.open): the same size checks."""
    import openpyxl

    from docgen.sheetio import xlsx_rows

    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(1, 2000):
        ws.cell(row=i, column=1, value=f"row {i}")
    path = tmp_path / "in.xlsx"
    wb.save(str(path))
    assert len(xlsx_rows(path, str(path), None)) == 1999
    from tests.test_malformed_templates import patched

    path.write_bytes(patched(path.read_bytes(), "xl/worksheets/sheet1.xml", size=1000))
    with pytest.raises(InputError) as err:
        xlsx_rows(path, str(path), None)
    assert err.value.code == "read" and err.value.exit_code == 1


def test_names_and_flags_are_checked_before_reading() -> None:
    from docgen.ooxml.zip import bad_name

    for name in ("../x.xml", "a/../../x.xml", "/x.xml", "a\\b.xml", "C:/x.xml", "c:x", "a//b",
                 "./a.xml", "a/./b", "", "a\x00b", "a\nb"):
        assert bad_name(name), name
    for name in ("word/document.xml", "[Content_Types].xml", "_rels/.rels", "word/", "a..b.xml",
                 "customXml/item1.xml", "xl/media/이미지.png"):
        assert not bad_name(name), name


INPUT_WORKBOOK = Path(__file__).resolve().parent.parent / "samples" / "batch" / "weekly_tasks.xlsx"


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                  "xl/styles.xml", "xl/worksheets/sheet1.xml",
                                  "[Content_Types].xml", "docProps/core.xml",
                                  "xl/theme/theme1.xml"])
@pytest.mark.parametrize("variant", ["external", "parameter", "utf16"])
@pytest.mark.parametrize("command", ["validate", "batch"])
def test_a_doctype_in_any_part_of_an_input_workbook_is_an_input_error(
        part: str, variant: str, command: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from docgen.cli import main
    from tests.test_malformed_templates import SECRET, hostile

    data = tmp_path / "tasks.xlsx"
    data.write_bytes(hostile(INPUT_WORKBOOK, part, variant, tmp_path))
    out = tmp_path / "out"
    args = (["validate", "weekly", str(data)] if command == "validate" else
            ["batch", "weekly", str(data), "--group-by", "고객사", "-o", str(out), "-j", "1",
             "-q"])
    result = CliRunner().invoke(main, [*args, "-l", "en"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output
    assert f"{data}:{part}: not a readable .xlsx file (a document type declaration" \
        in result.output, result.output
    assert SECRET not in result.output
    assert not out.exists() or not any(out.rglob("*"))


def test_every_fromstring_names_the_hardened_parser() -> None:
    """``etree.fromstring(xml)`` alone would use lxml's default parser (entities
    resolved in lxml < 5): every call in docgen passes docgen.ooxml's."""
    import re

    root = Path(__file__).resolve().parent.parent / "docgen"
    bare = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"etree\.(?:fromstring|XML|parse|iterparse)\(([^()]*(?:\([^()]*\))?"
                             r"[^()]*)\)", text):
            if "PARSER" not in m.group(1) and "**options" not in m.group(1):  # _OPTIONS
                line = text[:m.start()].count("\n") + 1
                bare.append(f"{path.relative_to(root)}:{line}: {m.group(0)}")
    assert bare == []
