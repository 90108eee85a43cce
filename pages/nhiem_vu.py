"""Nhiệm vụ các phòng: the tasks the steering committee gave each department (report III.2.1)."""
import pandas as pd
import streamlit as st

from lib import queries
from ui import frame

ctx = frame.page_header()
tasks = frame.read(queries.department_tasks)
departments = list(dict.fromkeys(tasks["department"]))
chosen = st.multiselect(ctx.tr("tasks.f_department"), departments, key="tasks_dept")
shown = tasks[tasks["department"].isin(chosen)] if chosen else tasks
st.markdown(ctx.tr("tasks.count", n=len(shown), d=shown["department"].nunique()))
st.dataframe(pd.DataFrame({
    ctx.tr("tasks.col_department"): shown["department"],
    ctx.tr("tasks.col_task"): shown["task"],
    ctx.tr("tasks.col_status"): [ctx.tr(f"tasks.status.{s}") for s in shown["status"]],
    ctx.tr("tasks.col_note"): shown["status_note"].fillna(""),
    ctx.tr("common.source"): shown["source_ref"],
}), hide_index=True, width="stretch", row_height=110,
    column_config={ctx.tr("tasks.col_task"): st.column_config.TextColumn(width="large")})
if ctx.towns is not None:
    st.caption(ctx.tr("tasks.towns_note"))
