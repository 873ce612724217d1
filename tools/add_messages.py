"""Append translations of new user messages to the ``messages`` catalogs.

``python tools/add_messages.py FILE.yaml`` where the file maps each English msgid to
``{ko: …, zh_CN: …, zh_TW: …}``. Entries a catalog already has are left alone (the
``.po`` files stay the reference translators edit); English gets msgstr = msgid.
Find msgids that still lack a translation with ``pytest tests/test_catalogs.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("ko", "zh_CN", "zh_TW", "en")


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str]) -> int:
    entries: dict[str, dict[str, str]] = {}
    for name in argv:
        entries.update(yaml.safe_load(Path(name).read_text(encoding="utf-8")) or {})
    for folder in FOLDERS:
        path = ROOT / "docgen" / "i18n" / "locales" / folder / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            known = {m.id for m in read_po(fh) if m.id}
        blocks = []
        for msgid, texts in entries.items():
            if msgid in known:
                continue
            text = msgid if folder == "en" else (texts or {}).get(folder)
            if not text:
                print(f"{folder}: no translation for {msgid!r}", file=sys.stderr)
                continue
            flag = "#, python-brace-format\n" if "{" in msgid else ""
            blocks.append(f"{flag}msgid {_po_string(msgid)}\nmsgstr {_po_string(text)}\n")
        if blocks:
            with path.open("a", encoding="utf-8") as fh:
                fh.write("\n" + "\n".join(blocks))
        print(f"{folder}: {len(blocks)} added")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
