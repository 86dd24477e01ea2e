"""Backups of the whole portal: the database and every file under ``MEDIA_ROOT`` in one archive.

``backup_create`` writes a gzip-compressed tar::

    manifest.json    what the archive is, when it was made, how the database was dumped
    database.pgdump  ``pg_dump --format=custom`` (``pg_restore`` reads it)
    media/...        the files under MEDIA_ROOT: uploads, import error reports, report exports

The database goes through ``pg_dump`` and ``pg_restore``: they stream table by table in
processes of their own, so time and memory stay flat as the district grows into a city or a
province, where Django's serialiser built every row as a Python object (and ``loaddata`` read
the whole dump into memory). Everything is dumped except the rows of sessions and login-attempt
logs (short-lived).

``backup_restore`` reads these archives and, as a one-way upgrade, the JSON archives of the
portal's SQLite days: version 2 archives and version 3 ones written with ``--format json``
(``database.json``, ``dumpdata`` without content types and permissions), and the database-only
``.json`` / ``.json.gz`` dumps written before files were included. Nothing writes JSON any more.

A pg_dump archive runs SQL when it is restored, so it is trusted only as far as it is checked:

- it is sealed: ``signature.hmac``, an HMAC-SHA256 under ``BACKUP_SIGNING_KEY`` over every
  other entry's name, size and bytes, written at backup and checked before anything is
  restored (a tampered or foreign archive is refused);
- its table of contents may hold tables, their data, sequences, constraints and indexes, and
  of what runs code (functions, triggers, views, extensions) only what the portal's migrations
  create (``MIGRATED_OBJECTS``, held against the migrated schema by a test);
- its SQL runs as ``BACKUP_RESTORE_ROLE``, a role without superuser rights, so even a statement
  that slipped through cannot reach the server's files or programs.
"""

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "bureau-backup"
# 1: the database-only JSON dump; 2: JSON dump and files; 3: pg_dump (or, before PostgreSQL was
# the only database, a JSON dump on request)
VERSION = 3
SUFFIXES = (".tar.gz", ".tgz")
MANIFEST = "manifest.json"
JSON_DUMP = "database.json"
PG_DUMP = "database.pgdump"
DUMPS = {"json": JSON_DUMP, "pg_dump": PG_DUMP}
MEDIA = "media"
SIGNATURE = "signature.hmac"
# A restore unpacks into a folder of this name inside MEDIA_ROOT (same file system, so files
# are moved into place by renaming); backups skip such folders.
STAGING_PREFIX = ".restore-"
# Below this the compression ratio is not judged: a small database dump compresses well.
RATIO_CHECK_FROM = 64 * 1024 * 1024

# Worthless after a restore: their tables are restored empty.
SHORT_LIVED = ["sessions", "axes"]
# gzip level of the archive. pg_dump compresses as it reads, in a process of its own; gzip over
# its output would cost a sixth more time for 2% (city scale), so the archive stores it as it is
# (level 0: still a .tar.gz, written at copying speed), with the files, mostly compressed
# already (.xlsx, .docx, .pdf).
COMPRESSLEVEL = 0
# A restore waits this long for other connections (pages, workers) to let go of the tables.
RESTORE_LOCK_TIMEOUT_SECONDS = 30
COPY_CHUNK = 1024 * 1024
# Where Debian and Ubuntu keep each major version's client programs.
DEBIAN_PG_BIN = "/usr/lib/postgresql/{major}/bin"


class BackupError(Exception):
    """The file cannot be restored; nothing has been changed."""


class MediaRestoreError(Exception):
    """The database was restored but the backup's files could not all be put back."""


@dataclass
class BackupContents:
    media_files: int | None  # None: a database-only backup, which carries no files
    media_bytes: int = 0
    untouched: int = 0  # files under MEDIA_ROOT a restore left alone: the backup has none such
    dump: str = "pg_dump"  # how the database is in the backup: "pg_dump", or "json" (older)


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"bureau-{stamp}{SUFFIXES[0]}"


def backup_create(path: Path, *, database: str = DEFAULT_DB_ALIAS) -> BackupContents:
    """Write ``database`` (``pg_dump``) and MEDIA_ROOT's files to ``path``. The database is
    dumped before the files are read, so every file a dumped row names is already there."""
    dump = "pg_dump"
    if connections[database].in_atomic_block:
        # pg_dump reads from a session of its own: this one's uncommitted rows would be missing.
        raise BackupError(_("不能在数据库事务中用 pg_dump 备份。"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a backup file is either complete or absent.
    partial = path.with_name(f".partial-{path.name}")
    dumped = path.with_name(f".partial-{path.name}.{DUMPS[dump]}")
    try:
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connections[database].vendor,
            "dump": dump,
        }
        manifest.update(_pg_dump(dumped, database))
        skip = {partial.resolve(), dumped.resolve()}
        files = [(file, name) for file, name in _media_files() if file.resolve() not in skip]
        contents = BackupContents(media_files=0, dump=dump)
        seal = Seal()
        with tarfile.open(partial, "w:gz", compresslevel=COMPRESSLEVEL) as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode(), seal)
            _add_file(archive, dumped, DUMPS[dump], seal)
            for file, name in files:
                try:
                    size = _add_file(archive, file, f"{MEDIA}/{name}", seal)
                except FileNotFoundError:
                    continue  # deleted since the folder was listed (the nightly import purge)
                contents.media_files += 1
                contents.media_bytes += size
            if seal is not None:
                _add_bytes(archive, SIGNATURE, seal.hexdigest().encode())
        partial.replace(path)
    finally:
        dumped.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return contents


def backup_restore(path: Path, *, database: str = DEFAULT_DB_ALIAS) -> BackupContents:
    """Replace ``database``'s contents with the backup's and put its files back in MEDIA_ROOT.

    The archive is unpacked and checked first, into a folder inside MEDIA_ROOT. Then the
    database is replaced in one transaction: if that fails, nothing has changed (``pg_dump``
    archives: ``_pg_restore``; the older JSON ones: emptied and loaded by ``loaddata``). Last, the files are
    moved into place, replacing files of the same name; files the backup does not have
    (uploaded after it was made) are left alone and counted.

    A database-only backup restores the database and leaves MEDIA_ROOT alone.
    """
    if not (path.name.endswith(SUFFIXES) or tarfile.is_tarfile(path)):
        _load_database(path, database)
        return BackupContents(media_files=None)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=media_root) as staging:
        staging = Path(staging)
        dump = _unpack(path, staging, database)
        if dump == "pg_dump":
            _pg_restore(staging / PG_DUMP, database)
        else:
            _load_database(staging / JSON_DUMP, database)
        contents = _put_back(staging / MEDIA, media_root)
        contents.dump = dump
        return contents


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


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, seal=None) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o644
    if seal is not None:
        seal.entry(name, info.size)
        seal.update(data)
    archive.addfile(info, io.BytesIO(data))


def _add_file(archive: tarfile.TarFile, file: Path, name: str, seal=None) -> int:
    """Add ``file`` as ``name``, sealing the bytes as they are read into the archive (the
    file is read once, so the seal covers exactly what was written). Returns its size."""
    info = archive.gettarinfo(file, arcname=name)
    with open(file, "rb") as source:
        if seal is not None:
            seal.entry(name, info.size)
            source = _Sealing(source, seal)
        archive.addfile(info, source)
    return info.size


class Seal:
    """HMAC-SHA256 under the settings' key over a pg_dump archive's entries, in order: each
    entry's name and size, then its bytes."""

    def __init__(self):
        key = settings.BACKUP_SIGNING_KEY or f"bureau-backup:{settings.SECRET_KEY}"
        self._mac = hmac.new(hashlib.sha256(key.encode()).digest(), digestmod=hashlib.sha256)

    def entry(self, name: str, size: int) -> None:
        self._mac.update(f"{name}\0{size}\0".encode())

    def update(self, data: bytes) -> None:
        self._mac.update(data)

    def hexdigest(self) -> str:
        return self._mac.hexdigest()

    def matches(self, signature: bytes) -> bool:
        return hmac.compare_digest(self.hexdigest().encode(), signature.strip())


class _Sealing:
    """A file read through the seal (what ``tarfile.addfile`` copies into the archive)."""

    def __init__(self, source, seal: Seal):
        self._source, self._seal = source, seal

    def read(self, size=-1) -> bytes:
        data = self._source.read(size)
        self._seal.update(data)
        return data


def _check_seal(members: list, into: Path) -> None:
    """The archive's seal, computed again over the unpacked entries, is the one it carries:
    else nothing is restored."""
    seal = Seal()
    signature = None
    for member in members:
        if member.name == SIGNATURE:
            signature = (into / SIGNATURE).read_bytes()
            continue
        seal.entry(member.name, member.size)
        with open(into / member.name, "rb") as unpacked:
            while chunk := unpacked.read(COPY_CHUNK):
                seal.update(chunk)
    if signature is None:
        raise BackupError(
            _("备份没有签名，拒绝恢复：只恢复本系统（使用相同签名密钥）生成的 pg_dump 备份。")
        )
    if not seal.matches(signature):
        raise BackupError(
            _(
                "备份的签名不符，拒绝恢复：文件在备份后被改动过，或由使用其他签名密钥"
                "（BACKUP_SIGNING_KEY）的系统生成。"
            )
        )


def _allowed(member: tarfile.TarInfo) -> bool:
    """Regular files only: the manifest, the dump, and files under ``media/`` with a plain
    relative name (no absolute paths, no ``..``, no links or devices)."""
    if not member.isfile():
        return False
    if member.name in (MANIFEST, SIGNATURE, *DUMPS.values()):
        return True
    parts = PurePosixPath(member.name).parts
    return len(parts) > 1 and parts[0] == MEDIA and ".." not in parts


def _unpack(path: Path, into: Path, database: str) -> str:
    """Check the archive and unpack it into ``into``; return how its database is dumped."""
    try:
        with tarfile.open(path, "r:*") as archive:
            members = _members_within_limits(archive, path, into)
            names = {member.name for member in members}
            dumps = [kind for kind, name in DUMPS.items() if name in names]
            if len(dumps) != 1:
                raise BackupError(
                    _("%(path)s 不是本系统的备份文件（其中没有 %(name)s）。")
                    % {"path": path, "name": " / ".join(DUMPS.values())}
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
    if dumps[0] == "pg_dump":
        _check_seal(members, into)  # before anything is restored
    return dumps[0]


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
    """Empty ``database`` and load the JSON ``dump``, all or nothing."""
    with transaction.atomic(using=database):
        # Settle deferred foreign-key checks of earlier writes in an enclosing transaction;
        # PostgreSQL refuses to TRUNCATE a table with such checks pending.
        connections[database].check_constraints()
        call_command("flush", interactive=False, database=database, verbosity=0)
        # The flush rebuilt content types with new ids; forget the cached old ones.
        ContentType.objects.clear_cache()
        # The backup carries the history rows itself; recording the load as new history
        # (many-to-many changes are recorded even for fixtures) would clash with them.
        post_save.connect(_skip_history_of_loaded_rows)
        try:
            call_command("loaddata", str(dump), database=database, verbosity=0)
        finally:
            post_save.disconnect(_skip_history_of_loaded_rows)


def _skip_history_of_loaded_rows(sender, instance, raw=False, **kwargs):
    # Rows saved "raw" come from a fixture; django-simple-history skips their saves itself but
    # records the many-to-many values loaddata sets right after, unless told to skip them.
    if raw:
        instance.skip_history_when_saving = True


# --- PostgreSQL: pg_dump, pg_restore --------------------------------------------------------


def pg_tool(name: str, database: str = DEFAULT_DB_ALIAS) -> Path:
    """The ``name`` program (pg_dump, pg_restore, psql) of ``database``'s server's major version.

    Looked up in ``BACKUP_PG_BIN_DIR``, on PATH, then in Debian's
    ``/usr/lib/postgresql/<major>/bin``: the one in ``BACKUP_PG_BIN_DIR`` if its version will
    do, else the first of the server's major version, else the oldest newer one (pg_dump reads
    older servers), never an older one (pg_dump refuses to dump a newer server, and an older
    pg_restore cannot read a newer pg_dump's archive). Debian's ``/usr/bin`` wrappers answer
    ``--version`` for the program they would run, so they are judged like the others.
    """
    major = _server_major(database)
    chosen = settings.BACKUP_PG_BIN_DIR
    folders = [chosen] if chosen else []
    folders += [*os.get_exec_path(), DEBIAN_PG_BIN.format(major=major)]
    found = {}  # program: its major version
    for folder in folders:
        program = Path(folder) / name
        if program not in found and program.is_file() and os.access(program, os.X_OK):
            found[program] = _tool_major(program, database)
    usable = [program for program, version in found.items() if (version or 0) >= major]
    if chosen and usable and usable[0].parent == Path(chosen):
        return usable[0]
    for program in usable:
        if found[program] == major:
            return program
    if usable:
        return min(usable, key=lambda program: found[program])
    raise BackupError(
        _(
            "找不到与数据库服务器（PostgreSQL %(major)s）版本相符的 %(name)s：请安装 "
            "postgresql-client-%(major)s，或在 BACKUP_PG_BIN_DIR 中指明其所在目录。"
            "已找到：%(found)s。"
        )
        % {
            "major": major,
            "name": name,
            "found": "、".join(f"{program}（{version}）" for program, version in found.items())
            or _("无"),
        }
    )


def _server_major(database: str) -> int:
    connection = connections[database]
    connection.ensure_connection()
    return connection.pg_version // 10000


def _tool_major(program: Path, database: str) -> int | None:
    try:
        output = subprocess.run(
            [program, "--version"],
            env=_pg_env(database),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    return int(match.group(1)) if match else None


def _pg_env(database: str) -> dict:
    """The environment that points libpq programs at ``database`` (no password on a command
    line): Django's own for ``dbshell`` (password, SSL, service), with host, port, user and
    database name."""
    params = connections[database].settings_dict
    _args, env = DatabaseClient.settings_to_cmd_args_env(params, [])
    env = {**os.environ, **(env or {})}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGDATABASE", "NAME"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def _short_lived_tables() -> list[str]:
    tables = []
    for label in SHORT_LIVED:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        tables += [model._meta.db_table for model in config.get_models()]
    return sorted(tables)


def _pg_dump(out: Path, database: str) -> dict:
    """``pg_dump --format=custom`` of ``database`` into ``out``; what the manifest records."""
    program = pg_tool("pg_dump", database)
    command = [
        program, "--format=custom", "--no-owner", "--no-privileges", "--no-password",
        f"--file={out}",
        *(f"--exclude-table-data={table}" for table in _short_lived_tables()),
    ]  # fmt: skip
    result = subprocess.run(
        command, env=_pg_env(database), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if result.returncode:
        raise BackupError(
            _("pg_dump 导出数据库失败：%(error)s")
            % {"error": result.stderr.decode(errors="replace").strip()}
        )
    return {
        "server_version": connections[database].pg_version,
        "pg_dump_version": _tool_major(program, database),
    }


# Runs first, in the restore's transaction: the backup replaces the whole schema, including
# tables that migrations newer than the backup added (``migrate`` adds them again afterwards),
# and the portal's own SQL functions (the search's index expressions), which the archive
# creates again. Tables and functions of extensions are not the portal's to drop.
_DROP_TABLES = """
DO $$
DECLARE tables text; functions text;
BEGIN
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO tables
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT EXISTS (
          SELECT FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      );
    IF tables IS NOT NULL THEN
        EXECUTE 'DROP TABLE ' || tables || ' CASCADE';
    END IF;
    SELECT string_agg(
        format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
        ', '
    ) INTO functions
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (
          SELECT FROM pg_depend d
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      );
    IF functions IS NOT NULL THEN
        EXECUTE 'DROP FUNCTION ' || functions || ' CASCADE';
    END IF;
END
$$;
"""


# What the portal's migrations create in PostgreSQL beyond tables, sequences, constraints and
# indexes: an archive may hold these and no other function, trigger, view or extension
# (``tests/ops`` holds this against the migrated schema).
MIGRATED_OBJECTS = {
    "EXTENSION": {"pg_trgm"},
    "FUNCTION": {"search_grams(text)", "search_grams_query(text)"},
}
# Entries of a table of contents that carry no code of their own.
PLAIN_ENTRIES = {
    "TABLE",
    "TABLE DATA",
    "SEQUENCE",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "DEFAULT",
    "CONSTRAINT",
    "FK CONSTRAINT",
    "INDEX",
    "SCHEMA",
}
_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (?P<kind>[A-Z]+(?: [A-Z]+)*) (?P<schema>\S+) (?P<rest>.*)$")


def _checked_toc(toc: str, allow: dict | None = None) -> list[str]:
    """The lines of ``pg_restore --list`` to restore; ``BackupError`` naming every entry that
    is neither plain (tables and what hangs on them) nor an object the migrations create. The
    comment pg_dump writes on an extension is left out: only the extension's owner may set it,
    and it changes nothing."""
    allowed = {kind: set(names) for kind, names in MIGRATED_OBJECTS.items()}
    for kind, names in (allow or {}).items():
        allowed.setdefault(kind, set()).update(names)
    keep, unexpected = [], []
    for line in toc.splitlines():
        if not line.strip() or line.startswith(";"):
            keep.append(line)
            continue
        match = _TOC_LINE.match(line)
        if match is None:
            unexpected.append(line)
            continue
        kind, rest = match["kind"], match["rest"].strip()
        if kind == "COMMENT" and rest.startswith("EXTENSION "):
            continue
        if kind in PLAIN_ENTRIES:
            keep.append(line)
        elif any(rest == name or rest.startswith(f"{name} ") for name in allowed.get(kind, ())):
            keep.append(line)
        else:
            unexpected.append(f"{kind} {rest}")
    if unexpected:
        raise BackupError(
            _("备份中有本系统的迁移不会创建的数据库对象，拒绝恢复：%(objects)s")
            % {"objects": "；".join(unexpected[:10])}
        )
    return keep


def _is_superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


# As a superuser, the restore hands the portal's objects to a role without superuser rights
# (created if missing) and runs the archive's SQL as that role: the superuser's own rights are
# never lent to what an archive carries. %(role)s is the role, quoted.
_LIMIT_ROLE = """
DO $$
DECLARE r record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %(name)s) THEN
        CREATE ROLE %(role)s NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
            NOBYPASSRLS;
    END IF;
    EXECUTE format('GRANT CREATE ON DATABASE %%I TO %(role)s', current_database());
    GRANT USAGE, CREATE ON SCHEMA public TO %(role)s;
    FOR r IN
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND NOT EXISTS (
              SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('e', 'a', 'i')
          )
    LOOP
        EXECUTE format(
            'ALTER %%s public.%%I OWNER TO %(role)s',
            CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
            r.relname
        );
    END LOOP;
    FOR r IN
        SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND NOT EXISTS (
            SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
              AND d.deptype = 'e'
        )
    LOOP
        EXECUTE format('ALTER FUNCTION public.%%I(%%s) OWNER TO %(role)s', r.proname, r.args);
    END LOOP;
END
$$;
SET LOCAL ROLE %(role)s;
"""


def _limit_role_sql(role: str) -> str:
    quoted = '"' + role.replace('"', '""') + '"'
    literal = "'" + role.replace("'", "''") + "'"
    return _LIMIT_ROLE % {"role": quoted, "name": literal}


def _pg_restore(dump: Path, database: str, *, allow: dict | None = None) -> None:
    """Replace ``database``'s tables with ``dump``'s in one transaction: all or nothing.

    ``pg_restore`` turns the archive into SQL and ``psql`` runs it, relayed by this process:
    ``BEGIN``, the existing tables dropped, the archive's SQL and data, and ``COMMIT`` only once
    pg_restore has read the whole archive without error (a truncated or damaged archive ends in
    ``ROLLBACK``); psql stops at the first failing statement and its session's transaction is
    rolled back. ``pg_restore --single-transaction --clean`` would leave tables the archive does
    not have, and a temporary database swapped in would need rights to create and rename
    databases and every other connection closed.
    """
    connection = connections[database]
    if connection.in_atomic_block:
        raise BackupError(_("不能在数据库事务中恢复 PostgreSQL 备份。"))
    restore = pg_tool("pg_restore", database)
    psql = pg_tool("psql", database)
    env = _pg_env(database)
    listed = subprocess.run(
        [restore, "--list", str(dump)], env=env, capture_output=True, check=False
    )
    if listed.returncode:
        raise BackupError(
            _("pg_restore 无法读取备份中的数据库（可能不完整或已损坏）：%(error)s")
            % {"error": listed.stderr.decode(errors="replace").strip()[-1000:]}
        )
    toc = listed.stdout.decode(errors="replace")
    # ``allow``: more objects to let through (a test forcing code past the check).
    entries = _checked_toc(toc, allow)
    superuser = _is_superuser(connection)
    connection.close()  # no session of this process holds a lock the restore waits for
    prelude = f"BEGIN;\nSET LOCAL lock_timeout = '{RESTORE_LOCK_TIMEOUT_SECONDS}s';\n"
    if superuser:
        prelude += _limit_role_sql(settings.BACKUP_RESTORE_ROLE)
    with (
        tempfile.TemporaryFile() as restore_errors,
        tempfile.TemporaryFile() as psql_errors,
        tempfile.NamedTemporaryFile("w", suffix=".list") as use_list,
    ):
        use_list.write("\n".join(entries) + "\n")
        use_list.flush()
        reader = subprocess.Popen(
            [
                restore,
                "--no-owner",
                "--no-privileges",
                f"--use-list={use_list.name}",
                "--file=-",
                str(dump),
            ],  # fmt: skip
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        writer = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
        )
        try:
            writer.stdin.write((prelude + _DROP_TABLES).encode())
            shutil.copyfileobj(reader.stdout, writer.stdin, COPY_CHUNK)
            read = reader.wait()
            writer.stdin.write(b"COMMIT;\n" if read == 0 else b"ROLLBACK;\n")
            writer.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error: its message says which
        finally:
            if reader.poll() is None:
                reader.kill()
            reader.wait()
            try:
                writer.stdin.close()
            except BrokenPipeError:
                pass
            written = writer.wait()
        if reader.returncode or written:
            restore_errors.seek(0)
            psql_errors.seek(0)
            raise BackupError(
                _pg_restore_message(
                    restore_errors.read().decode(errors="replace"),
                    psql_errors.read().decode(errors="replace"),
                    (reader.returncode, written),
                )
            )
    ContentType.objects.clear_cache()


def _pg_restore_message(restore_errors: str, psql_errors: str, codes: tuple) -> str:
    if "lock timeout" in psql_errors:
        return _(
            "数据库正被其他连接使用（页面、后台任务），%(seconds)s 秒内未能锁定数据表。"
            "请先停止 web、worker 和 beat 再恢复。"
        ) % {"seconds": RESTORE_LOCK_TIMEOUT_SECONDS}
    if restore_errors.strip():
        return _("pg_restore 无法读取备份中的数据库（可能不完整或已损坏）：%(error)s") % {
            "error": restore_errors.strip()[-1000:]
        }
    if psql_errors.strip():
        return _("恢复数据库出错：%(error)s") % {"error": psql_errors.strip()[-1000:]}
    # Neither said why (pg_restore stopped by the pipe psql closed, say): their exit codes.
    return _(
        "恢复数据库出错：pg_restore 退出码 %(restore)s，psql 退出码 %(psql)s（备份可能不完整或已损坏）。"
    ) % {"restore": codes[0], "psql": codes[1]}


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
