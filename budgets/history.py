"""The audit trail of a plan's money: every change to what a line draws on a source, an implementing unit, an
allocation or a ceiling of the plan's issuer and year, newest first, read from django-simple-history's records in a
fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from lai_chau.history import history_user_label
from plans.models import Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target

REASON_EDITOR = "editor"
REASON_IMPORT = "import"
REASON_ADMIN = "admin"
REASON_SEED = "seed"
REASON_AMENDMENT = "amendment"
REASON_CEILING_FORM = "ceiling-form"
REASON_CEILING_MERGED = "ceiling-merged"  # budgets/migrations/0005: one ceiling per issuer, year and source
REASON_PLAN_EDITOR = "plan-editor"  # plans/editing.py: the section editors of a draft
# plans/year.py: a new year's plan; the copy's reason names the source, "year-copy 4159/KH-UBND (2024)"
REASON_YEAR_COPY = "year-copy"
REASON_YEAR_START = "year-start"
# plans/lifecycle.py plan_discard: a draft deleted with its rows; the reason names it, "discard 1600/KH-UBND"
REASON_DISCARD = "discard"
REASON_LABELS = {
    REASON_EDITOR: _("allocation editor"),
    REASON_IMPORT: _("Excel import"),
    REASON_ADMIN: _("admin"),
    REASON_SEED: _("loaded from the source document"),
    REASON_AMENDMENT: _("copied into an amendment"),
    REASON_CEILING_FORM: _("ceiling form"),
    REASON_CEILING_MERGED: _("merged: one ceiling per issuer, year and source"),
    REASON_PLAN_EDITOR: _("plan editor"),
    REASON_YEAR_COPY: _("copied from plan"),
    REASON_YEAR_START: _("new plan of the year"),
    REASON_DISCARD: _("draft discarded"),
}


def reason_label(reason: str) -> str:
    """The label of a change reason; a reason may name what it is about after a space ("year-copy 4159/KH-UBND")."""
    key, _sep, detail = reason.partition(" ")
    label = REASON_LABELS.get(key)
    if label is None:
        return str(_("other"))
    return f"{label} {detail}" if detail else str(label)


def record_loaded_rows(plan: Plan) -> None:
    """Give rows loaded by loaddata (which records no history) a first history record, so later changes have
    an 'old' value to show."""
    models_and_rows = [
        (Plan, [plan]),
        (LegalBasis, list(LegalBasis.objects.filter(plan=plan))),
        (Duty, list(Duty.objects.filter(plan=plan))),
        (PlanItem, list(PlanItem.objects.filter(plan=plan))),
        (LineFunding, list(LineFunding.objects.filter(item__plan=plan))),
        (Target, list(Target.objects.filter(item__plan=plan))),
        (ImplementingUnit, list(ImplementingUnit.objects.filter(item__plan=plan))),
        (Allocation, list(Allocation.objects.filter(item__plan=plan))),
    ]
    for model, rows in models_and_rows:
        # loaddata's many-to-many writes leave "~" records without a previous state: the seed record replaces them.
        model.history.filter(id__in=[row.pk for row in rows]).delete()
        model.history.bulk_history_create(rows, default_change_reason=REASON_SEED)


@dataclass(frozen=True)
class BudgetChange:
    when: datetime.datetime
    user: str
    reason: str
    kind: str  # "line", "unit", "allocation", "ceiling"
    line: str | None
    unit: str | None
    old: int | None
    new: int | None
    action: str  # "+", "~", "-" as simple-history records them
    source: str | None = None  # the funding source of a line amount or an allocation

    @property
    def reason_label(self) -> str:
        return reason_label(self.reason)

    @property
    def description(self) -> str:
        labels = {
            "line": _("line amount"),
            "unit": _("implementing unit"),
            "allocation": _("allocation"),
            "ceiling": _("ceiling"),
        }
        return str(labels[self.kind])


def _change(record, kind, line, unit, old, new, source=None) -> BudgetChange:
    return BudgetChange(
        source=source,
        when=record.history_date,
        user=history_user_label(record),
        reason=record.history_change_reason or "",
        kind=kind,
        line=line,
        unit=unit,
        old=old,
        new=new,
        action=record.history_type,
    )


def _amount_changes(records, kind, *, line_of, unit_of, source_of=lambda r: None) -> list[BudgetChange]:
    """Pair each history record with the previous one of the same object; keep creations, deletions and
    changes of `amount` (edits of other fields, such as a line's text, are not budget changes)."""
    previous = {}
    changes = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        previous[record.id] = record
        old = before.amount if before is not None and record.history_type != "+" else None
        new = None if record.history_type == "-" else record.amount
        if record.history_type != "~" or old != new:
            changes.append(_change(record, kind, line_of(record), unit_of(record), old, new, source_of(record)))
    return changes


def plan_budget_history(plan: Plan, *, since: datetime.datetime | None = None) -> list[BudgetChange]:
    """Return the budget changes of `plan`, newest first; only those after `since` when given."""
    item_records = list(
        PlanItem.history.filter(plan_id=plan.pk).select_related("history_user", "sub_project", "project")
    )
    item_ids = {r.id for r in item_records} | set(plan.items.values_list("pk", flat=True))
    codes = {}
    for record in item_records:
        codes[record.id] = record.sub_project.code if record.sub_project_id else record.project.code
    for item in PlanItem.objects.filter(pk__in=item_ids).select_related("project", "sub_project"):
        codes[item.pk] = item.code
    unit_records = list(ImplementingUnit.history.filter(item_id__in=item_ids).select_related("history_user"))
    funding_records = list(LineFunding.history.filter(item_id__in=item_ids).select_related("history_user"))
    allocation_records = list(Allocation.history.filter(item_id__in=item_ids).select_related("history_user"))
    ceiling_records = list(
        Ceiling.history.filter(issuer_id=plan.issuer_id, year=plan.year).select_related("history_user", "source")
    )
    unit_ids = {r.unit_id for r in unit_records} | {r.unit_id for r in allocation_records}
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    sources = dict(FundingSource.objects.values_list("pk", "name"))  # a handful of rows
    source_of = lambda record: sources.get(record.source_id)  # noqa: E731

    changes = [
        *_amount_changes(
            funding_records, "line", line_of=lambda r: codes.get(r.item_id), unit_of=lambda r: None, source_of=source_of
        ),
        *_amount_changes(
            allocation_records,
            "allocation",
            line_of=lambda r: codes.get(r.item_id),
            unit_of=lambda r: units.get(r.unit_id),
            source_of=source_of,
        ),
        *_amount_changes(ceiling_records, "ceiling", line_of=lambda r: None, unit_of=lambda r: r.source.name),
        *(
            _change(record, "unit", codes.get(record.item_id), units.get(record.unit_id), None, None)
            for record in unit_records
            if record.history_type in "+-"
        ),
    ]
    if since is not None:
        changes = [c for c in changes if c.when > since]
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes


def latest_change_time(plan: Plan) -> datetime.datetime | None:
    """Return when the plan's money last changed, the mark an editor or a workbook is based on."""
    history = plan_budget_history(plan)
    return history[0].when if history else None
