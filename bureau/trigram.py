"""Trigram indexes for the header search on PostgreSQL (``pg_trgm``).

The search matches a fragment anywhere in a name (Django's ``icontains``: on PostgreSQL
``UPPER(column) LIKE UPPER('%fragment%')``). A B-tree cannot serve that, so at province scale
(200,000 enterprises) a search that matches little read the whole table in name order, about a
second. A GIN index of the trigrams of ``UPPER(column)`` serves it for fragments of three or
more characters, in a millisecond; shorter ones still read the table (a trigram needs three).

A migration adds them with ``trigram_indexes(table, columns)``: the extension, then one index a
column, on PostgreSQL only (SQLite, the embedded default, has neither and needs none). The
indexes are not in the models' ``Meta`` because Django cannot declare an index on an
expression with an operator class portably.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def _name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def trigram_indexes(table: str, columns: tuple[str, ...]) -> list:
    """The operations of a migration that indexes ``columns`` of ``table`` for ``icontains``."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(_name(table, column))} ON {quote(table)} "
                f"USING gin (UPPER({quote(column)}::text) gin_trgm_ops)"
            )
        # The planner needs the indexed expression's statistics to prefer the index only for
        # rare fragments (a common one is read faster in the list's own order).
        schema_editor.execute(f"ANALYZE {quote(table)}")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(
                f"DROP INDEX IF EXISTS {schema_editor.quote_name(_name(table, column))}"
            )

    return [TrigramExtension(), migrations.RunPython(forwards, backwards, elidable=False)]
