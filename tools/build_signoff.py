"""Build the built-in acceptance / signoff sheet template, ``templates/signoff/signoff.docx``.

Everything delivered to a client carries the signature of the member responsible at
each stage, and the client signs to confirm (DOMAIN.md §1.5). The sheet shows the
deliverable, the stages with who signed when (and where a signature is missing),
the acceptance result as ticked boxes, the locale's confirmation statement, and the
client's and the agency's signature blocks with the locale's seal mark.

Run ``python tools/build_signoff.py`` after editing (byte-identical output for the same
script). ``stages[i].signed``, ``unsigned_stages`` and ``acceptance_label`` are computed
fields (``docgen/kinds/signoff/compute.py``); signature images go through the engine's
``image()`` helper.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_kit as kit  # noqa: E402
from docx_kit import (  # noqa: E402
    AMBER, CENTER, DASH, GREEN, LABEL_FILL, LIST_SEP, TEXT_GREY, add_par,
    add_row, cell_text, label, shade, tag_par,
)

KIND = "Acceptance Sheet"
OPEN = '{{ "（" if locale[:2] == "zh" else " (" }}'
CLOSE = '{{ "）" if locale[:2] == "zh" else ")" }}'
RESULTS = (("accepted", "Accepted"), ("conditional", "Accepted with conditions"),
           ("rejected", "Rejected"))
STATEMENT = (
    '{% if acceptance == "rejected" %}'
    '{{ _("We have inspected the deliverable above and do not accept it, for the reasons '
    'given in the remarks.") }}'
    '{% elif acceptance == "conditional" %}'
    '{{ _("We have inspected the deliverable above and accept it subject to the conditions '
    'given in the remarks.") }}'
    '{% else %}'
    '{{ _("We have inspected the deliverable above and confirm that it is accepted.") }}'
    '{% endif %}')


def build_title_block(doc: Document) -> None:
    kit.title_block(doc, [label(KIND)],
                    "{{ deliverable.title }}",
                    [("Job No.", "{{ job_number }}"),
                     ("Document No.", f'{{{{ document_number or "{DASH}" }}}}'),
                     ("Contract / PO No.", f'{{{{ contract_number or "{DASH}" }}}}'),
                     ("Delivery Date", '{{ delivered_date|date("long") }}')],
                    [Mm(44), Mm(42), Mm(44), Mm(40)], large=[0])


def build_deliverable(doc: Document) -> None:
    kit.heading(doc, "Deliverable")
    facts = kit.FactsGrid(doc, (Mm(32), Mm(53), Mm(32), Mm(53)))
    facts.wide("Client", ("{{ client.legal_name|default(none, true) or client.name }}", "b"),
               "{% if client.contact|default(none) %}" + OPEN + "{{ client.contact }}" + CLOSE
               + "{% endif %}")
    facts.optional_wide("project", "Project", "{{ project }}")
    facts.pair(("Item", ("{{ deliverable.title }}", "b")),
               ("Version", f'{{{{ deliverable.version|default(none, true) or "{DASH}" }}}}'))
    facts.optional_wide("deliverable.description|default(none)", "Description",
                        "{{ deliverable.description }}")


def build_stages(doc: Document) -> None:
    kit.heading(doc, "Approval Stages")
    table = kit.new_table(doc, [Mm(11), Mm(36), Mm(41), Mm(20), Mm(30), Mm(32)], grid=True)
    kit.header_row(table, ["No.", "Stage", "Owner", "Signed", "Date", "Signature"],
                   [CENTER, None, None, CENTER, CENTER, CENTER])
    kit.tag_row(table, "{%tr for s in stages %}")
    row = add_row(table, height=Mm(8))   # room for a signature, or its image
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", ("{{ s.stage }}", "b"))
    cell_text(row.cells[2], "Table Cell", "{{ s.owner }}",
              kit.second_line("s.comment", "s.comment|default(none)"))
    cell_text(row.cells[3], "Table Cell", "{% if s.signed %}", ("✓", "b", GREEN), "{% else %}",
              (label("Pending"), "b", AMBER), "{% endif %}", align=CENTER)
    cell_text(row.cells[4], "Table Cell",
              '{% if s.signed_date|default(none) %}{{ s.signed_date|' + kit.TABLE_DATE + ' }}{% endif %}',
              align=CENTER)
    sig = row.cells[5]
    tag_par(sig, "{%p if s.signature_image|default(none) %}")
    add_par(sig, "Sign Name", "{{ image(s.signature_image, 25) }}")
    tag_par(sig, "{%p else %}")
    add_par(sig, "Sign Mark", label("(Signature)"))
    tag_par(sig, "{%p endif %}")
    sig._tc.remove(sig.paragraphs[0]._p)
    add_par(sig, "Normal").paragraph_format.line_spacing = Pt(1)
    kit.tag_row(table, "{%tr endfor %}")

    tag_par(doc, "{%p if unsigned_stages %}")
    add_par(doc, "Table Note",
            (label("Stages not yet signed") + '{{ "：" if locale[:2] == "zh" else ": " }}'
             '{{ unsigned_stages|map(attribute="stage")|join(' + LIST_SEP + ') }}', "b", AMBER)
            ).paragraph_format.space_before = Pt(3)
    tag_par(doc, "{%p endif %}")


def build_result(doc: Document) -> None:
    kit.heading(doc, "Acceptance")
    facts = kit.FactsGrid(doc, (Mm(32), Mm(53), Mm(32), Mm(53)))
    boxes: list[kit.RunSpec] = []
    for value, msgid in RESULTS:
        boxes += [f'{{% if acceptance == "{value}" %}}', ("■ " + label(msgid), "b"),
                  "{% else %}", ("□ " + label(msgid), "", TEXT_GREY), "{% endif %}", "      "]
    facts.wide("Acceptance Result", *boxes[:-1])
    facts.optional_wide("remarks", "Remarks", "{{ remarks }}")


def party_box(where: kit.Where, heading: str, rows: Sequence[tuple[str, kit.RunSpec]]) -> None:
    """One party's signature block: name rows and a tall box with the seal mark."""
    table = kit.new_table(where, [Mm(24), Mm(57)], grid=True, margins=(40, 80, 40, 80))
    head = add_row(table)
    merged = head.cells[0].merge(head.cells[1])
    shade(merged, kit.HEAD_FILL)
    cell_text(merged, "Table Label", heading, align=CENTER)
    for msgid, value in rows:
        row = add_row(table)
        shade(row.cells[0], LABEL_FILL)
        cell_text(row.cells[0], "Table Label", label(msgid))
        cell_text(row.cells[1], "Table Cell", value)
    sign = add_row(table, height=Mm(13), valign=WD_CELL_VERTICAL_ALIGNMENT.BOTTOM)
    shade(sign.cells[0], LABEL_FILL)
    sign.cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    cell_text(sign.cells[0], "Table Label", label("Signature"))
    cell_text(sign.cells[1], "Sign Mark", label("(Signature)"))
    for r in table.rows[:-1]:
        for c in r.cells:
            for p in c.paragraphs:
                p.paragraph_format.keep_with_next = True


BLANK_DATE = label("____ / __ / __")


def build_confirmation(doc: Document) -> None:
    # Statement and signature blocks stay on one page.
    kit.heading(doc, "Confirmation")
    statement = kit.clause(doc, STATEMENT)
    statement.paragraph_format.space_before = Pt(0)
    statement.paragraph_format.keep_with_next = True
    kit.spacer(doc, 5).paragraph_format.keep_with_next = True
    layout = kit.new_table(doc, (Mm(85), Mm(85)), grid=False, margins=(0, 0, 0, 0))
    kit.no_borders(layout)
    row = add_row(layout, valign=WD_CELL_VERTICAL_ALIGNMENT.TOP)
    left, right = row.cells
    party_box(left, label("Client (Party A)"), [
        ("Company", "{{ client.legal_name|default(none, true) or client.name }}"),
        ("Name", ("{% if client_signatory and client_signatory.name|default(none) %}"
                  "{{ client_signatory.name }}{% if client_signatory.title|default(none) %}"
                  "  {{ client_signatory.title }}{% endif %}{% endif %}")),
        ("Date", ("{% if client_signatory and client_signatory.signed_date|default(none) %}"
                  '{{ client_signatory.signed_date|date("long") }}{% else %}'
                  + BLANK_DATE + "{% endif %}")),
    ])
    party_box(right, label("Supplier"), [
        ("Company", '{{ company.legal_name or company.name or "" }}'),
        ("Name", ""),
        ("Date", BLANK_DATE),
    ])
    for cell in (left, right):
        cell._tc.remove(cell.paragraphs[0]._p)
        cell.paragraphs[-1].paragraph_format.line_spacing = Pt(1)


def build() -> bytes:
    doc = kit.new_document()
    kit.compact(doc)
    kit.header_footer(doc, KIND, "  ·  {{ job_number }}")
    kit.letterhead(doc)
    build_title_block(doc)
    build_deliverable(doc)
    build_stages(doc)
    build_result(doc)
    build_confirmation(doc)
    return kit.finish(doc, "signoff", "Acceptance sheet")


def main(argv: Sequence[str] = ()) -> int:
    return kit.main("signoff", build, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
