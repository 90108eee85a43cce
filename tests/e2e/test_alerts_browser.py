"""A committee member moves the evaluation date and sees the flags change."""
from tests.e2e.conftest import metric_value, wait_idle


def test_changing_the_evaluation_date_changes_the_flags(server, page):
    page.goto(server.url + "/canh_bao")
    wait_idle(page)
    page.get_by_text("Cảnh báo đỏ").first.wait_for()
    assert metric_value(page, "Cảnh báo đỏ") == "0 công trình"
    # the date field is three segments (day, month, year): type into them as a person would
    page.get_by_role("spinbutton", name="day, Ngày đánh giá").click()
    page.keyboard.type("01")
    page.get_by_role("spinbutton", name="month, Ngày đánh giá").click()
    page.keyboard.type("01")
    page.get_by_role("spinbutton", name="year, Ngày đánh giá").click()
    page.keyboard.type("2024")
    page.keyboard.press("Enter")
    page.get_by_text("Ngày đánh giá").first.click()  # leave the field: the value is committed
    wait_idle(page)
    for _ in range(40):  # the rerun after the date change
        if metric_value(page, "Cảnh báo đỏ") != "0 công trình":
            break
        page.wait_for_timeout(250)
    assert metric_value(page, "Cảnh báo đỏ") == "5 công trình"
    assert "eval=2024-01-01" in page.url
    # the chosen date follows the user to the overview and back
    page.get_by_role("link", name="Tổng quan").click()
    wait_idle(page)
    page.get_by_text("Cảnh báo tại 01/01/2024").first.wait_for(timeout=20000)
    assert "eval=2024-01-01" in page.url
