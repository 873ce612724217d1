"""PDF conversion through LibreOffice (headless), one process for many files.

Starting LibreOffice costs ~2 s; converting a document in an already running
process ~0.4 s, so all files of a run go to one ``soffice`` call (DOMAIN.md §6.5).
Each call runs with a private profile directory, so parallel workers never share
(and lock) one profile; a worker can pass its own ``profile_dir`` to keep the warm
profile across calls.

Fonts: LibreOffice on Linux finds fonts through fontconfig, which maps Windows CJK
names it does not know (바탕, 宋体, 新細明體, …) to *Sans*. docgen runs ``soffice``
with ``FONTCONFIG_FILE`` pointing at ``docgen/fonts/fontconfig-cjk.conf``, which
includes the system configuration and adds aliases to the Noto Serif/Sans CJK faces
of the same style (DOMAIN.md §6.2). A ``FONTCONFIG_FILE`` set by the user wins.

Warm conversion: when a PDF pool server is running (``docgen pdf-server``, or the
short-lived pool ``docgen batch -f pdf`` starts for its run, see
:mod:`docgen.pdfpool`), :func:`to_pdf` sends each document to it instead of
starting LibreOffice. Every PDF is checked (:func:`check_pdf`) before it is moved
into place. PDF/A-2b: ``pdfa=True`` or ``$DOCGEN_PDFA=1`` (``--pdfa``).
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path
from types import FrameType
from typing import Iterator, Optional, Sequence

from .errors import OutputError, SourceLocation
from .messages import N_

_CANDIDATES = ("soffice", "libreoffice")

#: The fontconfig alias file shipped with docgen (package data).
FONTCONFIG_ALIASES = Path(__file__).resolve().parent / "fonts" / "fontconfig-cjk.conf"
#: The system configuration the alias file includes; without it the file is not used.
SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")

#: Default timeout of one ``soffice`` call: a fixed start-up allowance plus a share
#: per document (a first start with a new profile builds caches: ~4 s; a one-page
#: document then takes ~0.4 s).
TIMEOUT_BASE = 60.0
TIMEOUT_PER_FILE = 10.0

_NOISE = ("Warning: failed to launch javaldx",)

MSG_MISSING = N_("LibreOffice is not installed: PDF output needs 'soffice' (Debian/Ubuntu: "
                 "apt-get install libreoffice-writer fonts-noto-cjk; macOS: brew install "
                 "--cask libreoffice; Windows: install LibreOffice and set DOCGEN_SOFFICE to "
                 "the path of soffice.exe)")
MSG_ENV_MISSING = N_("DOCGEN_SOFFICE is set to '{path}', but there is no such program: set it "
                     "to LibreOffice's soffice (soffice.exe on Windows) or unset it")
MSG_START = N_("LibreOffice ({program}) could not be started: {detail}")
MSG_CONVERT = N_("LibreOffice could not convert the file: {detail}")
MSG_BAD_PDF = N_("LibreOffice wrote no usable PDF for the file ({detail}); nothing was "
                 "written for it")
MSG_TIMEOUT = N_("LibreOffice did not finish converting within {seconds} seconds and was "
                 "stopped: {detail}")


class ConversionError(OutputError):
    """LibreOffice failed for some documents of a call (exit 4).

    ``location`` names the first document without a PDF; ``failed`` lists all of
    them (in the order given) and ``converted`` the PDFs that did get written to
    ``out_dir`` before the error was raised.
    """

    def __init__(self, message: str, location: Optional[SourceLocation] = None, *,
                 code: str = "convert", params: Optional[dict[str, object]] = None,
                 failed: Sequence[Path] = (), converted: Sequence[Path] = ()) -> None:
        super().__init__(message, location, code=code, params=params)
        self.failed = list(failed)
        self.converted = list(converted)

    def in_folder(self, out: Path) -> "ConversionError":
        """This error located at the PDF the document would have become in ``out``
        (not at the temporary copy LibreOffice was given, which is gone)."""
        if self.location is None or not self.location.file:
            return self
        pdf = out / f"{Path(self.location.file).stem}.pdf"
        return ConversionError(self.template, SourceLocation(file=str(pdf)), code=self.code,
                               params=self.params,
                               failed=[out / f"{Path(p).stem}.pdf" for p in self.failed])


def _well_known() -> list[Path]:
    """Where the official installers put soffice when it is not on PATH."""
    if sys.platform == "darwin":
        return [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    if sys.platform == "win32":
        roots = [os.environ.get(v) for v in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")]
        return [Path(r) / "LibreOffice" / "program" / "soffice.exe"
                for r in dict.fromkeys(r for r in roots if r)]
    return []


def find_soffice() -> Optional[str]:
    """Path of the LibreOffice binary, or None: ``$DOCGEN_SOFFICE`` (a path or a
    command name) wins, then ``soffice``/``libreoffice`` on PATH, then the official
    installers' locations on macOS and Windows."""
    env = os.environ.get("DOCGEN_SOFFICE")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in _well_known():
        if path.is_file():
            return str(path)
    return None


def require_soffice() -> str:
    """Like :func:`find_soffice`, but a missing LibreOffice is an :class:`OutputError`
    (code ``no_soffice``, exit 4) whose message says how to install it."""
    found = find_soffice()
    if found is not None:
        return found
    env = os.environ.get("DOCGEN_SOFFICE")
    if env:
        raise OutputError(MSG_ENV_MISSING, code="no_soffice", params={"path": env})
    raise OutputError(MSG_MISSING, code="no_soffice")


def fontconfig_file() -> Optional[Path]:
    """The fontconfig file LibreOffice should use, or None to leave fontconfig alone:
    the user's ``$FONTCONFIG_FILE`` wins, and the alias file is only used where the
    system configuration it includes exists (Linux/BSD; LibreOffice on macOS and
    Windows does not use fontconfig)."""
    if os.environ.get("FONTCONFIG_FILE"):
        return None
    if sys.platform in ("win32", "darwin") or not SYSTEM_FONTCONFIG.is_file():
        return None
    return FONTCONFIG_ALIASES if FONTCONFIG_ALIASES.is_file() else None


def soffice_env() -> dict[str, str]:
    """The environment ``soffice`` runs with: ours, plus the font aliases."""
    env = dict(os.environ)
    aliases = fontconfig_file()
    if aliases is not None:
        env["FONTCONFIG_FILE"] = str(aliases)
    return env


def default_timeout(count: int) -> float:
    """Seconds one ``soffice`` call converting ``count`` documents may take."""
    return TIMEOUT_BASE + TIMEOUT_PER_FILE * max(count, 1)


@functools.lru_cache(maxsize=8)
def _version_of(soffice: str) -> Optional[str]:
    with tempfile.TemporaryDirectory(prefix="docgen-lo-") as work:
        cmd = [soffice, _profile_arg(Path(work) / "profile"), "--headless", "--version"]
        try:
            out, _, rc, timed_out = _run(cmd, 60.0, soffice_env())
        except OSError:
            return None
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    if timed_out or rc != 0 or not lines:
        return None
    return lines[-1]


def soffice_version() -> Optional[str]:
    """LibreOffice's version line (e.g. ``LibreOffice 7.4.7.2 40(Build:2)``), or None
    when it is not installed or does not answer."""
    found = find_soffice()
    return _version_of(found) if found else None


def pdfa_requested() -> bool:
    """Whether PDFs are PDF/A-2b by default: ``$DOCGEN_PDFA`` is 1/true/yes/on (set by
    ``--pdfa`` for the run, so batch workers in other processes follow it)."""
    return os.environ.get("DOCGEN_PDFA", "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def pdfa_scope(enabled: bool) -> Iterator[None]:
    """PDF/A-2b for every PDF made inside the block (and in processes started in it)."""
    if not enabled:
        yield
        return
    previous = os.environ.get("DOCGEN_PDFA")
    os.environ["DOCGEN_PDFA"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DOCGEN_PDFA", None)
        else:
            os.environ["DOCGEN_PDFA"] = previous


_PAGES = re.compile(rb"/Type\s*/Pages\b")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_OBJ = re.compile(rb"\bobj\b(.*?)\bendobj\b", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)


def pdf_page_count(data: bytes) -> Optional[int]:
    """Pages of a PDF from its page tree (``/Type /Pages`` ... ``/Count N``), also
    inside compressed object streams; None when no page tree is found."""
    def count_in(blob: bytes) -> Optional[int]:
        best: Optional[int] = None
        for obj in _OBJ.finditer(blob):
            body = obj.group(1)
            if _PAGES.search(body):
                for m in _COUNT.finditer(body.split(b"stream", 1)[0]):
                    best = max(best or 0, int(m.group(1)))
        return best

    found = count_in(data)
    if found is not None:
        return found
    for stream in _STREAM.finditer(data):  # PDF 1.5 object streams
        try:
            inner = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        tree = _PAGES.search(inner)
        if tree is not None:
            m = _COUNT.search(inner, tree.start())
            if m:
                return int(m.group(1))
    return None


def _pdfinfo_pages(pdf: Path) -> Optional[int]:
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, str(pdf)], capture_output=True, text=True, timeout=60,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def check_pdf(pdf: Path, source: Optional[Path] = None) -> None:
    """A PDF LibreOffice wrote must be usable before it is moved into place: not
    empty, a ``%PDF-`` header and at least one page (its page tree, else
    ``pdfinfo``). Otherwise :class:`ConversionError` ``bad_pdf`` (exit 4) naming
    ``source`` (the document it was made from), else the PDF."""
    named = Path(source) if source is not None else Path(pdf)
    try:
        data = Path(pdf).read_bytes()
    except OSError as exc:
        detail = exc.strerror or str(exc)
    else:
        if not data:
            detail = "empty file"
        elif not data.startswith(b"%PDF-"):
            detail = "no %PDF- header"
        else:
            pages = pdf_page_count(data)
            if pages is None:
                pages = _pdfinfo_pages(Path(pdf))
            if pages is not None and pages >= 1:
                return
            detail = "no pages"
    raise ConversionError(MSG_BAD_PDF, SourceLocation(file=str(named)), code="bad_pdf",
                          params={"detail": detail}, failed=[named])


def share_to_pdf(documents: Sequence[Path], tmp: Path) -> list[Path]:
    """A batch worker's share converted in one LibreOffice run, inside the worker's
    temporary folder ``tmp`` (PDFs in ``tmp/pdf``, its own profile in ``tmp/profile``);
    through the run's PDF pool when there is one."""
    return to_pdf(documents, tmp / "pdf", profile_dir=tmp / "profile", work_dir=tmp)


def to_pdf(documents: Sequence[Path], out_dir: Path, timeout: Optional[float] = None, *,
           profile_dir: Optional[Path] = None, pdfa: Optional[bool] = None,
           work_dir: Optional[Path] = None) -> list[Path]:
    """Convert ``documents`` to PDF with one ``soffice`` process; return the PDFs.

    The PDFs land in ``out_dir`` (created if needed; same-named files are replaced)
    named after the documents' stems, in the order of ``documents``. ``timeout``
    (seconds) defaults to :func:`default_timeout`; on timeout LibreOffice and every
    process it started are killed. ``profile_dir`` is the LibreOffice profile to use
    (a worker passes its own to reuse it across calls; never share one between
    processes running at the same time); by default a temporary one.

    Raises :class:`OutputError` ``no_soffice`` when LibreOffice is missing or cannot
    start, and :class:`ConversionError` ``convert`` / ``convert_timeout`` when a
    document got no PDF, ``bad_pdf`` when it got an unusable one (PDFs made before
    that are left in ``out_dir``).

    With a PDF pool server running (:func:`docgen.pdfpool.find_server`) the
    documents go to its warm workers instead. ``pdfa`` (default ``$DOCGEN_PDFA``)
    makes PDF/A-2b files. ``work_dir`` holds LibreOffice's temporary folder (default:
    the system's): a batch worker passes its own, which the batch removes even when the
    worker is terminated mid-call.
    """
    docs = [Path(d).absolute() for d in documents]
    if not docs:
        return []
    stems = [d.stem for d in docs]
    if len(set(stems)) != len(stems):
        dupes = sorted({s for s in stems if stems.count(s) > 1})
        raise ValueError(f"to_pdf: documents must have distinct names, got {dupes} twice")
    archive = pdfa_requested() if pdfa is None else pdfa
    out_dir = Path(out_dir)
    from .pdfpool.server import find_server  # late: the pool imports this module

    server = find_server()
    if server is not None:
        return server.convert_all(docs, out_dir, pdfa=archive, timeout=timeout)
    soffice = require_soffice()
    seconds = default_timeout(len(docs)) if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="docgen-lo-", dir=work_dir) as work:
        profile = Path(profile_dir) if profile_dir is not None else Path(work) / "profile"
        target = Path(work) / "pdf"
        cmd = [soffice, _profile_arg(profile), "--headless", "--nologo", "--nodefault",
               "--nolockcheck", "--norestore", "--convert-to", _convert_to(docs, archive),
               "--outdir", str(target), *[str(d) for d in docs]]
        try:
            stdout, stderr, _, timed_out = _run(cmd, seconds, soffice_env())
        except OSError as exc:
            raise OutputError(MSG_START, code="no_soffice",
                              params={"program": soffice,
                                      "detail": exc.strerror or str(exc)}) from None
        made = [target / f"{d.stem}.pdf" for d in docs]
        failed = [d for d, pdf in zip(docs, made) if not pdf.is_file()]
        written: list[Path] = []
        bad: Optional[ConversionError] = None
        for doc, pdf in zip(docs, made):
            if not pdf.is_file():
                continue
            try:
                check_pdf(pdf, doc)
            except ConversionError as exc:
                bad = bad or exc
                failed.append(doc)
                continue
            out_dir.mkdir(parents=True, exist_ok=True)
            dest = out_dir / pdf.name
            shutil.move(str(pdf), str(dest))
            written.append(dest)
        if not failed:
            return written
        failed.sort(key=docs.index)
        if bad is not None and bad.failed[0] == failed[0]:
            raise ConversionError(bad.message, bad.location, code=bad.code, params=bad.params,
                                  failed=failed, converted=written)
        detail = _tail(stderr) or _tail(stdout) or "-"
        where = SourceLocation(file=str(failed[0]))
        if timed_out:
            raise ConversionError(MSG_TIMEOUT, where, code="convert_timeout",
                                  params={"seconds": f"{seconds:g}", "detail": detail},
                                  failed=failed, converted=written)
        raise ConversionError(MSG_CONVERT, where, code="convert", params={"detail": detail},
                              failed=failed, converted=written)


_SHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def _convert_to(docs: Sequence[Path], pdfa: bool) -> str:
    """``--convert-to``'s argument: plain ``pdf``, or the export filter with PDF/A-2b
    in its JSON options (LibreOffice 7.4+)."""
    if not pdfa:
        return "pdf"
    sheets = all(d.suffix.lower() in _SHEETS for d in docs)
    name = "calc_pdf_Export" if sheets else "writer_pdf_Export"
    return f'pdf:{name}:{{"SelectPdfVersion":{{"type":"long","value":"2"}}}}'


def _profile_arg(profile: Path) -> str:
    return f"-env:UserInstallation={profile.absolute().as_uri()}"


def _tail(output: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in output.splitlines()
             if ln.strip() and not ln.strip().startswith(_NOISE)]
    text = " | ".join(lines[-3:])
    return text[-limit:]


def _run(cmd: list[str], timeout: float, env: dict[str, str]) -> tuple[str, str, int, bool]:
    """Run ``cmd`` in its own process group; on timeout (or any interruption) kill
    the whole group, so no ``soffice.bin`` outlives the call. Returns stdout,
    stderr, the exit status and whether it timed out."""
    if sys.platform == "win32":
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env,
                                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP)
    else:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, start_new_session=True)
    timed_out = False
    try:
        with _terminate_kills(proc):
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_tree(proc)
                out, err = proc.communicate()
    except BaseException:  # KeyboardInterrupt and the like: leave nothing running
        _kill_tree(proc)
        proc.wait()
        raise
    return (out.decode(errors="replace"), err.decode(errors="replace"), proc.returncode,
            timed_out)


@contextlib.contextmanager
def _terminate_kills(proc: "subprocess.Popen[bytes]") -> Iterator[None]:
    """While ``proc`` runs, SIGTERM to this process (``Pool.terminate()``, ``kill``)
    first kills LibreOffice's process group, which lives in its own session and would
    otherwise outlive us, then does what SIGTERM did before."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None or previous == signal.SIG_IGN:
        yield
        return

    def handler(signum: int, frame: Optional[FrameType]) -> None:
        _kill_tree(proc)
        signal.signal(signal.SIGTERM, previous)
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: end the process, as it would have
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill_tree(proc: "subprocess.Popen[bytes]") -> None:
    """Kill ``proc`` and everything it started (oosplash starts soffice.bin)."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                       capture_output=True, check=False)
        proc.kill()
        return
    try:
        # The leader is not reaped yet, so its pid is still our process group's id.
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
