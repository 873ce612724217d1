"""Rendering for the web pages: one record to docx/xlsx, PDF, a PNG of page 1, and
the quick preview (the Word document's text as HTML, no LibreOffice).

The same stages as :func:`docgen.render_record` (:func:`docgen.api.prepare`, the
kind's template for the document locale, :func:`docgen.api.render_templates`), with
the built-in templates compiled once per server process (a preview must take
milliseconds, not the template's compile time).
"""
from __future__ import annotations

import io
import secrets
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from ..api import fonts_for, pdf_of, prepare, render_templates
from ..errors import DocgenError, OutputError
from ..inputs import Record, SourceMap
from ..kinds import Kind
from ..ooxml.xml import parse as parse_xml
from ..output import output_name
from ..template import Template

if TYPE_CHECKING:
    from ..pdfpool import PdfPool
    from ..profile import Profile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FORM_SOURCE = "<form>"
_compiled: dict[tuple[str, int, int], Template] = {}
_lock = threading.Lock()


def compiled(path: Path) -> Template:
    """The template at ``path``, compiled once (again when the file changes)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        found = _compiled.get(key)
    if found is None:
        found = Template(path)
        with _lock:
            _compiled[key] = found
    return found


@dataclass
class Document:
    data: bytes
    fmt: str  # docx or xlsx
    stem: str  # the file name without its suffix (the kind's naming pattern)


def render_document(kind: Kind, record: Mapping[str, Any], fmt: str, *,
                    profile: Optional["Profile"], work_dir: Path,
                    custom: Optional[Template] = None) -> Document:
    """``record`` rendered to ``fmt`` (docx or xlsx); :class:`ValidationFailed` with
    every problem for invalid data. ``custom`` replaces the built-in template of its
    format (for this render only)."""
    ready = prepare(kind, Record(dict(record), SourceMap(FORM_SOURCE)), profile=profile)
    if custom is not None and custom.format == fmt:
        template = custom
    else:
        path = kind.template_path(fmt, ready.locale.code)
        if not path.is_file():
            raise OutputError("the {kind} kind has no built-in {fmt} template", code="format",
                              params={"kind": kind.name, "fmt": fmt})
        template = compiled(path)
    images = work_dir / "no-images"  # record image paths never reach the server's files
    images.mkdir(parents=True, exist_ok=True)
    data = render_templates({fmt: template}, ready.context, ready.locale,
                            fonts=fonts_for(profile), base_dir=images)[fmt]
    try:
        stem = output_name(kind.default_name, ready.context)
    except DocgenError:
        stem = kind.name
    return Document(data, fmt, stem or kind.name)


def pdf_from_docx(docx: bytes, work_dir: Path, pool: Optional["PdfPool"]) -> bytes:
    """The PDF of a Word document: through the warm pool when the server has one,
    else docgen's conversion (the pdf-server if running, else one soffice)."""
    if pool is None or pool.closed:
        return pdf_of(docx)
    folder = Path(tempfile.mkdtemp(prefix="pdf-", dir=work_dir))
    try:
        src = folder / f"{secrets.token_hex(6)}.docx"
        src.write_bytes(docx)
        return pool.convert(src, folder / "out.pdf").read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def png_available() -> bool:
    return shutil.which("pdftoppm") is not None


def png_of_first_page(pdf: bytes, work_dir: Path, dpi: int = 90) -> bytes:
    """Page 1 of ``pdf`` as a PNG (poppler's pdftoppm)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise OutputError("pdftoppm (poppler-utils) is not installed, so there is no image "
                          "preview; use the PDF preview", code="no_pdftoppm")
    folder = Path(tempfile.mkdtemp(prefix="png-", dir=work_dir))
    try:
        (folder / "in.pdf").write_bytes(pdf)
        done = subprocess.run([tool, "-png", "-f", "1", "-l", "1", "-r", str(dpi),
                               "-singlefile", str(folder / "in.pdf"), str(folder / "page")],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        out = folder / "page.png"
        if done.returncode != 0 or not out.is_file():
            raise OutputError("pdftoppm could not make the image preview ({detail})",
                              code="pdftoppm",
                              params={"detail": done.stderr.decode("utf-8", "replace")[-200:]
                                      or done.returncode})
        return out.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the quick preview: the docx's text --------------------------------------------------

def _text(element: Any) -> str:
    parts = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _heading(p: Any) -> bool:
    style = p.find(f"{W}pPr/{W}pStyle")
    value = style.get(f"{W}val", "") if style is not None else ""
    return value.lower().startswith(("heading", "title")) or value.lower() in ("1", "2")


def quick_blocks(docx: bytes) -> list[dict[str, Any]]:
    """The body of a Word document as blocks for the quick preview: paragraphs
    (``{"kind": "p"|"h", "text"}``) and tables (``{"kind": "table", "rows"}``)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = parse_xml(z.read("word/document.xml"), "word/document.xml")
    body = root.find(f"{W}body")
    blocks: list[dict[str, Any]] = []
    for child in (body if body is not None else []):
        if child.tag == f"{W}p":
            text = _text(child)
            if text.strip():
                blocks.append({"kind": "h" if _heading(child) else "p", "text": text})
        elif child.tag == f"{W}tbl":
            rows = [[_text(tc) for tc in tr.findall(f"{W}tc")] for tr in child.findall(f"{W}tr")]
            blocks.append({"kind": "table", "rows": rows})
    return blocks
