"""Ceilings belong to an issuer, a plan year and a source (design.md §13), no longer to one plan.

Each existing ceiling takes the issuer and year of its plan. Where several plans of one issuer and year had a ceiling
for the same source (a plan and its amendments), the ceiling of the latest plan (latest issue date, then latest
created) is kept; the others are deleted, with a history record saying so. History records get the issuer and year
of their plan too (from the plan's own history when the plan is gone), so the budget history of a plan keeps showing
earlier ceiling changes. Finally the plan link is dropped.

On PostgreSQL the ceiling table carried the trigger that froze it with its plan (plans/triggers.py): it would refuse
these very updates for signed plans, and it reads the dropped column, so it is dropped first. `migrate` then prunes
and installs the remaining triggers as usual.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

MERGED = "ceiling-merged"  # budgets.history.REASON_CEILING_MERGED


def drop_frozen_ceiling_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        DO $$
        DECLARE t record;
        BEGIN
            FOR t IN SELECT tgname, tgfoid FROM pg_trigger
                     WHERE tgrelid = 'budgets_ceiling'::regclass AND tgname LIKE 'pgtrigger_frozen_with_plan_%'
            LOOP
                EXECUTE format('DROP TRIGGER %I ON budgets_ceiling', t.tgname);
                IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgfoid = t.tgfoid) THEN
                    EXECUTE format('DROP FUNCTION %s', t.tgfoid::regprocedure);
                END IF;
            END LOOP;
        END $$;
        """,
        None,  # no parameters: the % signs are PL/pgSQL's
    )


def _plan_keys(apps, plan_ids):
    """plan id → (issuer id, year, issued_on, created_at) from the plan, or from its history when it is gone."""
    Plan = apps.get_model("plans", "Plan")
    HistoricalPlan = apps.get_model("plans", "HistoricalPlan")
    keys = {
        pk: (issuer_id, year, issued_on, created_at)
        for pk, issuer_id, year, issued_on, created_at in Plan.objects.filter(pk__in=plan_ids).values_list(
            "pk", "issuer_id", "year", "issued_on", "created_at"
        )
    }
    missing = set(plan_ids) - set(keys)
    for record in HistoricalPlan.objects.filter(id__in=missing).order_by("history_date", "history_id"):
        keys[record.id] = (record.issuer_id, record.year, record.issued_on, record.created_at)  # the latest wins
    return keys


def move_to_issuer_and_year(apps, schema_editor):
    Ceiling = apps.get_model("budgets", "Ceiling")
    HistoricalCeiling = apps.get_model("budgets", "HistoricalCeiling")
    ceilings = list(Ceiling.objects.order_by("pk"))
    records = list(HistoricalCeiling.objects.order_by("history_id"))
    keys = _plan_keys(apps, {c.plan_id for c in ceilings} | {r.plan_id for r in records if r.plan_id is not None})

    kept = {}  # (issuer, year, source) → ceiling of the latest plan
    for ceiling in ceilings:
        issuer_id, year, issued_on, created_at = keys[ceiling.plan_id]
        ceiling.issuer_id, ceiling.year = issuer_id, year
        rank = (issued_on, created_at, ceiling.plan_id)
        slot = (issuer_id, year, ceiling.source_id)
        if slot not in kept or rank > kept[slot][0]:
            kept[slot] = (rank, ceiling)
    survivors = {ceiling.pk for _rank, ceiling in kept.values()}
    now = timezone.now()
    for ceiling in ceilings:
        if ceiling.pk in survivors:
            Ceiling.objects.filter(pk=ceiling.pk).update(issuer_id=ceiling.issuer_id, year=ceiling.year)
            continue
        HistoricalCeiling.objects.create(
            id=ceiling.pk,
            plan_id=ceiling.plan_id,
            issuer_id=ceiling.issuer_id,
            year=ceiling.year,
            source_id=ceiling.source_id,
            amount=ceiling.amount,
            notified_by_id=ceiling.notified_by_id,
            history_date=now,
            history_type="-",
            history_change_reason=MERGED,
        )
        ceiling.delete()

    for record in records:
        issuer_id, year, _issued_on, _created_at = keys.get(record.plan_id, (None, 0, None, None))
        HistoricalCeiling.objects.filter(history_id=record.history_id).update(issuer_id=issuer_id, year=year)
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign keys are checked at commit; the table is altered below in this same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0004_audit_history"),
        ("plans", "0005_initial_history_and_signed_names"),
    ]

    operations = [
        migrations.RunPython(drop_frozen_ceiling_trigger, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="ceiling", name="ceiling_unique_per_plan_source"),
        migrations.AddField(
            model_name="ceiling",
            name="issuer",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ceilings",
                to="plans.orgunit",
                verbose_name="issuer of the plans",
            ),
        ),
        migrations.AddField(
            model_name="ceiling",
            name="year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="plan year"),
        ),
        migrations.AddField(
            model_name="historicalceiling",
            name="issuer",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="plans.orgunit",
                verbose_name="issuer of the plans",
            ),
        ),
        migrations.AddField(
            model_name="historicalceiling",
            name="year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="plan year"),
        ),
        migrations.RunPython(move_to_issuer_and_year, migrations.RunPython.noop),
        migrations.RemoveField(model_name="ceiling", name="plan"),
        migrations.RemoveField(model_name="historicalceiling", name="plan"),
        migrations.AlterField(
            model_name="ceiling",
            name="issuer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ceilings",
                to="plans.orgunit",
                verbose_name="issuer of the plans",
            ),
        ),
        migrations.AlterField(
            model_name="ceiling",
            name="year",
            field=models.PositiveSmallIntegerField(verbose_name="plan year"),
        ),
        migrations.AlterField(
            model_name="historicalceiling",
            name="year",
            field=models.PositiveSmallIntegerField(verbose_name="plan year"),
        ),
        migrations.AlterModelOptions(
            name="ceiling",
            options={
                "ordering": ["-year", "issuer", "source"],
                "verbose_name": "ceiling",
                "verbose_name_plural": "ceilings",
            },
        ),
        migrations.AddConstraint(
            model_name="ceiling",
            constraint=models.CheckConstraint(
                condition=models.Q(("year__gte", 2000), ("year__lte", 2100)), name="ceiling_year_plausible"
            ),
        ),
        migrations.AddConstraint(
            model_name="ceiling",
            constraint=models.UniqueConstraint(
                fields=("issuer", "year", "source"),
                name="ceiling_unique_per_issuer_year_source",
                violation_error_message="A ceiling for this issuer, year and source is already recorded: edit it.",
            ),
        ),
    ]
