"""``manage.py backup``: the database (``pg_dump``) and MEDIA_ROOT's files in one compressed
archive (``ops/backup.py`` describes what is in it)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ops.backup import SUFFIXES, BackupError, backup_create, default_path


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _(
            "备份整个数据库及 MEDIA_ROOT 中的文件（上传文件、错误报告、生成的报告）"
            "为一个 .tar.gz 归档。"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help=_("备份文件路径，默认 backups/bureau-<时间>.tar.gz"),
        )

    def handle(self, *args, output=None, **options):
        path = output or default_path()
        if not path.name.endswith(SUFFIXES):
            raise CommandError(
                _(
                    "备份文件名须以 .tar.gz 结尾（%(name)s）：备份是包含数据库和 MEDIA_ROOT 文件的"
                    "归档，不再是单独的 .json.gz 数据库文件（旧的 .json.gz 备份仍可恢复）。"
                )
                % {"name": path.name}
            )
        try:
            contents = backup_create(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "已备份到 %(path)s（%(size)s）：数据库（%(dump)s），以及 "
                    "%(media_root)s 中的 %(files)s 个文件（%(media_size)s）。"
                )
                % {
                    "path": path,
                    "dump": contents.dump,
                    "size": filesizeformat(path.stat().st_size),
                    "media_root": settings.MEDIA_ROOT,
                    "files": contents.media_files,
                    "media_size": filesizeformat(contents.media_bytes),
                }
            )
        )
