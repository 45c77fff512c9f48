"""Two officers saving at the same moment, each in their own database connection, on PostgreSQL."""

import pytest
from django.db import connection
from django.utils import timezone

from budgets.models import LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.models import OrgUnit, PlanItem
from tests.factories import ceilings_of, only_source
from tests.threads import run_together

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are what is tested; SQLite serialises writers instead (.ci/run runs this on PostgreSQL)",
)


def _raise_line(plan, code, unit_code, by, based_on=None):
    item = PlanItem.objects.get(plan=plan, sub_project__code=code)
    unit = OrgUnit.objects.get(code=unit_code)
    amount, source = item.amount + 1_000_000, only_source(item)
    edit = BudgetEdit(line_amounts={(item.pk, source): amount}, allocations={(item.pk, unit.pk, source): amount})
    return lambda: budget_apply(plan=plan, edit=edit, by=by, reason="editor", based_on=based_on)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_base", [False, True], ids=["no-base", "same-base"])
def test_two_simultaneous_saves_never_break_the_ceiling_nor_overwrite_silently(seed, staff_user, leader, with_base):
    ceilings_of(seed).update(amount=1_729_000_000)  # room for one of the two raises, not both
    based_on = timezone.now() if with_base else None
    outcomes = run_together(
        _raise_line(seed, "4.1", "city-ldtbxh", staff_user, based_on),
        _raise_line(seed, "6.2", "city-ldtbxh", leader, based_on),
    )
    assert sorted(outcomes) == sorted(["saved", "StaleBudget" if with_base else "BudgetRefused"])
    total = sum(LineFunding.objects.filter(item__plan=seed).values_list("amount", flat=True))
    assert total == 1_729_000_000
