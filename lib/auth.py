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

(``--lang en`` before the command writes its output in English; Vietnamese by default.)
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
from lib.i18n import DEFAULT_LANG, LANGS, Msg, t, text_of

ROLES = ("viewer", "editor", "admin")
ACCOUNT_ROLES = ("editor", "admin")
RANK = {"viewer": 0, "editor": 1, "admin": 2}
ROLE_KEY = {"viewer": "auth.role.viewer", "editor": "auth.role.editor", "admin": "auth.role.admin"}

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
# action (audit_log.action) -> its label on the admin page (action_label); an unknown code shows as itself
ACTION_KEY: dict[str, str] = {
    "status_update": "auth.msg.action.status_update",
    "indicator_value": "auth.msg.action.indicator_value",
    "import_indicator_values": "auth.msg.action.import_indicator_values",
    "work_area_committee": "auth.msg.action.work_area_committee",
    "save_scenario": "auth.msg.action.save_scenario",
    "delete_scenario": "auth.msg.action.delete_scenario",
    "import_spreadsheet": "auth.msg.action.import_spreadsheet",
    "settings": "auth.msg.action.settings",
    "import_rulesets": "auth.msg.action.import_rulesets",
    "account_add": "auth.msg.action.account_add",
    "account_password": "auth.msg.action.account_password",
    "account_disable": "auth.msg.action.account_disable",
    "account_enable": "auth.msg.action.account_enable",
    "backup": "auth.msg.action.backup",
    "restore": "auth.msg.action.restore",
    "restored": "auth.msg.action.restored",
    "seed": "auth.msg.action.seed",
    "seed_demo": "auth.msg.action.seed_demo",
    "sign_in": "auth.msg.action.sign_in",
    "sign_in_failed": "auth.msg.action.sign_in_failed",
}
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
        return f"{self.display_name} ({text_of(role_msg(self.role))})"  # Vietnamese (logs, the command line)


def system(name: str) -> Identity:
    """The application itself (seeding, default rule-sets, the command line): SYSTEM_ACTIONS only."""
    return Identity(name, name, "system")


class PermissionDenied(DatabaseError):
    """A write refused for want of a role (a ``Msg`` for the user: ``.text(lang)``; ``str()`` is Vietnamese)."""


class AuthError(DatabaseError):
    """A refused sign-in or account change (a ``Msg`` for the user: ``.text(lang)``; ``str()`` is Vietnamese)."""


def role_msg(role: str) -> "Msg | str":
    """A role's name, put into words in the language it is shown in (an unknown role: as itself)."""
    return Msg(ROLE_KEY[role]) if role in ROLE_KEY else str(role)


def action_label(action: str, lang: str = DEFAULT_LANG) -> str:
    """An audit-log action code (``status_update``) in words; a code with no label is shown as itself."""
    key = ACTION_KEY.get(action)
    return t(key, lang) if key else str(action)


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
        raise PermissionDenied(Msg("auth.err.sign_in_to_write"))
    if who.role == "system":
        if action in SYSTEM_ACTIONS:
            return
        raise PermissionDenied(Msg("auth.err.system_action", action=action))
    row = cur.execute("SELECT role, active FROM app_user WHERE username = ?", [who.username]).fetchone()
    if row is None or not row[1]:
        raise PermissionDenied(Msg("auth.err.account_gone", username=who.username))
    need = required_role(action)
    if RANK.get(row[0], 0) < RANK[need]:
        raise PermissionDenied(Msg("auth.err.no_permission", username=who.username, role=role_msg(row[0]),
                                   action=action, need=role_msg(need)))


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
        raise AuthError(Msg("auth.err.password_short", n=MIN_PASSWORD))


def _check_name(name: str) -> str:
    clean = " ".join(str(name or "").split())
    if not clean or len(clean) > 80 or HTML_TAG.search(clean):
        raise AuthError(Msg("auth.err.name"))
    return clean


# -- accounts ----------------------------------------------------------------------------------

def add_user(db: Database, who: Identity, username: str, display_name: str, role: str, password: str) -> None:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise AuthError(Msg("auth.err.username_format"))
    if role not in ACCOUNT_ROLES:
        raise AuthError(Msg("auth.err.role_invalid", role=role))
    name = _check_name(display_name)
    _check_password(password)
    digest = hash_password(password)

    def write(cur):
        if cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]:
            raise AuthError(Msg("auth.err.username_taken", username=username))
        cur.execute("INSERT INTO app_user (username, display_name, role, password_hash, active, created_at) "
                    "VALUES (?, ?, ?, ?, TRUE, ?)", [username, name, role, digest, datetime.now()])

    db.write(who, "account_add", write,
             {"username": username, "new": {"username": username, "display_name": name, "role": role}})


def set_password(db: Database, who: Identity, username: str, password: str) -> None:
    _check_password(password)
    digest = hash_password(password)

    def write(cur):
        if not cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]:
            raise AuthError(Msg("auth.err.no_such_account", username=username))
        cur.execute("UPDATE app_user SET password_hash = ?, failed_count = 0, locked_until = NULL "
                    "WHERE username = ?", [digest, username])

    db.write(who, "account_password", write, {"username": username})


def set_active(db: Database, who: Identity, username: str, active: bool) -> None:
    detail: dict = {"username": username}

    def write(cur):
        row = cur.execute("SELECT active FROM app_user WHERE username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(Msg("auth.err.no_such_account", username=username))
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

WRONG = Msg("auth.err.wrong")


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
        raise AuthError(Msg("auth.err.locked", until=f"{locked:%H:%M %d/%m/%Y}"))
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
            raise AuthError(Msg("auth.err.locked_now", n=MAX_FAILURES, until=f"{lock:%H:%M %d/%m/%Y}"))
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


def _read_password(from_stdin: bool, lang: str = DEFAULT_LANG) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("auth.msg.cli_password", lang))
    if getpass.getpass(t("auth.msg.cli_password_again", lang)) != first:
        raise AuthError(Msg("auth.err.password_mismatch"))
    return first


def _cli_lang(argv: list[str] | None) -> str:
    """The language of the command's output (``--lang en``; Vietnamese by default), read before the
    parser is built so that ``--help`` is in that language too."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    return pre.parse_known_args(argv)[0].lang


def main(argv: list[str] | None = None) -> int:
    from lib.seed import open_configured, open_database

    lang = _cli_lang(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m lib.auth", description=t("auth.msg.cli_description", lang))
    ap.add_argument("--db", help=t("auth.msg.cli_h_db", lang))
    ap.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=t("auth.msg.cli_h_lang", lang))
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add-user", help=t("auth.msg.cli_h_add", lang))
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=ACCOUNT_ROLES)
    a.add_argument("--name", required=True, help=t("auth.msg.cli_h_name", lang))
    a.add_argument("--password-stdin", action="store_true", help=t("auth.msg.cli_h_stdin", lang))
    p = sub.add_parser("set-password", help=t("auth.msg.cli_h_set_password", lang))
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    for name, key in (("disable", "auth.msg.cli_h_disable"), ("enable", "auth.msg.cli_h_enable")):
        sub.add_parser(name, help=t(key, lang)).add_argument("username")
    sub.add_parser("list", help=t("auth.msg.cli_h_list", lang))
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        # --db: a DuckDB file; else the configured store (CT07_DATABASE_URL, or the file of CT07_DB_PATH)
        db = open_database(Path(args.db)) if args.db else open_configured()
    except DatabaseError as e:
        print(t("auth.msg.cli_error", lang, error=e.text(lang)), file=sys.stderr)
        return 2
    try:
        if args.command == "add-user":
            add_user(db, CLI, args.username, args.name, args.role, _read_password(args.password_stdin, lang))
            print(t("auth.msg.cli_added", lang, username=args.username, role=args.role))
        elif args.command == "set-password":
            set_password(db, CLI, args.username, _read_password(args.password_stdin, lang))
            print(t("auth.msg.cli_password_set", lang, username=args.username))
        elif args.command in ("disable", "enable"):
            set_active(db, CLI, args.username, args.command == "enable")
            print(t("auth.msg.cli_enabled" if args.command == "enable" else "auth.msg.cli_disabled", lang,
                    username=args.username))
        else:
            users = list_users(db)
            if users.empty:
                print(t("auth.msg.cli_no_accounts", lang))
            for r in users.itertuples():
                state = t("auth.msg.cli_active" if r.active else "auth.msg.cli_inactive", lang)
                print(f"{r.username}\t{r.role}\t{state}\t{r.display_name}")
        return 0
    except DatabaseError as e:
        print(t("auth.msg.cli_error", lang, error=e.text(lang)), file=sys.stderr)
        return 2
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
