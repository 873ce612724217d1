"""Hostile corpus, issue 16 points 4, 5 and 11: what rendering cannot do, validation
rejects — at the record's field, in the user's language, exit 1, nothing written.

Each case reproduces one attack of the issue on the command line (``docgen validate``
exits 1 naming the file and the field; ``docgen render -f docx,xlsx`` exits 1 naming
them too and writes nothing), or, where the value is fine, shows that it renders: the
largest amount, the last week and due date, full-width digits in a time, floats mixed
with Decimals through the API.

Limits (docgen/values.py): a number below 10^15 (``MAX_NUMBER``: Excel keeps 15
digits); an amount below 10^(15 - the currency's decimals) (KRW 10^15, CNY/USD 10^13);
dates up to 9999-12-31, so an invoice's due date and a weekly report's week and the
Monday after it must end by then (the last week starts on 9999-12-20).
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

import docgen
from docgen.cli import main
from docgen.errors import ValidationFailed
from docgen.kinds import builtin, builtin_names
from docgen.validation import subschema
from docgen.values import MAX_NUMBER

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
KINDS = sorted(builtin_names())
TEMPLATES = ROOT / "templates"

# every character docgen refuses in a text (values.CONTROL_CHARACTERS, INVALID_CHARACTERS)
CONTROLS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
NONCHARACTERS = ["\ufffe", "\uffff"]


def sample(kind: str, locale: str = "en") -> dict[str, Any]:
    data = yaml.safe_load((SAMPLES / kind / f"{locale}.yaml").read_bytes())
    assert isinstance(data, dict)
    text: dict[str, Any] = json.loads(json.dumps(data, default=str))  # dates as text (JSON)
    return text


def _output(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


class Run:
    """``docgen validate`` and ``docgen render -f docx,xlsx`` of one data file."""

    def __init__(self, folder: Path, kind: str, text: str, suffix: str = ".json",
                 locale: str = "en") -> None:
        self.folder = folder
        self.path = folder / f"data{suffix}"
        self.path.write_text(text, encoding="utf-8")
        self.out = folder / "out"
        runner = CliRunner()
        env = {"DOCGEN_LOCALE": locale}
        self.validate = runner.invoke(main, ["validate", kind, str(self.path)], env=env)
        self.render = runner.invoke(main, ["render", kind, str(self.path), "-f", "docx,xlsx",
                                           "-o", str(self.out)], env=env)

    @property
    def written(self) -> list[str]:
        return sorted(p.name for p in self.out.iterdir()) if self.out.exists() else []

    def rejected(self, *fields: str) -> str:
        """Both commands exit 1, name the file and every field, and nothing is written;
        the validate output."""
        for result in (self.validate, self.render):
            text = _output(result)
            assert result.exit_code == 1, (result.exit_code, text, result.exception)
            assert "Traceback" not in text and "Internal error" not in text, text
            assert f"{self.path.name}:" in text, text
            for field in fields:
                assert f": {field} " in text or f": {field}:" in text, (field, text)
        assert self.written == [], self.written
        return _output(self.validate)

    def rendered(self) -> dict[str, bytes]:
        """Both commands exit 0; the .docx and .xlsx, opened by python-docx and openpyxl."""
        assert self.validate.exit_code == 0, _output(self.validate)
        assert self.render.exit_code == 0, (_output(self.render), self.render.exception)
        files = {p.suffix[1:]: p.read_bytes() for p in self.out.iterdir()}
        assert sorted(files) == ["docx", "xlsx"], files.keys()
        docx.Document(io.BytesIO(files["docx"]))
        openpyxl.load_workbook(io.BytesIO(files["xlsx"])).close()
        return files


def run(tmp_path: Path, kind: str, data: Any, **kw: Any) -> Run:
    return Run(tmp_path, kind, json.dumps(data, ensure_ascii=True), **kw)


def docx_text(blob: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("word/") and n.endswith(".xml"))


def xlsx_values(blob: bytes) -> list[Any]:
    """Every cell's value (a formula's as docgen computed and stored it)."""
    book = openpyxl.load_workbook(io.BytesIO(blob), data_only=True)
    try:
        return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.value is not None]
    finally:
        book.close()


# --- control characters and broken characters (point 4) ----------------------------------

def _with_client_name(kind: str, name: str) -> dict[str, Any]:
    data = sample(kind)
    client = data.get("client")
    data["client"] = dict(client, name=name) if isinstance(client, dict) else {"name": name}
    return data


@pytest.mark.parametrize("kind", KINDS)
def test_vertical_tab_in_client_name_every_kind(tmp_path: Path, kind: str) -> None:
    """The issue's case: every xlsx render crashed on a vertical tab in client.name."""
    out = run(tmp_path, kind, _with_client_name(kind, "Hanil\x0bCorp")).rejected("client.name")
    assert "U+000B" in out and "character 6" in out, out


@pytest.mark.parametrize("char", CONTROLS + NONCHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_every_forbidden_character_in_client_name(tmp_path: Path, char: str) -> None:
    out = run(tmp_path, "invoice", _with_client_name("invoice", f"A{char}B")).rejected(
        "client.name")
    assert f"U+{ord(char):04X}" in out, out


def _text_paths(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _text_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _text_paths(item, f"{path}[{i}]")
    elif isinstance(value, str) and path != "locale":
        yield path


def parse_path(text: str) -> tuple[Any, ...]:
    """``items[2].unit_price`` → ``("items", 2, "unit_price")``."""
    return tuple(int(p) if p.isdigit() else p
                 for p in text.replace("[", ".").replace("]", "").split("."))


def _spoil(value: Any) -> Any:
    """Every text of ``value`` with a form feed inside (enum codes and dates too)."""
    if isinstance(value, dict):
        return {k: (v if k == "locale" else _spoil(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_spoil(v) for v in value]
    return value[:1] + "\x0c" + value[1:] if isinstance(value, str) and value else value


@pytest.mark.parametrize("kind", KINDS)
def test_a_control_character_in_any_text_field_is_reported_there(tmp_path: Path,
                                                                 kind: str) -> None:
    """(An enum field's value is read without its whitespace, a form feed included:
    ``crea\x0ctive`` names the code ``creative``, and the record carries the code.)"""
    data = sample(kind)
    problems = docgen.validate_record(kind, _spoil(data), locale="en")
    at = {p.path for p in problems if p.code == "character" and p.is_error}
    schema = builtin(kind).schema  # type: ignore[union-attr]
    expected = {path for path in _text_paths(data)
                if "enum" not in subschema(schema, parse_path(path))}
    assert at == expected, sorted(expected ^ at)
    run(tmp_path, kind, _spoil(data)).rejected(*sorted(at)[:5])


@pytest.mark.parametrize("kind", KINDS)
def test_tabs_and_line_breaks_are_fine(tmp_path: Path, kind: str) -> None:
    data = _with_client_name(kind, "Hanil\tCorp")
    data["project" if kind != "minutes" else "title"] = "Line one\nline\ttwo\r\nthree"
    run(tmp_path, kind, data).rendered()


@pytest.mark.parametrize("locale,words", [("ko", "제어 문자"), ("zh-CN", "控制字符"),
                                          ("zh-TW", "控制字元")])
def test_the_message_is_translated(tmp_path: Path, locale: str, words: str) -> None:
    data = _with_client_name("invoice", "A\x0bB") | {"locale": locale}
    out = run(tmp_path, "invoice", data, locale=locale).rejected("client.name")
    assert words in out and "U+000B" in out and "invisible" not in out, out


def test_a_yaml_escape_is_the_same_character(tmp_path: Path) -> None:
    text = (SAMPLES / "weekly" / "en.yaml").read_text(encoding="utf-8").replace(
        "author: Sora Lee (Account Executive)", 'author: "Sora\\vLee"')
    assert "\\v" in text
    Run(tmp_path, "weekly", text, suffix=".yaml").rejected("author")


@pytest.mark.parametrize("char", ["\ud800", "\udfff"])
def test_lone_surrogate_through_the_api(char: str) -> None:
    """A Python str can hold half a character pair (a file cannot: see the next test)."""
    data = _with_client_name("invoice", f"A{char}B")
    problems = [p for p in docgen.validate_record("invoice", data, locale="en") if p.is_error]
    assert [(p.path, p.code) for p in problems] == [("client.name", "character")]
    assert f"U+{ord(char):04X}" in problems[0].message
    with pytest.raises(ValidationFailed):
        docgen.render_record("invoice", data, ("docx", "xlsx"))


def test_lone_surrogate_in_a_json_file(tmp_path: Path) -> None:
    text = json.dumps(_with_client_name("invoice", "Hanil")).replace("Hanil", "Han\\ud800il")
    Run(tmp_path, "invoice", text).rejected()


def test_unknown_fields_are_checked_too(tmp_path: Path) -> None:
    data = sample("brief") | {"memo": "x\x01y"}
    run(tmp_path, "brief", data).rejected("memo")


# --- dates near 9999-12-31 (point 4) -----------------------------------------------------

def test_invoice_due_date_after_9999_default_terms(tmp_path: Path) -> None:
    out = run(tmp_path, "invoice", sample("invoice") | {"issue_date": "9999-12-31"}).rejected(
        "issue_date")
    assert "9999-12-31 + 45" in out, out


def test_invoice_due_date_after_9999_given_terms(tmp_path: Path) -> None:
    data = sample("invoice") | {"issue_date": "9999-12-01", "payment_terms_days": 31}
    assert "31 days" in run(tmp_path, "invoice", data).rejected("payment_terms_days")


def test_invoice_due_on_9999_12_31_renders(tmp_path: Path) -> None:
    data = sample("invoice") | {"issue_date": "9999-11-16", "payment_terms_days": 45}
    files = run(tmp_path, "invoice", data).rendered()
    assert "9999" in docx_text(files["docx"])


@pytest.mark.parametrize("terms", [10 ** 9, 3651, -1])
def test_very_long_payment_terms(tmp_path: Path, terms: int) -> None:
    run(tmp_path, "invoice", sample("invoice") | {"payment_terms_days": terms}).rejected(
        "payment_terms_days")


def test_payment_terms_of_5000_digits(tmp_path: Path) -> None:
    text = json.dumps(sample("invoice") | {"payment_terms_days": 0}).replace(
        '"payment_terms_days": 0', '"payment_terms_days": ' + "9" * 5000)
    Run(tmp_path, "invoice", text).rejected()


@pytest.mark.parametrize("day", ["9999-12-27", "9999-12-31"])
def test_weekly_week_beyond_9999(tmp_path: Path, day: str) -> None:
    out = run(tmp_path, "weekly", sample("weekly") | {"week_start": day}).rejected("week_start")
    assert "9999-12-20" in out, out


@pytest.mark.parametrize("day", ["9999-12-20", "9999-12-26"])
def test_weekly_last_week_renders(tmp_path: Path, day: str) -> None:
    run(tmp_path, "weekly", sample("weekly") | {"week_start": day}).rendered()


@pytest.mark.parametrize("kind,field", [("minutes", "date"), ("brief", "due_date"),
                                        ("signoff", "delivered_date")])
def test_other_kinds_render_9999_12_31(tmp_path: Path, kind: str, field: str) -> None:
    run(tmp_path, kind, sample(kind) | {field: "9999-12-31"}).rendered()


# --- huge amounts, NaN, infinities, -0 (point 4) ---------------------------------------------

def _invoice_with(**item: Any) -> dict[str, Any]:
    data = sample("invoice")
    data["items"] = [dict(data["items"][0], **item)]
    return data


@pytest.mark.parametrize("price", [10 ** 16, 10 ** 30, 1e30, 10 ** 15])
def test_invoice_unit_price_too_large(tmp_path: Path, price: Any) -> None:
    out = run(tmp_path, "invoice", _invoice_with(unit_price=price, quantity=1)).rejected(
        "items[0].unit_price")
    assert "1,000,000,000,000,000" in out, out


def test_invoice_line_amount_too_large(tmp_path: Path) -> None:
    out = run(tmp_path, "invoice", _invoice_with(unit_price=10 ** 9, quantity=10 ** 7)
              ).rejected("items[0].unit_price")
    assert "10,000,000,000,000,000" in out and "KRW" in out, out


def test_invoice_total_with_vat_too_large(tmp_path: Path) -> None:
    """Each line fits, the total with 10% VAT does not (it would be cut in Excel)."""
    out = run(tmp_path, "invoice", _invoice_with(unit_price=950_000_000_000_000, quantity=1)
              ).rejected("items")
    assert "1,045,000,000,000,000" in out, out


def test_cny_amounts_have_two_digits_fewer(tmp_path: Path) -> None:
    data = sample("invoice", "zh-CN")
    data["items"] = [dict(data["items"][0], unit_price=10 ** 13, quantity=1)]
    out = run(tmp_path, "invoice", data).rejected("items[0].unit_price")
    assert "10,000,000,000,000" in out, out


def test_the_largest_krw_invoice_renders_exactly(tmp_path: Path) -> None:
    """909,090,909,090,909 + 10% VAT cut below the won = 999,999,999,999,999: the
    amount in words and Excel's cell both exact."""
    data = _invoice_with(unit_price=909_090_909_090_909, quantity=1)
    files = run(tmp_path, "invoice", data).rendered()
    assert 999_999_999_999_999 in [int(v) for v in xlsx_values(files["xlsx"])
                                   if isinstance(v, (int, float, Decimal))]
    assert "999,999,999,999,999" in docx_text(files["docx"])


@pytest.mark.parametrize("field,literal", [
    ("unit_price", "NaN"), ("unit_price", "Infinity"), ("quantity", "Infinity"),
    ("quantity", "-Infinity"), ("unit_price", "NaN"),
])
def test_json_nan_and_infinity_in_amounts(tmp_path: Path, field: str, literal: str) -> None:
    text = json.dumps(_invoice_with(**{field: 12345})).replace("12345", literal)
    out = Run(tmp_path, "invoice", text).rejected(f"items[0].{field}")
    assert "is not a number" in out, out


@pytest.mark.parametrize("kind,marker,field", [
    ("invoice", "vat_rate: 0.1", "vat_rate"),
    ("weekly", "progress: 50", "tasks[2].progress"),
    ("brief", "amount: 320000000", "budget.amount"),
])
@pytest.mark.parametrize("literal", [".nan", ".inf", "-.inf"])
def test_yaml_nan_and_infinity(tmp_path: Path, kind: str, marker: str, field: str,
                               literal: str) -> None:
    text = (SAMPLES / kind / "en.yaml").read_text(encoding="utf-8")
    if marker not in text:  # the invoice sample gives no rate: add one
        text += f"\n{marker}\n"
    key = marker.split(":")[0]
    Run(tmp_path, kind, text.replace(marker, f"{key}: {literal}"), suffix=".yaml").rejected(
        field)


def test_decimal_nan_through_the_api() -> None:
    for value in (Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), float("nan")):
        problems = docgen.validate_record("invoice", _invoice_with(unit_price=value))
        assert [(p.path, p.code) for p in problems if p.is_error] == [
            ("items[0].unit_price", "number")], value


def test_minus_zero_quantity(tmp_path: Path) -> None:
    run(tmp_path, "invoice", _invoice_with(quantity=-0.0)).rejected("items[0].quantity")


def test_minus_zero_price_renders_without_a_minus(tmp_path: Path) -> None:
    files = run(tmp_path, "invoice", _invoice_with(unit_price=-0.0)).rendered()
    assert not re.search(r"(?<![\w-])-0(?!\d)", docx_text(files["docx"]))  # (dates have -0)
    numbers = [v for v in xlsx_values(files["xlsx"]) if isinstance(v, (int, float))]
    assert numbers and all(str(v)[0] != "-" for v in numbers), numbers


@pytest.mark.parametrize("amount", [10 ** 20, 1e30, 10 ** 16])
def test_brief_budget_too_large(tmp_path: Path, amount: Any) -> None:
    """Was exit 3 (a template error in the money filter) for 1e30."""
    data = sample("brief")
    data["budget"]["amount"] = amount
    run(tmp_path, "brief", data).rejected("budget.amount")


def test_brief_cny_budget_limit(tmp_path: Path) -> None:
    data = sample("brief")
    data["budget"] = {"amount": 10 ** 13, "currency": "CNY"}
    out = run(tmp_path, "brief", data).rejected("budget.amount")
    assert "10,000,000,000,000" in out, out


@pytest.mark.parametrize("value", [1e30, 10 ** 30, -(10 ** 16)])
def test_weekly_kpi_too_large(tmp_path: Path, value: Any) -> None:
    """Was exit 3: the number filter cannot format it."""
    data = sample("weekly") | {"kpis": [{"name": "Impressions", "value": value, "target": 3}]}
    run(tmp_path, "weekly", data).rejected("kpis[0].value")


def test_weekly_kpi_attainment_too_large(tmp_path: Path) -> None:
    """Two valid numbers whose ratio (the .xlsx computes it) is beyond any number."""
    data = sample("weekly") | {"kpis": [{"name": "CTR", "value": 1e14, "target": 1e-14}]}
    run(tmp_path, "weekly", data).rejected("kpis[0].target")


def test_a_number_just_under_the_limit_renders(tmp_path: Path) -> None:
    data = sample("weekly") | {"kpis": [{"name": "Impressions", "value": MAX_NUMBER - 1,
                                         "target": 1}]}
    files = run(tmp_path, "weekly", data).rendered()
    assert MAX_NUMBER - 1 in [int(v) for v in xlsx_values(files["xlsx"])
                              if isinstance(v, (int, float)) and v == int(v)]


# --- times (point 5) -----------------------------------------------------------------------

@pytest.mark.parametrize("start,end", [("１４:３０", "１５:４５"), ("１４：３０", "15:45")])
def test_full_width_digits_in_a_time_are_read_as_ascii(tmp_path: Path, start: str,
                                                        end: str) -> None:
    """Was exit 70/3 (valid, then the time filter failed): NFKC, printed 14:30."""
    data = sample("minutes") | {"start_time": start, "end_time": end}
    files = run(tmp_path, "minutes", data).rendered()
    assert "14:30" in docx_text(files["docx"])


@pytest.mark.parametrize("value", ["25:61", "오후 ２시", "２５:００", "14:30:99", "14시 30분"])
def test_impossible_times_are_input_errors(tmp_path: Path, value: str) -> None:
    data = sample("minutes") | {"start_time": value}
    out = run(tmp_path, "minutes", data).rejected("start_time")
    assert "is not a valid time" in out, out


def test_next_meeting_time_full_width(tmp_path: Path) -> None:
    data = sample("minutes")
    data["next_meeting"] = dict(data.get("next_meeting") or {}, time="１０:００")
    files = run(tmp_path, "minutes", data).rendered()
    assert "10:00" in docx_text(files["docx"])


# --- fill: any data, no schema (point 4) -------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("char", ["\x0b", "\x00", "\x7f", "\uffff"], ids=repr)
def test_fill_with_a_control_character(tmp_path: Path, fmt: str, char: str) -> None:
    data = _with_client_name("invoice", f"North{char}line")
    (tmp_path / "data.json").write_text(json.dumps(data), encoding="utf-8")
    target = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["fill", str(TEMPLATES / "invoice" / f"invoice.{fmt}"),
                                       str(tmp_path / "data.json"), "-o", str(target),
                                       "--missing", "blank"], env={"DOCGEN_LOCALE": "en"})
    text = _output(result)
    assert result.exit_code == 1, (text, result.exception)
    assert "data.json:1:" in text and "client.name" in text and f"U+{ord(char):04X}" in text
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


# --- floats and Decimals (point 11) ---------------------------------------------------------

def _is_number_field(schema: dict[str, Any]) -> bool:
    types = [schema.get("type"), *(b.get("type") for b in schema.get("anyOf") or [])]
    return "number" in types


def _floats(kind: str, value: Any, path: tuple[Any, ...] = ()) -> Any:
    """Every number of a ``number`` field made a float or a Decimal, in turns (list
    items alternate; whole numbers become x.5 or x.25, except 0, 1 and 100)."""
    if isinstance(value, dict):
        return {k: _floats(kind, v, path + (k,)) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(kind, v, path + (i,)) for i, v in enumerate(value)]
    schema = builtin(kind).schema  # type: ignore[union-attr]
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and _is_number_field(subschema(schema, path)):
        odd = any(isinstance(k, int) and k % 2 for k in path)
        plain = value in (0, 1, 100)
        if odd:
            return Decimal(value) if plain else Decimal(str(value)) + Decimal("0.25")
        return float(value) if plain else float(value) + 0.5
    return value


def _mixed(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = _floats(kind, sample(kind))
    if kind == "weekly":
        data["tasks"][0]["progress"] = 100.0
        data["tasks"][2]["progress"] = Decimal("2.25")
        data["tasks"][3]["progress"] = 1.5
        data["kpis"] = [{"name": "a", "value": 1.5, "target": Decimal("2.25")},
                        {"name": "b", "value": Decimal("1.5"), "target": 3.0},
                        {"name": "c", "value": 2.25, "target": 1.5}]
    if kind == "invoice":
        data["vat_rate"] = 0.1
        data["items"][0]["quantity"] = Decimal("1.5")
        data["items"][1]["quantity"] = 2.25
    if kind == "brief":
        data["budget"]["amount"] = 320000000.5
    return data


@pytest.mark.parametrize("kind", KINDS)
def test_floats_and_decimals_through_the_api(kind: str) -> None:
    """Was a TypeError (float + Decimal) in the weekly templates."""
    data = _mixed(kind)
    assert not [p for p in docgen.validate_record(kind, data) if p.is_error]
    out = docgen.render_record(kind, data, ("docx", "xlsx"), base_dir=SAMPLES)
    docx.Document(io.BytesIO(out["docx"]))
    openpyxl.load_workbook(io.BytesIO(out["xlsx"])).close()


def test_weekly_attainment_of_mixed_numbers() -> None:
    from docgen.api import get_kind, record_context
    from docgen.i18n.locale import DocLocale
    from docgen.inputs import Record, SourceMap

    data = _mixed("weekly")
    context = record_context(get_kind("weekly"), Record(data, SourceMap("<x>")), DocLocale("en"))
    assert [k["attainment"] for k in context["kpis"]] == [
        Decimal("1.5") / Decimal("2.25"), Decimal("0.5"), Decimal("1.5")]


@pytest.mark.parametrize("kind", KINDS)
def test_floats_through_json(tmp_path: Path, kind: str) -> None:
    data = json.loads(json.dumps(_mixed(kind), default=float))
    run(tmp_path, kind, data).rendered()


# --- a user kind's computed date (point 4: date arithmetic in kind computations) -----------

@pytest.mark.parametrize("data", ["issue_date: 9999-12-31\nvalidity_days: 30\n",
                                  "issue_date: 2026-01-01\nvalidity_days: 1000000000\n"])
def test_user_kind_computed_date_out_of_range(tmp_path: Path, data: str) -> None:
    """Was exit 70 (OverflowError). Now the computed field's error, located in kind.yaml
    (exit 3: the definition cannot say which record field is at fault), nothing written."""
    folder = tmp_path / "kinds" / "quote"
    folder.mkdir(parents=True)
    (folder / "kind.yaml").write_text(
        "schema:\n  required: [issue_date]\n  properties:\n"
        "    issue_date: {type: string, format: date}\n    validity_days: {type: integer}\n"
        "computed:\n  valid_until: issue_date + days(validity_days)\n", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("{{ valid_until }}")
    document.save(str(folder / "quote.docx"))
    (tmp_path / "docgen.toml").write_text('[kinds]\npath = "kinds"\n', encoding="utf-8")
    (tmp_path / "a.yaml").write_text(data, encoding="utf-8")
    result = CliRunner().invoke(main, ["render", "quote", str(tmp_path / "a.yaml"), "--config",
                                       str(tmp_path / "docgen.toml"), "-o", str(tmp_path / "out")],
                                env={"DOCGEN_LOCALE": "en"})
    text = _output(result)
    assert result.exit_code == 3, (text, result.exception)
    assert "kind.yaml:7:3: computed field 'valid_until'" in text and "9999-12-31" in text, text
    assert not (tmp_path / "out").exists()


def test_an_excel_formula_beyond_28_digits(tmp_path: Path) -> None:
    """Valid numbers (10^14) a template's formula multiplies past the decimal context
    (=A1*A1*A1 = 1E+42): stored as Excel would, not exit 70 (InvalidOperation)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "{{ x }}"
    sheet["B1"] = "=A1*A1*A1"
    book.save(str(tmp_path / "t.xlsx"))
    (tmp_path / "d.json").write_text('{"x": 100000000000000}', encoding="utf-8")
    result = CliRunner().invoke(main, ["fill", str(tmp_path / "t.xlsx"), str(tmp_path / "d.json"),
                                       "-o", str(tmp_path / "o.xlsx")], env={"DOCGEN_LOCALE": "en"})
    assert result.exit_code == 0, (_output(result), result.exception)
    assert xlsx_values((tmp_path / "o.xlsx").read_bytes())[1] == pytest.approx(1e42)


@pytest.mark.parametrize("value,digits", [
    (10 ** 5000, "5001"), (Decimal("1E+999999"), "1000000"), (1e300, "301"), (10 ** 16, "17"),
], ids=["int", "decimal", "float", "small"])
def test_the_size_of_a_huge_number_is_said(value: Any, digits: str) -> None:
    """(An int of 5,000 digits is never turned into text: Python refuses over 4,300.)"""
    data = sample("weekly") | {"kpis": [{"name": "x", "value": value}]}
    (problem,) = [p for p in docgen.validate_record("weekly", data, locale="en") if p.is_error]
    assert problem.path == "kpis[0].value" and f"({digits} digits)" in problem.message
