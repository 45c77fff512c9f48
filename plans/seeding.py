"""Reference data from the fixtures, added where it is missing and never written over what users edited."""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import IntegrityError, transaction

from budgets.history import REASON_SEED


def fixture_path(name: str) -> Path:
    for folder in settings.FIXTURE_DIRS:
        path = Path(folder) / f"{name}.json"
        if path.exists():
            return path
    raise FileNotFoundError(f"fixture {name}.json not found in {settings.FIXTURE_DIRS}")


def load_missing(*names: str) -> int:
    """Save each fixture object whose natural key is not in the database yet; return how many were added.

    Unlike `loaddata`, an object that exists is left exactly as it is: a unit renamed in the admin keeps its name
    however often `setup_demo` runs. Added rows get a first history record.
    """
    added = 0
    for name in names:
        deferred = []
        with fixture_path(name).open(encoding="utf-8") as stream:
            for wrapped in serializers.deserialize("json", stream, handle_forward_references=True):
                obj = wrapped.object
                model = type(obj)
                if obj.pk is not None and model._default_manager.filter(pk=obj.pk).exists():
                    continue
                try:
                    with transaction.atomic():
                        wrapped.save()
                except IntegrityError:  # the row is there under another key (a name users kept): theirs wins
                    continue
                if wrapped.deferred_fields:
                    deferred.append(wrapped)
                history = getattr(model, "history", None)
                if history is not None:
                    history.bulk_history_create([obj], default_change_reason=REASON_SEED)
                added += 1
        for wrapped in deferred:
            wrapped.save_deferred_fields()
    return added
