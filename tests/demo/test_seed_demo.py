"""``manage.py seed_demo``: the district written through the services, its determinism,
idempotence, the bulk path of the larger scales and the demo accounts.

The district is seeded once for the module (with fewer enterprises, to stay fast) inside a
transaction that is rolled back at the end, so nothing leaks into other tests."""

import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from bureau.models import DomainModel, ReferenceModel, Role, User
from bureau.validators import validate_credit_code
from demo import generator as demo_generator
from demo.generator import DemoGenerator
from demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, NATURAL_KEYS, demo_seed, natural_key
from enterprises.models import Enterprise, TechContract
from platforms.models import RdCoverage

ENTERPRISES = 40  # per county: enough for every figure, fast enough for the suite


def domain_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, DomainModel | ReferenceModel)
    ]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--enterprises={ENTERPRISES}", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {model: model.objects.count() for model in domain_models()}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # The accounts' passwords are hashed as the tests' autouse fixture expects (MD5).
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def test_district_seed_fills_every_domain_model(seeded_db):
    empty = [model.__name__ for model, n in counts().items() if n == 0]
    assert empty == []


def test_seed_reports_counts_and_accounts_in_chinese(seeded_db):
    assert "企业" in seeded_db and "共新增" in seeded_db
    for username, *_ in DEMO_ACCOUNTS:
        assert username in seeded_db
    assert DEMO_PASSWORD in seeded_db


def test_help_is_translated_text_argparse_can_format():
    from demo.management.commands.seed_demo import Command

    text = Command().create_parser("manage.py", "seed_demo").format_help()
    assert "生成演示数据" in text and "随机种子" in text


def test_every_credit_code_is_valid_and_unique(seeded_db):
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    for code in codes:
        validate_credit_code(code)
    assert len(codes) == len(set(codes)) == ENTERPRISES


def test_coverage_rows_are_above_scale_enterprises_only_and_rise(seeded_db):
    assert not RdCoverage.objects.filter(enterprise__is_above_scale=False).exists()
    years = sorted(set(RdCoverage.objects.values_list("year", flat=True)))
    rates = [
        RdCoverage.objects.filter(year=y, has_institution=True).count()
        / RdCoverage.objects.filter(year=y).count()
        for y in years
    ]
    assert rates == sorted(rates) and rates[0] < rates[-1]


def test_second_run_adds_nothing(seeded_db):
    before = counts()
    output = seed()
    assert "已存在，未新增" in output
    assert counts() == before


def test_every_report_figure_is_non_zero_this_year_and_last(seeded_db):
    from reports.indicators import compute_many

    this_year = DemoGenerator().year
    figures = compute_many([this_year - 1, this_year])
    zero = [
        (year, key) for year, values in figures.items() for key, v in values.items() if not v.value
    ]
    assert zero == []


@pytest.mark.parametrize("username, role, full_name, superuser", DEMO_ACCOUNTS)
def test_demo_accounts_exist_and_can_log_in(seeded_db, username, role, full_name, superuser):
    user = User.objects.get(username=username)
    assert user.role == role and user.is_superuser == superuser
    if role == Role.LIAISON:
        assert user.township.code == "370302001"
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_city_scale_adds_only_the_other_counties_in_bulk(seeded_db, monkeypatch):
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    district_enterprises = set(Enterprise.objects.values_list("credit_code", flat=True))
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert result.added[Enterprise] == 2 * ENTERPRISES
    assert result.existing[Enterprise] == ENTERPRISES
    assert district_enterprises < set(Enterprise.objects.values_list("credit_code", flat=True))
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    again = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert again.total_added == 0 and again.blocks_skipped == 3


def test_same_seed_gives_same_names_and_codes():
    def snapshot(seed):
        block = DemoGenerator(seed=seed, enterprises_per_block=ENTERPRISES).block(0)
        return [
            (type(row.obj).__name__, natural_key(row.obj, NATURAL_KEYS[type(row.obj)]))
            + ((row.obj.name,) if isinstance(row.obj, Enterprise) else ())
            for rows in block.rows.values()
            for row in rows
        ]

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)


def test_a_county_is_the_same_whatever_the_scale():
    small = DemoGenerator(seed=7, enterprises_per_block=ENTERPRISES)
    large = DemoGenerator(seed=7, enterprises_per_block=ENTERPRISES)
    for b in range(3):
        large.block(b)
    contracts = [row.obj.registration_number for row in small.block(2).rows[TechContract]]
    assert contracts == [row.obj.registration_number for row in large.block(2).rows[TechContract]]


def test_natural_keys_and_names_are_unique_across_counties():
    generator = DemoGenerator(seed=3, enterprises_per_block=ENTERPRISES)
    seen: dict = {}
    for block in generator.blocks(3):
        for model, rows in block.rows.items():
            keys = seen.setdefault(model, set())
            for row in rows:
                key = natural_key(row.obj, NATURAL_KEYS[model])
                assert key not in keys, (model.__name__, key)
                keys.add(key)
                if model is Enterprise:
                    assert row.obj.name not in seen.setdefault("names", set())
                    seen["names"].add(row.obj.name)


def test_generated_enterprises_pass_model_validation():
    block = DemoGenerator(seed=5, enterprises_per_block=ENTERPRISES).block(1)
    for row in block.rows[Enterprise]:
        try:
            row.obj.clean_fields(exclude=["township", "village", "industry"])
        except ValidationError as error:  # pragma: no cover - shows the record that failed
            pytest.fail(f"{row.obj.name}: {error}")
