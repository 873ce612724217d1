"""Build a realistic docxtpl-style agency template (meeting minutes + invoice table).

The template looks like what a Word user produces, not like a hand-written
fixture: tags are split across runs with different formatting on the pieces and
``w:proofErr`` marks between them, runs carry ``w:rsidR`` attributes and
East-Asian font hints, the footer has a complex PAGE field, and the body mixes
Korean, Chinese and English labels (회의록 / 会议纪要).

It contains:

* a header and a footer with variables (one header tag split across runs);
* ~20 body paragraphs with variables (client name, dates, amounts, attendees),
  inline ``{% if %}`` and ``{% for %}``, and several split tags;
* a 5-column table whose data row repeats with ``{%tr for row in rows %}`` …
  ``{%tr endfor %}`` (30 rows in the benchmark data);
* two ``{%p if %}`` blocks (one true and one false with the benchmark data).

Only plain Jinja is used (built-in filters such as ``join``, ``sum`` and
``format``, and ``str.format``), so docxtpl renders it unchanged.

The output is byte-for-byte deterministic: fixed core properties and fixed zip
timestamps and member order.

Usage::

    python benchmarks/make_template.py            # writes into a new temp dir
    python benchmarks/make_template.py out.docx   # writes to out.docx
"""
from __future__ import annotations

import argparse
import datetime as _dt
import io
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Union

import docx
from docx.blkcntnr import BlockItemContainer
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun

TEMPLATE_NAME = "agency_minutes_template.docx"

# ---------------------------------------------------------------------------
# A tiny paragraph description language
# ---------------------------------------------------------------------------


class Err:
    """A ``<w:proofErr w:type="..."/>`` marker between two runs."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


SPELL_START = Err("spellStart")
SPELL_END = Err("spellEnd")
GRAM_START = Err("gramStart")
GRAM_END = Err("gramEnd")

# A run: (text, flags). Flags are space-separated words:
#   b i u       bold / italic / underline
#   red blue    colour
#   small big   font size 9 pt / 14 pt
#   ko zh       East-Asian font hint + w:lang eastAsia (ko-KR / zh-CN)
# plus an optional rsid ("r:00A1B2C3") like Word writes for every editing session.
Run = Union[tuple[str], tuple[str, str]]
Piece = Union[Run, Err]

# w:rPr children that must follow w:lang (CT_RPr schema order).
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")

_RSIDS = ("00A13F2C", "004E7D91", "00C2B5A8", "0071D0E3")


def _set_lang(rpr: CT_RPr, east_asia: str) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, *_AFTER_LANG)
    lang.set(qn("w:eastAsia"), east_asia)


def _apply_flags(run: DocxRun, flags: str, n: int) -> None:
    words = flags.split()
    if "b" in words:
        run.bold = True
    if "i" in words:
        run.italic = True
    if "u" in words:
        run.underline = True
    if "red" in words:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    if "blue" in words:
        run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
    if "small" in words:
        run.font.size = Pt(9)
    if "big" in words:
        run.font.size = Pt(14)
    for lang, tag in (("ko", "ko-KR"), ("zh", "zh-CN")):
        if lang in words:
            rpr = run._r.get_or_add_rPr()
            rpr.get_or_add_rFonts().set(qn("w:hint"), "eastAsia")
            _set_lang(rpr, tag)
    # Word stamps each run with the editing session that created it; runs from
    # different sessions are never merged, which is one reason tags get split.
    run._r.set(qn("w:rsidR"), _RSIDS[n % len(_RSIDS)])


def fill_paragraph(paragraph: Paragraph, pieces: Sequence[Piece]) -> None:
    """Append ``pieces`` (runs and proofErr markers) to ``paragraph`` in order."""
    p = paragraph._p
    for n, piece in enumerate(pieces):
        if isinstance(piece, Err):
            err = OxmlElement("w:proofErr")
            err.set(qn("w:type"), piece.kind)
            p.append(err)
            continue
        text, flags = piece if len(piece) == 2 else (piece[0], "")
        run = paragraph.add_run(text)
        _apply_flags(run, flags, n)


def add_paragraph(container: Document | BlockItemContainer, pieces: Sequence[Piece],
                  style: str | None = None,
                  align: WD_ALIGN_PARAGRAPH | None = None) -> Paragraph:
    paragraph = container.add_paragraph(style=style)
    paragraph._p.set(qn("w:rsidR"), "00A13F2C")
    paragraph._p.set(qn("w:rsidRDefault"), "004E7D91")
    fill_paragraph(paragraph, pieces)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _set_cell(cell: _Cell, pieces: Sequence[Piece]) -> None:
    paragraph: Paragraph = cell.paragraphs[0]
    fill_paragraph(paragraph, pieces)


def _add_page_field(paragraph: Paragraph) -> None:
    """Append a complex ``PAGE`` field with cached result "1" (as Word stores it)."""
    p = paragraph._p

    def run_with(child: BaseOxmlElement) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        p.append(r)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    t = OxmlElement("w:t")
    t.text = "1"
    run_with(t)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# ---------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------


def _styles(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), "맑은 고딕")
    _set_lang(rpr, "ko-KR")


def _header_footer(document: Document) -> None:
    section = document.sections[0]

    header = section.header
    hp = header.paragraphs[0]
    fill_paragraph(hp, [
        ("{{ agency_name }}", "b blue"),
        (" | 회의록 / 会议纪要 | ", "ko small"),
        # split tag: "{{ client_" (italic) + proofErr + "name }}" (plain)
        ("{{ client_", "i small"),
        SPELL_START,
        ("name }}", "small"),
        SPELL_END,
    ])
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add_paragraph(header, [("문서번호 / 文件编号: ", "ko small"), ("{{ doc_no }}", "small")],
                  align=WD_ALIGN_PARAGRAPH.RIGHT)

    footer = section.footer
    fp = footer.paragraphs[0]
    fill_paragraph(fp, [
        ("대외비 / 机密 — {{ agency_name }} — ", "ko small"),
        ("{{ meeting_date }}", "small"),
        (" — ", "small"),
    ])
    _add_page_field(fp)
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _body(document: Document) -> None:
    d = document
    add_paragraph(d, [
        ("회의록 / 会议纪要 — ", "ko"),
        # split at the braces: "{" + "{ project_name }" + "}"
        ("{", ""), ("{ project_name }", "b"), ("}", ""),
    ], style="Title")

    add_paragraph(d, [
        ("고객사 / 客户 / Client: ", "b ko"),
        ("{{ client_", ""),
        SPELL_START,
        ("name }}", "i"),
        SPELL_END,
        (" (", ""),
        ("{{ client_name_zh }}", "zh"),
        (")", ""),
    ])
    add_paragraph(d, [
        ("회의 일자 / 会议日期 / Date: ", "b ko"),
        # split into three pieces with different formatting
        ("{{ ", "b"),
        ("meeting", "b i"),
        SPELL_START,
        ("_date }}", ""),
        SPELL_END,
        ("  ", ""),
        ("{{ meeting_time }}", "blue"),
    ])
    add_paragraph(d, [("장소 / 地点 / Location: ", "b ko"), ("{{ location }}", "")])
    add_paragraph(d, [
        ("작성자 / 编写人 / Prepared by: ", "b ko"),
        ("{{ author }} ({{ author_title }})", ""),
    ])
    add_paragraph(d, [
        ("참석자 / 出席人员 / Attendees: ", "b ko"),
        ("{{ attendees|join(', ') }}", ""),
    ])
    add_paragraph(d, [
        ("상태 / 状态: ", "b ko"),
        ("{% if is_final %}확정 / 已确认{% else %}초안 / 草稿{% endif %}", "red"),
        (" (v{{ version }})", "small"),
    ])

    add_paragraph(d, [("1. 안건 / 议程 / Agenda", "ko")], style="Heading 1")
    add_paragraph(d, [("{{ agenda_intro }}", "")])
    add_paragraph(d, [("{{ agenda_intro_zh }}", "zh")])
    add_paragraph(d, [
        ("계약 금액 / 合同金额: ", "b ko"),
        ("{{ currency }} ", ""),
        ("{{ '{:,}'.format(contract_", ""),
        GRAM_START,
        ("amount) }}", "u"),
        GRAM_END,
    ])
    add_paragraph(d, [
        ("선금 / 预付款 ({{ deposit_pct }}%): ", "ko"),
        ("{{ currency }} {{ '{:,}'.format(deposit_amount) }}", ""),
        (" — 환율 / 汇率 {{ '%.4f'|format(exchange_rate) }}", "small"),
    ])
    add_paragraph(d, [
        ("지급 기한 / 付款期限: ", "ko"),
        ("{{ due_", ""), SPELL_START, ("date }}", "b"), SPELL_END,
    ])

    add_paragraph(d, [("2. 세부 내역 / 明细 / Details", "ko")], style="Heading 1")
    _table(d)
    add_paragraph(d, [
        ("합계 / 合计 / Total: ", "b ko"),
        ("{{ currency }} {{ '{:,}'.format(rows|sum(attribute='amount')) }}", "b"),
        (" ({{ rows|length }} 항목 / 项)", "ko"),
    ])

    add_paragraph(d, [("3. 조치 사항 / 行动项", "ko")], style="Heading 1")
    add_paragraph(d, [
        ("{% for a in action_items %}", ""),
        ("{{ loop.index }}. {{ a }}{% if not loop.last %}; {% endif %}", ""),
        ("{% endfor %}", ""),
    ])

    # A {%p if %} block that is true with the benchmark data ...
    add_paragraph(d, [("{%p if show_", ""), ("notes %}", "")])
    add_paragraph(d, [("비고 / 备注:", "b ko")])
    add_paragraph(d, [("{{ notes }}", "i")])
    add_paragraph(d, [("{{ notes_zh }}", "zh")])
    add_paragraph(d, [("{%p endif %}", "")])
    # ... and one that is false (its paragraphs must disappear).
    add_paragraph(d, [("{%p if is_final %}", "")])
    add_paragraph(d, [("본 회의록은 최종본입니다 / 本纪要为最终版本 — {{ approved_by }}", "ko")])
    add_paragraph(d, [("{%p endif %}", "")])

    add_paragraph(d, [
        ("다음 회의 / 下次会议 / Next meeting: ", "b ko"),
        ("{{ next_", ""), SPELL_START, ("meeting }}", "i"), SPELL_END,
    ])
    add_paragraph(d, [
        ("{{ agency_name }}", "b"), (" · ", ""),
        ("{{ author }} ", ""), ("({{ author_email }})", "blue u"),
    ], align=WD_ALIGN_PARAGRAPH.RIGHT)


def _table(d: Document) -> None:
    table = d.add_table(rows=5, cols=5)
    table.style = "Table Grid"
    header = ["번호 / 序号", "항목 / 项目", "담당자 / 负责人", "수량 / 数量", "금액 / 金额"]
    for cell, text in zip(table.rows[0].cells, header):
        _set_cell(cell, [(text, "b ko")])
    # {%tr for %} row: the tag sits in the first cell, the other cells are empty.
    _set_cell(table.rows[1].cells[0], [("{%tr for row in ", ""), ("rows %}", "")])
    data = table.rows[2].cells
    _set_cell(data[0], [("{{ loop.index }}", "")])
    _set_cell(data[1], [("{{ row.item }}", "ko")])
    _set_cell(data[2], [("{{ row.", ""), SPELL_START, ("owner }}", "i"), SPELL_END])
    _set_cell(data[3], [("{{ row.qty }}", "")])
    _set_cell(data[4], [("{{ '{:,}'.format(row.amount) }}", "")])
    _set_cell(table.rows[3].cells[0], [("{%tr endfor %}", "")])
    total = table.rows[4].cells
    _set_cell(total[0], [("합계 / 合计", "b ko")])
    _set_cell(total[3], [("{{ rows|sum(attribute='qty') }}", "b")])
    _set_cell(total[4], [("{{ '{:,}'.format(rows|sum(attribute='amount')) }}", "b")])


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a .docx with fixed timestamps so the bytes never change."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    return out.getvalue()


def build_template_bytes() -> bytes:
    document = docx.Document()
    _styles(document)
    _header_footer(document)
    _body(document)
    props = document.core_properties
    fixed = _dt.datetime(2025, 1, 1, 0, 0, 0)
    props.author = "docgen benchmark"
    props.last_modified_by = "docgen benchmark"
    props.title = "회의록 / 会议纪要 template"
    props.subject = "benchmark"
    props.comments = ""
    props.keywords = ""
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    return _deterministic_zip(buf.getvalue())


def build_template(path: str | Path | None = None) -> Path:
    """Write the template to ``path`` (default: a new temp dir) and return the path."""
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="docgen-bench-")) / TEMPLATE_NAME
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_template_bytes())
    return path


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", help="where to write the .docx "
                        "(default: a new temporary directory)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    path = build_template(args.output)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
