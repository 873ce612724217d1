"""Whole-process benchmark of ``docgen batch``: docx against a docxtpl loop, PDFs
against one ``soffice --convert-to`` per file, and peak memory for 100 vs 2,000
records.

    python benchmarks/bench_batch.py                      # 500 records, 3 rounds, PDF, memory
    python benchmarks/bench_batch.py --skip-pdf --skip-memory
    python benchmarks/bench_batch.py --records 200 --rounds 5 --pdf-docs 20
    python benchmarks/bench_batch.py --keep /tmp/bench-batch   # keep inputs and outputs

Everything is timed as a whole process (``subprocess`` wall time: interpreter
start-up, imports, reading the data, validation, rendering, writing, manifest):

* docx, goal ≥ 8×: ``docgen batch weekly DATA.json --template T.docx -o DIR`` (default
  ``-j``: one worker per core; also ``-j 1``; also the same records from an .xlsx
  task sheet with ``--group-by client``) against a docxtpl script (this file run with
  ``_docxtpl_loop``) that loads the same JSON and writes one .docx per record — in
  two variants: a fresh ``DocxTemplate(path)`` per document (the documented batch
  loop) and one ``DocxTemplate`` re-rendered (docxtpl 0.20 reloads the document
  itself on the second ``render``). The ratio uses docxtpl's faster variant. Runs
  are interleaved, ``--rounds`` times, median; ``os.sync()`` before every run
  (untimed), so no run pays for writing back another's files.
* PDF, goal ≥ 4×: ``docgen batch … -f pdf`` (one LibreOffice per worker) against the
  docxtpl loop writing the same documents plus one ``soffice --headless
  --convert-to pdf`` per file, each with a fresh profile (the naive way), and the
  same loop with one shared profile.
* memory, goal flat and < 200 MB: peak RSS of the whole ``docgen batch`` process
  tree (the sum over the process and its workers, sampled every 10 ms from /proc;
  also the peak of the largest single process, GNU ``time``'s ``%M``) for 100 and 2,000
  records, with ``-j 1`` and the default ``-j``.

Correctness: same number of files on both sides; the paragraph and table texts
(document, header, footer) of every docgen document equal docxtpl's for the same
record (sheet input: a spot check against docxtpl renders of the sheet's records);
python-docx opens them; no ``{{ {% }} %}`` left; client name present; one table
row per task; every PDF carries its client's name (``pdftotext``).

Exit status: 0 when docgen's output is right (goals met or not: the summary says),
1 when a docgen output check fails, 2 when ``docgen batch`` is not available.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

GOAL_DOCX = 8.0
GOAL_PDF = 4.0
GOAL_MEMORY_MB = 200.0
FLAT_GROWTH = 1.25  # "flat": the 2,000-record peak at most 25 % above the 100-record one


# ---------------------------------------------------------------------------
# The docxtpl side, run as its own process (imports nothing but docxtpl + stdlib)
# ---------------------------------------------------------------------------


def docxtpl_loop(template: str, data: str, out: str, mode: str) -> int:
    """What a docxtpl user writes: load the records, render each, save each."""
    import datetime as dt

    from docxtpl import DocxTemplate

    with open(data, encoding="utf-8") as fh:
        records = json.load(fh)
    os.makedirs(out, exist_ok=True)
    shared = DocxTemplate(template) if mode == "reuse" else None
    for i, record in enumerate(records):
        ctx = dict(record)
        ctx["week_end"] = (dt.date.fromisoformat(record["week_start"])
                           + dt.timedelta(days=6)).isoformat()
        doc = shared if shared is not None else DocxTemplate(template)
        doc.render(ctx)
        doc.save(os.path.join(out, f"weekly_{i:04d}.docx"))
    return 0


# ---------------------------------------------------------------------------
# Running and measuring processes
# ---------------------------------------------------------------------------


def docgen_command() -> list[str]:
    """The ``docgen`` console script next to this Python, else ``python -m docgen``."""
    script = Path(sys.executable).parent / "docgen"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "docgen"]


def batch_available() -> str | None:
    """None if ``docgen batch`` exists, else why not."""
    proc = subprocess.run([*docgen_command(), "batch", "--help"], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {proc.returncode}"
    return None


@dataclass
class Run:
    seconds: float
    returncode: int
    stdout: str
    stderr: str


def run_timed(cmd: list[str], log: Path) -> Run:
    """Wall time of ``cmd`` as a whole process; output to files (no pipe stalls)."""
    _sync()
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, stdout=out, stderr=err)
        seconds = time.perf_counter() - t0
    return Run(seconds, rc, out_path.read_text(encoding="utf-8", errors="replace"),
               err_path.read_text(encoding="utf-8", errors="replace"))


def _sync() -> None:
    if hasattr(os, "sync"):
        os.sync()


def _status_kb(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                name, _, rest = line.partition(":")
                if name in keys:
                    found[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (from the ppid field of /proc/*/stat)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) > 1:
            parent[int(entry)] = int(rest[1])
    tree, todo = [root], [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, p in parent.items() if p == pid]
        tree.extend(kids)
        todo.extend(kids)
    return tree


@dataclass
class MemoryRun:
    seconds: float
    returncode: int
    tree_rss_mb: float       # peak of the sampled sum of VmRSS over the process tree
    tree_pss_mb: float       # peak of the sampled sum of Pss (shared pages split)
    hwm_sum_mb: float        # sum of each process's own VmHWM (an upper bound)
    largest_mb: float        # GNU time %M: peak RSS of the largest single process
    processes: int           # distinct processes seen
    samples: int


def run_memory(cmd: list[str], log: Path, interval: float = 0.01) -> MemoryRun:
    """Run ``cmd`` and sample the RSS of its whole process tree until it exits."""
    _sync()
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    peak_rss = peak_pss = 0
    hwm: dict[int, int] = {}
    samples = 0
    # ru_maxrss of a child forked from this (large) process starts at this process's
    # size, so the largest-process figure comes from GNU time, a small parent.
    gnu_time = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
    maxrss_path = log.with_suffix(".maxrss")
    if gnu_time:
        cmd = [gnu_time, "-f", "%M", "-o", str(maxrss_path), *cmd]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            rss = pss = 0
            tree = _tree(proc.pid)
            for p in tree[1:] if gnu_time else tree:  # not GNU time itself
                st = _status_kb(p, ("VmRSS", "VmHWM"))
                rss += st.get("VmRSS", 0)
                hwm[p] = max(hwm.get(p, 0), st.get("VmHWM", 0))
                pss += _pss_kb(p)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            samples += 1
            time.sleep(interval)
        seconds = time.perf_counter() - t0
    largest = 0  # kB: the largest single process of the tree (GNU time's %M)
    if gnu_time:
        try:
            largest = int(maxrss_path.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            largest = 0
    return MemoryRun(seconds, proc.returncode, peak_rss / 1024, peak_pss / 1024,
                     sum(hwm.values()) / 1024, largest / 1024, len(hwm), samples)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _texts(data: bytes) -> dict[str, list[str]]:
    import bench_docx

    return bench_docx.part_texts(data)


def _diff(a: bytes, b: bytes, la: str, lb: str) -> list[str]:
    import bench_docx

    return bench_docx.diff_texts(a, b, la, lb)


def _table_rows(data: bytes) -> int:
    import bench_docx

    return bench_docx.table_rows(data)


def manifest_outputs(out_dir: Path, fmt: str = "docx") -> dict[int, Path]:
    """Record index → output file of ``fmt``, from docgen's manifest.json."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    found: dict[int, Path] = {}
    for entry in manifest["documents"]:
        for output in entry["outputs"]:
            if output["path"].endswith("." + fmt):
                found[int(entry["record"])] = out_dir / output["path"]
    return found


def sanity_problems(data: bytes, record: dict[str, Any], open_with_python_docx: bool) -> list[str]:
    problems = []
    if open_with_python_docx:
        try:
            import io

            import docx
            docx.Document(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - whatever python-docx raises is the finding
            return [f"python-docx cannot open it: {exc!r}"]
    texts = _texts(data)
    every = "\n".join(t for ts in texts.values() for t in ts)
    for tag in ("{{", "}}", "{%", "%}"):
        if tag in every:
            problems.append(f"tag {tag!r} left in the output")
    if record["client"]["name"] not in every:
        problems.append(f"client name {record['client']['name']!r} missing")
    rows = _table_rows(data)
    if rows != len(record["tasks"]) + 1:
        problems.append(f"table has {rows} rows, expected {len(record['tasks']) + 1}")
    if record["tasks"][-1]["task"] not in every:
        problems.append("last task missing")
    return problems


def check_docgen_dir(label: str, out_dir: Path, run: Run, records: list[dict[str, Any]],
                     reference: dict[int, bytes], compare: list[int],
                     python_docx: set[int]) -> list[str]:
    """Every problem of one docgen batch output folder (empty = right)."""
    problems: list[str] = []
    n = len(records)
    if run.returncode != 0:
        return [f"{label}: exit status {run.returncode}: {run.stderr.strip()[-500:]}"]
    files = sorted(out_dir.glob("*.docx"))
    printed = [line for line in run.stdout.splitlines() if line.strip()]
    if len(files) != n:
        problems.append(f"{label}: {len(files)} .docx files, expected {n}")
    if len([p for p in printed if p.endswith(".docx")]) != n:
        problems.append(f"{label}: {len(printed)} paths printed on stdout, expected {n}")
    if not (out_dir / "manifest.json").is_file():
        return problems + [f"{label}: no manifest.json"]
    by_record = manifest_outputs(out_dir)
    if sorted(by_record) != list(range(n)):
        problems.append(f"{label}: manifest covers {len(by_record)} records, expected {n}")
    diffs = 0
    for i in sorted(by_record):
        data = by_record[i].read_bytes()
        for problem in sanity_problems(data, records[i], i in python_docx):
            problems.append(f"{label}, record {i} ({by_record[i].name}): {problem}")
        if i in compare and i in reference:
            lines = _diff(reference[i], data, "docxtpl", "docgen")
            if lines:
                diffs += 1
                problems.append(f"{label}, record {i}: text differs from docxtpl")
                if diffs <= 2:
                    problems.extend("    " + line for line in lines[:40])
    return problems


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    label: str
    cmd: list[str]
    out_dir: Path  # this run's output folder (set per round)
    times: list[float] = field(default_factory=list)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x: float) -> str:
    return f"{x:7.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="docgen batch vs docxtpl loop, PDFs, memory")
    ap.add_argument("--records", type=int, default=500,
                    help="weekly records (documents) for the docx runs (default 500, max 500)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of the docx runs (default 3)")
    ap.add_argument("--pdf-docs", type=int, default=50, help="documents for the PDF runs (50)")
    ap.add_argument("--pdf-rounds", type=int, default=1,
                    help="interleaved rounds of the PDF runs (default 1: the naive loop is slow)")
    ap.add_argument("--memory-records", default="100,2000",
                    help="comma list of record counts for the memory runs (default 100,2000)")
    ap.add_argument("--skip-pdf", action="store_true", help="no PDF runs")
    ap.add_argument("--skip-memory", action="store_true", help="no memory runs")
    ap.add_argument("--skip-xlsx", action="store_true",
                    help="no .xlsx task sheet (--group-by client) runs")
    ap.add_argument("--keep", metavar="DIR",
                    help="work in DIR and keep inputs and outputs (default: a temp dir)")
    args = ap.parse_args(argv)
    if not 1 <= args.records <= 500:
        ap.error("--records must be 1..500 (the task sheet groups by client: 500 clients)")
    if args.rounds < 1 or args.pdf_docs < 1 or args.pdf_rounds < 1:
        ap.error("--rounds, --pdf-docs and --pdf-rounds must be >= 1")
    try:
        memory_sizes = [int(x) for x in args.memory_records.split(",") if x.strip()]
    except ValueError:
        ap.error("--memory-records: a comma list of integers")

    why = batch_available()
    if why:
        print(f"`docgen batch` is not available: {why}", file=sys.stderr)
        return 2
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
        return run(args, work, memory_sizes)
    with tempfile.TemporaryDirectory(prefix="docgen-bench-batch-") as tmp:
        return run(args, Path(tmp), memory_sizes)


def run(args: argparse.Namespace, work: Path, memory_sizes: list[int]) -> int:
    for p in (str(HERE), str(REPO)):
        if p not in sys.path:
            sys.path.insert(0, p)
    from importlib.metadata import version

    import make_batch_data as mk
    print(f"python {sys.version.split()[0]}, docxtpl {version('docxtpl')}, "
          f"docgen {version('docgen')}, {os.cpu_count()} CPUs; work dir {work}")
    inputs = work / "inputs"
    files = mk.build_all(inputs, args.records)
    records = mk.make_records(args.records)
    template, data_json = files["template"], files["json"]
    print(f"template {template.name} ({template.stat().st_size:,} bytes); "
          f"{args.records} records, {sum(len(r['tasks']) for r in records):,} tasks; "
          f"{data_json.name} ({data_json.stat().st_size:,} bytes)")
    docgen = docgen_command()
    me = [sys.executable, str(Path(__file__).resolve()), "_docxtpl_loop"]
    failures: list[str] = []
    summary: list[tuple[str, str, str, str]] = []  # (measure, figure, goal, met)

    # ---- docx -------------------------------------------------------------------
    base = ["batch", "weekly"]
    common = ["--template", str(template), "-q"]
    variants = [
        Variant("docxtpl_fresh", "docxtpl loop, DocxTemplate per doc",
                [*me, str(template), str(data_json), "{out}", "fresh"], work),
        Variant("docxtpl_reuse", "docxtpl loop, one DocxTemplate",
                [*me, str(template), str(data_json), "{out}", "reuse"], work),
        Variant("docgen_json", "docgen batch JSON (-j default)",
                [*docgen, *base, str(data_json), "-o", "{out}", *common], work),
        Variant("docgen_json_j1", "docgen batch JSON -j 1",
                [*docgen, *base, str(data_json), "-o", "{out}", "-j", "1", *common], work),
    ]
    if not args.skip_xlsx and "xlsx" in files:
        variants.append(Variant(
            "docgen_xlsx", "docgen batch .xlsx --group-by client",
            [*docgen, *base, str(files["xlsx"]), "--group-by", "client", "-o", "{out}",
             *common], work))
    print(f"\ndocx: {args.rounds} interleaved rounds of {len(variants)} runs, "
          f"{args.records} documents each (wall seconds, whole process)")
    first_runs: dict[str, Run] = {}
    for rnd in range(args.rounds):
        line = []
        for v in variants:
            out = work / f"out_{v.name}_{rnd + 1}"
            if out.exists():
                shutil.rmtree(out)
            cmd = [str(out) if c == "{out}" else c for c in v.cmd]
            r = run_timed(cmd, work / f"log_{v.name}_{rnd + 1}")
            v.times.append(r.seconds)
            if rnd == 0:
                first_runs[v.name] = r
                v.out_dir = out
            elif not args.keep:
                shutil.rmtree(out, ignore_errors=True)
            if r.returncode != 0:
                print(f"  {v.name} FAILED (exit {r.returncode}): {r.stderr.strip()[-400:]}")
            line.append(f"{v.name} {r.seconds:.2f}")
        print(f"round {rnd + 1}/{args.rounds}: " + "  ".join(line))

    med = {v.name: median(v.times) for v in variants}
    print(f"\n{'run':44s} {'median s':>9s} {'min':>7s} {'max':>7s} {'docs/s':>7s}")
    for v in variants:
        print(f"{v.label:44s} {fmt_s(med[v.name]):>9s} {fmt_s(min(v.times))} "
              f"{fmt_s(max(v.times))} {args.records / med[v.name]:7.0f}")
    best_tpl = min(("docxtpl_fresh", "docxtpl_reuse"), key=lambda n: med[n])
    best_label = "fresh DocxTemplate per doc" if best_tpl == "docxtpl_fresh" else \
        "one DocxTemplate re-rendered"
    print(f"docxtpl's best: {best_label}")
    for name, what in (("docgen_json", "JSON, default -j"), ("docgen_json_j1", "JSON, -j 1"),
                       ("docgen_xlsx", ".xlsx --group-by client")):
        if name in med:
            ratio = med[best_tpl] / med[name]
            met = "yes" if ratio >= GOAL_DOCX else "NO"
            measure = f"docx, {args.records} docs: docxtpl ({best_tpl[8:]}) / docgen ({what})"
            figure = f"{med[best_tpl]:.2f} s / {med[name]:.2f} s = {ratio:.1f}x"
            summary.append((measure, figure, f">= {GOAL_DOCX:g}x", met))

    # ---- docx correctness -------------------------------------------------------------
    ref_dir = variants[0].out_dir
    fresh_run = first_runs["docxtpl_fresh"]
    reference: dict[int, bytes] = {}
    if fresh_run.returncode == 0:
        reference = {i: (ref_dir / f"weekly_{i:04d}.docx").read_bytes()
                     for i in range(args.records)
                     if (ref_dir / f"weekly_{i:04d}.docx").is_file()}
        if len(reference) != args.records:
            print(f"note: docxtpl wrote {len(reference)} files, expected {args.records}")
        reuse_dir = variants[1].out_dir
        for i in spot_indices(args.records):
            other = reuse_dir / f"weekly_{i:04d}.docx"
            if i in reference and other.is_file() and _diff(reference[i], other.read_bytes(),
                                                             "fresh", "reuse"):
                print(f"note: docxtpl's two variants differ for record {i}")
    spots = set(spot_indices(args.records))
    everything = set(range(args.records))
    for v in variants:
        if not v.name.startswith("docgen"):
            continue
        r = first_runs[v.name]
        if v.name == "docgen_xlsx":
            sheet_ref = docxtpl_renders(template, [mk.sheet_view(rec) for rec in records],
                                        sorted(spots), mk)
            problems = check_docgen_dir(v.label, v.out_dir, r,
                                        [mk.sheet_view(rec) for rec in records], sheet_ref,
                                        sorted(spots), spots)
            compared = f"{len(spots)} spot-checked against docxtpl renders of the sheet's records"
        else:
            problems = check_docgen_dir(v.label, v.out_dir, r, records, reference,
                                        sorted(everything), spots)
            compared = f"all {len(reference)} compared with docxtpl's"
        if problems:
            failures.extend(problems)
            print(f"\nCHECK FAILED, {v.label}:")
            print("\n".join(problems[:60]))
        else:
            print(f"correctness, {v.label}: {args.records} files + manifest, texts {compared}, "
                  "no tags left, client names and task rows right")

    # ---- PDF --------------------------------------------------------------------------
    if not args.skip_pdf:
        pdf_failures, pdf_rows = bench_pdf(args, work, template, mk, docgen, me)
        failures.extend(pdf_failures)
        summary.extend(pdf_rows)

    # ---- memory -----------------------------------------------------------------------
    if not args.skip_memory:
        mem_failures, mem_rows = bench_memory(work, template, mk, docgen, memory_sizes)
        failures.extend(mem_failures)
        summary.extend(mem_rows)

    # ---- summary ------------------------------------------------------------------------
    print("\nSUMMARY")
    w0 = max(len(s[0]) for s in summary) if summary else 10
    w1 = max(len(s[1]) for s in summary) if summary else 10
    print(f"{'measure':{w0}s}  {'figure':{w1}s}  {'goal':10s} met")
    for measure, figure, goal, met in summary:
        print(f"{measure:{w0}s}  {figure:{w1}s}  {goal:10s} {met}")
    if failures:
        print(f"\ndocgen produced wrong output ({len(failures)} problem lines above): exit 1")
        return 1
    print("\ndocgen's output: all checks passed")
    return 0


def spot_indices(n: int) -> list[int]:
    return sorted({i for i in (0, 1, 2, n // 3, n // 2, (2 * n) // 3, n - 2, n - 1)
                   if 0 <= i < n})


def docxtpl_renders(template: Path, records: list[dict[str, Any]], indices: list[int],
                    mk: Any) -> dict[int, bytes]:
    import io

    from docxtpl import DocxTemplate

    out = {}
    for i in indices:
        doc = DocxTemplate(str(template))
        doc.render(mk.docxtpl_context(records[i]))
        buf = io.BytesIO()
        doc.save(buf)
        out[i] = buf.getvalue()
    return out


def soffice_path() -> str | None:
    return os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or \
        shutil.which("libreoffice")


def pdf_text(path: Path) -> str:
    proc = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=False)
    return proc.stdout.decode("utf-8", errors="replace")


def _squash(s: str) -> str:
    return "".join(s.split())


def pdf_problems(label: str, pdfs: dict[int, Path], records: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(pdfs) != len(records):
        problems.append(f"{label}: {len(pdfs)} PDFs, expected {len(records)}")
    have_pdftotext = shutil.which("pdftotext") is not None
    for i, path in sorted(pdfs.items()):
        if not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{label}, record {i}: {path.name} missing or empty")
            continue
        if path.read_bytes()[:5] != b"%PDF-":
            problems.append(f"{label}, record {i}: {path.name} is not a PDF")
            continue
        if have_pdftotext:
            name = records[i]["client"]["name"]
            if _squash(name) not in _squash(pdf_text(path)):
                problems.append(f"{label}, record {i}: client name {name!r} not in the PDF text")
    return problems


def naive_convert(soffice: str, docs: list[Path], out: Path, profiles: Path,
                  shared: bool) -> float:
    """One ``soffice --convert-to pdf`` per file; fresh or one shared profile."""
    _sync()
    t0 = time.perf_counter()
    for k, doc in enumerate(docs):
        prof = profiles / ("shared" if shared else f"p{k:04d}")
        subprocess.run([soffice, f"-env:UserInstallation={prof.as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(out), str(doc)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def bench_pdf(args: argparse.Namespace, work: Path, template: Path, mk: Any,
              docgen: list[str], me: list[str]) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    soffice = soffice_path()
    if soffice is None:
        print("\nPDF: skipped, LibreOffice (soffice) is not installed")
        return [], [("PDF", "skipped: no soffice", f">= {GOAL_PDF:g}x", "-")]
    n = args.pdf_docs
    records = mk.make_records(n)
    data = mk.write_json(records, work / "inputs" / f"weekly_{n}.json")
    print(f"\nPDF: {n} documents, {args.pdf_rounds} round(s); docgen batch -f pdf vs docxtpl "
          "loop + one soffice per file")
    times: dict[str, list[float]] = {k: [] for k in
                                     ("docgen", "docxtpl", "soffice_fresh", "soffice_shared")}
    failures: list[str] = []
    for rnd in range(1, args.pdf_rounds + 1):
        d_out = work / f"pdf_docgen_{rnd}"
        shutil.rmtree(d_out, ignore_errors=True)
        r = run_timed([*docgen, "batch", "weekly", str(data), "-o", str(d_out), "-f", "pdf",
                       "--template", str(template), "-q"], work / f"log_pdf_docgen_{rnd}")
        times["docgen"].append(r.seconds)
        if rnd == 1:
            if r.returncode != 0:
                failures.append(f"docgen batch -f pdf: exit {r.returncode}: "
                                f"{r.stderr.strip()[-500:]}")
            else:
                pdfs = manifest_outputs(d_out, "pdf")
                if list(d_out.glob("*.docx")):
                    failures.append("docgen batch -f pdf also left .docx files")
                failures.extend(pdf_problems("docgen -f pdf", pdfs, records))

        x_out = work / f"pdf_docxtpl_{rnd}"
        shutil.rmtree(x_out, ignore_errors=True)
        r = run_timed([*me, str(template), str(data), str(x_out), "fresh"],
                      work / f"log_pdf_docxtpl_{rnd}")
        times["docxtpl"].append(r.seconds)
        docs = sorted(x_out.glob("*.docx"))
        for kind in ("soffice_fresh", "soffice_shared"):
            out = work / f"pdf_{kind}_{rnd}"
            profiles = work / f"profiles_{kind}_{rnd}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(profiles, ignore_errors=True)
            times[kind].append(naive_convert(soffice, docs, out, profiles,
                                             shared=kind == "soffice_shared"))
            shutil.rmtree(profiles, ignore_errors=True)
            if rnd == 1:
                naive = {i: out / f"weekly_{i:04d}.pdf" for i in range(n)}
                for problem in pdf_problems(kind, naive, records):
                    print(f"  note (reference side): {problem}")
        print(f"round {rnd}: " + "  ".join(f"{k} {v[-1]:.1f}" for k, v in times.items()))
    med = {k: median(v) for k, v in times.items()}
    print(f"\n{'run':52s} {'median s':>9s} {'s/doc':>7s}")
    rows = [("docgen batch -f pdf (default -j)", med["docgen"]),
            ("docxtpl loop (docx only)", med["docxtpl"]),
            ("soffice per file, fresh profile (PDF only)", med["soffice_fresh"]),
            ("soffice per file, one shared profile (PDF only)", med["soffice_shared"]),
            ("naive total: docxtpl + soffice fresh profile", med["docxtpl"] + med["soffice_fresh"]),
            ("naive total: docxtpl + soffice shared profile",
             med["docxtpl"] + med["soffice_shared"])]
    for label, s in rows:
        print(f"{label:52s} {fmt_s(s):>9s} {s / n:7.2f}")
    if failures:
        print("CHECK FAILED, PDF:\n" + "\n".join(failures[:20]))
    else:
        print(f"correctness: {n} PDFs from docgen, each with its client's name (pdftotext)")
    out_rows = []
    for label, key in (("fresh profile", "soffice_fresh"), ("shared profile", "soffice_shared")):
        total = med["docxtpl"] + med[key]
        ratio = total / med["docgen"]
        out_rows.append((f"PDF, {n} docs: (docxtpl + soffice per file, {label}) / docgen",
                         f"{total:.1f} s / {med['docgen']:.1f} s = {ratio:.1f}x",
                         f">= {GOAL_PDF:g}x", "yes" if ratio >= GOAL_PDF else "NO"))
    ratio = med["soffice_fresh"] / med["docgen"]
    out_rows.append((f"PDF, {n} docs: soffice per file alone (fresh) / docgen",
                     f"{med['soffice_fresh']:.1f} s / {med['docgen']:.1f} s = {ratio:.1f}x",
                     f">= {GOAL_PDF:g}x", "yes" if ratio >= GOAL_PDF else "NO"))
    return failures, out_rows


def bench_memory(work: Path, template: Path, mk: Any, docgen: list[str],
                 sizes: list[int]) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    print(f"\nmemory: peak RSS of the docgen batch process tree, records {sizes}, "
          "-j 1 and default -j (sampled every 10 ms)")
    failures: list[str] = []
    results: dict[tuple[int, str], MemoryRun] = {}
    for n in sizes:
        data = mk.write_json(mk.make_records(n), work / "inputs" / f"weekly_{n}.json")
        for jobs in ("1", "default"):
            out = work / f"mem_{n}_j{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            cmd = [*docgen, "batch", "weekly", str(data), "-o", str(out), "--template",
                   str(template), "-q"] + (["-j", jobs] if jobs != "default" else [])
            m = run_memory(cmd, work / f"log_mem_{n}_j{jobs}")
            results[(n, jobs)] = m
            written = len(list(out.glob("*.docx")))
            if m.returncode != 0 or written != n:
                failures.append(f"memory run {n} records -j {jobs}: exit {m.returncode}, "
                                f"{written} files")
            shutil.rmtree(out, ignore_errors=True)
    print(f"{'records':>7s} {'-j':>8s} {'seconds':>8s} {'tree RSS':>9s} {'tree PSS':>9s} "
          f"{'sum HWM':>8s} {'largest':>8s} {'procs':>5s} {'samples':>7s}   (MB)")
    for (n, jobs), m in results.items():
        print(f"{n:7d} {jobs:>8s} {m.seconds:8.2f} {m.tree_rss_mb:9.1f} {m.tree_pss_mb:9.1f} "
              f"{m.hwm_sum_mb:8.1f} {m.largest_mb:8.1f} {m.processes:5d} {m.samples:7d}")
    rows = []
    if len(sizes) >= 2:
        small, big = min(sizes), max(sizes)
        for jobs in ("1", "default"):
            a, b = results[(small, jobs)], results[(big, jobs)]
            peak_a, peak_b = max(a.tree_rss_mb, a.largest_mb), max(b.tree_rss_mb, b.largest_mb)
            flat = peak_b <= peak_a * FLAT_GROWTH
            under = peak_b < GOAL_MEMORY_MB
            rows.append((f"peak RSS, process tree, -j {jobs}: {small} vs {big} records",
                         f"{peak_a:.0f} MB vs {peak_b:.0f} MB ({peak_b / peak_a:.2f}x)",
                         f"flat, < {GOAL_MEMORY_MB:g}",
                         ("yes" if flat and under else
                          "NO (" + ", ".join(w for w, ok in (("not flat", flat),
                                                             ("over 200 MB", under)) if not ok)
                          + ")")))
    if failures:
        print("CHECK FAILED, memory runs:\n" + "\n".join(failures))
    return failures, rows


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "_docxtpl_loop":
        sys.exit(docxtpl_loop(*sys.argv[2:6]))
    sys.exit(main())
