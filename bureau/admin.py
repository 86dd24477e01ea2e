"""The Django admin stays for administrators: users, roles and reference data, with history."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from bureau.models import User
from bureau.selectors import bureau_profile


def _site_header() -> str:
    # read at each page, so a renamed district (单位信息) shows without a restart
    return gettext("%(district)s科技局业务平台 · 后台管理") % {
        "district": bureau_profile().district_name or gettext("区")
    }


admin.site.site_header = lazy(_site_header, str)()
admin.site.site_title = _("后台管理")
# django-axes (login throttling) names its app after its label; its models' and fields' names
# are English msgids, given their Chinese in the catalogue (scripts/i18n.py, THIRD_PARTY).
apps.get_app_config("axes").verbose_name = _("登录限制")


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
