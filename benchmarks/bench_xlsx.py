"""Batch benchmark: docgen's Excel engine against openpyxl and xltpl on one invoice.

    python benchmarks/bench_xlsx.py                    # 5 rounds x 20 docs
    python benchmarks/bench_xlsx.py --docs 50 --rounds 7
    python benchmarks/bench_xlsx.py --profile          # + cProfile of docgen renders
    python benchmarks/bench_xlsx.py --engines openpyxl,docgen

The sheet (see ``make_xlsx_template.py``): title, letterhead, 40 label/value
fields, an items table whose one loop row becomes ``--rows`` rows (amount = qty ×
unit price as a formula per row), subtotal / VAT / total formulas below it, three
merged signature blocks, and a print area.

What is timed (per document, contexts differ from document to document):

* openpyxl, what users hand-write: ``load_workbook(template)``; write the 40
  field values; ``insert_rows`` for the extra item rows; copy the loop row's
  styles (and height) into them; write the item values and the per-row formula;
  rewrite the subtotal / VAT / total formulas for the new rows; move the merged
  signature blocks (``insert_rows`` moves no merges: unmerge, re-merge shifted),
  the row heights below and the print area; ``save(BytesIO())``.
* xltpl: ``BookWriter(template)`` once (its load time is reported separately: a
  writer can be reused, ``save`` clears the rendered sheet); per document
  ``render_book([ctx])`` + ``save(BytesIO())``.
* docgen: ``tpl = docgen.Template(path)`` once (reported separately as the
  compile time), then ``tpl.render(ctx)`` -> bytes per document.

Rounds are interleaved (openpyxl batch, xltpl batch, docgen batch, openpyxl, ...)
so machine noise hits every engine alike; the figure reported is the median over
rounds of the per-document time of each batch. One untimed warm-up document per
engine runs first.

Correctness: every document of the first round is read back with openpyxl, for
every engine: the 40 fields, the item rows (values, per-row formula, number
formats), no tag left, the signature merges at their shifted position and none
left over the item rows, the subtotal / VAT / total formulas, the print area; and,
with ``data_only=True``, whether the file carries *cached* totals equal to the
Decimal-computed ones (docgen must; openpyxl writes none). A failed docgen check
makes the exit status 1 (timings are still printed first); the other engines'
shortcomings are reported as facts.
"""
from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as dt
import gc
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(HERE), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)

import make_xlsx_template as mk
import openpyxl

ENGINES = ("openpyxl", "xltpl", "docgen")

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

CLIENTS = [
    ("주식회사 한빛미디어", "김한빛", "서울특별시 마포구 양화로 45, 8층"),
    ("서울바이오 주식회사", "이서준", "서울특별시 강남구 테헤란로 311"),
    ("Blue Harbor Logistics Ltd.", "Daniel Park", "12 Harbour Road, Wan Chai, Hong Kong"),
    ("주식회사 다온푸드", "박다온", "경기도 성남시 분당구 판교역로 235"),
    ("한강건설 주식회사", "최한강", "서울특별시 영등포구 여의대로 24"),
    ("上海星辰贸易有限公司", "王伟", "上海市浦东新区世纪大道 88 号"),
]
PEOPLE = ["김민준", "이서연", "박지훈", "최수아", "정우성", "Emily Chen", "王伟", "李娜"]
DEPTS = ["마케팅팀", "R&D센터", "구매팀", "경영지원팀", "브랜드전략실"]
ITEMS = [
    "웹사이트 리뉴얼 기획", "브랜드 아이덴티티 개발", "소셜 미디어 운영 (월간)",
    "검색 광고 집행 대행", "보도자료 작성 및 배포", "현장 이벤트 기획·운영",
    "인플루언서 캠페인 관리", "시장 조사 보고서 (한·중)", "번역 및 현지화",
    "영상 촬영 및 편집", "데이터 분석 월간 리포트", "Landing page A/B testing",
    "전시회 부스 디자인", "CRM 이메일 자동화 구축", "UX 사용성 테스트",
]
SPECS = ["1식", "월 1회", "4주", "10건", "A4 20p", "30초 x 2편", "3개 언어", "1,000명 패널"]
NOTES = ["", "부가세 별도", "선금 30%", "2차 수정 포함", "원본 파일 제공", "긴급"]
BANKS = [("국민은행", "123-456-789012"), ("신한은행", "110-234-567890"),
         ("하나은행", "357-910111-21304"), ("우리은행", "1002-345-678901")]


def make_context(i: int, n_rows: int = 30) -> dict[str, Any]:
    """Deterministic context number ``i`` (documents in a batch all differ)."""
    rnd = random.Random(2000 + i)
    client, ceo, address = CLIENTS[i % len(CLIENTS)]
    items: list[dict[str, Any]] = []
    for r in range(n_rows):
        items.append({
            "description": ITEMS[(i + r) % len(ITEMS)],
            "spec": SPECS[rnd.randrange(len(SPECS))],
            "qty": rnd.randint(1, 24),
            "unit_price": rnd.randrange(15_000, 4_800_000),  # not a multiple of 10
            "note": NOTES[rnd.randrange(len(NOTES))],
        })
    subtotal = sum(Decimal(it["qty"]) * Decimal(it["unit_price"]) for it in items)
    issue = dt.date(2025, 1, 1) + dt.timedelta(days=(i * 11) % 360)
    bank, account = BANKS[i % len(BANKS)]
    deposit_pct = (10, 20, 30)[i % 3]
    return {
        "doc_no": f"INV-2025-{i + 1:05d}",
        "issue_date": issue,
        "due_date": issue + dt.timedelta(days=30),
        "order_no": f"SO-{rnd.randrange(10_000, 99_999)}",
        "project_name": f"{client} 2025 통합 마케팅",
        "client_name": client,
        "client_reg_no": f"{rnd.randrange(100, 999)}-{rnd.randrange(10, 99)}-"
                         f"{rnd.randrange(10_000, 99_999)}",
        "client_ceo": ceo,
        "client_address": address,
        "client_phone": f"02-{rnd.randrange(100, 9999)}-{rnd.randrange(1000, 9999)}",
        "client_email": f"ap{i % 23}@client{i % 6}.example",
        "client_contact": PEOPLE[(i * 3) % len(PEOPLE)],
        "client_dept": DEPTS[i % len(DEPTS)],
        "contract_date": issue - dt.timedelta(days=45),
        "delivery_date": issue - dt.timedelta(days=3),
        "delivery_place": address,
        "payment_terms": "세금계산서 발행 후 30일 이내 현금 / Net 30",
        "payment_days": 30,
        "currency": "KRW",
        "exchange_rate": Decimal("0.000720") + Decimal(i % 13) / 1_000_000,
        "supplier_name": "한중 크리에이티브 파트너스",
        "supplier_reg_no": "123-45-67890",
        "supplier_ceo": "홍길동",
        "supplier_address": "서울특별시 중구 세종대로 110, 12층",
        "supplier_phone": "02-1234-5678",
        "supplier_email": "billing@hanzhong-creative.example",
        "manager_name": PEOPLE[i % len(PEOPLE)],
        "manager_phone": f"010-{rnd.randrange(1000, 9999)}-{rnd.randrange(1000, 9999)}",
        "bank_name": bank,
        "bank_account": account,
        "account_holder": "(주)한중크리에이티브",
        "swift_code": "CZNBKRSE",
        "tax_type": "과세 (10%)",
        "vat_rate": 10,
        "deposit_pct": deposit_pct,
        "deposit_amount": int(subtotal) * deposit_pct // 100,
        "quote_ref": f"Q-2025-{(i * 7) % 1000:04d}",
        "po_number": f"PO{rnd.randrange(1_000_000, 9_999_999)}",
        "version": f"1.{i % 4}",
        "remarks": "납품 후 검수 완료 시 잔금 지급 & 세금계산서 발행",
        "items": items,
    }


def expected_totals(ctx: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """Subtotal, VAT (ROUNDDOWN(subtotal*0.1, 0)) and total, in Decimal."""
    sub = sum((Decimal(it["qty"]) * Decimal(it["unit_price"]) for it in ctx["items"]),
              Decimal(0))
    vat = (sub * Decimal("0.1")).quantize(Decimal(1), rounding=ROUND_DOWN)
    return sub, vat, sub + vat


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


def openpyxl_renderer(path: Path) -> Callable[[dict[str, Any]], bytes]:
    """The hand-written openpyxl batch loop (load, fill, insert rows, fix up, save)."""
    from openpyxl import load_workbook

    loop = mk.LOOP_ROW
    cols = range(1, len(mk.COLUMNS) + 1)

    def render(ctx: dict[str, Any]) -> bytes:
        wb = load_workbook(path)
        ws = wb[mk.SHEET_TITLE]
        for key, ref in mk.FIELD_CELLS.items():
            ws[ref].value = ctx[key]

        items = ctx["items"]
        extra = len(items) - 1
        if extra > 0:
            # insert_rows moves cells only: merges, row heights and the print area
            # below the loop row stay where they were and must be moved by hand.
            below = [r for r in ws.merged_cells.ranges if r.min_row > loop]
            for rng in below:
                ws.unmerge_cells(rng.coord)
            heights = {r: d.height for r, d in ws.row_dimensions.items()
                       if r > loop and d.height is not None}
            ws.insert_rows(loop + 1, extra)
            for r in heights:
                ws.row_dimensions[r].height = None
            for r, h in heights.items():
                ws.row_dimensions[r + extra].height = h
            for rng in below:
                rng.shift(row_shift=extra)
                ws.merge_cells(rng.coord)
            src = [ws.cell(loop, c) for c in cols]
            height = ws.row_dimensions[loop].height
            for r in range(loop + 1, loop + 1 + extra):
                for c, s in zip(cols, src):
                    if s.has_style:
                        ws.cell(r, c)._style = copy.copy(s._style)
                ws.row_dimensions[r].height = height
        for n, it in enumerate(items):
            r = loop + n
            ws.cell(r, 1).value = n + 1
            ws.cell(r, 2).value = it["description"]
            ws.cell(r, 3).value = it["spec"]
            ws.cell(r, 4).value = it["qty"]
            ws.cell(r, 5).value = it["unit_price"]
            ws.cell(r, 6).value = f"=D{r}*E{r}"
            ws.cell(r, 7).value = it["note"]
        shift = max(extra, 0)
        sub, vat, tot = (mk.SUBTOTAL_ROW + shift, mk.VAT_ROW + shift, mk.TOTAL_ROW + shift)
        ws[f"F{sub}"] = f"=SUM(F{loop}:F{loop + len(items) - 1})"
        ws[f"F{vat}"] = f"=ROUNDDOWN(F{sub}*0.1,0)"
        ws[f"F{tot}"] = f"=F{sub}+F{vat}"
        ws.print_area = f"A1:G{mk.LAST_ROW + shift}"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    return render


def xltpl_writer(path: Path) -> Any:
    from xltpl.writerx import BookWriter

    return BookWriter(str(path))


def xltpl_renderer(writer: Any) -> Callable[[dict[str, Any]], bytes]:
    """One reused ``BookWriter``: ``render_book([ctx])`` + ``save`` per document."""

    def render(ctx: dict[str, Any]) -> bytes:
        writer.render_book([ctx])
        buf = io.BytesIO()
        writer.save(buf)
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


def _timed(make: Callable[[], Any], repeat: int = 5) -> tuple[Any, list[float]]:
    """``make()`` ``repeat`` times; the first result and every duration."""
    times: list[float] = []
    first = None
    for k in range(repeat):
        t0 = time.perf_counter()
        obj = make()
        times.append(time.perf_counter() - t0)
        if k == 0:
            first = obj
    return first, times


# ---------------------------------------------------------------------------
# Checks (read back with openpyxl)
# ---------------------------------------------------------------------------

CHECKS = ("fields", "items", "no tags", "merges", "formulas", "print area")


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dt.date) and not isinstance(expected, dt.datetime):
        return isinstance(actual, dt.datetime) and actual.date() == expected and \
            actual.time() == dt.time(0)
    if isinstance(expected, (int, Decimal)) and not isinstance(expected, bool):
        if isinstance(actual, bool) or not isinstance(actual, (int, float, Decimal)):
            return False
        return Decimal(str(actual)) == Decimal(expected)
    if expected == "":
        return actual in ("", None)
    return bool(actual == expected)


def _dec(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(str(value))


_TEMPLATE_MERGES: list[tuple[int, int, int, int]] = []


def expected_merges(shift: int) -> set[str]:
    """The template's merged ranges with those below the loop row moved by ``shift``."""
    if not _TEMPLATE_MERGES:
        ws = mk.build_workbook("plain")[mk.SHEET_TITLE]
        _TEMPLATE_MERGES.extend((r.min_col, r.min_row, r.max_col, r.max_row)
                                for r in ws.merged_cells.ranges)
    out = set()
    for c1, r1, c2, r2 in _TEMPLATE_MERGES:
        d = shift if r1 > mk.LOOP_ROW else 0
        out.add(f"{mk.COLUMNS[c1 - 1]}{r1 + d}:{mk.COLUMNS[c2 - 1]}{r2 + d}")
    return out


def check_output(data: bytes, ctx: dict[str, Any]) -> tuple[dict[str, list[str]], bool, str]:
    """Problems per check, whether the cached totals are right, and the cached values."""
    problems: dict[str, list[str]] = {c: [] for c in CHECKS}
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        wbv = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever openpyxl raises is the finding
        problems["fields"].append(f"openpyxl cannot open the output: {exc!r}")
        return problems, False, "unreadable"
    if mk.SHEET_TITLE not in wb.sheetnames:
        problems["fields"].append(f"no sheet {mk.SHEET_TITLE!r} (sheets: {wb.sheetnames})")
        return problems, False, "no sheet"
    ws, wsv = wb[mk.SHEET_TITLE], wbv[mk.SHEET_TITLE]
    items = ctx["items"]
    n = len(items)
    shift = max(n - 1, 0)
    loop = mk.LOOP_ROW
    last_item = loop + n - 1

    for key, ref in mk.FIELD_CELLS.items():
        if not _same(ws[ref].value, ctx[key]):
            problems["fields"].append(f"{ref} ({key}) is {ws[ref].value!r}, expected {ctx[key]!r}")

    for k, it in enumerate(items):
        r = loop + k
        want = [k + 1, it["description"], it["spec"], it["qty"], it["unit_price"],
                f"=D{r}*E{r}", it["note"]]
        got = [ws.cell(r, c).value for c in range(1, 8)]
        bad = [f"{mk.COLUMNS[c]}{r}={g!r} (expected {w!r})"
               for c, (g, w) in enumerate(zip(got, want)) if not _same(g, w)]
        bad += [f"{col}{r} number format {ws[f'{col}{r}'].number_format!r}"
                for col in "EF" if ws[f"{col}{r}"].number_format != "#,##0"]
        if bad:
            problems["items"].append("; ".join(bad[:3]))
    sub, vat, tot = (mk.SUBTOTAL_ROW + shift, mk.VAT_ROW + shift, mk.TOTAL_ROW + shift)
    if ws[f"D{sub}"].value != "공급가액 / Subtotal":
        problems["items"].append(f"row {sub} is not the subtotal row "
                                 f"(D{sub}={ws[f'D{sub}'].value!r}): wrong number of item rows")

    for row in ws.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, str) and any(t in v for t in ("{{", "}}", "{%", "%}")):
                problems["no tags"].append(f"tag left: {v[:60]!r}")

    merges = {str(r) for r in ws.merged_cells.ranges}
    want_merges = expected_merges(shift)
    sig = {f"{c1}{mk.SIG_LABEL_ROW + shift}:{c2}{mk.SIG_LABEL_ROW + shift}"
           for c1, c2 in mk.SIG_COLS}
    sig |= {f"{c1}{mk.SIG_BOX_ROWS[0] + shift}:{c2}{mk.SIG_BOX_ROWS[1] + shift}"
            for c1, c2 in mk.SIG_COLS}
    missing_sig = sorted(sig - merges)
    if missing_sig:
        problems["merges"].append(f"signature merges missing: {', '.join(missing_sig)}")
    elif merges != want_merges:
        missing, extra = sorted(want_merges - merges), sorted(merges - want_merges)
        problems["merges"].append(f"merged ranges differ: missing {', '.join(missing[:4]) or '-'}"
                                  f"; unexpected {', '.join(extra[:4]) or '-'}")

    want_f = {sub: f"=SUM(F{loop}:F{last_item})", vat: f"=ROUNDDOWN(F{sub}*0.1,0)",
              tot: f"=F{sub}+F{vat}"}
    for r, f in want_f.items():
        if ws[f"F{r}"].value != f:
            problems["formulas"].append(f"F{r} is {ws[f'F{r}'].value!r}, expected {f!r}")

    want_area = f"'{mk.SHEET_TITLE}'!$A$1:$G${mk.LAST_ROW + shift}"
    if ws.print_area != want_area:
        problems["print area"].append(f"print area {ws.print_area!r}, expected {want_area!r}")

    expected = expected_totals(ctx)
    cached = [_dec(wsv[f"F{r}"].value) for r in (sub, vat, tot)]
    rows_ok = all(_dec(wsv.cell(loop + k, 6).value) == Decimal(it["qty"]) * Decimal(it["unit_price"])
                  for k, it in enumerate(items))
    cached_ok = cached == list(expected) and rows_ok
    shown = "none" if all(c is None for c in cached) else "/".join(str(c) for c in cached)
    return problems, cached_ok, shown


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def time_batch(render: Callable[[dict[str, Any]], bytes], contexts: list[dict[str, Any]],
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
    """Like ``strip_dirs()`` but keeps the package path (docgen/render/x.py), so
    same-named modules stay distinguishable."""
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
    ap = argparse.ArgumentParser(description="docgen vs openpyxl vs xltpl Excel batch benchmark")
    ap.add_argument("--docs", type=int, default=20, help="documents per batch (default 20)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds per engine (default 5)")
    ap.add_argument("--rows", type=int, default=30, help="item rows per document (default 30)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help=f"comma list of engines to run (default {','.join(ENGINES)})")
    ap.add_argument("--profile", action="store_true",
                    help="afterwards, cProfile docgen renders and print the top 15")
    ap.add_argument("--profile-docs", type=int, default=200,
                    help="number of docgen renders under the profiler (default 200)")
    ap.add_argument("--keep", metavar="DIR",
                    help="write the templates and one output per engine to DIR")
    args = ap.parse_args(argv)

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown or not engines:
        ap.error(f"unknown engine(s): {', '.join(sorted(unknown)) or '(none)'}")
    engines = [e for e in ENGINES if e in engines]  # fixed order
    if args.docs < 1 or args.rounds < 1 or args.rows < 1:
        ap.error("--docs, --rounds and --rows must be >= 1")

    if "docgen" in engines or args.profile:
        why = docgen_available()
        if why:
            print(f"docgen is not usable: {why}\n"
                  "Run with --engines openpyxl,xltpl to benchmark the others alone.",
                  file=sys.stderr)
            return 2

    if args.keep:
        return run(args, engines, Path(args.keep))
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        return run(args, engines, Path(tmp))


def run(args: argparse.Namespace, engines: list[str], workdir: Path) -> int:
    """Generate the templates in ``workdir``, time, check, profile; return the exit status."""
    templates = mk.build_templates(workdir)
    contexts = [make_context(i, args.rows) for i in range(args.docs)]

    from importlib.metadata import version
    versions = ", ".join(f"{m} {version(m)}" for m in ("openpyxl", "xltpl"))
    print(f"python {sys.version.split()[0]}, {versions}, {os.cpu_count()} CPUs")
    for name, path in templates.items():
        print(f"template ({name}): {path} ({path.stat().st_size:,} bytes)")
    print(f"{args.rounds} interleaved rounds x {args.docs} docs, {args.rows} item rows each\n")

    renderers: dict[str, Callable[[dict[str, Any]], bytes]] = {}
    engine_contexts: dict[str, list[dict[str, Any]]] = {}
    setup_s: dict[str, list[float]] = {}
    tpl: Any = None
    if "openpyxl" in engines:
        renderers["openpyxl"] = openpyxl_renderer(templates["plain"])
        engine_contexts["openpyxl"] = contexts
    if "xltpl" in engines:
        writer, setup_s["xltpl"] = _timed(lambda: xltpl_writer(templates["xltpl"]))
        renderers["xltpl"] = xltpl_renderer(writer)
        # the rendered sheet is named after the payload's sheet_name (default "sheet0")
        engine_contexts["xltpl"] = [dict(c, sheet_name=mk.SHEET_TITLE) for c in contexts]
    if "docgen" in engines:
        template_cls = _docgen_template_class()
        tpl, setup_s["docgen"] = _timed(lambda: template_cls(str(templates["docgen"])))
        renderers["docgen"] = tpl.render
        engine_contexts["docgen"] = contexts

    # Warm-up (imports, caches; xltpl compiles its sheet template here), untimed.
    for name, render in renderers.items():
        render(engine_contexts[name][0])

    per_doc: dict[str, list[float]] = {name: [] for name in renderers}
    outputs: dict[str, list[bytes]] = {name: [] for name in renderers}
    for rnd in range(args.rounds):
        for name, render in renderers.items():
            keep = outputs[name] if rnd == 0 else None
            per_doc[name].append(time_batch(render, engine_contexts[name], keep) / args.docs)
        line = "  ".join(f"{n} {fmt_ms(per_doc[n][-1]).strip()} ms/doc" for n in renderers)
        print(f"round {rnd + 1}/{args.rounds}: {line}")

    # ---- correctness (first round, every document) -----------------------------
    failed = False
    passed: dict[str, dict[str, int]] = {}
    cached_ok: dict[str, int] = {}
    cached_seen: dict[str, str] = {}
    for name, outs in outputs.items():
        passed[name] = {c: 0 for c in CHECKS}
        cached_ok[name] = 0
        first_problem: dict[str, tuple[int, str]] = {}
        for i, data in enumerate(outs):
            problems, ok, shown = check_output(data, contexts[i])
            cached_ok[name] += ok
            if i == 0:
                cached_seen[name] = shown
            for check, found in problems.items():
                if found:
                    first_problem.setdefault(check, (i, found[0]))
                else:
                    passed[name][check] += 1
        for check, (i, problem) in first_problem.items():
            bad = len(outs) - passed[name][check]
            label = "CHECK FAILED" if name == "docgen" else "shortcoming"
            print(f"{label} [{name}] {check}: {bad}/{len(outs)} docs, e.g. doc {i}: {problem}")
            failed |= name == "docgen"
        if name == "docgen" and cached_ok[name] != len(outs):
            print(f"CHECK FAILED [docgen] cached totals: right in {cached_ok[name]}/{len(outs)} "
                  f"docs (doc 0 has {cached_seen[name]}, expected "
                  f"{'/'.join(map(str, expected_totals(contexts[0])))})")
            failed = True

    # ---- summary ------------------------------------------------------------------
    med = {n: statistics.median(v) for n, v in per_doc.items()}
    n_out = args.docs
    print(f"\nengine     ms/doc (median)      min       max    docs/s   checks passed "
          f"(of {n_out} docs)")
    for n in renderers:
        failing = [c for c in CHECKS if passed[n][c] != n_out]
        verdict = "all" if not failing else "fails: " + ", ".join(
            f"{c} ({n_out - passed[n][c]})" for c in failing)
        print(f"{n:10s} {fmt_ms(med[n])}       {fmt_ms(min(per_doc[n]))} {fmt_ms(max(per_doc[n]))}"
              f"  {1 / med[n]:8.1f}   {verdict}")
    print("\ncached totals (data_only=True, F subtotal/VAT/total and every row amount):")
    exp = "/".join(map(str, expected_totals(contexts[0])))
    for n in renderers:
        verdict = "yes" if cached_ok[n] == n_out else ("no" if cached_ok[n] == 0
                                                        else f"{cached_ok[n]}/{n_out} docs")
        print(f"  {n:10s} {verdict:4s} (doc 0: {cached_seen.get(n, '-')}; expected {exp})")
    for n, times in setup_s.items():
        what = "Template(path)" if n == "docgen" else "BookWriter(path)"
        print(f"{n} one-time {what}: first {times[0] * 1000:.2f} ms, "
              f"median of next {len(times) - 1}: {statistics.median(times[1:]) * 1000:.2f} ms")
    if "docgen" in med:
        compile_first = setup_s["docgen"][0]
        batch_docgen = compile_first + med["docgen"] * args.docs
        for other in ("openpyxl", "xltpl"):
            if other not in med:
                continue
            ratio = med[other] / med["docgen"]
            batch_other = med[other] * args.docs + (setup_s[other][0] if other in setup_s else 0)
            target = ""
            if other == "openpyxl":
                target = f" ({'meets' if ratio >= 5 else 'BELOW'} the 5x target)"
            incl = "one compile" + (" / one BookWriter load" if other == "xltpl" else "")
            print(f"throughput ratio {other}/docgen: {ratio:.1f}x{target}; "
                  f"including {incl} per batch of {args.docs}: {batch_other / batch_docgen:.1f}x")

    if args.keep:
        for name, outs in outputs.items():
            if outs:
                (workdir / f"out_{name}_0.xlsx").write_bytes(outs[0])
        print(f"templates and outputs written to {workdir}")

    # ---- profile ------------------------------------------------------------------
    if args.profile:
        if tpl is None:
            tpl = _docgen_template_class()(str(templates["docgen"]))
        prof = cProfile.Profile()
        prof.enable()
        for k in range(args.profile_docs):
            tpl.render(contexts[k % len(contexts)])
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
