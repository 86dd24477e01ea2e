"""Reads of the annual report: who may see it, its versions and paragraphs, export jobs, and
the figures a draft is made from.

The report belongs to the whole district: administrators, staff and leaders read it; a township
liaison or an account without a role gets 404, as for any record outside their reach.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bureau.models import AnnualTarget, Industry
from bureau.permissions import has_role
from bureau.selectors import bureau_profile
from reports.annual import facts
from reports.annual.drafting import DraftContext, Figure
from reports.models import AnnualReport, ExportJob, ReportParagraph, ReportReview, ReportVersion


def can_view_reports(user) -> bool:
    return has_role(user) and not user.is_liaison


def can_edit_reports(user) -> bool:
    """Staff and administrators draft and edit; leaders read and approve."""
    return can_view_reports(user) and user.can_edit


def can_approve_reports(user) -> bool:
    return can_view_reports(user) and user.is_leader


def _require_view(user) -> None:
    # The report is the whole district's: a role without it is refused (403, "没有权限"),
    # not told the page does not exist.
    if not can_view_reports(user):
        raise PermissionDenied(_("年度工作报告只对科室工作人员、局领导和系统管理员开放。"))


def annual_report_list_for_user(user):
    """Reports, newest year first, with their latest version's number and state (its last
    review step) and the approved version's number and date."""
    _require_view(user)
    approved = ReportVersion.objects.filter(
        report=OuterRef("pk"), approved_at__isnull=False
    ).order_by("-approved_at")
    latest = ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number")
    last_review = ReportReview.objects.filter(version=OuterRef("latest_pk")).order_by("-at", "-pk")
    return (
        AnnualReport.objects.annotate(
            latest_number=Max("versions__number"),
            latest_pk=Subquery(latest.values("pk")[:1]),
            approved_number=Subquery(approved.values("number")[:1]),
            approved_on=Subquery(approved.values("approved_at")[:1]),
        )
        .annotate(latest_action=Subquery(last_review.values("action")[:1]))
        .order_by("-year")
    )


def annual_report_get_for_user(user, year: int) -> AnnualReport:
    _require_view(user)
    try:
        return AnnualReport.objects.get(year=year)
    except AnnualReport.DoesNotExist:
        raise Http404(_("没有找到该报告。")) from None


def report_latest_version(report: AnnualReport) -> ReportVersion | None:
    return report.versions.select_related("created_by", "approved_by").order_by("-number").first()


def report_approved_version(report: AnnualReport) -> ReportVersion | None:
    """The version a leader approved last (an older one may be approved after a newer)."""
    return (
        report.versions.filter(approved_at__isnull=False)
        .select_related("created_by", "approved_by")
        .order_by("-approved_at")
        .first()
    )


def report_version_get(report: AnnualReport, number: int) -> ReportVersion:
    try:
        return report.versions.select_related("created_by", "approved_by").get(number=number)
    except ReportVersion.DoesNotExist:
        raise Http404(_("没有找到该版本。")) from None


def report_versions(report: AnnualReport):
    return report.versions.select_related("created_by", "approved_by").order_by("-number")


def version_paragraphs(version: ReportVersion) -> list[ReportParagraph]:
    return list(version.paragraphs.order_by("position"))


class ReviewState:
    """Where a version stands in the approval flow, from the last step recorded on it:

    - 草稿 (no step yet, or 撤回): editable;
    - 待审定 (submitted): locked, until a leader approves or returns it or staff withdraw it;
    - 退回 (returned): editable again, the leader's comments shown;
    - 已审定 (approved): frozen, the official document.
    """

    LABELS = {
        None: _lazy("草稿"),
        ReportReview.Action.SUBMITTED: _lazy("待审定"),
        ReportReview.Action.APPROVED: _lazy("已审定"),
        ReportReview.Action.RETURNED: _lazy("退回"),
        ReportReview.Action.WITHDRAWN: _lazy("草稿"),
    }
    # The badge's colour on the pages.
    STYLES = {
        ReportReview.Action.SUBMITTED: "primary",
        ReportReview.Action.APPROVED: "success",
        ReportReview.Action.RETURNED: "warning",
    }

    def __init__(self, review: ReportReview | None, action: str | None = None):
        self.review = review
        self.action = review.action if review else action

    @property
    def label(self) -> str:
        return str(self.LABELS[self.action])

    @property
    def style(self) -> str:
        return self.STYLES.get(self.action, "secondary")

    @property
    def awaiting_approval(self) -> bool:
        return self.action == ReportReview.Action.SUBMITTED

    @property
    def is_approved(self) -> bool:
        return self.action == ReportReview.Action.APPROVED

    @property
    def editable(self) -> bool:
        """Staff may save a new version on top of it."""
        return self.action not in (ReportReview.Action.SUBMITTED, ReportReview.Action.APPROVED)


def report_review_state(report: AnnualReport, version: ReportVersion) -> ReviewState:
    """The state of ``version``: the last step recorded on it."""
    return ReviewState(version.reviews.select_related("by").order_by("-at", "-pk").first())


def report_open_return(report: AnnualReport) -> ReportReview | None:
    """The leader's return the staff are still working on: the report's last step, when it is
    a return (the comments stay shown on the versions saved after it, until the next
    submission)."""
    last = report.reviews.select_related("by", "version").order_by("-at", "-pk").first()
    return last if last is not None and last.action == ReportReview.Action.RETURNED else None


def report_reviews(report: AnnualReport):
    """The approval history of the report, newest first."""
    return report.reviews.select_related("by", "version").order_by("-at", "-pk")


def reports_with_last_action(action: str):
    """Reports whose latest version's last review step is ``action`` (submitted: waiting for
    the leaders; returned: waiting for the staff)."""
    latest = ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number")
    last_review = ReportReview.objects.filter(version=OuterRef("latest_pk")).order_by("-at", "-pk")
    return (
        AnnualReport.objects.annotate(latest_pk=Subquery(latest.values("pk")[:1]))
        .annotate(last_action=Subquery(last_review.values("action")[:1]))
        .filter(last_action=action)
        .order_by("-year")
    )


def reports_awaiting_approval():
    """Reports whose latest version was submitted and is neither approved nor returned."""
    return reports_with_last_action(ReportReview.Action.SUBMITTED)


def export_jobs_for_report(report: AnnualReport):
    return report.exports.select_related("version", "requested_by").order_by("-created_at", "-pk")


def export_job_get_for_user(user, report: AnnualReport, job_id: int) -> ExportJob:
    _require_view(user)
    try:
        return report.exports.select_related("version", "report").get(pk=job_id)
    except ExportJob.DoesNotExist:
        raise Http404(_("没有找到该导出任务。")) from None


# --- The figures of a draft -------------------------------------------------------------------


def next_year_targets(year: int) -> dict[str, Figure]:
    """Next year's annual targets by indicator key, labelled from the registry."""
    from reports.indicators import REGISTRY

    url = f"{reverse('bureau:annualtarget-list')}?year={year + 1}"
    targets = {}
    for target in AnnualTarget.objects.filter(year=year + 1).order_by("indicator"):
        indicator = REGISTRY.get(target.indicator)
        targets[target.indicator] = Figure(
            key=target.indicator,
            label=indicator.label if indicator else target.indicator,
            unit=indicator.unit if indicator else "",
            value=target.value,
            url=url,
        )
    return targets


def _same_day_a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def figures_snapshot(
    year: int, *, today: datetime.date | None = None, as_of: datetime.date | None = None
) -> dict:
    """Everything a draft of ``year`` is made from, as JSON kept on the version: the figures as
    of the report's cut-off (with the same period of last year beside each), next year's
    targets, the statements of ``facts.py`` and the bureau's name. The cut-off is
    ``facts.report_cutoff`` (the end of last month for a year in progress), or ``as_of`` when
    given (a report as of that day, as the dashboard shows it)."""
    from reports.indicators import compute_as_of

    # The same computation as the dashboard's as of the same date (``compute_as_of``).
    if as_of is not None:
        cutoff = min(as_of, datetime.date(year, 12, 31))
    else:
        cutoff = facts.report_cutoff(year, today or datetime.date.today())
    current = compute_as_of([year], cutoff)[year]
    before = _same_day_a_year_before(cutoff)
    previous = compute_as_of([year - 1], before, keys=sorted(PREVIOUS_YEAR_KEYS), detail_keys=())[
        year - 1
    ]
    indicators = {}
    for key, value in current.items():
        figure = Figure.from_indicator(value)
        if key in previous:
            figure.previous = previous[key].value
        indicators[key] = figure.to_json()
    chains = list(Industry.objects.filter(is_key_chain=True).values_list("name", flat=True))
    profile = bureau_profile()
    return {
        "indicators": indicators,
        "targets": {key: fig.to_json() for key, fig in next_year_targets(year).items()},
        "extra": {
            # Plain text, but a marker all the same when no industry is marked as a key chain.
            "key_chains": "、".join(chains) if chains else "【待补充：重点产业链】",
            "as_of": facts.as_of_phrase(year, cutoff),
            # the date every figure of the snapshot is as of, as the pages say it (数据截至)
            "cutoff": cutoff.isoformat(),
            "cutoff_text": f"{cutoff.year}年{cutoff.month}月{cutoff.day}日",
            "bureau_short_name": profile.report_name,
            "district": profile.district_name,
        },
        "facts": facts.collect(year, cutoff),
    }


# Figures the problems section compares with the year before.
PREVIOUS_YEAR_KEYS = {
    "sme_registered",
    "hitech_applications",
    "hitech_certified",
    "hitech_output_share",
    "rd_trainings",
    "policy_visits",
    "tech_contract_amount",
    "talent_applied",
    "work_permits_issued",
    "coverage_rate",
    "service_visits",
    "farmers_trained",
    "agri_stations_new",
}


def draft_context(year: int, snapshot: dict) -> DraftContext:
    extra = dict(snapshot.get("extra") or {})
    return DraftContext(
        year=year,
        district=extra.get("district") or "区",
        figures={
            key: Figure.from_json(key, data)
            for key, data in (snapshot.get("indicators") or {}).items()
        },
        targets={
            key: Figure.from_json(key, data)
            for key, data in (snapshot.get("targets") or {}).items()
        },
        extra=extra,
        facts=dict(snapshot.get("facts") or {}),
    )
