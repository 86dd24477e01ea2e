"""``manage.py backup``: the database and MEDIA_ROOT's files in one compressed archive
(``bureau/backup.py`` describes what is in it)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from bureau.backup import SUFFIXES, backup_create, default_path


class Command(BaseCommand):
    help = "备份整个数据库及 MEDIA_ROOT 中的文件（上传文件、错误报告、生成的报告）为一个 .tar.gz 归档。"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="备份文件路径，默认 backups/bureau-<时间>.tar.gz",
        )

    def handle(self, *args, output=None, **options):
        path = output or default_path()
        if not path.name.endswith(SUFFIXES):
            raise CommandError(
                f"备份文件名须以 .tar.gz 结尾（{path.name}）：备份是包含数据库和 MEDIA_ROOT 文件的"
                "归档，不再是单独的 .json.gz 数据库文件（旧的 .json.gz 备份仍可恢复）。"
            )
        contents = backup_create(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {path}（{filesizeformat(path.stat().st_size)}）：数据库，以及 "
                f"{settings.MEDIA_ROOT} 中的 {contents.media_files} 个文件"
                f"（{filesizeformat(contents.media_bytes)}）。"
            )
        )
