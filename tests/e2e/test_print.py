"""A browser's print of a page gives clean A4 pages: the whole page, without the navigation and filters."""
import re

from tests.e2e.conftest import wait_idle


def test_printing_the_overview_gives_whole_a4_pages(server, page, tmp_path):
    page.goto(server.url + "/danh_muc")
    wait_idle(page)
    page.get_by_text("Số liệu tính đến").first.wait_for()
    page.locator("table.ct07-table tbody tr").first.wait_for()  # the register has drawn (a loaded machine is slower)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['stTopNav', 'stHeader', 'stButtonGroup', 'stSelectbox', 'stPopover']
        .map(id => [...document.querySelectorAll(`[data-testid='${id}']`)])
        .flat().filter(e => e.getClientRects().length).map(e => e.getAttribute('data-testid'))""")
    assert hidden == [], f"controls still drawn in print: {hidden}"
    # the main area does not scroll inside itself: every row of the register is laid out for print
    last_row = page.locator("table.ct07-table tbody tr").last
    assert last_row.is_visible()
    pdf = tmp_path / "register.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2, "the whole register is printed, not only the first screen"
    sizes = {m for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)}
    assert sizes and all(abs(float(w) - 595.92) < 2 and abs(float(h) - 842.88) < 2 for w, h in sizes), sizes
