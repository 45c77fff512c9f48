"""Text helpers: every stored string is Unicode NFC, and multi-paragraph fields hold one paragraph per line."""

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
