"""The one XML parser for every part docgen reads from a template or an input file.

Office parts never need a document type declaration, so one is refused outright
(:class:`UnsafeXml`): no internal entities to expand (the "billion laughs"), no
external ones to fetch. The parser itself loads no DTD, resolves no entity, touches
no network, and keeps libxml2's default limits on a single text node and on nesting
depth (``huge_tree`` off): a 70 MB worksheet parses, a crafted one is stopped.
"""
from __future__ import annotations

import re
from typing import IO, Any, Iterator, Optional

from lxml import etree

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                         dtd_validation=False, huge_tree=False)

_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False,
                            "dtd_validation": False, "huge_tree": False}
# Before the root element: the XML declaration, comments, processing instructions.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.DOTALL)
HEAD = 4096  # how much of a part is looked at for a DOCTYPE before parsing
_HEAD = HEAD


class UnsafeXml(ValueError):
    """An XML part declares a document type (refused: Office parts never do)."""

    def __init__(self, name: Optional[str] = None) -> None:
        self.name = name
        super().__init__(f"{name or 'XML'}: a document type declaration (<!DOCTYPE>) is "
                         "not allowed in an Office part")


def has_doctype(head: bytes) -> bool:
    """Whether XML starting with ``head`` declares a document type before its root
    (UTF-8 or UTF-16, as Office parts are encoded)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            head = head.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            head = head[2:].replace(b"\x00", b"")  # a cut surrogate at the end: keep ASCII
    return _PROLOG.match(head[:_HEAD]) is not None


def check(data: bytes, name: Optional[str] = None) -> bytes:
    """``data`` unchanged, or :class:`UnsafeXml` if it declares a document type."""
    if b"DOCTYPE" in data[:_HEAD] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        if has_doctype(data[:_HEAD]):
            raise UnsafeXml(name)
    return data


def parse(data: bytes, name: Optional[str] = None) -> etree._Element:
    """The root element of ``data`` parsed with :data:`PARSER`; a DOCTYPE raises
    :class:`UnsafeXml`, broken XML :class:`lxml.etree.XMLSyntaxError`."""
    root = etree.fromstring(check(data, name), PARSER)
    if root.getroottree().docinfo.doctype:  # belt and braces (e.g. after a long prolog)
        raise UnsafeXml(name)
    return root


class _Checked:
    """A binary stream whose first bytes were checked for a DOCTYPE."""

    def __init__(self, stream: IO[bytes], name: Optional[str]) -> None:
        self._head = check(stream.read(_HEAD), name)
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head + self._stream.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._stream.read(size)


def iterparse(stream: IO[bytes], name: Optional[str] = None,
              **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """:func:`lxml.etree.iterparse` with the parser's options, the stream refused
    (:class:`UnsafeXml`) if it declares a document type."""
    options = {**kwargs, **_OPTIONS}
    return iter(etree.iterparse(_Checked(stream, name), **options))
