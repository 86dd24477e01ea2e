"""年度封账 (closing a year): when a year's annual report is approved, the year's figures are
closed with it, so a past year reads as on the approval day wherever its figures are shown.

- ``year_close`` (called by the approval, in its transaction) keeps every registry figure of
  the year, with its breakdown, as computed at that moment (``YearClosing.values``);
- ``closed_values`` / ``apply`` put the closed values in place of the computed ones for the
  dashboards, the big screen and the registry (API, command, page), and say which figures the
  records no longer match ("现值 X（封账值 Y）");
- ``changes_after_closing`` lists what was changed since in the records of the year, from the
  history tables (before and after, who, when): the 封账后变更 list;
- ``year_reopen``: an administrator reopens a year with a reason; the row keeps it, and the
  next approval closes the year again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.text import clean_text
from enterprises.models import Enterprise
from platforms.models import RdCoverage
from portal.history import _related_names, _text
from reports.indicators import INDICATORS, REGISTRY, compute_all, compute_as_of
from reports.indicators.base import (
    CustomIndicator,
    GrowthIndicator,
    IndicatorValue,
    RatioIndicator,
)
from reports.models import ReportVersion, YearClosing

# Records that carry no year but decide under which township and class every year's records
# count: a change of these fields moves the figures of closed years too.
UNDATED_SOURCES = {Enterprise: ("township", "village", "industry", "is_above_scale")}
# Records custom indicators read besides their model, by year: the coverage ledger.
CUSTOM_SOURCES = {RdCoverage: {"year"}}
# The 封账后变更 list shows at most this many changes (newest first) and says so beyond.
CHANGES_SHOWN = 300


def _jsonable(value):
    return str(value) if isinstance(value, Decimal) else value


def _number(value):
    return Decimal(value) if isinstance(value, str) else value


def year_values(year: int) -> dict:
    """Every registry figure of ``year`` for the district, with its breakdown, as JSON."""
    # as the registry computes it today (``compute_as_of``): a finished year whole, a year in
    # progress as of the approval day
    values = compute_as_of([year], datetime.date.today())[year]
    return {
        "indicators": {
            key: {
                "value": _jsonable(item.value),
                "breakdown": {k: _jsonable(v) for k, v in item.breakdown.items()},
            }
            for key, item in values.items()
        }
    }


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def year_close(*, version: ReportVersion, user) -> YearClosing:
    """Close the year of the approved ``version`` on today's figures. A closing already in
    force (an earlier approved version) gives way to this one and says so in its row."""
    year = version.report.year
    now = timezone.now()
    current = YearClosing.objects.select_for_update().filter(year=year, reopened_at__isnull=True)
    for previous in current:
        previous.reopened_at = now
        previous.reopened_by = user
        previous.reopen_reason = _("审定 v%(number)s，按审定时的数据重新封账") % {
            "number": version.number
        }
        previous.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    closing = YearClosing(
        year=year, version=version, values=year_values(year), closed_at=now, closed_by=user
    )
    closing.full_clean()
    closing.save()
    transaction.on_commit(_clear_dashboards)
    return closing


@transaction.atomic
def year_reopen(*, year: int, user, reason: str) -> YearClosing:
    """An administrator reopens the closed ``year``, saying why: its figures are read from the
    records again until the next approval closes it."""
    if not getattr(user, "is_admin", False):
        raise PermissionDenied(_("只有系统管理员可以重新开放已封账的年度。"))
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写重新开放的原因。"))
    closing = (
        YearClosing.objects.select_for_update().filter(year=year, reopened_at__isnull=True).first()
    )
    if closing is None:
        raise ValidationError(_("%(year)s年度未封账，无需重新开放。") % {"year": year})
    closing.reopened_at = timezone.now()
    closing.reopened_by = user
    closing.reopen_reason = reason[:2000]
    closing.full_clean()
    closing.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    transaction.on_commit(_clear_dashboards)
    return closing


def _clear_dashboards() -> None:
    from reports.selectors import dashboard_cache_clear  # noqa: PLC0415 - it imports this module

    dashboard_cache_clear()


# --- Reads ------------------------------------------------------------------------------------


def closing_in_force(year: int) -> YearClosing | None:
    return (
        YearClosing.objects.select_related("version", "closed_by")
        .filter(year=year, reopened_at__isnull=True)
        .first()
    )


def closings_in_force(years) -> dict[int, YearClosing]:
    return {
        closing.year: closing
        for closing in YearClosing.objects.select_related("version", "closed_by").filter(
            year__in=list(years), reopened_at__isnull=True
        )
    }


def closing_history(year: int) -> list[YearClosing]:
    """Every closing of ``year``, newest first, with who reopened it and why."""
    return list(
        YearClosing.objects.select_related("version", "closed_by", "reopened_by")
        .filter(year=year)
        .order_by("-closed_at", "-pk")
    )


def _by_township(indicator) -> bool:
    model = getattr(indicator, "model", None)
    lookup = getattr(model, "township_lookup", None)
    if getattr(indicator, "township_breakdown", False):
        return True  # a custom indicator broken down by township name
    return bool(lookup) and indicator.breakdown_field == f"{lookup}__name"


def closed_value(closing: YearClosing, key: str, township_name: str | None = None):
    """(found, value) of figure ``key`` in ``closing``: the district's, or one township's
    from the closed breakdown (figures not broken down by township are not found)."""
    data = (closing.values.get("indicators") or {}).get(key)
    if data is None:
        return False, None
    if township_name is None:
        return True, _number(data.get("value"))
    indicator = REGISTRY.get(key)
    if indicator is None or not _by_township(indicator):
        return False, None
    breakdown = data.get("breakdown") or {}
    if township_name in breakdown:
        return True, _number(breakdown[township_name])
    # Left out of the breakdown: no record of the township counted (a rate has no value).
    return True, None if isinstance(indicator, RatioIndicator) else 0


@dataclass
class ClosedYear:
    """A closed year as a page shows it: its closing, and the figures whose value from today's
    records (``drift[key]``) is no longer the closed one."""

    closing: YearClosing
    drift: dict = field(default_factory=dict)
    township_name: str | None = None

    @property
    def approved_on(self) -> datetime.date:
        return timezone.localdate(self.closing.closed_at)

    def closing_value(self, key: str):
        return closed_value(self.closing, key, self.township_name)[1]

    @property
    def label(self) -> str:
        return _("已封账 · 审定于 %(date)s") % {"date": self.approved_on.isoformat()}


def apply(
    values: dict[int, dict[str, IndicatorValue]], township_name: str | None = None
) -> dict[int, ClosedYear]:
    """Put the closed values in place of the computed ones, for every closed year of
    ``values`` ({year: {key: IndicatorValue}}, changed in place). Breakdowns of the district
    are the closed ones too. Returns the closed years, each with the figures that drifted
    (their value from today's records)."""
    closed = {}
    for year, closing in closings_in_force(values).items():
        info = ClosedYear(closing, township_name=township_name)
        for key, item in values[year].items():
            found, value = closed_value(closing, key, township_name)
            if not found:
                continue
            if _differs(item.value, value):
                info.drift[key] = item.value
            item.value = value
            if township_name is None and item.breakdown:
                data = closing.values["indicators"][key].get("breakdown") or {}
                item.breakdown = {k: _number(v) for k, v in data.items()}
        closed[year] = info
    return closed


def registry_values(
    year: int, township=None, *, as_of: datetime.date | None = None
) -> tuple[dict[str, IndicatorValue], ClosedYear | None]:
    """Every registry figure of ``year`` (one township's when given) as the registry shows it,
    as of ``as_of`` (default today): the closed values for a closed year, with the closing and
    the figures that drifted."""
    values = compute_all(year, township, as_of=as_of)
    name = getattr(township, "name", None)
    closed = apply({year: values}, name).get(year)
    return values, closed


def _differs(now, then) -> bool:
    if now is None or then is None:
        return now is not then
    return Decimal(now) != Decimal(then)


# --- 封账后变更 -----------------------------------------------------------------------------


def _year_lookups(indicator) -> list[str]:
    base = indicator.base if isinstance(indicator, GrowthIndicator) else indicator
    if base.model is None or isinstance(base, CustomIndicator):
        return []  # custom indicators' records are in CUSTOM_SOURCES
    return [f"{base.year_field}__year" if base.year_is_date else base.year_field]


def dated_sources() -> dict:
    """{model: {year lookup, ...}}: the records the registry counts, and how each is placed
    in a year."""
    sources: dict = {model: set(lookups) for model, lookups in CUSTOM_SOURCES.items()}
    for indicator in INDICATORS:
        for lookup in _year_lookups(indicator):
            model = (
                indicator.base.model if isinstance(indicator, GrowthIndicator) else indicator.model
            )
            sources.setdefault(model, set()).add(lookup)
    return sources


@dataclass
class Change:
    record: object  # the history row
    model: type
    kind: str
    label: str
    changes: list  # [(field label, before, after)]

    @property
    def user(self):
        return self.record.history_user

    @property
    def date(self):
        return self.record.history_date


def changes_after_closing(closing: YearClosing, limit: int = CHANGES_SHOWN) -> tuple[list, bool]:
    """The changes saved since ``closing`` to records of its year (and to the enterprises'
    township, village, industry and 规上 flag, which place every year's records), newest
    first: (changes, more than ``limit``)."""
    kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    rows = []
    for model, lookups in dated_sources().items():
        history = getattr(model, "history", None)
        if history is None:
            continue
        condition = Q()
        for lookup in sorted(lookups):
            condition |= Q(**{lookup: closing.year})
        rows += list(
            history.filter(condition, history_date__gt=closing.closed_at)
            .select_related("history_user")
            .order_by("-history_date")[: limit + 1]
        )
    for model in UNDATED_SOURCES:
        rows += list(
            model.history.filter(history_date__gt=closing.closed_at, history_type="~")
            .select_related("history_user")
            .order_by("-history_date")[: limit + 1]
        )
    rows.sort(key=lambda row: row.history_date, reverse=True)
    found = []
    for row in rows:
        model = row.instance_type
        changes = []
        if row.history_type == "~":
            older = row.prev_record
            if older is not None:
                m2m = [f.name for f in getattr(type(row), "_history_m2m_fields", ())]
                delta = row.diff_against(older, excluded_fields=m2m)
                watched = UNDATED_SOURCES.get(model)
                changes = [
                    (model._meta.get_field(c.field), c.old, c.new)
                    for c in delta.changes
                    if watched is None or c.field in watched
                ]
            if not changes:
                continue  # a plain save, or an enterprise field no figure reads
        found.append((row, model, changes))
        if len(found) > limit:
            break
    names = _related_names(c for _row, _model, changes in found[:limit] for c in changes)
    result = [
        Change(
            record=row,
            model=model,
            kind=kinds[row.history_type],
            label=f"{model._meta.verbose_name}：{row.instance}",
            changes=[
                (fld.verbose_name, _text(fld, old, names), _text(fld, new, names))
                for fld, old, new in changes
            ],
        )
        for row, model, changes in found[:limit]
    ]
    return result, len(found) > limit


def drifted_figures(closing: YearClosing) -> list[dict]:
    """The figures of the closed year whose value from today's records is not the closed one:
    label, unit, today's value and the closed value."""
    values = compute_as_of([closing.year], datetime.date.today(), detail_keys=())[closing.year]
    out = []
    for key, item in values.items():
        found, then = closed_value(closing, key)
        if found and _differs(item.value, then):
            out.append(
                {
                    "key": key,
                    "label": item.label,
                    "unit": item.unit,
                    "now": item.value,
                    "then": then,
                }
            )
    return out
