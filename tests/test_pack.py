"""docgen pack: one client's PDFs of a period in one file, a bookmark per document.

Most tests pack tiny PDFs written here byte by byte (no LibreOffice) and read the pack
back with pypdf: pages, their text (whose document each page is), the bookmarks and
where they point. One test packs real PDFs of a LibreOffice batch."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any, Optional, Sequence

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from docgen.cli import main
from docgen.i18n.locale import DocLocale
from docgen.kinds import builtin
from docgen.pack import bookmark_title, document_facts, items_from_manifest, pack

from tests.support import REPO


def tiny_pdf(text: str, pages: int = 1) -> bytes:
    """A valid PDF whose page i shows ``text pi`` in Helvetica (ASCII ``text`` only)."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        stream = f"BT /F1 14 Tf 40 100 Td ({text} p{i + 1}) Tj ET".encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources "
                    f"<< /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                                  xref)
    return bytes(out)


def write_batch(folder: Path, docs: Sequence[dict[str, Any]], kind: str = "weekly") -> Path:
    """A batch folder: each doc's PDF (``text``, ``pages``) and a manifest naming it."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, doc in enumerate(docs):
        outputs: list[dict[str, str]] = []
        entry: dict[str, Any] = {"record": i, "source": {"file": "tasks.xlsx", "row": i + 2},
                                 "locale": "ko", "client": doc.get("client"),
                                 "date": doc.get("date"), "outputs": outputs}
        for key in ("title", "number", "job_number", "kind"):
            if key in doc:
                entry[key] = doc[key]
        if doc.get("pdf", True):
            data = tiny_pdf(doc.get("text", f"doc{i}"), doc.get("pages", 1))
            name = f"{kind}_{i}.pdf"
            (folder / name).write_bytes(data)
            outputs.append({"path": name, "sha256": hashlib.sha256(data).hexdigest()})
        entries.append(entry)
    manifest = {"kind": kind, "input": "tasks.xlsx", "documents": entries,
                "skipped_records": []}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                          encoding="utf-8")
    return folder


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def outline(path: Path) -> list[tuple[str, int, int]]:
    """(title, first page, depth) of every bookmark."""
    reader = PdfReader(str(path))
    found: list[tuple[str, int, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)
                assert page is not None
                found.append((str(item.title), page, depth))
    walk(reader.outline, 0)
    return found


def page_texts(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(str(path)).pages]


# --- the bookmark titles ------------------------------------------------------------------

WEEK = {"kind": "weekly", "client": "Acme", "date": "2026-11-30"}


@pytest.mark.parametrize("code, expected", [
    ("ko", "주간 업무 보고 · 2026년 12월 1주차 · 2026년 11월 30일"),
    ("zh-CN", "工作周报 · 2026年第49周 · 2026年11月30日"),
    ("zh-TW", "工作週報 · 2026年第49週 · 2026年11月30日"),
    ("en", "Weekly Report · Week 49, 2026 · November 30, 2026"),
])
def test_a_weekly_bookmark_is_kind_week_and_date_in_the_users_language(
        tmp_path: Path, code: str, expected: str) -> None:
    folder = write_batch(tmp_path / "b", [WEEK])
    out = tmp_path / "pack.pdf"
    pack(items_from_manifest(folder), out, client="Acme", locale=DocLocale.parse(code))
    assert outline(out) == [(expected, 0, 0)]


def test_a_bookmark_names_the_number_and_title(tmp_path: Path) -> None:
    folder = write_batch(tmp_path / "b", [
        {"kind": "invoice", "client": "한일식품", "date": "2026-12-01", "number": "INV-2026-0007"},
        {"kind": "brief", "client": "한일식품", "date": "2026-11-02", "job_number": "J-100",
         "title": "봄 캠페인 포스터"},
    ], kind="invoice")
    out = tmp_path / "pack.pdf"
    pack(items_from_manifest(folder), out, client="한일식품", locale=DocLocale.parse("ko"))
    titles = [t for t, _, _ in outline(out)]
    assert titles == ["크리에이티브 브리프 · J-100 · 봄 캠페인 포스터 · 2026년 11월 2일",
                      "세금계산서 발행 요청서 · INV-2026-0007 · 2026년 12월 1일"]


def test_document_facts_read_client_title_number_and_date_from_the_record() -> None:
    brief = builtin("brief")
    assert brief is not None
    facts = document_facts(brief, {"client": {"name": "Acme Korea", "tax_id": "1"},
                                   "project": "Poster", "job_number": "J-1",
                                   "issued_date": "2026-03-02", "document_number": "BRF-1"})
    assert facts == {"client": "Acme Korea", "title": "Poster", "number": "BRF-1",
                     "job_number": "J-1", "date": "2026-03-02"}
    minutes = builtin("minutes")
    assert minutes is not None
    assert document_facts(minutes, {"title": "내부 회의", "date": "2026-01-05"}) == {
        "client": None, "title": "내부 회의", "date": "2026-01-05"}


# --- order, pages, the period -----------------------------------------------------------

def test_documents_are_packed_oldest_first_each_bookmark_at_its_first_page(
        tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [
        {"client": "Acme", "date": "2026-11-30", "text": "third", "pages": 2},
        {"client": "Acme", "date": "2026-11-16", "text": "first", "pages": 1},
        {"client": "Acme", "date": "2026-11-23", "text": "second", "pages": 3},
    ])
    out = tmp_path / "acme.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "-l", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "3 document(s), 6 page(s) of Acme" in result.stderr
    texts = page_texts(out)
    assert [t.split()[0] for t in texts] == ["first", "second", "second", "second",
                                             "third", "third"]
    assert [(page, depth) for _, page, depth in outline(out)] == [(0, 0), (1, 0), (4, 0)]
    assert PdfReader(str(out)).page_mode == "/UseOutlines"


def test_from_and_to_keep_the_period_inclusive_across_several_batches(
        tmp_path: Path, runner: CliRunner) -> None:
    nov = write_batch(tmp_path / "nov", [{"client": "Acme", "date": "2026-11-30", "text": "nov30"},
                                         {"client": "Acme", "date": "2026-11-02", "text": "nov02"}])
    dec = write_batch(tmp_path / "dec", [{"client": "Acme", "date": "2026-12-07", "text": "dec07"},
                                         {"client": "Acme", "date": "2026-12-01", "text": "dec01"}])
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(nov), str(dec / "manifest.json"), "-o", str(out),
                 "--from", "2026-11-30", "--to", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    assert [t.split()[0] for t in page_texts(out)] == ["nov30", "dec01"]


def test_no_document_in_the_period_is_an_input_error(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-30"}])
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "--from", "2026-12-01", "-l", "ko")
    assert result.exit_code == 1
    assert "Acme" in result.stderr and "이 기간" in result.stderr
    assert not out.exists()


def test_from_after_to_is_a_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-30"}])
    result = run(runner, "pack", str(folder), "-o", str(tmp_path / "p.pdf"),
                 "--from", "2026-12-01", "--to", "2026-11-01", "-l", "en")
    assert result.exit_code == 2 and "--from 2026-12-01 is after --to 2026-11-01" in result.stderr


# --- never two clients in one pack ------------------------------------------------------

def test_several_clients_without_client_are_refused(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-30"},
                                          {"client": "蓝海零售", "date": "2026-11-30"}])
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "-l", "zh-CN")
    assert result.exit_code == 2
    assert "Acme" in result.stderr and "蓝海零售" in result.stderr and "--client" in result.stderr
    assert not out.exists()


def test_each_of_24_clients_gets_only_its_own_pages(tmp_path: Path) -> None:
    clients = [f"Client {n:02d}" for n in range(24)]
    docs = [{"client": c if w % 2 else c.upper().replace(" ", "  "),  # same client, spelt apart
             "date": f"2026-11-{2 + 7 * w:02d}", "text": f"c{n:02d}w{w}"}
            for w in range(4) for n, c in enumerate(clients)]
    folder = write_batch(tmp_path / "b", docs)
    items = items_from_manifest(folder)
    for n, client in enumerate(clients):
        out = tmp_path / f"{n}.pdf"
        result = pack(items, out, client=client, locale=DocLocale.parse("ko"))
        assert result.client == client.upper().replace(" ", "  ")  # as first seen
        assert [t.split()[0] for t in page_texts(out)] == [f"c{n:02d}w{w}" for w in range(4)]


def test_a_client_name_matches_whole_never_as_a_part(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme Korea", "date": "2026-11-30",
                                           "text": "korea"},
                                          {"client": "Acme China", "date": "2026-11-30",
                                           "text": "china"}])
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "--client", "Acme", "-l", "en")
    assert result.exit_code == 1 and not out.exists()
    result = run(runner, "pack", str(folder), "-o", str(out), "--client", "ａｃｍｅ korea")
    assert result.exit_code == 0, result.stderr
    assert [t.split()[0] for t in page_texts(out)] == ["korea"]


def test_a_document_of_no_client_is_never_packed(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": None, "date": "2026-11-30", "text": "inner"},
                                          {"client": "Acme", "date": "2026-11-30", "text": "acme"}])
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert [t.split()[0] for t in page_texts(out)] == ["acme"]


# --- bad inputs: every problem at once, located, nothing written ---------------------------

def test_missing_changed_and_non_pdf_files_are_all_reported(tmp_path: Path,
                                                             runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": f"2026-11-0{d}"}
                                          for d in range(1, 5)])
    (folder / "weekly_0.pdf").unlink()
    (folder / "weekly_1.pdf").write_bytes(tiny_pdf("another client"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    junk = b"PK\x03\x04 not a pdf"
    (folder / "weekly_2.pdf").write_bytes(junk)
    manifest["documents"][2]["outputs"][0]["sha256"] = hashlib.sha256(junk).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "-l", "en")
    assert result.exit_code == 1
    err = result.stderr
    assert f"{folder / 'weekly_0.pdf'}: this PDF is named in {folder / 'manifest.json'}" in err
    assert f"{folder / 'weekly_1.pdf'}: this file changed after docgen wrote it" in err
    assert f"{folder / 'weekly_2.pdf'}: not a PDF file" in err
    assert "3 problem(s) found; nothing was written." in err
    assert not out.exists()


def test_an_unreadable_pdf_is_located_and_nothing_written(tmp_path: Path,
                                                         runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-02"}])
    broken = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
    (folder / "weekly_0.pdf").write_bytes(broken)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"][0]["outputs"][0]["sha256"] = hashlib.sha256(broken).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "p.pdf"
    result = run(runner, "pack", str(folder), "-o", str(out), "-l", "ko")
    assert result.exit_code == 1
    assert str(folder / "weekly_0.pdf") in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".docgen-*"))


def test_a_record_without_a_pdf_says_how_to_make_one(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-02", "pdf": False}])
    result = run(runner, "pack", str(folder), "-o", str(tmp_path / "p.pdf"), "-l", "ko")
    assert result.exit_code == 1 and "-f pdf" in result.stderr


@pytest.mark.parametrize("content, expected", [
    (None, "no batch manifest here"),
    ("{not json", "not a docgen batch manifest"),
    ('{"kind": "weekly", "documents": [{"record": 0, "outputs": []}]}', "older docgen"),
])
def test_bad_sources_are_input_errors(tmp_path: Path, runner: CliRunner,
                                      content: Optional[str], expected: str) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    if content is not None:
        (folder / "manifest.json").write_text(content, encoding="utf-8")
    result = run(runner, "pack", str(folder), "-o", str(tmp_path / "p.pdf"), "-l", "en")
    assert result.exit_code == 1
    assert expected in result.stderr and "manifest.json" in result.stderr


def test_an_existing_pack_is_kept_without_force(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_batch(tmp_path / "b", [{"client": "Acme", "date": "2026-11-02"}])
    out = tmp_path / "p.pdf"
    out.write_bytes(b"keep me")
    result = run(runner, "pack", str(folder), "-o", str(out))
    assert result.exit_code == 4 and "--force" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert run(runner, "pack", str(folder), "-o", str(out), "--force").exit_code == 0
    assert len(PdfReader(str(out)).pages) == 1


def test_no_source_and_no_ledger_is_a_usage_error(tmp_path: Path, runner: CliRunner,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "pack", "-o", "p.pdf", "--client", "Acme", "-l", "en")
    assert result.exit_code == 2 and "[ledger]" in result.stderr


# --- from the ledger ------------------------------------------------------------------------

def test_pack_from_the_ledger_takes_the_latest_revision_of_issued_pdfs(
        tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.ledger import open_ledger

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docgen.toml").write_text(
        '[ledger]\nurl = "sqlite:///ledger.db"\narchive = "archive"\n', encoding="utf-8")
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", archive=tmp_path / "archive")
    try:
        def issue(client: str, day: str, text: str, number: str = "") -> str:
            record = {"client": {"name": client}, "week_start": day, "author": "Kim",
                      "tasks": [], "document_number": number}
            row = ledger.issue("weekly", record, {"pdf": tiny_pdf(text)},
                               number_field="document_number")
            return str(row["number"])
        first = issue("한일식품", "2026-11-02", "old")
        issue("한일식품", "2026-11-02", "revised", number=first)  # -R1 replaces it
        issue("蓝海零售", "2026-11-09", "other")
        voided = issue("한일식품", "2026-11-16", "voided")
        ledger.void(voided, "wrong week")
        issue("한일식품", "2026-11-23", "week4")
        issue("한일식품", "2026-12-07", "december")
        ledger.issue("weekly", {"client": "한일식품", "week_start": "2026-11-24"}, {"docx": b"x"})
    finally:
        ledger.close()
    out = tmp_path / "pack.pdf"
    result = run(runner, "pack", "--client", "한일식품", "--from", "2026-11-01", "--to",
                 "2026-11-23", "-o", str(out), "-l", "ko")
    assert result.exit_code == 0, result.stderr
    assert [t.split()[0] for t in page_texts(out)] == ["revised", "week4"]
    assert [t for t, _, _ in outline(out)][0].startswith(f"주간 업무 보고 · {first}-R1 · ")
    # a document issued without a PDF in the period is reported, nothing written
    result = run(runner, "pack", "--client", "한일식품", "--from", "2026-11-01", "--to",
                 "2026-11-30", "-o", str(tmp_path / "p2.pdf"), "-l", "en")
    assert result.exit_code == 1 and "was issued without a PDF" in result.stderr
    assert not (tmp_path / "p2.pdf").exists()
    assert run(runner, "pack", "-o", str(out)).exit_code == 2  # the ledger needs --client


# --- real PDFs from LibreOffice -------------------------------------------------------------

def test_a_weekly_batch_packs_per_client_with_its_own_headings(
        tmp_path: Path, runner: CliRunner, soffice: str, pdftotext: str) -> None:
    out_dir = tmp_path / "wk"
    result = run(runner, "batch", "weekly", str(REPO / "samples" / "batch" / "weekly_tasks.xlsx"),
                 "--group-by", "client", "-f", "pdf", "-o", str(out_dir), "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    clients = {e["client"] for e in manifest["documents"]}
    assert len(clients) >= 2
    for n, client in enumerate(sorted(clients)):
        pack_path = tmp_path / f"{n}.pdf"
        result = run(runner, "pack", str(out_dir), "--client", client, "-o", str(pack_path),
                     "-l", "zh-CN")
        assert result.exit_code == 0, result.stderr
        mine = [e for e in manifest["documents"] if e["client"] == client]
        marks = outline(pack_path)
        top = [m for m in marks if m[2] == 0]
        assert len(top) == len(mine) and all(t.startswith("工作周报 · ") for t, _, _ in top)
        assert any(depth == 1 for _, _, depth in marks)  # the documents' own headings, nested
        text = subprocess.run([pdftotext, str(pack_path), "-"], capture_output=True,
                              check=True).stdout.decode()
        assert client in text
        for other in clients - {client}:
            assert other not in text
        pages = sum(len(PdfReader(io.BytesIO((out_dir / o["path"]).read_bytes())).pages)
                    for e in mine for o in e["outputs"])
        assert len(PdfReader(str(pack_path)).pages) == pages


def test_bookmark_title_without_date_is_the_label_and_names() -> None:
    from docgen.pack import PackItem

    item = PackItem(pdf=Path("x.pdf"), sha256=None, kind="minutes", client="A", date=None,
                    title="킥오프")
    assert bookmark_title(item, "회의록", DocLocale.parse("ko")) == "회의록 · 킥오프"
