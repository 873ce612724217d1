"""Rules beyond the schema: tax numbers with check digits, job numbers, cross-field
rules of each kind, ranges. Vectors are derived from the published algorithms."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from docgen import kinds
from docgen.i18n.locale import DocLocale
from docgen.inputs import SourceMap, read_record
from docgen.pipeline import validator
from docgen.profile import Profile, load_profile
from docgen.taxid import check_cn, check_kr, check_tax_id, check_tw
from tests.support import REPO


# --- tax numbers -------------------------------------------------------------------

@pytest.mark.parametrize("number", [
    "124-81-00998",      # 삼성전자
    "1248100998",        # without hyphens
    "220-81-62517",
    "214-86-12341",      # the sample profile's
])
def test_valid_korean_business_numbers(number: str) -> None:
    assert check_kr(number) is None


@pytest.mark.parametrize("number, code", [
    ("124-81-00997", "tax_id_check"),   # last digit off by one
    ("124-18-00998", "tax_id_check"),   # two digits swapped
    ("124-81-0099", "tax_id_format"),   # 9 digits
    ("124-81-00998-1", "tax_id_format"),
    ("12A-81-00998", "tax_id_format"),
])
def test_invalid_korean_business_numbers(number: str, code: str) -> None:
    problem = check_kr(number)
    assert problem is not None and problem.code == code


def test_korean_ninth_digit_counts_its_tens() -> None:
    # 9th digit 9: 9×5 = 45 adds 45 to the weighted sum and its tens (4) once more.
    assert check_kr("123-45-67891") is None
    assert check_kr("123-45-67890") is not None


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",   # GB 32100 example
    "91310104MA1FL8XQ10",
    "91310115MA1H9W2T04",
    "91310000MA1K00007U",
    "9135010 0M000100Y43",  # a stray space is ignored
    "91350100m000100y43",   # lower case is read as upper case
])
def test_valid_chinese_credit_codes(code: str) -> None:
    assert check_cn(code) is None


@pytest.mark.parametrize("code, problem", [
    ("91350100M000100Y44", "tax_id_check"),
    ("91350100M000100Y4", "tax_id_format"),
    ("91350100M0001O0Y43", "tax_id_format"),      # letter O is not used
    ("9135010IM000100Y43", "tax_id_format"),      # letter I is not used
    # Check character recomputed so only the embedded organisation code is wrong:
    ("91350100M000100Z", "tax_id_format"),
])
def test_invalid_chinese_credit_codes(code: str, problem: str) -> None:
    found = check_cn(code)
    assert found is not None and found.code == problem


def test_embedded_organisation_code_is_checked() -> None:
    """A code whose mod-31 check is right but whose GB 11714 part is not: caught by
    the second check only (python-stdnum accepts such codes)."""
    from docgen.taxid import USCC_CHARS, _USCC_WEIGHTS
    body = "91350100M000100Y"[:16]
    wrong_org = body + "5"  # the organisation check character should be Y
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(wrong_org, _USCC_WEIGHTS))
    code = wrong_org + USCC_CHARS[(31 - total % 31) % 31]
    found = check_cn(code)
    assert found is not None and found.code == "tax_id_org"


@pytest.mark.parametrize("number", [
    "04595257",   # valid under the old mod-10 rule too
    "53029184",
    "10458575",   # 7th digit 7: 28 counted as 0 (sum 20)
    "10458574",   # 7th digit 7: 28 counted as 1 (sum 24+1=25) — valid only by the special case
    "12345670",
    "00000005",   # valid since 2023 (sum 5), invalid under the old mod-10 rule
])
def test_valid_taiwan_business_numbers(number: str) -> None:
    assert check_tw(number) is None


@pytest.mark.parametrize("number, code", [
    ("04595258", "tax_id_check"),
    ("10458576", "tax_id_check"),
    ("1234567", "tax_id_format"),
    ("1234567A", "tax_id_format"),
])
def test_invalid_taiwan_business_numbers(number: str, code: str) -> None:
    problem = check_tw(number)
    assert problem is not None and problem.code == code


def test_taiwan_2023_rule_against_a_brute_force_reference() -> None:
    def reference(text: str) -> bool:
        sums = [p // 10 + p % 10 for p in (int(c) * w for c, w in zip(text, (1, 2, 1, 2, 1, 2, 4, 1)))]
        if text[6] == "7":  # 28 → 10 → counted as 1 or as 0
            return any((sum(sums) - 10 + alt) % 5 == 0 for alt in (0, 1))
        return sum(sums) % 5 == 0

    for n in range(0, 10 ** 8, 9973):
        text = f"{n:08d}"
        assert (check_tw(text) is None) == reference(text), text


def test_unknown_countries_are_not_checked() -> None:
    assert check_tax_id("US", "12-3456789") is None and check_tax_id(None, "x") is None


# --- records through the validator -----------------------------------------------

def _problems(kind_name: str, data: dict[str, Any], *, locale: str = "en",
              profile: Profile | None = None) -> list[tuple[str, str, str]]:
    kind = kinds.get(kind_name)
    assert kind is not None
    found = validator(kind, DocLocale.parse(locale), profile).validate(data, SourceMap("t.yaml"))
    return [(p.path, p.code, p.severity) for p in found]


def _sample(kind_name: str, code: str = "en") -> dict[str, Any]:
    data = yaml.safe_load((REPO / "samples" / kind_name / f"{code}.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def test_wrong_tax_number_in_an_invoice() -> None:
    data = _sample("invoice")
    data["client"]["tax_id"] = "120-86-48297"
    assert _problems("invoice", data) == [("client.tax_id", "tax_id_check", "error")]


def test_invoice_country_comes_from_the_currency() -> None:
    data = _sample("invoice", "zh-CN")
    data["client"].pop("country", None)
    data["client"]["tax_id"] = "91310104MA1FL8XQ11"
    assert _problems("invoice", data) == [("client.tax_id", "tax_id_check", "error")]


def test_job_number_pattern_default_and_from_the_profile(tmp_path: Path) -> None:
    data = _sample("brief")
    data["job_number"] = "2026/417"
    assert _problems("brief", data) == [("job_number", "job_number", "error")]
    data["job_number"] = "JOB-417"
    (tmp_path / "docgen.toml").write_text('[defaults]\njob_number_pattern = "JOB-\\\\d+"\n',
                                          encoding="utf-8")
    assert _problems("brief", data, profile=load_profile(tmp_path / "docgen.toml")) == []


@pytest.mark.parametrize("job", ["HL-2026-0417", "SAMSUNG-2026-00012", "A1-2025-123"])
def test_common_job_numbers_pass(job: str) -> None:
    data = _sample("signoff")
    data["job_number"] = job
    assert _problems("signoff", data) == []


def test_minutes_rules() -> None:
    data = _sample("minutes", "ko")
    data["start_time"], data["end_time"] = "15:00", "14:00"
    data["action_items"][0]["due"] = "2020-01-01"
    data["action_items"][1]["owner"] = "아무개"
    data["next_meeting"] = {"date": "2020-01-02"}
    found = _problems("minutes", data)
    assert ("end_time", "end_before_start", "error") in found
    assert ("action_items[0].due", "due_before_meeting", "warning") in found
    assert ("action_items[1].owner", "owner_not_attendee", "warning") in found
    assert ("next_meeting.date", "next_before_meeting", "warning") in found
    assert len(found) == 4


def test_brief_due_dates() -> None:
    data = _sample("brief")
    data["due_date"] = "2026-01-01"
    found = _problems("brief", data)
    assert ("due_date", "due_before_issue", "error") in found
    data = _sample("brief")
    data["deliverables"][0]["due"] = "2099-01-01"
    assert _problems("brief", data) == [("deliverables[0].due", "after_order_due", "warning")]


def test_weekly_done_tasks_should_be_complete() -> None:
    data = _sample("weekly")
    done = next(i for i, t in enumerate(data["tasks"]) if t["status"] == "done")
    data["tasks"][done]["progress"] = 80
    data["tasks"][0]["progress"] = 140 if done != 0 else data["tasks"][0]["progress"]
    found = _problems("weekly", data)
    assert (f"tasks[{done}].progress", "done_not_100", "warning") in found
    if done != 0:
        assert ("tasks[0].progress", "maximum", "error") in found


def test_client_cannot_sign_before_the_team() -> None:
    data = _sample("signoff", "ko")
    data["client_signatory"] = {"name": "X", "signed_date": "2026-12-20"}
    unsigned = [s["stage"] for s in data["stages"]
                if s.get("signed") is False or ("signed" not in s and not s.get("signed_date"))]
    assert unsigned, "the sample has unsigned stages"
    found = _problems("signoff", data)
    assert ("client_signatory.signed_date", "client_before_stages", "error") in found
    for stage in data["stages"]:
        stage["signed"] = True
        stage.setdefault("signed_date", "2026-12-01")
    assert _problems("signoff", data) == []


def test_quantity_must_be_positive_and_vat_rate_a_fraction() -> None:
    data = _sample("invoice")
    data["items"][0]["quantity"] = 0
    data["items"][1]["unit_price"] = -5
    data["vat_rate"] = 10
    found = _problems("invoice", data)
    assert ("items[0].quantity", "minimum", "error") in found
    assert ("items[1].unit_price", "minimum", "error") in found
    assert ("vat_rate", "maximum", "error") in found


def test_rule_messages_use_labels_and_the_locale() -> None:
    kind = kinds.get("minutes")
    assert kind is not None
    data = _sample("minutes", "ko")
    data["start_time"], data["end_time"] = "15:00", "14:00"
    rec = read_record(kind.sample_path("ko"))
    (problem,) = [p for p in validator(kind, DocLocale.parse("ko")).validate(data, rec.source)
                  if p.code == "end_before_start"]
    assert problem.message.startswith("end_time (")
    assert "15:00" in problem.message
