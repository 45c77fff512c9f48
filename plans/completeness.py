"""Complete before submitted (design.md §13): what a plan still lacks before it can be submitted or signed.

A plan can be submitted, and signed, only when nothing is missing and every budget rule passes. Each missing thing
carries a rule code, a Vietnamese message and the section of the plan page where it shows, so that the plan page can
list it as a checklist with links and the lifecycle can refuse with the same words.

Ceilings are judged through budgets.checks (its `no_ceiling` rule), never by reading ceilings here, so that where a
ceiling is recorded stays the budget app's business.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from budgets.checks import BudgetCheck, check_plan
from plans.models import Plan

# Sections of the plan page (ids in templates/plans/_document.html and plan_detail.html).
HEADER_SECTION = "dau-van-ban"
CONTENT_SECTION = "noi-dung"
BUDGET_SECTION = "budget-title"
RECIPIENTS_SECTION = "noi-nhan"
SIGNATURE_SECTION = "chu-ky"

# Budget rules that the checklist lists under completeness rather than under the budget checks.
COMPLETENESS_RULES = frozenset({"no_ceiling", "line_without_unit"})


def line_section(code: str) -> str:
    return f"dong-{code}"


@dataclass(frozen=True)
class Missing:
    """One thing the plan lacks, or one budget rule it breaks."""

    rule: str
    message: str
    section: str  # id of the plan page's section where it shows (and where to look to fix it)
    url: str = ""  # a page where it is fixed, when that is not the plan page itself (e.g. the allocation editor)

    @property
    def href(self) -> str:
        return self.url or f"#{self.section}"


@dataclass(frozen=True)
class ChecklistEntry:
    """One line of the checklist: what a complete plan has, and what this plan misses of it."""

    rule: str
    label: str
    section: str
    missing: list[Missing]

    @property
    def done(self) -> bool:
        return not self.missing


def _entry(rule: str, label: str, section: str, missing: list[Missing]) -> ChecklistEntry:
    return ChecklistEntry(rule=rule, label=label, section=section, missing=missing)


def _plain(rule: str, absent: bool, message: str, section: str) -> list[Missing]:
    return [Missing(rule, message, section)] if absent else []


def plan_checklist(plan: Plan, check: BudgetCheck | None = None) -> list[ChecklistEntry]:
    """Return the checklist of a plan fetched with Plan.objects.with_document() (no queries of its own when `check`,
    the plan's budget check, is given)."""
    check = check or check_plan(plan)
    items = list(plan.items.all())
    by_rule: dict[str, list] = {}
    for violation in check.violations:
        by_rule.setdefault(violation.rule, []).append(violation)

    def lines_lacking(rule: str, lacks, message: str) -> list[Missing]:
        return [Missing(rule, message % {"code": item.code}, line_section(item.code)) for item in items if lacks(item)]

    ceilings = [Missing("no_ceiling", v.message, BUDGET_SECTION) for v in by_rule.get("no_ceiling", [])]
    units = [
        Missing("line_without_unit", v.message, line_section(v.line)) for v in by_rule.get("line_without_unit", [])
    ]
    unfunded = [item.code for item in items if not item.amount or item.amount <= 0]
    amounts = (
        [
            Missing(
                "line_without_amount",
                _("Line %(codes)s has no amount.") % {"codes": ", ".join(unfunded)},
                line_section(unfunded[0]),
                reverse("budgets:allocation_edit", args=[plan.pk]),
            )
        ]
        if unfunded
        else []
    )
    budget = [
        Missing(v.rule, v.message, line_section(v.line) if v.line else BUDGET_SECTION)
        for v in check.violations
        if v.rule not in COMPLETENESS_RULES
    ]
    return [
        _entry(
            "no_lines",
            _("At least one line"),
            CONTENT_SECTION,
            _plain("no_lines", not items, _("The plan has no line yet."), CONTENT_SECTION),
        ),
        _entry("no_ceiling", _("A ceiling for each funding source used"), BUDGET_SECTION, ceilings),
        _entry(
            "line_without_objective",
            _("Each line has an objective"),
            CONTENT_SECTION,
            lines_lacking(
                "line_without_objective", lambda item: not item.objective.strip(), _("Line %(code)s has no objective.")
            ),
        ),
        _entry(
            "line_without_activities",
            _("Each line has its activities"),
            CONTENT_SECTION,
            lines_lacking(
                "line_without_activities",
                lambda item: not item.activities.strip(),
                _("Line %(code)s has no activities."),
            ),
        ),
        _entry("line_without_unit", _("Each line has an implementing unit"), CONTENT_SECTION, units),
        _entry("line_without_amount", _("Each line has an amount above 0"), CONTENT_SECTION, amounts),
        _entry(
            "no_number",
            _("Number and symbol"),
            HEADER_SECTION,
            _plain(
                "no_number",
                not plan.number or not (plan.symbol or "").strip(),
                _("The plan has no number and symbol."),
                HEADER_SECTION,
            ),
        ),
        _entry(
            "no_date",
            _("Date of issue"),
            HEADER_SECTION,
            _plain("no_date", not plan.issued_on, _("The plan has no date of issue."), HEADER_SECTION),
        ),
        _entry(
            "no_authority_lines",
            _("Authority lines of the signature block"),
            SIGNATURE_SECTION,
            _plain(
                "no_authority_lines",
                not plan.authority_lines.strip(),
                _("The signature block has no authority lines (e.g. TM. ỦY BAN NHÂN DÂN)."),
                SIGNATURE_SECTION,
            ),
        ),
        _entry(
            "no_signer_title",
            _("Signer's title"),
            SIGNATURE_SECTION,
            _plain(
                "no_signer_title",
                not plan.signer_title.strip(),
                _("The signer's title is missing."),
                SIGNATURE_SECTION,
            ),
        ),
        _entry(
            "no_signer_name",
            _("Signer's name"),
            SIGNATURE_SECTION,
            _plain(
                "no_signer_name", not plan.signer_name.strip(), _("The signer's name is missing."), SIGNATURE_SECTION
            ),
        ),
        _entry(
            "no_recipients",
            _("Recipients"),
            RECIPIENTS_SECTION,
            _plain(
                "no_recipients",
                not plan.recipients.strip(),
                _("The recipients (Nơi nhận) are missing."),
                RECIPIENTS_SECTION,
            ),
        ),
        _entry("budget_rules", _("Every budget rule passes"), BUDGET_SECTION, budget),
    ]


def missing(plan: Plan, check: BudgetCheck | None = None) -> list[Missing]:
    """What the plan lacks to be complete (design.md §13), budget rules aside."""
    return [m for entry in plan_checklist(plan, check) if entry.rule != "budget_rules" for m in entry.missing]


def problems(plan: Plan, check: BudgetCheck | None = None) -> list[Missing]:
    """Everything that stops the plan from being submitted or signed: what is missing, then failed budget rules."""
    return [m for entry in plan_checklist(plan, check) for m in entry.missing]
