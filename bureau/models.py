"""The bureau itself: its users and roles, the district's townships and villages, departments,
industries, annual targets, work activities and the figures it receives from outside.

Also the shared base class of every domain record (timestamps, history, township scoping).
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau import indicator_keys
from bureau.collation import Pinyin
from bureau.validators import validate_year


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    STAFF = "staff", _("科室工作人员")
    LIAISON = "liaison", _("乡镇（街道）联络员")
    LEADER = "leader", _("局领导")
    NONE = "none", _("未分配角色")


class SelectRelatedManager(models.Manager):
    """A default manager that joins what ``__str__`` reads, so lists, filters and choice fields
    showing these records cost one query rather than one per row."""

    def __init__(self, *related: str):
        super().__init__()
        self.related = related

    def get_queryset(self):
        return super().get_queryset().select_related(*self.related)


class PageMixin:
    """Records with portal pages at ``<url_namespace>:<model_name>-detail``."""

    url_namespace: str = "bureau"

    @classmethod
    def entity_name(cls) -> str:
        return cls._meta.model_name

    def get_absolute_url(self):
        return reverse(f"{self.url_namespace}:{self.entity_name()}-detail", args=[self.pk])


class DomainModel(PageMixin, models.Model):
    """Base of every record staff keep: timestamps and, per subclass, a change history.

    ``township_lookup`` names the path from the record to its township (``"township"``,
    ``"enterprise__township"``); ``None`` means the record belongs to the whole district and a
    township liaison does not see it. Selectors, forms, imports and the API all scope by it.
    """

    township_lookup: str | None = None

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def get_township(self):
        if not self.township_lookup:
            return None
        obj = self
        for part in self.township_lookup.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj


class ReferenceModel(PageMixin, models.Model):
    """Reference data maintained by administrators only."""

    township_lookup: str | None = None

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    get_township = DomainModel.get_township


class Township(ReferenceModel):
    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("街道")
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")

    code = models.CharField(
        _("区划代码"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("区划代码应为9位数字。"))],
        help_text=_("GB/T 2260 县级6位 + 3位：001-099 街道，100-199 镇，200-399 乡。"),
    )
    name = models.CharField(_("名称"), max_length=50, unique=True)
    history = HistoricalRecords()
    lookup_fields = ("name", "code")

    class Meta:
        ordering = ["code"]
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")

    def __str__(self):
        return self.name

    @property
    def kind(self) -> str:
        suffix = int(self.code[6:]) if self.code and self.code.isdigit() else 0
        if suffix < 100:
            return self.Kind.SUBDISTRICT
        if suffix < 200:
            return self.Kind.TOWN
        return self.Kind.TOWNSHIP

    def clean(self):
        if self.code and self.code.isdigit() and not 1 <= int(self.code[6:]) <= 399:
            raise ValidationError({"code": _("区划代码后三位应在001-399之间。")})


class Village(ReferenceModel):
    township = models.ForeignKey(
        Township, verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT, related_name="villages"
    )
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("村级区划代码应为12位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=50)
    history = HistoricalRecords()
    township_lookup = "township"
    lookup_fields = ("name", "code", "township__name")

    objects = SelectRelatedManager("township")

    class Meta:
        ordering = ["code"]
        verbose_name = _("村（社区）")
        verbose_name_plural = _("村（社区）")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name"),
        ]

    def __str__(self):
        return f"{self.township.name}{self.name}"

    def clean(self):
        if self.township_id and self.code and not self.code.startswith(self.township.code):
            raise ValidationError({"code": _("村级区划代码应以所属乡镇的9位代码开头。")})


class Department(ReferenceModel):
    name = models.CharField(_("名称"), max_length=80, unique=True)
    townships = models.ManyToManyField(
        Township,
        verbose_name=_("帮包乡镇（街道）"),
        blank=True,
        related_name="departments",
        help_text=_("研发机构全覆盖工作中由本部门帮包的乡镇（街道）。"),
    )
    history = HistoricalRecords(m2m_fields=[townships])

    class Meta:
        ordering = [Pinyin("name")]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class Industry(ReferenceModel):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    is_key_chain = models.BooleanField(_("重点产业链"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_key_chain", Pinyin("name")]
        verbose_name = _("产业")
        verbose_name_plural = _("产业")

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.NONE)
    township = models.ForeignKey(
        Township,
        verbose_name=_("所属乡镇（街道）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("乡镇（街道）联络员必填。"),
    )
    full_name = models.CharField(_("姓名"), max_length=30, blank=True)
    # Set when an administrator gives the account a one-time password: the next page the user
    # opens is the password change.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if self.role == Role.LIAISON and not self.township_id:
            raise ValidationError({"township": _("乡镇（街道）联络员必须指定所属乡镇（街道）。")})

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_liaison(self) -> bool:
        return not self.is_admin and self.role == Role.LIAISON

    @property
    def is_leader(self) -> bool:
        return not self.is_admin and self.role == Role.LEADER

    @property
    def can_edit(self) -> bool:
        """Staff, liaisons (within their township) and administrators change records."""
        return self.is_active and (self.is_admin or self.role in (Role.STAFF, Role.LIAISON))


class AnnualTarget(DomainModel):
    """A target of the year for one indicator of the registry (``reports/indicators``)."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    indicator = models.CharField(_("指标"), max_length=60)
    value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "indicator"]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(fields=["year", "indicator"], name="target_unique_year"),
        ]

    def __str__(self):
        return f"{self.year} {indicator_keys.label_of(self.indicator)}"


class WorkActivity(DomainModel):
    class Kind(models.TextChoices):
        TRAINING = "training", _("业务培训")
        # Counted apart by the annual report: 研发投入业务培训 (incl. 研发费用加计扣除).
        RD_TRAINING = "rd_training", _("研发投入培训（含加计扣除）")
        POLICY_VISIT = "policy_visit", _("送政策上门")
        MEETING = "meeting", _("会议")
        INSPECTION = "inspection", _("督导检查")
        OTHER = "other", _("其他")

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    topic = models.CharField(_("主题"), max_length=200)
    township = models.ForeignKey(
        Township, verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT, null=True, blank=True
    )
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    organiser = models.CharField(_("组织单位"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()
    township_lookup = "township"

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("工作活动")
        verbose_name_plural = _("工作活动")
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self):
        return f"{self.date} {self.topic}"


class ExternalFigure(DomainModel):
    """A figure the bureau receives rather than computes (rank in the city, the city's totals)."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    key = models.CharField(_("指标"), max_length=60)
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    source = models.CharField(_("来源"), max_length=200)
    as_of = models.DateField(_("截至日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "key"]
        verbose_name = _("外部数据")
        verbose_name_plural = _("外部数据")
        constraints = [
            models.UniqueConstraint(fields=["year", "key"], name="external_unique_year"),
        ]

    def __str__(self):
        return f"{self.year} {indicator_keys.label_of(self.key)}"


class BureauProfile(models.Model):
    """Who the bureau is: the district, its full and short names, and the 落款 of its documents.

    One row, edited by administrators on the 单位信息 page. Until it is saved, ``current()``
    builds it from the first-run defaults in the environment (``BUREAU_*`` in .env.example).
    """

    SINGLETON_PK = 1

    city_name = models.CharField(
        _("所属地市"), max_length=30, blank=True, help_text=_("如：鲁川市")
    )
    district_name = models.CharField(
        _("区（县）名称"), max_length=30, help_text=_("如：青河区。用于报告标题、看板和页面抬头。")
    )
    bureau_name = models.CharField(
        _("单位全称"), max_length=60, help_text=_("如：鲁川市青河区科学技术局")
    )
    bureau_short_name = models.CharField(
        _("单位简称"), max_length=30, help_text=_("如：青河区科技局。年度工作报告的标题用简称。")
    )
    issuing_unit = models.CharField(
        _("发文机关署名（落款）"),
        max_length=60,
        help_text=_("报告末尾的落款，一般为单位全称。"),
    )
    signing_date = models.DateField(
        _("成文日期"),
        null=True,
        blank=True,
        help_text=_("报告落款下的日期。留空时取报告版本的审定日期，未审定时取导出当天。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位信息")
        verbose_name_plural = _("单位信息")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="bureau_profile_singleton"),
        ]

    def __str__(self):
        return self.bureau_name

    def get_absolute_url(self):
        return reverse("bureau:profile")

    @classmethod
    def defaults(cls) -> "BureauProfile":
        """The first-run profile, from the environment (settings ``BUREAU_*``)."""
        from django.conf import settings

        district = settings.BUREAU_DISTRICT_NAME or ""
        city = settings.BUREAU_CITY_NAME or ""
        short = settings.BUREAU_SHORT_NAME or f"{district or '区'}科技局"
        full = settings.BUREAU_NAME or (f"{city}{district}科学技术局" if district else short)
        return cls(
            pk=cls.SINGLETON_PK,
            city_name=city,
            district_name=district,
            bureau_name=full,
            bureau_short_name=short,
            issuing_unit=settings.BUREAU_ISSUING_UNIT or full,
        )

    @classmethod
    def current(cls) -> "BureauProfile":
        """The saved profile, or the first-run defaults when none is saved yet."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls.defaults()

    @property
    def is_saved(self) -> bool:
        return not self._state.adding

    @property
    def report_name(self) -> str:
        """The name a report's title starts with: "青河区科技局"."""
        return self.bureau_short_name or f"{self.district_name or '区'}科技局"


class Notification(models.Model):
    """A message to one user about something that waits for them (a report to approve, a report
    returned for changes), shown on their pages until they open it."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("内容"), max_length=200)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text


class FollowUpNote(models.Model):
    """跟进记录: a dated note on a record (an enterprise, an application, a talent project, a
    platform): who called or visited, what was asked for. Attached to any record whose entity
    allows it; seen by whoever may see the record."""

    class Kind(models.TextChoices):
        CALL = "call", _("电话")
        VISIT = "visit", _("走访")
        DOCUMENTS = "documents", _("材料补正")
        OTHER = "other", _("其他")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    date = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    text = models.TextField(_("内容"), max_length=2000)
    author = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        indexes = [models.Index(fields=["content_type", "object_id", "-date"])]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class SavedView(models.Model):
    """我的筛选: a list page's filters and sort saved under a name, to open again with one click
    (from the list or the workbench). ``query`` is the list's querystring as it was (without
    the page): it is checked again each time it opens, so a filter that no longer validates (a
    removed choice) is dropped with a note rather than failing.

    ``shared`` makes it visible to the users of the owner's role (there are no departments of
    people: ``Department`` is the unit that 帮包 townships). Only the owner changes it."""

    NAME_MAX_LENGTH = 40
    QUERY_MAX_LENGTH = 2000

    owner = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.CASCADE, related_name="saved_views"
    )
    # The list's model, by its label: "enterprises.enterprise".
    entity = models.CharField(_("列表"), max_length=100)
    name = models.CharField(
        _("名称"),
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "blank": _("请填写筛选的名称。"),
            "max_length": _("名称最多%(limit_value)d个字（现有%(show_value)d个）。"),
        },
    )
    query = models.CharField(
        _("筛选条件"),
        max_length=QUERY_MAX_LENGTH,
        blank=True,
        error_messages={"max_length": _("筛选条件太长，无法保存。")},
    )
    shared = models.BooleanField(
        _("与同角色用户共享"),
        default=False,
        help_text=_("共享后，与您角色相同的用户也能在列表和工作台看到并打开它，但不能修改。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = [Pinyin("name"), "pk"]
        verbose_name = _("我的筛选")
        verbose_name_plural = _("我的筛选")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "entity", "name"],
                name="saved_view_unique_name",
                violation_error_message=_("您在这个列表已有同名的筛选，请换一个名称。"),
            ),
        ]
        indexes = [models.Index(fields=["entity", "shared"])]

    def __str__(self):
        return self.name
