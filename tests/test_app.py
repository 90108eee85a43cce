"""Every page runs in the frame without an exception (Streamlit AppTest)."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from lib.i18n import t

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pages_table() -> list[tuple[str, str]]:
    """(file, title key) of every page, read from app.PAGES without running app.py."""
    import ast
    tree = ast.parse(open(os.path.join(ROOT, "app.py"), encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES":
            return [(elt.elts[0].value, elt.elts[1].value) for elt in node.value.elts]
    raise AssertionError("PAGES not found in app.py")


def page_files() -> list[str]:
    return [f for f, _ in pages_table()]


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CT07_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=60)
    return at


def test_every_page_in_pages_is_in_the_navigation():
    listed = set(page_files())
    on_disk = {f"pages/{f}" for f in os.listdir(os.path.join(ROOT, "pages")) if f.endswith(".py")}
    assert listed == on_disk


@pytest.mark.parametrize("page", page_files())
def test_page_runs_without_exception(app, page):
    app.run()
    assert not app.exception, app.exception
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    key = dict(pages_table())[page]
    assert app.title and app.title[0].value == t(key), "the frame shows the page title"
    assert any("Số liệu tính đến" in w.value for w in app.warning) or \
        any("Số liệu tính đến" in c.value for c in app.caption), "the data stamp is on the page"


def test_overview_follows_the_town_filter_from_the_url(app):
    app.run()
    all_works = app.metric[0].value
    app2 = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=60)
    app2.query_params["town"] = "tra-linh"
    app2.run()
    assert not app2.exception
    assert app2.metric[0].value != all_works
    assert app2.session_state["f_towns"] == ["tra-linh"]


def test_stale_data_are_announced(app):
    app.run()
    assert any("Số liệu đã cũ" in w.value for w in app.warning)


def test_english_through_the_same_layer(app):
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert any("Data as of" in w.value for w in app.warning)


def test_register_filters_narrow_the_table_and_totals(app):
    app.run()
    app.switch_page("pages/danh_muc.py").run()
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
    app.switch_page("pages/danh_muc.py").run()
    table = app.dataframe[0].value
    assert table["Địa bàn"].str.contains("Trà Lĩnh").all()


def test_work_detail_shows_sources_and_history(app):
    app.run()
    app.switch_page("pages/danh_muc.py").run()
    app.selectbox(key="reg_detail").set_value("XH-02").run()
    assert not app.exception
    fields = [d.value for d in app.dataframe if "Trường" in d.value.columns][0]
    assert fields.set_index("Trường").loc["Địa bàn", "Nguồn"].startswith("Suy luận")
    assert any("Nguyên văn báo cáo" in m.value and "huyện Trà Lĩnh" in m.value for m in app.markdown)


def test_tasks_page_filters_by_department(app):
    app.run()
    app.switch_page("pages/nhiem_vu.py").run()
    assert len(app.dataframe[0].value) == 6
    app.multiselect(key="tasks_dept").set_value(["Phòng Tài nguyên và Môi trường"]).run()
    table = app.dataframe[0].value
    assert table["Đơn vị thực hiện"].tolist() == ["Phòng Tài nguyên và Môi trường"]
    assert table["Tình trạng"].tolist() == ["Đã giao"]
