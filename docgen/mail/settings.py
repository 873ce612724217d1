"""``[mail]`` in docgen.toml: who a report comes from, who else gets it, how it is sent.

::

    [mail]
    from = "이소라 <sora@hanbit.example>"
    reply_to = "ae-team@hanbit.example"
    cc = ["daniel@hanbit.example"]          # every message (a string or a list)
    bcc = []
    timezone = "Asia/Seoul"                 # what "Monday noon" means (default: this machine's)
    templates = "mail"                      # optional folder: subject.ko.txt, body.zh-CN.txt…
    subject = { ko = "[{{ company.name }}] {{ client }} 주간 업무 보고 ({{ week_label }})" }
    body = { en = "Dear {{ contact or client }}, …" }

    [mail.smtp]
    host = "smtp.office365.com"
    port = 587                              # default: 587 starttls, 465 ssl, 25 none
    security = "starttls"                   # starttls | ssl | none (none: this machine only)
    user = "sora@hanbit.example"
    password_env = "DOCGEN_SMTP_PASSWORD"   # the password itself never goes in the file

    [mail.clients."Northline Sports Korea"]  # per client, matched like the ledger's names
    to = ["emma@northline.example"]          # when the record has no client.email
    cc = ["kr-marketing@northline.example"]

Checked by :func:`check_mail` for :mod:`docgen.profile` (every problem located at its key).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Mapping, Optional, Protocol, Sequence

from ..messages import N_


class _Checker(Protocol):
    """What the [mail] checks use of docgen.profile's checker (a protocol, so that this
    module does not import the profile module, which imports it)."""

    def problem(self, path: tuple[str, ...], message: str, /, **params: Any) -> None: ...

    def unknown(self, path: tuple[str, ...], known: Sequence[str]) -> None: ...

    def table(self, data: Mapping[str, Any], key: str,
              path: tuple[str, ...]) -> Mapping[str, Any]: ...

    def place(self, where: tuple[str, ...], value: Any, base: Path, *, invalid: str,
              missing: Optional[str], folder: bool) -> Optional[Path]: ...

    def texts(self, fields: Mapping[str, Any], known: Sequence[str],
              path: tuple[str, ...]) -> dict[str, Any]: ...

MAIL_KEYS = ("from", "reply_to", "cc", "bcc", "timezone", "templates", "subject", "body",
             "smtp", "clients")
SMTP_KEYS = ("host", "port", "security", "user", "password_env", "timeout")
CLIENT_KEYS = ("to", "cc", "bcc")
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PASSWORD_ENV = "DOCGEN_SMTP_PASSWORD"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SmtpSettings:
    """``[mail.smtp]``; the password is read at send time from ``password_env`` (or the
    system keyring), never from the profile or the command line."""

    host: str
    port: int
    security: str = "starttls"
    user: Optional[str] = None
    password_env: str = DEFAULT_PASSWORD_ENV
    timeout: float = 30.0


@dataclass(frozen=True)
class ClientMail:
    """``[mail.clients."NAME"]``: addresses of one client beyond its records'."""

    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()


@dataclass(frozen=True)
class MailSettings:
    """A checked ``[mail]`` section (every field optional)."""

    sender: Optional[Address] = None
    reply_to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    timezone: Optional[str] = None
    templates: Optional[Path] = None
    subject: Mapping[str, str] = field(default_factory=dict)  # locale code (or "") -> template
    body: Mapping[str, str] = field(default_factory=dict)
    smtp: Optional[SmtpSettings] = None
    clients: Mapping[str, ClientMail] = field(default_factory=dict)  # by client_key


class BadAddress(ValueError):
    """An e-mail address docgen will not put in a header (with why)."""


def parse_address(text: str) -> Address:
    """``"Name <a@b.example>"`` or ``a@b.example`` as an :class:`Address`; refuses line
    breaks (header injection), several addresses, non-ASCII local parts and anything
    that is not ``local@domain``. A Unicode domain is written in IDNA (punycode)."""
    from email.headerregistry import HeaderRegistry
    if any(c in text for c in "\r\n\0"):
        raise BadAddress("line break")
    parsed = HeaderRegistry()("to", text.strip())
    addresses = list(parsed.addresses)  # type: ignore[attr-defined]
    if len(addresses) != 1 or parsed.defects:
        raise BadAddress("not one address")
    found: Address = addresses[0]
    if not found.username or not found.domain or "@" in found.domain:
        raise BadAddress("not local@domain")
    if not found.username.isascii():
        raise BadAddress("non-ASCII local part")
    domain = found.domain
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise BadAddress("domain") from None
    if not re.fullmatch(r"[A-Za-z0-9.-]+", domain) or ".." in domain:
        raise BadAddress("domain")
    return Address(found.display_name, found.username, domain)


def split_addresses(text: str) -> list[str]:
    """Several addresses in one cell: separated by ``,`` ``;`` or a new line, a
    display name in quotes kept whole (``"Kim, Minji" <m@x.example>``)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angle = False
    for ch in text:
        if ch == '"' and not angle:
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        if ch in ",;\n" and not quoted and not angle:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def check_mail(check: _Checker, section: Mapping[str, Any], path: Path) -> MailSettings:
    """``[mail]`` checked with the profile's checker (problems go to ``check``)."""
    from ..ledger.store import client_key
    from .texts import check_template_text

    for key in section:
        if key not in MAIL_KEYS:
            check.unknown(("mail", key), MAIL_KEYS)
    sender = None
    if "from" in section:
        found = _addresses(check, ("mail", "from"), section["from"])
        if len(found) > 1:
            check.problem(("mail", "from"), N_("mail.from must be one address"))
        sender = found[0] if found else None
    tz = section.get("timezone")
    if tz is not None:
        if not isinstance(tz, str) or not _known_zone(tz):
            check.problem(("mail", "timezone"), N_("mail.timezone: unknown time zone '{zone}' "
                                                   "(e.g. Asia/Seoul, Asia/Shanghai, "
                                                   "Asia/Taipei)"), zone=str(tz))
            tz = None
    templates = None
    if "templates" in section:
        templates = check.place(("mail", "templates"), section["templates"], path.parent,
                                folder=True, invalid=N_("mail.templates must be a folder path"),
                                missing=N_("mail templates folder not found: {path}"))
    texts: dict[str, dict[str, str]] = {}
    for name in ("subject", "body"):
        value = check.texts({name: section[name]}, (name,), ("mail",)).get(name) \
            if name in section else None
        per_locale = {"": value} if isinstance(value, str) else dict(value or {})
        for code, text in per_locale.items():
            where = ("mail", name) + ((code,) if code else ())
            problem = check_template_text(text)
            if problem is not None:
                check.problem(where, N_("mail.{name}: the template cannot be read "
                                        "({detail})"), name=name, detail=problem)
        texts[name] = per_locale
    smtp = _smtp(check, check.table(section, "smtp", ("mail", "smtp"))) \
        if "smtp" in section else None
    clients: dict[str, ClientMail] = {}
    for name, table in check.table(section, "clients", ("mail", "clients")).items():
        here = ("mail", "clients", name)
        if not isinstance(table, Mapping):
            check.problem(here, N_("[{name}] must be a table"), name=".".join(here))
            continue
        for key in table:
            if key not in CLIENT_KEYS:
                check.unknown(here + (key,), CLIENT_KEYS)
        lists = {key: tuple(_addresses(check, here + (key,), table[key]))
                 for key in CLIENT_KEYS if key in table}
        clients[client_key(name) or name] = ClientMail(**lists)
    return MailSettings(
        sender=sender,
        reply_to=tuple(_addresses(check, ("mail", "reply_to"), section.get("reply_to"))),
        cc=tuple(_addresses(check, ("mail", "cc"), section.get("cc"))),
        bcc=tuple(_addresses(check, ("mail", "bcc"), section.get("bcc"))),
        timezone=tz, templates=templates, subject=texts["subject"], body=texts["body"],
        smtp=smtp, clients=clients)


def _known_zone(name: str) -> bool:
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for a path-like key
        return False
    return True


def _addresses(check: _Checker, where: tuple[str, ...], value: Any) -> list[Address]:
    if value is None:
        return []
    items: Sequence[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        check.problem(where, N_("{name} must be an address or a list of addresses"),
                      name=".".join(where))
        return []
    out: list[Address] = []
    for item in items:
        if not isinstance(item, str):
            check.problem(where, N_("{name} must be an address or a list of addresses"),
                          name=".".join(where))
            continue
        for text in split_addresses(item):
            try:
                out.append(parse_address(text))
            except BadAddress:
                check.problem(where, N_("{name}: '{address}' is not an e-mail address"),
                              name=".".join(where), address=text)
    return out


def _smtp(check: _Checker, table: Mapping[str, Any]) -> Optional[SmtpSettings]:
    for key in table:
        if key not in SMTP_KEYS:
            check.unknown(("mail", "smtp", key), SMTP_KEYS)
    host = table.get("host")
    if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host.strip()):
        check.problem(("mail", "smtp", "host") if "host" in table else ("mail", "smtp"),
                      N_("mail.smtp.host must name the SMTP server (e.g. smtp.office365.com)"))
        return None
    security = table.get("security", "starttls")
    if security not in SECURITY:
        check.problem(("mail", "smtp", "security"),
                      N_("mail.smtp.security must be starttls, ssl or none, not '{value}'"),
                      value=str(security))
        security = "starttls"
    host = host.strip()
    if security == "none" and host.lower() not in LOCAL_HOSTS:
        check.problem(("mail", "smtp", "security"),
                      N_("mail.smtp.security = \"none\" sends in clear text: only for a "
                         "server on this machine (localhost), not {host}"), host=host)
    port = table.get("port", DEFAULT_PORTS[str(security)])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        check.problem(("mail", "smtp", "port"), N_("mail.smtp.port must be a port number "
                                                   "(1-65535)"))
        port = DEFAULT_PORTS[str(security)]
    user = table.get("user")
    if user is not None and (not isinstance(user, str) or not user.strip()):
        check.problem(("mail", "smtp", "user"), N_("{name} must be text, not {found}"),
                      name="mail.smtp.user", found=str(user))
        user = None
    env = table.get("password_env", DEFAULT_PASSWORD_ENV)
    if not isinstance(env, str) or not _ENV_NAME.match(env):
        check.problem(("mail", "smtp", "password_env"),
                      N_("mail.smtp.password_env must be the name of an environment "
                         "variable (e.g. DOCGEN_SMTP_PASSWORD), not the password"))
        env = DEFAULT_PASSWORD_ENV
    timeout = table.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        check.problem(("mail", "smtp", "timeout"), N_("mail.smtp.timeout must be a number "
                                                      "of seconds"))
        timeout = 30
    return SmtpSettings(host=host, port=int(port), security=str(security),
                        user=user.strip() if isinstance(user, str) else None,
                        password_env=env, timeout=float(timeout))
