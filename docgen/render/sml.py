"""SpreadsheetML basics shared by the Excel engine: namespaces, escaping, and the
package plumbing (relationships, content types) an .xlsx is made of."""
from __future__ import annotations

import re
from typing import Optional

from lxml import etree

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S = "{%s}" % S_NS
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
XDR = "{%s}" % XDR_NS
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
# XML 1.0 forbids these characters even as references; Excel refuses such files.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DEFAULT_NS_DECL = f' xmlns="{S_NS}"'


def esc(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return FORBIDDEN.sub("", text)


def attr_esc(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def serialize(el: etree._Element) -> str:
    text: str = etree.tostring(el, encoding="unicode")
    return text.replace(DEFAULT_NS_DECL, "")


def si_text(si: etree._Element) -> str:
    """Text of a shared/inline string (rich runs joined; phonetic guides ignored)."""
    parts = []
    for t in si.iter(S + "t"):
        parent = t.getparent()
        if parent is not None and etree.QName(parent).localname == "rPh":
            continue
        parts.append(t.text or "")
    return "".join(parts)


def read_rels(xml: Optional[bytes]) -> dict[str, tuple[str, str]]:
    if not xml:
        return {}
    root = etree.fromstring(xml, PARSER)
    return {el.get("Id") or "": (el.get("Type") or "", el.get("Target") or "")
            for el in root if el.get("TargetMode") != "External"}


def resolve_target(part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    folder = part.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            folder = folder[:-1]
        elif piece not in ("", "."):
            folder.append(piece)
    return "/".join(folder)


def drop_rel(xml: bytes, kind: str) -> bytes:
    root = etree.fromstring(xml, PARSER)
    for el in list(root):
        if (el.get("Type") or "").endswith("/" + kind):
            root.remove(el)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def add_override(xml: bytes, part: str, ctype: str) -> bytes:
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    root = etree.fromstring(xml, PARSER)
    if not any(el.get("PartName") == part for el in root):
        etree.SubElement(root, f"{{{ct}}}Override", PartName=part, ContentType=ctype)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def root_tag(prefix: str) -> str:
    m = re.search(r"<([A-Za-z_][\w.-]*:)?worksheet\b", prefix)
    return (m.group(1) or "") + "worksheet" if m else "worksheet"
