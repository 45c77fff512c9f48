"""A plan line's money moves from PlanItem.amount and PlanItem.source to one LineFunding row per source (design.md
§13: a line may draw on several sources). Each line gets one row with its amount and source, under the line's own id,
and the line's history records become the row's history, so the budget history still shows every earlier change.
plans 0007 then drops the two columns."""

import django.db.models.deletion
import lai_chau.fields
import simple_history.models
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models


HISTORY_FIELDS = ["history_date", "history_change_reason", "history_type", "history_user_id", "history_user_name"]


def copy_line_money(apps, schema_editor):
    PlanItem = apps.get_model("plans", "PlanItem")
    HistoricalPlanItem = apps.get_model("plans", "HistoricalPlanItem")
    LineFunding = apps.get_model("budgets", "LineFunding")
    HistoricalLineFunding = apps.get_model("budgets", "HistoricalLineFunding")
    LineFunding.objects.bulk_create(
        LineFunding(id=item.id, item_id=item.id, source_id=item.source_id, amount=item.amount)
        for item in PlanItem.objects.all().iterator()
    )

    def money_records():
        """The line's records that say something about its money: creations, deletions, and changes of its amount
        or source (a change of the line's text only is no change of its funding)."""
        previous = {}
        for record in HistoricalPlanItem.objects.order_by("history_date", "history_id").iterator():
            money, before = (record.amount, record.source_id), previous.get(record.id)
            previous[record.id] = money
            if record.history_type != "~" or before != money:
                yield record

    HistoricalLineFunding.objects.bulk_create(
        HistoricalLineFunding(
            id=record.id,
            item_id=record.id,
            source_id=record.source_id,
            amount=record.amount,
            **{name: getattr(record, name) for name in HISTORY_FIELDS},
        )
        for record in money_records()
    )
    connection = schema_editor.connection
    for statement in connection.ops.sequence_reset_sql(no_style(), [LineFunding]):
        with connection.cursor() as cursor:
            cursor.execute(statement)


def copy_back(apps, schema_editor):
    """Going back to one amount and source per line: the sum, from the line's first source (by code)."""
    PlanItem = apps.get_model("plans", "PlanItem")
    LineFunding = apps.get_model("budgets", "LineFunding")
    for item in PlanItem.objects.all().iterator():
        fundings = list(LineFunding.objects.filter(item_id=item.pk).order_by("source__code"))
        if fundings:
            item.amount, item.source_id = sum(f.amount for f in fundings), fundings[0].source_id
            item.save(update_fields=["amount", "source"])


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0005_ceiling_per_issuer_year'),
        ('plans', '0006_orgunit_kinds_item_title_amended_once'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalLineFunding',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_user_name', models.CharField(blank=True, max_length=300, verbose_name='changed by (name kept)')),
                ('amount', lai_chau.fields.AmountField(help_text='Whole đồng. Vietnamese notation is accepted: 530.000.000', verbose_name='amount (đồng)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.planitem', verbose_name='plan line')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='budgets.fundingsource', verbose_name='funding source')),
            ],
            options={
                'verbose_name': 'historical line funding',
                'verbose_name_plural': 'historical line fundings',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='LineFunding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', lai_chau.fields.AmountField(help_text='Whole đồng. Vietnamese notation is accepted: 530.000.000', verbose_name='amount (đồng)')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fundings', to='plans.planitem', verbose_name='plan line')),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='line_fundings', to='budgets.fundingsource', verbose_name='funding source')),
            ],
            options={
                'verbose_name': 'line funding',
                'verbose_name_plural': 'line fundings',
                'ordering': ['item', 'source__code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='line_funding_amount_gte_0'), models.UniqueConstraint(fields=('item', 'source'), name='line_funding_once_per_source', violation_error_message='This line already draws on this source: change its amount instead.')],
            },
        ),
        migrations.RunPython(copy_line_money, copy_back),
    ]
