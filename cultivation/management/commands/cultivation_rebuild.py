"""Compute the 培育库's evaluation table again from the records (``cultivation.evaluations``):
after a bulk change made outside the portal, or to check it."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cultivation import evaluations


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("从业务记录重新计算培育库的年度评价（批量改动数据库之后，或核对之用）。")

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help=_("年度（默认已计算的各年度）"))

    def handle(self, *args, years, **options):
        started = time.monotonic()
        done = evaluations.rebuild(years)
        if options["verbosity"]:
            self.stdout.write(
                _("已重新计算 %(years)s 年度的培育评价，用时 %(seconds).1f 秒。")
                % {"years": "、".join(map(str, done)) or "—", "seconds": time.monotonic() - started}
            )
