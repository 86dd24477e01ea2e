"""Every summary the dashboard reads (``reports.tallies``), registered when this module is
imported, so that each process marks the same summaries whatever it writes:

- one per group of the registry's indicators that share a model, a year field and
  cumulativeness (the grouped query ``evaluate`` would run), holding the aggregates of those
  whose parts add up across townships;
- the coverage campaign's population and ledger (``AboveScaleCoverage``);
- service visits and policy visits by month.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear

from bureau.models import WorkActivity
from poverty.models import ServiceVisit
from reports import tallies
from reports.indicators import REGISTRY
from reports.indicators.base import (
    CustomIndicator,
    ExternalIndicator,
    GrowthIndicator,
    Indicator,
)
from reports.indicators.definitions import COVERAGE_LEDGER, COVERAGE_POPULATION
from talents.models import TalentStage

MONTHS = range(1, 13)


def _by_month(name, model, where=None) -> tallies.Summary:
    return tallies.Summary(
        name,
        model,
        {f"m{month}": Count("pk", filter=Q(date__month=month)) for month in MONTHS},
        where=where or Q(),
        year=ExtractYear("date"),
    )


VISITS_BY_MONTH = _by_month("dashboard:service_visits_by_month", ServiceVisit)
POLICY_VISITS_BY_MONTH = _by_month(
    "dashboard:policy_visits_by_month",
    WorkActivity,
    Q(kind=WorkActivity.Kind.POLICY_VISIT),
)


def stage_alias(step, result) -> str:
    return f"s_{step}__{result}"


# Projects of a year at each step of the review and each result there (a project lies in one
# township, so the distinct counts add up).
TALENT_STAGES = tallies.Summary(
    "dashboard:talent_stages",
    TalentStage,
    {
        stage_alias(step, result): Count(
            "project", filter=Q(step=step, result=result), distinct=True
        )
        for step in TalentStage.Step.values
        for result in TalentStage.Result.values
    },
    year=F("project__year"),
)


def adds_up(indicator: Indicator) -> bool:
    """Whether the indicator's aggregates, summed over townships, give the district's."""
    if isinstance(indicator, GrowthIndicator):
        return adds_up(indicator.base)
    if isinstance(indicator, CustomIndicator | ExternalIndicator) or indicator.model is None:
        return False
    township = getattr(indicator.model, "township_lookup", None)
    if not township:
        return False
    if getattr(indicator, "needs_distinct", False):
        # A distinct value is counted once in the district only if it lies in one township.
        return township.startswith(f"{indicator.distinct}__")
    return True


def group_key(indicator: Indicator) -> tuple:
    return (indicator.model, indicator.year_field, indicator.cumulative)


def _group_summary(key, indicators) -> tallies.Summary:
    model, year_field, cumulative = key
    aggregates = {}
    for indicator in indicators:
        if getattr(indicator, "needs_distinct", False):
            aggregates[indicator.alias("n")] = Count(
                indicator.distinct, filter=indicator.where or None, distinct=True
            )
        else:
            aggregates.update(indicator.measures())
    wheres = [indicator.where for indicator in indicators]
    return tallies.Summary(
        f"indicators:{model._meta.label_lower}:{year_field}:{'to_date' if cumulative else 'year'}",
        model,
        aggregates,
        where=reduce(or_, wheres) if all(wheres) else Q(),
        year=indicators[0].year_expression(),
    )


def _groups() -> dict[tuple, tuple[tallies.Summary, frozenset[str]]]:
    grouped: dict[tuple, list] = {}
    for indicator in REGISTRY.values():
        if adds_up(indicator) and not isinstance(indicator, GrowthIndicator):
            grouped.setdefault(group_key(indicator), []).append(indicator)
    out = {}
    for key, indicators in grouped.items():
        keys = {indicator.key for indicator in indicators}
        # Growth figures read their base's aggregates.
        keys |= {
            indicator.key
            for indicator in REGISTRY.values()
            if isinstance(indicator, GrowthIndicator) and indicator.base_key in keys
        }
        out[key] = (_group_summary(key, indicators), frozenset(keys))
    return out


GROUPS = _groups()


def for_group(key: tuple) -> tuple[tallies.Summary, frozenset[str]] | None:
    """The summary of an indicator group and the keys it holds (None: not summarised)."""
    return GROUPS.get(key)


def tallied(indicator: Indicator) -> bool:
    """Whether ``evaluate`` may read this indicator from its group's summary: the registry's
    own (an indicator as of a cut-off date has another condition) and summed by its group."""
    if REGISTRY.get(indicator.key) is not indicator:
        return False
    group = GROUPS.get(group_key(indicator))
    return group is not None and indicator.key in group[1]


tallies.register(
    *(summary for summary, _keys in GROUPS.values()),
    COVERAGE_POPULATION,
    COVERAGE_LEDGER,
    VISITS_BY_MONTH,
    POLICY_VISITS_BY_MONTH,
    TALENT_STAGES,
)
