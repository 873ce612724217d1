"""Schema checks → a list of :class:`Problem`, every one at once, sorted by location.

A small validator for the JSON Schema subset the kinds use (type, required, enum,
format date/time/image (markdown: any text), minItems, minimum/maximum,
minLength/maxLength, pattern (the whole value must match), anyOf,
additionalProperties). It is
hand-written rather than taken from ``jsonschema`` because each message must name
the field's localized label and the input line, in the user's language.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from .errors import Msg, Problem, Subject
from .hints import code_alias, date_fix, money_number
from .i18n.locale import DocLocale
from .i18n.money import GROUPED_NUMBER
from .inputs import PathKey, SourceMap, format_path
from .messages import N_, tr
from .values import MAX_NUMBER, bad_character
from .values import parse_date as parse_date  # also imported from here
from .values import parse_time as parse_time

if TYPE_CHECKING:
    from .rules import RuleOptions

# The formats a string field may name. date, time and image are checked here;
# markdown is any text (it only changes how templates print the value: enrich wraps
# it in MarkdownText). Any other format is an annotation and is ignored, as JSON Schema
# says; kind.yaml definitions may name only these (kinddef rejects the others).
FIELD_FORMATS = ("date", "time", "image", "markdown")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

_TYPE_NAMES = {
    "string": N_("text"), "number": N_("a number"), "integer": N_("a whole number"),
    "boolean": N_("true or false"), "array": N_("a list"), "object": N_("a group of fields"),
}


def resolve_image(value: str, data_file: Optional[str]) -> Optional[Path]:
    """An image path from a record, relative to the record's file's folder (data from no
    file: :func:`~docgen.render.images.data_image_base`, else the working directory);
    None if it cannot be used: absent, outside that folder (``..``, an absolute path,
    a symbolic link leaving it), not a regular file, not a whole picture."""
    from .render.images import data_image_folder, data_image_path
    found, problem = data_image_path(value, data_image_folder(data_file))
    return found if problem is None else None


def subschema(schema: dict[str, Any], path: PathKey) -> dict[str, Any]:
    """The schema of the value at ``path`` (object branch of ``anyOf``), or ``{}``."""
    node = schema
    for key in path:
        if "anyOf" in node:
            node = next((b for b in node["anyOf"] if b.get("type") == "object"), node)
        if isinstance(key, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(key, {})
    return node


_NUMBER_TEXT = re.compile(rf"^\s*({GROUPED_NUMBER})\s*(%|[^\d\s.,%]{{1,4}})?\s*$")


def _number_in_text(value: Any) -> Optional[str]:
    """The plain number in text such as "1,500,000", "80%", "30일", "5 個", or None."""
    if not isinstance(value, str):
        return None
    m = _NUMBER_TEXT.match(value)
    if not m or (m.group(2) is None and "," not in m.group(1)):
        return None
    return m.group(1).replace(",", "")


def _enum_key(text: str) -> str:
    return re.sub(r"[\s_\-·・]+", "", unicodedata.normalize("NFKC", text).casefold())


def enum_code(value: Any, schema: dict[str, Any]) -> Optional[Any]:
    """The code ``value`` names in an enum: the code in another case (``Done``), or
    the code's label in any locale (``예정``, ``进行中``, ``In progress``); None when it
    names no code, or more than one."""
    if not isinstance(value, str) or not _enum_key(value):
        return None
    key = _enum_key(value)
    labels = schema.get("x-enum-labels") or {}
    found = {code for code in schema["enum"] if _enum_key(str(code)) == key}
    found |= {code for code in schema["enum"]
              for text in (labels.get(code) or {}).values() if _enum_key(str(text)) == key}
    return found.pop() if len(found) == 1 else None


def canonicalize(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with every enum label replaced by its code, in place for mappings and
    lists (the record then carries the code: templates, rules and names see ``done``)."""
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if _is_type(value, branch.get("type", "")):
                return canonicalize(value, branch)
        return value
    if "enum" in schema:
        if value in schema["enum"]:
            return value
        code = enum_code(value, schema)
        return value if code is None else code
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, item in value.items():
            if key in props:
                value[key] = canonicalize(item, props[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            value[i] = canonicalize(item, schema["items"])
    return value


def _dates_in(value: Any) -> Iterator[dt.date]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _dates_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dates_in(item)
    else:
        found = parse_date(value)
        if found is not None:
            yield found


def _digits(value: Any) -> int:
    """The digits before the point of a number of 10^15 or more (an int of thousands of
    digits is not turned into text: Python refuses over 4,300)."""
    if isinstance(value, Decimal):
        return value.adjusted() + 1
    if isinstance(value, float):
        return int(math.log10(abs(value))) + 1
    if abs(value) < 10 ** 4000:
        return len(str(abs(int(value))))
    return int(int(value).bit_length() * math.log10(2)) + 1  # (give or take one)


def _is_type(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, (str, dt.date, dt.time))  # YAML turns dates into dates
    if expected == "number":
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, dict)
    if expected == "null":
        return value is None
    return True


def label_of(schema: dict[str, Any], locale: Optional[DocLocale]) -> str:
    labels = schema.get("x-labels") or {}
    if locale is not None and locale.primary in labels:
        return str(labels[locale.primary])
    return str(schema.get("title", ""))


def _norm_label(text: str) -> str:
    """A label compared with a header: ``진행률(%)`` names what ``진행률`` names."""
    text = re.sub(r"\([^()]*\)", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", text.casefold())


def character_problems(data: Any, source: SourceMap,
                       locale: Optional[DocLocale] = None) -> list[Problem]:
    """The characters no document can hold in any text of ``data`` (what
    :meth:`Validator.validate` reports with the schema's checks), for data that has
    no schema: ``docgen fill``."""
    problems: list[Problem] = []
    Validator({}, locale)._check_text(data, (), source, None, problems)
    problems.sort(key=lambda p: (p.location.sort_key(), p.path))
    return problems


class Validator:
    """Validates records of one kind's schema; messages in one locale."""

    def __init__(self, schema: dict[str, Any], locale: Optional[DocLocale], *,
                 rules: Optional[Callable[..., None]] = None,
                 options: Optional["RuleOptions"] = None) -> None:
        self.schema = schema
        self.locale = locale
        self.rules = rules  # the kind's cross-field rules (docgen/kinds/<kind>/rules.py)
        self.options = options
        self._record: Any = None  # the record being validated

    def validate(self, data: Any, source: SourceMap, record: Optional[int] = None) -> list[Problem]:
        """Every problem of one record: schema first, then the rules, sorted by place.

        Enum values given as a label (``완료``, ``已完成``, ``Done``) are replaced in
        ``data`` by their code first: a label is accepted, and the record carries the code."""
        problems: list[Problem] = []
        data = canonicalize(data, self.schema)
        self._record = data
        self._check(data, self.schema, (), source, record, problems)
        self._check_text(data, (), source, record, problems)
        if isinstance(data, dict):
            self._run_rules(data, source, record, problems)
        problems.sort(key=lambda p: (p.location.sort_key(), p.path))
        return problems

    def _check_text(self, value: Any, path: PathKey, source: SourceMap, record: Optional[int],
                    problems: list[Problem]) -> None:
        """Every text of the record (in fields the schema knows or not) that holds a
        character no document can hold: a control character or half of a character
        pair. Reported, never stripped: it is invisible, and the AE must know."""
        if isinstance(value, str):
            found = bad_character(value)
            if found is None:
                return
            char, position, control = found
            message = (N_("contains an invisible control character ({char}) at character "
                          "{position}: delete it and type the text again") if control else
                       N_("contains a broken character ({char}) at character {position}: "
                          "delete it and type the text again"))
            self._problem(problems, path, subschema(self.schema, path), "character", message,
                          source, record, char=char, position=position)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._check_text(item, path + (key,), source, record, problems)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._check_text(item, path + (i,), source, record, problems)

    def _check_number(self, value: Any, schema: dict[str, Any], path: PathKey,
                      source: SourceMap, record: Optional[int], problems: list[Problem]) -> bool:
        """False (and the problem reported) for a number no document can show: NaN, an
        infinity (JSON ``NaN``, YAML ``.nan``/``.inf``), or one of more than 15 digits."""
        finite = value.is_finite() if isinstance(value, Decimal) else \
            not isinstance(value, float) or math.isfinite(value)
        if not finite:
            self._problem(problems, path, schema, "number",
                          N_("'{value}' is not a number: write a number such as 12.5"),
                          source, record, value=str(value))
            return False
        if abs(value) >= MAX_NUMBER:
            digits = _digits(value)
            self._problem(problems, path, schema, "maximum",
                          N_("is too large ({digits} digits): a number must be less than "
                             "{limit} (Excel keeps 15 digits)"), source, record,
                          digits=digits, limit=f"{MAX_NUMBER:,}")
            return False
        return True

    def _run_rules(self, data: dict[str, Any], source: SourceMap, record: Optional[int],
                   problems: list[Problem]) -> None:
        from .rules import Findings, RuleOptions, check_common

        def emit(path: PathKey, code: str, message: str, severity: str,
                 params: dict[str, Any]) -> None:
            self._problem(problems, path, subschema(self.schema, path), code, message, source,
                          record, severity=severity, **params)

        findings = Findings(emit, self.options or RuleOptions(), self.locale)
        check_common(data, findings)
        if self.rules is not None:
            self.rules(data, findings)

    def _problem(self, problems: list[Problem], path: PathKey, schema: dict[str, Any],
                 code: str, message: str, source: SourceMap, record: Optional[int],
                 severity: str = "error", **params: Any) -> None:
        header = source.header(path)  # a sheet: the column as the user typed its header
        subject = Subject(header or format_path(path) or "(record)",
                          schema.get("x-labels") or {}, str(schema.get("title", "")))
        problems.append(Problem(
            path=format_path(path), code=code, message=message, severity=severity,
            location=source.locate(path), record=record, params=params, subject=subject,
            locale=self.locale))

    def _check(self, value: Any, schema: dict[str, Any], path: PathKey, source: SourceMap,
               record: Optional[int], problems: list[Problem]) -> None:
        if "anyOf" in schema:
            self._check_any_of(value, schema, path, source, record, problems)
            return
        expected = schema.get("type")
        fmt = schema.get("format")
        if expected and not _is_type(value, expected):
            if value is None or value == "":
                self._problem(problems, path, schema, "required", N_("a value is required"),
                              source, record)
            elif fmt in ("date", "time") and _is_type(value, "number"):
                # YAML reads 20261127 and 1400 as numbers: say which format to use.
                self._check_format(value, fmt, schema, path, source, record, problems)
            else:
                self._type_problem(value, expected, schema, path, source, record, problems)
            return
        if fmt in ("date", "time"):
            self._check_format(value, fmt, schema, path, source, record, problems)
        elif fmt == "image" and isinstance(value, str):
            self._check_image(value, schema, path, source, record, problems)
        # fmt == "markdown": every text is valid Markdown (unmatched ** stays literal)
        if "enum" in schema and value not in schema["enum"]:
            self._enum_problem(value, schema, path, source, record, problems)
        if isinstance(value, str) and schema.get("minLength", 0) > len(value.strip()):
            self._problem(problems, path, schema, "required", N_("must not be empty"),
                          source, record)
        if isinstance(value, str) and len(value.strip()) > schema.get("maxLength", len(value)):
            self._problem(problems, path, schema, "max_length",
                          N_("must be at most {limit} characters long"), source, record,
                          limit=schema["maxLength"])
        if isinstance(value, str) and value.strip() and "pattern" in schema \
                and not re.fullmatch(schema["pattern"], value.strip()):
            self._problem(problems, path, schema, "pattern",
                          N_("'{value}' does not have the expected form"), source, record,
                          value=value)
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) \
                and self._check_number(value, schema, path, source, record, problems):
            if "minimum" in schema and value < schema["minimum"]:
                self._problem(problems, path, schema, "minimum", N_("must be at least {limit}"),
                              source, record, limit=schema["minimum"])
            if "maximum" in schema and value > schema["maximum"]:
                if schema["maximum"] == 1 and value <= 100:  # a rate typed as a percentage
                    self._problem(problems, path, schema, "maximum",
                                  N_("is a fraction of 1: write {fraction} for {value}%"),
                                  source, record, fraction=format(Decimal(str(value)) / 100, "f"),
                                  value=value)
                else:
                    self._problem(problems, path, schema, "maximum",
                                  N_("must be at most {limit}"), source, record,
                                  limit=schema["maximum"])
            if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
                self._problem(problems, path, schema, "minimum",
                              N_("must be more than {limit}"), source, record,
                              limit=schema["exclusiveMinimum"])
            if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
                self._problem(problems, path, schema, "maximum",
                              N_("must be less than {limit}"), source, record,
                              limit=schema["exclusiveMaximum"])
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                self._problem(problems, path, schema, "min_items",
                              N_("must have at least {count} item(s)"), source, record,
                              count=schema["minItems"])
            items = schema.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(value):
                    self._check(item, items, path + (i,), source, record, problems)
        if isinstance(value, dict):
            self._check_object(value, schema, path, source, record, problems)

    def _check_format(self, value: Any, fmt: str, schema: dict[str, Any], path: PathKey,
                      source: SourceMap, record: Optional[int], problems: list[Problem]) -> None:
        if fmt == "date" and parse_date(value) is None:
            # The record's dates give the year of a date typed without one (only then
            # are they looked for: date_fix reads the generator in that case alone).
            fix = date_fix(value, _dates_in(self._record), self._today())
            if fix is None:
                self._problem(problems, path, schema, "date",
                              N_("'{value}' is not a valid date (use YYYY-MM-DD, e.g. 2026-11-27)"),
                              source, record, value=value)
            elif fix[1] is None:
                self._problem(problems, path, schema, "date",
                              N_("'{value}' is not a valid date: write it as YYYY-MM-DD, "
                                 "here {suggestion}"), source, record, value=value,
                              suggestion=fix[0])
            elif fix[2]:
                self._problem(problems, path, schema, "date",
                              N_("'{value}' has no year: write it as YYYY-MM-DD, here "
                                 "{suggestion} (the year {year} is taken from the record's "
                                 "other dates)"), source, record, value=value,
                              suggestion=fix[0], year=fix[1])
            else:
                self._problem(problems, path, schema, "date",
                              N_("'{value}' has no year: write it as YYYY-MM-DD, e.g. "
                                 "{suggestion} if the year is {year}"), source, record,
                              value=value, suggestion=fix[0], year=fix[1])
        elif fmt == "time" and parse_time(value) is None:
            self._problem(problems, path, schema, "time",
                          N_("'{value}' is not a valid time (use HH:MM, e.g. 14:30)"),
                          source, record, value=value)

    def _today(self) -> dt.date:
        return self.options.today if self.options is not None and self.options.today \
            else dt.date.today()

    def _type_problem(self, value: Any, expected: str, schema: dict[str, Any], path: PathKey,
                      source: SourceMap, record: Optional[int], problems: list[Problem]) -> None:
        """A wrong type, with the fix when the mistake is a common one."""
        number = None
        if expected in ("number", "integer"):  # "150만원" first: it is 1500000, not 150
            number = money_number(value) or _number_in_text(value)
        if number is not None:  # "1,500,000", "₩1,500,000", "150만원", "80%", "30일"
            self._problem(problems, path, schema, "type",
                          N_("'{value}' must be a plain number: write {number}"), source, record,
                          value=value, number=number)
        elif expected == "string" and _is_type(value, "number"):  # 53029184 unquoted
            self._problem(problems, path, schema, "type",
                          N_("must be text: put it in quotes ('{value}')"), source, record,
                          value=value)
        else:
            self._problem(problems, path, schema, "type", N_("must be {expected}"), source,
                          record, expected=Msg(_TYPE_NAMES.get(expected, expected)))

    def _enum_problem(self, value: Any, schema: dict[str, Any], path: PathKey,
                      source: SourceMap, record: Optional[int], problems: list[Problem]) -> None:
        """Lists the codes with their labels in the user's language, and suggests the
        code when the value is a label (완료 → done) or differs only in case."""
        codes = [str(c) for c in schema["enum"]]
        labels = schema.get("x-enum-labels") or {}
        code = self.locale.primary if self.locale else "en"
        shown = []
        for c in codes:
            label = (labels.get(c) or {}).get(code)
            shown.append(f"{c} ({label})" if label and label != c else c)
        typed = str(value).strip().casefold()
        suggestion = next((c for c in codes if c.casefold() == typed), None)
        if suggestion is None:
            suggestion = next((c for c in codes for text in (labels.get(c) or {}).values()
                               if str(text).strip().casefold() == typed), None)
        if suggestion is None:
            suggestion = code_alias(value, codes)  # RMB → CNY
        if suggestion is not None:
            self._problem(problems, path, schema, "enum",
                          N_("'{value}' is not one of: {choices} (did you mean '{suggestion}'?)"),
                          source, record, value=value, choices=", ".join(shown),
                          suggestion=suggestion)
        else:
            self._problem(problems, path, schema, "enum", N_("'{value}' is not one of: {choices}"),
                          source, record, value=value, choices=", ".join(shown))

    def _check_image(self, value: str, schema: dict[str, Any], path: PathKey,
                     source: SourceMap, record: Optional[int], problems: list[Problem]) -> None:
        from .render.images import data_image_folder, data_image_path
        _, problem = data_image_path(value, data_image_folder(source.file))
        if problem is not None:  # missing, outside the data's folder, not a whole picture
            self._problem(problems, path, schema, "image", problem.message, source, record,
                          **problem.params)

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any], path: PathKey,
                      source: SourceMap, record: Optional[int], problems: list[Problem]) -> None:
        props: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", [])
        for name in required:
            item = value.get(name)
            if name not in value and getattr(source, "is_table", False):
                sub = props.get(name, {})
                self._problem(problems, path + (name,), sub, "required",
                              N_("required but empty: fill in the column '{label}'"), source,
                              record, label=source.header(path + (name,))
                              or label_of(sub, self.locale) or name)
            elif name not in value:
                self._problem(problems, path + (name,), props.get(name, {}), "required",
                              N_("required but missing: add a line '{name}: …'"), source,
                              record, name=name)
            elif item is None or (isinstance(item, str) and not item.strip()):
                self._problem(problems, path + (name,), props.get(name, {}), "required",
                              N_("a value is required"), source, record)
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                if schema.get("additionalProperties", True) is False:
                    close = difflib.get_close_matches(key, list(props), n=1)
                    if close:
                        self._problem(problems, path + (key,), {}, "unknown_field",
                                      N_("unknown field (did you mean '{suggestion}'?)"),
                                      source, record, severity="warning", suggestion=close[0])
                    else:
                        self._problem(problems, path + (key,), {}, "unknown_field",
                                      N_("unknown field (it is ignored)"), source, record,
                                      severity="warning")
                continue
            if item is None or (key in required and isinstance(item, str) and not item.strip()):
                continue  # empty: optional, or already reported as required
            self._check(item, sub, path + (key,), source, record, problems)

    def _check_any_of(self, value: Any, schema: dict[str, Any], path: PathKey, source: SourceMap,
                      record: Optional[int], problems: list[Problem]) -> None:
        branches: list[dict[str, Any]] = schema["anyOf"]
        for branch in branches:
            if _is_type(value, branch.get("type", "")):
                merged = {k: v for k, v in schema.items() if k != "anyOf"}
                merged.update(branch)
                self._check(value, merged, path, source, record, problems)
                return
        names = Msg(" / ".join(f"{{t{i}}}" for i in range(len(branches))),  # translated later
                    {f"t{i}": Msg(_TYPE_NAMES.get(b.get("type", ""), "?"))
                     for i, b in enumerate(branches)})
        self._problem(problems, path, schema, "type", N_("must be {expected}"), source, record,
                      expected=names)
