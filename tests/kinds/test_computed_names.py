"""``COMPUTED_FIELDS`` (what ``template check --kind`` accepts) lists exactly what
each kind's compute() adds to the context."""
from __future__ import annotations

import importlib

import pytest

from docgen import kinds
from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record


@pytest.mark.parametrize("name", ["brief", "weekly", "signoff", "invoice"])
def test_computed_fields_are_declared(name: str) -> None:
    kind = kinds.get(name)
    assert kind is not None
    rec = read_record(kind.sample_path("ko"))
    plain = build_context(rec.data, kind.schema, locale=DocLocale("ko"))
    full = build_context(rec.data, kind.schema, locale=DocLocale("ko"), compute=kind.compute)
    added = set(full) - set(plain)
    module = importlib.import_module(f"docgen.kinds.{name}.compute")
    assert added == set(module.COMPUTED_FIELDS)
    assert kind.provided_names() >= added | set(kind.schema["properties"]) | {"company"}
