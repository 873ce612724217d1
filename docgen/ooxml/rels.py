"""Relationships, part names and content types of an OPC package."""
from __future__ import annotations

from typing import Optional

from lxml import etree

from .xml import parse

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def read_rels(xml: Optional[bytes]) -> dict[str, tuple[str, str]]:
    """Internal relationships of a ``.rels`` part: ``Id -> (Type, Target)``."""
    if not xml:
        return {}
    root = parse(xml, "relationships")
    return {el.get("Id") or "": (el.get("Type") or "", el.get("Target") or "")
            for el in root if el.get("TargetMode") != "External"}


def resolve_target(part: str, target: str) -> str:
    """The part name a relationship of ``part`` points at (``../media/a.png`` from
    ``word/document.xml`` is ``media/a.png``…); absolute targets drop the ``/``."""
    if target.startswith("/"):
        return target[1:]
    folder = part.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            folder = folder[:-1]
        elif piece not in ("", "."):
            folder.append(piece)
    return "/".join(folder)


def _serialize(root: etree._Element) -> bytes:
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def add_override(xml: bytes, part: str, ctype: str) -> bytes:
    """``[Content_Types].xml`` with an override for ``part`` (kept if present)."""
    root = parse(xml, "[Content_Types].xml")
    if not any(el.get("PartName") == part for el in root):
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=part, ContentType=ctype)
    return _serialize(root)


def drop_override(xml: bytes, part: str) -> bytes:
    """Content types without the override for ``part`` (a part left out)."""
    if part.encode() not in xml:
        return xml
    root = parse(xml, "[Content_Types].xml")
    for el in list(root):
        if el.get("PartName") == part:
            root.remove(el)
    return _serialize(root)


def content_types(xml: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """``(defaults by extension, overrides by part name)`` of ``[Content_Types].xml``."""
    root = parse(xml, "[Content_Types].xml")
    defaults = {(el.get("Extension") or "").lower(): el.get("ContentType") or ""
                for el in root if etree.QName(el).localname == "Default"}
    overrides = {el.get("PartName") or "": el.get("ContentType") or ""
                 for el in root if etree.QName(el).localname == "Override"}
    return defaults, overrides
