"""Sign-in and roles (issue 10): accounts, passwords, sessions, the permission inside the write
path, the audit trail's old and new values, the command line, and the pages for each role."""
import io
import json
from datetime import datetime, timedelta

import pytest

from lib import auth, criteria, evidence, scenario, scenario_store, updates
from lib.auth import ACTIONS, AuthError, Identity, PermissionDenied
from lib.db import Database, DatabaseError
from lib.updates import Period, Update
from tests.auth_helpers import PASSWORD, admin, editor, sign_in_app
from tests.test_app import goto, new_app
from tests.conftest import seeded  # noqa: E402

P = Period(id="2023-06", label_vi="Kỳ 6 tháng đầu năm 2023", as_of=datetime(2023, 6, 30).date())


def state(db) -> tuple:
    """Everything a refused write must leave as it was."""
    return (db.data_version(), db.scalar("SELECT count(*) FROM audit_log"),
            db.scalar("SELECT count(*) FROM status_update"), db.scalar("SELECT count(*) FROM setting"))


# -- passwords ---------------------------------------------------------------------------------------

def test_passwords_are_argon2_hashes_and_verify():
    h = auth.hash_password("mật khẩu dài")
    assert h.startswith("$argon2id$") and "mật khẩu" not in h
    assert auth.verify_password(h, "mật khẩu dài")
    assert not auth.verify_password(h, "mật khẩu sai")
    assert not auth.verify_password("không phải hash", "x")
    assert auth.hash_password("mật khẩu dài") != h  # salted


def test_accounts_store_only_the_hash(db):
    editor(db)
    row = db.query("SELECT * FROM app_user WHERE username = 'thu-ky'").iloc[0]
    assert row["role"] == "editor" and row["active"] and row["failed_count"] == 0
    assert auth.verify_password(row["password_hash"], PASSWORD) and PASSWORD not in row["password_hash"]


@pytest.mark.parametrize("username, name, role, password, message", [
    ("A B", "Tên", "editor", PASSWORD, "Tên đăng nhập"),
    ("x", "Tên", "editor", PASSWORD, "Tên đăng nhập"),
    ("thuky2", "<b>Tên</b>", "editor", PASSWORD, "Họ tên"),
    ("thuky2", "Tên", "viewer", PASSWORD, "Vai trò"),
    ("thuky2", "Tên", "editor", "ngắn", "ít nhất 8"),
])
def test_bad_accounts_are_refused_in_vietnamese(db, username, name, role, password, message):
    with pytest.raises(AuthError, match=message):
        auth.add_user(db, auth.CLI, username, name, role, password)
    assert auth.list_users(db).empty


def test_a_username_is_used_once(db):
    editor(db)
    with pytest.raises(AuthError, match="đã có"):
        auth.add_user(db, auth.CLI, "thu-ky", "Người khác", "admin", PASSWORD)


# -- signing in, the rate limit, sessions -------------------------------------------------------------

def test_sign_in_gives_the_stored_identity(db):
    editor(db, "Nguyễn Thị Thư", "thu")
    who = auth.sign_in(db, " thu ", PASSWORD)
    assert who == Identity("thu", "Nguyễn Thị Thư", "editor")
    for name, password in (("thu", "sai-mat-khau"), ("khong-co", PASSWORD), ("", "")):
        with pytest.raises(AuthError, match="không đúng"):
            auth.sign_in(db, name, password)


def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    editor(db)
    now = datetime(2026, 3, 1, 9, 0)
    for _ in range(4):
        with pytest.raises(AuthError, match="không đúng"):
            auth.sign_in(db, "thu-ky", "sai", now)
    assert db.scalar("SELECT failed_count FROM app_user WHERE username = 'thu-ky'") == 4
    with pytest.raises(AuthError, match="tạm khoá đến 09:15"):
        auth.sign_in(db, "thu-ky", "sai", now)
    assert db.scalar("SELECT locked_until FROM app_user WHERE username = 'thu-ky'") == now + timedelta(minutes=15)
    with pytest.raises(AuthError, match="tạm khoá"):  # even the right password, while locked
        auth.sign_in(db, "thu-ky", PASSWORD, now + timedelta(minutes=14))
    assert auth.sign_in(db, "thu-ky", PASSWORD, now + timedelta(minutes=16)).role == "editor"
    assert db.scalar("SELECT failed_count FROM app_user WHERE username = 'thu-ky'") == 0
    failed = db.query("SELECT actor FROM audit_log WHERE action = 'sign_in_failed'")
    assert len(failed) == 5 and set(failed["actor"]) == {"thu-ky"}


def test_a_success_resets_the_count_and_a_disabled_account_cannot_sign_in(db):
    editor(db)
    with pytest.raises(AuthError):
        auth.sign_in(db, "thu-ky", "sai")
    auth.sign_in(db, "thu-ky", PASSWORD)
    assert db.scalar("SELECT failed_count FROM app_user WHERE username = 'thu-ky'") == 0
    auth.set_active(db, admin(db), "thu-ky", False)
    with pytest.raises(AuthError, match="không đúng"):
        auth.sign_in(db, "thu-ky", PASSWORD)


def test_sessions_expire_idle_or_in_all_and_follow_the_account(db):
    who = editor(db)
    t0 = datetime(2026, 3, 1, 8, 0)
    s = auth.start_session(who, t0)
    s2 = auth.resume(db, s, t0 + timedelta(hours=7, minutes=59))
    assert s2 is not None and s2.last_seen == t0 + timedelta(hours=7, minutes=59)
    assert auth.resume(db, s, t0 + timedelta(hours=8, minutes=1)) is None          # idle too long
    s3 = auth.resume(db, s2, t0 + timedelta(hours=11))
    assert s3 is not None
    assert auth.resume(db, s3, t0 + timedelta(hours=12, minutes=1)) is None        # the fixed maximum
    now = datetime.now()
    live = auth.start_session(who, now)
    db.write(admin(db), "promote", lambda cur: cur.execute(
        "UPDATE app_user SET role = 'admin', display_name = 'Thư ký mới' WHERE username = 'thu-ky'"))
    assert auth.resume(db, live, now).identity == Identity("thu-ky", "Thư ký mới", "admin")  # as stored now
    auth.set_active(db, admin(db), "thu-ky", False)
    assert auth.resume(db, live, now) is None                                          # disabled: ended
    forged = auth.start_session(Identity("khong-co", "Giả", "admin"), now)
    assert auth.resume(db, forged, now) is None
    assert auth.resume(db, None, now) is None


# -- the permission inside the write path -------------------------------------------------------------

def _noop(cur):
    cur.execute("UPDATE setting SET description = description")


@pytest.mark.parametrize("action", sorted(ACTIONS) + ["an_action_nobody_listed"])
def test_the_write_path_refuses_a_viewer_none_and_a_disabled_account_for_every_action(db, action):
    gone = editor(db, "Đã nghỉ", "da-nghi")
    auth.set_active(db, admin(db), "da-nghi", False)
    before = state(db)
    for who in (None, "thư ký", Identity("viewer", "Người xem", "viewer"), gone,
                Identity("khong-co", "Không có", "admin")):
        with pytest.raises(PermissionDenied) as e:
            db.write(who, action, _noop)
        assert isinstance(e.value, DatabaseError) and str(e.value)
    assert state(db) == before


@pytest.mark.parametrize("action", sorted(a for a, role in ACTIONS.items() if role == "admin")
                         + ["an_action_nobody_listed"])
def test_an_editor_cannot_do_admin_actions(db, action):
    who = editor(db)
    before = state(db)
    with pytest.raises(PermissionDenied, match="cần quyền quản trị"):
        db.write(who, action, _noop)
    assert state(db) == before


def test_the_role_is_read_from_the_database_not_from_the_identity(db):
    editor(db)
    claims_admin = Identity("thu-ky", "Thư ký", "admin")  # a stale or forged role
    with pytest.raises(PermissionDenied):
        db.write(claims_admin, "settings", _noop)


def test_an_editor_is_refused_settings_accounts_and_rulesets_through_the_library(db):
    who = editor(db)
    before = state(db)
    with pytest.raises(PermissionDenied):
        updates.save_settings(db, who, {"flag_stale_days": 90})
    with pytest.raises(PermissionDenied):
        auth.add_user(db, who, "moi", "Người mới", "admin", PASSWORD)
    with pytest.raises(PermissionDenied):
        auth.set_active(db, who, "thu-ky", False)
    with pytest.raises(PermissionDenied):
        auth.set_password(db, who, "thu-ky", "mat-khau-moi-1")
    with pytest.raises(PermissionDenied):
        criteria.import_rulesets(db, who, criteria._texts_from_repo())
    assert state(db) == before


def test_the_system_identity_only_does_what_the_app_does_by_itself(db):
    with pytest.raises(PermissionDenied):
        db.write(auth.system("hệ thống"), "status_update", _noop)
    with pytest.raises(PermissionDenied):
        db.write(auth.system("hệ thống"), "settings", _noop)


def test_an_editor_does_the_editors_work(db):
    who = editor(db)
    assert updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=True).count == 1
    scenario_store.save_scenario(db, who, "Kịch bản", scenario.Scenario(2023, 2030, 10 * 10**9))
    scenario_store.delete_scenario(db, who, "Kịch bản")
    evidence.state_town(db, who, "XH-01", "trung-khanh", "TB 1", "01/01/2024")
    actions = db.query("SELECT actor, action FROM audit_log WHERE actor = 'thu-ky' ORDER BY id")
    assert actions["action"].tolist() == ["status_update", "save_scenario", "delete_scenario", "work_area_committee"]


# -- the audit trail -----------------------------------------------------------------------------------

def last_audit(db):
    return db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]


def test_settings_record_old_and_new_values(db):
    who = admin(db)
    updates.save_settings(db, who, {"flag_stale_days": 90, "flag_at_risk_months": 6})
    a = last_audit(db)
    assert (a["actor"], a["action"]) == ("admin-quan-tri", "settings")
    assert json.loads(a["old"]) == {"flag_stale_days": "180", "flag_at_risk_months": "12"}
    assert json.loads(a["new"]) == {"flag_stale_days": "90", "flag_at_risk_months": "6"}


def test_status_updates_record_the_new_rows(db):
    updates.record(db, editor(db), P, [Update("XH-09", stage="da_ban_giao", physical_pct=100)], new_period=True)
    a = last_audit(db)
    assert a["actor"] == "thu-ky" and a["old"] is None
    assert json.loads(a["new"]) == [{"work_id": "XH-09", "period_id": "2023-06", "stage": "da_ban_giao",
                                     "physical_pct": 100.0, "disbursed_vnd": None, "expected_year": None,
                                     "note": None, "delay_cause": None}]


def test_a_ruleset_import_records_a_summary_before_and_after(db):
    criteria.import_rulesets(db, admin(db), criteria._texts_from_repo())
    a = last_audit(db)
    old, new = json.loads(a["old"]), json.loads(a["new"])
    assert a["action"] == "import_rulesets" and a["actor"] == "admin-quan-tri"
    assert {f["imported_by"] for f in old["files"]} == {criteria.DEFAULT_IMPORTER}
    assert sorted(old["rulesets"]) == sorted(new["rulesets"]) == ["nq111-2025", "nq1210-2016", "nq1210-2016-nq26-2022"]
    assert {f["name"] for f in new["files"]} == {f["name"] for f in old["files"]}


def test_disabling_an_account_records_old_and_new(db):
    editor(db)
    auth.set_active(db, admin(db), "thu-ky", False)
    a = last_audit(db)
    assert (a["action"], json.loads(a["old"]), json.loads(a["new"])) == (
        "account_disable", {"active": True}, {"active": False})


def test_audit_rows_filter_by_user_action_and_day(db):
    who = editor(db)
    updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=True)
    today = datetime.now().date()
    rows = auth.audit_rows(db, user="thu-ky", action="status_update", start=today, end=today)
    assert len(rows) == 1 and rows.iloc[0]["actor"] == "thu-ky"
    assert auth.audit_rows(db, user="thu-ky", end=today - timedelta(days=1)).empty
    users, actions = auth.audit_choices(db)
    assert "thu-ky" in users and "status_update" in actions


def test_the_migration_adds_accounts_and_audit_columns_to_an_existing_database(tmp_path, monkeypatch):
    import lib.db as dbmod
    path = tmp_path / "old.duckdb"
    six = dbmod.migrations()[:6]
    monkeypatch.setattr(dbmod, "migrations", lambda: six)
    old = Database(path)
    old._con.execute("INSERT INTO audit_log (logged_at, actor, action, detail) VALUES (now(), 'Thư ký', 'x', '{}')")
    old.close()
    monkeypatch.undo()
    migrated = Database(path)
    try:
        assert migrated.schema_version() == dbmod.latest_schema_version()
        row = migrated.query("SELECT actor, old, new FROM audit_log").iloc[0]
        assert row["actor"] == "Thư ký" and row["old"] is None and row["new"] is None
        assert migrated.scalar("SELECT count(*) FROM app_user") == 0
    finally:
        migrated.close()


# -- the command line -------------------------------------------------------------------------------------

def run_cli(monkeypatch, capsys, path, *args, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = auth.main(["--db", str(path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_command_adds_lists_disables_and_sets_passwords(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cli.duckdb"
    code, out, _ = run_cli(monkeypatch, capsys, path, "add-user", "thuky", "--role", "editor",
                           "--name", "Nguyễn Thị Thư", "--password-stdin", stdin="mat-khau-dai\n")
    assert code == 0 and "Đã tạo tài khoản thuky" in out
    code, out, _ = run_cli(monkeypatch, capsys, path, "list")
    assert code == 0 and "thuky\teditor\thoạt động\tNguyễn Thị Thư" in out
    code, _, err = run_cli(monkeypatch, capsys, path, "add-user", "thuky", "--role", "editor", "--name", "X",
                           "--password-stdin", stdin="mat-khau-dai\n")
    assert code == 2 and "đã có" in err
    code, _, err = run_cli(monkeypatch, capsys, path, "add-user", "moi", "--role", "admin", "--name", "X",
                           "--password-stdin", stdin="ngan\n")
    assert code == 2 and "ít nhất 8" in err
    code, _, err = run_cli(monkeypatch, capsys, path, "add-user", "moi", "--role", "viewer", "--name", "X")
    assert code == 2
    code, out, _ = run_cli(monkeypatch, capsys, path, "set-password", "thuky", "--password-stdin",
                           stdin="mat-khau-moi-1\n")
    assert code == 0
    code, out, _ = run_cli(monkeypatch, capsys, path, "disable", "thuky")
    assert code == 0 and "Đã khoá tài khoản thuky" in out
    code, out, _ = run_cli(monkeypatch, capsys, path, "list")
    assert "thuky\teditor\tđã khoá" in out
    code, _, err = run_cli(monkeypatch, capsys, path, "disable", "khong-co")
    assert code == 2 and "Không có tài khoản «khong-co»" in err
    db = Database(path)
    try:
        assert auth.verify_password(db.scalar("SELECT password_hash FROM app_user WHERE username = 'thuky'"),
                                    "mat-khau-moi-1")
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'account_%'") == 3
    finally:
        db.close()


def test_the_command_reports_a_file_it_cannot_open(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("không phải cơ sở dữ liệu")
    code, _, err = run_cli(monkeypatch, capsys, bad, "list")
    assert code == 2 and "Lỗi:" in err


# -- the pages ---------------------------------------------------------------------------------------------

@pytest.fixture
def app(tmp_path, monkeypatch):
    import streamlit as st
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    st.cache_resource.clear()
    st.cache_data.clear()
    return new_app(tmp_path)


def app_db():
    from ui import frame
    return frame.get_db()


def labels(at) -> set[str]:
    return {b.label for b in at.button}


def test_a_viewer_sees_no_form_on_the_update_page(app):
    app.run()
    goto(app, "pages/cap_nhat.py")
    assert not app.exception, app.exception
    assert any("Chỉ người được phân quyền mới cập nhật được; hãy đăng nhập" in i.value for i in app.info)
    assert "Kiểm tra và ghi" not in labels(app) and "Lưu ngưỡng" not in labels(app)
    assert not [k for k in app.session_state if k.startswith(("upd_mode", "upd_work", "upd_table"))]


def test_a_replayed_save_from_a_viewer_writes_nothing(app):
    """The secretary's form was on screen, then the session ended (signed out, expired): the save
    click arrives from a viewer, with every widget value still set. Nothing is written."""
    sign_in_app(app)
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-06").run()
    app.text_input(key="upd_new_as_of").input("30/06/2023").run()
    [s for s in app.selectbox if s.label == "Giai đoạn"][0].set_value("da_ban_giao")
    save = [b for b in app.button if b.label == "Kiểm tra và ghi"][0]
    db = app_db()
    before = state(db)
    del app.session_state["ct07_session"]       # a viewer from here on
    save.click().run()
    assert not app.exception, app.exception
    assert state(db) == before
    assert any("hãy đăng nhập" in i.value for i in app.info)


def test_a_form_shown_by_mistake_to_a_viewer_is_still_refused_by_the_write_path(app, monkeypatch):
    """Hiding the form is not the protection: with a page that wrongly offers it to a viewer,
    the save reaches the write path, which refuses it."""
    from ui import auth_view
    monkeypatch.setattr(auth_view, "may", lambda action: True)
    monkeypatch.setattr(auth_view, "who", lambda: Identity("khach", "Khách", "viewer"))
    app.run()
    goto(app, "pages/cap_nhat.py")
    db = app_db()
    before = state(db)
    app.radio(key="upd_mode").set_value("new").run()
    app.text_input(key="upd_new_id").input("2023-06").run()
    app.text_input(key="upd_new_as_of").input("30/06/2023").run()
    [s for s in app.selectbox if s.label == "Giai đoạn"][0].set_value("da_ban_giao")
    [b for b in app.button if b.label == "Kiểm tra và ghi"][0].click().run()
    assert not app.exception, app.exception
    assert any("không tồn tại hoặc đã bị khoá" in e.value for e in app.error)
    assert state(db) == before


def test_a_forged_session_is_a_viewer(app):
    app.run()
    import lib.auth as a
    app.session_state["ct07_session"] = a.start_session(Identity("khong-co", "Giả", "admin"))
    goto(app, "pages/cap_nhat.py")
    assert "Kiểm tra và ghi" not in labels(app)
    assert not [p for p in app.get("html") if "Đã đăng nhập" in p.proto.body]


def test_an_editor_has_no_admin_page_and_no_settings_form(app):
    sign_in_app(app)
    app.run()
    assert not app.exception, app.exception
    goto(app, "pages/cap_nhat.py")
    assert "Kiểm tra và ghi" in labels(app) and "Lưu ngưỡng" not in labels(app)
    assert any("cần quyền quản trị" in i.value for i in app.info)
    goto(app, "pages/quan_tri.py")  # a link to it: the page refuses, and shows nothing of its own
    assert not app.exception, app.exception
    assert any("chỉ dành cho quản trị viên" in i.value for i in app.info)
    assert not app.tabs and not any("admin_" in h.proto.body for h in app.get("html"))


def test_the_admin_page_is_in_the_menu_of_admins_only():
    from lib.auth import RANK
    from ui.nav import PAGES, ROLE_RANK, in_menu
    assert ROLE_RANK == RANK
    assert [f for f, _, _ in PAGES if not in_menu(f, None)] == ["pages/quan_tri.py"]
    assert [f for f, _, _ in PAGES if not in_menu(f, "editor")] == ["pages/quan_tri.py"]
    assert all(in_menu(f, "admin") for f, _, _ in PAGES)


def test_the_admin_page_adds_disables_and_shows_the_audit_log(app):
    sign_in_app(app, "admin")
    app.run()
    goto(app, "pages/quan_tri.py")
    assert not app.exception, app.exception
    app.text_input(key="admin_add_user").input("thuky2")
    app.text_input(key="admin_add_name").input("Thư ký <b>hai</b>")
    app.text_input(key="admin_add_password").input("mat-khau-dai")
    next(b for b in app.button if b.label == "Tạo tài khoản").click().run()
    assert any("Họ tên" in e.value for e in app.error)                 # no HTML in a name
    app.text_input(key="admin_add_user").input("thuky2")
    app.text_input(key="admin_add_name").input("Thư ký hai")
    app.text_input(key="admin_add_password").input("mat-khau-dai")
    next(b for b in app.button if b.label == "Tạo tài khoản").click().run()
    assert not app.exception, app.exception
    assert any("Đã tạo tài khoản thuky2" in s.value for s in app.success)
    app.selectbox(key="admin_pick").set_value("thuky2").run()
    app.button(key="admin_toggle").click().run()
    assert not app_db().scalar("SELECT active FROM app_user WHERE username = 'thuky2'")
    bodies = [h.proto.body for h in app.get("html") if 'data-table="admin_audit"' in h.proto.body]
    # the action is shown by its label, not its code (auth.action_label)
    assert len(bodies) == 1 and "Khoá tài khoản" in bodies[0] and "admin-quan-tri" in bodies[0]
    assert "account_disable" not in bodies[0]
    assert "&lt;b&gt;" not in bodies[0] or "<b>" not in bodies[0]
    app.selectbox(key="admin_f_action").set_value("account_add").run()
    body = [h.proto.body for h in app.get("html") if 'data-table="admin_audit"' in h.proto.body][0]
    assert "Tạo tài khoản" in body and "Khoá tài khoản" not in body


def test_opening_every_page_as_a_viewer_writes_nothing(app):
    from tests.test_app import page_files
    from ui.nav import ROLE_PAGES
    app.run()
    db = app_db()
    before = state(db)
    for page in page_files():
        if page in ROLE_PAGES:
            continue
        goto(app, page)
        assert not app.exception, (page, app.exception)
    assert state(db) == before


def test_an_admin_backs_up_from_the_admin_page(app, tmp_path):
    from lib import backup
    sign_in_app(app, "admin")
    app.run()
    goto(app, "pages/quan_tri.py")
    assert not app.exception, app.exception
    assert any("Chưa có bản sao lưu nào." in h.proto.body for h in app.get("html"))
    app.button(key="admin_backup_now").click().run()
    assert not app.exception, app.exception
    root = backup.default_dest_root(tmp_path / "app.duckdb")
    found = backup.list_backups(root)
    assert len(found) == 1 and found[0].manifest["reason"] == "thu-cong"
    assert any(found[0].folder.name in h.proto.body for h in app.get("html")), "the new backup is listed"


def test_an_admin_restores_a_backup_from_the_admin_page_after_a_preview(app, tmp_path):
    """Back up, change the data, then restore from the page: the preview names the table whose
    rows differ, the button waits for the confirmation, and the pages show the old data again."""
    from datetime import date
    from lib import updates
    from ui import frame
    sign_in_app(app, "admin")
    app.run()
    goto(app, "pages/quan_tri.py")
    app.button(key="admin_backup_now").click().run()
    db = frame.get_db()
    updates.record(db, editor(db), updates.Period("2023-06", "Kỳ 6/2023", date(2023, 6, 30)),
                   [updates.Update("XH-09", stage="da_ban_giao")], new_period=True)
    goto(app, "pages/quan_tri.py")
    [folder] = [o for o in app.selectbox(key="admin_restore_pick").options]
    app.selectbox(key="admin_restore_pick").set_value(folder).run()
    assert not app.exception, app.exception
    preview = " ".join(h.proto.body for h in app.get("html"))
    assert "status_update" in preview and "reporting_period" in preview   # the tables that differ
    assert app.button(key="admin_restore_go").disabled                     # not before the confirmation
    app.checkbox(key="admin_restore_sure").check().run()
    app.button(key="admin_restore_go").click().run()
    assert not app.exception, app.exception
    assert any("đã khôi phục từ" in s.value for s in app.success)
    assert frame.get_db().scalar("SELECT count(*) FROM status_update WHERE period_id = '2023-06'") == 0
    goto(app, "pages/tong_quan.py")
    assert app.metric[0].value == "3/18"                                   # the data of the backup


# -- messages and labels in the user's language ---------------------------------------------------

def test_refusals_read_in_english_and_in_vietnamese(db):
    editor(db)
    with pytest.raises(AuthError) as wrong:
        auth.sign_in(db, "thu-ky", "sai mật khẩu")
    assert wrong.value.text("vi") == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert wrong.value.text("en") == "Wrong username or password."
    with pytest.raises(AuthError) as short:
        auth.add_user(db, admin(db), "thuky2", "Tên", "editor", "ngắn")
    assert short.value.text("vi") == "Mật khẩu phải có ít nhất 8 ký tự."
    assert short.value.text("en") == "The password must have at least 8 characters."
    with pytest.raises(PermissionDenied) as denied:
        auth.set_active(db, editor(db, "thu-ky-2"), "thu-ky", False)
    assert denied.value.text("vi") == ("Tài khoản «thu-ky-2» (thư ký) không có quyền «account_disable»: "
                                       "cần quyền quản trị.")
    assert denied.value.text("en") == ("The account «thu-ky-2» (editor) may not do «account_disable»: "
                                       "it needs the admin role.")


def test_a_lockout_reads_in_english(db):
    editor(db)
    at = datetime(2024, 1, 2, 9, 0)
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(AuthError):
            auth.sign_in(db, "thu-ky", "sai", now=at)
    with pytest.raises(AuthError) as locked:
        auth.sign_in(db, "thu-ky", "sai", now=at)
    assert locked.value.text("vi") == "Nhập sai 5 lần: tài khoản tạm khoá đến 09:15 02/01/2024."
    assert locked.value.text("en") == "5 wrong passwords: the account is locked until 09:15 02/01/2024."
    with pytest.raises(AuthError) as still:
        auth.sign_in(db, "thu-ky", PASSWORD, now=at + timedelta(minutes=1))
    assert still.value.text("vi") == "Tài khoản tạm khoá đến 09:15 02/01/2024 do nhập sai mật khẩu nhiều lần."
    assert still.value.text("en") == "The account is locked until 09:15 02/01/2024 after too many wrong passwords."


def test_audit_actions_have_labels_in_both_languages():
    assert auth.action_label("status_update", "vi") == "Cập nhật kỳ báo cáo"
    assert auth.action_label("status_update", "en") == "Reporting-period update"
    assert auth.action_label("account_disable") == "Khoá tài khoản"
    assert auth.action_label("no_such_action", "en") == "no_such_action"  # an unknown code as itself
    for action in set(ACTIONS) | auth.SYSTEM_ACTIONS:  # every action the app writes has a label
        assert action in auth.ACTION_KEY, action
        assert auth.action_label(action, "en") != action and auth.action_label(action, "vi") != action


def test_the_command_speaks_english_when_asked(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cli.duckdb"
    code, out, _ = run_cli(monkeypatch, capsys, path, "--lang", "en", "add-user", "thuky", "--role", "editor",
                           "--name", "Nguyễn Thị Thư", "--password-stdin", stdin="mat-khau-dai\n")
    assert code == 0 and out.strip() == "Account thuky (editor) created."
    code, _, err = run_cli(monkeypatch, capsys, path, "--lang", "en", "add-user", "moi", "--role", "admin",
                           "--name", "X", "--password-stdin", stdin="ngan\n")
    assert code == 2 and err.strip() == "Error: The password must have at least 8 characters."
    code, out, _ = run_cli(monkeypatch, capsys, path, "--lang", "en", "list")
    assert "thuky\teditor\tactive\tNguyễn Thị Thư" in out
    code, _, err = run_cli(monkeypatch, capsys, path, "disable", "khong-co")  # Vietnamese by default
    assert code == 2 and err.strip() == "Lỗi: Không có tài khoản «khong-co»."
