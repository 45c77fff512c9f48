"""A plan drawing on several funding sources (design.md §13): the plan page and the PDF break each line's money, the
funding section and the appendix down by source; the comparison shows every change per source; budget_check names
the sources. A plan drawing on one source reads exactly as before (the seed's tests pin its text)."""

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Plan, SignedDocument
from plans.pdf import render_plan_pdf
from tests.factories import ceilings_of, cover_with_ceiling, make_plan, nstw
from tests.pagetext import visible_text
from tests.pdflayout import pages

NSTW = "Ngân sách Trung ương - vốn sự nghiệp"
NSDP = "Ngân sách địa phương - vốn sự nghiệp"
VP, TTYT, LDTBXH = (
    "Văn phòng HĐND-UBND thành phố",
    "Trung tâm Y tế thành phố",
    "Phòng Lao động - Thương binh và Xã hội thành phố",
)
NO_AMOUNT = re.compile(r"(?<![\d.,])0 triệu đồng|Dự kiến\s+triệu đồng")


def nsdp() -> FundingSource:
    return FundingSource.objects.get(code="nsdp-su-nghiep")


def _units(item) -> dict[str, int]:
    return {iu.unit.name: iu.unit_id for iu in item.implementing_units.select_related("unit")}


def draw_on_two_sources(plan, by) -> None:
    """Fund part of the 2024 plan from the local budget: line 3.2 (342 triệu) becomes 242 NSTW + 100 NSĐP, line 4.1
    585 NSTW + 200 NSĐP (785 triệu), line 2 names NSĐP with 0 đồng; finance notified a 300 triệu NSĐP ceiling."""
    central, local = nstw(), nsdp()
    line_2 = plan.items.get(project__code="2", sub_project=None)
    line_32, line_41 = (plan.items.get(sub_project__code=code) for code in ("3.2", "4.1"))
    units_32, units_41 = _units(line_32), _units(line_41)
    edit = BudgetEdit(
        line_amounts={
            (line_2.pk, local.pk): 0,
            (line_32.pk, central.pk): 242_000_000,
            (line_32.pk, local.pk): 100_000_000,
            (line_41.pk, central.pk): 585_000_000,
            (line_41.pk, local.pk): 200_000_000,
        },
        allocations={
            (line_32.pk, units_32[VP], central.pk): 142_000_000,
            (line_32.pk, units_32[TTYT], central.pk): 100_000_000,
            (line_32.pk, units_32[TTYT], local.pk): 100_000_000,
            (line_41.pk, units_41[LDTBXH], central.pk): 585_000_000,
            (line_41.pk, units_41[LDTBXH], local.pk): 200_000_000,
        },
    )
    ceiling = ceilings_of(plan).get()
    Ceiling.objects.create(issuer=ceiling.issuer, year=ceiling.year, source=local, amount=300_000_000)
    budget_apply(plan=plan, edit=edit, by=by, reason="editor")


@pytest.fixture
def two_sources(seed, staff_user):
    draw_on_two_sources(seed, staff_user)
    return seed


def _pdf(plan, **kwargs) -> bytes:
    return render_plan_pdf(Plan.objects.with_document().get(pk=plan.pk), **kwargs)


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pages(pdf))


def _document_text(client, plan) -> str:
    page = client.get(plan.get_absolute_url()).content.decode()
    document = re.search(r'<article class="document".*?</article>', page, re.S).group(0)
    return visible_text(re.sub(r'<p class="edit-link".*?</p>', "", document, flags=re.S))


def make_two_source_plan(*, lines: int, units_per_line: int, number: int) -> Plan:
    """make_plan's plan with every line drawing on NSĐP too: 5 triệu per unit, allocated, under a ceiling."""
    plan = make_plan(lines=lines, units_per_line=units_per_line, number=number)
    local = nsdp()
    for item in plan.items.all():
        LineFunding.objects.create(item=item, source=local, amount=5_000_000 * units_per_line)
        for implementing in item.implementing_units.all():
            Allocation.objects.create(item=item, unit=implementing.unit, source=local, amount=5_000_000)
    cover_with_ceiling(plan, local, 5_000_000 * units_per_line * lines)
    return plan


# --- The plan page and the PDF ----------------------------------------------------------------------------------------

LINE_32 = f"đ) Nguồn vốn thực hiện: Dự kiến 342 triệu đồng, trong đó: {NSTW} 242 triệu đồng; {NSDP} 100 triệu đồng."
LINE_41 = f"Dự kiến 785 triệu đồng, trong đó: {NSTW} 585 triệu đồng; {NSDP} 200 triệu đồng."
FUNDING = (
    "Dự kiến 1.828 triệu đồng{appendix}, trong đó: "
    f"- {NSTW}: 1.528 triệu đồng; - {NSDP}: 300 triệu đồng. 2. Các nguồn kinh phí hợp pháp khác"
)


def test_the_page_breaks_each_line_and_the_total_down_by_source(client, two_sources, staff_user):
    client.force_login(staff_user)
    text = _document_text(client, two_sources)
    assert LINE_32 in text and LINE_41 in text
    # A line drawing money on one source names it; a source named with 0 đồng is not printed.
    assert f"đ) Nguồn vốn thực hiện: Dự kiến 530 triệu đồng ({NSTW}). e) Đơn vị thực hiện: UBND xã Sùng Phài." in text
    assert f"Dự kiến 22 triệu đồng ({NSTW})." in text
    assert FUNDING.format(appendix="") in text
    assert not NO_AMOUNT.search(text)


def test_the_pdf_breaks_lines_the_total_and_the_appendix_down_by_source(two_sources):
    text = _pdf_text(_pdf(two_sources))
    assert LINE_32 in text and LINE_41 in text
    assert f"Dự kiến 530 triệu đồng ({NSTW})." in text
    assert FUNDING.format(appendix=" (chi tiết tại Phụ lục kèm theo)") in text
    assert not NO_AMOUNT.search(text)
    appendix = text[text.index("PHỤ LỤC") :]
    # Each line, then a row per source it draws money on; the total, then a row per source.
    assert (
        f"1 Dự án 2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo UBND xã Sùng Phài 530 {NSTW} 530 2" in appendix
    )
    assert f"342 {NSTW} 242 {NSDP} 100 3 Tiểu dự án 4.1" in appendix
    assert f"785 {NSTW} 585 {NSDP} 200 4 Tiểu dự án 4.3" in appendix
    assert f"Tổng cộng 1.828 {NSTW} 1.528 {NSDP} 300 (Bằng chữ: Một tỷ tám trăm hai mươi tám triệu đồng.)" in appendix
    assert f"{NSDP} 0" not in appendix


def test_a_plan_drawing_on_one_source_names_no_source(client, seed, staff_user):
    client.force_login(staff_user)
    page = _document_text(client, seed)
    pdf = _pdf_text(_pdf(seed))
    for text in (page, pdf):
        assert "Dự kiến 342 triệu đồng." in text and "Dự kiến 1.728 triệu đồng" in text
        assert "trong đó" not in text.replace("trong đó tinh thần", "")  # a sentence of the solutions section
        assert NSTW not in text and NSDP not in text
    assert "Tổng cộng 1.728 (Bằng chữ: Một tỷ bảy trăm hai mươi tám triệu đồng.)" in pdf


def test_a_source_named_with_0_dong_on_every_line_does_not_break_the_document_down(client, seed, staff_user):
    """NSĐP named on line 2 with nothing drawn on it yet: the document has nothing to say about it."""
    LineFunding.objects.create(item=seed.items.get(project__code="2", sub_project=None), source=nsdp(), amount=0)
    client.force_login(staff_user)
    page = _document_text(client, seed)
    pdf = _pdf_text(_pdf(seed))
    for text in (page, pdf):
        assert "Dự kiến 530 triệu đồng. e) Đơn vị thực hiện: UBND xã Sùng Phài." in text
        assert NSDP not in text and not NO_AMOUNT.search(text)


def test_a_signed_plan_names_its_sources_as_signed(client, two_sources, staff_user, leader):
    plan_submit(plan=two_sources, by=staff_user)
    plan_sign(plan=two_sources, by=leader)
    FundingSource.objects.filter(code="nsdp-su-nghiep").update(name="Ngân sách tỉnh")
    FundingSource.objects.filter(code="nstw-su-nghiep").update(name="Ngân sách Trung ương")
    recorded = SignedDocument.objects.get(plan=two_sources).names["budgets.fundingsource"]
    assert sorted(names["name"] for names in recorded.values()) == sorted([NSDP, NSTW])
    client.force_login(staff_user)
    page = _document_text(client, two_sources)
    assert LINE_32 in page and FUNDING.format(appendix="") in page
    assert "Ngân sách tỉnh" not in page
    # The PDF served is the one signed; rendered again today it reads the same names.
    pdf = _pdf_text(_pdf(two_sources, draft=False))
    assert LINE_32 in pdf and f"Tổng cộng 1.828 {NSTW} 1.528 {NSDP} 300" in pdf
    assert "Ngân sách tỉnh" not in pdf


def test_the_plan_page_of_a_two_source_plan_runs_a_constant_number_of_queries(
    client, seed, staff_user, django_assert_num_queries
):
    client.force_login(staff_user)
    small = make_two_source_plan(lines=2, units_per_line=1, number=9001)
    large = make_two_source_plan(lines=30, units_per_line=4, number=9002)
    for url in [small.get_absolute_url(), large.get_absolute_url()]:
        client.get(url)  # warm caches (content types, session)
    with django_assert_num_queries(15):
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(15):
        response = client.get(large.get_absolute_url())
    text = visible_text(response.content)
    assert f"Dự kiến 60 triệu đồng, trong đó: {NSTW} 40 triệu đồng; {NSDP} 20 triệu đồng." in text
    assert f"- {NSTW}: 1.200 triệu đồng; - {NSDP}: 600 triệu đồng." in text


# --- The comparison ---------------------------------------------------------------------------------------------------


@pytest.fixture
def amendment(seed, staff_user, leader):
    """A draft amendment of the signed single-source 2024 plan, line 3.2 split 171 / 171 between its two units;
    finance notified a NSĐP ceiling of 300 triệu."""
    line = seed.items.get(sub_project__code="3.2")
    units, central = _units(line), nstw().pk
    edit = BudgetEdit(
        allocations={(line.pk, units[VP], central): 171_000_000, (line.pk, units[TTYT], central): 171_000_000}
    )
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    ceiling = ceilings_of(seed).get()
    Ceiling.objects.create(issuer=ceiling.issuer, year=ceiling.year, source=nsdp(), amount=300_000_000)
    return plan_amend(plan=seed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))


def _compare(client, user, amendment) -> str:
    client.force_login(user)
    return client.get(reverse("plans:plan_compare", args=[amendment.pk])).content.decode()


def _section_text(html: str, key: str) -> str:
    start = html.index(">", html.index(f'data-testid="section-{key}"')) + 1
    return visible_text(html[start : html.index("</section>", start)])


def test_moving_100_million_from_nstw_to_nsdp_on_line_3_2_shows_up(client, amendment, staff_user):
    line = amendment.items.get(sub_project__code="3.2")
    units, central, local = _units(line), nstw().pk, nsdp().pk
    edit = BudgetEdit(
        line_amounts={(line.pk, central): 242_000_000, (line.pk, local): 100_000_000},
        allocations={(line.pk, units[TTYT], central): 71_000_000, (line.pk, units[TTYT], local): 100_000_000},
    )
    budget_apply(plan=amendment, edit=edit, by=staff_user, reason="editor")
    html = _compare(client, staff_user, amendment)
    lines = _section_text(html, "noi-dung")
    assert "3.2 Cải thiện dinh dưỡng nội dung thay đổi" in lines
    assert f"Kinh phí ({NSTW}): 342 → 242 (-100)" in lines
    assert f"Kinh phí ({NSDP}): — → 100 (+100)" in lines
    assert f"Phân bổ cho {TTYT} ({NSTW}): 171 → 71 (-100)" in lines
    assert f"Phân bổ cho {TTYT} ({NSDP}): — → 100 (+100)" in lines
    assert "Kinh phí:" not in lines and VP not in lines  # the line's amount and VP's allocation did not change
    funding = _section_text(html, "kinh-phi")
    assert f"{NSTW}: 1.728 → 1.628 (-100)" in funding and f"{NSDP}: — → 100 (+100)" in funding
    assert "Tổng kinh phí:" not in funding
    assert "Tổng kinh phí: 1.728 → 1.728 triệu đồng (không đổi)" in visible_text(html)


def test_a_source_removed_from_a_line_and_an_amount_from_one_source_changed_show_up(client, seed, staff_user, leader):
    draw_on_two_sources(seed, staff_user)
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    amendment = plan_amend(plan=seed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))
    line_41, line_32 = (amendment.items.get(sub_project__code=code) for code in ("4.1", "3.2"))
    ldtbxh, central, local = _units(line_41)[LDTBXH], nstw().pk, nsdp().pk
    edit = BudgetEdit(
        line_amounts={(line_41.pk, local): None, (line_41.pk, central): 785_000_000, (line_32.pk, local): 90_000_000},
        allocations={
            (line_41.pk, ldtbxh, central): 785_000_000,
            (line_32.pk, _units(line_32)[TTYT], local): 90_000_000,
        },
    )
    budget_apply(plan=amendment, edit=edit, by=staff_user, reason="editor")
    html = _compare(client, staff_user, amendment)
    lines = _section_text(html, "noi-dung")
    assert f"Kinh phí ({NSTW}): 585 → 785 (+200)" in lines
    assert f"Kinh phí ({NSDP}): 200 → — (-200)" in lines
    assert f"Phân bổ cho {LDTBXH} ({NSDP}): 200 → — (-200)" in lines
    assert f"Phân bổ cho {LDTBXH} ({NSTW}): 585 → 785 (+200)" in lines
    assert "Kinh phí: 342 → 332 (-10)" in lines and f"Kinh phí ({NSDP}): 100 → 90 (-10)" in lines
    assert f"Kinh phí ({NSTW}): 242" not in lines  # unchanged
    funding = _section_text(html, "kinh-phi")
    assert "Tổng kinh phí: 1.828 → 1.818 (-10)" in funding
    assert f"{NSTW}: 1.528 → 1.728 (+200)" in funding and f"{NSDP}: 300 → 90 (-210)" in funding


# --- budget_check -----------------------------------------------------------------------------------------------------


def test_budget_check_json_gives_each_lines_fundings_per_source(two_sources, capsys):
    call_command("budget_check", "4159/KH-UBND", "--json")
    data = json.loads(capsys.readouterr().out)
    line = next(line for line in data["lines"] if line["code"] == "3.2")
    assert (line["amount"], line["allocated"]) == (342_000_000, 342_000_000)
    # Central before local, as the document names them.
    assert [(f["source"], f["amount"], f["allocated"], f["units"]) for f in line["fundings"]] == [
        (
            "nstw-su-nghiep",
            242_000_000,
            242_000_000,
            [{"unit": VP, "amount": 142_000_000}, {"unit": TTYT, "amount": 100_000_000}],
        ),
        (
            "nsdp-su-nghiep",
            100_000_000,
            100_000_000,
            [{"unit": VP, "amount": None}, {"unit": TTYT, "amount": 100_000_000}],
        ),
    ]
    assert {s["source"]: s["planned"] for s in data["sources"]} == {
        "nsdp-su-nghiep": 300_000_000,
        "nstw-su-nghiep": 1_528_000_000,
    }


def test_budget_check_names_the_source_of_each_line_and_of_a_violation(two_sources, capsys):
    Allocation.objects.filter(item__sub_project__code="3.2", item__plan=two_sources, source=nsdp()).update(
        amount=100_000_001
    )
    with pytest.raises(SystemExit) as exited:
        call_command("budget_check", "4159/KH-UBND")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert re.search(r"3\.2 +342\.000\.000 đồng +đã phân bổ 342\.000\.001 đồng\n", out)
    assert re.search(rf"100\.000\.000 đồng +đã phân bổ 100\.000\.001 đồng +\({NSDP}\)\n", out)
    assert re.search(rf"242\.000\.000 đồng +đã phân bổ 242\.000\.000 đồng +\({NSTW}\)\n", out)
    assert re.search(rf"7\.2 +22\.000\.000 đồng +đã phân bổ 22\.000\.000 đồng +\({NSTW}\)\n", out)
    [failed] = [row for row in out.splitlines() if row.startswith("KHÔNG ĐẠT")]
    assert "3.2" in failed and NSDP in failed and NSTW not in failed
    with pytest.raises(SystemExit):
        call_command("budget_check", "4159/KH-UBND", "--json")
    [violation] = json.loads(capsys.readouterr().out)["violations"]
    assert (violation["rule"], violation["line"], violation["source"], violation["excess"]) == (
        "line_over_allocated",
        "3.2",
        "nsdp-su-nghiep",
        1,
    )


def test_budget_check_of_a_one_source_plan_names_no_source(seed, capsys):
    call_command("budget_check", "4159/KH-UBND")
    out = capsys.readouterr().out
    assert NSTW not in out.replace(f"Mức trần {NSTW}", "")
    assert re.search(r"\n +3\.2 +342\.000\.000 đồng +đã phân bổ 0 đồng\n", out)
    call_command("budget_check", "4159/KH-UBND", "--json")
    line = json.loads(capsys.readouterr().out)["lines"][1]
    assert [(f["source"], f["amount"]) for f in line["fundings"]] == [("nstw-su-nghiep", 342_000_000)]
