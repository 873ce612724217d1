"""docgen serve: the local web page (issue 14).

:func:`create_app` builds the Starlette application of one server from its
:class:`~docgen.web.settings.WebSettings`; ``docgen serve`` (:mod:`docgen.cli_web`)
runs it with uvicorn.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .settings import WebSettings

__all__ = ["create_app"]


def create_app(settings: "WebSettings", **options: Any) -> "Starlette":
    """The application of one server (see :func:`docgen.web.app.create_app`)."""
    from .app import create_app as build  # starlette is imported only when a server runs
    return build(settings, **options)
