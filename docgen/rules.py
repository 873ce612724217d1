"""Checks beyond the schema: cross-field rules, tax numbers, job numbers.

The schema says what each field is; rules say how fields fit together (a meeting
that ends before it starts, a client who signed before the team did). Each kind may
have ``docgen/kinds/<kind>/rules.py`` with ``check(data, findings)``; the checks here
apply to every kind. Rules read the record as written and skip what the schema
already reported (a date that does not parse is not compared with another).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Optional, Pattern

from .i18n.locale import DocLocale, UnknownLocale
from .inputs import PathKey
from .messages import N_
from .taxid import check_tax_id
from .i18n.money import minor_digits
from .values import MAX_NUMBER, money_limit, parse_date, parse_time

# Job numbers as agencies write them: CLIENT-YYYY-NNNN (HL-2026-0417), the client
# code 2–10 letters or digits. docgen.toml [defaults] job_number_pattern replaces it.
DEFAULT_JOB_NUMBER = r"[A-Z][A-Z0-9]{1,9}-(?:19|20)\d{2}-\d{3,6}"
_CURRENCY_COUNTRIES = {"KRW": "KR", "CNY": "CN", "TWD": "TW"}


@dataclass(frozen=True)
class RuleOptions:
    """Settings rules read (from the company profile)."""

    job_number: Pattern[str] = re.compile(DEFAULT_JOB_NUMBER)
    # "Today" as an input (tests freeze it): the year assumed for a date typed without
    # one (11/3) when the record has no other date; None reads the clock.
    today: Optional[dt.date] = None

    @classmethod
    def from_pattern(cls, pattern: Optional[str]) -> "RuleOptions":
        return cls(re.compile(pattern)) if pattern else cls()


class Findings:
    """Where rules report: ``error``/``warning`` at a key path, with a stable code and
    an English msgid (placeholders filled from keyword arguments). ``locale`` is the
    messages' language (a kind.yaml rule may carry its own text per locale)."""

    def __init__(self, emit: Callable[..., None], options: RuleOptions,
                 locale: Optional[DocLocale] = None) -> None:
        self._emit = emit
        self.options = options
        self.locale = locale

    def error(self, path: PathKey, code: str, message: str, **params: Any) -> None:
        self._emit(path, code, message, "error", params)

    def warning(self, path: PathKey, code: str, message: str, **params: Any) -> None:
        self._emit(path, code, message, "warning", params)


Rule = Callable[[dict[str, Any], Findings], None]


def date_at(data: Any, *keys: Any) -> Optional[dt.date]:
    """The date at ``data[k1][k2]…`` if present and valid."""
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return parse_date(data)


def time_at(data: dict[str, Any], key: str) -> Optional[dt.time]:
    value = data.get(key)
    return parse_time(value) if value not in (None, "") else None


def items(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """``(index, item)`` of the mappings in list ``key`` (other entries were reported)."""
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def number_at(data: Any, key: str) -> Optional[Decimal]:
    """``data[key]`` as a Decimal when it is a number validation accepts (finite, under
    :data:`~docgen.values.MAX_NUMBER`); None otherwise (already reported, or absent)."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and abs(value) >= MAX_NUMBER:
        return None  # (not turned into a Decimal: it may have thousands of digits)
    number = Decimal(str(value))
    return number if number.is_finite() and abs(number) < MAX_NUMBER else None


def currency_digits(currency: Any) -> int:
    """The decimals of ``currency`` on documents; 2 for one docgen does not know (the
    schema reports it)."""
    try:
        return minor_digits(str(currency or "").strip().upper() or "USD")
    except (ValueError, LookupError):
        return 2


def check_amount(findings: Findings, path: PathKey, amount: Decimal, currency: Any,
                 message: str) -> bool:
    """An error at ``path`` when ``amount`` is too large to write exactly in
    ``currency`` (see :func:`~docgen.values.money_limit`); False then."""
    limit = money_limit(currency_digits(currency))
    if abs(amount) < limit:
        return True
    findings.error(path, "amount_too_large", message, amount=f"{int(amount):,}",
                   currency=str(currency or ""), limit=f"{int(limit):,}")
    return False


def check_common(data: dict[str, Any], findings: Findings) -> None:
    """Rules every kind shares: the record's locale, the job number's shape and the
    client's tax number."""
    locale = data.get("locale")
    if isinstance(locale, str) and locale.strip():
        try:
            DocLocale.parse(locale)
        except UnknownLocale:
            findings.error(("locale",), "locale", N_(
                "unknown locale '{locale}' (use ko, zh-CN, zh-TW, en, or A+B)"), locale=locale)
    job = data.get("job_number")
    if isinstance(job, str) and job.strip() and not findings.options.job_number.fullmatch(job.strip()):
        findings.error(("job_number",), "job_number", N_(
            "'{value}' is not a job number of the form CLIENT-YYYY-NNNN (e.g. HL-2026-0417)"),
            value=job)
    client = data.get("client")
    if isinstance(client, dict) and client.get("tax_id") not in (None, ""):
        country = client.get("country")
        if not isinstance(country, str) or not country:
            country = _CURRENCY_COUNTRIES.get(str(data.get("currency") or "").upper())
        problem = check_tax_id(country, client["tax_id"])
        if problem is not None:
            findings.error(("client", "tax_id"), problem.code, problem.message, **problem.params)
