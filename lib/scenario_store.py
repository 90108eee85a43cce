"""Named scenarios in the database (table ``scenario``, migration 004), through the one write
path (``Database.write``: one transaction, audited). Never imports streamlit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from lib import queries
from lib.auth import Identity
from lib.db import Database
from lib.scenario import MAX_NAME, MAX_NOTE, Scenario, _where
from lib.db import ValidationError
from lib.fmt import HTML_TAG, is_blank as _blank

# -- the database -----------------------------------------------------------------------

def _clean_name(name: Any) -> str:
    return " ".join(str(name).split()) if name is not None else ""


def save_scenario(db: Database, who: Identity, name: str, scenario: Scenario, note: str | None = None) -> str:
    """Store a named scenario; returns the name as stored (spaces tidied).

    Refuses (ValidationError, nothing written) an empty or too long name, HTML in the name,
    the note, a name already used (letter case aside), or an unknown town."""
    problems = []
    clean = _clean_name(name)
    if not clean:
        problems.append("Tên kịch bản: không được để trống")
    elif HTML_TAG.search(clean):
        problems.append("Tên kịch bản: không được chứa thẻ HTML (ví dụ <b>, <script>)")
    elif len(clean) > MAX_NAME:
        problems.append(f"Tên kịch bản: dài quá {MAX_NAME} ký tự")
    note = None if _blank(note) else str(note).strip()
    if note and HTML_TAG.search(note):
        problems.append("Ghi chú: không được chứa thẻ HTML (ví dụ <b>, <script>)")
    elif note and len(note) > MAX_NOTE:
        problems.append(f"Ghi chú: dài quá {MAX_NOTE} ký tự")
    if not isinstance(scenario, Scenario):
        problems.append("Kịch bản: thiếu các thông số")
    elif scenario.towns is not None:
        known = set(db.query("SELECT id FROM area")["id"]) | {queries.UNKNOWN_TOWN}
        for town in scenario.towns:
            if town not in known:
                problems.append(f"{_where('towns')}: «{town}» không có trong danh mục địa bàn")
    if problems:
        raise ValidationError(problems)

    def write(cur):
        row = cur.execute("SELECT name FROM scenario WHERE lower(name) = lower(?)", [clean]).fetchone()
        if row:
            raise ValidationError([f"Tên kịch bản: «{row[0]}» đã có; hãy chọn tên khác (hoặc xoá kịch bản cũ trước)"])
        cur.execute("INSERT INTO scenario (name, params, created_by, created_at, note) VALUES (?, ?, ?, ?, ?)",
                    [clean, scenario.to_json(), who.display_name, datetime.now(), note])
        return clean

    return db.write(who, "save_scenario", write, {"name": clean})


def list_scenarios(db: Database) -> pd.DataFrame:
    """Saved scenarios, newest first: name, params (JSON text), created_by, created_at, note."""
    return db.query("SELECT name, params, created_by, created_at, note FROM scenario "
                    "ORDER BY created_at DESC, name")


def delete_scenario(db: Database, who: Identity, name: str) -> None:
    detail: dict = {"name": name}

    def write(cur):
        row = cur.execute("SELECT name, params, created_by, created_at, note FROM scenario WHERE name = ?",
                          [name]).fetchone()
        if row is None:
            raise ValidationError([f"Không có kịch bản «{name}»"])
        detail["old"] = dict(zip(("name", "params", "created_by", "created_at", "note"), row))
        cur.execute("DELETE FROM scenario WHERE name = ?", [name])

    db.write(who, "delete_scenario", write, detail)
