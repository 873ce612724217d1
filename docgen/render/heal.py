"""Healing tags that Word split: within a paragraph's runs, and over two paragraphs.

Word stores typed text in runs and splits them wherever formatting, proofing marks,
bookmarks or revisions change, so ``{{ client }}`` may arrive as ``{{ cli`` + ``ent }}``
in two ``w:t``. :func:`heal_paragraph` moves every tag whole into the ``w:t`` where it
starts. A paragraph mark typed inside a tag splits it over two paragraphs;
:func:`join_paragraphs` heals that the way docxtpl does (the second paragraph's content
joins the first, so the tag is whole where it starts), but only where joining cannot
change the document otherwise (:func:`can_join`) and the tag reads the same with the
mark dropped (:func:`straddling_tag`); elsewhere the tag is reported for the user to
retype.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence, Union

from lxml import etree

from ..messages import N_

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
W_P, W_R, W_T, W_TR, W_TC = W + "p", W + "r", W + "t", W + "tr", W + "tc"
W_PPR, W_RPR, W_TCPR = W + "pPr", W + "rPr", W + "tcPr"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
OPENER_RE = re.compile(r"\{\{|\{%|\{#")
CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}

# A CJK input method types full-width delimiters; accept them as tags rather than
# leaving "｛｛ name ｝｝" in a client's document.
_FULLWIDTH_DELIMS = re.compile(r"[{｛][{｛%％#＃]|[}｝%％#＃][}｝]")
_FULLWIDTH_MAP = str.maketrans("｛｝％＃", "{}%#")
# Word's autocorrect turns quotes curly; inside a tag they must be ASCII for Jinja.
_TAG_CHAR_MAP = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u3000": " "})
_REMOVED = (W + "del", W + "moveFrom")
_WORD_END, _WORD_START = re.compile(r"\w$"), re.compile(r"\w+")
_STATEMENT_HEAD = re.compile(r"^\{%[-+]?(?:p|tr|tc|r)?\s*(\w+)$")
_STATEMENTS = frozenset((
    "if elif else endif for endfor set endset with endwith macro endmacro call endcall "
    "filter endfilter block endblock raw endraw include import from extends trans "
    "pluralize endtrans autoescape endautoescape break continue do").split())
# The paragraph mark itself is a tracked change: joining would accept or lose it.
_TRACKED_MARK = tuple(W + n for n in ("ins", "del", "moveFrom", "moveTo"))

SPLIT_OVER_PARAGRAPHS = N_(
    "the tag '{tag}' starts in this paragraph and ends in the next one (¶ marks the "
    "paragraph break) and docgen cannot join the two paragraphs safely here; retype "
    "the tag within one paragraph")


class LoweringError(ValueError):
    """A tag problem found while lowering, with the paragraph it is in."""

    def __init__(self, message: str, paragraph: int, **params: str) -> None:
        super().__init__(message)
        self.message = message
        self.paragraph = paragraph
        self.params = params
        self.excerpt: Optional[str] = None  # the paragraph's text, once known


def normalize_delimiters(text: str) -> str:
    """Turn full-width tag delimiters (｛｛ ％｝ …) into ASCII, leaving other text alone.
    Every character maps to one character, so positions stay valid."""
    if "｛" not in text and "｝" not in text:
        return text
    return _FULLWIDTH_DELIMS.sub(lambda m: m.group(0).translate(_FULLWIDTH_MAP), text)


def preserve_space(t: etree._Element) -> None:
    t.set(XML_SPACE, "preserve")


def own_texts(p: etree._Element) -> list[etree._Element]:
    """The live ``w:t`` of paragraph ``p``: not in nested text-box paragraphs, not
    in tracked deletions (deleted text is history, never part of a tag)."""
    result = []
    for t in p.iter(W_T):
        anc = t.getparent()
        while anc is not None and anc.tag != W_P and anc.tag not in _REMOVED:
            anc = anc.getparent()
        if anc is p:
            result.append(t)
    return result


def heal_paragraph(texts: list[etree._Element]) -> str:
    """Move every tag of a paragraph into the ``w:t`` where it starts; return the text.

    Each character is given an owner ``w:t``; characters inside a tag take the owner
    of the tag's first character. Rebuilding each ``w:t`` from the characters it owns
    keeps all text in order and leaves every tag whole in one element.
    """
    raw = [t.text or "" for t in texts]
    full = normalize_delimiters("".join(raw))
    if "{" not in full:
        return full
    owner: list[int] = []
    for i, s in enumerate(raw):
        owner.extend([i] * len(s))
    chars = list(full)
    for m in TAG_RE.finditer(full):
        first = owner[m.start()]
        for k in range(m.start(), m.end()):
            owner[k] = first
        if any(c in m.group(0) for c in "“”‘’\u3000"):
            chars[m.start():m.end()] = list(m.group(0).translate(_TAG_CHAR_MAP))
    buckets: list[list[str]] = [[] for _ in texts]
    for c, o in zip(chars, owner):
        buckets[o].append(c)
    rebuilt = ["".join(b) for b in buckets]
    for t, old, new in zip(texts, raw, rebuilt):
        if new != old:
            t.text = new
            preserve_space(t)
    return "".join(rebuilt)


def has_unclosed_opener(text: str) -> bool:
    return "{" in text and OPENER_RE.search(TAG_RE.sub("", text)) is not None


def straddling_tag(text: str, next_text: str) -> Optional[tuple[str, Optional[str]]]:
    """The tag that opens in ``text`` and closes in ``next_text`` (``¶`` marking the
    paragraph mark), and what the mark reads as inside it: ``""`` or ``" "`` where
    that is unambiguous, None where it is not (inside a quoted string: a line break
    or nothing?; between two letters: ``{{ na¶me }}`` is ``name`` or ``na me``?).
    Between a statement's name and a word it is a space (``{% if¶x %}``: there
    is no statement ``ifx``)."""
    joined = normalize_delimiters(text + next_text)
    for m in TAG_RE.finditer(joined):
        if m.start() >= len(text):
            break
        if m.end() > len(text):
            cut = len(text) - m.start()
            before, after = m.group(0)[:cut], m.group(0)[cut:]
            return f"{before}¶{after}", _mark_reads_as(before, after)
    return None


def _mark_reads_as(before: str, after: str) -> Optional[str]:
    if before.count('"') % 2 or before.count("'") % 2:
        return None
    if not (_WORD_END.search(before) and _WORD_START.match(after)):
        return ""
    stmt = _STATEMENT_HEAD.match(before)
    following = _WORD_START.match(after)
    if (stmt and stmt.group(1) in _STATEMENTS and following
            and stmt.group(1) + following.group(0) not in _STATEMENTS):
        return " "
    return None


def next_paragraph(paragraphs: Sequence[etree._Element], index: int) -> Optional[etree._Element]:
    """The paragraph after ``paragraphs[index]`` in document order, leaving out
    paragraphs nested inside it (text boxes) and paragraphs already joined away."""
    p = paragraphs[index]
    for q in paragraphs[index + 1:]:
        if q.getparent() is None:
            continue
        anc = q.getparent()
        while anc is not None and anc is not p:
            anc = anc.getparent()
        if anc is None:
            return q
    return None


def _ppr_key(p: etree._Element) -> bytes:
    # The paragraph's formatting, leaving out the mark's own run properties (they
    # only size an empty paragraph's mark).
    ppr = p.find(W_PPR)
    if ppr is None:
        return b""
    return b"".join(etree.tostring(c) for c in ppr if c.tag != W_RPR)


def _mark_is_tracked(p: etree._Element) -> bool:
    rpr = p.find(f"{W_PPR}/{W_RPR}")
    return rpr is not None and any(c.tag in _TRACKED_MARK for c in rpr)


def can_join(p: etree._Element, q: etree._Element) -> bool:
    """Joining ``q`` into ``p`` changes nothing but the paragraph mark inside the tag:
    ``q`` directly follows ``p`` in the same container, both have the same paragraph
    formatting, and neither mark ends a section or is a tracked change."""
    return (p.getnext() is q and q.tag == W_P
            and p.find(f"{W_PPR}/{W}sectPr") is None
            and _ppr_key(p) == _ppr_key(q)
            and not _mark_is_tracked(p) and not _mark_is_tracked(q))


def join_paragraphs(p: etree._Element, q: etree._Element, glue: str = "") -> None:
    """Move ``q``'s content (not its properties) to the end of ``p`` and remove ``q``;
    ``glue`` (what the paragraph mark read as) ends ``p``'s text first."""
    if glue:
        last = [t for t in own_texts(p) if t.text]
        if last:
            last[-1].text = (last[-1].text or "") + glue
            preserve_space(last[-1])
    for child in list(q):
        if child.tag != W_PPR:
            p.append(child)
    parent = q.getparent()
    if parent is not None:
        parent.remove(q)


def join_split_tag(paragraphs: list[etree._Element], index: int, text: str,
                    number: int) -> Optional[Union[bool, LoweringError]]:
    """A tag that opens in ``paragraphs[index]`` and closes in the next paragraph:
    join the two when that is safe (True), else the error to report. None: the
    open tag does not close in the next paragraph (it is just not closed).

    Joining, as docxtpl does, treats the paragraph mark typed inside the tag as part
    of the tag; it is done only where the tag reads the same without the mark and
    nothing else changes (see :mod:`.heal`), so it never gives a document other than
    the one the user meant; anywhere else the user is asked to retype the tag.
    """
    p = paragraphs[index]
    q = next_paragraph(paragraphs, index)
    if q is None:
        return None
    next_text = "".join(t.text or "" for t in own_texts(q))
    straddling = straddling_tag(text, next_text)
    if straddling is None:
        return None
    tag, glue = straddling
    if glue is None or not can_join(p, q):
        exc = LoweringError(SPLIT_OVER_PARAGRAPHS, number, tag=tag)
        exc.excerpt = f"{text}\n    {next_text}"
        return exc
    join_paragraphs(p, q, glue)
    return True
