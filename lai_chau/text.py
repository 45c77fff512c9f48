"""Text helpers: every stored string is Unicode NFC, and multi-paragraph fields hold one paragraph per line."""

import datetime
import re
import unicodedata


def normalize_text(value: str) -> str:
    """Return `value` in NFC with line endings unified and trailing spaces trimmed from each line."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in value.split("\n")).strip("\n")


def paragraphs(value: str) -> list[str]:
    """Split a one-paragraph-per-line field into its non-empty paragraphs, in order."""
    return [line.strip() for line in value.split("\n") if line.strip()]


def collapse_whitespace(value: str) -> str:
    """Return `value` in NFC with every run of whitespace turned into one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()


def document_date(value: datetime.date) -> str:
    """Return a date as documents write it (Nghị định 30/2020/NĐ-CP): 'ngày 05 tháng 8 năm 2023'.

    A day below 10 and the months 1 and 2 take a leading zero ('tháng 01', 'tháng 02'); other months do not.
    """
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
