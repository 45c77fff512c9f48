"""Small builders for test data; reference data comes from the real fixtures (the `seed` fixture)."""

import datetime

from django.contrib.auth import get_user_model

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from plans.models import ImplementingUnit, Membership, OrgUnit, Plan, PlanItem
from projects.models import Programme, Project, SubProject

PASSWORD = "mat-khau-thu-nghiem"


def make_user(username: str, role: str | None, unit_code: str | None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        unit = OrgUnit.objects.get(code=unit_code) if unit_code else None
        Membership.objects.create(user=user, role=role, unit=unit)
    return user


def make_plan_shell(*, number: int, programme_code: str = "test-programme", **text) -> tuple[Plan, Project]:
    """An empty 2026 plan of the city under a made-up programme whose project 9 has the lines; `text` fills fields."""
    programme, _ = Programme.objects.get_or_create(
        code=programme_code,
        defaults={
            "name": "Chương trình thử nghiệm",
            "decision_number": "1/QĐ-TTg",
            "decision_date": datetime.date(2025, 1, 1),
            "start_year": 2026,
            "end_year": 2030,
        },
    )
    project, _ = Project.objects.get_or_create(programme=programme, code="9", defaults={"name": "Dự án thử nghiệm"})
    plan = Plan.objects.create(
        programme=programme,
        issuer=OrgUnit.objects.get(code="lai-chau-city"),
        number=number,
        place="Thành phố Lai Châu",
        issued_on=datetime.date(2025, 12, 1),
        year=2026,
        summary="Kế hoạch thử nghiệm",
        **text,
    )
    return plan, project


# What a complete plan has beyond its lines (design.md §13): recipients and the signature block.
COMPLETE_PLAN_TEXT = {
    "purposes": "Mục đích một",
    "solutions": "Giải pháp một",
    "recipients": "UBND tỉnh Lai Châu;\nLưu: VT.",
    "authority_lines": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
    "signer_title": "PHÓ CHỦ TỊCH",
    "signer_name": "Trần Đình Tiến",
}
COMPLETE_LINE_TEXT = {"objective": "Mục tiêu", "activities": "Hoạt động một\nHoạt động hai"}


def make_plan(*, lines: int, units_per_line: int, number: int = 9000, **blank) -> Plan:
    """Build a complete plan with `lines` budget lines (sub-projects of a made-up programme), each with an objective,
    activities, units and allocations, ready to be submitted and signed.

    For an incomplete plan, name the text to leave out: make_plan(..., signer_name="", activities="") blanks the
    plan's field or every line's field of that name."""
    text = {**COMPLETE_PLAN_TEXT, **{k: v for k, v in blank.items() if k in COMPLETE_PLAN_TEXT}}
    line_text = {**COMPLETE_LINE_TEXT, **{k: v for k, v in blank.items() if k in COMPLETE_LINE_TEXT}}
    unknown = set(blank) - set(COMPLETE_PLAN_TEXT) - set(COMPLETE_LINE_TEXT)
    assert not unknown, f"make_plan cannot set {unknown}"
    plan, project = make_plan_shell(number=number, **text)
    source = FundingSource.objects.get(code="nstw-su-nghiep")
    city = plan.issuer
    units = [
        OrgUnit.objects.create(
            code=f"test-unit-{number}-{i}",
            name=f"Đơn vị thử {i}",
            kind="department",
            parent=city,
            valid_from=datetime.date(2020, 1, 1),
        )
        for i in range(units_per_line)
    ]
    total = 0
    for index in range(1, lines + 1):
        sub, _ = SubProject.objects.get_or_create(
            project=project, code=f"9.{index}", defaults={"name": f"Tiểu dự án {index}"}
        )
        item = PlanItem.objects.create(plan=plan, position=index, project=project, sub_project=sub, **line_text)
        LineFunding.objects.create(item=item, source=source, amount=10_000_000 * units_per_line)
        for position, unit in enumerate(units):
            ImplementingUnit.objects.create(item=item, unit=unit, position=position)
            Allocation.objects.create(item=item, unit=unit, source=source, amount=10_000_000)
        total += 10_000_000 * units_per_line
    cover_with_ceiling(plan, source, total)
    return plan


def nstw() -> FundingSource:
    """The source of the seed plan's every line: Ngân sách Trung ương - vốn sự nghiệp."""
    return FundingSource.objects.get(code="nstw-su-nghiep")


def add_line(plan: Plan, *, amount: int, source: FundingSource | None = None, **fields) -> PlanItem:
    """A line of `plan` drawing `amount` đồng on `source` (NSTW sự nghiệp when not named); `fields` as PlanItem's."""
    item = PlanItem.objects.create(plan=plan, **fields)
    LineFunding.objects.create(item=item, source=source or nstw(), amount=amount)
    return item


def only_source(item: PlanItem) -> int:
    """The id of the one source a single-source line draws on: the key BudgetEdit's line amounts use with it."""
    (source_id,) = item.fundings.values_list("source_id", flat=True)
    return source_id


def ceilings_of(plan: Plan):
    """The ceilings that apply to `plan`: its issuer's for its year (a queryset, for tests to change them directly)."""
    return Ceiling.objects.filter(issuer_id=plan.issuer_id, year=plan.year)


def cover_with_ceiling(plan: Plan, source: FundingSource, total: int) -> Ceiling:
    """The ceiling of the plan's issuer and year for `source`, created at `total` or raised to it: ceilings belong to
    the issuer and year, so several test plans of the city for 2026 share one."""
    ceiling, created = Ceiling.objects.get_or_create(
        issuer_id=plan.issuer_id, year=plan.year, source=source, defaults={"amount": total}
    )
    if not created and ceiling.amount < total:
        ceiling.amount = total
        ceiling.save(update_fields=["amount"])
    return ceiling
