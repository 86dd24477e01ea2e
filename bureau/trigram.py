"""Trigram indexes for the header search on PostgreSQL (``pg_trgm``).

The search matches a fragment anywhere in a name (Django's ``icontains``: on PostgreSQL
``UPPER(column) LIKE UPPER('%fragment%')``). A B-tree cannot serve that, so at province scale
(200,000 enterprises) a search that matches little read the whole table in name order, about a
second. A GIN index of the trigrams of ``UPPER(column)`` serves it for fragments of three or
more characters, in a millisecond; shorter ones still read the table (a trigram needs three).

A migration adds them with ``trigram_indexes(table, columns)``: the extension, then one index a
column. The indexes are not in the models' ``Meta`` because Django cannot declare an index on an
expression with an operator class portably.
"""

from django.db import migrations
from django.db.models.expressions import Col
from django.db.models.lookups import IContains


def _name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def _gin_indexes(table: str, columns, name, expression: str, *, setup: str = ""):
    """A migration's RunPython that builds a GIN index named ``name(table, column)`` over
    ``expression`` (``{column}`` stands for the quoted column) for each of ``columns``, after the
    ``setup`` SQL, then analyses the table: the planner needs the indexed expression's
    statistics to prefer the index only for rare texts (a common one is read faster in the
    list's own order). Reversed by dropping the indexes."""

    def forwards(apps, schema_editor):
        quote = schema_editor.quote_name
        if setup:
            schema_editor.execute(setup)
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(name(table, column))} ON {quote(table)} "
                f"USING gin ({expression.format(column=quote(column))})"
            )
        schema_editor.execute(f"ANALYZE {quote(table)}")

    def backwards(apps, schema_editor):
        for column in columns:
            schema_editor.execute(
                f"DROP INDEX IF EXISTS {schema_editor.quote_name(name(table, column))}"
            )

    return migrations.RunPython(forwards, backwards, elidable=False)


def _trigram_extension(apps, schema_editor):
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def trigram_indexes(table: str, columns: tuple[str, ...]) -> list:
    """The operations of a migration that indexes ``columns`` of ``table`` for ``icontains``:
    the extension (kept when the migration is reversed: other tables' indexes need it, and
    Django's ``TrigramExtension`` dropping it made every such reversal fail), then the
    indexes."""
    return [
        migrations.RunPython(_trigram_extension, migrations.RunPython.noop, elidable=False),
        _gin_indexes(table, columns, _name, "UPPER({column}::text) gin_trgm_ops"),
    ]


# --- Texts of one or two characters ------------------------------------------------------------
# A trigram index cannot serve them, so without help a search for 科技 or 铝 reads a table in its
# list's order until enough rows match: all of it when they are rare or come late in that order
# (0.6–1.1 s for the header search at province scale). ``short_text_indexes`` adds a GIN index on
# the two-character substrings of ``UPPER(column)`` and its last character (``SHORT_GRAMS``, as a
# ``tsvector`` of those strings, nothing stemmed), and ``ShortIContains`` (an ``icontains`` that
# knows it) adds the ``tsquery`` the index serves for such texts on those columns
# (``SHORT_GRAMS_QUERY``): the text itself for two characters, any substring starting with it
# (``'龙':*``, a prefix the index reads as a range of its keys) for one. The conditions are the
# same set of rows (two characters are in a string iff they are one of its two-character
# substrings; one is iff it starts one of them or ends the string; PostgreSQL's ``UPPER`` under a
# libc locale keeps a string's length), so results do not change; the planner reads the index
# when the text is rare and still reads the list's order when it is common.
#
# The single characters are not keys of their own: an array of every one- and two-character
# substring (the first form of this index) gave each value twice the keys, and its index was
# most of what an import of enterprises paid the database (50,000 names: 1.2 s of a 3.3 s COPY,
# 0.3 s now).

SHORT_GRAMS = "search_grams"
SHORT_GRAMS_QUERY = "search_grams_query"
SHORT_TEXT = 3  # texts shorter than a trigram use the short-text index

# COST 500 (about 8 µs a call, 20 times a LIKE): what the planner charges for reading the
# list's order and computing the arrays row by row, so that it prefers the index unless the text
# is common enough that a few rows of that order suffice. At the default (100) it read the
# enterprises in name order for 龙, whose 5,200 matches all come last (143 ms; 47 ms at 500).

# The columns with a trigram index (the migrations enterprises 0005, platforms 0004 and 0006,
# bureau 0008, talents 0003, poverty 0003).
TRIGRAM_COLUMNS = {
    "enterprises_enterprise": ("name", "credit_code", "legal_representative"),
    "platforms_platform": ("name", "document_number"),
    "bureau_village": ("name", "code"),
    "talents_talentproject": ("candidate", "title"),
    "talents_foreignexpert": ("name", "passport_number"),
    "talents_introproject": ("title", "expert_names"),
    "poverty_commissioner": ("name", "sending_unit", "specialty"),
}

# The columns indexed by ``short_text_indexes`` (the migrations name the same), by table: those
# with a trigram index but the credit code, whose 18 characters give the most substrings of any
# column, which every import of enterprises pays for, and one or two characters of which match
# most codes (a search for them reads a few rows in order) or none anyone types.
SHORT_TEXT_COLUMNS = {
    table: tuple(c for c in columns if (table, c) != ("enterprises_enterprise", "credit_code"))
    for table, columns in TRIGRAM_COLUMNS.items()
}

_SHORT_GRAMS_SQL = f"""
CREATE OR REPLACE FUNCTION {SHORT_GRAMS}(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 500 AS $$
    SELECT array_to_tsvector(
        ARRAY(SELECT substr(value, i, 2) FROM generate_series(1, length(value)) AS i)
    )
$$;
CREATE OR REPLACE FUNCTION {SHORT_GRAMS_QUERY}(value text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- the text as one quoted lexeme (its quotes and backslashes doubled), a prefix when alone
    SELECT (
        chr(39) || replace(replace(value, chr(92), repeat(chr(92), 2)), chr(39), repeat(chr(39), 2))
        || chr(39) || CASE WHEN length(value) = 1 THEN ':*' ELSE '' END
    )::tsquery
$$;
"""


def _short_name(table: str, column: str) -> str:
    return f"{table}_{column}_short"[:63]


def short_text_indexes(table: str, columns: tuple[str, ...], *, replace: bool = False) -> list:
    """The operations of a migration that indexes ``columns`` of ``table`` for ``icontains`` of
    one or two characters (with ``ShortIContains``): the planner reads the indexed values' most
    common keys to tell a rare text from a common one. The functions are created by whichever
    migration runs first and kept when they are reversed (they cost nothing). ``replace``
    drops an index of the same name first (one of the array's first form)."""
    expression = f"{SHORT_GRAMS}(UPPER({{column}}::text))"
    setup = _SHORT_GRAMS_SQL
    if replace:
        drops = "".join(f'DROP INDEX IF EXISTS "{_short_name(table, c)}";' for c in columns)
        setup = drops + setup
    return [_gin_indexes(table, columns, _short_name, expression, setup=setup)]


class ShortIContains(IContains):
    """``icontains`` that, for a text shorter than three characters on a column of
    ``SHORT_TEXT_COLUMNS``, also states the condition the short-text index serves. Used as an
    expression: ``filter(ShortIContains(F("name"), text))``. On other columns it is
    ``icontains``."""

    def as_postgresql(self, compiler, connection):
        column = self.lhs
        target = getattr(column, "target", None)
        if (
            not isinstance(self.rhs, str)
            or not 0 < len(self.rhs) < SHORT_TEXT
            or not isinstance(column, Col)
            or target.column not in SHORT_TEXT_COLUMNS.get(target.model._meta.db_table, ())
        ):
            return self.as_sql(compiler, connection)
        column_sql, column_params = compiler.compile(column)
        # ``strpos`` rather than the LIKE: the same rows (icontains escapes its wildcards), but
        # no trigram index serves it, and one would be chosen for a LIKE of two characters,
        # which it cannot narrow (12,000 commissioners rechecked, 130 ms). It comes first:
        # where the list's order is read, it rejects a row more cheaply than the array.
        value = f"UPPER({column_sql}::text)"
        grams = f"{SHORT_GRAMS}({value}) @@ {SHORT_GRAMS_QUERY}(UPPER(%s))"
        return (
            f"(strpos({value}, UPPER(%s)) > 0 AND {grams})",
            (*column_params, self.rhs, *column_params, self.rhs),
        )
