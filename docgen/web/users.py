"""The users of a team's ``docgen serve``: accounts, roles, clients, sessions.

Kept in the ledger's database (tables ``users``, ``user_clients`` and ``web_sessions``
of :mod:`docgen.ledger.schema`), so a team on PostgreSQL shares one list of users.
Pure store functions over an open :class:`~docgen.ledger.Ledger`; nothing here knows
about HTTP (``docgen users`` and :mod:`docgen.web.security` both call them).

Passwords are argon2id hashes (argon2-cffi's :class:`~argon2.PasswordHasher` with its
defaults), re-hashed at log-in when those defaults have grown. A log-in for an unknown
or disabled user verifies a dummy hash, so it takes as long as a wrong password.
Sessions are random tokens; the database keeps only their SHA-256, so a copy of the
database opens no session.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Optional, Sequence

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import InputError, UsageError
from ..ledger.schema import user_clients, users, web_sessions
from ..ledger.store import client_key

from ..messages import N_

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..ledger.store import Ledger
    from ..profile import Profile

from . import ROLES as ROLES
ROLE_LABELS = {"ae": N_("AE"), "finance": N_("finance"), "admin": N_("admin")}
PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # argon2 takes any length; a bound keeps a log-in cheap to refuse
LOGIN_MAX = 64
NAME_MAX = 200
SESSION_MAX_AGE = 12 * 3600  # seconds: a working day, then log in again
_SEEN_EVERY = dt.timedelta(minutes=5)  # seen_at is written at most this often
_LOGIN = re.compile(r"[\w.@+-]+")

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def warm_up() -> None:
    """Make the dummy hash now, so the first log-in of an unknown user is not slower."""
    _dummy_hash()


@dataclass(frozen=True)
class Account:
    """One user as stored."""

    id: int
    login: str
    name: str
    role: str
    active: bool
    created_at: dt.datetime
    clients: tuple[str, ...]  # the names as typed, sorted
    client_keys: frozenset[str]  # the same, as ledger client keys
    seen_at: Optional[dt.datetime] = None  # the newest session's last request


def users_ledger(profile: Optional["Profile"]) -> "Ledger":
    """The ledger that keeps the users (the profile's ``[ledger]``), opened."""
    from ..ledger.issuing import ledger_for

    ledger = ledger_for(profile)
    if ledger is None:
        raise UsageError("team mode keeps its users in the ledger's database: add a [ledger] "
                         "section to docgen.toml (url = \"postgresql://…\" for a team's "
                         "server)", code="users_no_ledger")
    return ledger


# --- checks ------------------------------------------------------------------------------

def normalise_login(login: str) -> str:
    """The stored form of a log-in name: NFKC, case-folded, no outer spaces."""
    return unicodedata.normalize("NFKC", login).strip().casefold()


def check_login(login: str) -> str:
    text = normalise_login(login)
    if not text or len(text) > LOGIN_MAX or not _LOGIN.fullmatch(text):
        raise InputError("'{login}' is not a valid log-in name (letters, digits and . _ - @ +, "
                         "at most {max} characters)", code="user_login",
                         params={"login": login, "max": LOGIN_MAX})
    return text


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("unknown role '{role}' (use ae, finance or admin)", code="user_role",
                         params={"role": role})
    return role


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise InputError("the password is too short: at least {min} characters",
                         code="user_password", params={"min": PASSWORD_MIN})
    if len(password) > PASSWORD_MAX:
        raise InputError("the password is too long: at most {max} characters",
                         code="user_password", params={"max": PASSWORD_MAX})
    return password


def check_name(name: str) -> str:
    text = " ".join(name.split())
    if len(text) > NAME_MAX:
        raise InputError("the name is too long: at most {max} characters", code="user_name",
                         params={"max": NAME_MAX})
    return text


def _client_pairs(clients: Iterable[str]) -> dict[str, str]:
    """client key -> the name as typed (the first spelling of a key wins)."""
    pairs: dict[str, str] = {}
    for name in clients:
        shown = " ".join(str(name).split())
        key = client_key(shown)
        if not key:
            raise InputError("a client name is empty", code="user_client")
        pairs.setdefault(key, shown)
    return pairs


def _unknown(login: str) -> InputError:
    return InputError("there is no user '{login}'", code="user_unknown", params={"login": login})


# --- reading -----------------------------------------------------------------------------

def _accounts(conn: "Connection", where: Optional[sa.ColumnElement[bool]] = None
              ) -> list[Account]:
    query = sa.select(users).order_by(users.c.login)
    if where is not None:
        query = query.where(where)
    rows = conn.execute(query).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    names: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for c in conn.execute(sa.select(user_clients).where(user_clients.c.user_id.in_(ids))
                          ).mappings():
        names[c["user_id"]].append((c["client_key"], c["client"]))
    seen: dict[int, dt.datetime] = {}
    for s in conn.execute(sa.select(web_sessions.c.user_id,
                                    sa.func.max(web_sessions.c.seen_at).label("seen"))
                          .where(web_sessions.c.user_id.in_(ids))
                          .group_by(web_sessions.c.user_id)).mappings():
        seen[s["user_id"]] = s["seen"]
    return [Account(id=r["id"], login=r["login"], name=r["name"] or "", role=r["role"],
                    active=bool(r["active"]), created_at=r["created_at"],
                    clients=tuple(sorted(n for _, n in names[r["id"]])),
                    client_keys=frozenset(k for k, _ in names[r["id"]]),
                    seen_at=_aware(seen.get(r["id"])))
            for r in rows]


def _aware(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    # max() over a UTCDateTime column comes back untyped on SQLite (ISO text)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def list_users(ledger: "Ledger") -> list[Account]:
    """Every user, by log-in name."""
    with ledger.reading() as conn:
        return _accounts(conn)


def get_user(ledger: "Ledger", login: str) -> Optional[Account]:
    with ledger.reading() as conn:
        found = _accounts(conn, users.c.login == normalise_login(login))
    return found[0] if found else None


def user_by_id(ledger: "Ledger", user_id: int) -> Optional[Account]:
    with ledger.reading() as conn:
        found = _accounts(conn, users.c.id == user_id)
    return found[0] if found else None


def _existing(conn: "Connection", login: str) -> int:
    user_id = conn.execute(sa.select(users.c.id).where(
        users.c.login == normalise_login(login))).scalar()
    if user_id is None:
        raise _unknown(login)
    return int(user_id)


# --- writing -----------------------------------------------------------------------------

def add_user(ledger: "Ledger", login: str, *, role: str, password: str, name: str = "",
             clients: Sequence[str] = ()) -> Account:
    """A new active user (an error when the log-in name is taken)."""
    stored = check_login(login)
    check_role(role)
    check_password(password)
    shown = check_name(name)
    pairs = _client_pairs(clients)
    password_hash = _hasher.hash(password)
    with ledger.connection() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.login == stored)).first():
            raise InputError("the user '{login}' already exists", code="user_exists",
                             params={"login": stored})
        inserted = conn.execute(users.insert().values(
            login=stored, name=shown, role=role, password_hash=password_hash, active=True,
            created_at=ledger.now())).inserted_primary_key
        assert inserted is not None
        user_id = inserted[0]
        if pairs:
            conn.execute(user_clients.insert(), [
                {"user_id": user_id, "client_key": k, "client": n} for k, n in pairs.items()])
    found = get_user(ledger, stored)
    assert found is not None
    return found


def assign(ledger: "Ledger", login: str, clients: Sequence[str]) -> Account:
    """Give ``login`` these clients too (already assigned ones are kept as they are)."""
    pairs = _client_pairs(clients)
    with ledger.connection() as conn:
        user_id = _existing(conn, login)
        have = set(conn.execute(sa.select(user_clients.c.client_key).where(
            user_clients.c.user_id == user_id)).scalars())
        new = [{"user_id": user_id, "client_key": k, "client": n}
               for k, n in pairs.items() if k not in have]
        if new:
            conn.execute(user_clients.insert(), new)
    found = get_user(ledger, login)
    assert found is not None
    return found


def unassign(ledger: "Ledger", login: str, clients: Sequence[str]) -> Account:
    """Take these clients from ``login`` (a client the user does not have is an error)."""
    pairs = _client_pairs(clients)
    with ledger.connection() as conn:
        user_id = _existing(conn, login)
        have = set(conn.execute(sa.select(user_clients.c.client_key).where(
            user_clients.c.user_id == user_id)).scalars())
        missing = [n for k, n in pairs.items() if k not in have]
        if missing:
            raise InputError("'{login}' is not assigned {client}", code="user_not_assigned",
                             params={"login": normalise_login(login), "client": missing[0]})
        conn.execute(user_clients.delete().where(user_clients.c.user_id == user_id,
                                                 user_clients.c.client_key.in_(list(pairs))))
    found = get_user(ledger, login)
    assert found is not None
    return found


def set_active(ledger: "Ledger", login: str, active: bool) -> Account:
    """Enable or disable ``login``; disabling ends the user's sessions at once. The
    last active admin cannot be disabled (nobody could manage users any more)."""
    with ledger.connection() as conn:
        user_id = _existing(conn, login)
        if not active:
            row = conn.execute(sa.select(users.c.role, users.c.active).where(
                users.c.id == user_id)).mappings().one()
            others = conn.execute(sa.select(sa.func.count()).select_from(users).where(
                users.c.role == "admin", users.c.active.is_(True),
                users.c.id != user_id)).scalar()
            if row["role"] == "admin" and row["active"] and not others:
                raise InputError("'{login}' is the last active admin: add another admin first",
                                 code="user_last_admin",
                                 params={"login": normalise_login(login)})
            conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))
        conn.execute(users.update().where(users.c.id == user_id).values(active=active))
    found = get_user(ledger, login)
    assert found is not None
    return found


def set_password(ledger: "Ledger", login: str, password: str) -> None:
    """A new password for ``login``; every session of the user ends."""
    check_password(password)
    password_hash = _hasher.hash(password)
    with ledger.connection() as conn:
        user_id = _existing(conn, login)
        conn.execute(users.update().where(users.c.id == user_id).values(
            password_hash=password_hash))
        conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


# --- log-in and sessions -----------------------------------------------------------------

def authenticate(ledger: "Ledger", login: str, password: str) -> Optional[Account]:
    """The active user ``login`` if ``password`` is theirs, else ``None`` — as slow for
    an unknown or disabled user as for a wrong password."""
    stored = normalise_login(login)
    with ledger.reading() as conn:
        row = conn.execute(sa.select(users.c.id, users.c.password_hash, users.c.active).where(
            users.c.login == stored)).mappings().first()
    if row is None or len(password) > PASSWORD_MAX:
        _verify(_dummy_hash(), password[:PASSWORD_MAX])
        return None
    if not _verify(row["password_hash"], password) or not row["active"]:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        with ledger.connection() as conn:
            conn.execute(users.update().where(users.c.id == row["id"]).values(
                password_hash=_hasher.hash(password)))
    return user_by_id(ledger, row["id"])


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(ledger: "Ledger", user_id: int) -> str:
    """A new session of ``user_id``: the token for the (signed) session cookie. The
    user's expired sessions are removed on the way."""
    token = secrets.token_urlsafe(32)
    now = ledger.now()
    with ledger.connection() as conn:
        conn.execute(web_sessions.delete().where(
            web_sessions.c.user_id == user_id,
            web_sessions.c.created_at < now - dt.timedelta(seconds=SESSION_MAX_AGE)))
        conn.execute(web_sessions.insert().values(id=_token_id(token), user_id=user_id,
                                                  created_at=now, seen_at=now))
    return token


def session_user(ledger: "Ledger", token: str) -> Optional[Account]:
    """The active user whose session ``token`` is, while it is not older than
    :data:`SESSION_MAX_AGE`; ``None`` otherwise."""
    if not token:
        return None
    now = ledger.now()
    with ledger.reading() as conn:
        row = conn.execute(sa.select(web_sessions).where(
            web_sessions.c.id == _token_id(token))).mappings().first()
        if row is None or row["created_at"] < now - dt.timedelta(seconds=SESSION_MAX_AGE):
            return None
        found = _accounts(conn, sa.and_(users.c.id == row["user_id"], users.c.active.is_(True)))
    if found and row["seen_at"] < now - _SEEN_EVERY:
        with ledger.connection() as conn:
            conn.execute(web_sessions.update().where(web_sessions.c.id == row["id"]).values(
                seen_at=now))
    return found[0] if found else None


def close_session(ledger: "Ledger", token: str) -> None:
    """End the session ``token`` (log-out)."""
    with ledger.connection() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.id == _token_id(token)))


__all__ = ["Account", "ROLES", "ROLE_LABELS", "users_ledger", "SESSION_MAX_AGE", "add_user", "assign", "authenticate",
           "close_session", "get_user", "list_users", "normalise_login", "open_session",
           "session_user", "set_active", "set_password", "unassign", "user_by_id", "warm_up"]
