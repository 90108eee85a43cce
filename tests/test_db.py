"""The store: migrations, the single write path, the data version."""
import duckdb
import pytest

from lib import db as dbmod
from lib.db import Database, DatabaseError, SchemaTooNewError
from tests.auth_helpers import admin, editor  # noqa: E402,F401


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "x.duckdb"
    first = Database(path)
    assert first.schema_version() == dbmod.latest_schema_version()
    assert first.migrate() == dbmod.latest_schema_version()  # a second run changes nothing
    first.close()
    again = Database(path)
    assert again.schema_version() == dbmod.latest_schema_version()
    again.close()


def test_newer_schema_refuses_to_open_and_leaves_file_alone(tmp_path):
    path = tmp_path / "future.duckdb"
    d = Database(path)
    d.write(admin(d), "future", lambda cur: cur.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    d.close()
    with pytest.raises(SchemaTooNewError, match="mới hơn"):
        Database(path)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "999"
    con.close()


def test_not_a_database_gives_a_vietnamese_message(tmp_path):
    path = tmp_path / "bad.duckdb"
    path.write_text("đây không phải cơ sở dữ liệu")
    with pytest.raises(DatabaseError, match="Không mở được tệp dữ liệu"):
        Database(path)


def test_write_is_one_transaction_rolled_back_on_error(db):
    who = admin(db)
    before_version = db.data_version()
    before_audit = db.scalar("SELECT count(*) FROM audit_log")

    def half_then_fail(cur):
        cur.execute("UPDATE work SET name = 'đổi tên' WHERE id = 'GT-01'")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        db.write(who, "test", half_then_fail)
    assert db.scalar("SELECT name FROM work WHERE id = 'GT-01'") == "Đường giao thông tổ 2 - tổ 3"
    assert db.data_version() == before_version
    assert db.scalar("SELECT count(*) FROM audit_log") == before_audit


def test_a_write_bumps_the_version_and_is_audited(db):
    who = admin(db)
    v = db.data_version()
    db.write(who, "rename", lambda cur: cur.execute("UPDATE work SET priority = 1 WHERE id = 'GT-01'"),
             {"work": "GT-01"})
    assert db.data_version() == v + 1
    last = db.query("SELECT actor, action, detail FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (last["actor"], last["action"]) == (who.username, "rename")
    assert "GT-01" in last["detail"]


def test_write_needs_a_signed_in_identity(db):
    before = db.data_version()
    for who in (None, "thư ký", "  "):  # a typed name is not an identity
        with pytest.raises(DatabaseError, match="đăng nhập"):
            db.write(who, "x", lambda cur: None)
    assert db.data_version() == before


def test_constraints_reject_negative_amounts(db):
    with pytest.raises(duckdb.Error):
        db.write(admin(db), "bad", lambda cur: cur.execute(
            "UPDATE work SET total_investment_vnd = -1 WHERE id = 'GT-01'"))
    assert db.scalar("SELECT total_investment_vnd FROM work WHERE id='GT-01'") == 10_000_000_000


def test_db_path_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(dbmod.ENV_DB_PATH, str(tmp_path / "elsewhere.duckdb"))
    assert dbmod.db_path_from_env() == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv(dbmod.ENV_DB_PATH)
    assert dbmod.db_path_from_env() == dbmod.DEFAULT_DB_PATH


def test_a_hostile_work_id_from_the_url_is_just_a_value(db):
    """The register's detail reads the work named in ?work=: a value that would break a query
    built as text finds no work and changes nothing (the app's reads bind their parameters)."""
    from lib import queries, register
    before = db.scalar("SELECT count(*) FROM work")
    works = queries.works(db)
    for hostile in ("x' OR '1'='1", "GT-01'; DROP TABLE work; --", "GT-01\x00"):
        assert register.find_work(works, hostile) is None
        assert queries.status_history(db, hostile).empty          # the history read binds the value
    assert db.scalar("SELECT count(*) FROM work") == before
    assert len(queries.status_history(db, "GT-01")) >= 1


def test_messages_of_the_store_read_in_english_and_in_vietnamese(tmp_path):
    path = tmp_path / "future.duckdb"
    d = Database(path)
    d.write(admin(d), "future", lambda cur: cur.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    d.close()
    with pytest.raises(SchemaTooNewError) as newer:
        Database(path)
    known = dbmod.latest_schema_version()
    assert newer.value.text("vi") == (
        f"Tệp dữ liệu {path} có lược đồ phiên bản 999, mới hơn phiên bản {known} mà mã nguồn này hiểu. "
        "Hãy cập nhật ứng dụng, hoặc trỏ CT07_DB_PATH sang tệp khác. Tệp không bị thay đổi.")
    assert newer.value.text("en") == (
        f"The data file {path} has schema version 999, newer than version {known} that this code "
        "understands. Update the application, or point CT07_DB_PATH to another file. The file was not changed.")
    bad = tmp_path / "bad.duckdb"
    bad.write_text("đây không phải cơ sở dữ liệu")
    with pytest.raises(DatabaseError) as not_db:
        Database(bad)
    assert not_db.value.text("vi").startswith(f"Không mở được tệp dữ liệu {bad}: ")
    assert "Không tìm thấy bản sao lưu nào trong" in not_db.value.text("vi")
    assert not_db.value.text("en").startswith(f"Cannot open the data file {bad}: ")
    assert f"No backup was found in {tmp_path / 'backups'}." in not_db.value.text("en")


def test_a_second_submit_reads_in_english(db):
    from datetime import datetime
    e = dbmod.AlreadySubmitted("tok", datetime(2024, 5, 6, 7, 8, 9), "thu-ky")
    assert str(e) == "Lần gửi này đã được ghi lúc 07:08:09 06/05/2024 (thu-ky); không ghi lại lần thứ hai."
    assert e.text("en") == "This submission was already written at 07:08:09 06/05/2024 (thu-ky); it is not written a second time."
    token = dbmod.new_token()
    who = admin(db)
    db.write(who, "x", lambda cur: None, token=token)
    with pytest.raises(dbmod.AlreadySubmitted) as again:
        db.write(who, "x", lambda cur: None, token=token)
    assert again.value.text("en").startswith("This submission was already written at ")
    assert again.value.text("vi").startswith("Lần gửi này đã được ghi lúc ")


def test_a_server_process_gives_large_blocks_back_unless_the_environment_says_otherwise(monkeypatch):
    """ui/frame.py sets glibc's thresholds once per server process (lib/db.py return_large_blocks):
    on this Linux (glibc) they are set; an administrator's own MALLOC_* setting is left alone."""
    import os
    import platform

    from lib.db import return_large_blocks
    from ui import frame
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    own = any(os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"))
    assert frame.RETURNS_LARGE_BLOCKS is (glibc and not own)   # set when the server's frame loaded
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert return_large_blocks() is glibc
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4194304")
    assert return_large_blocks() is False


# -- hot reads planned once per connection (Database.numpy(planned=True)) ------------------------
from datetime import date as _date  # noqa: E402

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# texts rich in what SQL reads specially (quotes, backslash, comment and statement marks), and any other
_SQLISH = st.text(alphabet=st.one_of(st.sampled_from(list("'\"\\;-$:()[]\n đ")), st.characters()), max_size=40)
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**62, 2**62), _SQLISH,
                    st.dates(_date(1900, 1, 1), _date(2100, 12, 31)), st.lists(_SQLISH, max_size=4))


_LITERAL_CON = []  # one in-memory DuckDB for every example


@settings(max_examples=150, deadline=None)
@given(value=_VALUES)
@example(value="'; DROP TABLE work; --")
@example(value=["a'b", "\\", "x\ny"])
@example(value="\ud800")
@example(value="a\x00b")
def test_a_value_written_as_a_literal_reads_back_as_the_bound_value(value):
    """``sql_literal`` (the values of a planned read's EXECUTE) gives back exactly what binding the
    value gives: quotes, backslashes, new lines and any text stay one value, never SQL."""
    if not _LITERAL_CON:
        _LITERAL_CON.append(duckdb.connect())
    con = _LITERAL_CON[0].cursor()
    try:
        texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []

        def holdable(x):  # DuckDB's texts hold no NUL and no lone surrogate
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return False
            return "\x00" not in x
        if not all(holdable(x) for x in texts):  # refused: the read binds it the ordinary way
            with pytest.raises(TypeError):
                dbmod.sql_literal(value)
            return
        kind = ("VARCHAR[]" if isinstance(value, list) else "DATE" if isinstance(value, _date) else
                "BOOLEAN" if isinstance(value, bool) else "BIGINT" if isinstance(value, int) else "VARCHAR")
        bound = con.execute(f"SELECT $v::{kind}", {"v": value}).fetchone()[0]
        con.execute(f"PREPARE q AS SELECT $v::{kind}")   # (a cursor of its own: prepared anew)
        planned = con.execute(f"EXECUTE q(v := {dbmod.sql_literal(value)})").fetchone()[0]
        assert planned == bound and type(planned) is type(bound)
    finally:
        con.close()


def test_a_planned_read_reads_the_data_of_the_moment_after_a_write_and_a_restore(db):
    """The plan is kept, never the rows: a write and a reopened file (a restore) are read at once;
    the arrays are those of the ordinary read; a value with no literal is read the ordinary way."""
    sql = "SELECT id, expected_year FROM status_update WHERE work_id = $w AND as_of <= $d ORDER BY id"
    args = {"w": "XH-12", "d": _date(2030, 1, 1)}
    before = db.numpy(sql, args, planned=True)
    plain = db.numpy(sql, args)
    assert list(before["id"]) == list(plain["id"]) and len(before["id"]) > 0
    db.write(admin(db), "rename", lambda cur: cur.execute(
        "INSERT INTO status_update (work_id, period_id, as_of, expected_year) "
        "VALUES ('XH-12', '2022-12', DATE '2023-01-01', 2029)"))
    after = db.numpy(sql, args, planned=True)
    assert len(after["id"]) == len(before["id"]) + 1 and list(after["expected_year"])[-1] == 2029
    db.reopen_after(lambda path: None)   # the file closed and opened again
    again = db.numpy(sql, args, planned=True)
    assert list(again["id"]) == list(after["id"])
    # a restore puts another file in its place: the planned read reads that one, not the old file
    import shutil
    saved = db.path.with_name("saved.duckdb")
    db.reopen_after(lambda path: shutil.copy(path, saved))
    db.write(admin(db), "rename", lambda cur: cur.execute("DELETE FROM status_update WHERE work_id = 'XH-12'"))
    assert len(db.numpy(sql, args, planned=True)["id"]) == 0
    db.reopen_after(lambda path: shutil.copy(saved, path))
    assert list(db.numpy(sql, args, planned=True)["id"]) == list(after["id"])
    from datetime import datetime
    late = db.numpy(sql, {"w": "XH-12", "d": datetime(2030, 1, 1)}, planned=True)  # no literal: bound as before
    assert list(late["id"]) == list(after["id"])


def test_a_restore_while_the_file_cannot_be_closed_changes_nothing_and_says_so(db):
    """When DuckDB refuses to close the file (another read holds it), nothing is put in its place,
    the app keeps reading the file as it was, and the message says to try again."""
    class Busy:  # the process's connection, whose close is refused
        def __init__(self, con):
            self.con = con

        def execute(self, *args):
            return self.con.execute(*args)

        def cursor(self):
            return self.con.cursor()

        def close(self):
            raise duckdb.ConnectionException("Connection Error: the connection is in use")

    n = len(db.query("SELECT id FROM work"))
    db._con = Busy(db._con)
    called = []
    with pytest.raises(DatabaseError) as e:
        db.reopen_after(lambda path: called.append(path))
    assert not called
    assert "thử lại" in str(e.value) and "Try again" in e.value.text("en")
    assert len(db.query("SELECT id FROM work")) == n     # still reading, not "connection already closed"
