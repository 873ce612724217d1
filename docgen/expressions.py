"""Safe expressions for computed fields and rules of user kinds (``kind.yaml``).

A tiny language, parsed into a tree once and evaluated many times over one record's
context, with :class:`~decimal.Decimal` arithmetic (``0.1 + 0.2 == 0.3``)::

    quantity * unit_price                     sum(items.amount)
    round(subtotal * vat_rate)                issue_date + days(validity_days)
    total if total > 0 else 0                 not (a and b) or len(items) >= 2

What it has, and nothing else: numbers, 'text', ``true``/``false``/``null``, field
paths (``client.name``, ``items.amount`` — a path through a list gives the list of
values), ``+ - * / %``, comparisons, ``and or not``, ``A if C else B`` and the
functions in :data:`FUNCTIONS`. A path only reads keys of the record's mappings:
there is no attribute access, no names starting with ``_``, no calls but the listed
functions, so an expression cannot reach Python. Written by hand rather than taken
from Python's ``eval`` (unsafe) or Jinja (floats, attribute access, no Decimal).

Every node keeps its column: a parse error, an unknown name (with "did you mean") or
a division by zero is an :class:`ExpressionError` that points into the expression.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from .errors import Msg
from .i18n.money import minor_digits, to_decimal
from .messages import N_

Value = Any


class ExpressionError(Exception):
    """A problem in an expression: an English msgid with parameters and the 1-based
    column in the expression's text where it is."""

    def __init__(self, message: str, column: int, **params: Any) -> None:
        self.message = message
        self.column = column
        self.params = params
        super().__init__(Msg(message, params).text())

    def msg(self) -> Msg:
        return Msg(self.message, self.params)


# --- tokens -------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<name>[^\W\d][\w]*(?:\.[^\W\d][\w]*)*)
  | (?P<op><=|>=|==|!=|[-+*/%()<>,])
""", re.VERBOSE)
KEYWORDS = frozenset({"and", "or", "not", "if", "else", "true", "false", "null"})


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, keyword, end
    text: str
    column: int  # 1-based


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExpressionError(N_("unexpected character '{char}'"), pos + 1, char=text[pos])
        kind = m.lastgroup or ""
        if kind != "space":
            word = m.group()
            if kind == "name" and word in KEYWORDS:
                kind = "keyword"
            out.append(Token(kind, word, pos + 1))
        pos = m.end()
    out.append(Token("end", "", len(text) + 1))
    return out


# --- tree ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    column: int


@dataclass(frozen=True)
class Literal(Node):
    value: Value


@dataclass(frozen=True)
class Path(Node):
    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Condition(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, *texts: str) -> Optional[Token]:
        if self.tok.kind in ("op", "keyword") and self.tok.text in texts:
            return self.take()
        return None

    def expect(self, text: str) -> Token:
        tok = self.accept(text)
        if tok is None:
            raise self.unexpected(N_("expected '{expected}' here"), expected=text)
        return tok

    def unexpected(self, message: str, **params: Any) -> ExpressionError:
        if self.tok.kind == "end":
            return ExpressionError(N_("the expression ends too early"), self.tok.column)
        return ExpressionError(message, self.tok.column, found=self.tok.text, **params)

    def parse(self) -> Node:
        node = self.ternary()
        if self.tok.kind != "end":
            raise self.unexpected(N_("unexpected '{found}'"))
        return node

    def ternary(self) -> Node:
        node = self.disjunction()
        start = self.accept("if")
        if start is None:
            return node
        test = self.disjunction()
        self.expect("else")
        return Condition(start.column, test, node, self.ternary())

    def disjunction(self) -> Node:
        node = self.conjunction()
        while (tok := self.accept("or")) is not None:
            node = Binary(tok.column, "or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while (tok := self.accept("and")) is not None:
            node = Binary(tok.column, "and", node, self.negation())
        return node

    def negation(self) -> Node:
        tok = self.accept("not")
        if tok is not None:
            return Unary(tok.column, "not", self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        tok = self.accept(*_COMPARE)
        if tok is None:
            return node
        node = Binary(tok.column, tok.text, node, self.additive())
        if self.tok.kind == "op" and self.tok.text in _COMPARE:
            raise self.unexpected(N_("comparisons cannot be chained: use 'and'"))
        return node

    def additive(self) -> Node:
        node = self.term()
        while (tok := self.accept("+", "-")) is not None:
            node = Binary(tok.column, tok.text, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while (tok := self.accept("*", "/", "%")) is not None:
            node = Binary(tok.column, tok.text, node, self.unary())
        return node

    def unary(self) -> Node:
        tok = self.accept("-", "+")
        if tok is not None:
            return Unary(tok.column, tok.text, self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            return Literal(tok.column, Decimal(tok.text))
        if tok.kind == "string":
            self.take()
            return Literal(tok.column, tok.text[1:-1])
        if tok.kind == "keyword" and tok.text in ("true", "false", "null"):
            self.take()
            return Literal(tok.column, {"true": True, "false": False, "null": None}[tok.text])
        if self.accept("("):
            node = self.ternary()
            self.expect(")")
            return node
        if tok.kind == "name":
            self.take()
            parts = tuple(tok.text.split("."))
            for offset, part in _offsets(parts):
                if part.startswith("_"):
                    raise ExpressionError(N_("names starting with '_' are not allowed: "
                                             "'{name}'"), tok.column + offset, name=part)
            if self.accept("("):
                return self.call(tok, parts)
            return Path(tok.column, parts)
        raise self.unexpected(N_("unexpected '{found}'"))

    def call(self, tok: Token, parts: tuple[str, ...]) -> Node:
        if len(parts) > 1 or parts[0] not in FUNCTIONS:
            raise ExpressionError(N_("'{name}' cannot be called (functions: {functions})"),
                                  tok.column, name=tok.text, functions=", ".join(FUNCTIONS))
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.ternary())
            while self.accept(","):
                args.append(self.ternary())
            self.expect(")")
        low, high = FUNCTIONS[parts[0]].arity
        if not low <= len(args) <= high:
            raise ExpressionError(N_("{name}() takes {count} argument(s), not {given}"),
                                  tok.column, name=parts[0], given=len(args),
                                  count=str(low) if low == high else f"{low}–{high}")
        return Call(tok.column, parts[0], tuple(args))


def _offsets(parts: Sequence[str]) -> Iterable[tuple[int, str]]:
    offset = 0
    for part in parts:
        yield offset, part
        offset += len(part) + 1


def parse(text: str) -> Node:
    """The tree of ``text``; raises :class:`ExpressionError` at the offending column."""
    return _Parser(text).parse()


def names(node: Node) -> Iterable[Path]:
    """Every field path the expression reads."""
    if isinstance(node, Path):
        yield node
    elif isinstance(node, Unary):
        yield from names(node.operand)
    elif isinstance(node, Binary):
        yield from names(node.left)
        yield from names(node.right)
    elif isinstance(node, Condition):
        for sub in (node.test, node.then, node.otherwise):
            yield from names(sub)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from names(arg)


def check_names(node: Node, known: Iterable[str]) -> None:
    """Raise for the first top-level name that is not in ``known`` (with the closest
    known name as a suggestion)."""
    choices = sorted(set(known))
    for path in names(node):
        if path.parts[0] not in choices:
            close = difflib.get_close_matches(path.parts[0], choices, n=1, cutoff=0.6)
            if close:
                raise ExpressionError(N_("unknown name '{name}' (did you mean '{suggestion}'?)"),
                                      path.column, name=path.parts[0], suggestion=close[0])
            raise ExpressionError(N_("unknown name '{name}'"), path.column, name=path.parts[0])


# --- evaluation ---------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Where names are looked up: the innermost mapping first (a list item), then the
    record; ``currency`` decides what ``round(x)`` rounds to."""

    frames: tuple[Mapping[str, Any], ...]

    def lookup(self, path: Path) -> Value:
        head = path.parts[0]
        for frame in self.frames:
            if head in frame:
                return _walk(frame[head], path.parts[1:])
        return None

    def currency(self) -> Optional[str]:
        for frame in reversed(self.frames):
            value = frame.get("currency")
            if isinstance(value, str) and value.strip():
                return value.strip().upper()
        return None


def _walk(value: Value, parts: Sequence[str]) -> Value:
    """Follow ``parts`` through mappings; a list on the way maps the rest over its
    items (``items.amount`` is the list of every item's amount)."""
    for i, part in enumerate(parts):
        if isinstance(value, list):
            return [_walk(item, parts[i:]) for item in value]
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _number(value: Value, node: Node) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise _no_number(value, node)
    if isinstance(value, (int, float, Decimal)):
        return to_decimal(value)
    raise _no_number(value, node)


def _no_number(value: Value, node: Node) -> ExpressionError:
    if value is None:
        what = node.text if isinstance(node, Path) else "?"
        return ExpressionError(N_("'{name}' has no value"), node.column, name=what)
    return ExpressionError(N_("'{value}' is not a number"), node.column, value=value)


def _plain(value: Value) -> Value:
    """Numbers as Decimal (a YAML float 0.1 stays exactly 0.1)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_decimal(value)
    return value


@dataclass(frozen=True)
class Function:
    arity: tuple[int, int]
    apply: Callable[[list[Value], Scope, Call], Value]


def _values(value: Value, node: Node) -> list[Value]:
    if not isinstance(value, list):
        raise ExpressionError(N_("expected a list here"), node.column)
    return [_plain(v) for v in value if v is not None]


def _sum(args: list[Value], scope: Scope, call: Call) -> Value:
    return sum((_number(v, call.args[0]) for v in _values(args[0], call.args[0])), Decimal(0))


def _round(args: list[Value], scope: Scope, call: Call) -> Value:
    value = _number(args[0], call.args[0])
    if len(args) > 1:
        digits = int(_number(args[1], call.args[1]))
    else:
        currency = scope.currency()
        digits = minor_digits(currency) if currency else 0
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _extreme(pick: Callable[..., Any]) -> Callable[[list[Value], Scope, Call], Value]:
    def apply(args: list[Value], scope: Scope, call: Call) -> Value:
        items = _values(args[0], call.args[0]) if len(args) == 1 else [_plain(a) for a in args]
        items = [v for v in items if v is not None]
        return pick(items) if items else None
    return apply


def _days(args: list[Value], scope: Scope, call: Call) -> Value:
    try:
        return dt.timedelta(days=int(_number(args[0], call.args[0])))
    except OverflowError:  # more than 999,999,999 days
        raise ExpressionError(_DATE_RANGE, call.column) from None


def _len(args: list[Value], scope: Scope, call: Call) -> Value:
    value = args[0]
    return Decimal(len(value)) if isinstance(value, (list, str)) else Decimal(0)


FUNCTIONS: dict[str, Function] = {
    "sum": Function((1, 1), _sum),
    "round": Function((1, 2), _round),
    "min": Function((1, 8), _extreme(min)),
    "max": Function((1, 8), _extreme(max)),
    "days": Function((1, 1), _days),
    "len": Function((1, 1), _len),
}


def evaluate(node: Node, scope: Scope) -> Value:
    """The value of ``node``; raises :class:`ExpressionError` (e.g. division by zero)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return _plain(scope.lookup(node))
    if isinstance(node, Condition):
        return evaluate(node.then if _truth(evaluate(node.test, scope)) else node.otherwise, scope)
    if isinstance(node, Unary):
        value = evaluate(node.operand, scope)
        if node.op == "not":
            return not _truth(value)
        number = _number(value, node.operand)
        return -number if node.op == "-" else number
    if isinstance(node, Call):
        return FUNCTIONS[node.name].apply([evaluate(a, scope) for a in node.args], scope, node)
    assert isinstance(node, Binary)
    if node.op == "and":
        left = evaluate(node.left, scope)
        return evaluate(node.right, scope) if _truth(left) else left
    if node.op == "or":
        left = evaluate(node.left, scope)
        return left if _truth(left) else evaluate(node.right, scope)
    left, right = evaluate(node.left, scope), evaluate(node.right, scope)
    if node.op in _COMPARE:
        return _compare(node, left, right)
    return _arithmetic(node, left, right)


def _truth(value: Value) -> bool:
    return bool(value)


def _compare(node: Binary, left: Value, right: Value) -> bool:
    if node.op == "==":
        return bool(left == right)
    if node.op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False  # an absent value is neither before nor after anything
    try:
        return bool({"<": left < right, "<=": left <= right, ">": left > right,
                     ">=": left >= right}[node.op])
    except TypeError:
        raise ExpressionError(N_("cannot compare '{left}' with '{right}'"), node.column,
                              left=left, right=right) from None


def _arithmetic(node: Binary, left: Value, right: Value) -> Value:
    if isinstance(left, dt.date) or isinstance(right, dt.date):
        return _date_arithmetic(node, left, right)
    if node.op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    a, b = _number(left, node.left), _number(right, node.right)
    try:
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if b == 0:
            raise ExpressionError(N_("division by zero"), node.column)
        return a / b if node.op == "/" else a % b
    except (DivisionByZero, InvalidOperation):
        raise ExpressionError(N_("division by zero"), node.column) from None


# A date moved past what a calendar date can be (the data's dates and days are at fault).
_DATE_RANGE = N_("the date would be outside 0001-01-01 to 9999-12-31")


def _date_arithmetic(node: Binary, left: Value, right: Value) -> Value:
    try:
        if node.op == "+" and isinstance(left, dt.date) and isinstance(right, dt.timedelta):
            return left + right
        if node.op == "+" and isinstance(left, dt.timedelta) and isinstance(right, dt.date):
            return right + left
        if node.op == "-" and isinstance(left, dt.date) and isinstance(right, dt.timedelta):
            return left - right
    except OverflowError:
        raise ExpressionError(_DATE_RANGE, node.column) from None
    if node.op == "-" and isinstance(left, dt.date) and isinstance(right, dt.date):
        return Decimal((left - right).days)
    raise ExpressionError(N_("a date can only be moved by days(n) or subtracted from a date"),
                          node.column)


@dataclass(frozen=True)
class Expression:
    """A parsed expression with its source text."""

    text: str
    tree: Node

    @classmethod
    def compile(cls, text: Union[str, int, float]) -> "Expression":
        source = str(text)
        return cls(source, parse(source))

    def __call__(self, *frames: Mapping[str, Any]) -> Value:
        return evaluate(self.tree, Scope(tuple(frames)))
