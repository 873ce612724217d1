"""User-facing messages in the user's language (gettext domain ``messages``).

Every message a user can read goes through :func:`tr` with named placeholders, so
translators see whole sentences and the CLI can print them in the chosen locale.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from .errors import DocgenError, DocgenWarning, Msg
from .i18n.catalog import translations
from .i18n.locale import DocLocale


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


def tr(locale: Optional[DocLocale], message: str, /, **params: Any) -> str:
    """Translate ``message`` into the locale's primary language and fill placeholders."""
    code = locale.primary if locale is not None else "en"
    return Msg(message, params).text(translations("messages", code).gettext)


def localize_error(exc: Union[DocgenError, DocgenWarning], locale: Optional[DocLocale]) -> str:
    """An error or warning with its location, in the locale's primary language."""
    code = locale.primary if locale is not None else "en"
    return exc.localized(translations("messages", code).gettext)
