"""docgen batch: sheets, lists and folders in; one document per record or group out;
no client's data in another's document; nothing overwritten, nothing partial."""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from docgen.batch import run_batch
from docgen.cli import main
from docgen.errors import OutputError, ValidationFailed
from docgen.i18n.locale import DocLocale
from tests.support import REPO, builtin_kind

WEEKLY = builtin_kind("weekly")
assert WEEKLY is not None
LOCALES = ["ko", "zh-CN", "zh-TW", "en"]
TITLES = {"ko": "주간", "zh-CN": "周", "zh-TW": "週", "en": "Week"}


def clients(n: int) -> list[tuple[str, str]]:
    names = ["한일식품", "上海华阳", "台北山嵐", "Northline", "아리아코스메틱", "杭州青禾", "高雄海韻",
             "Bluepeak", "서울제약", "深圳星火", "台中木光", "Redwood"]
    return [(f"{names[i % len(names)]}{i:02d}", LOCALES[i % 4]) for i in range(n)]


def task_sheet(path: Path, n_clients: int = 24, tasks: int = 3) -> list[tuple[str, str]]:
    """One sheet of tasks for many clients, headers as labels in mixed languages."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tasks"
    ws.append(["고객사", "week_start", "author", "locale", "업무 내용", "状态", "Owner", "진행률(%)"])
    for client, loc in clients(n_clients):
        for t in range(tasks):
            ws.append([client, "2026-11-25", f"AE of {client}", loc, f"{client} 업무 {t}",
                       "done" if t == 0 else "in_progress", f"owner-{client}", 100 if t == 0 else 40])
    wb.save(path)
    return clients(n_clients)


def docx_text(path: Path) -> str:
    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for s in doc.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return "\n".join(parts)


def xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                       if n.endswith(".xml"))


@pytest.fixture(scope="module")
def big_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]], Any]:
    folder = tmp_path_factory.mktemp("batch")
    names = task_sheet(folder / "tasks.xlsx")
    result = run_batch(kind=WEEKLY, data=folder / "tasks.xlsx", out_dir=folder / "out",
                       formats=["docx", "xlsx"], group_by="고객사", jobs=2)
    return folder / "out", names, result


def test_one_document_per_client_in_its_language(big_run: Any) -> None:
    out, names, result = big_run
    assert len(result.written) == 2 * len(names)
    for client, loc in names:
        (path,) = out.glob(f"weekly_{client}_*.docx")
        text = docx_text(path)
        assert TITLES[loc] in text
        assert f"{client} 업무 0" in text and f"{client} 업무 2" in text


def test_no_client_data_leaks_into_another_document(big_run: Any) -> None:
    out, names, _ = big_run
    for client, _ in names:
        for path in out.glob(f"weekly_{client}_*"):
            text = docx_text(path) if path.suffix == ".docx" else xlsx_text(path)
            others = [c for c, _ in names if c != client and re.search(re.escape(c) + r"(?!\d)", text)]
            assert not others, (path.name, others)
            assert f"AE of {client}" in text and f"owner-{client}" in text


def test_manifest_traces_every_file(big_run: Any) -> None:
    out, names, _ = big_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "weekly" and len(manifest["documents"]) == len(names)
    first = manifest["documents"][0]
    assert first["group"] == names[0][0] and first["locale"] == names[0][1]
    assert first["source"]["sheet"] == "Tasks" and first["source"]["cell"] == "A2"
    for doc in manifest["documents"]:
        for output in doc["outputs"]:
            assert hashlib.sha256((out / output["path"]).read_bytes()).hexdigest() == output["sha256"]


def test_workers_do_not_change_the_bytes(big_run: Any, tmp_path: Path) -> None:
    out, _, _ = big_run
    run_batch(kind=WEEKLY, data=out.parent / "tasks.xlsx", out_dir=tmp_path, formats=["docx", "xlsx"],
              group_by="client", jobs=1)
    for path in out.glob("weekly_*"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_rows_of_a_group_must_agree(tmp_path: Path) -> None:
    task_sheet(tmp_path / "t.xlsx", n_clients=3)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    wb.active["C3"] = "someone else"       # second row of the first client: another author
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(ValidationFailed) as err:
        run_batch(kind=WEEKLY, data=tmp_path / "t.xlsx", out_dir=tmp_path / "out", group_by="고객사")
    (problem,) = [p for p in err.value.problems if p.is_error]
    assert problem.code == "group_conflict" and problem.location.cell == "C3"
    assert not (tmp_path / "out").exists()
    result = run_batch(kind=WEEKLY, data=tmp_path / "t.xlsx", out_dir=tmp_path / "out",
                       group_by="고객사", keep_going=True)
    assert len(result.written) == 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["skipped_records"] == [0]


def test_existing_files_stop_the_run_before_anything_is_written(tmp_path: Path, runner: CliRunner) -> None:
    task_sheet(tmp_path / "t.xlsx", n_clients=4)
    out = tmp_path / "out"
    out.mkdir()
    clash = out / f"weekly_{clients(4)[2][0]}_2026-11-23.docx"
    clash.write_bytes(b"keep me")
    result = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "-o", str(out),
                                  "--group-by", "client", "-l", "en"])
    assert result.exit_code == 4
    assert sorted(p.name for p in out.iterdir()) == [clash.name]
    assert clash.read_bytes() == b"keep me"
    again = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "-o", str(out),
                                 "--group-by", "client", "--force", "-q"])
    assert again.exit_code == 0, again.stderr
    assert clash.read_bytes() != b"keep me"
    assert len(list(out.glob("*.docx"))) == 4


def test_hostile_names_are_sanitised_and_collisions_made_unique(tmp_path: Path) -> None:
    records = [{"client": name, "week_start": "2026-11-23", "author": "AE",
                "tasks": [{"task": "t", "status": "planned"}]}
               for name in ["../../etc/passwd", "a/b\\c", "CON", "same", "same", "x" * 300, "가:나*다?"]]
    data = tmp_path / "list.yaml"
    data.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    result = run_batch(kind=WEEKLY, data=data, out_dir=tmp_path / "out", name="{client}")
    names = [p.name for p in result.written]
    assert len(names) == len(set(names)) == 7
    for path in result.written:
        assert path.parent == tmp_path / "out" and path.is_file()
        assert len(path.name.encode()) <= 255
    assert "same.docx" in names and "same_2.docx" in names
    assert any("가" in n and "나" in n for n in names)
    assert not any(n.startswith("CON.") for n in names)


def test_list_and_folder_inputs(tmp_path: Path) -> None:
    sample = yaml.safe_load((REPO / "samples" / "weekly" / "ko.yaml").read_text(encoding="utf-8"))
    folder = tmp_path / "records"
    folder.mkdir()
    for i in range(3):
        rec = dict(sample, client={"name": f"고객{i}"})
        (folder / f"r{i}.yaml").write_text(yaml.safe_dump(rec, allow_unicode=True), encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    result = run_batch(kind=WEEKLY, data=folder, out_dir=tmp_path / "out")
    assert sorted(p.name.split("_")[1] for p in result.written) == ["고객0", "고객1", "고객2"]
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps([dict(sample, client=f"C{i}") for i in range(2)], default=str,
                                  ensure_ascii=False), encoding="utf-8")
    assert len(run_batch(kind=WEEKLY, data=listing, out_dir=tmp_path / "out2").written) == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949", "gb18030", "big5"])
def test_csv_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    name = {"utf-8-sig": "한일식품", "cp949": "한일식품", "gb18030": "上海华阳", "big5": "台北山嵐"}[encoding]
    text = ("client,week_start,author,tasks.task,tasks.status\n"
            f"{name},2026-11-23,AE,업무 1,done\n{name},2026-11-23,AE,업무 2,planned\n")
    if encoding in ("gb18030", "big5"):
        text = text.replace("업무", "任务" if encoding == "gb18030" else "任務")
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    result = run_batch(kind=WEEKLY, data=path, out_dir=tmp_path / "out", group_by="client")
    (doc,) = result.written
    assert name in doc.name and name in docx_text(doc)


def test_locale_field_picks_each_documents_language(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("client,언어,week_start,author,tasks.task,tasks.status\n"
                    "A사,zh-TW,2026-11-23,AE,x,done\nB사,ko,2026-11-23,AE,y,done\n", encoding="utf-8")
    result = run_batch(kind=WEEKLY, data=path, out_dir=tmp_path / "out", locale_field="언어")
    texts = {p.name.split("_")[1]: docx_text(p) for p in result.written}
    assert "週" in texts["A사"] and "주간" in texts["B사"]
    forced = run_batch(kind=WEEKLY, data=path, out_dir=tmp_path / "en", locale=DocLocale("en"))
    assert all("Week" in docx_text(p) for p in forced.written)


def test_interrupted_run_leaves_no_partial_files(tmp_path: Path) -> None:
    task_sheet(tmp_path / "t.xlsx", n_clients=12)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(kind=WEEKLY, data=tmp_path / "t.xlsx", out_dir=tmp_path / "out",
                  group_by="client", jobs=2, progress=interrupt)
    leftovers = [p.name for p in (tmp_path / "out").iterdir()] if (tmp_path / "out").exists() else []
    assert not [n for n in leftovers if n.endswith(".part") or n.startswith(".docgen-")]
    assert "manifest.json" not in leftovers
    for name in leftovers:  # whatever was finished is whole
        docx.Document(str(tmp_path / "out" / name))


def test_cli_reports_and_exit_codes(tmp_path: Path, runner: CliRunner) -> None:
    task_sheet(tmp_path / "t.xlsx", n_clients=2)
    result = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "-o",
                                  str(tmp_path / "out"), "--group-by", "고객사", "-q", "-l", "ko"])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert "manifest.json" in result.stderr
    bad = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "--group-by",
                               "nonsense"])
    assert bad.exit_code == 2
    assert "nonsense" in bad.stderr


FAKE_SOFFICE = """#!/bin/sh
# Stands in for LibreOffice: logs each call, writes a small PDF per input file.
echo "call" >> "$DOCGEN_FAKE_LOG"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) out="$2"; shift 2 ;;
    -*) shift ;;
    *) mkdir -p "$out"; f=$(basename "$1"); printf '%%PDF-1.4\n1 0 obj <</Type/Pages/Count 1>> endobj\n' > "$out/${f%.*}.pdf"; shift ;;
  esac
done
"""


def test_one_libreoffice_process_per_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "soffice"
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    monkeypatch.setenv("DOCGEN_FAKE_LOG", str(log))
    monkeypatch.setenv("DOCGEN_PDF_POOL", "off")  # the one-call-per-share path (no uno)
    task_sheet(tmp_path / "t.xlsx", n_clients=8)
    result = run_batch(kind=WEEKLY, data=tmp_path / "t.xlsx", out_dir=tmp_path / "out",
                       formats=["docx", "pdf"], group_by="client", jobs=2)
    assert len([p for p in result.written if p.suffix == ".pdf"]) == 8
    assert log.read_text().count("call") == 2          # 8 documents, 2 workers, 2 processes


def test_missing_libreoffice_stops_before_writing(tmp_path: Path, runner: CliRunner,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "no-such-soffice"))
    task_sheet(tmp_path / "t.xlsx", n_clients=2)
    result = runner.invoke(main, ["batch", "weekly", str(tmp_path / "t.xlsx"), "-o",
                                  str(tmp_path / "out"), "--group-by", "client", "-f", "docx,pdf"])
    assert result.exit_code == 4
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_pdf_batch_through_libreoffice(tmp_path: Path, soffice: str, pdftotext: str) -> None:
    import subprocess
    names = task_sheet(tmp_path / "t.xlsx", n_clients=4, tasks=2)
    result = run_batch(kind=WEEKLY, data=tmp_path / "t.xlsx", out_dir=tmp_path / "out",
                       formats=["pdf"], group_by="client", jobs=2)
    pdfs = sorted(p for p in result.written if p.suffix == ".pdf")
    assert len(pdfs) == 4 and not list((tmp_path / "out").glob("*.docx"))
    for client, loc in names:
        (pdf,) = [p for p in pdfs if client in p.name]
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        text = "".join(text.split())  # LibreOffice spaces CJK from digits; compare without
        assert client in text and TITLES[loc] in text
        assert not [c for c, _ in names if c != client and c in text]


def test_json_record_positions_without_the_full_line_map(tmp_path: Path) -> None:
    from docgen.inputs import json_item_positions, read_data
    text = '[\n  {"a": 1},\n\n  {"b": [1,\n 2]},   {"c": "x,]"}\n]\n'
    assert json_item_positions(text) == {(): (1, 1), (0,): (2, 3), (1,): (4, 3), (2,): (5, 9)}
    path = tmp_path / "l.json"
    path.write_text(text, encoding="utf-8")
    _, source = read_data(path)
    assert source.build is not None                         # the full map is not built…
    assert source.within(2).locate(()).line == 5
    assert source.build is not None                         # …for a record's start
    assert source.within(1).locate(("b", 1)).line == 5      # a problem inside builds it
    assert source.build is None


def test_bundled_batch_sample(tmp_path: Path) -> None:
    """The README's batch example: four clients, each report in its client's language."""
    for name in ("weekly_tasks.xlsx", "weekly_tasks.csv"):
        result = run_batch(kind=WEEKLY, data=REPO / "samples" / "batch" / name,
                           out_dir=tmp_path / name, group_by="고객사")
        assert not result.problems
        texts = {p.name.split("_")[1]: docx_text(p) for p in result.written}
        assert "주간" in texts["한일식품"] and "周" in texts["上海华阳化妆品"]
        assert "週" in texts["台北山嵐咖啡"] and "Week" in texts["Northline Sports Korea"]
        assert "CTR 1.8%" in texts["Northline Sports Korea"] and "CTR" not in texts["한일식품"]


def test_batch_sample_matches_its_builder(tmp_path: Path) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("bbs", REPO / "tools" / "build_batch_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(tmp_path)])
    for name in ("weekly_tasks.xlsx", "weekly_tasks.csv"):
        assert (tmp_path / name).read_bytes() == (REPO / "samples" / "batch" / name).read_bytes()
