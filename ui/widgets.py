"""Pieces of page shared by several pages (tables and charts with their labels)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import charts, fmt, overview
from lib.fmt import TY
from ui.frame import Ctx


def stage_count_chart(ctx: Ctx, by_stage: pd.DataFrame, k: overview.Kpis):
    data = by_stage[by_stage["n"] > 0]
    top = data.sort_values("n", ascending=False).iloc[0]["label"] if len(data) else "-"
    title = ctx.tr("overview.chart_stage_title", done=k.n_handed_over, n=k.n_works, top=top)
    return charts.stage_bars(data, "n", ctx.tr("overview.chart_stage_count"), title,
                             lang=ctx.lang, integer=True)


def stage_money_chart(ctx: Ctx, by_stage: pd.DataFrame):
    data = by_stage[by_stage["n"] > 0].assign(investment_ty=lambda d: d["investment_vnd"] / TY)
    known = data[data["stage"] != overview.UNKNOWN_STAGE].dropna(subset=["investment_ty"])
    if len(known):
        top = known.sort_values("investment_ty", ascending=False).iloc[0]
        title = ctx.tr("overview.chart_money_title", amount=fmt.ty(top["investment_vnd"], ctx.lang),
                       stage=top["label"])
    else:
        title = ctx.tr("common.no_data")
    return charts.stage_bars(data, "investment_ty", ctx.tr("overview.chart_stage_money"), title,
                             decimals=1, lang=ctx.lang, missing_text=ctx.tr("common.no_data"))


def town_table(ctx: Ctx, works: pd.DataFrame) -> None:
    g = overview.by_town(works, ctx.town_options, ctx.lang)
    k = overview.kpis(works)
    rows = [{ctx.tr("overview.table_town"): r.label,
             ctx.tr("overview.table_count"): int(r.n),
             ctx.tr("overview.kpi_handed_over"): int(r.n_handed_over),
             ctx.tr("overview.table_investment"): fmt.ty(r.investment_vnd, ctx.lang, unit=False),
             ctx.tr("overview.table_missing"): int(r.n_missing_amount)} for r in g.itertuples()]
    rows.append({ctx.tr("overview.table_town"): ctx.tr("overview.total_row"),
                 ctx.tr("overview.table_count"): k.n_works,
                 ctx.tr("overview.kpi_handed_over"): k.n_handed_over,
                 ctx.tr("overview.table_investment"): fmt.ty(k.investment_vnd, ctx.lang, unit=False),
                 ctx.tr("overview.table_missing"): k.n_missing_amount})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if any(len(a) > 1 for a in works["area_ids"]):
        st.caption(ctx.tr("overview.both_towns_note"))
