"""Every change to a plan's money goes through budget_apply: the allocation editor and the Excel import alike.

One transaction, the plan row locked, the whole final state checked against design.md §6, recorded in the
audit trail with who and through which path. Either everything applies or nothing does.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from budgets.checks import BUDGET_EDIT_RULES
from budgets.history import BudgetChange, plan_budget_history
from budgets.models import Allocation, FundingSource, LineFunding
from plans.guard import BudgetRefused, budget_guard
from plans.models import ImplementingUnit, OrgUnit, Plan, PlanItem

__all__ = ["BudgetEdit", "BudgetRefused", "StaleBudget", "budget_apply"]


@dataclass
class BudgetEdit:
    """What one save changes, and only that: untouched figures are never rewritten with stale copies."""

    # (plan item id, funding source id) → what the line draws on the source, in đồng; a new pair adds the source to
    # the line, None removes it with its allocations.
    line_amounts: dict[tuple[int, int], int | None] = field(default_factory=dict)
    # (item, unit, source) → đồng; None removes
    allocations: dict[tuple[int, int, int], int | None] = field(default_factory=dict)
    units_added: list[tuple[int, int]] = field(default_factory=list)  # (item id, unit id)
    units_removed: list[tuple[int, int]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.line_amounts or self.allocations or self.units_added or self.units_removed)


class StaleBudget(Exception):
    """The plan's money changed after the figures the user edited were shown to them."""

    def __init__(self, changes: list[BudgetChange], latest: datetime.datetime):
        super().__init__(_("The plan's budget changed since you opened it."))
        self.changes = changes
        self.latest = latest


@transaction.atomic
def budget_apply(
    *, plan: Plan, edit: BudgetEdit, by, reason: str, based_on: datetime.datetime | None = None
) -> list[BudgetChange]:
    """Apply `edit` to a draft plan and return the changes it recorded.

    Raise ValidationError for edits that name things outside this plan, StaleBudget when the plan's money
    changed after `based_on`, BudgetRefused when the result would break or worsen a budget rule.
    """
    # The bulk writes below send no ORM signals: the guard is told which plan they touch.
    with budget_guard(rules=BUDGET_EDIT_RULES) as guard:
        locked = guard.touch(plan.pk)
        started = timezone.now()
        if based_on is not None:
            newer = plan_budget_history(locked, since=based_on)
            if newer:
                raise StaleBudget(newer, newer[0].when)
        _write(locked, edit, by=by, reason=reason)
    return plan_budget_history(locked, since=started - datetime.timedelta(microseconds=1))


def _write(plan: Plan, edit: BudgetEdit, *, by, reason: str) -> None:
    items = {item.pk: item for item in plan.items.all()}
    _refuse_foreign_items(items, edit)
    unit_ids = {unit for _item, unit in [*edit.units_added, *edit.units_removed]}
    unit_ids |= {unit for _item, unit, _source in edit.allocations}
    units = OrgUnit.objects.in_bulk(unit_ids)
    if missing := unit_ids - set(units):
        raise ValidationError(_("Unknown unit id(s): %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))})
    source_ids = {source for _item, source in edit.line_amounts} | {source for *_key, source in edit.allocations}
    sources = FundingSource.objects.in_bulk(source_ids)
    if missing := source_ids - set(sources):
        raise ValidationError(
            _("Unknown funding source id(s): %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))}
        )

    fundings = {(f.item_id, f.source_id): f for f in LineFunding.objects.filter(item__plan=plan)}
    existing = {(a.item_id, a.unit_id, a.source_id): a for a in Allocation.objects.filter(item__plan=plan)}
    new_fundings, changed_fundings = [], []
    for (item_id, source_id), amount in edit.line_amounts.items():
        current = fundings.get((item_id, source_id))
        if amount is None:
            if current is not None:
                for key in [key for key in existing if (key[0], key[2]) == (item_id, source_id)]:
                    _delete_with_history(existing.pop(key), by=by, reason=reason)
                _delete_with_history(fundings.pop((item_id, source_id)), by=by, reason=reason)
        elif current is None:
            fundings[(item_id, source_id)] = LineFunding(item_id=item_id, source_id=source_id, amount=amount)
            new_fundings.append(fundings[(item_id, source_id)])
        elif current.amount != amount:
            current.amount = amount
            changed_fundings.append(current)
    # A line keeps a source to draw on (the editor offers no way out of it; a crafted post must not either).
    removed_from = {item_id for (item_id, _source), amount in edit.line_amounts.items() if amount is None}
    if bare := sorted(items[i].code for i in removed_from if not any(key[0] == i for key in fundings)):
        raise ValidationError(
            _("Line %(codes)s must keep at least one funding source: add the other source before removing this one.")
            % {"codes": ", ".join(bare)},
            code="line_without_source",
        )
    if new_fundings:
        bulk_create_with_history(new_fundings, LineFunding, default_user=by, default_change_reason=reason)
    if changed_fundings:
        bulk_update_with_history(
            changed_fundings, LineFunding, ["amount"], default_user=by, default_change_reason=reason
        )

    implementing = {(iu.item_id, iu.unit_id): iu for iu in ImplementingUnit.objects.filter(item__plan=plan)}
    for item_id, unit_id in edit.units_removed:
        for key in [key for key in existing if key[:2] == (item_id, unit_id)]:
            _delete_with_history(existing.pop(key), by=by, reason=reason)
        if (row := implementing.pop((item_id, unit_id), None)) is not None:
            _delete_with_history(row, by=by, reason=reason)
    new_units = []
    for item_id, unit_id in edit.units_added:
        if (item_id, unit_id) not in implementing:
            position = 1 + max((iu.position for (i, _u), iu in implementing.items() if i == item_id), default=0)
            implementing[(item_id, unit_id)] = ImplementingUnit(item_id=item_id, unit_id=unit_id, position=position)
            new_units.append(implementing[(item_id, unit_id)])
    if new_units:
        bulk_create_with_history(new_units, ImplementingUnit, default_user=by, default_change_reason=reason)

    to_create, to_update = [], []
    for (item_id, unit_id, source_id), amount in edit.allocations.items():
        current = existing.get((item_id, unit_id, source_id))
        if amount is None:
            if current is not None:
                _delete_with_history(current, by=by, reason=reason)
            continue
        if (item_id, unit_id) not in implementing:
            raise ValidationError(
                _("%(unit)s is not an implementing unit of line %(code)s: add it to the line first.")
                % {"unit": units[unit_id].name, "code": items[item_id].code}
            )
        if (item_id, source_id) not in fundings:
            raise ValidationError(
                _("Line %(code)s does not draw on %(source)s: add the source to the line first.")
                % {"source": sources[source_id].name, "code": items[item_id].code}
            )
        if current is None:
            to_create.append(Allocation(item_id=item_id, unit_id=unit_id, source_id=source_id, amount=amount))
        elif current.amount != amount:
            current.amount = amount
            to_update.append(current)
    if to_create:
        bulk_create_with_history(to_create, Allocation, default_user=by, default_change_reason=reason)
    if to_update:
        bulk_update_with_history(to_update, Allocation, ["amount"], default_user=by, default_change_reason=reason)


def _refuse_foreign_items(items: dict[int, PlanItem], edit: BudgetEdit) -> None:
    named = {item for item, _source in edit.line_amounts} | {
        item for item, *_rest in [*edit.allocations, *edit.units_added, *edit.units_removed]
    }
    if foreign := named - set(items):
        raise ValidationError(
            _("Line id(s) %(ids)s do not belong to this plan.") % {"ids": ", ".join(map(str, sorted(foreign)))},
            code="foreign_line",
        )


def _delete_with_history(row, *, by, reason: str) -> None:
    row._change_reason = reason
    row._history_user = by  # commands have no request for the history middleware to read the user from
    row.delete()
