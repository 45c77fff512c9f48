from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from budgets.checks import check_plan, violations_by_line
from plans.document import project_sections, top_headings
from plans.models import Plan
from plans.permissions import can_read_plans
from plans.services import other_year_mentions


def _require_reader(request: HttpRequest) -> None:
    if not can_read_plans(request.user):
        raise PermissionDenied


def plan_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    plans = Plan.objects.select_related("issuer").with_total()
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    plan = get_object_or_404(Plan.objects.with_document(), pk=pk)
    items = list(plan.items.all())
    check = check_plan(plan)
    context = {
        "plan": plan,
        "headings": top_headings(plan),
        "sections": project_sections(items),
        "check": check,
        "budget": check.budget,
        "line_violations": violations_by_line(check),
        "exact": False,
        "year_mentions": other_year_mentions(plan),
    }
    return render(request, "plans/plan_detail.html", context)
