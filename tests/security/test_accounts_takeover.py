"""Accounts, round 2 of the attack run (issue 23, findings 1-3).

1. An API token dies with what ends the user's sign-in: 退出其他登录, an administrator's password
   reset, the user's own password change (and deactivation); the page says so.
2. A one-time password still to be changed buys nothing on the API: 403 "请先修改一次性密码" on the
   token endpoint and on every call, token or session; the one-time-password page is no-store.
3. Only a superuser changes a superuser: a portal administrator may not reset its password,
   re-role or deactivate it (nor unlock it, nor open its form).
"""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bureau.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "Bureau-2026"
NEW_PASSWORD = "Qing-He-2027x"
ENTERPRISES = "/api/enterprises/enterprise/"


def login(username, password=PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def take_token(username, password=PASSWORD):
    return APIClient().post("/api/token/", {"username": username, "password": password})


def token_client(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def clerk(db):
    return f.UserFactory(username="clerk", role="staff", full_name="张三")


@pytest.fixture
def portal_admin(db):
    return f.UserFactory(username="padmin", role="admin", full_name="管理员")


@pytest.fixture
def root(db):
    return f.UserFactory(username="root", role="admin", is_superuser=True, is_staff=True)


# ---- 1. tokens die with the password and the sessions -----------------------------------


def _token(user) -> str:
    response = take_token(user.username)
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert token_client(key).get(ENTERPRISES).status_code == 200
    return key


def test_ending_other_sessions_kills_the_api_token_and_says_so(clerk):
    key = _token(clerk)
    browser = login("clerk")
    page = browser.post(reverse("account-sessions-end"), follow=True).content.decode()
    assert "API 令牌已作废" in page
    assert token_client(key).get(ENTERPRISES).status_code == 401


def test_changing_ones_password_kills_the_api_token_and_says_so(clerk):
    key = _token(clerk)
    browser = login("clerk")
    page = browser.post(
        reverse("account"),
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    ).content.decode()
    assert "API 令牌已作废" in page
    assert token_client(key).get(ENTERPRISES).status_code == 401


def test_an_administrators_reset_kills_the_api_token_and_says_so(clerk, portal_admin):
    key = _token(clerk)
    page = login("padmin").post(reverse("user-password-reset", args=[clerk.pk])).content.decode()
    assert "API 令牌已作废" in page
    assert token_client(key).get(ENTERPRISES).status_code == 401


TOKEN_ENDS = st.sampled_from(["sessions_end", "password_change", "reset", "deactivate"])


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ends=st.lists(TOKEN_ENDS, min_size=1, max_size=3))
def test_generated_token_lifecycles_never_leave_a_live_old_token(ends, portal_admin):
    """Take a token, then any sequence of the ways a sign-in ends: every token taken before an
    end answers 401 afterwards, and a token taken afterwards (with the current password) works."""
    user = User.objects.create_user(username=f"life{User.objects.count()}", role="staff")
    password = PASSWORD
    user.set_password(password)
    user.save()
    for end in ends:
        user.refresh_from_db()
        if user.must_change_password or not user.is_active:
            break
        key = take_token(user.username, password).json()["token"]
        if end == "sessions_end":
            login(user.username, password).post(reverse("account-sessions-end"))
        elif end == "password_change":
            new = NEW_PASSWORD if password == PASSWORD else PASSWORD + "x"
            login(user.username, password).post(
                reverse("account"),
                {"old_password": password, "new_password": new, "new_password2": new},
            )
            password = new
        elif end == "reset":
            login("padmin").post(reverse("user-password-reset", args=[user.pk]))
        else:
            login("padmin").post(
                reverse("user-edit", args=[user.pk]),
                {"full_name": "x", "role": "staff", "township": ""},  # is_active unticked
            )
        assert token_client(key).get(ENTERPRISES).status_code == 401, end
        assert not Token.objects.filter(key=key).exists()


# ---- 2. the forced password change covers the API ---------------------------------------


@pytest.fixture
def newcomer(db):
    return f.UserFactory(username="newcomer", role="staff", must_change_password=True)


def test_a_one_time_password_buys_no_token(newcomer):
    response = take_token("newcomer")
    assert response.status_code == 403
    assert "请先修改一次性密码" in response.json()["detail"]
    assert not Token.objects.filter(user=newcomer).exists()


def test_a_token_of_a_user_whose_password_change_is_due_reads_and_writes_nothing(newcomer):
    key = Token.objects.create(user=newcomer).key
    enterprise = f.EnterpriseFactory(contact_phone="0533-1111111")
    client = token_client(key)
    listing = client.get(ENTERPRISES)
    assert listing.status_code == 403 and "请先修改一次性密码" in listing.json()["detail"]
    patch = client.patch(f"{ENTERPRISES}{enterprise.pk}/", {"contact_phone": "0533-2222222"})
    assert patch.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.contact_phone == "0533-1111111"


def test_a_session_whose_password_change_is_due_gets_403_from_the_api(newcomer):
    browser = login("newcomer")
    assert browser.get("/enterprises/enterprise/").status_code == 302
    response = browser.get(ENTERPRISES)
    assert response.status_code == 403
    assert "请先修改一次性密码" in response.json()["detail"]


def test_the_one_time_password_page_is_never_stored(clerk, portal_admin):
    response = login("padmin").post(reverse("user-password-reset", args=[clerk.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# ---- 3. only a superuser changes a superuser --------------------------------------------


def test_a_portal_administrator_cannot_reset_a_superusers_password(root, portal_admin):
    response = login("padmin").post(reverse("user-password-reset", args=[root.pk]))
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password(PASSWORD) and not root.must_change_password


@pytest.mark.parametrize(
    "changes",
    [{"role": "leader", "is_active": "on"}, {"role": "admin"}],
    ids=["re-role", "deactivate"],
)
def test_a_portal_administrator_cannot_re_role_or_deactivate_a_superuser(
    root, portal_admin, changes
):
    browser = login("padmin")
    assert browser.get(reverse("user-edit", args=[root.pk])).status_code == 403
    response = browser.post(
        reverse("user-edit", args=[root.pk]), {"full_name": "x", "township": "", **changes}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.role == "admin" and root.is_active


def test_a_superuser_still_changes_a_superuser_and_the_list_hides_what_is_refused(
    root, portal_admin
):
    other_root = f.UserFactory(username="root2", role="admin", is_superuser=True)
    assert (
        reverse("user-edit", args=[root.pk])
        not in login("padmin").get(reverse("users")).content.decode()
    )
    response = login("root").post(reverse("user-password-reset", args=[other_root.pk]))
    assert response.status_code == 200
    other_root.refresh_from_db()
    assert other_root.must_change_password
