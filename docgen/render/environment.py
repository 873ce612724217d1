"""The one place where Jinja policy lives: sandbox, strict undefined, escaping, filters.

Templates and data are untrusted. The sandbox blocks attribute tricks
(``''.__class__``); :class:`~.missing.MissingValue` turns a misspelt variable into an
error instead of a silent blank in a client's document (every one of a render at
once, see :mod:`.missing`); ``finalize`` escapes every printed value for XML, so data
can never inject markup.
"""
from __future__ import annotations

import difflib
import re
from contextvars import ContextVar
from typing import Any, Callable, Optional, cast

from jinja2 import TemplateRuntimeError, TemplateSyntaxError, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import i18n as I18nExtension
from jinja2.runtime import Context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..errors import Msg
from ..i18n.catalog import strip_language_marks
from ..messages import N_
from . import limits
from .images import PlacedImage, drawing_wordml
from .markdown import MarkdownText
from .missing import MissingValue, use_missing
from .textmodel import Formatted

# XML 1.0 forbids these characters even as references; Word refuses such files.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
# docxtpl's escapes: \f is a page break in the run; \a ends the paragraph, which only
# the post-render pass (render.breaks) can do: it is marked after a line break, so a
# place that cannot take a new paragraph keeps the line break.
_PAGE_BREAK = '</w:t><w:br w:type="page"/><w:t xml:space="preserve">'
_NEW_PARAGRAPH = '</w:t><w:br/><?docgen-para?><w:t xml:space="preserve">'
_VALUE_BREAKS = {"\a": _NEW_PARAGRAPH, "\f": _PAGE_BREAK}
_VALUE_BREAK_RE = re.compile("([\a\f])")
# Set when a value printed a new-paragraph marker, so that only those renders pay for
# the post-render pass (the renderer resets it before each part).
NEW_PARAGRAPH_PRINTED: ContextVar[bool] = ContextVar("docgen_new_paragraph", default=False)
# The formatted values (Markdown, RichText) a part printed, in print order: each is
# printed as a marker naming its index, which the post-render pass (render.wordrich)
# replaces by paragraphs and runs. The renderer sets a fresh list before each part.
FORMATTED_PRINTED: ContextVar[Optional[list[Formatted]]] = ContextVar(
    "docgen_formatted", default=None)
_FORMATTED = '</w:t><?docgen-rich %d?><w:t xml:space="preserve">'


def is_formatted(value: Any) -> bool:
    """``value`` is :class:`~.textmodel.Formatted` (asked of its type: asking a
    missing value for ``blocks`` would record one more missing value)."""
    kind = type(value)
    return kind is not str and hasattr(kind, "blocks") and hasattr(kind, "plain")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (for text lxml escapes)."""
    return _FORBIDDEN.sub("", text) if _FORBIDDEN.search(text) else text


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    s = value if type(value) is str else str(value)
    # The secondary-language marks (i18n.catalog) are kept for Word; _FORBIDDEN-like
    # cleanup happens below, the marks themselves are removed by the plain finalizer.
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if _FORBIDDEN.search(s):
        s = _FORBIDDEN.sub("", s)
    return s


class RawXML(str):
    """WordprocessingML built by docgen itself; printed as is. Jinja's ``Markup``
    (from ``|safe``, ``|e``, ``|urlize``…) is HTML, not trusted XML: it is unescaped
    back to text and escaped for XML like any other value."""


def _text_of(value: Any) -> Any:
    return value.unescape() if isinstance(value, Markup) else value


def finalize_wordml(value: Any) -> str:
    """Printed value inside ``w:t``: escaped, newlines → ``w:br``, tabs → ``w:tab``,
    ``\f`` → page break, ``\a`` → new paragraph (see render.breaks); an ``image()``
    becomes an inline picture in the same run."""
    if isinstance(value, RawXML):
        return str(value)
    if isinstance(value, PlacedImage):
        return ('</w:t>' + drawing_wordml(value, value.sink.next_drawing_id())
                + '<w:t xml:space="preserve">')
    if is_formatted(value):
        printed = FORMATTED_PRINTED.get()
        if printed is None:  # not rendering a part: no pass will follow
            return finalize_wordml(value.plain())
        printed.append(value)
        return _FORMATTED % (len(printed) - 1)
    value = _text_of(value)
    if type(value) is str and ("\a" in value or "\f" in value):
        if "\a" in value:
            NEW_PARAGRAPH_PRINTED.set(True)
        return "".join(_VALUE_BREAKS.get(piece) or finalize_wordml(piece)
                       for piece in _VALUE_BREAK_RE.split(value))
    s = _xml_text(value)
    if "\n" in s or "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", _BREAK)
    if "\t" in s:
        s = s.replace("\t", _TAB)
    return s


def finalize_plain(value: Any) -> str:
    """Printed value in plain XML text (core properties, shared strings)."""
    if isinstance(value, (RawXML, PlacedImage)):
        return str(value)
    if is_formatted(value):
        value = value.plain()
    return strip_language_marks(_xml_text(_text_of(value)))


FORMAT_FILTERS = (
    "date", "time", "datetime", "number", "percent", "money", "amount_words", "week",
    "daterange",
)

# Names every render supplies; not "fields" a user must provide. Data of the same
# name wins (docgen's helpers stay reachable as ``docgen.image``…), except for the
# internal RESERVED_NAMES, which data may not use (docgen.template says so clearly).
HELPER_NAMES = frozenset({"_", "gettext", "ngettext", "locale", "image", "docgen"})
RESERVED_NAMES = frozenset({"_docgen", "docgen_at"})
PROVIDED_NAMES = HELPER_NAMES | RESERVED_NAMES


_MAX_DIGITS_ARG = 100  # decimal places of |number/|percent: money has 0-3


def _format_filter(name: str) -> Callable[..., str]:
    @pass_context
    def apply(ctx: Context, value: Any, *args: Any, **kwargs: Any) -> str:
        # A missing value: report its name, not "not a number"; a draft leaves it empty.
        if any([use_missing(arg) for arg in (value, *args, *kwargs.values())]):
            return ""
        formatter = ctx.get("_docgen")
        if formatter is None:  # pragma: no cover - every render supplies one
            raise RuntimeError("no formatter bound to this render")
        for arg in (*args, *kwargs.values()):  # digits=10**9 would print for ever
            if isinstance(arg, int) and abs(arg) > _MAX_DIGITS_ARG:
                raise limits.RenderLimitError(limits.TOO_WIDE, size=arg, limit=_MAX_DIGITS_ARG)
        try:
            result: str = getattr(formatter, name)(value, *args, **kwargs)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise TemplateRuntimeError(f"the '{name}' filter cannot format {value!r}: {exc}") from exc
        return result

    apply.__name__ = name
    return apply


def _chinese(ctx: Context) -> bool:
    return str(ctx.get("locale") or "")[:2] == "zh"


# Punctuation that differs by the document's (first) language: Chinese writes
# full-width brackets and colon and lists with 、 (DOMAIN.md typography).
@pass_context
def paren(ctx: Context, value: Any) -> str:
    """``value`` in brackets after the text before it: ``（…）`` in Chinese, `` (…)``
    otherwise; nothing for an empty value."""
    if use_missing(value) or value is None or value == "":
        return ""
    return f"（{value}）" if _chinese(ctx) else f" ({value})"


@pass_context
def colon(ctx: Context, value: Any) -> str:
    """``value`` followed by a colon: ``：`` in Chinese, ``: `` otherwise."""
    if use_missing(value):
        return ""
    return f"{'' if value is None else value}{'：' if _chinese(ctx) else ': '}"


@pass_context
def series(ctx: Context, value: Any) -> str:
    """A list's items joined with ``、`` in Chinese, ``, `` otherwise."""
    if use_missing(value) or value is None:
        return ""
    items = [value] if isinstance(value, str) else list(value)
    return ("、" if _chinese(ctx) else ", ").join(str(v) for v in items)


PUNCTUATION_FILTERS = {"paren": paren, "colon": colon, "series": series}


def md(value: Any) -> Any:
    """``{{ notes|md }}``: the value read as Markdown (render.markdown), printed as
    paragraphs, lists and emphasis in Word, as plain text where formatting has no
    place; a formatted value stays as it is, a missing value stays missing, an empty
    one prints nothing."""
    if use_missing(value) or value is None:
        return ""
    if is_formatted(value):
        return value
    text = str(_text_of(value))
    return MarkdownText(text) if text else ""


class _BudgetedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``{% for %}`` iterating through
    :func:`.limits.ticking`, every ``~`` checked and every block buffer counted, so
    loops, joins and macros keep to the render's budget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop_iterables: list[Optional[nodes.Node]] = []

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        self._loop_iterables.append(node.iter)
        try:
            super().visit_For(node, frame)
        finally:
            self._loop_iterables.pop()

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if self._loop_iterables and node is self._loop_iterables[-1]:
            self._loop_iterables[-1] = None  # once: it is visited once
            self.write("environment.docgen_ticking(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.docgen_checked(")
        super().visit_Concat(node, frame)
        self.write(")")

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.docgen_buffer()")


class DocgenSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with :mod:`.limits`: the operators that can make a value grow are
    intercepted — so never folded into a constant while compiling — and checked, as
    are calls of growing methods (``'a'.ljust(n)``, ``'{:>9}'.format``); calls,
    operators and loop iterations count against the render's time (attribute and item
    lookups cannot repeat by themselves: not counted, they are the most frequent);
    output is counted (``concat``)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BudgetedCodeGenerator
    concat = staticmethod(limits.concat)  # type: ignore[assignment]
    docgen_ticking = staticmethod(limits.ticking)
    docgen_checked = staticmethod(limits.check_value)
    docgen_buffer = limits.CountedBuffer

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return limits.binop(operator, left, right)

    def call(__self, __context: Context, __obj: Any,  # noqa: N805 - Jinja's signature
             *args: Any, **kwargs: Any) -> Any:
        limits.check_call(__obj, args, kwargs)  # ticks too
        # SandboxedEnvironment.call, without one more frame: this runs at every call
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{__obj!r} is not safely callable")
        return limits.check_value(__context.call(__obj, *args, **kwargs))


def make_environment(finalize: Callable[[Any], str]) -> ImmutableSandboxedEnvironment:
    """A sandboxed Jinja environment with docgen's filters and limits; shared by all
    templates."""
    env = DocgenSandbox(
        undefined=MissingValue,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
        extensions=[I18nExtension],
        cache_size=0,
        auto_reload=False,
    )
    env.filters.update(limits.checked_filters(env.filters))
    env.globals["lipsum"] = limits.checked_lipsum(cast(Callable[..., str], env.globals["lipsum"]))
    for name in FORMAT_FILTERS:
        env.filters[name] = _format_filter(name)
    env.filters.update(PUNCTUATION_FILTERS)
    env.filters["md"] = md
    _FILTER_NAMES.update(env.filters)
    return env


_FILTER_NAMES: set[str] = set()  # every filter templates can use, for suggestions


END_OF_TEMPLATE = N_("the template ends inside an open tag or block")
_NO_FILTER = re.compile(r"^No filter named '([^']+)'")
_NO_TEST = re.compile(r"^No test named '([^']+)'")
_UNKNOWN_TAG = re.compile(r"^Encountered unknown tag '([^']+)'")
# docxtpl's cell tags, which docgen's Word lowering turns into cell properties (merge,
# span, shading); anywhere else Jinja sees an unknown tag.
_WORD_CELL_TAGS = ("hm", "colspan", "cellbg")
WORD_CELL_TAG_ELSEWHERE = N_("'{{% {name} %}}' works only in a cell of a Word table; in "
                             "Excel, merge or shade the cells in the template itself")


def syntax_detail(exc: TemplateSyntaxError) -> Msg:
    """Jinja's syntax error as a message docgen can translate (the common ones), with
    a suggestion for a misspelt filter."""
    text = exc.message or ""
    m = _NO_FILTER.match(text)
    if m:
        close = difflib.get_close_matches(m.group(1), sorted(_FILTER_NAMES), n=1)
        if close:
            return Msg(N_("there is no filter '{name}' (did you mean '{suggestion}'?)"),
                       {"name": m.group(1), "suggestion": close[0]})
        return Msg(N_("there is no filter '{name}'"), {"name": m.group(1)})
    m = _NO_TEST.match(text)
    if m:
        return Msg(N_("there is no test '{name}'"), {"name": m.group(1)})
    m = _UNKNOWN_TAG.match(text)
    if m and m.group(1) in _WORD_CELL_TAGS:  # read only in a Word table cell (wordml)
        return Msg(WORD_CELL_TAG_ELSEWHERE, {"name": m.group(1)})
    if m:
        return Msg(N_("'{name}' is not a tag here (a block may be closed twice or not "
                      "opened)"), {"name": m.group(1)})
    if text.lower().startswith("unexpected end of template"):
        return Msg(END_OF_TEMPLATE)
    return Msg(N_("check the brackets, quotes and operators of this tag ({detail})"), {"detail": text})


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'(.+)' has no attribute '([^']+)'$")


def undefined_detail(exc: Exception) -> Msg:
    """Jinja's undefined-variable message as a message docgen can translate."""
    text = getattr(exc, "message", None) or str(exc)
    m = _UNDEFINED.match(text)
    if m:
        return Msg(N_("'{name}' is not in the data (check the spelling, or add it to the "
                      "data)"), {"name": m.group(1)})
    m = _NO_ATTRIBUTE.match(text)
    if m:
        return Msg(N_("the value has no field '{name}' (check the spelling)"),
                   {"name": m.group(2)})
    return Msg(N_("check the brackets, quotes and operators of this tag ({detail})"), {"detail": text})
