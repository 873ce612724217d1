"""The document pages: the kind list, a kind's form, validate, preview, download."""
from __future__ import annotations

from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import kinds as kinds_mod
from ..api import get_kind
from ..i18n.locale import DocLocale
from ..profile import Profile
from .pages import render_page, settings_of, ui_locale


def profile_of(request: Request) -> Optional[Profile]:
    """The company profile this server uses (None: docgen's defaults)."""
    return settings_of(request).profile


def profile_summary(request: Request, loc: DocLocale) -> dict[str, Any]:
    """What the pages say about the profile in use: its file and company name."""
    settings = settings_of(request)
    profile = settings.profile
    path = settings.profile_path or (profile.path if profile is not None else None)
    company = profile.context(loc).get("name") if profile is not None else None
    return {"path": str(path) if path else None, "company": company or ""}


async def index(request: Request) -> Response:
    """``/``: the kinds, labelled in the UI language, and the profile in use."""
    loc = ui_locale(request)
    profile = profile_of(request)
    kinds = []
    for name in kinds_mod.available(profile):
        kind = get_kind(name, profile)
        kinds.append({"name": name, "label": kind.label(loc.primary), "user": kind.user,
                      "url": request.url_for("kind_form", kind=name).path})
    return render_page(request, "index.html", kinds=kinds,
                       profile=profile_summary(request, loc))


async def kind_form(request: Request) -> Response:
    """``/kind/{kind}``: the form (filled in later steps)."""
    loc = ui_locale(request)
    kind = get_kind(request.path_params["kind"], profile_of(request))
    return render_page(request, "index.html", kinds=[], profile=profile_summary(request, loc),
                       kind=kind.name)


routes: list[BaseRoute] = [
    Route("/", index, name="documents"),
    Route("/kind/{kind}", kind_form, name="kind_form"),
]
