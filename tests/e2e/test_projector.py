"""What the room sees on the projector: every page of the navigation, 1280x720, in Vietnamese.

For each page: (a) no sideways scroll, (b) body text of at least 18 px, (c) no English left
over from the framework, (d) no request leaving the machine, (e) no serious or critical
axe-core violation, (f) no exception or error box. The presentation mode's slides must each
fit the screen, and the flags page's figures must agree with its lists.

The pages come from ui/nav.PAGES, so a page registered there (pages/trinh_chieu.py, the
presentation mode) is checked without editing this file. One server for the module; each
page is opened once, in its own browser context, and every check reads that same page (the
checks that click or hover come last).
"""
import re
from urllib.parse import urlsplit

import pytest

from lib.i18n import t
from tests.e2e.conftest import Server, metric_value, page_urls, wait_settled

VIEWPORT = {"width": 1280, "height": 720}
MIN_FONT_PX = 18
PAGES = page_urls()
WORK_ID = re.compile(r"\b(?:GT|XH|CT|QH)-\d{2}\b")

# Anything not on this machine. Matched in the browser's driver (no round trip per request).
EXTERNAL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:[/?#]|$))(?!data:|blob:|about:)")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


# Records what the status widget and toasts said while the page ran ("Running..." is the
# running icon's aria-label), as they are gone once the page is idle.
WATCH_STATUS = """
window.__ct07Status = [];
new MutationObserver(() => {
  for (const box of document.querySelectorAll("[data-testid='stStatusWidget'], [data-testid='stToast']")) {
    if (!box.getClientRects().length) continue;  // not drawn: neither seen nor announced
    // Before the first run has sent the app's style sheet, Streamlit's own status label shows for
    // a moment on a fresh load (a known limit, README "Giới hạn"); every rerun after that counts.
    if (!document.querySelector('.ct07-stamp, [data-testid="ct07-slide-count"]')) continue;
    if (!document.querySelector('.ct07-style')) continue;  // the app's style sheet is not in the page (yet)
    const said = [box.innerText, ...[...box.querySelectorAll('[aria-label], [title]')]
                  .map(e => e.getAttribute('aria-label') || e.getAttribute('title'))];
    for (const s of said.map(x => (x || '').trim()).filter(Boolean))
      if (!window.__ct07Status.includes(s)) window.__ct07Status.push(s);
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                      attributeFilter: ['aria-label', 'title']});
"""


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One `streamlit run app.py` for the whole module, on a fresh database."""
    d = tmp_path_factory.mktemp("projector")
    s = Server(d / "e2e.duckdb", d / "streamlit.log")
    yield s
    s.stop()


class Visit:
    """A page opened in its own browser context, with every request it made."""

    def __init__(self, browser, url: str):
        self.url = url
        self.requests: list[str] = []
        # The browser's language is English (as on many laptops): what the page shows in
        # Vietnamese must not depend on it.
        self.context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.route(EXTERNAL, lambda route: route.abort())  # recorded above, then refused
        self.context.add_init_script(WATCH_STATUS)
        self.page = self.context.new_page()
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.page.goto(url)
        wait_settled(self.page)

    def close(self):
        self.context.close()


@pytest.fixture(scope="module", params=[path for _, path in PAGES], ids=[pid for pid, _ in PAGES])
def visit(request, app, browser):
    v = Visit(browser, app.url + request.param)
    yield v
    v.close()


# ----------------------------------------------------------------------------- (f) exceptions


ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Error|Exception)\b|Connection error")


def test_no_exception_or_error(visit):
    pg = visit.page
    problems = [f"exception box: {el.inner_text()[:300]!r}"
                for el in pg.locator("[data-testid='stException']").all()]
    problems += [f"error box: {el.inner_text()[:300]!r}"
                 for el in pg.locator("[data-testid='stAlertContentError']").all()]
    problems += [f"error text: {m.group(0)!r}" for m in ERROR_TEXT.finditer(pg.inner_text("body"))]
    assert not problems, f"{visit.url}:\n  " + "\n  ".join(problems)


# ----------------------------------------------------------------------------- (d) offline


DOM_URLS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('link[href], script[src], img[src], iframe[src], source[src],'
                                             + ' video[src], audio[src], embed[src], object[data], image'))
    out.push(el.tagName.toLowerCase() + ' ' + (el.href?.baseVal ?? el.href ?? el.src ?? el.data ?? ''));
  for (const e of performance.getEntriesByType('resource')) out.push('resource ' + e.name);
  return out;
}"""


def test_nothing_leaves_the_machine(visit):
    """Every request of the page stays on 127.0.0.1 (the tab icon included); the page does not
    even point at an outside address (a tab icon may be fetched late, or not by a headless browser)."""
    visit.page.wait_for_timeout(300)  # a tab icon is set after the first run
    asked = sorted({u for u in visit.requests if not is_local(u)})
    pointed = sorted({ref for ref in visit.page.evaluate(DOM_URLS)
                      if ref.split(" ", 1)[1] and not is_local(ref.split(" ", 1)[1])})
    assert not asked and not pointed, (
        f"{visit.url} reaches outside the machine:\n  requested: {asked}\n  referenced: {pointed}")


# ----------------------------------------------------------------------------- (a) sideways scroll


SIDEWAYS = """() => {
  const out = {scrollers: [], wide: []};
  const d = document.documentElement;
  out.scrollers.push(['document', d.scrollWidth, d.clientWidth]);
  // Streamlit scrolls its main area, not the document: a wide page shows up there.
  for (const id of ['stApp', 'stAppViewContainer', 'stMain']) {
    const el = document.querySelector(`[data-testid='${id}']`);
    if (!el) continue;
    const ox = getComputedStyle(el).overflowX;
    if (ox === 'auto' || ox === 'scroll') out.scrollers.push([id, el.scrollWidth, el.clientWidth]);
  }
  // what sticks out on the right (outermost elements only), to say where to look
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  const limit = main.getBoundingClientRect().right + 1;
  const wide = [...main.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > limit);
  for (const el of wide) {
    if (wide.some(o => o !== el && o.contains(el))) continue;
    out.wide.push(`${el.tagName.toLowerCase()}[${el.dataset.testid || el.className || ''}] right=`
                  + `${Math.round(el.getBoundingClientRect().right)}: ${(el.innerText || '').trim().slice(0, 60)}`);
    if (out.wide.length >= 5) break;
  }
  return out;
}"""


def test_no_sideways_scroll(visit):
    m = visit.page.evaluate(SIDEWAYS)
    over = [f"{name}: scrollWidth {sw} > clientWidth {cw}" for name, sw, cw in m["scrollers"] if sw > cw + 1]
    assert not over, f"{visit.url} scrolls sideways at 1280 px:\n  " + "\n  ".join(over + m["wide"])


# ----------------------------------------------------------------------------- (b) text size


# Body text: paragraphs and list items of markdown, widget labels, captions, cells of HTML
# tables, st.html blocks (a dataframe is drawn on a canvas: its hidden accessible copy is not text on screen).
# Every piece of text inside them is measured where it is drawn, so a <small> or a smaller
# span inside an 18 px paragraph is caught too. Text not shown until opened (a closed
# expander, another tab, the sidebar) is measured as well: it is on screen once opened.
SMALL_TEXT = """(minPx) => {
  const kinds = [
    ["markdown", "[data-testid='stMarkdownContainer'] p, [data-testid='stMarkdownContainer'] li"],
    ["widget label", "[data-testid='stWidgetLabel'] p"],
    ["caption", "[data-testid='stCaptionContainer']"],
    ["table cell", "table td, table th"],
    ["html", "[data-testid='stHtml']"],  // st.html blocks (the slides, the stamp line) are body text too
  ];
  const shown = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
      && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const seen = new Set(), out = [];
  for (const [kind, sel] of kinds) {
    for (const box of document.querySelectorAll(sel)) {
      if (box.closest("[data-testid='stDataFrame'], [data-testid='stDataFrameResizable']")) continue;
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || seen.has(el) || el.closest("[data-testid='stIconMaterial']")) continue;
        seen.add(el);
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px >= minPx) continue;
        const where = el.closest("[data-testid='stSidebar']") ? ' (sidebar)' : shown(el) ? '' : ' (shown once opened)';
        out.push(`${px}px ${kind} <${el.tagName.toLowerCase()}>${where}: `
                 + (n.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 70));
      }
    }
  }
  return out;
}"""


def test_body_text_is_at_least_18px(visit):
    small = visit.page.evaluate(SMALL_TEXT, MIN_FONT_PX)
    assert not small, (f"{visit.url}: {len(small)} piece(s) of text below {MIN_FONT_PX} px:\n  "
                       + "\n  ".join(small))


# ----------------------------------------------------------------------------- (e) accessibility


def test_no_serious_accessibility_violation(visit):
    from axe_playwright_python.sync_playwright import Axe
    violations = Axe().run(visit.page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    def node(n):
        return " > ".join(map(str, n["target"])) + "  " + " ".join(n.get("html", "").split())[:90]
    lines = [f"{v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s); "
             + next((c["message"] for c in v["nodes"][0].get("any", []) + v["nodes"][0].get("all", [])), "")
             + "".join("\n      " + node(n) for n in v["nodes"][:3]) for v in bad]
    assert not bad, f"{visit.url}: axe-core:\n  " + "\n  ".join(lines)


# ----------------------------------------------------------------------------- (c) English


# Framework defaults that must not show in the Vietnamese interface (text, aria-label,
# title or placeholder of a visible element).
ENGLISH = [
    "Choose options", "Choose an option", "Select all", "No results", "Press Enter",
    "Running...", "Made with Streamlit", "Download as CSV", "Search", "Fullscreen",
]
ENGLISH_RE = re.compile("|".join(r"(?<!\w)" + re.escape(s) + r"(?!\w)" for s in ENGLISH))
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
          "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
# not "Th": Vietnamese abbreviates thứ hai as "Th 2"
DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Mo|Tu|We|Fr|Sa|Su"
CALENDAR_RE = re.compile(rf"(?<!\w)(?:{MONTHS}|{DAYS})(?!\w)")  # \w: "Tháng" is not "Th"

# Texts of the visible elements under an element: what is read (innerText) and what is announced.
TEXTS = """(root) => {
  const out = [root.innerText];
  for (const el of root.querySelectorAll('[aria-label], [title], [placeholder], [aria-valuetext]')) {
    if (!el.checkVisibility()) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'aria-valuetext'])
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out.join(' | ');
}"""
MAIN = "[data-testid='stMain']"


def _reveal_toolbars(pg, found):
    """Hover the dataframes, tables and charts: their toolbar (download, search, fullscreen) appears."""
    kinds = ("stDataFrame", "stTable", "stVegaLiteChart", "stArrowVegaLiteChart")
    for box in pg.locator(", ".join(f"{MAIN} [data-testid='{k}']" for k in kinds)).all()[:6]:
        if not box.is_visible():
            continue
        box.scroll_into_view_if_needed()
        box.hover()
        pg.wait_for_timeout(250)
        for bar in pg.locator("[data-testid='stElementToolbar']").all():
            if bar.is_visible():
                found.append(("toolbar", bar.evaluate(TEXTS)))


def _open_choices(pg, found):
    """Open the first multiselect (or select box) and type what matches nothing."""
    inputs = pg.locator(f"{MAIN} [data-testid='stMultiSelect'] input:not([disabled]),"
                        f" {MAIN} [data-testid='stSelectbox'] input:not([disabled])")
    shown = [i for i in inputs.all() if i.is_visible()]
    if not shown:
        return
    shown[0].scroll_into_view_if_needed()
    shown[0].click(timeout=5000)
    pg.wait_for_timeout(300)
    found.append(("open list", pg.locator("body").evaluate(TEXTS)))
    pg.keyboard.type("zzqxzz")
    pg.wait_for_timeout(300)
    found.append(("list matching nothing", pg.locator("body").evaluate(TEXTS)))
    pg.keyboard.press("Escape")


def _open_date_picker(pg, found) -> bool:
    """Open the first date input's calendar: month and weekday names must be Vietnamese."""
    fields = [f for f in pg.locator(f"{MAIN} [data-testid='stDateInput']").all() if f.is_visible()]
    if not fields:
        return False
    field = fields[0]
    field.scroll_into_view_if_needed()
    found.append(("date field", field.evaluate(TEXTS)))
    button = field.locator("[data-testid='stDateInputCalendarButton']")
    (button if button.count() else field.locator("input, [role='group']")).first.click(timeout=5000)
    calendar = pg.locator("[role='dialog']:has([role='grid']), [data-baseweb='calendar']").first
    calendar.wait_for(timeout=5000)
    pg.wait_for_timeout(200)
    found.append(("open calendar", calendar.evaluate(TEXTS)))
    pg.keyboard.press("Escape")
    return True


def test_no_english_framework_text(visit):
    pg = visit.page
    found = [("page", pg.locator("body").evaluate(TEXTS)),
             ("status while running", " | ".join(pg.evaluate("() => window.__ct07Status || []")))]
    _reveal_toolbars(pg, found)
    _open_choices(pg, found)
    opened = _open_date_picker(pg, found)
    if visit.url.endswith("/canh_bao"):
        # the evaluation date is typed day/month/year: no calendar whose names follow the browser
        assert not opened, "the flags page shows a calendar"
        assert pg.get_by_role("textbox", name="Ngày đánh giá").count() == 1
    hits = {}  # each string with where it was first seen
    for where, text in found:
        for m in ENGLISH_RE.finditer(text):
            hits.setdefault(m.group(0), where)
        if where in ("date field", "open calendar"):
            for m in CALENDAR_RE.finditer(text):
                hits.setdefault(m.group(0), where)
    assert not hits, f"{visit.url}: English framework text in the Vietnamese interface:\n  " + "\n  ".join(
        f"{s!r} ({where})" for s, where in sorted(hits.items()))


# Every slide of the presentation is walked and measured in tests/e2e/test_slides_browser.py.


# ----------------------------------------------------------------------------- flags: figures = lists


SECTION_TEXT = """async (label) => {
  // A section starts at a heading (or an expander's summary) that begins with its label and
  // runs to the next heading of the same block. A dataframe is drawn on a canvas: its rows are
  // in its accessible copy in the page, which holds the rows in view only, so it is scrolled
  // through from top to bottom.
  const pause = ms => new Promise(r => setTimeout(r, ms));
  const heads = [...document.querySelectorAll(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'summary']
                                              .map(h => "[data-testid='stMain'] " + h).join(', '))];
  const head = heads.find(h => h.innerText.trim().startsWith(label));
  if (!head) return null;
  const boxes = [];
  if (head.tagName === 'SUMMARY') boxes.push(head.parentElement);
  else for (let el = (head.closest("[data-testid='stElementContainer']") || head).nextElementSibling;
            el && !el.querySelector('h1, h2, h3, h4, h5, h6'); el = el.nextElementSibling) boxes.push(el);
  const parts = [];
  for (const box of boxes) {
    parts.push(box.innerText);
    for (const grid of box.querySelectorAll("[data-testid='stDataFrame']")) {
      grid.scrollIntoView({block: 'center'});
      await pause(200);
      const sc = grid.querySelector('.dvn-scroller');
      for (let i = 0; i < 200; i++) {
        parts.push(grid.textContent);
        if (!sc || sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 1) break;
        sc.scrollTop += Math.max(30, sc.clientHeight - 60);
        await pause(150);
      }
    }
  }
  return parts.join('\\n');
}"""


def test_flag_counts_match_the_listed_works(app, browser):
    """At 01/01/2024, the red (amber) figure equals the number of distinct works listed under red (amber)."""
    v = Visit(browser, app.url + "/canh_bao?eval=2024-01-01")
    try:
        pg = v.page
        assert not pg.locator("[data-testid='stException']").count(), "the flags page shows an exception"
        rows = []
        for sev in ("red", "amber"):
            figure = int(re.search(r"\d+", metric_value(pg, t(f"flags.kpi_{sev}"))).group())
            text = pg.evaluate(SECTION_TEXT, t(f"flags.group_{sev}"))
            listed = sorted(set(WORK_ID.findall(text or "")))
            rows.append((sev, figure, listed, text is not None))
        bad = [f"{sev}: figure {n}, {len(ids)} distinct works listed {ids}"
               + ("" if found else " (no section)") for sev, n, ids, found in rows if n != len(ids)]
        assert not bad, "the flags page's figures and lists disagree:\n  " + "\n  ".join(bad)
    finally:
        v.close()
