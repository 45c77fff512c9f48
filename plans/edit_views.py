"""The plan in the browser: start a year's plan, edit each section of a draft (services: plans/editing.py,
plans/year.py; forms: plans/edit_forms.py).

Refusals as everywhere (plans/permissions.py): a user without a programme role gets 403, a role that may not read
drafts (unit officers) 404, readers who may not edit (leadership, finance) 403; a plan that is no longer a draft
sends staff back to its page with a message. A stale save keeps what the officer typed and shows who changed what;
saving again confirms it.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries.models import TargetGroup
from budgets.models import FundingSource, LineFunding
from budgets.selectors import draws_on_several_sources
from plans import editing
from plans.edit_forms import (
    BasedOnForm,
    BasisFormSet,
    DutyFormSet,
    LineAddForm,
    LineForm,
    StartYearForm,
    TargetFormSet,
    document_choices,
    line_initial,
    plan_section_form,
    plan_section_values,
    rebased,
    target_initial,
)
from plans.editing import SECTIONS, StaleSection
from plans.guard import BudgetRefused, PlanFrozen
from plans.models import DocumentReference, OrgUnit, Plan, PlanItem, prefetch_fundings
from plans.permissions import can_edit_plan, can_edit_plans, can_open_plan_editor, can_read_plans, plan_or_404
from plans.year import PlanYearTaken, plan_in_the_way, start_plan_year, year_sources
from projects.models import Programme


def _editable_plan(request: HttpRequest, pk: int) -> tuple[Plan, HttpResponse | None]:
    """The draft to edit, or the refusal: 403 / 404 / 403 in the usual order, and staff opening a plan that is no
    longer a draft are sent back to its page with a message."""
    plan = plan_or_404(request.user, pk, Plan.objects.select_related("issuer"), can_see=can_open_plan_editor)
    if not can_edit_plans(request.user):
        raise PermissionDenied
    if plan.status != Plan.Status.DRAFT:
        messages.error(request, _("This plan is no longer a draft: its text can no longer be edited."))
        return plan, redirect(plan)
    return plan, None


def _back_to(plan: Plan, anchor: str) -> HttpResponse:
    return redirect(f"{plan.get_absolute_url()}#{anchor}")


def _frozen(request: HttpRequest, plan: Plan, error: PlanFrozen) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect(plan)


def _add_errors(form, error: ValidationError) -> None:
    """Put each message next to its field when the form has it, otherwise at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _context(plan: Plan, **extra) -> dict:
    return {"plan": plan, "sections": SECTIONS.values(), **extra}


# --- the new plan year -----------------------------------------------------------------------------------------------


def plan_start_year(request: HttpRequest) -> HttpResponse:
    if not can_read_plans(request.user) or not can_edit_plans(request.user):
        raise PermissionDenied
    sources = list(year_sources())
    latest = Plan.objects.select_related("issuer").order_by("-year", "-issued_on", "-pk").first()
    # The form offers those valid in the year it starts (OrgUnit valid_from/valid_to).
    issuers = OrgUnit.objects.filter(kind__in=OrgUnit.ISSUER_KINDS).order_by("name")
    form = StartYearForm(
        request.POST or None, sources=sources, issuers=issuers, programmes=Programme.objects.all(), latest=latest
    )
    taken = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            start = start_plan_year(
                year=data["year"],
                number=data["number"].number,
                symbol=data["number"].symbol,
                issued_on=data["issued_on"],
                place=data["place"],
                source=data["source_plan"],
                issuer=data["issuer_unit"],
                programme=data["programme_obj"],
                by=request.user,
            )
        except PlanYearTaken as refused:
            taken = refused.existing
            form.add_error(None, refused)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            _report_start(request, start)
            return redirect(start.plan)
    elif request.method == "GET" and latest is not None:
        # Say up front when the coming year's plan is already in the making (or signed): lead to it.
        taken = plan_in_the_way(latest.issuer, form.initial["year"])
    return render(request, "plans/edit/start_year.html", {"form": form, "taken": taken})


def _report_start(request: HttpRequest, start) -> None:
    plan = start.plan
    if start.source is None:
        messages.success(
            request,
            _("Plan %(number)s for %(year)d created as an empty draft.")
            % {"number": plan.document_number, "year": plan.year},
        )
        return
    messages.success(
        request,
        _(
            "Plan %(number)s for %(year)d created from plan %(source)s: its text and lines are copied, amounts start "
            "at 0 and there are no allocations yet."
        )
        % {"number": plan.document_number, "year": plan.year, "source": start.source.document_number},
    )
    for dropped in start.dropped:
        messages.warning(
            request,
            _("%(unit)s does not exist in %(year)d: it was left out (%(where)s).")
            % {"unit": dropped.unit, "year": plan.year, "where": dropped.where},
        )
    if start.dropped and (codes := start.lines_without_units):
        messages.warning(
            request,
            _("Line(s) %(codes)s lost all their implementing units: choose their units before submitting the plan.")
            % {"codes": ", ".join(codes)},
        )


# --- sections that are fields of the plan ----------------------------------------------------------------------------


def plan_edit_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    if section not in SECTIONS:
        raise Http404
    part = SECTIONS[section]
    form = plan_section_form(
        part, plan, request.POST or None, mark=editing.based_on(editing.plan_fields_state(plan, part))
    )
    stale = []
    if request.method == "POST" and form.is_valid():
        values = plan_section_values(part, form, plan)
        try:
            editing.save_plan_section(
                plan=plan, section=part, values=values, by=request.user, based_on=form.cleaned_data["based_on"]
            )
        except StaleSection as refused:
            stale = refused.changes
            current = Plan.objects.get(pk=plan.pk)
            mark = editing.based_on(editing.plan_fields_state(current, part))
            form = plan_section_form(part, current, rebased(request.POST, mark), mark=mark)
            form.is_valid()
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved: %(section)s.") % {"section": part.title})
            return _back_to(plan, part.anchor)
    return render(request, "plans/edit/section.html", _context(plan, form=form, part=part, stale=stale))


# --- legal bases -----------------------------------------------------------------------------------------------------


def _bases(plan: Plan) -> list:
    return list(plan.legal_bases.prefetch_related("references"))


def plan_edit_legal_bases(request: HttpRequest, pk: int) -> HttpResponse:
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    bases = _bases(plan)
    documents = document_choices(DocumentReference.objects.all())
    mark = editing.based_on(editing.legal_bases_state(bases))

    def rows_of(bases):
        return [{"id": b.pk, "text": b.text, "references": [r.pk for r in b.references.all()]} for b in bases]

    initial = rows_of(bases)

    def build(data, mark):
        return (
            BasedOnForm(data, initial={"based_on": mark}),
            # A posted formset is read as posted (ids included), never against the rows as they are now: a row
            # someone else added or deleted since must not turn the officer's rows into errors (the stale check says).
            BasisFormSet(
                data, initial=None if data else initial, prefix="can-cu", form_kwargs={"documents": documents}
            ),
        )

    return _formset_page(
        request,
        plan,
        build,
        mark,
        save=lambda formset, based_on: editing.save_legal_bases(
            plan=plan, rows=formset.rows(), by=request.user, based_on=based_on
        ),
        current=lambda: _now(editing.legal_bases_state, rows_of, _bases(plan)),
        template="plans/edit/legal_bases.html",
        saved=_("Saved: the legal bases."),
        anchor="can-cu",
    )


def _now(state, rows_of, rows) -> tuple[str, list[dict]]:
    """The mark of a list section as it is now, and its rows as a formset's initial."""
    return editing.based_on(state(rows)), rows_of(rows)


def _formset_page(request, plan, build, mark, *, save, current, template, saved, anchor, extra=None):
    """A page editing a list of rows: save in one go, or add an empty row ("add_row") without saving."""
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_row" in data:
        data = _with_one_more_row(data, build(None, mark)[1].prefix)
    form, formset = build(data, mark)
    stale, refused = [], []
    if request.method == "POST" and "add_row" not in request.POST and form.is_valid() and formset.is_valid():
        try:
            save(formset, form.cleaned_data["based_on"])
        except StaleSection as error:
            stale = error.changes
            now, rows = current()
            form, formset = build(_stale_rows(rebased(request.POST, now), formset.prefix, rows), mark)
            formset.is_valid()
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except BudgetRefused as error:
            refused = error.violations
        except (ValidationError, IntegrityError) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else _("Not saved: the data conflict."))
        else:
            messages.success(request, saved)
            return _back_to(plan, anchor)
    context = _context(plan, form=form, formset=formset, stale=stale, refused=refused, **(extra or {}))
    return render(request, template, context)


def _stale_rows(data, prefix: str, rows: list[dict]):
    """The posted rows of a page that went stale, shown again with what the officer typed: rows someone else deleted
    since are dropped, rows someone else added are shown after the officer's existing rows (as they are now), so that
    saving again keeps them unless the officer marks them for deletion."""
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        return data
    current = {row["id"]: row for row in rows}
    existing, new, seen = [], [], set()
    for index in range(total):
        head = f"{prefix}-{index}-"
        keys = [key for key in data if key.startswith(head)]
        posted = {key[len(head) :]: data.getlist(key) for key in keys}
        for key in keys:
            del data[key]
        pk = (posted.get("id") or [""])[0]
        if not pk.isdigit():
            new.append(posted)
        elif int(pk) in current and int(pk) not in seen:
            seen.add(int(pk))
            existing.append(posted)
    for pk, row in current.items():
        if pk not in seen:
            existing.append(
                {
                    name: [str(v) for v in value]
                    if isinstance(value, list | tuple)
                    else ["" if value is None else str(value)]
                    for name, value in row.items()
                }
            )
    for index, posted in enumerate(existing + new):
        for name, values in posted.items():
            data.setlist(f"{prefix}-{index}-{name}", values)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(existing) + len(new))
    data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))
    return data


def _with_one_more_row(data, prefix: str):
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(int(data.get(key, "0")) + 1)
    except ValueError:
        pass
    return data


# --- duties ----------------------------------------------------------------------------------------------------------


def plan_edit_duties(request: HttpRequest, pk: int) -> HttpResponse:
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    duties = list(plan.duties.select_related("unit"))
    valid = list(editing.units_valid_in_year(plan.year))
    units = [(u.pk, u.name) for u in valid]
    known = {u.pk for u in valid}
    units += [(d.unit_id, d.unit.name) for d in duties if d.unit_id and d.unit_id not in known]
    mark = editing.based_on(editing.duties_state(duties))

    def rows_of(duties):
        return [{"id": d.pk, "assignee": d.assignee, "unit": d.unit_id, "tasks": d.tasks} for d in duties]

    initial = rows_of(duties)

    def build(data, mark):
        return (
            BasedOnForm(data, initial={"based_on": mark}),
            DutyFormSet(data, initial=None if data else initial, prefix="nhiem-vu", form_kwargs={"units": units}),
        )

    return _formset_page(
        request,
        plan,
        build,
        mark,
        save=lambda formset, based_on: editing.save_duties(
            plan=plan, rows=formset.rows(), by=request.user, based_on=based_on
        ),
        current=lambda: _now(editing.duties_state, rows_of, list(plan.duties.all())),
        template="plans/edit/duties.html",
        saved=_("Saved: the duties."),
        anchor="to-chuc-thuc-hien",
    )


# --- lines -----------------------------------------------------------------------------------------------------------


def _items(plan: Plan) -> list[PlanItem]:
    return list(
        plan.items.select_related("project", "sub_project").prefetch_related("implementing_units", prefetch_fundings())
    )


def plan_edit_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's lines: links to edit or remove each, add one, and move them up or down (a POST per move)."""
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    items = _items(plan)
    form = BasedOnForm(request.POST or None, initial={"based_on": editing.based_on(editing.lines_state(items))})
    stale = []
    if request.method == "POST" and form.is_valid():
        direction, _sep, item_id = request.POST.get("move", "").partition(":")
        try:
            if direction not in ("up", "down") or not item_id.isdigit():
                raise ValidationError(_("Choose a line to move."))
            editing.move_line(
                plan=plan,
                item_id=int(item_id),
                up=direction == "up",
                by=request.user,
                based_on=form.cleaned_data["based_on"],
            )
        except StaleSection as error:
            stale = error.changes
            items = _items(plan)
            form = BasedOnForm(initial={"based_on": editing.based_on(editing.lines_state(items))})
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The line was moved."))
            return redirect("plans:plan_edit_lines", pk=plan.pk)
    ordered = [item for group in editing.project_groups(items) for item in group]
    rows = [{"item": item, "first": i == 0, "last": i == len(ordered) - 1} for i, item in enumerate(ordered)]
    context = _context(plan, form=form, rows=rows, stale=stale)
    return render(request, "plans/edit/lines.html", context)


def plan_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    lines = editing.catalogue_lines(plan)
    sources = list(FundingSource.objects.all())
    # The source offered first: the one the plan's first line draws on (NSTW sự nghiệp for an empty plan).
    used = list(
        LineFunding.objects.filter(item__plan=plan)
        .order_by("item__position", "source__code")
        .values_list("source_id", flat=True)[:1]
    )
    default = used[0] if used else next((s.pk for s in sources if s.code == "nstw-su-nghiep"), None)
    form = LineAddForm(request.POST or None, lines=lines, sources=sources, initial={"source": default})
    if request.method == "POST" and form.is_valid():
        line = form.lines[form.cleaned_data["line"]]
        source = next(s for s in sources if s.pk == form.cleaned_data["source"])
        try:
            item = editing.add_line(
                plan=plan, line=line, title=form.cleaned_data["title"], source=source, by=request.user
            )
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except ValidationError as error:
            _add_errors(form, error)
        except IntegrityError:
            form.add_error("line", _("Line %(code)s is already in the plan.") % {"code": line.code})
        else:
            messages.success(
                request,
                _(
                    "Line %(code)s added with an amount of 0: fill in its text and units, then its amount in the "
                    "allocation editor."
                )
                % {"code": item.code},
            )
            return redirect("plans:plan_line_edit", pk=plan.pk, item=item.pk)
    return render(request, "plans/edit/line_add.html", _context(plan, form=form, lines=lines))


def _line(plan: Plan, item_id: int) -> PlanItem:
    item = (
        PlanItem.objects.filter(plan=plan, pk=item_id)
        .select_related("project", "sub_project")
        .prefetch_related("target_groups", "implementing_units__unit", "targets", "allocations", prefetch_fundings())
        .first()
    )
    if item is None:
        raise Http404
    return item


def plan_line_edit(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    line = _line(plan, item)
    groups = [(g.pk, g.name) for g in TargetGroup.objects.all()]
    valid = list(editing.units_valid_in_year(plan.year))
    units = [(u.pk, u.name) for u in valid]
    known = {u.pk for u in valid}
    # A unit the line names that no longer exists in the plan's year is shown (checked) so that it can be taken off.
    outside = [iu.unit for iu in line.implementing_units.all() if iu.unit_id not in known]
    units += [(u.pk, _("%(unit)s (not a unit of %(year)d)") % {"unit": u.name, "year": plan.year}) for u in outside]
    allocated = {}
    for allocation in line.allocations.all():
        allocated[allocation.unit_id] = allocated.get(allocation.unit_id, 0) + allocation.amount

    def build(data, mark):
        return (
            LineForm(data, initial=line_initial(line, mark), groups=groups, units=units),
            TargetFormSet(data, initial=None if data else target_initial(line), prefix="chi-tieu"),
        )

    mark = editing.based_on(editing.line_state(line))
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_row" in data:
        data = _with_one_more_row(data, "chi-tieu")
    form, formset = build(data, mark)
    stale, refused = [], []
    if request.method == "POST" and "add_row" not in request.POST and form.is_valid() and formset.is_valid():
        try:
            editing.save_line(
                plan=plan,
                item_id=line.pk,
                values=form.values(),
                target_groups=form.cleaned_data["target_groups"],
                units=form.cleaned_data["units"],
                targets=formset.rows(),
                by=request.user,
                based_on=form.cleaned_data["based_on"],
            )
        except StaleSection as error:
            stale = error.changes
            current = _line(plan, item)
            now = rebased(request.POST, editing.based_on(editing.line_state(current)))
            form, formset = build(_stale_rows(now, "chi-tieu", target_initial(current)), mark)
            form.is_valid()
            formset.is_valid()
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except BudgetRefused as error:
            refused = error.violations
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved: line %(code)s.") % {"code": line.code})
            return _back_to(plan, f"dong-{line.code}")
    context = _context(
        plan,
        line=line,
        form=form,
        formset=formset,
        stale=stale,
        refused=refused,
        allocated=allocated,
        outside=outside,
        **_money_by_source(plan, line),
    )
    return render(request, "plans/edit/line_edit.html", context)


def _money_by_source(plan: Plan, line: PlanItem) -> dict:
    """The line's money per source, for the pages that show it: broken down only when the plan draws on several
    sources (design.md §13), so that a plan with one source reads exactly as before."""
    if not draws_on_several_sources(plan):
        return {"by_source": False}
    fundings = list(line.fundings.all())
    allocated = {funding.source_id: [0, 0] for funding in fundings}
    for allocation in line.allocations.all():
        allocated.setdefault(allocation.source_id, [0, 0])
        allocated[allocation.source_id][0] += 1
        allocated[allocation.source_id][1] += allocation.amount
    rows = [
        {
            "source": f.source,
            "amount": f.amount,
            "allocations": allocated[f.source_id][0],
            "allocated": allocated[f.source_id][1],
        }
        for f in fundings
    ]
    return {"by_source": True, "source_rows": rows}


def plan_line_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Confirmation page (GET), then the removal (POST) with its units, targets and allocations."""
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    line = _line(plan, item)
    form = BasedOnForm(request.POST or None, initial={"based_on": editing.based_on(editing.line_state(line))})
    stale, refused = [], []
    if request.method == "POST" and form.is_valid():
        try:
            code = editing.remove_line(
                plan=plan, item_id=line.pk, by=request.user, based_on=form.cleaned_data["based_on"]
            )
        except StaleSection as error:
            stale = error.changes
            line = _line(plan, item)
            form = BasedOnForm(initial={"based_on": editing.based_on(editing.line_state(line))})
        except PlanFrozen as error:
            return _frozen(request, plan, error)
        except BudgetRefused as error:
            refused = error.violations
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Line %(code)s was removed from the plan.") % {"code": code})
            return redirect("plans:plan_edit_lines", pk=plan.pk)
    allocated = sum(a.amount for a in line.allocations.all())
    context = _context(
        plan, line=line, form=form, stale=stale, refused=refused, allocated=allocated, **_money_by_source(plan, line)
    )
    return render(request, "plans/edit/line_remove.html", context)


# --- on the plan page ------------------------------------------------------------------------------------------------


def plan_page_editing(user, plan: Plan) -> dict:
    """What the plan page adds for editing: whether to show "Sửa" links, and the sentences naming another year (each
    with a link to the section that holds it when the user may edit). No queries: reads the prefetched plan."""
    editable = can_edit_plan(user, plan)
    mentions = editing.year_mentions(plan)
    for mention in mentions:
        if editable:
            mention.url = reverse(mention.view, args=[plan.pk, *mention.args])
    return {"edit_links": editable, "year_mentions": mentions, "edit_sections": SECTIONS.values()}
