"""All or nothing with PDF (issue 16, point 8): when LibreOffice fails on the 3rd of 10
documents, ``docgen batch -f docx,pdf`` (and ``-f pdf``) writes nothing — no .docx, no
PDF, no manifest, no stage folder, not even the output folder it would have made —
and says exit 4 naming the document; ``--force`` over a folder of an earlier run leaves
that run's files as they were; ``docgen render -f docx,pdf`` leaves no .docx either;
Ctrl-C during the conversion leaves nothing and no converter running.

Both conversion paths are covered, each with a stand-in: the one-call-per-share path
(``DOCGEN_PDF_POOL=off``, a stand-in ``soffice`` on ``DOCGEN_SOFFICE``) and the warm
pool (``DOCGEN_UNO_PYTHON``: a stand-in worker speaking docgen/pdfpool/worker.py's
protocol). A document fails when its name holds ``$FAIL_ON``, hangs (after writing
its pid to ``$HANG_PIDS``) when it holds ``$HANG_ON``. Real processes, from cwd ``/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from tests.support import REPO

PY = sys.executable
POSIX = os.name != "nt"
pytestmark = pytest.mark.skipif(not POSIX, reason="POSIX stand-ins and process groups")

ONE_PAGE = (b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
            b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
            b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>\nendobj\n"
            b"trailer\n<</Root 1 0 R>>\n%%EOF\n")

COMMON = r'''
import json, os, sys, time
def act(src, dst):
    """'ok', 'fail' or never returns (hang); writes the PDF when ok."""
    name = os.path.basename(src)
    with open(os.environ["FAKE_LOG"], "a") as fh:
        fh.write(f"{KIND} {name}\n")
    hang, fail = os.environ.get("HANG_ON"), os.environ.get("FAIL_ON")
    if hang and hang in name:
        with open(os.environ["HANG_PIDS"], "a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(600)
    if fail and fail in name:
        return "fail"
    with open(dst, "wb") as fh:
        fh.write(PDF)
    return "ok"
'''

# soffice --convert-to pdf --outdir DIR FILE...: one PDF per file, or none.
FAKE_SOFFICE = COMMON + r'''
args, out, files = sys.argv[1:], None, []
while args:
    a = args.pop(0)
    if a in ("--outdir", "--convert-to"):
        value = args.pop(0)
        out = value if a == "--outdir" else out
    elif not a.startswith("-"):
        files.append(a)
os.makedirs(out, exist_ok=True)
for f in files:
    stem = os.path.splitext(os.path.basename(f))[0]
    if act(f, os.path.join(out, stem + ".pdf")) == "fail":
        print(f"Error: source file could not be loaded: {f}", file=sys.stderr)
'''

# A pool worker: python worker.py SOFFICE PROFILE, JSON lines on stdin/stdout.
FAKE_UNO_PYTHON = COMMON + r'''
if sys.argv[1:2] == ["-c"]:  # "python -c 'import uno'": yes
    sys.exit(0)
out = sys.stdout.buffer
def send(m):
    out.write(json.dumps(m).encode() + b"\n"); out.flush()
send({"ready": True, "pid": os.getpid()})
for line in sys.stdin.buffer:
    req = json.loads(line)
    if req["op"] == "quit":
        send({"bye": True}); break
    if act(req["src"], req["dst"]) == "fail":
        send({"ok": False, "detail": "fake: source file could not be loaded"})
    else:
        send({"ok": True})
'''


class Stand:
    """The stand-ins and the folders one test uses."""

    def __init__(self, tmp: Path, pool: bool) -> None:
        self.tmp = tmp
        self.pool = pool
        self.log = tmp / "converted.txt"
        self.hang_pids = tmp / "hang-pids.txt"
        self.tmpdir = tmp / "tmp"
        self.tmpdir.mkdir()
        self.runtime = tmp / "runtime"  # no user pdf-server is found
        self.runtime.mkdir(mode=0o700)
        for name, body in (("soffice", FAKE_SOFFICE), ("uno-python", FAKE_UNO_PYTHON)):
            script = tmp / name
            script.write_text(f"#!{PY}\nPDF = {ONE_PAGE!r}\nKIND = {name!r}\n{body}",
                              encoding="utf-8")
            script.chmod(0o755)

    def env(self, **extra: str) -> dict[str, str]:
        e = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
        e.update(DOCGEN_LOCALE="en", PYTHONPATH=str(REPO), DOCGEN_SOFFICE=str(self.tmp / "soffice"),
                 FAKE_LOG=str(self.log), HANG_PIDS=str(self.hang_pids), TMPDIR=str(self.tmpdir),
                 XDG_RUNTIME_DIR=str(self.runtime))
        if self.pool:
            e["DOCGEN_UNO_PYTHON"] = str(self.tmp / "uno-python")
        else:
            e["DOCGEN_PDF_POOL"] = "off"
        e.update(extra)
        return e

    def converted(self) -> list[str]:
        """The documents the stand-in converted (the pool's, or soffice's: never both)."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        kinds = {line.split()[0] for line in lines}
        assert kinds <= ({"uno-python"} if self.pool else {"soffice"}), kinds
        return [line.split()[1] for line in lines]

    def leftovers(self) -> list[Path]:
        return list(self.tmpdir.iterdir())


def records(n: int, author: str = "Sora Lee") -> list[dict[str, Any]]:
    sample = subprocess.run([PY, "-m", "docgen", "sample", "weekly", "-l", "en"],
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    rec = yaml.safe_load(sample)
    return [dict(rec, author=author, client=dict(rec["client"], name=f"Conv{i:03d}"))
            for i in range(n)]


def write_list(path: Path, n: int = 10, author: str = "Sora Lee") -> Path:
    path.write_text(json.dumps(records(n, author), default=str), encoding="utf-8")
    return path


def docgen(stand: Stand, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "docgen", *args], cwd="/", env=stand.env(**extra),
                          capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def assert_failed_on_the_third(done: subprocess.CompletedProcess[str], out: Path) -> None:
    assert done.returncode == 4, (done.returncode, done.stderr)
    assert "weekly_Conv002_" in done.stderr, done.stderr
    assert f"{out / 'weekly_Conv002_'}" in done.stderr  # the PDF it would have been
    assert "could not convert" in done.stderr and "Traceback" not in done.stderr


# --- batch --------------------------------------------------------------------------------

@pytest.mark.parametrize("pool, jobs, formats", [
    (False, "1", "docx,pdf"), (False, "2", "docx,pdf"), (False, "1", "pdf"),
    (True, "1", "docx,pdf"), (True, "2", "docx,pdf"), (True, "2", "pdf"),
])
def test_a_batch_failing_on_the_third_of_ten_writes_nothing(tmp_path: Path, pool: bool,
                                                            jobs: str, formats: str) -> None:
    stand = Stand(tmp_path, pool)
    data = write_list(tmp_path / "list.json")
    out = tmp_path / "made" / "out"  # two folders the run would make
    done = docgen(stand, "batch", "weekly", str(data), "-o", str(out), "-f", formats,
                  "-j", jobs, FAIL_ON="Conv002")
    assert_failed_on_the_third(done, out)
    assert any("Conv002" in name for name in stand.converted())  # the stand-in was used
    assert not (tmp_path / "made").exists()  # no .docx, PDF, manifest, stage, lock, folder
    assert stand.leftovers() == []  # no docgen-batch-*, docgen-lo-*, pool folder


def test_force_over_an_earlier_run_keeps_its_files(tmp_path: Path) -> None:
    stand = Stand(tmp_path, pool=False)
    out = tmp_path / "out"
    first = docgen(stand, "batch", "weekly", str(write_list(tmp_path / "a.json")), "-o",
                   str(out), "-f", "docx,pdf", "-j", "2")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert len([n for n in before if n.endswith(".pdf")]) == 10
    again = write_list(tmp_path / "b.json", author="Somebody Else")  # other contents
    for pool in (False, True):
        stand.pool = pool
        done = docgen(stand, "batch", "weekly", str(again), "-o", str(out), "-f", "docx,pdf",
                      "-j", "2", "--force", FAIL_ON="Conv002")
        assert_failed_on_the_third(done, out)
        assert snapshot(out) == before  # every old file as it was, nothing added
        assert not list(out.glob(".docgen-*"))
    assert stand.leftovers() == []


def test_an_existing_output_folder_is_kept_but_stays_empty(tmp_path: Path) -> None:
    stand = Stand(tmp_path, pool=True)
    out = tmp_path / "out"
    out.mkdir()
    done = docgen(stand, "batch", "weekly", str(write_list(tmp_path / "l.json")), "-o",
                  str(out), "-f", "docx,pdf", FAIL_ON="Conv002")
    assert_failed_on_the_third(done, out)
    assert out.is_dir() and list(out.iterdir()) == []


# --- render: one document -------------------------------------------------------------------

def test_render_docx_and_pdf_leaves_no_docx_when_the_pdf_fails(tmp_path: Path) -> None:
    """One document: one LibreOffice call (no pool is started for it)."""
    stand = Stand(tmp_path, pool=False)
    data = tmp_path / "one.json"
    data.write_text(json.dumps(records(3)[2], default=str), encoding="utf-8")  # Conv002
    out = tmp_path / "out"
    done = docgen(stand, "render", "weekly", str(data), "-o", str(out), "-f", "docx,pdf",
                  FAIL_ON="Conv002")
    assert_failed_on_the_third(done, out)
    (converted,) = stand.converted()
    assert converted.startswith("weekly_Conv002_") and converted.endswith(".docx")
    assert not out.exists() or list(out.iterdir()) == []
    # --force over the files of an earlier render: they stay as they were
    ok = docgen(stand, "render", "weekly", str(data), "-o", str(out), "-f", "docx,pdf")
    assert ok.returncode == 0, ok.stderr
    before = snapshot(out)
    assert sorted(Path(n).suffix for n in before) == [".docx", ".pdf"]
    data.write_text(json.dumps(dict(records(3)[2], author="Somebody Else"), default=str),
                    encoding="utf-8")
    done = docgen(stand, "render", "weekly", str(data), "-o", str(out), "-f", "docx,pdf",
                  "--force", FAIL_ON="Conv002")
    assert_failed_on_the_third(done, out)
    assert snapshot(out) == before
    assert stand.leftovers() == []


# --- Ctrl-C during the conversion -----------------------------------------------------------

def _wait_for(path: Path, seconds: float, run: "subprocess.Popen[str]") -> Optional[list[int]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and run.poll() is None:
        if path.exists() and path.read_text().strip():
            return [int(p) for p in path.read_text().split()]
        time.sleep(0.05)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:  # a zombie is not running
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


# Ctrl-C in a terminal signals the whole process group; ``kill``, a service manager or a
# CI timeout sends SIGTERM to docgen's process only.
STOPS = [pytest.param(signal.SIGINT, 130, "Interrupted", id="ctrl-c"),
         pytest.param(signal.SIGTERM, 143, "Stopped (SIGTERM)", id="sigterm")]


def _send(run: "subprocess.Popen[str]", sig: int) -> None:
    if sig == signal.SIGINT:
        os.killpg(run.pid, sig)  # what a terminal's Ctrl-C does
    else:
        os.kill(run.pid, sig)


@pytest.mark.parametrize("sig, code, said", STOPS)
@pytest.mark.parametrize("pool, jobs", [(False, "1"), (False, "2"), (True, "2")])
def test_ctrl_c_during_the_conversion_leaves_nothing(tmp_path: Path, pool: bool, jobs: str,
                                                     sig: int, code: int, said: str) -> None:
    stand = Stand(tmp_path, pool)
    data = write_list(tmp_path / "list.json")
    out = tmp_path / "out"
    run = subprocess.Popen([PY, "-m", "docgen", "batch", "weekly", str(data), "-o", str(out),
                            "-f", "docx,pdf", "-j", jobs], cwd="/",
                           env=stand.env(HANG_ON="Conv002"), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        hanging = _wait_for(stand.hang_pids, 120, run)
        assert hanging, "the conversion never started"
        _send(run, sig)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == code, err
    assert any("Conv002" in name for name in stand.converted())
    assert err.count(said) == 1 and "Traceback" not in err, err
    assert not out.exists(), list(out.iterdir())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in hanging):
        time.sleep(0.05)
    assert not [p for p in hanging if _alive(p)], "the converter outlived the batch"
    assert stand.leftovers() == []


@pytest.mark.parametrize("sig, code, said", STOPS)
def test_ctrl_c_during_a_renders_conversion_leaves_nothing(tmp_path: Path, sig: int, code: int,
                                                           said: str) -> None:
    stand = Stand(tmp_path, pool=False)
    data = tmp_path / "one.json"
    data.write_text(json.dumps(records(3)[2], default=str), encoding="utf-8")  # Conv002
    out = tmp_path / "out"
    run = subprocess.Popen([PY, "-m", "docgen", "render", "weekly", str(data), "-o", str(out),
                            "-f", "docx,pdf"], cwd="/", env=stand.env(HANG_ON="Conv002"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        hanging = _wait_for(stand.hang_pids, 120, run)
        assert hanging, "the conversion never started"
        _send(run, sig)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == code and "Traceback" not in err, err
    assert err.count(said) == 1, err
    assert not out.exists() or list(out.iterdir()) == []  # the .docx was never written
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in hanging):
        time.sleep(0.05)
    assert not [p for p in hanging if _alive(p)], "the converter outlived the render"
    assert stand.leftovers() == []


# --- batch --issue: the ledger ----------------------------------------------------------------

@pytest.mark.parametrize("pool", [False, True])
def test_an_issuing_batch_failing_on_a_pdf_takes_no_number(tmp_path: Path, pool: bool) -> None:
    """batch --issue with a PDF that fails: exit 4, nothing in the output folder, and no
    number taken, no document recorded — the next run issues the same numbers."""
    from docgen.ledger import open_ledger

    stand = Stand(tmp_path, pool)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    toml = tmp_path / "docgen.toml"
    toml.write_text(f'[ledger]\nurl = "{url}"\narchive = "{tmp_path / "archive"}"\n',
                    encoding="utf-8")
    data = write_list(tmp_path / "list.json")
    out = tmp_path / "made"
    args = ("batch", "weekly", str(data), "-o", str(out), "-f", "docx,pdf", "--issue",
            "--config", str(toml), "-j", "2", "--name", "{client.name}_{document_number}")
    done = docgen(stand, *args, FAIL_ON="Conv002")
    assert done.returncode == 4, done.stderr
    assert "Conv002" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or list(out.iterdir()) == []
    if (tmp_path / "ledger.db").exists():
        ledger = open_ledger(url, archive=tmp_path / "archive")
        try:
            assert ledger.documents(kind="weekly") == []
        finally:
            ledger.close()
    again = docgen(stand, *args)
    assert again.returncode == 0, again.stderr
    assert len(list(out.glob("*.pdf"))) == 10 and len(list(out.glob("*.docx"))) == 10
    ledger = open_ledger(url, archive=tmp_path / "archive")
    try:
        numbers = sorted(d["number"] for d in ledger.documents(kind="weekly"))
    finally:
        ledger.close()
    assert len(numbers) == 10 and numbers[0].endswith("0001")
    assert any("Conv002" in name for name in stand.converted())  # the stand-in was used
    assert stand.leftovers() == []
