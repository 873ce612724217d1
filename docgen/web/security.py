"""Who is asking, and what they may see (the lead's local-mode stub; team mode: W-TEAM).

Local mode (``docgen serve`` on 127.0.0.1) has one user, :data:`LOCAL_USER`, who sees
every client; CSRF is checked anyway, because any web page the AE visits could post
to localhost.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .settings import WebSettings

ROLES = ("ae", "finance", "admin")


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str
    role: str  # one of ROLES
    clients: Optional[frozenset[str]]  # None: every client


LOCAL_USER = User(id=0, login="local", name="", role="admin", clients=None)


def install(app: "Starlette", settings: "WebSettings") -> None:
    """Add the middleware that sessions, log-in and CSRF need (stub: none yet)."""


def current_user(request: Request) -> User:
    return LOCAL_USER


def csrf_token(request: Request) -> str:
    return "stub"


async def check_csrf(request: Request) -> None:
    """Every POST handler awaits this first (stub: accepts everything)."""


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def may_see_client(user: User, client: str) -> bool:
    return user.clients is None or _key(client) in {_key(c) for c in user.clients}


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(status_code=403)
