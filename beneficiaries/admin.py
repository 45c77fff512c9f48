from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries.models import TargetGroup
from budgets.admin_guard import GuardedAdminMixin


@admin.register(TargetGroup)
class TargetGroupAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}

    def has_delete_permission(self, request, obj=None):
        """A group that plans name stays: deleting it would change what those plans say."""
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.plan_items.exists())
