"""Shared helpers of the web tests: a TestClient on a fresh app, the CSRF token, the
kind form's fields as a browser would post them."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import lxml.html

from docgen.profile import Profile
from docgen.web.settings import WebSettings

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Pairs = list[tuple[str, str]]


def make_settings(tmp_path: Path, team: bool = False, profile: Optional[Profile] = None,
                  **options: Any) -> WebSettings:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return WebSettings(work_dir=work, secret_key=b"test-secret-key-of-32-bytes-long!",
                       profile=profile, profile_path=profile.path if profile else None,
                       team=team, **options)


def make_client(tmp_path: Path, team: bool = False, profile: Optional[Profile] = None,
                *, raise_server_exceptions: bool = True, **options: Any) -> "TestClient":
    """A TestClient on ``create_app`` with a work dir under ``tmp_path``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # starlette on httpx
        from starlette.testclient import TestClient
    from docgen.web import create_app

    app = create_app(make_settings(tmp_path, team, profile, **options))
    return TestClient(app, raise_server_exceptions=raise_server_exceptions)


def csrf_token(client: "TestClient", path: str = "/") -> str:
    """The page's CSRF token (the session cookie stays in ``client``)."""
    page = lxml.html.fromstring(client.get(path).text)
    (meta,) = page.xpath('//meta[@name="csrf-token"]')
    return str(meta.get("content"))


def form_pairs(html: str, form_id: str = "docgen-form") -> Pairs:
    """What the browser posts for the form ``form_id`` (row templates and files left out)."""
    page = lxml.html.fromstring(html)
    form = page.get_element_by_id(form_id)
    pairs: Pairs = []
    for el in form.xpath(".//input|.//select|.//textarea"):
        if el.xpath("ancestor::template") or el.xpath("ancestor::noscript"):
            continue
        name = el.get("name")
        if not name or el.get("type") in ("file", "submit", "button"):
            continue
        if el.tag == "select":
            chosen = el.xpath("./option[@selected]")
            pairs.append((name, chosen[0].get("value", "") if chosen else ""))
        elif el.tag == "textarea":
            pairs.append((name, el.text or ""))
        else:
            pairs.append((name, el.get("value") or ""))
    return pairs


def replace(pairs: Pairs, **values: str) -> Pairs:
    """``pairs`` with some values changed (keys with dots: pass a dict via **{...})."""
    return [(k, values.get(k, v)) for k, v in pairs]
