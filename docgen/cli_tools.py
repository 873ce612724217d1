"""``docgen pack`` and ``docgen doctor`` (registered by :mod:`docgen.cli`).

Exit codes: pack — 0 written; 1 a bad source (no manifest, a PDF missing, changed or
not a PDF, no document of the client in the period: every problem listed, nothing
written); 2 usage (several clients and no ``--client``, no source and no ledger);
4 the pack exists (``--force``) or cannot be written. doctor — 0 ready; 4 something
the configured features need is missing or unreachable (:data:`docgen.doctor.EXIT_NOT_READY`);
1 a broken docgen.toml.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Optional

import click

from .errors import UsageError
from .i18n.locale import DocLocale
from .messages import N_, tr


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    from .cli import _profile, _speak, config_option, force_option, locale_option

    date_type = click.DateTime(formats=["%Y-%m-%d"])

    @main.command("pack")
    @click.argument("sources", nargs=-1, metavar="[SOURCE...]")
    @click.option("-o", "--output", "out", required=True, metavar="FILE",
                  help="The PDF to write.")
    @click.option("--client", default=None, metavar="NAME",
                  help="Whose documents (needed when the sources hold several clients; "
                       "width, case and spaces are ignored).")
    @click.option("--from", "date_from", type=date_type, default=None, metavar="DATE",
                  help="First document date (YYYY-MM-DD), inclusive.")
    @click.option("--to", "date_to", type=date_type, default=None, metavar="DATE",
                  help="Last document date (YYYY-MM-DD), inclusive.")
    @locale_option
    @config_option
    @force_option
    def pack_cmd(sources: tuple[str, ...], out: str, client: Optional[str],
                 date_from: Optional[dt.datetime], date_to: Optional[dt.datetime],
                 locale: Optional[DocLocale], config: Optional[str], force: bool) -> None:
        """Merge one client's PDFs of a period into one PDF with a bookmark per document.

        SOURCE: folders docgen batch wrote (or their manifest.json); without SOURCE, the
        issued documents in the ledger ([ledger] in docgen.toml), which needs --client."""
        from .pack import PackItem, items_from_ledger, items_from_manifest, pack

        profile = _profile(config, locale)
        loc = _speak(locale, profile=profile)
        start = date_from.date() if date_from else None
        end = date_to.date() if date_to else None
        items: list[PackItem] = []
        if sources:
            for source in sources:
                items.extend(items_from_manifest(source, start=len(items)))
        else:
            from .ledger.issuing import ledger_for

            if profile.ledger is None:
                raise UsageError(N_("give the batch folders to pack, or configure a ledger "
                                    "([ledger] in docgen.toml)"), code="pack_source")
            if not client:
                raise UsageError(N_("packing from the ledger needs --client"),
                                 code="pack_clients")
            ledger = ledger_for(profile)
            assert ledger is not None
            try:
                items = items_from_ledger(ledger, client, start, end)
            finally:
                ledger.close()
        result = pack(items, out, client=client, date_from=start, date_to=end, locale=loc,
                      profile=profile, force=force)
        click.echo(str(result.path))
        click.echo(tr(loc, N_("{count} document(s), {pages} page(s) of {client} in {file}."),
                      count=len(result.items), pages=result.pages, client=result.client,
                      file=str(result.path)), err=True)

    @main.command("doctor")
    @click.option("-o", "--output", "out_dir", default=".", metavar="DIR",
                  help="The output folder to check (default: .).")
    @click.option("--deep", is_flag=True,
                  help="Also convert a test document with LibreOffice and log in to the "
                       "SMTP server.")
    @click.option("--timeout", type=click.FloatRange(0.5, 60), default=5.0, show_default=True,
                  metavar="SECONDS", help="For each network check.")
    @click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON on stdout.")
    @locale_option
    @config_option
    def doctor_cmd(out_dir: str, deep: bool, timeout: float, as_json: bool,
                   locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Check what docgen needs here: LibreOffice, CJK fonts, the warm PDF pool, the
        ledger's database and the SMTP server when configured, the output folder. Says
        how to install what is missing; exit 4 when a configured feature would fail."""
        from .doctor import diagnose, format_report

        profile = _profile(config, locale)
        loc = _speak(locale, profile=profile)
        report = diagnose(profile, out_dir=Path(out_dir), deep=deep, timeout=timeout)
        if as_json:
            payload: dict[str, Any] = report.to_json(loc)
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for line in format_report(report, loc):
                click.echo(line)
        sys.exit(report.exit_code)
