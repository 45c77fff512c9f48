"""The plan's PDF: every sentence of the source, only the shipped font, nothing fetched from outside."""

import io
import re
import shutil
import subprocess
import unicodedata

import pypdf
import pytest
from django.core.management import call_command

from plans.models import Plan
from plans.pdf import STATIC_DIR, StaticFilesOnlyFetcher, render_plan_pdf
from tests.plans.test_seed import CATALOGUE_HEADING, _normalise, source_paragraphs


def _pdf(plan, **kwargs) -> bytes:
    return render_plan_pdf(Plan.objects.with_document().get(pk=plan.pk), **kwargs)


def _text(pdf: bytes) -> str:
    """The document's text in reading order, without the page numbers of the top margin."""
    pages = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages, start=1):
        lines = page.extract_text().splitlines()
        if number > 1 and lines and lines[-1].strip() == str(number):
            lines = lines[:-1]
        pages.append("\n".join(lines))
    return "\n".join(pages)


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    return names


@pytest.fixture
def seed_pdf(seed) -> bytes:
    return _pdf(seed, draft=False)


def test_pdf_contains_every_paragraph_of_the_source(seed_pdf):
    assert seed_pdf.startswith(b"%PDF")
    text = _normalise(_text(seed_pdf))
    # The one addition to the source: the funding total points at the printed appendix.
    assert "dự kiến 1.728 triệu đồng (chi tiết tại phụ lục kèm theo)." in text
    text = text.replace(" (chi tiết tại phụ lục kèm theo)", "")
    assert text == unicodedata.normalize("NFC", text)
    missing = []
    for paragraph in source_paragraphs():
        wanted = _normalise(paragraph)
        if CATALOGUE_HEADING.match(paragraph):  # catalogue names; see tests/plans/test_seed.py
            wanted, haystack = wanted.replace(",", ""), text.replace(",", "")
        else:
            haystack = text
        if wanted not in haystack:
            missing.append(paragraph)
    assert missing == []


def test_pdf_has_the_budget_appendix_total_in_words_and_signature(seed_pdf):
    text = _normalise(_text(seed_pdf))
    for expected in [
        "phụ lục",
        "tổng cộng 1.728",
        "bằng chữ: một tỷ bảy trăm hai mươi tám triệu đồng",
        "tm. ủy ban nhân dân kt. chủ tịch phó chủ tịch",
        "trần đình tiến",
        "số: 4159/kh-ubnd",
    ]:
        assert expected in text


def test_pdf_embeds_only_the_shipped_liberation_serif(seed_pdf):
    assert _fonts(seed_pdf) == {
        "Liberation-Serif",
        "Liberation-Serif-Bold",
        "Liberation-Serif-Italic",
        "Liberation-Serif-Bold-Italic",
    }


def _mark_pixels(pdf: bytes, tmp_path, page: int) -> int:
    """How many pixels of a page, rendered by poppler at 40 dpi, have the draft mark's light red."""
    from PIL import Image

    (tmp_path / "plan.pdf").write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(tmp_path / "plan.pdf"),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(f"{prefix}.png").convert("RGB")
    return sum(1 for red, green, blue in image.get_flattened_data() if red > 200 and min(red - green, red - blue) > 15)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)")
def test_the_draft_mark_is_drawn_on_every_page_but_is_no_text_of_the_document(seed, tmp_path):
    draft, final = _pdf(seed), _pdf(seed, draft=False)
    for pdf in (draft, final):
        assert "DỰ THẢO" not in _text(pdf).upper()
        (tmp_path / "text.pdf").write_bytes(pdf)
        poppler = subprocess.run(["pdftotext", str(tmp_path / "text.pdf"), "-"], capture_output=True, check=True)
        assert "DỰ THẢO" not in unicodedata.normalize("NFC", poppler.stdout.decode()).upper()
    pages = len(pypdf.PdfReader(io.BytesIO(draft)).pages)
    for page in (1, pages):
        assert _mark_pixels(draft, tmp_path, page) > 1000  # the words, drawn large across the page
        assert _mark_pixels(final, tmp_path, page) == 0


def test_page_numbers_are_in_the_top_margin_from_page_two(seed_pdf):
    pages = pypdf.PdfReader(io.BytesIO(seed_pdf)).pages
    assert len(pages) >= 3
    assert pages[0].extract_text().splitlines()[-1].strip() != "1"
    for number, page in enumerate(pages[1:], start=2):
        assert page.extract_text().splitlines()[-1].strip() == str(number)


def test_user_text_cannot_make_the_renderer_fetch_anything(seed):
    seed.preamble = '<img src="http://127.0.0.1:9/x.png"> <img src="file:///etc/passwd"> file:///etc/passwd'
    seed.save(update_fields=["preamble"])
    text = _normalise(_text(_pdf(seed)))
    assert '<img src="http://127.0.0.1:9/x.png">' in text  # escaped, shown as text
    assert "root:" not in text


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "file:///etc/passwd", "https://example.com/a.css"])
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(ValueError, match="refused"):
        StaticFilesOnlyFetcher(allowed_protocols=["file"]).fetch(url)


def test_plan_pdf_command_writes_the_file(seed, tmp_path):
    target = tmp_path / "ke-hoach.pdf"
    call_command("plan_pdf", "4159/KH-UBND", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert "Trần Đình Tiến" in _text(target.read_bytes())


def test_pdf_renders_with_no_system_font_at_all(seed, tmp_path):
    """Hide every system font from fontconfig: the shipped Liberation Serif alone must carry the document."""
    import os
    import subprocess
    import sys

    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    html = tmp_path / "plan.html"
    from plans.pdf import plan_pdf_html

    html.write_text(plan_pdf_html(Plan.objects.with_document().get(pk=seed.pk), draft=True), encoding="utf-8")
    output = tmp_path / "plan.pdf"
    script = (
        "import sys; from pathlib import Path; from weasyprint import HTML, CSS;"
        "from weasyprint.text.fonts import FontConfiguration; from plans.pdf import StaticFilesOnlyFetcher, STATIC_DIR;"
        "f = StaticFilesOnlyFetcher(allowed_protocols=['file']); fc = FontConfiguration();"
        "css = CSS(filename=str(STATIC_DIR / 'css' / 'plan-pdf.css'), font_config=fc, url_fetcher=f);"
        "HTML(filename=sys.argv[1], base_url=STATIC_DIR.as_uri() + '/', url_fetcher=f)"
        ".write_pdf(sys.argv[2], stylesheets=[css], font_config=fc)"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "DJANGO_SETTINGS_MODULE": "lai_chau.settings_test"}
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script, str(html), str(output)],
        env=env,
        check=True,
        timeout=120,
        cwd=str(STATIC_DIR.parent),
    )
    pdf = output.read_bytes()
    assert _fonts(pdf) == {
        "Liberation-Serif",
        "Liberation-Serif-Bold",
        "Liberation-Serif-Italic",
        "Liberation-Serif-Bold-Italic",
    }
    assert "Trần Đình Tiến" in _text(pdf)


def test_the_budget_appendix_repeats_its_header_on_every_page(seed):
    from tests.factories import make_plan

    big = make_plan(lines=60, units_per_line=2, number=9300)
    reader = pypdf.PdfReader(io.BytesIO(_pdf(big, draft=False)))
    appendix = [page.extract_text() for page in reader.pages if "PHỤ LỤC" in page.extract_text()]
    start = next(i for i, page in enumerate(reader.pages) if "PHỤ LỤC" in page.extract_text())
    appendix_pages = [page.extract_text() for page in reader.pages[start:]]
    assert len(appendix) == 1 and len(appendix_pages) >= 2
    for text in appendix_pages:
        assert "STT Nội dung Đơn vị thực hiện Kinh phí" in " ".join(text.split())
    assert "Tổng cộng 1.200" in " ".join(appendix_pages[-1].split())
