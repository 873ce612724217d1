"""Reading an OPC package (.docx/.xlsx) with limits, its XML parts checked.

A template or an input workbook is untrusted: a zip of a few kilobytes can declare
gigabytes (a "zip bomb"), and an XML part can carry a DOCTYPE. :class:`Limits` caps
the member count, the total uncompressed size and the compression ratio of large
members, from the central directory, before anything is inflated; every part whose
name ends in ``.xml`` or ``.rels`` is checked with :func:`~.xml.check` as it is read.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Union

from .xml import UnsafeXml, check

Source = Union[bytes, str, Path, IO[bytes]]


class BadPackage(ValueError):
    """The file is not a readable zip/OPC package, breaks a limit or holds an unsafe
    XML part."""


@dataclass(frozen=True)
class Limits:
    members: int = 10_000
    total_size: int = 1 << 30  # 1 GiB uncompressed
    ratio: int = 200  # uncompressed / compressed, for members over ratio_floor
    ratio_floor: int = 1 << 20


DEFAULT_LIMITS = Limits()


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels"))


class ZipReader:
    """An open package: names, checked reads, checked streams. Use as a context
    manager, or call :meth:`close`."""

    def __init__(self, source: Source, limits: Limits = DEFAULT_LIMITS) -> None:
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        try:
            self._zip = zipfile.ZipFile(source)  # type: ignore[arg-type]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise BadPackage(str(exc)) from exc
        try:
            self._check_limits(limits)
        except BadPackage:
            self._zip.close()
            raise
        self.infos = self._zip.infolist()
        self.names = [info.filename for info in self.infos]

    def _check_limits(self, limits: Limits) -> None:
        infos = self._zip.infolist()
        if len(infos) > limits.members:
            raise BadPackage(f"too many members ({len(infos)} > {limits.members})")
        total = sum(i.file_size for i in infos)
        if total > limits.total_size:
            raise BadPackage(f"too large when unpacked ({total} bytes > {limits.total_size})")
        for i in infos:
            if i.file_size > limits.ratio_floor and i.file_size > limits.ratio * max(
                    i.compress_size, 1):
                raise BadPackage(f"{i.filename}: compressed {i.file_size // max(i.compress_size, 1)}"
                                 f" to 1 (more than {limits.ratio} to 1)")

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def read(self, name: str) -> bytes:
        """The bytes of member ``name`` (``KeyError`` if absent); an XML part with a
        DOCTYPE raises :class:`BadPackage`."""
        try:
            data = self._zip.read(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise BadPackage(f"{name}: {exc}") from exc
        if _is_xml(name):
            try:
                check(data, name)
            except UnsafeXml as exc:
                raise BadPackage(str(exc)) from exc
        return data

    def open(self, name: str) -> IO[bytes]:
        """A stream of member ``name`` (for large worksheets)."""
        return self._zip.open(name)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "ZipReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_members(source: Source, limits: Limits = DEFAULT_LIMITS,
                 ) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of every member in the package's own order (folders as
    ``b""``); see :class:`ZipReader` for the checks."""
    try:
        with ZipReader(source, limits) as reader:
            return [(info.filename, b"" if info.is_dir() else reader.read(info.filename))
                    for info in reader.infos]
    except OSError as exc:
        raise BadPackage(str(exc)) from exc



