"""Size and time limits for rendering untrusted templates.

The sandbox keeps a template from reaching anything; these limits keep it from
taking all the memory or time there is. ``{{ 'a'*10**9 }}`` would otherwise be folded
into a constant while the template *compiles* (so even ``docgen template check``
hung), and ``{% for i in range(99999) %}{% for j in range(99999) %}`` runs for hours.

- Every operator that can make a value grow (``*``, ``**``, ``+``, ``%``, ``~``) and
  every filter or string method that can (``center``, ``indent``, ``wordwrap``,
  ``replace``, ``join``, ``format``, ``batch``, ``slice``, ``list``, ``tojson``,
  ``round``, ``sum``…) refuses a result over :data:`MAX_TEXT` characters,
  :data:`MAX_ITEMS` items or :data:`MAX_INT_DIGITS` digits *before* making it.
- Every render has a budget (:func:`render_budget`, one per document): at most
  :data:`RENDER_SECONDS` seconds and :data:`MAX_OUTPUT` characters of output. The
  clock is read every :data:`_TICKS` sandbox operations or loop iterations, so
  documents pay almost nothing for it.

A limit reached is a :class:`RenderLimitError` (a Jinja runtime error: the renderer
reports it as a template error, exit 3, at the part and paragraph or sheet and cell).
"""
from __future__ import annotations

import decimal
import functools
import itertools
import operator
import re
import string
import time
import types
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar, cast

from jinja2 import TemplateRuntimeError

from ..errors import Msg
from ..messages import N_

# A text value made by an operator or filter. Ten million characters is ~3,000 pages
# of text; Word's paragraphs and Excel's cells (32,767) hold far less. Data values are
# not limited here (the readers limit them), only what a template makes of them.
MAX_TEXT = 10_000_000
# Items of a list made by an operator or filter: no table of a real document has a
# million rows (an Excel sheet holds 1,048,576 in all).
MAX_ITEMS = 1_000_000
# Digits of an integer: Python itself refuses to print an int of more than 4,300
# digits, and no amount or count in a document has more than a few dozen.
MAX_INT_DIGITS = 4_300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.33) + 1  # log2(10) bits a digit
# Width or precision in a format (``'%.5f'``, ``'{:>20}'``) or a rounding precision:
# a column is never wider than a few hundred characters.
MAX_WIDTH = 10_000
# Characters a document's templates may print in all. The largest real WordprocessingML
# part is a few megabytes (a 500-page report ~ 20 MB); a hostile loop reaches this in
# a fraction of a second instead of filling the memory.
MAX_OUTPUT = 100_000_000
# Seconds one document may take to render. Real documents take milliseconds; the
# largest we measured (a weekly workbook of 10,000 tasks) took 17 s on a busy 2-core
# machine, so a slow laptop keeps a wide margin; a template looping for hours stops.
RENDER_SECONDS = 120.0
# Rows of a worksheet: Excel's own limit (a sheet with more does not open).
MAX_SHEET_ROWS = 1_048_576
_TICKS = 1024  # sandbox operations between two looks at the clock
_CHUNK = 64  # output pieces counted at once (a piece is at most a value's size)

TOO_LONG = N_("the template makes a text of {size} characters; the limit is {limit}")
TOO_MANY = N_("the template makes a list of {size} items; the limit is {limit}")
TOO_BIG = N_("the template makes a number of about {size} digits; the limit is {limit}")
TOO_WIDE = N_("a width or precision of {size} in the template; the limit is {limit}")
TOO_SLOW = N_("rendering took more than {limit} seconds (a loop that runs too often?); "
              "the template stops here")
TOO_MANY_ROWS = N_("the sheet would have more than {limit} rows, more than Excel "
                   "allows (a row loop that runs too often?)")
TOO_MUCH = N_("the template prints more than {limit} characters in all (a loop that runs "
              "too often?); it stops here")


class RenderLimitError(TemplateRuntimeError):
    """A limit of this module was reached; :attr:`message` is a translatable
    :class:`~docgen.errors.Msg` (the renderers put it in their located error)."""

    def __init__(self, message: str, **params: Any) -> None:
        self.detail = Msg(message, {k: f"{v:,}" if isinstance(v, int) else v
                                    for k, v in params.items()})
        super().__init__(self.detail.text())

    @property
    def message(self) -> Any:  # a Msg: translated with the error that holds it
        return self.detail


class _Budget:
    __slots__ = ("deadline", "output", "ticks")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.output = MAX_OUTPUT
        self.ticks = _TICKS


_BUDGET: ContextVar[Optional[_Budget]] = ContextVar("docgen_render_budget", default=None)


class render_budget:
    """``with render_budget():`` — one budget for everything rendered inside (a
    document's parts and cells); inside another one, the outer one goes on."""

    def __enter__(self) -> None:
        self._token = _BUDGET.set(_BUDGET.get() or _Budget())

    def __exit__(self, *exc: object) -> None:
        _BUDGET.reset(self._token)


_F = TypeVar("_F", bound=Callable[..., Any])


def budgeted(method: _F) -> _F:
    """``method`` run within one :func:`render_budget` (a document renderer)."""
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with render_budget():
            return method(*args, **kwargs)
    return cast(_F, run)


def tick() -> None:
    """Count one operation against the render's time (the clock is read every
    _TICKS); outside a render, nothing."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.ticks -= 1
        if budget.ticks <= 0:
            budget.ticks = _TICKS
            if time.monotonic() > budget.deadline:
                raise RenderLimitError(TOO_SLOW, limit=f"{RENDER_SECONDS:g}")


class _Ticking:
    """A ``{% for %}`` loop's iterable, ticking at each item (``len`` still works for
    ``loop.length``)."""

    __slots__ = ("_iterable", "_iterator")

    def __init__(self, iterable: Iterable[Any]) -> None:
        self._iterable = iterable
        self._iterator = iter(iterable)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        tick()
        return next(self._iterator)

    def __len__(self) -> int:
        return len(self._iterable)  # type: ignore[arg-type]  # TypeError: Jinja counts


def ticking(iterable: Any) -> Any:
    """What a compiled ``{% for %}`` iterates over (see environment's code generator)."""
    try:
        return _Ticking(iterable)
    except TypeError:  # not iterable: let Jinja say so as it would
        return iterable


def _spend(size: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.output -= size
        if budget.output < 0:
            raise RenderLimitError(TOO_MUCH, limit=MAX_OUTPUT)


def concat(pieces: Iterable[str]) -> str:
    """The environment's ``concat`` (what ``Template.render`` joins its output with):
    the output counted against the render's budget as it is made; a template rendered
    on its own gets a budget of its own."""
    budget = _BUDGET.get()
    if budget is None:
        with render_budget():
            return concat(pieces)
    out: list[str] = []
    left = budget.output  # renders nested in this one are counted by their own concat
    size = 0
    pieces = iter(pieces)
    while True:  # in chunks: a check per piece would cost documents more than it saves
        chunk = list(itertools.islice(pieces, _CHUNK))
        if not chunk:
            break
        size += sum(map(len, chunk))
        if size > left:
            raise RenderLimitError(TOO_MUCH, limit=MAX_OUTPUT)
        out += chunk
    budget.output -= size
    return "".join(out)


class CountedBuffer(list[Any]):
    """The output buffer of a macro, ``{% set %}`` or ``{% call %}`` block, counted
    like the output (a macro looping inside would otherwise grow unseen)."""

    def append(self, piece: Any) -> None:
        _spend(len(piece) if isinstance(piece, str) else 1)
        super().append(piece)

    def extend(self, pieces: Iterable[Any]) -> None:
        pieces = tuple(pieces)
        _spend(sum(len(p) if isinstance(p, str) else 1 for p in pieces))
        super().extend(pieces)


# --- values ------------------------------------------------------------------------


def check_value(value: Any) -> Any:
    """``value`` unless it is a text, list or integer over the limits."""
    kind = type(value)
    if kind is str:  # the common case first: this runs after every call
        if len(value) > MAX_TEXT:
            raise RenderLimitError(TOO_LONG, size=len(value), limit=MAX_TEXT)
        return value
    if kind is int:
        if value.bit_length() > _MAX_INT_BITS:
            raise RenderLimitError(TOO_BIG, size=int(value.bit_length() / 3.33),
                                   limit=MAX_INT_DIGITS)
        return value
    if isinstance(value, (str, bytes)):
        if len(value) > MAX_TEXT:
            raise RenderLimitError(TOO_LONG, size=len(value), limit=MAX_TEXT)
    elif isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            raise RenderLimitError(TOO_MANY, size=len(value), limit=MAX_ITEMS)
    return value


def _length(value: Any) -> Optional[int]:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _check_length(size: int, sample: Any) -> None:
    """Refuse making a text (or list, as ``sample`` is) of ``size``."""
    if isinstance(sample, (list, tuple)):
        if size > MAX_ITEMS:
            raise RenderLimitError(TOO_MANY, size=size, limit=MAX_ITEMS)
    elif size > MAX_TEXT:
        raise RenderLimitError(TOO_LONG, size=size, limit=MAX_TEXT)


def _check_width(width: Any) -> None:
    if isinstance(width, int) and abs(width) > MAX_WIDTH:
        raise RenderLimitError(TOO_WIDE, size=width, limit=MAX_WIDTH)


def _repeat(seq: Any, times: Any) -> None:
    size = _length(seq)
    if size is not None and isinstance(times, int) and not isinstance(times, bool):
        _check_length(size * max(times, 0), seq)


def _power(base: Any, exponent: Any) -> None:
    if type(base) is int and type(exponent) is int and exponent > 0 and abs(base) > 1:
        bits = (abs(base).bit_length() - 1) * exponent
        if bits > _MAX_INT_BITS:
            raise RenderLimitError(TOO_BIG, size=int(bits / 3.33), limit=MAX_INT_DIGITS)


# ``%`` conversions: flags, width and precision (``*`` takes them from the values)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def check_percent_format(text: Any, values: Any) -> None:
    """``text % values`` (the ``%`` operator, ``|format``) with no width or precision
    over :data:`MAX_WIDTH`."""
    if not isinstance(text, str) or "%" not in text:
        return
    for width, precision in _PERCENT_SPEC.findall(text):
        for n in (width, precision):
            if n == "*":
                items = values if isinstance(values, tuple) else (values,)
                for item in items:
                    _check_width(item)
            elif n:
                _check_width(int(n))


@functools.lru_cache(maxsize=512)
def _brace_specs(text: str) -> tuple[int, bool]:
    """The largest number in the format specs of ``text`` and whether a spec takes
    a value (``{:{w}}``); a text that does not parse has none (str.format says why)."""
    largest, nested = 0, False
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return 0, False
    for _, _, spec, _ in parsed:
        if spec:
            largest = max([largest, *(int(n) for n in _DIGITS.findall(spec))])
            if "{" in spec:
                inner, _ = _brace_specs(spec)
                largest, nested = max(largest, inner), True
    return largest, nested


def check_brace_format(text: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """``text.format(...)`` with no width or precision over :data:`MAX_WIDTH`
    (a spec taking them from the values, ``{:{w}}``, has the values checked)."""
    largest, nested = _brace_specs(text)
    if largest > MAX_WIDTH:
        raise RenderLimitError(TOO_WIDE, size=largest, limit=MAX_WIDTH)
    if nested:
        for value in (*args, *kwargs.values()):
            _check_width(value)


_NO_GROWTH = frozenset({int, float, bool, decimal.Decimal})  # under + and %: at most a bit
_NO_REPEAT = frozenset({float, bool, decimal.Decimal})  # under *: no more digits than fit


def binop(operator: str, left: Any, right: Any) -> Any:
    """``left <operator> right`` (``*``, ``**``, ``+``, ``%``), refused before it is
    computed when the result would be over the limits."""
    if operator == "+" or operator == "%":
        if type(left) in _NO_GROWTH and type(right) in _NO_GROWTH:
            return _OPERATORS[operator](left, right)
    elif operator == "*" and (type(left) in _NO_REPEAT or type(right) in _NO_REPEAT):
        return left * right
    check_binop(operator, left, right)
    return check_value(_OPERATORS[operator](left, right))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "**": operator.pow, "+": operator.add, "%": operator.mod}


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left <operator> right`` when its result would be over the limits."""
    if operator == "*":
        _repeat(left, right)
        _repeat(right, left)
    elif operator == "**":
        _power(left, right)
    elif operator == "+":
        a, b = _length(left), _length(right)
        if a is not None and b is not None:
            _check_length(a + b, left)
    elif operator == "%":
        check_percent_format(left, right)


_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_FORMATS = frozenset({"format", "format_map"})


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a call of a growing method of a text or an integer (``'a'.ljust(10**9)``,
    ``'{:>999999999}'.format(1)``, ``(1).to_bytes(10**9)``) before it runs; the
    call counts against the render's time (a macro calling itself twice over)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.ticks -= 1
        if budget.ticks <= 0:
            tick()
    if type(obj) is not types.BuiltinMethodType:
        # the sandbox's wrapper of str.format / format_map (wrap_str_format)
        inner = getattr(obj, "__wrapped__", None)
        if type(inner) is types.BuiltinMethodType and inner.__name__ in _FORMATS \
                and isinstance(inner.__self__, str):
            mapping = args[0] if inner.__name__ == "format_map" and args else kwargs
            check_brace_format(inner.__self__, args if mapping is kwargs else (),
                               mapping if isinstance(mapping, dict) else {})
        return
    assert isinstance(obj, types.BuiltinMethodType)
    owner = obj.__self__
    name = obj.__name__
    first = args[0] if args else None
    if isinstance(owner, (str, bytes)):
        if name in _FORMATS and isinstance(owner, str):  # Jinja < 3.1.5 calls them here
            mapping = first if name == "format_map" else kwargs
            check_brace_format(owner, args if mapping is kwargs else (),
                               mapping if isinstance(mapping, dict) else {})
        elif name in _WIDTH_METHODS:
            width = kwargs.get("width", first)
            if isinstance(width, int):
                _check_length(width, owner)
        elif name == "expandtabs":
            size = kwargs.get("tabsize", first)
            if isinstance(size, int):
                _check_length(len(owner) * max(size, 1), owner)
        elif name == "replace" and len(args) >= 2:
            _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
        elif name == "join" and args:
            _check_join(owner, args[0])
    elif type(owner) is int and name == "to_bytes":
        length = kwargs.get("length", 1 if first is None else first)
        if isinstance(length, int):
            _check_length(length, b"")


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        found = text.count(old)
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        _check_length(len(text) + found * (len(new) - len(old)), text)


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(separator, str) and isinstance(items, (list, tuple)):
        _check_length(len(separator) * max(len(items) - 1, 0), separator)


# --- filters -----------------------------------------------------------------------


def _checked(name: str, filter_: Callable[..., Any],
             before: Optional[Callable[..., None]]) -> Callable[..., Any]:
    """``filter_`` with ``before`` (given the filter's own arguments) run first and its
    result checked (a Jinja filter's pass-context marker is kept)."""
    skip = 1 if getattr(filter_, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(filter_)
    def run(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            before(*args[skip:], **kwargs)
        return check_value(filter_(*args, **kwargs))

    return run


def _center(value: Any, width: Any = 80) -> None:
    _check_width(width)


def _indent(s: Any, width: Any = 4, *args: Any, **kwargs: Any) -> None:
    lines = str(s).count("\n") + 1 if isinstance(s, str) else 1
    size = width if isinstance(width, int) else len(width) if isinstance(width, str) else 0
    _check_length(len(str(s)) + lines * max(size, 0), "")


def _wordwrap(s: Any, width: Any = 79, break_long_words: Any = True,
              wrapstring: Any = None, *args: Any, **kwargs: Any) -> None:
    wrap = kwargs.get("wrapstring", wrapstring)
    text = str(s)
    _check_length(len(text), text)
    if isinstance(wrap, str):
        _check_length(len(text) * (1 + len(wrap)), text)


def _replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    _check_replace(str(s), str(old), str(new), -1 if count is None else count)


def _join(value: Any, d: Any = "", *args: Any, **kwargs: Any) -> None:
    _check_join(str(d), value if isinstance(value, (list, tuple)) else None)


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    check_percent_format(str(value), tuple(args) or tuple(kwargs.values()))


def _count_arg(value: Any, count: Any, *args: Any, **kwargs: Any) -> None:
    if isinstance(count, int):
        _check_length(count, [])


def _list(value: Any) -> None:
    size = _length(value)
    if size is not None:
        _check_length(size, [])


def _tojson(value: Any, indent: Any = None) -> None:
    _check_width(indent)


def _round(value: Any, precision: Any = 0, *args: Any, **kwargs: Any) -> None:
    if isinstance(precision, int) and abs(precision) > 100:
        raise RenderLimitError(TOO_WIDE, size=precision, limit=100)


def _sum(iterable: Any, attribute: Any = None, start: Any = 0) -> None:
    if isinstance(start, (list, tuple)) and isinstance(iterable, (list, tuple)):
        _check_length(sum(len(x) for x in iterable if isinstance(x, (list, tuple))), [])


_BEFORE: dict[str, Callable[..., None]] = {
    "center": _center, "indent": _indent, "wordwrap": _wordwrap, "replace": _replace,
    "join": _join, "format": _format, "batch": _count_arg, "slice": _count_arg,
    "list": _list, "tojson": _tojson, "round": _round, "sum": _sum,
}


# Filters whose result can be larger than what they are given, but not by a factor
# a template chooses: only their result is checked.
_GROWING = ("e", "escape", "forceescape", "urlize", "pprint", "xmlattr", "string")


def checked_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Those of Jinja's built-in ``filters`` that can make a large value, with their
    result checked and the ones that can blow up refusing to start (the others —
    ``length``, ``default``, ``upper``… — make nothing larger than what they get). A
    filter raising at compile time is simply not folded into a constant: it raises
    again, located, when the template renders."""
    return {name: _checked(name, f, _BEFORE.get(name)) for name, f in filters.items()
            if name in _BEFORE or name in _GROWING}


def checked_lipsum(lipsum: Callable[..., str]) -> Callable[..., str]:
    """Jinja's ``lipsum`` global with at most 100 paragraphs of at most 1,000 words."""
    def run(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        if any(isinstance(v, int) and v > limit for v, limit in ((n, 100), (min, 1000),
                                                               (max, 1000))):
            raise RenderLimitError(TOO_MANY, size=n * max, limit=100_000)
        return lipsum(n, html, min, max)
    return run
