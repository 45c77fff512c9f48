"""A plan's lifecycle: draft → submitted → signed, or sent back to draft with a reason; amendments.

A signed plan never changes: its PDF is produced once at signing and stored with its SHA-256; a change is an
amendment, a new draft that starts as a copy of the signed plan and links to it.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from budgets.history import REASON_AMENDMENT, REASON_DISCARD
from budgets.models import Allocation, LineFunding
from lai_chau.history import user_display_name
from plans.completeness import problems
from plans.issue_dates import validate_issue_date
from plans.models import Duty, ImplementingUnit, LegalBasis, Plan, PlanTransition, SignedDocument, Target
from plans.pdf import render_plan_pdf
from plans.signing import sign_pdf, signing_configured
from plans.snapshot import take_snapshot

logger = logging.getLogger(__name__)

SIGNED_PDF_ALTERED = gettext_lazy(
    "The stored signed PDF of plan %(number)s does not match the SHA-256 recorded at signing: it was altered. "
    "It is not served. Tell the system administrator (manage.py verify_signed_plans)."
)


class SignedPdfAltered(Exception):
    """The stored bytes of a signed plan no longer hash to what was recorded at signing."""


@dataclass(frozen=True)
class Signature:
    """What the signed PDF prints in its signature block."""

    title: str
    name: str
    signed_at: datetime.datetime
    digital: bool


def _move(plan: Plan, *, expected: str, to: str, by, comment: str = "") -> Plan:
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != expected:
        raise ValidationError(
            _("Plan %(number)s is %(status)s: this step is not possible now.")
            % {"number": locked.document_number, "status": locked.get_status_display()},
            code="wrong_status",
        )
    PlanTransition.objects.create(plan=locked, from_status=expected, to_status=to, by=by, comment=comment)
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    return locked


def _refuse_unless_ready(plan: Plan, heading: str) -> None:
    """Refuse, listing every item, while the plan lacks something or breaks a budget rule (design.md §13)."""
    found = problems(Plan.objects.with_document().get(pk=plan.pk))
    if found:
        raise ValidationError([heading] + [item.message for item in found], code="incomplete")


@transaction.atomic
def plan_submit(*, plan: Plan, by, comment: str = "") -> Plan:
    """Submit a complete draft whose budget passes every check for signing (LĐ-TBXH staff)."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == Plan.Status.DRAFT:
        _refuse_unless_ready(locked, _("The plan cannot be submitted while something is missing or a rule fails:"))
    return _move(locked, expected=Plan.Status.DRAFT, to=Plan.Status.SUBMITTED, by=by, comment=comment.strip())


@transaction.atomic
def plan_return(*, plan: Plan, by, reason: str) -> Plan:
    """Send a submitted plan back to draft (leadership); a reason is required."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for sending the plan back."), code="reason_required")
    return _move(plan, expected=Plan.Status.SUBMITTED, to=Plan.Status.DRAFT, by=by, comment=reason.strip())


@transaction.atomic
def plan_sign(*, plan: Plan, by) -> SignedDocument:
    """Sign a complete submitted plan whose budget passes every check; freeze its PDF (and sign it digitally if
    configured)."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == Plan.Status.SUBMITTED:
        _refuse_unless_ready(locked, _("The plan cannot be signed while something is missing or a rule fails:"))
    locked = _move(locked, expected=Plan.Status.SUBMITTED, to=Plan.Status.SIGNED, by=by)
    signed_at = timezone.now()
    digital = signing_configured()
    signature = Signature(title=locked.signer_title, name=locked.signer_name, signed_at=signed_at, digital=digital)
    document = Plan.objects.with_document().get(pk=locked.pk)
    pdf = render_plan_pdf(document, draft=False, signature=signature)
    if digital:
        reason = f"Ký ban hành Kế hoạch số {locked.document_number}"
        pdf = sign_pdf(pdf, signer_name=user_display_name(by), reason=reason)
    return SignedDocument.objects.create(
        plan=locked,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        signed_at=signed_at,
        signed_by=by,
        digitally_signed=digital,
        names=take_snapshot(document),
    )


@dataclass(frozen=True)
class NotAmendable:
    """Why a version cannot be amended, and the plan to go to instead."""

    code: str
    message: str
    go_to: Plan


def version_in_force(plan: Plan) -> Plan | None:
    """The version in force of the chain from `plan` on: the latest signed one (None if none is signed yet)."""
    current = plan if plan.status == Plan.Status.SIGNED else None
    newer = Plan.objects.filter(amends=plan, status=Plan.Status.SIGNED).first()
    while newer is not None:  # a version is amended at most once (plan_amended_once): the versions form a line
        current, newer = newer, Plan.objects.filter(amends=newer, status=Plan.Status.SIGNED).first()
    return current


def why_not_amendable(plan: Plan) -> NotAmendable | None:
    """Only the version in force is amended, once at a time (design.md §13): say why not, and where to go."""
    number = plan.document_number
    if plan.status != Plan.Status.SIGNED:
        return NotAmendable("not_signed", _("Only a signed plan can be amended."), plan)
    newer = Plan.objects.filter(amends=plan).first()
    if newer is None:
        return None
    if newer.status != Plan.Status.SIGNED:
        message = _("Plan %(number)s already has an amendment in the making, %(draft)s: continue it.") % {
            "number": number,
            "draft": newer.document_number,
        }
        return NotAmendable("amendment_in_making", message, newer)
    in_force = version_in_force(newer)
    message = _(
        "Plan %(number)s is no longer in force: %(newer)s replaced it. Only the version in force, %(in_force)s, "
        "can be amended."
    ) % {"number": number, "newer": newer.document_number, "in_force": in_force.document_number}
    return NotAmendable("superseded", message, in_force)


@transaction.atomic
def plan_amend(*, plan: Plan, by, number: int, issued_on: datetime.date, symbol: str | None = None) -> Plan:
    """Start an amendment of a signed plan: a new draft with its own number (and symbol, by default the plan's) and
    date, a copy of the plan."""
    source = Plan.objects.select_for_update().get(pk=plan.pk)
    if (refusal := why_not_amendable(source)) is not None:
        raise ValidationError(refusal.message, code=refusal.code)
    validate_issue_date(source.year, issued_on, amends=source)
    copy = Plan.objects.get(pk=source.pk)  # the year stays the amended plan's (design.md §13)
    copy.pk = None
    copy.number, copy.symbol = number, symbol or source.symbol
    copy.issued_on, copy.status, copy.amends = issued_on, Plan.Status.DRAFT, source
    copy.full_clean()
    copy._change_reason, copy._history_user = REASON_AMENDMENT, by
    copy.save()
    for basis in source.legal_bases.prefetch_related("references"):
        new_basis = LegalBasis(plan=copy, position=basis.position, text=basis.text)
        new_basis._change_reason, new_basis._history_user = REASON_AMENDMENT, by
        new_basis.save()
        new_basis.references.set(basis.references.all())
    duties = [
        Duty(plan=copy, position=d.position, assignee=d.assignee, unit_id=d.unit_id, tasks=d.tasks)
        for d in source.duties.all()
    ]
    bulk_create_with_history(duties, Duty, default_user=by, default_change_reason=REASON_AMENDMENT)
    _copy_money(source, copy, by=by)
    return copy


def _copy_money(source: Plan, copy: Plan, *, by) -> None:
    """Copy lines, units, targets, what each line draws on each source and allocations, recorded in the history as
    the amendment's start.

    Ceilings are not copied: they belong to the issuer and year, which the amendment shares with what it amends."""
    item_map = {}
    for item in source.items.prefetch_related("target_groups"):
        old_pk = item.pk
        groups = list(item.target_groups.all())
        # The copy must not keep the source's prefetched groups: set() would read them and think nothing is missing.
        item._prefetched_objects_cache = {}
        item.pk, item.plan = None, copy
        item._change_reason, item._history_user = REASON_AMENDMENT, by
        item.save()
        item.target_groups.set(groups)
        item_map[old_pk] = item
    units = [
        ImplementingUnit(item=item_map[u.item_id], unit_id=u.unit_id, position=u.position)
        for u in ImplementingUnit.objects.filter(item__plan=source)
    ]
    bulk_create_with_history(units, ImplementingUnit, default_user=by, default_change_reason=REASON_AMENDMENT)
    targets = [
        Target(
            item=item_map[t.item_id],
            position=t.position,
            description=t.description,
            quantity=t.quantity,
            measure=t.measure,
            rounds=t.rounds,
        )
        for t in Target.objects.filter(item__plan=source)
    ]
    bulk_create_with_history(targets, Target, default_user=by, default_change_reason=REASON_AMENDMENT)
    fundings = [
        LineFunding(item=item_map[f.item_id], source_id=f.source_id, amount=f.amount)
        for f in LineFunding.objects.filter(item__plan=source)
    ]
    bulk_create_with_history(fundings, LineFunding, default_user=by, default_change_reason=REASON_AMENDMENT)
    allocations = [
        Allocation(item=item_map[a.item_id], unit_id=a.unit_id, source_id=a.source_id, amount=a.amount)
        for a in Allocation.objects.filter(item__plan=source)
    ]
    bulk_create_with_history(allocations, Allocation, default_user=by, default_change_reason=REASON_AMENDMENT)


@dataclass(frozen=True)
class Discarded:
    """What plan_discard deleted, for the message that says so."""

    number: str
    lines: int
    total: int
    amended: Plan | None


def why_not_discardable(plan: Plan) -> str | None:
    """Only a draft is discarded (design.md §13): a submitted plan is sent back first, a signed one never goes."""
    if plan.status == Plan.Status.SIGNED:
        return _("Plan %(number)s is signed: a signed version is never deleted. To change it, make an amendment.") % {
            "number": plan.document_number
        }
    if plan.status != Plan.Status.DRAFT:
        return _(
            "Plan %(number)s is submitted for signing: only a draft can be discarded (leadership may send it back to "
            "draft first)."
        ) % {"number": plan.document_number}
    return None


@transaction.atomic
def plan_discard(*, plan: Plan, by) -> Discarded:
    """Delete a draft plan or draft amendment with its lines, units, allocations, targets, legal bases and duties.

    Every deleted row gets a history record naming who discarded it and which plan ("discard 1600/KH-UBND"). The
    guard and, on PostgreSQL, the triggers refuse the same deletion for any plan that is not a draft."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if (refusal := why_not_discardable(locked)) is not None:
        raise ValidationError(refusal, code="not_draft")
    lines = locked.items.count()
    total = sum(LineFunding.objects.filter(item__plan=locked).values_list("amount", flat=True))
    discarded = Discarded(locked.document_number, lines, total, locked.amends)
    collector = Collector(using=router.db_for_write(Plan, instance=locked))
    try:
        collector.collect([locked])
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _("Plan %(number)s is referred to by other records: it cannot be discarded.")
            % {"number": locked.document_number},
            code="referred_to",
        ) from None
    for rows in collector.data.values():
        for row in rows:  # the very instances whose post_delete records the history
            row._history_user, row._change_reason = by, f"{REASON_DISCARD} {discarded.number}"
    collector.delete()
    return discarded


def verified_signed_pdf(plan: Plan) -> bytes:
    """Return the stored bytes of a signed plan after checking them against the SHA-256 recorded at signing.

    Raise SignedPdfAltered when they differ, or when a signed plan has no stored PDF."""
    stored = SignedDocument.objects.filter(plan=plan).values_list("pdf", "sha256").first()
    if stored is None or hashlib.sha256(bytes(stored[0])).hexdigest() != stored[1]:
        logger.critical("Signed PDF of plan %s (id %s) fails its SHA-256 check", plan.document_number, plan.pk)
        raise SignedPdfAltered(SIGNED_PDF_ALTERED % {"number": plan.document_number})
    return bytes(stored[0])


def plan_pdf_bytes(plan: Plan) -> bytes:
    """Return the verified stored bytes of a signed plan, or a fresh rendering marked "DỰ THẢO" of any other plan."""
    if plan.status == Plan.Status.SIGNED:
        return verified_signed_pdf(plan)
    return render_plan_pdf(Plan.objects.with_document().get(pk=plan.pk), draft=True)


def plan_pdf_filename(plan: Plan) -> str:
    return f"Ke-hoach-{plan.number}-{plan.symbol}-{plan.year}.pdf"
