"""``manage.py seed_demo``: deterministic demo data and the four demo accounts.

``--scale district`` (default) writes the fictional district 青河区 through the same service as
the forms; ``city`` and ``province`` add 49 and 499 more counties, with COPY on PostgreSQL
(``demo.services.seed_by_copy``) and in validated bulk batches elsewhere
(``demo.services.seed_in_bulk``). Every record has a natural key and existing ones are
skipped, so a second run adds nothing and ``city`` after ``district`` adds only the other
counties. Data of different seeds should not share a database: records whose keys coincide
(division codes, contract numbers) are kept from the first seed.
"""

import argparse

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau.models import Role
from demo.generator import ENTERPRISES_PER_BLOCK, SCALE_BLOCKS
from demo.services import (
    DEMO_PASSWORD,
    NATURAL_KEYS,
    demo_accounts_ensure,
    demo_seed,
)

SCALE_LABELS = {
    "district": gettext_lazy("区县级（12个乡镇街道、约400家企业）"),
    "city": gettext_lazy("市级（约2万家企业）"),
    "province": gettext_lazy("省级（约20万家企业）"),
}


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property rather than gettext_lazy: argparse rejects a lazy string.
        return _(
            "生成演示数据（虚构的鲁川市青河区，近三年）并创建演示账号。"
            "同一种子结果相同；重复运行不新增记录。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(SCALE_BLOCKS),
            default="district",
            help=_(
                "规模：district 区县（默认）、city 市（约2万家企业）、province 省（约20万家企业）。"
            ),
        )
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子，默认 2026。"))
        parser.add_argument(
            "--history",
            action="store_true",
            help=_("市级、省级规模也写入变更历史（耗时约加倍）；区县级始终写入。"),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=_("并行进程数（PostgreSQL），默认按CPU数。"),
        )
        # Hidden: fewer enterprises per county, for fast tests.
        parser.add_argument("--enterprises", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, scale, seed, enterprises, history, workers, **options):
        per_block = enterprises or ENTERPRISES_PER_BLOCK
        self.stdout.write(
            _(
                "生成演示数据：规模 %(scale)s，随机种子 %(seed)s，"
                "%(counties)s 个区县 × 每区县 %(enterprises)s 家企业"
            )
            % {
                "scale": SCALE_LABELS[scale],
                "seed": seed,
                "counties": SCALE_BLOCKS[scale],
                "enterprises": per_block,
            }
        )
        result = demo_seed(
            scale=scale,
            seed=seed,
            enterprises_per_block=enterprises,
            history=history,
            workers=workers,
            progress=lambda message: self.stdout.write(message),
        )
        width = max(len(str(m._meta.verbose_name)) for m in NATURAL_KEYS)
        self.stdout.write("")
        self.stdout.write(f"{_('数据项').ljust(width, '　')}  {_('新增'):>9}  {_('已有'):>9}")
        for model in NATURAL_KEYS:
            name = str(model._meta.verbose_name)
            added, existing = result.added[model], result.existing[model]
            self.stdout.write(f"{name.ljust(width, '　')}  {added:>9,}  {existing:>9,}")
        if result.blocks_skipped:
            line = _("已存在、跳过的区县：%(count)s 个") % {"count": result.blocks_skipped}
            if result.blocks_uncounted:
                line += _("（其中 %(count)s 个未重新生成，其记录未计入上表）") % {
                    "count": result.blocks_uncounted
                }
            self.stdout.write(line)
        self.stdout.write("")
        if result.total_added == 0:
            self.stdout.write(self.style.SUCCESS(_("演示数据已存在，未新增。")))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("共新增 %(count)s 条记录，用时 %(seconds).1f 秒。")
                    % {"count": f"{result.total_added:,}", "seconds": result.seconds}
                )
            )

        accounts = demo_accounts_ensure()
        self.stdout.write("")
        self.stdout.write(_("演示账号："))
        self.stdout.write(f"{_('角色'):<10}{_('用户名'):<10}{_('密码'):<14}{_('说明')}")
        for user, created in accounts:
            role = Role(user.role).label
            note = _("新建") if created else _("已存在，密码未改动")
            if user.township_id:
                note += _("（%(township)s）") % {"township": user.township.name}
            self.stdout.write(f"{role:<10}{user.username:<10}{DEMO_PASSWORD:<14}{note}")
