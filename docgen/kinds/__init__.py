"""Document kinds: each folder holds a ``schema.yaml`` and optionally ``compute.py``
(``compute(context, locale)`` adds the kind's computed fields); templates and samples
are named by kind."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Optional, cast

import yaml

from ..resources import resource_dir

KINDS_DIR = Path(__file__).resolve().parent
# The order users see in `docgen kinds` (the order of an AE's week).
ORDER = ("minutes", "brief", "weekly", "signoff", "invoice")


@dataclass(frozen=True)
class Kind:
    """One document kind: its schema and where its templates and samples are."""

    name: str
    schema: dict[str, Any]
    default_name: str  # output file name pattern over record fields

    def template_path(self, fmt: str = "docx", locale: Optional[str] = None) -> Path:
        """The built-in template; ``<kind>.<locale>.<fmt>`` (e.g. ``invoice.zh-TW.docx``)
        overrides the shared one for a locale whose layout must differ."""
        folder = resource_dir("templates") / self.name
        for code in dict.fromkeys([locale, locale.split("+")[0]] if locale else []):
            specific = folder / f"{self.name}.{code}.{fmt}"  # ko+zh-CN, then ko
            if specific.is_file():
                return specific
        return folder / f"{self.name}.{fmt}"

    def sample_path(self, locale_code: str) -> Path:
        return resource_dir("samples") / self.name / f"{locale_code}.yaml"

    @property
    def compute(self) -> Optional[Callable[..., None]]:
        """The kind's computed-field hook (``docgen/kinds/<kind>/compute.py``), if any."""
        module = _module(self.name, "compute")
        return None if module is None else cast(Callable[..., None], module.compute)

    @property
    def rules(self) -> Optional[Callable[..., None]]:
        """The kind's cross-field rules (``docgen/kinds/<kind>/rules.py``), if any."""
        module = _module(self.name, "rules")
        return None if module is None else cast(Callable[..., None], module.check)

    def provided_names(self) -> set[str]:
        """Top-level names a template of this kind may read: the schema's fields, the
        kind's computed fields (``COMPUTED_FIELDS`` in compute.py) and ``company``."""
        module = _module(self.name, "compute")
        return (set(self.schema.get("properties", {})) | {"company"}
                | set(getattr(module, "COMPUTED_FIELDS", ())))

    def label(self, locale_code: str) -> str:
        labels = self.schema.get("x-labels") or {}
        return str(labels.get(locale_code) or self.schema.get("title") or self.name)


@lru_cache(maxsize=None)
def _module(kind: str, name: str) -> Optional[ModuleType]:
    """``docgen.kinds.<kind>.<name>`` if the kind has that file (looked up once: the
    hooks are read for every record of a batch)."""
    if not (KINDS_DIR / kind / f"{name}.py").is_file():
        return None
    return importlib.import_module(f"{__name__}.{kind}.{name}")


_DEFAULT_NAMES = {
    "minutes": "minutes_{date}_{title}",
    "brief": "brief_{job_number}",
    "weekly": "weekly_{client}_{week_start}",
    "signoff": "signoff_{job_number}",
    "invoice": "invoice_{job_number}",
}


def available() -> list[str]:
    """Kinds that ship a schema, in the usual order."""
    found = {p.parent.name for p in KINDS_DIR.glob("*/schema.yaml")}
    return [k for k in ORDER if k in found] + sorted(found - set(ORDER))


@lru_cache(maxsize=None)
def get(name: str) -> Optional[Kind]:
    """The kind called ``name``, or None."""
    path = KINDS_DIR / name / "schema.yaml"
    if not path.is_file():
        return None
    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Kind(name, schema, _DEFAULT_NAMES.get(name, name + "_{title}"))
