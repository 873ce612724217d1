"""Amounts in words: official examples, rules and round-trip properties.

Cases come from the rule texts in DOMAIN.md section 2 (PBOC 正确填写票据和结算凭证的基本规定,
会计基础工作规范 §52, 한글 맞춤법 제44항 해설), not from any library's output. The round-trip
tests parse the words back with a small independent reader, so the zero placement is
checked by the tables and the value by the parser.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from docgen.i18n.words import amount_in_words

# --- zh-CN / CNY: official examples (DOMAIN 2.1, 4 verified arithmetic, 6.4) -------

OFFICIAL_CNY = [
    ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),  # PBOC 4(3), first-listed form
    ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),  # PBOC 4(3), first-listed form
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),  # PBOC 4(1) + 整 after 角 (KJGF §52)
    ("6007.14", "人民币陆仟零柒元壹角肆分"),  # PBOC 4(2)
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),  # PBOC 4(4)
    ("325.04", "人民币叁佰贰拾伍元零肆分"),  # PBOC 4(4)
    ("100000001", "人民币壹亿零壹元整"),
    ("100001000", "人民币壹亿零壹仟元整"),  # whole empty 万 level -> one 零
    ("1010000", "人民币壹佰零壹万元整"),
    ("1000010", "人民币壹佰万零壹拾元整"),
    ("10", "人民币壹拾元整"),
    ("0.05", "人民币伍分"),
    ("0", "人民币零元整"),
    ("13086.41", "人民币壹万叁仟零捌拾陆元肆角壹分"),
]


@pytest.mark.parametrize(("amount", "words"), OFFICIAL_CNY)
def test_cny_official_examples(amount: str, words: str) -> None:
    assert amount_in_words(amount, "CNY", "zh-CN") == words


# Zeros in every position, derived from the rules: one 零 for a run inside a level
# or across a wholly empty level; trailing zeros of a level are not read.
INTEGER_ZEROS = [
    (1, "壹元整"),
    (1001, "壹仟零壹元整"),  # 佰 and 拾 zero: one 零
    (1011, "壹仟零壹拾壹元整"),  # 佰 zero
    (1101, "壹仟壹佰零壹元整"),  # 拾 zero
    (1110, "壹仟壹佰壹拾元整"),  # 元 digit zero, trailing: not read
    (1100, "壹仟壹佰元整"),
    (10001, "壹万零壹元整"),
    (10010, "壹万零壹拾元整"),
    (10100, "壹万零壹佰元整"),
    (11000, "壹万壹仟元整"),
    (101000, "壹拾万壹仟元整"),  # 万位 zero, 千位 not: no 零 (first-listed form)
    (110000, "壹拾壹万元整"),
    (1001000, "壹佰万壹仟元整"),
    (1000100, "壹佰万零壹佰元整"),
    (10000000, "壹仟万元整"),
    (10000001, "壹仟万零壹元整"),
    (100000000, "壹亿元整"),
    (100010000, "壹亿零壹万元整"),
    (101000000, "壹亿零壹佰万元整"),
    (110000000, "壹亿壹仟万元整"),
    (1000000000, "壹拾亿元整"),
    (100000000000, "壹仟亿元整"),
    (100000010000, "壹仟亿零壹万元整"),
    # 10^12 is 万亿 in the mainland; trailing zeros of the 亿 level are not read.
    (1000000000000, "壹万亿元整"),
    (1000000000001, "壹万亿零壹元整"),
    (1000100000000, "壹万零壹亿元整"),
    (1100000000000, "壹万壹仟亿元整"),
    (1000010000000, "壹万亿壹仟万元整"),
    (1234567890123, "壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元整"),
    (
        9999999999999999,
        "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整",
    ),
]


@pytest.mark.parametrize(("amount", "words"), INTEGER_ZEROS)
def test_cny_integer_zeros(amount: int, words: str) -> None:
    assert amount_in_words(amount, "CNY", "zh-CN") == "人民币" + words


FRACTIONS = [
    ("1.00", "壹元整"),  # 整 after 元
    ("1.10", "壹元壹角整"),  # 整 after 角
    ("1.01", "壹元零壹分"),  # 角 zero, 分 not: 元零Y分 (must)
    ("1.11", "壹元壹角壹分"),  # never 整 after 分
    ("10.10", "壹拾元零壹角整"),  # 元 digit zero: 元零X角
    ("10.01", "壹拾元零壹分"),
    ("10.11", "壹拾元零壹角壹分"),
    ("15.50", "壹拾伍元伍角整"),
    ("100.30", "壹佰元零叁角整"),
    ("0.10", "壹角整"),
    ("0.11", "壹角壹分"),
    ("0.01", "壹分"),
    ("0.99", "玖角玖分"),
    ("100000000.10", "壹亿元零壹角整"),
    ("100000000.01", "壹亿元零壹分"),
]


@pytest.mark.parametrize(("amount", "words"), FRACTIONS)
def test_cny_jiao_fen(amount: str, words: str) -> None:
    assert amount_in_words(amount, "CNY", "zh-CN") == "人民币" + words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (10, "壹拾元整"),
        (16, "壹拾陆元整"),
        (110, "壹佰壹拾元整"),
        (100000, "壹拾万元整"),
        (1000010, "壹佰万零壹拾元整"),
        (1000000000, "壹拾亿元整"),
        ("10.50", "壹拾元零伍角整"),  # 元 digit 0 -> 元零X角
    ],
)
def test_leading_ten_is_yi_shi(amount: object, words: str) -> None:
    assert amount_in_words(amount, "CNY", "zh-CN") == "人民币" + words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.125", "人民币壹角叁分"),  # Babel would round half-even to 0.12
        ("10.005", "人民币壹拾元零壹分"),
        (0.125, "人民币壹角叁分"),  # float goes through str(): exactly 0.125
        # binary float 2.675 is 2.67499…; str() keeps 2.675
        (2.675, "人民币贰元陆角捌分"),
        ("0.004", "人民币零元整"),
        ("0.995", "人民币壹元整"),
        (Decimal("1409.499"), "人民币壹仟肆佰零玖元伍角整"),
    ],
)
def test_cny_rounds_half_up_to_fen(amount: object, words: str) -> None:
    assert amount_in_words(amount, "CNY", "zh-CN") == words


# --- zh-TW / TWD ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (2205, "新臺幣貳仟貳佰零伍元整"),  # DOMAIN 4, TW 銷售額 2,100 + 5%
        (36000, "新臺幣參萬陸仟元整"),  # DESIGN 4
        (1234000, "新臺幣壹佰貳拾參萬肆仟元整"),  # DOMAIN 6.4
        (0, "新臺幣零元整"),
        (10, "新臺幣壹拾元整"),
        (100000000, "新臺幣壹億元整"),
        (100001000, "新臺幣壹億零壹仟元整"),
        (1000010, "新臺幣壹佰萬零壹拾元整"),
        (6666, "新臺幣陸仟陸佰陸拾陸元整"),
        (1000000000000, "新臺幣壹兆元整"),  # Taiwan says 兆 for 10^12
        (1000000000001, "新臺幣壹兆零壹元整"),
        # whole dollars: round half-up first, never 角/分
        ("2204.5", "新臺幣貳仟貳佰零伍元整"),
        ("2205.49", "新臺幣貳仟貳佰零伍元整"),
        ("0.49", "新臺幣零元整"),
        ("0.5", "新臺幣壹元整"),
        ("35999.5", "新臺幣參萬陸仟元整"),
    ],
)
def test_twd(amount: object, words: str) -> None:
    assert amount_in_words(amount, "TWD", "zh-TW") == words


def test_twd_uses_traditional_characters_only() -> None:
    words = amount_in_words(2233_6666_2222, "TWD", "zh-TW")
    assert set("貳參陸萬億") <= set(words)
    assert not set("贰叁陆万亿") & set(words)


# --- ko / KRW -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1234000, "일금 일백이십삼만사천원정"),  # DESIGN 4
        (100000001, "일금 일억일원정"),  # DESIGN 4: no word for zero
        (1358023, "일금 일백삼십오만팔천이십삼원정"),  # DOMAIN 4
        (315678, "일금 삼십일만오천육백칠십팔원정"),  # 한글 맞춤법 제44항 해설
        (1765000, "일금 일백칠십육만오천원정"),  # 해설: 일백칠십육만오천원
        (3300000, "일금 삼백삼십만원정"),
        (909091, "일금 구십만구천구십일원정"),
        (1, "일금 일원정"),
        (10, "일금 일십원정"),
        (100, "일금 일백원정"),
        (1000, "일금 일천원정"),
        (10000, "일금 일만원정"),
        (11111, "일금 일만일천일백일십일원정"),
        (100000, "일금 일십만원정"),
        (1000000, "일금 일백만원정"),
        (10000000, "일금 일천만원정"),
        (100000000, "일금 일억원정"),
        (1000000000000, "일금 일조원정"),
        (1000100010001, "일금 일조일억일만일원정"),
        (1010101010, "일금 일십억일천일십만일천일십원정"),
        (
            9999999999999999,
            "일금 구천구백구십구조구천구백구십구억구천구백구십구만구천구백구십구원정",
        ),
        (0, "일금 영원정"),
        # KRW is whole won: round half-up first
        ("2.5", "일금 삼원정"),
        ("2.49", "일금 이원정"),
        ("1234999.5", "일금 일백이십삼만오천원정"),
    ],
)
def test_krw(amount: object, words: str) -> None:
    assert amount_in_words(amount, "KRW", "ko") == words


_KO_DIGIT = "일이삼사오육칠팔구"


@pytest.mark.parametrize(
    "amount", [10, 110, 1010, 10100, 1000000, 1001001001001, 4321012340]
)
def test_korean_il_before_every_unit(amount: int) -> None:
    body = (
        amount_in_words(amount, "KRW", "ko").removeprefix("일금 ").removesuffix("원정")
    )
    for i, ch in enumerate(body):
        if ch in "십백천":
            assert body[i - 1] in _KO_DIGIT, body
        if ch in "만억조":
            assert i > 0 and body[i - 1] in _KO_DIGIT + "십백천", body
    assert "영" not in body and " " not in body


# --- other currency / language combinations (documented in words.py) -------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "words"),
    [
        ("1234.50", "USD", "zh-CN", "美元壹仟贰佰叁拾肆元伍角整"),
        ("0.05", "USD", "zh-CN", "美元伍分"),
        (1234000, "KRW", "zh-CN", "韩元壹佰贰拾叁万肆仟元整"),
        ("1234000.6", "KRW", "zh-CN", "韩元壹佰贰拾叁万肆仟零壹元整"),
        (2205, "TWD", "zh-CN", "新台币贰仟贰佰零伍元整"),
        ("1680.32", "CNY", "zh-TW", "人民幣壹仟陸佰捌拾元零參角貳分"),
        ("0.5", "USD", "zh-TW", "美元伍角整"),
        (1234000, "KRW", "zh-TW", "韓元壹佰貳拾參萬肆仟元整"),
        ("1234.50", "USD", "ko", "일금 일천이백삼십사달러오십센트정"),
        ("0.05", "USD", "ko", "일금 오센트정"),
        (100, "USD", "ko", "일금 일백달러정"),
        ("12.34", "CNY", "ko", "일금 일십이위안삼십사펀정"),
        ("36000.4", "TWD", "ko", "일금 삼만육천대만달러정"),
        ("1.5", "GBP", "ko", "일금 영국 파운드 일점오정"),
        ("1.05", "GBP", "ko", "일금 영국 파운드 일점영오정"),
        (
            "1234.50",
            "USD",
            "en",
            "US Dollars One Thousand Two Hundred Thirty-Four and Fifty Cents Only",
        ),
        (1000000, "KRW", "en", "Korean Won One Million Only"),
        ("0.01", "USD", "en", "US Dollars One Cent Only"),
        (0, "USD", "en", "US Dollars Zero Only"),
        ("21.21", "USD", "en", "US Dollars Twenty-One and Twenty-One Cents Only"),
        (1000001, "USD", "en", "US Dollars One Million One Only"),
        (2205, "TWD", "en", "New Taiwan Dollars Two Thousand Two Hundred Five Only"),
        (
            "13086.41",
            "CNY",
            "en",
            "Chinese Yuan Thirteen Thousand Eighty-Six and Forty-One Fen Only",
        ),
        (
            "1234.56",
            "GBP",
            "en",
            "British Pounds One Thousand Two Hundred Thirty-Four and 56/100 Only",
        ),
        (1000, "JPY", "en", "Japanese Yen One Thousand Only"),
        (
            "1234.565",
            "USD",
            "en",
            "US Dollars One Thousand Two Hundred Thirty-Four and Fifty-Seven Cents Only",
        ),
        # aliases and lower case
        ("1234.5", "usd", "zh_Hans", "美元壹仟贰佰叁拾肆元伍角整"),
    ],
)
def test_other_combinations(
    amount: object, currency: str, language: str, words: str
) -> None:
    assert amount_in_words(amount, currency, language) == words


def test_english_large() -> None:
    words = amount_in_words(9_999_999_999_999_999, "KRW", "en")
    assert words.startswith(
        "Korean Won Nine Quadrillion Nine Hundred Ninety-Nine Trillion"
    )
    assert words.endswith("Nine Hundred Ninety-Nine Only")


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "message"),
    [
        ("-1", "CNY", "zh-CN", "non-negative"),
        (-0.5, "KRW", "ko", "non-negative"),
        (10**16, "CNY", "zh-CN", "too large"),
        ("9999999999999999.995", "CNY", "zh-CN", "too large"),  # rounds up to 10^16
        ("9999999999999999.5", "KRW", "ko", "too large"),
        ("abc", "CNY", "zh-CN", "abc"),
        (None, "CNY", "zh-CN", "None"),
        (True, "KRW", "ko", "True"),
        ("NaN", "USD", "en", "NaN"),
        (float("inf"), "USD", "en", "inf"),
        ("1", "XYZ", "zh-CN", "XYZ"),
        ("1", "", "zh-CN", "currency"),
        ("1", "KWD", "en", "KWD"),  # 3 minor digits: no convention
        ("1", "CNY", "fr", "fr"),
    ],
)
def test_errors(amount: object, currency: str, language: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        amount_in_words(amount, currency, language)


def test_largest_amount_is_accepted() -> None:
    assert amount_in_words("9999999999999999.99", "CNY", "zh-CN").endswith("玖角玖分")
    assert amount_in_words(9_999_999_999_999_999, "KRW", "ko").endswith("구원정")


# --- round-trip properties over many generated amounts ----------------------------

_ZH_DIGIT_VALUES = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")} | {
    c: i for i, c in enumerate("零壹貳參肆伍陸柒捌玖")
}
_ZH_UNIT_VALUES = {"拾": 10, "佰": 100, "仟": 1000}


def _zh_below_wan(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch in _ZH_UNIT_VALUES:
            assert digit, f"unit without a digit in {text!r}"  # 壹拾, never bare 拾
            total, digit = total + digit * _ZH_UNIT_VALUES[ch], 0
        elif ch != "零":
            digit = _ZH_DIGIT_VALUES[ch]
    return total + digit


def _zh_integer(text: str) -> int:
    for marker, scale in (
        ("兆", 10**12),
        ("亿", 10**8),
        ("億", 10**8),
        ("万", 10**4),
        ("萬", 10**4),
    ):
        if marker in text:
            high, low = text.rsplit(marker, 1)
            return _zh_integer(high) * scale + _zh_integer(low)
    return _zh_below_wan(text)


def _parse_zh(words: str, prefix: str) -> Decimal:
    assert words.startswith(prefix)
    body = words[len(prefix) :].removesuffix("整")
    integer = 0
    if "元" in body:
        head, body = body.split("元")
        integer = _zh_integer(head)
    jiao = fen = 0
    if "角" in body:
        head, body = body.split("角")
        jiao = _zh_below_wan(head)
    if "分" in body:
        head, body = body.split("分")
        fen = _zh_below_wan(head)
    assert body == "", words
    return Decimal(integer) + Decimal(jiao) / 10 + Decimal(fen) / 100


def _ko_integer(text: str) -> int:
    digits = {c: i + 1 for i, c in enumerate(_KO_DIGIT)}
    for marker, scale in (("조", 10**12), ("억", 10**8), ("만", 10**4)):
        if marker in text:
            high, low = text.split(marker, 1)
            return _ko_integer(high) * scale + _ko_integer(low)
    total, digit = 0, 0
    for ch in text:
        if ch in "십백천":
            assert digit, text
            total, digit = total + digit * 10 ** ("십백천".index(ch) + 1), 0
        else:
            digit = digits[ch]
    return total + digit


def _sparse_amounts(count: int, seed: int) -> list[Decimal]:
    """Random amounts where about half the digits are zero (zeros everywhere)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = rng.randint(1, 16)
        digits = "".join(rng.choice("0000012345678900") for _ in range(length))
        digits = str(rng.randint(1, 9)) + digits[1:]
        fraction = "".join(rng.choice("00123456789") for _ in range(2))
        out.append(Decimal(f"{digits}.{fraction}"))
    return out


AMOUNTS = _sparse_amounts(1500, seed=20261123)


def test_cny_round_trip_and_zero_rules() -> None:
    for amount in AMOUNTS:
        words = amount_in_words(amount, "CNY", "zh-CN")
        assert _parse_zh(words, "人民币") == amount, words
        for bad in (
            "零零",
            "零元",
            "零万",
            "零亿",
            "零角",
            "零分",
            "零整",
            "分整",
            "万万",
        ):
            assert bad not in words, (amount, words)
        fen = int(amount * 100) % 10
        assert words.endswith("整") == (fen == 0), words  # 整 after 元/角, never 分
        jiao = int(amount * 10) % 10
        if int(amount) and fen and not jiao:
            assert "元零" in words, words  # PBOC 4(4)
        if int(amount) % 10 == 0 and jiao:
            assert "元零" in words, words  # first-listed form of PBOC 4(3)


def test_twd_round_trip() -> None:
    for amount in AMOUNTS:
        words = amount_in_words(amount, "TWD", "zh-TW")
        whole = amount.quantize(Decimal(1), rounding="ROUND_HALF_UP")
        assert _parse_zh(words, "新臺幣") == whole, words
        assert words.endswith("元整") and "角" not in words and "分" not in words


def test_krw_round_trip() -> None:
    for amount in AMOUNTS:
        words = amount_in_words(amount, "KRW", "ko")
        whole = amount.quantize(Decimal(1), rounding="ROUND_HALF_UP")
        assert words.startswith("일금 ") and words.endswith("원정")
        assert _ko_integer(words[3:-2]) == whole, words
