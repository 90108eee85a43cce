"""What changed since the previous reporting period: for the flags page and the slides.

Public entry points (pure pandas core, thin readers; never Streamlit):

* ``changes_since_previous(db, period_id=None, towns=None, lang="vi", programme=None)``: the
  changes between reporting period ``period_id`` (None: the newest) and the period just before
  it (``reporting_period`` ordered by ``as_of``, then id), for the works of ``towns`` (None:
  all); columns ``COLUMNS`` below. Empty when there is no previous period (the default data
  hold one period, 2022-12) or nothing changed: ``compare`` tells the two apart. Also
  reachable as ``lib.flags.changes_since_previous``.
* ``compare(db, period_id=None, towns=None, lang="vi", programme=None) -> Changes``: the same rows with the two
  periods (id, label, as_of); ``Changes.has_previous`` is False when there is no previous
  period, and a page then says so (``no_previous_text``) instead of an empty table.
* ``changes_between(works, history, previous_as_of, as_of, ...)``: the pure core, on frames.
  ``compare`` gives the same rows with each date's status and flags derived in the database
  (``flags.status_and_flags``), so a province's whole history never goes through a frame
  (tests/test_programmes.py checks the two agree).

The rows (one per work and kind of change; a work may have several kinds):

* ``kind``: 'newly_late' (overdue, or with a red flag, at the period's date but neither at the
  previous period's date; flags evaluated by ``lib.flags`` at each date with the updates known
  then), 'slipped' (expected completion year later than at the previous date), 'handed_over'
  (handed over at the period's date, not at the previous one), 'stage_changed' (another known
  stage, not a hand-over); ordered as ``KINDS``, then red before amber, then the works' order;
  ``kind_label(kind, lang)`` gives the words;
* ``work_id``, ``work_name``;
* ``old_year``, ``new_year``: expected completion year at the previous and at this date (Int64);
* ``old_stage``, ``new_stage``: stage codes at both dates (None: not stated);
* ``severity``: the work's worst flag at this date ('red', 'amber' or None);
* ``message``: one sentence in ``lang`` (for 'newly_late' the flag's own reason, for 'slipped'
  "Năm dự kiến hoàn thành lùi từ 2023 sang 2025 ...");
* ``note``: the secretary's newest note typed between the two dates (status_update.note; plain
  text typed by a person: escape it), else None;
* ``cause``: the newest delay_cause code recorded between the two dates, else None;
* ``as_of``: the date of the work's newest update up to this date (a date).

For a table, ``CHANGES_TABLE`` and ``table_rows(rows, lang)``. ``by_work`` and
``evaluate_by_work`` (one row per flagged work, lib/flags.py) are re-exported here for the slides.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lib import flags, fmt, queries
from lib import stages as stages_
from lib.flags import BY_WORK_COLUMNS, by_work, evaluate_by_work  # noqa: F401  (for the slides)
from lib.i18n import t
from lib.tables import Col, Table

KINDS: tuple[str, ...] = ("newly_late", "slipped", "handed_over", "stage_changed")
COLUMNS: tuple[str, ...] = ("kind", "work_id", "work_name", "old_year", "new_year", "old_stage", "new_stage",
                            "severity", "message", "note", "cause", "as_of")

__all__ = ["Changes", "KINDS", "COLUMNS", "CHANGES_TABLE", "changes_since_previous", "compare", "changes_between",
           "previous_period", "kind_label", "table_rows", "no_previous_text", "by_work", "evaluate_by_work",
           "BY_WORK_COLUMNS"]


@dataclass(frozen=True)
class Changes:
    """The comparison of one period with the previous one; ``rows``: see the module's docstring."""
    period_id: str | None
    period_label: str | None
    as_of: date | None
    previous_id: str | None
    previous_label: str | None
    previous_as_of: date | None
    rows: pd.DataFrame

    @property
    def has_previous(self) -> bool:
        return self.previous_id is not None

    def of(self, kind: str) -> pd.DataFrame:
        """The rows of one kind ('newly_late', 'slipped', 'handed_over', 'stage_changed')."""
        return self.rows[self.rows["kind"] == kind].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        """Works per kind of change, every kind present (0 when none)."""
        return {k: int((self.rows["kind"] == k).sum()) for k in KINDS}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("old_year", "new_year") else "object")
                         for c in COLUMNS})


def _d(value) -> date | None:
    return flags._to_date(value)


# -- the pure core ------------------------------------------------------------------------------
def changes_between(works: pd.DataFrame, history: pd.DataFrame, previous_as_of, as_of,
                    thresholds: flags.Thresholds | None = None, lang: str = "vi",
                    stage_labels: dict[str, str] | None = None, stages=None) -> pd.DataFrame:
    """The changes of ``works`` between ``previous_as_of`` and ``as_of`` (columns ``COLUMNS``,
    ordered by ``KINDS``, then red before amber, then the order of ``works``). ``works``/``history`` as for
    ``flags.flag_works`` (``history`` may carry note); ``stage_labels``: stage code -> label; ``stages``: the
    ``lib.stages.StageModel`` (default: the seed's stages). Pure."""
    old_d, new_d = _d(previous_as_of), _d(as_of)
    if works.empty:  # no work in the scope (an empty town choice): nothing changed
        return _empty()
    th = thresholds or flags.Thresholds()
    old = flags.status_as_of(works, history, old_d, stages)
    new = flags.status_as_of(works, history, new_d, stages)
    f_old = flags.flag_works(works, history, old_d, th, lang, stages=stages)
    f_new = flags.flag_works(works, history, new_d, th, lang, stages=stages)
    if len(old) and not old["id"].equals(new["id"]):  # same works, same order (status_as_of keeps it)
        old = old.set_index("id").loc[new["id"]].reset_index()
    return _rows({c: old[c] for c in _STATUS if c in old.columns}, {c: new[c] for c in _STATUS if c in new.columns},
                 f_old, f_new, _between(history, old_d, new_d), lang, stage_labels or {})


# the columns of a status that the changes read (``name`` may be absent from ``works``)
_STATUS = ("id", "name", "expected_year", "stage", "status_as_of", "is_handed_over")


def _rows(old: dict, new: dict, f_old: pd.DataFrame, f_new: pd.DataFrame, between: dict, lang: str,
          labels: dict[str, str]) -> pd.DataFrame:
    """The rows of ``changes_between`` from each work's status at both dates (``_STATUS`` columns,
    Series or arrays, one entry per work, the same works in the same order), the flags at both dates and the
    newest note and cause typed between them (``_between``)."""
    late_old = _late(f_old)
    worst_new = by_work(f_new)
    severity_of = dict(zip(worst_new["work_id"], worst_new["severity"]))
    # each work's first late flag (red first, then in the flags' order): its sentence
    late_new = f_new[(f_new["rule"] == "overdue") | (f_new["severity"] == "red")]
    late_new = late_new.sort_values("severity", key=lambda x: x.map({"red": 0, "amber": 1}), kind="stable")
    late_new = late_new.drop_duplicates("work_id", keep="first")
    late_message = dict(zip(late_new["work_id"], late_new["message"]))

    def stage_label(code) -> str:
        return t("flags.change.stage_unknown", lang) if fmt.is_missing(code) else labels.get(code, str(code))

    # the columns of both statuses, one value per work (the works' order), read once
    ids = list(new["id"])
    names = [flags._value(v) for v in new["name"]] if "name" in new else [None] * len(ids)
    old_years, new_years = ([flags._int(v) for v in x["expected_year"]] for x in (old, new))
    old_stages, new_stages = ([flags._value(v) for v in x["stage"]] for x in (old, new))
    as_ofs = [_d(v) for v in new["status_as_of"]]
    handed_now = [bool(v) for v in new["is_handed_over"]]
    handed_before = [bool(v) for v in old["is_handed_over"]]
    rows = []
    for order, wid in enumerate(ids):
        note, cause = between.get(wid, (None, None))
        base = {"work_id": wid, "work_name": names[order],
                "old_year": old_years[order], "new_year": new_years[order],
                "old_stage": old_stages[order], "new_stage": new_stages[order],
                "severity": severity_of.get(wid),
                "note": note, "cause": cause, "as_of": as_ofs[order], "_order": order}
        if wid in late_message and wid not in late_old:
            rows.append({**base, "kind": "newly_late", "message": late_message[wid]})
        if base["old_year"] is not None and base["new_year"] is not None and base["new_year"] > base["old_year"]:
            rows.append({**base, "kind": "slipped", "message": t(
                "flags.change.msg.slipped", lang, old=base["old_year"], new=base["new_year"],
                years=base["new_year"] - base["old_year"])})
        if handed_now[order] and not handed_before[order]:
            rows.append({**base, "kind": "handed_over", "message": t(
                "flags.change.msg.handed_over", lang, stage=stage_label(base["old_stage"]),
                date=fmt.day(base["as_of"], lang) if base["as_of"] else t("common.no_data", lang))})
        elif not handed_now[order] and base["new_stage"] is not None and base["new_stage"] != base["old_stage"]:
            rows.append({**base, "kind": "stage_changed", "message": t(
                "flags.change.msg.stage", lang, old=stage_label(base["old_stage"]), new=stage_label(base["new_stage"]))})
    if not rows:
        return _empty()
    df = pd.DataFrame(rows)
    df["_kind"] = df["kind"].map({k: i for i, k in enumerate(KINDS)})
    df["_sev"] = df["severity"].map({s: i for i, s in enumerate(flags.SEVERITIES)}).fillna(len(flags.SEVERITIES))
    df = df.sort_values(["_kind", "_sev", "_order"], kind="stable").reset_index(drop=True)
    return df[list(COLUMNS)].astype({"old_year": "Int64", "new_year": "Int64"})


def _late(f: pd.DataFrame) -> set[str]:
    return set(f.loc[(f["rule"] == "overdue") | (f["severity"] == "red"), "work_id"])


def _between(history: pd.DataFrame, old_d: date, new_d: date) -> dict[str, tuple[str | None, str | None]]:
    """work_id -> (newest note, newest delay_cause) of updates with old_d < as_of <= new_d."""
    day = flags._date_values(history["as_of"])
    keep = ~np.isnat(day) & (day > np.datetime64(old_d, "D")) & (day <= np.datetime64(new_d, "D"))
    h = history[keep].assign(_as_of=day[keep])
    h = h.sort_values(["_as_of", "id"] if "id" in h.columns else ["_as_of"], kind="stable")
    out: dict[str, tuple[str | None, str | None]] = {}
    wid = h["work_id"].tolist()
    notes = [str(v).strip() if isinstance(v, str) and v.strip() else None for v in h["note"]] \
        if "note" in h.columns else [None] * len(h)
    causes = [v if isinstance(v, str) and v else None for v in h["delay_cause"]] \
        if "delay_cause" in h.columns else [None] * len(h)
    for w, note, cause in zip(wid, notes, causes):  # the newest of each, in date order
        before = out.get(w, (None, None))
        out[w] = (note if note is not None else before[0], cause if cause is not None else before[1])
    return out


# -- the reader ---------------------------------------------------------------------------------
def previous_period(periods: pd.DataFrame, period_id: str | None) -> tuple[dict | None, dict | None]:
    """(this period, the one before it) as dicts of ``queries.periods`` rows; None when absent.
    Periods are ordered by as_of, then id; ``period_id`` None means the newest."""
    ordered = periods.sort_values(["as_of", "id"], kind="stable").to_dict("records")
    if not ordered:
        return None, None
    ids = [p["id"] for p in ordered]
    if period_id is None:
        i = len(ordered) - 1
    elif period_id in ids:
        i = ids.index(period_id)
    else:
        return None, None
    return ordered[i], (ordered[i - 1] if i > 0 else None)


def changes_since_previous(db, period_id: str | None = None, towns: list[str] | None = None,
                           lang: str = "vi", programme: str | None = None) -> pd.DataFrame:
    """The changes between reporting period ``period_id`` (None: the newest) and the previous
    one, for the works of ``programme`` (None: every programme) in ``towns`` (None: all): columns
    ``COLUMNS`` (see the module's docstring); empty when there is no previous period
    (``compare(...).has_previous``)."""
    return compare(db, period_id, towns, lang, programme).rows


def compare(db, period_id: str | None = None, towns: list[str] | None = None, lang: str = "vi",
            programme: str | None = None) -> Changes:
    """``changes_since_previous`` with the two periods; ``has_previous`` False when there is none."""
    this, before = previous_period(queries.periods(db), period_id)
    if this is None or before is None:
        return Changes(this["id"] if this else period_id, this.get("label_vi") if this else None,
                       _d(this["as_of"]) if this else None, None, None, None, _empty())
    th = flags.stored_thresholds(db)
    model = stages_.model(db)
    labels = {s.code: model.label(s.code, lang) for s in model.stages}
    old_d, new_d = _d(before["as_of"]), _d(this["as_of"])
    # each date's status and flags derived in the database (as flags.evaluate, with no funding plan,
    # as changes_between): a province's whole history never goes through a frame
    (old, f_old), (new, f_new) = (flags.status_and_flags(db, x, towns, th, lang, programme) for x in (old_d, new_d))
    typed = db.query("SELECT su.work_id, su.id, su.as_of, su.note, su.delay_cause FROM status_update su "
                     "WHERE su.as_of > ? AND su.as_of <= ? ORDER BY su.as_of, su.id", [old_d, new_d])
    typed = typed[typed["work_id"].isin(set(new["id"]))]
    rows = (_rows(old, new, f_old, f_new, _between(typed, old_d, new_d), lang, labels) if len(new["id"])
            else _empty())
    return Changes(this["id"], this.get("label_vi"), _d(this["as_of"]), before["id"], before.get("label_vi"),
                   _d(before["as_of"]), rows)


# -- words and the table ---------------------------------------------------------------------------
CHANGES_TABLE = Table("flags_changes", (
    Col("kind_label", "flags.col.change", width=15),
    Col("work", "flags.col.work", width=27),
    Col("message", "flags.col.change_detail", width=32),
    Col("note", "flags.col.note", width=26, missing=""),
))
"""One row per change (rows from ``table_rows``)."""


def kind_label(kind: str, lang: str = "vi") -> str:
    return {k: t(f"flags.change.{k}", lang) for k in KINDS}.get(kind, kind)


def table_rows(rows: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The rows of ``CHANGES_TABLE`` from ``Changes.rows``."""
    return pd.DataFrame({
        "kind": rows["kind"].tolist(),
        "kind_label": [kind_label(k, lang) for k in rows["kind"]],
        "work": [t("flags.work_line", lang, id=w, name=n if not fmt.is_missing(n) else "")
                 for w, n in zip(rows["work_id"], rows["work_name"])],
        "message": rows["message"].tolist(),
        "note": [None if fmt.is_missing(n) else str(n) for n in rows["note"]],
    }, columns=["kind", "kind_label", "work", "message", "note"])


def no_previous_text(changes: Changes, lang: str = "vi") -> str:
    """Why there is nothing to compare (no data value in it, safe anywhere)."""
    return t("flags.change.no_previous", lang)
