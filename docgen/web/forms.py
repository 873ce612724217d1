"""A kind's schema as an HTML form, and the form's data back as a record (pure).

:func:`build_form` walks the schema (the subset docgen's kinds use: objects, arrays
of strings and of objects, strings with ``format`` date/time/markdown, numbers,
integers, booleans, enums, ``anyOf`` of string|object or number|string) and gives a
tree of :class:`FormField` labelled in the UI language (:func:`pick_label` on
``x-labels``, enum choices from ``x-enum-labels``), filled with a record's values.
:func:`record_from_form` reads posted ``(name, value)`` pairs back into a record
typed the way a YAML file would be (numbers as numbers, booleans as booleans, one
list entry per line); whatever does not parse stays text, so validation reports it
with the same message as the CLI.

Input names are dotted paths with row indices (``client.name``,
``attendees.0.name``), so a validation problem's path (``attendees[0].name``) maps
to its input by :func:`input_name`. Empty inputs and empty rows are left out.
Fields with ``format: image`` are not offered: a path typed into a web form would
name a file on the server.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from ..i18n.catalog import pick_label
from ..i18n.locale import DocLocale
from ..messages import N_

ROW_PLACEHOLDER = "__i__"  # the row index in the JS row template's names
ADD_ROW = "_add_row"  # the no-JS "add row" submit button's name
MARKDOWN_HINT = N_("Markdown allowed: - bullets, 1. numbered lists, **bold**, *italic*.")
LINES_HINT = N_("One entry per line.")
YES, NO = N_("Yes"), N_("No")
EMPTY_CHOICE = "—"
_TRUE = {"true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no"}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

Translate = Callable[..., str]
Schema = Mapping[str, Any]


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class Row:
    """One entry of a list of objects: its index and its fields."""

    index: Union[int, str]
    fields: list["FormField"]


@dataclass
class FormField:
    """One input (or a group of inputs) of the form.

    ``widget``: ``text``, ``textarea`` (markdown, with ``hint``), ``lines`` (an array
    of strings, one per line), ``date``, ``time``, ``number``, ``integer``,
    ``select`` (enums and booleans), ``group`` (an object: ``children``) or ``rows``
    (an array of objects: ``rows`` filled, ``template`` the empty row for JS)."""

    name: str
    key: str
    label: str
    widget: str
    required: bool = False
    value: str = ""
    choices: list[Choice] = field(default_factory=list)
    children: list["FormField"] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    template: Optional[Row] = None
    hint: str = ""
    minimum: Optional[str] = None
    maximum: Optional[str] = None
    placeholder: str = ""

    @property
    def id(self) -> str:
        return f"f-{self.name}"


@dataclass
class FormModel:
    kind: str
    title: str
    fields: list[FormField]


def label_of(schema: Schema, key: str, loc: DocLocale) -> str:
    """A field's label in ``loc``: its x-labels, else its title, else its name."""
    labels = schema.get("x-labels")
    found = pick_label(labels, loc) if isinstance(labels, Mapping) else None
    return found or str(schema.get("title") or key)


def _object_branch(schema: Schema) -> Optional[Schema]:
    for option in schema.get("anyOf", ()):
        if isinstance(option, Mapping) and option.get("type") == "object":
            return option
    return None


def _types(schema: Schema) -> set[str]:
    if "anyOf" in schema:
        return {str(o.get("type")) for o in schema["anyOf"] if isinstance(o, Mapping)}
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {str(kind)}


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display(value: Any) -> str:
    """A record value as an input shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, list):
        return "\n".join(display(v) for v in value)
    return str(value)


class _Builder:
    def __init__(self, loc: DocLocale, t: Translate, extra_rows: Mapping[str, int],
                 hidden: frozenset[str]) -> None:
        self.loc = loc
        self.t = t
        self.extra_rows = extra_rows
        self.hidden = hidden

    def fields(self, schema: Schema, values: Any, prefix: str) -> list[FormField]:
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        data = values if isinstance(values, Mapping) else {}
        out = []
        for key, sub in props.items():
            name = f"{prefix}{key}"
            if not isinstance(sub, Mapping) or sub.get("format") == "image" or \
                    name in self.hidden:
                continue
            out.append(self.field(sub, key, name, data.get(key), key in required))
        return out

    def field(self, schema: Schema, key: str, name: str, value: Any,
              required: bool) -> FormField:
        label = label_of(schema, key, self.loc)
        base = FormField(name=name, key=key, label=label, widget="text", required=required)
        branch = _object_branch(schema)
        types = _types(schema)
        if branch is not None or "object" in types:
            obj = branch if branch is not None else schema
            if isinstance(value, str):  # "client: 아리아" is {name: 아리아}
                value = {"name": value}
            base.widget = "group"
            base.children = self.fields(obj, value, f"{name}.")
            return base
        if "array" in types:
            items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
            assert isinstance(items, Mapping)
            if items.get("type") == "object" or _object_branch(items) is not None:
                return self.rows(base, items, value, int(schema.get("minItems", 0)))
            base.widget = "lines"
            base.hint = self.t(LINES_HINT)
            base.value = display(value if isinstance(value, list) else
                                 ([] if value is None else [value]))
            return base
        base.value = display(value)
        if "enum" in schema:
            labels = schema.get("x-enum-labels") or {}
            base.widget = "select"
            base.choices = [Choice("", EMPTY_CHOICE)] + [
                Choice(str(v), (pick_label(labels[v], self.loc) if isinstance(
                    labels.get(v), Mapping) else None) or str(v)) for v in schema["enum"]]
            if base.value and base.value not in {c.value for c in base.choices}:
                base.choices.append(Choice(base.value, base.value))  # keep what was typed
        elif types == {"boolean"}:
            base.widget = "select"
            base.choices = [Choice("", EMPTY_CHOICE), Choice("true", self.t(YES)),
                            Choice("false", self.t(NO))]
        elif types & {"number", "integer"} and "string" not in types:
            base.widget = "integer" if types == {"integer"} else "number"
            if "minimum" in schema:
                base.minimum = _number_text(schema["minimum"])
            if "maximum" in schema:
                base.maximum = _number_text(schema["maximum"])
        elif schema.get("format") == "markdown":
            base.widget = "textarea"
            base.hint = self.t(MARKDOWN_HINT)
        elif schema.get("format") in ("date", "time"):
            base.widget = str(schema["format"])
        if "default" in schema:
            base.placeholder = display(schema["default"])
        return base

    def rows(self, base: FormField, items: Schema, value: Any, min_items: int) -> FormField:
        base.widget = "rows"
        entries = value if isinstance(value, list) else []
        obj = _object_branch(items) or items
        # the entries, one empty row to type into, and the rows "add row" asked for
        count = max(len(entries) + 1 + self.extra_rows.get(base.name, 0), min_items)
        base.rows = [Row(i, self.fields(obj, entries[i] if i < len(entries) else None,
                                        f"{base.name}.{i}."))
                     for i in range(count)]
        base.template = Row(ROW_PLACEHOLDER,
                            self.fields(obj, None, f"{base.name}.{ROW_PLACEHOLDER}."))
        return base


def build_form(kind: str, schema: Schema, loc: DocLocale, t: Translate,
               values: Optional[Mapping[str, Any]] = None, *,
               extra_rows: Optional[Mapping[str, int]] = None,
               hidden: Iterable[str] = ()) -> FormModel:
    """The form of a kind: every field of ``schema`` labelled in ``loc``, filled with
    ``values``. Each list of objects has its entries and one empty row (``minItems``
    at least), plus ``extra_rows[name]`` more (the no-JS "add row"); ``hidden``
    names fields left out (the ledger's number field)."""
    builder = _Builder(loc, t, extra_rows or {}, frozenset(hidden))
    return FormModel(kind, label_of(schema, kind, loc), builder.fields(schema, values or {}, ""))


# --- form data -> record ------------------------------------------------------------------

def _tree(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Posted pairs as a nested dict of texts (``a.0.b`` → ``{"a": {"0": {"b": …}}}``);
    a repeated name keeps its last value, a name that is a prefix of another is
    ignored (a forged post: the form never sends both)."""
    root: dict[str, Any] = {}
    for name, value in items:
        if not isinstance(value, str) or not name or name.startswith("_") or \
                name == "csrf_token":
            continue
        parts = name.split(".")
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            if not isinstance(node.get(parts[-1]), dict):
                node[parts[-1]] = value
    return root


def _number(text: str, integer: bool) -> Union[int, float, str]:
    s = text.strip()
    if _INTEGER.fullmatch(s):
        return int(s)
    if not integer and _DECIMAL.fullmatch(s):
        return float(s)
    return s  # "1,500,000", "abc": validation says what is wrong, as for a YAML file


def _value(schema: Schema, raw: Any) -> Any:
    """``raw`` (text or a subtree) typed by ``schema``; None when empty."""
    branch = _object_branch(schema)
    types = _types(schema)
    if branch is not None or "object" in types:
        if isinstance(raw, dict):
            obj = _object(branch if branch is not None else schema, raw)
            return obj or None
        return None
    if "array" in types:
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        assert isinstance(items, Mapping)
        if isinstance(raw, dict):  # rows by index, in index order; empty rows dropped
            rows = []
            for index in sorted(raw, key=lambda k: (not k.isdigit(), int(k) if k.isdigit()
                                                    else 0, k)):
                if not index.isdigit():
                    continue
                entry = _value(items, raw[index])
                if entry is not None:
                    rows.append(entry)
            return rows or None
        if isinstance(raw, str):
            lines = [line.strip() for line in raw.splitlines()]
            entries = [_value(items, line) for line in lines if line]
            return [e for e in entries if e is not None] or None
        return None
    if not isinstance(raw, str):
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None
    if types == {"boolean"}:
        low = text.strip().lower()
        return True if low in _TRUE else False if low in _FALSE else text.strip()
    if types & {"number", "integer"}:
        number = _number(text, types == {"integer"})
        if isinstance(number, str) and "string" in types:
            return text.strip()
        return number
    if schema.get("format") == "markdown":
        return text.rstrip()
    return text.strip()


def _object(schema: Schema, raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in (schema.get("properties") or {}).items():
        if key in raw and isinstance(sub, Mapping) and sub.get("format") != "image":
            value = _value(sub, raw[key])
            if value is not None:
                out[key] = value
    return out


def record_from_form(schema: Schema, items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The record the posted ``(name, value)`` pairs describe, in the schema's field
    order; names the schema does not have (and uploads) are ignored."""
    return _object(schema, _tree(items))


def extra_rows_from(items: Iterable[tuple[str, Any]]) -> dict[str, int]:
    """The no-JS "add row" button's request: ``{list name: 1}``."""
    return {str(v): 1 for k, v in items if k == ADD_ROW and isinstance(v, str) and v}


_INDEX = re.compile(r"\[(\d+)\]")


def input_name(path: str) -> str:
    """The input a problem's path names: ``attendees[0].name`` → ``attendees.0.name``."""
    return _INDEX.sub(lambda m: f".{m.group(1)}", path).lstrip(".")
