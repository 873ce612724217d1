"""User kinds without Python: the example folder copied as a new user would, a custom
field on invoice in docgen.toml, an overlay allowing discount lines, every command on
the user kind, outputs read back with python-docx/openpyxl; broken kind.yaml files
give located messages and exit 3."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

from docgen import kinds
from docgen.cli import main
from docgen.declarative import KindDefinitionError
from docgen.profile import Profile, ProfileInvalid, load_profile
from tests.support import LOCALES, REPO, SAMPLES

EXAMPLE = REPO / "examples" / "kinds"
TOML = """\
[kinds]
path = "kinds"

[kinds.invoice.fields]
project_code = { type = "string", labels = { ko = "프로젝트 코드", zh-CN = "项目代码", zh-TW = "專案代碼", en = "Project code" } }
"""
# Quote totals per sample: subtotal, VAT, total, amount in words.
QUOTES = {
    "ko": ("Q-2026-031", "₩8,400,000", "₩840,000", "₩9,240,000", "일금 구백이십사만원정"),
    "zh-CN": ("Q-2026-032", "¥21,004.00", "¥1,260.24", "¥22,264.24",
              "人民币贰万贰仟贰佰陆拾肆元贰角肆分"),
    "zh-TW": ("Q-2026-033", "$130,000", "$6,500", "$136,500", "新臺幣壹拾參萬陸仟伍佰元整"),
    "en": ("Q-2026-034", "$6,723.00", "$672.30", "$7,395.30",
           "US Dollars Seven Thousand Three Hundred Ninety-Five and Thirty Cents Only"),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new user's folder: the example kinds copied, docgen.toml naming them."""
    shutil.copytree(EXAMPLE, tmp_path / "kinds")
    (tmp_path / "docgen.toml").write_text(TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCGEN_LOCALE", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def doc_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(dict.fromkeys(c.text for c in row.cells)))
    return "\n".join(parts)


def test_kinds_lists_user_kinds_beside_built_in_ones(project: Path) -> None:
    result = run("kinds", "-l", "ko")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [*kinds.builtin_names(), "quote"]
    assert lines[-1] == "quote\t견적서\t사용자 종류"
    assert "invoice\t세금계산서 발행 요청서" in lines  # an overlay is still the built-in kind
    assert run("kinds", "-l", "zh-TW").output.splitlines()[-1] == "quote\t報價單\t使用者類型"


@pytest.mark.parametrize("locale", LOCALES)
def test_quote_renders_in_four_locales(project: Path, locale: str) -> None:
    number, subtotal, vat, total, words = QUOTES[locale]
    sample = run("sample", "quote", "-l", locale)
    assert sample.exit_code == 0
    (project / "q.yaml").write_text(sample.output, encoding="utf-8")
    assert run("validate", "quote", "q.yaml").exit_code == 0
    result = run("render", "quote", "q.yaml", "-f", "docx,xlsx", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert result.output.split() == [f"out/quote_{number}.docx", f"out/quote_{number}.xlsx"]
    text = doc_text(project / "out" / f"quote_{number}.docx")
    for value in (subtotal, vat, total, words):
        assert value in text
    assert "{{" not in text and "{%" not in text
    title = {"ko": "견 적 서", "zh-CN": "报 价 单", "zh-TW": "報 價 單", "en": "QUOTATION"}
    assert text.splitlines()[0] == title[locale]
    sheet = openpyxl.load_workbook(project / "out" / f"quote_{number}.xlsx").active
    cells = {c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    plain = Decimal(total.lstrip("₩¥$").replace(",", ""))
    assert any(isinstance(v, (int, float)) and Decimal(str(v)) == plain for v in cells)
    assert words in cells


def test_quote_values_computed_with_decimal(project: Path) -> None:
    run("sample", "quote", "-l", "zh-CN")
    text = doc_text(_render(project, "zh-CN"))
    # 8 × 1,250.50 = 10,004.00; the discount line is negative; valid 15 days.
    assert "2 | 门店海报延展 | 8 款 | ¥1,250.50 | ¥10,004.00" in text
    assert "3 | 老客户折扣 | 1 项 | -¥1,000.00" in text  # (price and amount: one cell shown)
    assert "报价有效期至 | 2026年12月5日" in text
    assert "税额 | ¥1,260.24 (6%)" in text


def _render(project: Path, locale: str) -> Path:
    source = project / "kinds" / "quote" / "samples" / f"{locale}.yaml"
    result = run("render", "quote", str(source), "-o", "out", "--force")
    assert result.exit_code == 0, result.stderr
    return Path(result.output.strip())


@pytest.mark.parametrize("locale", LOCALES)
def test_invoice_with_custom_fields_and_a_discount_line(project: Path, locale: str) -> None:
    """A PO number (overlay) and a project code (docgen.toml) on the built-in invoice,
    a negative line, the user's edited copy of the built-in template."""
    assert run("template", "new", "invoice", "-o", "kinds/invoice/invoice.docx").exit_code == 0
    edited = docx.Document("kinds/invoice/invoice.docx")  # what the user does in Word
    edited.add_paragraph("{{ labels.po_number }}: {{ po_number }}")
    edited.add_paragraph("{{ labels.project_code }}: {{ project_code }}")
    edited.save("kinds/invoice/invoice.docx")
    check = run("template", "check", "kinds/invoice/invoice.docx", "--kind", "invoice")
    assert check.exit_code == 0, check.stderr

    data: dict[str, Any] = yaml.safe_load((SAMPLES / "invoice" / f"{locale}.yaml")
                                          .read_text(encoding="utf-8"))
    data.update(po_number="PO-20417", project_code="HL-X1")
    data["items"].append({"description": "Discount", "quantity": 1, "unit_price": -1000})
    Path("inv.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    validated = run("validate", "invoice", "inv.yaml")
    assert validated.exit_code == 0, validated.stderr
    assert validated.stderr.count("\n") == 1  # the summary line only: no unknown-field warning
    result = run("render", "invoice", "inv.yaml", "-o", "out")
    assert result.exit_code == 0, result.stderr
    text = doc_text(Path(result.output.strip()))
    po = {"ko": "발주번호", "zh-CN": "采购订单号", "zh-TW": "採購單號", "en": "PO No."}[locale]
    code = {"ko": "프로젝트 코드", "zh-CN": "项目代码", "zh-TW": "專案代碼",
            "en": "Project code"}[locale]
    assert f"{po}: PO-20417" in text.splitlines()
    assert f"{code}: HL-X1" in text.splitlines()

    # The custom fields are validated by type and by the overlay's rule.
    data.update(po_number="20417", project_code=7)
    Path("bad.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bad = run("validate", "invoice", "bad.yaml", "-l", "en")
    assert bad.exit_code == 1
    assert "po_number (PO No.): '20417' does not have the expected form (e.g. PO-20417)" \
        in bad.stderr
    assert "project_code (Project code): must be text" in bad.stderr


def test_without_the_overlay_a_discount_line_is_refused(project: Path) -> None:
    shutil.rmtree(project / "kinds" / "invoice")
    data = yaml.safe_load((SAMPLES / "invoice" / "en.yaml").read_text(encoding="utf-8"))
    data["items"].append({"description": "Discount", "quantity": 1, "unit_price": -1000})
    Path("inv.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run("validate", "invoice", "inv.yaml", "-l", "en")
    assert result.exit_code == 1
    assert "must be at least 0" in result.stderr


def test_every_command_works_on_the_user_kind(project: Path) -> None:
    schema = run("schema", "quote")
    assert schema.exit_code == 0 and '"x-group-list": "items"' in schema.output
    new = run("template", "new", "quote", "-f", "xlsx", "-o", "mine.xlsx")
    assert new.exit_code == 0
    assert (project / "mine.xlsx").read_bytes() == \
        (project / "kinds" / "quote" / "quote.xlsx").read_bytes()
    assert run("template", "check", "mine.xlsx", "--kind", "quote").exit_code == 0
    # A tag the kind does not know is caught, with the kind's own fields suggested.
    edited = docx.Document("kinds/quote/quote.docx")
    edited.add_paragraph("{{ valid_untill }}")
    edited.save("typo.docx")
    typo = run("template", "check", "typo.docx", "--kind", "quote", "-l", "en")
    assert typo.exit_code == 3 and "valid_until" in typo.stderr
    # batch: a sheet folded by --group-by into the kind's x-group-list (items).
    rows = ("quote_number,client,issue_date,currency,discount_reason,items.description,"
            "items.quantity,items.unit_price\n"
            "Q-2026-101,Hanil,2026-11-20,KRW,loyalty,Design,1,1000000\n"
            "Q-2026-101,Hanil,2026-11-20,KRW,loyalty,Discount,1,-100000\n"
            "Q-2026-102,Halla,2026-11-21,KRW,,Copy,2,300000\n")
    Path("quotes.csv").write_text(rows, encoding="utf-8")
    batch = run("batch", "quote", "quotes.csv", "--group-by", "quote_number", "-o", "b",
                "-j", "1", "-l", "ko")
    assert batch.exit_code == 0, batch.stderr
    text = doc_text(project / "b" / "quote_Q-2026-101.docx")
    assert "₩900,000" in text and "₩990,000" in text  # subtotal, total with 10% VAT


def test_user_kind_rules_are_located(project: Path) -> None:
    data = yaml.safe_load((EXAMPLE / "quote" / "samples" / "en.yaml").read_text(encoding="utf-8"))
    data.update(quote_number="2026-34", validity_days=400, start_date="2026-11-01")
    del data["discount_reason"]
    Path("q.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = run("validate", "quote", "q.yaml", "-l", "en")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("q.yaml:")] == [
        "q.yaml:1:1: discount_reason (Discount reason): a value is required when "
        "min(items.unit_price) < 0",
        "q.yaml:2:1: quote_number (Quote No.): '2026-34' does not have the expected form "
        "(e.g. Q-2026-031)",
        "q.yaml:8:1: validity_days (Valid for (days)): must be at most 365",
        "q.yaml:26:1: start_date (Work starts): must not be before issue_date (2026-11-20)",
    ]


# --- broken definitions -------------------------------------------------------------------

BROKEN = [
    ("schema: [unclosed\n",
     "kind.yaml:2:1: '[' on line 1 is not closed: add ']', or put the whole value in quotes"),
    ("schema:\n  properties:\n    a: {type: strng}\n",
     "kind.yaml:3:9: unknown type 'strng' (use string, number, integer, boolean, array, "
     "object)"),
    ("schema:\n  properties:\n    a: {type: string, minimun: 1}\n",
     "kind.yaml:3:23: unknown schema keyword 'minimun' (did you mean 'minimum'?)"),
    ("schema:\n  properties:\n    a: {type: number}\nrules:\n  - rnge: a\n    min: 1\n",
     "kind.yaml:5:5: unknown rule type 'rnge' (did you mean 'range'?)"),
    ("schema:\n  properties:\n    a: {type: number}\nrules:\n  - range: b\n    min: 1\n",
     "kind.yaml:5:5: unknown field 'b'"),
    ("schema:\n  properties:\n    a: {type: number}\ncomputed:\n  double: a *\n",
     "kind.yaml:5:3: computed field 'double': the expression ends too early\n    a *\n"
     "       ^"),
    ("schema:\n  properties:\n    quantity: {type: number}\ncomputed:\n  x: quantty * 2\n",
     "kind.yaml:5:3: computed field 'x': unknown name 'quantty' (did you mean "
     "'quantity'?)\n    quantty * 2\n    ^"),
    ("schema:\n  properties:\n    a: {type: number}\ncomputed:\n  x: a.__class__\n",
     "kind.yaml:5:3: computed field 'x': names starting with '_' are not allowed: "
     "'__class__'"),
    ("schema:\n  properties:\n    a: {type: number}\ncomputed:\n  x: open(a)\n",
     "kind.yaml:5:3: computed field 'x': 'open' cannot be called (functions: sum, round, "
     "min, max, days, len)"),
    ("schema:\n  properties:\n    a: {type: string}\nrules:\n  - pattern: a\n    regex: '('\n",
     "kind.yaml:6:5: not a valid regular expression: missing ), unterminated subpattern at "
     "position 0"),
    ("schema:\n  properties:\n    a: {type: string}\nrulez: []\n",
     "kind.yaml:4:1: unknown key 'rulez' (did you mean 'rules'?)"),
]


@pytest.mark.parametrize("text, message", BROKEN)
def test_broken_kind_yaml_is_located(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "kinds" / "broken").mkdir(parents=True)
    (tmp_path / "kinds" / "broken" / "kind.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KindDefinitionError) as info:
        kinds.get("broken", Profile(kinds_path=tmp_path / "kinds"))
    shown = str(info.value).replace(str(tmp_path / "kinds" / "broken") + "/", "")
    assert shown.startswith(message), shown


def test_every_problem_of_a_definition_at_once_in_the_users_language(
        project: Path) -> None:
    (project / "kinds" / "quote" / "kind.yaml").write_text(
        "schema:\n  properties:\n    a: {type: strng}\nrules:\n  - rnge: a\n", encoding="utf-8")
    Path("q.yaml").write_text("a: 1\n", encoding="utf-8")
    result = run("render", "quote", "q.yaml", "-l", "ko")
    assert result.exit_code == 3
    assert "종류 정의에 문제가 2개 있습니다" in result.stderr
    assert "kind.yaml:3:9: 알 수 없는 형식 'strng'" in result.stderr
    assert not (project / "out").exists()


def test_division_by_zero_at_render_is_located(project: Path) -> None:
    path = project / "kinds" / "quote" / "kind.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "vat_percent: vat_rate * 100", "vat_percent: vat_rate * 100 / (validity_days - 30)"),
        encoding="utf-8")
    result = run("render", "quote", "kinds/quote/samples/ko.yaml", "-l", "en")
    assert result.exit_code == 3
    assert "kind.yaml:" in result.stderr
    assert "computed field 'vat_percent': division by zero" in result.stderr
    assert list(project.glob("*.docx")) == []


@pytest.mark.parametrize("toml, message", [
    ('[kinds]\npath = "nowhere"\n', "docgen.toml:2:1: kinds folder not found"),
    ('[kinds.invoce.fields]\na = {type = "string"}\n',
     "docgen.toml:1:1: unknown kind 'invoce' (did you mean 'invoice'?)"),
    ('[kinds.invoice.fields]\na = {type = "text"}\n',
     "docgen.toml:2:6: unknown type 'text' (use string, number, integer, boolean, date)"),
    ('[kinds.invoice.fields]\na = {type = "string", lables = {ko = "가"}}\n',
     "docgen.toml:2:23: unknown field kinds.invoice.fields.a.lables (did you mean 'labels'?)"),
])
def test_kinds_section_problems_are_located(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "docgen.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileInvalid) as info:
        load_profile(tmp_path / "docgen.toml")
    assert str(info.value).replace(str(tmp_path) + "/", "").startswith(message), str(info.value)


def test_custom_field_clashing_with_a_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "docgen.toml").write_text('[kinds.invoice.fields]\nclient = {type = "string"}\n',
                                          encoding="utf-8")
    profile = load_profile(tmp_path / "docgen.toml")
    with pytest.raises(KindDefinitionError) as info:
        kinds.get("invoice", profile)
    assert "invoice already has a field 'client'" in str(info.value)
    assert info.value.exit_code == 3


@pytest.mark.parametrize("args", [("kinds",), ("schema", "quote"), ("sample", "quote"),
                                  ("template", "new", "quote", "-o", "q.docx")])
def test_a_broken_profile_is_reported_not_hidden_behind_unknown_kind(
        project: Path, args: tuple[str, ...]) -> None:
    # The user kind comes from docgen.toml: with a typo there, the commands must say
    # what is wrong with the file, not that 'quote' does not exist.
    (project / "docgen.toml").write_text(TOML + "\n[defautls]\nlocale = \"en\"\n", encoding="utf-8")
    result = run(*args)
    assert result.exit_code == 1
    assert "docgen.toml:" in result.stderr and "[defautls]" in result.stderr
    assert "[defaults]" in result.stderr  # did you mean
    assert "unknown kind" not in result.stderr
    assert not (project / "q.docx").exists()
