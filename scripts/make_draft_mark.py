"""Write static/img/draft-mark.svg: the words "DỰ THẢO" as glyph outlines of the shipped Liberation Serif Bold.

The draft mark of a plan's PDF is drawn, not typed: as outlines it is no text of the document, so pdftotext and
copy-paste never pick it up. Run again only if the wording, the font or the look changes:

    .venv/bin/python scripts/make_draft_mark.py
"""

import math
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

BASE_DIR = Path(__file__).resolve().parent.parent
FONT = BASE_DIR / "static" / "fonts" / "LiberationSerif-Bold.ttf"
TARGET = BASE_DIR / "static" / "img" / "draft-mark.svg"
WORDS = "DỰ THẢO"
LETTER_SPACING = 0.08  # of the em, as the earlier CSS mark's 6 pt at 72 pt
ANGLE = -35  # degrees, as before
COLOUR, OPACITY = "#a4161a", "0.18"


def outline(font: TTFont, text: str) -> tuple[str, tuple[float, float, float, float]]:
    """One SVG path for `text` set on a baseline at y=0 (y down, in font units), and its bounds."""
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    upem = font["head"].unitsPerEm
    pen = SVGPathPen(glyphs, ntos=lambda value: f"{value:.0f}")
    bounds = BoundsPen(glyphs)
    x = 0.0
    for char in text:
        name = cmap[ord(char)]
        flip = (1, 0, 0, -1, x, 0)  # font units are y up, SVG is y down
        glyphs[name].draw(TransformPen(pen, flip))
        glyphs[name].draw(TransformPen(bounds, flip))
        x += glyphs[name].width + LETTER_SPACING * upem
    return pen.getCommands(), bounds.bounds


def main() -> None:
    path, (x_min, y_min, x_max, y_max) = outline(TTFont(FONT), WORDS)
    width, height = x_max - x_min, y_max - y_min
    centre_x, centre_y = (x_min + x_max) / 2, (y_min + y_max) / 2
    # The canvas is the box the rotated words fill, so CSS can place and size the mark as a plain box.
    turn = math.radians(ANGLE)
    box_w = round(abs(width * math.cos(turn)) + abs(height * math.sin(turn)))
    box_h = round(abs(width * math.sin(turn)) + abs(height * math.cos(turn)))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box_w} {box_h}" width="{box_w}" height="{box_h}">'
        f"<!-- {WORDS}: glyph outlines of Liberation Serif Bold (SIL OFL 1.1), made by scripts/make_draft_mark.py -->"
        f'<g transform="translate({box_w / 2:.0f} {box_h / 2:.0f}) rotate({ANGLE}) '
        f'translate({-centre_x:.0f} {-centre_y:.0f})">'
        f'<path fill="{COLOUR}" fill-opacity="{OPACITY}" d="{path}"/></g></svg>\n'
    )
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(svg, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(BASE_DIR)} ({len(svg)} bytes)")


if __name__ == "__main__":
    main()
