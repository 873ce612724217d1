"""Number formats, revision suffixes and [ledger] in docgen.toml."""
from __future__ import annotations

from pathlib import Path

import pytest

from docgen.ledger import numbering
from docgen.profile import ProfileInvalid, load_profile


def test_formats_and_revisions() -> None:
    assert numbering.format_number("INV-{yyyy}-{seq:04}", 2026, 7) == "INV-2026-0007"
    assert numbering.format_number("{yy}{seq:03}", 2027, 12) == "27012"
    assert numbering.shown("INV-2026-0007", 0) == "INV-2026-0007"
    assert numbering.shown("INV-2026-0007", 2) == "INV-2026-0007-R2"
    assert numbering.split("INV-2026-0007-R2") == ("INV-2026-0007", 2)
    assert numbering.split("INV-2026-0007") == ("INV-2026-0007", None)
    assert numbering.format_problem("INV-{yyyy}-{seq:04}") is None
    for bad in ("INV-{yyyy}", "INV-{client}-{seq}", "INV-{seq:q}", "INV-{seq", "X-R{seq}"):
        assert numbering.format_problem(bad) is not None, bad


def test_ledger_section_is_checked_with_locations(tmp_path: Path) -> None:
    toml = tmp_path / "docgen.toml"
    toml.write_text('[ledger]\nurl = "postgresql://ae:secret@db/docgen"\narchiv = "x"\n'
                    '[ledger.series]\ninvoice = "INV-{yyyy}"\ninvoise = "I-{seq}"\n',
                    encoding="utf-8")
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(toml)
    lines = [(p.location.line if p.location else None, p.message) for p in caught.value.problems]
    assert [line for line, _ in lines] == [2, 3, 5, 6]
    assert "DOCGEN_LEDGER_PASSWORD" in lines[0][1] and "archive" in lines[1][1]
    assert "{seq}" in lines[2][1] and "invoice" in lines[3][1]


def test_ledger_defaults_are_next_to_the_profile(tmp_path: Path) -> None:
    toml = tmp_path / "docgen.toml"
    toml.write_text('[ledger]\n[ledger.series]\ninvoice = "HB-INV-{yy}{seq:05}"\n',
                    encoding="utf-8")
    settings = load_profile(toml).ledger
    assert settings is not None
    assert settings.url == f"sqlite:///{(tmp_path / 'ledger.db').resolve()}"
    assert settings.archive == (tmp_path / "archive").resolve()
    assert settings.series == {"invoice": "HB-INV-{yy}{seq:05}"}
    assert load_profile(None).ledger is None
