"""docgen serve speed: preview latency of a one-page document, and 20 users at once.

    python benchmarks/bench_web.py                    # 30 previews each, 20 users x 5 renders
    python benchmarks/bench_web.py --requests 50 --users 20 --per-user 10
    python benchmarks/bench_web.py --no-pdf           # docx only (no LibreOffice)

The server is docgen's web app (``docgen.web.create_app``) run by uvicorn in a separate
process on a free 127.0.0.1 port (so the clients' threads do not share its GIL), with a
warm :class:`docgen.pdfpool.PdfPool` when LibreOffice and a Python with ``uno`` are there.
Everything goes through HTTP with httpx, as a browser would send it: the form page is
fetched first (session cookie, CSRF token), then the form is posted.

* **docx preview**: ``POST /kind/minutes/download?format=docx`` of a one-page Korean
  minutes, ``--requests`` times one after another (goal: median < 300 ms);
* **PDF preview**: ``POST /kind/minutes/preview`` (PDF through the warm pool), as many
  times (goal: median < 1 s); the first request is shown apart (it warms the path);
* **20 users**: ``--users`` threads, each with its own httpx client (own session), each
  fetching the form and posting it ``--per-user`` times, downloading the docx: every
  answer must be 200 with a .docx python-docx opens and that holds the record's title.
  Printed: requests/s, errors, median and p95 latency.

Exit status 0 when every request succeeded (goals met or not; the summary says which),
1 when a request failed or an answer was wrong, 2 when docgen's web app is missing.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode

import httpx

KIND = "minutes"
TITLE = "루미엘 글로우 세럼 캠페인 주간 회의"
# A one-page minutes record (Korean), as the AE would type it into the form.
RECORD: dict[str, Any] = {
    "locale": "ko",
    "title": TITLE,
    "meeting_type": "client",
    "client": {"name": "아리아코스메틱"},
    "date": "2026-11-23",
    "start_time": "14:00",
    "end_time": "15:00",
    "location": "아리아코스메틱 본사 12층 대회의실",
    "attendees": [{"name": "박지현", "organization": "아리아코스메틱", "role": "팀장"},
                  {"name": "김민수", "organization": "한빛애드", "role": "AE팀장"}],
    "agenda": ["캠페인 진행 현황 점검", "차주 일정 확정"],
    "decisions": ["B안으로 확정한다."],
    "action_items": [{"task": "키 비주얼 시안 제작", "owner": "김민수", "due": "2026-12-04"}],
}


# --- the server ------------------------------------------------------------------------

def serve_main(argv: list[str]) -> int:
    """``bench_web.py _serve PORT WORKDIR POOL_WORKERS``: the server process."""
    import uvicorn

    from docgen.web import create_app  # type: ignore[attr-defined,unused-ignore]
    from docgen.web.settings import WebSettings

    port, work_dir, pool_workers = int(argv[0]), Path(argv[1]), int(argv[2])
    pool = None
    if pool_workers:
        from docgen.pdfpool import PdfPool

        pool = PdfPool(workers=pool_workers)
        pool.start()
    try:
        app = create_app(WebSettings(work_dir=work_dir, secret_key=os.urandom(32),
                                     pdf_pool=pool))
        print("READY", flush=True)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    finally:
        if pool is not None:
            pool.close()
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, work_dir: Path, pool_workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (work_dir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "_serve", str(self.port), str(work_dir), str(pool_workers)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120  # a cold LibreOffice profile takes a while
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}): see {self.log.name}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the server did not answer within 120 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.log.close()


# --- one user --------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf[_-]token"\s+(?:value|content)="([^"]+)"'
                   r'|(?:value|content)="([^"]+)"\s+name="csrf[_-]token"')


def form_fields(record: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The record as the form posts it: dotted paths with row indices (``client.name``,
    ``attendees.0.name``), a list of strings as one textarea, booleans "true"/"false"."""
    out: list[tuple[str, str]] = []
    for key, value in record.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out += form_fields(value, name)
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
            for i, item in enumerate(value):  # item rows: attendees.0.name
                out += form_fields(item, f"{name}.{i}")
        elif isinstance(value, list):  # a list of strings: one textarea, a line each
            out.append((name, "\n".join(str(item) for item in value)))
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


class User:
    """One browser: its own cookies (session, UI language) and CSRF token."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60, cookies={"docgen_ui": "ko"})
        page = self.client.get(f"/kind/{KIND}")
        page.raise_for_status()
        found = _CSRF.search(page.text)
        self.csrf = (found.group(1) or found.group(2)) if found else ""
        self.fields = form_fields(RECORD)

    def post(self, path: str) -> httpx.Response:
        data = self.fields + ([("csrf_token", self.csrf)] if self.csrf else [])
        return self.client.post(path, content=urlencode(data), headers={
            "X-CSRF-Token": self.csrf, "Content-Type": "application/x-www-form-urlencoded"})

    def docx(self) -> httpx.Response:
        return self.post(f"/kind/{KIND}/download?format=docx")

    def quick(self) -> httpx.Response:
        return self.post(f"/kind/{KIND}/preview?format=html")

    def pdf(self) -> httpx.Response:
        return self.post(f"/kind/{KIND}/preview?format=pdf")

    def close(self) -> None:
        self.client.close()


def check_docx(resp: httpx.Response) -> Optional[str]:
    """None when the answer is the record's .docx, else what is wrong."""
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}: {resp.text[:200]!r}"
    from docx import Document

    try:
        doc = Document(io.BytesIO(resp.content))
    except Exception as exc:  # noqa: BLE001 - any unreadable answer is an error here
        return f"not a .docx ({exc})"
    text = "\n".join(p.text for p in doc.paragraphs)
    text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    return None if TITLE in text else "the title is not in the .docx"


def check_quick(resp: httpx.Response) -> Optional[str]:
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}: {resp.text[:200]!r}"
    return None if TITLE in resp.text else "the title is not in the quick preview"


def check_pdf(resp: httpx.Response) -> Optional[str]:
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}: {resp.text[:200]!r}"
    if not resp.content.startswith(b"%PDF-"):
        return f"not a PDF ({resp.headers.get('content-type')})"
    from docgen.convert import pdf_page_count

    pages = pdf_page_count(resp.content)
    return None if pages == 1 else f"{pages} pages, not one"


# --- measuring -------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def sequential(call: Callable[[], httpx.Response], check: Callable[[httpx.Response], Optional[str]],
               n: int) -> tuple[float, list[float], list[str]]:
    """(first, the next n timings in ms, errors)."""
    errors: list[str] = []
    times: list[float] = []
    first = 0.0
    for i in range(n + 1):
        t0 = time.perf_counter()
        resp = call()
        ms = (time.perf_counter() - t0) * 1000
        problem = check(resp)
        if problem:
            errors.append(problem)
        if i == 0:
            first = ms
        else:
            times.append(ms)
    return first, times, errors


def concurrent(url: str, users: int, per_user: int,
               fmt: str = "docx") -> tuple[float, list[float], list[str]]:
    """(wall seconds, every request's ms, errors) of ``users`` threads at once."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users + 1)

    def run() -> None:
        mine: list[float] = []
        bad: list[str] = []
        try:
            user = User(url)
        except Exception as exc:  # noqa: BLE001
            bad.append(f"form page: {exc}")
            start.wait()
        else:
            start.wait()
            for _ in range(per_user):
                t0 = time.perf_counter()
                try:
                    if fmt == "pdf":
                        resp = user.pdf()
                        problem = check_pdf(resp)
                    else:
                        resp = user.docx()
                        problem = check_docx(resp)
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                mine.append((time.perf_counter() - t0) * 1000)
                if problem:
                    bad.append(problem)
            user.close()
        with lock:
            times.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=run) for _ in range(users)]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - t0, times, errors


def summary(name: str, first: float, times: list[float], goal_ms: Optional[float]) -> str:
    med, p95 = statistics.median(times), pct(times, 95)
    verdict = ""
    if goal_ms is not None:
        verdict = f"  goal median < {goal_ms:.0f} ms: {'met' if med < goal_ms else 'NOT met'}"
    return (f"{name:<14} first {first:7.1f} ms   median {med:7.1f} ms   p95 {p95:7.1f} ms   "
            f"min {min(times):6.1f}   max {max(times):7.1f}   (n={len(times)}){verdict}")


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["_serve"]:
        return serve_main(args[1:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=30, help="previews of each kind (30)")
    ap.add_argument("--users", type=int, default=20, help="concurrent users (20)")
    ap.add_argument("--per-user", type=int, default=5, help="renders per user (5)")
    ap.add_argument("--pool-workers", type=int, default=1,
                    help="warm LibreOffice workers of the server (1; 0: no pool)")
    ap.add_argument("--no-pdf", action="store_true", help="skip the PDF preview")
    ap.add_argument("--user-format", choices=("docx", "pdf"), default="docx",
                    help="what the concurrent users render (docx; pdf: PDF previews)")
    opts = ap.parse_args(args)
    try:
        import docgen.web as web
    except ImportError:
        print("docgen.web is not importable", file=sys.stderr)
        return 2
    if not hasattr(web, "create_app"):
        print("docgen.web.create_app does not exist", file=sys.stderr)
        return 2
    pool_workers = opts.pool_workers
    want_pdf = not opts.no_pdf
    if want_pdf:
        from docgen.convert import find_soffice
        from docgen.pdfpool import uno_python

        if find_soffice() is None:
            print("LibreOffice is not installed: no PDF preview measured")
            want_pdf = False
        elif pool_workers and uno_python() is None:
            print("no Python with uno: the server converts with one soffice per PDF (no pool)")
            pool_workers = 0
    if not want_pdf:
        pool_workers = 0

    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        server = Server(work, pool_workers)
        print(f"server up in {time.perf_counter() - t0:.1f} s ({server.url}, "
              f"pool workers: {pool_workers})")
        try:
            user = User(server.url)
            first, times, errors = sequential(user.docx, check_docx, opts.requests)
            print(summary("docx download", first, times, 300))
            for problem in errors[:5]:
                print("  error:", problem)
            failed |= bool(errors)
            first, times, errors = sequential(user.quick, check_quick, opts.requests)
            print(summary("quick preview", first, times, 300))
            for problem in errors[:5]:
                print("  error:", problem)
            failed |= bool(errors)
            if want_pdf:
                first, times, errors = sequential(user.pdf, check_pdf, opts.requests)
                print(summary("PDF preview", first, times, 1000))
                for problem in errors[:5]:
                    print("  error:", problem)
                failed |= bool(errors)
            user.close()
            fmt = opts.user_format if want_pdf else "docx"
            wall, times, errors = concurrent(server.url, opts.users, opts.per_user, fmt)
            total = opts.users * opts.per_user
            print(f"{opts.users} users x {opts.per_user} {fmt}: {total / wall:6.1f} requests/s   "
                  f"errors {len(errors)}   median {statistics.median(times):7.1f} ms   "
                  f"p95 {pct(times, 95):7.1f} ms   wall {wall:.2f} s")
            for problem in errors[:5]:
                print("  error:", problem)
            failed |= bool(errors)
        finally:
            server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
