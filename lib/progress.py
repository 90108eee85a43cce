"""Progress of the programme across reporting periods, and per-work physical/financial progress."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib import fmt, queries
from lib.db import Database
from lib.fmt import TY


def by_period(db: Database, towns: list[str] | None = None, programme: str | None = None) -> pd.DataFrame:
    """For each reporting period (oldest first): works handed over, their investment, and the mean
    physical progress of the works that report one (with how many do). Each period's status is
    derived from the updates read once (``flags.statuses``), not by reading the register again."""
    from lib import flags  # lib.flags reads through lib.queries, as this module does

    rows = []
    periods = queries.periods(db).sort_values("as_of")
    dates = [p.as_of.date() for p in periods.itertuples()]
    for order, (p, s) in enumerate(zip(periods.itertuples(), flags.statuses(db, dates, towns, programme))):
        if s is None:  # no work in the scope
            handed_vnd = fmt.sum_known(pd.Series([], dtype=object))  # nothing handed over: 0 đồng
            n, n_handed, known_phys = 0, 0, pd.Series([], dtype=float)
        else:
            handed = np.asarray(s["is_handed_over"], dtype=bool)
            n, n_handed = len(handed), int(handed.sum())
            handed_vnd = fmt.sum_known(pd.Series(s["total_investment_vnd"][handed], dtype=object))
            known_phys = pd.Series(s["physical_pct"], dtype=float).dropna()
        rows.append({"period_id": p.id, "period_label": p.label_vi, "period_order": order, "as_of": p.as_of,
                     "n_works": n, "n_handed_over": n_handed,
                     "handed_over_ty": handed_vnd / TY if handed_vnd is not None else None,
                     "physical_mean": float(known_phys.mean()) if len(known_phys) else None,
                     "n_physical_known": len(known_phys)})
    return pd.DataFrame(rows)


def long_form(progress: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Rows (period_label, period_order, measure, value) for the chart; unknown values stay NaN."""
    out = []
    for r in progress.itertuples():
        for key, column in (("done", "n_handed_over"), ("money", "handed_over_ty"), ("physical", "physical_mean")):
            out.append({"period_label": r.period_label, "period_order": r.period_order,
                        "measure": labels[key], "value": getattr(r, column)})
    return pd.DataFrame(out).astype({"value": "float"})


def physical_financial(works: pd.DataFrame, labels: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Per work: % done and disbursed/total %, where known; and the ids with neither."""
    # by columns, not row by row: a province has thousands of works
    phys = works["physical_pct"].astype("Float64").to_numpy(float, na_value=np.nan)
    total = works["total_investment_vnd"].astype("Float64")
    disbursed = works["disbursed_vnd"].astype("Float64")
    has_fin = (disbursed.notna() & total.notna() & (total > 0).fillna(False)).to_numpy(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        fin = np.where(has_fin, 100.0 * disbursed.to_numpy(float, na_value=np.nan)
                       / total.to_numpy(float, na_value=np.nan), np.nan)
    known = has_fin | ~np.isnan(phys)
    ids = works["id"].tolist()
    missing = [i for i, k in zip(ids, known.tolist()) if not k]
    names = works["name"].tolist()
    kept = np.flatnonzero(known).tolist()
    if not kept:
        return pd.DataFrame([], columns=["id", "label", "measure", "value"]).astype({"value": "float"}), missing
    labels_ = [f"{ids[i]} · {names[i][:40]}" for i in kept]
    rows = pd.DataFrame({"id": [ids[i] for i in kept for _ in (0, 1)],  # physical then financial, per work
                         "label": [label for label in labels_ for _ in (0, 1)],
                         "measure": [labels["physical"], labels["financial"]] * len(kept),
                         "value": np.column_stack([phys[kept], fin[kept]]).ravel()})
    return rows.astype({"value": "float"}), missing
