"""What-if funding: finance-based scheduling of the programme's works.

Pure and vectorised (numpy/pandas only, no Streamlit; ``gap_text`` formats through lib.fmt).
The model, year by year:

1. Each work's *remaining cost* is its total investment minus what is already
   disbursed; when the disbursed amount is unknown, a share per stage is assumed
   (``Assumptions.done_share_by_stage``). The cost overrun % is applied to the
   remaining cost. Works whose total is unknown are **not simulated** (never
   treated as 0) and are returned apart in ``SimulationResult.not_simulated``.
2. A work may receive money from its *start year*:
   ``start_year = envelope.start_year + ceil(months_to_start / 12)``, where
   months_to_start comes from its stage, plus ``clearance_extra_months`` for
   the stages marked ``is_site_clearance``. The simulation is taken to begin on
   1 January, so a work needing 1 to 12 months may draw money from the next year.
3. Each year the envelope (state budget + non-state money, one pool) is
   allocated among eligible works by the chosen rule (see ``RULES``). Unfunded
   need carries over to the next year. Unspent envelope is lost unless
   ``Envelope.carry_unspent`` is True.
4. A work completes in the first year its cumulative funding covers its
   remaining cost, and not before its *earliest finish year*: the start year for
   works already built or under way (stages marked ``is_started``), otherwise start year +
   ``min_build_years`` - 1. Handed-over works are complete from the first year
   (any money still owed is funded, but does not move their completion).

What a stage means (started, site clearance, handed over, the first assumptions for it) comes
from the ``stage`` table through ``lib.stages.StageModel`` (``Assumptions.stages``; default:
the seed's stages). A stage missing from, or unknown to, the table is keyed ``stages.UNKNOWN``.

Money is monotone: with at least as much money every year, no work completes
later. Every rule uses a fixed order or a common funded share, and every step is
a monotone floating-point operation, so this holds exactly (see the tests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from lib import fmt
from lib.i18n import t
from lib.stages import StageModel, seed_model

RULES: tuple[str, ...] = ("priority", "nearly_finished", "pro_rata")
NO_INVESTMENT_AMOUNT = "no_investment_amount"  # reason code: "not simulated: no investment amount"
PRECISION_VND = 10_000_000.0  # goal-seek precision: 10 million đồng

# The first assumptions of the page, per stage key: the stage table's default_done_share and
# default_months_to_start (of the seed's stages), not a second definition of them.
DEFAULT_DONE_SHARE: Mapping[str, float] = seed_model().default_done_share()
DEFAULT_MONTHS_TO_START: Mapping[str, float] = seed_model().default_months_to_start()


@dataclass(frozen=True)
class Assumptions:
    """User-adjustable assumptions; the defaults are what the page shows first.

    done_share_by_stage: share of the total already disbursed, per stage code
        (and ``stages.UNKNOWN``), used only when a work's disbursed amount is unknown.
    months_to_start_by_stage: months still needed before a work can start.
        Both need a value for every key of ``stages.keys`` (its stages, then ``stages.UNKNOWN``);
        None (the default): the table's defaults, ``stages.default_done_share()``/``default_months_to_start()``.
    cost_overrun_pct: overrun applied to the remaining cost (10 means +10 %).
    clearance_extra_months: extra site-clearance months for the stages marked
        ``is_site_clearance``.
    min_build_years: build duration of a work not yet started (1: a work that
        starts in year Y can finish at the end of Y if fully funded by then).
    stages: what each stage means (``lib.stages.StageModel``; default: the seed's stages).
    """

    done_share_by_stage: Mapping[str, float] | None = None
    months_to_start_by_stage: Mapping[str, float] | None = None
    cost_overrun_pct: float = 0.0
    clearance_extra_months: float = 0.0
    min_build_years: int = 1
    stages: StageModel = field(default_factory=seed_model)

    def __post_init__(self) -> None:
        if self.done_share_by_stage is None:
            object.__setattr__(self, "done_share_by_stage", self.stages.default_done_share())
        if self.months_to_start_by_stage is None:
            object.__setattr__(self, "months_to_start_by_stage", self.stages.default_months_to_start())
        keys = set(self.stages.keys)
        for name in ("done_share_by_stage", "months_to_start_by_stage"):
            missing = keys - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} lacks a value for {sorted(missing)}")
        if not all(0.0 <= v <= 1.0 for v in self.done_share_by_stage.values()):
            raise ValueError("done shares must lie in [0, 1]")
        if min(self.months_to_start_by_stage.values()) < 0 or self.clearance_extra_months < 0:
            raise ValueError("months must be >= 0")
        if self.cost_overrun_pct <= -100:
            raise ValueError("cost_overrun_pct must be > -100")
        if int(self.min_build_years) != self.min_build_years or self.min_build_years < 1:
            raise ValueError("min_build_years must be an integer >= 1")


@dataclass(frozen=True)
class Envelope:
    """Yearly funding over the horizon start_year..end_year (both included).

    state_budget_vnd and non_state_vnd are a scalar (same every year) or one
    value per year; both are stored as tuples. They form a single pool usable by
    every work. carry_unspent: whether money unspent in a year rolls over to the
    next (default False: it is lost).
    """

    start_year: int
    end_year: int
    state_budget_vnd: float | Sequence[float] = 0.0
    non_state_vnd: float | Sequence[float] = 0.0
    carry_unspent: bool = False

    def __post_init__(self) -> None:
        n = self.end_year - self.start_year + 1
        if n < 1:
            raise ValueError("end_year must be >= start_year")
        for name in ("state_budget_vnd", "non_state_vnd"):
            arr = np.broadcast_to(np.asarray(getattr(self, name), dtype=float), (n,))
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"{name} must be finite and >= 0")
            object.__setattr__(self, name, tuple(float(v) for v in arr))

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.start_year, self.end_year + 1)

    @property
    def total_vnd(self) -> np.ndarray:
        """Pooled money per year (state + non-state)."""
        return np.add(self.state_budget_vnd, self.non_state_vnd)


@dataclass(frozen=True)
class SimulationResult:
    """Outputs of ``simulate``.

    per_work: one row per simulated work, in input order: work_id, town, stage,
        priority, baseline_year, done_share, done_share_source ('disbursed' or
        'stage_assumption'), remaining_vnd (incl. overrun), start_year,
        earliest_finish_year, funded_vnd, outstanding_vnd (at the horizon end),
        completion_year (<NA>: not within the horizon), delay_years (completion
        minus baseline; <NA> when either is unknown or the work is handed over).
    money: money per work (index work_id) and year (columns), in đồng.
    per_year: year, state_budget_vnd, non_state_vnd, envelope_vnd, available_vnd
        (envelope + carried-in money), need_vnd (outstanding need of eligible
        works), spent_vnd, unfunded_need_vnd (carried over), unspent_vnd,
        works_completed (not counting works already handed over).
    not_simulated: work_id, town, stage, reason (``NO_INVESTMENT_AMOUNT``).
    """

    per_work: pd.DataFrame
    money: pd.DataFrame
    per_year: pd.DataFrame
    not_simulated: pd.DataFrame
    rule: str


@dataclass(frozen=True)
class _Prepared:
    """Works reduced to arrays, independent of the envelope amounts."""

    per_work: pd.DataFrame
    not_simulated: pd.DataFrame
    remaining: np.ndarray
    start_idx: np.ndarray  # first year index with money allowed
    finish_idx: np.ndarray  # earliest year index of completion
    handed_over: np.ndarray
    order: dict[str, np.ndarray]  # funding order per ranked rule


def _column(works: pd.DataFrame, name: str, numeric: bool) -> pd.Series:
    if name not in works.columns:
        return pd.Series(np.nan if numeric else None, index=works.index, dtype=float if numeric else object)
    col = works[name]
    return pd.to_numeric(col).astype(float) if numeric else col.astype(object)


def _prepare(works: pd.DataFrame, a: Assumptions, start_year: int) -> _Prepared:
    if "work_id" not in works.columns or "total_vnd" not in works.columns:
        raise ValueError("works needs at least the columns work_id and total_vnd")
    if works["work_id"].isna().any() or works["work_id"].duplicated().any():
        raise ValueError("work_id must be present and unique")
    total_all = _column(works, "total_vnd", True)
    disbursed_all = _column(works, "disbursed_vnd", True)
    amounts = np.concatenate([total_all.to_numpy(), disbursed_all.to_numpy()])
    if np.any(amounts < 0) or np.any(np.isinf(amounts)):
        raise ValueError("amounts must be finite and >= 0 (NaN: unknown)")
    known = total_all.notna().to_numpy()
    base = pd.DataFrame({
        "work_id": works["work_id"].astype(str).to_numpy(),
        "town": _column(works, "town", False).to_numpy(),
        "stage": _column(works, "stage", False).to_numpy(),
    })
    not_simulated = base[~known].assign(reason=NO_INVESTMENT_AMOUNT).reset_index(drop=True)

    m = a.stages
    key = m.keys_of(base["stage"][known])

    total = total_all.to_numpy()[known]
    disbursed = disbursed_all.to_numpy()[known]
    has_disbursed = ~np.isnan(disbursed)
    assumed = key.map(a.done_share_by_stage).to_numpy(dtype=float)
    left = np.where(has_disbursed, np.maximum(total - np.nan_to_num(disbursed), 0.0), total * (1 - assumed))
    with np.errstate(invalid="ignore", divide="ignore"):
        done_share = np.where(total > 0, 1.0 - left / total, 1.0)
    remaining = left * (1.0 + a.cost_overrun_pct / 100.0)

    months = key.map(a.months_to_start_by_stage).to_numpy(dtype=float)
    months = months + a.clearance_extra_months * key.isin(m.site_clearance).to_numpy()
    start_idx = np.ceil(months / 12.0).astype(np.int64)
    started = key.isin(m.started).to_numpy()
    finish_idx = start_idx + np.where(started, 0, int(a.min_build_years) - 1)
    handed_over = key.isin(m.handed_over).to_numpy()

    priority = _column(works, "priority", True).to_numpy()[known]
    baseline = _column(works, "baseline_year", True).to_numpy()[known]
    ids = base["work_id"].to_numpy()[known]
    id_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    order = {
        "priority": np.lexsort((id_rank, np.nan_to_num(baseline, nan=np.inf),
                                np.nan_to_num(priority, nan=np.inf))),
        "nearly_finished": np.lexsort((id_rank, -done_share, remaining)),
    }
    per_work = base[known].reset_index(drop=True).assign(
        priority=pd.array(priority, dtype="Int64"),
        baseline_year=pd.array(baseline, dtype="Int64"),
        done_share=done_share,
        done_share_source=np.where(has_disbursed, "disbursed", "stage_assumption"),
        remaining_vnd=remaining,
        start_year=start_year + start_idx,
        earliest_finish_year=start_year + finish_idx,
    )
    return _Prepared(per_work, not_simulated, remaining, start_idx, finish_idx, handed_over, order)


def _allocate(p: _Prepared, budgets: np.ndarray, rule: str, carry_unspent: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the yearly allocation; vectorised over works, looping over years.

    Returns (money[year, work], available[year], need[year], funded year index
    per work, -1 if never fully funded), in the works' input order.
    """
    n_years, n = len(budgets), len(p.remaining)
    perm = p.order.get(rule, np.arange(n))
    out = p.remaining[perm].copy()
    start = p.start_idx[perm]
    money = np.zeros((n_years, n))
    available = np.zeros(n_years)
    need = np.zeros(n_years)
    funded_idx = np.full(n, -1, dtype=np.int64)
    carried = 0.0
    for t in range(n_years):
        eligible = start <= t
        demand = np.where(eligible, out, 0.0)
        available[t] = budgets[t] + carried
        need[t] = demand.sum()
        if rule == "pro_rata":
            share = 1.0 if need[t] <= available[t] else available[t] / need[t]
            left = demand * (1.0 - share)
        else:  # fixed order: each work gets what the works before it leave
            before = np.concatenate(([0.0], np.cumsum(demand[:-1])))
            room = np.maximum(available[t] - before, 0.0)
            left = np.where(room >= demand, 0.0, demand - room)
        new_out = np.where(eligible, left, out)
        money[t] = out - new_out
        funded_idx[eligible & (new_out == 0.0) & (funded_idx < 0)] = t
        out = new_out
        carried = max(available[t] - need[t], 0.0) if carry_unspent else 0.0
    inverse = np.empty(n, dtype=np.int64)
    inverse[perm] = np.arange(n)
    return money[:, inverse], available, need, funded_idx[inverse]


def _assemble(p: _Prepared, env: Envelope, rule: str, money: np.ndarray, available: np.ndarray,
              need: np.ndarray, funded_idx: np.ndarray) -> SimulationResult:
    years = env.years
    done_idx = np.where(p.handed_over, 0, np.maximum(funded_idx, p.finish_idx))
    complete = (p.handed_over | (funded_idx >= 0)) & (done_idx < len(years))
    completion = np.where(complete, env.start_year + done_idx, 0)
    completion_year = pd.array(completion, dtype="Int64")
    completion_year[~complete] = pd.NA
    delay = completion_year - p.per_work["baseline_year"].array
    delay[p.handed_over] = pd.NA
    funded = money.sum(axis=0)
    per_work = p.per_work.assign(
        funded_vnd=funded,
        outstanding_vnd=np.maximum(p.remaining - funded, 0.0),
        completion_year=completion_year,
        delay_years=delay,
    )
    spent = money.sum(axis=1)
    per_year = pd.DataFrame({
        "year": years,
        "state_budget_vnd": env.state_budget_vnd,
        "non_state_vnd": env.non_state_vnd,
        "envelope_vnd": env.total_vnd,
        "available_vnd": available,
        "need_vnd": need,
        "spent_vnd": spent,
        "unfunded_need_vnd": np.maximum(need - spent, 0.0),
        "unspent_vnd": np.maximum(available - need, 0.0),
        "works_completed": np.bincount(done_idx[complete & ~p.handed_over], minlength=len(years)),
    })
    money_df = pd.DataFrame(money.T, index=pd.Index(per_work["work_id"], name="work_id"),
                            columns=pd.Index(years, name="year"))
    return SimulationResult(per_work, money_df, per_year, p.not_simulated, rule)


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, not {rule!r}")


def simulate(works: pd.DataFrame, assumptions: Assumptions, envelope: Envelope,
             rule: str = "priority") -> SimulationResult:
    """Simulate funding and completion of ``works`` under ``envelope``.

    works: columns work_id, total_vnd (NaN: unknown, not simulated) and, optional,
        disbursed_vnd, stage, baseline_year, priority, town (missing = unknown).
    rule: 'priority' (priority ascending, then baseline year, then work_id,
        unknowns last); 'nearly_finished' (smallest remaining cost first, then
        highest done share, then work_id); 'pro_rata' (each year every eligible
        work gets the same share of its outstanding need, so under a tight
        envelope no work finishes until a year's money covers all eligible need).
    """
    _check_rule(rule)
    p = _prepare(works, assumptions, envelope.start_year)
    return _assemble(p, envelope, rule, *_allocate(p, envelope.total_vnd, rule, envelope.carry_unspent))


def completion_map(result: SimulationResult) -> dict[str, int | None]:
    """work_id -> completion year, None when not within the horizon or not simulated."""
    years = result.per_work["completion_year"]
    out = {w: (int(y) if known else None)  # lists, not pandas element by element (thousands of works)
           for w, y, known in zip(result.per_work["work_id"].tolist(), years.tolist(), years.notna().tolist())}
    out.update({w: None for w in result.not_simulated["work_id"].tolist()})
    return out


def min_envelope_for(predicate: Callable[[SimulationResult], bool], works: pd.DataFrame,
                     assumptions: Assumptions, start_year: int, end_year: int,
                     rule: str = "priority", *, carry_unspent: bool = False,
                     precision_vnd: float = PRECISION_VND) -> float | None:
    """Smallest uniform yearly envelope (đồng, a multiple of ``precision_vnd``)
    for which ``predicate(result)`` holds, or None if no envelope reaches it.

    The predicate must be monotone in money (true stays true with more money),
    e.g. built on completion years. The result x satisfies predicate at x and,
    if x > 0, not at x - precision_vnd. Found by bisection on the multiples of
    the precision, between 0 and the total remaining need: above the latter
    every eligible need is funded at once, so no larger envelope changes anything.
    The envelope is passed as state budget; non-state money is 0.
    """
    _check_rule(rule)
    if precision_vnd <= 0:
        raise ValueError("precision_vnd must be > 0")
    p = _prepare(works, assumptions, start_year)

    def holds(k: int) -> bool:
        env = Envelope(start_year, end_year, k * precision_vnd, 0.0, carry_unspent)
        return bool(predicate(_assemble(p, env, rule, *_allocate(p, env.total_vnd, rule, carry_unspent))))

    lo, hi = 0, max(1, math.ceil(float(p.remaining.sum()) / precision_vnd))
    if holds(lo):
        return 0.0
    if not holds(hi):
        return None
    while hi - lo > 1:  # invariant: holds(hi) and not holds(lo)
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid
    return hi * precision_vnd


def min_envelope_to_finish_all_by(works: pd.DataFrame, assumptions: Assumptions, year: int,
                                  start_year: int, rule: str = "priority", *,
                                  carry_unspent: bool = False,
                                  precision_vnd: float = PRECISION_VND) -> float | None:
    """Smallest uniform yearly envelope from ``start_year`` to ``year`` with which
    every simulated work completes by ``year`` (see ``min_envelope_for``).

    Works with no investment amount are ignored (they cannot be simulated).
    None when some work cannot finish by ``year`` whatever the money.
    """
    def all_done(result: SimulationResult) -> bool:
        return bool(result.per_work["completion_year"].notna().all())

    return min_envelope_for(all_done, works, assumptions, start_year, year, rule,
                            carry_unspent=carry_unspent, precision_vnd=precision_vnd)


# -- figures of a run, for the page ---------------------------------------------------------

@dataclass(frozen=True)
class GapFigure:
    """The need still unfunded at the end of the horizon, honest about what it leaves out.

    known_vnd: the unfunded need of the simulated works (those with an investment amount).
    not_simulated: the works left out because their amount is unknown: their need is unknown
    too, so the whole gap is at least ``known_vnd`` and is never known to be 0 while any is left
    out (``gap_vnd`` is then None)."""
    known_vnd: float
    not_simulated: tuple[str, ...]

    @property
    def n_unknown(self) -> int:
        return len(self.not_simulated)

    @property
    def gap_vnd(self) -> float | None:
        """The whole gap when every work was simulated; None when some need is unknown."""
        return self.known_vnd if not self.not_simulated else None


def funding_gap(result: SimulationResult, tolerance_vnd: float = 0.5) -> GapFigure:
    """The gap of a run: the simulated works' outstanding need (below ``tolerance_vnd`` reads
    0, float dust) and the works that could not be simulated."""
    known = float(result.per_work["outstanding_vnd"].sum())
    return GapFigure(known if known >= tolerance_vnd else 0.0, tuple(str(w) for w in result.not_simulated["work_id"]))


def gap_text(g: GapFigure, lang: str = "vi", decimals: int = 3) -> tuple[str, str]:
    """(value, note) of the gap for the page, amounts in tỷ đồng with ``decimals`` fixed.

    Every simulated work funded and none left out: '0'. Works left out: the note says the figure
    leaves them out ('chưa tính 5 công trình chưa có tổng mức đầu tư'), and a known part of 0
    reads 'chưa rõ' (the works left out may still need money), never 0."""
    note = t("funding.gap_excludes", lang, n=g.n_unknown) if g.n_unknown else ""
    if g.n_unknown and g.known_vnd == 0:
        return t("funding.gap_unknown", lang), t("funding.gap_known_funded", lang, n=g.n_unknown)
    return fmt.ty(g.known_vnd, lang, decimals=decimals, unit=False, strip=False), note


def all_done_year(result: SimulationResult) -> int | None:
    """The year by which every simulated work is complete; None when one is not within the horizon
    (or no work was simulated)."""
    years = result.per_work["completion_year"]
    if len(years) == 0 or years.isna().any():
        return None
    return int(years.max())
