"""``docgen send KIND DATA``: reports by e-mail (registered by :mod:`docgen.cli`).

Exit codes: 0 every message written or sent (or nothing was due); 1 invalid data or
addresses (nothing written or sent); 2 usage (no ``[mail.smtp]``, no sender); 3 a
broken e-mail or document template; 4 a draft exists (without ``--force``), or a
message was not sent or is unconfirmed — each named on stderr; the others were sent
and recorded.
"""
from __future__ import annotations

import datetime as dt
import sys
from typing import Optional

import click

from .i18n.locale import DocLocale
from .messages import N_, localize_error, tr


def _when(value: Optional[str]) -> Optional[dt.datetime]:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date and time such as "
                                 "2026-11-23T12:00") from None


def _issued_not_sent(number: Optional[str], label: str, loc: DocLocale) -> None:
    if number:
        click.echo(tr(loc, N_("{message}: issued as {number}, not sent (recorded; the next "
                              "run sends it)"), message=label, number=number), err=True)


def register(main: click.Group) -> None:
    """Add ``send`` to ``main``."""
    from .cli import (_profile, _speak, config_option, force_option, input_options,
                      locale_option, name_option, template_option)

    @main.command("send")
    @click.argument("kind", metavar="KIND")
    @click.argument("data", metavar="DATA")
    @click.option("-o", "--output", "out_dir", default=".", metavar="DIR",
                  help="Folder of the .eml drafts (and of sent-log.jsonl without a ledger).")
    @click.option("--attach", default="pdf", metavar="FORMATS",
                  help="Files attached: comma list of pdf, docx, xlsx (default pdf).")
    @locale_option
    @input_options
    @name_option
    @template_option
    @click.option("--smtp", is_flag=True,
                  help="Send through [mail.smtp] of docgen.toml instead of writing drafts "
                       "(password: the environment variable password_env names, or the "
                       "keyring).")
    @click.option("--due", is_flag=True,
                  help="Only reports whose send time has come (weekly: Monday noon after "
                       "the week) and that were not sent yet; safe to run every hour.")
    @click.option("--now", "now", default=None, metavar="DATETIME",
                  help="The time --due compares with (default: now), e.g. 2026-11-23T12:00.")
    @click.option("--retry-unconfirmed", is_flag=True,
                  help="Send again messages a stopped run left unconfirmed (may duplicate).")
    @click.option("--resend-changed", is_flag=True,
                  help="With a ledger: a report whose data changed after it was sent (or "
                       "drafted) is issued as a new revision and sent again (without it, "
                       "it is only reported).")
    @config_option
    @force_option
    def send_cmd(kind: str, data: str, out_dir: str, attach: str, locale: Optional[DocLocale],
                 locale_field: Optional[str], group_by: Optional[str], sheet: Optional[str],
                 encoding: Optional[str], name: Optional[str], template: Optional[str],
                 smtp: bool, due: bool, now: Optional[str], retry_unconfirmed: bool,
                 resend_changed: bool, config: Optional[str], force: bool) -> None:
        """One e-mail per client for the reports in DATA (a sheet, a JSON/YAML list or a
        folder, read as batch reads it): .eml drafts to open in Outlook or Thunderbird,
        or sent with --smtp. With a [ledger], every report attached is issued (its
        number taken and archived, drafts too)."""
        from . import pipeline
        from .mail.run import send_reports

        profile = _profile(config, locale)
        loc = _speak(locale, profile=profile)
        report = send_reports(
            kind=pipeline.get_kind(kind, profile), data=data, profile=profile,
            out_dir=out_dir, attach=attach.split(","), locale=locale,
            locale_field=locale_field, group_by=group_by, sheet=sheet, encoding=encoding,
            name=name, smtp=smtp, due=due, now=_when(now), force=force,
            retry_unconfirmed=retry_unconfirmed, resend_changed=resend_changed,
            template=template)
        for path in report.drafts:
            click.echo(str(path))
        for p in report.issued:
            click.echo(tr(loc, N_("issued {number}: {message}"), number=p.number or "",
                          message=p.label), err=True)
        for p in report.changed:
            click.echo(tr(loc, N_("Warning: {message}: the report changed after {number} was "
                                  "sent or drafted; not sent again (--resend-changed issues "
                                  "a revision and sends it)"),
                          message=p.label, number=p.number or "-"), err=True)
        for p in report.sent:
            click.echo(tr(loc, N_("sent: {message} to {recipients}"), message=p.label,
                          recipients=", ".join(p.recipients)))
        for p in report.unconfirmed:
            click.echo(tr(loc, N_("Warning: {message}: an earlier run may have sent it (no "
                                  "confirmation was recorded); not sent again (check, then "
                                  "--retry-unconfirmed to send it)"), message=p.label),
                       err=True)
        for p, exc in report.failed:
            click.echo(tr(loc, N_("Error: {message}"), message=localize_error(exc, loc)),
                       err=True)
            _issued_not_sent(p.number, p.label, loc)
        for p in report.not_attempted:
            click.echo(tr(loc, N_("not sent (the run stopped): {message}"), message=p.label),
                       err=True)
            _issued_not_sent(p.number, p.label, loc)
        if smtp:
            click.echo(tr(loc, N_("{sent} sent, {already} already sent, {later} not due yet, "
                                  "{failed} failed (recorded in {log})."),
                          sent=len(report.sent), already=len(report.already_sent),
                          later=len(report.not_due),
                          failed=len(report.failed) + len(report.not_attempted),
                          log=report.log or "-"), err=True)
        else:
            click.echo(tr(loc, N_("{count} draft(s) written to {folder}; {later} not due "
                                  "yet, {already} already drafted."),
                          count=len(report.drafts), folder=out_dir, later=len(report.not_due),
                          already=len(report.already_sent)), err=True)
        if report.failed or report.not_attempted or report.unconfirmed:
            sys.exit(4)
