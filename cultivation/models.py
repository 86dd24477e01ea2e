"""The per-year evaluation table the 培育库 lists read (``cultivation.evaluations`` keeps it):
what ``cultivation.expressions`` computes for an enterprise with figures of a year, stored so
that a list sorts and pages a few indexed rows instead of scoring every enterprise."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class Evaluation(models.Model):
    """One enterprise with yearly figures of ``year``: its 科小 score and verdict, and how many
    of the 高企 conditions the records decide are not met."""

    class Verdict(models.TextChoices):
        QUALIFIED = "q", _("符合")
        NOT_QUALIFIED = "n", _("不符合")
        INCOMPLETE = "i", _("数据不全")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()  # the 科小 score
    verdict = models.CharField(max_length=1, choices=Verdict.choices)
    size_unmet = models.BooleanField()  # a size limit of the 科小 exceeded
    short = models.PositiveSmallIntegerField()  # 高企 conditions not 满足
    certified = models.BooleanField()  # a 高企 certificate valid on the year's last day
    recorded_status = models.CharField(max_length=20, null=True)
    recorded_score = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = _("培育评价")
        verbose_name_plural = _("培育评价")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="evaluation_unique")
        ]
        indexes = [
            models.Index(fields=["year", "-total", "enterprise"], name="evaluation_sme_idx"),
            models.Index(fields=["year", "short", "enterprise"], name="evaluation_hitech_idx"),
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.year}"


class EvaluationYear(models.Model):
    """A year whose evaluations are in the table, with the signature of the rules and the SQL
    they were computed by: a different signature rebuilds the year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    signature = models.CharField(max_length=64)
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.year)


class EvaluationDirty(models.Model):
    """An enterprise whose records changed since its evaluations were computed (none: every
    enterprise, after a bulk write)."""

    enterprise_id = models.BigIntegerField(null=True)

    def __str__(self):
        return str(self.enterprise_id)
