"""``manage.py purge_import_files [--days N] [--dry-run]``: delete the uploaded files and error
reports of imports that finished longer ago than the retention period, as beat does nightly.
The import records stay, with their counts and error lists."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from imports.services import import_files_purge

KINDS = {"file": "上传文件", "error_report": "错误报告"}


class Command(BaseCommand):
    help = "删除完成时间超过保留期限的导入的上传文件和错误报告（导入记录保留）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="保留天数，默认取 IMPORT_FILE_RETENTION_DAYS（当前为 "
            f"{settings.IMPORT_FILE_RETENTION_DAYS}）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError("--days 不能为负数。")
        purge = import_files_purge(days=days, dry_run=dry_run)
        cutoff = timezone.localtime(purge.cutoff).strftime("%Y-%m-%d %H:%M")
        if not purge.files:
            self.stdout.write(f"没有在 {cutoff} 之前完成、仍留有文件的导入，无需清理。")
            return
        verb = "将删除" if dry_run else "已删除"
        for entry in purge.files:
            size = "磁盘上已不存在" if entry.size is None else filesizeformat(entry.size)
            self.stdout.write(
                f"{verb} 导入记录 #{entry.job_id}（{entry.job_file_name}）的"
                f"{KINDS[entry.kind]}：{entry.name}（{size}）"
            )
        summary = (
            f"{verb}在 {cutoff} 之前完成的 {purge.jobs} 条导入的 {len(purge.files)} 个文件，"
            f"共 {filesizeformat(purge.size)}；导入记录及其错误明细保留。"
        )
        if dry_run:
            self.stdout.write(f"试运行，未删除任何文件。{summary}")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
