"""A line's money now lives in budgets.LineFunding (one row per source, copied there by budgets 0006).

Rolling back re-adds the two columns as required ones, which only an empty plans_planitem table accepts (the test
suite's migration tests go back this way); a database with plans is restored from its backup instead."""

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
