"""A record's change log as its detail page shows it: who changed what and when, each field
before and after, related records by name.

The queries are fixed whatever the log holds: the history rows (with their users), the
members of each tracked many-to-many field for all of them, and one query per related model
for every record the changes name. Reading the names one change at a time cost a query per
foreign-key edit (12 queries for a fresh record's page, 32 after ten edits).
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from portal.listing import EMPTY, plain_text


def history_entries(obj, limit: int = 50) -> list[dict]:
    """The newest ``limit`` changes of ``obj``: ``record``, ``user``, ``date``, ``type``,
    ``reason`` (a bulk action names itself: "批量修改：状态") and ``changes``, a list of
    ``(label, before, after)`` texts."""
    if not hasattr(obj, "history"):
        return []
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    if not records:
        return []
    kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    history_model = type(records[0])
    model = type(obj)
    m2m = [field.name for field in getattr(history_model, "_history_m2m_fields", ())]
    members = _members(history_model, model, m2m, records)
    pairs = list(zip(records[:limit], records[1 : limit + 1] + [None], strict=False))
    changes = []  # per entry: [(field, before, after)] with raw values (pks, sets of pks)
    for newer, older in pairs:
        found = []
        if older is not None:
            # Plain fields only: simple_history would read the members with two queries per
            # pair; they were all read above.
            delta = newer.diff_against(older, excluded_fields=m2m)
            for change in delta.changes:
                found.append((model._meta.get_field(change.field), change.old, change.new))
            for name in m2m:
                before = members[name].get(older.history_id, set())
                after = members[name].get(newer.history_id, set())
                if before != after:
                    found.append((model._meta.get_field(name), before, after))
            found.sort(key=lambda change: change[0].name)
        changes.append(found)
    names = _related_names(change for entry in changes for change in entry)
    entries = []
    for (newer, _older), found in zip(pairs, changes, strict=True):
        entries.append(
            {
                "record": newer,
                "user": newer.history_user,
                "date": newer.history_date,
                "type": kinds[newer.history_type],
                "reason": getattr(newer, "history_change_reason", "") or "",
                "changes": [
                    (field.verbose_name, _text(field, old, names), _text(field, new, names))
                    for field, old, new in found
                ],
            }
        )
    return entries


def _members(history_model, model, m2m: list[str], records) -> dict[str, dict[int, set]]:
    """``{field: {history_id: {member pk, ...}}}``: one query per tracked many-to-many field."""
    from simple_history.utils import get_m2m_reverse_field_name  # noqa: PLC0415

    members = {}
    ids = [record.history_id for record in records]
    for name in m2m:
        # simple_history's descriptor on the historical model: a manager of the members' log.
        through = getattr(history_model, name).model
        target = through._meta.get_field(get_m2m_reverse_field_name(model._meta.get_field(name)))
        found = defaultdict(set)
        for history_id, pk in through._default_manager.filter(history_id__in=ids).values_list(
            "history_id", target.attname
        ):
            found[history_id].add(pk)
        members[name] = found
    return members


def _related_names(changes) -> dict:
    """``{related model: {pk: str(record)}}`` for every record the changes name, one query per
    related model; records deleted since are left out (their pk is shown)."""
    wanted = defaultdict(set)
    for field, old, new in changes:
        if field.many_to_many:
            wanted[field.related_model].update(old, new)
        elif field.many_to_one:
            wanted[field.related_model].update(v for v in (old, new) if v is not None)
    names = {}
    for related, pks in wanted.items():
        found = related._default_manager.in_bulk(list(pks))
        names[related] = {pk: str(record) for pk, record in found.items()}
    return names


def _text(field, value, names) -> str:
    if field.many_to_many:
        shown = names.get(field.related_model, {})
        texts = sorted(shown.get(pk, str(pk)) for pk in value)
        return "、".join(texts) or EMPTY
    if value in (None, ""):
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.many_to_one:
        return names.get(field.related_model, {}).get(value, str(value))
    return plain_text(value)
