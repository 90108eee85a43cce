"""Named funding scenarios (lib/scenario.py, scenario_store.py, scenario_towns.py, scenario_report.py)
and the charts of the what-if page (lib/charts_funding.py); the model itself: tests/test_whatif.py."""
from __future__ import annotations

import io
import json
import math

import openpyxl
import pandas as pd
import pytest

from lib import (charts_funding, criteria, funding, queries, scenario, scenario_report, scenario_store,
                 scenario_towns, whatif)
from lib.scenario import Scenario
from lib.db import ValidationError
from lib.auth import PermissionDenied  # noqa: E402
from tests.auth_helpers import admin, editor  # noqa: E402,F401

TY = 1e9


def base(**kw) -> Scenario:
    return Scenario(2023, 2030, **kw)


def problems(fn) -> list[str]:  # the Vietnamese texts
    with pytest.raises(ValidationError) as e:
        fn()
    return [str(p) for p in e.value.problems]


# -- the scenario: defaults, round trip, validation --------------------------------------

def test_default_scenario_starts_the_year_after_the_data():
    s = scenario.default_scenario(2022)
    assert (s.start_year, s.end_year) == (2023, 2030)
    assert s.state_budget_vnd == 10 * TY and s.non_state_vnd == 0 and s.rule == "priority"
    assert s.shares == dict(funding.DEFAULT_DONE_SHARE) and s.months == dict(funding.DEFAULT_MONTHS_TO_START)
    assert s.towns is None
    later = scenario.default_scenario(2031, ["tra-linh"])
    assert (later.start_year, later.end_year, later.towns) == (2032, 2039, ("tra-linh",))


def test_round_trip_through_dict_and_json():
    shares = {**funding.DEFAULT_DONE_SHARE, "dang_gpmb": 0.25}
    s = base(state_budget_vnd=10.5 * TY, non_state_vnd=2 * TY, rule="pro_rata", cost_overrun_pct=12.5,
             clearance_extra_months=6, done_share_by_stage=shares, min_build_years=2, carry_unspent=True,
             towns=["trung-khanh", "tra-linh"])
    d = s.to_dict()
    assert d["state_budget_vnd"] == 10_500_000_000 and isinstance(d["state_budget_vnd"], int)
    assert d["done_share_by_stage"]["dang_gpmb"] == 0.25 and d["towns"] == ["trung-khanh", "tra-linh"]
    assert json.loads(json.dumps(d)) == d  # plain JSON
    assert Scenario.from_dict(d) == s
    assert Scenario.from_json(s.to_json()) == s
    assert hash(Scenario.from_json(s.to_json())) == hash(s)  # hashable: a cache key


def test_missing_fields_take_their_default_and_a_missing_stage_too():
    s = Scenario.from_dict({"start_year": 2023, "end_year": 2028, "done_share_by_stage": {"dang_gpmb": 0.4}})
    assert s.state_budget_vnd == 10 * TY and s.rule == "priority"
    assert s.shares["dang_gpmb"] == 0.4 and s.shares["dang_thi_cong"] == funding.DEFAULT_DONE_SHARE["dang_thi_cong"]


@pytest.mark.parametrize("kwargs, expected", [
    ({"state_budget_vnd": -1 * TY}, "Vốn ngân sách nhà nước mỗi năm (state_budget_vnd): không được âm (-1 tỷ đồng)"),
    ({"non_state_vnd": -0.5 * TY}, "Vốn ngoài ngân sách mỗi năm (non_state_vnd): không được âm"),
    ({"state_budget_vnd": float("nan")}, "Vốn ngân sách nhà nước mỗi năm (state_budget_vnd): «nan» không phải là số"),
    ({"rule": "fastest"}, "Cách phân bổ vốn (rule): «fastest» không có; chọn một trong: priority"),
    ({"cost_overrun_pct": -5}, "Trượt giá, phát sinh (%) (cost_overrun_pct): -5 % nằm ngoài khoảng cho phép"),
    ({"clearance_extra_months": 500}, "Số tháng GPMB kéo dài thêm (clearance_extra_months): 500 tháng nằm ngoài"),
    ({"done_share_by_stage": {**funding.DEFAULT_DONE_SHARE, "dang_gpmb": 1.5}},
     "Phần đã thực hiện theo giai đoạn (done_share_by_stage), giai đoạn dang_gpmb: 1,5 nằm ngoài khoảng"),
    ({"months_to_start_by_stage": {**funding.DEFAULT_MONTHS_TO_START, "xay_moi": 3}},
     "giai đoạn không có trong danh mục: xay_moi"),
    ({"min_build_years": 1.5}, "Số năm thi công tối thiểu (min_build_years): 1,5 phải là số nguyên"),
    ({"carry_unspent": "có"}, "Chuyển vốn chưa dùng sang năm sau (carry_unspent): «có» phải là true hoặc false"),
    ({"towns": "tra-linh"}, "Địa bàn (towns): cần một danh sách mã địa bàn"),
    ({"towns": ["<b>x</b>"]}, "Địa bàn (towns): «<b>x</b>» không phải mã địa bàn hợp lệ"),
])
def test_each_problem_names_its_field_in_vietnamese(kwargs, expected):
    found = problems(lambda: base(**kwargs))
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("start, end, expected", [
    (1990, 2030, "Năm bắt đầu kỳ mô phỏng (start_year): 1.990 nằm ngoài khoảng cho phép (từ 2.000 đến 2.100)"),
    (2023, 2200, "Năm kết thúc kỳ mô phỏng (end_year): 2.200 nằm ngoài khoảng cho phép"),
    (2030, 2023, "Năm kết thúc kỳ mô phỏng (end_year): 2023 sớm hơn năm bắt đầu 2030"),
    (2023, 2060, "kỳ mô phỏng 2023-2060 dài quá 30 năm"),
    (2023.5, 2030, "Năm bắt đầu kỳ mô phỏng (start_year): 2.023,5 phải là số nguyên"),
])
def test_the_horizon_is_checked(start, end, expected):
    found = problems(lambda: Scenario(start, end))
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems(lambda: base(state_budget_vnd=-1, rule="x", cost_overrun_pct=999))
    assert len(found) == 3


def test_from_dict_refuses_unknown_fields_newer_versions_and_missing_horizon():
    found = problems(lambda: Scenario.from_dict({"end_year": 2030, "budget": 5, "version": 9,
                                                 "state_budget_vnd": "mười tỷ"}))
    text = "\n".join(found)
    assert "trường không có trong danh sách tham số: budget" in text
    assert "phiên bản 9 mới hơn phiên bản 1" in text
    assert "Năm bắt đầu kỳ mô phỏng (start_year): không được để trống" in text
    assert "(state_budget_vnd): «mười tỷ» không phải là số" in text
    assert problems(lambda: Scenario.from_dict([1, 2])) == ["Kịch bản: cần một đối tượng JSON (các cặp tên: giá trị)"]
    assert "không đọc được JSON" in problems(lambda: Scenario.from_json("{không phải json"))[0]



def test_problems_read_in_english_and_in_vietnamese():
    with pytest.raises(ValidationError) as e:
        base(state_budget_vnd=-1.5 * TY, rule="fastest", clearance_extra_months=500,
             done_share_by_stage={**funding.DEFAULT_DONE_SHARE, "dang_gpmb": 1.5})
    assert str(e.value).split("\n") == [
        "Vốn ngân sách nhà nước mỗi năm (state_budget_vnd): không được âm (-1,5 tỷ đồng)",
        "Số tháng GPMB kéo dài thêm (clearance_extra_months): 500 tháng nằm ngoài khoảng cho phép "
        "(từ 0 tháng đến 120 tháng)",
        "Phần đã thực hiện theo giai đoạn (done_share_by_stage), giai đoạn dang_gpmb: 1,5 nằm ngoài khoảng "
        "cho phép (từ 0 đến 1)",
        "Cách phân bổ vốn (rule): «fastest» không có; chọn một trong: priority (theo thứ tự ưu tiên), "
        "nearly_finished (công trình gần xong trước), pro_rata (chia theo tỷ lệ nhu cầu)"]
    assert e.value.text("en").split("\n") == [
        "State budget per year (state_budget_vnd): must not be negative (-1.5 billion VND)",
        "Extra months of site clearance (clearance_extra_months): 500 months is outside the allowed range "
        "(0 months to 120 months)",
        "Share already done by stage (done_share_by_stage), stage dang_gpmb: 1.5 is outside the allowed range "
        "(0 to 1)",
        "Allocation rule (rule): «fastest» does not exist; choose one of: priority (by priority), "
        "nearly_finished (nearly finished works first), pro_rata (pro rata to need)"]
    with pytest.raises(ValidationError) as e:
        Scenario.from_dict([1, 2])
    assert e.value.text("en") == "Scenario: needs a JSON object (name: value pairs)"


def test_a_scenario_runs_the_funding_simulation_with_its_parameters():
    works = pd.DataFrame({"work_id": ["A", "B"], "total_vnd": [10 * TY, 4 * TY], "stage": ["dang_thi_cong", "dang_gpmb"]})
    s = base(state_budget_vnd=3 * TY, non_state_vnd=1 * TY, cost_overrun_pct=10, rule="nearly_finished")
    r = whatif.run(works, s)
    expected = funding.simulate(works, funding.Assumptions(cost_overrun_pct=10),
                                funding.Envelope(2023, 2030, 3 * TY, 1 * TY), "nearly_finished")
    assert funding.completion_map(r) == funding.completion_map(expected)
    assert r.per_year["envelope_vnd"].tolist() == [4 * TY] * 8


# -- the database --------------------------------------------------------------------------

def test_save_list_load_delete(db):
    s = base(state_budget_vnd=15 * TY)
    who = editor(db, "Thư ký", "thuky")
    before = db.data_version()
    name = scenario_store.save_scenario(db, who, "  Ngân sách   15 tỷ ", s, "họp tháng 3")
    assert name == "Ngân sách 15 tỷ" and db.data_version() == before + 1
    rows = scenario_store.list_scenarios(db)
    assert rows["name"].tolist() == ["Ngân sách 15 tỷ"]
    assert rows.iloc[0]["created_by"] == "Thư ký" and rows.iloc[0]["note"] == "họp tháng 3"
    assert json.loads(rows.iloc[0]["params"])["state_budget_vnd"] == 15_000_000_000
    assert Scenario.from_json(rows.iloc[0]["params"]) == s
    audit = db.query("SELECT actor, action, detail FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (audit["actor"], audit["action"]) == ("thuky", "save_scenario") and "Ngân sách 15 tỷ" in audit["detail"]
    scenario_store.delete_scenario(db, who, name)
    assert scenario_store.list_scenarios(db).empty
    last = db.query("SELECT actor, action, old, new FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (last["actor"], last["action"]) == ("thuky", "delete_scenario")
    old = json.loads(last["old"])  # what was deleted can be read back from the audit log
    assert old["name"] == "Ngân sách 15 tỷ" and json.loads(old["params"])["state_budget_vnd"] == 15 * TY
    assert old["note"] == "họp tháng 3" and last["new"] is None


def test_names_are_unique_whatever_the_case(db):
    scenario_store.save_scenario(db, editor(db, "A"), "Kịch bản 1", base())
    other = editor(db, "B")
    version = db.data_version()
    found = problems(lambda: scenario_store.save_scenario(db, other, "kịch BẢN  1", base(state_budget_vnd=1 * TY)))
    assert found == ["Tên kịch bản: «Kịch bản 1» đã có; hãy chọn tên khác (hoặc xoá kịch bản cũ trước)"]
    assert db.data_version() == version and len(scenario_store.list_scenarios(db)) == 1


@pytest.mark.parametrize("actor, name, note, expected", [
    ("Thư ký", "<script>alert(1)</script>", None, "Tên kịch bản: không được chứa thẻ HTML"),
    ("Thư ký", "   ", None, "Tên kịch bản: không được để trống"),
    ("Thư ký", "x" * 81, None, "Tên kịch bản: dài quá 80 ký tự"),
    ("Thư ký", "Tốt", "<img src=x>", "Ghi chú: không được chứa thẻ HTML"),
])
def test_bad_names_and_notes_are_refused(db, actor, name, note, expected):
    who = editor(db, actor)
    found = problems(lambda: scenario_store.save_scenario(db, who, name, base(), note))
    assert any(expected in p for p in found), found
    assert scenario_store.list_scenarios(db).empty


@pytest.mark.parametrize("nobody", [None, "", "<b>A</b>", "Thư ký"])
def test_saving_or_deleting_needs_a_signed_in_editor(db, nobody):
    """A viewer (no identity) or a typed name is refused by the write path, whatever the form did."""
    with pytest.raises(PermissionDenied):
        scenario_store.save_scenario(db, nobody, "Tốt", base())
    assert scenario_store.list_scenarios(db).empty
    scenario_store.save_scenario(db, editor(db), "Tốt", base())
    with pytest.raises(PermissionDenied):
        scenario_store.delete_scenario(db, nobody, "Tốt")
    assert scenario_store.list_scenarios(db)["name"].tolist() == ["Tốt"]


def test_an_unknown_town_is_refused(db):
    found = problems(lambda: scenario_store.save_scenario(db, editor(db, "A"), "X", base(towns=["ha-noi"])))
    assert found == ["Địa bàn (towns): «ha-noi» không có trong danh mục địa bàn"]
    with pytest.raises(ValidationError) as e:
        scenario_store.save_scenario(db, editor(db, "A"), "", base(towns=["ha-noi"]))
    assert e.value.text("en").split("\n") == ["Scenario name: must not be empty",
                                               "Areas (towns): «ha-noi» is not in the list of areas"]


def test_nothing_is_half_written(db, monkeypatch):
    who = editor(db, "A")
    real = db.write
    version = db.data_version()
    n_audit = db.scalar("SELECT count(*) FROM audit_log")

    def failing(actor, action, fn, detail=None):
        def boom(cur):
            fn(cur)  # the row is inserted, then the power fails
            raise RuntimeError("mất điện")
        return real(actor, action, boom, detail)

    monkeypatch.setattr(db, "write", failing)
    with pytest.raises(RuntimeError):
        scenario_store.save_scenario(db, who, "Giữa chừng", base())
    assert db.scalar("SELECT count(*) FROM scenario") == 0
    assert db.scalar("SELECT count(*) FROM audit_log") == n_audit and db.data_version() == version


def test_a_damaged_scenario_names_its_field_and_a_missing_one_cannot_be_deleted(db):
    db.write(admin(db), "damage", lambda cur: cur.execute(
        "INSERT INTO scenario VALUES ('Hỏng', '{\"start_year\": 2023, \"end_year\": 2030, \"rule\": \"x\"}', "
        "'test', now(), NULL)"))
    found = problems(lambda: Scenario.from_json(db.scalar("SELECT params FROM scenario WHERE name = 'Hỏng'")))
    assert found[0].startswith("Cách phân bổ vốn (rule)")
    assert problems(lambda: scenario_store.delete_scenario(db, editor(db, "A"), "Không có")) == ["Không có kịch bản «Không có»"]
    with pytest.raises(PermissionDenied):
        scenario_store.delete_scenario(db, " ", "Hỏng")


# -- running on the programme's works ---------------------------------------------------------

def test_works_without_an_amount_are_not_simulated_never_zero(db):
    frame = whatif.funding_frame(queries.works(db))
    assert math.isnan(frame.set_index("work_id").loc["XH-03", "total_vnd"])
    assert frame.set_index("work_id").loc["XH-02", "town"] == "tra-linh"
    assert pd.isna(frame.set_index("work_id").loc["GT-01", "town"])  # area not stated
    r = whatif.run(frame, scenario.default_scenario(2022))
    assert set(r.not_simulated["work_id"]) == {"XH-03", "CT-01", "CT-02", "QH-01", "QH-02"}
    o = whatif.outcomes_of(r, scenario.default_scenario(2022))
    assert (o.n_simulated, o.n_not_simulated) == (13, 5)


def test_more_money_moves_completion_years_earlier(db):
    works = queries.works(db)
    frame = whatif.funding_frame(works)
    b = whatif.run(frame, base())
    r = whatif.run(frame, base(state_budget_vnd=20 * TY))
    moved = whatif.compare_completion(works, b, r).set_index("work_id")
    assert (moved.loc["GT-01", "base_year"], moved.loc["GT-01", "year"]) == (2028, 2026)
    assert moved.loc["GT-01", "change"] == "earlier" and moved.loc["GT-01", "change_years"] == -2
    assert moved.loc["GT-01", "delay_years"] == 3  # against the report's 2023
    assert moved.loc["XH-01", "change"] == "earlier" and pd.isna(moved.loc["XH-01", "base_year"])
    assert moved.loc["XH-04", "handed_over"] and moved.loc["XH-04", "change"] == "same"
    assert "XH-03" not in moved.index


def test_goal_all_matches_the_funding_goal_seek(db):
    frame = whatif.funding_frame(queries.works(db))
    g = whatif.goal_all(db, base(), None, 2027)
    assert g.envelope_vnd == funding.min_envelope_to_finish_all_by(frame, funding.Assumptions(), 2027, 2023)
    r = whatif.run(frame, base(state_budget_vnd=g.envelope_vnd))
    assert r.per_work["completion_year"].max() <= 2027
    tight = whatif.run(frame, base(state_budget_vnd=g.envelope_vnd - funding.PRECISION_VND))
    assert not (tight.per_work["completion_year"].dropna().max() <= 2027 and tight.per_work["completion_year"].notna().all())
    too_soon = whatif.goal_all(db, base(), None, 2023)
    assert too_soon.envelope_vnd is None and "GT-02" in too_soon.too_late  # procedures take 12 months


def test_a_town_without_data_is_not_scored_zero(db):
    p = scenario_towns.town_projection(db, "trung-khanh", criteria.DEFAULT_RULESET, False, (), (2023, 2024))
    assert p.class_code == "IV" and p.status == "chua_du_so_lieu"
    assert (p.n_scored, p.n_total) == (0, 15) and p.rows["total"].isna().all()
    assert scenario_report.town_result_text(p, 2030, "vi") == "chưa đủ số liệu để chấm điểm (đã chấm 0/15 tiêu chuẩn)"
    assert scenario_towns.class_for(db, "trung-khanh", "nq111-2025") == "III"
    assert scenario_towns.class_for(db, "tra-linh", criteria.DEFAULT_RULESET) == "V"
    g = whatif.goal_town(db, base(), None, "trung-khanh", criteria.DEFAULT_RULESET, False, 2028)
    assert g.status == "no_data" and g.envelope_vnd is None and (g.n_scored, g.n_total) == (0, 15)


def test_a_work_counts_only_for_its_own_town(db):
    assert set(scenario_towns.unattributed_links(db)["work_id"]) == {"XH-01"}  # the report gives no town
    assert "XH-01" not in set(scenario_towns.town_links(db, "trung-khanh")["work_id"])
    assert set(scenario_towns.town_links(db, "tra-linh")["work_id"]) >= {"XH-09", "XH-10", "QH-02"}


def _give_gt02_a_big_effect(db):
    """Illustration for the tests: GT-02 (Trùng Khánh) lifts group II over its minimum."""
    db.write(admin(db), "link", lambda cur: cur.execute(
        "INSERT INTO work_standard (work_id, standard_code, effect, effect_value) VALUES "
        "('GT-02', '2A.II.03', 'test', 200000), ('GT-02', '2A.II.04', 'test', 600)"))


def test_projected_score_reaches_the_class_when_the_linked_work_completes(db):
    _give_gt02_a_big_effect(db)
    links = scenario_towns.town_links(db, "trung-khanh")
    never = scenario_towns.town_projection(db, "trung-khanh", "nq111-2025", True,
                                      scenario_towns.relevant_completion(links, {}), (2026, 2027))
    assert never.status == "khong_dat" and never.uses_demo and never.pass_mark == 75
    key = scenario_towns.relevant_completion(links, {"GT-02": 2027, "XH-08": 2025})
    assert key == (("GT-02", 2027),)  # only works with a numeric effect move the score
    p = scenario_towns.town_projection(db, "trung-khanh", "nq111-2025", True, key, (2026, 2027, 2028))
    assert p.status == "dat" and p.first_year == 2027
    assert p.rows.set_index("year").loc[2026, "verdict"] == "khong_dat"


def test_goal_seeking_a_town_class_is_the_smallest_envelope(db):
    _give_gt02_a_big_effect(db)
    s = base()
    g = whatif.goal_town(db, s, None, "trung-khanh", "nq111-2025", True, 2026)
    assert g.status == "ok" and g.class_code == "III" and g.envelope_vnd > 0
    frame = whatif.funding_frame(queries.works(db))
    same = funding.min_envelope_for(lambda r: (funding.completion_map(r)["GT-02"] or 9999) <= 2026,
                                    frame, s.assumptions(), 2023, 2026)
    assert g.envelope_vnd == same
    unreachable = whatif.goal_town(db, s, None, "trung-khanh", "nq111-2025", True, 2023)
    assert unreachable.status == "unreachable" and unreachable.best_total < 75
    no_link = whatif.goal_town(db, s, None, "tra-linh", "nq111-2025", True, 2030)
    assert no_link.status == "unreachable"  # demo values fall short and no work of Trà Lĩnh moves them


# -- comparison and export --------------------------------------------------------------------

def _items(db):
    a = base()
    b = base(state_budget_vnd=20.5 * TY, rule="pro_rata", towns=["trung-khanh"])
    oa = whatif.outcomes(db, a, None, criteria.DEFAULT_RULESET, False)
    ob = whatif.outcomes(db, b, None, criteria.DEFAULT_RULESET, False)
    return [("Đang xem", a, oa), ("Ngân sách 20,5 tỷ", b, ob)]


NAMES = {"trung-khanh": "Thị trấn Trùng Khánh", "tra-linh": "Thị trấn Trà Lĩnh"}


def test_comparison_puts_parameters_and_outcomes_side_by_side(db):
    items = _items(db)
    table = scenario_report.comparison_frame(items, NAMES, {}, "vi").set_index("Thông số, kết quả")
    assert list(table.columns) == ["Đang xem", "Ngân sách 20,5 tỷ"]
    assert table.loc["Vốn ngân sách nhà nước mỗi năm"].tolist() == ["10 tỷ đồng", "20,5 tỷ đồng"]
    assert table.loc["Cách phân bổ vốn"].tolist() == ["Theo thứ tự ưu tiên", "Chia theo tỷ lệ nhu cầu"]
    assert table.loc["Địa bàn"].tolist() == ["Tất cả", "Thị trấn Trùng Khánh"]
    assert table.loc["Công trình xong đến hết 2030"].tolist()[0] == "10/13"
    assert table.loc["Thị trấn Trùng Khánh, loại IV"].tolist() == [
        "chưa đủ số liệu để chấm điểm (đã chấm 0/15 tiêu chuẩn)"] * 2
    assert table.loc["Thị trấn Trà Lĩnh, loại V"].tolist()[1] == "-"  # not among that scenario's towns
    with pytest.raises(ValueError):
        scenario_report.comparison_frame(items * 3, NAMES, {}, "vi")


def test_comparison_exports_as_xlsx_and_json(db):
    items = _items(db)
    detail = scenario_report.comparison_frame(items, NAMES, {"dang_gpmb": "Đang GPMB"}, "vi", detail=True)
    ws = openpyxl.load_workbook(io.BytesIO(scenario_report.comparison_xlsx(detail, ["Lập ngày 01/01/2026"]))).active
    assert ws.title == "So sánh kịch bản" and ws.cell(1, 1).value == "Lập ngày 01/01/2026"
    assert [c.value for c in ws[3]] == ["Thông số, kết quả", "Đang xem", "Ngân sách 20,5 tỷ"]
    labels = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert "Đã thực hiện: Đang GPMB" in labels and "Tháng đến khởi công: Đang GPMB" in labels
    data = json.loads(scenario_report.comparison_json(
        [{"name": n, "scenario": s, "outcomes": o} for n, s, o in items], {"ruleset": criteria.DEFAULT_RULESET}))
    assert data["ruleset"] == criteria.DEFAULT_RULESET
    second = data["scenarios"][1]
    assert second["name"] == "Ngân sách 20,5 tỷ" and Scenario.from_dict(second["params"]) == items[1][1]
    assert second["outcomes"]["works_not_simulated"] == ["XH-03", "CT-01", "QH-01"]
    town = second["outcomes"]["towns"][0]
    assert town["status"] == "chua_du_so_lieu" and town["first_year_reaching_class"] is None


def test_minutes_write_out_every_parameter(db):
    (_, s, o), _ = _items(db)
    text = scenario_report.minutes_markdown("Đang xem", s, o, as_of_text="tháng 12/2022", period_label="Sơ kết 01 năm",
                                      town_names=NAMES, stage_labels={"dang_gpmb": "Đang GPMB"},
                                      not_simulated_names={"XH-03": "Bãi rác"}, ruleset_name="NQ 1210",
                                      uses_demo=True, lang="vi")
    for label, _value in scenario_report.parameter_rows(s, NAMES, {}, "vi"):
        assert f"- {label}: " in text
    assert "Số liệu tính đến tháng 12/2022" in text and "Vốn ngân sách nhà nước mỗi năm: 10 tỷ đồng" in text
    assert "Đang GPMB 10 %, 6 tháng" in text and "XH-03 (Bãi rác)" in text
    assert "Đang dùng dữ liệu minh hoạ — không phải số liệu thật" in text
    english = scenario_report.minutes_markdown("Shown", s, o, as_of_text="Dec 2022", period_label="p", town_names=NAMES,
                                         stage_labels={}, not_simulated_names={}, ruleset_name="r", uses_demo=False,
                                         lang="en")
    assert "State budget per year: 10 billion VND" in english


def test_envelope_to_state_rounds_up_to_the_slider_step():
    assert scenario.envelope_to_state(12.75 * TY, 0, TY / 2) == 13 * TY
    assert scenario.envelope_to_state(12.5 * TY, 2 * TY, TY / 2) == 10.5 * TY
    assert scenario.envelope_to_state(1 * TY, 5 * TY, TY / 2) == 0


# -- charts -------------------------------------------------------------------------------------

def _data(spec, layer):
    return spec["datasets"][layer["data"]["name"]]


def test_need_chart_stacks_funded_and_unfunded_with_the_envelope():
    rows = pd.DataFrame({"year": [2023, 2024], "funded_ty": [2.5, 10.0], "unfunded_ty": [0.0, 79.2],
                         "envelope_ty": [10.0, 10.0]})
    labels = {"year": "Năm", "amount": "Tỷ đồng", "funded": "Được bố trí vốn", "unfunded": "Chưa có vốn",
              "envelope": "Vốn trong năm"}
    spec = charts_funding.need_by_year(rows, "Đến hết 2030 còn 19 tỷ đồng chưa có vốn", labels).to_dict()
    bars, line = spec["layer"]
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["y"]["stack"] == "zero"
    assert bars["encoding"]["order"]["field"] == "kind_order"
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Được bố trí vốn", "Chưa có vốn", "Vốn trong năm"]
    assert scale["range"] == [charts_funding.FUNDED, charts_funding.UNFUNDED, charts_funding.ENVELOPE]
    assert line["mark"]["type"] == "line" and line["mark"]["strokeDash"] == [6, 4]
    assert {r["kind"] for r in _data(spec, bars)} == {"Được bố trí vốn", "Chưa có vốn"}
    assert spec["config"]["locale"]["number"]["decimal"] == ","  # 1.036,5 in Vietnamese
    assert spec["title"] == "Đến hết 2030 còn 19 tỷ đồng chưa có vốn"
    assert spec["config"]["axis"]["labelFontSize"] >= 16 and spec["config"]["title"]["fontSize"] >= 16


def test_timeline_shows_baseline_and_scenario_per_work_with_an_after_column():
    rows = pd.DataFrame({"label": ["GT-01 · Đường", "XH-01 · Nhà văn hoá"], "base_year": pd.array([2028, None], "Int64"),
                         "year": pd.array([2026, 2029], "Int64"), "change": ["earlier", "earlier"],
                         "base_text": ["2028", "sau 2030"], "year_text": ["2026", "2029"]})
    labels = {"year": "Năm", "after": "Sau 2030", "baseline": "Kịch bản cơ sở", "earlier": "Sớm hơn",
              "later": "Muộn hơn", "same": "Không đổi", "base_col": "Cơ sở", "year_col": "Này"}
    spec = charts_funding.timeline(rows, "2 công trình xong sớm hơn", labels, 2023, 2030).to_dict()
    link, base_layer, cur = spec["layer"]
    assert spec["height"] == {"step": 30}
    assert base_layer["mark"]["filled"] is False and cur["mark"]["filled"] is True
    assert cur["encoding"]["shape"]["scale"]["range"] == ["circle", "triangle-left", "triangle-right", "diamond"]
    assert cur["encoding"]["color"]["scale"]["domain"][0] == "Kịch bản cơ sở"
    base_rows = {r["label"]: r for r in _data(spec, base_layer)}
    assert base_rows["XH-01 · Nhà văn hoá"]["base_x"] == 2031  # not within the horizon: the "after" column
    axis = link["encoding"]["x"]["axis"]
    assert axis["values"][-1] == 2031 and "'Sau 2030'" in axis["labelExpr"]
    assert link["encoding"]["y"]["sort"] == ["GT-01 · Đường", "XH-01 · Nhà văn hoá"]


def test_town_scores_draw_known_scores_with_a_rule_at_the_pass_mark():
    rows = pd.DataFrame({"year": [2023, 2024, 2023], "town_label": ["Trùng Khánh", "Trùng Khánh", "Trà Lĩnh"],
                         "total": [74.2, 76.0, float("nan")]})
    labels = {"year": "Năm", "points": "Tổng điểm", "pass": "Điểm đạt 75"}
    spec = charts_funding.town_scores(rows, 75.0, "Trùng Khánh đạt loại III từ năm 2024", labels).to_dict()
    lines, rule, text = spec["layer"]
    assert lines["mark"]["type"] == "line"
    assert [r["year"] for r in _data(spec, lines)] == [2023, 2024]  # the unknown score is not drawn as 0
    assert rule["mark"]["type"] == "rule" and _data(spec, rule)[0]["y"] == 75.0
    assert text["mark"]["type"] == "text" and text["mark"]["fontSize"] >= 16
    assert _data(spec, text)[0]["label"] == "Điểm đạt 75"
    assert lines["encoding"]["y"]["scale"]["domain"][0] <= 74.2 and lines["encoding"]["y"]["scale"]["domain"][1] >= 76
    assert lines["encoding"]["strokeDash"]["field"] == "town_label"  # not colour alone
