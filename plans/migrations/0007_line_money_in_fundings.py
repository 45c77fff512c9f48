"""A line's money now lives in budgets.LineFunding (one row per source, copied there by budgets 0006)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0006_orgunit_kinds_item_title_amended_once'),
        ('budgets', '0006_line_funding'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='planitem',
            name='plan_item_amount_gte_0',
        ),
        migrations.RemoveField(
            model_name='historicalplanitem',
            name='amount',
        ),
        migrations.RemoveField(
            model_name='historicalplanitem',
            name='source',
        ),
        migrations.RemoveField(
            model_name='planitem',
            name='amount',
        ),
        migrations.RemoveField(
            model_name='planitem',
            name='source',
        ),
    ]
