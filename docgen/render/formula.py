"""Spreadsheet formulas: tokenize, move references when rows are repeated, evaluate.

Two jobs, one tokenizer:

* **translate** — when a row loop turns template row 5 into output rows 5…34, every
  reference must follow: ``D5`` in a repeated row points at the same repetition,
  ``SUM(D5:D5)`` below the block grows to ``SUM(D5:D34)``, ``F12`` below it becomes
  ``F41``. :func:`translate` rewrites reference tokens through a mapper and leaves
  everything else (strings, names, functions) byte for byte.
* **evaluate** — readers that do not recalculate (pandas, calamine, file previewers)
  show a formula's *cached* value, so docgen computes it. :class:`Evaluator` covers
  the arithmetic, comparison and text operators and the functions business sheets
  use (SUM, ROUND, IF, SUMIF…). A formula it cannot evaluate is written without a
  cached value and the workbook asks Excel and LibreOffice to recalculate on open.

Arithmetic is Decimal, like the rest of docgen: money totals must not pick up
binary floating-point noise.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any, Callable, Iterator, Optional, Sequence, Union

MAX_ROW = 1_048_576
MAX_COL = 16_384


def col_index(letters: str) -> int:
    """``A`` → 1, ``AA`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(index: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_cell(ref: str) -> tuple[int, int]:
    """``B7`` → (row 7, column 2)."""
    m = _CELL_RE.match(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


@dataclass(frozen=True)
class Ref:
    """A reference token: a cell, a range, whole rows or whole columns.

    Rows and columns are 1-based; ``None`` means "all" (whole-column ranges have no
    rows, whole-row ranges no columns)."""

    sheet: Optional[str]  # as written, quotes included ('My Sheet'), or None
    r1: Optional[int]
    c1: Optional[int]
    r2: Optional[int] = None
    c2: Optional[int] = None
    abs_r1: bool = False
    abs_c1: bool = False
    abs_r2: bool = False
    abs_c2: bool = False
    is_range: bool = False

    @property
    def sheet_name(self) -> Optional[str]:
        if self.sheet is None:
            return None
        s = self.sheet
        return s[1:-1].replace("''", "'") if s.startswith("'") else s

    def text(self) -> str:
        def part(r: Optional[int], c: Optional[int], ar: bool, ac: bool) -> str:
            out = ""
            if c is not None:
                out += ("$" if ac else "") + col_letters(c)
            if r is not None:
                out += ("$" if ar else "") + str(r)
            return out

        out = part(self.r1, self.c1, self.abs_r1, self.abs_c1)
        if self.is_range:
            out += ":" + part(self.r2, self.c2, self.abs_r2, self.abs_c2)
        return (self.sheet + "!" if self.sheet else "") + out


_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*)!"
_A1 = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!))
  | (?P<ref>(?:""" + _SHEET + r""")?(?:""" + _A1 + r"""(?::""" + _A1 + r""")?
        |\$?\d+:\$?\d+|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}))(?![\w(.])
  | (?P<num>\d+(?:\.\d*)?(?:[Ee][+-]?\d+)?|\.\d+(?:[Ee][+-]?\d+)?)
  | (?P<name>(?:""" + _SHEET + r""")?[A-Za-z_\\\u00c0-\uffff][\w.\u00c0-\uffff]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),:;{}!@#])
    """,
    re.VERBOSE,
)
_PART_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?$")


@dataclass(frozen=True)
class Token:
    kind: str  # ws str err ref num name op
    text: str
    ref: Optional[Ref] = None


def _parse_ref(text: str) -> Optional[Ref]:
    sheet = None
    if "!" in text:
        sheet, _, text = text.rpartition("!")
    first, colon, second = text.partition(":")
    a, b = _PART_RE.match(first), _PART_RE.match(second) if colon else None
    if not a or (colon and not b):
        return None
    c1 = col_index(a.group(2)) if a.group(2) else None
    r1 = int(a.group(4)) if a.group(4) else None
    if (c1 is not None and c1 > MAX_COL) or (r1 is not None and not 0 < r1 <= MAX_ROW):
        return None
    if not colon:
        if c1 is None or r1 is None:
            return None
        return Ref(sheet, r1, c1, abs_r1=bool(a.group(3)), abs_c1=bool(a.group(1)))
    assert b is not None
    c2 = col_index(b.group(2)) if b.group(2) else None
    r2 = int(b.group(4)) if b.group(4) else None
    if (c2 is not None and c2 > MAX_COL) or (r2 is not None and not 0 < r2 <= MAX_ROW):
        return None
    if (c1 is None) != (c2 is None) or (r1 is None) != (r2 is None):
        return None
    return Ref(sheet, r1, c1, r2, c2, bool(a.group(3)), bool(a.group(1)),
               bool(b.group(3)), bool(b.group(1)), is_range=True)


def tokenize(formula: str) -> list[Token]:
    """Split a formula (without the leading ``=``) into tokens; never fails."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(formula):
        m = _TOKEN_RE.match(formula, pos)
        if not m:  # unknown character: keep it verbatim
            tokens.append(Token("op", formula[pos]))
            pos += 1
            continue
        kind = m.lastgroup or "op"
        text = m.group()
        if kind == "ref":
            ref = _parse_ref(text)
            tokens.append(Token("ref", text, ref) if ref else Token("name", text))
        else:
            tokens.append(Token(kind, text))
        pos = m.end()
    return tokens


RefMapper = Callable[[Ref], Optional[Ref]]


def translate(tokens: Sequence[Token], mapper: RefMapper) -> str:
    """The formula text with every reference passed through ``mapper``
    (``None`` from the mapper means the cells are gone: ``#REF!``)."""
    return "".join(t.text for t in translate_tokens(tokens, mapper))


_REF_ERROR = Token("err", "#REF!")


def translate_tokens(tokens: Sequence[Token], mapper: RefMapper,
                     gone_names: frozenset[str] = frozenset()) -> list[Token]:
    """Like :func:`translate`, as tokens (ready to evaluate without re-tokenizing).

    ``gone_names`` (upper case): defined names whose cells are all gone, treated like
    a reference to gone cells."""
    out = []
    gone = False
    for tok in tokens:
        if tok.kind == "ref" and tok.ref is not None:
            moved = mapper(tok.ref)
            if moved is None:
                out.append(_GONE)
                gone = True
            elif moved == tok.ref:
                out.append(tok)
            else:
                out.append(Token("ref", moved.text(), moved))
        elif (gone_names and tok.kind == "name"
              and tok.text.rpartition("!")[2].upper() in gone_names):
            out.append(_GONE)
            gone = True
        else:
            out.append(tok)
    return _empty_arguments(out) if gone else out


# A reference whose cells are all gone (a row block that ran zero times). As an
# argument of an aggregate it stands for no cells, as Excel would see an empty range:
# it is left out, and a call left with no data argument becomes the function's value
# over no cells (SUM(D4:D4) -> 0). Anywhere else it is #REF!, as when Excel deletes
# the rows a reference points at.
_GONE = Token("err", "#REF!")
# function -> how many leading arguments are not data (never left out)
_LISTS = {"SUM": 0, "COUNT": 0, "COUNTA": 0, "MIN": 0, "MAX": 0, "MINA": 0, "MAXA": 0,
          "PRODUCT": 0, "SUMSQ": 0, "AVERAGE": 0, "AVERAGEA": 0, "AND": 0, "OR": 0,
          "CONCAT": 0, "TEXTJOIN": 2, "SUBTOTAL": 1}
# the value over no cells
_EMPTY = {"AVERAGE": Token("err", "#DIV/0!"), "AVERAGEA": Token("err", "#DIV/0!"),
          "AND": Token("err", "#VALUE!"), "OR": Token("err", "#VALUE!"),
          "CONCAT": Token("str", '""'), "TEXTJOIN": Token("str", '""')}
_ZERO = Token("num", "0")
# functions over ranges of one shape: no cells in one range means a result of 0
_ZERO_WHEN_EMPTY = frozenset(("SUMIF", "SUMIFS", "COUNTIF", "COUNTIFS", "SUMPRODUCT",
                              "COUNTBLANK"))
# SUBTOTAL's function numbers whose value over no cells is 0 (SUM, COUNT, COUNTA,
# MAX, MIN, PRODUCT; +100 ignores hidden rows)
_SUBTOTAL_ZERO = frozenset((2, 3, 4, 5, 6, 9))


def _empty_arguments(tokens: list[Token]) -> list[Token]:
    out = list(tokens)
    while True:
        at = next((i for i, t in enumerate(out) if t is _GONE), None)
        if at is None:
            return out
        out = _drop_gone(out, at)


def _drop_gone(out: list[Token], at: int) -> list[Token]:
    """``out`` with the gone reference at ``at`` resolved (left out, the call replaced
    by its value over no cells, or ``#REF!``)."""
    def step(i: int, d: int) -> Optional[int]:
        i += d
        while 0 <= i < len(out) and out[i].kind == "ws":
            i += d
        return i if 0 <= i < len(out) else None

    ref_error = [*out[:at], _REF_ERROR, *out[at + 1:]]
    before, after = step(at, -1), step(at, 1)
    if (before is None or after is None or out[before].text not in ("(", ",", ";")
            or out[after].text not in (",", ";", ")")):
        return ref_error
    depth, open_i = 0, None  # the call's "(" and its argument boundaries
    for i in range(at - 1, -1, -1):
        t = out[i].text
        if out[i].kind != "op":
            continue
        if t in (")", "}"):
            depth += 1
        elif t in ("(", "{"):
            if depth == 0:
                open_i = i if t == "(" else None
                break
            depth -= 1
    name_i = step(open_i, -1) if open_i is not None else None
    if open_i is None or name_i is None or out[name_i].kind != "name":
        return ref_error
    bounds, depth, close_i = [open_i], 0, None
    for i in range(open_i + 1, len(out)):
        t = out[i].text
        if out[i].kind != "op":
            continue
        if t in ("(", "{"):
            depth += 1
        elif t in (")", "}") and depth:
            depth -= 1
        elif depth == 0 and t in (",", ";"):
            bounds.append(i)
        elif depth == 0 and t == ")":
            bounds.append(i)
            close_i = i
            break
    if close_i is None:
        return ref_error
    func = out[name_i].text.upper().removeprefix("_XLFN.")
    arg = next(k for k in range(len(bounds) - 1) if bounds[k] < at < bounds[k + 1])
    whole_call = (name_i, close_i + 1)
    if func in _ZERO_WHEN_EMPTY:
        return [*out[:whole_call[0]], _ZERO, *out[whole_call[1]:]]
    lead = _LISTS.get(func)
    if lead is None or arg < lead:
        return ref_error
    data_args = len(bounds) - 1 - lead
    if data_args > 1:  # leave the argument out, with the separator before (or after) it
        lo, hi = (bounds[arg], bounds[arg + 1]) if arg > 0 else (bounds[0] + 1,
                                                                 bounds[1] + 1)
        return [*out[:lo], *out[hi:]]
    if func == "SUBTOTAL":
        first = [t for t in out[open_i + 1:bounds[1]] if t.kind != "ws"]
        if not (len(first) == 1 and first[0].kind == "num"
                and int(Decimal(first[0].text)) % 100 in _SUBTOTAL_ZERO):
            return ref_error
    return [*out[:whole_call[0]], _EMPTY.get(func, _ZERO), *out[whole_call[1]:]]


def has_refs(tokens: Sequence[Token]) -> bool:
    return any(t.kind == "ref" for t in tokens)


def shift_ref(ref: Ref, d_row: int, d_col: int) -> Ref:
    """Relative parts moved by an offset (Excel's fill-down of a shared formula)."""
    def mv(v: Optional[int], absolute: bool, d: int) -> Optional[int]:
        return v if v is None or absolute else v + d

    return replace(ref, r1=mv(ref.r1, ref.abs_r1, d_row), c1=mv(ref.c1, ref.abs_c1, d_col),
                   r2=mv(ref.r2, ref.abs_r2, d_row), c2=mv(ref.c2, ref.abs_c2, d_col))


# ---------------------------------------------------------------------------------------
# Evaluation


class FormulaError(Exception):
    """The formula cannot be evaluated here (unsupported, or an Excel error value)."""


class ExcelError(Exception):
    """An Excel error value such as ``#DIV/0!``, raised through the evaluation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


Value = Union[Decimal, str, bool, None]
Grid = Callable[[Optional[str], int, int], Value]  # (sheet, row, col) -> value


@dataclass
class _Range:
    values: list[Value]


class _Parser:
    """Precedence climbing over tokens: comparison < & < + - < * / < ^ < unary < %."""

    def __init__(self, tokens: Sequence[Token], grid: Grid, sheet: Optional[str]) -> None:
        self.toks = [t for t in tokens if t.kind != "ws"]
        self.i = 0
        self.grid = grid
        self.sheet = sheet

    def peek(self) -> Optional[Token]:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise FormulaError("unexpected end of formula")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise FormulaError(f"expected {text!r}, found {tok.text!r}")

    def parse(self) -> Any:
        value = self.comparison()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return value

    def comparison(self) -> Any:
        left = self.concat()
        while (tok := self.peek()) is not None and tok.text in ("=", "<>", "<", ">", "<=", ">="):
            self.i += 1
            left = _compare(tok.text, _scalar(left), _scalar(self.concat()))
        return left

    def concat(self) -> Any:
        left = self.additive()
        while (tok := self.peek()) is not None and tok.text == "&":
            self.i += 1
            left = _text(_scalar(left)) + _text(_scalar(self.additive()))
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while (tok := self.peek()) is not None and tok.text in ("+", "-"):
            self.i += 1
            right = _number(_scalar(self.multiplicative()))
            left = _number(_scalar(left)) + right if tok.text == "+" else _number(_scalar(left)) - right
        return left

    def multiplicative(self) -> Any:
        left = self.power()
        while (tok := self.peek()) is not None and tok.text in ("*", "/"):
            self.i += 1
            right = _number(_scalar(self.power()))
            if tok.text == "*":
                left = _number(_scalar(left)) * right
            else:
                if right == 0:
                    raise ExcelError("#DIV/0!")
                left = _number(_scalar(left)) / right
        return left

    def power(self) -> Any:
        left = self.unary()
        while (tok := self.peek()) is not None and tok.text == "^":
            self.i += 1
            right = _number(_scalar(self.unary()))
            try:
                left = _number(_scalar(left)) ** right
            except InvalidOperation:
                raise ExcelError("#NUM!") from None
        return left

    def unary(self) -> Any:
        tok = self.peek()
        if tok is not None and tok.text in ("-", "+"):
            self.i += 1
            value = _number(_scalar(self.unary()))
            return -value if tok.text == "-" else value
        return self.percent()

    def percent(self) -> Any:
        value = self.primary()
        while (tok := self.peek()) is not None and tok.text == "%":
            self.i += 1
            value = _number(_scalar(value)) / 100
        return value

    def primary(self) -> Any:
        tok = self.take()
        if tok.kind == "num":
            return Decimal(tok.text)
        if tok.kind == "str":
            return tok.text[1:-1].replace('""', '"')
        if tok.kind == "err":
            raise ExcelError(tok.text)
        if tok.kind == "ref":
            assert tok.ref is not None
            return self.reference(tok.ref)
        if tok.text == "(":
            value = self.comparison()
            self.expect(")")
            return value
        if tok.kind == "name":
            upper = tok.text.upper()
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                self.i += 1
                return self.call(upper.removeprefix("_XLFN."))
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise FormulaError(f"unknown name {tok.text}")
        raise FormulaError(f"unexpected {tok.text!r}")

    def reference(self, ref: Ref) -> Any:
        sheet = ref.sheet_name if ref.sheet else self.sheet
        if not ref.is_range:
            assert ref.r1 is not None and ref.c1 is not None
            return self.grid(sheet, ref.r1, ref.c1)
        if None in (ref.r1, ref.r2, ref.c1, ref.c2):
            raise FormulaError("whole-row or whole-column ranges are not evaluated")
        assert ref.r1 is not None and ref.r2 is not None and ref.c1 is not None and ref.c2 is not None
        rows = range(min(ref.r1, ref.r2), max(ref.r1, ref.r2) + 1)
        cols = range(min(ref.c1, ref.c2), max(ref.c1, ref.c2) + 1)
        if len(rows) * len(cols) > 200_000:
            raise FormulaError("range too large to evaluate")
        return _Range([self.grid(sheet, r, c) for r in rows for c in cols])

    def call(self, name: str) -> Any:
        if name in _LAZY:
            return _LAZY[name](self)
        args: list[Any] = []
        if (tok := self.peek()) is not None and tok.text == ")":
            self.i += 1
        else:
            while True:
                args.append(self.comparison())
                tok = self.take()
                if tok.text == ")":
                    break
                if tok.text not in (",", ";"):
                    raise FormulaError(f"expected ',' or ')', found {tok.text!r}")
        func = _FUNCTIONS.get(name)
        if func is None:
            raise FormulaError(f"function {name} is not evaluated by docgen")
        return func(args)

    def skip_argument(self) -> None:
        depth = 0
        while (tok := self.peek()) is not None:
            if depth == 0 and tok.text in (",", ";", ")"):
                return
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            self.i += 1


def _scalar(value: Any) -> Value:
    if isinstance(value, _Range):
        if len(value.values) == 1:
            return value.values[0]
        raise ExcelError("#VALUE!")
    return value  # type: ignore[no-any-return]


_NUMERIC_TEXT = re.compile(r"^\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[Ee][-+]?\d+)?"
                           r"|[-+]?\.\d+)\s*(%)?\s*$")


def _number(value: Value) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    # Text in arithmetic is read as Excel reads it: "1,234", "12.5%", " 7 ".
    m = _NUMERIC_TEXT.match(str(value))
    if m is None:
        raise ExcelError("#VALUE!")
    number = Decimal(m.group(1).replace(",", ""))
    return number / 100 if m.group(2) else number


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format_number(value)
    return str(value)


def _truthy(value: Value) -> bool:
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise ExcelError("#VALUE!")
    return bool(_number(value))


def _compare(op: str, a: Value, b: Value) -> bool:
    def key(v: Value) -> tuple[int, Any]:  # Excel orders numbers < text < booleans
        if v is None:
            return (0, Decimal(0))
        if isinstance(v, bool):
            return (2, v)
        if isinstance(v, Decimal):
            return (0, v)
        return (1, v.upper())

    if a is None and isinstance(b, str):
        a = ""
    if b is None and isinstance(a, str):
        b = ""
    ka, kb = key(a), key(b)
    if op == "=":
        return ka == kb
    if op == "<>":
        return ka != kb
    if op == "<":
        return ka < kb
    if op == ">":
        return ka > kb
    if op == "<=":
        return ka <= kb
    return ka >= kb


def _numbers(args: Sequence[Any]) -> Iterator[Decimal]:
    """Numbers as SUM sees them: numbers in ranges, and any scalar argument."""
    for arg in args:
        if isinstance(arg, _Range):
            for v in arg.values:
                if isinstance(v, Decimal):
                    yield v
        elif arg is not None:
            yield _number(arg)


def _round(mode: str) -> Callable[[Sequence[Any]], Decimal]:
    rounding = {"ROUND": ROUND_HALF_UP, "ROUNDUP": ROUND_UP, "ROUNDDOWN": ROUND_DOWN,
                "TRUNC": ROUND_DOWN}[mode]

    def apply(args: Sequence[Any]) -> Decimal:
        if not args or len(args) > 2 or (len(args) == 1 and mode != "TRUNC"):
            raise ExcelError("#VALUE!")
        value = _number(_scalar(args[0]))
        digits = int(_number(_scalar(args[1]))) if len(args) > 1 else 0
        return value.quantize(Decimal(1).scaleb(-digits), rounding=rounding)

    return apply


def _criteria(crit: Value) -> Callable[[Value], bool]:
    if isinstance(crit, str):
        m = re.match(r"^(<>|<=|>=|=|<|>)?(.*)$", crit, re.DOTALL)
        assert m is not None
        op, operand = m.group(1) or "=", m.group(2)
        try:
            target: Value = Decimal(operand)
        except InvalidOperation:
            target = operand
        if isinstance(target, str) and ("*" in target or "?" in target):
            pattern = re.compile("^" + re.escape(target).replace(r"\*", ".*").replace(r"\?", ".")
                                 + "$", re.IGNORECASE | re.DOTALL)
            if op in ("=", "<>"):
                want = op == "="
                return lambda v: bool(pattern.match(_text(v))) == want
        return lambda v: (isinstance(v, type(target)) or (v is None and op == "<>")) \
            and _compare(op, v, target)
    return lambda v: v is not None and _compare("=", v, crit)


def _right(text: str, n: int) -> str:
    return text[len(text) - n:] if n > 0 else ""


def _countif(args: Sequence[Any]) -> Decimal:
    if len(args) != 2 or not isinstance(args[0], _Range):
        raise ExcelError("#VALUE!")
    test = _criteria(_scalar(args[1]))
    return Decimal(sum(1 for v in args[0].values if test(v)))


def _sumif(args: Sequence[Any]) -> Decimal:
    if len(args) not in (2, 3) or not isinstance(args[0], _Range):
        raise ExcelError("#VALUE!")
    test = _criteria(_scalar(args[1]))
    sums = args[2] if len(args) == 3 else args[0]
    if not isinstance(sums, _Range) or len(sums.values) != len(args[0].values):
        raise FormulaError("SUMIF ranges of different sizes")
    return sum((v for c, v in zip(args[0].values, sums.values)
                if test(c) and isinstance(v, Decimal)), Decimal(0))


def _sumproduct(args: Sequence[Any]) -> Decimal:
    ranges = [a.values if isinstance(a, _Range) else [_scalar(a)] for a in args]
    if not ranges or len({len(r) for r in ranges}) != 1:
        raise ExcelError("#VALUE!")
    total = Decimal(0)
    for row in zip(*ranges):
        product = Decimal(1)
        for v in row:
            product *= v if isinstance(v, Decimal) else Decimal(0)
        total += product
    return total


def _average(args: Sequence[Any]) -> Decimal:
    nums = list(_numbers(args))
    if not nums:
        raise ExcelError("#DIV/0!")
    return sum(nums, Decimal(0)) / len(nums)


def _separator(p: _Parser) -> str:
    tok = p.take()
    if tok.text not in (",", ";", ")"):
        raise FormulaError(f"expected ',' or ')', found {tok.text!r}")
    return tok.text


def _if(p: _Parser) -> Any:
    """IF evaluates only the branch it takes (the other may well be an error)."""
    cond = _truthy(_scalar(p.comparison()))
    if _separator(p) == ")":
        raise FormulaError("IF needs a value")
    if cond:
        chosen = p.comparison()
    else:
        p.skip_argument()
        chosen = False  # IF(FALSE, x) is FALSE in Excel
    if _separator(p) == ")":
        return chosen
    if cond:
        p.skip_argument()
    else:
        chosen = p.comparison()
    p.expect(")")
    return chosen


def _iferror(p: _Parser) -> Any:
    start = p.i
    try:
        value = _scalar(p.comparison())
        failed = False
    except ExcelError:
        p.i = start
        p.skip_argument()
        failed = True
    if _separator(p) == ")":
        raise FormulaError("IFERROR needs two values")
    if failed:
        value = _scalar(p.comparison())
    else:
        p.skip_argument()
    p.expect(")")
    return value


_LAZY: dict[str, Callable[[_Parser], Any]] = {"IF": _if, "IFERROR": _iferror}

_FUNCTIONS: dict[str, Callable[[Sequence[Any]], Any]] = {
    "SUM": lambda a: sum(_numbers(a), Decimal(0)),
    "MIN": lambda a: min(_numbers(a), default=Decimal(0)),
    "MAX": lambda a: max(_numbers(a), default=Decimal(0)),
    "AVERAGE": _average,
    "COUNT": lambda a: Decimal(sum(1 for _ in _numbers([x for x in a if isinstance(x, _Range)]))
                               + sum(1 for x in a if isinstance(x, Decimal))),
    "COUNTA": lambda a: Decimal(sum(sum(1 for v in x.values if v not in (None, ""))
                                    if isinstance(x, _Range) else 1 for x in a)),
    "ROUND": _round("ROUND"), "ROUNDUP": _round("ROUNDUP"),
    "ROUNDDOWN": _round("ROUNDDOWN"), "TRUNC": _round("TRUNC"),
    "INT": lambda a: _number(_scalar(a[0])).to_integral_value(rounding="ROUND_FLOOR"),
    "ABS": lambda a: abs(_number(_scalar(a[0]))),
    "MOD": lambda a: _number(_scalar(a[0])) - _number(_scalar(a[1])) * (
        _number(_scalar(a[0])) / _number(_scalar(a[1]))).to_integral_value(rounding="ROUND_FLOOR"),
    "AND": lambda a: all(_truthy(v) for x in a for v in (x.values if isinstance(x, _Range) else [_scalar(x)])),
    "OR": lambda a: any(_truthy(v) for x in a for v in (x.values if isinstance(x, _Range) else [_scalar(x)])),
    "NOT": lambda a: not _truthy(_scalar(a[0])),
    "CONCATENATE": lambda a: "".join(_text(_scalar(x)) for x in a),
    "CONCAT": lambda a: "".join(_text(v) for x in a for v in (x.values if isinstance(x, _Range) else [_scalar(x)])),
    "LEN": lambda a: Decimal(len(_text(_scalar(a[0])))),
    "LEFT": lambda a: _text(_scalar(a[0]))[:int(_number(_scalar(a[1]))) if len(a) > 1 else 1],
    "RIGHT": lambda a: _right(_text(_scalar(a[0])), int(_number(_scalar(a[1]))) if len(a) > 1 else 1),
    "MID": lambda a: _text(_scalar(a[0]))[int(_number(_scalar(a[1]))) - 1:
                                          int(_number(_scalar(a[1]))) - 1 + int(_number(_scalar(a[2])))],
    "UPPER": lambda a: _text(_scalar(a[0])).upper(),
    "LOWER": lambda a: _text(_scalar(a[0])).lower(),
    "TRIM": lambda a: re.sub(" +", " ", _text(_scalar(a[0])).strip()),
    "VALUE": lambda a: _number(_scalar(a[0])),
    "COUNTIF": _countif,
    "SUMIF": _sumif,
    "SUMPRODUCT": _sumproduct,
}


def evaluate(tokens: Sequence[Token], grid: Grid, sheet: Optional[str] = None) -> Value:
    """The value of a formula; raises :class:`ExcelError` for Excel error results and
    :class:`FormulaError` when docgen cannot evaluate it."""
    try:
        value = _Parser(tokens, grid, sheet).parse()
    except (InvalidOperation, OverflowError, ZeroDivisionError):
        raise ExcelError("#NUM!") from None
    except (IndexError, TypeError) as exc:
        raise FormulaError(str(exc)) from None
    result = _scalar(value)
    if isinstance(result, Decimal):
        if not result.is_finite():
            raise ExcelError("#NUM!")
        return +result  # apply context precision
    return result


_PLAIN_LIMIT = Decimal(10) ** 27


def format_number(value: Decimal) -> str:
    """A number as spreadsheet XML stores it: plain digits, no exponent, no trailing zeros
    (beyond the decimal context's 28 digits, where Excel keeps 15 anyway: 1E+42)."""
    if abs(value) >= _PLAIN_LIMIT:
        return format(value.normalize(), "E")
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = format(value.normalize(), "f")
    return text


EXCEL_EPOCH = dt.date(1899, 12, 30)


def date_serial(value: Union[dt.date, dt.datetime]) -> Decimal:
    """Excel's serial number (1900 date system) for a date or datetime."""
    if isinstance(value, dt.datetime):
        days = (value.date() - EXCEL_EPOCH).days
        secs = value.hour * 3600 + value.minute * 60 + value.second
        return Decimal(days) + (Decimal(secs) / 86400).quantize(Decimal("1e-10"))
    return Decimal((value - EXCEL_EPOCH).days)
