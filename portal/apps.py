from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The generic machinery of the staff pages: CRUD view sets, listing, lookup, navigation."""

    name = "portal"
    verbose_name = _("门户")
