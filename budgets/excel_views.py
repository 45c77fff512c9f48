"""The budget workbook in the browser: download it, upload it back, see every change, then confirm.

The uploaded bytes wait in the (database-backed) session between the preview and the confirmation, so what is
applied is exactly what was previewed; the confirmation re-reads them against the plan as it is then.

Reading a workbook is seconds of CPU-bound Python (budgets/excel.py bounds how many). Each server process reads one
at a time: with gunicorn's threads (README), the process's other threads then keep answering pages instead of
sharing the processor with a pile of readers. An upload that finds the reader busy waits a little, then is told to
come back; bench/upload_starvation.py measures this.
"""

import base64
import datetime
import hashlib
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from budgets.excel import (
    COL_AMOUNT,
    COL_SOURCE,
    FILE_TOO_LARGE,
    HEADERS,
    MAX_FILE_BYTES,
    budget_workbook_import,
    budget_workbook_trial,
    changes_since_export,
    export_budget_workbook,
    read_budget_workbook,
    refuse_before_reading,
    workbook_filename,
)
from budgets.selectors import draws_on_several_sources
from budgets.services import BudgetRefused, StaleBudget
from plans.models import Plan
from plans.permissions import can_edit_budgets, can_open_budget_editor, plan_or_404

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "budgets/budget_import.html"

UPLOAD_AGAIN = _("The uploaded workbook is no longer available: upload it again.")
CONFIRMATION_MISMATCH = _(
    "This confirmation does not match the workbook you previewed, so nothing was imported. Upload the workbook again."
)
CONFIRM_OVERWRITE = _("Tick the box to confirm that you want to overwrite the newer changes.")
IMPORTED = _("Workbook imported: %(count)d change(s) recorded.")
IMPORT_BUSY = _(
    "The server is reading other workbooks right now, so this one was not read and nothing was imported. Upload it "
    "again in a minute."
)

READER_WAIT_SECONDS = 3  # how long an upload waits for this process's reader before it is told to come back
_reader = threading.BoundedSemaphore(1)


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(label=_("Budget workbook (.xlsx)"))

    def clean_workbook(self) -> bytes:
        upload = self.cleaned_data["workbook"]
        if upload.size > MAX_FILE_BYTES:
            size = f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")
            raise forms.ValidationError(
                FILE_TOO_LARGE, code="too_large", params={"size": size, "limit": MAX_FILE_BYTES // 1024 // 1024}
            )
        return upload.read()


class ImportConfirmForm(forms.Form):
    # The SHA-256 of the previewed bytes, as _preview wrote it: anything else was not written by this application.
    digest = forms.RegexField(regex=r"\A[0-9a-f]{64}\Z", widget=forms.HiddenInput)
    overwrite = forms.BooleanField(required=False, label=_("I have seen the newer changes and want to overwrite them"))


# The workbook must not stay in a shared or proxy cache.
@cache_control(private=True, no_store=True)
@require_safe
def budget_export(request: HttpRequest, pk: int) -> FileResponse:
    plan = plan_or_404(request.user, pk)  # a signed plan's workbook is public like its budget table
    data = export_budget_workbook(plan)
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=workbook_filename(plan), content_type=XLSX_CONTENT_TYPE
    )


def budget_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request.user, pk, can_see=can_open_budget_editor)
    if not can_edit_budgets(request.user):
        raise PermissionDenied
    if plan.status != Plan.Status.DRAFT:
        return render(request, TEMPLATE, _context(plan, not_draft=True))
    if request.method == "POST" and "confirm" in request.POST:
        with _reading() as free:
            return _confirm(request, plan) if free else _busy(request, plan)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["workbook"]
        if refused := refuse_before_reading(data):  # no need to wait for the reader to say so
            return render(request, TEMPLATE, _context(plan, upload_form=WorkbookUploadForm(), parsed=refused))
        with _reading() as free:
            return _preview(request, plan, data) if free else _busy(request, plan)
    return render(request, TEMPLATE, _context(plan, upload_form=form))


@contextmanager
def _reading() -> Iterator[bool]:
    """Hold this process's workbook reader; yield False if it stayed busy for READER_WAIT_SECONDS."""
    free = _reader.acquire(timeout=READER_WAIT_SECONDS)
    try:
        yield free
    finally:
        if free:
            _reader.release()


def _busy(request: HttpRequest, plan: Plan) -> HttpResponse:
    messages.error(request, IMPORT_BUSY)
    response = render(request, TEMPLATE, _context(plan, upload_form=WorkbookUploadForm()), status=503)
    response["Retry-After"] = "60"
    return response


def _context(plan: Plan, **extra) -> dict:
    return {
        "plan": plan,
        "amount_header": HEADERS[COL_AMOUNT],
        "source_header": HEADERS[COL_SOURCE],
        "several_sources": draws_on_several_sources(plan),
        "max_mb": MAX_FILE_BYTES // 1024 // 1024,
        **extra,
    }


def _session_key(plan: Plan) -> str:
    return f"budget_import_{plan.pk}"


def _preview(
    request: HttpRequest, plan: Plan, data: bytes, confirm_form: ImportConfirmForm | None = None
) -> HttpResponse:
    """Show what the workbook changes, what changed since it was exported and whether the rules would hold;
    keep the bytes for the confirmation only when there is something that can be applied."""
    parsed = read_budget_workbook(plan, data)
    context = _context(plan, upload_form=WorkbookUploadForm(), parsed=parsed)
    request.session.pop(_session_key(plan), None)
    if parsed.ok and not parsed.edit.is_empty():
        stale = changes_since_export(plan, parsed)
        refusals = budget_workbook_trial(plan=plan, parsed=parsed)
        context.update(stale_changes=stale, refusals=refusals)
        if not refusals:
            digest = hashlib.sha256(data).hexdigest()
            request.session[_session_key(plan)] = {
                "digest": digest,
                "data": base64.b64encode(data).decode("ascii"),
                "seen_until": stale[0].when.isoformat() if stale else None,
            }
            context["confirm_form"] = confirm_form or ImportConfirmForm(initial={"digest": digest})
    return render(request, TEMPLATE, context)


def _confirm(request: HttpRequest, plan: Plan) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    stored = request.session.get(_session_key(plan))
    if not stored:
        messages.error(request, UPLOAD_AGAIN)
        return redirect("budgets:budget_import", pk=plan.pk)
    if not form.is_valid() or stored["digest"] != form.cleaned_data["digest"]:
        # A hidden field the page wrote came back different: say so at the top of the page, apply nothing.
        messages.error(request, CONFIRMATION_MISMATCH)
        return redirect("budgets:budget_import", pk=plan.pk)
    data = base64.b64decode(stored["data"])
    parsed = read_budget_workbook(plan, data)
    if not parsed.ok or parsed.edit.is_empty():
        return _preview(request, plan, data)
    overwrite = form.cleaned_data["overwrite"]
    if changes_since_export(plan, parsed) and not overwrite:
        form.add_error("overwrite", CONFIRM_OVERWRITE)
        return _preview(request, plan, data, confirm_form=form)
    try:
        changes = budget_workbook_import(
            plan=plan, parsed=parsed, by=request.user, based_on=_based_on(parsed, stored, overwrite)
        )
    except (StaleBudget, BudgetRefused, ValidationError):
        # The preview shows the newer changes, or the rules the result would break, as they are now.
        return _preview(request, plan, data)
    request.session.pop(_session_key(plan), None)
    messages.success(request, IMPORTED % {"count": len(changes)})
    return redirect("budgets:budget_report", pk=plan.pk)


def _based_on(parsed, stored: dict, overwrite: bool) -> datetime.datetime | None:
    """Overwriting covers the changes the user was shown, not any that arrived after the preview."""
    if overwrite and stored.get("seen_until"):
        return parse_datetime(stored["seen_until"])
    return parsed.based_on
