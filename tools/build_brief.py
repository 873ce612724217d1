"""Build the built-in creative brief / work order template, ``templates/brief/brief.docx``.

The work order is what makes a job legitimate: its job number is the finance key
(DOMAIN.md §1.3, §1.4), so it is the biggest value on the page. Then the order's
facts (type, dates with the days left, budget), the brief itself (background,
objective, target, insight, key message, reason to believe, tone), deliverables,
mandatories, competitors, timeline, success metrics and the approval line.

A creative order is titled "Creative Brief"; research and media orders "Work Order"
with the order type. Run ``python tools/build_brief.py`` after editing (byte-identical
output for the same script). ``order_type_label``, ``work_type_label`` and
``days_until_due`` are computed fields (``docgen/kinds/brief/compute.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from docx.document import Document
from docx.shared import Mm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_kit as kit  # noqa: E402
from docx_kit import (  # noqa: E402
    ACCENT, CENTER, DASH, LABEL_FILL, LIST_SEP, add_par, add_row, cell_text, label, shade,
    tag_par,
)

OPEN = '{{ "（" if locale[:2] == "zh" else " (" }}'
CLOSE = '{{ "）" if locale[:2] == "zh" else ")" }}'
KIND = ('{% if order_type == "creative" %}{{ _("Creative Brief") }}{% else %}'
        '{{ _("Work Order") }} · {{ order_type_label or order_type }}{% endif %}')
DUE_IN = ('{% if days_until_due is not none %}' + OPEN + '{% if days_until_due > 0 %}'
          '{{ _("in {days} days").format(days=days_until_due) }}'
          '{% elif days_until_due == 0 %}{{ _("due today") }}'
          '{% else %}{{ _("{days} days overdue").format(days=-days_until_due) }}{% endif %}'
          + CLOSE + '{% endif %}')
# (field, label, run format); "md": a Markdown field (schema format: markdown), printed
# as paragraphs and lists in place of its cell paragraph ({{p …}}).
BRIEF_ROWS = [
    ("background", "Background", "md"),
    ("objective", "Objective", "md"),
    ("target_audience", "Target Audience", "md"),
    ("insight", "Consumer Insight", "md"),
    ("key_message", "Key Message", "b"),
    ("reason_to_believe", "Reason to Believe", "md"),
    ("tone", "Tone and Manner", ""),
]


def build_title_block(doc: Document) -> None:
    kit.title_block(doc, [KIND], "{{ project }}", [
        ("Job No.", "{{ job_number }}"),
        ("Client", "{{ client.name }}"),
        ("Brand", f'{{{{ brand or "{DASH}" }}}}'),
        ("Account Executive", f'{{{{ ae or "{DASH}" }}}}'),
    ], [Mm(48), Mm(42), Mm(40), Mm(40)], large=[0])


def build_facts(doc: Document) -> None:
    kit.spacer(doc)
    facts = kit.FactsGrid(doc, (Mm(32), Mm(53), Mm(32), Mm(53)))
    facts.pair(("Order Type", "{{ order_type_label|default(order_type, true) }}"),
               ("Work Type", f'{{{{ work_type_label|default(none, true) or "{DASH}" }}}}'))
    facts.pair(("Brief Date", '{{ issued_date|date("long") }}'),
               ("Final Due", [('{{ due_date|date("long") }}', "b"), (DUE_IN, "b", ACCENT)]))
    facts.tag("{%tr if product or department %}")
    facts.pair(("Product", f'{{{{ product or "{DASH}" }}}}'),
               ("Department", f'{{{{ department or "{DASH}" }}}}'))
    facts.tag("{%tr endif %}")
    budget = "budget and budget.amount|default(none) is not none"
    facts.tag(f"{{%tr if {budget} or revisions is not none %}}")
    amount = (f'{{{{ budget.amount|money(budget.currency|default(none)) if {budget}'
              f' else "{DASH}" }}}}')
    rounds = (f'{{{{ _("{{n}} rounds").format(n=revisions) if revisions is not none'
              f' else "{DASH}" }}}}')
    facts.pair(("Budget", [(amount, "b"),
                           kit.second_line("budget.note", "budget and budget.note|default(none)")]),
               ("Revisions Included", rounds))
    facts.tag("{%tr endif %}")


def build_brief(doc: Document) -> None:
    any_field = " or ".join(field for field, _, _ in BRIEF_ROWS)
    tag_par(doc, f"{{%p if {any_field} %}}")
    kit.heading(doc, "Brief")
    table = kit.new_table(doc, [Mm(34), Mm(136)], grid=True)
    for field, msgid, fmt in BRIEF_ROWS:
        kit.tag_row(table, f"{{%tr if {field} %}}")
        row = add_row(table)
        shade(row.cells[0], LABEL_FILL)
        cell_text(row.cells[0], "Table Label", label(msgid))
        if fmt == "md":
            cell_text(row.cells[1], "Table Cell", f"{{{{p {field} }}}}")
        elif fmt:
            cell_text(row.cells[1], "Table Cell", (f"{{{{ {field} }}}}", fmt, ACCENT, 11))
        else:
            cell_text(row.cells[1], "Table Cell", f"{{{{ {field} }}}}")
        kit.tag_row(table, "{%tr endif %}")
    tag_par(doc, "{%p endif %}")


def build_deliverables(doc: Document) -> None:
    kit.heading(doc, "Deliverables")
    table = kit.new_table(doc, [Mm(12), Mm(56), Mm(56), Mm(16), Mm(30)], grid=False)
    kit.header_row(table, ["No.", "Item", "Specification", "Quantity", "Due"],
                   [CENTER, None, None, kit.RIGHT, None])
    kit.tag_row(table, "{%tr for d in deliverables %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", ("{{ d.item }}", "b"))
    cell_text(row.cells[2], "Table Cell", '{{ d.spec|default("", true) }}')
    cell_text(row.cells[3], "Table Cell",
              '{{ d.quantity|number if d.quantity|default(none) is not none else "" }}',
              align=kit.RIGHT)
    cell_text(row.cells[4], "Table Cell",
              '{% if d.due|default(none) %}{{ d.due|' + kit.TABLE_DATE + ' }}{% endif %}')
    kit.tag_row(table, "{%tr endfor %}")


def build_lists(doc: Document) -> None:
    kit.numbered_list(doc, "mandatories", "Mandatories")

    tag_par(doc, "{%p if competitors %}")
    kit.heading(doc, "Competitors")
    add_par(doc, "Body Text Block", "{{ competitors|join(" + LIST_SEP + ") }}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if timeline %}")
    kit.heading(doc, "Timeline")
    table = kit.new_table(doc, [Mm(12), Mm(98), Mm(60)], grid=False)
    kit.header_row(table, ["No.", "Milestone", "Date"], [CENTER, None, None])
    kit.tag_row(table, "{%tr for m in timeline %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ m.milestone }}")
    cell_text(row.cells[2], "Table Cell",
              '{% if m.date|default(none) %}{{ m.date|date("full") }}{% endif %}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if kpis %}")
    kit.heading(doc, "Success Metrics")
    table = kit.new_table(doc, [Mm(12), Mm(98), Mm(60)], grid=False)
    kit.header_row(table, ["No.", "Metric", "Target"], [CENTER, None, kit.RIGHT])
    kit.tag_row(table, "{%tr for k in kpis %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ k.name }}")
    cell_text(row.cells[2], "Table Cell",
              '{% set t = k.target|default(none) %}'
              '{{ t|number if t is number else (t if t is not none else "") }}', align=kit.RIGHT)
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_approvals(doc: Document) -> None:
    kit.heading(doc, "Approvals")
    tag_par(doc, "{%p if approvals %}")
    table = kit.new_table(doc, [Mm(44), Mm(50), Mm(46), Mm(30)], grid=True)
    kit.header_row(table, ["Role", "Name", "Signature", "Date"])
    kit.tag_row(table, "{%tr for a in approvals %}")
    row = add_row(table, height=Mm(11))
    cell_text(row.cells[0], "Table Cell", ('{{ a.role|default("", true) }}', "b"))
    cell_text(row.cells[1], "Table Cell", '{{ a.name|default("", true) }}')
    cell_text(row.cells[2], "Sign Mark", label("(Signature)"))
    cell_text(row.cells[3], "Table Cell", "")
    kit.keep_with_next(row)   # the approval line is never split across pages
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p else %}")
    # No approval line given: the usual one (DOMAIN.md §1.4).
    kit.sign_boxes(doc, [("Requester", '{{ ae or "" }}'), ("Team Lead", ""),
                         ("Production Lead", "")], [Mm(30), Mm(30), Mm(30)])
    tag_par(doc, "{%p endif %}")


def build() -> bytes:
    doc = kit.new_document()
    kit.header_footer(doc, KIND, "  ·  {{ job_number }}")
    kit.letterhead(doc)
    build_title_block(doc)
    build_facts(doc)
    build_brief(doc)
    build_deliverables(doc)
    build_lists(doc)
    build_approvals(doc)
    return kit.finish(doc, "brief", "Creative brief / work order")


def main(argv: Sequence[str] = ()) -> int:
    return kit.main("brief", build, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
