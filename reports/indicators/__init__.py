"""The indicator registry: every figure of the annual report, computed once (issue 4).

    from reports.indicators import REGISTRY, get_indicator, compute_all

    REGISTRY["sme_registered"].compute(2025).value
    compute_all(2025, township=None)["coverage_rate"].breakdown

The dashboard, the annual report, the ``indicators`` command and the API all read figures here,
so a figure means the same wherever it is shown. ``AnnualTarget.indicator`` and
``ExternalFigure.key`` hold registry keys.
"""

import datetime

from reports.indicators.base import (
    ExternalIndicator,
    Indicator,
    IndicatorValue,
    evaluate,
    township_pk,
)
from reports.indicators.benefits import BENEFIT_INDICATORS
from reports.indicators.definitions import INDICATORS as DEFINED

# The sample report's figures, then 惠企政策兑现's (kept in a module of their own).
INDICATORS = [*DEFINED, *BENEFIT_INDICATORS]

REGISTRY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
assert len(REGISTRY) == len(INDICATORS), "indicator keys must be unique"

# Keys of the figures staff enter as external figures, for the ExternalFigure form's choices.
EXTERNAL_KEYS = [key for key, ind in REGISTRY.items() if isinstance(ind, ExternalIndicator)]


def get_indicator(key: str) -> Indicator:
    """The indicator of ``key``; KeyError names the key when it does not exist."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown indicator {key!r}") from None


def cutoff_of(year: int, as_of: datetime.date) -> datetime.date:
    """The last day whose facts count for ``year`` as of ``as_of``: ``as_of`` within the year,
    the year's last day once it is over."""
    return min(as_of, datetime.date(year, 12, 31))


def compute_as_of(
    years, as_of: datetime.date, township=None, keys=None, *, detail_year=None, detail_keys=None
) -> dict[int, dict[str, IndicatorValue]]:
    """Indicators (all, or ``keys``) for each of ``years`` as of ``as_of``: only facts dated on
    or before ``cutoff_of(year, as_of)`` count, and a growth compares the same period of the
    year before (``Indicator.at``).

    The one way every page computes a figure for a date: the dashboard (as of its date, today
    by default), ``compute_all`` (the registry), the API and the annual report (as of its
    cut-off) all come here, so for the same date they show the same numbers. One evaluation per
    distinct cut-off: a fixed number of queries whatever the data."""
    indicators = INDICATORS if keys is None else [get_indicator(key) for key in keys]
    years = sorted(set(years))
    detail_year = years[-1] if detail_year is None else detail_year
    by_cutoff: dict[datetime.date, list[int]] = {}
    for year in years:
        by_cutoff.setdefault(cutoff_of(year, as_of), []).append(year)
    out: dict[int, dict[str, IndicatorValue]] = {}
    for cutoff, group in by_cutoff.items():
        mine = detail_year in group
        out.update(
            evaluate(
                # one year of a group pins the shortcut of ``at``: a group of several years
                # shares a cut-off inside the last of them only when ``as_of`` is before it
                [ind.at(cutoff, group[0] if len(group) == 1 else None) for ind in indicators],
                group,
                township,
                detail_year=detail_year if mine else group[-1],
                detail_keys=detail_keys if mine else (),
            )
        )
    return out


def compute_all(
    year: int, township=None, *, as_of: datetime.date | None = None
) -> dict[str, IndicatorValue]:
    """Every indicator for ``year`` (and one township: a Township, its pk or its code), as of
    ``as_of`` (default: today; ``compute_as_of``).

    A fixed number of SQL queries whatever the data. District-wide figures (external figures,
    campaign milestones, achievements) are None for a township.
    """
    return compute_as_of([year], as_of or datetime.date.today(), township)[year]


def compute_many(
    years, township=None, keys=None, *, detail_year=None, detail_keys=None
) -> dict[int, dict[str, IndicatorValue]]:
    """Indicators (all, or ``keys``) for several years at once, in the same fixed queries.

    Names, details and breakdowns are filled for ``detail_year`` (default: the last year), for
    every indicator or only those of ``detail_keys``."""
    indicators = INDICATORS if keys is None else [get_indicator(key) for key in keys]
    return evaluate(indicators, years, township, detail_year=detail_year, detail_keys=detail_keys)


__all__ = [
    "EXTERNAL_KEYS",
    "INDICATORS",
    "REGISTRY",
    "Indicator",
    "IndicatorValue",
    "compute_all",
    "compute_as_of",
    "compute_many",
    "cutoff_of",
    "get_indicator",
    "township_pk",
]
