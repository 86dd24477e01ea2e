"""On a phone (390 px wide): the menu folds behind a button, and no page scrolls sideways; a wide
table scrolls inside its card. At 1440 px the menu stays open."""

import pytest

from tests.factories import EnterpriseFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PAGES = ["/reports/", "/enterprises/enterprise/", "/enterprises/enterpriseyearlyfigure/", "/help/"]


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    township = TownshipFactory(code="370302001", name="城关街道")
    for n in range(3):
        EnterpriseFactory(
            township=township, name=f"鲁川市青河区某某新材料科技股份有限公司第{n}分公司"
        )
    return UserFactory(username="staff", role="staff")


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_on_a_phone_the_menu_folds_and_nothing_scrolls_sideways(page, login, staff):
    page.set_viewport_size({"width": 390, "height": 844})
    login("staff")
    for address in PAGES:
        page.goto(address)
        page.wait_for_load_state()
        assert overflow(page) <= 0, address
    sidebar = page.locator("#sidebar-menu")
    assert not sidebar.is_visible()
    page.get_by_role("button", name="菜单").click()
    sidebar.get_by_text("企业", exact=True).first.wait_for(state="visible")
    assert sidebar.is_visible()


def test_on_a_desktop_the_menu_is_open(page, login, staff):
    page.set_viewport_size({"width": 1440, "height": 900})
    login("staff")
    page.goto("/enterprises/enterprise/")
    assert page.locator("#sidebar-menu").is_visible()
    assert not page.get_by_role("button", name="菜单").is_visible()
    assert overflow(page) <= 0


def test_the_print_button_prints_the_content_alone(page, login, staff):
    page.set_viewport_size({"width": 1440, "height": 900})
    login("staff")
    page.goto("/enterprises/enterprise/")
    # (A string ending in a function would be called by evaluate itself: end it in a value.)
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("#sidebar-menu").is_visible()
    assert page.get_by_text("第0分公司").first.is_visible()
