"""Locales: one row per supported locale, and the one locale policy.

Everything docgen knows about a locale — its Babel id, its language tag, its East
Asian font, its currency and time zone, the spellings users type for it and its
catalog folder — is one :class:`LocaleRow` in :data:`LOCALES`; the other modules read
the row (a fifth locale is one row plus its catalogs). Users write ``ko``, ``ko_KR``,
``zh-Hans``, ``ZH_tw``, ``zh-Hant-TW``… and ``A+B`` for bilingual labels; everything
below this module works with a :class:`DocLocale`, so the spelling question is
settled here, and :func:`resolve` is the only code that chooses a locale (and the
only code that reads ``$DOCGEN_LOCALE``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional, Union

import babel

ENV_VAR = "DOCGEN_LOCALE"
DEFAULT = "ko"


@dataclass(frozen=True)
class LocaleRow:
    """The facts of one locale.

    ``babel_id`` is always passed to Babel explicitly, because Babel's ``locale=None``
    silently falls back to the process environment. ``lang_tag`` is the BCP 47 form
    Word expects in ``w:lang``/``xml:lang``. ``east_asian_font`` is Office's default
    font for the market (None: the template's fonts stay). ``aliases`` are compared
    case-, ``-``- and ``_``-insensitively. ``catalog`` is the gettext folder name."""

    code: str
    babel_id: str
    lang_tag: str
    east_asian_font: Optional[str]
    currency: str
    timezone: str
    aliases: tuple[str, ...]
    catalog: str


# One row per locale. Timezone "UTC" for en is a placeholder (no zone printed).
LOCALES: dict[str, LocaleRow] = {row.code: row for row in (
    LocaleRow("ko", "ko_KR", "ko-KR", "맑은 고딕", "KRW", "Asia/Seoul",
              ("ko", "ko_KR", "kor", "korean", "ko_Hang", "ko_Hang_KR"), "ko"),
    LocaleRow("zh-CN", "zh_Hans_CN", "zh-CN", "微软雅黑", "CNY", "Asia/Shanghai",
              ("zh", "zh_CN", "zh_Hans", "zh_Hans_CN", "zh_SG", "zh_Hans_SG", "chs"), "zh_CN"),
    LocaleRow("zh-TW", "zh_Hant_TW", "zh-TW", "微軟正黑體", "TWD", "Asia/Taipei",
              ("zh_TW", "zh_Hant", "zh_Hant_TW", "zh_HK", "zh_Hant_HK", "zh_MO", "zh_Hant_MO",
               "cht"), "zh_TW"),
    LocaleRow("en", "en_US", "en-US", None, "USD", "UTC",
              ("en", "en_US", "en_GB", "english"), "en"),
)}

# The four locales docgen ships (for suggestions and documentation).
SUPPORTED = tuple(LOCALES)


class _Column(Mapping[str, str]):
    """One column of :data:`LOCALES` by code, read live (a row added later shows)."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute

    def __getitem__(self, code: str) -> str:
        value = getattr(LOCALES[code], self._attribute)
        if value is None:
            raise KeyError(code)
        return str(value)

    def __iter__(self) -> Iterator[str]:
        return (code for code, row in LOCALES.items() if getattr(row, self._attribute))

    def __len__(self) -> int:
        return sum(1 for _ in self)


BABEL_IDS: Mapping[str, str] = _Column("babel_id")
LANG_TAGS: Mapping[str, str] = _Column("lang_tag")
CATALOG_DIRS: Mapping[str, str] = _Column("catalog")
EAST_ASIAN_FONTS: Mapping[str, str] = _Column("east_asian_font")
CURRENCIES: Mapping[str, str] = _Column("currency")
TIMEZONES: Mapping[str, str] = _Column("timezone")


def row(code: str) -> LocaleRow:
    """The row of a canonical code (``KeyError`` for none)."""
    return LOCALES[code]


def _key(text: str) -> str:
    return text.strip().split(".")[0].replace("-", "").replace("_", "").lower()


class UnknownLocale(ValueError):
    """The text does not name a supported locale."""

    def __init__(self, text: str, source: Optional[str] = None) -> None:
        super().__init__(text)
        self.text = text
        self.source = source  # which setting held it (see resolve): option, record…


class NoLocaleRule(ValueError):
    """A locale has a row but no rule for something docgen writes (a week label, an
    amount in words): an error, never another locale's output."""

    def __init__(self, what: str, code: str) -> None:
        super().__init__(f"{what}: docgen has no rules for locale '{code}' "
                         f"(it has rules for {', '.join(SUPPORTED)})")
        self.what = what
        self.code = code


def normalize(text: str) -> str:
    """Return the canonical code (``ko``, ``zh-CN``, ``zh-TW``, ``en``) for ``text``.

    Case, ``-``/``_`` and ``.UTF-8`` suffixes are ignored.
    """
    key = _key(text)
    for loc in LOCALES.values():
        if key == _key(loc.code) or any(key == _key(a) for a in loc.aliases):
            return loc.code
    raise UnknownLocale(text)


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
        return babel.Locale.parse(LOCALES[self.primary].babel_id)

    @property
    def lang_tag(self) -> str:
        return LOCALES[self.primary].lang_tag

    def __str__(self) -> str:
        return self.code


Setting = Union[str, "DocLocale", None]


def resolve(option: Setting = None, record: Setting = None, profile: Setting = None, *,
            environ: Optional[Mapping[str, str]] = None) -> DocLocale:
    """The locale policy, the one place it is decided:
    ``-l`` option > the record's ``locale`` > the profile's ``[defaults] locale`` >
    ``$DOCGEN_LOCALE`` > ``ko``.

    Empty values count as absent. A value that names no locale raises
    :class:`UnknownLocale` with ``source`` set to ``"option"``, ``"record"``,
    ``"profile"`` or ``"environment"``, so the caller can say where it was.
    ``environ`` replaces ``os.environ`` (tests)."""
    env = os.environ if environ is None else environ
    for source, value in (("option", option), ("record", record), ("profile", profile),
                          ("environment", env.get(ENV_VAR))):
        if isinstance(value, DocLocale):
            return value
        if isinstance(value, str) and value.strip():
            try:
                return DocLocale.parse(value)
            except UnknownLocale:
                raise UnknownLocale(value, source) from None
    return DocLocale(DEFAULT)


def resolve_leniently(option: Setting = None, record: Setting = None,
                      profile: Setting = None) -> DocLocale:
    """:func:`resolve`, skipping values that name no locale (those are reported where
    they are read): the locale to *speak* in while reporting such a value."""
    settings = [option, record, profile]
    while True:
        try:
            return resolve(*settings)
        except UnknownLocale as exc:
            if exc.source == "environment":
                return DocLocale(DEFAULT)
            settings[("option", "record", "profile").index(exc.source or "option")] = None
