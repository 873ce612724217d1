"""docgen batch against bad luck and other runs (issue 15): two runs into one folder,
Ctrl-C in the middle. Real processes, as a user's terminal would run them."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import docx
import pytest
import yaml

from tests.support import REPO

PY = sys.executable


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
    e.update(DOCGEN_LOCALE="en", PYTHONPATH=str(REPO), **extra)
    return e


def records(n: int, prefix: str, author: str = "Sora Lee") -> list[dict[str, Any]]:
    sample = subprocess.run([PY, "-m", "docgen", "sample", "weekly", "-l", "en"], env=env(),
                            capture_output=True, text=True, check=True).stdout
    rec = yaml.safe_load(sample)
    return [dict(rec, author=author, client=dict(rec["client"], name=f"{prefix}{i:03d}"))
            for i in range(n)]


def write_list(path: Path, n: int, prefix: str, author: str = "Sora Lee") -> Path:
    path.write_text(json.dumps(records(n, prefix, author), default=str), encoding="utf-8")
    return path


def batch(data: Path, out: Path, *extra: str, **kw: Any) -> "subprocess.Popen[str]":
    return subprocess.Popen([PY, "-m", "docgen", "batch", "weekly", str(data), "-o", str(out),
                             *extra], env=kw.pop("environ", env()), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=kw.pop("cwd", None), **kw)


def assert_manifest_is_the_folder(out: Path, only: bool = True) -> dict[str, Any]:
    """Every document in the manifest is in the folder with its sha256; ``only``: and
    the folder holds no other document."""
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["path"]: o["sha256"] for d in manifest["documents"] for o in d["outputs"]}
    present = {p.name for p in out.iterdir() if p.name != "manifest.json"}
    assert present == set(listed) if only else present >= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    return manifest


# --- 7: one run at a time in a folder ---------------------------------------------------

HOLD = """
import sys
from pathlib import Path
from docgen.output import folder_lock
with folder_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_folder_in_use_is_refused_at_once_naming_it_and_the_other_run(tmp_path: Path) -> None:
    data = write_list(tmp_path / "list.json", 5, "Lock")
    out = tmp_path / "out"
    holder = subprocess.Popen([PY, "-c", HOLD, str(out)], env=env(), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert (out / ".docgen-batch.lock").read_text().split() == [str(holder.pid)]
        started = time.monotonic()
        run = batch(data, out, "--force")
        _, err = run.communicate(timeout=120)
        assert run.returncode == 4, err
        assert time.monotonic() - started < 60  # refused, not waiting for the other run
        assert str(out) in err and f"process {holder.pid}" in err
        assert "in use by another docgen batch" in err and "Traceback" not in err
        assert [p.name for p in out.iterdir()] == [".docgen-batch.lock"]  # nothing written
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not (out / ".docgen-batch.lock").exists()  # released and removed
    again = batch(data, out)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert len(assert_manifest_is_the_folder(out)["documents"]) == 5


def test_two_forced_runs_at_once_leave_a_manifest_that_matches_the_files(tmp_path: Path) -> None:
    """The attack: two ``--force`` batches into one folder at once, the same file names
    with different contents (another author). One wins the folder; the other is
    refused (exit 4) or runs after it; either way the manifest describes exactly the
    files there, each of one run."""
    a = write_list(tmp_path / "a.json", 120, "Client", "Author Alpha")
    b = write_list(tmp_path / "b.json", 120, "Client", "Author Bravo")
    out = tmp_path / "out"
    runs = [batch(a, out, "--force", "-j", "2"), batch(b, out, "--force", "-j", "2")]
    results = [(r.wait(timeout=300), r.communicate()[1]) for r in runs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 4]), results
    for code, err in results:
        assert "Traceback" not in err
        if code == 4:
            assert "in use by another docgen batch" in err
    manifest = assert_manifest_is_the_folder(out)
    assert len(manifest["documents"]) == 120
    authors = {docx_author(out / o["path"]) for d in manifest["documents"] for o in d["outputs"]}
    assert len(authors) == 1, authors  # not a mix of the two runs
    assert not list(out.glob(".docgen-*"))


def docx_author(path: Path) -> str:
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    text += "\n".join(c.text for t in docx.Document(str(path)).tables for r in t.rows
                      for c in r.cells)
    found = [a for a in ("Author Alpha", "Author Bravo") if a in text]
    assert len(found) == 1, found
    return found[0]


# --- 6: Ctrl-C ------------------------------------------------------------------------------

# How each stop arrives: Ctrl-C in a terminal sends SIGINT to the whole process group
# (the parent and its workers); ``kill``, a service manager or a CI timeout sends SIGTERM
# to docgen's own process only.
STOPS = [pytest.param(signal.SIGINT, 130, "Interrupted", id="ctrl-c"),
         pytest.param(signal.SIGTERM, 143, "Stopped (SIGTERM)", id="sigterm")]


def send(run: "subprocess.Popen[str]", sig: int) -> None:
    if sig == signal.SIGINT:
        os.killpg(run.pid, sig)
    else:
        os.kill(run.pid, sig)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
@pytest.mark.parametrize("sig, code, said", STOPS)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_mid_batch_leaves_nothing_and_prints_no_traceback(tmp_path: Path, jobs: str,
                                                                 sig: int, code: int,
                                                                 said: str) -> None:
    """Stopped mid-batch: the exit code a shell reports, the stop said once, no worker
    traceback, no temporary folder left in $TMPDIR, no lock, no staging folder and
    nothing in the output folder (all or nothing), no worker left running."""
    data = write_list(tmp_path / "list.json", 600, "Stop")
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = batch(data, out, "-j", jobs, environ=env(TMPDIR=str(tmp)), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:  # wait for documents
        if sum(1 for stage in out.glob(".docgen-stage-*") for _ in stage.iterdir()) >= 10:
            break
        time.sleep(0.05)
    assert run.poll() is None, "the batch ended before it could be interrupted"
    workers = _children(run.pid)
    send(run, sig)
    _, err = run.communicate(timeout=120)
    assert run.returncode == code, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "PoolWorker" not in err, err  # multiprocessing's "Process ForkPoolWorker-2:"
    assert err.count(said) == 1, err
    assert not list(tmp.glob("docgen-batch-*")), list(tmp.iterdir())
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.05)
    assert not [p for p in workers if Path(f"/proc/{p}").exists()], "a worker outlived the run"


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux /proc; none elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


# --- 5: a converter that says it worked -------------------------------------------------

LYING_SOFFICE = """#!/bin/sh
# Stands in for LibreOffice: exits 0 but writes an empty PDF, or one that is no PDF.
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) out="$2"; shift 2 ;;
    -*) shift ;;
    *) mkdir -p "$out"; f=$(basename "$1"); case "$f" in
         *Empty*) : > "$out/${f%.*}.pdf" ;;
         *) printf 'this is not a PDF' > "$out/${f%.*}.pdf" ;;
       esac; shift ;;
  esac
done
exit 0
"""


@pytest.mark.parametrize("client", ["Empty", "Junk"])
def test_a_converter_writing_no_real_pdf_fails_the_batch_naming_the_file(
        tmp_path: Path, client: str) -> None:
    script = tmp_path / "soffice"
    script.write_text(LYING_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    data = write_list(tmp_path / "list.json", 2, client)
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    run = batch(data, out, "-f", "docx,pdf", "-j", "1",
                environ=env(DOCGEN_SOFFICE=str(script), DOCGEN_PDF_POOL="off", TMPDIR=str(tmp)))
    _, err = run.communicate(timeout=300)
    assert run.returncode == 4, err
    assert f"weekly_{client}000_" in err and "Traceback" not in err, err
    assert "empty file" in err if client == "Empty" else "no %PDF- header" in err, err
    assert not out.exists()  # no PDF, no .docx, no manifest, not even the folder it made
    assert not list(tmp.iterdir())


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
@pytest.mark.parametrize("sig, code, said", STOPS)
def test_stopped_while_libreoffice_converts_leaves_nothing(tmp_path: Path, soffice: str,
                                                           sig: int, code: int,
                                                           said: str) -> None:
    """With real LibreOffice (the warm pool): stopped while the PDFs are converted. The
    pool's workers are killed, and nothing they were writing appears afterwards in the
    run's temporary folders (they are removed once the pool has stopped)."""
    data = write_list(tmp_path / "list.json", 60, "Conv")
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = batch(data, out, "-j", "2", "-f", "docx,pdf", environ=env(TMPDIR=str(tmp)),
                start_new_session=True)
    stop_while_converting(run, sig, lambda: sum(
        1 for stage in out.glob(".docgen-stage-*") for _ in stage.glob("*.docx")) >= 60)
    assert_stopped(run, code, said, out, tmp)


def stop_while_converting(run: "subprocess.Popen[str]", sig: int,
                          converting: Callable[[], bool]) -> None:
    """Send ``sig`` once ``converting()`` says every .docx is made (the workers are in
    LibreOffice then)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and run.poll() is None and not converting():
        time.sleep(0.05)
    time.sleep(0.5)
    assert run.poll() is None, "the batch ended before it could be stopped"
    send(run, sig)


def assert_stopped(run: "subprocess.Popen[str]", code: int, said: str, out: Path,
                   tmp: Path) -> None:
    """Stopped as it should be: its exit code and line, no document, nothing of the run
    left in ``tmp`` (its $TMPDIR), no process of it running."""
    _, err = run.communicate(timeout=120)
    assert run.returncode == code, err
    assert err.count(said) == 1 and "Traceback" not in err, err
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())
    time.sleep(2)  # a converter that outlived the run would write by now
    assert not list(tmp.glob("docgen-*")), [p.name for p in tmp.iterdir()]
    left = subprocess.run(["pgrep", "-f", str(tmp)], capture_output=True, text=True).stdout
    assert not left.strip(), left


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
@pytest.mark.parametrize("sig, code, said", STOPS)
def test_an_issuing_batch_stopped_while_converting_leaves_what_it_recorded(
        tmp_path: Path, soffice: str, sig: int, code: int, said: str) -> None:
    """batch --issue stopped while its workers convert: the chunk in progress is rolled
    back (no file of it left, no number recorded), and the workers' temporary folders
    (Word files waiting for LibreOffice) go with the run."""
    from docgen.ledger import open_ledger

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    toml = tmp_path / "docgen.toml"
    toml.write_text(f'[ledger]\nurl = "{url}"\narchive = "{tmp_path / "archive"}"\n',
                    encoding="utf-8")
    data = write_list(tmp_path / "list.json", 40, "Issue")
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = batch(data, out, "-j", "2", "-f", "docx,pdf", "--issue", "--config", str(toml),
                "--name", "{client.name}_{document_number}", environ=env(TMPDIR=str(tmp)),
                start_new_session=True)
    stop_while_converting(run, sig, lambda: sum(1 for _ in out.glob("*.docx")) >= 40)
    assert_stopped(run, code, said, out, tmp)
    ledger = open_ledger(url, archive=tmp_path / "archive")
    try:
        assert ledger.documents(kind="weekly") == []
    finally:
        ledger.close()
