"""A signed plan says forever what it said when it was signed.

Its own rows never change (plans/guard.py), but it names shared reference data: units, catalogue projects, funding
sources, target groups and the documents it cites, which staff may correct later for future plans. At signing, the
names the document shows are copied into the signed document (`SignedDocument.names`); every plan fetched with
`Plan.objects.with_document()` reads them back, so its page, budget table, workbook and PDF keep the signed wording.

Ceilings are no rows of the plan: they belong to its issuer and year (budgets.selectors.ceilings_for) and finance
may lower them after signing, so a signed plan's pages compare it with the ceiling in force now. Their names (the
source, the notifying document) are recorded like the rest, so a document the plan named when it was signed keeps its
wording; a ceiling notified later by another document shows that document as it is.
"""

from collections.abc import Iterator

from django.db import models

# What the document shows of each kind of reference data.
SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "plans.orgunit": ("name", "full_name", "short_name"),
    "plans.documentreference": ("kind", "number", "issued_on", "issuer", "subject"),
    "projects.programme": ("name", "decision_number"),
    "projects.project": ("code", "name"),
    "projects.subproject": ("code", "name"),
    "budgets.fundingsource": ("name",),
    "beneficiaries.targetgroup": ("name",),
}


def referenced_objects(plan) -> Iterator[models.Model]:
    """Every reference-data object a plan's document shows, through the plan's own (prefetched) relations."""
    from budgets.selectors import ceilings_for

    yield plan.programme
    yield plan.issuer
    if plan.issuer.parent_id:
        yield plan.issuer.parent
    for item in plan.items.all():
        yield item.project
        if item.sub_project_id:
            yield item.sub_project
        for funding in item.fundings.all():
            yield funding.source
        yield from item.target_groups.all()
        for implementing in item.implementing_units.all():
            yield implementing.unit
        for allocation in item.allocations.all():
            yield allocation.unit
            yield allocation.source
    for ceiling in ceilings_for(plan):
        yield ceiling.source
        if ceiling.notified_by_id:
            yield ceiling.notified_by
    for basis in plan.legal_bases.all():
        yield from basis.references.all()
    for duty in plan.duties.all():
        if duty.unit_id:
            yield duty.unit


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def take_snapshot(plan) -> dict[str, dict[str, dict[str, str]]]:
    """Return {model label: {pk: {field: value as text}}} for everything the plan's document names."""
    snapshot: dict[str, dict[str, dict[str, str]]] = {}
    for obj in referenced_objects(plan):
        fields = SNAPSHOT_FIELDS[_label(obj)]
        snapshot.setdefault(_label(obj), {})[str(obj.pk)] = {
            name: obj._meta.get_field(name).value_to_string(obj) for name in fields
        }
    return snapshot


def apply_snapshot(plan, snapshot: dict) -> None:
    """Put the names recorded at signing back on the plan's related objects (in memory only)."""
    if not snapshot:
        return
    for obj in referenced_objects(plan):
        recorded = snapshot.get(_label(obj), {}).get(str(obj.pk))
        for name, text in (recorded or {}).items():
            setattr(obj, name, obj._meta.get_field(name).to_python(text))
