"""``manage.py purge_import_files [--days N] [--dry-run]``: delete the uploaded files and error
reports of imports that finished longer ago than the retention period, as beat does nightly.
The import records stay, with their counts and error lists."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.services import import_files_purge

KINDS = {"file": gettext_lazy("上传文件"), "error_report": gettext_lazy("错误报告")}


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("删除完成时间超过保留期限的导入的上传文件和错误报告（导入记录保留）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=_("保留天数，默认取 IMPORT_FILE_RETENTION_DAYS（当前为 %(days)s）")
            % {"days": settings.IMPORT_FILE_RETENTION_DAYS},
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只列出将删除的文件，不删除"))

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError(_("--days 不能为负数。"))
        purge = import_files_purge(days=days, dry_run=dry_run)
        cutoff = timezone.localtime(purge.cutoff).strftime("%Y-%m-%d %H:%M")
        if not purge.files:
            self.stdout.write(
                _("没有在 %(cutoff)s 之前完成、仍留有文件的导入，无需清理。") % {"cutoff": cutoff}
            )
            return
        verb = _("将删除") if dry_run else _("已删除")
        for entry in purge.files:
            size = _("磁盘上已不存在") if entry.size is None else filesizeformat(entry.size)
            self.stdout.write(
                _("%(verb)s 导入记录 #%(job)s（%(file)s）的%(kind)s：%(name)s（%(size)s）")
                % {
                    "verb": verb,
                    "job": entry.job_id,
                    "file": entry.job_file_name,
                    "kind": KINDS[entry.kind],
                    "name": entry.name,
                    "size": size,
                }
            )
        summary = _(
            "%(verb)s在 %(cutoff)s 之前完成的 %(jobs)s 条导入的 %(files)s 个文件，"
            "共 %(size)s；导入记录及其错误明细保留。"
        ) % {
            "verb": verb,
            "cutoff": cutoff,
            "jobs": purge.jobs,
            "files": len(purge.files),
            "size": filesizeformat(purge.size),
        }
        if dry_run:
            self.stdout.write(_("试运行，未删除任何文件。%(summary)s") % {"summary": summary})
        else:
            self.stdout.write(self.style.SUCCESS(summary))
