"""The core operations behind the CLI: read → validate → enrich → render → write.

Plain functions with keyword arguments; the CLI only parses options, calls one of
these, prints and maps errors to exit codes. Library users can call them directly.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import yaml

from . import kinds as kinds_mod
from .enrich import build_context
from .errors import InputError, Problem, SourceLocation, UsageError, ValidationFailed
from .i18n.locale import DocLocale, UnknownLocale, resolve, resolve_leniently
from .inputs import Record, read_data, read_record
from .kinds import Kind
from .messages import N_
from .output import (
    check_name_pattern,
    output_name,
    plan_outputs,
    refuse_existing,
    write_atomic,
)
from .profile import Profile
from .render.fonts import DEFAULT_EAST_ASIAN_FONTS
from .rules import RuleOptions
from .sheets import SHEET_SUFFIXES, find_field, header_index
from .template import Template
from .validation import Validator

FORMATS = ("docx", "xlsx", "pdf")


def get_kind(name: str, profile: Optional[Profile] = None) -> Kind:
    """The kind ``name``: built-in, or the profile's user kind or overlay."""
    kind = kinds_mod.get(name, profile)
    if kind is None:
        raise UsageError("unknown kind '{kind}' (available: {available})", code="kind",
                         params={"kind": name,
                                 "available": ", ".join(kinds_mod.available(profile))})
    return kind


def parse_locale(text: Optional[str], where: Optional[SourceLocation] = None) -> Optional[DocLocale]:
    if not text:
        return None
    try:
        return DocLocale.parse(text)
    except UnknownLocale:
        if where is None:
            raise UsageError("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)",
                             code="locale", params={"locale": text}) from None
        raise InputError("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)",
                         where, code="locale", params={"locale": text}) from None


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError("unknown format '{format}' (use docx, xlsx, pdf)", code="format",
                         params={"format": ",".join(bad) or text})
    return list(dict.fromkeys(formats))


def record_locale(record: Record, option: Optional[DocLocale],
                  profile_default: Optional[str] = None) -> DocLocale:
    """The document locale of ``record`` by the one policy (:func:`resolve`): ``-l`` >
    the record's ``locale`` > the profile's default > $DOCGEN_LOCALE > ``ko``; an
    unknown record locale is an input error at that field."""
    return document_locale(option, record.data.get("locale"), profile_default,
                           record.source.locate(("locale",)))


def document_locale(option: Optional[DocLocale], record_value: Any,
                    profile_default: Optional[str],
                    where: Optional[SourceLocation] = None) -> DocLocale:
    """:func:`resolve`, its :class:`UnknownLocale` turned into the user's error: a bad
    record value is an input error (located), a bad $DOCGEN_LOCALE a usage error."""
    try:
        return resolve(option, record_value if isinstance(record_value, str) else None,
                       profile_default)
    except UnknownLocale as exc:
        message = N_("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)")
        if exc.source == "record":
            raise InputError(message, where, code="locale", params={"locale": exc.text}) from None
        raise UsageError(message, code="locale", params={"locale": exc.text}) from None


def message_locale(record: Optional[Record], option: Optional[DocLocale],
                   profile: Optional[Profile]) -> DocLocale:
    """The language to report ``record``'s problems in: the same policy, a value that
    names no locale skipped (it is itself one of the problems)."""
    value = record.data.get("locale") if record is not None else None
    return resolve_leniently(option, value if isinstance(value, str) else None,
                             profile.default_locale if profile else None)


def validator(kind: Kind, locale: Optional[DocLocale],
              profile: Optional[Profile] = None) -> Validator:
    """The validator of ``kind``: schema, the kind's rules, the profile's settings."""
    options = RuleOptions.from_pattern(profile.job_number_pattern if profile else None)
    return Validator(kind.schema, locale, rules=kind.rules, options=options)


def validate_records(kind: Kind, records: Sequence[Record], locale: Optional[DocLocale],
                     profile: Optional[Profile] = None) -> list[Problem]:
    """Every problem of every record, each located in its file."""
    problems: list[Problem] = []
    for rec in records:
        loc = message_locale(rec, locale, profile)
        problems.extend(validator(kind, loc, profile).validate(rec.data, rec.source, rec.index))
    return problems


def validate_files(kind_name: str, files: Sequence[Union[str, Path]],
                   locale: Optional[DocLocale] = None,
                   profile: Optional[Profile] = None) -> list[Problem]:
    """Read and validate files; unreadable files become problems too."""
    kind = get_kind(kind_name, profile)
    problems: list[Problem] = []
    for f in files:
        if Path(f).suffix.lower() in SHEET_SUFFIXES:  # one record per row, as batch reads it
            from .batch import validate_inputs
            problems.extend(validate_inputs(kind, [f], locale=locale, profile=profile))
            continue
        try:
            data, source = read_data(f)
        except InputError as exc:
            problems.append(Problem.from_error(exc, location=SourceLocation(file=str(f)),
                                               locale=locale))
            continue
        items = data if isinstance(data, list) else [data]
        records = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(Problem(path="", code="not_a_record", locale=locale,
                                        message=N_("expected a record (a mapping of "
                                                   "field: value)"),
                                        location=source.locate((i,) if isinstance(data, list) else ()),
                                        record=i))
                continue
            if isinstance(data, list):  # paths inside a list start with the index
                records.append(Record(item, source.within(i), i))
            else:
                records.append(Record(item, source))
        problems.extend(validate_records(kind, records, locale, profile))
    return problems


def render_file(
    *,
    kind_name: str,
    file: Union[str, Path],
    out_dir: Union[str, Path] = ".",
    formats: Sequence[str] = ("docx",),
    locale: Optional[DocLocale] = None,
    template: Optional[Union[str, Path]] = None,
    name: Optional[str] = None,
    force: bool = False,
    profile: Optional[Profile] = None,
    missing: str = "error",
) -> list[Path]:
    """Render one record file of ``kind_name``; return the written paths.

    ``template`` replaces the built-in template of its own format (a .xlsx given
    with ``-f docx,xlsx`` replaces the Excel one); PDF is made from the Word file.
    Nothing is written when the input is invalid or a template fails, and if any
    output cannot be written, none is left behind. ``name`` is checked against the
    kind's fields first; ``missing="blank"`` renders values the template reads but
    the data lacks as empty (with a warning each) instead of failing.
    """
    kind = get_kind(kind_name, profile)
    if name:
        check_name(kind, name)
    profile = profile or Profile()
    record = read_record(file)
    problems = validator(kind, message_locale(record, locale, profile), profile).validate(
        record.data, record.source)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise ValidationFailed(problems)
    loc = record_locale(record, locale, profile.default_locale)
    wanted = list(formats)
    templates = load_templates(kind, wanted, template, loc)
    context = build_context(record.data, kind.schema, locale=loc, compute=kind.compute,
                            profile=profile, data_file=record.source.file)
    stem = output_name(name or kind.default_name, context)
    out = Path(out_dir)
    paths = plan_outputs(out, stem, wanted, force)
    fonts = {**DEFAULT_EAST_ASIAN_FONTS, **profile.fonts}
    base = Path(record.source.file).parent
    rendered = {fmt: tpl.render(context, loc, fonts=fonts, base_dir=base, missing=missing)
                for fmt, tpl in templates.items()}
    written: list[Path] = []
    try:
        for fmt in wanted:
            target = out / f"{stem}.{fmt}"
            if fmt == "pdf":
                _write_pdf(rendered["docx"], target, stem, force)
            else:
                write_atomic(target, rendered[fmt], force)
            written.append(target)
    except BaseException:
        for p in written:  # all or nothing
            p.unlink(missing_ok=True)
        raise
    return [p for p in paths if p in written]


def name_fields_of(kind: Kind) -> set[str]:
    """The fields a ``--name`` pattern of ``kind`` may use: the schema's fields that
    are not lists (objects by their dotted paths too), the computed ones, ``locale``."""
    out = {n for n in kind.provided_names() if n != "company"} | {"locale"}

    def walk(node: dict[str, Any], prefix: str) -> None:
        branches = [node, *[b for b in node.get("anyOf", []) if b.get("type") == "object"]]
        for branch in branches:
            for field, sub in (branch.get("properties") or {}).items():
                if sub.get("type") == "array":
                    out.discard(prefix + field)
                    continue
                out.add(prefix + field)
                walk(sub, prefix + field + ".")

    walk(kind.schema, "")
    return out


def check_name(kind: Kind, pattern: str) -> None:
    """A ``--name`` pattern naming anything but ``kind``'s fields is a usage error
    (exit 2), before any input is read; a column label (``고객사``) is answered with
    the field it stands for."""
    index = header_index(kind.schema)

    def suggest(label: str) -> Optional[str]:
        path = find_field(index, label)
        return ".".join(str(p) for p in path) if path and "*" not in path else None

    check_name_pattern(pattern, name_fields_of(kind), suggest)


def load_templates(kind: Kind, formats: Sequence[str],
                   template: Optional[Union[str, Path]] = None,
                   locale: Optional[DocLocale] = None) -> dict[str, Template]:
    """The compiled template for each document format needed (PDF comes from Word);
    a locale-specific built-in template wins over the shared one."""
    needed = {"docx" if f == "pdf" else f for f in formats}
    custom = Template(template) if template else None
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


def _write_pdf(docx: bytes, target: Path, stem: str, force: bool) -> Path:
    from .convert import to_pdf
    with tempfile.TemporaryDirectory(prefix="docgen-pdf-") as tmp:
        src = Path(tmp) / f"{stem}.docx"
        src.write_bytes(docx)
        (pdf,) = to_pdf([src], Path(tmp) / "out")
        write_atomic(target, pdf.read_bytes(), force)
    return target


def fill(
    *,
    template: Union[str, Path],
    data_file: Union[str, Path],
    outfile: Optional[Union[str, Path]] = None,
    locale: Optional[DocLocale] = None,
    force: bool = False,
    missing: str = "error",
) -> Path:
    """Fill any template with any YAML/JSON mapping (no kind, no schema);
    ``missing="blank"`` leaves values the data lacks empty (with a warning each)."""
    record = read_record(data_file)
    loc = record_locale(record, locale) if (locale or record.data.get("locale")) else None
    tpl = Template(template)
    target = Path(outfile) if outfile else Path(Path(data_file).stem + Path(template).suffix)
    refuse_existing(target, force)  # before rendering: fail fast, render nothing
    data = tpl.render(record.data, loc, missing=missing)
    write_atomic(target, data, force)
    return target


def sample_text(kind_name: str, locale: Optional[DocLocale],
                profile: Optional[Profile] = None) -> str:
    """A valid sample input of the kind, as YAML text."""
    kind = get_kind(kind_name, profile)
    code = (locale or DocLocale("ko")).code
    path = kind.sample_path(code)
    if not path.is_file():
        path = kind.sample_path((locale or DocLocale("ko")).primary)
    return path.read_text(encoding="utf-8")


def schema_of(kind_name: str, profile: Optional[Profile] = None) -> dict[str, Any]:
    return get_kind(kind_name, profile).schema


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
