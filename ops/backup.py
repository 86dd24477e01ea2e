"""Backups of the whole portal: the database and every file under ``MEDIA_ROOT`` in one archive.

``backup_create`` writes a gzip-compressed tar::

    manifest.json    what the archive is, when it was made, how many files it carries
    database.json    the database as ``dumpdata`` writes it (``loaddata`` reads it on its own)
    media/...        the files under MEDIA_ROOT: uploads, import error reports, report exports

Django's own serialisation (``dumpdata``) rather than ``pg_dump``: it works the same on SQLite
and PostgreSQL, restores into either, and needs no client tools in the container. Change history
is included (the recycle bin restores from it). Rows Django rebuilds by itself (content types,
permissions) and short-lived ones (sessions, login-attempt logs) are left out.

``backup_restore`` reads these archives and the database-only ``.json`` / ``.json.gz`` dumps
written before files were included.
"""

import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "bureau-backup"
VERSION = 2  # 1 was the database-only JSON dump
SUFFIXES = (".tar.gz", ".tgz")
MANIFEST = "manifest.json"
DATABASE = "database.json"
MEDIA = "media"
# A restore unpacks into a folder of this name inside MEDIA_ROOT (same file system, so files
# are moved into place by renaming); backups skip such folders.
STAGING_PREFIX = ".restore-"
# Below this the compression ratio is not judged: a small database dump compresses well.
RATIO_CHECK_FROM = 64 * 1024 * 1024

# Rebuilt by ``migrate`` / post_migrate, or worthless after a restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


class BackupError(Exception):
    """The file cannot be restored; nothing has been changed."""


class MediaRestoreError(Exception):
    """The database was restored but the backup's files could not all be put back."""


@dataclass
class BackupContents:
    media_files: int | None  # None: a database-only backup, which carries no files
    media_bytes: int = 0
    untouched: int = 0  # files under MEDIA_ROOT a restore left alone: the backup has none such


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"bureau-{stamp}{SUFFIXES[0]}"


def backup_create(path: Path) -> BackupContents:
    """Write the database (every table but ``EXCLUDED``) and MEDIA_ROOT's files to ``path``.

    Primary keys are kept, so references survive; content types and permissions are written by
    natural key because their ids differ from one database to another. The database is dumped
    before the files are read, so every file a dumped row names is already there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a backup file is either complete or absent.
    partial = path.with_name(f".partial-{path.name}")
    dump = path.with_name(f".partial-{path.name}.{DATABASE}")
    try:
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            format="json",
            output=str(dump),
            verbosity=0,
        )
        skip = {partial.resolve(), dump.resolve()}
        files = [(file, name) for file, name in _media_files() if file.resolve() not in skip]
        contents = BackupContents(media_files=0)
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "database": connections[DEFAULT_DB_ALIAS].vendor,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(dump, arcname=DATABASE)
            for file, name in files:
                try:
                    size = file.stat().st_size
                    archive.add(file, arcname=f"{MEDIA}/{name}", recursive=False)
                except FileNotFoundError:
                    continue  # deleted since the folder was listed (the nightly import purge)
                contents.media_files += 1
                contents.media_bytes += size
        partial.replace(path)
    finally:
        dump.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return contents


def backup_restore(path: Path, *, database: str = DEFAULT_DB_ALIAS) -> BackupContents:
    """Replace ``database``'s contents with the backup's and put its files back in MEDIA_ROOT.

    The archive is unpacked and checked first, into a folder inside MEDIA_ROOT. Then the
    database is emptied and loaded in one transaction: if that fails, nothing has changed.
    Last, the files are moved into place, replacing files of the same name; files the backup
    does not have (uploaded after it was made) are left alone and counted.

    A database-only backup restores the database and leaves MEDIA_ROOT alone.
    """
    if not (path.name.endswith(SUFFIXES) or tarfile.is_tarfile(path)):
        _load_database(path, database)
        return BackupContents(media_files=None)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=media_root) as staging:
        staging = Path(staging)
        _unpack(path, staging)
        _load_database(staging / DATABASE, database)
        return _put_back(staging / MEDIA, media_root)


def _media_files():
    """``(path, name under MEDIA_ROOT)`` of every regular file there, symbolic links skipped."""
    root = Path(settings.MEDIA_ROOT)
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not (here == root and d.startswith(STAGING_PREFIX)))
        for name in sorted(names):
            file = here / name
            if file.is_file() and not file.is_symlink():
                yield file, file.relative_to(root).as_posix()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _allowed(member: tarfile.TarInfo) -> bool:
    """Regular files only: the manifest, the dump, and files under ``media/`` with a plain
    relative name (no absolute paths, no ``..``, no links or devices)."""
    if not member.isfile():
        return False
    if member.name in (MANIFEST, DATABASE):
        return True
    parts = PurePosixPath(member.name).parts
    return len(parts) > 1 and parts[0] == MEDIA and ".." not in parts


def _unpack(path: Path, into: Path) -> None:
    try:
        with tarfile.open(path, "r:*") as archive:
            members = _members_within_limits(archive, path, into)
            names = {member.name for member in members}
            if DATABASE not in names:
                raise BackupError(
                    _("%(path)s 不是本系统的备份文件（其中没有 %(name)s）。")
                    % {"path": path, "name": DATABASE}
                )
            refused = [member.name for member in members if not _allowed(member)]
            if refused:
                raise BackupError(
                    _("备份中有不应出现的条目，拒绝恢复：%(names)s")
                    % {"names": "、".join(refused[:5])}
                )
            if MANIFEST in names:
                _check_manifest(json.load(archive.extractfile(MANIFEST)))
            archive.extractall(into, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(
            _("无法解开备份文件（可能不完整或已损坏）：%(error)s") % {"error": error}
        ) from error


def _members_within_limits(archive: tarfile.TarFile, path: Path, into: Path) -> list:
    """The archive's entries, read header by header (nothing is written), refused as soon as
    the sizes they declare add up past ``BACKUP_MAX_UNPACKED_BYTES``, past
    ``BACKUP_MAX_COMPRESSION_RATIO`` times the archive's own size (a few KB of zeros that unpack
    to gigabytes), or past the free space of the disk it would be unpacked to, less
    ``BACKUP_MIN_FREE_BYTES`` kept free for the database and the portal."""
    limit = settings.BACKUP_MAX_UNPACKED_BYTES
    archive_size = path.stat().st_size
    ratio_limit = max(archive_size * settings.BACKUP_MAX_COMPRESSION_RATIO, RATIO_CHECK_FROM)
    room = shutil.disk_usage(into).free - settings.BACKUP_MIN_FREE_BYTES
    members, declared = [], 0
    for member in archive:
        declared += max(member.size, 0)
        if declared > limit:
            raise BackupError(
                _("备份解开后超过 %(limit)s（上限 BACKUP_MAX_UNPACKED_BYTES），拒绝恢复。")
                % {"limit": _size(limit)}
            )
        if declared > ratio_limit:
            raise BackupError(
                _("备份文件仅 %(size)s，声明的内容却超过 %(declared)s，压缩比异常，拒绝恢复。")
                % {"size": _size(archive_size), "declared": _size(declared)}
            )
        if declared > room:
            raise BackupError(
                _(
                    "磁盘剩余空间不足：解开备份至少需要 %(need)s，恢复后还须保留 %(keep)s，"
                    "当前仅剩 %(free)s。未做任何改动。"
                )
                % {
                    "need": _size(declared),
                    "keep": _size(settings.BACKUP_MIN_FREE_BYTES),
                    "free": _size(room + settings.BACKUP_MIN_FREE_BYTES),
                }
            )
        members.append(member)
    return members


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _check_manifest(manifest: dict) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(_("不是本系统的备份文件。"))
    if manifest.get("version", 0) > VERSION:
        raise BackupError(_("该备份由更新版本的系统生成，请先升级本系统再恢复。"))


def _load_database(dump: Path, database: str) -> None:
    """Empty ``database`` and load ``dump``, all or nothing."""
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
            call_command("loaddata", str(dump), database=database, verbosity=0)


def _put_back(staged: Path, media_root: Path) -> BackupContents:
    contents = BackupContents(media_files=0)
    restored = set()
    for folder, _dirs, names in os.walk(staged):
        for name in names:
            source = Path(folder) / name
            relative = source.relative_to(staged)
            target = media_root / relative
            try:
                size = source.stat().st_size
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
            except OSError as error:
                raise MediaRestoreError(f"{relative}：{error}") from error
            restored.add(relative.as_posix())
            contents.media_files += 1
            contents.media_bytes += size
    contents.untouched = sum(1 for _file, name in _media_files() if name not in restored)
    return contents
