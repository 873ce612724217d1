"""``docgen send weekly DATA``: one e-mail per client, as drafts or through SMTP.

The run is staged like ``docgen batch`` so that a problem stops it before anything
is written or sent:

1. read and validate DATA exactly as batch does (:func:`docgen.batch.check_data`,
   ``--group-by`` included); every record's recipients are checked too (an address
   that is not one, a line break in a value bound for a header, a client without any
   address): all problems at once, nothing written or sent (exit 1);
2. choose what to send: everything, or with ``due`` only the reports whose
   ``send_at`` (the Monday after the week, 12:00, in ``[mail] timezone``) has come;
   anything already recorded as sent is left out (:mod:`.sentlog`);
3. render each chosen report from its own context (a fresh copy of its record: one
   client's data never reaches another's message) and attach the files, PDFs in one
   LibreOffice call;
4. drafts: every ``.eml`` file written atomically, none when one exists (exit 4,
   unless ``force``); SMTP: one message at a time, each recorded ``sending`` before
   and ``sent`` after (:mod:`.smtp` says what can happen in between).

With ``[ledger]`` step 3 issues instead of rendering (:mod:`.issue`, after every
check of steps 1–2 and before anything is written or sent): each report attached is
the ledger's issued document, drafts included (:func:`_send_issued`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from email.headerregistry import Address
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence, Union

from ..errors import DocgenError, Problem, Subject, UsageError, ValidationFailed
from ..i18n.catalog import pick_label, strip_language_marks
from ..i18n.locale import DocLocale
from ..messages import N_
from ..output import output_name, refuse_any_existing, sanitize, unique_stem, write_atomic
from ..stops import as_worker
from .message import Attachment, build_message, has_break, header_text, message_bytes
from .sentlog import DRAFTED, FAILED, SENDING, SENT, SentEntry, SentLog, SentStore
from .settings import BadAddress, MailSettings, parse_address, split_addresses
from .smtp import MailError, NotSent, SmtpSender, Unconfirmed
from .texts import Texts, mail_context

if TYPE_CHECKING:
    from ..batch import Source
    from ..kinds import Kind
    from ..profile import Profile
    from ..template import Template

ATTACH_FORMATS = ("pdf", "docx", "xlsx")
# A connection-level failure: every later message would fail the same way.
_STOP_CODES = {"smtp_tls", "smtp_password", "smtp_auth", "smtp_connect", "smtp_temporary"}


def client_key(name: str) -> str:
    """The client's name normalised as the ledger does (:func:`docgen.ledger.client_key`:
    width, case and spaces ignored), without loading the ledger's libraries."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def record_sha256(data: Mapping[str, Any]) -> str:
    """The record's identity: sha256 of its canonical JSON (sorted keys, ISO dates)."""
    def value(v: Any) -> Any:
        if isinstance(v, (dt.date, dt.datetime, dt.time)):
            return v.isoformat()
        if isinstance(v, Decimal):
            return str(v)
        return str(v)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=value).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


@dataclass
class Planned:
    """One report to mail: its context and envelope, not rendered yet."""

    source: "Source"
    locale: DocLocale
    context: dict[str, Any]
    client: str
    period: str
    send_at: Optional[dt.datetime]
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    stem: str
    sha256: str
    key: str
    number: Optional[str] = None  # with a ledger: the issued document attached
    document_id: Optional[int] = None

    @property
    def label(self) -> str:
        return f"{self.client} ({self.period})"

    @property
    def recipients(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(a.addr_spec.lower(), None)
        return list(seen)


@dataclass
class Outgoing:
    """A built message: the draft's bytes or the bytes to send (the other is empty)."""

    planned: Planned
    message_id: str
    draft: bytes
    wire: bytes
    attachments: list[str]

    def entry(self) -> SentEntry:
        p = self.planned
        return SentEntry(key=p.key, state=SENDING, kind=p.key.split(":", 1)[0], client=p.client,
                         period=p.period, record_sha256=p.sha256, recipients=p.recipients,
                         message_id=self.message_id, document_number=p.number,
                         document_id=p.document_id)


@dataclass
class SendReport:
    """What a run did; the CLI prints it and exits 4 when ``failed`` or ``unconfirmed``."""

    drafts: list[Path] = field(default_factory=list)
    sent: list[Planned] = field(default_factory=list)
    already_sent: list[Planned] = field(default_factory=list)
    not_due: list[Planned] = field(default_factory=list)
    unconfirmed: list[Planned] = field(default_factory=list)  # 'sending' left by a run
    failed: list[tuple[Planned, MailError]] = field(default_factory=list)
    not_attempted: list[Planned] = field(default_factory=list)  # after a stop
    # with a ledger: reports issued by this run (a number or a revision taken), and
    # reports that changed after they were sent or drafted (not sent again)
    issued: list[Planned] = field(default_factory=list)
    changed: list[Planned] = field(default_factory=list)
    log: Optional[str] = None  # the sent-log file or the ledger URL


# --- 1. read, validate, plan -------------------------------------------------------------

def _local_now(now: Optional[dt.datetime], settings: Optional[MailSettings]) -> dt.datetime:
    """``now`` as a naive time in the profile's time zone (the machine's by default),
    comparable with ``send_at``."""
    zone: Optional[dt.tzinfo] = None
    if settings is not None and settings.timezone:
        from zoneinfo import ZoneInfo
        zone = ZoneInfo(settings.timezone)
    if now is None:
        now = dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        return now
    return (now.astimezone(zone) if zone else now.astimezone()).replace(tzinfo=None)


def _record_addresses(src: "Source", value: Any, path: tuple[str, ...],
                      problems: list[Problem]) -> list[Address]:
    if value in (None, ""):
        return []
    out = []
    for text in split_addresses(str(value)):
        try:
            out.append(parse_address(text))
        except BadAddress:
            problems.append(Problem(
                path=".".join(path), code="mail_address", record=src.record.index,
                location=src.record.source.locate(path), subject=Subject(".".join(path)),
                message=N_("'{address}' is not an e-mail address"), params={"address": text}))
    return out


def _display(src: "Source", text: Any, path: tuple[str, ...],
             problems: list[Problem]) -> Optional[str]:
    if not text:
        return None
    value = strip_language_marks(str(text))
    if has_break(value):
        problems.append(Problem(
            path=".".join(path), code="mail_header", record=src.record.index,
            location=src.record.source.locate(path), subject=Subject(".".join(path)),
            message=N_("a line break in a value that goes into an e-mail header "
                       "(not allowed: it could add headers)")))
        return None
    return value


def plan(kind: "Kind", valid: Sequence[tuple["Source", DocLocale]], profile: "Profile", *,
         name: Optional[str] = None) -> list[Planned]:
    """Every record's envelope, name and identity; :class:`ValidationFailed` with every
    problem (bad or missing addresses, line breaks bound for headers) at once."""
    from ..api import record_context

    settings = profile.mail or MailSettings()
    problems: list[Problem] = []
    out: list[Planned] = []
    used: set[str] = set()
    for src, loc in valid:
        context = record_context(kind, src.record, loc, profile)
        client_value = context.get("client")
        raw_name = (client_value.get("name") if isinstance(client_value, Mapping)
                    else client_value) or ""
        client = strip_language_marks(str(raw_name))
        if has_break(client):
            _display(src, client, ("client", "name") if isinstance(client_value, Mapping)
                     else ("client",), problems)
        email = client_value.get("email") if isinstance(client_value, Mapping) else None
        to = _record_addresses(src, email, ("client", "email"), problems)
        contact = _display(src, client_value.get("contact")
                           if isinstance(client_value, Mapping) else None,
                           ("client", "contact"), problems)
        per_client = settings.clients.get(client_key(client))
        if not to and per_client is not None:
            to = list(per_client.to)
        if len(to) == 1 and not to[0].display_name and contact:
            to = [Address(contact, to[0].username, to[0].domain)]
        if not to:
            problems.append(Problem(
                path="client.email", code="mail_no_address", record=src.record.index,
                location=src.record.source.locate(("client", "email")) if isinstance(
                    client_value, Mapping) else src.record.source.locate(("client",)),
                message=N_("no e-mail address for {client}: give client.email, or "
                           "[mail.clients.\"{client}\"] to = [...] in docgen.toml"),
                params={"client": client}))
            continue
        cc = [*settings.cc, *(per_client.cc if per_client else ())]
        bcc = [*settings.bcc, *(per_client.bcc if per_client else ())]
        start = context.get("week_start")
        period = start.isoformat() if isinstance(start, dt.date) else str(start or "")
        send_at = context.get("send_at")
        label = pick_label(kind.schema.get("x-labels") or {}, DocLocale.parse(loc.primary)) \
            or kind.name
        stem = output_name(name, context) if name else sanitize(
            f"{strip_language_marks(label)}_{client}_{period}")
        unique = unique_stem(stem, used)  # two records of one client and week
        sha = record_sha256(src.record.data)
        key = f"{kind.name}:{client_key(client)}:{period}"
        out.append(Planned(src, loc, context, client, period,
                           send_at if isinstance(send_at, dt.datetime) else None,
                           to, cc, bcc, unique, sha, key))
    if problems:
        raise ValidationFailed(problems)
    keys: dict[str, Planned] = {}
    for p in out:  # one message per client and week: a second would be a resend
        if p.key in keys:
            problems.append(Problem(
                path="week_start", code="mail_duplicate", record=p.source.record.index,
                location=p.source.origin,
                message=N_("{client} has two reports for the week of {period} (the other "
                           "at {other}); one e-mail per client and week"),
                params={"client": p.client, "period": p.period,
                        "other": str(keys[p.key].source.origin)}))
        keys.setdefault(p.key, p)
    if problems:
        raise ValidationFailed(problems)
    return out


# --- 3. render and build ----------------------------------------------------------------

# Building many messages without PDF runs in worker processes (fork only: they inherit
# the compiled templates and the planned reports, and send back bytes).
PARALLEL_FROM = 40
_FORKED: dict[str, Any] = {}


def build(kind: "Kind", planned: Sequence[Planned], profile: "Profile", *,
          attach: Sequence[str], templates: Mapping[str, "Template"],
          now: Optional[dt.datetime] = None, draft: bool = True,
          jobs: Optional[int] = None,
          rendered: Optional[Mapping[str, Mapping[str, bytes]]] = None) -> list[Outgoing]:
    """Render each report (its own context only), attach the files and build the
    messages (the draft, or the bytes to send); ``rendered``: the files to attach by
    report key, already made (the ledger's issued documents)."""
    date = now if now is not None and now.tzinfo else (now or dt.datetime.now()).astimezone()
    composer = _Composer(profile, attach, templates, date, draft)
    if rendered is not None:
        return [composer.compose(p, rendered[p.key]) for p in planned]
    workers = min(jobs or os.cpu_count() or 1, 8)
    if "pdf" in attach or workers < 2 or len(planned) < PARALLEL_FROM or \
            "fork" not in multiprocessing.get_all_start_methods():
        files = [composer.render(p) for p in planned]
        if "pdf" in attach:
            for made, pdf in zip(files, _pdfs([r["docx"] for r in files])):
                made["pdf"] = pdf
        return [composer.compose(p, made) for p, made in zip(planned, files)]
    first = composer.compose(planned[0], composer.render(planned[0]))  # errors said here
    size = -(-(len(planned) - 1) // workers)
    ranges = [(i, min(i + size, len(planned))) for i in range(1, len(planned), size)]
    _FORKED.update(composer=composer, planned=planned)
    try:
        with multiprocessing.get_context("fork").Pool(len(ranges), as_worker) as pool:
            parts = pool.map(_compose_range, ranges)
    finally:
        _FORKED.clear()
    out = [first]
    for (lo, _), part in zip(ranges, parts):
        if isinstance(part, tuple):  # a docgen error in a worker, re-raised whole
            cls, state = part
            error = cls.__new__(cls)
            error.__dict__.update(state)
            Exception.__init__(error, state.get("message", ""))
            raise error
        for i, (message_id, data, names) in enumerate(part, start=lo):
            out.append(Outgoing(planned[i], message_id, data if draft else b"",
                                b"" if draft else data, names))
    return out


def _compose_range(bounds: tuple[int, int]) -> Any:
    composer: _Composer = _FORKED["composer"]
    planned: Sequence[Planned] = _FORKED["planned"]
    try:
        done = []
        for p in planned[bounds[0]:bounds[1]]:
            o = composer.compose(p, composer.render(p))
            done.append((o.message_id, o.draft or o.wire, o.attachments))
        return done
    except DocgenError as exc:
        return type(exc), dict(exc.__dict__)


class _Composer:
    """Renders one report and builds its message (the texts compiled once)."""

    def __init__(self, profile: "Profile", attach: Sequence[str],
                 templates: Mapping[str, "Template"], date: dt.datetime, draft: bool) -> None:
        from ..api import fonts_for

        self.profile = profile
        self.settings = profile.mail or MailSettings()
        self.texts = Texts(self.settings)
        self.fonts = fonts_for(profile)
        self.attach = list(attach)
        self.templates = templates
        self.date = date
        self.draft = draft

    def render(self, p: Planned) -> dict[str, bytes]:
        from ..api import render_templates

        file = p.source.record.source.file
        base = str(Path(file).parent) if file else "."
        return render_templates(self.templates, p.context, p.locale, fonts=self.fonts,
                                base_dir=base)

    def compose(self, p: Planned, rendered: Mapping[str, bytes]) -> Outgoing:
        settings = self.settings
        sender = _sender(settings, self.profile, p.locale)
        attachments = [Attachment(f"{p.stem}.{fmt}", rendered[fmt]) for fmt in self.attach]
        names = [a.name for a in attachments]
        values = mail_context(p.context, p.locale, names, number=p.number)
        subject = header_text(self.texts.template("subject", p.locale.primary).render(values))
        body = self.texts.template("body", p.locale.primary).render(values)
        domain = sender.domain if sender is not None else "docgen.invalid"
        message_id = f"<{p.key.split(':', 1)[0]}.{p.period}.{p.sha256[:24]}@{domain}>"
        message = build_message(sender=sender, to=p.to, cc=p.cc, bcc=p.bcc,
                                reply_to=settings.reply_to, subject=subject, body=body,
                                attachments=attachments, message_id=message_id,
                                date=self.date, language=p.locale.primary, draft=self.draft)
        # only the form the run uses: building a MIME message is much of the cost
        data = message_bytes(message)
        return Outgoing(p, message_id, data if self.draft else b"",
                        b"" if self.draft else data, names)


def _sender(settings: MailSettings, profile: "Profile", locale: DocLocale) -> Optional[Address]:
    if settings.sender is not None:
        return settings.sender
    company = profile.context(locale)
    email = company.get("email")
    if not email:
        return None
    try:
        found = parse_address(str(email))
    except BadAddress:
        return None
    name = company.get("name")
    if name and not found.display_name and not has_break(str(name)):
        found = Address(str(name), found.username, found.domain)
    return found


def _pdfs(docs: Sequence[bytes]) -> list[bytes]:
    """Each Word document as PDF, all in one LibreOffice call (or the warm pool)."""
    from ..convert import share_to_pdf

    if not docs:
        return []
    with tempfile.TemporaryDirectory(prefix="docgen-mail-") as tmp:
        sources = []
        for i, data in enumerate(docs):
            src = Path(tmp) / f"mail-{i:05d}.docx"
            src.write_bytes(data)
            sources.append(src)
        return [pdf.read_bytes() for pdf in share_to_pdf(sources, Path(tmp))]


# --- 4. drafts or SMTP -------------------------------------------------------------------

def write_drafts(outgoing: Sequence[Outgoing], out: Path, force: bool) -> list[Path]:
    """Every ``.eml`` written, or none: an existing file stops the run before any."""
    targets = [out / f"{o.planned.stem}.eml" for o in outgoing]
    refuse_any_existing(targets, force)
    written: list[Path] = []
    try:
        for o, target in zip(outgoing, targets):
            # one flush for the run, as batch does (an fsync per file costs more than
            # building the message); each file still appears whole or not at all
            write_atomic(target, o.draft, force, durable=False)
            written.append(target)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if written and hasattr(os, "sync"):
        os.sync()
    return written


def send_all(outgoing: Sequence[Outgoing], sender: SmtpSender, store: SentStore,
             envelope_from: str, report: SendReport, *,
             retry_unconfirmed: bool = False) -> None:
    """Send each message once (recorded before and after); a refused message is
    reported and the run goes on, a server that cannot be reached stops it."""
    for n, o in enumerate(outgoing):
        p = o.planned
        entry = o.entry()
        if not store.begin(entry, retry_unconfirmed=retry_unconfirmed):
            report.already_sent.append(p)  # another run took it meanwhile
            continue
        try:
            reply = sender.send(envelope_from, p.recipients, o.wire, label=p.label)
        except Unconfirmed as exc:
            report.failed.append((p, exc))  # stays 'sending': never resent by itself
            continue
        except NotSent as exc:
            store.finish(entry, FAILED, detail=exc.message)
            report.failed.append((p, exc))
            if exc.code in _STOP_CODES:
                report.not_attempted.extend(x.planned for x in outgoing[n + 1:])
                return
            continue
        store.finish(entry, SENT, detail=reply)
        report.sent.append(p)


def open_store(profile: "Profile", out: Path) -> tuple[SentStore, str]:
    """The ledger's table when ``[ledger]`` is configured, else the sent-log in ``out``."""
    if profile.ledger is not None:
        from ..ledger.issuing import ledger_for
        from .sentlog import LedgerSent
        ledger = ledger_for(profile)
        assert ledger is not None
        return LedgerSent(ledger), profile.ledger.url
    log = SentLog.open(out)
    return log, str(log.path)


def send_reports(*, kind: "Kind", data: Union[str, Path], profile: "Profile",
                 out_dir: Union[str, Path] = ".", attach: Sequence[str] = ("pdf",),
                 locale: Optional[DocLocale] = None, locale_field: Optional[str] = None,
                 group_by: Optional[str] = None, sheet: Optional[str] = None,
                 encoding: Optional[str] = None, name: Optional[str] = None,
                 smtp: bool = False, due: bool = False, now: Optional[dt.datetime] = None,
                 force: bool = False, retry_unconfirmed: bool = False,
                 resend_changed: bool = False,
                 template: Optional[Union[str, Path]] = None,
                 sender_factory: Optional[Callable[..., SmtpSender]] = None) -> SendReport:
    """The whole run (see the module docstring); ``sender_factory`` lets tests tune
    retries (it gets the settings and the password). With ``[ledger]`` every report
    attached is issued (:func:`_send_issued`)."""
    from ..api import load_templates
    from ..batch import check_data
    from ..output import output_paths

    if kind.name != "weekly":
        raise UsageError(N_("only weekly reports are sent by e-mail (not {kind})"),
                         code="kind", params={"kind": kind.name})
    if name:
        from ..pipeline import check_name
        check_name(kind, name)
    attach = _attach_formats(attach)
    settings = profile.mail or MailSettings()
    if smtp and settings.smtp is None:
        raise UsageError(N_("--smtp needs a server: add [mail.smtp] host = \"…\" to "
                            "docgen.toml"), code="mail_smtp")
    envelope_from = ""
    if smtp:
        found = _sender(settings, profile, DocLocale.parse(profile.default_locale or "ko"))
        if found is None:
            raise UsageError(N_("--smtp needs a sender: add [mail] from = \"name "
                                "<address>\" (or [company] email) to docgen.toml"),
                             code="mail_from")
        envelope_from = found.addr_spec
    checked = check_data(kind, data, locale=locale, locale_field=locale_field,
                         group_by=group_by, sheet=sheet, encoding=encoding, profile=profile)
    if any(p.is_error for p in checked.problems):
        raise ValidationFailed(checked.problems)
    planned = plan(kind, checked.valid, profile, name=name)
    out = Path(out_dir)
    for p in planned:
        output_paths(out, p.stem, ["eml"])
    templates = load_templates(kind, ["docx" if f == "pdf" else f for f in attach], template)
    if "pdf" in attach:
        from ..convert import require_soffice
        require_soffice()
    report = SendReport()
    chosen = planned
    if due:
        moment = _local_now(now, settings)
        chosen = [p for p in planned if p.send_at is not None and p.send_at <= moment]
        report.not_due = [p for p in planned if p not in chosen]
    if profile.ledger is not None:
        return _send_issued(kind, chosen, profile, report, out=out, attach=attach,
                            templates=templates, now=now, smtp=smtp, force=force,
                            retry_unconfirmed=retry_unconfirmed,
                            resend_changed=resend_changed, envelope_from=envelope_from,
                            sender_factory=sender_factory)
    if not smtp:
        if due:  # an hourly draft run: drafts already written are done
            done = [p for p in chosen if (out / f"{p.stem}.eml").exists()]
            report.already_sent.extend(done)
            chosen = [p for p in chosen if p not in done]
        outgoing = build(kind, chosen, profile, attach=attach, templates=templates, now=now)
        report.drafts = write_drafts(outgoing, out, force)
        return report
    assert settings.smtp is not None
    store, where = open_store(profile, out)
    report.log = where
    try:
        states = store.states()
        todo = []
        for p in chosen:
            state = states.get(p.key)
            if state is not None and state.state == SENT and not force:
                report.already_sent.append(p)
            elif state is not None and state.state == SENDING and not retry_unconfirmed:
                report.unconfirmed.append(p)
            else:
                todo.append(p)
        if not todo:
            return report
        outgoing = build(kind, todo, profile, attach=attach, templates=templates, now=now,
                         draft=False)
        from .smtp import smtp_password
        make = sender_factory or (lambda s, password: SmtpSender(s, password=password))
        sender = make(settings.smtp, smtp_password(settings.smtp))
        try:
            send_all(outgoing, sender, _Forced(store) if force else store, envelope_from,
                     report, retry_unconfirmed=retry_unconfirmed)
        finally:
            sender.close()
    finally:
        store.close()
    return report


def _send_issued(kind: "Kind", chosen: Sequence[Planned], profile: "Profile",
                 report: SendReport, *, out: Path, attach: Sequence[str],
                 templates: Mapping[str, "Template"], now: Optional[dt.datetime], smtp: bool,
                 force: bool, retry_unconfirmed: bool, resend_changed: bool,
                 envelope_from: str,
                 sender_factory: Optional[Callable[..., SmtpSender]]) -> SendReport:
    """``send`` with a ledger: each report attached is the issued document
    (:mod:`.issue`), and ``mail_sent`` says which one each message carries.

    A report handed over (sent, drafted, or left ``sending``) with the same record is
    not sent again (``--force`` / ``--retry-unconfirmed`` as without a ledger, the same
    issued document again); one whose record changed since is reported in
    ``changed`` and neither issued nor sent, unless ``resend_changed``: then it is
    issued as the next revision and sent. Reports not handed over yet (no row,
    ``issued``, ``failed``) are issued — or their issued document found again, same
    record, same number — and sent or drafted. Drafts are issued too: the AE sends
    them by hand, so they are the client's documents (``drafted`` rows: a later
    ``--smtp`` run does not send them again)."""
    from ..ledger.issuing import ledger_for
    from .issue import Issuer
    from .sentlog import LedgerSent

    assert profile.ledger is not None
    ledger = ledger_for(profile)
    assert ledger is not None
    store = LedgerSent(ledger)
    report.log = profile.ledger.url
    try:
        states = store.states()
        todo: list[Planned] = []
        reset: dict[str, bool] = {}
        for p in chosen:
            state = states.get(p.key)
            handed_over = state is not None and state.state in (SENT, DRAFTED, SENDING)
            if state is not None:
                p.number, p.document_id = state.document_number, state.document_id
            if state is not None and handed_over and state.record_sha256 != p.sha256:
                if not resend_changed:
                    report.changed.append(p)
                    continue
                todo.append(p)
                reset[p.key] = True
                continue
            if state is not None and state.state in (SENT, DRAFTED) and not force:
                report.already_sent.append(p)
            elif state is not None and state.state == SENDING and not retry_unconfirmed:
                report.unconfirmed.append(p)
            else:
                todo.append(p)
                reset[p.key] = not handed_over
        if not todo:
            return report
        if not smtp:  # before any number is taken
            refuse_any_existing([out / f"{p.stem}.eml" for p in todo], force)
        handed = Issuer(ledger, kind, profile, templates, attach).hand_over(todo, store, reset)
        report.issued = [p for p in todo if handed[p.key].new]
        outgoing = build(kind, todo, profile, attach=attach, templates=templates, now=now,
                         draft=not smtp, rendered={k: h.files for k, h in handed.items()})
        if not smtp:
            report.drafts = write_drafts(outgoing, out, force)
            for o in outgoing:
                store.finish(o.entry(), DRAFTED)
            return report
        settings = profile.mail or MailSettings()
        assert settings.smtp is not None
        from .smtp import smtp_password
        make = sender_factory or (lambda s, password: SmtpSender(s, password=password))
        sender = make(settings.smtp, smtp_password(settings.smtp))
        try:
            send_all(outgoing, sender, _Forced(store) if force else store, envelope_from,
                     report, retry_unconfirmed=retry_unconfirmed)
        finally:
            sender.close()
    finally:
        store.close()
    return report


class _Forced:
    """``--force``: a message recorded as sent may be sent again (re-recorded)."""

    def __init__(self, store: SentStore) -> None:
        self.store = store

    def states(self) -> dict[str, SentEntry]:
        return self.store.states()

    def begin(self, entry: SentEntry, *, retry_unconfirmed: bool = False) -> bool:
        if self.store.begin(entry, retry_unconfirmed=retry_unconfirmed):
            return True
        found = self.store.states().get(entry.key)
        if found is not None and found.state in (SENT, DRAFTED):
            self.store.finish(entry, FAILED, detail="resent (--force)")
            return self.store.begin(entry, retry_unconfirmed=retry_unconfirmed)
        return False

    def finish(self, entry: SentEntry, state: str, *, detail: Optional[str] = None) -> None:
        self.store.finish(entry, state, detail=detail)

    def close(self) -> None:
        self.store.close()


def _attach_formats(attach: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(a.strip().lower() for a in attach if a.strip()))
    bad = [a for a in wanted if a not in ATTACH_FORMATS]
    if bad or not wanted:
        raise UsageError(N_("--attach: unknown format '{format}' (use pdf, docx, xlsx)"),
                         code="format", params={"format": ",".join(bad) or ",".join(attach)})
    return wanted


__all__ = ["Planned", "Outgoing", "SendReport", "send_reports", "plan", "build",
           "write_drafts", "send_all", "client_key", "record_sha256"]
