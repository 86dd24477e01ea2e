"""The search box in the header: one query finds enterprises (name or credit code), people
(talent candidates, foreign experts, commissioners), projects, platforms and villages, grouped
by kind, each kind scoped to what the user may see, at most ``GLOBAL_SEARCH_PER_KIND`` of each
with a link to all of them on the kind's own list.

It reads the entity declarations (their ``search_fields`` and list pages), so it knows no
domain app by name; which kinds it searches, in which order, is a setting. A fixed number of
queries whatever the number of records or matches: a few per kind, and one per related table
whose names several kinds search (the enterprises').
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections
from django.db.models import F, Q
from django.shortcuts import render
from django.urls import reverse

from bureau import permissions
from bureau.text import clean_text
from bureau.trigram import SHORT_TEXT, TRIGRAM_COLUMNS, ShortIContains
from portal import registry

MAX_QUERY_LENGTH = 100
# Matches collected before the list's order is read (``_by_candidates``).
SEARCH_CANDIDATES = 1000


@dataclass
class Hit:
    """Where a record matched: the field's label and its text around the fragment."""

    label: str
    before: str
    fragment: str
    after: str


@dataclass
class Group:
    label: str
    items: list = field(default_factory=list)  # (text, url)
    more: bool = False
    all_url: str = ""
    hits: list = field(default_factory=list)  # a Hit or None per item

    @property
    def rows(self):
        """(text, url, hit) per item; the notes' group has no hits."""
        hits = self.hits + [None] * (len(self.items) - len(self.hits))
        return [(text, url, hit) for (text, url), hit in zip(self.items, hits, strict=True)]


HIT_CONTEXT = 16  # characters shown either side of the matched fragment


def _path_label(model, path: str) -> str:
    """A search path's label: the field's verbose name, after its relation's when that does
    not already say it (外国专家·姓名; 企业名称 alone)."""
    parts = path.split("__")
    first = model._meta.get_field(parts[0])
    last = first
    for part in parts[1:]:
        last = last.related_model._meta.get_field(part)
    label = str(last.verbose_name)
    if len(parts) > 1 and str(first.verbose_name) not in label:
        label = f"{first.verbose_name}·{label}"
    return label


def _joinable(model, paths) -> list[str]:
    """The relations of ``paths`` a join reads with the rows (foreign keys, not many-to-many),
    so each hit can say what it matched in them."""
    out = []
    for path in paths:
        current, through = model, []
        for part in path.split("__")[:-1]:
            field = current._meta.get_field(part)
            if not (field.many_to_one or field.one_to_one):
                break
            through.append(part)
            current = field.related_model
        if through:
            out.append("__".join(through))
    return out


def _value(row, path: str):
    """The value at ``path`` of ``row``, through relations already read with it (a list's
    select_related); None where reading it would cost a query (a many-to-many path)."""
    obj = row
    for part in path.split("__"):
        field = obj._meta.get_field(part)
        if field.is_relation:
            if not (field.many_to_one or field.one_to_one) or not field.is_cached(obj):
                return None
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


def _hits(model, paths, rows, text: str) -> list:
    """For each row, the first of ``paths`` whose value holds ``text`` (any case), with the
    fragment cut out to be highlighted; read from the rows as fetched, with no query more."""
    wanted = text.lower()
    out = []
    for row in rows:
        hit = None
        for path in paths:
            value = _value(row, path)
            at = str(value).lower().find(wanted) if value is not None else -1
            if at < 0:
                continue
            value, end = str(value), at + len(text)
            hit = Hit(
                _path_label(model, path),
                ("…" if at > HIT_CONTEXT else "") + value[max(0, at - HIT_CONTEXT) : at],
                value[at:end],
                value[end : end + HIT_CONTEXT] + ("…" if end + HIT_CONTEXT < len(value) else ""),
            )
            break
        out.append(hit)
    return out


def _kinds():
    wanted = list(settings.GLOBAL_SEARCH_ENTITIES)
    by_label = {viewset.model._meta.label_lower: viewset for viewset in registry.viewsets()}
    return [by_label[label] for label in wanted if label in by_label]


def search(user, text: str) -> list[Group]:
    text = clean_text(text or "").strip()[:MAX_QUERY_LENGTH]
    if not text:
        return []
    per_kind = settings.GLOBAL_SEARCH_PER_KIND
    groups, related = [], {}
    for viewset in _kinds():
        model = viewset.model
        if not viewset.search_fields or not permissions.can_view_model(user, model):
            continue
        queryset = _found(
            viewset.get_queryset(user), viewset.search_fields, text, per_kind + 1, related
        )
        joined = [*viewset.list_select_related, *_joinable(model, viewset.search_fields)]
        if joined:
            queryset = queryset.select_related(*joined)
        rows = list(queryset[: per_kind + 1])
        if not rows:
            continue
        list_url = reverse(viewset.url_name("list"))
        groups.append(
            Group(
                label=str(model._meta.verbose_name_plural),
                items=[(str(row), row.get_absolute_url()) for row in rows[:per_kind]],
                more=len(rows) > per_kind,
                all_url=f"{list_url}?{urlencode({'q': text})}",
                hits=_hits(model, viewset.search_fields, rows[:per_kind], text),
            )
        )
    notes = _notes(user, text, per_kind)
    if notes.items:
        groups.append(notes)
    return groups


def _found(scoped, paths, text: str, limit: int, related: dict | None = None):
    """``scoped`` narrowed to the records with ``text`` in any of ``paths``.

    A text shorter than a trigram is looked for table by table: the first
    ``limit`` records (in the list's order) matching in the record's own columns, and the first
    ``limit`` matching in each related table's (a join), the union of those being all the
    first ``limit`` records that match anywhere. Each part is then planned on its own: by the
    short-text index when the text is rare there, by reading the list's order when it is common
    (six records found among the first hundred). One condition over every table cannot be: a
    related table's matches were collected whole first (60,000 enterprises for 科技), or, joined,
    every record was read when nothing matched. ``related`` keeps, for one search, the ids
    matched in a related table (several kinds search the enterprises' names)."""
    model = scoped.model
    paths = [path for path in paths if _could_hold(model, path, text)]
    if not paths:
        return scoped.none()
    if len(text) >= SHORT_TEXT:
        condition, indexed = _matching_by_ids(scoped.db, model, paths, text, related)
        return _by_candidates(scoped, condition, indexed=indexed)
    parts = {}
    for path in paths:
        through = _through_relation(model, path)
        key = through[0].name if through else ""
        parts[key] = parts.get(key, Q()) | Q(ShortIContains(F(path), text))
    if len(parts) == 1:
        return scoped.filter(*parts.values())
    first, *others = (scoped.filter(condition).values("pk")[:limit] for condition in parts.values())
    return scoped.filter(pk__in=first.union(*others))


def _through_relation(model, path: str):
    """(the foreign key, the rest of the path) when ``path`` goes through one of ``model``'s
    many-to-one relations (``enterprise__name``), else None."""
    relation, _, rest = path.partition("__")
    field = model._meta.get_field(relation)
    return (field, rest) if rest and field.many_to_one else None


def _could_hold(model, path: str, text: str) -> bool:
    """False when ``path``'s values are all of an alphabet (its validator's ``alphabet``: the
    credit code's) without some character of ``text``, upper-cased as ``icontains`` compares:
    then the column cannot match, and is not read."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    upper = text.upper()
    for validator in model._meta.get_field(name).validators:
        alphabet = getattr(validator, "alphabet", None)
        if alphabet is not None and not set(upper) <= set(alphabet):
            return False
    return True


def _trigram_indexed(model, path: str) -> bool:
    """Whether ``path``, a column of ``model``, has a trigram index."""
    if "__" in path:
        return False
    column = model._meta.get_field(path).column
    return column in TRIGRAM_COLUMNS.get(model._meta.db_table, ())


def _matching_by_ids(alias: str, model, paths, text: str, seen: dict | None) -> tuple[Q, bool]:
    """Records of ``model`` with ``text`` (three characters or more) in any of ``paths``: a path
    through a relation is matched in its own table, each related table's matches
    read first (through its trigram index) and named by their ids when there are at most
    ``SEARCH_CANDIDATES``: ``host_id IN (1, 2, 3)`` can be read from the foreign key's index
    beside the record's own columns' trigram indexes, where ``host_id IN (SELECT ...)`` makes
    PostgreSQL read the whole table (22 ms for 22,500 platforms at province scale). Returns
    the condition and whether every part of it can be read from an index. ``seen`` keeps the
    ids read, by related table and column, for the next kind that asks."""
    seen = {} if seen is None else seen
    condition, indexed = Q(), True
    for path in paths:
        through = _through_relation(model, path)
        if through is None:
            condition |= Q(ShortIContains(F(path), text))
            indexed = indexed and _trigram_indexed(model, path)
            continue
        field, rest = through
        related = field.related_model._default_manager.filter(ShortIContains(F(rest), text))
        key = (field.related_model._meta.label, rest)
        if key not in seen:
            with _indexes_only(alias, _trigram_indexed(field.related_model, rest)):
                seen[key] = list(
                    related.order_by().values_list("pk", flat=True)[: SEARCH_CANDIDATES + 1]
                )
        ids = seen[key]
        if len(ids) > SEARCH_CANDIDATES:
            # common there: joined, the related record of each row read is tested as it comes
            # (an IN over every match hashed 200,000 enterprises' ids for 有限公司, 110 ms a kind)
            condition |= Q(ShortIContains(F(path), text))
            indexed = False
        elif ids:
            condition |= Q(**{f"{field.name}__in": ids})
    return condition, indexed


@contextmanager
def _indexes_only(alias: str, indexed: bool):
    """PostgreSQL prices ``UPPER(column) LIKE`` as cheaply as comparing two numbers, so for a
    table of tens of thousands of rows it reads every row rather than the trigram index: 35 ms
    instead of under one for 57,000 villages. When every column searched has a trigram index,
    it is told to read no table whole while the matches are collected (only then: a table
    without one would be walked through some other index instead)."""
    if not indexed:
        yield
        return
    with connections[alias].cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            yield
        finally:
            cursor.execute("RESET enable_seqscan")


def _by_candidates(scoped, condition, *, indexed: bool = False):
    """``scoped.filter(condition)``, planned in two steps. Asked for the first six in the list's
    order, PostgreSQL reads the list's index in that order and tests each row, betting that a
    text of three characters or more matches often: for a rare one, or one that matches
    nothing, that is every row (0.2 s at province scale). So the matches are first collected
    in no order, which the trigram indexes serve (a fraction of a millisecond when they are
    few, and the read stops at ``SEARCH_CANDIDATES`` when they are many); only when there are
    that many is the list's order read, which then finds six at once."""
    with _indexes_only(scoped.db, indexed):
        found = list(
            scoped.filter(condition).order_by().values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        )
    if len(found) < SEARCH_CANDIDATES:
        return scoped.filter(pk__in=found)
    return scoped.filter(condition)


def _notes(user, text: str, per_kind: int) -> Group:
    """跟进记录 whose text matches, on records the user may see: one query per kind of record
    that takes notes (the record's scope as a subquery)."""
    from django.contrib.contenttypes.models import ContentType

    from bureau.models import FollowUpNote

    group = Group(label=str(FollowUpNote._meta.verbose_name_plural))
    for viewset in registry.viewsets():
        if not viewset.declaration.follow_up or not permissions.can_view_model(user, viewset.model):
            continue
        kind = ContentType.objects.get_for_model(viewset.model)
        visible = viewset.get_queryset(user).values("pk")
        found = list(
            FollowUpNote.objects.filter(
                content_type=kind, object_id__in=visible, text__icontains=text
            )[: per_kind + 1]
        )
        for note in found[: per_kind - len(group.items)]:
            url = reverse(viewset.url_name("detail"), args=[note.object_id]) + "#follow-up"
            group.items.append((f"{note.date:%Y-%m-%d} {note.text[:40]}", url))
        group.more = group.more or len(found) > per_kind
        if len(group.items) >= per_kind:
            group.more = True
            break
    return group


def search_page(request):
    text = request.GET.get("q", "")
    groups = search(request.user, text) if permissions.has_role(request.user) else []
    return render(
        request,
        "portal/search.html",
        {"q": clean_text(text)[:MAX_QUERY_LENGTH], "groups": groups},
    )
