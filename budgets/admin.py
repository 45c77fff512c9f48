from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from budgets.admin_guard import FrozenUnlessDraftMixin, GuardedAdminMixin
from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from lai_chau.admin_helpers import FixedChoicesMixin, money_column


class MoneyRowForm(forms.ModelForm):
    """A line funding or an allocation keeps the line, unit and source it was added with: the admin changes only
    its amount. Moving money elsewhere is a removal and an addition, each in the plan's budget history (which lists
    amount changes; a row silently moved would leave its old plan's history and stale-edit checks blind)."""

    FIXED = ("item", "unit", "source")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in self.FIXED:
                if name in self.fields:
                    self.fields[name].disabled = True


@admin.register(FundingSource)
class FundingSourceAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "origin", "kind"]
    list_filter = ["origin", "kind"]
    search_fields = ["name", "code"]


@admin.register(Ceiling)
class CeilingAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    """Ceilings are shown here, with their history, but recorded on the app's ceiling pages only: one write path
    (budgets.ceilings.record_ceiling) that locks what the budget checks read and reports the plans a lowered
    ceiling leaves above it."""

    list_display = ["issuer", "year", "source", money_column("amount", _("amount")), "notified_by", "edit_in_app"]
    list_filter = ["year", "source", "issuer"]
    search_fields = ["issuer__name", "notified_by__number"]
    list_select_related = ["issuer", "source", "notified_by"]

    @admin.display(description=_("record or change"))
    def edit_in_app(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("budgets:ceiling_edit", args=[obj.pk]), _("ceiling page"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            messages.info(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Finance records and changes ceilings on the ceiling page of the application:"),
                    reverse("budgets:ceiling_list"),
                    _("ceilings"),
                ),
            )
        return super().changelist_view(request, extra_context)


@admin.register(LineFunding)
class LineFundingAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    plan_of = staticmethod(lambda obj: obj.item.plan)

    form = MoneyRowForm
    list_display = ["item", "source", money_column("amount", _("amount"))]
    list_filter = ["item__plan", "source"]
    search_fields = ["item__project__name", "item__sub_project__name", "item__sub_project__code", "source__name"]
    list_select_related = ["item__plan", "item__project", "item__sub_project", "source"]


@admin.register(Allocation)
class AllocationAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    plan_of = staticmethod(lambda obj: obj.item.plan)

    form = MoneyRowForm
    list_display = ["item", "unit", "source", money_column("amount", _("amount"))]
    list_filter = ["item__plan", "source", "unit"]
    search_fields = ["unit__name", "item__project__name", "item__sub_project__name", "item__sub_project__code"]
    list_select_related = ["item__plan", "item__project", "item__sub_project", "unit", "source"]
    autocomplete_fields = ["unit"]
