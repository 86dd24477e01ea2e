"""Print every indicator of the registry for a year (and a township)."""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from bureau.models import Township
from reports.indicators import REGISTRY, compute_all


def _plain(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


class Command(BaseCommand):
    help = "按年度（可选乡镇）输出全部统计指标；--json 输出 {key: {label, unit, value}}。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度，例如 2025")
        parser.add_argument("--township", help="乡镇（街道）9位区划代码")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, year, township=None, json=False, **options):
        if township:
            try:
                township = Township.objects.get(code=township)
            except Township.DoesNotExist as error:
                raise CommandError(f"没有区划代码为 {township} 的乡镇（街道）。") from error
        values = compute_all(year, township)
        if json:
            self._print_json(values)
            return
        title = f"{year}年度指标" + (f"（{township.name}）" if township else "（全区）")
        self.stdout.write(title)
        section = None
        for key, indicator in REGISTRY.items():
            if indicator.section != section:
                section = indicator.section
                self.stdout.write(f"\n{section}")
            item = values[key]
            shown = "—" if item.value is None else f"{item.value}{item.unit}"
            line = f"  {item.label}：{shown}  [{key}]"
            if item.target is not None:
                line += f"  目标 {_plain(item.target)}{item.unit}"
            if item.names:
                line += "\n      " + "、".join(item.names)
            self.stdout.write(line)

    def _print_json(self, values):
        data = {
            key: {"label": item.label, "unit": item.unit, "value": _plain(item.value)}
            for key, item in values.items()
        }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
