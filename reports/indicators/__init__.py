"""The indicator registry: every figure of the annual report, computed once (issue 4).

    from reports.indicators import REGISTRY, get_indicator, compute_all

    REGISTRY["sme_registered"].compute(2025).value
    compute_all(2025, township=None)["coverage_rate"].breakdown

The dashboard, the annual report, the ``indicators`` command and the API all read figures here,
so a figure means the same wherever it is shown. ``AnnualTarget.indicator`` and
``ExternalFigure.key`` hold registry keys.
"""

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


def compute_all(year: int, township=None) -> dict[str, IndicatorValue]:
    """Every indicator for ``year`` (and one township: a Township, its pk or its code).

    A fixed number of SQL queries whatever the data. District-wide figures (external figures,
    campaign milestones, achievements) are None for a township.
    """
    return evaluate(INDICATORS, [year], township)[year]


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
    "compute_many",
    "get_indicator",
    "township_pk",
]
