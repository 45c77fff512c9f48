"""Who may do what with plans. Every view asks here; a hidden link is not a permission."""

from django.contrib.auth.models import AbstractBaseUser


def role_of(user: AbstractBaseUser) -> str | None:
    """Return the user's programme role, or None for users without one."""
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.role if membership else None


def can_read_plans(user: AbstractBaseUser) -> bool:
    """Every programme role reads the city's plans (design.md §9); users without a role read nothing."""
    return user.is_authenticated and (user.is_superuser or role_of(user) is not None)


def can_edit_budgets(user: AbstractBaseUser) -> bool:
    """Only the programme's standing office (LĐ-TBXH staff) and superusers change plans and allocations."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == "programme_staff")


def can_submit_plans(user: AbstractBaseUser) -> bool:
    """LĐ-TBXH staff submit plans for signing and start amendments."""
    return can_edit_budgets(user)


def can_sign_plans(user: AbstractBaseUser) -> bool:
    """Leadership signs or sends back a submitted plan."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == "leadership")
