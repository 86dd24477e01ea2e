"""惠企政策兑现 on the dashboard and the workbench (issue 26), apart from the other cards and
items so each changes on its own.

The dashboard card is fetched after the page (htmx), as the 培育库 pipeline is: 应兑未兑 is
computed from the records on each evaluation, and the page never waits for it. Every number
opens its records (the registry's ``records_url``).
"""

from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from benefits import selectors as benefits
from benefits.models import Award, Voucher
from bureau import permissions
from enterprises.models import Enterprise
from reports.indicators import compute_many
from reports.indicators.base import township_pk
from reports.selectors import cache_seconds, dashboard_cache_key

# The card's figures, in its order: what was paid and to whom, what is owed, the rest.
CARD_KEYS = [
    "benefit_paid",
    "benefit_enterprises",
    "benefit_rate",
    "benefit_unpaid",
    "benefit_owed",
    "benefit_owed_amount",
    "benefit_ineligible",
    "deduction_enterprises",
    "deduction_amount",
    "voucher_issued",
    "voucher_used",
    "hitech_tax_enterprises",
]


def card_data(year: int, township=None) -> dict:
    """The card's figures of ``year`` (and one township), each with its link, and 兑现资金 by
    the policy's level."""
    pk = township_pk(township)
    values = compute_many([year], pk, CARD_KEYS, detail_keys=("benefit_paid",))[year]
    figures = {
        key: {
            "label": value.label,
            "unit": value.unit,
            "value": value.value,
            "url": value.records_url,
        }
        for key, value in values.items()
    }
    return {
        "year": year,
        "figures": figures,
        "by_level": values["benefit_paid"].breakdown,
        "by_level_url": values["benefit_paid"].records_url,
    }


def card_cached(year: int, township=None) -> dict:
    """``card_data`` through the dashboard's cache (its key: a clear or an import renews it),
    kept as long as the dashboard's figures: at city scale computing 应兑未兑 takes most of a
    second (scripts/bench/benefits_bench.py), and every viewer of a scope sees the same card."""
    pk = township_pk(township)
    seconds = cache_seconds()
    if not seconds:
        return card_data(year, pk)
    key = f"{dashboard_cache_key(year, pk)}:benefits"
    data = cache.get(key)
    if data is None:
        data = card_data(year, pk)
        cache.set(key, data, seconds)
    return data


def workbench_items(user, year: int, item, named) -> list:
    """The workbench's benefit items for ``user`` (scoped as the lists are): 应兑未兑 of the
    year before (awards of a year are claimed the next), awards flagged 不符合条件, vouchers
    about to expire. ``item`` builds an item, ``named`` counts an entity's named selection."""
    items = []
    if permissions.can_view_model(user, Award):
        enterprises = permissions.scope_queryset(user, Enterprise.objects.all()).values("pk")
        claimed = year - 1
        owed = benefits.owed([claimed], enterprises)
        url = f"{reverse('benefits:owed')}?{urlencode({'year': claimed})}"
        hint = _("%(y)s年度符合政策条件、尚无兑现记录") % {"y": claimed}
        items.append(item(_("惠企政策应兑未兑"), len(owed), url, hint, "warning"))
        found = named(user, Award, "flag", "ineligible")
        if found is not None:
            hint = _("如高企资格已撤销")
            items.append(item(_("兑现记录不符合条件"), found[0], found[1], hint, "danger"))
    found = named(user, Voucher, "expiring", "soon")
    if found is not None:
        hint = _("%(d)s天内到期、尚未使用") % {"d": benefits.VOUCHER_EXPIRY_DAYS}
        items.append(item(_("创新券即将到期"), found[0], found[1], hint, "warning"))
    return items
