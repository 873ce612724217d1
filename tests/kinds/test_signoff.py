"""Acceptance sheet computed fields: signed flags, stage lists, acceptance label."""
from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from docgen.i18n.locale import DocLocale
from docgen.inputs import read_record
from docgen.kinds.signoff.compute import compute
from docgen.profile import ImagePath
from docgen.validation import Validator

from .support import context, kind


def signoff(stages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "job_number": "HL-2026-0417", "client": "한라식품",
        "deliverable": {"title": "키 비주얼"}, "delivered_date": "2026-12-04", "stages": stages,
    }
    data.update(extra)
    return data


STAGES: list[dict[str, Any]] = [
    {"stage": "기획", "owner": "최유나", "signed": True, "signed_date": "2026-11-20"},
    {"stage": "카피", "owner": "박서윤", "signed": False},
    {"stage": "디자인", "owner": "정태호"},                               # absent -> False
    {"stage": "제작", "owner": "이도윤", "signed_date": "2026-12-02"},     # dated -> True
    {"stage": "매체", "owner": "윤성진", "signed": False, "signed_date": "2026-12-03"},
]


def test_signed_flags_and_lists() -> None:
    ctx = context("signoff", signoff(STAGES))
    assert [s["signed"] for s in ctx["stages"]] == [True, False, False, True, False]
    assert all(type(s["signed"]) is bool for s in ctx["stages"])
    assert [s["stage"] for s in ctx["signed_stages"]] == ["기획", "제작"]
    assert [s["stage"] for s in ctx["unsigned_stages"]] == ["카피", "디자인", "매체"]
    assert ctx["signed_stages"][0] is ctx["stages"][0]
    assert ctx["all_stages_signed"] is False


def test_all_stages_signed() -> None:
    stages: list[dict[str, Any]] = [{"stage": "기획", "owner": "a", "signed": True},
                                    {"stage": "제작", "owner": "b", "signed_date": "2026-12-01"}]
    ctx = context("signoff", signoff(stages))
    assert ctx["all_stages_signed"] is True and ctx["unsigned_stages"] == []


@pytest.mark.parametrize(("signatory", "signed"), [
    (None, False),
    ({"name": "강소연", "title": "브랜드매니저"}, False),
    ({"name": "강소연", "signed_date": "2026-12-05"}, True),
])
def test_client_signed(signatory: Optional[dict[str, Any]], signed: bool) -> None:
    extra = {} if signatory is None else {"client_signatory": signatory}
    ctx = context("signoff", signoff(STAGES, **extra))
    assert ctx["client_signed"] is signed


@pytest.mark.parametrize(("locale", "accepted", "rejected", "conditional"), [
    ("ko", "합격", "불합격", "조건부 합격"),
    ("zh-CN", "合格", "不合格", "有条件通过"),
    ("zh-TW", "合格", "不合格", "附條件通過"),
    ("en", "Accepted", "Rejected", "Accepted with conditions"),
    ("ko+zh-CN", "합격 / 合格", "불합격 / 不合格", "조건부 합격 / 有条件通过"),
    ("zh-CN+zh-TW", "合格", "不合格", "有条件通过 / 附條件通過"),  # same text shown once
    ("en+ko", "Accepted / 합격", "Rejected / 불합격", "Accepted with conditions / 조건부 합격"),
])
def test_acceptance_label(locale: str, accepted: str, rejected: str, conditional: str) -> None:
    for value, label in (("accepted", accepted), ("rejected", rejected),
                         ("conditional", conditional)):
        ctx = context("signoff", signoff(STAGES, acceptance=value), locale)
        assert ctx["acceptance_label"] == label


def test_acceptance_label_absent() -> None:
    assert context("signoff", signoff(STAGES))["acceptance_label"] is None


def _png(path: Path) -> None:
    """Write a 1×1 white PNG."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00\xff\xff\xff")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body)
                     + chunk(b"IEND", b""))


def test_signature_image_validates_and_resolves(tmp_path: Path) -> None:
    (tmp_path / "sign").mkdir()
    _png(tmp_path / "sign" / "kim.png")
    stages = [{"stage": "기획", "owner": "김민수", "signed": True, "signed_date": "2026-11-20",
               "signature_image": "sign/kim.png"}]
    data_file = tmp_path / "signoff.yaml"
    data_file.write_text(yaml.safe_dump(signoff(stages), allow_unicode=True), encoding="utf-8")
    rec = read_record(data_file)
    assert Validator(kind("signoff").schema, DocLocale("ko")).validate(rec.data, rec.source) == []

    ctx = context("signoff", rec.data, data_file=str(data_file))
    image = ctx["stages"][0]["signature_image"]
    assert isinstance(image, ImagePath)
    assert Path(image) == (tmp_path / "sign" / "kim.png").resolve()
    assert ctx["stages"][0]["signed"] is True

    # A missing image is reported, with its field's label.
    stages[0]["signature_image"] = "sign/nobody.png"
    data_file.write_text(yaml.safe_dump(signoff(stages), allow_unicode=True), encoding="utf-8")
    rec = read_record(data_file)
    problems = Validator(kind("signoff").schema, DocLocale("en")).validate(rec.data, rec.source)
    assert [p.code for p in problems] == ["image"]
    assert "Signature" in problems[0].message


def test_compute_directly_on_a_context() -> None:
    ctx: dict[str, Any] = {
        "stages": [{"stage": "Copy", "owner": "a", "signed": None, "signed_date": None},
                   {"stage": "Design", "owner": "b", "signed": None,
                    "signed_date": dt.date(2026, 11, 25)}],
        "client_signatory": {"name": "Emma", "title": None, "signed_date": dt.date(2026, 12, 1)},
        "acceptance": "conditional",
    }
    compute(ctx, DocLocale("en"))
    assert [s["signed"] for s in ctx["stages"]] == [False, True]
    assert ctx["client_signed"] is True and ctx["all_stages_signed"] is False
    assert ctx["acceptance_label"] == "Accepted with conditions"
