"""The core operations behind the CLI: read → validate → enrich → render → write.

Plain functions with keyword arguments; the CLI only parses options, calls one of
these, prints and maps errors to exit codes. Library users can call them directly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Union

import yaml

from .convert import ConversionError
from .api import (
    FORMATS,
    check_formats,
    document_locale,
    fonts_for,
    get_kind,
    load_templates,
    message_locale,
    pdf_of,
    prepare,
    render_templates,
    validator,
)
from .errors import InputError, Problem, SourceLocation, TemplateError, UsageError, ValidationFailed
from .i18n.locale import DocLocale, UnknownLocale
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
from .render.images import image_input_error
from .sheets import SHEET_SUFFIXES, find_field, header_index
from .template import Template
from .validation import Validator, character_problems

__all__ = ["FORMATS", "check_name", "document_locale", "fill", "get_kind", "load_templates",
           "message_locale", "parse_formats", "parse_locale", "record_locale", "render_file",
           "sample_text", "schema_of", "validate_files", "validate_records", "validator"]


def parse_locale(text: Optional[str], where: Optional[SourceLocation] = None) -> Optional[DocLocale]:
    if not text or not text.strip():
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
    return check_formats(text.split(","))


def record_locale(record: Record, option: Optional[DocLocale],
                  profile_default: Optional[str] = None) -> DocLocale:
    """The document locale of ``record`` by the one policy (:func:`resolve`): ``-l`` >
    the record's ``locale`` > the profile's default > $DOCGEN_LOCALE > ``ko``; an
    unknown record locale is an input error at that field."""
    return document_locale(option, record.data.get("locale"), profile_default,
                           record.source.locate(("locale",)))


def validate_records(kind: Kind, records: Sequence[Record], locale: Optional[DocLocale],
                     profile: Optional[Profile] = None) -> list[Problem]:
    """Every problem of every record, each located in its file."""
    problems: list[Problem] = []
    validators: dict[DocLocale, Validator] = {}  # one per message locale, not per record
    for rec in records:
        loc = message_locale(rec, locale, profile)
        check = validators.get(loc)
        if check is None:
            check = validators[loc] = validator(kind, loc, profile)
        problems.extend(check.validate(rec.data, rec.source, rec.index))
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
    issue: bool = False,
    pdfa: bool = False,
) -> list[Path]:
    """Render one record file of ``kind_name``; return the written paths.

    ``template`` replaces the built-in template of its own format (a .xlsx given
    with ``-f docx,xlsx`` replaces the Excel one); PDF is made from the Word file.
    Nothing is written when the input is invalid or a template fails, and if any
    output cannot be written, none is left behind. ``name`` is checked against the
    kind's fields first; ``missing="blank"`` renders values the template reads but
    the data lacks as empty (with a warning each) instead of failing.

    With a ledger (``[ledger]`` in the profile), ``issue`` takes the document's number
    and records it (:mod:`docgen.ledger.issuing`); without ``issue`` the output is a
    draft (marked, no number taken).

    PDF goes through a running ``docgen pdf-server`` when there is one, else one
    LibreOffice start; ``pdfa`` makes it PDF/A-2b.
    """
    if pdfa:
        from .convert import pdfa_scope
        with pdfa_scope(True):
            return render_file(kind_name=kind_name, file=file, out_dir=out_dir,
                               formats=formats, locale=locale, template=template, name=name,
                               force=force, profile=profile, missing=missing, issue=issue)
    kind = get_kind(kind_name, profile)
    if name:
        check_name(kind, name)
    profile = profile or Profile()
    record = read_record(file)
    ready = prepare(kind, record, locale=locale, profile=profile)
    wanted = list(formats)
    templates = load_templates(kind, wanted, template, ready.locale)
    if issue:
        from .ledger.issuing import default_checks, issue_prepared, ledger_for
        ledger = ledger_for(profile, issue=True)
        assert ledger is not None
        try:
            _, issued = issue_prepared(ledger, ready, templates, formats=wanted, out=Path(out_dir),
                                       fonts=fonts_for(profile), missing=missing, name=name,
                                       base_dir=Path(record.source.file).parent, force=force,
                                       checks=default_checks(ledger))
        finally:
            ledger.close()
        return issued
    stem = output_name(name or kind.default_name, ready.context)
    out = Path(out_dir)
    paths = plan_outputs(out, stem, wanted, force)
    rendered = render_templates(templates, ready.context, ready.locale,
                                fonts=fonts_for(profile),
                                base_dir=Path(record.source.file).parent, missing=missing,
                                draft=profile.ledger is not None)
    # Every output is made before the first is written: a PDF LibreOffice cannot make
    # (exit 4) or Ctrl-C during it leaves nothing, and no --force'd file replaced.
    try:
        blobs = {fmt: pdf_of(rendered["docx"], stem) if fmt == "pdf" else rendered[fmt]
                 for fmt in wanted}
    except ConversionError as exc:
        raise exc.in_folder(out) from None
    written: list[Path] = []
    try:
        for fmt in wanted:
            target = out / f"{stem}.{fmt}"
            write_atomic(target, blobs[fmt], force)
            written.append(target)
    except BaseException:
        for p in written:  # all or nothing
            p.unlink(missing_ok=True)
        raise
    return [p for p in paths if p in written]


def name_fields_of(kind: Kind) -> set[str]:
    """The fields a ``--name`` pattern of ``kind`` may use: the schema's fields that
    are not lists (objects by their dotted paths too), the computed ones, ``locale``."""
    out = {n for n in kind.provided_names() if n not in ("company", "page_of")} | {"locale"}

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
    problems = character_problems(record.data, record.source, loc)  # control characters
    if problems:
        raise ValidationFailed(problems)
    tpl = Template(template)
    target = Path(outfile) if outfile else Path(Path(data_file).stem + Path(template).suffix)
    refuse_existing(target, force)  # before rendering: fail fast, render nothing
    try:
        data = tpl.render(record.data, loc, missing=missing,  # images next to the data
                          base_dir=Path(data_file).resolve().parent)
    except TemplateError as exc:  # a picture the data names is broken or elsewhere: its field
        bad = image_input_error(exc, record.data, record.source)
        if bad is None:
            raise
        raise bad from None
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
