"""Sheets the way AEs keep them (issue 9, points 9-15): a title row, merged client
names, blank rows, a 합계 row, Korean headers with a typo, dates as serials and as
text, percentages, labels instead of codes — read from workbooks built like Excel
writes them and like openpyxl writes them, checked through the CLI with the exact
problems (cell, code, message in ko and en) and exit codes."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from click.testing import CliRunner, Result

from docgen import kinds
from docgen.cli import main
from docgen.i18n.locale import DocLocale
from docgen.pipeline import validate_files
from docgen.rules import RuleOptions
from docgen.sheets import read_table
from docgen.validation import Validator
from tests.sheet_builders import (
    STYLE_KO_DATE,
    STYLE_PERCENT,
    Rich,
    Styled,
    excel_workbook,
    ole2_file,
)
from tests.support import REPO, builtin_kind

WEEKLY = builtin_kind("weekly")
INVOICE = builtin_kind("invoice")
assert WEEKLY is not None and INVOICE is not None
SHEET = "11월 4주차"
XLS = REPO / "tests" / "data" / "sheets" / "weekly_tasks.xls"  # saved by LibreOffice as .xls
MONDAY = dt.date(2026, 11, 23)


def pct(value: float) -> Styled:
    return Styled(value, STYLE_PERCENT)


def ko_date(day: dt.date) -> Styled:
    return Styled(day, STYLE_KO_DATE)


def weekly_rows(*, progress_header: str = "진행율", due_5: Any = "2026.11.27",
                due_6: Any = "11/30", progress_9: Any = None, task_6: Any = "POP 규격 확인",
                ) -> list[list[Any]]:
    """An AE's task sheet: title, header at row 3, two clients merged down, a blank
    row between them, a total row at the end."""
    return [
        [Rich("2026년 11월 4주차 ", "주간 업무 현황 (영업2팀)")],
        [],
        ["광고주", "보고 주간", "작성자", "언어", "업무 내용", "상태", "담당자", progress_header, "기한"],
        ["한일식품", ko_date(MONDAY), "최유나", "ko", "1차 시안 광고주 보고", "완료", "최유나", pct(1),
         dt.date(2026, 11, 24)],
        [None, None, None, None, "키 비주얼 B안 수정", "진행 중", "정태호", pct(0.6), due_5],
        [None, None, None, None, task_6, "예정", None, pct(0), due_6],
        [],
        ["上海华阳化妆品", MONDAY, "王磊", "zh-CN", "直播脚本撰写", "进行中", "李娜", pct(0.5),
         dt.date(2026, 11, 26)],
        [None, None, None, None, "门店物料设计", "已完成", "李娜",
         pct(1) if progress_9 is None else progress_9, dt.date(2026, 11, 25)],
        ["합계", None, None, None, None, None, None, None, None],
    ]


MERGES = ["A1:I1", "A4:A6", "B4:B6", "C4:C6", "D4:D6", "A8:A9", "B8:B9", "C8:C9", "D8:D9"]


def excel_sheet(tmp_path: Path, name: str = "tasks.xlsx", **changes: Any) -> Path:
    return excel_workbook(tmp_path / name, weekly_rows(**changes), sheet=SHEET, merges=MERGES,
                          extra_sheets=["거래처 목록"])


def openpyxl_sheet(tmp_path: Path, name: str = "tasks_openpyxl.xlsx", **changes: Any) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r, row in enumerate(weekly_rows(**changes), 1):
        for c, value in enumerate(row, 1):
            if isinstance(value, Rich):
                value = "".join(value.parts)
            cell = ws.cell(r, c)
            if isinstance(value, Styled):
                cell.number_format = "0%" if value.style == STYLE_PERCENT else 'yyyy"년" m"월" d"일"'
                value = value.value
            cell.value = value
    for ref in MERGES:
        ws.merge_cells(ref)
    wb.create_sheet("거래처 목록")
    path = tmp_path / name
    wb.save(path)
    return path


def invoke(*args: Any) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def problems_json(*args: Any) -> list[dict[str, Any]]:
    result = invoke("validate", *args, "--json")
    listed: list[dict[str, Any]] = json.loads(result.stdout)
    return listed


# --- the task sheet, Excel-written and openpyxl-written -----------------------------

BUILDERS = [pytest.param(excel_sheet, id="excel-xml"), pytest.param(openpyxl_sheet, id="openpyxl")]


@pytest.mark.parametrize("build", BUILDERS)
def test_title_typo_text_dates_and_total_row_ko(tmp_path: Path, build: Any) -> None:
    path = build(tmp_path)
    result = invoke("validate", "weekly", path, "--group-by", "광고주", "-l", "ko")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:{SHEET}!H3: 경고: 알 수 없는 열 '진행율'('진행률'(tasks.progress 항목)을(를) "
        "뜻하셨나요?). 이 열은 무시됩니다",
        f"{path}:{SHEET}!I5: 기한: '2026.11.27'은(는) 올바른 날짜 형식이 아닙니다. YYYY-MM-DD 형식으로 "
        "2026-11-27(으)로 적으세요",
        f"{path}:{SHEET}!I6: 기한: '11/30'에는 연도가 없습니다. YYYY-MM-DD 형식으로 2026-11-30(으)로 "
        "적으세요(2026년은 이 레코드의 다른 날짜에서 가져왔습니다)",
        f"{path}:{SHEET}!A10: 참고: 10행은 합계 행('합계')이므로 레코드로 읽지 않고 건너뜁니다",
    ]


@pytest.mark.parametrize("build", BUILDERS)
def test_same_sheet_in_english(tmp_path: Path, build: Any) -> None:
    path = build(tmp_path)
    listed = problems_json("weekly", path, "--group-by", "광고주", "-l", "en")
    assert [(p["cell"], p["code"], p["severity"], p["path"], p["record"]) for p in listed] == [
        (f"{SHEET}!H3", "unknown_column", "warning", "", None),
        (f"{SHEET}!I5", "date", "error", "tasks[1].due", 0),
        (f"{SHEET}!I6", "date", "error", "tasks[2].due", 0),
        (f"{SHEET}!A10", "total_row", "note", "", None),
    ]
    assert [p["message"] for p in listed] == [
        "unknown column '진행율' (did you mean '진행률', the field tasks.progress?); it is ignored",
        "기한 (Due): '2026.11.27' is not a valid date: write it as YYYY-MM-DD, here 2026-11-27",
        "기한 (Due): '11/30' has no year: write it as YYYY-MM-DD, here 2026-11-30 (the year 2026 "
        "is taken from the record's other dates)",
        "row 10 is a total row ('합계'): it is skipped, not read as a record",
    ]


@pytest.mark.parametrize("build", BUILDERS)
def test_second_row_of_a_group_is_located_at_its_own_cell(tmp_path: Path, build: Any) -> None:
    path = build(tmp_path, progress_header="진행률", due_5="2026-11-27", due_6="2026-11-30",
                 progress_9=pct(1.5), task_6=None)
    for code, lines in {
        "ko": [f"{path}:{SHEET}!E6: 업무 내용: 필수 항목이 비어 있습니다: '업무 내용' 열을 채우세요",
               f"{path}:{SHEET}!H9: 진행률: 100 이하여야 합니다",
               f"{path}:{SHEET}!H9: 경고: 진행률: 완료된 업무인데 진행률이 150%입니다",
               f"{path}:{SHEET}!A10: 참고: 10행은 합계 행('합계')이므로 레코드로 읽지 않고 건너뜁니다"],
        "en": [f"{path}:{SHEET}!E6: 업무 내용 (Task): required but empty: fill in the column "
               "'업무 내용'",
               f"{path}:{SHEET}!H9: 진행률 (Progress (%)): must be at most 100",
               f"{path}:{SHEET}!H9: warning: 진행률 (Progress (%)): the task is done but its "
               "progress is 150%",
               f"{path}:{SHEET}!A10: note: row 10 is a total row ('합계'): it is skipped, not read "
               "as a record"],
    }.items():
        result = invoke("validate", "weekly", path, "--group-by", "광고주", "-l", code)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == lines


def docx_text(path: Path) -> str:
    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("build", BUILDERS)
def test_batch_gives_merged_values_to_every_row(tmp_path: Path, build: Any) -> None:
    path = build(tmp_path, progress_header="진행률", due_5="2026-11-27", due_6="2026-11-30")
    checked = invoke("validate", "weekly", path, "--group-by", "광고주")
    assert checked.exit_code == 0
    assert checked.stderr.splitlines()[0].endswith("참고: 10행은 합계 행('합계')이므로 레코드로 읽지 "
                                                   "않고 건너뜁니다")
    out = tmp_path / "out"
    result = invoke("batch", "weekly", path, "--group-by", "광고주", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [d["group"] for d in manifest["documents"]] == ["한일식품", "上海华阳化妆品"]
    assert [d["locale"] for d in manifest["documents"]] == ["ko", "zh-CN"]
    (korean,) = out.glob("weekly_한일식품_*.docx")
    (chinese,) = out.glob("weekly_上海华阳化妆品_*.docx")
    ko_text, zh_text = docx_text(korean), docx_text(chinese)
    for task in ("1차 시안 광고주 보고", "키 비주얼 B안 수정", "POP 규격 확인"):
        assert task in ko_text          # rows 5 and 6 have the client merged from row 4
    assert "완료" in ko_text and "진행 중" in ko_text and "예정" in ko_text
    assert "60%" in ko_text              # 0.6 shown as 60% in Excel is progress 60
    assert "直播脚本撰写" in zh_text and "门店物料设计" in zh_text
    assert "한일식품" not in zh_text and "上海华阳" not in ko_text
    assert "합계" not in ko_text + zh_text


def test_records_carry_codes_and_values_from_merges(tmp_path: Path) -> None:
    table = read_table(excel_sheet(tmp_path, progress_header="진행률"), WEEKLY.schema)
    rows = [data for data, _ in table.records]
    assert [r["client"] for r in rows] == ["한일식품"] * 3 + ["上海华阳化妆品"] * 2
    assert [r["tasks"][0]["status"] for r in rows] == [
        "done", "in_progress", "planned", "in_progress", "done"]
    assert [r["tasks"][0]["progress"] for r in rows] == [100, 60, 0, 50, 100]
    assert rows[1]["week_start"] == MONDAY  # a custom 년/월/일 date format is a date
    _, source = table.records[1]
    assert source.locate(("client",)).cell == "A4"  # typed there, merged down to row 5
    assert source.header(("tasks", 0, "status")) == "상태"


# --- validate says what batch says --------------------------------------------------

def test_validate_and_batch_report_the_same_lines(tmp_path: Path) -> None:
    path = openpyxl_sheet(tmp_path, progress_header="진행률", progress_9=pct(1.5))
    for code in ("ko", "zh-CN"):
        checked = invoke("validate", "weekly", path, "--group-by", "광고주", "-l", code)
        batch = invoke("batch", "weekly", path, "--group-by", "광고주", "-l", code,
                       "-o", tmp_path / "out", "-q")
        assert checked.exit_code == batch.exit_code == 1
        assert checked.stderr.splitlines() == batch.stderr.splitlines()[:-1]
        assert not (tmp_path / "out").exists()


def test_validate_takes_the_input_options_of_batch(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "메모"
    ws = book.create_sheet("업무")
    ws.append(["고객사", "week_start", "author", "출력 언어", "task", "status"])
    ws.append(["한일식품", "2026-11-23", "최유나", "kr", "보고", "완료"])
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    listed = problems_json("weekly", path, "--sheet", "업무", "--locale-field", "locale",
                           "-l", "en")
    assert [(p["cell"], p["code"]) for p in listed] == [("업무!D1", "unknown_column")]
    wrong = invoke("validate", "weekly", path, "--sheet", "Tasks", "-l", "en")
    assert wrong.exit_code == 1
    assert "there is no sheet 'Tasks' (sheets: 메모, 업무)" in wrong.stderr
    bad_field = invoke("validate", "weekly", path, "--sheet", "업무", "--group-by", "고객명",
                       "-l", "en")
    assert bad_field.exit_code == 2
    csv_path = tmp_path / "tasks.csv"
    csv_path.write_bytes("고객사,week_start,author,task,status\n한일식품,2026-11-23,최유나,보고,예정\n"
                         .encode("cp949"))
    assert invoke("validate", "weekly", csv_path, "--encoding", "cp949").exit_code == 0
    assert invoke("validate", "weekly", csv_path, "--encoding", "utf-8").exit_code == 1
    yaml_file = tmp_path / "one.yaml"
    yaml_file.write_text("client: x\n", encoding="utf-8")
    usage = invoke("validate", "weekly", yaml_file, "--group-by", "client", "-l", "en")
    assert usage.exit_code == 2 and "--group-by needs a .csv or .xlsx sheet" in usage.stderr


# --- enum labels on every input path -------------------------------------------------

WEEKLY_YAML = """\
client: 한일식품
week_start: 2026-11-23
author: 최유나
tasks:
  - {task: 시안 보고, status: 예정}
  - {task: 촬영, status: 보류}
  - {task: 直播脚本, status: 进行中}
  - {task: 门店物料, status: 已完成, progress: 100}
  - {task: POP, status: Done, progress: 100}
  - {task: KV, status: IN PROGRESS}
"""


def test_labels_are_the_codes_they_name_in_yaml_and_json(tmp_path: Path) -> None:
    import yaml

    yaml_path = tmp_path / "weekly.yaml"
    yaml_path.write_text(WEEKLY_YAML, encoding="utf-8")
    json_path = tmp_path / "weekly.json"
    json_path.write_text(json.dumps(yaml.safe_load(WEEKLY_YAML.replace("2026-11-23",
                                                                      "'2026-11-23'")),
                                    ensure_ascii=False), encoding="utf-8")
    for path in (yaml_path, json_path):
        result = invoke("validate", "weekly", path, "-l", "en")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.strip() == "1 file(s) valid."
    data = yaml.safe_load(WEEKLY_YAML)
    data["week_start"] = "2026-11-23"
    assert Validator(WEEKLY.schema, DocLocale("en")).validate(data, _no_source()) == []
    assert [t["status"] for t in data["tasks"]] == [
        "planned", "blocked", "in_progress", "done", "done", "in_progress"]
    out = tmp_path / "out"
    rendered = invoke("render", "weekly", yaml_path, "-o", out, "-l", "ko")
    assert rendered.exit_code == 0, rendered.output
    text = docx_text(Path(rendered.stdout.strip()))
    assert "보류" in text and "진행 중" in text and "IN PROGRESS" not in text


def _no_source() -> Any:
    from docgen.inputs import SourceMap
    return SourceMap("<test>")


def test_a_word_that_is_no_label_is_still_an_error_listing_the_labels(tmp_path: Path) -> None:
    path = tmp_path / "weekly.yaml"
    path.write_text(WEEKLY_YAML.replace("status: 보류", "status: 확인 중"), encoding="utf-8")
    (problem,) = validate_files("weekly", [path], DocLocale("ko"))
    assert problem.code == "enum" and problem.path == "tasks[1].status"
    assert problem.message == ("tasks[1].status (상태): '확인 중'은(는) 허용되지 않는 값입니다. "
                               "가능한 값: done (완료), in_progress (진행 중), planned (예정), "
                               "blocked (보류)")


# --- money and dates: the fix to write -----------------------------------------------

INVOICE_YAML = """\
job_number: HL-2026-0417
client: {{name: 한일식품, tax_id: 220-87-14531, country: KR}}
issue_date: {issue}
currency: {currency}
items:
  - {{description: 영상 제작, quantity: 1, unit_price: {price}}}
"""


@pytest.mark.parametrize("price, number", [
    ("150만원", "1500000"), ("'₩1,500,000'", "1500000"), ("'¥85,000.00'", "85000"),
    ("1억 5천만원", "150000000"), ("2.5억", "250000000"), ("85万元", "850000"),
    ("'1,500천원'", "1500000"), ("'1,500,000'", "1500000"),
])
def test_money_written_as_on_paper_gets_the_plain_number(tmp_path: Path, price: str,
                                                         number: str) -> None:
    path = tmp_path / "invoice.yaml"
    path.write_text(INVOICE_YAML.format(issue="2026-12-10", currency="KRW", price=price),
                    encoding="utf-8")
    (problem,) = validate_files("invoice", [path], DocLocale("en"))
    typed = price.strip("'")
    assert (problem.code, problem.path) == ("type", "items[0].unit_price")
    assert problem.message == (f"items[0].unit_price (Unit price): '{typed}' must be a plain "
                               f"number: write {number}")
    (ko,) = validate_files("invoice", [path], DocLocale("ko"))
    assert ko.message.endswith(f"'{typed}'은(는) 숫자만 적어야 합니다: {number}(으)로 적으세요")


@pytest.mark.parametrize("typed, code", [("RMB", "CNY"), ("人民币", "CNY"), ("원", "KRW"),
                                         ("NT$", "TWD"), ("달러", "USD")])
def test_currency_names_suggest_the_code(tmp_path: Path, typed: str, code: str) -> None:
    path = tmp_path / "invoice.yaml"
    path.write_text(INVOICE_YAML.format(issue="2026-12-10", currency=f"'{typed}'", price=100),
                    encoding="utf-8")
    problems = [p for p in validate_files("invoice", [path], DocLocale("en"))
                if p.path == "currency"]
    assert [p.code for p in problems] == ["enum"]
    assert problems[0].message.endswith(f"(did you mean '{code}'?)")


@pytest.mark.parametrize("typed, message", [
    ("2026/11/3", "'2026/11/3' is not a valid date: write it as YYYY-MM-DD, here 2026-11-03"),
    ("2026.11.3", "'2026.11.3' is not a valid date: write it as YYYY-MM-DD, here 2026-11-03"),
    ("2026. 11. 3.", "'2026. 11. 3.' is not a valid date: write it as YYYY-MM-DD, here "
                     "2026-11-03"),
    ("2026년 11월 3일", "'2026년 11월 3일' is not a valid date: write it as YYYY-MM-DD, here "
                     "2026-11-03"),
    ("2026.2.30", "'2026.2.30' is not a valid date (use YYYY-MM-DD, e.g. 2026-11-27)"),
])
def test_dates_written_as_on_paper_get_the_iso_date(tmp_path: Path, typed: str,
                                                    message: str) -> None:
    path = tmp_path / "invoice.yaml"
    path.write_text(INVOICE_YAML.format(issue=f"'{typed}'", currency="KRW", price=100),
                    encoding="utf-8")
    (problem,) = validate_files("invoice", [path], DocLocale("en"))
    assert problem.code == "date"
    assert problem.message == f"issue_date (Issue date): {message}"


def test_a_date_without_year_takes_the_year_of_the_record_or_says_which() -> None:
    def check(data: dict[str, Any]) -> str:
        validator = Validator(WEEKLY.schema, DocLocale("en"),
                              options=RuleOptions(today=dt.date(2026, 5, 6)))
        found = [p for p in validator.validate(data, _no_source()) if p.code == "date"]
        return found[-1].message

    task = {"task": "POP", "status": "planned", "due": "1/4"}
    record = {"client": "x", "author": "y", "week_start": "2026-12-28", "tasks": [task]}
    assert check(record) == ("tasks[0].due (Due): '1/4' has no year: write it as YYYY-MM-DD, "
                             "here 2027-01-04 (the year 2027 is taken from the record's other "
                             "dates)")
    alone = {"client": "x", "author": "y", "week_start": "11/30", "tasks": [dict(task, due=None)]}
    assert check(alone).startswith("week_start (Week of): '11/30' has no year: write it as "
                                   "YYYY-MM-DD, e.g. 2026-11-30 if the year is 2026")


# --- files docgen cannot read --------------------------------------------------------

XLS_KO = ("Excel 97-2003 통합 문서(.xls)라서 docgen이 읽을 수 없습니다. Excel에서 열어 "
          "'Excel 통합 문서(.xlsx)'로 저장하세요")
XLS_EN = ("this is an Excel 97-2003 workbook (.xls), which docgen cannot read: open it in "
          "Excel and save it as an Excel Workbook (.xlsx)")


def test_xls_input_says_save_as_xlsx(tmp_path: Path) -> None:
    renamed = tmp_path / "tasks.xlsx"
    renamed.write_bytes(XLS.read_bytes())
    for path in (XLS, renamed):
        for command in (["validate", "weekly", path], ["validate", "weekly", path, "--group-by",
                                                       "광고주"]):
            result = invoke(*command, "-l", "ko")
            assert result.exit_code == 1
            assert result.stderr.splitlines()[0] == f"{path}: {XLS_KO}"
            assert "BadZipFile" not in result.output and ".yaml" not in result.output
        batch = invoke("batch", "weekly", path, "-o", tmp_path / "out", "-l", "en")
        assert batch.exit_code == 1
        assert batch.stderr.strip() == f"Error: {path}: {XLS_EN}"
        assert not (tmp_path / "out").exists()


def test_xls_template_says_save_as_xlsx(tmp_path: Path) -> None:
    record = REPO / "samples" / "weekly" / "ko.yaml"
    renamed = tmp_path / "weekly.xlsx"
    renamed.write_bytes(XLS.read_bytes())
    for template in (XLS, renamed):
        result = invoke("render", "weekly", record, "-f", "xlsx", "--template", template,
                        "-o", tmp_path / "out", "-l", "en")
        assert result.exit_code == 3
        assert result.stderr.strip() == f"Error: {template}: {XLS_EN}"
        checked = invoke("template", "check", template, "-l", "ko")
        assert checked.exit_code == 3 and XLS_KO in checked.stderr
        assert "BadZipFile" not in checked.output
    doc = ole2_file(tmp_path / "minutes.doc", "WordDocument")
    result = invoke("template", "check", doc, "-l", "en")
    assert result.exit_code == 3 and "save it as a Word Document (.docx)" in result.stderr


def test_password_protected_workbook(tmp_path: Path) -> None:
    path = ole2_file(tmp_path / "secret.xlsx", "EncryptedPackage")
    result = invoke("validate", "weekly", path, "-l", "en")
    assert result.exit_code == 1
    assert "protected with a password" in result.stderr and "BadZipFile" not in result.stderr


def test_workbook_saved_with_csv_name(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_bytes(excel_sheet(tmp_path).read_bytes())
    result = invoke("validate", "weekly", path, "-l", "en")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"{path}: this is an Excel workbook, not CSV "
                                             "text: rename it to .xlsx")


# --- CSV saved by Excel in a code page without Korean --------------------------------

def test_question_marks_from_an_ansi_csv_export_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("???,week_start,author,task,status\n"
                    "????,2026-11-23,???,1? ?? ??,done\n", encoding="ascii")
    result = invoke("validate", "weekly", path, "-l", "ko")
    first = result.stderr.splitlines()[0]
    assert first == (f"{path}:1: 경고: '???': 이 파일을 저장할 때 글자가 '?'로 바뀌어 원래 내용이 "
                     "사라졌습니다. Excel에서 \"CSV UTF-8\"(또는 .xlsx) 형식으로 다시 저장한 파일을 "
                     "쓰세요")
    mixed = tmp_path / "mixed.csv"  # one lost character inside otherwise Korean text
    mixed.write_text("고객사,week_start,author,task,status\n한?식품,2026-11-23,최유나,보고,done\n",
                     encoding="utf-8")
    listed = problems_json("weekly", mixed, "-l", "en")
    assert [(p["row"], p["code"], p["severity"]) for p in listed] == [
        (2, "lost_characters", "warning")]
    assert "save the sheet again as \"CSV UTF-8\"" in listed[0]["message"]
    fine = tmp_path / "fine.csv"  # a question in a note is not a lost character
    fine.write_text("고객사,week_start,author,task,status,tasks.note\n"
                    "한일식품,2026-11-23,최유나,보고,done,시안 확정?\n", encoding="utf-8")
    assert invoke("validate", "weekly", fine).exit_code == 0
    assert problems_json("weekly", fine) == []


# --- the header row -----------------------------------------------------------------

def test_header_found_below_a_title_block_and_labels_without_units(tmp_path: Path) -> None:
    path = tmp_path / "invoice.csv"
    path.write_text("2026년 12월 청구 요청,,,,,,,,\n"
                    "작성: 영업2팀,,,,,,,,\n"
                    ",,,,,,,,\n"
                    "Job No.,광고주명,사업자등록번호,국가,작성일자,통화,품목,수량,단가(원)\n"
                    "HL-2026-0417,한일식품,220-87-14531,KR,2026-12-10,원(KRW),영상 제작,2,"
                    "\"1,500,000\"\n"
                    ",,,,,,,,\n"
                    "합 계,,,,,,,,3000000\n", encoding="utf-8")
    table = read_table(path, INVOICE.schema, locale=DocLocale("en"))
    ((data, source),) = table.records
    assert data["items"] == [{"description": "영상 제작", "quantity": 2, "unit_price": 1500000}]
    assert data["currency"] == "KRW"                 # the label 원(KRW) is the code KRW
    assert source.locate(("issue_date",)).row == 5
    assert [(p.code, p.severity, p.location.row, p.message) for p in table.problems] == [
        ("total_row", "note", 7, "row 7 is a total row ('합 계'): it is skipped, not read as a "
                                 "record")]


def test_unknown_columns_say_what_they_may_mean_in_the_users_language(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("고객사,week_start,author,업무내용,상태,담당,진행율,메모란\n"
                    "한일식품,2026-11-23,최유나,보고,done,최유나,40,x\n", encoding="utf-8")
    zh = read_table(path, WEEKLY.schema, locale=DocLocale("zh-CN")).problems
    assert [(p.code, p.location.row, p.location.column) for p in zh] == [
        ("unknown_column", 1, 6), ("unknown_column", 1, 7), ("unknown_column", 1, 8)]
    assert zh[1].message == "未知列“진행율”（是否应为“진행률”，即字段 tasks.progress？）；该列已忽略"
    en = read_table(path, WEEKLY.schema, locale=DocLocale("en")).problems
    assert en[0].message == ("unknown column '담당' (did you mean '담당자', the field "
                             "tasks.owner?); it is ignored")
    assert en[2].message == "unknown column '메모란'; it is ignored"
    assert not re.search(r"[A-Za-z]{4,}", zh[2].message.replace("메모란", ""))


@pytest.mark.parametrize("name", ["minutes", "brief", "weekly", "signoff", "invoice"])
def test_every_label_of_every_enum_names_its_code(name: str) -> None:
    """No label is shared by two codes (it would then be accepted as neither)."""
    from docgen.validation import enum_code

    kind = kinds.get(name)
    assert kind is not None
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            if "enum" in node:
                for code, labels in (node.get("x-enum-labels") or {}).items():
                    for label in labels.values():
                        assert enum_code(label, node) == code, (name, label)
                        assert enum_code(f" {label.upper()} ", node) == code, (name, label)
                        found += 1
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(kind.schema)
    assert found >= 8
