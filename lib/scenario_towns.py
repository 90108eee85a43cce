"""Towns under a scenario: the class each town is scored against, the links from its own works
to standards, and its projected score year by year as those works complete.

A completed work changes a town's indicator only when the work belongs to that town (table
``work_area``) and its effect is a number; a work whose town the source does not state counts
for no town (``unattributed_links``). Never imports streamlit.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from lib import criteria
from lib.db import Database

# -- towns: class, projected score, goal -------------------------------------------------

def programme_towns(db: Database, programme: str | None = None) -> list[str]:
    """The towns a programme targets (``programme_target``); None: every programme town."""
    if programme is None:
        return list(db.query("SELECT id FROM area WHERE is_programme_town ORDER BY sort_order")["id"])
    return list(db.query("SELECT a.id FROM area a JOIN programme_target t ON t.area_id = a.id "
                         "WHERE t.programme_id = ? ORDER BY a.sort_order", [programme])["id"])


def class_for(db: Database, town: str, ruleset_id: str, class_code: str | None = None,
              programme: str | None = None) -> str:
    """The class a town is scored against: ``class_code`` when one was chosen deliberately (and the
    rule-set has it), else the class that follows the town (criteria.default_class: its programme
    target when the rule-set has it, IV or V under NQ 1210; under NQ 111/2025 the class its
    transition rule gives a former IV/V town, III)."""
    if class_code and class_code in criteria.catalog(db)[ruleset_id].classes:
        return class_code
    return criteria.town_class(db, town, ruleset_id, programme)


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

    @cached_property  # the rows never change: each figure is worked out once
    def first_year(self) -> int | None:
        """First year the verdict is 'dat' (every standard scored, pass mark and group minimums met)."""
        met = self.rows.loc[self.rows["verdict"] == "dat", "year"]
        return int(met.min()) if len(met) else None

    @cached_property  # the rows never change: each figure is worked out once
    def status(self) -> str:
        """'dat' (reaches the class within the horizon), 'khong_dat', or 'chua_du_so_lieu'."""
        if self.first_year is not None:
            return "dat"
        if len(self.rows) and (self.rows["verdict"] == "chua_du_so_lieu").all():
            return "chua_du_so_lieu"
        return "khong_dat"

    @cached_property  # the rows never change: each figure is worked out once
    def n_scored(self) -> int:
        return int(self.rows["n_scored"].min()) if len(self.rows) else 0

    @cached_property  # the rows never change: each figure is worked out once
    def n_total(self) -> int:
        return int(self.rows["n_total"].max()) if len(self.rows) else 0

    @cached_property  # the rows never change: each figure is worked out once
    def pass_mark(self) -> float | None:
        marks = self.rows["pass_mark"].dropna() if len(self.rows) else []
        return float(marks.iloc[0]) if len(marks) else None


def _town_inputs(db: Database, town: str, ruleset_id: str, include_demo: bool, class_code: str | None = None,
                 programme: str | None = None):
    cat = criteria.catalog(db)
    cls = class_for(db, town, ruleset_id, class_code, programme)
    values = criteria.indicator_values(db, town, None, include_demo)
    own = set(cat[ruleset_id].standards_for(cls)["code"])
    values = values[values["standard_code"].isin(own)]
    uses_demo = bool(values["is_demo"].any()) if len(values) else False
    return cat, cls, criteria.area_region(db, town), criteria.values_map(values), town_links(db, town), uses_demo


def town_projection(db: Database, town: str, ruleset_id: str, include_demo: bool,
                    completion: tuple, years: tuple, class_code: str | None = None,
                    programme: str | None = None) -> TownProjection:
    """A town's score each year as its own works complete. ``completion``: (work_id, year)
    pairs (``relevant_completion``); ``years``: the years to score; ``class_code``: a class
    chosen deliberately (None: the class that follows the town, see class_for)."""
    cat, cls, region, values, links, uses_demo = _town_inputs(db, town, ruleset_id, include_demo, class_code, programme)
    rows = criteria.project_scores(cat, ruleset_id, cls, region, values, links, dict(completion), list(years))
    return TownProjection(town, ruleset_id, cls, rows, uses_demo,
                          int(links["effect_value"].notna().sum()), len(links))
