"""Warm PDF conversion: persistent LibreOffice workers driven through UNO.

* :class:`PdfPool` — ``with PdfPool(workers=2) as pool: pool.convert(src, dst)``
  (thread-safe; see :mod:`docgen.pdfpool.pool`);
* :class:`PdfServer`, :func:`find_server` — a pool on a local socket
  (``docgen pdf-server``), which :func:`docgen.convert.to_pdf` uses when it runs;
* :func:`pool_service` — the short-lived pool of a ``docgen batch -f pdf`` run.

``worker.py`` is the process behind each worker; it runs under a Python that has
LibreOffice's ``uno`` module (:func:`uno_python`) and imports nothing from docgen.
Without ``uno``, PDFs are made as before: one ``soffice --convert-to`` per call.
"""
from __future__ import annotations

from .pool import PdfPool, pool_disabled, require_uno_python, uno_python
from .server import PdfServer, ServerClient, find_server, pool_service, runtime_dir

__all__ = ["PdfPool", "PdfServer", "ServerClient", "find_server", "pool_disabled",
           "pool_service", "require_uno_python", "runtime_dir", "uno_python"]
