"""Reads of the annual report: who may see it, its versions and paragraphs, export jobs, and
the figures a draft is made from.

The report belongs to the whole district: administrators, staff and leaders read it; a township
liaison or an account without a role gets 404, as for any record outside their reach.
"""

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from bureau.models import AnnualTarget, ExternalFigure, Industry
from bureau.permissions import has_role
from reports.annual.drafting import DraftContext, Figure
from reports.models import AnnualReport, ExportJob, ReportParagraph, ReportVersion


def can_view_reports(user) -> bool:
    return has_role(user) and not user.is_liaison


def can_edit_reports(user) -> bool:
    """Staff and administrators draft and edit; leaders read and approve."""
    return can_view_reports(user) and user.can_edit


def can_approve_reports(user) -> bool:
    return can_view_reports(user) and user.is_leader


def _require_view(user) -> None:
    if not can_view_reports(user):
        raise Http404(_("没有找到该报告。"))


def annual_report_list_for_user(user):
    """Reports, newest year first, with their latest and approved version numbers."""
    _require_view(user)
    approved = ReportVersion.objects.filter(
        report=OuterRef("pk"), approved_at__isnull=False
    ).order_by("-approved_at")
    return AnnualReport.objects.annotate(
        latest_number=Max("versions__number"),
        approved_number=Subquery(approved.values("number")[:1]),
    ).order_by("-year")


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


def _as_of_phrase(year: int) -> str:
    """ "截至9月底" from the date the city's rank was published, else "截至目前"."""
    as_of = (
        ExternalFigure.objects.filter(year=year, key="hitech_output_share_rank")
        .values_list("as_of", flat=True)
        .first()
    )
    if as_of:
        return _("截至%(month)s月底") % {"month": as_of.month}
    return _("截至目前")


def figures_snapshot(year: int) -> dict:
    """Everything a draft of ``year`` is made from, as JSON kept on the version."""
    from reports.indicators import compute_all

    indicators = {
        key: Figure.from_indicator(value).to_json() for key, value in compute_all(year).items()
    }
    chains = list(Industry.objects.filter(is_key_chain=True).values_list("name", flat=True))
    return {
        "indicators": indicators,
        "targets": {key: fig.to_json() for key, fig in next_year_targets(year).items()},
        "extra": {
            # Plain text, but a marker all the same when no industry is marked as a key chain.
            "key_chains": "、".join(chains) if chains else "【待补充：重点产业链】",
            "as_of": _as_of_phrase(year),
        },
    }


def draft_context(year: int, snapshot: dict) -> DraftContext:
    return DraftContext(
        year=year,
        # "区科技局" unless the deployment names its district ("青河区").
        district=getattr(settings, "REPORT_DISTRICT_NAME", "") or "区",
        figures={
            key: Figure.from_json(key, data)
            for key, data in (snapshot.get("indicators") or {}).items()
        },
        targets={
            key: Figure.from_json(key, data)
            for key, data in (snapshot.get("targets") or {}).items()
        },
        extra=dict(snapshot.get("extra") or {}),
    )
