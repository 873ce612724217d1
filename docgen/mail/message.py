"""One report's e-mail as a MIME message that CJK mail clients display correctly.

Headers go through :mod:`email.headerregistry` with ``policy.SMTP``: a Korean or
Chinese subject or display name becomes RFC 2047 encoded words. Attachment names are
written twice, as the big clients read them: RFC 2047 ``name="=?UTF-8?B?…?="`` on
Content-Type (Outlook, QQ, older clients) and RFC 2231 ``filename*=UTF-8''…`` on
Content-Disposition (Gmail, Naver, Thunderbird, Apple Mail). Python's folding would
split ``filename*`` into continuations some webmail readers ignore, so these two
headers are written here (:class:`_RawHeader`), one ``filename*`` parameter per line.

No header injection: a value with a line break never reaches a header —
:func:`header_text` folds template output onto one line, and data values are checked
by the caller (:func:`has_break`) before they get here.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Optional, Sequence, Union

MIME_TYPES = {
    "pdf": ("application", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
POLICY = email_policy.SMTP  # CRLF line ends, 78-column folding, RFC 2047 headers
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_WORD_LIMIT = 75  # an encoded word's maximum length (RFC 2047 §2)
_LINE_LIMIT = 998  # a header line's hard limit (RFC 5322 §2.1.1)


def has_break(text: str) -> bool:
    """``text`` holds a line break (or NUL): never allowed in a header value."""
    return bool(_BREAKS.search(text)) or "\0" in text


def header_text(text: str) -> str:
    """Template output for a header: one line (breaks and runs of spaces become one
    space), control characters dropped."""
    return " ".join(_CONTROL.sub("", _BREAKS.sub(" ", text)).split())


@dataclass(frozen=True)
class Attachment:
    """A file attached under ``name`` (its extension gives its MIME type)."""

    name: str
    data: bytes

    @property
    def fmt(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()


class _RawHeader(str):
    """A header written exactly as given (the policy stores an object with ``name``
    and ``fold`` as is); its text is the unfolded value, for readers."""

    name: str
    _folded: str

    def __new__(cls, name: str, value: str, folded: str) -> "_RawHeader":
        self = super().__new__(cls, value)
        self.name = name
        self._folded = folded
        return self

    def fold(self, *, policy: object) -> str:
        return self._folded


def encoded_words(text: str) -> list[str]:
    """``text`` as UTF-8 ``B`` encoded words of at most 75 characters each, never
    splitting a character."""
    words: list[str] = []
    chunk = b""
    overhead = len("=?UTF-8?B??=")
    for ch in text:
        piece = ch.encode("utf-8")
        if chunk and overhead + 4 * ((len(chunk) + len(piece) + 2) // 3) > _WORD_LIMIT:
            words.append(chunk.decode("utf-8"))
            chunk = b""
        chunk += piece
    if chunk or not words:
        words.append(chunk.decode("utf-8"))
    return ["=?UTF-8?B?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?="
            for w in words]


def _content_type(mime: tuple[str, str], name: str) -> _RawHeader:
    ctype = f"{mime[0]}/{mime[1]}"
    if name.isascii() and '"' not in name and "\\" not in name:
        value = f'{ctype}; name="{name}"'
        return _RawHeader("Content-Type", value, f'Content-Type: {ctype};\r\n name="{name}"\r\n')
    words = encoded_words(name)
    value = f'{ctype}; name="{" ".join(words)}"'
    return _RawHeader("Content-Type", value,
                      f'Content-Type: {ctype};\r\n name="' + "\r\n ".join(words) + '"\r\n')


def _disposition(name: str) -> _RawHeader:
    encoded = urllib.parse.quote(name, safe="")  # RFC 2231 / RFC 5987 percent-encoding
    single = f"filename*=UTF-8''{encoded}"
    if len(single) + 1 <= _LINE_LIMIT:
        return _RawHeader("Content-Disposition", f"attachment; {single}",
                          f"Content-Disposition: attachment;\r\n {single}\r\n")
    # longer than a line may be (never for docgen's names, at most 200 bytes):
    # RFC 2231 continuations, cut between percent-escapes
    pieces, rest = [], encoded
    while rest:
        cut = min(len(rest), 900)
        while cut < len(rest) and "%" in rest[cut - 2:cut]:
            cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    params = [f"filename*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{p}"
              for i, p in enumerate(pieces)]
    return _RawHeader("Content-Disposition", "attachment; " + "; ".join(params),
                      "Content-Disposition: attachment;\r\n " + ";\r\n ".join(params) + "\r\n")


# Body parts are made here rather than with set_content(): their headers are fixed
# ASCII text (nothing for the header registry to parse) and base64 comes from the C
# encoder; building a message this way costs a third of the contentmanager's way.

def _raw(name: str, value: str) -> _RawHeader:
    return _RawHeader(name, value, f"{name}: {value}\r\n")


def _leaf(content_type: Union[str, _RawHeader], data: bytes, *,
          disposition: Optional[_RawHeader] = None) -> EmailMessage:
    part = EmailMessage(policy=POLICY)
    part["Content-Type"] = (content_type if isinstance(content_type, _RawHeader)
                            else _raw("Content-Type", content_type))
    part["Content-Transfer-Encoding"] = _raw("Content-Transfer-Encoding", "base64")
    if disposition is not None:
        part["Content-Disposition"] = disposition
    part.set_payload(_base64_lines(data))
    return part


def _set_multipart(msg: EmailMessage, subtype: str, parts: list[EmailMessage]) -> None:
    # "=_" never occurs in base64, the only encoding inside: the boundary cannot collide
    boundary = f"=_docgen_{secrets.token_hex(12)}"
    msg["Content-Type"] = _raw("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
    msg.set_payload(parts)  # type: ignore[arg-type]


def _multipart(subtype: str, parts: list[EmailMessage]) -> EmailMessage:
    part = EmailMessage(policy=POLICY)
    _set_multipart(part, subtype, parts)
    return part


def html_body(text: str) -> str:
    """The plain body as a small HTML page: every character escaped, paragraphs at
    blank lines, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    inner = "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n"))
                      + "</p>" for p in paragraphs)
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>"
            f"<body style=\"font-family: sans-serif\">\n{inner}\n</body></html>\n")


def build_message(*, sender: Optional[Address], to: Sequence[Address], cc: Sequence[Address],
                  bcc: Sequence[Address], reply_to: Sequence[Address], subject: str, body: str,
                  attachments: Sequence[Attachment], message_id: str, date: dt.datetime,
                  draft: bool, language: Optional[str] = None) -> EmailMessage:
    """The message; ``draft`` adds ``X-Unsent: 1`` (Outlook opens the file as a draft
    to send) and keeps Bcc, which a sent message never shows."""
    msg = EmailMessage(policy=POLICY)
    if sender is not None:
        msg["From"] = sender
    msg["To"] = list(to)
    if cc:
        msg["Cc"] = list(cc)
    if bcc and draft:
        msg["Bcc"] = list(bcc)
    if reply_to:
        msg["Reply-To"] = list(reply_to)
    msg["Subject"] = header_text(subject)
    msg["Date"] = format_datetime(date if date.tzinfo else date.astimezone())
    msg["Message-ID"] = message_id
    if language:
        msg["Content-Language"] = language
    if draft:
        msg["X-Unsent"] = "1"
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    alternative = _multipart("alternative", [
        _leaf('text/plain; charset="utf-8"', text.replace("\n", "\r\n").encode("utf-8")),
        _leaf('text/html; charset="utf-8"',
              html_body(text).replace("\n", "\r\n").encode("utf-8"))])
    parts = [alternative]
    for item in attachments:
        mime = MIME_TYPES.get(item.fmt, ("application", "octet-stream"))
        parts.append(_leaf(_content_type(mime, item.name), item.data,
                           disposition=_disposition(item.name)))
    msg["MIME-Version"] = "1.0"
    _set_multipart(msg, "mixed", parts)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent or saved (CRLF, 7-bit clean: every body part is base64).

    Headers are folded by the policy exactly as :class:`email.generator.BytesGenerator`
    folds them; the parts :func:`build_message` made (base64 text, boundaries that
    cannot collide) are joined here in one piece each instead of line by line, which
    is most of the generator's time. Any other message goes through the generator."""
    out: list[bytes] = []
    try:
        _serialize(msg, out)
    except _NotOurs:
        return msg.as_bytes(policy=POLICY)
    return b"".join(out)


class _NotOurs(Exception):
    pass


def _serialize(part: EmailMessage, out: list[bytes]) -> None:
    for name, value in part.items():
        out.append(POLICY.fold_binary(name, value))
    out.append(b"\r\n")
    payload = part.get_payload()
    if isinstance(payload, list):
        boundary = part.get_boundary()
        if not boundary or not boundary.startswith("=_docgen_"):
            raise _NotOurs
        mark = boundary.encode("ascii")
        for n, sub in enumerate(payload):
            if not isinstance(sub, EmailMessage):
                raise _NotOurs
            out.append((b"--" if n == 0 else b"\r\n--") + mark + b"\r\n")
            _serialize(sub, out)
        out.append(b"\r\n--" + mark + b"--\r\n")
    elif isinstance(payload, str) and payload.isascii():
        out.append(payload.encode("ascii").replace(b"\n", b"\r\n"))
    else:
        raise _NotOurs


def _base64_lines(data: bytes) -> str:
    """``data`` in base64, 76 characters a line (RFC 2045), each line ending in \\n."""
    encoded = base64.b64encode(data).decode("ascii")
    return "".join(encoded[i:i + 76] + "\n" for i in range(0, len(encoded), 76))
