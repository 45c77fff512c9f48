"""Amounts are whole Vietnamese đồng held as int (VND has no minor unit).

Vietnamese notation: "." groups thousands and "," is the decimal mark, so "1.728" triệu đồng is
1,728,000,000 đồng and "12,5" triệu is 12,500,000 đồng. Everything here is pure: no database, no settings.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MILLION = 1_000_000
# One triệu tỷ đồng (10^15): far above any programme budget, far below the 64-bit limit.
MAX_AMOUNT = 10**15

AMOUNT_EMPTY = _("Enter an amount.")
AMOUNT_MALFORMED = _(
    "“%(value)s” is not a valid amount. Use Vietnamese notation: dots group thousands, a comma marks "
    "decimals (for example 1.234.567 or 12,5)."
)
AMOUNT_NEGATIVE = _("The amount cannot be negative.")
AMOUNT_FRACTIONAL_DONG = _("“%(value)s” is not a whole number of đồng.")
AMOUNT_TOO_LARGE = _("The amount is too large: at most %(limit)s đồng.")

# Either plain digits, or 1–3 digits followed by dot-separated groups of exactly three; then an optional
# comma decimal part. "1,728,000" (English grouping) and "1.5" (English decimal) do not match. Digits are ASCII
# only: Python's \d (and Decimal) would also take "١٢٣", "１２３" or "𝟏𝟐", which no one types as an amount on purpose
# and which read differently to different people; [0-9] with \Z (no newline before the end) admits nothing else.
_AMOUNT_RE = re.compile(r"(?P<int>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?P<frac>[0-9]+))?\Z")
# Longer input is no amount (MAX_AMOUNT has 16 digits): refuse it before Decimal works on thousands of digits.
_MAX_INPUT_LENGTH = 64
_CURRENCY_SUFFIX_RE = re.compile(r"(?:đồng|đ|₫|vnđ|vnd)$", re.IGNORECASE)


def group_digits(amount: int) -> str:
    """Return the integer with Vietnamese thousands grouping: 1728000000 → '1.728.000.000'."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".")


def format_vnd(amount: int) -> str:
    """Return an exact amount in đồng: '1.728.000.000 đồng'."""
    return f"{group_digits(amount)} đồng"


def format_million(amount: int) -> str:
    """Return the amount in triệu đồng, exact, in Vietnamese notation: '1.728', '12,5', '0,000001'."""
    sign = "-" if amount < 0 else ""
    whole, rest = divmod(abs(amount), MILLION)
    text = group_digits(whole)
    if rest:
        text += "," + f"{rest:06d}".rstrip("0")
    return sign + text


def format_million_vnd(amount: int) -> str:
    """Return '1.728 triệu đồng'."""
    return f"{format_million(amount)} triệu đồng"


_DIGIT_WORDS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
BILLION = 1_000_000_000


def _three_digits_in_words(number: int, full: bool) -> list[str]:
    """Read 1..999; `full` (groups after the leading one) reads zero hundreds too: 'không trăm linh năm'."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words = [_DIGIT_WORDS[hundreds], "trăm"] if full or hundreds else []
    if tens == 0:
        if units:
            words += ["linh", _DIGIT_WORDS[units]] if words else [_DIGIT_WORDS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGIT_WORDS[units])
    else:
        words += [_DIGIT_WORDS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _DIGIT_WORDS[units]))
    return words


def _number_in_words(number: int, full: bool = False) -> list[str]:
    """Read a positive number: groups of three digits (triệu, nghìn, units) below a tỷ, and so many tỷ above it."""
    if number >= BILLION:
        billions, rest = divmod(number, BILLION)
        words = [*_number_in_words(billions, full), "tỷ"]
        return words + _number_in_words(rest, full=True) if rest else words
    words = []
    for scale, name in ((MILLION, "triệu"), (1000, "nghìn"), (1, "")):
        group = number // scale % 1000
        if group:  # an all-zero group is not read: 1.000.005 is 'một triệu không trăm linh năm'
            words += _three_digits_in_words(group, full)
            words += [name] if name else []
            full = True
    return words


def amount_in_words(amount: int) -> str:
    """Return the amount read out as accounting documents write it, capitalised.

    1.728.000.000 → 'Một tỷ bảy trăm hai mươi tám triệu đồng'; 1.005.000.000 → 'Một tỷ không trăm linh năm triệu
    đồng' (after the leading group, hundreds are read even when zero, and a zero tens digit reads 'linh');
    0 → '0 đồng'. Above a tỷ, the number of tỷ is read the same way: 2.000.000.000.000 is 'Hai nghìn tỷ đồng'.
    """
    if amount < 0:
        raise ValueError("An amount in words cannot be negative.")
    if amount == 0:
        return "0 đồng"
    words = " ".join(_number_in_words(amount))
    return f"{words[:1].upper()}{words[1:]} đồng"


def parse_amount(text: str, unit: int = 1) -> int:
    """Parse user input in Vietnamese notation, expressed in `unit` đồng (1 or MILLION), into whole đồng.

    Raise ValidationError (with a code) for empty, malformed, negative, fractional-đồng or absurd input.
    """
    raw = str(text)
    value = re.sub(r"[\s\u00a0\u202f]", "", raw)
    value = _CURRENCY_SUFFIX_RE.sub("", value)
    if unit == MILLION:
        value = re.sub(r"triệu$", "", value, flags=re.IGNORECASE)
    if not value:
        raise ValidationError(AMOUNT_EMPTY, code="required")
    if value.startswith("-"):
        raise ValidationError(AMOUNT_NEGATIVE, code="negative")
    if len(value) > _MAX_INPUT_LENGTH:
        shown = raw.strip()[:_MAX_INPUT_LENGTH] + "…"
        raise ValidationError(AMOUNT_MALFORMED, code="malformed", params={"value": shown})
    match = _AMOUNT_RE.match(value)  # match() anchors at the start
    if not match:
        raise ValidationError(AMOUNT_MALFORMED, code="malformed", params={"value": raw.strip()})
    # Exact integer arithmetic (Decimal's 28 digits would round "0,999…9" triệu up to a whole number of đồng).
    fraction = match["frac"] or ""
    amount, remainder = divmod(int(match["int"].replace(".", "") + fraction) * unit, 10 ** len(fraction))
    if remainder:
        raise ValidationError(AMOUNT_FRACTIONAL_DONG, code="fractional", params={"value": raw.strip()})
    if amount > MAX_AMOUNT:
        raise ValidationError(AMOUNT_TOO_LARGE, code="too_large", params={"limit": group_digits(MAX_AMOUNT)})
    return amount
