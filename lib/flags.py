"""Delay flags: which works are late, at risk, slipping, stalled, stale or incompletely recorded.

Pure core (pandas, numpy and an in-memory DuckDB over the frames; never Streamlit):
``flag_works(works, history, eval_date, thresholds)``. ``evaluate`` derives the same status in the
database (no history frame, no loop per work) and applies the same rules (``_flag_blocks``: boolean
masks over all works, sentences only for the flagged). Every flag is computed
**as of an evaluation date** and uses only status updates with ``as_of <= eval_date``.

Definitions (the thresholds are settings ``flag_*``, see ``Thresholds``):

* **Due date.** An expected completion year Y ("dự kiến hoàn thành Y") is due on 31/12/Y:
  the whole year is allowed, so 31/12/Y is the last day of the commitment.
* **Months late / months left.** ``whole_months(a, b)``: the largest m with
  ``add_months(a, m) <= b``, where ``add_months`` keeps the day and clamps it to the month's
  length (31/12 + 2 months = 28/02). From 31/12/2022: 31/03/2023 is 3 months, 30/03/2023 is 2.
* **overdue**: not handed over and ``eval_date > due date`` (from 01/01 of year Y+1). Flagged
  from the first day: amber, worded "quá hạn N ngày" below ``overdue_delayed_months`` (3) and
  "chậm N tháng" from it; red from ``overdue_red_months`` (12), or from the first day when
  still in procedures (below); "chậm nghiêm trọng" added from ``overdue_severe_months`` (36).
  A grade is a label, not a gate, so a work past its due date is never unflagged. Hence evaluated on the report's date 31/12/2022, works due 2022 are *not yet*
  overdue (at risk instead), and the first day after the end of 2023 finds every work expected
  in 2022 or 2023 and not handed over overdue.
* **What a stage means comes from the ``stage`` table** (``lib.stages.StageModel``: columns
  is_handed_over, is_started, is_early, is_paused, is_procedure, implied_cause), passed as
  ``stages`` (default: the seed's stages); no stage code is named here.
* **at_risk** (amber): not handed over, ``eval_date <= due <= add_months(eval_date, N)`` and
  either still early (a stage ``is_early``, or stage unknown) with
  N = ``at_risk_months`` (12), or being built (started, not paused) with physical progress unknown or below
  100 % with N = ``at_risk_construction_months`` (3). On the due date itself the sentence says
  "đến hạn hôm nay" (not "còn dưới 1 tháng").
* **Still in procedures on or after the due date is red.** A work whose stage is
  ``is_procedure`` (planning or completing procedures: its investment procedures are not
  finished, so it cannot have been built, let alone handed over) is certain to miss its
  commitment once the due date is reached: its ``at_risk`` flag on the due date and its
  ``overdue`` flag from the next day are red whatever the months late (grade unchanged, the
  stage added to the sentence). Site clearance, construction and an unknown stage
  keep the amber grades above: work on site may still finish within weeks, and an unknown stage
  is not evidence of being early.
* **slipped** (amber): current expected year later than the frozen ``baseline_year``; counts the
  changes of the expected year since the baseline.
* **stalled**: a stage ``is_paused`` (red); or (amber) the latest update of each of the last
  ``stalled_periods`` (2) periods all show the same known stage and the same physical % (unknown
  equals unknown).
* **stale** (amber): not handed over and ``eval_date - newest update > stale_days`` (180).
  Dates in the sentences ("lần cuối …", "từ kỳ cập nhật …") honour the reporting period's
  ``as_of_precision``: an update dated by its period's as_of in a period known only to the month
  reads "tháng 12/2022", not "31/12/2022" (``fmt.as_of``; history column ``as_of_precision``,
  optional, 'day' when absent).
* **incomplete** (amber): one row per work listing what is missing: investment amount, expected
  year (when not handed over), area, stage, or any status update at all.
* **funding_gap**: see ``funding_gap``; no rows while no funding plan exists.

Handed-over works get no flag except ``incomplete``. Cause of a delay flag: the newest recorded
``delay_cause``; otherwise the stage's ``implied_cause`` (site clearance -> gpmb, planning and
procedures -> thu_tuc in the seed) with ``cause_inferred`` True; otherwise None. Every flag row also carries
the work's newest ``note`` (status_update.note, typed by the secretary).

**One row per work.** ``by_work(flags)`` groups the flags of each work (worst severity, all its
rules and reasons, cause, note, since). The counts and lists of the flags page (figures,
headings, lists, charts), ``ui/flags_view.overview_strip`` and the register's markers go
through it (``counts_by_severity``, ``worst_per_work`` and ``counts_by_town`` too), so a work
with several flags is one work everywhere. ``WORK_TABLE`` (lib/tables spec) and
``work_table_rows`` draw it; ``evaluate_by_work`` reads it from the database;
``changes_since_previous`` (lib/changes.py) says what changed since the previous period.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from lib import fmt, queries
from lib import stages as stages_
from lib.i18n import DEFAULT_LANG, Msg, Num, t, text_of
from lib.queries import UNKNOWN_TOWN
from lib.stages import StageModel
from lib.tables import Col, Table

RULES: tuple[str, ...] = ("overdue", "stalled", "at_risk", "slipped", "funding_gap", "stale", "incomplete")
DELAY_RULES = frozenset({"overdue", "stalled", "at_risk", "slipped", "funding_gap"})
SEVERITIES: tuple[str, ...] = ("red", "amber")
UNKNOWN_CAUSE = "chua_ro"
COLUMNS: tuple[str, ...] = (
    "work_id", "work_name", "rule", "severity", "cause", "cause_inferred", "message", "since",
    "due_date", "expected_year", "stage", "grade", "months_late", "months_left", "years_slipped",
    "n_changes", "periods_unchanged", "days_since_update", "missing", "gap_vnd", "area_ids", "note",
)
_INT_COLUMNS = ("expected_year", "months_late", "months_left", "years_slipped", "n_changes",
                "periods_unchanged", "days_since_update", "gap_vnd")


# -- thresholds -----------------------------------------------------------------------------
_LIMITS = {  # field -> (lowest, highest) accepted
    "overdue_delayed_months": (0, 240), "overdue_red_months": (0, 240),
    "overdue_severe_months": (0, 240), "at_risk_months": (0, 120),
    "at_risk_construction_months": (0, 120), "stalled_periods": (2, 20), "stale_days": (1, 3650),
}


@dataclass(frozen=True)
class Thresholds:
    """Flag thresholds; the setting key of each field is ``flag_<field>``. Validated on creation.

    ``from_settings`` also checks the other numeric settings of the ``setting`` table
    (``OTHER_SETTINGS``: ``stale_after_days``, the age of the data stamp's warning), so one call
    validates every setting a user can save (lib.updates.save_settings)."""
    overdue_delayed_months: int = 3
    overdue_red_months: int = 12
    overdue_severe_months: int = 36
    at_risk_months: int = 12
    at_risk_construction_months: int = 3
    stalled_periods: int = 2
    stale_days: int = 180

    # settings that are not flag thresholds: key -> (lowest, highest, default)
    OTHER_SETTINGS = {"stale_after_days": (1, 3650, 180)}

    def __post_init__(self):
        for f in fields(self):
            value, key = getattr(self, f.name), "flag_" + f.name
            low, high = _LIMITS[f.name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise SettingError("flags.err.not_int", name=_setting_name(key), value=value)
            if not low <= value <= high:
                raise SettingError("flags.err.range", name=_setting_name(key), value=value, low=low, high=high)
        if not self.overdue_delayed_months <= self.overdue_red_months <= self.overdue_severe_months:
            raise SettingError("flags.err.order", a="flag_overdue_delayed_months",
                               b="flag_overdue_red_months", c="flag_overdue_severe_months",
                               av=self.overdue_delayed_months, bv=self.overdue_red_months,
                               cv=self.overdue_severe_months)

    @classmethod
    def from_settings(cls, settings: dict, strict: bool = True) -> "Thresholds":
        """From ``queries.settings(db)`` (or the raw text of the ``setting`` table); missing keys
        keep their defaults, other keys are ignored. ``strict`` (saving): a bad value raises
        ValueError naming the setting, in Vietnamese; ``strict=False`` (drawing a page): a bad
        stored value is replaced by its default (see ``checked`` for the reasons to show)."""
        if strict:
            problems = cls.problems(settings)
            if problems:
                raise ValueError(" ".join(str(p) for p in problems))
        return cls.checked(settings)[0]

    @classmethod
    def checked(cls, settings: dict) -> tuple["Thresholds", list["Msg | SettingError"]]:
        """The thresholds with every bad stored value replaced by its default, and the reasons
        (one lib.i18n.Msg per bad setting, naming it and the default used): for a page to
        draw with the defaults and say so, instead of failing."""
        kwargs, problems = {}, []
        for f in fields(cls):
            key = "flag_" + f.name
            if key not in settings:
                continue
            try:
                value = _as_int(settings[key], key)
                low, high = _LIMITS[f.name]
                if not low <= value <= high:
                    raise SettingError("flags.err.range", name=_setting_name(key), value=value,
                                       low=low, high=high)
                kwargs[f.name] = value
            except ValueError as e:
                problems.append(_default_used(e, f.default))
        order = ("overdue_delayed_months", "overdue_red_months", "overdue_severe_months")
        vals = [kwargs.get(n, getattr(cls, n)) for n in order]
        if not vals[0] <= vals[1] <= vals[2]:
            problems.append(_default_used(
                SettingError("flags.err.order", a="flag_" + order[0], b="flag_" + order[1],
                             c="flag_" + order[2], av=vals[0], bv=vals[1], cv=vals[2]),
                ", ".join(str(getattr(cls, n)) for n in order)))
            for n in order:
                kwargs.pop(n, None)
        for key in cls.OTHER_SETTINGS:
            if key in settings:
                _, problem = cls.setting_int(settings, key)
                if problem:
                    problems.append(problem)
        return cls(**kwargs), problems

    @classmethod
    def problems(cls, settings: dict) -> list["Msg | SettingError"]:
        """Why the settings cannot be saved (no default substituted): [] when all are valid."""
        problems = []
        for f in fields(cls):
            key = "flag_" + f.name
            if key in settings:
                try:
                    value = _as_int(settings[key], key)
                    low, high = _LIMITS[f.name]
                    if not low <= value <= high:
                        problems.append(SettingError("flags.err.range", name=_setting_name(key), value=value,
                                          low=low, high=high))
                except ValueError as e:
                    problems.append(e)
        if not problems:
            try:
                cls(**{f.name: _as_int(settings["flag_" + f.name], "flag_" + f.name)
                       for f in fields(cls) if "flag_" + f.name in settings})
            except ValueError as e:
                problems.append(e)
        for key, (low, high, _) in cls.OTHER_SETTINGS.items():
            if key in settings:
                try:
                    value = _as_int(settings[key], key)
                    if not low <= value <= high:
                        problems.append(SettingError("flags.err.range", name=_setting_name(key), value=value,
                                          low=low, high=high))
                except ValueError as e:
                    problems.append(e)
        return problems

    @classmethod
    def setting_int(cls, settings: dict, key: str) -> tuple[int, "Msg | None"]:
        """A numeric setting of OTHER_SETTINGS (e.g. ``stale_after_days``): its value, or its
        default with the Vietnamese reason when the stored value is not valid."""
        low, high, default = cls.OTHER_SETTINGS[key]
        if key not in settings:
            return default, None
        try:
            value = _as_int(settings[key], key)
            if not low <= value <= high:
                raise SettingError("flags.err.range", name=_setting_name(key), value=value, low=low, high=high)
            return value, None
        except ValueError as e:
            return default, _default_used(e, default)


class SettingError(ValueError):
    """A setting that is not valid: a catalogue key and its values, put into the user's language
    by ``.text(lang)`` (lib.i18n.text_of reads it like a Msg); ``str(e)`` is the Vietnamese text.
    A value is written as given (``{value!r}`` quotes a text), a Msg value in the language."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(self.text(DEFAULT_LANG))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.key, lang, **{k: text_of(v, lang) if isinstance(v, (Msg, Num)) else v
                                    for k, v in self.params.items()})


def _setting_name(key: str) -> "Msg | str":
    """“Cảnh báo «số liệu đã cũ» sau (ngày)” (stale_after_days): the label users see, and the key."""
    label = t(f"setting.{key}", DEFAULT_LANG)
    return key if label == f"setting.{key}" or not label else Msg("flags.setting_name", label=Msg(f"setting.{key}"), code=key)


def _default_used(reason, default) -> Msg:
    """'<reason> Đang dùng giá trị mặc định <default>.' (reason: a SettingError or text)."""
    return Msg("flags.err.default_used", reason=reason, default=default)


def _as_int(value, key: str) -> int:
    """An int, or a string or float holding a whole number; else ValueError naming the key."""
    shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
    try:
        if isinstance(value, bool):
            raise ValueError
        number = value if isinstance(value, int) else float(str(value).strip())
        if number != int(number):
            raise ValueError
        return int(number)
    except (ValueError, OverflowError):
        raise SettingError("flags.err.not_int", name=_setting_name(key), value=shown) from None


# -- dates --------------------------------------------------------------------------------
def add_months(d: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the month's length."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (>= 0): the largest m with add_months(start, m) <= end."""
    if end <= start:
        return 0
    m = (end.year - start.year) * 12 + end.month - start.month
    return m - 1 if add_months(start, m) > end else m


def due_date(expected_year) -> date | None:
    """A year-only expected completion Y is due on 31/12/Y."""
    return None if fmt.is_missing(expected_year) else date(int(expected_year), 12, 31)


def _to_date(value) -> date | None:
    """date, datetime, Timestamp or ISO string -> date; missing -> None."""
    if value is None or (not isinstance(value, date) and fmt.is_missing(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _value(v):
    """NaN/NA -> None, numpy scalars -> Python; lists and arrays unchanged."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return v
    if fmt.is_missing(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _int(v) -> int | None:
    v = _value(v)
    return None if v is None else int(v)


def _values(values: np.ndarray) -> list:
    """``[_value(v) for v in values]`` for an object array of single values, vectorised: missing
    (None, NaN, NA, NaT) -> None; one by one only when some value is a numpy scalar."""
    out = values.tolist()
    if any(hasattr(v, "item") for v in out):
        return [_value(v) for v in out]
    gone = pd.isna(values)
    return [None if g else v for v, g in zip(out, gone.tolist())] if gone.any() else out


def _mapped(col: pd.Series, mapping: dict) -> np.ndarray:
    """``col.map(mapping)`` as floats (NaN: missing or not in ``mapping``), looked up once per distinct value."""
    codes, distinct = pd.factorize(col)
    return np.array([mapping.get(v, np.nan) for v in distinct] + [np.nan], dtype=float)[codes]


# -- status as of the evaluation date ---------------------------------------------------------
_STATUS_INT = ("baseline_year", "expected_year", "total_investment_vnd", "disbursed_vnd")
_STATUS_DATES = ("status_as_of", "slipped_since", "stage_since", "run_first", "run_nth", "note_as_of")
# the precision of an update's date: 0 'day', 1 'month' (the as_of of a period known to the month), 2 none
_PRECISIONS = np.array(["day", "month", None], dtype=object)

# Each work's status, derived set-based from its status updates by one query: run on the tables by
# ``evaluate`` and on the frames of ``status_as_of``/``flag_works`` (an in-memory DuckDB over pandas),
# so the status has one definition. ``w``: one row per work (id, baseline_year, _order: its place).
# ``h``: one row per update with as_of <= the evaluation date: work_id, seq (the order of the updates:
# as_of, then id), as_of, stage, pct, disbursed, period_id, period_key (its period, else its date),
# expected_year, note, delay_cause, handed (NULL: unknown), prec ('day' or 'month').
# A character that is not white space for Python's str.strip (a note of spaces is no note).
_NONBLANK = (r"[^\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
             r"\x{202f}\x{205f}\x{3000}]")
_STATUS_SQL = """
WITH w AS ({works}),
h AS (SELECT w._order AS wk, w.baseline_year AS base, hh.* FROM ({history}) hh JOIN w ON w.id = hh.work_id),
n AS (SELECT wk, max(seq) AS last_seq, count(*) AS n_updates FROM h GROUP BY wk),
l AS (SELECT n.wk, n.n_updates, h.seq AS last_seq, h.as_of, h.stage, h.pct, h.disbursed, h.period_id,
             h.handed, h.prec FROM n JOIN h ON h.wk = n.wk AND h.seq = n.last_seq),
-- the expected years given: the newest, the changes from the baseline on, the start of the final
-- run of years later than the baseline
yr AS (SELECT wk, seq, as_of, expected_year AS y, base,
              lag(expected_year) OVER (PARTITION BY wk ORDER BY seq) AS prev,
              max(CASE WHEN expected_year <= base THEN seq END) OVER (PARTITION BY wk) AS ok_seq
       FROM h WHERE expected_year IS NOT NULL),
ya AS (SELECT wk, arg_max(y, seq) AS expected_year,
              count(*) FILTER (WHERE y <> coalesce(prev, base)) AS n_changes,
              min(as_of) FILTER (WHERE y > base AND seq > coalesce(ok_seq, -1)) AS slipped_since
       FROM yr GROUP BY wk),
a AS (SELECT h.wk, max(h.seq) FILTER (WHERE h.stage IS DISTINCT FROM l.stage) AS stage_break,
             max(h.seq) FILTER (WHERE regexp_matches(h.note, '{nonblank}')) AS note_seq,
             max(h.seq) FILTER (WHERE h.delay_cause <> '') AS cause_seq
      FROM h JOIN l ON l.wk = h.wk GROUP BY h.wk),
ss AS (SELECT h.wk, min(h.as_of) AS stage_since FROM h JOIN a ON a.wk = h.wk
       WHERE h.seq > coalesce(a.stage_break, -1) GROUP BY h.wk),
pr AS (SELECT wk, as_of, arg_max(prec, seq) AS prec FROM h GROUP BY wk, as_of),
-- one update per period (its newest), in date order; the final run of equal (stage, physical %)
pk AS (SELECT wk, period_key, max(seq) AS key_last, min(seq) AS key_first FROM h GROUP BY wk, period_key),
pp AS (SELECT pk.wk, h.as_of, h.stage, h.pct,
              row_number() OVER (PARTITION BY pk.wk ORDER BY h.as_of, pk.key_first) AS pos
       FROM pk JOIN h ON h.wk = pk.wk AND h.seq = pk.key_last),
pq AS (SELECT *, last_value(stage) OVER lw AS l_stage, last_value(pct) OVER lw AS l_pct FROM pp
       WINDOW lw AS (PARTITION BY wk ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
pb AS (SELECT *, max(CASE WHEN stage IS DISTINCT FROM l_stage OR pct IS DISTINCT FROM l_pct THEN pos END)
                     OVER (PARTITION BY wk) AS brk FROM pq),
run AS (SELECT wk, count(*) AS run_len, min(as_of) AS run_first,
               max(as_of) FILTER (WHERE pos = coalesce(brk, 0) + $k) AS run_nth{run_dates}
        FROM pb WHERE pos > coalesce(brk, 0) GROUP BY wk)
SELECT w.*, coalesce(l.n_updates, 0) AS n_updates, l.last_seq, l.as_of AS status_as_of, l.stage,
       l.pct AS physical_pct, l.disbursed AS disbursed_vnd, l.period_id, l.handed, l.prec AS last_prec,
       ya.expected_year, coalesce(ya.n_changes, 0) AS n_changes, ya.slipped_since,
       a.note_seq, hn.note, hn.as_of AS note_as_of, a.cause_seq, hc.delay_cause,
       ss.stage_since, p1.prec AS stage_since_prec, coalesce(run.run_len, 0) AS run_len, run.run_first,
       p2.prec AS run_first_prec, run.run_nth{run_dates_col}
FROM w LEFT JOIN l ON l.wk = w._order LEFT JOIN ya ON ya.wk = w._order LEFT JOIN a ON a.wk = w._order
LEFT JOIN h hn ON hn.wk = w._order AND hn.seq = a.note_seq
LEFT JOIN h hc ON hc.wk = w._order AND hc.seq = a.cause_seq
LEFT JOIN ss ON ss.wk = w._order LEFT JOIN run ON run.wk = w._order
LEFT JOIN pr p1 ON p1.wk = w._order AND p1.as_of = ss.stage_since
LEFT JOIN pr p2 ON p2.wk = w._order AND p2.as_of = run.run_first
ORDER BY w._order
"""
_FRAME_HISTORY = """SELECT work_id, seq, as_of::DATE AS as_of, stage, pct, NULL::BIGINT AS disbursed,
    NULL::VARCHAR AS period_id, period_key, CAST(trunc(expected_year) AS BIGINT) AS expected_year, note,
    delay_cause, NULL::BOOLEAN AS handed, prec FROM _h"""
_FRAME_WORKS = "SELECT id, CAST(trunc(baseline_year) AS BIGINT) AS baseline_year, _order FROM _w"
_DB_HISTORY = """
SELECT su.work_id, row_number() OVER (ORDER BY su.work_id, su.as_of, su.id) AS seq, su.as_of, su.stage,
       su.physical_pct AS pct, su.disbursed_vnd AS disbursed, su.period_id,
       CASE WHEN su.period_id IS NULL OR su.period_id = '' THEN 'd' || su.as_of::VARCHAR
            ELSE 'p' || su.period_id END AS period_key,
       su.expected_year::BIGINT AS expected_year, su.note, su.delay_cause,
       coalesce(s.is_handed_over, FALSE) AS handed,
       CASE WHEN rp.as_of_precision = 'month' AND rp.as_of = su.as_of THEN 'month' ELSE 'day' END AS prec
FROM status_update su LEFT JOIN stage s ON s.code = su.stage
LEFT JOIN reporting_period rp ON rp.id = su.period_id
WHERE su.as_of <= $eval_date"""
# the works of ``queries.works`` (same scope: programme and towns; same order) with only what the flags read
_DB_WORKS = """
SELECT w.id, w.name, w.total_investment_vnd, w.baseline_year, w.report_order
FROM work w LEFT JOIN (
    SELECT wa.work_id, list(wa.area_id ORDER BY a.sort_order, a.id) AS area_ids
    FROM work_area wa JOIN area a ON a.id = wa.area_id GROUP BY wa.work_id) wa ON wa.work_id = w.id
WHERE """ + queries.SCOPE_WHERE
# the same works when every town is in scope (``all_towns``: the area condition holds for every
# work), without building the area lists the updates read does not use
_DB_WORK_KEYS = "SELECT w.id FROM work w WHERE $programme::VARCHAR IS NULL OR w.programme_id = $programme"


def _works_read(params: dict) -> tuple[str, dict]:
    """The works of ``params`` (``queries.scope_params``) in ``queries.works`` order, with what the
    flags read: id, name, total_investment_vnd, baseline_year and k (``_key`` of the id, as the
    updates read keys their work; their areas come with the keys, ``_db_keys_sql``)."""
    head = f"""SELECT w.id, w.name, w.total_investment_vnd, w.baseline_year::DOUBLE AS baseline_year,
       {_key('w.id')} AS k"""
    if params["all_towns"]:
        return head + """ FROM work w WHERE $programme::VARCHAR IS NULL OR w.programme_id = $programme
ORDER BY w.report_order NULLS LAST, w.id""", {"programme": params["programme"]}
    return head + f" FROM ({_DB_WORKS}) w ORDER BY w.report_order NULLS LAST, w.id", params


def _updates_read(params: dict, eval_date: date, whole: bool, notes: bool = False) -> tuple[str, dict]:
    """The updates up to ``eval_date`` of the works of ``params`` (``queries.scope_params``), with
    their bound parameters: ``_db_updates_sql``, or with ``notes`` the updates whose note is not
    blank (wh, day, id, note). ``whole``: every work is in scope, so the updates are read without
    joining the works (the join, and reading the columns through it, was about 4 of the read's 12
    ms for 5,000 works); updates of a work the database does not hold are left out by their key."""
    cols = _db_notes_sql() if notes else _db_updates_sql()
    if whole:
        return cols.replace("{scope}", ""), {"eval_date": eval_date}
    works, bound = (_DB_WORK_KEYS, {"programme": params["programme"]}) if params["all_towns"] else (_DB_WORKS, params)
    return cols.replace("{scope}", f"JOIN ({works}) w ON w.id = su.work_id"), {**bound, "eval_date": eval_date}


_FRAME_DB = None
_FRAME_DB_ROWS = 20_000  # a history longer than this gets a database of its own, freed with it


def _frame_db(rows: int):
    """An in-memory DuckDB that runs _STATUS_SQL over frames (the caller closes what it gets): a
    cursor of one kept for the process, or for a history of more than ``_FRAME_DB_ROWS`` rows a
    new database, freed when closed. (One kept database held about 120 MB after a province's
    history had passed through it, issue 11's memory target; a new one costs about 10 ms, too
    much for the many small frames of the tests' generated examples.)"""
    import duckdb
    global _FRAME_DB
    if rows > _FRAME_DB_ROWS:
        return duckdb.connect(":memory:")
    if _FRAME_DB is None:
        _FRAME_DB = duckdb.connect(":memory:")
    return _FRAME_DB.cursor()


def status_as_of(works: pd.DataFrame, history: pd.DataFrame, eval_date,
                 stages: StageModel | None = None) -> pd.DataFrame:
    """One row per work: the static columns of ``works`` (id, name, total_investment_vnd,
    baseline_year, area_ids, ...) plus its status derived from ``history`` as of ``eval_date``.

    ``history`` holds status updates: work_id, period_id, as_of, stage, physical_pct,
    expected_year, delay_cause; optionally id (tie-break), disbursed_vnd, is_handed_over (else
    the stage's is_handed_over in ``stages``), as_of_precision ('day' or 'month'; else 'day'). Rows with as_of
    after ``eval_date`` are ignored. Status columns of ``works`` (e.g. from ``queries.works``) are
    replaced. ``stages``: what each stage means (default: the seed's stages).
    """
    m = stages or stages_.seed_model()
    if works.empty:
        return pd.DataFrame([])
    s, hs = _frame_status(works, history, _to_date(eval_date), m, 1, full=True)
    cols: dict[str, object] = {}
    for c in works.columns:
        cols[c] = _plain_column(works[c])
    for c in ("baseline_year", "total_investment_vnd"):
        cols[c] = [_int(v) for v in works[c]] if c in works.columns else [None] * len(works)
    cols["area_ids"] = s["area_ids"].tolist()
    cols.update({
        "stage": _objects(s["stage"]), "is_handed_over": s["is_handed_over"].tolist(),
        "expected_year": _objects(s["expected_year"], int), "physical_pct": _objects(s["physical_pct"]),
        "disbursed_vnd": _objects(s["disbursed_vnd"], int), "status_as_of": _dates(s["status_as_of"]),
        "period_id": _objects(s["period_id"]), "delay_cause": _objects(s["delay_cause"]),
        "cause": _objects(s["cause"]), "cause_inferred": s["cause_inferred"].tolist(),
        "n_updates": s["n_updates"].tolist(), "n_changes": s["n_changes"].tolist(),
        "slipped_since": _dates(s["slipped_since"]), "stage_since": _dates(s["stage_since"]),
        "unchanged_dates": s["unchanged_dates"].tolist(), "note": _objects(s["note"]),
        "note_as_of": _dates(s["note_as_of"]), "precisions": s["precisions"].tolist()})
    out = pd.DataFrame({c: _object_array(v) for c, v in cols.items()}).infer_objects()
    for c in _STATUS_INT:
        if c in out.columns:
            out[c] = out[c].astype("Int64")
    return out


def _object_array(values) -> np.ndarray:
    """A 1-d object array of the values (lists stay cells, never a second dimension)."""
    values = list(values)
    return np.fromiter(values, dtype=object, count=len(values))


def _plain_column(col: pd.Series):
    """``[_value(v) for v in col]`` (NaN/NA -> None, numpy scalars -> Python), vectorised where the
    frame built from it would hold the same column anyway."""
    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else "O"  # numpy dtypes only
    if kind in "iu":
        return col.to_numpy(dtype=np.int64)
    if kind == "b":
        return col.to_numpy(dtype=bool)
    if kind == "f" and col.notna().any():
        return col.to_numpy(dtype=float)
    return [_value(v) for v in col]


def _objects(col: pd.Series, convert=None) -> list:
    """Missing -> None, else the Python value (``convert`` applied)."""
    vals = col.tolist()
    if convert is None:
        return [None if fmt.is_missing(v) else v for v in vals] if col.dtype == object or col.dtype.kind == "f" \
            else [_value(v) for v in vals]
    return [None if v is None or v != v else convert(v) for v in vals]


def _dates(col: pd.Series | np.ndarray) -> list:
    """datetime64 (NaT) or date objects -> date objects (None)."""
    if col.dtype.kind == "M":
        return [None if v is None else v for v in np.asarray(col).astype("datetime64[D]").astype(object)]
    return [_to_date(v) for v in col]


def _order_by(*keys: np.ndarray) -> np.ndarray:
    """The positions that sort the rows by ``keys`` (integer arrays, the first the primary key;
    rows with equal keys keep their order): what ``np.lexsort(keys[::-1])`` gives. The keys, each
    less its lowest value, are packed into one int64, so one stable sort does it: a lexsort of three
    keys over 70,000 updates costs some 15 ms, this well under 1 ms (and a tenth of that when the
    rows come nearly in order, as the periods of a work do). Keys too wide: the lexsort."""
    n = len(keys[0])
    if not n:
        return np.zeros(0, dtype=np.int64)
    packed, bits = np.zeros(n, dtype=np.int64), 0
    for key in keys:
        key = np.asarray(key)
        low = int(key.min())
        width = (int(key.max()) - low).bit_length()
        bits += width
        if bits > 63:
            return np.lexsort(keys[::-1])
        packed <<= width
        packed |= np.subtract(key, low, dtype=np.int64)  # in int64 whatever the key's type
    return np.argsort(packed, kind="stable")


def _floats(values: np.ndarray) -> np.ndarray:
    """An object array's numbers as floats, NaN for anything else (``pd.to_numeric``, coerce)."""
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)


def _of_stage(s: dict, fn, dtype=bool) -> np.ndarray:
    """``fn(stage)`` for the stage of each work of the status ``s``, called once per distinct stage
    (``fn(None)`` for no stage)."""
    return np.array([fn(x) for x in s["stage_kinds"]] + [fn(None)], dtype=dtype)[s["stage_code"]]


def _date_values(col: pd.Series) -> np.ndarray:
    """as_of values (date, datetime, Timestamp, ISO text) -> datetime64[D], NaT when missing."""
    if col.dtype.kind == "M":
        values = col.to_numpy()
        if getattr(col.dtype, "tz", None) is None:
            return values.astype("datetime64[D]")
    return np.array([_to_date(v) for v in col], dtype="datetime64[D]")


def _frame_status(works: pd.DataFrame, history: pd.DataFrame, d: date, m: StageModel, k: int,
                  full: bool = False) -> tuple[dict, pd.DataFrame]:
    """(status, sorted history) from frames: ``_STATUS_SQL`` over them (the status: ``_finish_status``,
    one array per column). ``full`` adds the columns
    only ``status_as_of`` shows (unchanged_dates, precisions)."""
    as_of = _date_values(history["as_of"])
    keep = ~np.isnat(as_of) & (as_of <= np.datetime64(d, "D"))
    h = history[keep].assign(_d=as_of[keep])
    h = h.sort_values(["_d", "id"] if "id" in h.columns else ["_d"], kind="stable").reset_index(drop=True)
    n = len(h)

    def col(name):
        return h[name] if name in h.columns else pd.Series([None] * n, index=h.index, dtype=object)

    def text(c: pd.Series) -> pd.Series:
        return c.astype(object).where(c.map(lambda v: isinstance(v, str)), None)

    pid = col("period_id")
    def given(c: pd.Series) -> pd.Series:  # bool(_value(v)) per value (a text: not empty)
        return pd.Series([bool(v) if type(v) is str else bool(_value(v)) for v in c.tolist()], index=c.index,
                         dtype=bool)

    pid_ok = given(pid) if n else pd.Series([], dtype=bool)
    prec = col("as_of_precision")
    prec = prec.where(given(prec), "day") if n else prec
    day_text = pd.Series(h["_d"].to_numpy().astype(str), index=h.index)
    hf = pd.DataFrame({
        "work_id": col("work_id").astype(object), "seq": np.arange(n, dtype=np.int64),
        "as_of": h["_d"].astype("datetime64[s]"),
        "stage": col("stage").astype(object).where(col("stage").notna(), None),
        "pct": pd.to_numeric(col("physical_pct"), errors="coerce").astype(float),
        "period_key": np.where(pid_ok.to_numpy(bool), "p" + pid.astype(str), "d" + day_text).astype(object),
        "expected_year": pd.to_numeric(col("expected_year"), errors="coerce").astype(float),
        "note": text(col("note")), "delay_cause": text(col("delay_cause")),
        "prec": prec.astype(object)})
    wf = pd.DataFrame({
        "id": works["id"].astype(object),
        "baseline_year": pd.to_numeric(works["baseline_year"], errors="coerce").astype(float)
        if "baseline_year" in works.columns else np.nan,
        "_order": np.arange(len(works), dtype=np.int64)})
    sql = _STATUS_SQL.format(works=_FRAME_WORKS, history=_FRAME_HISTORY, nonblank=_NONBLANK,
                             run_dates=", list(as_of ORDER BY pos) AS run_dates" if full else "",
                             run_dates_col=", run.run_dates" if full else "")
    cur = _frame_db(len(hf))
    try:
        cur.register("_h", hf)
        cur.register("_w", wf)
        r = cur.execute(sql, {"k": k}).df()
    finally:
        cur.close()
    # values of the newest update (and of the newest note, cause) as given in ``history``
    has = r["n_updates"].to_numpy() > 0
    last = np.where(has, r["last_seq"].fillna(-1).to_numpy(np.int64), -1)

    def pick(name, seqs) -> list:
        values = col(name).tolist()
        return [None if i < 0 else _value(values[i]) for i in seqs]

    derived = {
        "n_updates": r["n_updates"].to_numpy(np.int64), "stage": _object_array(pick("stage", last)),
        "handed": _object_array(pick("is_handed_over", last)),
        "expected_year": r["expected_year"].astype(float).to_numpy(), "n_changes": r["n_changes"].to_numpy(np.int64),
        "physical_pct": _object_array(pick("physical_pct", last)),
        "disbursed_vnd": _object_array([_int(v) for v in pick("disbursed_vnd", last)]),
        "period_id": _object_array(pick("period_id", last)),
        "note": _object_array([None if v is None else v.strip() for v in
                               pick("note", r["note_seq"].fillna(-1).to_numpy(np.int64))]),
        "delay_cause": _object_array(pick("delay_cause", r["cause_seq"].fillna(-1).to_numpy(np.int64))),
        "run_len": r["run_len"].to_numpy(np.int64),
        **{c: r[c].to_numpy(object) for c in ("last_prec", "stage_since_prec", "run_first_prec")},
        **{c: pd.to_datetime(r[c]).to_numpy().astype("datetime64[D]") for c in _STATUS_DATES}}
    if full:
        groups: dict = {}
        for w_, d_, p_ in zip(col("work_id").tolist(), _dates(h["_d"]), prec.tolist()):
            groups.setdefault(_value(w_), {})[d_] = p_
        derived["precisions"] = _object_array([dict(groups.get(_value(w_), {})) for w_ in works["id"]])
        derived["unchanged_dates"] = _object_array([[] if not isinstance(v, (list, np.ndarray))
                                                    else _dates(pd.Series(v)) for v in r["run_dates"]])
    n_w = len(works)

    def static(c, convert=_value):
        return [convert(v) for v in works[c]] if c in works.columns else [None] * n_w

    area = works["area_ids"] if "area_ids" in works.columns else [None] * n_w
    return _finish_status(derived, {
        "id": static("id"), "name": static("name"), "total_investment_vnd": static("total_investment_vnd", _int),
        "baseline_year": static("baseline_year", _int),
        "area_ids": [list(a) if isinstance(a, (list, tuple, np.ndarray)) else [] for a in area]}, m), h


# ``evaluate`` reads the updates as numbers (a Python string per update costs more than the rest):
# the work, stage, cause and period as keys of their texts (``_key``: DuckDB's 64-bit hash, halved
# so that it is never negative; -1: none; an update without a period stands for its date, a
# negative key), NULL numbers as NaN, and the notes apart (only those not blank). Keyed by the
# work, the updates need no join with the works when every work is in scope (a province's single
# programme). The texts of the keys come from the small tables (stage, delay_cause,
# reporting_period: ``_db_keys_sql``, read before the updates); when the updates hold a text the
# tables do not, from the updates themselves (``_db_names_sql``, read after them, so it names every
# update read). The status is derived with numpy over the updates sorted by (work, as_of, id). Two
# texts (or two work ids) with one key, about one chance in 10^15 for a province's texts, are found
# (``_texts``, ``_db_reads``) and the status is then derived from frames, the texts themselves; a
# text outside the tables sharing the key of one inside is not, a chance smaller still. For 5,000
# works and 70,000 updates, the reads took 13 ms this way against 23 ms joined and ranked in SQL.
_KEY_SHIFT = 1  # the key is the hash shifted right by this many bits (a test makes keys collide)


def _key(column: str) -> str:
    """The key of the text ``column`` (not NULL) in SQL: a non-negative BIGINT (PostgreSQL: lib/pg.py's ``hash``)."""
    return f"(hash({column}) >> {_KEY_SHIFT})::BIGINT"


# the kinds of rows of ``_db_keys_sql`` and ``_db_names_sql`` (their ``kind`` column)
_STAGE, _CAUSE, _PERIOD, _AREA, _WORK_AREA, _WORKS = range(6)


def _db_keys_sql() -> str:
    """What the status needs besides the updates, from the small tables, in one read: the texts
    the updates read keys (kind, name, k: ``_key``) with what the status takes from them (a stage's
    is_handed_over as ``flag``; a period's month precision as ``flag`` and its as_of as ``n``, days
    since 1970-01-01), the areas in their order (``n``: its place), each work's areas (k: the work's
    key, n: the area's place) and how many works the database holds (``n``). The updates hold the
    tables' texts as a rule (the app writes no other); when they hold another, ``_db_names_sql``
    reads their texts instead."""
    return f"""
WITH ar AS (SELECT id, (row_number() OVER (ORDER BY sort_order, id))::INTEGER AS n FROM area)
SELECT {_STAGE} AS kind, code AS name, {_key('code')} AS k, coalesce(is_handed_over, FALSE) AS flag,
       NULL::INTEGER AS n FROM stage
UNION ALL SELECT {_CAUSE}, code, {_key('code')}, FALSE, NULL::INTEGER FROM delay_cause WHERE code <> ''
UNION ALL SELECT {_PERIOD}, id, {_key('id')}, coalesce(as_of_precision = 'month', FALSE),
       (as_of - DATE '1970-01-01')::INTEGER FROM reporting_period WHERE id <> ''
UNION ALL SELECT {_AREA}, id, NULL::BIGINT, FALSE, n FROM ar
UNION ALL SELECT {_WORK_AREA}, NULL, {_key('wa.work_id')}, FALSE, ar.n FROM work_area wa JOIN ar ON ar.id = wa.area_id
UNION ALL SELECT {_WORKS}, NULL, NULL::BIGINT, FALSE, count(*)::INTEGER FROM work"""


def _db_names_sql() -> str:
    """The texts the updates hold (stage, cause, period; the columns of ``_db_keys_sql``), read from
    the updates themselves: when they hold a text the tables do not (a scan of every update, so only
    then)."""
    return f"""
SELECT {_STAGE} AS kind, x.stage AS name, {_key('x.stage')} AS k, coalesce(s.is_handed_over, FALSE) AS flag,
       NULL::INTEGER AS n
FROM (SELECT DISTINCT stage FROM status_update WHERE stage IS NOT NULL) x LEFT JOIN stage s ON s.code = x.stage
UNION ALL
SELECT {_CAUSE}, x.delay_cause, {_key('x.delay_cause')}, FALSE, NULL::INTEGER
FROM (SELECT DISTINCT delay_cause FROM status_update WHERE delay_cause <> '') x
UNION ALL
SELECT {_PERIOD}, x.period_id, {_key('x.period_id')}, coalesce(rp.as_of_precision = 'month', FALSE),
       (rp.as_of - DATE '1970-01-01')::INTEGER
FROM (SELECT DISTINCT period_id FROM status_update WHERE period_id <> '') x
LEFT JOIN reporting_period rp ON rp.id = x.period_id"""


def _db_updates_sql() -> str:
    """The updates as numbers (``{scope}``: the join that keeps the works in scope, or nothing):
    wh (``_key`` of the work id), day (as_of as days since 1970-01-01), id, st, pct, pk, y, cz."""
    return f"""
SELECT {_key('su.work_id')} AS wh, (su.as_of - DATE '1970-01-01')::INTEGER AS day, su.id,
       CASE WHEN su.stage IS NULL THEN -1 ELSE {_key('su.stage')} END AS st,
       coalesce(su.physical_pct::DOUBLE, 'NaN'::DOUBLE) AS pct,
       CASE WHEN su.period_id <> '' THEN {_key('su.period_id')}
            ELSE -1 - ((su.as_of - DATE '1970-01-01')::BIGINT + 2147483648) END AS pk,
       coalesce(su.expected_year::DOUBLE, 'NaN'::DOUBLE) AS y,
       CASE WHEN su.delay_cause <> '' THEN {_key('su.delay_cause')} ELSE -1 END AS cz
FROM status_update su {{scope}}
WHERE su.as_of <= $eval_date"""


def _db_notes_sql() -> str:
    """The updates whose note is not blank (one in twelve of the synthetic ones): wh, day, id, note.
    Read apart from the other columns: a text of every update, most of them NULL, was about 4.5 of
    the 12 ms of one read."""
    return f"""
SELECT {_key('su.work_id')} AS wh, (su.as_of - DATE '1970-01-01')::INTEGER AS day, su.id, su.note
FROM status_update su {{scope}}
WHERE su.as_of <= $eval_date AND regexp_matches(su.note, '{_NONBLANK}')"""


def _plan_read(db) -> dict:
    """What the funding-gap flag reads of the yearly plans (``capital_plan``, the rows with an
    amount allocated) as arrays, with each row's work key (``_key``): work_id, k, year,
    allocated_vnd. (A frame and the search by work id were 2 of the 3 ms of the flag for 5,000 works.)"""
    return db.numpy(f"""SELECT work_id, {_key('work_id')} AS k, year, allocated_vnd FROM capital_plan
WHERE allocated_vnd IS NOT NULL ORDER BY work_id, year""", {}, planned=True)


def _db_status(db, d: date, towns: list[str] | None, m: StageModel, k: int,
               programme: str | None = None) -> dict:
    """The status of the works of ``programme`` in ``towns`` as of ``d`` (``_finish_status``: one
    entry per work, in ``queries.works`` order): the rules of ``_frame_status``, derived with numpy
    from the updates read as numbers (from frames when two texts share a key, ``_texts``). (The
    reads run in turn: read side by side from a pool of threads they took about 6 ms less of 57 for
    5,000 works, but DuckDB's allocator then kept memory for each pool thread, and the server's
    peak rose by about 35 MB, issue 11's other target.)"""
    got = _db_reads(db, d, queries.scope_params(towns, programme))
    if got is None:
        return _frame_status(*load_inputs(db, d, towns, programme), d, m, k)[0]
    return _numeric_status(*got, m, k)


def _db_reads(db, d: date, params: dict) -> tuple | None:
    """(works, updates, notes, names) for ``_numeric_status``: the works of ``params`` (with
    ``area_ids``), their updates up to ``d`` and those of them with a note (each with ``wk``, its
    work's place in ``works``), and the texts of the keys (``_texts``); None when two texts (or two
    work ids) share a key."""
    works = db.numpy(*_works_read(params), planned=True)
    keys = db.numpy(_db_keys_sql(), {}, planned=True)
    kind, k, n = (np.ma.getdata(keys[c]) for c in ("kind", "k", "n"))
    whole = len(works["id"]) == int(n[kind == _WORKS][0])  # every work in scope: no join
    # the notes before the updates: updates are only ever added, so each note read is of an update
    # read (one written in between may bring a newer note, shown at the next read: a write bumps
    # the data version)
    notes = db.numpy(*_updates_read(params, d, whole, notes=True), planned=True)
    u = db.numpy(*_updates_read(params, d, whole), planned=True)
    names = _texts(keys)
    if names is not None and not all(  # a text the tables do not hold: the updates' own texts
            np.isin(v[v >= 0], names[c].keys).all() for c, v in (("stage", u["st"]), ("delay_cause", u["cz"]),
                                                                   ("period", u["pk"]))):
        names = None
    if names is None:
        names = _texts(db.numpy(_db_names_sql(), {}, planned=True))  # after the updates: it names them all
    work = pd.Index(np.asarray(works["k"], dtype=np.int64))  # a hash table: a search per update was 4 ms
    if names is None or not work.is_unique:
        return None
    for rows in (u, notes):  # each update to its work's place; a work not in scope (or gone): left out
        at = work.get_indexer(np.asarray(rows["wh"], dtype=np.int64))
        found = at >= 0
        if not found.all():
            for c in list(rows):
                rows[c] = rows[c][found]
        rows["wk"] = at[found]
    pairs = kind == _WORK_AREA
    works["area_ids"] = _area_lists(len(work), work.get_indexer(k[pairs].astype(np.int64)), n[pairs],
                                    _objects_of(keys["name"])[kind == _AREA], n[kind == _AREA])
    return works, u, notes, names


def _area_lists(n_w: int, wk: np.ndarray, place: np.ndarray, area_ids: np.ndarray,
                area_places: np.ndarray) -> np.ndarray:
    """Each of ``n_w`` works' area ids in the areas' order, from the pairs (``wk``: the work's place,
    -1 not in scope; ``place``: the area's place among ``area_ids``, whose places are
    ``area_places``). Works with the same areas share one list, as the flags of one work share its
    list (ui/frame.py: no page changes a cell's list): a list per work was 2 ms of 5,000 works."""
    by_place = np.full(int(area_places.max(initial=0)) + 1, None, dtype=object)
    by_place[area_places] = area_ids
    keep = wk >= 0
    wk, place = wk[keep], place[keep]
    o = _order_by(wk, place)
    wk, place = wk[o], place[o]
    out = _object_array([[]] * n_w)  # no area: one shared empty list
    if not len(wk):
        return out
    start = np.flatnonzero(np.r_[True, wk[1:] != wk[:-1]])
    count = np.diff(np.r_[start, len(wk)])
    one = start[count == 1]  # most works lie in one area: one list per area
    out[wk[one]] = _object_array([[a] for a in by_place.tolist()])[place[one]]
    shared: dict = {}
    for i, c in zip(start[count > 1].tolist(), count[count > 1].tolist()):
        key = tuple(place[i:i + c].tolist())
        if key not in shared:
            shared[key] = [by_place[x] for x in key]
        out[wk[i]] = shared[key]
    return out


class _Keyed(NamedTuple):
    """The texts of one kind of ``_db_keys_sql``/``_db_names_sql``, by key: ``keys`` ascending, and
    for each its ``name``, ``flag`` (a stage: handed over; a period: known to the month) and ``n`` (a
    period: its as_of in days since 1970-01-01; -2**62: unknown)."""
    keys: np.ndarray
    name: np.ndarray
    flag: np.ndarray
    n: np.ndarray

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in this table, found) of each key (a key not found: position 0)."""
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return at, self.keys[at] == keys


def _texts(rows: dict) -> dict[str, _Keyed] | None:
    """The texts of a read of ``_db_keys_sql`` or ``_db_names_sql`` by kind ('stage', 'delay_cause',
    'period'); None when two texts of one kind share a key (about one chance in 10^15)."""
    kind, keys = np.ma.getdata(rows["kind"]), np.ma.getdata(rows["k"])
    n = np.ma.getdata(rows["n"]).astype(np.int64)
    n[np.ma.getmaskarray(rows["n"])] = -(2 ** 62)
    name = _objects_of(rows["name"])
    out = {}
    for code, c in ((_STAGE, "stage"), (_CAUSE, "delay_cause"), (_PERIOD, "period")):
        mine = np.flatnonzero(kind == code)
        mine = mine[np.argsort(keys[mine], kind="stable")]
        k = keys[mine].astype(np.int64)
        if len(k) > 1 and (k[1:] == k[:-1]).any():  # two texts, one key
            return None
        out[c] = _Keyed(k, name[mine], np.asarray(rows["flag"], dtype=bool)[mine], n[mine])
    return out


def _numeric_status(works: dict, u: dict, notes: dict, names: dict, m: StageModel, k: int) -> dict:
    """``_db_status`` from what ``_db_reads`` read, as ``Database.numpy`` arrays: ``works``
    (``_works_read``), the updates ``u`` (``_db_updates_sql``) and ``notes`` (``_db_notes_sql``), all
    of them up to the evaluation date, each with ``wk``; ``names``: the texts of the keys
    (``_texts``), so that no text is read per update. The status leaves period_id and disbursed_vnd
    unknown (None): no rule reads them (``status_as_of`` shows them, from frames)."""
    n_w, n = len(works["id"]), len(u["id"])
    def col(name, dtype=None, missing=None, frame=u) -> np.ndarray:  # a column as plain numpy (NULL: ``missing``)
        v = frame[name]
        v = v.to_numpy() if isinstance(v, pd.Series) else v
        if isinstance(v, np.ma.MaskedArray):
            v = v.astype(dtype or v.dtype).filled(missing)
        return np.asarray(v, dtype=dtype)

    # sorted by (work, as_of, id); the integer columns keep the narrow types they were read with
    order = _order_by(col("wk"), col("day"), col("id"))
    wk, day, st, pk = (col(c)[order] for c in ("wk", "day", "st", "pk"))
    pct = col("pct", float, np.nan)[order]
    y = col("y", float, np.nan)[order]
    pos = np.arange(n)
    # each work's updates: [first, end) in the sorted arrays
    counts = np.bincount(wk, minlength=n_w)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    has = counts > 0
    last = np.where(has, first + counts - 1, -1)
    lastc = np.maximum(last, 0)

    def latest(mask, groups=None, positions=pos, size=n_w) -> np.ndarray:
        """Per work: the newest position where ``mask`` (positions ascend within a work), else -1.
        ``groups``: the work of each position (default: the updates, each work's run [first, end))."""
        out = np.full(size, -1, dtype=np.int64)
        if groups is None:  # the updates: a maximum over each work's run
            if n:
                out[has] = np.maximum.reduceat(np.where(mask, pos, -1), first[has])
            return out
        mg, mp = groups[mask], positions[mask]
        if len(mg):
            end = np.r_[mg[1:] != mg[:-1], True]
            out[mg[end]] = mp[end]
        return out

    def earliest(mask, groups=wk, positions=pos, size=n_w) -> np.ndarray:
        out = np.full(size, -1, dtype=np.int64)
        mg, mp = groups[mask], positions[mask]
        if len(mg):
            start = np.r_[True, mg[1:] != mg[:-1]]
            out[mg[start]] = mp[start]
        return out

    def day_of(p) -> np.ndarray:  # positions (-1: none) -> datetime64[D] (NaT)
        nat = np.int64(np.iinfo(np.int64).min)  # an int64, so that an int32 day is widened to hold it
        return np.where(p >= 0, day[np.maximum(p, 0)] if n else nat, nat).astype("datetime64[D]")

    # precision of a date: that of the newest update of the work with that as_of
    same = np.ones(n, dtype=bool)
    same[:-1] = (wk[1:] != wk[:-1]) | (day[1:] != day[:-1])  # last update of its (work, day)
    day_end = np.flatnonzero(same)
    periods = names["period"]

    def prec_of(p) -> np.ndarray:  # 'day', 'month' or None (p: -1)
        if not n:
            return np.full(len(p), None, dtype=object)
        last_of_day = day_end[np.searchsorted(day_end, np.maximum(p, 0))]
        at, found = periods.find(pk[last_of_day])  # a month's precision: the update of its period's date
        month = found & periods.flag[at] & (periods.n[at] == day[last_of_day])
        return _PRECISIONS[np.where(p >= 0, month, 2)]

    # the final run of the same stage
    broken = st != st[lastc[wk]] if n else np.zeros(0, dtype=bool)
    stage_since = np.where(has, np.maximum(latest(broken) + 1, first), -1)
    # the expected years given
    known_y = ~np.isnan(y)
    y_last = latest(known_y)
    base = col("baseline_year", float, np.nan, works)
    vy, vw, vp = y[known_y], wk[known_y], pos[known_y]
    prev = np.empty(len(vy))
    if len(vy):
        prev[1:] = vy[:-1]
        prev[np.r_[True, vw[1:] != vw[:-1]]] = np.nan
        prev = np.where(np.isnan(prev), base[vw], prev)
    changes = ~np.isnan(prev) & (vy != prev)
    n_changes = np.bincount(vw[changes], minlength=n_w).astype(np.int64)
    late = vy > base[vw]  # NaN baseline: never late
    not_late = latest(~late, vw, vp)
    slipped = earliest(late & (vp > not_late[vw]), vw, vp)
    # one update per period (its newest), in date order (then the period's first update)
    # the period of each update as a small number (its place among the periods; an update without
    # a period: after them, by its date), so that one packed sort orders (work, period)
    at, found = periods.find(pk)
    if n and not found[pk >= 0].all():  # defensive (``_db_reads`` names every key it read): the key itself
        pcode = pk
    else:
        pcode = np.where(pk >= 0, at, len(periods.keys) + day.astype(np.int64) - (int(day.min()) if n else 0))
    po = _order_by(wk, pcode)  # ties: by position
    wk_po, pk_po = wk[po], pcode[po]
    ends = np.ones(n, dtype=bool)
    ends[:-1] = (wk_po[1:] != wk_po[:-1]) | (pk_po[1:] != pk_po[:-1])
    starts = np.r_[True, ends[:-1]] if n else ends
    p_last, p_first = po[ends], po[starts]
    p_sorted = _order_by(wk[p_last], day[p_last], p_first)
    pl = p_last[p_sorted]  # the update standing for each period, in order
    pw = wk[pl]
    p_count = np.bincount(pw, minlength=n_w)
    p_start = np.concatenate([[0], np.cumsum(p_count)[:-1]]).astype(np.int64)
    p_end = p_start + p_count - 1
    pend_of = p_end[pw]
    same_st = st[pl] == st[pl[pend_of]] if len(pl) else np.zeros(0, dtype=bool)
    pa, pb = pct[pl], pct[pl[pend_of]] if len(pl) else pct[:0]
    same_pct = (pa == pb) | (np.isnan(pa) & np.isnan(pb))
    p_pos = np.arange(len(pl))
    brk = latest(~(same_st & same_pct), pw, p_pos)
    run_start = np.maximum(brk + 1, p_start)
    run_len = np.where(p_count > 0, p_end - run_start + 1, 0)
    run_first = np.where(run_len > 0, pl[np.minimum(run_start, max(len(pl) - 1, 0))] if len(pl) else -1, -1)
    nth = run_start + k - 1
    run_nth = np.where(run_len >= k, pl[np.minimum(nth, max(len(pl) - 1, 0))] if len(pl) else -1, -1)
    # the texts shown: the newest note that is not blank (read apart), the stage of the newest
    # update and the newest cause (keys, named by ``names``)
    cz = col("cz")[order]
    cause_at = latest(cz >= 0)
    nwk = col("wk", frame=notes)
    newest = _order_by(nwk, col("day", frame=notes), col("id", frame=notes))
    newest = newest[np.r_[nwk[newest][1:] != nwk[newest][:-1], True]] if len(nwk) else newest
    note = np.full(n_w, None, dtype=object)
    note[nwk[newest]] = [v.strip() for v in np.asarray(notes["note"], dtype=object)[newest].tolist()]
    note_as_of = np.full(n_w, np.datetime64("NaT"), dtype="datetime64[D]")
    note_as_of[nwk[newest]] = col("day", frame=notes)[newest].astype("datetime64[D]")

    def named(p, keys, column) -> np.ndarray:  # the text of the key of update p of each work (None: p is -1)
        out = np.full(n_w, None, dtype=object)
        at, found = names[column].find(keys[np.maximum(p, 0)] if n else np.zeros(n_w, dtype=np.int64))
        got = (p >= 0) & found
        out[got] = names[column].name[at[got]]
        return out

    delay_cause = named(cause_at, cz, "delay_cause")
    stage = named(last, st, "stage")
    handed = np.full(n_w, None, dtype=object)
    if n:  # the stage's is_handed_over (a stage not in the stage table, or none: not handed over)
        at, found = names["stage"].find(st[last[has]])
        handed[has] = (found & names["stage"].flag[at]).tolist()
    physical = np.where(has, pct[lastc], np.nan) if n else np.full(n_w, np.nan)
    r = {
        "n_updates": counts.astype(np.int64), "stage": stage, "handed": handed,
        "expected_year": np.where(y_last >= 0, y[np.maximum(y_last, 0)] if n else np.nan, np.nan),
        "n_changes": n_changes, "physical_pct": _objects_of(np.ma.masked_invalid(physical)), "pct": physical,
        "baseline": np.trunc(base),  # as int() of each (``_ints_of``)
        "disbursed_vnd": np.full(n_w, None, dtype=object), "period_id": np.full(n_w, None, dtype=object),
        "note": note,
        "delay_cause": delay_cause, "run_len": run_len.astype(np.int64),
        "last_prec": prec_of(last), "stage_since_prec": prec_of(stage_since), "run_first_prec": prec_of(run_first),
        "status_as_of": day_of(last), "slipped_since": day_of(slipped), "stage_since": day_of(stage_since),
        "run_first": day_of(run_first), "run_nth": day_of(run_nth), "note_as_of": note_as_of}
    out = _finish_status(r, {
        "id": _objects_of(works["id"]), "name": _objects_of(works["name"]),
        "total_investment_vnd": _ints_of(works["total_investment_vnd"]),
        "baseline_year": _ints_of(works["baseline_year"]),
        "area_ids": works["area_ids"]}, m)
    out["k"] = np.asarray(works["k"], dtype=np.int64)  # each work's key, as ``_plan_read`` keys the plans
    return out


def _objects_of(values) -> np.ndarray:
    """A column read with ``Database.numpy`` (a numpy or masked array; or a Series) as an object
    array of Python values, None for NULL."""
    if isinstance(values, pd.Series):
        return _object_array(_nones(values))
    out = np.ma.getdata(values).astype(object)
    if isinstance(values, np.ma.MaskedArray):
        out[np.ma.getmaskarray(values)] = None
    return out


def _ints_of(values) -> np.ndarray:
    """A numeric column read with ``Database.numpy`` as an object array of ``int(value)``, None for NULL."""
    if isinstance(values, pd.Series):
        return _object_array(_nones(values, int))
    data = np.ma.getdata(values)
    if data.dtype.kind not in "iuf":
        return _object_array([None if v is None else int(v) for v in _objects_of(values).tolist()])
    gone = np.ma.getmaskarray(values)
    out = np.where(gone, 0, data).astype(np.int64).astype(object)  # int() of a float: towards zero
    out[gone] = None
    return out


def _nones(col: pd.Series, convert=None) -> list:
    """The values of a column read from the database, missing -> None (``convert`` applied)."""
    if convert is int and col.dtype.kind in "iu":
        return col.tolist()
    missing = col.isna().to_numpy()
    return [None if gone else (v if convert is None else convert(v)) for v, gone in zip(col.tolist(), missing)]


def _none_if_missing(values: np.ndarray) -> np.ndarray:
    """An object array with None for each missing value (NaN, NA, NaT)."""
    gone = pd.isna(values)
    return np.where(gone, None, values) if gone.any() else values


def _finish_status(r: dict, static: dict, m: StageModel) -> dict[str, np.ndarray]:
    """The status the rules read: one numpy array per column, one entry per work (in the order of
    ``works``), None for a missing value in the object columns (no frame: the rules read arrays).

    ``r``: the columns derived from the updates, as numpy arrays (``_numeric_status``,
    ``_frame_status``): n_updates, stage, handed (None: unknown), expected_year (float, NaN),
    n_changes, physical_pct, disbursed_vnd, period_id, note, delay_cause, run_len, the three
    ``*_prec`` and ``_STATUS_DATES`` (datetime64[D]); optionally precisions, unchanged_dates, and
    pct and baseline (physical_pct and baseline_year as floats, NaN unknown; else derived here).
    ``static``: the columns of the works (id, name, total_investment_vnd, baseline_year, area_ids)."""
    stage = _none_if_missing(r["stage"])
    s = {c: v if isinstance(v, np.ndarray) and v.dtype == object else _object_array(v) for c, v in static.items()}
    s["stage_code"], s["stage_kinds"] = pd.factorize(stage)  # for ``_of_stage``
    handed = r["handed"]
    known = ~pd.isna(handed)
    is_handed = np.where(known, np.where(known, handed, False).astype(bool),
                         _of_stage(s, lambda x: x in m.handed_over))
    delay_cause = r["delay_cause"]
    recorded = ~pd.isna(delay_cause)
    implied_of = {x.code: x.implied_cause for x in m.stages}
    implied = _of_stage(s, implied_of.get, object)
    inferred = ~recorded & ~pd.isna(implied) & (r["n_updates"] > 0)
    s.update({
        "n_updates": r["n_updates"], "stage": stage, "is_handed_over": is_handed.astype(bool),
        "expected_year": r["expected_year"], "n_changes": r["n_changes"], "physical_pct": r["physical_pct"],
        "disbursed_vnd": r["disbursed_vnd"], "period_id": r["period_id"], "delay_cause": delay_cause,
        "cause": np.where(recorded, delay_cause, np.where(inferred, implied, None)), "cause_inferred": inferred,
        "note": _none_if_missing(r["note"]), "run_len": r["run_len"],
        "pct": r["pct"] if "pct" in r else _floats(r["physical_pct"]),
        "baseline": r["baseline"] if "baseline" in r else _floats(s["baseline_year"]),
        **{c: r[c] for c in ("last_prec", "stage_since_prec", "run_first_prec", *_STATUS_DATES)}})
    for c in ("precisions", "unchanged_dates"):
        if c in r:
            s[c] = r[c]
    return s


# -- the rules: boolean masks over the status of all works; sentences only for the flagged -------------
def _stage_text(stage, pct, m: StageModel, lang: str) -> str:
    if stage is None:
        return t("flags.stage.unknown", lang)
    if stage in m.building:
        if pct is None:
            return t("flags.stage.construction_unknown", lang)
        return t("flags.stage.construction_pct", lang, pct=fmt.percent(pct, lang))
    key = f"flags.stage.{stage}"  # the sentence's wording of a stage (lib/locales/flags.json), else its name
    text = t(key, lang)
    if text != key:
        return text
    return m.label(stage, lang).lower() if m.get(stage) else str(stage)


def _date_text(d: date | None, precision, lang: str) -> str:
    """An update date of the work, as precisely as it is known ('tháng 12/2022' or '31/12/2022')."""
    return fmt.as_of(d, precision or "day", lang)


def _window_start(due: date, months: int) -> date:
    """First day ``d`` with due <= add_months(d, months)."""
    start = add_months(due, -months)
    return start if add_months(start, months) >= due else start + timedelta(days=1)


def _py(v):
    """A status value as the sentences and rows take it: None for missing, dates as date."""
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v.astype("datetime64[D]").item()
    if isinstance(v, float) and v != v:
        return None
    return v.item() if isinstance(v, np.generic) else v


def _days(values: np.ndarray) -> list:
    """datetime64[D] values -> date objects (None for NaT)."""
    return values.astype("datetime64[D]").astype(object).tolist()


def _cached(fn):
    """``fn`` remembered per arguments, for one evaluation (the sentences repeat)."""
    memo: dict = {}

    def call(*args):
        if args not in memo:
            memo[args] = fn(*args)
        return memo[args]
    return call


def _flag_blocks(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> list[dict]:
    """One block per rule (and grade): the positions of the works flagged and the fields of their
    flags (one value for all, or a list or array with one per flag). ``s``: ``_finish_status``."""
    n = len(s["id"])
    handed = s["is_handed_over"]
    year = s["expected_year"]
    has_year = ~np.isnan(year)
    year_i = np.where(has_year, year, 0).astype(np.int64)
    stage = s["stage"]
    stage_known = s["stage_code"] >= 0
    inproc = _of_stage(s, lambda x: x in m.procedure)
    pct = s["physical_pct"]
    blocks: list[dict] = []

    texts: dict = {}

    def stage_text(i) -> str:  # one sentence per (stage, physical %)
        key = (_py(stage[i]), _py(pct[i]))
        if key not in texts:
            texts[key] = _stage_text(*key, m, lang)
        return texts[key]

    date_text = _cached(lambda x, p: _date_text(x, p, lang))
    msg = _cached(lambda key, *kw: t(key, lang, **dict(kw)))

    def words(key, **values) -> list[str]:  # sentence ``key`` for each flag's values, written once per distinct values
        memo: dict = {}
        out = []
        for row in zip(*values.values()):
            text = memo.get(row)
            if text is None:
                text = memo[row] = t(key, lang, **dict(zip(values, row)))
            out.append(text)
        return out

    # overdue: not handed over, past 31/12 of the expected year
    idx = np.flatnonzero(~handed & has_year & (d.year > year_i))
    if len(idx):  # everything but the stage follows from the year: worded once per year
        years, at = np.unique(year_i[idx], return_inverse=True)
        today = fmt.day(d, lang)
        grades, messages, months, since = [], [], [], []
        for y in years.tolist():
            due = date(y, 12, 31)
            mo = whole_months(due, d)
            kw = {"year": y, "date": today, "months": mo, "days": (d - due).days}
            if mo >= th.overdue_severe_months:
                grade, message = "severe", t("flags.msg.overdue_severe", lang, **kw)
            elif mo >= th.overdue_red_months:
                grade, message = "late", t("flags.msg.overdue", lang, **kw)
            elif mo >= th.overdue_delayed_months:
                grade, message = "delayed", t("flags.msg.overdue", lang, **kw)
            else:
                grade, message = "new", t("flags.msg.overdue_new", lang, **kw)
            grades.append(grade)
            messages.append(message)
            months.append(mo)
            since.append(due + timedelta(days=1))
        months_late = np.array(months, dtype=np.int64)[at]
        message = _object_array(messages)[at]
        for j in np.flatnonzero(inproc[idx]).tolist():  # the reason it is red before overdue_red_months
            message[j] = msg("flags.msg.with_stage", ("message", message[j]), ("stage", stage_text(idx[j])))
        blocks.append({"_idx": idx, "rule": "overdue",
                       "severity": np.where((months_late >= th.overdue_red_months) | inproc[idx], "red", "amber"),
                       "grade": _object_array(grades)[at], "months_late": months_late,
                       "since": _object_array(since)[at], "message": message})

    # stalled: paused (red), or the same known stage and physical % over the last periods (amber)
    paused = ~handed & stage_known & _of_stage(s, lambda x: x in m.paused)
    idx = np.flatnonzero(paused)
    if len(idx):
        since = _days(s["stage_since"][idx])
        precs = s["stage_since_prec"][idx]
        blocks.append({"_idx": idx, "rule": "stalled", "severity": "red", "grade": "paused", "since": since,
                       "message": words("flags.msg.paused", date=[date_text(x, p) for x, p in zip(since, precs)])})
    run_len = s["run_len"]
    idx = np.flatnonzero(~handed & stage_known & ~paused & (run_len >= th.stalled_periods))
    if len(idx):
        firsts = _days(s["run_first"][idx])
        precs = s["run_first_prec"][idx]
        blocks.append({"_idx": idx, "rule": "stalled", "severity": "amber", "grade": "no_progress",
                       "periods_unchanged": run_len[idx],
                       "since": _days(s["run_nth"][idx]),
                       "message": words("flags.msg.stalled", n=run_len[idx].tolist(),
                                        date=[date_text(x, p) for x, p in zip(firsts, precs)],
                                        stage=[stage_text(i) for i in idx.tolist()])})

    # at_risk: due within the window from the evaluation date, still early or being built
    early = ~stage_known | _of_stage(s, lambda x: x in m.early)
    pct_f = s["pct"]
    building = _of_stage(s, lambda x: x in m.building) & (np.isnan(pct_f) | (pct_f < 100))
    window = np.where(early, th.at_risk_months, np.where(building, th.at_risk_construction_months, -1))
    cand = np.flatnonzero(~handed & has_year & (year_i >= d.year) & (window >= 0))
    last_year = np.zeros(n, dtype=np.int64)  # the last expected year whose 31/12 is within the window
    for w_ in np.unique(window[cand]).tolist():
        last_due = add_months(d, w_)
        last_year[window == w_] = last_due.year - ((last_due.month, last_due.day) != (12, 31))
    idx = cand[year_i[cand] <= last_year[cand]]
    if len(idx):
        stage_since = _days(s["stage_since"][idx])
        rows = {"rule": "at_risk", "severity": [], "grade": [], "months_left": [], "since": [], "message": []}
        start_of = _cached(lambda due, w_: _window_start(due, w_))
        left_of = _cached(lambda due: whole_months(d, due))
        day_of = _cached(lambda due: fmt.day(due, lang))
        for i, stage_from in zip(idx, stage_since):
            y = int(year_i[i])
            due = date(y, 12, 31)
            left = left_of(due)
            since = max(start_of(due, int(window[i])), stage_from or d)
            key = "flags.msg.at_risk" if left else "flags.msg.at_risk_today" if d == due else "flags.msg.at_risk_due"
            message = msg(key, ("year", y), ("months", left), ("days", (due - d).days), ("date", day_of(due)),
                          ("stage", stage_text(i)))
            red = d == due and inproc[i]  # due today, procedures unfinished: certain to be late
            rows["severity"].append("red" if red else "amber")
            rows["grade"].append("due_in_procedures" if red else np.nan)
            rows["months_left"].append(left)
            rows["since"].append(due if red else since)
            rows["message"].append(message)
        blocks.append({"_idx": idx, **rows})

    # slipped: the expected year later than the baseline
    base = s["baseline"]
    idx = np.flatnonzero(~handed & ~np.isnan(base) & has_year & (year > base))
    if len(idx):
        b, cur = base[idx].astype(np.int64), year_i[idx]
        changes = s["n_changes"][idx]
        blocks.append({"_idx": idx, "rule": "slipped", "severity": "amber",
                       "years_slipped": cur - b, "n_changes": changes,
                       "since": _days(s["slipped_since"][idx]),
                       "message": words("flags.msg.slipped", baseline=b.tolist(), current=cur.tolist(),
                                        years=(cur - b).tolist(), changes=changes.tolist())})

    # stale: no update for more than stale_days
    last = s["status_as_of"]
    age = (np.datetime64(d, "D") - last).astype("timedelta64[D]").astype(np.int64)
    idx = np.flatnonzero(~handed & ~np.isnat(last) & (age > th.stale_days))
    if len(idx):
        lasts = _days(last[idx])
        precs = s["last_prec"][idx]
        blocks.append({"_idx": idx, "rule": "stale", "severity": "amber", "days_since_update": age[idx],
                       "since": _days(last[idx] + np.timedelta64(th.stale_days + 1, "D")),
                       "message": words("flags.msg.stale", days=age[idx].tolist(),
                                        date=[date_text(x, p) for x, p in zip(lasts, precs)],
                                        limit=[th.stale_days] * len(idx))})

    # incomplete: what is missing, in this order
    n_updates = s["n_updates"]
    gone = {"investment": pd.isna(s["total_investment_vnd"]),
            "expected_year": ~handed & ~has_year,
            "area": np.fromiter((not a for a in s["area_ids"].tolist()), dtype=bool, count=n),
            "status": n_updates == 0, "stage": (n_updates > 0) & ~stage_known}
    names = tuple(gone)
    what = np.zeros(n, dtype=np.int64)  # a bit per item missing, in the order of ``gone``
    for bit, v in enumerate(gone.values()):
        what |= v.astype(np.int64) << bit
    idx = np.flatnonzero(what)
    if len(idx):  # one sentence per combination missing
        labels = {"investment": t("flags.missing.investment", lang),
                  "expected_year": t("flags.missing.expected_year", lang),
                  "area": t("flags.missing.area", lang), "stage": t("flags.missing.stage", lang),
                  "status": t("flags.missing.status", lang)}
        combos, at = np.unique(what[idx], return_inverse=True)
        items = [tuple(c for bit, c in enumerate(names) if combo >> bit & 1) for combo in combos.tolist()]
        blocks.append({"_idx": idx, "rule": "incomplete", "severity": "amber",
                       "missing": [list(items[a]) for a in at.tolist()],
                       "message": _object_array([_incomplete_text(x, lang, labels) for x in items])[at]})
    return blocks


def _incomplete_text(missing: tuple, lang: str, labels: dict) -> str:
    return t("flags.msg.incomplete", lang, items=", ".join(labels[c] for c in missing))


def _funding_block(s: dict, plan: pd.DataFrame | dict | None, lang: str) -> list[dict]:
    """Works whose plan (years <= expected year, known amounts) allocates less than their total.
    ``plan``: rows (work_id, year, allocated_vnd), a frame, or the arrays ``_plan_read`` reads, whose
    rows find their work by its key (``k``) when the status has the works' keys (``_numeric_status``)."""
    n = len(s["id"])
    keyed = isinstance(plan, dict) and "k" in s
    if isinstance(plan, dict) and not keyed:  # a status from frames: by the work ids
        plan = pd.DataFrame({c: plan[c] for c in ("work_id", "year", "allocated_vnd")})
    if plan is None or (plan.empty if isinstance(plan, pd.DataFrame) else not len(plan["year"])) or not n:
        return []
    total = s["total_investment_vnd"]
    handed = s["is_handed_over"]
    handed = handed if handed.dtype == bool else np.array([bool(_value(v)) for v in handed.tolist()], dtype=bool)
    year = np.asarray(s["expected_year"], dtype=float)
    ok = ~handed & ~pd.isna(total) & ~np.isnan(year)
    if not ok.any():
        return []
    ids = pd.Index(s["k"] if keyed else s["id"])
    if ids.is_unique:  # each plan row to its work's position (-1: not in scope), no merge
        where = ids.get_indexer(plan["k"] if keyed else plan["work_id"]).astype(np.int64)
        amount = plan["allocated_vnd"]
        keep = (where >= 0) & np.asarray(pd.notna(amount), dtype=bool)
        keep[keep] &= ok[where[keep]]
        keep[keep] &= np.asarray(plan["year"])[keep] <= year[where[keep]]
        if not keep.any():  # no plan recorded (or no amount in it): unknown, not "nothing allocated"
            return []
        at, amounts = where[keep], np.asarray(amount)[keep]
    else:
        mine = pd.DataFrame({"work_id": s["id"][ok], "_year": year[ok], "_pos": np.flatnonzero(ok)})
        p = plan[["work_id", "year", "allocated_vnd"]]
        p = p[p["allocated_vnd"].notna()]
        j = mine.merge(p, on="work_id", how="inner")
        j = j[j["year"] <= j["_year"]]
        if j.empty:  # no plan recorded (or no amount in it): unknown, not "nothing allocated"
            return []
        at, amounts = j["_pos"].to_numpy(), j["allocated_vnd"].to_numpy()
    # the amounts allocated to each work, by its position
    if amounts.dtype.kind in "iu":  # whole đồng: summed exactly, with numpy
        o = np.argsort(at, kind="stable")
        at = at[o]
        starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        works, sums = at[starts].tolist(), np.add.reduceat(amounts[o].astype(np.int64), starts).tolist()
    else:
        sums = pd.Series(amounts).groupby(at, sort=True).sum()
        works, sums = sums.index.tolist(), [int(a) for a in sums.tolist()]
    idx, allocated, gaps, messages = [], [], [], []
    for pos, amount, gap in zip(works, sums, [int(total[p]) - a for p, a in zip(works, sums)]):
        if gap <= 0:
            continue
        tot = _value(total[pos])
        kw = {"year": int(year[pos]), "total": fmt.ty(tot, lang), "allocated": fmt.ty(amount, lang),
              "gap": fmt.ty(gap, lang)}
        idx.append(pos)
        allocated.append(amount)
        gaps.append(gap)
        messages.append(t("flags.msg.funding_gap", lang, **kw) if amount else t("flags.msg.funding_none", lang, **kw))
    if not idx:
        return []
    return [{"_idx": np.array(idx, dtype=np.int64), "rule": "funding_gap",
             "severity": ["amber" if a else "red" for a in allocated], "gap_vnd": gaps, "message": messages,
             "_cause": "von"}]


# -- evaluation -------------------------------------------------------------------------------
def flag_works(works: pd.DataFrame, history: pd.DataFrame, eval_date, thresholds: Thresholds | None = None,
               lang: str = "vi", plan: pd.DataFrame | dict | None = None,
               stages: StageModel | None = None) -> pd.DataFrame:
    """All flags of ``works`` as of ``eval_date``: one row per (work, rule), columns ``COLUMNS``,
    red first, then by rule (``RULES``) and the order of ``works``. ``stages``: what each stage
    means (``lib.stages``; default: the seed's stages). Pure."""
    d, th, m = _to_date(eval_date), thresholds or Thresholds(), stages or stages_.seed_model()
    if works.empty:
        return _frame(works.iloc[0:0], [])
    s, _ = _frame_status(works, history, d, m, th.stalled_periods)
    return _flags_of(s, d, th, m, lang, plan)


def _flags_of(s: dict, d: date, th: Thresholds, m: StageModel, lang: str,
              plan: pd.DataFrame | dict | None) -> pd.DataFrame:
    return _frame(s, _flag_blocks(s, d, th, m, lang) + _funding_block(s, plan, lang))


_FIELDS = ("grade", "months_late", "months_left", "years_slipped", "n_changes", "periods_unchanged",
           "days_since_update", "missing", "gap_vnd", "since")
_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_RULE_RANK = {r: i for i, r in enumerate(RULES)}


def _frame(s: dict, blocks: list[dict]) -> pd.DataFrame:
    """The flags frame from the blocks of ``_flag_blocks``/``_funding_block`` over the status ``s``
    (``_finish_status``): a field a rule does not give is NaN (NA in the whole-number columns), as
    in a frame built from one dict per flag and typed by ``infer_objects``. Each column is built
    once, as an array of its final type (no frame of objects converted column by column)."""
    if not blocks:
        df = pd.DataFrame([], columns=list(COLUMNS))
        df = df.astype({c: "Int64" for c in _INT_COLUMNS})
        df["cause_inferred"] = df["cause_inferred"].fillna(False).astype(bool)
        return df
    idx = np.concatenate([b["_idx"] for b in blocks])
    sizes = [len(b["_idx"]) for b in blocks]

    def spread(key, default) -> np.ndarray:  # a field of every block (its values, or one for all), as objects
        parts = []
        for b, size in zip(blocks, sizes):
            v = b.get(key, default)
            if isinstance(v, np.ndarray):
                parts.append(v.astype(object))  # numpy numbers and texts -> Python ones
            elif isinstance(v, list):
                parts.append(_object_array(v))
            else:
                parts.append(np.full(size, v, dtype=object))
        return np.concatenate(parts)

    def whole(key) -> pd.arrays.IntegerArray:  # a whole-number field of every block; NA where not given
        values, missing = [], []
        for b, size in zip(blocks, sizes):
            v = b.get(key)
            if v is None:
                values.append(np.zeros(size, dtype=np.int64))
                missing.append(np.ones(size, dtype=bool))
                continue
            v = np.asarray(v) if isinstance(v, (list, np.ndarray)) else np.full(size, v)
            gone = pd.isna(v) if v.dtype.kind in "fO" else np.zeros(size, dtype=bool)
            values.append(np.where(gone, 0, v).astype(np.int64))
            missing.append(gone)
        return pd.arrays.IntegerArray(np.concatenate(values), np.concatenate(missing))

    def by_block(values, dtype=object) -> np.ndarray:  # one value per block, repeated for each of its flags
        return np.repeat(np.array(values, dtype=dtype), sizes)

    year = s["expected_year"][idx]
    no_year = np.isnan(year)
    year_i = np.where(no_year, 0, year).astype(np.int64)
    due = np.full(len(idx), None, dtype=object)
    if not no_year.all():  # 31/12 of the expected year, made once per year
        years, at = np.unique(year_i[~no_year], return_inverse=True)
        due[~no_year] = _object_array([date(y, 12, 31) for y in years.tolist()])[at]
    delay = by_block([b["rule"] in DELAY_RULES for b in blocks], bool)
    own_cause = by_block(["_cause" not in b for b in blocks], bool)
    cause = np.where(delay & own_cause, s["cause"][idx], np.where(delay, spread("_cause", None), None))
    rule = by_block([b["rule"] for b in blocks])
    sev = spread("severity", None)
    flagged, work_of = np.unique(idx, return_inverse=True)

    def of_work(column) -> pd.api.extensions.ExtensionArray:  # typed once per flagged work, one per flag
        return _typed(s[column][flagged]).take(work_of)

    sev_red = sev == "red"

    cols = {
        "work_id": of_work("id"), "work_name": of_work("name"), "rule": rule, "severity": sev, "cause": cause,
        "cause_inferred": np.where(delay & own_cause, s["cause_inferred"][idx], False).astype(bool),
        "message": spread("message", np.nan), "since": spread("since", np.nan), "due_date": due,
        "expected_year": pd.arrays.IntegerArray(year_i, no_year), "stage": of_work("stage"),
        "area_ids": s["area_ids"][idx], "note": of_work("note")}  # area_ids: a list each, objects
    for c in _FIELDS:
        if c != "since":
            cols[c] = whole(c) if c in _INT_COLUMNS else spread(c, np.nan)
    # red first, then by rule (``RULES``), then the order of the works
    order = _order_by(np.where(sev_red, _SEV_RANK["red"], _SEV_RANK["amber"]),
                      by_block([_RULE_RANK[b["rule"]] for b in blocks], np.int64), idx)
    columns = {}
    for c in COLUMNS:
        v = cols[c][order]
        columns[c] = _typed(v) if isinstance(v, np.ndarray) and v.dtype == object and c != "area_ids" else v
    return pd.DataFrame(columns, copy=False)  # every column is a new array


def _typed(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An object array with the type ``infer_objects`` gives a frame column of objects (texts:
    ``str``, numbers: numeric, NaN alone: float, dates and lists: object). Texts (and missing
    values) are made ``str`` directly: the same array, without inferring it (a tenth of a ms each)."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        return pd.array(values, dtype="str")
    return pd.Series(values, dtype=object).infer_objects().array


def funding_gap(status: pd.DataFrame, plan: pd.DataFrame | dict | None, lang: str = "vi") -> pd.DataFrame:
    """Works whose annual funding plan does not cover their total investment by their expected year.

    ``status``: one row per work (``status_as_of`` or ``queries.works``). ``plan``: rows
    (work_id, year, allocated_vnd). Need = total_investment_vnd; allocated = the sum of the plan's
    known amounts for years <= expected year. Gap > 0: amber, red when the plan allocates 0. Works
    handed over, with no amount or expected year, or with no plan amount recorded (unknown, never
    read as 0) are skipped. No plan (None or empty): no rows.
    """
    n = len(status)

    def values(c):
        return [_value(v) for v in status[c]] if c in status.columns else [None] * n

    s = {  # the columns of the status ``_funding_block`` and ``_frame`` read
        "id": _object_array(values("id")), "name": _object_array(values("name")),
        "total_investment_vnd": _object_array(values("total_investment_vnd")),
        "expected_year": pd.to_numeric(pd.Series(values("expected_year"), dtype=object), errors="coerce")
        .astype(float).to_numpy(),
        "is_handed_over": _object_array(values("is_handed_over")), "stage": _object_array(values("stage")),
        "area_ids": _object_array([list(a) if isinstance(a, (list, tuple, np.ndarray)) else []
                                   for a in (status["area_ids"] if "area_ids" in status.columns else [None] * n)]),
        "note": _object_array(values("note")), "cause": _object_array([None] * n),
        "cause_inferred": np.zeros(n, dtype=bool)}
    return _frame(s, _funding_block(s, plan, lang))


# -- one row per work: the grouping every page counts and lists with ------------------------------
BY_WORK_COLUMNS: tuple[str, ...] = (
    "work_id", "work_name", "severity", "n_flags", "rules", "severities", "messages", "cause",
    "cause_inferred", "delayed", "note", "since", "area_ids", "expected_year", "stage",
)
_CAUSE_SOURCE_ORDER = ("overdue", "stalled", "at_risk", "slipped")  # the work's own cause before 'von'
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def by_work(flags: pd.DataFrame) -> pd.DataFrame:
    """One row per flagged work, the grouping behind every count and list of flags. Pure.

    ``flags``: the frame of ``flag_works``/``evaluate`` (one row per work and rule). Returns
    ``BY_WORK_COLUMNS``, red works first, then amber; within a severity by the work's worst rule
    (``RULES`` order), then the order of the works:

    * work_id, work_name; severity: the worst of its flags ('red' or 'amber');
    * n_flags; rules, severities, messages: lists in the same order (worst flag first), one
      entry per flag (``messages`` are the reason sentences, in the language of ``flags``);
    * cause, cause_inferred: the cause of its delay flags (the recorded ``delay_cause``, else
      inferred from the stage, else None; 'von' when its only delay flag is a funding gap);
      delayed: whether it has a delay flag (``DELAY_RULES``) at all;
    * note: the secretary's newest note (status_update.note; plain text typed by a person);
    * since: the earliest start date among its flags of the worst severity (None if unknown);
    * area_ids, expected_year, stage: as in ``flags``.

    A work with several flags is one row; counting rows per severity gives the same numbers as
    ``counts_by_severity``.
    """
    if flags.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in BY_WORK_COLUMNS}).astype(
            {"n_flags": "int64", "cause_inferred": bool, "delayed": bool})
    n = len(flags)
    sev = _mapped(flags["severity"], _SEV_RANK)
    rule_col = flags["rule"]
    rank = _mapped(rule_col, _RULE_RANK)
    work, _ = pd.factorize(flags["work_id"])  # missing work_id: -1, left out as groupby does
    keep = work >= 0
    pos = np.arange(n)
    # the rows of each work together, worst flag first (severity, rule, place): its group as listed
    o = np.lexsort((pos, rank, sev, work))
    o = o[keep[o]]
    g = work[o]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(g)]
    top = o[starts]  # each work's first row in that order
    worst = sev[top]
    best_rule = np.minimum.reduceat(rank[o], starts) if len(g) else rank[:0]
    first = np.minimum.reduceat(o, starts) if len(g) else o[:0]

    def first_where(mask: np.ndarray) -> np.ndarray:
        """Per work: the row (a position of ``flags``) of its first flag in that order where ``mask``, else -1."""
        m = mask[o]
        out = np.full(len(starts), -1, dtype=np.int64)
        hit = np.flatnonzero(m)
        at = np.searchsorted(hit, starts)  # the first hit at or after the work's start
        ok = at < len(hit)
        ok[ok] &= hit[at[ok]] < ends[ok]
        out[ok] = o[hit[at[ok]]]
        return out

    rules_ = rule_col.to_numpy(object)
    delay = rule_col.isin(DELAY_RULES).to_numpy(bool)
    causes = flags["cause"].to_numpy(object)
    has_cause = delay & flags["cause"].notna().to_numpy(bool)
    own = first_where(has_cause & rule_col.isin(_CAUSE_SOURCE_ORDER).to_numpy(bool))
    any_ = first_where(has_cause)
    at = np.where(own >= 0, own, any_)
    inferred_col = flags["cause_inferred"].to_numpy(object)
    cause = [causes[p] if p >= 0 else None for p in at.tolist()]
    inferred = [bool(inferred_col[p]) if p >= 0 else False for p in at.tolist()]
    delayed = np.logical_or.reduceat(delay[o], starts) if len(g) else delay[:0]
    if "note" in flags.columns:
        notes = _values(flags["note"].to_numpy(object))
        noted = np.fromiter((bool(v) for v in notes), dtype=bool, count=n)
        note = [notes[p] if p >= 0 else None for p in first_where(noted).tolist()]
    else:
        note = [None] * len(starts)
    # since: the earliest start among the flags of the worst severity
    never = np.iinfo(np.int64).max
    gone = pd.isna(flags["since"]).to_numpy(bool)
    day_i = np.array([never if g else (v if type(v) is date else _to_date(v)).toordinal() - _EPOCH_ORDINAL
                      for v, g in zip(flags["since"].tolist(), gone.tolist())], dtype=np.int64)
    days = np.where(gone, np.datetime64("NaT"), day_i.astype("datetime64[D]"))
    worst_w = np.full(int(work.max()) + 1 if len(work) else 0, np.nan)
    worst_w[work[top]] = worst
    day_i = np.where(np.isnat(days) | ~keep | (sev != worst_w[np.maximum(work, 0)]), never, day_i)
    least = np.minimum.reduceat(day_i[o], starts) if len(g) else day_i[:0]
    since = [None if x == never else d for x, d in zip(least.tolist(),
                                                         least.astype("datetime64[D]").astype(object).tolist())]
    # red works first, then by the worst rule, then the order of the works: each work's values in that order
    rows = np.lexsort((first, best_rule, worst))
    top, bounds = top[rows], list(zip(starts[rows].tolist(), ends[rows].tolist()))

    def pick(values) -> list:
        return [values[i] for i in rows.tolist()]

    def at_top(column) -> np.ndarray:  # the column's value in each work's first row
        return flags[column].take(top).to_numpy(object)

    # the lists of each work, worst flag first
    messages_ = [m if type(m) is str else str(m) for m in flags["message"].tolist()]
    rl, sl = rules_[o].tolist(), flags["severity"].to_numpy(object)[o].tolist()
    ml = [messages_[p] for p in o.tolist()]
    out = pd.DataFrame({
        "work_id": at_top("work_id").tolist(), "work_name": _values(at_top("work_name")),
        "severity": [SEVERITIES[int(x)] for x in worst[rows].tolist()],
        "n_flags": (ends - starts)[rows].tolist(),
        "rules": [rl[a:b] for a, b in bounds], "severities": [sl[a:b] for a, b in bounds],
        "messages": [ml[a:b] for a, b in bounds], "cause": pick(cause), "cause_inferred": pick(inferred),
        "delayed": delayed[rows].tolist(), "note": pick(note), "since": pick(since),
        "area_ids": [list(a) if isinstance(a, (list, tuple, np.ndarray)) else [] for a in at_top("area_ids").tolist()],
        "expected_year": [None if v is None else int(v) for v in _values(at_top("expected_year"))],
        "stage": _values(at_top("stage"))})
    return out[list(BY_WORK_COLUMNS)]


def worst_per_work(flags: pd.DataFrame) -> pd.DataFrame:
    """One row per flagged work: its worst severity, number of flags, rules, areas (``by_work``)."""
    return by_work(flags)[["work_id", "severity", "n_flags", "rules", "area_ids"]]


def counts_by_severity(flags: pd.DataFrame) -> pd.DataFrame:
    """Per severity: works whose worst flag has it (each work counted once, as ``by_work``), and
    all flags."""
    worst = by_work(flags)
    return pd.DataFrame([{"severity": s, "n_works": int((worst["severity"] == s).sum()),
                          "n_flags": int((flags["severity"] == s).sum())} for s in SEVERITIES])


def severity_counts(works: pd.DataFrame) -> dict[str, int]:
    """{'red': n, 'amber': n} from a ``by_work`` frame: the one count every view shows."""
    return {s: int((works["severity"] == s).sum()) for s in SEVERITIES}


def counts_by_work_cause(works: pd.DataFrame,
                         causes: tuple[str, ...] = ("von", "thu_tuc", "gpmb", "khac")) -> pd.DataFrame:
    """From a ``by_work`` frame: per cause (None -> 'chua_ro'), the works whose cause it is, each
    work once, so the total equals the number of flagged works. Columns: cause, n_works,
    n_red, n_amber, n_inferred; every cause of ``causes`` then any other found, 'chua_ro' last."""
    w = works.assign(cause=works["cause"].where(works["cause"].notna(), UNKNOWN_CAUSE))
    found = [c for c in dict.fromkeys(w["cause"]) if c not in causes and c != UNKNOWN_CAUSE]
    rows = []
    for c in (*causes, *sorted(found), UNKNOWN_CAUSE):
        mine = w[w["cause"] == c]
        rows.append({"cause": c, "n_works": len(mine), "n_red": int((mine["severity"] == "red").sum()),
                     "n_amber": int((mine["severity"] == "amber").sum()),
                     "n_inferred": int(mine["cause_inferred"].astype(bool).sum())})
    return pd.DataFrame(rows)


def counts_by_town(flags: pd.DataFrame) -> pd.DataFrame:
    """Per area (a work in two areas counts in both; none -> 'chua-ro'): flagged works by worst severity."""
    worst = worst_per_work(flags)
    town = [list(a) if len(a) else [UNKNOWN_TOWN] for a in worst["area_ids"]]
    ex = pd.DataFrame({"work_id": worst["work_id"].to_numpy(object), "severity": worst["severity"].to_numpy(object),
                       "town": _object_array(town)}).explode("town")
    if ex.empty:
        return pd.DataFrame(columns=["town", "n_works", "n_red", "n_amber"])
    ex["_red"], ex["_amber"] = ex["severity"] == "red", ex["severity"] == "amber"
    return ex.groupby("town", sort=False).agg(
        n_works=("work_id", "nunique"), n_red=("_red", "sum"), n_amber=("_amber", "sum")).reset_index()


def trend_frames(works: pd.DataFrame, history: pd.DataFrame, periods: pd.DataFrame,
                 thresholds: Thresholds | None = None, rules=None, stages: StageModel | None = None) -> pd.DataFrame:
    """Per reporting period (oldest first), flags evaluated at its as_of: flagged works (each
    once, by worst severity) and works per rule. ``rules`` restricts the rules counted."""
    out = []
    for p in periods.sort_values("as_of").to_dict("records"):
        out.append(_trend_row(p, flag_works(works, history, p["as_of"], thresholds, stages=stages), rules))
    return pd.DataFrame(out)


def _trend_row(p: dict, f: pd.DataFrame, rules) -> dict:
    """One period of the trend: flagged works (each once, by worst severity), works per rule."""
    if rules is not None:
        f = f[f["rule"].isin(list(rules))]
    sev = counts_by_severity(f).set_index("severity")["n_works"]
    row = {"period_id": p["id"], "label_vi": p.get("label_vi"), "as_of": _to_date(p["as_of"]),
           "n_flagged": int(f["work_id"].nunique()), "n_red": int(sev["red"]), "n_amber": int(sev["amber"])}
    pairs = f[["rule", "work_id"]].drop_duplicates()
    per_rule = pairs["rule"].value_counts()
    row.update({f"n_{r}": int(per_rule.get(r, 0)) for r in RULES})
    return row


# -- labels ------------------------------------------------------------------------------------
def rule_label(rule: str, lang: str = "vi") -> str:
    return {"overdue": t("flags.rule.overdue", lang), "stalled": t("flags.rule.stalled", lang),
            "at_risk": t("flags.rule.at_risk", lang), "slipped": t("flags.rule.slipped", lang),
            "funding_gap": t("flags.rule.funding_gap", lang), "stale": t("flags.rule.stale", lang),
            "incomplete": t("flags.rule.incomplete", lang)}.get(rule, rule)


def severity_label(severity: str, lang: str = "vi") -> str:
    return {"red": t("flags.severity.red", lang), "amber": t("flags.severity.amber", lang)}.get(severity, severity)


def cause_note(inferred: bool, lang: str = "vi") -> str:
    """'suy ra từ giai đoạn' for an inferred cause, else ''."""
    return t("flags.cause_inferred", lang) if inferred else ""


# -- the tables of the flags (lib/tables specs: the screen wraps long names and reasons) ---------------
WORK_TABLE = Table("flags_by_work", (
    Col("severity", "flags.col.severity", "marker", width=13, wrap=False),
    Col("work", "flags.col.work", width=44),
    Col("reasons", "flags.col.reasons", width=77),
    Col("cause_text", "flags.col.cause", width=30),
    Col("note", "flags.col.note", width=26, missing=""),
    Col("since", "flags.col.since", "date", width=19, wrap=False, missing=""),
))
"""One row per flagged work (rows from ``work_table_rows``)."""

SHORT_TABLE = Table("flags_by_work_short", (
    Col("work", "flags.col.work", width=30),
    Col("reasons", "flags.col.reasons", width=52),
    Col("cause_text", "flags.col.cause", width=18),
))
"""The same rows, fewer columns: for the overview and the slides."""

CAUSES_TABLE = Table("flags_report_causes", (
    Col("label", "flags.col.cause", width=20),
    Col("report_text", "flags.col.report_text", width=62),
    Col("source_ref", "flags.col.source", width=18),
))
"""The general causes of delay named by the report (rows: ``queries.delay_causes``)."""


def cause_labels(causes: pd.DataFrame, lang: str = "vi") -> dict[str, str]:
    """Cause code -> label, from ``queries.delay_causes`` (columns code, label_vi, label_en)."""
    column = "label_vi" if lang == "vi" else "label_en"
    labels = dict(zip(causes["code"], causes[column]))
    labels[UNKNOWN_CAUSE] = t("flags.cause.unknown", lang)
    return labels


def cause_text(cause, inferred: bool, labels: dict[str, str], lang: str = "vi") -> str:
    """'GPMB và đền bù (suy ra từ giai đoạn)', the recorded cause, or 'Chưa rõ nguyên nhân'."""
    if fmt.is_missing(cause):
        return t("flags.cause.unknown", lang)
    text = labels.get(cause, str(cause))
    return t("flags.cause_with_note", lang, cause=text, note=cause_note(True, lang)) if inferred else text


def reasons_text(rules, messages, lang: str = "vi") -> str:
    """All the flags of a work, one per line: 'Quá hạn: Dự kiến hoàn thành 2022, ...'."""
    lines = []
    for r, m in zip(rules, messages):
        label = rule_label(r, lang)  # 'Thiếu số liệu: giai đoạn' already starts with its rule
        lines.append(m if m.casefold().startswith(label.casefold()) else
                     t("flags.reason_line", lang, rule=label, message=m))
    if len(lines) > 1:
        lines = [t("flags.reason_bullet", lang, line=line) for line in lines]
    return "\n".join(lines)


def work_table_rows(works: pd.DataFrame, labels: dict[str, str], lang: str = "vi") -> pd.DataFrame:
    """The rows of ``WORK_TABLE``/``SHORT_TABLE`` from a ``by_work`` frame (texts in ``lang``).
    Columns: work_id, severity, work ('GT-01 · name'), reasons, cause_text, note, since."""
    return pd.DataFrame({
        "work_id": works["work_id"].tolist(),
        "severity": works["severity"].tolist(),
        "work": [t("flags.work_line", lang, id=w, name=n if not fmt.is_missing(n) else "")
                 for w, n in zip(works["work_id"], works["work_name"])],
        "reasons": [reasons_text(r, m, lang) for r, m in zip(works["rules"], works["messages"])],
        "cause_text": [cause_text(c, i, labels, lang) for c, i in zip(works["cause"], works["cause_inferred"])],
        "note": [None if fmt.is_missing(n) else str(n) for n in works["note"]],
        "since": [None if fmt.is_missing(d) else d for d in works["since"]],
    }, columns=["work_id", "severity", "work", "reasons", "cause_text", "note", "since"])


# -- thin readers --------------------------------------------------------------------------------
_HISTORY_SQL = """
SELECT su.id, su.work_id, su.period_id, su.as_of, su.stage, su.physical_pct, su.disbursed_vnd,
       su.expected_year, su.delay_cause, su.note, coalesce(s.is_handed_over, FALSE) AS is_handed_over,
       CASE WHEN rp.as_of_precision = 'month' AND rp.as_of = su.as_of THEN 'month' ELSE 'day' END
           AS as_of_precision
FROM status_update su LEFT JOIN stage s ON s.code = su.stage
LEFT JOIN reporting_period rp ON rp.id = su.period_id
WHERE $eval_date IS NULL OR su.as_of <= $eval_date
ORDER BY su.work_id, su.as_of, su.id
"""
_STATUS_COLUMNS = ["expected_year", "stage", "stage_vi", "stage_en", "stage_order", "stage_color",
                   "is_handed_over", "oc4ids_status", "physical_pct", "disbursed_vnd", "status_as_of",
                   "period_id", "status_note", "delay_cause"]


def default_eval_date(db) -> date:
    """The newest reporting period's as_of; today when there is none."""
    return _to_date(db.scalar("SELECT max(as_of) FROM reporting_period")) or date.today()


def load_inputs(db, eval_date=None, towns: list[str] | None = None,
                programme: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(works, history): the works of ``programme`` (None: every programme) in ``towns`` (None:
    all) without status columns, and every status update with as_of <= ``eval_date`` (None: all)."""
    works = queries.works(db, towns, programme=programme)
    works = works.drop(columns=[c for c in _STATUS_COLUMNS if c in works.columns])
    history = db.query(_HISTORY_SQL, {"eval_date": _to_date(eval_date)})
    return works, history[history["work_id"].isin(works["id"])].reset_index(drop=True)


def stored_thresholds(db) -> Thresholds:
    """The thresholds of the ``setting`` table for drawing a page: a bad stored value (an older
    version, an edit by hand) gives way to its default; the frame says which (ui/frame.py)."""
    return Thresholds.from_settings(queries.settings(db), strict=False)


def evaluate(db, eval_date=None, towns: list[str] | None = None, thresholds: Thresholds | None = None,
             lang: str = "vi", plan: pd.DataFrame | dict | None = None, programme: str | None = None) -> pd.DataFrame:
    """Flags of the works of ``programme`` (None: every programme) in ``towns`` as of ``eval_date``
    (default: newest period's as_of), with the thresholds of the setting table unless given."""
    d = _to_date(eval_date) or default_eval_date(db)
    th = thresholds or stored_thresholds(db)
    m = stages_.model(db)
    plan = _plan_read(db) if plan is None else plan  # the yearly plans imported (funding_gap)
    # the status of each work, derived in the database (one row per work, not its history)
    return _flags_of(_db_status(db, d, towns, m, th.stalled_periods, programme), d, th, m, lang, plan)


def trend(db, towns: list[str] | None = None, thresholds: Thresholds | None = None, rules=None,
          programme: str | None = None) -> pd.DataFrame:
    """``trend_frames`` for the reporting periods of ``db``: the updates are read once (as
    ``evaluate`` reads them, up to the newest period), then each period's status is derived
    from those with as_of <= its date (numpy, no loop per work)."""
    th = thresholds or stored_thresholds(db)
    m = stages_.model(db)
    periods = queries.periods(db).sort_values("as_of").to_dict("records")
    dates = [_to_date(p["as_of"]) for p in periods]
    if not periods or any(x is None for x in dates):
        works, history = load_inputs(db, None, towns, programme)
        return trend_frames(works, history, queries.periods(db), th, rules, m)
    out = []
    for p, d, s in zip(periods, dates, statuses(db, dates, towns, programme, m, th.stalled_periods)):
        f = _frame(pd.DataFrame(), []) if s is None else _flags_of(s, d, th, m, "vi", None)
        out.append(_trend_row(p, f, rules))
    return pd.DataFrame(out)


def statuses(db, dates: list[date], towns: list[str] | None = None, programme: str | None = None,
             stages: StageModel | None = None, stalled_periods: int = 1):
    """The status (``_db_status``) of the works of ``programme`` in ``towns`` at each of ``dates``,
    in turn (None when the scope has no work): the updates are read once, up to the last date, then
    each date's status is derived from those with as_of <= it (numpy, no loop per work, no frame)."""
    m = stages or stages_.model(db)
    got = _db_reads(db, max(dates), queries.scope_params(towns, programme)) if dates else None
    if dates and got is None:  # two texts, one key: from frames, as ``_db_status``
        frames = load_inputs(db, max(dates), towns, programme)
        if frames[0].empty:
            yield from (None for _ in dates)
            return
        yield from (_frame_status(*frames, d, m, stalled_periods)[0] for d in dates)
        return
    if not dates or not len(got[0]["id"]):
        yield from (None for _ in dates)
        return
    works, u, notes, names = got
    day, note_day = (np.asarray(x["day"], dtype=np.int64) for x in (u, notes))
    for d in dates:
        upto = (d - date(1970, 1, 1)).days
        yield _numeric_status(works, {c: v[day <= upto] for c, v in u.items()},
                              {c: v[note_day <= upto] for c, v in notes.items()}, names, m, stalled_periods)


def status_and_flags(db, eval_date, towns: list[str] | None = None, thresholds: Thresholds | None = None,
                     lang: str = "vi", programme: str | None = None) -> tuple[dict, pd.DataFrame]:
    """(status, flags) of the works of ``programme`` in ``towns`` as of ``eval_date``: the status as
    arrays, one entry per work in ``queries.works`` order (id, name, stage, expected_year,
    status_as_of (datetime64[D]), is_handed_over, ...), and the flags as ``flag_works`` gives them
    (no funding plan), both derived in the database (lib/changes.py compares two dates)."""
    d = _to_date(eval_date) or default_eval_date(db)
    th = thresholds or stored_thresholds(db)
    m = stages_.model(db)
    s = _db_status(db, d, towns, m, th.stalled_periods, programme)
    return s, _flags_of(s, d, th, m, lang, None)


def evaluate_by_work(db, eval_date=None, towns: list[str] | None = None, lang: str = "vi",
                     thresholds: Thresholds | None = None, programme: str | None = None) -> pd.DataFrame:
    """``by_work(evaluate(...))``: one row per flagged work as of ``eval_date`` (default: the newest
    period's as_of), columns ``BY_WORK_COLUMNS``."""
    return by_work(evaluate(db, eval_date, towns, thresholds, lang, programme=programme))


def changes_since_previous(db, period_id: str | None = None, towns: list[str] | None = None,
                           lang: str = "vi", programme: str | None = None) -> pd.DataFrame:
    """What changed since the previous reporting period: ``lib.changes.changes_since_previous``
    (one row per work and kind of change; the columns are documented in lib/changes.py)."""
    from lib import changes  # lib.changes builds on this module
    return changes.changes_since_previous(db, period_id, towns, lang, programme=programme)
