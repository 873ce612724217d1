"""Build hooks: find the packages, compile the gettext catalogs (.po → .mo).

Everything else is declared in setup.cfg. The packages are found, not listed: each
kind is a folder of ``docgen/kinds`` with an ``__init__.py``, and a kind added there
ships its code (rules.py, compute.py) without touching this file or setup.cfg.
The catalogs are compiled here because that has to run inside setuptools' build_py.
"""
from pathlib import Path

from setuptools import find_packages, setup

# templates/ and samples/ stay at the top of the repository (package_dir in setup.cfg).
PACKAGES = [*find_packages(include=["docgen", "docgen.*"]), "docgen.templates", "docgen.samples"]
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        source = Path(__file__).resolve().parent / "docgen" / "i18n" / "locales"
        target = Path(self.build_lib) / "docgen" / "i18n" / "locales"
        for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
            mo = target / po.relative_to(source).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parts[-3])
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


setup(packages=PACKAGES, cmdclass={"build_py": BuildWithCatalogs})
