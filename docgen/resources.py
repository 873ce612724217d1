"""Where built-in templates and samples live, installed or in a source checkout.

``templates/`` and ``samples/`` sit at the top of the repository (where people look
for them) and are installed as the packages ``docgen.templates`` and
``docgen.samples`` (see ``setup.cfg``), so an installed docgen finds them from any
working directory.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path


def resource_dir(name: str) -> Path:
    """The folder of the built-in resource ``name`` (``templates`` or ``samples``)."""
    spec = importlib.util.find_spec(f"docgen.{name}")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            path = Path(location)
            if path.is_dir():
                return path
    return Path(__file__).resolve().parent.parent / name
