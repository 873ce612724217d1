"""Scaffolding: the first version of ``kinds/quote/quote.docx`` and ``quote.xlsx``.

The .docx and .xlsx files are the source of truth: edit them in Word or Excel (wording,
layout, fonts; move or add ``{{ … }}`` tags). This script only made the first draft
and is kept as an example of the tags a quotation uses; running it again overwrites
the templates. Every label is one readable tag, ``{{ labels.<name> }}``: the field
labels and ``texts`` of kind.yaml in the document's language.
"""
from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

HERE = Path(__file__).resolve().parent / "kinds" / "quote"
MONEY = "|money(currency)"
TOTALS = (("subtotal", "{{ subtotal%s }}" % MONEY),
          ("vat", "{{ vat%s }} ({{ vat_percent|number }}%%)" % MONEY),
          ("total", "{{ total%s }}" % MONEY),
          ("amount_words", "{{ total|amount_words(currency) }}"))


def build_docx(path: Path) -> None:
    doc = docx.Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ labels.title }}")
    run.bold, run.font.size = True, Pt(20)
    facts = doc.add_table(rows=0, cols=4)
    facts.style = "Table Grid"
    for pair in ((("quote_number", "{{ quote_number }}"),
                  ("issue_date", '{{ issue_date|date("long") }}')),
                 (("client", "{{ client.name }}"), ("issuer", "{{ company.name or '' }}")),
                 (("project", "{{ project or '' }}"),
                  ("valid_until", '{{ valid_until|date("long") }}'))):
        cells = facts.add_row().cells
        for i, (name, value) in enumerate(pair):
            cells[2 * i].text = "{{ labels.%s }}" % name
            cells[2 * i + 1].text = value
    doc.add_paragraph("{{ labels.greeting }}")
    items = doc.add_table(rows=1, cols=5)
    items.style = "Table Grid"
    for cell, name in zip(items.rows[0].cells, ("row", "description", "quantity",
                                                 "unit_price", "amount")):
        cell.text = "{{ labels.%s }}" % name
    items.add_row().cells[0].text = "{%tr for item in items %}"
    row = items.add_row().cells
    for cell, text in zip(row, ("{{ loop.index }}", "{{ item.description }}",
                                "{{ item.quantity|number }} {{ item.unit or '' }}",
                                "{{ item.unit_price%s }}" % MONEY,
                                "{{ item.amount%s }}" % MONEY)):
        cell.text = text
    items.add_row().cells[0].text = "{%tr endfor %}"
    for name, value in TOTALS:
        cells = items.add_row().cells
        label = cells[0].merge(cells[3])
        label.text = "{{ labels.%s }}" % name
        cells[4].text = value
    doc.add_paragraph("{%p if discount_reason %}")
    doc.add_paragraph("{{ labels.discount_reason }}: {{ discount_reason }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if notes %}")
    doc.add_paragraph("{{ labels.notes }}: {{ notes }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ labels.prepared_by }}: {{ prepared_by or '' }}")
    doc.save(str(path))


def build_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Quote"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, width in zip("ABCDE", (8, 40, 12, 16, 18)):
        sheet.column_dimensions[column].width = width
    sheet["A1"] = "{{ labels.title }}"
    sheet["A1"].font = Font(size=18, bold=True)
    sheet.merge_cells("A1:E1")
    sheet["A1"].alignment = Alignment(horizontal="center")
    facts = (("quote_number", "{{ quote_number }}"), ("issue_date", "{{ issue_date }}"),
             ("client", "{{ client.name }}"), ("valid_until", "{{ valid_until }}"))
    for r, (name, value) in enumerate(facts, start=3):
        sheet.cell(r, 1, "{{ labels.%s }}" % name)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        sheet.cell(r, 3, value)
        sheet.merge_cells(start_row=r, start_column=3, end_row=r, end_column=5)
    for r in (4, 6):
        sheet.cell(r, 3).number_format = "yyyy-mm-dd"
    head = 8
    for c, name in enumerate(("row", "description", "quantity", "unit_price", "amount"), 1):
        cell = sheet.cell(head, c, "{{ labels.%s }}" % name)
        cell.font, cell.border = Font(bold=True), box
    sheet.cell(head + 1, 1, "{%tr for item in items %}")
    values = ("{{ loop.index }}", "{{ item.description }}", "{{ item.quantity }}",
              "{{ item.unit_price }}", "{{ item.amount }}")
    for c, value in enumerate(values, 1):
        cell = sheet.cell(head + 2, c, value)
        cell.border = box
        if c >= 4:
            cell.number_format = "#,##0.00"
    sheet.cell(head + 3, 1, "{%tr endfor %}")
    r = head + 4
    for name, value in (("subtotal", "{{ subtotal }}"), ("vat", "{{ vat }}"),
                        ("total", "{{ total }}"),
                        ("amount_words", "{{ total|amount_words(currency) }}")):
        sheet.cell(r, 4, "{{ labels.%s }}" % name).font = Font(bold=True)
        cell = sheet.cell(r, 5, value)
        cell.number_format = "#,##0.00"
        r += 1
    book.save(str(path))


if __name__ == "__main__":
    build_docx(HERE / "quote.docx")
    build_xlsx(HERE / "quote.xlsx")
