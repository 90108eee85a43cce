"""Tổng quan: the programme at a glance for the towns selected."""
import streamlit as st

from lib import fmt, overview, queries
from ui import alerts_view, frame, widgets

ctx = frame.page_header()
prog = frame.read(queries.programme)
works = frame.read(queries.works, ctx.towns, ctx.period_id)
stages = frame.read(queries.stages)

k = overview.kpis(works)
c1, c2, c3, c4 = st.columns(4)
c1.metric(ctx.tr("overview.kpi_works"), fmt.number(k.n_works, lang=ctx.lang))
c2.metric(ctx.tr("overview.kpi_investment"), fmt.ty(k.investment_vnd, ctx.lang, unit=False),
          help=ctx.tr("overview.kpi_investment_help", n=k.n_missing_amount))
c2.caption(ctx.tr("overview.kpi_missing_amount", n=k.n_missing_amount))
c3.metric(ctx.tr("overview.kpi_handed_over"), fmt.number(k.n_handed_over, lang=ctx.lang))
c3.caption(ctx.tr("overview.kpi_handed_over_delta", amount=fmt.ty(k.handed_over_vnd, ctx.lang)))
c4.metric(ctx.tr("overview.kpi_in_progress"), fmt.number(k.n_in_progress, lang=ctx.lang),
          help=ctx.tr("overview.kpi_in_progress_help", n=int(works["stage"].isna().sum())))

by_stage = overview.by_stage(works, stages, ctx.lang)
left, right = st.columns(2)
with left:
    st.altair_chart(widgets.stage_count_chart(ctx, by_stage, k), width="stretch")
with right:
    st.altair_chart(widgets.stage_money_chart(ctx, by_stage), width="stretch")

alerts_view.overview_strip(ctx)

st.subheader(ctx.tr("overview.by_town"))
widgets.town_table(ctx, works)

st.subheader(ctx.tr("overview.targets"))
st.markdown(f"**{prog['name']}** ({prog['decision_no']}, {fmt.day(prog['decision_date'].date(), ctx.lang)})")
for tg in frame.read(queries.targets).itertuples():
    if ctx.towns is None or tg.area_id in ctx.towns:
        st.markdown(f"- {ctx.tr('overview.target', year=tg.target_year, text=tg.target_text)}")
st.caption(ctx.tr("overview.source", source=prog["source_ref"]))
