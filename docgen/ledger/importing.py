"""``docgen ledger import``: documents rendered before the ledger (a batch's
manifest.json) recorded into it, so an agency starts from its history.

Each manifest entry becomes one ledger row (``source = 'import'``): its record re-read
from the batch's input when that is still there (else the manifest entry itself is the
archived record), its number from the kind's number field, else the output's file
name; the output files still next to the manifest are archived (a file whose sha256
differs from the manifest's is reported and left out). One transaction per manifest;
importing the same manifest again changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa

from ..errors import InputError, Problem, SourceLocation
from ..messages import N_
from .archive import sha256
from .issuing import number_field
from .store import Ledger, canonical_json
from .schema import documents

if TYPE_CHECKING:
    from ..profile import Profile


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)  # numbers recorded
    skipped: list[str] = field(default_factory=list)  # already in the ledger
    problems: list[Problem] = field(default_factory=list)


def _records(kind: Any, manifest: dict[str, Any], folder: Path) -> dict[int, dict[str, Any]]:
    from ..batch import read_sources

    source = manifest.get("input")
    if not source:
        return {}
    path = Path(source)
    if not path.is_absolute() and not path.exists():
        path = folder / path
    if not path.exists() or any("group" in e for e in manifest.get("documents", [])):
        return {}
    try:
        sources, _ = read_sources(kind, path)
    except Exception:  # an input that no longer reads: the entries stand alone
        return {}
    return {s.record.index: s.record.data for s in sources if s.record.index is not None}


def import_manifest(ledger: Ledger, path: Path,
                    profile: Optional["Profile"] = None) -> ImportResult:
    """Record one manifest's documents; see the module docstring."""
    from ..api import get_kind, record_context
    from ..i18n.locale import DocLocale
    from ..inputs import Record, SourceMap

    where = SourceLocation(file=str(path))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["documents"]
        kind = get_kind(str(manifest["kind"]), profile)
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(N_("not a docgen batch manifest (manifest.json)"), where,
                         code="ledger_manifest") from None
    folder = path.parent
    records = _records(kind, manifest, folder)
    field_name = number_field(kind)
    result = ImportResult()
    with ledger.connection() as conn:
        for entry in entries:
            data = records.get(entry.get("record")) or {}
            outputs: dict[str, bytes] = {}
            names: dict[str, str] = {}
            for out in entry.get("outputs", []):
                file = folder / str(out.get("path", ""))
                fmt = file.suffix.lstrip(".").lower()
                try:
                    blob = file.read_bytes()
                except OSError:
                    continue  # not there any more: recorded without it
                if out.get("sha256") and sha256(blob) != out["sha256"]:
                    result.problems.append(Problem(
                        "", "ledger_import_changed", N_("{name} changed since the batch "
                                                        "wrote it: not archived"),
                        "warning", SourceLocation(file=str(file)), params={"name": file.name}))
                    continue
                outputs[fmt], names[fmt] = blob, file.name
            stems = [Path(str(o.get("path", ""))).stem for o in entry.get("outputs", [])]
            number = str((data.get(field_name) if field_name else None)
                         or (stems[0] if stems else f"{path.stem}-{entry.get('record')}"))
            archived = data or {"imported_from": str(path), "entry": entry}
            digest = sha256(canonical_json(archived))
            existing = conn.execute(sa.select(documents.c.record_sha256).where(
                documents.c.kind == kind.name, documents.c.number == number)).first()
            if existing is not None:
                if existing.record_sha256 != digest:
                    result.problems.append(Problem(
                        "", "ledger_import_conflict",
                        N_("{number} is already in the ledger with other content: not "
                           "imported"), "warning", where, params={"number": number}))
                else:
                    result.skipped.append(number)
                continue
            facts: dict[str, Any] = {}
            if data:
                try:
                    loc = DocLocale.parse(str(entry.get("locale") or "ko"))
                    facts = record_context(kind, Record(dict(data), SourceMap(str(path))), loc,
                                           profile)
                except Exception:  # the record no longer validates: no totals, still listed
                    facts = {}
            from .store import DATE_FIELDS, _date
            issue_date = next((_date(facts.get(f) or data.get(f)) for f in DATE_FIELDS
                               if facts.get(f) or data.get(f)), None)
            ledger._record(conn, kind.name, archived, outputs, number=number, revision=0,
                           supersedes=None, seq=None, year=None, company=None,
                           locale=entry.get("locale"), template_sha256=None, names=names,
                           facts=facts, issue_date=issue_date or ledger.now().date(),
                           source="import")
            result.imported.append(number)
    return result
