"""Read where things are on a PDF page with pypdf: text lines with their start and baseline, and thin horizontal rules.

Positions are in points from the page's top left corner (y grows down), whatever matrices WeasyPrint wrote.
"""

import io
import re
from dataclasses import dataclass

import pypdf

A4_WIDTH, A4_HEIGHT = 595.276, 841.89
MM = 72 / 25.4


@dataclass(frozen=True)
class TextRun:
    text: str
    x: float  # where the run starts
    baseline: float
    size: float  # font size in points, as drawn
    font: str  # "Liberation-Serif-Bold", without the subset prefix


@dataclass(frozen=True)
class Rule:
    x0: float
    x1: float
    y: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _times(m: list[float], n: list[float]) -> list[float]:
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def pages(pdf: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def layout(page: pypdf.PageObject) -> tuple[list[TextRun], list[Rule]]:
    """The page's text runs (one per line of one style, as WeasyPrint draws them) and its thin horizontal rules."""
    runs: list[TextRun] = []
    rules: list[Rule] = []

    def on_text(text, cm, tm, font, size):
        if text.strip():
            m = _times(tm, cm)
            name = re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "")).lstrip("/")) if font else ""
            runs.append(TextRun(" ".join(text.split()), m[4], A4_HEIGHT - m[5], size * abs(m[3]), name))

    def on_operator(operator, args, cm, tm):
        if operator != b"re":
            return
        x, y, w, h = (float(value) for value in args)
        scale_x, scale_y = abs(cm[0]), abs(cm[3])
        if 0 < h * scale_y < 1.5 and w * scale_x > 5:  # a filled hairline: a rule or a border
            x0 = x * cm[0] + y * cm[2] + cm[4]
            top = A4_HEIGHT - (x * cm[1] + y * cm[3] + cm[5])
            rules.append(Rule(x0, x0 + w * scale_x, top))

    page.extract_text(visitor_text=on_text, visitor_operand_before=on_operator)
    return runs, rules


def run_starting(runs: list[TextRun], prefix: str) -> TextRun:
    found = [run for run in runs if run.text.startswith(prefix)]
    assert found, f"no line starts with {prefix!r}: {[run.text for run in runs]}"
    return found[0]
