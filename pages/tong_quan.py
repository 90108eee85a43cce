"""Tổng quan: the programme at a glance for the towns selected. The first screen answers
"done / late / money": handed over, flagged works at the evaluation date (red · amber, each work
once, as on the flags page), investment, in progress; then the works and the money by stage."""
import streamlit as st

from lib import fmt, overview, queries
from ui import flags_view, frame, pack_view, widgets

ctx = frame.page_header()
prog = frame.read(queries.programme, ctx.programme)
works = frame.read(queries.works, ctx.towns, ctx.period_id, ctx.programme)
stages = frame.read(queries.stages)
when = flags_view.eval_date(ctx)
flagged = flags_view.works_flagged(ctx, when)   # one row per work: the flags page's count

k = overview.kpis(works)
widgets.overview_kpis(ctx, k, overview.late_works(flagged), when)
money = overview.plan_line(overview.plan_year(frame.read(queries.capital_plan), works, when.year), ctx.lang)
if money:  # the yearly capital plan against disbursement; nothing when no plan was imported
    widgets.note(money)

by_stage = overview.by_stage(works, stages, ctx.lang)
left, right = st.columns(2)
with left:
    widgets.altair(widgets.stage_count_chart, ctx, by_stage, k, width="stretch")
with right:
    widgets.altair(widgets.stage_money_chart, ctx, by_stage, width="stretch")

widgets.red_flags(ctx, flagged, flags_view.cause_labels(ctx))

st.subheader(ctx.tr("overview.by_town"))
widgets.town_table(ctx, works)

st.subheader(ctx.tr("overview.targets"))


def known(v) -> bool:  # a programme entered by hand may lack its decision, date, source or target year
    return not fmt.is_missing(v)


no_data = ctx.tr("common.no_data")
decided = ", ".join(x for x in (str(prog["decision_no"]) if known(prog["decision_no"]) else None,
                                fmt.day(prog["decision_date"].date(), ctx.lang) if known(prog["decision_date"]) else None)
                    if x)
widgets.note(f"{prog['name']} ({decided})" if decided else str(prog["name"]))
for tg in frame.read(queries.targets, ctx.programme).itertuples():
    if ctx.towns is None or tg.area_id in ctx.towns:
        widgets.note("• " + ctx.tr("overview.target", year=tg.target_year if known(tg.target_year) else no_data,
                                   text=tg.target_text if known(tg.target_text) else no_data))
widgets.note(ctx.tr("overview.source", source=prog["source_ref"] if known(prog["source_ref"]) else no_data))
pack_view.pack_button(ctx, when)
