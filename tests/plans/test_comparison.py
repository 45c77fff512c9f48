"""The comparison page shows every difference between an amendment and the plan it amends, and nothing else.

Each case below changes one thing in a draft amendment of the signed 2024 plan; the comparison must name it, old →
new, in its section, and every other section must say "Không thay đổi". A difference the page hid fails its case."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import TargetGroup
from budgets.models import Allocation, LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.comparison import compare_plans, text_changes, word_diff
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target
from projects.models import SubProject
from tests.factories import add_line, make_plan, only_source
from tests.pagetext import visible_text

SECTIONS = [
    "thong-tin-chung",
    "can-cu",
    "muc-dich",
    "pham-vi",
    "noi-dung",
    "kinh-phi",
    "giai-phap",
    "to-chuc-thuc-hien",
    "ket-luan",
    "noi-nhan",
    "chu-ky",
]
VP, TTYT = "Văn phòng HĐND-UBND thành phố", "Trung tâm Y tế thành phố"


@pytest.fixture
def amendment(seed, staff_user, leader):
    """A draft amendment of the signed 2024 plan whose line 3.2 was split 171 / 171 between its two units."""
    line = seed.items.get(sub_project__code="3.2")
    units = {iu.unit.name: iu.unit for iu in line.implementing_units.select_related("unit")}
    source = only_source(line)
    edit = BudgetEdit(
        allocations={(line.pk, units[VP].pk, source): 171_000_000, (line.pk, units[TTYT].pk, source): 171_000_000}
    )
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return plan_amend(plan=seed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))


def _line(plan, code):
    return plan.items.get(sub_project__code=code) if "." in code else plan.items.get(project__code=code)


def _page(client, user, amendment) -> str:
    client.force_login(user)
    return client.get(reverse("plans:plan_compare", args=[amendment.pk])).content.decode()


def _section_text(html: str, key: str) -> str:
    start = html.index(">", html.index(f'data-testid="section-{key}"')) + 1
    return visible_text(html[start : html.index("</section>", start)])


def test_moving_100_million_between_the_two_units_of_3_2_shows_both_units(client, amendment, staff_user):
    line = _line(amendment, "3.2")
    units = {iu.unit.name: iu.unit for iu in line.implementing_units.select_related("unit")}
    source = only_source(line)
    edit = BudgetEdit(
        allocations={(line.pk, units[VP].pk, source): 271_000_000, (line.pk, units[TTYT].pk, source): 71_000_000}
    )
    budget_apply(plan=amendment, edit=edit, by=staff_user, reason="editor")
    text = _section_text(_page(client, staff_user, amendment), "noi-dung")
    assert "3.2 Cải thiện dinh dưỡng nội dung thay đổi" in text
    assert f"Phân bổ cho {VP}: 171 → 271 (+100)" in text
    assert f"Phân bổ cho {TTYT}: 171 → 71 (-100)" in text
    assert "Kinh phí:" not in text  # the line's amount did not change
    assert "7.2" not in text  # unchanged lines are not listed


def _drop_unit(plan):
    line = _line(plan, "3.2")
    unit = OrgUnit.objects.get(name=TTYT)
    Allocation.objects.filter(item=line, unit=unit).delete()
    ImplementingUnit.objects.filter(item=line, unit=unit).delete()


def _add_unit(plan):
    ImplementingUnit.objects.create(item=_line(plan, "7.2"), unit=OrgUnit.objects.get(code="commune-sung-phai"))


def _drop_line(plan):
    _line(plan, "6.2").delete()


def _add_line(plan):
    template = _line(plan, "4.3")
    sub = SubProject.objects.get(code="4.2")
    item = add_line(
        plan,
        amount=5_000_000,
        source=template.sources[0],
        position=99,
        project=sub.project,
        sub_project=sub,
        objective="Hỗ trợ người lao động đi làm việc ở nước ngoài",
        activities="Tư vấn",
    )
    ImplementingUnit.objects.create(item=item, unit=OrgUnit.objects.get(code="city-ldtbxh"))


def _line_amount(plan):
    LineFunding.objects.filter(item=_line(plan, "2")).update(amount=540_000_000)


def _update(**fields):
    return lambda plan: Plan.objects.filter(pk=plan.pk).update(**fields)


def _line_update(code, **fields):
    return lambda plan: PlanItem.objects.filter(pk=_line(plan, code).pk).update(**fields)


def _append(field, text):
    return lambda plan: Plan.objects.filter(pk=plan.pk).update(**{field: getattr(plan, field) + "\n" + text})


def _legal_basis(plan):
    basis = plan.legal_bases.order_by("position").first()
    LegalBasis.objects.filter(pk=basis.pk).update(text=basis.text + " (sửa đổi)")


def _uncite(plan):
    basis = next(b for b in plan.legal_bases.all() if b.references.exists())
    basis.references.clear()


def _target_groups(plan):
    line = _line(plan, "3.2")
    line.target_groups.add(TargetGroup.objects.exclude(plan_items=line).first())


def _target(plan):
    target = Target.objects.filter(item__plan=plan).order_by("pk").first()
    Target.objects.filter(pk=target.pk).update(quantity=target.quantity + 5)


def _duty(plan):
    duty = plan.duties.order_by("position").first()
    Duty.objects.filter(pk=duty.pk).update(tasks=duty.tasks + "\nBáo cáo kết quả hằng quý.")


def _new_duty(plan):
    Duty.objects.create(plan=plan, position=99, assignee="UBND xã San Thàng", tasks="Phối hợp thực hiện.")


# name: (change to the draft amendment, section, what the section must show)
CASES = {
    "unit removed": (_drop_unit, "noi-dung", f"Đơn vị thực hiện: {TTYT} → —"),
    "unit's allocation gone": (_drop_unit, "noi-dung", f"Phân bổ cho {TTYT}: 171 → — (-171)"),
    "unit added": (_add_unit, "noi-dung", "Đơn vị thực hiện: — → UBND xã Sùng Phài"),
    "line removed": (_drop_line, "noi-dung", "6.2 Truyền thông về giảm nghèo đa chiều nội dung bị bỏ Kinh phí: 17 → —"),
    "line added": (_add_line, "noi-dung", "4.2 Hỗ trợ người lao động đi làm việc ở nước ngoài theo hợp đồng"),
    "line added, its amount": (_add_line, "noi-dung", "Kinh phí: — → 5 (+5)"),
    "line amount": (_line_amount, "noi-dung", "Kinh phí: 530 → 540 (+10)"),
    "total": (_line_amount, "kinh-phi", "Tổng kinh phí: 1.728 → 1.738 (+10)"),
    "summary": (_update(summary="Kế hoạch điều chỉnh"), "thong-tin-chung", "Trích yếu [bỏ:]"),
    "place": (_update(place="Lai Châu"), "thong-tin-chung", "Địa danh: Thành phố Lai Châu → Lai Châu"),
    "legal basis": (_legal_basis, "can-cu", "[thêm:] (sửa đổi)"),
    "document cited": (_uncite, "can-cu", "Văn bản được dẫn chiếu: Công văn số"),
    "purposes": (_append("purposes", "Mục đích mới thêm."), "muc-dich", "[thêm:] Mục đích mới thêm."),
    "requirements": (_append("requirements", "Yêu cầu mới."), "muc-dich", "[thêm:] Yêu cầu mới."),
    "scope": (_update(scope="Xã San Thàng."), "pham-vi", "[thêm:] Xã San Thàng."),
    "time frame": (_update(time_frame="Quý III năm 2024"), "pham-vi", "Thời gian thực hiện"),
    "line title": (
        _line_update("3.2", title="Dinh dưỡng trẻ em"),
        "noi-dung",
        "3.2 Dinh dưỡng trẻ em nội dung thay đổi Tên nội dung [bỏ:] Cải thiện dinh [thêm:] Dinh dưỡng [thêm:] trẻ em",
    ),
    "objective": (_line_update("4.1", objective="Mục tiêu mới"), "noi-dung", "[thêm:] Mục tiêu mới"),
    "beneficiaries": (_line_update("4.3", beneficiaries="Người lao động"), "noi-dung", "Đối tượng thụ hưởng"),
    "target groups": (_target_groups, "noi-dung", "Nhóm đối tượng"),
    "activities": (_line_update("2", activities="Hỗ trợ giống cây trồng."), "noi-dung", "[thêm:] cây trồng."),
    "outputs": (_line_update("7.1", outputs="Kết quả mới"), "noi-dung", "[thêm:] Kết quả mới"),
    "targets": (_target, "noi-dung", "Chỉ tiêu"),
    "funding statement": (
        _update(funding_statement="Tổng kinh phí mới:"),
        "kinh-phi",
        "Câu về tổng kinh phí Tổng kinh phí [bỏ:] từ nguồn",
    ),
    "solutions": (_append("solutions", "Giải pháp mới."), "giai-phap", "[thêm:] Giải pháp mới."),
    "duty tasks": (_duty, "to-chuc-thuc-hien", "[thêm:] Báo cáo kết quả hằng quý."),
    "duty added": (_new_duty, "to-chuc-thuc-hien", "Đơn vị được giao: — → UBND xã San Thàng"),
    "closing": (_update(closing="Câu kết mới."), "ket-luan", "Câu kết mới."),
    "recipients": (_append("recipients", "Sở Tài chính;"), "noi-nhan", "[thêm:] Sở Tài chính;"),
    "authority lines": (_update(authority_lines="TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"), "chu-ky", "CHỦ TỊCH"),
    "signer title": (_update(signer_title="CHỦ TỊCH"), "chu-ky", "Chức vụ người ký: PHÓ CHỦ TỊCH → CHỦ TỊCH"),
    "signer name": (_update(signer_name="Nguyễn Văn A"), "chu-ky", "Họ tên người ký: Trần Đình Tiến → Nguyễn Văn A"),
}


MOVE_THE_TOTAL = {"line amount", "line removed", "line added", "line added, its amount"}


@pytest.mark.parametrize("case", CASES)
def test_every_difference_is_shown_in_its_section_and_only_there(client, amendment, staff_user, case):
    change, key, shown = CASES[case]
    change(amendment)
    html = _page(client, staff_user, amendment)
    assert shown in _section_text(html, key)
    for other in SECTIONS:
        text = _section_text(html, other)
        if other == "thong-tin-chung":
            assert "Số và ký hiệu văn bản: 4159/KH-UBND → 1520/KH-UBND" in text
            assert "Ngày ban hành: 29/12/2023 → 20/06/2024" in text
        elif other != key and not (other == "kinh-phi" and case in MOVE_THE_TOTAL or case == "total"):
            assert text.endswith("Không thay đổi."), (other, text)


def test_an_unchanged_amendment_lists_nothing_but_its_number_and_date(amendment):
    original = Plan.objects.with_document().get(pk=amendment.amends_id)
    comparison = compare_plans(original, Plan.objects.with_document().get(pk=amendment.pk))
    assert [s.key for s in comparison.changed_sections] == ["thong-tin-chung"]
    assert [(c.old, c.new) for c in comparison.section("thong-tin-chung").changes] == [
        ("4159/KH-UBND", "1520/KH-UBND"),
        ("29/12/2023", "20/06/2024"),
    ]


def test_a_changed_paragraph_is_shown_word_by_word_and_user_text_is_escaped(client, amendment, staff_user):
    purposes = amendment.purposes.split("\n")
    index = next(i for i, paragraph in enumerate(purposes) if "năm 2023" in paragraph)
    purposes[index] = purposes[index].replace("năm 2023", "năm 2024") + " <script>alert(1)</script>"
    Plan.objects.filter(pk=amendment.pk).update(purposes="\n".join(purposes))
    html = _page(client, staff_user, amendment)
    text = _section_text(html, "muc-dich")
    assert f"Mục đích (đoạn {index + 1})" in text and "[bỏ:] 2023" in text and "[thêm:] 2024" in text
    assert text.count("Mục đích (đoạn") == 1  # the other paragraphs are unchanged, so not listed
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<del><span class="visually-hidden">[bỏ:] </span>2023' in html


def test_the_comparison_page_runs_a_constant_number_of_queries(
    client, seed, staff_user, leader, django_assert_num_queries
):
    client.force_login(staff_user)
    amendments = []
    for number, lines in ((9100, 2), (9200, 25)):
        plan = make_plan(lines=lines, units_per_line=3, number=number)
        plan_submit(plan=plan, by=staff_user)
        plan_sign(plan=plan, by=leader)
        amendment = plan_amend(plan=plan, by=staff_user, number=number + 1, issued_on=plan.issued_on)
        PlanItem.objects.filter(plan=amendment).update(objective="Mục tiêu điều chỉnh")
        Allocation.objects.filter(item__plan=amendment).update(amount=5_000_000)
        amendments.append(amendment)
    small, large = (reverse("plans:plan_compare", args=[a.pk]) for a in amendments)
    client.get(small)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as counted:
        client.get(small)
    with django_assert_num_queries(len(counted.captured_queries)):
        text = visible_text(client.get(large).content)
    assert text.count("[thêm:] điều chỉnh") == 25 and "9.25" in text


def test_a_50000_word_paragraph_is_compared_whole_not_word_by_word():
    """difflib is quadratic (40,000 words took about a minute): beyond DIFF_LIMIT words the differing middle is shown
    whole, removed then inserted, so that any reader of a signed amendment cannot stall the server."""
    old = " ".join(f"cũ{n} và" for n in range(25_000))  # 50,000 words, every other one shared with new
    new = " ".join(f"và mới{n}" for n in range(25_000))
    assert word_diff(old, new) == [("removed", old), ("added", new)]
    changes = text_changes("Mục tiêu", f"Mở đầu {old} kết thúc", f"Mở đầu {new} kết thúc")
    assert [(c.old, c.new) for c in changes] == [(f"Mở đầu {old} kết thúc", f"Mở đầu {new} kết thúc")]
    assert changes[0].pieces == [("same", "Mở đầu"), ("removed", old), ("added", new), ("same", "kết thúc")]


def test_one_word_changed_in_a_50000_word_paragraph_is_still_shown_word_by_word():
    words = [f"từ{n}" for n in range(50_000)]
    changed = words[:25_000] + ["sửa"] + words[25_001:]
    assert word_diff(" ".join(words), " ".join(changed)) == [
        ("same", " ".join(words[:25_000])),
        ("removed", "từ25000"),
        ("added", "sửa"),
        ("same", " ".join(words[25_001:])),
    ]


def test_50000_changed_paragraphs_are_paired_by_position_and_unchanged_ones_left_out():
    old = [f"Đoạn cũ {n}" for n in range(50_000)]
    new = list(old)
    new[0], new[30_000] = "Đoạn đầu mới", "Đoạn giữa mới"
    new += [f"Thêm {n}" for n in range(3_000)]
    old[1:3_000] = [f"Bỏ {n}" for n in range(1, 3_000)]
    changes = text_changes("Giải pháp", "\n".join(old), "\n".join(new))
    assert changes[0].old == "Đoạn cũ 0" and changes[0].new == "Đoạn đầu mới"
    assert ("Đoạn cũ 30000", "Đoạn giữa mới") in [(c.old, c.new) for c in changes]
    assert changes[-1].old == "" and changes[-1].new == "Thêm 2999"
    assert len(changes) == 1 + 2_999 + 1 + 3_000
