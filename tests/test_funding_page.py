"""The what-if funding page (Kịch bản vốn) in Streamlit's AppTest, through app.py (see tests/test_app.py)."""
import html
import re

import pytest
import streamlit as st

from tests.auth_helpers import sign_in_app
from tests.test_app import goto, new_app
from tests.conftest import seeded  # noqa: E402

PAGE = "pages/kich_ban_von.py"


def fresh_app(tmp_path, monkeypatch, name: str):
    """An AppTest on its own new database. The connection (st.cache_resource) and the reads
    (st.cache_data) are cached per process, so without clearing them a test would run on the
    database of the first AppTest of the session, with whatever earlier tests wrote to it."""
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / name)))
    st.cache_resource.clear()
    st.cache_data.clear()
    return new_app(tmp_path)


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The page for the secretary (an editor account, signed in)."""
    at = fresh_app(tmp_path, monkeypatch, "app.duckdb")
    sign_in_app(at, name="Thư ký Ban Chỉ đạo")
    at.run()
    goto(at, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    return at


def notes(at) -> list[str]:
    """The small print of the run (ui/widgets.note: escaped lines of HTML), as the room reads it."""
    return [html.unescape(re.sub(r"<[^>]+>", "", h.proto.body)) for h in at.get("html")]


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def moved_table(at):
    """The first table of the page: the works whose completion year moves."""
    df = at.dataframe[0].value
    return df if "Thay đổi" in df.columns and (df["Thay đổi"] != "không đổi").all() else None


def test_the_page_runs_with_the_baseline(app):
    assert app.title[0].value == "Kịch bản vốn"
    assert app.session_state["fund_state"] == 10.0 and app.session_state["fund_horizon"] == (2023, 2030)
    assert metric(app, "Công trình xong đến hết 2030") == "10/13"
    assert metric(app, "Thị trấn Trùng Khánh · loại IV") == "Chưa đủ số liệu"  # never 0 points
    # the gap is that of the 13 works with an amount, and says so under the figure
    assert metric(app, "Còn thiếu cuối 2030 (tỷ đồng)") == "19,186"
    assert "chưa tính 5 công trình chưa có tổng mức đầu tư" in notes(app)
    assert metric(app, "Năm mọi công trình xong") == "sau 2030"
    assert metric(app, "Đổi năm so với kịch bản cơ sở") == "0 công trình"
    assert moved_table(app) is None
    assert any("Các thông số đang như kịch bản cơ sở" in i.value for i in app.info)
    assert any(c.startswith("Chưa mô phỏng (5 công trình, chưa có tổng mức đầu tư") and "XH-03" in c
               for c in notes(app))
    every = table_with(app, "Kịch bản này").set_index("Mã")
    assert every.loc["GT-01", "Kịch bản này"] == "2028" and every.loc["XH-04", "Kịch bản này"] == "đã bàn giao"
    assert every.loc["XH-01", "Kịch bản này"] == "sau 2030"
    # the assumptions, written out for the minutes, with the data's date
    minutes = next(m.value for m in app.markdown if "Giả định của" in m.value)
    assert "Số liệu tính đến tháng 12/2022" in minutes and "Vốn ngân sách nhà nước mỗi năm: 10 tỷ đồng" in minutes
    labels = {b.label for b in app.get("download_button")}
    assert {"Tải bản giả định (.md)", "Tải bản giả định (.docx)"} <= labels


def test_the_first_screen_leads_with_the_minimum_yearly_amount(app):
    """Before the sliders and the results: the least money a year for every work with an amount
    to be complete by the end of the horizon and of the programme, each year named."""
    lead = app.metric[0], app.metric[1]
    assert (lead[0].label, lead[0].value) == ("trước hết 2030 (năm cuối kỳ mô phỏng)", "12,750 tỷ đồng/năm")
    assert (lead[1].label, lead[1].value) == ("trước hết 2025 (năm cuối của Chương trình)", "44,600 tỷ đồng/năm")
    title = next(m.value for m in app.markdown if "Vốn cần ít nhất mỗi năm" in m.value)
    assert "từ 2023" in title and "mọi công trình có tổng mức đầu tư" in title
    note = next(c for c in notes(app) if c.startswith("Đang chọn:"))
    assert note == ("Đang chọn: 10,000 tỷ đồng/năm. Thiếu 2,750 tỷ đồng/năm để mọi công trình xong trong kỳ. "
                    "Chưa tính 5 công trình chưa có tổng mức đầu tư.")
    # then what the sliders move
    assert [m.label for m in app.metric[2:6]] == ["Công trình xong đến hết 2030", "Năm mọi công trình xong",
                                                  "Còn thiếu cuối 2030 (tỷ đồng)", "Đổi năm so với kịch bản cơ sở"]
    # moving the money leaves the answer as it is and moves the results
    app.select_slider(key="fund_state").set_value(20.0).run()
    assert app.metric[0].value == "12,750 tỷ đồng/năm"
    assert metric(app, "Năm mọi công trình xong") == "2028"  # was "sau 2030"
    # one click sets the slider to the minimum
    app.button(key="fund_lead_apply").click().run()
    assert app.session_state["fund_state"] == 13.0
    assert metric(app, "Công trình xong đến hết 2030") == "13/13"
    assert any(c.startswith("Đang chọn: 13,000 tỷ đồng/năm. Đủ để mọi công trình xong trong kỳ.")
               for c in notes(app))


def test_moving_the_state_budget_moves_completion_years(app):
    app.select_slider(key="fund_state").set_value(20.0).run()
    assert not app.exception
    moved = moved_table(app).set_index("Mã")
    assert (moved.loc["GT-01", "Kịch bản cơ sở"], moved.loc["GT-01", "Kịch bản này"]) == ("2028", "2026")
    assert moved.loc["GT-01", "Thay đổi"] == "sớm 2 năm" and moved.loc["GT-01", "So với mốc ban đầu"] == "chậm 3 năm"
    assert moved.loc["XH-01", "Thay đổi"] == "nay xong trong kỳ"
    assert metric(app, "Công trình xong đến hết 2030") == "13/13"
    # every work with an amount is funded, but 5 works have none: the gap is not 0, it is unknown
    assert metric(app, "Còn thiếu cuối 2030 (tỷ đồng)") == "Chưa rõ"
    assert ("công trình có tổng mức đầu tư đã đủ vốn; chưa tính 5 công trình chưa có tổng mức đầu tư"
            in notes(app))
    assert len(moved) == 6 and metric(app, "Đổi năm so với kịch bản cơ sở") == "6 sớm · 0 muộn"
    less = app.select_slider(key="fund_state").set_value(5.0).run()
    moved = moved_table(less).set_index("Mã")
    assert moved.loc["GT-01", "Kịch bản này"] == "sau 2030" and moved.loc["GT-01", "Thay đổi"] == "nay không xong trong kỳ"


def test_other_inputs_recompute_too(app):
    app.slider(key="fund_overrun").set_value(30).run()
    assert moved_table(app).set_index("Mã").loc["GT-01", "Thay đổi"].startswith("muộn")
    app.radio(key="fund_rule").set_value("nearly_finished").run()
    assert not app.exception
    app.number_input(key="fund_share_dang_gpmb").set_value(90).run()
    assert not app.exception and moved_table(app) is not None


def test_reset_restores_every_default(app):
    app.select_slider(key="fund_state").set_value(42.5).run()
    app.select_slider(key="fund_nonstate").set_value(3.0).run()
    app.radio(key="fund_rule").set_value("pro_rata").run()
    app.slider(key="fund_clearance").set_value(12).run()
    app.slider(key="fund_horizon").set_value((2024, 2033)).run()
    app.number_input(key="fund_months_quy_hoach").set_value(30).run()
    assert moved_table(app) is not None
    app.button(key="fund_reset").click().run()
    assert not app.exception
    s = app.session_state
    assert (s["fund_state"], s["fund_nonstate"], s["fund_rule"], s["fund_clearance"]) == (10.0, 0.0, "priority", 0)
    assert s["fund_horizon"] == (2023, 2030) and s["fund_months_quy_hoach"] == 12
    assert moved_table(app) is None
    assert metric(app, "Công trình xong đến hết 2030") == "10/13"


def test_the_scenario_survives_a_visit_to_another_page(app):
    app.select_slider(key="fund_state").set_value(20.0).run()
    goto(app, "pages/tong_quan.py")
    goto(app, PAGE)
    assert app.session_state["fund_state"] == 20.0
    assert metric(app, "Công trình xong đến hết 2030") == "13/13"


def test_illustrative_data_are_announced(app):
    app.toggle(key="crit_demo").set_value(True).run()
    app.selectbox(key="fund_ruleset").set_value("nq111-2025").run()
    assert not app.exception
    assert any("Đang dùng dữ liệu minh hoạ — không phải số liệu thật" in w.value for w in app.warning)
    assert metric(app, "Thị trấn Trùng Khánh · loại III") == "Chưa đạt"


def test_goal_seeking_is_computed_and_can_be_applied(app):
    assert any("Cần ít nhất **12,750 tỷ đồng mỗi năm** từ 2023 để cả 13 công trình" in s.value for s in app.success)
    assert any("Không tính được: Thị trấn Trùng Khánh chưa đủ số liệu" in w.value for w in app.warning)
    app.selectbox(key="fund_goal_year").set_value(2023).run()
    assert any("Không đạt được trong phạm vi kịch bản" in w.value for w in app.warning)
    app.selectbox(key="fund_goal_year").set_value(2030).run()
    app.button(key="fund_goal_apply_all").click().run()
    assert app.session_state["fund_state"] == 13.0
    assert metric(app, "Công trình xong đến hết 2030") == "13/13"


def test_save_compare_and_export(app):
    app.select_slider(key="fund_state").set_value(20.0).run()
    app.text_input(key="fund_save_name").input("Ngân sách 20 tỷ")
    submit = next(b for b in app.button if b.label == "Lưu kịch bản")
    submit.click().run()
    assert not app.exception
    assert any("Đã lưu kịch bản «Ngân sách 20 tỷ»" in s.value for s in app.success)
    submit = next(b for b in app.button if b.label == "Lưu kịch bản")
    submit.click().run()  # the same name again
    assert any("«Ngân sách 20 tỷ» đã có" in e.value for e in app.error)
    app.button(key="fund_reset").click().run()
    app.multiselect(key="fund_compare").set_value(["Ngân sách 20 tỷ"]).run()
    assert not app.exception
    table = table_with(app, "Ngân sách 20 tỷ").set_index("Thông số, kết quả")
    assert table.loc["Vốn ngân sách nhà nước mỗi năm"].tolist() == ["10 tỷ đồng", "20 tỷ đồng"]
    assert table.loc["Công trình xong đến hết 2030"].tolist() == ["10/13", "13/13"]
    labels = {b.label for b in app.get("download_button")}
    assert {"Tải Excel (.xlsx)", "Tải JSON"} <= labels
    # open the saved scenario into the sliders
    app.button(key="fund_apply_saved").click().run()
    assert app.session_state["fund_state"] == 20.0
    assert any("«Ngân sách 20 tỷ»: Thư ký Ban Chỉ đạo lưu lúc" in n for n in notes(app))  # saved by the signed-in user
    # and delete it
    app.button(key="fund_delete").click().run()
    assert not app.exception
    assert any("Đã xoá kịch bản «Ngân sách 20 tỷ»" in s.value for s in app.success)
    from ui import frame
    audit = frame.get_db().query("SELECT actor, action FROM audit_log WHERE action LIKE '%_scenario' ORDER BY id")
    assert audit.values.tolist() == [["thu-ky-ban-chi-dao", "save_scenario"], ["thu-ky-ban-chi-dao", "delete_scenario"]]
    assert any("Chưa có kịch bản nào được lưu" in i.value for i in app.info)


def test_saving_needs_a_good_name(app):
    app.text_input(key="fund_save_name").input("<b>Đậm</b>")
    next(b for b in app.button if b.label == "Lưu kịch bản").click().run()
    errors = " ".join(e.value for e in app.error)
    assert "Tên kịch bản: không được chứa thẻ HTML" in errors


def test_a_viewer_cannot_save_or_delete(tmp_path, monkeypatch):
    at = fresh_app(tmp_path, monkeypatch, "ro.duckdb")
    at.run()
    goto(at, PAGE)
    assert not at.exception
    assert not any(b.label == "Lưu kịch bản" for b in at.button)
    assert not any(b.key == "fund_delete" for b in at.button)
    assert any("Đăng nhập bằng tài khoản thư ký" in c for c in notes(at))


def test_english(tmp_path, monkeypatch):
    at = fresh_app(tmp_path, monkeypatch, "en.duckdb")
    at.query_params["lang"] = "en"
    at.run()
    goto(at, PAGE)
    assert not at.exception
    assert at.title[0].value == "Funding scenarios"
    assert metric(at, "Works complete by end of 2030") == "10/13"
    at.select_slider(key="fund_state").set_value(20.0).run()
    moved = at.dataframe[0].value                  # the works that move, with English headers and words
    assert {"This scenario", "Baseline"} <= set(moved.columns), list(moved.columns)
    assert "Thay đổi" not in moved.columns and not moved.astype(str).apply(
        lambda c: c.str.contains("sớm|muộn|năm", regex=True)).any().any()


def test_a_stage_added_to_the_database_gets_its_inputs_and_old_scenarios_say_so(app):
    from lib import scenario, scenario_store
    from tests.auth_helpers import admin
    from tests.test_stages import _add_stage, _update_to
    from ui import frame
    db = frame.get_db()
    scenario_store.save_scenario(db, admin(db), "Trước", scenario.Scenario(2023, 2030))  # before the stage
    _add_stage(db, "cho_von", 7, label_vi="Chờ vốn", default_done_share=0.4, default_months_to_start=0)
    _update_to(db, "GT-01", "cho_von")             # in a new period, 30/06/2023
    app.run()
    app.selectbox(key="f_period").set_value("2023-06").run()
    assert not app.exception, [e.value for e in app.exception]
    # its inputs, first set to the table's defaults; the old stages keep their keys
    assert app.number_input(key="fund_share_cho_von").value == 40
    assert app.number_input(key="fund_months_cho_von").value == 0
    assert app.number_input(key="fund_share_dang_gpmb").value == 10
    assert any(m.value == "**Chờ vốn**" for m in app.markdown)
    # the saved scenario lacks the stage: it is read with the default, and the page says so
    assert any(n.startswith("«Trước»:") and "cho_von" in n and "mặc định" in n for n in notes(app))
    short = next(m.value for m in app.metric if m.label.startswith("Còn thiếu cuối"))
    app.number_input(key="fund_share_cho_von").set_value(0).run()   # GT-01 (10 tỷ) then needs 4 tỷ more
    assert not app.exception
    assert next(m.value for m in app.metric if m.label.startswith("Còn thiếu cuối")) != short
