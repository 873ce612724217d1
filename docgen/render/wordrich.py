"""Post-render: formatted values (Markdown, RichText) become Word paragraphs and runs.

While rendering, ``finalize_wordml`` prints a formatted value as a marker (a
processing instruction numbering the value in the part's list of printed values,
:data:`~.environment.FORMATTED_PRINTED`), inside the run of the tag. Afterwards
this pass replaces each marker:

- an *inline* value (one plain paragraph) becomes runs in place, between the text
  before and after the tag;
- a *block* value splits the paragraph: each block becomes a paragraph with the
  tag paragraph's properties (a block's ``para_style`` replacing its style when the
  template has that paragraph style). A plain paragraph first continues the text
  before the tag, the text after the tag continues a plain paragraph last, so the
  value's own paragraph breaks are the only new ones (docxtpl's ``\\a``: "Total:
  12" / "next EUR"); list items are always paragraphs of their own, and text
  next to them too. A paragraph holding nothing but the tag (``{{p notes|md }}``)
  is replaced. List items get ``w:numPr`` (:mod:`.numbering`: a fresh list per
  printed list, so numbering restarts; numbered as their marker was typed, ``1、``);
- where a paragraph cannot be split (a run inside a hyperlink, a tracked change, a
  content control, an open field), the blocks stay in the run, separated by line
  breaks, bullets and numbers written as text: never a broken file.

Every run starts from a copy of the tag run's ``w:rPr`` (its font, East Asian font
and ``w:lang``) plus the span's style (``shading`` as ``w:shd``, in schema order).
Every ``w:t`` of a touched paragraph whose text starts or ends with a space is
``xml:space="preserve"``. Text goes in through lxml, which escapes it,
after the characters XML forbids are removed exactly as for plain values: data can
never add markup. Links become ``w:hyperlink`` with an External relationship of the
part being rendered. Only parts that printed a formatted value pay for this pass.
"""
from __future__ import annotations

import copy
import warnings
from typing import Optional

from lxml import etree

from ..errors import DocgenWarning, SourceLocation
from ..messages import N_
from ..ooxml.xml import PARSER
from .breaks import UNIQUE_ATTRS, in_open_field, preserve_spaces, remove_keeping_tail
from .environment import xml_safe
from .heal import W, W_P, W_PPR, W_R, W_RPR, W_T
from .images import free_id
from .markdown import list_prefixes, span_plain
from .numbering import NumberingSink, TemplateLists
from .textmodel import Block, Formatted, NumberMarker, Span, Style, is_inline
from .wordml import insert_in_order

RICH_TARGET = "docgen-rich"
HYPERLINK_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                 "hyperlink")
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_HYPERLINK, _BR, _TAB = W + "hyperlink", W + "br", W + "tab"
_VAL = W + "val"
_LINK_COLOR = "0563C1"  # Word's Hyperlink style colour, when the template has none

_RPR_ORDER = [W + n for n in (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
    "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
    "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
    "eastAsianLayout", "specVanish", "oMath", "rPrChange",
)]
_PPR_ORDER = [W + n for n in (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
    "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
    "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN",
    "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
)]
# What makes a stretch of paragraph content visible (else it is only bookmarks,
# proofing marks and empty runs, which move into the new paragraphs).
_VISIBLE = frozenset(W + n for n in (
    "tab", "br", "cr", "drawing", "pict", "object", "sym", "fldChar", "fldSimple",
    "instrText", "footnoteReference", "endnoteReference", "ptab", "noBreakHyphen",
))


def hyperlink_style(styles: Optional[bytes]) -> Optional[str]:
    """The id of the template's character style named "Hyperlink", if it has one."""
    if not styles:
        return None
    root = etree.fromstring(styles, PARSER)
    for style in root.iter(W + "style"):
        name = style.find(W + "name")
        if (style.get(W + "type") == "character" and name is not None
                and (name.get(_VAL) or "").strip().lower() == "hyperlink"):
            found: Optional[str] = style.get(W + "styleId")
            return found
    return None


class RichSink:
    """What one render's formatted values add outside their parts: list numbering
    (shared by all parts) and hyperlink relationships (per part)."""

    def __init__(self, lists: TemplateLists, link_style: Optional[str] = None) -> None:
        self.numbering = NumberingSink(lists)
        self.link_style = link_style
        self.current_file: Optional[str] = None  # the template, for warnings
        self.current_part = ""
        self._unknown_styles: set[str] = set()  # paragraph styles already warned about
        self.reserved_ids: dict[str, set[str]] = {}  # part -> rIds its template has
        self.links: dict[str, dict[str, str]] = {}  # part -> url -> rId

    def link_id(self, url: str) -> str:
        """The relationship id of ``url`` in the part being rendered (one per URL)."""
        ids = self.links.setdefault(self.current_part, {})
        rid = ids.get(url)
        if rid is None:
            taken = self.reserved_ids.get(self.current_part, set()) | set(ids.values())
            rid = ids[url] = free_id(f"rIdDocgenLink{len(ids) + 1}", taken)
        return rid

    def paragraph_style(self, ref: Optional[str]) -> Optional[str]:
        """The style id a block's ``para_style`` (an id or a name) is in the template;
        ``None`` (and a warning, once per style and render) when the template has no
        such paragraph style: the paragraph then keeps the tag paragraph's style."""
        if not ref:
            return None
        found = self.numbering.template.paragraph_style(ref)
        if found is None and ref not in self._unknown_styles:
            self._unknown_styles.add(ref)
            warnings.warn(DocgenWarning(
                N_("paragraph style '{style}' is not in the template: the paragraph keeps "
                   "the style of the tag's paragraph"),
                SourceLocation(file=self.current_file, part=self.current_part or None),
                style=ref), stacklevel=2)
        return found


def render_formatted(xml: str, values: list[Formatted], sink: RichSink) -> str:
    """Replace every formatted-value marker of a rendered part (see the module)."""
    root = etree.fromstring(xml.encode("utf-8"), PARSER)
    markers = [pi for pi in root.iter(etree.ProcessingInstruction)
               if pi.target == RICH_TARGET]
    for pi in markers:
        _place(pi, values[int(pi.text or "0")].blocks(), sink)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out.decode("utf-8")


def _place(pi: etree._Element, blocks: list[Block], sink: RichSink) -> None:
    run = pi.getparent()
    if run is None or run.tag != W_R or not blocks:
        remove_keeping_tail(pi)
        return
    para = run.getparent()
    in_paragraph = para is not None and para.tag == W_P and not in_open_field(para, run)
    rpr = run.find(W_RPR)
    if not in_paragraph or is_inline(blocks) and blocks[0].para_style is None:
        _replace_in_run(run, pi, _inline_runs(blocks, rpr, in_paragraph, sink))
        if para is not None:
            preserve_spaces(para)
    else:
        assert para is not None
        _split_paragraph(para, run, pi, blocks, sink)


# -- runs -----------------------------------------------------------------------------

def _inline_runs(blocks: list[Block], rpr: Optional[etree._Element], links: bool,
                 sink: RichSink) -> list[etree._Element]:
    """Runs for ``blocks`` inside one paragraph: blocks after the first on a new line,
    list items prefixed with their bullet or number as text."""
    out: list[etree._Element] = []
    for i, (block, prefix) in enumerate(zip(blocks, list_prefixes(blocks))):
        if i:
            out.append(_run(rpr, "\n"))
        if prefix:
            out.append(_run(rpr, prefix))
        for span in block.spans:
            out.extend(_span_runs(span, rpr, links, sink))
    return out


def _span_runs(span: Span, rpr: Optional[etree._Element], links: bool,
               sink: RichSink) -> list[etree._Element]:
    if span.link is None:
        return [_run(_styled(rpr, span.style, False, sink.link_style), span.text)]
    if not links:  # no hyperlink here (nested, or in a field): the URL as text
        return [_run(_styled(rpr, span.style, False, sink.link_style), span_plain(span))]
    link = etree.Element(_HYPERLINK)
    link.set(R_ID, sink.link_id(span.link))
    link.set(W + "history", "1")
    link.append(_run(_styled(rpr, span.style, True, sink.link_style), span.text))
    return [link]


def _run(rpr: Optional[etree._Element], text: str) -> etree._Element:
    """A run with ``rpr`` (copied) and ``text``: ``\\n`` a line break, ``\\t`` a tab,
    ``\\f`` a page break, the rest escaped by lxml after XML's forbidden characters
    are removed."""
    run = etree.Element(W_R)
    if rpr is not None:
        run.append(copy.deepcopy(rpr) if rpr.getparent() is not None else rpr)
    buf: list[str] = []

    def flush() -> None:
        if buf:
            t = etree.SubElement(run, W_T)
            t.text = xml_safe("".join(buf))
            t.set(_XML_SPACE, "preserve")
            buf.clear()

    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in "\n\a":
            flush()
            etree.SubElement(run, _BR)
        elif ch == "\t":
            flush()
            etree.SubElement(run, _TAB)
        elif ch == "\f":
            flush()
            etree.SubElement(run, _BR).set(W + "type", "page")
        else:
            buf.append(ch)
    flush()
    return run


def _set(rpr: etree._Element, name: str, **attrs: str) -> etree._Element:
    """``rpr``'s child ``name`` with exactly ``attrs`` (created in schema order)."""
    el = rpr.find(W + name)
    if el is None:
        el = etree.Element(W + name)
        insert_in_order(rpr, el, _RPR_ORDER)
    else:
        el.attrib.clear()
    for key, value in attrs.items():
        el.set(W + key, value)
    return el


def _styled(template: Optional[etree._Element], style: Style, link: bool,
            link_style: Optional[str]) -> Optional[etree._Element]:
    """A new ``w:rPr``: the template run's, plus ``style`` (``None`` fields and
    ``False`` flags leave the template's formatting as it is)."""
    if style == Style() and not link:
        return copy.deepcopy(template) if template is not None else None
    rpr = copy.deepcopy(template) if template is not None else etree.Element(W_RPR)
    if style.char_style:
        _set(rpr, "rStyle", val=style.char_style)
    elif link and link_style:
        _set(rpr, "rStyle", val=link_style)
    if style.font:
        fonts = rpr.find(W + "rFonts")
        if fonts is None:
            fonts = _set(rpr, "rFonts")
        for theme in ("asciiTheme", "hAnsiTheme", "cstheme"):  # a theme font wins
            fonts.attrib.pop(W + theme, None)
        for attr in ("ascii", "hAnsi", "cs"):  # w:eastAsia stays: the locale's font
            fonts.set(W + attr, style.font)
    for flag, names in ((style.bold, ("b", "bCs")), (style.italic, ("i", "iCs")),
                        (style.strike, ("strike",))):
        if flag:
            for name in names:
                _set(rpr, name)
    if style.color:
        _set(rpr, "color", val=style.color)
    elif link and not link_style and not style.char_style:
        _set(rpr, "color", val=_LINK_COLOR)
    if style.size:
        half_points = str(max(2, round(style.size * 2)))
        _set(rpr, "sz", val=half_points)
        _set(rpr, "szCs", val=half_points)
    if style.highlight:
        _set(rpr, "highlight", val=style.highlight)
    if style.underline:
        _set(rpr, "u", val=style.underline)
    elif link and not link_style and not style.char_style:
        _set(rpr, "u", val="single")
    if style.shading:
        _set(rpr, "shd", val="clear", color="auto", fill=style.shading)
    if style.vert_align:
        _set(rpr, "vertAlign", val=style.vert_align)
    return rpr


def _replace_in_run(run: etree._Element, pi: etree._Element,
                    new: list[etree._Element]) -> None:
    """Put ``new`` where ``pi`` is: ``run`` keeps what came before it, a copy of the
    run (same properties) takes what came after."""
    after = _cut_run(run, pi)
    anchor = run
    for el in new + ([after] if after is not None else []):
        anchor.addnext(el)
        anchor = el
    if not _has_content(run):
        remove_keeping_tail(run)


def _cut_run(run: etree._Element, pi: etree._Element) -> Optional[etree._Element]:
    """Remove ``pi`` from ``run``; the children after it move to a new run (returned,
    ``None`` when nothing visible follows)."""
    rest = list(pi.itersiblings())
    run.remove(pi)
    for t in run.findall(W_T):
        if not t.text:
            run.remove(t)
    rest = [el for el in rest if not (el.tag == W_T and not el.text)]
    if not rest:
        return None
    after = etree.Element(W_R, attrib=dict(run.attrib))
    rpr = run.find(W_RPR)
    if rpr is not None:
        after.append(copy.deepcopy(rpr))
    for el in rest:
        after.append(el)
    return after


def _has_content(el: etree._Element) -> bool:
    return any(child.tag != W_RPR for child in el)


# -- paragraphs -----------------------------------------------------------------------

def _visible(elements: list[etree._Element]) -> bool:
    for el in elements:
        for node in el.iter():
            if node.tag == W_T and node.text or node.tag in _VISIBLE:
                return True
    return False


def _split_paragraph(para: etree._Element, run: etree._Element, pi: etree._Element,
                     blocks: list[Block], sink: RichSink) -> None:
    """Print ``blocks`` at ``pi`` as paragraphs of their own. A plain paragraph first
    continues the text before the tag (in the tag's paragraph itself); the text after
    the tag continues a plain paragraph last. So a value's paragraph breaks are the
    only new ones, as for a plain value's ``\\a``; list items always get their own
    paragraphs, and text next to them a paragraph of its own."""
    rpr = run.find(W_RPR)
    after_run = _cut_run(run, pi)
    children = [c for c in para if c.tag != W_PPR]
    at = children.index(run)
    before = children[:at + 1] if _has_content(run) else children[:at]
    after = ([after_run] if after_run is not None else []) + children[at + 1:]
    if not _has_content(run):
        para.remove(run)
    for el in children[at + 1:]:  # held aside: the blocks' runs may come first
        para.remove(el)
    ppr = para.find(W_PPR)
    sect = ppr.find(W + "sectPr") if ppr is not None else None
    new = _block_paragraphs(para, ppr, rpr, blocks, sink)
    if blocks[0].kind == "paragraph":  # "Total: " + the first paragraph, one paragraph
        first = new.pop(0)
        for el in list(first):
            if el.tag != W_PPR:
                para.append(el)
        _copy_para_style(first, para)
        keep = True
    elif _visible(before):  # "Summary: ", then the list
        keep = True
    else:  # nothing before the tag: the blocks replace the paragraph
        keep = False
        position = 1 if new[0].find(W_PPR) is not None else 0
        for el in before:  # bookmark starts and the like: kept at the first block
            new[0].insert(position, el)
            position += 1
    paragraphs = ([para] if keep else []) + new
    if after:
        if blocks[-1].kind == "paragraph" or not _visible(after):
            for el in after:  # " EUR" continues the last paragraph (or bookmark ends)
                paragraphs[-1].append(el)
        else:  # after a list item: a paragraph of its own
            tail = _new_paragraph(para, ppr)
            for el in after:
                tail.append(el)
            first_text = next(tail.iter(W_T), None)
            if first_text is not None and first_text.text:  # " after" starts a paragraph
                first_text.text = first_text.text.lstrip()
            paragraphs.append(tail)
    if sect is not None and paragraphs[-1] is not para:
        # the section ends with the last paragraph of the value
        last_ppr = paragraphs[-1].find(W_PPR)
        if last_ppr is None:
            last_ppr = etree.Element(W_PPR)
            paragraphs[-1].insert(0, last_ppr)
        insert_in_order(last_ppr, copy.deepcopy(sect), _PPR_ORDER)
        if keep:
            assert ppr is not None
            ppr.remove(sect)
    anchor = para
    for p in paragraphs:
        if p is not para:
            anchor.addnext(p)
            anchor = p
        preserve_spaces(p)
    if not keep:
        para.tail, tail = None, para.tail
        parent = para.getparent()
        assert parent is not None
        parent.remove(para)
        if tail:
            paragraphs[-1].tail = tail


def _new_paragraph(para: etree._Element, ppr: Optional[etree._Element]) -> etree._Element:
    p = etree.Element(W_P, attrib={k: v for k, v in para.attrib.items()
                                   if k not in UNIQUE_ATTRS})
    if ppr is not None:
        new_ppr = copy.deepcopy(ppr)
        sect = new_ppr.find(W + "sectPr")
        if sect is not None:
            new_ppr.remove(sect)
        p.append(new_ppr)
    return p


def _set_para_style(p: etree._Element, style_id: str) -> None:
    """``p``'s paragraph style is ``style_id`` (replacing the tag paragraph's)."""
    ppr = p.find(W_PPR)
    if ppr is None:
        ppr = etree.Element(W_PPR)
        p.insert(0, ppr)
    pstyle = ppr.find(W + "pStyle")
    if pstyle is None:
        pstyle = etree.Element(W + "pStyle")
        insert_in_order(ppr, pstyle, _PPR_ORDER)
    pstyle.attrib.clear()
    pstyle.set(_VAL, style_id)


def _copy_para_style(source: etree._Element, target: etree._Element) -> None:
    """``target`` takes ``source``'s paragraph style if it differs (a block's own)."""
    pstyle = source.find(f"{W_PPR}/{W}pStyle")
    old = target.find(f"{W_PPR}/{W}pStyle")
    if pstyle is not None and (old is None or old.get(_VAL) != pstyle.get(_VAL)):
        _set_para_style(target, pstyle.get(_VAL) or "")


def _block_paragraphs(para: etree._Element, ppr: Optional[etree._Element],
                      rpr: Optional[etree._Element], blocks: list[Block],
                      sink: RichSink) -> list[etree._Element]:
    num_ids = _list_numbers(blocks, sink)
    base = _left_indent(ppr, sink.numbering.template) if num_ids else 0
    out = []
    for block in blocks:
        p = _new_paragraph(para, ppr)
        style_id = sink.paragraph_style(block.para_style)
        if style_id is not None:
            _set_para_style(p, style_id)
        if block.kind != "paragraph":
            left, hanging = sink.numbering.template.level_indent(block.kind, block.level,
                                                                 block.marker)
            _number(p, num_ids[block.list_id], block.level,
                    (base + left, hanging) if base else None)
        for span in block.spans:
            for el in _span_runs(span, rpr, True, sink):
                p.append(el)
        out.append(p)
    return out


def _list_numbers(blocks: list[Block], sink: RichSink) -> dict[int, int]:
    """A new ``numId`` for each list of one printed value, its start and number marker
    per level (a level's first item's: Word has one definition per level)."""
    starts: dict[int, dict[int, int]] = {}
    markers: dict[int, dict[int, NumberMarker]] = {}
    kinds: dict[int, Block] = {}
    for block in blocks:
        if block.kind == "paragraph":
            continue
        kinds.setdefault(block.list_id, block)
        starts.setdefault(block.list_id, {}).setdefault(block.level, block.start)
        markers.setdefault(block.list_id, {}).setdefault(block.level, block.marker)
    return {list_id: sink.numbering.new_list(first.kind, starts[list_id], markers[list_id])
            for list_id, first in kinds.items()}


def _left_indent(ppr: Optional[etree._Element], lists: TemplateLists) -> int:
    """The tag paragraph's left indent: its own, else its style's (twips)."""
    ind = ppr.find(W + "ind") if ppr is not None else None
    if ind is not None and (ind.get(W + "left") or ind.get(W + "start")):
        try:
            return int(ind.get(W + "left") or ind.get(W + "start") or 0)
        except ValueError:
            return 0
    style = ppr.find(W + "pStyle") if ppr is not None else None
    return lists.style_left(style.get(_VAL) if style is not None else None)


def _number(p: etree._Element, num_id: int, level: int,
            indent: Optional[tuple[int, int]]) -> None:
    """Make ``p`` an item of list ``num_id``; ``indent``: ``(left, hanging)`` when the
    tag paragraph was indented (the list sits under its text), else the level's."""
    ppr = p.find(W_PPR)
    if ppr is None:
        ppr = etree.Element(W_PPR)
        p.insert(0, ppr)
    old_ind = ppr.find(W + "ind")
    for old in (ppr.find(W + "numPr"), old_ind):
        if old is not None:
            ppr.remove(old)
    numpr = etree.Element(W + "numPr")
    etree.SubElement(numpr, W + "ilvl").set(_VAL, str(level))
    etree.SubElement(numpr, W + "numId").set(_VAL, str(num_id))
    insert_in_order(ppr, numpr, _PPR_ORDER)
    if indent is not None:
        ind = etree.Element(W + "ind")
        for side in ("right", "end"):  # the right indent stays the paragraph's
            if old_ind is not None and old_ind.get(W + side) is not None:
                ind.set(W + side, old_ind.get(W + side) or "0")
        ind.set(W + "left", str(indent[0]))
        ind.set(W + "hanging", str(indent[1]))
        insert_in_order(ppr, ind, _PPR_ORDER)
    if ppr.find(W + "contextualSpacing") is None:  # items close together, as Word's
        insert_in_order(ppr, etree.Element(W + "contextualSpacing"), _PPR_ORDER)
