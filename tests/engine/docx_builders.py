"""Build small .docx templates for the Word-engine tests, and read rendered output.

Building: python-docx gives a valid package skeleton (styles, settings, section,
header/footer parts, core properties); the interesting content is then written as
raw WordprocessingML so that the tests control the exact run structure, including
the hostile shapes Word really produces (a tag split over runs with different
formatting, proofing marks and bookmarks between the pieces, tracked insertions and
deletions, curly quotes typed by AutoCorrect, full-width braces typed by a CJK IME).

Reading: the helpers parse every part with lxml and return paragraph texts, so tests
assert on the text a user would see, not on the engine's internal representation.

Content helpers return XML *strings* without namespace declarations (the ``w:`` prefix
is bound when the fragment is parsed); plain Python strings given where a run is
expected become a plain run.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any, Iterable, Optional, Sequence, Union
from xml.sax.saxutils import escape as _xml_escape

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
DC_NS = "http://purl.org/dc/elements/1.1/"

W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
_NSDECL = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:w14="{W14_NS}"'

Fragment = str  # an XML fragment (run, paragraph, table …) without namespace declarations


# --------------------------------------------------------------------------- runs

def _rpr(bold: bool = False, italic: bool = False, underline: bool = False,
         color: Optional[str] = None, size: Optional[int] = None) -> str:
    props = []
    if bold:
        props.append("<w:b/>")
    if italic:
        props.append("<w:i/>")
    if underline:
        props.append('<w:u w:val="single"/>')
    if color:
        props.append(f'<w:color w:val="{color}"/>')
    if size:
        props.append(f'<w:sz w:val="{size}"/>')
    return f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""


def _t(text: str, preserve: bool = True) -> str:
    space = ' xml:space="preserve"' if preserve else ""
    return f"<w:t{space}>{_xml_escape(text)}</w:t>"


def run(text: str, *, bold: bool = False, italic: bool = False, underline: bool = False,
        color: Optional[str] = None, size: Optional[int] = None,
        preserve: bool = True, rsid: Optional[str] = None) -> Fragment:
    """One ``w:r`` with one ``w:t`` (text is XML-escaped here); ``rsid`` adds the
    revision-session attributes Word writes on every run."""
    attrs = f' w:rsidR="{rsid}" w:rsidRPr="{rsid}"' if rsid else ""
    return (f"<w:r{attrs}>{_rpr(bold, italic, underline, color, size)}"
            f"{_t(text, preserve)}</w:r>")


def run_multi_t(*texts: str, bold: bool = False) -> Fragment:
    """One run holding several ``w:t`` siblings (valid OOXML, Word writes it after edits)."""
    return f"<w:r>{_rpr(bold)}{''.join(_t(x) for x in texts)}</w:r>"


def run_with_page_break_marker(before: str, after: str) -> Fragment:
    """A run with ``w:lastRenderedPageBreak`` between two ``w:t`` (Word adds these)."""
    return f"<w:r>{_t(before)}<w:lastRenderedPageBreak/>{_t(after)}</w:r>"


def proof_err(kind: str = "spellStart") -> Fragment:
    return f'<w:proofErr w:type="{kind}"/>'


def bookmark_start(bid: int, name: str) -> Fragment:
    return f'<w:bookmarkStart w:id="{bid}" w:name="{name}"/>'


def bookmark_end(bid: int) -> Fragment:
    return f'<w:bookmarkEnd w:id="{bid}"/>'


def ins(*runs: Fragment, rid: int = 101, author: str = "Reviewer") -> Fragment:
    """Tracked insertion: its runs are part of the visible text."""
    body = "".join(_as_run(x) for x in runs)
    return (f'<w:ins w:id="{rid}" w:author="{author}" w:date="2024-01-01T00:00:00Z">'
            f"{body}</w:ins>")


def dele(text: str, rid: int = 201, author: str = "Reviewer") -> Fragment:
    """Tracked deletion: ``w:delText`` inside ``w:del``; not visible text."""
    return (f'<w:del w:id="{rid}" w:author="{author}" w:date="2024-01-01T00:00:00Z">'
            f'<w:r><w:delText xml:space="preserve">{_xml_escape(text)}</w:delText></w:r>'
            f"</w:del>")


def hyperlink(*runs: Fragment) -> Fragment:
    """An internal hyperlink (anchor) wrapping runs; no relationship needed."""
    return f'<w:hyperlink w:anchor="top">{"".join(_as_run(x) for x in runs)}</w:hyperlink>'


def br() -> Fragment:
    return "<w:r><w:br/></w:r>"


def footnote_ref(fid: int = 1) -> Fragment:
    return (f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{fid}"/></w:r>')


def _as_run(x: Fragment) -> Fragment:
    return x if x.lstrip().startswith("<") else run(x)


# --------------------------------------------------------------- paragraphs, tables

def p(*children: Fragment, style: Optional[str] = None, jc: Optional[str] = None,
      para_id: Optional[str] = None, rsid: Optional[str] = None,
      ppr_extra: str = "") -> Fragment:
    """A paragraph; plain strings become plain runs, XML fragments are used as is.
    ``para_id``/``rsid`` add the ``w14:paraId``/``w14:textId`` and ``w:rsidR…``
    attributes Word 2010+ writes; ``ppr_extra`` is raw XML appended to ``w:pPr``
    (e.g. a paragraph mark's ``w:rPr`` or a ``w:sectPr``)."""
    ppr = ""
    if style or jc or ppr_extra:
        inner = (f'<w:pStyle w:val="{style}"/>' if style else "") + \
                (f'<w:jc w:val="{jc}"/>' if jc else "") + ppr_extra
        ppr = f"<w:pPr>{inner}</w:pPr>"
    attrs = ""
    if para_id:
        attrs += f' w14:paraId="{para_id}" w14:textId="77777777"'
    if rsid:
        attrs += f' w:rsidR="{rsid}" w:rsidRDefault="{rsid}" w:rsidP="{rsid}"'
    return f"<w:p{attrs}>{ppr}{''.join(_as_run(c) for c in children)}</w:p>"


Cell = Union[str, Sequence[Fragment]]


def tc(content: Cell, width: int = 2000) -> Fragment:
    """A table cell: a string is one paragraph of one run; a sequence is raw paragraphs."""
    if isinstance(content, str):
        paras = p(content) if not content.lstrip().startswith("<") else content
    else:
        paras = "".join(content) or "<w:p/>"
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{paras}</w:tc>'


def tr(*cells: Cell) -> Fragment:
    return f"<w:tr>{''.join(tc(c) for c in cells)}</w:tr>"


def tbl(rows: Sequence[Sequence[Cell]], col_width: int = 2000) -> Fragment:
    """A bordered table; every row is a sequence of cells (see :func:`tc`)."""
    ncols = max(len(r) for r in rows)
    grid = "".join(f'<w:gridCol w:w="{col_width}"/>' for _ in range(ncols))
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{borders}'
            f"</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
            f"{''.join(tr(*r) for r in rows)}</w:tbl>")


# ----------------------------------------------------------------- hostile shapes

def split_tag_variants(var: str = "name") -> dict[str, Fragment]:
    """Paragraphs that all read ``Hello {{ <var> }}!`` in Word, stored in hostile ways.

    Rendered with ``{var: "World"}`` every one must read ``Hello World!``.
    """
    a, b = var[: len(var) // 2], var[len(var) // 2:]
    v = {}
    v["single_run"] = p(run("Hello "), run("{{ %s }}" % var), run("!"))
    v["three_runs_mixed_format"] = p(
        run("Hello "), run("{{ "), run(a, bold=True), run(b + " }}", italic=True), run("!"))
    v["one_char_per_run"] = p(
        run("Hello "),
        *[run(ch, bold=bool(i % 2), italic=bool(i % 3 == 0))
          for i, ch in enumerate("{{ %s }}" % var)],
        run("!"))
    v["braces_split_apart"] = p(
        run("Hello {"), run("{ %s }" % var, bold=True), run("}!"))
    v["proof_err_between"] = p(
        run("Hello "), run("{{ "), proof_err("spellStart"), run(a, bold=True),
        proof_err("spellEnd"), proof_err("gramStart"), run(b + " }}", italic=True),
        proof_err("gramEnd"), run("!"))
    v["bookmark_between"] = p(
        run("Hello {{"), bookmark_start(7, "_GoBack"), run(" " + a, bold=True),
        bookmark_end(7), run(b + " }"), bookmark_start(8, "mark2"), run("}!"),
        bookmark_end(8))
    v["piece_in_tracked_insertion"] = p(
        run("Hello "), run("{{ "), ins(run(a, bold=True)), run(b + " }}"), run("!"))
    v["whole_tag_in_tracked_insertion"] = p(
        run("Hello "), ins(run("{{ " + var), run(" }}", italic=True)), run("!"))
    v["tracked_deletion_inside_tag"] = p(
        run("Hello "), run("{{ " + a), dele("XYZ"), run(b + " }}"), run("!"))
    v["tracked_deletion_next_to_tag"] = p(
        run("Hello "), dele("old text {"), run("{{ %s }}" % var), dele("} more"), run("!"))
    v["several_t_in_one_run"] = p(
        run("Hello "), run_multi_t("{{ " + a, b + " }}", bold=True), run("!"))
    v["last_rendered_page_break_inside"] = p(
        run("Hello "), run_with_page_break_marker("{{ " + a, b + " }}"), run("!"))
    v["inside_hyperlink"] = p(run("Hello "), hyperlink(run("{{ %s }}" % var)), run("!"))
    v["everything_at_once"] = p(
        run("Hel", italic=True), proof_err(), run("lo {", bold=True), bookmark_start(3, "b"),
        run("{", color="FF0000"), ins(run(" " + a, underline=True)), bookmark_end(3),
        dele("zz"), proof_err("spellEnd"), run(b, size=28), run(" }"), run("}", bold=True),
        run("!"))
    return v


def deleted_tag_paragraph() -> Fragment:
    """``Hello World!`` where a *deleted* (tracked) tag ``{{ ghost }}`` sits in between."""
    return p(run("Hello "), dele("{{ ghost }}"), run("{{ name }}"), run("!"))


FULLWIDTH_OPEN, FULLWIDTH_CLOSE = "\uff5b", "\uff5d"  # ｛ ｝


def fullwidth_tag_paragraph(var: str = "name", split: bool = False) -> Fragment:
    """``Hello ｛｛ name ｝｝!`` with full-width braces, as a CJK IME types them."""
    o, c = FULLWIDTH_OPEN * 2, FULLWIDTH_CLOSE * 2
    if split:
        return p(run("Hello "), run(o + " "), run(var, bold=True), run(" " + c), run("!"))
    return p(run("Hello "), run(f"{o} {var} {c}"), run("!"))


# ----------------------------------------------------------------------- packages

def _parse_fragments(xml: str) -> list[etree._Element]:
    root = etree.fromstring(f"<w:root {_NSDECL}>{xml}</w:root>".encode("utf-8"))
    return list(root)


def _replace_children(container: Any, fragments: Iterable[Fragment], keep_tail: Sequence[str]=("sectPr",)) -> None:
    """Replace the block content of ``container`` (body/hdr/ftr) with ``fragments``."""
    keep = [el for el in container if etree.QName(el).localname in keep_tail]
    for el in list(container):
        container.remove(el)
    for frag in fragments:
        for el in _parse_fragments(frag):
            container.append(el)
    for el in keep:
        container.append(el)


_SEPARATOR_FOOTNOTES = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote>")


def footnotes_xml(notes: Sequence[Sequence[Fragment]]) -> bytes:
    """A footnotes part: the two separator footnotes, then one footnote per entry
    (ids 1, 2, …), each holding the given paragraphs."""
    body = _SEPARATOR_FOOTNOTES + "".join(
        f'<w:footnote w:id="{i}">{"".join(paras)}</w:footnote>'
        for i, paras in enumerate(notes, start=1))
    xml = (f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           f"<w:footnotes {_NSDECL}>{body}</w:footnotes>")
    etree.fromstring(xml.encode("utf-8"))  # fail early on a malformed fragment
    return xml.encode("utf-8")


def build_docx(
    body: Sequence[Fragment] = (),
    *,
    header: Optional[Sequence[Fragment]] = None,
    footer: Optional[Sequence[Fragment]] = None,
    first_page_header: Optional[Sequence[Fragment]] = None,
    footnotes: Optional[Sequence[Sequence[Fragment]]] = None,
    core_title: Optional[str] = None,
    core_subject: Optional[str] = None,
) -> bytes:
    """A .docx (bytes) whose body is exactly ``body`` (paragraph/table fragments).

    ``header``/``footer`` become ``word/header1.xml``/``word/footer1.xml`` (and
    ``first_page_header`` a second header used for the title page). ``footnotes``
    adds ``word/footnotes.xml``; one footnote reference per note is appended to the
    last body paragraph (or a new paragraph) so the notes are used.
    """
    d = docx.Document()
    body_el = d.element.body
    frags = list(body)
    if footnotes:
        refs = "".join(footnote_ref(i) for i in range(1, len(footnotes) + 1))
        frags.append(p(run("Notes:"), refs))
    _replace_children(body_el, frags or [p()])

    section = d.sections[0]
    if header is not None:
        section.header.is_linked_to_previous = False
        _replace_children(section.header._element, header or [p()], keep_tail=())
    if footer is not None:
        section.footer.is_linked_to_previous = False
        _replace_children(section.footer._element, footer or [p()], keep_tail=())
    if first_page_header is not None:
        section.different_first_page_header_footer = True
        section.first_page_header.is_linked_to_previous = False
        _replace_children(section.first_page_header._element,
                          first_page_header or [p()], keep_tail=())
    if footnotes:
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES,
                    footnotes_xml(footnotes), d.part.package)
        d.part.relate_to(part, RT.FOOTNOTES)
    if core_title is not None:
        d.core_properties.title = core_title
    if core_subject is not None:
        d.core_properties.subject = core_subject
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def body_docx(*paragraphs: Fragment, **kw: Any) -> bytes:
    """Shorthand: ``body_docx(p("a"), p("b"))``; plain strings become paragraphs."""
    frags = [x if x.lstrip().startswith("<") else p(x) for x in paragraphs]
    return build_docx(frags, **kw)


# ------------------------------------------------------------------------ reading

def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()


def read_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def part_root(data: bytes, name: str) -> etree._Element:
    """Parse one ZIP member as XML (raises if it is not well-formed)."""
    return etree.fromstring(read_member(data, name))


def find_part_containing(data: bytes, needle: str) -> list[str]:
    """Names of XML members whose raw text contains ``needle``."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for n in z.namelist():
            if n.endswith((".xml", ".rels")):
                if needle in z.read(n).decode("utf-8", "replace"):
                    out.append(n)
    return out


def all_xml_text(data: bytes) -> str:
    """Raw, concatenated text of every XML member (for "is X anywhere?" checks)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels")))


def _nearest_p(el: etree._Element) -> Optional[etree._Element]:
    a = el.getparent()
    while a is not None and a.tag != W + "p":
        a = a.getparent()
    return a


def paragraph_text(pel: etree._Element, visual: bool = True) -> str:
    """Text of one paragraph: ``w:t`` content; with ``visual`` also ``w:tab`` as ``\\t``
    and ``w:br``/``w:cr`` as ``\\n``. ``w:delText`` never counts. Text of nested
    paragraphs (text boxes) is not included."""
    parts = []
    for el in pel.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if _nearest_p(el) is not pel:
            continue
        if el.tag == W + "t":
            parts.append(el.text or "")
        elif visual and el.tag == W + "tab":
            # w:tab inside w:pPr/w:tabs is a tab stop, not a character
            if el.getparent().tag != W + "tabs":
                parts.append("\t")
        elif visual:
            parts.append("\n")
    return "".join(parts)


def paragraphs(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(W + "p"))


def paragraph_texts(root: etree._Element, *, keep_empty: bool = False,
                    visual: bool = True) -> list[str]:
    """Text of every paragraph of a part, in document order (tables included)."""
    out = [paragraph_text(x, visual=visual) for x in paragraphs(root)]
    return out if keep_empty else [t for t in out if t != ""]


def part_texts(data: bytes, name: str, **kw: Any) -> list[str]:
    return paragraph_texts(part_root(data, name), **kw)


def body_texts(data: bytes, **kw: Any) -> list[str]:
    return part_texts(data, "word/document.xml", **kw)


def body_element(data: bytes) -> etree._Element:
    return part_root(data, "word/document.xml").find(W + "body")


def body_paragraph_count(data: bytes) -> int:
    """All ``w:p`` in the body, empty ones included."""
    return len(paragraphs(body_element(data)))


def tables(data: bytes, part: str = "word/document.xml") -> list[etree._Element]:
    return list(part_root(data, part).iter(W + "tbl"))


def table_matrix(tbl_el: etree._Element) -> list[list[str]]:
    """Rows of cell texts of one table (direct rows and cells only; a cell's text is
    its paragraph texts joined by newline)."""
    rows = []
    for row in tbl_el.findall(W + "tr"):
        cells = []
        for cell in row.findall(W + "tc"):
            cells.append("\n".join(paragraph_text(x) for x in cell.findall(W + "p")))
        rows.append(cells)
    return rows


def runs_of(pel: etree._Element) -> list[etree._Element]:
    return list(pel.iter(W + "r"))


def run_is(run_el: etree._Element, prop: str) -> bool:
    """``prop`` (``b``, ``i``, ``u``) is switched on in this run's direct formatting."""
    rpr = run_el.find(W + "rPr")
    if rpr is None:
        return False
    el = rpr.find(W + prop)
    if el is None:
        return False
    val = el.get(W + "val")
    return val not in ("0", "false", "none")


def core_title(data: bytes) -> Optional[str]:
    root = part_root(data, "docProps/core.xml")
    el = root.find("{%s}title" % DC_NS)
    return None if el is None else (el.text or "")


def open_with_python_docx(data: bytes) -> "docx.document.Document":
    return docx.Document(io.BytesIO(data))


def assert_well_formed(data: bytes) -> None:
    """Every XML member parses, the ZIP has no duplicate names, python-docx opens it."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert len(names) == len(set(names)), f"duplicate ZIP members: {names}"
        assert z.testzip() is None
        for n in names:
            if n.endswith((".xml", ".rels")):
                try:
                    etree.fromstring(z.read(n))
                except etree.XMLSyntaxError as exc:  # pragma: no cover - message only
                    raise AssertionError(f"{n} is not well-formed XML: {exc}") from exc
    open_with_python_docx(data)
