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
"""
from __future__ import annotations

import math
import os
import re
import stat
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from jinja2 import TemplateRuntimeError, Undefined
from lxml import etree

from ..errors import Msg
from ..messages import N_
from ..profile import ImagePath
from ..ooxml.xml import PARSER
from .package import Member, make_member

EMU_PER_MM = 36000
_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif",
                  "bmp": "image/bmp"}
_MAX_MM = 2000
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a picture in a business document; far above a logo


class ImageError(TemplateRuntimeError):
    """A picture ``image()`` may not or cannot use; its message is a :class:`Msg`, said
    in the user's language inside the template error that reports it (exit 3)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__()
        self.args = (Msg(message, params),)


class _Refused(Exception):
    """Raised by :func:`load_image` for a file that is not a picture docgen reads."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.msg = message
        self.params = params


def _read_regular(path: str, size: int) -> bytes:
    """The bytes of the regular file ``path``; opened without blocking (a FIFO put
    there since the check must not hang the render) and checked again once open."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused(N_("{path} is not a regular file (a folder, device or pipe?); "
                              "image() reads picture files only"), path=path)
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
        raise _too_large(path, max(size, total))
    return b"".join(chunks)


def _too_large(path: str, size: int) -> _Refused:
    return _Refused(N_("{path} is too large for a picture ({size} MB; at most {limit} MB)"),
                    path=path, size=f"{math.ceil(size / 104857.6) / 10:.1f}",
                    limit=MAX_IMAGE_BYTES // 1048576)


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


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int, size: int) -> ImageData:
    # Keyed by path, mtime and size: a batch reads the logo once, yet an edited file
    # is read again. Only file contents are cached, never record data.
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image

    blob = _read_regular(path, size)
    try:
        info = Image.from_blob(blob)
    except (UnrecognizedImageError, Exception) as exc:  # any parser failure: not an image
        raise ValueError(f"not a PNG, JPEG, GIF or BMP image ({type(exc).__name__})") from None
    ext = {"jpg": "jpeg"}.get(info.ext, info.ext)
    if ext not in _CONTENT_TYPES:
        raise ValueError(f"unsupported image type '{info.ext}' (use PNG, JPEG, GIF or BMP)")
    return ImageData(blob, ext, max(1, info.px_width), max(1, info.px_height))


def load_image(path: Path) -> ImageData:
    """The picture at ``path`` (a regular file of at most :data:`MAX_IMAGE_BYTES`)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(N_("{path} is not a regular file (a folder, device or pipe?); "
                          "image() reads picture files only"), path=str(path))
    if st.st_size > MAX_IMAGE_BYTES:
        raise _too_large(str(path), st.st_size)
    return _load(str(path), st.st_mtime_ns, st.st_size)


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
                                "in the profile"), path=str(path), folder=str(self.base_dir))
        return candidate

    def image(self, path: Union[str, Path], width_mm: Any = None,
              height_mm: Any = None) -> PlacedImage:
        resolved = self.resolve(path)
        key = str(resolved)
        index = self._index.get(key)
        if index is None:
            try:
                data = load_image(resolved)
            except FileNotFoundError:
                raise ImageError(N_("image file not found: {path}"), path=str(path)) from None
            except _Refused as exc:
                raise ImageError(exc.msg, **exc.params) from None
            except OSError as exc:
                raise ImageError(N_("cannot read image {path}: {detail}"), path=str(path),
                                 detail=exc.strerror or str(exc)) from None
            except ValueError as exc:
                raise TemplateRuntimeError(f"{path}: {exc}") from None
            index = self._index[key] = len(self.images)
            self.images.append(data)
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
