"""The what-if model of the funding page: one evaluation of a scenario (``evaluate``) runs it and
its baseline, compares their completion years with each other and with the report, projects
each town's score, and gives the outcomes; goal seeking (``goal_all``, ``goal_town``) finds the
smallest yearly money for a goal. The page only draws a ``WhatIf``. Never imports streamlit.

Every function given a database runs a scenario against the database's stage model
(``stages.model(db)``, ``Scenario.for_stages``): a stage added to the ``stage`` table is simulated
with its own defaults, not as unknown, even in a scenario made before it existed (``notes``).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from lib import criteria, funding, queries
from lib import stages as stages_
from lib.db import Database
from lib.scenario import Scenario
from lib.scenario_towns import TownProjection, _town_inputs, programme_towns, relevant_completion, town_links, \
    town_projection

# -- running a scenario -----------------------------------------------------------------

def funding_frame(works: pd.DataFrame) -> pd.DataFrame:
    """queries.works -> the input of funding.simulate (town: the first area of the work)."""
    return pd.DataFrame({
        "work_id": works["id"].astype(str).to_numpy(),
        "total_vnd": works["total_investment_vnd"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "disbursed_vnd": works["disbursed_vnd"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "stage": works["stage"].astype(object).where(works["stage"].notna(), None).to_numpy(),
        "baseline_year": works["baseline_year"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "priority": works["priority"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "town": [a[0] if len(a) else None for a in works["area_ids"]],
    })


def scenario_works(db: Database, scenario: Scenario, period_id: str | None) -> pd.DataFrame:
    """What ``funding_frame`` reads of ``queries.works`` (``queries.funding_inputs``) for the
    scenario's programme and towns as of ``period_id``."""
    return queries.funding_inputs(db, list(scenario.towns) if scenario.towns is not None else None, period_id,
                                  scenario.programme)


def against(db: Database, scenario: Scenario, read=None) -> Scenario:
    """``scenario`` keyed by the database's stage model (``Scenario.for_stages``)."""
    return scenario.for_stages((read or _direct(db))(stages_.model))


def run(frame: pd.DataFrame, scenario: Scenario) -> funding.SimulationResult:
    return funding.simulate(frame, scenario.assumptions(), scenario.envelope(), scenario.rule)


def compare_completion(works: pd.DataFrame, base: funding.SimulationResult,
                       cur: funding.SimulationResult) -> pd.DataFrame:
    """One row per simulated work, in the works' order: work_id, name, town, stage,
    handed_over, baseline_year (frozen, from the report), base_year (baseline scenario),
    year (this scenario) (<NA>: not within the horizon), change ('earlier', 'later',
    'same'), change_years (<NA> when either year is unknown), delay_years (year minus
    the frozen baseline year)."""
    b = base.per_work.set_index("work_id")
    c = cur.per_work.set_index("work_id")
    all_ids = works["id"].tolist()  # lists, not pandas element by element: a province has thousands
    names = dict(zip(all_ids, works["name"].tolist()))
    handed = dict(zip(all_ids, works["is_handed_over"].fillna(False).tolist()))  # the stage table's is_handed_over
    simulated = set(c.index.tolist())
    ids = [w for w in all_ids if w in simulated]
    base_year = b["completion_year"].reindex(ids)
    year = c["completion_year"].reindex(ids)
    by = base_year.astype("Float64").fillna(math.inf).astype(float)
    cy = year.astype("Float64").fillna(math.inf).astype(float)
    change = pd.Series("same", index=ids).mask(cy < by, "earlier").mask(cy > by, "later")
    return pd.DataFrame({
        "work_id": ids,
        "name": [names.get(w, w) for w in ids],
        "town": c["town"].reindex(ids).to_numpy(),
        "stage": c["stage"].reindex(ids).to_numpy(),
        "handed_over": [bool(handed.get(w, False)) for w in ids],
        "baseline_year": c["baseline_year"].reindex(ids).to_numpy(),
        "base_year": base_year.to_numpy(),
        "year": year.to_numpy(),
        "change": change.to_numpy(),
        "change_years": (year - base_year).to_numpy(),
        "delay_years": c["delay_years"].reindex(ids).to_numpy(),
    })


@dataclass(frozen=True)
class TownGoal:
    """The smallest yearly envelope that brings a town to its class by a year.

    status: 'ok' (envelope_vnd found, 0 when no money is needed), 'unreachable' (not even
    with every work funded at once), 'no_data' (the score cannot be computed: unknown
    values or rules; see n_scored/n_total)."""
    status: str
    envelope_vnd: float | None
    class_code: str
    n_scored: int
    n_total: int
    best_total: float | None     # the score by that year with every work funded at once
    pass_mark: float | None


def goal_town(db: Database, scenario: Scenario, period_id: str | None, town: str, ruleset_id: str,
              include_demo: bool, year: int, class_code: str | None = None) -> TownGoal:
    """funding.min_envelope_for with the predicate "the town's verdict is 'dat' in ``year``",
    under the scenario's assumptions and rule, from its start year to ``year``."""
    scenario = against(db, scenario)
    works = scenario_works(db, scenario, period_id)
    frame = funding_frame(works)
    cat, cls, region, values, links, _ = _town_inputs(db, town, ruleset_id, include_demo, class_code, scenario.programme)
    memo: dict[tuple, pd.Series] = {}

    def score(completion: Mapping[str, int | None]) -> pd.Series:
        key = relevant_completion(links, completion)
        if key not in memo:
            memo[key] = criteria.project_scores(cat, ruleset_id, cls, region, values, links,
                                                dict(key), [year]).iloc[0]
        return memo[key]

    everything = max(1.0, float(frame["total_vnd"].sum(skipna=True)) * (1 + scenario.cost_overrun_pct / 100))
    rich = funding.simulate(frame, scenario.assumptions(),
                            funding.Envelope(scenario.start_year, max(year, scenario.start_year), everything),
                            scenario.rule)
    best = score(funding.completion_map(rich))
    common = dict(class_code=cls, n_scored=int(best["n_scored"]), n_total=int(best["n_total"]),
                  best_total=None if pd.isna(best["total"]) else float(best["total"]),
                  pass_mark=None if pd.isna(best["pass_mark"]) else float(best["pass_mark"]))
    if best["verdict"] == "chua_du_so_lieu":
        return TownGoal("no_data", None, **common)
    if best["verdict"] != "dat" or year < scenario.start_year:
        return TownGoal("unreachable", None, **common)
    needed = funding.min_envelope_for(lambda r: score(funding.completion_map(r))["verdict"] == "dat",
                                      frame, scenario.assumptions(), scenario.start_year, year, scenario.rule,
                                      carry_unspent=scenario.carry_unspent)
    return TownGoal("ok" if needed is not None else "unreachable", needed, **common)


@dataclass(frozen=True)
class AllGoal:
    """The smallest uniform yearly envelope with which every work that has an amount is
    complete by ``year`` (None: not reachable with any money; ``too_late`` says which works
    cannot finish by then whatever the money)."""
    year: int
    envelope_vnd: float | None
    too_late: tuple[str, ...]
    n_works: int


def goal_all_frame(frame: pd.DataFrame, scenario: Scenario, year: int) -> AllGoal:
    a = scenario.assumptions()
    r = funding.simulate(frame, a, funding.Envelope(scenario.start_year, scenario.start_year))
    pw = r.per_work
    late = tuple(pw.loc[(pw["earliest_finish_year"] > year) & ~pw["stage"].isin(a.stages.handed_over), "work_id"])
    needed = None
    if year >= scenario.start_year and not late:
        needed = funding.min_envelope_to_finish_all_by(frame, scenario.assumptions(), year, scenario.start_year,
                                                       scenario.rule, carry_unspent=scenario.carry_unspent)
    return AllGoal(year, needed, late, len(pw))


def goal_all(db: Database, scenario: Scenario, period_id: str | None, year: int) -> AllGoal:
    """``goal_all_frame`` on the works of the scenario's towns (a read, so it can be cached)."""
    scenario = against(db, scenario)
    works = scenario_works(db, scenario, period_id)
    return goal_all_frame(funding_frame(works), scenario, year)


# -- outcomes, comparison, export -------------------------------------------------------

@dataclass(frozen=True)
class Outcomes:
    """Key results of a scenario, for the comparison and the minutes."""
    start_year: int
    end_year: int
    n_simulated: int
    n_done: int                    # complete by the end of the horizon (handed-over works included)
    n_not_simulated: int
    not_simulated: tuple[str, ...]
    outstanding_vnd: float         # need still unfunded at the end of the horizon
    spent_vnd: float
    towns: tuple[TownProjection, ...]


def outcomes_of(result: funding.SimulationResult, scenario: Scenario,
                towns: tuple[TownProjection, ...] = ()) -> Outcomes:
    pw = result.per_work
    return Outcomes(scenario.start_year, scenario.end_year, len(pw), int(pw["completion_year"].notna().sum()),
                    len(result.not_simulated), tuple(result.not_simulated["work_id"]),
                    float(pw["outstanding_vnd"].sum()), float(result.per_year["spent_vnd"].sum()), towns)


def town_ids_for(db: Database, scenario: Scenario) -> list[str]:
    return [t for t in programme_towns(db, scenario.programme) if scenario.towns is None or t in scenario.towns]


def outcomes(db: Database, scenario: Scenario, period_id: str | None, ruleset_id: str,
             include_demo: bool) -> Outcomes:
    """Run a scenario on the works of its towns and project each programme town's score."""
    scenario = against(db, scenario)
    works = scenario_works(db, scenario, period_id)
    result = run(funding_frame(works), scenario)
    completion = funding.completion_map(result)
    projections = []
    for town in town_ids_for(db, scenario):
        key = relevant_completion(town_links(db, town), completion)
        projections.append(town_projection(db, town, ruleset_id, include_demo, key, tuple(scenario.years),
                                           programme=scenario.programme))
    return outcomes_of(result, scenario, tuple(projections))


# -- one evaluation of a scenario: what the funding page draws ---------------------------------

@dataclass(frozen=True)
class WhatIf:
    """A scenario and its baseline, run on the same works, with every figure the page shows."""
    scenario: Scenario
    base: Scenario
    works: pd.DataFrame
    frame: pd.DataFrame
    result: funding.SimulationResult
    base_result: funding.SimulationResult
    moved: pd.DataFrame                       # compare_completion: against the baseline and the report
    projections: tuple[TownProjection, ...]
    base_projections: tuple[TownProjection, ...]
    outcomes: Outcomes
    base_outcomes: Outcomes
    town_names: Mapping[str, str]
    stage_labels: Mapping[str, str]
    ruleset_id: str
    ruleset_name: str
    demo: bool
    notes: tuple = ()                         # lib.i18n.Msg: what reading the scenario changed (Scenario.notes)

    @property
    def uses_demo(self) -> bool:
        return any(p.uses_demo for p in self.projections)


def _direct(db: Database):
    return lambda fn, *args: fn(db, *args)


def projections(db: Database, scenario: Scenario, completion: Mapping[str, int | None], ruleset_id: str,
                demo: bool, towns: list[str], classes: Mapping[str, str | None], read=None
                ) -> tuple[TownProjection, ...]:
    """Each town's projected score under a run's completion years. ``classes``: the class each
    town is scored against (None: the class that follows the town)."""
    read = read or _direct(db)
    out = []
    for town in towns:
        key = relevant_completion(read(town_links, town), completion)
        out.append(read(town_projection, town, ruleset_id, demo, key, tuple(scenario.years), classes.get(town),
                        scenario.programme))
    return tuple(out)


def evaluate(db: Database, scenario: Scenario, base: Scenario, *, towns: list[str] | None, period_id: str | None,
             ruleset_id: str, demo: bool, classes: Mapping[str, str | None], town_names: Mapping[str, str],
             stage_labels: Mapping[str, str], read=None) -> WhatIf:
    """Run ``scenario`` and its baseline on the works of the scenario's programme in ``towns``
    (None: all) at ``period_id``.

    The baseline runs to the same end year: the horizon is a window, not a lever. Both run against
    the database's stage model (``against``): a stage either lacks takes the table's default, said
    in ``WhatIf.notes``. ``read(fn, *args)`` calls a read function of lib/ with the database (the page
    passes its cache, keyed by data version); by default the functions are called directly."""
    read = read or _direct(db)
    scenario, base = against(db, scenario, read), against(db, base, read)
    works = read(queries.works, towns, period_id, scenario.programme)
    fr = funding_frame(works)
    base = dataclasses.replace(base, end_year=max(scenario.end_year, base.start_year))
    result, base_result = run(fr, scenario), run(fr, base)
    shown = [t for t in read(programme_towns, scenario.programme) if towns is None or t in towns]
    mine = projections(db, scenario, funding.completion_map(result), ruleset_id, demo, shown, classes, read)
    theirs = projections(db, base, funding.completion_map(base_result), ruleset_id, demo, shown, classes, read)
    return WhatIf(scenario, base, works, fr, result, base_result, compare_completion(works, base_result, result),
                  mine, theirs, outcomes_of(result, scenario, mine), outcomes_of(base_result, base, theirs),
                  town_names, stage_labels, ruleset_id, read(criteria.catalog)[ruleset_id].info.name, demo,
                  scenario.notes)


def stage_labels(db: Database, lang: str = "vi") -> dict[str, str]:
    """Stage code -> its name in the language, with the name of an unknown stage (``stages.UNKNOWN``)."""
    return stages_.model(db).labels(lang)
