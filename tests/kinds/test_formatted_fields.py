"""``format: markdown`` fields of the built-in kinds (issue 12, points 1 and 4).

The schema side: which fields are Markdown, that validation and kind.yaml accept the
format (text fields only), that the render context carries those values as
:class:`MarkdownText` (top level, nested objects, list items) and that such a value
still behaves as the plain ``str`` it was (JSON, pickling for batch workers, file
names, the ledger's archived record).

The output side, for every sample of minutes, brief and weekly in every locale, read
back with python-docx/lxml and openpyxl: the Word file has a list paragraph
(``w:numPr``, at the right ``w:ilvl``) for every bullet and numbered item of the
sample, bold runs where the sample has ``**…**``, its own numbering instance for each
numbered list (a list in the second discussion point starts again at 1), and is valid
against the ECMA-376 schemas; the Excel cell holding a formatted value is a rich-text
cell whose bold runs are the sample's.
"""
from __future__ import annotations

import copy
import io
import json
import pickle
import re
from pathlib import Path
from typing import Any, Iterator, Optional

import openpyxl
import pytest
from lxml import etree
from openpyxl.cell.rich_text import CellRichText, TextBlock

from docgen import kinds
from docgen.declarative import KindDefinitionError
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.inputs import SourceMap, read_record
from docgen.ledger.store import canonical_json
from docgen.output import output_name
from docgen.profile import Profile
from docgen.render.markdown import MarkdownText
from docgen.render.textmodel import Block
from docgen.template import Template
from docgen.validation import FIELD_FORMATS, Validator
from tests import ooxml_schema
from tests.support import LOCALES, REPO, SAMPLES

from .support import kind

KINDS = ("minutes", "brief", "weekly")
CODES = (*LOCALES, "ko+zh-CN")
CASES = [(k, code) for k in KINDS for code in CODES]

# The free-text fields each kind marks `format: markdown` ("*" is every list item).
MARKDOWN_FIELDS: dict[str, set[tuple[str, ...]]] = {
    "minutes": {("discussion", "*", "notes"), ("outcome", "notes")},
    "brief": {("background",), ("objective",), ("target_audience",), ("insight",),
              ("reason_to_believe",)},
    "weekly": {("summary",), ("remarks",), ("tasks", "*", "note"), ("issues", "*", "impact"),
               ("issues", "*", "action")},
}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"


# ------------------------------------------------------------------------ helpers

def markdown_paths(node: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths of a schema's ``format: markdown`` fields."""
    if node.get("format") == "markdown":
        yield path
    for branch in node.get("anyOf") or ():
        yield from markdown_paths(branch, path)
    for name, sub in (node.get("properties") or {}).items():
        yield from markdown_paths(sub, path + (name,))
    if isinstance(node.get("items"), dict):
        yield from markdown_paths(node["items"], path + ("*",))


def values_at(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (concrete path, value) that ``path`` names in ``data``."""
    if not path:
        yield (), data
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for i, item in enumerate(data if isinstance(data, list) else ()):
            for sub, value in values_at(item, rest):
                yield (i, *sub), value
    elif isinstance(data, dict) and data.get(head) is not None:
        for sub, value in values_at(data[head], rest):
            yield (head, *sub), value


def sample(kind_name: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sample's record data and its render context."""
    rec = read_record(SAMPLES / kind_name / f"{code}.yaml")
    k = kind(kind_name)
    ctx = build_context(rec.data, k.schema, locale=DocLocale.parse(code), compute=k.compute,
                        data_file=rec.source.file)
    return rec.data, ctx


def formatted_values(kind_name: str, ctx: dict[str, Any]) -> list[tuple[tuple[Any, ...], MarkdownText]]:
    out = []
    for path in sorted(MARKDOWN_FIELDS[kind_name]):
        for where, value in values_at(ctx, path):
            assert isinstance(value, MarkdownText), (where, type(value))
            out.append((where, value))
    return out


def bold_texts(blocks: list[Block]) -> list[str]:
    return [s.text for b in blocks for s in b.spans if s.style.bold and s.text.strip()]


# ------------------------------------------------------------------------ schema side

@pytest.mark.parametrize("kind_name", sorted(kinds.builtin_names()))
def test_builtin_schemas_name_only_known_formats(kind_name: str) -> None:
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "format" in node:
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for node in walk(kind(kind_name).schema):
        assert node["format"] in FIELD_FORMATS, node
        if node["format"] == "markdown":
            assert node["type"] == "string", node
            assert "**bold**" in node.get("description", ""), node  # the schema says so


@pytest.mark.parametrize("kind_name", KINDS)
def test_the_free_text_fields_are_markdown(kind_name: str) -> None:
    assert set(markdown_paths(kind(kind_name).schema)) == MARKDOWN_FIELDS[kind_name]


@pytest.mark.parametrize("kind_name,code", CASES)
def test_samples_are_valid_and_show_every_formatting(kind_name: str, code: str) -> None:
    data, ctx = sample(kind_name, code)
    rec = read_record(SAMPLES / kind_name / f"{code}.yaml")
    problems = Validator(kind(kind_name).schema, DocLocale.parse(code)).validate(
        rec.data, rec.source)
    assert [p for p in problems if p.severity == "error"] == []
    values = formatted_values(kind_name, ctx)
    blocks = [b for _, v in values for b in v.blocks()]
    assert any(b.kind == "bullet" and b.level == 0 for b in blocks), code
    assert any(b.kind == "number" for b in blocks), code
    assert bold_texts(blocks), code
    assert any(b.level >= 1 for b in blocks), code  # a nested bullet
    # The record's own values stay plain text; only the context's are marked.
    for where, value in values:
        raw: Any = data
        for key in where:
            raw = raw[key]
        assert type(raw) is str and raw == value


def test_other_text_fields_stay_plain_str() -> None:
    _, ctx = sample("minutes", "ko")
    assert type(ctx["title"]) is str
    assert all(type(d["topic"]) is str for d in ctx["discussion"])
    assert all(type(i) is str for i in ctx["decisions"])


def test_a_markdown_value_still_behaves_as_its_text() -> None:
    data, ctx = sample("minutes", "ko")
    notes = ctx["outcome"]["notes"]
    assert isinstance(notes, MarkdownText) and notes == data["outcome"]["notes"]
    # JSON outputs (ledger archive, manifests) write the text as typed.
    assert json.loads(json.dumps(ctx["discussion"], ensure_ascii=False, default=str)) == \
        data["discussion"]
    assert canonical_json({"n": notes}) == canonical_json({"n": str(notes)})
    # Batch workers receive contexts pickled.
    again = pickle.loads(pickle.dumps(ctx["discussion"]))
    assert isinstance(again[0]["notes"], MarkdownText) and again == ctx["discussion"]
    # --name patterns fill in the text (file-name characters sanitized as for any text).
    assert output_name("{outcome.notes}", ctx) == output_name("{n}", {"n": str(notes)})
    # str methods give plain str back.
    assert type(notes.upper()) is str and notes.startswith("캠페인")


def test_empty_and_missing_markdown_fields() -> None:
    _, ctx = sample("weekly", "en")  # en has no remarks; several tasks have no note
    assert ctx["remarks"] is None
    assert any(t["note"] is None for t in ctx["tasks"])
    ctx2 = kinds_context("minutes", {"title": "t", "date": "2026-01-05",
                                     "attendees": [{"name": "a"}],
                                     "discussion": [{"topic": "x", "notes": ""}]})
    assert ctx2["discussion"][0]["notes"] == "" and ctx2["discussion"][0]["notes"].blocks() == []


def kinds_context(kind_name: str, data: dict[str, Any]) -> dict[str, Any]:
    k = kind(kind_name)
    return build_context(data, k.schema, locale=DocLocale("ko"), compute=k.compute)


KIND_YAML = """\
schema:
  title: Note
  x-labels: {ko: 메모, en: Note}
  required: [title]
  properties:
    title: {title: Title, type: string}
    body:
      title: Body
      type: string
      format: markdown
    points:
      title: Points
      type: array
      items:
        title: Point
        type: object
        properties:
          text: {title: Text, type: string, format: markdown, maxLength: 20}
"""


def _user_kind(tmp_path: Path, text: str) -> Optional[kinds.Kind]:
    folder = tmp_path / "kinds" / "note"
    folder.mkdir(parents=True)
    (folder / "kind.yaml").write_text(text, encoding="utf-8")
    return kinds.get("note", Profile(kinds_path=tmp_path / "kinds"))


def test_user_kind_with_markdown_fields(tmp_path: Path) -> None:
    k = _user_kind(tmp_path, KIND_YAML)
    assert k is not None
    data = {"title": "t", "body": "- **a**\n- b", "points": [{"text": "1. x\n2. y"},
                                                            {"text": "*" * 30}]}
    problems = Validator(k.schema, DocLocale("en")).validate(data, SourceMap("<data>"))
    # Markdown is any text: the only problem is the too-long point, shown as typed.
    assert [(p.path, p.code) for p in problems] == [("points[1].text", "max_length")]
    ctx = build_context(data, k.schema, locale=DocLocale("en"), compute=k.compute)
    assert isinstance(ctx["body"], MarkdownText)
    assert [b.kind for b in ctx["body"].blocks()] == ["bullet", "bullet"]
    assert [b.kind for b in ctx["points"][0]["text"].blocks()] == ["number", "number"]


def test_format_markdown_needs_a_text_field(tmp_path: Path) -> None:
    with pytest.raises(KindDefinitionError) as info:
        _user_kind(tmp_path, KIND_YAML.replace("title: Body\n      type: string",
                                               "title: Body\n      type: number"))
    assert "format 'markdown' is for text fields: give the field type: string" in \
        str(info.value)


def test_unknown_format_in_kind_yaml_lists_markdown(tmp_path: Path) -> None:
    with pytest.raises(KindDefinitionError) as info:
        _user_kind(tmp_path, KIND_YAML.replace("format: markdown\n    points",
                                               "format: md\n    points"))
    assert "unknown format 'md' (use date, time, image, markdown)" in str(info.value)


# ------------------------------------------------------------------------ Word

def _render(kind_name: str, code: str, fmt: str) -> tuple[dict[str, Any], bytes]:
    _, ctx = sample(kind_name, code)
    template = Template(REPO / "templates" / kind_name / f"{kind_name}.{fmt}")
    return ctx, template.render(ctx, DocLocale.parse(code))


class WordLists:
    """The paragraphs of a rendered .docx with their list numbering resolved
    (direct ``w:numPr`` or through the paragraph style's)."""

    def __init__(self, data: bytes) -> None:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            self.body = etree.fromstring(zf.read("word/document.xml"))
            styles = etree.fromstring(zf.read("word/styles.xml"))
            names = zf.namelist()
            self.numbering = (etree.fromstring(zf.read("word/numbering.xml"))
                              if "word/numbering.xml" in names else None)
        self.style_num: dict[str, tuple[Optional[str], Optional[str]]] = {}
        self.style_base: dict[str, str] = {}
        for st in styles.iter(W + "style"):
            sid = st.get(W + "styleId") or ""
            num = st.find(f"{W}pPr/{W}numPr")
            if num is not None:
                self.style_num[sid] = (_val(num.find(W + "numId")), _val(num.find(W + "ilvl")))
            base = st.find(W + "basedOn")
            if base is not None:
                self.style_base[sid] = base.get(W + "val") or ""

    def paragraphs(self) -> Iterator[tuple[str, Optional[str], int, etree._Element]]:
        """(text, numId or None, ilvl, the w:p) of every body paragraph."""
        for p in self.body.iter(W + "p"):
            text = "".join(_run_text(r) for r in p.iter(W + "r"))
            num_id, ilvl = self._num(p)
            yield text, num_id, int(ilvl or 0), p

    def _num(self, p: etree._Element) -> tuple[Optional[str], Optional[str]]:
        num = p.find(f"{W}pPr/{W}numPr")
        direct = ((_val(num.find(W + "numId")), _val(num.find(W + "ilvl")))
                  if num is not None else (None, None))
        style = _val(p.find(f"{W}pPr/{W}pStyle"))
        inherited: tuple[Optional[str], Optional[str]] = (None, None)
        seen = 0
        while style and seen < 10:
            if style in self.style_num:
                inherited = self.style_num[style]
                break
            style, seen = self.style_base.get(style), seen + 1
        num_id = direct[0] or inherited[0]
        if num_id == "0":
            return None, None
        return num_id, direct[1] or inherited[1]

    def num_start(self, num_id: str, ilvl: int) -> tuple[str, Optional[int]]:
        """(abstractNumId, the startOverride at ``ilvl`` or None) of a numbering instance."""
        assert self.numbering is not None
        for num in self.numbering.iter(W + "num"):
            if num.get(W + "numId") == num_id:
                abstract = _val(num.find(W + "abstractNumId")) or ""
                for over in num.iter(W + "lvlOverride"):
                    if over.get(W + "ilvl") == str(ilvl):
                        start = _val(over.find(W + "startOverride"))
                        return abstract, int(start) if start is not None else None
                return abstract, None
        raise AssertionError(f"numId {num_id} not in numbering.xml")

    def num_format(self, num_id: str, ilvl: int) -> tuple[Optional[str], Optional[str]]:
        """(numFmt, lvlText) of a numbering instance's level."""
        abstract, _ = self.num_start(num_id, ilvl)
        assert self.numbering is not None
        for an in self.numbering.iter(W + "abstractNum"):
            if an.get(W + "abstractNumId") == abstract:
                for lvl in an.iter(W + "lvl"):
                    if lvl.get(W + "ilvl") == str(ilvl):
                        return _val(lvl.find(W + "numFmt")), _val(lvl.find(W + "lvlText"))
        return None, None

    def bold_runs(self) -> list[str]:
        out = []
        for r in self.body.iter(W + "r"):
            b = r.find(f"{W}rPr/{W}b")
            if b is not None and b.get(W + "val") not in ("0", "false"):
                out.append(_run_text(r))
        return out


def _val(el: Optional[etree._Element]) -> Optional[str]:
    return el.get(W + "val") if el is not None else None


def _run_text(r: etree._Element) -> str:
    parts = []
    for child in r:
        if child.tag == W + "t":
            parts.append(child.text or "")
        elif child.tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif child.tag == W + "tab":
            parts.append("\t")
    return "".join(parts)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("kind_name,code", CASES)
def test_word_lists_and_bold(kind_name: str, code: str) -> None:
    ctx, data = _render(kind_name, code, "docx")
    doc = WordLists(data)
    paragraphs = list(doc.paragraphs())
    bold = {_norm(t) for t in doc.bold_runs()}
    for where, value in formatted_values(kind_name, ctx):
        blocks = value.blocks()
        list_ids: dict[int, set[str]] = {}
        for block in blocks:
            found = [(num_id, ilvl) for text, num_id, ilvl, _ in paragraphs
                     if _norm(text) == _norm(block.text)]
            assert found, (where, block.text)
            if block.kind == "paragraph":
                assert any(num_id is None for num_id, _ in found), (where, block.text)
                continue
            listed = [(n, lv) for n, lv in found if n is not None and lv == block.level]
            assert listed, (where, block.text, found)  # a list paragraph at its level
            num_id = listed[0][0]
            assert num_id is not None
            fmt, glyph = doc.num_format(num_id, block.level)
            assert (fmt == "bullet") == (block.kind == "bullet"), (where, block.text, fmt)
            if block.kind == "bullet" and block.level == 1:  # the template's List Bullet 2
                assert glyph == "\u25e6", (where, block.text, glyph)
            list_ids.setdefault(block.list_id, set()).add(num_id)
        for span_text in bold_texts(blocks):
            assert _norm(span_text) in bold, (where, span_text)
    ooxml_schema.require()
    ooxml_schema.assert_valid(data)


def test_word_numbering_restarts_per_discussion_point() -> None:
    """Each discussion point's numbered list is its own numbering instance that starts
    at 1 (Word continues a list across w:num elements of one abstractNum unless a
    startOverride restarts it)."""
    ctx, data = _render("minutes", "ko", "docx")
    doc = WordLists(data)
    paragraphs = list(doc.paragraphs())
    instances = []
    for d in ctx["discussion"]:
        firsts = [b for b in d["notes"].blocks() if b.kind == "number" and b.level == 0]
        if not firsts:
            continue
        first = firsts[0]
        (num_id,) = {n for text, n, lv, _ in paragraphs
                     if _norm(text) == _norm(first.text) and n is not None}
        instances.append(num_id)
        abstract, start = doc.num_start(num_id, 0)
        restarts = start == first.start or sum(
            1 for n in set(instances) if doc.num_start(n, 0)[0] == abstract) == 1
        assert restarts, (num_id, abstract, start)
    assert len(instances) >= 2 and len(set(instances)) == len(instances), instances


CJK_NOTES = ("客户提出的要求：\n1、确认预算\n2、提交创意方案",
             "1、抖音投放\n2、小红书种草\n   （1）达人笔记\n   （2）品牌号\n3、天猫站内")


def test_zh_cn_minutes_number_ideographic_comma_items_as_typed() -> None:
    """A Chinese AE types ``1、``: the minutes' Word file numbers the items with real
    lists written ``1、`` (over the template's "List Number", which is ``%1.``), each
    discussion point's list from 1, and the Excel file shows ``1、`` too."""
    rec = read_record(SAMPLES / "minutes" / "zh-CN.yaml")
    data = copy.deepcopy(rec.data)
    for point, notes in zip(data["discussion"], CJK_NOTES):
        point["notes"] = notes
    k = kind("minutes")
    locale = DocLocale.parse("zh-CN")
    ctx = build_context(data, k.schema, locale=locale, compute=k.compute,
                        data_file=rec.source.file)
    word = Template(REPO / "templates" / "minutes" / "minutes.docx").render(ctx, locale)
    doc = WordLists(word)
    found = {_norm(text): (num_id, ilvl) for text, num_id, ilvl, _ in doc.paragraphs()}
    first, second = found["确认预算"][0], found["抖音投放"][0]
    assert first is not None and second is not None and first != second
    assert found["提交创意方案"] == (first, 0) and found["天猫站内"] == (second, 0)
    assert found["达人笔记"] == (second, 1) and found["客户提出的要求："][0] is None
    for num_id in (first, second):
        assert doc.num_format(num_id, 0) == ("decimal", "%1、")
        assert doc.num_start(num_id, 0)[1] == 1
    assert doc.num_format(second, 1) == ("decimal", "（%2）")
    ooxml_schema.require()
    ooxml_schema.assert_valid(word)

    sheet = Template(REPO / "templates" / "minutes" / "minutes.xlsx").render(ctx, locale)
    texts = [_cell_text(c.value) for c in _cells(sheet)]
    assert any("1、确认预算\n2、提交创意方案" in t for t in texts), texts
    assert any("1、抖音投放\n2、小红书种草\n  （1）达人笔记\n  （2）品牌号\n3、天猫站内" in t
               for t in texts), texts
    ooxml_schema.assert_valid(sheet)


# ------------------------------------------------------------------------ Excel

def _cells(data: bytes) -> Iterator[Any]:
    wb = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _cell_text(value: Any) -> str:
    return str(value) if value is not None else ""


@pytest.mark.parametrize("kind_name,code", CASES)
def test_excel_cells_are_rich_text(kind_name: str, code: str) -> None:
    ctx, data = _render(kind_name, code, "xlsx")
    cells = [c for c in _cells(data) if c.value is not None]
    for where, value in formatted_values(kind_name, ctx):
        blocks = value.blocks()
        if not blocks:
            continue
        lines = [_norm(b.text) for b in blocks]
        holding = [c for c in cells if all(line in _norm(_cell_text(c.value)) for line in lines)]
        assert holding, (where, lines)
        cell = min(holding, key=lambda c: len(_cell_text(c.value)))
        formatted = len(blocks) > 1 or blocks[0].kind != "paragraph" or bold_texts(blocks)
        if not formatted:
            continue
        assert isinstance(cell.value, CellRichText), (where, cell.coordinate, type(cell.value))
        assert "**" not in str(cell.value)
        bold = {_norm(part.text) for part in cell.value
                if isinstance(part, TextBlock) and part.font is not None and part.font.b}
        for span_text in bold_texts(blocks):
            assert _norm(span_text) in bold, (where, cell.coordinate, span_text)
        assert cell.alignment.wrap_text, (where, cell.coordinate)
    ooxml_schema.require()
    ooxml_schema.assert_valid(data)
