"""Names in the order people expect: pinyin, as Excel and WPS sort Chinese (东 光 佳 云 中), not
the code-point order a plain ``ORDER BY`` gives (东 中 云 佳 光).

PostgreSQL sorts by pinyin under the ICU collation ``zh-x-icu``, which a server built with ICU
(Debian's, hence both the production server and the embedded default's private cluster) has.
Every name sorted for people goes through this module: the models' ``Meta.ordering`` and list
indexes (``Pinyin("name")``), a list's column sort (``order_expression``), the report's name
lists and township breakdowns (``pinyin_sorted`` for what is sorted in Python).
``scripts/bench/collation_bench.py`` measures it (docs/pinyin-order.md has the figures).

Another database (SQLite, in a quick check without ``DATABASE_URL``) sorts the plain column.
"""

from django.db import connection, models
from django.db.models.functions import Collate

PINYIN = "zh-x-icu"


class Pinyin(Collate):
    """``expression COLLATE "zh-x-icu"`` on PostgreSQL; the expression itself elsewhere."""

    def __init__(self, expression):
        super().__init__(expression, PINYIN)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            return compiler.compile(self.get_source_expressions()[0])
        return super().as_sql(compiler, connection, **extra_context)


def _is_text(model, path: str) -> bool:
    """Whether ``path`` (``name``, ``enterprise__name``) ends at a text field without choices
    (a choice's stored key is no name)."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - an annotation or a transform: not ours to collate
            return False
        if field.is_relation:
            if field.related_model is None:
                return False
            model = field.related_model
    return isinstance(field, models.CharField | models.TextField) and not field.choices


def order_expression(model, name: str):
    """``name`` or ``-name`` as an ``order_by`` argument: text in pinyin order, anything else
    (numbers, dates, relations by their own ordering) as it was."""
    path = name.lstrip("-")
    if not _is_text(model, path):
        return name
    expression = Pinyin(path)
    return expression.desc() if name.startswith("-") else expression.asc()


def pinyin_ranks(texts) -> dict[str, int]:
    """Each of ``texts`` -> its place in the database's pinyin order: for what is read first and
    sorted after (the report's name lists). One query of the distinct texts."""
    texts = sorted({t for t in texts if isinstance(t, str)})
    if not texts:
        return {}
    if connection.vendor != "postgresql":
        return {text: i for i, text in enumerate(texts)}
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT t FROM unnest(%s::text[]) AS t ORDER BY t COLLATE "{PINYIN}"', [texts]
        )
        return {row[0]: i for i, row in enumerate(cursor.fetchall())}


def pinyin_sorted(values, key=lambda value: value) -> list:
    """``values`` sorted by the text ``key(value)`` in pinyin order (None first)."""
    values = list(values)
    rank = pinyin_ranks(key(v) for v in values)
    return sorted(values, key=lambda v: -1 if key(v) is None else rank[key(v)])


def pinyin_key(name: str) -> Collate:
    """``name COLLATE "zh-x-icu"`` for an index serving a list's pinyin order (an index takes
    Django's own ``Collate``, not a subclass; indexes are PostgreSQL's business anyway)."""
    return Collate(name, PINYIN)
