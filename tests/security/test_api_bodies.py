"""Request bodies and methods the API and the pages did not expect: too deep, too large,
lone surrogates, NaN; OPTIONS on every URL; the schema for an account without a role."""

import json

import pytest

from api.parsers import json_too_deep
from tests.factories import UserFactory
from tests.security.urlwalk import fill, is_regex, iter_routes

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
CJK = ("\u4e00", "\u9fff")


def _chinese(response) -> bool:
    return any(CJK[0] <= ch <= CJK[1] for ch in response.content.decode())


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        json.dumps({"username": "x", "password": "y", "pad": "长" * 1_100_000}),
    ],
    ids=["deep-arrays", "deep-objects", "too-large"],
)
def test_anonymous_token_request_with_a_hostile_body_is_a_400(client, body):
    response = client.post("/api/token/", body, content_type="application/json")
    assert response.status_code == 400 and _chinese(response)


def test_staff_posting_deep_json_to_an_entity_is_a_400(api_for, staff_user):
    response = api_for(staff_user).post(
        "/api/enterprises/enterprise/", DEEP, content_type="application/json"
    )
    assert response.status_code == 400 and _chinese(response)


def test_the_depth_check_skips_brackets_inside_strings():
    assert not json_too_deep(json.dumps({"name": "[" * 1000, "x": [[["]]]"]]]}).encode(), 5)
    assert json_too_deep(b"[" * 6 + b"]" * 6, 5)
    assert not json_too_deep(b'"unterminated \\' + b"[" * 100, 5)


def test_a_body_within_the_limits_still_works(api_for, staff_user, township):
    payload = {"credit_code": "91350100M000100Y43", "name": "正常企业", "township": township.pk}
    response = api_for(staff_user).post("/api/enterprises/enterprise/", payload, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("value", ["\ud800", "甲\udfff", "\x0bmaterials", "NaN"])
def test_a_lone_surrogate_or_control_in_a_choice_is_a_400_or_cleaned(
    api_for, staff_user, township, value
):
    from tests.factories import EnterpriseFactory  # noqa: PLC0415

    enterprise = EnterpriseFactory(township=township)
    body = json.dumps(
        {"enterprise": enterprise.pk, "year": 2025, "tech_field": value, "status": "applied"}
    )
    response = api_for(staff_user).post(
        "/api/enterprises/hitechapplication/", body, content_type="application/json"
    )
    if value == "\x0bmaterials":  # the control character goes, the choice is right
        assert response.status_code == 201
        assert response.json()["tech_field"] == "materials"
    else:
        assert response.status_code == 400 and _chinese(response)


def test_nan_and_infinity_literals_are_refused(api_for, staff_user):
    body = '{"year": NaN, "staff_total": Infinity}'
    response = api_for(staff_user).post(
        "/api/enterprises/enterpriseyearlyfigure/", body, content_type="application/json"
    )
    assert response.status_code == 400 and _chinese(response)


def test_an_account_without_a_role_cannot_read_the_schema(client_for):
    nobody = UserFactory(username="nobody", role="none")
    assert client_for(nobody).get("/api/schema/").status_code == 403


@pytest.mark.parametrize("persona", ["admin_user", "staff_user", "liaison_user", "outsider_user"])
def test_options_on_every_url_is_never_a_server_error(request, persona, client_for, township):
    client = client_for(request.getfixturevalue(persona))
    client.raise_request_exception = False
    walked = 0
    for route, _name, _view in iter_routes():
        if is_regex(route) or route.startswith("admin/"):
            continue
        response = client.options(fill(route))
        assert response.status_code < 500, f"OPTIONS /{route}: {response.status_code}"
        walked += 1
    assert walked > 100
