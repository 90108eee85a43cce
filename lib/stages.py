"""What a stage means, as data: the one model every module reads.

The ``stage`` table (seeded from data/seed/stages.csv, columns added by migration 009) says, for
each stage code, whether it is handed over, started, early, paused, in site clearance or still in
investment procedures, which delay cause it implies, and the funding page's first assumptions
for it. ``StageModel`` holds that, built from the table (``model(db)``) or from its frame
(``StageModel.from_frame(queries.stages(db))``). No module names a stage code to decide what it
means: a stage added to the table with its columns set is picked up by the flags and the
funding simulation without a change of code.

``UNKNOWN`` is the one key of an unknown stage (no stage recorded, or a code not in the table),
on every axis that needs a key for it: overview rows, funding assumptions, scenario maps, labels.
Pure (pandas only); never imports streamlit.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import pandas as pd

from lib.i18n import t

UNKNOWN = "chua_ro"                 # the key of an unknown stage, everywhere
UNKNOWN_COLOR = "#BBBBBB"           # its colour in the stage charts (after every stage)
UNKNOWN_ORDER = 99                  # its place: last
UNKNOWN_DONE_SHARE = 0.0            # funding: nothing assumed done when the stage is unknown
UNKNOWN_MONTHS_TO_START = 12.0      # funding: a year before money can be spent

_FLAGS = ("is_handed_over", "is_started", "is_early", "is_paused", "is_site_clearance", "is_procedure")


@dataclass(frozen=True)
class Stage:
    """One row of the ``stage`` table."""
    code: str
    label_vi: str
    label_en: str
    sort_order: int
    color: str
    is_handed_over: bool = False
    is_started: bool = False
    is_early: bool = False
    is_paused: bool = False
    is_site_clearance: bool = False
    is_procedure: bool = False
    implied_cause: str | None = None
    default_done_share: float = UNKNOWN_DONE_SHARE
    default_months_to_start: float = UNKNOWN_MONTHS_TO_START


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _bool(v) -> bool:
    if _missing(v):
        return False
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


@dataclass(frozen=True)
class StageModel:
    """The stages in order, and what each means. Hashable (a cache key)."""
    stages: tuple[Stage, ...]

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> "StageModel":
        out = []
        for r in rows:
            share, months = r.get("default_done_share"), r.get("default_months_to_start")
            cause = r.get("implied_cause")
            out.append(Stage(
                code=str(r["code"]), label_vi=str(r.get("label_vi") or r["code"]),
                label_en=str(r.get("label_en") or r.get("label_vi") or r["code"]),
                sort_order=int(r["sort_order"]) if not _missing(r.get("sort_order")) else UNKNOWN_ORDER,
                color=str(r.get("color") or UNKNOWN_COLOR),
                **{f: _bool(r.get(f)) for f in _FLAGS},
                implied_cause=None if _missing(cause) or not str(cause).strip() else str(cause).strip(),
                default_done_share=UNKNOWN_DONE_SHARE if _missing(share) else float(share),
                default_months_to_start=UNKNOWN_MONTHS_TO_START if _missing(months) else float(months)))
        return cls(tuple(sorted(out, key=lambda s: (s.sort_order, s.code))))

    @classmethod
    def from_frame(cls, stages: pd.DataFrame) -> "StageModel":
        """From ``queries.stages(db)`` (one row per stage; missing columns read as False/NULL)."""
        return cls.from_rows(stages.to_dict("records"))

    # -- the sets -----------------------------------------------------------------------------
    def _where(self, flag: str) -> frozenset[str]:
        return frozenset(s.code for s in self.stages if getattr(s, flag))

    @property
    def codes(self) -> tuple[str, ...]:
        """The stage codes in their order."""
        return tuple(s.code for s in self.stages)

    @property
    def keys(self) -> tuple[str, ...]:
        """The codes then ``UNKNOWN``: the keys of a per-stage assumption."""
        return (*self.codes, UNKNOWN)

    @property
    def handed_over(self) -> frozenset[str]:
        return self._where("is_handed_over")

    @property
    def started(self) -> frozenset[str]:
        return self._where("is_started")

    @property
    def early(self) -> frozenset[str]:
        return self._where("is_early")

    @property
    def paused(self) -> frozenset[str]:
        return self._where("is_paused")

    @property
    def site_clearance(self) -> frozenset[str]:
        return self._where("is_site_clearance")

    @property
    def procedure(self) -> frozenset[str]:
        return self._where("is_procedure")

    @property
    def building(self) -> frozenset[str]:
        """Started, neither paused nor handed over: the works being built."""
        return self.started - self.paused - self.handed_over

    # -- one stage ----------------------------------------------------------------------------
    def get(self, code) -> Stage | None:
        if _missing(code):
            return None
        return next((s for s in self.stages if s.code == code), None)

    def key(self, code) -> str:
        """The code when it is a stage of the table, else ``UNKNOWN``."""
        return code if self.get(code) is not None else UNKNOWN

    def keys_of(self, codes: pd.Series) -> pd.Series:
        """``key`` of each code of a series (vectorised)."""
        return codes.where(codes.isin(self.codes), UNKNOWN).astype(object)

    def implied_cause(self, code) -> str | None:
        """The delay cause this stage implies (a ``delay_cause`` code), None when none."""
        s = self.get(code)
        return s.implied_cause if s else None

    def label(self, code, lang: str = "vi") -> str:
        s = self.get(code)
        if s is None:
            return t("stage.unknown", lang) if _missing(code) or code == UNKNOWN else str(code)
        return s.label_vi if lang == "vi" else s.label_en

    def labels(self, lang: str = "vi") -> dict[str, str]:
        """Code -> label in ``lang``, with ``UNKNOWN`` -> 'Chưa có số liệu về giai đoạn'."""
        out = {s.code: (s.label_vi if lang == "vi" else s.label_en) for s in self.stages}
        out[UNKNOWN] = t("stage.unknown", lang)
        return out

    def order(self, code) -> int:
        s = self.get(code)
        return s.sort_order if s else UNKNOWN_ORDER

    def color(self, code) -> str:
        s = self.get(code)
        return s.color if s else UNKNOWN_COLOR

    # -- the funding page's first assumptions ---------------------------------------------------
    def default_done_share(self) -> dict[str, float]:
        """Key (``keys``) -> share taken as already done when the disbursed amount is unknown."""
        return {**{s.code: s.default_done_share for s in self.stages}, UNKNOWN: UNKNOWN_DONE_SHARE}

    def default_months_to_start(self) -> dict[str, float]:
        """Key (``keys``) -> months still needed before money can be spent."""
        return {**{s.code: s.default_months_to_start for s in self.stages}, UNKNOWN: UNKNOWN_MONTHS_TO_START}


def model(db) -> StageModel:
    """The model of the database's ``stage`` table."""
    from lib import queries  # lib.queries is a reader of the database; this module stays pure
    return StageModel.from_rows(db.rows(queries.STAGES_SQL))  # rows, not a frame: read on every evaluation


@lru_cache(maxsize=1)
def seed_model() -> StageModel:
    """The model of data/seed/stages.csv (the rows every database starts with): the default where
    no database is at hand (a scenario's first values, a pure call without a model)."""
    from lib import seed
    filename, _, types = next(entry for entry in seed.TABLES if entry[1] == "stage")
    with open(seed.SEED_DIR / filename, encoding="utf-8", newline="") as f:
        rows = [{c: seed._convert(v, types.get(c), f"{filename}, cột {c}") for c, v in r.items()}
                for r in csv.DictReader(f)]
    return StageModel.from_rows(rows)
