from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries.models import TargetGroup
from budgets.admin_guard import GuardedAdminMixin


@admin.register(TargetGroup)
class TargetGroupAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
