"""PostgreSQL as the store (lib/pg.py): the same migrations, reads and write path as DuckDB.

A throw-away server per test session (tests/pg_server.py). Without PostgreSQL these tests fail,
naming what is missing; ``CT07_NO_PG=1`` skips them instead (a machine without PostgreSQL; CI
never sets it). Tests marked by the ``store`` fixture run on both stores."""
from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
import threading
from datetime import date

import pandas as pd
import pytest

from lib import auth, flags, queries, updates, whatif
from lib.fmt import TY
from lib.db import AlreadySubmitted, Database, latest_schema_version, new_token
from lib.seed import open_configured, open_database
from tests.auth_helpers import admin, editor
from tests.pg_server import ENV_NO_PG, Server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server():
    if os.environ.get(ENV_NO_PG) == "1":
        pytest.skip(f"{ENV_NO_PG}=1: the PostgreSQL tests are skipped (no PostgreSQL on this machine)")
    server = Server()  # raises, failing every test here, when PostgreSQL is missing
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_seeded(pg_server) -> str:
    """A database with the default data, the template of each test's own copy."""
    url = pg_server.create_database("ct07_seeded")
    open_configured(url).close()
    return "ct07_seeded"


@pytest.fixture
def pg_url(pg_server, pg_seeded) -> str:
    """The URL of a new database with the default data (a copy of the seeded template)."""
    return pg_server.create_database(f"t{next(_names)}", template=pg_seeded)


@pytest.fixture
def pg_db(pg_url) -> Database:
    database = open_configured(pg_url)
    yield database
    database.close()


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path):
    """(database, a function opening a second connection to the same data) on each store."""
    if request.param == "duckdb":
        database = open_database(tmp_path / "test.duckdb")
        yield database, lambda: database  # one process holds a DuckDB file: the same connection
    else:
        url = request.getfixturevalue("pg_url")
        database = open_configured(url)
        others = []

        def second():
            others.append(open_configured(url))
            return others[-1]
        yield database, second
        for o in others:
            o.close()
    database.close()


# -- schema ------------------------------------------------------------------------------------
def test_migrations_apply_from_empty_and_reopen_is_a_no_op(pg_server):
    from lib.pg import PgDatabase
    url = pg_server.create_database(f"empty{next(_names)}")
    db = PgDatabase(url)
    assert db.dialect == "postgres"
    assert db.schema_version() == latest_schema_version()
    assert db.data_version() == 0 and db.is_empty()
    assert db.scalar("SELECT count(*) FROM setting WHERE key LIKE 'flag_%'") == 7  # migration 002
    tables = set(db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                 ["table_name"])
    assert {"work", "status_update", "audit_log", "submission", "capital_plan", "app_user"} <= tables
    db.close()
    again = PgDatabase(url)
    assert again.schema_version() == latest_schema_version() and again.data_version() == 0
    assert again.scalar("SELECT count(*) FROM meta") == 2
    again.close()


def test_translate_keeps_literals_and_aliases_subqueries():
    from lib.pg import translate
    assert translate("SELECT '?' , ? FROM t WHERE a LIKE 'x%'") == "SELECT '?' , %s FROM t WHERE a LIKE 'x%%'"
    assert translate("SELECT * FROM (SELECT 1 AS x) WHERE x = $v").endswith("AS _q1 WHERE x = %(v)s")
    assert translate("SELECT * FROM (SELECT 1) s") == "SELECT * FROM (SELECT 1) s"
    assert translate("INSERT OR IGNORE INTO t VALUES (1)") == "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING"
    assert translate("SELECT coalesce(x, []), y::VARCHAR[] FROM t") == "SELECT coalesce(x, '{}'), y::VARCHAR[] FROM t"


# -- reads: the same frames as DuckDB ---------------------------------------------------------
@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    database = open_database(tmp_path_factory.mktemp("duck") / "ref.duckdb")
    yield database
    database.close()


def _same(a: pd.DataFrame, b: pd.DataFrame):
    when = [c for c in ("entered_at", "created_at") if c in a.columns]  # when each seed ran: differs
    a, b = a.drop(columns=when), b.drop(columns=when)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=True)


@pytest.mark.parametrize("towns, period", [(None, None), (["tra-linh"], None), ([queries.UNKNOWN_TOWN], "2022-12"),
                                           ([], None)])
def test_works_are_the_same_frame_as_on_duckdb(pg_db, duck, towns, period):
    a, b = queries.works(pg_db, towns, period), queries.works(duck, towns, period)
    assert len(b) > 0 or towns == []
    _same(a, b)


@pytest.mark.parametrize("read", [queries.periods, queries.town_options, queries.stages, queries.areas,
                                  queries.targets, queries.settings, queries.capital_plan, queries.department_tasks])
def test_reads_are_the_same_as_on_duckdb(pg_db, duck, read):
    a, b = read(pg_db), read(duck)
    if isinstance(a, pd.DataFrame):
        _same(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("work_id", ["GT-01", "XH-09", "QH-01"])
def test_status_history_is_the_same_as_on_duckdb(pg_db, duck, work_id):
    _same(queries.status_history(pg_db, work_id), queries.status_history(duck, work_id))


# -- the write path, on both stores -----------------------------------------------------------
def test_a_viewer_is_refused_and_nothing_is_written(store):
    db, _ = store
    before = db.data_version(), db.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(auth.PermissionDenied):
        updates.save_settings(db, None, {"flag_stale_days": 90})
    assert (db.data_version(), db.scalar("SELECT count(*) FROM audit_log")) == before
    assert db.scalar("SELECT value FROM setting WHERE key = 'flag_stale_days'") == "180"


def test_a_write_is_audited_with_old_and_new_and_seen_by_a_second_connection(store):
    db, second = store
    who = admin(db)
    other = second()
    version = other.data_version()
    updates.save_settings(db, who, {"flag_stale_days": 90})
    assert other.data_version() == version + 1
    assert other.scalar("SELECT value FROM setting WHERE key = 'flag_stale_days'") == "90"
    row = other.query("SELECT actor, action, old, new FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (row.actor, row.action) == (who.username, "settings")
    assert '"180"' in row.old and '"90"' in row.new


def test_the_data_version_is_seen_by_another_process(pg_url):
    db = open_configured(pg_url)
    try:
        updates.save_settings(db, admin(db), {"flag_stale_days": 120})
        code = ("import sys; sys.path.insert(0, %r); from lib.pg import PgDatabase; "
                "d = PgDatabase(%r); print(d.data_version(), d.scalar(\"SELECT value FROM setting WHERE key = "
                "'flag_stale_days'\"))" % (ROOT, pg_url))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
        assert out.stdout.split() == [str(db.data_version()), "120"]
    finally:
        db.close()


def test_an_error_rolls_back_everything(store):
    db, _ = store
    who = admin(db)
    before = db.data_version(), db.scalar("SELECT count(*) FROM audit_log")

    def fails(cur):
        cur.execute("UPDATE setting SET value = '1' WHERE key = 'flag_stale_days'")
        cur.execute("INSERT INTO status_update (work_id, period_id, as_of, physical_pct) "
                    "VALUES ('GT-01', '2022-12', DATE '2022-12-31', 150)")  # CHECK fails

    with pytest.raises(Exception):
        db.write(who, "settings", fails)
    assert (db.data_version(), db.scalar("SELECT count(*) FROM audit_log")) == before
    assert db.scalar("SELECT value FROM setting WHERE key = 'flag_stale_days'") == "180"


def test_a_submission_token_is_refused_the_second_time(store):
    db, _ = store
    who = admin(db)
    token = new_token()
    updates.save_settings(db, who, {"flag_stale_days": 100}, token=token)
    version = db.data_version()
    with pytest.raises(AlreadySubmitted):
        updates.save_settings(db, who, {"flag_stale_days": 110}, token=token)
    assert db.data_version() == version
    assert db.scalar("SELECT value FROM setting WHERE key = 'flag_stale_days'") == "100"
    assert db.submitted(token)["new"] == {"flag_stale_days": "100"}


def _period(db) -> updates.Period:
    p = queries.periods(db).iloc[0]
    return updates.Period(p.id, p.label_vi, p.as_of.date(), p.source_ref)


def test_a_status_update_is_recorded_on_both(store):
    db, _ = store
    who = editor(db)
    receipt = updates.record(db, who, _period(db), [updates.Update("GT-01", "dang_thi_cong", 40.0, None, 2024,
                                                                   "Đã xong GPMB")], new_period=False)
    assert receipt.rows[0]["physical_pct"] == 40.0
    w = queries.works(db).set_index("id").loc["GT-01"]
    assert (w.stage, w.physical_pct, w.expected_year) == ("dang_thi_cong", 40.0, 2024)


# -- two processes sharing one PostgreSQL: row versions ----------------------------------------
def _save(db, who, seen, pct):
    return updates.record(db, who, _period(db), [updates.Update("GT-01", "dang_thi_cong", pct, None, 2024,
                                                                "Cập nhật")], new_period=False, seen=seen,
                          token=new_token())


def test_two_servers_saving_the_same_work_one_wins_the_other_is_told(pg_url):
    one, two = open_configured(pg_url), open_configured(pg_url)
    try:
        a, b = editor(one, "Thư ký A", "thu-ky-a"), editor(two, "Thư ký B", "thu-ky-b")
        seen_a, seen_b = updates.versions(one, ["GT-01"]), updates.versions(two, ["GT-01"])
        _save(one, a, seen_a, 30.0)
        with pytest.raises(updates.ConflictError) as e:
            _save(two, b, seen_b, 35.0)
        assert e.value.conflicts[0].key == "GT-01" and e.value.conflicts[0].theirs["entered_by"] == "Thư ký A"
        assert queries.works(two).set_index("id").loc["GT-01"].physical_pct == 30.0
    finally:
        one.close()
        two.close()


def test_two_servers_saving_at_the_same_moment(pg_url):
    """Both read the same version, then save at once: the advisory lock serialises the two
    transactions, so exactly one is written and the other is refused."""
    dbs = [open_configured(pg_url) for _ in range(2)]
    try:
        who = [editor(dbs[0], "Thư ký A", "thu-ky-a"), editor(dbs[1], "Thư ký B", "thu-ky-b")]
        seen = updates.versions(dbs[0], ["GT-01"])
        gate, results = threading.Barrier(2), [None, None]

        def run(k):
            gate.wait()
            try:
                _save(dbs[k], who[k], seen, 30.0 + k)
                results[k] = "ok"
            except updates.ConflictError:
                results[k] = "conflict"
        threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == ["conflict", "ok"]
        assert dbs[0].scalar("SELECT count(*) FROM status_update WHERE work_id = 'GT-01'") == 2
    finally:
        for d in dbs:
            d.close()


# -- what the pages compute, on PostgreSQL data ------------------------------------------------
def test_flags_are_the_same_as_on_duckdb(pg_db, duck):
    when = date(2024, 1, 1)
    a, b = flags.evaluate(pg_db, when), flags.evaluate(duck, when)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    # the texts read as keys on PostgreSQL too (lib/pg.py's hash), not through the frames
    assert flags._db_reads(pg_db, when, queries.scope_params(None)) is not None


def test_a_funding_what_if_is_the_same_as_on_duckdb(pg_db, duck):
    from lib import criteria
    from lib.scenario import default_scenario

    def run(db):
        base = default_scenario(2022)
        scenario = dataclasses.replace(base, state_budget_vnd=5 * TY)
        return whatif.evaluate(db, scenario, base, towns=None, period_id=None, ruleset_id=criteria.DEFAULT_RULESET,
                               demo=False, classes={}, town_names={}, stage_labels=whatif.stage_labels(db))
    a, b = run(pg_db), run(duck)
    assert repr(a) == repr(b)


# -- every page of the app on PostgreSQL (AppTest) --------------------------------------------
def _pages():
    from ui.nav import PAGES
    return [f for f, _, _ in PAGES]


@pytest.mark.parametrize("page", _pages())
def test_page_runs_without_exception_on_postgres(pg_url, monkeypatch, tmp_path, page):
    from tests.test_app import goto, new_app, stamp
    from ui import frame
    from ui.nav import ROLE_PAGES

    monkeypatch.setenv("CT07_DATABASE_URL", pg_url)
    monkeypatch.chdir(ROOT)
    app = new_app(tmp_path)
    if page in ROLE_PAGES:
        identity = admin(frame._open(pg_url)) if ROLE_PAGES[page] == "admin" else editor(frame._open(pg_url))
        app.session_state["ct07_session"] = auth.start_session(identity)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    goto(app, page)
    assert not app.exception, [e.value for e in app.exception]
    assert "Số liệu tính đến" in stamp(app)
    assert frame.get_db().dialect == "postgres"


# -- the DuckDB tests of the write path, run as they are on PostgreSQL ---------------------------
from tests import test_importer as _importer_tests  # noqa: E402
from tests import test_updates as _update_tests  # noqa: E402

REUSED = [_importer_tests.test_capital_plan_import_then_a_change_replaces_the_row_with_the_old_values_audited,
          _importer_tests.test_status_round_trip_writes_the_rows_then_nothing_the_second_time,
          _importer_tests.test_all_or_nothing_one_bad_row_writes_nothing,
          _importer_tests.test_a_viewer_or_nobody_is_refused_by_the_write_path]
REUSED += [getattr(_update_tests, n) for n in sorted(dir(_update_tests))
           if n.startswith("test_") and list(__import__("inspect").signature(getattr(_update_tests, n)).parameters)
           == ["db"]]


@pytest.mark.parametrize("test", REUSED, ids=lambda f: f.__name__)
def test_duckdb_write_path_tests_pass_on_postgres(pg_db, test):
    test(pg_db)


def test_the_url_chooses_postgres_and_duckdb_stays_the_default(monkeypatch, tmp_path):
    from lib.db import database_target
    monkeypatch.setenv("CT07_DB_PATH", str(tmp_path / "x.duckdb"))
    monkeypatch.delenv("CT07_DATABASE_URL", raising=False)
    assert database_target() == str(tmp_path / "x.duckdb")
    monkeypatch.setenv("CT07_DATABASE_URL", "postgresql://u@h/db")
    assert database_target() == "postgresql://u@h/db"


def test_backups_are_refused_on_postgres_in_words_imports_still_run(pg_db):
    from lib import backup
    with pytest.raises(backup.BackupError) as e:
        backup.before_import(pg_db, admin(pg_db), "backup", "thu-cong")
    assert "pg_dump" in e.value.text("vi") and "pg_dump" in e.value.text("en")
    assert backup.before_import(pg_db, admin(pg_db), "import_rulesets", "truoc-khi-nhap") is None
    with pytest.raises(auth.PermissionDenied):
        backup.before_import(pg_db, None, "import_rulesets", "truoc-khi-nhap")


# -- several programmes in one PostgreSQL database ------------------------------------------------
SECOND_PROGRAMME = (
    "INSERT INTO programme (id, name) VALUES ('p2', 'Chương trình thứ hai (kiểm thử)')",
    "UPDATE work SET programme_id = 'p2' WHERE id IN ('XH-01', 'XH-02', 'GT-02')",
    "UPDATE programme_target SET programme_id = 'p2' WHERE area_id = 'tra-linh'",
    "UPDATE department_task SET programme_id = 'p2' WHERE id = 'NV-02'",
)


@pytest.fixture
def two_programmes(pg_url, tmp_path):
    """The seed with a second programme (three works, one target town, one task) on both stores."""
    import duckdb
    import psycopg
    with psycopg.connect(pg_url) as con:
        for sql in SECOND_PROGRAMME:
            con.execute(sql)
    path = tmp_path / "two.duckdb"
    open_database(path).close()
    with duckdb.connect(str(path)) as con:
        for sql in SECOND_PROGRAMME:
            con.execute(sql)
    pg, duck = open_configured(pg_url), open_database(path)
    yield pg, duck, pg_url
    pg.close()
    duck.close()


def test_each_programme_reads_the_same_on_both_stores(two_programmes):
    pg, duck, _ = two_programmes
    for programme in ("ct07", "p2"):
        _same(queries.works(pg, None, None, programme), queries.works(duck, None, None, programme))
        _same(queries.town_options(pg, programme), queries.town_options(duck, programme))
        _same(queries.targets(pg, programme), queries.targets(duck, programme))
        _same(queries.department_tasks(pg, programme), queries.department_tasks(duck, programme))
        pd.testing.assert_frame_equal(flags.evaluate(pg, programme=programme), flags.evaluate(duck, programme=programme))
    assert set(queries.works(pg, programme="p2")["id"]) == {"XH-01", "XH-02", "GT-02"}
    assert "XH-01" not in set(queries.works(pg, programme="ct07")["id"])
    assert list(queries.targets(pg, "p2")["area_id"]) == ["tra-linh"]


def test_the_frame_scopes_a_page_to_the_programme_of_the_url_on_postgres(two_programmes, monkeypatch, tmp_path):
    from tests.test_app import goto, new_app
    _, _, url = two_programmes
    monkeypatch.setenv("CT07_DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    app = new_app(tmp_path)
    app.query_params["programme"] = "p2"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="f_programme").value == "p2"
    goto(app, "pages/danh_muc.py")
    assert not app.exception, [e.value for e in app.exception]
    assert "**3** công trình" in " ".join(m.value for m in app.markdown)
