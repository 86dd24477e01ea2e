"""``manage.py backup`` and ``restore``: a round trip gives back every record, its links and
its history; a failed restore changes nothing; the file also restores into a fresh SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from bureau.models import Department, User
from enterprises.models import Enterprise, EnterpriseYearlyFigure
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


def test_backup_delete_restore_gives_everything_back(records, tmp_path):
    before = _snapshot()
    path = tmp_path / "bureau.json.gz"
    call_command("backup", output=path)
    assert path.stat().st_size > 0

    _wipe()
    assert not Enterprise.objects.exists()

    call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
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
    path = tmp_path / "bureau.json.gz"
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
    path = tmp_path / "bureau.json.gz"
    call_command("backup", output=path)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(path))
    assert Enterprise.objects.filter(pk=records["enterprise"].pk).exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "none.json.gz"), interactive=False)


def test_postgres_backup_restores_into_a_fresh_sqlite_database(records, tmp_path):
    """The same file moves between engines: back up here, restore into an empty SQLite."""
    path = tmp_path / "bureau.json.gz"
    call_command("backup", output=path)
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}

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
