"""The users of team mode: the store (docgen.web.users) and ``docgen users``.

Every store test runs on SQLite and on PostgreSQL ($DOCGEN_TEST_POSTGRES_URL, as the
ledger tests do). The fixtures here (a ledger database, a profile pointing at it) are
imported by tests/web/test_team.py too.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from docgen.errors import InputError, UsageError
from tests.ledger.conftest import empty_database

pytest.importorskip("argon2")

if TYPE_CHECKING:
    from docgen.ledger.store import Ledger

PASSWORD = "correct horse 1"


@pytest.fixture(params=["sqlite", "postgresql"])
def users_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty ledger database (SQLite file, or a new PostgreSQL database)."""
    with empty_database(str(request.param), tmp_path) as url:
        yield url


@pytest.fixture
def config_url(users_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``users_db`` as docgen.toml may say it: a password moves to the environment."""
    parsed = sa.make_url(users_db)
    if parsed.password is None:
        return users_db
    monkeypatch.setenv("DOCGEN_LEDGER_PASSWORD", str(parsed.password))
    return parsed._replace(password=None).render_as_string(hide_password=False)


@pytest.fixture
def team_config(config_url: str, tmp_path: Path) -> Path:
    """A docgen.toml whose [ledger] is ``users_db``."""
    path = tmp_path / "docgen.toml"
    archive = (tmp_path / "archive").as_posix()
    path.write_text(f'[ledger]\nurl = "{config_url}"\narchive = "{archive}"\n',
                    encoding="utf-8")
    return path


@pytest.fixture
def ledger(users_db: str, tmp_path: Path) -> Iterator["Ledger"]:
    from docgen.ledger import open_ledger

    opened = open_ledger(users_db, archive=tmp_path / "archive")
    try:
        yield opened
    finally:
        opened.close()


# --- the store ------------------------------------------------------------------------

def test_add_and_read_back(ledger: "Ledger") -> None:
    from docgen.web import users

    added = users.add_user(ledger, " Kim.AE ", role="ae", name="  김  민지 ", password=PASSWORD,
                           clients=["Acme Korea", "ＡＣＭＥ  korea", "Beta Trading"])
    assert added.login == "kim.ae"  # case-folded, trimmed
    assert added.name == "김 민지"
    assert added.role == "ae" and added.active
    # one client per ledger key: the full-width spelling of Acme is the same client
    assert added.clients == ("Acme Korea", "Beta Trading")
    assert added.client_keys == {"acmekorea", "betatrading"}
    assert users.get_user(ledger, "KIM.AE") == added
    assert users.user_by_id(ledger, added.id) == added
    assert [a.login for a in users.list_users(ledger)] == ["kim.ae"]
    with ledger.reading() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("login, role, password, code", [
    ("bad login", "ae", PASSWORD, "user_login"),
    ("", "ae", PASSWORD, "user_login"),
    ("x" * 65, "ae", PASSWORD, "user_login"),
    ("kim", "boss", PASSWORD, "user_role"),
    ("kim", "ae", "short", "user_password"),
])
def test_add_refuses_bad_input(ledger: "Ledger", login: str, role: str, password: str,
                               code: str) -> None:
    from docgen.web import users

    with pytest.raises(InputError) as err:
        users.add_user(ledger, login, role=role, password=password)
    assert err.value.code == code
    assert users.list_users(ledger) == []


def test_login_taken(ledger: "Ledger") -> None:
    from docgen.web import users

    users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    with pytest.raises(InputError) as err:
        users.add_user(ledger, "KIM", role="admin", password=PASSWORD)
    assert err.value.code == "user_exists"
    assert [a.role for a in users.list_users(ledger)] == ["ae"]


def test_assign_and_unassign(ledger: "Ledger") -> None:
    from docgen.web import users

    users.add_user(ledger, "kim", role="ae", password=PASSWORD, clients=["Acme Korea"])
    after = users.assign(ledger, "kim", ["acme korea", "Beta"])  # Acme already there
    assert after.clients == ("Acme Korea", "Beta")
    after = users.unassign(ledger, "kim", ["ACME KOREA"])
    assert after.clients == ("Beta",)
    with pytest.raises(InputError) as err:
        users.unassign(ledger, "kim", ["Gamma"])
    assert err.value.code == "user_not_assigned"
    with pytest.raises(InputError) as err:
        users.assign(ledger, "nobody", ["Beta"])
    assert err.value.code == "user_unknown"
    with pytest.raises(InputError):
        users.assign(ledger, "kim", ["   "])


def test_authenticate(ledger: "Ledger") -> None:
    from docgen.web import users

    kim = users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    found = users.authenticate(ledger, "Kim", PASSWORD)
    assert found is not None and found.id == kim.id
    assert users.authenticate(ledger, "kim", PASSWORD + "x") is None
    assert users.authenticate(ledger, "kim", "") is None
    assert users.authenticate(ledger, "nobody", PASSWORD) is None
    assert users.authenticate(ledger, "kim", "x" * 5000) is None


def test_unknown_user_costs_a_hash(ledger: "Ledger", monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown or disabled user verifies a hash like a known one (no timing tell)."""
    from docgen.web import users

    users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    users.add_user(ledger, "boss", role="admin", password=PASSWORD)
    users.set_active(ledger, "kim", False)
    calls: list[str] = []
    real = users._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)
    monkeypatch.setattr(users, "_hasher", Counting())
    assert users.authenticate(ledger, "nobody", PASSWORD) is None
    assert users.authenticate(ledger, "kim", PASSWORD) is None  # disabled
    assert users.authenticate(ledger, "boss", "wrong password") is None
    assert len(calls) == 3 and all(h.startswith("$argon2id$") for h in calls)


def test_rehash_on_login_when_parameters_grew(ledger: "Ledger") -> None:
    from argon2 import PasswordHasher

    from docgen.web import users

    users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with ledger.connection() as conn:
        conn.execute(sa.text("UPDATE users SET password_hash = :h"), {"h": weak})
    assert users.authenticate(ledger, "kim", PASSWORD) is not None
    with ledger.reading() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    assert stored != weak and not users._hasher.check_needs_rehash(stored)
    assert users.authenticate(ledger, "kim", PASSWORD) is not None


def test_sessions(ledger: "Ledger") -> None:
    from docgen.web import users

    kim = users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    token = users.open_session(ledger, kim.id)
    found = users.session_user(ledger, token)
    assert found is not None and found.id == kim.id
    with ledger.reading() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM web_sessions")).scalars())
    assert ids and token not in ids  # only its hash is kept
    assert users.session_user(ledger, token + "x") is None
    assert users.session_user(ledger, "") is None
    users.close_session(ledger, token)
    assert users.session_user(ledger, token) is None


def test_session_expires(ledger: "Ledger") -> None:
    from docgen.web import users

    kim = users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    ledger.now = lambda: start
    token = users.open_session(ledger, kim.id)
    ledger.now = lambda: start + dt.timedelta(seconds=users.SESSION_MAX_AGE - 60)
    assert users.session_user(ledger, token) is not None
    ledger.now = lambda: start + dt.timedelta(seconds=users.SESSION_MAX_AGE + 1)
    assert users.session_user(ledger, token) is None


def test_disable_and_password_end_sessions(ledger: "Ledger") -> None:
    from docgen.web import users

    users.add_user(ledger, "boss", role="admin", password=PASSWORD)
    kim = users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    token = users.open_session(ledger, kim.id)
    users.set_active(ledger, "kim", False)
    assert users.session_user(ledger, token) is None
    assert users.authenticate(ledger, "kim", PASSWORD) is None
    users.set_active(ledger, "kim", True)
    assert users.session_user(ledger, token) is None  # an ended session stays ended
    token = users.open_session(ledger, kim.id)
    users.set_password(ledger, "kim", "another password")
    assert users.session_user(ledger, token) is None
    assert users.authenticate(ledger, "kim", PASSWORD) is None
    assert users.authenticate(ledger, "kim", "another password") is not None


def test_last_admin_stays(ledger: "Ledger") -> None:
    from docgen.web import users

    users.add_user(ledger, "boss", role="admin", password=PASSWORD)
    with pytest.raises(InputError) as err:
        users.set_active(ledger, "boss", False)
    assert err.value.code == "user_last_admin"
    users.add_user(ledger, "second", role="admin", password=PASSWORD)
    assert not users.set_active(ledger, "boss", False).active


def test_team_mode_needs_a_ledger() -> None:
    from docgen.profile import Profile
    from docgen.web import users

    with pytest.raises(UsageError) as err:
        users.users_ledger(Profile())
    assert err.value.code == "users_no_ledger"
    with pytest.raises(UsageError):
        users.users_ledger(None)


# --- docgen users ---------------------------------------------------------------------

def _run(args: list[str], config: Path, input: str = "") -> Any:
    from docgen.cli import main

    language = [] if "-l" in args else ["-l", "en"]
    return CliRunner().invoke(main, [*args, *language, "--config", str(config)], input=input,
                              catch_exceptions=False)


def test_cli_add_list_assign(team_config: Path, ledger: "Ledger") -> None:
    from docgen.web import users

    result = _run(["users", "add", "Boss", "--role", "admin", "--name", "Park",
                   "--password-stdin"], team_config, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "User boss added" in result.output
    result = _run(["users", "add", "kim", "--role", "ae", "--client", "Acme Korea", "-l", "ko"],
                  team_config, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "사용자 kim을(를) 추가했습니다" in result.output
    assert PASSWORD not in result.output  # the prompt does not echo
    assert users.authenticate(ledger, "boss", PASSWORD) is not None
    assert users.authenticate(ledger, "kim", PASSWORD) is not None

    result = _run(["users", "assign", "kim", "Beta Trading"], team_config)
    assert result.exit_code == 0 and "Acme Korea, Beta Trading" in result.output
    result = _run(["users", "unassign", "kim", "acme korea"], team_config)
    assert result.exit_code == 0 and "Beta Trading" in result.output
    result = _run(["users", "list"], team_config)
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("boss\tadmin\tPark\tevery client")
    assert lines[1].startswith("kim\t") and lines[1].endswith("Beta Trading")


def test_cli_password_never_an_argument(team_config: Path, ledger: "Ledger") -> None:
    from docgen.web import users

    result = _run(["users", "add", "kim", "--role", "ae", "--password", PASSWORD], team_config)
    assert result.exit_code == 2  # no such option
    result = _run(["users", "add", "kim", "--role", "ae"], team_config,
                  input=f"{PASSWORD}\nsomething else\n")
    assert result.exit_code == 1
    assert "the two passwords differ" in result.output
    result = _run(["users", "add", "kim", "--role", "ae", "--password-stdin", "-l", "zh-CN"],
                  team_config, input="short\n")
    assert result.exit_code == 1 and "密码太短" in result.output
    assert users.list_users(ledger) == []


def test_cli_disable_passwd(team_config: Path, ledger: "Ledger") -> None:
    from docgen.web import users

    users.add_user(ledger, "boss", role="admin", password=PASSWORD)
    users.add_user(ledger, "kim", role="ae", password=PASSWORD)
    result = _run(["users", "disable", "kim"], team_config)
    assert result.exit_code == 0 and "User kim disabled." in result.output
    assert users.authenticate(ledger, "kim", PASSWORD) is None
    assert "[disabled]" in _run(["users", "list"], team_config).output
    result = _run(["users", "disable", "boss", "-l", "zh-TW"], team_config)
    assert result.exit_code == 1 and "最後一個有效的管理員" in result.output
    assert _run(["users", "enable", "kim"], team_config).exit_code == 0
    result = _run(["users", "passwd", "kim", "--password-stdin"], team_config,
                  input="new password 2\n")
    assert result.exit_code == 0, result.output
    assert users.authenticate(ledger, "kim", "new password 2") is not None
    result = _run(["users", "passwd", "nobody", "--password-stdin"], team_config,
                  input="new password 2\n")
    assert result.exit_code == 1 and "there is no user 'nobody'" in result.output


def test_cli_without_a_ledger(tmp_path: Path) -> None:
    config = tmp_path / "docgen.toml"
    config.write_text("[company]\nname = \"Acme\"\n", encoding="utf-8")
    result = _run(["users", "list", "-l", "ko"], config)
    assert result.exit_code == 2
    assert "팀 모드는 사용자를 원장 데이터베이스에 보관합니다" in result.output
