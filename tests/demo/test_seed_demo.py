"""``manage.py seed_demo``: the district written through the services, its determinism,
idempotence, the bulk path of the larger scales and the demo accounts.

The district is seeded once for the module (with fewer enterprises, to stay fast) inside a
transaction that is rolled back at the end, so nothing leaks into other tests."""

import contextlib
import io
from collections import Counter

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from bureau.models import Department, DomainModel, Industry, ReferenceModel, Role, User
from bureau.validators import validate_credit_code
from demo import generator as demo_generator
from demo import pgcopy
from demo.generator import DemoGenerator
from demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, NATURAL_KEYS, demo_seed, natural_key
from enterprises.models import Enterprise, TechContract
from platforms.models import RdCoverage

ENTERPRISES = 40  # per county: enough for every figure, fast enough for the suite


def domain_models():
    return [model for model in apps.get_models() if issubclass(model, DomainModel | ReferenceModel)]


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
    # 后备高企 meeting every decidable condition: the three-year R&D ratio of last year reads
    # the year before the demo's first (2024-2026), which no demo record holds, so for last
    # year it is 数据不全 for every enterprise older than that window and none is "ready".
    # 惠企政策: this year's 高企 awards are claimed next year, the tax bureau's 加计扣除 list of a
    # year arrives the next, and only last year's demo award lost its condition (one revoked).
    benefits = ["benefit_paid_hitech", "benefit_ineligible", "deduction_enterprises"]
    benefits = [(this_year, key) for key in [*benefits, "deduction_amount"]]
    assert zero == [(this_year - 1, "hitech_reserve_ready"), *benefits]


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


# -- the generator's shortcut and the COPY path of the larger scales ----------------------------


def snapshot_block(generator: DemoGenerator, b: int) -> list:
    block = generator.block(b)
    rows = []
    for model, records in block.rows.items():
        for row in records:
            values = {k: v for k, v in row.obj.__dict__.items() if k != "_state"}
            rows.append((model.__name__, values, sorted(row.obj._state.fields_cache)))
    return rows


def test_new_builds_the_instance_model_init_would(monkeypatch):
    fast = snapshot_block(DemoGenerator(seed=9, enterprises_per_block=ENTERPRISES), 0)
    monkeypatch.setattr(demo_generator, "new", lambda model, **values: model(**values))
    slow = snapshot_block(DemoGenerator(seed=9, enterprises_per_block=ENTERPRISES), 0)
    assert fast == slow


def test_new_refuses_what_model_init_would_refuse():
    with pytest.raises(TypeError):
        demo_generator.new(Enterprise, no_such_field=1)


def copied_models():
    return [m for m in NATURAL_KEYS if m not in (Industry, Department)]


@pytest.fixture
def city(seeded_db, monkeypatch):
    """Two counties more than the district, through the path of the larger scales (COPY on
    PostgreSQL, bulk_create on SQLite), with the blocks they were made of."""
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    generator = DemoGenerator(enterprises_per_block=ENTERPRISES)
    generator.block(0)
    return result, [generator.block(1), generator.block(2)]


def test_city_scale_adds_every_record_of_the_new_counties(city):
    result, blocks = city
    expected = Counter()
    for block in blocks:
        for model, rows in block.rows.items():
            expected[model] += len(rows)
    assert {m: result.added[m] for m in expected} == dict(expected)
    district = DemoGenerator(enterprises_per_block=ENTERPRISES).block(0)
    for model in copied_models():
        assert model.objects.count() == len(district.rows.get(model, [])) + expected[model], model


def test_records_written_in_bulk_are_stored_as_generated(city):
    # every field of every record read back equals the generator's value (COPY's escaping of
    # the line breaks in a community's member units, decimals, dates, booleans, NULLs), and
    # every relation points at the record generated for it
    _, blocks = city
    for model in copied_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at")
        ]
        relations = [f.name for f in fields if f.is_relation]
        keys = NATURAL_KEYS[model]
        stored = {natural_key(obj, keys): obj for obj in model.objects.select_related(*relations)}
        for block in blocks:
            for row in block.rows.get(model, []):
                obj, generated = stored[natural_key(row.obj, keys)], row.obj
                for f in fields:
                    if f.is_relation:
                        mine, theirs = getattr(generated, f.name), getattr(obj, f.name)
                        assert (mine is None) == (theirs is None), (model.__name__, f.name, obj)
                        assert mine is None or str(mine) == str(theirs), (model.__name__, f.name)
                    elif f.name != "expires_on":  # derived by clean() on the way in
                        mine, theirs = getattr(generated, f.name), getattr(obj, f.name)
                        assert mine == theirs, (model.__name__, f.name, obj)


def test_records_written_in_bulk_pass_the_models_validation(city):
    # a sample of every kind (every fifth record and the first), as a form would check them
    for model in copied_models():
        for obj in list(model.objects.order_by("pk"))[::5]:
            try:
                obj.full_clean()
            except ValidationError as error:  # pragma: no cover - shows the record that failed
                pytest.fail(f"{model.__name__} {obj}: {error}")


def test_every_reference_written_in_bulk_points_at_a_record(city):
    quote = connection.ops.quote_name
    checked = 0
    models = list(NATURAL_KEYS)
    models += [f.remote_field.through for m in models for f in m._meta.local_many_to_many]
    with connection.cursor() as cursor:
        for model in models:
            for f in model._meta.concrete_fields:
                if not f.is_relation:
                    continue
                cursor.execute(
                    f"SELECT count(*) FROM {quote(model._meta.db_table)} c "
                    f"LEFT JOIN {quote(f.related_model._meta.db_table)} p "
                    f"ON p.{quote(f.target_field.column)} = c.{quote(f.column)} "
                    f"WHERE c.{quote(f.column)} IS NOT NULL AND p.{quote(f.target_field.column)} IS NULL"
                )
                assert cursor.fetchone()[0] == 0, (model.__name__, f.name)
                checked += 1
    assert checked > 30


def test_the_next_record_saved_after_a_bulk_load_gets_a_fresh_id(city):
    largest = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first()
    enterprise = Enterprise.objects.first()
    enterprise.pk = None
    enterprise.credit_code = "91370302MA3C000017"
    enterprise.name = "新增测试企业"
    enterprise.save()
    assert enterprise.pk > largest


def test_city_scale_writes_with_copy_and_checks_each_kind(seeded_db, monkeypatch):
    from demo import services

    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 2)
    copied, prepared = [], Counter()
    original, prepare = pgcopy.copy_data, services.record_prepare
    monkeypatch.setattr(
        pgcopy, "copy_data", lambda table, *a: copied.append(table) or original(table, *a)
    )

    def counting(*, instance, **kwargs):
        prepared[type(instance)] += 1
        return prepare(instance=instance, **kwargs)

    monkeypatch.setattr(services, "record_prepare", counting)
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert Enterprise._meta.db_table in copied and result.added[Enterprise] == ENTERPRISES
    # the first of each kind and every COPY_VALIDATE_EVERY-th through all of record_prepare
    for model in copied_models():
        added = result.added[model]
        if added:
            assert prepared[model] == -(-added // services.COPY_VALIDATE_EVERY), model


def test_history_rows_are_copied_with_the_records(seeded_db, monkeypatch):
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 2)
    before = {m: m.history.count() for m in copied_models()}
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES, history=True)
    for model in copied_models():
        new = model.history.count() - before[model]
        assert new == result.added[model], model
    enterprise = Enterprise.objects.order_by("-pk").first()
    [row] = enterprise.history.all()
    assert row.history_type == "+" and row.history_change_reason == "演示数据"
    assert (row.name, row.credit_code, row.township_id) == (
        enterprise.name,
        enterprise.credit_code,
        enterprise.township_id,
    )


def test_a_county_with_a_record_already_there_is_written_in_bulk_instead(seeded_db, monkeypatch):
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 2)
    generated = DemoGenerator(enterprises_per_block=ENTERPRISES)
    generated.block(0)
    code = generated.block(1).rows[Enterprise][5].obj.credit_code
    existing = Enterprise.objects.first()
    existing.pk, existing.credit_code, existing.name = None, code, "已录入的企业"
    existing.save()
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert result.existing[Enterprise] == ENTERPRISES + 1  # the district's and this one
    assert result.added[Enterprise] == ENTERPRISES - 1
    assert Enterprise.objects.get(credit_code=code).name == "已录入的企业"


def test_the_reference_check_finds_a_row_pointing_nowhere(db):
    from bureau.models import Village

    with transaction.atomic():
        with pgcopy.row_triggers_skipped() as skipped:
            if not skipped:
                pytest.skip("the role may not skip row triggers here")
            pgcopy.copy_lines(
                Village._meta.db_table,
                ["id", "created_at", "updated_at", "code", "name", "township_id"],
                ["987654\t2026-01-01 00:00+00\t2026-01-01 00:00+00\t370302001999\t无处村\t987654"],
            )
            with pytest.raises(IntegrityError, match="bureau_township"):
                pgcopy.check_references(Village, 987654, 987654)
        transaction.set_rollback(True)


def test_with_row_triggers_the_database_checks_the_references(seeded_db, monkeypatch):
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 2)
    monkeypatch.setattr(pgcopy, "row_triggers_skipped", lambda: contextlib.nullcontext(False))
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert result.added[Enterprise] == ENTERPRISES


def schema() -> set:
    """Every index and constraint of the public schema, by name with its definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        )
        return set(cursor.fetchall())


def test_a_large_load_builds_its_indexes_afterwards_as_they_were(seeded_db, monkeypatch):
    # two new counties against the district's one: the indexes no constraint needs are
    # dropped for the load and built again, under the same names and definitions
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    before = schema()
    deferred = []
    original = pgcopy.indexes_deferred

    @contextlib.contextmanager
    def recording(models):
        with original(models) as names:
            deferred.extend(names)
            assert not {name for _, name, _ in schema()} & set(names)
            yield names

    monkeypatch.setattr(pgcopy, "indexes_deferred", recording)
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert result.added[Enterprise] == 2 * ENTERPRISES
    assert "enterprises_enterprise_name_trgm" in deferred and "yearly_figure_year_idx" in deferred
    assert "enterprises_enterprise_credit_code_key" not in deferred  # unique: kept
    assert schema() == before


def test_a_load_failing_halfway_leaves_the_indexes_and_rows_as_they_were(seeded_db, monkeypatch):
    from demo import services

    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    before, enterprises = schema(), Enterprise.objects.count()
    original = services.copy_write
    written = []

    def failing(prepared):
        if written:
            raise RuntimeError("interrupted")
        written.append(prepared)
        original(prepared)

    monkeypatch.setattr(services, "copy_write", failing)
    monkeypatch.setattr(services, "BLOCKS_PER_CHUNK", 1)
    with pytest.raises(RuntimeError):
        demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert written and schema() == before
    assert Enterprise.objects.count() == enterprises


def test_a_county_meeting_a_record_in_its_second_pass_is_completed_in_bulk(seeded_db, monkeypatch):
    # its townships, villages and enterprises are copied by the first pass; a contract typed
    # in under one of its numbers fails the second, which the bulk path then completes
    from enterprises.models import EnterpriseYearlyFigure

    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    generated = DemoGenerator(enterprises_per_block=ENTERPRISES)
    district = generated.block(0)
    block = generated.block(1)
    number = block.rows[TechContract][3].obj.registration_number
    existing = TechContract.objects.first()
    existing.pk, existing.registration_number = None, number
    existing.save()
    figures = EnterpriseYearlyFigure.objects.count()
    result = demo_seed(scale="city", enterprises_per_block=ENTERPRISES)
    assert result.added[Enterprise] == 2 * ENTERPRISES
    assert result.existing[Enterprise] == ENTERPRISES  # the district's: counted once
    assert result.existing[TechContract] == len(district.rows[TechContract]) + 1
    assert TechContract.objects.get(registration_number=number).pk == existing.pk
    two = len(block.rows[EnterpriseYearlyFigure]) + len(
        generated.block(2).rows[EnterpriseYearlyFigure]
    )
    assert EnterpriseYearlyFigure.objects.count() == figures + two


def test_copy_lines_escape_what_copy_reads_as_syntax():
    import datetime

    enterprise = demo_generator.new(
        Enterprise, credit_code="91370302MA3C000017", name="甲\t乙\\丙\n丁\r戊\u3000己", address=""
    )
    table = pgcopy.Table(Enterprise, now=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    [line] = table.lines([enterprise])
    cells = line.split("\t")
    assert "甲\\t乙\\\\丙\\n丁\\r戊\u3000己" in cells
    assert "91370302MA3C000017" in cells and "" in cells and pgcopy.NULL in cells
