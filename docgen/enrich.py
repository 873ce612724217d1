"""Record → render context: shorthand expanded, optional fields present, dates typed,
images resolved, Markdown fields marked, the company profile added and the kind's
computed fields filled in.

Templates run with undefined variables as errors, so every optional field the
schema knows is present in the context (``None`` or ``[]``) and a template can
write ``{%p if decisions %}`` without guarding against undefined names.

The context is built from a deep copy of one record and nothing else (the profile
is read-only): no value of one record can reach another record's document.

Wording a template would otherwise compute is computed here, once, so that a
template's tags stay short (README, "Names templates can use"): each enum field's
display name (``meeting_type_label``, ``tasks[i].status_label``), the company's
letterhead lines (``company.details``…) and the page-number footer (``page_of``).
"""
from __future__ import annotations

import copy
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Optional

from .i18n.catalog import Labels, pick_label
from .i18n.locale import DocLocale
from .profile import ImagePath, Profile
from .render.markdown import MarkdownText
from .validation import parse_date, parse_time, resolve_image

Compute = Callable[[dict[str, Any], DocLocale], None]


def fill_defaults(value: Any, schema: dict[str, Any], data_file: Optional[str] = None) -> Any:
    """Return ``value`` with the schema's missing optional fields added, recursively;
    ``format: image`` paths become :class:`ImagePath` resolved against ``data_file``,
    ``format: markdown`` texts :class:`MarkdownText` (in list items too)."""
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
    if fmt == "time":  # HH:MM, full-width digits (１４：３０) as ASCII
        parsed = parse_time(value)
        return parsed.strftime("%H:%M") if parsed else value
    if fmt == "image" and isinstance(value, str) and value:
        found = resolve_image(value, data_file)
        return ImagePath(found) if found else value
    if fmt == "markdown" and isinstance(value, str):
        return MarkdownText(value)  # still a str; engines print its blocks()
    return value


def decimals(value: Any) -> Any:
    """``value`` with every finite float replaced by the Decimal it reads as
    (``Decimal(str(1.5))``), in place for mappings and lists: YAML and JSON give floats,
    sheets and the Python API Decimals, and a template that adds or divides them
    (``1.5 + Decimal('2.25')``) must not meet both kinds (a TypeError)."""
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = decimals(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = decimals(item)
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
    data = expand_client(decimals(copy.deepcopy(data)))
    context: dict[str, Any] = fill_defaults(data, schema, data_file)
    add_enum_labels(context, schema, loc)
    context["company"] = letterhead((profile or Profile()).context(loc), loc)
    context.setdefault("page_of", page_of(loc))
    if compute is not None:
        compute(context, loc)
    return context


# Top-level names build_context adds to every kind's context (besides the labels).
CONTEXT_NAMES = frozenset({"company", "page_of"})
LABEL_SUFFIX = "_label"
# Between the pieces of a letterhead line (legal name · representative · tax ID).
DOT = "  ·  "


def add_enum_labels(value: Any, schema: dict[str, Any], locale: DocLocale) -> None:
    """Put ``<field>_label`` beside every enum field whose schema gives ``x-enum-labels``
    (in nested objects and list items too): the value's display name in ``locale``,
    both languages for a bilingual one (the second marked like a catalog label's).
    None for a missing value; the value itself for one the schema has no label for.
    A field the schema itself names ``<field>_label`` is left as the data gives it."""
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if branch.get("type") == "object" and isinstance(value, dict):
                add_enum_labels(value, branch, locale)
        return
    if isinstance(value, list):
        for item in value:
            add_enum_labels(item, schema.get("items") or {}, locale)
        return
    if not isinstance(value, dict):
        return
    properties: dict[str, Any] = schema.get("properties") or {}
    for name, sub in properties.items():
        labels = sub.get("x-enum-labels")
        if isinstance(labels, dict) and name + LABEL_SUFFIX not in properties:
            value[name + LABEL_SUFFIX] = enum_text(labels, value.get(name), locale)
        if value.get(name) is not None:
            add_enum_labels(value[name], sub, locale)


def enum_label_names(schema: dict[str, Any]) -> set[str]:
    """The top-level ``<field>_label`` names :func:`add_enum_labels` adds."""
    out: set[str] = set()
    branches = [schema, *[b for b in schema.get("anyOf") or () if b.get("type") == "object"]]
    for node in branches:
        properties = node.get("properties") or {}
        out |= {name + LABEL_SUFFIX for name, sub in properties.items()
                if isinstance(sub.get("x-enum-labels"), dict)
                and name + LABEL_SUFFIX not in properties}
    return out


def enum_text(labels: dict[str, Any], value: Any, locale: DocLocale) -> Optional[str]:
    """The display name of enum ``value`` from ``{value: {code: text}}``."""
    if value is None:
        return None
    names = labels.get(value)
    if not isinstance(names, dict):
        return str(value)
    text = pick_label(names, locale, marked=True)
    return str(value) if text is None else text


def letterhead(company: dict[str, Any], locale: DocLocale) -> dict[str, Any]:
    """``company`` with its letterhead lines added, each None when empty:

    ``details``       legal name · representative · tax ID (the Word letterhead; labels
                      in the document's first language only and a no-break space before
                      each value, to keep the line short and each pair together)
    ``contacts``      phone · e-mail · website
    ``address_line``  legal name · representative · address (the Excel letterhead)
    ``contact_line``  phone · e-mail · website · tax ID (the Excel letterhead)

    The legal name appears only when it differs from the trading name above it.
    ``bank.holder`` is the account holder as given, else the company's legal name,
    else its name."""
    labels = Labels(locale, marked=True)
    first = Labels(DocLocale(locale.primary))
    legal = company.get("legal_name") if company.get("legal_name") != company.get("name") else None
    rep, tax = company.get("representative"), company.get("tax_id")

    def labelled(label: str, value: Any, space: str = " ") -> Optional[str]:
        return f"{label}{space}{value}" if value else None

    out = dict(company)
    out["details"] = _dots(legal, labelled(first.gettext("Representative"), rep, "\xa0"),
                           labelled(first.gettext("Tax ID"), tax, "\xa0"))
    out["contacts"] = _dots(company.get("phone"), company.get("email"), company.get("website"))
    out["address_line"] = _dots(legal, labelled(labels.gettext("Representative"), rep),
                                company.get("address"))
    out["contact_line"] = _dots(out["contacts"], labelled(labels.gettext("Tax ID"), tax))
    bank = dict(company.get("bank") or {})
    bank["holder"] = bank.get("holder") or company.get("legal_name") or company.get("name")
    out["bank"] = bank
    return out


def _dots(*pieces: Any) -> Optional[str]:
    return DOT.join(str(p) for p in pieces if p) or None


def page_of(locale: DocLocale) -> dict[str, str]:
    """The page footer's words around its two page-number fields: ``before`` PAGE
    ``between`` NUMPAGES ``after`` (``1 / 3 페이지``, ``第 1 页，共 3 页``, ``Page 1 of 3``;
    ``1 / 3`` in a bilingual document)."""
    text = ("{page} / {pages}" if locale.secondary is not None
            else Labels(locale).gettext("Page {page} of {pages}"))
    before, _, rest = text.partition("{page}")
    between, _, after = rest.partition("{pages}")
    return {"before": before, "between": between, "after": after}


def data_dir(data_file: Optional[str]) -> Optional[Path]:
    return Path(data_file).parent if data_file else None
