"""A what-if funding scenario: every parameter of one run of ``lib.funding``, checked when made.

A ``Scenario`` holds the yearly state and non-state money, the allocation rule, cost overrun,
extra site-clearance months, the stage assumptions, the horizon and the towns. Every problem
is a ``lib.i18n.Msg`` naming its field, e.g. "Vốn ngân sách nhà nước mỗi năm
(state_budget_vnd): không được âm (-1 tỷ đồng)" (``str``), in English by ``.text("en")``. ``to_dict``/``from_dict`` give its JSON form
(stored by ``lib.scenario_store``). Run it with ``lib.whatif``. Never imports streamlit.

The stage keys of a scenario are those of the ``lib.stages.StageModel`` it is made for
(``Scenario.stages``: the database's model, ``stages.model(db)``; the seed's stages by default,
for pure callers). ``from_dict(data, model)`` reads a saved scenario against a model: a stage the
saved maps lack (added to the table after it was saved) takes the table's default, said in
``Scenario.notes``; a key the model does not know (a stage since removed) is refused.
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lib import funding
from lib import stages as stages_
from lib.stages import StageModel
from lib.fmt import TY
from lib.db import ValidationError
from lib.fmt import HTML_TAG, is_blank as _blank
from lib.i18n import DEFAULT_LANG, Msg, Num, text_of

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
# the keys of a stage map: ``Scenario.stages.keys`` (the model's stages, then stages.UNKNOWN)
LEGACY_UNKNOWN_KEYS = ("unknown",)  # the unknown stage's key in scenarios saved before stages.UNKNOWN

# field -> the label key of its name, used in every message about it
FIELDS: dict[str, str] = {
    "start_year": "funding.scen.field_start_year",
    "end_year": "funding.scen.field_end_year",
    "state_budget_vnd": "funding.scen.field_state_budget_vnd",
    "non_state_vnd": "funding.scen.field_non_state_vnd",
    "rule": "funding.scen.field_rule",
    "cost_overrun_pct": "funding.scen.field_cost_overrun_pct",
    "clearance_extra_months": "funding.scen.field_clearance_extra_months",
    "done_share_by_stage": "funding.scen.field_done_share_by_stage",
    "months_to_start_by_stage": "funding.scen.field_months_to_start_by_stage",
    "min_build_years": "funding.scen.field_min_build_years",
    "carry_unspent": "funding.scen.field_carry_unspent",
    "towns": "funding.scen.field_towns",
    "programme": "funding.scen.field_programme",
}
# rule -> the label key of its name in the message listing the rules
RULE_NAMES = {"priority": "funding.scen.rule_priority", "nearly_finished": "funding.scen.rule_nearly_finished",
              "pro_rata": "funding.scen.rule_pro_rata"}
# the units of a number in a message (label keys, "{v}" the number)
UNIT_PCT, UNIT_MONTHS, UNIT_YEARS = "funding.scen.unit_pct", "funding.scen.unit_months", "funding.scen.unit_years"


class _Joined(Msg):
    """Messages (or text) joined by ", " in the language they are shown in."""

    def __init__(self, items):
        super().__init__("", items=tuple(items))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return ", ".join(text_of(x, lang) for x in dict(self.params)["items"])


def field_name(key: str) -> Msg:
    """A parameter's name, e.g. "Địa bàn" / "Areas"."""
    return Msg(FIELDS[key])


def _where(key: str) -> Msg:
    return Msg("funding.scen.where", field=field_name(key), code=key)


def _money(v: float) -> Msg:
    return Msg("funding.scen.ty", v=Num(v / TY, 3))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _check_number(v: Any, key: str, lo: float, hi: float, problems: list, unit: str | None = None,
                  integer: bool = False, money: bool = False, stage: str | None = None) -> Any:
    """``unit``: the label key of the unit (UNIT_PCT...), None for a bare number."""
    where = Msg("funding.scen.where_stage", where=_where(key), stage=stage) if stage else _where(key)
    if not _is_number(v):
        problems.append(Msg("funding.scen.err.not_number", where=where, v=str(v)) if v is not None
                        else Msg("funding.scen.err.required", where=where))
        return v
    if integer and float(v) != int(v):
        problems.append(Msg("funding.scen.err.not_integer", where=where, v=Num(v, 3)))
        return v

    def shown(x: float):
        return _money(x) if money else Msg(unit, v=Num(x, 3)) if unit else Num(x, 3)

    if money and v < 0:
        problems.append(Msg("funding.scen.err.negative", where=where, v=shown(v)))
    elif v < lo or v > hi:
        problems.append(Msg("funding.scen.err.out_of_range", where=where, v=shown(v), lo=shown(lo), hi=shown(hi)))
    return int(v) if integer else float(v)


def _check_stage_map(v: Any, key: str, hi: float, unit: str | None, problems: list, keys: tuple[str, ...]) -> Any:
    """A stage map checked against the stage keys of a model (``StageModel.keys``)."""
    if isinstance(v, Mapping):
        items = dict(v)
    elif isinstance(v, (tuple, list)) and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in v):
        items = dict(v)
    else:
        problems.append(Msg("funding.scen.err.stage_map", where=_where(key)))
        return v
    unknown = sorted(set(map(str, items)) - set(keys))
    if unknown:
        problems.append(Msg("funding.scen.err.unknown_stages", where=_where(key), stages=", ".join(unknown),
                            known=", ".join(keys)))
    missing = [s for s in keys if s not in items]
    if missing:
        problems.append(Msg("funding.scen.err.missing_stages", where=_where(key), stages=", ".join(missing)))
    for s in keys:
        if s in items:
            items[s] = _check_number(items[s], key, 0, hi, problems, unit, stage=s)
    if unknown or missing:
        return v
    return tuple((s, items[s]) for s in keys)


@dataclass(frozen=True)
class Scenario:
    """Every parameter of one what-if run. Money in đồng per year; years both included.

    done_share_by_stage: share (0..1) already done, per stage code (and ``stages.UNKNOWN``),
        used when a work's disbursed amount is unknown. months_to_start_by_stage:
        months still needed before a work of that stage can start (None, for either: the
        defaults of ``stages``). towns: area ids the works are taken from (None: every area).
        programme: the programme whose works are taken (None: every programme; the frame sets
        the one on screen, so that a saved scenario belongs to its programme).
        Mappings are kept as tuples of pairs in the order of ``stages.keys`` so that a scenario
        is hashable; ``shares``/``months`` give them as dicts. stages: the stage model the maps
        are keyed by (the database's, ``lib.stages.model(db)``; default: the seed's stages).
        notes: what reading it changed (a stage given its default), not part of its value.
        Raises ``ValidationError`` listing every problem.
    """

    start_year: int
    end_year: int
    state_budget_vnd: float = DEFAULT_STATE_VND
    non_state_vnd: float = 0.0
    rule: str = "priority"
    cost_overrun_pct: float = 0.0
    clearance_extra_months: float = 0.0
    done_share_by_stage: tuple[tuple[str, float], ...] | None = None
    months_to_start_by_stage: tuple[tuple[str, float], ...] | None = None
    min_build_years: int = 1
    carry_unspent: bool = False
    towns: tuple[str, ...] | None = None
    stages: StageModel = field(default_factory=stages_.seed_model, repr=False)
    notes: tuple[Msg, ...] = field(default=(), compare=False, repr=False)
    programme: str | None = None

    def __post_init__(self) -> None:
        p: list[Msg] = []
        model = self.stages
        if not isinstance(model, StageModel):
            raise TypeError("Scenario.stages must be a lib.stages.StageModel")
        keys = model.keys
        shares = model.default_done_share() if self.done_share_by_stage is None else self.done_share_by_stage
        months = model.default_months_to_start() if self.months_to_start_by_stage is None \
            else self.months_to_start_by_stage
        clean = {
            "start_year": _check_number(self.start_year, "start_year", YEAR_MIN, YEAR_MAX, p, integer=True),
            "end_year": _check_number(self.end_year, "end_year", YEAR_MIN, YEAR_MAX, p, integer=True),
            "state_budget_vnd": _check_number(self.state_budget_vnd, "state_budget_vnd", 0, MAX_VND, p, money=True),
            "non_state_vnd": _check_number(self.non_state_vnd, "non_state_vnd", 0, MAX_VND, p, money=True),
            "cost_overrun_pct": _check_number(self.cost_overrun_pct, "cost_overrun_pct", 0, MAX_OVERRUN_PCT, p, UNIT_PCT),
            "clearance_extra_months": _check_number(self.clearance_extra_months, "clearance_extra_months", 0,
                                                    MAX_MONTHS, p, UNIT_MONTHS),
            "done_share_by_stage": _check_stage_map(shares, "done_share_by_stage", 1.0, None, p, keys),
            "months_to_start_by_stage": _check_stage_map(months, "months_to_start_by_stage", MAX_MONTHS, UNIT_MONTHS,
                                                         p, keys),
            "min_build_years": _check_number(self.min_build_years, "min_build_years", 1, MAX_BUILD_YEARS, p,
                                             UNIT_YEARS, integer=True),
        }
        if not p and clean["end_year"] < clean["start_year"]:
            p.append(Msg("funding.scen.err.end_before_start", where=_where("end_year"), end=clean["end_year"],
                         start=clean["start_year"]))
        elif not p and clean["end_year"] - clean["start_year"] + 1 > MAX_YEARS:
            p.append(Msg("funding.scen.err.horizon_too_long", where=_where("end_year"), start=clean["start_year"],
                         end=clean["end_year"], max=MAX_YEARS))
        if self.rule not in funding.RULES:
            known = _Joined(Msg("funding.scen.rule_choice", rule=r, name=Msg(RULE_NAMES[r])) for r in funding.RULES)
            p.append(Msg("funding.scen.err.rule", where=_where("rule"), rule=str(self.rule), known=known))
        if not isinstance(self.carry_unspent, bool):
            p.append(Msg("funding.scen.err.not_bool", where=_where("carry_unspent"), v=str(self.carry_unspent)))
        towns = self.towns
        if towns is not None:
            if isinstance(towns, str) or not isinstance(towns, (list, tuple)):
                p.append(Msg("funding.scen.err.towns_list", where=_where("towns")))
            else:
                for town in towns:
                    if not isinstance(town, str) or _blank(town) or HTML_TAG.search(town) or len(town) > 60:
                        p.append(Msg("funding.scen.err.bad_town", where=_where("towns"), town=str(town)))
                towns = tuple(towns)
        if self.programme is not None and (not isinstance(self.programme, str) or _blank(self.programme)
                                           or HTML_TAG.search(self.programme) or len(self.programme) > 60):
            p.append(Msg("funding.scen.err.bad_programme", where=_where("programme"), v=str(self.programme)[:60]))
        if p:
            raise ValidationError(p)
        for key, value in clean.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "towns", towns)
        object.__setattr__(self, "notes", tuple(self.notes))

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
                                   self.clearance_extra_months, self.min_build_years, self.stages)

    def for_stages(self, model: StageModel | None) -> "Scenario":
        """This scenario keyed by ``model`` (None: as it is): a stage it has no value for takes the
        model's default (said in ``notes``); a stage the model does not know is refused
        (``ValidationError``)."""
        if model is None or model == self.stages:
            return self
        again = Scenario.from_dict(self.to_dict(), model)
        return again if not self.notes else dataclasses.replace(again, notes=self.notes + again.notes)

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
            **({"programme": self.programme} if self.programme is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Any, stages: StageModel | None = None) -> "Scenario":
        """The inverse of ``to_dict``, keyed by ``stages`` (the database's model; None: the seed's).
        A missing field takes its default, except the horizon; an unknown field is refused. A
        stage missing from a stage map (added to the table after the scenario was saved) takes
        the table's default, and ``notes`` says so; a stage the model does not know is refused."""
        model = stages if stages is not None else stages_.seed_model()
        if not isinstance(data, Mapping):
            raise ValidationError([Msg("funding.scen.err.not_object")])
        problems: list[Msg] = []
        version = data.get("version", VERSION)
        if not _is_number(version) or int(version) != version or version < 1:
            problems.append(Msg("funding.scen.err.bad_version", v=str(version)))
        elif version > VERSION:
            problems.append(Msg("funding.scen.err.newer_version", v=version, supported=VERSION))
        unknown = sorted(set(map(str, data)) - set(FIELDS) - {"version"})
        if unknown:
            problems.append(Msg("funding.scen.err.unknown_fields", fields=", ".join(unknown)))
        for key in ("start_year", "end_year"):
            if data.get(key) is None:
                problems.append(Msg("funding.scen.err.required", where=_where(key)))
        kwargs = {k: data[k] for k in FIELDS if k in data and not (k in ("start_year", "end_year") and data[k] is None)}
        notes: list[Msg] = []
        for key, defaults, shown in (("done_share_by_stage", model.default_done_share(),
                                      lambda v: Msg(UNIT_PCT, v=Num(v * 100, 1))),
                                     ("months_to_start_by_stage", model.default_months_to_start(),
                                      lambda v: Msg(UNIT_MONTHS, v=Num(v, 1)))):
            if isinstance(kwargs.get(key), Mapping):
                given = dict(kwargs[key])
                for old in LEGACY_UNKNOWN_KEYS:
                    if old in given and stages_.UNKNOWN not in given:
                        given[stages_.UNKNOWN] = given.pop(old)
                notes += [Msg("funding.scen.note.stage_default", where=_where(key), stage=s, v=shown(defaults[s]))
                          for s in model.keys if s not in given]
                kwargs[key] = {**defaults, **given}
        kwargs["stages"] = model
        if problems:
            try:
                cls(**{"start_year": 2000, "end_year": 2000, **kwargs})
            except ValidationError as e:
                problems += e.problems
            raise ValidationError(problems)
        return cls(**kwargs, notes=tuple(notes))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, stages: StageModel | None = None) -> "Scenario":
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as e:
            raise ValidationError([Msg("funding.scen.err.bad_json", error=str(e))]) from None
        return cls.from_dict(data, stages)


def default_scenario(as_of_year: int | None, towns: list[str] | tuple[str, ...] | None = None,
                     stages: StageModel | None = None, programme: str | None = None) -> Scenario:
    """The baseline ("kịch bản cơ sở"): the page's first values, the stage assumptions the
    defaults of ``stages`` (the database's model; None: the seed's). The horizon starts the year
    after the data's date and ends in 2030 (or seven years on, when the data are newer)."""
    start = (as_of_year + 1) if as_of_year else datetime.now().year
    end = DEFAULT_END_YEAR if start < DEFAULT_END_YEAR else start + 7
    return Scenario(start, end, towns=tuple(towns) if towns is not None else None, programme=programme,
                    stages=stages if stages is not None else stages_.seed_model())


def envelope_to_state(total_vnd: float, non_state_vnd: float, step_vnd: float) -> float:
    """The state-budget slider value (a multiple of ``step_vnd``) that, with the non-state
    money, gives at least ``total_vnd`` a year."""
    need = max(total_vnd - non_state_vnd, 0.0)
    return math.ceil(need / step_vnd - 1e-9) * step_vnd
