"""The permission groups behind each programme role, so that the admin shows each role what it may edit."""

from django.contrib.auth.models import Group, Permission

from plans.models import Membership

# Model permissions per role in the admin. Page and action checks live in plans.permissions.
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    Membership.Role.PROGRAMME_STAFF: {
        "plans": ["plan", "planitem", "implementingunit", "target", "duty", "legalbasis", "documentreference"],
        "budgets": ["linefunding", "allocation"],
        "beneficiaries": ["targetgroup"],
    },
    Membership.Role.FINANCE: {
        "budgets": ["fundingsource"],
        "plans": ["documentreference"],
    },
}
# Ceilings are recorded on the app's ceiling pages (budgets/ceiling_views.py, budgets.ceilings.record_ceiling); the
# admin only shows them with their history.
READ_ONLY = {
    Membership.Role.PROGRAMME_STAFF: {
        "budgets": ["ceiling", "fundingsource"],
        "plans": ["orgunit"],
        "projects": ["programme", "project", "subproject"],
    },
    Membership.Role.FINANCE: {
        "plans": ["plan", "planitem", "orgunit"],
        "budgets": ["linefunding", "allocation", "ceiling"],
    },
}


def role_group_name(role: str) -> str:
    return str(Membership.Role(role).label)


def ensure_role_groups() -> dict[str, Group]:
    """Create or update one group per role with admin permissions; idempotent."""
    groups = {}
    for role in Membership.Role:
        group, _ = Group.objects.get_or_create(name=f"role:{role.value}")
        codenames = set()
        for app, models in ROLE_PERMISSIONS.get(role, {}).items():
            codenames |= {
                (app, f"{action}_{model}") for model in models for action in ("add", "change", "delete", "view")
            }
        for app, models in READ_ONLY.get(role, {}).items():
            codenames |= {(app, f"view_{model}") for model in models}
        perms = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in codenames
        ]
        group.permissions.set(perms)
        groups[role] = group
    return groups
