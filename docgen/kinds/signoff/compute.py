"""Computed fields of the `signoff` kind (DOMAIN.md §1.5).

Added to the context (names are a contract with the templates):

``stages[i].signed``   bool: as given; when absent, True if the stage has a
                       ``signed_date`` (a dated signature is a signature), else False
``signed_stages``      the stage dicts that are signed, in input order
``unsigned_stages``    the others, in input order
``all_stages_signed``  bool (False when there are no stages)
``client_signed``      bool: ``client_signatory`` has a ``signed_date``
``acceptance_label``   the acceptance result in the document's language(s)
                       (``합격``, ``有条件通过``, ``합격 / 合格`` for ko+zh-CN), or None
"""
from __future__ import annotations

from typing import Any

from ...i18n.locale import DocLocale
from .._labels import enum_label

# Top-level names compute() adds (``docgen template check --kind`` accepts them).
COMPUTED_FIELDS = (
    "signed_stages",
    "unsigned_stages",
    "all_stages_signed",
    "client_signed",
)
# (acceptance_label is docgen.enrich's, for every enum field; set again below without
# the second-language marks, so the documents stay as they were.)


def compute(context: dict[str, Any], locale: DocLocale) -> None:
    """Add the acceptance sheet's computed fields to ``context``."""
    stages: list[dict[str, Any]] = list(context.get("stages") or [])
    for stage in stages:
        given = stage.get("signed")
        stage["signed"] = bool(given) if given is not None else stage.get("signed_date") is not None
    context["signed_stages"] = [s for s in stages if s["signed"]]
    context["unsigned_stages"] = [s for s in stages if not s["signed"]]
    context["all_stages_signed"] = bool(stages) and all(s["signed"] for s in stages)

    signatory = context.get("client_signatory")
    context["client_signed"] = isinstance(signatory, dict) and signatory.get("signed_date") is not None
    context["acceptance_label"] = enum_label("signoff", ("acceptance",), context.get("acceptance"),
                                             locale)
