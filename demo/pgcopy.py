"""Writing new demo records into PostgreSQL with COPY: the path of the city and province scales.

``INSERT`` through ``bulk_create`` costs about 250 µs a row in Django (the SQL of every value
compiled, every row sent as parameters); ``COPY ... FROM STDIN`` takes the rows as one block of
text that PostgreSQL parses itself, and the rows are formatted here in a few microseconds each
(one generated function per model). The database checks what it checks on an ``INSERT``:
not-null, check constraints, unique indexes; foreign keys by their triggers or, where the role
may skip those, by one anti-join per column (``row_triggers_skipped``, ``check_references``).

COPY returns no ids, so each record gets its id first, from its table's own sequence
(``nextval`` over ``generate_series``: safe beside other writers, and the sequence never falls
behind the rows); ``finish`` sets every sequence to its table's largest id and refreshes the
planner's statistics, as a large load needs.
"""

import datetime
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Field, Model

from bureau.services import records_written_tell

NULL = r"\N"
BUFFER_CHARS = 1 << 20  # what psycopg2 sends to the server at a time
BUILD_MEMORY = "256MB"  # maintenance_work_mem while the deferred indexes are built
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")

Line = Callable[[dict], str]
# (table, columns, the rows in COPY's text format, UTF-8)
Copy = tuple[str, list[str], bytes]


def text(value) -> str:
    """A text cell: COPY's text format escapes a backslash, tab, newline or carriage return
    (four replace() calls take a fifth of the time of one translate() with a table)."""
    if value is None:
        return NULL
    value = str(value)
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _cell(field: Field, now: str) -> str:
    """The expression turning ``field``'s value in an instance's ``__dict__`` (``d``) into a
    COPY cell; ``v`` holds the value, ``N`` is NULL."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return repr(now)  # as pre_save() sets them on an insert
    value = f"(v := d[{field.attname!r}]) is None"
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return f'N if {value} else "t" if v else "f"'
    if kind == "JSONField":
        return f"N if {value} else text(dumps(v))"
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        # Most values need no escaping: told in C (isprintable() is False for a tab, a
        # newline or a carriage return), without calling text().
        fast = "isinstance(v, str) and v.isprintable() and '\\\\' not in v"
        return f"N if {value} else v if {fast} else text(v)"
    if field.is_relation or kind in _PLAIN:
        return f"N if {value} else str(v)"
    if kind in ("DateField", "DateTimeField"):
        return f"N if {value} else v.isoformat()"
    raise TypeError(f"{field.model.__name__}.{field.name}: no COPY format for {kind}")


def _line(fields: list[Field], now: str) -> Line:
    """One function formatting a record's line, its cells written out: a third of the time of
    calling one small function per cell, for the 2.6 million lines of a province."""
    cells = "".join(f"\n        {_cell(f, now)}," for f in fields)
    namespace = {"N": NULL, "text": text, "dumps": json.dumps}
    exec(f"def line(d):\n    return '\\t'.join(({cells}\n    ))", namespace)  # noqa: S102
    return namespace["line"]


_PLAIN = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "DecimalField",
    "FloatField",
}


class Table:
    """The COPY of one model's new records (and of their creation history rows)."""

    def __init__(self, model: type[Model], *, now: datetime.datetime, reason: str = ""):
        self.model = model
        fields = model._meta.concrete_fields
        stamp = now.isoformat()
        self.columns = [f.column for f in fields]
        self.line = _line(fields, stamp)
        # (attname, name, the attname of the field it points at) of each foreign key
        self.relations = [
            (f.attname, f.name, f.target_field.attname) for f in fields if f.is_relation
        ]
        self.history = None
        records = getattr(model, "history", None)
        if records is not None:
            historical = records.model
            names = {f.attname for f in historical._meta.concrete_fields}
            expected = {f.attname for f in fields} | {"history_id", *HISTORY_FIELDS}
            if names != expected:  # pragma: no cover - a history field this writer does not know
                raise TypeError(f"{historical.__name__}: fields {sorted(names ^ expected)}")
            self.history = (
                historical._meta.db_table,
                [*self.columns, *HISTORY_FIELDS],
                "\t" + "\t".join([stamp, text(reason), "+", NULL]),
            )

    def attach(self, objs: Iterable[Model]) -> None:
        """Copy each related record's id into its foreign key: a record written (or given its
        id to be written) before, or found in the database; any other is an error."""
        relations = self.relations
        for obj in objs:
            values, cache = obj.__dict__, obj._state.fields_cache
            for attname, name, target in relations:
                parent = cache.get(name)
                if parent is not None:
                    if parent._state.adding:
                        raise ValueError(f"{obj!r}: its {name} {parent!r} is not written")
                    values[attname] = parent.__dict__[target]

    def lines(self, objs: Iterable[Model]) -> list[str]:
        line = self.line
        return [line(obj.__dict__) for obj in objs]

    def copies(self, objs: list[Model], *, history: bool = False) -> list[Copy]:
        """The COPY data of ``objs`` (ids and foreign keys set), and of their history rows
        with ``history``: what ``copy_data`` writes, made without the database."""
        lines = self.lines(objs)
        copies = [(self.model._meta.db_table, self.columns, _data(lines))]
        if history and self.history:
            table, columns, suffix = self.history
            copies.append((table, columns, _data([line + suffix for line in lines])))
        return copies

    def copy(self, objs: list[Model], *, history: bool = False) -> None:
        for copy in self.copies(objs, history=history):
            copy_data(*copy)


def _data(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""


def copy_lines(table: str, columns: list[str], lines: list[str]) -> None:
    copy_data(table, columns, _data(lines))


def copy_data(table: str, columns: list[str], data: bytes) -> None:
    if not data:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # Django wraps execute()'s errors in its own (IntegrityError ...), not copy_expert()'s
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(sql, io.BytesIO(data), BUFFER_CHARS)


def allocate_ids(model: type[Model], objs: list[Model]) -> tuple[int, int]:
    """Give ``objs`` (at least one) ids from their table's sequence, as the inserts would
    have; the smallest and the largest.

    The ids come back as runs of consecutive values (one, unless another session drew from
    the sequence meanwhile) rather than one row each: a tenth of the time for a chunk."""
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH ids AS (SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass)) "
            "AS id FROM generate_series(1, %s)) "
            "SELECT min(id), max(id) FROM (SELECT id, id - row_number() OVER (ORDER BY id) "
            "AS run FROM ids) runs GROUP BY run ORDER BY 1",
            [connection.ops.quote_name(model._meta.db_table), pk.column, len(objs)],
        )
        runs = cursor.fetchall()
    ids = itertools.chain.from_iterable(range(low, high + 1) for low, high in runs)
    attname, alias = pk.attname, connection.alias
    for obj, value in zip(objs, ids, strict=True):
        obj.__dict__[attname] = value
        state = obj._state
        state.adding, state.db = False, alias
    return runs[0][0], runs[-1][1]


def link_copies(links: Iterable[tuple[Model, str, list[Model]]]) -> list[Copy]:
    """The COPY data of many-to-many links (record, field name, targets), by through table;
    the rows take their ids from the table's default."""
    by_through: dict[type[Model], tuple[list[str], list[str]]] = {}
    for obj, name, targets in links:
        m2m = obj._meta.get_field(name)
        through = m2m.remote_field.through
        if through not in by_through:
            opts = through._meta
            source = opts.get_field(m2m.m2m_field_name()).column
            target = opts.get_field(m2m.m2m_reverse_field_name()).column
            by_through[through] = ([source, target], [])
        if obj._state.adding or any(t._state.adding for t in targets):
            raise ValueError(f"{obj!r}.{name}: a record linked is not written")
        by_through[through][1].extend(f"{obj.pk}\t{t.pk}" for t in targets)
    return [
        (through._meta.db_table, columns, _data(lines))
        for through, (columns, lines) in by_through.items()
    ]


def tables_written(models: Iterable[type[Model]], *, history: bool = False) -> list[type[Model]]:
    """``models``, their many-to-many through models and, with ``history``, their history
    models: every table a load of ``models`` writes to."""
    tables: list[type[Model]] = []
    for model in models:
        tables.append(model)
        tables += [f.remote_field.through for f in model._meta.local_many_to_many]
        if history and getattr(model, "history", None) is not None:
            tables.append(model.history.model)
    return list(dict.fromkeys(tables))


def largest_ids(models: Iterable[type[Model]]) -> dict[type[Model], int]:
    """Each model's largest id now: the rows a load adds are those above it."""
    return {model: _largest_id(model) for model in models}


def check_added(largest: dict[type[Model], int]) -> None:
    """``check_references`` over the rows added since ``largest_ids`` gave ``largest``."""
    for model, low in largest.items():
        check_references(model, low + 1, None)


# The indexes a bulk load builds afterwards: no constraint needs them (neither a primary key
# nor unique), they are valid, and nothing about them lives outside their definition
# (clustering, replica identity, a comment).
_DEFERRABLE_INDEXES = """
    SELECT ci.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
    WHERE i.indrelid = ANY(%s::regclass[])
      AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
      AND i.indisvalid AND i.indisready AND i.indislive
      AND NOT i.indisclustered AND NOT i.indisreplident
      AND obj_description(i.indexrelid, 'pg_class') IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = i.indexrelid
                      AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
    ORDER BY ci.relname
"""


@contextmanager
def indexes_deferred(models: Iterable[type[Model]]) -> Iterator[list[str]]:
    """Inside a transaction: the indexes of ``models``' tables that no constraint needs
    dropped for the block, and built again after it from their own definitions
    (``pg_get_indexdef``), under the same names; yields their names.

    A B-tree or trigram index kept up row by row costs a load more than building it once
    from the loaded table (the three trigram indexes of the enterprises ten times more). The
    primary keys and unique indexes stay: they are what a COPY meeting a record already
    there fails on. Being one transaction, a failure or an interruption rolls the drop back
    with the rows: the schema is never left without them. The drop takes each table's
    exclusive lock until the commit, so other sessions wait for the load to end.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred() needs a transaction")
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in models]
    # A table with foreign-key checks pending (deferred to the commit) can be neither
    # dropped from nor indexed: they are made now, here and before the builds.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(_DEFERRABLE_INDEXES, [tables])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield [name for name, _definition in indexes]
    connection.check_constraints()
    with connection.cursor() as cursor:
        # More memory to sort in than the default 64 MB, for the builds only.
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        (memory,) = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('maintenance_work_mem', CASE WHEN pg_size_bytes(%s) > "
            "pg_size_bytes(%s) THEN %s ELSE %s END, true)",
            [BUILD_MEMORY, memory, BUILD_MEMORY, memory],
        )
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])


@contextmanager
def row_triggers_skipped() -> Iterator[bool]:
    """Skip the per-row triggers inside the block, where the role may
    (``session_replication_role``: a superuser, or a role granted SET on it); yields True if so.

    Django's foreign keys are checked by a trigger per row, deferred to the commit: 40% of the
    database's time in a load, each a lookup that also locks the parent row. The records
    pointed at are written in the same transaction or found just before, so the caller checks
    the references once per table instead, set-wise (``check_references``). The setting is
    local to the transaction and put back on the way out (a failure rolls it back anyway).
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        skipped = True
    except DatabaseError:
        skipped = False
    yield skipped
    if skipped:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def check_references(model: type[Model], low: int, high: int | None) -> None:
    """What the foreign keys' triggers would have checked, for ``model``'s rows with ids from
    ``low`` to ``high``: one anti-join per column; ``IntegrityError`` naming a missing record."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    span = f"c.{pk} >= %s" + ("" if high is None else f" AND c.{pk} <= %s")
    params = [low] if high is None else [low, high]
    with connection.cursor() as cursor:
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.db_constraint):
                continue
            parent = f.related_model._meta
            column, target = quote(f.column), quote(f.target_field.column)
            cursor.execute(
                f"SELECT c.{column} FROM {table} c WHERE {span} AND c.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {quote(parent.db_table)} p "
                f"WHERE p.{target} = c.{column}) LIMIT 1",
                params,
            )
            missing = cursor.fetchone()
            if missing:
                raise IntegrityError(
                    f"{model._meta.db_table}.{f.column} = {missing[0]}: "
                    f"no such row in {parent.db_table}"
                )


def _largest_id(model: type[Model]) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(max({quote(model._meta.pk.column)}), 0) "
            f"FROM {quote(model._meta.db_table)}"
        )
        return cursor.fetchone()[0]


def finish(
    models: Iterable[type[Model]], *, history: bool = False, analysed: Iterable[type[Model]] = ()
) -> None:
    """After a load: every sequence at its table's largest id, and fresh planner statistics
    (the planner would otherwise see the tables as they were before, empty at first) but for
    the tables ``analysed`` already since they were last written."""
    analysed = set(analysed)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in tables_written(models, history=history):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {quote(table)}",
                [quote(table)],
            )
            if model not in analysed:
                cursor.execute(f"ANALYZE {quote(table)}")
    # COPY sends no model signals: what is kept from the records (the dashboard's summaries)
    # is told which tables were written, in one transaction (the hook's ``committed`` once).
    with transaction.atomic():
        for model in models:
            records_written_tell(model)


def analyse(models: Iterable[type[Model]]) -> None:
    """Fresh planner statistics for ``models``' tables; inside the loading transaction too,
    which counts its own rows."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
