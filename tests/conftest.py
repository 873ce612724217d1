"""Shared fixtures: the repository layout, a CLI runner, LibreOffice availability."""
from __future__ import annotations

import os
import shutil
import signal

import pytest
from click.testing import CliRunner

from tests.support import COMPAT, LOCALES, REPO, SAMPLES  # noqa: F401  (re-exported)

# The Ctrl-C tests send SIGINT to docgen processes as a terminal would. A shell script
# that starts the suite in the background without job control (``.ci/run &``, nohup, some
# CI runners) starts it with SIGINT ignored, and an ignored signal stays ignored in every
# process started from here: docgen would never see the Ctrl-C. A handler (unlike
# SIG_IGN) is reset to the default on exec, so the processes the tests start get
# SIGINT as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path to LibreOffice; skipped locally when absent, a failure in CI."""
    from docgen.convert import find_soffice

    found = find_soffice()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI; .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed: PDF/real-reader checks skipped")
    return found


@pytest.fixture(scope="session")
def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is required in CI; .ci/run installs it")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return found


# Tests that start LibreOffice or build packages take seconds each; the rest take
# milliseconds. Marked here from what they use, so no test file has to remember it:
# `pytest -m "not slow"` is the inner loop, CI runs everything.
_SLOW_MODULES = {"test_packaging.py", "test_typing.py"}
# Tests that start fresh interpreters or wait on the clock.
_SLOW_TESTS = {"test_every_module_imports_alone", "test_named_cycles_are_gone",
               "test_render_twice_gives_identical_bytes_even_seconds_apart",
               "test_check_agrees_with_the_engine_on_broken_variants"}  # hundreds of variants


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "soffice" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.libreoffice)
            item.add_marker(pytest.mark.slow)
        elif (item.path.name in _SLOW_MODULES
              or getattr(item, "originalname", item.name) in _SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
