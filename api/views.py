"""API views that are not generated per entity."""

from axes.helpers import get_lockout_message
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api.authentication import refuse_if_password_change_due
from api.parsers import PARSERS
from bureau import permissions
from portal import registry


class ApiRootView(APIView):
    """``/api/``: where everything is: the schema, its documentation, the token, the indicators,
    the jobs, and each entity the user may read (its name and its list's address)."""

    @extend_schema(summary="API 目录", tags=["目录"], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, format=None):
        def link(name: str) -> str:
            return reverse(f"api:{name}", request=request, format=format)

        entities = [
            {
                "key": f"{viewset.model._meta.app_label}.{viewset.model._meta.model_name}",
                "name": str(viewset.model._meta.verbose_name_plural),
                "url": link(
                    f"{viewset.model._meta.app_label}-{viewset.model._meta.model_name}-list"
                ),
            }
            for viewset in registry.api_viewsets()
            if permissions.can_view_model(request.user, viewset.model)
        ]
        return Response(
            {
                "schema": link("schema"),
                "docs": link("docs"),
                "token": link("token"),
                "indicators": link("indicators"),
                "import_jobs": link("imports-job-list"),
                "report_exports": link("reports-export-list"),
                "entities": entities,
            }
        )


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
