"""Browser tests: a real `streamlit run` server and Debian's Chromium driven by Playwright."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tests.conftest import seeded  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CT07_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh `streamlit run app.py` on its own port and database file."""

    def __init__(self, db_path: Path, log_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, CT07_DB_PATH=str(db_path))
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 90
        while True:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not start; see {log_path}")
            time.sleep(0.3)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture
def server(tmp_path):
    s = Server(seeded(tmp_path / "e2e.duckdb"), tmp_path / "streamlit.log")
    yield s
    s.stop()


def server_with_editor(tmp_path, username: str, name: str, password: str) -> tuple[Server, Path]:
    """A server on a database with an editor account, made before the server opens (and locks) the
    file. The caller stops the server."""
    from lib import auth
    from lib.seed import open_database
    path = seeded(tmp_path / "e2e.duckdb")
    db = open_database(path)
    auth.add_user(db, auth.CLI, username, name, "editor", password)
    db.close()
    return Server(path, tmp_path / "streamlit.log"), path


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def wait_idle(page, timeout=30000):
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => { const a = document.querySelector(\"[data-testid='stApp']\");"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=timeout)
    page.wait_for_timeout(300)


def metric_value(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


_SETTLED = ("() => { const a = document.querySelector(\"[data-testid='stApp']\");"
            " return !!a && a.getAttribute('data-test-script-state') === 'notRunning'"
            " && !document.querySelector(\"[data-testid='stSkeleton']\"); }")


def wait_settled(page, timeout=30000):
    """wait_idle, then until nothing is left to draw (no skeleton) and the script stays
    stopped (a page may rerun itself once after its first run)."""
    wait_idle(page, timeout)
    for _ in range(3):
        page.wait_for_function(_SETTLED, timeout=timeout)
        page.wait_for_timeout(400)
        if page.evaluate(_SETTLED):
            return


def page_urls() -> list[tuple[str, str]]:
    """(id, url path) of every page of the navigation (ui/nav.PAGES): the first is "/",
    the others their file's stem, as app.py registers them."""
    from ui.nav import PAGES
    return [(Path(file).stem, "/" if i == 0 else "/" + Path(file).stem)
            for i, (file, _key, _icon) in enumerate(PAGES)]


def town_off(page, name: str, town: str) -> None:
    """Click a town pill off and wait until the click has landed: the URL no longer names the town
    (on a busy machine a rerun is slow, and a click during a rerun must not be lost silently)."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_function("(id) => { const t = new URLSearchParams(location.search).get('town');"
                           " return t !== null && !t.split(',').includes(id); }", arg=town, timeout=30000)
    wait_idle(page)


OTHER_TOWNS = (("Trùng Khánh", "trung-khanh"), ("Cấp huyện", "huyen-trung-khanh"), ("Chưa rõ", "chua-ro"))
"""The pills to click off to keep only thị trấn Trà Lĩnh."""
