"""``docgen users``: the accounts of a team's ``docgen serve`` (registered by
:mod:`docgen.cli`; the store is :mod:`docgen.web.users`, in the ledger's database).

A password is never an argument (it would stay in the shell's history and the process
list): it is asked twice without echo, or read as one line from stdin with
``--password-stdin`` (scripts).
"""
from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Optional

import click

from .errors import InputError
from .i18n.locale import DocLocale
from .messages import N_, tr

if TYPE_CHECKING:
    from .ledger.store import Ledger


def _read_password(loc: DocLocale, from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = click.prompt(tr(loc, N_("Password")), hide_input=True, default="",
                         show_default=False, err=True)
    again = click.prompt(tr(loc, N_("Password again")), hide_input=True, default="",
                         show_default=False, err=True)
    if first != again:
        raise InputError("the two passwords differ; nothing was changed",
                         code="user_password_mismatch")
    return str(first)


def store() -> ModuleType:
    """docgen.web.users, imported when a command runs (argon2 is the web extra's: a
    plain install says how to add it)."""
    from .web import require_web_extra
    require_web_extra()
    from .web import users
    return users


def register(main: click.Group) -> None:
    """Add the ``users`` group to ``main``."""
    from .cli import _profile, _speak, config_option, locale_option
    from .web import ROLES

    def start(config: Optional[str], locale: Optional[DocLocale]) -> tuple["Ledger", DocLocale]:
        profile = _profile(config, locale)
        loc = _speak(locale, profile=profile)
        return store().users_ledger(profile), loc

    password_stdin = click.option("--password-stdin", is_flag=True,
                                  help="Read the password from the first line of stdin "
                                       "instead of asking.")

    @main.group("users")
    def users_group() -> None:
        """Users of a team's docgen serve (kept in the ledger's database)."""

    @users_group.command("add")
    @click.argument("login", metavar="LOGIN")
    @click.option("--role", required=True, type=click.Choice(list(ROLES)),
                  help="ae: only the assigned clients; finance: every client's ledger and "
                       "receivables; admin: everything, users too.")
    @click.option("--name", default="", metavar="NAME", help="The name shown in the pages.")
    @click.option("--client", "clients", multiple=True, metavar="CLIENT",
                  help="A client this user sees (repeatable; for ae).")
    @password_stdin
    @locale_option
    @config_option
    def add_cmd(login: str, role: str, name: str, clients: tuple[str, ...],
                password_stdin: bool, locale: Optional[DocLocale],
                config: Optional[str]) -> None:
        """Add a user (the password is asked twice)."""
        ledger, loc = start(config, locale)
        try:
            store().check_login(login)
            if store().get_user(ledger, login) is not None:
                raise InputError("the user '{login}' already exists", code="user_exists",
                                 params={"login": store().normalise_login(login)})
            account = store().add_user(ledger, login, role=role, name=name, clients=clients,
                                     password=_read_password(loc, password_stdin))
        finally:
            ledger.close()
        click.echo(tr(loc, N_("User {login} added ({role})."), login=account.login,
                      role=tr(loc, store().ROLE_LABELS[account.role])))
        if account.role == "ae" and not account.clients:
            click.echo(tr(loc, N_("Note: {login} sees no client yet: docgen users assign "
                                  "{login} CLIENT…"), login=account.login), err=True)

    @users_group.command("list")
    @locale_option
    @config_option
    def list_cmd(locale: Optional[DocLocale], config: Optional[str]) -> None:
        """List the users, their roles and clients."""
        ledger, loc = start(config, locale)
        try:
            accounts = store().list_users(ledger)
        finally:
            ledger.close()
        if not accounts:
            click.echo(tr(loc, N_("No users yet: docgen users add LOGIN --role admin")),
                       err=True)
            return
        every = tr(loc, N_("every client"))
        for a in accounts:
            state = "" if a.active else " [" + tr(loc, N_("disabled")) + "]"
            shown = ", ".join(a.clients) if a.role == "ae" else every
            label = tr(loc, store().ROLE_LABELS[a.role])
            click.echo(f"{a.login}\t{label}\t{a.name}\t{shown}{state}")

    @users_group.command("assign")
    @click.argument("login", metavar="LOGIN")
    @click.argument("clients", nargs=-1, required=True, metavar="CLIENT...")
    @locale_option
    @config_option
    def assign_cmd(login: str, clients: tuple[str, ...], locale: Optional[DocLocale],
                   config: Optional[str]) -> None:
        """Let LOGIN see these clients too."""
        ledger, loc = start(config, locale)
        try:
            account = store().assign(ledger, login, clients)
        finally:
            ledger.close()
        click.echo(tr(loc, N_("{login} sees: {clients}"), login=account.login,
                      clients=", ".join(account.clients)))

    @users_group.command("unassign")
    @click.argument("login", metavar="LOGIN")
    @click.argument("clients", nargs=-1, required=True, metavar="CLIENT...")
    @locale_option
    @config_option
    def unassign_cmd(login: str, clients: tuple[str, ...], locale: Optional[DocLocale],
                     config: Optional[str]) -> None:
        """Take these clients from LOGIN."""
        ledger, loc = start(config, locale)
        try:
            account = store().unassign(ledger, login, clients)
        finally:
            ledger.close()
        click.echo(tr(loc, N_("{login} sees: {clients}"), login=account.login,
                      clients=", ".join(account.clients) or "-"))

    @users_group.command("disable")
    @click.argument("login", metavar="LOGIN")
    @locale_option
    @config_option
    def disable_cmd(login: str, locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Disable LOGIN: no more log-ins, open sessions end now."""
        ledger, loc = start(config, locale)
        try:
            account = store().set_active(ledger, login, False)
        finally:
            ledger.close()
        click.echo(tr(loc, N_("User {login} disabled."), login=account.login))

    @users_group.command("enable")
    @click.argument("login", metavar="LOGIN")
    @locale_option
    @config_option
    def enable_cmd(login: str, locale: Optional[DocLocale], config: Optional[str]) -> None:
        """Enable LOGIN again."""
        ledger, loc = start(config, locale)
        try:
            account = store().set_active(ledger, login, True)
        finally:
            ledger.close()
        click.echo(tr(loc, N_("User {login} enabled."), login=account.login))

    @users_group.command("passwd")
    @click.argument("login", metavar="LOGIN")
    @password_stdin
    @locale_option
    @config_option
    def passwd_cmd(login: str, password_stdin: bool, locale: Optional[DocLocale],
                   config: Optional[str]) -> None:
        """Set LOGIN's password (asked twice); the user's sessions end."""
        ledger, loc = start(config, locale)
        try:
            if store().get_user(ledger, login) is None:
                raise InputError("there is no user '{login}'", code="user_unknown",
                                 params={"login": login})
            store().set_password(ledger, login, _read_password(loc, password_stdin))
        finally:
            ledger.close()
        click.echo(tr(loc, N_("Password of {login} changed."),
                      login=store().normalise_login(login)))
