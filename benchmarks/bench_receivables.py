"""``receivables`` over a large ledger: goal < 1 s for 100,000 ledger rows.

    python benchmarks/bench_receivables.py                 # SQLite, 100,000 rows
    python benchmarks/bench_receivables.py --rows 20000 --rounds 5
    DOCGEN_TEST_POSTGRES_URL=postgresql://user:pw@127.0.0.1/postgres \\
        python benchmarks/bench_receivables.py             # SQLite, then PostgreSQL

Seeds ``--rows`` ledger rows straight into the tables (bulk inserts; issuing them one
by one would time the archive, not the report): 10% briefs, 10% signoffs, 50% invoices
(60%) over 400 clients, 25 AEs, KRW/CNY/TWD, issued over the 200 days before the report
date, and payments (30% of invoices paid in full, 20% in part) for the rest. Then
times, ``--rounds`` times, median: :func:`docgen.ledger.receivables.receivables` with
every invoice and with the command's default limit (the 100 oldest; totals summed in
SQL), each with its text report, and ``docgen receivables`` as a user runs it — a new
process, start-up included — for the default text, ``--all`` and ``-f xlsx``.

Correctness: the per-currency totals equal a plain Python sum over the seeded rows
(exit 1 when they do not).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from docgen.cli_receivables import TEXT_LIMIT  # noqa: E402
from docgen.i18n.locale import DocLocale  # noqa: E402
from docgen.ledger import open_ledger  # noqa: E402
from docgen.ledger.receivables import receivables  # noqa: E402
from docgen.ledger.report_text import receivables_text  # noqa: E402
from docgen.ledger.schema import documents, payments  # noqa: E402

AS_OF = dt.date(2026, 12, 31)
NOW = dt.datetime(2026, 12, 31, tzinfo=dt.timezone.utc)
CURRENCIES = (("KRW", 1_000_000, 0), ("CNY", 5_000, 2), ("TWD", 30_000, 0))


def seed(engine: sa.Engine, rows: int, rng: random.Random) -> dict[str, Decimal]:
    """Insert about ``rows`` rows; return what is owed per currency on AS_OF."""
    docs: list[dict[str, Any]] = []
    owed: dict[str, Decimal] = {}
    pays: list[tuple[int, dt.date, Decimal, str]] = []
    n_invoices = rows * 6 // 10
    for i in range(n_invoices):
        currency, scale, digits = CURRENCIES[i % 3]
        client = f"client-{i % 400:03d}"
        issued = AS_OF - dt.timedelta(days=rng.randrange(0, 200))
        total = Decimal(rng.randrange(scale // 10, scale * 10)).scaleb(-digits)
        docs.append({"kind": "invoice", "number": f"INV-{i:07d}", "client": client,
                     "client_key": client, "ae": f"ae-{i % 25:02d}", "currency": currency,
                     "total": total, "issue_date": issued,
                     "due_date": issued + dt.timedelta(days=45), "job_number": f"J-{i:07d}"})
        roll = rng.random()
        if roll < 0.3:
            pays.append((i, min(issued + dt.timedelta(days=10), AS_OF), total, currency))
        elif roll < 0.5:
            part = (total / 2).quantize(Decimal(1).scaleb(-digits))
            pays.append((i, min(issued + dt.timedelta(days=5), AS_OF), part, currency))
            owed[currency] = owed.get(currency, Decimal(0)) + total - part
        else:
            owed[currency] = owed.get(currency, Decimal(0)) + total
    for i in range(rows // 10):
        for kind in ("brief", "signoff"):
            docs.append({"kind": kind, "number": f"{kind[:3].upper()}-{i:07d}",
                         "client": f"client-{i % 400:03d}", "client_key": f"client-{i % 400:03d}",
                         "ae": None, "currency": None, "total": None,
                         "issue_date": AS_OF - dt.timedelta(days=250), "due_date": None,
                         "job_number": f"J-{i:07d}"})
    common = {"revision": 0, "status": "issued", "record_sha256": "0" * 64,
              "issued_at": NOW, "source": "import"}
    with engine.begin() as conn:
        conn.execute(documents.insert(), [{**common, **d} for d in docs])
        ids = dict(conn.execute(sa.select(documents.c.number, documents.c.id)
                                .where(documents.c.kind == "invoice")).all())
        conn.execute(payments.insert(), [
            {"document_id": ids[f"INV-{i:07d}"], "paid_date": day, "amount": amount,
             "currency": currency, "recorded_at": NOW} for i, day, amount, currency in pays])
    print(f"  seeded {len(docs):,} documents and {len(pays):,} payments "
          f"({len(docs) + len(pays):,} rows)")
    return owed


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def command(folder: Path, url: str, rounds: int, *args: str) -> float:
    """Median wall time of ``docgen receivables ARGS`` as a user runs it (a new Python
    process: start-up and imports included), with docgen.toml's [ledger] at ``url``."""
    parsed = sa.make_url(url)
    env = dict(os.environ)
    if parsed.password:  # docgen.toml never holds the password
        env["DOCGEN_LEDGER_PASSWORD"] = parsed.password
        url = parsed._replace(password=None).render_as_string(hide_password=False)
    toml = folder / "docgen.toml"
    toml.write_text(f'[ledger]\nurl = "{url}"\narchive = "archive"\n', encoding="utf-8")
    argv = [sys.executable, "-m", "docgen", "receivables", "--as-of", AS_OF.isoformat(),
            "-l", "ko", "--config", str(toml), *args]

    def once() -> None:
        with open(folder / "out.txt", "wb") as sink:
            subprocess.run(argv, check=True, stdout=sink, env=env, cwd=folder)
    seconds, _ = timed(once, rounds)
    return seconds


def run(url: str, archive: Path, rows: int, rounds: int) -> bool:
    ledger = open_ledger(url, archive=archive)
    try:
        owed = seed(ledger.engine, rows, random.Random(11))

        def report(limit: Optional[int]) -> Any:
            with ledger.reading() as conn:
                return receivables(conn, AS_OF, limit=limit)
        ok = True
        for limit in (None, TEXT_LIMIT):
            seconds, got = timed(lambda: report(limit), rounds)
            text_seconds, text = timed(lambda: receivables_text(got, DocLocale.parse("ko")),
                                       rounds)
            totals = {t.currency: t.total for t in got.by_currency}
            ok &= totals == owed
            print(f"  receivables(limit={limit}): {seconds:.3f} s median of {rounds} "
                  f"({len(got.invoices):,} open invoices listed); text report "
                  f"{text_seconds:.3f} s ({len(text.splitlines()):,} lines); goal < 1 s: "
                  f"{'met' if seconds + text_seconds < 1 else 'NOT met'}")
            print(f"  totals per currency {'match' if totals == owed else 'DIFFER from'} "
                  "the seeded rows")
        folder = archive.parent / f"cmd-{archive.name}"
        folder.mkdir()
        for label, args in (("(text, the oldest 100)", ()), ("--all", ("--all",)),
                            ("-f xlsx", ("-f", "xlsx", "-o", "r.xlsx", "--force"))):
            wall = command(folder, url, rounds, *args)
            print(f"  docgen receivables {label}: {wall:.3f} s wall (new process, median of "
                  f"{rounds}); goal < 1 s: {'met' if wall < 1 else 'NOT met'}")
        return ok
    finally:
        ledger.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        print(f"SQLite, {args.rows:,} rows")
        ok &= run(f"sqlite:///{tmp}/ledger.db", Path(tmp) / "archive", args.rows, args.rounds)
        base = os.environ.get("DOCGEN_TEST_POSTGRES_URL")
        if base:
            print(f"PostgreSQL, {args.rows:,} rows")
            url = sa.make_url(base).set(drivername="postgresql+psycopg")
            name = f"docgen_bench_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                target = url.set(database=name).set(drivername="postgresql")
                ok &= run(target.render_as_string(hide_password=False),
                          Path(tmp) / "archive-pg", args.rows, args.rounds)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
