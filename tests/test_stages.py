"""Stage semantics as data (lib/stages.py, the stage table, migration 009)."""
from __future__ import annotations

import csv
import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lib import db as dbmod
from lib import criteria, flags, funding, overview, queries, scenario, scenario_store, stages, whatif
from lib.db import Database, ValidationError
from lib.scenario import Scenario
from lib.stages import UNKNOWN, StageModel
from tests.auth_helpers import admin

ROOT = Path(__file__).resolve().parent.parent
SEED_STAGES = ROOT / "data" / "seed" / "stages.csv"
BN = 1e9


# -- the model of the seed ---------------------------------------------------------------------

def test_the_seed_model_says_what_the_report_means(db):
    m = stages.model(db)
    assert m == stages.seed_model()  # the database and data/seed/stages.csv agree
    assert m.codes == tuple(queries.stages(db)["code"])
    assert m.handed_over == {"da_ban_giao"}
    assert m.started == {"dang_thi_cong", "tam_dung", "da_ban_giao"}
    assert m.early == {"quy_hoach", "hoan_thien_thu_tuc", "dang_gpmb"}
    assert m.paused == {"tam_dung"}
    assert m.site_clearance == {"hoan_thien_thu_tuc", "dang_gpmb"}  # the scenario's extra clearance months
    assert m.procedure == {"quy_hoach", "hoan_thien_thu_tuc"}
    assert m.building == {"dang_thi_cong"}
    assert {c: m.implied_cause(c) for c in m.codes} == {
        "quy_hoach": "thu_tuc", "hoan_thien_thu_tuc": "thu_tuc", "dang_gpmb": "gpmb",
        "dang_thi_cong": None, "tam_dung": None, "da_ban_giao": None}
    causes = set(queries.delay_causes(db)["code"])
    assert {m.implied_cause(c) for c in m.codes} - {None} <= causes  # delay_cause codes
    assert m.implied_cause(None) is None and m.implied_cause("not_a_stage") is None
    # the funding page's first assumptions, as they were
    assert m.default_done_share() == {"da_ban_giao": 1.0, "dang_thi_cong": 0.5, "dang_gpmb": 0.1,
                                      "hoan_thien_thu_tuc": 0.0, "quy_hoach": 0.0, "tam_dung": 0.3, UNKNOWN: 0.0}
    assert m.default_months_to_start() == {"da_ban_giao": 0, "dang_thi_cong": 0, "dang_gpmb": 6,
                                           "hoan_thien_thu_tuc": 12, "quy_hoach": 12, "tam_dung": 6, UNKNOWN: 12}
    assert m.labels("en")["dang_gpmb"] == "Site clearance" and m.label("da_ban_giao") == "Đã bàn giao"
    hash(m)  # a cache key


def test_one_unknown_stage_sentinel_everywhere(db):
    m = stages.model(db)
    assert m.key(None) == m.key(float("nan")) == m.key("not_a_stage") == UNKNOWN
    assert m.keys[-1] == UNKNOWN and Scenario(2023, 2030).stages.keys == stages.seed_model().keys
    assert UNKNOWN in funding.DEFAULT_DONE_SHARE and UNKNOWN in funding.DEFAULT_MONTHS_TO_START
    assert UNKNOWN in whatif.stage_labels(db)
    works = queries.works(db)
    by_stage = overview.by_stage(works, queries.stages(db))
    assert by_stage["stage"].iloc[-1] == UNKNOWN  # the seed has works with no stage
    # the old sentinels and the duplicated constants are gone
    for module, names in ((funding, ("UNKNOWN_STAGE", "STAGES", "HANDED_OVER", "STARTED_STAGES", "CLEARANCE_STAGES")),
                          (overview, ("UNKNOWN_STAGE",)),
                          (flags, ("HANDED_OVER", "PAUSED", "CONSTRUCTION", "EARLY_STAGES", "PROCEDURE_STAGES",
                                   "STAGE_CAUSE"))):
        assert not [n for n in names if hasattr(module, n)], module.__name__


def test_a_scenario_saved_with_the_old_unknown_key_still_reads():
    d = Scenario(2023, 2030).to_dict()
    for key in ("done_share_by_stage", "months_to_start_by_stage"):
        d[key]["unknown"] = d[key].pop(UNKNOWN)
    d["done_share_by_stage"]["unknown"] = 0.2
    s = Scenario.from_dict(json.loads(json.dumps(d)))
    assert s.shares[UNKNOWN] == 0.2 and "unknown" not in s.shares


def test_no_code_names_a_stage_to_decide_what_it_means():
    """Stage codes appear in data/seed/stages.csv, migration 009 and the tests, not in the code."""
    codes = [r["code"] for r in csv.DictReader(open(SEED_STAGES, encoding="utf-8"))]
    pattern = re.compile("|".join(rf"\b{c}\b" for c in codes))
    found = [f"{p.relative_to(ROOT)}:{n}" for folder in ("lib", "ui", "pages") for p in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []


# -- a stage added to the table is picked up without a change of code ------------------------------

def _add_stage(db, code: str, order: int, **cols) -> None:
    row = {"code": code, "label_vi": code, "label_en": code, "sort_order": order, "color": "#56B4E9", **cols}
    names = ", ".join(row)
    db.write(admin(db), "add stage", lambda cur: cur.execute(
        f"INSERT INTO stage ({names}) VALUES ({', '.join('?' for _ in row)})", list(row.values())))


def _update_to(db, work_id: str, stage: str, year: int = 2023, pct: float | None = None) -> None:
    def add(cur):
        cur.execute("INSERT INTO reporting_period (id, label_vi, as_of) VALUES ('2023-06', 'Kỳ thử', DATE '2023-06-30') "
                    "ON CONFLICT DO NOTHING")
        cur.execute("INSERT INTO status_update (work_id, period_id, as_of, stage, physical_pct, expected_year, "
                    "entered_by, entered_at) VALUES (?, '2023-06', DATE '2023-06-30', ?, ?, ?, 'test', now())",
                    [work_id, stage, pct, year])
    db.write(admin(db), "update", add)


def _flag(f: pd.DataFrame, work_id: str, rule: str) -> pd.Series | None:
    rows = f[(f["work_id"] == work_id) & (f["rule"] == rule)]
    return rows.iloc[0] if len(rows) else None


def test_a_new_started_stage_is_picked_up_by_the_flags(db):
    _add_stage(db, "nghiem_thu", 7, is_started=True, default_done_share=0.9, default_months_to_start=0)
    _add_stage(db, "cho_von", 8, is_early=True, implied_cause="von")
    _update_to(db, "GT-01", "nghiem_thu")       # due 31/12/2023: 6 months left at 30/06/2023
    _update_to(db, "GT-02", "cho_von")
    m = stages.model(db)
    assert "nghiem_thu" in m.started and "nghiem_thu" in m.building and m.implied_cause("cho_von") == "von"
    f = flags.evaluate(db, date(2023, 6, 30))
    # being built: the construction window (3 months), so not yet at risk
    assert _flag(f, "GT-01", "at_risk") is None
    # early: the 12-month window, and the cause the stage implies, marked as inferred
    risk = _flag(f, "GT-02", "at_risk")
    assert risk is not None and risk["cause"] == "von" and bool(risk["cause_inferred"])
    # the same works when the table says otherwise: the flags follow the table
    db.write(admin(db), "flip", lambda cur: cur.execute(
        "UPDATE stage SET is_started = FALSE, is_early = TRUE, is_procedure = TRUE, implied_cause = 'thu_tuc' "
        "WHERE code = 'nghiem_thu'"))
    f = flags.evaluate(db, date(2023, 12, 31))   # due today, procedures unfinished: red
    risk = _flag(f, "GT-01", "at_risk")
    assert risk is not None and risk["severity"] == "red" and risk["cause"] == "thu_tuc"
    # a paused stage added to the table: the stalled flag is red
    _add_stage(db, "dung_cho", 9, is_started=True, is_paused=True)
    _update_to(db, "GT-01", "dung_cho")
    stalled = _flag(flags.evaluate(db, date(2023, 7, 1)), "GT-01", "stalled")
    assert stalled is not None and stalled["severity"] == "red"


def test_a_new_started_stage_is_picked_up_by_the_funding_simulation(db):
    _add_stage(db, "nghiem_thu", 7, is_started=True, default_done_share=0.9, default_months_to_start=0)
    m = stages.model(db)
    works = pd.DataFrame({"work_id": ["A", "B"], "total_vnd": [10 * BN, 10 * BN], "disbursed_vnd": [float("nan")] * 2,
                          "stage": ["nghiem_thu", None], "baseline_year": [2030.0, 2030.0], "priority": [1.0, 2.0]})
    a = funding.Assumptions(m.default_done_share(), m.default_months_to_start(), min_build_years=3, stages=m)
    w = funding.simulate(works, a, funding.Envelope(2026, 2035, 100 * BN)).per_work.set_index("work_id")
    assert w.loc["A", "done_share"] == pytest.approx(0.9)             # its default_done_share
    assert w.loc["A", "remaining_vnd"] == pytest.approx(1 * BN)
    assert (w.loc["A", "start_year"], w.loc["A", "earliest_finish_year"]) == (2026, 2026)  # started: no build years
    assert (w.loc["B", "start_year"], w.loc["B", "earliest_finish_year"]) == (2027, 2029)  # unknown: 12 months + 3 years
    # the same stage marked not started and in site clearance: build years and extra months apply
    db.write(admin(db), "flip", lambda cur: cur.execute(
        "UPDATE stage SET is_started = FALSE, is_site_clearance = TRUE WHERE code = 'nghiem_thu'"))
    m2 = stages.model(db)
    a2 = funding.Assumptions(m2.default_done_share(), m2.default_months_to_start(), clearance_extra_months=13,
                             min_build_years=3, stages=m2)
    w2 = funding.simulate(works, a2, funding.Envelope(2026, 2035, 100 * BN)).per_work.set_index("work_id")
    assert (w2.loc["A", "start_year"], w2.loc["A", "earliest_finish_year"]) == (2028, 2030)
    # without the table's model (the seed's stages) the code is unknown: nothing assumed done
    w0 = funding.simulate(works, funding.Assumptions(), funding.Envelope(2026, 2035, 100 * BN)).per_work
    assert w0.set_index("work_id").loc["A", "done_share"] == 0


def _what_if(db, sc, base=None):
    return whatif.evaluate(db, sc, base or sc, towns=None, period_id=None, ruleset_id=criteria.DEFAULT_RULESET,
                           demo=False, classes={}, town_names={}, stage_labels=whatif.stage_labels(db))


def test_the_what_if_simulates_a_stage_added_to_the_database_with_its_defaults(db):
    _add_stage(db, "cho_von", 7, default_done_share=0.4, default_months_to_start=0)
    _update_to(db, "GT-01", "cho_von")            # 10 tỷ, disbursement unknown
    m = stages.model(db)
    sc = scenario.default_scenario(2022, stages=m)
    assert sc.stages == m and sc.shares["cho_von"] == 0.4 and sc.months["cho_von"] == 0
    w = _what_if(db, sc).result.per_work.set_index("work_id").loc["GT-01"]
    assert w["stage"] == "cho_von" and w["done_share"] == pytest.approx(0.4)        # its default, not unknown's 0
    assert w["done_share_source"] == "stage_assumption" and w["start_year"] == 2023  # 0 months, not unknown's 12
    assert w["remaining_vnd"] == pytest.approx(6 * BN)
    # a scenario made on the seed's stages (a pure caller) runs against the database's model too, and says so
    seeded = _what_if(db, scenario.default_scenario(2022))
    assert seeded.scenario.stages == m and seeded.base.stages == m
    assert seeded.result.per_work.set_index("work_id").loc["GT-01", "done_share"] == pytest.approx(0.4)
    assert any("cho_von" in str(n) for n in seeded.notes)
    # without the database's model the stage would be unknown: nothing done, a year to wait
    plain = whatif.run(whatif.funding_frame(queries.works(db)), scenario.default_scenario(2022))
    row = plain.per_work.set_index("work_id").loc["GT-01"]
    assert (row["done_share"], row["start_year"]) == (0, 2024)
    # the assumptions of the new stage are a lever of the scenario
    more = dataclasses.replace(sc, done_share_by_stage={**sc.shares, "cho_von": 0.9})
    assert _what_if(db, more).result.per_work.set_index("work_id").loc["GT-01", "remaining_vnd"] == pytest.approx(1 * BN)
    # the model's own defaults fill funding.Assumptions when only the model is given
    assert funding.Assumptions(stages=m).done_share_by_stage["cho_von"] == 0.4


def test_a_scenario_saved_before_a_stage_existed_loads_with_its_default_and_says_so(db):
    who = admin(db)
    old = Scenario(2023, 2030, done_share_by_stage={**funding.DEFAULT_DONE_SHARE, "dang_gpmb": 0.25})
    scenario_store.save_scenario(db, who, "Trước", old)
    _add_stage(db, "cho_von", 7, default_done_share=0.4, default_months_to_start=3)
    m = stages.model(db)
    params = scenario_store.list_scenarios(db).iloc[0]["params"]
    assert "cho_von" not in json.loads(params)["done_share_by_stage"]
    s = Scenario.from_json(params, m)
    assert s.stages == m and s.shares["cho_von"] == 0.4 and s.months["cho_von"] == 3 and s.shares["dang_gpmb"] == 0.25
    texts = [n.text("vi") for n in s.notes]
    assert len(texts) == 2 and all("cho_von" in x and "mặc định" in x for x in texts)
    assert "40 %" in texts[0] and "3 tháng" in texts[1]
    assert "default" in s.notes[0].text("en")
    assert Scenario.from_json(params).notes == ()                  # against the seed's stages: nothing to say
    # a scenario saved now is stored with the table's stages
    scenario_store.save_scenario(db, who, "Sau", old)
    saved = scenario_store.list_scenarios(db).set_index("name").loc["Sau", "params"]
    assert json.loads(saved)["months_to_start_by_stage"]["cho_von"] == 3
    # a stage since removed from the table is refused, as any unknown stage
    with pytest.raises(ValidationError) as e:
        Scenario.from_json(saved)
    assert any("cho_von" in str(p) and "không có trong danh mục" in str(p) for p in e.value.problems)
    # built directly, a scenario on the database's model needs a value for the new stage
    with pytest.raises(ValidationError) as e:
        Scenario(2023, 2030, done_share_by_stage=funding.DEFAULT_DONE_SHARE, stages=m)
    assert any("cho_von" in str(p) for p in e.value.problems)


def test_a_model_from_a_frame_reads_missing_columns_as_false():
    m = StageModel.from_frame(pd.DataFrame([{"code": "x", "label_vi": "X", "label_en": "X", "sort_order": 1,
                                             "color": "#000000", "is_handed_over": True}]))
    assert m.handed_over == {"x"} and m.started == frozenset() and m.implied_cause("x") is None
    assert m.default_done_share() == {"x": stages.UNKNOWN_DONE_SHARE, UNKNOWN: stages.UNKNOWN_DONE_SHARE}


# -- migration 009 on an existing database ------------------------------------------------------

def test_migration_009_sets_the_meaning_of_the_existing_stages(tmp_path):
    path = tmp_path / "v8.duckdb"
    con = duckdb.connect(str(path))
    for number, sql_path in dbmod.migrations():
        if number > 8:
            break
        for stmt in dbmod._split_sql(sql_path.read_text(encoding="utf-8")):
            con.execute(stmt)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '8')")
    old = ("code", "label_vi", "label_en", "sort_order", "oc4ids_status", "color", "is_handed_over", "report_wording")
    for r in csv.DictReader(open(SEED_STAGES, encoding="utf-8")):
        con.execute(f"INSERT INTO stage ({', '.join(old)}) VALUES ({', '.join('?' for _ in old)})",
                    [r[c] or None for c in old])
    con.close()
    database = Database(path)
    try:
        assert database.schema_version() == dbmod.latest_schema_version() >= 9
        assert stages.model(database) == stages.seed_model()  # the UPDATEs of 009 agree with the CSV
        cols = set(database.query("SELECT * FROM stage LIMIT 0").columns)
        assert {"is_started", "is_early", "is_paused", "is_site_clearance", "is_procedure", "implied_cause",
                "default_done_share", "default_months_to_start"} <= cols
    finally:
        database.close()
