"""docxtpl-compatible values for Python API users: ``RichText``, ``Listing``, ``InlineImage``.

Code written for docxtpl keeps its objects::

    from docgen import Template, RichText, Listing, InlineImage
    from docx.shared import Mm

    tpl = Template("letter.docx")
    rt = RichText("Total: ", bold=True)
    rt.add("1,200", color="#FF0000", size=24)          # size in half-points: 12 pt
    rt.add("details", url_id=tpl.build_url_id("https://example.com"))
    data = tpl.render({"total": rt, "notes": Listing("a\\n\\tb"),
                       "logo": InlineImage(tpl, "logo.png", width=Mm(30))})

Unlike docxtpl's, these objects hold no XML: :class:`RichText`, :class:`RichTextParagraph`
and :class:`Listing` reduce to :mod:`docgen.render.textmodel` blocks and spans (they are
:class:`~docgen.render.textmodel.Formatted`), which each engine writes escaping every
text, so nothing in a value can inject markup. Their ``str()`` is the plain text.

:class:`InlineImage` objects are made by the API user's own Python code, trusted like a
template, so (unlike ``image()`` in a template) their file may be anywhere: an absolute
path, a path relative to the working directory (as in docxtpl), a binary file object
(``BytesIO``) or bytes. The file is read when the object is made. ``Template.render``
places every InlineImage of the context (in dicts, lists and tuples, at any depth)
before rendering, as the picture ``image()`` would give.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import re
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Optional, Union
from urllib.parse import urlsplit

from .errors import Msg
from .render.images import (ImageData, ImageSink, PlacedImage, _Refused, inspect_image,
                            load_image)
from .render.markdown import is_link_target
from .render.textmodel import PLAIN, Block, Span, Style

__all__ = ["InlineImage", "Listing", "R", "RP", "RichText", "RichTextParagraph",
           "build_url_id", "place_inline_images"]

# Word's highlight colours (ST_HighlightColor) and their RGB values.
HIGHLIGHTS = {
    "black": "000000", "blue": "0000FF", "cyan": "00FFFF", "green": "00FF00",
    "magenta": "FF00FF", "red": "FF0000", "yellow": "FFFF00", "white": "FFFFFF",
    "darkBlue": "000080", "darkCyan": "008080", "darkGreen": "008000",
    "darkMagenta": "800080", "darkRed": "800000", "darkYellow": "808000",
    "darkGray": "808080", "lightGray": "C0C0C0",
}
_HIGHLIGHT_NAMES = {name.lower(): name for name in HIGHLIGHTS}
UNDERLINES = ("single", "double", "thick", "dotted", "dash", "dotDash", "dotDotDash", "wave")
_HEX = re.compile(r"#?([0-9A-Fa-f]{6})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL_SCHEMES = ("http", "https", "mailto")
_FONT_REGIONS = ("ascii", "hAnsi", "eastAsia", "cs")  # docxtpl's font="eastAsia:SimSun"
_MAX_HALF_POINTS = 3276  # w:sz's largest value (1638 pt)


# -- links ------------------------------------------------------------------------------

class UrlId(str):
    """What :meth:`docgen.Template.build_url_id` returns: the URL itself, marked.

    docxtpl's ``build_url_id`` adds a relationship to the document at once; docgen adds
    the relationships of the links a render prints to that render's document only, so
    the "id" is just the URL, which :meth:`RichText.add` turns back into a link."""


def check_url(url: Any) -> str:
    """``url`` if it is an absolute http, https or mailto URL; else :class:`ValueError`."""
    if not isinstance(url, str):
        raise TypeError(f"a link must be a URL string, not {type(url).__name__}")
    text = url.strip()
    if not text or _CONTROL.search(text) or any(c in text for c in ' "<>\\'):
        raise ValueError(f"not a valid URL for a link: {url!r} (spaces and quotes must "
                         "be percent-encoded)")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if (scheme not in _URL_SCHEMES or not is_link_target(text)
            or not (parts.path if scheme == "mailto" else parts.netloc)):
        raise ValueError(f"a link must be an absolute http, https or mailto URL, not {url!r}")
    return text


def build_url_id(url: str) -> UrlId:
    """The token ``RichText.add(url_id=...)`` takes for ``url`` (see :class:`UrlId`)."""
    return UrlId(check_url(url))


# -- RichText ---------------------------------------------------------------------------

def _text(value: Any) -> str:
    """docxtpl's conversion: bytes as UTF-8, anything else with ``str()``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="ignore")
    return str(value)


def _color(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    m = _HEX.fullmatch(str(value).strip())
    if not m:
        raise ValueError(f"color must be a hex RGB colour like 'FF0000' or '#FF0000', "
                         f"not {value!r}")
    return m.group(1).upper()


_HIGHLIGHT_OF_RGB = {rgb: name for name, rgb in HIGHLIGHTS.items()}


def _highlight(value: Any) -> tuple[Optional[str], Optional[str]]:
    """``(highlight, shading)`` for docxtpl's ``highlight``: a Word highlight name
    ("yellow", "darkBlue", any case) or a hex colour that is exactly one of Word's 16
    highlight colours is Word's highlight (what the highlighter button does); any
    other hex colour shades the run with it (``w:shd``, as docxtpl writes every
    highlight)."""
    if value is None or value == "":
        return None, None
    text = str(value).strip()
    name = _HIGHLIGHT_NAMES.get(text.replace("_", "").replace(" ", "").lower())
    if name is not None:
        return name, None
    m = _HEX.fullmatch(text)
    if m:
        rgb = m.group(1).upper()
        named = _HIGHLIGHT_OF_RGB.get(rgb)
        return (named, None) if named else (None, rgb)
    raise ValueError(f"highlight must be a Word highlight colour ({', '.join(HIGHLIGHTS)}) "
                     f"or a hex RGB colour, not {value!r}")


def _size(value: Any) -> Optional[float]:
    """docxtpl's size is in half-points (``w:sz``): 24 → 12 pt."""
    if value is None or value == "" or value is False:
        return None
    try:
        half = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a number of half-points (24 = 12 pt), "
                         f"not {value!r}") from None
    if not 1 <= half <= _MAX_HALF_POINTS or half != round(half):
        raise ValueError(f"size must be a whole number of half-points from 1 to "
                         f"{_MAX_HALF_POINTS} (24 = 12 pt), not {value!r}")
    return half / 2


def _underline(value: Any) -> Optional[str]:
    if not value:
        return None
    return value if value in UNDERLINES else "single"  # as docxtpl: True or unknown → single


def _name(value: Any, what: str) -> Optional[str]:
    """A style id or font name: any text without control characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or _CONTROL.search(value) or not value.strip():
        raise ValueError(f"{what} must be a name, not {value!r}")
    return value.strip()


def _font(value: Any) -> Optional[str]:
    """docxtpl's ``"eastAsia:SimSun"`` form names the font for that script too; docgen's
    span font is one family for every script, so the region is dropped."""
    name = _name(value, "font")
    region, colon, family = (name or "").partition(":")
    if colon and region in _FONT_REGIONS:
        name = _name(family, "font")
    return name


def _link(url: Any, url_id: Any) -> Optional[str]:
    if url_id is not None and url_id != "":
        if url is not None:
            raise ValueError("give either url or url_id, not both")
        if isinstance(url_id, UrlId):
            return str(url_id)
        try:
            return check_url(url_id)  # a URL given as url_id: accepted as well
        except (TypeError, ValueError):
            raise ValueError(f"url_id {url_id!r} is not from Template.build_url_id(url); "
                             "docgen makes the relationship itself: pass url=... or "
                             "url_id=tpl.build_url_id(url)") from None
    return None if url is None or url == "" else check_url(url)


# A paragraph break between pieces of a RichText (docxtpl's "\a").
_PARAGRAPH = None
Piece = Optional[Span]


def _pieces(text: str, style: Style, link: Optional[str]) -> list[Piece]:
    """``text`` as spans, ``\\a`` splitting paragraphs (``\\r\\n`` and ``\\r`` are ``\\n``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[Piece] = []
    for i, part in enumerate(text.split("\a")):
        if i:
            out.append(_PARAGRAPH)
        if part:
            out.append(Span(part, style, link))
    return out


def _blocks(pieces: Iterable[Piece]) -> list[Block]:
    """Paragraph blocks of ``pieces``, neighbouring spans of one style and link joined."""
    blocks: list[Block] = []
    spans: list[Span] = []
    for piece in itertools.chain(pieces, [_PARAGRAPH]):
        if piece is _PARAGRAPH:
            blocks.append(Block("paragraph", tuple(spans)))
            spans = []
        elif spans and spans[-1].style == piece.style and spans[-1].link == piece.link:
            spans[-1] = Span(spans[-1].text + piece.text, piece.style, piece.link)
        else:
            spans.append(piece)
    return blocks


def _plain(blocks: list[Block]) -> str:
    return "\n".join(b.text for b in blocks).replace("\f", "\n")


class RichText:
    """Styled text inside a paragraph, as docxtpl's ``RichText`` (``{{r rt }}``).

    ``RichText(text, **style)`` is ``RichText().add(text, **style)``. In the text,
    ``\\n`` is a line break, ``\\t`` a tab, ``\\f`` a page break and ``\\a`` starts a
    new paragraph (the tag's paragraph is split there, keeping its paragraph style).
    """

    def __init__(self, text: Any = None, **style: Any) -> None:
        self._pieces: list[Piece] = []
        if text:  # as docxtpl: RichText(None) / RichText("") add nothing
            self.add(text, **style)

    def add(
        self,
        text: Any,
        style: Optional[str] = None,
        color: Optional[str] = None,
        highlight: Optional[str] = None,
        size: Union[int, float, str, None] = None,
        subscript: Optional[bool] = None,
        superscript: Optional[bool] = None,
        bold: bool = False,
        italic: bool = False,
        underline: Union[bool, str] = False,
        strike: bool = False,
        font: Optional[str] = None,
        url_id: Optional[str] = None,
        rtl: bool = False,
        lang: Optional[str] = None,
        *,
        url: Optional[str] = None,
    ) -> "RichText":
        """Append ``text`` with this formatting (docxtpl's arguments; ``url=`` links it).

        ``style``: a character style id of the template; ``color``: ``"FF0000"`` or
        ``"#FF0000"``; ``highlight``: a Word highlight colour (``"yellow"``) or a hex
        colour (one of Word's 16 highlight colours is that highlight, any other a
        shading of the run, as docxtpl); ``size``: half-points (24 = 12 pt);
        ``underline``: True or a Word underline (``"double"``, ``"wave"``…); ``font``:
        a font family (``"eastAsia:SimSun"`` as docxtpl: that font); ``url_id``: from
        ``Template.build_url_id(url)``. ``rtl`` and ``lang`` are accepted and ignored
        (docgen sets the language of every run from the locale).

        A :class:`RichText` (or :class:`Listing`) as ``text`` is appended with its own
        formatting. Returns ``self``.
        """
        if isinstance(text, RichText):
            self._pieces.extend(text._pieces)
            return self
        if isinstance(text, Listing):
            self._pieces.extend(text._pieces())
            return self
        marker, shading = _highlight(highlight)
        fmt = Style(
            bold=bool(bold), italic=bool(italic), strike=bool(strike),
            underline=_underline(underline), color=_color(color),
            size=_size(size), highlight=marker, shading=shading, font=_font(font),
            vert_align=("subscript" if subscript else "superscript" if superscript else None),
            char_style=_name(style, "style"),
        )
        self._pieces.extend(_pieces(_text(text), fmt, _link(url, url_id)))
        return self

    add.alters_data = True  # type: ignore[attr-defined]  # the sandbox: not from templates

    # -- textmodel.Formatted -----------------------------------------------------------

    def blocks(self) -> list[Block]:
        return _blocks(self._pieces)

    def plain(self) -> str:
        return _plain(self.blocks())

    # -- Python --------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.plain()

    def __repr__(self) -> str:
        return f"RichText({self.plain()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RichText) and self.blocks() == other.blocks()

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __add__(self, other: Any) -> "RichText":
        out = RichText()
        out._pieces = list(self._pieces)
        return out.add(other) if isinstance(other, (RichText, Listing)) else out.add(_text(other))

    def __radd__(self, other: Any) -> "RichText":
        return RichText(_text(other)).add(self)

    def __iadd__(self, other: Any) -> "RichText":
        return self.add(other)


R = RichText


class RichTextParagraph:
    """Whole paragraphs of styled text, as docxtpl's ``RichTextParagraph`` (``{{p rtp }}``).

    Each :meth:`add` is one paragraph (a ``\\a`` in its text starts another), with the
    tag paragraph's properties. ``parastyle`` (a paragraph style id of the template,
    ``"Heading1"``, or its name, ``"Heading 1"``) replaces the tag paragraph's style
    for that paragraph; a style the template lacks leaves the tag paragraph's (with a
    warning), never a reference to a missing style.
    """

    def __init__(self, text: Any = None, **props: Any) -> None:
        self._paragraphs: list[RichText] = []
        self.parastyles: list[Optional[str]] = []
        if text:
            self.add(text, **props)

    def add(self, text: Any, parastyle: Optional[str] = None) -> "RichTextParagraph":
        rt = text if isinstance(text, RichText) else RichText().add(_text(text))
        self._paragraphs.append(rt)
        self.parastyles.append(_name(parastyle, "parastyle"))
        return self

    add.alters_data = True  # type: ignore[attr-defined]

    def blocks(self) -> list[Block]:
        return [dataclasses.replace(b, para_style=style) if style else b
                for rt, style in zip(self._paragraphs, self.parastyles)
                for b in rt.blocks()]

    def plain(self) -> str:
        return _plain(self.blocks())

    def __str__(self) -> str:
        return self.plain()

    def __repr__(self) -> str:
        return f"RichTextParagraph({self.plain()!r})"


RP = RichTextParagraph


class Listing:
    """Literal text keeping the template run's formatting, as docxtpl's ``Listing``:
    ``\\n`` a line break, ``\\t`` a tab, ``\\f`` a page break, ``\\a`` a new paragraph,
    runs of spaces kept. (docgen prints plain strings this way too; a Listing is the
    same text as a :class:`~docgen.render.textmodel.Formatted` value.)"""

    def __init__(self, text: Any) -> None:
        self.text = _text(text)

    def _pieces(self) -> list[Piece]:
        return _pieces(self.text, PLAIN, None)

    def blocks(self) -> list[Block]:
        return _blocks(self._pieces())

    def plain(self) -> str:
        return _plain(self.blocks())

    def __str__(self) -> str:
        return self.plain()

    def __repr__(self) -> str:
        return f"Listing({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Listing) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)


# -- InlineImage ------------------------------------------------------------------------

_MAX_EMU = 2000 * 36000  # 2 m, as image()
ImageDescriptor = Union[str, "os.PathLike[str]", bytes, IO[bytes]]


def _image_data(blob: bytes, name: Optional[str] = None) -> tuple[ImageData, Any]:
    """``blob`` (the file ``name``, when it is one) as docgen's :class:`ImageData`, checked
    whole (:func:`~docgen.render.images.inspect_image`), and python-docx's ``Image``
    (for its size at its DPI)."""
    from docx.image.image import Image

    try:  # whole, within the limits, before python-docx reads it for its DPI
        data = inspect_image(blob, name)
    except _Refused as exc:
        raise ValueError(Msg(exc.msg, {"image": name or "image", **exc.params}).text()) from None
    try:
        info = Image.from_blob(blob)
    except Exception as exc:  # any parser failure: not an image
        raise ValueError(f"not a PNG, JPEG, GIF or BMP image ({type(exc).__name__})") from None
    return data, info


def _length(value: Any, what: str) -> Optional[int]:
    """A python-docx Length (``Mm(30)``, ``Inches(1)``, ``Emu(…)``: EMU) or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"InlineImage {what} must be a length (docx.shared.Mm(30), "
                        f"Inches(1), Emu(…)), not {value!r}")
    emu = int(round(value))
    if not 0 < emu <= _MAX_EMU:
        raise ValueError(f"InlineImage {what} must be more than 0 and at most 2 m, "
                         f"not {value!r} EMU")
    return emu


class InlineImage:
    """A picture in the text, as docxtpl's ``InlineImage(tpl, image_descriptor, width,
    height)``: ``width``/``height`` are python-docx lengths; one of them keeps the aspect
    ratio, neither gives the image's own size at its DPI (as docxtpl, via python-docx).

    ``tpl`` is accepted for compatibility (any template: the picture goes to the
    document being rendered). The file is read now: a missing or unreadable file
    raises here (``OSError``, ``ValueError``), not in the middle of a render.
    """

    created = 0  # InlineImages ever made; Template.render looks for them only if any

    def __init__(self, tpl: Any, image_descriptor: ImageDescriptor,
                 width: Any = None, height: Any = None, anchor: Any = None) -> None:
        if anchor is not None:
            raise ValueError("InlineImage(anchor=...) (a link on the picture) is not "
                             "supported by docgen")
        self._tpl = tpl  # kept, as docxtpl does; private: templates cannot reach it
        self.width = _length(width, "width")
        self.height = _length(height, "height")
        if isinstance(image_descriptor, (bytes, bytearray)):
            self.data, info = _image_data(bytes(image_descriptor))
            self.name = "image"
        elif hasattr(image_descriptor, "read"):
            stream: Any = image_descriptor
            if hasattr(stream, "seek"):
                stream.seek(0)
            blob = stream.read()
            if not isinstance(blob, bytes):
                raise TypeError("InlineImage needs a binary file object (open(..., 'rb'), "
                                "BytesIO)")
            self.data, info = _image_data(blob)
            self.name = Path(str(getattr(stream, "name", "image"))).name or "image"
        elif isinstance(image_descriptor, (str, os.PathLike)):
            path = Path(image_descriptor)  # trusted code: absolute or relative to the cwd
            self.data = load_image(path.resolve())
            _, info = _image_data(self.data.blob)
            self.name = path.name
        else:
            raise TypeError(f"InlineImage needs a file path, a binary file object or bytes, "
                            f"not {type(image_descriptor).__name__}")
        cx, cy = info.scaled_dimensions(self.width, self.height)
        self.cx, self.cy = int(cx), int(cy)
        if not (0 < self.cx <= _MAX_EMU and 0 < self.cy <= _MAX_EMU):
            raise ValueError(f"InlineImage {self.name} would be {self.cx} x {self.cy} EMU "
                             "(at most 2 m a side)")
        InlineImage.created += 1

    def place(self, sink: ImageSink, memo: Optional[dict[int, int]] = None) -> PlacedImage:
        """This picture in ``sink``'s render (one copy of each image file per render:
        ``memo`` maps ``id(ImageData)`` to its index in the sink)."""
        memo = {} if memo is None else memo
        index = memo.get(id(self.data))
        if index is None:
            index = memo[id(self.data)] = len(sink.images)
            sink.images.append(self.data)
        placed = PlacedImage(sink, index, self.cx, self.cy, self.name)
        sink.placed.append(placed)
        return placed

    place.alters_data = True  # type: ignore[attr-defined]

    def __str__(self) -> str:  # printed where no picture can go (as PlacedImage)
        return ""

    def __repr__(self) -> str:
        return f"InlineImage({self.name!r}, {self.cx} x {self.cy} EMU)"


def place_inline_images(context: Mapping[str, Any], sink: ImageSink) -> Mapping[str, Any]:
    """``context`` with every :class:`InlineImage` (in dicts, lists and tuples, at any
    depth) replaced by its picture in ``sink``; containers without one are kept as they
    are (the same objects), and nothing is looked at if no InlineImage was ever made."""
    if not InlineImage.created:
        return context
    placed: dict[int, PlacedImage] = {}
    memo: dict[int, int] = {}
    active: set[int] = set()  # containers being walked: a cycle is left alone

    def walk(value: Any) -> Any:
        if isinstance(value, InlineImage):
            got = placed.get(id(value))
            if got is None:
                got = placed[id(value)] = value.place(sink, memo)
            return got
        if not isinstance(value, (dict, list, tuple)) or id(value) in active:
            return value
        active.add(id(value))
        try:
            if isinstance(value, dict):
                items = {k: walk(v) for k, v in value.items()}
                changed = any(items[k] is not v for k, v in value.items())
                return items if changed else value
            new = [walk(v) for v in value]
            if all(a is b for a, b in zip(new, value)):
                return value
            if isinstance(value, list):
                return new
            if hasattr(value, "_fields"):  # a namedtuple
                return type(value)(*new)
            return tuple(new)
        finally:
            active.discard(id(value))

    out = walk(dict(context))
    return out if isinstance(out, dict) else context
