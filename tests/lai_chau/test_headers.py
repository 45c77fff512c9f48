"""Security headers on real responses: CSP, Permissions-Policy, and no caching of downloaded documents."""

import re
from pathlib import Path

import pytest
from django.conf import settings

EXPECTED_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def _directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";") if part.strip()}


def _cache_directives(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("url", ["/", "/ke-hoach/{pk}/", "/ke-hoach/{pk}/kinh-phi/", "/quan-tri/"])
def test_pages_carry_a_strict_content_security_policy(client, seed, staff_user, url):
    staff_user.is_staff = True
    staff_user.save(update_fields=["is_staff"])
    client.force_login(staff_user)
    response = client.get(url.format(pk=seed.pk))
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == EXPECTED_CSP


def test_the_login_page_carries_the_policies_too(client, db):
    response = client.get("/dang-nhap/")
    assert _directives(response["Content-Security-Policy"]) == EXPECTED_CSP
    policy = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "serial"]:
        assert policy[feature] == "()", feature


def test_the_plan_pdf_is_not_cached(client, seed, leader):
    client.force_login(leader)
    response = client.get(f"/ke-hoach/{seed.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= _cache_directives(response)


def test_the_budget_workbook_is_not_cached(client, seed, staff_user):
    client.force_login(staff_user)
    response = client.get(f"/ke-hoach/{seed.pk}/kinh-phi/xuat-excel/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= _cache_directives(response)


def test_the_budget_page_draws_its_bars_without_inline_style(client, seed, staff_user):
    client.force_login(staff_user)
    html = client.get(f"/ke-hoach/{seed.pk}/kinh-phi/").content.decode()
    assert 'style="' not in html
    assert '<meter class="bar" min="0" max="100" value="100" aria-label="đã phân bổ 100%">' in html  # line 2


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    """The CSP forbids inline script and style: any left in a served template would silently stop working."""
    found = []
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        if template.parts[-2] == "pdf":  # rendered by WeasyPrint into a PDF, never served as a page
            continue
        text = template.read_text(encoding="utf-8")
        found += [f"{template.name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []
