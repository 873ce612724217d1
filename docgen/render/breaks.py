"""Post-render: ``\\a`` in a value starts a new paragraph, as in docxtpl.

While rendering, a value's ``\\a`` is printed (by ``finalize_wordml``) as a line
break followed by the marker :data:`NEW_PARAGRAPH`, inside the value's run. Only
afterwards is the structure known, so this pass turns each marker into a paragraph
break where a paragraph can be split: the run ends, the paragraph ends, and a new
paragraph with the same paragraph properties continues with a run carrying the same
run properties. Where a split would break the document (a run inside a hyperlink,
a field, a content control or a tracked change), the line break stays instead.
Only parts whose rendered text holds a marker pay for this pass.
"""
from __future__ import annotations

import copy
from lxml import etree

from ..ooxml.xml import PARSER
from .heal import W, W_P, W_PPR, W_R, W_RPR, W_T, XML_SPACE

NEW_PARAGRAPH_TARGET = "docgen-para"
NEW_PARAGRAPH = f"<?{NEW_PARAGRAPH_TARGET}?>"

_PARSER = PARSER  # docgen.ooxml: the one hardened parser
_BR, _FLDCHAR, _SECTPR = W + "br", W + "fldChar", W + "sectPr"
_FLD_TYPE = W + "fldCharType"
# Identity attributes of a paragraph that must stay unique (Word 2010+ writes them).
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
UNIQUE_ATTRS = (_W14 + "paraId", _W14 + "textId")


def split_paragraphs(xml: str) -> str:
    """Turn every :data:`NEW_PARAGRAPH` marker of a rendered part into a paragraph
    break (or leave the line break before it, where a paragraph cannot be split)."""
    root = etree.fromstring(xml.encode("utf-8"), _PARSER)
    for pi in list(root.iter(etree.ProcessingInstruction)):
        if pi.target != NEW_PARAGRAPH_TARGET:
            continue
        run = pi.getparent()
        para = run.getparent() if run is not None else None
        if (run is not None and para is not None and run.tag == W_R and para.tag == W_P
                and not in_open_field(para, run)):
            _split(para, run, pi)
        else:
            remove_keeping_tail(pi)  # the w:br before it stays: a line break instead
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out.decode("utf-8")


def in_open_field(para: etree._Element, run: etree._Element) -> bool:
    """``run`` lies in a complex field (``fldChar`` begin … end) opened in ``para``."""
    depth = 0
    for sibling in para:
        if sibling is run:
            return depth > 0
        for fld in sibling.iter(_FLDCHAR):
            kind = fld.get(_FLD_TYPE)
            depth += 1 if kind == "begin" else -1 if kind == "end" else 0
    return depth > 0


def preserve_spaces(el: etree._Element) -> None:
    """Every ``w:t`` in ``el`` whose text starts or ends with white space keeps it
    (``xml:space="preserve"``: without it a reader may drop the space, so "Total: "
    followed by a value moved into another run would read "Total:")."""
    for t in el.iter(W_T):
        text = t.text
        if text and (text[0].isspace() or text[-1].isspace()):
            t.set(XML_SPACE, "preserve")


def remove_keeping_tail(el: etree._Element) -> None:
    """Remove ``el``, keeping any text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:  # never lose text that follows
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _split(para: etree._Element, run: etree._Element, pi: etree._Element) -> None:
    br = pi.getprevious()
    if br is not None and br.tag == _BR and not br.attrib:
        run.remove(br)
    rest_of_run = list(pi.itersiblings())
    run.remove(pi)
    new_run = etree.Element(W_R, attrib=dict(run.attrib))
    rpr = run.find(W_RPR)
    if rpr is not None:
        new_run.append(copy.deepcopy(rpr))
    for child in rest_of_run:
        new_run.append(child)
    new_para = etree.Element(W_P, attrib={k: v for k, v in para.attrib.items()
                                          if k not in UNIQUE_ATTRS})
    ppr = para.find(W_PPR)
    if ppr is not None:
        new_para.append(copy.deepcopy(ppr))
        sect = ppr.find(_SECTPR)
        if sect is not None:  # the section now ends with the last paragraph
            ppr.remove(sect)
    new_para.append(new_run)
    for child in list(run.itersiblings()):
        new_para.append(child)
    para.addnext(new_para)
    preserve_spaces(para)
    preserve_spaces(new_para)

