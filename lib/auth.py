"""Sign-in and roles: who may write what.

Three roles in the one server process:

- **viewer** (the default): no sign-in, no account; reads everything, writes nothing.
- **editor** (the secretary): status updates, indicator values, scenarios, imports,
  the committee's decisions.
- **admin**: everything an editor does, and accounts, rule-sets, thresholds/settings, backups.

The permission is checked inside the one write path (``Database.write`` calls
``authorize`` in its transaction) from the signed-in ``Identity``, never from a
typed name: the account must exist, be active, and its role *as stored now* must
reach the action's minimum role (``ACTIONS``; an action not listed needs admin).
The few writes the application makes by itself (first-time seeding, the default
rule-sets, the sign-in counters, this module's command line) use a ``system``
identity that may only do ``SYSTEM_ACTIONS``.

Accounts live in the table ``app_user`` (migration 007); passwords are argon2
hashes. Five wrong passwords in a row lock an account for 15 minutes (stored in
the database). A session lives in the browser session's state and ends after
8 hours idle or 12 hours in all, or as soon as the account is disabled.

Command line (stop the server first: DuckDB lets one process open the file)::

    python -m lib.auth add-user USERNAME --role editor --name "Nguyễn Thị Thư" [--password-stdin]
    python -m lib.auth set-password USERNAME [--password-stdin]
    python -m lib.auth disable USERNAME
    python -m lib.auth enable USERNAME
    python -m lib.auth list
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lib.fmt import HTML_TAG
from lib.db import Database, DatabaseError

ROLES = ("viewer", "editor", "admin")
ACCOUNT_ROLES = ("editor", "admin")
RANK = {"viewer": 0, "editor": 1, "admin": 2}
ROLE_LABEL = {"viewer": "người xem", "editor": "thư ký", "admin": "quản trị"}

# action (as written in audit_log.action) -> the least role that may do it
ACTIONS: dict[str, str] = {
    "status_update": "editor",             # Cập nhật kỳ báo cáo: one work, or a whole period
    "indicator_value": "editor",           # Tiêu chí: one indicator value
    "import_indicator_values": "editor",   # Tiêu chí: the filled checklist back from a department
    "work_area_committee": "editor",       # Danh mục: the committee's decision on a work's town
    "save_scenario": "editor",             # Kịch bản vốn
    "delete_scenario": "editor",
    "import_spreadsheet": "editor",        # the spreadsheet importer (lib/importer.py)
    "settings": "admin",                   # flag thresholds and other settings
    "import_rulesets": "admin",            # the criteria rule-sets
    "account_add": "admin",
    "account_password": "admin",
    "account_disable": "admin",
    "account_enable": "admin",
    "backup": "admin",
    "restore": "admin",
}
DEFAULT_ROLE = "admin"  # an action not listed above
# what the application does by itself: first-time data, default rule-sets, sign-in counters, the CLI
SYSTEM_ACTIONS = frozenset({"seed", "seed_demo", "import_rulesets", "sign_in", "sign_in_failed",
                            "account_add", "account_password", "account_disable", "account_enable",
                            "restored"})  # "restored": the audit row of a restore (lib.backup.restore_in_place)

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
IDLE_LIMIT = timedelta(hours=8)
SESSION_LIMIT = timedelta(hours=12)
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Identity:
    """Who is writing: made by ``sign_in`` (or ``system``), never from a typed name."""
    username: str
    display_name: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({ROLE_LABEL.get(self.role, self.role)})"


def system(name: str) -> Identity:
    """The application itself (seeding, default rule-sets, the command line): SYSTEM_ACTIONS only."""
    return Identity(name, name, "system")


class PermissionDenied(DatabaseError):
    """A write refused for want of a role (the message is Vietnamese, for the user)."""


class AuthError(DatabaseError):
    """A refused sign-in or account change (Vietnamese message)."""


def required_role(action: str) -> str:
    return ACTIONS.get(action, DEFAULT_ROLE)


def may(who: Identity | None, action: str) -> bool:
    """For showing a form: may this identity (as signed in) do the action? The write path checks again."""
    if not isinstance(who, Identity) or who.role not in RANK:
        return False
    return RANK[who.role] >= RANK[required_role(action)]


def authorize(cur, who: Identity | None, action: str) -> None:
    """Called by Database.write inside its transaction; raises PermissionDenied."""
    if not isinstance(who, Identity):
        raise PermissionDenied("Chỉ người được phân quyền mới ghi được dữ liệu; hãy đăng nhập.")
    if who.role == "system":
        if action in SYSTEM_ACTIONS:
            return
        raise PermissionDenied(f"Thao tác «{action}» cần một tài khoản được phân quyền.")
    row = cur.execute("SELECT role, active FROM app_user WHERE username = ?", [who.username]).fetchone()
    if row is None or not row[1]:
        raise PermissionDenied(f"Tài khoản «{who.username}» không tồn tại hoặc đã bị khoá; không ghi được.")
    need = required_role(action)
    if RANK.get(row[0], 0) < RANK[need]:
        raise PermissionDenied(f"Tài khoản «{who.username}» ({ROLE_LABEL.get(row[0], row[0])}) không có quyền "
                               f"«{action}»: cần quyền {ROLE_LABEL[need]}.")


# -- passwords ---------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):  # ValueError: not a hash at all
        return False


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AuthError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")


def _check_name(name: str) -> str:
    clean = " ".join(str(name or "").split())
    if not clean or len(clean) > 80 or HTML_TAG.search(clean):
        raise AuthError("Họ tên: cần ghi (tối đa 80 ký tự, không chứa thẻ HTML).")
    return clean


# -- accounts ----------------------------------------------------------------------------------

def add_user(db: Database, who: Identity, username: str, display_name: str, role: str, password: str) -> None:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise AuthError("Tên đăng nhập: 2-32 ký tự, chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.")
    if role not in ACCOUNT_ROLES:
        raise AuthError(f"Vai trò «{role}» không hợp lệ: chỉ editor (thư ký) hoặc admin (quản trị).")
    name = _check_name(display_name)
    _check_password(password)
    digest = hash_password(password)

    def write(cur):
        if cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]:
            raise AuthError(f"Tên đăng nhập «{username}» đã có.")
        cur.execute("INSERT INTO app_user (username, display_name, role, password_hash, active, created_at) "
                    "VALUES (?, ?, ?, ?, TRUE, ?)", [username, name, role, digest, datetime.now()])

    db.write(who, "account_add", write,
             {"username": username, "new": {"username": username, "display_name": name, "role": role}})


def set_password(db: Database, who: Identity, username: str, password: str) -> None:
    _check_password(password)
    digest = hash_password(password)

    def write(cur):
        if not cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]:
            raise AuthError(f"Không có tài khoản «{username}».")
        cur.execute("UPDATE app_user SET password_hash = ?, failed_count = 0, locked_until = NULL "
                    "WHERE username = ?", [digest, username])

    db.write(who, "account_password", write, {"username": username})


def set_active(db: Database, who: Identity, username: str, active: bool) -> None:
    detail: dict = {"username": username}

    def write(cur):
        row = cur.execute("SELECT active FROM app_user WHERE username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(f"Không có tài khoản «{username}».")
        detail["old"], detail["new"] = {"active": bool(row[0])}, {"active": active}
        cur.execute("UPDATE app_user SET active = ? WHERE username = ?", [active, username])

    db.write(who, "account_enable" if active else "account_disable", write, detail)


def list_users(db: Database):
    return db.query("SELECT username, display_name, role, active, created_at, failed_count, locked_until "
                    "FROM app_user ORDER BY username")


AUDIT_LIMIT = 500


def audit_rows(db: Database, user: str | None = None, action: str | None = None,
               start=None, end=None, limit: int = AUDIT_LIMIT):
    """The audit log, newest first, filtered by user (actor), action and day range (both ends kept)."""
    where, params = [], []
    if user:
        where.append("actor = ?")
        params.append(user)
    if action:
        where.append("action = ?")
        params.append(action)
    if start is not None:
        where.append("CAST(logged_at AS DATE) >= ?")
        params.append(start)
    if end is not None:
        where.append("CAST(logged_at AS DATE) <= ?")
        params.append(end)
    sql = ("SELECT logged_at, actor, action, detail, old, new FROM audit_log"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?")
    return db.query(sql, params + [int(limit)])


def audit_choices(db: Database) -> tuple[list[str], list[str]]:
    """The users and the actions the audit log holds (for the filters)."""
    users = list(db.query("SELECT DISTINCT actor FROM audit_log ORDER BY actor")["actor"])
    actions = list(db.query("SELECT DISTINCT action FROM audit_log ORDER BY action")["action"])
    return users, actions


# -- signing in --------------------------------------------------------------------------------

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def sign_in(db: Database, username: str, password: str, now: datetime | None = None) -> Identity:
    """The identity of a right password for an active, unlocked account; raises AuthError otherwise.

    Every failure for an existing account counts; the fifth in a row locks it for LOCK_FOR."""
    now = now or datetime.now()
    username = (username or "").strip()
    row = db.query("SELECT display_name, role, password_hash, active, failed_count, locked_until "
                   "FROM app_user WHERE username = ?", [username]) if username else None
    if row is None or row.empty:
        verify_password(_DUMMY, password or "")  # the same time as for a real account
        raise AuthError(WRONG)
    r = row.iloc[0]
    locked = r["locked_until"]
    if locked is not None and not _is_na(locked) and locked.to_pydatetime() > now:
        raise AuthError(f"Tài khoản tạm khoá đến {locked:%H:%M %d/%m/%Y} do nhập sai mật khẩu nhiều lần.")
    if not bool(r["active"]):
        verify_password(_DUMMY, password or "")
        raise AuthError(WRONG)
    who = system(username[:64])
    if not verify_password(r["password_hash"], password or ""):
        failures = int(r["failed_count"]) + 1
        lock = now + LOCK_FOR if failures >= MAX_FAILURES else None

        def count(cur):
            cur.execute("UPDATE app_user SET failed_count = ?, locked_until = ? WHERE username = ?",
                        [0 if lock else failures, lock, username])

        db.write(who, "sign_in_failed", count, {"failures": failures, "locked_until": lock})
        if lock:
            raise AuthError(f"Nhập sai {MAX_FAILURES} lần: tài khoản tạm khoá đến {lock:%H:%M %d/%m/%Y}.")
        raise AuthError(WRONG)
    db.write(who, "sign_in", lambda cur: cur.execute(
        "UPDATE app_user SET failed_count = 0, locked_until = NULL WHERE username = ?", [username]))
    return Identity(username, str(r["display_name"]), str(r["role"]))


def _is_na(v) -> bool:
    import pandas as pd
    return bool(pd.isna(v))


_DUMMY = _hasher.hash("ct07-no-such-account")


@dataclass(frozen=True)
class Session:
    """A signed-in browser session (kept in st.session_state)."""
    identity: Identity
    started: datetime
    last_seen: datetime


def start_session(identity: Identity, now: datetime | None = None) -> Session:
    now = now or datetime.now()
    return Session(identity, now, now)


def resume(db: Database, session: Session | None, now: datetime | None = None) -> Session | None:
    """The session still valid at ``now`` (its account re-read: still active, role as stored),
    or None: expired after IDLE_LIMIT idle or SESSION_LIMIT in all, or the account disabled."""
    if not isinstance(session, Session):
        return None
    now = now or datetime.now()
    if now - session.last_seen > IDLE_LIMIT or now - session.started > SESSION_LIMIT:
        return None
    row = db.query("SELECT display_name, role, active FROM app_user WHERE username = ?",
                   [session.identity.username])
    if row.empty or not bool(row.iloc[0]["active"]):
        return None
    r = row.iloc[0]
    return Session(Identity(session.identity.username, str(r["display_name"]), str(r["role"])), session.started, now)


# -- the command line ----------------------------------------------------------------------------

CLI = system("dòng lệnh (python -m lib.auth)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise AuthError("Hai lần nhập mật khẩu không khớp.")
    return first


def main(argv: list[str] | None = None) -> int:
    from lib.db import db_path_from_env
    from lib.seed import open_database

    ap = argparse.ArgumentParser(prog="python -m lib.auth", description="Tài khoản của ứng dụng CT07.")
    ap.add_argument("--db", help="tệp dữ liệu (mặc định: CT07_DB_PATH hoặc data/ct07.duckdb)")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add-user", help="tạo tài khoản")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=ACCOUNT_ROLES)
    a.add_argument("--name", required=True, help="họ tên hiển thị")
    a.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    p = sub.add_parser("set-password", help="đặt lại mật khẩu (mở khoá nếu đang bị khoá)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "khoá tài khoản"), ("enable", "mở lại tài khoản")):
        sub.add_parser(name, help=text).add_argument("username")
    sub.add_parser("list", help="liệt kê tài khoản")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        path = Path(args.db) if args.db else db_path_from_env()
        db = open_database(path)
    except DatabaseError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "add-user":
            add_user(db, CLI, args.username, args.name, args.role, _read_password(args.password_stdin))
            print(f"Đã tạo tài khoản {args.username} ({args.role}).")
        elif args.command == "set-password":
            set_password(db, CLI, args.username, _read_password(args.password_stdin))
            print(f"Đã đặt mật khẩu mới cho {args.username}.")
        elif args.command in ("disable", "enable"):
            set_active(db, CLI, args.username, args.command == "enable")
            print(f"Đã {'mở lại' if args.command == 'enable' else 'khoá'} tài khoản {args.username}.")
        else:
            users = list_users(db)
            if users.empty:
                print("Chưa có tài khoản nào.")
            for r in users.itertuples():
                state = "hoạt động" if r.active else "đã khoá"
                print(f"{r.username}\t{r.role}\t{state}\t{r.display_name}")
        return 0
    except DatabaseError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
