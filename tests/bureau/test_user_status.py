"""用户管理: every account's 状态 reads 正常, 已停用, 已锁定 or 须改密码, never a blank."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def status_of(html: str, username: str) -> list[str]:
    row = re.search(rf"<td>{username}</td>.*?</tr>", html, re.S).group(0)
    cell = re.findall(r'<td class="text-nowrap">(.*?)</td>', row, re.S)[0]
    return re.findall(r'<span class="badge[^"]*">([^<]+)</span>', cell)


def test_each_account_reads_its_state(admin_client_, settings):
    f.UserFactory(username="normal", role="staff")
    f.UserFactory(username="stopped", role="staff", is_active=False)
    f.UserFactory(username="fresh", role="staff", must_change_password=True)
    locked = f.UserFactory(username="locked", role="staff")
    locked.set_password("Bureau-2026")
    locked.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "locked", "password": "wrong"})
    html = admin_client_.get(reverse("users")).content.decode()
    assert status_of(html, "normal") == ["正常"]
    assert status_of(html, "stopped") == ["已停用"]
    assert status_of(html, "fresh") == ["须改密码"]
    assert status_of(html, "locked") == ["已锁定"]
