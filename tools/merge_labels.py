"""Add template labels declared in ``tools/labels/*.yaml`` to the ``labels`` catalogs.

Template authors declare the labels a template uses next to its build script::

    # tools/labels/invoice.yaml
    "Invoice Request":
      ko: 세금계산서 발행 요청서
      zh-CN: 开票申请单
      zh-TW: 開立發票申請單
      note: Document kind name; title block.     # optional translator comment

``python tools/merge_labels.py`` appends every msgid a catalog lacks (English
msgstr = msgid) and leaves existing entries alone: once merged, the ``.po`` files
are the reference translators edit. A msgid declared twice with different wording
is reported, not guessed.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tools" / "labels"
CATALOGS = ROOT / "docgen" / "i18n" / "locales"
LOCALES = {"ko": "ko", "zh-CN": "zh_CN", "zh-TW": "zh_TW", "en": "en"}


def _po_string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\t", "\\t"))
    return f'"{escaped}"'


def load_declarations() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    problems = []
    for path in sorted(LABELS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for msgid, entry in data.items():
            entry = dict(entry or {})
            entry.setdefault("en", msgid)
            entry["source"] = f"templates/{path.stem}"
            if msgid in merged:
                old = merged[msgid]
                for code in LOCALES:
                    if old.get(code) != entry.get(code):
                        problems.append(f"{path.name}: {msgid!r} [{code}] {entry.get(code)!r}"
                                        f" differs from {old.get(code)!r}")
                old["source"] += " " + entry["source"]
                continue
            merged[str(msgid)] = entry
    for p in problems:
        print("conflict:", p, file=sys.stderr)
    return merged


def main() -> int:
    declared = load_declarations()
    for code, folder in LOCALES.items():
        po_path = CATALOGS / folder / "LC_MESSAGES" / "labels.po"
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        known = {m.id for m in catalog if m.id}
        added = []
        for msgid, entry in declared.items():
            if msgid in known:
                continue
            text = entry.get(code)
            if not text:
                print(f"missing {code} translation for {msgid!r}", file=sys.stderr)
                continue
            block = ""
            if entry.get("note"):
                block += f"#. {entry['note']}\n"
            block += f"#: {entry['source']}\nmsgid {_po_string(msgid)}\nmsgstr {_po_string(text)}\n"
            added.append(block)
        if added:
            with po_path.open("a", encoding="utf-8") as fh:
                fh.write("\n" + "\n".join(added))
        print(f"{folder}: {len(added)} added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
