"""The ledger: what was issued, by whom, from which record, with which files.

One code path for SQLite (the default: a file next to docgen.toml) and PostgreSQL (a
team's server), through SQLAlchemy Core. Every write is one transaction; on SQLite a
write transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, others wait
up to the busy timeout) in WAL mode, so concurrent ``docgen`` runs on one file are
safe; on PostgreSQL the series row is locked by the ``UPDATE`` that raises it.

Numbers are gapless per series (kind, company, year): the counter is raised in the same
transaction that inserts the document row, so a failed issue gives its number back, and
a unique constraint stands behind the counter.
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import (Any, Callable, Iterator, Mapping, Optional, Sequence, Union)

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ..errors import Problem, ValidationFailed
from ..messages import N_
from . import numbering
from .archive import Archive, group_sync, sha256
from .errors import LedgerInputError, LedgerStorageError
from .schema import documents, files, payments, series

Outputs = Mapping[str, bytes]
# checks(conn, kind, record) -> problems: cross-document checks at issue (jobs.py)
Checks = Callable[[Connection, str, Mapping[str, Any]], Sequence[Problem]]
# deliver(row, outputs) -> the paths written (removed again if the commit fails)
Deliver = Callable[[RowMapping, Outputs], Sequence[Path]]

BUSY_TIMEOUT_S = 60.0
# SQLite over these file systems loses locks (and so data): never a ledger there.
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "ncpfs",
              "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "9p", "glusterfs",
              "fuse.glusterfs", "ceph", "fuse.rclone", "lustre", "gpfs")
# Where a record keeps the fields the ledger row copies (first present wins).
DATE_FIELDS = ("issue_date", "issued_date", "delivered_date", "date", "week_start")
AE_FIELDS = ("ae", "requested_by", "author", "recorder", "chair")


def client_key(client: Any) -> Optional[str]:
    """The client's name normalised for comparing (width, case and spaces ignored):
    the same key for ``"Acme Korea"`` in a brief and ``{name: "ACME  korea"}`` in an
    invoice."""
    name = client_name(client)
    if not name:
        return None
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def client_name(client: Any) -> Optional[str]:
    if isinstance(client, Mapping):
        client = client.get("name") or client.get("legal_name")
        if isinstance(client, Mapping):  # a per-locale name
            client = next((v for v in client.values() if v), None)
    return str(client) if client else None


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The record as archived: sorted keys, UTF-8, dates as ISO text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_json_value).encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


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


def current_user() -> Optional[str]:
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return None


def _issue_date(data: Mapping[str, Any], facts: Mapping[str, Any],
                now: Callable[[], dt.datetime]) -> dt.date:
    """The document's own date (the first of :data:`DATE_FIELDS` it has), else today:
    the year of its number's series."""
    return _date(next((facts.get(f) or data.get(f) for f in DATE_FIELDS
                       if facts.get(f) or data.get(f)), None)) or now().date()


def _given_number(data: Mapping[str, Any], number_field: Optional[str]) -> str:
    """The number a record already carries (a re-issue), or ``""``."""
    return str(data.get(number_field) or "").strip() if number_field else ""


@dataclass(frozen=True)
class _Numbering:
    """Where a document's number comes from: its series position, or the revision of
    the number it corrects."""

    number: str
    revision: int
    supersedes: Optional[int]
    seq: Optional[int]
    year: Optional[int]
    company: Optional[str]


@dataclass
class VerifyProblem:
    """One archived object that is not as the ledger recorded it."""

    number: str
    name: str  # file name, or "record"
    sha256: str
    state: str  # "missing" | "changed"


@dataclass
class Ledger:
    """An open ledger; :func:`open_ledger` makes one."""

    engine: Engine
    archive: Archive
    series_formats: Mapping[str, str] = field(default_factory=dict)
    company: str = ""
    now: Callable[[], dt.datetime] = field(
        default=lambda: dt.datetime.now(dt.timezone.utc))
    user: Callable[[], Optional[str]] = current_user

    # --- transactions -----------------------------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A write transaction (committed at the end, rolled back on an exception)."""
        with self._storage():
            with self.engine.connect().execution_options(docgen_write=True) as conn:
                with conn.begin():
                    yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (never takes SQLite's write lock)."""
        with self._storage():
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn

    @contextmanager
    def _storage(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise LedgerStorageError("the ledger database failed: {detail}", code="ledger_db",
                                     params={"detail": _detail(exc)}) from None

    def close(self) -> None:
        self.engine.dispose()

    # --- reading ---------------------------------------------------------------------

    def documents(self, kind: Optional[str] = None, job_number: Optional[str] = None,
                  client_key: Optional[str] = None, status: Optional[str] = None,
                  *, conn: Optional[Connection] = None) -> list[RowMapping]:
        """Document rows (every revision), oldest first, filtered by what is given."""
        query = sa.select(documents).order_by(documents.c.id)
        for column, value in (("kind", kind), ("job_number", job_number),
                              ("client_key", client_key), ("status", status)):
            if value is not None:
                query = query.where(documents.c[column] == value)
        if conn is not None:
            return list(conn.execute(query).mappings().all())
        with self.reading() as c:
            return list(c.execute(query).mappings().all())

    def document(self, number: str, *, kind: Optional[str] = None,
                 conn: Optional[Connection] = None) -> Optional[RowMapping]:
        """The latest revision of ``number`` (``INV-2026-0007``), or the revision a
        suffix names (``INV-2026-0007-R1``); ``None`` when the ledger has neither."""
        base, revision = numbering.split(number)
        query = sa.select(documents).where(documents.c.number == base)
        if kind is not None:
            query = query.where(documents.c.kind == kind)
        if revision is not None:
            query = query.where(documents.c.revision == revision)
        query = query.order_by(documents.c.revision.desc(), documents.c.id.desc()).limit(1)
        if conn is not None:
            return conn.execute(query).mappings().first()
        with self.reading() as c:
            return c.execute(query).mappings().first()

    def files_of(self, document_id: int, *, conn: Optional[Connection] = None
                 ) -> list[RowMapping]:
        query = sa.select(files).where(files.c.document_id == document_id).order_by(
            files.c.format)
        if conn is not None:
            return list(conn.execute(query).mappings().all())
        with self.reading() as c:
            return list(c.execute(query).mappings().all())

    # --- numbering -------------------------------------------------------------------

    def series_format(self, kind: str) -> str:
        return self.series_formats.get(kind) or numbering.default_format(kind)

    def next_number(self, conn: Connection, kind: str, year: int) -> tuple[str, int]:
        """Take the next number of (kind, company, year) in ``conn``'s transaction."""
        key = {"kind": kind, "company": self.company, "year": year}
        dialect = conn.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            conn.execute(pg_insert(series).values(**key, last_seq=0).on_conflict_do_nothing())
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert
            conn.execute(sqlite_insert(series).values(**key, last_seq=0)
                         .on_conflict_do_nothing())
        seq = conn.execute(
            sa.update(series)
            .where(series.c.kind == kind, series.c.company == self.company,
                   series.c.year == year)
            .values(last_seq=series.c.last_seq + 1)
            .returning(series.c.last_seq)).scalar_one()
        return numbering.format_number(self.series_format(kind), year, int(seq)), int(seq)

    # --- issuing ---------------------------------------------------------------------

    def issue(self, kind: str, record: Mapping[str, Any],
              outputs: Union[Outputs, Callable[[str, Mapping[str, Any]], Outputs]], *,
              locale: Optional[str] = None, template_sha256: Optional[str] = None,
              checks: Optional[Checks] = None, number_field: Optional[str] = None,
              names: Optional[Mapping[str, str]] = None, facts: Optional[Mapping[str, Any]] = None,
              deliver: Optional[Deliver] = None) -> RowMapping:
        """Issue one document of ``kind`` and return its ledger row.

        A record without a number (its ``number_field`` empty) takes the next number
        of its series; a record carrying a number the ledger issued becomes that
        number's next revision (``-R1``…, linked to the one it corrects). ``outputs``
        are the rendered files by format, or a function ``(number, record) -> files``
        called with the number once taken (so the document can show it). In one
        transaction: number, ``checks`` (errors abort), archive objects, rows,
        ``deliver`` (writing the output files); a failure anywhere rolls it all back
        and removes the files ``deliver`` wrote."""
        data = dict(record)
        facts = facts or {}
        issue_date = _issue_date(data, facts, self.now)
        written: Sequence[Path] = ()
        try:
            with self.connection() as conn:
                given = _given_number(data, number_field)
                if given:
                    n = self._revision_of(conn, kind, given, number_field or "")
                else:
                    number, seq = self.next_number(conn, kind, issue_date.year)
                    n = _Numbering(number, 0, None, seq, issue_date.year, self.company)
                shown = numbering.shown(n.number, n.revision)
                if number_field:
                    data[number_field] = shown
                if checks is not None:
                    problems = [p for p in checks(conn, kind, data)]
                    if any(p.is_error for p in problems):
                        raise ValidationFailed(problems)
                rendered = outputs(shown, data) if callable(outputs) else outputs
                row = self._record(conn, kind, data, rendered, number=n.number,
                                   revision=n.revision, supersedes=n.supersedes, seq=n.seq,
                                   year=n.year, company=n.company, locale=locale,
                                   template_sha256=template_sha256, names=names or {},
                                   facts=facts, issue_date=issue_date, source="issue")
                if deliver is not None:
                    written = deliver(row, rendered)
        except BaseException:
            _remove(written)
            raise
        return row

    @contextmanager
    def chunk(self, *, durable: Optional[bool] = None) -> Iterator["IssueChunk"]:
        """Issue many documents in one transaction (a batch's group commit): see
        :class:`IssueChunk`. Committed when the block ends (after
        :meth:`IssueChunk.finish`), rolled back — every number given back — when it
        raises. ``durable`` puts each archive object with its own fsync; by default
        only where no group sync exists (the caller then flushes with
        :func:`~docgen.ledger.archive.sync_folders` before the block ends)."""
        with self.connection() as conn:
            batch = IssueChunk(self, conn, not group_sync() if durable is None else durable)
            yield batch
            batch.finish()

    def _revision_of(self, conn: Connection, kind: str, given: str,
                     number_field: str) -> _Numbering:
        """The next revision of the issued number ``given`` (refused if never issued)."""
        previous = self._to_revise(conn, kind, given, number_field)
        return _Numbering(previous["number"], previous["revision"] + 1, previous["id"],
                          previous["seq"], previous["series_year"], previous["series_company"])

    def _to_revise(self, conn: Connection, kind: str, given: str,
                   number_field: str) -> RowMapping:
        base, _ = numbering.split(given)
        latest = self.document(base, kind=kind, conn=conn)
        if latest is None:
            raise LedgerInputError(
                "{field} is {number}, a number this ledger never issued: leave it empty to "
                "have the next number assigned, or record the earlier document first "
                "(docgen ledger import)", code="ledger_unknown_number",
                params={"field": number_field, "number": given})
        if latest["status"] == "void":
            raise LedgerInputError(
                "{number} was voided ({reason}); it cannot be issued again: leave {field} "
                "empty to have a new number assigned", code="ledger_void_number",
                params={"number": given, "reason": latest["void_reason"] or "",
                        "field": number_field})
        return latest

    def _record(self, conn: Connection, kind: str, data: Mapping[str, Any],
                outputs: Outputs, *, number: str, revision: int, supersedes: Optional[int],
                seq: Optional[int], year: Optional[int], company: Optional[str],
                locale: Optional[str], template_sha256: Optional[str],
                names: Mapping[str, str], facts: Mapping[str, Any], issue_date: dt.date,
                source: str, issued_at: Optional[dt.datetime] = None,
                issued_by: Optional[str] = None) -> RowMapping:
        """Archive the record and the files, then insert their rows (in ``conn``)."""
        record_sha = self._put(canonical_json(data))
        digests = {fmt: self._put(blob) for fmt, blob in outputs.items()}
        values = self._values(kind, data, number=number, revision=revision,
                              supersedes=supersedes, seq=seq, year=year, company=company,
                              locale=locale, template_sha256=template_sha256, facts=facts,
                              issue_date=issue_date, source=source, record_sha=record_sha,
                              issued_at=issued_at, issued_by=issued_by)
        try:
            doc_id = conn.execute(documents.insert().values(**values)
                                  .returning(documents.c.id)).scalar_one()
            for fmt, blob in outputs.items():
                conn.execute(files.insert().values(
                    document_id=doc_id, format=fmt, name=names.get(fmt) or f"{number}.{fmt}",
                    sha256=digests[fmt], size=len(blob)))
        except IntegrityError:
            raise _conflict(number, revision) from None
        row = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).mappings().one()
        return row

    def _values(self, kind: str, data: Mapping[str, Any], *, number: str, revision: int,
                supersedes: Optional[int], seq: Optional[int], year: Optional[int],
                company: Optional[str], locale: Optional[str],
                template_sha256: Optional[str], facts: Mapping[str, Any],
                issue_date: dt.date, source: str, record_sha: str,
                issued_at: Optional[dt.datetime] = None,
                issued_by: Optional[str] = None) -> dict[str, Any]:
        """The documents row of ``data`` issued as ``number``."""
        from .. import __version__
        client = data.get("client")
        values = {
            "kind": kind, "number": number, "revision": revision, "supersedes": supersedes,
            "status": "issued", "job_number": _text(data.get("job_number")),
            "client": client_name(client), "client_key": client_key(client),
            "ae": next((_text(data[f]) for f in AE_FIELDS if data.get(f)), None),
            "locale": locale, "currency": _text(facts.get("currency") or data.get("currency")),
            "total": facts.get("total") if kind == "invoice" else None,
            "issue_date": issue_date,
            "due_date": _date(facts.get("due_date")) if kind == "invoice" else None,
            "series_company": company, "series_year": year, "seq": seq,
            "record_sha256": record_sha, "template_sha256": template_sha256,
            "docgen_version": __version__, "issued_at": issued_at or self.now(),
            "issued_by": issued_by if issued_by is not None else self.user(),
            "source": source,
        }
        return values

    def _put(self, data: bytes, *, durable: bool = True) -> str:
        return put_object(self.archive, data, durable=durable)

    # --- void --------------------------------------------------------------------------

    def void(self, number: str, reason: str) -> RowMapping:
        """Mark ``number`` (its latest revision) void, keeping the number and why."""
        reason = reason.strip()
        if not reason:
            raise LedgerInputError("say why the document is voided (--reason)",
                                   code="ledger_void_reason")
        with self.connection() as conn:
            row = self.document(number, conn=conn)
            if row is None:
                raise LedgerInputError("{number} is not in the ledger", code="ledger_unknown",
                                       params={"number": number})
            if row["status"] == "void":
                raise LedgerInputError("{number} is already void ({reason})",
                                       code="ledger_void_twice",
                                       params={"number": number,
                                               "reason": row["void_reason"] or ""})
            ids = [r.id for r in conn.execute(
                sa.select(documents.c.id).where(documents.c.kind == row["kind"],
                                                documents.c.number == row["number"])).all()]
            paid = conn.execute(sa.select(sa.func.count()).select_from(payments)
                                .where(payments.c.document_id.in_(ids))).scalar_one()
            if paid:
                raise LedgerInputError("{number} has payments recorded; a paid invoice "
                                       "cannot be voided", code="ledger_void_paid",
                                       params={"number": number})
            conn.execute(documents.update().where(documents.c.id == row["id"]).values(
                status="void", void_reason=reason, voided_at=self.now(),
                voided_by=self.user()))
            return conn.execute(sa.select(documents).where(
                documents.c.id == row["id"])).mappings().one()

    # --- archive -----------------------------------------------------------------------

    def verify(self) -> list[VerifyProblem]:
        """Re-hash every archived record and file the ledger refers to."""
        out: list[VerifyProblem] = []
        with self.reading() as conn:
            docs = conn.execute(sa.select(documents.c.id, documents.c.number,
                                          documents.c.revision, documents.c.record_sha256)
                                .order_by(documents.c.id)).all()
            by_doc: dict[int, list[Any]] = {}
            for f in conn.execute(sa.select(files).order_by(files.c.document_id,
                                                            files.c.format)).mappings():
                by_doc.setdefault(f["document_id"], []).append(f)
        for doc in docs:
            shown = numbering.shown(doc.number, doc.revision)
            state = self.archive.check(doc.record_sha256)
            if state:
                out.append(VerifyProblem(shown, "record", doc.record_sha256, state))
            for f in by_doc.get(doc.id, []):
                state = self.archive.check(f["sha256"])
                if state:
                    out.append(VerifyProblem(shown, f["name"], f["sha256"], state))
        return out


@dataclass
class Planned:
    """One document of an :class:`IssueChunk`: numbered, checked, its record archived;
    its files are added once rendered (:meth:`IssueChunk.add_files`)."""

    kind: str
    data: dict[str, Any]  # the record with its number in its number field
    number: str  # the base number (no revision suffix)
    revision: int
    shown: str  # the number as the document shows it (…-R1 for a revision)
    values: dict[str, Any]  # its documents row
    files: list[dict[str, Any]] = field(default_factory=list)
    id: Optional[int] = None


class IssueChunk:
    """Documents issued together in one transaction (:meth:`Ledger.chunk`).

    :meth:`plan` numbers each record in the caller's order — a series' counter is read
    and locked once per chunk (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writer
    lock is held from ``BEGIN IMMEDIATE``) and raised once, in :meth:`finish` — runs the
    checks, archives the record and queues its row; :meth:`add_files` archives the
    rendered files; :meth:`finish` inserts the queued rows (``executemany``) and the
    counters. Rows are inserted early only when a check or a revision has to see
    them, so checks of a chunk's later records see its earlier ones, as they would see
    documents issued one by one."""

    def __init__(self, ledger: Ledger, conn: Connection, durable: bool) -> None:
        self.ledger, self.conn, self.durable = ledger, conn, durable
        self.planned: list[Planned] = []
        self._pending: list[Planned] = []
        self._series: dict[tuple[str, int], list[int]] = {}  # (kind, year) -> [read, next]
        self._finished = False

    def plan(self, kind: str, record: Mapping[str, Any], *,
             number_field: Optional[str] = None, checks: Optional[Checks] = None,
             facts: Optional[Mapping[str, Any]] = None, locale: Optional[str] = None,
             template_sha256: Optional[str] = None) -> Planned:
        """Number ``record`` (the next of its series, or the next revision of the number
        it carries) and check it, as :meth:`Ledger.issue` does; a check's error raises
        :class:`ValidationFailed` and takes no number (the chunk may go on)."""
        ledger, conn = self.ledger, self.conn
        data = dict(record)
        facts = facts or {}
        issue_date = _issue_date(data, facts, ledger.now)
        given = _given_number(data, number_field)
        if given:
            self._flush()  # a revision of a document earlier in this chunk
            n = ledger._revision_of(conn, kind, given, number_field or "")
        else:
            seq = self._next_seq(kind, issue_date.year)
            n = _Numbering(numbering.format_number(ledger.series_format(kind), issue_date.year,
                                                   seq),
                           0, None, seq, issue_date.year, ledger.company)
        shown = numbering.shown(n.number, n.revision)
        if number_field:
            data[number_field] = shown
        if checks is not None:
            self._flush()  # the checks see this chunk's earlier documents
            problems = list(checks(conn, kind, data))
            if any(p.is_error for p in problems):
                raise ValidationFailed(problems)
        if not given:
            self._series[(kind, issue_date.year)][1] += 1  # taken
        record_sha = ledger._put(canonical_json(data), durable=self.durable)
        values = ledger._values(kind, data, number=n.number, revision=n.revision,
                                supersedes=n.supersedes, seq=n.seq, year=n.year,
                                company=n.company, locale=locale,
                                template_sha256=template_sha256, facts=facts,
                                issue_date=issue_date, source="issue", record_sha=record_sha)
        planned = Planned(kind, data, n.number, n.revision, shown, values)
        self.planned.append(planned)
        self._pending.append(planned)
        return planned

    def add_files(self, planned: Planned, files_by_format: Mapping[str, tuple[str, str, int]],
                  ) -> None:
        """Record ``planned``'s files: format -> (name, sha256, size), each already in
        the archive (:meth:`put`)."""
        planned.files.extend({"format": fmt, "name": name, "sha256": digest, "size": size}
                             for fmt, (name, digest, size) in files_by_format.items())

    def put(self, data: bytes) -> str:
        """Archive one rendered file (flushed as the chunk says) and return its sha256."""
        return self.ledger._put(data, durable=self.durable)

    def finish(self) -> None:
        """Insert what is queued and raise the series' counters (the block's end
        commits)."""
        if self._finished:
            return
        self._flush()
        rows = [{**f, "document_id": p.id} for p in self.planned for f in p.files]
        try:
            if rows:
                self.conn.execute(files.insert(), rows)
        except IntegrityError:
            first = self.planned[0]
            raise _conflict(first.number, first.revision) from None
        for (kind, year), (read, taken) in self._series.items():
            if taken != read:
                self.conn.execute(
                    sa.update(series)
                    .where(series.c.kind == kind, series.c.company == self.ledger.company,
                           series.c.year == year)
                    .values(last_seq=taken))
        self._finished = True

    def _next_seq(self, kind: str, year: int) -> int:
        """The seq the next new document of (kind, year) takes (not yet counted)."""
        key = (kind, year)
        if key not in self._series:
            conn, company = self.conn, self.ledger.company
            values = {"kind": kind, "company": company, "year": year, "last_seq": 0}
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert
                conn.execute(pg_insert(series).values(**values).on_conflict_do_nothing())
            else:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert
                conn.execute(sqlite_insert(series).values(**values).on_conflict_do_nothing())
            last = int(conn.execute(
                sa.select(series.c.last_seq)
                .where(series.c.kind == kind, series.c.company == company,
                       series.c.year == year)
                .with_for_update()).scalar_one())
            self._series[key] = [last, last]
        return self._series[key][1] + 1

    def _flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            ids = self.conn.execute(
                documents.insert().returning(documents.c.id, sort_by_parameter_order=True),
                [p.values for p in pending]).scalars().all()
        except IntegrityError:
            raise _conflict(pending[0].number, pending[0].revision) from None
        for p, doc_id in zip(pending, ids):
            p.id = int(doc_id)


def put_object(archive: Archive, data: bytes, *, durable: bool = True) -> str:
    """:meth:`Archive.put`, its failure said as docgen's storage error (exit 4)."""
    try:
        return archive.put(data, durable=durable)
    except OSError as exc:
        raise LedgerStorageError("cannot write to the archive {path}: {detail}",
                                 code="archive_write",
                                 params={"path": str(archive.root),
                                         "detail": exc.strerror or str(exc)}) from None


def _conflict(number: str, revision: int) -> LedgerInputError:
    return LedgerInputError(
        "{number} is already in the ledger (another run issued it at the same "
        "time); nothing was recorded: try again", code="ledger_conflict",
        params={"number": numbering.shown(number, revision)})


def _text(value: Any) -> Optional[str]:
    return None if value is None or value == "" else str(value)


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _detail(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__


# --- opening ---------------------------------------------------------------------------

def engine_url(url: str) -> sa.URL:
    """``url`` as SQLAlchemy needs it: ``postgresql://`` goes through psycopg 3; the
    password, when not in the URL, comes from $DOCGEN_LEDGER_PASSWORD (else libpq's
    PGPASSWORD / .pgpass)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise LedgerStorageError("'{url}' is not a database URL (use sqlite:///FILE or "
                                 "postgresql://user@host/db)", code="ledger_url",
                                 params={"url": url}) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        password = os.environ.get("DOCGEN_LEDGER_PASSWORD")
        if parsed.password is None and password:
            parsed = parsed.set(password=password)
    elif backend != "sqlite":
        raise LedgerStorageError("the ledger runs on SQLite or PostgreSQL, not '{backend}'",
                                 code="ledger_url", params={"backend": backend})
    return parsed


def network_filesystem(path: Path, mounts: Optional[str] = None) -> Optional[str]:
    """The network file system type ``path`` lives on (``nfs4``, ``cifs``…, or
    ``"UNC"`` for a Windows share), ``None`` when it is local or unknown. ``mounts``
    is /proc/mounts' text (read when not given; Linux)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "UNC"
    if os.name == "nt":  # pragma: no cover - Windows only
        return _windows_remote(path)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    best, fstype = "", None
    target = os.path.realpath(path)
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    if fstype and (fstype in NETWORK_FS or fstype.split(".")[0] in NETWORK_FS):
        return fstype
    return None


def _windows_remote(path: Path) -> Optional[str]:  # pragma: no cover - Windows only
    import ctypes
    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if drive.startswith("\\\\"):
        return "UNC"
    kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")  # type: ignore[attr-defined]
    return "network drive" if kind == 4 else None


def open_ledger(url: str, *, archive: Union[str, Path], series: Optional[Mapping[str, str]] = None,
                company: str = "", migrate: bool = True) -> Ledger:
    """Open (creating if needed) the ledger at ``url`` with its ``archive`` folder and
    bring its tables up to date (Alembic ``upgrade head``). SQLite on a network share
    is refused (its locks do not hold there): use PostgreSQL for a shared ledger."""
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        engine = sa.create_engine(parsed, pool_pre_ping=False,
                                  connect_args={"connect_timeout": 10})
    ledger = Ledger(engine, Archive(Path(archive)), dict(series or {}), company)
    if migrate:
        try:
            from .migrate import upgrade
            upgrade(ledger)
        except OperationalError as exc:
            engine.dispose()
            raise LedgerStorageError("cannot open the ledger {url}: {detail}", code="ledger_open",
                                     params={"url": _safe(parsed), "detail": _detail(exc)}) from None
    return ledger


def _safe(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True).replace("+psycopg", "")


def _sqlite_engine(parsed: sa.URL) -> Engine:
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        share = network_filesystem(path.parent if not path.exists() else path)
        if share:
            raise LedgerStorageError(
                "the ledger {path} is on a network share ({fs}): SQLite is not safe there; "
                "use a PostgreSQL server for a shared ledger ([ledger] url = "
                "\"postgresql://…\")", code="ledger_network_share",
                params={"path": str(path), "fs": share})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerStorageError("cannot open the ledger {url}: {detail}", code="ledger_open",
                                     params={"url": str(path),
                                             "detail": exc.strerror or str(exc)}) from None
    engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        # docgen starts transactions itself (below): pysqlite's own BEGIN is deferred
        # and would let two writers read the same last_seq.
        dbapi.isolation_level = None
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("docgen_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


__all__ = ["Ledger", "IssueChunk", "Planned", "VerifyProblem", "open_ledger", "client_key",
           "client_name", "canonical_json", "network_filesystem", "engine_url", "put_object",
           "sha256"]
