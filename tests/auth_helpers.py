"""Accounts for tests: a user in the test database, and its identity for the write path or the app."""
from __future__ import annotations

import re
import unicodedata

from lib import auth
from lib.db import Database

PASSWORD = "mat-khau-thu-nghiem"


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:32] or "user"
    return slug if len(slug) >= 2 else f"u-{slug}"


def user(db: Database, role: str = "editor", name: str | None = None, username: str | None = None) -> auth.Identity:
    """An active account with this role and name (created once per database); its identity."""
    name = name or {"editor": "Thư ký", "admin": "Quản trị"}[role]
    username = username or (_slug(name) if role == "editor" else f"admin-{_slug(name)}"[:32])
    row = db.query("SELECT display_name, role FROM app_user WHERE username = ?", [username])
    if row.empty:
        auth.add_user(db, auth.CLI, username, name, role, PASSWORD)
    return auth.Identity(username, name, role)


def admin(db: Database, name: str = "Quản trị") -> auth.Identity:
    return user(db, "admin", name)


def editor(db: Database, name: str = "Thư ký", username: str | None = None) -> auth.Identity:
    return user(db, "editor", name, username)


def sign_in_app(at, role: str = "editor", name: str | None = None, username: str | None = None) -> auth.Identity:
    """Put a signed-in session of an account (made in the app's database, CT07_DB_PATH) in an AppTest."""
    from lib.db import db_path_from_env
    from ui import frame

    identity = user(frame._open(str(db_path_from_env())), role, name, username)  # the app's own connection
    at.session_state["ct07_session"] = auth.start_session(identity)
    return identity
