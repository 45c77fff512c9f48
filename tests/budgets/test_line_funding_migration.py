"""budgets 0006 / plans 0007: a line's amount and source move to one LineFunding row per line, and the budget history
still tells every earlier change of the line's amount."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from budgets.history import plan_budget_history
from budgets.models import FundingSource, LineFunding
from plans.models import Plan, PlanItem

BEFORE = [("budgets", "0005_ceiling_per_issuer_year"), ("plans", "0006_orgunit_kinds_item_title_amended_once")]


def _at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2024, 1, day, hour, tzinfo=datetime.UTC)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    if connection.vendor == "postgresql":
        # Going back dropped the LineFunding table with its trigger; `migrate` installs triggers after it runs,
        # a bare MigrationExecutor does not.
        import pgtrigger

        pgtrigger.install()


@pytest.mark.django_db(transaction=True)
def test_each_line_gets_one_funding_with_its_amount_source_and_id_and_the_history_is_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        made = _make_old_lines(executor.loader.project_state(BEFORE).apps)
        _migrate_to_latest()
        _assert_moved(made)
    finally:
        _migrate_to_latest()


def _make_old_lines(old) -> dict:
    Programme, Project, OrgUnit_, Plan_ = (
        old.get_model(*m.split(".")) for m in ("projects.Programme", "projects.Project", "plans.OrgUnit", "plans.Plan")
    )
    Source, PlanItem_ = old.get_model("budgets", "FundingSource"), old.get_model("plans", "PlanItem")
    HistoricalPlanItem = old.get_model("plans", "HistoricalPlanItem")
    user = old.get_model("auth", "User").objects.create(username="hoa", first_name="Nguyễn Thị", last_name="Hoa")
    programme = Programme.objects.create(
        code="p", name="P", decision_number="1", decision_date=datetime.date(2022, 1, 1), start_year=2021, end_year=2025
    )
    city = OrgUnit_.objects.create(code="c", name="C", kind="city", valid_from=datetime.date(2000, 1, 1))
    central = Source.objects.create(code="n", name="Trung ương", origin="central", kind="recurrent")
    local = Source.objects.create(code="l", name="Địa phương", origin="local", kind="recurrent")
    plan = Plan_.objects.create(
        programme=programme,
        issuer=city,
        number=1,
        place="X",
        issued_on=datetime.date(2023, 12, 29),
        year=2024,
        summary="S",
    )
    one, two = (Project.objects.create(programme=programme, code=code, name=f"Dự án {code}") for code in ("1", "2"))
    first = PlanItem_.objects.create(plan=plan, position=1, project=one, amount=120, source=central)
    second = PlanItem_.objects.create(plan=plan, position=2, project=two, amount=50, source=local)

    def record(item, when, kind, reason, **values):
        fields = {f.attname: getattr(item, f.attname) for f in PlanItem_._meta.concrete_fields}
        HistoricalPlanItem.objects.create(
            **{**fields, **values},
            history_date=when,
            history_type=kind,
            history_change_reason=reason,
            history_user_id=user.pk,
            history_user_name="Nguyễn Thị Hoa",
        )

    record(first, _at(1), "+", "seed", amount=100)
    record(first, _at(2), "~", "editor", amount=120)
    record(first, _at(3), "~", "plan-editor", objective="Mục tiêu mới")  # text only: no budget change
    record(second, _at(1, 10), "+", "seed")
    return {"plan": plan.pk, "first": first.pk, "second": second.pk, "central": central.pk, "local": local.pk}


def _assert_moved(made: dict) -> None:
    fundings = sorted(LineFunding.objects.values_list("id", "item_id", "source_id", "amount"))
    assert fundings == [
        (made["first"], made["first"], made["central"], 120),
        (made["second"], made["second"], made["local"], 50),
    ]
    plan = Plan.objects.with_document().get(pk=made["plan"])
    assert [(item.amount, [s.code for s in item.sources]) for item in plan.items.all()] == [(120, ["n"]), (50, ["l"])]
    history = [(c.kind, c.line, c.source, c.old, c.new, c.reason, c.user) for c in plan_budget_history(plan)]
    assert history == [
        ("line", "1", "Trung ương", 100, 120, "editor", "Nguyễn Thị Hoa"),
        ("line", "2", "Địa phương", None, 50, "seed", "Nguyễn Thị Hoa"),
        ("line", "1", "Trung ương", None, 100, "seed", "Nguyễn Thị Hoa"),
    ]
    # The funding's own history keeps the money records only, not the edit of the line's text.
    records = LineFunding.history.filter(id=made["first"]).order_by("history_date")
    assert [(r.history_type, r.amount, r.history_change_reason) for r in records] == [
        ("+", 100, "seed"),
        ("~", 120, "editor"),
    ]
    # The id sequence starts after the copied rows: a source added now gets a new id.
    added = LineFunding.objects.create(
        item=PlanItem.objects.get(pk=made["second"]), source=FundingSource.objects.get(pk=made["central"]), amount=1
    )
    assert added.pk > max(made["first"], made["second"])
