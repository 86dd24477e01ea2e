from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data at three scales, above everything it fills."""

    name = "demo"
    verbose_name = _("演示数据")
