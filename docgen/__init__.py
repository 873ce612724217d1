"""docgen: client-ready Word and Excel documents from structured data."""
from .errors import DocgenError, TemplateError
from .template import Template

__version__ = "0.1.0"
__all__ = ["DocgenError", "Template", "TemplateError", "__version__"]
