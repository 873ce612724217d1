"""Record → render context: shorthand expanded, optional fields present, dates typed,
images resolved, the company profile added and the kind's computed fields filled in.

Templates run with undefined variables as errors, so every optional field the
schema knows is present in the context (``None`` or ``[]``) and a template can
write ``{%p if decisions %}`` without guarding against undefined names.

The context is built from a deep copy of one record and nothing else (the profile
is read-only): no value of one record can reach another record's document.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Optional

from .i18n.locale import DocLocale
from .profile import ImagePath, Profile
from .validation import parse_date, parse_time, resolve_image

Compute = Callable[[dict[str, Any], DocLocale], None]


def fill_defaults(value: Any, schema: dict[str, Any], data_file: Optional[str] = None) -> Any:
    """Return ``value`` with the schema's missing optional fields added, recursively;
    ``format: image`` paths become :class:`ImagePath` resolved against ``data_file``."""
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if branch.get("type") == "object" and isinstance(value, dict):
                return fill_defaults(value, branch, data_file)
        return value
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        out = dict(value)
        for name, sub in schema.get("properties", {}).items():
            if name not in out or out[name] is None:
                out[name] = [] if sub.get("type") == "array" else None
            if out[name] is not None:
                out[name] = fill_defaults(out[name], sub, data_file)
        return out
    if kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        return [fill_defaults(v, items, data_file) for v in value]
    fmt = schema.get("format")
    if fmt == "date" and isinstance(value, str):
        return parse_date(value) or value
    if fmt == "time" and not isinstance(value, str):
        parsed = parse_time(value)
        return parsed.strftime("%H:%M") if parsed else value
    if fmt == "image" and isinstance(value, str) and value:
        found = resolve_image(value, data_file)
        return ImagePath(found) if found else value
    return value


def expand_client(data: dict[str, Any]) -> dict[str, Any]:
    """``client: "Hanil"`` is shorthand for ``client: {name: "Hanil"}``."""
    if isinstance(data.get("client"), str):
        data = dict(data)
        data["client"] = {"name": data["client"]}
    return data


def build_context(
    data: dict[str, Any],
    schema: dict[str, Any],
    *,
    locale: Optional[DocLocale] = None,
    compute: Optional[Compute] = None,
    profile: Optional[Profile] = None,
    data_file: Optional[str] = None,
) -> dict[str, Any]:
    """The context a kind's template sees for one record (the record is not modified).

    ``compute`` is the kind's hook that adds computed fields (totals, week label…);
    it runs on the fresh copy, after defaults are filled, in the document's locale.
    """
    loc = locale or DocLocale("ko")
    data = expand_client(copy.deepcopy(data))
    context: dict[str, Any] = fill_defaults(data, schema, data_file)
    context["company"] = (profile or Profile()).context(loc)
    if compute is not None:
        compute(context, loc)
    return context


def data_dir(data_file: Optional[str]) -> Optional[Path]:
    return Path(data_file).parent if data_file else None
