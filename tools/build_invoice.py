"""Build the built-in invoice-request template, ``templates/invoice/invoice.docx``.

An internal form asking finance to issue the legal invoice (KR 세금계산서, CN 数电发票,
TW 統一發票; DOMAIN.md §1.6): the buyer's legal name and tax ID, the items with
subtotal, VAT and total, the total in words, payment terms with the due date, the
agency's bank account, and the requester / team lead / finance approval boxes.

Run ``python tools/build_invoice.py`` after editing (byte-identical output for the same
script). Amounts, VAT, total, words and due date are computed fields of the invoice kind
(``docgen/kinds/invoice/compute.py``); the template only formats them.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from docx.document import Document
from docx.shared import Mm
from docx.table import Table, _Row

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_kit as kit  # noqa: E402
from docx_kit import (  # noqa: E402
    CENTER, DASH, RIGHT, TOTAL_FILL, add_row, cell_text, label, shade,
)

KIND = "Invoice Request"
OPEN = '{{ "（" if locale[:2] == "zh" else " (" }}'
CLOSE = '{{ "）" if locale[:2] == "zh" else ")" }}'
MONEY = "|money(currency)"
GRID = (Mm(32), Mm(53), Mm(32), Mm(53))
INVOICE_TYPE = ('{% if invoice_type == "standard" %}{{ _("Tax invoice (VAT)") }}'
                '{% elif invoice_type == "general" %}{{ _("Ordinary invoice") }}'
                '{% elif invoice_type == "zero_rated" %}{{ _("Zero-rated invoice") }}'
                '{% elif invoice_type == "exempt" %}{{ _("Tax-exempt invoice") }}'
                f'{{% else %}}{DASH}{{% endif %}}')


def opt(expr: str) -> str:
    """An optional value, or a dash."""
    return f'{{{{ {expr}|default(none, true) or "{DASH}" }}}}'


def build_title_block(doc: Document) -> None:
    kit.title_with_boxes(doc, [], kit.stacked_label(KIND), [
        ("Requester", ['{{ requested_by or "" }}', kit.second_line("department", size=7.5)]),
        ("Team Lead", ""), ("Finance", ""),
    ], Mm(26))
    kit.meta_strip(doc, [
        ("Request No.", f'{{{{ request_number or "{DASH}" }}}}'),
        ("Job No.", "{{ job_number }}"),
        ("Contract No.", f'{{{{ contract_number or "{DASH}" }}}}'),
        ("Invoice Date", '{{ issue_date|date("long") }}'),
    ], [Mm(46), Mm(42), Mm(42), Mm(40)], large=[1])


def build_details(doc: Document) -> None:
    kit.heading(doc, "Invoice Details")
    facts = kit.FactsGrid(doc, GRID)
    facts.optional_wide("project", "Project", "{{ project }}")
    facts.pair(("Invoice Type", INVOICE_TYPE), ("Currency", "{{ currency }}"))
    facts.pair(("Payment Terms",
                '{{ _("Within {days} days of the invoice date").format(days=payment_terms_days) }}'),
               ("Payment Due", (f'{{{{ due_date|date("long") if due_date else "{DASH}" }}}}', "b")))


def build_buyer(doc: Document) -> None:
    kit.heading(doc, "Buyer")
    facts = kit.FactsGrid(doc, GRID)
    facts.wide("Legal Name", ("{{ client.legal_name|default(none, true) or client.name }}", "b"))
    facts.pair(("Tax ID", (f'{{{{ client.tax_id|default(none, true) or "{DASH}" }}}}', "b")),
               ("Representative", opt("client.representative")))
    facts.optional_wide("client.address|default(none)", "Address", "{{ client.address }}")
    facts.tag("{%tr if client.business_type|default(none) or client.business_item|default(none) %}")
    facts.pair(("Business Type", opt("client.business_type")),
               ("Business Item", opt("client.business_item")))
    facts.tag("{%tr endif %}")
    facts.tag("{%tr if client.contact|default(none) or client.phone|default(none) %}")
    facts.pair(("Contact", opt("client.contact")), ("Phone", opt("client.phone")))
    facts.tag("{%tr endif %}")
    facts.optional_wide("client.email|default(none)", "Invoice Email", "{{ client.email }}")
    facts.optional_wide("client.bank_account|default(none)", "Bank and Account",
                        "{{ client.bank_account }}")


def item_row(table: Table) -> _Row:
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ i.description }}",
              kit.second_line('[i.spec, i.note]|select|join(" · ")', "i.spec or i.note"))
    cell_text(row.cells[2], "Table Cell",
              "{{ i.quantity|number }}{% if i.unit|default(none) %} {{ i.unit }}{% endif %}",
              align=RIGHT)
    cell_text(row.cells[3], "Table Cell", "{{ i.unit_price" + MONEY + " }}", align=RIGHT)
    cell_text(row.cells[4], "Table Cell", "{{ i.amount" + MONEY + " }}", align=RIGHT)
    return row


def build_items(doc: Document) -> None:
    kit.heading(doc, "Line Items")
    widths = [Mm(13), Mm(71), Mm(22), Mm(30), Mm(34)]
    table = kit.new_table(doc, widths, grid=False)
    kit.header_row(table, ["No.", "Item Description", "Quantity", "Unit Price", "Amount"],
                   [CENTER, None, RIGHT, RIGHT, RIGHT])
    # The last item stays on the page of the totals, so a page never starts with totals
    # alone under the repeated header row: the loop writes it from a second row that is
    # kept with the next one.
    kit.tag_row(table, "{%tr for i in items %}")
    kit.tag_row(table, "{%tr if not loop.last %}")
    item_row(table)
    kit.tag_row(table, "{%tr else %}")
    kit.keep_with_next(item_row(table))
    kit.tag_row(table, "{%tr endif %}")
    kit.tag_row(table, "{%tr endfor %}")

    def total_row(text: str, value: str, *, grand: bool = False) -> None:
        row = add_row(table)
        kit.keep_with_next(row)
        lab = row.cells[0].merge(row.cells[3])
        style = "Table Total" if grand else "Table Label"
        cell_text(lab, style, text, align=RIGHT)
        cell_text(row.cells[4], style, value, align=RIGHT)
        if grand:
            shade(lab, TOTAL_FILL)
            shade(row.cells[4], TOTAL_FILL)

    total_row(label("Subtotal"), "{{ subtotal" + MONEY + " }}")
    total_row('{{ _("VAT ({rate})").format(rate=vat_rate|percent) }}', "{{ vat" + MONEY + " }}")
    total_row(label("Total"), "{{ total" + MONEY + " }}", grand=True)


def build_payment(doc: Document) -> None:
    """The total in words, the agency's bank account, remarks and attachments in one
    grid. Its rows stay together, so a page 2 never holds just a line or two; Word also
    keeps the grid with the totals and the last item above (LibreOffice keeps rows
    together only within a table)."""
    kit.spacer(doc, 4).paragraph_format.keep_with_next = True
    facts = kit.FactsGrid(doc, GRID)
    facts.wide("Amount in Words", "{{ amount_words or total|amount_words(currency) }}",
               OPEN, "{{ total" + MONEY + " }}", CLOSE,
               kit.second_line("amount_words_secondary", "amount_words_secondary|default(none)",
                               size=9), style="Table Total")
    bank = "company.bank and company.bank.account"
    facts.optional_wide(
        bank, "Payment Account",
        '{{ company.bank.name ~ " " if company.bank.name else "" }}',
        ("{{ company.bank.account }}", "b"),
        '{% if company.bank.holder or company.legal_name or company.name %} · '
        '{{ _("Account Holder") }} {{ company.bank.holder or company.legal_name or company.name }}'
        '{% endif %}'
        '{% if company.bank.swift %} · SWIFT {{ company.bank.swift }}{% endif %}')
    facts.optional_wide("remarks", "Remarks", "{{ remarks }}")
    facts.optional_wide("attachments", "Attachments",
                        '{% for a in attachments %}{{ loop.index }}. {{ a }}'
                        '{{ "    " if not loop.last else "" }}{% endfor %}')
    kit.keep_with_next(*facts.table.rows)


def build() -> bytes:
    doc = kit.new_document()
    kit.compact(doc)
    kit.header_footer(doc, KIND, "  ·  {{ job_number }}")
    kit.letterhead(doc)
    build_title_block(doc)
    build_details(doc)
    build_buyer(doc)
    build_items(doc)
    build_payment(doc)
    return kit.finish(doc, "invoice", "Invoice request")


def main(argv: Sequence[str] = ()) -> int:
    return kit.main("invoice", build, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
