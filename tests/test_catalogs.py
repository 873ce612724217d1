"""Every user message and document label is translated, placeholders intact.

Messages are found the way translators extract them (Babel, the keywords in the
README); a msgid without a Korean or Chinese translation would show English to a
Korean or Chinese user."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support import REPO

LOCALES = REPO / "docgen" / "i18n" / "locales"
KEYWORDS = {"N_": None, "tr": (2,), "InputError": None, "UsageError": None,
            "TemplateError": None, "OutputError": None, "error": None, "DocgenWarning": None,
            "LedgerInputError": None, "LedgerStorageError": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _code_msgids() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
            str(REPO / "docgen"), method_map=[("**.py", "python")], keywords=KEYWORDS):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def _catalog(folder: str, domain: str) -> dict[str, str]:
    with (LOCALES / folder / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
        # Singular entries only: their msgstr is a str (a plural entry's is a tuple).
        return {m.id: m.string for m in read_po(fh)
                if m.id and isinstance(m.id, str) and isinstance(m.string, str)}


CODE_MSGIDS = sorted(_code_msgids())


def test_messages_are_found() -> None:
    assert len(CODE_MSGIDS) > 100
    assert "a value is required" in CODE_MSGIDS


@pytest.mark.parametrize("folder", ["ko", "zh_CN", "zh_TW"])  # English falls back to the msgid
def test_every_message_is_translated(folder: str) -> None:
    catalog = _catalog(folder, "messages")
    missing = [m for m in CODE_MSGIDS if not catalog.get(m)]
    assert not missing, f"{folder}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("domain", ["messages", "labels"])
@pytest.mark.parametrize("folder", ["ko", "zh_CN", "zh_TW", "en"])
def test_translations_keep_their_placeholders(folder: str, domain: str) -> None:
    bad = [(msgid, text) for msgid, text in _catalog(folder, domain).items()
           if text and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))]
    assert not bad, bad[:5]


@pytest.mark.parametrize("folder", ["ko", "zh_CN", "zh_TW"])
def test_every_label_is_translated(folder: str) -> None:
    english = _catalog("en", "labels")
    catalog = _catalog(folder, "labels")
    missing = [m for m in english if not catalog.get(m)]
    assert not missing, missing[:5]
