"""A plan line funded from several sources, in the admin (issue 8, design.md §13): what a line draws on each source
(budgets.LineFunding) is written on its own admin pages and in the inline of the line's page, through the same guard
as allocations: frozen unless draft, the money rules per source, recorded in the history with the reason 'admin'."""

import re

import pytest
from django.contrib.auth import get_user_model

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from lai_chau.money import MILLION
from plans.lifecycle import plan_submit
from plans.models import OrgUnit, Plan, PlanItem
from tests.adminforms import form_data
from tests.factories import ceilings_of, make_plan, nstw
from tests.pagetext import visible_text
from tests.plans.test_admin_pages import _count_queries

REFUSED = "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí."
INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"


@pytest.fixture
def admin_client(client, seed):
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x"))
    return client


def _line(plan: Plan, code: str) -> PlanItem:
    lines = PlanItem.objects.filter(plan=plan)
    return lines.get(sub_project__code=code) if "." in code else lines.get(project__code=code, sub_project=None)


def _investment() -> FundingSource:
    return FundingSource.objects.get(code="nstw-dau-tu")


def _investment_ceiling(plan: Plan, amount: int) -> Ceiling:
    ceiling = ceilings_of(plan).get()
    return Ceiling.objects.create(
        issuer_id=plan.issuer_id, year=plan.year, source=_investment(), amount=amount, notified_by=ceiling.notified_by
    )


def _page_form(client, url: str, **changes) -> dict:
    """The form of `url` as the browser posts it, with `changes` typed over it."""
    data = form_data(client.get(url).content)
    data.pop("csrfmiddlewaretoken", None)
    return {**data, **{name: [value] for name, value in changes.items()}, "_save": ["Lưu lại"]}


def _money(plan: Plan) -> list:
    """What every line of `plan` draws on each source, and every allocation: the figures a refused write keeps."""
    fundings = LineFunding.objects.filter(item__plan=plan).order_by("pk")
    allocations = Allocation.objects.filter(item__plan=plan).order_by("pk")
    return [
        *[("line", f.pk, f.item_id, f.source_id, f.amount) for f in fundings],
        *[("allocation", a.pk, a.item_id, a.unit_id, a.source_id, a.amount) for a in allocations],
    ]


def _reasons(funding_id: int) -> list:
    records = LineFunding.history.filter(id=funding_id).order_by("history_date")
    return [
        (r.history_type, r.history_change_reason, r.history_user.username if r.history_user else None) for r in records
    ]


def test_a_source_is_added_changed_and_removed_on_a_draft_and_each_step_is_in_the_history(admin_client, seed):
    _investment_ceiling(seed, 200 * MILLION)
    line2 = _line(seed, "2")
    data = _page_form(admin_client, "/quan-tri/budgets/linefunding/add/")
    data |= {"item": [str(line2.pk)], "source": [str(_investment().pk)], "amount": ["150.000.000"]}
    response = admin_client.post("/quan-tri/budgets/linefunding/add/", data)
    assert response.status_code == 302, visible_text(response.content)[:2000]
    funding = LineFunding.objects.get(item=line2, source=_investment())
    assert funding.amount == 150 * MILLION
    assert PlanItem.objects.get(pk=line2.pk).amount == 680 * MILLION

    url = f"/quan-tri/budgets/linefunding/{funding.pk}/change/"
    assert admin_client.post(url, _page_form(admin_client, url, amount="180.000.000")).status_code == 302
    assert LineFunding.objects.get(pk=funding.pk).amount == 180 * MILLION

    assert admin_client.post(f"/quan-tri/budgets/linefunding/{funding.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not LineFunding.objects.filter(pk=funding.pk).exists()
    assert _reasons(funding.pk) == [("+", "admin", "quantri"), ("~", "admin", "quantri"), ("-", "admin", "quantri")]

    history = admin_client.get(f"/quan-tri/budgets/linefunding/{funding.pk}/history/")
    assert history.status_code == 200 and "quantri" in visible_text(history.content)  # the removed row's past too


@pytest.mark.parametrize(
    ("url_of", "changes"),
    [
        (lambda f: f"/quan-tri/budgets/linefunding/{f.pk}/change/", lambda f, other: {"source": str(_investment().pk)}),
        (lambda f: f"/quan-tri/budgets/linefunding/{f.pk}/change/", lambda f, other: {"item": str(other.pk)}),
        (
            lambda f: f"/quan-tri/plans/planitem/{f.item_id}/change/",
            lambda f, other: {"fundings-0-source": str(_investment().pk)},
        ),
    ],
    ids=["source", "line", "inline source"],
)
def test_a_funding_keeps_its_line_and_source_only_its_amount_changes(admin_client, seed, url_of, changes):
    """Moving money to another source or line would leave the budget history (amount changes) silent: the admin
    changes the amount only, and moving is a removal and an addition."""
    _investment_ceiling(seed, 600 * MILLION)
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    Allocation.objects.filter(item=funding.item).delete()
    url = url_of(funding)
    page = admin_client.get(url).content.decode()
    assert re.search(r'<select[^>]*name="(fundings-0-)?source"[^>]*disabled', page)
    admin_client.post(url, _page_form(admin_client, url, **changes(funding, _line(seed, "7.2"))))
    assert LineFunding.objects.filter(pk=funding.pk, item_id=funding.item_id, source=nstw()).exists()


def test_the_history_page_of_a_line_funding_shows_the_change_and_its_revert_form_never_saves(admin_client, seed):
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    Allocation.objects.filter(item=funding.item).update(amount=500 * MILLION)
    url = f"/quan-tri/budgets/linefunding/{funding.pk}/change/"
    assert admin_client.post(url, _page_form(admin_client, url, amount="520.000.000")).status_code == 302
    page = admin_client.get(f"/quan-tri/budgets/linefunding/{funding.pk}/history/")
    assert page.status_code == 200 and "quantri" in visible_text(page.content)
    first = funding.history.earliest("history_date")
    revert = f"/quan-tri/budgets/linefunding/{funding.pk}/history/{first.history_id}/"
    data = {k: v for k, v in form_data(admin_client.get(revert).content).items() if k != "csrfmiddlewaretoken"}
    assert admin_client.post(revert, data).status_code == 403
    assert LineFunding.objects.get(pk=funding.pk).amount == 520 * MILLION


def _writes(seed) -> dict:
    """For each admin path that writes a line funding: (url, data), valid on the draft."""
    line2 = _line(seed, "2")
    funding = LineFunding.objects.get(item=line2)
    return {
        "change": (f"/quan-tri/budgets/linefunding/{funding.pk}/change/", {"amount": "520.000.000"}),
        "add": ("/quan-tri/budgets/linefunding/add/", {"item": str(line2.pk), "source": str(_investment().pk)}),
        "inline": (f"/quan-tri/plans/planitem/{line2.pk}/change/", {"fundings-0-amount": "520.000.000"}),
        "delete": (f"/quan-tri/budgets/linefunding/{funding.pk}/delete/", None),
        "bulk delete": ("/quan-tri/budgets/linefunding/", None),
    }


def _data(client, seed, path: str) -> tuple[str, dict]:
    """The write of `path` as the browser posts it. Line 2's allocation is first made to leave room for the write:
    lowered to 500 million, or removed with the line's only source (an allocation from a source the line does not
    draw on is refused)."""
    allocations = Allocation.objects.filter(item=_line(seed, "2"))
    if path in ("delete", "bulk delete"):
        allocations.delete()
    else:
        allocations.update(amount=500 * MILLION)
    url, changes = _writes(seed)[path]
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    if path == "delete":
        return url, {"post": "yes"}
    if path == "bulk delete":
        return url, {"action": "delete_selected", "_selected_action": [str(funding.pk)], "post": "yes"}
    if path == "add":
        return url, {**_page_form(client, url), "amount": ["0"], **{k: [v] for k, v in changes.items()}}
    return url, _page_form(client, url, **changes)


PATHS = ["change", "add", "inline", "delete", "bulk delete"]


@pytest.mark.parametrize("path", PATHS)
def test_each_admin_write_of_a_line_funding_works_on_a_draft(admin_client, seed, path):
    """Shown to work on the draft first, so that its refusal below comes from the freeze and nothing else."""
    url, data = _data(admin_client, seed, path)
    before = _money(seed)
    response = admin_client.post(url, data)
    assert response.status_code == 302, visible_text(response.content)[:2000]
    assert _money(seed) != before


@pytest.mark.parametrize("path", PATHS)
def test_each_admin_write_of_a_line_funding_is_refused_on_a_submitted_plan(admin_client, seed, staff_user, path):
    url, data = _data(admin_client, seed, path)
    plan_submit(plan=seed, by=staff_user)
    before = _money(seed)
    response = admin_client.post(url, data, follow=True)
    assert response.status_code in (200, 403)
    assert _money(seed) == before


def test_a_submitted_plans_fundings_read_as_grouped_dong_without_boxes(admin_client, seed, staff_user):
    plan_submit(plan=seed, by=staff_user)
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    for url in [
        f"/quan-tri/budgets/linefunding/{funding.pk}/change/",
        f"/quan-tri/plans/planitem/{funding.item_id}/change/",
    ]:
        page = admin_client.get(url).content.decode()
        assert 'name="amount"' not in page and 'name="fundings-0-amount"' not in page, url
        assert "530.000.000 đồng" in visible_text(page), url
        assert "530000000" not in page, url
    options = visible_text(admin_client.get("/quan-tri/budgets/linefunding/add/").content)
    assert "Đa dạng hóa sinh kế" not in options  # no line of the submitted plan to add a source to


def test_raising_a_line_above_its_sources_ceiling_is_refused_in_vietnamese_and_nothing_is_saved(admin_client, seed):
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    url = f"/quan-tri/budgets/linefunding/{funding.pk}/change/"
    before = _money(seed)
    response = admin_client.post(url, _page_form(admin_client, url, amount="531.000.000"), follow=True)
    text = visible_text(response.content)
    assert REFUSED in text
    assert "Ngân sách Trung ương - vốn sự nghiệp: tổng kinh phí các nội dung là 1.729.000.000 đồng" in text
    assert "vượt mức trần 1.728.000.000 đồng là 1.000.000 đồng" in text
    assert "thành công" not in text
    assert _money(seed) == before


def test_a_second_source_over_its_own_ceiling_is_refused_and_one_within_it_is_saved(admin_client, seed):
    """Ceilings are per source: the plan stays within NSTW sự nghiệp; the đầu tư money is judged on its own."""
    _investment_ceiling(seed, 100 * MILLION)
    line2 = _line(seed, "2")
    add = "/quan-tri/budgets/linefunding/add/"
    data = _page_form(admin_client, add)
    data |= {"item": [str(line2.pk)], "source": [str(_investment().pk)], "amount": ["100.000.001"]}
    before = _money(seed)
    text = visible_text(admin_client.post(add, data, follow=True).content)
    assert REFUSED in text and f"{INVESTMENT}: tổng kinh phí các nội dung là 100.000.001 đồng" in text
    assert _money(seed) == before
    data["amount"] = ["100.000.000"]
    assert admin_client.post(add, data).status_code == 302
    assert LineFunding.objects.get(item=line2, source=_investment()).amount == 100 * MILLION


def test_lowering_a_source_below_its_allocations_is_refused_naming_the_source(admin_client, seed):
    """Rule 2 per source: with two sources, the message says which one the allocations exceed."""
    _investment_ceiling(seed, 100 * MILLION)
    line2 = _line(seed, "2")
    LineFunding.objects.create(item=line2, source=_investment(), amount=50 * MILLION)
    unit = Allocation.objects.get(item=line2).unit
    Allocation.objects.create(item=line2, unit=unit, source=_investment(), amount=50 * MILLION)
    funding = LineFunding.objects.get(item=line2, source=_investment())
    url = f"/quan-tri/budgets/linefunding/{funding.pk}/change/"
    before = _money(seed)
    text = visible_text(admin_client.post(url, _page_form(admin_client, url, amount="40.000.000"), follow=True).content)
    assert REFUSED in text
    # budgets.checks._over_allocated names the source when the line draws on several
    assert INVESTMENT in text and "50.000.000 đồng" in text and "40.000.000 đồng" in text
    assert _money(seed) == before


def test_removing_a_source_that_units_are_allocated_from_is_refused(admin_client, seed):
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    before = _money(seed)
    response = admin_client.post(f"/quan-tri/budgets/linefunding/{funding.pk}/delete/", {"post": "yes"}, follow=True)
    text = visible_text(response.content)
    # allocation_other_source (budgets/checks.py): the unit's allocation would be from a source the line does not use
    assert REFUSED in text and "530.000.000 đồng" in text and "UBND xã Sùng Phài" in text
    assert LineFunding.objects.filter(pk=funding.pk).exists()
    assert _money(seed) == before


def test_the_line_page_shows_each_source_as_a_vietnamese_amount_box_and_saves_unchanged_without_retyping(
    admin_client, seed
):
    _investment_ceiling(seed, 300 * MILLION)
    line2 = _line(seed, "2")
    LineFunding.objects.create(item=line2, source=_investment(), amount=200 * MILLION)
    url = f"/quan-tri/plans/planitem/{line2.pk}/change/"
    page = admin_client.get(url).content.decode()
    boxes = re.findall(r'<input[^>]*name="fundings-\d-amount"[^>]*>', page)
    assert len(boxes) == 2
    assert all('type="text"' in box and 'inputmode="decimal"' in box for box in boxes)
    values = sorted(re.search(r'value="([^"]*)"', box)[1] for box in boxes)
    assert values == ["200.000.000", "530.000.000"]
    echoes = [visible_text(e) for e in re.findall(r'<span class="amount-echo"[^>]*>(.*?)</span>', page, re.S)]
    assert "= 530.000.000 đồng" in echoes and "= 200.000.000 đồng" in echoes
    text = visible_text(page)
    assert "Nguồn vốn" in text and INVESTMENT in text

    before = _money(seed)
    response = admin_client.post(url, _page_form(admin_client, url))
    assert response.status_code == 302, visible_text(response.content)[:2000]
    assert _money(seed) == before
    assert PlanItem.objects.get(pk=line2.pk).amount == 730 * MILLION


def test_a_second_source_added_in_the_line_page_inline_is_saved_with_the_admin_reason(admin_client, seed):
    _investment_ceiling(seed, 300 * MILLION)
    line2 = _line(seed, "2")
    url = f"/quan-tri/plans/planitem/{line2.pk}/change/"
    data = _page_form(admin_client, url)
    assert data["fundings-TOTAL_FORMS"] == ["1"]
    data |= {
        "fundings-TOTAL_FORMS": ["2"],
        "fundings-1-source": [str(_investment().pk)],
        "fundings-1-amount": ["12,5"],  # a box in đồng reads this as 12,5 đồng: not a whole amount
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # less than one đồng is no amount: the form again
    assert "không phải là số nguyên đồng" in visible_text(response.content)
    data["fundings-1-amount"] = ["250.000.000"]
    assert admin_client.post(url, data).status_code == 302
    funding = LineFunding.objects.get(item=line2, source=_investment())
    assert funding.amount == 250 * MILLION
    assert _reasons(funding.pk) == [("+", "admin", "quantri")]


def test_the_same_source_twice_on_a_line_is_refused_in_vietnamese(admin_client, seed):
    line2 = _line(seed, "2")
    data = _page_form(admin_client, "/quan-tri/budgets/linefunding/add/")
    data |= {"item": [str(line2.pk)], "source": [str(nstw().pk)], "amount": ["0"]}
    response = admin_client.post("/quan-tri/budgets/linefunding/add/", data)
    assert response.status_code == 200
    assert "Nội dung này đã lấy kinh phí từ nguồn vốn này" in visible_text(response.content)
    assert LineFunding.objects.filter(item=line2).count() == 1


def test_the_plan_and_line_lists_show_each_lines_money_per_source(admin_client, seed):
    _investment_ceiling(seed, 300 * MILLION)
    line2 = _line(seed, "2")
    LineFunding.objects.create(item=line2, source=_investment(), amount=200 * MILLION)
    listing = visible_text(admin_client.get("/quan-tri/plans/planitem/").content)
    assert "730.000.000 đồng" in listing
    assert f"{INVESTMENT}: 200.000.000 đồng" in listing
    assert "685.000.000 đồng" in listing  # line 4.1, one source: as before
    plan_page = visible_text(admin_client.get(f"/quan-tri/plans/plan/{seed.pk}/change/").content)
    assert (
        f"730.000.000 đồng ({INVESTMENT}: 200.000.000 đồng; Ngân sách Trung ương - vốn sự nghiệp: 530.000.000 đồng)"
        in plan_page
    )
    assert "685.000.000 đồng" in plan_page
    funding_list = visible_text(admin_client.get("/quan-tri/budgets/linefunding/").content)
    assert "200.000.000 đồng" in funding_list and "Kinh phí nội dung theo nguồn vốn" in funding_list


def _with_second_source(plan: Plan) -> None:
    for item in plan.items.all():
        LineFunding.objects.create(item=item, source=_investment(), amount=MILLION)


@pytest.mark.parametrize(
    "url_of",
    [
        lambda plan: "/quan-tri/plans/planitem/",
        lambda plan: f"/quan-tri/plans/planitem/?plan__id__exact={plan.pk}",
        lambda plan: "/quan-tri/budgets/linefunding/",
        lambda plan: f"/quan-tri/plans/planitem/{plan.items.first().pk}/change/",
        lambda plan: f"/quan-tri/plans/plan/{plan.pk}/change/",
    ],
    ids=["line-list", "line-list-of-plan", "funding-list", "line-change", "plan-change"],
)
def test_admin_pages_with_several_sources_run_as_many_queries_for_small_and_large_plans(
    admin_client, django_assert_num_queries, url_of
):
    small = make_plan(lines=2, units_per_line=1, number=9001)
    _with_second_source(small)
    count = _count_queries(admin_client, url_of(small))
    large = make_plan(lines=25, units_per_line=4, number=9002)
    _with_second_source(large)
    url = url_of(large)
    admin_client.get(url)
    with django_assert_num_queries(count):
        assert admin_client.get(url).status_code == 200


def test_malformed_line_funding_ids_answer_404(admin_client, seed):
    for url in [
        "/quan-tri/budgets/linefunding/abc/change/",
        "/quan-tri/budgets/linefunding/abc/delete/",
        "/quan-tri/budgets/linefunding/abc/history/",
    ]:
        assert admin_client.get(url).status_code == 404
        assert admin_client.post(url).status_code == 404


def test_the_line_funding_admin_reads_in_vietnamese(admin_client, seed):
    index = visible_text(admin_client.get("/quan-tri/").content)
    assert "Kinh phí nội dung theo nguồn vốn" in index
    funding = LineFunding.objects.get(item=_line(seed, "2"))
    page = visible_text(admin_client.get(f"/quan-tri/budgets/linefunding/{funding.pk}/change/").content)
    assert "Nội dung kế hoạch" in page and "Nguồn vốn" in page and "Số tiền (đồng)" in page
    assert OrgUnit.objects.exists()  # the seed is loaded: the page above is the seed's line 2


def test_each_role_sees_line_fundings_in_the_admin_as_it_sees_allocations(client, seed, staff_user, finance_officer):
    """Programme staff edit a line's money per source where they edit its allocations; finance views both."""
    from plans.roles import ensure_role_groups

    groups = ensure_role_groups()
    line2 = _line(seed, "2")
    funding = LineFunding.objects.get(item=line2)
    for user, role, can_change in [(staff_user, "programme_staff", True), (finance_officer, "finance", False)]:
        user.is_staff = True
        user.save()
        user.groups.add(groups[role])
        client.force_login(user)
        for model in ("allocation", "linefunding"):
            page = client.get(f"/quan-tri/budgets/{model}/")
            assert page.status_code == 200, (role, model)
        line_page = client.get(f"/quan-tri/plans/planitem/{line2.pk}/change/").content.decode()
        assert ('name="fundings-0-amount"' in line_page) == can_change, role
        assert "530.000.000" in line_page, role
        funding_page = client.get(f"/quan-tri/budgets/linefunding/{funding.pk}/change/").content.decode()
        assert ('name="amount"' in funding_page) == can_change, role
