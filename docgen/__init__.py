"""docgen: client-ready Word and Excel documents from structured data.

The library API works on records (mappings) and templates; the CLI is built on it:

* :func:`validate_record` — every problem of one record, as :class:`Problem` s;
* :func:`render_record` — one record to ``{format: bytes}``;
* :func:`check_template` — every problem of a .docx/.xlsx template;
* :class:`Template` — any template, compiled once, rendered many times;
* the errors: :class:`DocgenError` and its family (exit codes 1–4 in the CLI).
"""
from .api import check_template, render_record, validate_record
from .errors import (
    DocgenError,
    DocgenWarning,
    InputError,
    OutputError,
    Problem,
    SourceLocation,
    TemplateError,
    UsageError,
    ValidationFailed,
)
from .render.missing import MissingValuesError
from .richtext import R, RP, InlineImage, Listing, RichText, RichTextParagraph
from .template import Template

__version__ = "0.1.0"
__all__ = [
    "DocgenError", "DocgenWarning", "InlineImage", "InputError", "Listing",
    "MissingValuesError", "OutputError", "Problem", "R", "RP", "RichText",
    "RichTextParagraph", "SourceLocation", "Template", "TemplateError", "UsageError",
    "ValidationFailed",
    "__version__", "check_template", "render_record", "validate_record",
]
