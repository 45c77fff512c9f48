"""A plan line funded from several sources (issue 8, design.md §13): every rule of §6 holds per source, on every path
that writes money, and what a line draws on each source is copied, frozen and recorded like its allocations."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from budgets.ceilings import plan_totals, record_ceiling
from budgets.checks import check_plan
from budgets.history import plan_budget_history
from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from budgets.services import BudgetEdit, BudgetRefused, budget_apply
from plans.guard import PlanFrozen
from plans.lifecycle import plan_amend, plan_discard, plan_sign, plan_submit
from plans.models import DocumentReference, OrgUnit, Plan, PlanItem
from plans.year import start_plan_year
from tests.factories import ceilings_of, nstw
from tests.pagetext import visible_text
from tests.threads import run_together

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="triggers and row locks exist on PostgreSQL only (.ci/run runs them)"
)

DAU_TU = "Ngân sách Trung ương - vốn đầu tư"


def _source(code: str) -> FundingSource:
    return FundingSource.objects.get(code=code)


def _dau_tu() -> FundingSource:
    return _source("nstw-dau-tu")


def _line(plan, code: str) -> PlanItem:
    lines = PlanItem.objects.filter(plan=plan)
    return lines.get(sub_project__code=code) if "." in code else lines.get(project__code=code, sub_project=None)


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _fundings(plan) -> list[tuple[str, str, int]]:
    rows = LineFunding.objects.filter(item__plan=plan).select_related("item__project", "item__sub_project", "source")
    return sorted((f.item.code, f.source.code, f.amount) for f in rows)


def _allocations(plan) -> list[tuple[str, str, str, int]]:
    rows = Allocation.objects.filter(item__plan=plan).select_related(
        "item__project", "item__sub_project", "unit", "source"
    )
    return sorted((a.item.code, a.unit.code, a.source.code, a.amount) for a in rows)


def _money(plan) -> tuple:
    return _fundings(plan), _allocations(plan)


def _violations(plan) -> list[tuple[str, str | None, str | None, int | None]]:
    check = check_plan(Plan.objects.with_document().get(pk=plan.pk))
    return [(v.rule, v.line, v.source, v.excess) for v in check.violations]


def _apply(plan, by, *, line_amounts=None, allocations=None):
    """line_amounts {(line, source): đồng}, allocations {(line, unit, source): đồng}, with model objects as keys."""
    edit = BudgetEdit(
        line_amounts={(item.pk, source.pk): amount for (item, source), amount in (line_amounts or {}).items()},
        allocations={
            (item.pk, unit.pk, source.pk): amount for (item, unit, source), amount in (allocations or {}).items()
        },
    )
    return budget_apply(plan=plan, edit=edit, by=by, reason="editor")


@pytest.fixture
def two_sources(seed, staff_user):
    """The 2024 plan with line 3.2 drawing 60 triệu more on NSTW đầu tư (ceiling 100 triệu), all given to the health
    centre; NSTW sự nghiệp stays at 1.728.000.000 đồng, exactly its ceiling."""
    Ceiling.objects.create(issuer=seed.issuer, year=seed.year, source=_dau_tu(), amount=100_000_000)
    line = _line(seed, "3.2")
    _apply(
        seed,
        staff_user,
        line_amounts={(line, _dau_tu()): 60_000_000},
        allocations={(line, _unit("city-ttyt"), _dau_tu()): 60_000_000},
    )
    return seed


@pytest.fixture
def signed_two_sources(two_sources, staff_user, leader):
    plan_submit(plan=two_sources, by=staff_user)
    plan_sign(plan=two_sources, by=leader)
    return Plan.objects.get(pk=two_sources.pk)


def test_a_line_draws_on_two_sources_and_the_plan_passes_every_check(two_sources):
    assert [row for row in _fundings(two_sources) if row[0] == "3.2"] == [
        ("3.2", "nstw-dau-tu", 60_000_000),
        ("3.2", "nstw-su-nghiep", 342_000_000),
    ]
    assert PlanItem.objects.get(pk=_line(two_sources, "3.2").pk).amount == 402_000_000
    assert _violations(two_sources) == []


# --- rule 1, per source -------------------------------------------------------------------------------------------


def test_one_source_over_its_ceiling_is_refused_even_while_the_other_has_room(two_sources, staff_user):
    """The sự nghiệp ceiling has 72 triệu of room; the đầu tư one is 1 đồng short: together the ceilings would cover
    the plan, each source alone does not."""
    ceilings_of(two_sources).filter(source=nstw()).update(amount=1_800_000_000)
    line = _line(two_sources, "3.2")
    before = _money(two_sources)
    with pytest.raises(BudgetRefused) as refused:
        _apply(two_sources, staff_user, line_amounts={(line, _dau_tu()): 100_000_001})
    assert [(v.rule, v.source, v.limit, v.actual, v.excess) for v in refused.value.violations] == [
        ("ceiling_exceeded", "nstw-dau-tu", 100_000_000, 100_000_001, 1)
    ]
    assert refused.value.violations[0].message == (
        f"{DAU_TU}: tổng kinh phí các nội dung là 100.000.001 đồng, vượt mức trần 100.000.000 đồng là 1 đồng."
    )
    assert _money(two_sources) == before
    # The source with room takes the same raise.
    _apply(two_sources, staff_user, line_amounts={(line, nstw()): 342_000_000 + 72_000_000})
    assert ("3.2", "nstw-su-nghiep", 414_000_000) in _fundings(two_sources)
    assert _violations(two_sources) == []


def test_a_source_drawn_on_without_a_ceiling_is_reported_and_the_plan_cannot_be_submitted(seed, staff_user):
    """Staff may plan on a source before finance records its ceiling; the plan is then incomplete."""
    local = _source("nsdp-su-nghiep")
    _apply(seed, staff_user, line_amounts={(_line(seed, "2"), local): 5_000_000})
    assert ("2", "nsdp-su-nghiep", 5_000_000) in _fundings(seed)
    assert _violations(seed) == [("no_ceiling", None, "nsdp-su-nghiep", None)]
    with pytest.raises(ValidationError) as refused:
        plan_submit(plan=seed, by=staff_user)
    assert "Chưa có mức trần cho Ngân sách địa phương - vốn sự nghiệp." in refused.value.messages
    assert Plan.objects.get(pk=seed.pk).status == Plan.Status.DRAFT


# --- rule 2, per source -------------------------------------------------------------------------------------------


def test_allocations_from_a_source_may_not_exceed_what_the_line_draws_on_it(two_sources, staff_user):
    """Line 3.2 has 342 triệu of sự nghiệp unallocated, yet 1 đồng more from đầu tư than it draws there is refused."""
    line = _line(two_sources, "3.2")
    before = _money(two_sources)
    with pytest.raises(BudgetRefused) as refused:
        _apply(two_sources, staff_user, allocations={(line, _unit("city-vp-hdnd-ubnd"), _dau_tu()): 1})
    [violation] = refused.value.violations
    assert (violation.rule, violation.line, violation.source, violation.limit, violation.excess) == (
        "line_over_allocated",
        "3.2",
        "nstw-dau-tu",
        60_000_000,
        1,
    )
    assert violation.message.startswith(f"Nội dung 3.2, {DAU_TU}: tổng phân bổ 60.000.001 đồng")
    assert _money(two_sources) == before
    # Lowering what the line draws on đầu tư below its allocations from it is refused the same way.
    with pytest.raises(BudgetRefused) as refused:
        _apply(two_sources, staff_user, line_amounts={(line, _dau_tu()): 59_000_000})
    assert [(v.rule, v.source, v.excess) for v in refused.value.violations] == [
        ("line_over_allocated", "nstw-dau-tu", 1_000_000)
    ]
    assert _money(two_sources) == before


def test_an_allocation_from_a_source_the_line_does_not_draw_on_is_refused(two_sources, staff_user):
    line = _line(two_sources, "2")  # sự nghiệp only
    before = _money(two_sources)
    with pytest.raises(ValidationError) as refused:
        _apply(two_sources, staff_user, allocations={(line, _unit("commune-sung-phai"), _dau_tu()): 1_000_000})
    assert refused.value.messages == [f"Nội dung 2 không sử dụng {DAU_TU}: hãy thêm nguồn vốn này cho nội dung trước."]
    assert _money(two_sources) == before


# --- adding and removing a source --------------------------------------------------------------------------------


def test_removing_a_source_removes_its_allocations_and_the_history_records_each(two_sources, staff_user):
    line = _line(two_sources, "3.2")
    changes = _apply(two_sources, staff_user, line_amounts={(line, _dau_tu()): None})
    assert [row for row in _fundings(two_sources) if row[0] == "3.2"] == [("3.2", "nstw-su-nghiep", 342_000_000)]
    assert not Allocation.objects.filter(item=line).exists()
    recorded = {(c.kind, c.line, c.unit, c.source, c.old, c.new, c.action, c.user, c.reason) for c in changes}
    assert recorded == {
        ("line", "3.2", None, DAU_TU, 60_000_000, None, "-", "ldtbxh", "editor"),
        ("allocation", "3.2", "Trung tâm Y tế thành phố", DAU_TU, 60_000_000, None, "-", "ldtbxh", "editor"),
    }
    # The whole story of the source on this line, newest first, stays in the plan's history.
    story = [(c.kind, c.old, c.new) for c in plan_budget_history(two_sources) if c.source == DAU_TU]
    assert story[-2:] in (
        [("line", None, 60_000_000), ("allocation", None, 60_000_000)],
        [("allocation", None, 60_000_000), ("line", None, 60_000_000)],
    )
    assert len(story) == 4
    assert _violations(two_sources) == []


def test_adding_a_source_and_allocating_from_it_in_one_edit(two_sources, staff_user):
    line = _line(two_sources, "2")
    sung_phai = _unit("commune-sung-phai")
    changes = _apply(
        two_sources,
        staff_user,
        line_amounts={(line, _dau_tu()): 40_000_000},
        allocations={(line, sung_phai, _dau_tu()): 40_000_000},
    )
    assert ("2", "nstw-dau-tu", 40_000_000) in _fundings(two_sources)
    assert ("2", "commune-sung-phai", "nstw-dau-tu", 40_000_000) in _allocations(two_sources)
    assert ("2", "commune-sung-phai", "nstw-su-nghiep", 530_000_000) in _allocations(two_sources)
    assert {(c.kind, c.line, c.source, c.old, c.new, c.action) for c in changes} == {
        ("line", "2", DAU_TU, None, 40_000_000, "+"),
        ("allocation", "2", DAU_TU, None, 40_000_000, "+"),
    }
    # 60 + 40 triệu: the đầu tư ceiling is reached, one đồng more on either line is refused.
    with pytest.raises(BudgetRefused):
        _apply(two_sources, staff_user, line_amounts={(line, _dau_tu()): 40_000_001})


def test_an_unknown_source_id_is_refused(seed, staff_user):
    line = _line(seed, "2")
    missing = FundingSource.objects.order_by("-pk").first().pk + 1
    with pytest.raises(ValidationError) as refused:
        budget_apply(plan=seed, edit=BudgetEdit(line_amounts={(line.pk, missing): 1}), by=staff_user, reason="editor")
    assert refused.value.messages == [f"Không có nguồn vốn mang mã số: {missing}."]


def test_a_line_keeps_a_source_even_when_an_edit_asks_to_remove_its_last(seed, staff_user):
    """The editor offers no way to remove a line's only source; a crafted edit is refused and changes nothing."""
    line = _line(seed, "4.1")
    Allocation.objects.filter(item=line).delete()
    before = _fundings(seed)
    with pytest.raises(ValidationError) as refused:
        _apply(seed, staff_user, line_amounts={(line, _source("nstw-su-nghiep")): None})
    assert refused.value.messages == [
        "Nội dung 4.1 phải giữ ít nhất một nguồn vốn: hãy thêm nguồn vốn khác trước khi bỏ nguồn này."
    ]
    assert _fundings(seed) == before

    # Swapping sources in one edit is fine: the line still draws on one.
    Ceiling.objects.create(issuer=seed.issuer, year=seed.year, source=_dau_tu(), amount=685_000_000)
    _apply(seed, staff_user, line_amounts={(line, _source("nstw-su-nghiep")): None, (line, _dau_tu()): 685_000_000})
    assert [row for row in _fundings(seed) if row[0] == "4.1"] == [("4.1", "nstw-dau-tu", 685_000_000)]


# --- the lifecycle: amendment, year copy, discard -----------------------------------------------------------------


def test_the_amendment_copies_what_each_line_draws_on_each_source(signed_two_sources, staff_user):
    amendment = plan_amend(plan=signed_two_sources, by=staff_user, number=4170, issued_on=datetime.date(2024, 6, 1))
    assert _money(amendment) == _money(signed_two_sources)
    assert ("3.2", "nstw-dau-tu", 60_000_000) in _fundings(amendment)
    records = LineFunding.history.filter(item__plan=amendment)
    assert {(r.history_type, r.history_change_reason, r.history_user_id) for r in records} == {
        ("+", "amendment", staff_user.pk)
    }
    assert _violations(amendment) == []


def test_the_year_copy_keeps_each_lines_sources_at_0_dong(signed_two_sources, staff_user):
    start = start_plan_year(
        year=2025,
        number=512,
        symbol="KH-UBND",
        issued_on=datetime.date(2024, 12, 20),
        place="Thành phố Lai Châu",
        by=staff_user,
        source=signed_two_sources,
    )
    copied = _fundings(start.plan)
    assert [row for row in copied if row[0] == "3.2"] == [("3.2", "nstw-dau-tu", 0), ("3.2", "nstw-su-nghiep", 0)]
    assert {(code, source) for code, source, _amount in copied} == {
        (code, source) for code, source, _amount in _fundings(signed_two_sources)
    }
    assert {amount for _code, _source, amount in copied} == {0}
    assert _allocations(start.plan) == []


def test_discarding_a_draft_reports_the_total_over_every_source(two_sources, staff_user):
    discarded = plan_discard(plan=two_sources, by=staff_user)
    assert (discarded.lines, discarded.total) == (7, 1_728_000_000 + 60_000_000)
    assert not LineFunding.objects.exists()
    deleted = LineFunding.history.filter(history_type="-")
    assert deleted.count() == 8
    assert {(r.history_user_id, r.history_change_reason) for r in deleted} == {(staff_user.pk, "discard 4159/KH-UBND")}


# --- the freeze ---------------------------------------------------------------------------------------------------


def _other_line_source(plan):
    return LineFunding(item=_line(plan, "2"), source=_dau_tu(), amount=1)


ORM_WRITES = {
    "created": lambda p: _other_line_source(p).save(),
    "changed": lambda p: LineFunding.objects.get(item=_line(p, "3.2"), source=_dau_tu()).save(),
    "moved to another source": lambda p: _save(
        LineFunding.objects.get(item=_line(p, "3.2"), source=_dau_tu()), source=_source("nsdp-dau-tu")
    ),
    "deleted": lambda p: LineFunding.objects.get(item=_line(p, "3.2"), source=_dau_tu()).delete(),
}


def _save(row, **changes):
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()


@pytest.mark.parametrize("status", ["submitted", "signed"])
@pytest.mark.parametrize("write", ORM_WRITES)
def test_what_a_line_draws_on_a_source_is_frozen_once_the_plan_is_submitted(
    two_sources, staff_user, leader, status, write
):
    plan_submit(plan=two_sources, by=staff_user)
    if status == "signed":
        plan_sign(plan=two_sources, by=leader)
    before = _money(two_sources)
    with pytest.raises(PlanFrozen), transaction.atomic():
        ORM_WRITES[write](two_sources)
    assert _money(two_sources) == before


RAW_WRITES = {
    "insert": (
        "INSERT INTO budgets_linefunding (item_id, source_id, amount) "
        "SELECT id, %(source)s, 1 FROM plans_planitem WHERE plan_id = %(plan)s"
    ),
    "update": (
        "UPDATE budgets_linefunding SET amount = amount + 1 "
        "WHERE item_id IN (SELECT id FROM plans_planitem WHERE plan_id = %(plan)s)"
    ),
    "delete": (
        "DELETE FROM budgets_linefunding WHERE source_id = %(source)s "
        "AND item_id IN (SELECT id FROM plans_planitem WHERE plan_id = %(plan)s)"
    ),
}


@on_postgresql
@pytest.mark.parametrize("write", RAW_WRITES)
def test_the_database_refuses_raw_writes_to_a_signed_plans_line_sources(signed_two_sources, write):
    before = _money(signed_two_sources)
    source = _source("nsdp-dau-tu") if write == "insert" else _dau_tu()
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RAW_WRITES[write], {"plan": signed_two_sources.pk, "source": source.pk})
    assert "không còn là dự thảo" in str(refused.value) and "budgets_linefunding" in str(refused.value)
    assert _money(signed_two_sources) == before


@on_postgresql
def test_the_database_lets_a_drafts_line_sources_change(two_sources):
    with connection.cursor() as cursor:
        cursor.execute(RAW_WRITES["update"], {"plan": two_sources.pk, "source": _dau_tu().pk})
        assert cursor.rowcount == 8


# --- two officers at once -----------------------------------------------------------------------------------------


def _totals(plan) -> dict[str, int]:
    totals: dict[str, int] = {}
    for _code, source, amount in _fundings(plan):
        totals[source] = totals.get(source, 0) + amount
    return totals


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_saves_on_two_sources_at_once_never_end_above_a_ceiling(two_sources, staff_user, leader):
    """Each save raises both sources by 1 triệu, on different lines; each ceiling has room for one raise only."""
    ceilings_of(two_sources).filter(source=nstw()).update(amount=1_729_000_000)
    ceilings_of(two_sources).filter(source=_dau_tu()).update(amount=61_000_000)
    line_2, line_3_2, line_4_1, line_6_2 = (_line(two_sources, code) for code in ["2", "3.2", "4.1", "6.2"])
    first = {(line_2, _dau_tu()): 1_000_000, (line_4_1, nstw()): 685_000_000 + 1_000_000}
    second = {(line_3_2, _dau_tu()): 61_000_000, (line_6_2, nstw()): line_6_2.amount + 1_000_000}
    outcomes = run_together(
        lambda: _apply(two_sources, staff_user, line_amounts=first),
        lambda: _apply(two_sources, leader, line_amounts=second),
    )
    assert sorted(outcomes) == ["BudgetRefused", "saved"]
    assert _totals(two_sources) == {"nstw-dau-tu": 61_000_000, "nstw-su-nghiep": 1_729_000_000}
    assert _violations(two_sources) == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_saves_each_on_its_own_source_at_once_both_save(two_sources, staff_user, leader):
    ceilings_of(two_sources).filter(source=nstw()).update(amount=1_729_000_000)
    ceilings_of(two_sources).filter(source=_dau_tu()).update(amount=61_000_000)
    line_3_2, line_4_1 = _line(two_sources, "3.2"), _line(two_sources, "4.1")
    outcomes = run_together(
        lambda: _apply(two_sources, staff_user, line_amounts={(line_4_1, nstw()): 686_000_000}),
        lambda: _apply(two_sources, leader, line_amounts={(line_3_2, _dau_tu()): 61_000_000}),
    )
    assert outcomes == ["saved", "saved"]
    assert _totals(two_sources) == {"nstw-dau-tu": 61_000_000, "nstw-su-nghiep": 1_729_000_000}


# --- the ceilings page --------------------------------------------------------------------------------------------


def test_the_ceilings_page_lists_each_plans_total_per_source(client, two_sources, staff_user):
    ceilings = list(Ceiling.objects.filter(year=2024).select_related("source"))
    rows = [(t.plan.pk, t.source.code, t.total, t.ceiling) for t in plan_totals([two_sources], ceilings)]
    assert rows == [
        (two_sources.pk, "nstw-dau-tu", 60_000_000, 100_000_000),
        (two_sources.pk, "nstw-su-nghiep", 1_728_000_000, 1_728_000_000),
    ]
    client.force_login(staff_user)
    text = visible_text(client.get(reverse("budgets:ceiling_list") + "?nam=2024").content)
    assert f"{DAU_TU} 60.000.000 100.000.000" in text, text[:3000]
    assert "Ngân sách Trung ương - vốn sự nghiệp 1.728.000.000 1.728.000.000" in text


def test_lowering_one_sources_ceiling_reports_the_plan_over_it_by_that_source_only(two_sources, finance_officer):
    ceiling = ceilings_of(two_sources).get(source=_dau_tu())
    saved = record_ceiling(
        ceiling=ceiling,
        amount=50_000_000,
        notified_by=DocumentReference.objects.get(number="5114/UBND-TH"),
        by=finance_officer,
    )
    assert [(t.plan.pk, t.source.code, t.total, t.excess) for t in saved.over] == [
        (two_sources.pk, "nstw-dau-tu", 60_000_000, 10_000_000)
    ]
    assert _violations(two_sources) == [("ceiling_exceeded", None, "nstw-dau-tu", 10_000_000)]
