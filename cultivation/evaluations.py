"""The per-year evaluation table (``cultivation.models.Evaluation``), kept from the records the
way the dashboard's summaries are (``reports.tallies``):

- a year is computed whole (``cultivation.expressions.scored_sql``, one INSERT … SELECT) the
  first time it is read, and again whenever the rules in force for it or the SQL that applies
  them change: ``EvaluationYear`` keeps the signature of both;
- every save or delete of a record an evaluation reads (the enterprise, its yearly figures, IP,
  高企 applications, 科小 evaluations, platforms it hosts, R&D-coverage rows) marks its
  enterprise, before and after the write, in the write's own transaction (``EvaluationDirty``).
  The receivers listen to Django's ``post_save`` / ``post_delete`` as the summaries' do, so
  factories, the admin and the services reach them alike;
- a batch write that bypasses the models' signals (``bureau.services.records_bulk_write``: the
  import, ``seed_demo``, bulk actions) tells the write service's hook this module registers
  (``CultivationConfig.ready``), which marks every enterprise: each year is then computed whole
  on its next read;
- every read (``fresh``) first recomputes the marked enterprises in every year kept, then answers
  from the table. ``manage.py cultivation_rebuild`` computes every kept year again.

So a list of a province's 200,000 enterprises sorts and pages indexed rows, while what it shows
is what the records say at the moment of the read.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Collate

from bureau import services
from cultivation.expressions import PINYIN_COLLATION, Sql, hitech_sql, scored_sql, sme_sql
from cultivation.models import Evaluation, EvaluationDirty, EvaluationYear
from cultivation.rules import hitech_rules_for, sme_rules_for
from enterprises.models import (
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    IntellectualProperty,
    SmeEvaluation,
)
from platforms.models import Platform, RdCoverage

logger = logging.getLogger(__name__)

# The records an evaluation reads -> the field naming their enterprise.
READS: dict[type[models.Model], str] = {
    Enterprise: "pk",
    EnterpriseYearlyFigure: "enterprise_id",
    IntellectualProperty: "enterprise_id",
    HiTechApplication: "enterprise_id",
    SmeEvaluation: "enterprise_id",
    Platform: "host_id",
    RdCoverage: "enterprise_id",
}
# Beyond this many marked enterprises a year is computed whole, which is then no dearer.
MARKS_REFRESHED = 2000
LOCK = 7_270_001  # the advisory lock serialising refreshes

COLUMNS = [
    "enterprise_id",
    "year",
    "total",
    "verdict",
    "size_unmet",
    "short",
    "certified",
    "recorded_status",
    "recorded_score",
]


def signature(year: int) -> str:
    """The rules in force for ``year`` and the SQL applying them, hashed."""
    parts = [
        *sme_sql(sme_rules_for(year)).values(),
        *hitech_sql(hitech_rules_for(year), year).values(),
    ]
    text = "|".join(f"{part.text}{part.params!r}" for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _insert(parts: list[tuple[set | None, list[int]]]) -> None:
    """Insert the evaluations of each (enterprise ids or None for all, years) of ``parts``:
    one statement."""
    selects = [
        Sql(
            f"SELECT id, {int(year)}, total, verdict, size_unmet, short, certified, "
            "recorded_status, recorded_score FROM ("
        )
        + scored_sql(
            Enterprise.objects.all() if ids is None else Enterprise.objects.filter(pk__in=ids),
            year,
            ids=None if ids is None else sorted(ids),
        )
        + ") s"
        for ids, years in parts
        for year in years
    ]
    if not selects:
        return
    query = Sql(f"INSERT INTO {Evaluation._meta.db_table} ({', '.join(COLUMNS)}) ")
    for index, select in enumerate(selects):
        query += (" UNION ALL " if index else "") + select
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def fresh(years) -> None:
    """Bring the table up to date for ``years`` (an int or several) and every kept year: the
    marked enterprises recomputed, a year whose signature changed (or not kept yet) computed
    whole. Up to date, that is two queries; otherwise a fixed number whatever the number of
    years and enterprises (one DELETE, one INSERT … SELECT)."""
    years = sorted({years} if isinstance(years, int) else set(years))
    wanted = {year: signature(year) for year in years}
    kept = dict(EvaluationYear.objects.values_list("year", "signature"))
    if (
        all(kept.get(year) == wanted[year] for year in years)
        and not EvaluationDirty.objects.exists()
    ):
        return
    with transaction.atomic():
        _lock()
        kept = dict(EvaluationYear.objects.values_list("year", "signature"))
        marks = list(EvaluationDirty.objects.values_list("pk", "enterprise_id"))
        ids = {enterprise for _pk, enterprise in marks}
        everything = None in ids or len(ids) > MARKS_REFRESHED
        # A kept year computed by other rules, or when every enterprise may have changed, is
        # dropped from the kept years: it is computed whole when next read.
        current = [
            year
            for year, sig in kept.items()
            if not everything and year not in wanted and sig == signature(year)
        ]
        current += [year for year in years if not everything and kept.get(year) == wanted[year]]
        stale = [year for year in years if year not in current]
        EvaluationYear.objects.exclude(year__in=current).delete()
        changed = Q(year__in=stale) if stale else Q(pk__in=[])
        if ids and current:
            changed |= Q(year__in=current, enterprise_id__in=ids)
        if stale or (ids and current):
            Evaluation.objects.filter(changed)._raw_delete(Evaluation.objects.db)
        _insert([(None, stale)] + ([(ids, current)] if ids and current else []))
        EvaluationDirty.objects.filter(pk__in=[pk for pk, _e in marks])._raw_delete(
            EvaluationDirty.objects.db
        )
        if stale:
            # The planner must know the new rows, or it walks them all for a page of 25.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Evaluation._meta.db_table}")
            EvaluationYear.objects.bulk_create(
                [EvaluationYear(year=year, signature=wanted[year]) for year in stale]
            )


def rebuild(years=None) -> list[int]:
    """Compute again every kept year (or ``years``) from the records."""
    with transaction.atomic():
        _lock()
        years = sorted(set(years or EvaluationYear.objects.values_list("year", flat=True)))
        EvaluationYear.objects.all().delete()
        EvaluationDirty.objects.all()._raw_delete(EvaluationDirty.objects.db)
        Evaluation.objects.all()._raw_delete(Evaluation.objects.db)
    if years:
        fresh(years)
    return years


# --- reads ---------------------------------------------------------------------------------------

SORTS = {
    "score": ("-total",),
    "short": ("-total",),  # points short of the pass mark: the fewest first
    "township": (Collate(F("enterprise__township__name"), PINYIN_COLLATION),),
    "name": (Collate(F("enterprise__name"), PINYIN_COLLATION),),
}
HITECH_SORTS = {**SORTS, "score": ("short",), "short": ("short",)}


def _ordered(rows: QuerySet, sort: str, sorts: dict) -> QuerySet:
    descending = sort.startswith("-")
    keys = sorts.get(sort.lstrip("-"), sorts["score"])
    if descending:
        keys = [k[1:] if isinstance(k, str) and k.startswith("-") else _desc(k) for k in keys]
    return rows.order_by(*keys, "-enterprise_id" if descending else "enterprise_id")


def _desc(key):
    if isinstance(key, str):
        return f"-{key}"
    return key.desc()


def _in_scope(rows: QuerySet, enterprises: QuerySet) -> QuerySet:
    # An unfiltered scope (staff, district-wide) needs no semi-join over every enterprise.
    if enterprises.query.has_filters():
        rows = rows.filter(enterprise__in=enterprises.order_by().values("pk"))
    return rows


def evaluations(enterprises: QuerySet, year: int) -> QuerySet:
    """The evaluations of ``year`` of the enterprises of ``enterprises``, up to date."""
    fresh(year)
    return _in_scope(Evaluation.objects.filter(year=year), enterprises)


def sme_reserve(
    enterprises: QuerySet, year: int, *, margin: int, differs: bool = False, sort: str = "score"
) -> QuerySet:
    """后备科小 (``selectors.sme_candidates``), sorted by ``sort`` (score, short, township or
    name; "-" first reverses): not registered in the year, computed 符合, or within ``margin``
    points of the pass mark with the size limits met; ``differs``: only those whose recorded
    score is not the computed total."""
    rules = sme_rules_for(year)
    rows = evaluations(enterprises, year).exclude(recorded_status=SmeEvaluation.Status.REGISTERED)
    rows = rows.filter(
        Q(verdict=Evaluation.Verdict.QUALIFIED)
        | Q(
            verdict=Evaluation.Verdict.NOT_QUALIFIED,
            size_unmet=False,
            total__gte=rules.pass_score - margin,
        )
    )
    if differs:
        rows = rows.filter(recorded_score__isnull=False).exclude(recorded_score=F("total"))
    return _ordered(rows, sort, SORTS)


def hitech_reserve(
    enterprises: QuerySet, year: int, *, ready: bool = False, sort: str = "score"
) -> QuerySet:
    """后备高企 (``selectors.hitech_candidates``), sorted by ``sort``: no certificate valid on
    the year's last day, figures of the year, at most one decidable condition short (``ready``:
    none)."""
    rows = evaluations(enterprises, year).filter(certified=False, short__lte=0 if ready else 1)
    return _ordered(rows, sort, HITECH_SORTS)


def hitech_reserve_by_township(enterprises: QuerySet, years) -> dict[int, tuple[dict, dict]]:
    """后备高企 of each of ``years`` by township name: {year: (all, ready)}, in one grouped
    query (after ``fresh``) whatever the number of years."""
    years = sorted(set(years))
    fresh(years)
    out = {year: ({}, {}) for year in years}
    rows = _in_scope(
        Evaluation.objects.filter(year__in=years, certified=False, short__lte=1), enterprises
    )
    for row in (
        rows.order_by()
        .values("year", "enterprise__township__name")
        .annotate(n=Count("pk"), met=Count("pk", filter=Q(short=0)))
    ):
        everyone, ready = out[row["year"]]
        name = row["enterprise__township__name"] or ""
        everyone[name] = row["n"]
        if row["met"]:
            ready[name] = row["met"]
    return out


# --- the writes that change them -----------------------------------------------------------------


def _enterprise_of(sender, instance) -> int | None:
    if sender is Enterprise:
        return instance.pk
    return getattr(instance, READS[sender], None)


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None or sender is Enterprise:
        return
    field = READS[sender]
    instance._evaluation_before = (
        sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    )


def _after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    mark({getattr(instance, "_evaluation_before", None), _enterprise_of(sender, instance)})


def _after_delete(sender, instance, **kwargs):
    mark({_enterprise_of(sender, instance)})


def mark(enterprises) -> None:
    """Mark ``enterprises`` (ids; None in them is ignored) for recomputation."""
    EvaluationDirty.objects.bulk_create(
        [EvaluationDirty(enterprise_id=pk) for pk in enterprises if pk is not None]
    )


def mark_everything() -> None:
    EvaluationDirty.objects.create(enterprise_id=None)


def records_written(model) -> None:
    """The write service's batch hook, in the writing transaction: a batch of a model the
    evaluations read marks every enterprise (a rollback forgets the mark with the rows)."""
    if model in READS:
        mark_everything()


def records_committed(models_written) -> None:
    """The batch hook once the write committed: with a worker, the kept years are recomputed
    at once, so that no request waits for them (inline, without a broker, the next read does),
    as the dashboard's summaries are."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not set(models_written) & set(READS):
        return
    _queue_refresh()


def _queue_refresh():
    from cultivation.tasks import refresh_evaluations  # noqa: PLC0415

    # The enterprises are marked already: with the broker down the next read recomputes them,
    # and the writer (a bulk job's worker among them) is not held by retries.
    try:
        refresh_evaluations.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - the broker's errors vary with the transport
        logger.warning("broker unavailable: the evaluations refresh on their next read")


def connect() -> None:
    """Listen to the writes of the records the evaluations read (``CultivationConfig.ready``)."""
    for model in READS:
        label = model._meta.label_lower
        models.signals.pre_save.connect(_before_save, model, dispatch_uid=f"eval:{label}:1")
        models.signals.post_save.connect(_after_save, model, dispatch_uid=f"eval:{label}:2")
        models.signals.post_delete.connect(_after_delete, model, dispatch_uid=f"eval:{label}:3")
    services.records_written_register(
        services.RecordsWrittenHook(written=records_written, committed=records_committed)
    )
