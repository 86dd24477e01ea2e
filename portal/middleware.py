"""Request middleware of the portal's pages."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class PasswordChangeRequiredMiddleware:
    """A user signed in with a one-time password goes to their account page to set their own
    before anything else; logging out, static files and the health probe stay reachable. The
    API answers such a user 403 itself (``api.authentication``), for tokens and sessions alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) and getattr(
            user, "must_change_password", False
        ):
            allowed = (reverse("account"), reverse("logout"), "/static/", "/healthz", "/api/")
            if not request.path.startswith(allowed):
                messages.warning(request, _("请先修改一次性密码。"))
                return redirect("account")
        return self.get_response(request)
