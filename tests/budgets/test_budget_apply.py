import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from budgets.history import latest_change_time, plan_budget_history
from budgets.models import Allocation, LineFunding
from budgets.services import BudgetEdit, BudgetRefused, StaleBudget, budget_apply
from plans.models import ImplementingUnit, OrgUnit, Plan, PlanItem
from tests.factories import ceilings_of, make_plan, only_source


def _item(plan, code) -> PlanItem:
    return PlanItem.objects.select_related("project", "sub_project").get(
        plan=plan, **({"sub_project__code": code} if "." in code else {"project__code": code, "sub_project": None})
    )


def _unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _amounts(*pairs) -> dict:
    """BudgetEdit.line_amounts for single-source lines: (line, amount), ... keyed by (line, its one source)."""
    return {(item.pk, only_source(item)): amount for item, amount in pairs}


def _allocations(*triples) -> dict:
    """BudgetEdit.allocations from the line's one source: (line, unit, amount), ..."""
    return {(item.pk, unit.pk, only_source(item)): amount for item, unit, amount in triples}


def _snapshot(plan):
    return (
        sorted(LineFunding.objects.filter(item__plan=plan).values_list("item_id", "source_id", "amount")),
        sorted(Allocation.objects.filter(item__plan=plan).values_list("item_id", "unit_id", "source_id", "amount")),
        sorted(ImplementingUnit.objects.filter(item__plan=plan).values_list("item_id", "unit_id")),
    )


def test_splitting_line_3_2_between_its_two_units_is_saved_and_recorded(seed, staff_user):
    line = _item(seed, "3.2")
    office, health = _unit("city-vp-hdnd-ubnd"), _unit("city-ttyt")
    edit = BudgetEdit(allocations=_allocations((line, office, 42_000_000), (line, health, 300_000_000)))
    changes = budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    assert dict(Allocation.objects.filter(item=line).values_list("unit__code", "amount")) == {
        "city-vp-hdnd-ubnd": 42_000_000,
        "city-ttyt": 300_000_000,
    }
    assert {(c.kind, c.line, c.unit, c.old, c.new, c.reason, c.user) for c in changes} == {
        ("allocation", "3.2", "Văn phòng HĐND-UBND thành phố", None, 42_000_000, "editor", "ldtbxh"),
        ("allocation", "3.2", "Trung tâm Y tế thành phố", None, 300_000_000, "editor", "ldtbxh"),
    }


@pytest.fixture
def lines(seed):
    return {code: _item(seed, code) for code in ["2", "3.2", "4.1", "7.2"]}


def test_an_edit_that_would_exceed_the_ceiling_names_the_excess_and_changes_nothing(seed, staff_user, lines):
    before, history_before = _snapshot(seed), plan_budget_history(seed)
    edit = BudgetEdit(line_amounts=_amounts((lines["4.1"], 685_000_001)))
    with pytest.raises(BudgetRefused) as refused:
        budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    [violation] = refused.value.violations
    assert (violation.rule, violation.excess) == ("ceiling_exceeded", 1)
    assert _snapshot(seed) == before
    assert plan_budget_history(seed) == history_before


def test_lowering_a_line_below_its_allocations_is_refused(seed, staff_user, lines):
    before = _snapshot(seed)
    with pytest.raises(BudgetRefused) as refused:
        budget_apply(
            plan=seed,
            edit=BudgetEdit(line_amounts=_amounts((lines["7.2"], 21_000_000))),
            by=staff_user,
            reason="editor",
        )
    assert [(v.rule, v.line, v.excess) for v in refused.value.violations] == [("line_over_allocated", "7.2", 1_000_000)]
    assert _snapshot(seed) == before


def test_moving_money_between_lines_in_one_edit_stays_at_the_ceiling(seed, staff_user, lines):
    sung_phai = _unit("commune-sung-phai")
    ldtbxh = _unit("city-ldtbxh")
    edit = BudgetEdit(
        line_amounts=_amounts((lines["2"], 531_000_000), (lines["7.2"], 21_000_000)),
        allocations=_allocations((lines["2"], sung_phai, 531_000_000), (lines["7.2"], ldtbxh, 21_000_000)),
    )
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    assert PlanItem.objects.get(pk=lines["2"].pk).amount == 531_000_000
    assert sum(LineFunding.objects.filter(item__plan=seed).values_list("amount", flat=True)) == 1_728_000_000


def test_a_plan_above_a_lowered_ceiling_may_move_towards_it_but_not_away(seed, staff_user, lines):
    ceilings_of(seed).update(amount=1_700_000_000)
    ldtbxh = _unit("city-ldtbxh")
    towards = BudgetEdit(
        line_amounts=_amounts((lines["4.1"], 675_000_000)),
        allocations=_allocations((lines["4.1"], ldtbxh, 675_000_000)),
    )
    budget_apply(plan=seed, edit=towards, by=staff_user, reason="editor")
    away = BudgetEdit(line_amounts=_amounts((lines["4.1"], 676_000_000)))
    with pytest.raises(BudgetRefused):
        budget_apply(plan=seed, edit=away, by=staff_user, reason="editor")
    assert PlanItem.objects.get(pk=lines["4.1"].pk).amount == 675_000_000


def test_adding_and_removing_an_implementing_unit(seed, staff_user, lines):
    san_thang = _unit("commune-san-thang")
    sung_phai = _unit("commune-sung-phai")
    edit = BudgetEdit(
        units_added=[(lines["2"].pk, san_thang.pk)],
        allocations=_allocations((lines["2"], san_thang, 30_000_000), (lines["2"], sung_phai, 500_000_000)),
    )
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    assert list(lines["2"].implementing_units.values_list("unit__code", flat=True)) == [
        "commune-sung-phai",
        "commune-san-thang",
    ]
    budget_apply(
        plan=seed, edit=BudgetEdit(units_removed=[(lines["2"].pk, san_thang.pk)]), by=staff_user, reason="editor"
    )
    assert list(lines["2"].implementing_units.values_list("unit__code", flat=True)) == ["commune-sung-phai"]
    assert not Allocation.objects.filter(item=lines["2"], unit=san_thang).exists()
    kinds = [(c.kind, c.action) for c in plan_budget_history(seed)]
    assert ("unit", "-") in kinds and ("allocation", "-") in kinds and ("unit", "+") in kinds


def test_allocating_to_a_unit_that_does_not_implement_the_line_is_refused(seed, staff_user, lines):
    before = _snapshot(seed)
    edit = BudgetEdit(allocations=_allocations((lines["2"], _unit("city-ttyt"), 1_000_000)))
    with pytest.raises(ValidationError, match="không phải là đơn vị thực hiện"):
        budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    assert _snapshot(seed) == before


def test_another_plans_line_ids_are_refused(seed, staff_user):
    other = make_plan(lines=1, units_per_line=1, number=9100)
    foreign = other.items.get()
    with pytest.raises(ValidationError, match="không thuộc kế hoạch này"):
        budget_apply(plan=seed, edit=BudgetEdit(line_amounts=_amounts((foreign, 1))), by=staff_user, reason="editor")
    assert PlanItem.objects.get(pk=foreign.pk).amount == 10_000_000


def test_an_edit_based_on_stale_figures_is_told_what_changed_and_saves_nothing(
    seed, staff_user, finance_officer, lines
):
    shown_at = timezone.now()
    ldtbxh = _unit("city-ldtbxh")
    someone_else = BudgetEdit(
        line_amounts=_amounts((lines["7.2"], 21_000_000)), allocations=_allocations((lines["7.2"], ldtbxh, 21_000_000))
    )
    budget_apply(plan=seed, edit=someone_else, by=finance_officer, reason="import")
    after_other = _snapshot(seed)

    mine = BudgetEdit(
        line_amounts=_amounts((lines["2"], 529_000_000)),
        allocations=_allocations((lines["2"], _unit("commune-sung-phai"), 529_000_000)),
    )
    with pytest.raises(StaleBudget) as stale:
        budget_apply(plan=seed, edit=mine, by=staff_user, reason="editor", based_on=shown_at)
    assert {(c.kind, c.line, c.old, c.new, c.user, c.reason) for c in stale.value.changes} == {
        ("line", "7.2", 22_000_000, 21_000_000, "taichinh", "import"),
        ("allocation", "7.2", 22_000_000, 21_000_000, "taichinh", "import"),
    }
    assert _snapshot(seed) == after_other

    # Having seen the changes, the user saves again on top of them.
    budget_apply(plan=seed, edit=mine, by=staff_user, reason="editor", based_on=stale.value.latest)
    assert PlanItem.objects.get(pk=lines["2"].pk).amount == 529_000_000
    assert latest_change_time(seed) > stale.value.latest


def test_a_signed_plan_cannot_be_changed(seed, staff_user, lines):
    Plan.objects.filter(pk=seed.pk).update(status=Plan.Status.SIGNED)
    with pytest.raises(ValidationError, match="không còn là dự thảo"):
        budget_apply(
            plan=seed, edit=BudgetEdit(line_amounts=_amounts((lines["7.2"], 1))), by=staff_user, reason="editor"
        )
    assert PlanItem.objects.get(pk=lines["7.2"].pk).amount == 22_000_000


def test_history_lists_changes_newest_first_with_old_and_new(seed, staff_user, lines):
    ldtbxh = _unit("city-ldtbxh")
    for amount in (21_000_000, 20_000_000):
        budget_apply(
            plan=seed,
            edit=BudgetEdit(
                line_amounts=_amounts((lines["7.2"], amount)), allocations=_allocations((lines["7.2"], ldtbxh, amount))
            ),
            by=staff_user,
            reason="editor",
        )
    line_7_2 = [(c.old, c.new, c.reason) for c in plan_budget_history(seed) if (c.kind, c.line) == ("line", "7.2")]
    assert line_7_2 == [
        (21_000_000, 20_000_000, "editor"),
        (22_000_000, 21_000_000, "editor"),
        (None, 22_000_000, "seed"),
    ]
    assert all(c.when <= timezone.now() + datetime.timedelta(seconds=1) for c in plan_budget_history(seed))
