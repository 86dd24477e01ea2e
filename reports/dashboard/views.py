"""The leaders' dashboard (领导驾驶舱): the year at a glance, every number a link to its records.

Leaders land here; staff and administrators see it too; a township liaison sees their township
only; an account without a role gets 403.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bureau import permissions
from bureau.models import Township
from reports import selectors
from reports.annual import selectors as report_selectors
from reports.benefits import card_cached

# The big screen asks for fresh figures this often (the cache keeps them at most a minute).
SCREEN_REFRESH_SECONDS = 60


def _scope(request) -> tuple[int, int | None]:
    """(year, township pk) the user asked for and may see."""
    user = request.user
    if not permissions.has_role(user):
        raise PermissionDenied(_("您没有查看统计看板的权限。"))
    this_year = datetime.date.today().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    if user.is_liaison:
        return year, user.township_id
    try:
        township = int(request.GET.get("township") or 0) or None
    except ValueError:
        township = None
    if township is not None and not Township.objects.filter(pk=township).exists():
        township = None
    return year, township


def _as_of(request, year: int) -> datetime.date:
    """The date the figures are as of (``?as_of=YYYY-MM-DD``; default: today). A date after
    the year asked for is the year's last day."""
    today = datetime.date.today()
    try:
        as_of = datetime.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        as_of = today
    return min(as_of, datetime.date(year, 12, 31))


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def _labels() -> dict:
    """The charts' words, translated here because the script has no catalogue."""
    return {
        "countsAxis": _("家/项"),
        "amountAxis": _("亿元"),
        "townshipAxis": _("家/次"),
        "projectsAxis": _("项"),
        "timesAxis": _("次"),
        "coverageRate": _("研发机构覆盖率（%）"),
        "sme": _("科小入库"),
        "hitech": _("高企认定"),
        "visits": _("服务走访"),
        "reached": _("进入该环节"),
        "passed": _("通过/入选"),
        "empty": _("暂无数据"),
        "last": _("上年"),
        "target": _("目标"),
    }


def _payload(data: dict) -> dict:
    """What the charts and the big screen's refresh read: plain numbers, no objects."""
    kpis = [
        {
            key: _plain(card[key])
            for key in (
                "key",
                "label",
                "unit",
                "value",
                "display",
                "last",
                "last_display",
                "change",
                "target",
                "target_display",
                "progress",
                "status",
                "url",
                "closed",
                "drift_display",
            )
        }
        for card in data["kpis"]
    ]
    return {
        "labels": _labels(),
        "year": data["year"],
        "township": data["township"].name if data["township"] else None,
        "kpis": kpis,
        "charts": data["charts"],
        "coverage_rate": _plain(data["coverage_rate"].value),
        "generated_at": data["generated_at"],
        # 年度封账: "已封账 · 审定于 …" for a closed year, else empty.
        "closed": data["closed"].label if data.get("closed") else "",
        "as_of": data["as_of"].isoformat(),
    }


@require_GET
def dashboard(request):
    year, township = _scope(request)
    as_of = _as_of(request, year)
    data = selectors.dashboard_data(year, township, as_of)
    context = {
        **data,
        "payload": _payload(data),
        "as_of_param": request.GET.get("as_of", ""),
        # The township table, selector and chart data of a large district are cached rendered.
        "cache_seconds": selectors.cache_seconds(),
        "years": selectors.dashboard_years(),
        "all_townships": [] if request.user.is_liaison else Township.objects.all(),
        "selected_township": township,
        "is_liaison": request.user.is_liaison,
        "todo": _leader_todo(request.user),
    }
    return render(request, "reports/dashboard.html", context)


def _leader_todo(user) -> list:
    """A leader's own to-do card: the work items that wait for them (reports to approve)."""
    if not getattr(user, "is_leader", False):
        return []
    return [
        {"report": report, "url": report.get_absolute_url()}
        for report in report_selectors.reports_awaiting_approval()
    ]


@require_GET
def dashboard_pipeline(request):
    """The 培育库 pipeline card, fetched by the dashboard after the page (htmx)."""
    year, township = _scope(request)
    context = {"pipeline": selectors.pipeline_data(year, township), "url": request.get_full_path()}
    return render(request, "reports/_dashboard_pipeline.html", context)


@require_GET
def dashboard_benefits(request):
    """The 惠企政策兑现 card, fetched by the dashboard after the page (htmx)."""
    year, township = _scope(request)
    return render(
        request, "reports/_dashboard_benefits.html", {"card": card_cached(year, township)}
    )


@require_GET
def dashboard_screen(request):
    """Big-screen mode for the meeting room: full screen, dark, refreshing itself."""
    year, township = _scope(request)
    data = selectors.dashboard_data(year, township, _as_of(request, year))
    context = {
        **data,
        "payload": _payload(data),
        "refresh_seconds": SCREEN_REFRESH_SECONDS,
        "selected_township": township,
    }
    return render(request, "reports/dashboard_screen.html", context)


@require_GET
def dashboard_json(request):
    """The dashboard's figures as JSON, for the big screen's refresh."""
    year, township = _scope(request)
    return JsonResponse(_payload(selectors.dashboard_data(year, township, _as_of(request, year))))


@require_GET
def indicator_registry(request):
    """Every figure of the indicator registry for a year (a liaison's: their township's), by
    the report's sections, with its target and the link to its records. A closed year shows
    its closed values (年度封账), and 现值 X（封账值 Y） where the records moved."""
    from reports.closing import registry_values  # noqa: PLC0415 - the read side, on use
    from reports.indicators import REGISTRY  # noqa: PLC0415

    year, township = _scope(request)
    township_obj = Township.objects.get(pk=township) if township else None
    as_of = _as_of(request, year)
    values, closed = registry_values(year, township_obj, as_of=as_of)
    rows = []
    for key, item in values.items():
        if township is not None and REGISTRY[key].district_only:
            continue
        rows.append(
            {
                "key": key,
                "section": REGISTRY[key].section,
                "label": item.label,
                "unit": item.unit,
                "display": selectors.format_value(item.value, item.unit),
                "target": selectors.format_value(item.target, item.unit)
                if item.target is not None
                else "",
                "url": item.records_url,
                "drift": selectors.drift_text(closed.drift[key], item.value, item.unit)
                if closed is not None and key in closed.drift
                else "",
            }
        )
    return render(
        request,
        "reports/indicator_registry.html",
        {
            "year": year,
            "as_of": as_of,
            "township": township_obj,
            "rows": rows,
            "closed": closed,
            "years": selectors.dashboard_years(),
            "is_liaison": request.user.is_liaison,
        },
    )
