"""Budget figures of a plan, computed from rows already fetched (no queries of their own), and the one place that
reads a plan's ceilings: those of its issuer and year (design.md §13), not rows of the plan."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from plans.models import OrgUnit, Plan, PlanItem


@dataclass(frozen=True)
class UnitShare:
    """One implementing unit's part of a line, or of one source of a line: its allocations (none yet: None)."""

    unit: OrgUnit
    allocations: tuple[Allocation, ...] = ()

    @property
    def amount(self) -> int | None:
        return sum(a.amount for a in self.allocations) if self.allocations else None

    @property
    def allocation(self) -> Allocation | None:
        """The one allocation of a single-source share (the editor and the workbook edit it)."""
        return self.allocations[0] if len(self.allocations) == 1 else None


@dataclass(frozen=True)
class FundingBudget:
    """One source of one line: its amount, and each implementing unit's allocation from it."""

    funding: LineFunding
    shares: list[UnitShare]
    allocated: int

    @property
    def source(self) -> FundingSource:
        return self.funding.source

    @property
    def amount(self) -> int:
        return self.funding.amount

    @property
    def unallocated(self) -> int:
        return self.funding.amount - self.allocated


@dataclass(frozen=True)
class LineBudget:
    """A line with its sources; `shares` sums each unit over the sources (the same figures when there is one)."""

    item: PlanItem
    fundings: list[FundingBudget]
    shares: list[UnitShare]
    allocated: int

    @property
    def amount(self) -> int:
        return sum(funding.amount for funding in self.fundings)

    @property
    def unallocated(self) -> int:
        return self.amount - self.allocated

    @property
    def several_sources(self) -> bool:
        return len(self.fundings) > 1


@dataclass(frozen=True)
class SourceBudget:
    source: FundingSource
    planned: int
    ceiling: Ceiling | None
    drawn_on: bool = False  # some line of the plan has a funding row for it (possibly still 0 đồng)

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
    def several_sources(self) -> bool:
        """More than one source is drawn on: pages and documents then break money down by source (design.md §13);
        with one, they read as the 2024 plan does."""
        return sum(1 for source in self.sources if source.planned or source.drawn_on) > 1

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


def draws_on_several_sources(plan: Plan) -> bool:
    """PlanBudget.several_sources in one query, for pages that do not fetch the whole budget: whether the plan's lines
    draw on more than one funding source in all."""
    return LineFunding.objects.filter(item__plan=plan).order_by().values("source_id").distinct().count() > 1


def plan_budget(plan: Plan) -> PlanBudget:
    """Return the plan's lines with their sources and unit shares, and the totals per source against the ceilings.

    Expects a plan fetched with Plan.objects.with_document() so that nothing here queries the database.
    """
    lines = []
    planned_by_source: dict[int, int] = {}
    sources: dict[int, FundingSource] = {}
    for item in plan.items.all():
        units = [implementing.unit for implementing in item.implementing_units.all()]
        by_source: dict[int, dict[int, Allocation]] = {}
        for allocation in item.allocations.all():
            by_source.setdefault(allocation.source_id, {})[allocation.unit_id] = allocation
        fundings = []
        for funding in item.funding_list():
            # Only allocations from one of the line's own sources count against it (checks flag the others).
            allocations = by_source.get(funding.source_id, {})
            shares = [UnitShare(unit, _one(allocations.get(unit.pk))) for unit in units]
            fundings.append(FundingBudget(funding, shares, allocated=sum(a.amount for a in allocations.values())))
            planned_by_source[funding.source_id] = planned_by_source.get(funding.source_id, 0) + funding.amount
            sources[funding.source_id] = funding.source
        # Each unit over the line's sources: every funding lists the units in the same order.
        shares = [
            UnitShare(unit, tuple(a for share in per_source for a in share.allocations))
            for unit, *per_source in zip(units, *(f.shares for f in fundings), strict=True)
        ]
        lines.append(
            LineBudget(item=item, fundings=fundings, shares=shares, allocated=sum(f.allocated for f in fundings))
        )
    ceilings = {c.source_id: c for c in ceilings_for(plan)}
    for source_id, ceiling in ceilings.items():
        sources.setdefault(source_id, ceiling.source)
    drawn_on = {f.funding.source_id for line in lines for f in line.fundings}
    source_budgets = [
        SourceBudget(
            source=source,
            planned=planned_by_source.get(source_id, 0),
            ceiling=ceilings.get(source_id),
            drawn_on=source_id in drawn_on,
        )
        for source_id, source in sorted(sources.items(), key=lambda pair: pair[1].document_order)
    ]
    return PlanBudget(
        lines=lines,
        sources=source_budgets,
        total=sum(line.amount for line in lines),
        allocated=sum(line.allocated for line in lines),
    )


def _one(allocation: Allocation | None) -> tuple[Allocation, ...]:
    return () if allocation is None else (allocation,)
