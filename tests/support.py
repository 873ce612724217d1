"""Paths and constants shared by the tests."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# docxtpl's own test templates stay outside the repository (they are LGPL test data):
# read from $DOCGEN_DOCXTPL_CORPUS, else from the shared folder beside the checkout.
COMPAT = Path(os.environ.get("DOCGEN_DOCXTPL_CORPUS")
              or REPO.parent / "shared" / "compat" / "docxtpl")
LOCALES = ("ko", "zh-CN", "zh-TW", "en")
