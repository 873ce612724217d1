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

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence, Union

from .errors import InputError, Msg, SourceLocation
from .i18n.locale import SUPPORTED, DocLocale, UnknownLocale
from .messages import N_
from .tomlmap import SourceMap, syntax_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

if TYPE_CHECKING:
    from .mail.settings import MailSettings

CONFIG_NAME = "docgen.toml"
COMPANY_FIELDS = ("name", "legal_name", "representative", "address", "tax_id", "phone",
                  "email", "website")
BANK_FIELDS = ("name", "account", "holder", "swift")
_TOP_TABLES = {"company", "defaults", "fonts", "kinds", "ledger", "mail"}
LEDGER_KEYS = ("url", "archive", "series")
# [kinds.<kind>.fields] name = {type = …, labels = {…}, …}: a custom field's keys.
FIELD_KEYS = ("type", "labels", "description", "required", "minimum", "maximum", "pattern",
              "enum", "max_length")
FIELD_TYPES = ("string", "number", "integer", "boolean", "date")


class ImagePath(str):
    """A file path docgen itself resolved (profile logo, signature image).

    ``image()`` accepts these anywhere; a plain string from a template is only
    accepted inside the data file's folder, so a template cannot embed arbitrary
    files from the machine."""


@dataclass(frozen=True)
class LedgerSettings:
    """``[ledger]``: where the ledger database and the archive are, and each kind's
    number format (``[ledger.series] invoice = "INV-{yyyy}-{seq:04}"``)."""

    url: str  # sqlite:///ABSOLUTE-PATH or postgresql://user@host/db (no password)
    archive: Path
    series: Mapping[str, str] = field(default_factory=dict)


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
    # [kinds]: the folder of user kinds and overlays, and custom fields per kind (as
    # JSON-Schema properties; "x-required" marks the required ones).
    kinds_path: Optional[Path] = None
    kind_fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ledger: Optional[LedgerSettings] = None  # None: no [ledger], docgen keeps no ledger
    mail: Optional["MailSettings"] = None  # [mail] (docgen.mail.settings)

    @property
    def series_company(self) -> str:
        """The company a number series belongs to: its tax ID, else its name."""
        for key in ("tax_id", "name"):
            value = self.company.get(key)
            if isinstance(value, Mapping):
                value = next((v for v in value.values() if v), None)
            if value:
                return str(value)
        return ""

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
    """Read and check a profile; ``None`` gives the empty profile.

    Every problem is reported at once (:class:`ProfileInvalid`), each at its line:
    unknown sections and keys (with "did you mean"), wrong types, a missing logo,
    unknown locale codes and a broken ``job_number_pattern``. A TOML syntax error
    stops reading, so it is reported alone, at tomllib's line and column."""
    if path is None:
        return Profile()
    path = Path(path)
    file = str(path)
    where = SourceLocation(file=file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("cannot read the configuration: {detail}", where, code="config",
                         params={"detail": exc.strerror}) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the configuration is not UTF-8 text", where, code="config") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileInvalid([syntax_error(exc, text, file)]) from None
    check = _Checker(file, SourceMap(text))
    profile = check.profile(data, path)
    if check.problems:
        raise ProfileInvalid(check.problems)
    return profile


class ProfileInvalid(InputError):
    """``docgen.toml`` has problems (exit 1); ``problems`` holds each, located."""

    def __init__(self, problems: Sequence[InputError]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location or SourceLocation()).sort_key())
        first = self.problems[0]
        if len(self.problems) == 1:
            super().__init__(first.template, first.location, code=first.code,
                             params=first.params)
        else:
            super().__init__(N_("{count} problems in the configuration:"),
                             SourceLocation(file=first.location.file if first.location else None),
                             code="config", params={"count": len(self.problems)})

    def text(self, translate: Callable[[str], str]) -> str:
        if len(self.problems) == 1:
            return super().text(translate)
        return "\n".join([super().text(translate),
                          *(f"  {p.localized(translate)}" for p in self.problems)])

    def __str__(self) -> str:
        return self.localized(lambda s: s)


_FOUND = {bool: N_("true or false"), int: N_("a number"), float: N_("a number"),
          list: N_("a list"), dict: N_("a table"), str: N_("text")}


def _found(value: Any) -> Msg:
    for kind, name in _FOUND.items():
        if isinstance(value, kind):
            return Msg(name)
    return Msg(N_("a date or time"))


_LOCALE_HINTS = {"kr": "ko", "cn": "zh-CN", "tw": "zh-TW", "hk": "zh-TW", "us": "en"}


class _Checker:
    """Collects every problem of one parsed profile, each at its key's line."""

    def __init__(self, file: str, places: SourceMap) -> None:
        self.file = file
        self.places = places
        self.problems: list[InputError] = []

    def problem(self, path: tuple[str, ...], message: str, /, **params: Any) -> None:
        self.problems.append(InputError(message, self.places.locate(self.file, path),
                                        code="config", params=params))

    def unknown(self, path: tuple[str, ...], known: Sequence[str]) -> None:
        close = difflib.get_close_matches(path[-1].lower(), known, n=1, cutoff=0.6)
        name = ".".join(path)
        if close:
            self.problem(path, N_("unknown field {name} (did you mean '{suggestion}'?)"),
                         name=name, suggestion=close[0])
        else:
            self.problem(path, N_("unknown field {name} (known fields: {known})"),
                         name=name, known=", ".join(known))

    def table(self, data: Mapping[str, Any], key: str, path: tuple[str, ...]) -> Mapping[str, Any]:
        value = data.get(key, {})
        if isinstance(value, Mapping):
            return value
        self.problem(path, N_("[{name}] must be a table"), name=".".join(path))
        return {}

    def locale_code(self, path: tuple[str, ...], text: str, *, bilingual: bool) -> Optional[DocLocale]:
        try:
            loc = DocLocale.parse(text)
            if bilingual or loc.secondary is None:
                return loc
        except UnknownLocale:
            pass
        close = _LOCALE_HINTS.get(text.strip().lower()) or next(iter(difflib.get_close_matches(
            text.strip(), SUPPORTED, n=1, cutoff=0.5)), None)
        if close:
            self.problem(path, N_("unknown locale '{locale}' (did you mean '{suggestion}'?)"),
                         locale=text, suggestion=close)
        elif bilingual:
            self.problem(path, N_("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)"),
                         locale=text)
        else:
            self.problem(path, N_("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en)"),
                         locale=text)
        return None

    def unknown_kind(self, where: tuple[str, ...], kind: str, known: Sequence[str]) -> None:
        """``kind`` names no kind: the nearest one, or every one there is."""
        close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6)
        if close:
            self.problem(where, N_("unknown kind '{kind}' (did you mean '{suggestion}'?)"),
                         kind=kind, suggestion=close[0])
        else:
            self.problem(where, N_("unknown kind '{kind}' (available: {available})"),
                         kind=kind, available=", ".join(known))

    def place(self, where: tuple[str, ...], value: Any, base: Path, *, invalid: str,
              missing: Optional[str], folder: bool) -> Optional[Path]:
        """A file or folder named in the profile, relative to it: ``None`` (with the
        ``invalid`` problem) when ``value`` is not a path, or (with ``missing``, if
        given) when nothing of that kind is there."""
        if not isinstance(value, str) or not value.strip():
            self.problem(where, invalid)
            return None
        found = (base / value).resolve()
        if missing is not None and not (found.is_dir() if folder else found.is_file()):
            self.problem(where, missing, path=str(found))
            return None
        return found

    def texts(self, fields: Mapping[str, Any], known: Sequence[str],
              path: tuple[str, ...]) -> dict[str, Any]:
        """Text fields: one string, or a table per locale (keys normalised: zh_CN → zh-CN)."""
        out: dict[str, Any] = {}
        for key, value in fields.items():
            here = path + (key,)
            if key not in known:
                self.unknown(here, known)
            elif isinstance(value, str):
                out[key] = value
            elif isinstance(value, Mapping):
                per_locale: dict[str, str] = {}
                for code, text in value.items():
                    loc = self.locale_code(here + (code,), code, bilingual=False)
                    if not isinstance(text, str):
                        self.problem(here + (code,), N_("{name} must be text, not {found}"),
                                     name=".".join(here + (code,)), found=_found(text))
                    elif loc is not None:
                        per_locale[loc.primary] = text
                out[key] = per_locale
            else:
                self.problem(here, N_("{name} must be text or a table of texts per locale, "
                                      "not {found}"), name=".".join(here), found=_found(value))
        return out

    def profile(self, data: Mapping[str, Any], path: Path) -> Profile:
        for key, value in data.items():
            if key in _TOP_TABLES:
                continue
            if not isinstance(value, Mapping):  # a key before any [section]
                section = next((t for t, names in _SECTION_KEYS.items() if key in names), None)
                if section:
                    self.problem((key,), N_("'{name}' belongs in a section: put it under "
                                            "[{section}]"), name=key, section=section)
                else:
                    self.problem((key,), N_("'{name}' is not in a section (use [company], "
                                            "[defaults], [fonts], [kinds])"), name=key)
                continue
            close = difflib.get_close_matches(key.lower(), sorted(_TOP_TABLES), n=1, cutoff=0.6)
            if close:
                self.problem((key,), N_("unknown section [{name}] (did you mean "
                                        "[{suggestion}]?)"), name=key, suggestion=close[0])
            else:
                self.problem((key,), N_("unknown section [{name}] (use [company], [defaults], "
                                        "[fonts], [kinds])"), name=key)
        company_raw = dict(self.table(data, "company", ("company",)))
        bank_raw = self.table(company_raw, "bank", ("company", "bank")) if "bank" in company_raw else {}
        company_raw.pop("bank", None)
        logo_text = company_raw.pop("logo", None)
        company = self.texts(company_raw, COMPANY_FIELDS + ("logo", "bank"), ("company",))
        bank = self.texts(bank_raw, BANK_FIELDS, ("company", "bank"))
        logo = None
        if logo_text is not None:
            logo = self.place(("company", "logo"), logo_text, path.parent, folder=False,
                              invalid=N_("company.logo must be a file path"),
                              missing=N_("logo image not found: {path}"))
        if logo is not None:  # a broken or oversized picture: said here, not at each render
            from .render.images import image_problem
            bad = image_problem(logo, str(logo))
            if bad is not None:
                self.problem(("company", "logo"), bad.message, **bad.params)
                logo = None
        defaults = self.table(data, "defaults", ("defaults",))
        for key in defaults:
            if key not in _DEFAULTS_KEYS:
                self.unknown(("defaults", key), _DEFAULTS_KEYS)
        default_locale = None
        value = defaults.get("locale")
        if value is not None:
            if not isinstance(value, str):
                self.problem(("defaults", "locale"), N_("{name} must be text, not {found}"),
                             name="defaults.locale", found=_found(value))
            else:
                loc = self.locale_code(("defaults", "locale"), value, bilingual=True)
                default_locale = loc.code if loc is not None else None
        pattern = defaults.get("job_number_pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                self.problem(("defaults", "job_number_pattern"),
                             N_("{name} must be text, not {found}"),
                             name="defaults.job_number_pattern", found=_found(pattern))
                pattern = None
            else:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.problem(("defaults", "job_number_pattern"),
                                 N_("defaults.job_number_pattern is not a valid regular "
                                    "expression: {detail}"), detail=str(exc))
                    pattern = None
        fonts: dict[str, str] = {}
        for key, value in self.table(data, "fonts", ("fonts",)).items():
            loc = self.locale_code(("fonts", key), key, bilingual=False)
            if not isinstance(value, str):
                self.problem(("fonts", key), N_("fonts.{name} must be a font name"), name=key)
            elif loc is not None:
                fonts[loc.primary] = value
        kinds_path, kind_fields = self.kinds(self.table(data, "kinds", ("kinds",)), path)
        ledger = (self.ledger(self.table(data, "ledger", ("ledger",)), path, kinds_path)
                  if "ledger" in data else None)
        mail = None
        if "mail" in data:
            from .mail.settings import check_mail
            mail = check_mail(self, self.table(data, "mail", ("mail",)), path)
        return Profile(path=path, company=company, bank=bank, logo=logo,
                       default_locale=default_locale, fonts=fonts,
                       job_number_pattern=pattern or None, kinds_path=kinds_path,
                       kind_fields=kind_fields, ledger=ledger, mail=mail)

    def ledger(self, section: Mapping[str, Any], path: Path,
               kinds_path: Optional[Path]) -> LedgerSettings:
        """``[ledger]``: ``url`` (SQLite file relative to this file, or PostgreSQL
        without a password), ``archive`` (a folder), ``[ledger.series]``."""
        from .kinds import builtin_names
        from .kinddef import user_kind_names
        from .ledger.numbering import FIELDS, format_problem

        for key in section:
            if key not in LEDGER_KEYS:
                self.unknown(("ledger", key), LEDGER_KEYS)
        url = f"sqlite:///{(path.parent / 'ledger.db').resolve()}"
        value = section.get("url")
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                self.problem(("ledger", "url"), N_("{name} must be text, not {found}"),
                             name="ledger.url", found=_found(value))
            else:
                url = self.ledger_url(value.strip(), path) or url
        archive = (path.parent / "archive").resolve()
        value = section.get("archive")
        if value is not None:  # created at first issue, so it need not exist yet
            archive = self.place(("ledger", "archive"), value, path.parent, folder=True,
                                 invalid=N_("ledger.archive must be a folder path"),
                                 missing=None) or archive
        formats: dict[str, str] = {}
        series = self.table(section, "series", ("ledger", "series"))
        # (the kinds are read only when there is a name to check: parsing every
        # schema costs a ledger command a large share of its run)
        known = (builtin_names() + (user_kind_names(kinds_path) if kinds_path else [])
                 if series else [])
        for kind, fmt in series.items():
            here = ("ledger", "series", kind)
            if kind not in known:
                self.unknown_kind(here, kind, known)
            elif not isinstance(fmt, str):
                self.problem(here, N_("{name} must be text, not {found}"),
                             name=".".join(here), found=_found(fmt))
            elif (wrong := format_problem(fmt)) is not None:
                self.problem(here, wrong, fields=", ".join("{" + f + "}" for f in FIELDS))
            else:
                formats[kind] = fmt
        return LedgerSettings(url=url, archive=archive, series=formats)

    def ledger_url(self, text: str, path: Path) -> Optional[str]:
        here = ("ledger", "url")
        scheme = text.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme == "sqlite":
            if not text.startswith("sqlite:///"):
                self.problem(here, N_("ledger.url: a SQLite ledger is sqlite:///FILE (three "
                                      "slashes; the file is relative to docgen.toml)"))
                return None
            file = Path(text[len("sqlite:///"):])
            return f"sqlite:///{(path.parent / file).resolve()}"
        if scheme in ("postgresql", "postgres"):
            netloc = text.split("://", 1)[-1].split("/", 1)[0]
            if ":" in netloc.split("@", 1)[0] and "@" in netloc:
                self.problem(here, N_("ledger.url must not hold the password: set "
                                      "$DOCGEN_LEDGER_PASSWORD (or use ~/.pgpass)"))
                return None
            return "postgresql" + text[len(text.split(":", 1)[0]):]
        self.problem(here, N_("ledger.url must be sqlite:///FILE or "
                              "postgresql://user@host/database, not '{url}'"), url=text)
        return None

    def kinds(self, section: Mapping[str, Any],
              path: Path) -> tuple[Optional[Path], dict[str, dict[str, Any]]]:
        """``[kinds]``: ``path`` (a folder, relative to this file) and per kind a
        ``fields`` table of custom fields."""
        from .kinds import builtin_names
        from .kinddef import user_kind_names

        folder: Optional[Path] = None
        value = section.get("path")
        if value is not None:
            folder = self.place(("kinds", "path"), value, path.parent, folder=True,
                                invalid=N_("kinds.path must be a folder path"),
                                missing=N_("kinds folder not found: {path}"))
        known = (builtin_names() + (user_kind_names(folder) if folder else [])
                 if any(kind != "path" for kind in section) else [])
        fields: dict[str, dict[str, Any]] = {}
        for kind, table in section.items():
            if kind == "path":
                continue
            here: tuple[str, ...] = ("kinds", kind)
            if not isinstance(table, Mapping):
                self.problem(here, N_("[{name}] must be a table"), name=".".join(here))
                continue
            if kind not in known:
                # [kinds.X.fields] is a header: its line is known, [kinds.X]'s may not be
                here = (*here, "fields") if "fields" in table else here
                self.unknown_kind(here, kind, known)
                continue
            for key in table:
                if key != "fields":
                    self.unknown((*here, key), ("fields",))
            specs = self.table(table, "fields", (*here, "fields"))
            fields[kind] = {name: prop for name, spec in specs.items()
                            if (prop := self.custom_field((*here, "fields", name), spec))}
        return folder, {k: v for k, v in fields.items() if v}

    def custom_field(self, here: tuple[str, ...], spec: Any) -> Optional[dict[str, Any]]:
        """One custom field as a JSON-Schema property, or None (its problems reported)."""
        name = here[-1]
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            self.problem(here, N_("'{name}' is not a field name (letters, digits and _, "
                                  "starting with a letter)"), name=name)
            return None
        if not isinstance(spec, Mapping):
            self.problem(here, N_("{name} must be a table such as {example}"),
                         name=".".join(here), example='{ type = "string", labels = { ko = "…" } }')
            return None
        count = len(self.problems)
        for key in spec:
            if key not in FIELD_KEYS:
                self.unknown((*here, key), FIELD_KEYS)
        kind = spec.get("type", "string")
        if kind not in FIELD_TYPES:
            self.problem((*here, "type"), N_("unknown type '{name}' (use {known})"), name=kind,
                         known=", ".join(FIELD_TYPES))
        prop: dict[str, Any] = ({"type": "string", "format": "date"} if kind == "date"
                                else {"type": kind})
        labels = self.texts({"labels": spec.get("labels", {})}, ("labels",), here)
        per_locale = labels.get("labels")
        if isinstance(per_locale, str):
            per_locale = {"en": per_locale}
        prop["title"] = (per_locale or {}).get("en") or name
        if per_locale:
            prop["x-labels"] = per_locale
        for key, target in (("description", "description"), ("minimum", "minimum"),
                            ("maximum", "maximum"), ("max_length", "maxLength")):
            if key in spec:
                value = spec[key]
                wants_text = key == "description"
                if wants_text != isinstance(value, str) or isinstance(value, bool):
                    self.problem((*here, key), N_("{name} must be {expected}, not {found}"),
                                 name=".".join((*here, key)),
                                 expected=Msg(N_("text") if wants_text else N_("a number")),
                                 found=_found(value))
                else:
                    prop[target] = value
        if "pattern" in spec:
            try:
                re.compile(str(spec["pattern"]))
                prop["pattern"] = str(spec["pattern"])
            except re.error as exc:
                self.problem((*here, "pattern"), N_("not a valid regular expression: {detail}"),
                             detail=str(exc))
        if "enum" in spec:
            if isinstance(spec["enum"], list) and spec["enum"]:
                prop["enum"] = list(spec["enum"])
            else:
                self.problem((*here, "enum"), N_("'enum' must be a list of values"))
        if "required" in spec:
            if isinstance(spec["required"], bool):
                prop["x-required"] = spec["required"]
            else:
                self.problem((*here, "required"), N_("{name} must be {expected}, not {found}"),
                             name=".".join((*here, "required")), expected=Msg(N_("true or false")),
                             found=_found(spec["required"]))
        return prop if len(self.problems) == count else None


_DEFAULTS_KEYS = ("locale", "job_number_pattern")
_SECTION_KEYS = {"company": COMPANY_FIELDS + ("logo", "bank"), "defaults": _DEFAULTS_KEYS,
                 "kinds": ("path",)}
