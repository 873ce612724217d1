"""Paths and constants shared by the tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docgen.kinds import Kind

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# docxtpl's own test templates stay outside the repository (they are LGPL test data):
# read from $DOCGEN_DOCXTPL_CORPUS, else from the shared folder beside the checkout.
COMPAT = Path(os.environ.get("DOCGEN_DOCXTPL_CORPUS")
              or REPO.parent / "shared" / "compat" / "docxtpl")
LOCALES = ("ko", "zh-CN", "zh-TW", "en")


def builtin_kind(name: str) -> Kind:
    """The kind called ``name`` (``docgen.kinds.get`` gives None for an unknown one;
    the tests only ask for kinds that exist)."""
    from docgen import kinds

    found = kinds.get(name)
    assert found is not None, f"no kind {name!r}"
    return found


def plain_docx(*paragraphs: str) -> bytes:
    """A .docx made with python-docx's default document, one paragraph per text."""
    import io

    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
