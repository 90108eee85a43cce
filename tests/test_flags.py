"""Delay flags (lib/flags.py): definitions, boundaries of every threshold, the default data, properties."""
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import flags, queries
from lib import db as dbmod
from lib.db import Database
from lib.flags import Thresholds, add_months, flag_works, whole_months
from lib.i18n import catalogue
from tests.auth_helpers import admin, editor  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
D = date.fromisoformat


# -- synthetic inputs -------------------------------------------------------------------------
def work(id="W-1", total=1_000_000_000, baseline=2022, areas=("trung-khanh",)):
    return {"id": id, "name": f"Công trình {id}", "total_investment_vnd": total,
            "baseline_year": baseline, "area_ids": list(areas)}


_seq = iter(range(1, 10**9))


def upd(as_of="2022-12-31", stage="dang_thi_cong", expected=2022, pct=None, cause=None,
        work_id="W-1", period=None):
    d = D(as_of) if isinstance(as_of, str) else as_of
    return {"id": next(_seq), "work_id": work_id, "period_id": period or f"{d:%Y-%m}", "as_of": d,
            "stage": stage, "physical_pct": pct, "expected_year": expected, "delay_cause": cause}


def run(updates, eval_date, works=None, th=None, lang="vi", plan=None):
    works = pd.DataFrame(works or [work()])
    history = pd.DataFrame(updates, columns=["id", "work_id", "period_id", "as_of", "stage",
                                             "physical_pct", "expected_year", "delay_cause"])
    ev = D(eval_date) if isinstance(eval_date, str) else eval_date
    return flag_works(works, history, ev, th or Thresholds(), lang, plan)


def only(f, rule):
    rows = f[f["rule"] == rule]
    assert len(rows) <= 1
    return None if rows.empty else rows.iloc[0]


# -- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("start,months,end", [
    ("2022-12-31", 3, "2023-03-31"), ("2022-12-31", 2, "2023-02-28"), ("2023-12-31", 2, "2024-02-29"),
    ("2022-12-31", 12, "2023-12-31"), ("2023-12-31", -3, "2023-09-30"), ("2022-01-15", 1, "2022-02-15"),
])
def test_add_months_clamps_to_month_end(start, months, end):
    assert add_months(D(start), months) == D(end)


@pytest.mark.parametrize("start,end,months", [
    ("2022-12-31", "2022-12-31", 0), ("2022-12-31", "2023-01-01", 0), ("2022-12-31", "2023-01-31", 1),
    ("2022-12-31", "2023-02-27", 1), ("2022-12-31", "2023-02-28", 2), ("2022-12-31", "2023-03-30", 2),
    ("2022-12-31", "2023-03-31", 3), ("2022-12-31", "2023-12-30", 11), ("2022-12-31", "2023-12-31", 12),
    ("2022-12-31", "2020-01-01", 0),
])
def test_whole_months(start, end, months):
    assert whole_months(D(start), D(end)) == months


def test_due_date_is_the_last_day_of_the_expected_year():
    assert flags.due_date(2022) == D("2022-12-31")
    assert flags.due_date(None) is None and flags.due_date(float("nan")) is None


# -- overdue --------------------------------------------------------------------------------------
@pytest.mark.parametrize("eval_date,overdue,severity,months,grade", [
    ("2022-12-31", False, None, None, None),           # the due date itself: last day of grace
    ("2023-01-01", True, "amber", 0, "new"),            # one day after
    ("2023-03-30", True, "amber", 2, "new"),            # delayed threshold (3 months) - 1 day
    ("2023-03-31", True, "amber", 3, "delayed"),        # exactly 3 months
    ("2023-04-01", True, "amber", 3, "delayed"),
    ("2023-12-30", True, "amber", 11, "delayed"),       # red threshold (12 months) - 1 day
    ("2023-12-31", True, "red", 12, "late"),            # exactly 12 months
    ("2024-01-01", True, "red", 12, "late"),
    ("2025-12-30", True, "red", 35, "late"),            # severe threshold (36 months) - 1 day
    ("2025-12-31", True, "red", 36, "severe"),
    ("2026-01-01", True, "red", 36, "severe"),
])
def test_overdue_boundaries(eval_date, overdue, severity, months, grade):
    f = run([upd(stage="dang_thi_cong", expected=2022)], eval_date)
    row = only(f, "overdue")
    assert (row is not None) == overdue
    if overdue:
        assert (row["severity"], row["months_late"], row["grade"]) == (severity, months, grade)
        assert row["since"] == D("2023-01-01") and row["due_date"] == D("2022-12-31")
        assert ("chậm nghiêm trọng" in row["message"]) == (grade == "severe")
        assert only(f, "at_risk") is None  # overdue and at risk exclude each other


def test_overdue_messages():
    f = run([upd(expected=2022)], "2023-12-31")
    assert only(f, "overdue")["message"] == "Dự kiến hoàn thành 2022, đến 31/12/2023 chưa bàn giao: chậm 12 tháng"
    assert only(run([upd(expected=2022)], "2023-01-10"), "overdue")["message"] == \
        "Dự kiến hoàn thành 2022, đến 10/01/2023 chưa bàn giao: quá hạn 10 ngày"
    en = only(run([upd(expected=2022)], "2026-01-01", lang="en"), "overdue")["message"]
    assert "36 months late" in en and "severely" in en


def test_thresholds_move_the_grades():
    th = Thresholds(overdue_delayed_months=0, overdue_red_months=1, overdue_severe_months=2)
    assert only(run([upd(expected=2022)], "2023-01-01", th=th), "overdue")["grade"] == "delayed"
    assert only(run([upd(expected=2022)], "2023-01-31", th=th), "overdue")["severity"] == "red"


def test_only_updates_up_to_the_evaluation_date_count():
    history = [upd("2022-12-31", "dang_thi_cong", 2022), upd("2023-06-30", "da_ban_giao", 2022)]
    assert only(run(history, "2023-06-29"), "overdue") is not None
    after = run(history, "2023-06-30")
    assert after.empty or set(after["rule"]) <= {"incomplete"}
    # a later expected year recorded after the evaluation date is not known yet
    history = [upd("2022-12-31", expected=2022), upd("2023-03-31", expected=2024)]
    assert only(run(history, "2023-03-30"), "overdue") is not None
    assert only(run(history, "2023-03-31"), "overdue") is None


# -- at risk --------------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", ["quy_hoach", "hoan_thien_thu_tuc", "dang_gpmb", None])
@pytest.mark.parametrize("eval_date,at_risk,left", [
    ("2022-12-30", False, None),   # due 31/12/2023 is 12 months + 1 day away
    ("2022-12-31", True, 12),      # exactly 12 months
    ("2023-01-01", True, 11),
    ("2023-12-31", True, 0),       # the due date itself
    ("2024-01-01", False, None),   # overdue instead
])
def test_at_risk_early_stages_boundaries(stage, eval_date, at_risk, left):
    f = run([upd("2022-06-30", stage, 2023)], eval_date)
    row = only(f, "at_risk")
    assert (row is not None) == at_risk
    if at_risk:
        # on the due date itself a work still in procedures (quy_hoach, hoan_thien_thu_tuc) is red
        red = left == 0 and stage in ("quy_hoach", "hoan_thien_thu_tuc")
        assert row["months_left"] == left and row["severity"] == ("red" if red else "amber")
        assert row["since"] == (D("2023-12-31") if red else D("2022-12-31"))
        expected = f"còn {left} tháng, " if left else "đến hạn hôm nay (31/12/2023), "
        assert row["message"].startswith("Dự kiến hoàn thành 2023, " + expected)


def test_due_today_is_said_so_and_the_days_before_are_under_a_month():
    today = only(run([upd("2022-06-30", "dang_gpmb", 2023)], "2023-12-31"), "at_risk")["message"]
    assert today == "Dự kiến hoàn thành 2023, đến hạn hôm nay (31/12/2023), vẫn đang GPMB"
    assert "dưới 1 tháng" not in today
    before = only(run([upd("2022-06-30", "dang_gpmb", 2023)], "2023-12-30"), "at_risk")["message"]
    assert before == "Dự kiến hoàn thành 2023, đến hạn 31/12/2023 (còn dưới 1 tháng), vẫn đang GPMB"
    en = only(run([upd("2022-06-30", "dang_gpmb", 2023)], "2023-12-31", lang="en"), "at_risk")["message"]
    assert en == "Expected in 2023, due today (31 Dec 2023), still clearing the site"


@pytest.mark.parametrize("stage,red", [("quy_hoach", True), ("hoan_thien_thu_tuc", True),
                                       ("dang_gpmb", False), ("dang_thi_cong", False), (None, False)])
def test_still_in_procedures_on_or_after_the_due_date_is_red(stage, red):
    history = [upd("2022-12-31", stage, 2023)]
    before = only(run(history, "2023-12-30"), "at_risk")
    assert before is None or before["severity"] == "amber"         # not yet due: amber at most
    due = only(run(history, "2023-12-31"), "at_risk")
    assert due is not None and due["severity"] == ("red" if red else "amber")
    over = only(run(history, "2024-01-01"), "overdue")              # the first day after: 0 months late
    assert over["months_late"] == 0 and over["grade"] == "new"
    assert over["severity"] == ("red" if red else "amber")
    if red:
        assert due["grade"] == "due_in_procedures" and due["since"] == D("2023-12-31")
        assert over["since"] == D("2024-01-01")
        stage_text = {"quy_hoach": "vẫn đang ở giai đoạn quy hoạch",
                      "hoan_thien_thu_tuc": "vẫn đang hoàn thiện thủ tục"}[stage]
        assert over["message"] == f"Dự kiến hoàn thành 2023, đến 01/01/2024 chưa bàn giao: quá hạn 1 ngày; {stage_text}"
    else:
        assert over["message"] == "Dự kiến hoàn thành 2023, đến 01/01/2024 chưa bàn giao: quá hạn 1 ngày"
    # once the procedures are done the ordinary grades apply again
    moved = history + [upd("2024-01-01", "dang_thi_cong", 2023)]
    assert only(run(moved, "2024-01-01"), "overdue")["severity"] == "amber"


@pytest.mark.parametrize("eval_date,at_risk", [
    ("2022-09-30", False),  # 31/12/2022 is more than 3 months away (30/09 + 3 months = 30/12)
    ("2022-10-01", True),   # first day within 3 months
    ("2022-10-02", True),
    ("2022-12-31", True),
    ("2023-01-01", False),
])
def test_at_risk_under_construction_boundaries(eval_date, at_risk):
    f = run([upd("2022-06-30", "dang_thi_cong", 2022)], eval_date)
    row = only(f, "at_risk")
    assert (row is not None) == at_risk
    if at_risk:
        assert row["since"] == D("2022-10-01")


def test_at_risk_under_construction_message_and_progress():
    f = run([upd("2022-12-31", "dang_thi_cong", 2022)], "2022-12-31")
    assert only(f, "at_risk")["message"] == \
        "Dự kiến hoàn thành 2022, đến hạn hôm nay (31/12/2022), đang thi công, chưa rõ khối lượng"
    assert only(f, "at_risk")["severity"] == "amber"                  # construction: amber even on the day
    f = run([upd("2022-12-31", "dang_thi_cong", 2022, pct=99.5)], "2022-12-31")
    assert "đạt 99,5 %" in only(f, "at_risk")["message"]
    assert only(run([upd("2022-12-31", "dang_thi_cong", 2022, pct=100)], "2022-12-31"), "at_risk") is None
    th0 = Thresholds(at_risk_construction_months=0)
    assert only(run([upd("2022-06-30", "dang_thi_cong", 2022)], "2022-12-30", th=th0), "at_risk") is None
    assert only(run([upd("2022-06-30", "dang_thi_cong", 2022)], "2022-12-31", th=th0), "at_risk") is not None


def test_no_at_risk_without_expected_year_or_when_paused():
    assert only(run([upd(stage="dang_gpmb", expected=None)], "2022-12-31"), "at_risk") is None
    assert only(run([upd(stage="tam_dung", expected=2022)], "2022-12-31"), "at_risk") is None


# -- slipped --------------------------------------------------------------------------------------
def test_slipped_counts_years_and_changes():
    history = [upd("2022-12-31", expected=2022), upd("2023-06-30", expected=2023),
               upd("2023-12-31", expected=None), upd("2024-06-30", expected=2024)]
    row = only(run(history, "2024-06-30"), "slipped")
    assert (row["years_slipped"], row["n_changes"], row["severity"]) == (2, 2, "amber")
    assert row["since"] == D("2023-06-30")
    assert row["message"] == ("Dự kiến hoàn thành lùi từ 2022 sang 2024: chậm 2 năm so với kế hoạch "
                              "ban đầu, 2 lần thay đổi")
    assert only(run(history, "2023-06-29"), "slipped") is None   # boundary: the day before the change
    assert only(run(history, "2023-06-30"), "slipped")["years_slipped"] == 1


def test_slipped_back_and_forth():
    history = [upd("2022-12-31", expected=2022), upd("2023-06-30", expected=2024),
               upd("2023-12-31", expected=2023)]
    row = only(run(history, "2023-12-31"), "slipped")
    assert (row["years_slipped"], row["n_changes"]) == (1, 2)
    history.append(upd("2024-03-31", expected=2022))
    assert only(run(history, "2024-03-31"), "slipped") is None   # back on the baseline
    assert only(run([upd(expected=2021)], "2022-12-31"), "slipped") is None  # brought forward
    assert only(run([upd(expected=2024)], "2022-12-31", works=[work(baseline=None)]), "slipped") is None


def test_slip_and_new_due_date_work_together():
    """A slipped work is judged against its current expected year."""
    history = [upd("2022-12-31", expected=2022), upd("2023-06-30", expected=2023)]
    f = run(history, "2023-12-31")
    assert only(f, "overdue") is None and only(f, "at_risk") is not None and only(f, "slipped") is not None


# -- stalled --------------------------------------------------------------------------------------
def test_paused_is_red_since_the_pause():
    history = [upd("2022-06-30", "dang_thi_cong", 2024), upd("2022-12-31", "tam_dung", 2024),
               upd("2023-06-30", "tam_dung", 2024)]
    row = only(run(history, "2023-06-30"), "stalled")
    assert (row["severity"], row["grade"], row["since"]) == ("red", "paused", D("2022-12-31"))
    assert row["message"] == "Tạm dừng (từ kỳ cập nhật 31/12/2022)"


def test_no_progress_across_periods():
    same = [upd("2022-06-30", "dang_gpmb", 2024, pct=10), upd("2022-12-31", "dang_gpmb", 2024, pct=10)]
    row = only(run(same, "2022-12-31"), "stalled")
    assert (row["severity"], row["periods_unchanged"], row["since"]) == ("amber", 2, D("2022-12-31"))
    assert row["message"] == "Không tiến triển qua 2 kỳ báo cáo liên tiếp (từ 30/06/2022): vẫn đang GPMB"
    assert only(run(same, "2022-12-30"), "stalled") is None     # the second period is not known yet
    assert only(run(same, "2022-12-31", th=Thresholds(stalled_periods=3)), "stalled") is None
    three = [upd("2022-03-31", "dang_gpmb", 2024, pct=10)] + same
    assert only(run(three, "2022-12-31", th=Thresholds(stalled_periods=3)), "stalled") is not None
    moved = [same[0], upd("2022-12-31", "dang_gpmb", 2024, pct=20)]
    assert only(run(moved, "2022-12-31"), "stalled") is None
    unknown = [upd("2022-06-30", None, 2024), upd("2022-12-31", None, 2024)]
    assert only(run(unknown, "2022-12-31"), "stalled") is None  # no stage is 'incomplete', not 'stalled'


def test_two_updates_in_one_period_are_one_period():
    history = [upd("2022-12-01", "dang_gpmb", 2024, period="2022-12"),
               upd("2022-12-31", "dang_gpmb", 2024, period="2022-12")]
    assert only(run(history, "2022-12-31"), "stalled") is None


# -- stale ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("eval_date,days,stale", [
    ("2023-06-28", 179, False), ("2023-06-29", 180, False), ("2023-06-30", 181, True),
])
def test_stale_boundaries(eval_date, days, stale):
    row = only(run([upd("2022-12-31", "dang_thi_cong", 2030)], eval_date), "stale")
    assert (row is not None) == stale
    if stale:
        assert row["days_since_update"] == days and row["since"] == D("2023-06-30")
        assert row["message"] == "Chưa cập nhật 181 ngày (lần cuối 31/12/2022, ngưỡng 180 ngày)"


def test_update_dates_in_sentences_honour_the_period_precision():
    """A period known to the month only ("tháng 12/2022") is not worded as a day."""
    def history(precision):
        rows = [dict(upd("2022-06-30", "tam_dung", 2030), as_of_precision="day"),
                dict(upd("2022-12-31", "tam_dung", 2030), as_of_precision=precision)]
        return pd.DataFrame(rows)
    works = pd.DataFrame([work()])
    month = flag_works(works, history("month"), D("2023-12-31"))
    assert only(month, "stale")["message"] == "Chưa cập nhật 365 ngày (lần cuối tháng 12/2022, ngưỡng 180 ngày)"
    assert only(month, "stalled")["message"] == "Tạm dừng (từ kỳ cập nhật 30/06/2022)"   # a day-precise update
    day = flag_works(works, history("day"), D("2023-12-31"))
    assert only(day, "stale")["message"] == "Chưa cập nhật 365 ngày (lần cuối 31/12/2022, ngưỡng 180 ngày)"
    en = flag_works(works, history("month"), D("2023-12-31"), lang="en")
    assert "last December 2022" in only(en, "stale")["message"]


# -- incomplete -----------------------------------------------------------------------------------
def test_incomplete_lists_what_is_missing():
    works = [work("A", total=None, areas=()), work("B"), work("C"), work("D", total=None)]
    history = [upd(work_id="A", stage=None, expected=None), upd(work_id="B", expected=2030),
               upd(work_id="D", stage="da_ban_giao", expected=None)]
    f = run(history, "2022-12-31", works=works)
    inc = f[f["rule"] == "incomplete"].set_index("work_id")
    assert inc.loc["A", "missing"] == ["investment", "expected_year", "area", "stage"]
    assert inc.loc["A", "message"] == \
        "Thiếu số liệu: tổng mức đầu tư, năm dự kiến hoàn thành, địa bàn, giai đoạn"
    assert "B" not in inc.index
    assert inc.loc["C", "missing"] == ["expected_year", "status"]
    assert inc.loc["D", "missing"] == ["investment"]  # handed over: no expected year needed
    assert (inc["severity"] == "amber").all() and inc["cause"].isna().all()


# -- causes ---------------------------------------------------------------------------------------
def test_cause_recorded_or_inferred():
    f = run([upd(stage="dang_gpmb", expected=2022)], "2023-06-30")
    row = only(f, "overdue")
    assert (row["cause"], row["cause_inferred"]) == ("gpmb", True)
    assert only(f, "stale")["cause"] is None or pd.isna(only(f, "stale")["cause"])
    row = only(run([upd(stage="hoan_thien_thu_tuc", expected=2022)], "2023-06-30"), "overdue")
    assert (row["cause"], row["cause_inferred"]) == ("thu_tuc", True)
    history = [upd("2022-06-30", "dang_gpmb", 2022, cause="von"), upd("2022-12-31", "dang_gpmb", 2022)]
    row = only(run(history, "2023-06-30"), "overdue")
    assert (row["cause"], row["cause_inferred"]) == ("von", False)   # the newest recorded cause
    row = only(run([upd(stage="dang_thi_cong", expected=2022)], "2023-06-30"), "overdue")
    assert pd.isna(row["cause"]) and not row["cause_inferred"]


# -- funding gap ----------------------------------------------------------------------------------
def test_funding_gap_needs_a_plan():
    assert run([upd(expected=2024)], "2023-01-01").query("rule == 'funding_gap'").empty
    empty = pd.DataFrame(columns=["work_id", "year", "allocated_vnd"])
    assert run([upd(expected=2024)], "2023-01-01", plan=empty).query("rule == 'funding_gap'").empty


def test_funding_gap_with_a_plan():
    works = [work("A"), work("B"), work("C"), work("D"), work("E", total=None)]
    history = [upd(work_id=w, expected=2024) for w in "ABCE"] + [upd(work_id="D", stage="da_ban_giao")]
    plan = pd.DataFrame([
        {"work_id": "A", "year": 2023, "allocated_vnd": 600_000_000},
        {"work_id": "A", "year": 2024, "allocated_vnd": 400_000_000},   # fully funded by 2024
        {"work_id": "B", "year": 2023, "allocated_vnd": 300_000_000},
        {"work_id": "B", "year": 2025, "allocated_vnd": 700_000_000},   # after the expected year
        {"work_id": "C", "year": 2023, "allocated_vnd": 0},             # the plan gives it nothing
        {"work_id": "E", "year": 2023, "allocated_vnd": 1},
        {"work_id": "F", "year": 2023, "allocated_vnd": None},          # a plan row without an amount
    ])
    works.append(work("F"))
    history.append(upd(work_id="F", expected=2024))
    f = run(history, "2023-01-01", works=works, plan=plan)
    gap = f[f["rule"] == "funding_gap"].set_index("work_id")
    # D handed over, E has no amount, F's plan amount is unknown: none is flagged, none read as 0
    assert sorted(gap.index) == ["B", "C"]
    assert (gap.loc["B", "severity"], gap.loc["B", "gap_vnd"], gap.loc["B", "cause"]) == ("amber", 700_000_000, "von")
    assert gap.loc["B", "message"] == ("Kế hoạch vốn đến năm 2024 mới bố trí 0,3 tỷ đồng trên tổng mức đầu tư "
                                       "1 tỷ đồng, còn thiếu 0,7 tỷ đồng")
    assert (gap.loc["C", "severity"], gap.loc["C", "gap_vnd"]) == ("red", 1_000_000_000)
    # the public rule on a status frame gives the same rows
    status = flags.status_as_of(pd.DataFrame(works), pd.DataFrame(history), D("2023-01-01"))
    assert sorted(flags.funding_gap(status, plan)["work_id"]) == ["B", "C"]
    assert flags.funding_gap(status, None).empty


# -- thresholds -----------------------------------------------------------------------------------
def test_thresholds_defaults_and_from_settings():
    assert Thresholds.from_settings({}) == Thresholds()
    th = Thresholds.from_settings({"flag_stale_days": 90, "flag_at_risk_months": "6", "other": "x"})
    assert (th.stale_days, th.at_risk_months, th.overdue_red_months) == (90, 6, 12)


@pytest.mark.parametrize("settings_,key", [
    ({"flag_stale_days": -1}, "flag_stale_days"),
    ({"flag_overdue_red_months": -3}, "flag_overdue_red_months"),
    ({"flag_at_risk_months": 10_000}, "flag_at_risk_months"),
    ({"flag_stale_days": 0}, "flag_stale_days"),
    ({"flag_stalled_periods": 1}, "flag_stalled_periods"),
    ({"flag_stale_days": "abc"}, "flag_stale_days"),
    ({"flag_stale_days": 1.5}, "flag_stale_days"),
    ({"flag_stale_days": True}, "flag_stale_days"),
    ({"flag_stale_days": "nan"}, "flag_stale_days"),
    ({"flag_stale_days": float("inf")}, "flag_stale_days"),
    ({"flag_overdue_red_months": 40}, "flag_overdue_red_months"),   # above the severe threshold
])
def test_bad_thresholds_are_refused_in_vietnamese(settings_, key):
    with pytest.raises(ValueError) as e:
        Thresholds.from_settings(settings_)
    assert key in str(e.value) and "Tham số" in str(e.value)


def test_settings_rows_come_from_the_migration(db):
    values = queries.settings(db)
    th = Thresholds.from_settings(values)
    assert th == Thresholds()
    assert {f"flag_{name}" for name in Thresholds.__dataclass_fields__} <= set(values)
    assert "flag_" not in (ROOT / "data" / "seed" / "settings.csv").read_text(encoding="utf-8")


def _older_app_writes(db, sql):
    """A change made by an older version of the app (its schema has no accounts yet)."""
    db._con.execute(sql)


def test_migration_adds_settings_to_an_existing_database_and_keeps_changed_values(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    first_only = dbmod.migrations()[:1]
    monkeypatch.setattr(dbmod, "migrations", lambda: first_only)
    old = Database(path)
    assert old.schema_version() == 1
    _older_app_writes(old, (
        "INSERT INTO setting VALUES ('flag_stale_days', '90', 'int', 'changed by a user')"))
    old.close()
    monkeypatch.undo()
    migrated = Database(path)
    try:
        values = queries.settings(migrated)
        assert values["flag_stale_days"] == 90 and values["flag_overdue_red_months"] == 12
    finally:
        migrated.close()


# -- the default data (the 12/2022 report) ------------------------------------------------------
DUE_2022 = {"XH-02", "XH-09", "XH-10", "XH-11", "XH-12"}
DUE_2023 = {"GT-01", "GT-02", "XH-01", "XH-07", "XH-08"}
IN_PROCEDURES_2023 = {"GT-02", "XH-07", "XH-08"}   # due 2023, "đang hoàn thiện (các) thủ tục đầu tư"
NOT_HANDED_OVER = {"GT-01", "GT-02", "XH-01", "XH-02", "XH-03", "CT-01", "CT-02", "XH-07", "XH-08",
                   "XH-09", "XH-10", "XH-11", "XH-12", "QH-01", "QH-02"}


def ids(f, rule):
    return set(f.loc[f["rule"] == rule, "work_id"])


def test_default_data_at_the_report_date(db):
    assert flags.default_eval_date(db) == D("2022-12-31")
    f = flags.evaluate(db)                        # the newest period: 31/12/2022
    assert ids(f, "overdue") == set()
    at_risk = ids(f, "at_risk")
    assert {"XH-09", "XH-10", "XH-11", "XH-12"} <= at_risk    # due 2022, still under construction
    assert "XH-02" in at_risk                                  # due 2022, stage not stated
    assert at_risk == DUE_2022 | DUE_2023                      # and the 2023 works still in procedures/GPMB
    row = f[(f["work_id"] == "XH-09") & (f["rule"] == "at_risk")].iloc[0]
    assert row["message"] == "Dự kiến hoàn thành 2022, đến hạn hôm nay (31/12/2022), đang thi công, chưa rõ khối lượng"
    # no 2022 work is still in procedures on its due date: nothing is red at the report date
    assert set(f["severity"]) == {"amber"}
    assert ids(f, "stale") == ids(f, "slipped") == ids(f, "stalled") == set()
    assert ids(f, "incomplete") == {"GT-01", "XH-01", "XH-02", "XH-03", "CT-01", "CT-02", "QH-01", "QH-02"}
    assert not (set(f["work_id"]) & {"XH-04", "XH-05", "XH-06"})   # handed over, complete records
    gpmb = f[(f["work_id"] == "GT-01") & (f["rule"] == "at_risk")].iloc[0]
    assert (gpmb["cause"], gpmb["cause_inferred"]) == ("gpmb", True)


def test_default_data_at_the_end_of_2023(db):
    f = flags.evaluate(db, D("2023-12-31"))
    overdue = f[f["rule"] == "overdue"].set_index("work_id")
    assert set(overdue.index) == DUE_2022
    assert (overdue["months_late"] == 12).all() and (overdue["severity"] == "red").all()
    assert ids(f, "stale") == NOT_HANDED_OVER                  # 365 days > 180
    # 31/12/2023 is still the last day allowed for works expected in 2023; those still completing
    # procedures on that day are red (they cannot be handed over in time)
    assert DUE_2023 <= ids(f, "at_risk")
    assert set(f.loc[(f["rule"] == "at_risk") & (f["severity"] == "red"), "work_id"]) == IN_PROCEDURES_2023
    # the first day after the end of 2023: every work expected in 2022 or 2023 and not handed over
    f = flags.evaluate(db, D("2024-01-01"))
    assert ids(f, "overdue") == DUE_2022 | DUE_2023
    assert set(f.loc[(f["rule"] == "overdue") & (f["severity"] == "red"), "work_id"]) == DUE_2022 | IN_PROCEDURES_2023
    stale = f[(f["rule"] == "stale") & (f["work_id"] == "GT-02")].iloc[0]
    assert stale["message"] == "Chưa cập nhật 366 ngày (lần cuối tháng 12/2022, ngưỡng 180 ngày)"
    assert ids(f, "stale") == NOT_HANDED_OVER


def test_database_updates_after_the_evaluation_date_are_ignored(db):
    def add(cur):
        cur.execute("INSERT INTO reporting_period (id, label_vi, as_of) VALUES ('2023-06', 'Kỳ thử', DATE '2023-06-30')")
        cur.execute("INSERT INTO status_update (work_id, period_id, as_of, stage, expected_year) "
                    "VALUES ('XH-09', '2023-06', DATE '2023-06-30', 'da_ban_giao', 2022), "
                    "       ('XH-10', '2023-06', DATE '2023-06-30', 'dang_thi_cong', 2023)")
    db.write(admin(db), "updates", add)
    assert flags.default_eval_date(db) == D("2023-06-30")
    before = flags.evaluate(db, D("2023-06-29"))
    assert {"XH-09", "XH-10"} <= ids(before, "overdue")
    after = flags.evaluate(db, D("2024-01-01"))
    assert "XH-09" not in set(after["work_id"])                 # handed over on 30/06/2023
    xh10 = after[after["work_id"] == "XH-10"].set_index("rule")
    assert xh10.loc["overdue", "months_late"] == 0 and xh10.loc["overdue", "severity"] == "amber"
    assert (xh10.loc["slipped", "years_slipped"], xh10.loc["slipped", "n_changes"]) == (1, 1)
    assert "stale" in xh10.index and xh10.loc["stale", "days_since_update"] == 185


def test_towns_filter_and_english(db):
    f = flags.evaluate(db, D("2024-01-01"), towns=["tra-linh"], lang="en")
    assert set(f["work_id"]) == {"XH-02", "XH-09", "XH-10", "CT-02", "QH-02"}
    assert f["message"].str.contains("Expected|Not updated|Missing").all()
    unknown = flags.evaluate(db, D("2022-12-31"), towns=[queries.UNKNOWN_TOWN])
    assert set(unknown["work_id"]) == {"GT-01", "XH-01"}


def test_thresholds_from_the_database_are_used(db):
    db.write(admin(db), "setting", lambda cur: cur.execute(
        "UPDATE setting SET value = '400' WHERE key = 'flag_stale_days'"))
    assert ids(flags.evaluate(db, D("2023-12-31")), "stale") == set()


def test_summaries(db):
    f = flags.evaluate(db, D("2024-01-01"))
    sev = flags.counts_by_severity(f).set_index("severity")
    assert sev.loc["red", "n_works"] == 8 and sev.loc["amber", "n_works"] == 7   # 5 due 2022 + 3 in procedures
    assert sev["n_works"].sum() == f["work_id"].nunique() and sev["n_flags"].sum() == len(f)
    towns = flags.counts_by_town(f).set_index("town")
    assert towns.loc[queries.UNKNOWN_TOWN, "n_works"] == 2           # GT-01, XH-01
    assert towns.loc["tra-linh", "n_red"] == 3                        # XH-02, XH-09, XH-10
    empty = f.iloc[0:0]
    assert flags.counts_by_severity(empty)["n_works"].sum() == 0
    assert flags.counts_by_town(empty).empty


def test_trend_evaluates_each_period(db):
    tr = flags.trend(db)
    assert list(tr["period_id"]) == ["2022-12"]
    assert tr.loc[0, "n_at_risk"] == 10 and tr.loc[0, "n_overdue"] == 0
    assert tr.loc[0, "n_flagged"] == tr.loc[0, "n_red"] + tr.loc[0, "n_amber"]
    # a second period with no new updates: the same works, now overdue and stale
    db.write(admin(db), "period", lambda cur: cur.execute(
        "INSERT INTO reporting_period (id, label_vi, as_of) VALUES ('2024-01', 'Kỳ thử', DATE '2024-01-01')"))
    tr = flags.trend(db, rules=["overdue"])
    assert list(tr["n_overdue"]) == [0, 10] and list(tr["n_red"]) == [0, 8]


def test_sorted_red_first_with_typed_columns():
    works = [work("A"), work("B")]
    history = [upd(work_id="A", expected=2030), upd(work_id="B", stage="tam_dung", expected=2030)]
    f = run(history, "2023-12-31", works=works)
    assert list(f["severity"]) == sorted(f["severity"], key=["red", "amber"].index)
    assert list(f.columns) == list(flags.COLUMNS)
    assert str(f["months_late"].dtype) == "Int64" and f["cause_inferred"].dtype == bool
    assert flags.rule_label("at_risk") == "Có nguy cơ chậm" and flags.rule_label("overdue", "en") == "Overdue"
    assert flags.severity_label("red") == "Đỏ" and flags.cause_note(True) == "suy ra từ giai đoạn"


def test_locale_keys_and_no_streamlit():
    data = json.loads((ROOT / "lib" / "locales" / "flags.json").read_text(encoding="utf-8"))
    assert all(k.startswith("flags.") and v.get("vi") and v.get("en") for k, v in data.items())
    assert all(k in catalogue() for k in data)
    assert "streamlit" not in (ROOT / "lib" / "flags.py").read_text(encoding="utf-8")


# -- properties -----------------------------------------------------------------------------------
STAGES = [None, "quy_hoach", "hoan_thien_thu_tuc", "dang_gpmb", "dang_thi_cong", "tam_dung", "da_ban_giao"]
days = st.integers(min_value=0, max_value=3000)
update_st = st.tuples(days, st.sampled_from(STAGES), st.one_of(st.none(), st.integers(2018, 2030)),
                      st.one_of(st.none(), st.floats(0, 100)))
thresholds_st = st.builds(
    lambda d, r, s, a, c, p, sd: Thresholds(d, d + r, d + r + s, a, c, p, sd),
    st.integers(0, 24), st.integers(0, 24), st.integers(0, 48), st.integers(0, 60),
    st.integers(0, 24), st.integers(2, 5), st.integers(1, 1000))
BASE = date(2018, 1, 1)


def _history(updates):
    return [upd(BASE + timedelta(days=dd), stage, year, pct) for dd, stage, year, pct in sorted(updates, key=lambda u: u[0])]


@settings(max_examples=120, deadline=None)
@given(st.lists(update_st, min_size=0, max_size=5), days, st.integers(0, 4000), thresholds_st,
       st.one_of(st.none(), st.integers(2018, 2030)))
def test_handed_over_is_never_overdue_at_risk_stale_or_stalled(updates, handover_day, later, th, baseline):
    history = _history(updates)
    last = max([h["as_of"] for h in history], default=BASE)
    handover = last + timedelta(days=handover_day % 30)
    history.append(upd(handover, "da_ban_giao", updates[-1][2] if updates else None))
    f = run(history, handover + timedelta(days=later), works=[work(baseline=baseline)], th=th)
    assert set(f["rule"]) <= {"incomplete"}


@settings(max_examples=120, deadline=None)
@given(st.lists(update_st, min_size=1, max_size=5), st.integers(0, 4000), st.integers(0, 4000), thresholds_st)
def test_a_later_evaluation_date_never_removes_an_overdue_flag(updates, a, b, th):
    history = _history(updates)
    last = max(h["as_of"] for h in history)
    early, late = last + timedelta(days=min(a, b)), last + timedelta(days=max(a, b))
    f1, f2 = run(history, early, th=th), run(history, late, th=th)
    o1, o2 = only(f1, "overdue"), only(f2, "overdue")
    if o1 is not None:
        assert o2 is not None and o2["months_late"] >= o1["months_late"]
        assert ["amber", "red"].index(o2["severity"]) >= ["amber", "red"].index(o1["severity"])
    if only(f1, "stale") is not None:
        assert only(f2, "stale") is not None


# -- one row per work (by_work): the count every view shows ----------------------------------------
@pytest.mark.parametrize("when,red,amber", [("2022-12-31", 0, 15), ("2024-01-01", 8, 7)])
def test_by_work_counts_equal_rows_per_severity(db, when, red, amber):
    f = flags.evaluate(db, D(when))
    w = flags.by_work(f)
    assert w["work_id"].is_unique and len(w) == f["work_id"].nunique()
    assert flags.severity_counts(w) == {"red": red, "amber": amber}
    sev = flags.counts_by_severity(f).set_index("severity")["n_works"]
    assert (sev["red"], sev["amber"]) == (red, amber) == (int((w["severity"] == "red").sum()),
                                                           int((w["severity"] == "amber").sum()))
    assert list(w["severity"]) == sorted(w["severity"], key=list(flags.SEVERITIES).index)  # red first
    assert (w["n_flags"] == w["rules"].map(len)).all() and (w["n_flags"] == w["messages"].map(len)).all()
    assert w["n_flags"].sum() == len(f)
    assert int(flags.counts_by_work_cause(w)["n_works"].sum()) == len(w)        # the cause chart's total
    towns = flags.counts_by_town(f)
    assert set(towns["n_red"] + towns["n_amber"]) <= set(range(len(w) + 1))
    rows = flags.work_table_rows(w, flags.cause_labels(queries.delay_causes(db)))
    assert len(rows) == len(w) and rows["work_id"].is_unique


def test_by_work_groups_every_flag_of_a_work(db):
    w = flags.by_work(flags.evaluate(db, D("2024-01-01"))).set_index("work_id")
    xh02 = w.loc["XH-02"]
    assert xh02["severity"] == "red" and xh02["rules"] == ["overdue", "stale", "incomplete"]
    assert xh02["messages"][0] == "Dự kiến hoàn thành 2022, đến 01/01/2024 chưa bàn giao: chậm 12 tháng"
    assert xh02["since"] == D("2023-01-01")                   # the red flag's start
    assert xh02["note"] == "Báo cáo không nêu giai đoạn thực hiện."   # the secretary's note
    assert fmt_missing(xh02["cause"]) and not xh02["cause_inferred"]
    gt01 = w.loc["GT-01"]
    assert gt01["severity"] == "amber" and (gt01["cause"], gt01["cause_inferred"]) == ("gpmb", True)
    assert gt01["note"] == "Đang GPMB, song song tổ chức thi công."
    labels = flags.cause_labels(queries.delay_causes(db))
    rows = flags.work_table_rows(w.reset_index(), labels).set_index("work_id")
    assert rows.loc["GT-01", "cause_text"].endswith("(suy ra từ giai đoạn)")
    assert rows.loc["XH-02", "cause_text"] == "Chưa rõ nguyên nhân"
    assert rows.loc["XH-02", "work"] == "XH-02 · Khu tái định cư phục vụ GPMB khu cửa khẩu Trà Lĩnh"
    lines = rows.loc["XH-02", "reasons"].split("\n")
    assert lines == ["• Quá hạn: Dự kiến hoàn thành 2022, đến 01/01/2024 chưa bàn giao: chậm 12 tháng",
                     "• Lâu chưa cập nhật: Chưa cập nhật 366 ngày (lần cuối tháng 12/2022, ngưỡng 180 ngày)",
                     "• Thiếu số liệu: giai đoạn"]


def fmt_missing(v):
    from lib import fmt
    return fmt.is_missing(v)


def test_by_work_recorded_cause_and_note_are_escaped_in_the_table():
    works = [work("A", baseline=2022)]
    history = [upd(work_id="A", expected=2022) | {"note": "<b>chậm</b> & GPMB"},
               upd("2023-06-30", work_id="A", expected=2022, cause="von") | {"note": None}]
    f = run_with_notes(history, "2024-01-01", works)
    w = flags.by_work(f)
    assert len(w) == 1 and w.loc[0, "cause"] == "von" and not w.loc[0, "cause_inferred"]
    assert w.loc[0, "note"] == "<b>chậm</b> & GPMB"            # the newest note that is not blank
    out = flags.WORK_TABLE.html(flags.work_table_rows(w, {"von": "Vốn"}), "vi")
    assert "&lt;b&gt;chậm&lt;/b&gt; &amp; GPMB" in out and "<b>chậm" not in out
    assert "Vốn" in out


def run_with_notes(updates, eval_date, works):
    history = pd.DataFrame(updates, columns=["id", "work_id", "period_id", "as_of", "stage",
                                             "physical_pct", "expected_year", "delay_cause", "note"])
    return flag_works(pd.DataFrame(works), history, D(eval_date))


def test_by_work_of_nothing_and_the_funding_cause():
    assert flags.by_work(run([], "2024-01-01", works=[work(total=None, areas=())]).iloc[0:0]).empty
    plan = pd.DataFrame([{"work_id": "W-1", "year": 2030, "allocated_vnd": 0}])
    f = run([upd(expected=2030, stage="dang_thi_cong")], "2023-01-01", works=[work(baseline=2030)], plan=plan)
    w = flags.by_work(f)
    assert list(w["rules"].iloc[0]) == ["funding_gap"] and w.loc[0, "cause"] == "von"
    assert w.loc[0, "severity"] == "red"


def test_a_bad_stored_setting_reads_in_english_and_in_vietnamese():
    """The reason a stored setting is replaced by its default (shown on every page) and the
    problems of a save are messages put into the user's language."""
    from lib.i18n import text_of
    _, problems = flags.Thresholds.checked({"flag_stale_days": "abc", "stale_after_days": "0"})
    vi, en = [str(p) for p in problems], [text_of(p, "en") for p in problems]
    assert vi[0] == ("Tham số “Lâu chưa cập nhật: quá (ngày)” (flag_stale_days) = 'abc' không hợp lệ: "
                     "phải là số nguyên. Đang dùng giá trị mặc định 180.")
    assert en[0] == ("Setting “Not updated: after (days)” (flag_stale_days) = 'abc' is invalid: "
                     "it must be a whole number. Using the default: 180.")
    assert en[1].startswith("Setting “Warn that data are old after (days)” (stale_after_days) = 0 is invalid")
    saved = flags.Thresholds.problems({"flag_overdue_red_months": "1"})
    assert str(saved[0]).startswith("Tham số không hợp lệ: cần flag_overdue_delayed_months")
    assert text_of(saved[0], "en").startswith("Invalid settings: flag_overdue_delayed_months")


def test_order_by_sorts_as_lexsort():
    """``_order_by`` (one sort of packed keys) orders rows as ``np.lexsort`` does, ties kept in order,
    whatever the keys' integer types; keys too wide to pack fall back to the lexsort."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(0, 200))
        keys = [rng.integers(-3, 4, n).astype(rng.choice([np.int16, np.int32, np.int64])) for _ in range(3)]
        assert np.array_equal(flags._order_by(*keys), np.lexsort(keys[::-1]))
        wide = [rng.integers(-2 ** 62, 2 ** 62, n), rng.integers(0, 3, n)]
        assert np.array_equal(flags._order_by(*wide), np.lexsort(wide[::-1]))
        distinct = [rng.integers(0, 9, n), rng.permutation(n)]
        assert np.array_equal(flags._order_by(*distinct), np.lexsort(distinct[::-1]))
        nearly = np.sort(rng.integers(0, 50, n))  # nearly in order, as a work's periods come
        nearly[rng.integers(0, max(n, 1), n // 10)] = 7
        assert np.array_equal(flags._order_by(nearly, keys[0]), np.lexsort((keys[0], nearly)))
