"""Reading an OPC package (.docx/.xlsx) with limits, its XML parts checked.

A template or an input workbook is untrusted, and its zip central directory can lie.
When the package is opened, :class:`ZipReader` refuses, before inflating anything:

* more than :attr:`Limits.members` members, or declared sizes adding up to more than
  :attr:`Limits.total_size`, or a large member compressed more than
  :attr:`Limits.ratio` to 1 (a "zip bomb");
* an XML part declared larger than :attr:`Limits.xml_part` (parsing and rendering a
  400 MB ``document.xml`` would take minutes and gigabytes);
* encrypted members, compression methods Office does not use, and member names that
  are not plain part names (absolute, ``..``, backslashes, drive letters) or that
  appear twice.

Members are then inflated here, in chunks, never trusting the directory: a member
whose data inflates to more than its declared size is refused as soon as the excess
appears (so the memory used is bounded by the declared sizes checked above), one
that ends short of it or whose CRC differs is damaged. Every part whose name ends in
``.xml``, ``.rels`` or ``.vml`` is checked for a DOCTYPE with :func:`~.xml.check`;
:func:`read_members` (templates: every part may be copied into every output) also
parses each ``.xml``/``.rels`` part whole with the hardened parser, so an entity
reference or broken XML is refused rather than copied, and re-encodes a UTF-16 part
(or any other declared encoding) as UTF-8, which is what the engines work on.

Errors are :class:`BadPackage` with a translatable :attr:`~BadPackage.detail` and the
part (:attr:`~BadPackage.part`) when one member is at fault.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Optional, Union

from lxml import etree

from ..errors import Msg
from ..messages import N_
from .xml import HEAD, PARSER, UnsafeXml, check

Source = Union[bytes, str, Path, IO[bytes]]

MiB = 1 << 20


class BadPackage(ValueError):
    """The file is not a readable zip/OPC package, breaks a limit or holds an unsafe
    XML part. :attr:`detail` is the reason (a translatable :class:`~docgen.errors.Msg`),
    :attr:`part` the member at fault (``None`` for the package as a whole) and
    :attr:`kind` ``"xml"`` when a part is not well-formed XML, else ``"package"``."""

    def __init__(self, message: str, part: Optional[str] = None, *, kind: str = "package",
                 **params: Any) -> None:
        self.detail = Msg(message, params)
        self.part = part
        self.kind = kind
        super().__init__(f"{part}: {self.detail}" if part else str(self.detail))


@dataclass(frozen=True)
class Limits:
    # Far above any real document (Word writes a few dozen members; a workbook with
    # hundreds of sheets and pictures stays under 2,000).
    members: int = 10_000
    # The sum of the declared uncompressed sizes: a template is held in memory whole.
    total_size: int = 1 << 30  # 1 GiB
    # Office XML deflates 5-20 to 1 and pictures about 1 to 1; deflate can reach 1032
    # to 1 only on repeated bytes. Checked for members over ratio_floor (a small part of
    # repeated bytes is harmless whatever its ratio).
    ratio: int = 200
    ratio_floor: int = MiB
    # One XML part: Word's and Excel's own parts of a 500-page document or a
    # 300,000-row sheet stay under 100 MB; parsing one takes a few seconds and about
    # ten times its size in memory. A 400 MB document.xml is refused here.
    xml_part: int = 100 * MiB


DEFAULT_LIMITS = Limits()

_CHUNK_IN = 64 * 1024  # compressed bytes read at a time
_CHUNK_OUT = 1 * MiB  # at most this much inflated per step: the excess is seen early
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIG = 0x04034B50
_DRIVE = re.compile(r"^[A-Za-z]:")


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _parsed_whole(name: str) -> bool:
    # VML (legacy drawings) is XML in name only: Excel writes unclosed <br> tags.
    return name.lower().endswith((".xml", ".rels"))


def bad_name(name: str) -> bool:
    """Whether ``name`` is no plain part name: absolute, a drive, a backslash, an
    empty, ``.`` or ``..`` segment, or a control character."""
    if not name or name.startswith("/") or "\\" in name or _DRIVE.match(name):
        return True
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        return True
    segments = name[:-1].split("/") if name.endswith("/") else name.split("/")
    return any(seg in ("", ".", "..") for seg in segments)


class _Member(io.RawIOBase):
    """One member's data, inflated in bounded steps and checked against the central
    directory: never more than its declared size, exactly that size, its CRC."""

    def __init__(self, fp: IO[bytes], start: int, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._fp = fp
        self._pos = start
        self._left_in = info.compress_size
        self._info = info
        self._inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED \
            else None
        self._out = 0
        self._crc = 0
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _take(self, n: int) -> bytes:
        n = min(n, self._left_in)
        if n <= 0:
            return b""
        self._fp.seek(self._pos)
        data = self._fp.read(n)
        if len(data) < n:
            raise BadPackage(N_("its data is cut short"), self._info.filename)
        self._pos += n
        self._left_in -= n
        return data

    def _step(self, most: int) -> bytes:
        name = self._info.filename
        if self._inflate is None:  # stored
            out = self._take(min(most, _CHUNK_IN))
            finished = self._left_in == 0
        else:
            data = self._inflate.unconsumed_tail or self._take(_CHUNK_IN)
            try:
                out = self._inflate.decompress(data, most)
            except zlib.error as exc:
                raise BadPackage(N_("its data is damaged ({detail})"), name,
                                 detail=str(exc)) from None
            finished = self._inflate.eof
            if not out and not finished and not data:
                raise BadPackage(N_("its data is cut short"), name)
        self._out += len(out)
        if self._out > self._info.file_size:
            raise BadPackage(N_("its data inflates to more than the {size} bytes the zip "
                                "directory declares"), name, size=self._info.file_size)
        self._crc = zlib.crc32(out, self._crc)
        if finished:
            self._done = True
            if self._out != self._info.file_size:
                raise BadPackage(N_("its data is cut short"), name)
            if self._crc != self._info.CRC:
                raise BadPackage(N_("its data is damaged (bad CRC)"), name)
        return out

    def read(self, size: Optional[int] = -1) -> bytes:
        want = -1 if size is None else size
        parts = [self._pending]
        have = len(self._pending)
        while not self._done and (want < 0 or have < want):
            out = self._step(_CHUNK_OUT if want < 0 else max(1, min(want - have, _CHUNK_OUT)))
            parts.append(out)
            have += len(out)
        data = b"".join(parts)
        if want < 0:
            self._pending = b""
            return data
        self._pending = data[want:]
        return data[:want]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class ZipReader:
    """An open package: names, checked reads, checked streams. Use as a context
    manager, or call :meth:`close`. Raises :class:`BadPackage` (see the module)."""

    def __init__(self, source: Source, limits: Limits = DEFAULT_LIMITS) -> None:
        self._own: Optional[IO[bytes]] = None
        if isinstance(source, bytes):
            fp: IO[bytes] = io.BytesIO(source)
        elif isinstance(source, (str, Path)):
            try:
                fp = self._own = open(source, "rb")
            except OSError as exc:
                raise BadPackage(N_("cannot read the file ({detail})"),
                                 detail=exc.strerror or str(exc)) from exc
        else:
            fp = source
        self._fp = fp
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
                struct.error, NotImplementedError) as exc:
            self._close_own()
            raise BadPackage(N_("not a zip file ({detail})"), detail=str(exc)) from None
        try:
            self._check_directory(limits)
        except BadPackage:
            self.close()
            raise
        self.infos = self._zip.infolist()
        self.names = [info.filename for info in self.infos]
        self._by_name = {info.filename: info for info in self.infos}
        try:
            self._check_heads()
        except BadPackage:
            self.close()
            raise

    def _check_heads(self) -> None:
        """Refuse a DOCTYPE at the start of any XML part, also of parts the caller
        never reads (an input workbook's docProps): only their first 4 KB inflated."""
        for info in self.infos:
            if _is_xml(info.filename) and not info.is_dir():
                self._checked(info.filename, self._stream(info.filename).read(HEAD))

    def _check_directory(self, limits: Limits) -> None:
        infos = self._zip.infolist()
        if len(infos) > limits.members:
            raise BadPackage(N_("{count} members, more than the limit of {limit}"),
                             count=len(infos), limit=limits.members)
        total = sum(i.file_size for i in infos)
        if total > limits.total_size:
            raise BadPackage(N_("{size} bytes when unpacked, more than the limit of "
                                "{limit} bytes"), size=total, limit=limits.total_size)
        seen: set[str] = set()
        for i in infos:
            name = i.filename
            if bad_name(name):
                raise BadPackage(N_("'{name}' is not a part name a package may hold "
                                    "(absolute, '..', a backslash or a drive)"), name=name)
            key = name.lower()  # part names are compared without case (OPC)
            if key in seen:
                raise BadPackage(N_("the package holds two members of this name"), name)
            seen.add(key)
            if i.flag_bits & 0x1:
                raise BadPackage(N_("the member is encrypted (password-protected): save "
                                    "a copy without a password"), name)
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise BadPackage(N_("compression method {method} is not one Office uses "
                                    "(stored or deflate)"), name, method=i.compress_type)
            if i.file_size > limits.ratio_floor and i.file_size > limits.ratio * max(
                    i.compress_size, 1):
                raise BadPackage(N_("compressed {ratio} to 1, more than the limit of "
                                    "{limit} to 1"), name,
                                 ratio=i.file_size // max(i.compress_size, 1),
                                 limit=limits.ratio)
            if _is_xml(name) and i.file_size > limits.xml_part:
                raise BadPackage(N_("{size} bytes, more than the limit of {limit} bytes "
                                    "for one XML part"), name, size=i.file_size,
                                 limit=limits.xml_part)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def _stream(self, name: str) -> _Member:
        info = self._by_name[name]  # KeyError if absent
        try:
            self._fp.seek(info.header_offset)
            head = self._fp.read(_LOCAL.size)
            if len(head) < _LOCAL.size:
                raise BadPackage(N_("its data is cut short"), name)
            fields = _LOCAL.unpack(head)
            if fields[0] != _LOCAL_SIG:
                raise BadPackage(N_("its data is damaged ({detail})"), name,
                                 detail="no local header")
            raw_name = self._fp.read(fields[9])
            if raw_name.decode("utf-8" if info.flag_bits & 0x800 else "cp437",
                               "replace") != info.orig_filename:
                raise BadPackage(N_("its data is damaged ({detail})"), name,
                                 detail="the local header names another member")
        except OSError as exc:
            raise BadPackage(N_("its data is damaged ({detail})"), name,
                             detail=str(exc)) from None
        start = info.header_offset + _LOCAL.size + fields[9] + fields[10]
        return _Member(self._fp, start, info)

    def read(self, name: str) -> bytes:
        """The bytes of member ``name`` (``KeyError`` if absent); see the module for
        what raises :class:`BadPackage`."""
        try:
            data = self._stream(name).read()
        except OSError as exc:
            raise BadPackage(N_("its data is damaged ({detail})"), name,
                             detail=str(exc)) from None
        return self._checked(name, data) if _is_xml(name) else data

    @staticmethod
    def _checked(name: str, data: bytes) -> bytes:
        try:
            return check(data, name)
        except UnsafeXml:
            raise BadPackage(N_("a document type declaration (<!DOCTYPE>) is not "
                                "allowed in an Office part"), name) from None

    def open(self, name: str) -> IO[bytes]:
        """A stream of member ``name`` (for large worksheets), checked as it is read."""
        return io.BufferedReader(self._stream(name), _CHUNK_IN)

    def _close_own(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None

    def close(self) -> None:
        self._zip.close()
        self._close_own()

    def __enter__(self) -> "ZipReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_utf8(data: bytes, name: str) -> bytes:
    """An XML part parsed whole with the hardened parser (an undeclared entity, broken
    XML: :class:`BadPackage` of kind ``"xml"``), as UTF-8 without a byte order mark."""
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadPackage(N_("not well-formed XML: {detail}"), name, kind="xml",
                         detail=str(exc)) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:  # belt and braces: check() looked at the first 4 KB only
        raise BadPackage(N_("a document type declaration (<!DOCTYPE>) is not allowed in "
                            "an Office part"), name)
    encoding = (tree.docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding in ("UTF-8", "UTF8", "ASCII", "US-ASCII"):
        return data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    out: bytes = etree.tostring(tree, xml_declaration=True, encoding="UTF-8",
                                standalone=tree.docinfo.standalone)
    return out


def read_members(source: Source, limits: Limits = DEFAULT_LIMITS,
                 ) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of every member in the package's own order (folders as
    ``b""``), every ``.xml``/``.rels`` part parsed whole and given as UTF-8 (see
    :func:`as_utf8`); see :class:`ZipReader` for the other checks."""
    with ZipReader(source, limits) as reader:
        out = []
        for info in reader.infos:
            name = info.filename
            if info.is_dir():
                out.append((name, b""))
                continue
            data = reader.read(name)
            out.append((name, as_utf8(data, name) if _parsed_whole(name) else data))
        return out
