"""Every admin URL that can write a plan's rows: refused on a signed plan, rule-checked on a draft (issue 7).

The forms are read from the admin's own pages and posted as a browser would (tests/adminforms.py). Each write is
first shown to work on a draft, so that its refusal on the signed plan comes from the freeze and nothing else.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from plans.lifecycle import plan_sign, plan_submit
from plans.models import Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target
from projects.models import SubProject
from tests.adminforms import form_data
from tests.factories import make_plan, nstw, only_source
from tests.pagetext import visible_text


@pytest.fixture
def admin_client(client, seed):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    return client


def plan_state(plan: Plan) -> list:
    """Every row of the plan, serialised field by field (many-to-many included)."""
    plan = Plan.objects.get(pk=plan.pk)
    rows = [
        plan,
        *PlanItem.objects.filter(plan=plan),
        *ImplementingUnit.objects.filter(item__plan=plan),
        *Target.objects.filter(item__plan=plan),
        *LineFunding.objects.filter(item__plan=plan),
        *Allocation.objects.filter(item__plan=plan),
        *LegalBasis.objects.filter(plan=plan),
        *Duty.objects.filter(plan=plan),
    ]
    return serializers.serialize("python", rows)


def _sign(seed, staff, leader) -> None:
    plan_submit(plan=seed, by=staff)
    plan_sign(plan=seed, by=leader)


def _line(seed, code: str) -> PlanItem:
    item = PlanItem.objects.filter(plan=seed)
    return item.get(sub_project__code=code) if "." in code else item.get(project__code=code, sub_project=None)


def _change_form(client, url: str, **changes) -> dict:
    data = form_data(client.get(url).content, form_id=None)
    data = {name: values for name, values in data.items() if name not in {"csrfmiddlewaretoken"}}
    return {**data, **{name: [value] for name, value in changes.items()}, "_save": ["Lưu"]}


def _posts(seed) -> dict:
    """For each write path, (url, data builder) of a write that is valid on a draft and breaks no rule."""
    line2, line32 = _line(seed, "2"), _line(seed, "3.2")
    allocation = Allocation.objects.get(item=line2)
    health_centre = OrgUnit.objects.get(code="city-ttyt")
    sub_42 = SubProject.objects.get(code="4.2")
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    return {
        "plan change": (f"/quan-tri/plans/plan/{seed.pk}/change/", {"summary": "Trích yếu sửa trong trang quản trị"}),
        # The line's money is what it draws on each source: the inline of its page (fundings-N-amount).
        "line change": (f"/quan-tri/plans/planitem/{line32.pk}/change/", {"fundings-0-amount": "300.000.000"}),
        "line add": (
            f"/quan-tri/plans/planitem/{line2.pk}/change/",
            {
                "sub_project": str(sub_42.pk),
                "project": str(sub_42.project_id),
                "fundings-TOTAL_FORMS": "1",
                "fundings-0-source": str(nstw().pk),
                "fundings-0-amount": "0",
                "_add_to": "planitem",
            },
        ),
        "line funding change": (
            f"/quan-tri/budgets/linefunding/{LineFunding.objects.get(item=line32).pk}/change/",
            {"amount": "300.000.000"},
        ),
        "line funding add": (
            f"/quan-tri/budgets/linefunding/{LineFunding.objects.get(item=line32).pk}/change/",
            {"item": str(line2.pk), "source": str(investment.pk), "amount": "0", "_add_to": "linefunding"},
        ),
        "allocation change": (f"/quan-tri/budgets/allocation/{allocation.pk}/change/", {"amount": "500.000.000"}),
        "allocation add": (
            f"/quan-tri/budgets/allocation/{allocation.pk}/change/",
            {"item": str(line32.pk), "unit": str(health_centre.pk), "amount": "1.000.000", "_add_to": "allocation"},
        ),
    }


def _prepare(client, seed, path: str) -> tuple[str, dict]:
    """Read the form while the plan is a draft; an "add" posts a copy of an existing row's form to the add page."""
    url, changes = _posts(seed)[path]
    add_to = changes.pop("_add_to", None)
    if not add_to:
        return url, _change_form(client, url, **changes)
    app = "plans" if add_to == "planitem" else "budgets"
    data = {k: v for k, v in _change_form(client, url).items() if "-" not in k}  # the row alone, without its inlines
    for prefix in ["implementing_units", "fundings", "allocations", "targets"]:
        data |= {f"{prefix}-TOTAL_FORMS": ["0"], f"{prefix}-INITIAL_FORMS": ["0"]}
    return f"/quan-tri/{app}/{add_to}/add/", {**data, **{name: [value] for name, value in changes.items()}}


WRITE_PATHS = [
    "plan change",
    "line change",
    "line add",
    "line funding change",
    "line funding add",
    "allocation change",
    "allocation add",
]


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_each_admin_write_works_on_a_draft(admin_client, seed, path):
    url, data = _prepare(admin_client, seed, path)
    before = plan_state(seed)
    response = admin_client.post(url, data)
    assert response.status_code == 302, visible_text(response.content)[:2000]
    assert plan_state(seed) != before


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_each_admin_write_is_refused_on_a_signed_plan(admin_client, seed, staff_user, leader, path):
    url, data = _prepare(admin_client, seed, path)
    _sign(seed, staff_user, leader)
    before = plan_state(seed)
    response = admin_client.post(url, data, follow=True)
    assert plan_state(seed) == before
    assert response.status_code in (200, 403)


def _delete_posts(seed) -> dict:
    line2 = _line(seed, "2")
    # A second source the line draws nothing on (with its ceiling, so that the plan can be signed): removing it
    # breaks no rule on the draft.
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    notified_by = Ceiling.objects.get(issuer_id=seed.issuer_id, year=seed.year).notified_by
    Ceiling.objects.get_or_create(
        issuer_id=seed.issuer_id, year=seed.year, source=investment, defaults={"amount": 0, "notified_by": notified_by}
    )
    unused, _created = LineFunding.objects.get_or_create(item=line2, source=investment, defaults={"amount": 0})
    return {
        "plan": f"/quan-tri/plans/plan/{seed.pk}/delete/",
        "planitem": f"/quan-tri/plans/planitem/{line2.pk}/delete/",
        "linefunding": f"/quan-tri/budgets/linefunding/{unused.pk}/delete/",
        "allocation": f"/quan-tri/budgets/allocation/{Allocation.objects.get(item=line2).pk}/delete/",
    }


@pytest.mark.parametrize("model", ["plan", "planitem", "linefunding", "allocation"])
def test_delete_and_bulk_delete_are_refused_on_a_signed_plan(admin_client, seed, staff_user, leader, model):
    url = _delete_posts(seed)[model]
    object_id = url.rstrip("/").split("/")[-2]
    app = url.split("/")[2]
    _sign(seed, staff_user, leader)
    before = plan_state(seed)
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    bulk = admin_client.post(
        f"/quan-tri/{app}/{model}/", {"action": "delete_selected", "_selected_action": [object_id], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    assert plan_state(seed) == before


@pytest.mark.parametrize("model", ["planitem", "linefunding", "allocation"])
def test_delete_works_on_a_draft(admin_client, seed, model):
    url = _delete_posts(seed)[model]
    before = plan_state(seed)
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert plan_state(seed) != before


def test_an_allocation_cannot_be_moved_onto_another_line_in_the_admin(admin_client, seed):
    """An allocation keeps its line (a move would be silent in both plans' budget histories): 530 million posted
    onto a 10 million line of another draft changes nothing."""
    other = make_plan(lines=1, units_per_line=1)
    allocation = Allocation.objects.get(item=_line(seed, "2"))
    url = f"/quan-tri/budgets/allocation/{allocation.pk}/change/"
    assert re.search(r'<select[^>]*name="item"[^>]*disabled', admin_client.get(url).content.decode())
    data = _change_form(admin_client, url)
    data["item"] = [str(other.items.get().pk)]
    before, before_other = plan_state(seed), plan_state(other)
    admin_client.post(url, data, follow=True)
    assert plan_state(seed) == before and plan_state(other) == before_other


def test_an_allocation_of_a_draft_cannot_be_moved_into_a_signed_plan(admin_client, seed, staff_user, leader):
    other = make_plan(lines=1, units_per_line=1)
    allocation = Allocation.objects.get(item__plan=other)
    data = _change_form(admin_client, f"/quan-tri/budgets/allocation/{allocation.pk}/change/")
    data["item"] = [str(_line(seed, "4.1").pk)]
    _sign(seed, staff_user, leader)
    before, before_other = plan_state(seed), plan_state(other)
    admin_client.post(f"/quan-tri/budgets/allocation/{allocation.pk}/change/", data)
    assert plan_state(seed) == before and plan_state(other) == before_other


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "999.000.000"}, "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí."),
    ],
)
def test_a_draft_allocation_over_its_line_is_refused_in_the_admin(admin_client, seed, change, message):
    allocation = Allocation.objects.get(item=_line(seed, "2"))
    url = f"/quan-tri/budgets/allocation/{allocation.pk}/change/"
    data = _change_form(admin_client, url, **change)
    before = plan_state(seed)
    response = admin_client.post(url, data, follow=True)
    text = visible_text(response.content)
    assert message in text and "vượt kinh phí của nội dung 530.000.000 đồng" in text
    assert plan_state(seed) == before


@pytest.fixture
def finance_admin(seed, finance_officer):
    """Finance as the admin sees it: staff status, the role's group (view-only on allocations and plans)."""
    finance_officer.is_staff = True
    finance_officer.save()
    finance_officer.groups.add(Group.objects.get(name="role:finance"))
    return finance_officer


@pytest.mark.parametrize("who", ["superuser", "finance"])
@pytest.mark.parametrize("model", ["allocation", "ceiling", "planitem", "linefunding"])
def test_history_revert_form_never_saves(client, seed, staff_user, leader, finance_admin, who, model):
    """The reproduction: finance (view permission only) posted the revert form of a signed plan's allocation."""
    user = get_user_model().objects.create_superuser("qt", "q@x.vn", "x") if who == "superuser" else finance_admin
    client.force_login(user)
    line2 = _line(seed, "2")
    obj = {
        "allocation": Allocation.objects.get(item=line2),
        "ceiling": Ceiling.objects.get(),
        "planitem": line2,
        "linefunding": LineFunding.objects.get(item=line2),
    }[model]
    app = "plans" if model == "planitem" else "budgets"
    record = obj.history.earliest("history_date")
    url = f"/quan-tri/{app}/{model}/{obj.pk}/history/{record.history_id}/"
    data = {k: v for k, v in form_data(client.get(url).content).items() if k != "csrfmiddlewaretoken"}
    # What the revert would change: a line's money is in its fundings, so the line's own page changes its text.
    typed = {"ceiling": {"amount": "9.999.000.000"}, "planitem": {"objective": "Mục tiêu sửa qua trang lịch sử"}}
    data |= {name: [value] for name, value in typed.get(model, {"amount": "999.000.000"}).items()}
    _sign(seed, staff_user, leader)

    def state():
        return plan_state(seed), serializers.serialize("python", [type(obj).objects.get(pk=obj.pk)])

    before = state()
    assert client.post(url, data).status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    "url",
    [
        "/quan-tri/plans/planitem/abc/change/",
        "/quan-tri/plans/plan/abc/change/",
        "/quan-tri/budgets/allocation/abc/delete/",
        "/quan-tri/budgets/linefunding/abc/change/",
        "/quan-tri/budgets/linefunding/x1/history/",
        "/quan-tri/plans/planitem/abc/history/",
        "/quan-tri/plans/planitem/{item}/history/abc/",
        "/quan-tri/budgets/ceiling/1x/change/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_malformed_admin_ids_answer_404(admin_client, seed, url, method):
    url = url.format(item=_line(seed, "2").pk)
    assert getattr(admin_client, method)(url).status_code == 404


@pytest.mark.parametrize("model", ["budgets/allocation", "budgets/linefunding", "plans/planitem"])
def test_admin_money_fields_are_text_boxes_showing_vietnamese_notation(admin_client, seed, model):
    """Never <input type="number">: it shows "530.000.000" as empty and refuses the notation people type."""
    obj = {
        "budgets/allocation": lambda: Allocation.objects.get(item=_line(seed, "2")),
        "budgets/linefunding": lambda: LineFunding.objects.get(item=_line(seed, "2")),
        "plans/planitem": lambda: _line(seed, "2"),
    }[model]()
    page = admin_client.get(f"/quan-tri/{model}/{obj.pk}/change/").content.decode()
    name = "fundings-0-amount" if model == "plans/planitem" else "amount"  # a line's money: its fundings inline
    box = next(tag for tag in page.split("<input") if f'name="{name}"' in tag)
    assert 'type="text"' in box and 'inputmode="decimal"' in box
    assert f'value="{obj.amount:,}"'.replace(",", ".") in box


def test_every_admin_of_a_plan_or_reference_model_goes_through_the_guard():
    """A model admin added later without the guard, or a plan-owned model without rows above, fails here."""
    from django.contrib import admin

    from budgets.admin_guard import GuardedAdminMixin

    ours = {"plans", "budgets", "projects", "beneficiaries"}
    registered = {model: model_admin for model, model_admin in admin.site._registry.items()}
    for model, model_admin in registered.items():
        if model._meta.app_label in ours:
            assert isinstance(model_admin, GuardedAdminMixin), model
            for inline in model_admin.inlines:
                # Inline rows are written by the parent's guarded view; their models are guarded by signals.
                assert inline.model in {*_GUARDED_BY_SIGNALS, *{m for m in registered if m._meta.app_label in ours}}
    plan_owned = {
        model._meta.label_lower
        for model in registered
        if any(f.name in {"plan", "item"} and f.is_relation for f in model._meta.fields) or model is Plan
    }
    assert plan_owned == {"plans.plan", "plans.planitem", "budgets.linefunding", "budgets.allocation"}


_GUARDED_BY_SIGNALS = {LegalBasis, Duty, ImplementingUnit, Target, LineFunding, Allocation, PlanItem}


def test_an_allocation_from_another_source_cannot_hide_money_under_a_line(admin_client, seed):
    """Rule 2 counts the line's own source: an allocation from another one is refused, not left uncounted."""
    from budgets.checks import check_plan

    line2 = _line(seed, "2")
    other_source = FundingSource.objects.exclude(pk=only_source(line2)).first()
    data = _change_form(admin_client, "/quan-tri/budgets/allocation/add/")
    data |= {
        "item": [str(line2.pk)],
        "unit": [str(OrgUnit.objects.get(code="commune-sung-phai").pk)],
        "source": [str(other_source.pk)],
        "amount": ["999.000.000.000"],
    }
    before = plan_state(seed)
    response = admin_client.post("/quan-tri/budgets/allocation/add/", data, follow=True)
    text = visible_text(response.content)
    assert "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí." in text
    assert f"Nội dung 2: khoản phân bổ 999.000.000.000 đồng cho UBND xã Sùng Phài lấy từ {other_source.name}" in text
    assert plan_state(seed) == before
    Allocation.objects.bulk_create(  # past the admin: the checks still see it and signing is refused
        [Allocation(item=line2, unit=OrgUnit.objects.get(code="city-ttyt"), source=other_source, amount=1)]
    )
    rules = {v.rule for v in check_plan(Plan.objects.with_document().get(pk=seed.pk)).violations}
    assert rules == {"allocation_other_source"}


@pytest.mark.parametrize("who", ["superuser", "finance"])
def test_the_ceiling_admin_only_shows_ceilings_and_points_to_the_app_page(client, seed, finance_admin, who):
    """One write path for ceilings (budgets.ceilings.record_ceiling, tests/budgets/test_ceilings.py): the admin shows
    them and their history, refuses every write, and says where finance records them."""
    user = get_user_model().objects.create_superuser("qt", "q@x.vn", "x") if who == "superuser" else finance_admin
    client.force_login(user)
    ceiling = Ceiling.objects.get()
    listing = client.get("/quan-tri/budgets/ceiling/")
    assert listing.status_code == 200
    assert 'href="/tran-kinh-phi/"' in listing.content.decode()
    assert f'href="/tran-kinh-phi/{ceiling.pk}/sua/"' in listing.content.decode()
    page = client.get(f"/quan-tri/budgets/ceiling/{ceiling.pk}/change/").content.decode()
    assert 'name="amount"' not in page and "1.728.000.000" in page
    data = {"issuer": [str(ceiling.issuer_id)], "year": ["2024"], "source": [str(ceiling.source_id)]}
    assert client.post(f"/quan-tri/budgets/ceiling/{ceiling.pk}/change/", {**data, "amount": ["1"]}).status_code == 403
    assert client.post("/quan-tri/budgets/ceiling/add/", {**data, "amount": ["1"]}).status_code == 403
    assert client.post(f"/quan-tri/budgets/ceiling/{ceiling.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [ceiling.pk], "post": "yes"}
    client.post("/quan-tri/budgets/ceiling/", bulk)
    assert Ceiling.objects.get().amount == 1_728_000_000


@pytest.mark.parametrize(
    ("model", "code"),
    [("plans/orgunit", "commune-sung-phai"), ("beneficiaries/targetgroup", None), ("budgets/fundingsource", None)],
)
def test_reference_codes_are_set_once_and_never_renamed_in_the_admin(admin_client, seed, model, code):
    from django.apps import apps

    app_label, model_name = model.split("/")
    cls = apps.get_model(app_label, model_name)
    obj = cls.objects.get(code=code) if code else cls.objects.first()
    url = f"/quan-tri/{model}/{obj.pk}/change/"
    data = _change_form(admin_client, url, code="ma-moi")
    admin_client.post(url, data)
    assert cls.objects.get(pk=obj.pk).code == obj.code
