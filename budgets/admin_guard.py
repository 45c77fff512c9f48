"""The admin writes through the same guard as every other path (plans/guard.py).

Every admin view that can write (change, add, delete, bulk actions and list edits) runs inside `budget_guard`: a
write to a plan that is no longer a draft is refused, and a result that breaks or worsens a money rule (design.md §6
rules 1 and 2) on any plan it touches, the row's old plan and its new one, is rolled back with a message. History
pages only show the past: their "revert" form is refused for everyone. Malformed ids answer 404, not 500.
"""

from django.contrib import messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InternalError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _

from budgets.checks import MONEY_RULES
from budgets.history import REASON_ADMIN
from lai_chau.admin_helpers import ReadOnlyAmountsMixin
from plans.guard import BudgetRefused, PlanFrozen, budget_guard
from plans.models import Plan, PlanItem

RAISED_BY_TRIGGER = "P0001"  # PostgreSQL's SQLSTATE for RAISE EXCEPTION (raise_exception)


class AuditedAdminMixin:
    """Record every admin write in the history with the reason 'admin'."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = REASON_ADMIN
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = REASON_ADMIN
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._change_reason = REASON_ADMIN
            obj.delete()
        for obj in instances:
            obj._change_reason = REASON_ADMIN
            obj.save()
        formset.save_m2m()


class GuardedAdminMixin(ReadOnlyAmountsMixin, AuditedAdminMixin):
    """Every write view of this admin goes through the plan guard; ids are checked before use. What it shows
    read-only, amounts included (as '1.728.000.000 đồng'), it shows the Vietnamese way."""

    def _check_id(self, value) -> None:
        try:
            self.model._meta.pk.to_python(value)
        except (ValidationError, ValueError, TypeError):
            raise Http404(_("No such record: “%(id)s” is not a valid id.") % {"id": value}) from None

    # The money rules a write here may not break or worsen (design.md §6). (Ceilings are not written here: finance
    # records them, lowered or not, through budgets.ceilings.record_ceiling; the admin only shows them.)
    guarded_rules = MONEY_RULES

    def _guarded(self, request, view, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            with budget_guard(rules=self.guarded_rules):
                return view(request, *args, **kwargs)
        except BudgetRefused as refused:
            reasons = [
                _("Not saved: the changes would break the budget rules."),
                *(v.message for v in refused.violations),
            ]
        except PlanFrozen as frozen:
            reasons = [_("Not saved:"), *frozen.messages]
        except InternalError as refused:  # a trigger of the database (plans/triggers.py) said no
            if getattr(refused.__cause__, "pgcode", None) != RAISED_BY_TRIGGER:
                raise
            reasons = [_("Not saved:"), str(refused.__cause__.diag.message_primary)]
        list(messages.get_messages(request))  # drop the "changed successfully" message of the rolled-back save
        messages.error(request, " ".join(reasons))
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None:
            self._check_id(object_id)
        return self._guarded(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._check_id(object_id)
        return self._guarded(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._guarded(request, super().changelist_view, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._check_id(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """The past, read-only: the history's "revert" form never saves, whoever posts it."""
        self._check_id(object_id)
        if not str(version_id).isdigit():
            raise Http404(_("No such record: “%(id)s” is not a valid id.") % {"id": version_id})
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        """A reference row's code is its identity (fixtures, setup_demo, natural keys): set once, never renamed."""
        fields = list(super().get_readonly_fields(request, obj))
        has_code = any(field.name == "code" for field in self.model._meta.fields)
        if obj is not None and has_code and "code" not in fields:
            fields.append("code")
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Rows can be put only under a draft plan: the choices say so before the guard has to."""
        if db_field.related_model is Plan and db_field.name in {"plan"}:
            kwargs.setdefault("queryset", Plan.objects.filter(status=Plan.Status.DRAFT))
        elif db_field.related_model is PlanItem:
            kwargs.setdefault(
                "queryset",
                PlanItem.objects.filter(plan__status=Plan.Status.DRAFT).select_related(
                    "plan", "project", "sub_project"
                ),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FrozenUnlessDraftMixin(ReadOnlyAmountsMixin):
    """A plan that left the draft stage is shown read-only in the admin, with its rows; their amounts read
    '1.728.000.000 đồng'.

    This is how the admin shows the freeze; plans/guard.py is what enforces it on every path.
    """

    @staticmethod
    def plan_of(obj) -> Plan | None:
        return getattr(obj, "plan", None)

    def _frozen(self, obj) -> bool:
        plan = self.plan_of(obj) if obj is not None else None
        return plan is not None and plan.status != Plan.Status.DRAFT

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)

    def has_add_permission(self, request, obj=None):
        if not isinstance(self, InlineModelAdmin):
            return super().has_add_permission(request)
        # Inlines receive the parent object: nothing may be added under a frozen plan either.
        return super().has_add_permission(request, obj) and not self._frozen(obj)
