"""Error pages speak Chinese and show nothing of the system; a database that is down says
"try again" (503), not "server error"."""

import socket

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.errors import server_error
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_a_missing_record_is_a_chinese_404_inside_the_portal(staff_client, township):
    enterprise = EnterpriseFactory(township=township)
    url = enterprise.get_absolute_url()
    enterprise.delete()
    response = staff_client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "返回首页" in html
    assert 'class="sidebar' in html  # still inside the portal, with its navigation


def test_an_unknown_address_is_a_chinese_404_even_before_login(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_forbidden_change_says_why_in_chinese(leader_client):
    response = leader_client.get(reverse("enterprises:enterprise-create"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html and "您没有修改此类记录的权限。" in html


def test_a_stale_form_says_the_page_expired(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(reverse("enterprises:enterprise-create"), {"name": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html and "CSRF" not in html


def test_a_server_error_is_a_plain_chinese_page():
    request = RequestFactory().get("/")
    try:
        raise ValueError("internal detail")
    except ValueError:
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in html and "internal detail" not in html


def test_a_database_error_is_a_503_with_retry_after():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "系统暂时不可用" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_pages_answer_503_while_the_database_is_unreachable_and_recover(staff_user):
    """A real unreachable server: the connection is pointed at a closed port."""
    browser = Client(raise_request_exception=False)
    browser.force_login(staff_user)
    page = reverse("enterprises:enterprise-list")
    assert browser.get(page).status_code == 200
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port
    try:
        response = browser.get(page)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 503, response.content.decode()[:500]
    assert "系统暂时不可用" in response.content.decode()
    assert browser.get(page).status_code == 200
