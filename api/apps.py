from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API over the entities the apps declare."""

    name = "api"
    verbose_name = _("接口")
