"""A plain ``pip install docgen`` (no web extra) must run every other command, and say
how to add the extra when one of its commands is asked for."""
from __future__ import annotations

import subprocess
import sys

from tests.support import REPO

# argon2 and starlette made unimportable, as on a machine without the web extra
_BLOCK = ("import sys; sys.modules['argon2'] = None; sys.modules['starlette'] = None; "
          "import importlib.util as u; real = u.find_spec; "
          "u.find_spec = lambda n, *a: None if n in ('argon2', 'starlette') else real(n, *a); "
          "from docgen.cli import main; main()")


def _docgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _BLOCK, *args], cwd=REPO, text=True,
                          capture_output=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "DOCGEN_LOCALE": "en"})


def test_the_cli_starts_without_the_web_extra() -> None:
    done = _docgen("kinds")
    assert done.returncode == 0, done.stderr
    assert "minutes" in done.stdout


def test_users_and_serve_say_how_to_install_the_web_extra() -> None:
    for args in (("users", "list"), ("serve", "--no-browser")):
        done = _docgen(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "pip install 'docgen[web]'" in done.stderr
        assert "Traceback" not in done.stderr
