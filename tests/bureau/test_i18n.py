"""The interface is Simplified Chinese: the catalogue is shipped compiled and the pages staff use
carry no English."""

import gettext
import re
from pathlib import Path

import pytest

from tests.crud_cases import CASES

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
ENGLISH_WORDS = re.compile(
    r">\s*(Save|Delete|Cancel|Search|Submit|Edit|Add|Login|Log in|Logout|Export|Import|Next|Previous|"
    r"Unknown|Yes|No|Filter|Home|previous|next)\s*<"
)


def test_compiled_catalogue_holds_every_string_of_the_po_file():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    msgids = set(re.findall(r'^msgid "(.+)"\nmsgstr ', po, re.M))
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    assert msgids and msgids <= set(catalogue), sorted(msgids - set(catalogue))[:5]
    assert catalogue["Unknown"] == "未知"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES[:: max(1, len(CASES) // 6)], ids=str)
def test_staff_pages_carry_no_english(case, township, admin_client_):
    obj = case.make(township)
    model = case.model
    base = f"/{model.url_namespace}/{model._meta.model_name}/"
    for path in (
        base,
        f"{base}new/",
        f"{base}{obj.pk}/",
        f"{base}{obj.pk}/edit/",
        f"{base}{obj.pk}/delete/",
    ):
        body = admin_client_.get(path).content.decode()
        assert not ENGLISH_WORDS.search(body), (path, ENGLISH_WORDS.search(body).group(0))
