"""The archive: every issued document's input record and output files, stored by
content (sha256) under ``objects/ab/cdef…``.

Append-only and read-only: an object is written once, to a temporary name in its final
folder, made read-only, then linked into place; an object already present is left
alone (same name, same content), so putting is idempotent and safe to repeat after an
interrupted issue. Nothing here ever deletes or rewrites an object.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Union

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Archive:
    """A content-addressed store rooted at ``root``."""

    root: Path

    def path(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256."""
        digest = sha256(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, _READ_ONLY)
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
