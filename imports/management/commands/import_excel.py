"""``manage.py import_excel <entity> <file> [--dry-run] [--skip-invalid] [--json]``.

The same pipeline as the portal's upload page, recorded as an import job. Exits 1, writing
nothing, when the file cannot be read or has invalid rows (unless ``--skip-invalid``).
"""

import json
import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.engine.registry import entities
from imports.models import ImportJob
from imports.services import import_job_create, import_job_run


class Command(BaseCommand):
    @property
    def help(self):  # argparse takes no lazy strings
        return _("从Excel/CSV文件导入记录（与页面导入相同的校验与写入）。")

    def add_arguments(self, parser):
        parser.add_argument("entity", help=_("导入对象，如 enterprise、enterpriseyearlyfigure"))
        parser.add_argument("file", help=_(".xlsx、.xls 或 .csv 文件"))
        parser.add_argument("--dry-run", action="store_true", help=_("只校验和预览，不写入"))
        parser.add_argument("--skip-invalid", action="store_true", help=_("跳过有错误的行"))
        parser.add_argument("--ignore-unknown", action="store_true", help=_("忽略无法识别的列"))
        parser.add_argument("--json", action="store_true", help=_("以JSON输出结果"))
        parser.add_argument("--user", help=_("以该用户的权限导入（默认：系统，不受乡镇限制）"))

    def handle(self, *args, **options):
        name = options["entity"]
        if name not in entities():
            raise CommandError(
                _("未知的导入对象“%(name)s”。可用：%(names)s")
                % {"name": name, "names": "、".join(sorted(entities()))}
            )
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(
                    _("用户不存在：%(username)s") % {"username": options["user"]}
                ) from None
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
            self.stderr.write(_("无法导入：%(error)s") % {"error": summary["file_error"]})
            return
        counts = summary["counts"]
        if summary["dry_run"]:
            verb = _("预览")
        else:
            verb = _("已写入") if summary["written"] else _("未写入")
        self.stdout.write(
            _(
                "%(verb)s：共%(total)s行，新增%(new)s，修改%(changed)s，"
                "无变化%(unchanged)s，有错误%(invalid)s（%(seconds)s秒）"
            )
            % {
                "verb": verb,
                "total": counts["total"],
                "new": counts["new"],
                "changed": counts["changed"],
                "unchanged": counts["unchanged"],
                "invalid": counts["invalid"],
                "seconds": summary["seconds"],
            }
        )
        for notice in summary["notices"]:
            self.stdout.write(_("提示：%(notice)s") % {"notice": notice})
        for error in summary["errors"]:
            if error["column"]:
                line = _("第%(row)s行%(column)s列（%(header)s）：%(message)s") % error
            else:
                line = _("第%(row)s行：%(message)s") % error
            self.stderr.write(line)
