"""The safe expression language of kind.yaml: precedence, Decimal exactness, rounding,
dates, errors at their column, and nothing outside the whitelist."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from docgen.expressions import Expression, ExpressionError, check_names, parse


def ev(text: str, *frames: dict[str, Any]) -> Any:
    return Expression.compile(text)(*(frames or ({},)))


@pytest.mark.parametrize("text, value", [
    ("1 + 2 * 3", Decimal(7)),
    ("(1 + 2) * 3", Decimal(9)),
    ("10 - 4 - 3", Decimal(3)),
    ("2 * -3", Decimal(-6)),
    ("-2 * 3 + 1", Decimal(-5)),
    ("7 % 4", Decimal(3)),
    ("1 + 2 > 2 and not 3 < 1", True),
    ("false or 0 or 'x'", "x"),
    ("1 if 2 > 3 else 4 if true else 5", Decimal(4)),
    ("'a' + 'b'", "ab"),
])
def test_precedence(text: str, value: Any) -> None:
    assert ev(text) == value


def test_decimal_is_exact() -> None:
    assert ev("0.1 + 0.2") == Decimal("0.3")
    assert ev("0.1 + 0.2 == 0.3") is True
    # YAML floats in the record are read as their written decimal, not binary floats.
    assert ev("a + b", {"a": 0.1, "b": 0.2}) == Decimal("0.3")
    assert isinstance(ev("a * 3", {"a": 0.1}), Decimal)


def test_round_half_up_to_the_currency() -> None:
    assert ev("round(2.5)") == Decimal(3)
    assert ev("round(-2.5)") == Decimal(-3)
    assert ev("round(x)", {"x": Decimal("1.005"), "currency": "CNY"}) == Decimal("1.01")
    assert ev("round(x)", {"x": Decimal("1234.5"), "currency": "KRW"}) == Decimal(1235)
    assert ev("round(x, 1)", {"x": Decimal("0.25")}) == Decimal("0.3")
    # An item sees its own fields first, then the record's currency.
    assert ev("round(quantity * unit_price)", {"quantity": 3, "unit_price": 0.335},
              {"currency": "USD"}) == Decimal("1.01")


def test_lists_and_functions() -> None:
    record = {"items": [{"amount": 1.5}, {"amount": 2}, {"amount": None}]}
    assert ev("sum(items.amount)", record) == Decimal("3.5")
    assert ev("len(items)", record) == 3
    assert ev("min(items.amount)", record) == Decimal("1.5")
    assert ev("max(items.amount)", record) == 2
    assert ev("max(1, 4, 2)") == 4
    assert ev("sum(items.amount)", {"items": []}) == 0


def test_dates() -> None:
    data = {"issue": dt.date(2026, 11, 20), "days_": 0, "n": 30}
    assert ev("issue + days(n)", data) == dt.date(2026, 12, 20)
    assert ev("issue - days(20)", data) == dt.date(2026, 10, 31)
    assert ev("issue + days(n) - issue", data) == 30
    assert ev("issue < issue + days(1)", data) is True


@pytest.mark.parametrize("text, data, message, column", [
    ("a / b", {"a": 1, "b": 0}, "division by zero", 3),
    ("a % 0", {"a": 1}, "division by zero", 3),
    ("a * 2", {}, "'a' has no value", 1),
    ("a + 1", {"a": "x"}, "'x' is not a number", 1),
    ("d + 1", {"d": dt.date(2026, 1, 1)},
     "a date can only be moved by days(n) or subtracted from a date", 3),
])
def test_runtime_errors_are_located(text: str, data: dict[str, Any], message: str,
                                    column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        ev(text, data)
    assert (str(info.value), info.value.column) == (message, column)


@pytest.mark.parametrize("text, message, column", [
    ("1 +", "the expression ends too early", 4),
    ("(1 + 2", "the expression ends too early", 7),
    ("1 2", "unexpected '2'", 3),
    ("a < b < c", "comparisons cannot be chained: use 'and'", 7),
    ("a = 1", "unexpected character '='", 3),
    ("x.__class__", "names starting with '_' are not allowed: '__class__'", 3),
    ("__import__('os')", "names starting with '_' are not allowed: '__import__'", 1),
    ("open('f')", "'open' cannot be called (functions: sum, round, min, max, days, len)", 1),
    ("items.pop(0)",
     "'items.pop' cannot be called (functions: sum, round, min, max, days, len)", 1),
    ("round(1, 2, 3)", "round() takes 1–2 argument(s), not 3", 1),
    ("a[0]", "unexpected character '['", 2),
    ("lambda: 1", "unexpected character ':'", 7),
    ("a if b", "the expression ends too early", 7),
])
def test_syntax_errors_are_located(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert (str(info.value), info.value.column) == (message, column)


def test_unknown_name_says_did_you_mean() -> None:
    with pytest.raises(ExpressionError) as info:
        check_names(parse("quantty * unit_price"), ["quantity", "unit_price"])
    assert str(info.value) == "unknown name 'quantty' (did you mean 'quantity'?)"
    assert info.value.column == 1
    with pytest.raises(ExpressionError) as info:
        check_names(parse("2 * zzz"), ["quantity"])
    assert (str(info.value), info.value.column) == ("unknown name 'zzz'", 5)


def test_paths_read_mapping_keys_only() -> None:
    """A path never reaches Python attributes: on a non-mapping it gives nothing."""
    assert ev("s.upper", {"s": "abc"}) is None
    assert ev("d.year", {"d": dt.date(2026, 1, 1)}) is None
    assert ev("client.name", {"client": {"name": "Hanil"}}) == "Hanil"
