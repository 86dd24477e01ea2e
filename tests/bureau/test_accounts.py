"""账户: every user changes their own password (Django's rules, in Chinese), sees their last
logins and logs out their other sessions; administrators manage users in the portal, with
one-time passwords that must be changed at the next login, and unlock locked-out accounts."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from bureau.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "Bureau-2026"


def login(username, password=PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def clerk(db):
    user = f.UserFactory(username="clerk", role="staff", full_name="张三")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_user_changes_their_password_with_chinese_rules(clerk):
    client = login("clerk")
    weak = client.post(
        reverse("account"),
        {"old_password": PASSWORD, "new_password": "12345678", "new_password2": "12345678"},
    ).content.decode()
    assert "这个密码太常见了" in weak or "密码全是数字" in weak
    wrong = client.post(
        reverse("account"),
        {"old_password": "nope", "new_password": "Qing-He-2027x", "new_password2": "Qing-He-2027x"},
    ).content.decode()
    assert "原密码不正确" in wrong
    client.post(
        reverse("account"),
        {
            "old_password": PASSWORD,
            "new_password": "Qing-He-2027x",
            "new_password2": "Qing-He-2027x",
        },
    )
    clerk.refresh_from_db()
    assert clerk.check_password("Qing-He-2027x")
    # Still signed in in this browser after the change.
    assert client.get(reverse("account")).status_code == 200


def test_the_account_page_lists_recent_logins_and_ends_other_sessions(clerk):
    other = login("clerk")
    mine = login("clerk")
    page = mine.get(reverse("account")).content.decode()
    assert "还有 1 处登录" in page and "最近登录" in page
    mine.post(reverse("account-sessions-end"))
    # The other browser is signed out; this one stays.
    assert other.get(reverse("account")).status_code == 302
    assert mine.get(reverse("account")).status_code == 200
    assert Session.objects.count() == 1


def test_an_administrator_creates_a_user_with_a_one_time_password(admin_client_, township):
    page = admin_client_.post(
        reverse("user-create"),
        {
            "username": "liaison2",
            "full_name": "李四",
            "role": "liaison",
            "township": township.pk,
            "is_active": "on",
        },
    ).content.decode()
    user = User.objects.get(username="liaison2")
    assert user.township == township and user.must_change_password
    password = page.split('id="one-time-password">')[1].split("<")[0]
    assert user.check_password(password) and len(password) == 12
    # The first page after login is the password change; nothing else opens until it is done.
    client = login("liaison2", password)
    assert client.get(reverse("reports:dashboard")).url == reverse("account")
    client.post(
        reverse("account"),
        {
            "old_password": password,
            "new_password": "Li-Si-2027abc",
            "new_password2": "Li-Si-2027abc",
        },
    )
    assert client.get(reverse("reports:dashboard")).status_code == 200


def test_a_liaison_needs_a_township_said_in_chinese(admin_client_):
    page = admin_client_.post(
        reverse("user-create"), {"username": "x", "full_name": "", "role": "liaison"}
    ).content.decode()
    assert "乡镇（街道）联络员必须指定所属乡镇（街道）" in page
    assert not User.objects.filter(username="x").exists()


def test_deactivating_ends_the_users_sessions_and_reset_gives_a_new_one_time_password(
    admin_client_, clerk
):
    client = login("clerk")
    admin_client_.post(
        reverse("user-edit", args=[clerk.pk]),
        {"full_name": "张三", "role": "staff", "township": ""},
    )
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert client.get(reverse("account")).status_code == 302
    page = admin_client_.post(reverse("user-password-reset", args=[clerk.pk])).content.decode()
    clerk.refresh_from_db()
    assert clerk.must_change_password and 'id="one-time-password"' in page


def test_locked_out_accounts_are_listed_and_unlocked(admin_client_, clerk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "clerk", "password": "wrong"})
    listing = admin_client_.get(reverse("users")).content.decode()
    assert "已锁定" in listing
    admin_client_.post(reverse("user-unlock", args=[clerk.pk]))
    assert "已锁定" not in admin_client_.get(reverse("users")).content.decode()
    login("clerk")  # works again


@pytest.mark.parametrize("persona", ["staff_user", "leader_user", "liaison_user"])
def test_only_administrators_manage_users(request, client_for, persona, clerk):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("users")).status_code == 403
    assert client.post(reverse("user-password-reset", args=[clerk.pk])).status_code == 403
    clerk.refresh_from_db()
    assert not clerk.must_change_password


def test_an_administrator_cannot_deactivate_themselves(admin_client_, admin_user):
    admin_user.is_superuser = False
    admin_user.save()
    page = admin_client_.post(
        reverse("user-edit", args=[admin_user.pk]), {"full_name": "", "role": "admin"}
    ).content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and "不能停用自己的账号" in page
