"""Kịch bản vốn: what a yearly amount buys — which works finish when, and when each town
reaches its target class; goal seeking, named scenarios side by side, the assumptions
written out for the minutes."""
import streamlit as st

from lib import criteria
from ui import frame
from ui import funding_view as fv

ctx = frame.page_header()
catalog = frame.read(criteria.catalog)
defaults = fv.defaults(ctx, catalog.ids)
fv.init_state(defaults)
fv.controls(ctx, defaults, fv.stage_labels(ctx))
scenario = fv.current_scenario(ctx)

banner, head = st.container(), st.container()
tabs = st.tabs([ctx.tr("funding.tab_works"), ctx.tr("funding.tab_money"), ctx.tr("funding.tab_towns"),
                ctx.tr("funding.tab_goal"), ctx.tr("funding.tab_saved"), ctx.tr("funding.tab_minutes")])
with tabs[2]:
    ruleset_id, demo = fv.score_options(ctx, catalog)
model = fv.compute(ctx, scenario, ruleset_id, demo, catalog)
with banner:
    fv.demo_banner(ctx, model)
with head:
    fv.headline(ctx, model)
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
