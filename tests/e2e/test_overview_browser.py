"""A user opens the overview, narrows the town filter and sees the figures change."""
from tests.e2e.conftest import metric_value, wait_idle


def test_narrowing_the_town_filter_changes_the_figures(server, page):
    page.goto(server.url)
    wait_idle(page)
    assert page.get_by_role("heading", name="Tổng quan").is_visible()
    before = metric_value(page, "Công trình, nhiệm vụ")
    money_before = metric_value(page, "Tổng mức đầu tư")
    # keep only thị trấn Trà Lĩnh: click the other areas off
    for name in ("Thị trấn Trùng Khánh", "Cấp huyện", "Chưa rõ địa bàn"):
        page.get_by_role("button", name=name, exact=True).click()
        wait_idle(page)
    after = metric_value(page, "Công trình, nhiệm vụ")
    assert after != before
    assert int(after) < int(before)
    assert metric_value(page, "Tổng mức đầu tư") != money_before
    assert "town=tra-linh" in page.url  # the view can be bookmarked


def test_a_bookmarked_view_opens_as_saved(server, page):
    page.goto(server.url + "/?town=tra-linh")
    wait_idle(page)
    narrowed = metric_value(page, "Công trình, nhiệm vụ")
    page.goto(server.url + "/")
    wait_idle(page)
    assert metric_value(page, "Công trình, nhiệm vụ") != narrowed
