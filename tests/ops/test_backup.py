"""``manage.py backup`` and ``restore``: a round trip gives back every record, its links, its
history and every file under MEDIA_ROOT byte for byte, through pg_dump; a failed restore
changes nothing; the JSON archives of the portal's SQLite days and older database-only backups
still restore (a one-way upgrade: nothing writes JSON any more).

The pg_dump tests run outside a test transaction since pg_dump and psql read and write the test
database from sessions of their own."""

import datetime
import io
import json
import os
import random
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bureau.models import Department, User
from enterprises.models import Enterprise, EnterpriseYearlyFigure
from imports.models import ImportJob
from ops import backup
from ops.backup import BackupError, pg_tool
from poverty.models import ServiceVisit
from tests.factories import (
    CommissionerFactory,
    DepartmentFactory,
    EnterpriseFactory,
    ServiceVisitFactory,
    UserFactory,
    VillageFactory,
    YearlyFigureFactory,
)

pytestmark = pytest.mark.django_db

# pg_dump reads committed rows only, and the restore drops the tables: no test transaction.
PG = pytest.mark.django_db(transaction=True)
# What the JSON dump of the SQLite days left out: rebuilt by ``migrate``, with ids of their own.
JSON_EXCLUDED = ["contenttypes", "auth.permission", "admin.logentry", "sessions", "axes"]

# Names as the portal writes them: nested by date, Chinese, and binary content.
MEDIA_FILES = {
    "imports/reports/2026/01/企业名单_错误报告_7.xlsx": bytes(range(256)) * 40,
    "reports/annual/2026/2026年度工作报告-v3.pdf": b"%PDF-1.7\n" + os.urandom(5000),
    "notes.txt": "上传说明\n".encode(),
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def media_files(media_root):
    for name, data in MEDIA_FILES.items():
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(data)
    return MEDIA_FILES


def _media_snapshot(root: Path) -> dict:
    return {
        file.relative_to(root).as_posix(): file.read_bytes()
        for file in sorted(root.rglob("*"))
        if file.is_file()
    }


@pytest.fixture
def records(township):
    enterprise = EnterpriseFactory(township=township, name="备份测试铝业有限公司")
    YearlyFigureFactory(enterprise=enterprise, year=2024)
    YearlyFigureFactory(enterprise=enterprise, year=2025)
    visit = ServiceVisitFactory(village__village=VillageFactory(township=township))
    visit.commissioners.set([CommissionerFactory(), CommissionerFactory()])
    enterprise.name = "备份测试铝业股份有限公司"
    enterprise.save()  # a second history row
    department = DepartmentFactory(name="区工业和信息化局")
    department.townships.set([township])  # many-to-many with its own history rows
    user = UserFactory(username="keeper", role="liaison", township=township)
    token = Token.objects.create(user=user)
    return {"enterprise": enterprise, "visit": visit, "user": user, "token": token.key}


def _snapshot():
    return {
        "enterprises": list(Enterprise.objects.values_list("pk", "credit_code", "name")),
        "figures": list(EnterpriseYearlyFigure.objects.values_list("pk", "year", "rd_expense")),
        "visit_commissioners": sorted(
            ServiceVisit.commissioners.through.objects.values_list(
                "servicevisit_id", "commissioner_id"
            )
        ),
        "history": Enterprise.history.count(),
        "users": list(User.objects.values_list("username", "role", "township_id")),
        "department_townships": sorted(
            Department.townships.through.objects.values_list("department_id", "township_id")
        ),
        "department_history": Department.history.count(),
    }


def _wipe():
    ServiceVisit.objects.all().delete()
    EnterpriseYearlyFigure.objects.all().delete()
    Enterprise.objects.all().delete()
    Enterprise.history.all().delete()
    User.objects.filter(username="keeper").delete()
    Department.objects.all().delete()


def _json_archive(path: Path, *, version: int = 2) -> Path:
    """An archive as ``backup`` wrote it before PostgreSQL was the only database: the JSON dump
    (``dumpdata``), a manifest and the files."""
    dumped = path.with_name("database.json")
    call_command(
        "dumpdata", exclude=JSON_EXCLUDED, natural_foreign=True, output=str(dumped), verbosity=0
    )
    manifest = {"format": "bureau-backup", "version": version, "dump": "json"}
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        archive.add(dumped, arcname="database.json")
        for file in sorted(Path(settings.MEDIA_ROOT).rglob("*")):
            if file.is_file():
                archive.add(file, arcname=f"media/{file.relative_to(settings.MEDIA_ROOT)}")
    dumped.unlink()
    return path


@pytest.mark.parametrize("dump", [pytest.param("pg_dump", marks=PG), "json"])
def test_backup_delete_restore_gives_everything_back(
    dump, records, media_files, media_root, tmp_path
):
    """A pg_dump backup, and the JSON archive of the SQLite days (restored once, as the way up
    to PostgreSQL), give back everything."""
    job = ImportJob(entity="enterprise", file_name="企业名单.xlsx", status="done")
    job.file.save("upload.xlsx", ContentFile(b"PK\x03\x04" + os.urandom(2000)), save=False)
    job.save()
    before = _snapshot()
    files_before = _media_snapshot(media_root)
    assert len(files_before) == len(media_files) + 1
    path = tmp_path / "bureau.tar.gz"
    if dump == "json":
        _json_archive(path)
    else:
        call_command("backup", output=path)
    assert _archive_names(path) >= {"manifest.json", backup.DUMPS[dump]}
    assert _manifest(path)["dump"] == dump

    _wipe()
    ImportJob.objects.all().delete()
    shutil.rmtree(media_root)
    assert not Enterprise.objects.exists()

    call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    assert _media_snapshot(media_root) == files_before
    with ImportJob.objects.get().file.open("rb") as handle:
        assert handle.read() == files_before[job.file.name]
    restored = Enterprise.objects.get(pk=records["enterprise"].pk)
    assert restored.name == "备份测试铝业股份有限公司"
    assert [h.name for h in restored.history.order_by("history_date")] == [
        "备份测试铝业有限公司",
        "备份测试铝业股份有限公司",
    ]
    # Accounts come back with their password hash and API token.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="keeper", password="Bureau-2026") is not None
    assert Token.objects.get(user__username="keeper").key == records["token"]


def _archive_names(path: Path) -> set:
    with tarfile.open(path) as archive:
        return set(archive.getnames())


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as archive:
        return json.load(archive.extractfile("manifest.json"))


@pytest.mark.parametrize("dump", [pytest.param("pg_dump", marks=PG), "json"])
def test_new_rows_after_restore_get_fresh_ids(dump, records, tmp_path):
    path = tmp_path / "bureau.tar.gz"
    if dump == "json":
        _json_archive(path)
    else:
        call_command("backup", output=path)
    _wipe()
    call_command("restore", str(path), interactive=False)
    newest = EnterpriseFactory()
    assert newest.pk > records["enterprise"].pk


def test_failed_restore_leaves_the_database_as_it_was(records, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"model": "enterprises.enterprise", "pk": 1, "fields": {"name": ', "utf-8")
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未作改动"):
        call_command("restore", str(broken), interactive=False)
    assert _snapshot() == before


@PG
def test_restore_asks_before_wiping(records, tmp_path, monkeypatch):
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(path))
    assert Enterprise.objects.filter(pk=records["enterprise"].pk).exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "none.tar.gz"), interactive=False)


def test_an_older_database_only_backup_still_restores_and_says_it_has_no_files(
    records, media_files, media_root, tmp_path, capsys
):
    """Backups made before files were included: ``dumpdata`` straight to a .json.gz."""
    before = _snapshot()
    path = tmp_path / "bureau-old.json.gz"
    call_command(
        "dumpdata", exclude=JSON_EXCLUDED, natural_foreign=True, output=str(path), verbosity=0
    )
    _wipe()
    (media_root / "notes.txt").write_bytes(b"changed since")

    call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    out = capsys.readouterr().out
    assert "只含数据库的旧格式备份" in out and "不含上传文件" in out
    assert (media_root / "notes.txt").read_bytes() == b"changed since"


@PG
def test_restore_replaces_backed_up_files_and_leaves_newer_ones_alone(
    records, media_files, media_root, tmp_path, capsys
):
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    assert "中的 3 个文件" in capsys.readouterr().out
    (media_root / "notes.txt").write_bytes(b"edited after the backup")
    (media_root / "imports" / "later.xlsx").write_bytes(b"uploaded after the backup")

    call_command("restore", str(path), interactive=False)
    assert (media_root / "notes.txt").read_bytes() == media_files["notes.txt"]
    assert (media_root / "imports" / "later.xlsx").read_bytes() == b"uploaded after the backup"
    out = capsys.readouterr().out
    assert "已将 3 个文件" in out and "另有 1 个备份里没有的文件" in out
    # Nothing of the restore's unpacking is left behind.
    assert sorted(p.name for p in media_root.iterdir()) == ["imports", "notes.txt", "reports"]


def _archive(path: Path, entries: dict) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_failed_database_load_leaves_files_and_database_as_they_were(
    records, media_files, media_root, tmp_path
):
    broken = _archive(
        tmp_path / "broken.tar.gz",
        {"database.json": b'[{"model": "enterprises.enterprise", "pk": 1', "media/notes.txt": b"x"},
    )
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未作改动"):
        call_command("restore", str(broken), interactive=False)
    assert _snapshot() == before
    assert _media_snapshot(media_root) == media_files


@pytest.mark.parametrize(
    "entries",
    [
        {"database.json": b"[]", "media/../../escaped.txt": b"x"},
        {"database.json": b"[]", "/etc/escaped.txt": b"x"},
        {"media/notes.txt": b"no database in here"},
        {"database.json": b"[]", "database.pgdump": b"PGDMP"},
    ],
    ids=["dot-dot", "absolute", "no-database", "two-databases"],
)
def test_an_archive_that_is_not_a_clean_backup_is_refused(entries, records, media_root, tmp_path):
    path = _archive(tmp_path / "odd.tar.gz", entries)
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未作改动"):
        call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    assert not (tmp_path / "escaped.txt").exists()


@PG
def test_a_truncated_archive_is_refused(records, media_files, tmp_path):
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = _snapshot()
    with pytest.raises(CommandError, match="无法解开备份文件"):
        call_command("restore", str(cut), interactive=False)
    assert _snapshot() == before


def test_backup_refuses_a_json_file_name(tmp_path):
    with pytest.raises(CommandError, match=r"须以 \.tar\.gz 结尾"):
        call_command("backup", output=tmp_path / "bureau.json.gz")
    assert not list(tmp_path.iterdir())


# --- PostgreSQL: pg_dump, pg_restore -----------------------------------------------------------


def _repacked(path: Path, out: Path, change) -> Path:
    """``path``'s archive with its pg_dump file's bytes passed through ``change``."""
    entries = {}
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            entries[member.name] = archive.extractfile(member).read()
    entries[backup.PG_DUMP] = change(entries[backup.PG_DUMP])
    return _archive(out, sealed(entries))


def sealed(entries: dict) -> dict:
    """``entries`` with a signature of their own (damage made before the archive was sealed:
    what the restore's other checks must catch)."""
    entries = {name: data for name, data in entries.items() if name != backup.SIGNATURE}
    seal = backup.Seal()
    for name, data in entries.items():
        seal.entry(name, len(data))
        seal.update(data)
    return {**entries, backup.SIGNATURE: seal.hexdigest().encode()}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data[: len(data) * 2 // 3], id="truncated"),
        pytest.param(
            lambda data: data[:2000] + random.Random(2000).randbytes(len(data) - 2000),
            id="damaged",
        ),
        pytest.param(lambda data: b"PGDMP" + random.Random(500).randbytes(500), id="garbage"),
    ],
)
@PG
def test_a_pg_dump_that_cannot_be_read_to_its_end_changes_nothing(
    change, records, media_files, media_root, tmp_path
):
    """pg_restore reads the archive's table of contents, then turns the tables into SQL as it
    goes: with the end cut off or damaged it fails after the tables were dropped and some
    recreated. None of it is committed, and the message says why: whichever of pg_restore
    and psql meets the damage first."""
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    broken = _repacked(path, tmp_path / "broken.tar.gz", change)
    EnterpriseFactory(name="备份之后新建的企业")
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未作改动：") as failed:
        call_command("restore", str(broken), interactive=False)
    assert any(word in str(failed.value) for word in ("pg_restore", "ERROR", "错误")), failed.value
    assert _snapshot() == before
    assert _media_snapshot(media_root) == media_files


@PG
def test_a_restore_waiting_on_a_busy_table_gives_up_and_changes_nothing(
    records, tmp_path, monkeypatch
):
    """A page or a worker in the middle of a transaction holds its tables; the restore waits
    ``RESTORE_LOCK_TIMEOUT_SECONDS`` for them, then stops with a message saying what to do."""
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    monkeypatch.setattr(backup, "RESTORE_LOCK_TIMEOUT_SECONDS", 1)
    EnterpriseFactory(name="备份之后新建的企业")
    before = _snapshot()
    other = connections.create_connection("default")  # a session of its own
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {Enterprise._meta.db_table}")
        with pytest.raises(CommandError, match="1 秒内未能锁定数据表.*停止 web、worker 和 beat"):
            call_command("restore", str(path), interactive=False)
    finally:
        other.rollback()
        other.close()
    assert _snapshot() == before


@pytest.fixture
def schema_put_back():
    """The test database as migrations left it, whatever a test did to its schema (the suite
    keeps the database from one run to the next)."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS made_after_the_backup")
    call_command("migrate", fake=True, verbosity=0)


@PG
def test_a_pg_dump_restore_replaces_the_schema_and_leaves_sessions_out(
    records, tmp_path, capsys, schema_put_back
):
    """The backup's tables replace the database's: a table made after the backup (by a newer
    migration, say) is gone, and ``restore`` says when migrations are left to apply. Sessions
    are not backed up (everyone logs in again); the manifest names the server's version."""
    Session.objects.create(
        session_key="x" * 32,
        session_data="e30",
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    assert _manifest(path)["server_version"] == connection.pg_version
    assert _manifest(path)["pg_dump_version"] == connection.pg_version // 10000
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE made_after_the_backup (id integer)")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'enterprises'")
    capsys.readouterr()

    call_command("restore", str(path), interactive=False)
    assert "made_after_the_backup" not in connection.introspection.table_names()
    assert not Session.objects.exists()
    assert Enterprise.objects.filter(pk=records["enterprise"].pk).exists()
    # The migration rows deleted after the backup come back with it: nothing is left to apply.
    assert "manage.py migrate" not in capsys.readouterr().out


@PG
def test_restore_says_when_the_backup_is_older_than_the_code(
    records, tmp_path, capsys, schema_put_back
):
    # The newest migration of an app, as if the backup was made before it was applied.
    app, name = MigrationExecutor(connection).loader.graph.leaf_nodes()[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    call_command("restore", str(path), interactive=False)
    assert "请运行 python manage.py migrate" in capsys.readouterr().out


def _fake_tool(folder: Path, name: str, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    program.chmod(0o755)
    return program


def test_pg_tools_of_the_servers_version_are_found_in_the_debian_folder(monkeypatch, tmp_path):
    major = connection.pg_version // 10000
    monkeypatch.setattr(os, "get_exec_path", lambda env=None: [str(tmp_path / "empty")])
    for name in ("pg_dump", "pg_restore", "psql"):
        assert pg_tool(name) == Path(f"/usr/lib/postgresql/{major}/bin/{name}")


def test_the_configured_folder_comes_first_and_an_older_version_is_never_used(
    settings, monkeypatch, tmp_path
):
    major = connection.pg_version // 10000
    newer = _fake_tool(tmp_path / "newer", "pg_dump", f"{major + 1}.2")
    same = _fake_tool(tmp_path / "same", "pg_dump", f"{major}.9")
    older = _fake_tool(tmp_path / "older", "pg_dump", f"{major - 1}.4")
    monkeypatch.setattr(backup, "DEBIAN_PG_BIN", str(tmp_path / "none-{major}"))
    path = [str(older.parent), str(newer.parent), str(same.parent)]
    monkeypatch.setattr(os, "get_exec_path", lambda env=None: path)
    assert pg_tool("pg_dump") == same  # the server's version before a newer one
    settings.BACKUP_PG_BIN_DIR = str(newer.parent)
    assert pg_tool("pg_dump") == newer  # chosen, and new enough
    settings.BACKUP_PG_BIN_DIR = str(older.parent)
    assert pg_tool("pg_dump") == same  # chosen, but too old for the server
    path[:] = [str(older.parent)]
    with pytest.raises(BackupError) as refused:
        pg_tool("pg_dump")
    assert f"找不到与数据库服务器（PostgreSQL {major}）版本相符的 pg_dump" in str(refused.value)
    assert f"postgresql-client-{major}" in str(refused.value) and str(older) in str(refused.value)


@PG
def test_backup_without_pg_dump_says_what_to_install(settings, monkeypatch, tmp_path):
    monkeypatch.setattr(backup, "DEBIAN_PG_BIN", str(tmp_path / "none-{major}"))
    monkeypatch.setattr(os, "get_exec_path", lambda env=None: [str(tmp_path / "empty")])
    with pytest.raises(CommandError, match="找不到.*pg_dump.*请安装 postgresql-client-"):
        call_command("backup", output=tmp_path / "bureau.tar.gz")
    assert not list(tmp_path.glob("*.tar.gz")) and not list(tmp_path.glob(".partial-*"))
