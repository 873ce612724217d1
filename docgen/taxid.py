"""Business tax numbers of Korea, mainland China and Taiwan, with their check digits.

A wrong digit in the buyer's tax number makes finance issue an invoice that must be
cancelled and re-issued, so docgen checks the numbers before anything is written:

* Korea — 사업자등록번호, 10 digits ``XXX-XX-XXXXX``: weights 1 3 7 1 3 7 1 3 5 on
  the first nine digits, plus the tens of 5 × the ninth digit; the check digit makes
  the sum a multiple of 10 (국세청 번호 체계).
* China — 统一社会信用代码 (GB 32100-2015), 18 characters from ``0-9`` and
  ``ABCDEFGHJKLMNPQRTUWXY`` (no I O S V Z): a mod-31 check character over
  weights 3^i mod 31; characters 9–17 are the organisation code (GB 11714) with
  its own mod-11 check character (``X`` for 10, ``0`` for 11).
* Taiwan — 統一編號, 8 digits: weights 1 2 1 2 1 2 4 1, the digits of each
  product added; under the rule in force since 2023 the sum must be a multiple of
  5 (it was 10; every old number still passes). When the 7th digit is 7 its
  product 28 counts as either 1 or 0.

:func:`check_tax_id` returns ``None`` for a valid number, else what is wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from .messages import N_

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_KR_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_TW_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)
_KR_SHAPE = re.compile(r"^\d{3}-?\d{2}-?\d{5}$")


@dataclass(frozen=True)
class TaxIdProblem:
    """Why a tax number is not valid: a stable code and a message (gettext msgid)."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def _clean(value: str) -> str:
    return re.sub(r"[\s\u3000]", "", value)


def check_kr(value: str) -> Optional[TaxIdProblem]:
    text = _clean(value)
    if not _KR_SHAPE.match(text):
        return TaxIdProblem("tax_id_format", N_(
            "a Korean business registration number has 10 digits: XXX-XX-XXXXX"))
    digits = [int(c) for c in text if c.isdigit()]
    total = sum(d * w for d, w in zip(digits, _KR_WEIGHTS)) + digits[8] * 5 // 10
    if (10 - total % 10) % 10 != digits[9]:
        return TaxIdProblem("tax_id_check", N_(
            "the check digit does not match: a digit of this business registration "
            "number is wrong"))
    return None


def _org_code_check(body: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_cn(value: str) -> Optional[TaxIdProblem]:
    text = _clean(value).upper()
    if len(text) != 18:
        return TaxIdProblem("tax_id_format", N_(
            "a unified social credit code has 18 characters (it has {count})"),
            {"count": len(text)})
    bad = [c for c in text if c not in USCC_CHARS]
    if bad:
        return TaxIdProblem("tax_id_format", N_(
            "a unified social credit code uses digits and the letters "
            "ABCDEFGHJKLMNPQRTUWXY only, not '{char}'"), {"char": bad[0]})
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(text, _USCC_WEIGHTS))
    if USCC_CHARS[(31 - total % 31) % 31] != text[17]:
        return TaxIdProblem("tax_id_check", N_(
            "the check character does not match: a character of this credit code is wrong"))
    if _org_code_check(text[8:16]) != text[16]:
        return TaxIdProblem("tax_id_org", N_(
            "the organisation code inside the credit code (characters 9-17) does not "
            "check out: a character is wrong"))
    return None


def _tw_sum(text: str) -> int:
    return sum(p // 10 + p % 10 for p in (int(c) * w for c, w in zip(text, _TW_WEIGHTS)))


def check_tw(value: str) -> Optional[TaxIdProblem]:
    text = _clean(value)
    if not re.fullmatch(r"\d{8}", text):
        return TaxIdProblem("tax_id_format", N_(
            "a Taiwan unified business number has 8 digits"))
    total = _tw_sum(text)  # the 7th position's 28 is counted here as 2 + 8 = 10
    valid = total % 5 == 0 or (text[6] == "7" and (total - 9) % 5 == 0)  # 10 → 0, or → 1
    if not valid:
        return TaxIdProblem("tax_id_check", N_(
            "the check does not add up: a digit of this unified business number is wrong"))
    return None


CHECKS = {"KR": check_kr, "CN": check_cn, "TW": check_tw}


def check_tax_id(country: Optional[str], value: Any) -> Optional[TaxIdProblem]:
    """What is wrong with ``value`` as a tax number of ``country`` (KR, CN, TW), or
    None when it is valid or the country has no check here."""
    check = CHECKS.get((country or "").upper())
    if check is None:
        return None
    return check(str(value))
