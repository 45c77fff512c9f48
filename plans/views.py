import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from budgets.checks import check_plan, violations_by_line
from lai_chau.money import format_million
from lai_chau.security import confirm_password, recently_authenticated
from plans.comparison import compare_plans
from plans.completeness import plan_checklist
from plans.document import document_context
from plans.edit_views import plan_page_editing
from plans.forms import AmendmentForm, ReturnForm
from plans.lifecycle import (
    Signature,
    SignedPdfAltered,
    plan_amend,
    plan_discard,
    plan_pdf_bytes,
    plan_pdf_filename,
    plan_return,
    plan_sign,
    plan_submit,
    why_not_amendable,
    why_not_discardable,
)
from plans.models import Plan
from plans.permissions import (
    can_amend_plans,
    can_discard_plans,
    can_edit_plans,
    can_read_budget_history,
    can_read_drafts,
    can_read_plans,
    can_sign_plans,
    can_submit_plans,
    plan_or_404,
    readable_plans,
)
from plans.signing import signing_configured


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    _require(can_read_plans(request.user))
    plans = readable_plans(request.user, Plan.objects.select_related("issuer").with_supersession())
    plans = list(plans.with_total())
    context = {
        "plans": plans,
        "can_read_drafts": can_read_drafts(request.user),
        "can_start_year": can_edit_plans(request.user),
    }
    return render(request, "plans/plan_list.html", context)


@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk, Plan.objects.with_document().with_supersession())
    check = check_plan(plan)
    signed = getattr(plan, "signed_document", None)
    checklist = plan_checklist(plan, check) if plan.status != Plan.Status.SIGNED else []
    context = {
        "plan": plan,
        "checklist": checklist,
        "plan_problems": [item for entry in checklist for item in entry.missing],
        **document_context(plan),
        "check": check,
        "budget": check.budget,
        "line_violations": violations_by_line(check),
        "exact": False,
        "signed": signed,
        "signature": signed
        and Signature(plan.signer_title, plan.signer_name, signed.signed_at, signed.digitally_signed),
        "signing_configured": signing_configured(),
        "can_submit": can_submit_plans(request.user),
        "can_amend": can_amend_plans(request.user),
        "can_discard": can_discard_plans(request.user),
        "can_sign": can_sign_plans(request.user),
        "can_read_history": can_read_budget_history(request.user, plan),
        "can_read_drafts": can_read_drafts(request.user),
        "return_form": ReturnForm(),
        **plan_page_editing(request.user, plan),  # "Sửa" links on a draft, sentences naming another year
    }
    return render(request, "plans/plan_detail.html", context)


# A draft or signed plan must not stay in a shared or proxy cache.
@cache_control(private=True, no_store=True)
@require_safe
def plan_pdf(request: HttpRequest, pk: int) -> FileResponse:
    plan = plan_or_404(request.user, pk)
    try:
        pdf = plan_pdf_bytes(plan)
    except SignedPdfAltered as altered:
        # Loudly: never serve bytes that are not what was signed.
        return render(request, "plans/signed_pdf_altered.html", {"plan": plan, "message": str(altered)}, status=500)
    return FileResponse(
        io.BytesIO(pdf),
        as_attachment=True,
        filename=plan_pdf_filename(plan),
        content_type="application/pdf",
    )


def _transition(request: HttpRequest, plan: Plan, action, success: str, **kwargs) -> HttpResponse:
    try:
        action(plan=plan, by=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(plan)


@require_POST
def plan_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk)  # a plan one may not read does not exist for them: 404 before 403
    _require(can_submit_plans(request.user))
    return _transition(request, plan, plan_submit, _("The plan was submitted for signing."))


@require_POST
def plan_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk)
    _require(can_sign_plans(request.user))
    if not recently_authenticated(request):
        # Step-up: an old login (an unattended computer) is not enough to sign; the password is asked again.
        password = request.POST.get("password")
        if password is None or not confirm_password(request, password):
            context = {
                "plan": plan,
                "error": password is not None and _("Wrong password: the plan was not signed."),
                "reauth_minutes": settings.SIGNING_REAUTH_SECONDS // 60,
            }
            return render(request, "plans/plan_sign_confirm.html", context)
    return _transition(request, plan, plan_sign, _("The plan was signed. Its PDF is now frozen."))


@require_POST
def plan_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk)
    _require(can_sign_plans(request.user))
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for sending the plan back."))
        return redirect("plans:plan_detail", pk=pk)
    return _transition(
        request, plan, plan_return, _("The plan was sent back to draft."), reason=form.cleaned_data["reason"]
    )


def plan_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk)
    _require(can_amend_plans(request.user))
    if (refusal := why_not_amendable(plan)) is not None:
        # Not the version in force, or its amendment is already in the making: go there (GET and POST alike).
        (messages.info if refusal.code == "amendment_in_making" else messages.error)(request, refusal.message)
        return redirect(refusal.go_to)
    form = AmendmentForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = plan_amend(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Amendment %(number)s created as a draft.") % {"number": amendment.document_number}
            )
            return redirect(amendment)
    return render(request, "plans/plan_amend.html", {"plan": plan, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def plan_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what discarding the draft deletes (a confirmation page); POST: discard it, then say what happened."""
    lines = Count("items", distinct=True)
    plan = plan_or_404(request.user, pk, Plan.objects.select_related("amends").with_total().annotate(lines=lines))
    _require(can_discard_plans(request.user))
    if (refusal := why_not_discardable(plan)) is not None:
        messages.error(request, refusal)
        return redirect(plan)
    if request.method != "POST":
        return render(request, "plans/plan_discard.html", {"plan": plan})
    try:
        discarded = plan_discard(plan=plan, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(plan)
    done = ngettext(
        "Draft %(number)s was discarded: %(lines)s line, %(total)s million đồng in total.",
        "Draft %(number)s was discarded: %(lines)s lines, %(total)s million đồng in total.",
        discarded.lines,
    ) % {"number": discarded.number, "lines": discarded.lines, "total": format_million(discarded.total)}
    if discarded.amended is None:
        messages.success(request, done)
        return redirect("plans:plan_list")
    back = _("Plan %(number)s, which it would have amended, is unchanged.") % {
        "number": discarded.amended.document_number
    }
    messages.success(request, f"{done} {back}")
    return redirect(discarded.amended)


@require_safe
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = plan_or_404(request.user, pk, Plan.objects.with_document().exclude(amends=None))
    original = Plan.objects.with_document().get(pk=amendment.amends_id)
    return render(
        request,
        "plans/plan_compare.html",
        {"plan": amendment, "original": original, "comparison": compare_plans(original, amendment)},
    )
