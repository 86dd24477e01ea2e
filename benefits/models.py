"""惠企政策兑现: the policies a district applies (with their award rule as data), the awards
paid under them, the tax bureau's 研发费用加计扣除 list and the 创新券 issued to enterprises.

What an enterprise is owed is never stored: ``benefits.selectors`` computes it from the policy's
rule and the enterprise's records (certification, 科小 registration, R&D figures)."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau.models import DomainModel, SelectRelatedManager
from bureau.validators import validate_year
from enterprises.models import AMOUNT, AmountField, Enterprise, amount_field

PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}
CENT = Decimal("0.01")


class Policy(DomainModel):
    """A policy clause the bureau answers for: one award (or benefit) of one document."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家")
        PROVINCIAL = "provincial", _("省")
        CITY = "city", _("市")
        DISTRICT = "district", _("区")

    class Kind(models.TextChoices):
        AWARD = "award", _("奖励补助")
        TAX = "tax", _("税收优惠")
        VOUCHER = "voucher", _("创新券")
        GUIDANCE = "guidance", _("引导资金")
        OTHER = "other", _("其他")

    class Condition(models.TextChoices):
        # What the records must show in the award's year for an enterprise to be eligible.
        HITECH_FIRST = "hitech_first", _("当年首次认定高企")
        HITECH_RENEWAL = "hitech_renewal", _("当年重新认定高企")
        SME_REGISTERED = "sme_registered", _("当年科小入库")
        RD_GROWTH = "rd_growth", _("研发费用同比增长")

    class Basis(models.TextChoices):
        RD_INCREASE = "rd_increase", _("研发费用增量")
        RD_EXPENSE = "rd_expense", _("研发费用")

    name = models.CharField(_("政策名称"), max_length=100)
    level = models.CharField(_("政策级别"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("政策类型"), max_length=20, choices=Kind.choices)
    document = models.CharField(_("政策文件"), max_length=200, blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    start_year = models.PositiveSmallIntegerField(_("起始年度"), validators=[validate_year])
    end_year = models.PositiveSmallIntegerField(
        _("截止年度"),
        null=True,
        blank=True,
        validators=[validate_year],
        help_text=_("不填表示长期有效。"),
    )
    condition = models.CharField(
        _("兑现条件"),
        max_length=20,
        choices=Condition.choices,
        blank=True,
        help_text=_("由系统按记录判定符合条件的企业；不填表示凭企业申报，不作测算。"),
    )
    fixed_amount = amount_field(_("定额奖补"))
    share_percent = models.DecimalField(_("按比例奖补（%）"), null=True, blank=True, **PERCENT)
    share_basis = models.CharField(_("比例基数"), max_length=20, choices=Basis.choices, blank=True)
    cap = amount_field(_("奖补上限"))
    min_basis = amount_field(
        _("起补基数"),
        help_text=_("比例基数（如研发费用增量）达到该数额方可享受；不填表示不设门槛。"),
    )
    district_share = models.DecimalField(_("区级承担（%）"), default=100, **PERCENT)
    city_share = models.DecimalField(_("市级承担（%）"), default=0, **PERCENT)
    province_share = models.DecimalField(_("省级承担（%）"), default=0, **PERCENT)
    history = HistoricalRecords()
    url_namespace = "benefits"
    lookup_fields = ("name", "document_number")

    class Meta:
        ordering = ["-start_year", "level", "name"]
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "start_year"],
                name="policy_unique_name_year",
                violation_error_message=_("同一起始年度已有同名政策。"),
            ),
        ]

    def __str__(self):
        return self.name

    def applies_in(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or year <= self.end_year)

    def meets_threshold(self, basis: Decimal | None) -> bool:
        """Whether ``basis`` reaches the rule's threshold (always, without one)."""
        return self.min_basis is None or (basis is not None and basis >= self.min_basis)

    def amount_for(self, basis: Decimal | None) -> Decimal | None:
        """The award the rule gives: the fixed amount, or ``share_percent`` of ``basis`` (万元)
        up to ``cap``; None when the rule gives no amount (no rule, or no basis)."""
        if self.fixed_amount is not None:
            return self.fixed_amount
        if self.share_percent is None or basis is None:
            return None
        amount = (Decimal(basis) * self.share_percent / 100).quantize(CENT, ROUND_HALF_UP)
        if self.cap is not None:
            amount = min(amount, self.cap)
        return max(amount, Decimal(0))

    def clean(self):
        errors = {}
        if self.end_year and self.start_year and self.end_year < self.start_year:
            errors["end_year"] = _("截止年度不能早于起始年度。")
        if self.fixed_amount is not None and self.share_percent is not None:
            errors["share_percent"] = _("定额奖补与按比例奖补只能填写一项。")
        if self.share_percent is not None and not self.share_basis:
            errors["share_basis"] = _("按比例奖补须选择比例基数。")
        if self.condition and self.fixed_amount is None and self.share_percent is None:
            errors["fixed_amount"] = _("设定兑现条件的政策须填写定额或比例奖补标准。")
        shares = [self.district_share, self.city_share, self.province_share]
        if all(s is not None for s in shares) and sum(shares) != 100:
            errors["district_share"] = _("区、市、省承担比例合计应为100%。")
        if errors:
            raise ValidationError(errors)


class Award(DomainModel):
    """兑现记录: one enterprise's award under one policy for one year, from application to
    payment."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申报")
        REVIEW = "review", _("审核中")
        PUBLICITY = "publicity", _("已公示")
        PAID = "paid", _("已拨付")
        REJECTED = "rejected", _("不予支持")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="awards"
    )
    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="awards"
    )
    year = models.PositiveSmallIntegerField(_("兑现年度"), validators=[validate_year])
    amount_applied = amount_field(_("申报金额"))
    amount_approved = amount_field(_("核定金额"))
    amount_paid = amount_field(_("拨付金额"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    applied_on = models.DateField(_("申报日期"), null=True, blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    publicity_number = models.CharField(_("公示文号"), max_length=60, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    payment_number = models.CharField(_("拨付文号"), max_length=60, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise", "policy")
    township_lookup = "enterprise__township"
    url_namespace = "benefits"

    class Meta:
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("兑现记录")
        verbose_name_plural = _("兑现记录")
        indexes = [models.Index(fields=["-year", "enterprise"], name="award_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "policy", "year"],
                name="award_unique_year",
                violation_error_message=_("该企业本年度已有该政策的兑现记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year} {self.policy}"

    def clean(self):
        errors = {}
        if self.policy_id and self.year and not self.policy.applies_in(self.year):
            errors["year"] = _("该政策在所填年度不适用。")
        if (
            self.amount_paid is not None
            and self.amount_approved is not None
            and self.amount_paid > self.amount_approved
        ):
            errors["amount_paid"] = _("拨付金额不能超过核定金额。")
        if self.status in (self.Status.PUBLICITY, self.Status.PAID):
            if self.amount_approved is None:
                errors["amount_approved"] = _("已公示或已拨付的记录须填写核定金额。")
        if self.status == self.Status.PAID:
            if self.amount_paid is None:
                errors["amount_paid"] = _("已拨付的记录须填写拨付金额。")
            if not self.paid_on:
                errors["paid_on"] = _("已拨付的记录须填写拨付日期。")
        if errors:
            raise ValidationError(errors)


class RdDeduction(DomainModel):
    """研发费用加计扣除: what the tax bureau's list says an enterprise deducted for a year."""

    class Rate(models.IntegerChoices):
        STANDARD = 100, _("100%")
        RAISED = 120, _("120%")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="rd_deductions",
    )
    year = models.PositiveSmallIntegerField(_("所属年度"), validators=[validate_year])
    # In 元, as the tax bureau's list gives it (to the fen): 万元 would round its cents away.
    deducted_amount = AmountField(
        _("加计扣除金额（元）"),
        unit="元",
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    rate = models.PositiveSmallIntegerField(
        _("加计扣除比例"),
        choices=Rate.choices,
        default=Rate.STANDARD,
        help_text=_("集成电路企业和工业母机企业2023-2027年为120%，其他企业为100%。"),
    )
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "benefits"

    class Meta:
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("研发费用加计扣除")
        verbose_name_plural = _("研发费用加计扣除")
        indexes = [models.Index(fields=["-year", "enterprise"], name="deduction_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="deduction_unique_year",
                violation_error_message=_("该企业本年度的加计扣除记录已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year}"


class Voucher(DomainModel):
    """创新券: issued to an enterprise, used against a service contract, then reimbursed."""

    class ProviderKind(models.TextChoices):
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        SERVICE = "service", _("服务机构")

    class Status(models.TextChoices):
        ISSUED = "issued", _("已发放")
        USED = "used", _("已使用")
        REIMBURSED = "reimbursed", _("已兑付")
        EXPIRED = "expired", _("已过期")

    number = models.CharField(
        _("券号"),
        max_length=40,
        unique=True,
        error_messages={"unique": _("该券号的创新券已存在。")},
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="vouchers"
    )
    amount = AmountField(_("券面金额（万元）"), **AMOUNT)
    issued_on = models.DateField(_("发放日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    provider = models.CharField(_("服务机构"), max_length=100, blank=True)
    provider_kind = models.CharField(
        _("服务机构类型"), max_length=20, choices=ProviderKind.choices, blank=True
    )
    contract = models.CharField(_("服务合同"), max_length=200, blank=True)
    amount_used = amount_field(_("使用金额"))
    amount_reimbursed = amount_field(_("兑付金额"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ISSUED
    )
    history = HistoricalRecords()
    objects = SelectRelatedManager("enterprise")
    township_lookup = "enterprise__township"
    url_namespace = "benefits"
    lookup_fields = ("number",)

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("创新券")
        verbose_name_plural = _("创新券")
        indexes = [models.Index(fields=["-issued_on", "number"], name="voucher_list_idx")]

    def __str__(self):
        return f"{self.number} {self.enterprise}"

    def clean(self):
        errors = {}
        if self.expires_on and self.issued_on and self.expires_on < self.issued_on:
            errors["expires_on"] = _("有效期不能早于发放日期。")
        if self.amount_used is not None and self.amount is not None:
            if self.amount_used > self.amount:
                errors["amount_used"] = _("使用金额不能超过券面金额。")
        if self.amount_reimbursed is not None and self.amount_used is not None:
            if self.amount_reimbursed > self.amount_used:
                errors["amount_reimbursed"] = _("兑付金额不能超过使用金额。")
        if self.status in (self.Status.USED, self.Status.REIMBURSED):
            if self.amount_used is None:
                errors["amount_used"] = _("已使用或已兑付的创新券须填写使用金额。")
            if not self.contract:
                errors["contract"] = _("已使用或已兑付的创新券须填写服务合同。")
        if self.status == self.Status.REIMBURSED and self.amount_reimbursed is None:
            errors["amount_reimbursed"] = _("已兑付的创新券须填写兑付金额。")
        if errors:
            raise ValidationError(errors)
