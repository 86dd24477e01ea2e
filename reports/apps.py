from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计与报告")

    def ready(self):
        from bureau import indicator_keys
        from reports import tallies
        from reports.indicators import EXTERNAL_KEYS, REGISTRY

        tallies.connect()

        def label(indicator):
            return f"{indicator.label}（{indicator.unit}）" if indicator.unit else indicator.label

        indicator_keys.register(
            targets=[
                (key, label(ind)) for key, ind in REGISTRY.items() if key not in EXTERNAL_KEYS
            ],
            external=[(key, label(REGISTRY[key])) for key in EXTERNAL_KEYS],
        )
