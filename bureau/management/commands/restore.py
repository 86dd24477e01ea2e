"""``manage.py restore FILE``: replace the database's contents with a ``backup`` file.

Everything happens in one transaction: the tables are emptied, Django's own rows (content
types, permissions) rebuilt, and the backup loaded. If loading fails, nothing has changed.
Run ``migrate`` first on an empty database; the code must be at the version that made the
backup or later (newer migrations apply on top afterwards).
"""

from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings


def restore_backup(path: Path, *, database: str = DEFAULT_DB_ALIAS) -> None:
    """Empty ``database`` and load the backup at ``path``, all or nothing."""
    with transaction.atomic(using=database):
        # Settle deferred foreign-key checks of earlier writes in an enclosing transaction;
        # PostgreSQL refuses to TRUNCATE a table with such checks pending.
        connections[database].check_constraints()
        call_command("flush", interactive=False, database=database, verbosity=0)
        # The flush rebuilt content types with new ids; forget the cached old ones.
        ContentType.objects.clear_cache()
        # The backup carries the history rows itself; recording the load as new history
        # (many-to-many changes are recorded even for fixtures) would clash with them.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", str(path), database=database, verbosity=0)


class Command(BaseCommand):
    help = "用 backup 生成的备份文件替换当前数据库的全部数据（在一个事务中完成，失败则不变）。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份文件（.json 或 .json.gz）")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="不询问确认（用于脚本）",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: Path, interactive=True, database=DEFAULT_DB_ALIAS, **options):
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        if interactive:
            answer = input(f"将清空数据库“{database}”的全部数据并从 {path} 恢复。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消恢复。")
        try:
            restore_backup(path, database=database)
        except Exception as error:
            raise CommandError(f"恢复失败，数据库未作改动：{error}") from error
        self.stdout.write(self.style.SUCCESS(f"已从 {path} 恢复数据库。"))
