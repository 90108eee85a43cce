"""The chair moves the state-budget slider with the keyboard and sees completion years change."""
from tests.e2e.conftest import metric_value, wait_idle

SLIDER = "Vốn ngân sách nhà nước mỗi năm"


def cell_after(page, table, first: str, column: int) -> str:
    """The text of a cell in the row whose first cell reads ``first`` (the data grid keeps an
    accessible table of its cells)."""
    cells = [c.strip() for c in table.locator("td").all_text_contents()]
    width = table.locator("th").count() or 8
    for i in range(0, len(cells), width):
        if cells[i] == first:
            return cells[i + column]
    raise AssertionError(f"no row {first} in {cells[:40]}")


def wait_for_change(page, read, before, tries=40):
    for _ in range(tries):
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(250)
    return read()


def test_the_first_screen_gives_the_minimum_yearly_amount_and_what_the_slider_moves(server, page):
    page.goto(server.url + "/kich_ban_von")
    wait_idle(page)
    lead = "trước hết 2030 (năm cuối kỳ mô phỏng)"
    page.get_by_text(lead).first.wait_for()
    assert metric_value(page, lead) == "12,750 tỷ đồng/năm"
    assert metric_value(page, "trước hết 2025 (năm cuối của Chương trình)") == "44,600 tỷ đồng/năm"
    assert metric_value(page, "Còn thiếu cuối 2030") == "19,186"
    # the answer, the money slider and what it moves, whole on the first screen
    slider = page.get_by_role("slider", name=SLIDER)
    boxes = [page.locator("[data-testid='stMetric']").filter(has_text=label).first
             for label in (lead, "Công trình xong đến hết 2030", "Năm mọi công trình xong", "Còn thiếu cuối 2030",
                           "Đổi năm so với kịch bản cơ sở")]
    boxes += [slider, page.get_by_text("chưa tính 5 công trình chưa có tổng mức đầu tư", exact=True)]
    for box in boxes:
        b = box.bounding_box()
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= 720, b
    # one click sets the slider to the minimum, and every work with an amount is then complete
    page.get_by_role("button", name="Dùng 13,0 tỷ/năm").click()
    wait_idle(page)
    assert wait_for_change(page, lambda: slider.get_attribute("aria-valuetext"), "10,0 tỷ") == "13,0 tỷ"
    assert wait_for_change(page, lambda: metric_value(page, "Công trình xong đến hết 2030"), "10/13") == \
        "13/13"
    assert metric_value(page, "Còn thiếu cuối 2030") == "Chưa rõ"  # 5 works have no amount: not 0
    assert metric_value(page, lead) == "12,750 tỷ đồng/năm"


def test_moving_the_state_budget_changes_a_completion_year(server, page):
    page.goto(server.url + "/kich_ban_von")
    wait_idle(page)
    page.get_by_text("Công trình xong đến hết 2030").first.wait_for()
    assert metric_value(page, "Công trình xong đến hết 2030") == "10/13"
    # the completion year of every work, in the expander under the chart
    page.get_by_text("Năm hoàn thành của mọi công trình").first.click()
    every = page.locator("[data-testid='stExpander'] [data-testid='stDataFrame']").first
    every.wait_for()
    wait_idle(page)
    year = lambda: cell_after(page, every, "GT-01", 4)  # noqa: E731 (Mã, Công trình, Địa bàn, Cơ sở, Này)
    assert year() == "2028"

    slider = page.get_by_role("slider", name=SLIDER)
    assert slider.get_attribute("aria-valuetext") == "10,0 tỷ"
    slider.focus()
    page.keyboard.press("Home")  # no state budget at all
    wait_idle(page)
    assert wait_for_change(page, lambda: slider.get_attribute("aria-valuetext"), "10,0 tỷ") == "0,0 tỷ"
    every = page.locator("[data-testid='stExpander'] [data-testid='stDataFrame']").first
    assert wait_for_change(page, year, "2028") == "sau 2030"
    assert metric_value(page, "Công trình xong đến hết 2030") != "10/13"

    slider.focus()
    page.keyboard.press("End")  # 100 tỷ a year
    wait_idle(page)
    assert wait_for_change(page, year, "sau 2030") == "2024"
    # the table of works that move now lists GT-01, four years earlier than the baseline
    moved = page.locator("[data-testid='stDataFrame']").first
    assert cell_after(page, moved, "GT-01", 5) == "sớm 4 năm"
    assert metric_value(page, "Công trình xong đến hết 2030") == "13/13"

    for _ in range(3):  # the arrow keys move it by one step of 0,5 tỷ
        page.keyboard.press("ArrowLeft")
    wait_idle(page)
    assert wait_for_change(page, lambda: slider.get_attribute("aria-valuetext"), "100,0 tỷ") == "98,5 tỷ"

    page.get_by_role("button", name="Đặt lại như ban đầu").click()
    wait_idle(page)
    assert wait_for_change(page, lambda: slider.get_attribute("aria-valuetext"), "98,5 tỷ") == "10,0 tỷ"
    assert wait_for_change(page, lambda: metric_value(page, "Công trình xong đến hết 2030"), "13/13") == \
        "10/13"


def test_the_scenario_is_kept_while_the_chair_looks_at_another_page(server, page):
    """Streamlit's persist_state: the chair sets the money, opens the flags page, comes back; the
    sliders and what they move are as they were left."""
    page.goto(server.url + "/kich_ban_von")
    wait_idle(page)
    slider = page.get_by_role("slider", name=SLIDER)
    slider.wait_for()
    page.get_by_role("button", name="Dùng 13,0 tỷ/năm").click()
    wait_idle(page)
    assert wait_for_change(page, lambda: slider.get_attribute("aria-valuetext"), "10,0 tỷ") == "13,0 tỷ"
    page.get_by_role("link", name="Cảnh báo").click()
    wait_idle(page)
    page.get_by_role("heading", name="Cảnh báo tiến độ").wait_for()
    page.get_by_role("link", name="Vốn").click()
    wait_idle(page)
    slider = page.get_by_role("slider", name=SLIDER)
    slider.wait_for()
    assert slider.get_attribute("aria-valuetext") == "13,0 tỷ"
    assert metric_value(page, "Công trình xong đến hết 2030") == "13/13"
