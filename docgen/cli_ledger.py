"""``docgen void``, ``docgen archive verify`` and ``docgen ledger import``: the
ledger's own commands (registered by :mod:`docgen.cli`)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click

from .i18n.locale import DocLocale
from .messages import N_, tr

if TYPE_CHECKING:
    from .ledger.store import Ledger
    from .profile import Profile


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    from .cli import _profile, _speak, config_option, locale_option, print_problems
    from .ledger.issuing import ledger_for

    def start(config: Optional[str],
              locale: Optional[DocLocale]) -> tuple["Profile", "Ledger", DocLocale]:
        profile = _profile(config, locale)
        loc = _speak(locale, profile=profile)
        ledger = ledger_for(profile, issue=True)
        assert ledger is not None
        return profile, ledger, loc

    @main.command("void")
    @click.argument("number", metavar="NUMBER")
    @click.option("--reason", required=True, metavar="TEXT", help="Why it is voided (kept).")
    @locale_option
    @config_option
    def void_cmd(number: str, reason: str, locale: Optional[DocLocale],
                 config: Optional[str]) -> None:
        """Void an issued document: its number stays taken, with the reason."""
        _, ledger, loc = start(config, locale)
        try:
            ledger.void(number, reason)
        finally:
            ledger.close()
        click.echo(tr(loc, N_("{number}: void ({reason})"), number=number,
                      reason=reason.strip()))

    @main.group("archive")
    def archive_group() -> None:
        """The archive of issued documents."""

    @archive_group.command("verify")
    @locale_option
    @config_option
    def verify_cmd(locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Re-hash every archived record and file; exit 4 if any is missing or changed."""
        _, ledger, loc = start(config, locale)
        try:
            problems = ledger.verify()
            count = len(ledger.documents())
        finally:
            ledger.close()
        for p in problems:
            state = tr(loc, N_("missing") if p.state == "missing" else N_("changed"))
            click.echo(f"{p.number}: {p.name}: {state} ({p.sha256[:12]})", err=True)
        if problems:
            click.echo(tr(loc, N_("Error: {count} archived object(s) missing or changed."),
                          count=len(problems)), err=True)
            sys.exit(4)
        click.echo(tr(loc, N_("{count} document(s) checked: the archive is intact."),
                      count=count))

    @main.group("ledger")
    def ledger_group() -> None:
        """The ledger itself."""

    @ledger_group.command("import")
    @click.argument("manifests", nargs=-1, required=True, metavar="MANIFEST...")
    @locale_option
    @config_option
    def import_cmd(manifests: tuple[str, ...], locale: Optional[DocLocale],
                   config: Optional[str]) -> None:
        """Record earlier batches' documents (their manifest.json) into the ledger."""
        from .ledger.importing import import_manifest

        profile, ledger, loc = start(config, locale)
        try:
            for manifest in manifests:
                result = import_manifest(ledger, Path(manifest), profile)
                if result.problems:
                    print_problems(result.problems, loc)
                click.echo(tr(loc, N_("{manifest}: {imported} document(s) recorded, "
                                      "{skipped} already in the ledger."), manifest=manifest,
                              imported=len(result.imported), skipped=len(result.skipped)))
        finally:
            ledger.close()
