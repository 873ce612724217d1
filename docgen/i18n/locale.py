"""Locale codes: parsing what users type into the four supported locales.

Users write ``ko``, ``ko_KR``, ``zh-Hans``, ``ZH_tw``, ``zh-Hant-TW``… and
``A+B`` for bilingual labels. Everything below this module works with a
:class:`DocLocale`, so the spelling question is settled in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import babel

SUPPORTED = ("ko", "zh-CN", "zh-TW", "en")
DEFAULT = "ko"

# Babel identifiers: always pass one of these explicitly, because Babel's
# ``locale=None`` silently falls back to the process environment.
BABEL_IDS = {"ko": "ko_KR", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW", "en": "en_US"}

# Tags for w:lang / xml:lang (BCP 47 region forms Word expects).
LANG_TAGS = {"ko": "ko-KR", "zh-CN": "zh-CN", "zh-TW": "zh-TW", "en": "en-US"}

# gettext catalog folder names.
CATALOG_DIRS = {"ko": "ko", "zh-CN": "zh_CN", "zh-TW": "zh_TW", "en": "en"}

_ALIASES = {
    "ko": "ko", "kokr": "ko", "kor": "ko", "korean": "ko", "kohang": "ko", "kohangkr": "ko",
    "zh": "zh-CN", "zhcn": "zh-CN", "zhhans": "zh-CN", "zhhanscn": "zh-CN", "zhsg": "zh-CN",
    "zhhanssg": "zh-CN", "chs": "zh-CN",
    "zhtw": "zh-TW", "zhhant": "zh-TW", "zhhanttw": "zh-TW", "zhhk": "zh-TW",
    "zhhanthk": "zh-TW", "zhmo": "zh-TW", "zhhantmo": "zh-TW", "cht": "zh-TW",
    "en": "en", "enus": "en", "engb": "en", "english": "en",
}


class UnknownLocale(ValueError):
    """The text does not name a supported locale."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def normalize(text: str) -> str:
    """Return the canonical code (``ko``, ``zh-CN``, ``zh-TW``, ``en``) for ``text``.

    Case, ``-``/``_`` and ``.UTF-8`` suffixes are ignored.
    """
    key = text.strip().split(".")[0].replace("-", "").replace("_", "").lower()
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnknownLocale(text) from None


@dataclass(frozen=True)
class DocLocale:
    """A document's locale: a primary language, optionally a second one.

    ``primary`` drives formats (dates, numbers, money) and the document's language
    tag; ``secondary`` only adds a second label beside each catalog label.
    """

    primary: str
    secondary: Optional[str] = None

    @classmethod
    def parse(cls, text: str) -> "DocLocale":
        """Parse ``ko``, ``zh_Hans``, ``ko+zh-CN``…; raises :class:`UnknownLocale`."""
        parts = [p for p in text.split("+")]
        if not 1 <= len(parts) <= 2 or not all(p.strip() for p in parts):
            raise UnknownLocale(text)
        primary = normalize(parts[0])
        secondary = normalize(parts[1]) if len(parts) == 2 else None
        if secondary == primary:
            secondary = None
        return cls(primary, secondary)

    @property
    def code(self) -> str:
        return self.primary if self.secondary is None else f"{self.primary}+{self.secondary}"

    @property
    def babel(self) -> babel.Locale:
        return babel.Locale.parse(BABEL_IDS[self.primary])

    @property
    def lang_tag(self) -> str:
        return LANG_TAGS[self.primary]

    def __str__(self) -> str:
        return self.code


def resolve(
    option: Optional[str] = None,
    record_value: Optional[str] = None,
    config_default: Optional[str] = None,
) -> DocLocale:
    """Apply the resolution order: ``-l`` option > record ``locale`` > config > ``ko``."""
    for candidate in (option, record_value, config_default):
        if candidate:
            return DocLocale.parse(candidate)
    return DocLocale(DEFAULT)
