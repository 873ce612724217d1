"""Localized display names for enum values, taken from a kind's schema.

Each enum property in a kind's ``schema.yaml`` carries ``x-enum-labels``
(``{value: {ko: …, zh-CN: …, zh-TW: …, en: …}}``). The compute hooks use these to
give templates a ready label (``order_type_label``, ``acceptance_label``…), so the
wording lives in one place — the schema — and matches what ``docgen schema`` shows.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ..i18n.catalog import pick_label
from ..i18n.locale import DocLocale
from . import get


def pick(labels: Mapping[str, Any], locale: DocLocale) -> Optional[str]:
    """The label for ``locale`` from a ``{code: text}`` mapping.

    A bilingual locale gives ``"primary / secondary"`` (one text when both are the
    same, e.g. "Job No."). A missing language falls back to English, then None.
    """
    return pick_label(labels, locale)


def property_schema(kind: str, *path: str) -> dict[str, Any]:
    """The schema node of ``kind``'s property at ``path`` (object properties,
    array items and anyOf object branches are stepped through); ``{}`` if absent."""
    found = get(kind)
    node: dict[str, Any] = found.schema if found is not None else {}
    for name in path:
        node = _step(node, name)
    return node


def _step(node: Mapping[str, Any], name: str) -> dict[str, Any]:
    if node.get("type") == "array":
        node = node.get("items") or {}
    for branch in node.get("anyOf") or ():
        if branch.get("type") == "object":
            node = branch
            break
    sub = (node.get("properties") or {}).get(name)
    return dict(sub) if isinstance(sub, Mapping) else {}


def enum_label(kind: str, path: tuple[str, ...], value: Any, locale: DocLocale) -> Optional[str]:
    """The display name of enum ``value`` of ``kind``'s property at ``path``.

    None when ``value`` is None; the value itself (as text) when the schema has no
    label for it, so a template never shows an empty cell for a known value.
    """
    if value is None:
        return None
    labels = (property_schema(kind, *path).get("x-enum-labels") or {}).get(value)
    if not isinstance(labels, Mapping):
        return str(value)
    return pick(labels, locale) or str(value)
