"""``docgen batch --issue``: a batch issued through the ledger with group commit.

The records are issued in the input's order (so their numbers follow it),
:data:`ISSUE_CHUNK` documents per transaction (:meth:`Ledger.chunk
<docgen.ledger.store.Ledger.chunk>`): a chunk's records are numbered and checked in
order, rendered by the batch's worker processes (each document from its own record and
number only), archived and written without a flush each, flushed to disk once
(``syncfs``), then committed. A failure rolls its chunk back — its numbers given back,
its files and temporary files removed; archive objects it wrote may stay, unreferenced
and harmless — and stops the batch: the chunks committed before it stay, each
complete, and the manifest lists them.

Why chunks and not one transaction for the whole batch: a chunk holds the series'
lock (SQLite's one writer) for a fraction of a second, so other ``docgen`` runs issuing
at the same time wait briefly instead of for the whole batch (and past the busy
timeout for a large one).
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.pool
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from ..api import fonts_for, record_context, render_templates
from ..batch import (MANIFEST, BatchResult, Job, Source, _init_worker, _manifest, _sweep,
                     _WORKER)
from ..errors import DocgenWarning, OutputError, Problem, ValidationFailed
from ..i18n.locale import DocLocale
from ..inputs import Record, SourceMap
from ..kinds import Kind
from ..output import (output_name, output_paths, refuse_any_existing, sanitize, unique_stem,
                      write_atomic)
from ..profile import Profile
from ..template import Template
from .archive import Archive, group_sync, sync_folders
from .errors import LedgerStorageError
from .store import Ledger, put_object

ISSUE_CHUNK = 200  # documents per transaction (group commit) in batch --issue


@dataclass
class IssueJob:
    """One numbered record for a worker to render, archive and write (batch --issue).

    Its content depends on its record and its number only."""

    index: int
    data: dict[str, Any]
    data_file: Optional[str]
    locale: str
    stem: str
    base_dir: str
    number: str  # as the document shows it
    field: Optional[str]  # the kind's number field


# index -> format -> (path written, sha256, size)
_IssuedFiles = dict[str, tuple[str, str, int]]
_IssuedShare = tuple[list[tuple[int, _IssuedFiles]], list[DocgenWarning]]


def _issue_share(jobs: list[IssueJob], archive_root: str, durable: bool,
                 contexts: Optional[list[dict[str, Any]]] = None) -> _IssuedShare:
    """Render ``jobs``, put each file in the archive and write it (atomically, not
    flushed: the chunk syncs once); a failure removes what this share wrote. In a
    worker, or in the parent (``contexts``: the contexts it already built)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DocgenWarning)
        done = _issue_render(jobs, Archive(Path(archive_root)), durable, contexts)
    raised = [w.message for w in caught if isinstance(w.message, DocgenWarning)]
    for w in caught:
        if not isinstance(w.message, DocgenWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return done, raised


def _issue_render(jobs: list[IssueJob], archive: Archive, durable: bool,
                  contexts: Optional[list[dict[str, Any]]]) -> list[tuple[int, _IssuedFiles]]:
    templates: dict[str, Template] = _WORKER["templates"]
    out: Path = _WORKER["out"]
    formats: list[str] = _WORKER["formats"]
    force: bool = _WORKER["force"]
    kind: Kind = _WORKER["kind"]
    done: list[tuple[int, _IssuedFiles]] = []
    written: list[Path] = []

    def store(files: _IssuedFiles, fmt: str, target: Path, blob: bytes) -> None:
        digest = put_object(archive, blob, durable=durable)
        write_atomic(target, blob, force, durable=False)
        written.append(target)
        files[fmt] = (str(target), digest, len(blob))

    try:
        with (tempfile.TemporaryDirectory(prefix="docgen-issue-", dir=_WORKER.get("tmp_root"))
              if "pdf" in formats
              else contextlib.nullcontext("")) as tmp:  # Word files to convert, with PDF
            pdf_sources: list[tuple[int, Path]] = []
            for n, job in enumerate(jobs):
                locale = DocLocale.parse(job.locale)
                if contexts is not None:
                    context = contexts[n]
                else:
                    context = record_context(kind, Record(job.data,
                                                          SourceMap(job.data_file or "")),
                                             locale, _WORKER["profile"])
                    if job.field:
                        context[job.field] = job.number
                rendered = render_templates(templates, context, locale, fonts=_WORKER["fonts"],
                                            base_dir=job.base_dir, missing=_WORKER["missing"],
                                            number=job.number)
                files: _IssuedFiles = {}
                for fmt in formats:
                    if fmt != "pdf":
                        store(files, fmt, out / f"{job.stem}.{fmt}", rendered[fmt])
                if "pdf" in formats:
                    src = Path(tmp) / f"{job.stem}.docx"
                    src.write_bytes(rendered["docx"])
                    pdf_sources.append((len(done), src))
                done.append((job.index, files))
            if pdf_sources:
                from ..convert import share_to_pdf
                pdfs = share_to_pdf([src for _, src in pdf_sources], Path(tmp))
                for (slot, _), pdf in zip(pdf_sources, pdfs):
                    store(done[slot][1], "pdf", out / pdf.name, pdf.read_bytes())
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for _, files in done:  # in the order of the formats asked for
        ordered = {fmt: files[fmt] for fmt in formats}
        files.clear()
        files.update(ordered)
    return done


def issue_batch(kind: Kind, valid: list[tuple[Source, DocLocale]], templates: dict[str, Template],
               out: Path, formats: list[str], name: Optional[str], force: bool,
               profile: Profile, missing: str, problems: list[Problem],
               data: Union[str, Path], keep_going: bool,
               progress: Optional[Callable[[int, int], None]],
               workers: int = 1, tmp_root: Optional[str] = None) -> BatchResult:
    """``batch --issue``: the records issued in the input's order (so numbers follow
    it), :data:`ISSUE_CHUNK` documents per transaction (:meth:`Ledger.chunk
    <docgen.ledger.store.Ledger.chunk>`): a chunk's records are numbered and checked
    in order, rendered by the worker processes (each document from its own record
    and number), archived and written, flushed to disk once, then committed. A
    failure rolls its chunk back — numbers given back, its files removed — and stops
    the batch; the chunks committed before it stay, each complete, and the manifest
    lists them. A record the cross-document checks refuse is skipped with
    ``keep_going`` (it takes no number). The workers' temporary folders are made in
    ``tmp_root`` (the caller removes it, also after a terminated worker)."""
    from .issuing import ledger_for

    if profile.ledger is None:
        ledger_for(profile, issue=True)  # the usage error: there is no ledger
    total = len(valid)
    workers = max(1, min(workers, total))
    pool = None
    if workers > 1 and total >= 4:
        # before the ledger opens: forked workers must inherit no database connection
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        args = ({fmt: str(tpl.name) for fmt, tpl in templates.items()}, fonts_for(profile),
                str(out), formats, force, kind.name, profile, missing, tmp_root)
        pool = multiprocessing.get_context(method).Pool(workers, _init_worker, args)
    results: dict[int, list[tuple[str, str]]] = {}
    numbers: dict[int, str] = {}
    try:
        ledger = ledger_for(profile, issue=True)
        assert ledger is not None
        try:
            run = _IssueRun(kind, ledger, templates, out, formats, name, force, profile,
                            missing, keep_going, problems, pool, workers, tmp_root)
            items = list(enumerate(valid))
            for start in range(0, total, ISSUE_CHUNK):
                issued, named = run.chunk(items[start:start + ISSUE_CHUNK])
                results.update(issued)  # committed
                numbers.update(named)
                if progress is not None:
                    progress(min(start + ISSUE_CHUNK, total), total)
        finally:
            ledger.close()
        if pool is not None:
            pool.close()
            pool.join()
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        if results:  # the chunks committed before the failure: say what they issued
            try:
                _issue_manifest(kind, data, valid, results, numbers, problems, out)
            except OutputError:
                pass
        raise
    manifest_path = _issue_manifest(kind, data, valid, results, numbers, problems, out)
    written = [Path(p) for i in sorted(results) for p, _ in results[i]]
    return BatchResult(written, problems, manifest_path)


def _identity(path: Path) -> Optional[tuple[int, int]]:
    """What tells a file apart from the one that replaces it (a write is a rename: a new
    inode); None when there is no file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


class _IssueRun:
    """What every chunk of one ``batch --issue`` shares."""

    def __init__(self, kind: Kind, ledger: Ledger, templates: dict[str, Template], out: Path,
                 formats: list[str], name: Optional[str], force: bool, profile: Profile,
                 missing: str, keep_going: bool, problems: list[Problem],
                 pool: Optional[multiprocessing.pool.Pool], workers: int,
                 tmp_root: Optional[str] = None) -> None:
        from .issuing import default_checks, located_checks, number_field, templates_sha256

        self.kind, self.ledger, self.out, self.formats = kind, ledger, out, formats
        self.name, self.force, self.profile = name, force, profile
        self.keep_going, self.problems = keep_going, problems
        self.pool, self.workers = pool, workers
        self.checks = default_checks(ledger)
        self.located = located_checks  # each record's problems at its place in its file
        self.field = number_field(kind)
        self.template_sha256 = templates_sha256(templates)
        self.durable = not group_sync()  # no syncfs: each archive object flushed as put
        self.used: set[str] = set()
        self.fonts = fonts_for(profile)
        if pool is None:  # rendering in this process: the templates already compiled
            _WORKER.clear()
            _WORKER.update(templates=templates, fonts=self.fonts, out=out, formats=formats,
                           force=force, kind=kind, profile=profile, missing=missing,
                           tmp_root=tmp_root)

    def chunk(self, part: list[tuple[int, tuple[Source, DocLocale]]]
              ) -> tuple[dict[int, list[tuple[str, str]]], dict[int, str]]:
        """Issue ``part`` in one transaction; the files and numbers by position."""
        kind, ledger = self.kind, self.ledger
        written: list[Path] = []
        targets: dict[Path, Optional[tuple[int, int]]] = {}  # every path the chunk may write
        results: dict[int, list[tuple[str, str]]] = {}
        numbers: dict[int, str] = {}
        try:
            with ledger.chunk(durable=self.durable) as batch:
                jobs: list[IssueJob] = []
                contexts: list[dict[str, Any]] = []
                planned = []
                for position, (src, loc) in part:
                    rec = src.record
                    context = record_context(kind, rec, loc, self.profile)
                    try:
                        doc = batch.plan(kind.name, rec.data, number_field=self.field,
                                         checks=self.located(self.checks, rec.source),
                                         facts=context, locale=loc.code,
                                         template_sha256=self.template_sha256)
                    except ValidationFailed as exc:
                        if not self.keep_going:
                            raise
                        self.problems.extend(exc.problems)
                        continue
                    if self.field:
                        context[self.field] = doc.shown
                    stem = self._stem(context, doc.shown)
                    paths = output_paths(self.out, stem, self.formats)
                    refuse_any_existing(paths, self.force)
                    targets.update((path, _identity(path)) for path in paths)
                    base = str(Path(rec.source.file).parent) if rec.source.file else "."
                    jobs.append(IssueJob(position, rec.data, rec.source.file, loc.code, stem,
                                         base, doc.shown, self.field))
                    contexts.append(context)
                    planned.append(doc)
                done = self._render(jobs, contexts, written)
                for doc, job in zip(planned, jobs):
                    files = done[job.index]
                    batch.add_files(doc, {fmt: (Path(path).name, digest, size)
                                          for fmt, (path, digest, size) in files.items()})
                    results[job.index] = [(path, digest) for path, digest, _ in files.values()]
                    numbers[job.index] = doc.shown
                batch.finish()
                if not self.durable:  # archive objects and files on disk before the commit
                    self._sync()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) and self.pool is not None:
                # Ctrl-C or SIGTERM while the workers render: they write into the
                # output folder, and a share the parent was not told about yet is
                # not in ``written`` — stop them first, then remove whatever the
                # chunk put in place (a file of an earlier run that --force replaced
                # is this run's now, and goes too: the ledger will not record it).
                self.pool.terminate()
                self.pool.join()
                written.extend(p for p, before in targets.items() if _identity(p) != before)
            for path in written:
                path.unlink(missing_ok=True)
            _sweep(self.out)
            raise
        return results, numbers

    def _sync(self) -> None:
        root = self.ledger.archive.root
        try:
            sync_folders([self.out, root])
        except OSError as exc:
            raise LedgerStorageError("cannot write to the archive {path}: {detail}",
                                     code="archive_write",
                                     params={"path": str(root),
                                             "detail": exc.strerror or str(exc)}) from None

    def _stem(self, context: dict[str, Any], shown: str) -> str:
        stem = output_name(self.name, context) if self.name else \
            sanitize(f"{self.kind.name}_{shown}")
        return unique_stem(stem, self.used)  # one --name for two records: never overwrite

    def _render(self, jobs: list[IssueJob], contexts: list[dict[str, Any]],
                written: list[Path]) -> dict[int, _IssuedFiles]:
        """Every job rendered, archived and written (the paths go in ``written`` as
        they are reported, for the chunk to remove if it fails)."""
        root = str(self.ledger.archive.root)
        done: dict[int, _IssuedFiles] = {}
        if self.pool is None:
            shares: list[_IssuedShare] = [_issue_share(jobs, root, self.durable, contexts)]
        else:
            pdf = "pdf" in self.formats  # one LibreOffice per share: one share per worker
            size = -(-len(jobs) // self.workers) if pdf else \
                max(1, -(-len(jobs) // (self.workers * 2)))
            pending = [self.pool.apply_async(_issue_share, (jobs[i:i + size], root,
                                                            self.durable))
                       for i in range(0, len(jobs), size)]
            shares, error = [], None
            for result in pending:  # every share finished before anything is removed
                try:
                    shares.append(result.get())
                except KeyboardInterrupt:  # stopped: the chunk ends the workers at once
                    raise
                except BaseException as exc:  # noqa: B902 - re-raised below
                    error = error or exc
            if error is not None:
                for part, _ in shares:
                    written.extend(Path(p) for _, files in part for p, _, _ in files.values())
                raise error
        seen: set[str] = set()
        for part, raised in shares:
            for index, files in part:
                done[index] = files
                written.extend(Path(p) for p, _, _ in files.values())
            for w in raised:  # the same warning from many documents is said once
                if str(w) not in seen:
                    seen.add(str(w))
                    warnings.warn(w, stacklevel=1)
        return done


def _issue_manifest(kind: Kind, data: Union[str, Path], valid: list[tuple[Source, DocLocale]],
                    results: dict[int, list[tuple[str, str]]], numbers: dict[int, str],
                    problems: list[Problem], out: Path) -> Path:
    jobs = [Job(i, {}, None, loc.code, "", "") for i, (_, loc) in enumerate(valid)]
    manifest = _manifest(kind, data, valid, jobs, results, problems)
    for i, entry in enumerate(manifest["documents"]):
        if i in numbers:
            entry["number"] = numbers[i]
    manifest_path = out / MANIFEST
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
                 True)  # each run's issue adds to the ledger; the manifest says this run's
    return manifest_path
