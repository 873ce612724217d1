"""Subject and body of a report's e-mail: per-locale Jinja text templates.

Built-in texts exist in ko, zh-CN, zh-TW and en. A profile replaces them per locale
(``[mail] subject = { ko = "…" }``, ``body = …``) or with a folder of text files
(``[mail] templates = "mail"``: ``subject.ko.txt``, ``body.zh-CN.txt``, or
``subject.txt`` for every language). The first found wins, in this order: the
profile's text for the locale, the folder's file for the locale, the profile's text
for all, the folder's file for all, the built-in text.

Templates are rendered in docgen's sandbox (:func:`docgen.render.environment.make_environment`)
with the names :func:`mail_context` gives; a name the template uses that does not exist
is a template error (exit 3), never a silent blank in a client's e-mail.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import SourceLocation, TemplateError
from ..i18n.catalog import strip_language_marks
from ..i18n.format import get_formatter
from ..messages import N_

if TYPE_CHECKING:
    from ..i18n.locale import DocLocale
    from .settings import MailSettings

# with a ledger the subject names the issued report's number
_NUMBER = "{% if number %} [{{ number }}]{% endif %}"
SUBJECTS = {
    "ko": "{{ client }} 주간 업무 보고 - {{ week_label }} ({{ week_range }})" + _NUMBER,
    "zh-CN": "{{ client }} 工作周报 - {{ week_label }}（{{ week_range }}）" + _NUMBER,
    "zh-TW": "{{ client }} 工作週報 - {{ week_label }}（{{ week_range }}）" + _NUMBER,
    "en": "{{ client }} weekly report - {{ week_label }} ({{ week_range }})" + _NUMBER,
}
BODIES = {
    "ko": """{{ contact or client }}님께,

안녕하세요{% if company.name %}, {{ company.name }}{% endif %} {{ author }}입니다.
{{ week_range }}{% if project %} {{ project }}{% endif %} 주간 업무 보고서를 첨부하여 보내 드립니다.
검토 부탁드리며, 문의 사항이 있으시면 이 메일로 회신해 주십시오.

감사합니다.
{{ author }} 드림
""",
    "zh-CN": """{{ contact or client }}，您好：

随函附上{% if project %}{{ project }}{% endif %}{{ week_range }}的工作周报，请查收。
如有任何问题，欢迎直接回复本邮件。

此致
敬礼

{{ author }}{% if company.name %}
{{ company.name }}{% endif %}
""",
    "zh-TW": """{{ contact or client }} 您好：

隨信附上{% if project %}{{ project }}{% endif %}{{ week_range }}的工作週報，敬請查收。
如有任何問題，歡迎直接回覆本郵件。

敬祝 商祺

{{ author }}{% if company.name %}
{{ company.name }}{% endif %}
""",
    "en": """Dear {{ contact or client }},

Please find attached the weekly report{% if project %} on {{ project }}{% endif %} for {{ week_range }}.
If you have any questions, just reply to this e-mail.

Best regards,
{{ author }}{% if company.name %}
{{ company.name }}{% endif %}
""",
}
BUILTIN = {"subject": SUBJECTS, "body": BODIES}


def _finalize(value: Any) -> str:
    """A printed value as plain text (a Markdown field prints its text)."""
    if value is None:
        return ""
    plain = getattr(type(value), "plain", None)
    if plain is not None and not isinstance(value, str):
        value = value.plain()
    return strip_language_marks(str(value))


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """docgen's sandboxed environment with a plain-text finalizer (one per process)."""
    from ..render.environment import make_environment
    return make_environment(_finalize)


def check_template_text(text: str) -> Optional[str]:
    """Why ``text`` is not a template (Jinja's syntax error), or ``None``."""
    try:
        environment().from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


@dataclass(frozen=True)
class TextTemplate:
    template: jinja2.Template
    where: SourceLocation  # the profile key or file it came from (built-in: none)

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return self.template.render(context)
        except jinja2.TemplateError as exc:
            raise TemplateError(N_("the e-mail template cannot be filled: {detail}"),
                                self.where, code="mail_template",
                                params={"detail": exc.message or str(exc)}) from None
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise TemplateError(N_("the e-mail template cannot be filled: {detail}"),
                                self.where, code="mail_template",
                                params={"detail": str(exc)}) from None


class Texts:
    """The subject and body templates of every locale, compiled once per run."""

    def __init__(self, settings: Optional["MailSettings"]) -> None:
        self.settings = settings
        self._compiled: dict[tuple[str, str], TextTemplate] = {}

    def template(self, part: str, code: str) -> TextTemplate:
        """``part`` (``subject`` or ``body``) for the locale ``code``."""
        key = (part, code)
        if key not in self._compiled:
            text, where = self._source(part, code)
            try:
                compiled = environment().from_string(text)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(N_("the e-mail template cannot be read: {detail}"),
                                    SourceLocation(file=where.file, line=where.line or exc.lineno),
                                    code="mail_template",
                                    params={"detail": exc.message or ""}) from None
            self._compiled[key] = TextTemplate(compiled, where)
        return self._compiled[key]

    def _source(self, part: str, code: str) -> tuple[str, SourceLocation]:
        s = self.settings
        given: Mapping[str, str] = (s.subject if part == "subject" else s.body) if s else {}
        folder = s.templates if s else None
        profile_file = SourceLocation(file="docgen.toml [mail]")
        candidates: list[tuple[Optional[str], SourceLocation]] = [
            (given.get(code), profile_file)]
        if folder is not None:
            path = folder / f"{part}.{code}.txt"
            candidates.append((_read(path), SourceLocation(file=str(path))))
        candidates.append((given.get(""), profile_file))
        if folder is not None:
            path = folder / f"{part}.txt"
            candidates.append((_read(path), SourceLocation(file=str(path))))
        for text, where in candidates:
            if text is not None:
                return text, where
        return BUILTIN[part].get(code, BUILTIN[part]["en"]), SourceLocation(
            file=f"<built-in {part}.{code}>")


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(N_("the e-mail template cannot be read: {detail}"),
                            SourceLocation(file=str(path)), code="mail_template",
                            params={"detail": str(exc)}) from None


def _name(value: Any) -> Optional[str]:
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("legal_name")
    return strip_language_marks(str(value)) if value else None


def mail_context(context: Mapping[str, Any], locale: "DocLocale",
                 attachments: list[str], *, number: Optional[str] = None) -> dict[str, Any]:
    """The names an e-mail template sees, from a weekly report's render context:
    ``client`` (name), ``contact``, ``project``, ``author``, ``team``, ``week_label``,
    ``week_start``, ``week_end``, ``week_range`` (formatted), ``send_at``, ``summary``
    (text), ``company`` (the profile's), ``attachments`` (file names), ``locale``,
    ``number`` (with a ledger: the issued report's number, e.g. ``WKR-2026-0007``; else
    ``None``)."""
    formatter = get_formatter(locale.primary)
    client = context.get("client")
    start, end = context.get("week_start"), context.get("week_end")
    week_range = formatter.daterange(start, end) if isinstance(start, dt.date) and \
        isinstance(end, dt.date) else ""
    contact = client.get("contact") if isinstance(client, Mapping) else None
    return {
        "client": _name(client) or "",
        "contact": contact or None,
        "project": context.get("project"),
        "author": context.get("author"),
        "team": context.get("team"),
        "week_label": context.get("week_label"),
        "week_start": start,
        "week_end": end,
        "week_range": week_range,
        "send_at": context.get("send_at"),
        "summary": context.get("summary"),
        "company": context.get("company") or {},
        "attachments": list(attachments),
        "number": number,
        "locale": locale.primary,
        "_docgen": formatter,
    }
