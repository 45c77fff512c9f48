"""Who may read and do what with plans (design.md §9; README "Who reads what").

Every view asks here, and templates show an action only when the view says the predicate holds; a hidden link is
not a permission. The rules, once:

* A **signed** plan is a public document to every programme role: its page, budget report and table, PDF, budget
  workbook and, for an amendment, its comparison page.
* **Drafts and submitted plans**, the **budget history** of any plan, the **allocation editor** and the **import** are
  internal: LĐ-TBXH staff, leadership and finance (and superusers). Of these, only staff edit.
* **Ceilings** (the province's per issuer, year and source; `/tran-kinh-phi/`) are internal too: staff, leadership and
  finance read them; only finance (and superusers) record or change them. Unit officers get 404 on these pages, as on
  any internal page; staff and leadership get 403 on the ceiling form (they read, they may not write).
* Refusals are of three kinds, always in this order:
  anonymous → the login page (LoginRequiredMiddleware);
  a user without a programme role → 403 on every page, whatever the plan (there is nothing to hide from them: they
  read nothing);
  a programme role asking for something it may not read → 404, exactly as for a plan that does not exist;
  a role that may read the plan but not take the action (sign, submit, amend, edit) → 403.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from plans.models import Membership, Plan

Role = Membership.Role
# Roles that work inside the city administration on plans before they are signed.
INTERNAL_ROLES = {Role.PROGRAMME_STAFF, Role.LEADERSHIP, Role.FINANCE}


def role_of(user: AbstractBaseUser) -> str | None:
    """Return the user's programme role, or None for users without one."""
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.role if membership else None


# --- reading --------------------------------------------------------------------------------------------------------


def can_read_plans(user: AbstractBaseUser) -> bool:
    """Every programme role reads the city's signed plans (design.md §9); users without a role read nothing."""
    return user.is_authenticated and (user.is_superuser or role_of(user) is not None)


def can_read_drafts(user: AbstractBaseUser) -> bool:
    """Drafts, submitted plans and budget history are working papers of the administration, not of the units."""
    return user.is_authenticated and (user.is_superuser or role_of(user) in INTERNAL_ROLES)


def can_read_plan(user: AbstractBaseUser, plan: Plan) -> bool:
    """The plan's page, budget report, PDF, workbook and comparison page."""
    if plan.status == Plan.Status.SIGNED:
        return can_read_plans(user)
    return can_read_drafts(user)


def can_read_budget_history(user: AbstractBaseUser, plan: Plan) -> bool:
    """Who changed which figure when: internal for every plan, signed or not (it names people and working figures)."""
    return can_read_drafts(user)


def can_open_budget_editor(user: AbstractBaseUser, plan: Plan) -> bool:
    """The allocation editor and the import exist only for internal roles; whether one may save is can_edit_budget."""
    return can_read_drafts(user)


def readable_plans(user: AbstractBaseUser, plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """The plans of `plans` that `user` may read: what the plan list shows."""
    if not can_read_plans(user):
        return plans.none()
    if can_read_drafts(user):
        return plans
    return plans.filter(status=Plan.Status.SIGNED)


def plan_or_404(user: AbstractBaseUser, pk: int, queryset: QuerySet[Plan] | None = None, *, can_see=None) -> Plan:
    """The plan `pk` for a view, or the refusal: 403 for a user without a programme role, 404 for a plan that does not
    exist or that `can_see(user, plan)` (can_read_plan by default) hides from this user."""
    if not can_read_plans(user):
        raise PermissionDenied
    plan = get_object_or_404(Plan.objects.all() if queryset is None else queryset, pk=pk)
    if not (can_see or can_read_plan)(user, plan):
        raise Http404
    return plan


# --- actions (the lifecycle refuses a step the plan's status does not allow) -----------------------------------------


def can_edit_budgets(user: AbstractBaseUser) -> bool:
    """Only the programme's standing office (LĐ-TBXH staff) and superusers change plans and allocations."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == Role.PROGRAMME_STAFF)


def can_edit_budget(user: AbstractBaseUser, plan: Plan) -> bool:
    """Edit money or import a workbook into this plan: staff, and only while it is a draft."""
    return can_edit_budgets(user) and plan.status == Plan.Status.DRAFT


def can_submit_plans(user: AbstractBaseUser) -> bool:
    """LĐ-TBXH staff submit plans for signing."""
    return can_edit_budgets(user)


def can_amend_plans(user: AbstractBaseUser) -> bool:
    """LĐ-TBXH staff start amendments of signed plans."""
    return can_edit_budgets(user)


def can_discard_plans(user: AbstractBaseUser) -> bool:
    """LĐ-TBXH staff discard drafts (the lifecycle refuses anything but a draft: signed versions are never deleted)."""
    return can_edit_budgets(user)


def can_sign_plans(user: AbstractBaseUser) -> bool:
    """Leadership signs or sends back a submitted plan."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == Role.LEADERSHIP)


# --- the plan's text and structure (plans/edit_views.py) and a new plan year ----------------------------------------


def can_open_plan_editor(user: AbstractBaseUser, plan: Plan) -> bool:
    """The section editors exist for internal roles only, like the allocation editor (unit officers get 404)."""
    return can_read_drafts(user)


def can_edit_plans(user: AbstractBaseUser) -> bool:
    """LĐ-TBXH staff write the plans: start a year's plan, edit a draft's sections."""
    return can_edit_budgets(user)


def can_edit_plan(user: AbstractBaseUser, plan: Plan) -> bool:
    """Edit this plan's text and structure: staff, and only while it is a draft."""
    return can_edit_plans(user) and plan.status == Plan.Status.DRAFT


# --- ceilings: not rows of a plan, per issuer, year and source -------------------------------------------------------


def can_read_ceilings(user: AbstractBaseUser) -> bool:
    """The ceilings and the plans measured against them: working papers, like drafts."""
    return can_read_drafts(user)


def can_record_ceilings(user: AbstractBaseUser) -> bool:
    """Finance records the ceilings the province notifies, and lowers them when the province does."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == Role.FINANCE)


def refuse_unless_ceilings(user: AbstractBaseUser, *, record: bool = False) -> None:
    """The refusals of a ceiling page, in the usual order: 403 without a programme role, 404 for a role that may not
    read ceilings (unit officers), 403 for a reader asking to record (`record`)."""
    if not can_read_plans(user):
        raise PermissionDenied
    if not can_read_ceilings(user):
        raise Http404
    if record and not can_record_ceilings(user):
        raise PermissionDenied
