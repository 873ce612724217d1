"""East Asian fonts and language tags for a document's locale (DOMAIN.md §6).

Word picks the font for Hangul/Han from ``w:eastAsia`` (theme attributes override
explicit names, so those are removed) and LibreOffice picks Han glyph *forms* from
``w:lang w:eastAsia``: a Chinese document tagged ko-KR shows Korean glyph shapes.
Both are set once on the document defaults and on styles that name a theme font.
"""
from __future__ import annotations

from typing import Mapping, Optional

from lxml import etree

from ..i18n.locale import EAST_ASIAN_FONTS, DocLocale
from ..ooxml.xml import PARSER
from .wordml import W, insert_in_order

# Office's own defaults in each market (the locale rows); LibreOffice maps them to
# Noto Sans CJK.
DEFAULT_EAST_ASIAN_FONTS: Mapping[str, str] = EAST_ASIAN_FONTS

_RPR_ORDER = [W + n for n in (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
    "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
    "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
    "eastAsianLayout", "specVanish", "oMath",
)]


def _child(parent: etree._Element, tag: str, order: Optional[list[str]] = None) -> etree._Element:
    found = parent.find(tag)
    if found is not None:
        return found
    el = etree.Element(tag)
    if order is None:
        parent.insert(0, el)
    else:
        insert_in_order(parent, el, order)
    return el


def _set_east_asian_font(rfonts: etree._Element, font: str) -> None:
    rfonts.attrib.pop(W + "eastAsiaTheme", None)
    rfonts.set(W + "eastAsia", font)


def _serialize(root: etree._Element) -> bytes:
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def localize_styles(
    xml: bytes, locale: DocLocale, fonts: Optional[Mapping[str, str]] = None
) -> bytes:
    """Return ``styles.xml`` with the locale's East Asian font and language tag."""
    root = etree.fromstring(xml, PARSER)
    font = (fonts or DEFAULT_EAST_ASIAN_FONTS).get(locale.primary)
    defaults = _child(root, W + "docDefaults")
    rpr = _child(_child(defaults, W + "rPrDefault"), W + "rPr")
    lang = _child(rpr, W + "lang", _RPR_ORDER)
    if font:
        rfonts = _child(rpr, W + "rFonts", _RPR_ORDER)
        _set_east_asian_font(rfonts, font)
        # Ambiguous-width punctuation (“ ” · …) then uses the CJK face, so quotes match.
        rfonts.set(W + "hint", "eastAsia")
        lang.set(W + "eastAsia", locale.lang_tag)
        if lang.get(W + "val") is None:
            lang.set(W + "val", "en-US")
        for style_fonts in root.iter(W + "rFonts"):  # styles, table-style parts alike
            if style_fonts.get(W + "eastAsiaTheme") is not None:
                _set_east_asian_font(style_fonts, font)
    else:
        lang.set(W + "val", locale.lang_tag)
    return _serialize(root)


def localize_settings(xml: bytes, locale: DocLocale) -> bytes:
    """Point ``w:themeFontLang`` at the locale so theme East Asian fonts resolve to it,
    and give ``w:zoom`` the ``w:percent`` the schema requires.

    python-docx's default template says ``ja-JP`` here, which makes Word pick a
    Japanese font for Korean or Chinese text that relies on theme fonts; it also writes
    ``<w:zoom w:val="bestFit"/>`` without a percent, so every template made with
    python-docx would otherwise give an invalid settings part.
    """
    east_asian = locale.primary in DEFAULT_EAST_ASIAN_FONTS
    if not east_asian and b"zoom" not in xml:
        return xml
    root = etree.fromstring(xml, PARSER)
    changed = False
    zoom = root.find(W + "zoom")
    if zoom is not None and zoom.get(W + "percent") is None:
        zoom.set(W + "percent", "100")
        changed = True
    if east_asian:
        tfl = root.find(W + "themeFontLang")
        if tfl is None:
            anchor = root.find(W + "clrSchemeMapping")
            if anchor is not None:
                tfl = etree.Element(W + "themeFontLang")
                anchor.addprevious(tfl)
        if tfl is not None:
            tfl.set(W + "eastAsia", locale.lang_tag)
            changed = True
    return _serialize(root) if changed else xml


def tag_secondary_language(xml: str, locale: Optional[DocLocale]) -> str:
    """Split runs around the second language of bilingual labels (marked by
    :mod:`docgen.i18n.catalog`) and tag those runs with that language, keeping each
    run's formatting: LibreOffice draws Han characters in the glyph forms of the
    run's ``w:lang``, so 会议纪要 in a Korean document needs ``zh-CN`` to look Chinese."""
    from ..i18n.catalog import SECONDARY_CLOSE, SECONDARY_OPEN
    from ..i18n.locale import LANG_TAGS

    if SECONDARY_OPEN not in xml:
        return xml
    if locale is None or locale.secondary is None:
        return xml.replace(SECONDARY_OPEN, "").replace(SECONDARY_CLOSE, "")
    tag = LANG_TAGS[locale.secondary]
    root = etree.fromstring(xml.encode("utf-8"), PARSER)
    for run in [r for r in root.iter(W + "r")
                if any(SECONDARY_OPEN in (t.text or "") or SECONDARY_CLOSE in (t.text or "")
                       for t in r.iter(W + "t"))]:
        _split_run(run, tag, SECONDARY_OPEN, SECONDARY_CLOSE)
    out: str = etree.tostring(root, encoding="unicode")
    head = xml[:xml.find("<", 1)] if xml.startswith("<?xml") else ""
    return head + out


def _split_run(run: etree._Element, tag: str, open_mark: str, close_mark: str) -> None:
    """Replace ``run`` by runs whose text is all first- or all second-language."""
    import copy
    import re

    rpr = run.find(W + "rPr")
    pieces: list[tuple[bool, Optional[etree._Element]]] = []  # (secondary?, child)
    secondary = False
    for child in list(run):
        if child is rpr:
            continue
        if child.tag != W + "t" or not child.text:
            pieces.append((secondary, child))
            continue
        for part in re.split(f"([{open_mark}{close_mark}])", child.text):
            if part == open_mark:
                secondary = True
            elif part == close_mark:
                secondary = False
            elif part:
                t = etree.Element(W + "t")
                t.text = part
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                pieces.append((secondary, t))
    parent = run.getparent()
    assert parent is not None
    position = parent.index(run)
    parent.remove(run)
    current: Optional[etree._Element] = None
    current_lang: Optional[bool] = None
    for is_secondary, child in pieces:
        if current is None or is_secondary != current_lang:
            current = etree.Element(W + "r", attrib=dict(run.attrib))
            new_rpr = copy.deepcopy(rpr) if rpr is not None else None
            if is_secondary:
                if new_rpr is None:
                    new_rpr = etree.Element(W + "rPr")
                lang = _child(new_rpr, W + "lang", _RPR_ORDER)
                lang.set(W + "eastAsia", tag)
            if new_rpr is not None:
                current.append(new_rpr)
            parent.insert(position, current)
            position += 1
            current_lang = is_secondary
        current.append(child)
