"""Every page runs in the frame without an exception (Streamlit AppTest)."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from lib.i18n import t
from tests.auth_helpers import sign_in_app
from tests.conftest import seeded  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pages_table() -> list[tuple[str, str]]:
    """(file, title key) of every page in the navigation."""
    from ui.nav import PAGES
    return [(f, k) for f, k, _ in PAGES]


def page_files() -> list[str]:
    return [f for f, _ in pages_table()]


ENTRY = """import runpy, sys
sys.path.insert(0, {root!r})
runpy.run_path({app!r}, run_name="__main__")
"""


def new_app(tmp_path) -> AppTest:
    """AppTest of the real app.py, through an entry script in a folder with no pages/ beside it.

    AppTest resets Streamlit's multipage mode before every run, so an app.py with a pages/
    folder next to it would run each page by the older auto-discovery (the deep-link case,
    tested in a real server by tests/e2e/test_deep_link.py). From here, every run goes
    through app.py and st.navigation, as in a server after its first request."""
    entry = tmp_path / "entry.py"
    entry.write_text(ENTRY.format(root=ROOT, app=os.path.join(ROOT, "app.py")), encoding="utf-8")
    return AppTest.from_file(str(entry), default_timeout=60)


def html_texts(at: AppTest) -> list[str]:
    """The text of every st.html element of the run (tags stripped), e.g. the data stamp."""
    import re
    return [re.sub(r"<[^>]+>", "", h.proto.body) for h in at.get("html")]


def stamp(at: AppTest) -> str:
    lines = [h for h in html_texts(at) if "Số liệu tính đến" in h or "Data as of" in h]
    assert len(lines) == 1, lines
    return lines[0]


def shown_table(at: AppTest, name: str):
    """The ct07-table ``name`` of the run as the room reads it: (rows, totals row, caption)."""
    from tests.test_register import read_table
    bodies = [h.proto.body for h in at.get("html") if f'data-table="{name}"' in h.proto.body]
    assert len(bodies) == 1, f"{len(bodies)} tables {name!r}"
    return read_table(bodies[0], name)


def goto(at: AppTest, page: str) -> AppTest:
    return at.switch_page(os.path.join(ROOT, page)).run()


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    return new_app(tmp_path)


def test_every_page_in_pages_is_in_the_navigation():
    listed = set(page_files())
    on_disk = {f"pages/{f}" for f in os.listdir(os.path.join(ROOT, "pages")) if f.endswith(".py")}
    assert listed == on_disk


@pytest.mark.parametrize("page", page_files())
def test_page_runs_without_exception(app, page):
    from ui.nav import ROLE_PAGES
    if page in ROLE_PAGES:  # the admin page is in the navigation of an admin only
        sign_in_app(app, ROLE_PAGES[page])
    app.run()
    assert not app.exception, app.exception
    goto(app, page)
    assert not app.exception, [e.value for e in app.exception]
    key = dict(pages_table())[page]
    from ui.nav import BARE
    if os.path.splitext(os.path.basename(page))[0] not in BARE:
        assert app.title and app.title[0].value == t(key), "the frame shows the page title"
    assert "Số liệu tính đến" in stamp(app), "the data stamp is on the page"


def test_overview_follows_the_town_filter_from_the_url(app, tmp_path):
    app.run()
    all_works = app.metric[0].value
    app2 = new_app(tmp_path)
    app2.query_params["town"] = "tra-linh"
    app2.run()
    assert not app2.exception
    assert app2.metric[0].value != all_works
    assert app2.session_state["f_towns"] == ["tra-linh"]


def test_overview_first_row_answers_done_late_and_money(app, tmp_path):
    """Handed over, flagged works at the evaluation date (each work once, as on the flags page),
    money; then the stage charts, the red works, the areas as a table that reads whole."""
    app.query_params["eval"] = "2024-01-01"
    app.run()
    assert not app.exception
    first = [(m.label, m.value) for m in app.metric[:4]]
    assert first[0] == ("Đã bàn giao", "3/18")
    # 8 works are red (5 overdue for a year or more, 3 still in procedures past their due date); 7 more are amber. They carry 34 flags (every
    # open work is also 'not updated for long'), but each work counts once, at its worst severity.
    assert first[1] == ("Cảnh báo tiến độ (01/01/2024)", ":red[8 đỏ] · :orange[7 vàng]")
    assert first[2] == ("Tổng mức đầu tư (tỷ đồng)", "101,538")
    assert first[3] == ("Đang triển khai", "11")  # QH-01: the report gives no status
    notes = html_texts(app)                                  # the small print under the figures
    assert "2,043 tỷ đồng đã bàn giao" in notes
    assert "5 công trình chưa có số liệu vốn" in notes       # never summed as 0
    assert "15 công trình · xem cảnh báo" in [p.proto.label for p in app.get("page_link")]
    goto(app, "pages/canh_bao.py")                        # the flags page counts the same works
    assert [(m.label, m.value) for m in app.metric[:2]] == [("Công trình cảnh báo đỏ", "8"),
                                                             ("Công trình cảnh báo vàng", "7")]
    goto(app, "pages/tong_quan.py")
    red, _, _ = shown_table(app, "flags_by_work_short")
    assert len(red) == 8 and red["Công trình"].str.startswith("XH-09 · ").any()
    _, total, _ = shown_table(app, "overview_towns")
    assert total == ["Tổng (không trùng)", "18", "3", "101,538", "5"]
    at_report = new_app(tmp_path)   # at the report's date (no ?eval): nothing red yet
    at_report.run()
    assert (at_report.metric[1].label, at_report.metric[1].value) == (
        "Cảnh báo tiến độ (31/12/2022)", "0 đỏ · :orange[15 vàng]")   # a 0 is not shown in red


def test_stale_data_are_announced_in_one_line_with_details_on_demand(app):
    app.run()
    assert "số liệu cũ: 15/15 công trình chưa cập nhật quá 180 ngày" in stamp(app)
    assert any(p.proto.popover.label == "Chi tiết" for p in app.get("popover")), "the details sit behind a button"
    assert any("Số liệu đã cũ" in x.value for x in app.text)


def test_english_through_the_same_layer(app):
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert "Data as of" in stamp(app)


def test_register_filters_narrow_the_table_and_totals(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    assert not app.exception
    table, total, _ = shown_table(app, "register")
    assert len(table) == 18 and total[0] == "Tổng"
    assert not app.dataframe, "the register is a table that reads whole, not a scrolling grid"
    app.multiselect(key="reg_stage").set_value(["dang_thi_cong"]).run()
    assert not app.exception
    table, total, _ = shown_table(app, "register")
    assert set(table["Giai đoạn"]) == {"Đang thi công"} and len(table) == 4
    assert any("**4** công trình" in m.value for m in app.markdown)
    assert "4 công trình theo bộ lọc" in total[1]
    app.text_input(key="reg_search").input("Trà Lĩnh").run()
    table, _, _ = shown_table(app, "register")
    assert table["Mã"].tolist() == ["XH-09", "XH-10"]


def test_register_filters_speak_vietnamese(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    boxes = list(app.multiselect) + list(app.selectbox)
    mine = [b for b in boxes if str(b.key).startswith("reg_")]
    assert {b.key for b in mine} >= {"reg_stage", "reg_cat", "reg_year", "reg_funding", "reg_sort", "reg_detail"}
    for b in mine:
        assert b.proto.placeholder and "Choose" not in b.proto.placeholder and "Select" not in b.proto.placeholder, b.key
    for b in app.multiselect:
        if str(b.key).startswith("reg_"):
            assert b.proto.select_all == 0, f"{b.key}: Streamlit's English 'Select all' is offered"


def test_register_follows_the_town_filter(app):
    app.query_params["town"] = "tra-linh"
    app.run()
    goto(app, "pages/danh_muc.py")
    table, _, _ = shown_table(app, "register")
    assert table["Địa bàn"].str.contains("Trà Lĩnh").all()


def test_work_detail_shows_sources_and_history(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    assert app.selectbox(key="reg_detail").value is None   # its own chooser, nothing picked yet
    app.selectbox(key="reg_detail").set_value("XH-02").run()
    assert not app.exception
    fields, _, _ = shown_table(app, "work_detail")
    fields = fields.set_index("Trường")
    assert fields.loc["Địa bàn", "Nguồn"].startswith("Suy luận")
    assert fields.loc["Tên công trình, nhiệm vụ", "Nguồn"].startswith("Báo cáo sơ kết 01 năm")
    assert any("Nguyên văn báo cáo" in m.value and "huyện Trà Lĩnh" in m.value for m in app.markdown)
    history, _, _ = shown_table(app, "work_history")
    assert len(history) >= 1
    assert app.query_params["work"] == "XH-02"            # the link to this work


def test_a_link_opens_a_work(app):
    app.query_params["work"] = "GT-01"
    app.run()
    goto(app, "pages/danh_muc.py")
    assert not app.exception
    assert app.selectbox(key="reg_detail").value == "GT-01"
    fields, _, _ = shown_table(app, "work_detail")
    assert fields.set_index("Trường").loc["Mã", "Giá trị"] == "GT-01"
    assert not app.warning


def test_a_link_to_an_unknown_work_says_so_in_vietnamese(app):
    app.query_params["work"] = "bad<b>"
    app.run()
    goto(app, "pages/danh_muc.py")
    assert not app.exception
    assert any("danh mục không có mã này" in w.value for w in app.warning)
    assert app.selectbox(key="reg_detail").value is None
    assert not [h for h in app.get("html") if 'data-table="work_detail"' in h.proto.body]
    assert len(shown_table(app, "register")[0]) == 18     # the rest of the page is unharmed


def test_tasks_page_filters_by_department(app):
    app.run()
    goto(app, "pages/nhiem_vu.py")
    table, _, caption = shown_table(app, "tasks")
    assert len(table) == 6
    assert "Nguồn: Báo cáo sơ kết 01 năm" in caption
    ms = app.multiselect(key="tasks_dept")
    assert ms.proto.placeholder == "Mọi đơn vị" and ms.proto.select_all == 0  # no English defaults
    ms.set_value(["Phòng Tài nguyên và Môi trường"]).run()
    table, _, _ = shown_table(app, "tasks")
    assert table["Đơn vị thực hiện"].tolist() == ["Phòng Tài nguyên và Môi trường"]
    assert table["Tình trạng"].tolist() == ["Đã giao"]


def test_flags_page_moves_with_the_evaluation_date(app):
    from datetime import date
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception
    red, amber = app.metric[0].value, app.metric[1].value
    assert red == "0"  # at the report's date nothing is overdue yet
    app.text_input(key="eval_date").input("01/01/2024").run()
    assert not app.exception
    assert app.metric[0].value == "8"
    assert app.query_params["eval"] == "2024-01-01"
    reasons = " ".join(html_texts(app))
    assert "Dự kiến hoàn thành 2022, đến 01/01/2024 chưa bàn giao: chậm 12 tháng" in reasons
    # a date that cannot be read: a Vietnamese message, the last good date kept, no crash
    app.text_input(key="eval_date").input("31/02/2024").run()
    assert not app.exception
    assert any("không phải là một ngày" in e.value for e in app.error)
    assert app.metric[0].value == "8"


@pytest.mark.parametrize("value", ["1999-06-01", "9999-12-31", "abc", "2024-13-01"])
def test_an_odd_evaluation_date_in_the_url_is_refused_in_vietnamese(app, value):
    app.query_params["eval"] = value
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception, [e.value for e in app.exception]
    assert "eval" not in app.query_params


def test_an_evaluation_date_before_the_first_period_works(app):
    app.query_params["eval"] = "2005-06-01"
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception, [e.value for e in app.exception]


def test_markdown_in_a_url_parameter_is_shown_as_text(app):
    app.query_params["town"] = "![x](http://example.invalid/i.png)"
    app.run()
    assert not app.exception
    shown = [w.value for w in app.warning if "không tồn tại" in w.value]
    assert shown and "\\!\\[x\\]" in shown[0], "the Markdown characters are escaped"


def test_register_marks_flagged_works_and_filters_them(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    table, _, _ = shown_table(app, "register")
    assert "Cảnh báo" in table.columns
    flagged = table[table["Cảnh báo"] != ""]
    assert len(flagged) > 0 and set(flagged["Cảnh báo"]) <= {"Đỏ", "Vàng"}
    app.toggle(key="reg_flagged").set_value(True).run()
    assert len(shown_table(app, "register")[0]) == len(flagged)


def sign_in_through_the_sidebar(app, name: str = "Thư ký Phòng KT&HT", username: str = "thuky-ktht"):
    """An editor account in the app's database, then the sidebar form, as the secretary does."""
    from lib.db import db_path_from_env
    from tests.auth_helpers import PASSWORD, user
    from ui import frame
    user(frame._open(str(db_path_from_env())), "editor", name, username)
    app.sidebar.text_input(key="auth_side_user").input(username)
    app.sidebar.text_input(key="auth_side_password").input(PASSWORD)
    app.button(key="auth_side_go").click().run()
    assert not app.exception, app.exception


def test_update_form_writes_and_the_overview_shows_it_at_once(app):
    app.run()
    goto(app, "pages/cap_nhat.py")
    assert not app.exception
    assert not [b for b in app.button if b.label == "Kiểm tra và ghi"]  # a viewer: no form
    assert any("Chỉ người được phân quyền mới cập nhật được; hãy đăng nhập" in i.value for i in app.info)
    sign_in_through_the_sidebar(app)
    assert any(h.proto.body.count("Đã đăng nhập: Thư ký Phòng KT&amp;HT (thư ký)") for h in app.get("html"))
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-06").run()
    app.text_input(key="upd_new_label").input("Kỳ 6 tháng 2023").run()
    from datetime import date
    app.text_input(key="upd_new_as_of").input("30/06/2023").run()
    app.selectbox(key="upd_work").set_value("XH-09").run()
    stage_box = [s for s in app.selectbox if s.label == "Giai đoạn"][0]
    stage_box.set_value("da_ban_giao")
    [b for b in app.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert not app.exception
    # the save states what was written, as read back from the database
    said = [s.value.replace("\\", "") for s in app.success]  # Markdown escapes aside
    assert any("Đã ghi 1 dòng vào kỳ 2023-06" in s and "XH-09: Giai đoạn: Đã bàn giao" in s for s in said), said
    goto(app, "pages/tong_quan.py")
    assert app.metric[0].value == "4/18"  # handed over: 3 in the report, plus XH-09
    # one work updated does not make the other seventeen fresh
    line = stamp(app)
    assert "kỳ này cập nhật 1/18 công trình" in line and "số liệu cũ" in line
    from ui import frame
    audit = frame.get_db().query("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (audit["actor"], audit["action"]) == ("thuky-ktht", "status_update")  # the account that signed in
    assert frame.get_db().scalar("SELECT entered_by FROM status_update WHERE period_id = '2023-06'") == \
        "Thư ký Phòng KT&HT"


def test_update_form_rejects_bad_input_in_vietnamese(app):
    sign_in_app(app)
    app.run()
    goto(app, "pages/cap_nhat.py")
    [n for n in app.number_input if n.label == "Khối lượng thực hiện (%)"][0].set_value(150)
    [b for b in app.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert any("cột Khối lượng thực hiện (%): 150 phải từ 0 đến 100" in e.value.replace("\\", "") for e in app.error)


def test_criteria_page_scores_a_town_and_labels_demo_data(app):
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert not app.exception
    assert app.metric[3].value == "Chưa đủ số liệu"        # the legacy rules' points are unknown
    assert not any("DỮ LIỆU MINH HOẠ" in w.value for w in app.warning)
    app.selectbox(key="crit_ruleset").set_value("nq111-2025").run()
    assert app.selectbox(key="crit_class").value == "III"
    assert app.metric[2].value.startswith("2/23")
    assert app.metric[0].value == "0 / 13"                 # out of what the 2 scored standards give, not 100
    app.toggle(key="crit_demo").set_value(True).run()
    assert not app.exception
    assert any("DỮ LIỆU MINH HOẠ" in w.value for w in app.warning)
    assert app.metric[2].value.startswith("23/23")
    table = [d.value for d in app.dataframe if "Nguồn số liệu" in d.value.columns][0]
    assert table["Nguồn số liệu"].str.contains("minh hoạ").any()
    assert not table["Nguồn số liệu"].str.contains(r"\.md|\.csv|shared/").any()
    assert (table["Độ tin cậy của quy định"] == "Chưa đối chiếu văn bản gốc").all()


def test_criteria_page_leads_with_each_town_against_its_target(app):
    app.run()
    goto(app, "pages/tieu_chi.py")
    strip, _, caption = shown_table(app, "crit_targets")
    strip = strip.set_index("Thị trấn")
    assert list(strip.index) == ["Thị trấn Trùng Khánh", "Thị trấn Trà Lĩnh"]
    assert strip.loc["Thị trấn Trùng Khánh", "Mục tiêu của Chương trình"] == "Loại IV, năm 2025"
    assert strip.loc["Thị trấn Trà Lĩnh", "Mục tiêu của Chương trình"] == "Loại V, năm 2025"
    assert (strip["Kết luận"] == "Chưa đủ số liệu").all()
    assert strip.loc["Thị trấn Trùng Khánh", "Chưa chấm được (thiếu số liệu hoặc thang điểm)"] == "15/15"
    assert "/ 100" not in " ".join(strip["Điểm đã biết"])  # never a total out of 100 while standards are unknown
    assert "NQ 1210/2016, sửa đổi bởi NQ 26/2022" in caption
    assert any("Điều 15" in i.value and "loại III" in i.value for i in app.info)
    # under NQ 111 the towns are scored as class III, and the strip says why
    app.selectbox(key="crit_ruleset").set_value("nq111-2025").run()
    strip, _, _ = shown_table(app, "crit_targets")
    assert strip["Kết luận"].str.contains("chấm theo loại III: loại IV cũ, Điều 15").any()
    assert strip["Điểm đã biết"].str.startswith("0 / 13").all()


def test_criteria_class_follows_the_town(app):
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert app.selectbox(key="crit_class").value == "IV"
    app.selectbox(key="crit_town").set_value("tra-linh").run()
    assert not app.exception
    assert app.selectbox(key="crit_class").value == "V"    # Trà Lĩnh's target
    app.selectbox(key="crit_class").set_value("IV").run()  # a class picked by hand is kept
    assert app.selectbox(key="crit_class").value == "IV"
    app.selectbox(key="crit_town").set_value("trung-khanh").run()
    assert app.selectbox(key="crit_class").value == "IV"


def test_a_whole_period_through_the_table(app):
    from datetime import date
    app.run()
    sign_in_app(app)
    goto(app, "pages/cap_nhat.py")
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-12").run()
    app.text_input(key="upd_new_as_of").input("31/12/2023").run()
    # nothing edited: nothing to write (the table's edits are tested in tests/test_updates.py)
    [b for b in app.button if (b.key or "").startswith("upd_all_save_")][0].click().run()
    assert any("Không có dòng nào thay đổi" in i.value for i in app.info)


def test_two_editors_on_one_work_the_second_sees_both_values_and_nothing_is_lost(app, tmp_path):
    """Two sessions of the same server (one DuckDB connection per process): Anh and Bình open
    XH-10; Anh saves; Bình's save is refused with what Anh stored and what Bình typed."""
    other = new_app(tmp_path)
    for at, name, username in ((app, "Anh", "anh"), (other, "Bình", "binh")):
        at.run()
        sign_in_app(at, "editor", name, username)
        goto(at, "pages/cap_nhat.py")
        at.selectbox(key="upd_work").set_value("XH-10").run()
        assert not at.exception
    for at, pct in ((app, 40), (other, 100)):
        [n for n in at.number_input if n.label == "Khối lượng thực hiện (%)"][0].set_value(pct)
        [b for b in at.button if b.label == "Kiểm tra và ghi"][0].click().run()
        assert not at.exception
    assert any("Đã ghi 1 dòng" in s.value for s in app.success)
    assert not any("Đã ghi" in s.value for s in other.success)
    assert any("Không ghi gì: 1 công trình đã được người khác cập nhật" in e.value for e in other.error)
    conflict = " ".join(h.proto.body for h in other.get("html"))
    assert "Anh, " in conflict and "40 %" in conflict and "100 %" in conflict   # both values, and who stored
    from ui import frame
    assert list(frame.get_db().query("SELECT physical_pct FROM status_update WHERE work_id = 'XH-10' "
                                     "AND entered_by IN ('Anh', 'Bình')")["physical_pct"]) == [40]
    # Bình loads the newest data: the form now shows Anh's value, and Bình's save goes through
    [b for b in other.button if b.label == "Tải số liệu mới nhất"][0].click().run()
    box = [n for n in other.number_input if n.label == "Khối lượng thực hiện (%)"][0]
    assert box.value == 40
    box.set_value(100)
    [b for b in other.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert any("Đã ghi 1 dòng" in s.value for s in other.success)


def test_two_submits_that_reach_one_run_are_both_saved_and_both_said(app):
    """Streamlit merges queued reruns: a status form and the thresholds form submitted together
    reach one run. Each save is written and said; neither is dropped unseen."""
    sign_in_app(app, "admin")
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.selectbox(key="upd_work").set_value("XH-09").run()
    [s for s in app.selectbox if s.label == "Giai đoạn"][0].set_value("da_ban_giao")
    stale = [n for n in app.number_input if "(stale_after_days)" in (n.help or "")][0]
    stale.set_value(stale.value + 10)
    for b in app.button:
        if b.label in ("Kiểm tra và ghi", "Ghi ngưỡng"):
            b.click()
    app.run()
    assert not app.exception, app.exception
    said = [s.value.replace("\\", "") for s in app.success]
    assert any("Đã ghi 1 dòng" in s and "XH-09" in s for s in said), said
    assert any("Đã ghi ngưỡng cảnh báo" in s for s in said), said
    from ui import frame
    db = frame.get_db()
    assert db.scalar("SELECT count(*) FROM status_update WHERE work_id = 'XH-09' AND stage = 'da_ban_giao'") == 1
    assert db.scalar("SELECT value FROM setting WHERE key = 'stale_after_days'") == str(stale.value)



def test_a_save_cut_short_before_its_message_is_said_on_the_next_run(app):
    """Streamlit can stop a run at any session-state access when a new click arrives: the write
    may be committed while its message never reached the page. The next run asks the database
    whether the form's token wrote, and says what it wrote."""
    from datetime import date
    from lib import updates
    from tests.auth_helpers import editor
    from ui import frame
    sign_in_app(app)
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.selectbox(key="upd_work").set_value("XH-09").run()
    token = app.session_state["upd_view_one"]["token"]
    db = frame.get_db()
    period = updates.Period("2022-12", "Sơ kết", date(2022, 12, 31))
    updates.record(db, editor(db), period, [updates.Update("XH-09", stage="da_ban_giao")], new_period=False,
                   token=token)  # the cut-short run's write
    app.run()
    assert not app.exception, app.exception
    said = [s.value.replace("\\", "") for s in app.success]
    assert any("Đã ghi 1 dòng vào kỳ 2022-12" in s and "XH-09: Giai đoạn: Đã bàn giao" in s for s in said), said
    # the view that wrote is dropped: no form under its token (a resubmit cannot write), and no fresh
    # form for XH-09 until "Nhập tiếp công trình này" is clicked (a burst of clicks cannot submit it)
    assert "upd_view_one" not in app.session_state
    assert [b.label for b in app.button if b.label == "Nhập tiếp công trình này"] == ["Nhập tiếp công trình này"]
    [b for b in app.button if b.label == "Nhập tiếp công trình này"][0].click().run()
    assert app.session_state["upd_view_one"]["token"] != token       # a fresh form: a resubmit cannot write
