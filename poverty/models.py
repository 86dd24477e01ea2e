"""Technology poverty aid (科技扶贫): key villages, technology commissioners, their service
visits, agri-tech stations, provincial demonstration bases and selected achievements."""

from django.db import models
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bureau.collation import Pinyin, pinyin_key
from bureau.models import DomainModel, SelectRelatedManager, Village
from bureau.validators import validate_year


class KeyVillage(DomainModel):
    village = models.OneToOneField(
        Village, verbose_name=_("村"), on_delete=models.PROTECT, related_name="key_village"
    )
    designated_year = models.PositiveSmallIntegerField(_("确定年度"), validators=[validate_year])
    households = models.PositiveIntegerField(_("帮扶户数"), default=0)
    is_active = models.BooleanField(_("在帮扶"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()
    objects = SelectRelatedManager("village__township")
    township_lookup = "village__township"
    url_namespace = "poverty"
    lookup_fields = ("village__name", "village__township__name")

    class Meta:
        ordering = ["village__code"]
        verbose_name = _("扶贫工作重点村")
        verbose_name_plural = _("扶贫工作重点村")

    def __str__(self):
        return str(self.village)


class Commissioner(DomainModel):
    name = models.CharField(_("姓名"), max_length=30)
    sending_unit = models.CharField(_("派出单位"), max_length=100)
    specialty = models.CharField(_("专业特长"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=30, unique=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords()
    url_namespace = "poverty"

    class Meta:
        ordering = [Pinyin("name")]
        verbose_name = _("科技特派员")
        verbose_name_plural = _("科技特派员")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [models.Index(pinyin_key("name"), name="commissioner_list_order_idx")]

    def __str__(self):
        return self.name


class ServiceVisit(DomainModel):
    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("现场指导")
        TRAINING = "training", _("技术培训")
        REMOTE = "remote", _("远程咨询")
        DEMONSTRATION = "demonstration", _("示范推广")

    date = models.DateField(_("日期"))
    village = models.ForeignKey(
        KeyVillage, verbose_name=_("重点村"), on_delete=models.PROTECT, related_name="visits"
    )
    commissioners = models.ManyToManyField(
        Commissioner, verbose_name=_("科技特派员"), related_name="visits"
    )
    mode = models.CharField(_("服务方式"), max_length=20, choices=Mode.choices)
    content = models.CharField(_("服务内容"), max_length=300)
    farmers_trained = models.PositiveIntegerField(_("培训农民（人次）"), default=0)
    history = HistoricalRecords(m2m_fields=[commissioners])
    objects = SelectRelatedManager("village__village__township")
    township_lookup = "village__village__township"
    url_namespace = "poverty"

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(fields=["date"]),
            models.Index(fields=["-date", "-id"], name="visit_list_order_idx"),
        ]

    # A visit's line in a block on its village's or commissioner's page says who came, what
    # they did and how many were trained (date and village alone said nothing); its block reads
    # the commissioners in one query.
    related_prefetch = ("commissioners",)

    def __str__(self):
        return f"{self.date} {self.village}"

    @property
    def related_text(self) -> str:
        who = "、".join(c.name for c in self.commissioners.all()) or gettext("未填特派员")
        text = gettext("%(date)s %(who)s %(mode)s：%(content)s") % {
            "date": self.date,
            "who": who,
            "mode": self.get_mode_display(),
            "content": self.content,
        }
        if self.farmers_trained:
            text += gettext("，培训农民%(n)s人次") % {"n": self.farmers_trained}
        return text


class AgriStation(DomainModel):
    name = models.CharField(_("驿站名称"), max_length=100, unique=True)
    village = models.ForeignKey(
        KeyVillage, verbose_name=_("所在重点村"), on_delete=models.PROTECT, related_name="stations"
    )
    host = models.CharField(_("依托主体"), max_length=100)
    built_on = models.DateField(_("建成日期"))
    history = HistoricalRecords()
    objects = SelectRelatedManager("village__village__township")
    township_lookup = "village__village__township"
    url_namespace = "poverty"

    class Meta:
        ordering = ["-built_on"]
        verbose_name = _("农科驿站")
        verbose_name_plural = _("农科驿站")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [models.Index(fields=["-built_on"], name="station_list_order_idx")]

    def __str__(self):
        return self.name


class DemoBase(DomainModel):
    class Status(models.TextChoices):
        APPLIED = "applied", _("已申报")
        SELECTED = "selected", _("已入选")
        REJECTED = "rejected", _("未入选")

    name = models.CharField(_("基地名称"), max_length=100)
    village = models.ForeignKey(
        KeyVillage,
        verbose_name=_("所在重点村"),
        on_delete=models.PROTECT,
        related_name="demo_bases",
    )
    operator = models.CharField(_("运营主体"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    history = HistoricalRecords()
    objects = SelectRelatedManager("village__village__township")
    township_lookup = "village__village__township"
    url_namespace = "poverty"

    class Meta:
        ordering = ["-year", Pinyin("name")]
        verbose_name = _("省科技扶贫示范基地")
        verbose_name_plural = _("省科技扶贫示范基地")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(F("year").desc(), pinyin_key("name"), name="demobase_list_order_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "year"],
                name="demo_base_unique_year",
                violation_error_message=_("同一年度已有同名的示范基地。"),
            ),
        ]

    def __str__(self):
        return self.name


class Achievement(DomainModel):
    class Status(models.TextChoices):
        APPLIED = "applied", _("已申报")
        SELECTED = "selected", _("已入选")
        REJECTED = "rejected", _("未入选")

    title = models.CharField(_("成果名称"), max_length=200)
    holder = models.CharField(_("完成单位"), max_length=100)
    village = models.ForeignKey(
        KeyVillage,
        verbose_name=_("应用重点村"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="achievements",
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    history = HistoricalRecords()
    url_namespace = "poverty"

    class Meta:
        ordering = ["-year", Pinyin("title")]
        verbose_name = _("省科技扶贫科技成果")
        verbose_name_plural = _("省科技扶贫科技成果")
        # in the list's order: a list page reads its 25 rows off the index (province scale)
        indexes = [
            models.Index(F("year").desc(), pinyin_key("title"), name="achievement_list_order_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "year"],
                name="achievement_unique_year",
                violation_error_message=_("同一年度已有同名的科技成果。"),
            ),
        ]

    def __str__(self):
        return self.title
