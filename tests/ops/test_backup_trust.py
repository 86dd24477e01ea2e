"""A pg_dump archive is trusted only as far as it is checked (issue 23, finding 8).

An archive that carried a function called by a materialized view ran ``COPY … TO PROGRAM`` during
``manage.py restore``. Now: an archive changed after it was sealed is refused; an archive
holding a function (or view, trigger, extension) the migrations do not create is refused,
naming it; and the archive's SQL runs as a role without superuser rights, so even such a
function, forced through, cannot run a program. Each refusal leaves the database as it was.
"""

import io
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from enterprises.models import Enterprise
from ops import backup
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db(transaction=True)
EVIL = "portal_evil_copy"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def evil_function():
    """A function that writes a file through ``COPY … TO PROGRAM`` (in /tmp, where the
    server's OS user may write), in the database so that a backup carries it; dropped
    afterwards."""
    target = Path(tempfile.gettempdir()) / f"bureau-restore-pwned-{uuid.uuid4().hex}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION public.{EVIL}() RETURNS integer LANGUAGE plpgsql AS $$
            BEGIN
                EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {target}''';
                RETURN 1;
            END $$;
            """
        )
    yield target
    target.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP MATERIALIZED VIEW IF EXISTS public.{EVIL}_view")
        cursor.execute(f"DROP FUNCTION IF EXISTS public.{EVIL}() CASCADE")


def _entries(path: Path) -> dict:
    with tarfile.open(path) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


def _archive(path: Path, entries: dict) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _restore_refused(path, match):
    before = list(Enterprise.objects.values_list("pk", "name"))
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(path), interactive=False)
    assert list(Enterprise.objects.values_list("pk", "name")) == before


def test_the_backup_carries_a_signature_over_every_entry(tmp_path):
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    entries = _entries(path)
    assert backup.SIGNATURE in entries
    seal = backup.Seal()
    for name, data in entries.items():
        if name != backup.SIGNATURE:
            seal.entry(name, len(data))
            seal.update(data)
    assert seal.matches(entries[backup.SIGNATURE])


@pytest.mark.parametrize("where", ["dump", "manifest", "signature", "unsigned", "other key"])
def test_a_tampered_archive_is_refused_before_anything_is_restored(where, tmp_path, settings):
    EnterpriseFactory(name="备份时的企业")
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    entries = _entries(path)
    if where == "dump":
        data = bytearray(entries[backup.PG_DUMP])
        data[len(data) // 2] ^= 0x01  # one bit
        entries[backup.PG_DUMP] = bytes(data)
    elif where == "manifest":
        entries[backup.MANIFEST] = entries[backup.MANIFEST].replace(b'"version": 3', b'"version":3')
    elif where == "signature":
        entries[backup.SIGNATURE] = b"0" * 64
    elif where == "unsigned":
        del entries[backup.SIGNATURE]
    else:
        settings.BACKUP_SIGNING_KEY = "another install's key"
    tampered = _archive(tmp_path / "tampered.tar.gz", entries)
    Enterprise.objects.update(name="备份之后改的名")
    _restore_refused(tampered, "签名")


def test_an_archive_with_a_function_the_migrations_do_not_create_is_refused(
    evil_function, tmp_path
):
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE MATERIALIZED VIEW public.{EVIL}_view AS SELECT {EVIL}() AS n WITH NO DATA"
        )
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)  # sealed: it came from this install
    _restore_refused(path, f"迁移不会创建的数据库对象.*{EVIL}")
    assert not evil_function.exists()


def test_the_restore_runs_as_a_role_without_superuser_rights(evil_function, tmp_path, settings):
    """The archive's SQL, forced past the table-of-contents check, still cannot run a program:
    it runs as ``BACKUP_RESTORE_ROLE``. A normal restore leaves the tables to that role."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE MATERIALIZED VIEW public.{EVIL}_view AS SELECT {EVIL}() AS n WITH NO DATA"
        )
    with connection.cursor() as cursor:  # data, so that the restore runs the function
        cursor.execute(f"REFRESH MATERIALIZED VIEW public.{EVIL}_view")
    evil_function.unlink(missing_ok=True)  # the refresh ran as the superuser test session
    dump = tmp_path / "database.pgdump"
    backup._pg_dump(dump, "default")
    with pytest.raises(
        backup.BackupError,
        match="permission denied|must be superuser|pg_execute_server_program|权限",
    ):
        backup._pg_restore(
            dump,
            "default",
            allow={
                "FUNCTION": {f"{EVIL}()"},
                "MATERIALIZED VIEW": {f"{EVIL}_view"},
                "MATERIALIZED VIEW DATA": {f"{EVIL}_view"},
            },
        )
    assert not evil_function.exists()

    with connection.cursor() as cursor:
        cursor.execute(f"DROP MATERIALIZED VIEW public.{EVIL}_view")
        cursor.execute(f"DROP FUNCTION public.{EVIL}()")
    clean = tmp_path / "bureau.tar.gz"
    call_command("backup", output=clean)
    call_command("restore", str(clean), interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        owners = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = %s", [settings.BACKUP_RESTORE_ROLE]
        )
        (superuser,) = cursor.fetchone()
    assert owners == {settings.BACKUP_RESTORE_ROLE} and superuser is False


def test_what_an_archive_may_hold_is_what_the_migrations_create():
    """``MIGRATED_OBJECTS`` against the migrated test database: every function, trigger, view
    and extension the migrations made is allowed, and nothing else is."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND NOT EXISTS (
                SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
            """
        )
        functions = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
        extensions = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')"
        )
        (views,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND NOT t.tgisinternal"
        )
        (triggers,) = cursor.fetchone()
    assert functions == backup.MIGRATED_OBJECTS["FUNCTION"]
    assert extensions == backup.MIGRATED_OBJECTS["EXTENSION"]
    assert views == 0 and triggers == 0  # none made by migrations, none allowed
