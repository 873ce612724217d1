"""Type hints are checked as part of the suite: mypy --strict over the package, its build
scripts (tools/), the tests and the benchmarks (setup.cfg [mypy] `files`)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import REPO


def test_mypy_strict() -> None:
    pytest.importorskip("mypy", reason="mypy is in the [test] extra")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(REPO / "setup.cfg")],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
