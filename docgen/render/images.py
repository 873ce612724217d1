"""``image(path, width_mm, height_mm=None)``: pictures placed by templates.

The helper is bound to one render (an :class:`ImageSink` per render), so the media
and relationships it adds belong to that document only. Each engine turns the
returned :class:`PlacedImage` into its own markup: an inline ``w:drawing`` in Word,
a cell anchor in Excel.

Templates are untrusted, so a template cannot embed any file it likes: paths
docgen resolved itself (:class:`~docgen.profile.ImagePath` — the profile's logo,
``format: image`` fields) are accepted as they are; any other path must lie inside
the render's base folder (the data file's folder, always made absolute: the working
directory plays no part), after following symbolic links. Only regular files are read
(a FIFO or device named ``x.png`` is refused, never opened for long), and at most
:data:`MAX_IMAGE_BYTES` (20 MB) of them.

A picture is checked before it is embedded (:func:`inspect_image`): its structure
walked without decoding a pixel (every PNG chunk and its CRC up to ``IEND``, the JPEG
segments up to the scan and its end marker, the GIF blocks up to the trailer, the BMP
headers and pixel array), its declared size within :data:`MAX_IMAGE_SIDE` and
:data:`MAX_IMAGE_PIXELS` (a decompression bomb is refused by its header), its type
the one its name says. A bad picture named by the data is the data's fault: an
:class:`~docgen.errors.InputError` (exit 1) at the field when it is known
(:func:`image_input_error`), else at the picture file.
"""
from __future__ import annotations

import math
import os
import re
import stat
import struct
import threading
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from jinja2 import TemplateRuntimeError, Undefined
from lxml import etree

from ..errors import InputError, Msg, SourceLocation
from ..messages import N_
from ..profile import ImagePath
from ..ooxml.xml import PARSER
from .package import Member, make_member

EMU_PER_MM = 36000
_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif",
                  "bmp": "image/bmp"}
_MAX_MM = 2000
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a picture in a business document; far above a logo
# Declared pixel size, checked in the header before anything is decoded: Word and
# LibreOffice decode a picture whole (4 bytes a pixel), so a 100,000 x 100,000 PNG of
# 1 KB would ask them for 40 GB. 20,000 px is an A0 poster at 600 dpi; 100 megapixels
# (400 MB decoded) is three times a 600-dpi A4 scan and twice a 48 MP phone photo.
MAX_IMAGE_SIDE = 20_000
MAX_IMAGE_PIXELS = 100_000_000

# The messages of a picture that cannot be used; ``{image}`` is the path as given.
MSG_NOT_FOUND = N_("image file not found: {image}")
MSG_NOT_REGULAR = N_("{image} is not a regular file (a folder, device or pipe?); a picture "
                     "must be a file")
MSG_TOO_LARGE = N_("{image} is too large for a picture ({size} MB; at most {limit} MB)")
MSG_UNREADABLE = N_("cannot read image {image}: {detail}")
MSG_NOT_IMAGE = N_("{image} is not a PNG, JPEG, GIF or BMP image")
MSG_DAMAGED = N_("{image} is a damaged or incomplete {format} image (cut short or "
                 "corrupted); save it again from an image program")
MSG_PIXELS = N_("{image} is {width} x {height} pixels, too large for a picture (at most "
                "{side} pixels a side and {megapixels} megapixels)")
MSG_MISNAMED = N_("{image} is a {format} image but its name ends in .{suffix}; rename it "
                  "to .{ext}")
MSG_OUTSIDE_DATA = N_("image path '{image}' is outside the data folder ({folder}); a picture "
                      "named in the data must be in the data file's folder or below it")
_FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "bmp": "BMP"}
_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".gif": "gif",
             ".bmp": "bmp"}


class ImageError(TemplateRuntimeError):
    """A picture ``image()`` may not or cannot use; its message is a :class:`Msg`, said
    in the user's language inside the template error that reports it (exit 3), or
    as the data's error (exit 1, :func:`image_input_error`): ``given`` is the path as
    ``image()`` got it, ``file`` the file it names, ``content`` whether the file
    itself is at fault (rather than where it is)."""

    def __init__(self, message: str, *, given: Optional[str] = None,
                 file: Optional[str] = None, content: bool = False, **params: Any) -> None:
        super().__init__()
        self.args = (Msg(message, params),)
        self.msg = Msg(message, params)
        self.given = given
        self.file = file
        self.content = content


class _Refused(ValueError):
    """Raised by :func:`load_image` for a file that is not a picture docgen reads;
    ``params`` fill ``msg`` except ``image`` (the caller names the file). A
    ``ValueError``, as for library callers (``InlineImage``) before."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.msg = message
        self.params = params

    def __str__(self) -> str:
        return Msg(self.msg, {"image": "image", **self.params}).text()


def _read_regular(path: str, size: int) -> bytes:
    """The bytes of the regular file ``path``; opened without blocking (a FIFO put
    there since the check must not hang the render) and checked again once open."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused(MSG_NOT_REGULAR)
        chunks, total = [], 0
        while total <= MAX_IMAGE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_IMAGE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > MAX_IMAGE_BYTES:
        raise _too_large(max(size, total))
    return b"".join(chunks)


def _too_large(size: int) -> _Refused:
    return _Refused(MSG_TOO_LARGE, size=f"{math.ceil(size / 104857.6) / 10:.1f}",
                    limit=MAX_IMAGE_BYTES // 1048576)


# --- what a picture file holds, read from its structure -----------------------------------

class _Damaged(Exception):
    """The file starts as a picture of one format but its structure is broken."""


def _png_size(blob: bytes) -> tuple[int, int]:
    """Walk every chunk (length, type, CRC) up to ``IEND``: the IHDR first, at least one
    IDAT, nothing cut short. No pixel is decompressed."""
    pos, size, idat = 8, None, False
    while True:
        if pos + 12 > len(blob):
            raise _Damaged()
        length, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(blob):
            raise _Damaged()
        data = blob[pos + 8:end - 4]
        if zlib.crc32(kind + data) != struct.unpack(">I", blob[end - 4:end])[0]:
            raise _Damaged()
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise _Damaged()
            width, height, depth, colour = struct.unpack(">IIBB", data[:10])
            if not (width and height) or depth not in (1, 2, 4, 8, 16) or colour not in (
                    0, 2, 3, 4, 6):
                raise _Damaged()
            size = (width, height)
        elif kind == b"IDAT":
            idat = True
        elif kind == b"IEND":
            if not idat:
                raise _Damaged()
            return size
        pos = end


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(blob: bytes) -> tuple[int, int]:
    """Walk the segments up to the first scan (a frame header with the size before
    it), then the scan must end with an EOI marker (a cut-short file has none)."""
    pos, size = 2, None
    while pos + 4 <= len(blob):
        if blob[pos] != 0xFF:
            raise _Damaged()
        marker = blob[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            pos += 2
            continue
        if marker in (0xD8, 0xD9):
            break
        (length,) = struct.unpack(">H", blob[pos + 2:pos + 4])
        if length < 2 or pos + 2 + length > len(blob):
            break
        if marker in _SOF:
            if length < 8:
                break
            height, width = struct.unpack(">HH", blob[pos + 5:pos + 9])
            size = (width, height)
        if marker == 0xDA:
            if size is None or not (size[0] and size[1]):
                break
            if blob.find(b"\xff\xd9", pos + 2 + length) < 0:
                break
            return size
        pos += 2 + length
    raise _Damaged()


def _gif_sub_blocks(blob: bytes, pos: int) -> int:
    while True:
        if pos >= len(blob):
            raise _Damaged()
        n = blob[pos]
        pos += 1 + n
        if n == 0:
            return pos


def _gif_size(blob: bytes) -> tuple[int, int]:
    """The logical screen, then every block (extensions, images) up to the trailer."""
    if len(blob) < 13:
        raise _Damaged()
    width, height, flags = struct.unpack("<HHB", blob[6:11])
    if not (width and height):
        raise _Damaged()
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0
    while pos < len(blob):
        block = blob[pos]
        if block == 0x3B:
            if not frames:
                raise _Damaged()
            return width, height
        if block == 0x21:
            pos = _gif_sub_blocks(blob, pos + 2)
        elif block == 0x2C:
            if pos + 11 > len(blob):
                raise _Damaged()
            local = blob[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _gif_sub_blocks(blob, pos)
            frames += 1
        else:
            raise _Damaged()
    raise _Damaged()


def _bmp_size(blob: bytes) -> tuple[int, int, int]:
    """Width, height and the bytes an uncompressed pixel array needs (0: compressed,
    not checked)."""
    if len(blob) < 26:
        raise _Damaged()
    offset, header = struct.unpack("<II", blob[10:18])
    if header == 12:
        width, height, _, bits = struct.unpack("<HHHH", blob[18:26])
        compression = 0
    elif header >= 40 and len(blob) >= 14 + 40:
        width, height, _, bits, compression = struct.unpack("<iiHHI", blob[18:34])
    else:
        raise _Damaged()
    height = abs(height)
    if width <= 0 or height == 0 or not 14 + header <= offset <= len(blob):
        raise _Damaged()
    need = 0
    if compression in (0, 3, 6) and bits in (1, 4, 8, 16, 24, 32):
        need = offset + (width * bits + 31) // 32 * 4 * height
    return width, height, need


def inspect_image(blob: bytes, name: Optional[str] = None) -> "ImageData":
    """``blob`` as docgen embeds it, once its structure is whole and its declared
    size within the limits; ``name`` (a file name), when given, must not say another
    type than the content. Raises :class:`_Refused` (no pixel is ever decoded)."""
    if not blob:
        raise _Refused(MSG_NOT_IMAGE)
    if blob.startswith(b"\x89PNG\r\n\x1a\n"):
        ext = "png"
    elif blob.startswith(b"\xff\xd8\xff"):
        ext = "jpeg"
    elif blob[:6] in (b"GIF87a", b"GIF89a"):
        ext = "gif"
    elif blob.startswith(b"BM"):
        ext = "bmp"
    else:
        raise _Refused(MSG_NOT_IMAGE)
    named = _SUFFIXES.get(Path(name).suffix.lower()) if name else None
    if named is not None and named != ext:
        raise _Refused(MSG_MISNAMED, format=_FORMAT_NAMES[ext],
                       suffix=Path(str(name)).suffix[1:], ext="jpg" if ext == "jpeg" else ext)
    need = 0
    try:
        if ext == "png":
            width, height = _png_size(blob)
        elif ext == "jpeg":
            width, height = _jpeg_size(blob)
        elif ext == "gif":
            width, height = _gif_size(blob)
        else:
            width, height, need = _bmp_size(blob)
    except (_Damaged, struct.error):
        raise _Refused(MSG_DAMAGED, format=_FORMAT_NAMES[ext]) from None
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise _Refused(MSG_PIXELS, width=width, height=height, side=MAX_IMAGE_SIDE,
                       megapixels=MAX_IMAGE_PIXELS // 1_000_000)
    if need > len(blob):  # checked after the size: a BMP bomb is said to be one
        raise _Refused(MSG_DAMAGED, format=_FORMAT_NAMES[ext])
    return ImageData(blob, ext, width, height)


@dataclass(frozen=True)
class ImageData:
    """An image file's bytes and pixel size."""

    blob: bytes
    ext: str
    px_width: int
    px_height: int

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.ext]


# Pictures read lately, by path, mtime and size: a batch reads its logo and signatures
# once, yet an edited file is read again. Only file contents are kept, never record
# data, and at most this many bytes of them: validating a batch of a thousand records,
# each signed with its own 20 MB scan, must not hold 20 GB (nor the 64 newest, 1.3 GB).
_CACHE_BYTES = 64 * 1024 * 1024
_cache: "OrderedDict[tuple[str, int, int], ImageData]" = OrderedDict()
_cache_lock = threading.Lock()


def _load(path: str, mtime_ns: int, size: int) -> ImageData:
    key = (path, mtime_ns, size)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    data = inspect_image(_read_regular(path, size), path)
    with _cache_lock:
        _cache[key] = data
        total = sum(len(d.blob) for d in _cache.values())
        while total > _CACHE_BYTES and len(_cache) > 1:
            _, dropped = _cache.popitem(last=False)
            total -= len(dropped.blob)
    return data


def load_image(path: Path) -> ImageData:
    """The picture at ``path`` (a regular file of at most :data:`MAX_IMAGE_BYTES`, a
    whole picture, :func:`inspect_image`); :class:`_Refused` otherwise, and
    ``OSError`` (``FileNotFoundError``…) from the file system."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(MSG_NOT_REGULAR)
    if st.st_size > MAX_IMAGE_BYTES:
        raise _too_large(st.st_size)
    return _load(str(path), st.st_mtime_ns, st.st_size)


def image_problem(path: Path, shown: str) -> Optional[Msg]:
    """Why the picture at ``path`` (named ``shown`` to the user) cannot be used, or
    None when it can."""
    try:
        load_image(path)
    except _Refused as exc:
        return Msg(exc.msg, {"image": shown, **exc.params})
    except (FileNotFoundError, ValueError):  # ValueError: a NUL in the path
        return Msg(MSG_NOT_FOUND, {"image": shown})
    except OSError as exc:
        return Msg(MSG_UNREADABLE, {"image": shown, "detail": exc.strerror or str(exc)})
    return None


# The folder images named by data without a file (the API's ``base_dir``) are read from;
# None: the working directory.
_DATA_BASE: ContextVar[Optional[Path]] = ContextVar("docgen_data_image_base", default=None)


@contextmanager
def data_image_base(base_dir: Optional[Union[str, "os.PathLike[str]"]]) -> Iterator[None]:
    """Within: image paths of records that come from no file resolve against
    ``base_dir`` (``render_record(base_dir=…)``), not the working directory."""
    token = _DATA_BASE.set(Path(base_dir) if base_dir is not None else None)
    try:
        yield
    finally:
        _DATA_BASE.reset(token)


def data_image_folder(data_file: Optional[str]) -> Path:
    """The folder a record's image paths are relative to: its data file's, else (data
    from no file: ``None``, ``""``, ``<data>``) :func:`data_image_base`'s or the working
    directory."""
    if data_file and not data_file.startswith("<"):
        return Path(data_file).parent
    return _DATA_BASE.get() or Path.cwd()


def data_image_path(value: str, base: Path) -> tuple[Path, Optional[Msg]]:
    """A picture path from a record, resolved against ``base`` (the data file's folder,
    made absolute: the working directory plays no part), and why it cannot be used
    (None when it can): outside ``base`` after following symbolic links (an absolute
    path elsewhere, ``..``), not a regular file, not a whole picture."""
    folder = Path(os.path.abspath(base)).resolve()
    if "\0" in value:
        return folder, Msg(MSG_NOT_FOUND, {"image": value.replace("\0", "\\0")})
    found = (folder / value).resolve()
    if not found.is_relative_to(folder):
        return found, Msg(MSG_OUTSIDE_DATA, {"image": value, "folder": str(folder)})
    return found, image_problem(found, value)


def _values_at(data: Any, wanted: str, path: tuple[Any, ...] = (),
               depth: int = 0) -> Iterator[tuple[Any, ...]]:
    """The paths of ``data`` whose value is the string ``wanted``."""
    if depth > 64:
        return
    if isinstance(data, str):
        if data == wanted:
            yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _values_at(value, wanted, path + (key,), depth + 1)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _values_at(value, wanted, path + (i,), depth + 1)


def image_input_error(exc: BaseException, data: Any = None,
                      source: Any = None) -> Optional[InputError]:
    """The data's error hidden in a template error ``exc``: a picture that ``image()``
    refused because of the file (broken, too large, not a file), or because of a path
    the data gave (outside its folder). Located at the field of ``data`` holding the
    path (``source``: its :class:`~docgen.inputs.SourceMap`), else at the picture file;
    None when the template is at fault (its own path outside the folder, a bad size)."""
    seen: set[int] = set()
    cause: Optional[BaseException] = exc
    while cause is not None and id(cause) not in seen and not isinstance(cause, ImageError):
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    if not isinstance(cause, ImageError) or cause.given is None:
        return None
    where: Optional[SourceLocation] = None
    if data is not None and source is not None:
        field = next(_values_at(data, cause.given), None)
        if field is not None:
            where = source.locate(field)
    if where is None:
        if not cause.content:
            return None
        where = SourceLocation(file=cause.file)
    if not cause.content:  # the data's path, outside its folder
        return InputError(MSG_OUTSIDE_DATA, where, code="image",
                          params={"image": cause.given, "folder": cause.msg.params["folder"]})
    return InputError(cause.msg.message, where, code="image", params=dict(cause.msg.params))


@dataclass(frozen=True)
class PlacedImage:
    """The value ``image()`` returns; an engine prints it as a picture."""

    sink: "ImageSink"
    index: int  # position in the sink's image list
    cx: int  # width in EMU
    cy: int  # height in EMU
    name: str

    @property
    def data(self) -> ImageData:
        return self.sink.images[self.index]

    def __str__(self) -> str:  # printed outside a picture-aware part: show nothing
        return ""


class ImageSink:
    """Collects the images one render places; engines read it after rendering."""

    def __init__(self, base_dir: Optional[Path] = None) -> None:
        self.base_dir = Path(os.path.abspath(base_dir or Path.cwd())).resolve()
        self.images: list[ImageData] = []
        self._index: dict[str, int] = {}
        self.current_part: str = ""
        self.rel_ids: dict[str, dict[int, str]] = {}  # part -> image index -> rId
        self.reserved_ids: dict[str, set[str]] = {}  # part -> rIds its template has
        self.placed: list[PlacedImage] = []
        self.current_anchor: tuple[str, int, int] = ("", 0, 0)  # Excel: sheet, row, col
        self.anchored: list[tuple[tuple[str, int, int], PlacedImage]] = []
        self._drawing_id = 4000  # wp:docPr ids must be unique; stay clear of Word's own

    def at(self, col: int) -> str:
        """Excel: the cell being rendered is in column ``col`` (of the current row)."""
        sheet, row, _ = self.current_anchor
        self.current_anchor = (sheet, row, col)
        return ""

    def place(self, placed: PlacedImage) -> None:
        """Excel: anchor ``placed`` at the cell being rendered."""
        self.anchored.append((self.current_anchor, placed))

    def next_drawing_id(self) -> int:
        self._drawing_id += 1
        return self._drawing_id

    def resolve(self, path: Any) -> Path:
        if isinstance(path, Undefined):
            path._fail_with_undefined_error()
        if isinstance(path, ImagePath):
            return Path(path)
        if not isinstance(path, (str, Path)) or not str(path):
            raise TemplateRuntimeError(f"image() needs a file path, not {path!r}")
        # an absolute path replaces base_dir in the join; resolve() follows symlinks,
        # so one pointing out of the folder is refused like the path it points to
        candidate = (self.base_dir / str(path)).resolve()
        if not candidate.is_relative_to(self.base_dir):
            raise ImageError(N_("image path '{path}' is outside the data folder ({folder}); "
                                "templates may only use images next to the data or named "
                                "in the profile"), given=str(path), file=str(candidate),
                             path=str(path), folder=str(self.base_dir))
        return candidate

    def image(self, path: Union[str, Path], width_mm: Any = None,
              height_mm: Any = None) -> PlacedImage:
        resolved = self.resolve(path)
        key = str(resolved)
        index = self._index.get(key)
        if index is None:
            problem = image_problem(resolved, str(path))
            if problem is not None:
                raise ImageError(problem.message, given=str(path), file=key, content=True,
                                 **problem.params)
            index = self._index[key] = len(self.images)
            self.images.append(load_image(resolved))
        data = self.images[index]
        cx, cy = _size(data, width_mm, height_mm)
        placed = PlacedImage(self, index, cx, cy, resolved.name)
        self.placed.append(placed)
        return placed

    def rel_id(self, index: int) -> str:
        """The relationship id of image ``index`` in the part being rendered (ids the
        template's part already uses are avoided: a template may be docgen output)."""
        ids = self.rel_ids.setdefault(self.current_part, {})
        rid = ids.get(index)
        if rid is None:
            taken = self.reserved_ids.get(self.current_part, set()) | set(ids.values())
            rid = ids[index] = free_id(f"rIdDocgenImg{index + 1}", taken)
        return rid


def free_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``… whichever is not taken."""
    rid, n = wanted, 1
    while rid in taken:
        n += 1
        rid = f"{wanted}_{n}"
    return rid


def rel_ids_of(xml: Optional[bytes]) -> set[str]:
    """The ``Id`` of every relationship in a ``.rels`` part."""
    return {x.decode() for x in re.findall(rb'\bId="([^"]+)"', xml or b"")}


def _millimetres(value: Any, what: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    try:
        mm = float(value)
    except (TypeError, ValueError):
        raise TemplateRuntimeError(f"image() {what} must be a number of millimetres, "
                                   f"not {value!r}") from None
    if not 0 < mm <= _MAX_MM:
        raise TemplateRuntimeError(f"image() {what} must be between 0 and {_MAX_MM} mm")
    return mm


def _size(data: ImageData, width_mm: Any, height_mm: Any) -> tuple[int, int]:
    """Size in EMU; a missing side keeps the aspect ratio (96 dpi when both are missing)."""
    w, h = _millimetres(width_mm, "width"), _millimetres(height_mm, "height")
    if w is None and h is None:
        w = data.px_width * 25.4 / 96
    if w is None:
        assert h is not None
        w = h * data.px_width / data.px_height
    if h is None:
        h = w * data.px_height / data.px_width
    return round(w * EMU_PER_MM), round(h * EMU_PER_MM)


_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def drawing_wordml(placed: PlacedImage, doc_pr_id: int) -> str:
    """An inline picture, placed inside the current run (between ``w:t`` elements)."""
    rid = placed.sink.rel_id(placed.index)
    name = f"Picture {doc_pr_id}"
    return (
        f'<w:drawing><wp:inline xmlns:wp="{_WP}" distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{placed.cx}" cy="{placed.cy}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{doc_pr_id}" name="{name}"/>'
        f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{_A}" noChangeAspect="1"/>'
        f'</wp:cNvGraphicFramePr><a:graphic xmlns:a="{_A}"><a:graphicData uri="{_PIC}">'
        f'<pic:pic xmlns:pic="{_PIC}"><pic:nvPicPr><pic:cNvPr id="0" name="{name}"/>'
        '<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill>'
        f'<a:blip xmlns:r="{_R}" r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{placed.cx}" cy="{placed.cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        '</a:graphicData></a:graphic></wp:inline></w:drawing>'
    )


IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def rels_name(part: str) -> str:
    """``word/document.xml`` → ``word/_rels/document.xml.rels``."""
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def relative_target(part: str, target: str) -> str:
    """``target`` (a package path) as seen from ``part``'s folder."""
    src = part.split("/")[:-1]
    dst = target.split("/")
    common = 0
    while common < min(len(src), len(dst) - 1) and src[common] == dst[common]:
        common += 1
    return "/".join([".."] * (len(src) - common) + dst[common:])


def add_relationships(xml: Optional[bytes], rels: list[tuple[str, str, str]],
                      external: bool = False) -> bytes:
    """Append ``(id, type, target)`` relationships to a ``.rels`` part (or a new one);
    ``external``: the targets are URLs outside the package (hyperlinks)."""

    root = (etree.fromstring(xml, PARSER) if xml
            else etree.Element(f"{{{_PKG_RELS}}}Relationships", nsmap={None: _PKG_RELS}))
    existing = {el.get("Id") for el in root}
    for rid, rel_type, target in rels:
        if rid not in existing:
            rel = etree.SubElement(root, f"{{{_PKG_RELS}}}Relationship",
                                   Id=rid, Type=rel_type, Target=target)
            if external:
                rel.set("TargetMode", "External")
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def add_content_defaults(xml: bytes, types: dict[str, str]) -> bytes:
    """Make sure ``[Content_Types].xml`` has a ``Default`` for each extension."""

    root = etree.fromstring(xml, PARSER)
    have = {(el.get("Extension") or "").lower() for el in root.iter(f"{{{_CT}}}Default")}
    for ext, ctype in sorted(types.items()):
        if ext not in have:
            el = etree.Element(f"{{{_CT}}}Default", Extension=ext, ContentType=ctype)
            root.insert(0, el)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def media_names(sink: ImageSink, prefix: str, taken: set[str]) -> list[str]:
    """A free package name for each image of the sink (``word/media/docgen-image1.png``)."""
    names = []
    for i, data in enumerate(sink.images):
        n = i + 1
        name = f"{prefix}{n}.{data.ext}"
        while name in taken:
            n += 1000
            name = f"{prefix}{n}.{data.ext}"
        taken.add(name)
        names.append(name)
    return names


def add_images(members: list[Any], raw: dict[str, bytes], sink: ImageSink,
               prefix: str) -> list[Any]:
    """Members plus the media, relationships and content types of ``sink``'s images."""

    taken = {m.name for m in members}
    names = media_names(sink, prefix, taken)
    replaced: dict[str, Member] = {}
    for part, ids in sink.rel_ids.items():
        rels = [(rid, IMAGE_REL, relative_target(part, names[index]))
                for index, rid in sorted(ids.items(), key=lambda kv: kv[1])]
        name = rels_name(part)
        replaced[name] = make_member(name, add_relationships(raw.get(name), rels))
    used = sorted({i for ids in sink.rel_ids.values() for i in ids})
    ctypes = {sink.images[i].ext: sink.images[i].content_type for i in used}
    replaced["[Content_Types].xml"] = make_member(
        "[Content_Types].xml", add_content_defaults(raw["[Content_Types].xml"], ctypes))
    out = [replaced.pop(m.name, m) for m in members]
    out.extend(replaced.values())  # .rels parts the template did not have
    for i in used:  # pictures are compressed already: store them
        blob = sink.images[i].blob
        out.append(Member(names[i], zlib.crc32(blob), len(blob), blob, method=0))
    return out
