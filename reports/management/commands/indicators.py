"""Print every indicator of the registry for a year (and a township)."""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bureau.models import Township
from reports.closing import registry_values
from reports.indicators import REGISTRY


def _plain(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("按年度（可选乡镇）输出全部统计指标；--json 输出 {key: {label, unit, value}}。")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help=_("年度，例如 2025"))
        parser.add_argument("--township", help=_("乡镇（街道）9位区划代码"))
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))

    def handle(self, *args, year, township=None, json=False, **options):
        if township:
            try:
                township = Township.objects.get(code=township)
            except Township.DoesNotExist as error:
                raise CommandError(
                    _("没有区划代码为 %(code)s 的乡镇（街道）。") % {"code": township}
                ) from error
        values, closed = registry_values(year, township or None)
        if json:
            self._print_json(values, closed)
            return
        if township:
            title = _("%(year)s年度指标（%(township)s）") % {
                "year": year,
                "township": township.name,
            }
        else:
            title = _("%(year)s年度指标（全区）") % {"year": year}
        if closed is not None:
            title += f"  {closed.label}"
        self.stdout.write(title)
        section = None
        for key, indicator in REGISTRY.items():
            if indicator.section != section:
                section = indicator.section
                self.stdout.write(f"\n{section}")
            item = values[key]
            shown = "—" if item.value is None else f"{item.value}{item.unit}"
            line = f"  {item.label}：{shown}  [{key}]"
            if closed is not None and key in closed.drift:
                line += "  " + _("现值 %(now)s（封账值 %(then)s）") % {
                    "now": "—" if closed.drift[key] is None else _plain(closed.drift[key]),
                    "then": shown,
                }
            if item.target is not None:
                line += "  " + _("目标 %(target)s%(unit)s") % {
                    "target": _plain(item.target),
                    "unit": item.unit,
                }
            if item.names:
                line += "\n      " + "、".join(item.names)
            self.stdout.write(line)

    def _print_json(self, values, closed=None):
        # A closed year's value is the closed one; "current" is the records' where they moved.
        data = {
            key: {"label": item.label, "unit": item.unit, "value": _plain(item.value)}
            for key, item in values.items()
        }
        if closed is not None:
            for key, now in closed.drift.items():
                data[key]["current"] = _plain(now)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
