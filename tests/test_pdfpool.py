"""Warm PDF conversion (issue 13, point 3): the pool, its server, batch and render on it,
PDF/A-2b, and the check every PDF passes before it is moved into place.

The pool's own logic (restart after N files, on a timeout, on a crash; a bad PDF; many
threads; shutdown) is tested with a stand-in worker that speaks the worker protocol —
no LibreOffice needed — and which starts a child process standing in for soffice, so
that "nothing survives" is checked on real process groups. Conversions through real
LibreOffice and UNO need ``soffice`` and a Python with ``uno`` (python3-uno): skipped
locally without them, required in CI.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from docgen import convert
from docgen.cli import main
from docgen.convert import ConversionError, check_pdf, pdf_page_count, to_pdf
from docgen.errors import DocgenWarning
from docgen.pdfpool import PdfPool, PdfServer, find_server, pool_service, uno_python
from docgen.pdfpool import pool as pool_mod
from docgen.pdfpool import server as server_mod
from tests.support import REPO, SAMPLES

POSIX = os.name != "nt"
ONE_PAGE = (b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
            b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
            b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>\nendobj\n"
            b"trailer\n<</Root 1 0 R>>\n%%EOF\n")

# The stand-in worker: the protocol of docgen/pdfpool/worker.py. It starts a child
# ("soffice": a sleeping process in its process group) and writes the child's pid to
# $FAKE_PIDS. What a document does depends on its name: ok*, bad*, hang*, crash*.
FAKE_WORKER = r'''
import json, os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["FAKE_PIDS"], "a") as fh:
    fh.write(f"{os.getpid()} {child.pid}\n")
out = sys.stdout.buffer
def send(m):
    out.write(json.dumps(m).encode() + b"\n"); out.flush()
if os.environ.get("FAKE_START") == "fail":
    send({"ready": False, "detail": "soffice exited with status 81"}); child.kill(); sys.exit(1)
send({"ready": True, "pid": child.pid})
for line in sys.stdin.buffer:
    req = json.loads(line)
    if req["op"] == "quit":
        child.kill(); child.wait(); send({"bye": True}); break
    name = os.path.basename(req["src"])
    with open(os.environ["FAKE_LOG"], "a") as fh:
        fh.write(f"{os.getpid()} {name} pdfa={req.get('pdfa')}\n")
    if name.startswith("hang"):
        time.sleep(600)
    if name.startswith("crash"):
        os._exit(3)
    with open(req["dst"], "wb") as fh:
        fh.write(b"%PDF-1.4 junk" if name.startswith("bad") else PDF)
    send({"ok": True})
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie waiting for its parent is not running
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A stand-in worker interpreter and soffice; every process it started must be gone
    at the end of the test."""
    if not POSIX:
        pytest.skip("the stand-in worker is a POSIX script")
    script = tmp_path / "fake-python"
    script.write_text(f"#!{sys.executable}\nPDF = {ONE_PAGE!r}\n{FAKE_WORKER}", encoding="utf-8")
    script.chmod(0o755)
    soffice = tmp_path / "soffice"
    soffice.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    soffice.chmod(0o755)
    pids, log = tmp_path / "pids.txt", tmp_path / "log.txt"
    pids.write_text("")
    log.write_text("")
    monkeypatch.setenv("FAKE_PIDS", str(pids))
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("DOCGEN_SOFFICE", str(soffice))
    monkeypatch.delenv("DOCGEN_PDF_SERVER", raising=False)
    monkeypatch.delenv("DOCGEN_PDF_POOL", raising=False)
    monkeypatch.delenv("DOCGEN_PDFA", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="dgt-"))  # no user server
    yield {"python": script, "soffice": soffice, "pids": pids, "log": log}
    started = [int(p) for line in pids.read_text().split("\n") if line for p in line.split()]
    assert _wait_gone(started) == [], "stand-in processes still running"


def _started(files: dict[str, Path]) -> list[tuple[int, int]]:
    rows = [line.split() for line in files["pids"].read_text().splitlines() if line]
    return [(int(a), int(b)) for a, b in rows]


def _pool(files: dict[str, Path], **kw: object) -> PdfPool:
    return PdfPool(python=str(files["python"]), soffice=str(files["soffice"]),
                   **kw)  # type: ignore[arg-type]


def _doc(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"PK\x03\x04 not really a docx")
    return path


# ---- the PDF check --------------------------------------------------------------------

def test_check_pdf_accepts_a_one_page_pdf_and_names_the_document(tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(ONE_PAGE)
    check_pdf(good)
    assert pdf_page_count(ONE_PAGE) == 1
    for name, data, detail in [("empty.pdf", b"", "empty"),
                               ("html.pdf", b"<html>error</html>", "%PDF-"),
                               ("nopages.pdf", b"%PDF-1.4 fake", "no pages"),
                               ("zero.pdf", ONE_PAGE.replace(b"/Count 1", b"/Count 0"), "no pages")]:
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(ConversionError) as info:
            check_pdf(bad, tmp_path / "report.docx")
        assert info.value.code == "bad_pdf" and info.value.exit_code == 4
        assert info.value.location is not None
        assert info.value.location.file == str(tmp_path / "report.docx")
        assert detail in str(info.value)


def test_page_count_inside_a_compressed_object_stream() -> None:
    inner = b"1 0 2 40 <</Type/Catalog/Pages 2 0 R>> <</Type/Pages/Kids[3 0 R]/Count 3>>"
    packed = zlib.compress(inner)
    data = (b"%PDF-1.5\n5 0 obj\n<</Type/ObjStm/N 2/First 8/Filter/FlateDecode/Length "
            + str(len(packed)).encode() + b">>\nstream\n" + packed + b"\nendstream\nendobj\n")
    assert pdf_page_count(data) == 3


def test_old_path_checks_every_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One soffice per call (no pool): a PDF without pages is exit 4 naming its document,
    and the good one still lands."""
    if not POSIX:
        pytest.skip("shell stand-in")
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nout=\"\"\nwhile [ $# -gt 0 ]; do case \"$1\" in\n"
                      "--outdir) out=\"$2\"; shift 2 ;;\n-*) shift ;;\n"
                      "*) mkdir -p \"$out\"; f=$(basename \"$1\"); "
                      "if [ \"$f\" = bad.docx ]; then printf '%%PDF-1.4 fake' > \"$out/bad.pdf\"; "
                      f"else cp {tmp_path / 'one.pdf'} \"$out/${{f%.*}}.pdf\"; fi; shift ;;\n"
                      "esac; done\n", encoding="utf-8")
    script.chmod(0o755)
    (tmp_path / "one.pdf").write_bytes(ONE_PAGE)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    monkeypatch.setenv("DOCGEN_PDF_POOL", "off")
    good, bad = _doc(tmp_path, "good.docx"), _doc(tmp_path, "bad.docx")
    with pytest.raises(ConversionError) as info:
        to_pdf([bad, good], tmp_path / "out")
    assert info.value.code == "bad_pdf" and info.value.failed == [bad]
    assert info.value.location is not None and info.value.location.file == str(bad)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.pdf"]


def test_pdfa_convert_to_argument() -> None:
    assert convert._convert_to([Path("a.docx")], False) == "pdf"
    arg = convert._convert_to([Path("a.docx")], True)
    assert arg.startswith("pdf:writer_pdf_Export:")
    assert json.loads(arg.split(":", 2)[2]) == {"SelectPdfVersion": {"type": "long", "value": "2"}}
    assert convert._convert_to([Path("a.xlsx")], True).startswith("pdf:calc_pdf_Export:")


def test_pdfa_scope_sets_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_PDFA", raising=False)
    assert not convert.pdfa_requested()
    with convert.pdfa_scope(True):
        assert convert.pdfa_requested()
    assert not convert.pdfa_requested() and "DOCGEN_PDFA" not in os.environ


# ---- the pool with a stand-in worker ------------------------------------------------------

def test_pool_converts_and_leaves_nothing(fake: dict[str, Path], tmp_path: Path) -> None:
    src = _doc(tmp_path, "ok1.docx")
    with _pool(fake, workers=2) as pool:
        pool.start()
        assert len(_started(fake)) == 2
        folder = pool.folder
        out = pool.convert(src, tmp_path / "out" / "ok1.pdf", pdfa=True)
        assert out.read_bytes() == ONE_PAGE
        assert "ok1.docx pdfa=True" in fake["log"].read_text()
        pids = pool.pids()
        assert len(pids) == 4
    assert _wait_gone(pids) == []
    assert not folder.exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ok1.pdf"]  # no .part left


def test_bad_pdf_is_reported_for_that_file_and_the_pool_goes_on(fake: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    with _pool(fake, workers=1) as pool:
        with pytest.raises(ConversionError) as info:
            pool.convert(_doc(tmp_path, "bad.docx"), tmp_path / "out" / "bad.pdf")
        assert info.value.code == "bad_pdf"
        assert info.value.location is not None
        assert info.value.location.file == str(tmp_path / "bad.docx")
        pool.convert(_doc(tmp_path, "ok.docx"), tmp_path / "out" / "ok.pdf")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ok.pdf"]
    assert len(_started(fake)) == 1  # a bad PDF is not a reason to restart


def test_timeout_kills_the_whole_group_and_restarts(fake: dict[str, Path], tmp_path: Path) -> None:
    with _pool(fake, workers=1) as pool:
        pool.convert(_doc(tmp_path, "ok0.docx"), tmp_path / "ok0.pdf")
        with pytest.raises(ConversionError) as info:
            pool.convert(_doc(tmp_path, "hang.docx"), tmp_path / "hang.pdf", timeout=0.5)
        assert info.value.code == "convert_timeout" and info.value.exit_code == 4
        assert "0.5" in str(info.value)
        (worker, child), = _started(fake)
        assert _wait_gone([worker, child]) == []  # the worker and its "soffice"
        assert not (tmp_path / "hang.pdf").exists()
        pool.convert(_doc(tmp_path, "ok1.docx"), tmp_path / "ok1.pdf")  # a new worker
        assert len(_started(fake)) == 2


def test_crash_is_reported_and_the_worker_restarts(fake: dict[str, Path], tmp_path: Path) -> None:
    with _pool(fake, workers=1) as pool:
        with pytest.raises(ConversionError) as info:
            pool.convert(_doc(tmp_path, "crash.docx"), tmp_path / "crash.pdf")
        assert info.value.code == "convert" and "stopped" in str(info.value)
        (worker, child), = _started(fake)
        assert _wait_gone([worker, child]) == []  # its orphaned "soffice" was killed too
        pool.convert(_doc(tmp_path, "ok.docx"), tmp_path / "ok.pdf")
    assert len(_started(fake)) == 2


def test_restart_after_max_conversions(fake: dict[str, Path], tmp_path: Path) -> None:
    with _pool(fake, workers=1, max_conversions=2) as pool:
        for i in range(5):
            pool.convert(_doc(tmp_path, f"ok{i}.docx"), tmp_path / f"ok{i}.pdf")
    workers = [line.split()[0] for line in fake["log"].read_text().splitlines()]
    assert len(set(workers)) == 3 and workers[0] == workers[1] != workers[2]


def test_a_worker_that_cannot_start_fails_each_file(fake: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_START", "fail")
    with _pool(fake, workers=1) as pool:
        for name in ("a.docx", "b.docx"):
            with pytest.raises(ConversionError) as info:
                pool.convert(_doc(tmp_path, name), tmp_path / "x.pdf")
            assert info.value.code == "no_soffice" and "status 81" in str(info.value)
            assert info.value.location is not None
            assert info.value.location.file == str(tmp_path / name)


def test_many_threads_share_the_pool(fake: dict[str, Path], tmp_path: Path) -> None:
    docs = [_doc(tmp_path, f"ok{i}.docx") for i in range(16)]
    errors: list[BaseException] = []
    with _pool(fake, workers=3) as pool:
        def run(doc: Path) -> None:
            try:
                pool.convert(doc, tmp_path / "out" / f"{doc.stem}.pdf")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in docs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 16
    assert len({line.split()[0] for line in fake["log"].read_text().splitlines()}) <= 3


def test_closed_pool_refuses(fake: dict[str, Path], tmp_path: Path) -> None:
    pool = _pool(fake, workers=1)
    pool.close()
    with pytest.raises(Exception) as info:
        pool.convert(_doc(tmp_path, "ok.docx"), tmp_path / "ok.pdf")
    assert getattr(info.value, "code", None) == "pool_closed"


# ---- the server ----------------------------------------------------------------------------

def test_server_is_found_and_used_by_to_pdf(fake: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_server() is None
    folder = server_mod.runtime_dir()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    server = PdfServer(_pool(fake, workers=2), folder)
    server.start()
    try:
        client = find_server()
        assert client is not None and client.info["pid"] == os.getpid()
        assert oct((folder / "pdf-server.json").stat().st_mode & 0o777) == "0o600"
        docs = [_doc(tmp_path, "ok1.docx"), _doc(tmp_path, "bad2.docx"), _doc(tmp_path, "ok3.docx")]
        with pytest.raises(ConversionError) as info:
            to_pdf(docs, tmp_path / "out", pdfa=True)  # no soffice started: the server's pool
        assert info.value.code == "bad_pdf" and info.value.failed == [docs[1]]
        assert info.value.converted == [tmp_path / "out" / "ok1.pdf", tmp_path / "out" / "ok3.pdf"]
        assert "bad2.docx" in str(info.value)
        assert fake["log"].read_text().count("pdfa=True") == 3
        wrong = server_mod.ServerClient({**client.info, "token": "nope"}, client.info_path)
        assert not wrong.ping()
        monkeypatch.setenv("DOCGEN_PDF_POOL", "off")
        assert find_server() is None
        monkeypatch.delenv("DOCGEN_PDF_POOL")
        assert client.stop(wait=10)
    finally:
        server.close()
    assert not (folder / "pdf-server.json").exists() and not (folder / "pdf-server.sock").exists()
    assert find_server() is None


def test_a_deep_runtime_folder_binds_the_socket_in_a_short_one(
        fake: dict[str, Path], tmp_path: Path) -> None:
    """A Unix socket path holds about 104 bytes: a deep TMPDIR made every batch -f pdf
    exit 70 ("AF_UNIX path too long"); the socket goes to a short private folder, the
    info file stays where clients look for it."""
    folder = tmp_path / ("deep-" + "x" * 120)
    folder.mkdir(mode=0o700)
    server = PdfServer(_pool(fake, workers=1), folder)
    server.start()
    address = Path(server.info["address"])
    try:
        assert len(os.fsencode(address)) <= 100 and address.parent != folder
        assert oct(address.parent.stat().st_mode & 0o777) == "0o700"
        client = server_mod.ServerClient(server.info, server.info_path)
        assert client.ping()
    finally:
        server.close()
    assert not address.parent.exists() and not server.info_path.exists()


def test_pdf_server_stop_without_a_server(runner: CliRunner, fake: dict[str, Path]) -> None:
    result = runner.invoke(main, ["pdf-server", "--stop", "-l", "en"])
    assert result.exit_code == 0
    assert "No PDF server is running" in result.stderr


def test_pool_service_stops_everything_on_interrupt(fake: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "uno_python", lambda soffice=None: str(fake["python"]))
    with pytest.raises(KeyboardInterrupt):
        with pool_service(2) as mode:
            assert mode == "pool"
            info = Path(os.environ["DOCGEN_PDF_SERVER"])
            client = find_server()
            assert client is not None
            client.convert(_doc(tmp_path, "ok.docx"), tmp_path / "ok.pdf")
            raise KeyboardInterrupt
    assert "DOCGEN_PDF_SERVER" not in os.environ
    assert not info.parent.exists()  # socket, info file, profiles: all removed
    assert len(_started(fake)) == 2


def test_without_uno_one_note_and_the_old_path(fake: dict[str, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "uno_python", lambda soffice=None: None)
    with pytest.warns(DocgenWarning) as caught:
        with pool_service(2) as mode:
            assert mode is None and "DOCGEN_PDF_SERVER" not in os.environ
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "apt-get install python3-uno" in text and "slower" in text


def test_no_uno_note_is_translated() -> None:
    from docgen.messages import tr
    from docgen.i18n.locale import DocLocale

    ko = tr(DocLocale("ko"), pool_mod.MSG_NO_UNO)
    assert ko != pool_mod.MSG_NO_UNO and "python3-uno" in ko


def test_uno_python_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCGEN_UNO_PYTHON", sys.executable)  # the venv: no uno here
    if importlib.util.find_spec("uno") is None:
        assert uno_python() is None
    monkeypatch.setenv("DOCGEN_UNO_PYTHON", str(tmp_path / "nothing"))
    assert uno_python() is None


def test_batch_pdf_runs_on_a_pool_for_the_run(fake: dict[str, Path], tmp_path: Path,
                                              runner: CliRunner,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``batch -f pdf -j 2``: two warm workers for the run, every PDF through them (the
    batch's worker processes find the run's server), PDF/A with --pdfa, nothing left."""
    from tests.test_batch import task_sheet

    monkeypatch.setattr(server_mod, "uno_python", lambda soffice=None: str(fake["python"]))
    task_sheet(tmp_path / "t.xlsx", n_clients=6)
    # A temporary folder of the test's own: other tests running at the same time make
    # docgen-* folders in the shared one.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    result = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "-o",
                                  str(tmp_path / "out"), "--group-by", "client", "-f", "pdf",
                                  "-j", "2", "-q", "--pdfa"])
    assert result.exit_code == 0, result.stderr
    pdfs = sorted((tmp_path / "out").glob("*.pdf"))
    assert len(pdfs) == 6 and all(p.read_bytes() == ONE_PAGE for p in pdfs)
    log = fake["log"].read_text().splitlines()
    assert len(log) == 6 and all(line.endswith("pdfa=True") for line in log)
    assert len(_started(fake)) == 2
    assert "DOCGEN_PDF_SERVER" not in os.environ and "DOCGEN_PDFA" not in os.environ
    assert not list(private.iterdir())  # the run's pool folder, batch and LibreOffice folders


# ---- real LibreOffice through UNO -----------------------------------------------------------

@pytest.fixture(scope="session")
def uno(soffice: str) -> str:
    found = uno_python(soffice)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("a Python with LibreOffice's uno is required in CI; .ci/run installs "
                        "python3-uno")
        pytest.skip("no Python can import uno (apt-get install python3-uno)")
    return found


def _pdfa_ids(pdf: Path) -> dict[str, str]:
    """pdfaid:part and pdfaid:conformance from the PDF's XMP metadata stream."""
    data = pdf.read_bytes()
    start = data.find(b"<x:xmpmeta")
    assert start >= 0, "no XMP metadata"
    xmp = data[start:data.find(b"</x:xmpmeta>", start)].decode("utf-8", "replace")
    out = {}
    for key in ("part", "conformance"):
        m = re.search(rf"pdfaid:{key}(?:>|=\")\s*([^<\"\s]+)", xmp)
        if m:
            out[key] = m.group(1)
    return out


def _lo_running(folder: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-af", str(folder)], capture_output=True, text=True)
    return [ln for ln in out.stdout.splitlines() if "pgrep" not in ln]


def test_real_pool_pdf_and_pdfa(soffice: str, uno: str, pdftotext: str, tmp_path: Path) -> None:
    from docgen.pipeline import render_file

    (docx,) = render_file(kind_name="minutes", file=SAMPLES / "minutes" / "ko.yaml",
                          out_dir=tmp_path, formats=("docx",), name="m")
    with PdfPool(workers=1) as pool:
        pool.start()
        folder = pool.folder
        started = time.monotonic()
        plain = pool.convert(docx, tmp_path / "plain.pdf")
        first = time.monotonic() - started
        archive = pool.convert(docx, tmp_path / "archive.pdf", pdfa=True)
        with pytest.raises(ConversionError) as info:
            pool.convert(tmp_path / "missing.docx", tmp_path / "missing.pdf")
        assert info.value.location is not None
        assert info.value.location.file == str(tmp_path / "missing.docx")
        again = pool.convert(docx, tmp_path / "again.pdf")  # the pool went on
        assert _lo_running(folder)
    assert first < 10, first  # the goal (< 1 s) is measured by benchmarks/bench_pdf.py
    text = subprocess.run([pdftotext, str(plain), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "회의록" in "".join(text.split())
    assert _pdfa_ids(archive) == {"part": "2", "conformance": "B"}
    assert "part" not in _pdfa_ids(plain) if b"<x:xmpmeta" in plain.read_bytes() else True
    assert again.is_file()
    time.sleep(0.2)
    assert _lo_running(folder) == []


def test_pdfa_without_the_pool(soffice: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.pipeline import render_file

    monkeypatch.setenv("DOCGEN_PDF_POOL", "off")
    paths = render_file(kind_name="minutes", file=SAMPLES / "minutes" / "en.yaml",
                        out_dir=tmp_path, formats=("pdf",), name="m", pdfa=True)
    assert _pdfa_ids(paths[0]) == {"part": "2", "conformance": "B"}


def test_pdf_server_serves_render(soffice: str, uno: str, tmp_path: Path, runner: CliRunner,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``docgen pdf-server`` in the foreground; ``render -f pdf --pdfa`` uses it (with
    DOCGEN_SOFFICE pointing nowhere, it could not have started LibreOffice itself);
    ``--stop`` ends it and its LibreOffice processes."""
    runtime = tempfile.mkdtemp(prefix="dgt-")
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime, "DOCGEN_LOCALE": "en"}
    env.pop("DOCGEN_PDF_SERVER", None)
    before = set(Path(tempfile.gettempdir()).glob("docgen-pool-*"))
    server = subprocess.Popen([sys.executable, "-m", "docgen", "pdf-server", "-w", "1"],
                              cwd=str(REPO), env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        while line and "ready" not in line:
            line = server.stderr.readline()
        assert "ready" in line, line
        (folder,) = set(Path(tempfile.gettempdir()).glob("docgen-pool-*")) - before
        assert _lo_running(folder)
        monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
        monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "no-soffice"))
        monkeypatch.delenv("DOCGEN_PDF_SERVER", raising=False)
        out = tmp_path / "out"
        result = runner.invoke(main, ["render", "minutes", str(SAMPLES / "minutes" / "zh-CN.yaml"),
                                      "-o", str(out), "-f", "pdf", "--pdfa", "--name", "m"])
        assert result.exit_code == 0, result.stderr
        assert _pdfa_ids(out / "m.pdf") == {"part": "2", "conformance": "B"}
        again = runner.invoke(main, ["pdf-server", "-l", "en"])
        assert again.exit_code == 4 and "already running" in again.stderr
        stop = runner.invoke(main, ["pdf-server", "--stop", "-l", "en"])
        assert stop.exit_code == 0, stop.stderr
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    assert not (Path(runtime) / "docgen" / "pdf-server.json").exists()
    assert _lo_running(folder) == [] and not folder.exists()
