"""Turn an HTML response into the text a reader sees, for assertions about what a page says."""

import html
import re
import unicodedata


def visible_text(content: bytes | str) -> str:
    text = content.decode() if isinstance(content, bytes) else content
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"</?(?:strong|em|span|a|small|b|i|abbr)\b[^>]*>", "", text)  # inline: no word break
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", html.unescape(text))).strip()
