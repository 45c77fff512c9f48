"""Every section of a draft edited in the browser by LĐ-TBXH staff: saved with who and how in the history, a stale
save refused with what changed (nothing lost from the form), bad input refused in Vietnamese next to the field, other
roles and plans that are no longer drafts refused, and each page at a constant number of queries.

Forms are posted as the browser posts them: read out of the page (tests.adminforms.form_data), then typed over."""

import datetime
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.history import REASON_PLAN_EDITOR, REASON_SEED
from budgets.models import Allocation, FundingSource, LineFunding
from plans import editing
from plans.editing import SECTIONS, StaleSection
from plans.guard import PlanFrozen
from plans.lifecycle import plan_sign, plan_submit
from plans.models import DocumentReference, Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target
from projects.models import SubProject
from tests.adminforms import form_data
from tests.factories import make_plan, make_user, nstw, only_source
from tests.pagetext import visible_text


def _url(name: str, plan: Plan, *args) -> str:
    return reverse(f"plans:{name}", args=[plan.pk, *args])


def _line(plan: Plan, code: str) -> PlanItem:
    if "." in code:
        return plan.items.get(sub_project__code=code)
    return plan.items.get(project__code=code, sub_project=None)


def _form(client, url: str, form_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_data(response.content, form_id)


def _text(response) -> str:
    return visible_text(response.content)


def _state(plan: Plan) -> tuple:
    """Everything the editors may change, to prove that a refusal changed nothing."""
    fresh = Plan.objects.get(pk=plan.pk)
    return (
        [getattr(fresh, f.attname) for f in Plan._meta.concrete_fields if f.name != "updated_at"],
        list(LegalBasis.objects.filter(plan=plan).values_list("pk", "position", "text", "references")),
        list(Duty.objects.filter(plan=plan).values_list("pk", "position", "assignee", "unit", "tasks")),
        list(PlanItem.objects.filter(plan=plan).values_list("pk", "position", "title", "objective", "activities")),
        list(Target.objects.filter(item__plan=plan).values_list("pk", "description", "quantity")),
        list(ImplementingUnit.objects.filter(item__plan=plan).values_list("item", "unit")),
        list(LineFunding.objects.filter(item__plan=plan).values_list("item", "source", "amount")),
        list(Allocation.objects.filter(item__plan=plan).values_list("item", "unit", "source", "amount")),
        sum(
            model.history.count()
            for model in (Plan, LegalBasis, Duty, PlanItem, Target, ImplementingUnit, LineFunding, Allocation)
        ),
    )


def _last_record(model, **filters):
    return model.history.filter(**filters).order_by("-history_date", "-history_id").first()


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return staff_user


@pytest.fixture
def other_staff(seed):
    return make_user("ldtbxh2", "programme_staff", "city-ldtbxh", first_name="Lò Thị", last_name="Mai")


# --- sections that are fields of the plan ----------------------------------------------------------------------------


def test_the_header_is_saved_with_who_and_the_path_in_the_history(client, seed, staff):
    url = _url("plan_edit_section", seed, "thong-tin-chung")
    data = _form(client, url, "section-form")
    decomposed = unicodedata.normalize("NFD", "UBND thành phố xây dựng Kế hoạch năm 2024 như sau:")
    data |= {
        "number": ["4200/KH-UBND"],
        "issued_on": ["30/12/2023"],
        "place": ["Thành phố Lai Châu"],
        "summary": ["Thực hiện Chương trình giảm nghèo năm 2024"],
        "preamble": [decomposed],
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == seed.get_absolute_url() + "#dau-van-ban"
    plan = Plan.objects.get(pk=seed.pk)
    assert (plan.number, plan.issued_on, plan.summary) == (
        4200,
        datetime.date(2023, 12, 30),
        "Thực hiện Chương trình giảm nghèo năm 2024",
    )
    assert plan.preamble == unicodedata.normalize("NFC", decomposed) != decomposed
    record = _last_record(Plan, id=plan.pk)
    assert (record.history_user, record.history_change_reason) == (staff, REASON_PLAN_EDITOR)
    page = _text(client.get(plan.get_absolute_url()))
    assert "Số: 4200/KH-UBND" in page and "ngày 30 tháng 12 năm 2023" in page
    assert "Đã lưu: Phần đầu văn bản." in page


TEXT_SECTIONS = [slug for slug in SECTIONS if slug != "thong-tin-chung"]


@pytest.mark.parametrize("slug", TEXT_SECTIONS)
def test_each_text_section_is_saved_one_paragraph_per_line(client, seed, staff, slug):
    section = SECTIONS[slug]
    url = _url("plan_edit_section", seed, slug)
    data = _form(client, url, "section-form")
    typed = {}
    for name in section.fields:
        typed[name] = (
            f"Câu thứ nhất của {name}.\r\n\r\n   Câu thứ hai của {name}.  "
            if name
            not in (
                "signer_title",
                "signer_name",
            )
            else f"Giá trị {name}"
        )
        data[name] = [typed[name]]
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    assert response["Location"].endswith("#" + section.anchor)
    plan = Plan.objects.get(pk=seed.pk)
    for name in section.fields:
        stored = getattr(plan, name)
        if name in editing.ONE_PER_LINE_FIELDS:
            assert stored == f"Câu thứ nhất của {name}.\nCâu thứ hai của {name}.", name
        elif name in ("signer_title", "signer_name"):
            assert stored == typed[name]
        else:  # one paragraph: kept as typed, line ends unified
            assert stored.startswith(f"Câu thứ nhất của {name}.") and "\r" not in stored
    record = _last_record(Plan, id=plan.pk)
    assert (record.history_user_id, record.history_change_reason) == (staff.pk, REASON_PLAN_EDITOR)
    page = _text(client.get(plan.get_absolute_url()))
    assert f"Câu thứ hai của {section.fields[0]}." in page or f"Giá trị {section.fields[0]}" in page


def test_a_stale_save_is_refused_showing_what_changed_and_keeping_what_was_typed(client, seed, staff, other_staff):
    url = _url("plan_edit_section", seed, "muc-dich-yeu-cau")
    mine = _form(client, url, "section-form")  # opened first …
    from django.test import Client

    other = Client()
    other.force_login(other_staff)
    theirs = _form(other, url, "section-form")
    theirs["purposes"] = ["Mục đích do chị Mai viết."]
    assert other.post(url, theirs).status_code == 302  # … saved by someone else meanwhile

    mine["purposes"] = ["Mục đích của tôi."]
    before = _state(seed)
    response = client.post(url, mine)
    assert response.status_code == 200
    text = _text(response)
    assert "Người khác đã sửa phần này của kế hoạch sau khi bạn mở trang. Chưa có gì được lưu." in text
    assert "Lò Thị Mai (trang sửa kế hoạch) · Mục đích" in text and "Mục đích do chị Mai viết." in text
    assert _state(seed) == before
    kept = form_data(response.content, "section-form")
    assert kept["purposes"] == ["Mục đích của tôi."]  # nothing lost from the form
    # Saving the kept form again confirms it over the newer text.
    assert client.post(url, kept).status_code == 302
    assert Plan.objects.get(pk=seed.pk).purposes == "Mục đích của tôi."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issued_on": ["31/02/2024"]}, "Nhập một ngày hợp lệ."),
        ({"issued_on": ["2023-12-29x"]}, "Nhập một ngày hợp lệ."),
        ({"number": ["0/KH-UBND"]}, "Số văn bản phải từ 1 đến 999.999."),
        ({"number": ["4159 KH-UBND"]}, "“4159 KH-UBND” không phải là số, ký hiệu văn bản"),
        ({"summary": [""]}, "Trường này là bắt buộc."),
        ({"issued_on": ["01/06/2022"]}, "Kế hoạch năm 2024 ban hành trong năm 2023 hoặc 2024."),
        ({"number": ["77"]}, "UBND thành phố Lai Châu đã có kế hoạch số 77 của năm 2024."),  # the symbol kept
        ({"based_on": ["2020-01-01T00:00:00+00:00|x"]}, "Trang đã cũ"),
    ],
)
def test_bad_header_input_is_refused_next_to_the_field_and_changes_nothing(client, seed, staff, changes, message):
    taken = Plan.objects.get(pk=seed.pk)
    taken.pk, taken.number = None, 77
    taken.save()  # another 2024 plan of the city, numbered 77
    url = _url("plan_edit_section", seed, "thong-tin-chung")
    data = _form(client, url, "section-form") | changes
    before = _state(seed)
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in _text(response)
    assert _state(seed) == before


# --- who may, and when ----------------------------------------------------------------------------------------------


def _editor_urls(plan: Plan) -> list[str]:
    item = plan.items.first()
    return [
        *(_url("plan_edit_section", plan, slug) for slug in SECTIONS),
        _url("plan_edit_legal_bases", plan),
        _url("plan_edit_duties", plan),
        _url("plan_edit_lines", plan),
        _url("plan_line_add", plan),
        _url("plan_line_edit", plan, item.pk),
        _url("plan_line_remove", plan, item.pk),
    ]


@pytest.mark.parametrize(("persona", "status"), [("leader", 403), ("finance_officer", 403), ("sung_phai_officer", 404)])
def test_other_roles_are_refused_every_editor(client, seed, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    before = _state(seed)
    for url in _editor_urls(seed):
        assert client.get(url).status_code == status, url
        assert client.post(url, {"purposes": "x", "move": "up:1"}).status_code == status, url
    assert _state(seed) == before
    page = client.get(seed.get_absolute_url()).content.decode() if persona != "sung_phai_officer" else ""
    assert "/sua/" not in page  # no "Sửa" link either


@pytest.mark.parametrize("state", ["submitted", "signed"])
def test_every_editor_of_a_plan_that_is_no_longer_a_draft_sends_back_to_its_page(client, seed, staff, leader, state):
    plan_submit(plan=seed, by=staff)
    if state == "signed":
        plan_sign(plan=seed, by=leader)
    before = _state(seed)
    for url in _editor_urls(seed):
        for response in (client.get(url), client.post(url, {"purposes": "x", "move": "up:1"})):
            assert response.status_code == 302 and response["Location"] == seed.get_absolute_url(), url
    assert _state(seed) == before
    page = client.get(seed.get_absolute_url())
    assert "Kế hoạch này không còn là dự thảo: không sửa được nội dung nữa." in _text(page)
    assert "/sua/" not in page.content.decode()


def test_a_plan_submitted_while_the_editor_was_open_is_not_changed(seed, staff_user):
    """The race the page cannot see: the service refuses under the plan's lock."""
    section = SECTIONS["muc-dich-yeu-cau"]
    mark = editing.based_on(editing.plan_fields_state(seed, section))
    plan_submit(plan=seed, by=staff_user)
    with pytest.raises(PlanFrozen):
        editing.save_plan_section(plan=seed, section=section, values={"purposes": "x"}, by=staff_user, based_on=mark)
    assert Plan.objects.get(pk=seed.pk).purposes == seed.purposes


def test_staff_see_an_edit_link_at_each_section_of_a_draft_only(client, seed, staff, leader):
    html = client.get(seed.get_absolute_url()).content.decode()
    for url in _editor_urls(seed)[:-2] + [_url("plan_line_edit", seed, _line(seed, "3.2").pk)]:
        if url.endswith("/them/"):  # adding a line starts from the lines page
            continue
        assert url in html, url
    assert html.count("Sửa<span") >= 12  # header, bases, five text parts, lines, seven lines, duties, signature
    client.force_login(leader)
    assert "/sua/" not in client.get(seed.get_absolute_url()).content.decode()


# --- legal bases ---------------------------------------------------------------------------------------------------


def test_legal_bases_are_edited_removed_added_with_a_new_document_and_reordered(client, seed, staff):
    url = _url("plan_edit_legal_bases", seed)
    data = _form(client, url, "legal-bases-form")
    assert data["can-cu-TOTAL_FORMS"] == ["3"] and data["can-cu-INITIAL_FORMS"] == ["2"]
    first, second = seed.legal_bases.all()
    decision = DocumentReference.objects.get(number="90/QĐ-TTg")
    data |= {
        "can-cu-0-text": ["Căn cứ Công văn số 5114/UBND-TH ngày 28/12/2023 của UBND tỉnh Lai Châu;"],
        "can-cu-0-ORDER": ["2"],
        "can-cu-1-DELETE": ["on"],
        "can-cu-2-text": ["Căn cứ Quyết định số 90/QĐ-TTg và Công văn số 77/UBND-TH ngày 05/01/2025;"],
        "can-cu-2-ORDER": ["1"],
        "can-cu-2-references": [str(decision.pk)],
        "can-cu-2-new_kind": ["Công văn"],
        "can-cu-2-new_number": ["77/UBND-TH"],
        "can-cu-2-new_issued_on": ["05/01/2025"],
        "can-cu-2-new_issuer": ["UBND tỉnh Lai Châu"],
    }
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    bases = list(seed.legal_bases.prefetch_related("references"))
    assert [(b.position, b.text) for b in bases] == [
        (1, "Căn cứ Quyết định số 90/QĐ-TTg và Công văn số 77/UBND-TH ngày 05/01/2025;"),
        (2, "Căn cứ Công văn số 5114/UBND-TH ngày 28/12/2023 của UBND tỉnh Lai Châu;"),
    ]
    assert bases[1].pk == first.pk and not LegalBasis.objects.filter(pk=second.pk).exists()
    new_document = DocumentReference.objects.get(number="77/UBND-TH")
    assert new_document.issued_on == datetime.date(2025, 1, 5) and new_document.kind == "Công văn"
    assert {r.pk for r in bases[0].references.all()} == {decision.pk, new_document.pk}
    for model, pk in [
        (LegalBasis, bases[0].pk),
        (LegalBasis, first.pk),
        (LegalBasis, second.pk),
        (DocumentReference, new_document.pk),
    ]:
        record = _last_record(model, id=pk)
        assert (record.history_user, record.history_change_reason) == (staff, REASON_PLAN_EDITOR), model
    assert "Căn cứ Quyết định số 90/QĐ-TTg và Công văn số 77/UBND-TH" in _text(client.get(seed.get_absolute_url()))


def test_a_new_document_needs_its_number_date_and_issuer_and_nothing_is_saved_without(client, seed, staff):
    url = _url("plan_edit_legal_bases", seed)
    data = _form(client, url, "legal-bases-form") | {
        "can-cu-0-new_number": ["78/UBND-TH"],
        "can-cu-0-new_issued_on": ["32/01/2025"],
        "can-cu-1-text": [""],
    }
    before = _state(seed)
    response = client.post(url, data)
    text = _text(response)
    assert response.status_code == 200
    assert "Cần cho văn bản mới: hãy điền loại, số, ngày và cơ quan ban hành." in text
    assert "Nhập một ngày hợp lệ." in text and "Trường này là bắt buộc." in text
    assert _state(seed) == before and not DocumentReference.objects.filter(number="78/UBND-TH").exists()


def test_add_an_empty_row_saves_nothing_and_keeps_what_was_typed(client, seed, staff):
    url = _url("plan_edit_legal_bases", seed)
    data = _form(client, url, "legal-bases-form") | {"can-cu-0-text": ["Đang gõ dở"], "add_row": ["1"]}
    before = _state(seed)
    response = client.post(url, data)
    assert response.status_code == 200 and _state(seed) == before
    shown = form_data(response.content, "legal-bases-form")
    assert shown["can-cu-TOTAL_FORMS"] == ["4"] and shown["can-cu-0-text"] == ["Đang gõ dở"]


# --- duties --------------------------------------------------------------------------------------------------------


def test_duties_are_edited_added_removed_and_reordered(client, seed, staff):
    url = _url("plan_edit_duties", seed)
    data = _form(client, url, "duties-form")
    health = OrgUnit.objects.get(code="city-ttyt")
    first, second, third = seed.duties.all()
    data |= {
        "nhiem-vu-0-tasks": ["Chủ trì xây dựng kế hoạch.\n\nTổng hợp báo cáo."],
        "nhiem-vu-0-ORDER": ["2"],
        "nhiem-vu-1-DELETE": ["on"],
        "nhiem-vu-2-ORDER": ["1"],
        "nhiem-vu-3-assignee": ["Trung tâm Y tế thành phố"],
        "nhiem-vu-3-unit": [str(health.pk)],
        "nhiem-vu-3-tasks": ["Thực hiện Tiểu dự án 2 - Dự án 3."],
        "nhiem-vu-3-ORDER": ["3"],
    }
    assert client.post(url, data).status_code == 302
    duties = list(seed.duties.all())
    assert [(d.assignee, d.unit_id, d.tasks) for d in duties] == [
        (third.assignee, None, third.tasks),
        (first.assignee, first.unit_id, "Chủ trì xây dựng kế hoạch.\nTổng hợp báo cáo."),
        ("Trung tâm Y tế thành phố", health.pk, "Thực hiện Tiểu dự án 2 - Dự án 3."),
    ]
    assert [d.position for d in duties] == [1, 2, 3] and not Duty.objects.filter(pk=second.pk).exists()
    assert _last_record(Duty, id=second.pk).history_type == "-"
    edits = Duty.history.filter(plan_id=seed.pk).exclude(history_change_reason=REASON_SEED)
    assert sorted(edits.values_list("history_type", flat=True)) == ["+", "-", "~", "~"]
    assert set(edits.values_list("history_user", "history_change_reason")) == {(staff.pk, REASON_PLAN_EDITOR)}


def test_a_duty_names_only_a_unit_of_the_plans_year(seed, staff_user):
    later = OrgUnit.objects.get(code="ward-tan-phong-2025")  # from 01/7/2025: not a unit of 2024
    mark = editing.based_on(editing.duties_state(list(seed.duties.all())))
    rows = [editing.DutyRow(pk=None, assignee="UBND phường Tân Phong", unit_id=later.pk, tasks="Thực hiện.")]
    with pytest.raises(Exception) as refused:
        editing.save_duties(plan=seed, rows=rows, by=staff_user, based_on=mark)
    assert "không phải đơn vị của năm 2024" in str(refused.value)
    assert seed.duties.count() == 3


# --- lines ---------------------------------------------------------------------------------------------------------


def test_a_line_is_added_from_the_catalogue_in_catalogue_order(client, seed, staff):
    url = _url("plan_line_add", seed)
    page = client.get(url)
    choices = form_data(page.content, "line-add-form")
    options = visible_text(page.content)
    assert "3.1 – Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp" in options
    assert "3.2 – Cải thiện dinh dưỡng" not in options  # already in the plan
    sub = SubProject.objects.get(project__programme=seed.programme, code="3.1")
    data = choices | {"line": ["3.1"], "title": [""]}
    response = client.post(url, data)
    item = _line(seed, "3.1")
    assert response.status_code == 302 and response["Location"] == _url("plan_line_edit", seed, item.pk)
    assert (item.sub_project, item.amount, item.title, item.name) == (sub, 0, "", sub.name)
    assert [i.code for i in seed.items.all()] == ["2", "3.1", "3.2", "4.1", "4.3", "6.2", "7.1", "7.2"]
    for model, filters in [(PlanItem, {"id": item.pk}), (LineFunding, {"item_id": item.pk})]:
        record = _last_record(model, **filters)
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "+",
            staff,
            REASON_PLAN_EDITOR,
        ), model
    # It draws 0 đồng on the source offered first: the one the plan's lines already use.
    assert [(f.source, f.amount) for f in item.fundings.all()] == [(nstw(), 0)]
    # The same line twice: refused.
    again = client.post(url, data)
    assert again.status_code == 200 and seed.items.count() == 8


def test_a_line_is_edited_text_target_groups_targets_and_units(client, seed, staff):
    line = _line(seed, "3.2")
    url = _url("plan_line_edit", seed, line.pk)
    data = _form(client, url, "line-form")
    assert data["title"] == [line.catalogue_name]  # the catalogue's name by default
    assert data["chi-tieu-TOTAL_FORMS"] == ["3"]
    ward = OrgUnit.objects.get(code="ward-tan-phong")
    from beneficiaries.models import TargetGroup

    children = TargetGroup.objects.get(name="Trẻ em dưới 16 tuổi")
    first, second = line.targets.all()
    data |= {
        "title": ["Cải thiện dinh dưỡng cho trẻ em"],
        "objective": ["Giảm tỷ lệ suy dinh dưỡng thấp còi ở trẻ em năm 2024."],
        "target_groups": [str(children.pk)],
        "units": [*data["units"], str(ward.pk)],
        "chi-tieu-0-quantity": ["25"],
        "chi-tieu-1-DELETE": ["on"],
        "chi-tieu-2-description": ["Bà mẹ mang thai được tư vấn dinh dưỡng"],
        "chi-tieu-2-quantity": ["40"],
        "chi-tieu-2-measure": ["người"],
        "chi-tieu-2-rounds": ["1"],
    }
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    assert response["Location"] == seed.get_absolute_url() + "#dong-3.2"
    line = PlanItem.objects.get(pk=line.pk)
    assert (line.title, line.objective) == (
        "Cải thiện dinh dưỡng cho trẻ em",
        "Giảm tỷ lệ suy dinh dưỡng thấp còi ở trẻ em năm 2024.",
    )
    assert list(line.target_groups.all()) == [children]
    assert [(t.description[:20], t.quantity, t.measure, t.position) for t in line.targets.all()] == [
        (first.description[:20], 25, "trẻ", 1),
        ("Bà mẹ mang thai được", 40, "người", 2),
    ]
    assert not Target.objects.filter(pk=second.pk).exists()
    assert [iu.unit.code for iu in line.implementing_units.select_related("unit")] == [
        "city-vp-hdnd-ubnd",
        "city-ttyt",
        "ward-tan-phong",
    ]
    for model, filters in [
        (PlanItem, {"id": line.pk}),
        (Target, {"id": second.pk}),
        (ImplementingUnit, {"item_id": line.pk}),
    ]:
        record = _last_record(model, **filters)
        assert (record.history_user, record.history_change_reason) == (staff, REASON_PLAN_EDITOR), model
    page = _text(client.get(seed.get_absolute_url()))
    assert "Giảm tỷ lệ suy dinh dưỡng thấp còi ở trẻ em năm 2024." in page
    assert "Tiểu dự án 2: Cải thiện dinh dưỡng cho trẻ em" in page  # the line's own title in this plan


def test_taking_a_unit_off_a_line_takes_its_allocation_with_it(client, seed, staff):
    line = _line(seed, "2")
    url = _url("plan_line_edit", seed, line.pk)
    page = client.get(url)
    assert "UBND xã Sùng Phài (530 triệu đồng)" in _text(page)
    data = form_data(page.content, "line-form") | {"units": [str(OrgUnit.objects.get(code="ward-tan-phong").pk)]}
    assert client.post(url, data).status_code == 302
    assert not Allocation.objects.filter(item=line).exists()
    assert [iu.unit.code for iu in line.implementing_units.select_related("unit")] == ["ward-tan-phong"]
    record = _last_record(Allocation, item_id=line.pk)
    assert (record.history_type, record.history_user, record.history_change_reason) == ("-", staff, REASON_PLAN_EDITOR)
    from budgets.history import plan_budget_history

    change = next(c for c in plan_budget_history(seed) if c.kind == "allocation")
    assert (change.old, change.new, change.reason_label) == (530_000_000, None, "trang sửa kế hoạch")


def test_bad_line_input_is_refused_next_to_the_field_and_changes_nothing(client, seed, staff):
    line = _line(seed, "3.2")
    url = _url("plan_line_edit", seed, line.pk)
    later = OrgUnit.objects.get(code="ward-tan-phong-2025")
    data = _form(client, url, "line-form") | {
        "chi-tieu-0-quantity": ["0"],
        "chi-tieu-1-rounds": ["hai"],
        "activities_label": [""],
        "units": [str(later.pk)],
    }
    before = _state(seed)
    response = client.post(url, data)
    text = _text(response)
    assert response.status_code == 200
    assert "Ít nhất là 1." in text and "Nhập một số nguyên, ví dụ 512." in text
    assert "Trường này là bắt buộc." in text and "Hãy chọn một lựa chọn hợp lệ." in text
    assert _state(seed) == before
    # The service itself refuses a unit of another year, whatever the form offered.
    mark = editing.based_on(editing.line_state(editing._line_for_edit(seed, line.pk)))
    with pytest.raises(Exception) as refused:
        editing.save_line(
            plan=seed,
            item_id=line.pk,
            values={},
            target_groups=[],
            units=[later.pk],
            targets=[],
            by=None,
            based_on=mark,
        )
    assert "không phải đơn vị của năm 2024" in str(refused.value)
    assert _state(seed) == before


def test_a_stale_line_save_is_refused_with_what_changed(client, seed, staff, other_staff):
    line = _line(seed, "4.1")
    url = _url("plan_line_edit", seed, line.pk)
    mine = _form(client, url, "line-form")
    fresh = editing._line_for_edit(seed, line.pk)
    editing.save_line(
        plan=seed,
        item_id=line.pk,
        values={"objective": "Mục tiêu do chị Mai sửa."},
        target_groups=[g.pk for g in fresh.target_groups.all()],
        units=[iu.unit_id for iu in fresh.implementing_units.all()],
        targets=[],
        by=other_staff,
        based_on=editing.based_on(editing.line_state(fresh)),
    )
    mine["objective"] = ["Mục tiêu của tôi."]
    before = _state(seed)
    response = client.post(url, mine)
    text = _text(response)
    assert "Chưa có gì được lưu." in text and "Lò Thị Mai" in text and "4.1 – Mục tiêu" in text
    assert "Mục tiêu do chị Mai sửa." in text
    assert _state(seed) == before
    assert form_data(response.content, "line-form")["objective"] == ["Mục tiêu của tôi."]


def test_a_line_is_removed_after_a_confirmation_page_with_its_money(client, seed, staff):
    line = _line(seed, "2")
    url = _url("plan_line_remove", seed, line.pk)
    page = client.get(url)
    text = _text(page)
    assert "Bỏ nội dung 2?" in text and "kinh phí 530.000.000 đồng" in text
    assert "1 khoản phân bổ, tổng cộng 530.000.000 đồng" in text
    assert "Ngân sách Trung ương" not in text  # one source in the plan: no breakdown, as before
    assert PlanItem.objects.filter(pk=line.pk).exists()  # nothing removed by looking
    response = client.post(url, form_data(page.content, "line-remove-form"))
    assert response.status_code == 302 and response["Location"] == _url("plan_edit_lines", seed)
    assert not PlanItem.objects.filter(pk=line.pk).exists()
    assert not Allocation.objects.filter(item_id=line.pk).exists()
    assert not LineFunding.objects.filter(item_id=line.pk).exists()
    for model, filters in [
        (PlanItem, {"id": line.pk}),
        (LineFunding, {"item_id": line.pk}),
        (Allocation, {"item_id": line.pk}),
        (ImplementingUnit, {"item_id": line.pk}),
    ]:
        record = _last_record(model, **filters)
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "-",
            staff,
            REASON_PLAN_EDITOR,
        ), model
    assert "Dự án 2:" not in _text(client.get(seed.get_absolute_url()))


def test_lines_move_within_their_project_or_with_it(client, seed, staff):
    url = _url("plan_edit_lines", seed)

    def move(direction, code):
        data = _form(client, url, "lines-form") | {"move": [f"{direction}:{_line(seed, code).pk}"]}
        assert client.post(url, data).status_code == 302

    move("down", "4.1")  # within project 4: 4.3 before 4.1
    assert [i.code for i in seed.items.all()] == ["2", "3.2", "4.3", "4.1", "6.2", "7.1", "7.2"]
    move("up", "3.2")  # the only line of project 3: the project moves before project 2
    assert [i.code for i in seed.items.all()] == ["3.2", "2", "4.3", "4.1", "6.2", "7.1", "7.2"]
    move("up", "4.3")  # the first line of project 4: the whole project moves before project 2
    assert [i.code for i in seed.items.all()] == ["3.2", "4.3", "4.1", "2", "6.2", "7.1", "7.2"]
    assert [i.position for i in seed.items.all()] == [1, 2, 3, 4, 5, 6, 7]
    record = _last_record(PlanItem, id=_line(seed, "2").pk)
    assert (record.history_user, record.history_change_reason) == (staff, REASON_PLAN_EDITOR)


def test_a_move_on_an_order_that_changed_is_refused(client, seed, staff, other_staff):
    url = _url("plan_edit_lines", seed)
    mine = _form(client, url, "lines-form") | {"move": [f"up:{_line(seed, '7.2').pk}"]}
    items = list(seed.items.all())
    editing.move_line(
        plan=seed,
        item_id=_line(seed, "3.2").pk,
        up=True,
        by=other_staff,
        based_on=editing.based_on(editing.lines_state(items)),
    )
    order = [i.code for i in seed.items.all()]
    response = client.post(url, mine)
    assert response.status_code == 200
    assert "Chưa có gì được lưu." in _text(response) and "Lò Thị Mai" in _text(response)
    assert [i.code for i in seed.items.all()] == order


def test_stale_marks_from_elsewhere_are_refused(seed, staff_user):
    section = SECTIONS["giai-phap"]
    for mark in ["", "garbage", "2999-01-01T00:00:00+00:00|" + "0" * 40, "2024-01-01T00:00:00|" + "0" * 40]:
        with pytest.raises(Exception) as refused:
            editing.save_plan_section(
                plan=seed, section=section, values={"solutions": "x"}, by=staff_user, based_on=mark
            )
        assert "Trang đã cũ" in str(refused.value)
    with pytest.raises(StaleSection):
        editing.save_plan_section(
            plan=seed,
            section=section,
            values={"solutions": "x"},
            by=staff_user,
            based_on="2024-01-01T00:00:00+00:00|" + "0" * 40,
        )


# --- queries -------------------------------------------------------------------------------------------------------


def _sized_plan(number: int, lines: int, units: int) -> Plan:
    plan = make_plan(lines=lines, units_per_line=units, number=number)
    document = DocumentReference.objects.create(
        kind="Công văn", number=f"{number}/UBND-TH", issued_on=datetime.date(2025, 11, 1), issuer="UBND tỉnh"
    )
    for position in range(1, lines + 1):
        basis = LegalBasis.objects.create(plan=plan, position=position, text=f"Căn cứ {position};")
        basis.references.add(document)
        Duty.objects.create(plan=plan, position=position, assignee=f"Đơn vị {position}", tasks="Thực hiện.")
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    for item in plan.items.all():
        for position in range(units):
            Target.objects.create(item=item, position=position, description="Chỉ tiêu", quantity=5, measure="người")
        LineFunding.objects.create(item=item, source=investment, amount=1_000_000)  # pages break money down by source
    return plan


EDITOR_PAGES = [
    ("plan_edit_section", lambda plan: ["thong-tin-chung"]),
    ("plan_edit_section", lambda plan: ["chu-ky"]),
    ("plan_edit_legal_bases", lambda plan: []),
    ("plan_edit_duties", lambda plan: []),
    ("plan_edit_lines", lambda plan: []),
    ("plan_line_add", lambda plan: []),
    ("plan_line_edit", lambda plan: [plan.items.last().pk]),
    ("plan_line_remove", lambda plan: [plan.items.last().pk]),
]


@pytest.mark.parametrize(("name", "args"), EDITOR_PAGES, ids=[f"{n}-{i}" for i, (n, _a) in enumerate(EDITOR_PAGES)])
def test_each_editor_page_runs_a_constant_number_of_queries(client, seed, staff, name, args, django_assert_num_queries):
    small = _sized_plan(9001, lines=2, units=1)
    large = _sized_plan(9002, lines=25, units=4)
    urls = [_url(name, plan, *args(plan)) for plan in (small, large)]
    for url in urls:
        assert client.get(url).status_code == 200  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small_page:
        assert client.get(urls[0]).status_code == 200
    with django_assert_num_queries(len(small_page)):
        response = client.get(urls[1])
    assert response.status_code == 200
    assert large.document_number in _text(response)


def test_the_start_page_runs_a_constant_number_of_queries(client, seed, staff, leader, django_assert_num_queries):
    url = reverse("plans:plan_start_year")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(9101, 9106):  # more plans, some in force
        plan = make_plan(lines=1, units_per_line=1, number=number)
        plan_submit(plan=plan, by=staff)
        plan_sign(plan=plan, by=leader)
    with django_assert_num_queries(len(one)):
        assert client.get(url).status_code == 200


# --- stale saves on the editors of rows ------------------------------------------------------------------------------


def _someone_else_changes(seed, who, editor: str) -> str:
    """Save a change as another officer would, through the same service; return the text it wrote."""
    if editor == "legal_bases":
        bases = list(seed.legal_bases.prefetch_related("references"))
        rows = [editing.BasisRow(pk=b.pk, text=b.text, references=[r.pk for r in b.references.all()]) for b in bases]
        rows[0].text = "Căn cứ do chị Mai sửa;"
        editing.save_legal_bases(
            plan=seed, rows=rows, by=who, based_on=editing.based_on(editing.legal_bases_state(bases))
        )
        return "Căn cứ do chị Mai sửa;"
    if editor == "duties":
        duties = list(seed.duties.all())
        rows = [editing.DutyRow(pk=d.pk, assignee=d.assignee, unit_id=d.unit_id, tasks=d.tasks) for d in duties]
        rows[1].tasks = "Nhiệm vụ do chị Mai sửa."
        editing.save_duties(plan=seed, rows=rows, by=who, based_on=editing.based_on(editing.duties_state(duties)))
        return "Nhiệm vụ do chị Mai sửa."
    line = editing._line_for_edit(seed, _line(seed, "7.2").pk)
    editing.save_line(
        plan=seed,
        item_id=line.pk,
        values={"outputs": "Kết quả do chị Mai sửa."},
        target_groups=[g.pk for g in line.target_groups.all()],
        units=[iu.unit_id for iu in line.implementing_units.all()],
        targets=[],
        by=who,
        based_on=editing.based_on(editing.line_state(line)),
    )
    return "Kết quả do chị Mai sửa."


@pytest.mark.parametrize(
    ("editor", "form_id", "typed"),
    [
        ("legal_bases", "legal-bases-form", {"can-cu-1-text": ["Căn cứ của tôi;"]}),
        ("duties", "duties-form", {"nhiem-vu-0-assignee": ["Phòng của tôi"]}),
        ("line_remove", "line-remove-form", {}),
    ],
)
def test_a_stale_save_of_rows_is_refused_with_who_changed_what(
    client, seed, staff, other_staff, editor, form_id, typed
):
    url = {
        "legal_bases": _url("plan_edit_legal_bases", seed),
        "duties": _url("plan_edit_duties", seed),
        "line_remove": _url("plan_line_remove", seed, _line(seed, "7.2").pk),
    }[editor]
    mine = _form(client, url, form_id) | typed
    theirs = _someone_else_changes(seed, other_staff, editor)
    before = _state(seed)
    response = client.post(url, mine)
    assert response.status_code == 200
    text = _text(response)
    assert "Người khác đã sửa phần này của kế hoạch sau khi bạn mở trang. Chưa có gì được lưu." in text
    assert "Lò Thị Mai (trang sửa kế hoạch)" in text and theirs in text
    assert _state(seed) == before
    kept = form_data(response.content, form_id)
    for name, value in typed.items():
        assert kept[name] == value  # what was typed is still in the form
    assert client.post(url, kept).status_code == 302  # saving again confirms it


def test_bad_rows_are_refused_next_to_the_field(client, seed, staff):
    before = _state(seed)
    duties = _url("plan_edit_duties", seed)
    response = client.post(duties, _form(client, duties, "duties-form") | {"nhiem-vu-0-assignee": [""]})
    assert "Trường này là bắt buộc." in _text(response)
    response = client.post(duties, _form(client, duties, "duties-form") | {"nhiem-vu-0-ORDER": ["một"]})
    assert "Nhập một số nguyên, ví dụ 512." in _text(response)
    add = _url("plan_line_add", seed)
    response = client.post(add, _form(client, add, "line-add-form") | {"line": ["3.2"]})  # already in the plan
    assert response.status_code == 200 and "Hãy chọn một lựa chọn hợp lệ." in _text(response)
    lines = _url("plan_edit_lines", seed)
    response = client.post(lines, _form(client, lines, "lines-form") | {"move": ["sideways:1"]})
    assert response.status_code == 200 and "Hãy chọn nội dung cần chuyển." in _text(response)
    assert _state(seed) == before


STALE = "Người khác đã sửa phần này của kế hoạch sau khi bạn mở trang. Chưa có gì được lưu."


def _other_adds_and_deletes(seed, who, editor: str, *, add: bool) -> None:
    """Another officer adds a row at the end (add) or deletes the last row, through the same service."""
    if editor == "legal_bases":
        bases = list(seed.legal_bases.prefetch_related("references"))
        rows = [editing.BasisRow(pk=b.pk, text=b.text, references=[r.pk for r in b.references.all()]) for b in bases]
        if add:
            rows.append(editing.BasisRow(pk=None, text="Căn cứ chị Mai thêm;", references=[]))
        else:
            rows[-1].delete = True
        editing.save_legal_bases(
            plan=seed, rows=rows, by=who, based_on=editing.based_on(editing.legal_bases_state(bases))
        )
    elif editor == "duties":
        duties = list(seed.duties.all())
        rows = [editing.DutyRow(pk=d.pk, assignee=d.assignee, unit_id=d.unit_id, tasks=d.tasks) for d in duties]
        if add:
            rows.append(editing.DutyRow(pk=None, assignee="Phòng chị Mai thêm", unit_id=None, tasks="Việc thêm."))
        else:
            rows[-1].delete = True
        editing.save_duties(plan=seed, rows=rows, by=who, based_on=editing.based_on(editing.duties_state(duties)))
    else:
        line = editing._line_for_edit(seed, _line(seed, "4.1").pk)
        targets = [
            editing.TargetRow(pk=t.pk, description=t.description, quantity=t.quantity, measure=t.measure)
            for t in line.targets.all()
        ]
        if add:
            targets.append(editing.TargetRow(pk=None, description="Chỉ tiêu chị Mai thêm", quantity=7, measure="người"))
        else:
            targets[-1].delete = True
        editing.save_line(
            plan=seed,
            item_id=line.pk,
            values={},
            target_groups=[g.pk for g in line.target_groups.all()],
            units=[iu.unit_id for iu in line.implementing_units.all()],
            targets=targets,
            by=who,
            based_on=editing.based_on(editing.line_state(line)),
        )


def _rows(seed, editor: str) -> list[str]:
    if editor == "legal_bases":
        return [b.text for b in seed.legal_bases.all()]
    if editor == "duties":
        return [d.assignee for d in seed.duties.all()]
    return [t.description for t in _line(seed, "4.1").targets.all()]


@pytest.mark.parametrize("add", [True, False], ids=["row-added", "row-deleted"])
@pytest.mark.parametrize(
    ("editor", "form_id", "field"),
    [
        ("legal_bases", "legal-bases-form", "can-cu-0-text"),
        ("duties", "duties-form", "nhiem-vu-0-assignee"),
        ("line", "line-form", "objective"),
    ],
)
def test_rows_added_or_deleted_by_someone_else_give_the_stale_notice_not_a_stuck_form(
    client, seed, staff, other_staff, editor, form_id, field, add
):
    url = {
        "legal_bases": _url("plan_edit_legal_bases", seed),
        "duties": _url("plan_edit_duties", seed),
        "line": _url("plan_line_edit", seed, _line(seed, "4.1").pk),
    }[editor]
    if editor == "line":  # the line needs a target of its own to delete
        line = _line(seed, "4.1")
        Target.objects.create(item=line, position=9, description="Chỉ tiêu cũ", quantity=3, measure="người")
    mine = _form(client, url, form_id) | {field: ["Của tôi"]}  # with its blank new row
    _other_adds_and_deletes(seed, other_staff, editor, add=add)
    theirs = _rows(seed, editor)
    before = _state(seed)
    response = client.post(url, mine)
    text = _text(response)
    assert response.status_code == 200 and STALE in text and "Lò Thị Mai" in text
    assert "Trường này là bắt buộc." not in text and "không thuộc" not in text
    assert _state(seed) == before
    kept = form_data(response.content, form_id)
    assert kept[field] == ["Của tôi"]
    assert client.post(url, kept).status_code == 302  # saving again confirms the officer's version
    after = _rows(seed, editor)
    if editor != "line":
        assert after == ["Của tôi", *theirs[1:]]  # their added row kept, their deleted row stays deleted
    else:
        assert after == theirs and _line(seed, "4.1").objective == "Của tôi"


# --- the date of an amendment --------------------------------------------------------------------------------------


def test_an_amendment_dated_in_the_next_year_has_its_header_saved_under_the_one_date_rule(client, seed, staff, leader):
    from django.core.exceptions import ValidationError

    from plans.forms import AmendmentForm
    from plans.lifecycle import plan_amend

    plan_submit(plan=seed, by=staff)
    plan_sign(plan=seed, by=leader)
    signed = Plan.objects.get(pk=seed.pk)
    # Before the amended plan: refused alike by plan_amend, the amendment form and the header editor (one wording).
    early = signed.issued_on - datetime.timedelta(days=1)
    wording = (
        f"Kế hoạch điều chỉnh phải có ngày ban hành từ ngày {signed.issued_on:%d/%m/%Y} "
        "(ngày của kế hoạch được điều chỉnh) trở đi."
    )
    with pytest.raises(ValidationError) as refused:
        plan_amend(plan=signed, by=staff, number=4301, issued_on=early)
    assert refused.value.message_dict["issued_on"] == [wording]
    form = AmendmentForm({"number": "4301", "issued_on": f"{early:%d/%m/%Y}"}, plan=signed)
    assert not form.is_valid() and form.errors["issued_on"] == [wording]
    amendment = plan_amend(plan=signed, by=staff, number=4300, issued_on=datetime.date(2025, 1, 10))
    assert amendment.year == 2024
    url = _url("plan_edit_section", amendment, "thong-tin-chung")
    data = _form(client, url, "section-form") | {"issued_on": ["01/02/2025"]}
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    assert Plan.objects.get(pk=amendment.pk).issued_on == datetime.date(2025, 2, 1)
    response = client.post(url, _form(client, url, "section-form") | {"issued_on": [f"{early:%d/%m/%Y}"]})
    assert response.status_code == 200 and wording in _text(response)
    assert Plan.objects.get(pk=amendment.pk).issued_on == datetime.date(2025, 2, 1)


# --- adding a line after a reorder -----------------------------------------------------------------------------------


def test_a_line_added_after_a_reorder_joins_its_project_and_the_document_names_the_project_once(client, seed, staff):
    lines = _url("plan_edit_lines", seed)
    data = _form(client, lines, "lines-form") | {"move": [f"down:{_line(seed, '2').pk}"]}
    assert client.post(lines, data).status_code == 302
    assert [i.code for i in seed.items.all()] == ["3.2", "2", "4.1", "4.3", "6.2", "7.1", "7.2"]
    add = _url("plan_line_add", seed)
    for code in ["3.1", "5"]:  # a line of a project in the plan, then of a project new to it
        response = client.post(add, _form(client, add, "line-add-form") | {"line": [code], "title": [""]})
        assert response.status_code == 302, _text(response)
    assert [i.code for i in seed.items.all()] == ["3.1", "3.2", "2", "4.1", "4.3", "5", "6.2", "7.1", "7.2"]
    assert [i.position for i in seed.items.all()] == list(range(1, 10))
    page = _text(client.get(seed.get_absolute_url()))
    assert page.count("Dự án 3:") == 1


def test_a_removal_confirmed_on_a_page_showing_other_money_is_refused(client, seed, staff, other_staff):
    from budgets.services import BudgetEdit, budget_apply

    line = _line(seed, "2")
    url = _url("plan_line_remove", seed, line.pk)
    page = client.get(url)
    assert "kinh phí 530.000.000 đồng" in _text(page)
    allocation = line.allocations.get()
    budget_apply(  # the allocation editor, between the confirmation page and the click
        plan=seed,
        edit=BudgetEdit(
            line_amounts={(line.pk, only_source(line)): 500_000_000},
            allocations={(line.pk, allocation.unit_id, allocation.source_id): 500_000_000},
        ),
        by=other_staff,
        reason="editor",
    )
    before = _state(seed)
    response = client.post(url, form_data(page.content, "line-remove-form"))
    text = _text(response)
    assert response.status_code == 200 and STALE in text and "Lò Thị Mai" in text
    assert "kinh phí 500.000.000 đồng" in text  # the page now shows the money as it is
    assert PlanItem.objects.filter(pk=line.pk).exists() and _state(seed) == before
    assert Allocation.objects.get(pk=allocation.pk).amount == 500_000_000
    again = client.post(url, form_data(response.content, "line-remove-form"))
    assert again.status_code == 302 and not PlanItem.objects.filter(pk=line.pk).exists()


# --- several funding sources (issue 8, design.md §13) ----------------------------------------------------------------

INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"


def _second_source(seed, who, *, line_amount: int, allocated: int) -> PlanItem:
    """Line 2 draws also on NSTW đầu tư, its unit gets `allocated` of it: as the allocation editor's service does."""
    from budgets.models import Ceiling
    from budgets.services import BudgetEdit, budget_apply

    investment = FundingSource.objects.get(code="nstw-dau-tu")
    ceiling = Ceiling.objects.get(issuer_id=seed.issuer_id, year=seed.year)
    Ceiling.objects.get_or_create(
        issuer_id=seed.issuer_id,
        year=seed.year,
        source=investment,
        defaults={"amount": 300_000_000, "notified_by": ceiling.notified_by},
    )
    line = _line(seed, "2")
    unit = line.allocations.get().unit_id
    budget_apply(
        plan=seed,
        edit=BudgetEdit(
            line_amounts={(line.pk, investment.pk): line_amount},
            allocations={(line.pk, unit, investment.pk): allocated},
        ),
        by=who,
        reason="editor",
    )
    return line


def test_the_line_pages_show_the_money_per_source_when_the_plan_draws_on_several(client, seed, staff):
    line = _second_source(seed, staff, line_amount=200_000_000, allocated=50_000_000)
    edit = _text(client.get(_url("plan_line_edit", seed, line.pk)))
    assert "Kinh phí: 730 triệu đồng, sửa ở trang phân bổ." in edit
    assert f"Theo nguồn vốn: {INVESTMENT} 200 triệu đồng; Ngân sách Trung ương - vốn sự nghiệp 530 triệu đồng." in edit
    one_source = _text(client.get(_url("plan_line_edit", seed, _line(seed, "4.1").pk)))
    assert "Theo nguồn vốn: Ngân sách Trung ương - vốn sự nghiệp 685 triệu đồng." in one_source  # which source it is
    remove = _text(client.get(_url("plan_line_remove", seed, line.pk)))
    assert "kinh phí 730.000.000 đồng" in remove
    assert f"{INVESTMENT}: 200.000.000 đồng (1 khoản phân bổ, tổng cộng 50.000.000 đồng)" in remove
    assert (
        "Ngân sách Trung ương - vốn sự nghiệp: 530.000.000 đồng (1 khoản phân bổ, tổng cộng 530.000.000 đồng)" in remove
    )
    assert "2 khoản phân bổ, tổng cộng 580.000.000 đồng" in remove


def test_the_line_pages_of_a_plan_with_one_source_read_as_before(client, seed, staff):
    line = _line(seed, "2")
    edit = _text(client.get(_url("plan_line_edit", seed, line.pk)))
    assert "Kinh phí: 530 triệu đồng, sửa ở trang phân bổ." in edit
    assert "Theo nguồn vốn" not in edit and "Ngân sách Trung ương" not in edit


def test_a_line_removed_with_two_sources_takes_both_and_their_allocations_into_the_history(client, seed, staff):
    line = _second_source(seed, staff, line_amount=200_000_000, allocated=50_000_000)
    url = _url("plan_line_remove", seed, line.pk)
    response = client.post(url, form_data(client.get(url).content, "line-remove-form"))
    assert response.status_code == 302
    assert not LineFunding.objects.filter(item_id=line.pk).exists()
    removed = LineFunding.history.filter(item_id=line.pk, history_type="-")
    assert sorted((r.source.code, r.amount, r.history_user, r.history_change_reason) for r in removed) == [
        ("nstw-dau-tu", 200_000_000, staff, REASON_PLAN_EDITOR),
        ("nstw-su-nghiep", 530_000_000, staff, REASON_PLAN_EDITOR),
    ]


def test_a_removal_confirmed_before_someone_added_a_source_to_the_line_is_refused(client, seed, staff, other_staff):
    """line_state counts the line's fundings: a source added (even at 0 đồng) after the page was shown is news."""
    line = _line(seed, "2")
    url = _url("plan_line_remove", seed, line.pk)
    page = client.get(url)
    _second_source(seed, other_staff, line_amount=0, allocated=None)
    before = _state(seed)
    response = client.post(url, form_data(page.content, "line-remove-form"))
    text = _text(response)
    assert response.status_code == 200 and STALE in text and "Lò Thị Mai" in text
    assert f"2 – số tiền (thêm): {INVESTMENT}: 0 đồng" in text  # what changed, from LineFunding's history
    assert f"{INVESTMENT}: 0 đồng" in text  # the page now shows the line's money per source
    assert PlanItem.objects.filter(pk=line.pk).exists() and _state(seed) == before


def test_a_line_added_from_another_source_draws_on_that_source(client, seed, staff):
    url = _url("plan_line_add", seed)
    local = FundingSource.objects.get(code="nsdp-su-nghiep")
    data = _form(client, url, "line-add-form")
    assert data["source"] == [str(nstw().pk)]  # the plan's lines draw on NSTW sự nghiệp: offered first
    response = client.post(url, data | {"line": ["3.1"], "title": [""], "source": [str(local.pk)]})
    assert response.status_code == 302
    item = _line(seed, "3.1")
    assert [(f.source, f.amount) for f in item.fundings.all()] == [(local, 0)]
    assert only_source(item) == local.pk
