"""How long ``docgen validate`` takes on big JSON inputs (issue 15 point 3, issue 16
point 10): a top-level list of 1,000 and of 10,000 weekly records (varied, one problem
in every third record), and one record with a 10 MB text field.

    .venv/bin/python benchmarks/bench_validate.py [--records 10000]

Prints seconds for each (best of 3) and the ratio 10k/1k, which should be about 10
(validation is linear). Speed lives here; the tests check linearity by counting work."""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docgen.batch import validate_inputs  # noqa: E402
from docgen.pipeline import get_kind  # noqa: E402


def records(n: int) -> list[dict[str, Any]]:
    """``n`` weekly records from the Korean sample, varied; every third one has a bad date
    and every fifth one lacks its client (so locations are looked up too)."""
    base = yaml.safe_load((ROOT / "samples/weekly/ko.yaml").read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        r = copy.deepcopy(base)
        r["project"] = f"{r.get('project', '')} #{i}"
        if i % 3 == 0:
            r["week_start"] = "2026-13-01"
        if i % 5 == 0:
            r.pop("client", None)
        out.append(r)
    return out


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1),
                    encoding="utf-8")
    return path


def best_of(n: int, fn: Any) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(n):
        t = time.perf_counter()
        found = len(fn())
        times.append(time.perf_counter() - t)
    return min(times), found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    kind = get_kind("weekly")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        many = records(args.records)
        small = write(d / "small.json", many[: args.records // 10])
        big = write(d / "big.json", many)
        one = copy.deepcopy(many[1])
        one["week_start"] = "2026-13-01"  # a problem: its location is looked up
        one["summary"] = ("가나다라마바사 lorem ipsum " * 500_000)[:10_000_000]
        huge = write(d / "huge.json", one)
        results = {}
        for name, f in (("1k", small), ("10k", big), ("10MB record", huge)):
            results[name] = best_of(args.repeat, lambda f=f: validate_inputs(kind, [f]))
            secs, found = results[name]
            print(f"{name:>12}: {secs:6.2f} s  ({f.stat().st_size / 1e6:.1f} MB, "
                  f"{found} problems)")
        print(f"ratio 10k/1k: {results['10k'][0] / results['1k'][0]:.1f} (linear: about 10)")


if __name__ == "__main__":
    main()
