"""Prepare a database for the demo: reference data, the 2024 plan, role groups and one account per role.

Idempotent: running it again adds nothing and keeps what users changed in the plan.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from budgets.history import record_loaded_rows
from plans.models import Membership, OrgUnit, Plan
from plans.roles import ensure_role_groups
from plans.seeding import load_missing

REFERENCE_FIXTURES = ["catalogue", "funding_sources", "target_groups", "org_units"]
SEED_PLAN_FIXTURE = "plan-4159-KH-UBND-2024"
# The ceilings the province notified (per issuer, year and source), with their documents: added where missing, a
# ceiling finance changed is kept as it is.
CEILING_FIXTURE = "ceilings"
SEED_PLAN_KEY = ("lai-chau-city", 2024, 4159)
DEMO_PASSWORD = "laichau2024"
# Every demo account joins this group: a production server refuses to start while one is active (lai_chau/checks.py).
DEMO_GROUP = "demo"

# username, full name, role, unit code, admin access
DEMO_ACCOUNTS = [
    ("ldtbxh", "Nguyễn Thị Hoa", Membership.Role.PROGRAMME_STAFF, "city-ldtbxh", True),
    ("sungphai", "Giàng A Sử", Membership.Role.UNIT_OFFICER, "commune-sung-phai", False),
    ("ttyt", "Lò Thị Mai", Membership.Role.UNIT_OFFICER, "city-ttyt", False),
    ("lanhdao", "Trần Đình Tiến", Membership.Role.LEADERSHIP, "lai-chau-city", False),
    ("taichinh", "Phạm Văn Minh", Membership.Role.FINANCE, "city-tckh", True),
]


class Command(BaseCommand):
    help = "Load the programme catalogue, units and the 2024 plan; create demo accounts (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="Load the data only, without demo accounts (allowed with DEBUG off).",
        )

    def handle(self, *args, no_accounts: bool = False, **options):
        if not no_accounts and not settings.DEBUG:
            raise CommandError(
                "Từ chối tạo tài khoản demo khi DEBUG tắt (demo accounts are for a DEBUG setup only). "
                "Dùng --no-accounts để chỉ nạp dữ liệu."
            )
        with transaction.atomic():
            load_missing(*REFERENCE_FIXTURES)  # never overwrites reference data that users edited
            if Plan.objects.filter(
                issuer__code=SEED_PLAN_KEY[0], year=SEED_PLAN_KEY[1], number=SEED_PLAN_KEY[2]
            ).exists():
                self.stdout.write("Kế hoạch 4159/KH-UBND đã có: giữ nguyên.")
            else:
                call_command("loaddata", SEED_PLAN_FIXTURE, verbosity=0)
                record_loaded_rows(Plan.objects.get_by_natural_key(*SEED_PLAN_KEY))
                self.stdout.write("Đã nạp Kế hoạch 4159/KH-UBND năm 2024.")
            load_missing(CEILING_FIXTURE)
            groups = ensure_role_groups()
            if not no_accounts:
                self._create_accounts(groups)
        self.stdout.write(self.style.SUCCESS("Xong."))

    def _create_accounts(self, groups) -> None:
        User = get_user_model()
        demo_group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        for username, full_name, role, unit_code, staff in DEMO_ACCOUNTS:
            first, _, last = full_name.rpartition(" ")
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "is_staff": staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            user.groups.add(groups[role], demo_group)
            Membership.objects.update_or_create(
                user=user, defaults={"role": role, "unit": OrgUnit.objects.get(code=unit_code)}
            )
            self.stdout.write(f"  {username} / {DEMO_PASSWORD}{'' if created else ' (đã có)'}: {role.label}")
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        admin.groups.add(demo_group)
        self.stdout.write(f"  admin / {DEMO_PASSWORD}{'' if created else ' (đã có)'}: quản trị hệ thống")
