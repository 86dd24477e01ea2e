"""Login throttling (django-axes): after N wrong passwords the account is locked, with a Chinese
page, for the login form and the API token endpoint alike."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def _login(client, password):
    return client.post(reverse("login"), {"username": "staff", "password": password})


def test_lockout_after_n_failures_shows_a_chinese_page(staff_user):
    client = Client()
    for _ in range(LIMIT - 1):
        response = _login(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = _login(client, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账号已锁定" in page
    assert f"连续 {LIMIT} 次登录失败" in page
    assert "15 分钟后再试" in page
    # Even the right password is refused while locked.
    again = _login(client, "Bureau-2026")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_then_success_resets_the_count(staff_user):
    client = Client()
    for _ in range(LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, "Bureau-2026").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert _login(client, "wrong").status_code == 200
    assert _login(client, "Bureau-2026").status_code == 302


def test_lock_of_one_account_does_not_lock_another(staff_user, leader_user):
    client = Client()
    for _ in range(LIMIT):
        _login(client, "wrong")
    response = client.post(reverse("login"), {"username": "leader", "password": "Bureau-2026"})
    assert response.status_code == 302


def test_token_endpoint_counts_failures_and_locks_in_chinese(staff_user):
    client = APIClient()
    for _ in range(LIMIT):
        client.post(reverse("api:token"), {"username": "staff", "password": "wrong"})
    response = client.post(reverse("api:token"), {"username": "staff", "password": "Bureau-2026"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.json()["detail"]
    assert "token" not in response.json()
