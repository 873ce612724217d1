"""A stable text listing of a .docx/.xlsx template, for reviewing changes in git.

    python tools/dump_template.py templates/invoice/invoice.xlsx            # to stdout
    python tools/dump_template.py templates/invoice/invoice.xlsx -o dump.txt
    python tools/dump_template.py --text-only templates/minutes/minutes.docx

First the text an author sees: each worksheet's cells (``Sheet!A1: text``, with the
merged ranges and row heights) or each Word part's paragraphs, then every part of
the package: XML pretty-printed with attributes sorted, other parts as their size
and SHA-256. Two saves of the same content dump the same text, whatever order or
indentation the saving program used, so ``diff`` shows what really changed.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from pathlib import Path
from typing import Iterator, Optional, Sequence

from lxml import etree

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
S = f"{{{S_NS}}}"
W = f"{{{W_NS}}}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True,
                         huge_tree=False)
XML_SUFFIXES = (".xml", ".rels", ".vml")


def normalized_xml(data: bytes) -> str:
    """``data`` pretty-printed, each element's attributes sorted by name."""
    root = etree.fromstring(data, PARSER)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        items = sorted(el.attrib.items())
        el.attrib.clear()
        for k, v in items:
            el.set(k, v)
        # whitespace-only text between elements is layout, not content (xml:space
        # preserved text keeps its spaces: only the text of <t> can be significant)
        if el.text is not None and not el.text.strip() and len(el):
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    etree.indent(root, space="  ")
    text: str = etree.tostring(root, encoding="unicode")
    return text


# -- Excel -------------------------------------------------------------------------------


def _string_text(el: Optional[etree._Element]) -> str:
    if el is None:
        return ""
    return "".join(t.text or "" for t in el.iter(S + "t")
                   if t.getparent() is not None and etree.QName(t.getparent()).localname != "rPh")


def _xlsx_sheets(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    wb = etree.fromstring(zf.read("xl/workbook.xml"), PARSER)
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), PARSER)
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sh in wb.iter(S + "sheet"):
        target = targets.get(sh.get(f"{{{R_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out.append((sh.get("name") or "", part))
    return out


def xlsx_text(zf: zipfile.ZipFile) -> Iterator[str]:
    """Each sheet's cells as ``Sheet!A1: text`` (formulas as ``=…``), merges, heights."""
    names = set(zf.namelist())
    shared: list[str] = []
    if "xl/sharedStrings.xml" in names:
        sst = etree.fromstring(zf.read("xl/sharedStrings.xml"), PARSER)
        shared = [_string_text(si) for si in sst.iter(S + "si")]
    for sheet, part in _xlsx_sheets(zf):
        if part not in names:
            continue
        root = etree.fromstring(zf.read(part), PARSER)
        yield f"## sheet {sheet} ({part})"
        for row in root.iter(S + "row"):
            ht = row.get("ht")
            if ht:
                custom = " custom" if row.get("customHeight") in ("1", "true") else ""
                yield f"{sheet}!row {row.get('r')}: height {ht}{custom}"
            for c in row.iter(S + "c"):
                f = c.findtext(S + "f")
                t = c.get("t")
                if f is not None:
                    text = "=" + f
                elif t == "s":
                    try:
                        text = shared[int(c.findtext(S + "v") or "")]
                    except (ValueError, IndexError):
                        text = "?"
                elif t == "inlineStr":
                    text = _string_text(c.find(S + "is"))
                else:
                    text = c.findtext(S + "v") or ""
                if text:
                    yield f"{sheet}!{c.get('r')}: {_one_line(text)}"
        for m in root.iter(S + "mergeCell"):
            yield f"{sheet}!merge {m.get('ref')}"
        hf = root.find(S + "headerFooter")
        for sub in (hf if hf is not None else []):
            if isinstance(sub.tag, str) and sub.text:
                yield f"{sheet}!{etree.QName(sub).localname}: {_one_line(sub.text)}"


# -- Word --------------------------------------------------------------------------------


def docx_text(zf: zipfile.ZipFile) -> Iterator[str]:
    """Each document, header and footer part's paragraphs, one line each (table
    cells' paragraphs too, in document order), numbered within the part."""
    parts = ["word/document.xml"] + sorted(
        n for n in zf.namelist() if re.match(r"word/(header|footer|footnotes|endnotes)\d*\.xml$", n))
    for part in parts:
        if part not in zf.namelist():
            continue
        root = etree.fromstring(zf.read(part), PARSER)
        yield f"## {part}"
        for i, p in enumerate(root.iter(W + "p"), start=1):
            text = "".join(
                (t.text or "") if t.tag == W + "t" else "\t" if t.tag == W + "tab" else "\n"
                for t in p.iter(W + "t", W + "tab", W + "br"))
            if text.strip():
                where = "table " if any(a.tag == W + "tc" for a in p.iterancestors()) else ""
                yield f"{part} {where}p{i}: {_one_line(text)}"


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


# -- the whole package ---------------------------------------------------------------------


def dump(path: Path, text_only: bool = False) -> str:
    """The listing of ``path`` (see the module docstring)."""
    lines: list[str] = [f"# {path.name}"]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "xl/workbook.xml" in names:
            lines += xlsx_text(zf)
        elif "word/document.xml" in names:
            lines += docx_text(zf)
        if not text_only:
            for name in sorted(names):
                data = zf.read(name)
                if name.endswith(XML_SUFFIXES):
                    lines.append(f"## part {name}")
                    try:
                        lines.append(normalized_xml(data))
                    except etree.XMLSyntaxError as exc:
                        lines.append(f"(broken XML: {exc})")
                elif not name.endswith("/"):
                    digest = hashlib.sha256(data).hexdigest()
                    lines.append(f"## part {name}: {len(data)} bytes, sha256 {digest}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    parser.add_argument("--text-only", action="store_true",
                        help="only the cells / paragraphs, not the parts' XML")
    args = parser.parse_args(list(argv))
    try:
        text = dump(args.template, args.text_only)
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        print(f"{args.template}: cannot read ({exc})", file=sys.stderr)
        return 1
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
