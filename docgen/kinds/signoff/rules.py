"""Cross-field rules of the `signoff` kind."""
from __future__ import annotations

from typing import Any

from ...messages import N_
from ...rules import Findings, date_at, items


def _signed(stage: dict[str, Any]) -> bool:
    if isinstance(stage.get("signed"), bool):
        return bool(stage["signed"])
    return date_at(stage, "signed_date") is not None


def check(data: dict[str, Any], findings: Findings) -> None:
    stages = items(data, "stages")
    for i, stage in stages:
        if stage.get("signed") is False and stage.get("signed_date") not in (None, ""):
            findings.warning(("stages", i, "signed_date"), "date_but_unsigned",
                             N_("has a signing date but the stage is marked unsigned"))
    client = data.get("client_signatory")
    if isinstance(client, dict) and date_at(client, "signed_date") is not None:
        unsigned = [str(stage.get("stage", i + 1)) for i, stage in stages if not _signed(stage)]
        if unsigned:
            findings.error(("client_signatory", "signed_date"), "client_before_stages",
                           N_("the client cannot have signed while stages are unsigned: "
                              "{stages}"), stages=", ".join(unsigned))
