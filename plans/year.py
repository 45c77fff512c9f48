"""A new plan year (design.md §13): a draft that starts as a copy of the plan in force for an earlier year, or empty.

The copy keeps the document's structure and text: legal bases with the documents they cite, every text section,
the lines with their titles, objectives, target groups, activities, outputs, targets and implementing units, the
duties, recipients and signature block. It decides again what each year decides: line amounts start at 0, there
are no allocations (and ceilings belong to the issuer's new year), the number and date are the ones typed. Units
that no longer exist in the new year are left out and reported. Sentences naming another year stay as written and
are pointed out on the draft's page for review (plans.editing.year_mentions).

One plan per issuer and year: while one is in the making (or signed) for that year, a second is refused and the
officer is led to it; a change to a signed plan is an amendment.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from budgets.history import REASON_YEAR_COPY, REASON_YEAR_START
from budgets.models import LineFunding
from plans.editing import refuse_taken_number, units_valid_in_year
from plans.issue_dates import validate_issue_date
from plans.models import Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target

# The plan's own text, copied as written.
COPIED_PLAN_FIELDS = (
    "programme_id",
    "issuer_id",
    "symbol",
    "place",
    "summary",
    "preamble",
    "purposes",
    "requirements",
    "scope",
    "target_groups",
    "time_frame",
    "funding_statement",
    "funding_notes",
    "solutions",
    "closing",
    "recipients",
    "authority_lines",
    "signer_title",
    "signer_name",
)
COPIED_LINE_FIELDS = (
    "position",
    "project_id",
    "sub_project_id",
    "title",
    "objective",
    "beneficiaries",
    "activities_label",
    "activities_intro",
    "activities",
    "outputs",
    "units_label",
)


class PlanYearTaken(ValidationError):
    """The issuer already has a plan for that year; `existing` is the one to open instead."""

    def __init__(self, message: str, existing: Plan):
        super().__init__(message, code="year_taken")
        self.existing = existing


@dataclass(frozen=True)
class DroppedUnit:
    """A unit the source plan named that does not exist in the new year, left out of the copy."""

    where: str  # line code, or the duty's heading
    unit: str


@dataclass
class YearStart:
    plan: Plan
    source: Plan | None
    dropped: list[DroppedUnit] = field(default_factory=list)

    @property
    def lines_without_units(self) -> list[str]:
        """Codes of the lines of the new plan left without any implementing unit (one query)."""
        items = self.plan.items.filter(implementing_units__isnull=True).select_related("project", "sub_project")
        return [item.code for item in items]


def year_sources(year: int | None = None):
    """The plans a new year may start from: the versions in force, of years before `year` when given."""
    plans = Plan.objects.in_force().select_related("issuer", "programme").order_by("-year", "-issued_on")
    return plans.filter(year__lt=year) if year else plans


def plan_in_the_way(issuer: OrgUnit, year: int) -> Plan | None:
    """The plan of this issuer and year that a new one would duplicate: the latest version (draft first)."""
    plans = list(Plan.objects.filter(issuer=issuer, year=year).order_by("-issued_on", "-pk"))
    open_plans = [plan for plan in plans if plan.status != Plan.Status.SIGNED]
    return (open_plans or plans or [None])[0]


def _refuse_second_plan(issuer: OrgUnit, year: int) -> None:
    existing = plan_in_the_way(issuer, year)
    if existing is None:
        return
    params = {"issuer": issuer.name, "year": year, "number": existing.document_number}
    if existing.status == Plan.Status.SIGNED:
        message = _("%(issuer)s already has a signed plan for %(year)d (%(number)s): to change it, make an amendment.")
    else:
        message = _("The plan of %(issuer)s for %(year)d is already in the making (%(number)s): continue that one.")
    raise PlanYearTaken(message % params, existing)


@transaction.atomic
def start_plan_year(
    *,
    year: int,
    number: int,
    symbol: str | None,
    issued_on: datetime.date,
    place: str,
    by,
    source: Plan | None = None,
    issuer: OrgUnit | None = None,
    programme=None,
) -> YearStart:
    """Create the draft plan of `year`: a copy of `source` (a plan in force for an earlier year), or an empty
    document of `issuer` under `programme`. Every row created is recorded in the history with `by` and the reason.

    Raise PlanYearTaken when the issuer has a plan for that year already, ValidationError for anything else the
    new plan cannot be (a source not in force or not earlier, a date outside the year, the programme's period)."""
    if source is not None:
        source = year_sources().filter(pk=source.pk).first()
        if source is None:
            raise ValidationError(
                {"source": _("Only a plan in force can be copied: choose the version in force.")}, code="not_in_force"
            )
        if source.year >= year:
            raise ValidationError(
                {"source": _("Copy a plan of an earlier year than %(year)d.") % {"year": year}}, code="not_earlier"
            )
        issuer, programme = source.issuer, source.programme
    if issuer is None or programme is None:
        raise ValidationError(_("Choose the plan to copy, or the issuer and programme of an empty plan."))
    if not programme.start_year <= year <= programme.end_year:
        raise ValidationError(
            {
                "year": _("%(programme)s runs from %(start)d to %(end)d: a plan for %(year)d belongs to another one.")
                % {"programme": programme.name, "start": programme.start_year, "end": programme.end_year, "year": year}
            }
        )
    if not issuer.is_valid_in_year(year):
        raise ValidationError(
            {
                "issuer": _("%(issuer)s does not exist in %(year)d: choose an issuer that exists in the plan's year.")
                % {"issuer": issuer.name, "year": year}
            },
            code="issuer_outside_year",
        )
    validate_issue_date(year, issued_on)
    # One at a time per issuer: two officers starting the same year cannot both pass the check below.
    issuer = OrgUnit.objects.select_for_update().get(pk=issuer.pk)
    _refuse_second_plan(issuer, year)

    if source is not None:
        reason = f"{REASON_YEAR_COPY} {source.document_number} ({source.year})"
        plan = Plan(**{name: getattr(source, name) for name in COPIED_PLAN_FIELDS})
    else:
        reason = REASON_YEAR_START
        plan = Plan(
            programme=programme,
            issuer=issuer,
            summary=f"Thực hiện {programme.name} năm {year}",  # the document's own words: Vietnamese, not translated
        )
    # A number typed alone takes the symbol of the plan copied (KH-UBND for an empty one).
    plan.number, plan.issued_on, plan.year = number, issued_on, year
    plan.symbol = (symbol or "").strip() or (source.symbol if source is not None else "KH-UBND")
    plan.place = place.strip()
    plan.status = Plan.Status.DRAFT
    refuse_taken_number(plan)
    plan.full_clean()
    plan._history_user, plan._change_reason = by, reason
    plan.save()
    start = YearStart(plan=plan, source=source)
    if source is not None:
        _copy_rows(source, plan, start, by=by, reason=reason)
    return start


def _copy_rows(source: Plan, plan: Plan, start: YearStart, *, by, reason: str) -> None:
    valid_units = set(units_valid_in_year(plan.year).values_list("pk", flat=True))

    for basis in source.legal_bases.prefetch_related("references"):
        copy = LegalBasis(plan=plan, position=basis.position, text=basis.text)
        copy._history_user, copy._change_reason = by, reason
        copy.save()
        references = list(basis.references.all())
        if references:
            copy.references.set(references)

    items = list(
        source.items.select_related("project", "sub_project").prefetch_related(
            "target_groups", "targets", "implementing_units__unit", "fundings"
        )
    )
    units, targets, fundings = [], [], []
    for item in items:
        copy = PlanItem(plan=plan, **{name: getattr(item, name) for name in COPIED_LINE_FIELDS})
        copy._history_user, copy._change_reason = by, reason
        copy.save()
        groups = list(item.target_groups.all())
        if groups:
            copy.target_groups.set(groups)
        # The line keeps the sources it drew on; what it draws is decided again.
        fundings += [LineFunding(item=copy, source_id=f.source_id, amount=0) for f in item.fundings.all()]
        for implementing in item.implementing_units.all():
            if implementing.unit_id in valid_units:
                units.append(ImplementingUnit(item=copy, unit_id=implementing.unit_id, position=implementing.position))
            else:
                start.dropped.append(DroppedUnit(where=item.code, unit=implementing.unit.name))
        targets += [
            Target(
                item=copy,
                position=t.position,
                description=t.description,
                quantity=t.quantity,
                measure=t.measure,
                rounds=t.rounds,
            )
            for t in item.targets.all()
        ]
    bulk_create_with_history(units, ImplementingUnit, default_user=by, default_change_reason=reason)
    bulk_create_with_history(targets, Target, default_user=by, default_change_reason=reason)
    bulk_create_with_history(fundings, LineFunding, default_user=by, default_change_reason=reason)

    duties = []
    for duty in source.duties.select_related("unit"):
        unit_id = duty.unit_id
        if unit_id is not None and unit_id not in valid_units:
            start.dropped.append(DroppedUnit(where=duty.assignee, unit=duty.unit.name))
            unit_id = None
        duties.append(
            Duty(plan=plan, position=duty.position, assignee=duty.assignee, unit_id=unit_id, tasks=duty.tasks)
        )
    bulk_create_with_history(duties, Duty, default_user=by, default_change_reason=reason)
