"""Validate OOXML packages against the ECMA-376 Transitional schemas (a test helper).

API (all problems are strings ``"part:line: message"``; an empty list means valid):

- ``validate_package(path_or_bytes) -> list[str]`` — every XML part of a .docx/.xlsx
  (a path, or the zip's bytes) whose root element belongs to a namespace the schemas
  cover: document, styles, settings, numbering, fontTable, headers/footers, footnotes,
  endnotes, comments, worksheets, sharedStrings, workbook, tables, drawings, theme,
  core/app/custom properties, ``[Content_Types].xml`` and every ``.rels``. A part whose
  content type (from ``[Content_Types].xml``) names a known root but holds another is a
  problem too. Parts in namespaces no schema covers, and custom XML data parts (typed
  only ``application/xml``, e.g. ``customXml/item1.xml``) are skipped.
- ``validate_part(part_name, xml_bytes, content_type=None) -> list[str]`` — one part.
- ``assert_valid(path_or_bytes)`` — raises ``AssertionError`` listing every problem.
- ``SCHEMA_DIR`` (``REPO.parent / "shared" / "ooxml-schemas"``, or the env variable
  ``DOCGEN_OOXML_SCHEMAS``), ``available() -> bool`` and ``require()`` — ``require()``
  skips the calling test when the schemas are absent, and fails it when ``CI`` is set.

In a test::

    from tests import ooxml_schema

    def test_output_is_valid_ooxml() -> None:
        ooxml_schema.require()
        ooxml_schema.assert_valid(Template(path).render(context, "ko"))

Before validating, Markup Compatibility is applied as Office does (README of the schema
folder): elements and attributes whose namespace is listed in ``mc:Ignorable`` are
removed, each ``mc:AlternateContent`` is replaced by the children of its ``mc:Fallback``,
and the ``mc:`` attributes themselves are dropped. ``xml:space`` on SpreadsheetML ``<t>``
(written by Excel, undeclared in sml.xsd) is allowed.

All schemas are compiled once per process into one ``XMLSchema`` (a driver schema that
imports every namespace from the local folder, so cross-imports without a
``schemaLocation`` — the ``xml:`` namespace — resolve locally; the Dublin Core schemas the
core-properties schema fetches from the web are replaced by small local equivalents).
Compiling takes a few seconds; validating a document part takes milliseconds.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import posixpath
import zipfile
from pathlib import Path
from typing import Any, Iterator, Union

import pytest
from lxml import etree

from tests.support import REPO

SCHEMA_DIR = Path(os.environ.get("DOCGEN_OOXML_SCHEMAS") or REPO.parent / "shared" / "ooxml-schemas")

_TRANSITIONAL = "OfficeOpenXML-XMLSchema-Transitional"
_OPC = "OpenPackagingConventions-XMLSchema"

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"

# namespace -> schema file (relative to SCHEMA_DIR); the driver imports each of them.
_NAMESPACES: dict[str, str] = {
    XML_NS: f"{_TRANSITIONAL}/xml.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes": f"{_TRANSITIONAL}/shared-commonSimpleTypes.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": f"{_TRANSITIONAL}/shared-relationshipReference.xsd",
    W: f"{_TRANSITIONAL}/wml.xsd",
    S: f"{_TRANSITIONAL}/sml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": f"{_TRANSITIONAL}/dml-main.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing": f"{_TRANSITIONAL}/dml-wordprocessingDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": f"{_TRANSITIONAL}/dml-spreadsheetDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/picture": f"{_TRANSITIONAL}/dml-picture.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": f"{_TRANSITIONAL}/dml-chart.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/chartDrawing": f"{_TRANSITIONAL}/dml-chartDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": f"{_TRANSITIONAL}/dml-diagram.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/lockedCanvas": f"{_TRANSITIONAL}/dml-lockedCanvas.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/math": f"{_TRANSITIONAL}/shared-math.xsd",
    "http://schemas.openxmlformats.org/schemaLibrary/2006/main": f"{_TRANSITIONAL}/shared-customXmlSchemaProperties.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/customXml": f"{_TRANSITIONAL}/shared-customXmlDataProperties.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/bibliography": f"{_TRANSITIONAL}/shared-bibliography.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes": f"{_TRANSITIONAL}/shared-documentPropertiesVariantTypes.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": f"{_TRANSITIONAL}/shared-documentPropertiesExtended.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties": f"{_TRANSITIONAL}/shared-documentPropertiesCustom.xsd",
    "urn:schemas-microsoft-com:vml": f"{_TRANSITIONAL}/vml-main.xsd",
    "urn:schemas-microsoft-com:office:office": f"{_TRANSITIONAL}/vml-officeDrawing.xsd",
    "urn:schemas-microsoft-com:office:word": f"{_TRANSITIONAL}/vml-wordprocessingDrawing.xsd",
    "urn:schemas-microsoft-com:office:excel": f"{_TRANSITIONAL}/vml-spreadsheetDrawing.xsd",
    "urn:schemas-microsoft-com:office:powerpoint": f"{_TRANSITIONAL}/vml-presentationDrawing.xsd",
    DC: "dc.xsd",  # local stand-ins, served by _Resolver
    DCTERMS: "dcterms.xsd",
    "http://schemas.openxmlformats.org/package/2006/content-types": f"{_OPC}/opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": f"{_OPC}/opc-relationships.xsd",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": f"{_OPC}/opc-coreProperties.xsd",
}

# The core-properties schema imports these from dublincore.org. They are the shapes of the
# qualified Dublin Core schemas the OPC schema was written against: each dc element holds
# text with an optional xml:lang, dcterms:created/modified are dc:date, and xsi:type
# "dcterms:W3CDTF" narrows the text to an XML Schema date/time.
_DC_STUB = f"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{DC}"
  xmlns="{DC}" elementFormDefault="qualified">
  <xs:import namespace="{XML_NS}"/>
  <xs:complexType name="SimpleLiteral">
    <xs:complexContent mixed="true">
      <xs:restriction base="xs:anyType">
        <xs:sequence><xs:any processContents="lax" minOccurs="0" maxOccurs="0"/></xs:sequence>
        <xs:attribute ref="xml:lang" use="optional"/>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
  <xs:element name="any" type="SimpleLiteral" abstract="true"/>
  {"".join(f'<xs:element name="{n}" substitutionGroup="any"/>' for n in (
      "title", "creator", "subject", "description", "publisher", "contributor", "date",
      "type", "format", "identifier", "source", "language", "relation", "coverage", "rights"))}
</xs:schema>
"""

_DCTERMS_STUB = f"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{DCTERMS}"
  xmlns:dc="{DC}" elementFormDefault="qualified">
  <xs:import namespace="{DC}"/>
  <xs:import namespace="{XML_NS}"/>
  <xs:element name="created" substitutionGroup="dc:date"/>
  <xs:element name="modified" substitutionGroup="dc:date"/>
  <xs:complexType name="W3CDTF">
    <xs:simpleContent>
      <xs:restriction base="dc:SimpleLiteral">
        <xs:simpleType>
          <xs:union memberTypes="xs:gYear xs:gYearMonth xs:date xs:dateTime"/>
        </xs:simpleType>
        <xs:attribute ref="xml:lang" use="prohibited"/>
      </xs:restriction>
    </xs:simpleContent>
  </xs:complexType>
</xs:schema>
"""

_STUBS = {"dc.xsd": _DC_STUB, "dcterms.xsd": _DCTERMS_STUB}
_DUBLIN_CORE_WEB = {
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dc.xsd": "dc.xsd",
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dcterms.xsd": "dcterms.xsd",
}

# Content type -> the root element its part must hold (namespace, local name).
_ROOTS: dict[str, tuple[str, str]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (W, "document"),
    "application/vnd.ms-word.document.macroEnabled.main+xml": (W, "document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (W, "document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml": (W, "styles"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml": (W, "settings"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml": (W, "numbering"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml": (W, "fonts"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.webSettings+xml": (W, "webSettings"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml": (W, "hdr"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml": (W, "ftr"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml": (W, "footnotes"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml": (W, "endnotes"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml": (W, "comments"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (S, "workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": (S, "workbook"),
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": (S, "workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml": (S, "worksheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml": (S, "sst"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml": (S, "styleSheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml": (S, "table"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml": (S, "calcChain"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml": (S, "comments"),
    "application/vnd.openxmlformats-officedocument.drawing+xml": (
        "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing", "wsDr"),
    "application/vnd.openxmlformats-officedocument.theme+xml": (
        "http://schemas.openxmlformats.org/drawingml/2006/main", "theme"),
    "application/vnd.openxmlformats-package.core-properties+xml": (
        "http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "coreProperties"),
    "application/vnd.openxmlformats-officedocument.extended-properties+xml": (
        "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", "Properties"),
    "application/vnd.openxmlformats-officedocument.custom-properties+xml": (
        "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties", "Properties"),
    "application/vnd.openxmlformats-package.relationships+xml": (
        "http://schemas.openxmlformats.org/package/2006/relationships", "Relationships"),
}


# Parts typed only by these generic content types hold custom data, whatever its root
# (Word keeps its bibliography there, with a Version attribute the schema lacks).
_UNTYPED = {"application/xml", "text/xml"}


class _Resolver(etree.Resolver):  # type: ignore[misc]  # lxml has no type hints: Resolver is Any
    """Serves the Dublin Core stand-ins, wherever the schemas ask for them."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        name = _DUBLIN_CORE_WEB.get(system_url) or posixpath.basename(system_url or "")
        if name in _STUBS and (system_url in _DUBLIN_CORE_WEB or "/" not in system_url
                               or system_url.startswith(SCHEMA_DIR.as_uri())
                               or system_url.startswith(str(SCHEMA_DIR))):
            return self.resolve_string(_STUBS[name], context)
        return None


def available() -> bool:
    """True when the schema folder is present."""
    return (SCHEMA_DIR / _TRANSITIONAL / "wml.xsd").is_file()


def require() -> None:
    """Skip the calling test when the schemas are absent (fail instead when CI is set)."""
    if available():
        return
    import pytest

    missing = f"ECMA-376 schemas not found at {SCHEMA_DIR} (../shared/ooxml-schemas)"
    if os.environ.get("CI"):
        pytest.fail(f"{missing}: they are required in CI")
    pytest.skip(f"{missing}: OOXML schema validation skipped")


@functools.lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    if not available():
        raise FileNotFoundError(f"ECMA-376 schemas not found at {SCHEMA_DIR}")
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMA_DIR / rel).as_uri()}"/>'
        for ns, rel in _NAMESPACES.items())
    driver = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
              f'targetNamespace="urn:docgen:ooxml-driver">{imports}</xs:schema>')
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Resolver())
    doc = etree.fromstring(driver.encode(), parser, base_url=(SCHEMA_DIR / "driver.xsd").as_uri())
    return etree.XMLSchema(etree.ElementTree(doc))


# Short prefixes for messages: "{http://…/wordprocessingml/2006/main}zoom" reads as "w:zoom".
_PREFIXES = {
    W: "w", S: "x", MC: "mc", XML_NS: "xml", DC: "dc", DCTERMS: "dcterms",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "a",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing": "wp",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": "xdr",
    "http://schemas.openxmlformats.org/drawingml/2006/picture": "pic",
    "http://schemas.openxmlformats.org/package/2006/content-types": "ct",
    "http://schemas.openxmlformats.org/package/2006/relationships": "rel",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": "ep",
}


def _short(message: str) -> str:
    for ns, prefix in _PREFIXES.items():
        message = message.replace(f"{{{ns}}}", f"{prefix}:")
    return message


def _namespace(tag: object) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def _apply_markup_compatibility(root: etree._Element) -> None:
    """Office's view of the part: ignorable content removed, AlternateContent resolved."""

    def walk(el: etree._Element, ignorable: frozenset[str]) -> None:
        declared = el.get(f"{{{MC}}}Ignorable")
        if declared:
            ignorable = ignorable | {el.nsmap.get(p, p) for p in declared.split()}
        for name in list(el.attrib):
            ns = _namespace(name)
            if ns == MC or ns in ignorable:
                del el.attrib[name]
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            ns = _namespace(child.tag)
            if child.tag == f"{{{MC}}}AlternateContent":
                fallback = child.find(f"{{{MC}}}Fallback")
                replacement = list(fallback) if fallback is not None else []
                index = el.index(child)
                el.remove(child)
                for offset, item in enumerate(replacement):
                    el.insert(index + offset, item)
                    walk(item, ignorable)
            elif ns in ignorable and etree.QName(el).localname != "ext":
                # An extension's content is validated laxly (CT_Extension: xsd:any), and
                # removing it would leave an <ext> without its required child: Excel's
                # own workbooks (x15:workbookPr in an ignorable namespace) would fail.
                el.remove(child)
            else:
                walk(child, ignorable)
        if el.tag == f"{{{S}}}t":
            el.attrib.pop(f"{{{XML_NS}}}space", None)

    walk(root, frozenset())


def validate_part(part_name: str, xml_bytes: bytes, content_type: str | None = None) -> list[str]:
    """Problems of one part (``"part:line: message"``); [] when valid or not covered."""
    part = part_name.lstrip("/")
    try:
        root = etree.fromstring(xml_bytes, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [f"{part}:{exc.lineno}: not well-formed XML: {exc.msg}"]
    problems = []
    expected = _ROOTS.get(content_type or "")
    if expected is not None:
        actual = (etree.QName(root).namespace or "", etree.QName(root).localname)
        if actual != expected:
            problems.append(f"{part}:{root.sourceline}: content type {content_type} needs root "
                            f"{{{expected[0]}}}{expected[1]}, found {root.tag}")
            return problems
    if _namespace(root.tag) not in _NAMESPACES:
        return problems
    _apply_markup_compatibility(root)
    schema = _schema()
    if not schema.validate(root):
        for entry in schema.error_log:
            problems.append(f"{part}:{entry.line}: {_short(entry.message)}")
    return problems


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    try:
        root = etree.fromstring(archive.read("[Content_Types].xml"))
    except (KeyError, etree.XMLSyntaxError):
        return defaults, overrides
    for el in root:
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).localname == "Default":
            defaults[(el.get("Extension") or "").lower()] = el.get("ContentType") or ""
        elif etree.QName(el).localname == "Override":
            overrides[(el.get("PartName") or "").lstrip("/").lower()] = el.get("ContentType") or ""
    return defaults, overrides


def validate_package(path_or_bytes: Union[str, os.PathLike[str], bytes]) -> list[str]:
    """Problems of every XML part of a .docx/.xlsx (a path, or the zip's bytes)."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    problems: list[str] = []
    with zipfile.ZipFile(source) as archive:
        defaults, overrides = _content_types(archive)
        if "[Content_Types].xml" not in archive.namelist():
            problems.append("[Content_Types].xml:0: missing")
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            extension = name.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
            content_type = overrides.get(name.lower()) or defaults.get(extension)
            if name == "[Content_Types].xml":
                content_type = None
            elif content_type is None:
                problems.append(f"{name}:0: no content type in [Content_Types].xml")
                continue
            if content_type in _UNTYPED:
                continue  # custom XML data (customXml/item1.xml): no OOXML schema governs it
            if not (content_type is None or content_type.endswith("xml") or extension in ("xml", "rels", "vml")):
                continue
            problems.extend(validate_part(name, archive.read(name), content_type))
    return problems


def assert_valid(path_or_bytes: Union[str, os.PathLike[str], bytes]) -> None:
    """Raise AssertionError listing every schema problem of the package."""
    problems = validate_package(path_or_bytes)
    assert not problems, "OOXML schema problems:\n" + "\n".join(problems)


@contextlib.contextmanager
def validating_writes() -> Iterator[None]:
    """While active, every package docgen.Template writes is validated against
    ECMA-376 (the body of a module-scoped autouse fixture); nothing when the schemas
    are not available locally."""
    if not available():
        yield
        return
    import docgen.template
    from docgen.render import package

    write = package.write_package

    def checked(members: Any) -> bytes:
        data = write(members)
        assert_valid(data)
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(docgen.template, "write_package", checked)
        yield
