"""Helpers for the kind tests: build a context the way the pipeline does."""
from __future__ import annotations

from typing import Any, Optional

from docgen import kinds
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.kinds import Kind


def kind(name: str) -> Kind:
    found = kinds.get(name)
    assert found is not None, name
    return found


def context(name: str, data: dict[str, Any], locale: str = "ko",
            data_file: Optional[str] = None) -> dict[str, Any]:
    """The render context of ``data`` for kind ``name``, computed fields included."""
    k = kind(name)
    return build_context(data, k.schema, locale=DocLocale.parse(locale), compute=k.compute,
                         data_file=data_file)
