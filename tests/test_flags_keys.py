"""The flags read the updates' work, stage, cause and period as keys of their texts, not as texts
(lib/flags.py ``_key``, ``_texts``, ``_db_reads``): on any history the database gives the flags and the status of
every period that the frames (the texts themselves, ``flag_works``) give, and when two texts share
a key the status is derived from the texts instead of merging them."""
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib import flags, queries
from lib import stages as stages_
from lib.seed import open_database
from tests.conftest import seeded

WORKS = ["GT-01", "GT-02", "XH-01"]
DAY0 = date(2022, 6, 30)
# a period known to the month (its as_of), one known to the day, and one no period table names
PERIODS = [("2023-m", date(2023, 3, 31), "month"), ("2023-d", date(2023, 6, 30), "day")]
STAGES = ["quy_hoach", "dang_gpmb", "dang_thi_cong", "tam_dung", "da_ban_giao", "chua_co_ma", None]
CAUSES = [None, "", "von", "gpmb", "nguyen_nhan_moi"]
NOTES = [None, "", "   ", "\u3000", "Ghi chú", "<b>đậm</b> *nghiêng*"]

update_st = st.fixed_dictionaries({
    "work_id": st.sampled_from(WORKS),
    "day": st.integers(0, 400),
    "period_id": st.sampled_from(["2023-m", "2023-d", "", "ky-khong-co"]),
    "stage": st.sampled_from(STAGES),
    "physical_pct": st.one_of(st.none(), st.sampled_from([0.0, 35.5, 100.0])),
    "expected_year": st.one_of(st.none(), st.integers(2021, 2027)),
    "delay_cause": st.sampled_from(CAUSES),
    "note": st.sampled_from(NOTES),
})


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    """The default data plus two periods; each example replaces the updates of ``WORKS``."""
    db = open_database(seeded(tmp_path_factory.mktemp("keys") / "keys.duckdb"))
    for pid, as_of, precision in PERIODS:
        db._con.execute("INSERT INTO reporting_period (id, label_vi, as_of, as_of_precision) VALUES (?, ?, ?, ?)",
                        [pid, pid, as_of, precision])
    yield db
    db.close()


def _write(db, updates: list[dict]) -> None:
    db._con.execute("DELETE FROM status_update WHERE work_id IN (?, ?, ?)", WORKS)
    for u in updates:
        as_of = DAY0 + timedelta(days=u["day"])
        if u["period_id"] == "2023-m" and u["day"] % 3 == 0:
            as_of = PERIODS[0][1]  # on the month period's date: the month's precision
        db._con.execute(
            "INSERT INTO status_update (work_id, period_id, as_of, stage, physical_pct, expected_year, "
            "delay_cause, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [u["work_id"], u["period_id"], as_of, u["stage"], u["physical_pct"], u["expected_year"],
             u["delay_cause"], u["note"]])


def _same_as_frames(db, d: date) -> pd.DataFrame:
    m, th = stages_.model(db), flags.stored_thresholds(db)
    plan = queries.capital_plan(db)
    got = flags.evaluate(db, d, None, th, "vi", plan)
    works, history = flags.load_inputs(db, d)
    want = flags.flag_works(works, history, d, th, "vi", plan, m)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    return got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(update_st, min_size=0, max_size=12), st.integers(0, 900))
def test_the_database_gives_the_flags_of_the_texts(history_db, updates, days):
    _write(history_db, updates)
    _same_as_frames(history_db, DAY0 + timedelta(days=days))


def test_a_month_period_an_unknown_stage_and_a_blank_note_read_as_their_texts(history_db):
    """What each key stands for reaches the sentences: the month's precision of its period, a
    stage the stage table does not name, the newest note that is not blank, the newest cause."""
    _write(history_db, [
        {"work_id": "GT-01", "day": 0, "period_id": "2023-d", "stage": "tam_dung", "physical_pct": None,
         "expected_year": 2024, "delay_cause": "gpmb", "note": "Ghi chú cũ"},
        {"work_id": "GT-01", "day": 3, "period_id": "2023-m", "stage": "tam_dung", "physical_pct": None,
         "expected_year": 2024, "delay_cause": "", "note": "   "},
        {"work_id": "GT-02", "day": 10, "period_id": "", "stage": "chua_co_ma", "physical_pct": None,
         "expected_year": 2030, "delay_cause": None, "note": None},
        {"work_id": "XH-01", "day": 4, "period_id": "2023-m", "stage": "dang_thi_cong", "physical_pct": 40.0,
         "expected_year": 2030, "delay_cause": None, "note": None},  # in the month's period, not on its date
    ])
    f = _same_as_frames(history_db, date(2024, 12, 31))
    gt01 = f[f["work_id"] == "GT-01"].set_index("rule")
    assert gt01.loc["stale", "message"].endswith("(lần cuối tháng 3/2023, ngưỡng 180 ngày)")
    assert gt01.loc["stalled", "message"] == "Tạm dừng (từ kỳ cập nhật 30/06/2022)"
    assert gt01.loc["stalled", "cause"] == "gpmb" and gt01.loc["stalled", "note"] == "Ghi chú cũ"
    assert set(f.loc[f["work_id"] == "GT-02", "stage"]) == {"chua_co_ma"}
    xh01 = f[f["work_id"] == "XH-01"].set_index("rule")
    assert xh01.loc["stale", "message"].endswith("(lần cuối 04/07/2022, ngưỡng 180 ngày)")


def test_two_texts_with_one_key_are_told_apart_by_their_texts(history_db, monkeypatch):
    """Keys of two bits: the six stages must share keys. The status then comes from the texts, and
    the flags and every period's figures are those of the full keys."""
    _write(history_db, [
        {"work_id": w, "day": 40 * i + j, "period_id": p, "stage": s, "physical_pct": None,
         "expected_year": 2023 + i, "delay_cause": c, "note": None}
        for j, w in enumerate(WORKS) for i, (p, s, c) in enumerate([
            ("2023-d", "quy_hoach", "von"), ("2023-m", "dang_gpmb", "gpmb"), ("", "tam_dung", ""),
            ("2023-d", "dang_thi_cong", None)][: j + 2])])
    d = date(2025, 6, 30)
    full = _same_as_frames(history_db, d)
    trend = flags.trend(history_db)
    scope = queries.scope_params(None)
    assert flags._db_reads(history_db, d, scope) is not None
    monkeypatch.setattr(flags, "_KEY_SHIFT", 62)
    assert flags._db_reads(history_db, d, scope) is None  # the collision is found
    read_texts = []
    real = flags.load_inputs
    monkeypatch.setattr(flags, "load_inputs", lambda *a, **k: read_texts.append(a) or real(*a, **k))
    got, got_trend = flags.evaluate(history_db, d, plan=queries.capital_plan(history_db)), flags.trend(history_db)
    assert len(read_texts) == 2, "evaluate and trend read the texts"
    pd.testing.assert_frame_equal(got, full)
    pd.testing.assert_frame_equal(got_trend, trend)


def test_two_stages_with_one_key_are_found_while_the_works_keys_differ(history_db, monkeypatch):
    """Only the texts of stages and causes collide (keys of two bits); the works' keys stay whole:
    the collision is found by the texts, not by the works, and the flags are those of the texts."""
    d = date(2025, 6, 30)
    _write(history_db, [
        {"work_id": w, "day": 30 * i, "period_id": "2023-d", "stage": s, "physical_pct": None,
         "expected_year": 2024, "delay_cause": c, "note": None}
        for w in WORKS for i, (s, c) in enumerate([("quy_hoach", "von"), ("dang_gpmb", "gpmb"), ("tam_dung", "")])])
    full = _same_as_frames(history_db, d)
    real = flags._key
    monkeypatch.setattr(flags, "_key", lambda c: f"(hash({c}) >> 62)::BIGINT" if c in ("code", "su.stage",
                        "x.stage", "su.delay_cause", "x.delay_cause") else real(c))
    assert flags._texts(history_db.numpy(flags._db_keys_sql(), {})) is None
    works = history_db.numpy(*flags._works_read(queries.scope_params(None)))
    assert len(set(works["k"].tolist())) == len(works["k"])
    assert flags._db_reads(history_db, d, queries.scope_params(None)) is None
    pd.testing.assert_frame_equal(_same_as_frames(history_db, d), full)


def test_texts_finds_two_texts_of_one_kind_with_one_key():
    def rows(kinds, keys):
        n = len(kinds)
        return {"kind": np.array(kinds), "name": np.array([f"t{i}" for i in range(n)], dtype=object),
                "k": np.array(keys, dtype=np.int64), "flag": np.zeros(n, dtype=bool),
                "n": np.ma.masked_all(n, dtype=np.int32)}
    ok = flags._texts(rows([flags._STAGE, flags._CAUSE, flags._PERIOD], [7, 7, 7]))  # one key, three kinds
    assert ok is not None and [list(ok[c].keys) for c in ("stage", "delay_cause", "period")] == [[7], [7], [7]]
    assert flags._texts(rows([flags._STAGE, flags._STAGE], [3, 3])) is None
    assert flags._texts(rows([flags._PERIOD, flags._CAUSE, flags._PERIOD], [5, 9, 5])) is None
