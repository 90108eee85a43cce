"""A committee member moves the evaluation date and sees the flags change; the flagged works are
the first thing on the screen, one row per work, nothing cut."""
import re

from tests.e2e.conftest import metric_value, wait_idle, wait_settled

WORK_ROWS = "table[data-table='flags_by_work'] tbody tr"
WORK_ID = re.compile(r"\b(?:GT|XH|CT|QH)-\d{2}\b")

# every cell of the flags' tables: text that does not fit would be cut (it must wrap instead)
CUT_CELLS = """() => [...document.querySelectorAll("table.ct07-table td, table.ct07-table th")]
  .filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.innerText.slice(0, 60))"""


def test_changing_the_evaluation_date_changes_the_flags(server, page):
    page.goto(server.url + "/canh_bao")
    wait_idle(page)
    page.get_by_text("Công trình cảnh báo đỏ").first.wait_for()
    assert metric_value(page, "Công trình cảnh báo đỏ") == "0"
    assert metric_value(page, "Công trình cảnh báo vàng") == "15"
    assert page.locator(WORK_ROWS).count() == 15   # every flagged work once, all amber
    # the date is typed day/month/year, as a person would, and committed with Enter
    field = page.get_by_role("textbox", name="Ngày đánh giá")
    field.fill("01/01/2024")
    field.press("Enter")
    wait_idle(page)
    for _ in range(40):  # the rerun after the date change
        if metric_value(page, "Công trình cảnh báo đỏ") != "0":
            break
        page.wait_for_timeout(250)
    assert metric_value(page, "Công trình cảnh báo đỏ") == "8"
    assert metric_value(page, "Công trình cảnh báo vàng") == "7"
    assert page.locator(WORK_ROWS).count() == 15
    assert "eval=2024-01-01" in page.url
    # back to the period's date with the short button beside the field
    page.get_by_role("button", name="Về 31/12/2022").wait_for()
    # the chosen date follows the user to the overview and back
    page.get_by_role("link", name="Tổng quan").click()
    wait_idle(page)
    page.get_by_text("01/01/2024").first.wait_for(timeout=20000)
    assert "eval=2024-01-01" in page.url


def test_the_flagged_works_lead_the_first_screen(server, page):
    """At 1280x720 and ?eval=2024-01-01 the first red work is on the first screen, with its
    reasons; each list holds a work once, and its heading says how many."""
    page.goto(server.url + "/canh_bao?eval=2024-01-01")
    wait_settled(page)
    first = page.locator(WORK_ROWS).first
    first.wait_for()
    box = first.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] < 720, box
    text = first.inner_text()
    # the first red work, its flags and the cause inferred from its stage, on the first screen
    assert text.startswith("Đỏ") and "GT-02" in text and "Quá hạn: Dự kiến hoàn thành 2023, đến 01/01/2024" in text
    assert "Thủ tục và phê duyệt chủ trương (suy ra từ giai đoạn)" in text
    tables = page.locator("table[data-table='flags_by_work']")
    assert tables.count() == 2
    for i, (heading, n) in enumerate((("Đỏ: cần xử lý ngay (8)", 8), ("Vàng: cần theo dõi (7)", 7))):
        page.get_by_role("heading", name=heading).wait_for()
        ids = [WORK_ID.search(r).group(0) for r in tables.nth(i).locator("tbody tr").all_inner_texts()]
        assert len(ids) == n and len(set(ids)) == n, ids
    # the date control sits above the lists; the rule filter and the charts below them
    date_box = page.get_by_role("textbox", name="Ngày đánh giá").bounding_box()
    assert date_box["y"] < box["y"]
    pills_box = page.get_by_text("Loại cảnh báo", exact=True).first.bounding_box()
    last_row = page.locator(WORK_ROWS).last.bounding_box()
    assert pills_box["y"] > last_row["y"]
    # nothing cut: long names and reasons wrap
    assert page.evaluate(CUT_CELLS) == []
    # one period only: said in words
    page.get_by_text("Chưa có kỳ báo cáo trước để so sánh").first.wait_for()
