"""Named scenarios in the database (table ``scenario``, migration 004), through the one write
path (``Database.write``: one transaction, audited). Never imports streamlit."""
from __future__ import annotations

import dataclasses
import json

from datetime import datetime
from typing import Any

import pandas as pd

from lib import queries
from lib import stages as stages_
from lib.auth import Identity
from lib.db import Database
from lib.scenario import MAX_NAME, MAX_NOTE, Scenario, _where
from lib.db import ValidationError
from lib.fmt import HTML_TAG, is_blank as _blank
from lib.i18n import Msg

# -- the database -----------------------------------------------------------------------

def _clean_name(name: Any) -> str:
    return " ".join(str(name).split()) if name is not None else ""


def save_scenario(db: Database, who: Identity, name: str, scenario: Scenario, note: str | None = None) -> str:
    """Store a named scenario; returns the name as stored (spaces tidied).

    Refuses (ValidationError, nothing written) an empty or too long name, HTML in the name,
    the note, a name already used (letter case aside), an unknown town, or a stage the database's
    ``stage`` table does not have. The scenario is stored keyed by the table's stages
    (``Scenario.for_stages``: a stage it lacks is stored with the table's default)."""
    problems: list[Msg] = []
    clean = _clean_name(name)
    if not clean:
        problems.append(Msg("funding.scen.err.name_required"))
    elif HTML_TAG.search(clean):
        problems.append(Msg("funding.scen.err.name_html"))
    elif len(clean) > MAX_NAME:
        problems.append(Msg("funding.scen.err.name_long", n=MAX_NAME))
    note = None if _blank(note) else str(note).strip()
    if note and HTML_TAG.search(note):
        problems.append(Msg("funding.scen.err.note_html"))
    elif note and len(note) > MAX_NOTE:
        problems.append(Msg("funding.scen.err.note_long", n=MAX_NOTE))
    if not isinstance(scenario, Scenario):
        problems.append(Msg("funding.scen.err.no_params"))
    else:
        try:
            scenario = scenario.for_stages(stages_.model(db))
        except ValidationError as e:
            problems += e.problems
        if scenario.towns is not None:
            known = set(db.query("SELECT id FROM area")["id"]) | {queries.UNKNOWN_TOWN}
            for town in scenario.towns:
                if town not in known:
                    problems.append(Msg("funding.scen.err.unknown_town", where=_where("towns"), town=town))
        if scenario.programme is not None and not db.scalar("SELECT count(*) FROM programme WHERE id = ?",
                                                            [scenario.programme]):
            problems.append(Msg("funding.scen.err.unknown_programme", where=_where("programme"), v=scenario.programme))
    if problems:
        raise ValidationError(problems)

    def write(cur):
        row = cur.execute("SELECT name FROM scenario WHERE lower(name) = lower(?)", [clean]).fetchone()
        if row:
            raise ValidationError([Msg("funding.scen.err.name_taken", name=row[0])])
        cur.execute("INSERT INTO scenario (name, params, created_by, created_at, note) VALUES (?, ?, ?, ?, ?)",
                    [clean, scenario.to_json(), who.display_name, datetime.now(), note])
        return clean

    return db.write(who, "save_scenario", write, {"name": clean})


def list_scenarios(db: Database, programme: str | None = None) -> pd.DataFrame:
    """Saved scenarios, newest first: name, params (JSON text), created_by, created_at, note; of
    ``programme`` when given (one saved before programmes were told apart belongs to the first).
    Read ``params`` with ``Scenario.from_json(params, stages.model(db))``."""
    df = db.query("SELECT name, params, created_by, created_at, note FROM scenario "
                  "ORDER BY created_at DESC, name")
    if programme is None or df.empty:
        return df
    first = db.scalar("SELECT min(id) FROM programme")
    return df[[(_programme_of(p) or first) == programme for p in df["params"]]].reset_index(drop=True)


def read_saved(params: str, stages, programme: str | None) -> Scenario:
    """A stored scenario (``params``, its JSON) keyed by ``stages`` (the database's model); one saved
    before programmes were told apart runs on ``programme``, the one ``list_scenarios`` listed it
    under. Raises ValidationError as ``Scenario.from_json``."""
    sc = Scenario.from_json(params, stages)
    return sc if sc.programme is not None or programme is None else dataclasses.replace(sc, programme=programme)


def _programme_of(params) -> str | None:
    """The programme named in a stored scenario's JSON (None: none, or unreadable: the page says
    why when it reads the scenario)."""
    try:
        found = json.loads(params).get("programme")
    except (TypeError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def delete_scenario(db: Database, who: Identity, name: str) -> None:
    detail: dict = {"name": name}

    def write(cur):
        row = cur.execute("SELECT name, params, created_by, created_at, note FROM scenario WHERE name = ?",
                          [name]).fetchone()
        if row is None:
            raise ValidationError([Msg("funding.scen.err.not_found", name=name)])
        detail["old"] = dict(zip(("name", "params", "created_by", "created_at", "note"), row))
        cur.execute("DELETE FROM scenario WHERE name = ?", [name])

    db.write(who, "delete_scenario", write, detail)
