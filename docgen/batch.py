"""``docgen batch``: one document per record (or per group of rows), many at once.

The Monday job: one task sheet for all clients, one weekly report per client, each in
the client's language, in minutes — and nothing of one client in another's report.

The run is staged so that a problem stops it before anything is written:

1. read every record (sheet rows, optionally folded by ``--group-by``; a list in a
   JSON/YAML file; or a folder of record files) with the place each value came from;
2. validate all of them; with errors nothing is written (``--keep-going`` writes the
   valid ones and reports the rest);
3. build each record's context and its output name; names are made unique within
   the run and checked against the folder (an existing file stops the run, exit 4,
   unless ``--force``);
4. render and write in worker processes, each compiling the templates once; PDFs go
   through one LibreOffice process per worker; the documents are written to a staging
   folder inside the output folder (``.docgen-stage-*``), and moved into place only
   when every one is done, so an interrupted run (Ctrl-C: exit 130) leaves nothing;
5. write ``manifest.json``: which record made which file, its sha256 and locale.

From step 3 to the end the run holds the output folder's lock (``.docgen-batch.lock``,
:func:`~docgen.output.folder_lock`): a second batch into the same folder meanwhile is
refused at once (exit 4, naming the folder and the other run's pid), so a manifest
always describes the files there.

Isolation: a document is rendered from its own context only — a deep copy of its
record — and workers hold no state between documents but the compiled templates.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar, Union

from . import kinds as kinds_mod
from .errors import (
    DocgenWarning,
    InputError,
    Problem,
    SourceLocation,
    UsageError,
    ValidationFailed,
)
from .i18n.locale import DocLocale, UnknownLocale, resolve, resolve_leniently
from .inputs import PathKey, Record, SourceMap, format_path, read_data
from .kinds import Kind
from .messages import N_
from .output import (
    folder_lock,
    move_into_place,
    output_name,
    output_paths,
    refuse_any_existing,
    unique_stem,
    write_atomic,
)
from .api import fonts_for, load_templates, record_context, render_templates, validator
from .convert import ConversionError
from .pipeline import check_name
from .pack import document_facts
from .profile import Profile
from .stops import as_worker, uninterrupted
from .sheets import SHEET_SUFFIXES, TableSource, find_field, header_index, read_table
from .template import Template

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
MANIFEST = "manifest.json"
Progress = Callable[[int], None]


@dataclass
class Source:
    """One input record with where it came from (for messages and the manifest)."""

    record: Record
    origin: SourceLocation  # the row, the file, or the first row of a group
    key: Optional[str] = None  # the --group-by value


@dataclass
class Job:
    """What a worker needs to write one record's documents (picklable, self-contained).

    The record, not its context: contexts are built in the worker, one at a time, so
    memory does not grow with the batch (the name was computed from one, then dropped)."""

    index: int
    data: dict[str, Any]
    data_file: Optional[str]
    locale: str
    stem: str
    base_dir: str


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # records skipped (--keep-going)
    manifest: Optional[Path] = None


# --- reading ------------------------------------------------------------------------

def resolve_field(kind: Kind, name: str, option: str) -> PathKey:
    """A field given on the command line as a path (``client``, ``client.name``) or a
    label in any locale (``고객사``, ``客户``)."""
    found = find_field(header_index(kind.schema), name)
    if found is None:
        raise UsageError("{option}: '{name}' is not a field of {kind}", code="option",
                         params={"option": option, "name": name, "kind": kind.name})
    return tuple(k for k in found if k != "*")


def read_sources(kind: Kind, data: Union[str, Path], *, sheet: Optional[str] = None,
                 encoding: Optional[str] = None, group_by: Optional[str] = None,
                 locale: Optional[DocLocale] = None) -> tuple[list[Source], list[Problem]]:
    """Every record of ``data`` with its origin, and problems found while reading."""
    path = Path(data)
    if path.is_dir():
        return _read_folder(path, locale)
    if path.suffix.lower() in SHEET_SUFFIXES:
        table = read_table(path, kind.schema, sheet=sheet, encoding=encoding, locale=locale)
        rows = [Source(Record(d, s, i), s.row_location or SourceLocation(file=str(path)))
                for i, (d, s) in enumerate(table.records)]
        if group_by is None:
            return rows, list(table.problems)
        group_path = resolve_field(kind, group_by, "--group-by")
        grouped, problems = group_rows(kind, rows, group_path, locale)
        return grouped, [*table.problems, *problems]
    data_value, source = read_data(path)  # an .xls is "save it as .xlsx", even so
    if group_by is not None:
        raise UsageError("--group-by needs a .csv or .xlsx sheet", code="option")
    items = data_value if isinstance(data_value, list) else [data_value]
    out, problems = [], []
    for i, item in enumerate(items):
        where = source.locate((i,) if isinstance(data_value, list) else ())
        if not isinstance(item, dict):
            problems.append(Problem(path="", code="not_a_record", record=i, location=where,
                                    locale=locale, message=N_("expected a record (a mapping "
                                                              "of field: value)")))
            continue
        sub = source.within(i) if isinstance(data_value, list) else source
        out.append(Source(Record(item, sub, i), where))
    return out, problems


def _read_folder(folder: Path, locale: Optional[DocLocale]) -> tuple[list[Source], list[Problem]]:
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES
                   and not p.name.startswith("."))
    if not files:
        raise InputError("the folder holds no .yaml, .yml or .json record files",
                         SourceLocation(file=str(folder)), code="empty")
    out, problems = [], []
    for n, f in enumerate(files):
        try:
            value, source = read_data(f)
        except InputError as exc:
            problems.append(Problem.from_error(exc, record=n, locale=locale,
                                               location=SourceLocation(file=str(f))))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(path="", code="not_a_record", record=n,
                                    location=source.locate(()), locale=locale,
                                    message=N_("expected a record (a mapping of "
                                               "field: value)")))
            continue
        out.append(Source(Record(value, source, n), SourceLocation(file=str(f))))
    return out, problems


def _leaves(data: Any, path: PathKey, skip: str) -> Iterator[tuple[PathKey, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if not path and key == skip:
                continue
            yield from _leaves(value, path + (key,), skip)
    else:
        yield path, data


def group_rows(kind: Kind, rows: list[Source], key_path: PathKey,
               locale: Optional[DocLocale]) -> tuple[list[Source], list[Problem]]:
    """Fold rows sharing the value at ``key_path`` into one record each: record-level
    columns must agree inside a group; each row's item columns become one entry of
    the kind's list (weekly ``tasks``, invoice ``items``…)."""
    list_field = kind.group_list or ""  # the schema's x-group-list
    groups: dict[str, list[Source]] = {}
    problems: list[Problem] = []
    for row in rows:
        value = _get(row.record.data, key_path)
        if value in (None, ""):
            row_source = row.record.source
            problems.append(Problem(
                path=format_path(key_path), code="group_key", record=row.record.index,
                location=row_source.locate(key_path), locale=locale, message=N_(
                    "{field}: empty, so this row belongs to no group (--group-by)"),
                params={"field": row_source.header(key_path) or format_path(key_path)}))
            continue
        groups.setdefault(str(value), []).append(row)
    out = []
    for n, (key, members) in enumerate(groups.items()):
        first = members[0]
        data = copy.deepcopy({k: v for k, v in first.record.data.items() if k != list_field})
        first_source = first.record.source
        assert isinstance(first_source, TableSource)
        def record_level(mapping: dict[PathKey, Any]) -> dict[PathKey, Any]:
            return {k: v for k, v in mapping.items() if not k or k[0] != list_field}

        source = TableSource(first_source.file, row_location=first.origin,
                             cells=record_level(first_source.cells),
                             blanks=record_level(first_source.blanks),
                             headers=record_level(first_source.headers))
        items: list[Any] = []
        for row in members:
            row_source = row.record.source
            assert isinstance(row_source, TableSource)
            for path, value in _leaves(row.record.data, (), list_field):
                held = _get(data, path)
                if held is None:
                    _set(data, path, copy.deepcopy(value))
                    source.cells[path] = row_source.cells.get(path, row.origin)
                    if row_source.header(path):
                        source.headers[path] = row_source.headers[path]
                elif held != value:
                    problems.append(Problem(
                        path=format_path(path), code="group_conflict", record=n,
                        location=row_source.cells.get(path, row.origin), locale=locale,
                        message=N_(
                            "{path}: '{value}' differs from '{first}' in an earlier row of "
                            "the same group ({key}); a group's rows must agree"),
                        params={"path": row_source.header(path) or format_path(path),
                                "value": value, "first": held, "key": key}))
            entries = row.record.data.get(list_field)
            if isinstance(entries, list) and entries:
                i = len(items)
                items.append(copy.deepcopy(entries[0]))
                # Each item points at its own row: a problem in the second row of a group
                # is at that row's cell, even for a value missing there.
                source.cells[(list_field, i)] = row.origin
                source.cells.update(_item_entries(row_source.cells, list_field, i))
                source.blanks.update(_item_entries(row_source.blanks, list_field, i))
                source.headers.update(_item_entries(row_source.headers, list_field, i))
        if list_field:
            data[list_field] = items
        out.append(Source(Record(data, source, n), first.origin, key))
    return out, problems


T = TypeVar("T")


def _item_entries(mapping: dict[PathKey, T], list_field: str, i: int) -> dict[PathKey, T]:
    """A row's entries for its one list item, moved to item ``i`` of the group."""
    return {(list_field, i, *path[2:]): value for path, value in mapping.items()
            if path[:2] == (list_field, 0) and len(path) > 2}


def _get(data: Any, path: PathKey) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _set(data: dict[str, Any], path: PathKey, value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(str(key), {})
    data[str(path[-1])] = value


# --- the run --------------------------------------------------------------------------

def record_locale(source: Source, option: Optional[DocLocale], field_path: Optional[PathKey],
                  profile: Optional[Profile], messages: Optional[DocLocale] = None,
                  ) -> tuple[DocLocale, Optional[Problem]]:
    """The one policy (:func:`~docgen.i18n.locale.resolve`) with ``--locale-field`` (or
    the record's ``locale``) as the record's value; a value that names no locale is a
    problem, and the record then follows the profile, $DOCGEN_LOCALE or ``ko``."""
    path = field_path or ("locale",)
    value = _get(source.record.data, path)
    default = profile.default_locale if profile else None
    try:
        return resolve(option, value if isinstance(value, str) else None, default), None
    except UnknownLocale as exc:
        if exc.source != "record":
            raise
        return resolve_leniently(None, None, default), Problem(
            path=format_path(path), code="locale", record=source.record.index,
            location=source.record.source.locate(path), locale=messages,
            message=N_("unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)"),
            params={"locale": value})


@dataclass
class Checked:
    """The records of an input that can be rendered, each with its document locale,
    and every problem of the input (reading and validation), sorted by place."""

    valid: list[tuple[Source, DocLocale]]
    problems: list[Problem]


def check_data(kind: Kind, data: Union[str, Path], *, locale: Optional[DocLocale] = None,
               locale_field: Optional[str] = None, group_by: Optional[str] = None,
               sheet: Optional[str] = None, encoding: Optional[str] = None,
               profile: Optional[Profile] = None) -> Checked:
    """Read and validate ``data`` as ``docgen batch`` does; ``docgen validate`` calls
    this too, so both say the same about the same input and options. Messages are for
    the person running the command: one language (``-l``, else the profile's or
    $DOCGEN_LOCALE, else Korean) for all records."""
    profile = profile or Profile()
    message_locale = resolve_leniently(locale, None, profile.default_locale)
    sources, problems = read_sources(kind, data, sheet=sheet, encoding=encoding,
                                     group_by=group_by, locale=message_locale)
    field_path = resolve_field(kind, locale_field, "--locale-field") if locale_field else None
    valid: list[tuple[Source, DocLocale]] = []
    bad_records = {p.record for p in problems if p.is_error}
    for src in sources:
        loc, issue = record_locale(src, locale, field_path, profile, message_locale)
        found = validator(kind, message_locale, profile).validate(
            src.record.data, src.record.source, src.record.index)
        if issue is not None and issue.path != "locale":  # the rules report 'locale' itself
            found.insert(0, issue)
        problems.extend(found)
        if any(p.is_error for p in found) or src.record.index in bad_records:
            continue
        valid.append((src, loc))
    if Path(data).suffix.lower() in SHEET_SUFFIXES:  # in the order of the sheet's cells
        problems.sort(key=lambda p: p.location.sort_key())
    return Checked(valid, problems)


def validate_inputs(kind: Kind, files: Sequence[Union[str, Path]], *,
                    locale: Optional[DocLocale] = None, locale_field: Optional[str] = None,
                    group_by: Optional[str] = None, sheet: Optional[str] = None,
                    encoding: Optional[str] = None,
                    profile: Optional[Profile] = None) -> list[Problem]:
    """``docgen validate``: every problem of every file. Sheets, and any file given with
    a batch option, go through :func:`check_data` (what batch will say); a plain
    YAML/JSON record file is validated in its own locale as ``docgen render`` does.
    A file that cannot be read is one problem; the other files are still checked."""
    from .pipeline import validate_files

    batch_options = any(o is not None for o in (locale_field, group_by, sheet, encoding))
    problems: list[Problem] = []
    for f in files:
        if Path(f).suffix.lower() not in SHEET_SUFFIXES and not batch_options:
            problems.extend(validate_files(kind.name, [f], locale, profile))
            continue
        try:
            problems.extend(check_data(kind, f, locale=locale, locale_field=locale_field,
                                       group_by=group_by, sheet=sheet, encoding=encoding,
                                       profile=profile).problems)
        except InputError as exc:
            if isinstance(exc, ValidationFailed):
                raise
            shown = resolve_leniently(locale, None, profile.default_locale if profile else None)
            problems.append(Problem.from_error(exc, location=SourceLocation(file=str(f)),
                                               locale=shown))
    return problems


def run_batch(
    *,
    kind: Kind,
    data: Union[str, Path],
    out_dir: Union[str, Path] = ".",
    formats: Sequence[str] = ("docx",),
    locale: Optional[DocLocale] = None,
    locale_field: Optional[str] = None,
    group_by: Optional[str] = None,
    name: Optional[str] = None,
    jobs: Optional[int] = None,
    keep_going: bool = False,
    force: bool = False,
    template: Optional[Union[str, Path]] = None,
    profile: Optional[Profile] = None,
    sheet: Optional[str] = None,
    encoding: Optional[str] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    missing: str = "error",
    issue: bool = False,
    pdfa: bool = False,
) -> BatchResult:
    """Render every record of ``data``; see the module docstring for the stages.
    ``issue`` (a ledger in the profile) issues each record in order instead
    (:func:`docgen.ledger.batch_issue.issue_batch`); with a ledger and no ``issue`` every output is a draft.
    With PDF, a pool of warm LibreOffice workers serves the run
    (:func:`docgen.pdfpool.pool_service`); ``pdfa`` makes the PDFs PDF/A-2b."""
    if name:
        check_name(kind, name)  # a bad --name is a usage error before anything is read
    profile = profile or Profile()
    checked = check_data(kind, data, locale=locale, locale_field=locale_field,
                         group_by=group_by, sheet=sheet, encoding=encoding, profile=profile)
    valid, problems = checked.valid, checked.problems
    templates = load_templates(kind, formats, template)  # a broken template stops here
    if "pdf" in formats:
        from .convert import require_soffice
        require_soffice()  # no LibreOffice: stop before any file is written
    errors = [p for p in problems if p.is_error]
    if errors and not keep_going:
        raise ValidationFailed(problems)
    if not valid:
        raise ValidationFailed(problems) if errors else InputError(
            "no records to render", SourceLocation(file=str(data)), code="empty")
    out = Path(out_dir)
    created = _missing_folders(out)
    try:
        return _run_locked(kind, valid, problems, templates, out, data, formats, name, force,
                           profile, missing, keep_going, progress, jobs, issue, pdfa)
    except BaseException:
        _remove_empty(created)  # a failed run leaves no new folder behind either
        raise


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet (deepest first)."""
    missing: list[Path] = []
    here = Path(os.path.abspath(folder))
    while not here.exists() and here.parent != here:
        missing.append(here)
        here = here.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; one another run wrote into stays
        try:
            folder.rmdir()
        except OSError:
            return


def _run_locked(kind: Kind, valid: list[tuple[Source, DocLocale]], problems: list[Problem],
                templates: dict[str, Template], out: Path, data: Union[str, Path],
                formats: Sequence[str], name: Optional[str], force: bool, profile: Profile,
                missing: str, keep_going: bool, progress: Optional[Callable[[int, int], None]],
                jobs: Optional[int], issue: bool, pdfa: bool) -> "BatchResult":
    with folder_lock(out), _run_tmp() as tmp_root:  # one run at a time in a folder
        if issue:
            # group commit, chunk by chunk, in the input's order (imported here: the
            # ledger and its database libraries load only for --issue)
            from .ledger.batch_issue import issue_batch
            with _pdf_service(formats, jobs, pdfa):
                return issue_batch(kind, valid, templates, out, list(formats), name, force,
                                   profile, missing, problems, data, keep_going, progress,
                                   jobs or os.cpu_count() or 1, tmp_root)
        job_list = _plan(kind, valid, out, formats, name, force, profile)
        manifest_path = out / MANIFEST
        fonts = fonts_for(profile)
        template_paths = {fmt: str(tpl.name) for fmt, tpl in templates.items()}
        stage = Path(tempfile.mkdtemp(prefix=".docgen-stage-", dir=out))
        try:
            try:
                with _pdf_service(formats, jobs, pdfa):
                    results = _execute(job_list, template_paths, fonts, stage, list(formats),
                                       True, jobs or os.cpu_count() or 1, progress, kind,
                                       profile, missing, tmp_root)
            except ConversionError as exc:  # named as the PDF it would have been
                raise exc.in_folder(out) from None
            manifest = _manifest(kind, data, valid, job_list, results, problems)
            with uninterrupted():
                results = _commit(results, stage, out, force)
                write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False,
                                                       indent=2).encode(), force)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    written = [Path(p) for i in sorted(results) for p, _ in results[i]]
    return BatchResult(written, problems, manifest_path)


@contextlib.contextmanager
def _run_tmp() -> Iterator[str]:
    """The run's temporary folder: the workers make theirs inside it, and it is removed
    even when they are terminated (Ctrl-C, SIGTERM) before they could remove their own
    — and only after the PDF service has stopped (the ``with`` blocks inside it), since
    a LibreOffice worker still converting when the run is stopped would write its PDF
    into a folder already removed."""
    tmp_root = tempfile.mkdtemp(prefix="docgen-batch-")
    try:
        yield tmp_root
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)


def _commit(results: dict[int, list[tuple[str, str]]], stage: Path, out: Path,
            force: bool) -> dict[int, list[tuple[str, str]]]:
    """Move the finished documents from the run's staging folder into ``out`` (renames
    in one filesystem: an interrupted render leaves nothing in ``out``)."""
    moved: dict[int, list[tuple[str, str]]] = {}
    for index, files in results.items():
        moved[index] = []
        for path, digest in files:
            target = out / Path(path).name
            move_into_place(stage / Path(path).name, target, force)
            moved[index].append((str(target), digest))
    return moved


@contextlib.contextmanager
def _pdf_service(formats: Sequence[str], jobs: Optional[int], pdfa: bool) -> Iterator[None]:
    """With PDF: warm LibreOffice workers for the run's conversions (one per job; a
    running ``docgen pdf-server`` instead, or none without ``uno``), stopped at the
    end, and PDF/A-2b for the run with ``pdfa``."""
    if "pdf" not in formats:
        yield
        return
    from .convert import pdfa_scope
    from .pdfpool import pool_service
    with pdfa_scope(pdfa), pool_service(jobs or os.cpu_count() or 1):
        yield


def _plan(kind: Kind, valid: list[tuple[Source, DocLocale]], out: Path, formats: Sequence[str],
          name: Optional[str], force: bool, profile: Profile) -> list[Job]:
    """Unique, sanitised names (each from its record's context, then dropped); an
    existing file, or manifest.json, stops the run here."""
    jobs: list[Job] = []
    used: set[str] = set()
    targets: list[Path] = []
    for position, (src, loc) in enumerate(valid):
        rec = src.record
        stem = output_name(name or kind.default_name, record_context(kind, rec, loc, profile))
        unique = unique_stem(stem, used)  # two clients with one name: never overwrite
        targets.extend(output_paths(out, unique, formats))
        # images are looked for next to the data, wherever docgen runs from
        base = str((Path(rec.source.file).parent if rec.source.file else Path()).resolve())
        jobs.append(Job(position, rec.data, rec.source.file, loc.code, unique, base))
    refuse_any_existing([*targets, out / MANIFEST], force)
    return jobs


# --- workers --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(template_paths: dict[str, str], fonts: dict[str, str], out: str,
                 formats: list[str], force: bool, kind_name: str, profile: Profile,
                 missing: str = "error", tmp_root: Optional[str] = None) -> None:
    """Each worker compiles the templates once and keeps only them between documents.

    A pool worker leaves Ctrl-C and SIGTERM to the parent (:func:`stops.as_worker`),
    which terminates the pool and removes the run's temporary folders; the worker's
    own are made in the parent's ``tmp_root``."""
    if multiprocessing.parent_process() is not None:
        as_worker()
    _WORKER.clear()
    _WORKER.update(templates={fmt: Template(path) for fmt, path in template_paths.items()},
                   fonts=fonts, out=Path(out), formats=formats, force=force,
                   kind=kinds_mod.get(kind_name, profile), profile=profile, missing=missing,
                   tmp_root=tmp_root)


_Share = tuple[list[tuple[int, list[tuple[str, str]]]], list[DocgenWarning]]


def _render_jobs(jobs: list[Job]) -> _Share:
    """Render and write ``jobs`` (one worker's share), with docgen's warnings.

    Warnings are caught here and returned with the results because a pool worker's
    ``warnings`` never reach the parent's terminal; the parent warns them again."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DocgenWarning)
        done = _render_share(jobs)
    raised = [w.message for w in caught if isinstance(w.message, DocgenWarning)]
    for w in caught:  # anything else goes on as it came
        if not isinstance(w.message, DocgenWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return done, raised


def _render_share(jobs: list[Job]) -> list[tuple[int, list[tuple[str, str]]]]:
    """Render and write ``jobs``; PDFs in one LibreOffice call."""
    templates: dict[str, Template] = _WORKER["templates"]
    out: Path = _WORKER["out"]
    formats: list[str] = _WORKER["formats"]
    force: bool = _WORKER["force"]
    done: list[tuple[int, list[tuple[str, str]]]] = []
    pdf_sources: list[tuple[int, Path]] = []
    tmp_root = _WORKER.get("tmp_root")
    with tempfile.TemporaryDirectory(prefix="docgen-batch-", dir=tmp_root) as tmp:
        kind: Kind = _WORKER["kind"]
        for job in jobs:
            locale = DocLocale.parse(job.locale)
            context = record_context(kind, Record(job.data, SourceMap(job.data_file or "")),
                                     locale, _WORKER["profile"])
            files: list[tuple[str, str]] = []
            rendered = render_templates(templates, context, locale, fonts=_WORKER["fonts"],
                                        base_dir=job.base_dir, missing=_WORKER["missing"],
                                        draft=_WORKER["profile"].ledger is not None)
            for fmt, data in rendered.items():
                if fmt in formats:
                    target = out / f"{job.stem}.{fmt}"
                    write_atomic(target, data, force, durable=False)
                    files.append((str(target), hashlib.sha256(data).hexdigest()))
                if fmt == "docx" and "pdf" in formats:
                    src = Path(tmp) / f"{job.stem}.docx"
                    src.write_bytes(data)
                    pdf_sources.append((len(done), src))
            done.append((job.index, files))
        if pdf_sources:
            from .convert import share_to_pdf
            pdfs = share_to_pdf([s for _, s in pdf_sources], Path(tmp))
            for (slot, _), pdf in zip(pdf_sources, pdfs):
                blob = pdf.read_bytes()
                target = out / pdf.name
                write_atomic(target, blob, force, durable=False)
                done[slot][1].append((str(target), hashlib.sha256(blob).hexdigest()))
    return done


def _execute(jobs: list[Job], template_paths: dict[str, str], fonts: dict[str, str], out: Path,
             formats: list[str], force: bool, workers: int,
             progress: Optional[Callable[[int, int], None]], kind: Kind,
             profile: Profile, missing: str, tmp_root: str) -> dict[int, list[tuple[str, str]]]:
    """Render ``jobs`` into ``out`` (the staging folder) in ``workers`` processes; their
    temporary folders are made in ``tmp_root``, which the caller removes."""
    total = len(jobs)
    workers = max(1, min(workers, total))
    pdf = "pdf" in formats
    # PDF: one share per worker, so each runs one LibreOffice process for all its files.
    size = -(-total // workers) if pdf else max(1, min(25, -(-total // (workers * 4))))
    chunks = [jobs[i:i + size] for i in range(0, total, size)]
    args = (template_paths, fonts, str(out), formats, force, kind.name, profile, missing,
            tmp_root)
    results: dict[int, list[tuple[str, str]]] = {}
    finished = 0
    pool = None
    try:
        if workers == 1 or total < 4:
            _init_worker(*args)
            parts: Iterator[_Share] = map(_render_jobs, chunks)
        else:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            pool = multiprocessing.get_context(method).Pool(workers, _init_worker, args)
            parts = pool.imap_unordered(_render_jobs, chunks)
        seen: set[str] = set()
        for part, raised in parts:
            for index, files in part:
                results[index] = files
            for w in raised:  # the same warning from many documents is said once
                if str(w) not in seen:
                    seen.add(str(w))
                    warnings.warn(w, stacklevel=1)
            finished += len(part)
            if progress is not None:
                progress(finished, total)
        if pool is not None:
            pool.close()
            pool.join()
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        _sweep(out)
        raise
    _sync()
    return results


def _sweep(out: Path) -> None:
    """Remove temporary files an interrupted write left (never finished documents)."""
    for part in out.glob(".docgen-*.part"):
        part.unlink(missing_ok=True)


def _sync() -> None:
    """One flush to disk for the whole batch instead of one per file."""
    if hasattr(os, "sync"):
        os.sync()


def _manifest(kind: Kind, data: Union[str, Path], valid: list[tuple[Source, DocLocale]],
              jobs: list[Job], results: dict[int, list[tuple[str, str]]],
              problems: list[Problem]) -> dict[str, Any]:
    entries = []
    for (src, loc), job in zip(valid, jobs):
        origin = src.origin
        where = {k: v for k, v in (("file", origin.file), ("line", origin.line),
                                   ("row", origin.row), ("sheet", origin.sheet),
                                   ("cell", origin.cell)) if v is not None}
        entry: dict[str, Any] = {"record": src.record.index, "source": where,
                                 "locale": loc.code}
        if src.key is not None:
            entry["group"] = src.key
        # whose document it is, what and when (docgen pack reads these, not the input
        # sheet, which the next week's batch may have overwritten)
        entry.update(document_facts(kind, src.record.data))
        entry["outputs"] = [{"path": Path(p).name, "sha256": h}
                            for p, h in results.get(job.index, [])]
        entries.append(entry)
    skipped = sorted({p.record for p in problems if p.is_error and p.record is not None})
    return {"kind": kind.name, "input": str(data), "documents": entries,
            "skipped_records": skipped}
