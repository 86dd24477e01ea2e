"""A PostgreSQL restart under traffic: the app recovers without anyone acting.

What a restart does to the app's connections, in process: every backend connection of the test
database is terminated from a separate connection while requests are flowing (a real restart
of a cluster of its own, under gunicorn, is test_postgres_restart.py). Requests go through Django's real WSGI handler (as gunicorn calls it),
because the test client switches off the per-request connection check that does the recovery
(CONN_MAX_AGE keeps connections between requests, CONN_HEALTH_CHECKS tests them first)."""

import threading
import time

import psycopg2
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 4


@pytest.fixture
def postgres():
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    yield
    connection.close()  # the test's own connection was killed too; teardown opens a new one


def _terminate_backends() -> int:
    """What a server restart does to the app: every other connection to its database dies."""
    db = connection.settings_dict
    killer = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]
    finally:
        killer.close()


class Browser:
    """A logged-in user whose requests go through the WSGI handler as gunicorn sends them."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)
        self.cookie = f"sessionid={client.cookies['sessionid'].value}"
        self.handler = WSGIHandler()

    def get(self, path: str) -> int:
        environ = RequestFactory().get(path, HTTP_COOKIE=self.cookie).environ
        status = []
        body = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()  # fires request_finished, as a WSGI server does
        return int(status[0].split()[0])


def test_the_next_request_after_the_connections_are_killed_succeeds(postgres, staff_user):
    enterprise = EnterpriseFactory()
    browser = Browser(staff_user)
    pages = [reverse("enterprises:enterprise-list"), enterprise.get_absolute_url()]
    assert [browser.get(page) for page in pages] == [200, 200]
    assert connection.connection is not None  # kept open between requests (CONN_MAX_AGE)

    assert _terminate_backends() >= 1
    assert [browser.get(page) for page in pages] == [200, 200]


def test_traffic_recovers_by_itself_after_the_connections_are_killed(postgres, staff_user):
    enterprise = EnterpriseFactory()
    pages = [
        reverse("enterprises:enterprise-list"),
        enterprise.get_absolute_url(),
        reverse("reports:dashboard"),
    ]
    window: dict[str, float] = {}  # when the kill began and ended
    results: list[list[tuple[float, float, int]]] = [[] for _ in range(THREADS)]

    def user(index: int) -> None:
        browser = Browser(staff_user)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                started = time.monotonic()
                status = browser.get(pages[len(results[index]) % len(pages)])
                results[index].append((started, time.monotonic(), status))
                if "end" in window and sum(s > window["end"] for s, _, _ in results[index]) >= 6:
                    return
        finally:
            connections.close_all()

    threads = [threading.Thread(target=user, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while min(len(r) for r in results) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # every user has connections open and in use
    window["start"] = time.monotonic()
    assert _terminate_backends() >= THREADS
    window["end"] = time.monotonic()
    for thread in threads:
        thread.join(timeout=90)

    for outcome in results:
        before = [status for _, ended, status in outcome if ended < window["start"]]
        after = [status for started, _, status in outcome if started > window["end"]]
        # Requests in flight during the kill may fail; none before it, none after it.
        assert before and set(before) == {200}
        assert len(after) >= 6 and set(after) == {200}, after
