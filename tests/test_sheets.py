"""Records from .csv and .xlsx: headers as paths or labels in any language, encodings,
typed values, and problems located by row (CSV) or Sheet!cell (Excel)."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Sequence

import openpyxl
import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.errors import InputError
from docgen.pipeline import validate_files
from docgen.sheets import header_index, read_table
from tests.support import builtin_kind

INVOICE = builtin_kind("invoice")
assert INVOICE is not None
HEADER_EN = "job_number,client.name,client.tax_id,client.country,issue_date,currency,items.description,items.quantity,items.unit_price"
ROW_OK = 'HL-2026-0417,한일식품,220-87-14531,KR,2026-12-10,KRW,영상 제작,2,"1,500,000"'


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_headers_as_paths(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, f"{HEADER_EN}\n{ROW_OK}\n"), INVOICE.schema)
    ((data, source),) = table.records
    assert data["client"] == {"name": "한일식품", "tax_id": "220-87-14531", "country": "KR"}
    assert data["items"] == [{"description": "영상 제작", "quantity": 2, "unit_price": 1500000}]
    assert source.locate(("items", 0, "unit_price")).row == 2
    assert table.problems == []


@pytest.mark.parametrize("code", ["ko", "zh-CN", "zh-TW", "en"])
def test_headers_as_labels_in_any_language(tmp_path: Path, code: str) -> None:
    from docgen.validation import subschema
    paths = [tuple(h.split(".")) for h in HEADER_EN.split(",")]

    def label(path: tuple[str, ...]) -> str:
        node = subschema(INVOICE.schema, (path[0], 0, *path[1:]) if path[0] == "items" else path)
        return str(node["x-labels"][code])

    header = ",".join(label(p) for p in paths)
    table = read_table(_csv(tmp_path, f"{header}\n{ROW_OK}\n"), INVOICE.schema)
    ((data, _),) = table.records
    assert table.problems == []
    assert data["client"]["tax_id"] == "220-87-14531"
    assert data["items"][0]["unit_price"] == 1500000


def test_client_alias_header_is_the_client_name(tmp_path: Path) -> None:
    text = "고객사,client.tax_id\n한일식품,220-87-14531\n"
    ((data, _),) = read_table(_csv(tmp_path, text), INVOICE.schema).records
    assert data["client"] == {"name": "한일식품", "tax_id": "220-87-14531"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949", "gb18030", "big5"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    name = {"cp949": "한일식품 주식회사", "gb18030": "上海华阳化妆品有限公司",
            "big5": "台北山嵐咖啡股份有限公司", "utf-8-sig": "한일식품"}[encoding]
    path = _csv(tmp_path, f"client.name,job_number\n{name},HL-2026-0417\n", encoding)
    ((data, _),) = read_table(path, INVOICE.schema).records
    assert data["client"]["name"] == name


def test_explicit_encoding_and_its_errors(tmp_path: Path) -> None:
    path = _csv(tmp_path, "client.name\n한일\n", "cp949")
    ((data, _),) = read_table(path, INVOICE.schema, encoding="cp949").records
    assert data["client"]["name"] == "한일"
    with pytest.raises(InputError) as err:
        read_table(path, INVOICE.schema, encoding="utf-8")
    assert err.value.code == "encoding"
    with pytest.raises(InputError):
        read_table(path, INVOICE.schema, encoding="klingon")


def test_multiline_cells_keep_row_numbers(tmp_path: Path) -> None:
    text = f'{HEADER_EN},remarks\n{ROW_OK},"line one\nline two"\n{ROW_OK.replace("0417", "0418")},x\n'
    table = read_table(_csv(tmp_path, text), INVOICE.schema)
    assert [src.locate(("job_number",)).row for _, src in table.records] == [2, 4]


def test_unknown_columns_are_warnings_with_a_suggestion(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "job_numbr,colour\nHL-2026-0417,red\n"), INVOICE.schema)
    codes = [(p.code, p.severity, p.location.row) for p in table.problems]
    assert codes == [("unknown_column", "warning", 1), ("unknown_column", "warning", 1)]
    assert "job_number" in table.problems[0].message


def _xlsx(tmp_path: Path, rows: Sequence[Sequence[object]], title: str = "Invoices") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    path = tmp_path / "in.xlsx"
    wb.save(path)
    return path


def test_excel_values_and_cells(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [
        ["Job No.", "client.name", "client.tax_id", "issue_date", "currency", "items.description",
         "items.quantity", "items.unit_price", "vat_rate"],
        [None],
        ["HL-2026-0417", "한일식품", 2208714531, dt.datetime(2026, 12, 10), "KRW", "영상", 2.0, 1500000.5, 0.1],
    ])
    ((data, source),) = read_table(path, INVOICE.schema).records
    assert data["issue_date"] == dt.date(2026, 12, 10)
    assert data["client"]["tax_id"] == "2208714531"          # a number typed into a text field
    assert data["items"][0]["quantity"] == 2
    assert data["items"][0]["unit_price"] == Decimal("1500000.5")
    assert data["vat_rate"] == Decimal("0.1")
    where = source.locate(("items", 0, "unit_price"))
    assert (where.sheet, where.cell) == ("Invoices", "H3")


def test_validate_locates_problems_by_row_and_cell(tmp_path: Path) -> None:
    csv_path = _csv(tmp_path, f"{HEADER_EN}\n{ROW_OK}\n"
                    "HL-2026-0418,한일식품,220-87-14532,KR,2026-13-10,KRW,포스터,0,abc\n")
    problems = validate_files("invoice", [csv_path])
    found = {(p.path, p.code, p.location.row) for p in problems}
    assert found == {("client.tax_id", "tax_id_check", 3), ("issue_date", "date", 3),
                     ("items[0].quantity", "minimum", 3), ("items[0].unit_price", "type", 3)}
    xlsx_path = _xlsx(tmp_path, [HEADER_EN.split(","), ROW_OK.replace('"1,500,000"', "x").split(",")])
    (problem,) = validate_files("invoice", [xlsx_path])
    assert (problem.path, problem.location.sheet, problem.location.cell) == (
        "items[0].unit_price", "Invoices", "I2")


def test_cli_output_for_sheets(runner: CliRunner, tmp_path: Path) -> None:
    path = _csv(tmp_path, "job_number,client.name\nHL-2026-0417,한일식품\n")
    result = runner.invoke(main, ["validate", "invoice", str(path), "-l", "ko", "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {p["row"] for p in problems} == {2}
    assert all("line" not in p for p in problems)
    assert any(p["path"] == "client.tax_id" and "열" in p["message"] for p in problems)
    text = runner.invoke(main, ["validate", "invoice", str(path), "-l", "ko"])
    assert all(line.startswith(f"{path}:2: ") for line in text.stderr.splitlines()[:-1])


def test_empty_sheet_and_missing_sheet(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_table(_csv(tmp_path, "\n\n"), INVOICE.schema)
    assert err.value.code == "empty"
    path = _xlsx(tmp_path, [["job_number"], ["HL-2026-0417"]])
    with pytest.raises(InputError) as err:
        read_table(path, INVOICE.schema, sheet="Nope")
    assert err.value.code == "sheet" and "Invoices" in err.value.text(str)
