"""Several programmes in one database: every read, flag, slide, pack and scenario is scoped to the
programme chosen in the frame (``?programme=``), and a single-programme file looks as before."""
import json
import os
import shutil

import pandas as pd
import pytest

from bench import synthetic
from lib import changes, criteria, flags, meeting_pack, queries, scenario, scenario_store, slides, whatif
from lib import stages as stages_
from lib.db import ValidationError
from lib.seed import open_database
from tests.auth_helpers import editor
from tests.test_app import ROOT, goto, new_app

ARGS = ["--works", "240", "--periods", "4", "--seed", "7", "--programmes", "2"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    path = tmp_path_factory.mktemp("prog") / "two.duckdb"
    assert synthetic.main([*ARGS, "--out", str(path)]) == 0
    return path


@pytest.fixture
def db(made, tmp_path):
    path = tmp_path / "two.duckdb"
    shutil.copy(made, path)
    d = open_database(path)
    yield d
    d.close()


def _ids(db, programme):
    return set(db.query("SELECT id FROM work WHERE programme_id = ?", [programme])["id"])


def test_the_works_of_each_programme_and_no_other(db):
    assert list(queries.programmes(db)["id"]) == ["P1", "P2"]
    p1, p2 = _ids(db, "P1"), _ids(db, "P2")
    assert p1 and p2 and not p1 & p2
    assert set(queries.works(db, programme="P1")["id"]) == p1
    assert set(queries.works(db, programme="P2")["id"]) == p2
    assert len(queries.works(db)) == len(p1) + len(p2)  # None: every programme (the command line, tests)
    # a town filter narrows inside the programme
    town = queries.targets(db, "P2")["area_id"].iloc[0]
    assert set(queries.works(db, [town], programme="P2")["id"]) <= p2
    assert queries.programme(db, "P2")["id"] == "P2"
    assert queries.programme(db, "nope")["id"] == "P1" and queries.programme(db)["id"] == "P1"


def test_towns_targets_and_tasks_follow_the_programme(db):
    t1, t2 = queries.targets(db, "P1"), queries.targets(db, "P2")
    assert set(t1["programme_id"]) == {"P1"} and set(t2["programme_id"]) == {"P2"}
    assert not set(t1["area_id"]) & set(t2["area_id"])
    o2 = set(queries.town_options(db, "P2")["id"])
    assert set(t2["area_id"]) <= o2 and not set(t1["area_id"]) & o2
    linked = set(db.query("SELECT DISTINCT wa.area_id FROM work_area wa JOIN work w ON w.id = wa.work_id "
                          "WHERE w.programme_id = 'P2'")["area_id"])
    assert o2 - {queries.UNKNOWN_TOWN} == linked | set(t2["area_id"])
    assert set(queries.department_tasks(db, "P2")["programme_id"]) == {"P2"}
    assert len(queries.department_tasks(db)) == len(queries.department_tasks(db, "P1")) + len(
        queries.department_tasks(db, "P2"))


def test_flags_trend_and_changes_are_the_programmes_own(db):
    every = flags.evaluate(db)
    for p in ("P1", "P2"):
        mine = flags.evaluate(db, programme=p)
        assert set(mine["work_id"]) <= _ids(db, p)
        # a work's flags do not depend on the other programme's works
        theirs = every[every["work_id"].isin(_ids(db, p))].reset_index(drop=True)
        assert mine.reset_index(drop=True).equals(theirs)
    t_all, t1, t2 = flags.trend(db), flags.trend(db, programme="P1"), flags.trend(db, programme="P2")
    counts = [c for c in t_all.columns if c.startswith("n_")]
    assert counts and (t1[counts] + t2[counts]).equals(t_all[counts])
    rows = changes.changes_since_previous(db, programme="P2")
    assert len(rows) and set(rows["work_id"]) <= _ids(db, "P2")


def test_slides_and_the_pack_speak_of_one_programme(db):
    deck = slides.build(db, programme="P2")
    head = deck[0]
    assert head.facts["n_works"] == len(_ids(db, "P2"))
    pack = meeting_pack.gather(db, period_id=None, towns=None, eval_date=flags.default_eval_date(db),
                               drafted_on=flags.default_eval_date(db), programme="P2")
    assert pack.n_works == len(_ids(db, "P2"))
    assert pack.programme_name == queries.programme(db, "P2")["name"]
    assert {w.id for w in pack.annex} == _ids(db, "P2")


def test_a_scenario_runs_on_its_programme_and_is_listed_there(db):
    model = stages_.model(db)
    sc = scenario.default_scenario(2026, None, model, "P2")
    assert scenario.Scenario.from_json(sc.to_json(), model).programme == "P2"
    out = whatif.outcomes(db, sc, None, criteria.DEFAULT_RULESET, False)
    assert out.n_simulated + out.n_not_simulated == len(_ids(db, "P2"))
    who = editor(db)
    scenario_store.save_scenario(db, who, "Kịch bản P2", sc)
    scenario_store.save_scenario(db, who, "Kịch bản P1", scenario.default_scenario(2026, None, model, "P1"))
    # saved before programmes were told apart (no programme in its JSON): the first programme's
    legacy = scenario.default_scenario(2026, None, model)
    assert "programme" not in json.loads(legacy.to_json())
    scenario_store.save_scenario(db, who, "Cũ", legacy)
    assert set(scenario_store.list_scenarios(db, "P2")["name"]) == {"Kịch bản P2"}
    assert set(scenario_store.list_scenarios(db, "P1")["name"]) == {"Kịch bản P1", "Cũ"}
    assert len(scenario_store.list_scenarios(db)) == 3
    with pytest.raises(ValidationError) as e:
        scenario_store.save_scenario(db, who, "Lạ", scenario.default_scenario(2026, None, model, "P9"))
    assert "P9" in e.value.text("vi")
    with pytest.raises(ValidationError):
        scenario.Scenario(2026, 2030, programme="<b>x</b>")


def test_a_single_programme_file_reads_as_before(tmp_path):
    from lib.seed import open_database as open_seed
    d = open_seed(tmp_path / "seed.duckdb")
    try:
        (only,) = list(queries.programmes(d)["id"])
        assert queries.works(d, programme=only).equals(queries.works(d))
        assert queries.town_options(d, only).equals(queries.town_options(d))
        assert flags.evaluate(d, programme=only).equals(flags.evaluate(d))
    finally:
        d.close()


# -- the frame --------------------------------------------------------------------------------------

@pytest.fixture
def app2(made, tmp_path, monkeypatch):
    path = tmp_path / "app2.duckdb"
    shutil.copy(made, path)
    monkeypatch.setenv("CT07_DB_PATH", str(path))
    monkeypatch.chdir(ROOT)
    return new_app(tmp_path), path


def _count_works(path, programme) -> int:
    d = open_database(path)
    try:
        return len(_ids(d, programme))
    finally:
        d.close()


def test_the_frame_offers_the_programmes_and_keeps_the_choice_in_the_url(app2):
    at, path = app2
    at.query_params["programme"] = "P2"
    at.run()
    assert not at.exception
    box = at.selectbox(key="f_programme")
    assert box.value == "P2" and box.options == [queries_name(path, "P1"), queries_name(path, "P2")]
    at = goto(at, "pages/danh_muc.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    n2 = _count_works(path, "P2")
    assert f"**{n2}** công trình" in text  # the register's total: the programme's works only
    # another programme: its own towns, every one of them; the URL says it
    at.selectbox(key="f_programme").set_value("P1").run()
    assert not at.exception
    assert "programme" not in at.query_params  # the first programme is the default
    at.selectbox(key="f_programme").set_value("P2").run()
    assert at.query_params["programme"] == ["P2"] or at.query_params["programme"] == "P2"


def queries_name(path, programme) -> str:
    d = open_database(path)
    try:
        return str(queries.programme(d, programme)["name"])
    finally:
        d.close()


@pytest.mark.parametrize("page", ["pages/tong_quan.py", "pages/trinh_chieu.py", "pages/canh_bao.py",
                                  "pages/tieu_chi.py", "pages/kich_ban_von.py", "pages/nhiem_vu.py"])
def test_every_page_runs_on_the_second_programme(app2, page):
    at, _ = app2
    at.query_params["programme"] = "P2"
    at.run()
    goto(at, page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["ctx"].programme == "P2"


def test_an_unknown_programme_in_the_url_is_said_and_the_first_shown(app2):
    at, path = app2
    at.query_params["programme"] = "<script>P9</script>"
    at.run()
    assert not at.exception
    assert at.selectbox(key="f_programme").value == "P1"
    warnings = " ".join(w.value for w in at.warning)
    assert "chương trình" in warnings and "P9" in warnings


def test_one_programme_shows_no_programme_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("CT07_DB_PATH", str(tmp_path / "seed.duckdb"))
    monkeypatch.chdir(ROOT)
    at = new_app(tmp_path)
    at.run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "f_programme"]


def test_open_data_of_one_programme(db, made, tmp_path):
    from lib import oc4ids
    got = oc4ids.build(db, programme="P2").package
    assert {p["id"].removeprefix("ct07-") for p in got["projects"]} == _ids(db, "P2")
    with pytest.raises(oc4ids.OC4IDSError) as e:
        oc4ids.build(db, programme="P9")
    assert "P9" in str(e.value)
    path = tmp_path / "cli.duckdb"
    shutil.copy(made, path)
    out = tmp_path / "p2.json"
    assert oc4ids.main(["--out", str(out), "--db", str(path), "--programme", "P2"]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["projects"]) == len(_ids(db, "P2"))


def test_changes_read_in_the_database_equal_the_pure_core_on_frames(db):
    """``changes.compare`` derives both dates' status and flags in the database (a province's
    history never goes through a frame); the pure core on frames must give the same rows."""
    from lib import stages as stages_
    periods = list(queries.periods(db)["id"])
    th, model = flags.stored_thresholds(db), stages_.model(db)
    seen = 0
    for pid in periods[:-1]:  # each period that has one before it
        for programme, towns in ((None, None), ("P2", None), ("P1", list(queries.targets(db, "P1")["area_id"][:1]))):
            got = changes.compare(db, pid, towns, "en", programme)
            works, history = flags.load_inputs(db, None, towns, programme)
            labels = {s.code: model.label(s.code, "en") for s in model.stages}
            want = changes.changes_between(works, history, got.previous_as_of, got.as_of, th, "en", labels, model)
            pd.testing.assert_frame_equal(got.rows.reset_index(drop=True), want.reset_index(drop=True))
            seen += len(want)
    assert seen > 50  # the synthetic histories do change


def test_progress_by_period_equals_reading_the_register_at_each_period(db):
    """``progress.by_period`` derives each period's status from the updates read once; the figures
    are those of the register read at that period (``queries.works``)."""
    from lib import fmt, progress
    for programme, towns in ((None, None), ("P2", None), ("P1", list(queries.targets(db, "P1")["area_id"][:1])), (None, [])):
        got = progress.by_period(db, towns, programme)
        assert len(got) == len(queries.periods(db))
        for r in got.itertuples():
            w = queries.works(db, towns, r.period_id, programme)
            handed = w[w["is_handed_over"]]
            assert (r.n_works, r.n_handed_over, r.n_physical_known) == (len(w), len(handed), w["physical_pct"].notna().sum())
            assert r.handed_over_ty == pytest.approx(fmt.sum_known(handed["total_investment_vnd"]) / fmt.TY)
            mean = w["physical_pct"].dropna().mean()
            assert (r.physical_mean is None and pd.isna(mean)) or r.physical_mean == pytest.approx(mean)


def test_a_provinces_deck_stays_a_meeting_deck(db):
    """Hundreds of flagged works: each table section runs over at most MAX_TABLE_SLIDES slides, then
    one slide says how many rows are not shown and where the whole list is."""
    deck = slides.build(db, programme="P1")
    for kind in ("flags", "changes"):
        part = [s for s in deck if s.kind == kind]
        tables = [s for s in part if s.table is not None]
        assert 0 < len(tables) <= slides.MAX_TABLE_SLIDES
        assert all(s.part == (k, len(tables)) for k, s in enumerate(tables, start=1))
        shown = sum(len(s.rows) for s in tables)
        total = len(part[0].facts["work_ids"]) if kind == "flags" else part[0].facts["n_changes"]
        if shown < total:
            (more,) = [s for s in part if s.table is None]
            assert more.facts["n_not_shown"] == total - shown
            assert f"Còn {total - shown} " in more.lines[0] and "trang Cảnh báo" in more.lines[0]
    assert any(s.facts.get("n_not_shown") for s in deck)  # this file has more than the slides show
    assert str(queries.programme(db, "P1")["name"])[:30] in slides.footer(db, None, None, "vi", "P1")  # which programme
    assert len(deck) < 30


def test_switching_programme_after_choosing_a_town_shows_all_the_new_programmes_towns(app2):
    at, _ = app2
    at.run()
    assert at.selectbox(key="f_programme").value == "P1"
    first_town = at.session_state["ctx"].town_labels[0][0]
    at.multiselect(key="f_towns").set_value([first_town]).run() if [m for m in at.multiselect if m.key == "f_towns"] \
        else at.pills(key="f_towns").set_value([first_town]).run()
    assert at.query_params.get("town") in ([first_town], first_town)
    at.selectbox(key="f_programme").set_value("P2").run()
    assert not at.exception
    assert at.session_state["ctx"].towns is None  # every area of P2
    assert "town" not in at.query_params
    assert not [w for w in at.warning if "địa bàn" in w.value]  # no false "unknown town" warning


def test_a_programme_without_works_gets_a_sentence_on_the_update_page(app2, monkeypatch):
    import duckdb
    from tests.auth_helpers import sign_in_app
    at, path = app2
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO programme (id, name) VALUES ('P3', 'Chương trình chưa có công trình')")
    sign_in_app(at)
    at.query_params["programme"] = "P3"
    at.run()
    goto(at, "pages/cap_nhat.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("chưa có công trình nào" in i.value for i in at.info)


def test_an_older_scenario_runs_on_the_programme_that_lists_it_in_the_slides(db):
    model = stages_.model(db)
    scenario_store.save_scenario(db, editor(db), "Cũ", scenario.default_scenario(2026, None, model))  # no programme
    row, sc = slides.latest_saved(db, None, "P2") or (None, None)
    assert sc is None  # listed under the first programme only
    row, sc = slides.latest_saved(db, None, "P1")
    assert sc.programme == "P1"
    assert len(whatif.scenario_works(db, sc, None)) == len(_ids(db, "P1"))


def test_open_data_names_the_programmes_own_committee_and_evidence_is_scoped(db):
    from lib import evidence, oc4ids
    p2 = queries.programme(db, "P2")
    got = oc4ids.build(db, programme="P2").package["publisher"]["name"]
    assert str(p2["issuer"]) in got and str(queries.programme(db, "P1")["issuer"]) not in got
    links = evidence.work_effect_rows(db, None, "vi", "P2")
    assert len(links) and set(links["work_id"]) <= _ids(db, "P2") if "work_id" in links.columns else len(links)
    towns = set(evidence.town_choices(db, "P2")["id"])
    assert set(queries.targets(db, "P2")["area_id"]) <= towns
    assert not set(queries.targets(db, "P1")["area_id"]) & towns


def test_a_town_targeted_by_two_programmes_is_scored_against_the_target_of_the_programme_shown(db):
    """One town, two programmes, two targets: each programme's scorecard, legal status, class and
    slide use its own target and year; with no programme given, the first programme (by id) that
    targets the town, always the same."""
    from datetime import date
    town = queries.targets(db, "P1")["area_id"].iloc[0]
    own = queries.targets(db, "P1").set_index("area_id").loc[town]
    other = "V" if own["target_class"] != "V" else "IV"
    db._con.execute("INSERT INTO programme_target (programme_id, area_id, target_class, target_year) "
                    "VALUES ('P2', ?, ?, 2031)", [town, other])
    assert criteria.target_class(db, town, "P1") == own["target_class"]
    assert criteria.target_class(db, town, "P2") == other
    assert criteria.target_class(db, town) == own["target_class"]      # P1 comes first, every time
    assert criteria.target_class(db, town, "P3") is None                # not a target of that programme
    on = date(2025, 6, 30)                                               # before NQ 111: the target stands
    l1, l2 = (criteria.legal_status(db, town, on, programme=p) for p in ("P1", "P2"))
    assert (l1.target_class, l2.target_class, l2.target_year) == (own["target_class"], other, 2031)
    ruleset = "nq1210-2016-nq26-2022"
    assert criteria.town_class(db, town, ruleset, "P2") == other
    assert criteria.town_answer(db, town, ruleset, None, on, programme="P2").legal.target_class == other
    from lib import evidence, scenario_towns
    assert evidence.class_for(db, town, ruleset, "P2") == other
    assert scenario_towns.class_for(db, town, ruleset, None, "P2") == other


def test_the_criteria_page_of_a_programme_scores_a_shared_town_against_that_programmes_target(app2):
    """On the Tiêu chí page with P2 on screen, a town that P1 and P2 both target is scored against
    P2's class: the class chosen for it, and the missing-values checklist below."""
    at, path = app2
    d = open_database(path)
    try:
        town = queries.targets(d, "P1")["area_id"].iloc[0]
        own = queries.targets(d, "P1").set_index("area_id").loc[town, "target_class"]
        other = "V" if own != "V" else "IV"
        d._con.execute("INSERT INTO programme_target (programme_id, area_id, target_class, target_year) "
                       "VALUES ('P2', ?, ?, 2031)", [town, other])
    finally:
        d.close()
    at.query_params["programme"] = "P2"
    at.run()
    at = goto(at, "pages/tieu_chi.py")
    at.selectbox(key="crit_ruleset").set_value("nq1210-2016-nq26-2022").run()
    at.selectbox(key="crit_town").set_value(town).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="crit_class").value == other
    from tests.test_app import html_texts
    checklist = " ".join(h for h in html_texts(at) if "tiêu chuẩn của loại" in h)   # the table's caption
    assert f"tiêu chuẩn của loại {other} (" in checklist and f"loại {own} (" not in checklist
