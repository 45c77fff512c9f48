from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from budgets.admin_guard import FrozenUnlessDraftMixin, GuardedAdminMixin
from budgets.checks import MONEY_RULES
from budgets.models import Allocation, Ceiling, FundingSource
from lai_chau.admin_helpers import FixedChoicesMixin, money_column


@admin.register(FundingSource)
class FundingSourceAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "origin", "kind"]
    list_filter = ["origin", "kind"]
    search_fields = ["name", "code"]


@admin.register(Ceiling)
class CeilingAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    guarded_rules = MONEY_RULES - {"ceiling_exceeded"}
    list_display = ["plan", "source", money_column("amount", _("amount")), "notified_by"]
    list_filter = ["source", "plan__year"]
    search_fields = ["plan__number", "notified_by__number"]
    list_select_related = ["plan", "source", "notified_by"]
    autocomplete_fields = ["notified_by"]


@admin.register(Allocation)
class AllocationAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    plan_of = staticmethod(lambda obj: obj.item.plan)

    list_display = ["item", "unit", "source", money_column("amount", _("amount"))]
    list_filter = ["item__plan", "source", "unit"]
    search_fields = ["unit__name", "item__project__name", "item__sub_project__name", "item__sub_project__code"]
    list_select_related = ["item__plan", "item__project", "item__sub_project", "unit", "source"]
    autocomplete_fields = ["unit"]
