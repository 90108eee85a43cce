"""Tests of the what-if funding simulation (lib/funding.py)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.funding import (
    NO_INVESTMENT_AMOUNT,
    PRECISION_VND,
    RULES,
    Assumptions,
    Envelope,
    SimulationResult,
    all_done_year,
    completion_map,
    funding_gap,
    gap_text,
    min_envelope_for,
    min_envelope_to_finish_all_by,
    simulate,
)
from lib.stages import seed_model

STAGES = seed_model().codes

BN = 1e9  # one tỷ đồng
NAN = float("nan")


def make_works(*rows: dict) -> pd.DataFrame:
    """Works with defaults: under construction, nothing known but the total."""
    defaults = {"total_vnd": 10 * BN, "disbursed_vnd": NAN, "stage": "dang_thi_cong",
                "baseline_year": NAN, "priority": NAN, "town": None}
    return pd.DataFrame([{**defaults, **r} for r in rows])


def completion(result: SimulationResult) -> dict[str, int | None]:
    return {w: y for w, y in completion_map(result).items() if w in set(result.per_work["work_id"])}


# ---------------------------------------------------------------- worked cases

def test_one_work():
    works = make_works({"work_id": "A", "disbursed_vnd": 4 * BN, "baseline_year": 2026})
    r = simulate(works, Assumptions(), Envelope(2026, 2030, 3 * BN))
    row = r.per_work.iloc[0]
    assert row["remaining_vnd"] == 6 * BN
    assert row["done_share_source"] == "disbursed"
    assert row["completion_year"] == 2027
    assert row["delay_years"] == 1
    assert r.money.loc["A"].tolist() == [3 * BN, 3 * BN, 0, 0, 0]


def test_two_works_and_a_priority():
    works = make_works({"work_id": "A", "priority": 2}, {"work_id": "B", "priority": 1})
    env = Envelope(2026, 2030, 5 * BN)  # each needs 5 bn (half done, by stage)
    assert completion(simulate(works, Assumptions(), env, "priority")) == {"A": 2027, "B": 2026}
    swapped = works.assign(priority=[1, 2])
    assert completion(simulate(swapped, Assumptions(), env, "priority")) == {"A": 2026, "B": 2027}


def test_priority_ties_break_on_baseline_then_id_and_unknown_priority_last():
    works = make_works(
        {"work_id": "C", "priority": 1, "baseline_year": 2025},
        {"work_id": "B", "priority": 1, "baseline_year": 2024},
        {"work_id": "A", "priority": NAN, "baseline_year": 2020},
        {"work_id": "D", "priority": 1, "baseline_year": 2025},
    )
    r = simulate(works, Assumptions(), Envelope(2026, 2030, 5 * BN), "priority")
    assert completion(r) == {"B": 2026, "C": 2027, "D": 2028, "A": 2029}


def test_nearly_finished_funds_smallest_remaining_first():
    works = make_works({"work_id": "big", "total_vnd": 20 * BN, "priority": 1},
                       {"work_id": "small", "total_vnd": 4 * BN, "priority": 2})
    r = simulate(works, Assumptions(), Envelope(2026, 2030, 2 * BN), "nearly_finished")
    assert completion(r) == {"small": 2026, "big": None}  # small needs 2 bn; big 10 bn, gets 8 bn
    by_priority = simulate(works, Assumptions(), Envelope(2026, 2030, 2 * BN), "priority")
    assert completion(by_priority) == {"big": 2030, "small": None}  # committee order: big first


def test_pro_rata_shares_the_envelope():
    works = make_works({"work_id": "A", "total_vnd": 12 * BN}, {"work_id": "B", "total_vnd": 4 * BN})
    r = simulate(works, Assumptions(), Envelope(2026, 2030, 4 * BN), "pro_rata")
    assert r.money[2026].tolist() == [3 * BN, 1 * BN]  # half of each outstanding need
    assert completion(r) == {"A": 2027, "B": 2027}


def test_carry_over_of_unfunded_need():
    works = make_works({"work_id": "A", "total_vnd": 20 * BN})  # 10 bn remaining
    r = simulate(works, Assumptions(), Envelope(2026, 2029, 4 * BN))
    assert r.per_work["completion_year"].tolist() == [2028]
    y = r.per_year.set_index("year")
    assert y["need_vnd"].tolist() == [10 * BN, 6 * BN, 2 * BN, 0]
    assert y["spent_vnd"].tolist() == [4 * BN, 4 * BN, 2 * BN, 0]
    assert y["unfunded_need_vnd"].tolist() == [6 * BN, 2 * BN, 0, 0]
    assert y["unspent_vnd"].tolist() == [0, 0, 2 * BN, 4 * BN]


def test_unspent_money_is_lost_unless_carried():
    works = make_works({"work_id": "A", "total_vnd": 8 * BN, "stage": "hoan_thien_thu_tuc"})
    lost = simulate(works, Assumptions(), Envelope(2026, 2030, 5 * BN))
    kept = simulate(works, Assumptions(), Envelope(2026, 2030, 5 * BN, carry_unspent=True))
    assert lost.per_work["start_year"].tolist() == [2027]
    assert lost.per_work["completion_year"].tolist() == [2028]
    assert kept.per_work["completion_year"].tolist() == [2027]
    assert kept.per_year["available_vnd"].tolist()[:2] == [5 * BN, 10 * BN]


def test_no_money_nothing_finishes():
    works = make_works({"work_id": "A"}, {"work_id": "B", "stage": "dang_gpmb"},
                       {"work_id": "C", "stage": None})
    r = simulate(works, Assumptions(), Envelope(2026, 2035))
    assert r.per_work["completion_year"].isna().all()
    assert r.per_year["spent_vnd"].sum() == 0
    assert (r.per_work["outstanding_vnd"] == r.per_work["remaining_vnd"]).all()


def test_unlimited_money_keeps_the_baseline():
    works = make_works(*({"work_id": s, "stage": s, "baseline_year": 2030} for s in STAGES),
                       {"work_id": "unknown", "stage": None, "baseline_year": 2030})
    a = Assumptions(min_build_years=2, clearance_extra_months=3)
    r = simulate(works, a, Envelope(2026, 2035, 1e15))
    w = r.per_work.set_index("work_id")
    handed = w.index == "da_ban_giao"
    assert (w.loc[~handed, "completion_year"] == w.loc[~handed, "earliest_finish_year"]).all()
    expected = {"dang_thi_cong": 2026, "tam_dung": 2027, "dang_gpmb": 2028,  # ceil(9/12)=1, +1 build
                "hoan_thien_thu_tuc": 2029, "quy_hoach": 2028, "unknown": 2028, "da_ban_giao": 2026}
    assert w["completion_year"].to_dict() == expected
    assert pd.isna(w.loc["da_ban_giao", "delay_years"])
    assert w.loc["quy_hoach", "delay_years"] == -2


def test_unknown_total_is_not_simulated_and_not_zero():
    known = make_works({"work_id": "A", "priority": 2})
    with_unknown = make_works({"work_id": "X", "total_vnd": NAN, "priority": 1},
                              {"work_id": "A", "priority": 2})
    env = Envelope(2026, 2028, 2 * BN)
    r = simulate(with_unknown, Assumptions(), env)
    assert r.per_work["work_id"].tolist() == ["A"]
    assert r.not_simulated["work_id"].tolist() == ["X"]
    assert r.not_simulated["reason"].tolist() == [NO_INVESTMENT_AMOUNT]
    assert completion_map(r)["X"] is None  # not "done", as a total of 0 would make it
    pd.testing.assert_frame_equal(r.per_work, simulate(known, Assumptions(), env).per_work)


def test_the_gap_leaves_out_unknown_works_and_says_how_many():
    """The unfunded need is that of the works with an amount; works without one are counted apart
    and the figure is never a plain 0 while they exist."""
    works = make_works({"work_id": "X", "total_vnd": NAN}, {"work_id": "Y", "total_vnd": NAN},
                       {"work_id": "A", "priority": 1}, {"work_id": "B", "priority": 2})
    short = simulate(works, Assumptions(), Envelope(2026, 2026, 7 * BN))  # A and B need 5 bn each
    g = funding_gap(short)
    assert g.known_vnd == 3 * BN and g.n_unknown == 2 and g.not_simulated == ("X", "Y")
    assert g.gap_vnd is None  # the whole gap is unknown: X and Y may need money too
    assert gap_text(g, "vi") == ("3,000", "chưa tính 2 công trình chưa có tổng mức đầu tư")
    assert gap_text(g, "en") == ("3.000", "leaves out 2 works with no amount")
    rich = funding_gap(simulate(works, Assumptions(), Envelope(2026, 2026, 20 * BN)))
    assert rich.known_vnd == 0 and rich.n_unknown == 2 and rich.gap_vnd is None
    value, note = gap_text(rich, "vi")
    assert value == "Chưa rõ" and value != "0"
    assert note == "công trình có tổng mức đầu tư đã đủ vốn; chưa tính 2 công trình chưa có tổng mức đầu tư"
    # with every amount known, the gap is the figure itself, 0 included
    known = works[works["total_vnd"].notna()]
    complete = funding_gap(simulate(known, Assumptions(), Envelope(2026, 2026, 20 * BN)))
    assert complete.gap_vnd == 0 and gap_text(complete, "vi") == ("0,000", "")


def test_all_done_year():
    works = make_works({"work_id": "A", "priority": 1}, {"work_id": "B", "priority": 2})
    assert all_done_year(simulate(works, Assumptions(), Envelope(2026, 2030, 5 * BN))) == 2027
    assert all_done_year(simulate(works, Assumptions(), Envelope(2026, 2030, 1 * BN))) is None
    assert all_done_year(simulate(works.iloc[0:0], Assumptions(), Envelope(2026, 2030, 1 * BN))) is None


def test_stage_assumptions_overrun_and_start_rule():
    works = make_works(
        {"work_id": "gpmb", "stage": "dang_gpmb"},
        {"work_id": "over", "disbursed_vnd": 12 * BN},
        {"work_id": "odd", "stage": "not_a_stage_code"},
    )
    r = simulate(works, Assumptions(cost_overrun_pct=10, clearance_extra_months=7),
                 Envelope(2026, 2030, 100 * BN))
    w = r.per_work.set_index("work_id")
    assert w.loc["gpmb", "remaining_vnd"] == pytest.approx(9 * BN * 1.1)
    assert w.loc["gpmb", "start_year"] == 2028  # 6 + 7 = 13 months -> 2 years
    assert w.loc["over", "remaining_vnd"] == 0  # disbursed above total: nothing left
    assert w.loc["odd", "done_share"] == 0  # unrecognised stage: the 'unknown' assumption
    assert w.loc["odd", "start_year"] == 2027


def test_amounts_may_come_as_nullable_integers():
    works = make_works({"work_id": "A"}, {"work_id": "B"})
    works["total_vnd"] = pd.array([10_000_000_000, None], dtype="Int64")
    works["disbursed_vnd"] = pd.array([None, None], dtype="Int64")
    r = simulate(works, Assumptions(), Envelope(2026, 2027, 5 * BN))
    assert r.per_work["completion_year"].tolist() == [2026]
    assert r.not_simulated["work_id"].tolist() == ["B"]


@pytest.mark.parametrize("bad", [
    lambda: simulate(make_works({"work_id": "A"}), Assumptions(), Envelope(2026, 2027), "random"),
    lambda: simulate(make_works({"work_id": "A"}, {"work_id": "A"}), Assumptions(), Envelope(2026, 2027)),
    lambda: simulate(make_works({"work_id": "A", "total_vnd": -1.0}), Assumptions(), Envelope(2026, 2027)),
    lambda: simulate(make_works({"work_id": "A", "total_vnd": math.inf}), Assumptions(), Envelope(2026, 2027)),
    lambda: Assumptions(done_share_by_stage={"dang_thi_cong": 0.5}),
    lambda: Assumptions(min_build_years=0),
    lambda: Envelope(2026, 2027, [1.0, 2.0, 3.0]),
    lambda: Envelope(2026, 2025),
    lambda: Envelope(2026, 2027, -1.0),
])
def test_invalid_inputs_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_envelope_reports_both_sources():
    r = simulate(make_works({"work_id": "A"}), Assumptions(), Envelope(2026, 2027, [1 * BN, 2 * BN], 3 * BN))
    y = r.per_year
    assert y["state_budget_vnd"].tolist() == [1 * BN, 2 * BN]
    assert y["non_state_vnd"].tolist() == [3 * BN, 3 * BN]
    assert y["envelope_vnd"].tolist() == [4 * BN, 5 * BN]


# ------------------------------------------------------------ criteria helpers

# ------------------------------------------------------------------ goal seek

GOAL_WORKS = make_works(
    {"work_id": "A", "total_vnd": 10 * BN, "priority": 1, "town": "X"},
    {"work_id": "B", "total_vnd": 7.3 * BN, "stage": "dang_gpmb", "priority": 2, "town": "Y"},
    {"work_id": "C", "total_vnd": 25 * BN, "stage": "hoan_thien_thu_tuc", "priority": 3, "town": "X"},
    {"work_id": "D", "total_vnd": NAN, "town": "X"},
)


def all_done_by(works, year, start, rule, envelope_vnd, carry=False) -> bool:
    r = simulate(works, Assumptions(), Envelope(start, year, envelope_vnd, carry_unspent=carry), rule)
    return bool(r.per_work["completion_year"].notna().all())


def test_goal_seek_single_work_exact():
    works = make_works({"work_id": "A"})  # 5 bn remaining
    assert min_envelope_to_finish_all_by(works, Assumptions(), 2027, 2026) == 2.5 * BN


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("carry", [False, True])
def test_goal_seek_finish_all_is_minimal(rule, carry):
    x = min_envelope_to_finish_all_by(GOAL_WORKS, Assumptions(), 2029, 2026, rule, carry_unspent=carry)
    assert x is not None and x > 0
    assert x % PRECISION_VND == 0
    assert all_done_by(GOAL_WORKS, 2029, 2026, rule, x, carry)
    assert not all_done_by(GOAL_WORKS, 2029, 2026, rule, x - PRECISION_VND, carry)


def test_goal_seek_unreachable_and_free():
    # C needs 12 months of procedures: it cannot start before 2027, whatever the money.
    assert min_envelope_to_finish_all_by(GOAL_WORKS, Assumptions(), 2026, 2026) is None
    handed = make_works({"work_id": "H", "stage": "da_ban_giao"})
    assert min_envelope_to_finish_all_by(handed, Assumptions(), 2026, 2026) == 0.0


def test_goal_seek_generic_predicate_town_target():
    def town_x_done_by_2028(r: SimulationResult) -> bool:
        w = r.per_work[r.per_work["town"] == "X"]
        return bool((w["completion_year"].fillna(9999) <= 2028).all())

    x = min_envelope_for(town_x_done_by_2028, GOAL_WORKS, Assumptions(), 2026, 2030, precision_vnd=1e6)
    env = lambda v: Envelope(2026, 2030, v)  # noqa: E731
    assert town_x_done_by_2028(simulate(GOAL_WORKS, Assumptions(), env(x)))
    assert not town_x_done_by_2028(simulate(GOAL_WORKS, Assumptions(), env(x - 1e6)))


# ----------------------------------------------------------------- properties

amount = st.floats(0, 50 * BN, allow_nan=False)
work_rows = st.lists(
    st.fixed_dictionaries({
        "total_vnd": st.one_of(st.just(NAN), amount),
        "disbursed_vnd": st.one_of(st.just(NAN), amount),
        "stage": st.sampled_from([*STAGES, None]),
        "priority": st.one_of(st.just(NAN), st.integers(1, 4).map(float)),
        "baseline_year": st.one_of(st.just(NAN), st.integers(2020, 2032).map(float)),
    }),
    min_size=1, max_size=15,
)
assumptions = st.builds(
    Assumptions,
    cost_overrun_pct=st.floats(0, 50),
    clearance_extra_months=st.floats(0, 18),
    min_build_years=st.integers(1, 3),
)


@st.composite
def scenarios(draw):
    rows = draw(work_rows)
    works = pd.DataFrame(rows).assign(work_id=[f"W{i:02d}" for i in range(len(rows))])
    n_years = draw(st.integers(1, 7))
    budgets = np.array(draw(st.lists(amount, min_size=n_years, max_size=n_years)))
    extra = np.array(draw(st.lists(st.floats(0, 20 * BN), min_size=n_years, max_size=n_years)))
    return (works, draw(assumptions), budgets, extra, draw(st.sampled_from(RULES)), draw(st.booleans()))


def years_or_inf(result: SimulationResult) -> np.ndarray:
    return result.per_work["completion_year"].astype("Float64").fillna(math.inf).to_numpy(dtype=float)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_more_money_never_delays_a_work(s):
    works, a, budgets, extra, rule, carry = s
    n = len(budgets)
    base = simulate(works, a, Envelope(2026, 2025 + n, budgets, carry_unspent=carry), rule)
    more = simulate(works, a, Envelope(2026, 2025 + n, budgets, extra, carry_unspent=carry), rule)
    assert np.all(years_or_inf(more) <= years_or_inf(base))


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_money_and_schedule_invariants(s):
    works, a, budgets, _, rule, carry = s
    env = Envelope(2026, 2025 + len(budgets), budgets, carry_unspent=carry)
    r = simulate(works, a, env, rule)
    y, w = r.per_year, r.per_work
    tol = 1e-6 * max(1.0, float(budgets.sum())) + 1.0
    # spending never exceeds the money available, nor (without carry-over) the envelope
    assert np.all(y["spent_vnd"] <= y["available_vnd"] + tol)
    assert np.all(y["spent_vnd"] <= y["need_vnd"] + tol)
    if not carry:
        assert np.all(y["spent_vnd"] <= y["envelope_vnd"] + tol)
    assert np.all(r.money.to_numpy() >= 0)
    # no money before a work may start; never more than its remaining cost
    before_start = r.money.columns.to_numpy()[None, :] < w["start_year"].to_numpy()[:, None]
    assert np.all(r.money.to_numpy()[before_start] == 0)
    assert np.all(w["funded_vnd"] <= w["remaining_vnd"] + tol)
    # no work finishes before it can; a completed work is fully funded
    done = w[w["completion_year"].notna() & (w["stage"] != "da_ban_giao")]
    assert np.all(done["completion_year"] >= done["earliest_finish_year"])
    assert np.all(done["earliest_finish_year"] >= done["start_year"])
    assert np.all(done["outstanding_vnd"] <= tol)
    # unknown totals are set apart, everything else is simulated
    assert len(w) + len(r.not_simulated) == len(works)
    assert set(r.not_simulated["work_id"]) == set(works.loc[works["total_vnd"].isna(), "work_id"])


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.integers(0, 6))
def test_goal_seek_is_minimal_for_any_scenario(s, by):
    works, a, _, _, rule, carry = s
    year = 2026 + by
    x = min_envelope_to_finish_all_by(works, a, year, 2026, rule, carry_unspent=carry)

    def ok(v: float) -> bool:
        r = simulate(works, a, Envelope(2026, year, v, carry_unspent=carry), rule)
        return bool(r.per_work["completion_year"].notna().all())

    if x is None:
        assert not ok(1e18)
    else:
        assert ok(x)
        assert x == 0 or not ok(x - PRECISION_VND)
