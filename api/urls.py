"""URLs of the API: ``/api/<app>/<entity>/`` for every entity page, the indicators, import and
report-export jobs, the token endpoint, the OpenAPI schema and its documentation page (served
from the sidecar's local files).

``api`` is project wiring like ``config.urls``: it reads the ``reports`` and ``imports``
apps, which the domain models themselves never do."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.factory import build_viewset
from api.indicators import IndicatorView
from api.jobs import ExportJobViewSet, ImportJobViewSet
from api.views import ApiRootView, TokenView
from portal import registry


def crud_viewsets():
    """The pages of every entity declared with ``api=True``, in the order of the apps."""
    return registry.api_viewsets()


router = DefaultRouter()
router.include_root_view = False
for crud in crud_viewsets():
    meta = crud.model._meta
    router.register(
        f"{meta.app_label}/{meta.model_name}",
        build_viewset(crud),
        basename=f"{meta.app_label}-{meta.model_name}",
    )
router.register("imports/jobs", ImportJobViewSet, basename="imports-job")
router.register("reports/exports", ExportJobViewSet, basename="reports-export")


class DocsView(SpectacularSwaggerSplitView):
    """The documentation page. It is HTML rendered from a template, which an OPTIONS request
    (DRF's metadata) has none of: only GET and HEAD are served."""

    http_method_names = ["get", "head"]


def _login_page_first(view):
    # A person opening the documentation in a browser is sent to the login page like on any
    # other page; the schema and the endpoints answer 401 to programs instead.
    view.login_required = True
    return view


app_name = "api"
urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("token/", TokenView.as_view(), name="token"),
    path("indicators/", IndicatorView.as_view(), name="indicators"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        _login_page_first(DocsView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("", include(router.urls)),
]
