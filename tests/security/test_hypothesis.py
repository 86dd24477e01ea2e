"""Property-based attacks (Hypothesis), bounded in examples so that CI stays within its time.

Derandomized, so a CI run is reproducible; no example database is written. The pure functions
(text cleaning, the JSON depth guard, the cell parsers) take many examples; the ones that go
through the database and the views take a few dozen each. The API's every operation is fuzzed
by schemathesis in tests/api/test_schemathesis.py.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.parsers import json_too_deep
from bureau.models import WorkActivity
from bureau.text import UNSAFE, clean_text
from enterprises.models import Enterprise
from imports.engine import normalise as norm
from imports.engine.pipeline import run_import
from tests import factories as f
from tests.security.test_generated_text import _xlsx

PURE = settings(max_examples=300, deadline=None, derandomize=True, database=None)
THROUGH_DB = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every code point Python can hold, surrogates and controls included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
FORM_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
CJK = ("\u4e00", "\u9fff")


def _chinese(text: str) -> bool:
    return any(CJK[0] <= ch <= CJK[1] for ch in text)


# ---- pure functions ---------------------------------------------------------------------


@PURE
@given(ANY_TEXT)
def test_cleaned_text_has_nothing_unsafe_and_cleaning_again_changes_nothing(text):
    cleaned = clean_text(text)
    assert not UNSAFE.search(cleaned)
    assert clean_text(cleaned) == cleaned
    cleaned.encode("utf-8")  # always encodable: no lone surrogate left


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=40,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@PURE
@given(JSON_VALUES, st.integers(min_value=0, max_value=8))
def test_the_depth_guard_measures_what_the_parser_would_nest(value, limit):
    assert json_too_deep(json.dumps(value).encode(), limit) == (_depth(value) > limit)


@PURE
@given(st.one_of(ANY_TEXT, st.floats(allow_nan=True), st.integers(), st.decimals(allow_nan=True)))
def test_cell_parsers_raise_nothing_but_a_chinese_value_error(value):
    for parse in (norm.parse_decimal, norm.parse_int, norm.parse_date, norm.parse_bool):
        try:
            parse(value)
        except ValueError as error:
            assert _chinese(str(error)), (parse.__name__, value, error)


# ---- through the database -----------------------------------------------------------------


@pytest.mark.django_db
@THROUGH_DB
@given(name=ANY_TEXT, address=ANY_TEXT)
def test_any_text_through_the_api_is_stored_clean_or_refused_in_chinese(
    api_for, staff_user, township, name, address
):
    body = json.dumps(
        {
            "credit_code": f.valid_credit_code(990_000),
            "name": name,
            "township": township.pk,
            "address": address,
        }
    )
    response = api_for(staff_user).post(
        "/api/enterprises/enterprise/", body, content_type="application/json"
    )
    # Either is right for arbitrary text: stored clean (201), or refused in Chinese (400).
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        stored = Enterprise.objects.get(pk=response.json()["id"])
        assert not UNSAFE.search(stored.name + stored.address)
        stored.delete()
    else:
        assert _chinese(response.content.decode())


@pytest.mark.django_db
@THROUGH_DB
@given(topic=FORM_TEXT, note=FORM_TEXT, participants=FORM_TEXT, date=FORM_TEXT)
def test_any_text_through_the_form_answers_a_page_never_an_error(
    client_for, staff_user, township, topic, note, participants, date
):
    response = client_for(staff_user).post(
        "/bureau/workactivity/new/",
        {
            "date": date,
            "kind": "training",
            "topic": topic,
            "township": township.pk,
            "participants": participants,
            "note": note,
        },
    )
    # Either is right, as the text is arbitrary: saved (302) and stored clean, or the form
    # again (200) with its errors in Chinese; never an error page.
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        stored = WorkActivity.objects.latest("pk")
        assert not UNSAFE.search(stored.topic + stored.note)
        stored.delete()
    else:
        errors = response.context["form"].errors
        assert errors and all(_chinese(str(m)) for e in errors.values() for m in e)


CELLS = st.one_of(
    st.none(),
    FORM_TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e1000000", "#N/A", "２０２５年１月１日", "NaN", "=1+1", "9999-12-31"]),
)


@pytest.mark.django_db
@THROUGH_DB
@given(year=CELLS, staff=CELLS, sales=CELLS, date=CELLS, topic=CELLS)
def test_any_cells_in_an_import_are_read_or_refused_in_chinese(
    township, year, staff, sales, date, topic
):
    enterprise = f.EnterpriseFactory(township=township)
    files = {
        "enterpriseyearlyfigure": [
            ["统一社会信用代码", "年度", "职工总数", "销售收入（元）"],
            [enterprise.credit_code, year, staff, sales],
        ],
        "workactivity": [
            ["日期", "类型", "主题", "乡镇（街道）", "参加人数"],
            [date, "业务培训", topic, township.name, staff],
        ],
    }
    for entity, rows in files.items():
        result = run_import(entity, _xlsx(rows), dry_run=True)
        assert not result.file_error or _chinese(result.file_error), result.file_error
        assert all(_chinese(error.message) for error in result.errors), result.errors
