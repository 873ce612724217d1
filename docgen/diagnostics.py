"""Template diagnostics: every problem of a Word or Excel template at once, located.

:func:`check_template` compiles a template the way rendering does, but collects
problems instead of stopping at the first one:

* Word: every XML part compiles on its own, so a broken header and a broken body
  are two problems. Within a part Jinja stops at its first syntax error; the part's
  tags are then checked one by one, paragraph by paragraph (block tags are matched
  across paragraphs), so that every bad tag and every unclosed or unmatched block is
  reported at its paragraph, with the paragraph's text as excerpt.
* Excel: every bad cell, header and row block (``{%tr %}``), by ``sheet!cell``.
* With a kind: every variable the template reads that the kind does not provide,
  at its first use, with a "did you mean" suggestion.

Problems keep their message as an English msgid plus parameters, so the CLI prints
them in the user's language.
"""
from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence

import jinja2
from jinja2 import meta, nodes

from .errors import DocgenWarning, Problem, SourceLocation, TemplateError
from .messages import N_
from .render.docx import BrokenPart, DocxTemplate
from .render.environment import END_OF_TEMPLATE, PROVIDED_NAMES, syntax_detail
from .render.wordml import level_of, paragraph_tags
from .render.xlsx import XlsxTemplate
from .template import Source, read_source, sniff_format

if TYPE_CHECKING:
    from .kinds import Kind

UNKNOWN_VARIABLE = "unknown_variable"
_BLOCKS = frozenset({"for", "if", "macro", "call", "filter", "with", "autoescape", "block",
                     "trans", "set"})
_STATEMENT = re.compile(r"^\{%[-+]?\s*(.*?)\s*[-+]?%\}$", re.DOTALL)
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


# A template's problems are :class:`~docgen.errors.Problem` like every other finding
# (an English msgid with parameters, where it is, and the text it is in: a Word
# paragraph, an Excel cell's tags); the name stays for readers of older code.
TemplateProblem = Problem


def _tp(code: str, message: str, location: SourceLocation,
        params: Optional[Mapping[str, Any]] = None, excerpt: Optional[str] = None,
        severity: str = "error") -> Problem:
    return Problem("", code, message, severity, location, params=params, excerpt=excerpt)


@dataclass
class Use:
    """Where a variable is first read."""

    location: SourceLocation
    excerpt: Optional[str]
    order: tuple[Any, ...]


@dataclass
class TemplateReport:
    """What :func:`inspect_template` found: the problems and the variables read."""

    file: str
    format: str  # "docx" | "xlsx"
    problems: list[TemplateProblem] = field(default_factory=list)
    uses: dict[str, Use] = field(default_factory=dict)  # variable -> first use
    sheets: list[str] = field(default_factory=list)  # Excel: sheet names in workbook order

    @property
    def fields(self) -> set[str]:
        """Top-level variables the template reads that the data must provide."""
        return set(self.uses) - PROVIDED_NAMES

    @property
    def provided(self) -> set[str]:
        """Names the template reads that docgen provides when the data does not
        (``locale``, ``image``, ``_``…)."""
        return set(self.uses) & PROVIDED_NAMES

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def check_template(source: Source, kind: Optional["Kind"] = None, *,
                   name: Optional[str] = None) -> list[TemplateProblem]:
    """Every problem of the template ``source`` (a path or the file's bytes), sorted by
    location; with ``kind``, also every variable the kind does not provide. ``name``
    is the file name to report (default: the path; ``<template>`` for bytes)."""
    return inspect_template(source, kind, name=name).problems


def inspect_template(source: Source, kind: Optional["Kind"] = None, *,
                     name: Optional[str] = None) -> TemplateReport:
    """Compile ``source`` collecting all problems; record where each variable is read."""
    report = _inspect(source, name)
    if kind is not None:
        report.problems.extend(unknown_variables(report, kind))
        report.problems.sort(key=lambda p: _order(p.location, report))
    return report


def unknown_variables(report: TemplateReport, kind: "Kind") -> list[TemplateProblem]:
    """A problem for each variable ``report`` reads that ``kind`` does not provide."""
    provided = kind.provided_names()
    out = []
    for var in sorted(report.fields - provided):
        use = report.uses[var]
        close = difflib.get_close_matches(var, sorted(provided), n=1, cutoff=0.7)
        if close:
            message = N_("'{name}' is not a field of {kind} (did you mean '{suggestion}'?)")
            params = {"name": var, "kind": kind.name, "suggestion": close[0]}
        else:
            message = N_("'{name}' is not a field of {kind}")
            params = {"name": var, "kind": kind.name}
        out.append(_tp(UNKNOWN_VARIABLE, message, use.location, params,
                                   use.excerpt))
    return out


# ---------------------------------------------------------------------------- driver

def _inspect(source: Source, name: Optional[str]) -> TemplateReport:
    try:
        data, file = read_source(source, name)
    except TemplateError as exc:
        shown = exc.location.file if exc.location is not None else None
        return TemplateReport(shown or "<template>", "", [Problem.from_error(exc)])
    fmt = sniff_format(data)
    report = TemplateReport(file, fmt)
    errors: list[TemplateError] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DocgenWarning)
        try:
            if fmt == "xlsx":
                book = XlsxTemplate(data, file, problems=errors)
                report.problems.extend(Problem.from_error(e) for e in errors)
                _xlsx_uses(book, report)
            else:
                doc = DocxTemplate(data, file, problems=errors)
                broken = {id(b.error) for b in doc.broken}
                report.problems.extend(Problem.from_error(e) for e in errors
                                       if id(e) not in broken)
                _docx_uses(doc, report)
        except TemplateError as exc:  # the package or workbook itself is unreadable
            report.problems.extend(Problem.from_error(e) for e in errors)
            report.problems.append(Problem.from_error(exc))
    for w in caught:
        if isinstance(w.message, DocgenWarning):
            report.problems.append(_tp(
                "warning", w.message.template, w.message.location or SourceLocation(file=file),
                w.message.params, severity="warning"))
        else:  # not ours: pass it on
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    report.problems = _unique(report.problems)
    report.problems.sort(key=lambda p: _order(p.location, report))
    return report


def _unique(problems: Iterable[TemplateProblem]) -> list[TemplateProblem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.code, p.template, repr(sorted(p.params.items())), p.location)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _order(loc: SourceLocation, report: TemplateReport) -> tuple[Any, ...]:
    return reading_order(loc, report.sheets)


def reading_order(loc: SourceLocation, sheets: Sequence[str]) -> tuple[Any, ...]:
    """Reading order: Word parts body first, then paragraphs; Excel sheets in workbook
    order (``sheets``), then rows and columns."""
    if loc.sheet is not None:
        rank = sheets.index(loc.sheet) if loc.sheet in sheets else len(sheets)
        m = _CELL.match(loc.cell or "")
        cell = (0, int(m.group(2)), len(m.group(1)), m.group(1)) if m else (1, 0, 0, loc.cell or "")
        return (1, rank, loc.sheet, cell)
    if loc.part is not None:
        return (1, -1, _part_rank(loc.part), loc.part, loc.paragraph or 0)
    return (0,)


def _part_rank(part: str) -> int:
    for i, prefix in enumerate(("word/document", "word/header", "word/footer",
                                "word/footnotes", "word/endnotes")):
        if part.startswith(prefix):
            return i
    return 9


def _note_use(report: TemplateReport, var: str, location: SourceLocation,
              excerpt: Optional[str]) -> None:
    order = _order(location, report)
    found = report.uses.get(var)
    if found is None or order < found.order:
        report.uses[var] = Use(location, excerpt, order)


# ------------------------------------------------------------------------------- Word

def _docx_uses(doc: DocxTemplate, report: TemplateReport) -> None:
    for part in doc.parts:
        ast = part.env.parse(part.lowered.source)
        for var, line in first_reads(ast).items():
            loc = part.location(line)
            excerpt = part.lowered.paragraphs.get(loc.paragraph) if loc.paragraph else None
            _note_use(report, var, loc, excerpt)
    for broken in doc.broken:
        report.problems.extend(_broken_part(broken, doc.file, report))


def _broken_part(broken: BrokenPart, file: str,
                 report: TemplateReport) -> list[TemplateProblem]:
    """Problems of a part Jinja could not compile: its first error, plus whatever the
    tag-by-tag walk finds (which usually includes, and better locates, the first)."""
    first = Problem.from_error(broken.error)
    paragraphs = broken.lowered.paragraphs
    items = [_Item(SourceLocation(file=file, part=broken.name, paragraph=n), text,
                   paragraph_tags(text)) for n, text in sorted(paragraphs.items())]
    walk = _TagWalk(broken.env)
    walk.run(items)
    for var, (loc, excerpt) in walk.uses.items():
        if var not in walk.declared:
            _note_use(report, var, loc, excerpt)
    found = walk.problems
    para = first.location.paragraph
    covered = (para is None and bool(found)) or any(
        p.location.paragraph == para for p in found) or (
        getattr(first.params.get("detail"), "message", None) == END_OF_TEMPLATE
        and any(p.code == "unclosed" for p in found))
    return found if covered else [first, *found]


@dataclass
class _Item:
    location: SourceLocation
    excerpt: Optional[str]
    tags: Sequence[tuple[str, str]]  # (as typed, as Jinja reads it)


@dataclass
class _Open:
    head: str
    typed: str
    tag: str
    item: _Item


class _TagWalk:
    """Check tags one at a time, matching block tags across items (paragraphs)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.problems: list[TemplateProblem] = []
        self.uses: dict[str, tuple[SourceLocation, Optional[str]]] = {}
        self.declared: set[str] = set()
        self.stack: list[_Open] = []

    def run(self, items: Sequence[_Item]) -> None:
        in_raw = False
        for item in items:
            for typed, tag in item.tags:
                if tag.startswith("{#"):
                    continue
                stmt = _STATEMENT.match(tag)
                words = stmt.group(1).split(None, 1) if stmt else []
                head = words[0] if words else ""
                if in_raw:
                    in_raw = head != "endraw"
                elif not stmt:
                    self._check(item, tag)
                elif head == "raw":
                    in_raw = True
                elif head in _BLOCKS and not (head == "set" and "=" in stmt.group(1)):
                    self._check(item, tag + "{% end" + head + " %}")
                    self.stack.append(_Open(head, typed, tag, item))
                elif head in ("elif", "else", "pluralize"):
                    self._middle(item, tag, head)
                elif head.startswith("end") and head[3:] in _BLOCKS | {"raw"}:
                    self._close(item, typed, tag, head[3:])
                else:
                    self._check(item, tag)
        for block in reversed(self.stack):
            self._unclosed(block)
        self.stack.clear()

    def _middle(self, item: _Item, tag: str, head: str) -> None:
        top = self.stack[-1].head if self.stack else ""
        if head == "pluralize" and top == "trans":
            return
        if head == "elif" and top == "if" or head == "else" and top in ("if", "for"):
            self._check(item, "{% if true %}" + tag + "{% endif %}")
        else:
            self._check(item, tag)  # Jinja says what is wrong: "unknown tag 'else'"

    def _close(self, item: _Item, typed: str, tag: str, head: str) -> None:
        if self.stack and self.stack[-1].head == head:
            self.stack.pop()
            return
        for i in range(len(self.stack) - 2, -1, -1):
            if self.stack[i].head == head:
                # Blocks cross ({% if %}{% for %}{% endif %}): Jinja says it best, here;
                # the inner block stays open and may still be closed further on.
                self._check(item, self.stack[-1].tag + tag)
                del self.stack[i]
                return
        self.problems.append(_tp(
            "unclosed", N_("'{tag}' has no matching opening tag"), item.location,
            {"tag": typed}, item.excerpt))

    def _unclosed(self, block: _Open) -> None:
        level = level_of(block.typed)
        closer = "{%" + (level + " " if level else " ") + "end" + block.head + " %}"
        self.problems.append(_tp(
            "unclosed", N_("'{tag}' is never closed (add '{closer}')"), block.item.location,
            {"tag": block.typed, "closer": closer}, block.item.excerpt))

    def _check(self, item: _Item, source: str) -> None:
        try:
            ast = self.env.parse(source)
            names = meta.find_undeclared_variables(ast)  # compiles: unknown filters too
        except jinja2.TemplateSyntaxError as exc:
            self.problems.append(_tp(
                "syntax", N_("template syntax error: {detail}"), item.location,
                {"detail": syntax_detail(exc)}, item.excerpt))
            return
        for var in names:
            self.uses.setdefault(var, (item.location, item.excerpt))
        for node in ast.find_all(nodes.Name):
            if node.ctx in ("store", "param"):
                self.declared.add(node.name)
        if any(True for _ in ast.find_all(nodes.For)):
            self.declared.add("loop")
        if any(True for _ in ast.find_all((nodes.Macro, nodes.CallBlock))):
            self.declared.update(("caller", "varargs", "kwargs"))


# ------------------------------------------------------------------------------ Excel

def _xlsx_uses(book: XlsxTemplate, report: TemplateReport) -> None:
    report.sheets = list(book.sheet_names)
    for sheet in book.sheets:
        if not sheet.sources:
            continue
        locations = [SourceLocation(file=book.file, sheet=sheet.name, cell=where)
                     for where in sheet.source_cells]
        try:
            reads = first_reads(book.env.parse("\n".join(sheet.sources)))
        except jinja2.TemplateSyntaxError:
            # Its bad cells are reported already; read the variables tag by tag.
            walk = _TagWalk(book.env)
            walk.run([_Item(loc, src, [(t, t) for t in _tags(src)])
                      for loc, src in zip(locations, sheet.sources)])
            for var, (loc, excerpt) in walk.uses.items():
                if var not in walk.declared:
                    _note_use(report, var, loc, excerpt)
            continue
        starts = []
        line = 1
        for src in sheet.sources:
            starts.append(line)
            line += src.count("\n") + 1
        for var, lineno in reads.items():
            i = max(k for k, start in enumerate(starts) if start <= max(lineno, 1))
            _note_use(report, var, locations[i], sheet.sources[i])
    if book.core is not None:
        ast = book.core.env.parse(book.core.lowered.source)
        for var, lineno in first_reads(ast).items():
            _note_use(report, var, book.core.location(lineno), None)


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def _tags(source: str) -> list[str]:
    return [m.group(0) for m in _TAG.finditer(source)]


# ------------------------------------------------------------------------- variables

def first_reads(ast: nodes.Template) -> dict[str, int]:
    """The line of the first read of each top-level variable of ``ast`` (the names
    :func:`jinja2.meta.find_undeclared_variables` gives), loop variables and ``set``
    names excepted where they are in scope."""
    wanted = meta.find_undeclared_variables(ast)
    found: dict[str, int] = {}
    _visit_body(ast.body, set(), wanted, found)
    for node in ast.find_all(nodes.Name):  # a read this scoping missed: its first line
        if node.ctx == "load" and node.name in wanted:
            found.setdefault(node.name, node.lineno)
    return found


def _stored(node: nodes.Node) -> set[str]:
    if isinstance(node, nodes.Name):
        return {node.name}
    return {n.name for n in node.find_all(nodes.Name)}


def _visit_body(body: Sequence[nodes.Node], declared: set[str], wanted: set[str],
                found: dict[str, int]) -> None:
    for node in body:
        _visit(node, declared, wanted, found)


def _visit(node: nodes.Node, declared: set[str], wanted: set[str],
           found: dict[str, int]) -> None:
    """Walk in reading order; ``declared`` grows with ``set`` for what follows."""
    if isinstance(node, nodes.Name):
        if node.ctx == "load" and node.name in wanted and node.name not in declared \
                and node.name not in found:
            found[node.name] = node.lineno
        return
    if isinstance(node, nodes.For):
        _visit(node.iter, declared, wanted, found)
        inner = declared | _stored(node.target) | {"loop"}
        if node.test is not None:
            _visit(node.test, inner, wanted, found)
        _visit_body(node.body, set(inner), wanted, found)
        _visit_body(node.else_, set(declared), wanted, found)
        return
    if isinstance(node, nodes.Assign):
        _visit(node.node, declared, wanted, found)
        declared |= _stored(node.target)
        return
    if isinstance(node, nodes.AssignBlock):
        _visit_body(node.body, set(declared), wanted, found)
        if node.filter is not None:
            _visit(node.filter, declared, wanted, found)
        declared |= _stored(node.target)
        return
    if isinstance(node, (nodes.Macro, nodes.CallBlock)):
        if isinstance(node, nodes.CallBlock):
            _visit(node.call, declared, wanted, found)
        for default in node.defaults:
            _visit(default, declared, wanted, found)
        inner = declared | {a.name for a in node.args} | {"caller", "varargs", "kwargs"}
        _visit_body(node.body, set(inner), wanted, found)
        if isinstance(node, nodes.Macro):
            declared.add(node.name)
        return
    if isinstance(node, nodes.With):
        for value in node.values:
            _visit(value, declared, wanted, found)
        inner = declared | {n for t in node.targets for n in _stored(t)}
        _visit_body(node.body, set(inner), wanted, found)
        return
    for child in node.iter_child_nodes():
        _visit(child, declared, wanted, found)
