"""Benchmark: what the ledger adds to a batch of invoices (goal: < 20 % on docx).

    python benchmarks/bench_ledger.py                      # 1,000 invoices, SQLite, -j 1 and 2
    python benchmarks/bench_ledger.py --postgres postgresql://u:p@127.0.0.1/postgres
    python benchmarks/bench_ledger.py --records 300 --rounds 1 --jobs 2

Both sides are the same call, :func:`docgen.batch.run_batch` on one JSON file of
invoices (validate, build contexts, render the .docx in ``-j`` worker processes, write
atomically, manifest): "no ledger" with a profile without ``[ledger]``, "SQLite" and
"PostgreSQL" with one and ``issue=True`` — ``docgen batch invoice … --issue``: numbers
taken in the input's order, the cross-document checks (each invoice's job has an
issued brief and a client-signed signoff, issued before the clock starts), the record
and the file archived, the rows inserted, one flush and one commit per chunk of
:data:`~docgen.ledger.batch_issue.ISSUE_CHUNK` documents. Each ledger run starts
from a fresh database. Runs are interleaved ``--rounds`` times (median), with
``os.sync()`` before each (untimed), so no run pays for writing back another's files.

Checked after every ledger run (untimed): every invoice numbered once, in input
order, no gap; every file's archived copy equal to the file; ``archive verify`` clean.

Measured 2026-12-03 on the shared 2-core dev box (noisy: read the ratios), 1,000
invoices, median of 3 (before group commit: x3.5 SQLite, x5-x7.6 PostgreSQL):

                              tmpfs (--dir /dev/shm)    ext4 (--dir /work/…)
    -j 1  SQLite              x2.01                     x2.22
          SQLite, no checks   x1.10                     x1.75
          PostgreSQL          x2.52                     x2.53
          PG, no checks       x1.07                     x1.79
    -j 2  SQLite              x1.66                     x2.33
          SQLite, no checks   x0.95                     x1.39
          PostgreSQL          x1.97                     x2.67
          PG, no checks       x0.92                     x1.82

What is left: (1) the cross-document checks (docgen.ledger.jobs) cost 2-3.5 ms per
invoice, more than rendering it — mostly SQLAlchemy building the job's query afresh
for every document (a statement built once with a bind parameter would cache); (2)
on disk, each archive object is a file created, and creating a file cost 0.6-1 ms on
this box while other jobs ran (0.03 ms when quiet, 0.5 ms in /tmp, 1.3 ms in
/var/tmp): the ledger creates three files per document (record, .docx object,
output) where the plain batch creates one. On tmpfs, where creating a file is cheap,
the ledger itself (numbers, rows, archive, one flush and commit per chunk) is within
the goal, and below x1 with -j 2 (the workers archive in parallel).
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docgen.api import get_kind  # noqa: E402
from docgen.batch import run_batch  # noqa: E402
from docgen.ledger import issuing, open_ledger  # noqa: E402
from docgen.ledger.batch_issue import ISSUE_CHUNK  # noqa: E402
from docgen.profile import LedgerSettings, Profile  # noqa: E402

PER_JOB = 10  # invoices per job


def _sample(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "samples" / kind / "ko.yaml").read_text(encoding="utf-8"))
    return data


def _client(base: dict[str, Any], job: int) -> dict[str, Any]:
    client = copy.deepcopy(base)
    client["name"] = f"{base['name']} {job}"
    return client


def invoices(n: int) -> list[dict[str, Any]]:
    base = _sample("invoice")
    base.pop("request_number", None)
    out = []
    for i in range(n):
        r = copy.deepcopy(base)
        job = i // PER_JOB
        r["job_number"] = f"HL-2026-{job:04d}"
        r["client"] = _client(base["client"], job)
        out.append(r)
    return out


def prepare_jobs(url: str, archive: Path, n: int) -> None:
    """The issued brief (budget far above the invoices) and client-signed signoff of
    every job the invoices name, in one chunk (not timed)."""
    brief, signoff = _sample("brief"), _sample("signoff")
    for record in (brief, signoff):
        record.pop("document_number", None)
    brief["budget"] = {"amount": 10 ** 12, "currency": "KRW"}
    signoff["acceptance"] = "accepted"
    signoff["client_signatory"]["signed_date"] = dt.date(2026, 12, 5)
    ledger = open_ledger(url, archive=archive)
    try:
        with ledger.chunk() as batch:
            for job in range(-(-n // PER_JOB)):
                for kind, base in (("brief", brief), ("signoff", signoff)):
                    record = copy.deepcopy(base)
                    record["job_number"] = f"HL-2026-{job:04d}"
                    record["client"] = _client(base["client"], job)
                    batch.plan(kind, record, number_field="document_number", locale="ko")
    finally:
        ledger.close()


def check_issued(url: str, archive: Path, out: Path, n: int) -> None:
    """Every invoice once, in input order, its file archived as written."""
    ledger = open_ledger(url, archive=archive)
    try:
        rows = ledger.documents(kind="invoice")
        expected = [f"INV-2026-{i:04}" for i in range(1, n + 1)]
        assert [r["number"] for r in rows] == expected, "numbers not 1..n in input order"
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert [e["number"] for e in manifest["documents"]] == expected
        for row in rows[:: max(1, n // 50)]:
            (f,) = ledger.files_of(row["id"])
            assert ledger.archive.get(f["sha256"]) == (out / f["name"]).read_bytes()
        assert ledger.verify() == [], "archive verify found problems"
    finally:
        ledger.close()


def _postgres_db(base: str) -> tuple[str, Callable[[], None]]:
    import sqlalchemy as sa
    url = sa.make_url(base).set(drivername="postgresql+psycopg")
    name = f"docgen_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), drop


def one_run(data: Path, n: int, jobs: int, backend: Optional[str],
            postgres: Optional[str], folder: Optional[Path] = None, checks: bool = True) -> float:
    """Seconds for one batch (``backend`` None: no ledger; ``checks`` False: without
    the cross-document checks, to see what they cost)."""
    with tempfile.TemporaryDirectory(prefix="docgen-bench-ledger-", dir=folder) as tmp:
        work = Path(tmp)
        drop: Optional[Callable[[], None]] = None
        profile = Profile()
        url = ""
        if backend == "sqlite":
            url = f"sqlite:///{work / 'ledger.db'}"
        elif backend == "postgresql":
            assert postgres is not None
            url, drop = _postgres_db(postgres)
        try:
            if backend is not None:
                prepare_jobs(url, work / "archive", n)
                profile = Profile(ledger=LedgerSettings(url, work / "archive"))
            if hasattr(os, "sync"):
                os.sync()
            saved = issuing.default_checks
            if not checks:
                setattr(issuing, "default_checks", lambda ledger: None)
            try:
                start = time.perf_counter()
                run_batch(kind=get_kind("invoice"), data=data, out_dir=work / "out",
                          formats=["docx"], jobs=jobs, profile=profile,
                          issue=backend is not None)
                seconds = time.perf_counter() - start
            finally:
                setattr(issuing, "default_checks", saved)
            if backend is not None:
                check_issued(url, work / "archive", work / "out", n)
            return seconds
        finally:
            if drop is not None:
                drop()


Variant = tuple[Optional[str], bool]  # (backend or None, with the checks)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], metavar="J")
    parser.add_argument("--postgres", default=os.environ.get("DOCGEN_TEST_POSTGRES_URL"),
                        metavar="URL", help="a PostgreSQL server to time too (a throwaway "
                        "database is made); default $DOCGEN_TEST_POSTGRES_URL")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the runs write (default: the system's temporary folder)")
    parser.add_argument("--checks", choices=["both", "on", "off"], default="both",
                        help="time the ledger with the cross-document checks, without, or both")
    args = parser.parse_args(argv)
    with_checks = {"both": [True, False], "on": [True], "off": [False]}[args.checks]
    variants: list[Variant] = [(None, True)] + [
        (b, c) for b in ["sqlite"] + (["postgresql"] if args.postgres else [])
        for c in with_checks]
    names = {None: "no ledger", "sqlite": "SQLite", "postgresql": "PostgreSQL"}
    with tempfile.TemporaryDirectory(prefix="docgen-bench-data-", dir=args.dir) as tmp:
        data = Path(tmp) / "invoices.json"
        data.write_text(json.dumps(invoices(args.records), ensure_ascii=False, default=str),
                        encoding="utf-8")
        small = Path(tmp) / "warm.json"
        small.write_text(json.dumps(invoices(20), ensure_ascii=False, default=str),
                         encoding="utf-8")
        for backend, checks in variants:  # imports, template caches, first database open
            one_run(small, 20, 1, backend, args.postgres, args.dir, checks)
        times: dict[tuple[Variant, int], list[float]] = {}
        for _ in range(args.rounds):
            for jobs in args.jobs:
                for backend, checks in variants:
                    times.setdefault(((backend, checks), jobs), []).append(one_run(
                        data, args.records, jobs, backend, args.postgres, args.dir, checks))
    print(f"{args.records} invoices, docx, docgen batch (--issue with a ledger), "
          f"{ISSUE_CHUNK} per transaction, median of {args.rounds}, in "
          f"{args.dir or tempfile.gettempdir()} ({dt.date.today().isoformat()}, "
          f"{os.cpu_count()} cores)")
    for jobs in args.jobs:
        base = statistics.median(times[((None, True), jobs)])
        for variant in variants:
            t = statistics.median(times[(variant, jobs)])
            backend, checks = variant
            label = names[backend] + ("" if backend is None or checks else " (no checks)")
            ratio = "" if backend is None else \
                f"   x{t / base:.2f} {'ok' if t / base < 1.2 else 'over'} (goal < x1.20)"
            print(f"  -j {jobs}  {label:<24} {t:7.2f} s{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
