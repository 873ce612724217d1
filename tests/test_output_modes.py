"""Output files get the permissions the umask gives, like any program's (not 0600)."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.output import write_atomic
from tests.support import SAMPLES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    try:
        yield set_mask
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600),
                                            (0o027, 0o640)])
def test_write_atomic_respects_the_umask(tmp_path: Path, umask: Callable[[int], None], mask: int,
                                         expected: int) -> None:
    umask(mask)
    target = tmp_path / "보고서.docx"
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert _mode(target) == expected
    assert not list(tmp_path.glob(".docgen-*"))  # no temporary file left


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path,
                                               umask: Callable[[int], None]) -> None:
    umask(0o022)
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o660)
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new" and _mode(target) == 0o660


def test_render_and_batch_outputs_are_readable_by_the_group(tmp_path: Path,
                                                            umask: Callable[[int], None]) -> None:
    umask(0o002)
    runner = CliRunner()
    result = runner.invoke(main, ["render", "weekly", str(SAMPLES / "weekly" / "ko.yaml"),
                                  "-o", str(tmp_path / "r"), "-f", "docx,xlsx"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    written = [Path(p) for p in result.stdout.splitlines()]
    assert len(written) == 2 and all(_mode(p) == 0o664 for p in written)
    result = runner.invoke(main, ["batch", "weekly", str(SAMPLES / "batch" / "weekly_tasks.csv"),
                                  "--group-by", "고객사", "-o", str(tmp_path / "b"), "-j", "1",
                                  "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    outputs = list((tmp_path / "b").iterdir())
    assert len(outputs) == 5  # four documents and manifest.json
    assert all(_mode(p) == 0o664 for p in outputs)
