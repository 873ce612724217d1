"""docgen.web.forms: a schema as a form, the form's data back as a record."""
from __future__ import annotations

from typing import Any

import pytest

import docgen
from docgen import kinds
from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.web.forms import (FormField, build_form, extra_rows_from, input_name,
                              record_from_form)
from docgen.web.pages import translator

LOCALES = ("ko", "zh-CN", "zh-TW", "en")


def form(kind: str, ui: str = "ko", values: Any = None, **kw: Any) -> list[FormField]:
    loc = DocLocale(ui)
    schema = kinds.builtin(kind).schema  # type: ignore[union-attr]
    return build_form(kind, schema, loc, translator(loc), values, **kw).fields


def flat(fields: list[FormField]) -> dict[str, FormField]:
    out: dict[str, FormField] = {}
    for f in fields:
        if f.widget == "group":
            out.update(flat(f.children))
        elif f.widget == "rows":
            out[f.name] = f
            for row in f.rows:
                out.update(flat(row.fields))
        else:
            out[f.name] = f
    return out


def pairs_of(fields: list[FormField]) -> list[tuple[str, str]]:
    return [(n, f.value) for n, f in flat(fields).items() if f.widget != "rows"]


def schema(kind: str) -> dict[str, Any]:
    return kinds.builtin(kind).schema  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", kinds.builtin_names())
@pytest.mark.parametrize("ui", LOCALES)
def test_every_sample_round_trips_through_the_form(kind: str, ui: str) -> None:
    data = read_record(str(kinds.builtin(kind).sample_path(ui))).data  # type: ignore[union-attr]
    fields = form(kind, ui, data)
    record = record_from_form(schema(kind), pairs_of(fields))
    image_free = {k: v for k, v in data.items()}
    for stage in image_free.get("stages", []):  # signature images are not offered
        stage.pop("signature_image", None)
    assert record == image_free
    assert not docgen.validate_record(kind, record) or all(
        not p.is_error for p in docgen.validate_record(kind, record))


def test_labels_widgets_and_choices_in_the_ui_language() -> None:
    ko = flat(form("minutes", "ko"))
    assert ko["date"].label == "회의 일자" and ko["date"].widget == "date" and ko["date"].required
    assert ko["start_time"].widget == "time"
    assert ko["title"].required and not ko["location"].required
    assert ko["equipment"].widget == "lines"
    assert ko["discussion.0.notes"].widget == "textarea"
    assert "Markdown" in ko["discussion.0.notes"].hint and "굵게" in ko["discussion.0.notes"].hint
    assert [(c.value, c.label) for c in ko["meeting_type"].choices][:3] == [
        ("", "—"), ("client", "광고주 회의"), ("internal", "내부 회의")]
    assert [c.label for c in ko["outcome.objective_met"].choices] == ["—", "예", "아니요"]
    assert ko["attendees"].widget == "rows" and ko["attendees.0.name"].required
    tw = flat(form("weekly", "zh-TW"))
    assert tw["tasks.0.status"].choices[1].label == "已完成" or tw["tasks.0.status"].choices[1].value == "done"
    assert tw["tasks.0.progress"].widget == "number" and tw["tasks.0.progress"].maximum == "100"
    en = flat(form("invoice", "en"))
    assert en["payment_terms_days"].widget == "integer" and en["payment_terms_days"].placeholder == "45"
    assert "document_number" in flat(form("minutes")) and \
        "document_number" not in flat(form("minutes", hidden=["document_number"]))


def test_image_fields_are_not_offered() -> None:
    fields = flat(form("signoff", "en"))
    assert "stages.0.stage" in fields and "stages.0.signature_image" not in fields
    record = record_from_form(schema("signoff"), [("stages.0.stage", "Design"),
                                                  ("stages.0.signature_image", "/etc/passwd")])
    assert record == {"stages": [{"stage": "Design"}]}


def test_rows_one_empty_row_min_items_and_add_row() -> None:
    f = flat(form("minutes", "en"))
    assert len(f["attendees"].rows) == 1  # minItems 1, no entries
    filled = flat(form("minutes", "en", {"attendees": [{"name": "A"}, {"name": "B"}]}))
    assert [r.index for r in filled["attendees"].rows] == [0, 1, 2]
    more = flat(form("minutes", "en", {"attendees": [{"name": "A"}]},
                     extra_rows=extra_rows_from([("_add_row", "attendees")])))
    assert len(more["attendees"].rows) == 3
    assert f["attendees"].template is not None
    assert f["attendees"].template.fields[0].name == "attendees.__i__.name"


def test_typed_values_like_a_yaml_file() -> None:
    items = [("title", "  Kick-off "), ("date", "2026-11-27"),
             ("attendees.10.name", "J"), ("attendees.2.name", "B"), ("attendees.0.name", "A"),
             ("attendees.1.name", ""), ("attendees.1.role", ""),
             ("equipment", "Projector\r\n\r\n  Laptop \n"),
             ("outcome.objective_met", "false"), ("outcome.notes", "- a\r\n- b\r\n"),
             ("csrf_token", "x"), ("_add_row", "attendees"), ("nonsense", "1"),
             ("client.name", "Aria"), ("meeting_type", "")]
    record = record_from_form(schema("minutes"), items)
    assert record == {"title": "Kick-off", "client": {"name": "Aria"}, "date": "2026-11-27",
                      "equipment": ["Projector", "Laptop"],
                      "attendees": [{"name": "A"}, {"name": "B"}, {"name": "J"}],
                      "outcome": {"objective_met": False, "notes": "- a\n- b"}}
    inv = record_from_form(schema("invoice"), [
        ("items.0.quantity", "3"), ("items.0.unit_price", "1500000.50"),
        ("items.1.quantity", "1,500"), ("payment_terms_days", "30"), ("vat_rate", "0.1")])
    assert inv == {"vat_rate": 0.1, "items": [{"quantity": 3, "unit_price": 1500000.5},
                                              {"quantity": "1,500"}],
                   "payment_terms_days": 30}
    weekly = record_from_form(schema("weekly"), [("kpis.0.value", "2.4"),
                                                 ("kpis.0.target", "CTR 2%")])
    assert weekly == {"kpis": [{"value": 2.4, "target": "CTR 2%"}]}
    assert record_from_form(schema("brief"), [("revisions", "1.5")]) == {"revisions": "1.5"}


def test_what_does_not_parse_gets_the_clis_message() -> None:
    record = record_from_form(schema("invoice"), [("items.0.quantity", "many")])
    texts = [p.text("ko") for p in docgen.validate_record("invoice", record)
             if p.path == "items[0].quantity"]
    assert texts and "items[0].quantity" in texts[0]


def test_forged_names_are_ignored() -> None:
    record = record_from_form(schema("minutes"), [
        ("title", "x"), ("title.sub", "y"), ("attendees.a.name", "z"), ("client", "plain"),
        ("client.name", "N"), ("__proto__", "p"), ("date.0", "d")])
    assert record == {"title": "x"}  # "client" both a value and a group: neither is taken


def test_problem_paths_name_their_inputs() -> None:
    assert input_name("attendees[0].name") == "attendees.0.name"
    assert input_name("items[12].unit_price") == "items.12.unit_price"
    assert input_name("date") == "date"


def test_a_plain_client_string_fills_the_name() -> None:
    f = flat(form("weekly", "en", {"client": "Aria"}))
    assert f["client.name"].value == "Aria"
