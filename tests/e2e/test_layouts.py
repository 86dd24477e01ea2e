"""Layouts held by a test, not by eye (issue 25): every page of every role's sidebar, on the demo
district, at 1366x768 and 1920x1080 (desktop, a projector) and 390x844 (a phone). On each it
fails when:

- an element's text is cut: it overflows a box that clips it (``scrollWidth > clientWidth``
  with overflow hidden, or an ellipsis), which hid "82.…" on the leader screen;
- the page scrolls sideways;
- a short title (a heading, a card's header, a table's heading, a label) breaks inside a word:
  "企业" one character per line;
- a figure is hidden: a number clipped out of sight by a box around it.

The leader screen (the dashboard at /reports/ for a leader) must also fit one screen at both
desktop sizes. One browser; each role's pages in one context, each page looked at in the three
sizes in turn, so the run stays within a couple of minutes."""

import datetime

import pytest
from django.db import transaction

from demo.services import demo_accounts_ensure, demo_seed
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [(1366, 768), (1920, 1080), (390, 844)]

# Run in the page (Playwright evaluates it over the DevTools protocol, which the page's CSP
# does not govern). Returns a list of problems, each a short description.
CHECK = """
() => {
  const out = [];
  const describe = (el) => {
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ?
      "." + el.className.trim().split(/\\s+/).slice(0, 2).join(".") : ""}> "${text.slice(0, 30)}"`;
  };
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const over = document.documentElement.scrollWidth - window.innerWidth;
  if (over > 0) out.push(`scrolls sideways by ${over} px`);
  const ownText = (el) =>
    Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || el.closest(".visually-hidden, .d-none, [hidden], script, style, option, canvas, svg")) continue;
    if (el.closest(".table-responsive, .lookup-results, .modal, .dropdown-menu, pre, textarea")) {
      // a table scrolls inside its own box on purpose; a list of results scrolls
      if (!el.matches("th, th *, .card-header, .card-header *")) continue;
    }
    const style = getComputedStyle(el);
    if (ownText(el)) {
      const clips = style.overflowX !== "visible" || style.textOverflow === "ellipsis";
      const block = style.display === "block" && !el.matches("td, th, pre, code");
      // cut by its box, or (a block's text) running out of it over its neighbour
      if ((clips || block) && el.scrollWidth > el.clientWidth + 1 && el.tagName !== "INPUT") {
        out.push(`text cut: ${describe(el)}`);
      }
      if (el.matches("h1, h2, h3, h4, h5, h6, .card-header, .card-title, th, label, .form-label, .nav-link, .btn, .badge")) {
        // a short word of a title (no space inside) that takes more than one line
        for (const node of el.childNodes) {
          const text = node.nodeType === 3 ? node.textContent.trim() : "";
          if (!text || text.length > 8 || /\\s/.test(text)) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const tops = new Set(Array.from(range.getClientRects())
            .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(`title breaks inside a word: ${describe(el)}`);
        }
      }
      if (/\\d/.test(el.textContent) && el.children.length === 0) {
        // a figure: a box around it that clips must hold it whole
        const rect = el.getBoundingClientRect();
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const ps = getComputedStyle(p);
          if (ps.overflowX === "visible" && ps.overflowY === "visible") continue;
          if (p.matches(".table-responsive, .lookup-results") || p.scrollHeight > p.clientHeight + 1 && ps.overflowY !== "hidden") break;
          const box = p.getBoundingClientRect();
          if (rect.right > box.right + 1 || rect.left < box.left - 1 || rect.bottom > box.bottom + 1) {
            out.push(`figure hidden: ${describe(el)}`);
          }
          break;
        }
      }
    }
  }
  return Array.from(new Set(out)).slice(0, 20);
}
"""


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        demo_seed(scale="district", enterprises_per_block=40, today=datetime.date.today())
        demo_accounts_ensure()


def settle(page):
    # charts redraw on the window's resize event
    page.wait_for_timeout(200)


def _problems(page, path, width, height) -> list[str]:
    page.set_viewport_size({"width": width, "height": height})
    settle(page)
    return [f"{path} at {width}x{height}: {p}" for p in page.evaluate(CHECK)]


def _pages_of(browser, live_server, username) -> list[str]:
    """Every page of ``username``'s sidebar in the three sizes, in one context."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill("Bureau-2026")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} not signed in"
        links = page.eval_on_selector_all(
            "#sidebar-menu a.nav-link", "els => els.map(e => e.getAttribute('href'))"
        )
        found = []
        for path in dict.fromkeys(["/", *links, "/help/", "/account/", "/notifications/"]):
            response = page.goto(path)
            assert response is not None and response.status < 400, path
            page.wait_for_load_state("networkidle")
            for width, height in SIZES:
                found += [f"{username} {p}" for p in _problems(page, path, width, height)]
            if username == "leader" and path == "/reports/screen/":
                for width, height in SIZES[:2]:  # one screen on a desktop and a projector
                    page.set_viewport_size({"width": width, "height": height})
                    settle(page)
                    tall = page.evaluate("document.documentElement.scrollHeight")
                    if tall > height:
                        found.append(f"leader screen at {width}x{height} is {tall} px tall")
        if found:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"layouts-{username}.png"), full_page=True)
        return found
    finally:
        context.close()


def test_every_page_of_every_role_fits_at_three_sizes(browser, live_server, demo):
    """The demo district is seeded once; each role then walks its pages."""
    found = []
    for username in ("admin", "staff", "liaison", "leader"):
        found += _pages_of(browser, live_server, username)
    assert not found, "\n".join(found)


# A list page on a phone: the records are cards, nothing scrolls sideways inside the table and
# every code cell's text sits on one line (the credit code split over two lines, issue 25).
CARDS = """
() => {
  const table = document.querySelector("main table.table-cards");
  if (!table) return {missing: true};
  const box = table.closest(".table-responsive") || table;
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);  // the text, not the ::before label
    return new Set(Array.from(range.getClientRects())
      .filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  const codes = Array.from(table.querySelectorAll("tbody td.text-nowrap"));
  return {
    missing: false,
    rows: table.querySelectorAll("tbody tr").length,
    card: getComputedStyle(table.querySelector("tbody tr")).display,
    tableOver: table.scrollWidth - table.clientWidth,
    boxOver: box.scrollWidth - box.clientWidth,
    pageOver: document.documentElement.scrollWidth - window.innerWidth,
    creditCodes: codes.filter((td) => td.dataset.label === "统一社会信用代码").length,
    split: codes.filter((td) => lines(td) > 1).map((td) => td.textContent.trim()),
  };
}
"""


def test_lists_are_cards_on_a_390_phone_with_codes_on_one_line(browser, live_server, demo):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill("staff")
        page.get_by_label("密码").fill("Bureau-2026")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        page.goto("/enterprises/enterprise/")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(CARDS)
        if found["missing"] or found["split"] or found["tableOver"] > 1:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "layouts-cards-390.png"), full_page=True)
        assert not found["missing"], "no list table on the enterprise list"
        assert found["rows"] >= 10 and found["card"] == "block"
        assert found["tableOver"] <= 1 and found["boxOver"] <= 1 and found["pageOver"] <= 0, found
        assert found["creditCodes"] == found["rows"], found
        assert not found["split"], found
        assert not _problems(page, "/enterprises/enterprise/", 390, 844)
    finally:
        context.close()
