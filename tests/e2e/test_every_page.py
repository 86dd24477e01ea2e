"""Every page a user reaches, looked at as a person would (issue 14): each persona opens every
page of their sidebar, and staff also one record's page and form of every entity, on the demo
district. On each page: no raw identifier (an ASCII snake_case word), no Python repr, no
"---------", no untranslated English control word; no sideways scrolling at 1440 px or 390 px;
no JavaScript console error. A screenshot of the page is saved when a check fails."""

import datetime
import re
import time

import pytest
from django.db import transaction

from demo.services import demo_accounts_ensure, demo_seed
from portal import registry

pytestmark = pytest.mark.django_db(transaction=True)

SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w.@/-])")
REPR = re.compile(r"\{'|\bNone\b|\bTrue\b|\bFalse\b|<[A-Z]\w+: ")
ENGLISH = re.compile(
    r"\b(Submit|Save|Delete|Search|Filter|Next|Previous|Login|Logout|Cancel|Unknown|"
    r"Choose|Select|Loading|Error|Page \d+)\b"
)
# Words of data, not of the interface, that may look like the above.
ALLOWED = {"dry_run"}


def problems_on(page) -> list[str]:
    text = page.evaluate("document.body.innerText")
    found = []
    for pattern, what in ((SNAKE, "identifier"), (REPR, "Python repr"), (ENGLISH, "English")):
        hits = sorted({m.group(0) for m in pattern.finditer(text)} - ALLOWED)
        if hits:
            found.append(f"{what}: {hits[:5]}")
    if "---------" in text:
        found.append("---------")
    return found


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        demo_seed(scale="district", enterprises_per_block=40, today=datetime.date.today())
        demo_accounts_ensure()


def _look(page, path, errors) -> list[str]:
    errors.clear()
    response = page.goto(path)
    assert response is not None and response.status < 400, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    found = [f"{path}: {problem}" for problem in problems_on(page)]
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # Charts redraw on the window's resize event: give the page a moment to settle. (Polled
        # from here: a predicate run inside the page would be refused by its CSP, no eval.)
        deadline = time.monotonic() + 3
        while overflow(page) > 0 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        if overflow(page) > 0:
            found.append(f"{path}: scrolls sideways at {width} px ({overflow(page)} px)")
    page.set_viewport_size({"width": 1440, "height": 900})
    found += [f"{path}: console: {e}" for e in errors]
    return found


def _sidebar_links(page) -> list[str]:
    return page.eval_on_selector_all("#sidebar-menu a.nav-link", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("username", ["admin", "staff", "liaison", "leader"])
def test_every_page_of_each_persona_reads_as_chinese_and_fits(page, login, demo, username):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(username)
    assert "/accounts/login/" not in page.url, "not signed in"
    paths = ["/", *_sidebar_links(page), "/help/", "/account/", "/notifications/"]
    found = []
    for path in dict.fromkeys(paths):
        found += _look(page, path, errors)
    if username == "staff":
        for viewset in registry.viewsets():
            record = viewset.model._default_manager.order_by("pk").first()
            if record is None:
                continue
            found += _look(page, record.get_absolute_url(), errors)
            if viewset.can_change(page_user(username)):
                found += _look(page, record.get_absolute_url() + "edit/", errors)
    if found:
        page.screenshot(path=f"test-artifacts/every-page-{username}.png", full_page=True)
    assert not found, "\n".join(found)


def page_user(username):
    from bureau.models import User

    return User.objects.get(username=username)
