"""What an amendment changes in the plan it amends: every difference, and nothing that stayed the same.

Section by section, in the document's order: the header, legal bases and the documents they cite, purposes and
requirements, scope, the lines (amount, what it draws on each source, implementing units added or removed, each unit's
allocation per source, title, objective, target groups, activities, outputs, targets; lines added or removed), funding
(the total, and per source when either plan draws on several), solutions, duties, the closing sentence, recipients and
the signature block. A long text is compared paragraph by paragraph and word by word; a short value (a number, a
date, a unit) whole, old → new.

Reads two plans fetched with Plan.objects.with_document(): no queries of its own.
"""

import difflib
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from lai_chau.text import paragraphs
from plans.document import source_order
from plans.models import Duty, LegalBasis, Plan, PlanItem, Target

Piece = tuple[str, str]  # ("same" | "removed" | "added", words)


# Above this many words (or paragraphs) on either side, after the common beginning and end are set aside, a difference
# is not searched word by word (difflib is quadratic: 40,000 words took about a minute): the differing middle is shown
# whole, removed then inserted. Readers of a signed amendment must never be able to stall the server.
DIFF_LIMIT = 2000


def _common_ends(a: list[str], b: list[str]) -> tuple[int, int]:
    """How many items a and b share at their beginning, and then at their end (not overlapping)."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes for a and b, found in linear time beyond DIFF_LIMIT items (the middle replaced whole)."""
    start, end = _common_ends(a, b)
    a_mid, b_mid = a[start : len(a) - end], b[start : len(b) - end]
    if len(a_mid) > DIFF_LIMIT or len(b_mid) > DIFF_LIMIT:
        middle = [("replace", 0, len(a_mid), 0, len(b_mid))]
    else:
        middle = difflib.SequenceMatcher(a=a_mid, b=b_mid, autojunk=False).get_opcodes()
    codes = [("equal", 0, start, 0, start)] if start else []
    codes += [(op, a1 + start, a2 + start, b1 + start, b2 + start) for op, a1, a2, b1, b2 in middle]
    if end:
        codes.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return codes


def word_diff(old: str, new: str) -> list[Piece]:
    """Return the words of old and new as pieces marked same, removed or added."""
    old_words, new_words = old.split(), new.split()
    pieces = []
    for op, a1, a2, b1, b2 in _opcodes(old_words, new_words):
        if op == "equal":
            pieces.append(("same", " ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("removed", " ".join(old_words[a1:a2])))
        if b2 > b1:
            pieces.append(("added", " ".join(new_words[b1:b2])))
    return pieces


@dataclass(frozen=True)
class TextChange:
    """A paragraph that changed, was added (old empty) or removed (new empty), shown word by word."""

    label: str
    old: str
    new: str
    kind = "text"

    @property
    def pieces(self) -> list[Piece]:
        return word_diff(self.old, self.new)


@dataclass(frozen=True)
class ValueChange:
    """A short value shown whole, old → new: a number, a date, a unit's name (empty: there was none)."""

    label: str
    old: str
    new: str
    kind = "value"


@dataclass(frozen=True)
class AmountChange:
    """An amount in đồng, old → new (None: there was none)."""

    label: str
    old: int | None
    new: int | None
    kind = "amount"

    @property
    def difference(self) -> int:
        return (self.new or 0) - (self.old or 0)


Change = TextChange | ValueChange | AmountChange


@dataclass(frozen=True)
class LineChange:
    code: str
    name: str
    status: str  # "added", "removed" or "changed"
    changes: list[Change]


@dataclass(frozen=True)
class Section:
    key: str  # the anchor of the section on the comparison page
    title: str
    changes: list[Change]
    lines: list[LineChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.lines)


@dataclass(frozen=True)
class Comparison:
    sections: list[Section]
    old_total: int
    new_total: int

    @property
    def difference(self) -> int:
        return self.new_total - self.old_total

    @property
    def changed_sections(self) -> list[Section]:
        return [section for section in self.sections if section.changed]

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


# --- building blocks -------------------------------------------------------------------------------------------------


def _label(model, name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def text_changes(label: str, old: str, new: str) -> list[TextChange]:
    """The paragraphs of a one-paragraph-per-line text that differ, each old → new word by word."""
    old_paragraphs, new_paragraphs = paragraphs(old or ""), paragraphs(new or "")
    if old_paragraphs == new_paragraphs:
        return []
    if len(old_paragraphs) <= 1 and len(new_paragraphs) <= 1:
        return [TextChange(label, " ".join(old_paragraphs), " ".join(new_paragraphs))]
    changes = []
    for op, a1, a2, b1, b2 in _opcodes(old_paragraphs, new_paragraphs):
        if op == "equal":
            continue
        for offset in range(max(a2 - a1, b2 - b1)):
            i, j = a1 + offset, b1 + offset
            if i < a2 and j < b2 and old_paragraphs[i] == new_paragraphs[j]:
                continue  # beyond DIFF_LIMIT paragraphs are paired by position: the same paragraph is no change
            number = j + 1 if j < b2 else i + 1
            where = _("%(label)s (paragraph %(number)s)") % {"label": label, "number": number}
            changes.append(TextChange(where, old_paragraphs[i] if i < a2 else "", new_paragraphs[j] if j < b2 else ""))
    return changes


def value_changes(label: str, old: str, new: str) -> list[ValueChange]:
    return [] if old == new else [ValueChange(label, old, new)]


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# --- the sections ----------------------------------------------------------------------------------------------------


def _plan_texts(old: Plan, new: Plan, *names: str) -> list[Change]:
    return [
        change for name in names for change in text_changes(_label(Plan, name), getattr(old, name), getattr(new, name))
    ]


def _header(old: Plan, new: Plan) -> list[Change]:
    return [
        *value_changes(_("Number and symbol"), old.document_number, new.document_number),
        *value_changes(_label(Plan, "issued_on"), _date(old.issued_on), _date(new.issued_on)),
        *value_changes(_label(Plan, "place"), old.place, new.place),
        *value_changes(_label(Plan, "year"), str(old.year), str(new.year)),
        *value_changes(_label(Plan, "issuer"), old.issuer.display_full_name, new.issuer.display_full_name),
        *_plan_texts(old, new, "summary", "preamble"),
    ]


def _legal_bases(old: Plan, new: Plan) -> list[Change]:
    def texts(plan: Plan) -> str:
        return "\n".join(basis.text for basis in plan.legal_bases.all())

    def cited(plan: Plan) -> set[str]:
        return {str(document) for basis in plan.legal_bases.all() for document in basis.references.all()}

    label = capfirst(str(LegalBasis._meta.verbose_name_plural))
    old_cited, new_cited = cited(old), cited(new)
    return [
        *text_changes(label, texts(old), texts(new)),
        *(ValueChange(_("Document cited"), document, "") for document in sorted(old_cited - new_cited)),
        *(ValueChange(_("Document cited"), "", document) for document in sorted(new_cited - old_cited)),
    ]


def _get(item: PlanItem | None, name: str) -> str:
    return getattr(item, name) if item is not None else ""


def _units(item: PlanItem | None) -> dict[int, str]:
    return {iu.unit_id: iu.unit.name for iu in item.implementing_units.all()} if item is not None else {}


def _allocations(item: PlanItem | None) -> dict[tuple[int, int], tuple[str, str, int]]:
    if item is None:
        return {}
    return {(a.unit_id, a.source_id): (a.unit.name, a.source.name, a.amount) for a in item.allocations.all()}


def _fundings(item: PlanItem | None) -> dict[int, tuple[object, int]]:
    """What a line draws on each source: {source id: (source, đồng)}."""
    return {f.source_id: (f.source, f.amount) for f in item.fundings.all()} if item is not None else {}


def _money(old: PlanItem | None, new: PlanItem | None) -> list[Change]:
    """The line's amount, what it draws on each source, and each unit's allocation from each source.

    A line drawing on the same single source on both sides reads as before: its amount, and allocations by unit.
    Otherwise every source added to or removed from the line, or whose amount changed, is listed, and allocations
    name their source.
    """
    changes: list[Change] = []
    old_amount, new_amount = (old.amount if old else None), (new.amount if new else None)
    if old_amount != new_amount:
        changes.append(AmountChange(_("Line amount"), old_amount, new_amount))
    old_fundings, new_fundings = _fundings(old), _fundings(new)
    drawn_on = {**old_fundings, **new_fundings}
    by_source = len(drawn_on) > 1
    if by_source:
        for source_id in sorted(drawn_on, key=lambda key: source_order(drawn_on[key][0])):
            before, after = old_fundings.get(source_id), new_fundings.get(source_id)
            if before != after:
                label = _("Line amount (%(source)s)") % {"source": drawn_on[source_id][0].name}
                changes.append(AmountChange(label, before and before[1], after and after[1]))
    old_allocations, new_allocations = _allocations(old), _allocations(new)
    keys = sorted(
        set(old_allocations) | set(new_allocations),
        key=lambda key: (old_allocations.get(key) or new_allocations.get(key))[:2],
    )
    for key in keys:
        unit, source, _amount = old_allocations.get(key) or new_allocations[key]
        before, after = old_allocations.get(key), new_allocations.get(key)
        if (before and before[2]) != (after and after[2]):
            # An allocation names its source when the line draws on several, or when it is not the line's own.
            where = f"{unit} ({source})" if by_source or key[1] not in drawn_on else unit
            label = _("Allocation to %(unit)s") % {"unit": where}
            changes.append(AmountChange(label, before[2] if before else None, after[2] if after else None))
    return changes


def _target_text(item: PlanItem | None) -> str:
    if item is None:
        return ""
    return "\n".join(
        f"{t.description}: {t.quantity} {t.measure}" + (f" × {t.rounds}" if t.rounds > 1 else "")
        for t in item.targets.all()
    )


def _group_text(item: PlanItem | None) -> str:
    return "\n".join(sorted(group.name for group in item.target_groups.all())) if item is not None else ""


def _line_changes(old: PlanItem | None, new: PlanItem | None) -> list[Change]:
    changes: list[Change] = _money(old, new)
    old_units, new_units = _units(old), _units(new)
    unit_label = _label(PlanItem, "units")
    for unit_id in [*old_units, *(u for u in new_units if u not in old_units)]:
        changes += value_changes(unit_label, old_units.get(unit_id, ""), new_units.get(unit_id, ""))
    changes += text_changes(_("Line title"), old.name if old else "", new.name if new else "")
    for name in ("objective", "beneficiaries"):
        changes += text_changes(_label(PlanItem, name), _get(old, name), _get(new, name))
    changes += text_changes(_label(PlanItem, "target_groups"), _group_text(old), _group_text(new))
    changes += value_changes(
        _label(PlanItem, "activities_label"), _get(old, "activities_label"), _get(new, "activities_label")
    )
    for name in ("activities_intro", "activities", "outputs"):
        changes += text_changes(_label(PlanItem, name), _get(old, name), _get(new, name))
    changes += text_changes(capfirst(str(Target._meta.verbose_name_plural)), _target_text(old), _target_text(new))
    changes += value_changes(_label(PlanItem, "units_label"), _get(old, "units_label"), _get(new, "units_label"))
    return changes


def _lines(old: Plan, new: Plan) -> list[LineChange]:
    old_items = {item.code: item for item in old.items.all()}
    new_items = {item.code: item for item in new.items.all()}
    found = []
    for code in [*old_items, *(code for code in new_items if code not in old_items)]:
        before, after = old_items.get(code), new_items.get(code)
        changes = _line_changes(before, after)
        if changes:
            status = "added" if before is None else "removed" if after is None else "changed"
            found.append(LineChange(code, (after or before).name, status, changes))
    return found


def _source_totals(plan: Plan) -> dict[int, tuple[object, int]]:
    """The plan's total per source it draws on: {source id: (source, đồng)}."""
    totals: dict[int, tuple[object, int]] = {}
    for item in plan.items.all():
        for funding in item.fundings.all():
            before = totals.get(funding.source_id, (funding.source, 0))[1]
            totals[funding.source_id] = (funding.source, before + funding.amount)
    return totals


def _funding(old: Plan, new: Plan) -> list[Change]:
    changes: list[Change] = []
    old_totals, new_totals = _source_totals(old), _source_totals(new)
    old_total, new_total = sum(t for _s, t in old_totals.values()), sum(t for _s, t in new_totals.values())
    if old_total != new_total:
        changes.append(AmountChange(_("Total amount"), old_total, new_total))
    drawn_on = {**old_totals, **new_totals}
    if len(drawn_on) > 1:
        for source_id in sorted(drawn_on, key=lambda key: source_order(drawn_on[key][0])):
            before, after = old_totals.get(source_id), new_totals.get(source_id)
            if before != after:
                changes.append(AmountChange(drawn_on[source_id][0].name, before and before[1], after and after[1]))
    return changes + _plan_texts(old, new, "funding_statement", "funding_notes")


def _duties(old: Plan, new: Plan) -> list[Change]:
    def by_assignee(plan: Plan) -> dict[str, str]:
        found: dict[str, str] = {}
        for duty in plan.duties.all():
            found[duty.assignee] = "\n".join(filter(None, [found.get(duty.assignee, ""), duty.tasks]))
        return found

    old_duties, new_duties = by_assignee(old), by_assignee(new)
    assignee_label, tasks_label = _label(Duty, "assignee"), _label(Duty, "tasks")
    changes: list[Change] = []
    for assignee in [*old_duties, *(a for a in new_duties if a not in old_duties)]:
        if assignee not in new_duties or assignee not in old_duties:
            changes += value_changes(
                assignee_label, assignee if assignee in old_duties else "", assignee if assignee in new_duties else ""
            )
        label = f"{tasks_label}: {assignee}"
        changes += text_changes(label, old_duties.get(assignee, ""), new_duties.get(assignee, ""))
    return changes


def compare_plans(original: Plan, amendment: Plan) -> Comparison:
    """Compare two plans fetched with Plan.objects.with_document(); lines are matched by their code."""
    sections = [
        Section("thong-tin-chung", _("Header"), _header(original, amendment)),
        Section("can-cu", _("Legal bases"), _legal_bases(original, amendment)),
        Section(
            "muc-dich", _("Purposes and requirements"), _plan_texts(original, amendment, "purposes", "requirements")
        ),
        Section(
            "pham-vi",
            _("Scope, target groups and time frame"),
            _plan_texts(original, amendment, "scope", "target_groups", "time_frame"),
        ),
        Section("noi-dung", _("Lines"), [], _lines(original, amendment)),
        Section("kinh-phi", _("Funding"), _funding(original, amendment)),
        Section("giai-phap", _("Main solutions"), _plan_texts(original, amendment, "solutions")),
        Section("to-chuc-thuc-hien", _("Duties"), _duties(original, amendment)),
        Section("ket-luan", _("Closing sentence"), _plan_texts(original, amendment, "closing")),
        Section("noi-nhan", _("Recipients"), _plan_texts(original, amendment, "recipients")),
        Section(
            "chu-ky",
            _("Signature block"),
            _plan_texts(original, amendment, "authority_lines")
            + value_changes(_label(Plan, "signer_title"), original.signer_title, amendment.signer_title)
            + value_changes(_label(Plan, "signer_name"), original.signer_name, amendment.signer_name),
        ),
    ]
    return Comparison(
        sections=sections,
        old_total=sum(item.amount for item in original.items.all()),
        new_total=sum(item.amount for item in amendment.items.all()),
    )
