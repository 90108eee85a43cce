"""A user opens the overview, narrows the town filter and sees the figures change."""
from tests.e2e.conftest import OTHER_TOWNS, metric_value, town_off, wait_idle

HANDED_OVER = "Đã bàn giao"


def works_of(value: str) -> int:
    """'3/18' -> 18: the works of the areas selected."""
    return int(value.split("/")[1])


def test_the_first_screen_answers_done_late_money(server, page):
    page.goto(server.url)
    wait_idle(page)
    assert metric_value(page, HANDED_OVER) == "3/18"
    assert metric_value(page, "Cảnh báo tiến độ (31/12/2022)") == "0 đỏ · 15 vàng"
    assert metric_value(page, "Tổng mức đầu tư") == "101,538"
    assert page.get_by_text("5 công trình chưa có số liệu vốn").first.is_visible()
    # the answer and both stage charts sit above the fold, whole
    for box in (page.locator("[data-testid='stMetric']").first,
                page.get_by_role("link", name="15 công trình · xem cảnh báo"),
                *page.locator("[data-testid='stVegaLiteChart']").all()[:2]):
        b = box.bounding_box()
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= 720, b
    page.get_by_role("link", name="15 công trình · xem cảnh báo").click()
    wait_idle(page)
    assert page.get_by_role("heading", name="Cảnh báo").is_visible()


def test_narrowing_the_town_filter_changes_the_figures(server, page):
    page.goto(server.url)
    wait_idle(page)
    assert page.get_by_role("heading", name="Tổng quan").is_visible()
    before = metric_value(page, HANDED_OVER)
    money_before = metric_value(page, "Tổng mức đầu tư")
    # keep only thị trấn Trà Lĩnh: click the other areas off
    for name, town in OTHER_TOWNS:
        town_off(page, name, town)
    after = metric_value(page, HANDED_OVER)
    assert after != before
    assert works_of(after) < works_of(before)
    assert metric_value(page, "Tổng mức đầu tư") != money_before
    assert "town=tra-linh" in page.url  # the view can be bookmarked


def test_a_bookmarked_view_opens_as_saved(server, page):
    page.goto(server.url + "/?town=tra-linh")
    wait_idle(page)
    narrowed = metric_value(page, HANDED_OVER)
    page.goto(server.url + "/")
    wait_idle(page)
    assert metric_value(page, HANDED_OVER) != narrowed
