"""The ceiling pages: the ceilings of a year with the plans measured against them; finance's form to record them.

Who: plans.permissions (refuse_unless_ceilings). Writes: budgets.ceilings.record_ceiling only.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from budgets.ceiling_forms import CeilingForm
from budgets.ceilings import CeilingSaved, ceiling_version, governed_plans, plan_totals, record_ceiling
from budgets.models import Ceiling
from lai_chau.money import format_vnd
from plans.models import Plan
from plans.permissions import can_record_ceilings, refuse_unless_ceilings


def _year_asked(request: HttpRequest, years: list[int]) -> int:
    asked = request.GET.get("nam", "")
    if asked.isascii() and asked.isdigit() and 2000 <= int(asked) <= 2100:
        return int(asked)
    return years[0] if years else datetime.date.today().year


@require_safe
def ceiling_list(request: HttpRequest) -> HttpResponse:
    refuse_unless_ceilings(request.user)
    years = sorted(
        {
            year
            for (year,) in Ceiling.objects.order_by()
            .values_list("year")
            .union(Plan.objects.order_by().values_list("year"))
        },
        reverse=True,
    )
    year = _year_asked(request, years)
    ceilings = list(
        Ceiling.objects.filter(year=year)
        .select_related("issuer", "source", "notified_by")
        .order_by("issuer__name", "source__code")
    )
    plans = list(governed_plans(year).select_related("issuer").order_by("issuer__name", "issued_on", "number", "pk"))
    rows: dict[int, list] = {plan.pk: [] for plan in plans}
    for total in plan_totals(plans, ceilings):
        rows[total.plan.pk].append(total)
    context = {
        "year": year,
        "years": years if year in years else sorted([*years, year], reverse=True),
        "ceilings": ceilings,
        "plan_rows": [(plan, rows[plan.pk]) for plan in plans],
        "can_record": can_record_ceilings(request.user),
    }
    return render(request, "budgets/ceiling_list.html", context)


@require_http_methods(["GET", "POST"])
def ceiling_add(request: HttpRequest) -> HttpResponse:
    refuse_unless_ceilings(request.user, record=True)
    initial = {"year": _year_asked(request, []), "issuer": _issuer_of(request.user)}
    form = CeilingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, lambda: {k: form.cleaned_data[k] for k in ("issuer", "year", "source")})
    return render(request, "budgets/ceiling_form.html", {"form": form, "ceiling": None})


@require_http_methods(["GET", "POST"])
def ceiling_edit(request: HttpRequest, ceiling_id: int) -> HttpResponse:
    refuse_unless_ceilings(request.user, record=True)
    ceiling = get_object_or_404(Ceiling.objects.select_related("issuer", "source", "notified_by"), pk=ceiling_id)
    form = CeilingForm(request.POST or None, ceiling=ceiling, based_on=ceiling_version(ceiling))
    if request.method == "POST" and form.is_valid():
        based_on = form.cleaned_data["based_on"]  # a form opened before this field existed is not refused
        return _save(request, form, lambda: {"ceiling": ceiling, "based_on": based_on})
    return render(request, "budgets/ceiling_form.html", {"form": form, "ceiling": ceiling})


def _issuer_of(user):
    """The unit whose plans the user's office serves: the parent of finance's own department (the city)."""
    membership = getattr(user, "membership", None)
    unit = membership.unit if membership else None
    return unit.parent_id if unit is not None and unit.parent_id else None


def _save(request: HttpRequest, form: CeilingForm, target) -> HttpResponse:
    try:
        saved = record_ceiling(
            **target(),
            amount=form.cleaned_data["amount"],
            notified_by=form.cleaned_data["notified_by"],
            new_document=form.new_document(),
            by=request.user,
        )
    except ValidationError as error:
        if form.ceiling is not None and any(getattr(e, "code", "") == "ceiling_changed" for e in error.error_list):
            # Kept as typed, now based on the version just shown: saving again deliberately replaces it.
            form.data = form.data.copy()
            form.data[form.add_prefix("based_on")] = ceiling_version(form.ceiling)
        form.add_error(None, ValidationError(error.messages))  # the form may lack the field a model error names
        return render(request, "budgets/ceiling_form.html", {"form": form, "ceiling": form.ceiling}, status=200)
    _report(request, form, saved)
    return redirect(f"{reverse('budgets:ceiling_list')}?nam={saved.ceiling.year}")


def _report(request: HttpRequest, form: CeilingForm, saved: CeilingSaved) -> None:
    """Say what was read and saved, in full đồng, and at once which plans the ceiling now leaves above it."""
    ceiling = saved.ceiling
    names = {
        "source": ceiling.source.name,
        "year": ceiling.year,
        "issuer": ceiling.issuer.name,
        "amount": format_vnd(ceiling.amount),
        "typed": form.typed_amount(),
        "unit": form.unit_label(),
        "document": ceiling.notified_by,
    }
    if saved.created:
        text = _(
            "Recorded the ceiling for %(source)s, %(year)s, %(issuer)s: %(amount)s (read from “%(typed)s” "
            "%(unit)s), notified by %(document)s."
        )
    else:
        names["previous"] = format_vnd(saved.previous)
        text = _(
            "Saved the ceiling for %(source)s, %(year)s, %(issuer)s: %(previous)s → %(amount)s (read from "
            "“%(typed)s” %(unit)s), notified by %(document)s."
        )
    messages.success(request, text % names)
    if saved.over:
        plans = "; ".join(
            _("plan %(number)s (%(status)s): its lines total %(total)s, over the ceiling by %(excess)s")
            % {
                "number": total.plan.document_number,
                "status": total.plan.get_status_display(),
                "total": format_vnd(total.total),
                "excess": format_vnd(total.excess),
            }
            for total in saved.over
        )
        messages.warning(
            request,
            _(
                "The ceiling is saved, and these plans now exceed it: %(plans)s. They fail their budget checks until "
                "their lines come down (a signed plan needs an amendment)."
            )
            % {"plans": plans},
        )
