"""One error family for everything docgen reports to a user.

Errors store structured fields (code, location, message parameters) and are
formatted only at the boundary (the CLI), so the same error can be printed in any
locale and still point at the right file, line, cell or paragraph.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union

from .i18n.catalog import translations
from .i18n.locale import DocLocale


@dataclass(frozen=True)
class SourceLocation:
    """Where something is: a file plus the finest position known.

    Only the fields that make sense for the source are set: ``line``/``column``
    for YAML and JSON, ``row`` for CSV, ``sheet``/``cell`` for XLSX, ``part`` and
    ``paragraph`` for Word templates.
    """

    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    row: Optional[int] = None
    sheet: Optional[str] = None
    cell: Optional[str] = None
    part: Optional[str] = None
    paragraph: Optional[int] = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.sheet and self.cell:
            return f"{where}:{self.sheet}!{self.cell}"
        if self.line is not None:
            return f"{where}:{self.line}" + (f":{self.column}" if self.column else "")
        if self.row is not None:
            return f"{where}:{self.row}"
        if self.part:
            loc = f"{where}:{self.part}"
            if self.paragraph is not None:
                loc += f":¶{self.paragraph}"
            return loc
        return where

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file or "",
            self.sheet or "",
            self.line if self.line is not None else (self.row or 0),
            self.column or 0,
            self.cell or "",
            self.part or "",
            self.paragraph or 0,
        )


class DocgenError(Exception):
    """Base of every error meant for a user; ``exit_code`` is the CLI contract.

    ``message`` is an English gettext msgid with named placeholders filled from
    ``params``; :meth:`localized` gives the same sentence in another language.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        location: Optional[SourceLocation] = None,
        *,
        code: str = "error",
        params: Optional[dict[str, Any]] = None,
    ) -> None:
        self.template = message
        self.params = params or {}
        self.message = _fill(message, self.params)
        super().__init__(self.message)
        self.location = location
        self.code = code

    def text(self, translate: Callable[[str], str]) -> str:
        """The message alone, translated with ``translate`` (a gettext)."""
        return _fill(translate(self.template), self.params, translate, self.template)

    def localized(self, translate: Callable[[str], str]) -> str:
        """The translated message with its location first."""
        text = self.text(translate)
        return f"{self.location}: {text}" if self.location is not None else text

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


@dataclass(frozen=True)
class Msg:
    """A message inside a message (e.g. the detail of a syntax error): translated with
    the message that holds it."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = lambda s: s) -> str:
        return _fill(translate(self.message), self.params, translate, self.message)

    def __str__(self) -> str:
        return self.text()


def _fill(template: str, params: dict[str, Any],
          translate: Callable[[str], str] = lambda s: s, original: Optional[str] = None) -> str:
    """``template`` with ``params`` filled (nested :class:`Msg` translated too); a broken
    translation must not crash: the ``original`` English template is used instead."""
    if not params:
        return template
    params = {k: v.text(translate) if isinstance(v, Msg) else v for k, v in params.items()}
    for candidate in (template, original):
        if candidate is not None:
            try:
                return candidate.format(**params)
            except (KeyError, IndexError, ValueError):
                continue
    return template


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a service manager, a CI runner's timeout) while a command runs.

    A :class:`KeyboardInterrupt` on purpose: every clean-up that Ctrl-C runs (staging
    folders, folder locks, LibreOffice's process group, temporary folders) runs for it
    too; the CLI says so and exits 143 (128 + SIGTERM), as a shell reports it."""


class DocgenWarning(UserWarning):
    """Something docgen changed to fit the output (reported; the run goes on).

    Raised through :mod:`warnings` so library users can filter or escalate it; the
    CLI prints it in the user's language like an error."""

    def __init__(self, message: str, location: Optional[SourceLocation] = None,
                 **params: Any) -> None:
        self.template = message
        self.params = params
        self.location = location
        super().__init__(_fill(message, params))

    def localized(self, translate: Callable[[str], str]) -> str:
        text = _fill(translate(self.template), self.params, translate, self.template)
        return f"{self.location}: {text}" if self.location is not None else text


class InputError(DocgenError):
    """The input data could not be read or is invalid (exit 1)."""

    exit_code = 1


class UsageError(DocgenError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class TemplateError(DocgenError):
    """A template cannot be parsed, compiled or rendered (exit 3)."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        location: Optional[SourceLocation] = None,
        *,
        code: str = "template",
        params: Optional[dict[str, Any]] = None,
        excerpt: Optional[str] = None,
    ) -> None:
        super().__init__(message, location, code=code, params=params)
        self.excerpt = excerpt

    def localized(self, translate: Callable[[str], str]) -> str:
        text = super().localized(translate)
        return f"{text}\n    {self.excerpt}" if self.excerpt else text

    def __str__(self) -> str:
        text = super().__str__()
        if self.excerpt:
            text += f"\n    {self.excerpt}"
        return text


class OutputError(DocgenError):
    """An output cannot be written or converted (exit 4)."""

    exit_code = 4


def _norm_label(text: str) -> str:
    """A label compared with a header: ``진행률(%)`` names what ``진행률`` names."""
    text = re.sub(r"\([^()]*\)", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", text.casefold())


@dataclass(frozen=True)
class Subject:
    """The field a problem is about, as the message names it: the sheet's header or
    the field path as the user typed it, then the field's label in the reader's
    language when that says something more (``date (회의 일자)``)."""

    shown: str
    labels: Mapping[str, str] = field(default_factory=dict)  # x-labels by locale code
    title: str = ""

    def text(self, code: Optional[str]) -> str:
        label = str(self.labels.get(code, "") if code else "") or self.title
        if label and _norm_label(label) != _norm_label(self.shown):
            return f"{self.shown} ({label})"
        return self.shown


LocaleLike = Union[str, DocLocale, None]


def _code(locale: LocaleLike) -> Optional[str]:
    if isinstance(locale, DocLocale):
        return locale.primary
    if not locale:
        return None
    return DocLocale.parse(locale).primary


@dataclass(frozen=True, init=False)
class Problem:
    """One finding (of validation, of reading a sheet, of checking a template); many
    are collected and reported together.

    ``template`` is an untranslated English msgid with named placeholders filled from
    ``params`` (a :class:`Msg` parameter is translated with it); ``subject`` names the
    field the message is about. Nothing is translated until :meth:`text` is asked for
    a language — the CLI does that once, in the run's language. ``message`` is the
    text in ``locale``, the language the code that found the problem was asked to
    speak (English without one), for library users who just print it."""

    code: str
    template: str
    params: Mapping[str, Any]
    severity: str  # "error" | "warning" | "note"
    location: SourceLocation
    path: str
    record: Optional[int]
    excerpt: Optional[str]
    subject: Optional[Subject]
    locale: Optional[str]

    def __init__(self, path: str = "", code: str = "error", message: str = "",
                 severity: str = "error", location: Optional[SourceLocation] = None,
                 record: Optional[int] = None, *, params: Optional[Mapping[str, Any]] = None,
                 excerpt: Optional[str] = None, subject: Optional[Subject] = None,
                 locale: LocaleLike = None) -> None:
        """``message`` is the msgid (the English text when it has no parameters)."""
        values = {"code": code, "template": message, "params": dict(params or {}),
                  "severity": severity, "location": location or SourceLocation(),
                  "path": path, "record": record, "excerpt": excerpt, "subject": subject,
                  "locale": _code(locale)}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_error(cls, exc: DocgenError, *, path: str = "", record: Optional[int] = None,
                   location: Optional[SourceLocation] = None,
                   severity: str = "error", locale: LocaleLike = None) -> "Problem":
        """An error that stops one file or record, kept as one problem among others."""
        return cls(path, exc.code, exc.template, severity,
                   exc.location or location or SourceLocation(), record, params=exc.params,
                   excerpt=getattr(exc, "excerpt", None), locale=locale)

    @classmethod
    def from_warning(cls, warning: "DocgenWarning", *, code: str = "warning",
                     location: Optional[SourceLocation] = None) -> "Problem":
        return cls("", code, warning.template, "warning",
                   warning.location or location or SourceLocation(), params=warning.params)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self, locale: LocaleLike = None) -> str:
        """The message in ``locale``'s language (English without one), the field's
        name first when the problem is about a field."""
        code = _code(locale)
        translate = translations("messages", code).gettext if code else _identity
        text = _fill(translate(self.template), dict(self.params), translate, self.template)
        if self.subject is not None:
            return f"{self.subject.text(code)}: {text}"
        return text

    @property
    def message(self) -> str:
        return self.text(self.locale)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _identity(text: str) -> str:
    return text


class ValidationFailed(InputError):
    """Raised when validation found errors; carries all problems at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("{count} problem(s) in the input", code="invalid",
                         params={"count": len(problems)})
        self.problems = problems
