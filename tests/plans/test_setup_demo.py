import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from budgets.models import Allocation, Ceiling
from plans.models import ImplementingUnit, LegalBasis, Membership, OrgUnit, Plan, PlanItem
from projects.models import Project, SubProject

User = get_user_model()


def _counts() -> dict[str, int]:
    models = [
        Plan,
        PlanItem,
        ImplementingUnit,
        Allocation,
        Ceiling,
        LegalBasis,
        OrgUnit,
        Project,
        SubProject,
        User,
        Membership,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_setup_demo_twice_does_not_duplicate_anything(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    first = _counts()
    call_command("setup_demo", verbosity=0)
    assert _counts() == first
    assert first["Plan"] == 1 and first["PlanItem"] == 7 and first["Project"] == 7 and first["SubProject"] == 11
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "ldtbxh": "programme_staff",
        "sungphai": "unit_officer",
        "ttyt": "unit_officer",
        "lanhdao": "leadership",
        "taichinh": "finance",
    }
    assert User.objects.get(username="ldtbxh").check_password("laichau2024")


@pytest.mark.django_db
def test_setup_demo_keeps_what_users_changed_in_the_plan(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    item = PlanItem.objects.get(sub_project__code="7.2")
    funding = item.fundings.get()
    funding.amount = 20_000_000
    funding.save(update_fields=["amount"])
    call_command("setup_demo", verbosity=0)
    assert PlanItem.objects.get(pk=item.pk).amount == 20_000_000


@pytest.mark.django_db
def test_setup_demo_refuses_demo_accounts_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", verbosity=0)
    assert not User.objects.exists()
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_setup_demo_loads_data_without_accounts_on_request(settings):
    settings.DEBUG = False
    call_command("setup_demo", "--no-accounts", verbosity=0)
    assert Plan.objects.get().document_number == "4159/KH-UBND"
    assert not User.objects.exists()
