"""docxtpl compatibility: docxtpl's own test templates must render to the same text.

The corpus lives outside the repository, in ``../shared/compat/docxtpl/`` (see its
README): for every NAME there is ``NAME.docx``, ``NAME.context.json`` and
``NAME.expected.json`` (the paragraph texts docxtpl 0.20.2 produced). The text is
extracted here exactly as the README's "How the expected text was produced" says.
"""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from lxml import etree

from tests.support import COMPAT as CORPUS

if not CORPUS.is_dir():
    pytest.skip(f"docxtpl compatibility corpus not found at {CORPUS}",
                allow_module_level=True)

import docgen

NAMES = sorted(p.stem for p in CORPUS.glob("*.docx"))

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SELECTED_PART = re.compile(r"word/(document|header[0-9]*|footer[0-9]*|footnotes)\.xml")


# --------------------------------------------------------------- the extractor

def _nearest_paragraph(el):
    anc = el.getparent()
    while anc is not None and anc.tag != W + "p":
        anc = anc.getparent()
    return anc


def paragraph_texts(xml: bytes) -> list[str]:
    """README step 2: every w:p in document order (pre-order), its text is the
    concatenation of the w:t descendants whose nearest w:p ancestor is that
    paragraph, used exactly as parsed; paragraphs whose text is "" are dropped."""
    root = etree.fromstring(xml)
    kept = []
    for para in root.iter(W + "p"):
        text = "".join(t.text or "" for t in para.iter(W + "t")
                       if _nearest_paragraph(t) is para)
        if text != "":
            kept.append(text)
    return kept


def extract_parts(docx_bytes: bytes) -> dict[str, list[str]]:
    """README steps 2-3: one entry per ZIP member fully matching SELECTED_PART."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        return {name: paragraph_texts(z.read(name))
                for name in sorted(z.namelist()) if SELECTED_PART.fullmatch(name)}


# -------------------------------------------------------------------- corpus

def load_case(name: str):
    tpl = CORPUS / f"{name}.docx"
    ctx_file = CORPUS / f"{name}.context.json"
    exp_file = CORPUS / f"{name}.expected.json"
    for f in (tpl, ctx_file, exp_file):
        assert f.is_file(), f"corpus entry {name} is incomplete: {f.name} missing"
    with ctx_file.open(encoding="utf-8") as fh:
        context = json.load(fh)  # dicts keep the file's key order
    with exp_file.open(encoding="utf-8") as fh:
        expected = json.load(fh)
    assert isinstance(expected.get("parts"), dict)
    return tpl, context, expected


def assert_same_text(actual: dict, expected: dict, who: str) -> None:
    assert sorted(actual) == sorted(expected), f"{who}: selected parts differ"
    for part in sorted(expected):
        assert actual[part] == expected[part], f"{who}: paragraph texts of {part} differ"


def test_corpus_is_present():
    assert len(NAMES) >= 20, f"expected the 20 corpus templates, found {NAMES}"


@pytest.mark.parametrize("name", NAMES)
def test_engine_renders_same_text_as_docxtpl(name):
    tpl, context, expected = load_case(name)
    out = docgen.Template(tpl).render(context)
    assert isinstance(out, bytes)
    assert_same_text(extract_parts(out), expected["parts"], "docgen")


@pytest.mark.parametrize("name", NAMES)
def test_engine_output_keeps_zip_members_and_opens(name):
    tpl, context, _ = load_case(name)
    out = docgen.Template(tpl).render(context)
    with zipfile.ZipFile(tpl) as z:
        template_members = sorted(z.namelist())
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        out_members = z.namelist()
        for member in out_members:
            if member.endswith((".xml", ".rels")):
                etree.fromstring(z.read(member))  # every XML part well-formed
    assert len(out_members) == len(set(out_members)), "duplicate ZIP members"
    # the template's member list, directory entries ("word/") included
    missing = sorted(set(template_members) - set(out_members))
    added = sorted(set(out_members) - set(template_members))
    assert (missing, added) == ([], []), f"ZIP members missing={missing} added={added}"
    import docx
    docx.Document(io.BytesIO(out))


def test_doc_properties_core_title_is_rendered():
    # not captured by the expected text, but docxtpl renders dc:title too (README)
    tpl, context, _ = load_case("doc_properties_tpl")
    out = docgen.Template(tpl).render(context)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        core = etree.fromstring(z.read("docProps/core.xml"))
    title = core.find("{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and title.text == "HelloWorld"


# ---------------------------------------------------- reference (docxtpl itself)

@pytest.mark.parametrize("name", NAMES)
def test_reference_docxtpl_reproduces_expected_text(name):
    """Checks the corpus and the extractor above: docxtpl itself, rendered as the
    README describes, must give exactly the expected text."""
    docxtpl = pytest.importorskip("docxtpl", reason="docxtpl not installed")
    tpl, context, expected = load_case(name)
    doc = docxtpl.DocxTemplate(str(tpl))
    doc.render(context, autoescape=expected.get("autoescape", False))
    buf = io.BytesIO()
    doc.save(buf)
    assert_same_text(extract_parts(buf.getvalue()), expected["parts"], "docxtpl")
