"""Innovation actors: enterprises, their yearly figures, hi-tech applications, SME evaluations,
technology contracts and innovation communities."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau.collation import Pinyin, pinyin_key
from bureau.models import DomainModel, Industry, SelectRelatedManager, Township, Village
from bureau.validators import (
    normalise_credit_code,
    validate_credit_code,
    validate_year,
    years_after,
)

# Amounts are kept in 万元 (ten thousand yuan), as the bureau's forms and the platforms do.
AMOUNT = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
HITECH_VALIDITY_YEARS = 3


class AmountField(models.DecimalField):
    """An amount of money in ``unit`` (万元 unless said otherwise). The unit is declared here,
    not read from the label: the import converts a column headed in 元 or 亿元 into it, and the
    import template's note names it. Migrations see a plain ``DecimalField``: the unit is
    nothing the database stores."""

    def __init__(self, *args, unit: str = "万元", **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def amount_field(label, **kwargs):
    """An optional amount in 万元, labelled ``label（万元）``."""
    return AmountField(f"{label}（万元）", null=True, blank=True, **AMOUNT, **kwargs)


class Enterprise(DomainModel):
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("该统一社会信用代码的企业已存在。")},
    )
    name = models.CharField(_("企业名称"), max_length=100)
    township = models.ForeignKey(
        Township,
        verbose_name=_("乡镇（街道）"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    village = models.ForeignKey(
        Village, verbose_name=_("村（社区）"), on_delete=models.PROTECT, null=True, blank=True
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("所属产业"), on_delete=models.PROTECT, null=True, blank=True
    )
    # The current classification (the latest list); each year keeps its own with the yearly
    # figures (``EnterpriseYearlyFigure``), which is what that year's indicators read.
    is_above_scale = models.BooleanField(_("规上工业企业"), default=False)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=30, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # The history is read by record (``id``) and time only: the indexes its copies of the
    # credit code and foreign keys would get cost every import of enterprises (about 0.2 s a
    # 50,000 rows) and serve no query.
    history = HistoricalRecords(no_db_index=["credit_code", "township", "village", "industry"])
    township_lookup = "township"
    url_namespace = "enterprises"
    lookup_fields = ("name", "credit_code")

    class Meta:
        ordering = [Pinyin("name")]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [
            models.Index(fields=["township", "is_above_scale"]),
            models.Index(pinyin_key("name"), name="enterprise_name_idx"),  # the list's order
        ]

    def __str__(self):
        return self.name

    @property
    def lookup_text(self) -> str:
        return f"{self.name}（{self.credit_code}）"

    def classifications(self):
        """The yearly classifications (规上, township, industry), the latest year first: the
        enterprise's page shows them as its history by year."""
        return self.yearly_figures.select_related("township", "industry").only(
            "year", "is_above_scale", "township__name", "industry__name", "enterprise_id"
        )

    def clean_fields(self, exclude=None):
        # Normalised before the length check, so " 9135...y43 " from a form or a sheet passes.
        self.credit_code = normalise_credit_code(self.credit_code)
        super().clean_fields(exclude=exclude)

    def clean(self):
        if self.village_id and self.township_id and self.village.township_id != self.township_id:
            raise ValidationError({"village": _("所选村（社区）不属于该乡镇（街道）。")})
        if self.founded_on and self.founded_on > datetime.date.today():
            raise ValidationError({"founded_on": _("成立日期不能晚于今天。")})


class EnterpriseYearlyFigure(DomainModel):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="yearly_figures"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    staff_total = models.PositiveIntegerField(_("职工总数"), null=True, blank=True)
    tech_staff = models.PositiveIntegerField(_("科技人员数"), null=True, blank=True)
    sales_revenue = amount_field(_("销售收入"))
    total_assets = amount_field(_("资产总额"))
    total_costs = amount_field(_("成本费用总额"))
    rd_expense = amount_field(_("研发费用"))
    hitech_product_income = amount_field(_("高新技术产品收入"))
    industrial_output = amount_field(_("工业总产值"))
    hitech_output = amount_field(_("高新技术产业产值"))
    # The year's classification: whether the enterprise is on the year's 规上工业企业 list (the
    # statistics bureau publishes it yearly), and the township and industry under which the
    # year's figures count. Every indicator of a year reads these, never the enterprise's
    # current values, so that moving or reclassifying an enterprise today leaves past years as
    # they were. Left blank on entry, they are taken from the enterprise (``clean``).
    is_above_scale = models.BooleanField(
        _("规上工业企业"),
        null=True,
        blank=True,
        help_text=_("本年度是否列入规上工业企业名单；不填则取企业当前的分类。"),
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("乡镇（街道）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("本年度指标计入的乡镇（街道）；不填则取企业当前所在乡镇（街道）。"),
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("所属产业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("本年度指标计入的产业；不填则取企业当前所属产业。"),
    )
    history = HistoricalRecords(no_db_index=["township", "industry"])
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    # The township a year's figures count under (``reports.indicators`` groups and scopes the
    # year's figures by it), which the enterprise may since have left.
    year_township_lookup = "township"
    url_namespace = "enterprises"

    class Meta:
        # the newest year first, then in the order the enterprises were registered: one index
        # walk for a page of the list (sorting by the enterprise's name needs every row joined)
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("企业年度指标")
        verbose_name_plural = _("企业年度指标")
        indexes = [models.Index(fields=["-year", "enterprise"], name="yearly_figure_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="yearly_figure_unique",
                violation_error_message=_("该企业本年度的指标已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year}"

    def classification_text(self) -> str:
        """The year's classification in words: 规上 or not, township, industry."""
        parts = [str(_("规上工业企业")) if self.is_above_scale else str(_("非规上"))]
        parts += [str(x) for x in (self.township, self.industry) if x is not None]
        return " · ".join(parts)

    def clean(self):
        # A classification nobody stated is the enterprise's at the time of entry; from then
        # on it is the year's own and later changes to the enterprise leave it.
        if self.enterprise_id:
            enterprise = self.enterprise
            if self.is_above_scale is None:
                self.is_above_scale = enterprise.is_above_scale
            if self.township_id is None:
                self.township_id = enterprise.township_id
            if self.industry_id is None:
                self.industry_id = enterprise.industry_id
        if (
            self.tech_staff is not None
            and self.staff_total is not None
            and self.tech_staff > self.staff_total
        ):
            raise ValidationError({"tech_staff": _("科技人员数不能超过职工总数。")})
        if (
            self.hitech_output is not None
            and self.industrial_output is not None
            and self.hitech_output > self.industrial_output
        ):
            raise ValidationError({"hitech_output": _("高新技术产业产值不能超过工业总产值。")})


class TechField(models.TextChoices):
    ELECTRONIC = "electronic", _("电子信息")
    BIO = "bio", _("生物与新医药")
    AEROSPACE = "aerospace", _("航空航天")
    MATERIALS = "materials", _("新材料")
    SERVICES = "services", _("高技术服务")
    ENERGY = "energy", _("新能源与节能")
    ENVIRONMENT = "environment", _("资源与环境")
    MANUFACTURING = "manufacturing", _("先进制造与自动化")


class HiTechApplication(DomainModel):
    class Kind(models.TextChoices):
        FIRST = "first", _("首次申报")
        RENEWAL = "renewal", _("重新认定")

    class Status(models.TextChoices):
        CULTIVATING = "cultivating", _("培育")
        APPLIED = "applied", _("已申报")
        REVIEW = "review", _("专家评审")
        PUBLICITY = "publicity", _("公示")
        CERTIFIED = "certified", _("认定")
        REJECTED = "rejected", _("未通过")
        # A certificate withdrawn after it was issued (资格取消): it no longer counts as held,
        # and an award that rested on it is flagged 不符合条件 (benefits/).
        REVOKED = "revoked", _("撤销认定")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="hitech_applications",
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    kind = models.CharField(_("申报类型"), max_length=10, choices=Kind.choices, default=Kind.FIRST)
    tech_field = models.CharField(_("技术领域"), max_length=20, choices=TechField.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.CULTIVATING
    )
    certificate_number = models.CharField(_("证书编号"), max_length=30, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, editable=False)
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "enterprises"

    class Meta:
        # the newest year first, then in the order the enterprises were registered: one index
        # walk for a page of the list (sorting by the enterprise's name needs every row joined)
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("高企申报")
        verbose_name_plural = _("高企申报")
        indexes = [models.Index(fields=["-year", "enterprise"], name="hitech_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="hitech_unique_year",
                violation_error_message=_("该企业本年度已有高企申报记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year} {self.get_status_display()}"

    def clean(self):
        if self.status == self.Status.CERTIFIED:
            errors = {}
            if not self.certificate_number:
                errors["certificate_number"] = _("认定通过的申报须填写证书编号。")
            if not self.issued_on:
                errors["issued_on"] = _("认定通过的申报须填写发证日期。")
            if errors:
                raise ValidationError(errors)
        # Three years on: 29 February ends on 28 February, and no issue date can overflow it.
        self.expires_on = (
            years_after(self.issued_on, HITECH_VALIDITY_YEARS) if self.issued_on else None
        )


class SmeEvaluation(DomainModel):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("已入库")
        REJECTED = "rejected", _("未通过")
        REVOKED = "revoked", _("撤销")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="sme_evaluations"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    registration_number = models.CharField(_("入库登记编号"), max_length=40, blank=True)
    score = models.PositiveSmallIntegerField(
        _("评价得分"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "enterprises"

    class Meta:
        # the newest year first, then in the order the enterprises were registered: one index
        # walk for a page of the list (sorting by the enterprise's name needs every row joined)
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("科小评价")
        verbose_name_plural = _("科小评价")
        indexes = [models.Index(fields=["-year", "enterprise"], name="sme_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="sme_unique_year",
                violation_error_message=_("该企业本年度已有科技型中小企业评价记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year} {self.get_status_display()}"

    def clean(self):
        if self.status == self.Status.REGISTERED and not self.registration_number:
            raise ValidationError({"registration_number": _("已入库的评价须填写入库登记编号。")})


class TechContract(DomainModel):
    class Kind(models.TextChoices):
        DEVELOPMENT = "development", _("技术开发")
        TRANSFER = "transfer", _("技术转让")
        LICENSE = "license", _("技术许可")
        CONSULTING = "consulting", _("技术咨询")
        SERVICE = "service", _("技术服务")

    registration_number = models.CharField(
        _("登记编号"),
        max_length=40,
        unique=True,
        error_messages={"unique": _("该登记编号的技术合同已存在。")},
    )
    title = models.CharField(_("合同名称"), max_length=200)
    kind = models.CharField(_("合同类型"), max_length=20, choices=Kind.choices)
    seller = models.ForeignKey(
        Enterprise,
        verbose_name=_("卖方企业"),
        on_delete=models.PROTECT,
        related_name="contracts_sold",
    )
    buyer = models.CharField(_("买方"), max_length=100)
    contract_amount = AmountField(_("成交额（万元）"), **AMOUNT)
    tech_amount = AmountField(_("技术交易额（万元）"), **AMOUNT)
    signed_on = models.DateField(_("签订日期"))
    registered_on = models.DateField(_("登记日期"))
    history = HistoricalRecords()
    township_lookup = "seller__township"
    url_namespace = "enterprises"

    class Meta:
        ordering = ["-registered_on", "-pk"]
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(fields=["registered_on"]),
            models.Index(fields=["-registered_on", "-id"], name="contract_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tech_amount__lte=models.F("contract_amount")),
                name="contract_tech_within_amount",
                violation_error_message=_("技术交易额不能超过成交额。"),
            ),
        ]

    def __str__(self):
        return f"{self.registration_number} {self.title}"

    def clean(self):
        if self.signed_on and self.registered_on and self.registered_on < self.signed_on:
            raise ValidationError({"registered_on": _("登记日期不能早于签订日期。")})


class InnovationCommunity(DomainModel):
    class Status(models.TextChoices):
        PLANNING = "planning", _("谋划")
        APPLIED = "applied", _("已申报")
        APPROVED = "approved", _("已备案")
        REJECTED = "rejected", _("未通过")

    name = models.CharField(_("共同体名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("申报年度"), validators=[validate_year])
    lead_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("牵头企业"),
        on_delete=models.PROTECT,
        related_name="led_communities",
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("产业链"), on_delete=models.PROTECT, null=True, blank=True
    )
    member_enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("成员企业"), blank=True, related_name="communities"
    )
    member_units = models.TextField(
        _("其他成员单位"), blank=True, help_text=_("高校、院所等，每行一个。")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    history = HistoricalRecords(m2m_fields=[member_enterprises])
    township_lookup = "lead_enterprise__township"
    url_namespace = "enterprises"

    class Meta:
        ordering = ["-year", Pinyin("name")]
        verbose_name = _("创新创业共同体")
        verbose_name_plural = _("创新创业共同体")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(F("year").desc(), pinyin_key("name"), name="community_list_order_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "year"],
                name="community_unique_year",
                violation_error_message=_("同一年度已有同名的创新创业共同体。"),
            ),
        ]

    def __str__(self):
        return self.name


class IpKind(models.TextChoices):
    """The kinds of intellectual property, class Ⅰ first. ``cultivation.rules`` maps the same keys
    to their class (IP_CLASS_ONE / IP_CLASS_TWO); a test keeps the two in step."""

    INVENTION = "invention", _("发明专利（含国防专利）")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    CROP_VARIETY = "crop_variety", _("国家级农作物品种")
    NEW_DRUG = "new_drug", _("国家新药")
    TCM_VARIETY = "tcm_variety", _("国家一级中药保护品种")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计专有权")
    UTILITY_MODEL = "utility_model", _("实用新型专利")
    DESIGN = "design", _("外观设计专利")
    SOFTWARE = "software", _("软件著作权")
    OTHER = "other", _("其他（Ⅱ类）")


IP_CLASS_ONE_KINDS = frozenset(
    {
        IpKind.INVENTION,
        IpKind.PLANT_VARIETY,
        IpKind.CROP_VARIETY,
        IpKind.NEW_DRUG,
        IpKind.TCM_VARIETY,
        IpKind.IC_LAYOUT,
    }
)


class IntellectualProperty(DomainModel):
    """知识产权: a patent, variety, copyright or layout design an enterprise holds. Its class (Ⅰ/Ⅱ)
    follows from its kind; it counts for a year when granted by the year's end and still valid
    on its last day (``cultivation.rules.ip_counts_in``)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        LAPSED = "lapsed", _("失效")
        TRANSFERRED = "transferred", _("转让")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="intellectual_properties",
    )
    kind = models.CharField(_("知识产权类型"), max_length=20, choices=IpKind.choices)
    number = models.CharField(
        _("专利号（登记号）"),
        max_length=40,
        unique=True,
        error_messages={"unique": _("该编号的知识产权已存在。")},
    )
    title = models.CharField(_("知识产权名称"), max_length=200)
    granted_on = models.DateField(_("授权日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.VALID
    )
    lapsed_on = models.DateField(
        _("失效（转让）日期"),
        null=True,
        blank=True,
        help_text=_("状态为失效或转让时填写：自该日起不再计入本企业；未填写的不计入任何年度。"),
    )
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "enterprises"
    lookup_fields = ("number", "title")

    class Meta:
        ordering = ["-granted_on", "-pk"]
        verbose_name = _("知识产权")
        verbose_name_plural = _("知识产权")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(fields=["enterprise", "granted_on"], name="ip_enterprise_idx"),
            models.Index(fields=["-granted_on", "-id"], name="ip_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("granted_on")),
                name="ip_valid_after_grant",
                violation_error_message=_("有效期至不能早于授权日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def ip_class(self) -> int:
        return 1 if self.kind in IP_CLASS_ONE_KINDS else 2

    def get_ip_class_display(self) -> str:
        return _("Ⅰ类") if self.ip_class == 1 else _("Ⅱ类")

    def clean(self):
        errors = {}
        if self.status == self.Status.VALID and self.lapsed_on:
            errors["lapsed_on"] = _("有效的知识产权不应填写失效日期。")
        if self.lapsed_on and self.granted_on and self.lapsed_on < self.granted_on:
            errors["lapsed_on"] = _("失效日期不能早于授权日期。")
        if errors:
            raise ValidationError(errors)
