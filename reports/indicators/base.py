"""The machinery of the indicator registry: what an indicator is and how a set of them is
evaluated in a fixed number of SQL queries.

An indicator counts or sums the records of one model that meet a condition for a year
(``Indicator.condition``). Evaluating many indicators together groups them by the model and the
field that places a record in a year: one query grouped by year gives every value of those
indicators for every year asked for (each value a conditional aggregate, ``FILTER (WHERE ...)``),
one row query per model gives the names the report lists, one grouped query per (model,
breakdown field) gives the breakdowns, plus one query for external figures and one for targets.
The number of queries therefore depends on the registry, never on the data, the townships or
the years asked for.
"""

from __future__ import annotations

import copy
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, reduce
from operator import or_
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    UniqueConstraint,
)
from django.db.models.functions import ExtractYear
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from bureau.collation import Pinyin, order_expression, pinyin_ranks
from bureau.models import AnnualTarget, ExternalFigure, Township
from reports import tallies
from reports.tallies import year_township

YI = Decimal(10000)  # amounts are stored in 万元; the report quotes 亿元
HUNDRED = Decimal(100)


@dataclass
class IndicatorValue:
    """The value of one indicator for one year (and township)."""

    key: str
    label: str
    unit: str
    value: Decimal | int | None
    names: list[str] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    breakdown: dict[str, Decimal | int | None] = field(default_factory=dict)
    records_url: str | None = None
    target: Decimal | None = None
    year: int | None = None

    @property
    def progress(self) -> Decimal | None:
        """Share of the target reached, in percent (None without a target or a value)."""
        if self.target in (None, 0) or self.value is None:
            return None
        return _quantize(Decimal(self.value) * HUNDRED / Decimal(self.target), 1)

    def as_dict(self) -> dict:
        return {"label": self.label, "unit": self.unit, "value": self.value}


def _quantize(value: Decimal | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def township_pk(township) -> int | None:
    """Accept a Township, its primary key or its 9-digit code."""
    if township is None or township == "":
        return None
    if isinstance(township, Township):
        return township.pk
    if isinstance(township, str) and len(township) == 9 and township.isdigit():
        return Township.objects.values_list("pk", flat=True).get(code=township)
    return int(township)


def tallies_enabled() -> bool:
    """District-wide values are read from the summaries (``reports.tallies``) unless
    ``INDICATOR_TALLIES`` is False (then every value is aggregated from the records)."""
    return getattr(settings, "INDICATOR_TALLIES", True)


def township_names(memo: dict | None = None) -> dict[int, str | None]:
    """Township pk -> name, and ``tallies.NO_TOWNSHIP`` -> None (records without one); read
    once per evaluation when given its ``memo``."""
    if memo is not None:
        if "township_names" not in memo:
            memo["township_names"] = township_names()
        return memo["township_names"]
    names = dict(Township.objects.order_by(Pinyin("name")).values_list("pk", "name"))
    names[tallies.NO_TOWNSHIP] = None  # last, as NULL sorts in PostgreSQL
    return names


@cache
def list_url(name: str) -> str | None:
    """The path of a list page (reversed once: the dashboard links hundreds of numbers)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class Indicator:
    """One figure of the annual report. Subclasses below say how it is measured.

    Attributes set per indicator: ``key``, ``label`` (Chinese), ``unit``, ``section`` of the
    report, ``model`` (the records behind the value), ``where`` (a fixed condition),
    ``year_field`` (the year or date field that places a record in a year; ``cumulative``
    counts that year and every year before), ``url_params`` (the same condition as
    filter parameters of the model's list page), ``name_field`` / ``detail_fields`` (what the
    report lists) and ``breakdown_field``.
    """

    key: str = ""
    label: str = ""
    unit: str = ""
    section: str = ""
    model = None
    where: Q = Q()
    year_field: str = "year"
    cumulative: bool = False
    year_param: str | None = "year"
    url_params: dict = {}
    name_field: str | None = None
    detail_fields: dict[str, str] = {}  # output name -> field path
    breakdown_field: str | None = None
    order_by: tuple[str, ...] = ()
    decimals: int = 0
    # The date on which a counted record's fact happened (a stage's date, a certificate's issue
    # date): a report as of a cut-off date counts only facts dated on or before it. Indicators
    # placed in a year by a date field are dated by it.
    dated_by: str | None = None
    dated_by_nullable: bool = False

    def __init__(self, key: str, label: str, unit: str, section: str, doc: str, **attrs):
        self.key, self.label, self.unit, self.section = key, label, unit, section
        self.__doc__ = doc
        for name, value in attrs.items():
            if not hasattr(type(self), name):
                raise TypeError(f"{type(self).__name__} has no attribute {name!r}")
            setattr(self, name, value)
        if attrs.get("cumulative") and attrs.get("distinct", "pk") != "pk":
            raise TypeError("a cumulative count counts records, not distinct values")

    def __repr__(self):
        return f"<{type(self).__name__} {self.key}>"

    def fact_date_field(self) -> str | None:
        if self.dated_by:
            return self.dated_by
        if self.model is not None and not self.cumulative and self.year_is_date:
            return self.year_field
        return None

    def at(self, cutoff: datetime.date | None, year: int | None = None) -> Indicator:
        """This indicator as of ``cutoff``: facts dated after it do not count (a copy; the
        registry's own stays as it is). Facts without a date count when ``dated_by_nullable``
        (a recognised platform whose date nobody entered). Given the ``year`` it is evaluated
        for, a cut-off at or after that year's end is no condition for records placed in the
        year by the same date (the registry's own then stays, and reads its summary)."""
        path = self.fact_date_field()
        if cutoff is None or path is None:
            return self
        if (
            year is not None
            and cutoff >= datetime.date(year, 12, 31)
            and path == self.year_field
            and not self.cumulative
        ):
            return self
        clone = copy.copy(self)
        until = Q(**{f"{path}__lte": cutoff})
        if self.dated_by_nullable:
            until |= Q(**{f"{path}__isnull": True})
        clone.where = self.where & until
        return clone

    # ---- which records -------------------------------------------------------------------

    @property
    def district_only(self) -> bool:
        """A district-wide figure: it has no value for a single township."""
        return self.model is None or not getattr(self.model, "township_lookup", None)

    @property
    def year_is_date(self) -> bool:
        model = self.model
        for part in self.year_field.split("__"):
            field_obj = model._meta.get_field(part)
            model = field_obj.related_model or model
        return isinstance(field_obj, DateField)

    @property
    def year_lookup(self) -> str:
        lookup = f"{self.year_field}__year" if self.year_is_date else self.year_field
        return f"{lookup}__lte" if self.cumulative else lookup

    def year_expression(self):
        """The year of a record, for grouping."""
        return ExtractYear(self.year_field) if self.year_is_date else F(self.year_field)

    def condition(self, year: int) -> Q:
        return Q(**{self.year_lookup: year}) & self.where

    def _filter(self, year: int | None) -> Q | None:
        """The aggregate's FILTER: the fixed condition, plus the year when given."""
        if year is not None:
            return self.condition(year)
        return self.where or None

    def queryset(self, year: int, township=None):
        """The records behind the value of ``year`` (of one township when given)."""
        pk = township_pk(township)
        manager = self.model._default_manager
        if pk is not None and self.district_only:
            return manager.none()
        queryset = manager.filter(self.condition(year))
        if pk is not None:
            queryset = queryset.filter(**{year_township(self.model): pk})
        return queryset.order_by(*self.order_by) if self.order_by else queryset

    def records_url(self, year: int, township=None) -> str | None:
        """The list page of the records, filtered by the same condition."""
        if self.model is None:
            return None
        base = list_url(f"{self.model.url_namespace}:{self.model._meta.model_name}-list")
        if base is None:
            return None
        params = {}
        if self.year_param:
            params[self.year_param] = year
        for name, value in self.url_params.items():
            params[name] = ",".join(value) if isinstance(value, list | tuple) else value
        pk = township_pk(township)
        if pk is not None and not self.district_only:
            params[year_township(self.model)] = pk
        return f"{base}?{urlencode(params)}"

    # ---- how it is measured --------------------------------------------------------------

    def alias(self, name: str) -> str:
        return f"{self.key}__{name}"

    def measures(self, year: int | None = None) -> dict:
        """Aliases -> aggregates over ``self.model``: of ``year``, or per year when grouped."""
        return {}

    def value_from(self, get, year: int):
        """The value for ``year``; ``get(alias, year)`` reads an aggregate."""
        raise NotImplementedError

    def source_years(self, year: int) -> list[int]:
        return [year]

    def compute(self, year: int, township=None) -> IndicatorValue:
        """The value for ``year`` (and ``township``), with names, details and breakdown."""
        return evaluate([self], [year], township)[year][self.key]


class CountIndicator(Indicator):
    """Number of records (or of distinct ``distinct`` values, e.g. enterprises)."""

    distinct: str = "pk"

    @property
    def needs_distinct(self) -> bool:
        """False when a unique constraint already allows one record per ``distinct`` and year
        (an SME evaluation per enterprise and year): COUNT is then COUNT DISTINCT, faster."""
        if self.distinct == "pk":
            return False
        # Fields the condition pins to one value (``step=40``) narrow a constraint further.
        pinned = {
            child[0]
            for child in self.where.children
            if isinstance(child, tuple) and "__" not in child[0]
        }
        # The year belongs to the constraint's key when its field (or the relation leading to
        # it, ``project`` of ``project__year``) is part of the key.
        year_root = self.year_field.split("__")[0]
        known = {self.distinct, year_root} | pinned
        return not any(
            isinstance(constraint, UniqueConstraint)
            and constraint.condition is None
            and year_root in constraint.fields
            and set(constraint.fields) <= known
            for constraint in self.model._meta.constraints
        )

    def measures(self, year=None):
        return {
            self.alias("n"): Count(
                self.distinct, filter=self._filter(year), distinct=self.needs_distinct
            )
        }

    def value_from(self, get, year):
        return get(self.alias("n"), year) or 0


class SumIndicator(Indicator):
    """Sum of ``field`` over the records, divided by ``divisor`` (万元 -> 亿元)."""

    sum_field: str = ""
    divisor: Decimal = Decimal(1)
    decimals = 2

    def measures(self, year=None):
        return {self.alias("sum"): Sum(self.sum_field, filter=self._filter(year))}

    def raw(self, get, year) -> Decimal:
        return get(self.alias("sum"), year) or Decimal(0)

    def value_from(self, get, year):
        return _quantize(self.raw(get, year) / self.divisor, self.decimals)


class RatioIndicator(Indicator):
    """``numerator`` / ``denominator`` in percent; None when the denominator is zero.

    Both are aggregates over the records of the year: ("sum", field) or ("count", Q)."""

    numerator: tuple = ()
    denominator: tuple = ()
    decimals = 2

    def _aggregate(self, spec, year):
        kind, arg = spec
        if kind == "sum":
            return Sum(arg, filter=self._filter(year))
        condition = (self._filter(year) or Q()) & arg
        return Count("pk", filter=condition or None)

    def measures(self, year=None):
        return {
            self.alias("num"): self._aggregate(self.numerator, year),
            self.alias("den"): self._aggregate(self.denominator, year),
        }

    def value_from(self, get, year):
        num = get(self.alias("num"), year) or 0
        den = get(self.alias("den"), year) or 0
        if not den:
            return None
        return _quantize(Decimal(num) * HUNDRED / Decimal(den), self.decimals)


class GrowthIndicator(Indicator):
    """Growth of another indicator over the year before, in percent."""

    base_key: str = ""
    decimals = 2
    year_param = None
    _base: Indicator | None = None  # the base as of a cut-off (``at``)

    @property
    def base(self) -> Indicator:
        if self._base is not None:
            return self._base
        from reports.indicators import REGISTRY

        return REGISTRY[self.base_key]

    def at(self, cutoff, year=None):
        """Growth over the same period of the year before (同比): this year up to ``cutoff``
        against last year up to the same day. The base is renamed so that its aggregates never
        mix with the base indicator's own, which counts the whole of last year."""
        registered = self.base
        path = registered.fact_date_field()
        if cutoff is None or path is None:
            return self
        if year is not None and registered.at(cutoff, year) is registered:
            return self  # the whole year against the whole year before
        try:
            same_day = cutoff.replace(year=cutoff.year - 1)
        except ValueError:  # 29 February
            same_day = cutoff.replace(year=cutoff.year - 1, day=28)
        base = copy.copy(registered)
        base.key = f"{registered.key}__same_period"
        base.where = (
            registered.where
            & Q(**{f"{path}__lte": cutoff})
            & ~Q(
                **{
                    f"{path}__gt": same_day,
                    f"{path}__lt": datetime.date(cutoff.year, 1, 1),
                }
            )
        )
        clone = copy.copy(self)
        clone._base = base
        return clone

    @property
    def model(self):  # noqa: D102 - the records are the base indicator's
        return self.base.model

    @property
    def district_only(self):
        return self.base.district_only

    @property
    def year_field(self):
        return self.base.year_field

    @property
    def cumulative(self):
        return self.base.cumulative

    @property
    def where(self):
        return self.base.where

    def condition(self, year):
        return self.base.condition(year)

    def queryset(self, year, township=None):
        return self.base.queryset(year, township)

    def records_url(self, year, township=None):
        return self.base.records_url(year, township)

    def measures(self, year=None):
        return self.base.measures(year)

    def source_years(self, year):
        return [year, year - 1]

    def value_from(self, get, year):
        now = self.base.raw(get, year)
        before = self.base.raw(get, year - 1)
        if not before:
            return None
        return _quantize((now - before) * HUNDRED / before, self.decimals)


class CustomIndicator(Indicator):
    """An indicator whose value is not one aggregate over its model's records of a year (a rate
    over a population that has no year). ``evaluate_custom`` gives its values for the years
    asked for and its breakdown for the detail year, in a fixed number of queries that
    indicators of one kind share through ``memo``."""

    def evaluate_custom(self, years, pk, detail_year, memo) -> tuple[dict, dict]:
        raise NotImplementedError

    def fact_date_field(self):
        return self.dated_by

    def measures(self, year=None):
        return {}


class ExternalIndicator(Indicator):
    """A figure the bureau receives (``ExternalFigure`` with this key): district-wide only."""

    model = ExternalFigure
    decimals = 2

    @property
    def district_only(self):
        return True

    def condition(self, year):
        return Q(year=year, key=self.key)

    def records_url(self, year, township=None):
        base = list_url("bureau:externalfigure-list")
        return f"{base}?{urlencode({'year': year, 'q': self.key})}"


@dataclass
class _Plan:
    """The queries of one evaluation: aggregates grouped by (model, year field, cumulative)."""

    groups: dict = field(default_factory=lambda: defaultdict(list))
    listed: dict = field(default_factory=lambda: defaultdict(list))
    breakdowns: dict = field(default_factory=lambda: defaultdict(list))


def _scoped(model, pk):
    queryset = model._default_manager.all()
    if pk is not None:
        queryset = queryset.filter(**{year_township(model): pk})
    return queryset


def _choice_labels(model, path: str) -> dict:
    """Display labels of a choices field reached by ``path`` (empty when it has none)."""
    current = model
    field_obj = current._meta.pk
    for part in path.split("__"):
        if part == "pk":
            break
        field_obj = current._meta.get_field(part)
        current = field_obj.related_model or current
    return {k: str(v) for k, v in (field_obj.choices or [])}


def evaluate(
    indicators: Iterable[Indicator],
    years: Sequence[int],
    township=None,
    *,
    detail_year: int | None = None,
    detail_keys: Iterable[str] | None = None,
) -> dict[int, dict[str, IndicatorValue]]:
    """Values of ``indicators`` for each of ``years``: {year: {key: IndicatorValue}}.

    Names, details and breakdowns are gathered for ``detail_year`` only (default: the last
    year asked for). A fixed number of queries: see the module docstring.
    """
    indicators = list(indicators)
    years = sorted(set(years))
    detail_year = years[-1] if detail_year is None else detail_year
    pk = township_pk(township)
    active = [ind for ind in indicators if not (pk is not None and ind.district_only)]
    internal = [ind for ind in active if not isinstance(ind, ExternalIndicator)]
    external = [ind for ind in active if isinstance(ind, ExternalIndicator)]
    custom = [ind for ind in internal if isinstance(ind, CustomIndicator)]

    plan = _Plan()
    for ind in internal:
        if ind in custom:
            continue
        plan.groups[(ind.model, ind.year_field, ind.cumulative)].append(ind)
        if detail_keys is not None and ind.key not in detail_keys:
            continue
        if ind.name_field or ind.detail_fields:
            plan.listed[ind.model].append(ind)
        if ind.breakdown_field:
            plan.breakdowns[(ind.model, ind.breakdown_field)].append(ind)

    # (model, year field, cumulative) -> {year: {alias: value}}: from the records, or for the
    # district from the groups' summaries (``reports.summaries``) where they hold the figures.
    by_year: dict = {}
    summarised = _summarised(plan, pk)
    sums = tallies.totals(summary for summary, _inds in summarised.values()) if summarised else {}
    for key, inds in plan.groups.items():
        model = key[0]
        live = [ind for ind in inds if key not in summarised or ind not in summarised[key][1]]
        by_year[key] = _aggregate_by_year(model, live, years, pk) if live else {}
        if key in summarised:
            for year, values in sums[summarised[key][0].name].items():
                by_year[key].setdefault(year, {}).update(values)

    def reader(ind):
        rows = by_year[(ind.model, ind.year_field, ind.cumulative)]
        if not ind.cumulative:
            return lambda alias, year: rows.get(year, {}).get(alias)

        def get(alias, year):
            values = [row[alias] for y, row in rows.items() if y <= year and row[alias]]
            return sum(values) if values else None

        return get

    external_values = {}
    if external:
        figures = ExternalFigure.objects.filter(
            year__in=years, key__in=[ind.key for ind in external]
        ).values_list("year", "key", "value")
        external_values = {(year, key): value for year, key, value in figures}

    targets = {}
    if pk is None:
        targets = {
            (year, key): value
            for year, key, value in AnnualTarget.objects.filter(year__in=years).values_list(
                "year", "indicator", "value"
            )
        }

    memo: dict = {}  # custom indicators and breakdowns share their queries through it
    listed = _listed_rows(plan, detail_year, pk)
    breakdowns = _breakdowns(plan, detail_year, pk, summarised, memo)
    custom_values = {}
    for ind in custom:
        values, breakdown = ind.evaluate_custom(years, pk, detail_year, memo)
        custom_values[ind.key] = values
        breakdowns[ind.key] = breakdown

    out: dict[int, dict[str, IndicatorValue]] = {}
    for year in years:
        out[year] = {}
        for ind in indicators:
            value = None
            if ind in external:
                value = _quantize(external_values.get((year, ind.key)), ind.decimals)
                if value is not None and value == value.to_integral_value():
                    value = int(value)
            elif ind in custom:
                value = custom_values[ind.key].get(year)
            elif ind in internal:
                value = ind.value_from(reader(ind), year)
            names, details = listed.get(ind.key, ([], [])) if year == detail_year else ([], [])
            out[year][ind.key] = IndicatorValue(
                key=ind.key,
                label=ind.label,
                unit=ind.unit,
                value=value,
                names=names,
                details=details,
                breakdown=breakdowns.get(ind.key, {}) if year == detail_year else {},
                records_url=ind.records_url(year, pk) if ind in active else None,
                target=targets.get((year, ind.key)),
                year=year,
            )
    return out


def _summarised(plan: _Plan, pk) -> dict:
    """(model, year field, cumulative) -> (its summary, the indicators of the plan read from it),
    for a district-wide evaluation with the summaries on."""
    if pk is not None or not tallies_enabled():
        return {}
    from reports import summaries

    out = {}
    for key, inds in plan.groups.items():
        group = summaries.for_group(key)
        mine = [ind for ind in inds if summaries.tallied(ind)]
        if group is not None and mine:
            out[key] = (group[0], mine)
    return out


def _aggregate_by_year(model, inds: list[Indicator], years: list[int], pk) -> dict:
    """One query: every aggregate of ``inds`` per year (they share model and year field)."""
    first = inds[0]
    needed = sorted({y for ind in inds for year in years for y in ind.source_years(year)})
    if first.cumulative:
        span = Q(**{f"{first.year_lookup}": needed[-1]})
    elif first.year_is_date:
        span = Q(
            **{
                f"{first.year_field}__gte": datetime.date(needed[0], 1, 1),
                f"{first.year_field}__lt": datetime.date(needed[-1] + 1, 1, 1),
            }
        )
    else:
        span = Q(**{f"{first.year_field}__in": needed})
    queryset = _scoped(model, pk).filter(span)
    wheres = [ind.where for ind in inds]
    if all(wheres):  # rows no indicator counts need not be read
        queryset = queryset.filter(reduce(or_, wheres))
    distinct = [ind for ind in inds if getattr(ind, "needs_distinct", False)]
    aggregates = {}
    for ind in inds:
        if ind not in distinct:
            aggregates.update(ind.measures())
    out: dict = {}
    if aggregates:
        rows = (
            queryset.annotate(_year=first.year_expression())
            .values("_year")
            .annotate(**aggregates)
            .order_by()
        )
        out = {row.pop("_year"): row for row in rows}
    # COUNT(DISTINCT ...) grouped by year makes PostgreSQL sort every row; the distinct
    # (year, value) pairs come from a hash instead, and are few (villages, experts, hosts).
    for ind in distinct:
        pairs = (
            _scoped(model, pk)
            .filter(span & (ind.where or Q()))
            .annotate(_year=first.year_expression())
            .values_list("_year", ind.distinct)
            .distinct()
            .order_by()
        )
        counts = Counter(year for year, value in pairs if value is not None)
        for year in needed:
            out.setdefault(year, {})[ind.alias("n")] = counts.get(year, 0)
    return out


def _sort_key(ind: Indicator, row: dict, ranks: dict):
    # None sorts first, and mixed types never meet: each position holds one field's values;
    # a text by its place in pinyin order.
    return tuple(
        (row[path] is not None, ranks.get(row[path], row[path]) if row[path] is not None else "")
        for path in ind.order_by
    )


def _listed_rows(plan: _Plan, year: int, pk) -> dict[str, tuple[list, list]]:
    """One row query per model for every indicator that lists names or details."""
    out = {}
    for model, inds in plan.listed.items():
        paths = {"pk"}
        for ind in inds:
            paths.update(ind.detail_fields.values())
            paths.update(ind.order_by)
            if ind.name_field:
                paths.add(ind.name_field)
        flags = {
            f"_in_{ind.key}": ExpressionWrapper(ind.condition(year), output_field=BooleanField())
            for ind in inds
        }
        rows = list(
            _scoped(model, pk)
            .filter(reduce(or_, [ind.condition(year) for ind in inds]))
            .annotate(**flags)
            .order_by("pk")
            .values(*sorted(paths), *flags)
        )
        labels = {path: _choice_labels(model, path) for path in paths}
        ranks = pinyin_ranks(row[path] for ind in inds for path in ind.order_by for row in rows)
        for ind in inds:
            mine = [row for row in rows if row[f"_in_{ind.key}"]]
            if ind.order_by:
                mine.sort(key=lambda row, ind=ind: _sort_key(ind, row, ranks))
            # Each name once, in order (dict keys keep it; a list search is quadratic).
            names = []
            if ind.name_field:
                names = list(
                    dict.fromkeys(row[ind.name_field] for row in mine if row[ind.name_field])
                )
            details = [
                {
                    out_name: labels[path].get(row[path], row[path])
                    for out_name, path in ind.detail_fields.items()
                }
                for row in mine
            ]
            out[ind.key] = (names, details)
    return out


def _breakdowns(plan: _Plan, year: int, pk, summarised: dict, memo: dict) -> dict[str, dict]:
    """One grouped query per (model, field) for every indicator broken down by that field; by
    township, from the summary when every indicator of the group is read from it."""
    out = {}
    by_summary = {}
    for summary, inds in summarised.values():
        for ind in inds:
            by_summary[ind] = summary
    for (model, path), inds in plan.breakdowns.items():
        labels = _choice_labels(model, path)
        used = {by_summary.get(ind) for ind in inds}
        if path == f"{year_township(model)}__name" and None not in used:
            names = township_names(memo)
            aliases = {alias for ind in inds for alias in ind.measures(year)}
            rows = _township_rows(tallies.parts(used, year, aliases), names, path)
        else:
            aggregates = {}
            for ind in inds:
                aggregates.update(ind.measures(year))
            rows = (
                _scoped(model, pk)
                .filter(reduce(or_, [ind.condition(year) for ind in inds]))
                .values(path)
                .annotate(**aggregates)
                .order_by(order_expression(model, path))
            )
        for ind in inds:
            out[ind.key] = {}
        for row in rows:
            group = row[path]
            label = labels.get(group, group) if group is not None else _("未分类")
            for ind in inds:
                value = ind.value_from(lambda alias, _year, row=row: row.get(alias), year)
                # Groups without records of this indicator are left out; a rate of 0 % stays.
                if value is None or (value == 0 and not isinstance(ind, RatioIndicator)):
                    continue
                out[ind.key][str(label)] = value
    return out


def _township_rows(parts: dict, names: dict, path: str) -> list[dict]:
    """Summaries' parts per township pk -> rows per township name, as the grouped query gives
    them (townships of one name are one group there too), in the database's name order."""
    merged: dict = defaultdict(dict)
    for by_township in parts.values():
        for township, values in by_township.items():
            row = merged[names.get(township)]
            for alias, value in values.items():
                row[alias] = row.get(alias, 0) + value
    return [
        {path: name, **merged[name]} for name in dict.fromkeys(names.values()) if name in merged
    ]


def today() -> datetime.date:
    return datetime.date.today()
