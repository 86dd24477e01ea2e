"""``python manage.py build_report --year 2025 --out 报告.pdf`` (or ``.docx``).

Renders the approved version of the year's report if there is one, else its latest version,
else a fresh draft from the records (not saved: the command changes nothing).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.annual.rendering import ReportRenderError, render
from reports.annual.services import report_document_version


class Command(BaseCommand):
    help = "按公文格式导出年度工作报告（PDF 或 Word）：优先已审定版本，其次最新版本，否则按业务数据生成初稿。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="报告年度")
        parser.add_argument("--out", required=True, help="输出文件，扩展名 .pdf 或 .docx")

    def handle(self, *args, year, out, **options):
        path = Path(out)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "docx"):
            raise CommandError("输出文件的扩展名应为 .pdf 或 .docx。")
        version = report_document_version(year=year)
        try:
            data = render(version, fmt)
        except ReportRenderError as error:
            raise CommandError(str(error)) from error
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if version.pk is None:
            source = "按业务数据生成的初稿（未保存）"
        elif version.is_approved:
            source = f"已审定的 v{version.number}"
        else:
            source = f"最新的 v{version.number}（未审定）"
        self.stdout.write(f"{year}年度工作报告：{source} → {path}（{len(data)} 字节）")
