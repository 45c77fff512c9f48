"""The budget rules of design.md §6, checked over a plan's current figures in one place.

Used by the budget report, the `budget_check` command and, later, signing: each violation names the line,
the limit and the exact excess in đồng.
"""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from budgets.selectors import PlanBudget, plan_budget
from lai_chau.money import format_vnd
from plans.models import Plan

# The rules whose breach refuses an edit on every path (design.md §6, rules 1 and 2); the others are reported.
MONEY_RULES = frozenset(
    {"ceiling_exceeded", "line_over_allocated", "allocation_other_source", "allocation_outside_units"}
)
# What an edit of a plan's money (budgets.services.budget_apply) may not break or make worse: every rule but a source
# without a ceiling, which is completeness (design.md §13): staff may plan on a source before finance records its
# ceiling, and the plan cannot be submitted until it is recorded.
BUDGET_EDIT_RULES = MONEY_RULES | {"line_repeated", "line_outside_catalogue", "line_without_unit"}


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    line: str | None = None
    limit: int | None = None
    actual: int | None = None
    source: str | None = None

    @property
    def excess(self) -> int | None:
        return None if self.limit is None or self.actual is None else self.actual - self.limit

    def as_dict(self) -> dict:
        return {**asdict(self), "excess": self.excess}


@dataclass(frozen=True)
class BudgetCheck:
    plan: Plan
    budget: PlanBudget
    violations: list[Violation]

    @property
    def passed(self) -> bool:
        return not self.violations


def check_plan(plan: Plan) -> BudgetCheck:
    """Check every budget rule on a plan fetched with Plan.objects.with_document()."""
    budget = plan_budget(plan)
    violations: list[Violation] = []
    seen_codes: set[str] = set()
    for line in budget.lines:
        item = line.item
        code = item.code
        if code in seen_codes:
            violations.append(
                Violation("line_repeated", _("Line %(code)s appears more than once.") % {"code": code}, code)
            )
        seen_codes.add(code)
        if item.project.programme_id != plan.programme_id:
            violations.append(
                Violation(
                    "line_outside_catalogue",
                    _("Line %(code)s is not in the programme catalogue.") % {"code": code},
                    code,
                )
            )
        violations += _stray_allocations(item)
        if not line.shares:
            violations.append(
                Violation("line_without_unit", _("Line %(code)s has no implementing unit.") % {"code": code}, code)
            )
        for funding in line.fundings:
            if funding.allocated > funding.amount:
                violations.append(_over_allocated(code, funding, several=line.several_sources))
    for source in budget.sources:
        if source.ceiling is None:
            violations.append(
                Violation(
                    "no_ceiling",
                    _("No ceiling is recorded for %(source)s.") % {"source": source.source.name},
                    None,
                    None,
                    source.planned,
                    source.source.code,
                )
            )
        elif source.remaining < 0:
            violations.append(
                Violation(
                    "ceiling_exceeded",
                    _("%(source)s: the plan's lines total %(actual)s, over the ceiling %(limit)s by %(excess)s.")
                    % {
                        "source": source.source.name,
                        "actual": format_vnd(source.planned),
                        "limit": format_vnd(source.ceiling.amount),
                        "excess": format_vnd(-source.remaining),
                    },
                    None,
                    source.ceiling.amount,
                    source.planned,
                    source.source.code,
                )
            )
    return BudgetCheck(plan=plan, budget=budget, violations=violations)


def _over_allocated(code: str, funding, *, several: bool) -> Violation:
    """Rule 2, per source: a line's allocations from a source exceed what the line draws on it."""
    params = {
        "code": code,
        "actual": format_vnd(funding.allocated),
        "limit": format_vnd(funding.amount),
        "excess": format_vnd(funding.allocated - funding.amount),
        "source": funding.source.name,
    }
    if several:
        message = _(
            "Line %(code)s, %(source)s: allocations %(actual)s exceed the line's amount from this source %(limit)s by "
            "%(excess)s."
        )
    else:
        message = _("Line %(code)s: allocations %(actual)s exceed the line amount %(limit)s by %(excess)s.")
    return Violation(
        "line_over_allocated", message % params, code, funding.amount, funding.allocated, funding.source.code
    )


def _stray_allocations(item) -> list[Violation]:
    """Allocations the line's figures would not show: from a source the line does not draw on, or to a unit not
    carrying the line.

    Rule 2 counts a line's own sources only; without these an admin could hide money under a line.
    """
    found = []
    units = {implementing.unit_id for implementing in item.implementing_units.all()}
    line_sources = {funding.source_id for funding in item.fundings.all()}
    for allocation in item.allocations.all():
        params = {"code": item.code, "unit": allocation.unit.name, "amount": format_vnd(allocation.amount)}
        if allocation.source_id not in line_sources:
            message = _(
                "Line %(code)s: the allocation of %(amount)s to %(unit)s is from %(source)s, which the line does not "
                "draw on (%(line_sources)s)."
            ) % {
                **params,
                "source": allocation.source.name,
                "line_sources": ", ".join(source.name for source in item.sources) or "—",
            }
            found.append(
                Violation("allocation_other_source", message, item.code, 0, allocation.amount, allocation.source.code)
            )
        elif allocation.unit_id not in units:
            message = (
                _("Line %(code)s: %(amount)s is allocated to %(unit)s, which is not an implementing unit of the line.")
                % params
            )
            found.append(
                Violation("allocation_outside_units", message, item.code, 0, allocation.amount, allocation.unit.code)
            )
    return found


def new_or_worse(before: BudgetCheck, after: BudgetCheck) -> list[Violation]:
    """Return the violations of `after` that `before` did not have, or had with a smaller excess.

    A plan left above a lowered ceiling can still be edited towards it; an edit may not make things worse.
    """
    known = {(v.rule, v.line, v.source): v.excess for v in before.violations}
    worse = []
    for violation in after.violations:
        key = (violation.rule, violation.line, violation.source)
        if key not in known:
            worse.append(violation)
        elif violation.excess is not None and known[key] is not None and violation.excess > known[key]:
            worse.append(violation)
    return worse


def violations_by_line(check: BudgetCheck) -> dict[str | None, list[Violation]]:
    """Group violations by line code (None for plan-wide ones such as a ceiling), for tables to show per row."""
    grouped: dict[str | None, list[Violation]] = {}
    for violation in check.violations:
        grouped.setdefault(violation.line, []).append(violation)
    return grouped
