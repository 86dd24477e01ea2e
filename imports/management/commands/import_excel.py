"""``manage.py import_excel <entity> <file> [--dry-run] [--skip-invalid] [--json]``.

The same pipeline as the portal's upload page, recorded as an import job. Exits 1, writing
nothing, when the file cannot be read or has invalid rows (unless ``--skip-invalid``).
"""

import json
import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bureau.importing.registry import entities
from imports.models import ImportJob
from imports.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = "从Excel/CSV文件导入记录（与页面导入相同的校验与写入）。"

    def add_arguments(self, parser):
        parser.add_argument("entity", help="导入对象，如 enterprise、enterpriseyearlyfigure")
        parser.add_argument("file", help=".xlsx、.xls 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验和预览，不写入")
        parser.add_argument("--skip-invalid", action="store_true", help="跳过有错误的行")
        parser.add_argument("--ignore-unknown", action="store_true", help="忽略无法识别的列")
        parser.add_argument("--json", action="store_true", help="以JSON输出结果")
        parser.add_argument("--user", help="以该用户的权限导入（默认：系统，不受乡镇限制）")

    def handle(self, *args, **options):
        name = options["entity"]
        if name not in entities():
            raise CommandError(f"未知的导入对象“{name}”。可用：{'、'.join(sorted(entities()))}")
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"文件不存在：{path}")
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"用户不存在：{options['user']}") from None
        started = time.perf_counter()
        cpu = time.process_time()
        with open(path, "rb") as handle:
            job = import_job_create(
                user=user,
                entity=name,
                upload=handle,
                file_name=os.path.basename(path),
                skip_invalid=options["skip_invalid"],
                ignore_unknown=options["ignore_unknown"],
                source=ImportJob.Source.CLI,
            )
        if job.status != ImportJob.Status.FAILED:
            job = import_job_run(job=job, dry_run=options["dry_run"])
        seconds = time.perf_counter() - started
        result = getattr(job, "result", None)
        summary = result.summary() if result else {"ok": False, "file_error": job.message}
        summary.update(
            job=job.pk,
            seconds=round(seconds, 3),
            cpu_seconds=round(time.process_time() - cpu, 3),
        )
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self._print(summary)
        if not summary["ok"]:
            raise SystemExit(1)

    def _print(self, summary):
        if summary.get("file_error"):
            self.stderr.write(f"无法导入：{summary['file_error']}")
            return
        counts = summary["counts"]
        verb = "预览" if summary["dry_run"] else ("已写入" if summary["written"] else "未写入")
        self.stdout.write(
            f"{verb}：共{counts['total']}行，新增{counts['new']}，修改{counts['changed']}，"
            f"无变化{counts['unchanged']}，有错误{counts['invalid']}（{summary['seconds']}秒）"
        )
        for notice in summary["notices"]:
            self.stdout.write(f"提示：{notice}")
        for error in summary["errors"]:
            where = f"第{error['row']}行"
            if error["column"]:
                where += f"{error['column']}列（{error['header']}）"
            self.stderr.write(f"{where}：{error['message']}")
