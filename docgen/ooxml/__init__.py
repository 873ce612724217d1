"""The Office Open XML layer shared by the sheet readers and both engines.

* :mod:`.xml` — the one hardened XML parser (no DTD, no entities, no network, no
  huge-tree mode) and :func:`~.xml.parse` / :func:`~.xml.iterparse`, which refuse a
  document with a ``<!DOCTYPE``;
* :mod:`.zip` — reading a package with limits (members, total size, compression
  ratio, size of one XML part), members inflated here never past their declared
  size, unsafe or duplicate names and encrypted members refused, XML parts checked
  for a DOCTYPE (and, for templates, parsed whole and given as UTF-8);
* :mod:`.rels` — relationships, part names and content types;
* :mod:`.strings` — SpreadsheetML shared and inline strings.

Nothing here knows about templates or records; errors are plain exceptions
(:class:`~.zip.BadPackage`, :class:`~.xml.UnsafeXml`) that the callers turn into
their located messages.
"""
from __future__ import annotations

from .rels import add_override, drop_override, read_rels, resolve_target
from .strings import read_shared_strings, si_text
from .xml import PARSER, UnsafeXml, iterparse, parse
from .zip import BadPackage, Limits, ZipReader, read_members

__all__ = [
    "PARSER", "BadPackage", "Limits", "UnsafeXml", "ZipReader", "add_override", "drop_override",
    "iterparse", "parse", "read_members", "read_rels", "read_shared_strings", "resolve_target",
    "si_text",
]
