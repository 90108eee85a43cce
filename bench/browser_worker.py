"""Time from a click in Chromium to the page being idle, for each page and for a funding slider
step; the first page of a fresh server; the server's peak resident memory. One server per scale
(or the floor app), started here: ``python -m bench.browser_worker (app|floor) DB_PATH OUT_JSON``.

"Idle": Streamlit says it is not running, no skeleton is left and the page has not changed for
250 ms; the time is from the click to the page's last change. The click is made in the page
(element.click()) and timed with the page's own clock, so Playwright's round trips are not counted."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

REPEAT = 3


class _Done(Exception):
    """The fresh-clone measure stops after the first page."""

# the page's own clock: the click, then the last change of the page after it, once Streamlit says it
# is not running, nothing is left to draw and nothing has changed for 250 ms (a run of the floor app
# is too short for its "running" state to be drawn, so the page's changes are watched, not that state)
_WATCH = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__ct07 = {lastChange: null};
  if (window.__ct07obs) window.__ct07obs.disconnect();
  window.__ct07obs = new MutationObserver(() => { window.__ct07.lastChange = performance.now(); });
  window.__ct07obs.observe(app, {attributes: true, childList: true, subtree: true, characterData: true});
}"""
_DONE = """() => window.__ct07 && window.__ct07.lastChange !== null
  && document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning'
  && !document.querySelector("[data-testid='stSkeleton']")
  && performance.now() - window.__ct07.lastChange > 250"""


def _start(kind: str, db: str, log: Path):
    port = _free_port()
    script = "bench/floor_app.py" if kind == "floor" else "app.py"
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CT07_DB_PATH=db)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 120:
            raise RuntimeError(f"server did not start, see {log}")
        time.sleep(0.1)
    return proc, url, t0


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _idle(page, timeout=180000) -> float:
    page.wait_for_function(_DONE, timeout=timeout, polling=50)
    return page.evaluate("() => window.__ct07.lastChange")


def _settle(page) -> None:
    """Until the page has drawn and Streamlit is not running (a page load, not timed)."""
    page.wait_for_function("() => document.querySelector(\"[data-testid='stApp']\")"
                           "?.getAttribute('data-test-script-state') === 'notRunning'"
                           " && !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=180000)
    page.wait_for_timeout(800)


def _click_ms(page, selector: str, index: int) -> float:
    page.evaluate(_WATCH)
    t0 = page.evaluate("([s, i]) => { const el = document.querySelectorAll(s)[i]; const t = performance.now();"
                       " el.click(); return t; }", [selector, index])
    return _idle(page) - t0  # the last change the click caused


def main(kind: str, db: str, out: str) -> None:
    from playwright.sync_api import sync_playwright

    log = Path(out).with_suffix(".log")
    proc, url, t0 = _start(kind, db, log)
    res: dict = {"pages": {}}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url + "/")
            page.wait_for_selector("h1", timeout=180000)  # the page's title: its first run has drawn
            page.wait_for_function("() => document.querySelector(\"[data-testid='stApp']\")"
                                   "?.getAttribute('data-test-script-state') === 'notRunning'"
                                   " && !document.querySelector(\"[data-testid='stSkeleton']\")",
                                   timeout=180000, polling=50)
            res["first_page_s"] = time.perf_counter() - t0  # server start to the first page idle
            if kind == "first":
                browser.close()
                raise _Done
            links = "[data-testid='stTopNavLinkContainer'] a, [data-testid='stTopNavLink']"
            n = page.locator(links).count()
            names = [page.locator(links).nth(i).get_attribute("href").rsplit("/", 1)[-1] or "tong_quan"
                     for i in range(n)]
            for rnd in range(REPEAT):
                for i, name in enumerate(names):
                    # start, untimed, from another page that has the navigation (the slides hide it)
                    start = len(names) - 1 if i == 0 else 0
                    page.goto(url + ("/" if start == 0 else "/" + names[start]))
                    page.wait_for_selector(links, timeout=180000)
                    _settle(page)
                    res["pages"].setdefault(name, []).append(_click_ms(page, links, i))
            if kind == "app":  # one step of the state budget slider, with the keyboard
                page.goto(url + "/kich_ban_von")
                try:
                    page.wait_for_selector("[data-testid='stSlider']", timeout=180000)
                except Exception:
                    page.screenshot(path=str(Path(out).with_suffix(".png")))
                    raise
                page.wait_for_timeout(1500)
                slider = page.get_by_role("slider").first
                steps = []
                for _ in range(REPEAT + 2):
                    slider.focus()
                    page.evaluate(_WATCH)
                    t = page.evaluate("() => performance.now()")
                    page.keyboard.press("ArrowRight")
                    steps.append(_idle(page) - t)
                res["slider_step_ms"] = statistics.median(steps)
            browser.close()
    except _Done:
        pass
    try:
        res["pages"] = {k: statistics.median(v) for k, v in res["pages"].items()}
        res["peak_rss_mb"] = _peak_rss_mb(proc.pid)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    Path(out).write_text(json.dumps(res), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
