"""Issuing documents through the ledger: the number taken, the document rendered with
it, archived, recorded and written — all or nothing (:meth:`Ledger.issue`).

``docgen render --issue`` and ``docgen batch --issue`` come here; without ``--issue``
a configured ledger makes every output a draft (``docgen.draft``: the templates' 초안 /
草稿 / DRAFT mark) and takes no number.
"""
from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from ..errors import DocgenWarning, Problem, UsageError
from ..messages import N_
from ..output import output_name, output_paths, refuse_any_existing, sanitize, write_atomic
from .store import Checks, Ledger, open_ledger

if TYPE_CHECKING:
    from sqlalchemy.engine import RowMapping

    from ..api import Prepared
    from ..kinds import Kind
    from ..profile import Profile
    from ..template import Template


def ledger_for(profile: Optional["Profile"], *, issue: bool = False) -> Optional[Ledger]:
    """The profile's ledger opened, or ``None`` without ``[ledger]`` (``--issue`` then
    is a usage error: there is nowhere to take a number from)."""
    settings = profile.ledger if profile is not None else None
    if settings is None:
        if issue:
            raise UsageError(N_("--issue needs a ledger: add a [ledger] section to "
                                "docgen.toml"), code="ledger_none")
        return None
    return open_ledger(settings.url, archive=settings.archive, series=settings.series,
                       company=profile.series_company if profile is not None else "")


def number_field(kind: "Kind") -> Optional[str]:
    """The field a kind's number goes in (``x-number-field`` in its schema)."""
    value = kind.schema.get("x-number-field")
    return str(value) if value else None


def templates_sha256(templates: Mapping[str, "Template"]) -> str:
    """One hash for the templates a document was made from."""
    parts = sorted(f"{fmt}:{getattr(t, 'sha256', '')}" for fmt, t in templates.items())
    if len(parts) == 1:
        return parts[0].split(":", 1)[1]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def default_checks(ledger: Ledger) -> Optional[Checks]:
    """The cross-document checks at issue (:mod:`docgen.ledger.jobs`)."""
    try:
        from .jobs import checks_for
    except ImportError:  # pragma: no cover - the jobs module ships with the ledger
        return None
    return checks_for(ledger)


def issue_prepared(ledger: Ledger, ready: "Prepared", templates: Mapping[str, "Template"], *,
                   formats: Sequence[str], out: Path, fonts: Mapping[str, str],
                   base_dir: Optional[Path], missing: str = "error",
                   name: Optional[str] = None, force: bool = False,
                   checks: Optional[Checks] = None) -> tuple["RowMapping", list[Path]]:
    """Issue one validated record: its number, the rendered files, the archive, the
    ledger rows and the output files (named ``{kind}_{number}`` unless ``name``), in
    one transaction; the row and the paths written."""
    from ..api import pdf_of, render_templates

    kind = ready.kind
    field = number_field(kind)
    names: dict[str, str] = {}
    plan: dict[str, Any] = {}

    def render(shown: str, record: Mapping[str, Any]) -> dict[str, bytes]:
        context = dict(ready.context)
        if field:
            context[field] = shown
        stem = output_name(name, context) if name else sanitize(f"{kind.name}_{shown}")
        paths = output_paths(out, stem, formats)
        refuse_any_existing(paths, force)  # before rendering: nothing taken, nothing made
        rendered = render_templates(templates, context, ready.locale, fonts=fonts,
                                    base_dir=base_dir, missing=missing, number=shown)
        files = {fmt: rendered[fmt] for fmt in formats if fmt != "pdf"}
        if "pdf" in formats:
            files["pdf"] = pdf_of(rendered["docx"], stem)
        names.update({fmt: f"{stem}.{fmt}" for fmt in files})
        plan["paths"] = dict(zip(formats, paths))
        return {fmt: files[fmt] for fmt in formats}

    def deliver(row: "RowMapping", files: Mapping[str, bytes]) -> list[Path]:
        written: list[Path] = []
        try:
            for fmt, blob in files.items():
                target = plan["paths"][fmt]
                # not flushed one by one: the archive holds the durable copy (its objects
                # are fsynced before the row that names them is committed)
                write_atomic(target, blob, force, durable=False)
                written.append(target)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written

    paths: list[Path] = []

    def deliver_and_keep(row: "RowMapping", files: Mapping[str, bytes]) -> list[Path]:
        paths.extend(deliver(row, files))
        return paths

    def checked(conn: Any, kind_name: str, record: Mapping[str, Any]) -> list[Any]:
        found = [_located(p, ready.record.source) for p in checks(conn, kind_name, record)] \
            if checks is not None else []
        if not any(p.is_error for p in found):  # warnings are said once the issue stands
            warned.extend(p for p in found if not p.is_error)
        return found

    warned: list[Any] = []
    row = ledger.issue(kind.name, ready.record.data, render, locale=ready.locale.code,
                       template_sha256=templates_sha256(templates), checks=checked,
                       number_field=field, names=names, facts=ready.context,
                       deliver=deliver_and_keep)
    for p in warned:
        warnings.warn(DocgenWarning(p.template, p.location, **dict(p.params)), stacklevel=2)
    return row, paths


def _located(problem: Any, source: Any) -> Any:
    """A cross-document problem at its field in the record's file (the checks see the
    record's data, not where it came from)."""
    if problem.location.file or source is None:
        return problem
    where = source.locate((problem.path,) if problem.path else ())
    return Problem(problem.path, problem.code, problem.template, problem.severity, where,
                   problem.record, params=problem.params, excerpt=problem.excerpt,
                   subject=problem.subject, locale=problem.locale)


def located_checks(checks: Optional[Checks], source: Any) -> Optional[Checks]:
    """``checks`` whose problems carry the record's place in its file."""
    if checks is None:
        return None
    inner = checks

    def run(conn: Any, kind_name: str, record: Mapping[str, Any]) -> list[Any]:
        return [_located(p, source) for p in inner(conn, kind_name, record)]

    return run
