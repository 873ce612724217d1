"""Build the built-in weekly work report template, ``templates/weekly/weekly.docx``.

Sent to each client every Monday by noon (DOMAIN.md §1.2): the week (label and
period), this week's work grouped by status with progress, next week's plan,
issues and requests, key figures, milestones. The report is dated ``send_at``, the
Monday after the reported week.

Run ``python tools/build_weekly.py`` after editing (byte-identical output for the same
script). ``week_label``, ``period``, ``send_at``, ``tasks_by_status``, ``status_counts``,
``next_week`` and ``tasks[i].status_label`` are computed fields
(``docgen/kinds/weekly/compute.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from docx.document import Document
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_kit as kit  # noqa: E402
from docx_kit import (  # noqa: E402
    BLUE, CENTER, DASH, GREEN, RED, RIGHT, TEXT_GREY, add_par, add_row, cell_text, label,
    tag_par,
)

KIND = "Weekly Report"
# This week's work, grouped by status: what is done, what moves, what is stuck.
THIS_WEEK = "tasks_by_status.done + tasks_by_status.in_progress + tasks_by_status.blocked"
STATUS_COLORS = (("done", GREEN), ("blocked", RED))


def status_runs(var: str) -> list[kit.RunSpec]:
    """The task's status label, coloured by status (one run per branch)."""
    text = f"{{{{ {var}.status_label|default({var}.status, true) }}}}"
    runs: list[kit.RunSpec] = []
    for i, (status, color) in enumerate(STATUS_COLORS):
        runs.append(f'{{% {"if" if i == 0 else "elif"} {var}.status == "{status}" %}}')
        runs.append((text, "b", color, 8.5))
    runs += ["{% else %}", (text, "b", BLUE, 8.5), "{% endif %}"]
    return runs


def build_title_block(doc: Document) -> None:
    kit.title_block(doc, [label(KIND)], "{{ week_label }}", [
        ("Client", "{{ client.name }}"),
        ("Period", "{{ period.start|daterange(period.end) }}"),
        ("Reported By", "{{ author }}"),
        ("Report Date", '{{ send_at|date("medium") }}'),
    ], [Mm(34), Mm(58), Mm(40), Mm(38)])
    tag_par(doc, "{%p if project or team or recipient %}")
    kit.spacer(doc)
    facts = kit.FactsGrid(doc, (Mm(32), Mm(53), Mm(32), Mm(53)))
    facts.optional_wide("project", "Project", "{{ project }}")
    facts.optional_wide("team", "Team", "{{ team }}")
    facts.optional_wide("recipient", "To", "{{ recipient }}")
    tag_par(doc, "{%p endif %}")


def build_summary(doc: Document) -> None:
    tag_par(doc, "{%p if summary %}")
    kit.heading(doc, "Summary")
    add_par(doc, "Body Text Block", "{{p summary }}")  # Markdown: paragraphs, lists
    tag_par(doc, "{%p endif %}")


def build_this_week(doc: Document) -> None:
    tag_par(doc, "{%p if this_week %}")
    kit.heading(doc, "This Week")
    counts: list[kit.RunSpec] = []
    for status, msgid, color in (("done", "Done", GREEN), ("in_progress", "In progress", BLUE),
                                 ("blocked", "Blocked", RED)):
        counts += [f"{{% if status_counts.{status} %}}",
                   (label(msgid), "", color), f" {{{{ status_counts.{status} }}}}   ", "{% endif %}"]
    counts += ["{% if status_counts.planned %}", (label("Planned"), "", TEXT_GREY),
               " {{ status_counts.planned }}", "{% endif %}"]
    add_par(doc, "Table Note", *counts).paragraph_format.space_after = Pt(4)
    table = kit.new_table(doc, [Mm(10), Mm(52), Mm(24), Mm(20), Mm(24), Mm(40)], grid=False,
                          margins=(45, 80, 45, 80))
    kit.header_row(table, ["No.", "Task", "Owner", "Progress", "Status", "Note"],
                   [CENTER, None, None, RIGHT, CENTER, None])
    kit.tag_row(table, f"{{%tr for t in {THIS_WEEK} %}}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ t.task }}",
              kit.second_line("t.project", "t.project|default(none)"))
    cell_text(row.cells[2], "Table Cell", '{{ t.owner|default("", true) }}')
    cell_text(row.cells[3], "Table Cell",
              f'{{{{ t.progress|number ~ "%" if t.progress|default(none) is not none'
              f' else "{DASH}" }}}}', align=RIGHT)
    cell_text(row.cells[4], "Table Cell", *status_runs("t"), align=CENTER)
    cell_text(row.cells[5], "Table Cell", '{{p t.note|default("", true) }}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_next_week(doc: Document) -> None:
    tag_par(doc, "{%p if next_week %}")
    kit.heading(doc, "Next Week")
    table = kit.new_table(doc, [Mm(11), Mm(67), Mm(24), Mm(30), Mm(38)], grid=False)
    kit.header_row(table, ["No.", "Task", "Owner", "Due", "Note"], [CENTER, None, None, None, None])
    kit.tag_row(table, "{%tr for t in next_week %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ t.task }}",
              kit.second_line("t.project", "t.project|default(none)"))
    cell_text(row.cells[2], "Table Cell", '{{ t.owner|default("", true) }}')
    cell_text(row.cells[3], "Table Cell",
              '{% if t.due|default(none) %}{{ t.due|' + kit.TABLE_DATE + ' }}{% endif %}')
    cell_text(row.cells[4], "Table Cell", '{{p t.note|default("", true) }}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_issues(doc: Document) -> None:
    tag_par(doc, "{%p if issues %}")
    kit.heading(doc, "Issues and Requests")
    table = kit.new_table(doc, [Mm(11), Mm(51), Mm(52), Mm(56)], grid=False)
    kit.header_row(table, ["No.", "Issue", "Impact", "Action / Support Needed"],
                   [CENTER, None, None, None])
    kit.tag_row(table, "{%tr for i in issues %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", ("{{ i.issue }}", "b"))
    cell_text(row.cells[2], "Table Cell", '{{p i.impact|default("", true) }}')
    cell_text(row.cells[3], "Table Cell", '{{p i.action|default("", true) }}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")


def build_figures(doc: Document) -> None:
    tag_par(doc, "{%p if kpis %}")
    kit.heading(doc, "Key Figures")
    table = kit.new_table(doc, [Mm(11), Mm(69), Mm(32), Mm(32), Mm(26)], grid=False)
    kit.header_row(table, ["No.", "Metric", "Result", "Target", "vs. Target"],
                   [CENTER, None, RIGHT, RIGHT, RIGHT])
    kit.tag_row(table, "{%tr for k in kpis %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ k.name }}")
    for cell, key in ((row.cells[2], "value"), (row.cells[3], "target")):
        cell_text(cell, "Table Cell",
                  f"{{% set v = k.{key}|default(none) %}}"
                  '{{ v|number if v is number else (v if v is not none else "") }}', align=RIGHT)
    cell_text(row.cells[4], "Table Cell",
              "{% set v = k.value|default(none) %}{% set g = k.target|default(none) %}"
              "{{ (v / g)|percent if v is number and g is number and g else '' }}", align=RIGHT)
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if milestones %}")
    kit.heading(doc, "Milestones")
    table = kit.new_table(doc, [Mm(11), Mm(99), Mm(60)], grid=False)
    kit.header_row(table, ["No.", "Milestone", "Date"], [CENTER, None, None])
    kit.tag_row(table, "{%tr for m in milestones %}")
    row = add_row(table)
    cell_text(row.cells[0], "Table Cell", "{{ loop.index }}", align=CENTER)
    cell_text(row.cells[1], "Table Cell", "{{ m.milestone }}")
    cell_text(row.cells[2], "Table Cell",
              '{% if m.date|default(none) %}{{ m.date|date("full") }}{% endif %}')
    kit.tag_row(table, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")

    tag_par(doc, "{%p if remarks %}")
    kit.heading(doc, "Remarks")
    add_par(doc, "Body Text Block", "{{p remarks }}")
    tag_par(doc, "{%p endif %}")


def build() -> bytes:
    doc = kit.new_document()
    kit.header_footer(doc, KIND, "  ·  {{ week_label }}")
    kit.letterhead(doc)
    build_title_block(doc)
    build_summary(doc)
    build_this_week(doc)
    build_next_week(doc)
    build_issues(doc)
    build_figures(doc)
    return kit.finish(doc, "weekly", "Weekly report")


def main(argv: Sequence[str] = ()) -> int:
    return kit.main("weekly", build, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
