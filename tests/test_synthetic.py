"""bench.synthetic: a new synthetic database with the app's schema, deterministic, never over a file."""
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import date

import duckdb
import pandas as pd
import pytest

from bench import synthetic
from lib import flags, queries
from lib.db import DEFAULT_DB_PATH, ENV_DB_PATH
from lib.seed import open_database, read_seed

ROOT = synthetic.ROOT
SMALL = ["--works", "300", "--periods", "6", "--seed", "5", "--programmes", "2"]


def _make(path, args=SMALL) -> int:
    return synthetic.main([*args, "--out", str(path)])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("syn") / "small.duckdb"
    assert _make(path) == 0
    return path


@pytest.fixture
def con(small):
    c = duckdb.connect(str(small), read_only=True)
    yield c
    c.close()


def _tables(c) -> list[str]:
    return [r[0] for r in c.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'main' ORDER BY 1").fetchall()]


def _dump(path) -> dict[str, pd.DataFrame]:
    c = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for t in _tables(c):
            cols = [r[0] for r in c.execute(f"DESCRIBE {t}").fetchall()]
            out[t] = c.execute(f"SELECT * FROM {t} ORDER BY {', '.join(f'{x} NULLS FIRST' for x in cols)}").df()
        return out
    finally:
        c.close()


def test_counts_match_the_arguments(con):
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM work") == 300
    assert one("SELECT count(*) FROM reporting_period") == 6
    assert one("SELECT count(*) FROM programme") == 2
    assert one("SELECT count(*) FROM programme_target") == 4
    assert 50 <= one("SELECT count(*) FROM area") <= 70
    n_updates = one("SELECT count(*) FROM status_update")
    assert 300 * 6 * 0.5 < n_updates < 300 * 6
    assert one("SELECT count(DISTINCT programme_id) FROM work") == 2
    assert one("SELECT count(*) FROM work WHERE programme_id NOT IN (SELECT id FROM programme)") == 0
    assert all(re.fullmatch(r"P[12]-(GT|XH|CT|QH)-\d{4}", i) for (i,) in con.execute("SELECT id FROM work").fetchall())
    assert [r[0] for r in con.execute("SELECT id FROM reporting_period ORDER BY as_of").fetchall()] == \
        ["2025-06", "2025-09", "2025-12", "2026-03", "2026-06", "2026-09"]  # none in the future
    for table in ("indicator_value", "capital_plan", "department_task", "work_standard"):
        assert one(f"SELECT count(*) FROM {table}") > 0, table


def test_content_is_realistic_and_respects_the_reference_data(con):
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    # the real reference data, none of the real works
    seed = read_seed()
    assert one("SELECT count(*) FROM stage") == len(seed["stage"][1])
    assert one("SELECT count(*) FROM delay_cause") == len(seed["delay_cause"][1])
    assert one("SELECT count(*) FROM ruleset") >= 3
    real_ids = [r[0] for r in seed["work"][1]]
    assert one(f"SELECT count(*) FROM work WHERE id IN {tuple(real_ids)}") == 0
    assert one("SELECT count(*) FROM programme WHERE id = 'ct07' OR name NOT LIKE 'Chương trình mô phỏng số %'") == 0
    assert one("SELECT count(*) FROM work WHERE name NOT LIKE '[Mô phỏng]%'") == 0
    # unknown amounts are NULL (about 20 %), never 0
    assert one("SELECT count(*) FROM work WHERE total_investment_vnd = 0") == 0
    assert 0.1 < one("SELECT avg((total_investment_vnd IS NULL)::INT) FROM work") < 0.3
    assert one("SELECT min(baseline_year) FROM work") >= 2022 and one("SELECT max(baseline_year) FROM work") <= 2027
    # about 10 % of the works have no town
    assert 0.03 < one("SELECT avg((id NOT IN (SELECT work_id FROM work_area))::INT) FROM work") < 0.2
    # codes exist in their tables
    assert one("SELECT count(*) FROM status_update WHERE stage IS NOT NULL AND stage NOT IN (SELECT code FROM stage)") == 0
    assert one("SELECT count(*) FROM status_update WHERE delay_cause NOT IN (SELECT code FROM delay_cause)") == 0
    assert one("SELECT count(DISTINCT delay_cause) FROM status_update") >= 3
    assert one("SELECT count(*) FROM work_area WHERE area_id NOT IN (SELECT id FROM area)") == 0
    assert one("SELECT count(*) FROM status_update su JOIN reporting_period p ON p.id = su.period_id "
               "WHERE su.as_of <> p.as_of") == 0
    # merged units name an existing successor valid from 01/07/2025
    assert one("SELECT count(*) FROM area WHERE successor_id IS NOT NULL") >= 20
    assert one("SELECT count(*) FROM area a JOIN area s ON s.id = a.successor_id "
               "WHERE a.valid_to = DATE '2025-06-30' AND s.valid_from = DATE '2025-07-01'") == \
        one("SELECT count(*) FROM area WHERE successor_id IS NOT NULL")
    towns = {r[0] for r in con.execute("SELECT id FROM area WHERE is_programme_town").fetchall()}
    assert towns == {r[0] for r in con.execute("SELECT area_id FROM programme_target").fetchall()}
    # the expected year only moves later, the stages only forward (pauses aside)
    assert one("SELECT count(*) FROM (SELECT expected_year < max(expected_year) OVER (PARTITION BY work_id "
               "ORDER BY as_of ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS back FROM status_update "
               "WHERE expected_year IS NOT NULL) WHERE back") == 0
    assert one("SELECT count(*) FROM (SELECT s.sort_order < max(s.sort_order) OVER (PARTITION BY su.work_id "
               "ORDER BY su.as_of ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS back FROM status_update su "
               "JOIN stage s ON s.code = su.stage AND NOT s.is_paused) WHERE back") == 0
    assert one("SELECT count(*) FROM status_update su JOIN stage s ON s.code = su.stage WHERE s.is_paused") > 0
    assert one("SELECT count(*) FROM status_update WHERE physical_pct IS NULL") > 0
    assert one("SELECT count(*) FROM status_update WHERE disbursed_vnd IS NULL") > 0
    # no text column holds a stringified missing value
    for t in _tables(con):
        for col, typ in [(r[0], r[1]) for r in con.execute(f"DESCRIBE {t}").fetchall()]:
            if typ == "VARCHAR":
                assert one(f"SELECT count(*) FROM {t} WHERE {col} IN ('nan', 'None', '<NA>', 'NaT')") == 0, (t, col)


def test_meta_marks_the_file_as_synthetic(con):
    value = con.execute("SELECT value FROM meta WHERE key = 'synthetic'").fetchone()[0]
    marker = json.loads(value)
    assert marker["label_vi"] == "dữ liệu mô phỏng"
    assert (marker["works"], marker["periods"], marker["seed"], marker["programmes"]) == (300, 6, 5, 2)
    assert "bench.synthetic" in marker["command"]


def test_same_arguments_same_rows(tmp_path, small):
    again = tmp_path / "again.duckdb"
    assert _make(again) == 0
    first, second = _dump(small), _dump(again)
    assert first.keys() == second.keys()
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table], obj=table)
    other = tmp_path / "other.duckdb"
    assert _make(other, ["--works", "300", "--periods", "6", "--seed", "6", "--programmes", "2"]) == 0
    assert not first["work"].equals(_dump(other)["work"])


def test_refuses_an_existing_file(tmp_path, capsys):
    target = tmp_path / "exists.duckdb"
    target.write_bytes(b"keep me")
    assert _make(target) == 2
    assert target.read_bytes() == b"keep me"
    assert "đã có: không ghi đè" in capsys.readouterr().err
    wal_only = tmp_path / "fresh.duckdb"
    (tmp_path / "fresh.duckdb.wal").write_bytes(b"x")
    assert _make(wal_only) == 2
    assert not wal_only.exists()


def test_refuses_the_app_database_and_data_dir(tmp_path, capsys, monkeypatch):
    before = DEFAULT_DB_PATH.stat().st_mtime_ns if DEFAULT_DB_PATH.exists() else None
    assert _make(DEFAULT_DB_PATH) == 2
    assert "cơ sở dữ liệu của ứng dụng" in capsys.readouterr().err
    assert (DEFAULT_DB_PATH.stat().st_mtime_ns if DEFAULT_DB_PATH.exists() else None) == before
    inside = ROOT / "data" / "synthetic-test-never-created.duckdb"
    assert _make(inside) == 2
    assert "thư mục data/" in capsys.readouterr().err
    assert not inside.exists()
    env_db = tmp_path / "app.duckdb"
    monkeypatch.setenv(ENV_DB_PATH, str(env_db))
    assert _make(env_db) == 2
    assert not env_db.exists()


def test_command_line_exit_code(tmp_path):
    target = tmp_path / "x.duckdb"
    target.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "bench.synthetic", *SMALL, "--out", str(target)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Lỗi:" in run.stderr and run.stdout == ""
    with pytest.raises(SystemExit) as bad:
        synthetic.main(["--works", "0", "--out", str(tmp_path / "y")])
    assert bad.value.code == 2 and not (tmp_path / "y").exists()


def test_monthly_periods(tmp_path):
    path = tmp_path / "monthly.duckdb"
    assert _make(path, ["--works", "50", "--periods", "14", "--cadence", "monthly", "--programmes", "1"]) == 0
    c = duckdb.connect(str(path), read_only=True)
    try:
        ids = [r[0] for r in c.execute("SELECT id FROM reporting_period ORDER BY as_of").fetchall()]
        assert ids[:3] == ["2025-08", "2025-09", "2025-10"] and ids[-1] == "2026-09" and len(ids) == 14
        assert c.execute("SELECT count(*) FROM programme").fetchone()[0] == 1
    finally:
        c.close()


def test_the_app_opens_it_without_reseeding(tmp_path, small):
    path = tmp_path / "copy.duckdb"
    shutil.copy(small, path)
    before = _dump(path)
    db = open_database(path)
    try:
        assert db.scalar("SELECT count(*) FROM programme WHERE id = 'ct07'") == 0
        assert db.scalar("SELECT count(*) FROM indicator_value WHERE is_demo") == 0
        assert db.data_version() == 1
    finally:
        db.close()
    after = _dump(path)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def test_flags_give_a_mix_of_severities(tmp_path, small):
    path = tmp_path / "flags.duckdb"
    shutil.copy(small, path)
    db = open_database(path)
    try:
        found = flags.evaluate(db)
        works = flags.by_work(found)
        counts = flags.severity_counts(works)
        assert counts["red"] > 0 and counts["amber"] > 0
        assert {"overdue", "at_risk", "slipped", "stalled", "incomplete"} <= set(found["rule"])
        listed = queries.works(db)
        assert len(listed) == 300
        handed = listed["is_handed_over"].mean()
        assert 0.1 < handed < 0.8
        assert counts["red"] + counts["amber"] < 300
    finally:
        db.close()


def test_the_app_reads_run_on_it(tmp_path, small):
    path = tmp_path / "reads.duckdb"
    shutil.copy(small, path)
    db = open_database(path)
    try:
        assert len(queries.periods(db)) == 6
        assert queries.programme(db)["id"] == "P1"
        options = queries.town_options(db)
        assert queries.UNKNOWN_TOWN in set(options["id"])
        assert set(queries.targets(db)["area_id"]) <= set(options["id"])
        town = queries.targets(db)["area_id"].iloc[0]
        some = queries.works(db, [town])
        assert 0 < len(some) < 300
        assert len(queries.works(db, [queries.UNKNOWN_TOWN], period="2025-09")) > 0
        assert len(queries.areas(db)) >= 50
        assert len(queries.stages(db)) > 0 and len(queries.categories(db)) > 0
        assert len(queries.capital_plan(db)) > 0
        assert len(queries.department_tasks(db)) > 0
        assert len(queries.status_history(db, some["id"].iloc[0])) > 0
        assert set(queries.unit_changes(db, date(2026, 1, 1))["id"]) == set(queries.targets(db)["area_id"])
        assert queries.settings(db)["stale_after_days"] == 180
    finally:
        db.close()


def test_large_programme_is_quick(tmp_path):
    path = tmp_path / "large.duckdb"
    started = time.perf_counter()
    counts = synthetic.generate(path, works=5000, periods=20, seed=1)
    seconds = time.perf_counter() - started
    assert seconds < 30, seconds
    assert counts["work"] == 5000 and counts["reporting_period"] == 20 and counts["programme"] == 3
    assert 5000 * 20 * 0.5 < counts["status_update"] < 5000 * 20


def test_no_period_lies_in_the_future(tmp_path):
    """20 quarters (the issue's command) end at the last quarter before the generator was written."""
    dates = synthetic._period_dates(20, "quarterly")
    assert dates[-1] == date(2026, 9, 30) and dates[0] == date(2021, 12, 31)
    assert dates == sorted(dates) and dates[-1] <= date.today()


def test_the_works_read_gives_each_works_newest_update_and_the_funding_read_the_same_inputs(tmp_path, small):
    """``queries.works`` finds each work's newest update (latest date, then the one entered last) and
    its newest expected year with aggregates; checked here against the updates themselves, sorted in
    pandas, at every period, with updates sharing a date. ``queries.funding_inputs`` (what the goal
    seeking reads) gives the funding simulation the same frame as the full read."""
    from lib import whatif
    path = tmp_path / "newest.duckdb"
    shutil.copy(small, path)
    db = open_database(path)
    try:
        su = db.query("SELECT id, work_id, as_of, stage, physical_pct, expected_year FROM status_update")
        # a second update on the date of a work's newest one, entered later: it must win
        w0 = su.sort_values(["as_of", "id"]).iloc[-1]
        db._con.execute("INSERT INTO status_update (work_id, period_id, as_of, stage, physical_pct, expected_year) "
                        "SELECT work_id, period_id, as_of, 'tam_dung', 1.5, NULL FROM status_update WHERE id = ?",
                        [int(w0["id"])])
        su = db.query("SELECT id, work_id, as_of, stage, physical_pct, expected_year FROM status_update")
        periods = queries.periods(db)
        towns = queries.town_options(db)["id"].tolist()
        for _, p in periods.iterrows():
            upto = su[su["as_of"] <= p["as_of"]].sort_values(["work_id", "as_of", "id"])
            newest = upto.groupby("work_id").tail(1).set_index("work_id")
            years = upto[upto["expected_year"].notna()].groupby("work_id").tail(1).set_index("work_id")
            got = queries.works(db, period=p["id"]).set_index("id")
            assert got.loc[newest.index, "stage"].tolist() == newest["stage"].tolist()
            assert got.loc[newest.index, "physical_pct"].fillna(-1).tolist() == newest["physical_pct"].fillna(-1).tolist()
            assert got.loc[years.index, "expected_year"].tolist() == years["expected_year"].astype(int).tolist()
            assert got.loc[~got.index.isin(years.index), "expected_year"].isna().all()
            if p["id"] not in (periods["id"].iloc[0], periods["id"].iloc[-1]):
                continue  # the funding read: at the newest and the oldest period
            for scope in (None, [towns[0]], [queries.UNKNOWN_TOWN], towns[:3]):
                for programme in (None, "P2"):
                    pd.testing.assert_frame_equal(
                        whatif.funding_frame(queries.works(db, scope, p["id"], programme)),
                        whatif.funding_frame(queries.funding_inputs(db, scope, p["id"], programme)), check_exact=True)
        assert queries.works(db).set_index("id").loc[w0["work_id"], "stage"] == "tam_dung"
    finally:
        db.close()
