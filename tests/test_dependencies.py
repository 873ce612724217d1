"""Every run-time dependency earns its place: the package imports what it declares,
and declares what it imports (read from the source, so imports inside functions count)."""
from __future__ import annotations

import ast
import configparser
import sys

from tests.support import REPO

# distribution name -> the module it installs
_MODULES = {"python-docx": "docx", "pyyaml": "yaml", "jinja2": "jinja2", "babel": "babel",
            "lxml": "lxml", "click": "click", "tomli": "tomli",
            "sqlalchemy": "sqlalchemy", "alembic": "alembic",
            "pypdf": "pypdf"}
_ALSO_FINE = {"markupsafe"}  # Jinja2's own dependency, used for its Markup type
# optional, imported only when installed, each declared as an extra of its own
_EXTRAS = {"keyring": {"keyring": "keyring"},
           "web": {"starlette": "starlette", "uvicorn": "uvicorn",
                   "python-multipart": "multipart", "itsdangerous": "itsdangerous",
                   "argon2-cffi": "argon2"}}


def _declared() -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    names = set()
    for line in cfg["options"]["install_requires"].split("\n"):
        line = line.split(";")[0].strip()
        if line:
            for sep in "<>=!~":
                line = line.split(sep)[0]
            names.add(line.strip().lower())
    return names


def _declared_extras() -> set[str]:
    """Modules of _EXTRAS whose distribution setup.cfg declares in that extra."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    extras = cfg["options.extras_require"]
    return {module for extra, modules in _EXTRAS.items() if extra in extras
            for dist, module in modules.items() if dist in extras[extra]}


def _imported() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "docgen").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"docgen"}


def test_the_package_imports_exactly_what_it_declares() -> None:
    declared, imported = _declared(), _imported()
    assert "openpyxl" not in declared and "openpyxl" not in imported
    undeclared = (imported - {_MODULES[d] for d in declared if d in _MODULES} - _ALSO_FINE
                  - _declared_extras())
    assert not undeclared, f"imported but not in install_requires: {sorted(undeclared)}"
    unused = {d for d in declared if _MODULES.get(d) not in imported}
    assert not unused, f"declared but never imported: {sorted(unused)}"
