"""Benchmark: what the ledger adds to issuing a batch of invoices.

    python benchmarks/bench_ledger.py                     # 1,000 invoices, SQLite
    python benchmarks/bench_ledger.py --records 200 --postgres postgresql://u:p@127.0.0.1/db

One process, one record after another, the same steps on every side: validate,
build the context, render the .docx, write it atomically. "ledger" adds what
``docgen batch --issue`` adds per document: a number taken in a transaction, the
record and the file archived (sha256), the rows inserted, the commit — through
:func:`docgen.ledger.issuing.issue_prepared`, without the cross-document checks (those
need each invoice's brief and signoff issued first; L2 times them separately). Goal:
the ledger adds < 20 %. Prints each time and the ratio to the plain batch.

Measured on the 2-core dev box (shared, so noisy): x3.5 (SQLite) and x5–x7.6
(PostgreSQL) — goal not met. The time goes to durability: two fsyncs per document
(the archived record and file, flushed before the commit that names them) and, on
PostgreSQL, one synchronous commit per document. The way to the goal is group commit:
issue a batch in chunks (say 50 documents per transaction: objects written unflushed,
one syncfs, one commit), which keeps numbers gapless (a chunk is all or nothing).
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docgen.api import Prepared, fonts_for, get_kind, load_templates, prepare, render_templates  # noqa: E402
from docgen.inputs import Record, SourceMap  # noqa: E402
from docgen.ledger import open_ledger  # noqa: E402
from docgen.ledger.issuing import issue_prepared  # noqa: E402
from docgen.output import write_atomic  # noqa: E402


def records(n: int) -> list[dict[str, Any]]:
    base = yaml.safe_load((ROOT / "samples" / "invoice" / "ko.yaml").read_text(encoding="utf-8"))
    base.pop("request_number", None)
    out = []
    for i in range(n):
        r = copy.deepcopy(base)
        r["job_number"] = f"HL-2026-{i:04d}"
        r["client"]["name"] = f"{base['client']['name']} {i % 37}"
        out.append(r)
    return out


def _prepared(data: list[dict[str, Any]]) -> list[Prepared]:
    kind = get_kind("invoice")
    return [prepare(kind, Record(r, SourceMap("bench.yaml"), i)) for i, r in enumerate(data)]


def plain(data: list[dict[str, Any]], out: Path) -> None:
    kind = get_kind("invoice")
    templates = load_templates(kind, ["docx"])
    fonts = fonts_for(None)
    for ready in _prepared(data):
        blob = render_templates(templates, ready.context, ready.locale, fonts=fonts)["docx"]
        write_atomic(out / f"invoice_{ready.record.index:05d}.docx", blob, durable=False)


def with_ledger(url: str) -> Callable[[list[dict[str, Any]], Path], None]:
    def run(data: list[dict[str, Any]], out: Path) -> None:
        ledger = open_ledger(url, archive=out / "archive")
        kind = get_kind("invoice")
        templates = load_templates(kind, ["docx"])
        fonts = fonts_for(None)
        try:
            for ready in _prepared(data):
                issue_prepared(ledger, ready, templates, formats=["docx"], out=out, fonts=fonts,
                               base_dir=None)
        finally:
            ledger.close()
    return run


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


def timed(fn: Callable[[list[dict[str, Any]], Path], None], data: list[dict[str, Any]]) -> float:
    with tempfile.TemporaryDirectory(prefix="docgen-bench-ledger-") as tmp:
        start = time.perf_counter()
        fn(data, Path(tmp))
        return time.perf_counter() - start  # removing the folder is not timed


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="a PostgreSQL server to time too (a throwaway database is made)")
    args = parser.parse_args(argv)
    data = records(args.records)
    timed(plain, data[:20])  # imports and template caches warm
    base = timed(plain, data)
    print(f"{args.records} invoices, docx, one process")
    print(f"  no ledger          {base:7.2f} s")
    with tempfile.TemporaryDirectory(prefix="docgen-bench-db-") as tmp:
        sqlite = timed(with_ledger(f"sqlite:///{tmp}/ledger.db"), data)
    print(f"  ledger, SQLite     {sqlite:7.2f} s   x{sqlite / base:.2f} (goal < x1.20)")
    if args.postgres:
        url, drop = _postgres_db(args.postgres)
        try:
            pg = timed(with_ledger(url), data)
        finally:
            drop()
        print(f"  ledger, PostgreSQL {pg:7.2f} s   x{pg / base:.2f} (goal < x1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
