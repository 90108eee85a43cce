"""The presentation mode in Chromium at 1280x720: every slide fits the screen with no scrolling,
its text is large, the footer and counter show, and the arrow keys move between slides."""
import re

import pytest

from tests.e2e.conftest import Server, wait_settled

MIN_TEXT_PX = 18       # anything on the screen
MIN_CONTENT_PX = 22    # the slide itself (title, figures, tables, lines)
MIN_TITLE_PX = 32

COUNTER = """() => { const el = document.querySelector("[data-testid='ct07-slide-count']");
  if (!el) return null; const m = el.innerText.trim().match(/^(\\d+) \\/ (\\d+)$/); return m && [+m[1], +m[2]]; }"""

MEASURE = """() => {
  const d = document.scrollingElement, main = document.querySelector("[data-testid='stMain']");
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
      && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}); };
  const small = [], content = [];
  const walker = document.createTreeWalker(main || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !shown(el) || el.closest("[data-testid='stIconMaterial']")) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 18) small.push(`${px}px: ${n.textContent.trim().slice(0, 60)}`);
    if (el.closest('.ct07-slide') && px < 22) content.push(`${px}px: ${n.textContent.trim().slice(0, 60)}`);
  }
  for (const t of main.querySelectorAll('svg text')) {
    const px = parseFloat(getComputedStyle(t).fontSize);
    if (t.textContent.trim() && shown(t) && px < 22) content.push(`chart ${px}px: ${t.textContent.trim().slice(0, 60)}`);
  }
  const title = document.querySelector('h1.ct07-slide-title');
  const foot = document.querySelector('.ct07-slide-foot');
  const footBox = foot && foot.getBoundingClientRect();
  const header = document.querySelector("[data-testid='stHeader']");
  return {
    doc: [d.scrollHeight, innerHeight, d.scrollWidth, innerWidth],
    main: main ? [main.scrollHeight, main.clientHeight, main.scrollWidth, main.clientWidth] : null,
    small, content,
    title: title ? [title.innerText, parseFloat(getComputedStyle(title).fontSize)] : null,
    foot: foot && shown(foot) && footBox.bottom <= innerHeight + 1 && footBox.top >= 0 ? foot.innerText : null,
    header: header ? header.checkVisibility() : false,
    nav: [...document.querySelectorAll("[data-testid='stTopNavLinkContainer'], [data-testid='stNavigation']")]
      .some(el => el.checkVisibility()),
    url: location.search,
  };
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    d = tmp_path_factory.mktemp("slides")
    s = Server(d / "e2e.duckdb", d / "streamlit.log")
    yield s
    s.stop()


def at(page):
    return tuple(page.evaluate(COUNTER) or ())


def press(page, key: str, before: tuple) -> tuple:
    page.locator("body").press(key)
    for _ in range(80):
        page.wait_for_timeout(150)
        now = at(page)
        if now and now != before:
            break
    wait_settled(page)
    return at(page)


def check_slide(page, k: int, n: int) -> str:
    m = page.evaluate(MEASURE)
    where = f"slide {k}/{n}"
    assert m["doc"][0] <= m["doc"][1] + 1 and m["doc"][2] <= m["doc"][3] + 1, (where, "document scrolls", m["doc"])
    assert m["main"][0] <= m["main"][1] + 1 and m["main"][2] <= m["main"][3] + 1, (where, "main area scrolls", m["main"])
    assert not m["small"], (where, "text below 18 px", m["small"])
    assert not m["content"], (where, "slide text below 22 px", m["content"])
    assert m["title"] and m["title"][1] >= MIN_TITLE_PX, (where, m["title"])
    assert m["foot"] and m["foot"].startswith("Số liệu tính đến"), (where, "footer not on screen", m["foot"])
    assert not m["header"] and not m["nav"], (where, "Streamlit's header or navigation is showing")
    assert f"slide={k}" in m["url"], (where, m["url"])
    return m["title"][0]


def test_every_slide_fits_and_the_arrow_keys_move(app, page):
    page.goto(app.url + "/trinh_chieu")
    wait_settled(page)
    k, n = at(page)
    assert k == 1 and n >= 8, (k, n)
    titles = [check_slide(page, 1, n)]
    for i in range(2, n + 1):
        now = press(page, "ArrowRight", (i - 1, n))
        assert now == (i, n), f"ArrowRight from {i - 1} went to {now}"
        titles.append(check_slide(page, i, n))
    assert len(set(titles)) == n, "one message a slide"
    assert any("(tiếp" in x for x in titles), "the flagged works run over several slides"
    assert press(page, "ArrowLeft", (n, n)) == (n - 1, n), "ArrowLeft goes back"
    assert press(page, "ArrowLeft", (n - 1, n)) == (n - 2, n)
    assert page.evaluate("() => location.search").endswith(f"slide={n - 2}")


def test_a_bad_slide_number_opens_the_first(app, page):
    page.goto(app.url + "/trinh_chieu?slide=abc")
    wait_settled(page)
    assert at(page)[0] == 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert re.search(r"slide=1\b", page.evaluate("() => location.search"))


def test_the_town_filter_and_the_exit_link(app, page):
    page.goto(app.url + "/trinh_chieu?slide=1&town=tra-linh")
    wait_settled(page)
    k, n = at(page)
    assert page.locator("h1.ct07-slide-title").inner_text().startswith("5 công trình")
    assert "Thị trấn Trà Lĩnh" in page.locator(".ct07-slide-foot").inner_text()
    for i in range(2, n + 1):
        assert press(page, "ArrowRight", (i - 1, n)) == (i, n)
        check_slide(page, i, n)
    page.get_by_role("link", name=re.compile("Thoát")).click()
    page.wait_for_url(re.compile(r"/(\?|$)"), timeout=30000)
    wait_settled(page)
    assert page.locator("[data-testid='stHeader']").first.is_visible(), "the header is back off the slides"
    assert "town=tra-linh" in page.evaluate("() => location.search"), "the overview keeps the towns"


def test_auto_advance_moves_on_by_itself(app, page):
    page.goto(app.url + "/trinh_chieu?slide=2")
    wait_settled(page)
    n = at(page)[1]
    page.get_by_text("Tự chuyển").click()
    wait_settled(page)
    page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="5 giây", exact=True).click()
    wait_settled(page)
    m = page.evaluate(MEASURE)
    assert not m["small"] and m["main"][0] <= m["main"][1] + 1, m
    start = at(page)
    assert start == (2, n)
    now = start
    for _ in range(100):  # up to 15 s
        page.wait_for_timeout(150)
        now = at(page) or now  # () while the page redraws: read it again
        if now != start:
            break
    assert now == (3, n), f"auto-advance did not move on from {start}: {now}"
