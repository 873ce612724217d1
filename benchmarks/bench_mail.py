"""Benchmark: 200 weekly e-mails built, without PDF (goal: < 2 s).

    python benchmarks/bench_mail.py                 # 200 clients, docx attached, 3 rounds
    python benchmarks/bench_mail.py --clients 500 --attach docx,xlsx

The timed call is what ``docgen send weekly DATA --attach docx`` does after reading
its arguments: :func:`docgen.mail.run.send_reports` on one YAML file of 200 weekly
reports (200 clients in four locales) — read and validate as batch does, plan every
envelope, render each report's .docx (templates compiled once), render the subject
and body templates, build the MIME message twice (the draft and the bytes to send)
and write the 200 ``.eml`` drafts atomically. The interpreter start and the imports
are outside the timing (the first round pays the compile of the templates: it is the
one a real run pays, so the report shows it too).

Checked after each round (untimed): 200 drafts, each parsed back with the standard
library, its To the client's own address and its attachment named after the client.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen.kinds import get as get_kind  # noqa: E402
from docgen.mail.run import send_reports  # noqa: E402
from docgen.profile import load_profile  # noqa: E402

LOCALES = ("ko", "zh-CN", "zh-TW", "en")
PROFILE = '''[company]
name = { ko = "한빛애드", zh-CN = "韩光广告", zh-TW = "韓光廣告", en = "Hanbit Ad" }
email = "ae@hanbit.example"
[mail]
from = "이소라 <sora@hanbit.example>"
cc = ["daniel@hanbit.example"]
timezone = "Asia/Seoul"
'''


def records(count: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i in range(count):
        name = f"광고주{i:03d} 上海{i:03d}"
        out.append({
            "client": {"name": name, "email": f"client{i:03d}@c{i:03d}.example",
                       "contact": f"담당자 {i}"},
            "locale": LOCALES[i % len(LOCALES)], "week_start": "2026-11-16",
            "author": "이소라", "project": f"캠페인 {i}",
            "summary": "- 미디어 플랜 승인\n- **소재** 제작 진행",
            "tasks": [{"task": f"작업 {i}-{n}", "status": status, "progress": 50}
                      for n, status in enumerate(("done", "in_progress", "planned", "blocked"))],
            "issues": [{"issue": "검수 지연", "impact": "일정 영향", "action": "협의"}],
            "kpis": [{"name": "노출", "value": 1000 + i, "target": 1200}],
        })
    return out


def check(drafts: list[Path], count: int) -> None:
    assert len(drafts) == count, len(drafts)
    for path in drafts:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        to = msg["To"].addresses[0].addr_spec
        number = to[len("client"):len("client") + 3]
        parts = list(msg.iter_attachments())
        assert parts and all(f"광고주{number}" in str(p.get_filename()) for p in parts), path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--attach", default="docx")
    args = parser.parse_args(argv)
    attach = args.attach.split(",")
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        folder = Path(tmp)
        (folder / "docgen.toml").write_text(PROFILE, encoding="utf-8")
        data = folder / "weekly.yaml"
        data.write_text(yaml.safe_dump(records(args.clients), allow_unicode=True),
                        encoding="utf-8")
        profile = load_profile(folder / "docgen.toml")
        kind = get_kind("weekly", profile)
        assert kind is not None
        for n in range(args.rounds):
            out = folder / f"out{n}"
            start = time.perf_counter()
            report = send_reports(kind=kind, data=data, profile=profile, out_dir=out,
                                  attach=attach)
            times.append(time.perf_counter() - start)
            check(report.drafts, args.clients)
        size = sum(p.stat().st_size for p in report.drafts) / len(report.drafts)
    print(f"{args.clients} weekly e-mails built ({'+'.join(attach)} attached, "
          f"{size / 1024:.0f} KB each):")
    print("  rounds: " + ", ".join(f"{t:.2f} s" for t in times))
    best, median = min(times), statistics.median(times)
    print(f"  median {median:.2f} s ({median / args.clients * 1000:.1f} ms per e-mail), "
          f"best {best:.2f} s; goal < 2 s: {'met' if median < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
