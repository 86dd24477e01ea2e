"""Innovation platforms (maker spaces, incubators, labs, centres, new R&D institutions ...) and
the R&D-institution coverage of above-scale industrial enterprises with its campaign."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau.collation import Pinyin, pinyin_key
from bureau.models import DomainModel, SelectRelatedManager, Township
from bureau.validators import validate_year
from enterprises.models import Enterprise


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")


class Platform(DomainModel):
    class Kind(models.TextChoices):
        MAKER_SPACE = "maker_space", _("众创空间")
        INCUBATOR = "incubator", _("孵化器")
        STAR_SPACE = "star_space", _("星创天地")
        NEW_RD = "new_rd", _("新型研发机构")
        KEY_LAB = "key_lab", _("企业重点实验室")
        INNOVATION_CENTRE = "innovation_centre", _("技术创新中心")
        ENGINEERING_CENTRE = "engineering_centre", _("工程技术研究中心")
        ACADEMICIAN = "academician", _("院士工作站")
        RD_PLATFORM = "rd_platform", _("研发平台")

    class Status(models.TextChoices):
        CULTIVATING = "cultivating", _("培育")
        APPLIED = "applied", _("申报")
        REVIEW_PASSED = "review_passed", _("专家评审通过")
        RECOMMENDED = "recommended", _("推荐上报")
        RECOGNISED = "recognised", _("认定/备案")
        REJECTED = "rejected", _("未通过")

    name = models.CharField(_("平台名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    host = models.ForeignKey(
        Enterprise, verbose_name=_("依托单位"), on_delete=models.PROTECT, related_name="platforms"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.CULTIVATING
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    recognised_on = models.DateField(_("认定/公布日期"), null=True, blank=True)
    upgraded = models.BooleanField(_("本年度提质升级"), default=False)
    history = HistoricalRecords()
    township_lookup = "host__township"
    url_namespace = "platforms"

    class Meta:
        ordering = ["-year", "kind", Pinyin("name")]
        verbose_name = _("创新平台")
        verbose_name_plural = _("创新平台")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind", "level", "year"],
                name="platform_unique_year",
                violation_error_message=_("同一年度已有同名、同类型、同级别的平台记录。"),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "kind", "status"]),
            # in the list's order: a list page reads its 25 rows off the index (province scale)
            models.Index(
                F("year").desc(), F("kind"), pinyin_key("name"), name="platform_list_order_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.status == self.Status.RECOGNISED and not self.document_number:
            raise ValidationError({"document_number": _("认定/备案的平台须填写文号。")})


class RdCoverage(DomainModel):
    """Whether an above-scale industrial enterprise has an R&D institution in a year."""

    class InstitutionType(models.TextChoices):
        RD_CENTRE = "rd_centre", _("企业研发中心")
        TECH_CENTRE = "tech_centre", _("企业技术中心")
        ENG_CENTRE = "eng_centre", _("工程技术研究中心")
        KEY_LAB = "key_lab", _("重点实验室")
        OTHER = "other", _("其他")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="rd_coverage"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    has_institution = models.BooleanField(_("已建研发机构"), default=False)
    institution_name = models.CharField(_("研发机构名称"), max_length=100, blank=True)
    institution_type = models.CharField(
        _("机构类型"), max_length=20, choices=InstitutionType.choices, blank=True
    )
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices, blank=True)
    established_on = models.DateField(_("建立日期"), null=True, blank=True)
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "platforms"

    class Meta:
        # the newest year first, then in the order the enterprises were registered: one index
        # walk for a page of the list (sorting by the enterprise's name needs every row joined)
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("研发机构全覆盖")
        verbose_name_plural = _("研发机构全覆盖")
        indexes = [models.Index(fields=["-year", "enterprise"], name="coverage_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="coverage_unique_year",
                violation_error_message=_("该企业本年度的研发机构记录已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year}"

    def _above_scale_in_year(self) -> bool:
        """规上 in the ledger's year: the year's classification (its yearly figures' row), or
        the enterprise's current one while the year has no row yet."""
        of_year = (
            self.enterprise.yearly_figures.filter(year=self.year)
            .values_list("is_above_scale", flat=True)
            .first()
        )
        return self.enterprise.is_above_scale if of_year is None else of_year

    def clean(self):
        if self.enterprise_id and not self._above_scale_in_year():
            raise ValidationError({"enterprise": _("研发机构全覆盖只登记规上工业企业。")})
        if self.has_institution and not self.institution_name:
            raise ValidationError({"institution_name": _("已建研发机构的须填写机构名称。")})


class CoverageMilestone(DomainModel):
    """A step of the coverage campaign: meetings, the action plan, inspections."""

    class Kind(models.TextChoices):
        MOBILISATION = "mobilisation", _("动员会议")
        REPORT = "report", _("专题汇报")
        PLAN = "plan", _("行动方案")
        DEPLOYMENT = "deployment", _("部署会议")
        TRAINING = "training", _("培训动员")
        INSPECTION = "inspection", _("督导检查")

    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("事项"), max_length=200)
    participants = models.CharField(_("参加范围"), max_length=200, blank=True)
    key_enterprises = models.PositiveIntegerField(_("参会重点企业数"), default=0)
    document = models.CharField(_("文件名称"), max_length=200, blank=True)
    township = models.ForeignKey(
        Township, verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()
    url_namespace = "platforms"

    class Meta:
        ordering = ["-year", "date"]
        verbose_name = _("全覆盖工作节点")
        verbose_name_plural = _("全覆盖工作节点")

    def __str__(self):
        return f"{self.date} {self.title}"

    def clean(self):
        if self.date and self.year and self.date.year != self.year:
            raise ValidationError({"date": _("日期须在所填年度内。")})
