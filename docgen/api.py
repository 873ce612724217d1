"""The record-level library API: validate and render one record, check a template.

Every stage a record goes through lives here once — choosing its locale, validating
it, building its context, choosing and compiling the templates, rendering them — and
``docgen render`` (:func:`docgen.pipeline.render_file`) and ``docgen batch``
(:mod:`docgen.batch`) are built on these functions; they add reading files, naming
outputs and writing them.

>>> import docgen                                                   # doctest: +SKIP
>>> problems = docgen.validate_record("minutes", {"title": "Kick-off"})
>>> [p.text("en") for p in problems]                                 # doctest: +SKIP
>>> files = docgen.render_record("minutes", data, formats=("docx", "xlsx"), locale="zh-CN")
>>> files["docx"][:2]                                                # doctest: +SKIP
b'PK'

Problems come back as :class:`~docgen.errors.Problem` (untranslated; ``p.text(locale)``
says them in a language); errors are the :class:`~docgen.errors.DocgenError` family.
"""
from __future__ import annotations

import copy
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from . import kinds as kinds_mod
from .diagnostics import inspect_template
from .enrich import build_context
from .errors import (InputError, Problem, SourceLocation, TemplateError, UsageError,
                     ValidationFailed)
from .i18n.locale import DocLocale, UnknownLocale, resolve, resolve_leniently
from .inputs import Record, SourceMap, check_text_sizes
from .kinds import Kind
from .messages import N_
from .profile import Profile
from .render.fonts import DEFAULT_EAST_ASIAN_FONTS
from .rules import RuleOptions
from .template import Template
from .validation import Validator

KindLike = Union[str, Kind]
LocaleLike = Union[str, DocLocale, None]
PathLike = Union[str, "os.PathLike[str]"]
FORMATS = ("docx", "xlsx", "pdf")


# --- stages ------------------------------------------------------------------------------

def get_kind(kind: KindLike, profile: Optional[Profile] = None) -> Kind:
    """The kind named ``kind`` (built-in, or the profile's user kind or overlay); an
    unknown name is a usage error."""
    if isinstance(kind, Kind):
        return kind
    found = kinds_mod.get(kind, profile)
    if found is None:
        raise UsageError("unknown kind '{kind}' (available: {available})", code="kind",
                         params={"kind": kind,
                                 "available": ", ".join(kinds_mod.available(profile))})
    return found


def _locale(value: LocaleLike) -> Optional[DocLocale]:
    if value is None or isinstance(value, DocLocale):
        return value
    try:
        return DocLocale.parse(value)
    except UnknownLocale:
        raise UsageError("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)",
                         code="locale", params={"locale": value}) from None


def document_locale(option: LocaleLike, record_value: Any, profile_default: Optional[str],
                    where: Optional[SourceLocation] = None) -> DocLocale:
    """The policy (:func:`~docgen.i18n.locale.resolve`), its :class:`UnknownLocale`
    turned into the user's error: a bad record value is an input error (at ``where``),
    a bad option or $DOCGEN_LOCALE a usage error."""
    try:
        return resolve(_locale(option), record_value if isinstance(record_value, str) else None,
                       profile_default)
    except UnknownLocale as exc:
        message = N_("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)")
        if exc.source == "record":
            raise InputError(message, where, code="locale", params={"locale": exc.text}) from None
        raise UsageError(message, code="locale", params={"locale": exc.text}) from None


def message_locale(record: Optional[Record], option: LocaleLike,
                   profile: Optional[Profile]) -> DocLocale:
    """The language to report ``record``'s problems in: the same policy, a value that
    names no locale skipped (it is itself one of the problems)."""
    value = record.data.get("locale") if record is not None else None
    return resolve_leniently(_locale(option), value if isinstance(value, str) else None,
                             profile.default_locale if profile else None)


def validator(kind: Kind, locale: Optional[DocLocale],
              profile: Optional[Profile] = None) -> Validator:
    """The validator of ``kind``: schema, the kind's rules, the profile's settings."""
    options = RuleOptions.from_pattern(profile.job_number_pattern if profile else None)
    return Validator(kind.schema, locale, rules=kind.rules, options=options)


def record_context(kind: Kind, record: Record, locale: DocLocale,
                   profile: Optional[Profile] = None) -> dict[str, Any]:
    """What the kind's templates see for ``record``: a fresh copy with defaults and
    computed fields, in ``locale`` (never shared with another record)."""
    return build_context(record.data, kind.schema, locale=locale, compute=kind.compute,
                         profile=profile, data_file=record.source.file)


def fonts_for(profile: Optional[Profile]) -> dict[str, str]:
    """East Asian fonts by locale: the locale rows', the profile's ``[fonts]`` first."""
    return {**DEFAULT_EAST_ASIAN_FONTS, **(profile.fonts if profile else {})}


def load_templates(kind: Kind, formats: Sequence[str],
                   template: Optional[Union[PathLike, Template]] = None,
                   locale: Optional[DocLocale] = None) -> dict[str, Template]:
    """The compiled template for each document format needed (PDF comes from Word);
    ``template`` replaces the built-in one of its own format; a locale-specific
    built-in template wins over the shared one."""
    needed = {"docx" if f == "pdf" else f for f in formats}
    custom = template if isinstance(template, Template) else (
        Template(template) if template else None)
    if custom is not None and custom.format not in needed:
        raise UsageError("--template is a .{fmt} template, but no {fmt} output was asked "
                         "for (-f)", code="format", params={"fmt": custom.format})
    out: dict[str, Template] = {}
    for fmt in sorted(needed):
        if custom is not None and custom.format == fmt:
            out[fmt] = custom
            continue
        path = kind.template_path(fmt, locale.code if locale else None)
        if not path.is_file():
            raise UsageError("the {kind} kind has no built-in {fmt} template", code="format",
                             params={"kind": kind.name, "fmt": fmt})
        out[fmt] = Template(path)
    return out


def check_formats(formats: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise UsageError("unknown format '{format}' (use docx, xlsx, pdf)", code="format",
                         params={"format": ",".join(bad) or ",".join(formats)})
    return wanted


def render_templates(templates: Mapping[str, Template], context: Mapping[str, Any],
                     locale: DocLocale, *, fonts: Mapping[str, str],
                     base_dir: Optional[PathLike] = None,
                     missing: str = "error", draft: bool = False,
                     number: Optional[str] = None) -> dict[str, bytes]:
    """Each template rendered with ``context`` (docx/xlsx bytes by format); ``draft``
    and ``number`` are the ledger's (``docgen.draft``, ``docgen.number``). A picture the
    data named that cannot be used (broken, too large) is the data's error (exit 1)."""
    try:
        return {fmt: tpl.render(context, locale, fonts=fonts, base_dir=base_dir,
                                missing=missing, draft=draft, number=number)
                for fmt, tpl in templates.items()}
    except TemplateError as exc:
        from .render.images import image_input_error
        bad = image_input_error(exc)
        if bad is None:
            raise
        raise bad from None


def pdf_of(docx: bytes, stem: str = "document") -> bytes:
    """A Word document converted to PDF by LibreOffice (an :class:`OutputError` when
    it is missing or fails)."""
    from .convert import to_pdf
    with tempfile.TemporaryDirectory(prefix="docgen-pdf-") as tmp:
        src = Path(tmp) / f"{stem}.docx"
        src.write_bytes(docx)
        (pdf,) = to_pdf([src], Path(tmp) / "out")
        return pdf.read_bytes()


@dataclass
class Prepared:
    """A valid record ready to render: its document locale and context."""

    kind: Kind
    record: Record
    locale: DocLocale
    context: dict[str, Any]


def prepare(kind: Kind, record: Record, *, locale: LocaleLike = None,
            profile: Optional[Profile] = None) -> Prepared:
    """Validate ``record`` (messages in its language by the policy) and build its
    context in its document locale; :class:`ValidationFailed` with every problem when
    it has errors."""
    problems = validator(kind, message_locale(record, locale, profile), profile).validate(
        record.data, record.source, record.index)
    if any(p.is_error for p in problems):
        raise ValidationFailed(problems)
    loc = document_locale(locale, record.data.get("locale"),
                          profile.default_locale if profile else None,
                          record.source.locate(("locale",)))
    return Prepared(kind, record, loc, record_context(kind, record, loc, profile))


def _record(data: Mapping[str, Any], source: Optional[SourceMap]) -> Record:
    if not isinstance(data, Mapping):
        raise InputError("expected a record (a mapping of field: value)", code="not_a_record")
    record = Record(copy.deepcopy(dict(data)), source or SourceMap("<data>"))
    check_text_sizes(record.data, record.source.locate)  # the limits a file's values have
    return record


# --- the API -------------------------------------------------------------------------------

def validate_record(kind: KindLike, data: Mapping[str, Any], *, locale: LocaleLike = None,
                    profile: Optional[Profile] = None,
                    source: Optional[SourceMap] = None,
                    base_dir: Optional[PathLike] = None) -> list[Problem]:
    """Every problem of one record of ``kind`` (schema, the kind's rules, the profile's
    settings), sorted by place; an empty list when it is valid. ``locale`` is the
    language ``Problem.message`` speaks (by default the record's, by the policy);
    ``p.text(other)`` says a problem in another. ``source`` locates problems in the
    file the data came from. Enum labels in ``data`` (``완료``) are accepted as their
    codes; ``data`` itself is not modified. Image paths in the data are read from
    the folder of ``source``'s file, else ``base_dir`` (default: the working
    directory), and must lie inside it."""
    from .render.images import data_image_base
    k = get_kind(kind, profile)
    record = _record(data, source)
    with data_image_base(base_dir):
        return validator(k, message_locale(record, locale, profile), profile).validate(
            record.data, record.source)


def render_record(kind: KindLike, data: Mapping[str, Any],
                  formats: Sequence[str] = ("docx",), *, locale: LocaleLike = None,
                  template: Optional[Union[PathLike, Template]] = None,
                  profile: Optional[Profile] = None, missing: str = "error",
                  base_dir: Optional[PathLike] = None,
                  source: Optional[SourceMap] = None) -> dict[str, bytes]:
    """One record of ``kind`` rendered to ``{format: bytes}`` for each of ``formats``
    (``docx``, ``xlsx``, ``pdf`` — PDF through LibreOffice).

    The document locale follows the policy: ``locale`` > the record's ``locale`` > the
    profile's default > $DOCGEN_LOCALE > ``ko``. ``template`` (a path or a compiled
    :class:`Template`) replaces the built-in template of its format. Raises
    :class:`ValidationFailed` (every problem) for invalid data,
    :class:`~docgen.errors.TemplateError` for a broken template or, with
    ``missing="error"``, values the template reads that the data lacks
    (``missing="blank"`` leaves them empty and warns). ``base_dir`` is where image
    paths in the data are read from (default: the working directory; ``source``'s
    file's folder when it names one); a path leaving it is refused."""
    from .render.images import data_image_base
    k = get_kind(kind, profile)
    wanted = check_formats(formats)
    with data_image_base(base_dir):
        ready = prepare(k, _record(data, source), locale=locale, profile=profile)
    templates = load_templates(k, wanted, template, ready.locale)
    rendered = render_templates(templates, ready.context, ready.locale,
                                fonts=fonts_for(profile), base_dir=base_dir, missing=missing)
    out = {fmt: rendered[fmt] for fmt in wanted if fmt != "pdf"}
    if "pdf" in wanted:
        out["pdf"] = pdf_of(rendered["docx"])
    return {fmt: out[fmt] for fmt in wanted}


def check_template(path: Union[PathLike, bytes], kind: Optional[KindLike] = None, *,
                   profile: Optional[Profile] = None) -> list[Problem]:
    """Every problem of a .docx/.xlsx template at once, located (part and paragraph,
    or sheet and cell, with the text); with ``kind``, also every variable the kind
    does not provide. An empty list when the template is fine."""
    k = get_kind(kind, profile) if kind is not None else None
    source: Union[str, bytes] = path if isinstance(path, bytes) else os.fspath(path)
    return inspect_template(source, k).problems
