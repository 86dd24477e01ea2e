"""API authentication that honours the portal's forced password change.

A user still on a one-time password reaches nothing but their account page (the pages'
middleware); these classes give the API the same rule, for a token and for a session alike:
403 "请先修改一次性密码" until the user has set a password of their own."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import authentication as openapi_authentication
from rest_framework import authentication, exceptions

PASSWORD_CHANGE_DUE = _("请先修改一次性密码")


def refuse_if_password_change_due(user) -> None:
    if getattr(user, "must_change_password", False):
        raise exceptions.PermissionDenied(PASSWORD_CHANGE_DUE)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_if_password_change_due(result[0])
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_if_password_change_due(result[0])
        return result


# The schema (drf-spectacular) describes these as the classes they extend: the same header and
# cookie, the same scheme names.
class TokenScheme(openapi_authentication.TokenScheme):
    target_class = TokenAuthentication


class SessionScheme(openapi_authentication.SessionScheme):
    target_class = SessionAuthentication
