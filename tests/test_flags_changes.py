"""What changed since the previous period (lib/changes.py), and the flags page's figures agreeing
with its lists (one row per work) through the real app (Streamlit AppTest)."""
import os
import re
from datetime import date

import pandas as pd
import pytest

from lib import changes, flags, updates
from lib.updates import Period, Update
from tests.test_app import goto, new_app
from tests.auth_helpers import admin, editor  # noqa: E402,F401
from tests.conftest import seeded  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECOND = Period(id="2024-01", label_vi="Kỳ tháng 1/2024", as_of=date(2024, 1, 15))
SLIP_NOTE = "Vướng GPMB 3 hộ dân (chưa thống nhất) đền bù, lùi sang 2025"


def add_second_period(db):
    """Through the one write path: a hand-over, a slip with its reason, a new stage."""
    updates.record(db, editor(db, "Thư ký Ban Chỉ đạo"), SECOND, [
        Update("XH-09", stage="da_ban_giao", physical_pct=100),
        Update("GT-01", stage="dang_gpmb", expected_year=2025, note=SLIP_NOTE, delay_cause="gpmb"),
        Update("XH-07", stage="dang_thi_cong", physical_pct=10),
    ], new_period=True)


def kinds(rows: pd.DataFrame) -> dict[str, list[str]]:
    return {k: list(rows.loc[rows["kind"] == k, "work_id"]) for k in changes.KINDS}


# -- lib ----------------------------------------------------------------------------------------------
def test_default_data_have_no_previous_period(db):
    c = changes.compare(db)
    assert (c.period_id, c.previous_id, c.has_previous) == ("2022-12", None, False)
    assert c.rows.empty and list(c.rows.columns) == list(changes.COLUMNS)
    assert changes.changes_since_previous(db).empty
    text = changes.no_previous_text(c)
    assert text.startswith("Chưa có kỳ báo cáo trước để so sánh")
    assert changes.no_previous_text(c, "en").startswith("No previous reporting period")


def test_a_second_period_with_a_slip_a_hand_over_and_a_new_stage(db):
    add_second_period(db)
    c = changes.compare(db)
    assert (c.period_id, c.previous_id, c.has_previous) == ("2024-01", "2022-12", True)
    assert (c.as_of, c.previous_as_of) == (date(2024, 1, 15), date(2022, 12, 31))
    got = kinds(c.rows)
    # overdue or red on 15/01/2024, neither on 31/12/2022: red ones first
    assert got["newly_late"] == ['GT-02', 'XH-02', 'XH-08', 'XH-10', 'XH-11', 'XH-12', 'XH-01', 'XH-07']
    assert "XH-09" not in got["newly_late"] and "GT-01" not in got["newly_late"]   # handed over; slipped to 2025
    assert got["slipped"] == ["GT-01"] and got["handed_over"] == ["XH-09"] and got["stage_changed"] == ["XH-07"]
    slip = c.of("slipped").iloc[0]
    assert (slip["old_year"], slip["new_year"], slip["cause"]) == (2023, 2025, "gpmb")
    assert slip["note"] == SLIP_NOTE
    assert slip["message"] == "Năm dự kiến hoàn thành lùi từ 2023 sang 2025 (chậm thêm 2 năm)"
    late = c.of("newly_late").set_index("work_id")
    assert late.loc["XH-10", "severity"] == "red"
    assert late.loc["XH-10", "message"] == "Dự kiến hoàn thành 2022, đến 15/01/2024 chưa bàn giao: chậm 12 tháng"
    assert late.loc["XH-07", "severity"] == "amber"
    hand = c.of("handed_over").iloc[0]
    assert (hand["old_stage"], hand["new_stage"], hand["as_of"]) == ("dang_thi_cong", "da_ban_giao", date(2024, 1, 15))
    assert c.of("stage_changed").iloc[0]["message"] == "Đang hoàn thiện thủ tục → Đang thi công"
    assert c.counts() == {"newly_late": 8, "slipped": 1, "handed_over": 1, "stage_changed": 1}
    # the same rows through the simple entry points the slides call
    pd.testing.assert_frame_equal(changes.changes_since_previous(db, "2024-01"), c.rows)
    pd.testing.assert_frame_equal(flags.changes_since_previous(db), c.rows)
    # the older period has nothing before it
    assert not changes.compare(db, "2022-12").has_previous


def test_changes_follow_the_towns_and_the_language(db):
    add_second_period(db)
    tl = changes.compare(db, None, ["tra-linh"])
    assert kinds(tl.rows)["handed_over"] == ["XH-09"] and "GT-01" not in set(tl.rows["work_id"])
    en = changes.compare(db, lang="en")
    assert en.of("slipped").iloc[0]["message"] == "Expected completion moved from 2023 to 2025 (2 more years)"
    rows = changes.table_rows(en.rows, "en")
    assert rows.loc[rows["kind"] == "stage_changed", "kind_label"].tolist() == ["New stage"]


def test_the_changes_table_escapes_the_note(db):
    add_second_period(db)
    rows = changes.compare(db).rows
    rows.loc[rows["kind"] == "slipped", "note"] = "<script>x</script>"
    out = changes.CHANGES_TABLE.html(changes.table_rows(rows), "vi")
    assert "&lt;script&gt;" in out and "<script>" not in out
    assert "GT-01 · " in out and "Lùi năm hoàn thành" in out


def test_pure_core_an_earlier_year_is_not_a_slip():
    works = pd.DataFrame([{"id": "A", "name": "A", "total_investment_vnd": 1, "baseline_year": 2026,
                           "area_ids": ["x"]}])
    history = pd.DataFrame([
        {"id": 1, "work_id": "A", "period_id": "2023-06", "as_of": date(2023, 6, 30), "stage": "dang_thi_cong",
         "physical_pct": 10.0, "expected_year": 2026, "delay_cause": None, "note": None},
        {"id": 2, "work_id": "A", "period_id": "2023-12", "as_of": date(2023, 12, 31), "stage": "dang_thi_cong",
         "physical_pct": 50.0, "expected_year": 2025, "delay_cause": None, "note": "  "},
    ])
    rows = changes.changes_between(works, history, date(2023, 6, 30), date(2023, 12, 31))
    assert rows.empty and list(rows.columns) == list(changes.COLUMNS)


# -- the page, through the real app ---------------------------------------------------------------------
@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    return new_app(tmp_path)


ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
WORK_ID = re.compile(r"\b(?:GT|XH|CT|QH)-\d{2}\b")


def work_tables(at) -> list[list[tuple[str, str]]]:
    """Every per-work flags table of the page: its rows as (severity class, work id)."""
    out = []
    for h in at.html:
        if 'data-table="flags_by_work"' not in h.value:
            continue
        body = h.value.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        rows = []
        for row in ROW.findall(body):
            sev = re.search(r'ct07-mark ct07-(red|amber)', row).group(1)
            rows.append((sev, WORK_ID.search(row).group(0)))
        out.append(rows)
    return out


def figure(metric) -> int:
    return int(re.match(r"\d+", metric.value).group(0))


def test_flags_page_figures_equal_its_lists(app):
    app.query_params["eval"] = "2024-01-01"
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception, [e.value for e in app.exception]
    assert app.text_input(key="eval_date").value == "01/01/2024"
    red, amber, clear = (figure(m) for m in app.metric[:3])
    assert (red, amber, clear) == (8, 7, 3)
    red_rows, amber_rows = work_tables(app)
    assert len(red_rows) == red and {s for s, _ in red_rows} == {"red"}
    assert len(amber_rows) == amber and {s for s, _ in amber_rows} == {"amber"}
    for rows in (red_rows, amber_rows):
        ids = [w for _, w in rows]
        assert len(ids) == len(set(ids)), f"a work listed twice: {ids}"
    assert not {w for _, w in red_rows} & {w for _, w in amber_rows}
    heads = [h.value for h in app.subheader]
    assert "Đỏ: cần xử lý ngay (8)" in heads and "Vàng: cần theo dõi (7)" in heads
    assert heads.index("Đỏ: cần xử lý ngay (8)") < heads.index("Vàng: cần theo dõi (7)")
    page = " ".join(h.value for h in app.html)
    assert "Dự kiến hoàn thành 2022, đến 01/01/2024 chưa bàn giao: chậm 12 tháng" in page
    assert "(suy ra từ giai đoạn)" in page and "Đang GPMB, song song tổ chức thi công." in page
    # what changed: one period only, said in words, no empty table
    assert any(i.value.startswith("Chưa có kỳ báo cáo trước để so sánh") for i in app.info)
    assert not any('data-table="flags_changes"' in h.value for h in app.html)
    # the date control comes before the lists, the rule filter after them
    assert app.pills(key="flags_rules").value == list(flags.RULES)


def test_the_rule_filter_changes_figures_and_lists_together(app):
    app.query_params["eval"] = "2024-01-01"
    app.run()
    goto(app, "pages/canh_bao.py")
    app.pills(key="flags_rules").set_value(["overdue"]).run()
    assert not app.exception
    red, amber = figure(app.metric[0]), figure(app.metric[1])
    red_rows, amber_rows = work_tables(app)
    assert (red, amber) == (len(red_rows), len(amber_rows)) == (8, 2)


def test_flags_page_lists_the_changes_of_a_second_period(app, tmp_path):
    from lib.seed import open_database
    db = open_database(tmp_path / "app.duckdb")
    add_second_period(db)
    db.close()
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception, [e.value for e in app.exception]
    table = next(h.value for h in app.html if 'data-table="flags_changes"' in h.value)
    assert "Lùi năm hoàn thành" in table and "GT-01 · " in table and "Vướng GPMB 3 hộ dân (chưa thống nhất)" in table
    assert "Đã bàn giao" in table and "XH-09" in table and "Chuyển giai đoạn" in table
    red, amber = figure(app.metric[0]), figure(app.metric[1])
    red_rows, amber_rows = work_tables(app)
    assert (red, amber) == (len(red_rows), len(amber_rows))


def test_flags_page_in_english(app):
    app.query_params["eval"] = "2024-01-01"
    app.query_params["lang"] = "en"
    app.run()
    goto(app, "pages/canh_bao.py")
    assert not app.exception, [e.value for e in app.exception]
    assert (app.metric[0].label, app.metric[0].value) == ("Works flagged red", "8")
    assert "Red: act now (8)" in [h.value for h in app.subheader]
    assert any(i.value.startswith("No previous reporting period") for i in app.info)
