"""Render a plan as the PDF of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

The HTML comes from the same document template as the plan page; WeasyPrint lays it out on A4 with the
shipped Liberation Serif, and may read nothing but the project's own static files.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from budgets.checks import check_plan, violations_by_line
from budgets.selectors import LineBudget
from lai_chau.installation import installation
from plans.document import SourceAmount, document_context, line_sources
from plans.models import Plan

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()


class StaticFilesOnlyFetcher(URLFetcher):
    """Fetch file:// URLs inside the project's static folder; refuse the network and every other path.

    Plan text is user input: whatever it says, the renderer must not read /etc/passwd or call a server.
    """

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise ValueError(f"refused to fetch {url!r}: only the project's static files may be read")
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(STATIC_DIR):
            raise ValueError(f"refused to read {path}: outside the project's static files")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class AppendixRow:
    """A line of the appendix table; in a plan drawing on several sources, with a row per source under it."""

    line: LineBudget
    fundings: list[SourceAmount]


def plan_pdf_html(plan: Plan, *, draft: bool, signature=None) -> str:
    check = check_plan(plan)
    document = document_context(plan)
    several = bool(document["funding_sources"])
    context = {
        "plan": plan,
        **document,
        "check": check,
        "budget": check.budget,
        "line_violations": violations_by_line(check),
        # The appendix lists the lines that have an amount; without any there is no appendix, nor a reference to it.
        "appendix": [
            AppendixRow(line, line_sources(line.item) if several else [])
            for line in check.budget.lines
            if line.amount > 0
        ],
        "installation": installation(),
        "draft": draft,
        "signature": signature,
        "font_dir": STATIC_DIR / "fonts",
    }
    return render_to_string("pdf/plan.html", context)


def render_plan_pdf(plan: Plan, *, draft: bool | None = None, signature=None) -> bytes:
    """Return the PDF bytes of `plan` (fetched with Plan.objects.with_document()); drafts carry "DỰ THẢO".

    `signature` (plans.lifecycle.Signature) prints the signing date in the signature block of a signed plan.
    """
    if draft is None:
        draft = plan.status != Plan.Status.SIGNED
    fetcher = StaticFilesOnlyFetcher(allowed_protocols=["file"])
    font_config = FontConfiguration()
    html = HTML(
        string=plan_pdf_html(plan, draft=draft, signature=signature),
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    )
    stylesheet = CSS(filename=str(STATIC_DIR / "css" / "plan-pdf.css"), font_config=font_config, url_fetcher=fetcher)
    return html.write_pdf(stylesheets=[stylesheet], font_config=font_config)
