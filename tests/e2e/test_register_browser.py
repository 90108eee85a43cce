"""A user narrows the register to Trà Lĩnh, sees only its works, and downloads them as Excel."""
import io

import openpyxl

from tests.e2e.conftest import wait_idle


def test_narrow_to_tra_linh_and_download_xlsx(server, page, tmp_path):
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    page.get_by_text("Tổng theo bộ lọc").first.wait_for()
    for name in ("Thị trấn Trùng Khánh", "Cấp huyện", "Chưa rõ địa bàn"):
        page.get_by_role("button", name=name, exact=True).click()
        wait_idle(page)
    totals = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    assert "**" not in totals and "5 công trình" in totals
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải Excel (.xlsx)").click()
    path = tmp_path / "danh-muc.xlsx"
    info.value.save_as(path)
    ws = openpyxl.load_workbook(path).active
    assert "địa bàn: Thị trấn Trà Lĩnh" in ws.cell(row=1, column=1).value
    header = [c.value for c in ws[3]]
    town_col = header.index("Địa bàn") + 1
    codes = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    towns = [ws.cell(row=r, column=town_col).value for r in range(4, ws.max_row + 1)]
    assert len(codes) == 5
    assert all("Trà Lĩnh" in t for t in towns)
    assert {"XH-09", "XH-10", "CT-02", "QH-02", "XH-02"} == set(codes)


def test_clicking_a_stage_bar_narrows_the_table(server, page):
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    page.get_by_text("Tổng theo bộ lọc").first.wait_for()
    before = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    # the pipeline is the first chart: click inside the "Đã bàn giao" segment of the district bar
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.scroll_into_view_if_needed()
    marks = chart.locator("path[aria-roledescription='bar']")
    target = None
    for i in range(marks.count()):
        label = marks.nth(i).get_attribute("aria-label") or ""
        if "Đã bàn giao" in label and "Cấp huyện" in label:
            target = marks.nth(i)
            break
    assert target is not None, "no bar for Đã bàn giao / Cấp huyện"
    target.click(force=True)
    wait_idle(page)
    page.get_by_text("Đang lọc theo giai đoạn").first.wait_for(timeout=15000)
    after = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    assert after != before and "3 công trình" in after
