import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from budgets import excel, excel_views
from budgets.excel import (
    COL_AMOUNT,
    COL_CODE,
    COL_UNIT,
    SHEET_TITLE,
    WHOLE_LINE,
    export_budget_workbook,
    read_budget_workbook,
)
from budgets.history import plan_budget_history
from budgets.models import Allocation, FundingSource
from budgets.services import BudgetEdit, budget_apply
from lai_chau.money import AMOUNT_NEGATIVE
from plans.models import OrgUnit, Plan
from tests.budgets.workbooks import edit_workbook, open_workbook, row_of, snapshot, with_amounts, with_shared_strings
from tests.factories import cover_with_ceiling, make_plan, make_user, only_source
from tests.pagetext import visible_text

OFFICE = "Văn phòng HĐND-UBND thành phố"
HEALTH = "Trung tâm Y tế thành phố"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_url(plan) -> str:
    return reverse("budgets:budget_export", args=[plan.pk])


def _import_url(plan) -> str:
    return reverse("budgets:budget_import", args=[plan.pk])


def _upload(client, plan, data: bytes):
    return client.post(_import_url(plan), {"workbook": SimpleUploadedFile("kinh-phi.xlsx", data, XLSX), "upload": ""})


def _confirm(client, plan, response, **extra):
    digest = response.context["confirm_form"].initial["digest"]
    return client.post(_import_url(plan), {"digest": digest, "confirm": "", **extra})


def _split_3_2(plan) -> bytes:
    return with_amounts(export_budget_workbook(plan), {("3.2", OFFICE): 42, ("3.2", HEALTH): 300})


# --- export ---------------------------------------------------------------------------------------------------


# A draft's workbook is internal; unit officers get 404 for it (tests/test_permission_matrix.py).
@pytest.mark.parametrize("persona", ["staff_user", "leader", "finance_officer"])
def test_every_internal_role_may_download_the_workbook(client, seed, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_export_url(seed))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="Kinh-phi-4159-KH-UBND-2024.xlsx"'
    data = b"".join(response.streaming_content)
    assert read_budget_workbook(seed, data).edit.is_empty()


def test_a_user_without_a_role_cannot_download_the_workbook(client, seed, user_without_role):
    client.force_login(user_without_role)
    assert client.get(_export_url(seed)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, seed):
    response = client.get(_export_url(seed))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_downloading_the_workbook_of_a_missing_plan_answers_404(client, seed, leader):
    client.force_login(leader)
    assert client.get(reverse("budgets:budget_export", args=[99999])).status_code == 404


# --- import: who ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "refused"),  # the import page does not exist for unit officers (404); others read but may not import
    [("sung_phai_officer", 404), ("health_centre_officer", 404), ("leader", 403), ("finance_officer", 403)],
)
def test_only_ldtbxh_staff_may_import(client, seed, persona, refused, request):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot(seed)
    assert client.get(_import_url(seed)).status_code == refused
    assert _upload(client, seed, _split_3_2(seed)).status_code == refused
    assert snapshot(seed) == before


def test_staff_and_superusers_see_the_upload_form(client, seed, staff_user):
    for user in (staff_user, make_user("root", None, None, is_superuser=True, is_staff=True)):
        client.force_login(user)
        response = client.get(_import_url(seed))
        assert response.status_code == 200
        assert b'enctype="multipart/form-data"' in response.content
        assert _export_url(seed).encode() in response.content


def test_a_signed_plan_cannot_be_imported(client, seed, staff_user):
    Plan.objects.filter(pk=seed.pk).update(status=Plan.Status.SIGNED)
    client.force_login(staff_user)
    before = snapshot(seed)
    response = _upload(client, seed, _split_3_2(seed))
    assert response.status_code == 200
    assert gettext("This plan is no longer a draft: its budget cannot be imported.") in visible_text(response.content)
    assert "confirm_form" not in response.context
    assert snapshot(seed) == before


# --- import: the two steps --------------------------------------------------------------------------------------


def test_uploading_shows_the_changes_row_by_row_and_applies_nothing(client, seed, staff_user):
    client.force_login(staff_user)
    before, history = snapshot(seed), plan_budget_history(seed)
    response = _upload(client, seed, _split_3_2(seed))
    assert response.status_code == 200
    assert [(p.line, p.unit, p.old, p.new) for p in response.context["parsed"].preview] == [
        ("3.2", OFFICE, None, 42_000_000),
        ("3.2", HEALTH, None, 300_000_000),
    ]
    text = visible_text(response.content)
    assert f"3.2 {OFFICE}" in text and "42.000.000 đồng" in response.content.decode()
    assert response.context["confirm_form"] is not None and not response.context["refusals"]
    assert snapshot(seed) == before and plan_budget_history(seed) == history


def test_confirming_applies_the_previewed_workbook_and_records_it(client, seed, staff_user):
    client.force_login(staff_user)
    preview = _upload(client, seed, _split_3_2(seed))
    response = _confirm(client, seed, preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("budgets:budget_report", args=[seed.pk])
    amounts = dict(
        Allocation.objects.filter(item__plan=seed, unit__name__in=[OFFICE, HEALTH]).values_list("unit__name", "amount")
    )
    assert amounts == {OFFICE: 42_000_000, HEALTH: 300_000_000}
    assert {(c.reason, c.user) for c in plan_budget_history(seed)[:2]} == {("import", "ldtbxh")}
    assert f"budget_import_{seed.pk}" not in client.session


def test_confirming_twice_applies_once(client, seed, staff_user):
    client.force_login(staff_user)
    preview = _upload(client, seed, _split_3_2(seed))
    _confirm(client, seed, preview)
    after = snapshot(seed), plan_budget_history(seed)
    response = _confirm(client, seed, preview)
    assert response.status_code == 302 and response["Location"] == _import_url(seed)
    assert (snapshot(seed), plan_budget_history(seed)) == after


@pytest.mark.parametrize(
    "digest",
    [
        "0" * 64,  # well formed, another workbook's
        "garbage",
        "",
        None,  # the field removed from the form
        "{upper}",
        "{real}0",
        " {real}",
    ],
)
def test_a_tampered_confirmation_digest_is_shown_and_nothing_is_imported(client, seed, staff_user, digest):
    client.force_login(staff_user)
    data = _split_3_2(seed)
    real = _upload(client, seed, data).context["confirm_form"].initial["digest"]
    assert real == hashlib.sha256(data).hexdigest()
    before, history = snapshot(seed), plan_budget_history(seed)
    posted = (
        {"confirm": ""} if digest is None else {"confirm": "", "digest": digest.format(real=real, upper=real.upper())}
    )
    response = client.post(_import_url(seed), posted, follow=True)
    assert response.redirect_chain == [(_import_url(seed), 302)]
    assert str(excel_views.CONFIRMATION_MISMATCH) in visible_text(response.content)
    assert "không khớp với bảng tính bạn đã xem trước" in str(excel_views.CONFIRMATION_MISMATCH)
    assert snapshot(seed) == before and plan_budget_history(seed) == history
    # The previewed workbook can still be confirmed with the page's own digest.
    assert client.post(_import_url(seed), {"confirm": "", "digest": real}).status_code == 302
    assert snapshot(seed) != before


def test_confirming_after_the_preview_is_gone_asks_for_the_workbook_again(client, seed, staff_user):
    client.force_login(staff_user)
    data = _split_3_2(seed)
    before = snapshot(seed)
    response = client.post(_import_url(seed), {"digest": hashlib.sha256(data).hexdigest(), "confirm": ""}, follow=True)
    assert gettext("The uploaded workbook is no longer available: upload it again.") in visible_text(response.content)
    assert snapshot(seed) == before


def test_an_unchanged_workbook_has_nothing_to_confirm(client, seed, staff_user):
    client.force_login(staff_user)
    response = _upload(client, seed, export_budget_workbook(seed))
    assert gettext("The workbook matches the plan: there is nothing to import.") in visible_text(response.content)
    assert "confirm_form" not in response.context


def test_a_bad_workbook_shows_each_error_with_its_row_and_column_and_applies_nothing(client, seed, staff_user):
    client.force_login(staff_user)
    before = snapshot(seed)
    response = _upload(client, seed, with_amounts(export_budget_workbook(seed), {("3.2", OFFICE): -5}))
    [error] = response.context["parsed"].errors
    assert (error.column, error.message) == ("F", str(AMOUNT_NEGATIVE))
    assert f"{error.row} F {AMOUNT_NEGATIVE}" in visible_text(response.content)
    assert "confirm_form" not in response.context
    assert snapshot(seed) == before


def test_a_file_that_is_not_a_workbook_is_refused_on_the_page(client, seed, staff_user):
    client.force_login(staff_user)
    response = _upload(client, seed, b"STT;Ma du an\n1;2\n")
    assert "không phải" in visible_text(response.content) or "not an Excel workbook" in visible_text(response.content)
    assert response.context["parsed"].errors and "confirm_form" not in response.context


def test_an_upload_over_the_size_cap_is_refused_before_it_is_read(client, seed, staff_user, monkeypatch):
    monkeypatch.setattr(excel_views, "MAX_FILE_BYTES", 1000)
    client.force_login(staff_user)
    response = _upload(client, seed, _split_3_2(seed))
    assert response.context["upload_form"].errors["workbook"]
    assert "parsed" not in response.context


def test_a_workbook_that_breaks_a_rule_shows_the_violation_and_offers_no_confirmation(client, seed, staff_user):
    client.force_login(staff_user)
    before = snapshot(seed)
    response = _upload(client, seed, with_amounts(export_budget_workbook(seed), {("7.2", None): 23}))
    [refusal] = response.context["refusals"]
    assert "1.000.000 đồng" in refusal and refusal in visible_text(response.content)
    assert "confirm_form" not in response.context
    assert snapshot(seed) == before


@pytest.fixture
def newer_change(seed, finance_officer):
    """Return a function that records a change to line 7.1 by the finance officer, as if made after an export."""

    def change(amount: int) -> None:
        line = next(item for item in seed.items.select_related("project", "sub_project") if item.code == "7.1")
        unit = OrgUnit.objects.get(code="city-ldtbxh")
        source = only_source(line)
        edit = BudgetEdit(line_amounts={(line.pk, source): amount}, allocations={(line.pk, unit.pk, source): amount})
        budget_apply(plan=seed, edit=edit, by=finance_officer, reason="editor")

    return change


def test_a_stale_workbook_lists_the_newer_changes_and_needs_the_checkbox(client, seed, staff_user, newer_change):
    data = _split_3_2(seed)
    newer_change(50_000_000)
    after_newer = snapshot(seed)
    client.force_login(staff_user)
    preview = _upload(client, seed, data)
    assert [(c.line, c.user) for c in preview.context["stale_changes"]] == [("7.1", "taichinh")] * 2
    assert "taichinh" in visible_text(preview.content)
    assert b'name="overwrite"' in preview.content

    unticked = _confirm(client, seed, preview)
    assert unticked.status_code == 200
    assert gettext("Tick the box to confirm that you want to overwrite the newer changes.") in visible_text(
        unticked.content
    )
    assert snapshot(seed) == after_newer

    ticked = _confirm(client, seed, preview, overwrite="on")
    assert ticked.status_code == 302
    assert Allocation.objects.get(item__plan=seed, unit__name=OFFICE).amount == 42_000_000


def test_overwriting_covers_only_the_changes_shown_in_the_preview(client, seed, staff_user, newer_change):
    data = _split_3_2(seed)
    newer_change(50_000_000)
    client.force_login(staff_user)
    preview = _upload(client, seed, data)
    newer_change(49_000_000)  # arrives while the user reads the preview
    after = snapshot(seed)
    response = _confirm(client, seed, preview, overwrite="on")
    assert response.status_code == 200
    assert [c.new for c in response.context["stale_changes"]][:2] == [49_000_000, 49_000_000]
    assert snapshot(seed) == after


# --- query counts -----------------------------------------------------------------------------------------------


def _every_allocation_lowered(plan) -> bytes:
    def lower(sheet):
        for row in range(9, sheet.max_row + 1):
            if sheet.cell(row, COL_CODE).value and sheet.cell(row, COL_UNIT).value not in (None, WHOLE_LINE):
                sheet.cell(row, COL_AMOUNT).value = 9

    return edit_workbook(export_budget_workbook(plan), lower)


def test_the_import_page_query_count_does_not_grow_with_the_number_of_lines(client, seed, staff_user):
    client.force_login(staff_user)
    counts = []
    for number, lines, units in ((9001, 2, 2), (9002, 8, 4)):
        plan = make_plan(lines=lines, units_per_line=units, number=number)
        data = _every_allocation_lowered(plan)
        with CaptureQueriesContext(connection) as upload:
            preview = _upload(client, plan, data)
        assert len(preview.context["parsed"].preview) == lines * units
        with CaptureQueriesContext(connection) as page:
            client.get(_import_url(plan))
        counts.append((len(upload), len(page)))
    assert counts[0] == counts[1]


# --- blank and merged figures ------------------------------------------------------------------------------------


def _sung_phai_row(plan) -> int:
    return row_of(open_workbook(export_budget_workbook(plan))[SHEET_TITLE], "2", "UBND xã Sùng Phài")


def _merged_line_2(plan) -> bytes:
    """Line 2's amount merged with its only unit's, below it: that allocation reads as empty."""

    def merge(sheet):
        sheet.merge_cells(f"F{row_of(sheet, '2')}:F{row_of(sheet, '2', 'UBND xã Sùng Phài')}")

    return edit_workbook(export_budget_workbook(plan), merge)


@pytest.mark.parametrize("build", ["blank", "merged"], ids=["amount emptied", "amount merged across two rows"])
def test_a_blank_or_merged_figure_is_shown_as_an_error_and_a_forced_confirm_deletes_nothing(
    client, seed, staff_user, build
):
    client.force_login(staff_user)
    row = _sung_phai_row(seed)
    if build == "blank":
        data = with_amounts(export_budget_workbook(seed), {("2", "UBND xã Sùng Phài"): None, ("3.2", HEALTH): 300})
        params = {"cell": f"F{row}", "amount": "530", "unit": "UBND xã Sùng Phài", "code": "2"}
        expected = str(excel.BLANK_OVER_FIGURE % params)
    else:
        data = _merged_line_2(seed)
        expected = str(excel.MERGED_CELLS % {"range": f"F{row - 1}:F{row}"})
    before, history = snapshot(seed), plan_budget_history(seed)
    preview = _upload(client, seed, data)
    assert expected in [error.message for error in preview.context["parsed"].errors]
    assert expected in visible_text(preview.content)
    assert "confirm_form" not in preview.context
    forced = client.post(_import_url(seed), {"digest": hashlib.sha256(data).hexdigest(), "confirm": ""})
    assert forced.status_code == 302
    assert Allocation.objects.get(item__plan=seed, unit__name="UBND xã Sùng Phài").amount == 530_000_000
    assert snapshot(seed) == before and plan_budget_history(seed) == history


# --- one workbook read at a time per server process -------------------------------------------------------------


@pytest.fixture
def reader_busy(monkeypatch):
    """Another request of this process is reading a workbook, and stays at it longer than an upload waits."""
    monkeypatch.setattr(excel_views, "READER_WAIT_SECONDS", 0)
    assert excel_views._reader.acquire(timeout=0)
    yield
    excel_views._reader.release()


def test_an_upload_finding_the_reader_busy_is_told_to_come_back_and_nothing_is_read(
    client, seed, staff_user, reader_busy, monkeypatch
):
    client.force_login(staff_user)
    monkeypatch.setattr(excel_views, "read_budget_workbook", _must_not_read)
    before = snapshot(seed)
    response = _upload(client, seed, _split_3_2(seed))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert str(excel_views.IMPORT_BUSY) in visible_text(response.content)
    assert "Máy chủ đang đọc các bảng tính khác" in str(excel_views.IMPORT_BUSY)
    assert "confirm_form" not in response.context and snapshot(seed) == before


def test_a_confirmation_finding_the_reader_busy_is_told_to_come_back_and_keeps_the_preview(
    client, seed, staff_user, monkeypatch
):
    client.force_login(staff_user)
    preview = _upload(client, seed, _split_3_2(seed))
    before = snapshot(seed)
    monkeypatch.setattr(excel_views, "READER_WAIT_SECONDS", 0)
    assert excel_views._reader.acquire(timeout=0)
    try:
        response = _confirm(client, seed, preview)
    finally:
        excel_views._reader.release()
    assert response.status_code == 503 and str(excel_views.IMPORT_BUSY) in visible_text(response.content)
    assert snapshot(seed) == before
    assert _confirm(client, seed, preview).status_code == 302  # once the reader is free, the same preview applies
    assert snapshot(seed) != before


def test_a_workbook_refused_before_reading_is_answered_without_waiting_for_the_reader(
    client, seed, staff_user, reader_busy
):
    client.force_login(staff_user)
    data = with_shared_strings(export_budget_workbook(seed), 1_000_000, text="xxx")
    response = _upload(client, seed, data)
    assert response.status_code == 200
    [error] = response.context["parsed"].errors
    assert error.message.startswith("Phần “xl/sharedStrings.xml” của bảng tính khi giải nén có dung lượng")
    assert error.message in visible_text(response.content)


def _must_not_read(*args, **kwargs):
    raise AssertionError("the workbook must not be read")


# --- several funding sources ---------------------------------------------------------------------------------------

RECURRENT = "Ngân sách Trung ương - vốn sự nghiệp"
INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"


def _preview_table(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="import-preview"')
    return visible_text(html[start : html.index("</table>", start)].encode())


def test_the_preview_of_a_single_source_plan_names_no_source(client, seed, staff_user):
    client.force_login(staff_user)
    assert "“Nguồn vốn”" not in visible_text(client.get(_import_url(seed)).content)
    response = _upload(client, seed, _split_3_2(seed))
    table = _preview_table(response)
    assert f"3.2 {OFFICE}" in table and gettext("Funding source") not in table
    assert RECURRENT not in table


def test_the_preview_of_a_two_source_plan_names_the_source_of_each_figure(client, seed, staff_user):
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    cover_with_ceiling(seed, investment, 100_000_000)
    line = next(item for item in seed.items.select_related("project", "sub_project") if item.code == "3.2")
    budget_apply(
        plan=seed, edit=BudgetEdit(line_amounts={(line.pk, investment.pk): 100_000_000}), by=staff_user, reason="editor"
    )
    client.force_login(staff_user)
    assert "“Nguồn vốn”" in visible_text(client.get(_import_url(seed)).content)  # the page explains the source rows
    data = with_amounts(export_budget_workbook(seed), {("3.2", HEALTH, INVESTMENT): 60, ("3.2", OFFICE, RECURRENT): 42})
    response = _upload(client, seed, data)
    assert [(p.unit, p.source, p.new) for p in response.context["parsed"].preview] == [
        (OFFICE, RECURRENT, 42_000_000),  # sự nghiệp before đầu tư, as the sheet lists them
        (HEALTH, INVESTMENT, 60_000_000),
    ]
    table = _preview_table(response)
    assert gettext("Funding source") in table
    assert f"3.2 {HEALTH} {INVESTMENT}" in table and f"3.2 {OFFICE} {RECURRENT}" in table
    _confirm(client, seed, response)
    assert dict(Allocation.objects.filter(item=line).values_list("source__name", "amount")) == {
        INVESTMENT: 60_000_000,
        RECURRENT: 42_000_000,
    }
