"""Delay flags at province scale (issue 11): on a synthetic programme (bench.synthetic), the flags
keep what a user relies on. How fast they are is measured by bench/ (python -m bench.run), never
timed here: a timed test fails on a busy machine and proves nothing on a fast one."""
from datetime import date

import pandas as pd
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
        # the plans as evaluate reads them itself (arrays, each row to its work by the work's key)
        own = flags.evaluate(province, d, None, th, "vi")
        assert (own["rule"] == "funding_gap").sum() > 0
        pd.testing.assert_frame_equal(own, flags.flag_works(works, history, d, th, "vi",
                                                            plan, m))


def test_trend_agrees_with_evaluate_at_each_period(province):
    """``trend`` reads the updates once (up to the last period) and derives each period's status from
    them; ``evaluate`` reads them at each date: the same flags at every period's date."""
    th = flags.stored_thresholds(province)
    tr = flags.trend(province, thresholds=th).set_index("period_id")
    for p in queries.periods(province).to_dict("records"):
        f = flags.evaluate(province, p["as_of"], None, th, "vi", pd.DataFrame())  # trend: no funding plan
        row = tr.loc[p["id"]]
        assert row["n_flagged"] == f["work_id"].nunique()
        for rule in flags.RULES:
            assert row[f"n_{rule}"] == f.loc[f["rule"] == rule, "work_id"].nunique(), (p["id"], rule)
