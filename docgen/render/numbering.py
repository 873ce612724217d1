"""List numbering for formatted values: one ``w:num`` per printed list.

Word numbers a paragraph by its ``w:numPr`` (``w:numId`` + ``w:ilvl``); the
``w:num`` points at an ``w:abstractNum`` that says how each level looks. Two
paragraphs with the same ``numId`` are one list and count on, so every list of
every printed value gets a ``w:num`` of its own, with a ``w:startOverride`` on each
level it uses: the notes of the second loop item number from 1 again, which is
what templates that reuse one ``numId`` get wrong.

How the levels look comes from the template when it has list styles (the paragraph
styles "List Bullet", "List Bullet 2"…, "List Number"…, which python-docx's and
Word's default templates have): their level definitions are copied, level by level,
into one multi-level definition per kind. Otherwise docgen's own: bullets • ◦ ▪,
numbers 1. a. i., a hanging indent per level.

A numbered list typed with another marker than ``1.`` (``1、``, ``（1）``, ``１．``:
:class:`~.textmodel.NumberMarker`) is written as typed: on the levels where it has
such a marker, the level (the template's, else docgen's) keeps its indents and fonts
but numbers in decimal digits (full width for ``１．``) with the typed text around them
(``w:lvlText`` ``%1、``, ``（%2）``), its hanging indent widened when that is too narrow
for the marker; circled items (``①``) number in w:numFmt ``decimalEnclosedCircle``
with ``w:lvlText`` ``%1`` (Word prints ① .. ⑳; past 20 the number is what the reader
makes of the format). So a template's "List Number" (``%1.``) gives the look, the
user's marker the characters. Each combination of markers is a definition of its own,
shared by the lists that use it; lists typed ``1.`` share the one they had before.
"""
from __future__ import annotations

import copy
import unicodedata
from typing import Optional

from lxml import etree

from ..ooxml.xml import PARSER
from .heal import W, W_NS
from .textmodel import DOT, BlockKind, NumberMarker
from .wordml import insert_in_order

LEVELS = 9
NUMBERING_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                 "numbering")
NUMBERING_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"
_STEP = 360  # twips of indent per level (a quarter inch)
_BULLETS = ("•", "◦", "▪")
_NUMBER_FORMATS = ("decimal", "lowerLetter", "lowerRoman")
_STYLE_NAMES = {"bullet": "list bullet", "number": "list number"}
_VAL = W + "val"
_LVL_ORDER = [W + n for n in (
    "start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText", "lvlPicBulletId",
    "legacy", "lvlJc", "pPr", "rPr",
)]
# A typed marker's width is guessed at 12 pt (a full-width character 240 twips, others
# half that): a little wider than body text, so the number always fits before the text.
_EM = 240
_GAP = 60  # twips at least between the number and the text
# Which definition a list uses: its kind and the levels it numbers with its own marker.
_Look = tuple[BlockKind, tuple[tuple[int, NumberMarker], ...]]


def _el(tag: str, val: Optional[str] = None, **attrs: str) -> etree._Element:
    el = etree.Element(W + tag)
    if val is not None:
        el.set(_VAL, val)
    for name, value in attrs.items():
        el.set(W + name, value)
    return el


def _default_level(kind: str, level: int, left: Optional[int] = None,
                   hanging: int = _STEP) -> etree._Element:
    lvl = _el("lvl", ilvl=str(level))
    lvl.append(_el("start", "1"))
    if kind == "bullet":
        lvl.append(_el("numFmt", "bullet"))
        lvl.append(_el("lvlText", _BULLETS[level % len(_BULLETS)]))
    else:
        lvl.append(_el("numFmt", _NUMBER_FORMATS[level % len(_NUMBER_FORMATS)]))
        lvl.append(_el("lvlText", f"%{level + 1}."))
    lvl.append(_el("lvlJc", "left"))
    ppr = etree.SubElement(lvl, W + "pPr")
    ppr.append(_el("ind", left=str(left if left is not None else _STEP * (level + 1)),
                   hanging=str(hanging)))
    return lvl


def _typed_level(source: etree._Element, level: int,
                 marker: NumberMarker) -> etree._Element:
    """A copy of level definition ``source`` numbering as ``marker`` writes numbers:
    decimal digits (full width for ``１．``) between the typed delimiters, or circled
    digits (``①``)."""
    lvl = copy.deepcopy(source)
    _set_child(lvl, "numFmt", "decimalEnclosedCircle" if marker.circled
               else "decimalFullWidth" if marker.wide else "decimal")
    _set_child(lvl, "lvlText", f"{marker.before}%{level + 1}{marker.after}")
    _widen(lvl, _marker_width(marker) + _GAP)
    return lvl


def _set_child(lvl: etree._Element, name: str, val: str) -> None:
    """``lvl``'s child ``name`` with only ``w:val`` (a template's ``w:format`` of a
    custom format or ``w:null`` would contradict it), created in schema order."""
    el = lvl.find(W + name)
    if el is None:
        el = etree.Element(W + name)
        insert_in_order(lvl, el, _LVL_ORDER)
    el.attrib.clear()
    el.set(_VAL, val)


def _marker_width(marker: NumberMarker) -> int:
    """About how wide ``marker`` writes a one-digit number, in twips."""
    if marker.circled:  # East Asian ambiguous width, full width in CJK fonts
        return _EM
    return sum(_EM if unicodedata.east_asian_width(ch) in "WF" else _EM // 2
               for ch in marker.number(1))


def _widen(lvl: etree._Element, needed: int) -> None:
    """Give the number ``needed`` twips before the text: a narrower hanging indent
    would push the text to the next tab stop on the first line only. The number
    stays where it was, the text (and the level's number tab stop) moves right."""
    ind = lvl.find(f"{W}pPr/{W}ind")
    if ind is None or ind.get(W + "hanging") is None:
        return  # no hanging indent: the number starts the first line like text
    if any(name.endswith("Chars") for name in ind.attrib):
        return  # indents in characters: they win over twips, the template chose them
    extra = needed - _int(ind.get(W + "hanging"))
    if extra <= 0:
        return
    side = W + ("start" if ind.get(W + "start") is not None else "left")
    ind.set(side, str(_int(ind.get(side)) + extra))
    ind.set(W + "hanging", str(_int(ind.get(W + "hanging")) + extra))
    for tab in lvl.iterfind(f"{W}pPr/{W}tabs/{W}tab"):
        if tab.get(_VAL) == "num":
            tab.set(W + "pos", str(_int(tab.get(W + "pos")) + extra))


def _int(value: Optional[str], default: int = 0) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


class TemplateLists:
    """What a template offers for lists, read once per template: the level definitions
    of its list styles and the ids its numbering part already uses."""

    def __init__(self, styles: Optional[bytes], numbering: Optional[bytes]) -> None:
        styles_root = etree.fromstring(styles, PARSER) if styles else None
        num_root = etree.fromstring(numbering, PARSER) if numbering else None
        self.max_num_id = 0
        self.max_abstract_id = -1
        self.nsids: set[str] = set()
        abstracts: dict[str, etree._Element] = {}
        num_to_abstract: dict[str, str] = {}
        if num_root is not None:
            for ab in num_root.iter(W + "abstractNum"):
                aid = ab.get(W + "abstractNumId") or ""
                abstracts[aid] = ab
                self.max_abstract_id = max(self.max_abstract_id, _int(aid, -1))
                nsid = ab.find(W + "nsid")
                if nsid is not None:
                    self.nsids.add((nsid.get(_VAL) or "").upper())
            for num in num_root.iter(W + "num"):
                nid = num.get(W + "numId") or ""
                self.max_num_id = max(self.max_num_id, _int(nid))
                ref = num.find(W + "abstractNumId")
                if ref is not None:
                    num_to_abstract[nid] = ref.get(_VAL) or ""
        styles_by_name: dict[str, etree._Element] = {}
        by_id: dict[str, etree._Element] = {}
        self.default_style = ""
        if styles_root is not None:
            for style in styles_root.iter(W + "style"):
                name = style.find(W + "name")
                if style.get(W + "type") != "paragraph":
                    continue
                by_id[style.get(W + "styleId") or ""] = style
                if style.get(W + "default") in ("1", "true", "on"):
                    self.default_style = style.get(W + "styleId") or ""
                if name is not None:
                    styles_by_name[(name.get(_VAL) or "").strip().lower()] = style
        self._styles = by_id
        self._style_ids_by_name = {key: style.get(W + "styleId") or ""
                                   for key, style in styles_by_name.items()}
        self._style_left: dict[str, int] = {}
        self._typed: dict[tuple[str, int, NumberMarker], etree._Element] = {}
        self.levels: dict[str, list[etree._Element]] = {}
        for kind, base in _STYLE_NAMES.items():
            self.levels[kind] = self._levels_of(kind, base, styles_by_name, abstracts,
                                                num_to_abstract)

    def paragraph_style(self, ref: str) -> Optional[str]:
        """The id of the template's paragraph style ``ref`` names: its style id, else
        its name ("Heading 1", any case; Word's built-in names are stored lower case),
        ``None`` when the template has no such paragraph style."""
        if ref in self._styles:
            return ref
        found = self._style_ids_by_name.get(" ".join(ref.split()).lower())
        return found or None

    def style_left(self, style_id: Optional[str]) -> int:
        """The left indent (twips) paragraph style ``style_id`` gives, through its
        ``basedOn`` chain (the default paragraph style for ``None``)."""
        sid = style_id or self.default_style
        cached = self._style_left.get(sid)
        if cached is not None:
            return cached
        left, seen = 0, set()
        style = self._styles.get(sid)
        while style is not None and id(style) not in seen:
            seen.add(id(style))
            ind = style.find(f"{W}pPr/{W}ind")
            if ind is not None and (ind.get(W + "left") or ind.get(W + "start")):
                left = _int(ind.get(W + "left") or ind.get(W + "start"))
                break
            based = style.find(W + "basedOn")
            style = self._styles.get(based.get(_VAL) or "") if based is not None else None
        self._style_left[sid] = left
        return left

    def level(self, kind: str, level: int, marker: NumberMarker = DOT) -> etree._Element:
        """The definition of level ``level`` of ``kind`` numbering with ``marker``."""
        if marker.is_default or kind != "number":
            return self.levels[kind][level]
        key = (kind, level, marker)
        typed = self._typed.get(key)
        if typed is None:
            typed = self._typed[key] = _typed_level(self.levels[kind][level], level, marker)
        return typed

    def level_indent(self, kind: str, level: int,
                     marker: NumberMarker = DOT) -> tuple[int, int]:
        """``(left, hanging)`` in twips of list level ``level`` of ``kind`` (numbering
        with ``marker``)."""
        ind = self.level(kind, level, marker).find(f"{W}pPr/{W}ind")
        if ind is None:
            return _STEP * (level + 1), _STEP
        return (_int(ind.get(W + "left") or ind.get(W + "start"), _STEP * (level + 1)),
                _int(ind.get(W + "hanging")))

    @staticmethod
    def _levels_of(kind: str, base: str, styles: dict[str, etree._Element],
                   abstracts: dict[str, etree._Element],
                   num_to_abstract: dict[str, str]) -> list[etree._Element]:
        """Nine level definitions for ``kind``: for level L the level of the style
        "List Bullet L+1" (or a level L the first style's definition has), else
        docgen's, indented one step further than the level above."""

        def style_level(name: str) -> tuple[Optional[etree._Element], Optional[etree._Element]]:
            style = styles.get(name)
            numpr = style.find(f"{W}pPr/{W}numPr") if style is not None else None
            if numpr is None:
                return None, None
            num_id = numpr.find(W + "numId")
            ilvl = numpr.find(W + "ilvl")
            abstract = abstracts.get(num_to_abstract.get(
                num_id.get(_VAL) or "" if num_id is not None else "", ""))
            if abstract is None:
                return None, None
            wanted = ilvl.get(_VAL) if ilvl is not None else "0"
            found = next((lv for lv in abstract.iter(W + "lvl")
                          if lv.get(W + "ilvl") == wanted), None)
            return found, abstract

        first_level, first_abstract = style_level(base)
        levels: list[etree._Element] = []
        for level in range(LEVELS):
            source = None
            if level == 0:
                source = first_level
            else:
                source, _ = style_level(f"{base} {level + 1}")
                if source is None and first_abstract is not None:
                    source = next((lv for lv in first_abstract.iter(W + "lvl")
                                   if lv.get(W + "ilvl") == str(level)), None)
            if source is None:
                left, hanging = None, _STEP
                if levels:
                    ind = levels[-1].find(f"{W}pPr/{W}ind")
                    if ind is not None:
                        left = _int(ind.get(W + "left") or ind.get(W + "start"),
                                    _STEP * level) + _STEP
                        hanging = _int(ind.get(W + "hanging"), _STEP)
                levels.append(_default_level(kind, level, left, hanging))
                continue
            lvl = copy.deepcopy(source)
            src = _int(lvl.get(W + "ilvl"))
            lvl.set(W + "ilvl", str(level))
            for linked in lvl.findall(W + "pStyle"):  # the copy belongs to no style
                lvl.remove(linked)
            text = lvl.find(W + "lvlText")
            if text is not None and src != level:  # "%1." of a one-level style
                text.set(_VAL, (text.get(_VAL) or "").replace(f"%{src + 1}", f"%{level + 1}"))
            levels.append(lvl)
        return levels


class NumberingSink:
    """The numbering one render adds, shared by all its parts (headers and footers
    use the document's numbering part too). Ids are given in print order, after the
    template's own: the same data gives the same file."""

    def __init__(self, template: TemplateLists) -> None:
        self.template = template
        self._abstract_ids: dict[_Look, int] = {}
        self.nums: list[tuple[int, int, dict[int, int]]] = []  # numId, abstractNumId, starts

    def new_list(self, kind: BlockKind, starts: dict[int, int],
                 markers: Optional[dict[int, NumberMarker]] = None) -> int:
        """A fresh ``numId`` for one printed list (``starts``: first number per level;
        ``markers``: the levels numbered with a marker of their own, ``1、``…)."""
        typed = tuple(sorted((level, m) for level, m in (markers or {}).items()
                             if not m.is_default)) if kind == "number" else ()
        look: _Look = (kind, typed)
        abstract = self._abstract_ids.get(look)
        if abstract is None:
            abstract = self._abstract_ids[look] = (self.template.max_abstract_id + 1
                                                   + len(self._abstract_ids))
        num_id = self.template.max_num_id + 1 + len(self.nums)
        self.nums.append((num_id, abstract, dict(starts)))
        return num_id

    def __bool__(self) -> bool:
        return bool(self.nums)

    def numbering_xml(self, existing: Optional[bytes]) -> bytes:
        """The numbering part with this render's definitions and lists added
        (``existing``: the template's part, or ``None`` for a new one)."""
        root = (etree.fromstring(existing, PARSER) if existing
                else etree.Element(W + "numbering", nsmap={"w": W_NS}))
        anchor = None
        for tag in ("abstractNum", "numPicBullet"):  # the schema: abstractNum before num
            found = root.findall(W + tag)
            if found:
                anchor = found[-1]
                break
        for look, abstract_id in sorted(self._abstract_ids.items(), key=lambda kv: kv[1]):
            abstract = self._abstract(look, abstract_id)
            if anchor is None:
                root.insert(0, abstract)
            else:
                anchor.addnext(abstract)
            anchor = abstract
        nums = root.findall(W + "num")
        if nums:
            anchor = nums[-1]
        for num_id, abstract_id, starts in self.nums:
            num = _el("num", numId=str(num_id))
            num.append(_el("abstractNumId", str(abstract_id)))
            for level, start in sorted(starts.items()):  # the levels the list uses
                override = etree.SubElement(num, W + "lvlOverride")
                override.set(W + "ilvl", str(level))
                override.append(_el("startOverride", str(start)))
            if anchor is None:
                root.insert(0, num)
            else:
                anchor.addnext(num)
            anchor = num
        out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)
        return out

    def _abstract(self, look: _Look, abstract_id: int) -> etree._Element:
        kind, typed = look
        markers = dict(typed)
        abstract = _el("abstractNum", abstractNumId=str(abstract_id))
        nsid = 0xD0C60000 + abstract_id
        while f"{nsid:08X}" in self.template.nsids:
            nsid += 0x100
        abstract.append(_el("nsid", f"{nsid:08X}"))
        abstract.append(_el("multiLevelType", "multilevel"))
        for level in range(LEVELS):
            lvl = self.template.level(kind, level, markers.get(level, DOT))
            abstract.append(copy.deepcopy(lvl))
        return abstract


_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def numbering_part_of(document_rels: Optional[bytes]) -> Optional[str]:
    """The package name of the numbering part the document's relationships name."""
    if not document_rels:
        return None
    root = etree.fromstring(document_rels, PARSER)
    for rel in root.iter(f"{{{_PKG_RELS}}}Relationship"):
        if rel.get("Type") == NUMBERING_REL and rel.get("TargetMode") != "External":
            target = rel.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else "word/" + target
    return None


def add_override(content_types: bytes, part: str, content_type: str) -> bytes:
    """``[Content_Types].xml`` with an ``Override`` for ``part`` (if it has none)."""
    root = etree.fromstring(content_types, PARSER)
    name = "/" + part
    if not any(el.get("PartName") == name for el in root.iter(f"{{{_CT}}}Override")):
        etree.SubElement(root, f"{{{_CT}}}Override", PartName=name, ContentType=content_type)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out
