"""What the allocation editor refuses: amounts in digits of other scripts, and damaged hidden inputs (reported at
the top of the form). Nothing is saved then."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from budgets.forms import BASED_ON_INVALID, HIDDEN_INITIAL_INVALID
from budgets.history import plan_budget_history
from lai_chau.money import AMOUNT_MALFORMED
from plans.models import PlanItem
from tests.adminforms import posted
from tests.budgets.workbooks import snapshot
from tests.pagetext import visible_text


def _url(plan) -> str:
    return reverse("budgets:allocation_edit", args=[plan.pk])


@pytest.fixture
def editor(client, seed, staff_user):
    """Return the form as the page shows it to a logged-in staff user, the line 7.2 and the name of the field of
    its one allocation (22 triệu: lowering it to 21 keeps every budget rule)."""
    client.force_login(staff_user)
    form = client.get(_url(seed)).context["form"]
    line = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    [unit] = line.implementing_units.all()
    return form, line, f"alloc_{line.pk}_{unit.unit_id}"


def _assert_refused_with(client, seed, data: dict, message) -> None:
    before, history = snapshot(seed), plan_budget_history(seed)
    response = client.post(_url(seed), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(message)]
    text = visible_text(response.content)
    assert str(message) in text
    assert text.index(str(message)) < text.index(gettext("Save all changes"))  # at the top, before the table
    assert snapshot(seed) == before and plan_budget_history(seed) == history


@pytest.mark.parametrize("typed", ["١٢", "１２", "𝟏𝟐"])
def test_an_amount_in_digits_of_another_script_is_refused_next_to_its_field(client, seed, editor, typed):
    form, _line, name = editor
    before = snapshot(seed)
    response = client.post(_url(seed), posted(form, **{name: typed}))
    assert response.status_code == 200
    assert response.context["form"].errors[name] == [str(AMOUNT_MALFORMED % {"value": typed})]
    assert str(AMOUNT_MALFORMED % {"value": typed}) in visible_text(response.content)
    assert snapshot(seed) == before


def test_an_untouched_form_with_a_change_saves(client, seed, editor):
    """The baseline the tampered posts below differ from by one hidden value."""
    form, line, name = editor
    assert client.post(_url(seed), posted(form, **{name: "21"})).status_code == 302
    assert line.allocations.get().amount == 21_000_000


@pytest.mark.parametrize(
    "based_on",
    [
        "garbage",
        "2024-01-01T10:00:00",  # naive: no time zone
        "2024-13-45T10:00:00+07:00",  # well formed, impossible
        "2099-01-01T00:00:00+00:00",  # later than any change: not a state the page was shown
        "",  # the plan has changes, so the page always carries one
    ],
)
def test_a_tampered_based_on_is_shown_and_nothing_is_saved(client, seed, editor, based_on):
    form, _line, name = editor
    _assert_refused_with(client, seed, posted(form, **{name: "21", "based_on": based_on}), BASED_ON_INVALID)
    assert "trang đã cũ" in str(BASED_ON_INVALID).lower()


def test_a_missing_based_on_is_shown_and_nothing_is_saved(client, seed, editor):
    form, _line, name = editor
    data = posted(form, **{name: "21"})
    del data["based_on"]
    _assert_refused_with(client, seed, data, BASED_ON_INVALID)


@pytest.mark.parametrize("initial", ["garbage", "１２３", "-5"])
def test_a_tampered_hidden_initial_allocation_is_shown_and_nothing_is_saved(client, seed, editor, initial):
    form, _line, name = editor
    data = posted(form, **{name: "21", f"initial-{name}": initial})
    _assert_refused_with(client, seed, data, HIDDEN_INITIAL_INVALID)


@pytest.mark.parametrize("initial", ["garbage", ""])  # a line always has an amount: its initial is never empty
def test_a_tampered_hidden_initial_line_amount_is_shown_and_nothing_is_saved(client, seed, editor, initial):
    form, line, name = editor
    data = posted(form, **{name: "21", f"initial-line_{line.pk}": initial})
    _assert_refused_with(client, seed, data, HIDDEN_INITIAL_INVALID)


def test_a_removed_hidden_initial_is_shown_and_nothing_is_saved(client, seed, editor):
    """Without its initial value Django would take the figure on the page as changed and save it."""
    form, _line, name = editor
    data = posted(form)
    del data[f"initial-{name}"]
    _assert_refused_with(client, seed, data, HIDDEN_INITIAL_INVALID)


@pytest.mark.parametrize("layout", ["garbage", "999999", "1,1", "1,x"])
def test_a_tampered_list_of_a_lines_sources_is_shown_and_nothing_is_saved(client, seed, editor, layout):
    """sources_<line> says which funding sources the line's fields stand for: anything the page did not write is
    refused, never read as some other source's figures."""
    form, line, name = editor
    data = posted(form, **{name: "21", f"sources_{line.pk}": layout})
    _assert_refused_with(client, seed, data, HIDDEN_INITIAL_INVALID)
