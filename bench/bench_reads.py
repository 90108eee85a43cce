"""Benchmark of the reads behind each page on a large programme: 5,000 works, 4 periods.

Run from the repository root: python bench/bench_reads.py
It builds a temporary database (the default data, then synthetic works and updates
through the app's own write path), then times each read, uncached, as a page's first
view after a write would see it. Prints the median and p95 in ms.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import flags, overview, queries, register, updates  # noqa: E402
from lib.seed import open_database  # noqa: E402

N_WORKS = 5_000
PERIODS = [("2023-06", date(2023, 6, 30)), ("2023-12", date(2023, 12, 31)),
           ("2024-06", date(2024, 6, 30)), ("2024-12", date(2024, 12, 31))]
RUNS = 15


def build(path: Path):
    db = open_database(path)
    from lib import auth
    if not db.scalar("SELECT count(*) FROM app_user WHERE username = 'bench'"):
        auth.add_user(db, auth.CLI, "bench", "bench", "admin", "bench-password")
    who = auth.Identity("bench", "bench", "admin")
    rng = random.Random(7)
    stages = ["quy_hoach", "hoan_thien_thu_tuc", "dang_gpmb", "dang_thi_cong", "da_ban_giao"]

    def add_works(cur):
        for i in range(N_WORKS):
            wid = f"B-{i:05d}"
            cur.execute("INSERT INTO work (id, programme_id, name, kind, category, total_investment_vnd, "
                        "baseline_year, report_order) VALUES (?, 'ct07', ?, 'cong_trinh', 'giao_thong', ?, ?, ?)",
                        [wid, f"Công trình thử {i}", rng.randint(1, 500) * 100_000_000 if rng.random() > .05 else None,
                         rng.randint(2022, 2027), 100 + i])
            cur.execute("INSERT INTO work_area VALUES (?, ?, 'report', NULL)",
                        [wid, rng.choice(["trung-khanh", "tra-linh"])])

    db.write(who, "bench_works", add_works)
    ids = [f"B-{i:05d}" for i in range(N_WORKS)]
    for pid, as_of in PERIODS:
        ups = [updates.Update(w, rng.choice(stages), float(rng.randint(0, 100)), None, None) for w in ids]
        updates.record(db, who, updates.Period(pid, pid, as_of), ups, new_period=True)
    return db


def timed(fn, runs=RUNS):
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db = build(Path(tmp) / "bench.duckdb")
        print(f"built {N_WORKS} works x {len(PERIODS)} periods in {time.perf_counter() - t0:.1f} s")
        works = queries.works(db)
        stages = queries.stages(db)
        cases = {
            "queries.works (all towns, newest period)": lambda: queries.works(db),
            "queries.works (one town, older period)": lambda: queries.works(db, ["tra-linh"], "2023-12"),
            "overview aggregates": lambda: (overview.kpis(works), overview.by_stage(works, stages),
                                            overview.by_town(works, queries.town_options(db))),
            "register filter + sort + totals": lambda: register.totals(register.sort(register.apply(
                works, register.Filters(search="thu 12", stages=("dang_thi_cong",))), "investment", True)),
            "flags.evaluate at 01/01/2025": lambda: flags.evaluate(db, date(2025, 1, 1)),
        }
        for name, fn in cases.items():
            med, p95 = timed(fn, 5 if name.startswith("flags") else RUNS)
            print(f"{name:45s} median {med:8.1f} ms   p95 {p95:8.1f} ms")
        db.close()


if __name__ == "__main__":
    main()
