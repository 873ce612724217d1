"""Amounts in words for financial documents (DOMAIN.md section 2).

``amount_in_words(value, currency, language)`` first rounds half-up to the
currency's document minor unit (KRW and TWD whole units, CNY and USD to the cent),
then spells the amount. Conventions by language:

``zh-CN`` / ``zh-TW`` — financial uppercase (大写 / 大寫)
    Currency name, then the number with 元 / 角 / 分, no gap:
    ``人民币壹仟陆佰捌拾元零叁角贰分``, ``新臺幣參萬陸仟元整``. The rules are
    PBOC《正确填写票据和结算凭证的基本规定》and《会计基础工作规范》§52, always in the
    first-listed form: one 零 for a run of zeros; zeros at the end of a 万/亿 level
    are not read (``壹拾万柒仟``) but a wholly empty level is (``壹亿零壹仟``);
    ``元零X角`` when the 元 digit is 0; ``元零Y分`` when 角 is 0; 整 after 元 and
    after 角, never after 分; a leading ten is 壹拾. zh-TW uses 貳 參 陸 萬 億 (and
    兆 for 10^12, as in Taiwan; zh-CN says 万亿). Other currencies use their CLDR
    Chinese name (美元, 韩元, 港元…; 新臺幣 for TWD in zh-TW) with the same 元角分
    units, as Chinese bank forms do for foreign currency: ``美元壹仟贰佰叁拾肆元伍角整``.

``ko`` — 한글 맞춤법 제44항 해설
    ``일금 `` + Sino-Korean number run together + unit + ``정``, 일 before every
    unit (일십, 일백, 일천, 일만, 일억, 일조), no word for a zero digit:
    ``일금 일억일원정``. Foreign currencies: ``일금 일천이백삼십사달러오십센트정``
    (USD, HKD, EUR with 센트; CNY 위안/펀; JPY 엔; TWD 대만달러). Other currencies put
    the CLDR name first and read the decimals with 점: ``일금 영국 파운드 일점오정``.
    A zero amount is ``영`` (``일금 영원정``).

``en`` — cheque / letter-of-credit style
    Currency name, number in title-case words (US style, no "and" inside the
    number), the minor unit after "and", then "Only":
    ``US Dollars One Thousand Two Hundred Thirty-Four and Fifty Cents Only``,
    ``Korean Won One Million Only``, ``US Dollars Five Cents Only``. Currencies
    without a listed minor-unit name write the fraction as ``and 56/100``.

Negative amounts and amounts of 10^16 or more raise ``ValueError``; so do currencies
whose document minor unit is neither 0 nor 2 digits (KWD, BHD…).
"""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import get_currency_name

from .locale import BABEL_IDS, NoLocaleRule, normalize
from .money import minor_digits, normalize_currency, round_money

LIMIT = 10**16  # 10^16: 亿亿 / 경 — far beyond any invoice, and beyond our unit tables

# --- Chinese -----------------------------------------------------------------

_ZH_DIGITS = {"zh-CN": "零壹贰叁肆伍陆柒捌玖", "zh-TW": "零壹貳參肆伍陸柒捌玖"}
_ZH_UNITS = ("", "拾", "佰", "仟")
# Level markers for 10^4, 10^8, 10^12. zh-CN writes 10^12 as 万亿, so its top level
# is "万" and the 亿 after it is added by the 亿 level (see _zh_integer).
_ZH_LEVELS = {"zh-CN": ("万", "亿", "万"), "zh-TW": ("萬", "億", "兆")}
# Names CLDR spells differently from official usage.
_ZH_NAME_OVERRIDES = {("zh-TW", "TWD"): "新臺幣"}


def _zh_integer(n: int, language: str) -> str:
    """Spell ``0 < n < 10^16`` with the PBOC zero rules (no currency, no 元)."""
    digits = _ZH_DIGITS[language]
    levels = _ZH_LEVELS[language]
    text = f"{n:016d}"
    out: list[str] = []
    started = False
    zero_pending = False  # zeros seen since the last digit that must become one 零
    for group_index in range(4):  # 10^12, 10^8, 10^4, 10^0 levels, high to low
        level = 3 - group_index
        group = text[group_index * 4 : group_index * 4 + 4]
        for pos, ch in enumerate(group):
            d = int(ch)
            if d == 0:
                zero_pending = zero_pending or started
                continue
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(digits[d] + _ZH_UNITS[3 - pos])
            started = True
        if level == 0:
            break
        marker_due = group != "0000"
        if language == "zh-CN" and level == 2:
            # 万亿: "壹万亿" — the 亿 level ends even when its own four digits are 0.
            marker_due = marker_due or text[:4] != "0000"
        if marker_due:
            out.append(levels[level - 1])
            # 每级末尾的0都不读: trailing zeros of a level are not read ...
            zero_pending = False
        # ... but a wholly empty level after the first digit leaves one 零 pending
        # (壹亿零壹仟); the loop above already set zero_pending for it.
    return "".join(out)


@lru_cache(maxsize=256)
def _zh_currency_name(currency: str, language: str) -> str:
    override = _ZH_NAME_OVERRIDES.get((language, currency))
    return override or get_currency_name(currency, locale=BABEL_IDS[language])


def _zh_words(
    integer: int, minor: int, digits: int, currency: str, language: str
) -> str:
    d = _ZH_DIGITS[language]
    parts = [_zh_currency_name(currency, language)]
    jiao, fen = divmod(minor, 10) if digits == 2 else (0, 0)
    if integer == 0 and minor == 0:
        return parts[0] + "零元整"
    if integer > 0:
        parts.append(_zh_integer(integer, language) + "元")
        if minor == 0:
            parts.append("整")
        elif jiao == 0:
            parts.append("零")  # PBOC 4(4): 角 is 0 and 分 is not -> 零 must follow 元
        elif integer % 10 == 0:
            parts.append("零")  # PBOC 4(3), first-listed form: 元位 0 -> 元零X角
    if jiao:
        parts.append(d[jiao] + "角")
    if fen:
        parts.append(d[fen] + "分")
    elif jiao:
        parts.append("整")  # KJGF §52: 整 after 角 as well (never after 分)
    return "".join(parts)


# --- Korean ------------------------------------------------------------------

_KO_DIGITS = ("", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_KO_UNITS = ("", "십", "백", "천")
_KO_LEVELS = ("", "만", "억", "조")
# (major unit, minor unit or None when the document amount is whole units)
_KO_UNITS_BY_CURRENCY = {
    "KRW": ("원", None),
    "USD": ("달러", "센트"),
    "CNY": ("위안", "펀"),
    "TWD": ("대만달러", None),
    "HKD": ("홍콩달러", "센트"),
    "JPY": ("엔", None),
    "EUR": ("유로", "센트"),
}
_KO_DECIMAL_DIGITS = ("영",) + _KO_DIGITS[1:]


def _ko_integer(n: int) -> str:
    """Spell ``0 <= n < 10^16`` run together, 일 before every unit, zeros silent."""
    if n == 0:
        return "영"
    text = f"{n:016d}"
    out: list[str] = []
    for group_index in range(4):
        group = text[group_index * 4 : group_index * 4 + 4]
        if group == "0000":
            continue
        for pos, ch in enumerate(group):
            if ch != "0":
                out.append(_KO_DIGITS[int(ch)] + _KO_UNITS[3 - pos])
        out.append(_KO_LEVELS[3 - group_index])
    return "".join(out)


def _ko_words(integer: int, minor: int, digits: int, currency: str) -> str:
    units = _KO_UNITS_BY_CURRENCY.get(currency)
    if units is None:
        # No Korean minor-unit word: name first, decimals read with 점.
        name = get_currency_name(currency, locale=BABEL_IDS["ko"])
        number = _ko_integer(integer)
        if minor:
            fraction = f"{minor:0{digits}d}".rstrip("0")
            number += "점" + "".join(_KO_DECIMAL_DIGITS[int(c)] for c in fraction)
        return f"일금 {name} {number}정"
    major_unit, minor_unit = units
    text = ""
    if integer or not minor:
        text = _ko_integer(integer) + major_unit
    if minor:
        text += _ko_integer(minor) + (minor_unit or "")
    return f"일금 {text}정"


# --- English -----------------------------------------------------------------

# fmt: off
_EN_ONES = (
    "", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
    "Eighteen", "Nineteen",
)
_EN_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
# fmt: on
_EN_SCALES = ("", "Thousand", "Million", "Billion", "Trillion", "Quadrillion")
# (name, minor unit singular, minor unit plural); minor None = whole units only.
_EN_NAMES: dict[str, tuple[str, str | None, str | None]] = {
    "USD": ("US Dollars", "Cent", "Cents"),
    "KRW": ("Korean Won", None, None),
    "CNY": ("Chinese Yuan", "Fen", "Fen"),
    "TWD": ("New Taiwan Dollars", None, None),
    "HKD": ("Hong Kong Dollars", "Cent", "Cents"),
    "JPY": ("Japanese Yen", None, None),
    "EUR": ("Euros", "Cent", "Cents"),
}


def _en_below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_ONES[hundreds], "Hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_EN_ONES[rest])
    return words


def _en_integer(n: int) -> str:
    """Spell ``0 <= n < 10^18`` in US-style title-case words."""
    if n == 0:
        return "Zero"
    words: list[str] = []
    for scale in range(len(_EN_SCALES) - 1, -1, -1):
        chunk = (n // 1000**scale) % 1000
        if chunk:
            words += _en_below_thousand(chunk)
            if _EN_SCALES[scale]:
                words.append(_EN_SCALES[scale])
    return " ".join(words)


@lru_cache(maxsize=256)
def _en_currency_name(currency: str) -> str:
    name = get_currency_name(currency, count=2, locale=BABEL_IDS["en"])
    return " ".join(w[:1].upper() + w[1:] for w in name.split())


def _en_words(integer: int, minor: int, digits: int, currency: str) -> str:
    listed = _EN_NAMES.get(currency)
    if listed is None:
        name, singular, plural = _en_currency_name(currency), None, None
    else:
        name, singular, plural = listed
    if not minor:
        return f"{name} {_en_integer(integer)} Only"
    if singular is None or plural is None:
        return f"{name} {_en_integer(integer)} and {minor:0{digits}d}/{10**digits} Only"
    minor_text = f"{_en_integer(minor)} {singular if minor == 1 else plural}"
    if integer == 0:
        return f"{name} {minor_text} Only"
    return f"{name} {_en_integer(integer)} and {minor_text} Only"


# --- entry point -------------------------------------------------------------


def amount_in_words(value: object, currency: str, language: str) -> str:
    """Spell a money amount for a financial document; see the module docstring.

    ``language`` is a canonical locale code (``ko``, ``zh-CN``, ``zh-TW``, ``en``;
    aliases such as ``zh_Hant`` are accepted). Rounds half-up to the currency's
    document minor unit first. Raises ``ValueError`` for negative amounts, amounts
    of 10^16 or more, unknown currencies and non-numeric values.
    """
    lang = normalize(language)
    if lang not in ("ko", "en") and lang not in _ZH_DIGITS:
        raise NoLocaleRule("amounts in words", lang)
    code = normalize_currency(currency)
    digits = minor_digits(code)
    if digits not in (0, 2):
        raise ValueError(
            f"amount in words supports currencies with 0 or 2 decimals, not {code}"
        )
    amount = round_money(value, code)
    if amount < 0:
        raise ValueError(f"amount in words needs a non-negative amount: {value!r}")
    if amount >= LIMIT:
        raise ValueError(f"amount too large for words (limit 10^16): {value!r}")
    integer = int(amount)
    minor = int((amount - integer).scaleb(digits))
    if lang in _ZH_DIGITS:
        return _zh_words(integer, minor, digits, code, lang)
    if lang == "ko":
        return _ko_words(integer, minor, digits, code)
    return _en_words(integer, minor, digits, code)
