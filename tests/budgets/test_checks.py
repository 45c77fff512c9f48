import json

import pytest
from django.core.management import call_command

from budgets.checks import check_plan
from budgets.models import Allocation, LineFunding
from plans.models import ImplementingUnit, Plan, PlanItem
from tests.factories import ceilings_of


def _check(plan):
    return check_plan(Plan.objects.with_document().get(pk=plan.pk))


def _rules(result):
    return [(v.rule, v.line, v.excess) for v in result.violations]


def test_seed_plan_sits_exactly_at_the_ceiling_and_passes(seed):
    result = _check(seed)
    assert result.passed
    source = result.budget.sources[0]
    assert (source.planned, source.ceiling.amount, source.remaining) == (1_728_000_000, 1_728_000_000, 0)
    assert result.budget.unallocated == 342_000_000  # line 3.2, two units, no split yet


def test_one_dong_over_the_ceiling_fails_with_the_exact_excess(seed):
    item = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    LineFunding.objects.filter(item=item).update(amount=22_000_001)
    result = _check(seed)
    assert _rules(result) == [("ceiling_exceeded", None, 1)]
    assert "vượt mức trần 1.728.000.000 đồng là 1 đồng" in result.violations[0].message


def test_a_lowered_ceiling_leaves_the_plan_over_it(seed):
    ceilings_of(seed).update(amount=1_700_000_000)
    assert _rules(_check(seed)) == [("ceiling_exceeded", None, 28_000_000)]


def test_allocations_above_the_line_amount_fail_naming_the_line(seed):
    item = PlanItem.objects.get(plan=seed, sub_project__code="4.3")
    Allocation.objects.filter(item=item).update(amount=81_000_001)
    result = _check(seed)
    assert _rules(result) == [("line_over_allocated", "4.3", 1)]
    assert "4.3" in result.violations[0].message


def test_line_without_implementing_unit_fails(seed):
    item = PlanItem.objects.get(plan=seed, sub_project__code="6.2")
    Allocation.objects.filter(item=item).delete()
    ImplementingUnit.objects.filter(item=item).delete()
    assert _rules(_check(seed)) == [("line_without_unit", "6.2", None)]


def test_a_source_without_ceiling_fails(seed):
    ceilings_of(seed).delete()
    assert [v.rule for v in _check(seed).violations] == ["no_ceiling"]


def test_budget_check_command_exit_codes_and_json(seed, capsys):
    call_command("budget_check", "4159/KH-UBND", "--json")  # exits 0: returns normally
    data = json.loads(capsys.readouterr().out)
    assert (data["passed"], data["total"], data["sources"][0]["ceiling"]) == (True, 1_728_000_000, 1_728_000_000)

    ceilings_of(seed).update(amount=1_000_000_000)
    with pytest.raises(SystemExit) as exited:
        call_command("budget_check", str(seed.pk))
    assert exited.value.code == 1
    assert "KHÔNG ĐẠT" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exited:
        call_command("budget_check", "9999/KH-UBND")
    assert exited.value.code == 2
    assert "Không có kế hoạch số 9999/KH-UBND" in capsys.readouterr().err
