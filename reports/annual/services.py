"""Writes of the annual report: drafting, editing, refreshing, approving, exporting.

Every change saves a new version (see ``reports/models.py``); a change names the version it was
made on (``base``), so two people editing at once cannot overwrite each other silently. Pages,
the ``build_report`` command and the Celery task all go through these functions.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.notifications import leaders, notifications_resolve, notify
from bureau.selectors import bureau_profile
from bureau.services import save_unique
from bureau.text import clean_text
from reports import closing
from reports.annual import selectors
from reports.annual.drafting import MISSING_MARKER, resegment
from reports.annual.outline import OUTLINE, SLOTS
from reports.annual.rendering import ReportRenderError, render
from reports.models import AnnualReport, ExportJob, ReportParagraph, ReportReview, ReportVersion

logger = logging.getLogger(__name__)

# A running export older than this died with its worker (the task's hard limit is shorter).
EXPORT_TIME_LIMIT = 300
EXPORT_SOFT_TIME_LIMIT = 240
STALE_RUNNING_AFTER = timedelta(seconds=EXPORT_TIME_LIMIT + 60)
# A job still queued after this never reached a worker (broker down, message lost).
STALE_QUEUED_AFTER = timedelta(minutes=30)
MAX_EXPORT_ATTEMPTS = 3


@dataclass
class ParagraphData:
    """A paragraph of a version being saved."""

    key: str
    kind: str
    section: str
    content: list
    is_edited: bool = False

    @classmethod
    def of(cls, paragraph: ReportParagraph) -> "ParagraphData":
        return cls(
            key=paragraph.key,
            kind=paragraph.kind,
            section=paragraph.section,
            content=paragraph.content,
            is_edited=paragraph.is_edited,
        )


# --- Permissions ------------------------------------------------------------------------------


def _check_edit(user) -> None:
    if user is not None and not selectors.can_edit_reports(user):
        raise PermissionDenied(_("只有科室工作人员可以编辑年度工作报告。"))


def _check_view(user) -> None:
    if user is not None and not selectors.can_view_reports(user):
        raise PermissionDenied(_("您没有查看年度工作报告的权限。"))


# --- Versions ---------------------------------------------------------------------------------


def draft_paragraphs(year: int, snapshot: dict) -> list[ParagraphData]:
    """A fresh draft of every outline slot."""
    context = selectors.draft_context(year, snapshot)
    paragraphs = []
    for slot in OUTLINE:
        content = slot.draft(context)
        if content:  # a slot with nothing to say (a second paragraph of problems) is left out
            paragraphs.append(
                ParagraphData(key=slot.key, kind=slot.kind, section=slot.section, content=content)
            )
    return paragraphs


def _save_version(
    *,
    report: AnnualReport,
    base: int | None,
    user,
    summary: str,
    paragraphs: list[ParagraphData],
    snapshot: dict,
    computed_at=None,
    allow_on_approved: bool = False,
) -> ReportVersion:
    # The row lock serialises version numbers and makes the ``base`` check race-free.
    AnnualReport.objects.select_for_update().get(pk=report.pk)
    latest = report.versions.order_by("-number").first()
    if latest is not None:
        if base is not None and base != latest.number:
            raise ValidationError(
                _("报告已被更新为 v%(number)s，您的修改基于 v%(base)s。请刷新页面后再修改。")
                % {"number": latest.number, "base": base}
            )
        if latest.is_approved and not allow_on_approved:
            raise PermissionDenied(
                _("v%(number)s 已审定，不能修改。如需修改，请先基于该版本新建修订稿。")
                % {"number": latest.number}
            )
        if selectors.report_review_state(report, latest).awaiting_approval:
            # 待审定 locks the report: the leaders decide on exactly what was submitted.
            raise ValidationError(
                _("v%(number)s 已提交审定，审定期间不能修改。如需修改，请先撤回。")
                % {"number": latest.number}
            )
    version = ReportVersion(
        report=report,
        number=(latest.number if latest else 0) + 1,
        summary=summary[:200],
        figures=snapshot,
        figures_computed_at=computed_at or (latest.figures_computed_at if latest else None),
        created_by=user,
    )
    version.full_clean()
    version.save()
    ReportParagraph.objects.bulk_create(
        ReportParagraph(
            version=version,
            position=position,
            key=data.key,
            kind=data.kind,
            section=data.section,
            content=data.content,
            is_edited=data.is_edited,
        )
        for position, data in enumerate(paragraphs)
    )
    AnnualReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    # What was said about the versions this one supersedes no longer waits for anyone.
    notifications_resolve(urls=[_version_url(report, n) for n in range(1, version.number)])
    return version


def _version_url(report: AnnualReport, number: int) -> str:
    return reverse("reports:annual-version", args=[report.year, number])


def _latest(report: AnnualReport) -> ReportVersion:
    latest = selectors.report_latest_version(report)
    if latest is None:
        raise ValidationError(_("该报告还没有任何版本。"))
    return latest


@transaction.atomic
def report_create(*, year: int, user) -> AnnualReport:
    """Create the report of ``year`` with its first draft (v1) drafted from the records."""
    _check_edit(user)
    report = AnnualReport(year=year, created_by=user)
    report.full_clean()
    save_unique(report)  # the year's report created at the same moment: the form's message
    snapshot = selectors.figures_snapshot(year)
    _save_version(
        report=report,
        base=None,
        user=user,
        summary=_("根据业务数据生成初稿"),
        paragraphs=draft_paragraphs(year, snapshot),
        snapshot=snapshot,
        computed_at=timezone.now(),
    )
    return report


@transaction.atomic
def report_refresh_figures(*, report: AnnualReport, user, base: int | None) -> ReportVersion:
    """Redraft every paragraph staff have not edited from today's records; edited ones stay."""
    _check_edit(user)
    latest = _latest(report)
    snapshot = selectors.figures_snapshot(report.year)
    context = selectors.draft_context(report.year, snapshot)
    paragraphs, kept = [], 0
    for paragraph in selectors.version_paragraphs(latest):
        data = ParagraphData.of(paragraph)
        slot = SLOTS.get(paragraph.key)
        if slot is not None and not paragraph.is_edited:
            data.content = slot.draft(context)
            if not data.content:
                continue  # nothing to say any more: the paragraph goes
        elif paragraph.is_edited:
            kept += 1
        paragraphs.append(data)
    return _save_version(
        report=report,
        base=base,
        user=user,
        summary=_("刷新数据（保留 %(kept)s 段手工修改）") % {"kept": kept},
        paragraphs=paragraphs,
        snapshot=snapshot,
        computed_at=timezone.now(),
    )


def _change_paragraphs(*, report, user, base, change) -> ReportVersion:
    """Save a version made by ``change(paragraphs, latest) -> (paragraphs, summary)``."""
    _check_edit(user)
    latest = _latest(report)
    paragraphs = [ParagraphData.of(p) for p in selectors.version_paragraphs(latest)]
    paragraphs, summary = change(paragraphs, latest)
    return _save_version(
        report=report,
        base=base,
        user=user,
        summary=summary,
        paragraphs=paragraphs,
        snapshot=latest.figures,
    )


def _text(data: ParagraphData) -> str:
    return "".join(segment.get("text", "") for segment in data.content)


def _find(paragraphs: list[ParagraphData], key: str) -> int:
    for index, data in enumerate(paragraphs):
        if data.key == key:
            return index
    raise ValidationError(_("没有找到该段落，可能已被删除。请刷新页面。"))


class _Unchanged(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, version):
        self.version = version


def _clean_text(text: str) -> str:
    # A paragraph is one line: line breaks typed in the box are joined; control characters
    # (U+001F pasted from another program) and the like are dropped, as on every input.
    return "".join(line.strip() for line in clean_text(text or "").splitlines()).strip()


@transaction.atomic
def report_paragraph_update(
    *, report: AnnualReport, user, base: int | None, key: str, text: str
) -> ReportVersion:
    """Save an edit of one paragraph. Figures the edit left untouched keep their links."""
    text = _clean_text(text)
    if not text:
        raise ValidationError(_("段落内容不能为空；不需要的段落请删除。"))

    def change(paragraphs, latest):
        data = paragraphs[_find(paragraphs, key)]
        if _text(data) == text:
            raise _Unchanged(latest)
        data.content = resegment(data.content, text)
        data.is_edited = True
        return paragraphs, _("修改段落：%(text)s") % {"text": text[:20]}

    try:
        return _change_paragraphs(report=report, user=user, base=base, change=change)
    except _Unchanged as unchanged:
        return unchanged.version


@transaction.atomic
def report_paragraph_reset(
    *, report: AnnualReport, user, base: int | None, key: str
) -> ReportVersion:
    """Redraft one paragraph from the version's figures, dropping staff's edit of it."""
    slot = SLOTS.get(key)
    if slot is None:
        raise ValidationError(_("自行添加的段落没有可恢复的初稿。"))

    def change(paragraphs, latest):
        context = selectors.draft_context(report.year, latest.figures)
        data = paragraphs[_find(paragraphs, key)]
        data.content = slot.draft(context)
        data.is_edited = False
        return paragraphs, _("恢复初稿：%(text)s") % {"text": _text(data)[:20]}

    return _change_paragraphs(report=report, user=user, base=base, change=change)


INSERTABLE_KINDS = (
    ReportParagraph.Kind.BODY,
    ReportParagraph.Kind.HEADING2,
    ReportParagraph.Kind.HEADING3,
)


@transaction.atomic
def report_paragraph_insert(
    *, report: AnnualReport, user, base: int | None, after: str, kind: str, text: str
) -> ReportVersion:
    """Add a paragraph of staff's own after paragraph ``after``."""
    text = _clean_text(text)
    if not text:
        raise ValidationError(_("段落内容不能为空。"))
    if kind not in INSERTABLE_KINDS:
        raise ValidationError(_("只能添加正文或二、三级标题。"))

    def change(paragraphs, latest):
        index = _find(paragraphs, after)
        paragraphs.insert(
            index + 1,
            ParagraphData(
                key=f"custom-{uuid.uuid4().hex[:8]}",
                kind=kind,
                section=paragraphs[index].section,
                content=[{"text": text}],
                is_edited=True,
            ),
        )
        return paragraphs, _("新增段落：%(text)s") % {"text": text[:20]}

    return _change_paragraphs(report=report, user=user, base=base, change=change)


@transaction.atomic
def report_paragraph_delete(
    *, report: AnnualReport, user, base: int | None, key: str
) -> ReportVersion:
    if key == "title":
        raise ValidationError(_("报告标题不能删除。"))

    def change(paragraphs, latest):
        removed = paragraphs.pop(_find(paragraphs, key))
        return paragraphs, _("删除段落：%(text)s") % {"text": _text(removed)[:20]}

    return _change_paragraphs(report=report, user=user, base=base, change=change)


@transaction.atomic
def report_version_restore(*, version: ReportVersion, user) -> ReportVersion:
    """A new version with the paragraphs of ``version``: to go back to an older version, or
    to start a revision after the latest version was approved."""
    _check_edit(user)
    report = version.report
    return _save_version(
        report=report,
        base=None,
        user=user,
        summary=_("基于 v%(number)s 新建") % {"number": version.number},
        paragraphs=[ParagraphData.of(p) for p in selectors.version_paragraphs(version)],
        snapshot=version.figures,
        computed_at=version.figures_computed_at,
        allow_on_approved=True,
    )


def _title(report: AnnualReport) -> str:
    return _("%(name)s%(year)s年度工作报告") % {
        "name": bureau_profile().report_name,
        "year": report.year,
    }


def _review(version: ReportVersion, action: str, comment: str, user) -> ReportReview:
    """Record one step of the approval flow on ``version``, with its words cleaned."""
    review = ReportReview(
        report=version.report,
        version=version,
        action=action,
        comment=clean_text(comment or "").strip()[:2000],
        by=user,
    )
    review.full_clean()
    review.save()
    return review


def _missing_count(version: ReportVersion) -> int:
    return sum(len(MISSING_MARKER.findall(p.text)) for p in version.paragraphs.all())


def _locked_latest(report: AnnualReport) -> ReportVersion:
    """The latest version under the report's row lock, which every write of the report and
    every step of its approval take first: a decision and an edit never cross."""
    AnnualReport.objects.select_for_update().get(pk=report.pk)
    return _latest(report)


@transaction.atomic
def report_submit(*, report: AnnualReport, user, base: int | None, note: str = "") -> ReportReview:
    """Staff submit the latest version for 审定 (草稿 or 退回 → 待审定): it is locked, and the
    leaders are told on their pages."""
    _check_edit(user)
    latest = _locked_latest(report)
    if base is not None and base != latest.number:
        raise ValidationError(
            _("报告已被更新为 v%(number)s，请刷新页面后再提交。") % {"number": latest.number}
        )
    if latest.is_approved:
        raise ValidationError(_("v%(number)s 已审定，无需提交。") % {"number": latest.number})
    state = selectors.report_review_state(report, latest)
    if state.awaiting_approval:
        raise ValidationError(
            _("v%(number)s 已提交审定，请等待局领导审定。") % {"number": latest.number}
        )
    review = _review(latest, ReportReview.Action.SUBMITTED, note, user)
    notifications_resolve(urls=[latest.get_absolute_url()])  # a return of it is answered
    notify(
        recipients=leaders(),
        text=_("%(title)s v%(number)s 已提交审定（%(who)s）")
        % {"title": _title(report), "number": latest.number, "who": user},
        url=latest.get_absolute_url(),
    )
    return review


@transaction.atomic
def report_withdraw(
    *, report: AnnualReport, user, base: int | None, reason: str = ""
) -> ReportReview:
    """Staff take the submitted version back (待审定 → 草稿) to edit it further: it leaves the
    leaders' queue, their notifications of it are resolved, and they are told."""
    _check_edit(user)
    latest = _locked_latest(report)
    if base is not None and base != latest.number:
        raise ValidationError(
            _("报告已被更新为 v%(number)s，请刷新页面后再操作。") % {"number": latest.number}
        )
    if not selectors.report_review_state(report, latest).awaiting_approval:
        raise ValidationError(
            _("v%(number)s 不在待审定状态，无需撤回。") % {"number": latest.number}
        )
    review = _review(latest, ReportReview.Action.WITHDRAWN, reason, user)
    notifications_resolve(urls=[latest.get_absolute_url()])
    notify(
        recipients=leaders(),
        text=_("%(title)s v%(number)s 已由%(who)s撤回，无需审定")
        % {"title": _title(report), "number": latest.number, "who": user},
        url=report.get_absolute_url(),
    )
    return review


def _submitters(report: AnnualReport, version: ReportVersion) -> list:
    """Who is told of a decision: whoever submitted the version, and its author."""
    people = [r.by for r in version.reviews.filter(action=ReportReview.Action.SUBMITTED)]
    return [*people, version.created_by]


def _check_decidable(report: AnnualReport, version: ReportVersion, verb: str) -> None:
    """A leader decides only on the version submitted, and only while it is 待审定: never on
    one a later version superseded, nor on one withdrawn, returned or never submitted."""
    latest = _latest(report)
    if version.number != latest.number:
        raise ValidationError(
            _("v%(number)s 已被 v%(latest)s 取代，不能%(verb)s。")
            % {"number": version.number, "latest": latest.number, "verb": verb}
        )
    state = selectors.report_review_state(report, version)
    if not state.awaiting_approval:
        raise ValidationError(
            _("v%(number)s 当前为“%(state)s”，只有待审定的版本才能%(verb)s。")
            % {"number": version.number, "state": state.label, "verb": verb}
        )


@transaction.atomic
def report_version_approve(*, version: ReportVersion, user, opinion: str = "") -> ReportVersion:
    """A leader approves the submitted ``version`` (待审定 → 已审定) with their opinion: it is
    the official document from now on, the year's figures are closed with it (年度封账), and
    the staff who submitted it are told. A second approval of the same version (a double
    click) finds it approved under the lock and changes nothing."""
    if not selectors.can_approve_reports(user):
        raise PermissionDenied(_("只有局领导可以审定年度工作报告。"))
    report = version.report
    _locked_latest(report)
    version = ReportVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_approved:
        return version
    _check_decidable(report, version, _("审定"))
    missing = _missing_count(version)
    if missing:
        raise ValidationError(
            _("该版本还有 %(count)s 处待补充内容，补充完整后才能审定。") % {"count": missing}
        )
    version.approved_by = user
    version.approved_at = timezone.now()
    version.full_clean()
    version.save(update_fields=["approved_by", "approved_at"])
    _review(version, ReportReview.Action.APPROVED, opinion, user)
    closing.year_close(version=version, user=user)
    notifications_resolve(urls=[version.get_absolute_url()])  # every leader's: it is decided
    notify(
        recipients=_submitters(report, version),
        text=_("%(title)s v%(number)s 已由%(who)s审定")
        % {"title": _title(report), "number": version.number, "who": user},
        url=version.get_absolute_url(),
    )
    return version


@transaction.atomic
def report_version_return(*, version: ReportVersion, user, comment: str) -> ReportReview:
    """A leader returns the submitted ``version`` for changes (待审定 → 退回), saying what to
    change; staff may edit again, with the comments shown."""
    if not selectors.can_approve_reports(user):
        raise PermissionDenied(_("只有局领导可以退回年度工作报告。"))
    report = version.report
    _locked_latest(report)
    version = ReportVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_approved:
        raise ValidationError(_("v%(number)s 已审定，不能退回。") % {"number": version.number})
    _check_decidable(report, version, _("退回"))
    comment = clean_text(comment or "").strip()
    if not comment:
        raise ValidationError(_("请填写退回意见，说明需要修改的内容。"))
    review = _review(version, ReportReview.Action.RETURNED, comment, user)
    notifications_resolve(urls=[version.get_absolute_url()])
    notify(
        recipients=_submitters(report, version),
        text=_("%(title)s v%(number)s 被%(who)s退回修改：%(comment)s")
        % {
            "title": _title(report),
            "number": version.number,
            "who": user,
            "comment": comment[:60],
        },
        url=version.get_absolute_url(),
    )
    return review


# --- The document for the command line --------------------------------------------------------


def report_document_version(*, year: int) -> ReportVersion:
    """The version ``build_report`` renders: the approved one, else the latest, else a fresh
    draft that is not saved (the command line changes nothing)."""
    report = AnnualReport.objects.filter(year=year).first()
    if report is not None:
        version = selectors.report_approved_version(report) or selectors.report_latest_version(
            report
        )
        if version is not None:
            return version
    snapshot = selectors.figures_snapshot(year)
    report = report or AnnualReport(year=year)
    version = ReportVersion(report=report, number=0, figures=snapshot)
    version.draft_paragraphs = [
        ReportParagraph(version=version, position=i, **vars(data))
        for i, data in enumerate(draft_paragraphs(year, snapshot))
    ]
    return version


# --- Export jobs ------------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from reports.tasks import export_report

    try:
        result = export_report.apply_async(args=[job_id])
    except Exception as error:  # the broker is down: say so on the job instead of hanging
        logger.exception("could not queue export job %s", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.FAILED,
            error=_("无法提交到任务队列：%(error)s") % {"error": error},
            finished_at=timezone.now(),
        )
        return
    if result.id:
        ExportJob.objects.filter(pk=job_id).update(task_id=result.id)


@transaction.atomic
def export_job_create(*, version: ReportVersion, fmt: str, user) -> ExportJob:
    """Queue an export of ``version``; an export of it already waiting or running is reused."""
    _check_view(user)
    if fmt not in ExportJob.Format.values:
        raise ValidationError(_("不支持的导出格式：%(format)s") % {"format": fmt})
    active = (
        ExportJob.objects.select_for_update()
        .filter(
            version=version,
            format=fmt,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        )
        .first()
    )
    if active is not None:
        return active
    job = ExportJob(report=version.report, version=version, format=fmt, requested_by=user)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


@transaction.atomic
def export_job_retry(*, job: ExportJob, user) -> ExportJob:
    _check_view(user)
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ExportJob.Status.FAILED:
        raise ValidationError(_("只有失败的导出任务可以重试。"))
    job.status = ExportJob.Status.QUEUED
    job.error = ""
    job.attempts = 0
    job.started_at = job.finished_at = None
    job.requested_by = user or job.requested_by
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _finish(job_id: int, **fields) -> None:
    ExportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Render the job's file. Safe to run twice: a finished job is left alone, and a job found
    running (its worker died) is simply rendered again over its own file name."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("version__report", "report")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
            return job
        if job.attempts >= MAX_EXPORT_ATTEMPTS:
            job.status = ExportJob.Status.FAILED
            job.error = _("已尝试 %(count)s 次仍未完成（工作进程多次中断），请检查后重试。") % {
                "count": job.attempts
            }
            job.finished_at = timezone.now()
            job.save()
            return job
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])

    official = job.version.is_approved  # what the renderer decides from, recorded with the file
    try:
        data = render(job.version, job.format)
    except ReportRenderError as error:
        _finish(job.pk, status=ExportJob.Status.FAILED, error=str(error))
    except SoftTimeLimitExceeded:
        _finish(
            job.pk,
            status=ExportJob.Status.FAILED,
            error=_("生成超时（超过 %(seconds)s 秒），请稍后重试。")
            % {"seconds": EXPORT_SOFT_TIME_LIMIT},
        )
    except Exception as error:
        logger.exception("export job %s failed", job.pk)
        _finish(
            job.pk,
            status=ExportJob.Status.FAILED,
            error=_("生成失败：%(error)s") % {"error": error},
        )
    else:
        _store(job, data, official=official)
    job.refresh_from_db()
    return job


def _store(job: ExportJob, data: bytes, *, official: bool) -> None:
    name = f"report-{job.report.year}-v{job.version.number}-job{job.pk}.{job.format}"
    storage = job.file.storage
    path = job.file.field.generate_filename(job, name)
    if storage.exists(path):
        storage.delete(path)  # left by a run whose worker died after writing
    stored = storage.save(path, ContentFile(data))
    with transaction.atomic():
        ExportJob.objects.select_for_update().get(pk=job.pk)
        # Done even if the stale check marked it failed meanwhile: the file is there.
        _finish(
            job.pk,
            status=ExportJob.Status.DONE,
            file=stored,
            size=len(data),
            error="",
            official=official,
        )


def export_jobs_fail_stale(*, now=None) -> int:
    """Turn jobs no worker will finish into failed ones, with the reason. Run by Celery beat
    and whenever the report page is opened."""
    now = now or timezone.now()
    running = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_RUNNING_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        error=_("生成超时或工作进程中断，任务已终止，请重试。"),
        finished_at=now,
    )
    queued = ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, created_at__lt=now - STALE_QUEUED_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        error=_("任务长时间未开始执行（任务队列或工作进程不可用），请重试。"),
        finished_at=now,
    )
    return running + queued
