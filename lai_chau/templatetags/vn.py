"""Template filters over the pure helpers of lai_chau.money and lai_chau.text (one formatter each)."""

import datetime

from django import template

from lai_chau import money, text

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """1728000000 → '1.728.000.000 đồng'."""
    return "" if amount is None else money.format_vnd(amount)


@register.filter
def digits(amount: int | None) -> str:
    """1728000000 → '1.728.000.000'."""
    return "" if amount is None else money.group_digits(amount)


@register.filter
def million(amount: int | None) -> str:
    """1728000000 → '1.728' (triệu đồng)."""
    return "" if amount is None else money.format_million(amount)


@register.filter
def in_words(amount: int | None) -> str:
    return "" if amount is None else money.amount_in_words(amount)


@register.filter
def paragraphs(value: str) -> list[str]:
    return text.paragraphs(value or "")


@register.filter
def document_date(value: datetime.date) -> str:
    """Return the date as official documents write it: 'ngày 05 tháng 8 năm 2023' (lai_chau.text.document_date)."""
    return text.document_date(value) if value else ""


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def amount_in(amount: int | None, exact: bool) -> str:
    """Show an amount in triệu đồng, or in exact đồng when the reader asked for it."""
    if amount is None:
        return ""
    return money.group_digits(amount) if exact else money.format_million(amount)


@register.filter
def percent_of(part: int, whole: int) -> int:
    """Return part/whole as a whole percentage capped to 0..100, for bars (0 when whole is 0)."""
    if not whole:
        return 0
    return max(0, min(100, round(part * 100 / whole)))


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
