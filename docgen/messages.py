"""User-facing messages in the user's language (gettext domain ``messages``).

Every message a user can read goes through :func:`tr` with named placeholders, so
translators see whole sentences and the CLI can print them in the chosen locale.
"""
from __future__ import annotations

from typing import Any, Optional

from .errors import Msg
from .i18n.catalog import translations
from .i18n.locale import DocLocale


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


def tr(locale: Optional[DocLocale], message: str, /, **params: Any) -> str:
    """Translate ``message`` into the locale's primary language and fill placeholders."""
    code = locale.primary if locale is not None else "en"
    gettext = translations("messages", code).gettext
    text = gettext(message)
    params = {k: v.text(gettext) if isinstance(v, Msg) else v for k, v in params.items()}
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):  # a broken translation must not crash
        return message.format(**params) if params else message
