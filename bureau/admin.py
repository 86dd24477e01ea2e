"""The Django admin stays for administrators: users, roles and reference data, with history."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from bureau.models import User

admin.site.site_header = _("区科技局业务平台 · 后台管理")
admin.site.site_title = _("后台管理")


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "township", "is_active", "last_login")
    list_filter = ("role", "township", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("业务角色"), {"fields": ("full_name", "role", "township")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("业务角色"), {"fields": ("full_name", "role", "township")}),
    )


def register_with_history(app_label: str) -> None:
    """Every model of a domain app in the admin, with simple_history's history and recovery."""
    for model in apps.get_app_config(app_label).get_models():
        if admin.site.is_registered(model) or model.__name__.startswith("Historical"):
            continue
        admin.site.register(model, SimpleHistoryAdmin)


register_with_history("bureau")
