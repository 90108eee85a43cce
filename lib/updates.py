"""Status updates per reporting period: validation, and the one write that records them.

History is appended, never overwritten. The baseline completion of a work is frozen at
the first expected year ever recorded; a later change of the expected year is a slip
and must carry a reason (a note or a cause of delay). Every message is a ``lib.i18n.Msg``
(Vietnamese by ``str``, English by ``.text("en")``) and names the row and the field; when any
row is wrong, nothing is written. A row that would only repeat what its work already has in the
period is not written either (``NothingChanged``): saving twice records one row.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from lib.auth import Identity
from lib.db import Database, DatabaseError, ValidationError, share_frame
from lib import fmt
from lib.fmt import HTML_TAG, is_blank, parse_number
from lib.i18n import Msg, t
from lib.tables import Col, Table

YEAR_MIN, YEAR_MAX = 2000, 2100
PERIOD_ID = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-[0-9A-Za-z]+)?$")


@dataclass(frozen=True)
class Update:
    work_id: str
    stage: str | None = None
    physical_pct: float | None = None
    disbursed_vnd: int | None = None
    expected_year: int | None = None
    note: str | None = None
    delay_cause: str | None = None


@dataclass(frozen=True)
class Period:
    id: str
    label_vi: str
    as_of: date
    source_ref: str | None = None


# the columns a message names (label keys); the values' columns are FIELD_LABELS
COL_PERIOD_ID, COL_AS_OF, COL_PERIOD_LABEL, COL_WORK = \
    "update.err.col_period_id", "update.err.col_as_of", "update.period_label", "update.err.col_work"


@dataclass
class _Checker:
    problems: list[Msg] = field(default_factory=list)

    def add(self, where: "str | Msg", column: str, message: "str | Msg") -> None:
        """``column``: the column's label key."""
        self.problems.append(Msg("update.err.where", where=where, col=Msg(column), msg=message))


_blank = is_blank


def row_label(n: int) -> Msg:
    """A row of a table or a sheet, as messages name it: "Dòng 3" / "Row 3"."""
    return Msg("update.err.row", row=n)  # a spreadsheet row: as Excel shows it (1234), not a count


def _where(i: int, work_id, row_labels: "list[str | Msg] | None") -> "str | Msg":
    """How messages name the ``i``-th row (0-based): its label ("Dòng 3"), with its work when known."""
    where = row_labels[i] if row_labels else row_label(i + 1)
    if work_id and work_id not in str(where):
        where = Msg("update.err.row_work", row=where, work=work_id)
    return where


def _error_text(e: Exception):
    """The message of a ValueError of ``lib.fmt``: kept as a Msg when it carries one."""
    if hasattr(e, "text"):
        return e
    return e.args[0] if e.args and isinstance(e.args[0], Msg) else str(e)


def _number(value, check: _Checker, where, column: str) -> float | None:
    try:
        return parse_number(value)
    except ValueError as e:
        check.add(where, column, _error_text(e))
        return None


def _text(value, check: _Checker, where, column: str, max_len: int = 2000) -> str | None:
    if _blank(value):
        return None
    text = str(value).strip()
    if HTML_TAG.search(text):
        check.add(where, column, Msg("update.err.html"))
        return None
    if len(text) > max_len:
        check.add(where, column, Msg("update.err.too_long", n=max_len))
        return None
    return text


def default_period_label(period_id: str) -> str:
    m = PERIOD_ID.match(period_id or "")
    return f"Kỳ tháng {int(m.group(2))}/{m.group(1)}" if m else period_id


def validate_period(period: Period, db: Database, *, new: bool) -> None:
    check = _Checker()
    where = Msg("update.err.period")
    m = PERIOD_ID.match(period.id or "")
    day = date(period.as_of.year, period.as_of.month, period.as_of.day) if isinstance(period.as_of, date) else None
    if not m:
        check.add(where, COL_PERIOD_ID, Msg("update.err.period_format", id=period.id))
    elif new and day is not None and (int(m.group(1)), int(m.group(2))) != (day.year, day.month):
        check.add(where, COL_AS_OF, Msg("update.err.as_of_month", day=day, id=period.id))
    if new and day is not None and day > date.today():
        check.add(where, COL_AS_OF, Msg("update.err.future", day=day))
    if _text(period.label_vi, check, where, COL_PERIOD_LABEL, 200) is None and not check.problems:
        check.add(where, COL_PERIOD_LABEL, Msg("update.err.required"))
    if day is None:
        check.add(where, COL_AS_OF, Msg("update.err.not_day"))
    elif not (YEAR_MIN <= day.year <= YEAR_MAX):
        check.add(where, COL_AS_OF, Msg("update.err.year_outside", year=day.year, lo=YEAR_MIN, hi=YEAR_MAX))
    exists = db.scalar("SELECT count(*) FROM reporting_period WHERE id = ?", [period.id])
    if new and exists:
        check.add(where, COL_PERIOD_ID, Msg("update.err.period_exists", id=period.id))
    if not new and not exists:
        check.add(where, COL_PERIOD_ID, Msg("update.err.period_missing", id=period.id))
    if check.problems:
        raise ValidationError(check.problems)


def validate_updates(updates: list[Update], db: Database, period_as_of: date,
                     row_labels: "list[str | Msg] | None" = None) -> list[Update]:
    """Check every update; return them cleaned (numbers parsed, text trimmed) or raise.
    ``row_labels``: how messages name each row (``row_label(n)``); by default "Dòng 1", "Dòng 2"..."""
    check = _Checker()
    works = db.query("SELECT id, total_investment_vnd, baseline_year FROM work").set_index("id")
    stages = set(db.query("SELECT code FROM stage")["code"])
    causes = set(db.query("SELECT code FROM delay_cause")["code"])
    latest = _latest_expected(db, period_as_of)
    seen: set[str] = set()
    clean: list[Update] = []
    for i, u in enumerate(updates):
        where = _where(i, u.work_id, row_labels)
        if _blank(u.work_id) or u.work_id not in works.index:
            check.add(where, COL_WORK, Msg("update.err.unknown_work", id=u.work_id))
            continue
        if u.work_id in seen:
            check.add(where, COL_WORK, Msg("update.err.work_twice"))
        seen.add(u.work_id)
        stage = None if _blank(u.stage) else str(u.stage).strip()
        if stage is not None and stage not in stages:
            check.add(where, FIELD_LABELS["stage"], Msg("update.err.bad_stage", stage=stage,
                                                        choices=", ".join(sorted(stages))))
        pct = _number(u.physical_pct, check, where, FIELD_LABELS["physical_pct"])
        if pct is not None and not 0 <= pct <= 100:
            check.add(where, FIELD_LABELS["physical_pct"], Msg("update.err.pct_range", v=f"{pct:g}"))
        disbursed = _number(u.disbursed_vnd, check, where, FIELD_LABELS["disbursed_vnd"])
        if disbursed is not None and disbursed < 0:
            check.add(where, FIELD_LABELS["disbursed_vnd"], Msg("update.err.negative"))
        year = _number(u.expected_year, check, where, FIELD_LABELS["expected_year"])
        if year is not None and (year != int(year) or not YEAR_MIN <= year <= YEAR_MAX):
            check.add(where, FIELD_LABELS["expected_year"], Msg("update.err.year_range", v=f"{year:g}",
                                                                lo=YEAR_MIN, hi=YEAR_MAX))
            year = None
        note = _text(u.note, check, where, FIELD_LABELS["note"])
        cause = None if _blank(u.delay_cause) else str(u.delay_cause).strip()
        if cause is not None and cause not in causes:
            check.add(where, FIELD_LABELS["delay_cause"], Msg("update.err.bad_cause", cause=cause,
                                                              choices=", ".join(sorted(causes))))
        previous = latest.get(u.work_id)
        if year is not None and previous is not None and int(year) != previous and not (note or cause):
            check.add(where, FIELD_LABELS["note"], Msg("update.err.slip_reason", old=previous, new=int(year)))
        clean.append(Update(work_id=u.work_id, stage=stage, physical_pct=pct,
                            disbursed_vnd=int(round(disbursed)) if disbursed is not None else None,
                            expected_year=int(year) if year is not None else None, note=note,
                            delay_cause=cause))
    if check.problems:
        raise ValidationError(check.problems)
    return clean


def _latest_expected(db: Database, before: date) -> dict[str, int]:
    df = db.query(
        "SELECT work_id, expected_year FROM (SELECT work_id, expected_year, row_number() OVER "
        "(PARTITION BY work_id ORDER BY as_of DESC, id DESC) AS rn FROM status_update "
        "WHERE expected_year IS NOT NULL AND as_of <= ?) WHERE rn = 1", [before])
    return {r.work_id: int(r.expected_year) for r in df.itertuples()}


# the values of a status update a user sees and may change, in the order they are shown
VALUE_FIELDS = ("stage", "physical_pct", "disbursed_vnd", "expected_year", "note", "delay_cause")


@dataclass(frozen=True)
class Receipt:
    """What one save wrote, read back from the database in the same transaction."""
    period_id: str
    rows: tuple[dict, ...]      # one dict per status_update row written: work_id and VALUE_FIELDS

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def work_ids(self) -> list[str]:
        return [r["work_id"] for r in self.rows]


@dataclass(frozen=True)
class Conflict:
    key: str            # the work (or the setting) changed since the user's view was read
    theirs: dict        # what is stored now: VALUE_FIELDS, period_id, entered_by, entered_at (a setting: value)
    yours: dict         # what this save asked for


class ConflictError(DatabaseError):
    """The save was built on an out-of-date view: someone recorded these works since. Nothing written."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(Msg("update.err.conflict", names=", ".join(c.key for c in conflicts)))


def versions(db: Database, work_ids: list[str] | None = None) -> dict[str, int]:
    """Each work's row version: the id of its newest status update (0: none). A save that saw
    an older version is refused (``record(seen=...)``)."""
    df = db.query("SELECT w.id, coalesce(max(s.id), 0) AS v FROM work w LEFT JOIN status_update s "
                  "ON s.work_id = w.id GROUP BY w.id")
    out = {r.id: int(r.v) for r in df.itertuples()}
    return out if work_ids is None else {w: out.get(w, 0) for w in work_ids}


def receipt_of(db: Database, token: str) -> Receipt | None:
    """The receipt of a save already written under ``token`` (None: nothing was written under it):
    the page shows it even when a rerun cut it short between the write and its message."""
    done = db.submitted(token)
    if done is None or done["action"] != "status_update" or not done["new"]:
        return None
    rows = tuple({k: r.get(k) for k in ("work_id", *VALUE_FIELDS)} for r in done["new"])
    return Receipt(done["new"][0].get("period_id"), rows)


def _newest(cur, work_ids: list[str]) -> dict[str, dict]:
    rows = cur.execute(
        "SELECT work_id, id, period_id, entered_by, entered_at, " + ", ".join(VALUE_FIELDS) +
        " FROM (SELECT *, row_number() OVER (PARTITION BY work_id ORDER BY id DESC) AS rn FROM status_update "
        "WHERE list_contains(?, work_id)) WHERE rn = 1", [work_ids]).fetchall()
    cols = ["work_id", "id", "period_id", "entered_by", "entered_at", *VALUE_FIELDS]
    return {r[0]: dict(zip(cols, r)) for r in rows}


def _as_dict(u: Update) -> dict:
    return {"stage": u.stage, "physical_pct": u.physical_pct, "disbursed_vnd": u.disbursed_vnd,
            "expected_year": u.expected_year, "note": u.note, "delay_cause": u.delay_cause}


def check_versions(cur, clean: list[Update], seen: dict[str, int]) -> None:
    """Inside a write: refuse (ConflictError) when a work changed since ``seen`` was read."""
    ids = [u.work_id for u in clean if u.work_id in seen]
    if not ids:
        return
    newest = _newest(cur, ids)
    conflicts = [Conflict(u.work_id, newest[u.work_id], _as_dict(u)) for u in clean
                 if u.work_id in seen and newest.get(u.work_id, {}).get("id", 0) != seen[u.work_id]]
    if conflicts:
        raise ConflictError(conflicts)


class NothingChanged(ValidationError):
    """The save would only repeat what its works already have in this period (e.g. the fresh form
    after a save, submitted again by a burst of clicks): nothing written. ``problems``: one message
    per such row, naming it, when and by whom the same values were stored; ``works``: their ids."""

    def __init__(self, problems: list[Msg], works: list[str]):
        super().__init__(problems)
        self.works = works


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    try:  # numbers, whatever their type as read back (int, float, Decimal)
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return a == b


def adds_nothing(u: Update, stored: dict, year_now: int | None) -> bool:
    """``u`` would add nothing to ``stored`` (its work's newest row in the same period): the same
    stage, physical % and disbursed amount; an expected year blank or equal to the one in force
    (``year_now``: the newest given up to ``stored``); a note and a cause blank or equal to the stored
    row's. A blank year, note or cause does not clear the one in force (the status reads the newest
    given), so leaving them blank changes nothing."""
    return (all(_same(getattr(u, f), stored.get(f)) for f in ("stage", "physical_pct", "disbursed_vnd"))
            and (u.expected_year is None or _same(u.expected_year, year_now))
            and (u.note is None or u.note == stored.get("note"))
            and (u.delay_cause is None or u.delay_cause == stored.get("delay_cause")))


def check_changed(cur, period: Period, clean: list[Update], row_labels: "list[str | Msg] | None" = None) -> None:
    """Inside a write: refuse (NothingChanged) the save when a row would add nothing to what its work
    already has in ``period`` (``adds_nothing``): a repeated save writes no second, identical row.
    A work with no row in the period yet may be recorded unchanged: that confirms its status for
    the period (the stalled-work flag counts such periods)."""
    ids = [u.work_id for u in clean]
    rows = cur.execute(
        "SELECT work_id, id, period_id, entered_by, entered_at, " + ", ".join(VALUE_FIELDS) +
        " FROM status_update WHERE list_contains(?, work_id) AND (period_id = ? OR (as_of <= ? AND "
        "expected_year IS NOT NULL)) ORDER BY as_of, id", [ids, period.id, period.as_of]).fetchall()
    cols = ["work_id", "id", "period_id", "entered_by", "entered_at", *VALUE_FIELDS]
    history: dict[str, list[dict]] = {}
    for r in rows:
        history.setdefault(r[0], []).append(dict(zip(cols, r)))
    problems, works = [], []
    for i, u in enumerate(clean):
        mine = history.get(u.work_id, [])
        in_period = [r for r in mine if r["period_id"] == period.id]
        if not in_period:
            continue
        stored = max(in_period, key=lambda r: r["id"])
        year_now = None
        for r in mine:  # as_of, then id: the newest year given up to the stored row
            if r["expected_year"] is not None:
                year_now = r["expected_year"]
            if r["id"] == stored["id"]:
                break
        if adds_nothing(u, stored, year_now):
            works.append(u.work_id)
            problems.append(Msg("update.err.unchanged", where=_where(i, u.work_id, row_labels), period=period.id,
                                name=stored["entered_by"] or "?",
                                time=stored["entered_at"].strftime("%H:%M:%S %d/%m/%Y") if stored["entered_at"] else "?"))
    if problems:
        raise NothingChanged(problems, works)


FIELD_LABELS = {"stage": "update.stage", "physical_pct": "update.physical", "disbursed_vnd": "update.disbursed",
                "expected_year": "update.expected", "note": "update.note", "delay_cause": "update.cause"}

CONFLICT_TABLE = Table("update_conflict", (
    Col("work", "update.conflict_col_work", width=8, wrap=False),
    Col("field", "update.conflict_col_field", width=12),
    Col("theirs", "update.conflict_col_theirs", width=20),
    Col("yours", "update.conflict_col_yours", width=20),
))


def value_text(field_: str, value, labels: dict[str, dict[str, str]], lang: str = "vi") -> str:
    """One value of a status update as the user reads it; ``labels``: {"stage": {code: label},
    "delay_cause": {code: label}}. Unknown reads "chưa có số liệu"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return t("common.no_data", lang)
    if field_ in labels:
        return labels[field_].get(value, str(value))
    if field_ == "physical_pct":
        return f"{fmt.number(value, 1, lang)} %"
    if field_ == "disbursed_vnd":
        return fmt.ty(value, lang)
    return str(value)


def receipt_lines(receipt: Receipt, labels: dict[str, dict[str, str]], lang: str = "vi") -> list[str]:
    """One line per row written: the work and every value as stored."""
    return [t("update.receipt_line", lang, work=r["work_id"], values="; ".join(
        f"{t(FIELD_LABELS[f], lang)}: {value_text(f, r[f], labels, lang)}" for f in VALUE_FIELDS))
        for r in receipt.rows]


def conflict_rows(error: ConflictError, labels: dict[str, dict[str, str]], lang: str = "vi") -> pd.DataFrame:
    """For CONFLICT_TABLE, work by work: who stored the newest values and when, then every field
    whose stored value differs from what this save asked for (both values)."""
    rows = []
    for c in error.conflicts:
        by = t("update.conflict_by", lang, name=c.theirs.get("entered_by") or "?", period=c.theirs.get("period_id"),
               time=c.theirs["entered_at"].strftime("%H:%M %d/%m/%Y") if c.theirs.get("entered_at") else "?")
        rows.append({"work": c.key, "field": t("update.conflict_who", lang), "theirs": by,
                     "yours": t("update.conflict_not_written", lang)})
        for f in VALUE_FIELDS:
            theirs, yours = value_text(f, c.theirs.get(f), labels, lang), value_text(f, c.yours.get(f), labels, lang)
            if theirs != yours:
                rows.append({"work": c.key, "field": t(FIELD_LABELS[f], lang), "theirs": theirs, "yours": yours})
    return pd.DataFrame(rows, columns=["work", "field", "theirs", "yours"])


def insert_updates(cur, period: Period, clean: list[Update], who: Identity, now: datetime) -> tuple[dict, ...]:
    """Inside a write: append ``clean`` (already validated) in one set-based insert and freeze the
    baseline years; returns the rows as written."""
    incoming_updates = pd.DataFrame({  # read by name in the SQL below (DuckDB's replacement scan)
        "work_id": [u.work_id for u in clean],
        "stage": pd.array([u.stage for u in clean], dtype="string"),
        "physical_pct": pd.array([u.physical_pct for u in clean], dtype="Float64"),
        "disbursed_vnd": pd.array([u.disbursed_vnd for u in clean], dtype="Int64"),
        "expected_year": pd.array([u.expected_year for u in clean], dtype="Int64"),
        "note": pd.array([u.note for u in clean], dtype="string"),
        "delay_cause": pd.array([u.delay_cause for u in clean], dtype="string"),
        "ord": range(len(clean)),
    })
    share_frame(cur, "incoming_updates", incoming_updates)  # PostgreSQL: a temporary table
    written = cur.execute(
        "INSERT INTO status_update (work_id, period_id, as_of, stage, physical_pct, disbursed_vnd, "
        "expected_year, note, delay_cause, source_ref, entered_by, entered_at) "
        "SELECT work_id, ?, ?, stage, physical_pct, disbursed_vnd, expected_year, note, delay_cause, ?, ?, ? "
        "FROM incoming_updates ORDER BY ord RETURNING work_id, " + ", ".join(VALUE_FIELDS),
        [period.id, period.as_of, period.source_ref or f"Cập nhật kỳ {period.id}", who.display_name, now],
    ).fetchall()
    # the baseline is frozen at the first expected year ever recorded
    cur.execute("UPDATE work SET baseline_year = i.expected_year, baseline_set_at = ? FROM incoming_updates i "
                "WHERE work.id = i.work_id AND i.expected_year IS NOT NULL AND work.baseline_year IS NULL",
                [period.as_of])
    order = {u.work_id: i for i, u in enumerate(clean)}
    rows = [dict(zip(("work_id", *VALUE_FIELDS), r)) for r in written]
    return tuple(sorted(rows, key=lambda r: order[r["work_id"]]))


def record(db: Database, who: Identity, period: Period, updates: list[Update], *, new_period: bool,
           seen: dict[str, int] | None = None, token: str | None = None,
           row_labels: list[str] | None = None) -> Receipt:
    """Validate, then write the period (when new) and every update in one transaction.

    ``who`` is the signed-in identity (the write path checks its role; its name is recorded).
    ``seen``: the row version (``versions``) of each work when the user's view was read; a work
    recorded since is refused with both values (ConflictError). ``token``: the view's submit
    token; a second submit of it is refused (``AlreadySubmitted``). A row that would add nothing to
    what its work already has in the period is refused (``NothingChanged``, a ValidationError: a
    burst of clicks that reaches the fresh form after a save writes no second row). Returns the
    Receipt of what was written. Raises ValidationError (nothing written)."""
    validate_period(period, db, new=new_period)
    if not updates:
        raise ValidationError([Msg("update.err.no_rows")])
    clean = validate_updates(updates, db, period.as_of, row_labels)
    now = datetime.now()

    def write(cur):
        if seen is not None:
            check_versions(cur, clean, seen)
        if not new_period:  # (a new period has no row yet)
            check_changed(cur, period, clean, row_labels)
        if new_period:
            cur.execute("INSERT INTO reporting_period (id, label_vi, as_of, as_of_precision, source_ref) "
                        "VALUES (?, ?, ?, 'day', ?)", [period.id, period.label_vi.strip(), period.as_of,
                                                       period.source_ref])
        written = insert_updates(cur, period, clean, who, now)
        detail["new"] = [{"period_id": period.id, **r} for r in written]  # rows are only added: no old values
        return Receipt(period.id, written)

    detail: dict = {"period": period.id, "new_period": new_period, "works": [u.work_id for u in clean]}
    return db.write(who, "status_update", write, detail, token=token)


def save_settings(db: Database, who: Identity, values: dict[str, object], *,
                  seen: dict[str, object] | None = None, token: str | None = None) -> None:
    """Change settings (e.g. flag thresholds) in one audited transaction, after checking them.

    ``seen``: the values the form showed; a setting changed since is refused with both values
    (ConflictError). ``token``: the form's submit token (see ``Database.write``)."""
    from lib.flags import Thresholds  # the flag rules own their thresholds' validation

    current = dict(zip(*[db.query("SELECT key, value FROM setting")[c] for c in ("key", "value")]))
    unknown = [k for k in values if k not in current]
    if unknown:
        raise ValidationError([Msg("update.err.unknown_setting", name=k) for k in unknown])
    merged = {k: v for k, v in current.items()}
    merged.update({k: v for k, v in values.items()})
    problems = Thresholds.problems(merged)  # one message per bad setting, each naming it
    if problems:
        raise ValidationError(problems)

    detail: dict = {k: str(v) for k, v in values.items()}

    def write(cur):
        detail["old"] = {key: cur.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchall()[0][0]
                         for key in values}
        if seen is not None:
            stale = [Conflict(k, {"value": detail["old"][k]}, {"value": str(values[k])}) for k in values
                     if k in seen and str(seen[k]) != str(detail["old"][k])]
            if stale:
                raise ConflictError(stale)
        detail["new"] = {key: str(value) for key, value in values.items()}
        for key, value in values.items():
            cur.execute("UPDATE setting SET value = ? WHERE key = ?", [str(value), key])

    db.write(who, "settings", write, detail, token=token)


TABLE_FIELDS = ["stage", "physical_pct", "disbursed_vnd", "expected_year", "note", "cause"]


def rows_from_table(before: pd.DataFrame, after: pd.DataFrame, stage_codes: dict[str, str],
                    cause_codes: dict[str, str]) -> tuple[list[Update], list[Msg]]:
    """The updates a period table asks for: only rows that differ from what was shown.

    ``stage_codes``/``cause_codes`` map the labels shown in the table back to codes. Returns
    the updates and their row labels (``row_label``: "Dòng 3"), for messages that name the row."""
    rows, labels = [], []
    for i in range(len(after)):
        b, a = before.iloc[i], after.iloc[i]
        same = all((_blank(b[f]) and _blank(a[f])) or (not _blank(b[f]) and not _blank(a[f]) and b[f] == a[f])
                   for f in TABLE_FIELDS)
        if same:
            continue
        rows.append(Update(a["work_id"], stage_codes.get(a["stage"], a["stage"]) if not _blank(a["stage"]) else None,
                           a["physical_pct"], a["disbursed_vnd"], a["expected_year"],
                           None if _blank(a["note"]) else a["note"],
                           cause_codes.get(a["cause"], a["cause"]) if not _blank(a["cause"]) else None))
        labels.append(row_label(i + 1))
    return rows, labels
