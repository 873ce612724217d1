"""The built-in templates are documents: the committed .docx/.xlsx files are the source
of truth (edited in Word, Excel or LibreOffice; tools/ builders are only scaffolding).

Checked on the files themselves: every part parses, every template compiles, no tag
is generated code (no tag longer than MAX_TAG characters once the text of its labels,
``_("…")``, is set aside; no locale tests or string surgery), an Excel sheet has no repeated rows (no height variants of a row), every
sample renders, and ``template new`` hands out exactly these files.
"""
from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from lxml import etree

from docgen.cli import main
from docgen.template import Template
from tests.support import REPO, SAMPLES

_spec = importlib.util.spec_from_file_location("dump_template", REPO / "tools" / "dump_template.py")
assert _spec is not None and _spec.loader is not None
_dump_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dump_module)
dump: Callable[..., str] = _dump_module.dump

TEMPLATES = sorted((REPO / "templates").glob("*/*.[dx][ol][cs]x"))
KINDS = sorted({p.parent.name for p in TEMPLATES})
MAX_TAG = 80
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
# The quoted text of a label, _("…") / gettext("…") / ngettext("…", "…"): as long as the
# label's wording, so not counted; every other character of a tag is.
LABEL_TEXT = re.compile(r'(\b_|\bgettext|\bngettext)\(\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')'
                        r'(\s*,\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'))?')
# What a tag computing wording itself is made of (docgen.enrich, the |paren, |colon and
# |series filters and date("compact") do it once, in code).
CODE_IN_TAGS = ("locale[:2]", "partition(")
TR_TAG = re.compile(r"\{%-?\s*tr\s.*?%\}", re.DOTALL)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}.{p.suffix[1:]}" for p in paths]


def _tags(path: Path) -> list[str]:
    return TAG.findall(dump(path, text_only=True).replace("\\n", "\n"))


def test_every_kind_has_both_templates() -> None:
    assert len(KINDS) >= 5
    for kind in KINDS:
        for fmt in ("docx", "xlsx"):
            assert (REPO / "templates" / kind / f"{kind}.{fmt}").is_file(), (kind, fmt)


@pytest.mark.parametrize("path", TEMPLATES, ids=_ids(TEMPLATES))
def test_every_part_parses_and_the_template_compiles(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name), PARSER)
    assert Template(path).fields()  # compiles, and reads the kind's data


@pytest.mark.parametrize("path", TEMPLATES, ids=_ids(TEMPLATES))
def _bare(tag: str) -> str:
    return LABEL_TEXT.sub(lambda m: m.group(1) + '("…"', tag)


def test_label_text_is_all_that_is_set_aside() -> None:
    assert _bare('{{ _("Client meeting") }}') == '{{ _("…") }}'
    assert _bare("{{ ngettext('a', 'b', n) }}") == '{{ ngettext("…", n) }}'
    assert _bare('{{ x if a == "client" else "—" }}') == '{{ x if a == "client" else "—" }}'


@pytest.mark.parametrize("path", TEMPLATES, ids=_ids(TEMPLATES))
def test_no_tag_is_generated_code(path: Path) -> None:
    """A tag an author can read and edit: its code (the text of its labels aside — a
    label's text is as long as the label) stays within MAX_TAG characters, and no tag
    picks punctuation by testing the locale or cuts strings apart."""
    tags = _tags(path)
    assert len(tags) > 20
    long = [t for t in tags if len(_bare(t)) > MAX_TAG]
    assert not long, long
    coded = [t for t in tags if any(c in t for c in CODE_IN_TAGS)]
    assert not coded, coded
    # what the old height estimates were made of
    assert not [t for t in tags if "encode(" in t or "|length" in t or " nl " in t]


@pytest.mark.parametrize("path", [p for p in TEMPLATES if p.suffix == ".xlsx"],
                         ids=_ids([p for p in TEMPLATES if p.suffix == ".xlsx"]))
def test_no_row_is_repeated(path: Path) -> None:
    """Each label row appears once: the engine sizes rows, so no template carries a
    row again to pick another height (such variants sat one under the other; the
    same table header over two tables is fine)."""
    rows: dict[str, dict[int, list[str]]] = {}
    for line in dump(path, text_only=True).splitlines():
        m = re.match(r"^(.+?)!([A-Z]+)(\d+): (.*)$", line)
        if m:
            sheet, col, row, text = m.groups()
            rows.setdefault(sheet, {}).setdefault(int(row), []).append(f"{col}:{text}")
    assert rows
    for sheet, by_row in rows.items():
        for row, cells in sorted(by_row.items()):
            above = by_row.get(row - 1)
            if above is not None:
                bare = [TR_TAG.sub("", c) for c in cells]
                assert [TR_TAG.sub("", c) for c in above] != bare, f"{sheet} row {row}: {bare}"


@pytest.mark.parametrize("path", [p for p in TEMPLATES if p.suffix == ".xlsx"],
                         ids=_ids([p for p in TEMPLATES if p.suffix == ".xlsx"]))
def test_each_label_appears_in_few_places(path: Path) -> None:
    """Renaming a label is a few edits, not ten (a label may appear on both sides of
    a signature block, in a title and the page header, or over each of a report's
    task tables)."""
    labels: dict[str, int] = {}
    for tag in _tags(path):
        for msgid in re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', tag):
            labels[msgid] = labels.get(msgid, 0) + 1
    assert labels
    crowded = {m: n for m, n in labels.items() if n > 6}
    assert not crowded, crowded


SAMPLE_FILES = sorted(p for kind in KINDS for p in (SAMPLES / kind).glob("*.yaml"))


@pytest.mark.parametrize("sample", SAMPLE_FILES,
                         ids=[f"{p.parent.name}-{p.stem}" for p in SAMPLE_FILES])
def test_every_sample_renders(sample: Path, tmp_path: Path) -> None:
    kind = sample.parent.name
    result = CliRunner().invoke(main, ["render", kind, str(sample), "-f", "docx,xlsx",
                                       "-o", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = sorted(tmp_path.iterdir())
    assert {p.suffix for p in written} == {".docx", ".xlsx"}
    for out in written:
        text = dump(out, text_only=True)
        assert not re.search(r"\{\{|\{%|%\}|\}\}", text), (out.name, text[:500])


@pytest.mark.parametrize("path", TEMPLATES, ids=_ids(TEMPLATES))
def test_template_new_hands_out_the_file_itself(path: Path, tmp_path: Path) -> None:
    kind, fmt = path.parent.name, path.suffix[1:]
    dest = tmp_path / f"my_{kind}.{fmt}"
    result = CliRunner().invoke(main, ["template", "new", kind, "-f", fmt, "-o", str(dest)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert dest.read_bytes() == path.read_bytes()


def test_dump_is_stable_and_readable(tmp_path: Path) -> None:
    """tools/dump_template.py: the same content saved in another member order and
    indentation dumps the same text; cells read as Sheet!A1: text."""
    src = REPO / "templates" / "invoice" / "invoice.xlsx"
    with zipfile.ZipFile(src) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist()]
    other = tmp_path / "invoice.xlsx"
    with zipfile.ZipFile(other, "w") as zf:
        for name, data in reversed(members):
            if name.endswith(".xml"):
                root = etree.fromstring(data, PARSER)
                etree.indent(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            zf.writestr(name, data)
    first = dump(src)
    assert dump(other) == first
    assert re.search(r"^Invoice!A\d+: \{\{ _\(\"Invoice Request\"\) \}\}(\{% if docgen\.draft .*)?$",
                     first, re.M)  # the title, then the ledger's draft mark
    assert "## part xl/worksheets/sheet1.xml" in first


def test_templates_survive_an_edit_in_libreoffice(soffice: str, tmp_path: Path) -> None:
    """An author opens a template in LibreOffice and saves it: every template still
    compiles and renders its Korean sample, nothing of its tags lost (LibreOffice
    rewrites runs, shared strings and styles its own way)."""
    import subprocess

    src = tmp_path / "src"
    src.mkdir()
    for path in TEMPLATES:
        (src / f"{path.parent.name}.{path.suffix[1:]}").write_bytes(path.read_bytes())
    saved = tmp_path / "saved"
    for fmt, filt in (("docx", "docx:MS Word 2007 XML"), ("xlsx", "xlsx:Calc MS Excel 2007 XML")):
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                        "--convert-to", filt, "--outdir", str(saved),
                        *sorted(str(p) for p in src.glob(f"*.{fmt}"))],
                       check=True, capture_output=True, timeout=300)
    for path in TEMPLATES:
        kind, fmt = path.parent.name, path.suffix[1:]
        resaved = saved / f"{kind}.{fmt}"
        assert resaved.is_file(), resaved
        assert Template(resaved).fields() == Template(path).fields(), (kind, fmt)
        out = tmp_path / f"out-{kind}-{fmt}"
        result = CliRunner().invoke(main, ["render", kind, str(SAMPLES / kind / "ko.yaml"),
                                           "-f", fmt, "--template", str(resaved),
                                           "-o", str(out)], catch_exceptions=False)
        assert result.exit_code == 0, (kind, fmt, result.output)
        text = dump(next(out.iterdir()), text_only=True)
        assert not re.search(r"\{\{|\{%|%\}|\}\}", text), (kind, fmt)
