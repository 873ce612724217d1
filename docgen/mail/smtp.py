"""Sending through the profile's SMTP server, with retries, one message at a time.

Each message is one SMTP transaction on a connection kept for the run. What happened
to it is always one of three things, so the caller can record it truthfully:

* accepted (the server answered 250 to the end of the data): :meth:`SmtpSender.send`
  returns;
* not sent (:class:`NotSent`): refused before its data went out — a recipient
  refused (5xx: the transaction is reset, so the message reaches *no one*, never a
  part of its recipients), the message refused, or the server unreachable after the
  retries. Nothing was delivered; a later run may try again;
* unknown (:class:`Unconfirmed`): the connection failed after the data started to
  go out. The server may have accepted it, so it is never retried automatically.

Temporary failures (4xx replies, dropped or refused connections, timeouts) before the
data are retried with exponential backoff (``backoff`` × 2ⁿ seconds). The password
comes from the environment variable the profile names, else the system keyring
(``keyring``, service ``docgen-smtp``, the SMTP user name), never from the profile
or the command line.
"""
from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import time
from typing import Callable, Optional, Sequence

from ..errors import OutputError
from ..messages import N_
from .settings import SmtpSettings

KEYRING_SERVICE = "docgen-smtp"
_TEMPORARY = (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, TimeoutError)


class MailError(OutputError):
    """Sending failed (exit 4); the message says for which message and recipient."""


class NotSent(MailError):
    """The message was not delivered to anyone (safe to send again later)."""


class Unconfirmed(MailError):
    """The server may or may not have accepted the message (never resent by itself)."""


def smtp_password(settings: SmtpSettings,
                  environ: Optional[dict[str, str]] = None) -> Optional[str]:
    """The SMTP password: ``$password_env``, else the keyring's, else ``None``."""
    env = os.environ if environ is None else environ
    value = env.get(settings.password_env)
    if value:
        return value
    if settings.user:
        try:
            import keyring  # type: ignore[import-not-found]
        except ImportError:
            return None
        try:
            found = keyring.get_password(KEYRING_SERVICE, settings.user)
        except Exception:  # a keyring without a backend raises its own errors
            return None
        return str(found) if found else None
    return None


def _reply(exc: BaseException) -> tuple[int, str]:
    code = getattr(exc, "smtp_code", 0) or 0
    text = getattr(exc, "smtp_error", b"")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return int(code), " ".join(str(text or exc).split())


class _Temporary(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SmtpSender:
    """A connection to the profile's server, opened at the first message."""

    def __init__(self, settings: SmtpSettings, *, password: Optional[str] = None,
                 retries: int = 3, backoff: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 tls_context: Optional[ssl.SSLContext] = None) -> None:
        self.settings = settings
        self.password = password
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.tls_context = tls_context
        self.conn: Optional[smtplib.SMTP] = None
        self.attempts = 0  # SMTP transactions started (tests and the summary read it)

    @property
    def server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # --- connection ---------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self.tls_context or ssl.create_default_context()
        try:
            conn: smtplib.SMTP
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            conn.ehlo()
            if s.security == "starttls":
                if not conn.has_extn("starttls"):
                    conn.close()
                    raise NotSent(N_("the SMTP server {server} does not offer STARTTLS, which "
                                     "[mail.smtp] security = \"starttls\" requires; nothing "
                                     "was sent in clear text"), code="smtp_tls",
                                  params={"server": self.server})
                conn.starttls(context=context)
                conn.ehlo()
            if s.user:
                if self.password is None:
                    conn.close()
                    raise NotSent(N_("no SMTP password: set the environment variable {env} "
                                     "(or store it in the system keyring, service "
                                     "'docgen-smtp', user {user})"), code="smtp_password",
                                  params={"env": s.password_env, "user": s.user})
                conn.login(s.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotSent(N_("the SMTP server {server} refused the login of {user}: "
                             "{detail}"), code="smtp_auth",
                          params={"server": self.server, "user": s.user,
                                  "detail": _reply(exc)[1]}) from None
        except smtplib.SMTPNotSupportedError:
            raise NotSent(N_("the SMTP server {server} does not accept a login (AUTH); "
                             "check [mail.smtp] host, port and security"), code="smtp_auth",
                          params={"server": self.server}) from None
        except ssl.SSLError as exc:
            raise NotSent(N_("TLS with the SMTP server {server} failed: {detail}"),
                          code="smtp_tls",
                          params={"server": self.server, "detail": str(exc)}) from None
        except smtplib.SMTPResponseException as exc:
            code, text = _reply(exc)
            if 400 <= code < 500:
                raise _Temporary(f"{code} {text}") from None
            raise NotSent(N_("the SMTP server {server} refused the connection: {detail}"),
                          code="smtp_connect",
                          params={"server": self.server, "detail": f"{code} {text}"}) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Temporary(str(exc) or type(exc).__name__) from None
        return conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    # --- one message --------------------------------------------------------------------

    def send(self, sender: str, recipients: Sequence[str], data: bytes, *, label: str) -> str:
        """Deliver ``data`` to every one of ``recipients`` or to none; the server's
        reply to the data. ``label`` names the message in errors (client and week)."""
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._transaction(sender, recipients, data, label)
            except _Temporary as exc:
                last = exc.detail
                self._drop()
        raise NotSent(N_("{message}: the SMTP server {server} failed {count} time(s), "
                         "last: {detail}; not sent"), code="smtp_temporary",
                      params={"message": label, "server": self.server,
                              "count": self.retries + 1, "detail": last})

    def _transaction(self, sender: str, recipients: Sequence[str], data: bytes,
                     label: str) -> str:
        if self.conn is None:
            self.conn = self._connect()
        conn = self.conn
        self.attempts += 1
        try:
            code, reply = conn.mail(sender)
            self._check(conn, code, reply, label, None)
            for rcpt in recipients:
                code, reply = conn.rcpt(rcpt)
                self._check(conn, code, reply, label, rcpt)
            code, reply = conn.docmd("DATA")
            if code != 354:
                self._check(conn, code if code >= 400 else 554, reply, label, None)
        except smtplib.SMTPServerDisconnected as exc:
            raise _Temporary(str(exc) or "disconnected") from None
        except OSError as exc:
            raise _Temporary(str(exc) or type(exc).__name__) from None
        # From here the server may receive the message: a failure is not a refusal.
        try:
            conn.send(_dot_stuffed(data))
            code, reply = conn.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise Unconfirmed(N_("{message}: the connection to {server} failed while the "
                                 "message was being sent ({detail}); it may have been "
                                 "delivered, so it is not sent again without "
                                 "--retry-unconfirmed"), code="smtp_unconfirmed",
                              params={"message": label, "server": self.server,
                                      "detail": str(exc) or type(exc).__name__}) from None
        text = _text(reply)
        if code == 250:
            return f"{code} {text}"
        if 400 <= code < 500:
            raise _Temporary(f"{code} {text}")
        raise NotSent(N_("{message}: the SMTP server refused the message: {detail}"),
                      code="smtp_refused", params={"message": label,
                                                   "detail": f"{code} {text}"})

    def _check(self, conn: smtplib.SMTP, code: int, reply: bytes, label: str,
               rcpt: Optional[str]) -> None:
        if code in (250, 251):
            return
        text = _text(reply)
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
        if 400 <= code < 500 or code == -1:
            raise _Temporary(f"{code} {text}")
        if rcpt is not None:
            raise NotSent(N_("{message}: the SMTP server refused the recipient {recipient}: "
                             "{detail}; the message was sent to no one"),
                          code="smtp_recipient",
                          params={"message": label, "recipient": rcpt,
                                  "detail": f"{code} {text}"})
        raise NotSent(N_("{message}: the SMTP server refused the message: {detail}"),
                      code="smtp_refused", params={"message": label,
                                                   "detail": f"{code} {text}"})


def _text(reply: bytes) -> str:
    return " ".join(reply.decode("utf-8", "replace").split())


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, the end marker."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"
