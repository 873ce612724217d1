"""SpreadsheetML strings: shared (``xl/sharedStrings.xml``) and inline."""
from __future__ import annotations

from typing import Optional

from lxml import etree

from .xml import parse

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S = "{%s}" % S_NS


def si_text(si: etree._Element) -> str:
    """Text of a shared/inline string (rich runs joined; phonetic guides ignored)."""
    parts = []
    for t in si.iter(S + "t"):
        parent = t.getparent()
        if parent is not None and etree.QName(parent).localname == "rPh":
            continue
        parts.append(t.text or "")
    return "".join(parts)


def read_shared_strings(xml: Optional[bytes]) -> list[str]:
    """Every shared string's text, in index order (none without the part)."""
    if not xml:
        return []
    return [si_text(si) for si in parse(xml, "xl/sharedStrings.xml").iter(S + "si")]
