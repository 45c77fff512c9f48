"""Ceilings the province notifies per issuer, plan year and funding source, recorded by finance (design.md §6, §13).

Every write goes through `record_ceiling` (the app's ceiling form; the admin only shows ceilings). A ceiling is not
a row of any plan: it may be recorded or lowered whatever the plans' states, even below what a plan of that issuer
and year already totals — the province decides. What the service does then is say so at once: it returns every plan
of the issuer and year now over the ceiling, with the exact excess in đồng. Those plans then fail their checks
(budgets.checks `ceiling_exceeded`) until their lines come down or, for a signed plan, an amendment does.

Concurrency: the service locks the plans of the issuer and year first, then the ceiling row; a budget edit
(plans.guard.budget_guard) locks its plan first, then the same ceiling rows. Whichever comes second waits for the
first to commit and then reads its result: an edit is judged against the new ceiling, and the report of plans over
the ceiling includes the edit. (A new ceiling row cannot be locked before it exists: the plans' locks cover that.)
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.history import REASON_CEILING_FORM
from budgets.models import Ceiling, FundingSource, LineFunding
from plans.models import DocumentReference, OrgUnit, Plan

# Units whose plans the province notifies ceilings for: the units that issue plans (one list, plans.models).
ISSUER_KINDS = OrgUnit.ISSUER_KINDS


CEILING_EXISTS = gettext_lazy(
    "A ceiling for %(source)s in %(year)s is already recorded for %(issuer)s: edit it instead."
)


CEILING_CHANGED = gettext_lazy(
    "Nothing was saved: %(who)s changed this ceiling after you opened the form (%(when)s); it is now %(amount)s, "
    "notified by %(document)s. Check the amount below and save again to replace it."
)


def ceiling_version(ceiling: Ceiling) -> int:
    """The mark an edit of the ceiling is based on: the id of its latest history record (0 without history)."""
    latest = ceiling.history.order_by("-history_date", "-history_id").values_list("history_id", flat=True).first()
    return latest or 0


def _refuse_if_changed(current: Ceiling, based_on: int) -> None:
    """Refuse an edit based on an older version of the ceiling (design.md §6: no change is silently lost)."""
    from lai_chau.history import history_user_label
    from lai_chau.money import format_vnd

    latest = current.history.order_by("-history_date", "-history_id").first()
    if latest is None or latest.history_id == based_on:
        return
    raise ValidationError(
        CEILING_CHANGED
        % {
            "who": history_user_label(latest),
            "when": timezone.localtime(latest.history_date).strftime("%H:%M %d/%m/%Y"),
            "amount": format_vnd(current.amount),
            "document": current.notified_by,
        },
        code="ceiling_changed",
    )


def _names(issuer, year, source) -> dict:
    return {"source": source.name, "year": year, "issuer": issuer.name}


@dataclass(frozen=True)
class NewDocument:
    """A notifying document typed into the ceiling form, not yet among the known ones."""

    kind: str
    number: str
    issued_on: object  # datetime.date
    issuer: str


@dataclass(frozen=True)
class PlanTotal:
    """A plan's total for one source against the ceiling of its issuer and year."""

    plan: Plan
    source: FundingSource
    total: int
    ceiling: int | None

    @property
    def excess(self) -> int:
        """How far the total is above the ceiling in đồng (0 when within it or without a ceiling)."""
        return 0 if self.ceiling is None else max(0, self.total - self.ceiling)

    @property
    def remaining(self) -> int | None:
        return None if self.ceiling is None else self.ceiling - self.total


@dataclass(frozen=True)
class CeilingSaved:
    ceiling: Ceiling
    created: bool
    previous: int | None  # the amount before this save, None for a new ceiling
    over: list[PlanTotal]  # the plans of the issuer and year above the ceiling now


def governed_plans(year: int, issuer_id: int | None = None) -> models.QuerySet[Plan]:
    """The plans a year's ceilings apply to: every version in use, i.e. all but those superseded by a signed
    amendment (they are history, not plans anyone will carry out)."""
    plans = Plan.objects.filter(year=year)
    if issuer_id is not None:
        plans = plans.filter(issuer_id=issuer_id)
    return plans.with_supersession().filter(superseded=False)


def plan_totals(plans: list[Plan], ceilings: list[Ceiling]) -> list[PlanTotal]:
    """Each plan's total per source used (one query), against the ceiling of its issuer, year and source.

    A source with a ceiling but no line in a plan is listed too (total 0), so each plan shows every ceiling.
    """
    by_key = {(c.issuer_id, c.year, c.source_id): c for c in ceilings}
    rows = (
        LineFunding.objects.filter(item__plan__in=[plan.pk for plan in plans])
        .values("source_id", plan_id=models.F("item__plan_id"))
        .annotate(total=models.Sum("amount"))
        .order_by()
    )
    totals = {(row["plan_id"], row["source_id"]): row["total"] for row in rows}
    sources = {c.source_id: c.source for c in ceilings}
    missing = {source_id for _plan, source_id in totals} - set(sources)
    if missing:
        sources |= FundingSource.objects.in_bulk(missing)
    result = []
    for plan in plans:
        used = {source_id for plan_id, source_id in totals if plan_id == plan.pk}
        used |= {c.source_id for c in ceilings if (c.issuer_id, c.year) == (plan.issuer_id, plan.year)}
        for source_id in sorted(used, key=lambda pk: sources[pk].code):
            ceiling = by_key.get((plan.issuer_id, plan.year, source_id))
            result.append(
                PlanTotal(
                    plan=plan,
                    source=sources[source_id],
                    total=totals.get((plan.pk, source_id), 0),
                    ceiling=None if ceiling is None else ceiling.amount,
                )
            )
    return result


def _document(notified_by: DocumentReference | None, new_document: NewDocument | None, *, by) -> DocumentReference:
    if notified_by is not None:
        return notified_by
    if new_document is None:
        raise ValidationError(_("Name the document that notified the ceiling."), code="no_document")
    if DocumentReference.objects.filter(number=new_document.number, issued_on=new_document.issued_on).exists():
        raise ValidationError(
            _("Document %(number)s of %(date)s is already known: choose it from the list.")
            % {"number": new_document.number, "date": f"{new_document.issued_on:%d/%m/%Y}"},
            code="document_known",
        )
    document = DocumentReference(
        kind=new_document.kind,
        number=new_document.number,
        issued_on=new_document.issued_on,
        issuer=new_document.issuer,
    )
    document.full_clean()
    document._change_reason, document._history_user = REASON_CEILING_FORM, by
    document.save()
    return document


@transaction.atomic
def record_ceiling(
    *,
    amount: int,
    by,
    ceiling: Ceiling | None = None,
    issuer: OrgUnit | None = None,
    year: int | None = None,
    source: FundingSource | None = None,
    notified_by: DocumentReference | None = None,
    new_document: NewDocument | None = None,
    reason: str = REASON_CEILING_FORM,
    based_on: int | None = None,
) -> CeilingSaved:
    """Record a new ceiling (issuer, year, source) or a new amount and document for `ceiling`; return what was
    saved and the plans of that issuer and year now above it.

    Raise ValidationError (nothing saved) for a second ceiling of the same issuer, year and source, an amount
    outside 0 … 10^15 đồng, a missing document or a typed document that is already known, and an edit whose
    `based_on` (ceiling_version when the form was opened) is no longer the ceiling's latest version.
    """
    if ceiling is not None:
        issuer_id, year, source_id = ceiling.issuer_id, ceiling.year, ceiling.source_id
    else:
        issuer_id, source_id = issuer.pk, source.pk
    # Plans first, then the ceiling: the order plans.guard.budget_guard takes them in.
    list(Plan.objects.select_for_update().filter(issuer_id=issuer_id, year=year).order_by("pk").values("pk"))
    current = Ceiling.objects.select_for_update().filter(issuer_id=issuer_id, year=year, source_id=source_id).first()
    if ceiling is None and current is not None:
        raise ValidationError(CEILING_EXISTS % _names(issuer, year, source), code="ceiling_exists")
    if ceiling is not None and current is None:
        raise ValidationError(_("This ceiling no longer exists."), code="ceiling_gone")
    if ceiling is not None and based_on is not None:
        _refuse_if_changed(current, based_on)
    created = current is None
    target = current or Ceiling(issuer_id=issuer_id, year=year, source_id=source_id)
    previous = None if created else target.amount
    target.amount = amount
    target.notified_by = _document(notified_by, new_document, by=by)
    target.full_clean()
    target._change_reason, target._history_user = reason, by
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:  # another ceiling of the same issuer, year and source committed in the meantime
        raise ValidationError(
            CEILING_EXISTS % _names(target.issuer, year, target.source), code="ceiling_exists"
        ) from None
    saved = Ceiling.objects.select_related("issuer", "source", "notified_by").get(pk=target.pk)
    return CeilingSaved(ceiling=saved, created=created, previous=previous, over=plans_over(saved))


def plans_over(ceiling: Ceiling) -> list[PlanTotal]:
    """The plans of the ceiling's issuer and year whose lines from its source total more than it."""
    plans = list(governed_plans(ceiling.year, ceiling.issuer_id).order_by("issued_on", "number", "pk"))
    return [
        total for total in plan_totals(plans, [ceiling]) if total.source.pk == ceiling.source_id and total.excess > 0
    ]
