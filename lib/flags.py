"""Delay flags: which works are late, at risk, slipping, stalled, stale or incompletely recorded.

Pure core (pandas only, never Streamlit): ``flag_works(works, history, eval_date, thresholds)``.
``load_inputs`` and ``evaluate`` are thin readers around it. Every flag is computed
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


# -- status as of the evaluation date ---------------------------------------------------------
_STATUS_INT = ("baseline_year", "expected_year", "total_investment_vnd", "disbursed_vnd")


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
    out = pd.DataFrame(_status_records(works, history, _to_date(eval_date), stages or stages_.seed_model()))
    for c in _STATUS_INT:
        if c in out.columns:
            out[c] = out[c].astype("Int64")
    return out


def _status_records(works: pd.DataFrame, history: pd.DataFrame, eval_date: date, m: StageModel) -> list[dict]:
    h = history.copy()
    h["as_of"] = [_to_date(v) for v in h["as_of"]]
    h = h[pd.Series([d is not None and d <= eval_date for d in h["as_of"]], index=h.index, dtype=bool)]
    h = h.sort_values(["as_of", "id"] if "id" in h.columns else ["as_of"], kind="stable")
    groups: dict[str, list[dict]] = {}
    for r in h.to_dict("records"):  # one pass over the history, not one frame per work
        groups.setdefault(r["work_id"], []).append({k: _value(v) for k, v in r.items()})
    records = []
    for rec in works.to_dict("records"):
        s = {k: _value(v) for k, v in rec.items()}
        for c in ("baseline_year", "total_investment_vnd"):
            s[c] = _int(s.get(c))
        area_ids = rec.get("area_ids")
        s["area_ids"] = list(area_ids) if isinstance(area_ids, (list, tuple, np.ndarray)) else []
        s.update(_derive(groups.get(rec["id"]), s.get("baseline_year"), m))
        records.append(s)
    return records


def _derive(recs: list[dict] | None, baseline, m: StageModel) -> dict:
    """Status of one work from its updates (sorted, all as_of <= eval date)."""
    out = {"stage": None, "is_handed_over": False, "expected_year": None, "physical_pct": None,
           "disbursed_vnd": None, "status_as_of": None, "period_id": None, "delay_cause": None,
           "cause": None, "cause_inferred": False, "n_updates": 0, "n_changes": 0,
           "slipped_since": None, "stage_since": None, "unchanged_dates": [], "note": None,
           "note_as_of": None, "precisions": {}}
    if not recs:
        return out
    last = recs[-1]
    # how precisely each update date is known ('month' for a period dated to the month only)
    out["precisions"] = {r["as_of"]: r.get("as_of_precision") or "day" for r in recs}
    handed = last.get("is_handed_over")
    out.update(stage=last["stage"], physical_pct=last.get("physical_pct"),
               disbursed_vnd=_int(last.get("disbursed_vnd")), status_as_of=last["as_of"],
               period_id=last.get("period_id"), n_updates=len(recs),
               is_handed_over=bool(handed) if handed is not None else last["stage"] in m.handed_over)
    # the newest expected year given; every change counted, starting from the baseline
    previous = baseline
    for r in recs:
        year = _int(r.get("expected_year"))
        if year is None:
            continue
        out["n_changes"] += previous is not None and year != previous
        previous = out["expected_year"] = year
        late = baseline is not None and year > baseline
        out["slipped_since"] = (out["slipped_since"] or r["as_of"]) if late else None
    notes = [r for r in recs if isinstance(r.get("note"), str) and r["note"].strip()]
    if notes:  # the secretary's newest note (plain text, typed by a person: escape it to show it)
        out["note"], out["note_as_of"] = notes[-1]["note"].strip(), notes[-1]["as_of"]
    causes = [r.get("delay_cause") for r in recs if r.get("delay_cause")]
    if causes:
        out["delay_cause"] = out["cause"] = causes[-1]
    elif m.implied_cause(last["stage"]):
        out["cause"], out["cause_inferred"] = m.implied_cause(last["stage"]), True
    out["stage_since"] = _run(recs, lambda r: r["stage"])[0]
    # one update per period (its newest), then the final run of equal (stage, physical %)
    per_period = sorted({r.get("period_id") or r["as_of"]: r for r in recs}.values(), key=lambda r: r["as_of"])
    out["unchanged_dates"] = _run(per_period, lambda r: (r["stage"], r.get("physical_pct")))
    return out


def _run(recs: list[dict], key) -> list[date]:
    """as_of dates of the final run of records with the same ``key`` as the last one."""
    dates = []
    for r in reversed(recs):
        if key(r) != key(recs[-1]):
            break
        dates.append(r["as_of"])
    return dates[::-1]


# -- the rules: each takes one work's status and returns the fields of a flag, or None ------------
def _stage_text(s: dict, m: StageModel, lang: str) -> str:
    stage, pct = s["stage"], s["physical_pct"]
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


def _date_text(s: dict, d: date | None, lang: str) -> str:
    """An update date of the work, as precisely as it is known ('tháng 12/2022' or '31/12/2022')."""
    return fmt.as_of(d, s.get("precisions", {}).get(d, "day"), lang)


def _in_procedures(s: dict, m: StageModel) -> bool:
    return s["stage"] in m.procedure


def _overdue(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    due = due_date(s["expected_year"])
    if s["is_handed_over"] or due is None or d <= due:
        return None
    months, days = whole_months(due, d), (d - due).days
    kw = {"year": s["expected_year"], "date": fmt.day(d, lang), "months": months, "days": days}
    if months >= th.overdue_severe_months:
        grade, message = "severe", t("flags.msg.overdue_severe", lang, **kw)
    elif months >= th.overdue_red_months:
        grade, message = "late", t("flags.msg.overdue", lang, **kw)
    elif months >= th.overdue_delayed_months:
        grade, message = "delayed", t("flags.msg.overdue", lang, **kw)
    else:
        grade, message = "new", t("flags.msg.overdue_new", lang, **kw)
    red = months >= th.overdue_red_months or _in_procedures(s, m)
    if _in_procedures(s, m):  # the reason it is red before overdue_red_months
        message = t("flags.msg.with_stage", lang, message=message, stage=_stage_text(s, m, lang))
    return {"rule": "overdue", "severity": "red" if red else "amber",
            "grade": grade, "months_late": months, "since": due + timedelta(days=1), "message": message}


def _window_start(due: date, months: int) -> date:
    """First day ``d`` with due <= add_months(d, months)."""
    start = add_months(due, -months)
    return start if add_months(start, months) >= due else start + timedelta(days=1)


def _at_risk(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    due, stage, pct = due_date(s["expected_year"]), s["stage"], s["physical_pct"]
    if s["is_handed_over"] or due is None or due < d:
        return None
    if stage is None or stage in m.early:
        window = th.at_risk_months
    elif stage in m.building and (pct is None or pct < 100):
        window = th.at_risk_construction_months
    else:
        return None
    if due > add_months(d, window):
        return None
    left = whole_months(d, due)
    since = max(_window_start(due, window), s["stage_since"] or d)
    key = "flags.msg.at_risk" if left else "flags.msg.at_risk_today" if d == due else "flags.msg.at_risk_due"
    out = {"rule": "at_risk", "severity": "amber", "months_left": left, "since": since,
           "message": t(key, lang, year=s["expected_year"], months=left, days=(due - d).days,
                        date=fmt.day(due, lang), stage=_stage_text(s, m, lang))}
    if d == due and _in_procedures(s, m):  # due today, procedures unfinished: certain to be late
        out.update(severity="red", grade="due_in_procedures", since=due)
    return out


def _slipped(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    base, current = s.get("baseline_year"), s["expected_year"]
    if s["is_handed_over"] or base is None or current is None or current <= base:
        return None
    return {"rule": "slipped", "severity": "amber", "years_slipped": current - base,
            "n_changes": s["n_changes"], "since": s["slipped_since"],
            "message": t("flags.msg.slipped", lang, baseline=base, current=current,
                         years=current - base, changes=s["n_changes"])}


def _stalled(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    if s["is_handed_over"] or s["stage"] is None:
        return None
    if s["stage"] in m.paused:
        return {"rule": "stalled", "severity": "red", "grade": "paused", "since": s["stage_since"],
                "message": t("flags.msg.paused", lang, date=_date_text(s, s["stage_since"], lang))}
    run = s["unchanged_dates"]
    if len(run) < th.stalled_periods:
        return None
    return {"rule": "stalled", "severity": "amber", "grade": "no_progress",
            "periods_unchanged": len(run), "since": run[th.stalled_periods - 1],
            "message": t("flags.msg.stalled", lang, n=len(run), date=_date_text(s, run[0], lang),
                         stage=_stage_text(s, m, lang))}


def _stale(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    last = s["status_as_of"]
    if s["is_handed_over"] or last is None or (d - last).days <= th.stale_days:
        return None
    days = (d - last).days
    return {"rule": "stale", "severity": "amber", "days_since_update": days,
            "since": last + timedelta(days=th.stale_days + 1),
            "message": t("flags.msg.stale", lang, days=days, date=_date_text(s, last, lang),
                         limit=th.stale_days)}


def _incomplete(s: dict, d: date, th: Thresholds, m: StageModel, lang: str) -> dict | None:
    labels = {"investment": t("flags.missing.investment", lang),
              "expected_year": t("flags.missing.expected_year", lang),
              "area": t("flags.missing.area", lang), "stage": t("flags.missing.stage", lang),
              "status": t("flags.missing.status", lang)}
    missing = [code for code, gone in (
        ("investment", s.get("total_investment_vnd") is None),
        ("expected_year", not s["is_handed_over"] and s["expected_year"] is None),
        ("area", not s["area_ids"]),
        ("status", s["n_updates"] == 0),
        ("stage", s["n_updates"] > 0 and s["stage"] is None)) if gone]
    if not missing:
        return None
    return {"rule": "incomplete", "severity": "amber", "missing": missing,
            "message": t("flags.msg.incomplete", lang, items=", ".join(labels[m] for m in missing))}


_WORK_RULES = (_overdue, _stalled, _at_risk, _slipped, _stale, _incomplete)


# -- evaluation -------------------------------------------------------------------------------
def flag_works(works: pd.DataFrame, history: pd.DataFrame, eval_date, thresholds: Thresholds | None = None,
               lang: str = "vi", plan: pd.DataFrame | None = None, stages: StageModel | None = None) -> pd.DataFrame:
    """All flags of ``works`` as of ``eval_date``: one row per (work, rule), columns ``COLUMNS``,
    red first, then by rule (``RULES``) and the order of ``works``. ``stages``: what each stage
    means (``lib.stages``; default: the seed's stages). Pure."""
    d, th, m = _to_date(eval_date), thresholds or Thresholds(), stages or stages_.seed_model()
    records = _status_records(works, history, d, m)
    rows = []
    for order, s in enumerate(records):
        for rule in _WORK_RULES:
            fields_ = rule(s, d, th, m, lang)
            if fields_:
                rows.append(_row(s, fields_, order))
    rows += _funding_rows(records, plan, lang)
    return _frame(rows)


def _row(s: dict, fields_: dict, order: int) -> dict:
    row = {"work_id": s["id"], "work_name": s.get("name"), "expected_year": s["expected_year"],
           "due_date": due_date(s["expected_year"]), "stage": s["stage"], "area_ids": s["area_ids"],
           "cause": None, "cause_inferred": False, "note": s.get("note"), "_order": order}
    if fields_["rule"] in DELAY_RULES:
        row.update(cause=s["cause"], cause_inferred=s["cause_inferred"])
    row.update(fields_)
    return row


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*COLUMNS, "_order"])
    df["_sev"] = df["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    df["_rule"] = df["rule"].map({r: i for i, r in enumerate(RULES)})
    df = df.sort_values(["_sev", "_rule", "_order"], kind="stable").reset_index(drop=True)
    df = df[list(COLUMNS)].astype({c: "Int64" for c in _INT_COLUMNS})
    df["cause_inferred"] = df["cause_inferred"].fillna(False).astype(bool)
    return df


def funding_gap(status: pd.DataFrame, plan: pd.DataFrame | None, lang: str = "vi") -> pd.DataFrame:
    """Works whose annual funding plan does not cover their total investment by their expected year.

    ``status``: one row per work (``status_as_of`` or ``queries.works``). ``plan``: rows
    (work_id, year, allocated_vnd). Need = total_investment_vnd; allocated = the sum of the plan's
    known amounts for years <= expected year. Gap > 0: amber, red when the plan allocates 0. Works
    handed over, with no amount or expected year, or with no plan amount recorded (unknown, never
    read as 0) are skipped. No plan (None or empty): no rows.
    """
    records = [{k: _value(v) for k, v in r.items()} for r in status.to_dict("records")]
    for r in records:
        r.setdefault("stage", None)
        r["area_ids"] = list(r["area_ids"]) if isinstance(r.get("area_ids"), (list, tuple, np.ndarray)) else []
    return _frame(_funding_rows(records, plan, lang))


def _funding_rows(records: list[dict], plan: pd.DataFrame | None, lang: str) -> list[dict]:
    if plan is None or plan.empty:
        return []
    rows = []
    for order, s in enumerate(records):
        total, year = s.get("total_investment_vnd"), s.get("expected_year")
        if s.get("is_handed_over") or total is None or year is None:
            continue
        mine = plan[(plan["work_id"] == s["id"]) & (plan["year"] <= year)]["allocated_vnd"].dropna()
        if mine.empty:  # no plan recorded for this work (or no amount in it): unknown, not "nothing allocated"
            continue
        allocated = int(mine.sum())
        gap = int(total) - allocated
        if gap <= 0:
            continue
        kw = {"year": int(year), "total": fmt.ty(total, lang), "allocated": fmt.ty(allocated, lang),
              "gap": fmt.ty(gap, lang)}
        rows.append(_row({**s, "cause": "von", "cause_inferred": False}, {
            "rule": "funding_gap", "severity": "amber" if allocated else "red", "gap_vnd": gap,
            "message": t("flags.msg.funding_gap", lang, **kw) if allocated
            else t("flags.msg.funding_none", lang, **kw)}, order))
    return rows


# -- one row per work: the grouping every page counts and lists with ------------------------------
BY_WORK_COLUMNS: tuple[str, ...] = (
    "work_id", "work_name", "severity", "n_flags", "rules", "severities", "messages", "cause",
    "cause_inferred", "delayed", "note", "since", "area_ids", "expected_year", "stage",
)
_CAUSE_SOURCE_ORDER = ("overdue", "stalled", "at_risk", "slipped")  # the work's own cause before 'von'


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
    sev_rank = {s: i for i, s in enumerate(SEVERITIES)}
    rule_rank = {r: i for i, r in enumerate(RULES)}
    f = flags.assign(_pos=range(len(flags)), _sev=flags["severity"].map(sev_rank),
                     _rule=flags["rule"].map(rule_rank))
    first = f.groupby("work_id", sort=False)["_pos"].min()
    rows = []
    for work_id, g in f.sort_values(["_sev", "_rule", "_pos"], kind="stable").groupby("work_id", sort=False):
        worst = g["_sev"].min()
        cause, inferred = _work_cause(g)
        since = [_to_date(d) for d in g.loc[g["_sev"] == worst, "since"]]
        since = [d for d in since if d is not None]
        top = g.iloc[0]
        rows.append({
            "work_id": work_id, "work_name": _value(top["work_name"]), "severity": SEVERITIES[worst],
            "n_flags": len(g), "rules": list(g["rule"]), "severities": list(g["severity"]),
            "messages": [str(m) for m in g["message"]], "cause": cause, "cause_inferred": inferred,
            "delayed": bool(g["rule"].isin(DELAY_RULES).any()),
            "note": next((_value(n) for n in g["note"] if _value(n)), None) if "note" in g else None,
            "since": min(since) if since else None,
            "area_ids": list(top["area_ids"]) if isinstance(top["area_ids"], (list, tuple, np.ndarray)) else [],
            "expected_year": _int(top["expected_year"]), "stage": _value(top["stage"]),
            "_sev": worst, "_rule": g["_rule"].min(), "_first": first[work_id]})
    out = pd.DataFrame(rows).sort_values(["_sev", "_rule", "_first"], kind="stable")
    return out[list(BY_WORK_COLUMNS)].reset_index(drop=True)


def _work_cause(g: pd.DataFrame) -> tuple[str | None, bool]:
    delay = g[g["rule"].isin(DELAY_RULES) & g["cause"].notna()]
    if delay.empty:
        return None, False
    own = delay[delay["rule"].isin(_CAUSE_SOURCE_ORDER)]
    row = (own if len(own) else delay).iloc[0]
    return row["cause"], bool(row["cause_inferred"])


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
    worst["town"] = worst["area_ids"].apply(lambda a: list(a) if len(a) else [UNKNOWN_TOWN])
    ex = worst.explode("town")
    if ex.empty:
        return pd.DataFrame(columns=["town", "n_works", "n_red", "n_amber"])
    return ex.groupby("town", sort=False).agg(
        n_works=("work_id", "nunique"), n_red=("severity", lambda s: int((s == "red").sum())),
        n_amber=("severity", lambda s: int((s == "amber").sum()))).reset_index()


def trend_frames(works: pd.DataFrame, history: pd.DataFrame, periods: pd.DataFrame,
                 thresholds: Thresholds | None = None, rules=None, stages: StageModel | None = None) -> pd.DataFrame:
    """Per reporting period (oldest first), flags evaluated at its as_of: flagged works (each
    once, by worst severity) and works per rule. ``rules`` restricts the rules counted."""
    out = []
    for p in periods.sort_values("as_of").to_dict("records"):
        f = flag_works(works, history, p["as_of"], thresholds, stages=stages)
        if rules is not None:
            f = f[f["rule"].isin(list(rules))]
        sev = counts_by_severity(f).set_index("severity")["n_works"]
        row = {"period_id": p["id"], "label_vi": p.get("label_vi"), "as_of": _to_date(p["as_of"]),
               "n_flagged": int(f["work_id"].nunique()), "n_red": int(sev["red"]), "n_amber": int(sev["amber"])}
        row.update({f"n_{r}": int(f.loc[f["rule"] == r, "work_id"].nunique()) for r in RULES})
        out.append(row)
    return pd.DataFrame(out)


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


def load_inputs(db, eval_date=None, towns: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(works, history): the works of ``towns`` (None: all) without status columns, and every
    status update with as_of <= ``eval_date`` (None: all)."""
    works = queries.works(db, towns)
    works = works.drop(columns=[c for c in _STATUS_COLUMNS if c in works.columns])
    history = db.query(_HISTORY_SQL, {"eval_date": _to_date(eval_date)})
    return works, history[history["work_id"].isin(works["id"])].reset_index(drop=True)


def stored_thresholds(db) -> Thresholds:
    """The thresholds of the ``setting`` table for drawing a page: a bad stored value (an older
    version, an edit by hand) gives way to its default; the frame says which (ui/frame.py)."""
    return Thresholds.from_settings(queries.settings(db), strict=False)


def evaluate(db, eval_date=None, towns: list[str] | None = None, thresholds: Thresholds | None = None,
             lang: str = "vi", plan: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flags of the works of ``towns`` as of ``eval_date`` (default: newest period's as_of), with the
    thresholds of the setting table unless given."""
    d = _to_date(eval_date) or default_eval_date(db)
    th = thresholds or stored_thresholds(db)
    works, history = load_inputs(db, d, towns)
    plan = queries.capital_plan(db) if plan is None else plan  # the yearly plans imported (funding_gap)
    return flag_works(works, history, d, th, lang, plan, stages_.model(db))


def trend(db, towns: list[str] | None = None, thresholds: Thresholds | None = None, rules=None) -> pd.DataFrame:
    """``trend_frames`` for the reporting periods of ``db``."""
    works, history = load_inputs(db, None, towns)
    th = thresholds or stored_thresholds(db)
    return trend_frames(works, history, queries.periods(db), th, rules, stages_.model(db))


def evaluate_by_work(db, eval_date=None, towns: list[str] | None = None, lang: str = "vi",
                     thresholds: Thresholds | None = None) -> pd.DataFrame:
    """``by_work(evaluate(...))``: one row per flagged work as of ``eval_date`` (default: the newest
    period's as_of), columns ``BY_WORK_COLUMNS``."""
    return by_work(evaluate(db, eval_date, towns, thresholds, lang))


def changes_since_previous(db, period_id: str | None = None, towns: list[str] | None = None,
                           lang: str = "vi") -> pd.DataFrame:
    """What changed since the previous reporting period: ``lib.changes.changes_since_previous``
    (one row per work and kind of change; the columns are documented in lib/changes.py)."""
    from lib import changes  # lib.changes builds on this module
    return changes.changes_since_previous(db, period_id, towns, lang)
