"""``docgen jobs``, ``job``, ``paid`` and ``receivables``: the ledger's job and money views.

Thin commands over :mod:`docgen.ledger.jobs` and :mod:`docgen.ledger.receivables`; they
live beside :mod:`docgen.cli` (which registers them) to keep that module small. The
clock is read here, at the boundary, and passed down as dates.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import click

from .errors import SourceLocation
from .i18n.format import get_formatter
from .i18n.locale import DocLocale
from .ledger.errors import LedgerInputError
from .ledger.store import Ledger, current_user, open_ledger
from .messages import N_, tr
from .profile import Profile


def open_profile_ledger(profile: Profile) -> Ledger:
    """The ledger docgen.toml's ``[ledger]`` names; without one, a clear error."""
    settings = profile.ledger
    if settings is None:
        where = SourceLocation(file=str(profile.path)) if profile.path else None
        raise LedgerInputError(N_("no ledger is configured: add a [ledger] section to "
                                  "docgen.toml (url = \"sqlite:///ledger.db\")"), where,
                               code="no-ledger")
    return open_ledger(settings.url, archive=settings.archive, series=settings.series,
                       company=profile.series_company)


F = TypeVar("F", bound=Callable[..., Any])

# Unpaid invoices the text report lists by default, the oldest first to chase; the
# totals always count every one (a ledger of 40,000 open invoices is a workbook's job).
TEXT_LIMIT = 100


def _date_option(name: str, help_text: str) -> Callable[[F], F]:
    return click.option(name, type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        metavar="YYYY-MM-DD", help=help_text)


def register(main: click.Group) -> None:
    """Add the commands to ``main`` (called by :mod:`docgen.cli` once it is defined)."""
    from .cli import _profile, _speak, config_option, force_option, locale_option
    from .ledger import jobs as jobs_mod
    from .ledger import receivables as recv
    from .ledger.report_text import jobs_text, receivables_text, timeline_text

    def start(config: Optional[str], locale: Optional[DocLocale]) -> tuple[Ledger, DocLocale]:
        profile = _profile(config, locale)
        return open_profile_ledger(profile), _speak(locale, profile=profile)

    @main.command("jobs")
    @click.option("--client", default=None, metavar="NAME",
                  help="Only jobs of clients whose name contains NAME.")
    @click.option("--open", "open_only", is_flag=True, help="Only jobs not yet paid in full.")
    @locale_option
    @config_option
    def jobs_cmd(client: Optional[str], open_only: bool, locale: Optional[DocLocale],
                 config: Optional[str]) -> None:
        """List jobs with their state (briefed, delivered, signed, invoiced, paid)."""
        ledger, loc = start(config, locale)
        try:
            with ledger.reading() as conn:
                states = jobs_mod.list_jobs(conn, ledger.archive, client=client,
                                            open_only=open_only)
        finally:
            ledger.close()
        click.echo(jobs_text(states, loc), nl=False)

    @main.command("job")
    @click.argument("number", metavar="JOB_NUMBER")
    @locale_option
    @config_option
    def job_cmd(number: str, locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Show a job's timeline: every document, revision, status, date and payment."""
        ledger, loc = start(config, locale)
        try:
            with ledger.reading() as conn:
                tl = jobs_mod.timeline(conn, ledger.archive, number)
        finally:
            ledger.close()
        click.echo(timeline_text(tl, loc), nl=False)

    @main.command("paid")
    @click.argument("number", metavar="NUMBER")
    @_date_option("--date", "Payment date (default: today).")
    @click.option("--amount", required=True, metavar="AMOUNT",
                  help="Amount received, in the invoice's currency (partial payments too).")
    @locale_option
    @config_option
    def paid_cmd(number: str, date: Optional[dt.datetime], amount: str,
                 locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Record a payment of invoice NUMBER."""
        ledger, loc = start(config, locale)
        today = dt.date.today()
        value = recv.parse_amount(amount)
        try:
            with ledger.connection() as conn:
                payment = recv.record_payment(
                    conn, number.strip(), paid_date=date.date() if date else today,
                    amount=value, today=today, recorded_at=ledger.now(),
                    recorded_by=current_user())
        finally:
            ledger.close()
        fmt = get_formatter(loc.primary)
        text = tr(loc, N_("Recorded {amount} paid on {date} for invoice {number}."),
                  amount=fmt.money(payment.amount, payment.currency),
                  date=payment.paid_date.isoformat(), number=payment.number)
        if payment.outstanding > 0:
            text += " " + tr(loc, N_("Still owed: {amount}."),
                             amount=fmt.money(payment.outstanding, payment.currency))
        else:
            text += " " + tr(loc, N_("Paid in full."))
        click.echo(text)

    @main.command("receivables")
    @_date_option("--as-of", "Report date (default: today).")
    @click.option("-f", "--format", "fmt", type=click.Choice(["text", "xlsx"]), default="text",
                  show_default=True)
    @click.option("-o", "--output", "out", default=None, metavar="FILE",
                  help="File to write (with -f xlsx the default is receivables-DATE.xlsx).")
    @click.option("--limit", type=click.IntRange(min=0), default=TEXT_LIMIT, show_default=True,
                  metavar="N", help="Text: list the N oldest unpaid invoices (the totals "
                                    "always count every one). The workbook lists all.")
    @click.option("--all", "list_all", is_flag=True,
                  help="Text: list every unpaid invoice.")
    @locale_option
    @config_option
    @force_option
    def receivables_cmd(as_of: Optional[dt.datetime], fmt: str, out: Optional[str],
                        limit: int, list_all: bool, locale: Optional[DocLocale],
                        config: Optional[str], force: bool) -> None:
        """Unpaid invoices by age (0–30, 31–45, 46–60, 60+ days), per client and AE."""
        ledger, loc = start(config, locale)
        day = as_of.date() if as_of else dt.date.today()
        try:
            with ledger.reading() as conn:
                report = recv.receivables(
                    conn, day, limit=None if fmt == "xlsx" or list_all else limit)
        finally:
            ledger.close()
        if fmt == "text" and out is None:
            click.echo(receivables_text(report, loc), nl=False)
            return
        from .ledger.report_xlsx import write_receivables_xlsx
        from .output import write_atomic

        path = Path(out or f"receivables-{day.isoformat()}.xlsx")
        data = (receivables_text(report, loc).encode("utf-8") if fmt == "text"
                else write_receivables_xlsx(report, loc))
        write_atomic(path, data, force)
        click.echo(str(path))
