"""Paths and constants shared by the tests."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
COMPAT = REPO.parent / "shared" / "compat" / "docxtpl"
LOCALES = ("ko", "zh-CN", "zh-TW", "en")
