"""Ceilings per issuer, plan year and funding source, recorded by finance in the app (issue 8, design.md §6, §13).

The service (budgets.ceilings.record_ceiling), the pages /tran-kinh-phi/ as each role, the warning at the top of a
plan over its ceiling, history, the workbook, the migration that moved ceilings off plans, and, on PostgreSQL, the
triggers and the locks that keep a ceiling save and a budget edit from both passing on stale figures.
"""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.ceilings import NewDocument, record_ceiling
from budgets.checks import check_plan
from budgets.excel import COL_AMOUNT, COL_NOTE, export_budget_workbook, read_budget_workbook
from budgets.history import REASON_CEILING_FORM, plan_budget_history
from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from budgets.services import BudgetEdit, BudgetRefused, budget_apply
from lai_chau.money import AMOUNT_MALFORMED
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import DocumentReference, OrgUnit, Plan, PlanItem
from tests.budgets.workbooks import edit_workbook
from tests.factories import ceilings_of, make_plan, only_source
from tests.pagetext import visible_text

LIST = "/tran-kinh-phi/"
ADD = "/tran-kinh-phi/them/"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="triggers and row locks exist on PostgreSQL only (.ci/run runs them)"
)


def _nstw() -> FundingSource:
    return FundingSource.objects.get(code="nstw-su-nghiep")


def _city() -> OrgUnit:
    return OrgUnit.objects.get(code="lai-chau-city")


def _doc_5114() -> DocumentReference:
    return DocumentReference.objects.get(number="5114/UBND-TH")


def _ceiling_2024() -> Ceiling:
    return Ceiling.objects.get(issuer=_city(), year=2024, source=_nstw())


def _violations(plan) -> list[tuple[str, int | None]]:
    return [(v.rule, v.excess) for v in check_plan(Plan.objects.with_document().get(pk=plan.pk)).violations]


def _edit_url(ceiling: Ceiling) -> str:
    return reverse("budgets:ceiling_edit", args=[ceiling.pk])


@pytest.fixture
def signed(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return Plan.objects.get(pk=seed.pk)


# --- the service -----------------------------------------------------------------------------------------------------


def test_the_seed_ceiling_is_the_citys_for_2024_notified_by_cong_van_5114(seed):
    ceiling = _ceiling_2024()
    assert ceiling.amount == 1_728_000_000
    assert str(ceiling.notified_by) == "Công văn số 5114/UBND-TH ngày 28/12/2023 của UBND tỉnh Lai Châu"
    assert list(ceilings_of(seed)) == [ceiling]


def test_finance_records_a_ceiling_with_a_new_document_and_both_have_history(seed, finance_officer):
    document = NewDocument("Quyết định", "2001/QĐ-UBND", datetime.date(2024, 12, 20), "UBND tỉnh Lai Châu")
    saved = record_ceiling(
        issuer=_city(), year=2025, source=_nstw(), amount=1_900_000_000, new_document=document, by=finance_officer
    )
    assert (saved.created, saved.previous, saved.over) == (True, None, [])
    ceiling = Ceiling.objects.get(year=2025)
    assert (ceiling.issuer, ceiling.source, ceiling.amount) == (_city(), _nstw(), 1_900_000_000)
    assert str(ceiling.notified_by) == "Quyết định số 2001/QĐ-UBND ngày 20/12/2024 của UBND tỉnh Lai Châu"
    record = ceiling.history.get()
    assert (record.history_user, record.history_change_reason, record.amount) == (
        finance_officer,
        REASON_CEILING_FORM,
        1_900_000_000,
    )
    assert ceiling.notified_by.history.get().history_user == finance_officer


def test_lowering_below_a_plans_total_is_saved_and_names_the_plan_with_the_exact_excess(seed, finance_officer):
    saved = record_ceiling(ceiling=_ceiling_2024(), amount=1_699_999_999, notified_by=_doc_5114(), by=finance_officer)
    assert _ceiling_2024().amount == 1_699_999_999
    assert saved.previous == 1_728_000_000 and not saved.created
    assert [(t.plan.document_number, t.total, t.ceiling, t.excess) for t in saved.over] == [
        ("4159/KH-UBND", 1_728_000_000, 1_699_999_999, 28_000_001)
    ]
    assert _violations(seed) == [("ceiling_exceeded", 28_000_001)]


def test_another_years_plans_are_neither_reported_nor_affected(seed, finance_officer):
    other = make_plan(lines=2, units_per_line=1)  # the city's 2026 plan, 20 triệu, ceiling 20 triệu
    saved = record_ceiling(ceiling=_ceiling_2024(), amount=1, notified_by=_doc_5114(), by=finance_officer)
    assert [t.plan.pk for t in saved.over] == [seed.pk]
    assert _violations(other) == []
    ceiling_2026 = Ceiling.objects.get(year=2026)
    saved = record_ceiling(ceiling=ceiling_2026, amount=19_000_000, notified_by=_doc_5114(), by=finance_officer)
    assert [(t.plan.pk, t.excess) for t in saved.over] == [(other.pk, 1_000_000)]
    assert _violations(seed) == [("ceiling_exceeded", 1_727_999_999)]  # 2024 as finance left it, not 2026's


def test_a_second_ceiling_for_the_same_issuer_year_and_source_is_refused(seed, finance_officer):
    with pytest.raises(ValidationError) as refused:
        record_ceiling(issuer=_city(), year=2024, source=_nstw(), amount=1, notified_by=_doc_5114(), by=finance_officer)
    assert "đã được ghi: hãy sửa mức trần đó" in refused.value.messages[0]
    assert Ceiling.objects.count() == 1 and _ceiling_2024().amount == 1_728_000_000


def test_a_typed_document_already_known_is_refused_and_nothing_is_saved(seed, finance_officer):
    known = NewDocument("Công văn", "5114/UBND-TH", datetime.date(2023, 12, 28), "UBND tỉnh")
    with pytest.raises(ValidationError) as refused:
        record_ceiling(ceiling=_ceiling_2024(), amount=1, new_document=known, by=finance_officer)
    assert refused.value.messages == [
        "Văn bản số 5114/UBND-TH ngày 28/12/2023 đã có: hãy chọn văn bản đó trong danh sách."
    ]
    assert _ceiling_2024().amount == 1_728_000_000 and _ceiling_2024().history.count() == 1


def test_check_plan_reports_no_ceiling_for_a_source_without_one_in_the_plans_year(seed):
    plan = make_plan(lines=1, units_per_line=1)
    local = FundingSource.objects.exclude(code="nstw-su-nghiep").first()
    LineFunding.objects.filter(item__plan=plan).update(source=local)
    Allocation.objects.filter(item__plan=plan).update(source=local)
    assert _violations(plan) == [("no_ceiling", None)]
    Ceiling.objects.create(issuer=plan.issuer, year=2024, source=local, amount=10**9)  # another year's: no help
    assert _violations(plan) == [("no_ceiling", None)]
    Ceiling.objects.create(issuer=plan.issuer, year=2026, source=local, amount=9_000_000)
    assert _violations(plan) == [("ceiling_exceeded", 1_000_000)]


# --- the pages -------------------------------------------------------------------------------------------------------


def _form(amount: str, unit: str = "trieu", **extra) -> dict:
    return {"amount": amount, "amount_unit": unit, "notified_by": str(_doc_5114().pk), **extra}


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("1,728,000", "trieu"), ("1.5", "trieu"), ("mười tỷ", "dong"), ("1.728.000.000,5", "dong")],
)
def test_a_badly_typed_amount_is_refused_in_vietnamese_and_nothing_is_saved(client, seed, finance_officer, typed, unit):
    client.force_login(finance_officer)
    response = client.post(_edit_url(_ceiling_2024()), _form(typed, unit))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "không phải là số tiền hợp lệ" in text or "không phải là số nguyên đồng" in text, text[:3000]
    assert _ceiling_2024().amount == 1_728_000_000 and _ceiling_2024().history.count() == 1
    assert str(AMOUNT_MALFORMED)  # the message is the shared one of lai_chau.money


@pytest.mark.parametrize(
    ("typed", "unit", "read"),
    [("1.700", "trieu", 1_700_000_000), ("12,345", "trieu", 12_345_000), ("1.700.000.001", "dong", 1_700_000_001)],
)
def test_the_amount_is_echoed_back_in_full_dong_as_read(client, seed, finance_officer, typed, unit, read):
    client.force_login(finance_officer)
    response = client.post(_edit_url(_ceiling_2024()), _form(typed, unit), follow=True)
    text = visible_text(response.content)
    shown = f"{read:,}".replace(",", ".")
    assert f"1.728.000.000 đồng → {shown} đồng (đọc từ “{typed}”" in text
    assert _ceiling_2024().amount == read


def test_lowering_a_signed_plans_ceiling_is_saved_blocks_nothing_and_is_reported_at_once(
    client, signed, finance_officer, staff_user
):
    client.force_login(finance_officer)
    response = client.post(_edit_url(_ceiling_2024()), _form("1.700"), follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?nam=2024"
    text = visible_text(response.content)
    assert "Mức trần đã được lưu, và các kế hoạch sau hiện vượt mức trần: kế hoạch 4159/KH-UBND (đã ký)" in text
    assert "tổng kinh phí các nội dung 1.728.000.000 đồng, vượt mức trần 28.000.000 đồng" in text
    assert _ceiling_2024().amount == 1_700_000_000
    assert Plan.objects.get(pk=signed.pk).status == "signed"
    # Staff still amend it (nothing is blocked), and the amendment reads the same, lowered ceiling.
    amendment = plan_amend(plan=signed, by=staff_user, number=4170, issued_on=datetime.date(2024, 6, 1))
    assert _violations(amendment) == [("ceiling_exceeded", 28_000_000)]
    line = PlanItem.objects.get(plan=amendment, sub_project__code="7.2")
    unit_id = line.allocations.get().unit_id
    source_id = only_source(line)
    edit = BudgetEdit(line_amounts={(line.pk, source_id): 0}, allocations={(line.pk, unit_id, source_id): 0})
    budget_apply(plan=amendment, edit=edit, by=staff_user, reason="editor")
    assert _violations(amendment) == [("ceiling_exceeded", 6_000_000)]  # towards the ceiling: allowed


def test_an_edit_may_not_push_a_plan_over_the_ceiling_finance_recorded(seed, finance_officer, staff_user):
    record_ceiling(ceiling=_ceiling_2024(), amount=1_728_500_000, notified_by=_doc_5114(), by=finance_officer)
    line = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    with pytest.raises(BudgetRefused) as refused:
        budget_apply(
            plan=seed,
            edit=BudgetEdit(line_amounts={(line.pk, only_source(line)): 23_000_000}),
            by=staff_user,
            reason="editor",
        )
    assert [(v.rule, v.excess) for v in refused.value.violations] == [("ceiling_exceeded", 500_000)]
    assert PlanItem.objects.get(pk=line.pk).amount == 22_000_000


def test_the_list_shows_ceilings_and_each_plan_against_them(client, seed, finance_officer, staff_user):
    record_ceiling(ceiling=_ceiling_2024(), amount=1_700_000_000, notified_by=_doc_5114(), by=finance_officer)
    client.force_login(staff_user)
    page = client.get(f"{LIST}?nam=2024")
    text = visible_text(page.content)
    assert "Mức trần được thông báo cho năm 2024" in text
    assert (
        "UBND thành phố Lai Châu Ngân sách Trung ương - vốn sự nghiệp 1.700.000.000 "
        "Công văn số 5114/UBND-TH ngày 28/12/2023 của UBND tỉnh Lai Châu" in text
    )
    assert "4159/KH-UBND" in text and "1.728.000.000 1.700.000.000 ✗ Vượt mức trần 28.000.000 đồng" in text
    html = page.content.decode()
    assert ADD not in html and "/sua/" not in html  # staff read, finance records
    client.force_login(finance_officer)
    html = client.get(f"{LIST}?nam=2024").content.decode()
    assert f'href="{ADD}?nam=2024"' in html and f'href="{_edit_url(_ceiling_2024())}"' in html


def test_the_list_defaults_to_the_latest_year_and_says_when_a_year_has_nothing(client, seed, finance_officer):
    client.force_login(finance_officer)
    assert "Mức trần được thông báo cho năm 2024" in visible_text(client.get(LIST).content)
    text = visible_text(client.get(f"{LIST}?nam=2030").content)
    assert "Chưa ghi mức trần nào cho năm 2030." in text and "Chưa có kế hoạch nào cho năm 2030." in text


@pytest.mark.parametrize(
    ("persona", "listing", "form"),
    [
        ("finance_officer", 200, 200),
        ("staff_user", 200, 403),
        ("leader", 200, 403),
        ("sung_phai_officer", 404, 404),
        ("user_without_role", 403, 403),
    ],
)
def test_who_reads_and_who_records_ceilings(client, seed, request, persona, listing, form):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == listing
    assert ("1.728.000.000" in response.content.decode()) == (listing == 200)
    assert client.get(ADD).status_code == form
    assert client.get(_edit_url(_ceiling_2024())).status_code == form
    assert client.post(_edit_url(_ceiling_2024()), _form("1")).status_code == (302 if form == 200 else form)
    assert _ceiling_2024().amount == (1_000_000 if form == 200 else 1_728_000_000)
    nav = client.get(reverse("plans:plan_list")).content.decode()
    assert (f'href="{LIST}"' in nav) == (listing == 200)


def test_a_unit_officer_is_not_offered_the_ceilings_on_a_signed_plans_report(client, signed, sung_phai_officer):
    client.force_login(sung_phai_officer)
    report = client.get(reverse("budgets:budget_report", args=[signed.pk])).content.decode()
    assert report.count("/tran-kinh-phi/") == 0


def test_the_budget_report_links_to_the_ceilings_of_its_year(client, seed, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("budgets:budget_report", args=[seed.pk])).content.decode()
    assert f'href="{LIST}?nam=2024"' in html


def test_a_new_ceiling_with_a_new_document_typed_in_the_same_form(client, seed, finance_officer):
    client.force_login(finance_officer)
    form = client.get(f"{ADD}?nam=2025").content.decode()
    amount_box = next(tag for tag in form.split("<input") if 'name="amount"' in tag)
    assert 'type="text"' in amount_box and 'name="year"' in form and 'value="2025"' in form
    data = {
        "issuer": str(_city().pk),
        "year": "2025",
        "source": str(_nstw().pk),
        "amount": "1.800,5",
        "amount_unit": "trieu",
        "notified_by": "",
        "doc_kind": "Công văn",
        "doc_number": "4321/UBND-TH",
        "doc_issued_on": "05/01/2025",
        "doc_issuer": "UBND tỉnh Lai Châu",
    }
    wrong_date = client.post(ADD, {**data, "doc_issued_on": "2025-01-05"})  # dates are dd/mm/yyyy
    assert wrong_date.status_code == 200 and "hợp lệ" in visible_text(wrong_date.content)
    assert not Ceiling.objects.filter(year=2025).exists()
    assert not DocumentReference.objects.filter(number="4321/UBND-TH").exists()
    text = visible_text(client.post(ADD, data, follow=True).content)
    assert "Đã ghi mức trần Ngân sách Trung ương - vốn sự nghiệp năm 2025 của UBND thành phố Lai Châu" in text
    assert "1.800.500.000 đồng (đọc từ “1.800,5” triệu đồng)" in text
    ceiling = Ceiling.objects.get(year=2025)
    assert ceiling.amount == 1_800_500_000
    assert str(ceiling.notified_by) == "Công văn số 4321/UBND-TH ngày 05/01/2025 của UBND tỉnh Lai Châu"


def test_a_new_document_needs_its_details(client, seed, finance_officer):
    client.force_login(finance_officer)
    response = client.post(_edit_url(_ceiling_2024()), {"amount": "1.700", "amount_unit": "trieu", "notified_by": ""})
    assert visible_text(response.content).count("Cần nhập khi thêm văn bản mới") == 4  # type, number, date, issuer
    assert _ceiling_2024().amount == 1_728_000_000


def test_the_ceiling_list_runs_a_constant_number_of_queries(client, seed, finance_officer, django_assert_num_queries):
    client.force_login(finance_officer)
    make_plan(lines=1, units_per_line=1, number=9001)
    client.get(f"{LIST}?nam=2026")  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{LIST}?nam=2026").status_code == 200
    assert len(small) <= 10, [q["sql"] for q in small.captured_queries]
    for number in range(9002, 9007):
        make_plan(lines=3, units_per_line=2, number=number)
    for source in FundingSource.objects.exclude(code="nstw-su-nghiep"):
        Ceiling.objects.create(issuer=_city(), year=2026, source=source, amount=1)
    with django_assert_num_queries(len(small)):
        text = visible_text(client.get(f"{LIST}?nam=2026").content)
    assert all(f"{number}/KH-UBND" in text for number in range(9001, 9007))


# --- the plan over its ceiling says it at the top ---------------------------------------------------------------------


BANNER = (
    "Kế hoạch này vượt mức trần kinh phí. Ngân sách Trung ương - vốn sự nghiệp: mức trần 1.700.000.000 đồng, "
    "tổng kinh phí các nội dung của kế hoạch 1.728.000.000 đồng, vượt 28.000.000 đồng."
)


def test_a_draft_over_its_ceiling_says_so_at_the_top_of_its_page_and_report(client, seed, staff_user):
    client.force_login(staff_user)
    for url in (seed.get_absolute_url(), reverse("budgets:budget_report", args=[seed.pk])):
        assert 'data-testid="ceiling-banner"' not in client.get(url).content.decode()  # exactly at it
    ceilings_of(seed).update(amount=1_700_000_000)
    for url in (seed.get_absolute_url(), reverse("budgets:budget_report", args=[seed.pk])):
        html = client.get(url).content.decode()
        assert html.index('data-testid="ceiling-banner"') < html.index('class="breadcrumbs"')
        text = visible_text(html)
        assert BANNER in text
        assert "Kế hoạch không trình ký, không ký được cho tới khi kinh phí các nội dung nằm trong mức trần." in text


def test_a_signed_plan_over_a_lowered_ceiling_says_it_needs_an_amendment(client, signed, finance_officer, leader):
    record_ceiling(ceiling=_ceiling_2024(), amount=1_700_000_000, notified_by=_doc_5114(), by=finance_officer)
    client.force_login(leader)
    for url in (signed.get_absolute_url(), reverse("budgets:budget_report", args=[signed.pk])):
        text = visible_text(client.get(url).content)
        assert BANNER in text
        assert "Kế hoạch đã ký: cần lập kế hoạch điều chỉnh để đưa kinh phí các nội dung về trong mức trần." in text


# --- history, workbook, setup_demo -----------------------------------------------------------------------------------


def test_budget_history_shows_ceiling_changes_of_the_plans_issuer_and_year_only(client, seed, finance_officer, leader):
    other = make_plan(lines=1, units_per_line=1)
    record_ceiling(ceiling=_ceiling_2024(), amount=1_700_000_000, notified_by=_doc_5114(), by=finance_officer)
    record_ceiling(
        ceiling=Ceiling.objects.get(year=2026), amount=5_000_000, notified_by=_doc_5114(), by=finance_officer
    )
    change = plan_budget_history(seed)[0]
    assert (change.kind, change.old, change.new, change.reason_label) == (
        "ceiling",
        1_728_000_000,
        1_700_000_000,
        "trang ghi mức trần",
    )
    assert all(c.new != 5_000_000 for c in plan_budget_history(seed))
    assert plan_budget_history(other)[0].new == 5_000_000
    client.force_login(leader)
    text = visible_text(client.get(reverse("budgets:budget_history", args=[seed.pk])).content)
    assert "trang ghi mức trần" in text and "taichinh" in text


def test_the_workbook_shows_the_ceiling_and_never_reads_it_back(seed):
    data = export_budget_workbook(seed)

    def raise_ceiling(sheet):
        for row in range(1, sheet.max_row + 1):
            label = sheet.cell(row, 1).value
            if isinstance(label, str) and label.startswith("Mức trần"):
                assert sheet.cell(row, COL_AMOUNT).value == 1728
                assert (
                    sheet.cell(row, COL_NOTE).value
                    == "Chỉ để xem: Phòng Tài chính - Kế hoạch ghi mức trần trong ứng dụng"
                )
                sheet.cell(row, COL_AMOUNT).value = 9_999
                return
        raise AssertionError("no ceiling row")

    parsed = read_budget_workbook(seed, edit_workbook(data, raise_ceiling))
    assert parsed.ok and parsed.edit.is_empty()
    assert _ceiling_2024().amount == 1_728_000_000


def test_setup_demo_keeps_a_ceiling_finance_changed(seed, finance_officer):
    record_ceiling(ceiling=_ceiling_2024(), amount=1_700_000_000, notified_by=_doc_5114(), by=finance_officer)
    call_command("setup_demo", "--no-accounts", verbosity=0)
    assert Ceiling.objects.count() == 1 and _ceiling_2024().amount == 1_700_000_000


# --- PostgreSQL: the triggers, the locks ----------------------------------------------------------------------------


@on_postgresql
def test_the_database_no_longer_refuses_a_ceiling_change_for_a_signed_plans_year(signed):
    assert Ceiling.objects.filter(issuer=signed.issuer, year=2024).update(amount=1_600_000_000) == 1
    local = FundingSource.objects.exclude(code="nstw-su-nghiep").first()
    Ceiling.objects.create(issuer=signed.issuer, year=2024, source=local, amount=1)
    assert Ceiling.objects.filter(source=local).delete()[0] == 1
    with connection.cursor() as cursor:  # and no trigger is left on the table
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'budgets_ceiling'::regclass AND tgname LIKE 'pgtrigger%%'"
        )
        assert cursor.fetchone()[0] == 0
    assert _violations(signed) == [("ceiling_exceeded", 128_000_000)]


def _in_thread(job, outcome: dict):
    def run():
        try:
            outcome["value"] = job()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_ceiling_saved_during_a_budget_edit_waits_and_reports_the_edited_total(seed, staff_user, finance_officer):
    """The edit holds its plan (and the ceilings) until it commits; the ceiling save then reads the new total."""
    line = PlanItem.objects.get(plan=seed, sub_project__code="3.2")  # 342 triệu, not split among its units yet
    edit_locked, finish_edit = threading.Event(), threading.Event()

    def slow_edit():
        from plans.guard import budget_guard

        with budget_guard() as guard:
            guard.touch(seed.pk)
            LineFunding.objects.filter(item=line).update(amount=332_000_000)  # down by 10 triệu: 1.718.000.000
            edit_locked.set()
            finish_edit.wait(10)

    edit_outcome, save_outcome = {}, {}
    edit = _in_thread(slow_edit, edit_outcome)
    assert edit_locked.wait(10)
    save = _in_thread(
        lambda: record_ceiling(
            ceiling=_ceiling_2024(), amount=1_700_000_000, notified_by=_doc_5114(), by=finance_officer
        ),
        save_outcome,
    )
    save.join(1)
    assert save.is_alive(), "the ceiling save must wait for the edit's locks"
    finish_edit.set()
    edit.join(10)
    save.join(10)
    assert "error" not in edit_outcome and "error" not in save_outcome, (edit_outcome, save_outcome)
    assert [(t.total, t.excess) for t in save_outcome["value"].over] == [(1_718_000_000, 18_000_000)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_budget_edit_during_a_ceiling_save_waits_and_is_judged_against_the_new_ceiling(
    seed, staff_user, finance_officer
):
    line = PlanItem.objects.get(plan=seed, sub_project__code="3.2")
    amount_before = line.amount  # the property reads the line's fundings at each call
    ceilings_of(seed).update(amount=1_729_000_000)  # room for a 1 triệu raise under the old ceiling
    saved, finish_save = threading.Event(), threading.Event()

    def slow_save():
        with transaction.atomic():
            record_ceiling(ceiling=_ceiling_2024(), amount=1_728_000_000, notified_by=_doc_5114(), by=finance_officer)
            saved.set()
            finish_save.wait(10)

    save_outcome, edit_outcome = {}, {}
    save = _in_thread(slow_save, save_outcome)
    assert saved.wait(10)
    edit = _in_thread(
        lambda: budget_apply(
            plan=seed,
            edit=BudgetEdit(line_amounts={(line.pk, only_source(line)): amount_before + 1_000_000}),
            by=staff_user,
            reason="editor",
        ),
        edit_outcome,
    )
    edit.join(1)
    assert edit.is_alive(), "the edit must wait for the ceiling save's locks"
    finish_save.set()
    save.join(10)
    edit.join(10)
    assert isinstance(edit_outcome.get("error"), BudgetRefused), edit_outcome
    assert PlanItem.objects.get(pk=line.pk).amount == amount_before == 342_000_000
    assert _ceiling_2024().amount == 1_728_000_000


# --- the migration that moved ceilings off plans ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_for_each_issuer_year_and_source_the_ceiling_of_the_latest_plan():
    before, after = [("budgets", "0004_audit_history")], [("budgets", "0005_ceiling_per_issuer_year")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        _migrate_plans_ceilings(executor, before, after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        if connection.vendor == "postgresql":
            # Going back dropped tables with their triggers (LineFunding's); `migrate` installs triggers after it
            # runs, a bare MigrationExecutor does not.
            import pgtrigger

            pgtrigger.install()


def _migrate_plans_ceilings(executor, before, after):
    old = executor.loader.project_state(before).apps
    Programme, OrgUnit_, Plan_ = (
        old.get_model(*m.split(".")) for m in ("projects.Programme", "plans.OrgUnit", "plans.Plan")
    )
    Source, Ceiling_ = old.get_model("budgets", "FundingSource"), old.get_model("budgets", "Ceiling")
    HistoricalCeiling = old.get_model("budgets", "HistoricalCeiling")
    programme = Programme.objects.create(
        code="p", name="P", decision_number="1", decision_date=datetime.date(2022, 1, 1), start_year=2021, end_year=2025
    )
    city = OrgUnit_.objects.create(code="c", name="C", kind="city", valid_from=datetime.date(2000, 1, 1))
    nstw = Source.objects.create(code="n", name="N", origin="central", kind="recurrent")
    local = Source.objects.create(code="l", name="L", origin="local", kind="recurrent")

    def plan(number, issued_on, year=2024):
        return Plan_.objects.create(
            programme=programme, issuer=city, number=number, place="X", issued_on=issued_on, year=year, summary="S"
        )

    first, amendment, next_year = (
        plan(1, datetime.date(2023, 12, 29)),
        plan(2, datetime.date(2024, 3, 1)),
        plan(3, datetime.date(2024, 12, 1), 2025),
    )
    for owner, source, amount in [
        (amendment, nstw, 1_700),
        (first, nstw, 1_728),
        (first, local, 50),
        (next_year, nstw, 2_000),
    ]:
        row = Ceiling_.objects.create(plan=owner, source=source, amount=amount)
        HistoricalCeiling.objects.create(
            id=row.pk,
            plan_id=owner.pk,
            source_id=source.pk,
            amount=amount,
            history_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
            history_type="+",
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    Ceiling_, HistoricalCeiling = new.get_model("budgets", "Ceiling"), new.get_model("budgets", "HistoricalCeiling")
    kept = sorted(Ceiling_.objects.values_list("issuer_id", "year", "source_id", "amount"))
    assert kept == sorted(
        [(city.pk, 2024, nstw.pk, 1_700), (city.pk, 2024, local.pk, 50), (city.pk, 2025, nstw.pk, 2_000)]
    )
    merged = HistoricalCeiling.objects.get(history_type="-")
    assert (merged.amount, merged.year, merged.history_change_reason) == (1_728, 2024, "ceiling-merged")
    assert not HistoricalCeiling.objects.filter(year=0).exists()


def _version_shown(client, ceiling: Ceiling) -> str:
    html = client.get(_edit_url(ceiling)).content.decode()
    return html.split('name="based_on" value="', 1)[1].split('"', 1)[0]


def test_two_officers_editing_one_ceiling_the_second_save_is_refused_and_nothing_is_lost(
    client, seed, finance_officer, django_user_model
):
    """design.md §6: concurrent edits never silently lose a change."""
    other = django_user_model.objects.create_user("ketoan2", first_name="Lò Văn", last_name="Hai")
    ceiling = _ceiling_2024()
    client.force_login(finance_officer)
    mine = _version_shown(client, ceiling)  # this officer opens the form
    record_ceiling(ceiling=ceiling, amount=1_800_000_000, notified_by=_doc_5114(), by=other, based_on=int(mine))
    response = client.post(_edit_url(ceiling), _form("1.700", based_on=mine))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "Chưa lưu gì: Lò Văn Hai đã sửa mức trần này sau khi anh/chị mở trang" in text, text[:3000]
    assert "mức trần hiện là 1.800.000.000 đồng" in text
    assert 'value="1.700"' in response.content.decode()  # the form keeps what was typed
    assert _ceiling_2024().amount == 1_800_000_000 and _ceiling_2024().history.count() == 2
    # Now based on what was shown, saving again deliberately replaces it.
    again = response.content.decode().split('name="based_on" value="', 1)[1].split('"', 1)[0]
    client.post(_edit_url(ceiling), _form("1.700", based_on=again))
    assert _ceiling_2024().amount == 1_700_000_000


def test_an_edit_based_on_the_latest_version_is_saved(client, seed, finance_officer):
    client.force_login(finance_officer)
    ceiling = _ceiling_2024()
    client.post(_edit_url(ceiling), _form("1.750", based_on=_version_shown(client, ceiling)))
    assert _ceiling_2024().amount == 1_750_000_000
