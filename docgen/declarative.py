"""The rules and computed fields a ``kind.yaml`` declares, as hooks the pipeline runs.

:class:`DeclaredRules` is a kind's ``rules`` hook (``check(data, findings)``) and
:class:`DeclaredCompute` its ``compute`` hook (``compute(context, locale)``); both are
plain picklable data (batch workers receive them), built and checked by
:mod:`docgen.kinddef`. Field paths are written ``client.name`` or ``items[].amount``
(every item of the list ``items``); an expression inside a list item sees the item's
fields first, then the record's.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator, Mapping, Optional, Union

from .errors import Msg, SourceLocation, TemplateError
from .expressions import Expression, ExpressionError
from .i18n.locale import DocLocale
from .i18n.money import to_decimal
from .inputs import PathKey
from .messages import N_
from .rules import Findings
from .validation import parse_date

FieldPath = tuple[str, ...]  # "*" stands for every item of a list
Texts = Mapping[str, str]  # locale code -> text


def split_path(text: str) -> FieldPath:
    """``items[].amount`` → ``("items", "*", "amount")``."""
    parts: list[str] = []
    for part in text.split("."):
        if part.endswith("[]"):
            parts += [part[:-2], "*"]
        else:
            parts.append(part)
    return tuple(parts)


def show_path(path: FieldPath) -> str:
    return ".".join(path).replace(".*", "[]")


def values_at(data: Any, path: FieldPath) -> Iterator[tuple[PathKey, Any, tuple[Mapping[str, Any], ...]]]:
    """``(key path, value, scope frames)`` of every value ``path`` names in ``data``
    (one per list item for ``items[].x``); absent values come as None."""
    def walk(node: Any, rest: FieldPath, here: PathKey,
             frames: tuple[Mapping[str, Any], ...]) -> Iterator[tuple[PathKey, Any, tuple[Mapping[str, Any], ...]]]:
        if not rest:
            yield here, node, frames
            return
        head = rest[0]
        if head == "*":
            for i, item in enumerate(node if isinstance(node, list) else []):
                inner = (item,) + frames if isinstance(item, Mapping) else frames
                yield from walk(item, rest[1:], here + (i,), inner)
        elif isinstance(node, Mapping):
            yield from walk(node.get(head), rest[1:], here + (head,), frames)
    yield from walk(data, path, (), (data,))


def pick_text(texts: Texts, locale: Optional[DocLocale]) -> str:
    """The text for ``locale`` (primary / secondary for a bilingual one), English or
    the first one otherwise."""
    from .kinds._labels import pick
    if locale is not None:
        found = pick(texts, locale)
        if found is not None:
            return found
    return str(texts.get("en") or next(iter(texts.values()), ""))


def _present(value: Any) -> bool:
    return value not in (None, "", [])


@dataclass(frozen=True)
class Rule:
    """One declared rule; ``type`` decides which of the other fields are used."""

    type: str  # required_if | date_order | range | pattern | check
    target: FieldPath  # the field checked (and where a problem is reported)
    other: FieldPath = ()
    expr: Optional[Expression] = None  # required_if's `when`, check's condition
    minimum: Optional[Union[Decimal, dt.date]] = None
    maximum: Optional[Union[Decimal, dt.date]] = None
    regex: Optional[str] = None
    example: Optional[str] = None
    message: Optional[Texts] = None
    severity: str = "error"
    location: SourceLocation = field(default_factory=SourceLocation)

    def check(self, data: dict[str, Any], findings: Findings) -> None:
        report = findings.error if self.severity == "error" else findings.warning
        for path, value, frames in values_at(data, self.target):
            found = self._finding(value, frames, data)
            if found is None:
                continue
            code, message, params = found
            if self.message:
                message, params = "{text}", {"text": pick_text(self.message, findings.locale)}
            report(path, code, message, **params)

    def _finding(self, value: Any, frames: tuple[Mapping[str, Any], ...],
                 data: dict[str, Any]) -> Optional[tuple[str, str, dict[str, Any]]]:
        try:
            if self.type == "required_if":
                assert self.expr is not None
                if not _present(value) and self.expr(*frames):
                    return "required", N_("a value is required when {condition}"), {
                        "condition": self.expr.text}
            elif self.type == "date_order":
                later, earlier = parse_date(value), _first_date(data, frames, self.other)
                if later is not None and earlier is not None and later < earlier:
                    return "date_order", N_("must not be before {other} ({date})"), {
                        "other": show_path(self.other), "date": earlier.isoformat()}
            elif self.type == "range":
                return self._range(value)
            elif self.type == "pattern":
                if isinstance(value, str) and value and self.regex is not None \
                        and not re.fullmatch(self.regex, value.strip()):
                    if self.example:
                        return "pattern", N_("'{value}' does not have the expected form "
                                             "(e.g. {example})"), {"value": value,
                                                                   "example": self.example}
                    return "pattern", N_("'{value}' does not have the expected form"), {
                        "value": value}
            elif self.type == "check":
                assert self.expr is not None
                result = self.expr(*frames)
                if result is not None and not result:
                    return "check", N_("does not meet the rule {rule}"), {"rule": self.expr.text}
        except ExpressionError:
            return None  # a value the schema already reported (text where a number goes)
        return None

    def _range(self, value: Any) -> Optional[tuple[str, str, dict[str, Any]]]:
        if isinstance(self.minimum, dt.date) or isinstance(self.maximum, dt.date):
            found: Any = parse_date(value)
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            found = to_decimal(value)
        else:
            return None
        if found is None:
            return None
        if self.minimum is not None and found < self.minimum:
            return "minimum", N_("must be at least {limit}"), {"limit": self.minimum}
        if self.maximum is not None and found > self.maximum:
            return "maximum", N_("must be at most {limit}"), {"limit": self.maximum}
        return None


def _first_date(data: dict[str, Any], frames: tuple[Mapping[str, Any], ...],
                path: FieldPath) -> Optional[dt.date]:
    if "*" not in path and len(frames) > 1 and path[0] in frames[0]:
        return parse_date(frames[0].get(path[0]))  # a field of the same item
    for _, value, _ in values_at(data, path):
        return parse_date(value)
    return None


@dataclass(frozen=True)
class DeclaredRules:
    """A kind.yaml's ``rules``, run after the schema and the built-in rules."""

    rules: tuple[Rule, ...]

    def __call__(self, data: dict[str, Any], findings: Findings) -> None:
        for rule in self.rules:
            rule.check(data, findings)


@dataclass(frozen=True)
class Computed:
    """``name: expression`` of a kind.yaml's ``computed`` (``items[].amount`` sets the
    field in every item)."""

    target: FieldPath
    expr: Expression
    location: SourceLocation = field(default_factory=SourceLocation)


@dataclass(frozen=True)
class DeclaredCompute:
    """A kind.yaml's computed fields, defaults and label texts, for one context."""

    schema: dict[str, Any]
    computed: tuple[Computed, ...] = ()
    texts: Mapping[str, Texts] = field(default_factory=dict)

    def __call__(self, context: dict[str, Any], locale: DocLocale) -> None:
        _prepare(context, self.schema)
        for item in self.computed:
            *owner, name = item.target
            try:
                for _, holder, frames in values_at(context, tuple(owner)):
                    if isinstance(holder, dict):
                        inner = owner and owner[-1] != "*"  # client.x sees client's fields
                        holder[name] = item.expr(*((holder,) + frames if inner else frames))
            except ExpressionError as exc:
                raise KindDefinitionError([definition_problem(
                    item.location, N_("computed field '{name}': {detail}"), exc, item.expr.text,
                    name=show_path(item.target))]) from None
        context.setdefault("labels", labels(self.schema, self.texts, locale))


def _prepare(value: Any, schema: Mapping[str, Any]) -> None:
    """Schema defaults for absent values and numbers as Decimal, in place."""
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if value.get(name) is None and "default" in sub:
                value[name] = sub["default"]
            item = value.get(name)
            if sub.get("type") in ("number", "integer") and isinstance(item, (int, float)) \
                    and not isinstance(item, bool):
                value[name] = to_decimal(item)
            else:
                _prepare(item, sub)
    elif isinstance(value, list):
        for item in value:
            _prepare(item, schema.get("items") or {})


def labels(schema: Mapping[str, Any], texts: Mapping[str, Texts],
           locale: DocLocale) -> dict[str, str]:
    """``labels.<field>`` for templates: every field's label in ``locale`` (a field
    of the record before a nested one of the same name), then the kind.yaml's texts."""
    out: dict[str, str] = {}
    queue: list[Mapping[str, Any]] = [schema]
    while queue:
        node = queue.pop(0)
        if node.get("type") == "array":
            node = node.get("items") or {}
        for name, sub in (node.get("properties") or {}).items():
            given = sub.get("x-labels") or {"en": sub.get("title") or name}
            out.setdefault(name, pick_text(given, locale))
            queue.append(sub)
    for key, given in texts.items():
        out[key] = pick_text(given, locale)
    return out


# --- errors ---------------------------------------------------------------------------

class KindDefinitionError(TemplateError):
    """A kind.yaml (or a docgen.toml custom field) is broken: exit 3, like a broken
    template. ``problems`` holds every one, each at its line."""

    def __init__(self, problems: list[TemplateError]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location or SourceLocation()).sort_key())
        first = self.problems[0]
        if len(self.problems) == 1:
            super().__init__(first.template, first.location, code=first.code,
                             params=first.params, excerpt=first.excerpt)
        else:
            super().__init__(N_("{count} problems in the kind definition:"),
                             SourceLocation(file=first.location.file if first.location else None),
                             code="kind", params={"count": len(self.problems)})

    def localized(self, translate: Any) -> str:
        if len(self.problems) == 1:
            return super().localized(translate)
        return "\n".join([super().localized(translate),
                          *(f"  {p.localized(translate)}" for p in self.problems)])

    def __str__(self) -> str:
        return self.localized(lambda s: s)


def definition_problem(where: SourceLocation, message: str, exc: Optional[ExpressionError] = None,
                       text: Optional[str] = None, **params: Any) -> TemplateError:
    """A located problem of a kind definition; with ``exc``, the expression's own
    message as ``{detail}`` and the expression with a caret under the column."""
    excerpt = None
    if exc is not None:
        params["detail"] = Msg(exc.message, exc.params)
        if text is not None:
            excerpt = f"{text}\n    {' ' * (exc.column - 1)}^"
    return TemplateError(message, where, code="kind", params=params, excerpt=excerpt)
