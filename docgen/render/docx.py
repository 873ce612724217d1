"""Compiled Word templates: parse and compile once, render to .docx bytes many times."""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Mapping, Optional, Union

import jinja2
from jinja2 import meta
from lxml import etree

from ..errors import SourceLocation, TemplateError
from ..messages import N_
from ..i18n.locale import DocLocale
from .environment import (
    FORMATTED_PRINTED,
    NEW_PARAGRAPH_PRINTED,
    PROVIDED_NAMES,
    finalize_plain,
    finalize_wordml,
    make_environment,
    syntax_detail,
    undefined_detail,
)
from .limits import budgeted
from ..ooxml.xml import PARSER
from .breaks import split_paragraphs
from .fonts import localize_settings, localize_styles, tag_secondary_language
from .images import ImageSink, add_images, add_relationships, free_id, rel_ids_of, rels_name
from .numbering import (
    NUMBERING_REL,
    NUMBERING_TYPE,
    TemplateLists,
    add_override,
    numbering_part_of,
)
from .package import BadPackage, Member, make_member, read_package
from .textmodel import Formatted
from .wordrich import HYPERLINK_REL, RichSink, hyperlink_style, render_formatted
from .tables import fix_tables, hmerge_loop, vmerge_starts
from .wordml import (
    Lowered,
    LoweringError,
    lower_plain_part,
    lower_word_part,
    paragraph_of_line,
)

WORD_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
CORE_PART = "docProps/core.xml"
CONTENT_TYPES = "[Content_Types].xml"
STYLES_PART = "word/styles.xml"
SETTINGS_PART = "word/settings.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"

_WORD_ENV = make_environment(finalize_wordml)
_HEX_COLOR = re.compile(r"#?([0-9A-Fa-f]{6})")


def _colspan(value: Any) -> str:
    """``{% colspan n %}``: a whole number of columns, at least 1 (w:gridSpan)."""
    try:
        span = int(value)
    except (TypeError, ValueError):
        span = 0
    if span < 1 or span != value and not isinstance(value, str):
        raise jinja2.TemplateRuntimeError(
            f"colspan needs a whole number of columns (1 or more), not {value!r}")
    return str(span)


def _cellbg(value: Any) -> str:
    """``{% cellbg color %}``: a hex RGB colour (``FF0000``, ``#ff0000``) or ``auto``."""
    text = str(value).strip()
    m = _HEX_COLOR.fullmatch(text)
    if m:
        return m.group(1).upper()
    if text.lower() == "auto":
        return "auto"
    raise jinja2.TemplateRuntimeError(
        f"cellbg needs a colour like FF0000 or auto, not {value!r}")


# Values printed into attributes (the lowered colspan/cellbg tags) are checked and
# printed bare: markup or a quote there would break the XML.
_WORD_ENV.filters["_docgen_colspan"] = _colspan
_WORD_ENV.filters["_docgen_cellbg"] = _cellbg
_WORD_ENV.filters["_docgen_vm"] = vmerge_starts  # {% vm %} (tables.py)
_WORD_ENV.filters["_docgen_hm"] = hmerge_loop  # {% hm %} (tables.py)
_PLAIN_ENV = make_environment(finalize_plain)
_PARSER = PARSER  # docgen.ooxml: the one hardened parser


def _may_hold_tags(data: bytes) -> bool:
    return b"{" in data or "｛".encode() in data


class CompiledPart:
    """One XML part's compiled Jinja template and what is needed to locate errors."""

    def __init__(self, name: str, lowered: Lowered, env: jinja2.Environment, file: str) -> None:
        self.name = name
        self.lowered = lowered
        self.env = env
        self.file = file
        self.filename = f"<docgen {file}:{name}>"
        try:
            code = env.compile(lowered.source, name=name, filename=self.filename)
        except jinja2.TemplateSyntaxError as exc:
            raise self.error("template syntax error: {detail}", exc.lineno, "syntax",
                             detail=syntax_detail(exc)) from None
        self.template = env.template_class.from_code(env, code, env.make_globals(None))

    def location(self, lineno: Optional[int]) -> SourceLocation:
        para = paragraph_of_line(self.lowered.source, lineno) if lineno else None
        return SourceLocation(file=self.file, part=self.name, paragraph=para)

    def error(self, message: str, lineno: Optional[int], code: str, **params: Any) -> TemplateError:
        loc = self.location(lineno)
        excerpt = self.lowered.paragraphs.get(loc.paragraph) if loc.paragraph else None
        return TemplateError(message, loc, code=code, excerpt=excerpt, params=params)

    def render(self, context: Mapping[str, Any], rich: Optional[RichSink] = None) -> str:
        """The rendered part; formatted values (Markdown, RichText) become paragraphs
        and runs when ``rich`` collects their numbering and links (else plain text)."""
        NEW_PARAGRAPH_PRINTED.set(False)
        printed: list[Formatted] = []
        token = FORMATTED_PRINTED.set(printed if rich is not None else None)
        try:
            xml = self.template.render(context)
        except Exception as exc:  # a template is data: any failure is the template's
            raise self._runtime_error(exc) from exc
        finally:
            FORMATTED_PRINTED.reset(token)
        # Each post-pass parses the part with the hardened parser and writes it out
        # again with lxml: once one has run, the part is known to be well-formed.
        # Otherwise it is parsed here, the last line of defence (check_rendered).
        parsed = False
        try:
            if printed:
                assert rich is not None
                xml, parsed = render_formatted(xml, printed, rich), True
            if NEW_PARAGRAPH_PRINTED.get():  # a value held \a
                xml, parsed = split_paragraphs(xml), True
            if self.lowered.has_row_tags or self.lowered.has_cell_loops:
                xml, parsed = fix_tables(xml, rows=self.lowered.has_row_tags,
                                         cells=self.lowered.has_cell_loops), True
        except etree.XMLSyntaxError as exc:
            raise rendered_broken(self.name, self.file, exc) from None
        if not parsed:
            check_rendered(xml.encode("utf-8"), self.name, self.file)
        return xml

    def _runtime_error(self, exc: Exception) -> TemplateError:
        lineno = template_line(exc.__traceback__, self.filename)
        if isinstance(exc, jinja2.UndefinedError):
            return self.error("undefined variable: {detail}", lineno, "undefined",
                              detail=undefined_detail(exc))
        if isinstance(exc, jinja2.exceptions.SecurityError):
            return self.error("not allowed in a template: {detail}", lineno, "sandbox",
                              detail=str(exc))
        if isinstance(exc, jinja2.TemplateError):
            return self.error("template error: {detail}", lineno, "render", detail=exc.message)
        return self.error("cannot render: {detail}", lineno, "render",
                          detail=f"{type(exc).__name__}: {exc}")

    def fields(self) -> set[str]:
        return set(meta.find_undeclared_variables(self.env.parse(self.lowered.source)))


def template_line(tb: Optional[TracebackType], filename: str) -> Optional[int]:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


RENDERED_BROKEN = N_(
    "the document made from this template would be broken: its part {part} is not "
    "well-formed XML after rendering ({detail}); a tag of the template cuts through the "
    "document's structure (a block opened in one table cell, content control or text box "
    "and closed in another?): run 'docgen template check' on it, and put each block's "
    "tags at the same level")


def check_rendered(data: bytes, part: str, file: str) -> None:
    """The last line of defence: a rendered part that does not parse with docgen's
    hardened parser (whatever the compile-time checks missed) is a located
    :class:`TemplateError` naming the part, raised before anything is written
    (:meth:`CompiledPart.render` calls it unless a post-pass parsed the part already)."""
    try:
        etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise rendered_broken(part, file, exc) from None


def rendered_broken(part: str, file: str, exc: etree.XMLSyntaxError) -> TemplateError:
    return TemplateError(RENDERED_BROKEN, SourceLocation(file=file, part=part),
                         code="rendered_xml", params={"part": part, "detail": str(exc)})


def package_error(exc: BadPackage, file: str, message: str) -> TemplateError:
    """The template error for a package :mod:`docgen.ooxml` refused, naming the
    template and the part at fault (broken XML keeps its own message and code)."""
    where = SourceLocation(file=file, part=exc.part)
    if exc.kind == "xml":
        return TemplateError("broken XML in the template: {detail}", where, code="xml",
                             params={"detail": exc.detail.params.get("detail", "")})
    return TemplateError(message, where, code="package", params={"detail": exc.detail})


# Parts without which no package is a Word document (checked before anything is compiled).
REQUIRED_PARTS = (
    (CONTENT_TYPES, N_("not an Office package (no [Content_Types].xml)")),
    ("word/document.xml", N_("not a Word document (no word/document.xml)")),
)


Entry = Union[Member, CompiledPart, str]  # str: a part localised per render (styles/settings)


@dataclass
class BrokenPart:
    """A part that was lowered but did not compile (kept for template diagnostics)."""

    name: str
    lowered: Lowered
    env: jinja2.Environment
    error: TemplateError


class DocxTemplate:
    """A .docx template: every member is either static (pre-deflated) or compiled.

    The first problem found raises a :class:`TemplateError`. With ``problems`` given
    (template diagnostics), every problem of every part is appended there instead,
    broken parts are kept in :attr:`broken` and left static, and nothing raises but
    an unreadable package; such a template is for inspection, not for rendering.
    """

    def __init__(self, data: bytes, file: str = "<template>", *,
                 problems: Optional[list[TemplateError]] = None) -> None:
        self.file = file
        self.problems = problems
        self.broken: list[BrokenPart] = []
        self._entries: list[tuple[str, Entry]] = []
        self._raw: dict[str, bytes] = {}
        self._localized: dict[tuple[str, str], Member] = {}
        try:
            members = read_package(data)
        except BadPackage as exc:
            raise package_error(exc, file, "not a readable .docx file ({detail})") from None
        names = {n for n, _ in members}
        for required, message in REQUIRED_PARTS:
            if required not in names:
                raise TemplateError(message, SourceLocation(file=file), code="package")
        for name, blob in members:
            self._entries.append((name, self._compile_member(name, blob)))
        self._numbering_part = numbering_part_of(self._raw.get(DOCUMENT_RELS))
        try:  # what formatted values use: list styles, the Hyperlink style
            self._lists = TemplateLists(self._raw.get(STYLES_PART),
                                        self._raw.get(self._numbering_part or ""))
            self._link_style = hyperlink_style(self._raw.get(STYLES_PART))
        except etree.XMLSyntaxError:  # a broken part of a template made by hand
            self._lists, self._link_style = TemplateLists(None, None), None

    def _report(self, error: TemplateError) -> None:
        if self.problems is None:
            raise error
        self.problems.append(error)

    def _compile_member(self, name: str, blob: bytes) -> Entry:
        if name == CONTENT_TYPES or name.endswith(".rels") or name.endswith("numbering.xml"):
            self._raw[name] = blob  # kept raw too: image() may have to extend them
        if name in (STYLES_PART, SETTINGS_PART):
            self._raw[name] = blob
            return name
        lowerer = None
        env: jinja2.Environment = _WORD_ENV
        if WORD_PARTS.match(name) and _may_hold_tags(blob):
            lowerer = lower_word_part
        elif name == CORE_PART and _may_hold_tags(blob):
            lowerer, env = lower_plain_part, _PLAIN_ENV
        if lowerer is None:
            return make_member(name, blob)
        try:
            root = etree.fromstring(blob, _PARSER)
        except etree.XMLSyntaxError as exc:
            self._report(TemplateError("broken XML in the template: {detail}",
                                       SourceLocation(file=self.file, part=name), code="xml",
                                       params={"detail": str(exc)}))
            return make_member(name, blob)
        unclosed: Optional[list[LoweringError]] = None if self.problems is None else []
        try:
            lowered = lowerer(root, unclosed)
        except LoweringError as exc:
            raise self._unclosed_error(name, exc) from None
        for found in unclosed or ():  # collected: the tags were left as literal text
            self._report(self._unclosed_error(name, found))
        if not lowered.has_tags:
            return make_member(name, blob)  # nothing to render after all
        try:
            part = CompiledPart(name, lowered, env, self.file)
        except TemplateError as exc:
            if self.problems is None:
                raise
            self.problems.append(exc)
            self.broken.append(BrokenPart(name, lowered, env, exc))
            return make_member(name, blob)
        return part

    def _unclosed_error(self, name: str, exc: LoweringError) -> TemplateError:
        loc = SourceLocation(file=self.file, part=name, paragraph=exc.paragraph)
        return TemplateError(exc.message, loc, code="unclosed", params=exc.params,
                             excerpt=exc.excerpt)

    @property
    def parts(self) -> list[CompiledPart]:
        return [e for _, e in self._entries if isinstance(e, CompiledPart)]

    def fields(self) -> set[str]:
        """Top-level variables the template reads (those a render must provide)."""
        names: set[str] = set()
        for part in self.parts:
            names |= part.fields()
        return names - PROVIDED_NAMES

    def _localized_member(self, name: str, locale: Optional[DocLocale],
                          fonts: Optional[Mapping[str, str]]) -> Member:
        key = (name, "" if locale is None else locale.code + repr(sorted((fonts or {}).items())))
        member = self._localized.get(key)
        if member is None:
            blob = self._raw[name]
            if locale is not None:
                if name == STYLES_PART:
                    blob = localize_styles(blob, locale, fonts)
                else:
                    blob = localize_settings(blob, locale)
            member = self._localized[key] = make_member(name, blob)
        return member

    @budgeted  # one time and output budget for all the parts (render.limits)
    def render_members(
        self,
        context: Mapping[str, Any],
        locale: Optional[DocLocale] = None,
        fonts: Optional[Mapping[str, str]] = None,
        images: Optional[ImageSink] = None,
    ) -> list[Member]:
        members = []
        rich = RichSink(self._lists, self._link_style)
        for name, entry in self._entries:
            if isinstance(entry, Member):
                members.append(entry)
            elif isinstance(entry, CompiledPart):
                reserved = rel_ids_of(self._raw.get(rels_name(name)))
                if images is not None:
                    images.current_part = name
                    images.reserved_ids[name] = reserved
                rich.current_part, rich.current_file = name, entry.file
                rich.reserved_ids[name] = reserved
                xml = entry.render(context, rich)
                if locale is not None and locale.secondary and entry.env is _WORD_ENV:
                    xml = tag_secondary_language(xml, locale)  # bilingual labels
                members.append(make_member(name, xml.encode("utf-8")))
            else:
                members.append(self._localized_member(name, locale, fonts))
        raw = self._raw
        if rich.links or rich.numbering:
            members, raw = self._add_rich(members, rich)
        if images is not None and images.rel_ids:  # pragma: no branch
            members = add_images(members, raw, images, "word/media/docgen-image")
        return members

    def _add_rich(self, members: list[Member], rich: RichSink
                  ) -> tuple[list[Member], dict[str, bytes]]:
        """Members with the numbering and hyperlink relationships of formatted values
        added, and the raw parts updated alike (images extend them further)."""
        raw = dict(self._raw)
        changed: set[str] = set()
        if rich.numbering:
            part = self._numbering_part or "word/numbering.xml"
            raw[part] = rich.numbering.numbering_xml(raw.get(part))
            changed.add(part)
            if self._numbering_part is None:  # the template has no numbering part
                rid = free_id("rIdDocgenNumbering", rel_ids_of(raw.get(DOCUMENT_RELS)))
                raw[DOCUMENT_RELS] = add_relationships(
                    raw.get(DOCUMENT_RELS), [(rid, NUMBERING_REL, "numbering.xml")])
                raw[CONTENT_TYPES] = add_override(raw[CONTENT_TYPES], part, NUMBERING_TYPE)
                changed |= {DOCUMENT_RELS, CONTENT_TYPES}
        for part, urls in rich.links.items():
            name = rels_name(part)
            raw[name] = add_relationships(
                raw.get(name), [(rid, HYPERLINK_REL, url) for url, rid in urls.items()],
                external=True)
            changed.add(name)
        out = [make_member(m.name, raw[m.name]) if m.name in changed else m for m in members]
        have = {m.name for m in members}
        out.extend(make_member(name, raw[name]) for name in sorted(changed - have))
        return out, raw
