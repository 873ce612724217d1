"""A pool of warm LibreOffice processes converting documents to PDF.

Each worker is ``worker.py`` (next to this file) running under a Python that has
LibreOffice's ``uno`` module (:func:`uno_python`), with its own ``soffice`` and its
own profile directory, in a process group of its own. The pool hands one document at
a time to an idle worker; a worker is restarted after ``max_conversions``
documents, after a timeout (its whole process group is killed) and after a crash. A
failed document is an error for that document only: the pool goes on.

    with PdfPool(workers=2) as pool:
        pool.convert("a.docx", "a.pdf")

:meth:`PdfPool.convert` may be called from many threads at once.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import queue
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any, Optional, Union

from ..convert import (
    MSG_CONVERT,
    MSG_START,
    MSG_TIMEOUT,
    ConversionError,
    _kill_tree,
    check_pdf,
    pdfa_requested,
    require_soffice,
    soffice_env,
)
from ..errors import OutputError, SourceLocation
from ..messages import N_

WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"

#: Seconds one document may take in a warm worker before the worker is killed.
CONVERT_TIMEOUT = 60.0
#: Seconds a worker may take to start LibreOffice (a new profile builds caches first).
START_TIMEOUT = 120.0
#: A worker is restarted after this many documents (LibreOffice grows over time).
MAX_CONVERSIONS = 200

MSG_NO_UNO = N_("no Python with LibreOffice's 'uno' module was found, so there is no warm "
                "LibreOffice pool (Debian/Ubuntu: apt-get install python3-uno; on Windows and "
                "macOS LibreOffice's own Python is used; or set DOCGEN_UNO_PYTHON to a Python "
                "that can import uno)")
MSG_CLOSED = N_("the PDF pool is shut down")
MSG_STOPPED = N_("LibreOffice stopped while converting the file ({detail})")


def pool_disabled() -> bool:
    """``DOCGEN_PDF_POOL=off`` (or 0/no/false): always the one-call-per-share path."""
    return os.environ.get("DOCGEN_PDF_POOL", "").strip().lower() in ("0", "off", "no", "false")


@functools.lru_cache(maxsize=16)
def _has_uno(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "import uno"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=60, env=soffice_env())
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _bundled_pythons(soffice: Optional[str]) -> list[Path]:
    """LibreOffice's own Python next to soffice (Windows: program/python.exe; macOS:
    Contents/Resources/python; some Linux builds: program/python)."""
    if not soffice:
        return []
    try:
        program = Path(soffice).resolve().parent
    except OSError:
        return []
    if sys.platform == "win32":
        return [program / "python.exe"]
    return [program / "python", program.parent / "Resources" / "python"]


def uno_python(soffice: Optional[str] = None) -> Optional[str]:
    """The interpreter pool workers run under, or None: ``$DOCGEN_UNO_PYTHON``; this
    Python if it can import ``uno``; LibreOffice's bundled Python; the system
    ``/usr/bin/python3`` or ``python3`` on PATH (Debian's python3-uno)."""
    env = os.environ.get("DOCGEN_UNO_PYTHON")
    if env:
        return env if _has_uno(env) else None
    if importlib.util.find_spec("uno") is not None:
        return sys.executable
    candidates = [str(p) for p in _bundled_pythons(soffice) if p.is_file()]
    if sys.platform != "win32":
        candidates.append("/usr/bin/python3")
    found = shutil.which("python3")
    if found:
        candidates.append(found)
    for python in dict.fromkeys(candidates):
        if Path(python).is_file() and _has_uno(python):
            return python
    return None


def require_uno_python(soffice: Optional[str] = None) -> str:
    found = uno_python(soffice)
    if found is None:
        raise OutputError(MSG_NO_UNO, code="no_uno")
    return found


class _Timeout(Exception):
    pass


class _Gone(Exception):
    pass


class _Worker:
    """One worker process (and its LibreOffice); used by one thread at a time."""

    def __init__(self, pool: "PdfPool", number: int) -> None:
        self.pool = pool
        self.profile = pool.folder / f"profile-{number}"
        self.log_path = pool.folder / f"worker-{number}.log"
        self.proc: Optional["subprocess.Popen[bytes]"] = None
        self.lines: "queue.Queue[Optional[bytes]]" = queue.Queue()
        self.done = 0
        self.soffice_pid: Optional[int] = None
        self.ready = False  # the worker said "ready" (spawned workers are not yet)
        self.lock = threading.Lock()

    # -- the process ------------------------------------------------------------------

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the worker process (quick: it then starts LibreOffice on its own).

        Call it from the thread that also forks (batch: before its worker processes
        are forked): a fork during ``Popen`` in another thread hands the child the
        pipe Popen waits on, and Popen would wait for ever."""
        cmd = [self.pool.python, str(WORKER_SCRIPT), self.pool.soffice, str(self.profile)]
        flags: dict[str, Any] = {"start_new_session": True}
        if sys.platform == "win32":
            flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        with open(self.log_path, "ab") as log:
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=log, env=soffice_env(), **flags)
            except OSError as exc:
                raise OutputError(MSG_START, code="no_soffice",
                                  params={"program": self.pool.python,
                                          "detail": exc.strerror or str(exc)}) from None
        if self.pool.closed:  # close() ran while this worker was being started
            self.kill()
            raise OutputError(MSG_CLOSED, code="pool_closed")
        self.lines = queue.Queue()
        self.done = 0
        self.ready = False
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=self._read_lines, args=(stdout, self.lines), daemon=True,
                         name="docgen-pdf-worker").start()

    def wait_ready(self) -> None:
        """Wait for the worker's LibreOffice to accept work (or say why it cannot)."""
        try:
            ready = self._answer(self.pool.start_timeout)
        except (_Timeout, _Gone) as exc:
            detail = self._log_tail() or type(exc).__name__
            self.kill()
            raise OutputError(MSG_START, code="no_soffice",
                              params={"program": self.pool.soffice, "detail": detail}) from None
        if not ready.get("ready"):
            self.kill()
            raise OutputError(MSG_START, code="no_soffice",
                              params={"program": self.pool.soffice,
                                      "detail": str(ready.get("detail") or self._log_tail())})
        pid = ready.get("pid")
        self.soffice_pid = pid if isinstance(pid, int) else None
        self.ready = True

    @staticmethod
    def _read_lines(stream: IO[bytes], into: "queue.Queue[Optional[bytes]]") -> None:
        try:
            for line in stream:
                into.put(line)
        except (OSError, ValueError):
            pass
        into.put(None)

    def _exited(self) -> bool:
        """Whether the worker process ended, without reaping it (its pid stays its
        process group's id, so a LibreOffice it left behind can still be killed)."""
        proc = self.proc
        if proc is None:
            return True
        if proc.returncode is not None:
            return True
        if hasattr(os, "waitid"):
            try:
                return os.waitid(os.P_PID, proc.pid,
                                 os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
            except ChildProcessError:
                return True
        return proc.poll() is not None

    def _answer(self, timeout: float) -> dict[str, Any]:
        """The worker's next line; _Timeout after ``timeout`` seconds, _Gone when the
        worker ended (even if a process it started still holds its output open)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, min(0.25, deadline - time.monotonic())))
                break
            except queue.Empty:
                if self._exited() and self.lines.empty():
                    raise _Gone() from None
                if time.monotonic() >= deadline:
                    raise _Timeout() from None
        if line is None:
            raise _Gone()
        try:
            value = json.loads(line)
        except ValueError:
            raise _Gone() from None
        return value if isinstance(value, dict) else {}

    def _send(self, message: dict[str, Any]) -> None:
        if self.proc is None or self.proc.stdin is None:  # killed by close()
            raise _Gone()
        try:
            self.proc.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            raise _Gone() from None

    def _log_tail(self) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        lines = [ln.strip() for ln in text.splitlines()
                 if ln.strip() and "javaldx" not in ln]
        return " | ".join(lines[-3:])[-300:]

    @property
    def running(self) -> bool:
        return not self._exited()

    def kill(self) -> None:
        """Kill the worker's whole process group (the worker and its LibreOffice)."""
        proc, self.proc = self.proc, None
        self.soffice_pid = None
        self.ready = False
        if proc is None:
            return
        _kill_tree(proc)
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def stop(self) -> None:
        """Let LibreOffice end cleanly (it saves nothing), then make sure of it."""
        if self.proc is None:
            return
        try:
            if self.running:
                self._send({"op": "quit"})
                while not self._answer(20.0).get("bye"):
                    pass
        except (_Timeout, _Gone):
            pass
        finally:
            self.kill()

    # -- a conversion -----------------------------------------------------------------

    def convert(self, src: Path, tmp: Path, pdfa: bool, timeout: float) -> None:
        """``src`` to the PDF ``tmp``; a :class:`ConversionError` names ``src``."""
        where = SourceLocation(file=str(src))
        if not self.running or not self.ready:
            try:
                if not self.running:
                    self.kill()
                    self.spawn()
                self.wait_ready()
            except OutputError as exc:  # reported for this document; the next one retries
                raise ConversionError(exc.message, where, code=exc.code, params=exc.params,
                                      failed=[src]) from None
        try:
            self._send({"op": "convert", "src": str(src), "dst": str(tmp), "pdfa": pdfa})
            answer = self._answer(timeout)
        except _Timeout:
            self.kill()
            raise ConversionError(MSG_TIMEOUT, where, code="convert_timeout",
                                  params={"seconds": f"{timeout:g}",
                                          "detail": self._log_tail() or "-"},
                                  failed=[src]) from None
        except _Gone:
            detail = self._log_tail() or "-"
            self.kill()
            raise ConversionError(MSG_STOPPED, where, code="convert",
                                  params={"detail": detail}, failed=[src]) from None
        self.done += 1
        if not answer.get("ok"):
            if answer.get("fatal"):
                self.kill()
            raise ConversionError(MSG_CONVERT, where, code="convert",
                                  params={"detail": str(answer.get("detail") or "-")},
                                  failed=[src])
        if self.done >= self.pool.max_conversions:
            self.stop()  # the next document starts a fresh one (same profile: warm)


class PdfPool:
    """``workers`` warm LibreOffice processes; see the module docstring.

    Workers start on first use, or all at once with :meth:`start`. ``timeout`` is the
    default seconds per document, ``max_conversions`` how many documents a worker
    converts before it is restarted. Profiles and logs live in a temporary folder
    removed by :meth:`close`.
    """

    def __init__(self, workers: int = 2, *, max_conversions: int = MAX_CONVERSIONS,
                 timeout: float = CONVERT_TIMEOUT, start_timeout: float = START_TIMEOUT,
                 soffice: Optional[str] = None, python: Optional[str] = None) -> None:
        self.soffice = soffice or require_soffice()
        self.python = python or require_uno_python(self.soffice)
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.max_conversions = max(1, max_conversions)
        self.folder = Path(tempfile.mkdtemp(prefix="docgen-pool-"))
        self._workers = [_Worker(self, n) for n in range(max(1, workers))]
        self._idle: "queue.Queue[_Worker]" = queue.Queue()
        for w in self._workers:
            self._idle.put(w)
        self._closed = False
        self._warming: list[threading.Thread] = []

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def size(self) -> int:
        return len(self._workers)

    def __enter__(self) -> "PdfPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, wait: bool = True) -> None:
        """Start every worker now (in parallel) instead of on first use; a worker that
        cannot start is tried again by its first document, which then reports why."""
        spawned: list[_Worker] = []
        for w in self._workers:  # here, in the caller's thread (see _Worker.spawn)
            with w.lock:
                if not w.running and not self._closed:
                    try:
                        w.kill()
                        w.spawn()
                        spawned.append(w)
                    except OutputError:
                        pass

        def warm(worker: _Worker) -> None:
            with worker.lock:
                try:
                    if worker.running and not worker.ready:
                        worker.wait_ready()
                except OutputError:
                    pass

        threads = [threading.Thread(target=warm, args=(w,), daemon=True) for w in spawned]
        self._warming = threads
        for t in threads:
            t.start()
        if wait:
            for t in threads:
                t.join()

    def pids(self) -> list[int]:
        """Process ids of the running workers and their LibreOffice (for checks)."""
        out: list[int] = []
        for w in self._workers:
            proc = w.proc
            if proc is not None and w.running:
                out.append(proc.pid)
                if w.soffice_pid is not None:
                    out.append(w.soffice_pid)
        return out

    def convert(self, src: Union[str, Path], dst: Union[str, Path], *,
                pdfa: Optional[bool] = None, timeout: Optional[float] = None) -> Path:
        """Convert ``src`` (.docx, .xlsx, anything LibreOffice opens) to the PDF ``dst``.

        The PDF is checked (:func:`docgen.convert.check_pdf`) before it replaces
        ``dst``; nothing is left at ``dst`` when it fails. ``pdfa`` (default:
        ``$DOCGEN_PDFA``) writes PDF/A-2b. Raises :class:`ConversionError` for this
        document; the pool stays usable."""
        source = Path(src).absolute()
        target = Path(dst).absolute()
        if self._closed:
            raise OutputError(MSG_CLOSED, SourceLocation(file=str(source)), code="pool_closed")
        worker = self._idle.get()
        try:
            with worker.lock:
                if self._closed:
                    raise OutputError(MSG_CLOSED, SourceLocation(file=str(source)),
                                      code="pool_closed")
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.parent / f".docgen-{secrets.token_hex(6)}.part"
                try:
                    worker.convert(source, tmp, pdfa_requested() if pdfa is None else pdfa,
                                   self.timeout if timeout is None else timeout)
                    check_pdf(tmp, source)
                    os.replace(tmp, target)
                finally:
                    tmp.unlink(missing_ok=True)
        finally:
            self._idle.put(worker)
        return target

    def close(self) -> None:
        """Stop every worker (killing what does not stop) and remove the profiles."""
        self._closed = True
        def stop(worker: _Worker) -> None:
            if worker.lock.acquire(timeout=0.5):
                try:
                    worker.stop()
                finally:
                    worker.lock.release()

        threads = [threading.Thread(target=stop, args=(w,), daemon=True) for w in self._workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for w in self._workers:
            w.kill()  # a worker still busy in another thread: its call ends with an error
        for t in self._warming:  # a start cut short by the kill ends at once
            t.join(30)
        for w in self._workers:
            w.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
