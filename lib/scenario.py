"""A what-if funding scenario: every parameter of one run of ``lib.funding``, checked when made.

A ``Scenario`` holds the yearly state and non-state money, the allocation rule, cost overrun,
extra site-clearance months, the stage assumptions, the horizon and the towns. Every problem
is reported in Vietnamese naming its field, e.g. "Vốn ngân sách nhà nước mỗi năm
(state_budget_vnd): không được âm (-1 tỷ đồng)". ``to_dict``/``from_dict`` give its JSON form
(stored by ``lib.scenario_store``). Run it with ``lib.whatif``. Never imports streamlit.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lib import fmt, funding, stages
from lib.fmt import TY
from lib.db import ValidationError
from lib.fmt import HTML_TAG, is_blank as _blank

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
# the keys of a stage map: the seed's stages (lib/stages.py, data/seed/stages.csv), then stages.UNKNOWN
STAGE_KEYS: tuple[str, ...] = stages.seed_model().keys
LEGACY_UNKNOWN_KEYS = ("unknown",)  # the unknown stage's key in scenarios saved before stages.UNKNOWN

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

    done_share_by_stage: share (0..1) already done, per stage code (and ``stages.UNKNOWN``),
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
                given = dict(kwargs[key])
                for old in LEGACY_UNKNOWN_KEYS:
                    if old in given and stages.UNKNOWN not in given:
                        given[stages.UNKNOWN] = given.pop(old)
                kwargs[key] = {**defaults, **given}
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


def envelope_to_state(total_vnd: float, non_state_vnd: float, step_vnd: float) -> float:
    """The state-budget slider value (a multiple of ``step_vnd``) that, with the non-state
    money, gives at least ``total_vnd`` a year."""
    need = max(total_vnd - non_state_vnd, 0.0)
    return math.ceil(need / step_vnd - 1e-9) * step_vnd
