"""Give existing rows a first history record (so their first change shows old → new) and existing signed plans
the names they were signed with (the best still known: today's)."""

from django.db import migrations
from django.utils import timezone

from plans.snapshot import take_snapshot

MODELS_WITH_NEW_HISTORY = [
    ("plans", "OrgUnit"),
    ("plans", "DocumentReference"),
    ("plans", "Plan"),
    ("plans", "LegalBasis"),
    ("plans", "Target"),
    ("plans", "Duty"),
    ("plans", "Membership"),
    ("budgets", "FundingSource"),
    ("projects", "Programme"),
    ("projects", "Project"),
    ("projects", "SubProject"),
    ("beneficiaries", "TargetGroup"),
]


def first_records(apps, schema_editor):
    now = timezone.now()
    for app_label, name in MODELS_WITH_NEW_HISTORY:
        model = apps.get_model(app_label, name)
        historical = apps.get_model(app_label, f"Historical{name}")
        names = {f.attname for f in historical._meta.fields}
        recorded = set(historical.objects.values_list("id", flat=True))
        historical.objects.bulk_create(
            historical(
                **{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.attname in names},
                history_date=now,
                history_type="+",
                history_change_reason="initial",
            )
            for row in model.objects.exclude(pk__in=recorded)
        )


def signed_names(apps, schema_editor):
    SignedDocument = apps.get_model("plans", "SignedDocument")
    for document in SignedDocument.objects.filter(names={}).select_related("plan"):
        document.names = take_snapshot(document.plan)
        document.save(update_fields=["names"])


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_audit_history_and_signed_names"),
        ("budgets", "0004_audit_history"),
        ("projects", "0002_audit_history"),
        ("beneficiaries", "0002_audit_history"),
    ]

    operations = [
        migrations.RunPython(first_records, migrations.RunPython.noop),
        migrations.RunPython(signed_names, migrations.RunPython.noop),
    ]
