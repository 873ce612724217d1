"""Build the invoice-like Excel template of ``bench_xlsx.py`` in three variants.

The same sheet (거래명세서 / INVOICE, columns A–G) is written three times; only
the cells that receive data differ:

* ``docgen`` — docgen's syntax: ``{{ expr }}`` alone in a cell (typed value),
  ``{%tr for it in items %}`` at the start of the loop row's first cell and
  ``{%tr endfor %}`` at the end of its last cell; the amount is an ordinary
  formula ``=D28*E28`` and the totals are ``=SUM(F28:F28)`` & co. — docgen moves
  and grows them.
* ``xltpl`` — xltpl's syntax: ``{{ name }}`` / ``{% xv value %}`` for typed values,
  ``{%- for it in items %}`` in the loop row's first cell, ``{%+ endfor %}`` in its
  last cell. xltpl copies formula cells verbatim, so the per-row formula and the
  totals are *text* cells that render to a formula
  (``=D{{ loop.index + 27 }}*E{{ loop.index + 27 }}``, ``=SUM(F28:F{{ 27 +
  items|length }})``): that is how xltpl users write them.
* ``plain`` — no tags at all: the data cells are empty (but styled), the formulas
  are those of the one-row layout; the openpyxl baseline knows the addresses
  (:data:`FIELD_CELLS`, :data:`LOOP_ROW`, ...) and does the filling itself.

Layout (template rows; the loop row 28 becomes 30 rows in the benchmark):

* row 1 title (merged A:G), rows 2–4 letterhead lines (merged A:G);
* rows 6–25: 40 label/value fields in two column pairs — label B, value C:D
  (merged); label E, value F:G (merged) — text, dates (``yyyy-mm-dd``),
  integers (``#,##0``) and a Decimal rate (``0.0000``);
* row 27 items header, row 28 the loop row: No., description, spec, qty,
  unit price, amount (= qty × price, a formula), note; number formats ``#,##0``;
* rows 29–31: subtotal ``=SUM(F28:F28)``, VAT ``=ROUNDDOWN(F29*0.1,0)``,
  total ``=F29+F30``;
* row 33: three signature labels (merged B:C, D:E, F:G), rows 34–35: three
  signature boxes, each 2 rows × 2 columns merged (B34:C35, D34:E35, F34:G35);
* row 37: a closing line (merged A:G); column widths, thin borders, fills,
  A4 page setup fitted to one page wide, a footer with page numbers, and the
  print area ``A1:G37``.

The output is byte-for-byte deterministic (fixed document properties and zip
timestamps).

Usage::

    python benchmarks/make_xlsx_template.py              # all three into a new temp dir
    python benchmarks/make_xlsx_template.py DIR          # all three into DIR
    python benchmarks/make_xlsx_template.py --variant docgen out.xlsx
"""
from __future__ import annotations

import argparse
import datetime as _dt
import io
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties

VARIANTS = ("docgen", "xltpl", "plain")
TEMPLATE_NAMES = {v: f"invoice_{v}.xlsx" for v in VARIANTS}
SHEET_TITLE = "Invoice"

COLUMNS = "ABCDEFG"
WIDTHS = {"A": 6, "B": 30, "C": 22, "D": 9, "E": 16, "F": 17, "G": 20}

TITLE_ROW = 1
LETTERHEAD_ROWS = (2, 3, 4)
FIRST_FIELD_ROW = 6
HEADER_ROW = 27
LOOP_ROW = 28
SUBTOTAL_ROW = 29
VAT_ROW = 30
TOTAL_ROW = 31
SIG_LABEL_ROW = 33
SIG_BOX_ROWS = (34, 35)
NOTE_ROW = 37
LAST_ROW = NOTE_ROW
PRINT_AREA = f"A1:G{LAST_ROW}"

# The three signature blocks: (label range, box range), column pairs B:C, D:E, F:G.
SIG_COLS = (("B", "C"), ("D", "E"), ("F", "G"))
SIG_LABELS = ("작성 / Prepared by", "검토 / Reviewed by", "승인 / Approved by")

# Loop row cells: column -> (context key of the item, kind). "F" is the formula.
ITEM_COLUMNS = {"A": ("no", "int"), "B": ("description", "text"), "C": ("spec", "text"),
                "D": ("qty", "int"), "E": ("unit_price", "int"), "F": ("amount", "formula"),
                "G": ("note", "text")}
ITEM_HEADERS = ("No.", "품목 / Description", "규격 / Spec", "수량 / Qty",
                "단가 / Unit price", "금액 / Amount", "비고 / Note")

# The 40 fields: (context key, label, kind). kind: text | date | int | rate.
LEFT_FIELDS = [
    ("doc_no", "문서번호 / Invoice No.", "text"),
    ("issue_date", "발행일 / Issue date", "date"),
    ("due_date", "지급기한 / Due date", "date"),
    ("order_no", "주문번호 / Order No.", "text"),
    ("project_name", "프로젝트 / Project", "text"),
    ("client_name", "거래처 / Client", "text"),
    ("client_reg_no", "사업자번호 / Reg. No.", "text"),
    ("client_ceo", "대표자 / CEO", "text"),
    ("client_address", "주소 / Address", "text"),
    ("client_phone", "전화 / Phone", "text"),
    ("client_email", "이메일 / E-mail", "text"),
    ("client_contact", "담당자 / Contact", "text"),
    ("client_dept", "부서 / Department", "text"),
    ("contract_date", "계약일 / Contract date", "date"),
    ("delivery_date", "납품일 / Delivery date", "date"),
    ("delivery_place", "납품장소 / Delivery to", "text"),
    ("payment_terms", "결제조건 / Payment terms", "text"),
    ("payment_days", "결제일수 / Days", "int"),
    ("currency", "통화 / Currency", "text"),
    ("exchange_rate", "환율 / FX rate (KRW→USD)", "rate"),
]
RIGHT_FIELDS = [
    ("supplier_name", "공급자 / Supplier", "text"),
    ("supplier_reg_no", "사업자번호 / Reg. No.", "text"),
    ("supplier_ceo", "대표자 / CEO", "text"),
    ("supplier_address", "주소 / Address", "text"),
    ("supplier_phone", "전화 / Phone", "text"),
    ("supplier_email", "이메일 / E-mail", "text"),
    ("manager_name", "담당자 / Account manager", "text"),
    ("manager_phone", "담당자 전화 / Manager phone", "text"),
    ("bank_name", "은행 / Bank", "text"),
    ("bank_account", "계좌번호 / Account No.", "text"),
    ("account_holder", "예금주 / Account holder", "text"),
    ("swift_code", "SWIFT", "text"),
    ("tax_type", "과세구분 / Tax type", "text"),
    ("vat_rate", "부가세율 % / VAT %", "int"),
    ("deposit_pct", "선금 % / Deposit %", "int"),
    ("deposit_amount", "선금 / Deposit", "int"),
    ("quote_ref", "견적번호 / Quote ref.", "text"),
    ("po_number", "발주번호 / PO No.", "text"),
    ("version", "버전 / Version", "text"),
    ("remarks", "특기사항 / Remarks", "text"),
]
FIELDS = LEFT_FIELDS + RIGHT_FIELDS
FIELD_CELLS: dict[str, str] = {}
for _i, (_key, _, _) in enumerate(LEFT_FIELDS):
    FIELD_CELLS[_key] = f"C{FIRST_FIELD_ROW + _i}"
for _i, (_key, _, _) in enumerate(RIGHT_FIELDS):
    FIELD_CELLS[_key] = f"F{FIRST_FIELD_ROW + _i}"
FIELD_KINDS = {key: kind for key, _, kind in FIELDS}
LAST_FIELD_ROW = FIRST_FIELD_ROW + len(LEFT_FIELDS) - 1
assert len(FIELDS) == 40 and LAST_FIELD_ROW < HEADER_ROW

NUMBER_FORMATS = {"date": "yyyy-mm-dd", "int": "#,##0", "rate": "0.0000", "text": "@"}

LETTERHEAD = (
    "한중 크리에이티브 파트너스 / Hanzhong Creative Partners Co., Ltd.",
    "서울특별시 중구 세종대로 110, 12층 · Tel 02-1234-5678 · www.hanzhong-creative.example",
    "사업자등록번호 123-45-67890 · 대표 홍길동 · 통신판매업 2025-서울중구-0123",
)
XLTPL_LOOP_COMMENT = "beforerow{% for it in items %}"
NOTE = "상기 금액을 청구합니다. / We hereby request payment of the amount above."

# ---------------------------------------------------------------------------
# Styles
# ---------------------------------------------------------------------------

FONT = "맑은 고딕"
THIN = Side(style="thin", color="808080")
MEDIUM = Side(style="medium", color="1F3864")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")


def _font(size: float = 10, bold: bool = False, color: str = "000000") -> Font:
    return Font(name=FONT, size=size, bold=bold, color=color)


# ---------------------------------------------------------------------------
# Cell texts per variant
# ---------------------------------------------------------------------------


def _field_text(variant: str, key: str, kind: str) -> str | None:
    if variant == "plain":
        return None
    if variant == "xltpl" and kind != "text":
        return "{% xv " + key + " %}"
    return "{{ " + key + " }}"


def _item_texts(variant: str) -> dict[str, str | None]:
    """Cell texts of the loop row, by column (``None``: empty cell)."""
    r = LOOP_ROW
    if variant == "plain":
        return {c: (f"=D{r}*E{r}" if c == "F" else None) for c in COLUMNS}
    if variant == "docgen":
        return {
            "A": "{%tr for it in items %}{{ loop.index }}",
            "B": "{{ it.description }}",
            "C": "{{ it.spec }}",
            "D": "{{ it.qty }}",
            "E": "{{ it.unit_price }}",
            "F": f"=D{r}*E{r}",
            "G": "{{ it.note }}{%tr endfor %}",
        }
    row = "{{ loop.index + " + str(r - 1) + " }}"
    return {
        "A": "{% xv loop.index %}",  # the loop opener is in this cell's comment
        "B": "{{ it.description }}",
        "C": "{{ it.spec }}",
        "D": "{% xv it.qty %}",
        "E": "{% xv it.unit_price %}",
        "F": f"=D{row}*E{row}",  # a text cell that renders to a formula
        "G": "{{ it.note }}{%+ endfor %}",
    }


def _total_formulas(variant: str) -> dict[int, str]:
    first = LOOP_ROW
    if variant != "xltpl":
        return {SUBTOTAL_ROW: f"=SUM(F{first}:F{first})",
                VAT_ROW: f"=ROUNDDOWN(F{SUBTOTAL_ROW}*0.1,0)",
                TOTAL_ROW: f"=F{SUBTOTAL_ROW}+F{VAT_ROW}"}
    # xltpl copies formula cells verbatim: the rows below the loop must be computed.
    def row(before: int) -> str:
        return "{{ " + str(before) + " + items|length }}"

    last, sub, vat = row(first - 1), row(SUBTOTAL_ROW - 1), row(VAT_ROW - 1)
    return {SUBTOTAL_ROW: f"=SUM(F{first}:F{last})",
            VAT_ROW: f"=ROUNDDOWN(F{sub}*0.1,0)",
            TOTAL_ROW: f"=F{sub}+F{vat}"}


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def _set(ws: Any, ref: str, value: Any, *, formula_text: bool = False,
         **style: Any) -> None:
    """Set a cell's value and style; ``formula_text``: keep ``=...`` as a string."""
    cell = ws[ref]
    if value is not None:
        cell.value = value
        if formula_text:
            cell.data_type = "s"
    for name, v in style.items():
        setattr(cell, name, v)


def _merge(ws: Any, rng: str, value: Any, **style: Any) -> None:
    """Merge ``rng`` and style every cell in it (as Excel does), value in the first."""
    first = rng.split(":")[0]
    for row in ws[rng]:
        for cell in row:
            for name, v in style.items():
                setattr(cell, name, v)
    if value is not None:
        ws[first].value = value
    ws.merge_cells(rng)


def build_workbook(variant: str) -> Workbook:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} (one of {', '.join(VARIANTS)})")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width

    # Title and letterhead.
    _merge(ws, f"A{TITLE_ROW}:G{TITLE_ROW}", "거래명세서 / INVOICE",
           font=_font(20, True, "1F3864"),
           alignment=Alignment(horizontal="center", vertical="center"),
           border=Border(bottom=MEDIUM))
    ws.row_dimensions[TITLE_ROW].height = 36
    for r, text in zip(LETTERHEAD_ROWS, LETTERHEAD):
        _merge(ws, f"A{r}:G{r}", text, font=_font(9, r == LETTERHEAD_ROWS[0], "404040"),
               alignment=Alignment(horizontal="center"))

    # The 40 fields.
    for side, (label_col, value_rng) in ((LEFT_FIELDS, ("B", "C{r}:D{r}")),
                                         (RIGHT_FIELDS, ("E", "F{r}:G{r}"))):
        for i, (key, label, kind) in enumerate(side):
            r = FIRST_FIELD_ROW + i
            _set(ws, f"{label_col}{r}", label, font=_font(9, True), fill=LABEL_FILL,
                 border=BOX, alignment=Alignment(vertical="center"))
            align = Alignment(horizontal="left" if kind == "text" else "right",
                              vertical="center", shrink_to_fit=kind == "text")
            _merge(ws, value_rng.format(r=r), _field_text(variant, key, kind),
                   font=_font(10), border=BOX, alignment=align,
                   number_format=NUMBER_FORMATS[kind])

    # Items table: header, loop row, totals.
    for col, text in zip(COLUMNS, ITEM_HEADERS):
        _set(ws, f"{col}{HEADER_ROW}", text, font=_font(10, True, "FFFFFF"), fill=HEADER_FILL,
             border=BOX, alignment=Alignment(horizontal="center", vertical="center",
                                             wrap_text=True))
    ws.row_dimensions[HEADER_ROW].height = 30
    for col, item_text in _item_texts(variant).items():
        kind = ITEM_COLUMNS[col][1]
        numeric = kind in ("int", "formula")
        _set(ws, f"{col}{LOOP_ROW}", item_text, formula_text=variant == "xltpl" and col == "F",
             font=_font(10), border=BOX,
             number_format="#,##0" if numeric and col != "A" else "General",
             alignment=Alignment(horizontal="center" if col == "A" else
                                 ("right" if numeric else "left"),
                                 vertical="center", wrap_text=col == "B"))
    ws.row_dimensions[LOOP_ROW].height = 20
    if variant == "xltpl":
        # xltpl 0.21's BookWriter drops an in-cell "{%- for ... %}" (the beforerow tag
        # it finds in the cell text is never emitted); the comment form works.
        ws[f"A{LOOP_ROW}"].comment = Comment(XLTPL_LOOP_COMMENT, "docgen benchmark")
    labels = {SUBTOTAL_ROW: "공급가액 / Subtotal", VAT_ROW: "부가세 / VAT 10%",
              TOTAL_ROW: "합계 / Total"}
    for r, f in _total_formulas(variant).items():
        bold = r == TOTAL_ROW
        bottom = Border(left=THIN, right=THIN, top=THIN,
                        bottom=Side(style="double", color="1F3864") if bold else THIN)
        _merge(ws, f"D{r}:E{r}", labels[r], font=_font(10, True), fill=TOTAL_FILL,
               border=bottom, alignment=Alignment(horizontal="right", vertical="center"))
        _set(ws, f"F{r}", f, formula_text=variant == "xltpl", font=_font(10, bold),
             fill=TOTAL_FILL, border=bottom, number_format="#,##0",
             alignment=Alignment(horizontal="right", vertical="center"))
        _set(ws, f"G{r}", None, border=bottom, fill=TOTAL_FILL)

    # Signature blocks: label row + a 2x2 merged box per signer.
    for (c1, c2), label in zip(SIG_COLS, SIG_LABELS):
        _merge(ws, f"{c1}{SIG_LABEL_ROW}:{c2}{SIG_LABEL_ROW}", label, font=_font(9, True),
               fill=LABEL_FILL, border=BOX, alignment=Alignment(horizontal="center"))
        _merge(ws, f"{c1}{SIG_BOX_ROWS[0]}:{c2}{SIG_BOX_ROWS[1]}", "(인 / Seal)",
               font=_font(8, color="A6A6A6"), border=BOX,
               alignment=Alignment(horizontal="right", vertical="bottom"))
    for r in SIG_BOX_ROWS:
        ws.row_dimensions[r].height = 28
    _merge(ws, f"A{NOTE_ROW}:G{NOTE_ROW}", NOTE, font=_font(9, color="404040"),
           alignment=Alignment(horizontal="center"))

    # Page setup and print area.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "&P / &N"
    ws.oddHeader.right.text = "INVOICE"
    ws.print_area = PRINT_AREA
    ws.sheet_view.showGridLines = False

    fixed = _dt.datetime(2025, 1, 1, 0, 0, 0)
    wb.properties.creator = "docgen benchmark"
    wb.properties.lastModifiedBy = "docgen benchmark"
    wb.properties.title = f"거래명세서 / INVOICE template ({variant})"
    wb.properties.created = fixed
    return wb


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _deterministic_zip(data: bytes) -> bytes:
    """Fixed zip timestamps and a fixed ``dcterms:modified`` (openpyxl writes now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _MODIFIED.sub(
                    rb"<dcterms:modified\1>2025-01-01T00:00:00Z</dcterms:modified>", body)
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, body)
    return out.getvalue()


def build_template_bytes(variant: str) -> bytes:
    buf = io.BytesIO()
    build_workbook(variant).save(buf)
    return _deterministic_zip(buf.getvalue())


def build_template(variant: str, path: str | Path | None = None) -> Path:
    """Write one variant to ``path`` (default: a new temp dir) and return the path."""
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="docgen-bench-")) / TEMPLATE_NAMES[variant]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_template_bytes(variant))
    return path


def build_templates(directory: str | Path | None = None,
                    variants: Iterable[str] = VARIANTS) -> dict[str, Path]:
    """Write the variants into ``directory`` (default: a new temp dir)."""
    if directory is None:
        directory = tempfile.mkdtemp(prefix="docgen-bench-")
    directory = Path(directory)
    return {v: build_template(v, directory / TEMPLATE_NAMES[v]) for v in variants}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?",
                        help="a directory for all variants, or with --variant the .xlsx "
                             "to write (default: a new temporary directory)")
    parser.add_argument("--variant", choices=VARIANTS, help="build only this variant")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.variant:
        print(build_template(args.variant, args.output))
    else:
        for path in build_templates(args.output).values():
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
