"""``manage.py backup`` and ``restore``: a round trip gives back every record, its links, its
history and every file under MEDIA_ROOT byte for byte; a failed restore changes nothing; older
database-only backups still restore; the archive also restores into a fresh SQLite."""

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from bureau.models import Department, User
from enterprises.models import Enterprise, EnterpriseYearlyFigure
from imports.models import ImportJob
from ops.backup import EXCLUDED
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


def test_backup_delete_restore_gives_everything_back(records, media_files, media_root, tmp_path):
    job = ImportJob(entity="enterprise", file_name="企业名单.xlsx", status="done")
    job.file.save("upload.xlsx", ContentFile(b"PK\x03\x04" + os.urandom(2000)), save=False)
    job.save()
    before = _snapshot()
    files_before = _media_snapshot(media_root)
    assert len(files_before) == len(media_files) + 1
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    assert path.stat().st_size > 0

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


def test_new_rows_after_restore_get_fresh_ids(records, tmp_path):
    path = tmp_path / "bureau.tar.gz"
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


def test_postgres_backup_restores_into_a_fresh_sqlite_database(records, media_files, tmp_path):
    """The same file moves between engines: back up here, restore into an empty SQLite and an
    empty media folder."""
    path = tmp_path / "bureau.tar.gz"
    call_command("backup", output=path)
    fresh_media = tmp_path / "fresh-media"
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(fresh_media),
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=Path(settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout

    manage("migrate", "--no-input", "-v", "0")
    manage("restore", str(path), "--no-input")
    count = manage(
        "shell",
        "-c",
        "from enterprises.models import Enterprise; print(Enterprise.objects.get().name)",
    )
    assert count.strip().splitlines()[-1] == "备份测试铝业股份有限公司"
    assert _media_snapshot(fresh_media) == media_files


def test_an_older_database_only_backup_still_restores_and_says_it_has_no_files(
    records, media_files, media_root, tmp_path, capsys
):
    """Backups made before files were included: ``dumpdata`` straight to a .json.gz."""
    before = _snapshot()
    path = tmp_path / "bureau-old.json.gz"
    call_command("dumpdata", exclude=EXCLUDED, natural_foreign=True, output=str(path), verbosity=0)
    _wipe()
    (media_root / "notes.txt").write_bytes(b"changed since")

    call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    out = capsys.readouterr().out
    assert "只含数据库的旧格式备份" in out and "不含上传文件" in out
    assert (media_root / "notes.txt").read_bytes() == b"changed since"


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
    ],
    ids=["dot-dot", "absolute", "no-database"],
)
def test_an_archive_that_is_not_a_clean_backup_is_refused(entries, records, media_root, tmp_path):
    path = _archive(tmp_path / "odd.tar.gz", entries)
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未作改动"):
        call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    assert not (tmp_path / "escaped.txt").exists()


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
