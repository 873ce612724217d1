"""Output files: safe names, atomic writes, never overwriting without ``force``.

Documents are archived, so a run either writes every file whole or leaves nothing
behind: files are written to a temporary name in the target folder and moved into
place only when complete, and an existing file is never replaced silently.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import string
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import OutputError, SourceLocation

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
_MAX_NAME_BYTES = 200  # leaves room for the extension and a temp suffix under 255


def sanitize(name: str) -> str:
    """A file name that is safe on Windows, macOS and Linux; CJK text is kept."""
    name = unicodedata.normalize("NFC", name)
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().strip(".")
    name = re.sub(r"\.{2,}", ".", name)
    if not name or name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip(" .") or "_"


class _Fields(string.Formatter):
    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(key, "")
        if isinstance(value, dict):  # {client} names the client, not its dict
            value = value.get("name", "")
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        return "" if value is None else value


def output_name(pattern: str, record: Mapping[str, Any]) -> str:
    """Fill ``pattern`` (``{client}_{date}``; dotted paths allowed) and sanitize it."""
    try:
        raw = _Fields().format(pattern, **_flatten(record))
    except (ValueError, IndexError, AttributeError) as exc:
        raise OutputError("bad --name pattern '{pattern}': {detail}", code="name",
                          params={"pattern": pattern, "detail": str(exc)}) from None
    return sanitize(raw)


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        flat[prefix + key] = value
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix + key + "."))
    return flat


def refuse_existing(path: Path, force: bool) -> None:
    """Raise the "file exists" error unless ``force`` or ``path`` is free."""
    refuse_any_existing([path], force)


def refuse_any_existing(paths: list[Path], force: bool) -> None:
    """Raise the "file exists" error, naming the first and counting the others,
    unless ``force`` or all ``paths`` are free."""
    if force:
        return
    existing = [p for p in paths if p.exists()]
    if existing:
        more = f" (+{len(existing) - 1})" if len(existing) > 1 else ""
        raise _exists(Path(str(existing[0]) + more))


def _exists(path: Path) -> OutputError:
    return OutputError("file exists (use --force to overwrite)", SourceLocation(file=str(path)),
                       code="exists")


def write_atomic(path: Path, data: bytes, force: bool = False, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all; refuse to replace unless ``force``.

    ``durable`` flushes the file to disk before it appears; a batch passes False and
    syncs once at the end (an fsync per document would cost more than rendering it).
    Either way no reader ever sees a partial file."""
    try:
        _write_atomic(path, data, force, durable)
    except OSError as exc:
        raise OutputError("cannot write the file: {detail}", SourceLocation(file=str(path)),
                          code="write", params={"detail": exc.strerror or str(exc)}) from None


def _write_atomic(path: Path, data: bytes, force: bool, durable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_existing(path, force)
    fd, tmp = tempfile.mkstemp(prefix=".docgen-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic, and refuses to clobber a file made meanwhile
            except FileExistsError:
                raise _exists(path) from None
            except OSError:
                os.replace(tmp, path)  # filesystems without hard links
            else:
                os.unlink(tmp)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def output_paths(out_dir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """The path of ``stem`` in each format; a name that would leave ``out_dir`` is refused."""
    paths = [out_dir / f"{stem}.{fmt}" for fmt in formats]
    resolved = out_dir.resolve()
    for p in paths:
        if p.resolve().parent != resolved:  # belt and braces: sanitize() already ran
            raise OutputError("output name escapes the output folder",
                              SourceLocation(file=str(p)), code="path")
    return paths


def plan_outputs(out_dir: Path, stem: str, formats: list[str], force: bool) -> list[Path]:
    """The paths a render will write; fails before any work if one exists."""
    paths = output_paths(out_dir, stem, formats)
    refuse_any_existing(paths, force)
    return paths
