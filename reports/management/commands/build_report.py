"""``python manage.py build_report --year 2025 --out 报告.pdf`` (or ``.docx``).

Renders the approved version of the year's report if there is one, else its latest version,
else a fresh draft from the records (not saved: the command changes nothing).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.annual.rendering import ReportRenderError, render
from reports.annual.services import report_document_version


class Command(BaseCommand):
    # It only reads and renders; Django's system checks would add ~0.4 s to every run.
    requires_system_checks = []

    @property
    def help(self):  # argparse takes no lazy strings
        return _(
            "按公文格式导出年度工作报告（PDF 或 Word）：优先已审定版本，其次最新版本，"
            "否则按业务数据生成初稿。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help=_("报告年度"))
        parser.add_argument("--out", required=True, help=_("输出文件，扩展名 .pdf 或 .docx"))

    def handle(self, *args, year, out, **options):
        path = Path(out)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "docx"):
            raise CommandError(_("输出文件的扩展名应为 .pdf 或 .docx。"))
        version = report_document_version(year=year)
        try:
            data = render(version, fmt)
        except ReportRenderError as error:
            raise CommandError(str(error)) from error
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if version.pk is None:
            source = _("按业务数据生成的初稿（未保存）")
        elif version.is_approved:
            source = _("已审定的 v%(number)s") % {"number": version.number}
        else:
            source = _("最新的 v%(number)s（未审定）") % {"number": version.number}
        self.stdout.write(
            _("%(year)s年度工作报告：%(source)s → %(path)s（%(size)s 字节）")
            % {"year": year, "source": source, "path": path, "size": len(data)}
        )
