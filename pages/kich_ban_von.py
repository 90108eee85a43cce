"""Kịch bản vốn: what a yearly amount buys — which works finish when, and when each town
reaches its target class; goal seeking, named scenarios side by side, the assumptions
written out for the minutes.

The first screen answers first: the smallest yearly money with which every work finishes by
the end of the horizon (and of the programme), then the compact sliders, then what they move
(works complete, the year all are complete, the money still short, the works that change year).
"""
import streamlit as st

from lib import whatif
from ui import criteria_view, frame
from ui import funding_view as fv

ctx = frame.page_header()
catalog = criteria_view.load_catalog(ctx)  # says why, when no stored rule-set can be used
if catalog is None:
    st.stop()
defaults = fv.defaults(ctx, catalog.ids)
fv.init_state(defaults)

lead = st.container()
fv.sliders(ctx, defaults)
results = st.container()
fv.controls(ctx, defaults, frame.read(whatif.stage_labels, ctx.lang))
banner, towns = st.container(), st.container()
tabs = st.tabs([ctx.tr("funding.tab_works"), ctx.tr("funding.tab_money"), ctx.tr("funding.tab_towns"),
                ctx.tr("funding.tab_goal"), ctx.tr("funding.tab_saved"), ctx.tr("funding.tab_minutes")])
with tabs[2]:
    ruleset_id, demo = fv.score_options(ctx, catalog)
scenario = fv.current_scenario(ctx)
model = fv.compute(ctx, scenario, ruleset_id, demo, catalog)
with lead:
    fv.lead(ctx, model)
with results:
    fv.results(ctx, model)
with banner:
    fv.demo_banner(ctx, model)
with towns:
    fv.town_metrics(ctx, model)
with tabs[0]:
    fv.works_tab(ctx, model)
with tabs[1]:
    fv.money_tab(ctx, model)
with tabs[2]:
    fv.towns_tab(ctx, model)
with tabs[3]:
    fv.goal_tab(ctx, model)
with tabs[4]:
    fv.saved_tab(ctx, model)
with tabs[5]:
    fv.minutes_tab(ctx, model)
