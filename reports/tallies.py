"""Summaries the district-wide dashboard reads instead of the records: each township's part of
a set of aggregates, per year, and the district's totals, kept by the writes that change them.

A ``Summary`` is one grouped query: the records of a model that meet a condition, grouped by
their township and their year, with named aggregates (counts and sums, each with its own
``FILTER``). Its rows (``Tally``: one per summary and year, the totals and a part per township)
are built from that query the first time they are read, and kept from then on:

- every save or delete of a record the query reads marks its township before and after the
  write as changed (``TallyDirty``), in the write's own transaction. The receivers listen to
  Django's ``post_save`` / ``post_delete`` the way a cache would, so factories, the admin and
  cascades reach them as the services do;
- a batch write that bypasses the models (``bureau.services.records_bulk_write``: the
  import's COPY, ``seed_demo``, the bulk actions) calls the write service's hook
  (``records_written``, registered by ``ReportsConfig.ready``), which marks the whole summary;
- the next read (``fresh``) runs the query again for the changed townships only, patches their
  parts and the totals, and only then answers. A summary whose query changed (a new indicator,
  a new condition) is rebuilt whole: its state keeps the query's signature.

So a district-wide read is a handful of small rows whatever the number of records, while the
figures stay what the records say at the moment of the read. Counts of distinct values are
summed across townships only when the value belongs to one township (an enterprise, a village);
other aggregates stay with the live queries. ``rebuild`` (``manage.py tallies_rebuild`` and
beat, nightly) builds everything again from the records.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from bureau.models import Township
from reports.models import Tally, TallyDirty, TallyState

NO_YEAR = 0  # the year of a summary's row when it has no year
NO_TOWNSHIP = 0  # the township of records that have none
# Beyond this many marks a summary is rebuilt whole (after a seed or a long run of edits), which
# is then no dearer than refreshing that many townships.
MARKS_REFRESHED = 1000


def _encode(value):
    return str(value) if isinstance(value, Decimal) else value


def _decode(value):
    return Decimal(value) if isinstance(value, str) else value


@dataclass(eq=False)
class Summary:
    """Aggregates of ``model``'s records meeting ``where``, per township and year."""

    name: str
    model: type[models.Model]
    aggregates: dict
    where: Q = field(default_factory=Q)
    year: object = None  # an expression giving the record's year; None: no year
    township_path: str | None = None  # default: ``year_township(model)``
    # Models the query reads in a subquery (``Exists``), which ``reads`` cannot see -> how to
    # find the township a record of theirs counts under: a function of the record's pk giving
    # it, or None (a write to one of them marks the whole summary).
    also_reads: dict = field(default_factory=dict)

    @property
    def township(self) -> str:
        return self.township_path or year_township(self.model)

    def queryset(self, townships: Iterable[int] | None = None):
        records = self.model._default_manager.filter(self.where)
        if townships is not None:
            townships = set(townships)
            scope = Q(**{f"{self.township}__in": townships - {NO_TOWNSHIP}})
            if NO_TOWNSHIP in townships:
                scope |= Q(**{f"{self.township}__isnull": True})
            records = records.filter(scope)
        group = {"_township": F(self.township)}
        if self.year is not None:
            records = records.annotate(_year=self.year).filter(_year__isnull=False)
            group["_year"] = F("_year")
        return records.annotate(**group).values(*group).annotate(**self.aggregates).order_by()

    @cached_property
    def signature(self) -> str:
        """The query's SQL, hashed: a changed definition is a different summary."""
        sql, params = self.queryset().query.sql_with_params()
        return hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()

    @cached_property
    def reads(self) -> dict[type[models.Model], object]:
        """Every model the query reads -> the path from its record to the township of the
        records it counts, when it lies on the township path (a write to it marks the township
        before and after), or ``also_reads``' function; None otherwise (a write to it marks the
        whole summary)."""
        query = self.queryset().query
        query.get_compiler("default").as_sql()
        by_table = {m._meta.db_table: m for m in apps.get_models()}
        # Joins the compiler set up but the SQL does not use (a manager's select_related under
        # ``values``) have no references left.
        tables = {
            join.table_name
            for alias, join in query.alias_map.items()
            if query.alias_refcount.get(alias) or alias == query.base_table
        }
        parts = self.township.split("__")
        on_path, current = {self.model: self.township}, self.model
        for i, part in enumerate(parts[:-1]):
            current = current._meta.get_field(part).related_model
            on_path[current] = "__".join(parts[i + 1 :])
        out = {
            by_table[table]: on_path.get(by_table[table])
            for table in tables
            if table in by_table and by_table[table] is not Township
        }
        out.update(self.also_reads)
        return out

    def compute(self, townships: Iterable[int] | None = None) -> dict[tuple, dict[int, object]]:
        """{(year, alias): {township: value}} from the records (of ``townships`` when given);
        zero and empty values are left out."""
        out: dict = defaultdict(dict)
        for row in self.queryset(townships):
            township = row.pop("_township") or NO_TOWNSHIP
            year = row.pop("_year", NO_YEAR)
            for alias, value in row.items():
                if value not in (None, 0):
                    out[(year, alias)][township] = _encode(value)
        return out


# ---- reading ---------------------------------------------------------------------------------


def fresh(summaries: Iterable[Summary]) -> None:
    """Bring ``summaries`` up to date with the records: one small query when nothing changed."""
    summaries = {summary.name: summary for summary in summaries}
    if not summaries:
        return
    states = {
        name: (signature, dirty)
        for name, signature, dirty in TallyState.objects.filter(summary__in=summaries)
        .annotate(dirty=Exists(TallyDirty.objects.filter(summary=OuterRef("summary"))))
        .values_list("summary", "signature", "dirty")
    }
    for name, summary in summaries.items():
        if states.get(name) != (summary.signature, False):
            _refresh(summary)


def totals(summaries: Iterable[Summary], years: Iterable[int] | None = None) -> dict:
    """{summary name: {year: {alias: value}}}, the district's totals (fresh first)."""
    summaries = list(summaries)
    fresh(summaries)
    rows = Tally.objects.filter(summary__in=[s.name for s in summaries])
    if years is not None:
        rows = rows.filter(year__in=list(years))
    out: dict = {summary.name: {} for summary in summaries}
    for name, year, alias, total in rows.values_list("summary", "year", "alias", "total"):
        out[name].setdefault(year, {})[alias] = _decode(total)
    return out


def parts(summaries: Iterable[Summary], year: int, aliases: Iterable[str] | None = None) -> dict:
    """{summary name: {township pk: {alias: value}}} for ``year`` (fresh first), of every
    aggregate or of ``aliases``; records without a township under ``NO_TOWNSHIP``."""
    summaries = list(summaries)
    fresh(summaries)
    rows = Tally.objects.filter(summary__in=[s.name for s in summaries], year=year)
    if aliases is not None:
        rows = rows.filter(alias__in=list(aliases))
    out: dict = {summary.name: defaultdict(dict) for summary in summaries}
    for name, alias, townships in rows.values_list("summary", "alias", "townships"):
        mine = out[name]
        for pk, value in townships.items():
            mine[int(pk)][alias] = _decode(value)
    return out


# ---- keeping ---------------------------------------------------------------------------------


@transaction.atomic
def _refresh(summary: Summary) -> None:
    now = timezone.now()
    state, created = TallyState.objects.get_or_create(
        summary=summary.name,
        defaults={"signature": "", "built_at": now, "refreshed_at": now},
    )
    # The state's row orders refreshes of one summary; the marks are read under it, and only
    # the marks read are taken away (a write committing meanwhile leaves its own for later).
    state = TallyState.objects.select_for_update().get(pk=state.pk)
    marks = list(
        TallyDirty.objects.filter(summary=summary.name).values_list("pk", "township")[
            : MARKS_REFRESHED + 1
        ]
    )
    whole = (
        state.signature != summary.signature
        or len(marks) > MARKS_REFRESHED
        or any(t is None for _pk, t in marks)
    )
    if whole:
        # Every mark goes, those committed since the read above too: the records are read
        # after this, so they see those writes.
        TallyDirty.objects.filter(summary=summary.name).delete()
    elif marks:
        TallyDirty.objects.filter(pk__in=[pk for pk, _t in marks]).delete()
    if whole:
        Tally.objects.filter(summary=summary.name).delete()
        Tally.objects.bulk_create(
            Tally(
                summary=summary.name,
                year=year,
                alias=alias,
                total=_sum(townships),
                townships=townships,
            )
            for (year, alias), townships in summary.compute().items()
        )
        state.signature, state.built_at = summary.signature, now
    elif marks:
        changed = {t for _pk, t in marks}
        computed = summary.compute(changed)
        existing = {
            (row.year, row.alias): row for row in Tally.objects.filter(summary=summary.name)
        }
        rows = []
        for key in set(existing) | set(computed):
            row = existing.get(key) or Tally(summary=summary.name, year=key[0], alias=key[1])
            before = {t: row.townships.pop(str(t), None) for t in changed}
            after = computed.get(key, {})
            row.townships.update({str(t): value for t, value in after.items()})
            if any(before[t] != after.get(t) for t in changed):
                row.total = _sum(row.townships)
                rows.append(row)
        # One statement whatever the number of rows changed (a row left empty stays, at 0).
        Tally.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["summary", "year", "alias"],
            update_fields=["total", "townships"],
        )
    state.refreshed_at = now
    state.save()


def _sum(townships: dict):
    return _encode(sum((_decode(value) for value in townships.values()), 0))


def rebuild(summaries: Iterable[Summary] | None = None) -> int:
    """Build ``summaries`` (default: all) again from the records; returns how many."""
    summaries = list(all_summaries().values() if summaries is None else summaries)
    for summary in summaries:
        TallyDirty.objects.create(summary=summary.name, township=None)
        _refresh(summary)
    return len(summaries)


def mark(model: type[models.Model], townships: Iterable[int | None] | dict | None) -> None:
    """Mark the summaries that read ``model``: for ``townships`` (None: every township; a dict:
    the townships per path from the record, as ``townships_of`` gives them)."""
    readers = _readers().get(model)
    if not readers:
        return
    marks = []
    for summary, path in readers:
        if townships is None or path is None:
            marks.append(TallyDirty(summary=summary.name, township=None))
            continue
        mine = townships.get(path, {None}) if isinstance(townships, dict) else townships
        marks.extend(TallyDirty(summary=summary.name, township=t or NO_TOWNSHIP) for t in set(mine))
    TallyDirty.objects.bulk_create(marks)


def year_township(model) -> str | None:
    """The path to the township a record of ``model`` counts under in its year: the year's own
    (``year_township_lookup``: the yearly figures keep the township of their year) where the
    model keeps one, else the record's township (``township_lookup``)."""
    return getattr(model, "year_township_lookup", None) or getattr(model, "township_lookup", None)


def township_of(instance) -> int | None:
    """The township of a saved record, read from the database (None: none, or not saved)."""
    path = getattr(type(instance), "township_lookup", None)
    if instance.pk is None or not path:
        return None
    return (
        type(instance)._default_manager.filter(pk=instance.pk).values_list(path, flat=True).first()
    )


def townships_of(instance) -> dict[str, set]:
    """{path: {township}} of a saved record, for every township path the summaries reading its
    model follow from it (one query)."""
    ways = {path for _s, path in _readers().get(type(instance), ()) if path}
    if instance.pk is None or not ways:
        return {}
    out: dict = {way: {way(instance.pk)} for way in ways if callable(way)}
    paths = sorted(way for way in ways if isinstance(way, str))
    if paths:
        row = type(instance)._default_manager.filter(pk=instance.pk).values_list(*paths).first()
        out.update({path: {row[i] if row else None} for i, path in enumerate(paths)})
    return out


_REGISTERED: dict[str, Summary] = {}
_READERS: dict | None = None


def register(*summaries: Summary) -> None:
    global _READERS
    for summary in summaries:
        _REGISTERED[summary.name] = summary
    _READERS = None


def all_summaries() -> dict[str, Summary]:
    from reports import summaries  # noqa: F401 - importing it registers every summary

    return _REGISTERED


def _readers() -> dict:
    global _READERS
    if _READERS is None:
        readers: dict = defaultdict(list)
        for summary in all_summaries().values():
            for model, path in summary.reads.items():
                readers[model].append((summary, path))
        _READERS = dict(readers)
    return _READERS


# ---- the writes that change them -------------------------------------------------------------


# Connected for the models the summaries read only (``connect``).


def _before_save(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding:
        instance._tally_township_before = townships_of(instance)


def _after_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    after = townships_of(instance)
    if not created:
        for path, before in getattr(instance, "_tally_township_before", {}).items():
            after.setdefault(path, set()).update(before)
    mark(sender, after)


def _before_delete(sender, instance, **kwargs):
    instance._tally_township_before = townships_of(instance)


def _after_delete(sender, instance, **kwargs):
    mark(sender, getattr(instance, "_tally_township_before", {}))


def records_written(model: type[models.Model]) -> None:
    """A batch write (``bureau.services.records_bulk_write``: the import's COPY, ``seed_demo``,
    the bulk actions) wrote around the models' signals: the summaries of ``model`` are marked
    whole, in the writing transaction. With a worker they are rebuilt as soon as it commits
    (``ReportsConfig.ready`` registers both), so that no leader's request pays for it; inline,
    without a broker, the next read does."""
    mark(model, None)


def connect() -> None:
    """Listen to the writes of the models the summaries read (``ReportsConfig.ready``): only
    theirs, so that every other model keeps Django's fast deletes."""
    for model in _readers():
        label = model._meta.label_lower
        models.signals.pre_save.connect(_before_save, model, dispatch_uid=f"tallies:{label}:1")
        models.signals.post_save.connect(_after_save, model, dispatch_uid=f"tallies:{label}:2")
        models.signals.pre_delete.connect(_before_delete, model, dispatch_uid=f"tallies:{label}:3")
        models.signals.post_delete.connect(_after_delete, model, dispatch_uid=f"tallies:{label}:4")
