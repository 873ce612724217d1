"""Packaging: a built wheel carries templates, samples, schemas and compiled catalogs."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: everything the build needs (setuptools, Babel) is already
    # installed, and a test must not reach the network.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        capture_output=True, text=True, check=False, env={**os.environ, "PIP_NO_INDEX": "1"})
    if proc.returncode != 0:
        pytest.fail(f"wheel build failed:\n{proc.stdout}\n{proc.stderr}")
    (found,) = out.glob("docgen-*.whl")
    return found


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "docgen/templates/minutes/minutes.docx" in names
    assert "docgen/kinds/minutes/schema.yaml" in names
    for code in ("ko", "zh_CN", "zh_TW", "en"):
        assert f"docgen/samples/minutes/{code.replace('_', '-')}.yaml" in names
        for domain in ("labels", "messages"):
            assert f"docgen/i18n/locales/{code}/LC_MESSAGES/{domain}.mo" in names
            assert f"docgen/i18n/locales/{code}/LC_MESSAGES/{domain}.po" in names
    assert not any(n.endswith((".pyc", ".part")) for n in names)
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry and "docgen = docgen.cli:main" in zipfile.ZipFile(wheel).read(entry[0]).decode()


def test_compiled_catalog_matches_po(wheel: Path, tmp_path: Path) -> None:
    import gettext

    with zipfile.ZipFile(wheel) as zf:
        mo = zf.read("docgen/i18n/locales/ko/LC_MESSAGES/messages.mo")
    (tmp_path / "m.mo").write_bytes(mo)
    with (tmp_path / "m.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    assert catalog.gettext("file not found").startswith("파일을 찾을 수 없습니다")


def test_wheel_ships_every_kind_code(wheel: Path) -> None:
    """Each discovered kind's package (schema and Python) is in the wheel."""
    from docgen import kinds

    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in kinds.available():
        folder = REPO / "docgen" / "kinds" / kind
        for part in folder.iterdir():
            if part.suffix in (".py", ".yaml"):
                assert f"docgen/kinds/{kind}/{part.name}" in names


def test_a_sixth_kind_is_one_folder(tmp_path: Path) -> None:
    """A kind folder added to a copy of the source tree is discovered and its code
    ships in the wheel, with no list edited anywhere."""
    import shutil

    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("docgen", "templates", "samples"):
        shutil.copytree(REPO / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    new = src / "docgen" / "kinds" / "progress"
    new.mkdir()
    (new / "__init__.py").write_text('"""Progress schedule."""\n', encoding="utf-8")
    (new / "rules.py").write_text("def check(data, findings):\n    pass\n", encoding="utf-8")
    (new / "schema.yaml").write_text(
        "title: Progress Schedule\nx-order: 6\ntype: object\nproperties:\n"
        "  title: {type: string}\n", encoding="utf-8")
    out = tmp_path / "wheel"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, check=False, env={**os.environ, "PIP_NO_INDEX": "1"})
    assert proc.returncode == 0, proc.stderr
    (found,) = out.glob("docgen-*.whl")
    names = set(zipfile.ZipFile(found).namelist())
    for part in ("__init__.py", "rules.py", "schema.yaml"):
        assert f"docgen/kinds/progress/{part}" in names
    listed = subprocess.run([sys.executable, "-c", "from docgen import kinds; "
                             "print(kinds.available())"], cwd=src, capture_output=True,
                            text=True, check=True).stdout
    assert listed.strip().endswith("'invoice', 'progress']")
