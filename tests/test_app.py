"""Every page runs in the frame without an exception (Streamlit AppTest)."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from lib.i18n import t

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


def goto(at: AppTest, page: str) -> AppTest:
    return at.switch_page(os.path.join(ROOT, page)).run()


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CT07_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.chdir(ROOT)
    return new_app(tmp_path)


def test_every_page_in_pages_is_in_the_navigation():
    listed = set(page_files())
    on_disk = {f"pages/{f}" for f in os.listdir(os.path.join(ROOT, "pages")) if f.endswith(".py")}
    assert listed == on_disk


@pytest.mark.parametrize("page", page_files())
def test_page_runs_without_exception(app, page):
    app.run()
    assert not app.exception, app.exception
    goto(app, page)
    assert not app.exception, [e.value for e in app.exception]
    key = dict(pages_table())[page]
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
    table = app.dataframe[0].value
    assert len(table) == 18
    app.multiselect(key="reg_stage").set_value(["dang_thi_cong"]).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["Giai đoạn"]) == {"Đang thi công"} and len(table) == 4
    assert any("**4** công trình" in m.value for m in app.markdown)
    app.text_input(key="reg_search").input("Trà Lĩnh").run()
    table = app.dataframe[0].value
    assert table["Mã"].tolist() == ["XH-09", "XH-10"]


def test_register_follows_the_town_filter(app):
    app.query_params["town"] = "tra-linh"
    app.run()
    goto(app, "pages/danh_muc.py")
    table = app.dataframe[0].value
    assert table["Địa bàn"].str.contains("Trà Lĩnh").all()


def test_work_detail_shows_sources_and_history(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    app.selectbox(key="reg_detail").set_value("XH-02").run()
    assert not app.exception
    fields = [d.value for d in app.dataframe if "Trường" in d.value.columns][0]
    assert fields.set_index("Trường").loc["Địa bàn", "Nguồn"].startswith("Suy luận")
    assert any("Nguyên văn báo cáo" in m.value and "huyện Trà Lĩnh" in m.value for m in app.markdown)


def test_tasks_page_filters_by_department(app):
    app.run()
    goto(app, "pages/nhiem_vu.py")
    assert len(app.dataframe[0].value) == 6
    app.multiselect(key="tasks_dept").set_value(["Phòng Tài nguyên và Môi trường"]).run()
    table = app.dataframe[0].value
    assert table["Đơn vị thực hiện"].tolist() == ["Phòng Tài nguyên và Môi trường"]
    assert table["Tình trạng"].tolist() == ["Đã giao"]


def test_alerts_page_moves_with_the_evaluation_date(app):
    from datetime import date
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception
    red, amber = app.metric[0].value, app.metric[1].value
    assert red == "0 công trình"  # at the report's date nothing is overdue yet
    app.date_input(key="eval_date").set_value(date(2024, 1, 1)).run()
    assert not app.exception
    assert app.metric[0].value == "5 công trình"
    assert app.query_params["eval"] == "2024-01-01"
    reasons = " ".join(" ".join(df.value["Lý do"]) for df in app.dataframe if "Lý do" in df.value.columns)
    assert "Dự kiến hoàn thành 2022, đến 01/01/2024 chưa bàn giao: chậm 12 tháng" in reasons


def test_register_marks_flagged_works_and_filters_them(app):
    app.run()
    goto(app, "pages/danh_muc.py")
    table = app.dataframe[0].value
    assert "Cảnh báo" in table.columns
    flagged = table[table["Cảnh báo"] != ""]
    assert len(flagged) > 0
    app.toggle(key="reg_flagged").set_value(True).run()
    assert len(app.dataframe[0].value) == len(flagged)


def test_update_form_writes_and_the_overview_shows_it_at_once(app):
    app.run()
    goto(app, "pages/cap_nhat.py")
    assert not app.exception
    app.text_input(key="upd_who").input("Thư ký Phòng KT&HT").run()
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-06").run()
    app.text_input(key="upd_new_label").input("Kỳ 6 tháng 2023").run()
    from datetime import date
    app.date_input(key="upd_new_as_of").set_value(date(2023, 6, 30)).run()
    app.selectbox(key="upd_work").set_value("XH-09").run()
    stage_box = [s for s in app.selectbox if s.label == "Giai đoạn"][0]
    stage_box.set_value("da_ban_giao")
    [b for b in app.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert not app.exception
    assert any("Đã ghi 1 cập nhật cho kỳ 2023-06" in s.value for s in app.success)
    goto(app, "pages/tong_quan.py")
    assert app.metric[2].value == "4"  # handed over: 3 in the report, plus XH-09
    # one work updated does not make the other seventeen fresh
    line = stamp(app)
    assert "kỳ này cập nhật 1/18 công trình" in line and "số liệu cũ" in line


def test_update_form_rejects_bad_input_in_vietnamese(app):
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.text_input(key="upd_who").input("Thư ký").run()
    [n for n in app.number_input if n.label == "Khối lượng thực hiện (%)"][0].set_value(150)
    [b for b in app.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert any("cột Khối lượng thực hiện (%): 150 phải từ 0 đến 100" in e.value for e in app.error)


def test_criteria_page_scores_a_town_and_labels_demo_data(app):
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert not app.exception
    assert app.metric[3].value == "Chưa đủ số liệu"        # the legacy rules' points are unknown
    assert not any("DỮ LIỆU MINH HOẠ" in w.value for w in app.warning)
    app.selectbox(key="crit_ruleset").set_value("nq111-2025").run()
    assert app.selectbox(key="crit_class").value == "III"
    assert app.metric[2].value.startswith("2/23")
    app.toggle(key="crit_demo").set_value(True).run()
    assert not app.exception
    assert any("DỮ LIỆU MINH HOẠ" in w.value for w in app.warning)
    assert app.metric[2].value.startswith("23/23")
    table = [d.value for d in app.dataframe if "Nguồn số liệu" in d.value.columns][0]
    assert table["Nguồn số liệu"].str.contains("minh hoạ").any()
    assert (table["Độ tin cậy của quy định"] == "Chưa đối chiếu văn bản gốc").all()


def test_a_whole_period_through_the_table(app):
    from datetime import date
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.text_input(key="upd_who").input("Thư ký").run()
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-12").run()
    app.date_input(key="upd_new_as_of").set_value(date(2023, 12, 31)).run()
    # nothing edited: nothing to write (the table's edits are tested in tests/test_updates.py)
    [b for b in app.button if b.key == "upd_all_save"][0].click().run()
    assert any("Không có dòng nào thay đổi" in i.value for i in app.info)
