"""The departments' tasks (report III.2.1): the table's one column spec and its rows."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from lib import fmt, sources
from lib.i18n import t
from lib.tables import Col, Table

TASKS = Table("tasks", (
    Col("department", "tasks.col_department", width=17),
    Col("task", "tasks.col_task", width=43),
    Col("status", "tasks.col_status", width=9),
    Col("note", "tasks.col_note", width=15, missing=""),
    Col("source", "common.source", width=16),
))


def task_rows(tasks: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The rows of TASKS from ``queries.department_tasks``: every text whole, the source as a document."""
    return pd.DataFrame({
        "department": tasks["department"].astype(str).values,
        "task": tasks["task"].astype(str).values,
        "status": [t(f"tasks.status.{s}", lang) if not fmt.is_missing(s) else None for s in tasks["status"]],
        "note": [None if fmt.is_missing(v) else v for v in tasks["status_note"]],
        "source": [sources.document(v) or None for v in tasks["source_ref"]],
    })


SHARED = ("note", "source")  # columns that often say the same thing on every row


def screen_table(rows: pd.DataFrame) -> tuple[Table, dict[str, str]]:
    """TASKS for the screen: a column whose every row says the same (the report gives one source
    and one remark for all six tasks) leaves the table and is said once, above it; it stays in
    the files. Returns the spec and {column key: the shared text}."""
    shared = {}
    for key in SHARED:
        values = set(rows[key].map(lambda v: "" if fmt.is_missing(v) else str(v)))
        if len(rows) > 1 and len(values) == 1 and values != {""}:
            shared[key] = values.pop()
    cols = tuple(replace(c, screen=False) if c.key in shared else c for c in TASKS.cols)
    return replace(TASKS, cols=cols), shared
