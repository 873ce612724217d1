"""Record → render context: shorthand expanded, optional fields present, dates typed.

Templates run with undefined variables as errors, so every optional field the
schema knows is present in the context (``None`` or ``[]``) and a template can
write ``{%p if decisions %}`` without guarding against undefined names.
"""
from __future__ import annotations

import copy
from typing import Any

from .validation import parse_date, parse_time


def fill_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """Return ``value`` with the schema's missing optional fields added, recursively."""
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if branch.get("type") == "object" and isinstance(value, dict):
                return fill_defaults(value, branch)
        return value
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        out = dict(value)
        for name, sub in schema.get("properties", {}).items():
            if name not in out or out[name] is None:
                out[name] = [] if sub.get("type") == "array" else None
            if out[name] is not None:
                out[name] = fill_defaults(out[name], sub)
        return out
    if kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        return [fill_defaults(v, items) for v in value]
    fmt = schema.get("format")
    if fmt == "date" and isinstance(value, str):
        return parse_date(value) or value
    if fmt == "time" and not isinstance(value, str):
        parsed = parse_time(value)
        return parsed.strftime("%H:%M") if parsed else value
    return value


def expand_client(data: dict[str, Any]) -> dict[str, Any]:
    """``client: "Hanil"`` is shorthand for ``client: {name: "Hanil"}``."""
    if isinstance(data.get("client"), str):
        data = dict(data)
        data["client"] = {"name": data["client"]}
    return data


def build_context(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The context a kind's template sees for one record (the record is not modified)."""
    data = expand_client(copy.deepcopy(data))
    context: dict[str, Any] = fill_defaults(data, schema)
    return context
