"""PDF conversion through LibreOffice (headless), one process for many files.

Starting LibreOffice costs ~2 s; converting a document in an already running
process ~0.4 s, so all files of a run go to one ``soffice`` call. Each call gets a
private profile directory, so parallel runs never share (and lock) one profile.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from .errors import OutputError, SourceLocation

_CANDIDATES = ("soffice", "libreoffice")


def find_soffice() -> Optional[str]:
    """Path of the LibreOffice binary (``$DOCGEN_SOFFICE`` wins), or None."""
    env = os.environ.get("DOCGEN_SOFFICE")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(documents: Sequence[Path], out_dir: Path, timeout: float = 300.0) -> list[Path]:
    """Convert documents to PDF into ``out_dir``; return the PDF paths in order."""
    soffice = find_soffice()
    if soffice is None:
        raise OutputError("LibreOffice is not installed: PDF output needs 'soffice' "
                          "(Debian/Ubuntu: apt-get install libreoffice-writer fonts-noto-cjk)",
                          code="no_soffice")
    with tempfile.TemporaryDirectory(prefix="docgen-lo-") as work:
        profile = Path(work) / "profile"
        target = Path(work) / "pdf"
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", str(target),
               *[str(d) for d in documents]]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError("LibreOffice did not finish converting in time",
                              code="convert_timeout") from None
        results = []
        for doc in documents:
            pdf = target / (doc.stem + ".pdf")
            if not pdf.is_file():
                detail = proc.stderr.decode(errors="replace").strip()[-300:]
                raise OutputError("LibreOffice could not convert the file: {detail}",
                                  SourceLocation(file=str(doc)), code="convert",
                                  params={"detail": detail or "-"})
            results.append(pdf)
        out_dir.mkdir(parents=True, exist_ok=True)
        final = []
        for doc, pdf in zip(documents, results):
            dest = out_dir / (doc.stem + ".pdf")
            shutil.move(str(pdf), dest)
            final.append(dest)
        return final
