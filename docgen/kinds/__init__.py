"""Document kinds, discovered, never listed.

A built-in kind is one folder ``docgen/kinds/<kind>/``: ``schema.yaml`` (the input
schema and the kind's metadata: ``x-order`` in ``docgen kinds``, ``x-default-name``
for output files, ``x-group-list`` for ``batch --group-by``), optionally ``rules.py``
(``check(data, findings)``) and ``compute.py`` (``compute(context, locale)`` with
``COMPUTED_FIELDS``); its templates are ``templates/<kind>/`` and its samples
``samples/<kind>/`` at the top of the repository. Adding a folder adds a kind: the
CLI, batch, packaging (setup.py) and the tests read :func:`available`.

User kinds need no Python: the folder named by ``[kinds] path`` in docgen.toml holds
one folder per kind with a ``kind.yaml`` and its templates (see
:mod:`docgen.kinddef`); a folder named like a built-in kind extends it (custom
fields, rules, computed fields, its own templates). Both are reached through
:func:`get` and :func:`available` with the profile that names them.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

import yaml

from ..resources import resource_dir

if TYPE_CHECKING:
    from ..profile import Profile

KINDS_DIR = Path(__file__).resolve().parent
Hook = Callable[..., None]


@dataclass(frozen=True)
class Kind:
    """One document kind: its schema, metadata, hooks and where its templates and
    samples are."""

    name: str
    schema: dict[str, Any]
    default_name: str  # output file name pattern over record fields
    group_list: Optional[str] = None  # the list ``--group-by`` fills
    order: int = 1000
    user: bool = False  # defined by a kind.yaml, not shipped with docgen
    folder: Optional[Path] = None  # the user's folder: templates and samples/ first
    definition: Optional[Path] = None  # the kind.yaml (a user kind or an overlay)
    extra_compute: Optional[Hook] = field(default=None, compare=False)
    extra_rules: Optional[Hook] = field(default=None, compare=False)
    extra_computed: tuple[str, ...] = ()

    @property
    def builtin(self) -> bool:
        return (KINDS_DIR / self.name / "schema.yaml").is_file()

    def _template_folders(self) -> list[Path]:
        folders = [self.folder] if self.folder is not None else []
        if self.builtin:
            folders.append(resource_dir("templates") / self.name)
        return folders

    def template_path(self, fmt: str = "docx", locale: Optional[str] = None) -> Path:
        """The kind's template; ``<kind>.<locale>.<fmt>`` (e.g. ``invoice.zh-TW.docx``)
        overrides the shared one for a locale whose layout must differ, and the user's
        folder (a user kind, an overlay) wins over the built-in one."""
        codes = list(dict.fromkeys([locale, locale.split("+")[0]] if locale else []))
        folders = self._template_folders()
        for folder in folders:
            for code in codes:
                specific = folder / f"{self.name}.{code}.{fmt}"  # ko+zh-CN, then ko
                if specific.is_file():
                    return specific
            shared = folder / f"{self.name}.{fmt}"
            if shared.is_file():
                return shared
        return (folders[-1] if folders else KINDS_DIR) / f"{self.name}.{fmt}"

    def sample_path(self, locale_code: str) -> Path:
        if self.folder is not None:
            mine = self.folder / "samples" / f"{locale_code}.yaml"
            if mine.is_file() or not self.builtin:
                return mine
        return resource_dir("samples") / self.name / f"{locale_code}.yaml"

    @property
    def compute(self) -> Optional[Hook]:
        """The computed-field hook: the built-in ``compute.py``, then the kind.yaml's
        computed fields (either may be absent)."""
        module = _module(self.name, "compute") if self.builtin else None
        hooks = [h for h in (None if module is None else cast(Hook, module.compute),
                             self.extra_compute) if h is not None]
        return _chain(hooks)

    @property
    def rules(self) -> Optional[Hook]:
        """The cross-field rules: ``rules.py``, then the kind.yaml's rules."""
        module = _module(self.name, "rules") if self.builtin else None
        hooks = [h for h in (None if module is None else cast(Hook, module.check),
                             self.extra_rules) if h is not None]
        return _chain(hooks)

    def provided_names(self) -> set[str]:
        """Top-level names a template of this kind may read: the schema's fields, the
        kind's computed fields (``COMPUTED_FIELDS`` in compute.py, a kind.yaml's
        ``computed``), ``company``, ``page_of`` and the enum fields' ``<field>_label``
        (docgen.enrich adds those for every kind)."""
        from ..enrich import CONTEXT_NAMES, enum_label_names

        module = _module(self.name, "compute") if self.builtin else None
        return (set(self.schema.get("properties", {})) | CONTEXT_NAMES
                | enum_label_names(self.schema)
                | set(getattr(module, "COMPUTED_FIELDS", ())) | set(self.extra_computed))

    def label(self, locale_code: str) -> str:
        labels = self.schema.get("x-labels") or {}
        return str(labels.get(locale_code) or self.schema.get("title") or self.name)


def _chain(hooks: list[Hook]) -> Optional[Hook]:
    if not hooks:
        return None
    if len(hooks) == 1:
        return hooks[0]

    def run(*args: Any) -> None:
        for hook in hooks:
            hook(*args)
    return run


@lru_cache(maxsize=None)
def _module(kind: str, name: str) -> Optional[ModuleType]:
    """``docgen.kinds.<kind>.<name>`` if the kind has that file (looked up once: the
    hooks are read for every record of a batch)."""
    if not (KINDS_DIR / kind / f"{name}.py").is_file():
        return None
    return importlib.import_module(f"{__name__}.{kind}.{name}")


def from_schema(name: str, schema: dict[str, Any], **extra: Any) -> Kind:
    """A kind whose metadata is read from its schema's ``x-`` keys."""
    return Kind(name, schema,
                default_name=str(schema.get("x-default-name") or f"{name}_{{title}}"),
                group_list=schema.get("x-group-list"),
                order=int(schema.get("x-order", 1000)), **extra)


@lru_cache(maxsize=None)
def builtin(name: str) -> Optional[Kind]:
    """The built-in kind called ``name``, or None."""
    path = KINDS_DIR / name / "schema.yaml"
    if not path.is_file():
        return None
    return from_schema(name, yaml.safe_load(path.read_text(encoding="utf-8")))


def builtin_names() -> list[str]:
    """Every built-in kind (a folder with a ``schema.yaml``), in display order."""
    found = [p.parent.name for p in KINDS_DIR.glob("*/schema.yaml")]
    kinds = [k for k in (builtin(n) for n in found) if k is not None]
    return [k.name for k in sorted(kinds, key=lambda k: (k.order, k.name))]


def available(profile: Optional["Profile"] = None) -> list[str]:
    """Every kind: the built-in ones, then the profile's user kinds, in display order."""
    names = builtin_names()
    if profile is None or profile.kinds_path is None:
        return names
    from ..kinddef import user_kind_names
    return names + [n for n in user_kind_names(profile.kinds_path) if n not in names]


def get(name: str, profile: Optional["Profile"] = None) -> Optional[Kind]:
    """The kind called ``name`` (a user kind, or a built-in one with the profile's
    custom fields and overlay applied), or None. A broken kind.yaml raises
    :class:`docgen.kinddef.KindDefinitionError` (exit 3)."""
    if profile is None or (profile.kinds_path is None and not profile.kind_fields):
        return builtin(name)
    from ..kinddef import resolve
    return resolve(name, profile)
