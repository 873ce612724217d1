"""``docgen.Template``: the public face of the engine, for library users and the CLI."""
from __future__ import annotations

import hashlib
import io
import os
import types
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union

from .errors import DocgenWarning, InputError, SourceLocation, TemplateError
from .i18n.catalog import Labels
from .i18n.format import Formatter
from .i18n.locale import DocLocale, UnknownLocale
from .messages import N_
from .ooxml.zip import BadPackage, ZipReader
from .render.docx import CompiledPart, DocxTemplate
from .render.environment import RESERVED_NAMES
from .render.images import ImageSink
from .render.missing import (
    MISSING_MODES,
    MissingLog,
    MissingUse,
    MissingValuesError,
    collecting,
    missing_errors,
    use_missing,
)
from .render.package import Member, write_package
from .render.sheet import Cell, Loop, RowProgram, SheetTemplate
from .render.xlsx import XlsxTemplate
from .richtext import UrlId, build_url_id, place_inline_images

Source = Union[str, "os.PathLike[str]", bytes]


def read_source(source: Source, name: Optional[str] = None) -> tuple[bytes, str]:
    """The bytes of a template and the name to report it by."""
    if isinstance(source, bytes):
        data, shown = source, name or "<template>"
    else:
        path = Path(source)
        shown = name or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TemplateError("cannot read the template: {detail}", SourceLocation(file=shown),
                                code="read", params={"detail": exc.strerror}) from None
    from .inputs import legacy_office  # .xls/.doc, also renamed: "save it as .xlsx/.docx"
    old = legacy_office(data, Path(shown).suffix)
    if old is not None:
        raise TemplateError(old, SourceLocation(file=shown), code="file_type")
    return data, shown


def sniff_format(data: bytes) -> str:
    """``xlsx`` for a workbook, else ``docx`` (the Word engine reports non-Word files)."""
    try:  # the central directory only: the engine reads and checks the members
        with ZipReader(data) as reader:
            return _format_of(reader.names)
    except BadPackage:  # refused: reported, with its reason, by the engine its names say
        pass
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _format_of(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "docx"


def _format_of(names: list[str]) -> str:
    """A workbook has xl/workbook.xml, or (a broken one) only xl/ parts and no word/."""
    if "xl/workbook.xml" in names:
        return "xlsx"
    folders = {name.split("/", 1)[0] for name in names}
    return "xlsx" if "xl" in folders and "word" not in folders else "docx"


_DRAFT_MARKS = {"ko": "초안", "zh-CN": "草稿", "zh-TW": "草稿", "en": "DRAFT"}


def draft_mark(locale: DocLocale) -> str:
    """The word a draft carries: 초안 / 草稿 / DRAFT, both languages when bilingual."""
    words = [_DRAFT_MARKS.get(code, "DRAFT") for code in (locale.primary, locale.secondary)
             if code]
    return " / ".join(dict.fromkeys(words + ([] if "DRAFT" in words else ["DRAFT"])))


class Template:
    """A Word or Excel template, parsed and compiled once, rendered many times.

    >>> tpl = Template("minutes.docx")                       # doctest: +SKIP
    >>> data = tpl.render({"title": "Kick-off"}, locale="ko")  # doctest: +SKIP
    """

    def __init__(self, source: Source, *, name: Optional[str] = None) -> None:
        data, self.name = read_source(source, name)
        self.sha256 = hashlib.sha256(data).hexdigest()  # the ledger records what made a document
        self.format = sniff_format(data)
        self._docx: Optional[DocxTemplate] = None
        self._xlsx: Optional[XlsxTemplate] = None
        if self.format == "xlsx":
            self._xlsx = XlsxTemplate(data, self.name)
        else:
            self._docx = DocxTemplate(data, self.name)
        self._bound: dict[str, tuple[Formatter, Labels]] = {}

    def fields(self) -> set[str]:
        """Names of the top-level variables the template uses that the data must
        provide (docgen's own names — ``locale``, ``image``, ``_``… — left out)."""
        engine = self._xlsx or self._docx
        assert engine is not None
        return engine.fields()

    def _bind(self, locale: DocLocale) -> tuple[Formatter, Labels]:
        bound = self._bound.get(locale.code)
        if bound is None:
            bound = self._bound[locale.code] = (Formatter(locale.primary),
                                                  Labels(locale, marked=True))
        return bound

    def render(
        self,
        context: Mapping[str, Any],
        locale: Union[str, DocLocale, None] = None,
        *,
        fonts: Optional[Mapping[str, str]] = None,
        base_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        missing: str = "error",
        draft: bool = False,
        number: Optional[str] = None,
    ) -> bytes:
        """Render to the bytes of a .docx or .xlsx file (the template's format).

        ``locale`` selects labels (``_()``), formats (filters) and the document's
        East Asian font and language tag; without it, the data's ``locale`` field
        does, else formats follow Korean and the template's fonts are left as they
        are. ``fonts`` maps a locale's primary code to its East Asian font.
        ``image(path, width_mm)`` reads plain paths relative to ``base_dir`` (default:
        the working directory) and never outside it.

        Names docgen provides (``locale``, ``image``, ``_``, ``gettext``, ``ngettext``)
        give way to data of the same name; ``docgen.locale``, ``docgen.image``,
        ``docgen.gettext`` and ``docgen.ngettext`` always reach docgen's.

        ``missing="error"`` (the default) raises :class:`MissingValuesError` naming
        every value the template reads that the data lacks, each located;
        ``missing="blank"`` renders them empty and warns (:class:`DocgenWarning`)
        about each.

        ``draft`` (a ledger is kept and the document is not issued) sets
        ``docgen.draft`` and ``docgen.draft_mark`` (초안 / 草稿 / DRAFT in the locale's
        languages) for the template's visible mark; ``number`` is the issued number
        (``docgen.number``).
        """
        if missing not in MISSING_MODES:
            raise ValueError(f"missing must be one of {', '.join(MISSING_MODES)}, not {missing!r}")
        reserved = sorted(RESERVED_NAMES & set(context))
        if reserved:
            raise InputError("'{name}' is a name docgen uses internally; rename this field "
                             "of the data", code="reserved", params={"name": reserved[0]})
        doc_locale = self._locale(locale, context.get("locale"))
        render_locale = doc_locale or DocLocale("ko")
        formatter, labels = self._bind(render_locale)
        sink = ImageSink(Path(base_dir) if base_dir is not None else None)

        def image(path: Any, *args: Any, **kwargs: Any) -> Any:
            if use_missing(path):  # a draft without the picture; strict: an error here
                return ""
            return sink.image(path, *args, **kwargs)

        helpers = types.SimpleNamespace(locale=render_locale.code, image=image,
                                        gettext=labels.gettext, ngettext=labels.ngettext,
                                        draft=draft, draft_mark=draft_mark(render_locale),
                                        number=number)
        ctx = dict(place_inline_images(context, sink))  # docgen.InlineImage objects
        for name, value in (("_", labels.gettext), ("gettext", labels.gettext),
                            ("ngettext", labels.ngettext), ("image", image),
                            ("docgen", helpers)):
            ctx.setdefault(name, value)  # the data's own value of that name wins
        ctx["locale"] = render_locale.code  # the data's locale, resolved (see _locale)
        ctx["_docgen"] = formatter
        with collecting(missing) as log:
            try:
                members = self._render_members(ctx, sink, doc_locale, fonts)
            except TemplateError:
                if log.uses and missing == "error":  # the missing values come first
                    raise MissingValuesError(self._missing(log)) from None
                raise
        if log.uses:
            found = self._missing(log)
            if missing == "error":
                raise MissingValuesError(found)
            for e in found:
                warnings.warn(DocgenWarning(N_("left blank: {detail}"),
                                            e.location, detail=e.params["detail"]),
                              stacklevel=2)
        return write_package(members)

    def build_url_id(self, url: str) -> UrlId:
        """docxtpl's ``tpl.build_url_id(url)`` for ``RichText.add(..., url_id=...)``: a
        token standing for ``url`` (docgen adds a link's relationship when it prints it)."""
        return build_url_id(url)

    def _locale(self, option: Union[str, DocLocale, None], data: Any) -> Optional[DocLocale]:
        """The render's locale: ``option`` > the data's ``locale`` > none.

        ``locale`` in the data means the document's language (as for every record), so
        the template's ``locale`` is that value resolved (``zh_Hant`` → ``zh-TW``), and
        a value that is no locale is an error rather than something to replace."""
        parsed_data = None
        if isinstance(data, str) and not data.strip():
            data = None  # blank: no locale, as validation and the pipeline read it
        if data is not None:
            try:
                parsed_data = DocLocale.parse(data) if isinstance(data, str) else None
            except UnknownLocale:
                pass
            if parsed_data is None:
                raise InputError("the data's 'locale' is '{value}', not a locale (ko, zh-CN, "
                                 "zh-TW, en, or A+B): docgen reads 'locale' as the document's "
                                 "language", code="locale", params={"value": data})
        if isinstance(option, DocLocale):
            return option
        if option is None:
            return parsed_data
        try:
            return DocLocale.parse(option)
        except UnknownLocale:
            raise TemplateError("unknown locale '{locale}'", code="locale",
                                params={"locale": option}) from None

    def _render_members(self, ctx: dict[str, Any], sink: ImageSink,
                        locale: Optional[DocLocale],
                        fonts: Optional[Mapping[str, str]]) -> list[Member]:
        if self._xlsx is not None:
            return self._xlsx.render_members(ctx, sink, locale, fonts)
        assert self._docx is not None
        return self._docx.render_members(ctx, locale, fonts, sink)

    # -- missing values ------------------------------------------------------------------

    def _missing(self, log: MissingLog) -> list[TemplateError]:
        from .diagnostics import reading_order  # diagnostics imports this module
        sheets = self._xlsx.sheet_names if self._xlsx is not None else []
        order: Callable[[SourceLocation], Any] = lambda loc: reading_order(loc, sheets)
        return missing_errors(log, self._locate, order)

    def _locate(self, use: MissingUse) -> tuple[SourceLocation, Optional[str]]:
        """Where the template reads a missing value: Word part and paragraph, or sheet
        and template cell, with the paragraph's or cell's text."""
        sheet = next((obj for _, obj, _ in use.places if isinstance(obj, SheetTemplate)), None)
        line = use.jinja_line
        for function, obj, what in use.places:
            if isinstance(obj, CompiledPart) and use.jinja_file == obj.filename and line:
                loc = obj.location(obj.template.get_corresponding_lineno(line))
                excerpt = obj.lowered.paragraphs.get(loc.paragraph) if loc.paragraph else None
                return loc, excerpt
            if sheet is None:
                continue
            if isinstance(obj, RowProgram) and use.jinja_file == obj.filename and line:
                cell = obj.cell_at(obj.template.get_corresponding_lineno(line))
                if cell is not None:
                    return self._cell(sheet, cell.where), cell.source or None
            if isinstance(what, (Cell, Loop)):
                return self._cell(sheet, what.where), what.source or None
            if function == "header_texts" and isinstance(what, int) and what in sheet.header_names:
                where, text = sheet.header_names[what]
                return self._cell(sheet, where), text
        return SourceLocation(file=self.name), None

    def _cell(self, sheet: SheetTemplate, where: str) -> SourceLocation:
        return SourceLocation(file=self.name, sheet=sheet.name, cell=where)
