"""Zip (OPC package) I/O for templates: read once, write many times, fast and byte-stable.

The writer is hand-rolled on purpose: :mod:`zipfile` cannot take members that are
already deflated, and recompressing the static parts of a template (styles, theme,
fonts, images) for every document would cost more than rendering the document. Here
static members are deflated once at compile time and copied as bytes; only rendered
parts are compressed per document. Timestamps are fixed and member order follows the
template, so equal input gives byte-identical output.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Iterable, Union

from ..ooxml.zip import BadPackage, read_members

__all__ = ["BadPackage", "Member", "deflate", "make_member", "read_package", "write_package"]

# 1980-01-01 00:00:00, the earliest DOS timestamp: output must not depend on the clock.
_DOS_TIME = 0
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_FLAG_UTF8 = 0x800
_VERSION = 20


@dataclass(frozen=True)
class Member:
    """A zip member ready to be written: its name, CRC, sizes and deflated bytes."""

    name: str
    crc: int
    size: int
    deflated: bytes
    method: int = 8  # 8 deflate; 0 stored (folder entries)


def deflate(data: bytes, level: int = 6) -> bytes:
    """Raw deflate (no zlib header), as zip stores it."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def make_member(name: str, data: bytes, level: int = 6) -> Member:
    if name.endswith("/"):  # a folder entry, kept so the package lists what it listed
        return Member(name, 0, 0, b"", method=0)
    return Member(name, zlib.crc32(data), len(data), deflate(data, level))


def read_package(source: Union[bytes, io.BufferedIOBase, str]) -> list[tuple[str, bytes]]:
    """Return ``(name, bytes)`` for every member, in the package's own order, read
    through :mod:`docgen.ooxml` (size limits; XML parts with a DOCTYPE refused)."""
    return read_members(source)  # type: ignore[arg-type]


def write_package(members: Iterable[Member]) -> bytes:
    """Assemble a zip archive from prepared members (no zip64: documents stay < 4 GiB)."""
    out = bytearray()
    central = bytearray()
    count = 0
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0 if name.isascii() else _FLAG_UTF8
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, _VERSION, flags, m.method, _DOS_TIME, _DOS_DATE,
            m.crc, len(m.deflated), m.size, len(name), 0,
        )
        out += name
        out += m.deflated
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, _VERSION, _VERSION, flags, m.method, _DOS_TIME,
            _DOS_DATE, m.crc, len(m.deflated), m.size, len(name), 0, 0, 0, 0,
            0x10 if m.name.endswith("/") else 0, offset,
        )
        central += name
        count += 1
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_offset, 0)
    return bytes(out)
