"""docgen serve: the local web page (issue 14).

:func:`create_app` builds the Starlette application of one server from its
:class:`~docgen.web.settings.WebSettings`; ``docgen serve`` (:mod:`docgen.cli_web`)
runs it with uvicorn.
"""
from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..messages import N_

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .settings import WebSettings

__all__ = ["ROLES", "create_app", "require_web_extra"]

#: The roles of team mode (see :mod:`docgen.web.security`).
ROLES = ("ae", "finance", "admin")
# What the web extra installs (``pip install 'docgen[web]'``), by module name.
_WEB_MODULES = ("starlette", "uvicorn", "multipart", "itsdangerous", "argon2")


def require_web_extra() -> None:
    """Stop with a usage error saying how to install the web extra when a module of it
    is missing (a plain ``pip install docgen`` has none of them)."""
    for module in _WEB_MODULES:
        if importlib.util.find_spec(module) is None:
            raise UsageError(N_("the web page and team users need docgen's web extra "
                                "({module} is not installed): pip install 'docgen[web]'"),
                             code="web_extra", params={"module": module})


def create_app(settings: "WebSettings", **options: Any) -> "Starlette":
    """The application of one server (see :func:`docgen.web.app.create_app`)."""
    from .app import create_app as build  # starlette is imported only when a server runs
    return build(settings, **options)
