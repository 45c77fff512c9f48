from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from budgets.checks import check_plan, violations_by_line
from budgets.forms import AllocationEditorForm
from budgets.history import REASON_EDITOR, latest_change_time, plan_budget_history
from budgets.selectors import plan_budget
from budgets.services import BudgetRefused, StaleBudget, budget_apply
from plans.models import Plan
from plans.permissions import (
    can_edit_budget,
    can_edit_budgets,
    can_open_budget_editor,
    can_read_budget_history,
    plan_or_404,
)


@require_safe
def budget_report(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk, Plan.objects.with_document())
    check = check_plan(plan)
    context = {
        "plan": plan,
        "check": check,
        "budget": check.budget,
        "line_violations": violations_by_line(check),
        "exact": request.GET.get("don-vi") == "dong",
        "can_edit": can_edit_budget(request.user, plan),
        "can_read_history": can_read_budget_history(request.user, plan),
    }
    return render(request, "budgets/budget_report.html", context)


def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk, Plan.objects.with_document(), can_see=can_open_budget_editor)
    if not can_edit_budgets(request.user):
        raise PermissionDenied
    if plan.status != Plan.Status.DRAFT:
        messages.error(request, _("This plan is no longer a draft: its budget is read-only."))
        return redirect("budgets:budget_report", pk=plan.pk)
    form = AllocationEditorForm(request.POST or None, plan=plan, based_on=latest_change_time(plan))
    stale_changes, violations = [], []
    if request.method == "POST" and form.is_valid():
        try:
            changes = budget_apply(
                plan=plan,
                edit=form.edit(),
                by=request.user,
                reason=REASON_EDITOR,
                based_on=form.cleaned_data["based_on"],
            )
        except StaleBudget as stale:
            stale_changes = stale.changes
            form = _rebased(form, plan, stale.latest)
        except BudgetRefused as refused:
            violations = refused.violations
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(count)d change(s).") % {"count": len(changes)})
            return redirect("budgets:budget_report", pk=plan.pk)
    check = check_plan(plan)
    context = {
        "plan": plan,
        "form": form,
        "check": check,
        "several_sources": check.budget.several_sources,
        "stale_changes": stale_changes,
        "refused": violations,
    }
    return render(request, "budgets/allocation_edit.html", context)


def _rebased(form: AllocationEditorForm, plan: Plan, latest) -> AllocationEditorForm:
    """Keep what the user typed, now based on the latest figures: saving again confirms it over them."""
    data = form.data.copy()
    data["based_on"] = latest.isoformat()
    rebased = AllocationEditorForm(data, plan=plan, based_on=latest)
    rebased.is_valid()
    return rebased


@require_safe
def budget_history(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk, Plan.objects.with_document(), can_see=can_read_budget_history)
    changes = plan_budget_history(plan)
    line = request.GET.get("dong", "")
    lines = sorted({c.line for c in changes if c.line}, key=lambda code: [int(part) for part in code.split(".")])
    if line:
        changes = [c for c in changes if c.line == line]
    context = {
        "plan": plan,
        "changes": changes,
        "lines": lines,
        "line": line,
        # The source of each change matters only when the plan draws on several (design.md §13).
        "several_sources": plan_budget(plan).several_sources,
    }
    return render(request, "budgets/budget_history.html", context)
