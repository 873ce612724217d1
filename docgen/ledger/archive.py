"""The archive: every issued document's input record and output files, stored by
content (sha256) under ``objects/ab/cdef…``.

Append-only and read-only: an object is written once, to a temporary name in its final
folder, made read-only, then linked into place; an object already present is left
alone (same name, same content), so putting is idempotent and safe to repeat after an
interrupted issue. Nothing here ever deletes or rewrites an object.

An object may be unreferenced (its issue was rolled back after it was written): that is
harmless — it names its own content — and ``archive verify`` only checks the objects
the ledger refers to. A batch writes its objects without one fsync each
(``put(durable=False)``) and flushes them all with :func:`sync_folders` before the
commit that names them.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import itertools
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_COUNTER = itertools.count()


@dataclass(frozen=True)
class Archive:
    """A content-addressed store rooted at ``root``."""

    root: Path

    def path(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` (once) and return its sha256. ``durable`` flushes the object
        to disk before it appears; without it the caller syncs (:func:`sync_folders`)
        before recording the digest."""
        digest = sha256(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        try:
            _write_object(target, data, durable)
        except FileNotFoundError:  # its folder is not there yet
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_object(target, data, durable)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def check(self, digest: str) -> Union[str, None]:
        """``None`` when the object is there with its content, else ``"missing"`` or
        ``"changed"``."""
        path = self.path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return "missing"
        except OSError:
            return "missing"
        return None if sha256(data) == digest else "changed"

    def objects(self) -> Iterator[str]:
        """Every object's name (its sha256), for finding strays."""
        base = self.root / "objects"
        if not base.is_dir():
            return
        for folder in sorted(base.iterdir()):
            if folder.is_dir():
                for item in sorted(folder.iterdir()):
                    if not item.name.startswith("."):
                        yield folder.name + item.name


def _write_object(target: Path, data: bytes, durable: bool) -> None:
    """Write ``target`` whole, read-only, or not at all (it appears complete or not
    at all; an object another process put first stays as it is)."""
    if _TMPFILE:
        try:  # an unnamed file, linked into place: no temporary name to create or remove
            fd = os.open(target.parent, os.O_TMPFILE | os.O_WRONLY, _READ_ONLY)
        except FileNotFoundError:
            raise
        except OSError:  # a file system without O_TMPFILE
            pass
        else:
            try:
                _write_fd(fd, data, durable)
                # linkat(…, AT_SYMLINK_FOLLOW): os.link takes that path only with a dir fd
                os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=_root_fd())
                return
            except FileExistsError:
                return
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOENT, errno.EINVAL):
                    raise  # else: linking a descriptor is not allowed here; the temp name
            finally:
                os.close(fd)
    fd, tmp = _temp_object(target.parent)
    try:
        try:
            _write_fd(fd, data, durable)
        finally:
            os.close(fd)
        try:
            # link, not replace: an object another process put first stays as it is
            os.link(tmp, target)
        except FileExistsError:
            pass
        except OSError:  # file systems without hard links
            if not target.exists():
                os.replace(tmp, target)
    finally:
        # the temporary name goes; its inode stays as the object when it was linked
        # (never chmod it here: it may be the object itself)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_fd(fd: int, data: bytes, durable: bool) -> None:
    if hasattr(os, "fchmod"):  # whatever the umask: the object is read-only
        os.fchmod(fd, _READ_ONLY)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if durable:
        os.fsync(fd)


def _temp_object(folder: Path) -> tuple[int, str]:
    """A new read-only temporary file in ``folder`` (written through its descriptor)."""
    while True:
        tmp = str(folder / f".tmp-{os.getpid()}-{next(_COUNTER)}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                           | getattr(os, "O_BINARY", 0), _READ_ONLY), tmp
        except FileExistsError:  # left by an earlier process with the same pid
            continue


# Linux: O_TMPFILE and linking a descriptor through /proc.
_TMPFILE = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
_ROOT: list[int] = []


def _root_fd() -> int:
    if not _ROOT:
        _ROOT.append(os.open("/", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)))
    return _ROOT[0]


def _load_syncfs() -> Optional[Callable[[int], int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


_SYNCFS = _load_syncfs()


def group_sync() -> bool:
    """Whether :func:`sync_folders` can flush many files at once (Linux ``syncfs``);
    elsewhere objects are flushed one by one as they are put."""
    return _SYNCFS is not None


def sync_folders(folders: Iterable[Path]) -> None:
    """Flush to disk everything written on the file systems holding ``folders``: one
    ``syncfs`` per file system (an ``OSError`` if the flush failed)."""
    if _SYNCFS is None:
        return
    seen: set[int] = set()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:  # nothing was written there
            continue
        try:
            dev = os.fstat(fd).st_dev
            if dev in seen:
                continue
            seen.add(dev)
            if _SYNCFS(fd) != 0:
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err), str(folder))
        finally:
            os.close(fd)
