"""The brief/weekly/signoff/invoice schemas and samples.

Schemas: DESIGN.md §7 fields with their required flags, a title and all four
x-labels on every property (nested ones too), x-enum-labels for every enum value,
closed objects. Samples: one per locale, valid with zero problems, plausible tax
IDs. Compute hooks: only the context they are given changes.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from docgen.enrich import build_context
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.taxid import check_tax_id
from docgen.validation import Validator
from tests.support import LOCALES, SAMPLES

from .support import kind

KINDS = ("brief", "weekly", "signoff", "invoice")

# DESIGN.md §7: core fields of each kind; True marks the required ones.
CORE_FIELDS: dict[str, dict[str, bool]] = {
    "brief": {
        "job_number": True, "order_type": True, "client": True, "brand": False,
        "project": True, "issued_date": True, "due_date": True, "ae": False,
        "background": False, "objective": False, "target_audience": False,
        "key_message": False, "tone": False, "deliverables": True, "mandatories": False,
        "budget": False, "approvals": False, "locale": False,
    },
    "weekly": {
        "client": True, "week_start": True, "author": True, "recipient": False,
        "summary": False, "tasks": True, "issues": False, "kpis": False, "locale": False,
    },
    "signoff": {
        "job_number": True, "client": True, "deliverable": True, "delivered_date": True,
        "stages": True, "client_signatory": False, "acceptance": False, "remarks": False,
        "locale": False,
    },
    "invoice": {
        "request_number": False, "job_number": True, "client": True, "issue_date": True,
        "currency": True, "vat_rate": False, "items": True, "payment_terms_days": False,
        "requested_by": False, "remarks": False, "locale": False,
    },
}

# Nested core fields: path -> {field: required}.
NESTED_FIELDS: dict[str, dict[tuple[str, ...], dict[str, bool]]] = {
    "brief": {
        ("deliverables",): {"item": True, "spec": False, "quantity": False, "due": False},
        ("budget",): {"amount": False, "currency": False},
        ("approvals",): {"role": False, "name": False},
    },
    "weekly": {
        ("tasks",): {"task": True, "status": True, "owner": False, "progress": False,
                     "due": False, "note": False},
        ("issues",): {"issue": True, "impact": False, "action": False},
        ("kpis",): {"name": False, "value": False, "target": False},
    },
    "signoff": {
        ("deliverable",): {"title": True, "version": False, "description": False},
        ("stages",): {"stage": True, "owner": True, "signed": False, "signed_date": False,
                      "signature_image": False},
        ("client_signatory",): {"name": False, "title": False, "signed_date": False},
    },
    "invoice": {
        ("client",): {"name": True, "tax_id": True, "country": False, "legal_name": False,
                      "contact": False, "email": False, "address": False},
        ("items",): {"description": True, "quantity": True, "unit_price": True},
    },
}

ENUMS = {
    ("brief", "order_type"): ["creative", "research", "media"],
    ("weekly", "tasks", "status"): ["done", "in_progress", "planned", "blocked"],
    ("signoff", "acceptance"): ["accepted", "rejected", "conditional"],
    ("invoice", "currency"): ["KRW", "CNY", "TWD", "USD"],
    ("invoice", "client", "country"): ["KR", "CN", "TW"],
}

MIN_ITEMS = {("brief", "deliverables"), ("weekly", "tasks"), ("signoff", "stages"),
             ("invoice", "items")}


def object_node(node: dict[str, Any]) -> dict[str, Any]:
    """The object schema of a property: through array items and anyOf branches."""
    if node.get("type") == "array":
        node = node["items"]
    for branch in node.get("anyOf", ()):
        if branch.get("type") == "object":
            return dict(branch)
    return node


def walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema (and every array's items schema) under ``node``."""
    for branch in node.get("anyOf", ()):
        yield from walk(branch, path)
    if isinstance(node.get("items"), dict):
        yield f"{path}[]", node["items"]
        yield from walk(node["items"], f"{path}[]")
    for name, sub in (node.get("properties") or {}).items():
        yield f"{path}.{name}", sub
        yield from walk(sub, f"{path}.{name}")


def subschema(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = schema
    for name in path:
        node = object_node(node)["properties"][name]
    return node


@pytest.mark.parametrize("name", KINDS)
def test_every_property_has_title_and_four_labels(name: str) -> None:
    schema = kind(name).schema
    nodes = [("(kind)", schema), *walk(schema, name)]
    assert len(nodes) > 20
    for path, node in nodes:
        assert isinstance(node.get("title"), str) and node["title"], path
        labels = node.get("x-labels")
        assert isinstance(labels, dict), path
        assert set(labels) == set(LOCALES), path
        assert all(isinstance(v, str) and v.strip() for v in labels.values()), path


@pytest.mark.parametrize("name", KINDS)
def test_labels_name_one_field(name: str) -> None:
    # Sheet headers may be labels in any locale (DESIGN.md §7), so within a kind a
    # label must not name two fields, e.g. a record-level `remarks` and `items.note`.
    schema = kind(name).schema
    fields = [(path, node) for path, node in walk(schema, name) if not path.endswith("[]")]
    for code in LOCALES:
        seen: dict[str, str] = {}
        for path, node in fields:
            label = node["x-labels"][code]
            assert label not in seen, (code, label, seen.get(label), path)
            seen[label] = path


@pytest.mark.parametrize("name", KINDS)
def test_enums_have_labels_and_objects_are_closed(name: str) -> None:
    schema = kind(name).schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for path, node in [("(kind)", schema), *walk(schema, name)]:
        if "enum" in node:
            enum_labels = node.get("x-enum-labels")
            assert isinstance(enum_labels, dict) and set(enum_labels) == set(node["enum"]), path
            for value, labels in enum_labels.items():
                assert set(labels) == set(LOCALES) and all(labels.values()), (path, value)
        for obj in [node, *node.get("anyOf", ())]:
            if obj.get("type") == "object":
                assert obj.get("additionalProperties") is False, path
                assert set(obj.get("required", ())) <= set(obj.get("properties", {})), path


@pytest.mark.parametrize("name", KINDS)
def test_design_core_fields(name: str) -> None:
    schema = kind(name).schema
    props, required = schema["properties"], set(schema["required"])
    for field, is_required in CORE_FIELDS[name].items():
        assert field in props, (name, field)
        assert (field in required) is is_required, (name, field)
    assert required <= set(CORE_FIELDS[name])  # nothing beyond DESIGN.md is required
    for path, fields in NESTED_FIELDS[name].items():
        node = object_node(subschema(schema, path))
        for field, is_required in fields.items():
            assert field in node["properties"], (name, path, field)
            assert (field in node.get("required", ())) is is_required, (name, path, field)
    for (kind_name, *enum_path), values in ENUMS.items():
        if kind_name == name:
            assert subschema(schema, tuple(enum_path))["enum"] == values
    for kind_name, field in MIN_ITEMS:
        if kind_name == name:
            assert props[field]["minItems"] == 1


def test_value_ranges_and_formats() -> None:
    weekly, signoff, invoice = (kind(k).schema for k in ("weekly", "signoff", "invoice"))
    progress = subschema(weekly, ("tasks", "progress"))
    assert (progress["minimum"], progress["maximum"]) == (0, 100)
    assert subschema(weekly, ("week_start",))["format"] == "date"
    image = subschema(signoff, ("stages", "signature_image"))
    assert (image["type"], image["format"]) == ("string", "image")
    assert subschema(signoff, ("stages", "signed"))["type"] == "boolean"
    assert subschema(invoice, ("items", "quantity"))["exclusiveMinimum"] == 0  # quantity > 0
    assert subschema(invoice, ("items", "unit_price"))["minimum"] == 0
    rate = subschema(invoice, ("vat_rate",))
    assert (rate["type"], rate["minimum"], rate["maximum"]) == ("number", 0, 1)
    terms = subschema(invoice, ("payment_terms_days",))
    assert (terms["type"], terms["minimum"]) == ("integer", 0)
    # A plain-string client cannot carry a tax ID, so the invoice takes only the object.
    assert invoice["properties"]["client"]["type"] == "object"
    assert "anyOf" not in invoice["properties"]["client"]


# --- samples ------------------------------------------------------------------

SAMPLE_FILES = [(k, code) for k in KINDS for code in [*LOCALES, "ko+zh-CN"]]


@pytest.mark.parametrize(("name", "code"), SAMPLE_FILES)
def test_sample_validates_without_problems(name: str, code: str) -> None:
    path = SAMPLES / name / f"{code}.yaml"
    rec = read_record(path)
    assert rec.data.get("locale") == code
    locale = DocLocale.parse(code)
    assert Validator(kind(name).schema, locale).validate(rec.data, rec.source) == []


def test_no_unexpected_sample_files() -> None:
    for name in KINDS:
        found = {p.stem for p in (SAMPLES / name).glob("*.yaml")}
        assert found == {code for k, code in SAMPLE_FILES if k == name}


def _sample(name: str, code: str) -> dict[str, Any]:
    return read_record(SAMPLES / name / f"{code}.yaml").data


@pytest.mark.parametrize("code", LOCALES)
def test_sample_shapes(code: str) -> None:
    tasks = _sample("weekly", code)["tasks"]
    assert 6 <= len(tasks) <= 10
    assert {t["status"] for t in tasks} == {"done", "in_progress", "planned", "blocked"}
    stages = _sample("signoff", code)["stages"]
    assert 4 <= len(stages) <= 5 and any(s.get("signed") for s in stages)
    assert all("signature_image" not in s for s in stages)
    for invoice_code in {code, "ko+zh-CN"}:
        assert 3 <= len(_sample("invoice", invoice_code)["items"]) <= 5
    job_numbers = {_sample(k, code)["job_number"] for k in ("brief", "signoff", "invoice")}
    assert len(job_numbers) == 1  # one job runs from brief to invoice


def _kr_business_number_ok(text: str) -> bool:
    return check_tax_id("KR", text) is None and text[3] == "-" and text[6] == "-"


def _tw_business_number_ok(text: str) -> bool:
    return check_tax_id("TW", text) is None


def _cn_credit_code_ok(text: str) -> bool:
    return check_tax_id("CN", text) is None


def test_tax_id_checkers_on_known_numbers() -> None:
    assert _kr_business_number_ok("124-81-00998")
    assert not _kr_business_number_ok("124-81-00997")
    assert _tw_business_number_ok("04595257") and not _tw_business_number_ok("04595258")
    assert _cn_credit_code_ok("91350100M000100Y43")
    assert not _cn_credit_code_ok("91350100M000100Y44")


@pytest.mark.parametrize(("name", "code"), SAMPLE_FILES)
def test_sample_tax_ids_are_plausible(name: str, code: str) -> None:
    client = _sample(name, code)["client"]
    tax_id = client.get("tax_id") if isinstance(client, dict) else None
    if tax_id is None:
        return
    check = {"KR": _kr_business_number_ok, "CN": _cn_credit_code_ok,
             "TW": _tw_business_number_ok}[client["country"]]
    assert check(str(tax_id)), (name, code, tax_id)


# --- compute hooks: end to end on the samples, no side effects -----------------

@pytest.mark.parametrize(("name", "code"), SAMPLE_FILES)
def test_build_context_leaves_record_and_schema_alone(name: str, code: str) -> None:
    k = kind(name)
    path = SAMPLES / name / f"{code}.yaml"
    data = read_record(path).data
    data_before, schema_before = copy.deepcopy(data), copy.deepcopy(k.schema)
    locale = DocLocale.parse(code)
    first = build_context(data, k.schema, locale=locale, compute=k.compute, data_file=str(path))
    second = build_context(data, k.schema, locale=locale, compute=k.compute, data_file=str(path))
    assert data == data_before
    assert k.schema == schema_before
    assert first == second  # deterministic, and the first run left nothing behind
    # Lists in the context are the context's own, not the record's.
    list_field = {"brief": "deliverables", "weekly": "tasks", "signoff": "stages",
                  "invoice": "items"}[name]
    assert first[list_field] is not data[list_field]
    assert first[list_field][0] is not data[list_field][0]
    assert first[list_field][0] is not second[list_field][0]


def test_sample_figures_end_to_end() -> None:
    def ctx(name: str, code: str) -> dict[str, Any]:
        k = kind(name)
        return build_context(_sample(name, code), k.schema, locale=DocLocale.parse(code),
                             compute=k.compute)

    ko = ctx("invoice", "ko")
    assert (str(ko["subtotal"]), str(ko["vat"]), str(ko["total"])) == (
        "117636417", "11763641", "129400058")
    bilingual = ctx("invoice", "ko+zh-CN")
    assert str(bilingual["total"]) == "266272.04"
    assert bilingual["amount_words"] == "일금 이십육만육천이백칠십이위안사펀정"
    assert bilingual["amount_words_secondary"] == "人民币贰拾陆万陆仟贰佰柒拾贰元零肆分"
    assert ctx("weekly", "zh-CN")["week_label"] == "2026年第49周"
    assert ctx("weekly", "ko")["week_label"] == "2026년 11월 4주차"
    assert ctx("signoff", "ko")["acceptance_label"] == "조건부 합격"
    assert ctx("brief", "zh-TW")["order_type_label"] == "市場調查"
