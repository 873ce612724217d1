"""The agency's company profile (``docgen.toml``): the letterhead every template shows.

Looked up in the working directory, or given with ``--config``. Every field is
optional and templates work without a profile: ``company`` is always in the render
context with the same keys, each ``None`` when unknown.

Text fields are a string or a table of per-locale strings, so one profile serves a
Seoul office writing to Chinese clients::

    [company]
    name = { ko = "한빛애드", zh-CN = "韩光广告", en = "Hanbit Ad" }
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .errors import InputError, SourceLocation
from .i18n.locale import DocLocale, UnknownLocale

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

CONFIG_NAME = "docgen.toml"
COMPANY_FIELDS = ("name", "legal_name", "representative", "address", "tax_id", "phone",
                  "email", "website")
BANK_FIELDS = ("name", "account", "holder", "swift")
_TOP_TABLES = {"company", "defaults", "fonts"}


class ImagePath(str):
    """A file path docgen itself resolved (profile logo, signature image).

    ``image()`` accepts these anywhere; a plain string from a template is only
    accepted inside the data file's folder, so a template cannot embed arbitrary
    files from the machine."""


@dataclass(frozen=True)
class Profile:
    """A loaded ``docgen.toml``; ``None`` fields are unknown."""

    path: Optional[Path] = None
    company: Mapping[str, Any] = field(default_factory=dict)
    bank: Mapping[str, Any] = field(default_factory=dict)
    logo: Optional[Path] = None
    default_locale: Optional[str] = None
    fonts: Mapping[str, str] = field(default_factory=dict)  # locale code -> East Asian font
    job_number_pattern: Optional[str] = None

    def context(self, locale: DocLocale) -> dict[str, Any]:
        """The ``company`` value templates see, texts chosen for ``locale``."""
        out: dict[str, Any] = {k: _pick(self.company.get(k), locale) for k in COMPANY_FIELDS}
        out["bank"] = {k: _pick(self.bank.get(k), locale) for k in BANK_FIELDS}
        out["logo"] = ImagePath(self.logo) if self.logo else None
        return out



def _pick(value: Any, locale: DocLocale) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, Mapping):
        for code in (locale.primary, "en", *value.keys()):
            if value.get(code):
                return str(value[code])
        return None
    return str(value)


def find_config(explicit: Optional[Union[str, Path]] = None,
                cwd: Optional[Path] = None) -> Optional[Path]:
    """``--config`` if given (must exist), else ``./docgen.toml`` if present."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InputError("configuration file not found", SourceLocation(file=str(path)),
                             code="config")
        return path
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_profile(path: Optional[Union[str, Path]]) -> Profile:
    """Read and check a profile; ``None`` gives the empty profile."""
    if path is None:
        return Profile()
    path = Path(path)
    where = SourceLocation(file=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("cannot read the configuration: {detail}", where, code="config",
                         params={"detail": exc.strerror}) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("the configuration is not UTF-8 text", where, code="config") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("broken TOML: {detail}", where, code="config",
                         params={"detail": str(exc)}) from None
    unknown = sorted(set(data) - _TOP_TABLES)
    if unknown:
        raise InputError("unknown section [{name}] (use [company], [defaults], [fonts])",
                         where, code="config", params={"name": unknown[0]})
    company = dict(_table(data, "company", where))
    bank = dict(_table(company, "bank", where)) if "bank" in company else {}
    company.pop("bank", None)
    logo_text = company.pop("logo", None)
    for key, value in company.items():
        if key not in COMPANY_FIELDS:
            raise InputError("unknown field company.{name}", where, code="config",
                             params={"name": key})
        _check_text(value, f"company.{key}", where)
    for key, value in bank.items():
        if key not in BANK_FIELDS:
            raise InputError("unknown field company.bank.{name}", where, code="config",
                             params={"name": key})
        _check_text(value, f"company.bank.{key}", where)
    logo = None
    if logo_text is not None:
        if not isinstance(logo_text, str) or not logo_text:
            raise InputError("company.logo must be a file path", where, code="config")
        logo = (path.parent / logo_text).resolve()
        if not logo.is_file():
            raise InputError("logo image not found: {path}", where, code="config",
                             params={"path": str(logo)})
    defaults = _table(data, "defaults", where)
    default_locale = defaults.get("locale")
    if default_locale is not None:
        try:
            default_locale = DocLocale.parse(str(default_locale)).code
        except UnknownLocale:
            raise InputError("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)",
                             where, code="config", params={"locale": default_locale}) from None
    pattern = defaults.get("job_number_pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise InputError("defaults.job_number_pattern is not a valid regular expression: "
                             "{detail}", where, code="config", params={"detail": str(exc)}) from None
    fonts: dict[str, str] = {}
    for key, value in _table(data, "fonts", where).items():
        try:
            code = DocLocale.parse(key).primary
        except UnknownLocale:
            raise InputError("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)",
                             where, code="config", params={"locale": key}) from None
        if not isinstance(value, str):
            raise InputError("fonts.{name} must be a font name", where, code="config",
                             params={"name": key})
        fonts[code] = value
    return Profile(path=path, company=company, bank=bank, logo=logo,
                   default_locale=default_locale, fonts=fonts,
                   job_number_pattern=str(pattern) if pattern else None)


def _table(data: Mapping[str, Any], key: str, where: SourceLocation) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise InputError("[{name}] must be a table", where, code="config", params={"name": key})
    return value


def _check_text(value: Any, name: str, where: SourceLocation) -> None:
    ok = isinstance(value, str) or (
        isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()))
    if not ok:
        raise InputError("{name} must be text or a table of texts per locale", where,
                         code="config", params={"name": name})
