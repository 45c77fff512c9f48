from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from budgets.admin_guard import GuardedAdminMixin
from projects.models import Programme, Project, SubProject


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


class SubProjectInline(admin.TabularInline):
    model = SubProject
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "decision_number", "decision_date", "start_year", "end_year"]
    search_fields = ["name", "decision_number"]
    inlines = [ProjectInline]


@admin.register(Project)
class ProjectAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "programme"]
    list_filter = ["programme"]
    search_fields = ["code", "name"]
    inlines = [SubProjectInline]


@admin.register(SubProject)
class SubProjectAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "project"]
    list_filter = ["project__programme", "project"]
    search_fields = ["code", "name"]
    list_select_related = ["project"]
