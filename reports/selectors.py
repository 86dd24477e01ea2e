"""Reads behind the leaders' dashboard: the indicators of the year against last year and the
targets, five-year trends, the breakdown by township, platforms, the talent pipeline and the
visits by month.

``dashboard_data`` issues a fixed number of queries whatever the data and the number of
townships (tests/reports/test_dashboard.py holds it to that) and keeps its result in the cache
for ``DASHBOARD_CACHE_SECONDS`` (60 s), so an entry shows on the dashboard within a minute;
an import that wrote records starts a new cache at once (its finish time is part of the key),
and ``dashboard_cache_clear`` does the same for any other bulk change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.models import Department, Role, Township, User, WorkActivity
from enterprises.models import Enterprise
from imports.models import ImportJob
from platforms.models import Level, Platform
from poverty.models import ServiceVisit
from reports import closing, summaries, tallies
from reports.indicators import REGISTRY, compute_as_of, cutoff_of
from reports.indicators.base import (
    IndicatorValue,
    tallies_enabled,
    township_pk,
    year_township,
)
from talents.models import TalentStage

TREND_YEARS = 5

# The figures leaders follow through the year, in the order of the cards.
KPI_KEYS = [
    "sme_registered",
    "hitech_applications",
    "hitech_certified",
    "hitech_output_share",
    "tech_contract_amount",
    "tech_contract_growth",
    "rd_trainings",
    "policy_visits",
    "talent_applied",
    "work_permits_issued",
    "new_platforms_city_and_above",
    "coverage_rate",
    "service_visits",
    "agri_stations_new",
]
# Trends: counts share one axis; amounts and rates the other.
TREND_COUNT_KEYS = [
    "sme_registered",
    "hitech_applications",
    "hitech_certified",
    "new_platforms_city_and_above",
    "talent_applied",
]
TREND_RATE_KEYS = ["coverage_rate", "hitech_output_share"]
TREND_AMOUNT_KEYS = ["tech_contract_amount"]
TREND_KEYS = TREND_COUNT_KEYS + TREND_RATE_KEYS + TREND_AMOUNT_KEYS
# The names and breakdowns the page shows: the campaign's milestones and the township table.
TOWNSHIP_KEYS = [
    "coverage_rate",
    "coverage_covered",
    "coverage_enterprises",
    "sme_registered",
    "hitech_certified",
    "hitech_applications",
    "service_visits",
]
DETAIL_KEYS = {"coverage_milestones", *TOWNSHIP_KEYS}
# Every figure the page shows: the dashboard computes these and no other indicator.
SHOWN_KEYS = list(dict.fromkeys([*KPI_KEYS, *TREND_KEYS, *DETAIL_KEYS]))

# The 培育库 pipeline card: 科小入库 → 后备高企 → 高企申报 → 认定, each step against the one
# before it. 后备高企 is scored from the records over every enterprise (cultivation/): the card
# is a request of its own (``pipeline_data``), so the page never waits for the scoring.
PIPELINE_KEYS = ["sme_registered", "hitech_reserve", "hitech_applications", "hitech_certified"]
PIPELINE_READY_KEY = "hitech_reserve_ready"
# Beyond this many enterprises in scope the worker builds the card, and keeps it this long: the
# key still changes with an import or a clear. The card reads the 培育库's evaluation table
# (cultivation.evaluations), a few hundred milliseconds for a province's 200,000 enterprises,
# so only a scope larger than any province's leaves it to the worker.
PIPELINE_INLINE_ENTERPRISES = 1_000_000
PIPELINE_WORKER_CACHE_SECONDS = 600

# A figure counts as behind schedule from the fourth quarter on, when the share of the target
# reached is below the share of the year gone by.
LATE_IN_YEAR = 0.75

# Townships shown in the ranking and the chart; beyond it, the best and the worst halves.
TOWNSHIP_ROWS = 40

CACHE_VERSION_KEY = "reports:dashboard:version"


# ---- cache ---------------------------------------------------------------------------------


def cache_seconds() -> int:
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 60)


def dashboard_cache_clear() -> None:
    """Drop every cached dashboard (call after an import or a bulk change)."""
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 2, None)


def _last_import() -> str:
    """When an import last wrote records: part of the key, so an import shows at once."""
    finished = ImportJob.objects.filter(written=True).aggregate(last=Max("finished_at"))["last"]
    return finished.isoformat() if finished else "-"


def dashboard_cache_key(year: int, pk: int | None, today: datetime.date | None = None) -> str:
    """Key of one dashboard (data and rendered fragments): new after a clear or an import."""
    today = today or datetime.date.today()
    version = f"{cache.get(CACHE_VERSION_KEY, 1)}:{_last_import()}"
    return f"reports:dashboard:{version}:{year}:{pk or 'all'}:{today.isoformat()}"


# ---- schedule --------------------------------------------------------------------------------


def schedule_status(
    value, target, year: int, today: datetime.date
) -> tuple[str | None, Decimal | None]:
    """(status, progress %) of a figure against its target.

    status: None without a target; "done" once reached; "missed" for a past year not reached;
    "behind" late in the current year when progress lags the time gone by; else "on_track".
    """
    if target in (None, 0) or value is None:
        return None, None
    progress = Decimal(value) * 100 / Decimal(target)
    if progress >= 100:
        status = "done"
    elif year < today.year:
        status = "missed"
    elif year > today.year:
        status = "on_track"
    else:
        start = datetime.date(year, 1, 1)
        elapsed = ((today - start).days + 1) / ((datetime.date(year + 1, 1, 1) - start).days)
        late = elapsed >= LATE_IN_YEAR
        status = "behind" if late and progress < Decimal(str(elapsed * 100)) else "on_track"
    return status, progress.quantize(Decimal("0.1"))


def _change(now, before) -> tuple:
    """(difference, % change) between this year and last, None when either is missing."""
    if now is None or before is None:
        return None, None
    diff = Decimal(now) - Decimal(before)
    percent = (diff * 100 / Decimal(before)).quantize(Decimal("0.1")) if before else None
    return diff, percent


# ---- the dashboard ---------------------------------------------------------------------------


def format_value(value, unit: str = "") -> str:
    """A figure as the dashboard prints it: "—" for no data, two decimals for 亿元 and %."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        if unit in ("亿元", "%"):
            return f"{value:.2f}"
        value = value.normalize()
        return f"{value:f}"
    return str(value)


def _signed(value, unit: str = "") -> str:
    if value is None:
        return ""
    text = format_value(value, unit)
    return text if value < 0 else f"+{text}"


def _list_url(name: str, **params) -> str:
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _kpis(
    values: dict[int, dict[str, IndicatorValue]], year: int, today, pk, closed=None
) -> list[dict]:
    closed = closed or {}
    cards = []
    for key in KPI_KEYS:
        indicator = REGISTRY[key]
        if pk is not None and indicator.district_only:
            continue
        item = values[year][key]
        last = values[year - 1][key]
        diff, percent = _change(item.value, last.value)
        points = item.unit == "%"
        if points:
            # A rate moves by percentage points; a percent of a percent means nothing.
            percent = None
        status, progress = schedule_status(item.value, item.target, year, today)
        cards.append(
            {
                "key": key,
                "label": item.label,
                "unit": item.unit,
                "section": indicator.section,
                "value": item.value,
                "display": format_value(item.value, item.unit),
                "last": last.value,
                "last_display": format_value(last.value, item.unit),
                "diff_display": _signed(diff, item.unit)
                + (_("个百分点") if points and diff is not None else ""),
                "target_display": format_value(item.target, item.unit),
                "last_url": last.records_url,
                "diff": diff,
                "change": percent,
                "target": item.target,
                "progress": progress,
                "status": status,
                "url": item.records_url,
                **_closed_card(closed.get(year), key, item.unit),
            }
        )
    return cards


def _closed_card(info, key: str, unit: str) -> dict:
    """A closed year's card says so; a figure the records no longer match shows both values:
    现值 X（封账值 Y）."""
    if info is None:
        return {"closed": "", "drift_display": ""}
    drift = ""
    if key in info.drift:
        drift = drift_text(info.drift[key], info.closing_value(key), unit)
    return {"closed": info.label, "drift_display": drift}


def drift_text(now, then, unit: str) -> str:
    """A closed year's figure the records no longer match: 现值 X（封账值 Y）."""
    return _("现值 %(now)s（封账值 %(then)s）") % {
        "now": format_value(now, unit),
        "then": format_value(then, unit),
    }


def _trends(values, years, pk) -> dict:
    def series(keys):
        out = []
        for key in keys:
            if pk is not None and REGISTRY[key].district_only:
                continue
            out.append(
                {
                    "key": key,
                    "name": REGISTRY[key].label,
                    "unit": REGISTRY[key].unit,
                    "data": [_num(values[y][key].value) for y in years],
                    "urls": [values[y][key].records_url for y in years],
                }
            )
        return out

    counts, rates, amounts = (
        series(TREND_COUNT_KEYS),
        series(TREND_RATE_KEYS),
        series(TREND_AMOUNT_KEYS),
    )
    # A year with no records at all (before the portal held data) is a gap in the lines, not a
    # row of zeros the lines climb from.
    everything = [*counts, *rates, *amounts]
    for i, _year in enumerate(years):
        if not any(s["data"][i] for s in everything):
            for s in everything:
                s["data"][i] = None
    return {
        "years": [str(y) for y in years],
        "counts": counts,
        "rates": rates,
        "amounts": amounts,
    }


def _townships(values: dict[str, IndicatorValue], year: int) -> tuple[list[dict], int]:
    """Per township: coverage, SME and hi-tech counts, service visits; ranked on coverage.

    Returns (rows, number of townships). A district has a few dozen townships; beyond
    ``TOWNSHIP_ROWS`` only the best and the worst half of that number are kept, so the page
    stays readable and quick whatever the number of townships.
    """

    def get(key, name):
        return values[key].breakdown.get(name)

    def link(key, pk):
        # The district link plus the township filter: the same URL records_url(year, pk)
        # builds, without rebuilding it for each of hundreds of townships.
        indicator = REGISTRY[key]
        param = getattr(indicator, "township_param", None) or year_township(indicator.model)
        return f"{values[key].records_url}&{param}={pk}"

    rows = []
    for pk, name, code in Township.objects.values_list("pk", "name", "code"):
        rate = get("coverage_rate", name)
        rows.append(
            {
                "pk": pk,
                "name": name,
                "code": code,
                "coverage_rate": rate,
                "coverage_display": format_value(rate, "%"),
                "covered": get("coverage_covered", name) or 0,
                "enterprises": get("coverage_enterprises", name) or 0,
                "sme": get("sme_registered", name) or 0,
                "hitech": get("hitech_certified", name) or 0,
                "hitech_applications": get("hitech_applications", name) or 0,
                "visits": get("service_visits", name) or 0,
            }
        )
    # Townships without coverage records go last; ties keep the code order.
    rows.sort(key=lambda row: (row["coverage_rate"] is None, -(row["coverage_rate"] or 0)))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["coverage_rate"] is not None else None
    total = len(rows)
    if total > TOWNSHIP_ROWS:
        half = TOWNSHIP_ROWS // 2
        rows = rows[:half] + rows[-half:]

    departments: dict[int, list[str]] = {}
    pairs = Department.townships.through.objects.filter(
        township__in=[row["pk"] for row in rows]
    ).values_list("township_id", "department__name")
    for township_id, name in pairs:
        departments.setdefault(township_id, []).append(name)
    for row in rows:
        pk = row["pk"]
        row["departments"] = sorted(departments.get(pk, []))
        row["coverage_url"] = link("coverage_enterprises", pk)
        row["covered_url"] = link("coverage_covered", pk)
        row["sme_url"] = link("sme_registered", pk)
        row["hitech_url"] = link("hitech_certified", pk)
        row["visits_url"] = link("service_visits", pk)
    return rows, total


def _platforms(year: int, pk) -> dict:
    queryset = Platform.objects.filter(year=year)
    if pk is not None:
        queryset = queryset.filter(host__township=pk)
    counts = {
        (row["kind"], row["level"]): row["n"]
        for row in queryset.values("kind", "level").annotate(n=Count("pk")).order_by()
    }
    kinds = [kind for kind in Platform.Kind if any(k == kind for k, _ in counts)]
    series = []
    for level in Level:
        data, urls = [], []
        for kind in kinds:
            data.append(counts.get((kind.value, level.value), 0))
            urls.append(
                _list_url(
                    "platforms:platform-list",
                    year=year,
                    kind=kind.value,
                    level=level.value,
                    host__township=pk,
                )
            )
        series.append({"name": str(level.label), "data": data, "urls": urls})
    return {"kinds": [str(kind.label) for kind in kinds], "series": series}


def _talent_pipeline(year: int, pk) -> dict:
    """Projects of the year at each step of the review: reached, and passed (or selected)."""
    if pk is None and tallies_enabled():
        counts = tallies.totals([summaries.TALENT_STAGES], [year])[summaries.TALENT_STAGES.name]
        counts = counts.get(year, {})
        rows = [
            {"step": step, "result": result, "n": counts[summaries.stage_alias(step, result)]}
            for step in TalentStage.Step.values
            for result in TalentStage.Result.values
            if counts.get(summaries.stage_alias(step, result))
        ]
    else:
        queryset = TalentStage.objects.filter(project__year=year)
        if pk is not None:
            queryset = queryset.filter(project__enterprise__township=pk)
        rows = (
            queryset.values("step", "result").annotate(n=Count("project", distinct=True)).order_by()
        )
    reached, passed = {}, {}
    for row in rows:
        reached[row["step"]] = reached.get(row["step"], 0) + row["n"]
        if row["result"] in (TalentStage.Result.PASSED, TalentStage.Result.SELECTED):
            passed[row["step"]] = passed.get(row["step"], 0) + row["n"]
    steps = list(TalentStage.Step)
    return {
        "steps": [str(step.label) for step in steps],
        "reached": [reached.get(step.value, 0) for step in steps],
        "passed": [passed.get(step.value, 0) for step in steps],
        "urls": [
            _list_url(
                "talents:talentstage-list",
                project__year=year,
                step=step.value,
                project__enterprise__township=pk,
            )
            for step in steps
        ],
    }


def _by_month(year: int, pk) -> dict:
    visits = ServiceVisit.objects.filter(date__year=year)
    policy = WorkActivity.objects.filter(date__year=year, kind=WorkActivity.Kind.POLICY_VISIT)
    if pk is not None:
        visits = visits.filter(village__village__township=pk)
        policy = policy.filter(township=pk)

    by_month = {}
    if pk is None and tallies_enabled():
        month_sums = [summaries.VISITS_BY_MONTH, summaries.POLICY_VISITS_BY_MONTH]
        by_month = {
            name: values.get(year, {})
            for name, values in tallies.totals(month_sums, [year]).items()
        }

    def monthly(queryset, summary):
        if summary.name in by_month:
            counts = by_month[summary.name]
            return [counts.get(f"m{month}", 0) for month in range(1, 13)]
        counts = dict(
            queryset.annotate(month=ExtractMonth("date"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("month", "n")
        )
        return [counts.get(month, 0) for month in range(1, 13)]

    return {
        "months": [_("%(month)s月") % {"month": month} for month in range(1, 13)],
        "series": [
            {
                "name": str(REGISTRY["service_visits"].label),
                "data": monthly(visits, summaries.VISITS_BY_MONTH),
                "urls": [
                    _list_url(
                        "poverty:servicevisit-list",
                        date__year=year,
                        date__month=month,
                        village__village__township=pk,
                    )
                    for month in range(1, 13)
                ],
            },
            {
                "name": str(REGISTRY["policy_visits"].label),
                "data": monthly(policy, summaries.POLICY_VISITS_BY_MONTH),
                "urls": [
                    _list_url(
                        "bureau:workactivity-list",
                        kind=WorkActivity.Kind.POLICY_VISIT.value,
                        date__year=year,
                        date__month=month,
                        township=pk,
                    )
                    for month in range(1, 13)
                ],
            },
        ],
    }


def _num(value):
    """Numbers for the charts' JSON."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def build_dashboard(year: int, township=None, today: datetime.date | None = None) -> dict:
    """Everything the dashboard shows for ``year`` (one township's view when given), as of
    ``today`` (the date the page says its figures are as of: 数据截至): every figure is the
    registry's as of that date (``compute_as_of``), as the report and the API compute it."""
    today = today or datetime.date.today()
    pk = township_pk(township)
    years = list(range(year - TREND_YEARS + 1, year + 1))
    # Five years of the tables the trends chart, two years (this and last) of the others:
    # every table is still read once, and the large ones the trends skip only for two years.
    trend_models = {REGISTRY[key].model for key in TREND_KEYS}
    long_keys = [key for key in SHOWN_KEYS if REGISTRY[key].model in trend_models]
    short_keys = [key for key in SHOWN_KEYS if key not in long_keys]
    details = DETAIL_KEYS if pk is None else set()  # a township's page has neither
    trends = compute_as_of(years, today, pk, long_keys, detail_year=year, detail_keys=details)
    values = compute_as_of(
        [year - 1, year], today, pk, short_keys, detail_year=year, detail_keys=details
    )
    for y in (year - 1, year):
        values[y].update(trends[y])
    # Closed years (年度封账) read as on the day their report was approved.
    township_name = Township.objects.get(pk=pk).name if pk is not None else None
    closed = closing.apply({y: values.get(y, trends[y]) for y in years}, township_name)
    current = values[year]
    township_rows, township_total = _townships(current, year) if pk is None else ([], 0)
    return {
        "year": year,
        "as_of": cutoff_of(year, today),
        "township": Township.objects.get(pk=pk) if pk is not None else None,
        "township_total": township_total,
        "kpis": _kpis(values, year, today, pk, closed),
        "closed": closed.get(year),
        "last_closed": closed.get(year - 1),
        "townships": township_rows,
        "charts": {
            "trends": _trends(trends, years, pk),
            "townships": {
                "names": [row["name"] for row in township_rows],
                "coverage_rate": [_num(row["coverage_rate"]) for row in township_rows],
                "sme": [row["sme"] for row in township_rows],
                "hitech": [row["hitech"] for row in township_rows],
                "visits": [row["visits"] for row in township_rows],
                "coverage_urls": [row["coverage_url"] for row in township_rows],
                "sme_urls": [row["sme_url"] for row in township_rows],
                "hitech_urls": [row["hitech_url"] for row in township_rows],
                "visits_urls": [row["visits_url"] for row in township_rows],
            },
            "platforms": _platforms(year, pk),
            "talents": _talent_pipeline(year, pk),
            "months": _by_month(year, pk),
        },
        "coverage_rate": current["coverage_rate"],
        "milestones": current["coverage_milestones"] if pk is None else None,
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }


def dashboard_data(year: int, township=None, today: datetime.date | None = None) -> dict:
    """``build_dashboard`` through the cache (``DASHBOARD_CACHE_SECONDS``, 0 disables it)."""
    seconds = cache_seconds()
    today = today or datetime.date.today()
    key = dashboard_cache_key(year, township_pk(township), today)
    data = cache.get(key) if seconds else None
    if data is None:
        data = dashboard_refresh(year, township, today)
    return data


def dashboard_refresh(year: int, township=None, today: datetime.date | None = None) -> dict:
    """Build the dashboard and put it in the cache whether or not it is there: beat calls this
    for the district every ``DASHBOARD_WARM_SECONDS`` so that nobody waits for a cold build."""
    today = today or datetime.date.today()
    key = dashboard_cache_key(year, township_pk(township), today)
    data = build_dashboard(year, township, today)
    data["cache_key"] = key  # the page caches its largest rendered parts under it
    if cache_seconds():
        cache.set(key, data, cache_seconds())
    return data


def _share(value, previous) -> Decimal | None:
    if not value or not previous:
        return None
    return (Decimal(value) * 100 / Decimal(previous)).quantize(Decimal("0.1"))


def build_pipeline(year: int, township=None) -> dict:
    """The pipeline card of ``year`` (one township's when given): each step's count, the link to
    its records and its share of the step before; of the 后备高企, those meeting every
    condition the records decide. A fixed number of queries: two for the applications and
    evaluations, one for the 后备高企 (``cultivation.evaluations``, with its refresh), one for
    the targets."""
    pk = township_pk(township)
    keys = [*PIPELINE_KEYS, PIPELINE_READY_KEY]
    # as of today, as the cards beside it
    values = compute_as_of([year], datetime.date.today(), pk, keys, detail_keys=())[year]
    labels = {
        "sme_registered": _("科小入库"),
        "hitech_reserve": _("后备高企"),
        "hitech_applications": _("高企申报"),
        "hitech_certified": _("高企认定"),
    }
    steps, previous = [], None
    for key in PIPELINE_KEYS:
        item = values[key]
        steps.append(
            {
                "key": key,
                "label": labels[key],
                "title": item.label,
                "value": item.value,
                "url": item.records_url,
                "share": _share(item.value, previous) if previous is not None else None,
            }
        )
        previous = item.value
    ready = values[PIPELINE_READY_KEY]
    return {
        "year": year,
        "steps": steps,
        "ready": {"value": ready.value, "url": ready.records_url, "title": ready.label},
    }


def pipeline_cache_key(year: int, pk: int | None, today: datetime.date | None = None) -> str:
    return f"{dashboard_cache_key(year, pk, today)}:pipeline"


def pipeline_data(year: int, township=None, today: datetime.date | None = None) -> dict | None:
    """``build_pipeline`` through the dashboard's cache (the same key, so a clear or an import
    renews both). A scope of more than ``PIPELINE_INLINE_ENTERPRISES`` enterprises (a province's
    district-wide card: tens of seconds of scoring) is built by the worker instead, kept
    ``PIPELINE_WORKER_CACHE_SECONDS``: None until it is there (the card asks again). Without a
    broker tasks run inline, so the card is there at once."""
    pk = township_pk(township)
    if not cache_seconds():
        return build_pipeline(year, pk)
    key = pipeline_cache_key(year, pk, today)
    data = cache.get(key)
    if data is not None:
        return data
    scope = Enterprise.objects.all() if pk is None else Enterprise.objects.filter(township=pk)
    if scope.count() <= PIPELINE_INLINE_ENTERPRISES:
        data = build_pipeline(year, pk)
        cache.set(key, data, cache_seconds())
        return data
    from reports.tasks import build_pipeline_card  # noqa: PLC0415 - tasks import this module

    if cache.add(f"{key}:building", 1, PIPELINE_WORKER_CACHE_SECONDS):
        build_pipeline_card.delay(year, pk, key)
    return cache.get(key)


def dashboard_townships_in_use() -> list[int]:
    """Townships whose dashboard someone opens: those of active liaison accounts (a liaison
    sees only their township's). A district has a few dozen at most, so beat warms them all."""
    return list(
        User.objects.filter(role=Role.LIAISON, is_active=True, township__isnull=False)
        .order_by("township_id")
        .values_list("township_id", flat=True)
        .distinct()
    )


def dashboard_years(today: datetime.date | None = None) -> list[int]:
    """Years offered by the year selector: this year and the five before, newest first."""
    this_year = (today or datetime.date.today()).year
    return list(range(this_year, this_year - 6, -1))
