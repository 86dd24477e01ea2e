"""The batch writes' speed device: ``COPY`` instead of one ``INSERT`` or ``UPDATE`` per record.

Justified by ``scripts/bench/import_bench.py`` (50,000 enterprises: the import within 2x a bare
COPY of the same rows and more than 3x django-import-export tuned, which writes with
``bulk_create``) and ``scripts/bench/seed_bench.py``; ``docs/batch-writes.md`` has the figures.
Only ``bureau.services.records_bulk_write`` calls it: every row it is handed has passed
``record_prepare`` and the batch's uniqueness check there.

New rows go in with ``COPY`` (ids reserved from the table's sequence first, so the history rows
can name them), changed rows through ``COPY`` into a temporary table and one ``UPDATE ...
FROM``, many-to-many links with one ``INSERT``. Each record gets the history rows its
``record_save`` would have left (simple_history's ``+`` when added, ``~`` when changed and
again when its links were set, the links' own history rows with it), written by the server from
the rows just written. Database constraints still guard the write: a violation rolls the
batch back.
"""

import csv
import io
import itertools
import operator
import uuid

from django.db import connection
from django.utils import timezone
from simple_history.models import HistoricalRecords

COPY_CHUNK = 20_000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def write(
    model,
    *,
    new: list,
    changed: list,
    changed_fields: set[str],
    user,
    reason: str,
    now: str | None = None,
) -> None:
    """Insert ``new`` and update ``changed`` (instances already carrying their new values).
    ``now``: the import's timestamp (``stamp()``), when some of its rows went in already."""
    if now is None:
        now = stamp()
    concrete = model._meta.concrete_fields
    on_create = [
        f.attname
        for f in concrete
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    on_update = [f.attname for f in concrete if getattr(f, "auto_now", False)]
    for instance in new:
        data = instance.__dict__
        for attname in on_create:
            data[attname] = now
    for instance in changed:
        data = instance.__dict__
        for attname in on_update:
            data[attname] = now
    fields = sorted(changed_fields | _auto_now_fields(model))
    if new:
        _copy_insert(model, new, user=user, reason=reason, now=now)
    if changed:
        _copy_update(model, changed, fields, user=user, reason=reason, now=now)


def stamp() -> str:
    """The timestamp of one batch's writes; as text for COPY, formatted once rather than per
    row and column."""
    return timezone.now().isoformat()


def _auto_now_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}


def _copy(cursor, table: str, fields: list, rows) -> None:
    """``COPY table FROM STDIN`` in CSV chunks written by the C ``csv`` module.

    Strings are quoted (an empty string stays empty) and ``None`` comes out as a quoted empty
    field, which ``FORCE_NULL`` turns into NULL for the nullable columns.
    """
    sql = _copy_sql(table, fields)
    rows = iter(rows)
    while True:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerows(itertools.islice(rows, COPY_CHUNK))
        if not buffer.tell():
            return
        buffer.seek(0)
        # as Django's errors, so a refused row ends as any refused write does
        with connection.wrap_database_errors:
            cursor.copy_expert(sql, buffer)


class QueryDuringCopy(Exception):
    """Something tried to query the database while rows were streaming into a COPY (the
    connection can do nothing else until the COPY ends)."""


def _refuse_queries(execute, sql, params, many, context):
    raise QueryDuringCopy(sql)


class _LazyCopy:
    """The file ``copy_expert`` reads: each ``read()`` formats the next rows ``rows`` yields,
    and so runs whatever produces them (the importer's validation) only as PostgreSQL asks for
    more. What ``rows`` raises is kept in ``failure``: psycopg2 reports it as a cancelled COPY."""

    def __init__(self, rows, per_read: int):
        self.rows = rows
        self.per_read = per_read
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        self.failure = None

    def read(self, size=-1):
        buffer = self.buffer
        buffer.seek(0)
        buffer.truncate()
        try:
            self.writer.writerows(itertools.islice(self.rows, self.per_read))
        except BaseException as error:
            self.failure = error
            raise
        return buffer.getvalue()


def insert_streaming(model, instances, *, reserve: int, user, reason: str, now, per_read=2000):
    """Insert the instances the iterable ``instances`` yields (at most ``reserve``), with their
    history rows, in one COPY that takes each row as soon as it is yielded: PostgreSQL inserts
    the rows already sent while ``instances`` works out the next ones. Returns the instances
    written, with their ids.

    ``instances`` may not query the database: the connection is busy with the COPY until it
    ends, so a query raises ``QueryDuringCopy``. Whatever ``instances`` raises, or the COPY
    raises (a unique index refusing a row), is raised here after the COPY stopped, with the
    instances as they were (no id, no timestamps); the caller rolls the transaction back to
    before the call."""
    meta = model._meta
    fields = list(meta.concrete_fields)
    on_create = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    get = operator.attrgetter(*(f.attname for f in fields))
    written = []

    def rows():
        pks = iter(pk for (pk,) in reserved)
        for instance in instances:
            data = instance.__dict__
            data[meta.pk.attname] = next(pks)
            for attname in on_create:
                data[attname] = now
            written.append(instance)
            yield get(instance)

    with connection.cursor() as cursor:
        if not reserve:
            reserved = []
        else:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, reserve],
            )
            reserved = cursor.fetchall()
        reader = _LazyCopy(rows(), per_read)
        try:
            with connection.execute_wrapper(_refuse_queries), connection.wrap_database_errors:
                cursor.copy_expert(_copy_sql(meta.db_table, fields), reader)
        except BaseException as error:
            for instance in written:
                data = instance.__dict__
                data[meta.pk.attname] = None
                for attname in on_create:
                    data[attname] = None
            if reader.failure is not None and reader.failure is not error:
                raise reader.failure from None
            raise
        for instance in written:
            instance._state.adding = False
            instance._state.db = connection.alias
        if written and hasattr(model, "history"):
            _history(cursor, model, written, history_type="+", user=user, reason=reason, now=now)
    return written


def _copy_sql(table: str, fields: list) -> str:
    qn = connection.ops.quote_name
    options = "FORMAT csv"
    nullable = [qn(f.column) for f in fields if f.null]
    if nullable:
        options += f", FORCE_NULL ({', '.join(nullable)})"
    return (
        f"COPY {qn(table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN WITH ({options})"
    )


def _history_rows(model, instances, *, history_type: str, user, reason: str, now):
    """The simple_history rows of ``instances``: the record's columns plus who, when, why."""
    history = model.history.model
    special = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": getattr(user, "pk", None),
        "history_change_reason": reason,
    }
    own = [
        f
        for f in history._meta.concrete_fields
        if f.attname not in special and f.attname != "history_id"
    ]
    extra = [history._meta.get_field(name.removesuffix("_id")) for name in special]
    fixed = tuple(special.values())
    get = operator.attrgetter(*(f.attname for f in own))
    return history._meta.db_table, own + extra, (get(obj) + fixed for obj in instances)


def _copy_insert(model, instances, *, user, reason, now) -> None:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias
        fields = list(meta.concrete_fields)
        get = operator.attrgetter(*(f.attname for f in fields))
        _copy(cursor, meta.db_table, fields, map(get, instances))
        if hasattr(model, "history"):
            _history(cursor, model, instances, history_type="+", user=user, reason=reason, now=now)


def _history(cursor, model, instances, *, history_type: str, user, reason: str, now) -> None:
    """The history rows of ``instances``, just written: copied from the table by the server
    (``INSERT ... SELECT``), so they hold what the table holds and never cross the wire;
    through ``COPY`` when a history column has no column of the same field in the table."""
    history = model.history.model
    qn = connection.ops.quote_name
    special = ("history_date", "history_type", "history_user", "history_change_reason")
    own = [
        f
        for f in history._meta.concrete_fields
        if f.name not in special and f.attname != "history_id"
    ]
    names = {f.name: f.column for f in model._meta.concrete_fields}
    if any(f.name not in names for f in own):
        _copy(
            cursor,
            *_history_rows(
                model, instances, history_type=history_type, user=user, reason=reason, now=now
            ),
        )
        return
    targets = [f.column for f in own] + [history._meta.get_field(name).column for name in special]
    sources = ", ".join(f"m.{qn(names[f.name])}" for f in own)
    pk = qn(model._meta.pk.column)
    pks = [instance.pk for instance in instances]
    for start in range(0, len(pks), COPY_CHUNK * 5):
        cursor.execute(
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(qn(c) for c in targets)}) "
            f"SELECT {sources}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} AS m "
            f"WHERE m.{pk} = ANY(%s) ORDER BY m.{pk}",
            [
                now,
                history_type,
                getattr(user, "pk", None),
                reason,
                pks[start : start + COPY_CHUNK * 5],
            ],
        )


def _copy_update(model, instances, fields: list[str], *, user, reason, now) -> None:
    meta = model._meta
    qn = connection.ops.quote_name
    concrete = meta.concrete_fields
    temp = f"import_{uuid.uuid4().hex[:12]}"
    targets = [meta.get_field(name) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {qn(temp)} (LIKE {qn(meta.db_table)} INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
        get = operator.attrgetter(*(f.attname for f in concrete))
        _copy(cursor, temp, list(concrete), map(get, instances))
        assignments = ", ".join(f"{qn(f.column)} = t.{qn(f.column)}" for f in targets)
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} AS m SET {assignments} FROM {qn(temp)} AS t "
            f"WHERE m.{qn(meta.pk.column)} = t.{qn(meta.pk.column)}"
        )
        cursor.execute(f"DROP TABLE {qn(temp)}")
        if hasattr(model, "history"):
            _history(cursor, model, instances, history_type="~", user=user, reason=reason, now=now)


def link(model, links: dict[str, dict[int, list[int]]], *, user, reason: str, now) -> None:
    """Add the many-to-many links of records just added: ``{field name: {record id: [target
    ids]}}``. As ``record_save``'s ``set()`` does, each record whose field gains links gets a
    ``~`` history row after them, carrying the links' own history rows (simple_history's
    ``m2m_fields``)."""
    qn = connection.ops.quote_name
    tracked = (
        getattr(model.history.model, "_history_m2m_fields", ()) if hasattr(model, "history") else ()
    )
    with connection.cursor() as cursor:
        for name, targets in links.items():
            field = model._meta.get_field(name)
            through = field.remote_field.through._meta
            source = qn(through.get_field(field.m2m_field_name()).column)
            target = qn(through.get_field(field.m2m_reverse_field_name()).column)
            pairs = [(pk, t) for pk, ts in targets.items() for t in dict.fromkeys(ts)]
            if not pairs:
                continue
            sources, ends = zip(*pairs, strict=True)
            cursor.execute(
                f"INSERT INTO {qn(through.db_table)} ({source}, {target}) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                [list(sources), list(ends)],
            )
            if not hasattr(model, "history"):
                continue
            linked = [pk for pk, ts in targets.items() if ts]
            histories = _history_of(cursor, model, linked, user=user, reason=reason, now=now)
            for other in tracked:
                _link_history(cursor, model, other, histories)


def _history_of(cursor, model, pks: list[int], *, user, reason: str, now) -> list[int]:
    """A ``~`` history row for each record of ``pks``, as the table holds it; their ids."""
    history = model.history.model
    qn = connection.ops.quote_name
    special = ("history_date", "history_type", "history_user", "history_change_reason")
    own = [
        f
        for f in history._meta.concrete_fields
        if f.name not in special and f.attname != "history_id"
    ]
    names = {f.name: f.column for f in model._meta.concrete_fields}
    targets = [f.column for f in own] + [history._meta.get_field(name).column for name in special]
    sources = ", ".join(f"m.{qn(names[f.name])}" for f in own)
    pk = qn(model._meta.pk.column)
    cursor.execute(
        f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(qn(c) for c in targets)}) "
        f"SELECT {sources}, %s, '~', %s, %s FROM {qn(model._meta.db_table)} AS m "
        f"WHERE m.{pk} = ANY(%s) ORDER BY m.{pk} RETURNING history_id",
        [now, getattr(user, "pk", None), reason, pks],
    )
    return [row[0] for row in cursor.fetchall()]


def _link_history(cursor, model, field, histories: list[int]) -> None:
    """The links of ``field`` as they stand, copied beside the history rows ``histories``."""
    qn = connection.ops.quote_name
    m2m_history = HistoricalRecords.m2m_models[field]._meta
    through = field.remote_field.through._meta
    columns = [f.column for f in through.concrete_fields]
    source = qn(through.get_field(field.m2m_field_name()).column)
    record = qn(model.history.model._meta.get_field(model._meta.pk.name).column)
    cursor.execute(
        f"INSERT INTO {qn(m2m_history.db_table)} "
        f"({', '.join(qn(c) for c in columns)}, {qn('history_id')}) "
        f"SELECT {', '.join('t.' + qn(c) for c in columns)}, h.history_id "
        f"FROM {qn(through.db_table)} AS t "
        f"JOIN {qn(model.history.model._meta.db_table)} AS h ON h.{record} = t.{source} "
        f"WHERE h.history_id = ANY(%s) ORDER BY h.history_id, t.{qn(through.pk.column)}",
        [histories],
    )
