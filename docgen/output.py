"""Output files: safe names, atomic writes, never overwriting without ``force``.

Documents are archived, so a run either writes every file whole or leaves nothing
behind: files are written to a temporary name in the target folder and moved into
place only when complete, and an existing file is never replaced silently.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import difflib
import os
import sys
import re
import secrets
import stat
import string
import unicodedata
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Mapping, Optional, Sequence

from .errors import InputError, OutputError, SourceLocation, UsageError
from .i18n.catalog import strip_language_marks

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Windows device names, reserved in every folder whatever the case or extension
# ("nul.docx", "Con .txt"), including COM0/LPT0, the superscript digits Windows reads as
# 1-3 (COM¹) and the console devices.
_SUPERSCRIPTS = ("\u00b9", "\u00b2", "\u00b3")
_WINDOWS_RESERVED = frozenset({
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"{port}{n}" for port in ("COM", "LPT")
      for n in (*(str(i) for i in range(10)), *_SUPERSCRIPTS))})
_MAX_NAME_BYTES = 200  # leaves room for the extension and a temp suffix under 255
# The longest extension docgen writes (".docx", ".xlsx"; ".pdf" is shorter): a stem of
# _MAX_NAME_BYTES plus it stays under the 255-byte limit of every common file system.
MAX_EXTENSION_BYTES = 5
assert _MAX_NAME_BYTES + MAX_EXTENSION_BYTES <= 255


def _name_char(ch: str) -> str:
    """What a character becomes in a file name: format characters (bidi overrides and
    isolates, zero-width ones, the Arabic letter mark, soft hyphen: Unicode category
    Cf) are dropped, so a name cannot show an extension it does not have; control
    characters and lone surrogates become ``_``."""
    cat = unicodedata.category(ch)
    if cat == "Cf":
        return ""
    if cat in ("Cc", "Cs"):
        return "_"
    return ch


def _is_device_name(name: str) -> bool:
    """Windows opens a device for ``name`` (``CON``, ``nul.docx``, ``COM¹ .txt``)."""
    return name.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to at most ``max_bytes`` in UTF-8, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def sanitize(name: str) -> str:
    """A file name that is safe on Windows, macOS and Linux; CJK text is kept.

    At most _MAX_NAME_BYTES in UTF-8 (an extension still fits); no characters a file
    system refuses, no invisible or direction-changing ones, never a Windows device."""
    name = "".join(map(_name_char, name)) if not name.isprintable() else name
    name = unicodedata.normalize("NFC", name)
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().strip(".")
    name = re.sub(r"\.{2,}", ".", name)
    name = _cut(name, _MAX_NAME_BYTES).rstrip(" .")
    if not name or _is_device_name(name):
        name = _cut("_" + name, _MAX_NAME_BYTES).rstrip(" .")
    return name


def unique_stem(stem: str, taken: set[str]) -> str:
    """``stem`` (a :func:`sanitize`-d name) or ``stem_N`` — the first whose
    case-folded form is not in ``taken``, which it is added to. A long stem is
    shortened (on a character boundary) to leave room for the number, so the name
    stays within _MAX_NAME_BYTES and two records never share a file.

    N is found by doubling then halving (a thousand records of one name cost a few
    probes each, not a thousand): the first free number after a run of taken ones,
    which is the lowest free one unless another record's own name took a later one."""
    def numbered(n: int) -> str:
        suffix = f"_{n}"
        return sanitize(_cut(stem, _MAX_NAME_BYTES - len(suffix)) + suffix)

    def free(name: str) -> bool:
        return name.casefold() not in taken

    unique = stem
    if not free(unique):
        low, high = 1, 2  # low: taken (1 is the stem itself); high: to be tried
        while not free(numbered(high)):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if free(numbered(middle)):
                high = middle
            else:
                low = middle
        unique = numbered(high)
    taken.add(unique.casefold())
    return unique


# client, client.tax_id, 고객사; no part may start with "_" (no __class__, no _docgen)
_FIELD_PATH = re.compile(r"^[^\W\d_]\w*(?:\.[^\W\d_]\w*)*$")
_NAME_OPTION = "--name"


def name_fields(pattern: str) -> list[str]:
    """The field paths ``pattern`` names (``{client}_{week_label}`` → client,
    week_label). Only plain field paths may stand in braces: no indexing, attribute
    tricks, conversions or format specs — anything else is a usage error."""
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:  # "Single '}' encountered", "expected '}'"
        raise UsageError("{option}: cannot read the pattern '{pattern}' ({detail}); write "
                         "fields in braces, e.g. '{{client}}_{{date}}'", code="name",
                         params={"option": _NAME_OPTION, "pattern": pattern,
                                 "detail": str(exc)}) from None
    fields = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _FIELD_PATH.match(field) or spec or conversion:
            typed = field + ("!" + conversion if conversion else "") + (":" + spec if spec else "")
            raise UsageError("{option}: '{{{field}}}' is not a field name; only field paths "
                             "may stand in braces (e.g. '{{client}}', '{{client.tax_id}}')",
                             code="name", params={"option": _NAME_OPTION, "field": typed})
        fields.append(field)
    return fields


def check_name_pattern(pattern: str, available: Collection[str],
                       suggest: Optional[Callable[[str], Optional[str]]] = None) -> None:
    """Refuse a pattern that names a field not in ``available`` (a typo, or a sheet
    header instead of the field), naming it, a likely meant field (``suggest`` gives
    the field a label stands for) and the fields there are."""
    for field in name_fields(pattern):
        if field in available:
            continue
        meant = suggest(field) if suggest is not None else None
        if meant is None or meant == field:  # a list field names itself: no help
            meant = None
            close = difflib.get_close_matches(field, sorted(available), n=1, cutoff=0.6)
            meant = close[0] if close else None
        params = {"option": _NAME_OPTION, "name": field,
                  "available": ", ".join(sorted(available))}
        if meant is not None:
            raise UsageError("{option}: '{name}' is not a field (did you mean '{suggestion}'?); "
                             "fields: {available}", code="name",
                             params={**params, "suggestion": meant})
        raise UsageError("{option}: '{name}' is not a field; fields: {available}",
                         code="name", params=params)


def output_name(pattern: str, record: Mapping[str, Any]) -> str:
    """Fill ``pattern`` (``{client}_{date}``; dotted paths allowed) and sanitize it.

    A field the record does not have is a usage error (:func:`check_name_pattern`);
    a field without a value gives an empty part, but a name made of no field's value
    at all is refused rather than written as ``_``."""
    flat = _flatten(record)
    fields = name_fields(pattern)
    check_name_pattern(pattern, flat)
    parts = []
    filled = False
    for literal, field, _, _ in string.Formatter().parse(pattern):
        parts.append(literal)
        if field is not None:
            text = _name_text(field, flat[field])
            filled = filled or bool(text.strip())
            parts.append(text)
    if fields and not filled:
        raise InputError("{option} '{pattern}' gives this record no name: {fields} "
                         "has no value", code="name",
                         params={"option": _NAME_OPTION, "pattern": pattern,
                                 "fields": ", ".join(fields)})
    return sanitize("".join(parts))


# What a name field may hold: a list, a helper function or any other object has no
# text fit for a file name (str() of it would be Python's repr).
_NAME_VALUES = (str, int, float, decimal.Decimal, dt.date)


def _name_text(field: str, value: Any) -> str:
    if isinstance(value, Mapping):  # {client} names the client, not its dict
        value = value.get("name", "")
    if value is not None and not isinstance(value, _NAME_VALUES):
        raise UsageError("{option}: '{name}' is a list or a group of fields, not one value; "
                         "a name can only use single values",
                         code="name", params={"option": _NAME_OPTION, "name": field})
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    # an enum's *_label marks its second language for Word; a file name has no use for it
    return "" if value is None else strip_language_marks(str(value))


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if not isinstance(key, str):
            continue
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


def _temp_file(folder: Path) -> tuple[int, str]:
    """A new temporary file in ``folder`` created with mode 0666, so the umask decides
    who may read the result, as for any program (``tempfile.mkstemp`` makes 0600 files:
    colleagues on a shared drive could not open the documents)."""
    for _ in range(100):
        tmp = str(folder / f".docgen-{secrets.token_hex(6)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                           0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(str(folder / ".docgen-*.part"))  # pragma: no cover


def _write_atomic(path: Path, data: bytes, force: bool, durable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_existing(path, force)
    fd, tmp = _temp_file(path.parent)
    if force:
        try:  # a replaced file keeps its permissions
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
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


LOCK_NAME = ".docgen-batch.lock"


def _try_lock(fd: int) -> bool:
    """An exclusive, non-blocking lock on the open file ``fd``; False when another
    process holds it."""
    if sys.platform == "win32":
        import msvcrt
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _holder(path: Path) -> str:
    """The pid the holder of the lock file wrote in it ('?' when unreadable)."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").split()
    except OSError:
        return "?"
    return text[0] if text and text[0].isdigit() else "?"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s batch lock (``.docgen-batch.lock``, with this process's pid)
    for the block, so one run at a time writes there and its manifest describes what
    is there. Another run holding it: :class:`OutputError` (exit 4) at once, naming
    the folder and that run's pid. The lock ends with the process, even a killed one."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("cannot write the file: {detail}", SourceLocation(file=str(folder)),
                          code="write", params={"detail": exc.strerror or str(exc)}) from None
    path = folder / LOCK_NAME
    for _ in range(20):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            raise OutputError("cannot write the file: {detail}", SourceLocation(file=str(path)),
                              code="write", params={"detail": exc.strerror or str(exc)}) from None
        if not _try_lock(fd):
            os.close(fd)
            raise OutputError(
                "the output folder is in use by another docgen batch (process {pid}); wait "
                "for it to finish or choose another folder", SourceLocation(file=str(folder)),
                code="locked", params={"pid": _holder(path)})
        try:  # the file we locked may have been removed by a run that just ended
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    else:  # pragma: no cover - twenty runs ending in a row while this one starts
        raise OutputError("the output folder is in use by another docgen batch (process "
                          "{pid}); wait for it to finish or choose another folder",
                          SourceLocation(file=str(folder)), code="locked",
                          params={"pid": "?"})
    try:
        if sys.platform != "win32":  # Windows: the locked byte cannot be read by others
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.unlink(path)  # while still locked: a waiting run re-checks the file
        os.close(fd)


def move_into_place(src: Path, dst: Path, force: bool) -> None:
    """Move the finished file ``src`` to ``dst`` (same filesystem, atomic); an existing
    ``dst`` is replaced only with ``force``."""
    try:
        if force:
            os.replace(src, dst)
            return
        try:
            os.link(src, dst)  # refuses to clobber a file made meanwhile
        except FileExistsError:
            raise _exists(dst) from None
        except OSError:
            if dst.exists():
                raise _exists(dst) from None
            os.replace(src, dst)  # filesystems without hard links
        else:
            os.unlink(src)
    except OSError as exc:
        raise OutputError("cannot write the file: {detail}", SourceLocation(file=str(dst)),
                          code="write", params={"detail": exc.strerror or str(exc)}) from None
