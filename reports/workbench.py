"""工作台: where staff and liaisons start their day. Each item is a count of records that wait
for someone (certificates due for re-certification, registrations to renew, projects at a stage,
figures not entered, villages not visited, imports to confirm, reports to approve or to rework)
and links to the list of exactly those records: the entity's named selection
(``portal.entities.Query``) with the same value, scoped to the user as the list is.

A fixed number of queries whatever the data: one count per item, one grouped count for the
townships, one for this week's activities. ``?year=`` takes the items as of another year.

The counts of records (the first seven items, a liaison's candidates) are kept in the cache
``WORKBENCH_CACHE_SECONDS`` per role, township and year, as the dashboard keeps its figures: at
province scale each is a count over hundreds of thousands of records (a whole page took 0.5-1 s),
and everyone of a role and township sees the same ones. What is the user's own (imports,
reports, notifications, saved lists) is read on every visit.

Below them, 我的筛选: the lists the user saved (or was shared) with the number of records each
opens now (``portal.saved_views.workbench_views``: three queries however many there are).
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bureau import permissions
from bureau.models import Notification, WorkActivity
from cultivation import selectors as cultivation
from enterprises.models import Enterprise, HiTechApplication, SmeEvaluation
from imports.models import ImportJob
from imports.selectors import job_list_for_user
from portal import registry
from portal.saved_views import workbench_views
from poverty.models import KeyVillage
from reports.annual import selectors as report_selectors
from reports.benefits import workbench_items as benefit_items
from reports.models import ExportJob, ReportReview
from talents.models import TalentProject

RECENT = datetime.timedelta(days=30)
WORKBENCH_CACHE_SECONDS = 60


@dataclass
class Item:
    label: str
    count: int
    url: str
    hint: str = ""
    level: str = "primary"  # the badge's colour: primary, warning, danger


def _named(user, model, name: str, value: str) -> tuple[int, str] | None:
    """(count, list URL) of ``model``'s named selection for ``user``; None if they may not
    see that list."""
    viewset = registry.viewset_for(model)
    if not permissions.can_view_model(user, model):
        return None
    query = viewset.declaration.queries[name]
    count = query.apply(viewset.get_queryset(user), value).count()
    url = f"{reverse(viewset.url_name('list'))}?{urlencode({name: value})}"
    return count, url


def _reports_item(label: str, reports, level: str = "primary") -> Item:
    """Reports waiting at one step: the report itself when there is one, else their list."""
    reports = list(reports)
    url = reports[0].get_absolute_url() if len(reports) == 1 else reverse("reports:annual-list")
    return Item(label, len(reports), url, level=level)


def work_items(user, year: int) -> list[Item]:
    key = (
        f"workbench:records:{user.role}:{user.township_id or 0}:{year}:{translation.get_language()}"
    )
    items = cache.get(key)
    if items is None:
        items = record_items(user, year)
        cache.set(key, items, WORKBENCH_CACHE_SECONDS)
    return items + own_items(user)


def record_items(user, year: int) -> list[Item]:
    """The items counting records, the same for everyone of ``user``'s role and township."""
    items: list[Item] = []

    def add(label, model, name, value, hint="", level="primary"):
        found = _named(user, model, name, value)
        if found is not None:
            items.append(Item(label, found[0], found[1], hint, level))

    add(
        _("高企证书将到期"),
        HiTechApplication,
        "certificate",
        f"expiring-{year}",
        _("%(y)s、%(n)s年到期，需重新认定") % {"y": year, "n": year + 1},
        "warning",
    )
    add(
        _("高企证书已过期未重新申报"),
        HiTechApplication,
        "certificate",
        f"lapsed-{year}",
        level="danger",
    )
    add(
        _("科小待重新入库"),
        SmeEvaluation,
        "renewal",
        str(year),
        _("%(p)s年已入库、%(y)s年尚未入库") % {"p": year - 1, "y": year},
        "warning",
    )
    add(_("人才工程项目待办理"), TalentProject, "waiting", "1", _("当前环节进行中或尚未推荐"))
    add(_("规上企业缺年度指标"), Enterprise, "figures_missing", str(year))
    add(_("规上企业缺研发机构全覆盖台账"), Enterprise, "coverage_missing", str(year))
    days = settings.WORKBENCH_UNVISITED_DAYS
    add(
        _("重点村久未服务"),
        KeyVillage,
        "unvisited",
        str(days),
        _("超过%(d)s天没有服务记录") % {"d": days},
        "warning",
    )
    items += benefit_items(user, year, Item, _named)
    if user.is_liaison:
        items += _candidates(user, year)
    return items


def own_items(user) -> list[Item]:
    """The items of ``user``'s own work: imports, report exports, reports to rework or approve."""
    items: list[Item] = []
    if user.can_edit:
        since = timezone.now() - RECENT
        jobs = job_list_for_user(user).filter(created_at__gte=since)
        waiting = jobs.filter(status=ImportJob.Status.PREVIEWED).count()
        failed = jobs.filter(status=ImportJob.Status.FAILED).count()
        url = reverse("imports:job-list")
        items.append(Item(_("导入待确认"), waiting, url, _("预览已完成，等待确认写入")))
        items.append(Item(_("导入失败"), failed, url, _("近30天"), "danger"))
    if report_selectors.can_edit_reports(user):
        failed_exports = ExportJob.objects.filter(
            status=ExportJob.Status.FAILED, created_at__gte=timezone.now() - RECENT
        ).count()
        items.append(
            Item(
                _("报告导出失败"),
                failed_exports,
                reverse("reports:annual-list"),
                _("近30天"),
                "danger",
            )
        )
        returned = report_selectors.reports_with_last_action(ReportReview.Action.RETURNED)
        items.append(_reports_item(_("报告被退回修改"), returned, level="warning"))
    if report_selectors.can_approve_reports(user):
        awaiting = report_selectors.reports_awaiting_approval()
        items.append(_reports_item(_("报告待审定"), awaiting))
    return items


def _candidates(user, year: int) -> list[Item]:
    """A liaison's township's 培育库 candidates (后备科小, 后备高企), assessed on the latest
    figures up to ``year``: eight queries whatever the number of enterprises."""
    figures_year = min(year, cultivation.latest_year())
    assessed = cultivation.assess(
        permissions.scope_queryset(user, Enterprise.objects.all()), figures_year
    )
    sme = cultivation.sme_candidates(assessed, settings.CULTIVATION_SME_MARGIN)
    hitech = cultivation.hitech_candidates(assessed)
    query = urlencode({"year": figures_year})
    return [
        Item(
            _("后备科小"),
            len(sme),
            f"{reverse('cultivation:sme')}?{query}",
            _("按%(y)s年指标测算可入库或接近入库") % {"y": figures_year},
        ),
        Item(
            _("后备高企"),
            len(hitech),
            f"{reverse('cultivation:hitech')}?{query}",
            _("按%(y)s年指标测算可申报高企") % {"y": figures_year},
        ),
    ]


def this_week(user, today: datetime.date) -> tuple[list, str]:
    """Work activities planned from Monday to Sunday of ``today``'s week, and the list of the
    month they fall in."""
    monday = today - datetime.timedelta(days=today.weekday())
    activities = permissions.scope_queryset(
        user,
        WorkActivity.objects.filter(
            date__gte=monday, date__lte=monday + datetime.timedelta(days=6)
        ),
    ).order_by("date", "pk")[:20]
    url = (
        reverse("bureau:workactivity-list")
        + "?"
        + urlencode({"date__year": today.year, "date__month": today.month})
    )
    return list(activities), url


def workbench(request):
    user = request.user
    if not permissions.has_role(user):
        return render(request, "reports/workbench.html", {"items": [], "week": []}, status=200)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year + 1)
    items = work_items(user, year)
    week, week_url = this_week(user, today)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)[:5]
    return render(
        request,
        "reports/workbench.html",
        {
            "year": year,
            "years": list(range(today.year + 1, today.year - 4, -1)),
            "items": items,
            "due": [item for item in items if item.count],
            "week": week,
            "week_url": week_url,
            "notifications": list(unread),
            "saved_views": workbench_views(request),
        },
    )
