"""Shared fixtures: the repository layout, a CLI runner, LibreOffice availability."""
from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

from tests.support import COMPAT, LOCALES, REPO, SAMPLES  # noqa: F401  (re-exported)


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
