"""Build the dashboard's summaries again from the records (``reports.tallies``): after a bulk
change made outside the portal (SQL by hand, another tool), or to check them; beat does it
nightly."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports import tallies


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("从业务记录重建驾驶舱的指标汇总（批量改动数据库之后，或核对之用）。")

    def handle(self, *args, **options):
        started = time.monotonic()
        count = tallies.rebuild()
        if options["verbosity"]:
            self.stdout.write(
                _("已重建 %(count)s 项指标汇总，用时 %(seconds).1f 秒。")
                % {"count": count, "seconds": time.monotonic() - started}
            )
