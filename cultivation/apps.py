from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultivationConfig(AppConfig):
    name = "cultivation"
    verbose_name = _("培育库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cultivation import evaluations

        evaluations.connect()
