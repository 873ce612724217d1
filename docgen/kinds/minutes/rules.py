"""Cross-field rules of the `minutes` kind."""
from __future__ import annotations

from typing import Any

from ...messages import N_
from ...rules import Findings, date_at, items, time_at


def check(data: dict[str, Any], findings: Findings) -> None:
    start, end = time_at(data, "start_time"), time_at(data, "end_time")
    if start is not None and end is not None and end <= start:
        findings.error(("end_time",), "end_before_start",
                       N_("must be after the start time ({start})"), start=start.strftime("%H:%M"))
    meeting = date_at(data, "date")
    attendees = {str(a.get("name", "")).strip().casefold() for _, a in items(data, "attendees")}
    for i, item in items(data, "action_items"):
        due = date_at(item, "due")
        if meeting is not None and due is not None and due < meeting:
            findings.warning(("action_items", i, "due"), "due_before_meeting",
                             N_("{due} is before the meeting ({date})"),
                             due=due.isoformat(), date=meeting.isoformat())
        owner = item.get("owner")
        if isinstance(owner, str) and owner.strip() and attendees \
                and owner.strip().casefold() not in attendees:
            findings.warning(("action_items", i, "owner"), "owner_not_attendee",
                             N_("'{owner}' is not among the attendees"), owner=owner)
    nxt = date_at(data, "next_meeting", "date")
    if meeting is not None and nxt is not None and nxt < meeting:
        findings.warning(("next_meeting", "date"), "next_before_meeting",
                         N_("{next} is before this meeting ({date})"),
                         next=nxt.isoformat(), date=meeting.isoformat())
