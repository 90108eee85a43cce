"""Nhiệm vụ các phòng: the tasks the steering committee gave each department (report III.2.1)."""
import streamlit as st

from lib import queries, tasks as tasks_lib
from ui import frame, table

ctx = frame.page_header()
tasks = frame.read(queries.department_tasks, ctx.programme)
departments = list(dict.fromkeys(tasks["department"]))
c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
chosen = c1.multiselect(ctx.tr("tasks.f_department"), departments, key="tasks_dept",
                        placeholder=ctx.tr("tasks.ph_department"), select_all=False)
shown = tasks[tasks["department"].isin(chosen)] if chosen else tasks
c2.markdown(ctx.tr("tasks.count", n=len(shown), d=shown["department"].nunique()))
rows = tasks_lib.task_rows(shown, ctx.lang)
spec, shared = tasks_lib.screen_table(rows)
said_once = [ctx.tr(f"tasks.shared_{k}", text=v) for k, v in shared.items()]
table.show(ctx, spec, rows, caption=" ".join(said_once) or None)
if ctx.towns is not None:
    st.caption(ctx.tr("tasks.towns_note"))
table.downloads(ctx, tasks_lib.TASKS, rows, stem="nhiem-vu-cac-phong", sheet=ctx.tr("tasks.export_sheet"),
                key="dl_tasks")
