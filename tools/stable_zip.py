"""Byte-stable zip packages for the files tools/ commits (templates, samples).

python-docx and openpyxl write the current time into the zip entries and openpyxl
into ``docProps/core.xml``; rewriting the package with fixed timestamps and member
order makes a builder reproduce the committed file byte for byte, which the tests
check.
"""
from __future__ import annotations

import io
import re
import zipfile

ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def normalize_zip(data: bytes) -> bytes:
    """``data`` rewritten with fixed timestamps, ``[Content_Types].xml`` first and the
    other members sorted, and core.xml's "modified" pinned."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in names if n == "[Content_Types].xml"]
        for name in first + sorted(n for n in names if n not in first):
            blob = src.read(name)
            if name == "docProps/core.xml":  # openpyxl stamps "modified" with the clock
                blob = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2026-01-01T00:00:00Z\g<2>", blob)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, blob)
    return out.getvalue()
