"""SpreadsheetML basics shared by the Excel engine: namespaces, escaping, and the
package plumbing (relationships, content types) an .xlsx is made of."""
from __future__ import annotations

import re
from typing import Optional

from lxml import etree

from ..ooxml.rels import add_override as add_override
from ..ooxml.rels import drop_override as drop_override
from ..ooxml.rels import read_rels as read_rels
from ..ooxml.rels import resolve_target as resolve_target
from ..ooxml.strings import si_text as si_text
from ..ooxml.xml import PARSER as _OOXML_PARSER

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S = "{%s}" % S_NS
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
XDR = "{%s}" % XDR_NS
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"

PARSER = _OOXML_PARSER  # docgen.ooxml: the one hardened parser
# The package plumbing lives in docgen.ooxml (shared with the readers and the Word engine);
# re-exported here for the Excel engine modules.
# XML 1.0 forbids these characters even as references; Excel refuses such files.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XML_NS = "http://www.w3.org/XML/1998/namespace"


def esc(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return FORBIDDEN.sub("", text)


def attr_esc(text: str) -> str:
    """An attribute value, escaped so that it reads back exactly (whitespace too)."""
    text = esc(text).replace('"', "&quot;")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    return text


def _declaration(prefix: Optional[str], uri: str) -> str:
    return f' xmlns="{attr_esc(uri)}"' if prefix is None else f' xmlns:{prefix}="{attr_esc(uri)}"'


def serialize(el: etree._Element) -> str:
    """``el`` as XML to be written back inside its own document's root element.

    lxml repeats every namespace declaration in scope on the element it serialises;
    the ones the root already makes are dropped (the root is written as the
    template had it), those the element or its ancestors below the root made stay,
    and so does the one of the element's own prefix (Excel declares ``xmlns:mc`` on
    every ``mc:AlternateContent`` and expects it there)."""
    text: str = etree.tostring(el, encoding="unicode")
    end = text.find(">")
    head = text[:end]
    root = el.getroottree().getroot()
    own = el.prefix
    for prefix, uri in root.nsmap.items():
        if prefix is not None and prefix == own:
            continue
        decl = _declaration(prefix, uri)
        if decl in head:  # quotes inside attribute values are &quot;: no false match
            head = head.replace(decl, "", 1)
    return head + text[end:]


def qualified_attrs(el: etree._Element, skip: frozenset[str] = frozenset()) -> str:
    """``el``'s attributes as the template wrote them (``x14ac:dyDescent``, not lxml's
    ``{uri}dyDescent``), for an element rewritten as text inside its document's root:
    a prefix the root does not declare is declared here. Names in ``skip`` (unprefixed)
    are left out."""
    out = []
    decls: dict[str, str] = {}
    prefixes: Optional[dict[str, str]] = None
    root_map: dict[Optional[str], str] = {}
    for key, value in el.attrib.items():
        if key[0] == "{":
            uri, local = key[1:].split("}", 1)
            if uri == XML_NS:
                name = "xml:" + local
            else:
                if prefixes is None:
                    root_map = el.getroottree().getroot().nsmap
                    scope = el.nsmap
                    prefixes = {u: p for p, u in scope.items() if p}
                    for p, u in root_map.items():  # the root's own prefix when it is in force
                        if p and scope.get(p) == u:
                            prefixes[u] = p
                prefix = prefixes.get(uri)
                if prefix is None:  # not declared by name: lxml made one up
                    prefix = prefixes[uri] = f"ns{len(decls)}"
                if root_map.get(prefix) != uri:
                    decls[prefix] = uri
                name = f"{prefix}:{local}"
        elif key in skip:
            continue
        else:
            name = key
        out.append(f' {name}="{attr_esc(value)}"')
    return "".join(_declaration(p, u) for p, u in decls.items()) + "".join(out)


def drop_rel(xml: bytes, kind: str) -> bytes:
    root = etree.fromstring(xml, PARSER)
    for el in list(root):
        if (el.get("Type") or "").endswith("/" + kind):
            root.remove(el)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def root_tag(prefix: str) -> str:
    m = re.search(r"<([A-Za-z_][\w.-]*:)?worksheet\b", prefix)
    return (m.group(1) or "") + "worksheet" if m else "worksheet"
