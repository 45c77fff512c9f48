from django.contrib import admin

from beneficiaries.models import TargetGroup


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
