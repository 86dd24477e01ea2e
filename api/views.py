"""API views that are not generated per entity."""

from axes.helpers import get_lockout_message
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from api.authentication import refuse_if_password_change_due
from api.parsers import PARSERS


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token.

    Wrong passwords count towards the same lockout as the login page (django-axes); a locked
    account gets 429 with the Chinese lockout message rather than "wrong password"."""

    # DRF's view names its own parsers; these bound and clean the body like every other view.
    parser_classes = PARSERS

    @extend_schema(summary="获取 API 令牌", tags=["认证"])
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Axes flags the request it refused; its middleware only sees Django's request.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": get_lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        # A one-time password buys no token: the user sets their own first (403).
        refuse_if_password_change_due(user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
