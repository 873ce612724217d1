"""Build the built-in meeting-minutes template, ``templates/minutes/minutes.docx``.

Scaffolding (see ``tools/docx_kit.py``): the committed .docx is the source of truth.
The output is byte-identical for the same script (fixed core properties and zip
timestamps). Shared pieces (styles, tables, letterhead, header and footer)
live in ``tools/docx_kit.py``; its docstring lists what must stay true.

Values come only from minutes fields (``docgen/kinds/minutes/schema.yaml``) and the
agency profile (``company``). Nested optional fields are read with ``|default(…)`` so
a missing key and ``None`` behave alike.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from docx.document import Document
from docx.shared import Mm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_kit as kit  # noqa: E402
from docx_kit import CENTER, DASH, LIST_SEP, add_par, add_row, cell_text, label, tag_par  # noqa: E402

KIND = "Meeting Minutes"

TIME_RANGE = ('{% if start_time %}  {{ start_time|time("HH:mm") }}{% if end_time %}'
              '{{ "~" if locale[:2] == "ko" else "–" }}{{ end_time|time("HH:mm") }}'
              '{% endif %}{% endif %}')
MEETING_TYPE = ('{% if meeting_type == "client" %}{{ _("Client meeting") }}'
                '{% elif meeting_type == "internal" %}{{ _("Internal meeting") }}'
                '{% elif meeting_type == "call" %}{{ _("Phone call") }}'
                '{% elif meeting_type == "visit" %}{{ _("Site visit") }}'
                f'{{% else %}}{DASH}{{% endif %}}')
CLAUSE = ('{% if confirm_by %}{{ _("If you have any objections, please reply by {date}; '
          'otherwise these minutes are deemed confirmed.").format(date=confirm_by|date("long")) }}'
          '{% else %}{{ _("If you have any objections, please let us know; '
          'otherwise these minutes are deemed confirmed.") }}{% endif %}')


def build_title_block(doc: Document) -> None:
    kit.title_block(doc, [label(KIND)], "{{ title }}", [
        ("Client", f'{{{{ client.name if client else "{DASH}" }}}}'),
        ("Brand", f'{{{{ brand or "{DASH}" }}}}'),
        ("Project", f'{{{{ project or "{DASH}" }}}}'),
        ("Job No.", f'{{{{ job_number or "{DASH}" }}}}'),
    ], [Mm(52), Mm(34), Mm(52), Mm(32)])


def build_facts(doc: Document) -> None:
    kit.spacer(doc)  # breathing space between the strip and the facts grid
    facts = kit.FactsGrid(doc, (Mm(36), Mm(49), Mm(36), Mm(49)))
    facts.wide("Date and Time", '{{ date|date("full") }}' + TIME_RANGE)
    facts.optional_wide("location", "Location", "{{ location }}")   # a call has no place
    facts.pair(("Meeting Type", MEETING_TYPE), ("Chair", f'{{{{ chair or "{DASH}" }}}}'))
    facts.pair(("Recorded By", f'{{{{ recorder or "{DASH}" }}}}'),
               ("Equipment", "{% if equipment %}{{ equipment|join(" + LIST_SEP + ") }}"
                             f"{{% else %}}{DASH}{{% endif %}}"))
    facts.optional_wide("cc", "Distribution", "{{ cc|join(" + LIST_SEP + ") }}")


def build_attendees(doc: Document) -> None:
    kit.heading(doc, "Attendees")
    table = kit.new_table(doc, [Mm(14), Mm(64), Mm(46), Mm(46)], grid=False)
    kit.header_row(table, ["No.", "Organization", "Position", "Name"], [CENTER, None, None, None])
    kit.tag_row(table, "{%tr for a in attendees %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", '{{ a.organization|default("", true) }}')
    cell_text(row.cells[2], "Table Cell", '{{ a.role|default("", true) }}')
    cell_text(row.cells[3], "Table Cell", "{{ a.name }}")
    kit.tag_row(table, "{%tr endfor %}")


def build_discussion(doc: Document) -> None:
    tag_par(doc, "{%p if discussion %}")
    kit.heading(doc, "Discussion")
    tag_par(doc, "{%p for d in discussion %}")
    add_par(doc, "List Topic", "{{ loop.index }}.", "\t", '{{ d.topic|default("", true) }}')
    add_par(doc, "Body Indent", '{{p d.notes|default("", true) }}')  # Markdown: paragraphs, lists
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p endif %}")


def build_action_items(doc: Document) -> None:
    tag_par(doc, "{%p if action_items %}")
    kit.heading(doc, "Action Items")
    table = kit.new_table(doc, [Mm(14), Mm(90), Mm(32), Mm(34)], grid=False)
    kit.header_row(table, ["No.", "Task", "Owner", "Due"], [CENTER, None, None, None])
    kit.tag_row(table, "{%tr for ai in action_items %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ ai.task }}")
    cell_text(row.cells[2], "Table Cell", "{{ ai.owner }}")
    cell_text(row.cells[3], "Table Cell",
              '{% if ai.due|default(none) %}{{ ai.due|date("medium") }}{% endif %}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_closing(doc: Document) -> None:
    kit.numbered_list(doc, "issues", "Issues and Risks")

    tag_par(doc, "{%p if next_meeting %}")
    kit.heading(doc, "Next Meeting")
    tag_par(doc, "{%p if next_meeting.date|default(none) %}")
    add_par(doc, "Field Line", (label("Date and Time"), "b"), "\t",
            '{{ next_meeting.date|date("full") }}{% if next_meeting.time|default(none) %}'
            '  {{ next_meeting.time|time("HH:mm") }}{% endif %}')
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p if next_meeting.location|default(none) %}")
    add_par(doc, "Field Line", (label("Location"), "b"), "\t", "{{ next_meeting.location }}")
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if outcome %}")
    kit.heading(doc, "Outcome")
    tag_par(doc, "{%p if outcome.objective_met|default(none) is not none %}")
    add_par(doc, "Field Line", (label("Objective Met"), "b"), "\t",
            '{{ _("Yes") if outcome.objective_met else _("No") }}')
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p if outcome.notes|default(none) %}")
    add_par(doc, "Body Text Block", "{{p outcome.notes }}")
    tag_par(doc, "{%p endif %}")
    tag_par(doc, "{%p endif %}")

    # The confirmation clause never stands alone at the top of a page: the attachments
    # list (with its heading) goes with it.
    kit.numbered_list(doc, "attachments", "Attachments", keep=True)

    # Internal meetings need no client confirmation unless a reply-by date is given.
    tag_par(doc, '{%p if confirm_by or meeting_type != "internal" %}')
    kit.clause(doc, CLAUSE)
    tag_par(doc, "{%p endif %}")


def build() -> bytes:
    doc = kit.new_document()
    kit.compact(doc, before=11, cell_pt=None)
    kit.header_footer(doc, KIND, "{% if job_number %}  ·  {{ job_number }}{% endif %}")
    kit.letterhead(doc)
    build_title_block(doc)
    build_facts(doc)
    build_attendees(doc)
    kit.numbered_list(doc, "agenda", "Agenda")
    build_discussion(doc)
    kit.numbered_list(doc, "decisions", "Decisions")
    build_action_items(doc)
    build_closing(doc)
    return kit.finish(doc, "minutes", "Meeting minutes")


def main(argv: Sequence[str] = ()) -> int:
    return kit.main("minutes", build, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
