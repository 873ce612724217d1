"""``docgen serve``: the web page, on this machine (or, ``--team``, for a team).

Registered by :mod:`docgen.cli`. The command only wires things up: the profile, the
server's temporary folder (removed at exit), the secret key, the warm PDF pool when
LibreOffice's ``uno`` is there, the application (built *before* uvicorn starts, so
a configuration problem is reported like any other CLI error), uvicorn, the browser.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click

from .errors import DocgenError
from .messages import N_, tr

if TYPE_CHECKING:
    from .i18n.locale import DocLocale
    from .pdfpool import PdfPool
    from .profile import Profile

SECRET_ENV = "DOCGEN_SECRET_KEY"
SECRET_FILE = ".docgen-secret-key"  # next to docgen.toml (team mode), mode 0600
MSG_SERVING = N_("docgen is serving at {url} (Ctrl+C stops it)")
MSG_NO_POOL = N_("no warm PDF pool ({detail}); each PDF starts LibreOffice (slower)")
MSG_TEAM = N_("team mode: log-in required (users: docgen users add)")


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost``: only this machine can connect."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secret_key(team: bool, config_dir: Path) -> bytes:
    """Local mode: a new random key each start (sessions end with the server).
    Team mode: ``$DOCGEN_SECRET_KEY``, else the key file next to docgen.toml, made
    once (0600) so log-ins survive a restart."""
    if not team:
        return secrets.token_bytes(32)
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env.encode("utf-8")
    path = config_dir / SECRET_FILE
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def start_pool(workers: Optional[int], loc: "DocLocale") -> Optional["PdfPool"]:
    """A warm pool (started in the background) when ``uno`` is available; None with
    a note otherwise, or with ``--workers-pdf 0``."""
    if workers == 0:
        return None
    from .pdfpool import PdfPool, pool_disabled
    if pool_disabled():
        return None
    try:
        pool = PdfPool(workers or 1)
    except DocgenError as exc:
        from .messages import localize_error
        click.echo(tr(loc, MSG_NO_POOL, detail=localize_error(exc, loc)), err=True)
        return None
    pool.start(wait=False)
    return pool


def load_profiles(configs: tuple[str, ...]) -> list["Profile"]:
    """Every ``--config`` loaded and checked now (the first problem stops the start,
    said as the CLI says it, exit 1), the same file once; none given: ./docgen.toml
    if present (else docgen's defaults)."""
    from .cli import _speak
    from .profile import find_config, load_profile

    _speak(None)
    if not configs:
        return [load_profile(find_config(None))]
    profiles: list["Profile"] = []
    seen: set[Path] = set()
    for config in configs:
        path = find_config(config)
        key = path.resolve() if path is not None else Path()
        if key in seen:
            continue
        seen.add(key)
        profiles.append(load_profile(path))
    return profiles


def register(main: click.Group) -> None:
    """Add ``docgen serve`` to ``main``."""
    from .cli import _speak

    @main.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on; anything but loopback means --team.")
    @click.option("--port", default=8750, show_default=True, type=click.IntRange(0, 65535))
    @click.option("--no-browser", is_flag=True, help="Do not open the browser.")
    @click.option("--config", "configs", multiple=True, metavar="FILE",
                  help="Company profile (default: ./docgen.toml if present). Repeat it for "
                       "several companies (the page lets the user choose); the first is "
                       "the primary: its ledger, e-mail and team settings are the server's.")
    @click.option("--team", is_flag=True, help="Team mode: log-in, users and roles.")
    @click.option("--workers-pdf", type=click.IntRange(0, 16), default=None, metavar="N",
                  help="Warm LibreOffice workers for PDFs (default 1; 0: none).")
    @click.option("--https-only", is_flag=True,
                  help="Session cookies only over HTTPS (behind a TLS reverse proxy).")
    @click.option("--proxy-headers", is_flag=True,
                  help="Trust X-Forwarded-* from --forwarded-allow-ips (a reverse proxy).")
    @click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
                  metavar="IPS", help="The reverse proxy's address(es), comma separated.")
    def serve_cmd(host: str, port: int, no_browser: bool, configs: tuple[str, ...], team: bool,
                  workers_pdf: Optional[int], https_only: bool, proxy_headers: bool,
                  forwarded_allow_ips: str) -> None:
        """Serve docgen's web page (http://127.0.0.1:8750 by default)."""
        from .web import require_web_extra

        require_web_extra()
        import uvicorn

        from .web import create_app
        from .web.settings import WebSettings, profile_choices

        profiles = load_profiles(configs)
        profile = profiles[0]
        loc = _speak(None, profile=profile)
        team = team or not is_loopback(host)
        config_dir = profile.path.parent if profile.path is not None else Path.cwd()
        work_dir = Path(tempfile.mkdtemp(prefix="docgen-serve-"))
        pool: Optional["PdfPool"] = None
        try:
            settings = WebSettings(work_dir=work_dir, secret_key=secret_key(team, config_dir),
                                   profile_path=profile.path, profile=profile, team=team,
                                   https_only=https_only,
                                   profiles=profile_choices(profiles) if len(profiles) > 1
                                   else [])
            app = create_app(settings)  # its UsageError (team mode without a ledger) is ours
            pool = start_pool(workers_pdf, loc)
            settings.pdf_pool = pool
            server = uvicorn.Server(uvicorn.Config(
                app, host=host, port=port, log_level="warning", proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False))
            shown = "localhost" if is_loopback(host) and host != "::1" else host
            url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}/"
            if team:
                click.echo(tr(loc, MSG_TEAM), err=True)
            click.echo(tr(loc, MSG_SERVING, url=url), err=True)
            if not no_browser:
                threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
            server.run()
            if not server.started:  # the port was taken: uvicorn said why
                sys.exit(4)
        finally:
            if pool is not None:
                pool.close()
            shutil.rmtree(work_dir, ignore_errors=True)


def _open_when_up(server: "object", url: str) -> None:
    deadline = time.monotonic() + 30
    while not getattr(server, "started", False) and time.monotonic() < deadline:
        time.sleep(0.1)
    if getattr(server, "started", False):
        webbrowser.open(url)
