"""Talent work: talent-programme projects with their stage log, foreign experts with their work
permits, and talent-introduction (引智) projects."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau.collation import Pinyin, pinyin_key
from bureau.models import DomainModel, SelectRelatedManager
from bureau.validators import validate_year
from enterprises.models import Enterprise


class TalentProject(DomainModel):
    class Programme(models.TextChoices):
        TAISHAN_STARTUP = "taishan_startup", _("泰山产业领军人才工程·科技创业类")
        TAISHAN_TRADITIONAL = "taishan_traditional", _("泰山产业领军人才工程·传统产业创新类")
        TAISHAN_AGRI = "taishan_agri", _("泰山产业领军人才工程·高效生态农业创新类")
        CITY = "city", _("市级人才工程")
        OTHER = "other", _("其他")

    programme = models.CharField(_("人才工程（类别）"), max_length=30, choices=Programme.choices)
    year = models.PositiveSmallIntegerField(_("申报年度"), validators=[validate_year])
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("申报企业"),
        on_delete=models.PROTECT,
        related_name="talent_projects",
    )
    candidate = models.CharField(_("人选"), max_length=50)
    title = models.CharField(_("项目名称"), max_length=200, blank=True)
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "talents"
    lookup_fields = ("candidate", "enterprise__name")

    class Meta:
        ordering = ["-year", "programme", Pinyin("candidate")]
        verbose_name = _("人才工程项目")
        verbose_name_plural = _("人才工程项目")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(
                F("year").desc(),
                F("programme"),
                pinyin_key("candidate"),
                name="talent_list_order_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year", "enterprise", "candidate"],
                name="talent_project_unique",
                violation_error_message=_("该企业本年度已为此人选申报该人才工程。"),
            ),
        ]

    def __str__(self):
        return f"{self.candidate}（{self.enterprise}）"

    @property
    def current_stage(self):
        stages = list(self.stages.all())
        return stages[-1] if stages else None


class TalentStage(DomainModel):
    """One step of a talent project's review, kept as a log in the order of ``Step``."""

    class Step(models.IntegerChoices):
        DISTRICT = 10, _("区推荐")
        CITY_REVIEW = 20, _("市级评审")
        ONLINE_REVIEW = 30, _("网络初评")
        PANEL_REVIEW = 35, _("会评")
        DEFENCE = 40, _("答辩")
        SITE_VISIT = 50, _("现场考察")
        PUBLICITY = 60, _("公示")
        FINAL = 70, _("最终结果")

    class Result(models.TextChoices):
        PENDING = "pending", _("进行中")
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")
        SELECTED = "selected", _("入选")
        NOT_SELECTED = "not_selected", _("未入选")

    project = models.ForeignKey(
        TalentProject,
        verbose_name=_("人才工程项目"),
        on_delete=models.PROTECT,
        related_name="stages",
    )
    step = models.PositiveSmallIntegerField(_("环节"), choices=Step.choices)
    date = models.DateField(_("日期"))
    result = models.CharField(
        _("结果"), max_length=20, choices=Result.choices, default=Result.PENDING
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()
    objects = SelectRelatedManager("project")
    township_lookup = "project__enterprise__township"
    url_namespace = "talents"

    class Meta:
        ordering = ["project", "step"]
        verbose_name = _("评审环节")
        verbose_name_plural = _("评审环节")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "step"],
                name="talent_stage_unique",
                violation_error_message=_("该环节已记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.project.candidate} · {self.get_step_display()} · {self.get_result_display()}"

    def clean(self):
        others = []
        if self.project_id and self.step is not None and self.date is not None:
            others = list(self.project.stages.exclude(pk=self.pk))
        self.check_log(others)

    def check_log(self, others: list["TalentStage"]) -> None:
        """The stage log's rules, given the project's other stages: ``clean()`` reads them
        from the database; the demo's bulk load passes those of a new project's log it writes
        at once. Only the final step says 入选 / 未入选, dates follow the steps, nothing
        follows a failure, and the log starts with 区推荐."""
        final_results = {self.Result.SELECTED, self.Result.NOT_SELECTED}
        if (self.step == self.Step.FINAL) != (self.result in final_results):
            raise ValidationError({"result": _("只有“最终结果”环节可填写入选或未入选。")})
        if self.step is None or self.date is None:
            return
        earlier = [o for o in others if o.step < self.step]
        later = [o for o in others if o.step > self.step]
        if any(o.date > self.date for o in earlier) or any(o.date < self.date for o in later):
            raise ValidationError({"date": _("环节日期须与环节顺序一致（不得早于前一环节）。")})
        if any(o.result in (self.Result.FAILED, self.Result.NOT_SELECTED) for o in earlier):
            raise ValidationError({"step": _("前一环节未通过，不能进入后续环节。")})
        if not earlier and self.step != self.Step.DISTRICT:
            raise ValidationError({"step": _("第一个环节应为“区推荐”。")})


class ForeignExpert(DomainModel):
    name = models.CharField(_("姓名"), max_length=80)
    nationality = models.CharField(_("国籍"), max_length=40)
    passport_number = models.CharField(_("护照号码"), max_length=30, unique=True)
    employer = models.ForeignKey(
        Enterprise,
        verbose_name=_("聘用单位"),
        on_delete=models.PROTECT,
        related_name="foreign_experts",
    )
    specialty = models.CharField(_("专业领域"), max_length=100, blank=True)
    history = HistoricalRecords()
    township_lookup = "employer__township"
    url_namespace = "talents"
    lookup_fields = ("name", "nationality")

    class Meta:
        ordering = [Pinyin("name")]
        verbose_name = _("外国专家")
        verbose_name_plural = _("外国专家")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [models.Index(pinyin_key("name"), name="expert_list_order_idx")]

    def __str__(self):
        return self.name


class WorkPermit(DomainModel):
    class Category(models.TextChoices):
        A = "A", _("A类（高端人才）")
        B = "B", _("B类（专业人才）")
        C = "C", _("C类（其他人员）")

    class Business(models.TextChoices):
        NEW = "new", _("新办")
        EXTENSION = "extension", _("延期")
        CHANGE = "change", _("变更")
        CANCELLATION = "cancellation", _("注销")

    expert = models.ForeignKey(
        ForeignExpert, verbose_name=_("外国专家"), on_delete=models.PROTECT, related_name="permits"
    )
    permit_number = models.CharField(
        _("许可证号"),
        max_length=30,
        unique=True,
        error_messages={"unique": _("该许可证号已存在。")},
    )
    category = models.CharField(_("类别"), max_length=1, choices=Category.choices)
    business = models.CharField(
        _("业务类型"), max_length=20, choices=Business.choices, default=Business.NEW
    )
    issued_on = models.DateField(_("办理日期"))
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    history = HistoricalRecords()
    objects = SelectRelatedManager("expert")
    township_lookup = "expert__employer__township"
    url_namespace = "talents"

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("外国人来华工作许可")
        verbose_name_plural = _("外国人来华工作许可")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [models.Index(fields=["-issued_on", "-id"], name="permit_list_order_idx")]

    def __str__(self):
        return f"{self.permit_number} {self.expert}"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("有效期止须晚于有效期起。")})


class IntroProject(DomainModel):
    class Status(models.TextChoices):
        APPLIED = "applied", _("已申报")
        APPROVED = "approved", _("已立项")
        REJECTED = "rejected", _("未立项")
        FINISHED = "finished", _("已结项")

    title = models.CharField(_("项目名称"), max_length=200)
    host = models.ForeignKey(
        Enterprise,
        verbose_name=_("承担单位"),
        on_delete=models.PROTECT,
        related_name="intro_projects",
    )
    experts = models.ManyToManyField(ForeignExpert, verbose_name=_("外国专家"), blank=True)
    expert_names = models.CharField(
        _("合作专家"), max_length=200, blank=True, help_text=_("未登记的专家，写姓名和国籍。")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    history = HistoricalRecords(m2m_fields=[experts])
    township_lookup = "host__township"
    url_namespace = "talents"

    class Meta:
        ordering = ["-year", Pinyin("title")]
        verbose_name = _("引智项目")
        verbose_name_plural = _("引智项目")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [models.Index(F("year").desc(), pinyin_key("title"), name="intro_list_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "year"],
                name="intro_project_unique",
                violation_error_message=_("同一年度已有同名的引智项目。"),
            ),
        ]

    def __str__(self):
        return self.title
