"""Values a template reads that the data does not have: all of them, each located.

Strict by default, but never "only the first": during a render every use of a
missing value is recorded (with where the template reads it) and rendering goes on
with the value empty, so that one run names every missing value at once. After the
render, ``missing="error"`` raises :class:`MissingValuesError` listing them all and
nothing is written; ``missing="blank"`` keeps the document and warns about each.

Outside a render scope (``collecting``) :class:`MissingValue` is as strict as
Jinja's ``StrictUndefined``: the first use raises, and the engine locates it.

Where a value is read is found from the call stack at the moment it is used: the
compiled Jinja code of a Word part or an Excel row carries the template line, and
the engine frames below it hold the part, row or cell being rendered. This costs
nothing unless a value is missing.
"""
from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Callable, Iterator, NoReturn, Optional, Sequence

from jinja2 import Undefined, UndefinedError
from jinja2.utils import missing as _NO_OBJECT

from ..errors import Msg, SourceLocation, TemplateError
from ..messages import N_

MISSING_MODES = ("error", "blank")
_MAX_FRAMES = 80
_ENGINE_MODULES = ("docgen.render.docx", "docgen.render.sheet")


@dataclass(frozen=True)
class MissingUse:
    """One missing value as found on the stack (located after the render)."""

    name: Any  # the variable, field or index that is missing
    top_level: bool  # a variable (True), or a field of a value that exists
    hint: Optional[str]  # Jinja's message for other undefined values ("No first item…")
    jinja_file: Optional[str]
    jinja_line: Optional[int]
    places: tuple[tuple[str, Any, Any], ...]  # (function, self, cell/loop/ident), innermost first


class MissingLog:
    """The missing values of one render, each recorded once per place."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.uses: dict[tuple[Any, ...], MissingUse] = {}

    def record(self, value: Undefined) -> None:
        name = value._undefined_name
        top = value._undefined_obj is _NO_OBJECT
        hint = value._undefined_hint
        jinja_file, jinja_line, places = _evidence(sys._getframe(2))
        key = (repr(name), top, hint, jinja_file, jinja_line,
               tuple((fn, id(s), id(c)) for fn, s, c in places))
        if key not in self.uses:
            self.uses[key] = MissingUse(name, top, hint, jinja_file, jinja_line, places)


_ACTIVE: contextvars.ContextVar[Optional[MissingLog]] = contextvars.ContextVar(
    "docgen_missing_log", default=None)


@contextmanager
def collecting(mode: str) -> Iterator[MissingLog]:
    """Record missing values instead of failing at the first, for one render."""
    log = MissingLog(mode)
    token = _ACTIVE.set(log)
    try:
        yield log
    finally:
        _ACTIVE.reset(token)


def _engine_files() -> set[str]:
    return {getattr(sys.modules.get(m), "__file__", None) or "" for m in _ENGINE_MODULES}


def _evidence(frame: Optional[FrameType]) -> tuple[Optional[str], Optional[int],
                                                    tuple[tuple[str, Any, Any], ...]]:
    """The innermost compiled-template frame (file, line) and the engine objects
    (part, row program, sheet, cell, loop) the frames below it are working on."""
    jinja_file = jinja_line = None
    places: list[tuple[str, Any, Any]] = []
    engines = _engine_files()
    depth = 0
    while frame is not None and depth < _MAX_FRAMES:
        filename = frame.f_code.co_filename
        if filename.startswith("<docgen "):
            if jinja_file is None:
                jinja_file, jinja_line = filename, frame.f_lineno
        elif filename in engines:
            local = frame.f_locals
            what = local.get("cell", local.get("loop", local.get("ident")))
            places.append((frame.f_code.co_name, local.get("self"), what))
        frame = frame.f_back
        depth += 1
    return jinja_file, jinja_line, tuple(places)


class MissingValue(Undefined):
    """Jinja's undefined value, collected during a render (see the module docstring).

    Used in any way — printed, tested, iterated, computed with, passed to a filter —
    it is recorded and behaves as empty: ``""``, false, no items, and what is computed
    from it is missing too. Only ``is defined`` and ``default`` see it without a record.
    """

    __slots__ = ()

    def _use(self) -> None:
        log = _ACTIVE.get()
        # Not a missing value but the sandbox refusing ('' .__class__): always fails.
        if log is None or not issubclass(self._undefined_exception, UndefinedError):
            Undefined._fail_with_undefined_error(self)
        else:
            log.record(self)

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._use()
        return self

    def _propagate(self, *args: Any, **kwargs: Any) -> "MissingValue":
        self._use()
        for other in args:  # qty * price with both missing: both are named
            if isinstance(other, MissingValue) and other is not self:
                other._use()
        return self

    def _false(self, *args: Any) -> bool:
        self._use()
        return False

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        self._use()
        return self

    def __str__(self) -> str:
        self._use()
        return ""

    def __iter__(self) -> Iterator[Any]:
        self._use()
        return iter(())

    def __reversed__(self) -> Iterator[Any]:
        self._use()
        return iter(())

    def __bool__(self) -> bool:
        self._use()
        return False

    def __len__(self) -> int:
        self._use()
        return 0

    def __int__(self) -> int:  # type: ignore[override]
        self._use()
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        self._use()
        return 0.0

    def __complex__(self) -> complex:  # type: ignore[override]
        self._use()
        return 0j

    def __hash__(self) -> int:
        self._use()
        return id(type(self))

    # Jinja types these "never return"; here they give the missing value (or False).
    __add__ = __radd__ = __sub__ = __rsub__ = _propagate  # type: ignore[assignment]
    __mul__ = __rmul__ = __mod__ = __rmod__ = _propagate  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = _propagate  # type: ignore[assignment]
    __floordiv__ = __rfloordiv__ = _propagate  # type: ignore[assignment]
    __pos__ = __neg__ = __pow__ = __rpow__ = _propagate  # type: ignore[assignment]
    __abs__ = __round__ = __call__ = __getitem__ = _propagate  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = __contains__ = _false  # type: ignore[assignment]
    __eq__ = __ne__ = _false  # type: ignore[assignment]


def strict_failure(value: Undefined) -> NoReturn:
    """Raise Jinja's undefined error for ``value`` (whatever its class)."""
    Undefined._fail_with_undefined_error(value)
    raise AssertionError("unreachable")  # pragma: no cover


def use_missing(value: Any) -> bool:
    """For helpers (filters, ``image()``): ``True`` when ``value`` is missing and the
    render collects missing values (it is recorded; the caller gives an empty result);
    raises when the render is strict; ``False`` for a real value."""
    if not isinstance(value, Undefined):
        return False
    if isinstance(value, MissingValue):
        value._use()
        return True
    strict_failure(value)


# ------------------------------------------------------------------------ reporting

MISSING_NAME = N_("'{name}' is not in the data (check the spelling, or add it to the data)")
MISSING_FIELD = N_("the value has no field '{name}' (check the spelling)")


def detail_of(use: MissingUse) -> Msg:
    """What is missing, as a message docgen can translate."""
    if use.hint:
        return Msg(N_("there is no such value ({detail})"), {"detail": use.hint})
    if use.top_level:
        return Msg(MISSING_NAME, {"name": use.name})
    return Msg(MISSING_FIELD, {"name": use.name})


Locator = Callable[[MissingUse], tuple[SourceLocation, Optional[str]]]


def missing_errors(log: MissingLog, locate: Locator,
                   order: Callable[[SourceLocation], Any]) -> list[TemplateError]:
    """One located "undefined variable" error per missing value and place, in
    reading order."""
    found: dict[tuple[Any, ...], TemplateError] = {}
    for use in log.uses.values():
        where, excerpt = locate(use)
        detail = detail_of(use)
        key = (detail.message, repr(sorted(detail.params.items())), where)
        if key not in found:
            found[key] = TemplateError("undefined variable: {detail}", where, code="undefined",
                                       params={"detail": detail}, excerpt=excerpt)
    return sorted(found.values(), key=lambda e: order(e.location or SourceLocation()))


class MissingValuesError(TemplateError):
    """Values the template reads are missing from the data (every one, each located).

    With one missing value it reads exactly like that value's own error; with more,
    a count and then each value on its own line."""

    def __init__(self, errors: Sequence[TemplateError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        if len(self.errors) == 1:
            super().__init__(first.template, first.location, code="undefined",
                             params=dict(first.params), excerpt=first.excerpt)
        else:
            super().__init__(N_("{count} values the template reads are not in the data "
                                "(add them, or use --missing blank for a draft):"),
                             first.location, code="undefined",
                             params={"count": len(self.errors)})

    def __reduce__(self) -> tuple[Any, ...]:  # batch workers send it to the parent
        return (type(self), (self.errors,))

    def localized(self, translate: Callable[[str], str]) -> str:
        if len(self.errors) == 1:
            return self.errors[0].localized(translate)
        lines = [Msg(self.template, self.params).text(translate)]
        for e in self.errors:
            lines.append("  " + e.localized(translate).replace("\n", "\n  "))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.localized(lambda s: s)
