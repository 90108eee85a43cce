"""Benchmark of the what-if funding simulation: one recompute for 5,000 works over 10 years.

Run from the repository root: /work/venv/bin/python bench/bench_funding.py
Target: at most 30 ms per recompute (median and p95 are printed per rule).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.funding import RULES, STAGES, Assumptions, Envelope, simulate  # noqa: E402

N_WORKS = 5_000
START, END = 2026, 2035
RUNS = 50
TARGET_MS = 30.0


def synthetic_works(n: int, seed: int = 20260101) -> pd.DataFrame:
    """Seeded works shaped like the programme's: mixed stages, some unknowns."""
    rng = np.random.default_rng(seed)
    total = rng.lognormal(mean=np.log(5e9), sigma=1.2, size=n)
    total[rng.random(n) < 0.05] = np.nan
    disbursed = np.where(rng.random(n) < 0.4, total * rng.random(n), np.nan)
    stage = rng.choice(np.array([*STAGES, None], dtype=object), size=n)
    return pd.DataFrame({
        "work_id": [f"W{i:05d}" for i in range(n)],
        "total_vnd": total,
        "disbursed_vnd": disbursed,
        "stage": stage,
        "baseline_year": np.where(rng.random(n) < 0.9, rng.integers(2022, 2031, n), np.nan),
        "priority": np.where(rng.random(n) < 0.8, rng.integers(1, 6, n), np.nan),
        "town": rng.choice(np.array(["Trùng Khánh", "Trà Lĩnh", None], dtype=object), size=n),
    })


def main() -> int:
    works = synthetic_works(N_WORKS)
    assumptions = Assumptions(cost_overrun_pct=10.0, clearance_extra_months=3.0)
    envelope = Envelope(START, END, state_budget_vnd=1.5e12, non_state_vnd=0.3e12)
    print(f"{N_WORKS} works, {END - START + 1} years, {RUNS} runs per rule (after 3 warm-up runs)")
    worst = 0.0
    for rule in RULES:
        for _ in range(3):
            simulate(works, assumptions, envelope, rule)
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            result = simulate(works, assumptions, envelope, rule)
            times.append((time.perf_counter() - t0) * 1000.0)
        median, p95 = np.median(times), np.percentile(times, 95)
        worst = max(worst, p95)
        done = int(result.per_work["completion_year"].notna().sum())
        print(f"{rule:16s} median {median:6.2f} ms   p95 {p95:6.2f} ms   ({done} works complete)")
    verdict = "OK" if worst <= TARGET_MS else "TOO SLOW"
    print(f"worst p95 {worst:.2f} ms vs target {TARGET_MS:.0f} ms: {verdict}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
