"""Reads of enterprises and their records that the lists and the workbench share: the named
selections their declarations offer as filters (``portal.entities.Query``)."""

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import HiTechApplication, SmeEvaluation

HT = HiTechApplication.Status


def _year(value) -> int | None:
    try:
        year = int(str(value).rsplit("-", 1)[-1])
    except ValueError:
        return None
    return year if 1900 <= year <= 2099 else None


def year_choices(template: str):
    """``(value, label)`` for the years around this one, the label filled from ``template``."""

    def choices():
        this = timezone.localdate().year
        return [
            (str(y), str(template).format(year=y)) for y in range(this + 1, this - 4, -1)
        ]

    return choices


def certificate_choices():
    this = timezone.localdate().year
    out = []
    for y in range(this + 1, this - 4, -1):
        out.append((f"expiring-{y}", _("%(y)s至%(n)s年到期，待重新认定") % {"y": y, "n": y + 1}))
        out.append((f"lapsed-{y}", _("%(y)s年前已到期、未重新申报") % {"y": y}))
    return out


def hitech_certificates_due(queryset, value: str):
    """Certificates of 高企 (status 认定) that no later application of the same enterprise has
    followed: ``expiring-Y`` those expiring in Y or Y+1 (re-certification falls due),
    ``lapsed-Y`` those that expired before Y."""
    kind, _sep, _rest = str(value).partition("-")
    year = _year(value)
    if year is None or kind not in ("expiring", "lapsed"):
        return queryset.none()
    followed = HiTechApplication.objects.filter(
        enterprise=OuterRef("enterprise"), year__gt=OuterRef("year")
    ).exclude(status=HT.CULTIVATING)
    certified = queryset.filter(status=HT.CERTIFIED, expires_on__isnull=False).filter(
        ~Exists(followed)
    )
    if kind == "expiring":
        return certified.filter(
            expires_on__gte=datetime.date(year, 1, 1),
            expires_on__lte=datetime.date(year + 1, 12, 31),
        )
    return certified.filter(expires_on__lt=datetime.date(year, 1, 1))


def sme_renewals_due(queryset, value: str):
    """``Y``: enterprises registered as 科技型中小企业 in Y-1 and not yet in Y (registration is
    yearly), as their evaluations of Y-1."""
    year = _year(value)
    if year is None:
        return queryset.none()
    renewed = SmeEvaluation.objects.filter(
        enterprise=OuterRef("enterprise"), year=year, status=SmeEvaluation.Status.REGISTERED
    )
    return queryset.filter(year=year - 1, status=SmeEvaluation.Status.REGISTERED).filter(
        ~Exists(renewed)
    )


def figures_missing(queryset, value: str):
    """``Y``: 规上工业企业 without yearly figures of Y."""
    year = _year(value)
    if year is None:
        return queryset.none()
    return queryset.filter(is_above_scale=True).exclude(yearly_figures__year=year)


def coverage_missing(queryset, value: str):
    """``Y``: 规上工业企业 whose R&D-coverage ledger has no row for Y (through the ledger's
    relation to the enterprise; the campaign's app sits above this one)."""
    year = _year(value)
    if year is None:
        return queryset.none()
    return queryset.filter(is_above_scale=True).exclude(rd_coverage__year=year)
