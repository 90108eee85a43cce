"""A user narrows the register to Trà Lĩnh, sees only its works, and downloads them as Excel."""

import openpyxl

from tests.e2e.conftest import OTHER_TOWNS, town_off, wait_idle


def test_narrow_to_tra_linh_and_download_xlsx(server, page, tmp_path):
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    page.get_by_text("Tổng theo bộ lọc").first.wait_for()
    for name, town in OTHER_TOWNS:  # the town pills (short names)
        town_off(page, name, town)
    page.get_by_text("Tổng theo bộ lọc: 5 công trình").first.wait_for(timeout=30000)
    totals = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    assert "**" not in totals and "5 công trình" in totals
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải Excel").click()
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
    amount = ws.cell(row=4, column=header.index("Tổng mức đầu tư (tỷ đồng)") + 1)
    assert amount.value is None or isinstance(amount.value, float)   # a number in tỷ đồng, or empty


def test_first_screen_shows_the_register_and_no_cell_is_cut(server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    rows = page.locator("table[data-table='register'] tbody tr")
    rows.first.wait_for()
    assert rows.first.bounding_box()["y"] + rows.first.bounding_box()["height"] < 720, "first row in the first screen"
    cut = page.evaluate("""() => [...document.querySelectorAll("table[data-table='register'] td")]
        .filter(td => td.scrollWidth > td.clientWidth + 1 || td.scrollHeight > td.clientHeight + 1).length""")
    assert cut == 0
    assert page.get_by_text("Choose options").count() == 0 and page.get_by_text("Select all").count() == 0


def test_a_link_opens_the_work_detail(server, page):
    page.goto(server.url + "/danh_muc?work=XH-02")
    wait_idle(page)
    page.locator("table[data-table='work_detail']").wait_for()
    assert page.locator("table[data-table='work_detail']").is_visible()


def test_clicking_a_stage_bar_narrows_the_table(server, page):
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    page.get_by_text("Tổng theo bộ lọc").first.wait_for()
    before = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    # the pipeline is the first chart of the charts tab: click inside the "Đã bàn giao" segment of
    # the district bar
    page.get_by_role("tab", name="Biểu đồ tiến độ").click()
    wait_idle(page)
    chart = page.locator("[data-testid='stTabPanel'] [data-testid='stVegaLiteChart']").first
    chart.scroll_into_view_if_needed()
    # marks are hidden from screen readers (lib/charts): find the segment by its stage colour
    # (data/seed/stages.csv) on the row of the "Cấp huyện" axis label
    chart.locator("g.mark-rect path").first.wait_for(state="attached")
    chart.get_by_text("Cấp huyện", exact=True).first.wait_for(state="attached")
    point = chart.evaluate("""(e, colour) => {
        const label = [...e.querySelectorAll('text')].find(t => t.textContent === 'Cấp huyện');
        const row = label.getBoundingClientRect(), y = row.top + row.height / 2;
        const bar = [...e.querySelectorAll('g.mark-rect path')].find(p => {
            const b = p.getBoundingClientRect();
            return p.getAttribute('fill') === colour && b.top <= y && y <= b.bottom && b.width > 0; });
        if (!bar) return null;
        const b = bar.getBoundingClientRect();
        return {x: b.left + b.width / 2, y: b.top + b.height / 2}; }""", "#009E73")
    assert point is not None, "no bar for Đã bàn giao / Cấp huyện"
    page.mouse.click(point["x"], point["y"])
    wait_idle(page)
    page.get_by_text("Đang lọc theo giai đoạn").first.wait_for(timeout=15000)
    page.get_by_role("tab", name="Danh sách").click()
    wait_idle(page)
    after = page.get_by_text("Tổng theo bộ lọc").first.inner_text()
    assert after != before and "3 công trình" in after
    assert page.locator("table[data-table='register'] tbody tr").count() == 3
