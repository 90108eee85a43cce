"""Progress of the programme across reporting periods, and per-work physical/financial progress."""
from __future__ import annotations

import pandas as pd

from lib import fmt, queries
from lib.db import Database
from lib.fmt import TY


def by_period(db: Database, towns: list[str] | None = None) -> pd.DataFrame:
    """For each reporting period (oldest first): works handed over, their investment, and the mean
    physical progress of the works that report one (with how many do)."""
    rows = []
    periods = queries.periods(db).sort_values("as_of")
    for order, p in enumerate(periods.itertuples()):
        w = queries.works(db, towns, p.id)
        handed = w[w["is_handed_over"]]
        known_phys = w["physical_pct"].dropna()
        handed_vnd = fmt.sum_known(handed["total_investment_vnd"])
        rows.append({"period_id": p.id, "period_label": p.label_vi, "period_order": order, "as_of": p.as_of,
                     "n_works": len(w), "n_handed_over": len(handed),
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
    rows, missing = [], []
    for w in works.itertuples():
        phys = w.physical_pct if not pd.isna(w.physical_pct) else None
        fin = None
        if not pd.isna(w.disbursed_vnd) and not pd.isna(w.total_investment_vnd) and w.total_investment_vnd > 0:
            fin = 100.0 * float(w.disbursed_vnd) / float(w.total_investment_vnd)
        if phys is None and fin is None:
            missing.append(w.id)
            continue
        label = f"{w.id} · {w.name[:40]}"
        rows.append({"id": w.id, "label": label, "measure": labels["physical"], "value": phys})
        rows.append({"id": w.id, "label": label, "measure": labels["financial"], "value": fin})
    return pd.DataFrame(rows, columns=["id", "label", "measure", "value"]).astype({"value": "float"}), missing
