"""``manage.py restore FILE``: replace the database's contents with a ``backup`` archive's and
put its files back in MEDIA_ROOT (``ops/backup.py``: ``backup_restore``).

The database is replaced in one transaction: if that fails, neither the database nor MEDIA_ROOT
has changed. A pg_dump archive brings its own tables (then ``migrate`` applies migrations newer
than the backup); a JSON one loads into the tables there, so run ``migrate`` first on an empty
database. The code must be at the version that made the backup or later. Database-only
``.json.gz`` backups made before files were included still restore.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ops.backup import MediaRestoreError, backup_restore


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _(
            "用 backup 生成的备份替换当前数据库的全部数据，并把备份中的文件放回 MEDIA_ROOT"
            "（数据库在一个事务中恢复，失败则不变）。"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            type=Path,
            help=_("备份文件（.tar.gz；只含数据库的旧备份为 .json 或 .json.gz）"),
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=_("不询问确认（用于脚本）"),
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: Path, interactive=True, database=DEFAULT_DB_ALIAS, **options):
        media_root = settings.MEDIA_ROOT
        if not path.is_file():
            raise CommandError(_("找不到备份文件：%(path)s") % {"path": path})
        if interactive:
            answer = input(
                _(
                    # Translators: keep "yes": the answer is compared with it.
                    "将清空数据库“%(database)s”的全部数据并从 %(path)s 恢复，备份中的文件将放回 "
                    "%(media_root)s（覆盖同名文件）。输入 yes 继续："
                )
                % {"database": database, "path": path, "media_root": media_root}
            )
            if answer.strip().lower() != "yes":
                raise CommandError(_("已取消恢复。"))
        try:
            contents = backup_restore(path, database=database)
        except MediaRestoreError as error:
            raise CommandError(
                _(
                    "数据库已恢复，但备份中的文件未能全部放回 %(media_root)s：%(error)s。"
                    "排除问题后可再次运行恢复。"
                )
                % {"media_root": media_root, "error": error}
            ) from error
        except Exception as error:
            raise CommandError(
                _("恢复失败，数据库未作改动：%(error)s") % {"error": error}
            ) from error
        self.stdout.write(self.style.SUCCESS(_("已从 %(path)s 恢复数据库。") % {"path": path}))
        executor = MigrationExecutor(connections[database])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                self.style.WARNING(
                    _("备份早于当前版本的数据库结构：请运行 python manage.py migrate。")
                )
            )
        if contents.media_files is None:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "注意：这是只含数据库的旧格式备份，不含上传文件、导入错误报告和生成的报告文件；"
                        "%(media_root)s 中的文件未作改动，请另行恢复。"
                    )
                    % {"media_root": media_root}
                )
            )
            return
        self.stdout.write(
            _("已将 %(files)s 个文件（%(size)s）放回 %(media_root)s。")
            % {
                "files": contents.media_files,
                "size": filesizeformat(contents.media_bytes),
                "media_root": media_root,
            }
        )
        if contents.untouched:
            self.stdout.write(
                _(
                    "%(media_root)s 中另有 %(count)s 个备份里没有的文件"
                    "（多为备份之后上传或生成的），未作改动。"
                )
                % {"media_root": media_root, "count": contents.untouched}
            )
