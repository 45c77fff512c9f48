"""Budget figures of a plan, computed from rows already fetched (no queries of their own), and the one place that
reads a plan's ceilings: those of its issuer and year (design.md §13), not rows of the plan."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from budgets.models import Allocation, Ceiling, FundingSource
from plans.models import OrgUnit, Plan, PlanItem


@dataclass(frozen=True)
class UnitShare:
    unit: OrgUnit
    allocation: Allocation | None

    @property
    def amount(self) -> int | None:
        return self.allocation.amount if self.allocation else None


@dataclass(frozen=True)
class LineBudget:
    item: PlanItem
    shares: list[UnitShare]
    allocated: int

    @property
    def unallocated(self) -> int:
        return self.item.amount - self.allocated


@dataclass(frozen=True)
class SourceBudget:
    source: FundingSource
    planned: int
    ceiling: Ceiling | None

    @property
    def remaining(self) -> int | None:
        """Return the ceiling minus the planned total (negative when over the ceiling), None without a ceiling."""
        return None if self.ceiling is None else self.ceiling.amount - self.planned


@dataclass(frozen=True)
class PlanBudget:
    lines: list[LineBudget]
    sources: list[SourceBudget]
    total: int
    allocated: int

    @property
    def unallocated(self) -> int:
        return self.total - self.allocated

    @property
    def over_ceiling(self) -> list[SourceBudget]:
        """The sources whose lines total more than the ceiling in force now."""
        return [source for source in self.sources if source.remaining is not None and source.remaining < 0]


def _ceiling_rows():
    return Ceiling.objects.select_related("source", "notified_by").order_by("source__code")


def attach_ceilings(plans: Iterable[Plan]) -> None:
    """Fetch the ceilings of every plan's issuer and year in one query and keep them on each plan.

    Plan.objects.with_document() calls this once per fetch, so pages read ceilings at a constant number of queries.
    """
    plans = [plan for plan in plans if isinstance(plan, Plan)]
    if not plans:
        return
    found: dict[tuple[int, int], list[Ceiling]] = {}
    rows = _ceiling_rows().filter(
        issuer_id__in={plan.issuer_id for plan in plans}, year__in={plan.year for plan in plans}
    )
    for ceiling in rows:
        found.setdefault((ceiling.issuer_id, ceiling.year), []).append(ceiling)
    given: set[tuple[int, int]] = set()
    for plan in plans:
        key = (plan.issuer_id, plan.year)
        ceilings = found.get(key, [])
        # Each plan its own objects: a signed plan puts its recorded names on them (plans.snapshot), another must not
        # see those names.
        plan._ceilings = copy.deepcopy(ceilings) if key in given else list(ceilings)
        given.add(key)


def ceilings_for(plan: Plan) -> list[Ceiling]:
    """The ceilings that apply to `plan` (its issuer's, for its year), ordered by source code.

    Read from what Plan.objects.with_document() attached; one query otherwise, kept on the plan afterwards.
    """
    cached = getattr(plan, "_ceilings", None)
    if cached is None:
        cached = plan._ceilings = list(_ceiling_rows().filter(issuer_id=plan.issuer_id, year=plan.year))
    return cached


def plan_budget(plan: Plan) -> PlanBudget:
    """Return the plan's lines with their unit shares and the totals per source against the ceilings.

    Expects a plan fetched with Plan.objects.with_document() so that nothing here queries the database.
    """
    lines = []
    planned_by_source: dict[int, int] = {}
    sources: dict[int, FundingSource] = {}
    for item in plan.items.all():
        # A line's amount comes from one source; only allocations from that source count against it.
        allocations = {a.unit_id: a for a in item.allocations.all() if a.source_id == item.source_id}
        shares = [
            UnitShare(unit=iu.unit, allocation=allocations.get(iu.unit_id)) for iu in item.implementing_units.all()
        ]
        allocated = sum(a.amount for a in allocations.values())
        lines.append(LineBudget(item=item, shares=shares, allocated=allocated))
        planned_by_source[item.source_id] = planned_by_source.get(item.source_id, 0) + item.amount
        sources[item.source_id] = item.source
    ceilings = {c.source_id: c for c in ceilings_for(plan)}
    for source_id, ceiling in ceilings.items():
        sources.setdefault(source_id, ceiling.source)
    source_budgets = [
        SourceBudget(source=source, planned=planned_by_source.get(source_id, 0), ceiling=ceilings.get(source_id))
        for source_id, source in sorted(sources.items(), key=lambda pair: pair[1].code)
    ]
    return PlanBudget(
        lines=lines,
        sources=source_budgets,
        total=sum(line.item.amount for line in lines),
        allocated=sum(line.allocated for line in lines),
    )
