"""docgen: client-ready Word and Excel documents from structured data."""
__version__ = "0.1.0"
