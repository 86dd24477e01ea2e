"""Production logs are one JSON object per line on stdout; development keeps plain lines."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from ops.logging import JsonFormatter

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "test-only-9c1f0e7a4b2d8e6f3a5c7b9d1e3f5a7c9b1d3e5f7a9c",
    "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
}


def test_record_becomes_one_json_object_with_extras_and_exception():
    try:
        raise ValueError("坏数据")
    except ValueError:
        record = logging.getLogger("bureau.imports").makeRecord(
            "bureau.imports",
            logging.ERROR,
            __file__,
            1,
            "导入第 %d 行失败",
            (7,),
            sys.exc_info(),
            extra={"job_id": 42, "township": object()},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "bureau.imports"
    assert entry["message"] == "导入第 7 行失败"
    assert entry["job_id"] == 42
    assert isinstance(entry["township"], str)
    assert "ValueError: 坏数据" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_production_settings_log_json_to_stdout():
    code = "import logging; logging.getLogger('bureau').warning('备份完成 %s', 'ok')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=os.environ | PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {"level": "WARNING", "logger": "bureau", "message": "备份完成 ok"}.items() <= next(
        e for e in entries if e["logger"] == "bureau"
    ).items()
