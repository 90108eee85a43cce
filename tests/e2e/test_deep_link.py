"""A bookmarked deep link opened first after a restart still runs inside the frame.

Until app.py has run once in a server, Streamlit's pages/ auto-discovery serves a
page file by itself (at /<file stem>); ui.frame.page_header sends it through app.py.
"""
import pytest

from tests.e2e.conftest import wait_idle
from lib.i18n import t
from tests.test_app import pages_table
from ui.nav import BARE


@pytest.mark.parametrize("page_file,title_key", pages_table())
def test_deep_link_first_after_restart_gets_the_frame(server, page, page_file, title_key):
    stem = page_file.split("/")[-1][:-3]
    page.goto(f"{server.url}/{stem}?town=tra-linh")  # the very first request this server sees
    wait_idle(page)
    page.get_by_text("Số liệu tính đến").first.wait_for(timeout=30000)  # the frame's stamp
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "town=tra-linh" in page.url
    if stem in BARE:  # the slides: no frame row, their own footer names the town shown
        page.get_by_text("Trà Lĩnh").first.wait_for()
        return
    pills = page.get_by_role("button", name="Trùng Khánh", exact=True)
    assert pills.is_visible()  # the frame's town filter
    assert page.locator("h1").first.inner_text().strip() == t(title_key)  # the page asked for
