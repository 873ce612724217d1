"""What was sent: the ledger's ``mail_sent`` table, or a sent-log file without a ledger.

Every report e-mail has a key — kind, client, period (``weekly:acmekorea:2026-11-16``)
— and a state: ``sending`` (recorded, durably, *before* the SMTP transaction),
``sent`` (after the server accepted it, with its Message-ID), ``failed`` (it surely
reached no one). A rerun sends what is neither sent nor sending; a ``sending`` entry
is a run that stopped between the server's reply and the record (or lost the
connection mid-message): it is reported, and resent only when asked
(``--retry-unconfirmed``).

With a ledger two more states exist, and each row names the issued document its
message carries (``document_id``, ``document_number``): ``issued`` (numbered and
archived, its message not sent yet — a send that failed after the issue, or a run
that stopped between them; the next run sends that document) and ``drafted`` (its
``.eml`` written for the AE to send by hand: handed over, like ``sent``).

The sent-log (``sent-log.jsonl`` in the output folder) is JSON lines, one event per
line, appended with a single ``write`` and ``fsync``; a run holds an exclusive lock
(``sent-log.jsonl.lock``) from reading it to its last event, so two runs started by
cron at once send each message once. The ledger gets the same guarantee from a unique
key and conditional updates, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator, Optional, Protocol

from ..errors import OutputError, SourceLocation
from ..messages import N_

if TYPE_CHECKING:
    from ..ledger.store import Ledger

SENT_LOG = "sent-log.jsonl"
SENDING, SENT, FAILED = "sending", "sent", "failed"
# With a ledger: the report issued, its message not sent yet (a later run sends it);
# drafted: its .eml written for the AE to send by hand (handed over, as if sent).
ISSUED, DRAFTED = "issued", "drafted"


@dataclass
class SentEntry:
    """One report e-mail's latest state."""

    key: str
    state: str
    kind: str
    client: str
    period: str
    record_sha256: str
    recipients: list[str] = field(default_factory=list)
    message_id: Optional[str] = None
    at: str = ""  # ISO time (UTC) of this state
    detail: Optional[str] = None
    document_number: Optional[str] = None  # with a ledger: the issued report it carries
    document_id: Optional[int] = None


class SentStore(Protocol):
    """Where sends are recorded (:class:`SentLog` or :class:`LedgerSent`)."""

    def states(self) -> dict[str, SentEntry]: ...

    def begin(self, entry: SentEntry, *, retry_unconfirmed: bool = False) -> bool: ...

    def finish(self, entry: SentEntry, state: str, *, detail: Optional[str] = None) -> None: ...

    def close(self) -> None: ...


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _may_start(found: Optional[SentEntry], retry_unconfirmed: bool) -> bool:
    if found is None or found.state in (FAILED, ISSUED):
        return True
    return found.state == SENDING and retry_unconfirmed


class SentLog:
    """The sent-log file, locked for as long as it is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: Optional[IO[bytes]] = None
        self._fd: Optional[int] = None
        self._states: dict[str, SentEntry] = {}

    @classmethod
    def open(cls, folder: Path) -> "SentLog":
        log = cls(folder / SENT_LOG)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log._lock = open(str(log.path) + ".lock", "a+b")
            _lock(log._lock)
            log._fd = os.open(log.path, os.O_RDWR | os.O_CREAT | os.O_APPEND
                              | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            log.close()
            raise OutputError(N_("cannot open the sent-log: {detail}"),
                              SourceLocation(file=str(log.path)), code="sent_log",
                              params={"detail": exc.strerror or str(exc)}) from None
        log._states = log._read()
        return log

    def _read(self) -> dict[str, SentEntry]:
        states: dict[str, SentEntry] = {}
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                    entry = SentEntry(**{k: event[k] for k in SentEntry.__dataclass_fields__
                                         if k in event})
                except (ValueError, TypeError, KeyError):
                    if not line.endswith(b"\n"):  # a run killed mid-write: ignore the tail
                        continue
                    raise OutputError(N_("the sent-log has a line that is not a record; "
                                         "fix or remove it"),
                                      SourceLocation(file=str(self.path), line=number),
                                      code="sent_log") from None
                states[entry.key] = entry
        return states

    def states(self) -> dict[str, SentEntry]:
        return dict(self._states)

    def _append(self, entry: SentEntry) -> None:
        assert self._fd is not None
        line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n"
        try:
            size = os.fstat(self._fd).st_size
            if size:  # a torn last line (a killed run) must not swallow this one
                os.lseek(self._fd, size - 1, os.SEEK_SET)
                if os.read(self._fd, 1) != b"\n":
                    line = "\n" + line
            os.write(self._fd, line.encode("utf-8"))
            os.fsync(self._fd)
        except OSError as exc:
            raise OutputError(N_("cannot write the sent-log: {detail}"),
                              SourceLocation(file=str(self.path)), code="sent_log",
                              params={"detail": exc.strerror or str(exc)}) from None
        self._states[entry.key] = entry

    def begin(self, entry: SentEntry, *, retry_unconfirmed: bool = False) -> bool:
        if not _may_start(self._states.get(entry.key), retry_unconfirmed):
            return False
        self._append(SentEntry(**{**asdict(entry), "state": SENDING, "at": _now(),
                                  "detail": None}))
        return True

    def finish(self, entry: SentEntry, state: str, *, detail: Optional[str] = None) -> None:
        self._append(SentEntry(**{**asdict(entry), "state": state, "at": _now(),
                                  "detail": detail}))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock is not None:
            _unlock(self._lock)
            self._lock.close()
            self._lock = None


def _lock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt
        fh.seek(0)
        while True:
            try:
                msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s: a long run holds it
                continue
    import fcntl
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


def _unlock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl
    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class LedgerSent:
    """The ledger's ``mail_sent`` table."""

    def __init__(self, ledger: "Ledger") -> None:
        self.ledger = ledger

    def states(self) -> dict[str, SentEntry]:
        import sqlalchemy as sa

        from ..ledger.schema import mail_sent
        with self.ledger.reading() as conn:
            rows = conn.execute(sa.select(mail_sent)).mappings().all()
        return {r["key"]: _entry(r) for r in rows}

    def begin(self, entry: SentEntry, *, retry_unconfirmed: bool = False) -> bool:
        import sqlalchemy as sa
        from sqlalchemy.exc import IntegrityError

        from ..ledger.schema import mail_sent
        from ..ledger.store import client_key
        values: dict[str, Any] = dict(key=entry.key, kind=entry.kind, client=entry.client,
                                      client_key=client_key(entry.client),
                                      period=entry.period,
                                      record_sha256=entry.record_sha256,
                                      message_id=entry.message_id,
                                      recipients=json.dumps(entry.recipients,
                                                            ensure_ascii=False),
                                      state=SENDING, detail=None,
                                      started_at=self.ledger.now(), finished_at=None,
                                      sent_by=self.ledger.user())
        if entry.document_number is not None:
            values.update(document_number=entry.document_number,
                          document_id=entry.document_id)
        try:
            with self.ledger.connection() as conn:
                conn.execute(sa.insert(mail_sent).values(**values))
            return True
        except IntegrityError:
            pass
        allowed = [FAILED, ISSUED] + ([SENDING] if retry_unconfirmed else [])
        update = {k: v for k, v in values.items() if k != "key"}
        with self.ledger.connection() as conn:
            done = conn.execute(sa.update(mail_sent).where(
                mail_sent.c.key == entry.key, mail_sent.c.state.in_(allowed)).values(**update))
            return bool(done.rowcount == 1)

    def finish(self, entry: SentEntry, state: str, *, detail: Optional[str] = None) -> None:
        import sqlalchemy as sa

        from ..ledger.schema import mail_sent
        values: dict[str, Any] = dict(state=state, detail=detail, message_id=entry.message_id,
                                      finished_at=self.ledger.now())
        if entry.document_number is not None:
            values.update(document_number=entry.document_number,
                          document_id=entry.document_id)
        with self.ledger.connection() as conn:
            conn.execute(sa.update(mail_sent).where(mail_sent.c.key == entry.key)
                         .values(**values))

    def hand(self, conn: Any, entry: SentEntry, *, reset: bool) -> None:
        """Record in ``conn`` (the issue's transaction) that ``entry``'s report is the
        issued document it names: a new row ``issued``; an existing one gets the
        document, and with ``reset`` the state ``issued`` and the record's hash (a
        report not handed over yet, or a changed one resent with --resend-changed)."""
        import sqlalchemy as sa
        from sqlalchemy.exc import IntegrityError

        from ..ledger.schema import mail_sent
        from ..ledger.store import client_key
        doc = dict(document_id=entry.document_id, document_number=entry.document_number)
        found = conn.execute(sa.select(mail_sent.c.id).where(
            mail_sent.c.key == entry.key)).first()
        if found is None:
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(mail_sent).values(
                        key=entry.key, kind=entry.kind, client=entry.client,
                        client_key=client_key(entry.client), period=entry.period,
                        record_sha256=entry.record_sha256, message_id=entry.message_id,
                        recipients=json.dumps(entry.recipients, ensure_ascii=False),
                        state=ISSUED, detail=None, started_at=self.ledger.now(),
                        finished_at=None, sent_by=self.ledger.user(), **doc))
                return
            except IntegrityError:  # another run recorded it meanwhile
                pass
        values: dict[str, Any] = dict(doc)
        if reset:
            values.update(state=ISSUED, record_sha256=entry.record_sha256, detail=None,
                          finished_at=None)
        conn.execute(sa.update(mail_sent).where(mail_sent.c.key == entry.key).values(**values))

    def close(self) -> None:
        self.ledger.close()


def _entry(row: Any) -> SentEntry:
    at = row["finished_at"] or row["started_at"]
    return SentEntry(key=row["key"], state=row["state"], kind=row["kind"],
                     client=row["client"] or "", period=row["period"],
                     record_sha256=row["record_sha256"],
                     recipients=list(json.loads(row["recipients"] or "[]")),
                     message_id=row["message_id"], at=at.isoformat() if at else "",
                     detail=row["detail"], document_number=row.get("document_number"),
                     document_id=row.get("document_id"))


def iter_unconfirmed(states: dict[str, SentEntry]) -> Iterator[SentEntry]:
    return (e for e in states.values() if e.state == SENDING)
