"""docxtpl compatibility: docxtpl's own test templates must render to the same text.

The corpus lives outside the repository, in ``../shared/compat/docxtpl/`` (see its
README): for every NAME there is ``NAME.docx``, ``NAME.context.json`` and
``NAME.expected.json`` (the paragraph texts docxtpl 0.20.2 produced). The text is
extracted here exactly as the README's "How the expected text was produced" says.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from lxml import etree

from tests import ooxml_schema
from tests.engine.docx_builders import body_docx, build_docx, p, proof_err, run, tbl
from tests.support import COMPAT as CORPUS

if not CORPUS.is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"the docxtpl compatibility corpus is required in CI; not found "
                           f"at {CORPUS} (set DOCGEN_DOCXTPL_CORPUS)")
    pytest.skip(f"docxtpl compatibility corpus not found at {CORPUS} "
                f"(set DOCGEN_DOCXTPL_CORPUS)", allow_module_level=True)

import docgen

NAMES = sorted(p.stem for p in CORPUS.glob("*.docx"))

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SELECTED_PART = re.compile(r"word/(document|header[0-9]*|footer[0-9]*|footnotes)\.xml")


# --------------------------------------------------------------- the extractor

def _nearest_paragraph(el: Any) -> Any:
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

def load_case(name: str) -> tuple[Path, dict[str, Any], dict[str, Any]]:
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


def assert_same_text(actual: dict[str, list[str]], expected: dict[str, Any], who: str) -> None:
    assert sorted(actual) == sorted(expected), f"{who}: selected parts differ"
    for part in sorted(expected):
        assert actual[part] == expected[part], f"{who}: paragraph texts of {part} differ"


def test_corpus_is_present() -> None:
    assert len(NAMES) >= 20, f"expected the 20 corpus templates, found {NAMES}"


@pytest.mark.parametrize("name", NAMES)
def test_engine_renders_same_text_as_docxtpl(name: str) -> None:
    tpl, context, expected = load_case(name)
    out = docgen.Template(tpl).render(context)
    assert isinstance(out, bytes)
    assert_same_text(extract_parts(out), expected["parts"], "docgen")


@pytest.mark.parametrize("name", NAMES)
def test_engine_output_keeps_zip_members_and_opens(name: str) -> None:
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


def _schema_problems(docx_bytes: bytes) -> set[str]:
    """Schema problems of the rendered-part kinds, without line numbers."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        return {re.sub(r":\d+:", ":", msg) for name in z.namelist()
                if SELECTED_PART.fullmatch(name)
                for msg in ooxml_schema.validate_part(name, z.read(name))}


@pytest.mark.parametrize("name", NAMES)
def test_engine_output_adds_no_schema_problem(name: str) -> None:
    """Rendering adds no ECMA-376 problem (one template's own sectPr already has one)."""
    ooxml_schema.require()
    tpl, context, _ = load_case(name)
    out = docgen.Template(tpl).render(context)
    assert _schema_problems(out) <= _schema_problems(tpl.read_bytes())


def test_doc_properties_core_title_is_rendered() -> None:
    # not captured by the expected text, but docxtpl renders dc:title too (README)
    tpl, context, _ = load_case("doc_properties_tpl")
    out = docgen.Template(tpl).render(context)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        core = etree.fromstring(z.read("docProps/core.xml"))
    title = core.find("{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and title.text == "HelloWorld"


# ---------------------------------------------------- reference (docxtpl itself)

@pytest.mark.parametrize("name", NAMES)
def test_reference_docxtpl_reproduces_expected_text(name: str) -> None:
    """Checks the corpus and the extractor above: docxtpl itself, rendered as the
    README describes, must give exactly the expected text."""
    docxtpl = pytest.importorskip("docxtpl", reason="docxtpl not installed")
    tpl, context, expected = load_case(name)
    doc = docxtpl.DocxTemplate(str(tpl))
    doc.render(context, autoescape=expected.get("autoescape", False))
    buf = io.BytesIO()
    doc.save(buf)
    assert_same_text(extract_parts(buf.getvalue()), expected["parts"], "docxtpl")


# ------------------------------------- docxtpl features the corpus cannot cover
#
# The corpus has no template for these (its README: they need a non-JSON context in
# docxtpl's own tests). Here the templates are built with the test builders, docgen
# renders them from plain data, and the text is read with the extractor above. When
# docxtpl is installed it renders the same template, given its own objects where a
# plain value is not enough for it (``RichText`` for ``{{r}}``, ``RichTextParagraph``
# for ``{{p}}``), and must give the same text: that checks the expectations.


def _page_breaks_as_paragraphs(docx_bytes: bytes) -> dict[str, list[str]]:
    """docgen puts ``\\f``'s page break inside the value's run (Word's own way);
    docxtpl gives it a paragraph of its own. Read docgen's breaks as paragraph ends."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if SELECTED_PART.fullmatch(name):
                root = etree.fromstring(data)
                for br in list(root.iter(W + "br")):
                    if br.get(W + "type") == "page":
                        _end_paragraph_at(br)
                data = etree.tostring(root)
            zout.writestr(name, data)
    return extract_parts(out.getvalue())


def _end_paragraph_at(br: Any) -> None:
    run_el = br.getparent()
    para = run_el.getparent()
    after_run = etree.Element(W + "r")
    for el in list(br.itersiblings()):
        after_run.append(el)
    run_el.remove(br)
    new_para = etree.Element(W + "p")
    new_para.append(after_run)
    for el in list(run_el.itersiblings()):
        new_para.append(el)
    para.addnext(new_para)


def _docxtpl_text(template: bytes, context: dict[str, Any]) -> dict[str, list[str]]:
    docxtpl = pytest.importorskip("docxtpl", reason="docxtpl not installed")
    doc = docxtpl.DocxTemplate(io.BytesIO(template))
    doc.render({k: v(docxtpl) if callable(v) else v for k, v in context.items()})
    buf = io.BytesIO()
    doc.save(buf)
    return extract_parts(buf.getvalue())


def _rich(text: str) -> Callable[[Any], Any]:
    return lambda docxtpl: docxtpl.RichText(text)


def _rich_paragraph(text: str, style: str) -> Callable[[Any], Any]:
    def make(docxtpl: Any) -> Any:
        rtp = docxtpl.RichTextParagraph()
        rtp.add(text, parastyle=style)
        return rtp
    return make


WORD2016_R = p(run("Before ", rsid="00A1B2C3"), run("{{r ", bold=True, rsid="00D4E5F6"),
               proof_err("spellStart"), run("x", bold=True, rsid="00D4E5F6"),
               proof_err("spellEnd"), run(" }}", rsid="00A1B2C3"), run(" after.",
                                                                         rsid="00A1B2C3"),
               para_id="1A2B3C4D", rsid="00A1B2C3")

# name -> (template, docgen context, docxtpl context or None for the same, expected
# document.xml text); page_breaks: compare with page breaks read as paragraph ends
UNCOVERED: dict[str, tuple[bytes, dict[str, Any], Optional[dict[str, Any]], list[str]]] = {
    "escapes_n_t_a": (body_docx(p(run("Note: {{ v }}", bold=True), style="Heading1")),
                      {"v": "a\nb\tc\ad\ae"}, None, ["Note: abc", "d", "e"]),
    "escape_f": (body_docx(p(run("Page {{ v }} end"))), {"v": "one\ftwo"}, None,
                 ["Page one", "two end"]),
    "r_value_alone_in_run": (body_docx(p(run("Before "), run("{{r x }}", bold=True),
                                         run(" after."))),
                             {"x": "X"}, {"x": _rich("X")}, ["Before X after."]),
    "r_value_sharing_run": (body_docx(p(run("Before {{r x }} after."))),
                            {"x": "X"}, {"x": _rich("X")}, ["Before X after."]),
    "r_value_word2016_split": (body_docx(WORD2016_R), {"x": "Seoul"},
                               {"x": _rich("Seoul")}, ["Before Seoul after."]),
    "r_if_in_one_run": (body_docx(p(run("Total: {%r if vip %}VIP {%r endif %}100"))),
                        {"vip": True}, None, ["Total: VIP 100"]),
    "r_if_false_in_one_run": (body_docx(p(run("Total: {%r if vip %}VIP {%r endif %}100"))),
                              {"vip": False}, None, ["Total: 100"]),
    "r_if_over_runs": (body_docx(p(run("Dear {%r if vip %}"), run("VIP ", bold=True),
                                   run("{%r endif %}{{ name }}"))),
                       {"vip": True, "name": "Kim"}, None, ["Dear VIP Kim"]),
    "p_value": (body_docx(p("Intro"), p(run("{{p t }}"), style="Title"), p("Outro")),
                {"t": "Heading"}, {"t": _rich_paragraph("Heading", "Title")},
                ["Intro", "Heading", "Outro"]),
    "cellbg": (build_docx([tbl([["Name", "Status"],
                                ["{{ name }}", "{% cellbg color %}{{ status }}"]])]),
               {"name": "ACME", "status": "late", "color": "FF0000"}, None,
               ["Name", "Status", "ACME", "late"]),
    "split_over_paragraphs": (body_docx(p(run("Dear {{ client.")), p(run("name }}, hi"))),
                              {"client": {"name": "ACME"}}, None, ["Dear ACME, hi"]),
}


@pytest.mark.parametrize("name", sorted(UNCOVERED))
def test_uncovered_feature_renders_the_expected_text(name: str) -> None:
    template, context, _, expected = UNCOVERED[name]
    out = docgen.Template(template).render(context)
    read = _page_breaks_as_paragraphs if name == "escape_f" else extract_parts
    assert read(out)["word/document.xml"] == expected
    import docx
    docx.Document(io.BytesIO(out))
    if ooxml_schema.available():
        assert not _schema_problems(out)


@pytest.mark.parametrize("name", sorted(UNCOVERED))
def test_uncovered_feature_text_is_what_docxtpl_gives(name: str) -> None:
    template, context, docxtpl_context, expected = UNCOVERED[name]
    got = _docxtpl_text(template, docxtpl_context or context)
    assert got["word/document.xml"] == expected


def test_uncovered_cellbg_shades_the_cell_as_docxtpl_does() -> None:
    template, context, _, _ = UNCOVERED["cellbg"]
    out = docgen.Template(template).render(context)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    fills = [shd.get(W + "fill") for shd in root.iter(W + "shd")]
    assert fills == ["FF0000"]
