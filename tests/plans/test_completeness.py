"""Complete before submitted (design.md §13): an incomplete plan, or one breaking a budget rule, is neither submitted
nor signed, and its page says what is missing and where."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import Allocation, FundingSource, LineFunding
from plans.completeness import missing, plan_checklist, problems
from plans.lifecycle import plan_sign, plan_submit
from plans.models import ImplementingUnit, Plan, PlanItem, PlanTransition, SignedDocument
from tests.factories import make_plan
from tests.pagetext import visible_text

SUBMIT_REFUSED = "Chưa thể trình ký kế hoạch khi còn thiếu thông tin hoặc còn quy tắc kinh phí bị vi phạm:"
SIGN_REFUSED = "Không thể ký kế hoạch khi còn thiếu thông tin hoặc còn quy tắc kinh phí bị vi phạm:"


def _first_line(plan: Plan) -> PlanItem:
    return plan.items.order_by("position").first()


def _without_ceiling(plan: Plan) -> None:
    """Fund the first line from a source the plan has no ceiling for (judged by budgets.checks, wherever ceilings
    live)."""
    other = FundingSource.objects.get(code="nsdp-su-nghiep")
    line = _first_line(plan)
    LineFunding.objects.filter(item=line).update(source=other)
    Allocation.objects.filter(item=line).update(source=other)


def _without_units(plan: Plan) -> None:
    line = _first_line(plan)
    Allocation.objects.filter(item=line).delete()
    ImplementingUnit.objects.filter(item=line).delete()


def _over_ceiling(plan: Plan) -> None:
    line = _first_line(plan)
    LineFunding.objects.filter(item=line).update(amount=line.amount + 5_000_000)


def _without_amounts(plan: Plan) -> None:
    """A copied year's plan: lines and units in place, no amount yet (0 đồng)."""
    LineFunding.objects.filter(item__plan=plan).update(amount=0)
    Allocation.objects.filter(item__plan=plan).update(amount=0)


def _without_symbol(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(symbol="")


# rule, how to build the plan (make_plan's blanks, then a change), the Vietnamese message
CASES = [
    ("no_lines", {"lines": 0}, None, "Kế hoạch chưa có nội dung nào."),
    ("no_ceiling", {}, _without_ceiling, "Chưa có mức trần cho Ngân sách địa phương - vốn sự nghiệp."),
    ("line_without_objective", {"objective": ""}, None, "Nội dung 9.1 chưa có mục tiêu."),
    ("line_without_activities", {"activities": " "}, None, "Nội dung 9.1 chưa có nội dung hoạt động."),
    ("line_without_unit", {}, _without_units, "Nội dung 9.1 chưa có đơn vị thực hiện."),
    ("line_without_amount", {}, _without_amounts, "Nội dung 9.1, 9.2 chưa có kinh phí."),
    ("no_number", {}, _without_symbol, "Kế hoạch chưa có số và ký hiệu."),
    ("no_authority_lines", {"authority_lines": ""}, None, "Phần chữ ký chưa có dòng thẩm quyền ký"),
    ("no_signer_title", {"signer_title": ""}, None, "Chưa có chức vụ người ký."),
    ("no_signer_name", {"signer_name": ""}, None, "Chưa có họ tên người ký."),
    ("no_recipients", {"recipients": ""}, None, "Chưa có nơi nhận."),
    ("ceiling_exceeded", {}, _over_ceiling, "vượt mức trần 20.000.000 đồng là 5.000.000 đồng"),
]


def _build(blanks: dict, change) -> Plan:
    options = {"lines": 2, "units_per_line": 1, **blanks}
    plan = make_plan(**options)
    if change:
        change(plan)
    return plan


def _state(plan: Plan) -> tuple:
    return (
        Plan.objects.get(pk=plan.pk).status,
        PlanTransition.objects.filter(plan=plan).count(),
        SignedDocument.objects.filter(plan=plan).exists(),
        sorted(LineFunding.objects.filter(item__plan=plan).values_list("item_id", "source_id", "amount")),
    )


@pytest.mark.parametrize(("rule", "blanks", "change", "message"), CASES, ids=[case[0] for case in CASES])
def test_submitting_is_refused_with_the_reason_and_nothing_changes(seed, staff_user, rule, blanks, change, message):
    plan = _build(blanks, change)
    before = _state(plan)
    with pytest.raises(ValidationError) as refused:
        plan_submit(plan=plan, by=staff_user)
    assert refused.value.messages[0] == SUBMIT_REFUSED
    assert any(message in line for line in refused.value.messages[1:]), refused.value.messages
    assert _state(plan) == before
    found = problems(Plan.objects.with_document().get(pk=plan.pk))
    assert rule in {item.rule for item in found}


@pytest.mark.parametrize(("rule", "blanks", "change", "message"), CASES, ids=[case[0] for case in CASES])
def test_signing_is_refused_with_the_reason_and_nothing_changes(seed, leader, rule, blanks, change, message):
    plan = _build(blanks, change)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)  # as if it had slipped through
    before = _state(plan)
    with pytest.raises(ValidationError) as refused:
        plan_sign(plan=plan, by=leader)
    assert refused.value.messages[0] == SIGN_REFUSED
    assert any(message in line for line in refused.value.messages[1:]), refused.value.messages
    assert _state(plan) == before


def test_a_plan_without_a_date_is_incomplete(seed):
    plan = Plan.objects.with_document().get(pk=make_plan(lines=1, units_per_line=1).pk)
    plan.issued_on = None  # the database never stores one without a date; the rule is still the rule
    assert [(m.rule, m.message, m.section) for m in missing(plan)] == [
        ("no_date", "Kế hoạch chưa có ngày ban hành.", "dau-van-ban")
    ]


def test_every_missing_item_is_listed_in_one_refusal(seed, staff_user):
    plan = make_plan(lines=2, units_per_line=1, signer_name="", recipients="", activities="")
    with pytest.raises(ValidationError) as refused:
        plan_submit(plan=plan, by=staff_user)
    assert refused.value.messages == [
        SUBMIT_REFUSED,
        "Nội dung 9.1 chưa có nội dung hoạt động.",
        "Nội dung 9.2 chưa có nội dung hoạt động.",
        "Chưa có họ tên người ký.",
        "Chưa có nơi nhận.",
    ]


def test_a_complete_plan_is_submitted_and_signed(seed, staff_user, leader):
    plan = make_plan(lines=2, units_per_line=2)
    assert problems(Plan.objects.with_document().get(pk=plan.pk)) == []
    plan_submit(plan=plan, by=staff_user)
    plan_sign(plan=plan, by=leader)
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.SIGNED


def test_the_seed_plan_is_complete(seed):
    checklist = plan_checklist(Plan.objects.with_document().get(pk=seed.pk))
    assert [entry.rule for entry in checklist if not entry.done] == []


def test_the_draft_page_shows_the_checklist_with_links_and_says_why_submitting_is_disabled(client, seed, staff_user):
    plan = make_plan(lines=2, units_per_line=1, signer_name="", objective="")
    client.force_login(staff_user)
    html = client.get(plan.get_absolute_url()).content.decode()
    text = visible_text(html)
    assert "Danh sách kiểm tra trước khi trình ký" in text
    assert "Còn 3 mục thiếu hoặc chưa đạt" in text
    assert "✓ Đã có: Có ít nhất một nội dung" in text and "✓ Đã có: Nơi nhận" in text
    assert "✗ Còn thiếu: Mỗi nội dung có mục tiêu Nội dung 9.1 chưa có mục tiêu. Nội dung 9.2 chưa có mục tiêu." in text
    assert "✗ Còn thiếu: Họ tên người ký Chưa có họ tên người ký." in text
    assert '<a href="#dong-9.1">Nội dung 9.1 chưa có mục tiêu.</a>' in html
    assert '<a href="#chu-ky">Chưa có họ tên người ký.</a>' in html
    assert 'id="dong-9.1"' in html and 'id="chu-ky"' in html
    assert 'disabled aria-describedby="submit-blocked"' in html
    assert "Chưa trình ký được: còn 3 mục trong danh sách kiểm tra bên dưới thiếu hoặc chưa đạt." in text


def test_the_server_refuses_even_when_the_button_is_bypassed(client, seed, staff_user):
    plan = make_plan(lines=1, units_per_line=1, recipients="")
    client.force_login(staff_user)
    response = client.post(reverse("plans:plan_submit", args=[plan.pk]), follow=True)
    text = visible_text(response.content)
    assert SUBMIT_REFUSED in text and "Chưa có nơi nhận." in text
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.DRAFT


def test_a_complete_draft_page_says_it_can_be_submitted(client, seed, staff_user):
    client.force_login(staff_user)
    html = client.get(seed.get_absolute_url()).content.decode()
    assert "Đã đủ mọi mục: có thể trình ký kế hoạch." in visible_text(html)
    assert "submit-blocked" not in html


def test_leadership_sees_why_a_submitted_plan_cannot_be_signed(client, seed, leader):
    plan = make_plan(lines=1, units_per_line=1, signer_title="")
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)
    client.force_login(leader)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert SIGN_REFUSED in visible_text(html) and "Chưa có chức vụ người ký." in visible_text(html)
    assert 'disabled aria-describedby="sign-blocked"' in html


def test_the_checklist_names_the_lines_without_amount_and_links_to_the_allocation_editor(client, seed, staff_user):
    plan = make_plan(lines=3, units_per_line=1)
    second = plan.items.order_by("position")[1]
    LineFunding.objects.filter(item=second).update(amount=0)
    Allocation.objects.filter(item=second).update(amount=0)
    client.force_login(staff_user)
    html = client.get(plan.get_absolute_url()).content.decode()
    editor = reverse("budgets:allocation_edit", args=[plan.pk])
    assert f'<a href="{editor}">Nội dung 9.2 chưa có kinh phí.</a>' in html
    assert "✗ Còn thiếu: Mỗi nội dung có kinh phí lớn hơn 0 đồng" in visible_text(html)
    assert 'disabled aria-describedby="submit-blocked"' in html
