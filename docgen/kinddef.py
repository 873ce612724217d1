"""User kinds and overlays: a ``kind.yaml`` read, checked and turned into a :class:`Kind`.

The folder named by ``[kinds] path`` in docgen.toml holds one folder per kind::

    kinds/
      quote/                 a new kind
        kind.yaml            schema, rules, computed fields, texts
        quote.docx           its templates (quote.xlsx, quote.<locale>.docx…)
        samples/ko.yaml      samples per locale (docgen sample quote -l ko)
      invoice/               named like a built-in kind: extends it
        kind.yaml            a schema patch (custom fields; null removes a key),
                             more rules and computed fields
        invoice.docx         optional: replaces the built-in template

``kind.yaml`` keys: ``schema`` (the JSON-Schema subset docgen validates, with
``x-labels`` per locale and the metadata ``x-order``, ``x-default-name``,
``x-group-list``), ``rules`` (declarative: ``required_if``, ``date_order``, ``range``,
``pattern``, ``check``), ``computed`` (``name: expression``, see
:mod:`docgen.expressions`) and ``texts`` (label texts per locale for templates,
beside the fields' own labels: ``{{ labels.valid_until }}``, ``{{ labels.terms }}``).

Every problem of a definition is reported at once, each at its line, as a
:class:`KindDefinitionError` (exit 3: a broken kind is like a broken template).
"""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from .declarative import (
    Computed,
    DeclaredCompute,
    DeclaredRules,
    FieldPath,
    KindDefinitionError,
    Rule,
    definition_problem,
    show_path,
    split_path,
)
from .errors import DocgenError, Msg, SourceLocation, TemplateError
from .expressions import Expression, ExpressionError, check_names
from .i18n.locale import DocLocale, UnknownLocale
from .i18n.money import to_decimal
from .inputs import PathKey, SourceMap, read_data
from .kinds import Kind, _module, builtin, from_schema
from .messages import N_
from .validation import FIELD_FORMATS, parse_date

if TYPE_CHECKING:
    from .profile import Profile

KIND_FILE = "kind.yaml"
TOP_KEYS = ("schema", "rules", "computed", "texts")
TYPES = ("string", "number", "integer", "boolean", "array", "object")
SCHEMA_KEYWORDS = (
    "$schema", "$id", "title", "description", "type", "properties", "required", "items",
    "additionalProperties", "enum", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "default", "anyOf",
    "x-labels", "x-enum-labels", "x-aliases", "x-order", "x-default-name", "x-group-list",
)
RULE_TYPES = ("required_if", "date_order", "range", "pattern", "check")
RULE_OPTIONS = {
    "required_if": ("when",), "date_order": ("after",), "range": ("min", "max"),
    "pattern": ("regex", "example"), "check": ("field",),
}
COMMON_OPTIONS = ("message", "severity")
_LOCALE_FIELD = {"title": "Locale", "type": "string",
                 "x-labels": {"ko": "언어", "zh-CN": "语言", "zh-TW": "語言", "en": "Locale"}}


def user_kind_names(folder: Path) -> list[str]:
    """The kinds ``folder`` defines (sub-folders with a kind.yaml), overlays excluded."""
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{KIND_FILE}")
                  if builtin(p.parent.name) is None)


def resolve(name: str, profile: "Profile") -> Optional[Kind]:
    """``name`` with the profile's kinds folder and custom fields applied, or None."""
    folder = profile.kinds_path / name if profile.kinds_path is not None else None
    definition = folder / KIND_FILE if folder is not None else None
    if definition is not None and not definition.is_file():
        definition = None
    fields = dict(profile.kind_fields.get(name) or {})
    if builtin(name) is None and definition is None:
        return None
    if definition is None and not fields:
        return builtin(name)
    stamp = definition.stat().st_mtime_ns if definition is not None else 0
    return _load(name, str(definition) if definition else "", stamp,
                 json.dumps(fields, sort_keys=True, default=str),
                 str(profile.path or "docgen.toml"))


@lru_cache(maxsize=64)
def _load(name: str, definition: str, stamp: int, fields_json: str, config: str) -> Kind:
    checker = _Checker(name, Path(definition) if definition else None)
    kind = checker.kind(json.loads(fields_json), config)
    if checker.problems:
        raise KindDefinitionError(checker.problems)
    assert kind is not None
    return kind


def merge(base: Any, patch: Any) -> Any:
    """``patch`` laid over ``base``: mappings merge key by key, ``null`` removes a key,
    anything else replaces."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(base.get(key), value)
    return out


def _node_at(schema: Mapping[str, Any], path: FieldPath) -> Optional[Mapping[str, Any]]:
    node: Mapping[str, Any] = schema
    for part in path:
        if part == "*":
            if node.get("type") != "array":
                return None
            node = node.get("items") or {}
            continue
        sub = (node.get("properties") or {}).get(part)
        if not isinstance(sub, Mapping):
            return None
        node = sub
    return node


def _names_in(node: Optional[Mapping[str, Any]]) -> set[str]:
    return set((node or {}).get("properties") or {})


class _Checker:
    """Reads one kind's definition and collects every problem, each at its line."""

    def __init__(self, name: str, definition: Optional[Path]) -> None:
        self.name = name
        self.definition = definition
        self.file = str(definition) if definition else ""
        self.source = SourceMap(self.file)
        self.problems: list[TemplateError] = []

    def at(self, path: PathKey) -> SourceLocation:
        return self.source.locate(path)

    def problem(self, path: PathKey, message: str, /, **params: Any) -> None:
        self.problems.append(definition_problem(self.at(path), message, **params))

    def expression_problem(self, path: PathKey, message: str, exc: ExpressionError, text: str,
                           **params: Any) -> None:
        self.problems.append(definition_problem(self.at(path), message, exc, text, **params))

    def unknown_key(self, path: PathKey, known: Sequence[str], what: str) -> None:
        key = str(path[-1])
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            self.problem(path, N_("unknown {what} '{name}' (did you mean '{suggestion}'?)"),
                         what=Msg(what), name=key, suggestion=close[0])
        else:
            self.problem(path, N_("unknown {what} '{name}' (use {known})"), what=Msg(what),
                         name=key, known=", ".join(known))

    # --- the whole kind -----------------------------------------------------------

    def kind(self, fields: Mapping[str, Any], config: str) -> Optional[Kind]:
        data: dict[str, Any] = {}
        if self.definition is not None:
            try:
                raw, self.source = read_data(self.definition)
            except DocgenError as exc:
                self.problems.append(TemplateError(exc.template, exc.location, code="kind",
                                                   params=exc.params))
                return None
            if not isinstance(raw, dict):
                self.problem((), N_("a kind definition is a mapping with the keys {known}"),
                             known=", ".join(TOP_KEYS))
                return None
            data = raw
            for key in data:
                if key not in TOP_KEYS:
                    self.unknown_key((key,), TOP_KEYS, N_("key"))
        base = builtin(self.name)
        if base is None:
            schema = self.user_schema(data.get("schema"))
        else:
            schema = copy.deepcopy(base.schema)
            patch = data.get("schema")
            if patch is not None:
                if isinstance(patch, dict):
                    self.check_node(patch, ("schema",), partial=True)
                    schema = merge(schema, patch)
                else:
                    self.problem(("schema",), N_("'schema' must be a mapping"))
        schema = self.add_fields(schema, fields, config)
        builtin_computed = set(getattr(_module(self.name, "compute"), "COMPUTED_FIELDS", ())) \
            if base is not None else set()
        rules = self.rules(data.get("rules"), schema)
        computed = self.computed(data.get("computed"), schema, builtin_computed)
        texts = self.texts(data.get("texts"))
        self.metadata(schema)
        if self.problems:
            return None
        targets = tuple(dict.fromkeys(c.target[0] for c in computed)) + ("labels",)
        return from_schema(
            self.name, schema, user=base is None,
            folder=self.definition.parent if self.definition else None,
            definition=self.definition,
            extra_compute=DeclaredCompute(schema, tuple(computed), texts),
            extra_rules=DeclaredRules(tuple(rules)) if rules else None,
            extra_computed=targets)

    def user_schema(self, schema: Any) -> dict[str, Any]:
        if not isinstance(schema, dict):
            self.problem(("schema",) if schema is not None else (),
                         N_("a new kind needs a 'schema' mapping with its fields "
                            "('properties')"))
            return {"type": "object", "properties": {}}
        self.check_node(schema, ("schema",), partial=False, root=True)
        out = copy.deepcopy(schema)
        out.setdefault("type", "object")
        out.setdefault("title", self.name)
        out.setdefault("additionalProperties", False)
        out.setdefault("properties", {})
        if isinstance(out["properties"], dict):
            out["properties"].setdefault("locale", dict(_LOCALE_FIELD))
        return out

    def add_fields(self, schema: dict[str, Any], fields: Mapping[str, Any],
                   config: str) -> dict[str, Any]:
        """docgen.toml's ``[kinds.<kind>.fields]`` (already checked by the profile)."""
        if not fields:
            return schema
        schema = copy.deepcopy(schema)
        props = schema.setdefault("properties", {})
        for name, spec in fields.items():
            if name in props and name != "locale":
                self.problems.append(TemplateError(
                    N_("{kind} already has a field '{name}': give the custom field another "
                       "name"), SourceLocation(file=config), code="kind",
                    params={"kind": self.name, "name": name}))
                continue
            required = bool(spec.pop("x-required", False)) if isinstance(spec, dict) else False
            props[name] = spec
            if required:
                schema["required"] = [*schema.get("required", []), name]
        return schema

    # --- schema -------------------------------------------------------------------

    def check_node(self, node: Any, path: PathKey, *, partial: bool, root: bool = False) -> None:
        """Check one schema node and what it holds (``partial``: a patch, where keys may
        be missing or ``null``; the ``root`` of a kind is an object by default)."""
        if not isinstance(node, dict):
            self.problem(path, N_("a field definition must be a mapping"))
            return
        for key, value in node.items():
            here = path + (key,)
            if key not in SCHEMA_KEYWORDS:
                self.unknown_key(here, SCHEMA_KEYWORDS, N_("schema keyword"))
            elif value is None and partial:
                continue  # the patch removes the key
            elif key == "type" and value not in TYPES:
                self.problem(here, N_("unknown type '{name}' (use {known})"), name=value,
                             known=", ".join(TYPES))
            elif key == "format" and value not in FIELD_FORMATS:
                self.problem(here, N_("unknown format '{name}' (use {known})"), name=value,
                             known=", ".join(FIELD_FORMATS))
            elif key == "format" and node.get("type", "string") not in ("string", None):
                self.problem(here, N_("format '{name}' is for text fields: give the field "
                                      "type: string"), name=value)
            elif key == "properties":
                if not isinstance(value, dict):
                    self.problem(here, N_("'properties' must map field names to definitions"))
                    continue
                for field_name, sub in value.items():
                    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(field_name)):
                        self.problem(here + (field_name,), N_(
                            "'{name}' is not a field name (letters, digits and _, starting "
                            "with a letter)"), name=field_name)
                    self.check_node(sub, here + (field_name,), partial=partial)
            elif key == "items":
                self.check_node(value, here, partial=partial)
            elif key == "x-labels":
                self.locale_texts(value, here)
            elif key == "pattern":
                self.regex(value, here)
            elif key == "required" and not (isinstance(value, list)
                                            and all(isinstance(v, str) for v in value)):
                self.problem(here, N_("'required' must be a list of field names"))
            elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                         "minLength", "maxLength", "minItems") and (
                    isinstance(value, bool) or not isinstance(value, (int, float))):
                self.problem(here, N_("'{name}' must be a number"), name=key)
            elif key == "enum" and not isinstance(value, list):
                self.problem(here, N_("'enum' must be a list of values"))
        if not partial and not root and "type" not in node and "anyOf" not in node:
            self.problem(path, N_("a field needs a 'type' ({known})"), known=", ".join(TYPES))
        for name in node.get("required") or []:
            if isinstance(name, str) and isinstance(node.get("properties"), dict) \
                    and name not in node["properties"] and not partial:
                self.problem(path + ("required",), N_("'{name}' is required but not defined "
                                                      "in 'properties'"), name=name)

    def locale_texts(self, value: Any, path: PathKey) -> dict[str, str]:
        if not isinstance(value, dict):
            self.problem(path, N_("texts per locale are a mapping such as {example}"),
                         example="{ko: 견적서, zh-CN: 报价单, zh-TW: 報價單, en: Quotation}")
            return {}
        out: dict[str, str] = {}
        for code, text in value.items():
            try:
                loc = DocLocale.parse(str(code))
            except UnknownLocale:
                self.problem(path + (code,), N_("unknown locale '{locale}' (use ko, zh-CN, "
                                                "zh-TW, en)"), locale=code)
                continue
            out[loc.primary] = str(text)
        return out

    def regex(self, value: Any, path: PathKey) -> Optional[str]:
        try:
            re.compile(str(value))
        except re.error as exc:
            self.problem(path, N_("not a valid regular expression: {detail}"), detail=str(exc))
            return None
        return str(value)

    def metadata(self, schema: Mapping[str, Any]) -> None:
        group = schema.get("x-group-list")
        if group is not None:
            node = (schema.get("properties") or {}).get(group)
            if not isinstance(node, Mapping) or node.get("type") != "array":
                self.problem(("schema", "x-group-list"), N_(
                    "x-group-list must name a list field of the kind, not '{name}'"), name=group)

    # --- rules --------------------------------------------------------------------

    def field_path(self, text: Any, schema: Mapping[str, Any], path: PathKey) -> Optional[FieldPath]:
        if not isinstance(text, str) or not text.strip():
            self.problem(path, N_("expected a field path such as client.name or items[].amount"))
            return None
        parts = split_path(text.strip())
        node: Optional[Mapping[str, Any]] = schema
        for i, part in enumerate(parts):
            if part == "*":
                node = (node or {}).get("items") if (node or {}).get("type") == "array" else None
                continue
            known = _names_in(node)
            if part not in known:
                close = difflib.get_close_matches(part, sorted(known), n=1, cutoff=0.6)
                if close:
                    self.problem(path, N_("unknown field '{name}' (did you mean '{suggestion}'?)"),
                                 name=show_path(parts[:i + 1]), suggestion=close[0])
                else:
                    self.problem(path, N_("unknown field '{name}'"), name=show_path(parts[:i + 1]))
                return None
            node = (node or {}).get("properties", {}).get(part)
        return parts

    def expression(self, text: Any, known: set[str], path: PathKey, message: str,
                   **params: Any) -> Optional[Expression]:
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            self.problem(path, N_("expected an expression such as quantity * unit_price"))
            return None
        source = str(text)
        try:
            expr = Expression.compile(source)
            check_names(expr.tree, known)
        except ExpressionError as exc:
            self.expression_problem(path, message, exc, source, **params)
            return None
        return expr

    def scope_names(self, schema: Mapping[str, Any], owner: FieldPath) -> set[str]:
        names = _names_in(schema) | {"locale"}
        for n in range(1, len(owner) + 1):
            names |= _names_in(_node_at(schema, owner[:n]))
        return names

    def rules(self, value: Any, schema: Mapping[str, Any]) -> list[Rule]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(("rules",), N_("'rules' must be a list"))
            return []
        out: list[Rule] = []
        for i, spec in enumerate(value):
            here: PathKey = ("rules", i)
            if not isinstance(spec, dict):
                self.problem(here, N_("a rule is a mapping such as {example}"),
                             example="{range: validity_days, min: 1, max: 365}")
                continue
            types = [k for k in spec if k in RULE_TYPES]
            if len(types) != 1:
                if types:
                    self.problem(here, N_("a rule has one type, not {types}"),
                                 types=", ".join(types))
                else:
                    first = next(iter(spec), "")
                    self.unknown_key(here + (first,), RULE_TYPES, N_("rule type"))
                continue
            rule = self.rule(types[0], spec, schema, here)
            if rule is not None:
                out.append(rule)
        return out

    def rule(self, kind: str, spec: dict[str, Any], schema: Mapping[str, Any],
             here: PathKey) -> Optional[Rule]:
        allowed = (kind,) + RULE_OPTIONS[kind] + COMMON_OPTIONS
        for key in spec:
            if key not in allowed:
                self.unknown_key(here + (key,), allowed, N_("rule option"))
        count = len(self.problems)
        target_text = spec.get("field") if kind == "check" else spec[kind]
        if kind == "check" and target_text is None:
            target: Optional[FieldPath] = ()
        elif kind == "date_order" and isinstance(spec[kind], list):
            self.problem(here + (kind,), N_("date_order names the later date; the earlier one "
                                            "goes in 'after'"))
            return None
        else:
            target = self.field_path(target_text, schema, here + ((kind,) if kind != "check"
                                                                  else ("field",)))
        if target is None:
            return None
        options: dict[str, Any] = {}
        owner = target[:-1] if target else ()
        known = self.scope_names(schema, owner)
        if kind == "required_if":
            options["expr"] = self.expression(spec.get("when"), known, here + ("when",),
                                              N_("rule 'when': {detail}"))
        elif kind == "check":
            options["expr"] = self.expression(spec[kind], known | self.scope_names(
                schema, target), here + (kind,), N_("rule 'check': {detail}"))
        elif kind == "date_order":
            other = self.field_path(spec.get("after"), schema, here + ("after",))
            options["other"] = other or ()
        elif kind == "range":
            node = _node_at(schema, target) or {}
            is_date = node.get("format") == "date"
            for key, attr in (("min", "minimum"), ("max", "maximum")):
                if key in spec:
                    options[attr] = self.limit(spec[key], is_date, here + (key,))
            if "min" not in spec and "max" not in spec:
                self.problem(here, N_("a range rule needs min, max or both"))
        elif kind == "pattern":
            options["regex"] = self.regex(spec.get("regex", ""), here + ("regex",)) \
                if "regex" in spec else None
            if options["regex"] is None and "regex" not in spec:
                self.problem(here, N_("a pattern rule needs 'regex'"))
            if "example" in spec:
                options["example"] = str(spec["example"])
        if "message" in spec:
            options["message"] = self.locale_texts(spec["message"], here + ("message",))
        severity = spec.get("severity", "error")
        if severity not in ("error", "warning"):
            self.problem(here + ("severity",), N_("severity is error or warning, not '{name}'"),
                         name=severity)
        if len(self.problems) > count:
            return None
        return Rule(kind, target, severity=severity, location=self.at(here), **options)

    def limit(self, value: Any, is_date: bool, path: PathKey) -> Any:
        if is_date:
            found = parse_date(value if not isinstance(value, dt.date) else value)
            if found is None:
                self.problem(path, N_("expected a date (YYYY-MM-DD)"))
            return found
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.problem(path, N_("'{name}' must be a number"), name=str(path[-1]))
            return None
        return to_decimal(value)

    # --- computed fields and texts ------------------------------------------------

    def computed(self, value: Any, schema: Mapping[str, Any],
                 builtin_computed: set[str]) -> list[Computed]:
        if value is None:
            return []
        if not isinstance(value, dict):
            self.problem(("computed",), N_("'computed' maps field names to expressions, "
                                           "e.g. {example}"), example="subtotal: sum(items.amount)")
            return []
        out: list[Computed] = []
        done: dict[FieldPath, set[str]] = {(): set(builtin_computed) | {"labels"}}
        for target_text, text in value.items():
            here: PathKey = ("computed", target_text)
            target = split_path(str(target_text))
            *owner_list, name = target
            owner = tuple(owner_list)
            if owner and _node_at(schema, owner) is None:
                self.field_path(show_path(owner), schema, here)
                continue
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                self.problem(here, N_("'{name}' is not a field name (letters, digits and _, "
                                      "starting with a letter)"), name=name)
                continue
            known = self.scope_names(schema, owner) | done[()]
            for n in range(1, len(owner) + 1):
                known |= done.get(owner[:n], set())
            expr = self.expression(text, known, here, N_("computed field '{name}': {detail}"),
                                   name=str(target_text))
            if expr is not None:
                out.append(Computed(target, expr, self.at(here)))
            done.setdefault(owner, set()).add(name)
        return out

    def texts(self, value: Any) -> dict[str, dict[str, str]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(("texts",), N_("'texts' maps names to texts per locale"))
            return {}
        return {str(k): self.locale_texts(v, ("texts", k)) for k, v in value.items()}
