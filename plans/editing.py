"""Editing a draft plan in the browser, section by section (issue 8; design.md §4, §13).

One service per write path, each with the guarantees of the allocation editor (budgets/services.py):

* one transaction with the plan row locked; a plan that is no longer a draft is refused (plans.guard), and changes
  that touch money (removing a line, or an implementing unit with its allocations) run inside budget_guard, which
  rolls everything back when a money rule would break or get worse;
* a stale edit is refused: the page carries `based_on`, the moment it was opened and a fingerprint of the section
  as it showed it; when the stored section differs, nothing is saved and StaleSection says who changed what since;
* every row written is recorded in the history with the user and REASON_PLAN_EDITOR as the change reason;
* text is stored in NFC; fields holding one paragraph per line are stored one paragraph per line.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from budgets.checks import MONEY_RULES
from budgets.history import REASON_PLAN_EDITOR, reason_label
from budgets.models import Allocation, FundingSource, LineFunding
from lai_chau.history import history_user_label
from lai_chau.money import format_vnd
from lai_chau.text import normalize_text, paragraphs
from plans.guard import budget_guard, refuse_unless_draft
from plans.issue_dates import validate_issue_date
from plans.models import (
    DocumentReference,
    Duty,
    ImplementingUnit,
    LegalBasis,
    OrgUnit,
    Plan,
    PlanItem,
    Target,
)
from projects.models import Project, SubProject

BASED_ON_INVALID = gettext_lazy("The page is out of date: reload it and enter your changes again.")

# Fields that hold one paragraph per line (lai_chau.text.paragraphs): stored without blank or padded lines.
ONE_PER_LINE_FIELDS = frozenset(
    {
        "purposes",
        "requirements",
        "target_groups",
        "funding_notes",
        "solutions",
        "recipients",
        "authority_lines",
        "beneficiaries",
        "activities",
        "tasks",
    }
)


def clean_text(name: str, value: str) -> str:
    """NFC, unified line ends; one paragraph per line for the fields that hold paragraphs."""
    value = normalize_text(value or "")
    if name in ONE_PER_LINE_FIELDS:
        return "\n".join(paragraphs(value))
    return value.strip()


# ---------------------------------------------------------------------------------------------------------------
# Sections of the plan that are fields of the plan row
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    slug: str  # in the editor's address: /ke-hoach/<id>/sua/<slug>/
    title: str
    fields: tuple[str, ...]
    anchor: str  # id of the section on the plan page


SECTIONS: dict[str, Section] = {
    s.slug: s
    for s in [
        Section(
            "thong-tin-chung",
            gettext_lazy("Header"),
            ("number", "symbol", "issued_on", "place", "summary", "preamble"),
            "dau-van-ban",
        ),
        Section(
            "muc-dich-yeu-cau", gettext_lazy("Purposes and requirements"), ("purposes", "requirements"), "muc-dich"
        ),
        Section(
            "pham-vi",
            gettext_lazy("Scope, target groups and time frame"),
            ("scope", "target_groups", "time_frame"),
            "pham-vi",
        ),
        Section("kinh-phi", gettext_lazy("Funding"), ("funding_statement", "funding_notes"), "kinh-phi"),
        Section("giai-phap", gettext_lazy("Main solutions"), ("solutions",), "giai-phap"),
        Section("ket-luan", gettext_lazy("Closing sentence"), ("closing",), "ket-luan"),
        Section("noi-nhan", gettext_lazy("Recipients"), ("recipients",), "noi-nhan"),
        Section(
            "chu-ky",
            gettext_lazy("Signature block"),
            ("authority_lines", "signer_title", "signer_name"),
            "chu-ky",
        ),
    ]
}
# Plan fields year_mentions looks at, and the section that edits each.
SECTION_OF_FIELD = {name: section for section in SECTIONS.values() for name in section.fields}


# ---------------------------------------------------------------------------------------------------------------
# Stale edits: the fingerprint a page is based on, and what changed since
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionChange:
    """One change someone made to a section, read from the history."""

    when: datetime.datetime
    user: str
    through: str
    what: str
    before: str
    after: str


class StaleSection(Exception):
    """The section changed after the page the user edited was shown to them; nothing was saved."""

    def __init__(self, changes: list[SectionChange]):
        super().__init__(_("Someone changed this part of the plan after you opened this page."))
        self.changes = changes


def _fingerprint(state) -> str:
    data = json.dumps(state, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:40]


def based_on(state) -> str:
    """The mark a page is based on: when it was opened, and a fingerprint of the section as it shows it."""
    return f"{timezone.now().isoformat()}|{_fingerprint(state)}"


def parse_based_on(value: str) -> tuple[datetime.datetime, str]:
    """Return (opened at, fingerprint); raise ValidationError for a mark this application did not write."""
    invalid = ValidationError(BASED_ON_INVALID, code="based_on")
    opened, _sep, digest = (value or "").partition("|")
    try:
        when = parse_datetime(opened)
    except ValueError:
        when = None
    if when is None or timezone.is_naive(when) or len(digest) != 40 or when > timezone.now():
        raise invalid
    return when, digest


def _refuse_stale(mark: str, state, changes: Callable[[datetime.datetime], list[SectionChange]]) -> None:
    opened, digest = parse_based_on(mark)
    if _fingerprint(state) != digest:
        raise StaleSection(changes(opened))


def _clip(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def _record_change(record, what: str, before="", after="") -> SectionChange:
    return SectionChange(
        when=record.history_date,
        user=history_user_label(record),
        through=reason_label(record.history_change_reason or ""),
        what=what,
        before=_clip(before),
        after=_clip(after),
    )


def _label(record, name: str) -> str:
    label = str(type(record)._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _field_changes(records, fields: Iterable[str], since, *, prefix=None, links: str = "") -> list[SectionChange]:
    """Changes of `fields` between consecutive history records of each object, kept when made after `since`.

    `prefix(record)` names the object in each change; `links` names a change that altered none of `fields`
    (a many-to-many link, such as a line's target groups)."""
    previous = {}
    found = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_date <= since or before is None or record.history_type != "~":
            continue
        named = prefix(record) if prefix else ""
        changed = [name for name in fields if getattr(before, name) != getattr(record, name)]
        for name in changed:
            found.append(
                _record_change(record, named + _label(record, name), getattr(before, name), getattr(record, name))
            )
        if not changed and links:
            found.append(_record_change(record, named + links))
    return found


def _row_changes(records, since, label: str, describe: Callable) -> list[SectionChange]:
    """Rows added, changed or removed after `since`, described by `describe(record)`."""
    found = []
    actions = {"+": _("added"), "~": _("changed"), "-": _("removed")}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        if record.history_date <= since:
            continue
        text = describe(record)
        what = f"{label} ({actions[record.history_type]})"
        found.append(
            _record_change(
                record, what, text if record.history_type != "+" else "", text if record.history_type != "-" else ""
            )
        )
    return found


def _newest_first(changes: list[SectionChange]) -> list[SectionChange]:
    return sorted(changes, key=lambda c: c.when, reverse=True)


# ---------------------------------------------------------------------------------------------------------------
# Locking and refusing
# ---------------------------------------------------------------------------------------------------------------


@contextmanager
def _locked_draft(plan: Plan, *, money: bool = False):
    """The plan row locked for the change, refused unless it is a draft; `money` judges the money rules too."""
    if money:
        with budget_guard(rules=MONEY_RULES) as guard:
            yield guard.touch(plan.pk)
        return
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != Plan.Status.DRAFT:
            refuse_unless_draft({locked.pk})
        yield locked


def _mark(row, by) -> None:
    row._history_user = by
    row._change_reason = REASON_PLAN_EDITOR


def _save(row, by) -> None:
    _mark(row, by)
    row.save()


def _delete(row, by) -> None:
    _mark(row, by)
    row.delete()


def refuse_taken_number(plan: Plan) -> None:
    """An issuer numbers its plans of a year once each (so does the database: plan_number_unique_per_issuer_year)."""
    taken = Plan.objects.filter(issuer_id=plan.issuer_id, year=plan.year, number=plan.number).exclude(pk=plan.pk)
    if taken.exists():
        raise ValidationError(
            {
                "number": _("%(issuer)s already has a plan numbered %(number)d for %(year)d.")
                % {"issuer": plan.issuer.name, "number": plan.number, "year": plan.year}
            }
        )


# ---------------------------------------------------------------------------------------------------------------
# Plan fields: header, purposes, scope, funding, solutions, closing, recipients, signature
# ---------------------------------------------------------------------------------------------------------------


def plan_fields_state(plan: Plan, section: Section) -> dict:
    return {name: getattr(plan, name) for name in section.fields}


def plan_field_changes(plan: Plan, section: Section, since) -> list[SectionChange]:
    records = Plan.history.filter(id=plan.pk).select_related("history_user")
    return _newest_first(_field_changes(records, section.fields, since))


def save_plan_section(*, plan: Plan, section: Section, values: dict, by, based_on: str) -> Plan:
    """Save the fields of one section of a draft plan.

    Raise StaleSection when the section changed after `based_on`, PlanFrozen unless the plan is a draft, and
    ValidationError (keyed by field) for values the plan cannot take; nothing is saved then."""
    unknown = set(values) - set(section.fields)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with _locked_draft(plan) as locked:
        _refuse_stale(
            based_on, plan_fields_state(locked, section), lambda since: plan_field_changes(locked, section, since)
        )
        for name, value in values.items():
            setattr(locked, name, clean_text(name, value) if isinstance(value, str) else value)
        if "issued_on" in values:
            validate_issue_date(locked.year, locked.issued_on, locked.amends)
        if "number" in values:
            refuse_taken_number(locked)
        locked.full_clean()
        _save(locked, by)
    return locked


# ---------------------------------------------------------------------------------------------------------------
# Legal bases ("Căn cứ …") and the documents they cite
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewReference:
    kind: str
    number: str
    issued_on: datetime.date
    issuer: str
    subject: str = ""


@dataclass
class BasisRow:
    pk: int | None
    text: str
    references: list[int] = field(default_factory=list)
    new_reference: NewReference | None = None
    delete: bool = False


def legal_bases_state(bases: Iterable[LegalBasis]) -> list:
    return [[b.pk, b.position, b.text, sorted(r.pk for r in b.references.all())] for b in bases]


def legal_basis_changes(plan: Plan, since) -> list[SectionChange]:
    records = LegalBasis.history.filter(plan_id=plan.pk, history_date__gt=since).select_related("history_user")
    return _newest_first(_row_changes(records, since, _("Legal basis"), lambda r: r.text))


def _reference_for(new: NewReference, by) -> DocumentReference:
    """The cited document with this number and date: the known one, or a new one recorded with who added it."""
    existing = DocumentReference.objects.filter(number=new.number, issued_on=new.issued_on).first()
    if existing is not None:
        return existing
    document = DocumentReference(
        kind=new.kind, number=new.number, issued_on=new.issued_on, issuer=new.issuer, subject=new.subject
    )
    document.full_clean()
    _save(document, by)
    return document


def save_legal_bases(*, plan: Plan, rows: list[BasisRow], by, based_on: str) -> None:
    """Replace the plan's legal bases by `rows`, in their order: existing ones (pk) changed or deleted, new added."""
    with _locked_draft(plan) as locked:
        current = list(locked.legal_bases.prefetch_related("references"))
        _refuse_stale(based_on, legal_bases_state(current), lambda since: legal_basis_changes(locked, since))
        by_pk = {basis.pk: basis for basis in current}
        if foreign := {row.pk for row in rows if row.pk is not None} - set(by_pk):
            raise ValidationError(_("Legal basis id(s) %(ids)s do not belong to this plan.") % {"ids": _ids(foreign)})
        cited = {pk for row in rows for pk in row.references}
        if unknown := cited - set(DocumentReference.objects.filter(pk__in=cited).values_list("pk", flat=True)):
            raise ValidationError(_("Unknown document id(s): %(ids)s.") % {"ids": _ids(unknown)})
        position = 0
        for row in rows:
            basis = by_pk.get(row.pk)
            if row.delete:
                if basis is not None:
                    _delete(basis, by)
                continue
            position += 1
            references = set(row.references)
            if row.new_reference is not None:
                references.add(_reference_for(row.new_reference, by).pk)
            text = clean_text("text", row.text)
            if basis is None:
                basis = LegalBasis(plan=locked, position=position, text=text)
                basis.full_clean()
                _save(basis, by)
                before = set()
            else:
                before = {r.pk for r in basis.references.all()}
                if (basis.text, basis.position) != (text, position):
                    basis.text, basis.position = text, position
                    basis.full_clean()
                    _save(basis, by)
            if references != before:
                _mark(basis, by)
                basis.references.set(references)


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(map(str, sorted(ids)))


# ---------------------------------------------------------------------------------------------------------------
# Duties ("Tổ chức thực hiện")
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class DutyRow:
    pk: int | None
    assignee: str
    unit_id: int | None
    tasks: str
    delete: bool = False


def duties_state(duties: Iterable[Duty]) -> list:
    return [[d.pk, d.position, d.assignee, d.unit_id, d.tasks] for d in duties]


def duty_changes(plan: Plan, since) -> list[SectionChange]:
    records = Duty.history.filter(plan_id=plan.pk, history_date__gt=since).select_related("history_user")
    return _newest_first(_row_changes(records, since, _("Duty"), lambda r: f"{r.assignee}: {r.tasks}"))


def units_valid_in_year(year: int):
    """Units that exist at some time in `year` (OrgUnit valid_from/valid_to): those a plan for the year may name."""
    return (
        OrgUnit.objects.filter(valid_from__lte=datetime.date(year, 12, 31))
        .exclude(valid_to__lt=datetime.date(year, 1, 1))
        .exclude(kind=OrgUnit.Kind.PROVINCE)
        .order_by("kind", "name")
    )


def _refuse_units_outside_year(plan: Plan, unit_ids: set[int], kept: set[int]) -> None:
    """Units named anew must be valid in the plan's year; units the plan already names may stay."""
    wanted = unit_ids - kept
    if not wanted:
        return
    valid = set(units_valid_in_year(plan.year).filter(pk__in=wanted).values_list("pk", flat=True))
    if invalid := wanted - valid:
        names = ", ".join(OrgUnit.objects.filter(pk__in=invalid).order_by("name").values_list("name", flat=True))
        raise ValidationError(
            _("%(units)s: not a unit of %(year)d, choose among the units valid in the plan's year.")
            % {"units": names or _ids(invalid), "year": plan.year},
            code="unit_outside_year",
        )


def save_duties(*, plan: Plan, rows: list[DutyRow], by, based_on: str) -> None:
    """Replace the plan's duties by `rows`, in their order."""
    with _locked_draft(plan) as locked:
        current = list(locked.duties.all())
        _refuse_stale(based_on, duties_state(current), lambda since: duty_changes(locked, since))
        by_pk = {duty.pk: duty for duty in current}
        if foreign := {row.pk for row in rows if row.pk is not None} - set(by_pk):
            raise ValidationError(_("Duty id(s) %(ids)s do not belong to this plan.") % {"ids": _ids(foreign)})
        kept_units = {d.unit_id for d in current if d.unit_id}
        _refuse_units_outside_year(locked, {r.unit_id for r in rows if r.unit_id and not r.delete}, kept_units)
        position = 0
        for row in rows:
            duty = by_pk.get(row.pk)
            if row.delete:
                if duty is not None:
                    _delete(duty, by)
                continue
            position += 1
            values = (clean_text("assignee", row.assignee), row.unit_id, clean_text("tasks", row.tasks), position)
            if duty is None:
                duty = Duty(plan=locked)
            elif (duty.assignee, duty.unit_id, duty.tasks, duty.position) == values:
                continue
            duty.assignee, duty.unit_id, duty.tasks, duty.position = values
            duty.full_clean()
            _save(duty, by)


# ---------------------------------------------------------------------------------------------------------------
# Lines: add, edit, remove, reorder
# ---------------------------------------------------------------------------------------------------------------

LINE_TEXT_FIELDS = (
    "title",
    "objective",
    "beneficiaries",
    "activities_label",
    "activities_intro",
    "activities",
    "outputs",
    "units_label",
)


def _code_key(code: str) -> list[int]:
    return [int(part) for part in code.split(".")]


@dataclass(frozen=True)
class CatalogueLine:
    """A budget line of the catalogue: a project without sub-projects, or a sub-project."""

    project: Project
    sub_project: SubProject | None

    @property
    def code(self) -> str:
        return self.sub_project.code if self.sub_project else self.project.code

    @property
    def name(self) -> str:
        return self.sub_project.name if self.sub_project else self.project.name


def catalogue_lines(plan: Plan, *, exclude_present: bool = True) -> list[CatalogueLine]:
    """The budget lines of the plan's programme, in catalogue order; without those already in the plan."""
    projects = list(Project.objects.filter(programme_id=plan.programme_id).prefetch_related("sub_projects"))
    present = set()
    if exclude_present:
        present = {(p, s) for p, s in plan.items.values_list("project_id", "sub_project_id")}
    lines = []
    for project in projects:
        subs = list(project.sub_projects.all())
        candidates = [CatalogueLine(project, sub) for sub in subs] if subs else [CatalogueLine(project, None)]
        lines += [c for c in candidates if (c.project.pk, c.sub_project.pk if c.sub_project else None) not in present]
    return sorted(lines, key=lambda c: _code_key(c.code))


def add_line(*, plan: Plan, line: CatalogueLine, title: str, source: FundingSource, by) -> PlanItem:
    """Add a catalogue line to a draft plan, drawing 0 đồng on `source`, placed in catalogue order among the plan's
    lines."""
    with _locked_draft(plan) as locked:
        if line.project.programme_id != locked.programme_id:
            raise ValidationError(_("This line is not in the plan's programme catalogue."), code="outside_programme")
        items = list(locked.items.select_related("project", "sub_project"))
        exists = any(i.project_id == line.project.pk and i.sub_project_id == _pk(line.sub_project) for i in items)
        if exists:
            raise ValidationError(_("Line %(code)s is already in the plan.") % {"code": line.code}, code="line_present")
        title = clean_text("title", title)
        item = PlanItem(
            plan=locked,
            project=line.project,
            sub_project=line.sub_project,
            title="" if title == line.name else title,
        )
        item.full_clean()
        ordered = _with_new_line(items, item, line)
        moved = []
        for position, row in enumerate(ordered, start=1):
            if row is item:
                item.position = position
            elif row.position != position:
                row.position = position
                moved.append(row)
        _save(item, by)
        _save(LineFunding(item=item, source=source, amount=0), by)
        if moved:
            bulk_update_with_history(
                moved, PlanItem, ["position"], default_user=by, default_change_reason=REASON_PLAN_EDITOR
            )
    return item


def _with_new_line(items: list[PlanItem], item: PlanItem, line: CatalogueLine) -> list[PlanItem]:
    """The plan's lines (in position order) with the new one placed next to its own project, so that a project's
    lines stay together however they were reordered: within its project's lines after the last one with a smaller
    code (first when none), or, for a project new to the plan, as its own group after the last project with a
    smaller code (first when none)."""
    groups = project_groups(items)
    key = _code_key(line.code)
    own = next((group for group in groups if group[0].project_id == line.project.pk), None)
    if own is not None:
        before = [index for index, row in enumerate(own) if _code_key(row.code) < key]
        own.insert(before[-1] + 1 if before else 0, item)
    else:
        project_key = _code_key(line.project.code)
        before = [index for index, group in enumerate(groups) if _code_key(group[0].project.code) < project_key]
        groups.insert(before[-1] + 1 if before else 0, [item])
    return [row for group in groups for row in group]


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None


@dataclass
class TargetRow:
    pk: int | None
    description: str
    quantity: int
    measure: str
    rounds: int = 1
    delete: bool = False


def line_state(item: PlanItem) -> dict:
    """Everything the line editor shows, from a line with its targets, units and target groups prefetched."""
    return {
        **{name: getattr(item, name) for name in LINE_TEXT_FIELDS},
        "groups": sorted(g.pk for g in item.target_groups.all()),
        "units": [iu.unit_id for iu in item.implementing_units.all()],
        "targets": [[t.pk, t.position, t.description, t.quantity, t.measure, t.rounds] for t in item.targets.all()],
        # The money the pages show ("kinh phí X, N khoản phân bổ"): a removal confirmed on a page showing other money
        # is refused.
        "fundings": sorted([f.pk, f.source_id, f.amount] for f in item.fundings.all()),
        "allocations": sorted([a.pk, a.unit_id, a.source_id, a.amount] for a in item.allocations.all()),
    }


def line_changes(item: PlanItem, since) -> list[SectionChange]:
    prefix = f"{item.code} – "
    records = PlanItem.history.filter(id=item.pk).select_related("history_user")
    found = _field_changes(
        records, [*LINE_TEXT_FIELDS, "position"], since, prefix=lambda r: prefix, links=_("Target groups")
    )
    fundings = LineFunding.history.filter(item_id=item.pk, history_date__gt=since).select_related(
        "history_user", "source"
    )
    found += _row_changes(
        fundings, since, f"{prefix}{_('amount')}", lambda r: f"{r.source.name}: {format_vnd(r.amount)}"
    )
    allocations = Allocation.history.filter(item_id=item.pk, history_date__gt=since).select_related(
        "history_user", "unit"
    )
    found += _row_changes(
        allocations, since, f"{prefix}{_('allocation')}", lambda r: f"{r.unit.name}: {format_vnd(r.amount)}"
    )
    targets = Target.history.filter(item_id=item.pk, history_date__gt=since).select_related("history_user")
    found += _row_changes(
        targets, since, f"{prefix}{_('target')}", lambda r: f"{r.description}: {r.quantity} {r.measure} × {r.rounds}"
    )
    units = ImplementingUnit.history.filter(item_id=item.pk, history_date__gt=since).select_related("history_user")
    names = dict(OrgUnit.objects.filter(pk__in={r.unit_id for r in units}).values_list("pk", "name"))
    found += _row_changes(units, since, f"{prefix}{_('implementing unit')}", lambda r: names.get(r.unit_id, ""))
    return _newest_first(found)


def _line_for_edit(plan: Plan, item_id: int) -> PlanItem:
    item = (
        PlanItem.objects.filter(plan=plan, pk=item_id)
        .select_related("project", "sub_project")
        .prefetch_related("target_groups", "implementing_units", "targets", "fundings", "allocations")
        .first()
    )
    if item is None:
        raise ValidationError(_("This line is not in the plan (any more)."), code="line_missing")
    return item


def save_line(
    *,
    plan: Plan,
    item_id: int,
    values: dict,
    target_groups: Iterable[int],
    units: Iterable[int],
    targets: list[TargetRow],
    by,
    based_on: str,
) -> PlanItem:
    """Save one line of a draft plan: its text, target groups, implementing units and quantified targets.

    A unit taken off the line takes its allocations with it (inside budget_guard, like the allocation editor)."""
    unknown = set(values) - set(LINE_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with _locked_draft(plan, money=True) as locked:
        item = _line_for_edit(locked, item_id)
        _refuse_stale(based_on, line_state(item), lambda since: line_changes(item, since))
        changed = False
        for name, value in values.items():
            value = clean_text(name, value)
            if name == "title" and value == item.catalogue_name:
                value = ""
            if getattr(item, name) != value:
                setattr(item, name, value)
                changed = True
        if changed:
            item.full_clean()
            _save(item, by)
        _save_target_groups(item, set(target_groups), by)
        _save_units(locked, item, list(dict.fromkeys(units)), by)
        _save_targets(item, targets, by)
    return item


def _save_target_groups(item: PlanItem, wanted: set[int], by) -> None:
    from beneficiaries.models import TargetGroup

    if unknown := wanted - set(TargetGroup.objects.filter(pk__in=wanted).values_list("pk", flat=True)):
        raise ValidationError(_("Unknown target group id(s): %(ids)s.") % {"ids": _ids(unknown)})
    if wanted != {g.pk for g in item.target_groups.all()}:
        _mark(item, by)
        item.target_groups.set(wanted)


def _save_units(plan: Plan, item: PlanItem, wanted: list[int], by) -> None:
    current = {iu.unit_id: iu for iu in item.implementing_units.all()}
    _refuse_units_outside_year(plan, set(wanted), set(current))
    for unit_id, implementing in current.items():
        if unit_id not in wanted:
            for allocation in [a for a in item.allocations.all() if a.unit_id == unit_id]:
                _delete(allocation, by)
            _delete(implementing, by)
    position = max((iu.position for iu in current.values()), default=0)
    added = []
    for unit_id in wanted:
        if unit_id not in current:
            position += 1
            added.append(ImplementingUnit(item=item, unit_id=unit_id, position=position))
    if added:
        bulk_create_with_history(added, ImplementingUnit, default_user=by, default_change_reason=REASON_PLAN_EDITOR)


def _save_targets(item: PlanItem, rows: list[TargetRow], by) -> None:
    current = {t.pk: t for t in item.targets.all()}
    if foreign := {row.pk for row in rows if row.pk is not None} - set(current):
        raise ValidationError(_("Target id(s) %(ids)s do not belong to this line.") % {"ids": _ids(foreign)})
    position = 0
    for row in rows:
        target = current.get(row.pk)
        if row.delete:
            if target is not None:
                _delete(target, by)
            continue
        position += 1
        values = (
            clean_text("description", row.description),
            row.quantity,
            clean_text("measure", row.measure),
            row.rounds,
            position,
        )
        if target is None:
            target = Target(item=item)
        elif (target.description, target.quantity, target.measure, target.rounds, target.position) == values:
            continue
        target.description, target.quantity, target.measure, target.rounds, target.position = values
        target.full_clean()
        _save(target, by)


def remove_line(*, plan: Plan, item_id: int, by, based_on: str) -> str:
    """Remove a line from a draft plan with its units, targets, allocations and funding sources; return its code.

    Inside budget_guard: removing money may not break a rule; refused when the line changed since `based_on`."""
    with _locked_draft(plan, money=True) as locked:
        item = _line_for_edit(locked, item_id)
        _refuse_stale(based_on, line_state(item), lambda since: line_changes(item, since))
        code = item.code
        # Each row is deleted in its own right (not by the line's cascade) so that its history says who and why.
        rows = [*item.allocations.all(), *item.fundings.all(), *item.targets.all(), *item.implementing_units.all()]
        for row in rows:
            _delete(row, by)
        _delete(item, by)
    return code


def lines_state(items: Iterable[PlanItem]) -> list:
    return [[item.pk, item.position] for item in items]


def _record_code(record) -> str:
    return record.sub_project.code if record.sub_project_id else record.project.code


def lines_changes(plan: Plan, since) -> list[SectionChange]:
    records = list(PlanItem.history.filter(plan_id=plan.pk).select_related("history_user", "project", "sub_project"))
    found = _field_changes(records, ["position"], since, prefix=lambda r: f"{_record_code(r)} – ")
    found += _row_changes(
        [r for r in records if r.history_type in "+-"], since, _("Line"), lambda r: f"{_record_code(r)} {r.title}"
    )
    return _newest_first(found)


def project_groups(items: list[PlanItem]) -> list[list[PlanItem]]:
    """Lines grouped by project in document order; a project's lines stay together (as the document groups them)."""
    groups: dict[int, list[PlanItem]] = {}
    for item in items:
        groups.setdefault(item.project_id, []).append(item)
    return list(groups.values())


def move_line(*, plan: Plan, item_id: int, up: bool, by, based_on: str) -> None:
    """Move a line one place up or down among its project's lines; the first (last) line of a project moves the
    whole project before the previous (after the next) one. Positions are renumbered 1, 2, … in the new order."""
    with _locked_draft(plan) as locked:
        items = list(locked.items.select_related("project", "sub_project"))
        _refuse_stale(based_on, lines_state(items), lambda since: lines_changes(locked, since))
        groups = project_groups(items)
        found = [
            (g, [item.pk for item in group].index(item_id))
            for g, group in enumerate(groups)
            if any(item.pk == item_id for item in group)
        ]
        if not found:
            raise ValidationError(_("This line is not in the plan (any more)."), code="line_missing")
        g, i = found[0]
        group = groups[g]
        j = i - 1 if up else i + 1
        if 0 <= j < len(group):  # within its project
            group[i], group[j] = group[j], group[i]
        else:  # the first (last) line of its project: the whole project moves
            h = g - 1 if up else g + 1
            if 0 <= h < len(groups):
                groups[g], groups[h] = groups[h], groups[g]
        moved = []
        for position, item in enumerate((item for group in groups for item in group), start=1):
            if item.position != position:
                item.position = position
                moved.append(item)
        if moved:
            bulk_update_with_history(
                moved, PlanItem, ["position"], default_user=by, default_change_reason=REASON_PLAN_EDITOR
            )


# ---------------------------------------------------------------------------------------------------------------
# Sentences naming another year, with the section that holds each (the plan page points at them for review)
# ---------------------------------------------------------------------------------------------------------------

YEAR_IN_TEXT = re.compile(r"\bnăm (\d{4})\b", re.IGNORECASE)
TEXT_FIELDS_CHECKED_FOR_YEAR = [
    "summary",
    "preamble",
    "purposes",
    "requirements",
    "scope",
    "target_groups",
    "time_frame",
    "funding_statement",
    "solutions",
    "closing",
]
LINE_FIELDS_CHECKED_FOR_YEAR = ("title", "objective", "beneficiaries", "activities_intro", "activities", "outputs")


@dataclass
class YearMention:
    field: str  # where, as the page names it
    year: int
    sentence: str
    view: str  # the editor of that section, and its arguments after the plan's id
    args: tuple = ()
    url: str = ""  # set by the page when the user may edit


def _mentions_in(text: str, year: int):
    for paragraph in paragraphs(text or ""):
        for match in YEAR_IN_TEXT.finditer(paragraph):
            if int(match[1]) != year:
                yield int(match[1]), paragraph


def year_mentions(plan: Plan) -> list[YearMention]:
    """Sentences of the plan's text, its lines and its duties that speak of "năm YYYY" for a year other than the
    plan's (the plan page lists them for review, plans.edit_views.plan_page_editing). Reads a plan fetched
    with Plan.objects.with_document(): no queries."""
    found = []
    for name in TEXT_FIELDS_CHECKED_FOR_YEAR:
        label = str(Plan._meta.get_field(name).verbose_name)
        section = SECTION_OF_FIELD.get(name)
        for year, sentence in _mentions_in(getattr(plan, name), plan.year):
            found.append(YearMention(label, year, sentence, "plans:plan_edit_section", (section.slug,)))
    for item in plan.items.all():
        for name in LINE_FIELDS_CHECKED_FOR_YEAR:
            label = _("line %(code)s, %(field)s") % {
                "code": item.code,
                "field": PlanItem._meta.get_field(name).verbose_name,
            }
            for year, sentence in _mentions_in(getattr(item, name), plan.year):
                found.append(YearMention(label, year, sentence, "plans:plan_line_edit", (item.pk,)))
    for duty in plan.duties.all():
        label = _("duties of %(assignee)s") % {"assignee": duty.assignee}
        for year, sentence in _mentions_in(duty.tasks, plan.year):
            found.append(YearMention(label, year, sentence, "plans:plan_edit_duties"))
    return found
