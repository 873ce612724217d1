"""How a docgen run stops when it is told to: Ctrl-C (SIGINT) or SIGTERM.

Both end a command through the same clean-up (a ``KeyboardInterrupt`` unwinding the
stack: staging folders, folder locks, LibreOffice's process group, temporary folders);
the CLI reports them with exit 130 and 143. Worker processes forked for a batch or a
mail run leave both to their parent, which ends them (``Pool.terminate()``).
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType
from typing import Iterator, Optional

from .errors import Terminated


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the command while this is active, so what
    Ctrl-C cleans up is cleaned up when ``kill``, a service manager or a CI timeout
    stops docgen; Python's default would end the process on the spot and leave all of
    it behind. (Only in the main thread: signal handlers can be set nowhere else.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def on_term(signum: int, frame: Optional[FrameType]) -> None:
        if os.getpid() != owner:  # a forked process that kept the handler: end it
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def as_worker() -> None:
    """In a forked worker process: ignore Ctrl-C (the terminal sends it to the whole
    process group; the parent handles it, so no worker prints a KeyboardInterrupt
    traceback) and let SIGTERM end the process at once, in the kernel — the parent's
    ``Pool.terminate()`` sends it, and a Python-level handler inherited from the parent
    could only run between bytecodes, never while the worker waits for its next task."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C and SIGTERM are ignored while this is active: for the few renames that put
    a finished run in place, so a folder never holds half of one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT,
                                                                    signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
