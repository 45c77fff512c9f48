"""A new plan year: the 2025 draft starts as a copy of the 2024 plan in force (or empty), decided again where a year
decides again, and every row it creates is in the history with who and "copied from plan 4159/KH-UBND"."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.history import REASON_YEAR_COPY, REASON_YEAR_START
from budgets.models import Allocation
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Duty, ImplementingUnit, LegalBasis, OrgUnit, Plan, PlanItem, Target
from plans.year import COPIED_LINE_FIELDS, COPIED_PLAN_FIELDS, PlanYearTaken, start_plan_year
from projects.models import Programme
from tests.pagetext import visible_text

DATE = datetime.date(2024, 12, 20)


@pytest.fixture
def signed_seed(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return Plan.objects.get(pk=seed.pk)


def _start(source, by, **changes):
    values = {
        "year": 2025,
        "number": 512,
        "symbol": "KH-UBND",
        "issued_on": DATE,
        "place": "Thành phố Lai Châu",
        "source": source,
        "by": by,
    }
    return start_plan_year(**{**values, **changes})


def _post(**changes) -> dict:
    return {
        "year": "2025",
        "number": "512/KH-UBND",
        "issued_on": "20/12/2024",
        "place": "Thành phố Lai Châu",
        **changes,
    }


def _lines(plan: Plan) -> dict[str, PlanItem]:
    items = plan.items.select_related("project", "sub_project").prefetch_related(
        "target_groups", "targets", "implementing_units"
    )
    return {item.code: item for item in items}


def test_the_copy_brings_every_part_of_the_document_field_by_field(signed_seed, staff_user):
    source = signed_seed
    plan = _start(source, staff_user).plan

    assert (plan.number, plan.symbol, plan.issued_on, plan.year) == (512, "KH-UBND", DATE, 2025)
    assert (plan.status, plan.amends_id) == (Plan.Status.DRAFT, None)
    for name in COPIED_PLAN_FIELDS:
        assert getattr(plan, name) == getattr(source, name), name
    assert plan.signer_name == "Trần Đình Tiến" and plan.purposes  # not empty copies of empty fields

    def bases(p):
        return [(b.position, b.text, sorted(r.pk for r in b.references.all())) for b in p.legal_bases.all()]

    assert bases(plan) == bases(source) and len(bases(plan)) == 2
    assert all(refs for _position, _text, refs in bases(plan))

    old, new = _lines(source), _lines(plan)
    assert list(new) == list(old) == ["2", "3.2", "4.1", "4.3", "6.2", "7.1", "7.2"]
    for code, item in new.items():
        for name in COPIED_LINE_FIELDS:
            assert getattr(item, name) == getattr(old[code], name), (code, name)
        assert item.amount == 0, code
        # Each line keeps the sources it drew on, at 0 đồng: the amounts are decided again.
        assert (
            [(f.source_id, f.amount) for f in item.fundings.all()]
            == [(f.source_id, 0) for f in old[code].fundings.all()]
            != []
        ), code
        assert {g.pk for g in item.target_groups.all()} == {g.pk for g in old[code].target_groups.all()}
        assert [(t.position, t.description, t.quantity, t.measure, t.rounds) for t in item.targets.all()] == [
            (t.position, t.description, t.quantity, t.measure, t.rounds) for t in old[code].targets.all()
        ]
        assert [(u.unit_id, u.position) for u in item.implementing_units.all()] == [
            (u.unit_id, u.position) for u in old[code].implementing_units.all()
        ]
    assert new["3.2"].targets.count() == 2 and new["3.2"].implementing_units.count() == 2
    assert any(item.target_groups.exists() for item in new.values())

    def duties(p):
        return [(d.position, d.assignee, d.unit_id, d.tasks) for d in p.duties.all()]

    assert duties(plan) == duties(source) and len(duties(plan)) == 3

    assert not Allocation.objects.filter(item__plan=plan).exists()
    assert Allocation.objects.filter(item__plan=source).count() == 6  # the source keeps its money
    assert Plan.objects.get(pk=source.pk).status == Plan.Status.SIGNED


def test_every_row_the_copy_creates_is_in_the_history_with_who_and_from_which_plan(signed_seed, staff_user):
    plan = _start(signed_seed, staff_user).plan
    reason = f"{REASON_YEAR_COPY} 4159/KH-UBND (2024)"
    rows = {
        Plan: [plan.pk],
        LegalBasis: list(plan.legal_bases.values_list("pk", flat=True)),
        PlanItem: list(plan.items.values_list("pk", flat=True)),
        Target: list(Target.objects.filter(item__plan=plan).values_list("pk", flat=True)),
        ImplementingUnit: list(ImplementingUnit.objects.filter(item__plan=plan).values_list("pk", flat=True)),
        Duty: list(plan.duties.values_list("pk", flat=True)),
    }
    for model, pks in rows.items():
        created = model.history.filter(id__in=pks, history_type="+")
        assert sorted(created.values_list("id", flat=True)) == sorted(pks), model.__name__
        assert set(created.values_list("history_user", "history_change_reason")) == {(staff_user.pk, reason)}
    # The budget history names the path in Vietnamese: "chép từ kế hoạch 4159/KH-UBND (2024)".
    from budgets.history import plan_budget_history

    labels = {change.reason_label for change in plan_budget_history(plan)}
    assert labels == {"chép từ kế hoạch 4159/KH-UBND (2024)"}


def test_staff_start_the_year_from_the_list_and_land_on_the_draft_with_what_to_review(client, signed_seed, staff_user):
    client.force_login(staff_user)
    listing = client.get(reverse("plans:plan_list")).content.decode()
    start_url = reverse("plans:plan_start_year")
    assert start_url in listing and "Lập kế hoạch năm mới" in visible_text(listing)

    page = visible_text(client.get(start_url).content)
    assert "Kế hoạch năm 2024: 4159/KH-UBND ngày 29/12/2023 (đang có hiệu lực)" in page
    assert "Văn bản trống" in page

    response = client.post(start_url, _post(source=str(signed_seed.pk)), follow=True)
    plan = Plan.objects.get(year=2025)
    assert response.redirect_chain[-1][0] == plan.get_absolute_url()
    text = visible_text(response.content)
    assert "Đã lập Kế hoạch 512/KH-UBND năm 2025 từ kế hoạch 4159/KH-UBND" in text
    # Sentences naming another year are pointed out, each with a link to the section that holds it.
    assert "Văn bản nhắc đến một năm khác năm 2025: cần kiểm tra." in text
    html = response.content.decode()
    notice = html[html.index('data-testid="year-mentions"') :]
    notice = notice[: notice.index("</div>")]
    assert visible_text(notice).count("“năm 2024”") >= 4  # summary, preamble, time frame, funding statement
    assert "Mục đích: “năm 2023”" in visible_text(notice)
    for section in ("thong-tin-chung", "muc-dich-yeu-cau", "pham-vi", "kinh-phi"):
        assert reverse("plans:plan_edit_section", args=[plan.pk, section]) in notice


def test_units_gone_by_the_new_year_are_left_out_and_their_lines_flagged(client, signed_seed, staff_user):
    OrgUnit.objects.filter(code="commune-sung-phai").update(valid_to=datetime.date(2024, 12, 31))
    start = _start(signed_seed, staff_user)
    assert [(d.where, d.unit) for d in start.dropped] == [("2", "UBND xã Sùng Phài")]
    assert start.lines_without_units == ["2"]
    line_2 = start.plan.items.get(project__code="2")
    assert not line_2.implementing_units.exists()

    client.force_login(staff_user)
    text = visible_text(client.get(start.plan.get_absolute_url()).content)
    assert "Nội dung 2 chưa có đơn vị thực hiện." in text

    # Through the page, the officer is told at once which unit was left out.
    Plan.objects.filter(pk=start.plan.pk).delete()
    response = client.post(reverse("plans:plan_start_year"), _post(source=str(signed_seed.pk)), follow=True)
    assert "UBND xã Sùng Phài không còn trong năm 2025: không được chép (2)." in visible_text(response.content)
    assert (
        "Nội dung 2 không còn đơn vị thực hiện nào: hãy chọn đơn vị thực hiện trước khi trình kế hoạch."
        in visible_text(response.content)
    )


def test_a_second_plan_for_the_same_issuer_and_year_is_refused_and_the_page_leads_to_the_first(
    client, signed_seed, staff_user
):
    first = _start(signed_seed, staff_user).plan
    with pytest.raises(PlanYearTaken) as refused:
        _start(signed_seed, staff_user, number=513)
    assert refused.value.existing == first
    assert "đang được soạn (512/KH-UBND)" in refused.value.messages[0]

    client.force_login(staff_user)
    page = client.get(reverse("plans:plan_start_year"))
    assert first.get_absolute_url() in page.content.decode()  # said up front, with the way to it
    response = client.post(reverse("plans:plan_start_year"), _post(source=str(signed_seed.pk), number="513/KH-UBND"))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert (
        "Kế hoạch năm 2025 của UBND thành phố Lai Châu đang được soạn (512/KH-UBND): hãy tiếp tục kế hoạch đó." in text
    )
    assert first.get_absolute_url() in response.content.decode()
    assert Plan.objects.filter(year=2025).count() == 1


def test_a_signed_plan_of_the_year_is_changed_by_an_amendment_not_a_second_plan(signed_seed, staff_user, leader):
    first = _start(signed_seed, staff_user).plan
    Plan.objects.filter(pk=first.pk).update(status=Plan.Status.SIGNED)
    with pytest.raises(PlanYearTaken) as refused:
        _start(signed_seed, staff_user, number=600)
    assert (
        "đã có kế hoạch năm 2025 đã ký (512/KH-UBND): muốn thay đổi thì lập kế hoạch điều chỉnh."
        in (refused.value.messages[0])
    )


def test_only_the_version_in_force_of_an_earlier_year_is_copied(seed, staff_user, leader):
    with pytest.raises(ValidationError) as not_signed:
        _start(seed, staff_user)
    assert "Chỉ chép được kế hoạch đang có hiệu lực" in str(not_signed.value)
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    with pytest.raises(ValidationError) as same_year:
        _start(seed, staff_user, year=2024, issued_on=datetime.date(2024, 2, 1))
    assert "Hãy chép kế hoạch của một năm trước năm 2024." in str(same_year.value)
    amendment = plan_amend(plan=seed, by=staff_user, number=4300, issued_on=datetime.date(2024, 3, 1))
    Plan.objects.filter(pk=amendment.pk).update(status=Plan.Status.SIGNED)
    with pytest.raises(ValidationError):
        _start(seed, staff_user)  # superseded by its signed amendment
    assert _start(amendment, staff_user).plan.items.count() == 7
    assert not Plan.objects.filter(year=2025, items__fundings__amount__gt=0).exists()


def test_bad_input_is_refused_in_vietnamese_next_to_the_field_and_creates_nothing(client, signed_seed, staff_user):
    client.force_login(staff_user)
    url = reverse("plans:plan_start_year")
    cases = [
        (_post(source=str(signed_seed.pk), issued_on="2024-31-12"), "Nhập một ngày hợp lệ."),
        (_post(source=str(signed_seed.pk), number="512 KH-UBND"), "“512 KH-UBND” không phải là số, ký hiệu văn bản"),
        (
            _post(source=str(signed_seed.pk), issued_on="20/12/2022"),
            "Kế hoạch năm 2025 ban hành trong năm 2024 hoặc 2025.",
        ),
        (
            _post(source=str(signed_seed.pk), year="2026", issued_on="20/12/2025"),
            "kế hoạch năm 2026 thuộc chương trình khác",
        ),
        (_post(source="empty", issuer=""), "Chọn cơ quan ban hành của kế hoạch trống."),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in visible_text(response.content), message
    assert not Plan.objects.filter(year__in=[2025, 2026]).exists()


def test_an_empty_document_has_the_header_typed_and_nothing_else(signed_seed, staff_user):
    city = OrgUnit.objects.get(code="lai-chau-city")
    programme = Programme.objects.get(code="giam-ngheo-2021-2025")
    plan = _start(None, staff_user, issuer=city, programme=programme).plan
    assert (plan.issuer, plan.programme, plan.number, plan.year, plan.place) == (
        city,
        programme,
        512,
        2025,
        "Thành phố Lai Châu",
    )
    assert not plan.items.exists() and not plan.legal_bases.exists() and not plan.duties.exists()
    assert plan.purposes == "" and plan.signer_name == ""
    record = plan.history.get()
    assert (record.history_user, record.history_change_reason) == (staff_user, REASON_YEAR_START)


@pytest.mark.parametrize("persona", ["leader", "finance_officer", "sung_phai_officer"])
def test_only_staff_start_a_plan_year(client, signed_seed, persona, request):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("plans:plan_start_year")
    assert client.get(url).status_code == 403
    assert client.post(url, _post(source=str(signed_seed.pk))).status_code == 403
    assert url not in client.get(reverse("plans:plan_list")).content.decode()
    assert not Plan.objects.filter(year=2025).exists()


def test_the_issuers_offered_and_accepted_are_those_of_the_new_year(client, signed_seed, staff_user):
    """Since 01/07/2025 a ward or commune, or the province, issues its own plan (design.md §11); the city does not."""
    Programme.objects.filter(code="giam-ngheo-2021-2025").update(end_year=2030)  # a programme running in 2026
    programme = Programme.objects.get(code="giam-ngheo-2021-2025")
    city = OrgUnit.objects.get(code="lai-chau-city")
    ward = OrgUnit.objects.get(code="ward-tan-phong-2025")
    province = OrgUnit.objects.get(code="lai-chau-province")
    client.force_login(staff_user)
    url = reverse("plans:plan_start_year")

    def offered(response) -> set[str]:
        return {value for value, _label in response.context["form"].fields["issuer"].choices if value}

    in_2025 = offered(client.get(url))  # the year proposed: 2025
    assert {str(city.pk), str(ward.pk), str(province.pk)} <= in_2025
    response = client.post(url, _post(source="empty", year="2026", issued_on="20/12/2025", issuer=str(city.pk)))
    in_2026 = offered(response)
    assert str(city.pk) not in in_2026 and {str(ward.pk), str(province.pk)} <= in_2026
    assert response.status_code == 200 and not Plan.objects.filter(year=2026).exists()
    refusal = (
        "UBND thành phố Lai Châu không tồn tại trong năm 2026: hãy chọn cơ quan ban hành có trong năm của kế hoạch."
    )
    for source, issuer in [(None, city), (signed_seed, None)]:  # chosen, or the issuer of the plan copied
        with pytest.raises(ValidationError) as refused:
            _start(
                source, staff_user, year=2026, issued_on=datetime.date(2025, 12, 20), issuer=issuer, programme=programme
            )
        assert refused.value.message_dict["issuer"] == [refusal]
    assert not Plan.objects.filter(year=2026).exists()
    for unit in (ward, province):
        start = _start(
            None, staff_user, year=2026, issued_on=datetime.date(2025, 12, 20), issuer=unit, programme=programme
        )
        assert (start.plan.issuer, start.plan.year) == (unit, 2026)
    response = client.post(
        url,
        _post(source="empty", year="2027", issued_on="20/12/2026", issuer=str(ward.pk), programme=str(programme.pk)),
    )
    assert response.status_code == 302 and Plan.objects.get(year=2027).issuer == ward
    # Finance records the ceilings of the same issuers (one list: OrgUnit.ISSUER_KINDS).
    from budgets.ceiling_forms import CeilingForm

    assert {city, ward, province} <= set(CeilingForm().fields["issuer"].queryset)


def test_the_ceiling_year_speaks_plain_vietnamese_when_it_is_not_a_whole_number(seed):
    from budgets.ceiling_forms import CeilingForm

    form = CeilingForm({"year": "2025a"})
    assert not form.is_valid()
    assert form.errors["year"] == ["Nhập một số nguyên, ví dụ 512."]  # not Django's "Nhập một số tổng thể."


def test_with_no_plan_in_force_the_year_proposed_lies_in_the_programmes_period(client, seed, staff_user):
    """Today is past the 2021–2025 programme: next year would be refused, so the page proposes its last year."""
    assert datetime.date.today().year + 1 > 2025 and seed.status == Plan.Status.DRAFT
    client.force_login(staff_user)
    page = client.get(reverse("plans:plan_start_year")).content.decode()
    assert 'name="year" value="2025"' in page
