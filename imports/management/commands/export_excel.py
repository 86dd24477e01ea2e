"""``manage.py export_excel <entity> <file> [--year Y]``: the whole list (or one year) as
.xlsx, or .csv when the file name ends in .csv. The export imports back unchanged."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.engine import export as exporting
from imports.engine.registry import entities


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("把记录导出为Excel（.xlsx）或CSV文件，可再导入。")

    def add_arguments(self, parser):
        parser.add_argument("entity", help=_("导出对象，如 enterprise"))
        parser.add_argument("file", help=_("输出文件，.xlsx 或 .csv"))
        parser.add_argument("--year", type=int, help=_("只导出该年度的记录"))

    def handle(self, *args, **options):
        name = options["entity"]
        entity = entities().get(name)
        if entity is None:
            raise CommandError(
                _("未知的导出对象“%(name)s”。可用：%(names)s")
                % {"name": name, "names": "、".join(sorted(entities()))}
            )
        resource = entity.resource()
        queryset = entity.model._default_manager.order_by("pk")
        if options["year"] is not None:
            if not resource.year_lookup:
                raise CommandError(
                    _("“%(name)s”没有年度，不能按 --year 筛选。") % {"name": entity.verbose_name}
                )
            queryset = queryset.filter(**{resource.year_lookup: options["year"]})
        path = options["file"]
        if path.lower().endswith(".csv"):
            count = 0
            with open(path, "w", encoding="utf-8", newline="") as handle:
                for chunk in exporting.iter_csv(resource, queryset):
                    handle.write(chunk)
            count = queryset.count()
        else:
            with open(path, "wb") as handle:
                count = exporting.write_xlsx(resource, queryset, handle)
        self.stdout.write(
            _("已导出%(count)s条%(name)s记录到 %(path)s")
            % {"count": count, "name": entity.verbose_name, "path": path}
        )
