from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计与报告")

    def ready(self):
        """The two ties of ``reports`` to the layers below, both listed in the README's layer
        map: it keeps its summaries through the write service's batch hook, and hands the
        indicator keys that targets and external figures may name to ``bureau``."""
        from bureau import indicator_keys, services
        from reports import tallies, tasks
        from reports.indicators import EXTERNAL_KEYS, REGISTRY

        tallies.connect()
        services.records_written_register(
            services.RecordsWrittenHook(
                written=tallies.records_written, committed=tasks.refresh_tallies_queue
            )
        )

        def label(indicator):
            return f"{indicator.label}（{indicator.unit}）" if indicator.unit else indicator.label

        indicator_keys.register(
            targets=[
                (key, label(ind)) for key, ind in REGISTRY.items() if key not in EXTERNAL_KEYS
            ],
            external=[(key, label(REGISTRY[key])) for key in EXTERNAL_KEYS],
        )
