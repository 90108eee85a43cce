"""Quản trị (admins only): the accounts, and the audit log with filters."""
from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import auth, backup, fmt
from lib.db import DatabaseError
from lib.tables import Col, Table
from ui import auth_view, frame, table

USERS = Table("admin_users", (
    Col("username", "admin.col_username", width=14),
    Col("display_name", "admin.col_name", width=24),
    Col("role", "admin.col_role", width=10),
    Col("state", "admin.col_state", width=10),
    Col("created_at", "admin.col_created", "date", width=10),
    Col("locked_until", "admin.col_locked", width=14, missing=""),
))
AUDIT = Table("admin_audit", (
    Col("at", "admin.col_at", width=12),
    Col("actor", "admin.col_actor", width=14),
    Col("action", "admin.col_action", width=14),
    Col("detail", "admin.col_detail", width=24, missing=""),
    Col("old", "admin.col_old", width=18, missing=""),
    Col("new", "admin.col_new", width=18, missing=""),
))
BACKUPS = Table("admin_backups", (
    Col("folder", "admin.col_backup", width=40, wrap=False),
    Col("reason", "admin.col_reason", width=24),
    Col("tables", "admin.col_tables", "int", width=10),
    Col("rows", "admin.col_rows", "int", width=12),
    Col("state", "admin.col_state", width=14),
))
RESTORE_DIFF = Table("admin_restore_diff", (
    Col("table", "admin.col_table", width=20),
    Col("backup", "admin.col_rows_backup", "int", width=12),
    Col("current", "admin.col_rows_current", "int", width=12),
))
CELL = 400  # characters of a JSON cell shown; the whole row stays in the database

ctx = frame.page_header()
who = auth_view.who()
if not auth_view.may("account_add"):  # not in the navigation either; the write path checks again
    st.info(ctx.tr("admin.only"))
    st.stop()
db = frame.get_db()
if "admin_flash" in st.session_state:
    st.success(st.session_state.pop("admin_flash"))


def _done(what: str) -> None:
    st.session_state["admin_flash"] = ctx.tr("admin.done", what=what)
    st.rerun()


def _cut(value) -> str | None:
    if fmt.is_missing(value):
        return None
    text = str(value)
    return text if len(text) <= CELL else text[:CELL] + "…"


tab_users, tab_audit, tab_backup = st.tabs([ctx.tr("admin.tab_accounts"), ctx.tr("admin.tab_audit"),
                                           ctx.tr("admin.tab_backup")], key="admin_tab")  # kept across reruns
with tab_users:
    users = frame.read(auth.list_users)
    rows = pd.DataFrame({
        "username": users["username"], "display_name": users["display_name"],
        "role": [auth_view.role_label(r, ctx.lang) for r in users["role"]],
        "state": [ctx.tr("admin.state_active" if a else "admin.state_disabled") for a in users["active"]],
        "created_at": users["created_at"],
        "locked_until": [None if fmt.is_missing(v) or v.to_pydatetime() < pd.Timestamp.now().to_pydatetime()
                         else f"{v:%H:%M %d/%m/%Y}" for v in users["locked_until"]]})
    table.show(ctx, USERS, rows, empty=ctx.tr("admin.no_users"))
    left, right = st.columns(2, gap="large")
    with left, st.form("admin_add", clear_on_submit=True):
        st.markdown(f"**{ctx.tr('admin.add')}**")
        username = st.text_input(ctx.tr("admin.f_username"), key="admin_add_user", max_chars=32)
        name = st.text_input(ctx.tr("admin.f_name"), key="admin_add_name", max_chars=80)
        role = st.radio(ctx.tr("admin.f_role"), list(auth.ACCOUNT_ROLES), horizontal=True, key="admin_add_role",
                        format_func=lambda r: auth_view.role_label(r, ctx.lang))
        password = st.text_input(ctx.tr("admin.f_password"), type="password", key="admin_add_password")
        if st.form_submit_button(ctx.tr("admin.add_go"), type="primary"):
            try:
                auth.add_user(db, who, username, name, role, password)
            except DatabaseError as e:
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
            else:
                _done(ctx.tr("admin.added", username=username.strip()))
    with right:
        st.markdown(f"**{ctx.tr('admin.manage')}**")
        names = list(users["username"])
        if names:
            pick = st.selectbox(ctx.tr("admin.pick"), names, key="admin_pick", placeholder=ctx.tr("common.choose"))
            active = bool(users.set_index("username").loc[pick, "active"])
            c1, c2 = st.columns(2, vertical_alignment="bottom")
            if c1.button(ctx.tr("admin.disable" if active else "admin.enable"), key="admin_toggle"):
                if active and pick == who.username:
                    st.error(ctx.tr("admin.no_self_disable"))
                else:
                    try:
                        auth.set_active(db, who, pick, not active)
                    except DatabaseError as e:
                        st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
                    else:
                        _done(f"{pick}: " + ctx.tr("admin.state_disabled" if active else "admin.state_active"))
            with st.form("admin_reset", clear_on_submit=True):
                new_password = st.text_input(ctx.tr("admin.new_password"), type="password", key="admin_new_password")
                if st.form_submit_button(ctx.tr("admin.reset")):
                    try:
                        auth.set_password(db, who, pick, new_password)
                    except DatabaseError as e:
                        st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
                    else:
                        _done(f"{pick}: " + ctx.tr("admin.reset"))

with tab_audit:
    users_seen, actions = frame.read(auth.audit_choices)
    everyone = ctx.tr("admin.all")
    c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")
    user = c1.selectbox(ctx.tr("admin.f_user"), [everyone] + users_seen, key="admin_f_user")
    action = c2.selectbox(ctx.tr("admin.f_action"), [everyone] + actions, key="admin_f_action",
                          format_func=lambda a: a if a == everyone else auth.action_label(a, ctx.lang))
    start_text = c3.text_input(ctx.tr("admin.f_from"), value=fmt.day(date.today() - timedelta(days=30), "vi"),
                               key="admin_f_from", placeholder=ctx.tr("common.placeholder_day"), max_chars=10)
    end_text = c4.text_input(ctx.tr("admin.f_to"), value=fmt.day(date.today(), "vi"), key="admin_f_to",
                             placeholder=ctx.tr("common.placeholder_day"), max_chars=10)
    try:
        start = fmt.parse_day(start_text, ctx.lang) if start_text.strip() else None
        end = fmt.parse_day(end_text, ctx.lang) if end_text.strip() else None
    except ValueError as e:
        st.error(fmt.md_escape(text_of(e, ctx.lang)))
        st.stop()
    log = frame.read(auth.audit_rows, None if user == everyone else user, None if action == everyone else action,
                     start, end)
    shown = pd.DataFrame({
        "at": [f"{v:%d/%m/%Y %H:%M:%S}" for v in log["logged_at"]], "actor": log["actor"],
        "action": [auth.action_label(a, ctx.lang) for a in log["action"]],
        "detail": [None if d in (None, "{}") else _cut(d) for d in log["detail"]],
        "old": [_cut(v) for v in log["old"]], "new": [_cut(v) for v in log["new"]]})
    table.show(ctx, AUDIT, shown, empty=ctx.tr("admin.audit_none"),
               caption=ctx.tr("admin.audit_caption", n=len(log), limit=auth.AUDIT_LIMIT))

with tab_backup:
    st.caption(ctx.tr("admin.backup_help"))
    root = backup.default_dest_root(db.path)
    if st.button(ctx.tr("admin.backup_now"), key="admin_backup_now", type="primary", icon=":material/backup:"):
        try:
            if not auth_view.may("backup"):
                raise auth.PermissionDenied(ctx.tr("admin.only"))
            folder = backup.before_import(db, who, "backup", "thu-cong")
        except DatabaseError as e:
            st.error(fmt.md_escape(text_of(e, ctx.lang)))
        else:
            _done(ctx.tr("admin.backup_done", folder=str(folder.name) if folder else ""))
    found = backup.list_backups(root)
    rows = pd.DataFrame({
        "folder": [b.folder.name for b in found],
        "reason": [backup.reason_label((b.manifest or {}).get("reason"), ctx.lang) if b.manifest else None
                   for b in found],
        "tables": [len(b.manifest["tables"]) if b.manifest else None for b in found],
        "rows": [sum(int(n) for n in b.manifest["tables"].values()) if b.manifest else None for b in found],
        "state": [ctx.tr("admin.backup_ok") if b.manifest is not None else ctx.tr("admin.backup_bad") for b in found]})
    table.show(ctx, BACKUPS, rows, empty=ctx.tr("admin.backup_none"),
               caption=ctx.tr("admin.backup_caption", root=str(root)))
    good = [b for b in found if b.manifest is not None]
    if good:
        st.subheader(ctx.tr("admin.restore_title"))
        names = [b.folder.name for b in good]
        pick = st.selectbox(ctx.tr("admin.restore_pick"), names, index=None, key="admin_restore_pick",
                            placeholder=ctx.tr("common.choose"))
        if pick is not None:
            chosen = good[names.index(pick)]
            try:
                p = backup.preview(chosen.folder, db)
            except DatabaseError as e:
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
            else:
                diff = pd.DataFrame({"table": [d[0] for d in p.differences], "backup": [d[1] for d in p.differences],
                                     "current": [d[2] for d in p.differences]})
                made = p.manifest.get("created_at")
                made = datetime.fromisoformat(made).strftime("%H:%M:%S %d/%m/%Y") if made else "?"
                st.caption(ctx.tr("admin.restore_preview", created=made, version=p.manifest.get("data_version"),
                                  current=p.current_data_version))
                table.show(ctx, RESTORE_DIFF, diff, empty=ctx.tr("admin.restore_same"))
                sure = st.checkbox(ctx.tr("admin.restore_confirm"), key="admin_restore_sure")
                if st.button(ctx.tr("admin.restore_go"), key="admin_restore_go", type="primary", disabled=not sure,
                             icon=":material/settings_backup_restore:"):
                    try:
                        result, safety = backup.restore_in_place(db, who, chosen.folder)
                    except DatabaseError as e:
                        st.error(fmt.md_escape(text_of(e, ctx.lang), 600))
                    else:
                        st.cache_data.clear()  # every cached read of the replaced data goes
                        st.session_state.pop("admin_restore_pick", None)
                        st.session_state.pop("admin_restore_sure", None)
                        _done(ctx.tr("admin.restore_done", folder=pick, safety=safety.name,
                                     kept=result.replaced.name if result.replaced else "—"))
