"""Hostile and malformed templates (issue 16, points 1 and 6).

Every built-in template is copied and broken one way: a DOCTYPE with an external
entity pointing at a secret file (general and parameter entities, UTF-8 and UTF-16,
after a long prolog), an entity reference without its declaration, a bad CRC, an
encrypted member, a compression method Office does not use, a member named with
``../``, an absolute name, a backslash, a drive or twice, a missing required part, bad
row numbers. Each goes through ``render``, ``fill``, ``batch`` and ``template check``
and must give exit 3 naming the template file (and the part), write nothing, and never
show the secret. A UTF-16 document or sheet works.
"""
from __future__ import annotations

import io
import json
import re
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from click.testing import CliRunner

from docgen import Template, TemplateError
from docgen.cli import main
from tests.support import REPO, SAMPLES

SECRET = "TOPSECRET-7f3a9c-the-local-file"
DOCX = REPO / "templates" / "minutes" / "minutes.docx"
XLSX = REPO / "templates" / "weekly" / "weekly.xlsx"
KINDS = {DOCX: ("minutes", "docx"), XLSX: ("weekly", "xlsx")}

Change = Callable[[str, bytes], Optional[bytes]]


# -- building the templates -------------------------------------------------------------

def rebuild(src: Path, change: Change, add: Optional[dict[str, bytes]] = None) -> bytes:
    """``src`` with each member's bytes passed through ``change`` (``None``: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def _split_declaration(text: str) -> tuple[str, str]:
    if text.startswith("<?xml"):
        end = text.index("?>") + 2
        return text[:end], text[end:]
    return "", text


def _with_reference(body: str, ref: str) -> str:
    """``ref`` as text of the root element, just before its end tag."""
    at = body.rfind("</")
    if at < 0:  # an empty root <a .../>: give it content
        at = body.rindex("/>")
        end = re.match(r"\s*<([^\s>/]+)", body)
        assert end is not None
        return body[:at] + ">" + ref + f"</{end.group(1)}>" + body[at + 2:]
    return body[:at] + ref + body[at:]


def inject(text: str, variant: str, secret: Path, dtd: Path) -> bytes:
    """The XML part ``text`` carrying the attack ``variant`` at ``secret``."""
    decl, body = _split_declaration(text)
    url = secret.as_uri()
    if variant == "external":
        doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'
        return (decl + doctype + _with_reference(body, "&xxe;")).encode()
    if variant == "parameter":  # the secret reaches a general entity through a DTD file
        doctype = f'<!DOCTYPE x [<!ENTITY % remote SYSTEM "{dtd.as_uri()}"> %remote; %wrap;]>'
        return (decl + doctype + _with_reference(body, "&leak;")).encode()
    if variant == "utf16":
        doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'
        head = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>'
        return (head + doctype + _with_reference(body, "&xxe;")).encode("utf-16")
    if variant == "late":  # the DOCTYPE after a 6 KB comment, past a first glance
        doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'
        comment = "<!--" + "x" * 6000 + "-->"
        return (decl + comment + doctype + _with_reference(body, "&xxe;")).encode()
    if variant == "undeclared":  # copied as is, Word would call the file corrupt
        return (decl + _with_reference(body, "&xxe;")).encode()
    raise AssertionError(variant)


def secret_files(folder: Path) -> tuple[Path, Path]:
    secret = folder / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    dtd = folder / "evil.dtd"
    dtd.write_text(f'<!ENTITY % file SYSTEM "{secret.as_uri()}">'
                   '<!ENTITY % wrap "<!ENTITY leak \'%file;\'>">', encoding="utf-8")
    return secret, dtd


def hostile(src: Path, part: str, variant: str, folder: Path) -> bytes:
    secret, dtd = secret_files(folder)

    def change(name: str, data: bytes) -> bytes:
        return inject(data.decode("utf-8"), variant, secret, dtd) if name == part else data

    return rebuild(src, change)


# -- low-level zips ---------------------------------------------------------------------

def patched(data: bytes, name: str, *, crc: Optional[int] = None, flags: Optional[int] = None,
            method: Optional[int] = None, size: Optional[int] = None) -> bytes:
    """``data`` (a zip) with the local and central headers of ``name`` changed."""
    buf = bytearray(data)
    raw = name.encode()
    for sig, flag_at, method_at, crc_at, usize_at, name_len_at, name_at in (
            (b"PK\x03\x04", 6, 8, 14, 22, 26, 30), (b"PK\x01\x02", 8, 10, 16, 24, 28, 46)):
        pos = 0
        while (pos := buf.find(sig, pos)) >= 0:
            (n,) = struct.unpack_from("<H", buf, pos + name_len_at)
            if bytes(buf[pos + name_at:pos + name_at + n]) == raw:
                if crc is not None:
                    struct.pack_into("<I", buf, pos + crc_at, crc)
                if flags is not None:
                    struct.pack_into("<H", buf, pos + flag_at, flags)
                if method is not None:
                    struct.pack_into("<H", buf, pos + method_at, method)
                if size is not None:
                    struct.pack_into("<I", buf, pos + usize_at, size)
            pos += 4
    return bytes(buf)


def renamed(src: Path, old: str, new: str, *, keep: bool = False) -> bytes:
    """``src`` with member ``old`` written as ``new`` (``keep``: as both)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: wanted here
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == old:
                if keep:
                    zout.writestr(old, data)
                info = zipfile.ZipInfo(new)
            zout.writestr(info, data)
    return out.getvalue()


# -- running the commands ---------------------------------------------------------------

COMMANDS = ("render", "fill", "batch", "check")


def run(command: str, template: Path, tmp: Path) -> tuple[Any, Path]:
    """``command`` with ``template`` (output in ``tmp/out``); the result and that folder."""
    kind, fmt = KINDS[DOCX if template.suffix == ".docx" else XLSX]
    data = SAMPLES / kind / "en.yaml"
    out = tmp / "out"
    if command == "render":
        args = ["render", kind, str(data), "--template", str(template), "-f", fmt, "-o", str(out)]
    elif command == "fill":
        args = ["fill", str(template), str(data), "-o", str(out / f"x.{fmt}")]
    elif command == "batch":
        records = tmp / "records"
        records.mkdir(exist_ok=True)
        (records / "one.yaml").write_bytes(data.read_bytes())
        args = ["batch", kind, str(records), "--template", str(template), "-f", fmt,
                "-o", str(out), "-j", "1", "-q"]
    else:
        args = ["template", "check", str(template)]
    result = CliRunner().invoke(main, [*args, "-l", "en"])
    return result, out


def assert_refused(result: Any, out: Path, template: Path, part: Optional[str],
                   message: Optional[str] = None) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == 3, result.output
    where = f"{template}:{part}:" if part else f"{template}:"
    assert where in result.output, result.output
    if message:
        assert message in result.output, result.output
    assert SECRET not in result.output
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert written == [], written


def _fmt(src: Path) -> str:
    return "docx" if src.suffix == ".docx" else "xlsx"


# -- point 1: DOCTYPE and entities ------------------------------------------------------

DOCX_PARTS = ["word/styles.xml", "word/settings.xml", "[Content_Types].xml", "_rels/.rels",
              "customXml/item1.xml", "docProps/core.xml", "docProps/app.xml",
              "word/document.xml", "word/_rels/document.xml.rels", "word/footer1.xml"]
XLSX_PARTS = ["xl/styles.xml", "[Content_Types].xml", "xl/workbook.xml",
              "xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels", "docProps/core.xml",
              "docProps/app.xml", "xl/theme/theme1.xml"]
PARTS = [(DOCX, p) for p in DOCX_PARTS] + [(XLSX, p) for p in XLSX_PARTS]
VARIANTS = ["external", "parameter", "utf16", "late", "undeclared"]


@pytest.mark.parametrize("src,part", PARTS, ids=[f"{s.suffix[1:]}-{p}" for s, p in PARTS])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_doctype_in_any_part_is_refused(src: Path, part: str, command: str,
                                          tmp_path: Path) -> None:
    template = tmp_path / f"t.{_fmt(src)}"
    template.write_bytes(hostile(src, part, "external", tmp_path))
    result, out = run(command, template, tmp_path)
    assert_refused(result, out, template, part, "document type declaration")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("src,part", [(DOCX, "word/styles.xml"), (DOCX, "word/document.xml"),
                                      (XLSX, "xl/styles.xml"),
                                      (XLSX, "xl/worksheets/sheet1.xml")])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_entity_attack_is_refused(src: Path, part: str, variant: str, command: str,
                                        tmp_path: Path) -> None:
    template = tmp_path / f"t.{_fmt(src)}"
    template.write_bytes(hostile(src, part, variant, tmp_path))
    result, out = run(command, template, tmp_path)
    message = "broken XML" if variant == "undeclared" else "document type declaration"
    assert_refused(result, out, template, part, message)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("src,part", PARTS, ids=[f"{s.suffix[1:]}-{p}" for s, p in PARTS])
def test_the_api_refuses_them_and_never_reads_the_secret(src: Path, part: str, variant: str,
                                                         tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as err:
        Template(hostile(src, part, variant, tmp_path), name="t")
    assert err.value.exit_code == 3 and err.value.location is not None
    assert err.value.location.part == part
    assert SECRET not in str(err.value)


def test_the_message_is_translated(tmp_path: Path) -> None:
    template = tmp_path / "t.docx"
    template.write_bytes(hostile(DOCX, "word/styles.xml", "external", tmp_path))
    result = CliRunner().invoke(main, ["template", "check", str(template), "-l", "ko"])
    assert result.exit_code == 3
    assert f"{template}:word/styles.xml:" in result.output
    assert "문서 형식 선언(<!DOCTYPE>)" in result.output, result.output


# -- point 6: malformed packages --------------------------------------------------------

def _bad_crc(src: Path) -> tuple[bytes, str]:
    data = rebuild(src, lambda n, d: d)
    part = "word/document.xml" if src == DOCX else "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        crc = z.getinfo(part).CRC
    return patched(data, part, crc=crc ^ 0xFFFF), part


def _encrypted(src: Path) -> tuple[bytes, str]:
    part = "word/styles.xml" if src == DOCX else "xl/styles.xml"
    return patched(rebuild(src, lambda n, d: d), part, flags=0x1), part


def _bzip2(src: Path) -> tuple[bytes, str]:
    part = "word/settings.xml" if src == DOCX else "xl/workbook.xml"
    return patched(rebuild(src, lambda n, d: d), part, method=12), part


def _lying_size(src: Path) -> tuple[bytes, str]:
    """The directory says 100 bytes; the data inflates to the whole part."""
    part = "word/document.xml" if src == DOCX else "xl/worksheets/sheet1.xml"
    return patched(rebuild(src, lambda n, d: d), part, size=100), part


def _truncated_member(src: Path) -> tuple[bytes, str]:
    """The deflate stream of a part cut in half (its directory entry intact)."""
    part = "word/document.xml" if src == DOCX else "xl/worksheets/sheet1.xml"
    data = rebuild(src, lambda n, d: d)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(part)
    start = info.header_offset + 30 + len(part.encode())
    buf = bytearray(data)
    for i in range(start + info.compress_size // 2, start + info.compress_size):
        buf[i] = 0
    return bytes(buf), part


def _name(new: str) -> Callable[[Path], tuple[bytes, Optional[str]]]:
    def build(src: Path) -> tuple[bytes, Optional[str]]:
        return renamed(src, "docProps/app.xml", new, keep=True), None
    return build


def _duplicate(src: Path) -> tuple[bytes, Optional[str]]:
    part = "word/document.xml" if src == DOCX else "xl/workbook.xml"
    return renamed(src, part, part, keep=True), part


def _duplicate_case(src: Path) -> tuple[bytes, Optional[str]]:
    part = "word/document.xml" if src == DOCX else "xl/workbook.xml"
    return renamed(src, part, part.upper(), keep=True), part.upper()


def _missing(part: str, message: str) -> Callable[[Path], tuple[bytes, Optional[str]]]:
    def build(src: Path) -> tuple[bytes, Optional[str]]:
        return rebuild(src, lambda n, d: None if n == part else d), None
    build.message = message  # type: ignore[attr-defined]
    return build


MALFORMED: dict[str, Callable[[Path], tuple[bytes, Optional[str]]]] = {
    "bad_crc": _bad_crc, "encrypted": _encrypted, "bzip2": _bzip2,
    "inflates_past_its_size": _lying_size, "damaged_data": _truncated_member,
    "dotdot": _name("../../evil.xml"), "absolute": _name("/etc/evil.xml"),
    "backslash": _name("word\\evil.xml"), "drive": _name("C:/evil.xml"),
    "inner_dotdot": _name("word/../../evil.xml"),
    "duplicate": _duplicate, "duplicate_other_case": _duplicate_case,
    "no_content_types": _missing("[Content_Types].xml", "[Content_Types].xml"),
}
MESSAGES = {"bad_crc": "bad CRC", "encrypted": "encrypted", "bzip2": "compression method 12",
            "inflates_past_its_size": "more than the 100 bytes",
            "damaged_data": "its data", "duplicate": "two members",
            "duplicate_other_case": "two members", "no_content_types": "[Content_Types].xml"}


@pytest.mark.parametrize("src", [DOCX, XLSX], ids=["docx", "xlsx"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("command", COMMANDS)
def test_a_malformed_package_is_refused(case: str, src: Path, command: str,
                                        tmp_path: Path) -> None:
    data, part = MALFORMED[case](src)
    template = tmp_path / f"t.{_fmt(src)}"
    template.write_bytes(data)
    result, out = run(command, template, tmp_path)
    message = MESSAGES.get(case, "not a part name")
    assert_refused(result, out, template, part, message)


@pytest.mark.parametrize("src,part,message", [
    (DOCX, "word/document.xml", "no word/document.xml"),
    (XLSX, "xl/workbook.xml", "no xl/workbook.xml"),
    (XLSX, "xl/worksheets/sheet1.xml", "names the sheet 'Weekly'"),
])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_required_part_is_refused(src: Path, part: str, message: str, command: str,
                                            tmp_path: Path) -> None:
    template = tmp_path / f"t.{_fmt(src)}"
    template.write_bytes(rebuild(src, lambda n, d: None if n == part else d))
    result, out = run(command, template, tmp_path)
    assert_refused(result, out, template, part if "sheet" in part else None, message)


def _rows(change: Callable[[list[re.Match[str]], str], str]) -> bytes:
    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        text = data.decode("utf-8")
        return change(list(re.finditer(r'<row r="(\d+)"', text)), text).encode()
    return rebuild(XLSX, edit)


def _row_number(value: str) -> Callable[[list[re.Match[str]], str], str]:
    def change(rows: list[re.Match[str]], text: str) -> str:
        m = rows[2]
        return text[:m.start(1)] + value + text[m.end(1):]
    return change


def _cell(value: str) -> Callable[[list[re.Match[str]], str], str]:
    def change(rows: list[re.Match[str]], text: str) -> str:
        m = list(re.finditer(r'<c r="([A-Z]+\d+)"', text))[5]
        return text[:m.start(1)] + value + text[m.end(1):]
    return change


ROWS = {"zero": (_row_number("0"), "row numbered '0'"),
        "letters": (_row_number("abc"), "row numbered 'abc'"),
        "huge": (_row_number("99999999"), "row numbered '99999999'"),
        "negative": (_row_number("-1"), "row numbered '-1'"),
        "fraction": (_row_number("1.5"), "row numbered '1.5'"),
        "decreasing": (_row_number("1"), "after row 2"),
        "cell_in_another_row": (_cell("A1"), "a cell 'A1' in row 3"),
        "cell_row_zero": (_cell("A0"), "a cell 'A0'"),
        "cell_past_xfd": (_cell("XFE3"), "a cell 'XFE3'")}


@pytest.mark.parametrize("case", sorted(ROWS))
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_row_numbers_are_refused(case: str, command: str, tmp_path: Path) -> None:
    change, message = ROWS[case]
    template = tmp_path / "t.xlsx"
    template.write_bytes(_rows(change))
    result, out = run(command, template, tmp_path)
    assert_refused(result, out, template, "xl/worksheets/sheet1.xml", message)


# -- UTF-16 parts work ------------------------------------------------------------------

def _utf16(name: str, data: bytes, parts: set[str]) -> bytes:
    if name not in parts:
        return data
    text = data.decode("utf-8")
    decl, body = _split_declaration(text)
    return ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>' + body).encode("utf-16")


@pytest.mark.parametrize("src,parts", [
    (DOCX, {"word/document.xml", "word/styles.xml", "word/settings.xml", "[Content_Types].xml",
            "word/_rels/document.xml.rels", "docProps/core.xml"}),
    (XLSX, {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml",
            "[Content_Types].xml", "docProps/core.xml"}),
], ids=["docx", "xlsx"])
def test_utf16_parts_render_like_utf8_ones(src: Path, parts: set[str], tmp_path: Path) -> None:
    template = tmp_path / f"t.{_fmt(src)}"
    template.write_bytes(rebuild(src, lambda n, d: _utf16(n, d, parts)))
    result, out = run("render", template, tmp_path)
    assert result.exit_code == 0, result.output
    (made,) = [p for p in out.iterdir() if p.is_file()]
    plain = tmp_path / "plain"
    plain.mkdir()
    reference, ref_out = run("render", src, plain)
    assert reference.exit_code == 0, reference.output
    (expected,) = [p for p in ref_out.iterdir() if p.is_file()]
    with zipfile.ZipFile(made) as a, zipfile.ZipFile(expected) as b:
        assert a.namelist() == b.namelist()
        for name in parts:  # the same document, as UTF-8
            assert _canonical(a.read(name)) == _canonical(b.read(name)), name
    if src == DOCX:
        import docx
        assert any(p.text for p in docx.Document(str(made)).paragraphs)
    else:
        import openpyxl
        wb = openpyxl.load_workbook(str(made))
        assert wb.sheetnames == ["Weekly"]


def _canonical(data: bytes) -> bytes:
    from lxml import etree
    out: bytes = etree.tostring(etree.fromstring(data), method="c14n")
    return out


def test_the_template_check_json_names_the_part(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    template.write_bytes(hostile(XLSX, "xl/styles.xml", "external", tmp_path))
    result = CliRunner().invoke(main, ["template", "check", str(template), "--json", "-l", "en"])
    assert result.exit_code == 3
    (problem,) = json.loads(result.stdout)
    assert problem["part"] == "xl/styles.xml" and SECRET not in result.stdout
