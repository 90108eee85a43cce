"""Backups: export, manifest, preview, restore, damaged backups, --reset and a damaged file."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lib import backup as bk
from lib.db import Database, DatabaseError
from lib.i18n import text_of

ROOT = Path(__file__).resolve().parent.parent


def _rows(con_or_db, table):
    sql = f'SELECT * FROM "{table}" ORDER BY ALL'
    if isinstance(con_or_db, Database):  # raw values, not pandas' NaN/NaT
        cur = con_or_db._con.cursor()
        try:
            return cur.execute(sql).fetchall()
        finally:
            cur.close()
    return con_or_db.execute(sql).fetchall()


def _tables(con):
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]


def _standalone_copy(db, path):
    """A closed copy of the fixture's file (the fixture keeps its connection open)."""
    db._con.execute("CHECKPOINT")
    shutil.copy(db.path, path)
    return path


def _write(db_or_con):
    """What Database.write does to the tables (an audit row, data_version + 1), without depending
    on who may write (lib.auth): the write path's own rules are not under test here."""
    con = db_or_con._con if isinstance(db_or_con, Database) else db_or_con
    cur = con.cursor()
    try:
        cur.begin()
        cur.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (now(), 'kiểm thử', 'test')")
        cur.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'data_version'")
        cur.commit()
    finally:
        cur.close()


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_backup_then_restore_on_another_machine_gives_identical_tables(db, tmp_path):
    folder = bk.backup(db, tmp_path / "bk", reason="thử nghiệm")
    assert folder.parent == tmp_path / "bk" and folder.name.endswith("-thu-nghiem")
    moved = tmp_path / "may-moi" / folder.name  # load.sql names the old path: moving must not matter
    shutil.move(folder, moved)
    target = tmp_path / "new" / "ct07.duckdb"
    result = bk.restore(moved, target)
    assert result.target == target.resolve() and result.replaced is None
    con = duckdb.connect(str(target), read_only=True)
    try:
        tables = _tables(con)
        assert tables == sorted(bk._table_counts(db._con.cursor()))
        for t in tables:
            assert _rows(con, t) == _rows(db, t), t
    finally:
        con.close()
    restored = Database(target)  # opens, migrates (nothing to do) and writes with its sequences
    try:
        assert restored.data_version() == db.data_version()
        _write(restored)  # the restored sequences do not collide with restored ids
        assert restored.scalar("SELECT count(*) FROM audit_log") == db.scalar("SELECT count(*) FROM audit_log") + 1
    finally:
        restored.close()


def test_manifest_matches_database_and_list_is_newest_first(db, tmp_path):
    first = bk.backup(db, tmp_path / "bk", reason="một")
    _write(db)
    second = bk.backup(db, tmp_path / "bk", reason="hai")
    m = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert m["reason"] == "hai" and m["format"] == bk.FORMAT
    assert m["schema_version"] == db.schema_version()
    assert m["data_version"] == db.data_version()
    assert m["tables"] == bk._table_counts(db._con.cursor())
    assert m["tables"]["work"] == 18 and "created_at" in m and "app_version" in m
    listed = bk.list_backups(tmp_path / "bk")
    assert [b.folder for b in listed] == [second, first]
    assert listed[1].manifest["data_version"] == m["data_version"] - 1
    assert not list((tmp_path / "bk").glob(".tmp-*"))


def test_preview_shows_tables_changed_since_the_backup(db, tmp_path):
    folder = bk.backup(db, tmp_path / "bk")
    same = bk.preview(folder, db)
    assert same.differences == [] and same.backup_rows == same.current_rows
    n = db.scalar("SELECT count(*) FROM audit_log")
    _write(db)
    p = bk.preview(folder, db)
    assert p.differences == [("audit_log", n, n + 1)]
    assert p.current_data_version == p.manifest["data_version"] + 1


@pytest.mark.parametrize("tamper", ["delete_parquet", "change_count"])
def test_damaged_backup_is_refused_and_target_untouched(db, tmp_path, tamper):
    good = bk.backup(db, tmp_path / "bk")
    target = bk.restore(good, tmp_path / "ct07.duckdb").target
    before = _sha(target)
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    if tamper == "delete_parquet":
        (bad / "work.parquet").unlink()
    else:
        m = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
        m["tables"]["work"] += 1
        (bad / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(bk.BackupError, match="bị hỏng.*work"):
        bk.restore(bad, target)
    with pytest.raises(bk.BackupError, match="bị hỏng"):
        bk.preview(bad, db)
    assert _sha(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "bk", "ct07.duckdb", "test.duckdb"]  # no .bak, no temp
    assert bk.main(["restore", str(bad), "--db", str(target)]) == 2


def test_restore_keeps_the_replaced_file_and_moves_its_wal(db, tmp_path):
    folder = bk.backup(db, tmp_path / "bk")
    target = _standalone_copy(db, tmp_path / "ct07.duckdb")
    with duckdb.connect(str(target)) as con:
        con.execute("DELETE FROM status_update")
    result = bk.restore(folder, target)
    assert result.replaced.name.startswith("ct07.duckdb.bak-")
    with duckdb.connect(str(result.replaced), read_only=True) as old:
        assert old.execute("SELECT count(*) FROM status_update").fetchone()[0] == 0
    with duckdb.connect(str(target), read_only=True) as new:
        assert new.execute("SELECT count(*) FROM status_update").fetchone()[0] == \
            db.scalar("SELECT count(*) FROM status_update")


HOLDER = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
          "print('ready', flush=True); time.sleep(60)")


def test_locked_file_refused_then_reset_backs_up(db, tmp_path):
    path = _standalone_copy(db, tmp_path / "ct07.duckdb")
    env = {**os.environ, "CT07_DB_PATH": str(path), "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        reset = subprocess.run([sys.executable, "-m", "lib.seed", "--reset"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=60)
        assert reset.returncode == 2
        assert "Không đặt lại dữ liệu" in reset.stderr and "tiến trình khác" in reset.stderr
        with pytest.raises(bk.BackupError, match=f"PID {holder.pid}"):
            bk.ensure_not_locked(path)
        folder = bk.backup(db, tmp_path / "bk")
        with pytest.raises(bk.BackupError, match="tiến trình khác"):
            bk.restore(folder, path)
        assert bk.main(["create", "--db", str(path)]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert path.exists() and not (tmp_path / "backups").exists()
    assert not list(tmp_path.glob("ct07.duckdb.bak-*"))

    reset = subprocess.run([sys.executable, "-m", "lib.seed", "--reset"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert reset.returncode == 0, reset.stderr
    made = bk.list_backups(tmp_path / "backups")
    assert len(made) == 1 and made[0].folder.name.endswith("-truoc-khi-dat-lai")
    assert str(made[0].folder) in reset.stdout
    assert len(list(tmp_path.glob("ct07.duckdb.bak-*"))) == 1


@pytest.mark.parametrize("offset", [0, 8192])  # the header; a checksummed block
def test_damaged_file_names_the_newest_backup(db, tmp_path, offset):
    copy = _standalone_copy(db, tmp_path / "copy.duckdb")
    raw = bytearray(copy.read_bytes())
    raw[offset:offset + 4096] = os.urandom(4096)
    copy.write_bytes(bytes(raw))
    with pytest.raises(DatabaseError, match="Không tìm thấy bản sao lưu nào"):
        Database(copy)
    bk.backup(db, reason="cũ")  # default place: backups/ beside the file
    newest = bk.backup(db, reason="mới")
    with pytest.raises(DatabaseError) as err:
        Database(copy)
    msg = str(err.value)
    assert "Không mở được tệp dữ liệu" in msg and "bị hỏng" in msg
    assert str(newest) in msg and "python -m lib.backup restore" in msg
    bk.restore(newest, copy)  # the command the message gives works
    again = Database(copy)
    assert again.scalar("SELECT count(*) FROM work") == 18
    again.close()


def test_command_paths(db, tmp_path, capsys):
    path = _standalone_copy(db, tmp_path / "ct07.duckdb")
    out = tmp_path / "bk"
    assert bk.main(["create", "--db", str(path), "--out", str(out), "--reason", "trước nhập"]) == 0
    assert "Đã tạo bản sao lưu" in capsys.readouterr().out
    folder = bk.list_backups(out)[0].folder
    assert bk.main(["list", "--out", str(out)]) == 0
    assert folder.name in capsys.readouterr().out
    assert bk.main(["preview", str(folder), "--db", str(path)]) == 0
    assert "giống nhau" in capsys.readouterr().out
    assert bk.main(["restore", str(folder), "--db", str(path)]) == 0
    assert "Đã khôi phục" in capsys.readouterr().out

    for argv, words in [
        (["create", "--db", str(tmp_path / "khong-co.duckdb")], "Không tìm thấy tệp dữ liệu"),
        (["preview", str(tmp_path / "khong-co")], "Không tìm thấy thư mục sao lưu"),
        (["restore", str(out), "--db", str(path)], "thiếu tệp manifest.json"),
    ]:
        assert bk.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("Lỗi: ") and words in err, err
    assert bk.main(["list", "--out", str(tmp_path / "trong")]) == 0
    assert "Chưa có bản sao lưu" in capsys.readouterr().out


def test_an_import_backs_up_first_and_only_for_someone_allowed_to_import(db):
    from lib import auth, criteria
    from tests.auth_helpers import admin, editor
    root = bk.default_dest_root(db.path)
    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "data" / "rulesets").glob("*.csv")}
    with pytest.raises(auth.PermissionDenied):        # rule-sets are an admin's: an editor gets no backup either
        criteria.import_rulesets(db, editor(db), texts)
    assert bk.list_backups(root) == []
    criteria.import_rulesets(db, admin(db), texts)
    assert [b.manifest["reason"] for b in bk.list_backups(root)] == ["truoc-khi-nhap-bo-tieu-chi"]


def test_restore_in_place_from_the_running_server(tmp_path):
    """The admin page's restore: the server's own open file is replaced by the backup's data; the
    current data are backed up first; the data version only grows; an editor may not restore."""
    from lib import auth, seed, updates
    from tests.auth_helpers import admin, editor
    from datetime import date
    db = Database(tmp_path / "ct07.duckdb")
    seed.load_seed(db)
    boss = admin(db)
    folder = bk.backup(db, reason="truoc-ky-6")
    before = {t: _rows(db, t) for t in ("work", "status_update", "reporting_period")}
    updates.record(db, editor(db), updates.Period("2023-06", "Kỳ 6/2023", date(2023, 6, 30)),
                   [updates.Update("XH-09", stage="da_ban_giao")], new_period=True)
    version_after_edit = db.data_version()
    with pytest.raises(auth.PermissionDenied):
        bk.restore_in_place(db, editor(db), folder)
    result, safety = bk.restore_in_place(db, boss, folder)
    assert {t: _rows(db, t) for t in before} == before             # the edit is gone, the old rows are back
    assert db.data_version() > version_after_edit                  # no cached read of the old data matches
    last = db.query("SELECT actor, action, detail FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (last["actor"], last["action"]) == (boss.username, "restored") and folder.name in last["detail"]
    assert result.replaced is not None and result.replaced.exists()  # the old file kept beside
    # the safety backup holds the edit that the restore removed
    assert bk.read_manifest(safety)["tables"]["status_update"] == len(before["status_update"]) + 1
    updates.record(db, editor(db), updates.Period("2023-06", "Kỳ 6/2023", date(2023, 6, 30)),
                   [updates.Update("XH-09", stage="da_ban_giao")], new_period=True)  # the server writes on
    db.close()


def test_a_damaged_backup_is_refused_before_the_running_file_is_touched(tmp_path):
    from lib import seed
    from tests.auth_helpers import admin
    db = Database(tmp_path / "ct07.duckdb")
    seed.load_seed(db)
    folder = bk.backup(db, reason="hong")
    (folder / "work.parquet").write_bytes(b"not parquet")
    boss = admin(db)
    version = db.data_version()
    with pytest.raises(DatabaseError):
        bk.restore_in_place(db, boss, folder)
    assert db.data_version() == version  # nothing restored, nothing written
    assert db.scalar("SELECT count(*) FROM work") == 18
    db.close()


# -- messages and labels in the user's language ---------------------------------------------------

def test_a_damaged_backup_reads_in_english_and_in_vietnamese(db, tmp_path):
    good = bk.backup(db, tmp_path / "bk")
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    m = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    rows = m["tables"]["work"]
    m["tables"]["work"] += 1
    (bad / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(bk.BackupError) as err:
        bk.verify(bad)
    assert err.value.text("vi") == (f"Bản sao lưu {bad} bị hỏng: bảng work có {rows} dòng, nhưng manifest.json "
                                    f"ghi {rows + 1} dòng. Không dùng bản này để khôi phục.")
    assert err.value.text("en") == (f"The backup {bad} is damaged: table work has {rows} rows, but manifest.json "
                                    f"records {rows + 1}. Do not restore from it.")
    (bad / "manifest.json").unlink()
    listed = {b.folder.name: b for b in bk.list_backups(tmp_path)}
    assert listed["bad"].manifest is None  # the reason it is refused, in either language
    assert text_of(listed["bad"].error, "en") == f"The backup {bad} is damaged: the file manifest.json is missing."
    assert text_of(listed["bad"].error, "vi") == f"Bản sao lưu {bad} bị hỏng: thiếu tệp manifest.json."
    with pytest.raises(bk.BackupError) as missing:
        bk.read_manifest(tmp_path / "nowhere")
    assert missing.value.text("en") == f"The backup folder {tmp_path / 'nowhere'} was not found."


def test_the_damaged_file_hint_reads_in_english(db, tmp_path):
    hint = bk.damaged_file_hint(tmp_path / "x.duckdb")
    assert text_of(hint, "vi") == f"Không tìm thấy bản sao lưu nào trong {tmp_path / 'backups'}."
    assert text_of(hint, "en") == f"No backup was found in {tmp_path / 'backups'}."
    copy = _standalone_copy(db, tmp_path / "x.duckdb")
    newest = bk.backup(copy)
    hint = bk.damaged_file_hint(copy)
    assert text_of(hint, "en").startswith(f"Newest backup: {newest} (made at ")
    assert text_of(hint, "vi").startswith(f"Bản sao lưu mới nhất: {newest} (tạo lúc ")
    assert f'python -m lib.backup restore "{newest}"' in text_of(hint, "en")


def test_backup_reasons_have_labels_in_both_languages():
    assert bk.reason_label("thu-cong", "vi") == "Sao lưu thủ công"
    assert bk.reason_label("thu-cong", "en") == "Manual backup"
    assert bk.reason_label("truoc-khi-khoi-phuc", "en") == "Before a restore"
    assert bk.reason_label("ly-do-go-tay", "en") == "ly-do-go-tay"  # typed on the command line: as itself
    assert bk.reason_label(None, "en") == ""
    # every reason the application writes has a label
    for path in ("lib/evidence.py", "lib/criteria.py", "lib/importer.py", "lib/seed.py", "lib/backup.py",
                 "pages/quan_tri.py"):
        for reason in re.findall(r'"(truoc-khi-[a-z-]+|thu-cong)"', (ROOT / path).read_text(encoding="utf-8")):
            assert reason in bk.REASON_KEY, (path, reason)
            assert bk.reason_label(reason, "en") != reason


def test_the_command_speaks_english_when_asked(db, tmp_path, capsys):
    path = _standalone_copy(db, tmp_path / "ct07.duckdb")
    out = tmp_path / "bk"
    assert bk.main(["--lang", "en", "create", "--db", str(path), "--out", str(out)]) == 0
    made = capsys.readouterr().out
    assert made.startswith("Backup made: ") and "Đã tạo" not in made
    folder = bk.list_backups(out)[0].folder
    assert bk.main(["preview", str(folder), "--db", str(path), "--lang", "en"]) == 0
    assert "Every table has the same row count." in capsys.readouterr().out
    assert bk.main(["preview", str(folder), "--db", str(path)]) == 0  # Vietnamese by default
    assert "Số dòng mọi bảng giống nhau." in capsys.readouterr().out
    assert bk.main(["--lang", "en", "create", "--db", str(tmp_path / "khong-co.duckdb")]) == 2
    assert capsys.readouterr().err.strip() == f"Error: The data file {tmp_path / 'khong-co.duckdb'} was not found."
    assert bk.main(["--lang", "en", "list", "--out", str(tmp_path / "trong")]) == 0
    assert capsys.readouterr().out.strip() == f"There is no backup in {tmp_path / 'trong'} yet."
