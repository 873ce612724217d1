"""The names that keep the built-in templates' tags short (README, "Names templates can
use"): enum labels, the letterhead lines and the page footer from docgen.enrich, the
punctuation filters and ``date("compact")``."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from docgen import kinds
from docgen.enrich import build_context, enum_label_names, letterhead, page_of
from docgen.i18n.catalog import SECONDARY_CLOSE, SECONDARY_OPEN, strip_language_marks
from docgen.i18n.locale import DocLocale
from docgen.profile import Profile
from docgen.template import Template
from tests.engine.docx_builders import body_docx, p

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "mood": {"type": "string", "enum": ["up", "down"],
                 "x-enum-labels": {"up": {"ko": "상승", "zh-CN": "上升", "en": "Up"},
                                   "down": {"ko": "하락", "en": "Down"}}},
        "kind": {"type": "string", "enum": ["a"]},  # no labels: no kind_label
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "state": {"type": "string", "enum": ["x"],
                      "x-enum-labels": {"x": {"ko": "완료", "zh-CN": "已完成", "en": "Done"}}}}}},
        "client": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {
            "tier": {"type": "string", "enum": ["gold"],
                     "x-enum-labels": {"gold": {"ko": "골드", "en": "Gold"}}}}}]},
    },
}


def _ctx(data: dict[str, Any], code: str) -> dict[str, Any]:
    return build_context(data, SCHEMA, locale=DocLocale.parse(code))


def test_enum_labels_everywhere_in_the_record() -> None:
    ctx = _ctx({"mood": "up", "rows": [{"state": "x"}, {}], "client": {"tier": "gold"}}, "ko")
    assert ctx["mood_label"] == "상승"
    assert [r["state_label"] for r in ctx["rows"]] == ["완료", None]
    assert ctx["client"]["tier_label"] == "골드"
    assert "kind_label" not in ctx
    assert enum_label_names(SCHEMA) == {"mood_label"}


def test_enum_labels_in_a_bilingual_document_mark_the_second_language() -> None:
    ctx = _ctx({"mood": "up", "rows": [{"state": "x"}]}, "ko+zh-CN")
    assert ctx["mood_label"] == f"상승 / {SECONDARY_OPEN}上升{SECONDARY_CLOSE}"
    assert strip_language_marks(ctx["rows"][0]["state_label"]) == "완료 / 已完成"
    # a language the schema does not give: the first one alone; English as a fallback
    assert _ctx({"mood": "down"}, "ko+zh-CN")["mood_label"] == "하락"
    assert _ctx({"mood": "down"}, "zh-TW")["mood_label"] == "Down"
    assert _ctx({}, "ko")["mood_label"] is None


def test_a_built_in_kind_offers_its_labels_to_template_check() -> None:
    minutes = kinds.get("minutes")
    assert minutes is not None
    assert {"meeting_type_label", "page_of", "company", "time_range"} <= minutes.provided_names()


def test_letterhead_lines() -> None:
    company = {"name": "Hanbit", "legal_name": "Hanbit Ad Co., Ltd.", "representative": "김하늘",
               "tax_id": "214-86-12341", "address": "Seoul", "phone": "02-555", "email": None,
               "website": "hanbit.example", "bank": {"name": None, "account": "1-2", "holder": None}}
    got = letterhead(company, DocLocale.parse("ko+zh-CN"))
    assert got["details"] == "Hanbit Ad Co., Ltd.  ·  대표\xa0김하늘  ·  사업자등록번호\xa0214-86-12341"
    assert got["contacts"] == "02-555  ·  hanbit.example"
    assert strip_language_marks(got["address_line"]) == (
        "Hanbit Ad Co., Ltd.  ·  대표 / 法定代表人 김하늘  ·  Seoul")
    assert strip_language_marks(got["contact_line"]) == (
        "02-555  ·  hanbit.example  ·  사업자등록번호 / 统一社会信用代码 214-86-12341")
    assert got["bank"]["holder"] == "Hanbit Ad Co., Ltd."
    # the same legal and trading name is said once; nothing at all gives None
    same = letterhead({"name": "A", "legal_name": "A", "tax_id": "1"}, DocLocale("en"))
    assert same["details"] == "Tax ID\xa01"
    empty = letterhead({}, DocLocale("en"))
    assert [empty[k] for k in ("details", "contacts", "address_line", "contact_line")] == [None] * 4
    assert empty["bank"]["holder"] is None


@pytest.mark.parametrize("code,words", [
    ("ko", ("", " / ", "쪽")), ("en", ("Page ", " of ", "")),
    ("zh-CN", ("第 ", " 页，共 ", " 页")), ("ko+zh-CN", ("", " / ", "")),
])
def test_page_of_pieces(code: str, words: tuple[str, str, str]) -> None:
    got = page_of(DocLocale.parse(code))
    assert (got["before"], got["between"], got["after"]) == words


def test_the_company_and_page_of_reach_every_context() -> None:
    ctx = build_context({}, {"type": "object", "properties": {}}, locale=DocLocale("en"),
                        profile=Profile(company={"name": "A", "phone": "1"}))
    assert ctx["company"]["contacts"] == "1"
    assert ctx["page_of"]["before"] == "Page "


@pytest.mark.parametrize("code,expected", [
    ("ko", "A (B) | L: x, y | 2026. 3. 5."),
    ("en", "A (B) | L: x, y | Mar 5, 2026"),
    ("zh-CN", "A（B） | L：x、y | 2026/3/5"),
    ("zh-TW+ko", "A（B） | L：x、y | 2026/3/5"),
])
def test_punctuation_filters_and_compact_dates(code: str, expected: str) -> None:
    tpl = Template(body_docx(p('{{ "A" }}{{ "B"|paren }}{{ none|paren }}{{ ""|paren }} | '
                               '{{ "L"|colon }}{{ ["x", "y"]|series }} | {{ d|date("compact") }}')))
    text = _docx_text(tpl.render({"d": dt.date(2026, 3, 5)}, locale=code))
    assert text == expected


def _docx_text(data: bytes) -> str:
    import io

    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text)
