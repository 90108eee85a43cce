"""Delay flags at province scale (issue 11): on a synthetic programme (bench.synthetic), the flags
keep what a user relies on, and ``flags.evaluate`` is set-based, not a loop per work."""
import time
from datetime import date

import pytest

from bench import synthetic
from lib import flags, queries, seed
from lib import stages as stages_


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """400 works x 8 quarters, generated once for the module."""
    path = tmp_path_factory.mktemp("scale") / "province.duckdb"
    synthetic.generate(path, works=400, periods=8, seed=3)
    db = seed.open_database(path)
    yield db
    db.close()


def _dates(db) -> list[date]:
    periods = sorted(flags._to_date(d) for d in queries.periods(db)["as_of"])
    return [periods[2], periods[5], periods[-1]]


def test_every_flagged_work_has_its_message_and_counts_agree(province):
    for d in _dates(province):
        for lang in ("vi", "en"):
            f = flags.evaluate(province, d, lang=lang)
            assert len(f) and list(f.columns) == list(flags.COLUMNS)
            assert f["message"].map(lambda m: isinstance(m, str) and m.strip() != "").all()
            assert not f.duplicated(["work_id", "rule"]).any()
            works = flags.by_work(f)
            assert sorted(works["work_id"]) == sorted(f["work_id"].unique())
            assert (works["n_flags"] == works["messages"].map(len)).all()
            by_sev = flags.counts_by_severity(f).set_index("severity")["n_works"].to_dict()
            assert by_sev == flags.severity_counts(works)
            assert sum(by_sev.values()) == len(works)


def test_a_work_handed_over_is_never_red_nor_delayed(province):
    d = _dates(province)[-1]
    f = flags.evaluate(province, d)
    status = flags.status_as_of(*flags.load_inputs(province, d), d, stages_.model(province))
    handed = set(status.loc[status["is_handed_over"], "id"])
    assert handed, "the synthetic data hand works over"
    mine = f[f["work_id"].isin(handed)]
    assert (mine["severity"] != "red").all()
    assert set(mine["rule"]) <= {"incomplete"}


def test_evaluate_agrees_with_the_pure_core_and_is_deterministic(province):
    m, th = stages_.model(province), flags.stored_thresholds(province)
    plan = queries.capital_plan(province)
    for d in _dates(province):
        a = flags.evaluate(province, d, None, th, "vi", plan)
        b = flags.evaluate(province, d, None, th, "vi", plan)
        assert a.equals(b)
        works, history = flags.load_inputs(province, d)
        pure = flags.flag_works(works, history, d, th, "vi", plan, m)
        assert a.equals(pure)
        assert list(a.dtypes) == list(pure.dtypes)


def _evaluate_seconds(db, runs: int = 5) -> float:
    d, th = flags.default_eval_date(db), flags.stored_thresholds(db)
    plan = queries.capital_plan(db)
    flags.evaluate(db, d, None, th, "vi", plan)  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        flags.evaluate(db, d, None, th, "vi", plan)
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]


def test_evaluate_is_not_a_loop_per_work(tmp_path):
    """Ten times the works (5000 x 20 against 500 x 20) costs well under ten times the time."""
    small_path, large_path = tmp_path / "small.duckdb", tmp_path / "large.duckdb"
    synthetic.generate(small_path, works=500, periods=20, seed=1)
    synthetic.generate(large_path, works=5000, periods=20, seed=1)
    small, large = seed.open_database(small_path), seed.open_database(large_path)
    try:
        t_small, t_large = _evaluate_seconds(small), _evaluate_seconds(large)
    finally:
        small.close()
        large.close()
    assert t_large < 5 * t_small, f"5000 works: {t_large * 1000:.0f} ms, 500 works: {t_small * 1000:.0f} ms"
