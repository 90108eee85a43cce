"""Named what-if funding scenarios: the parameters of one run of ``lib.funding``, checked,
run, saved in the database, compared side by side and exported.

A ``Scenario`` holds every parameter of a run (yearly state and non-state money, the
allocation rule, cost overrun, extra site-clearance months, the stage assumptions, the
horizon and the towns). It is checked when it is made: every problem is reported in
Vietnamese naming its field, e.g. "Vốn ngân sách nhà nước mỗi năm (state_budget_vnd):
không được âm (-1 tỷ đồng)". ``to_dict``/``from_dict`` give its JSON form, stored in the
table ``scenario`` (migration 004) through ``Database.write`` (one transaction, audited).

Towns' projected scores: a completed work changes a town's indicator only when the work
belongs to that town (table ``work_area``) and its effect is a number; a work whose town
the source does not state counts for no town (``unattributed_links``).

Never imports streamlit.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from lib import criteria, export, fmt, funding, queries
from lib.auth import Identity
from lib.db import Database
from lib.fmt import TY
from lib.i18n import t
from lib.updates import HTML_TAG, ValidationError, _blank

VERSION = 1
YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_YEARS = 30
MAX_VND = 1e15              # a million tỷ đồng: far above any district's budget
MAX_OVERRUN_PCT = 500.0
MAX_MONTHS = 120.0
MAX_BUILD_YEARS = 10
MAX_NAME = 80
MAX_NOTE = 500
MAX_COMPARE = 3
DEFAULT_END_YEAR = 2030
DEFAULT_STATE_VND = 10 * TY
STAGE_KEYS: tuple[str, ...] = (*funding.STAGES, funding.UNKNOWN_STAGE)
NQ111 = "nq111-2025"

# field -> its Vietnamese name, used in every message about it
FIELDS: dict[str, str] = {
    "start_year": "Năm bắt đầu kỳ mô phỏng",
    "end_year": "Năm kết thúc kỳ mô phỏng",
    "state_budget_vnd": "Vốn ngân sách nhà nước mỗi năm",
    "non_state_vnd": "Vốn ngoài ngân sách mỗi năm",
    "rule": "Cách phân bổ vốn",
    "cost_overrun_pct": "Trượt giá, phát sinh (%)",
    "clearance_extra_months": "Số tháng GPMB kéo dài thêm",
    "done_share_by_stage": "Phần đã thực hiện theo giai đoạn",
    "months_to_start_by_stage": "Số tháng đến khi khởi công theo giai đoạn",
    "min_build_years": "Số năm thi công tối thiểu",
    "carry_unspent": "Chuyển vốn chưa dùng sang năm sau",
    "towns": "Địa bàn",
}
RULE_NAMES_VI = {"priority": "theo thứ tự ưu tiên", "nearly_finished": "công trình gần xong trước",
                 "pro_rata": "chia theo tỷ lệ nhu cầu"}


def _where(key: str) -> str:
    return f"{FIELDS[key]} ({key})"


def _pairs(mapping: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple((k, float(mapping[k])) for k in STAGE_KEYS)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _check_number(v: Any, key: str, lo: float, hi: float, problems: list[str], unit: str = "",
                  integer: bool = False, money: bool = False, stage: str | None = None) -> Any:
    where = _where(key) + (f", giai đoạn {stage}" if stage else "")
    if not _is_number(v):
        problems.append(f"{where}: «{v}» không phải là số" if v is not None else f"{where}: không được để trống")
        return v
    if integer and float(v) != int(v):
        problems.append(f"{where}: {fmt.number(v, 3)} phải là số nguyên")
        return v
    text = fmt.ty(v) if money else f"{fmt.number(v, 3)}{unit}"
    if money and v < 0:
        problems.append(f"{where}: không được âm ({text})")
    elif v < lo or v > hi:
        lo_t = fmt.ty(lo) if money else f"{fmt.number(lo, 3)}{unit}"
        hi_t = fmt.ty(hi) if money else f"{fmt.number(hi, 3)}{unit}"
        problems.append(f"{where}: {text} nằm ngoài khoảng cho phép (từ {lo_t} đến {hi_t})")
    return int(v) if integer else float(v)


def _check_stage_map(v: Any, key: str, hi: float, unit: str, problems: list[str]) -> Any:
    if isinstance(v, Mapping):
        items = dict(v)
    elif isinstance(v, (tuple, list)) and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in v):
        items = dict(v)
    else:
        problems.append(f"{_where(key)}: cần một giá trị cho mỗi giai đoạn")
        return v
    unknown = sorted(set(map(str, items)) - set(STAGE_KEYS))
    if unknown:
        problems.append(f"{_where(key)}: giai đoạn không có trong danh mục: {', '.join(unknown)} "
                        f"(có: {', '.join(STAGE_KEYS)})")
    missing = [s for s in STAGE_KEYS if s not in items]
    if missing:
        problems.append(f"{_where(key)}: thiếu giá trị cho giai đoạn {', '.join(missing)}")
    for s in STAGE_KEYS:
        if s in items:
            items[s] = _check_number(items[s], key, 0, hi, problems, unit, stage=s)
    if unknown or missing:
        return v
    return tuple((s, items[s]) for s in STAGE_KEYS)


@dataclass(frozen=True)
class Scenario:
    """Every parameter of one what-if run. Money in đồng per year; years both included.

    done_share_by_stage: share (0..1) already done, per stage code (and ``unknown``),
        used when a work's disbursed amount is unknown. months_to_start_by_stage:
        months still needed before a work of that stage can start. towns: area ids the
        works are taken from (None: every area). Mappings are kept as tuples of pairs in
        the order of ``STAGE_KEYS`` so that a scenario is hashable; ``shares``/``months``
        give them as dicts. Raises ``ValidationError`` listing every problem.
    """

    start_year: int
    end_year: int
    state_budget_vnd: float = DEFAULT_STATE_VND
    non_state_vnd: float = 0.0
    rule: str = "priority"
    cost_overrun_pct: float = 0.0
    clearance_extra_months: float = 0.0
    done_share_by_stage: tuple[tuple[str, float], ...] = _pairs(funding.DEFAULT_DONE_SHARE)
    months_to_start_by_stage: tuple[tuple[str, float], ...] = _pairs(funding.DEFAULT_MONTHS_TO_START)
    min_build_years: int = 1
    carry_unspent: bool = False
    towns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        p: list[str] = []
        clean = {
            "start_year": _check_number(self.start_year, "start_year", YEAR_MIN, YEAR_MAX, p, integer=True),
            "end_year": _check_number(self.end_year, "end_year", YEAR_MIN, YEAR_MAX, p, integer=True),
            "state_budget_vnd": _check_number(self.state_budget_vnd, "state_budget_vnd", 0, MAX_VND, p, money=True),
            "non_state_vnd": _check_number(self.non_state_vnd, "non_state_vnd", 0, MAX_VND, p, money=True),
            "cost_overrun_pct": _check_number(self.cost_overrun_pct, "cost_overrun_pct", 0, MAX_OVERRUN_PCT, p, " %"),
            "clearance_extra_months": _check_number(self.clearance_extra_months, "clearance_extra_months", 0,
                                                    MAX_MONTHS, p, " tháng"),
            "done_share_by_stage": _check_stage_map(self.done_share_by_stage, "done_share_by_stage", 1.0, "", p),
            "months_to_start_by_stage": _check_stage_map(self.months_to_start_by_stage, "months_to_start_by_stage",
                                                         MAX_MONTHS, " tháng", p),
            "min_build_years": _check_number(self.min_build_years, "min_build_years", 1, MAX_BUILD_YEARS, p,
                                             " năm", integer=True),
        }
        if not p and clean["end_year"] < clean["start_year"]:
            p.append(f"{_where('end_year')}: {clean['end_year']} sớm hơn năm bắt đầu {clean['start_year']}")
        elif not p and clean["end_year"] - clean["start_year"] + 1 > MAX_YEARS:
            p.append(f"{_where('end_year')}: kỳ mô phỏng {clean['start_year']}-{clean['end_year']} "
                     f"dài quá {MAX_YEARS} năm")
        if self.rule not in funding.RULES:
            known = ", ".join(f"{r} ({RULE_NAMES_VI[r]})" for r in funding.RULES)
            p.append(f"{_where('rule')}: «{self.rule}» không có; chọn một trong: {known}")
        if not isinstance(self.carry_unspent, bool):
            p.append(f"{_where('carry_unspent')}: «{self.carry_unspent}» phải là true hoặc false")
        towns = self.towns
        if towns is not None:
            if isinstance(towns, str) or not isinstance(towns, (list, tuple)):
                p.append(f"{_where('towns')}: cần một danh sách mã địa bàn, hoặc null (mọi địa bàn)")
            else:
                for town in towns:
                    if not isinstance(town, str) or _blank(town) or HTML_TAG.search(town) or len(town) > 60:
                        p.append(f"{_where('towns')}: «{town}» không phải mã địa bàn hợp lệ")
                towns = tuple(towns)
        if p:
            raise ValidationError(p)
        for key, value in clean.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "towns", towns)

    # -- views ----------------------------------------------------------------------
    @property
    def shares(self) -> dict[str, float]:
        return dict(self.done_share_by_stage)

    @property
    def months(self) -> dict[str, float]:
        return dict(self.months_to_start_by_stage)

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def total_vnd(self) -> float:
        return self.state_budget_vnd + self.non_state_vnd

    def assumptions(self) -> funding.Assumptions:
        return funding.Assumptions(self.shares, self.months, self.cost_overrun_pct,
                                   self.clearance_extra_months, self.min_build_years)

    def envelope(self) -> funding.Envelope:
        return funding.Envelope(self.start_year, self.end_year, self.state_budget_vnd, self.non_state_vnd,
                                self.carry_unspent)

    # -- JSON form --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def num(v: float) -> int | float:
            return int(v) if float(v).is_integer() else float(v)
        return {
            "version": VERSION,
            "start_year": self.start_year,
            "end_year": self.end_year,
            "state_budget_vnd": num(self.state_budget_vnd),
            "non_state_vnd": num(self.non_state_vnd),
            "rule": self.rule,
            "cost_overrun_pct": num(self.cost_overrun_pct),
            "clearance_extra_months": num(self.clearance_extra_months),
            "done_share_by_stage": {k: num(v) for k, v in self.done_share_by_stage},
            "months_to_start_by_stage": {k: num(v) for k, v in self.months_to_start_by_stage},
            "min_build_years": self.min_build_years,
            "carry_unspent": self.carry_unspent,
            "towns": list(self.towns) if self.towns is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Scenario":
        """The inverse of ``to_dict``. A missing field takes its default (a stage missing from
        a stage map too), except the horizon; an unknown field is refused."""
        if not isinstance(data, Mapping):
            raise ValidationError(["Kịch bản: cần một đối tượng JSON (các cặp tên: giá trị)"])
        problems: list[str] = []
        version = data.get("version", VERSION)
        if not _is_number(version) or int(version) != version or version < 1:
            problems.append(f"Kịch bản, trường version: «{version}» không phải phiên bản hợp lệ")
        elif version > VERSION:
            problems.append(f"Kịch bản, trường version: phiên bản {version} mới hơn phiên bản {VERSION} "
                            "mà ứng dụng này đọc được; hãy cập nhật ứng dụng")
        unknown = sorted(set(map(str, data)) - set(FIELDS) - {"version"})
        if unknown:
            problems.append(f"Kịch bản: trường không có trong danh sách tham số: {', '.join(unknown)}")
        for key in ("start_year", "end_year"):
            if data.get(key) is None:
                problems.append(f"{_where(key)}: không được để trống")
        kwargs = {k: data[k] for k in FIELDS if k in data and not (k in ("start_year", "end_year") and data[k] is None)}
        for key, defaults in (("done_share_by_stage", funding.DEFAULT_DONE_SHARE),
                              ("months_to_start_by_stage", funding.DEFAULT_MONTHS_TO_START)):
            if isinstance(kwargs.get(key), Mapping):
                kwargs[key] = {**defaults, **kwargs[key]}
        if problems:
            try:
                cls(**{"start_year": 2000, "end_year": 2000, **kwargs})
            except ValidationError as e:
                problems += e.problems
            raise ValidationError(problems)
        return cls(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Scenario":
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as e:
            raise ValidationError([f"Kịch bản: không đọc được JSON ({e})"]) from None
        return cls.from_dict(data)


def default_scenario(as_of_year: int | None, towns: list[str] | tuple[str, ...] | None = None) -> Scenario:
    """The baseline ("kịch bản cơ sở"): the page's first values. The horizon starts the year
    after the data's date and ends in 2030 (or seven years on, when the data are newer)."""
    start = (as_of_year + 1) if as_of_year else datetime.now().year
    end = DEFAULT_END_YEAR if start < DEFAULT_END_YEAR else start + 7
    return Scenario(start, end, towns=tuple(towns) if towns is not None else None)


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


def load_scenario(db: Database, name: str) -> Scenario:
    params = db.scalar("SELECT params FROM scenario WHERE name = ?", [name])
    if params is None:
        raise ValidationError([f"Không có kịch bản «{name}»"])
    try:
        return Scenario.from_json(params)
    except ValidationError as e:
        raise ValidationError([f"Kịch bản «{name}» đã lưu không hợp lệ: {p}" for p in e.problems]) from None


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


# -- running a scenario -----------------------------------------------------------------

def funding_frame(works: pd.DataFrame) -> pd.DataFrame:
    """queries.works -> the input of funding.simulate (town: the first area of the work)."""
    return pd.DataFrame({
        "work_id": works["id"].astype(str).to_numpy(),
        "total_vnd": works["total_investment_vnd"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "disbursed_vnd": works["disbursed_vnd"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "stage": works["stage"].astype(object).where(works["stage"].notna(), None).to_numpy(),
        "baseline_year": works["baseline_year"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "priority": works["priority"].astype("Float64").to_numpy(dtype=float, na_value=math.nan),
        "town": [a[0] if len(a) else None for a in works["area_ids"]],
    })


def run(frame: pd.DataFrame, scenario: Scenario) -> funding.SimulationResult:
    return funding.simulate(frame, scenario.assumptions(), scenario.envelope(), scenario.rule)


def compare_completion(works: pd.DataFrame, base: funding.SimulationResult,
                       cur: funding.SimulationResult) -> pd.DataFrame:
    """One row per simulated work, in the works' order: work_id, name, town, stage,
    handed_over, baseline_year (frozen, from the report), base_year (baseline scenario),
    year (this scenario) (<NA>: not within the horizon), change ('earlier', 'later',
    'same'), change_years (<NA> when either year is unknown), delay_years (year minus
    the frozen baseline year)."""
    b = base.per_work.set_index("work_id")
    c = cur.per_work.set_index("work_id")
    names = dict(zip(works["id"], works["name"]))
    ids = [w for w in works["id"] if w in c.index]
    base_year = b["completion_year"].reindex(ids)
    year = c["completion_year"].reindex(ids)
    by = base_year.astype("Float64").fillna(math.inf).astype(float)
    cy = year.astype("Float64").fillna(math.inf).astype(float)
    change = pd.Series("same", index=ids).mask(cy < by, "earlier").mask(cy > by, "later")
    return pd.DataFrame({
        "work_id": ids,
        "name": [names.get(w, w) for w in ids],
        "town": c["town"].reindex(ids).to_numpy(),
        "stage": c["stage"].reindex(ids).to_numpy(),
        "handed_over": (c["stage"].reindex(ids) == funding.HANDED_OVER).to_numpy(),
        "baseline_year": c["baseline_year"].reindex(ids).to_numpy(),
        "base_year": base_year.to_numpy(),
        "year": year.to_numpy(),
        "change": change.to_numpy(),
        "change_years": (year - base_year).to_numpy(),
        "delay_years": c["delay_years"].reindex(ids).to_numpy(),
    })


# -- towns: class, projected score, goal -------------------------------------------------

def programme_towns(db: Database) -> list[str]:
    return list(db.query("SELECT id FROM area WHERE is_programme_town ORDER BY sort_order")["id"])


def class_for(db: Database, town: str, ruleset_id: str, class_code: str | None = None) -> str:
    """The class a town is scored against: ``class_code`` when one was chosen deliberately (and the
    rule-set has it), else the class that follows the town (criteria.default_class: its programme
    target when the rule-set has it, IV or V under NQ 1210; under NQ 111/2025 the class its
    transition rule gives a former IV/V town, III)."""
    if class_code and class_code in criteria.catalog(db)[ruleset_id].classes:
        return class_code
    return criteria.town_class(db, town, ruleset_id)


def town_links(db: Database, town: str) -> pd.DataFrame:
    """Links from the town's own works to standards (work_id, standard_code, effect, effect_value)."""
    return db.query("SELECT ws.*, w.name AS work_name FROM work_standard ws JOIN work w ON w.id = ws.work_id "
                    "WHERE ws.work_id IN (SELECT work_id FROM work_area WHERE area_id = ?) "
                    "ORDER BY ws.standard_code, ws.work_id", [town])


def unattributed_links(db: Database) -> pd.DataFrame:
    """Links with a numeric effect from works whose town is not stated: they count for no town."""
    return db.query("SELECT ws.*, w.name AS work_name FROM work_standard ws JOIN work w ON w.id = ws.work_id "
                    "WHERE ws.effect_value IS NOT NULL "
                    "AND ws.work_id NOT IN (SELECT work_id FROM work_area) ORDER BY ws.work_id")


def relevant_completion(links: pd.DataFrame, completion: Mapping[str, int | None]) -> tuple:
    """The completion years that can move a projected score: of works with a numeric effect.
    A tuple of (work_id, year) pairs, sorted: a small, hashable cache key."""
    ids = sorted(set(links.loc[links["effect_value"].notna(), "work_id"]))
    return tuple((w, completion.get(w)) for w in ids)


@dataclass(frozen=True)
class TownProjection:
    town: str
    ruleset_id: str
    class_code: str
    rows: pd.DataFrame = field(repr=False)   # year, total, pass_mark, verdict, n_scored, n_total
    uses_demo: bool
    n_effect_links: int                       # links of the town's works with a numeric effect
    n_links: int

    @property
    def first_year(self) -> int | None:
        """First year the verdict is 'dat' (every standard scored, pass mark and group minimums met)."""
        met = self.rows.loc[self.rows["verdict"] == "dat", "year"]
        return int(met.min()) if len(met) else None

    @property
    def status(self) -> str:
        """'dat' (reaches the class within the horizon), 'khong_dat', or 'chua_du_so_lieu'."""
        if self.first_year is not None:
            return "dat"
        if len(self.rows) and (self.rows["verdict"] == "chua_du_so_lieu").all():
            return "chua_du_so_lieu"
        return "khong_dat"

    @property
    def n_scored(self) -> int:
        return int(self.rows["n_scored"].min()) if len(self.rows) else 0

    @property
    def n_total(self) -> int:
        return int(self.rows["n_total"].max()) if len(self.rows) else 0

    @property
    def pass_mark(self) -> float | None:
        marks = self.rows["pass_mark"].dropna() if len(self.rows) else []
        return float(marks.iloc[0]) if len(marks) else None


def _town_inputs(db: Database, town: str, ruleset_id: str, include_demo: bool, class_code: str | None = None):
    cat = criteria.catalog(db)
    cls = class_for(db, town, ruleset_id, class_code)
    values = criteria.indicator_values(db, town, None, include_demo)
    own = set(cat[ruleset_id].standards_for(cls)["code"])
    values = values[values["standard_code"].isin(own)]
    uses_demo = bool(values["is_demo"].any()) if len(values) else False
    return cat, cls, criteria.area_region(db, town), criteria.values_map(values), town_links(db, town), uses_demo


def town_projection(db: Database, town: str, ruleset_id: str, include_demo: bool,
                    completion: tuple, years: tuple, class_code: str | None = None) -> TownProjection:
    """A town's score each year as its own works complete. ``completion``: (work_id, year)
    pairs (``relevant_completion``); ``years``: the years to score; ``class_code``: a class
    chosen deliberately (None: the class that follows the town, see class_for)."""
    cat, cls, region, values, links, uses_demo = _town_inputs(db, town, ruleset_id, include_demo, class_code)
    rows = criteria.project_scores(cat, ruleset_id, cls, region, values, links, dict(completion), list(years))
    return TownProjection(town, ruleset_id, cls, rows, uses_demo,
                          int(links["effect_value"].notna().sum()), len(links))


@dataclass(frozen=True)
class TownGoal:
    """The smallest yearly envelope that brings a town to its class by a year.

    status: 'ok' (envelope_vnd found, 0 when no money is needed), 'unreachable' (not even
    with every work funded at once), 'no_data' (the score cannot be computed: unknown
    values or rules; see n_scored/n_total)."""
    status: str
    envelope_vnd: float | None
    class_code: str
    n_scored: int
    n_total: int
    best_total: float | None     # the score by that year with every work funded at once
    pass_mark: float | None


def goal_town(db: Database, scenario: Scenario, period_id: str | None, town: str, ruleset_id: str,
              include_demo: bool, year: int, class_code: str | None = None) -> TownGoal:
    """funding.min_envelope_for with the predicate "the town's verdict is 'dat' in ``year``",
    under the scenario's assumptions and rule, from its start year to ``year``."""
    works = queries.works(db, list(scenario.towns) if scenario.towns is not None else None, period_id)
    frame = funding_frame(works)
    cat, cls, region, values, links, _ = _town_inputs(db, town, ruleset_id, include_demo, class_code)
    memo: dict[tuple, pd.Series] = {}

    def score(completion: Mapping[str, int | None]) -> pd.Series:
        key = relevant_completion(links, completion)
        if key not in memo:
            memo[key] = criteria.project_scores(cat, ruleset_id, cls, region, values, links,
                                                dict(key), [year]).iloc[0]
        return memo[key]

    everything = max(1.0, float(frame["total_vnd"].sum(skipna=True)) * (1 + scenario.cost_overrun_pct / 100))
    rich = funding.simulate(frame, scenario.assumptions(),
                            funding.Envelope(scenario.start_year, max(year, scenario.start_year), everything),
                            scenario.rule)
    best = score(funding.completion_map(rich))
    common = dict(class_code=cls, n_scored=int(best["n_scored"]), n_total=int(best["n_total"]),
                  best_total=None if pd.isna(best["total"]) else float(best["total"]),
                  pass_mark=None if pd.isna(best["pass_mark"]) else float(best["pass_mark"]))
    if best["verdict"] == "chua_du_so_lieu":
        return TownGoal("no_data", None, **common)
    if best["verdict"] != "dat" or year < scenario.start_year:
        return TownGoal("unreachable", None, **common)
    needed = funding.min_envelope_for(lambda r: score(funding.completion_map(r))["verdict"] == "dat",
                                      frame, scenario.assumptions(), scenario.start_year, year, scenario.rule,
                                      carry_unspent=scenario.carry_unspent)
    return TownGoal("ok" if needed is not None else "unreachable", needed, **common)


@dataclass(frozen=True)
class AllGoal:
    """The smallest uniform yearly envelope with which every work that has an amount is
    complete by ``year`` (None: not reachable with any money; ``too_late`` says which works
    cannot finish by then whatever the money)."""
    year: int
    envelope_vnd: float | None
    too_late: tuple[str, ...]
    n_works: int


def goal_all_frame(frame: pd.DataFrame, scenario: Scenario, year: int) -> AllGoal:
    r = funding.simulate(frame, scenario.assumptions(), funding.Envelope(scenario.start_year, scenario.start_year))
    pw = r.per_work
    late = tuple(pw.loc[(pw["earliest_finish_year"] > year) & (pw["stage"] != funding.HANDED_OVER), "work_id"])
    needed = None
    if year >= scenario.start_year and not late:
        needed = funding.min_envelope_to_finish_all_by(frame, scenario.assumptions(), year, scenario.start_year,
                                                       scenario.rule, carry_unspent=scenario.carry_unspent)
    return AllGoal(year, needed, late, len(pw))


def goal_all(db: Database, scenario: Scenario, period_id: str | None, year: int) -> AllGoal:
    """``goal_all_frame`` on the works of the scenario's towns (a read, so it can be cached)."""
    works = queries.works(db, list(scenario.towns) if scenario.towns is not None else None, period_id)
    return goal_all_frame(funding_frame(works), scenario, year)


# -- outcomes, comparison, export -------------------------------------------------------

@dataclass(frozen=True)
class Outcomes:
    """Key results of a scenario, for the comparison and the minutes."""
    start_year: int
    end_year: int
    n_simulated: int
    n_done: int                    # complete by the end of the horizon (handed-over works included)
    n_not_simulated: int
    not_simulated: tuple[str, ...]
    outstanding_vnd: float         # need still unfunded at the end of the horizon
    spent_vnd: float
    towns: tuple[TownProjection, ...]


def outcomes_of(result: funding.SimulationResult, scenario: Scenario,
                towns: tuple[TownProjection, ...] = ()) -> Outcomes:
    pw = result.per_work
    return Outcomes(scenario.start_year, scenario.end_year, len(pw), int(pw["completion_year"].notna().sum()),
                    len(result.not_simulated), tuple(result.not_simulated["work_id"]),
                    float(pw["outstanding_vnd"].sum()), float(result.per_year["spent_vnd"].sum()), towns)


def town_ids_for(db: Database, scenario: Scenario) -> list[str]:
    return [t for t in programme_towns(db) if scenario.towns is None or t in scenario.towns]


def outcomes(db: Database, scenario: Scenario, period_id: str | None, ruleset_id: str,
             include_demo: bool) -> Outcomes:
    """Run a scenario on the works of its towns and project each programme town's score."""
    works = queries.works(db, list(scenario.towns) if scenario.towns is not None else None, period_id)
    result = run(funding_frame(works), scenario)
    completion = funding.completion_map(result)
    projections = []
    for town in town_ids_for(db, scenario):
        key = relevant_completion(town_links(db, town), completion)
        projections.append(town_projection(db, town, ruleset_id, include_demo, key, tuple(scenario.years)))
    return outcomes_of(result, scenario, tuple(projections))


def town_result_text(p: TownProjection, end_year: int, lang: str) -> str:
    if p.status == "dat":
        return t("funding.town_reached", lang, year=p.first_year)
    if p.status == "chua_du_so_lieu":
        return t("funding.town_no_data", lang, n=p.n_scored, total=p.n_total)
    return t("funding.town_not_reached", lang, end=end_year)


def _towns_text(scenario: Scenario, town_names: Mapping[str, str], lang: str) -> str:
    if scenario.towns is None:
        return t("funding.all_towns", lang)
    return ", ".join(town_names.get(x, x) for x in scenario.towns) or "-"


def _yes_no(v: bool, lang: str) -> str:
    return t("funding.yes", lang) if v else t("funding.no", lang)


def _stage_text(scenario: Scenario, stage_labels: Mapping[str, str], lang: str) -> str:
    months = scenario.months
    return "; ".join(t("funding.stage_pair", lang, stage=stage_labels.get(s, s), share=fmt.percent(v * 100, lang, 0),
                       months=fmt.number(months[s], 1, lang))
                     for s, v in scenario.done_share_by_stage)


def parameter_rows(scenario: Scenario, town_names: Mapping[str, str], stage_labels: Mapping[str, str],
                   lang: str, detail: bool = False) -> list[tuple[str, str]]:
    """(label, value) for every parameter, in Vietnamese (or English) formats."""
    s = scenario
    rows = [
        (t("funding.p_horizon", lang), f"{s.start_year}-{s.end_year}"),
        (t("funding.p_towns", lang), _towns_text(s, town_names, lang)),
        (t("funding.p_state", lang), fmt.ty(s.state_budget_vnd, lang)),
        (t("funding.p_nonstate", lang), fmt.ty(s.non_state_vnd, lang)),
        (t("funding.p_total", lang), fmt.ty(s.total_vnd, lang)),
        (t("funding.p_rule", lang), t(f"funding.rule.{s.rule}", lang)),
        (t("funding.p_overrun", lang), fmt.percent(s.cost_overrun_pct, lang, 1)),
        (t("funding.p_clearance", lang), t("funding.months_value", lang, n=fmt.number(s.clearance_extra_months, 1, lang))),
        (t("funding.p_build", lang), t("funding.years_value", lang, n=s.min_build_years)),
        (t("funding.p_carry", lang), _yes_no(s.carry_unspent, lang)),
    ]
    if detail:
        months = s.months
        for stage, share in s.done_share_by_stage:
            label = stage_labels.get(stage, stage)
            rows.append((t("funding.p_share_of", lang, stage=label), fmt.percent(share * 100, lang, 0)))
            rows.append((t("funding.p_months_of", lang, stage=label),
                         t("funding.months_value", lang, n=fmt.number(months[stage], 1, lang))))
    else:
        rows.append((t("funding.p_stages", lang), _stage_text(s, stage_labels, lang)))
    return rows


def outcome_rows(o: Outcomes, town_names: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    rows = [
        (t("funding.o_done", lang, end=o.end_year), t("funding.o_done_value", lang, n=o.n_done, total=o.n_simulated)),
        (t("funding.o_outstanding", lang, end=o.end_year), fmt.ty(o.outstanding_vnd, lang)),
        (t("funding.o_spent", lang, start=o.start_year, end=o.end_year), fmt.ty(o.spent_vnd, lang)),
        (t("funding.o_not_simulated", lang), ", ".join(o.not_simulated) or "-"),
    ]
    for p in o.towns:
        rows.append((t("funding.o_town", lang, town=town_names.get(p.town, p.town), c=p.class_code),
                     town_result_text(p, o.end_year, lang)))
    return rows


def comparison_frame(items: list[tuple[str, Scenario, Outcomes]], town_names: Mapping[str, str],
                     stage_labels: Mapping[str, str], lang: str = "vi", detail: bool = False) -> pd.DataFrame:
    """Scenarios side by side: one row per parameter and key outcome, one column per scenario.

    A town row reads per scenario; a town absent from a scenario's towns reads '-'."""
    if len(items) > MAX_COMPARE + 1:
        raise ValueError(f"at most {MAX_COMPARE + 1} scenarios side by side")
    label_col = t("funding.cmp_item", lang)
    columns: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for name, scenario, outcome in items:
        col: dict[str, str] = {}
        for label, value in parameter_rows(scenario, town_names, stage_labels, lang, detail) + \
                outcome_rows(outcome, town_names, lang):
            col[label] = value
            if label not in order:
                order.append(label)
        columns[name] = col
    out = pd.DataFrame({label_col: order, **{n: [c.get(lbl, "-") for lbl in order] for n, c in columns.items()}})
    # The quantities as numbers, for the workbook (the frame itself holds the screen's text).
    out.attrs["numbers"] = {name: _number_cells(scenario, outcome, stage_labels, lang, detail)
                            for name, scenario, outcome in items}
    return out


def _number_cells(s: Scenario, o: Outcomes, stage_labels: Mapping[str, str], lang: str,
                  detail: bool) -> dict[str, tuple[float, str]]:
    """The rows of ``comparison_frame`` that are quantities: label -> (number, Excel format).
    Money in tỷ đồng to 0,001 (one precision for the sheet), shares as percentages."""
    money = f'#,##0.000" {t("unit.ty_dong", lang)}"'
    months = f'#,##0.0" {t("funding.months_value", lang, n="").strip()}"'
    years = f'0" {t("funding.years_value", lang, n="").strip()}"'
    pct = "0.0%"
    cells = {
        t("funding.p_state", lang): (s.state_budget_vnd / TY, money),
        t("funding.p_nonstate", lang): (s.non_state_vnd / TY, money),
        t("funding.p_total", lang): (s.total_vnd / TY, money),
        t("funding.p_overrun", lang): (s.cost_overrun_pct / 100, pct),
        t("funding.p_clearance", lang): (float(s.clearance_extra_months), months),
        t("funding.p_build", lang): (int(s.min_build_years), years),
        t("funding.o_outstanding", lang, end=o.end_year): (o.outstanding_vnd / TY, money),
        t("funding.o_spent", lang, start=o.start_year, end=o.end_year): (o.spent_vnd / TY, money),
    }
    if detail:
        stage_months = s.months
        for stage, share in s.done_share_by_stage:
            label = stage_labels.get(stage, stage)
            cells[t("funding.p_share_of", lang, stage=label)] = (float(share), pct)
            cells[t("funding.p_months_of", lang, stage=label)] = (float(stage_months[stage]), months)
    return cells


def comparison_xlsx(table: pd.DataFrame, meta_lines: list[str], lang: str = "vi") -> bytes:
    """The comparison as a workbook: amounts, shares, months and years are numeric cells with
    a number format (from ``table.attrs["numbers"]``, set by ``comparison_frame``); the rest text."""
    numbers = table.attrs.get("numbers") or {}
    out = table.astype(object)
    formats: list[str | None] = [None] * len(out)
    labels = list(out.iloc[:, 0]) if len(out.columns) else []
    for col, cells in numbers.items():
        if col not in out.columns or col == out.columns[0]:
            continue
        j = out.columns.get_loc(col)
        for i, label in enumerate(labels):
            if label in cells and out.iat[i, j] != "-":
                out.iat[i, j], formats[i] = cells[label]
    return export.to_xlsx_bytes(out, t("funding.cmp_sheet", lang), meta_lines, row_formats=formats)


def _outcomes_dict(o: Outcomes) -> dict[str, Any]:
    return {
        "start_year": o.start_year, "end_year": o.end_year,
        "works_simulated": o.n_simulated, "works_complete_by_end": o.n_done,
        "works_not_simulated": list(o.not_simulated),
        "unfunded_need_at_end_vnd": round(o.outstanding_vnd), "spent_vnd": round(o.spent_vnd),
        "towns": [{"town": p.town, "ruleset": p.ruleset_id, "class": p.class_code, "status": p.status,
                   "first_year_reaching_class": p.first_year, "standards_scored": p.n_scored,
                   "standards_total": p.n_total, "uses_illustrative_data": p.uses_demo} for p in o.towns],
    }


def comparison_json(items: list[dict[str, Any]], meta: dict[str, Any]) -> bytes:
    """items: dicts with name, scenario (Scenario), outcomes (Outcomes) and, for saved ones,
    created_by, created_at, note. Returns UTF-8 JSON."""
    out = []
    for item in items:
        entry = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()
                 if k not in ("scenario", "outcomes")}
        entry["params"] = item["scenario"].to_dict()
        entry["outcomes"] = _outcomes_dict(item["outcomes"])
        out.append(entry)
    return json.dumps({**meta, "scenarios": out}, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def minutes_markdown(name: str, scenario: Scenario, o: Outcomes, *, as_of_text: str, period_label: str,
                     town_names: Mapping[str, str], stage_labels: Mapping[str, str],
                     not_simulated_names: Mapping[str, str], ruleset_name: str, uses_demo: bool,
                     lang: str = "vi", now: datetime | None = None) -> str:
    """The scenario written out for the minutes: every parameter, the data's date, the key
    results and what was left out, in the language's number formats."""
    now = now or datetime.now()
    lines = [f"### {t('funding.min_title', lang, name=name)}", "",
             t("funding.min_as_of", lang, date=as_of_text, period=period_label), "",
             t("funding.min_made", lang, when=now.strftime("%d/%m/%Y %H:%M")), ""]
    if uses_demo:
        lines += [f"**{t('funding.demo_banner', lang)}**", ""]
    lines.append(f"**{t('funding.min_params', lang)}**")
    lines.append("")
    for label, value in parameter_rows(scenario, town_names, stage_labels, lang):
        lines.append(f"- {label}: {value}")
    lines.append(f"- {t('funding.min_model', lang)}")
    lines += ["", f"**{t('funding.min_results', lang)}**", ""]
    for label, value in outcome_rows(o, town_names, lang):
        lines.append(f"- {label}: {value}")
    lines.append(f"- {t('funding.min_ruleset', lang, name=ruleset_name)}")
    if o.not_simulated:
        lines += ["", t("funding.min_not_simulated", lang) + " " + "; ".join(
            f"{w} ({not_simulated_names.get(w, w)})" for w in o.not_simulated)]
    return "\n".join(lines) + "\n"


def envelope_to_state(total_vnd: float, non_state_vnd: float, step_vnd: float) -> float:
    """The state-budget slider value (a multiple of ``step_vnd``) that, with the non-state
    money, gives at least ``total_vnd`` a year."""
    need = max(total_vnd - non_state_vnd, 0.0)
    return math.ceil(need / step_vnd - 1e-9) * step_vnd

