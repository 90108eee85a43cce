"""Read queries, with bound parameters. Each returns a pandas DataFrame.

The central one is ``works``: every work with its latest status as of a
reporting period, the areas it belongs to, and labels for stage and category.
"""
from __future__ import annotations

import json

from datetime import date

import pandas as pd

from lib.db import Database

UNKNOWN_TOWN = "chua-ro"  # pseudo-area: works whose area the source does not state


def periods(db: Database) -> pd.DataFrame:
    return db.query(
        "SELECT id, label_vi, as_of, as_of_precision, source_ref, source_note "
        "FROM reporting_period ORDER BY as_of DESC, id DESC"
    )


def synthetic(db: Database) -> dict | None:
    """What ``python -m bench.synthetic`` wrote in ``meta`` when it made this file (None: real data).
    Every screen then says the figures are generated, not measured."""
    raw = db.scalar("SELECT value FROM meta WHERE key = 'synthetic'")
    if raw is None:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    return found if isinstance(found, dict) else {"command": str(raw)[:200]}


def programmes(db: Database) -> pd.DataFrame:
    """Every programme in the file (a district office has one; a province several), in id order.
    The frame lets the user choose one (``?programme=``); every page is then scoped to it."""
    return db.query("SELECT * FROM programme ORDER BY id")


def programme(db: Database, programme: str | None = None) -> pd.Series:
    """The programme ``programme`` (an id), or the first one when None or unknown."""
    return db.query("SELECT * FROM programme ORDER BY (id = ?) DESC, id LIMIT 1", [programme]).iloc[0]


def scope_params(towns: list[str] | None, programme: str | None = None) -> dict:
    """The bound parameters of the scope every work-reading query shares: the works of
    ``programme`` (None: every programme) in ``towns`` (area ids; None: every area;
    ``UNKNOWN_TOWN``: works whose area is not stated). SQL side: ``SCOPE_WHERE``."""
    towns_list = list(towns) if towns is not None else []
    return {"all_towns": towns is None, "towns": [t for t in towns_list if t != UNKNOWN_TOWN],
            "include_unknown": UNKNOWN_TOWN in towns_list, "programme": programme}


# the scope's condition over ``w`` (work) and ``wa`` (its area_ids, NULL when it has none)
SCOPE_WHERE = """($programme::VARCHAR IS NULL OR w.programme_id = $programme)
  AND ($all_towns
   OR list_has_any(coalesce(wa.area_ids, []), $towns::VARCHAR[])
   OR ($include_unknown AND wa.area_ids IS NULL))"""


def targets(db: Database, programme: str | None = None) -> pd.DataFrame:
    """The target class of each programme town (of ``programme``; None: every programme)."""
    return db.query(
        "SELECT t.*, a.name AS area_name FROM programme_target t "
        "JOIN area a ON a.id = t.area_id WHERE ?::VARCHAR IS NULL OR t.programme_id = ? "
        "ORDER BY a.sort_order, t.programme_id", [programme, programme]
    )


def areas(db: Database) -> pd.DataFrame:
    return db.query(
        "SELECT a.*, s.name AS successor_name FROM area a "
        "LEFT JOIN area s ON s.id = a.successor_id ORDER BY a.sort_order"
    )


def town_options(db: Database, programme: str | None = None) -> pd.DataFrame:
    """The areas a user can filter by: the programme's towns and the areas its works are linked
    to (``programme`` None: every programme's), then 'unknown' when some work states no area."""
    df = db.query(
        "SELECT a.id, a.name, a.kind, a.valid_to, a.successor_id, s.name AS successor_name, "
        "       a.sort_order "
        "FROM area a LEFT JOIN area s ON s.id = a.successor_id "
        "WHERE (?::VARCHAR IS NULL AND a.is_programme_town) "
        "   OR a.id IN (SELECT area_id FROM programme_target WHERE programme_id = ?) "
        "   OR a.id IN (SELECT wa.area_id FROM work_area wa JOIN work w ON w.id = wa.work_id "
        "               WHERE ?::VARCHAR IS NULL OR w.programme_id = ?) "
        "ORDER BY a.sort_order", [programme, programme, programme, programme]
    )
    unknown = db.scalar("SELECT count(*) FROM work WHERE id NOT IN (SELECT work_id FROM work_area) "
                        "AND (?::VARCHAR IS NULL OR programme_id = ?)", [programme, programme])
    if unknown:
        df = pd.concat([df, pd.DataFrame([{"id": UNKNOWN_TOWN, "name": None, "kind": "unknown",
                                           "sort_order": 999}])], ignore_index=True)
    return df


STAGES_SQL = "SELECT * FROM stage ORDER BY sort_order"  # also read as rows by lib.stages.model


def stages(db: Database) -> pd.DataFrame:
    return db.query(STAGES_SQL)


def categories(db: Database) -> pd.DataFrame:
    return db.query("SELECT * FROM category ORDER BY sort_order")


def delay_causes(db: Database) -> pd.DataFrame:
    return db.query("SELECT * FROM delay_cause ORDER BY sort_order")


def settings(db: Database) -> dict[str, object]:
    out: dict[str, object] = {}
    for row in db.rows("SELECT key, value, value_type FROM setting"):
        cast = {"int": int, "float": float}.get(row["value_type"], str)
        try:
            out[row["key"]] = cast(row["value"])
        except (TypeError, ValueError, OverflowError):  # stored by hand or by an older version:
            out[row["key"]] = row["value"]  # flags.Thresholds.checked substitutes the default and says so
    return out


def setting_rows(db: Database) -> pd.DataFrame:
    return db.query("SELECT key, value, value_type, description FROM setting ORDER BY key")


_WORKS_SQL = """
WITH cutoff AS (
    SELECT coalesce((SELECT as_of FROM reporting_period WHERE id = $period),
                    (SELECT max(as_of) FROM reporting_period)) AS as_of
),
latest_day AS (  -- each work's newest update: its newest date, then the highest id of that date
                 -- (aggregates over a province's tens of thousands of updates, not a sort of them)
    SELECT su.work_id, max(su.as_of) AS as_of FROM status_update su, cutoff
    WHERE su.as_of <= cutoff.as_of GROUP BY su.work_id
),
latest AS (
    SELECT max(su.id) AS id FROM status_update su JOIN latest_day d ON d.work_id = su.work_id AND d.as_of = su.as_of
    GROUP BY su.work_id
),
ranked AS (SELECT su.* FROM status_update su JOIN latest l ON l.id = su.id),
expected_day AS (  -- the newest expected year given, even when the newest update left it blank
    SELECT su.work_id, max(su.as_of) AS as_of FROM status_update su, cutoff
    WHERE su.as_of <= cutoff.as_of AND su.expected_year IS NOT NULL GROUP BY su.work_id
),
expected AS (
    SELECT su.work_id, su.expected_year FROM status_update su JOIN (
        SELECT max(su.id) AS id FROM status_update su
        JOIN expected_day d ON d.work_id = su.work_id AND d.as_of = su.as_of
        WHERE su.expected_year IS NOT NULL GROUP BY su.work_id) x ON x.id = su.id
),
wa AS (
    SELECT wa.work_id,
           list(wa.area_id ORDER BY a.sort_order, a.id) AS area_ids,
           string_agg(a.name, '; ' ORDER BY a.sort_order, a.id) AS area_names,
           bool_or(wa.basis = 'inference') AS area_inferred,
           bool_or(wa.basis = 'committee') AS area_by_committee,
           string_agg(nullif(wa.note, ''), ' ') AS area_note
    FROM work_area wa JOIN area a ON a.id = wa.area_id GROUP BY wa.work_id
)
SELECT w.id, w.name, w.kind, w.report_group, w.category,
       c.label_vi AS category_vi, c.label_en AS category_en,
       coalesce(nullif(w.oc4ids_sector, ''), c.oc4ids_sector) AS oc4ids_sector,
       w.total_investment_vnd, w.length_m, w.cross_section_m, w.scale_text, w.planning_period,
       w.baseline_year, e.expected_year AS expected_year,
       r.stage, s.label_vi AS stage_vi, s.label_en AS stage_en, s.sort_order AS stage_order,
       s.color AS stage_color, coalesce(s.is_handed_over, FALSE) AS is_handed_over,
       s.oc4ids_status,
       r.physical_pct, r.disbursed_vnd, r.as_of AS status_as_of, r.period_id,
       coalesce(rp.as_of_precision, 'day') AS status_precision,
       r.note AS status_note, r.delay_cause,
       w.funding_source, w.investor, w.priority, w.report_order,
       coalesce(wa.area_ids, []) AS area_ids, wa.area_names, coalesce(wa.area_inferred, FALSE) AS area_inferred,
       coalesce(wa.area_by_committee, FALSE) AS area_by_committee, wa.area_note, w.source_ref, w.source_quote, w.source_note, w.created_by
FROM work w
LEFT JOIN ranked r ON r.work_id = w.id
LEFT JOIN reporting_period rp ON rp.id = r.period_id
LEFT JOIN expected e ON e.work_id = w.id
LEFT JOIN stage s ON s.code = r.stage
LEFT JOIN category c ON c.code = w.category
LEFT JOIN wa ON wa.work_id = w.id
WHERE """ + SCOPE_WHERE + """
ORDER BY w.report_order NULLS LAST, w.id
"""


def works(db: Database, towns: list[str] | None = None, period: str | None = None,
          programme: str | None = None) -> pd.DataFrame:
    """Every work of ``programme`` (None: every programme) in ``towns`` (area ids; None: every
    area; ``UNKNOWN_TOWN`` selects works whose area is not stated) with its status as of
    ``period`` (a reporting period id; None: the newest).
    """
    df = db.query(_WORKS_SQL, {"period": period, **scope_params(towns, programme)})
    df["area_ids"] = df["area_ids"].apply(lambda v: list(v) if v is not None else [])
    return df


def funding_inputs(db: Database, towns: list[str] | None = None, period: str | None = None,
                   programme: str | None = None) -> pd.DataFrame:
    """What the funding simulation reads of ``works`` (same works, same order, same values): id,
    total_investment_vnd, disbursed_vnd, stage, baseline_year, priority, area_ids. The goal seeking
    reads it for each question it answers; the full read's texts (notes, sources) would be
    converted for nothing (at province scale: half the time, and about 30 MB less memory while reading)."""
    df = db.query("SELECT x.id, x.total_investment_vnd, x.disbursed_vnd, x.stage, x.baseline_year, x.priority, "
                  "x.area_ids FROM (" + _WORKS_SQL + ") x ORDER BY x.report_order NULLS LAST, x.id",
                  {"period": period, **scope_params(towns, programme)})
    df["area_ids"] = df["area_ids"].apply(lambda v: list(v) if v is not None else [])
    return df


def status_history(db: Database, work_id: str) -> pd.DataFrame:
    return db.query(
        "SELECT su.*, s.label_vi AS stage_vi, s.label_en AS stage_en, s.color AS stage_color, "
        "p.label_vi AS period_label, p.as_of_precision FROM status_update su "
        "LEFT JOIN stage s ON s.code = su.stage "
        "LEFT JOIN reporting_period p ON p.id = su.period_id "
        "WHERE su.work_id = ? ORDER BY su.as_of, su.id",
        [work_id],
    )


def capital_plan(db: Database, work_ids: list[str] | None = None) -> pd.DataFrame:
    """The yearly capital plans (lib/importer.py): work_id, year, allocated_vnd, disbursed_vnd,
    decision_ref, source_ref, entered_by, entered_at, row_version; of ``work_ids`` when given.
    Empty when no plan was imported (the funding-gap flag then raises nothing)."""
    return db.query(
        "SELECT work_id, year, allocated_vnd, disbursed_vnd, decision_ref, source_ref, entered_by, entered_at, "
        "row_version FROM capital_plan WHERE ?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], work_id) "
        "ORDER BY work_id, year", [work_ids, work_ids])


def department_tasks(db: Database, programme: str | None = None) -> pd.DataFrame:
    return db.query("SELECT * FROM department_task WHERE ?::VARCHAR IS NULL OR programme_id = ? "
                    "ORDER BY sort_order, id", [programme, programme])


def audit_log(db: Database, limit: int = 200) -> pd.DataFrame:
    return db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit])


def unit_changes(db: Database, on: date) -> pd.DataFrame:
    """Programme towns that had ceased to exist as units on the given date, and what they became."""
    return db.query(
        "SELECT a.id, a.name, a.valid_to, s.name AS successor_name, s.valid_from AS successor_from, "
        "a.legal_source FROM area a JOIN area s ON s.id = a.successor_id "
        "WHERE a.is_programme_town AND a.valid_to IS NOT NULL AND a.valid_to < ? ORDER BY a.sort_order",
        [on],
    )
