"""Aggregates for the overview: pure functions over the frame of ``queries.works``.

Unknown amounts are counted as unknown, never summed as 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib import flags as flags_
from lib import fmt
from lib import stages as stages_
from lib.i18n import t
from lib.queries import UNKNOWN_TOWN
from lib.tables import Col, Table

@dataclass(frozen=True)
class Kpis:
    n_works: int
    investment_vnd: int | None        # sum over works with a figure; None when no work has one
    n_missing_amount: int
    n_handed_over: int
    handed_over_vnd: int | None
    n_in_progress: int
    n_handed_over_missing_amount: int = 0   # handed-over works whose amount is unknown


def _sum_known(s: pd.Series) -> int | None:
    """Sum of the known amounts; None when there are amounts to sum but none is known.

    An empty set sums to 0 (nothing handed over is 0 đồng handed over).
    """
    if len(s) == 0:
        return 0
    known = s.dropna()
    return int(known.sum()) if len(known) else None


def kpis(works: pd.DataFrame) -> Kpis:
    amounts = works["total_investment_vnd"]  # columns, not filtered copies of the whole frame
    handed = amounts[works["is_handed_over"]]
    in_progress = ~works["is_handed_over"] & works["stage"].notna()
    return Kpis(
        n_works=len(works),
        investment_vnd=_sum_known(amounts),
        n_missing_amount=int(amounts.isna().sum()),
        n_handed_over=len(handed),
        handed_over_vnd=_sum_known(handed),
        n_in_progress=int(in_progress.sum()),
        n_handed_over_missing_amount=int(handed.isna().sum()),
    )


@dataclass(frozen=True)
class Late:
    """Flagged works at an evaluation date, each work once at its worst severity: the same
    count as the flags page (``flags.by_work``/``flags.severity_counts``)."""
    n_red: int
    n_amber: int
    n_delayed: int = 0   # of them, works with a delay flag (overdue, stalled, at risk, slipped, funding gap)

    @property
    def n_works(self) -> int:
        return self.n_red + self.n_amber


def late_works(by_work: pd.DataFrame) -> Late:
    """``by_work``: the frame of ``flags.by_work`` (one row per flagged work)."""
    n = flags_.severity_counts(by_work)
    return Late(n_red=n["red"], n_amber=n["amber"], n_delayed=int(by_work["delayed"].astype(bool).sum()))


def by_stage(works: pd.DataFrame, stages: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """One row per stage (every stage, in order, with zeros for empty ones; plus 'no data' when present)."""
    # per stage: works, the sum of the known amounts (None when none is known), unknown amounts;
    # by pandas' own group sums (a province has thousands of works)
    amounts = works["total_investment_vnd"].groupby(works["stage"].fillna(stages_.UNKNOWN), dropna=False)
    sizes, counts = amounts.size().to_dict(), amounts.count().to_dict()
    sums = {k: (None if pd.isna(v) else int(v)) for k, v in amounts.sum(min_count=1).to_dict().items()}
    label = "label_vi" if lang == "vi" else "label_en"
    rows = []
    for st in stages.itertuples():
        found = st.code in sizes
        rows.append({"stage": st.code, "label": getattr(st, label), "color": st.color,
                     "order": st.sort_order, "n": int(sizes[st.code]) if found else 0,
                     "investment_vnd": sums[st.code] if found else None,
                     "n_missing_amount": int(sizes[st.code] - counts[st.code]) if found else 0})
    if stages_.UNKNOWN in sizes:
        rows.append({"stage": stages_.UNKNOWN, "label": t("stage.unknown", lang), "color": stages_.UNKNOWN_COLOR,
                     "order": stages_.UNKNOWN_ORDER, "n": int(sizes[stages_.UNKNOWN]),
                     "investment_vnd": sums[stages_.UNKNOWN],
                     "n_missing_amount": int(sizes[stages_.UNKNOWN] - counts[stages_.UNKNOWN])})
    out = pd.DataFrame(rows)
    out["investment_vnd"] = out["investment_vnd"].astype("Float64")
    return out


def town_labels(town_ids, options: pd.DataFrame, lang: str = "vi") -> dict[str, str]:
    """``town_label`` of each id, once per id (a province has thousands of rows, dozens of towns)."""
    first = options.drop_duplicates("id")  # town_label reads the first row of an id
    known = dict(zip(first["id"].tolist(), zip(first["name"].tolist(), first["kind"].tolist())))
    return {tid: _town_label(tid, known.get(tid), lang) for tid in town_ids}


def town_label(town_id: str, options: pd.DataFrame, lang: str = "vi") -> str:
    if town_id == UNKNOWN_TOWN:
        return t("town.unknown", lang)
    row = options[options["id"] == town_id]
    return _town_label(town_id, None if row.empty else (row.iloc[0]["name"], row.iloc[0]["kind"]), lang)


def _town_label(town_id: str, name_kind: tuple | None, lang: str) -> str:
    """The label of an area of the options (``name_kind``: its name and kind; None: not an option)."""
    if town_id == UNKNOWN_TOWN:
        return t("town.unknown", lang)
    if name_kind is None:
        return town_id
    name, kind = name_kind
    if kind == "huyen":
        return t("town.district", lang)
    return name[0].upper() + name[1:]


def by_town(works: pd.DataFrame, options: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Works and investment per area; a work in two areas counts in both."""
    exploded = works.assign(town=works["area_ids"].apply(lambda a: a if len(a) else [UNKNOWN_TOWN]))
    exploded = exploded.explode("town")
    order = {tid: i for i, tid in enumerate(options["id"])}
    g = exploded.groupby("town").agg(
        n=("id", "size"),
        n_handed_over=("is_handed_over", "sum"),
        investment_vnd=("total_investment_vnd", lambda s: _sum_known(s)),
        n_missing_amount=("total_investment_vnd", lambda s: int(s.isna().sum())),
    ).reset_index()
    labels = town_labels(g["town"].unique(), options, lang)
    g["label"] = g["town"].apply(lambda tid: labels[tid])
    g["order"] = g["town"].map(order).fillna(999)
    g["investment_vnd"] = g["investment_vnd"].astype("Float64")
    return g.sort_values("order").reset_index(drop=True)


def by_stage_and_town(works: pd.DataFrame, options: pd.DataFrame, stages: pd.DataFrame,
                      lang: str = "vi") -> pd.DataFrame:
    """Rows of (town, stage) with counts and investment, for the pipeline chart."""
    few = works[["area_ids", "stage", "total_investment_vnd"]]  # only what is counted, before exploding
    exploded = few.assign(town=few["area_ids"].apply(lambda a: a if len(a) else [UNKNOWN_TOWN]))
    exploded = exploded.explode("town").assign(stage_key=lambda d: d["stage"].fillna(stages_.UNKNOWN))
    amounts = exploded.groupby(["town", "stage_key"])["total_investment_vnd"]
    g = pd.DataFrame({"n": amounts.size().astype("int64"), "investment_vnd": amounts.sum(min_count=1)}).reset_index()
    labels = by_stage(works, stages, lang).set_index("stage")
    g["stage_label"] = g["stage_key"].map(labels["label"])
    g["stage_order"] = g["stage_key"].map(labels["order"])
    g["town_label"] = g["town"].map(town_labels(g["town"].unique(), options, lang))
    g["investment_vnd"] = g["investment_vnd"].astype("Float64")  # a group with no known amount: <NA>, never 0
    return g


# The per-area table of the overview: one spec for the screen (and any file made from it).
TOWN_TABLE = Table("overview_towns", (
    Col("label", "overview.table_town", "text", width=34),
    Col("n", "overview.table_count", "int", width=14),
    Col("n_handed_over", "overview.kpi_handed_over", "int", width=14),
    Col("investment_vnd", "overview.table_investment", "money", width=20),
    Col("n_missing_amount", "overview.table_missing", "int", width=18),
))


def town_table_rows(works: pd.DataFrame, options: pd.DataFrame, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """Rows of ``TOWN_TABLE`` (a work in two areas counts in both) and its total row, where each
    work counts once; unknown amounts stay unknown (a town with none known reads 'chưa có số liệu')."""
    g = by_town(works, options, lang)
    rows = pd.DataFrame({
        "label": g["label"], "n": g["n"].astype(int), "n_handed_over": g["n_handed_over"].astype(int),
        "investment_vnd": [None if pd.isna(v) else int(v) for v in g["investment_vnd"]],
        "n_missing_amount": g["n_missing_amount"].astype(int)})
    k = kpis(works)
    total = {"label": t("overview.total_row", lang), "n": k.n_works, "n_handed_over": k.n_handed_over,
             "investment_vnd": k.investment_vnd, "n_missing_amount": k.n_missing_amount}
    return rows, total


# -- money progress: the yearly capital plan against what was disbursed ---------------------------

@dataclass(frozen=True)
class PlanYear:
    """The capital plan of one year for the works shown (table capital_plan, imported from the
    departments' spreadsheets). Sums of the known amounts; None when none is known."""
    year: int
    n_works: int
    allocated_vnd: int | None
    disbursed_vnd: int | None
    sources: tuple[str, ...]      # the rows' sources (else their allocation decisions), distinct
    entered_on: date | None       # when the newest of these rows was entered

    @property
    def disbursed_pct(self) -> float | None:
        if self.allocated_vnd and self.disbursed_vnd is not None:
            return 100 * self.disbursed_vnd / self.allocated_vnd
        return None


def plan_year(plan: pd.DataFrame, works: pd.DataFrame, year: int | None = None) -> PlanYear | None:
    """The plan of the works in ``works`` for ``year``: the newest planned year not after it, else the
    first planned year (None: the newest). None when the works have no plan at all (never 0)."""
    mine = plan[plan["work_id"].isin(set(works["id"]))] if len(plan) else plan
    if mine is None or mine.empty:
        return None
    years = sorted(int(y) for y in mine["year"].unique())
    before = [y for y in years if year is None or y <= year]
    chosen = before[-1] if before else years[0]
    rows = mine[mine["year"] == chosen]
    sources = []
    for r in rows.itertuples():
        src = r.source_ref if isinstance(r.source_ref, str) and r.source_ref.strip() else r.decision_ref
        if isinstance(src, str) and src.strip() and src.strip() not in sources:
            sources.append(src.strip())
    entered = rows["entered_at"].max()
    return PlanYear(chosen, int(rows["work_id"].nunique()), _sum_known(rows["allocated_vnd"]),
                    _sum_known(rows["disbursed_vnd"]), tuple(sources),
                    None if fmt.is_missing(entered) else pd.Timestamp(entered).date())


def plan_line(p: PlanYear | None, lang: str = "vi") -> str | None:
    """'Kế hoạch vốn năm 2023 (3 công trình): 12,5 tỷ đồng · đã giải ngân 4 tỷ đồng (32 %). Nguồn: ...'."""
    if p is None:
        return None
    pct = p.disbursed_pct
    text = t("imp.money_line", lang, year=p.year, n=p.n_works, allocated=fmt.ty(p.allocated_vnd, lang),
             disbursed=fmt.ty(p.disbursed_vnd, lang))
    if pct is not None:
        text += " " + t("imp.money_pct", lang, pct=fmt.percent(pct, lang, 0))
    shown = list(p.sources[:2])
    if len(p.sources) > 2:
        shown.append(t("imp.money_more", lang, n=len(p.sources) - 2))
    return text + ". " + t("imp.money_source", lang, source="; ".join(shown) if shown else t("imp.money_sheet", lang),
                           date=fmt.day(p.entered_on, lang))
