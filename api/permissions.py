"""DRF permission classes mapping the role rules of ``bureau.permissions``.

Township scoping is not done here but in the viewsets' querysets, so another township's record
answers 404 (as on the pages) rather than revealing that the id exists.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from bureau import permissions


class HasRole(BasePermission):
    """An authenticated, active account with a role; outsiders get 403."""

    message = _("您的账号尚未分配角色，请联系系统管理员。")

    def has_permission(self, request, view):
        return permissions.has_role(request.user)


class EntityPermission(HasRole):
    """Read as on the list pages; write as on the forms (leaders read only, reference data
    by administrators only). The view names its ``model`` and ``admin_only``."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        user = request.user
        if not permissions.can_view_model(user, view.model):
            self.message = _("您没有查看此类记录的权限。")
            return False
        if request.method in SAFE_METHODS:
            return True
        if not permissions.can_change_model(user, view.model, admin_only=view.admin_only):
            self.message = _("您没有修改此类记录的权限。")
            return False
        return True
