"""Login throttling behind reverse proxies: the client address axes locks by comes from the
proxies' X-Forwarded-For entries (DJANGO_TRUSTED_PROXY_COUNT), never from what a client adds."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from config.client_ip import client_ip

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
PROXY = "10.0.0.2"  # every request reaches the portal from the proxy


def _login(password, forwarded_for=None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(reverse("login"), {"username": "staff", "password": password}, **headers)


def _lock_out(forwarded_for):
    for _ in range(LIMIT):
        _login("wrong", forwarded_for)
    assert _login("Bureau-2026", forwarded_for).status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_clients_behind_one_proxy_are_throttled_separately(staff_user):
    _lock_out("203.0.113.5")
    assert _login("Bureau-2026", "198.51.100.7").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_spoofed_left_most_entry_does_not_let_a_locked_out_client_through(staff_user):
    _lock_out("203.0.113.5")
    # The client sent "X-Forwarded-For: 198.51.100.7"; the proxy appended the real address.
    assert _login("Bureau-2026", "198.51.100.7, 203.0.113.5").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_with_two_proxies_the_second_entry_from_the_right_is_the_client(staff_user):
    # client -> CDN (appends the client) -> nginx (appends the CDN) -> portal
    _lock_out("203.0.113.5, 192.0.2.10")
    assert _login("Bureau-2026", "1.2.3.4, 203.0.113.5, 192.0.2.10").status_code == 429
    assert _login("Bureau-2026", "198.51.100.7, 192.0.2.10").status_code == 302


def test_without_proxies_the_header_is_ignored(staff_user):
    assert settings.TRUSTED_PROXY_COUNT == 0
    _lock_out("203.0.113.5")
    # Same REMOTE_ADDR: another X-Forwarded-For is not another client.
    assert _login("Bureau-2026", "198.51.100.7").status_code == 429


@pytest.mark.parametrize(
    "forwarded_for",
    [None, "", "not-an-address", " , "],
    ids=["missing", "empty", "garbage", "blank-entries"],
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_header_the_proxy_did_not_write_falls_back_to_the_proxy_address(rf, forwarded_for):
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip(rf.post("/", **meta)) == PROXY
