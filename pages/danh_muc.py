"""Danh mục công trình: the works register, its progress charts and each work's detail."""
import streamlit as st

from lib import queries, register
from ui import frame, register_view

ctx = frame.page_header()
works = frame.read(queries.works, ctx.towns, ctx.period_id, ctx.programme)
stages = frame.read(queries.stages)
flags = register_view.flag_levels(ctx)

filters = register_view.filter_bar(ctx, works, flags)
filtered = register.apply(works, filters)

labels = [ctx.tr("register.tab_list"), ctx.tr("register.tab_charts"), ctx.tr("register.tab_detail")]
# a link to one work (?work=GT-01) opens its detail
tab_list, tab_charts, tab_detail = st.tabs(labels, default=labels[2] if st.query_params.get("work") else None)
with tab_list:
    register_view.works_list(ctx, filtered, flags)
with tab_charts:
    register_view.progress_charts(ctx, filtered, stages)
with tab_detail:
    register_view.detail(ctx, works, frame.read(queries.works, None, ctx.period_id, ctx.programme))
