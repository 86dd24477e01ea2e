"""What the generic pages keep of their own: a bulk action large enough to run in the background.

A 批量修改 or 批量删除 on more records than ``BULK_JOB_THRESHOLD`` runs as a Celery task, as an
import does; the job records what to do (the selection, the form's values), who asked, and how it
ended, and its page shows the progress (kept in the cache while it runs) and the refusals.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class BulkJob(models.Model):
    class Action(models.TextChoices):
        UPDATE = "update", _("批量修改")
        DELETE = "delete", _("批量删除")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("未写入")
        FAILED = "failed", _("失败")

    RUNNING = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.CASCADE
    )
    entity = models.CharField(_("记录类型"), max_length=100)  # "<app_label>.<model_name>"
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    # {"ids": [...]} or {"query": "<the list's filter query string>"}
    selection = models.JSONField(_("所选记录"), default=dict)
    # The bulk edit form's data, cleaned again (with the user's scope) when the job runs.
    data = models.JSONField(_("修改内容"), default=dict, blank=True)
    skip_invalid = models.BooleanField(_("跳过无效记录"), default=False)
    reason = models.CharField(_("变更原因"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("记录数"), default=0)
    written = models.PositiveIntegerField(_("已写入"), default=0)
    unchanged = models.PositiveIntegerField(_("无需修改"), default=0)
    refused = models.JSONField(_("未通过的记录"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("批量操作")
        verbose_name_plural = _("批量操作")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.get_action_display()}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("bulk-job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def progress_key(self) -> str:
        return f"portal:bulk:{self.pk}:progress"

    def progress(self) -> dict:
        """``{"done", "total", "percent"}``: from the cache while the job runs."""
        done = cache.get(self.progress_key, 0) if self.is_running else self.total
        percent = int(done * 100 / self.total) if self.total else 100
        return {"done": done, "total": self.total, "percent": min(percent, 100)}
