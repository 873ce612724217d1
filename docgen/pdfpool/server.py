"""A PDF pool behind a local socket, and the client :func:`docgen.convert.to_pdf` uses.

``docgen pdf-server`` runs a :class:`~docgen.pdfpool.pool.PdfPool` in the foreground
and listens on a Unix socket in a per-user runtime folder (``$XDG_RUNTIME_DIR/docgen``,
else ``<tmp>/docgen-<uid>``, mode 0700); on Windows on a loopback TCP port. Either way
an info file next to it (``pdf-server.json``, mode 0600) holds the address and a
token every request must carry. ``render -f pdf`` finds it there; ``docgen batch -f
pdf`` starts a private one for its run (:func:`pool_service`) and points its worker
processes at it with ``$DOCGEN_PDF_SERVER`` (the info file's path).

The protocol: one JSON line per request, one JSON line back, one connection each.
"""
from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import shutil
import socket
import socketserver
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from ..convert import MSG_CONVERT, ConversionError, find_soffice
from ..errors import DocgenError, DocgenWarning, Msg, OutputError, SourceLocation
from ..messages import N_
from .pool import MSG_NO_UNO, PdfPool, pool_disabled, uno_python

INFO_FILE = "pdf-server.json"
SOCKET_FILE = "pdf-server.sock"
_MAX_LINE = 1 << 20
#: Seconds a client waits for one answer beyond the conversion timeout (a worker
#: restart, a queue of documents ahead of it).
CLIENT_MARGIN = 600.0

MSG_NO_POOL = N_("{detail}; PDFs are made by one LibreOffice start per batch share (slower)")
MSG_FOREIGN = N_("the folder {folder} belongs to another user")


def runtime_dir(create: bool = True) -> Path:
    """This user's folder for the server's socket and info file."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        folder = base / "docgen"
    else:
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        folder = (Path(xdg) / "docgen" if xdg and Path(xdg).is_dir()
                  else Path(tempfile.gettempdir()) / f"docgen-{os.getuid()}")
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if sys.platform != "win32":
            st = folder.stat()
            if st.st_uid != os.getuid():  # someone else's folder in /tmp: never use it
                raise OutputError(MSG_FOREIGN,
                                  SourceLocation(file=str(folder)), code="runtime_dir",
                                  params={"folder": str(folder)})
            os.chmod(folder, 0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


# --- the client ------------------------------------------------------------------------

class ServerClient:
    """Talks to a running server described by its info file."""

    def __init__(self, info: dict[str, Any], info_path: Path) -> None:
        self.info = info
        self.info_path = info_path
        self.token = str(info.get("token", ""))

    def _connect(self, timeout: Optional[float]) -> socket.socket:
        address = self.info.get("address")
        if isinstance(address, list):
            sock = socket.create_connection((str(address[0]), int(address[1])), timeout=timeout)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(str(address))
            except OSError:
                sock.close()
                raise
        return sock

    def request(self, message: dict[str, Any], timeout: Optional[float] = 10.0) -> dict[str, Any]:
        with self._connect(min(timeout, 5.0) if timeout else 5.0) as sock:
            sock.settimeout(timeout)
            sock.sendall(json.dumps({**message, "token": self.token}).encode("utf-8") + b"\n")
            with sock.makefile("rb") as fh:
                line = fh.readline(_MAX_LINE)
        if not line:
            raise OSError("the PDF server closed the connection")
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else {}

    def ping(self) -> bool:
        try:
            return bool(self.request({"op": "ping"}, timeout=2.0).get("ok"))
        except (OSError, ValueError):
            return False

    def convert(self, src: Path, dst: Path, *, pdfa: bool = False,
                timeout: Optional[float] = None) -> Path:
        """One document; a failure is the server's :class:`ConversionError`."""
        where = SourceLocation(file=str(src))
        wait = (timeout or 60.0) + CLIENT_MARGIN
        try:
            answer = self.request({"op": "convert", "src": str(Path(src).absolute()),
                                   "dst": str(Path(dst).absolute()), "pdfa": pdfa,
                                   "timeout": timeout}, timeout=wait)
        except (OSError, ValueError) as exc:
            raise ConversionError(MSG_CONVERT, where,
                                  code="convert", params={"detail": f"PDF server: {exc}"},
                                  failed=[src]) from None
        if answer.get("ok"):
            return Path(dst)
        params = answer.get("params")
        raise ConversionError(str(answer.get("message") or "{detail}"), where,
                              code=str(answer.get("code") or "convert"),
                              params=params if isinstance(params, dict) else {},
                              failed=[src])

    def convert_all(self, documents: Sequence[Path], out_dir: Path, *, pdfa: bool = False,
                    timeout: Optional[float] = None) -> list[Path]:
        """:func:`~docgen.convert.to_pdf`'s contract through the server: every document
        is tried; the first failure is raised with all failed and converted ones."""
        written: list[Path] = []
        failed: list[Path] = []
        first: Optional[ConversionError] = None
        for doc in documents:
            try:
                written.append(self.convert(doc, Path(out_dir) / f"{doc.stem}.pdf", pdfa=pdfa,
                                            timeout=timeout))
            except ConversionError as exc:
                first = first or exc
                failed.append(doc)
        if first is not None:
            raise ConversionError(first.message, first.location, code=first.code,
                                  params=first.params, failed=failed, converted=written)
        return written

    def stop(self, wait: float = 60.0) -> bool:
        """Ask the server to shut down; True once it is gone."""
        try:
            self.request({"op": "stop"}, timeout=10.0)
        except (OSError, ValueError):
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not self.ping():
                return True
            time.sleep(0.1)
        return False


def _read_info(path: Path) -> Optional[dict[str, Any]]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def server_info_path() -> Path:
    """Where the info file of this user's ``docgen pdf-server`` is."""
    return runtime_dir(create=False) / INFO_FILE


def find_server() -> Optional[ServerClient]:
    """The PDF server to use, or None: the one named by ``$DOCGEN_PDF_SERVER`` (the
    batch's own), else this user's ``docgen pdf-server``; only one that answers.
    ``DOCGEN_PDF_POOL=off`` turns servers off."""
    if pool_disabled():
        return None
    env = os.environ.get("DOCGEN_PDF_SERVER")
    path = Path(env) if env else server_info_path()
    info = _read_info(path)
    if info is None:
        return None
    client = ServerClient(info, path)
    return client if client.ping() else None


# --- the server ------------------------------------------------------------------------

class _Handler(socketserver.StreamRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        line = self.rfile.readline(_MAX_LINE)
        try:
            request = json.loads(line)
            assert isinstance(request, dict)
        except (ValueError, AssertionError):
            return
        if not hmac.compare_digest(str(request.get("token", "")), self.server.token):
            self._answer({"ok": False, "code": "token", "message": "bad token", "params": {}})
            return
        op = request.get("op")
        if op == "ping":
            self._answer({"ok": True, "pid": os.getpid(), "workers": self.server.pool.size})
        elif op == "stop":
            self._answer({"ok": True})
            threading.Thread(target=self.server.stop_serving, daemon=True).start()
        elif op == "convert":
            self._answer(self._convert(request))
        else:
            self._answer({"ok": False, "code": "op", "message": "unknown request", "params": {}})

    def _convert(self, request: dict[str, Any]) -> dict[str, Any]:
        timeout = request.get("timeout")
        try:
            self.server.pool.convert(str(request["src"]), str(request["dst"]),
                                     pdfa=bool(request.get("pdfa")),
                                     timeout=float(timeout) if timeout else None)
        except DocgenError as exc:
            params = {k: str(v) for k, v in exc.params.items()}
            return {"ok": False, "code": exc.code, "message": exc.message, "params": params}
        except (KeyError, OSError) as exc:
            return {"ok": False, "code": "convert", "params": {"detail": str(exc)},
                    "message": MSG_CONVERT}
        return {"ok": True}

    def _answer(self, message: dict[str, Any]) -> None:
        try:
            self.wfile.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
        except OSError:
            pass


class _Server(socketserver.ThreadingMixIn, socketserver.BaseServer):
    daemon_threads = True
    pool: PdfPool
    token: str

    def stop_serving(self) -> None:
        """End serve_forever and stop accepting (``--stop``): new clients get
        "connection refused" at once instead of waiting."""
        self.shutdown()
        self.server_close()


# sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs (with the final NUL).
_MAX_SOCKET_PATH = 100
_SHORT_TMP = "/tmp" if os.path.isdir("/tmp") else None


def _make_server(pool: PdfPool, folder: Path) -> tuple[_Server, Any]:
    """A threaded server on a Unix socket in ``folder`` (loopback TCP on Windows)."""
    if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
        class TcpServer(socketserver.ThreadingTCPServer, _Server):
            allow_reuse_address = False
        server: _Server = TcpServer(("127.0.0.1", 0), _Handler)
        bound: Any = server.server_address
        address: Any = [bound[0], bound[1]]
    else:
        path = folder / SOCKET_FILE
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            # A deep TMPDIR/XDG_RUNTIME_DIR: a Unix socket path may not be longer than
            # about 104 bytes, so bind in a short private folder; the info file (which
            # stays in ``folder``) says where.
            path = Path(tempfile.mkdtemp(prefix="docgen-sock-", dir=_SHORT_TMP)) / SOCKET_FILE
        path.unlink(missing_ok=True)

        class UnixServer(socketserver.ThreadingUnixStreamServer, _Server):
            pass
        server = UnixServer(str(path), _Handler)
        os.chmod(path, 0o600)
        address = str(path)
    server.pool = pool
    server.token = secrets.token_hex(16)
    return server, address


class PdfServer:
    """A pool served on a local socket; :meth:`serve_forever` in the foreground or
    :meth:`start` in a thread; :meth:`close` stops the server, then the pool."""

    def __init__(self, pool: PdfPool, folder: Path) -> None:
        self.pool = pool
        self.folder = folder
        self._server, address = _make_server(pool, folder)
        self.info_path = folder / INFO_FILE
        self.info = {"address": address, "token": self._server.token, "pid": os.getpid(),
                     "workers": pool.size}
        _write_private(self.info_path, json.dumps(self.info))
        self._thread: Optional[threading.Thread] = None

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True,
                                        name="docgen-pdf-server")
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving (from another thread than serve_forever's)."""
        self._server.shutdown()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(10)
        self._server.server_close()
        if _read_info(self.info_path) == self.info:  # ours, not a newer server's
            self.info_path.unlink(missing_ok=True)
        address = self.info["address"]
        if isinstance(address, str):
            Path(address).unlink(missing_ok=True)
            if Path(address).parent.name.startswith("docgen-sock-"):  # the short folder
                shutil.rmtree(Path(address).parent, ignore_errors=True)
        self.pool.close()


@contextlib.contextmanager
def pool_service(workers: int) -> Iterator[Optional[str]]:
    """For a batch run: a running ``docgen pdf-server`` if there is one ("server"),
    else a private pool of ``workers`` LibreOffice processes served for the run's
    worker processes ("pool"; everything is stopped and removed at the end, Ctrl-C
    included), else None — no ``uno``: one note, and PDFs take today's path."""
    if pool_disabled():
        yield None
        return
    if find_server() is not None:
        yield "server"
        return
    soffice = find_soffice()
    python = uno_python(soffice) if soffice else None
    if soffice is None or python is None:
        if soffice is not None:
            warnings.warn(DocgenWarning(MSG_NO_POOL, detail=Msg(MSG_NO_UNO)),
                          stacklevel=3)
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="docgen-"))
    previous = os.environ.get("DOCGEN_PDF_SERVER")
    pool: Optional[PdfPool] = None
    server: Optional[PdfServer] = None
    try:
        pool = PdfPool(workers, soffice=soffice, python=python)
        server = PdfServer(pool, folder)
        server.start()
        pool.start(wait=False)  # warm up while the documents are rendered
        os.environ["DOCGEN_PDF_SERVER"] = str(server.info_path)
        yield "pool"
    finally:
        if previous is None:
            os.environ.pop("DOCGEN_PDF_SERVER", None)
        else:
            os.environ["DOCGEN_PDF_SERVER"] = previous
        if server is not None:
            server.close()
        elif pool is not None:
            pool.close()
        shutil.rmtree(folder, ignore_errors=True)
