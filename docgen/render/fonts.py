"""East Asian fonts and language tags for a document's locale (DOMAIN.md §6).

Word picks the font for Hangul/Han from ``w:eastAsia`` (theme attributes override
explicit names, so those are removed) and LibreOffice picks Han glyph *forms* from
``w:lang w:eastAsia``: a Chinese document tagged ko-KR shows Korean glyph shapes.
Both are set once on the document defaults and on styles that name a theme font.
"""
from __future__ import annotations

from typing import Mapping, Optional

from lxml import etree

from ..i18n.locale import DocLocale
from .wordml import W, insert_in_order

# Office's own defaults in each market; LibreOffice maps them to Noto Sans CJK.
DEFAULT_EAST_ASIAN_FONTS: Mapping[str, str] = {
    "ko": "맑은 고딕",
    "zh-CN": "微软雅黑",
    "zh-TW": "微軟正黑體",
}

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
    root = etree.fromstring(xml)
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
    """Point ``w:themeFontLang`` at the locale so theme East Asian fonts resolve to it.

    python-docx's default template says ``ja-JP`` here, which makes Word pick a
    Japanese font for Korean or Chinese text that relies on theme fonts.
    """
    if locale.primary not in DEFAULT_EAST_ASIAN_FONTS:
        return xml
    root = etree.fromstring(xml)
    tfl = root.find(W + "themeFontLang")
    if tfl is None:
        anchor = root.find(W + "clrSchemeMapping")
        if anchor is None:
            return xml
        tfl = etree.Element(W + "themeFontLang")
        anchor.addprevious(tfl)
    tfl.set(W + "eastAsia", locale.lang_tag)
    return _serialize(root)
