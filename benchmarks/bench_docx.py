"""Batch benchmark: docgen's Word engine against docxtpl on the same template.

    python benchmarks/bench_docx.py                   # 5 rounds x 20 docs
    python benchmarks/bench_docx.py --docs 50 --rounds 7
    python benchmarks/bench_docx.py --profile         # + cProfile of docgen renders
    python benchmarks/bench_docx.py --engines docxtpl # docxtpl side only

What is timed (per document, contexts differ from document to document):

* docxtpl, the way its users write a batch loop:
  ``DocxTemplate(path)``; ``render(ctx)``; ``save(BytesIO())``.
* docgen: ``tpl = docgen.Template(path)`` once (reported separately as the
  compile time), then ``tpl.render(ctx)`` -> bytes per document.

Rounds are interleaved (docxtpl batch, docgen batch, docxtpl batch, ...) so
machine noise hits both engines alike; the figure reported is the median over
rounds of the per-document time of each batch. One untimed warm-up document per
engine runs first.

Correctness: every document of the first round is checked, for both engines:
the paragraph texts of every part (document, headers, footers) must be
identical between docxtpl's and docgen's output for the same context, no
Jinja tag may survive, and a few facts about the data must hold (30 table
rows, the false ``{%p if %}`` block gone, ...). On any mismatch a diff is printed
and the exit status is 1 (timings are still printed first).
"""
from __future__ import annotations

import argparse
import cProfile
import difflib
import gc
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(HERE), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)

import make_template
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _T, _TAB, _BR, _CR = (f"{{{W}}}{n}" for n in ("p", "t", "tab", "br", "cr"))
_TR = f"{{{W}}}tr"

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

# No XML special characters (& < >) in the data: docxtpl renders without
# autoescape by default and would write broken XML; that is a docxtpl
# limitation, not something this benchmark is about.
CLIENTS = [
    ("주식회사 한빛미디어", "韩光传媒株式会社"),
    ("서울바이오 주식회사", "首尔生物株式会社"),
    ("上海星辰贸易有限公司", "上海星辰贸易有限公司"),
    ("台北晨曦設計股份有限公司", "台北晨曦设计股份有限公司"),
    ("Blue Harbor Logistics Ltd.", "蓝港物流有限公司"),
    ("주식회사 다온푸드", "多温食品株式会社"),
    ("深圳云帆科技有限公司", "深圳云帆科技有限公司"),
    ("한강건설 주식회사", "汉江建设株式会社"),
]
PEOPLE = ["김민준", "이서연", "박지훈", "최수아", "王伟", "李娜", "張志明", "陳怡君",
          "Daniel Park", "Emily Chen", "정우성", "刘洋"]
TITLES = ["책임 컨설턴트 / 高级顾问", "프로젝트 매니저 / 项目经理", "대표 / 总经理"]
LOCATIONS = ["서울 본사 12층 회의실", "上海办公室 3号会议室", "화상 회의 (Zoom)",
             "台北辦公室 A 會議室"]
ITEMS = [
    "웹사이트 리뉴얼 기획", "브랜드 아이덴티티 개발", "소셜 미디어 운영 (월간)",
    "검색 광고 집행 대행", "보도자료 작성 및 배포", "现场活动策划与执行",
    "微信公众号代运营", "小红书 KOL 合作", "시장 조사 보고서 (한·중)",
    "번역 및 현지화 / 翻译与本地化", "영상 촬영 및 편집", "数据分析月报",
    "Landing page A/B testing", "인플루언서 캠페인 관리", "展会展位设计",
]
AGENDA = [
    "2분기 캠페인 성과를 검토하고 3분기 예산 배분 방향을 논의함.",
    "중국 시장 진출을 위한 현지 파트너 선정 기준을 확정함.",
    "브랜드 가이드라인 개정안과 일정에 대해 합의함.",
]
AGENDA_ZH = [
    "回顾第二季度营销活动成效，讨论第三季度预算分配方向。",
    "确定进入中国市场的本地合作伙伴选择标准。",
    "就品牌指南修订方案及时间表达成一致。",
]
ACTIONS = ["견적서 수정본 송부 / 发送修订报价单", "계약서 초안 검토 / 审阅合同草案",
           "킥오프 일정 확정 / 确定启动会日期", "담당자 연락처 공유 / 共享联系人信息"]


# A template's data: the JSON-like values every engine renders.
Context = dict[str, Any]


def make_context(i: int, n_rows: int = 30) -> Context:
    """Deterministic context number ``i`` (documents in a batch all differ)."""
    rnd = random.Random(1000 + i)
    client, client_zh = CLIENTS[i % len(CLIENTS)]
    rows: list[dict[str, Any]] = []
    for r in range(n_rows):
        qty = rnd.randint(1, 12)
        rows.append({
            "item": ITEMS[(i + r) % len(ITEMS)],
            "owner": PEOPLE[(i * 7 + r) % len(PEOPLE)],
            "qty": qty,
            "amount": qty * rnd.randrange(50_000, 2_500_000, 10_000),
        })
    contract = sum(r["amount"] for r in rows)
    month, day = 1 + i % 12, 1 + (i * 3) % 28
    return {
        "agency_name": "한중 크리에이티브 파트너스 / 韩中创意伙伴",
        "project_name": f"{client} 2025 통합 마케팅 / 整合营销",
        "client_name": client,
        "client_name_zh": client_zh,
        "doc_no": f"MIN-2025-{i + 1:04d}",
        "meeting_date": f"2025년 {month}월 {day}일 / 2025年{month}月{day}日",
        "meeting_time": f"{9 + i % 8:02d}:30",
        "location": LOCATIONS[i % len(LOCATIONS)],
        "author": PEOPLE[i % len(PEOPLE)],
        "author_title": TITLES[i % len(TITLES)],
        "author_email": f"pm{i % 17}@hanzhong-creative.example",
        "attendees": [PEOPLE[(i + k) % len(PEOPLE)] for k in range(1 + i % 5)],
        "is_final": False,
        "version": f"0.{1 + i % 9}",
        "agenda_intro": AGENDA[i % len(AGENDA)],
        "agenda_intro_zh": AGENDA_ZH[i % len(AGENDA_ZH)],
        "currency": "KRW" if i % 3 else "CNY",
        "contract_amount": contract,
        "deposit_pct": 30,
        "deposit_amount": contract * 30 // 100,
        "exchange_rate": 0.0052 + (i % 10) / 10000,
        "due_date": f"2025-{month:02d}-{min(day + 14, 28):02d}",
        "rows": rows,
        "action_items": ACTIONS[: 2 + i % 3],
        "show_notes": True,
        "notes": "다음 회의 전까지 견적서를 수정하여 송부할 것.\n"
                 "예산 승인 후 킥오프 일정 확정.",
        "notes_zh": "请于下次会议前发送修订后的报价单。",
        "approved_by": "홍길동",
        "next_meeting": f"2025-{month:02d}-{min(day + 7, 28):02d} 14:00",
    }


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


def docxtpl_renderer(path: Path) -> Callable[[Context], bytes]:
    from docxtpl import DocxTemplate

    def render(ctx: Context) -> bytes:
        doc = DocxTemplate(str(path))
        doc.render(ctx)
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()

    return render


def docgen_available() -> str | None:
    """None if ``docgen.Template`` can be used, else the reason it cannot."""
    try:
        import docgen
    except Exception as exc:  # noqa: BLE001 - any import failure is reported as is
        return f"import docgen failed: {exc!r}"
    if not hasattr(docgen, "Template"):
        return "docgen has no attribute 'Template' (engine not written yet?)"
    return None


def _docgen_template_class() -> Any:
    import docgen

    return getattr(docgen, "Template")  # noqa: B009 - may not exist yet; checked at start


def _docgen_renderer(tpl: Any, locale: str | None) -> Callable[[Context], bytes]:
    if locale:
        return lambda ctx: tpl.render(ctx, locale=locale)
    return lambda ctx: tpl.render(ctx)


# ---------------------------------------------------------------------------
# Text extraction and checks
# ---------------------------------------------------------------------------


def _paragraph_text(p: etree._Element) -> str:
    out = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if el.tag == _T:
            out.append(el.text or "")
        elif el.tag == _TAB:
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def _is_text_part(name: str) -> bool:
    if not name.startswith("word/") or not name.endswith(".xml") or "/_rels/" in name:
        return False
    base = name[len("word/"):]
    return base == "document.xml" or base.startswith(("header", "footer"))


def part_texts(data: bytes) -> dict[str, list[str]]:
    """Paragraph texts per part (document, headers, footers) of a .docx."""
    parts: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            if _is_text_part(name):
                root = etree.fromstring(z.read(name))
                parts[name] = [_paragraph_text(p) for p in root.iter(_P)]
    return parts


def table_rows(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return sum(1 for _ in root.iter(_TR))


def sanity_problems(data: bytes, ctx: Context) -> list[str]:
    """Facts that must hold for any correct engine, independent of docxtpl."""
    problems = []
    try:
        import docx
        docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - whatever python-docx raises is the finding
        return [f"python-docx cannot open the output: {exc!r}"]
    texts = part_texts(data)
    every = "\n".join(t for ts in texts.values() for t in ts)
    for tag in ("{{", "}}", "{%", "%}"):
        if tag in every:
            problems.append(f"unrendered tag {tag!r} left in the output")
    expected_rows = len(ctx["rows"]) + 2  # header row + data rows + total row
    if table_rows(data) != expected_rows:
        problems.append(f"table has {table_rows(data)} rows, expected {expected_rows}")
    must = [ctx["client_name"], ctx["doc_no"], ctx["rows"][-1]["item"],
            f"{ctx['contract_amount']:,}", "회의록 / 会议纪要"]
    for s in must:
        if s not in every:
            problems.append(f"expected text missing: {s!r}")
    if ctx["show_notes"] and ctx["notes_zh"] not in every:
        problems.append("true {%p if %} block is missing")
    if not ctx["is_final"] and "최종본" in every:
        problems.append("false {%p if %} block was rendered")
    if not any(name.startswith("word/header") for name in texts):
        problems.append("no header part")
    if not any(name.startswith("word/footer") for name in texts):
        problems.append("no footer part")
    return problems


def diff_texts(a: bytes, b: bytes, label_a: str, label_b: str) -> list[str]:
    """Unified diff lines between the part texts of two documents (empty if equal)."""
    ta, tb = part_texts(a), part_texts(b)
    lines: list[str] = []
    for name in sorted(set(ta) | set(tb)):
        pa, pb = ta.get(name), tb.get(name)
        if pa == pb:
            continue
        if pa is None or pb is None:
            lines.append(f"part {name}: only in {label_a if pb is None else label_b}")
            continue
        lines.extend(difflib.unified_diff(
            [repr(t) for t in pa], [repr(t) for t in pb],
            f"{label_a}:{name}", f"{label_b}:{name}", lineterm="", n=1))
    return lines


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def time_batch(render: Callable[[Context], bytes], contexts: list[Context],
               keep: list[bytes] | None = None) -> float:
    """Seconds to render every context once; outputs go to ``keep`` if given."""
    gc.collect()
    t0 = time.perf_counter()
    if keep is None:
        for ctx in contexts:
            render(ctx)
    else:
        for ctx in contexts:
            keep.append(render(ctx))
    return time.perf_counter() - t0


def _shorten_paths(stats: pstats.Stats) -> None:
    """Like ``strip_dirs()`` but keeps the package path (docgen/render/x.py,
    docxtpl/template.py), so same-named modules stay distinguishable."""
    roots = sorted({str(REPO)} | {p for p in sys.path if p and os.path.isdir(p)},
                   key=len, reverse=True)

    def short(key: tuple[str, int, str]) -> tuple[str, int, str]:
        filename, line, func = key
        for root in roots:
            if filename.startswith(root + os.sep):
                return (filename[len(root) + 1:], line, func)
        return key

    new = {}
    for key, (cc, nc, tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        new[short(key)] = (cc, nc, tt, ct, {short(k): v for k, v in callers.items()})
    stats.stats = new  # type: ignore[attr-defined]
    stats.fcn_list = None  # type: ignore[attr-defined]


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="docgen vs docxtpl batch benchmark")
    ap.add_argument("--docs", type=int, default=20, help="documents per batch (default 20)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds per engine (default 5)")
    ap.add_argument("--rows", type=int, default=30, help="table rows per document (default 30)")
    ap.add_argument("--engines", default="docxtpl,docgen",
                    help="comma list of engines to run (default docxtpl,docgen)")
    ap.add_argument("--locale", default=None,
                    help="pass locale=... to docgen's render (default: not passed)")
    ap.add_argument("--profile", action="store_true",
                    help="afterwards, cProfile docgen renders and print the top 15")
    ap.add_argument("--profile-docs", type=int, default=200,
                    help="number of docgen renders under the profiler (default 200)")
    ap.add_argument("--keep", metavar="DIR",
                    help="also write the template and first-round outputs to DIR")
    args = ap.parse_args(argv)

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"docxtpl", "docgen"}
    if unknown or not engines:
        ap.error(f"unknown engine(s): {', '.join(sorted(unknown)) or '(none)'}")
    if args.docs < 1 or args.rounds < 1:
        ap.error("--docs and --rounds must be >= 1")

    if "docgen" in engines or args.profile:
        why = docgen_available()
        if why:
            print(f"docgen is not usable: {why}\n"
                  "Run with --engines docxtpl to benchmark docxtpl alone.", file=sys.stderr)
            return 2

    if args.keep:
        return run(args, engines, Path(args.keep))
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        return run(args, engines, Path(tmp))


def run(args: argparse.Namespace, engines: list[str], workdir: Path) -> int:
    """Generate the template in ``workdir``, time, check, profile; return the exit status."""
    template = make_template.build_template(workdir / make_template.TEMPLATE_NAME)
    contexts = [make_context(i, args.rows) for i in range(args.docs)]

    import docxtpl
    print(f"python {sys.version.split()[0]}, docxtpl {getattr(docxtpl, '__version__', '?')}, "
          f"{os.cpu_count()} CPUs")
    print(f"template: {template} ({template.stat().st_size:,} bytes)")
    print(f"{args.rounds} interleaved rounds x {args.docs} docs, {args.rows} table rows each\n")

    renderers: dict[str, Callable[[Context], bytes]] = {}
    compile_s: list[float] = []
    if "docxtpl" in engines:
        renderers["docxtpl"] = docxtpl_renderer(template)
    tpl: Any = None
    if "docgen" in engines:
        template_cls = _docgen_template_class()
        t0 = time.perf_counter()
        tpl = template_cls(str(template))
        compile_s.append(time.perf_counter() - t0)
        for _ in range(4):  # warm compiles, to report a stable figure too
            t0 = time.perf_counter()
            template_cls(str(template))
            compile_s.append(time.perf_counter() - t0)
        renderers["docgen"] = _docgen_renderer(tpl, args.locale)

    # Warm-up (imports, Jinja/lxml caches), untimed.
    for render in renderers.values():
        render(contexts[0])

    per_doc: dict[str, list[float]] = {name: [] for name in renderers}
    outputs: dict[str, list[bytes]] = {name: [] for name in renderers}
    for rnd in range(args.rounds):
        for name, render in renderers.items():
            keep = outputs[name] if rnd == 0 else None
            per_doc[name].append(time_batch(render, contexts, keep) / args.docs)
        line = "  ".join(f"{n} {fmt_ms(per_doc[n][-1]).strip()} ms/doc" for n in renderers)
        print(f"round {rnd + 1}/{args.rounds}: {line}")

    med = {n: statistics.median(v) for n, v in per_doc.items()}
    print("\nengine      ms/doc (median)     min       max    docs/s")
    for n in renderers:
        print(f"{n:10s} {fmt_ms(med[n])}      {fmt_ms(min(per_doc[n]))} {fmt_ms(max(per_doc[n]))}"
              f"  {1 / med[n]:8.1f}")
    if compile_s:
        print(f"\ndocgen compile (Template(path)): first {compile_s[0] * 1000:.2f} ms, "
              f"median of next {len(compile_s) - 1}: {statistics.median(compile_s[1:]) * 1000:.2f} ms")
    if "docxtpl" in med and "docgen" in med:
        ratio = med["docxtpl"] / med["docgen"]
        batch = (med["docxtpl"] * args.docs) / (compile_s[0] + med["docgen"] * args.docs)
        print(f"throughput ratio docgen/docxtpl: {ratio:.1f}x "
              f"({'meets' if ratio >= 10 else 'BELOW'} the 10x target)")
        print(f"including one compile per batch of {args.docs}: {batch:.1f}x")

    # ---- correctness --------------------------------------------------------
    failed = False
    for name, outs in outputs.items():
        for i, data in enumerate(outs):
            for problem in sanity_problems(data, contexts[i]):
                print(f"CHECK FAILED [{name}, doc {i}]: {problem}")
                failed = True
    if "docxtpl" in outputs and "docgen" in outputs:
        mismatched = 0
        for i, (a, b) in enumerate(zip(outputs["docxtpl"], outputs["docgen"])):
            lines = diff_texts(a, b, "docxtpl", "docgen")
            if lines:
                mismatched += 1
                failed = True
                if mismatched <= 3:
                    print(f"\nTEXT MISMATCH, doc {i}:")
                    print("\n".join(lines[:80]))
                    if len(lines) > 80:
                        print(f"... ({len(lines) - 80} more diff lines)")
        n_docs = len(outputs["docgen"])
        if mismatched:
            print(f"\n{mismatched}/{n_docs} documents differ from docxtpl's text")
        else:
            print(f"\ncorrectness: paragraph texts of all parts identical to docxtpl "
                  f"for all {n_docs} documents of round 1")
    elif not failed:
        print(f"\ncorrectness: sanity checks passed for {', '.join(outputs)} "
              "(no cross-engine comparison: only one engine ran)")

    if args.keep:
        for name, outs in outputs.items():
            for i, data in enumerate(outs[:3]):
                (workdir / f"out_{name}_{i}.docx").write_bytes(data)
        print(f"outputs written to {workdir}")

    # ---- profile ------------------------------------------------------------
    if args.profile:
        if tpl is None:
            tpl = _docgen_template_class()(str(template))
        render = _docgen_renderer(tpl, args.locale)
        prof = cProfile.Profile()
        prof.enable()
        for k in range(args.profile_docs):
            render(contexts[k % len(contexts)])
        prof.disable()
        print(f"\ncProfile of {args.profile_docs} docgen renders, top 15 by cumulative time:")
        stats = pstats.Stats(prof, stream=sys.stdout)
        _shorten_paths(stats)
        stats.sort_stats("cumulative").print_stats(15)
        print("top 15 by own (total) time:")
        stats.sort_stats("tottime").print_stats(15)

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
