from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from budgets.admin import MoneyRowForm
from budgets.admin_guard import FrozenUnlessDraftMixin, GuardedAdminMixin
from budgets.models import Allocation, LineFunding
from lai_chau.admin_helpers import FixedChoicesMixin, money_column
from lai_chau.money import format_vnd
from plans.forms import PlanAdminForm
from plans.issue_dates import issue_date_error
from plans.models import (
    DocumentReference,
    Duty,
    ImplementingUnit,
    LegalBasis,
    Membership,
    OrgUnit,
    Plan,
    PlanItem,
    Target,
    prefetch_fundings,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "valid_from", "valid_to", "especially_disadvantaged"]
    list_filter = ["kind", "especially_disadvantaged", "valid_to"]
    search_fields = ["name", "full_name", "short_name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(DocumentReference)
class DocumentReferenceAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["number", "kind", "issued_on", "issuer"]
    list_filter = ["kind", "issuer"]
    search_fields = ["number", "subject", "issuer"]
    date_hierarchy = "issued_on"

    def has_delete_permission(self, request, obj=None):
        """A document a plan cites stays: deleting it would change what the plan says."""
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.cited_by.exists())


class LegalBasisInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.StackedInline):
    plan_of = staticmethod(lambda obj: obj)  # the parent plan

    model = LegalBasis
    extra = 0
    filter_horizontal = ["references"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("references")


@admin.display(description=_("amount"))
def line_money(item: PlanItem) -> str:
    """A line's amount, per source when it draws on several: '530.000.000 đồng' or
    'Ngân sách Trung ương - vốn sự nghiệp: 300.000.000 đồng; …'. Reads the prefetched fundings."""
    if item.pk is None:
        return admin.site.empty_value_display
    fundings = list(item.fundings.all())
    if len(fundings) < 2:
        return format_vnd(item.amount)
    parts = "; ".join(f"{funding.source.name}: {format_vnd(funding.amount)}" for funding in fundings)
    return f"{format_vnd(item.amount)} ({parts})"


class PlanItemInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.TabularInline):
    plan_of = staticmethod(lambda obj: obj)  # the parent plan

    model = PlanItem
    extra = 0
    # The money is shown, not edited, here: it is set per source on the line's own page (LineFundingInline).
    fields = ["position", "project", "sub_project", line_money]
    readonly_fields = [line_money]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("project", "sub_project").prefetch_related(prefetch_fundings())
        )


class DutyInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.StackedInline):
    plan_of = staticmethod(lambda obj: obj)  # the parent plan

    model = Duty
    extra = 0


@admin.display(description=_("number and symbol"))
def number_and_symbol(plan: Plan) -> str:
    return plan.document_number


@admin.register(Plan)
class PlanAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    plan_of = staticmethod(lambda obj: obj)
    # One "Số, ký hiệu" box read as written ("512/KH-UBND"), never a number box that would drop the symbol.
    form = PlanAdminForm

    list_display = ["document_number", "year", "issuer", "issued_on", "status", money_column("total", _("total"))]
    list_filter = ["year", "status", "issuer"]
    search_fields = ["number", "summary"]
    date_hierarchy = "issued_on"
    # Ceilings belong to the issuer and year, not to a plan: finance records them on the app's ceiling pages.
    inlines = [LegalBasisInline, PlanItemInline, DutyInline]
    # The status moves only through the lifecycle (submit, sign, send back); amendments are made from a signed plan.
    readonly_fields = ["status", "amends", "created_at", "updated_at"]
    fieldsets = [
        (
            _("Document"),
            {
                "fields": [
                    "programme",
                    "issuer",
                    "number",
                    ("place", "issued_on"),
                    "year",
                    "summary",
                    "status",
                    "amends",
                ]
            },
        ),
        (
            _("Text"),
            {
                "fields": [
                    "preamble",
                    "purposes",
                    "requirements",
                    "scope",
                    "target_groups",
                    "time_frame",
                    "funding_statement",
                    "funding_notes",
                    "solutions",
                    "closing",
                ]
            },
        ),
        (_("Recipients and signature"), {"fields": ["recipients", "authority_lines", "signer_title", "signer_name"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or obj.amends_id is None:
            return form

        class AmendmentAdminForm(form):
            """An amendment keeps the amended plan's year (read-only) and is dated on or after it (design.md §13)."""

            def clean(self) -> dict:
                cleaned = super().clean()
                issued_on = cleaned.get("issued_on")
                if issued_on is not None:
                    amended = self.instance.amends
                    if (error := issue_date_error(amended.year, issued_on, amended)) is not None:
                        self.add_error("issued_on", error)
                return cleaned

        return AmendmentAdminForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.amends_id is not None and "year" not in fields:
            fields.append("year")  # an amendment keeps the year of the plan it amends
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issuer").with_total()

    def read_only_displays(self) -> dict:
        return {**super().read_only_displays(), "number": number_and_symbol}


class ImplementingUnitInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.TabularInline):
    plan_of = staticmethod(lambda obj: getattr(obj, "plan", None))  # the parent line's plan

    model = ImplementingUnit
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "item__project", "item__sub_project")


class LineFundingInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.TabularInline):
    """What the line draws on each funding source: one row per source, the line's amount is their sum."""

    plan_of = staticmethod(lambda obj: getattr(obj, "plan", None))  # the parent line's plan

    model = LineFunding
    form = MoneyRowForm
    extra = 0
    fields = ["source", "amount"]
    verbose_name = _("funding source")
    verbose_name_plural = _("funding sources")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "item__project", "item__sub_project")


class AllocationInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.TabularInline):
    plan_of = staticmethod(lambda obj: getattr(obj, "plan", None))  # the parent line's plan

    model = Allocation
    form = MoneyRowForm
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "item__project", "item__sub_project")


class TargetInline(FrozenUnlessDraftMixin, FixedChoicesMixin, admin.TabularInline):
    plan_of = staticmethod(lambda obj: getattr(obj, "plan", None))  # the parent line's plan

    model = Target
    extra = 0


@admin.register(PlanItem)
class PlanItemAdmin(FrozenUnlessDraftMixin, GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "plan", "position", "total", "source_names"]
    list_filter = ["plan", "project", "fundings__source"]
    search_fields = ["project__code", "project__name", "sub_project__code", "sub_project__name", "objective"]
    list_select_related = ["plan", "project", "sub_project"]
    filter_horizontal = ["target_groups"]
    inlines = [ImplementingUnitInline, LineFundingInline, AllocationInline, TargetInline]

    def get_queryset(self, request):
        # The changelist shows each line's amount and sources from one prefetch, not a query per row.
        return super().get_queryset(request).prefetch_related(prefetch_fundings())

    @admin.display(description=_("amount"))
    def total(self, obj: PlanItem) -> str:
        return format_vnd(obj.amount)

    @admin.display(description=_("funding sources"))
    def source_names(self, obj: PlanItem) -> str:
        """Each source the line draws on; with several, what it draws on each."""
        fundings = list(obj.fundings.all())
        if len(fundings) < 2:
            return "; ".join(funding.source.name for funding in fundings)
        return "; ".join(f"{funding.source.name}: {format_vnd(funding.amount)}" for funding in fundings)


@admin.register(Membership)
class MembershipAdmin(GuardedAdminMixin, FixedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["unit"]
