"""``docgen.Template``: the public face of the engine, for library users and the CLI."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .errors import SourceLocation, TemplateError
from .i18n.catalog import Labels
from .i18n.format import Formatter
from .i18n.locale import DocLocale, UnknownLocale
from .render.docx import DocxTemplate
from .render.images import ImageSink
from .render.package import write_package
from .render.xlsx import XlsxTemplate

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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "docx"
    return "xlsx" if "xl/workbook.xml" in names else "docx"


class Template:
    """A Word or Excel template, parsed and compiled once, rendered many times.

    >>> tpl = Template("minutes.docx")                       # doctest: +SKIP
    >>> data = tpl.render({"title": "Kick-off"}, locale="ko")  # doctest: +SKIP
    """

    def __init__(self, source: Source, *, name: Optional[str] = None) -> None:
        data, self.name = read_source(source, name)
        self.format = sniff_format(data)
        self._docx: Optional[DocxTemplate] = None
        self._xlsx: Optional[XlsxTemplate] = None
        if self.format == "xlsx":
            self._xlsx = XlsxTemplate(data, self.name)
        else:
            self._docx = DocxTemplate(data, self.name)
        self._bound: dict[str, tuple[Formatter, Labels]] = {}

    def fields(self) -> set[str]:
        """Names of the top-level variables the template uses."""
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
    ) -> bytes:
        """Render to the bytes of a .docx or .xlsx file (the template's format).

        ``locale`` selects labels (``_()``), formats (filters) and the document's
        East Asian font and language tag; without it, formats follow Korean and the
        template's fonts are left as they are. ``fonts`` maps a locale's primary
        code to its East Asian font. ``image(path, width_mm)`` reads plain paths
        relative to ``base_dir`` (default: the working directory) and never outside it.
        """
        if isinstance(locale, DocLocale) or locale is None:
            doc_locale = locale
        else:
            try:
                doc_locale = DocLocale.parse(locale)
            except UnknownLocale:
                raise TemplateError("unknown locale '{locale}'", code="locale",
                                    params={"locale": locale}) from None
        formatter, labels = self._bind(doc_locale or DocLocale("ko"))
        ctx = dict(context)
        ctx["_docgen"] = formatter
        ctx["_"] = ctx["gettext"] = labels.gettext
        ctx["ngettext"] = labels.ngettext
        ctx["locale"] = (doc_locale or DocLocale("ko")).code
        sink = ImageSink(Path(base_dir) if base_dir is not None else None)
        ctx["image"] = sink.image
        if self._xlsx is not None:
            return write_package(self._xlsx.render_members(ctx, sink, doc_locale, fonts))
        assert self._docx is not None
        return write_package(self._docx.render_members(ctx, doc_locale, fonts, sink))
