from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = _("plans")

    def ready(self) -> None:
        from plans import guard, triggers

        guard.connect_signals()
        triggers.register_triggers()
