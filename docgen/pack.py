"""``docgen pack``: one client's PDFs of a period merged into one file, one bookmark per
document (kind, number or title, date — in the user's language), oldest first.

Where the documents come from:

* batch output folders (or their ``manifest.json``): every manifest entry names its
  record's client, kind, title and date (:func:`document_facts`, written by
  ``docgen batch``) and its output files with their sha256;
* the ledger (``[ledger]`` in docgen.toml): the issued documents of the client dated in
  the period — the newest revision of each number, void ones left out — with their
  PDFs from the archive.

Never one client's data in another client's pack: the client is chosen (``--client``,
or the only client the sources hold; several without ``--client`` is a usage error)
and compared by its normalised name (:func:`docgen.ledger.store.client_key`: width,
case and spaces ignored, nothing else); a document of no known client is never
packed; a PDF is packed only when its sha256 is the one its manifest or the ledger
recorded, so a file replaced in the folder after the batch is refused. Every problem
is reported at once and nothing is written; the pack itself is written atomically and
never replaces a file without ``force``.

pypdf does the merging (outlines with CJK titles, object renumbering, shared
resources): a PDF writer that gets all of that right is exactly what not to write by
hand.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from .errors import InputError, Problem, SourceLocation, UsageError, ValidationFailed
from .i18n.locale import DocLocale
from .messages import N_
from .output import write_atomic

if TYPE_CHECKING:
    from .kinds import Kind
    from .ledger.store import Ledger
    from .profile import Profile

MANIFEST = "manifest.json"
# Where a record keeps its date (first present wins; the ledger's own list) and what
# names the document in a bookmark when it has no number.
DATE_FIELDS = ("issue_date", "issued_date", "delivered_date", "date", "week_start")
TITLE_FIELDS = (("title",), ("project",), ("deliverable", "title"), ("subject",))
SEPARATOR = " · "


@dataclass(frozen=True)
class PackItem:
    """One document to pack: its PDF and what its bookmark says."""

    pdf: Path
    sha256: Optional[str]  # what the manifest or the ledger recorded (None: unknown)
    kind: str
    client: Optional[str]  # display name; None: the document is no client's
    date: Optional[dt.date]
    number: Optional[str] = None
    title: Optional[str] = None
    job_number: Optional[str] = None
    where: SourceLocation = field(default_factory=SourceLocation)  # manifest entry / ledger
    record: Optional[int] = None
    order: int = 0  # position in the sources (ties of date keep it)

    @property
    def key(self) -> Optional[str]:
        from .ledger.store import client_key
        return client_key(self.client)


@dataclass
class PackResult:
    path: Path
    client: str
    items: list[PackItem]
    pages: int


# --- what a document is ------------------------------------------------------------------

def _text(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):  # a per-locale text: the first one given
        value = next((v for v in value.values() if v), None)
        return _text(value)
    return str(value).strip() or None


def _get(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def client_display_name(client: Any) -> Optional[str]:
    """A record's client as the ledger names it (``client.name``, else its legal name;
    a per-locale name: the first given). The same rule as
    :func:`docgen.ledger.store.client_name`, kept here so a batch does not load the
    ledger's database libraries to write its manifest."""
    if isinstance(client, Mapping):
        client = client.get("name") or client.get("legal_name")
        if isinstance(client, Mapping):
            client = next((v for v in client.values() if v), None)
    return str(client) if client else None


def document_facts(kind: "Kind", data: Mapping[str, Any]) -> dict[str, Any]:
    """What a batch manifest records of a document besides its files (so a pack, long
    after the batch's input sheet was reused for another week, still knows whose it
    is): ``client`` (display name, or None), and when known ``title``, ``number``
    (the record's own), ``job_number`` and ``date`` (ISO)."""
    day = next((d for d in (_date(data.get(f)) for f in DATE_FIELDS) if d), None)
    number_key = kind.schema.get("x-number-field")
    facts = {
        "title": next((t for t in (_text(_get(data, p)) for p in TITLE_FIELDS) if t), None),
        "number": _text(data.get(str(number_key))) if number_key else None,
        "job_number": _text(data.get("job_number")),
        "date": day.isoformat() if day else None,
    }
    # "client" always (None: no client's document); the rest only when known
    out: dict[str, Any] = {"client": client_display_name(data.get("client"))}
    out.update((k, v) for k, v in facts.items() if v is not None)
    return out


def bookmark_title(item: PackItem, label: str, locale: DocLocale) -> str:
    """``주간 업무 보고 · 2026년 12월 1주차 · 2026년 11월 30일``: the kind's label, the
    document's number and title (a weekly report: its week), its date in the long
    form of ``locale``."""
    from .i18n.format import get_formatter

    fmt = get_formatter(locale.primary)
    parts = [label]
    for name in (item.number or item.job_number, item.title):
        if name and name not in parts:
            parts.append(name)
    if item.date is not None:
        if not item.title and item.kind == "weekly":
            parts.append(fmt.week(item.date))
        parts.append(fmt.date(item.date, "long"))
    return SEPARATOR.join(parts)


# --- reading the sources -----------------------------------------------------------------

def manifest_path(source: Union[str, Path]) -> Path:
    """A batch output folder's manifest, or the manifest file given."""
    path = Path(source)
    return path / MANIFEST if path.is_dir() else path


def items_from_manifest(source: Union[str, Path], start: int = 0) -> list[PackItem]:
    """Every document one batch manifest lists (its PDF, or none: ``pdf`` is then the
    folder itself and ``sha256`` None), numbered from ``start``."""
    path = manifest_path(source)
    where = SourceLocation(file=str(path))
    if not path.is_file():
        raise InputError(N_("no batch manifest here (a folder docgen batch wrote, or its "
                            "manifest.json)"), where, code="pack_source")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["documents"]
        kind = str(manifest["kind"])
        if not isinstance(entries, list):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(N_("not a docgen batch manifest (manifest.json)"), where,
                         code="pack_manifest") from None
    if entries and not any(isinstance(e, dict) and "client" in e for e in entries):
        raise InputError(N_("this manifest does not name each document's client (it was "
                            "written by an older docgen): run the batch again, or pack "
                            "from the ledger"), where, code="pack_old_manifest")
    items = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(N_("not a docgen batch manifest (manifest.json)"), where,
                             code="pack_manifest")
        pdfs = [o for o in entry.get("outputs") or []
                if isinstance(o, dict) and str(o.get("path", "")).lower().endswith(".pdf")]
        out = pdfs[0] if pdfs else {}
        record = entry.get("record")
        items.append(PackItem(
            pdf=path.parent / Path(str(out.get("path", ""))).name if out else path.parent,
            sha256=str(out["sha256"]) if out.get("sha256") else None,
            kind=str(entry.get("kind") or kind), client=_text(entry.get("client")),
            date=_date(entry.get("date")), number=_text(entry.get("number")),
            title=_text(entry.get("title")), job_number=_text(entry.get("job_number")),
            where=where, record=record if isinstance(record, int) else None,
            order=start + i))
    return items


def items_from_ledger(ledger: "Ledger", client: str, date_from: Optional[dt.date],
                      date_to: Optional[dt.date]) -> list[PackItem]:
    """The issued documents of ``client`` (its normalised name) dated in the period, the
    newest revision of each number, with their archived PDF (``pdf`` is the archive
    object; no PDF: ``sha256`` None)."""
    import sqlalchemy as sa

    from .ledger.receivables import _latest
    from .ledger.schema import documents, files
    from .ledger.store import client_key

    d = documents.alias("d")
    query = sa.select(d).where(d.c.client_key == client_key(client), d.c.status == "issued",
                               _latest(d))
    if date_from is not None:
        query = query.where(d.c.issue_date >= date_from)
    if date_to is not None:
        query = query.where(d.c.issue_date <= date_to)
    items = []
    with ledger.reading() as conn:
        rows = conn.execute(query.order_by(d.c.issue_date, d.c.id)).mappings().all()
        for i, row in enumerate(rows):
            pdf = conn.execute(sa.select(files).where(files.c.document_id == row["id"],
                                                      files.c.format == "pdf")).mappings().first()
            record = _archived_record(ledger, row["record_sha256"])
            items.append(PackItem(
                pdf=ledger.archive.path(pdf["sha256"]) if pdf else ledger.archive.root,
                sha256=pdf["sha256"] if pdf else None, kind=row["kind"],
                client=row["client"], date=row["issue_date"],
                number=_shown_number(row["number"], row["revision"]),
                title=_text(next((_get(record, p) for p in TITLE_FIELDS if _get(record, p)),
                                 None)),
                job_number=row["job_number"],
                where=SourceLocation(file=_shown_number(row["number"], row["revision"])),
                order=i))
    return items


def _shown_number(number: str, revision: int) -> str:
    from .ledger.numbering import shown
    return str(shown(number, revision))


def _archived_record(ledger: "Ledger", digest: str) -> Mapping[str, Any]:
    try:
        value = json.loads(ledger.archive.get(digest))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# --- choosing ------------------------------------------------------------------------------

def choose(items: Sequence[PackItem], client: Optional[str], date_from: Optional[dt.date],
           date_to: Optional[dt.date]) -> tuple[str, list[PackItem]]:
    """The client's documents dated in the period, oldest first (ties in source order),
    and the client's display name. Without ``client`` the sources must hold exactly
    one client; a document without a date is outside any period given."""
    from .ledger.store import client_key

    if date_from and date_to and date_from > date_to:
        raise UsageError(N_("--from {start} is after --to {end}"), code="pack_period",
                         params={"start": date_from.isoformat(), "end": date_to.isoformat()})
    names: dict[str, str] = {}
    for item in items:
        if item.key is not None and item.client is not None:
            names.setdefault(item.key, item.client)
    if client is None:
        if len(names) != 1:
            raise UsageError(N_("the documents belong to {count} clients ({clients}): choose "
                                "one with --client; a pack never mixes clients"),
                             code="pack_clients", params={"count": len(names),
                                                          "clients": ", ".join(names.values())})
        key = next(iter(names))
    else:
        key = client_key(client) or ""
    chosen = [i for i in items if i.key == key
              and (date_from is None or (i.date is not None and i.date >= date_from))
              and (date_to is None or (i.date is not None and i.date <= date_to))]
    if not chosen:
        similar = ([] if key in names else
                   difflib.get_close_matches(key, list(names), n=1, cutoff=0.6))
        hint = names[similar[0]] if similar else ""
        raise InputError(
            N_("no document of {client} in this period") if not hint else
            N_("no document of {client} in this period (did you mean {suggestion}?)"),
            code="pack_empty", params={"client": client or names.get(key, key),
                                       "suggestion": hint})
    chosen.sort(key=lambda i: (i.date or dt.date.min, i.order))
    return names.get(key) or client or key, chosen


# --- checking and merging --------------------------------------------------------------------

def _read_checked(item: PackItem) -> tuple[Optional[bytes], Optional[Problem]]:
    """The PDF's bytes, or the problem that keeps it out (every check before merging)."""
    loc = SourceLocation(file=str(item.pdf))
    if item.sha256 is None:
        return None, Problem("", "pack_no_pdf",
                             N_("record {record} has no PDF (run the batch with -f pdf)")
                             if item.record is not None else
                             N_("{number} was issued without a PDF"),
                             location=item.where, record=item.record,
                             params={"record": (item.record or 0) + 1,
                                     "number": item.number or ""})
    try:
        data = item.pdf.read_bytes()
    except FileNotFoundError:
        return None, Problem("", "pack_missing", N_("this PDF is named in {source} but is not "
                                                    "there"), location=loc, record=item.record,
                             params={"source": str(item.where)})
    except OSError as exc:
        return None, Problem("", "pack_unreadable", N_("cannot read the file: {detail}"),
                             location=loc, params={"detail": exc.strerror or str(exc)})
    if hashlib.sha256(data).hexdigest() != item.sha256:
        return None, Problem("", "pack_changed",
                             N_("this file changed after docgen wrote it (its sha256 is not "
                                "the one {source} recorded): not packed"),
                             location=loc, record=item.record, params={"source": str(item.where)})
    if not data.lstrip()[:5] == b"%PDF-":
        return None, Problem("", "pack_not_pdf", N_("not a PDF file"), location=loc,
                             record=item.record)
    return data, None


def merge(parts: Sequence[tuple[bytes, str, str]], title: str) -> tuple[bytes, int]:
    """One PDF from ``(pdf bytes, bookmark, where)`` parts, in order, a top-level
    bookmark at the first page of each; opened with the bookmarks shown. The merged
    bytes and the page count; a part pypdf cannot read is an :class:`InputError`
    located at ``where``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    writer = PdfWriter()
    pages = 0
    for data, bookmark, where in parts:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise InputError(N_("this PDF is encrypted: docgen cannot pack it"),
                                 SourceLocation(file=where), code="pack_encrypted")
            count = len(reader.pages)
            if count == 0:
                raise InputError(N_("this PDF has no pages"), SourceLocation(file=where),
                                 code="pack_not_pdf")
            writer.append(reader, outline_item=bookmark)
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(N_("not a readable PDF: {detail}"), SourceLocation(file=where),
                             code="pack_not_pdf", params={"detail": str(exc)}) from None
        pages += count
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": title, "/Producer": "docgen"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), pages


def pack(items: Sequence[PackItem], out: Union[str, Path], *, client: Optional[str],
         date_from: Optional[dt.date] = None, date_to: Optional[dt.date] = None,
         locale: DocLocale, profile: Optional["Profile"] = None,
         force: bool = False) -> PackResult:
    """Choose the client's documents (:func:`choose`), check every PDF, merge them with
    a bookmark each and write ``out`` atomically; with any problem nothing is written
    (:class:`ValidationFailed` lists them all)."""
    from . import kinds as kinds_mod

    name, chosen = choose(items, client, date_from, date_to)
    target = Path(out)
    problems, parts = [], []
    for item in chosen:
        data, problem = _read_checked(item)
        if problem is not None:
            problems.append(problem)
            continue
        assert data is not None
        kind = kinds_mod.get(item.kind, profile)
        label = kind.label(locale.primary) if kind is not None else item.kind
        parts.append((data, bookmark_title(item, label, locale), str(item.pdf)))
    if problems:
        raise ValidationFailed(problems)
    if target.exists() and not force:
        write_atomic(target, b"", False)  # the one "exists, use --force" error
    period = " ~ ".join(d.isoformat() for d in (chosen[0].date, chosen[-1].date) if d)
    data, pages = merge(parts, f"{name} {period}".strip())
    write_atomic(target, data, force)
    return PackResult(target, name, chosen, pages)
