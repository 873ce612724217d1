"""PDF conversion speed: a warm LibreOffice pool against starting LibreOffice.

    python benchmarks/bench_pdf.py                 # 20 one-page documents
    python benchmarks/bench_pdf.py --docs 40 --workers 2

One-page Word documents (Korean, Chinese and English text, CJK fonts) are converted:

* **per file**: one ``soffice --headless --convert-to pdf`` per document, one warm
  shared profile (the usual script);
* **per batch**: today's no-``uno`` path: all documents in one ``soffice`` call with a
  fresh profile (what each ``docgen batch`` worker did per share), start-up included;
* **pool**: :class:`docgen.pdfpool.PdfPool` — the first PDF from a warm pool (goal
  < 1 s), then the documents one after another on one worker (one LibreOffice ≈ one
  core: PDFs per second per core, goal ≥ 5), and on ``--workers`` workers from as
  many threads; the pool's start-up (cold profile) is shown apart.

Every PDF is checked (``%PDF-`` and one page, :func:`docgen.convert.check_pdf`).
The machine may be shared: compare the ratios more than the absolute times.
Exit status 0 when every conversion succeeded (goals met or not), 1 otherwise, 2 when
LibreOffice or a Python with ``uno`` is missing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from docgen.convert import check_pdf, find_soffice, pdf_page_count, soffice_env, to_pdf
from docgen.pdfpool import PdfPool, uno_python

LINES = ["주간 업무 보고 — 한라식품 뷰티 캠페인 진행 현황", "上海星辰贸易 工作周报：本周完成事项与下周计划",
         "台北晨曦設計 工作週報：本週完成事項", "Weekly report: creative review, media plan, budget"]


def make_docs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    doc = Document()
    for style in ("Normal", "Heading 1"):
        rfonts = doc.styles[style].element.get_or_add_rPr().get_or_add_rFonts()
        rfonts.set(qn("w:eastAsia"), "맑은 고딕")
    doc.add_heading(LINES[0], level=1)
    for i in range(12):
        doc.add_paragraph(f"{i + 1}. " + LINES[i % len(LINES)])
    first = folder / "doc000.docx"
    doc.save(str(first))
    out = [first]
    for i in range(1, n):
        path = folder / f"doc{i:03d}.docx"
        shutil.copy(first, path)
        out.append(path)
    return out


def per_file(soffice: str, docs: list[Path], work: Path) -> float:
    profile = work / "shared-profile"
    env = soffice_env()
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work / "warmup"), str(docs[0])],
                   capture_output=True, env=env, check=True)  # the profile is warm
    out = work / "per-file"
    start = time.perf_counter()
    for d in docs:
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(out), str(d)],
                       capture_output=True, env=env, check=True)
    took = time.perf_counter() - start
    for d in docs:
        check_pdf(out / f"{d.stem}.pdf", d)
    return took


def per_batch(docs: list[Path], work: Path) -> float:
    os.environ["DOCGEN_PDF_POOL"] = "off"
    try:
        start = time.perf_counter()
        to_pdf(docs, work / "per-batch", profile_dir=work / "fresh-profile")
        return time.perf_counter() - start
    finally:
        os.environ.pop("DOCGEN_PDF_POOL", None)


def pool_runs(docs: list[Path], work: Path, workers: int) -> dict[str, float]:
    out: dict[str, float] = {}
    start = time.perf_counter()
    with PdfPool(workers=max(1, workers)) as pool:
        pool.start()
        out["start"] = time.perf_counter() - start
        t = time.perf_counter()
        pool.convert(docs[0], work / "pool-first" / "first.pdf")
        out["first"] = time.perf_counter() - t
        # one worker busy at a time: PDFs per second of one LibreOffice (one core)
        t = time.perf_counter()
        for d in docs:
            pool.convert(d, work / "pool-1" / f"{d.stem}.pdf")
        out["one"] = time.perf_counter() - t
        if workers > 1:
            t = time.perf_counter()
            queue = list(docs)
            lock = threading.Lock()

            def run() -> None:
                while True:
                    with lock:
                        if not queue:
                            return
                        d = queue.pop()
                    pool.convert(d, work / "pool-n" / f"{d.stem}.pdf")

            threads = [threading.Thread(target=run) for _ in range(workers)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            out["many"] = time.perf_counter() - t
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-per-file", action="store_true")
    args = ap.parse_args(argv)
    soffice = find_soffice()
    if soffice is None or uno_python(soffice) is None:
        print("needs LibreOffice and a Python with uno (apt-get install python3-uno)")
        return 2
    n = args.docs
    with tempfile.TemporaryDirectory(prefix="docgen-bench-pdf-") as tmp:
        work = Path(tmp)
        docs = make_docs(work / "docs", n)
        pages = pdf_page_count((to_pdf([docs[0]], work / "probe")[0]).read_bytes())
        print(f"{n} documents of {pages} page(s); {os.cpu_count()} cores; "
              f"pool workers: {args.workers}")
        pool = pool_runs(docs, work, args.workers)
        batch = per_batch(docs, work)
        single = None if args.skip_per_file else per_file(soffice, docs, work)
    rate_pool = n / pool["one"]
    print(f"pool start ({args.workers} worker(s), new profiles): {pool['start']:.2f} s")
    print(f"first PDF from the warm pool:   {pool['first']:.3f} s   (goal < 1 s)")
    print(f"pool, one worker:                {pool['one']:.2f} s  {rate_pool:.1f} PDFs/s per core "
          f"(goal >= 5)")
    if "many" in pool:
        print(f"pool, {args.workers} workers:                {pool['many']:.2f} s  "
              f"{n / pool['many']:.1f} PDFs/s")
    print(f"per batch (one soffice, fresh):  {batch:.2f} s  {n / batch:.1f} PDFs/s  "
          f"pool is {batch / pool['one']:.1f}x faster")
    if single is not None:
        print(f"per file (soffice each):         {single:.2f} s  {n / single:.2f} PDFs/s  "
              f"pool is {single / pool['one']:.1f}x faster")
    print(f"goals: first < 1 s: {'met' if pool['first'] < 1 else 'NOT met'}; "
          f">= 5 PDFs/s per core: {'met' if rate_pool >= 5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
