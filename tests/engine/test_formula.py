"""Formula tokenizing, reference moving and evaluation (cached values for readers)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Optional, Union

import pytest

from docgen.render import formula as fx

D = Decimal


def _grid(cells: dict[str, Union[int, float, str, bool]]) -> fx.Grid:
    values = {fx.parse_cell(k): v for k, v in cells.items()}

    def get(sheet: Optional[str], row: int, col: int) -> fx.Value:
        if sheet not in (None, "Other"):
            return None
        key = (row, col)
        v = values.get(key) if sheet is None else {(1, 1): D(7)}.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return v
        return D(str(v))

    return get


GRID = _grid({"A1": 2, "A2": 3, "A3": "x", "B1": 0.1, "B2": 1234567, "C1": True, "C2": 0})


@pytest.mark.parametrize("formula, expected", [
    ("1+2*3", D(7)),
    ("(1+2)*3", D(9)),
    ("-A1^2", D(4)),            # Excel: unary minus binds tighter than ^
    ("2^3^2", D(64)),           # left-associative in Excel
    ("10%", D("0.1")),
    ("SUM(A1:A3)", D(5)),       # text in a range is skipped
    ("SUM(A1:A2,10)", D(15)),
    ("AVERAGE(A1:A2)", D("2.5")),
    ("MIN(A1:A2)+MAX(A1:A2)", D(5)),
    ("ROUND(2.5,0)", D(3)),      # half away from zero, not banker's
    ("ROUND(-2.5,0)", D(-3)),
    ("ROUND(1234.5678,2)", D("1234.57")),
    ("ROUNDDOWN(B2*0.1,0)", D(123456)),  # KR VAT: 원 미만 절사
    ("ROUNDUP(1.01,0)", D(2)),
    ("TRUNC(-1.9)", D(-1)),
    ("INT(-1.5)", D(-2)),
    ('IF(A1>1,"big","small")', "big"),
    ("IF(A1>5,1)", False),
    ("IF(A1>1,1,1/0)", D(1)),    # the branch not taken is not evaluated
    ("IFERROR(1/C2,0)", D(0)),
    ('A1&"-"&A3', "2-x"),
    ('A3="X"', True),            # text comparison ignores case
    ("C1", True),
    ("AND(C1,A1>1)", True),
    ('COUNTIF(A1:A3,"x")', D(1)),
    ('COUNTIF(A1:A3,">2")', D(1)),
    ('SUMIF(A1:A3,">=2")', D(5)),
    ("SUMPRODUCT(A1:A2,A1:A2)", D(13)),
    ("Other!A1*2", D(14)),
    ("0.1+0.2", D("0.3")),       # Decimal: no binary noise in money totals
])
def test_evaluate(formula: str, expected: object) -> None:
    assert fx.evaluate(fx.tokenize(formula), GRID) == expected


@pytest.mark.parametrize("formula, code", [("1/0", "#DIV/0!"), ("A3*2", "#VALUE!"), ("#N/A", "#N/A")])
def test_excel_errors(formula: str, code: str) -> None:
    with pytest.raises(fx.ExcelError) as err:
        fx.evaluate(fx.tokenize(formula), GRID)
    assert err.value.code == code


@pytest.mark.parametrize("formula", ["VLOOKUP(1,A1:B2,2,0)", "NOW()", "A:A", "SUM(1,"])
def test_unsupported_is_reported_not_guessed(formula: str) -> None:
    with pytest.raises(fx.FormulaError):
        fx.evaluate(fx.tokenize(formula), GRID)


def test_tokenizer_keeps_text_and_finds_references() -> None:
    text = "SUM($D$5:D5)+'My Sheet'!B2*LOG10(A1)+\"A1\"+Sheet2!A:A+3:4"
    toks = fx.tokenize(text)
    assert "".join(t.text for t in toks) == text
    refs = [t.text for t in toks if t.kind == "ref"]
    assert refs == ["$D$5:D5", "'My Sheet'!B2", "A1", "Sheet2!A:A", "3:4"]  # not LOG10, not "A1"


def test_translate_moves_only_references() -> None:
    toks = fx.tokenize('SUM(D5:D5)*"D5"+$B$2')

    def down(ref: fx.Ref) -> fx.Ref:
        return replace(ref, r1=ref.r1 + 10 if ref.r1 else None,
                       r2=ref.r2 + 10 if ref.r2 else None)

    assert fx.translate(toks, down) == 'SUM(D15:D15)*"D5"+$B$12'
    # gone cells: no cells as an aggregate's argument (SUM of none is 0), else #REF!
    assert fx.translate(toks, lambda r: None) == '0*"D5"+#REF!'


def test_shift_ref_respects_absolute_parts() -> None:
    (tok,) = [t for t in fx.tokenize("$A1:B$2") if t.kind == "ref"]
    assert tok.ref is not None
    assert fx.shift_ref(tok.ref, 3, 1).text() == "$A4:C$2"


@pytest.mark.parametrize("value, text", [
    (D("6003.0"), "6003"), (D("0.30"), "0.3"), (D("1E+3"), "1000"), (D("-12.50"), "-12.5"),
])
def test_format_number(value: Decimal, text: str) -> None:
    assert fx.format_number(value) == text


def test_date_serial_matches_excel() -> None:
    import datetime as dt
    assert fx.date_serial(dt.date(2026, 11, 27)) == 46353
    assert fx.date_serial(dt.datetime(2026, 11, 30, 12, 0)) == D("46356.5")


@pytest.mark.parametrize("formula, expected", [
    ('LEN("가나다")', D(3)), ('LEFT("HL-2026-0417",2)', "HL"), ('RIGHT("HL-2026-0417",4)', "0417"),
    ('MID("HL-2026-0417",4,4)', "2026"), ('UPPER("ab")', "AB"), ('TRIM("  a   b ")', "a b"),
    ('VALUE("1,234")+1', D(1235)), ('LEFT("abc")', "a"),
])
def test_text_functions(formula: str, expected: object) -> None:
    assert fx.evaluate(fx.tokenize(formula), GRID) == expected
