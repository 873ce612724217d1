"""Locales, label catalogs and locale-aware formatting."""
