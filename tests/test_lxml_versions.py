"""A DOCTYPE/entity template never reads a file, under every lxml version the package
allows (issue 16, point 1): the floor in setup.cfg and the installed one.

How lxml treats entities changed between versions (4.9 expanded an external entity
into the output, 6 fails on it), so the same probe runs under each: a side venv with
the floor version, installed offline from a wheel folder
(``pip install --no-index --find-links DIR lxml==X``), sees the project's other
packages through the main venv's site-packages and runs :func:`probe` in a
subprocess. ``.ci/run`` downloads the wheel into ``.cache/lxml-wheels`` first (or set
``DOCGEN_LXML_WHEELS``); locally without it the floor is skipped, in CI it fails. The
venv is kept under ``.cache/lxml-venv-X`` (git-ignored): creating it once takes a few
seconds, reusing it none.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO

WHEELS = Path(os.environ.get("DOCGEN_LXML_WHEELS") or REPO / ".cache" / "lxml-wheels")


def lxml_floor() -> str:
    """The lowest lxml setup.cfg allows (``lxml>=5.2,<7`` → ``5.2``)."""
    text = (REPO / "setup.cfg").read_text(encoding="utf-8")
    m = re.search(r"^\s*lxml>=([0-9.]+)", text, re.MULTILINE)
    assert m is not None, "setup.cfg names no lxml floor"
    return m.group(1)


def _same_version(a: str, b: str) -> bool:
    def parts(v: str) -> list[int]:
        out = [int(x) for x in v.split(".")]
        while out and out[-1] == 0:
            out.pop()
        return out
    return parts(a) == parts(b)


def side_python(version: str) -> Path:
    """A venv's python whose lxml is ``version`` (made once, then reused)."""
    venv = REPO / ".cache" / f"lxml-venv-{version}"
    python = venv / "bin" / "python"
    if python.exists():
        found = subprocess.run([str(python), "-c", "import lxml; print(lxml.__version__)"],
                               capture_output=True, text=True)
        if found.returncode == 0 and _same_version(found.stdout.strip(), version):
            return python
        shutil.rmtree(venv)
    wheels = sorted(WHEELS.glob("lxml-*.whl")) if WHEELS.is_dir() else []
    if not any(_same_version(w.name.split("-")[1], version) for w in wheels):
        reason = (f"no lxml {version} wheel in {WHEELS}: `pip download lxml=={version} "
                  f"--only-binary=:all: --no-deps -d {WHEELS}` (.ci/run does)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-index", "--find-links", str(WHEELS), "--no-deps",
                    f"lxml=={version}"], check=True)
    # Everything else (docgen itself, Jinja2, click…) from the main venv, after the side
    # venv's own site-packages: its lxml comes first.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path"
                           "('purelib'))"], capture_output=True, text=True, check=True)
    main_site = sysconfig.get_path("purelib")
    Path(site.stdout.strip(), "docgen-main-venv.pth").write_text(
        f"import site; site.addsitedir({main_site!r})\n", encoding="utf-8")
    return python


def run_probe(python: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([str(python), "-m", "tests.test_lxml_versions", tmp],
                              cwd=REPO, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _check(result: dict[str, Any], version: str) -> None:
    assert _same_version(result["lxml"], version), result["lxml"]
    assert result["cases"] > 20
    assert result["problems"] == [], result["problems"]


def test_the_floor_version() -> None:
    version = lxml_floor()
    _check(run_probe(side_python(version)), version)


def test_the_installed_version() -> None:
    import lxml

    _check(run_probe(Path(sys.executable)), lxml.__version__)


def test_the_floor_is_pinned_with_a_ceiling() -> None:
    text = (REPO / "setup.cfg").read_text(encoding="utf-8")
    assert re.search(r"^\s*lxml>=[0-9.]+,<[0-9]+\s*$", text, re.MULTILINE), \
        "lxml needs a tested floor and a ceiling in setup.cfg"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "lxml-wheels" in ci and "pip download" in ci


# -- the probe (runs under the lxml version to test) ------------------------------------

def probe(tmp: Path) -> dict[str, Any]:
    """Every entity attack through the parser, the API, render and template check:
    the secret must appear nowhere, each template must be exit 3 and write nothing."""
    from click.testing import CliRunner
    from lxml import etree

    import lxml
    from docgen import Template, TemplateError
    from docgen.cli import main
    from docgen.ooxml import PARSER
    from tests.test_malformed_templates import (
        DOCX,
        SECRET,
        VARIANTS,
        XLSX,
        hostile,
        inject,
        secret_files,
    )

    problems: list[str] = []
    cases = 0
    secret, dtd = secret_files(tmp)
    # 1. The bare parser, even past the DOCTYPE check: no file read, no entity expanded.
    for variant in ("external", "parameter", "late"):
        xml = inject("<r><t>x</t></r>", variant, secret, dtd)
        cases += 1
        try:
            root = etree.fromstring(xml, PARSER)
        except etree.XMLSyntaxError:
            continue
        if SECRET.encode() in etree.tostring(root):
            problems.append(f"the parser read the secret ({variant})")
    # 2. Templates: the API, then the CLI (render and template check).
    for src, parts in ((DOCX, ["word/styles.xml", "word/settings.xml", "[Content_Types].xml",
                               "word/document.xml"]),
                       (XLSX, ["xl/styles.xml", "xl/worksheets/sheet1.xml"])):
        for part in parts:
            for variant in VARIANTS:
                cases += 1
                name = f"{src.suffix[1:]}:{part}:{variant}"
                data = hostile(src, part, variant, tmp)
                try:
                    Template(data, name="t")
                    problems.append(f"{name}: accepted")
                except TemplateError as exc:
                    if exc.location is None or exc.location.part != part:
                        problems.append(f"{name}: not located ({exc})")
                    if SECRET in str(exc):
                        problems.append(f"{name}: the secret in the message")
                if variant not in ("external", "parameter"):
                    continue
                template = tmp / f"t{src.suffix}"
                template.write_bytes(data)
                out = tmp / "out"
                kind, fmt = ("minutes", "docx") if src == DOCX else ("weekly", "xlsx")
                for args in (["render", kind, str(REPO / "samples" / kind / "en.yaml"),
                              "--template", str(template), "-f", fmt, "-o", str(out)],
                             ["template", "check", str(template)]):
                    result = CliRunner().invoke(main, [*args, "-l", "en"])
                    if result.exit_code != 3:
                        problems.append(f"{name} {args[0]}: exit {result.exit_code}")
                    if SECRET in result.output or f"{template}:{part}:" not in result.output:
                        problems.append(f"{name} {args[0]}: {result.output[-300:]}")
                    if out.exists() and any(out.iterdir()):
                        problems.append(f"{name} {args[0]}: wrote {list(out.iterdir())}")
    return {"lxml": lxml.__version__, "cases": cases, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]))))
