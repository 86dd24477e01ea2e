"""The record of every import: who, when, which file (name, size, SHA-256), what it found,
what it wrote, and the error report."""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        VALIDATING = "validating", _("正在校验")
        PREVIEWED = "previewed", _("待确认")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已导入")
        REJECTED = "rejected", _("未导入（有错误）")
        FAILED = "failed", _("失败")

    class Source(models.TextChoices):
        WEB = "web", _("页面上传")
        CLI = "cli", _("命令行")

    RUNNING = (Status.PENDING, Status.VALIDATING, Status.IMPORTING)

    entity = models.CharField(_("导入对象"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=255, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    checksum = models.CharField(_("SHA-256校验值"), max_length=64, blank=True)
    skip_invalid = models.BooleanField(_("跳过错误行"), default=False)
    ignore_unknown = models.BooleanField(_("忽略无法识别的列"), default=False)
    background = models.BooleanField(_("后台执行"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), default=0)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("修改"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    invalid_count = models.PositiveIntegerField(_("有错误"), default=0)
    written = models.BooleanField(_("已写入"), default=False)
    message = models.TextField(_("说明"), blank=True)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    notices = models.JSONField(_("提示"), default=list, blank=True)
    changes = models.JSONField(_("修改示例"), default=list, blank=True)
    preview = models.JSONField(_("前若干行预览"), default=dict, blank=True)
    error_report = models.FileField(
        _("错误报告"), upload_to="imports/reports/%Y/%m/", max_length=255, blank=True
    )
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["entity", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("imports:job-detail", args=[self.pk])

    @property
    def entity_label(self) -> str:
        from imports.engine.registry import entities  # noqa: PLC0415

        entity = entities().get(self.entity)
        return entity.verbose_name if entity else self.entity

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def progress_key(self) -> str:
        return f"imports:job:{self.pk}:progress"

    def progress(self) -> dict:
        """``{"stage", "done", "total", "percent"}`` from the cache while running, so a
        reloaded page (or another worker) sees how far the job has got."""
        data = cache.get(self.progress_key) or {}
        done = data.get("done", self.rows_total if not self.is_running else 0)
        total = data.get("total", self.rows_total)
        percent = int(done * 100 / total) if total else (0 if self.is_running else 100)
        return {
            "stage": data.get("stage", ""),
            "done": done,
            "total": total,
            "percent": min(percent, 100),
        }

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.message

    @property
    def has_blocking_errors(self) -> bool:
        return bool(self.message) or (self.invalid_count > 0 and not self.skip_invalid)
