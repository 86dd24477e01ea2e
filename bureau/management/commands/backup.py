"""``manage.py backup``: the whole database as a compressed JSON file.

Django's own serialisation (``dumpdata``) rather than ``pg_dump``: it works the same on SQLite
and PostgreSQL, restores into either, and needs no client tools in the container. Change history
is included (the recycle bin restores from it). Rows Django rebuilds by itself (content types,
permissions) and short-lived ones (sessions, login-attempt logs) are left out.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

# Rebuilt by ``migrate`` / post_migrate, or worthless after a restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"bureau-{stamp}.json.gz"


def write_backup(path: Path) -> None:
    """Dump every table but ``EXCLUDED`` to ``path`` (compressed when it ends in ``.gz``).

    Primary keys are kept, so references survive; content types and permissions are written by
    natural key because their ids differ from one database to another.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a backup file is either complete or absent.
    partial = path.with_name(f".partial-{path.name}")
    call_command(
        "dumpdata",
        exclude=EXCLUDED,
        natural_foreign=True,
        format="json",
        output=str(partial),
        verbosity=0,
    )
    partial.replace(path)


class Command(BaseCommand):
    help = "备份整个数据库为压缩的 JSON 文件（SQLite 与 PostgreSQL 通用）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="备份文件路径，默认 backups/bureau-<时间>.json.gz",
        )

    def handle(self, *args, output=None, **options):
        path = output or default_path()
        write_backup(path)
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"已备份到 {path}（{size / 1024:.1f} KB）。"))
