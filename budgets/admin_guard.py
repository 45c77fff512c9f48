"""Admin screens that change money keep the budget rules and the audit trail like every other path.

The admin saves a plan, its lines and their allocations through Django's own forms; this wraps that save in
one transaction with the plan row locked, and rolls it back when it breaks or worsens a money rule
(design.md §6 rules 1 and 2). Every row the admin writes is recorded with the reason "admin".
"""

from django.contrib import messages
from django.contrib.admin.options import InlineModelAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from budgets.checks import MONEY_RULES, check_plan, new_or_worse
from budgets.history import REASON_ADMIN
from plans.models import Plan


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


class BudgetGuardedAdminMixin(AuditedAdminMixin):
    """Refuse an admin save that would put a line above its amount or the plan above a ceiling."""

    def plan_id_for(self, request, object_id) -> int | None:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        plan_id = self.plan_id_for(request, object_id)
        with transaction.atomic():
            before = self._check(plan_id)
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if not isinstance(response, HttpResponseRedirect) or before is None:
                return response
            worse = [v for v in new_or_worse(before, self._check(plan_id)) if v.rule in MONEY_RULES]
            if not worse:
                return response
            transaction.set_rollback(True)
        list(messages.get_messages(request))  # drop the "changed successfully" message of the rolled-back save
        messages.error(
            request,
            _("Not saved: the changes would break the budget rules.") + " " + " ".join(v.message for v in worse),
        )
        return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def _check(plan_id: int | None):
        if plan_id is None:
            return None
        Plan.objects.select_for_update().filter(pk=plan_id).first()
        plan = Plan.objects.with_document().filter(pk=plan_id).first()
        return check_plan(plan) if plan else None


class FrozenUnlessDraftMixin:
    """A plan that left the draft stage is read-only in the admin, with its lines, allocations and ceilings."""

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
