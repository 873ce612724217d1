"""``docgen pdf-server``: warm LibreOffice workers for ``render -f pdf`` and front ends
(registered by :mod:`docgen.cli`)."""
from __future__ import annotations

import sys
from typing import Optional

import click

from .errors import OutputError
from .i18n.locale import DocLocale
from .messages import N_, tr


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    from .cli import _quiet_profile, _speak, locale_option

    @main.command("pdf-server")
    @click.option("-w", "--workers", type=click.IntRange(1, 32), default=2, show_default=True,
                  metavar="N", help="LibreOffice processes (each converts one file at a time).")
    @click.option("--max-conversions", type=click.IntRange(1, 100000), default=200,
                  show_default=True, metavar="N",
                  help="Restart a worker's LibreOffice after N files.")
    @click.option("--timeout", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
                  metavar="SECONDS", help="Seconds one file may take (then its worker is "
                                          "killed and restarted).")
    @click.option("--stop", is_flag=True, help="Stop the running PDF server.")
    @locale_option
    def pdf_server_cmd(workers: int, max_conversions: int, timeout: float, stop: bool,
                       locale: Optional[DocLocale]) -> None:
        """Run warm LibreOffice workers in the foreground; `render -f pdf` (and any front
        end) uses them while this runs. Ctrl-C or --stop ends it."""
        from .pdfpool import PdfPool, PdfServer, find_server, runtime_dir

        loc = _speak(locale, profile=_quiet_profile())
        running = find_server()
        if stop:
            if running is None:
                click.echo(tr(loc, N_("No PDF server is running.")), err=True)
                return
            if not running.stop():
                raise OutputError(N_("the PDF server (process {pid}) did not stop"),
                                  code="server_stop", params={"pid": running.info.get("pid")})
            click.echo(tr(loc, N_("PDF server stopped.")), err=True)
            return
        if running is not None:
            raise OutputError(N_("a PDF server is already running (process {pid}); stop it "
                                 "with: docgen pdf-server --stop"), code="server_running",
                              params={"pid": running.info.get("pid")})
        pool = PdfPool(workers, max_conversions=max_conversions, timeout=timeout)
        try:
            server = PdfServer(pool, runtime_dir())
        except BaseException:
            pool.close()
            raise
        try:  # SIGTERM (--stop) arrives as Terminated, a KeyboardInterrupt (docgen.stops)
            pool.start()
            address = server.info["address"]
            shown = address if isinstance(address, str) else f"{address[0]}:{address[1]}"
            click.echo(tr(loc, N_("PDF server ready: {workers} LibreOffice worker(s) on "
                                  "{address}. Stop it with Ctrl-C or: docgen pdf-server "
                                  "--stop"), workers=workers, address=shown), err=True)
            sys.stderr.flush()
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        click.echo(tr(loc, N_("PDF server stopped.")), err=True)
