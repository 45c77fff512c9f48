"""Accounts are deactivated, never deleted, in the admin: their name stays on every record they made."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deactivate the selected accounts (they can no longer log in)"))
    def deactivate(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        messages.success(
            request,
            ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count) % {"count": count},
        )
