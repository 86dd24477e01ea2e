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
    # Django's admin index: headings for screen readers, new in Django 5 and not yet translated
    "Model name": "模型名称",
    "Add link": "添加链接",
    "Change or view list link": "修改或查看列表链接",
    # django-axes (login throttling) ships no Chinese: its models and fields in the admin
    "access attempt": "登录尝试",
    "access attempts": "登录尝试",
    "access failure": "登录失败记录",
    "access failures": "登录失败记录",
    "access log": "登录日志",
    "access logs": "登录日志",
    "access attempt expiration": "登录尝试到期时间",
    "access attempt expirations": "登录尝试到期时间",
    "Access Attempt": "登录尝试",
    "Access lock out": "登录锁定",
    "Account locked: too many login attempts. Please try again later.": (
        "登录失败次数过多，账号已被暂时锁定，请稍后再试。"
    ),
    "Attempt Remaining": "次尝试机会",
    "Attempt Time": "尝试时间",
    "Clean up expired attempts": "清除已过期的尝试",
    "Expires At": "到期时间",
    "Failed Logins": "失败次数",
    "Form Data": "表单数据",
    "GET Data": "GET 数据",
    "POST Data": "POST 数据",
    "HTTP Accept": "HTTP Accept 头",
    "IP Address": "IP 地址",
    "Locked Out": "已锁定",
    "Logout Time": "退出时间",
    "Meta Data": "请求信息",
    "Not set": "未设置",
    "Path": "路径",
    "Session key hash (sha256)": "会话密钥哈希（sha256）",
    "The time when access attempt expires and is no longer valid.": "登录尝试到期失效的时间。",
    "User Agent": "浏览器标识",
    "Username": "用户名",
}


ENTRY = re.compile(
    r'^msgid ((?:"(?:[^"\\\\]|\\\\.)*"\n?)+)msgstr ((?:"(?:[^"\\\\]|\\\\.)*"\n?)+)', re.M
)


def fill(entry: str) -> str:
    """The portal's own strings are their own translation (a few are names: CSV, PDF).

    An untranslated entry gets its msgid, one- or many-lined; an entry msgmerge guessed from a
    similar old string ("fuzzy") gets its own msgid too, since a guess is never right here.
    """
    match = ENTRY.search(entry)
    if match is None:
        return entry
    msgid, msgstr = match.group(1).rstrip("\n"), match.group(2).rstrip("\n")
    fuzzy = re.search(r"^#,.*\bfuzzy\b", entry, re.M) is not None
    if msgid == '""' or (msgstr != '""' and not fuzzy):
        return entry  # the header, or translated already
    single = msgid[1:-1]
    translated = f'"{THIRD_PARTY[single]}"' if single in THIRD_PARTY else msgid
    lines = []
    for line in entry[: match.start()].splitlines():
        if line.startswith("#|"):
            continue  # the old string msgmerge's guess came from
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        lines.append(line)
    return "\n".join([*lines, f"msgid {msgid}", f"msgstr {translated}"]) + entry[match.end() :]


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

    text = "\n\n".join(fill(entry) for entry in text.split("\n\n"))
    missing = [k for k in THIRD_PARTY if f'msgid "{k}"' not in text]
    extra = "".join(f'\nmsgid "{k}"\nmsgstr "{THIRD_PARTY[k]}"\n' for k in missing)
    PO.write_text(text + extra, encoding="utf-8")
    subprocess.run(
        [*manage, "compilemessages", "-l", "zh_Hans", "--ignore", ".venv"], cwd=ROOT, check=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
