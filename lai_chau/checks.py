"""A production server must not run while the demo accounts of `setup_demo` can still log in.

`setup_demo` puts every account it creates in the group DEMO_GROUP, and their password is published in the README.
With DEBUG off, `manage.py check --deploy` reports an error and lai_chau/wsgi.py refuses to start while an active
account is in that group or one of the demo usernames still has the published password.
"""

import logging

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

FIX = (
    "Tài khoản demo (mật khẩu đã công bố trong README) đang hoạt động khi DEBUG tắt: {usernames}. "
    "Hãy xoá hoặc khoá (bỏ chọn “Kích hoạt”) các tài khoản này trong trang quản trị; nếu muốn giữ, hãy đổi mật khẩu "
    "và bỏ chúng khỏi nhóm “{group}”. "
    "(Demo accounts with the published password are active while DEBUG is off: delete or deactivate them, or change "
    "their passwords and remove them from the “{group}” group.)"
)


def demo_account_problems() -> list[str]:
    """Usernames of the active accounts that are demo accounts; empty on a database not migrated yet.

    Only the few demo usernames have their password checked: the hasher is slow on purpose.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    from plans.management.commands.setup_demo import DEMO_ACCOUNTS, DEMO_GROUP, DEMO_PASSWORD

    User = get_user_model()
    with connections[User.objects.db].cursor() as cursor:
        tables = connections[User.objects.db].introspection.table_names(cursor)
    if User._meta.db_table not in tables:
        return []
    active = User.objects.filter(is_active=True)
    flagged = set(active.filter(groups__name=DEMO_GROUP).values_list("username", flat=True))
    demo_usernames = [account[0] for account in DEMO_ACCOUNTS] + ["admin"]
    candidates = active.filter(username__in=demo_usernames).exclude(username__in=flagged)
    published = {
        username
        for username, hashed in candidates.values_list("username", "password")
        if hashed and check_password(DEMO_PASSWORD, hashed)
    }
    return sorted(flagged | published)


def demo_accounts_message(usernames: list[str]) -> str:
    from plans.management.commands.setup_demo import DEMO_GROUP

    return FIX.format(usernames=", ".join(usernames), group=DEMO_GROUP)


@checks.register(checks.Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    try:
        usernames = demo_account_problems()
    except DatabaseError as error:
        return [
            checks.Warning(
                f"Không đọc được cơ sở dữ liệu để kiểm tra tài khoản demo (could not read the database to look for "
                f"demo accounts): {error}",
                id="lai_chau.W001",
            )
        ]
    if not usernames:
        return []
    return [checks.Error(demo_accounts_message(usernames), id="lai_chau.E001")]


def refuse_demo_accounts() -> None:
    """Called by wsgi.py before serving: raise while demo accounts are active with DEBUG off."""
    if settings.DEBUG:
        return
    try:
        usernames = demo_account_problems()
    except DatabaseError:
        # Nothing can be served without the database; the check runs again at the next start.
        logger.warning("Could not read the database to look for demo accounts.", exc_info=True)
        usernames = []
    finally:
        # Do not hand a connection opened at import time to forked workers.
        connections.close_all()
    if usernames:
        raise ImproperlyConfigured(demo_accounts_message(usernames))
