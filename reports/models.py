"""The annual work report: one report per year, its saved versions and their paragraphs, and the
export jobs that turn a version into a PDF or Word file.

A version is never changed once saved: editing a paragraph, refreshing the figures or resetting a
paragraph saves a new version that copies the others. So every saved state can be read again, an
approved version is read-only by construction, and an export job always renders exactly the
version it names.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bureau.validators import validate_year


class AnnualReport(models.Model):
    # The report belongs to the whole district: liaisons never see it.
    township_lookup = None

    year = models.PositiveSmallIntegerField(_("年度"), unique=True, validators=[validate_year])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度工作报告")
        verbose_name_plural = _("年度工作报告")

    def __str__(self):
        return _("%(year)s年度工作报告") % {"year": self.year}

    def get_absolute_url(self):
        return reverse("reports:annual-detail", args=[self.year])


class ReportVersion(models.Model):
    report = models.ForeignKey(
        AnnualReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    summary = models.CharField(_("修改说明"), max_length=200, blank=True)
    # The indicator values the generated paragraphs were drafted from, so a version can be read
    # (and its figures traced) after the records have changed.
    figures = models.JSONField(_("数据快照"), default=dict, blank=True)
    figures_computed_at = models.DateTimeField(_("数据计算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保存人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = _("报告版本")
        verbose_name_plural = _("报告版本")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True) | models.Q(approved_by__isnull=False),
                name="report_version_approval_has_approver",
            ),
        ]

    def __str__(self):
        return f"{self.report} v{self.number}"

    def get_absolute_url(self):
        return reverse("reports:annual-version", args=[self.report.year, self.number])

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class ReportParagraph(models.Model):
    class Kind(models.TextChoices):
        TITLE = "title", _("标题")
        HEADING1 = "h1", _("一级标题")
        HEADING2 = "h2", _("二级标题")
        HEADING3 = "h3", _("三级标题")
        BODY = "body", _("正文")

    version = models.ForeignKey(
        ReportVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="paragraphs"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    # Stable across versions: the outline slot (``main.1.2.body``) or ``custom-<n>`` for a
    # paragraph staff added.
    key = models.CharField(_("段落标识"), max_length=60)
    section = models.CharField(_("所属部分"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BODY)
    # A list of segments: {"text": ...} plain, plus "key"/"url"/"label" for a figure taken from
    # an indicator and "missing": true for a figure without data.
    content = models.JSONField(_("内容"), default=list)
    is_edited = models.BooleanField(_("已手工修改"), default=False)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("报告段落")
        verbose_name_plural = _("报告段落")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="report_paragraph_key"),
            models.UniqueConstraint(
                fields=["version", "position"], name="report_paragraph_position"
            ),
        ]

    def __str__(self):
        return self.text[:30]

    @property
    def text(self) -> str:
        return "".join(segment.get("text", "") for segment in self.content)

    @property
    def has_missing(self) -> bool:
        # Generated markers and ones staff typed read the same: 【待补充：…】.
        return "【待补充" in self.text


def export_upload_to(job: "ExportJob", filename: str) -> str:
    return f"reports/annual/{job.report.year}/{filename}"


class ExportJob(models.Model):
    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", _("Word（.docx）")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="exports"
    )
    version = models.ForeignKey(
        ReportVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="exports"
    )
    format = models.CharField(_("格式"), max_length=10, choices=Format.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("文件"), upload_to=export_upload_to, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(_("文件大小"), null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    # Rendered as the official document (an approved version: 落款 and 成文日期) rather than
    # marked 未审定稿（征求意见稿）; set when the file is made.
    official = models.BooleanField(_("正式稿"), default=False)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    task_id = models.CharField(_("任务编号"), max_length=50, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file=""),
                name="export_job_done_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.version} {self.get_format_display()} {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def filename(self) -> str:
        return f"{self.report.year}年度工作报告-v{self.version.number}.{self.format}"


class ReportReview(models.Model):
    """One step of the approval flow: staff submit a version for 审定, a leader approves it or
    returns it for changes, each with its words. Kept for good: the report's approval history."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交审定")
        APPROVED = "approved", _("审定通过")
        RETURNED = "returned", _("退回修改")
        # Staff take a submitted version back to edit it further (the leaders are told).
        WITHDRAWN = "withdrawn", _("撤回")

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="reviews"
    )
    version = models.ForeignKey(
        ReportVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="reviews"
    )
    action = models.CharField(_("环节"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("办理时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("审定记录")
        verbose_name_plural = _("审定记录")
        indexes = [models.Index(fields=["report", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action="returned") | ~models.Q(comment=""),
                name="report_review_return_has_comment",
            ),
        ]

    def __str__(self):
        return f"{self.version} {self.get_action_display()}"


class YearClosing(models.Model):
    """年度封账: the figures of ``year`` as they stood when its report was approved.

    One row per closing: an approval closes the year, an administrator may reopen it with a
    reason (the row keeps who, when and why), and the next approval closes it again with a new
    row. So the rows of a year are its closing history; the one not reopened is in force."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    version = models.ForeignKey(
        ReportVersion,
        verbose_name=_("审定版本"),
        on_delete=models.PROTECT,
        related_name="closings",
    )
    # {"indicators": {key: {"value": ..., "breakdown": {township name: ...}}}}: every figure of
    # the registry for the whole year, computed at the approval.
    values = models.JSONField(_("封账数值"), default=dict)
    closed_at = models.DateTimeField(_("封账时间"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重新开放人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.TextField(_("重新开放原因"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-closed_at", "-pk"]
        verbose_name = _("年度封账")
        verbose_name_plural = _("年度封账")
        constraints = [
            # At most one closing in force per year.
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(reopened_at__isnull=True),
                name="year_closing_one_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(reopened_at__isnull=True) | ~models.Q(reopen_reason=""),
                name="year_closing_reopen_has_reason",
            ),
        ]

    def __str__(self):
        return _("%(year)s年度封账") % {"year": self.year}

    @property
    def in_force(self) -> bool:
        return self.reopened_at is None


class Tally(models.Model):
    """One aggregate of a summary for one year (``reports.tallies``): the district's total and
    each township's part, kept by the writes that change them. One row per aggregate, so that a
    read takes only the aggregates it shows."""

    summary = models.CharField(_("汇总"), max_length=100)
    year = models.IntegerField(_("年度"))  # 0: a summary that has no year
    alias = models.CharField(_("指标项"), max_length=100)
    total = models.JSONField(_("合计"), null=True)  # a number, or a decimal as a string
    # {"<township pk>": value}; "0" holds records without a township.
    townships = models.JSONField(_("各乡镇"), default=dict)

    class Meta:
        verbose_name = _("指标汇总")
        verbose_name_plural = _("指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["summary", "year", "alias"], name="tally_unique")
        ]

    def __str__(self):
        return f"{self.summary} {self.year} {self.alias}"


class TallyState(models.Model):
    """A summary that has been built, with the signature of the query it was built from (a
    changed definition rebuilds it). Its row is the lock that orders refreshes."""

    summary = models.CharField(_("汇总"), max_length=100, primary_key=True)
    signature = models.CharField(_("签名"), max_length=64)
    built_at = models.DateTimeField(_("建立时间"))
    refreshed_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("指标汇总状态")
        verbose_name_plural = _("指标汇总状态")

    def __str__(self):
        return self.summary


class TallyDirty(models.Model):
    """A township whose part of a summary a write has changed since the summary last read the
    records; ``township`` None: the whole summary (a bulk write)."""

    summary = models.CharField(_("汇总"), max_length=100, db_index=True)
    township = models.IntegerField(_("乡镇"), null=True)

    class Meta:
        verbose_name = _("待更新的指标汇总")
        verbose_name_plural = _("待更新的指标汇总")

    def __str__(self):
        return f"{self.summary} {self.township}"
