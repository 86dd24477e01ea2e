"""Refresh the Simplified Chinese catalogue: collect the strings, fill them, compile.

The portal's own strings are written in Chinese, so their translation is the string itself; the
few English strings of third-party libraries without a zh_Hans catalogue (django-filter) get
their Chinese from THIRD_PARTY below. Run: .venv/bin/python scripts/i18n.py
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# django-filter ships zh_CN only, which Django does not use for zh-hans.
THIRD_PARTY = {
    "Unknown": "未知",
    "Yes": "是",
    "No": "否",
    "Any date": "任意日期",
    "Today": "今天",
    "Past 7 days": "过去7天",
    "This month": "本月",
    "This year": "今年",
    "Yesterday": "昨天",
    "Multiple values may be separated by commas.": "多个值可用逗号分隔。",
    "%s (descending)": "%s（降序）",
    "Ordering": "排序",
    "Submit": "提交",
    "Search": "搜索",
    "Filter": "筛选",
    "Filters": "筛选",
    "Range": "范围",
    "Range (start)": "范围（起）",
    "Range (end)": "范围（止）",
    "contains": "包含",
    "is in": "属于",
    "is greater than": "大于",
    "is less than": "小于",
    "is equal to": "等于",
    "Not": "非",
}


def main() -> int:
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [
            *manage,
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "--ignore",
            ".venv/*",
            "--ignore",
            "static/*",
            "--ignore",
            "tests/*",
            "--ignore",
            "scripts/*",
        ],
        cwd=ROOT,
        check=True,
    )
    text = PO.read_text(encoding="utf-8")
    text = text.replace(
        '"Content-Type: text/plain; charset=CHARSET\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
    )
    text = text.replace('"Language: \\n"', '"Language: zh_Hans\\n"')
    text = re.sub(
        r'"Plural-Forms: .*?\\n"', lambda _m: '"Plural-Forms: nplurals=1; plural=0;\\n"', text
    )

    def fill(match):
        # The portal's own strings are their own translation (a few are names: CSV, PDF).
        msgid = match.group(1)
        translated = THIRD_PARTY.get(msgid, msgid)
        return f'msgid "{msgid}"\nmsgstr "{translated}"\n'

    text = re.sub(r'msgid "((?:[^"\\]|\\.)+)"\nmsgstr ""\n', fill, text)
    text = text.replace('#, fuzzy\nmsgid ""', 'msgid ""', 1)
    missing = [k for k in THIRD_PARTY if f'msgid "{k}"' not in text]
    extra = "".join(f'\nmsgid "{k}"\nmsgstr "{THIRD_PARTY[k]}"\n' for k in missing)
    PO.write_text(text + extra, encoding="utf-8")
    subprocess.run(
        [*manage, "compilemessages", "-l", "zh_Hans", "--ignore", ".venv"], cwd=ROOT, check=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
