"""The plan page in a real Chromium sets the document in the shipped Liberation Serif, like the PDF."""

import os

from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS

# Where a line's baseline is: an empty inline-block sits on it (set through the CSSOM, which the CSP allows).
BASELINE = """selector => {
  const marker = document.createElement('span');
  marker.style.display = 'inline-block';
  document.querySelector(selector).appendChild(marker);
  const y = marker.getBoundingClientRect().bottom;
  marker.remove();
  return y;
}"""


def _open_plan(page, live_server, log_in) -> None:
    log_in("ldtbxh")
    page.get_by_role("link", name="4159/KH-UBND").click()
    page.wait_for_selector(".document")
    page.evaluate("document.fonts.ready")


def test_the_document_uses_the_shipped_font_and_sets_number_and_date_on_one_baseline(
    live_server, page, demo_data, log_in
):
    page.set_viewport_size({"width": 1366, "height": 900})
    _open_plan(page, live_server, log_in)
    assert page.evaluate("getComputedStyle(document.querySelector('.document')).fontFamily").startswith(
        '"Liberation Serif 2.1"'
    )
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'Liberation Serif 2.1')"
        ".map(f => f.weight + ' ' + f.style + ' ' + f.status).sort()"
    )
    assert loaded == ["400 italic loaded", "400 normal loaded", "700 italic loaded", "700 normal loaded"]
    assert page.evaluate(BASELINE, ".doc-number") == page.evaluate(BASELINE, ".place-date")
    if os.environ.get("SCREENSHOT_DIR"):
        page.locator(".document").screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "document-1366.png"))


def test_the_document_fits_a_phone_with_the_number_under_the_issuer(live_server, page, demo_data, log_in):
    page.set_viewport_size({"width": 390, "height": 844})
    _open_plan(page, live_server, log_in)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    issuer, number, motto = (page.locator(s).bounding_box() for s in (".doc-issuer", ".doc-number", ".doc-motto"))
    assert issuer["y"] < number["y"] < motto["y"]  # one column: issuer, its number, then the motto and the date
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "document-390.png"), full_page=True)
