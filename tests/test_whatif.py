"""The what-if model (lib/whatif.py): one evaluation of a scenario against its baseline, as a
function on the default data (the 12/2022 report), without Streamlit. The page only draws it
(tests/test_funding_page.py checks what only a run shows)."""
import dataclasses

import pandas as pd

import pytest

from lib import criteria, whatif
from lib.stages import UNKNOWN as UNKNOWN_STAGE
from lib.fmt import TY
from lib.i18n import t
from lib.scenario import default_scenario

RULESET = criteria.DEFAULT_RULESET


def evaluate(db, scenario, towns=None, classes=None):
    base = default_scenario(2022, towns)
    return whatif.evaluate(db, scenario, base, towns=towns, period_id=None, ruleset_id=RULESET, demo=False,
                           classes=classes or {}, town_names={}, stage_labels=whatif.stage_labels(db))


@pytest.fixture
def baseline_run(db):
    return evaluate(db, default_scenario(2022))


def test_the_baseline_against_itself_moves_nothing(baseline_run):
    m = baseline_run
    o = m.outcomes
    assert (o.start_year, o.end_year) == (2023, 2030)
    assert (o.n_done, o.n_simulated, o.n_not_simulated) == (10, 13, 5)      # "10/13 công trình"
    assert round(o.outstanding_vnd / TY, 3) == 19.186                        # still short at the end of 2030
    assert set(m.moved["change"]) == {"same"}
    assert (m.outcomes.n_done, m.outcomes.outstanding_vnd) == (m.base_outcomes.n_done, m.base_outcomes.outstanding_vnd)
    # the five works with no amount are not simulated, never counted as 0
    assert "XH-03" in o.not_simulated and len(m.result.not_simulated) == 5
    assert not m.uses_demo and m.ruleset_name


def test_more_money_brings_works_forward_against_the_baseline_and_the_report(db):
    m = evaluate(db, dataclasses.replace(default_scenario(2022), state_budget_vnd=20 * TY))
    moved = m.moved.set_index("work_id")
    assert (moved.loc["GT-01", "base_year"], moved.loc["GT-01", "year"]) == (2028, 2026)
    assert moved.loc["GT-01", "change"] == "earlier" and moved.loc["GT-01", "delay_years"] == 3  # vs the report
    assert (moved["change"] == "earlier").sum() == 6 and (moved["change"] == "later").sum() == 0
    assert m.outcomes.n_done == 13 and m.outcomes.outstanding_vnd == 0
    # the baseline is the same in both runs: the scenario moved, not the reference
    assert m.base_outcomes.outstanding_vnd == evaluate(db, default_scenario(2022)).outcomes.outstanding_vnd


def test_less_money_pushes_works_out_of_the_horizon(db):
    m = evaluate(db, dataclasses.replace(default_scenario(2022), state_budget_vnd=5 * TY))
    moved = m.moved.set_index("work_id")
    assert moved.loc["GT-01", "change"] == "later" and pd.isna(moved.loc["GT-01", "year"])  # after 2030


def test_the_baseline_runs_to_the_scenario_s_end_year(db):
    """The horizon is a window, not a lever: a longer horizon extends the baseline too."""
    m = evaluate(db, dataclasses.replace(default_scenario(2022), end_year=2035))
    assert m.base.end_year == 2035 and set(m.moved["change"]) == {"same"}


def test_towns_are_projected_for_the_chosen_towns_and_classes(db):
    m = evaluate(db, default_scenario(2022, ["tra-linh"]), towns=["tra-linh"], classes={"tra-linh": "IV"})
    assert [p.town for p in m.projections] == ["tra-linh"] and m.projections[0].class_code == "IV"
    everyone = evaluate(db, default_scenario(2022))
    assert [p.town for p in everyone.projections] == ["trung-khanh", "tra-linh"]
    assert [p.class_code for p in everyone.projections] == ["IV", "V"]      # the class that follows each town
    assert len(m.works) < len(everyone.works)                                 # only Trà Lĩnh's works


def test_the_cache_hook_is_used_for_every_read(db):
    """The page passes its cache (keyed by data version): every read goes through it."""
    seen = []

    def read(fn, *args):
        seen.append(fn.__name__)
        return fn(db, *args)

    whatif.evaluate(db, default_scenario(2022), default_scenario(2022), towns=None, period_id=None,
                    ruleset_id=RULESET, demo=False, classes={}, town_names={}, stage_labels={}, read=read)
    assert {"works", "programme_towns", "town_links", "town_projection", "catalog"} <= set(seen)


def test_stage_labels_name_the_unknown_stage(db):
    assert whatif.stage_labels(db)[UNKNOWN_STAGE] == t("stage.unknown", "vi")
    assert whatif.stage_labels(db, "en")["da_ban_giao"] != whatif.stage_labels(db, "vi")["da_ban_giao"]
