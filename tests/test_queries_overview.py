"""Filtering by town and period, and the overview's aggregates."""
from datetime import date

import pandas as pd

from lib import overview, queries
from lib.stages import UNKNOWN as UNKNOWN_STAGE
from lib.queries import UNKNOWN_TOWN
from tests.auth_helpers import admin, editor  # noqa: E402,F401


def test_town_filter_narrows_and_unknown_is_selectable(db):
    everything = queries.works(db)
    tra_linh = queries.works(db, ["tra-linh"])
    assert len(tra_linh) < len(everything)
    assert all("tra-linh" in a for a in tra_linh["area_ids"])
    unknown = queries.works(db, [UNKNOWN_TOWN])
    assert len(unknown) > 0 and all(a == [] for a in unknown["area_ids"])
    assert queries.works(db, []).empty
    both = queries.works(db, ["tra-linh", "trung-khanh"])
    assert set(both["id"]) == set(tra_linh["id"]) | set(queries.works(db, ["trung-khanh"])["id"])


def test_unknown_town_ids_match_nothing(db):
    assert queries.works(db, ["không-có"]).empty


def test_town_options_include_unknown_only_when_needed(db):
    opts = queries.town_options(db)
    assert UNKNOWN_TOWN in set(opts["id"])
    db.write(admin(db), "place", lambda cur: cur.execute(
        "INSERT INTO work_area SELECT id, 'trung-khanh', 'inference', 'test' FROM work "
        "WHERE id NOT IN (SELECT work_id FROM work_area)"))
    assert UNKNOWN_TOWN not in set(queries.town_options(db)["id"])


def test_latest_status_per_period(db):
    db.write(admin(db), "period", lambda cur: (
        cur.execute("INSERT INTO reporting_period VALUES ('2023-06', 'Kỳ 6/2023', DATE '2023-06-30', 'day', NULL, NULL)"),
        cur.execute("INSERT INTO status_update (work_id, period_id, as_of, stage, expected_year, entered_by) "
                    "VALUES ('XH-09', '2023-06', DATE '2023-06-30', 'da_ban_giao', NULL, 'test')")))
    now = queries.works(db).set_index("id")
    assert now.loc["XH-09", "stage"] == "da_ban_giao"
    # the expected year of the earlier period carries over when the newer update leaves it blank
    assert now.loc["XH-09", "expected_year"] == 2022
    then = queries.works(db, period="2022-12").set_index("id")
    assert then.loc["XH-09", "stage"] == "dang_thi_cong"
    assert queries.periods(db).iloc[0]["id"] == "2023-06"  # the newest period


def test_kpis_never_count_unknown_amounts_as_zero(db):
    works = queries.works(db)
    k = overview.kpis(works)
    known = works["total_investment_vnd"].dropna()
    assert k.investment_vnd == int(known.sum())
    assert k.n_missing_amount == works["total_investment_vnd"].isna().sum() > 0
    assert k.n_handed_over == 3
    # a selection whose works all lack an amount has an unknown total, not 0
    planning = works[works["kind"] == "nhiem_vu_quy_hoach"]
    assert overview.kpis(planning).investment_vnd is None


def test_by_stage_keeps_every_stage_in_order_and_marks_no_data(db):
    works = queries.works(db)
    stages = queries.stages(db)
    bs = overview.by_stage(works, stages, "vi")
    assert list(bs["stage"][:len(stages)]) == list(stages["code"])
    assert bs["n"].sum() == len(works)
    unknown = bs[bs["stage"] == UNKNOWN_STAGE].iloc[0]
    assert unknown["label"] == "Chưa có số liệu" and unknown["n"] == works["stage"].isna().sum()
    quy = bs[bs["stage"] == "quy_hoach"].iloc[0]
    assert pd.isna(quy["investment_vnd"])  # planning tasks have no amount: unknown, not 0


def test_by_town_counts_each_area_and_unknown(db):
    works = queries.works(db)
    g = overview.by_town(works, queries.town_options(db), "vi").set_index("town")
    assert g.loc["tra-linh", "n"] == len(queries.works(db, ["tra-linh"]))
    assert g.loc[UNKNOWN_TOWN, "label"] == "Chưa rõ địa bàn"
    assert g["n"].sum() == sum(max(1, len(a)) for a in works["area_ids"])


def test_unit_changes_depend_on_the_date(db):
    assert queries.unit_changes(db, date(2025, 6, 1)).empty
    after = queries.unit_changes(db, date(2026, 1, 1))
    assert set(after["successor_name"]) == {"xã Trùng Khánh", "xã Trà Lĩnh"}


def test_late_works_count_each_work_once_as_the_flags_page(db):
    from lib import flags
    at_report = overview.late_works(flags.by_work(flags.evaluate(db, date(2022, 12, 31))))
    assert (at_report.n_red, at_report.n_amber, at_report.n_delayed) == (0, 15, 10)  # 5 lack data only
    f = flags.evaluate(db, date(2024, 1, 1))
    late = overview.late_works(flags.by_work(f))
    assert (late.n_red, late.n_amber, late.n_works) == (8, 7, 15)
    assert len(f) > late.n_works == f["work_id"].nunique()   # many flags, each work once
    red_works = set(f.loc[f["severity"] == "red", "work_id"])
    assert late.n_red == len(red_works)                      # a red work's amber flags add nothing
    assert overview.late_works(flags.by_work(f.iloc[0:0])) == overview.Late(0, 0, 0)


def test_town_table_keeps_unknown_amounts_unknown(db):
    works = queries.works(db)
    rows, total = overview.town_table_rows(works, queries.town_options(db), "vi")
    assert total["n"] == len(works) and total["investment_vnd"] == overview.kpis(works).investment_vnd
    html = overview.TOWN_TABLE.html(rows, "vi", total=total)
    assert "101,538" in html and "Tổng (không trùng)" in html
    planning = works[works["kind"] == "nhiem_vu_quy_hoach"]
    rows, total = overview.town_table_rows(planning, queries.town_options(db), "vi")
    assert rows["investment_vnd"].isna().all() and total["investment_vnd"] is None
    assert "chưa có số liệu" in overview.TOWN_TABLE.html(rows, "vi", total=total)
