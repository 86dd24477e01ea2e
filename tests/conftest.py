"""Personas and shared fixtures.

Every view is tried by each persona: administrator, staff, township liaison (of the township
``home``), leader, and an outsider (an account without a role)."""

import uuid

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from config.celery import app as celery_app
from tests.factories import TownshipFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def celery_tasks_inline():
    """Tasks run inline in tests, even with REDIS_URL set; tests marked ``worker`` start a real
    worker and switch this off for themselves."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2's many rounds cost a second per persona; tests need no brute-force resistance.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test has a cache of its own: the cache production uses (filter forms, dashboards),
    under a key prefix no other test has, so it starts empty and no test sees what another one
    cached, even in a Redis database shared with other test runs and the broker. Only this
    test's keys are deleted afterwards (``FailSoftRedisCache.clear``), never the database."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    own = {**settings.CACHES["default"], "KEY_PREFIX": prefix}
    settings.CACHES = {**settings.CACHES, "default": own}
    yield prefix
    # Tests may have pointed the cache elsewhere since (Redis down); clear this one.
    leftover = import_string(own["BACKEND"])(own.get("LOCATION", ""), own)
    leftover.clear()
    leftover.close()


@pytest.fixture
def township(db):
    return TownshipFactory(code="370302001", name="城关街道")


@pytest.fixture
def other_township(db):
    return TownshipFactory(code="370302101", name="东山镇")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", role="staff")


@pytest.fixture
def liaison_user(db, township):
    return UserFactory(username="liaison", role="liaison", township=township)


@pytest.fixture
def leader_user(db):
    return UserFactory(username="leader", role="leader")


@pytest.fixture
def outsider_user(db):
    return UserFactory(username="outsider", role="none")


PERSONAS = ["admin_user", "staff_user", "liaison_user", "leader_user", "outsider_user"]


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client logged in as ``user``."""
    return _client_for


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def admin_client_(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def liaison_client(liaison_user):
    return _client_for(liaison_user)


@pytest.fixture
def leader_client(leader_user):
    return _client_for(leader_user)


@pytest.fixture
def outsider_client(outsider_user):
    return _client_for(outsider_user)
