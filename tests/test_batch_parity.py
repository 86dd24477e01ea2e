"""One batch write: a batch written through ``records_bulk_write`` leaves what ``record_save``
row by row leaves, for every declared entity.

For each entity (``portal.registry``, with its test case in ``tests.crud_cases``), a batch of at
least 50 new records: valid ones made distinct on every unique field, the same rows with one
field at a time set to a value the model's rules may refuse (``tests.test_write_parity``'s
variants), exact copies of earlier rows (a clash inside the batch) and a copy of a record
already in the database. It is written twice from the same state, each time rolled back:
through ``record_save`` one record at a time (each in a savepoint, as a form would save it), and
through ``records_bulk_write`` with ``skip_invalid``. The two give the same records, the same
history rows (many-to-many links' history included; ids and times aside) and the same refusals
word for word, record by record.
"""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction

from bureau.services import _unique_sets, record_save, records_bulk_write
from bureau.validators import validate_credit_code
from portal import registry
from talents.models import TalentStage
from tests.crud_cases import CASES_BY_MODEL
from tests.factories import valid_credit_code
from tests.test_write_parity import _variants

pytestmark = pytest.mark.django_db

REASON = "批量写入对照"
TIMES = {"id", "created_at", "updated_at", "history_id", "history_date", "m2m_history_id"}
ROWS = 50

VIEWSETS = [v for v in registry.viewsets() if v.model in CASES_BY_MODEL]


def test_every_declared_entity_is_tried():
    assert len(VIEWSETS) == len(CASES_BY_MODEL) > 20


def _instance(model, data: dict):
    """The record a form would build from ``data`` (its values read as the model reads them),
    and its many-to-many choices."""
    instance = model()
    links = {}
    for name, value in data.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            links[name] = [int(v) for v in value or ()]
            continue
        if isinstance(field, models.BooleanField):
            value = value in ("on", True, "True", "true")
        elif value in ("", None):
            value = None if field.null else field.get_default()
        elif field.is_relation:
            value = int(value)
        else:
            value = field.to_python(value)
        setattr(instance, field.attname, value)
    return instance, links


def _distinct(model, data: dict, n: int) -> dict:
    """``data`` made distinct on the unique fields (the ``n``-th of its kind), where a field
    of the set can be varied: a text gets a suffix, a credit code another number, a year
    another year. Sets it cannot vary stay as they are: their copies clash, which both writes
    must refuse alike."""
    data = dict(data)
    instance, _links = _instance(model, data)
    for check in _unique_sets(instance):
        for name in check.names:
            field = model._meta.get_field(name)
            if name not in data or field.is_relation or field.choices:
                continue
            if validate_credit_code in field.validators:
                data[name] = valid_credit_code(700_000 + n)
            elif isinstance(field, models.CharField) and str(data[name]).isdigit():
                value = str(data[name])  # a code: another number of the same length
                data[name] = str(int(value) + 7 * n).zfill(len(value))[-len(value) :]
            elif isinstance(field, models.CharField):
                suffix = f"-{n}"
                data[name] = str(data[name])[: field.max_length - len(suffix)] + suffix
            elif name == "year":
                data[name] = str(2000 + n % (datetime.date.today().year - 1999))
            elif isinstance(field, models.DateField):
                day = datetime.date.fromisoformat(str(data[name])) - datetime.timedelta(days=n)
                data[name] = day.isoformat()
            else:
                continue
            break
    return data


def _batch(viewset, case, township) -> tuple[dict, list[dict]]:
    """A record to have in the database, and the batch: each row from its own test data (its
    related records made afresh: a key village's village, a stage's project)."""
    model = viewset.model
    data = case.data(township)
    rows = [_distinct(model, case.data(township), n) for n in range(1, 21)]
    for n, (name, value) in enumerate(_variants(model, viewset, data), start=21):
        rows.append({**_distinct(model, case.data(township), n), name: value})
    rows += [dict(rows[0]), dict(rows[3]), dict(data)]  # copies: in the batch, in the database
    n = 100
    while len(rows) < ROWS:
        rows.append(_distinct(model, case.data(township), n))
        n += 1
    return data, rows


def _answer(error: Exception):
    if isinstance(error, PermissionDenied):
        return str(error)
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}


def _state(model, before: dict) -> tuple:
    """The records, history rows and link history rows written since ``before``, ids and
    times aside."""

    source = f"{model._meta.model_name}_id"  # a link's record, by its place in the batch
    new = model._default_manager.filter(pk__gt=before["record"]).order_by("pk")
    place = {pk: n for n, pk in enumerate(new.values_list("pk", flat=True))}

    def rows(queryset, above):
        found = queryset.filter(pk__gt=above).values()
        return sorted(
            tuple(
                sorted(
                    (k, str(place.get(v) if k == source else v))
                    for k, v in row.items()
                    if k not in TIMES
                )
            )
            for row in found
        )

    history = model.history.model
    state = [rows(model._default_manager.all(), before["record"])]
    state.append(rows(history.objects.all(), before["history"]))
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        state.append(rows(through.objects.all(), before[field.name]))
        m2m_history = getattr(history, field.name, None)
        if m2m_history is not None:
            manager = m2m_history.model if hasattr(m2m_history, "model") else None
            if manager is not None:
                state.append(rows(manager.objects.all(), before[f"h:{field.name}"]))
    return tuple(state)


def _marks(model) -> dict:
    def top(queryset):
        return queryset.aggregate(m=models.Max("pk"))["m"] or 0

    history = model.history.model
    marks = {"record": top(model._default_manager.all()), "history": top(history.objects.all())}
    for field in model._meta.many_to_many:
        marks[field.name] = top(field.remote_field.through.objects.all())
        m2m_history = getattr(history, field.name, None)
        if m2m_history is not None and hasattr(m2m_history, "model"):
            marks[f"h:{field.name}"] = top(m2m_history.model.objects.all())
    return marks


def _row_by_row(model, rows, user, existing):
    with transaction.atomic():
        record_save(instance=_instance(model, existing)[0], user=user)
        before = _marks(model)
        answers = []
        for data in rows:
            instance, links = _instance(model, data)
            instance._change_reason = REASON
            try:
                with transaction.atomic():
                    record_save(instance=instance, user=user, m2m=links or None)
            except (ValidationError, PermissionDenied) as error:
                answers.append(_answer(error))
            else:
                answers.append(None)
        state = _state(model, before)
        transaction.set_rollback(True)
    return state, answers


def _in_a_batch(model, rows, user, existing, *, in_order):
    with transaction.atomic():
        record_save(instance=_instance(model, existing)[0], user=user)
        before = _marks(model)
        built = [_instance(model, data) for data in rows]
        outcome = records_bulk_write(
            model=model,
            new=[instance for instance, _links in built],
            links=[links for _instance_, links in built],
            user=user,
            reason=REASON,
            skip_invalid=True,
            in_order=in_order,
        )
        refused = {id(instance): error for instance, error in outcome.refused}
        answers = [
            _answer(refused[id(instance)]) if id(instance) in refused else None
            for instance, _links in built
        ]
        state = _state(model, before)
        transaction.set_rollback(True)
    return state, answers


@pytest.mark.parametrize("viewset", VIEWSETS, ids=[v.model._meta.model_name for v in VIEWSETS])
def test_a_batch_through_records_bulk_write_leaves_what_record_save_leaves(
    viewset, township, admin_user
):
    model = viewset.model
    existing, rows = _batch(viewset, CASES_BY_MODEL[model], township)
    assert len(rows) >= ROWS
    # A stage's clean() reads the project's other stages, those earlier in the batch too: its
    # batch is checked and written in order (the import's row_by_row). Every other entity,
    # many-to-many links included, takes the COPY path.
    in_order = model is TalentStage
    one_by_one, said = _row_by_row(model, rows, admin_user, existing)
    batch, answered = _in_a_batch(model, rows, admin_user, existing, in_order=in_order)
    assert any(a is None for a in said), f"{model.__name__}: nothing valid, nothing compared"
    assert any(a is not None for a in said), f"{model.__name__}: nothing refused"
    for n, (one, other) in enumerate(zip(said, answered, strict=True)):
        assert one == other, f"{model.__name__} row {n}: {rows[n]}"
    assert batch == one_by_one
