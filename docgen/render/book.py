"""What a worksheet template needs from its workbook (:class:`Book`).

:class:`~docgen.render.xlsx.XlsxTemplate` is the workbook and builds its
:class:`~docgen.render.sheet.SheetTemplate` s; a sheet calls back into the workbook
for shared state (compiled texts, styles, shared formulas) and for errors. Naming
that interface here lets ``sheet.py`` depend on it instead of on ``xlsx.py``, which
imports ``sheet.py`` (no import cycle, not even for the type checker).
"""
from __future__ import annotations

from typing import Any, Optional, Protocol

import jinja2
from lxml import etree

from ..errors import TemplateError
from . import formula as fx
from .rowfit import WrapFont
from .xlsx_styles import Styles


class Book(Protocol):
    @property
    def file(self) -> str: ...

    @property
    def env(self) -> jinja2.Environment: ...

    @property
    def styles(self) -> Styles: ...

    @property
    def shared_masters(self) -> dict[tuple[str, str], tuple[int, int, list[fx.Token]]]: ...

    @property
    def compiled_texts(self) -> dict[tuple[int, str], jinja2.Template]: ...

    @property
    def compiled_rows(self) -> dict[str, jinja2.Template]: ...

    @property
    def wrap_fonts(self) -> dict[int, WrapFont]: ...

    @property
    def unevaluated(self) -> set[tuple[str, str]]: ...

    def expression(self, source: str) -> Any: ...

    def report(self, error: TemplateError) -> None: ...

    def error(self, message: str, sheet: Optional[str], cell: Optional[str], code: str,
              excerpt: Optional[str] = None, **params: Any) -> TemplateError: ...

    def runtime_error(self, exc: Exception, sheet: str, cell: str,
                      excerpt: Optional[str] = None) -> TemplateError: ...

    def cell_string(self, c_el: etree._Element) -> Optional[etree._Element]: ...

    def cell_text(self, c_el: etree._Element) -> Optional[str]: ...
