"""Whether a plan's rows may change, and whether a change keeps the money rules: decided here, for every path.

* The freeze. A plan that left the draft stage never changes: not its text, lines, what each line draws on each
  source, units, targets, duties, legal bases or allocations, and a signed PDF never changes at all. (Ceilings are not
  rows of a plan: they belong to an issuer and year, and finance records or lowers them whatever the plans' states,
  budgets/ceilings.py.) The receivers below run on every ORM save, delete and many-to-many change of those rows,
  whoever makes it (the pages, the import, the commands, every admin view, a shell), and judge both the plan a row
  belongs to and the plan it is being moved to. Bulk writes that skip the ORM's signals go through
  `budget_guard().touch()` (budgets.services.budget_apply). On PostgreSQL the database itself agrees
  (plans/triggers.py).
* The money rules. Inside `budget_guard()`, every plan a write touches is locked and checked before its first write
  and again at the end; a result that breaks a rule of design.md §6, or makes one worse, rolls everything back.
  The ceiling rows the check reads (the plan's issuer and year) are locked too, after the plan: a ceiling saved
  at the same time (budgets/ceilings.py locks the plans, then the ceiling) waits for this change, or this change
  waits for it and judges against the new ceiling; neither passes on a stale read.
"""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils.translation import gettext_lazy as _

from plans.models import (
    Duty,
    ImplementingUnit,
    LegalBasis,
    Plan,
    PlanItem,
    SignedDocument,
    Target,
)

PLAN_FROZEN = _("Plan %(number)s is %(status)s: it can no longer be changed. Make an amendment to change it.")
SIGNED_PDF_FROZEN = _("The signed PDF of plan %(number)s never changes and cannot be deleted.")
REFERENCE_CITED = _(
    "%(name)s is cited by plan %(plans)s: a cited document cannot be deleted (you may correct its details)."
)
TARGET_GROUP_USED = _(
    "Target group %(name)s is named by plan %(plans)s: it cannot be deleted (you may correct its name or description)."
)
# Only the lifecycle moves a submitted plan, and it changes nothing but the status (plans.lifecycle._move).
LIFECYCLE_FIELDS = frozenset({"status", "updated_at"})


class PlanFrozen(ValidationError):
    """A write to a plan that is no longer a draft; nothing was saved."""


class BudgetRefused(Exception):
    """The write would break a budget rule, or make one worse; nothing was saved."""

    def __init__(self, violations):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


def _refuse_frozen(plan: Plan) -> None:
    if plan.status != Plan.Status.DRAFT:
        raise PlanFrozen(
            PLAN_FROZEN % {"number": plan.document_number, "status": plan.get_status_display()}, code="not_draft"
        )


def refuse_unless_draft(plan_ids: Iterable[int]) -> None:
    """Raise PlanFrozen when any of the plans (read from the database, not from a stale copy) is not a draft."""
    ids = {pk for pk in plan_ids if pk is not None}
    if not ids:
        return
    frozen = Plan.objects.filter(pk__in=ids).exclude(status=Plan.Status.DRAFT).order_by("pk").first()
    if frozen is not None:
        _refuse_frozen(frozen)


# Each plan-owned model: how to reach its plan from a Plan query (old row) and from the row's new values.
_REVERSE_FROM_PLAN = {
    PlanItem: "items",
    LegalBasis: "legal_bases",
    Duty: "duties",
    ImplementingUnit: "items__implementing_units",
    Target: "items__targets",
}


def _money_models() -> dict[type[models.Model], str]:
    from budgets.models import Allocation, LineFunding

    return {LineFunding: "items__fundings", Allocation: "items__allocations"}


def _plans_of_row(instance: models.Model, reverse: str) -> set[int]:
    """The plan the row belongs to in the database now, and the plan its new values point to."""
    condition = models.Q()
    if instance.pk is not None:
        condition |= models.Q(**{f"{reverse}__pk": instance.pk})
    if hasattr(instance, "plan_id"):
        condition |= models.Q(pk=instance.plan_id)
    elif getattr(instance, "item_id", None) is not None:
        condition |= models.Q(items__pk=instance.item_id)
    if not condition:
        return set()
    return set(Plan.objects.filter(condition).values_list("pk", flat=True))


def _loading_new_row(instance, raw: bool) -> bool:
    """loaddata adding a row that is not there yet (the seed, a restore); loaded data never overwrites a frozen row."""
    return raw and not type(instance)._default_manager.filter(pk=instance.pk).exists()


def _on_row_write(sender, instance, raw=False, **kwargs) -> None:
    reverse = _REVERSE_FROM_PLAN.get(sender) or _money_models().get(sender)
    if reverse is None or _loading_new_row(instance, raw):
        return
    plan_ids = _plans_of_row(instance, reverse)
    refuse_unless_draft(plan_ids)
    _touch(plan_ids)


def _on_plan_save(sender, instance: Plan, raw=False, update_fields=None, **kwargs) -> None:
    if instance.pk is None or _loading_new_row(instance, raw):
        return
    stored = Plan.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    if stored is None or stored == Plan.Status.DRAFT:
        _touch({instance.pk})
        return
    lifecycle_move = stored == Plan.Status.SUBMITTED and update_fields and set(update_fields) <= LIFECYCLE_FIELDS
    if not lifecycle_move:
        refuse_unless_draft({instance.pk})


def _on_plan_delete(sender, instance: Plan, **kwargs) -> None:
    refuse_unless_draft({instance.pk})


def _on_signed_document_write(sender, instance: SignedDocument, **kwargs) -> None:
    """A signed PDF is written once, at signing; it is never changed or deleted."""
    if _loading_new_row(instance, kwargs.get("raw", False)):
        return
    creating = instance._state.adding and "update_fields" in kwargs  # pre_save of a new row: signing
    if creating and Plan.objects.filter(pk=instance.plan_id, status=Plan.Status.SIGNED).exists():
        return
    raise PlanFrozen(SIGNED_PDF_FROZEN % {"number": instance.plan.document_number}, code="signed_pdf")


# The many-to-many links a plan owns: the model holding the link, and the path from Plan to the linked object.
_LINKS = {
    PlanItem.target_groups.through: (PlanItem, "items__target_groups"),
    LegalBasis.references.through: (LegalBasis, "legal_bases__references"),
}
# Reference data a plan names through those links: deleting it would silently drop the link from the plan.
_NAMED_BY_PLANS = {
    "plans.DocumentReference": ("legal_bases__references", REFERENCE_CITED, "cited"),
    "beneficiaries.TargetGroup": ("items__target_groups", TARGET_GROUP_USED, "used"),
}


def _on_named_delete(sender, instance, **kwargs) -> None:
    path, message, code = _NAMED_BY_PLANS[sender._meta.label]
    naming = Plan.objects.filter(**{path: instance}).distinct().order_by("pk")[:5].values_list("number", "symbol")
    if naming:
        numbers = ", ".join(f"{number}/{symbol}" for number, symbol in naming)
        raise PlanFrozen(message % {"name": instance, "plans": numbers}, code=code)


def _on_link_change(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("pre_"):
        return
    owner, path = _LINKS[sender]
    if not reverse:  # the line or legal basis itself
        plan_ids = {instance.plan_id}
    elif pk_set:  # from the target group or document: the lines or legal bases named
        plan_ids = set(owner.objects.filter(pk__in=pk_set).values_list("plan_id", flat=True))
    else:  # clear() from the target group or document: every plan linked to it
        plan_ids = set(Plan.objects.filter(**{path: instance}).values_list("pk", flat=True))
    refuse_unless_draft(plan_ids)
    _touch(plan_ids)


def connect_signals() -> None:
    """Called once from PlansConfig.ready()."""
    for model in [*_REVERSE_FROM_PLAN, *_money_models()]:
        pre_save.connect(_on_row_write, sender=model, dispatch_uid=f"plan-guard-save-{model.__name__}")
        pre_delete.connect(_on_row_write, sender=model, dispatch_uid=f"plan-guard-delete-{model.__name__}")
    pre_save.connect(_on_plan_save, sender=Plan, dispatch_uid="plan-guard-plan-save")
    pre_delete.connect(_on_plan_delete, sender=Plan, dispatch_uid="plan-guard-plan-delete")
    pre_save.connect(_on_signed_document_write, sender=SignedDocument, dispatch_uid="plan-guard-pdf-save")
    pre_delete.connect(_on_signed_document_write, sender=SignedDocument, dispatch_uid="plan-guard-pdf-delete")
    for model in _NAMED_BY_PLANS:
        pre_delete.connect(_on_named_delete, sender=model, dispatch_uid=f"plan-guard-named-{model}")
    for through in _LINKS:
        m2m_changed.connect(_on_link_change, sender=through, dispatch_uid=f"plan-guard-link-{through.__name__}")


# ---------------------------------------------------------------------------------------------------------------
# The money rules over a whole change
# ---------------------------------------------------------------------------------------------------------------

_active = threading.local()


@dataclass
class _BudgetGuard:
    rules: frozenset[str] | None  # None: every rule of budgets.checks; otherwise only these may not get worse
    before: dict[int, object] = field(default_factory=dict)  # plan id → BudgetCheck before its first write

    def touch(self, plan_id: int) -> Plan:
        """Lock the plan and its ceilings, refuse it unless it is a draft, and remember its checks before this change
        writes."""
        from budgets.checks import check_plan

        locked = Plan.objects.select_for_update().get(pk=plan_id)
        _refuse_frozen(locked)
        if plan_id not in self.before:
            _lock_ceilings(locked.issuer_id, locked.year)
            self.before[plan_id] = check_plan(Plan.objects.with_document().get(pk=plan_id))
        return locked

    def verify(self) -> None:
        from budgets.checks import check_plan, new_or_worse

        worse = []
        for plan_id, before in self.before.items():
            now = Plan.objects.filter(pk=plan_id).values("issuer_id", "year").first()
            if now is None:  # the change discarded a draft plan
                continue
            _lock_ceilings(now["issuer_id"], now["year"])  # the change may have moved the plan to another year
            plan = Plan.objects.with_document().get(pk=plan_id)
            worse += [v for v in new_or_worse(before, check_plan(plan)) if self.rules is None or v.rule in self.rules]
        if worse:
            raise BudgetRefused(worse)


def _lock_ceilings(issuer_id: int, year: int) -> None:
    """Lock the ceilings a plan's check reads, to the end of the transaction (always after the plan's own row)."""
    from budgets.models import Ceiling

    list(Ceiling.objects.select_for_update().filter(issuer_id=issuer_id, year=year).order_by("pk").values("pk"))


def _touch(plan_ids: Iterable[int]) -> None:
    stack = getattr(_active, "stack", [])
    if stack:
        for plan_id in sorted(pk for pk in plan_ids if pk is not None):
            stack[-1].touch(plan_id)


@contextmanager
def budget_guard(*, rules: frozenset[str] | None = None) -> Iterator[_BudgetGuard]:
    """Run a change in one transaction in which every plan it touches keeps the budget rules.

    Raise BudgetRefused (everything rolled back) when the change breaks a rule or makes one worse; `rules`
    limits the judgement to those rules (the admin judges rules 1 and 2, as design.md §6 asks of every edit).
    """
    guard = _BudgetGuard(rules=rules)
    stack = _active.__dict__.setdefault("stack", [])
    with transaction.atomic():
        stack.append(guard)
        try:
            yield guard
            guard.verify()
        finally:
            stack.pop()
