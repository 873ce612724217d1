"""gettext catalogs: document labels (domain ``labels``) and user messages (``messages``).

Catalogs are maintained as ``.po`` files with Babel's tools. An installed package
carries compiled ``.mo`` files (built by ``setup.py``); a source checkout without
them compiles the ``.po`` in memory, so both behave the same.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .locale import CATALOG_DIRS, DocLocale

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAINS = ("labels", "messages")


@lru_cache(maxsize=None)
def translations(domain: str, code: str) -> gettext.NullTranslations:
    """The catalog of ``domain`` for one canonical locale code (cached per process)."""
    folder = LOCALE_DIR / CATALOG_DIRS[code] / "LC_MESSAGES"
    mo = folder / f"{domain}.mo"
    po = folder / f"{domain}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.is_file():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=code.replace("-", "_"), domain=domain)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


# Private-use characters around the second language of a bilingual label, so the
# Word engine can tag that text with its own language (LibreOffice picks Han glyph
# forms by w:lang); every other output strips them.
SECONDARY_OPEN, SECONDARY_CLOSE = "\ue010", "\ue011"


def strip_language_marks(text: str) -> str:
    if SECONDARY_OPEN in text:
        return text.replace(SECONDARY_OPEN, "").replace(SECONDARY_CLOSE, "")
    return text


def pick_label(labels: Mapping[str, Any], locale: DocLocale, *,
               marked: bool = False) -> Optional[str]:
    """The label for ``locale`` from a ``{code: text}`` mapping (a schema's x-labels
    or x-enum-labels entry): a bilingual locale gives ``"primary / secondary"`` (one
    text when both are the same; ``marked`` wraps the second in the language marks, for
    renders); a missing language falls back to English, then None."""
    first = labels.get(locale.primary) or labels.get("en")
    if first is None:
        return None
    text = str(first)
    if locale.secondary is not None:
        second = labels.get(locale.secondary)
        if second is not None and str(second) != text:
            if marked:
                return f"{text}{Labels.separator}{SECONDARY_OPEN}{second}{SECONDARY_CLOSE}"
            return f"{text}{Labels.separator}{second}"
    return text


class Labels:
    """gettext bound to a document locale; bilingual locales give ``A / B`` (B marked
    as the second language)."""

    separator = " / "

    def __init__(self, locale: DocLocale, domain: str = "labels", *, marked: bool = False) -> None:
        """``marked``: wrap the second language in SECONDARY_OPEN/CLOSE (for renders)."""
        self.locale = locale
        self._open, self._close = (SECONDARY_OPEN, SECONDARY_CLOSE) if marked else ("", "")
        self._primary = translations(domain, locale.primary)
        self._secondary = translations(domain, locale.secondary) if locale.secondary else None
        self._cache: dict[str, str] = {}

    def gettext(self, message: str, **params: Any) -> str:
        text = self._cache.get(message)
        if text is None:
            text = self._primary.gettext(message)
            if self._secondary is not None:
                other = self._secondary.gettext(message)
                if other != text:
                    text = f"{text}{self.separator}{self._open}{other}{self._close}"
            self._cache[message] = text
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self._primary.ngettext(singular, plural, n)
        if self._secondary is not None:
            other = self._secondary.ngettext(singular, plural, n)
            if other != text:
                text = f"{text}{self.separator}{self._open}{other}{self._close}"
        return text.format(**params) if params else text
