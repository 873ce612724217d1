"""One warm LibreOffice, driven through UNO: the process behind a pool worker.

Run by path (``python worker.py SOFFICE PROFILE_DIR``) under an interpreter that can
``import uno`` — Debian's /usr/bin/python3 with python3-uno, or LibreOffice's own
``program/python`` — which is often not the interpreter docgen runs in. So this file
imports nothing from docgen, only the standard library and ``uno``.

It starts ``soffice --headless --accept=pipe,name=…;urp;`` (its child, so in the
process group the pool kills on a timeout), connects, says ``{"ready": true}``, then
answers one JSON line per JSON request line on stdin:

* ``{"op": "convert", "src": PATH, "dst": PATH, "pdfa": BOOL}`` → ``{"ok": true}`` or
  ``{"ok": false, "detail": TEXT, "fatal": BOOL}`` (fatal: LibreOffice is gone; the
  pool starts a new worker);
* ``{"op": "quit"}`` → LibreOffice is terminated, ``{"bye": true}``, exit.

End of input is a quit. stdout carries the protocol only: whatever else writes to
file descriptor 1 is sent to stderr.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Optional

START_TIMEOUT = 90.0  # a first start with a new profile builds caches (seconds)

_TEXT = "com.sun.star.text.GenericTextDocument"
_SHEET = "com.sun.star.sheet.SpreadsheetDocument"
_DRAW = "com.sun.star.drawing.DrawingDocument"
_PRESENTATION = "com.sun.star.presentation.PresentationDocument"


def _send(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message).encode("utf-8") + b"\n")
    out.flush()


class Office:
    """soffice started with ``--accept`` and the UNO desktop it serves."""

    def __init__(self, soffice: str, profile: Path) -> None:
        self.uno: Any = importlib.import_module("uno")
        self.pipe = f"docgen-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        cmd = [soffice, f"-env:UserInstallation={profile.absolute().as_uri()}",
               "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
               "--nolockcheck", f"--accept=pipe,name={self.pipe};urp;"]
        # same process group as this worker: the pool kills both at once
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                     stderr=sys.stderr)
        self.desktop: Any = None

    def connect(self, timeout: float = START_TIMEOUT) -> None:
        local = self.uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            code = self.proc.poll()
            if code is not None:
                raise RuntimeError(f"soffice exited with status {code} before it accepted "
                                   f"connections")
            try:
                ctx = resolver.resolve(url)
                break
            except Exception as exc:  # NoConnectException until soffice listens
                last = str(exc) or type(exc).__name__
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not accept connections within "
                                   f"{timeout:g} s: {last}")
            time.sleep(0.05)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)

    def _props(self, **values: Any) -> tuple[Any, ...]:
        out = []
        for name, value in values.items():
            prop = self.uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            prop.Name = name
            prop.Value = value
            out.append(prop)
        return tuple(out)

    def convert(self, src: str, dst: str, pdfa: bool) -> None:
        url = Path(src).absolute().as_uri()
        doc = self.desktop.loadComponentFromURL(
            url, "_blank", 0, self._props(Hidden=True, ReadOnly=True, MacroExecutionMode=0,
                                          UpdateDocMode=0))
        if doc is None:
            raise ValueError("LibreOffice could not open the file")
        try:
            if doc.supportsService(_SHEET):
                name = "calc_pdf_Export"
            elif doc.supportsService(_PRESENTATION):
                name = "impress_pdf_Export"
            elif doc.supportsService(_DRAW):
                name = "draw_pdf_Export"
            else:
                name = "writer_pdf_Export"
            data = self._props(SelectPdfVersion=2) if pdfa else ()
            seq = "[]com.sun.star.beans.PropertyValue"
            args = self._props(FilterName=name, Overwrite=True,
                               FilterData=self.uno.Any(seq, data))
            # a nested Any (FilterData) only survives an explicitly typed call
            self.uno.invoke(doc, "storeToURL",
                            (Path(dst).absolute().as_uri(), self.uno.Any(seq, args)))
        finally:
            try:
                doc.close(True)
            except Exception:
                doc.dispose()

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:
            self.desktop.getFrames()
            return True
        except Exception:
            return False

    def quit(self) -> None:
        try:
            if self.desktop is not None:
                self.desktop.terminate()
        except Exception:
            pass  # the bridge goes down with soffice: expected
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main(argv: list[str]) -> int:
    soffice, profile = argv[1], Path(argv[2])
    # The protocol keeps the real stdout; anything else printing goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    office: Optional[Office] = None
    try:
        office = Office(soffice, profile)
        office.connect()
    except Exception as exc:
        _send(out, {"ready": False, "detail": str(exc) or type(exc).__name__})
        if office is not None and office.proc.poll() is None:
            office.proc.kill()
            office.proc.wait()
        return 1
    _send(out, {"ready": True, "pid": office.proc.pid})
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
        except ValueError:
            _send(out, {"ok": False, "detail": "bad request", "fatal": False})
            continue
        if request.get("op") == "quit":
            break
        try:
            office.convert(str(request["src"]), str(request["dst"]), bool(request.get("pdfa")))
            _send(out, {"ok": True})
        except Exception as exc:
            detail = str(exc).strip() or type(exc).__name__
            _send(out, {"ok": False, "detail": detail[:500], "fatal": not office.alive()})
    office.quit()
    _send(out, {"bye": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
