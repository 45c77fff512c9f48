"""The audit trail every app uses: django-simple-history records that keep the person's name for good.

A record points at the user who made the change; accounts are deactivated rather than deleted, and if one is
deleted anyway (a shell, a script) its name is written into every record it made first, so "who" never goes blank.
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class KeepsUserName(models.Model):
    history_user_name = models.CharField(_("changed by (name kept)"), max_length=300, blank=True)

    class Meta:
        abstract = True


def audit_history(**options) -> HistoricalRecords:
    """HistoricalRecords for a model of this project: who, when, old → new, and the path as the change reason."""
    return HistoricalRecords(bases=[KeepsUserName], **options)


def user_display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def history_user_label(record) -> str:
    """The name of whoever made a history record, also after their account was deleted."""
    if record.history_user_id is not None and record.history_user is not None:
        return user_display_name(record.history_user)
    return getattr(record, "history_user_name", "") or "—"


def _keep_name_before_user_delete(sender, instance, **kwargs) -> None:
    name = user_display_name(instance)
    for model in apps.get_models():
        if issubclass(model, KeepsUserName):
            model.objects.filter(history_user=instance).update(history_user_name=name)


def connect_signals() -> None:
    pre_delete.connect(
        _keep_name_before_user_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="history-keep-user-name"
    )
